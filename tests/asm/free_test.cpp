// tests/asm/free_test.cpp - free.S: status codes for double, invalid and damaged frees (the
// heap stays intact after each), reuse, splitting and coalescing both ways.
#include <boost/test/unit_test.hpp>

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <set>
#include <utility>
#include <vector>

#include "test_support.hpp"

using glimmer::test::ScopedHeap;
using glimmer::test::stats_of;

namespace {

// The 32 KiB windows (pages and medium chunk windows) the blocks lie in.
std::set<std::uintptr_t> windows_of(const std::vector<void*>& blocks) {
    std::set<std::uintptr_t> windows;
    for (void* p : blocks)
        windows.insert(reinterpret_cast<std::uintptr_t>(p) >> GW_PAGE_SHIFT);
    return windows;
}

bool same_stats(const GwHeapStats& a, const GwHeapStats& b) {
    return a.live_bytes == b.live_bytes && a.footprint_bytes == b.footprint_bytes &&
           a.alloc_count == b.alloc_count && a.free_count == b.free_count;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(asm_free)

BOOST_AUTO_TEST_CASE(free_null_is_ok) {
    ScopedHeap h;
    BOOST_TEST(gw_heap_free(h, nullptr) == GW_OK);
    BOOST_TEST(gw_heap_free_sized(h, nullptr, 10) == GW_OK);
}

BOOST_AUTO_TEST_CASE(double_free_is_reported_for_small_medium_and_huge_blocks) {
    ScopedHeap h;
    for (std::size_t n : {1ul, 24ul, 256ul, 257ul, 4000ul, 131000ul, 300000ul, 5000000ul}) {
        void* keep = gw_heap_alloc(h, n);  // keeps pages and chunks alive
        void* p = gw_heap_alloc(h, n);
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK, "size " << n);
        const GwHeapStats before = stats_of(h);
        BOOST_TEST(gw_heap_free(h, p) == GW_E_DOUBLE_FREE, "size " << n);
        BOOST_TEST(gw_heap_last_status(h) == GW_E_DOUBLE_FREE);
        BOOST_TEST(gw_heap_free_sized(h, p, n) == GW_E_DOUBLE_FREE, "size " << n);
        BOOST_TEST(gw_heap_usable_size(h, p) == 0u);
        BOOST_TEST(same_stats(before, stats_of(h)));
        BOOST_TEST_REQUIRE(gw_heap_check(h) == GW_OK);
        BOOST_TEST(gw_heap_free(h, keep) == GW_OK);
    }
}

BOOST_AUTO_TEST_CASE(double_free_of_a_lone_small_block_is_still_seen) {
    ScopedHeap h;  // the page goes back to the pool, its chunk stays as the spare
    void* p = gw_heap_alloc(h, 64);
    BOOST_TEST(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(gw_heap_free(h, p) == GW_E_DOUBLE_FREE);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(invalid_pointers_are_rejected_and_change_nothing) {
    ScopedHeap h;
    ScopedHeap other;
    auto* small = static_cast<char*>(gw_heap_alloc(h, 48));
    auto* medium = static_cast<char*>(gw_heap_alloc(h, 5000));
    auto* huge = static_cast<char*>(gw_heap_alloc(h, 3 << 20));
    void* foreign = gw_heap_alloc(other, 48);
    void* foreign_medium = gw_heap_alloc(other, 5000);
    int on_stack[8] = {};
    void* from_malloc = std::malloc(64);
    const GwHeapStats before = stats_of(h);
    std::vector<void*> bad = {small + 16,
                              small + 1,
                              small + 8,
                              medium + 16,
                              medium + 32,
                              medium - 32,
                              medium + 4096,
                              huge + 16,
                              huge + 65536,
                              huge - 64,
                              foreign,
                              foreign_medium,
                              on_stack,
                              from_malloc,
                              (void*)16,
                              (void*)0x1000,
                              (void*)~std::uintptr_t{15},
                              (void*)(std::uintptr_t{1} << 47)};
    for (void* p : bad) {
        const int st = gw_heap_free(h, p);
        BOOST_TEST((st == GW_E_INVALID_POINTER), "pointer " << p << " gave " << st);
        BOOST_TEST(gw_heap_usable_size(h, p) == 0u);
        BOOST_TEST(gw_heap_realloc(h, p, 100) == nullptr);
        BOOST_TEST(gw_heap_last_status(h) == GW_E_INVALID_POINTER);
    }
    BOOST_TEST(same_stats(before, stats_of(h)));
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    BOOST_TEST(gw_heap_check(other) == GW_OK);
    BOOST_TEST(gw_heap_free(h, small) == GW_OK);
    BOOST_TEST(gw_heap_free(h, medium) == GW_OK);
    BOOST_TEST(gw_heap_free(h, huge) == GW_OK);
    BOOST_TEST(gw_heap_free(other, foreign) == GW_OK);
    BOOST_TEST(gw_heap_free(other, foreign_medium) == GW_OK);
    std::free(from_malloc);
}

BOOST_AUTO_TEST_CASE(double_free_of_a_medium_block_merged_into_its_neighbour_is_seen) {
    ScopedHeap h;
    void* a = gw_heap_alloc(h, 3000);
    void* b = gw_heap_alloc(h, 3000);
    void* c = gw_heap_alloc(h, 3000);
    BOOST_TEST(gw_heap_free(h, a) == GW_OK);
    BOOST_TEST(gw_heap_free(h, b) == GW_OK);  // b's header now lies inside the merged block
    BOOST_TEST(gw_heap_free(h, b) == GW_E_DOUBLE_FREE);
    BOOST_TEST(gw_heap_free(h, a) == GW_E_DOUBLE_FREE);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    void* d = gw_heap_alloc(h, 5000);  // reuses the merged block
    BOOST_TEST(d == a);
    BOOST_TEST(gw_heap_free(h, b) != GW_OK);  // b's stale header lies inside live d: refused
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    BOOST_TEST(gw_heap_free(h, d) == GW_OK);
    BOOST_TEST(gw_heap_free(h, c) == GW_OK);
}

BOOST_AUTO_TEST_CASE(every_address_inside_the_heap_that_is_no_live_block_is_refused) {
    ScopedHeap h;
    std::vector<char*> live;
    for (int i = 0; i < 300; ++i)
        live.push_back(static_cast<char*>(gw_heap_alloc(h, 8 + i % 90)));
    for (int i = 0; i < 40; ++i)
        live.push_back(static_cast<char*>(gw_heap_alloc(h, 300 + i * 97)));
    for (std::size_t i = 0; i < live.size(); i += 3)
        BOOST_TEST_REQUIRE(gw_heap_free(h, live[i]) == GW_OK);
    std::vector<char*> alive;
    for (std::size_t i = 0; i < live.size(); ++i) {
        if (i % 3) alive.push_back(live[i]);
    }
    const GwHeapStats before = stats_of(h);
    // every 16-byte aligned address from 64 KiB below to 64 KiB above each live block
    std::size_t probed = 0;
    for (char* base : {alive.front(), alive[alive.size() / 2], alive.back()}) {
        for (char* p = base - 65536; p < base + 65536; p += 16) {
            if (std::find(alive.begin(), alive.end(), p) != alive.end()) continue;
            const int st = gw_heap_free(h, p);
            BOOST_TEST_REQUIRE((st == GW_E_INVALID_POINTER || st == GW_E_DOUBLE_FREE),
                               "address " << static_cast<void*>(p) << " gave " << st);
            BOOST_TEST_REQUIRE(gw_heap_usable_size(h, p) == 0u);
            ++probed;
        }
    }
    BOOST_TEST(probed > 20000u);
    BOOST_TEST(same_stats(before, stats_of(h)));
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    for (char* p : alive)
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
}

BOOST_AUTO_TEST_CASE(never_handed_out_slots_are_invalid_not_double_frees) {
    ScopedHeap h;
    auto* a = static_cast<char*>(gw_heap_alloc(h, 32));
    BOOST_TEST(gw_heap_free(h, a + 32 * 10) == GW_E_INVALID_POINTER);
    BOOST_TEST(gw_heap_free(h, a) == GW_OK);
}

BOOST_AUTO_TEST_CASE(sized_free_checks_the_size) {
    ScopedHeap h;
    void* a = gw_heap_alloc(h, 40);
    BOOST_TEST(gw_heap_free_sized(h, a, 49) == GW_E_INVALID_ARGUMENT);
    BOOST_TEST(gw_heap_free_sized(h, a, 40) == GW_OK);
    void* m = gw_heap_alloc(h, 2000);
    BOOST_TEST(gw_heap_free_sized(h, m, 1 << 20) == GW_E_INVALID_ARGUMENT);
    BOOST_TEST(gw_heap_free_sized(h, m, 0) == GW_OK);
    void* g = gw_heap_alloc(h, 1 << 20);
    BOOST_TEST(gw_heap_free_sized(h, g, (1 << 20) + 100000) == GW_E_INVALID_ARGUMENT);
    BOOST_TEST(gw_heap_free_sized(h, g, 1 << 20) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(overflow_into_the_next_header_is_noticed) {
    ScopedHeap h;
    auto* a = static_cast<unsigned char*>(gw_heap_alloc(h, 2000));
    auto* b = static_cast<unsigned char*>(gw_heap_alloc(h, 2000));
    BOOST_TEST_REQUIRE(b == a + gw_heap_usable_size(h, a) + 16);
    const std::size_t usable = gw_heap_usable_size(h, a);
    unsigned char saved[16];
    std::memcpy(saved, a + usable, 16);
    std::memset(a, 0x41, usable + 3);  // three bytes too many: b's size word is damaged
    BOOST_TEST(gw_heap_check(h) == GW_E_CORRUPT);
    BOOST_TEST(gw_heap_free(h, a) == GW_E_CORRUPT);  // a's neighbour is damaged: a stays
    BOOST_TEST(gw_heap_free(h, b) == GW_E_INVALID_POINTER);
    std::memcpy(a + usable, saved, 16);  // repair: the heap is whole again
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    BOOST_TEST(gw_heap_free(h, a) == GW_OK);
    BOOST_TEST(gw_heap_free(h, b) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(huge_header_damage_is_noticed) {
    ScopedHeap h;
    auto* g = static_cast<unsigned char*>(gw_heap_alloc(h, 1 << 20));
    unsigned char saved[16];
    std::memcpy(saved, g - 16, 16);
    g[-16] ^= 0x10;
    BOOST_TEST(gw_heap_check(h) == GW_E_CORRUPT);
    BOOST_TEST(gw_heap_free(h, g) == GW_E_CORRUPT);
    std::memcpy(g - 16, saved, 16);
    BOOST_TEST(gw_heap_free(h, g) == GW_OK);
}

// A source that hands out chunks back to back from one buffer (4 KiB aligned, as the contract
// allows), so that a huge block ends where the next chunk's header begins, as mmap often
// places them. It records what it handed out and every chunk_free that names something else.
// The buffer is one whole radix L3 range: one that straddled two would make the heap take a
// second radix node in the middle of a test, between the chunks the test expects side by side
// (which is how this test failed under ASan, whose buffers land elsewhere). It is the first
// L3 range of an L2 node's (an address whose L2 index is 0), so that damage to the first bytes
// of the L2 node hits the entry in use every time, not only when the address falls there (a
// check that followed it crashed once in about 50 runs).
struct BackToBackSource {
    static constexpr std::size_t kBytes = std::size_t{1} << GW_RADIX_L2_SHIFT;
    unsigned char* base = map_at_l2_index_0(kBytes);
    std::size_t used = 0;
    std::set<std::pair<void*, std::size_t>> out;
    std::size_t foreign_frees = 0;

    // From the top of the 47-bit space down (where ASan's and TSan's application memory is),
    // the first address of an L1 range that is free.
    static unsigned char* map_at_l2_index_0(std::size_t bytes) {
        constexpr std::uintptr_t step = std::uintptr_t{1} << GW_RADIX_L1_SHIFT;
        for (std::uintptr_t a = (std::uintptr_t{1} << 47) - 2 * step; a >= step; a -= step) {
            void* want = reinterpret_cast<void*>(a);
            void* p = mmap(want, bytes, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
            if (p == want) return static_cast<unsigned char*>(p);
            if (p != MAP_FAILED) munmap(p, bytes);  // a kernel that took it as a hint only
        }
        return nullptr;
    }
    ~BackToBackSource() { munmap(base, kBytes); }
    static void* alloc(void* user, std::size_t bytes) {
        auto* self = static_cast<BackToBackSource*>(user);
        bytes = (bytes + 4095) / 4096 * 4096;
        if (!self->base || self->used + bytes > kBytes) return nullptr;
        void* p = self->base + self->used;
        self->used += bytes;
        self->out.insert({p, bytes});
        return p;
    }
    static void release(void* user, void* chunk, std::size_t bytes) {
        auto* self = static_cast<BackToBackSource*>(user);
        if (self->out.erase({chunk, bytes}) == 0) ++self->foreign_frees;
    }
    GwHeapConfig config() { return glimmer::test::source_config(this); }
};

// The seed's kind of bug, one block up: a write past the end of a huge block lands on the next
// chunk's header, whose first words say what memory to give back. Free, realloc, check and
// destroy must notice, and never hand the source an address or size it did not hand out.
BOOST_AUTO_TEST_CASE(an_overflow_into_the_next_huge_chunk_header_is_noticed_everywhere) {
    for (const std::size_t overflow : {8u, 16u, 24u, 64u}) {
        BOOST_TEST_CONTEXT("overflow of " << overflow << " bytes") {
            BackToBackSource source;
            GwHeapConfig config = source.config();
            GwHeap* h = gw_heap_create(&config);
            BOOST_REQUIRE(h != nullptr);
            auto* a = static_cast<unsigned char*>(gw_heap_alloc(h, 200000));
            auto* b = static_cast<unsigned char*>(gw_heap_alloc(h, 200000));
            auto* c = static_cast<unsigned char*>(gw_heap_alloc(h, 200000));
            BOOST_REQUIRE(a && b && c);
            unsigned char* end_of_b = b + gw_heap_usable_size(h, b);
            BOOST_REQUIRE(end_of_b == c - GW_HUGE_HDR);  // the layout this test is about
            std::memset(end_of_b, 0x41, overflow);

            BOOST_TEST(gw_heap_check(h) == GW_E_CORRUPT);
            BOOST_TEST(gw_heap_free(h, c) == GW_E_CORRUPT);
            BOOST_TEST(gw_heap_usable_size(h, c) == 0u);
            BOOST_TEST(gw_heap_realloc(h, c, 300000) == nullptr);
            BOOST_TEST(gw_heap_last_status(h) == GW_E_CORRUPT);
            BOOST_TEST(gw_heap_free(h, b) == GW_OK);  // the blocks around it are not harmed
            BOOST_TEST(gw_heap_free(h, a) == GW_OK);
            gw_heap_destroy(h);
            BOOST_TEST(source.foreign_frees == 0u);
            // Only c's chunk stays out: its header no longer says what it is.
            BOOST_TEST(source.out.size() == 1u);
        }
    }
}

// Radix nodes come from the chunk source too, and may sit right after a block: damage to an
// L2 node's first entries (as an overflow from that block would do it) must not make destroy
// hand the source the garbage it finds there as L3 nodes.
BOOST_AUTO_TEST_CASE(destroy_gives_back_no_radix_node_it_finds_damaged) {
    for (const std::size_t damage : {8u, 16u, 64u}) {
        BOOST_TEST_CONTEXT("damage of " << damage << " bytes") {
            BackToBackSource source;
            GwHeapConfig config = source.config();
            GwHeap* h = gw_heap_create(&config);
            BOOST_REQUIRE(h != nullptr);
            BOOST_REQUIRE(gw_heap_alloc(h, 100) != nullptr);
            void* l2 = nullptr;  // the first node the tree took is its L2 node
            for (const auto& [chunk, bytes] : source.out) {
                if (bytes == GW_RADIX_NODE_BYTES && (!l2 || chunk < l2)) l2 = chunk;
            }
            BOOST_REQUIRE(l2 != nullptr);
            std::memset(l2, 0x41, damage);
            BOOST_TEST(gw_heap_check(h) == GW_E_CORRUPT);
            gw_heap_destroy(h);
            BOOST_TEST(source.foreign_frees == 0u);
        }
    }
}

BOOST_AUTO_TEST_CASE(medium_blocks_split_and_coalesce_both_ways) {
    ScopedHeap h;
    const std::size_t n = 4000;
    void* guard = gw_heap_alloc(h, n);
    void* a = gw_heap_alloc(h, n);
    void* b = gw_heap_alloc(h, n);
    void* c = gw_heap_alloc(h, n);
    void* tail_guard = gw_heap_alloc(h, n);
    auto free_blocks = [&] { return glimmer::heap::verify(h.heap).free_medium_blocks; };
    const std::size_t base = free_blocks();  // the rest of the chunk
    BOOST_TEST(gw_heap_free(h, a) == GW_OK);
    BOOST_TEST(free_blocks() == base + 1);
    BOOST_TEST(gw_heap_free(h, c) == GW_OK);
    BOOST_TEST(free_blocks() == base + 2);
    BOOST_TEST(gw_heap_free(h, b) == GW_OK);  // joins a (backward) and c (forward)
    BOOST_TEST(free_blocks() == base + 1);
    void* big = gw_heap_alloc(h, 11000);  // rounds to the joined block's bin: lands where a was
    BOOST_TEST(big == a);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    gw_heap_free(h, big);
    gw_heap_free(h, guard);
    gw_heap_free(h, tail_guard);
    BOOST_TEST(free_blocks() == 1u);  // all one block again: the whole chunk
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

namespace {

// What an emptied heap may still hold: the record, radix nodes, the small reserve of spare page
// and medium chunks, and the chunk that holds the class's current page (a current page is kept
// even when empty).
constexpr std::size_t kSmallReserveFootprint =
    GW_HEAP_ALLOC_BYTES + 4 * GW_RADIX_NODE_BYTES + (2 * GW_RESERVE_CHUNKS + 1) * GW_CHUNK_BYTES;

void build(GwHeap* h, std::vector<void*>& live) {
    live.clear();
    for (int i = 0; i < 40000; ++i)
        live.push_back(gw_heap_alloc(h, 100));  // ~4.5 MiB
    for (int i = 0; i < 2000; ++i)
        live.push_back(gw_heap_alloc(h, 3000));  // ~6 MiB
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_heap_that_shrank_gives_its_chunks_back_one_that_refills_them_keeps_them) {
    ScopedHeap h;
    std::vector<void*> live;
    build(h, live);
    const std::set<std::uintptr_t> first_windows = windows_of(live);
    const GwHeapStats full = stats_of(h);
    BOOST_TEST(full.footprint_bytes > std::size_t{10} << 20);
    for (void* p : live)
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(stats_of(h).live_bytes == 0u);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    // no spare has been used again: everything beyond the small reserve went back at once
    BOOST_TEST(stats_of(h).footprint_bytes <= kSmallReserveFootprint);
    // the next build draws on the reserve (and on new chunks, sized from the peak: the peak may
    // move by a page or two), so from then on the heap keeps what it empties... (two builds
    // more: pages taken from BARE count 4 KiB at a time, the current pages left with a part not
    // counted yet count it when a rebuild reaches it, and the first rebuild runs on dormant
    // chunks of every size the heap had, which settle into the reserve's)
    for (int warm = 0; warm < 3; ++warm) {
        build(h, live);
        for (void* p : live)
            BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    }
    const GwHeapStats refilled = stats_of(h);
    BOOST_TEST(refilled.peak_footprint_bytes <= full.peak_footprint_bytes + GW_CHUNK_BYTES);
    BOOST_TEST(refilled.footprint_bytes > kSmallReserveFootprint);
    // ...and every rebuild after it runs on the chunks kept: the footprint never grows, the
    // contents stay right, and every spare is counted in the footprint
    for (int round = 0; round < 3; ++round) {
        build(h, live);
        for (void* p : live)
            glimmer::test::fill(p, 100);
        BOOST_TEST_REQUIRE(gw_heap_check(h) == GW_OK);
        for (void* p : live)
            BOOST_TEST_REQUIRE(glimmer::test::holds(p, p, 100));
        BOOST_TEST(stats_of(h).peak_footprint_bytes == refilled.peak_footprint_bytes);
        for (void* p : live)
            BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
        BOOST_TEST(stats_of(h).footprint_bytes == refilled.footprint_bytes);
        BOOST_TEST_REQUIRE(gw_heap_check(h) == GW_OK);
    }
    // gw_heap_trim gives every spare back at once
    const std::size_t before = stats_of(h).footprint_bytes;
    const std::size_t fell = gw_heap_trim(h);
    BOOST_TEST(fell > std::size_t{8} << 20);
    BOOST_TEST(stats_of(h).footprint_bytes == before - fell);
    BOOST_TEST(stats_of(h).footprint_bytes <= kSmallReserveFootprint);
    BOOST_TEST(gw_heap_trim(h) == 0u);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    // and the heap builds again on fresh chunks: dormant ones, with the default source, whose
    // pages are still there.  It now asks for bigger chunks (its peak grew) than most dormant
    // ones, made while it was small; it takes those anyway rather than map new memory.
    build(h, live);
    std::size_t new_windows = 0;
    for (std::uintptr_t window : windows_of(live))
        new_windows += first_windows.count(window) == 0 ? 1 : 0;
    BOOST_TEST(new_windows * 10 < first_windows.size());
    for (void* p : live)
        glimmer::test::fill(p, 100);
    for (void* p : live)
        BOOST_TEST_REQUIRE(glimmer::test::holds(p, p, 100));
    BOOST_TEST(stats_of(h).footprint_bytes <= full.footprint_bytes + 2 * GW_CHUNK_BYTES);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(spares_beyond_the_small_reserve_go_back_once_the_reserve_goes_unused) {
    ScopedHeap h;
    std::vector<void*> live;
    build(h, live);
    for (void* p : live)
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    build(h, live);  // draws on the reserve: the heap now keeps what empties
    void* pinned = gw_heap_alloc(h, 20000);  // a medium chunk that is not wholly free below
    BOOST_TEST_REQUIRE(pinned != nullptr);
    for (void* p : live)
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    const GwHeapStats emptied = stats_of(h);
    BOOST_TEST(emptied.footprint_bytes > kSmallReserveFootprint);  // the spares stayed
    // peak footprint >> GW_RESERVE_IDLE_SHIFT operations that draw on no spare (a class's
    // current page serves them)...
    const std::uint64_t idle = (emptied.peak_footprint_bytes >> GW_RESERVE_IDLE_SHIFT) + 2;
    for (std::uint64_t i = 0; i < idle; i += 2)
        BOOST_TEST_REQUIRE(gw_heap_free(h, gw_heap_alloc(h, 100)) == GW_OK);
    BOOST_TEST(stats_of(h).footprint_bytes == emptied.footprint_bytes);
    // ...then the next chunk to empty goes back, and every spare beyond the small reserve
    BOOST_TEST_REQUIRE(gw_heap_free(h, pinned) == GW_OK);
    BOOST_TEST(stats_of(h).footprint_bytes <= kSmallReserveFootprint);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

namespace {

// A chunk source that never unmaps: chunks given back keep their contents and are handed out
// again (same size, last in first out), so a stale view of a released chunk would show.
struct RecyclingSource {
    struct Chunk {
        void* p;
        std::size_t bytes;
    };
    std::vector<Chunk> given_back, owned;
    static void* alloc(void* user, std::size_t bytes) {
        auto* self = static_cast<RecyclingSource*>(user);
        for (auto it = self->given_back.rbegin(); it != self->given_back.rend(); ++it) {
            if (it->bytes == bytes) {
                void* p = it->p;
                self->given_back.erase(std::next(it).base());
                return p;
            }
        }
        void* p = std::aligned_alloc(GW_PAGE_BYTES,
                                     (bytes + GW_PAGE_BYTES - 1) / GW_PAGE_BYTES * GW_PAGE_BYTES);
        if (p) self->owned.push_back({p, bytes});
        return p;
    }
    static void release(void* user, void* p, std::size_t bytes) {
        static_cast<RecyclingSource*>(user)->given_back.push_back({p, bytes});
    }
    bool was_given_back(const void* q) const {
        const auto a = reinterpret_cast<std::uintptr_t>(q);
        return std::any_of(given_back.begin(), given_back.end(), [&](const Chunk& c) {
            const auto start = reinterpret_cast<std::uintptr_t>(c.p);
            return a >= start && a < start + c.bytes;
        });
    }
    ~RecyclingSource() {
        for (const Chunk& c : owned)
            std::free(c.p);
    }
};

}  // namespace

BOOST_AUTO_TEST_CASE(pointers_into_chunks_given_back_are_refused_even_when_free_saw_them_last) {
    RecyclingSource source;  // outlives the heap
    GwHeapConfig config{0, &RecyclingSource::alloc, &RecyclingSource::release, &source, nullptr};
    ScopedHeap h(&config);
    // 10 page chunks of 64-byte blocks; freeing them all and trimming gives the chunks beyond
    // the reserve back right after free looked their windows up (free's radix cache holds them)
    std::vector<void*> blocks;
    for (int i = 0; i < 10 * 8 * 500; ++i)
        blocks.push_back(gw_heap_alloc(h, 64));
    for (void* p : blocks)
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(gw_heap_trim(h) > 0u);  // what the small reserve does not hold goes back now
    std::size_t refused = 0;
    for (void* p : blocks) {
        const int expected = source.was_given_back(p) ? GW_E_INVALID_POINTER : GW_E_DOUBLE_FREE;
        refused += expected == GW_E_INVALID_POINTER;
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == expected);
    }
    BOOST_TEST(refused > 0u);
    BOOST_TEST_REQUIRE(gw_heap_check(h) == GW_OK);
    // the chunks come back as medium chunks full of 0xFF bytes (every "bitmap bit" set): the
    // old small pointers now point into medium blocks and are still refused, nothing changes
    std::vector<void*> medium;
    for (int i = 0; i < 10 * 64; ++i) {
        void* p = gw_heap_alloc(h, 4000);
        std::memset(p, 0xFF, 4000);
        medium.push_back(p);
    }
    const GwHeapStats before = stats_of(h);
    for (void* p : blocks) {
        if (std::find(medium.begin(), medium.end(), p) != medium.end()) continue;  // live again
        const int status = gw_heap_free(h, p);
        BOOST_TEST_REQUIRE((status == GW_E_INVALID_POINTER || status == GW_E_DOUBLE_FREE),
                           "status " << status);
    }
    BOOST_TEST(same_stats(before, stats_of(h)));
    BOOST_TEST_REQUIRE(gw_heap_check(h) == GW_OK);
    for (void* p : medium)
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
}

BOOST_AUTO_TEST_CASE(chunks_grow_with_the_heap) {
    // the first page chunk has GW_CHUNK_MIN_PAGES pages, once the heap is big every new chunk
    // is GW_CHUNK_BYTES; either way the footprint grows 4 KiB at a time (the pages of a chunk
    // not in use yet are BARE, and a page taken from there counts 4 KiB at a time), plus now
    // and then a radix node
    ScopedHeap h;
    const std::size_t empty = stats_of(h).footprint_bytes;
    std::vector<void*> live{gw_heap_alloc(h, 64)};
    const std::size_t first = stats_of(h).footprint_bytes - empty;
    BOOST_TEST(first >= std::size_t{GW_PAGE_BYTES});
    // plus the radix nodes it needs: one L2 and one L3 node, two of each when mmap placed it
    // across a 64 MiB (L3) or 128 GiB (L2) boundary (it did once in CI: 3 nodes)
    BOOST_TEST(first <= std::size_t{GW_PAGE_BYTES} + 4 * GW_RADIX_NODE_BYTES);
    std::size_t before = stats_of(h).footprint_bytes, step = 0;
    const std::size_t target = std::size_t{24} << 20;
    while (stats_of(h).footprint_bytes < target) {
        live.push_back(gw_heap_alloc(h, 64));
        BOOST_TEST_REQUIRE(live.back() != nullptr);
        const std::size_t now = stats_of(h).footprint_bytes;
        if (now != before) step = now - before;
        BOOST_TEST_REQUIRE(now - before <= std::size_t{GW_PAGE_BYTES} + 2 * GW_RADIX_NODE_BYTES);
        before = now;
    }
    BOOST_TEST(step >= std::size_t{4096});
    // chunks of GW_CHUNK_MIN_PAGES pages all the way would be target / 128 KiB of them
    const auto report = glimmer::heap::verify(h);
    BOOST_TEST(report.page_chunks * 4 <
               3 * (target / (std::size_t{GW_CHUNK_MIN_PAGES} * GW_PAGE_BYTES)));
    BOOST_TEST(report.page_chunks * GW_CHUNK_BYTES >= target);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    for (void* p : live)
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
}

BOOST_AUTO_TEST_CASE(the_reserve_is_given_back_before_a_new_peak) {
    // free everything: wholly free chunks stay in reserve; a block that would take the heap
    // past its peak makes it give them back first, so the new peak holds no reserve
    ScopedHeap h;
    std::vector<void*> live;
    for (int i = 0; i < 60000; ++i)
        live.push_back(gw_heap_alloc(h, 64));  // ~3.7 MiB of page chunks
    for (int i = 0; i < 600; ++i)
        live.push_back(gw_heap_alloc(h, 3000));  // ~1.8 MiB of medium chunks
    for (void* p : live)
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    const GwHeapStats freed = stats_of(h);
    const GwHeap* raw = h.heap;
    BOOST_TEST_REQUIRE(raw->empty_page_chunks > 0u);
    BOOST_TEST_REQUIRE(raw->empty_medium_chunks > 0u);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    // below the peak the reserve stays
    void* small = gw_heap_alloc(h, 200000);
    BOOST_TEST_REQUIRE(small != nullptr);
    BOOST_TEST(raw->empty_page_chunks + raw->empty_medium_chunks > 0u);
    BOOST_TEST(stats_of(h).peak_footprint_bytes == freed.peak_footprint_bytes);
    BOOST_TEST(gw_heap_free(h, small) == GW_OK);
    // past the footprint ceiling (the peak and its slack) it goes, all but what fits under it
    const std::size_t spares = raw->empty_page_chunks + raw->empty_medium_chunks;
    const std::size_t slack = freed.peak_footprint_bytes >> GW_PEAK_SLACK_SHIFT;
    const std::size_t big = freed.peak_footprint_bytes;
    void* p = gw_heap_alloc(h, big);
    BOOST_TEST_REQUIRE(p != nullptr);
    BOOST_TEST(raw->empty_page_chunks + raw->empty_medium_chunks < spares);
    BOOST_TEST(raw->empty_page_chunks * std::size_t{GW_CHUNK_BYTES} <= slack);
    const GwHeapStats after = stats_of(h);
    BOOST_TEST(after.peak_footprint_bytes == after.footprint_bytes);
    BOOST_TEST(after.footprint_bytes <= freed.peak_footprint_bytes + slack);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    BOOST_TEST(gw_heap_free(h, p) == GW_OK);
}

BOOST_AUTO_TEST_SUITE_END()
