// tests/asm/quick_test.cpp - quick lists (deferred coalescing of medium blocks): a freed block
// of a quick size is parked, found again by an alloc of its size, still a double free when
// freed again, treated as in use by its neighbours and by realloc, known to gw_heap_check, and
// coalesced by gw_heap_trim and before the heap would grow.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "test_support.hpp"

using glimmer::test::fill;
using glimmer::test::holds;
using glimmer::test::ScopedHeap;
using glimmer::test::stats_of;

namespace {

// The heap parks at most footprint >> GW_QUICK_BYTES_SHIFT bytes: an untouched huge block
// (mapped, never written) gives a test heap room to park what it frees.
struct ParkingHeap : ScopedHeap {
    explicit ParkingHeap(std::size_t ballast = std::size_t{16} << 20,
                         const GwHeapConfig* config = nullptr)
        : ScopedHeap(config), ballast(gw_heap_alloc(heap, ballast)) {}
    void* ballast;
};

glimmer::heap::VerifyReport report(const GwHeap* h) {
    return glimmer::heap::verify(h);
}

std::size_t parked(const GwHeap* h) {
    return report(h).quick_blocks;
}

constexpr std::size_t kQuick = 1496;                     // a block of 1520 bytes: a quick size

}  // namespace

BOOST_AUTO_TEST_SUITE(asm_quick)

BOOST_AUTO_TEST_CASE(a_freed_block_is_parked_and_handed_out_again_for_its_size) {
    ParkingHeap h;
    BOOST_TEST_REQUIRE(h.ballast != nullptr);
    void* a = gw_heap_alloc(h, kQuick);
    void* guard = gw_heap_alloc(h, kQuick);
    const GwHeapStats before = stats_of(h);
    BOOST_TEST(gw_heap_free(h, a) == GW_OK);
    BOOST_TEST(parked(h) == 1u);
    const GwHeapStats after = stats_of(h);
    BOOST_TEST(after.live_bytes == before.live_bytes - gw_heap_usable_size(h, guard));
    BOOST_TEST(after.free_count == before.free_count + 1);
    BOOST_TEST(after.footprint_bytes == before.footprint_bytes);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    void* other = gw_heap_alloc(h, kQuick + 100);  // another size: not the parked block
    BOOST_TEST(other != a);
    BOOST_TEST(gw_heap_alloc(h, kQuick + 8) == a);  // the same block size: the parked block
    BOOST_TEST(parked(h) == 0u);
    BOOST_TEST(gw_heap_usable_size(h, a) == gw_heap_usable_size(h, guard));
    BOOST_TEST(stats_of(h).live_bytes == before.live_bytes + gw_heap_usable_size(h, other));
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(freeing_a_parked_block_again_is_a_double_free) {
    ParkingHeap h;
    void* a = gw_heap_alloc(h, kQuick);
    gw_heap_alloc(h, kQuick);
    BOOST_TEST_REQUIRE(gw_heap_free(h, a) == GW_OK);
    BOOST_TEST_REQUIRE(parked(h) == 1u);
    const GwHeapStats before = stats_of(h);
    BOOST_TEST(gw_heap_free(h, a) == GW_E_DOUBLE_FREE);
    BOOST_TEST(gw_heap_free_sized(h, a, kQuick) == GW_E_DOUBLE_FREE);
    BOOST_TEST(gw_heap_usable_size(h, a) == 0u);
    BOOST_TEST(gw_heap_realloc(h, a, 2 * kQuick) == nullptr);
    BOOST_TEST(gw_heap_last_status(h) == GW_E_DOUBLE_FREE);
    const GwHeapStats after = stats_of(h);
    BOOST_TEST(after.live_bytes == before.live_bytes);
    BOOST_TEST(after.free_count == before.free_count);
    BOOST_TEST(parked(h) == 1u);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    gw_heap_trim(h);  // coalesced now: a second free is still a double free
    BOOST_TEST(parked(h) == 0u);
    BOOST_TEST(gw_heap_free(h, a) == GW_E_DOUBLE_FREE);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(neighbours_treat_a_parked_block_as_in_use_until_it_is_coalesced) {
    // No ballast: the heap's few hundred KiB let it park q (1.5 KiB) but not x or y (40 KiB
    // each, over footprint >> GW_QUICK_BYTES_SHIFT), which are coalesced at once.
    ScopedHeap h;
    constexpr std::size_t kBig = 40000;
    auto* x = static_cast<unsigned char*>(gw_heap_alloc(h, kBig));
    auto* q = static_cast<unsigned char*>(gw_heap_alloc(h, kQuick));
    auto* y = static_cast<unsigned char*>(gw_heap_alloc(h, kBig));
    gw_heap_alloc(h, kBig);  // y's tail stays apart from the free space behind it
    BOOST_TEST_REQUIRE(kBig + GW_MEDIUM_HDR > stats_of(h).footprint_bytes >> GW_QUICK_BYTES_SHIFT);
    BOOST_TEST_REQUIRE(q == x + gw_heap_usable_size(h, x) + GW_MEDIUM_HDR);
    BOOST_TEST_REQUIRE(y == q + gw_heap_usable_size(h, q) + GW_MEDIUM_HDR);
    const std::size_t free_blocks = report(h).free_medium_blocks;
    BOOST_TEST(gw_heap_free(h, q) == GW_OK);
    BOOST_TEST(gw_heap_free(h, x) == GW_OK);  // coalesced at once, but not with q
    BOOST_TEST(gw_heap_free(h, y) == GW_OK);
    auto r = report(h);
    BOOST_TEST(r.ok(), r.to_string());
    BOOST_TEST(r.quick_blocks == 1u);
    BOOST_TEST(r.free_medium_blocks == free_blocks + 2);
    gw_heap_trim(h);  // q coalesces with both
    r = report(h);
    BOOST_TEST(r.ok(), r.to_string());
    BOOST_TEST(r.quick_blocks == 0u);
    BOOST_TEST(r.free_medium_blocks == free_blocks + 1);
    BOOST_TEST(gw_heap_free(h, q) == GW_E_DOUBLE_FREE);
    // x, q and y are one free block now: a request of all three takes x's place
    BOOST_TEST(gw_heap_alloc(h, 2 * kBig + kQuick) == x);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(realloc_grows_into_a_parked_next_block_first_on_its_list) {
    ParkingHeap h;
    auto* a = static_cast<unsigned char*>(gw_heap_alloc(h, 1200));
    auto* b = static_cast<unsigned char*>(gw_heap_alloc(h, 1200));
    void* guard = gw_heap_alloc(h, 1200);
    BOOST_TEST_REQUIRE(b == a + gw_heap_usable_size(h, a) + GW_MEDIUM_HDR);
    fill(a, 1200);
    BOOST_TEST_REQUIRE(gw_heap_free(h, b) == GW_OK);
    BOOST_TEST_REQUIRE(parked(h) == 1u);
    const std::size_t live = stats_of(h).live_bytes;
    const std::size_t old_usable = gw_heap_usable_size(h, a);
    BOOST_TEST(gw_heap_realloc(h, a, 2000) == a);  // in place: b is taken off its list
    BOOST_TEST(holds(a, a, 1200));
    BOOST_TEST(gw_heap_usable_size(h, a) >= 2000u);
    BOOST_TEST(stats_of(h).live_bytes == live + gw_heap_usable_size(h, a) - old_usable);
    BOOST_TEST(parked(h) == 0u);
    BOOST_TEST(gw_heap_free(h, b) == GW_E_DOUBLE_FREE);  // its old header, inside a now
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    BOOST_TEST(gw_heap_free(h, a) == GW_OK);
    BOOST_TEST(gw_heap_free(h, guard) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(realloc_next_to_a_parked_block_that_is_not_first_moves) {
    ParkingHeap h;
    auto* a = static_cast<unsigned char*>(gw_heap_alloc(h, 1200));
    auto* b = static_cast<unsigned char*>(gw_heap_alloc(h, 1200));
    gw_heap_alloc(h, 1200);
    void* c = gw_heap_alloc(h, 1200);
    gw_heap_alloc(h, 1200);
    fill(a, 1200);
    BOOST_TEST_REQUIRE(gw_heap_free(h, b) == GW_OK);
    BOOST_TEST_REQUIRE(gw_heap_free(h, c) == GW_OK);  // c is first on the list, b second
    BOOST_TEST_REQUIRE(parked(h) == 2u);
    void* moved = gw_heap_realloc(h, a, 2000);
    BOOST_TEST_REQUIRE(moved != nullptr);
    BOOST_TEST(moved != static_cast<void*>(a));
    BOOST_TEST(holds(moved, a, 1200));
    BOOST_TEST(gw_heap_free(h, b) == GW_E_DOUBLE_FREE);
    BOOST_TEST(gw_heap_free(h, a) == GW_E_DOUBLE_FREE);  // freed by the move
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

namespace {
int count_visit(void* user, void*, std::size_t) {
    ++*static_cast<std::size_t*>(user);
    return 0;
}
}  // namespace

BOOST_AUTO_TEST_CASE(check_and_walk_know_parked_blocks) {
    ParkingHeap h;
    std::vector<void*> blocks;
    for (int i = 0; i < 20; ++i)
        blocks.push_back(gw_heap_alloc(h, GW_SMALL_MAX + 1 + 50 * i));
    for (int i = 0; i < 20; i += 2)
        BOOST_TEST_REQUIRE(gw_heap_free(h, blocks[i]) == GW_OK);
    const auto r = report(h);
    BOOST_TEST(r.ok(), r.to_string());
    BOOST_TEST(r.quick_blocks == 10u);
    BOOST_TEST(r.live_blocks == 11u);  // ten and the ballast
    BOOST_TEST(r.live_bytes == stats_of(h).live_bytes);
    BOOST_TEST(r.to_string().find("10 quick blocks") != std::string::npos, r.to_string());
    std::size_t visited = 0;
    gw_heap_walk(h, count_visit, &visited);
    BOOST_TEST(visited == 11u);
    gw_heap_trim(h);
    BOOST_TEST(parked(h) == 0u);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(a_damaged_parked_header_is_found_and_never_handed_out) {
    ParkingHeap h;
    auto* a = static_cast<unsigned char*>(gw_heap_alloc(h, kQuick));
    auto* q = static_cast<unsigned char*>(gw_heap_alloc(h, kQuick));
    gw_heap_alloc(h, kQuick);
    BOOST_TEST_REQUIRE(q == a + gw_heap_usable_size(h, a) + GW_MEDIUM_HDR);
    BOOST_TEST_REQUIRE(gw_heap_free(h, q) == GW_OK);
    unsigned char saved[GW_MEDIUM_HDR];
    std::memcpy(saved, q - GW_MEDIUM_HDR, sizeof saved);
    q[-GW_MEDIUM_HDR] ^= 0x40;  // an overflow from a into q's size word
    const auto r = report(h);
    BOOST_TEST(r.status == GW_E_CORRUPT);
    BOOST_TEST(r.to_string().find("check word") != std::string::npos, r.to_string());
    void* other = gw_heap_alloc(h, kQuick);  // not q: its header cannot be trusted
    BOOST_TEST(other != static_cast<void*>(q));
    BOOST_TEST(gw_heap_free(h, a) == GW_E_CORRUPT);       // a's next header is damaged: a stays
    gw_heap_trim(h);                                      // q stays parked, nothing is lost
    std::memcpy(q - GW_MEDIUM_HDR, saved, sizeof saved);  // repaired: whole again
    BOOST_TEST(parked(h) == 1u);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    BOOST_TEST(gw_heap_free(h, a) == GW_OK);
    BOOST_TEST(gw_heap_free(h, other) == GW_OK);
    gw_heap_trim(h);
    BOOST_TEST(parked(h) == 0u);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(trim_coalesces_parked_blocks_and_gives_their_chunks_back) {
    ParkingHeap h;
    std::vector<void*> blocks;
    for (int i = 0; i < 200; ++i)
        blocks.push_back(gw_heap_alloc(h, GW_SMALL_MAX + 1 + 5 * i));
    BOOST_TEST_REQUIRE(report(h).medium_chunks >= 1u);
    for (void* p : blocks)
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(parked(h) > 0u);
    const std::size_t footprint = stats_of(h).footprint_bytes;
    BOOST_TEST(gw_heap_trim(h) > 0u);
    const auto r = report(h);
    BOOST_TEST(r.ok(), r.to_string());
    BOOST_TEST(r.quick_blocks == 0u);
    BOOST_TEST(r.medium_chunks == 0u);  // every medium chunk was wholly free: given back
    BOOST_TEST(stats_of(h).footprint_bytes < footprint);
}

BOOST_AUTO_TEST_CASE(parking_is_bounded_in_blocks_and_bytes) {
    for (const std::size_t ballast : {std::size_t{1} << 20, std::size_t{128} << 20}) {
        ParkingHeap h(ballast);
        std::vector<void*> blocks;
        for (int i = 0; i < 3 * GW_QUICK_LIMIT; ++i)
            blocks.push_back(gw_heap_alloc(h, GW_SMALL_MAX + 1));
        for (void* p : blocks)
            BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
        const auto r = report(h);
        BOOST_TEST(r.ok(), r.to_string());
        BOOST_TEST(r.quick_blocks > 0u);
        BOOST_TEST(r.quick_blocks <= std::size_t{GW_QUICK_LIMIT});
        BOOST_TEST(r.quick_blocks * GW_QUICK_MIN_BLOCK <= stats_of(h).peak_footprint_bytes >>
                   GW_QUICK_BYTES_SHIFT);
        if (ballast > (std::size_t{64} << 20)) {
            BOOST_TEST(r.quick_blocks == std::size_t{GW_QUICK_LIMIT});  // the count binds
        } else {
            BOOST_TEST(r.quick_blocks < std::size_t{GW_QUICK_LIMIT});  // the bytes bind
        }
    }
}

BOOST_AUTO_TEST_CASE(parked_blocks_coalesce_before_the_heap_would_grow) {
    // The same steps twice: the second heap's limit leaves no room for another chunk, so the
    // large request can only be served from the parked blocks, coalesced.  (Both heaps have a
    // limit: a heap without one counts free medium space differently, BARE.)
    std::size_t limit = std::size_t{1} << 30;
    for (int run = 0; run < 2; ++run) {
        GwHeapConfig config{};
        config.memory_limit = limit;
        ParkingHeap h(std::size_t{64} << 20, &config);  // room to park all 150 blocks
        BOOST_TEST_REQUIRE(h.ballast != nullptr);
        std::vector<void*> blocks;  // 223 KiB of a 256 KiB chunk: less than 33 KiB behind them
        for (int i = 0; i < 150; ++i)
            blocks.push_back(gw_heap_alloc(h, kQuick));
        BOOST_TEST_REQUIRE(blocks.back() != nullptr);
        if (run == 0) limit = stats_of(h).footprint_bytes + 8192;
        for (void* p : blocks)
            BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
        BOOST_TEST(parked(h) == blocks.size());
        void* large = gw_heap_alloc(h, 60 * kQuick);
        BOOST_TEST(large != nullptr);
        BOOST_TEST(parked(h) == 0u);
        BOOST_TEST(stats_of(h).footprint_bytes <= limit);
        BOOST_TEST(gw_heap_check(h) == GW_OK);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(asm_quick_stress)

// Random alloc / realloc / free of 16..4096 bytes on a heap that parks, with every block's
// content checked before it goes and the whole heap checked every few thousand operations:
// parking, popping, flushing (trim, growth) and in-place growth interleaved.
BOOST_AUTO_TEST_CASE(random_traffic_with_parking_stays_consistent) {
    ParkingHeap h;
    struct Slot {
        void* p = nullptr;
        void* origin = nullptr;  // the pointer fill() was called with
        std::size_t n = 0;
    };
    std::vector<Slot> slots(3000);
    std::uint64_t s = 0x9E3779B97F4A7C15ULL;
    const auto next = [&s] {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return s;
    };
    std::size_t live = 0, most_parked = 0;
    for (int op = 0; op < 600000; ++op) {
        const std::uint64_t r = next();
        Slot& slot = slots[r % slots.size()];
        const std::size_t n = 16 + (r >> 20) % 4081;
        if (slot.p == nullptr) {
            slot.p = gw_heap_alloc(h, n);
            BOOST_TEST_REQUIRE(slot.p != nullptr);
            fill(slot.p, n);
            slot.origin = slot.p;
            slot.n = n;
            ++live;
        } else if ((r >> 40) % 4 == 0) {
            void* q = gw_heap_realloc(h, slot.p, n);
            BOOST_TEST_REQUIRE(q != nullptr);
            BOOST_TEST_REQUIRE(holds(q, slot.origin, std::min(n, slot.n)));
            fill(q, n);
            slot = {q, q, n};
        } else {
            BOOST_TEST_REQUIRE(holds(slot.p, slot.origin, slot.n));
            BOOST_TEST_REQUIRE(gw_heap_free(h, slot.p) == GW_OK);
            BOOST_TEST_REQUIRE(gw_heap_free(h, slot.p) == GW_E_DOUBLE_FREE);
            slot = {};
            --live;
        }
        if (op % 5000 == 4999) {
            const auto rep = report(h);
            BOOST_TEST_REQUIRE(rep.ok(), rep.to_string());
            BOOST_TEST_REQUIRE(rep.live_blocks == live + 1);  // and the ballast
            most_parked = std::max(most_parked, rep.quick_blocks);
            if (op % 20000 == 19999) gw_heap_trim(h);
        }
    }
    BOOST_TEST(most_parked > 0u);
    for (Slot& slot : slots) {
        if (slot.p) BOOST_TEST_REQUIRE(gw_heap_free(h, slot.p) == GW_OK);
    }
    gw_heap_trim(h);
    const auto rep = report(h);
    BOOST_TEST(rep.ok(), rep.to_string());
    BOOST_TEST(rep.quick_blocks == 0u);
    BOOST_TEST(rep.medium_chunks == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
