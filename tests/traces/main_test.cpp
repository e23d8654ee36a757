// main_test.cpp - glimmer-trace's command line (tracing/main.cpp): what it refuses before it
// writes anything, and how it reports what fails around the traces (memory, standard output).
#include <boost/test/unit_test.hpp>


#include <filesystem>
#include <fstream>
#include <string>

#include "support.hpp"

using namespace glimmer::traces::test;
namespace fs = std::filesystem;

namespace {

// A fresh folder under /tmp, removed with everything in it.
struct Folder {
    fs::path path =
        fs::temp_directory_path() / ("glimmer_trace_main_" + std::to_string(::getpid()));
    Folder() {
        fs::remove_all(path);
        fs::create_directory(path);
    }
    ~Folder() { fs::remove_all(path); }
    std::string at(const std::string& name) const { return (path / name).string(); }
};

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

BOOST_AUTO_TEST_SUITE_END()
