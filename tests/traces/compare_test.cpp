// compare_test.cpp - the compare table and its geometric means (tracing/compare.cpp).
#include "compare.hpp"

#include <boost/test/unit_test.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "trace.hpp"

using namespace glimmer::traces;

namespace {

// The words of the line of the means section that starts with `heap`.
std::vector<std::string> mean_row(const std::string& text, const std::string& heap) {
    std::size_t section = text.find("\ngeometric mean over");
    if (section == std::string::npos) return {};
    std::size_t at = text.find("\n" + heap + " ", section + 1);
    if (at == std::string::npos) return {};
    std::istringstream line(text.substr(at + 1, text.find('\n', at + 1) - at - 1));
    std::vector<std::string> words;
    for (std::string w; line >> w;)
        words.push_back(w);
    return words;
}

CompareRow row(const char* path, std::uint64_t events, std::uint64_t peak_live,
               std::vector<CompareCell> cells) {
    CompareRow r;
    r.path = path;
    r.events = events;
    r.peak_live = peak_live;
    r.cells = std::move(cells);
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tracing_compare)

// A trace with a header and no events has ns/event 0 and fp/live 0: in the means, they took
// every heap's figures to 0. It is left out of them, and the output says so.
BOOST_AUTO_TEST_CASE(a_trace_without_events_is_left_out_of_the_geometric_means) {
    CompareTable table;
    table.heaps = {HeapId::Glimmer, HeapId::System};
    table.repeat = 3;
    table.rows.push_back(row("t/a.gwt", 100, 1000, {{10, 2000}, {20, 3000}}));
    table.rows.push_back(row("t/empty.gwt", 0, 0, {{0, 16384}, {0, 0}}));
    table.rows.push_back(row("t/b.gwt", 100, 1000, {{40, 2000}, {20, 3000}}));
    const std::string text = format_compare(table);
    BOOST_TEST(text.find("geometric mean over 2 traces") != std::string::npos, text);
    BOOST_TEST(
        text.find("left out of the means, having no events: empty.gwt\n") != std::string::npos,
        text);
    const std::vector<std::string> glimmer = mean_row(text, "glimmer");
    const std::vector<std::string> system = mean_row(text, "system");
    BOOST_TEST_REQUIRE(glimmer.size() == 5u, text);
    BOOST_TEST_REQUIRE(system.size() == 5u, text);
    BOOST_TEST(glimmer[1] == "20.0");  // sqrt(10 * 40)
    BOOST_TEST(glimmer[3] == "2.000");
    BOOST_TEST(system[1] == "20.0");
    BOOST_TEST(system[2] == "1.00");  // sqrt(2 * 0.5)
    BOOST_TEST(system[3] == "3.000");
    BOOST_TEST(system[4] == "1.50");
}

BOOST_AUTO_TEST_CASE(with_no_events_anywhere_there_are_no_means) {
    CompareTable table;
    table.heaps = {HeapId::Glimmer, HeapId::System};
    table.repeat = 1;
    table.rows.push_back(row("empty.gwt", 0, 0, {{0, 16384}, {0, 0}}));
    const std::string text = format_compare(table);
    BOOST_TEST(text.find("no geometric means: no trace has events") != std::string::npos, text);
    BOOST_TEST(text.find("geometric mean over") == std::string::npos, text);
}

// Each heap's row ends with the median page faults of its timed replays, and compare() fills
// them in: a trace that touches 4 MiB of fresh blocks faults in every round on Glimmer, whose
// heap (fresh each replay) keeps nothing between them.
BOOST_AUTO_TEST_CASE(each_row_ends_with_the_page_faults_of_a_timed_replay) {
    CompareTable table;
    table.heaps = {HeapId::Glimmer, HeapId::System};
    table.repeat = 1;
    table.rows.push_back(row("t/a.gwt", 100, 1000, {{10, 2000, 1234}, {20, 3000, 56}}));
    const std::string text = format_compare(table);
    BOOST_TEST(text.find(" faults\n") != std::string::npos, text);
    BOOST_TEST(text.find(" 1234\n") != std::string::npos, text);
    BOOST_TEST(text.find(" 56\n") != std::string::npos, text);

    TraceBuilder b("four_mib.gwt");
    for (std::uint64_t id = 1; id <= 1024; ++id)
        b.alloc(id, 4000, 1);
    for (std::uint64_t id = 1; id <= 1024; ++id)
        b.free(id);
    std::vector<Trace> traces;
    traces.push_back(std::move(b).finish());
    HeapSet set;
    const CompareTable run = compare(traces, {HeapId::Glimmer}, set, 3);
    BOOST_TEST(run.rows.front().cells.front().minor_faults >= 512.0);
}

BOOST_AUTO_TEST_SUITE_END()
