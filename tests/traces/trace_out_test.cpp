// trace_out_test.cpp - `glimmer --trace-out FILE` writes a trace this library reads back:
// gzip-compressed when FILE ends in .gz, plain text otherwise, and a failed write is an error.
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "support.hpp"
#include "trace.hpp"

using namespace glimmer::traces;
using namespace glimmer::traces::test;

#ifdef GLIMMER_EXE
namespace {

Run run_glimmer(const std::string& args) {
    std::string command = "'" GLIMMER_EXE "' " + args;
    char err_name[] = "/tmp/glimmer_trace_out_stderr_XXXXXX";
    int fd = mkstemp(err_name);
    if (fd < 0) return Run{};
    close(fd);
    Run run;
    int raw = std::system((command + " >/dev/null 2>'" + err_name + "'").c_str());
    run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    run.err = read_text(err_name);
    std::remove(err_name);
    return run;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(glimmer_trace_out)

BOOST_AUTO_TEST_CASE(a_gz_name_gets_gzip_and_any_other_plain_text) {
    const auto dir = std::filesystem::temp_directory_path();
    const std::string script = (dir / "glimmer_trace_out.gw").string();
    std::ofstream(script) << "bind xs to [1, 2, 3]\nprintln(xs)\n";
    for (std::string name : {"glimmer_trace_out.gwt.gz", "glimmer_trace_out.gwt"}) {
        BOOST_TEST_CONTEXT(name) {
            const std::string out = (dir / name).string();
            Run run = run_glimmer("--trace-out '" + out + "' '" + script + "'");
            BOOST_TEST_REQUIRE(run.status == 0, run.err);
            const std::string bytes = read_text(out);
            const bool gzip = bytes.size() > 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
                              static_cast<unsigned char>(bytes[1]) == 0x8b;
            BOOST_TEST(gzip == (name.ends_with(".gz")));
            Trace t = read_trace(out);  // every record parses; every block was freed
            BOOST_TEST(t.events.size() > 2u);
            std::remove(out.c_str());
        }
    }
    std::remove(script.c_str());
}

// The header names the script and its arguments (or -e and its code, on one line), so that
// it says how to record the trace again. A trace named as the script is refused, and so is
// --trace-out for the REPL, which would have run without recording.
BOOST_AUTO_TEST_CASE(the_header_says_how_to_record_again_and_nothing_is_overwritten) {
    const auto dir = std::filesystem::temp_directory_path();
    const std::string script = (dir / "glimmer_trace_out_args.gw").string();
    const std::string out = (dir / "glimmer_trace_out_args.gwt").string();
    std::ofstream(script) << "println(args)\n";
    BOOST_TEST_REQUIRE(run_glimmer("--trace-out '" + out + "' '" + script + "' a b").status == 0);
    Trace t = read_trace(out);
    BOOST_TEST_REQUIRE(!t.comments.empty());
    BOOST_TEST(t.comments.front() == "source: glimmer " + script + " a b");
    BOOST_TEST_REQUIRE(
        run_glimmer("--trace-out '" + out + "' -e 'println(1)\nprintln(2)'").status == 0);
    t = read_trace(out);
    BOOST_TEST(t.comments.front().find("-e println(1)\\nprintln(2)") != std::string::npos,
               t.comments.front());
    std::remove(out.c_str());

    Run same = run_glimmer("--trace-out '" + script + "' '" + script + "'");
    BOOST_TEST(same.status == 2);
    BOOST_TEST(same.err.find("is the script itself") != std::string::npos, same.err);
    BOOST_TEST(read_text(script) == "println(args)\n");
    std::remove(script.c_str());

    Run repl = run_glimmer("--trace-out '" + out + "' </dev/null");
    BOOST_TEST(repl.status == 2);
    BOOST_TEST(repl.err.find("--trace-out needs a script") != std::string::npos, repl.err);
    BOOST_TEST(!std::filesystem::exists(out));
}

BOOST_AUTO_TEST_CASE(a_trace_that_cannot_be_written_whole_is_an_error) {
    const std::string script = at_root("scripts/gw/examples/showcase.gw");
    Run full = run_glimmer("--trace-out /dev/full '" + script + "'");
    BOOST_TEST(full.status == 2);
    BOOST_TEST(full.err.find("glimmer: writing trace '/dev/full' failed") != std::string::npos,
               full.err);
    Run missing = run_glimmer("--trace-out /nonexistent-folder/t.gwt '" + script + "'");
    BOOST_TEST(missing.status == 2);
    BOOST_TEST(
        missing.err.find("cannot write trace '/nonexistent-folder/t.gwt'") != std::string::npos,
        missing.err);
}

BOOST_AUTO_TEST_SUITE_END()
#endif
