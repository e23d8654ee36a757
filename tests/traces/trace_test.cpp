// trace_test.cpp - reader, writer and builder of the trace format (tracing/trace.cpp).
#include "trace.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <filesystem>

#include "id_map.hpp"

using namespace glimmer::traces;

namespace {

std::string message_of(const std::string& text) {
    try {
        parse_trace("t.gwt", text);
    } catch (const TraceError& e) {
        return e.what();
    }
    return "(accepted)";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tracing_trace)

BOOST_AUTO_TEST_CASE(reads_every_record_kind_with_ids_mapped_to_slots) {
    Trace t = parse_trace("t.gwt",
                          "# glimmer-trace v1\n# source: hand\na 10 64 5\na 7 24\nr 10 128\n"
                          "# a comment between records\nf 7\nf 10\n");
    BOOST_TEST(t.events.size() == 5u);
    BOOST_TEST(t.slot_count() == 2u);
    BOOST_TEST(t.ids[0] == 10u);
    BOOST_TEST(t.ids[1] == 7u);
    BOOST_TEST((t.events[0].op == Op::Alloc && t.events[0].size == 64 && t.events[0].tag == 5));
    BOOST_TEST(t.events[1].tag == kNoTag);
    BOOST_TEST((t.events[2].op == Op::Resize && t.events[2].slot == 0 && t.events[2].size == 128));
    BOOST_TEST((t.events[3].op == Op::Free && t.events[3].slot == 1));
    BOOST_TEST(t.lines[3] == 7u);  // comments count as lines
    BOOST_TEST(t.comment_value("source") == "hand");
    BOOST_TEST(t.live_at_end == 0u);
}

BOOST_AUTO_TEST_CASE(peak_live_follows_allocations_resizes_and_frees) {
    Trace t = parse_trace("t.gwt", "# glimmer-trace v1\na 1 100\na 2 50\nf 1\nr 2 400\na 3 10\n");
    BOOST_TEST(t.peak_live == 410u);
    BOOST_TEST(t.live_at_end == 2u);
}

BOOST_AUTO_TEST_CASE(accepts_minor_versions_missing_final_newline_and_64_bit_ids) {
    Trace t = parse_trace("t.gwt",
                          "# glimmer-trace v1.4\na 18446744073709551615 1\nf 18446744073709551615");
    BOOST_TEST(t.ids[0] == 18446744073709551615ull);
    BOOST_TEST(t.events.size() == 2u);
}

BOOST_AUTO_TEST_CASE(refusals_name_the_file_line_and_defect) {
    BOOST_TEST(message_of("") == "t.gwt:1: missing header: the file is empty");
    BOOST_TEST(message_of("# glimmer-trace v3\n") ==
               "t.gwt:1: trace format version v3 is newer than this reader (v1)");
    BOOST_TEST(message_of("# glimmer-trace v1\na 1 8\nq 1\n") ==
               "t.gwt:3: unknown record 'q' (expected a, r, f or a # comment)");
    BOOST_TEST(message_of("# glimmer-trace v1\nr 1\n") ==
               "t.gwt:2: missing field NEWSIZE in 'r' record");
    BOOST_TEST(message_of("# glimmer-trace v1\na 1 8 1 1\n") ==
               "t.gwt:2: extra field '1' in 'a' record");
    BOOST_TEST(message_of("# glimmer-trace v1\na 1 0x10\n") ==
               "t.gwt:2: SIZE '0x10' is not a decimal number");
    BOOST_TEST(message_of("# glimmer-trace v1\na 1 8\nf 1\nf 1\n") ==
               "t.gwt:4: 'f' of ID 1, which was already freed at line 3");
    BOOST_TEST(message_of("# glimmer-trace v1\nf 5\n") ==
               "t.gwt:2: 'f' of ID 5, which was never allocated");
}

BOOST_AUTO_TEST_CASE(format_then_parse_gives_the_same_trace) {
    TraceBuilder b("built");
    b.comment("source: test");
    for (std::uint64_t id = 1; id <= 5000; ++id)
        b.alloc(id * 3, id % 700 + 1, static_cast<std::uint16_t>(id % 9));
    for (std::uint64_t id = 1; id <= 5000; id += 2)
        b.resize(id * 3, id % 300 + 1);
    for (std::uint64_t id = 1; id <= 5000; id += 3)
        b.free(id * 3);
    Trace original = std::move(b).finish();
    Trace again = parse_trace("again", format_trace(original));
    BOOST_TEST(again.comments == original.comments);
    BOOST_TEST(again.events.size() == original.events.size());
    BOOST_TEST(again.peak_live == original.peak_live);
    for (std::size_t i = 0; i < original.events.size(); ++i) {
        const Event& a = original.events[i];
        const Event& c = again.events[i];
        BOOST_REQUIRE((a.op == c.op && a.size == c.size && a.tag == c.tag &&
                       original.ids[a.slot] == again.ids[c.slot]));
    }
}

BOOST_AUTO_TEST_CASE(gzip_and_plain_files_round_trip) {
    TraceBuilder b("built");
    b.alloc(1, 40, 4);
    b.resize(1, 4000);
    b.alloc(2, 1);
    b.free(1);
    Trace t = std::move(b).finish();
    auto dir = std::filesystem::temp_directory_path();
    for (std::string name : {"glimmer_trace_test.gwt", "glimmer_trace_test.gwt.gz"}) {
        std::string path = (dir / name).string();
        write_trace(path, t);
        Trace back = read_trace(path);
        BOOST_TEST(back.events.size() == 4u);
        BOOST_TEST(back.live_at_end == 1u);
        BOOST_TEST(back.path == path);
        std::remove(path.c_str());
    }
}

BOOST_AUTO_TEST_CASE(damaged_text_is_either_a_valid_trace_or_a_located_error) {
    const std::string good =
        "# glimmer-trace v1\n# source: x\na 1 64 5\na 2 24\nr 1 128\nf 2\na 3 9 4\nf 1\nf 3\n";
    const std::string alphabet = "arf# 0123456789\n\r-x";
    std::uint64_t state = 12345;
    auto next = [&state](std::uint64_t bound) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;  // fixed LCG: repeatable
        return (state >> 33) % bound;
    };
    int accepted = 0, refused = 0;
    for (int round = 0; round < 5000; ++round) {
        std::string text = good;
        for (std::uint64_t edits = 1 + next(3); edits > 0; --edits) {
            std::size_t at = next(text.size());
            switch (next(3)) {
                case 0:
                    text.erase(at, 1);
                    break;
                case 1:
                    text.insert(at, 1, alphabet[next(alphabet.size())]);
                    break;
                default:
                    text[at] = alphabet[next(alphabet.size())];
            }
        }
        try {
            Trace t = parse_trace("m.gwt", text);
            BOOST_REQUIRE(t.lines.size() == t.events.size());
            ++accepted;
        } catch (const TraceError& e) {
            BOOST_REQUIRE(std::string(e.what()).starts_with("m.gwt:"));
            ++refused;
        }
    }
    BOOST_TEST(accepted > 0);
    BOOST_TEST(refused > 0);
}

BOOST_AUTO_TEST_CASE(an_unreadable_file_is_an_error_not_a_crash) {
    BOOST_CHECK_THROW(read_trace("/nonexistent/x.gwt"), TraceError);
}

BOOST_AUTO_TEST_CASE(trace_names_are_gwt_or_gwt_gz) {
    BOOST_TEST(is_trace_name("a/b.gwt"));
    BOOST_TEST(is_trace_name("b.gwt.gz"));
    BOOST_TEST(!is_trace_name("README.md"));
    BOOST_TEST(!is_trace_name("x.gz"));
    BOOST_TEST(!is_trace_name("footprint-baseline.txt"));
}

BOOST_AUTO_TEST_CASE(id_map_finds_every_key_after_growing) {
    IdMap m;
    for (std::uint32_t i = 0; i < 100000; ++i)
        m.insert(std::uint64_t{i} * 0x9e3779b97f4a7c15ULL, i);
    BOOST_TEST(m.size() == 100000u);
    for (std::uint32_t i = 0; i < 100000; i += 7) {
        BOOST_REQUIRE(m.find(std::uint64_t{i} * 0x9e3779b97f4a7c15ULL) == i);
    }
    BOOST_TEST(m.find(12345) == IdMap::kAbsent);
    m.assign(0, 42);
    BOOST_TEST(m.find(0) == 42u);
}

BOOST_AUTO_TEST_SUITE_END()
