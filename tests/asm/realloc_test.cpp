// tests/asm/realloc_test.cpp - realloc.S: in-place and moving resizes keep content; shrinks
// never fail; foreign pointers change nothing.
#include <boost/test/unit_test.hpp>

#include <vector>

#include "test_support.hpp"

using glimmer::test::fill;
using glimmer::test::holds;
using glimmer::test::ScopedHeap;

BOOST_AUTO_TEST_SUITE(asm_realloc)

BOOST_AUTO_TEST_CASE(null_pointer_allocates) {
    ScopedHeap h;
    void* p = gw_heap_realloc(h, nullptr, 100);
    BOOST_TEST(p != nullptr);
    BOOST_TEST(gw_heap_usable_size(h, p) >= 100u);
    BOOST_TEST(gw_heap_free(h, p) == GW_OK);
}

BOOST_AUTO_TEST_CASE(medium_shrink_stays_in_place_and_gives_the_tail_back) {
    ScopedHeap h;
    void* p = gw_heap_alloc(h, 20000);
    fill(p, 20000);
    void* q = gw_heap_realloc(h, p, 3000);
    BOOST_TEST(q == p);
    BOOST_TEST(holds(q, p, 3000));
    BOOST_TEST(gw_heap_usable_size(h, q) < 3100u);
    GwHeapStats s{};
    gw_heap_stats(h, &s);
    BOOST_TEST(s.live_bytes == gw_heap_usable_size(h, q));
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(medium_grows_in_place_into_a_free_neighbour) {
    ScopedHeap h;
    void* a = gw_heap_alloc(h, 2000);
    void* b = gw_heap_alloc(h, 2000);
    void* c = gw_heap_alloc(h, 2000);
    fill(a, 2000);
    BOOST_TEST(gw_heap_free(h, b) == GW_OK);
    void* a2 = gw_heap_realloc(h, a, 3500);
    BOOST_TEST(a2 == a);
    BOOST_TEST(holds(a2, a, 2000));
    BOOST_TEST(gw_heap_usable_size(h, a2) >= 3500u);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    // the neighbour is too small now: it moves, content intact
    void* a3 = gw_heap_realloc(h, a2, 9000);
    BOOST_TEST(a3 != nullptr);
    BOOST_TEST(holds(a3, a, 2000));
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    gw_heap_free(h, a3);
    gw_heap_free(h, c);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(every_resize_path_keeps_content) {
    ScopedHeap h;
    const std::size_t sizes[] = {1,    15,    16,     17,     100,    256,     257,    2000,
                                 5000, 65536, 131000, 131100, 262200, 1000000, 3000000};
    for (std::size_t from : sizes) {
        for (std::size_t to : sizes) {
            void* p = gw_heap_alloc(h, from);
            BOOST_TEST_REQUIRE(p != nullptr);
            fill(p, from);
            void* q = gw_heap_realloc(h, p, to);
            BOOST_TEST_REQUIRE(q != nullptr, from << " -> " << to);
            BOOST_TEST_REQUIRE(gw_heap_usable_size(h, q) >= to);
            BOOST_TEST_REQUIRE(holds(q, p, std::min(from, to)), from << " -> " << to);
            BOOST_TEST_REQUIRE(gw_heap_free(h, q) == GW_OK);
        }
    }
    GwHeapStats s{};
    gw_heap_stats(h, &s);
    BOOST_TEST(s.live_bytes == 0u);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(shrink_never_fails_even_when_nothing_can_be_allocated) {
    ScopedHeap h;
    void* small = gw_heap_alloc(h, 400);
    void* medium = gw_heap_alloc(h, 50000);
    void* huge = gw_heap_alloc(h, 4 << 20);
    fill(small, 400);
    fill(medium, 50000);
    fill(huge, 1000);
    gw_heap_fail_after(h, 1);  // the next allocation fails
    BOOST_TEST(gw_heap_realloc(h, small, 10) != nullptr);
    gw_heap_fail_after(h, 1);
    void* m2 = gw_heap_realloc(h, medium, 100);
    BOOST_TEST(m2 == medium);
    gw_heap_fail_after(h, 1);
    void* h2 = gw_heap_realloc(h, huge, 1000);
    BOOST_TEST(h2 != nullptr);
    BOOST_TEST(holds(h2, huge, 1000));
    gw_heap_fail_after(h, 0);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(small_shrinks_move_only_to_a_smaller_class) {
    ScopedHeap h;
    void* tiny = gw_heap_alloc(h, 16);
    BOOST_TEST(gw_heap_realloc(h, tiny, 3) == tiny);  // already the smallest class
    void* p = gw_heap_alloc(h, 200);
    fill(p, 200);
    BOOST_TEST(gw_heap_realloc(h, p, 150) == p);  // more than half: stays
    void* q = gw_heap_realloc(h, p, 40);          // at most half: moves to the 48-byte class
    BOOST_TEST(q != p);
    BOOST_TEST(gw_heap_usable_size(h, q) == 48u);
    BOOST_TEST(holds(q, p, 40));
    BOOST_TEST(gw_heap_free(h, q) == GW_OK);
    BOOST_TEST(gw_heap_free(h, tiny) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(a_failed_grow_leaves_the_old_block_valid) {
    ScopedHeap h;
    void* p = gw_heap_alloc(h, 100);
    fill(p, 100);
    gw_heap_fail_after(h, 1);
    BOOST_TEST(gw_heap_realloc(h, p, 100000) == nullptr);
    BOOST_TEST(gw_heap_last_status(h) == GW_E_NOMEM);
    BOOST_TEST(holds(p, p, 100));
    BOOST_TEST(gw_heap_usable_size(h, p) >= 100u);
    BOOST_TEST(gw_heap_free(h, p) == GW_OK);
}

BOOST_AUTO_TEST_CASE(realloc_of_a_freed_block_is_a_double_free) {
    ScopedHeap h;
    void* keep = gw_heap_alloc(h, 64);
    void* p = gw_heap_alloc(h, 64);
    gw_heap_free(h, p);
    BOOST_TEST(gw_heap_realloc(h, p, 10) == nullptr);
    BOOST_TEST(gw_heap_last_status(h) == GW_E_DOUBLE_FREE);
    gw_heap_free(h, keep);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

// Small -> small through realloc's fast path (the page's window is in free's radix cache once
// something in it was freed): every pair of sizes keeps content, usable size and statistics.
BOOST_AUTO_TEST_CASE(small_to_small_fast_path_keeps_content_and_counts) {
    ScopedHeap h;
    void* warm = gw_heap_alloc(h, 8);
    BOOST_TEST(gw_heap_free(h, warm) == GW_OK);  // every page below has had a free looked up
    for (std::size_t from = 1; from <= GW_SMALL_MAX; from += 7) {
        for (std::size_t to = 0; to <= GW_SMALL_MAX; to += 13) {
            void* p = gw_heap_alloc(h, from);
            BOOST_TEST_REQUIRE(p != nullptr);
            void* other = gw_heap_alloc(h, from);  // the same page: freeing it warms the cache
            BOOST_TEST_REQUIRE(gw_heap_free(h, other) == GW_OK);
            fill(p, from);
            GwHeapStats before{};
            gw_heap_stats(h, &before);
            const std::size_t usable = gw_heap_usable_size(h, p);
            void* q = gw_heap_realloc(h, p, to);
            BOOST_TEST_REQUIRE(q != nullptr, from << " -> " << to);
            BOOST_TEST_REQUIRE(holds(q, p, std::min(from, to)), from << " -> " << to);
            const bool stays = to <= usable && (to > usable / 2 || usable <= GW_ALIGN);
            BOOST_TEST_REQUIRE((q == p) == stays, from << " -> " << to);
            BOOST_TEST_REQUIRE(gw_heap_usable_size(h, q) >= std::max<std::size_t>(to, 1));
            GwHeapStats after{};
            gw_heap_stats(h, &after);
            BOOST_TEST_REQUIRE(after.alloc_count == before.alloc_count + (stays ? 0 : 1));
            BOOST_TEST_REQUIRE(after.free_count == before.free_count + (stays ? 0 : 1));
            BOOST_TEST_REQUIRE(after.live_bytes ==
                               before.live_bytes - usable + gw_heap_usable_size(h, q));
            if (!stays) {  // the old slot is free: a second free of it is a double free
                BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_E_DOUBLE_FREE);
            }
            BOOST_TEST_REQUIRE(gw_heap_free(h, q) == GW_OK);
        }
    }
    GwHeapStats s{};
    gw_heap_stats(h, &s);
    BOOST_TEST(s.live_bytes == 0u);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_CASE(a_failed_small_grow_leaves_the_old_block_valid) {
    ScopedHeap h;
    void* p = gw_heap_alloc(h, 40);
    void* other = gw_heap_alloc(h, 40);
    BOOST_TEST(gw_heap_free(h, other) == GW_OK);  // p's window is in free's cache
    fill(p, 40);
    gw_heap_fail_after(h, 1);
    BOOST_TEST(gw_heap_realloc(h, p, 200) == nullptr);
    BOOST_TEST(gw_heap_last_status(h) == GW_E_NOMEM);
    BOOST_TEST(holds(p, p, 40));
    void* q = gw_heap_realloc(h, p, 200);  // the hook fired once: this one moves
    BOOST_TEST(q != nullptr);
    BOOST_TEST(holds(q, p, 40));
    BOOST_TEST(gw_heap_free(h, q) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

// A small grow gives the old slot back as free does, page events included: its page FULL
// (it becomes AVAIL) or left empty while not current (it goes back to the pool).
BOOST_AUTO_TEST_CASE(small_grow_releases_the_old_slot_from_full_and_emptied_pages) {
    ScopedHeap h;
    const auto window = [](void* p) { return reinterpret_cast<std::uintptr_t>(p) >> 15; };
    std::vector<void*> first;  // the 48-byte blocks of the first page
    first.push_back(gw_heap_alloc(h, 48));
    void* again = gw_heap_alloc(h, 48);
    BOOST_TEST_REQUIRE(gw_heap_free(h, again) == GW_OK);  // free's cache knows the page now
    BOOST_TEST_REQUIRE(gw_heap_alloc(h, 48) == again);    // and it is still current
    first.push_back(again);
    void* next = nullptr;
    for (;;) {  // fill it: the allocation that lands elsewhere left it FULL
        void* p = gw_heap_alloc(h, 48);
        BOOST_TEST_REQUIRE(p != nullptr);
        if (window(p) != window(first.front())) {
            next = p;
            break;
        }
        first.push_back(p);
    }
    BOOST_TEST(glimmer::heap::verify(h.heap).ok());
    fill(first[0], 48);
    void* moved = gw_heap_realloc(h, first[0], 200);  // from the FULL page: it becomes AVAIL
    BOOST_TEST_REQUIRE(moved != nullptr);
    BOOST_TEST(holds(moved, first[0], 48));
    BOOST_TEST(glimmer::heap::verify(h.heap).ok());
    for (std::size_t i = 1; i + 1 < first.size(); ++i)
        BOOST_TEST_REQUIRE(gw_heap_free(h, first[i]) == GW_OK);
    void* last = first.back();  // the only live slot of an AVAIL page
    fill(last, 48);
    void* moved2 = gw_heap_realloc(h, last, 100);  // empties it: back to the pool
    BOOST_TEST_REQUIRE(moved2 != nullptr);
    BOOST_TEST(holds(moved2, last, 48));
    const auto report = glimmer::heap::verify(h.heap);
    BOOST_TEST(report.ok(), report.to_string());
    GwHeapStats s{};
    gw_heap_stats(h, &s);
    BOOST_TEST(s.live_bytes == gw_heap_usable_size(h, moved) + gw_heap_usable_size(h, moved2) +
                                   gw_heap_usable_size(h, next));
    BOOST_TEST(gw_heap_free(h, moved) == GW_OK);
    BOOST_TEST(gw_heap_free(h, moved2) == GW_OK);
    BOOST_TEST(gw_heap_free(h, next) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_SUITE_END()
