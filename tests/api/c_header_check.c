/* c_header_check.c — glimmer.h compiled by a C compiler (so the header stays plain C) and used
 * from C: a host function written in C, a script that calls it, a call from C into the script.
 * Also a chunk source written in C (callbacks and a user pointer). c_api_test.cpp runs the
 * c_check_* functions. */
#include <glimmer/glimmer.h>
#include <glimmer/gw_heap.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* sum(numbers...) in C; a non-number is a TypeError chosen with gw_raise. */
static gw_status c_sum(gw_engine* engine, void* user, const gw_value* const* args, size_t count,
                       gw_value** result) {
    double total = 0;
    size_t i;
    (void)user;
    for (i = 0; i < count; ++i) {
        double x;
        if (gw_value_number(args[i], &x) != GW_STATUS_OK) {
            return gw_raise(engine, GW_KIND_TYPE_ERROR, "sum takes numbers");
        }
        total += x;
    }
    *result = gw_number(total);
    return GW_STATUS_OK;
}

static void c_output(void* user, const char* text, size_t length) {
    char* out = (char*)user;
    size_t have = strlen(out);
    if (have + length < 256) {
        memcpy(out + have, text, length);
        out[have + length] = '\0';
    }
}

/* Returns 0 when every step gave what it should, else the number of the failed step. */
int c_check_round_trip(char* printed /* 256 bytes, starts empty */);
int c_check_round_trip(char* printed) {
    gw_config config;
    gw_engine* engine = NULL;
    gw_value* result = NULL;
    gw_value* arg = NULL;
    const gw_value* args[1];
    double number = 0;
    int failed = 0;

    gw_config_init(&config);
    config.output = c_output;
    config.output_user = printed;
    if (gw_engine_new(&config, &engine) != GW_STATUS_OK) return 1;
    if (gw_register(engine, "sum", -1, c_sum, NULL) != GW_STATUS_OK) failed = 2;
    if (!failed && gw_run(engine, "chant half(x) then yield x / 2 end\nprintln(sum(1, 2, 3))",
                          "c.gw", NULL) != GW_STATUS_OK) {
        failed = 3;
    }
    arg = gw_number(84);
    args[0] = arg;
    if (!failed && gw_call(engine, "half", args, 1, &result) != GW_STATUS_OK) failed = 4;
    if (!failed && (gw_value_number(result, &number) != GW_STATUS_OK || number != 42)) failed = 5;
    if (!failed && gw_run(engine, "sum(1, \"x\")", "c.gw", NULL) != GW_STATUS_RUNTIME_ERROR) {
        failed = 6;
    }
    if (!failed && gw_last_error_kind(engine) != GW_KIND_TYPE_ERROR) failed = 7;
    gw_value_free(result);
    gw_value_free(arg);
    gw_engine_free(engine);
    return failed;
}

/* The heap alone, from C. */
int c_check_heap(void);
int c_check_heap(void) {
    GwHeap* heap = gw_heap_create(NULL);
    void* p;
    if (!heap) return 1;
    p = gw_heap_alloc(heap, 100);
    if (!p || gw_heap_usable_size(heap, p) < 100) return 2;
    if (gw_heap_free(heap, p) != GW_OK) return 3;
    gw_heap_destroy(heap);
    return 0;
}

/* A chunk source written in C: memory from malloc (16-byte aligned, so the heap over-requests
 * to align its chunks), every chunk recorded so that each release is checked against what was
 * handed out, and a byte budget past which it refuses. The engine reaches it through the user
 * pointer only. */
#define C_SOURCE_SLOTS 256
typedef struct c_source {
    void* chunks[C_SOURCE_SLOTS];
    size_t sizes[C_SOURCE_SLOTS];
    size_t budget; /* refuse past this many bytes out; 0 = no budget */
    size_t out_bytes, peak_bytes, acquires, releases, refusals, bad_releases;
} c_source;

static void* c_source_alloc(void* user, size_t bytes) {
    c_source* s = (c_source*)user;
    size_t i;
    s->acquires++;
    if (s->budget && s->out_bytes + bytes > s->budget) {
        s->refusals++;
        return NULL;
    }
    for (i = 0; i < C_SOURCE_SLOTS; ++i) {
        if (!s->chunks[i]) {
            void* chunk = malloc(bytes);
            if (!chunk) break;
            s->chunks[i] = chunk;
            s->sizes[i] = bytes;
            s->out_bytes += bytes;
            if (s->out_bytes > s->peak_bytes) s->peak_bytes = s->out_bytes;
            return chunk;
        }
    }
    s->refusals++;
    return NULL;
}

static void c_source_free(void* user, void* chunk, size_t bytes) {
    c_source* s = (c_source*)user;
    size_t i;
    s->releases++;
    for (i = 0; i < C_SOURCE_SLOTS; ++i) {
        if (s->chunks[i] == chunk && s->sizes[i] == bytes) {
            free(chunk);
            s->chunks[i] = NULL;
            s->out_bytes -= bytes;
            return;
        }
    }
    s->bad_releases++;
}

/* Every chunk back, no release of something never handed out. */
static int c_source_clean(const c_source* s) {
    return s->out_bytes == 0 && s->bad_releases == 0 && s->releases == s->acquires - s->refusals;
}

static gw_status c_engine_on(c_source* source, size_t budget, gw_engine** engine) {
    gw_config config;
    memset(source, 0, sizeof *source);
    source->budget = budget;
    gw_config_init(&config);
    config.chunk_alloc = c_source_alloc;
    config.chunk_free = c_source_free;
    config.chunk_user = source;
    return gw_engine_new(&config, engine);
}

/* Returns 0 when every step gave what it should, else the number of the failed step. */
int c_check_chunk_source(void);
int c_check_chunk_source(void) {
    static c_source source; /* large: not on the stack */
    gw_config config;
    gw_engine* engine = NULL;
    gw_handle* kept = NULL;
    gw_value* result = NULL;
    gw_memory_stats stats;
    double number = 0;

    /* 1. Scripts run on the host's memory; the footprint is exactly what the source gave. */
    if (c_engine_on(&source, 0, &engine) != GW_STATUS_OK) return 1;
    if (gw_run(engine,
               "weave xs as []\n"
               "for each i in range(0, 20000) then set xs to list_push(xs, [i]) end\n"
               "list_length(xs)",
               "c.gw", &result) != GW_STATUS_OK) {
        return 2;
    }
    if (gw_value_number(result, &number) != GW_STATUS_OK || number != 20000) return 3;
    gw_value_free(result);
    result = NULL;
    if (gw_memory_stats_get(engine, &stats) != GW_STATUS_OK) return 4;
    if (stats.footprint_bytes != source.out_bytes || source.acquires < 3) return 5;
    /* 2. A handle keeps the runtime, and so its chunks, until it is freed. */
    if (gw_evaluate(engine, "[1, 2]", NULL, &kept) != GW_STATUS_OK) return 6;
    gw_engine_free(engine);
    if (source.out_bytes == 0) return 7;
    gw_handle_free(kept);
    if (!c_source_clean(&source)) return 8;

    /* 3. A refusal is OutOfMemory for the script; the engine carries on. */
    if (c_engine_on(&source, 2u << 20, &engine) != GW_STATUS_OK) return 9;
    if (gw_run(engine,
               "chant hog() then\n  weave xs as []\n"
               "  whilst true then set xs to list_push(xs, [1, 2]) end\nend\nhog()",
               "hog.gw", NULL) != GW_STATUS_OUT_OF_MEMORY) {
        return 10;
    }
    if (gw_last_error_kind(engine) != GW_KIND_OUT_OF_MEMORY) return 11;
    if (strncmp(gw_last_error(engine), "hog.gw:", 7) != 0) return 12;
    if (source.refusals == 0 || source.peak_bytes > (2u << 20)) return 13;
    if (gw_run(engine, "2 + 3", NULL, &result) != GW_STATUS_OK) return 14;
    if (gw_value_number(result, &number) != GW_STATUS_OK || number != 5) return 15;
    gw_value_free(result);
    gw_engine_free(engine);
    if (!c_source_clean(&source)) return 16;

    /* 4. Refusing the heap's first memory fails gw_engine_new, and nothing is kept. */
    engine = (gw_engine*)&source; /* must come back NULL */
    if (c_engine_on(&source, 1, &engine) != GW_STATUS_OUT_OF_MEMORY) return 17;
    if (engine != NULL || source.acquires == 0 || !c_source_clean(&source)) return 18;

    /* 5. One hook without the other is an invalid argument; the source is never called. */
    memset(&source, 0, sizeof source);
    gw_config_init(&config);
    config.chunk_alloc = c_source_alloc;
    config.chunk_user = &source;
    engine = (gw_engine*)&source;
    if (gw_engine_new(&config, &engine) != GW_STATUS_INVALID_ARGUMENT || engine != NULL) return 19;
    config.chunk_alloc = NULL;
    config.chunk_free = c_source_free;
    if (gw_engine_new(&config, &engine) != GW_STATUS_INVALID_ARGUMENT || engine != NULL) return 20;
    if (source.acquires != 0 || source.releases != 0) return 21;
    return 0;
}
