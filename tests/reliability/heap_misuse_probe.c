/* heap_misuse_probe.c - one deliberate misuse of a Glimmer-heap block, for the tools to catch
 * (issue 6).  Linked to the instrumented heap (gw_heap_instrumented); heap_tools_test runs it
 * under `valgrind --error-exitcode=..` and, built with -fsanitize=address, on its own.
 *
 *   heap_misuse_probe use-after-free SIZE   read a byte of a freed block
 *   heap_misuse_probe overflow SIZE         write the byte just past a block
 *   heap_misuse_probe underflow SIZE        read the byte just before a block (its header)
 *   heap_misuse_probe clean                 every call of the API used correctly: no report
 *
 * Exit 0 when the misuse went unnoticed (the test then fails), 2 on bad usage or a heap
 * failure; a tool that sees the misuse ends the run with its own report and status.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_heap.h"

static int fail(const char* what) {
    fprintf(stderr, "heap_misuse_probe: %s\n", what);
    return 2;
}

/* The whole API, used as the contract says: the instrumentation must stay silent.  Every byte a
 * caller may use (usable_size) is written and read back. */
static int clean(GwHeap* heap) {
    static const size_t sizes[] = {1, 15, 16, 17, 32, 255, 256, 257, 1000, 4096, 70000, 300000};
    unsigned long sum = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; ++i) {
        const size_t n = sizes[i];
        unsigned char* p = gw_heap_alloc(heap, n);
        if (!p) return fail("alloc failed");
        if (gw_heap_usable_size(heap, p) != n) return fail("usable_size is not the request");
        memset(p, (int)i, n);
        /* grow (in place or moved), then shrink: the data survives, the new bytes are usable */
        p = gw_heap_realloc(heap, p, 2 * n + 40);
        if (!p) return fail("realloc failed");
        for (size_t k = 0; k < n; ++k)
            if (p[k] != (unsigned char)i) return fail("realloc lost data");
        memset(p + n, 1, n + 40);
        p = gw_heap_realloc(heap, p, n);
        if (!p || gw_heap_usable_size(heap, p) != n) return fail("shrink failed");
        sum += p[n - 1];
        if (gw_heap_free_sized(heap, p, n + 1) != GW_E_INVALID_ARGUMENT)
            return fail("a sized free past the block was accepted");
        if (gw_heap_free_sized(heap, p, n) != GW_OK) return fail("sized free failed");
        if (gw_heap_free(heap, p) != GW_E_DOUBLE_FREE) return fail("double free not reported");

        unsigned char* a = gw_heap_alloc_aligned(heap, n, 256);
        if (!a || ((uintptr_t)a & 255) != 0) return fail("aligned alloc failed");
        memset(a, 3, n);
        sum += a[0];
        if (gw_heap_free(heap, a) != GW_OK) return fail("free failed");
    }
    /* many blocks live at once, freed in another order; a few left for destroy to drop */
    void* live[200];
    for (int i = 0; i < 200; ++i) {
        live[i] = gw_heap_alloc(heap, (size_t)(i * 37 % 600) + 1);
        if (!live[i]) return fail("alloc failed");
        memset(live[i], i, (size_t)(i * 37 % 600) + 1);
    }
    for (int i = 0; i < 190; ++i)
        if (gw_heap_free(heap, live[(i * 7) % 200]) != GW_OK) return fail("free failed");
    printf("clean: %lu\n", sum);
    return 0;
}

int main(int argc, char** argv) {
    if (argc < 2)
        return fail("usage: heap_misuse_probe use-after-free|overflow|underflow SIZE | clean");
    const char* mode = argv[1];
    const size_t size = argc > 2 ? strtoul(argv[2], NULL, 10) : 32;
    if (size == 0) return fail("SIZE must be at least 1");
    GwHeap* heap = gw_heap_create(NULL);
    if (!heap) return fail("gw_heap_create failed");
    int status = 0;
    if (strcmp(mode, "clean") == 0) {
        status = clean(heap);
    } else {
        /* a neighbour on each side, so the misuse never touches memory outside the heap */
        void* before = gw_heap_alloc(heap, size);
        volatile unsigned char* p = gw_heap_alloc(heap, size);
        void* after = gw_heap_alloc(heap, size);
        if (!before || !p || !after) return fail("alloc failed");
        memset((void*)p, 0x5a, size);
        if (strcmp(mode, "use-after-free") == 0) {
            if (gw_heap_free(heap, (void*)p) != GW_OK) return fail("free failed");
            printf("read after free: %d\n", p[size / 2]);
        } else if (strcmp(mode, "overflow") == 0) {
            p[size] = 1;
            printf("wrote one byte past a block of %zu\n", size);
        } else if (strcmp(mode, "underflow") == 0) {
            printf("read before a block: %d\n", p[-1]);
        } else {
            status = fail("unknown mode");
        }
        gw_heap_free(heap, before);
        gw_heap_free(heap, after);
    }
    gw_heap_destroy(heap);
    return status;
}
