// record_stream_test.cpp - `record` writes the trace as it is made (TraceStreamWriter): the same
// text as the trace held in memory, memory that does not grow with the trace, and the output
// replaced whole or not at all.
#include "trace_stream.hpp"

#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support.hpp"
#include "trace.hpp"

using namespace glimmer::traces;
using namespace glimmer::traces::test;
namespace fs = std::filesystem;

namespace {

#if defined(GLIMMER_SANITIZE) || defined(GLIMMER_TSAN)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// Many short-lived blocks, few live at once: n tables (each with its array part) and strings.
const std::string kChurn =
    "local n = tonumber(arg[1]) local keep = {}\n"
    "for i = 1, n do local t = {i, tostring(i)}; keep[i % 1000 + 1] = t end\n";

// The same records to a TraceBuilder and a TraceStreamWriter.
void feed(TraceBuilder& b, TraceStreamWriter& w) {
    auto alloc = [&](std::uint64_t id, std::uint64_t size, std::uint16_t tag) {
        b.alloc(id, size, tag);
        w.alloc(id, size, tag);
    };
    auto resize = [&](std::uint64_t id, std::uint64_t size) {
        b.resize(id, size);
        w.resize(id, size);
    };
    auto free = [&](std::uint64_t id) {
        b.free(id);
        w.free(id);
    };
    // More than the writer's buffer (1 MiB), so that it is written in several pieces.
    for (std::uint64_t i = 1; i <= 200000; ++i) {
        alloc(i, 1 + i % 300, i % 3 == 0 ? kNoTag : static_cast<std::uint16_t>(4 + i % 5));
        if (i % 7 == 0) resize(i, 18446744073709551615ull - i);
        if (i > 3) free(i - 3);
    }
    free(200000);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(traces_record_stream)

// The streamed file holds exactly what write_trace writes for the trace held in memory, plain
// or gzip (two gzip members there: the header's and the records').
BOOST_AUTO_TEST_CASE(the_streamed_text_is_the_text_of_the_trace_in_memory) {
    Folder folder;
    for (const std::string name : {"t.gwt", "t.gwt.gz"}) {
        BOOST_TEST_CONTEXT(name) {
            const std::string out = folder.at(name);
            TraceBuilder builder("mem");
            TraceStreamWriter writer(out, "streamed");
            feed(builder, writer);
            Trace mem = std::move(builder).finish();
            BOOST_TEST(writer.event_count() == mem.events.size());
            BOOST_TEST(writer.peak_live() == mem.peak_live);
            BOOST_TEST(writer.live_blocks() == 2u);
            mem.comments = {"source: test", "events: " + std::to_string(mem.events.size())};
            writer.finish(mem.comments);
            BOOST_TEST(folder.entries() == 1u);  // no partial or scratch file left
            Trace back = read_trace(out);
            BOOST_TEST(back.comments == mem.comments);
            BOOST_TEST(format_trace(back) == format_trace(mem));
            if (!name.ends_with(".gz")) BOOST_TEST(read_text(out) == format_trace(mem));
            fs::remove(out);
        }
    }
}

// The writer refuses what TraceBuilder refuses, holding only the live blocks; the old file stays.
BOOST_AUTO_TEST_CASE(the_writer_checks_each_record_and_a_failure_keeps_the_old_file) {
    Folder folder;
    const std::string out = folder.at("t.gwt");
    std::ofstream(out) << "old";
    auto refused = [&](auto&& act, const std::string& message) {
        {
            TraceStreamWriter w(out, "s.lua");
            w.alloc(5, 10);
            w.alloc(6, 20);
            w.free(5);
            try {
                act(w);
                BOOST_ERROR("not refused: " + message);
            } catch (const TraceError& e) {
                BOOST_TEST(std::string(e.what()) == "s.lua: record 4: " + message);
            }
        }
        BOOST_TEST(read_text(out) == "old");
        BOOST_TEST(folder.entries() == 1u);
    };
    refused([](TraceStreamWriter& w) { w.alloc(7, 0); },
            "size 0 in 'a' record (sizes are 1 or more)");
    refused([](TraceStreamWriter& w) { w.alloc(6, 1); },
            "'a' of ID 6, not above the last ID 6 (a recording's IDs rise, so that it is never "
            "used twice)");
    refused([](TraceStreamWriter& w) { w.free(5); }, "'f' of ID 5, which is not live");
    refused([](TraceStreamWriter& w) { w.resize(9, 1); }, "'r' of ID 9, which was never allocated");
    refused([](TraceStreamWriter& w) { w.resize(6, 0); },
            "size 0 in 'r' record (sizes are 1 or more)");
}

// `record` held the whole trace in memory (~56 bytes an event: 21 million events took 1.18 GB).
// Now its peak resident set stays far below even the 16 bytes an event the in-memory events
// array alone took. The script reads the peak itself, from /proc/self/status (it runs inside
// glimmer-trace): VmHWM belongs to the process image since its exec, while getrusage's
// ru_maxrss of a child also counts the copy of this test process it was forked as.
BOOST_AUTO_TEST_CASE(record_memory_does_not_grow_with_the_number_of_events) {
    Folder folder;
    const std::string script = folder.at("churn.lua");
    std::ofstream(script) << kChurn
                          << "local status = io.open('/proc/self/status'):read('a')\n"
                             "print(status:match('VmHWM:%s*(%d+) kB'))\n";
    const std::string out = folder.at("churn.gwt");
    Run run = run_tool("record -o '" + out + "' '" + script + "' 1000000");
    BOOST_TEST_REQUIRE(run.status == 0, run.err);
    // The header, and the records counted line by line (read_trace would hold them all).
    std::ifstream in(out);
    std::string line;
    std::vector<std::string> header;
    std::uint64_t events = 0, allocs = 0, frees = 0;
    while (std::getline(in, line)) {
        if (line.starts_with("#")) {
            if (events == 0) header.push_back(line);
            continue;
        }
        ++events;
        allocs += line.starts_with("a ");
        frees += line.starts_with("f ");
    }
    BOOST_TEST(events > 6000000u);
    BOOST_TEST(allocs == frees);  // the state was closed: every block freed
    BOOST_TEST_REQUIRE(header.size() == 5u);
    BOOST_TEST(header[2] == "# events: " + std::to_string(events));
    BOOST_TEST(header[3].starts_with("# peak-live: "));
    const std::uint64_t rss = std::stoull(run.out) * 1024;
    BOOST_TEST_MESSAGE("record: " << events << " events, peak RSS " << rss << " bytes");
    BOOST_TEST(rss > 0u);
    // 4 bytes an event at most: ~28 MB here, where the trace in memory took ~390 MB (56 bytes an
    // event) and the streamed recording ~8 MB. The sanitizers' own memory is no part of it.
    if (!kSanitized) {
        BOOST_TEST(rss < events * 4, "peak RSS " << rss << " for " << events << " events");
    }
    BOOST_TEST(folder.entries() == 2u);  // the script and the trace, no scratch file
}

// A write that fails half-way (here the file size limit: EFBIG) fails the recording: exit 1,
// the old output as it was, no partial file left, plain and gzip alike.
BOOST_AUTO_TEST_CASE(a_write_failing_while_recording_keeps_the_old_output) {
    Folder folder;
    const std::string script = folder.at("churn.lua");
    std::ofstream(script) << kChurn;
    for (const std::string name : {"t.gwt", "t.gwt.gz"}) {
        BOOST_TEST_CONTEXT(name) {
            const std::string out = folder.at(name);
            std::ofstream(out) << "old";
            // 2 MiB at most a file (in 512- or 1024-byte blocks, as the shell counts them); a
            // file grown past it gets EFBIG once SIGXFSZ is ignored
            Run run = run_tool("record -o '" + out + "' '" + script + "' 1000000",
                               "trap '' XFSZ && ulimit -f 2048 && ");
            BOOST_TEST(run.status == 1);
            BOOST_TEST(
                run.err.find(out + ": cannot write the trace: File too large") != std::string::npos,
                run.err);
            BOOST_TEST(run.err.find("recorded") == std::string::npos, run.err);
            BOOST_TEST(read_text(out) == "old");
            BOOST_TEST(folder.entries() == 2u);  // the script and the old output
            fs::remove(out);
        }
    }
}

// A script that fails is recorded up to its error, as before: the trace replaces the output,
// its header says so, and the exit status is 1.
BOOST_AUTO_TEST_CASE(a_script_that_fails_is_recorded_up_to_its_error) {
    Folder folder;
    const std::string script = folder.at("boom.lua");
    std::ofstream(script) << "local t = {}\nfor i = 1, 3000 do t[i] = {i, tostring(i)} end\n"
                             "error('boom')\n";
    for (const std::string name : {"t.gwt", "t.gwt.gz"}) {
        BOOST_TEST_CONTEXT(name) {
            const std::string out = folder.at(name);
            std::ofstream(out) << "old";
            Run run = run_tool("record -o '" + out + "' '" + script + "'");
            BOOST_TEST(run.status == 1);
            BOOST_TEST(run.err.starts_with("lua: "), run.err);  // Lua shortens a long path
            BOOST_TEST(run.err.find("boom.lua:3: boom\n") != std::string::npos, run.err);
            BOOST_TEST(run.err.find("recorded ") != std::string::npos, run.err);
            Trace t = read_trace(out);
            BOOST_TEST(t.comment_value("script error") == "the run ended early");
            BOOST_TEST(t.comment_value("events") == std::to_string(t.events.size()));
            BOOST_TEST(t.comment_value("gc") == "generational");
            BOOST_TEST(t.events.size() > 6000u);
            BOOST_TEST(t.live_at_end == 0u);
            BOOST_TEST(folder.entries() == 2u);
            fs::remove(out);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
