// tests/heap/complexity_test.cpp - O(1) whatever the number of free fragments: a heap with
// 300,000 free medium fragments serves a request that fits none of them as fast as a heap with
// 1,000.  Asserted as a ratio of medians with a wide margin, never as a time.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <vector>

#include "gw_heap.h"
#include "heap/verify.hpp"

namespace {

// Leaves `fragments` free medium blocks of the smallest medium size (1056 bytes), each between
// two live ones (up to GW_QUICK_LIMIT of them parked on the quick list of that size).
std::vector<void*> fragment(GwHeap* heap, std::size_t fragments) {
    std::vector<void*> blocks;
    blocks.reserve(2 * fragments + 1);
    for (std::size_t i = 0; i < 2 * fragments + 1; ++i)
        blocks.push_back(gw_heap_alloc(heap, GW_SMALL_MAX + 1));
    std::vector<void*> live;
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        if (i % 2) {
            gw_heap_free(heap, blocks[i]);
        } else {
            live.push_back(blocks[i]);
        }
    }
    return live;
}

// Median time of one round of 2,000 alloc/free pairs of a size no fragment fits.
double median_round_ns(GwHeap* heap) {
    std::vector<double> rounds;
    std::vector<void*> held(2000);
    for (int r = 0; r < 31; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        for (auto& p : held)
            p = gw_heap_alloc(heap, 6000);
        for (auto* p : held)
            gw_heap_free(heap, p);
        const auto t1 = std::chrono::steady_clock::now();
        rounds.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
    }
    std::nth_element(rounds.begin(), rounds.begin() + rounds.size() / 2, rounds.end());
    return rounds[rounds.size() / 2];
}

}  // namespace

BOOST_AUTO_TEST_SUITE(heap_complexity)

BOOST_AUTO_TEST_CASE(many_free_fragments_do_not_slow_a_request_that_fits_none) {
    GwHeap* few = gw_heap_create(nullptr);
    GwHeap* many = gw_heap_create(nullptr);
    auto few_live = fragment(few, 1000);
    auto many_live = fragment(many, 300000);
    const auto few_report = glimmer::heap::verify(few);
    const auto many_report = glimmer::heap::verify(many);
    BOOST_TEST_REQUIRE(few_report.ok());
    BOOST_TEST_REQUIRE(many_report.ok());
    BOOST_TEST(many_report.free_medium_blocks + many_report.quick_blocks >= 300000u);
    BOOST_TEST(few_report.free_medium_blocks + few_report.quick_blocks < 1100u);
    // interleave the measurements so machine noise hits both alike
    std::vector<double> ratios;
    for (int i = 0; i < 5; ++i) {
        const double a = median_round_ns(few);
        const double b = median_round_ns(many);
        ratios.push_back(b / a);
    }
    std::sort(ratios.begin(), ratios.end());
    const double ratio = ratios[ratios.size() / 2];
    BOOST_TEST_MESSAGE("300,000 fragments / 1,000 fragments time ratio: " << ratio);
    // a list walk over the fragments would be hundreds of times slower
    BOOST_TEST(ratio < 4.0);
    gw_heap_destroy(few);
    gw_heap_destroy(many);
}

BOOST_AUTO_TEST_SUITE_END()
