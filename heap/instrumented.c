/* heap/instrumented.c - the heap as Valgrind's memcheck and AddressSanitizer see malloc
 * (GLIMMER_HEAP_INSTRUMENT, issue 6).
 *
 * The assembly is built a second time with every exported entry renamed gw_heap_raw_*
 * (asm/CMakeLists.txt); this file defines the public gw_heap_* names over the raw ones and tells
 * the tools what each call did:
 *   - memcheck: one mempool per heap (the GwHeap address).  A block handed out is a pool block
 *     of exactly the requested size (undefined bytes); freeing it makes it NOACCESS and
 *     remembered as freed ("Address is 0 bytes inside a block of size 32 free'd"); destroying
 *     the heap drops its blocks; live blocks at exit are leaks.  Redzones and the headers of
 *     medium and huge blocks are NOACCESS.  Every raw call runs with error reporting off: the
 *     assembly reads and writes free memory and headers, which is its business.
 *   - ASan: manual poisoning, through __asan_(un)poison_memory_region, declared weak so one
 *     build serves both: they exist exactly when the process has the ASan runtime (a host built
 *     with -fsanitize=address, or this project's GLIMMER_SANITIZE build).  Free blocks, redzones
 *     and block headers are poisoned; a use shows as "use-after-poison".  Poison never outlives
 *     the memory: a chunk the heap gives back (a freed huge block, an emptied chunk, every chunk
 *     at destroy) is unpoisoned first.
 *
 * Redzone: every block is asked of the raw heap GW_REDZONE bytes larger, so a one-byte overflow
 * lands in poisoned memory even when the size is a multiple of 16.  The requested size is kept
 * in the last 8 bytes of the raw block (inside the redzone), so usable_size tells callers the
 * truth: exactly the bytes they may use.
 *   raw block:  [ user: n bytes | redzone >= 8 bytes ... | n (8 bytes) ]   raw usable >= n + 16
 * What changes for observers: stats (live bytes, footprint) count the redzones; realloc no
 * longer grows a medium block in place; gw_heap_check and gw_heap_walk read free memory and
 * headers (heap/verify.cpp is built without ASan in an instrumented sanitizer build; under
 * memcheck their reads are reported, so a host checking its heap there suppresses errors whose
 * stack holds gw_heap_check or gw_heap_walk).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gw_heap.h"

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define GW_HAVE_VALGRIND 1
#endif
#endif
#ifndef GW_HAVE_VALGRIND
#define VALGRIND_CREATE_MEMPOOL(pool, rz, zeroed) ((void)0)
#define VALGRIND_DESTROY_MEMPOOL(pool) ((void)0)
#define VALGRIND_MEMPOOL_ALLOC(pool, addr, size) ((void)0)
#define VALGRIND_MEMPOOL_FREE(pool, addr) ((void)0)
#define VALGRIND_MEMPOOL_CHANGE(pool, a, b, size) ((void)0)
#define VALGRIND_MAKE_MEM_NOACCESS(addr, size) ((void)0)
#define VALGRIND_MAKE_MEM_UNDEFINED(addr, size) ((void)0)
#define VALGRIND_MAKE_MEM_DEFINED(addr, size) ((void)0)
#define VALGRIND_DISABLE_ERROR_REPORTING ((void)0)
#define VALGRIND_ENABLE_ERROR_REPORTING ((void)0)
#endif

#define GW_REDZONE 16

/* ---- the raw assembly entries (asm/CMakeLists.txt renames them) ---- */
GwHeap* gw_heap_raw_create(const GwHeapConfig* config);
void gw_heap_raw_destroy(GwHeap* heap);
void* gw_heap_raw_alloc(GwHeap* heap, size_t size);
void* gw_heap_raw_alloc_aligned(GwHeap* heap, size_t size, size_t alignment);
void* gw_heap_raw_realloc(GwHeap* heap, void* ptr, size_t size);
int gw_heap_raw_free(GwHeap* heap, void* ptr);
int gw_heap_raw_free_sized(GwHeap* heap, void* ptr, size_t size);
size_t gw_heap_raw_usable_size(const GwHeap* heap, const void* ptr);

/* ---- ASan, when the process has it ---- */
void __asan_poison_memory_region(void const volatile* addr, size_t size) __attribute__((weak));
void __asan_unpoison_memory_region(void const volatile* addr, size_t size) __attribute__((weak));

#if defined(__clang__) || defined(__GNUC__)
#define GW_NO_ASAN __attribute__((no_sanitize_address))
#else
#define GW_NO_ASAN
#endif

static void asan_poison(const void* addr, size_t size) {
    if (__asan_poison_memory_region && size) __asan_poison_memory_region(addr, size);
}

static void asan_unpoison(const void* addr, size_t size) {
    if (__asan_unpoison_memory_region && size) __asan_unpoison_memory_region(addr, size);
}

/* Reads and writes of heap memory that the tools are told nobody may touch. */
GW_NO_ASAN static uint64_t load_word(const void* addr) {
    return *(const volatile uint64_t*)addr;
}

GW_NO_ASAN static void store_word(void* addr, uint64_t value) {
    *(volatile uint64_t*)addr = value;
}

/* ---- where a block lives: its radix entry (the lookup of asm/macros.h RADIX_LOOKUP) ---- */
typedef struct Span {
    const char* start; /* NULL: unknown */
    size_t bytes;
} Span;

/* (Called inside RAW: a chunk the heap reuses may hold metadata where memcheck was told of
 * free memory.) */
GW_NO_ASAN static uintptr_t radix_entry(const GwHeap* heap, const void* ptr) {
    const uintptr_t a = (uintptr_t)ptr;
    if ((a >> GW_ADDRESS_BITS) != 0) return 0;
    const uintptr_t* l2 = heap->radix[a >> GW_RADIX_L1_SHIFT];
    if (!l2) return 0;
    const uintptr_t* l3 =
        (const uintptr_t*)l2[(a >> GW_RADIX_L2_SHIFT) & (GW_RADIX_NODE_COUNT - 1)];
    if (!l3) return 0;
    return l3[(a >> GW_RADIX_L3_SHIFT) & (GW_RADIX_NODE_COUNT - 1)];
}

/* The raw range of the chunk holding a live block (what chunk_free would get back). */
GW_NO_ASAN static Span chunk_of(const GwHeap* heap, const void* ptr) {
    Span span = {NULL, 0};
    const uintptr_t entry = radix_entry(heap, ptr);
    const char* hdr = (const char*)(entry & ~(uintptr_t)GW_TAG_MASK);
    switch (entry & GW_TAG_MASK) {
        case GW_TAG_SMALL: /* page header -> its chunk header */
            hdr = (const char*)load_word(hdr + GW_PG_CHUNK);
            break;
        case GW_TAG_MEDIUM:
        case GW_TAG_HUGE:
            break;
        default:
            return span;
    }
    span.start = (const char*)load_word(hdr + GW_CH_RAW);
    span.bytes = (size_t)load_word(hdr + GW_CH_RAW_BYTES);
    return span;
}

static size_t chunk_count(const GwHeap* heap) {
    return heap->page_chunk_count + heap->medium_chunk_count + heap->huge_count;
}

/* Every raw call: the assembly touches free memory and headers, which the tools must not
 * report.  (Valgrind's switch counts per thread, so nested use stays balanced.) */
#define RAW(call)                         \
    do {                                  \
        VALGRIND_DISABLE_ERROR_REPORTING; \
        call;                             \
        VALGRIND_ENABLE_ERROR_REPORTING;  \
    } while (0)

static int block_tag(const GwHeap* heap, const void* ptr) {
    uintptr_t entry = 0;
    RAW(entry = radix_entry(heap, ptr));
    return (int)(entry & GW_TAG_MASK);
}

static int has_header(const GwHeap* heap, const void* ptr) {
    return block_tag(heap, ptr) != GW_TAG_SMALL;
}

static int is_huge(const GwHeap* heap, const void* ptr) {
    return block_tag(heap, ptr) == GW_TAG_HUGE;
}

static Span chunk_span(const GwHeap* heap, const void* ptr) {
    Span span = {NULL, 0};
    RAW(span = chunk_of(heap, ptr));
    return span;
}

/* Every chunk of the heap, and the dormant ones (default source), loses its poison. */
GW_NO_ASAN static void unpoison_chunks(const GwHeap* heap) {
    for (const char* ch = (const char*)heap->chunks; ch;) {
        const char* next = (const char*)load_word(ch + GW_CH_NEXT);
        asan_unpoison((const void*)load_word(ch + GW_CH_RAW), load_word(ch + GW_CH_RAW_BYTES));
        ch = next;
    }
    for (size_t i = 0; i < heap->dormant_count && i < GW_DORMANT_MAX; ++i) {
        const uintptr_t entry = (uintptr_t)heap->dormant[i]; /* address | pages */
        const uintptr_t pages = entry & (GW_PAGE_BYTES - 1);
        asan_unpoison((const void*)(entry - pages), pages * GW_PAGE_BYTES);
    }
}

static size_t raw_usable(const GwHeap* heap, const void* ptr) {
    size_t u = 0;
    if (heap && ptr) RAW(u = gw_heap_raw_usable_size(heap, ptr));
    return u;
}

/* A raw request for n user bytes (a request too large to pad fails in the raw heap anyway). */
static size_t padded(size_t n) {
    return n > GW_MAX_REQUEST ? n : n + GW_REDZONE;
}

/* The requested size kept at the end of a live raw block of raw_bytes usable bytes; clamped so
 * that a damaged word never lets a caller past the redzone. */
static size_t user_size(const char* p, size_t raw_bytes) {
    uint64_t n = 0;
    RAW(n = load_word(p + raw_bytes - 8));
    return n <= raw_bytes - GW_REDZONE ? (size_t)n : raw_bytes - GW_REDZONE;
}

/* Tool state of a block just handed out: n bytes for the caller, the rest of the raw block and
 * (medium, huge) its header off limits.  kept: 0 for a new block, else the caller's bytes of a
 * block resized in place (their data, and what memcheck knows of it, stay). */
static void* hand_out(GwHeap* heap, char* p, size_t n, size_t kept) {
    const size_t raw_bytes = raw_usable(heap, p);
    VALGRIND_MAKE_MEM_UNDEFINED(p + raw_bytes - 8, 8);
    store_word(p + raw_bytes - 8, n);
    if (kept) {
        VALGRIND_MEMPOOL_CHANGE(heap, p, p, n);
        if (n > kept) VALGRIND_MAKE_MEM_UNDEFINED(p + kept, n - kept);
    } else {
        VALGRIND_MEMPOOL_ALLOC(heap, p, n);
    }
    VALGRIND_MAKE_MEM_NOACCESS(p + n, raw_bytes - n);
    asan_unpoison(p, n);
    asan_poison(p + n, raw_bytes - n);
    if (has_header(heap, p)) {
        VALGRIND_MAKE_MEM_NOACCESS(p - GW_MEDIUM_HDR, GW_MEDIUM_HDR);
        asan_poison(p - GW_MEDIUM_HDR, GW_MEDIUM_HDR);
    }
    return p;
}

/* Tool state of a block the raw heap took back.  If the call gave its chunk back (the chunk
 * count fell), the chunk's memory is no longer the heap's: it leaves with no poison. */
static void taken_back(GwHeap* heap, char* p, size_t raw_bytes, Span chunk, size_t chunks) {
    VALGRIND_MEMPOOL_FREE(heap, p);
    VALGRIND_MAKE_MEM_NOACCESS(p, raw_bytes);
    if (chunk_count(heap) < chunks && chunk.start)
        asan_unpoison(chunk.start, chunk.bytes);
    else
        asan_poison(p, raw_bytes);
}

GwHeap* gw_heap_create(const GwHeapConfig* config) {
    GwHeap* heap = NULL;
    RAW(heap = gw_heap_raw_create(config));
    if (heap) VALGRIND_CREATE_MEMPOOL(heap, 0, 0);
    return heap;
}

void gw_heap_destroy(GwHeap* heap) {
    if (!heap) return;
    if (__asan_unpoison_memory_region) RAW(unpoison_chunks(heap));
    VALGRIND_DESTROY_MEMPOOL(heap);
    RAW(gw_heap_raw_destroy(heap));
}

void* gw_heap_alloc(GwHeap* heap, size_t size) {
    char* p = NULL;
    const size_t n = size ? size : 1; /* size 0 acts as 1 */
    RAW(p = gw_heap_raw_alloc(heap, padded(n)));
    return p ? hand_out(heap, p, n, 0) : NULL;
}

void* gw_heap_alloc_aligned(GwHeap* heap, size_t size, size_t alignment) {
    char* p = NULL;
    const size_t n = size ? size : 1;
    RAW(p = gw_heap_raw_alloc_aligned(heap, padded(n), alignment));
    return p ? hand_out(heap, p, n, 0) : NULL;
}

/* The assembly's realloc copies with memcpy, which ASan checks against the poison of both
 * blocks, so a move is done here: the same decisions (asm/realloc.S), in C.  Medium blocks
 * still shrink in place in the assembly (a trim copies nothing); they no longer grow in place. */
void* gw_heap_realloc(GwHeap* heap, void* ptr, size_t size) {
    if (!ptr) return gw_heap_alloc(heap, size);
    const size_t old_raw = raw_usable(heap, ptr);
    char* q = NULL;
    if (!old_raw) { /* not a live block: the raw heap says why and changes nothing */
        RAW(q = gw_heap_raw_realloc(heap, ptr, padded(size)));
        return q;
    }
    char* p = ptr;
    const size_t old_n = user_size(p, old_raw);
    const size_t n = size ? size : 1;
    const size_t want = padded(n);
    if (want <= old_raw) { /* a shrink never fails */
        if (!has_header(heap, p) || is_huge(heap, p)) {
            /* small and huge blocks move only when that halves them, and if it can be had */
            if (old_raw > GW_ALIGN && want <= old_raw / 2) {
                const int64_t status = heap->last_status;
                q = gw_heap_alloc(heap, n);
                if (!q) heap->last_status = status; /* a failed attempt changes nothing */
            }
        } else {
            RAW(q = gw_heap_raw_realloc(heap, p, want)); /* trim, in place */
            q = NULL;
        }
        if (!q) { /* stays; a trim's cut-off tail is free memory now */
            if (old_n > n) VALGRIND_MAKE_MEM_NOACCESS(p + n, old_n - n);
            asan_poison(p, old_raw);
            return hand_out(heap, p, n, old_n);
        }
    } else {
        q = gw_heap_alloc(heap, n);
        if (!q) return NULL; /* the old block is as it was */
    }
    memcpy(q, p, old_n < n ? old_n : n);
    gw_heap_free(heap, p);
    return q;
}

int gw_heap_free(GwHeap* heap, void* ptr) {
    const size_t raw_bytes = raw_usable(heap, ptr);
    const Span chunk = raw_bytes ? chunk_span(heap, ptr) : (Span){NULL, 0};
    const size_t chunks = heap ? chunk_count(heap) : 0;
    int status = GW_OK;
    RAW(status = gw_heap_raw_free(heap, ptr));
    if (status == GW_OK && raw_bytes) taken_back(heap, ptr, raw_bytes, chunk, chunks);
    return status;
}

int gw_heap_free_sized(GwHeap* heap, void* ptr, size_t size) {
    const size_t raw_bytes = raw_usable(heap, ptr);
    int status = GW_OK;
    if (!raw_bytes) { /* NULL, or not live: the raw heap's verdict */
        RAW(status = gw_heap_raw_free_sized(heap, ptr, size));
        return status;
    }
    /* the contract is against the size the caller may use; a larger one is refused by asking
     * the raw heap with a size past its own usable size (same status, nothing changes) */
    const size_t raw_size = size > user_size(ptr, raw_bytes) ? raw_bytes + 1 : size;
    const Span chunk = chunk_span(heap, ptr);
    const size_t chunks = chunk_count(heap);
    RAW(status = gw_heap_raw_free_sized(heap, ptr, raw_size));
    if (status == GW_OK) taken_back(heap, ptr, raw_bytes, chunk, chunks);
    return status;
}

size_t gw_heap_usable_size(const GwHeap* heap, const void* ptr) {
    const size_t raw_bytes = raw_usable(heap, ptr);
    return raw_bytes ? user_size(ptr, raw_bytes) : 0;
}
