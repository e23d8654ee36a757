// tests/asm/footprint_test.cpp - BARE pages: a page chunk counts only the pages the heap uses,
// and free pages of partly used chunks are decommitted before the heap would make a new peak.
#include <boost/test/unit_test.hpp>

#include <sys/mman.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

#include "heap/chunk_source.hpp"
#include "test_support.hpp"

using glimmer::test::ScopedHeap;
using glimmer::test::stats_of;

namespace {

// A chunk source on aligned_alloc (TestChunkSource) that also takes decommit calls and
// remembers them: every range must be whole 4 KiB pages inside a chunk it handed out.
struct DecommitSource {
    glimmer::heap::TestChunkSource source;
    std::vector<std::pair<std::uintptr_t, std::size_t>> ranges;

    GwHeapConfig config(std::size_t limit = 0) {
        GwHeapConfig c = source.config(limit);
        c.chunk_user = this;
        c.chunk_alloc = [](void* user, std::size_t bytes) noexcept {
            return glimmer::heap::TestChunkSource::alloc_hook(
                &static_cast<DecommitSource*>(user)->source, bytes);
        };
        c.chunk_free = [](void* user, void* chunk, std::size_t bytes) noexcept {
            glimmer::heap::TestChunkSource::free_hook(&static_cast<DecommitSource*>(user)->source,
                                                      chunk, bytes);
        };
        c.chunk_decommit = [](void* user, void* addr, std::size_t bytes) noexcept {
            static_cast<DecommitSource*>(user)->ranges.emplace_back(
                reinterpret_cast<std::uintptr_t>(addr), bytes);
        };
        return c;
    }
};

// Fills `pages` whole pages' worth of 64-byte blocks; returns them.
std::vector<void*> fill_pages(GwHeap* h, std::size_t pages) {
    std::vector<void*> blocks;
    for (std::size_t i = 0; i < pages * (GW_PAGE_BYTES / 64); ++i) {
        void* p = gw_heap_alloc(h, 64);
        BOOST_TEST_REQUIRE(p != nullptr);
        blocks.push_back(p);
    }
    return blocks;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(footprint)

// The default source: one small block costs the record, the radix nodes and one page, not the
// whole first chunk; each further page of blocks adds one page.
BOOST_AUTO_TEST_CASE(a_page_chunk_counts_the_pages_in_use) {
    ScopedHeap h;
    void* p = gw_heap_alloc(h, 64);
    BOOST_TEST_REQUIRE(p != nullptr);
    const GwHeapStats one = stats_of(h);
    BOOST_TEST(one.footprint_bytes <=
               GW_HEAP_ALLOC_BYTES + 3 * GW_RADIX_NODE_BYTES + std::size_t{GW_PAGE_BYTES});
    BOOST_TEST(one.peak_footprint_bytes == one.footprint_bytes);
    // of the radix nodes (an L2 and an L3 node, a second L3 node when the chunk crosses a
    // 64 MiB window) only the 4 KiB pages the heap wrote to count
    const GwHeap* raw = h;
    const std::size_t radix_bytes = glimmer::heap::verify(h).radix_bytes;
    BOOST_TEST(raw->radix_nodes >= 2u);
    BOOST_TEST(radix_bytes >= 2 * 4096u);
    BOOST_TEST(radix_bytes <= 4 * 4096u);
    BOOST_TEST(radix_bytes % 4096 == 0u);
    BOOST_TEST(one.footprint_bytes ==
               GW_HEAP_ALLOC_BYTES + radix_bytes + std::size_t{GW_PAGE_BYTES});
    // two more pages of 64-byte blocks: two more pages, the chunk is the same
    const auto blocks = fill_pages(h, 2);
    const GwHeapStats three = stats_of(h);
    BOOST_TEST(three.footprint_bytes - one.footprint_bytes <= 2 * std::size_t{GW_PAGE_BYTES});
    BOOST_TEST(three.footprint_bytes - one.footprint_bytes >= std::size_t{GW_PAGE_BYTES});
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    for (void* b : blocks)
        BOOST_TEST_REQUIRE(gw_heap_free(h, b) == GW_OK);
    BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

// Pages freed inside chunks that stay in use (one live block pins each chunk) are given back
// before a huge block would make a new peak, and taken again (counted again) afterwards.
BOOST_AUTO_TEST_CASE(free_pages_of_used_chunks_do_not_make_the_peak) {
    ScopedHeap h;
    auto blocks = fill_pages(h, 64);  // about 2 MiB of 64-byte blocks
    const GwHeapStats full = stats_of(h);
    // free every block but the first of each chunk (a chunk of 4-8 pages spans 128-256 KiB)
    std::vector<void*> pinned;
    std::uintptr_t last_chunk = 0;
    for (void* b : blocks) {
        const auto chunk =
            reinterpret_cast<std::uintptr_t>(b) & ~std::uintptr_t{GW_CHUNK_BYTES - 1};
        if (chunk != last_chunk) {
            pinned.push_back(b);
            last_chunk = chunk;
        } else {
            BOOST_TEST_REQUIRE(gw_heap_free(h, b) == GW_OK);
        }
    }
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    BOOST_TEST(stats_of(h).footprint_bytes == full.footprint_bytes);  // below the peak: kept
    // a huge block of 1 MiB: the free pages make room for it within the old peak and its slack
    // (the footprint ceiling, GW_PEAK_SLACK_SHIFT), which is less than the block (and a radix
    // node page or two, which the block's address may need after the pages went back)
    void* big = gw_heap_alloc(h, std::size_t{1} << 20);
    BOOST_TEST_REQUIRE(big != nullptr);
    const GwHeapStats after = stats_of(h);
    const std::size_t slack = full.peak_footprint_bytes >> GW_PEAK_SLACK_SHIFT;
    BOOST_TEST_REQUIRE(slack < std::size_t{1} << 20);
    BOOST_TEST(after.peak_footprint_bytes <= full.peak_footprint_bytes + slack + 2 * 4096);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    BOOST_TEST_REQUIRE(gw_heap_free(h, big) == GW_OK);
    // the pages come back as blocks are asked for again, and count again
    blocks = fill_pages(h, 32);
    BOOST_TEST(stats_of(h).footprint_bytes > after.footprint_bytes - (std::size_t{1} << 20));
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    for (void* b : blocks)
        BOOST_TEST_REQUIRE(gw_heap_free(h, b) == GW_OK);
    for (void* b : pinned)
        BOOST_TEST_REQUIRE(gw_heap_free(h, b) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

// A custom source with chunk_decommit hears of every page it need not back, each a range of
// whole 4 KiB pages inside one of its chunks; without the hook every byte stays counted.
BOOST_AUTO_TEST_CASE(a_custom_source_decommits_only_with_its_hook) {
    DecommitSource with;
    const GwHeapConfig config = with.config();
    {
        ScopedHeap h(&config);
        BOOST_TEST_REQUIRE(gw_heap_alloc(h, 64) != nullptr);
        BOOST_TEST(!with.ranges.empty());
        for (const auto& [addr, bytes] : with.ranges) {
            BOOST_TEST(addr % 4096 == 0);
            BOOST_TEST(bytes % 4096 == 0);
            BOOST_TEST(bytes > 0);
        }
        BOOST_TEST(stats_of(h).footprint_bytes < with.source.outstanding_bytes());
        BOOST_TEST(gw_heap_check(h) == GW_OK);
    }
    BOOST_TEST(with.source.outstanding_bytes() == 0);
    BOOST_TEST(with.source.bad_frees() == 0);

    glimmer::heap::TestChunkSource without;
    const GwHeapConfig plain = without.config();
    ScopedHeap h(&plain);
    BOOST_TEST_REQUIRE(gw_heap_alloc(h, 64) != nullptr);
    BOOST_TEST(stats_of(h).footprint_bytes == without.outstanding_bytes());
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

// Counting a bare page again respects memory_limit: the refill fails with GW_E_LIMIT, the
// footprint never passes the limit, and the heap stays intact.
BOOST_AUTO_TEST_CASE(taking_a_bare_page_respects_the_limit) {
    ScopedHeap probe;
    BOOST_TEST_REQUIRE(gw_heap_alloc(probe, 64) != nullptr);
    const std::size_t limit = stats_of(probe).footprint_bytes + GW_PAGE_BYTES / 2;
    GwHeapConfig config{};
    config.memory_limit = limit;
    ScopedHeap h(&config);
    std::vector<void*> blocks;
    for (;;) {
        void* p = gw_heap_alloc(h, 64);
        if (p == nullptr) break;
        blocks.push_back(p);
        BOOST_TEST_REQUIRE(stats_of(h).footprint_bytes <= limit);
    }
    BOOST_TEST(gw_heap_last_status(h) == GW_E_LIMIT);
    BOOST_TEST(blocks.size() >= (GW_PAGE_BYTES - GW_CHUNK_META_BYTES) / 64);
    BOOST_TEST(stats_of(h).peak_footprint_bytes <= limit);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    for (void* b : blocks)
        BOOST_TEST_REQUIRE(gw_heap_free(h, b) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

// A heap that filled its limit with medium blocks and freed them holds the emptied chunks as
// spares. Small blocks that follow may take a BARE page: that must make the spares go back
// before the limit is checked, or the heap refuses 32 bytes with little live (an interpreter
// script that made big texts, then many small lists, got a false OutOfMemory at 2% of its
// limit).
BOOST_AUTO_TEST_CASE(memory_freed_by_medium_blocks_serves_small_ones_under_the_limit) {
    GwHeapConfig config{};
    config.memory_limit = std::size_t{64} << 20;
    ScopedHeap h(&config);
    void* first_small = gw_heap_alloc(h, 32);
    BOOST_TEST_REQUIRE(first_small != nullptr);
    std::vector<void*> medium;
    for (int round = 0; round < 3; ++round) {  // fill and empty: the spares are in use
        for (void* p; (p = gw_heap_alloc(h, 1100)) != nullptr;)
            medium.push_back(p);
        BOOST_TEST_REQUIRE(gw_heap_last_status(h) == GW_E_LIMIT);
        BOOST_TEST_REQUIRE(medium.size() * 1100 > config.memory_limit / 2);
        if (round == 2) break;
        for (void* p : medium)
            BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
        medium.clear();
    }
    // The last bytes under the limit go to blocks of another small class: its last page chunk
    // keeps BARE pages it could not count any more.
    std::vector<void*> others;
    for (void* p; (p = gw_heap_alloc(h, 1000)) != nullptr;)
        others.push_back(p);
    BOOST_TEST_REQUIRE(glimmer::heap::verify(h).pages_bare > 0u);
    for (void* p : medium)
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    std::vector<void*> small;
    for (void* p; (p = gw_heap_alloc(h, 32)) != nullptr;)
        small.push_back(p);
    BOOST_TEST(gw_heap_last_status(h) == GW_E_LIMIT);
    BOOST_TEST(small.size() * 32 > config.memory_limit / 4);
    BOOST_TEST(stats_of(h).peak_footprint_bytes <= config.memory_limit);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    for (const auto* blocks : {&small, &others})
        for (void* p : *blocks)
            BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST_REQUIRE(gw_heap_free(h, first_small) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

// Under a limit a medium chunk counts whole, and a new one has at least GW_MEDIUM_MIN_PAGES
// pages. When the limit refuses that many, the heap takes the fewest pages that hold the block:
// a heap capped at 1 MiB refused a 10 KB text with 120 KiB of its limit unused.
BOOST_AUTO_TEST_CASE(a_medium_chunk_the_limit_refuses_is_made_as_small_as_the_block_needs) {
    GwHeapConfig probe_config{};
    probe_config.memory_limit = std::size_t{1} << 30;
    std::size_t base = 0;
    {
        ScopedHeap probe(&probe_config);
        base = stats_of(probe).footprint_bytes;
    }
    GwHeapConfig config{};
    config.memory_limit = base + GW_MEDIUM_MIN_PAGES * GW_PAGE_BYTES - 4096;
    ScopedHeap h(&config);
    BOOST_TEST_REQUIRE(stats_of(h).footprint_bytes == base);
    void* p = gw_heap_alloc(h, 10000);
    BOOST_TEST_REQUIRE(p != nullptr);
    BOOST_TEST(stats_of(h).footprint_bytes <= config.memory_limit);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    // a block no chunk under the limit can hold is still refused
    BOOST_TEST(gw_heap_alloc(h, GW_MEDIUM_MIN_PAGES * GW_PAGE_BYTES) == nullptr);
    BOOST_TEST(gw_heap_last_status(h) == GW_E_LIMIT);
    BOOST_TEST(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

// A heap whose peak is under GW_DECOMMIT_MIN_PEAK decommits nothing to stay under its ceiling
// (its free pages stay for the next refill), but a request that would pass memory_limit itself
// first decommits the free pages of the page pool: what is not in use must not make it fail.
BOOST_AUTO_TEST_CASE(a_small_heap_decommits_free_pages_before_the_limit_refuses) {
    ScopedHeap probe;
    BOOST_TEST_REQUIRE(gw_heap_alloc(probe, 64) != nullptr);
    const std::size_t with_one_page = stats_of(probe).footprint_bytes;
    GwHeapConfig config{};
    config.memory_limit = with_one_page + 6 * GW_PAGE_BYTES;
    ScopedHeap h(&config);
    // Pages of 64-byte slots, all freed but one slot: the chunk stays, its pages go to the pool.
    std::vector<void*> blocks;
    for (std::size_t i = 0; i < 4 * GW_PAGE_BYTES / 64; ++i) {
        void* b = gw_heap_alloc(h, 64);
        BOOST_TEST_REQUIRE(b != nullptr);
        blocks.push_back(b);
    }
    for (std::size_t i = 1; i < blocks.size(); ++i)
        BOOST_TEST_REQUIRE(gw_heap_free(h, blocks[i]) == GW_OK);
    BOOST_TEST_REQUIRE(stats_of(h).peak_footprint_bytes < std::size_t{GW_DECOMMIT_MIN_PEAK});
    // A medium block that needs a chunk of its own: it fits under the limit only if the free
    // pages stop counting.
    const std::size_t room = config.memory_limit - stats_of(h).footprint_bytes;
    const std::size_t big = room + GW_PAGE_BYTES;
    BOOST_TEST_REQUIRE(big < std::size_t{GW_MEDIUM_MAX_BLOCK - GW_MEDIUM_HDR});
    void* p = gw_heap_alloc(h, big);
    BOOST_TEST_REQUIRE(p != nullptr);
    BOOST_TEST(stats_of(h).footprint_bytes <= config.memory_limit);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    BOOST_TEST(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(gw_heap_free(h, blocks[0]) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

// A radix node page counts against memory_limit when the heap first writes to it: the first
// block needs the first page of a page chunk and a page of two nodes (L2 and L3), so a limit
// with room for one node page refuses it, and the heap stays whole and within the limit.
BOOST_AUTO_TEST_CASE(radix_node_pages_count_against_the_limit) {
    GwHeapConfig config{};
    config.memory_limit = GW_HEAP_ALLOC_BYTES + GW_PAGE_BYTES + 4096;
    ScopedHeap h(&config);
    BOOST_TEST(gw_heap_alloc(h, 64) == nullptr);
    BOOST_TEST(gw_heap_last_status(h) == GW_E_LIMIT);
    const GwHeapStats after = stats_of(h);
    BOOST_TEST(after.footprint_bytes <= config.memory_limit);
    BOOST_TEST(after.peak_footprint_bytes <= config.memory_limit);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    // with room for both pages (and a second L3 node's, should the chunk cross into one) it fits
    config.memory_limit += 2 * 4096;
    ScopedHeap roomy(&config);
    void* p = gw_heap_alloc(roomy, 64);
    BOOST_TEST(p != nullptr);
    BOOST_TEST(stats_of(roomy).footprint_bytes <= config.memory_limit);
    BOOST_TEST(gw_heap_free(roomy, p) == GW_OK);
    BOOST_TEST(gw_heap_check(roomy) == GW_OK);
}

// A new medium chunk counts only the pages its blocks use (its free rest is BARE); in a heap at
// a peak that is not small (a live huge block of GW_DECOMMIT_MIN_PEAK bytes), a free that merges
// with BARE space gives its pages back; growing in place into BARE space counts only the
// growth; and a free block that is not BARE goes BARE before a huge block makes a new peak.
BOOST_AUTO_TEST_CASE(free_medium_space_is_bare) {
    ScopedHeap h;
    void* ballast = gw_heap_alloc(h, GW_DECOMMIT_MIN_PEAK);
    BOOST_TEST_REQUIRE(ballast != nullptr);
    const std::size_t empty = stats_of(h).footprint_bytes;
    void* first = gw_heap_alloc(h, 2000);  // a medium chunk, mostly free
    BOOST_TEST_REQUIRE(first != nullptr);
    const GwHeapStats one = stats_of(h);
    BOOST_TEST(one.footprint_bytes <= empty + 4 * GW_RADIX_NODE_BYTES + 3 * 4096);
    BOOST_TEST(glimmer::heap::verify(h).bare_bytes >= (std::size_t{100} << 10));
    // a block taken from the BARE rest counts its pages
    void* a = gw_heap_alloc(h, 60000);
    BOOST_TEST_REQUIRE(a != nullptr);
    glimmer::test::fill(a, 60000);
    const std::size_t with_a = stats_of(h).footprint_bytes;
    BOOST_TEST(with_a >= one.footprint_bytes + 56000);
    BOOST_TEST(with_a <= one.footprint_bytes + 60000 + 2 * 4096);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    // growing `a` in place into the BARE rest counts the growth only, or the rest too while the
    // footprint stays below its ceiling (the peak and its slack: no syscall there)
    const std::size_t ceiling = h.heap->footprint_ceiling;
    void* grown = gw_heap_realloc(h, a, 80000);
    BOOST_TEST_REQUIRE(grown == a);
    BOOST_TEST(glimmer::test::holds(a, a, 60000));
    BOOST_TEST(stats_of(h).footprint_bytes <= std::max(with_a + 20000 + 2 * 4096, ceiling));
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    // freeing it merges with the BARE rest: its pages go back, past the ceiling
    BOOST_TEST_REQUIRE(gw_heap_free(h, a) == GW_OK);
    BOOST_TEST(stats_of(h).footprint_bytes <= std::max(one.footprint_bytes + 4096, ceiling));
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    // a free block that is counted (its neighbours in use) goes BARE before a new peak
    void* b = gw_heap_alloc(h, 60000);
    void* c = gw_heap_alloc(h, 2000);
    BOOST_TEST_REQUIRE((b != nullptr && c != nullptr));
    BOOST_TEST_REQUIRE(gw_heap_free(h, b) == GW_OK);
    const GwHeapStats before = stats_of(h);
    void* big = gw_heap_alloc(h, std::size_t{1} << 20);
    BOOST_TEST_REQUIRE(big != nullptr);
    BOOST_TEST(stats_of(h).peak_footprint_bytes + 50000 <
               before.peak_footprint_bytes + (std::size_t{1} << 20) + 4096);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    for (void* p : {first, c, big, ballast})
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    BOOST_TEST(stats_of(h).live_bytes == 0u);
}

// A block that grows in place a page at a time into the BARE free block after it (a Lua array
// growing) leaves a BARE tail each time. The tail's pages were decommitted already and nothing
// wrote them since, so no decommit call is made for them again (there was one per growth, over
// the whole tail); the footprint stays exact.
BOOST_AUTO_TEST_CASE(growing_into_a_bare_neighbour_decommits_nothing_again) {
    DecommitSource source;
    const GwHeapConfig config = source.config();
    ScopedHeap h(&config);
    void* ballast = gw_heap_alloc(h, GW_DECOMMIT_MIN_PEAK);  // a peak that decommits
    void* first = gw_heap_alloc(h, 2000);                    // a medium chunk, its rest BARE
    void* a = gw_heap_alloc(h, 2000);                        // from the front of the BARE rest
    BOOST_TEST_REQUIRE((ballast != nullptr && first != nullptr && a != nullptr));
    glimmer::test::fill(a, 2000);
    BOOST_TEST_REQUIRE(glimmer::heap::verify(h).bare_bytes >= (std::size_t{64} << 10));
    const std::size_t calls = source.ranges.size();
    std::size_t size = 2000;
    for (int step = 0; step < 10; ++step) {
        size += 4096;
        void* grown = gw_heap_realloc(h, a, size);
        BOOST_TEST_REQUIRE(grown == a);  // in place
        BOOST_TEST_REQUIRE(gw_heap_check(h) == GW_OK);
    }
    BOOST_TEST(source.ranges.size() == calls);
    BOOST_TEST(glimmer::test::holds(a, a, 2000));
    BOOST_TEST(glimmer::heap::verify(h).bare_bytes >= (std::size_t{16} << 10));
    // freeing it merges it with the BARE tail: only its own pages are decommitted now (up to
    // the page that held the tail's links)
    BOOST_TEST_REQUIRE(gw_heap_free(h, a) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    for (std::size_t i = calls; i < source.ranges.size(); ++i)
        BOOST_TEST(source.ranges[i].second <= size + 4096);
    for (void* p : {first, ballast})
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

// The footprint ceiling is the peak the heap needed plus a slack, counted from a footprint that
// held no reserve: a program that needs its medium chunks and a huge block at different moments
// keeps a spare of one kind while it uses the other only as far as the slack goes, and round
// after round the peak stays there (a slack counted from the last peak would ratchet it up).
BOOST_AUTO_TEST_CASE(the_footprint_ceiling_does_not_compound) {
    ScopedHeap h;
    const auto round = [&] {
        std::vector<void*> medium;
        for (int i = 0; i < 40; ++i) {
            medium.push_back(gw_heap_alloc(h, 20000));
            BOOST_TEST_REQUIRE(medium.back() != nullptr);
        }
        for (void* p : medium)
            BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
        void* big = gw_heap_alloc(h, std::size_t{3} << 20);
        BOOST_TEST_REQUIRE(big != nullptr);
        BOOST_TEST_REQUIRE(gw_heap_free(h, big) == GW_OK);
    };
    round();
    const std::size_t first = stats_of(h).peak_footprint_bytes;
    for (int i = 0; i < 30; ++i)
        round();
    BOOST_TEST(stats_of(h).peak_footprint_bytes <=
               first + (first >> GW_PEAK_SLACK_SHIFT) + 4 * std::size_t{4096});
    BOOST_TEST(h.heap->footprint_ceiling <= first + (first >> GW_PEAK_SLACK_SHIFT) + 4 * 4096);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

// A heap whose peak footprint is small (below GW_DECOMMIT_MIN_PEAK) makes nothing BARE to keep
// its peak down: a free that merges with the BARE rest of its chunk raises the peak instead of
// a syscall, and the footprint stays exact.
BOOST_AUTO_TEST_CASE(a_small_heap_raises_its_peak_instead_of_decommitting) {
    ScopedHeap h;
    void* first = gw_heap_alloc(h, 2000);  // a medium chunk, mostly free (its rest is BARE)
    BOOST_TEST_REQUIRE(first != nullptr);
    const std::size_t bare_rest = glimmer::heap::verify(h).bare_bytes;
    BOOST_TEST(bare_rest >= (std::size_t{100} << 10));
    void* a = gw_heap_alloc(h, 60000);  // from the BARE rest: its pages count
    BOOST_TEST_REQUIRE(a != nullptr);
    glimmer::test::fill(a, 60000);
    const GwHeapStats with_a = stats_of(h);
    BOOST_TEST_REQUIRE(with_a.peak_footprint_bytes < std::size_t{GW_DECOMMIT_MIN_PEAK});
    // freeing it merges with the BARE rest, which counts again: the peak moves, no page is
    // given back, nothing is BARE
    BOOST_TEST_REQUIRE(gw_heap_free(h, a) == GW_OK);
    const GwHeapStats after = stats_of(h);
    BOOST_TEST(after.footprint_bytes > with_a.footprint_bytes);
    BOOST_TEST(after.peak_footprint_bytes == after.footprint_bytes);
    const auto report = glimmer::heap::verify(h);
    BOOST_TEST(report.ok());
    BOOST_TEST(report.bare_bytes == 0u);
    // the same block again: no growth at all now
    a = gw_heap_alloc(h, 60000);
    BOOST_TEST_REQUIRE(a != nullptr);
    BOOST_TEST(stats_of(h).footprint_bytes == after.footprint_bytes);
    BOOST_TEST_REQUIRE(gw_heap_free(h, a) == GW_OK);
    BOOST_TEST_REQUIRE(gw_heap_free(h, first) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    BOOST_TEST(stats_of(h).live_bytes == 0u);
}

// Under a memory_limit no medium block goes BARE (counting one again could not fail then).
BOOST_AUTO_TEST_CASE(no_bare_medium_block_under_a_limit) {
    GwHeapConfig config{};
    config.memory_limit = std::size_t{64} << 20;
    ScopedHeap h(&config);
    void* small_medium = gw_heap_alloc(h, 2000);
    BOOST_TEST_REQUIRE(small_medium != nullptr);
    void* big = gw_heap_alloc(h, std::size_t{1} << 20);
    BOOST_TEST_REQUIRE(big != nullptr);
    const auto report = glimmer::heap::verify(h);
    BOOST_TEST(report.ok());
    BOOST_TEST(report.bare_bytes == 0u);
    BOOST_TEST_REQUIRE(gw_heap_free(h, big) == GW_OK);
    BOOST_TEST_REQUIRE(gw_heap_free(h, small_medium) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

// A page taken from BARE counts 4 KiB of slots at a time, as its class hands them out (without
// a memory_limit); under a limit it counts whole at once, as before.
BOOST_AUTO_TEST_CASE(a_page_taken_from_bare_counts_4_kib_at_a_time) {
    for (const std::size_t limit : {std::size_t{0}, std::size_t{64} << 20}) {
        GwHeapConfig config{};
        config.memory_limit = limit;
        ScopedHeap h(&config);
        std::vector<void*> blocks{gw_heap_alloc(h, 64)};  // page 0 of the first chunk
        BOOST_TEST_REQUIRE(blocks.back() != nullptr);
        // every step of the footprint while 64-byte blocks fill two more pages, and how many
        // blocks came between steps
        std::vector<std::pair<std::size_t, std::size_t>> steps;  // (bytes, blocks before)
        std::size_t before = stats_of(h).footprint_bytes, since = 0;
        while (blocks.size() < 3 * (GW_PAGE_BYTES / 64)) {
            blocks.push_back(gw_heap_alloc(h, 64));
            BOOST_TEST_REQUIRE(blocks.back() != nullptr);
            ++since;
            const std::size_t now = stats_of(h).footprint_bytes;
            if (now != before) {
                steps.emplace_back(now - before, since);
                since = 0;
                before = now;
            }
        }
        BOOST_TEST_REQUIRE(steps.size() >= 2u);
        if (limit == 0) {
            // pages 1 and 2 start at a page boundary: 64 blocks of 64 bytes per 4 KiB
            for (std::size_t i = 1; i < steps.size(); ++i) {
                BOOST_TEST(steps[i].first == 4096u);
                BOOST_TEST(steps[i].second == 64u);
            }
            BOOST_TEST(steps.front().first == 4096u);
        } else {
            for (const auto& step : steps)
                BOOST_TEST(step.first == std::size_t{GW_PAGE_BYTES});
        }
        BOOST_TEST(gw_heap_check(h) == GW_OK);
        // a class whose slots straddle 4 KiB boundaries: content and structures stay right
        std::vector<void*> odd;
        for (int i = 0; i < 2000; ++i) {
            odd.push_back(gw_heap_alloc(h, 48));
            BOOST_TEST_REQUIRE(odd.back() != nullptr);
            glimmer::test::fill(odd.back(), 48);
        }
        BOOST_TEST(gw_heap_check(h) == GW_OK);
        for (void* p : odd) {
            BOOST_TEST_REQUIRE(glimmer::test::holds(p, p, 48));
            BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
        }
        for (void* p : blocks)
            BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
        BOOST_TEST(gw_heap_check(h) == GW_OK);
        BOOST_TEST(stats_of(h).live_bytes == 0u);
    }
}

// gw_heap_destroy gives every byte back to the system: not one chunk of the default source may
// stay mapped (as a dormant range kept for reuse, say), whatever its size. msync fails with
// ENOMEM on an address that is not mapped.
BOOST_AUTO_TEST_CASE(destroy_unmaps_every_chunk) {
    GwHeap* h = gw_heap_create(nullptr);
    BOOST_TEST_REQUIRE(h != nullptr);
    std::vector<void*> blocks;
    for (std::size_t i = 0; i < 60000; ++i)  // page chunks of 128 and 256 KiB
        blocks.push_back(gw_heap_alloc(h, 16 + (i * 7) % 200));
    for (std::size_t size : {3000, 20000, 100000, 300000, 3000000})  // medium and huge
        blocks.push_back(gw_heap_alloc(h, size));
    for (std::size_t i = 0; i < blocks.size(); i += 2)  // chunks emptied go dormant
        BOOST_TEST_REQUIRE(gw_heap_free(h, blocks[i]) == GW_OK);
    for (std::size_t i = 0; i < 30000; i += 2)
        BOOST_TEST_REQUIRE(gw_heap_free(h, blocks[i + 1]) == GW_OK);
    gw_heap_destroy(h);
    std::size_t mapped = 0;
    for (void* p : blocks) {
        auto page = reinterpret_cast<std::uintptr_t>(p) & ~std::uintptr_t{4095};
        if (msync(reinterpret_cast<void*>(page), 4096, MS_ASYNC) == 0 || errno != ENOMEM) ++mapped;
    }
    BOOST_TEST(mapped == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
