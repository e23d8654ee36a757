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

// A fresh folder under /tmp, removed with everything in it.
struct Folder {
    fs::path path =
        fs::temp_directory_path() / ("glimmer_record_stream_" + std::to_string(::getpid()));
    Folder() {
        fs::remove_all(path);
        fs::create_directory(path);
    }
    ~Folder() { fs::remove_all(path); }
    std::string at(const std::string& name) const { return (path / name).string(); }
    std::size_t entries() const {
        return static_cast<std::size_t>(std::distance(fs::directory_iterator(path), {}));
    }
};

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

BOOST_AUTO_TEST_SUITE_END()
