// stats_test.cpp - trace statistics (tracing/stats.cpp).
#include "stats.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <vector>

#if GLIMMER_TRACES_TEST_RUNTIME
#include "runtime/object.hpp"
#endif

using namespace glimmer::traces;

BOOST_AUTO_TEST_SUITE(tracing_stats)

// Labels mixed raw and abbreviated bounds ("897-1K", "1025-1280", "57345-64K"): both bounds
// are now in one unit, the largest that divides both, the lower one exclusive.
BOOST_AUTO_TEST_CASE(size_classes_step_by_16_then_four_per_power_of_two) {
    BOOST_TEST(size_class_label(1) == "0 < size <= 16");
    BOOST_TEST(size_class_label(16) == "0 < size <= 16");
    BOOST_TEST(size_class_label(17) == "16 < size <= 32");
    BOOST_TEST(size_class_label(256) == "240 < size <= 256");
    BOOST_TEST(size_class_label(257) == "256 < size <= 320");
    BOOST_TEST(size_class_label(512) == "448 < size <= 512");
    BOOST_TEST(size_class_label(1000) == "896 < size <= 1024");
    BOOST_TEST(size_class_label(1025) == "1024 < size <= 1280");
    BOOST_TEST(size_class_label(4096) == "3584 < size <= 4096");
    BOOST_TEST(size_class_label(60000) == "56K < size <= 64K");
    BOOST_TEST(size_class_label(2000000) == "1792K < size <= 2048K");
    BOOST_TEST(size_class_label(std::uint64_t{1} << 30) == "896M < size <= 1024M");
    BOOST_TEST(size_class_label(~std::uint64_t{0}) == "14E < size <= 16E");
}

BOOST_AUTO_TEST_CASE(counts_tags_resizes_and_lifetimes) {
    Trace t = parse_trace(
        "s.gwt", "# glimmer-trace v1\na 1 10 4\na 2 100 5\nr 2 200\nr 2 50\nf 1\na 3 20 4\n");
    TraceStats s = compute_stats(t);
    BOOST_TEST(s.allocs == 3u);
    BOOST_TEST(s.resizes == 2u);
    BOOST_TEST(s.grows == 1u);
    BOOST_TEST(s.frees == 1u);
    BOOST_TEST((s.peak_live == 210u));
    BOOST_TEST(s.tags.size() == 2u);
    BOOST_TEST(s.tags[0].label == "string");
    BOOST_TEST(s.tags[0].count == 2u);
    BOOST_TEST(s.tags[1].label == "table");
    BOOST_TEST(s.lifetimes.front().count == 1u);     // block 1 lived 4 events
    BOOST_TEST(s.lifetimes.back().count == 2u);      // never freed
    BOOST_TEST((s.lifetimes.back().bytes == 120u));  // blocks 2 and 3, at allocation
    std::string text = format_stats(t, s);
    BOOST_TEST(text.find("0 < size <= 16") != std::string::npos);
    BOOST_TEST(text.find("never freed") != std::string::npos);
}

// "Allocated in all" counted the allocations alone, so a block allocated small and grown by
// resizes left it below the peak live ("peak live 2.86 MiB, 0.00 MiB allocated in all"): the
// bytes a growing resize adds count too, and a shrink takes nothing back.
BOOST_AUTO_TEST_CASE(allocated_in_all_counts_what_growing_resizes_add) {
    Trace chain = parse_trace("chain.gwt",
                              "# glimmer-trace v1\na 1 8\nr 1 1000\nr 1 3000000\nr 1 10\n"
                              "r 1 20\na 2 100\nf 1\nf 2\n");
    TraceStats s = compute_stats(chain);
    BOOST_TEST((s.bytes_allocated == 108u));
    BOOST_TEST((s.bytes_grown == 2999992u + 10u));
    BOOST_TEST((s.bytes_allocated + s.bytes_grown >= s.peak_live));
    const std::string text = format_stats(chain, s);
    BOOST_TEST(text.find("peak live 2.86 MiB (3000000 bytes), 0 blocks live at the end\n") !=
                   std::string::npos,
               text);
    BOOST_TEST(text.find("allocated in all 2.86 MiB: 0.00 MiB in new blocks, 2.86 MiB added by "
                         "growing resizes\n") != std::string::npos,
               text);
}

// Sizes are 64-bit each, so totals can pass 2^64: stats counts them exactly, in 128 bits (they
// stopped at UINT64_MAX, and two live blocks of 2^63 bytes printed "18446744073709551615
// bytes"). The trace's own peak live still stops there (replay holds it against the memory
// there is).
BOOST_AUTO_TEST_CASE(byte_totals_past_2_to_the_64_are_exact) {
    const std::string max = std::to_string(UINT64_MAX);
    const ByteTotal two_max = ByteTotal{UINT64_MAX} * 2;
    Trace t = parse_trace(
        "big.gwt", "# glimmer-trace v1\na 1 " + max + "\na 2 " + max + "\nf 1\na 3 5\nf 2\nf 3\n");
    BOOST_TEST(t.peak_live == UINT64_MAX);
    TraceStats s = compute_stats(t);
    BOOST_TEST((s.peak_live == two_max));
    BOOST_TEST((s.bytes_allocated == two_max + 5));
    BOOST_TEST((s.sizes.back().bytes == two_max));
    Trace grown = parse_trace("grown.gwt", "# glimmer-trace v1\na 1 5\nr 1 " + max + "\na 2 " +
                                               max + "\nf 1\nr 2 1\nr 2 " + max + "\n");
    BOOST_TEST((compute_stats(grown).bytes_grown == ByteTotal{UINT64_MAX} - 5 + UINT64_MAX - 1));
    Trace small = parse_trace(
        "small.gwt", "# glimmer-trace v1\na 1 " + max + "\na 2 " + max + "\nf 1\nf 2\na 3 7\n");
    BOOST_TEST((compute_stats(small).lifetimes.back().bytes == 7u));

    const std::string half = std::to_string(std::uint64_t{1} << 63);
    Trace two = parse_trace("two.gwt", "# glimmer-trace v1\na 1 " + half + "\na 2 " + half + "\n");
    const std::string text = format_stats(two, compute_stats(two));
    BOOST_TEST(text.find("peak live 17592186044416.00 MiB (18446744073709551616 bytes)") !=
                   std::string::npos,
               text);
    BOOST_TEST(text.find("allocated in all 17592186044416.00 MiB") != std::string::npos, text);
    BOOST_TEST(text.find("18446744073709551615") == std::string::npos, text);
}

// The size and tag tables counted a block at its size at allocation, the lifetime table at its
// size when freed, so their byte shares were of different totals: all three use the size at
// allocation now, and each table's shares add up to the same 100%.
BOOST_AUTO_TEST_CASE(every_table_shares_the_bytes_of_new_blocks) {
    Trace t = parse_trace("grow.gwt", "# glimmer-trace v1\na 1 1 4\nr 1 1000\nf 1\na 2 99 5\n");
    TraceStats s = compute_stats(t);
    BOOST_TEST((s.bytes_allocated == 100u));
    for (const std::vector<Bucket>* table : {&s.sizes, &s.tags, &s.lifetimes}) {
        ByteTotal sum = 0;
        for (const Bucket& b : *table)
            sum += b.bytes;
        BOOST_TEST((sum == s.bytes_allocated));
    }
    BOOST_TEST((s.lifetimes.front().bytes == 1u));  // block 1, freed 2 events later
    BOOST_TEST((s.lifetimes.back().bytes == 99u));  // block 2, never freed
    const std::string text = format_stats(t, s);
    // block 1 is 1% of the bytes in its size class, its tag and its lifetime alike
    BOOST_TEST(text.find("0 < size <= 16                  1   50.0%    1.0%") != std::string::npos,
               text);
    BOOST_TEST(text.find("string                          1   50.0%    1.0%") != std::string::npos,
               text);
    BOOST_TEST(text.find("0-15 events                     1   50.0%    1.0%") != std::string::npos,
               text);
}

// A trace glimmer recorded ("# source: glimmer ...") tags blocks with the runtime's object
// kinds, not Lua's types: 4 is a StructDef there, not a string.
BOOST_AUTO_TEST_CASE(glimmer_traces_name_their_tags_by_runtime_object_kind) {
    const std::string records = "a 1 10 1\na 2 100 2\na 3 20 12\na 4 8 4\na 5 8\na 6 8 99\n";
    Trace gw = parse_trace("g.gwt",
                           "# glimmer-trace v1\n# source: glimmer scripts/bench/x.gw\n" + records);
    BOOST_TEST((tag_meaning(gw) == TagMeaning::GlimmerKind));
    std::vector<std::string> labels;
    for (const Bucket& b : compute_stats(gw).tags)
        labels.push_back(b.label);
    const std::vector<std::string> expected = {"String", "List",   "StructDef",
                                               "Buffer", "tag 99", "untagged"};
    BOOST_TEST(labels == expected, boost::test_tools::per_element());
    BOOST_TEST(format_stats(gw, compute_stats(gw)).find("StructDef") != std::string::npos);

    Trace lua = parse_trace("l.gwt", "# glimmer-trace v1\n# source: lua5.4 x.lua\n" + records);
    BOOST_TEST((tag_meaning(lua) == TagMeaning::LuaType));
    BOOST_TEST(compute_stats(lua).tags[2].label == "string");
    Trace unknown = parse_trace("u.gwt", "# glimmer-trace v1\n# source: glimmerish\n" + records);
    BOOST_TEST((tag_meaning(unknown) == TagMeaning::LuaType));
}

#if GLIMMER_TRACES_TEST_RUNTIME
// tracing/ keeps its own copy of the kind names (it may not include the runtime); they are
// the runtime's, kind by kind.
BOOST_AUTO_TEST_CASE(glimmer_tag_names_are_the_runtime_s_kind_names) {
    using glimmer::runtime::ObjectKind;
    for (int k = 1; k <= static_cast<int>(ObjectKind::Module); ++k) {
        BOOST_TEST(tag_name(static_cast<std::uint16_t>(k), TagMeaning::GlimmerKind) ==
                       std::string(glimmer::runtime::kind_name(static_cast<ObjectKind>(k))),
                   "kind " << k);
    }
    BOOST_TEST(tag_name(static_cast<std::uint16_t>(ObjectKind::Module) + 1,
                        TagMeaning::GlimmerKind) == "tag 16");
}
#endif

BOOST_AUTO_TEST_SUITE_END()
