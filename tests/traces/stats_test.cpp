// stats_test.cpp - trace statistics (tracing/stats.cpp).
#include "stats.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>

using namespace glimmer::traces;

BOOST_AUTO_TEST_SUITE(tracing_stats)

BOOST_AUTO_TEST_CASE(size_classes_step_by_16_then_four_per_power_of_two) {
    BOOST_TEST(size_class_label(1) == "1-16");
    BOOST_TEST(size_class_label(16) == "1-16");
    BOOST_TEST(size_class_label(17) == "17-32");
    BOOST_TEST(size_class_label(256) == "241-256");
    BOOST_TEST(size_class_label(257) == "257-320");
    BOOST_TEST(size_class_label(512) == "449-512");
    BOOST_TEST(size_class_label(4096) == "3585-4K");
    BOOST_TEST(size_class_label(std::uint64_t{1} << 30) == "939524097-1G");
    BOOST_TEST(size_class_label(~std::uint64_t{0}) == "16140901064495857665-18446744073709551615");
}

BOOST_AUTO_TEST_CASE(counts_tags_resizes_and_lifetimes) {
    Trace t = parse_trace(
        "s.gwt", "# glimmer-trace v1\na 1 10 4\na 2 100 5\nr 2 200\nr 2 50\nf 1\na 3 20 4\n");
    TraceStats s = compute_stats(t);
    BOOST_TEST(s.allocs == 3u);
    BOOST_TEST(s.resizes == 2u);
    BOOST_TEST(s.grows == 1u);
    BOOST_TEST(s.frees == 1u);
    BOOST_TEST(s.peak_live == 210u);
    BOOST_TEST(s.tags.size() == 2u);
    BOOST_TEST(s.tags[0].label == "string");
    BOOST_TEST(s.tags[0].count == 2u);
    BOOST_TEST(s.tags[1].label == "table");
    BOOST_TEST(s.lifetimes.front().count == 1u);  // block 1 lived 4 events
    BOOST_TEST(s.lifetimes.back().count == 2u);   // never freed
    BOOST_TEST(s.lifetimes.back().bytes == 70u);  // block 2 at its last size, and block 3
    std::string text = format_stats(t, s);
    BOOST_TEST(text.find("1-16") != std::string::npos);
    BOOST_TEST(text.find("never freed") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
