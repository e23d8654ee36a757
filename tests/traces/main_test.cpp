// main_test.cpp - glimmer-trace's command line (tracing/main.cpp): what it refuses before it
// writes anything, and how it reports what fails around the traces (memory, standard output).
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <filesystem>
#include <fstream>
#include <string>

#include "support.hpp"

using namespace glimmer::traces::test;
namespace fs = std::filesystem;

namespace {

// run_tool with the address space limited to `kib` KiB (ulimit -v).
Run run_tool_limited(const std::string& args, long kib) {
    return run_tool(args, "ulimit -v " + std::to_string(kib) + " && ");
}

const std::string kSmallTrace = "# glimmer-trace v1\na 1 100\na 2 30\nf 1\nf 2\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(tracing_main)

// `replay T.gwt --plot T.gwt` put the SVG where the trace was, under any spelling of its path
// and through a hard link: the plot is refused as a usage error before anything is written.
BOOST_AUTO_TEST_CASE(a_plot_that_is_one_of_the_traces_is_refused_and_the_trace_kept) {
    Folder folder;
    const std::string trace = folder.at("t.gwt");
    std::ofstream(trace) << kSmallTrace;
    fs::create_hard_link(trace, folder.at("link.svg"));
    const std::string dotted = (folder.path / "." / "t.gwt").string();
    for (const std::string& plot : {trace, dotted, folder.at("link.svg")}) {
        BOOST_TEST_CONTEXT(plot) {
            Run run =
                run_tool("replay --heap system --repeat 1 '" + trace + "' --plot '" + plot + "'");
            BOOST_TEST(run.status == 2);
            BOOST_TEST(run.err.find("--plot " + plot + " is the trace " + trace +
                                    "; the plot would overwrite it") != std::string::npos,
                       run.err);
            BOOST_TEST(run.out.empty(), run.out);
            BOOST_TEST(read_text(trace) == kSmallTrace);
        }
    }
    // A plot beside the trace is drawn as before.
    Run run = run_tool("replay --heap system --repeat 1 '" + trace + "' --plot '" +
                       folder.at("t.svg") + "'");
    BOOST_TEST(run.status == 0, run.err);
    BOOST_TEST(read_text(folder.at("t.svg")).starts_with("<svg"));
    BOOST_TEST(std::distance(fs::directory_iterator(folder.path), {}) == 3);
}

#if defined(GLIMMER_SANITIZE) || defined(GLIMMER_TSAN)
constexpr bool kSanitized = true;  // the sanitizers reserve terabytes: no ulimit -v
#else
constexpr bool kSanitized = false;
#endif

// Out of memory while reading a trace said "std::bad_alloc", no file named: each command that
// reads traces names the file and what it was doing, and exits 1.
BOOST_AUTO_TEST_CASE(out_of_memory_names_the_file_being_read) {
    if (kSanitized) {
        BOOST_TEST_MESSAGE("skipped under sanitizers: needs ulimit -v");
        return;
    }
    // about 2.4 million events, some 120 MB in memory: far past a 60 MB address space, which
    // the tool itself starts well within
    const std::string trace = "traces/binary_trees.gwt.gz";
    for (const char* command : {"stats", "peak", "replay --heap system --repeat 1",
                                "compare --heaps system --repeat 1"}) {
        BOOST_TEST_CONTEXT(command) {
            Run run = run_tool_limited(std::string(command) + " " + trace, 60000);
            BOOST_TEST(run.status == 1);
            BOOST_TEST(run.err.find(trace + ": out of memory reading the trace (") == 0u, run.err);
            BOOST_TEST(run.err.find("bad_alloc") == std::string::npos, run.err);
        }
    }
}

// A script that outgrows the memory while it is recorded: an error that says so and exit 1,
// not "recording SCRIPT: std::bad_alloc" (whichever runs out first, the trace's tables or Lua).
BOOST_AUTO_TEST_CASE(out_of_memory_while_recording_is_reported_as_such) {
    if (kSanitized) {
        BOOST_TEST_MESSAGE("skipped under sanitizers: needs ulimit -v");
        return;
    }
    Folder folder;
    const std::string script = folder.at("grow.lua");
    std::ofstream(script) << "local t = {}\nfor i = 1, 1e8 do t[i] = {i} end\n";
    Run run = run_tool_limited("record -o '" + folder.at("out.gwt") + "' '" + script + "'", 200000);
    BOOST_TEST(run.status == 1);
    BOOST_TEST(run.err.find("bad_alloc") == std::string::npos, run.err);
    BOOST_TEST((run.err.find("out of memory") != std::string::npos ||
                run.err.find("not enough memory") != std::string::npos),
               run.err);
}

// `stats t.gwt > /dev/full` printed nothing and exited 0: the lost output is an error.
BOOST_AUTO_TEST_CASE(an_error_writing_standard_output_is_reported) {
    for (const char* command : {"stats", "peak", "replay --heap system --repeat 1",
                                "compare --heaps system --repeat 1"}) {
        BOOST_TEST_CONTEXT(command) {
            Run run = run_tool(std::string(command) + " traces/gw/merge_sort.gwt.gz >/dev/full");
            BOOST_TEST(run.status == 1);
            BOOST_TEST(run.err.find("glimmer-trace: error writing standard output: No space left "
                                    "on device\n") != std::string::npos,
                       run.err);
        }
    }
    // More than a buffer's worth fails before the end: still reported, exit 1.
    std::string many;
    for (int i = 0; i < 40; ++i)
        many += " traces/gw/merge_sort.gwt.gz";
    Run run = run_tool("stats" + many + " >/dev/full");
    BOOST_TEST(run.status == 1);
    BOOST_TEST(run.err.find("glimmer-trace: error writing standard output") == 0u, run.err);
    BOOST_TEST(run_tool("stats traces/gw/merge_sort.gwt.gz >/dev/null").status == 0);
}

// `record -o ne.gwt nonexist.lua` printed Lua's "cannot open" and still wrote a trace of Lua's
// start-up: a script that cannot be read is refused before anything runs or is written.
BOOST_AUTO_TEST_CASE(record_refuses_a_script_it_cannot_open_before_running_anything) {
    Folder folder;
    const std::string out = folder.at("ne.gwt");
    for (const std::string& script : {folder.at("nonexist.lua"), folder.path.string()}) {
        BOOST_TEST_CONTEXT(script) {
            Run run = run_tool("record -o '" + out + "' '" + script + "'");
            BOOST_TEST(run.status == 1);
            BOOST_TEST(run.err.starts_with(script + ": "), run.err);
            BOOST_TEST(run.err.find("recorded") == std::string::npos, run.err);
            BOOST_TEST(!fs::exists(out));
            BOOST_TEST(fs::is_empty(folder.path));
        }
    }
    Run missing = run_tool("record -o '" + out + "' '" + folder.at("nonexist.lua") + "'");
    BOOST_TEST(missing.err ==
               folder.at("nonexist.lua") + ": cannot open the script: No such file or directory\n");
}

// `record` killed by SIGINT, SIGTERM or SIGHUP left OUT.partial-XXXXXX behind: it is removed,
// and the tool dies of the signal, as it would have without the handler.
BOOST_AUTO_TEST_CASE(a_record_killed_by_a_signal_leaves_no_partial_file) {
    Folder folder;
    const std::string script = folder.at("loop.lua");
    // "ready" is printed once the script runs, after the partial file and the handler are made
    std::ofstream(script) << "io.write('ready\\n') io.flush()\nwhile true do end\n";
    for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
        BOOST_TEST_CONTEXT("signal " << signal) {
            int out[2];
            BOOST_REQUIRE(::pipe(out) == 0);
            const std::string trace = folder.at("out.gwt");
            const pid_t pid = ::fork();
            BOOST_REQUIRE(pid >= 0);
            if (pid == 0) {
                ::dup2(out[1], STDOUT_FILENO);
                ::close(out[0]);
                ::close(out[1]);
                for (int s : {SIGINT, SIGTERM, SIGHUP})  // a background shell ignores SIGINT
                    std::signal(s, SIG_DFL);
                ::execl(GLIMMER_TRACE_EXE, GLIMMER_TRACE_EXE, "record", "-o", trace.c_str(),
                        script.c_str(), static_cast<char*>(nullptr));
                ::_exit(127);
            }
            ::close(out[1]);
            std::string said;
            char buf[64];
            ssize_t n;
            while (said.find('\n') == std::string::npos &&
                   (n = ::read(out[0], buf, sizeof buf)) > 0)
                said.append(buf, static_cast<std::size_t>(n));
            ::close(out[0]);
            BOOST_TEST(said == "ready\n");
            BOOST_TEST(std::distance(fs::directory_iterator(folder.path), {}) == 2);  // + partial
            ::kill(pid, signal);
            int status = 0;
            BOOST_REQUIRE(::waitpid(pid, &status, 0) == pid);
            BOOST_TEST(WIFSIGNALED(status));
            BOOST_TEST(WTERMSIG(status) == signal);
            BOOST_TEST(std::distance(fs::directory_iterator(folder.path), {}) == 1);  // the script
            BOOST_TEST(!fs::exists(trace));
        }
    }
}

// --repeat took up to 2^31 - 1 and kept a timing per run: it is capped at kMaxRepeat (1000),
// with a usage error; a header-only trace's ratio is "n/a", not 0.000.
BOOST_AUTO_TEST_CASE(repeat_is_capped_and_an_empty_trace_has_no_ratio) {
    Folder folder;
    const std::string trace = folder.at("t.gwt");
    std::ofstream(trace) << kSmallTrace;
    for (const char* command :
         {"replay --heap system --repeat 1001 ", "compare --repeat 2147483647 "}) {
        Run run = run_tool(std::string(command) + "'" + trace + "'");
        BOOST_TEST(run.status == 2, command);
        BOOST_TEST(
            run.err.find("--repeat needs a whole number from 1 to 1000") != std::string::npos,
            run.err);
    }
    Run ok = run_tool("replay --heap system --repeat 1000 '" + trace + "'");
    BOOST_TEST(ok.status == 0, ok.err);

    const std::string empty = folder.at("empty.gwt");
    std::ofstream(empty) << "# glimmer-trace v1\n";
    Run run = run_tool("replay --heap system --repeat 1 '" + empty + "'");
    BOOST_TEST(run.status == 0, run.err);
    BOOST_TEST(run.out.find(", ratio n/a,") != std::string::npos, run.out);
}

BOOST_AUTO_TEST_SUITE_END()
