/* c_header_check.c — glimmer.h compiled by a C compiler (so the header stays plain C) and used
 * from C: a host function written in C, a script that calls it, a call from C into the script.
 * c_api_test.cpp runs c_check_round_trip(). */
#include <glimmer/glimmer.h>
#include <glimmer/gw_heap.h>

#include <stdio.h>
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
