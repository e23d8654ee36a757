// trace_test.cpp - reader, writer and builder of the trace format (tracing/trace.cpp).
#include "trace.hpp"

#include <boost/test/unit_test.hpp>

#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

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

// A file of nothing but comment lines held ~42 bytes for each (4 GB of '#' lines: out of memory
// after 17 GB): only the header's comments are kept, bounded, so memory stays flat.
BOOST_AUTO_TEST_CASE(only_the_header_comments_are_kept_and_they_are_bounded) {
    std::string text = "# glimmer-trace v1\n# source: hand\n";
    for (int i = 0; i < 5000; ++i)
        text += "# header comment " + std::to_string(i) + "\n";
    text += "a 1 64\n";
    for (int i = 0; i < 100000; ++i)
        text += "#\n";
    text += "# late: comment\nf 1\n";
    Trace t = parse_trace("t.gwt", text);
    BOOST_TEST(t.comments.size() == kMaxComments);
    BOOST_TEST(t.comments.front() == "source: hand");
    BOOST_TEST(t.comment_value("source") == "hand");
    BOOST_TEST(t.comment_value("late") == "");  // after the first record: dropped
    BOOST_TEST(t.events.size() == 2u);
    BOOST_TEST(t.lines[1] == 5000u + 100000u + 5u);  // dropped comments still count as lines

    // The bytes are bounded too: a few long comments do not add up past kMaxCommentBytes.
    std::string wide = "# glimmer-trace v1\n";
    for (int i = 0; i < 100; ++i)
        wide += "# " + std::string(60000, 'x') + "\n";
    Trace w = parse_trace("w.gwt", wide);
    std::size_t bytes = 0;
    for (const std::string& c : w.comments)
        bytes += c.size();
    BOOST_TEST(bytes <= kMaxCommentBytes);
    BOOST_TEST(w.comments.size() == 1u);
}

BOOST_AUTO_TEST_CASE(peak_live_follows_allocations_resizes_and_frees) {
    Trace t = parse_trace("t.gwt", "# glimmer-trace v1\na 1 100\na 2 50\nf 1\nr 2 400\na 3 10\n");
    BOOST_TEST(t.peak_live == 410u);
    BOOST_TEST(t.live_at_end == 2u);
}

BOOST_AUTO_TEST_CASE(accepts_a_missing_final_newline_and_64_bit_ids) {
    Trace t = parse_trace("t.gwt",
                          "# glimmer-trace v1\na 18446744073709551615 1\nf 18446744073709551615");
    BOOST_TEST(t.ids[0] == 18446744073709551615ull);
    BOOST_TEST(t.events.size() == 2u);
}

// The header is '# glimmer-trace v1'; the format refuses a later *major* version, so v1 with a
// minor number reads as v1. Anything else malformed is an unknown header.
BOOST_AUTO_TEST_CASE(the_header_is_glimmer_trace_v1_or_a_minor_version_of_it) {
    for (std::string version : {"v1.0", "v1.4", "v1.12"}) {
        BOOST_TEST(parse_trace("t.gwt", "# glimmer-trace " + version + "\na 1 8\n").events.size() ==
                   1u);
    }
    const std::string unknown = "' (expected '# glimmer-trace v1')";
    for (std::string version : {"v1.", "v01", "v1.01", "v1.x", "v", "vX", "v1x", "V1", "v1..2"}) {
        BOOST_TEST(message_of("# glimmer-trace " + version + "\na 1 8\n") ==
                   "t.gwt:1: unknown header '# glimmer-trace " + version + unknown);
    }
    for (std::string tail : {" ", "  ", "\t"}) {
        BOOST_TEST(message_of("# glimmer-trace v1" + tail + "\na 1 8\n") ==
                   "t.gwt:1: trailing whitespace after the header (expected exactly "
                   "'# glimmer-trace v1')");
    }
    for (std::string version : {"v2", "v0", "v10", "v2.1", "v99999999999999999999"}) {
        BOOST_TEST(message_of("# glimmer-trace " + version + "\n") ==
                   "t.gwt:1: unsupported version '" + version +
                       "' (this reader reads version 1 only: '# glimmer-trace v1')");
    }
}

BOOST_AUTO_TEST_CASE(a_trailing_space_is_named_as_such) {
    const std::string expected =
        "t.gwt:3: trailing whitespace at the end of the line (fields are separated by one "
        "space, and nothing follows the last)";
    BOOST_TEST(message_of("# glimmer-trace v1\na 1 8\nf 1 \n") == expected);
    BOOST_TEST(message_of("# glimmer-trace v1\na 1 8\na 2 8 4  \n") == expected);
    // a comment is free text, trailing spaces included
    BOOST_TEST(parse_trace("t.gwt", "# glimmer-trace v1\n# note \na 1 8\n").events.size() == 1u);
}

// CR LF is named as such; a CR with no LF after it (CR-only line ends, where the whole file is
// one line, or a CR at the end of a file without a final LF) was misnamed "CR LF".
BOOST_AUTO_TEST_CASE(a_cr_is_named_for_what_follows_it) {
    const std::string crlf = "line ends in CR LF (\\r\\n); the format's lines end in \\n alone";
    BOOST_TEST(message_of("# glimmer-trace v1\r\na 1 8\r\n") == "t.gwt:1: " + crlf);
    BOOST_TEST(message_of("# glimmer-trace v1\na 1 8\r\n") == "t.gwt:2: " + crlf);
    BOOST_TEST(message_of("# glimmer-trace v1\n# note\r\na 1 8\n") == "t.gwt:2: " + crlf);
    const std::string bare = "CR (\\r) with no LF (\\n) after it, at byte ";
    const std::string tail = " of the line; the format's lines end in \\n alone";
    BOOST_TEST(message_of("# glimmer-trace v1\ra 1 8\r") == "t.gwt:1: " + bare + "19" + tail);
    BOOST_TEST(message_of("# glimmer-trace v1\ra 1 8\rf 1\r\n") ==
               "t.gwt:1: " + bare + "19" + tail);
    BOOST_TEST(message_of("# glimmer-trace v1\na 1 8\r") == "t.gwt:2: " + bare + "6" + tail);
    BOOST_TEST(message_of("# glimmer-trace v1\na 1 8\rf 1\n") == "t.gwt:2: " + bare + "6" + tail);
    BOOST_TEST(message_of("# glimmer-trace v1\n# note\r") == "t.gwt:2: " + bare + "7" + tail);
    // inside a comment, free text, a CR is no line end
    BOOST_TEST(parse_trace("t.gwt", "# glimmer-trace v1\n# a\rb\na 1 8\n").events.size() == 1u);
}

// Quoted input shows every byte outside printable ASCII as \xHH: a byte order mark before the
// header or a non-breaking space after a size printed raw, and the message quoted what looked
// like a correct line.
BOOST_AUTO_TEST_CASE(quoted_input_escapes_every_byte_outside_printable_ascii) {
    BOOST_TEST(message_of("\xEF\xBB\xBF# glimmer-trace v1\na 1 8\n") ==
               "t.gwt:1: missing header: the first line must be '# glimmer-trace v1', not "
               "'\\xEF\\xBB\\xBF# glimmer-trace v1' (it starts with a UTF-8 byte order mark: "
               "save the file without one)");
    BOOST_TEST(message_of("# glimmer-trace v1\na 1 8\xC2\xA0\n") ==
               "t.gwt:2: SIZE '8\\xC2\\xA0' is not a decimal number");
    BOOST_TEST(message_of("# glimmer-trace v1\na\t1 8\n") ==
               "t.gwt:2: tab at byte 2 of 'a\\x091 8' (fields are separated by one space)");
    BOOST_TEST(message_of("# glimmer-trace v1\na 1\t8\n") ==
               "t.gwt:2: tab at byte 4 of 'a 1\\x098' (fields are separated by one space)");
    BOOST_TEST(message_of("# glimmer-trace v1\na 1 8 \x7F\xFF\x80~\n") ==
               "t.gwt:2: TAG '\\x7F\\xFF\\x80~' is not a decimal number");
    BOOST_TEST(message_of("# glimmer-trace v1\n\xC3\xA9 1\n") ==
               "t.gwt:2: unknown record '\\xC3\\xA9' (expected a, r, f or a # comment)");
}

BOOST_AUTO_TEST_CASE(refusals_name_the_file_line_and_defect) {
    BOOST_TEST(message_of("") == "t.gwt:1: missing header: the file is empty");
    BOOST_TEST(message_of("# glimmer-trace v3\n") ==
               "t.gwt:1: unsupported version 'v3' (this reader reads version 1 only: "
               "'# glimmer-trace v1')");
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

namespace {
std::string read_message(const std::string& path) {
    try {
        read_trace(path);
    } catch (const TraceError& e) {
        return e.what();
    }
    return "(accepted)";
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_directory_is_named_without_a_line) {
    std::string dir = std::filesystem::temp_directory_path().string();
    BOOST_TEST(read_message(dir) ==
               dir + ": is a directory, not a trace (name its traces, e.g. " + dir + "/*.gwt.gz)");
}

// gzread ignores whatever follows the last gzip member; the reader must not.
BOOST_AUTO_TEST_CASE(data_after_the_gzip_stream_is_refused_naming_the_file) {
    TraceBuilder b("built");
    b.alloc(1, 40, 4);
    b.free(1);
    Trace t = std::move(b).finish();
    std::string path =
        (std::filesystem::temp_directory_path() / "glimmer_tail_test.gwt.gz").string();
    write_trace(path, t);
    auto size = std::filesystem::file_size(path);
    BOOST_TEST(read_message(path) == "(accepted)");
    std::ofstream(path, std::ios::app | std::ios::binary) << "garbage";
    BOOST_TEST(read_message(path) ==
               path + ":4: trailing data after the end of the gzip stream (at byte " +
                   std::to_string(size) + " of the file)");
    std::filesystem::resize_file(path, size + 1);  // one stray byte is as bad
    BOOST_TEST(read_message(path).find(path + ":4: trailing data") == 0u, read_message(path));
    std::remove(path.c_str());
}

// A second gzip member is more of the same file (gzip -c a b, or appending with gzopen "ab").
BOOST_AUTO_TEST_CASE(concatenated_gzip_members_read_as_one_trace) {
    std::string path = (std::filesystem::temp_directory_path() / "glimmer_members.gwt.gz").string();
    for (const char* part : {"# glimmer-trace v1\na 1 8\n", "a 2 16\nf 1\nf 2\n"}) {
        gzFile f = gzopen(path.c_str(), part[0] == '#' ? "wb" : "ab");
        BOOST_REQUIRE(f != nullptr);
        gzputs(f, part);
        gzclose(f);
    }
    Trace t = read_trace(path);
    BOOST_TEST(t.events.size() == 4u);
    BOOST_TEST(t.live_at_end == 0u);
    std::remove(path.c_str());
}

// A flipped bit in a gzip trace mostly inflates to wrong records, refused long before the CRC
// at the end is reached ("'f' of ID 2089, which was already freed at line 28439"): a refusal
// in gzip data that turns out damaged is reported as the damage. A content error in intact
// gzip data is still the content error.
BOOST_AUTO_TEST_CASE(a_record_refused_in_damaged_gzip_data_is_reported_as_the_damage) {
    // a real trace: its records repeat, so most flips inflate to other plausible text
    std::string bytes;
    {
        std::ifstream in(GLIMMER_ROOT "/traces/gw/merge_sort.gwt.gz", std::ios::binary);
        bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    const std::string path =
        (std::filesystem::temp_directory_path() / "glimmer_flipped.gwt.gz").string();
    BOOST_REQUIRE(bytes.size() > 1000);
    int damaged = 0;
    for (std::size_t k = 0; k < 40; ++k) {
        std::string flipped = bytes;
        // deflate data only: the 10-byte header and 8-byte trailer have no bearing on this
        const std::size_t at = 10 + k * (bytes.size() - 18) / 40;
        flipped[at] = static_cast<char>(flipped[at] ^ (1 << (k % 8)));
        std::ofstream(path, std::ios::binary | std::ios::trunc) << flipped;
        const std::string message = read_message(path);
        BOOST_TEST_CONTEXT("bit " << k % 8 << " of byte " << at) {
            BOOST_TEST(message.starts_with(path + ":"), message);
            BOOST_TEST(message.find("gzip") != std::string::npos, message);
        }
        if (message.find(": the gzip data is damaged (") != std::string::npos) ++damaged;
    }
    BOOST_TEST(damaged >= 30);

    gzFile f = gzopen(path.c_str(), "wb");
    BOOST_REQUIRE(f != nullptr);
    gzputs(f, "# glimmer-trace v1\na 1 8\nf 1\nf 1\n");
    for (int id = 2; id < 5000; ++id)
        gzprintf(f, "a %d 16\n", id);
    gzclose(f);
    BOOST_TEST(read_message(path) == path + ":4: 'f' of ID 1, which was already freed at line 3");
    std::remove(path.c_str());
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
