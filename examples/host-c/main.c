/* host-c — a C program embedding Glimmer-Weave through glimmer.h: two host functions written
 * in C (a price list and a logger), a script that uses them, a call from C into the script's
 * `invoice`, the memory and step limits stopping runaway scripts with the engine still usable,
 * an engine on the host's own memory (a chunk source with a budget), and the assembly heap used
 * on its own through gw_heap.h. Exits 1 if anything is off. */
#include <glimmer/glimmer.h>
#include <glimmer/gw_heap.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char* const kScript =
    "chant invoice(items) then\n"
    "    weave total as 0\n"
    "    for each item in items then\n"
    "        set total to total + price_of(item.name) * item.count\n"
    "    end\n"
    "    log(\"invoice total \" + to_text(total))\n"
    "    yield total\n"
    "end\n"
    "println(\"script loaded, a scone costs\", price_of(\"scone\"))\n";

static int failures = 0;

static void check(int ok, const char* what) {
    printf("%s%s\n", ok ? "ok:   " : "FAIL: ", what);
    if (!ok) ++failures;
}

/* price_of(name): a number, or a CustomError the script can catch. */
static gw_status price_of(gw_engine* engine, void* user, const gw_value* const* args, size_t count,
                          gw_value** result) {
    static const struct {
        const char* name;
        double price;
    } kPrices[] = {{"tea", 2.5}, {"cake", 4}, {"scone", 3}};
    const char* name;
    size_t i;
    (void)user;
    (void)count; /* registered with arity 1: the engine checked it */
    if (gw_value_text(args[0], &name, NULL) != GW_STATUS_OK) {
        return gw_raise(engine, GW_KIND_TYPE_ERROR, "price_of takes a Text");
    }
    for (i = 0; i < sizeof kPrices / sizeof kPrices[0]; ++i) {
        if (strcmp(kPrices[i].name, name) == 0) {
            *result = gw_number(kPrices[i].price);
            return GW_STATUS_OK;
        }
    }
    return gw_raise(engine, GW_KIND_CUSTOM_ERROR, "no such item");
}

/* log(message): prints it and counts the calls in *user. */
static gw_status log_message(gw_engine* engine, void* user, const gw_value* const* args,
                             size_t count, gw_value** result) {
    char text[256];
    (void)engine;
    (void)count;
    (void)result; /* NULL result: the script sees nothing */
    gw_value_display(args[0], text, sizeof text);
    printf("[host log] %s\n", text);
    ++*(int*)user;
    return GW_STATUS_OK;
}

static gw_value* order_line(const char* name, double count) {
    gw_value* line = gw_map_new();
    gw_value* n = gw_text(name);
    gw_value* c = gw_number(count);
    gw_map_set(line, "name", n);
    gw_map_set(line, "count", c);
    gw_value_free(n);
    gw_value_free(c);
    return line;
}

/* The host's own memory under an engine: a chunk source with a byte budget. The heap asks it
 * for whole chunks and gives every one back, with its size, when the engine is freed. */
typedef struct budget_source {
    size_t budget, held, peak, refused;
} budget_source;

static void* budget_alloc(void* user, size_t bytes) {
    budget_source* s = (budget_source*)user;
    void* chunk;
    if (s->held + bytes > s->budget) {
        ++s->refused;
        return NULL; /* the script gets OutOfMemory */
    }
    chunk = malloc(bytes);
    if (chunk) {
        s->held += bytes;
        if (s->held > s->peak) s->peak = s->held;
    }
    return chunk;
}

static void budget_free(void* user, void* chunk, size_t bytes) {
    budget_source* s = (budget_source*)user;
    s->held -= bytes;
    free(chunk);
}

static void engine_on_host_memory(void) {
    budget_source source = {8u << 20, 0, 0, 0}; /* outlives the engine below */
    gw_config config;
    gw_engine* engine = NULL;
    gw_status status;
    char line[160];
    gw_config_init(&config);
    config.chunk_alloc = budget_alloc;
    config.chunk_free = budget_free;
    config.chunk_user = &source;
    if (gw_engine_new(&config, &engine) != GW_STATUS_OK) {
        check(0, "an engine on the host's memory");
        return;
    }
    status =
        gw_run(engine,
               "chant hog() then\n  weave xs as []\n"
               "  whilst true then set xs to list_push(xs, [list_length(xs), 2, 3]) end\n  yield xs\nend\nhog()",
               "hog.gw", NULL);
    check(status == GW_STATUS_OUT_OF_MEMORY && source.refused > 0 && source.peak <= source.budget,
          "a refusal of the host's chunk source is OutOfMemory for the script");
    gw_engine_free(engine);
    snprintf(line, sizeof line, "every chunk went back to the host (peak %zu bytes, now %zu)",
             source.peak, source.held);
    check(source.held == 0, line);
}

static void heap_on_its_own(void) {
    GwHeap* heap = gw_heap_create(NULL);
    void* blocks[100];
    int i;
    GwHeapStats stats;
    for (i = 0; i < 100; ++i)
        blocks[i] = gw_heap_alloc(heap, 24 + (size_t)i * 40);
    for (i = 0; i < 100; i += 2)
        gw_heap_free(heap, blocks[i]);
    gw_heap_stats(heap, &stats);
    printf("       heap alone: %zu blocks live, %zu bytes from the system\n",
           stats.alloc_count - stats.free_count, stats.footprint_bytes);
    check(stats.alloc_count - stats.free_count == 50, "the heap works on its own from C");
    gw_heap_destroy(heap);
}

int main(void) {
    gw_config config;
    gw_engine* engine = NULL;
    gw_value* order = gw_list_new();
    gw_value* line;
    gw_value* result = NULL;
    gw_memory_stats stats;
    double total = 0;
    int log_calls = 0;
    gw_status status;

    gw_config_init(&config);
    config.memory_limit = 16u << 20;
    config.step_limit = 1000000;
    if (gw_engine_new(&config, &engine) != GW_STATUS_OK) {
        fprintf(stderr, "cannot create an engine\n");
        return 1;
    }
    gw_register(engine, "price_of", 1, price_of, NULL);
    gw_register(engine, "log", 1, log_message, &log_calls);
    if (gw_run(engine, kScript, "shop.gw", NULL) != GW_STATUS_OK) {
        fprintf(stderr, "%s\n", gw_last_error(engine));
        return 1;
    }

    /* Call the script's invoice([{name, count}, ...]) from C. */
    line = order_line("tea", 2);
    gw_list_push(order, line);
    gw_value_free(line);
    line = order_line("cake", 1);
    gw_list_push(order, line);
    gw_value_free(line);
    status = gw_call(engine, "invoice", (const gw_value* const*)&order, 1, &result);
    check(status == GW_STATUS_OK && gw_value_number(result, &total) == GW_STATUS_OK && total == 9,
          "invoice(tea x2, cake) = 9");
    check(log_calls == 1, "the script called the host's log once");
    gw_value_free(result);

    /* A host function's failure is a script error with a location. */
    line = order_line("pie", 1);
    gw_value_free(order);
    order = gw_list_new();
    gw_list_push(order, line);
    gw_value_free(line);
    status = gw_call(engine, "invoice", (const gw_value* const*)&order, 1, NULL);
    printf("       %s\n", gw_last_error(engine));
    check(status == GW_STATUS_RUNTIME_ERROR && gw_last_error_kind(engine) == GW_KIND_CUSTOM_ERROR,
          "an unknown item is a CustomError");

    /* The memory limit. */
    status =
        gw_run(engine,
               "chant hog() then\n  weave xs as []\n"
               "  whilst true then set xs to list_push(xs, [list_length(xs), 2, 3]) end\n  yield xs\nend\nhog()",
               "hog.gw", NULL);
    printf("       %s\n", gw_last_error(engine));
    check(status == GW_STATUS_OUT_OF_MEMORY, "the memory hog stops with OutOfMemory");
    gw_memory_stats_get(engine, &stats);
    check(stats.peak_footprint_bytes <= config.memory_limit,
          "the heap never held more than the limit");

    /* The step limit, which attempt/harmonize cannot catch. */
    status = gw_run(
        engine, "attempt\n  whilst true then end\nharmonize on _ then\n  println(\"caught?\")\nend",
        "spin.gw", NULL);
    printf("       %s\n", gw_last_error(engine));
    check(status == GW_STATUS_STEP_LIMIT, "the endless loop stops with StepLimitExceeded");

    /* Still usable. */
    status = gw_call(engine, "invoice", NULL, 0, NULL);
    check(status == GW_STATUS_RUNTIME_ERROR && gw_last_error_kind(engine) == GW_KIND_ARITY_MISMATCH,
          "a wrong call is an ArityMismatch");
    status = gw_run(engine, "price_of(\"tea\") * 4", NULL, &result);
    check(status == GW_STATUS_OK && gw_value_number(result, &total) == GW_STATUS_OK && total == 10,
          "the engine runs normally after both limits");
    gw_value_free(result);

    engine_on_host_memory();
    heap_on_its_own();

    gw_value_free(order);
    gw_engine_free(engine);
    printf("%s\n", failures ? "host-c: FAILED" : "host-c: all good");
    return failures ? 1 : 0;
}
