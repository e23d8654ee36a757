// tests/asm/alloc_test.cpp - alloc.S through the C ABI: sizes, alignment, classes, bins,
// huge blocks, statistics, locality.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <set>
#include <vector>

#include "heap/quick_class.hpp"
#include "test_support.hpp"

using glimmer::test::aligned;
using glimmer::test::fill;
using glimmer::test::holds;
using glimmer::test::ScopedHeap;

namespace {

// Usable bytes a medium request may get: its block rounded to 16 plus a tail too small to split.
// A medium request's block: its bytes and header, rounded up to its quick class up to the last
// one (gw_heap.h), then what the TLSF take may add rather than split off a sliver.
bool medium_usable_ok(std::size_t n, std::size_t usable) {
    std::size_t block = std::max<std::size_t>((n + 16 + 15) / 16 * 16, GW_MEDIUM_MIN_BLOCK);
    if (glimmer::heap::quick_round(block) <= GW_QUICK_MAX_BLOCK)
        block = glimmer::heap::quick_round(block);
    return usable >= n && usable + 16 >= block && usable + 16 < block + GW_MEDIUM_SPLIT_MIN;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(asm_alloc)

BOOST_AUTO_TEST_CASE(every_size_from_1_to_4096_is_aligned_usable_and_disjoint) {
    ScopedHeap h;
    BOOST_TEST_REQUIRE(h.heap != nullptr);
    std::vector<std::pair<void*, std::size_t>> blocks;
    for (std::size_t n = 1; n <= 4096; ++n) {
        void* p = gw_heap_alloc(h, n);
        BOOST_TEST_REQUIRE(p != nullptr, "size " << n);
        BOOST_TEST_REQUIRE(aligned(p, 16), "size " << n);
        const std::size_t usable = gw_heap_usable_size(h, p);
        if (n <= GW_SMALL_MAX) {
            BOOST_TEST_REQUIRE(usable == glimmer::test::small_class_size(n), "size " << n);
        } else {
            BOOST_TEST_REQUIRE(medium_usable_ok(n, usable), "size " << n << " usable " << usable);
        }
        fill(p, usable);
        blocks.emplace_back(p, usable);
    }
    for (auto [p, usable] : blocks)
        BOOST_TEST_REQUIRE(holds(p, p, usable));
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    for (auto [p, usable] : blocks)
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(size_zero_acts_as_one) {
    ScopedHeap h;
    void* a = gw_heap_alloc(h, 0);
    void* b = gw_heap_alloc(h, 0);
    BOOST_TEST_REQUIRE(a != nullptr);
    BOOST_TEST(a != b);
    BOOST_TEST(gw_heap_usable_size(h, a) == 16u);
    BOOST_TEST(gw_heap_free(h, a) == GW_OK);
    BOOST_TEST(gw_heap_free(h, b) == GW_OK);
}

BOOST_AUTO_TEST_CASE(class_and_bin_boundaries) {
    ScopedHeap h;
    std::vector<std::size_t> sizes;
    for (std::size_t c = 1; c <= GW_SMALL_CLASSES; ++c) {
        for (long d = -1; d <= 1; ++d)
            sizes.push_back(c * 16 + d);
    }
    // TLSF bin edges: powers of two and their 16 subdivisions, from 256 up past the huge edge
    for (std::size_t p2 = 256; p2 <= 2 * GW_MEDIUM_MAX_BLOCK; p2 *= 2) {
        for (std::size_t s = 0; s < 16; ++s) {
            const std::size_t edge = p2 + s * (p2 / 16) - 16;
            for (long d = -17; d <= 17; d += 17)
                sizes.push_back(edge + d);
        }
    }
    for (std::size_t n : sizes) {
        void* p = gw_heap_alloc(h, n);
        BOOST_TEST_REQUIRE(p != nullptr, "size " << n);
        BOOST_TEST_REQUIRE(aligned(p, 16));
        BOOST_TEST_REQUIRE(gw_heap_usable_size(h, p) >= n);
        fill(p, n);
        BOOST_TEST_REQUIRE(holds(p, p, n));
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK, "size " << n);
    }
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(sixty_kib_to_one_mib_in_steps) {
    ScopedHeap h;
    std::vector<void*> live;
    for (std::size_t n = 60 * 1024; n <= 1024 * 1024; n += 4099) {
        void* p = gw_heap_alloc(h, n);
        BOOST_TEST_REQUIRE(p != nullptr, "size " << n);
        BOOST_TEST_REQUIRE(gw_heap_usable_size(h, p) >= n);
        static_cast<char*>(p)[0] = 1;
        static_cast<char*>(p)[n - 1] = 2;
        live.push_back(p);
    }
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    for (void* p : live)
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(powers_of_two_up_to_one_gib_do_not_hang) {
    ScopedHeap h;
    for (std::size_t n = 1; n <= (std::size_t{1} << 30); n *= 2) {
        auto* p = static_cast<unsigned char*>(gw_heap_alloc(h, n));
        BOOST_TEST_REQUIRE(p != nullptr, "size " << n);
        p[0] = 0xAB;
        p[n - 1] = 0xCD;
        BOOST_TEST_REQUIRE(gw_heap_usable_size(h, p) >= n);
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    }
    GwHeapStats s{};
    gw_heap_stats(h, &s);
    BOOST_TEST(s.live_bytes == 0u);
    BOOST_TEST(s.peak_footprint_bytes >= (std::size_t{1} << 30));
    BOOST_TEST(s.footprint_bytes < std::size_t{4} << 20);  // the huge chunks went back
}

// A text built by appends frees a huge block and asks for one a little bigger, over and over:
// the chunk is kept whole (GW_HUGE_KEPT_MAX) or goes back to the system (MADV_FREE: off the
// footprint) with its address range remembered, so the next request reuses it without a new
// mapping; gw_heap_trim gives back what is kept.
BOOST_AUTO_TEST_CASE(a_freed_huge_chunk_is_reused_for_a_slightly_bigger_block) {
    ScopedHeap h;
    const auto footprint = [&] { return glimmer::test::stats_of(h).footprint_bytes; };
    const std::size_t empty = footprint();
    std::vector<void*> blocks;
    for (std::size_t n = 300000; n < 300000 + 40; n += 8) {  // several, as a collector frees
        blocks.push_back(gw_heap_alloc(h, n));
        BOOST_TEST_REQUIRE(blocks.back() != nullptr);
        fill(blocks.back(), n);
    }
    const std::set<void*> given_back(blocks.begin(), blocks.end());
    const std::size_t peak = glimmer::test::stats_of(h).peak_footprint_bytes;
    for (void* p : blocks)
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    // the radix nodes stay, and the kept chunks: at most 3/4 of the peak, or the floor a small
    // heap may keep anyway
    BOOST_TEST(footprint() <= empty + 4 * GW_RADIX_NODE_BYTES +
                                  std::max<std::size_t>(peak / 4 * 3, GW_HUGE_KEPT_FLOOR));
    BOOST_TEST(glimmer::test::stats_of(h).live_bytes == 0u);
    for (void* p : blocks)  // freed for good: the address range is not a block any more
        BOOST_TEST(gw_heap_free(h, p) == GW_E_DOUBLE_FREE);
    // a request that would waste more than a quarter of a remembered chunk maps its own
    void* small_huge = gw_heap_alloc(h, 200000);
    BOOST_TEST_REQUIRE(small_huge != nullptr);
    BOOST_TEST(given_back.count(small_huge) == 0u);
    BOOST_TEST(gw_heap_free(h, small_huge) == GW_OK);
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        void* p = gw_heap_alloc(h, 300100);
        BOOST_TEST_REQUIRE(p != nullptr);
        BOOST_TEST(given_back.count(p) == 1u);
        BOOST_TEST(gw_heap_usable_size(h, p) >= 300100u);
        fill(p, 300100);
        BOOST_TEST(holds(p, p, 300100));
        blocks[i] = p;
    }
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    for (void* p : blocks)
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    const std::size_t before_trim = footprint();
    const std::size_t trimmed = gw_heap_trim(h);  // the kept chunks go back
    BOOST_TEST(trimmed == before_trim - footprint());
    BOOST_TEST(footprint() < empty + 4 * GW_RADIX_NODE_BYTES);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(absurd_sizes_fail_cleanly) {
    ScopedHeap h;
    BOOST_TEST(gw_heap_alloc(h, SIZE_MAX) == nullptr);
    BOOST_TEST(gw_heap_last_status(h) == GW_E_NOMEM);
    BOOST_TEST(gw_heap_alloc(h, SIZE_MAX - 100) == nullptr);
    BOOST_TEST(gw_heap_alloc_aligned(h, SIZE_MAX / 2, 4096) == nullptr);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(aligned_allocations_honour_every_power_of_two) {
    ScopedHeap h;
    std::vector<void*> live;
    for (std::size_t a = 1; a <= (std::size_t{1} << 22); a *= 2) {
        for (std::size_t n : {1ul, 24ul, 100ul, 600ul, 5000ul, 70000ul, 300000ul}) {
            void* p = gw_heap_alloc_aligned(h, n, a);
            BOOST_TEST_REQUIRE(p != nullptr, "size " << n << " align " << a);
            BOOST_TEST_REQUIRE(aligned(p, std::max<std::size_t>(a, 16)), "align " << a);
            BOOST_TEST_REQUIRE(gw_heap_usable_size(h, p) >= n);
            fill(p, n);
            live.push_back(p);
        }
    }
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    for (void* p : live)
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(aligned_huge_blocks_never_share_a_radix_window) {
    ScopedHeap h;  // an aligned huge pointer can sit at the end of its chunk, near the next one
    std::vector<void*> live;
    for (int i = 0; i < 64; ++i) {
        live.push_back(gw_heap_alloc_aligned(h, 1 + i, std::size_t{1} << (17 + i % 3)));
        live.push_back(gw_heap_alloc(h, 140000 + i * 100));
        live.push_back(gw_heap_alloc_aligned(h, 150000, 4096));
    }
    for (void* p : live)
        BOOST_TEST_REQUIRE(p != nullptr);
    const auto report = glimmer::heap::verify(h.heap);
    BOOST_TEST_REQUIRE(report.ok(), report.to_string());
    for (void* p : live)
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    for (void* p : live)
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_E_DOUBLE_FREE);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

// What an aligned block holds and costs does not grow with its alignment (default source):
// the room mapped to slide the pointer goes back unused, and makes no peak. A 1-byte block at
// 2^30 alignment used to count 485 MB live and fault in a GiB.
BOOST_AUTO_TEST_CASE(an_aligned_block_does_not_hold_its_alignment) {
    ScopedHeap h;
    for (std::size_t a = std::size_t{1} << 17; a <= (std::size_t{1} << 30); a *= 4) {
        for (std::size_t n : {0ul, 1ul, 5000ul, 300000ul}) {
            BOOST_TEST_CONTEXT("size " << n << " align " << a) {
                const GwHeapStats before = stats_of(h);
                void* p = gw_heap_alloc_aligned(h, n, a);
                BOOST_TEST_REQUIRE(p != nullptr);
                BOOST_TEST(aligned(p, a));
                const std::size_t usable = gw_heap_usable_size(h, p);
                BOOST_TEST(usable >= std::max<std::size_t>(n, 1));
                BOOST_TEST(usable <= n + GW_PAGE_BYTES);
                const GwHeapStats after = stats_of(h);
                const std::size_t held = n + 4 * GW_PAGE_BYTES;  // its windows and a radix node
                // (the footprint may also shrink: a kept huge chunk of an earlier round went back)
                BOOST_TEST(after.footprint_bytes <= before.footprint_bytes + held);
                BOOST_TEST(after.peak_footprint_bytes <=
                           std::max(before.peak_footprint_bytes, before.footprint_bytes + held));
                fill(p, std::max<std::size_t>(n, 1));
                BOOST_TEST(gw_heap_check(h) == GW_OK);
                BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
            }
        }
    }
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(bad_alignment_is_an_invalid_argument) {
    ScopedHeap h;
    for (std::size_t a : {0ul, 3ul, 24ul, 100ul, 4097ul}) {
        BOOST_TEST(gw_heap_alloc_aligned(h, 64, a) == nullptr);
        BOOST_TEST(gw_heap_last_status(h) == GW_E_INVALID_ARGUMENT);
    }
}

BOOST_AUTO_TEST_CASE(consecutive_small_allocations_sit_side_by_side) {
    ScopedHeap h;
    for (std::size_t n : {16ul, 24ul, 40ul, 56ul, 64ul, 80ul, 256ul}) {
        auto* prev = static_cast<char*>(gw_heap_alloc(h, n));
        const std::size_t step = glimmer::test::small_class_size(n);
        for (int i = 0; i < 50; ++i) {
            auto* p = static_cast<char*>(gw_heap_alloc(h, n));
            BOOST_TEST_REQUIRE(p - prev == static_cast<std::ptrdiff_t>(step), "size " << n);
            prev = p;
        }
    }
}

BOOST_AUTO_TEST_CASE(freed_slots_are_reused_first) {
    ScopedHeap h;
    void* a = gw_heap_alloc(h, 48);
    BOOST_TEST(gw_heap_free(h, a) == GW_OK);
    BOOST_TEST(gw_heap_alloc(h, 40) == a);
    void* m = gw_heap_alloc(h, 3000);
    BOOST_TEST(gw_heap_free(h, m) == GW_OK);
    BOOST_TEST(gw_heap_alloc(h, 3000) == m);
}

BOOST_AUTO_TEST_CASE(statistics_count_usable_bytes_and_peaks) {
    ScopedHeap h;
    GwHeapStats s{};
    gw_heap_stats(h, &s);
    BOOST_TEST(s.live_bytes == 0u);
    BOOST_TEST(s.footprint_bytes == std::size_t{GW_HEAP_ALLOC_BYTES});
    void* a = gw_heap_alloc(h, 20);       // 32
    void* b = gw_heap_alloc(h, 2000);     // medium
    void* c = gw_heap_alloc(h, 1 << 20);  // huge
    const std::size_t live =
        gw_heap_usable_size(h, a) + gw_heap_usable_size(h, b) + gw_heap_usable_size(h, c);
    gw_heap_stats(h, &s);
    BOOST_TEST(s.live_bytes == live);
    BOOST_TEST(s.peak_live_bytes == live);
    BOOST_TEST(s.alloc_count == 3u);
    BOOST_TEST(s.free_count == 0u);
    BOOST_TEST(s.footprint_bytes > (std::size_t{1} << 20));
    gw_heap_free(h, c);
    gw_heap_free(h, b);
    gw_heap_free(h, a);
    gw_heap_stats(h, &s);
    BOOST_TEST(s.live_bytes == 0u);
    BOOST_TEST(s.peak_live_bytes == live);
    BOOST_TEST(s.free_count == 3u);
    // The huge block's chunk is kept for the next huge request (GW_HUGE_KEPT_FLOOR) until trim.
    BOOST_TEST(s.peak_footprint_bytes >= s.footprint_bytes);
    gw_heap_trim(h);
    gw_heap_stats(h, &s);
    BOOST_TEST(s.peak_footprint_bytes > s.footprint_bytes);
    BOOST_TEST(s.footprint_bytes < (std::size_t{1} << 20));
    BOOST_TEST(glimmer::heap::verify(h.heap).ok());
}

// live and peak stay exact through waves of growth (every alloc a new peak: the borrow path)
// and shrinking (headroom), checked against a model after every call.
BOOST_AUTO_TEST_CASE(peak_live_is_exact_through_growth_and_shrink_waves) {
    ScopedHeap h;
    std::vector<void*> live;
    std::size_t model_live = 0, model_peak = 0;
    std::uint64_t x = 12345;
    for (int wave = 0; wave < 6; ++wave) {
        const bool grow = wave % 2 == 0;
        for (int i = 0; i < 3000; ++i) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            if (grow || live.empty() || (x >> 60) == 0) {
                void* p = gw_heap_alloc(h, (x >> 33) % 300 + 1);  // small and medium
                BOOST_TEST_REQUIRE(p != nullptr);
                live.push_back(p);
                model_live += gw_heap_usable_size(h, p);
                model_peak = std::max(model_peak, model_live);
            } else {
                std::size_t k = (x >> 20) % live.size();
                model_live -= gw_heap_usable_size(h, live[k]);
                BOOST_TEST_REQUIRE(gw_heap_free(h, live[k]) == GW_OK);
                live[k] = live.back();
                live.pop_back();
            }
            GwHeapStats s{};
            gw_heap_stats(h, &s);
            BOOST_TEST_REQUIRE(s.live_bytes == model_live);
            BOOST_TEST_REQUIRE(s.peak_live_bytes == model_peak);
        }
    }
    for (void* p : live)
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(glimmer::heap::verify(h.heap).ok());
}

BOOST_AUTO_TEST_CASE(walk_visits_every_live_block_once) {
    ScopedHeap h;
    std::vector<void*> live;
    for (std::size_t n = 1; n < 300000; n = n * 3 + 1)
        live.push_back(gw_heap_alloc(h, n));
    std::vector<void*> seen;
    gw_heap_walk(
        h,
        [](void* user, void* p, std::size_t) {
            static_cast<std::vector<void*>*>(user)->push_back(p);
            return 0;
        },
        &seen);
    std::sort(live.begin(), live.end());
    std::sort(seen.begin(), seen.end());
    BOOST_TEST(live == seen);
}

BOOST_AUTO_TEST_CASE(a_class_with_no_page_to_spare_borrows_a_free_slot_of_a_larger_class) {
    // The limit is what a heap with one small page holds (the other pages of its first chunk
    // are BARE and count only when taken): that page serves 64-byte slots, then one is freed.
    // A 48-byte request has no page of its own and none in the pool; rather than fail at the
    // limit, it takes the free 64-byte slot (its usable size says so) and the heap stays sound.
    // The radix tree counts its nodes a 4 KiB page at a time, and which pages a chunk's entries
    // fall in depends on where mmap puts it: this heap's chunk may need one node page more than
    // the probe's (about 1 run in 300 did), so the limit has room for it. It cannot take a
    // small page (a page counts whole, 32 KiB, under a limit) or a medium chunk.
    ScopedHeap probe;
    void* first = gw_heap_alloc(probe, 64);
    BOOST_TEST_REQUIRE(first != nullptr);
    GwHeapStats s{};
    gw_heap_stats(probe, &s);
    const GwHeapConfig config{s.footprint_bytes + 4096, nullptr, nullptr, nullptr, nullptr};
    ScopedHeap h(&config);
    std::vector<void*> blocks;
    while (void* p = gw_heap_alloc(h, 64))
        blocks.push_back(p);
    BOOST_TEST_REQUIRE(gw_heap_last_status(h) == GW_E_LIMIT);
    BOOST_TEST_REQUIRE(blocks.size() > 400);
    void* freed = blocks[blocks.size() / 2];
    BOOST_TEST_REQUIRE(gw_heap_free(h, freed) == GW_OK);
    blocks.erase(blocks.begin() + static_cast<std::ptrdiff_t>(blocks.size() / 2));
    void* p = gw_heap_alloc(h, 48);
    BOOST_TEST_REQUIRE(p == freed);
    BOOST_TEST(gw_heap_usable_size(h, p) == 64u);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    BOOST_TEST(gw_heap_alloc(h, 48) == nullptr);  // that page has nothing more to lend
    BOOST_TEST(gw_heap_last_status(h) == GW_E_LIMIT);
    BOOST_TEST(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(gw_heap_free(h, p) == GW_E_DOUBLE_FREE);
    for (void* b : blocks)
        BOOST_TEST_REQUIRE(gw_heap_free(h, b) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    gw_heap_stats(h, &s);
    BOOST_TEST(s.live_bytes == 0u);
}

BOOST_AUTO_TEST_CASE(a_rare_class_is_served_from_free_medium_space_before_it_takes_a_page) {
    ScopedHeap h;
    void* medium = gw_heap_alloc(h, 2000);  // a medium chunk, mostly free
    BOOST_TEST_REQUIRE(medium != nullptr);
    GwHeapStats before{}, s{};
    gw_heap_stats(h, &before);
    std::vector<void*> lent;
    for (int i = 0; i < GW_SMALL_LEND; ++i) {
        void* p = gw_heap_alloc(h, 100);
        BOOST_TEST_REQUIRE(p != nullptr);
        BOOST_TEST_REQUIRE(gw_heap_usable_size(h, p) == 112u);
        fill(p, 112);
        lent.push_back(p);
    }
    gw_heap_stats(h, &s);
    // no page chunk for them: at most the medium chunk's BARE pages they now use count
    BOOST_TEST(s.footprint_bytes <= before.footprint_bytes + GW_SMALL_LEND * 112 + 4096);
    BOOST_TEST(glimmer::heap::verify(h).pages_in_use == 0u);
    void* paged = gw_heap_alloc(h, 100);  // the class is not rare after all: a page of its own
    BOOST_TEST_REQUIRE(paged != nullptr);
    // (the footprint need not grow: the free rest of the medium chunk goes BARE first)
    BOOST_TEST(glimmer::heap::verify(h).pages_in_use == 1u);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    for (void* p : lent) {
        BOOST_TEST_REQUIRE(holds(p, p, 112));
        BOOST_TEST_REQUIRE(gw_heap_free_sized(h, p, 100) == GW_OK);
    }
    BOOST_TEST(gw_heap_free(h, lent.front()) == GW_E_DOUBLE_FREE);
    BOOST_TEST(gw_heap_free(h, paged) == GW_OK);
    BOOST_TEST(gw_heap_free(h, medium) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    gw_heap_stats(h, &s);
    BOOST_TEST(s.live_bytes == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
