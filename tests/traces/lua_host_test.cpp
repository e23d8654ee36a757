// lua_host_test.cpp - Lua 5.4 on our heaps (tracing/lua_host.cpp): every program in
// scripts/lua prints the same under `glimmer-trace lua --heap glimmer` as under the system
// allocator, and recording closes the state so every block is freed.
#include "lua_host.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <map>

#include "support.hpp"

using namespace glimmer::traces;
using namespace glimmer::traces::test;

namespace {

// Small sizes keep the suite fast; a script not listed runs with its own default size.
const std::map<std::string, std::string> kSmallSize = {
    {"binary_trees", "8"}, {"closures", "3000"},    {"coroutines", "60"},     {"ecosystem", "15"},
    {"expr_eval", "150"},  {"graph_paths", "2000"}, {"json_codec", "200"},    {"lru_cache", "8000"},
    {"records", "2000"},   {"sorting", "2000"},     {"string_table", "4000"}, {"text_split", "600"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tracing_lua_host)

#if GLIMMER_TRACES_HAVE_GLIMMER
BOOST_AUTO_TEST_CASE(every_lua_program_prints_the_same_on_glimmer_as_on_the_system_heap) {
    int scripts = 0;
    for (const auto& entry : std::filesystem::directory_iterator(at_root("scripts/lua"))) {
        if (entry.path().extension() != ".lua") continue;
        ++scripts;
        std::string stem = entry.path().stem().string();
        auto size = kSmallSize.find(stem);
        std::string args =
            "scripts/lua/" + stem + ".lua " + (size == kSmallSize.end() ? "" : size->second);
        BOOST_TEST_CONTEXT(args) {
            Run system = run_tool("lua --heap system " + args);
            Run glimmer = run_tool("lua --heap glimmer " + args);
            BOOST_TEST(system.status == 0, system.err);
            BOOST_TEST(glimmer.status == 0, glimmer.err);
            BOOST_TEST(!glimmer.out.empty());
            BOOST_TEST(glimmer.out == system.out);
            BOOST_TEST(glimmer.err.find("heap check passed") != std::string::npos, glimmer.err);
        }
    }
    BOOST_TEST(scripts >= 10);
}

BOOST_AUTO_TEST_CASE(a_script_error_is_reported_and_the_heap_stays_sound) {
    std::string path = (std::filesystem::temp_directory_path() / "glimmer_lua_error.lua").string();
    std::ofstream(path)
        << "local t = {}\nfor i = 1, 1000 do t[i] = ('x'):rep(i) end\nerror('boom')\n";
    HeapSet set;
    LuaHeapFigures f;
    LuaOutcome outcome = run_lua(path, {}, HeapId::Glimmer, set, f);
    BOOST_TEST(outcome.error.find("boom") != std::string::npos, outcome.error);
    BOOST_TEST(f.check.empty(), f.check);
    BOOST_TEST(f.allocations == f.frees);  // lua_close freed everything
    std::remove(path.c_str());
}
#endif

BOOST_AUTO_TEST_CASE(recording_closes_the_state_so_every_block_is_freed) {
    std::string path = (std::filesystem::temp_directory_path() / "glimmer_lua_record.lua").string();
    std::ofstream(path)
        << "local t = {}\nfor i = 1, 500 do t[i] = {i, tostring(i)} end\nassert(#t == 500)\n";
    LuaOutcome outcome;
    Trace t = record_lua(path, {}, outcome);
    BOOST_TEST(outcome.ok(), outcome.error);
    BOOST_TEST(t.live_at_end == 0u);
    BOOST_TEST(t.comment_value("source") == "lua5.4 " + path);
    BOOST_TEST(t.comment_value("events") == std::to_string(t.events.size()));
    BOOST_TEST(t.comment_value("peak-live") == std::to_string(t.peak_live));
    bool tables = false, strings = false;
    for (const Event& e : t.events) {
        tables |= e.op == Op::Alloc && e.tag == 5;
        strings |= e.op == Op::Alloc && e.tag == 4;
    }
    BOOST_TEST(tables);
    BOOST_TEST(strings);
    // The recorded text parses back to the same trace.
    Trace again = parse_trace("again", format_trace(t));
    BOOST_TEST(again.events.size() == t.events.size());
    std::remove(path.c_str());
}

BOOST_AUTO_TEST_SUITE_END()
