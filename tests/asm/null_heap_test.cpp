// tests/asm/null_heap_test.cpp - every gw_heap_* function taking a heap answers a NULL heap with
// what gw_heap.h documents (GW_E_INVALID_ARGUMENT, NULL or 0), never a crash, on the fast
// paths too (a NULL heap is tested before the first load from the record).
#include <boost/test/unit_test.hpp>

#include <cstring>

#include "test_support.hpp"

using glimmer::test::ScopedHeap;

BOOST_AUTO_TEST_SUITE(asm_null_heap)

BOOST_AUTO_TEST_CASE(allocation_on_a_null_heap_gives_null) {
    for (std::size_t size : {0u, 1u, 16u, 256u, 257u, 4096u, 200000u}) {
        BOOST_TEST(gw_heap_alloc(nullptr, size) == nullptr);
        BOOST_TEST(gw_heap_alloc_aligned(nullptr, size, 64) == nullptr);
        BOOST_TEST(gw_heap_alloc_aligned(nullptr, size, 16) == nullptr);
        BOOST_TEST(gw_heap_alloc_aligned(nullptr, size, 3) == nullptr);  // bad alignment too
        BOOST_TEST(gw_heap_realloc(nullptr, nullptr, size) == nullptr);
    }
}

BOOST_AUTO_TEST_CASE(realloc_on_a_null_heap_gives_null_and_leaves_the_block_alone) {
    ScopedHeap h;
    void* p = gw_heap_alloc(h, 40);
    BOOST_TEST_REQUIRE(p != nullptr);
    std::memset(p, 0x5a, 40);
    BOOST_TEST(gw_heap_realloc(nullptr, p, 24) == nullptr);
    BOOST_TEST(gw_heap_realloc(nullptr, p, 1000) == nullptr);
    BOOST_TEST(static_cast<unsigned char*>(p)[39] == 0x5a);
    BOOST_TEST(gw_heap_usable_size(h, p) >= 40u);
    BOOST_TEST(gw_heap_free(h, p) == GW_OK);
}

BOOST_AUTO_TEST_CASE(free_on_a_null_heap_is_an_invalid_argument) {
    ScopedHeap h;
    void* p = gw_heap_alloc(h, 32);
    BOOST_TEST(gw_heap_free(nullptr, p) == GW_E_INVALID_ARGUMENT);
    BOOST_TEST(gw_heap_free(nullptr, nullptr) == GW_E_INVALID_ARGUMENT);
    BOOST_TEST(gw_heap_free_sized(nullptr, p, 32) == GW_E_INVALID_ARGUMENT);
    BOOST_TEST(gw_heap_free_sized(nullptr, nullptr, 0) == GW_E_INVALID_ARGUMENT);
    BOOST_TEST(gw_heap_last_status(h) == GW_OK);  // the real heap saw nothing
    BOOST_TEST(gw_heap_free(h, p) == GW_OK);      // and the block is still live
}

BOOST_AUTO_TEST_CASE(queries_on_a_null_heap_answer_zero_or_invalid_argument) {
    ScopedHeap h;
    void* p = gw_heap_alloc(h, 32);
    BOOST_TEST(gw_heap_usable_size(nullptr, p) == 0u);
    BOOST_TEST(gw_heap_usable_size(nullptr, nullptr) == 0u);
    BOOST_TEST(gw_heap_last_status(nullptr) == GW_E_INVALID_ARGUMENT);
    BOOST_TEST(gw_heap_trim(nullptr) == 0u);
    gw_heap_fail_after(nullptr, 1);  // nothing to arm
    BOOST_TEST(gw_heap_check(nullptr) == GW_E_INVALID_ARGUMENT);
    gw_heap_destroy(nullptr);
    gw_heap_free(h, p);
}

BOOST_AUTO_TEST_CASE(stats_of_a_null_heap_are_zero_and_a_null_out_is_ignored) {
    GwHeapStats s;
    std::memset(&s, 0xff, sizeof s);
    gw_heap_stats(nullptr, &s);
    BOOST_TEST(s.live_bytes == 0u);
    BOOST_TEST(s.peak_live_bytes == 0u);
    BOOST_TEST(s.footprint_bytes == 0u);
    BOOST_TEST(s.peak_footprint_bytes == 0u);
    BOOST_TEST(s.alloc_count == 0u);
    BOOST_TEST(s.free_count == 0u);
    gw_heap_stats(nullptr, nullptr);
    ScopedHeap h;
    gw_heap_stats(h, nullptr);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
}

BOOST_AUTO_TEST_SUITE_END()
