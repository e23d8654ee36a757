// tests/asm/size_class_test.cpp - size_class.S against a C++ reference over every size.
#include <boost/test/unit_test.hpp>

#include "test_support.hpp"

BOOST_AUTO_TEST_SUITE(asm_size_class)

BOOST_AUTO_TEST_CASE(every_size_maps_to_the_reference_class) {
    for (std::size_t n = 0; n <= 4096; ++n) {
        const std::size_t expect = n <= GW_SMALL_MAX ? (n == 0 ? 1 : (n + 15) / 16) : 0;
        BOOST_TEST_REQUIRE(gw_heap_size_class(n) == expect, "size " << n);
    }
    BOOST_TEST(gw_heap_size_class(SIZE_MAX) == 0u);
}

BOOST_AUTO_TEST_CASE(class_sizes_are_16_byte_steps_and_cover_their_requests) {
    BOOST_TEST(gw_heap_class_size(0) == 0u);
    BOOST_TEST(gw_heap_class_size(GW_SMALL_CLASSES + 1) == 0u);
    for (std::size_t c = 1; c <= GW_SMALL_CLASSES; ++c) {
        BOOST_TEST(gw_heap_class_size(c) == c * 16);
        BOOST_TEST(gw_heap_size_class(gw_heap_class_size(c)) == c);
        BOOST_TEST(gw_heap_size_class(gw_heap_class_size(c) - 15) == c);
    }
}

BOOST_AUTO_TEST_SUITE_END()
