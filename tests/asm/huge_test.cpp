// tests/asm/huge_test.cpp - resizing huge blocks: with the default source a grow moves the
// block's pages (gw_huge_remap: no copy, old and new memory never held at once) and a shrink
// that stays huge gives the tail pages back in place (gw_huge_shrink); a custom source and
// aligned blocks still allocate, copy and free.  Footprint exact after every step, the limit
// never passed, a failure leaves the old block as it was.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <vector>

#include "test_support.hpp"

using glimmer::test::fill;
using glimmer::test::holds;
using glimmer::test::ScopedHeap;
using glimmer::test::stats_of;

namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

// A ThreadSanitizer build calls the kernel through libc, and TSan does not intercept mremap:
// there a huge grow allocates, copies and frees (asm/chunk.S, gw_huge_remap).
#ifdef GW_KERNEL_CALLS_VIA_LIBC
constexpr bool kPagesMove = false;
#else
constexpr bool kPagesMove = true;
#endif

// Bytes of the chunk of an unaligned huge block of n bytes: header and block in whole pages.
constexpr std::size_t huge_chunk(std::size_t n) {
    return (GW_HUGE_HDR + n + 4095) / 4096 * 4096;
}

// The footprint minus the radix nodes (a move may need a node for the new address).
std::size_t footprint_without_radix(const GwHeap* h) {
    return stats_of(h).footprint_bytes - glimmer::heap::verify(h).radix_bytes;
}

// A custom source on malloc that counts its calls and what it holds.
// Counts the chunks it hands out and takes back (radix nodes aside: whether a block needs a new
// one depends on where the C library puts it), and every byte it holds.
struct CountingSource {
    std::size_t allocs = 0, frees = 0, held = 0;
    static void* alloc(void* user, std::size_t bytes) {
        auto* self = static_cast<CountingSource*>(user);
        void* p = std::aligned_alloc(4096, bytes);
        if (p) {
            if (bytes != GW_RADIX_NODE_BYTES) ++self->allocs;
            self->held += bytes;
        }
        return p;
    }
    static void release(void* user, void* chunk, std::size_t bytes) {
        auto* self = static_cast<CountingSource*>(user);
        if (bytes != GW_RADIX_NODE_BYTES) ++self->frees;
        self->held -= bytes;
        std::free(chunk);
    }
    GwHeapConfig config() { return glimmer::test::source_config(this); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(asm_huge)

BOOST_AUTO_TEST_CASE(
    a_growing_huge_block_keeps_its_content_and_the_footprint_grows_by_the_difference) {
    ScopedHeap h;
    std::size_t size = kMiB;
    void* p = gw_heap_alloc(h, size);
    BOOST_TEST_REQUIRE(p != nullptr);
    fill(p, size);
    void* const original = p;
    for (std::size_t next : {2 * kMiB, 2 * kMiB + 1, 5 * kMiB + 12345, 9 * kMiB}) {
        const GwHeapStats before = stats_of(h);
        const std::size_t fp_before = footprint_without_radix(h);
        void* q = gw_heap_realloc(h, p, next);
        BOOST_TEST_REQUIRE(q != nullptr, size << " -> " << next);
        BOOST_TEST(holds(q, original, kMiB));
        BOOST_TEST(gw_heap_usable_size(h, q) == huge_chunk(next) - GW_HUGE_HDR);
        const GwHeapStats after = stats_of(h);
        // the footprint grows by the difference of the chunks, and never holds both
        BOOST_TEST(footprint_without_radix(h) == fp_before + huge_chunk(next) - huge_chunk(size));
        if (kPagesMove) {
            BOOST_TEST(after.peak_footprint_bytes ==
                       std::max(before.peak_footprint_bytes, after.footprint_bytes));
        }
        BOOST_TEST(after.live_bytes == huge_chunk(next) - GW_HUGE_HDR);
        BOOST_TEST(gw_heap_check(h) == GW_OK);
        if (q != p) {  // the old pointer is no block any more: a second free of it, as after a copy
            BOOST_TEST(gw_heap_free(h, p) == GW_E_DOUBLE_FREE);
            BOOST_TEST(gw_heap_realloc(h, p, 10) == nullptr);
            BOOST_TEST(gw_heap_last_status(h) == GW_E_DOUBLE_FREE);
        }
        p = q;
        size = next;
    }
    BOOST_TEST(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(stats_of(h).live_bytes == 0u);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(a_huge_block_that_stays_huge_shrinks_in_place) {
    ScopedHeap h;
    void* p = gw_heap_alloc(h, 3 * kMiB);
    BOOST_TEST_REQUIRE(p != nullptr);
    fill(p, 3 * kMiB);
    std::size_t size = 3 * kMiB;
    for (std::size_t next :
         {3 * kMiB - 100, 2 * kMiB + 5, kMiB, std::size_t{200000}, std::size_t{131057}}) {
        const std::size_t fp_before = stats_of(h).footprint_bytes;
        void* q = gw_heap_realloc(h, p, next);
        BOOST_TEST_REQUIRE(q == p, size << " -> " << next);
        BOOST_TEST(holds(q, p, next));
        BOOST_TEST(gw_heap_usable_size(h, q) == huge_chunk(next) - GW_HUGE_HDR);
        BOOST_TEST(stats_of(h).footprint_bytes ==
                   fp_before - (huge_chunk(size) - huge_chunk(next)));
        BOOST_TEST(stats_of(h).live_bytes == huge_chunk(next) - GW_HUGE_HDR);
        BOOST_TEST(gw_heap_check(h) == GW_OK);
        size = next;
    }
    // below the huge edge it moves to a medium block when that halves it, as before
    void* m = gw_heap_realloc(h, p, 60000);
    BOOST_TEST_REQUIRE(m != nullptr);
    BOOST_TEST(m != p);
    BOOST_TEST(holds(m, p, 60000));
    BOOST_TEST(gw_heap_free(h, m) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

// The grow needs only the difference under memory_limit: a size whose copy would need old
// and new at once fits, and one past the limit fails with GW_E_LIMIT, changing nothing.
// (A copy needs old and new at once: these figures are a move's.)
BOOST_AUTO_TEST_CASE(a_huge_grow_respects_the_limit_and_a_refused_one_changes_nothing,
                     *boost::unit_test::enable_if<kPagesMove>()) {
    GwHeapConfig config{};
    ScopedHeap probe;  // what a heap holding one 1 MiB block needs, and a margin for radix nodes
    void* b = gw_heap_alloc(probe, kMiB);
    BOOST_TEST_REQUIRE(b != nullptr);
    config.memory_limit = stats_of(probe).footprint_bytes + huge_chunk(6 * kMiB) -
                          huge_chunk(kMiB) + 2 * GW_RADIX_NODE_BYTES;
    ScopedHeap h(&config);
    void* p = gw_heap_alloc(h, kMiB);
    BOOST_TEST_REQUIRE(p != nullptr);
    fill(p, kMiB);
    void* q = gw_heap_realloc(h, p, 6 * kMiB);  // a copy would hold 7 MiB: past the limit
    BOOST_TEST_REQUIRE(q != nullptr);
    BOOST_TEST(holds(q, p, kMiB));
    BOOST_TEST(stats_of(h).peak_footprint_bytes <= config.memory_limit);
    const GwHeapStats before = stats_of(h);
    BOOST_TEST(gw_heap_realloc(h, q, 7 * kMiB) == nullptr);
    BOOST_TEST(gw_heap_last_status(h) == GW_E_LIMIT);
    BOOST_TEST(holds(q, p, kMiB));
    BOOST_TEST(gw_heap_usable_size(h, q) == huge_chunk(6 * kMiB) - GW_HUGE_HDR);
    const GwHeapStats after = stats_of(h);
    BOOST_TEST(after.footprint_bytes == before.footprint_bytes);
    BOOST_TEST(after.peak_footprint_bytes <= config.memory_limit);
    BOOST_TEST(after.live_bytes == before.live_bytes);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    BOOST_TEST(gw_heap_free(h, q) == GW_OK);
}

BOOST_AUTO_TEST_CASE(a_failed_huge_grow_leaves_the_old_block_valid) {
    ScopedHeap h;
    void* p = gw_heap_alloc(h, kMiB);
    BOOST_TEST_REQUIRE(p != nullptr);
    fill(p, kMiB);
    const GwHeapStats before = stats_of(h);
    gw_heap_fail_after(h, 1);  // the grow counts as a new block
    BOOST_TEST(gw_heap_realloc(h, p, 2 * kMiB) == nullptr);
    BOOST_TEST(gw_heap_last_status(h) == GW_E_NOMEM);
    BOOST_TEST(holds(p, p, kMiB));
    BOOST_TEST(gw_heap_usable_size(h, p) == huge_chunk(kMiB) - GW_HUGE_HDR);
    BOOST_TEST(stats_of(h).footprint_bytes == before.footprint_bytes);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    gw_heap_fail_after(h, 2);  // the next one succeeds
    void* q = gw_heap_realloc(h, p, 2 * kMiB);
    BOOST_TEST_REQUIRE(q != nullptr);
    BOOST_TEST(holds(q, p, kMiB));
    gw_heap_fail_after(h, 0);
    BOOST_TEST(gw_heap_free(h, q) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

// The fail-after hook fires once, then is off, wherever it fires: a huge grow that fired it used
// to leave it armed, so every later allocation went on counting it down past zero.
BOOST_AUTO_TEST_CASE(a_huge_grow_that_fires_the_hook_turns_it_off) {
    ScopedHeap h;
    void* p = gw_heap_alloc(h, kMiB);
    BOOST_TEST_REQUIRE(p != nullptr);
    gw_heap_fail_after(h, 1);
    BOOST_TEST(gw_heap_realloc(h, p, 2 * kMiB) == nullptr);
    const GwHeap* raw = h;
    BOOST_TEST(raw->fail_after == 0u);
    BOOST_TEST(raw->small_gate == std::uint64_t{GW_SMALL_MAX + 1});
    void* q = gw_heap_alloc(h, 32);
    BOOST_TEST_REQUIRE(q != nullptr);
    BOOST_TEST(raw->fail_after == 0u);
    BOOST_TEST(gw_heap_free(h, q) == GW_OK);
    BOOST_TEST(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

// A custom source takes back whole chunks only: a grow allocates a new chunk, copies and frees
// the old one; a shrink moves only when that halves the block.
BOOST_AUTO_TEST_CASE(a_custom_source_still_copies) {
    CountingSource source;
    const GwHeapConfig config = source.config();
    ScopedHeap h(&config);
    void* p = gw_heap_alloc(h, kMiB);
    BOOST_TEST_REQUIRE(p != nullptr);
    fill(p, kMiB);
    const std::size_t allocs = source.allocs, frees = source.frees;
    void* q = gw_heap_realloc(h, p, 3 * kMiB);
    BOOST_TEST_REQUIRE(q != nullptr);
    BOOST_TEST(q != p);
    BOOST_TEST(holds(q, p, kMiB));
    BOOST_TEST(source.allocs == allocs + 1);  // the new chunk
    BOOST_TEST(source.frees == frees + 1);    // the old one, whole
    BOOST_TEST(stats_of(h).footprint_bytes == source.held);
    BOOST_TEST(gw_heap_realloc(h, q, 2 * kMiB) == q);  // more than half: stays, all of it
    BOOST_TEST(gw_heap_usable_size(h, q) == huge_chunk(3 * kMiB) - GW_HUGE_HDR);
    void* r = gw_heap_realloc(h, q, kMiB);  // half: moves
    BOOST_TEST_REQUIRE(r != nullptr);
    BOOST_TEST(r != q);
    BOOST_TEST(holds(r, p, kMiB));
    BOOST_TEST(stats_of(h).footprint_bytes == source.held);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    BOOST_TEST(gw_heap_free(h, r) == GW_OK);
}

// An aligned huge block may sit anywhere in its chunk: it grows by a copy, keeping its content.
BOOST_AUTO_TEST_CASE(an_aligned_huge_block_grows_by_a_copy) {
    ScopedHeap h;
    void* p = gw_heap_alloc_aligned(h, kMiB, 65536);
    BOOST_TEST_REQUIRE(p != nullptr);
    fill(p, kMiB);
    void* q = gw_heap_realloc(h, p, 2 * kMiB);
    BOOST_TEST_REQUIRE(q != nullptr);
    BOOST_TEST(holds(q, p, kMiB));
    BOOST_TEST(gw_heap_free(h, p) == GW_E_DOUBLE_FREE);
    void* r = gw_heap_realloc(h, q, 1500000);  // and shrinks as an unaligned one: in place
    BOOST_TEST(r == q);
    BOOST_TEST(holds(r, p, kMiB));
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    BOOST_TEST(gw_heap_free(h, r) == GW_OK);
}

// A freed huge chunk kept for reuse (MADV_FREE) is cut to the bytes a smaller request needs.
BOOST_AUTO_TEST_CASE(a_reused_huge_dormant_chunk_counts_only_the_bytes_asked_for) {
    ScopedHeap h;
    void* p = gw_heap_alloc(h, kMiB);
    BOOST_TEST_REQUIRE(p != nullptr);
    BOOST_TEST(gw_heap_free(h, p) == GW_OK);
    // Kept whole for a request of its size (GW_HUGE_KEPT_FLOOR) until medium chunks would take
    // the footprint past its ceiling (the peak and its slack, GW_PEAK_SLACK_SHIFT): then it goes
    // back, dormant.
    std::vector<void*> medium;
    for (int i = 0; i < 4; ++i) {
        medium.push_back(gw_heap_alloc(h, 100000));
        BOOST_TEST_REQUIRE(medium.back() != nullptr);
    }
    const std::size_t fp = footprint_without_radix(h);
    const std::size_t n = 900000;  // within a quarter of the freed chunk: reuses it
    void* q = gw_heap_alloc(h, n);
    BOOST_TEST_REQUIRE(q == p);
    BOOST_TEST(gw_heap_usable_size(h, q) == huge_chunk(n) - GW_HUGE_HDR);
    BOOST_TEST(footprint_without_radix(h) == fp + huge_chunk(n));
    fill(q, n);
    BOOST_TEST(holds(q, q, n));
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    for (void* m : medium)
        BOOST_TEST(gw_heap_free(h, m) == GW_OK);
    BOOST_TEST(gw_heap_free(h, q) == GW_OK);
}

// In a heap that holds more than a freed huge chunk, the chunk is kept whole and in the
// footprint: the next huge request of its size takes it back without the source (and without a
// syscall or page fault); a new peak or gw_heap_trim gives it back.  In a heap that holds
// little else, a freed huge block leaves the footprint at once.
BOOST_AUTO_TEST_CASE(a_freed_huge_chunk_is_kept_for_the_next_request_of_its_size) {
    ScopedHeap h;
    std::vector<void*> body;
    for (int i = 0; i < 400; ++i)
        body.push_back(gw_heap_alloc(h, 4000));  // about 1.6 MiB of medium blocks
    const std::size_t n = 200000;
    void* p = gw_heap_alloc(h, n);
    BOOST_TEST_REQUIRE(p != nullptr);
    fill(p, n);
    const GwHeapStats with = stats_of(h);
    BOOST_TEST(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(gw_heap_free(h, p) == GW_E_DOUBLE_FREE);
    BOOST_TEST(stats_of(h).footprint_bytes == with.footprint_bytes);  // kept, still counted
    BOOST_TEST(stats_of(h).live_bytes == with.live_bytes - (huge_chunk(n) - GW_HUGE_HDR));
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    void* q = gw_heap_alloc(h, n - 5000);  // within a quarter: the kept chunk, whole
    BOOST_TEST_REQUIRE(q == p);
    BOOST_TEST(gw_heap_usable_size(h, q) == huge_chunk(n) - GW_HUGE_HDR);
    BOOST_TEST(stats_of(h).footprint_bytes == with.footprint_bytes);
    BOOST_TEST(stats_of(h).peak_footprint_bytes == with.peak_footprint_bytes);
    fill(q, n - 5000);
    BOOST_TEST(holds(q, q, n - 5000));
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    BOOST_TEST(gw_heap_free(h, q) == GW_OK);
    // A request past the peak gives the kept chunk back before growing.
    void* big = gw_heap_alloc(h, 2 * kMiB);
    BOOST_TEST_REQUIRE(big != nullptr);
    BOOST_TEST(stats_of(h).peak_footprint_bytes == stats_of(h).footprint_bytes);
    BOOST_TEST(stats_of(h).footprint_bytes < with.footprint_bytes + huge_chunk(2 * kMiB));
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    BOOST_TEST(gw_heap_free(h, big) == GW_OK);
    BOOST_TEST(gw_heap_trim(h) > 0u);
    // A chunk of more than GW_HUGE_DORMANT_MAX_BYTES goes back at once.
    const std::size_t giant_bytes = GW_HUGE_DORMANT_MAX_BYTES + kMiB;
    void* giant = gw_heap_alloc(h, giant_bytes);
    BOOST_TEST_REQUIRE(giant != nullptr);
    const std::size_t with_giant = stats_of(h).footprint_bytes;
    BOOST_TEST(gw_heap_free(h, giant) == GW_OK);
    BOOST_TEST(stats_of(h).footprint_bytes == with_giant - huge_chunk(giant_bytes));
    // gw_heap_trim gives back what is kept.
    void* r = gw_heap_alloc(h, n);
    BOOST_TEST_REQUIRE(r != nullptr);
    BOOST_TEST(gw_heap_free(h, r) == GW_OK);
    const std::size_t before_trim = stats_of(h).footprint_bytes;
    BOOST_TEST(gw_heap_trim(h) >= huge_chunk(n));
    BOOST_TEST(stats_of(h).footprint_bytes <= before_trim - huge_chunk(n));
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    for (void* b : body)
        BOOST_TEST(gw_heap_free(h, b) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

// A hundred huge blocks of different sizes, freed, are all kept (GW_HUGE_KEPT_MAX) and each found
// again by a request of its size: no new chunk, no new peak. With 16 kept chunks, a program
// whose big blocks have random sizes found one that fits too rarely and paid an mmap, page
// faults and a munmap for most of them.
BOOST_AUTO_TEST_CASE(a_hundred_freed_huge_blocks_of_different_sizes_are_all_found_again) {
    static_assert(GW_HUGE_KEPT_MAX >= 100);
    ScopedHeap h;
    constexpr int kBlocks = 100;  // 140 to 340 KB, 24 MB in all: under GW_HUGE_KEPT_FLOOR
    auto size_of = [](int i) { return std::size_t{140000} + std::size_t(i) * 2048; };
    std::vector<void*> blocks;
    for (int i = 0; i < kBlocks; ++i) {
        blocks.push_back(gw_heap_alloc(h, size_of(i)));
        BOOST_TEST_REQUIRE(blocks.back() != nullptr);
    }
    for (void* b : blocks)
        BOOST_TEST_REQUIRE(gw_heap_free(h, b) == GW_OK);
    const GwHeapStats freed = stats_of(h);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    // The largest first: a chunk up to a quarter bigger than asked may serve a request, so in
    // this order each size finds its own.
    for (int i = kBlocks - 1; i >= 0; --i) {
        void* p = gw_heap_alloc(h, size_of(i));
        BOOST_TEST_REQUIRE(p == blocks[std::size_t(i)]);
        fill(p, size_of(i));
    }
    BOOST_TEST(stats_of(h).footprint_bytes == freed.footprint_bytes);
    BOOST_TEST(stats_of(h).peak_footprint_bytes == freed.peak_footprint_bytes);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    for (void* b : blocks)
        BOOST_TEST(gw_heap_free(h, b) == GW_OK);
}

// A huge block that makes most of a small heap's peak is kept (up to GW_HUGE_KEPT_FLOOR) for the
// next one: made and freed over and over, it costs no syscall and no page fault after the first
// (it was given back each time: 100-260x glibc's time). It never makes a new peak, and trim
// gives it back. Past the floor such a block is not kept: freed, it leaves the footprint.
BOOST_AUTO_TEST_CASE(a_freed_huge_block_of_a_small_heap_is_kept_up_to_a_floor) {
    ScopedHeap h;
    const std::size_t before = footprint_without_radix(h);
    void* p = gw_heap_alloc(h, kMiB);
    BOOST_TEST_REQUIRE(p != nullptr);
    const std::size_t peak = stats_of(h).peak_footprint_bytes;
    BOOST_TEST(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(footprint_without_radix(h) == before + huge_chunk(kMiB));
    for (int i = 0; i < 100; ++i) {
        void* q = gw_heap_alloc(h, kMiB);
        BOOST_TEST_REQUIRE(q == p);  // the kept chunk, as it was
        fill(q, kMiB);
        BOOST_TEST_REQUIRE(gw_heap_free(h, q) == GW_OK);
    }
    BOOST_TEST(stats_of(h).peak_footprint_bytes == peak);
    gw_heap_trim(h);
    BOOST_TEST(footprint_without_radix(h) == before);
    BOOST_TEST(gw_heap_check(h) == GW_OK);

    const std::size_t big = GW_HUGE_KEPT_FLOOR;  // its chunk is past the floor
    void* b = gw_heap_alloc(h, big);
    BOOST_TEST_REQUIRE(b != nullptr);
    BOOST_TEST(gw_heap_free(h, b) == GW_OK);
    BOOST_TEST(footprint_without_radix(h) == before);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

// A block a realloc moves to a huge size takes a kept chunk with room to grow (GW_CHUNK_GROWING:
// not only one of about its size), grows in it in place, and shrinks out of it only when asked
// for fewer pages than its last request.
BOOST_AUTO_TEST_CASE(a_growing_block_takes_a_kept_chunk_with_room_and_grows_in_place) {
    ScopedHeap h;
    std::vector<void*> body;  // 2 MB: the kept chunk and a new medium chunk fit under the ceiling
    for (int i = 0; i < 100; ++i)
        body.push_back(gw_heap_alloc(h, 20000));
    void* kept = gw_heap_alloc(h, kMiB);
    BOOST_TEST_REQUIRE(kept != nullptr);
    BOOST_TEST(gw_heap_free(h, kept) == GW_OK);  // kept whole (GW_HUGE_KEPT_FLOOR)
    void* p = gw_heap_alloc(h, 100000);
    BOOST_TEST_REQUIRE(p != nullptr);
    fill(p, 100000);
    void* q = gw_heap_realloc(h, p, 300000);  // medium to huge: the kept chunk, 3x too big
    BOOST_TEST_REQUIRE(q == kept);
    BOOST_TEST(holds(q, p, 100000));
    BOOST_TEST(gw_heap_usable_size(h, q) == huge_chunk(kMiB) - GW_HUGE_HDR);
    const std::size_t fp = footprint_without_radix(h);
    void* r = gw_heap_realloc(h, q, 900000);  // more pages than last asked: stays whole
    BOOST_TEST_REQUIRE(r == q);
    BOOST_TEST(footprint_without_radix(h) == fp);
    BOOST_TEST(holds(r, p, 100000));
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    void* s = gw_heap_realloc(h, r, 200000);  // fewer: the pages past it go back
    BOOST_TEST_REQUIRE(s == r);
    BOOST_TEST(footprint_without_radix(h) == fp - (huge_chunk(kMiB) - huge_chunk(200000)));
    BOOST_TEST(gw_heap_usable_size(h, s) == huge_chunk(200000) - GW_HUGE_HDR);
    BOOST_TEST(holds(s, p, 100000));
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    BOOST_TEST(gw_heap_free(h, s) == GW_OK);
    for (void* b : body)
        BOOST_TEST(gw_heap_free(h, b) == GW_OK);
}

// A buffer doubled by realloc from 16 bytes to 4 MiB and freed, over and over (a vector or a
// string builder), reuses the same memory after the first rounds: the next round's medium
// steps and its huge chunk, kept, both fit under the footprint ceiling, and the first huge step
// takes the kept chunk and grows in it, so every round ends in the same place, with no syscall
// and no page to fault in.  It used to give one back for the other every round, map and grow
// the buffer anew (mremap to a new place each step): 276x glibc's time.
BOOST_AUTO_TEST_CASE(a_buffer_doubled_and_freed_over_and_over_reuses_the_same_memory) {
    ScopedHeap h;
    const auto round = [&] {
        void* p = nullptr;
        for (std::size_t n = 16; n <= 4 * kMiB; n *= 2) {
            p = gw_heap_realloc(h, p, n);
            BOOST_TEST_REQUIRE(p != nullptr);
            static_cast<unsigned char*>(p)[n - 1] = 1;
        }
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
        return p;
    };
    for (int i = 0; i < 2; ++i)
        round();
    void* const last = round();
    const std::size_t peak = stats_of(h).peak_footprint_bytes;
    const long before = glimmer::test::minor_faults();
    for (int i = 0; i < 10; ++i)
        BOOST_TEST_REQUIRE(round() == last);
    BOOST_TEST(stats_of(h).peak_footprint_bytes == peak);
    // (with transparent huge pages a fresh buffer faults in 2 MiB at a time: few faults either way)
    BOOST_TEST(glimmer::test::minor_faults() - before < long{4 * kMiB / 4096 / 4});
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

// Many grows and shrinks of several huge blocks, interleaved with other blocks: content,
// statistics and every structure stay right, and nothing is left behind.
BOOST_AUTO_TEST_CASE(interleaved_huge_resizes_keep_the_heap_consistent) {
    ScopedHeap h;
    std::vector<void*> blocks(6, nullptr);
    std::vector<std::size_t> sizes(6, 0);
    std::vector<void*> small;
    unsigned seed = 12345;
    const auto next = [&] { return seed = seed * 1103515245u + 12345u; };
    for (int step = 0; step < 400; ++step) {
        const std::size_t i = next() % blocks.size();
        const std::size_t size = 131057 + next() % (3 * kMiB);
        void* q = gw_heap_realloc(h, blocks[i], size);
        BOOST_TEST_REQUIRE(q != nullptr);
        if (blocks[i])
            BOOST_TEST_REQUIRE(holds(q, blocks[i], std::min<std::size_t>(sizes[i], 4096)));
        fill(q, std::min<std::size_t>(size, 4096));
        blocks[i] = q;
        sizes[i] = std::min<std::size_t>(size, 4096);
        small.push_back(gw_heap_alloc(h, 40 + next() % 3000));
        if (step % 50 == 0) BOOST_TEST_REQUIRE(gw_heap_check(h) == GW_OK);
    }
    for (void* p : blocks)
        BOOST_TEST(gw_heap_free(h, p) == GW_OK);
    for (void* p : small)
        BOOST_TEST(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(stats_of(h).live_bytes == 0u);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_SUITE_END()
