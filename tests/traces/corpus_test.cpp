// corpus_test.cpp - data-driven: every trace under traces/ (bad/ excluded) replays clean on
// the Glimmer heap with gw_heap_check passing and stays within 2% of its footprint baseline on
// the fixed-address source (and within 2% and the footprint ceiling's slack on mmap);
// every traces/bad file fails with the message in its .expect; the CLI refuses non-traces.
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <utility>
#include <vector>

#include "corpus.hpp"
#include "gw_heap.h"
#include "replay.hpp"
#include "support.hpp"

using namespace glimmer::traces;
using namespace glimmer::traces::test;

BOOST_AUTO_TEST_SUITE(tracing_corpus)

#if GLIMMER_TRACES_HAVE_GLIMMER
static_assert(kFootprintToleranceMmap == kFootprintTolerance + 1.0 / (1 << GW_PEAK_SLACK_SHIFT),
              "the mmap tolerance follows the footprint ceiling's slack");

BOOST_AUTO_TEST_CASE(every_trace_replays_clean_within_its_footprint_baselines) {
    const std::string dir = at_root("traces");
    const auto baselines = read_baselines(dir);
    const auto traces = find_traces(dir);
    BOOST_TEST(traces.size() >= 10u);
    HeapSet fixed;
    fixed.set_fixed_addresses(true);  // as `glimmer-trace baseline` measures
    const HeapSet mmap;               // the default source: its own policies for huge chunks
    for (const std::string& path : traces) {
        const std::string name = relative_to(dir, path);
        BOOST_TEST_CONTEXT(name) {
            Trace t = read_trace(path);
            ReplayResult on_fixed;
            ReplayResult on_mmap;
            try {
                on_fixed = replay(t, HeapId::Glimmer, fixed, ReplayOptions{Check::Full, 0});
                on_mmap = replay(t, HeapId::Glimmer, mmap, ReplayOptions{Check::Full, 0});
            } catch (const ReplayError& e) {
                BOOST_ERROR(e.what());
                continue;
            }
            auto b = baselines.find(name);
            if (b == baselines.end()) {
                BOOST_ERROR("no footprint baseline for traces/" + name +
                            ": run `glimmer-trace baseline traces` and commit the file");
                continue;
            }
            const auto within = [](std::uint64_t got, std::uint64_t baseline,
                                   double tolerance = kFootprintTolerance) {
                return static_cast<double>(got) <= baseline * (1 + tolerance);
            };
            BOOST_TEST(within(on_fixed.peak_footprint, b->second.peak_footprint),
                       "peak footprint " << on_fixed.peak_footprint << " is over the baseline "
                                         << b->second.peak_footprint << " by more than 2%");
            BOOST_TEST(within(on_mmap.peak_footprint, b->second.peak_footprint_mmap,
                              kFootprintToleranceMmap),
                       "peak footprint on mmap "
                           << on_mmap.peak_footprint << " is over the baseline "
                           << b->second.peak_footprint_mmap << " by more than "
                           << kFootprintToleranceMmap * 100 << "%");
            BOOST_TEST(on_fixed.peak_live == b->second.peak_live);
        }
    }
}
#endif

BOOST_AUTO_TEST_CASE(every_bad_trace_fails_with_its_expected_message) {
    const auto bad = find_bad_traces(at_root("traces"));
    BOOST_TEST(bad.size() >= 15u);
    for (const std::string& path : bad) {
        std::string stem = path.substr(0, path.size() - (path.ends_with(".gz") ? 7 : 4));
        BOOST_TEST_CONTEXT(path) {
            std::string expect = read_text(stem + ".expect");
            BOOST_REQUIRE_MESSAGE(!expect.empty(), "missing " + stem + ".expect");
            while (!expect.empty() && expect.back() == '\n')
                expect.pop_back();
            // .expect files are written as `glimmer-trace replay traces/bad/...` prints them.
            std::string relative = "traces/bad/" + std::filesystem::path(path).filename().string();
            std::string got = "(accepted)";
            try {
                read_trace(path);
            } catch (const TraceError& e) {
                got = e.what();
                if (got.starts_with(path)) got = relative + got.substr(path.size());
            }
            BOOST_TEST(got == expect);
        }
    }
}

// Every argument must be a trace: a README, a directory or an empty file is an error with the
// file's name (shared/TRACE-FORMAT.md: "never a silent skip"), and the other files still run.
BOOST_AUTO_TEST_CASE(the_tool_reports_every_file_that_is_not_a_trace_and_exits_non_zero) {
    Run run = run_tool(
        "replay --heap system --repeat 1 traces/README.md traces/bad traces/bad/zero_size.gwt "
        "traces/gw/merge_sort.gwt.gz");
    BOOST_TEST(run.status == 1);
    BOOST_TEST(run.err.find("traces/README.md:1: unknown header '# traces/") != std::string::npos,
               run.err);
    BOOST_TEST(run.err.find("traces/bad: is a directory, not a trace") != std::string::npos,
               run.err);
    BOOST_TEST(run.err.find(read_text(at_root("traces/bad/zero_size.expect"))) != std::string::npos,
               run.err);
    BOOST_TEST(run.err.find("skipping") == std::string::npos, run.err);
    BOOST_TEST(run.out.find("traces/gw/merge_sort.gwt.gz on system:") != std::string::npos,
               run.out);

    const std::string empty =
        (std::filesystem::temp_directory_path() / "glimmer_trace_empty.txt").string();
    std::ofstream{empty};
    for (const char* command : {"replay --heap system", "compare --heaps system", "stats"}) {
        BOOST_TEST_CONTEXT(command) {
            Run r = run_tool(std::string(command) + " '" + empty + "'");
            BOOST_TEST(r.status == 1);
            BOOST_TEST(
                r.err.find(empty + ":1: missing header: the file is empty") != std::string::npos,
                r.err);
            Run dir = run_tool(std::string(command) + " traces/gw");
            BOOST_TEST(dir.status == 1);
            BOOST_TEST(dir.err.find("traces/gw: is a directory") != std::string::npos, dir.err);
        }
    }
    std::remove(empty.c_str());
}

BOOST_AUTO_TEST_CASE(usage_errors_exit_2_and_every_command_has_help) {
    BOOST_TEST(run_tool("frobnicate").status == 2);
    BOOST_TEST(run_tool("replay").status == 2);
    BOOST_TEST(run_tool("replay traces/README.md").status == 1);
    BOOST_TEST(run_tool("replay --repeat 0 x.gwt").status == 2);
    BOOST_TEST(run_tool("peak").status == 2);
    for (const char* command :
         {"record", "lua", "replay", "compare", "stats", "peak", "baseline"}) {
        Run run = run_tool(std::string(command) + " --help");
        BOOST_TEST(run.status == 0, command);
        BOOST_TEST(run.out.find(std::string("usage: glimmer-trace ") + command) == 0u, run.out);
    }
}

// Numbers on the command line are decimal digits, as in a trace (std::stoi took "+2" and
// " 2"); an empty value is refused (`compare --heaps ""` ran every heap), and so is a heap
// named twice, and an option given twice (one of them was dropped, or called unknown). Each is
// a usage error: exit 2, the message, then the command's help.
BOOST_AUTO_TEST_CASE(option_values_are_as_strict_as_the_trace_reader) {
    const std::string file = " traces/gw/merge_sort.gwt.gz";
    const std::pair<std::string, std::string> cases[] = {
        {"replay --repeat +2",
         "--repeat needs a whole number from 1 to 1000 (decimal digits), not '+2'"},
        {"replay --repeat 2147483648", "not '2147483648'"},
        {"replay --repeat 1 --repeat 2", "--repeat given twice"},
        {"compare --warm --warm", "--warm given twice"},
        {"lua --heap system --heap glimmer x.lua", "--heap given twice"},
        {"lua --heap system x.lua --heap glimmer", "--heap given twice"},
        {"record -o a.gwt -o b.gwt x.lua", "-o given twice"},
        {"replay --repeat ' 2'", "not ' 2'"},
        {"replay --repeat '2 '", "not '2 '"},
        {"replay --repeat -2", "not '-2'"},
        {"replay --repeat 0x2", "not '0x2'"},
        {"replay --repeat 99999999999", "not '99999999999'"},
        {"compare --repeat +1", "not '+1'"},
        {"replay --repeat ''", "--repeat needs a value, not ''"},
        {"replay --heap ''", "--heap needs a value, not ''"},
        {"replay --plot ''", "--plot needs a value, not ''"},
        {"compare --heaps ''", "--heaps needs a value, not ''"},
        {"compare --heaps system,", "unknown heap ''"},
        {"compare --heaps system,system", "--heaps names system twice"},
        {"compare --heaps system,glibc", "--heaps names system twice"},
        {"lua --heap '' x.lua", "--heap needs a value, not ''"},
    };
    for (const auto& [command, message] : cases) {
        BOOST_TEST_CONTEXT(command) {
            Run run = run_tool(command + file);
            BOOST_TEST(run.status == 2);
            BOOST_TEST(run.err.find(message) != std::string::npos, run.err);
            BOOST_TEST(run.err.find("usage: glimmer-trace ") != std::string::npos, run.err);
        }
    }
    Run missing = run_tool("baseline /nonexistent-glimmer-dir");
    BOOST_TEST(missing.status == 2);
    BOOST_TEST(
        missing.err.find("'/nonexistent-glimmer-dir' is not a directory") != std::string::npos,
        missing.err);
    Run leading_zero = run_tool("replay --heap system --repeat 02" + file);
    BOOST_TEST(leading_zero.status == 0, leading_zero.err);
    BOOST_TEST(leading_zero.out.find("(median of 2 timed runs)") != std::string::npos,
               leading_zero.out);
}

// `--` ends the options in every command that takes files, as in `record` and `lua` (`replay
// -- FILE` said "unknown option --"); after it, a word starting with '-' is a file.
BOOST_AUTO_TEST_CASE(a_double_dash_ends_the_options_of_every_command) {
    const std::string file = "traces/gw/merge_sort.gwt.gz";
    std::vector<std::string> commands = {"replay --heap system --repeat 1",
                                         "compare --heaps system --repeat 1", "stats"};
#if GLIMMER_TRACES_HAVE_GLIMMER
    commands.push_back("peak");
#endif
    for (const std::string& command : commands) {
        BOOST_TEST_CONTEXT(command) {
            Run run = run_tool(command + " -- " + file);
            BOOST_TEST(run.status == 0, run.err);
            BOOST_TEST(run.out.find("merge_sort.gwt.gz") != std::string::npos, run.out);
            Run dash = run_tool(command + " -- -no-such.gwt");
            BOOST_TEST(dash.status == 1, dash.err);
            BOOST_TEST(dash.err.find("-no-such.gwt: cannot open") != std::string::npos, dash.err);
            Run option = run_tool(command + " -- --warm");  // a file named so, not the flag
            BOOST_TEST(option.status == 1, option.err);
            BOOST_TEST(option.err.find("--warm: cannot open") != std::string::npos, option.err);
        }
    }
#if GLIMMER_TRACES_HAVE_GLIMMER
    const auto dir = std::filesystem::temp_directory_path() / "glimmer_trace_baseline_dashes";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "one.gwt") << "# glimmer-trace v1\na 1 100\nf 1\n";
    Run baseline = run_tool("baseline -- '" + dir.string() + "'");
    BOOST_TEST(baseline.status == 0, baseline.err);
    BOOST_TEST(read_text((dir / "footprint-baseline.txt").string()).find("one.gwt ") !=
               std::string::npos);
    std::filesystem::remove_all(dir);
#endif
}

BOOST_AUTO_TEST_SUITE_END()
