// lua_host_test.cpp - Lua 5.4 on our heaps (tracing/lua_host.cpp): every program in
// scripts/lua prints the same under `glimmer-trace lua --heap glimmer` as under the system
// allocator, and recording closes the state so every block is freed.
#include "lua_host.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <utility>

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

namespace {
std::string write_script(const std::string& name, const std::string& text) {
    std::string path = (std::filesystem::temp_directory_path() / name).string();
    std::ofstream(path) << text;
    return path;
}
}  // namespace

// os.exit would end the process before the trace is written; it ends the script instead, the
// state is closed (every block freed) and the status is the script's.
BOOST_AUTO_TEST_CASE(os_exit_ends_the_script_and_the_trace_is_complete) {
    std::string path = write_script("glimmer_lua_exit.lua",
                                    "local t = {}\nfor i = 1, 500 do t[i] = {i, tostring(i)} end\n"
                                    "print(pcall(os.exit, 3))\nprint('after pcall')\n");
    LuaOutcome outcome;
    Trace t = record_lua(path, {}, outcome);
    BOOST_TEST(outcome.ok(), outcome.error);
    BOOST_TEST(outcome.exited);
    BOOST_TEST(outcome.exit_status == 3);
    BOOST_TEST(t.events.size() > 1000u);
    BOOST_TEST(t.live_at_end == 0u);
    BOOST_TEST(t.comment_value("script exit") == "os.exit(3), then the state was closed");

    std::string out = (std::filesystem::temp_directory_path() / "glimmer_lua_exit.gwt").string();
    std::remove(out.c_str());
    Run run = run_tool("record -o '" + out + "' '" + path + "'");
    BOOST_TEST(run.status == 3, run.err);
    BOOST_TEST(run.out.empty(), run.out);  // nothing runs after os.exit, not even under pcall
    Trace written = read_trace(out);
    BOOST_TEST(written.live_at_end == 0u);
    BOOST_TEST(written.events.size() > 1000u);
    BOOST_TEST(run.err.find("recorded ") == 0u, run.err);

    Run live = run_tool("lua --heap system '" + path + "'");
    BOOST_TEST(live.status == 3, live.err);
    BOOST_TEST(live.out.empty(), live.out);
    BOOST_TEST(live.err.find("-- heap system: ") != std::string::npos, live.err);
    // glibc has no heap check here: none is claimed (it said "heap check passed")
    BOOST_TEST(live.err.find("heap check") == std::string::npos, live.err);
    std::remove(out.c_str());
    std::remove(path.c_str());
}

// An output that cannot be created is reported before the script runs (it ran to the end, its
// output printed, and only then did the recording fail).
BOOST_AUTO_TEST_CASE(record_checks_its_output_before_running_the_script) {
    std::string path = write_script("glimmer_lua_unwritable.lua", "print('the script ran')\n");
    Run run = run_tool("record -o /nonexistent-glimmer-dir/x.gwt '" + path + "'");
    BOOST_TEST(run.status == 1);
    BOOST_TEST(run.out.empty(), run.out);
    BOOST_TEST(run.err.find("/nonexistent-glimmer-dir/x.gwt: cannot write the trace: ") == 0u,
               run.err);
    std::remove(path.c_str());
}

// A script that fails is recorded up to its error, as `glimmer --trace-out` records one, with
// the error on stderr, a note in the header and status 1; the trace is complete (the state was
// closed). A trace named as the script itself is refused before anything runs.
BOOST_AUTO_TEST_CASE(a_failing_script_is_recorded_up_to_its_error) {
    std::string path = write_script("glimmer_lua_fails.lua",
                                    "local t = {}\nfor i = 1, 100 do t[i] = {i} end\n"
                                    "error('boom')\n");
    const std::string out = path + ".gwt";
    Run run = run_tool("record -o '" + out + "' '" + path + "'");
    BOOST_TEST(run.status == 1);
    BOOST_TEST(run.err.find("boom") != std::string::npos, run.err);
    const Trace trace = read_trace(out);
    BOOST_TEST(trace.events.size() > 200u);
    bool noted = false;
    for (const std::string& c : trace.comments)
        noted = noted || c.find("script error") == 0;
    BOOST_TEST(noted);
    std::remove(out.c_str());

    const std::string before = read_text(path);
    Run same = run_tool("record -o '" + path + "' '" + path + "'");
    BOOST_TEST(same.status == 2);
    BOOST_TEST(same.err.find("is the script itself") != std::string::npos, same.err);
    BOOST_TEST(read_text(path) == before);
    std::remove(path.c_str());
}

// Whatever catches the exit on the way out raises it again: coroutine.resume, xpcall, a
// coroutine.wrap under pcall; os.exit(false) is 1, os.exit(true) and os.exit() are 0.
BOOST_AUTO_TEST_CASE(os_exit_goes_through_every_catcher_with_lua_s_status) {
    const std::pair<const char*, int> cases[] = {
        {"local co = coroutine.create(function() os.exit(false) end)\n"
         "print(coroutine.resume(co))\n",
         1},
        {"print(xpcall(function() os.exit(4) end, function(m) return m end))\n", 4},
        {"local f = coroutine.wrap(function() os.exit(7, true) end)\nprint(pcall(f))\n", 7},
        {"local co = coroutine.wrap(function() print(pcall(os.exit, 6)) end)\n"
         "print(pcall(co))\n",
         6},
        {"os.exit(true)\n", 0},
        {"os.exit()\n", 0},
    };
    for (const auto& [text, status] : cases) {
        BOOST_TEST_CONTEXT(text) {
            std::string path = write_script("glimmer_lua_exit_case.lua",
                                            std::string(text) + "print('still running')\n");
            LuaOutcome outcome;
            Trace t = record_lua(path, {}, outcome);
            BOOST_TEST(outcome.ok(), outcome.error);
            BOOST_TEST(outcome.exited);
            BOOST_TEST(outcome.exit_status == status);
            BOOST_TEST(t.live_at_end == 0u);
            Run run = run_tool("lua --heap system '" + path + "'");
            BOOST_TEST(run.status == status, run.err);
            BOOST_TEST(run.out.empty(), run.out);
            std::remove(path.c_str());
        }
    }
}

// What lua5.4 prints and exits with for each script (checked against lua5.4 5.4.4), the tool
// prints and exits with too, live and recording: the collector in generational mode, pending
// <close> handlers run by os.exit(N, true), os.exit from a finalizer as the state closes, an
// error object said by its __tostring. The recording says its collector mode.
BOOST_AUTO_TEST_CASE(scripts_behave_as_under_lua5_4) {
    struct Case {
        const char* text;
        const char* out;
        int status;
        const char* err;  // in stderr
    };
    const Case cases[] = {
        {"print(collectgarbage('incremental'))\n", "generational\n", 0, ""},
        {"do local x <close> = setmetatable({}, {__close = function(_, e) print('close ran', e) "
         "end}); os.exit(2, true) end\n",
         "close ran\tnil\n", 2, ""},
        {"print(xpcall(function() local x <close> = setmetatable({}, {__close = function() "
         "print('closed') end}); os.exit(5, true) end, function(m) print('handler') end))\n",
         "closed\n", 5, ""},
        {"do local x <close> = setmetatable({}, {__close = function() print('close ran') end}); "
         "os.exit(2) end\n",
         "", 2, ""},
        {"setmetatable({}, {__gc = function() os.exit(9) end})\n", "", 9, ""},
        {"error(setmetatable({}, {__tostring = function() return 'custom msg' end}))\n", "", 1,
         "custom msg"},
    };
    const std::string out =
        (std::filesystem::temp_directory_path() / "glimmer_lua_as.gwt").string();
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.text) {
            std::string path = write_script("glimmer_lua_as.lua", c.text);
            Run live = run_tool("lua --heap system '" + path + "'");
            BOOST_TEST(live.status == c.status, live.err);
            BOOST_TEST(live.out == c.out);
            BOOST_TEST(live.err.find(c.err) != std::string::npos, live.err);
            BOOST_TEST(live.err.find("error object is a") == std::string::npos, live.err);
            std::remove(out.c_str());
            Run rec = run_tool("record -o '" + out + "' '" + path + "'");
            BOOST_TEST(rec.status == c.status, rec.err);
            BOOST_TEST(rec.out == c.out);
            const Trace t = read_trace(out);
            BOOST_TEST(t.comment_value("gc") == "generational");
            BOOST_TEST(t.live_at_end == 0u);
            if (c.status != 0 && c.status != 1) {
                BOOST_TEST(t.comment_value("script exit")
                               .starts_with("os.exit(" + std::to_string(c.status) + ")"),
                           t.comment_value("script exit"));
            }
            std::remove(path.c_str());
        }
    }
    std::remove(out.c_str());
}

BOOST_AUTO_TEST_CASE(unknown_options_before_the_script_are_usage_errors) {
    for (const char* command :
         {"record --bogus -o /tmp/x.gwt s.lua", "record -o /tmp/x.gwt --bogus s.lua",
          "lua --bogus s.lua", "lua --heap system --bogus s.lua"}) {
        Run run = run_tool(command);
        BOOST_TEST(run.status == 2, command);
        BOOST_TEST(run.err.find("unknown option --bogus") != std::string::npos, run.err);
    }
}

// arg as lua.c sets it: the command line before the script at negative indices.
BOOST_AUTO_TEST_CASE(the_script_sees_its_command_line_in_arg_as_under_lua) {
    std::string path =
        write_script("glimmer_lua_arg.lua",
                     "local lo = 0\nwhile arg[lo - 1] do lo = lo - 1 end\n"
                     "for i = lo, #arg do io.write(i, '=', arg[i]:match('[^/]*$'), ' ') end\n"
                     "print(select('#', ...))\n");
    std::string out = (std::filesystem::temp_directory_path() / "glimmer_lua_arg.gwt").string();
    std::string name = std::filesystem::path(path).filename().string();
    Run rec = run_tool("record -o '" + out + "' '" + path + "' a b");
    BOOST_TEST(rec.status == 0, rec.err);
    BOOST_TEST(rec.out == "-4=glimmer-trace -3=record -2=-o -1=glimmer_lua_arg.gwt 0=" + name +
                              " 1=a 2=b 2\n");
    Run live = run_tool("lua --heap system -- '" + path + "' --heap x");
    BOOST_TEST(live.status == 0, live.err);
    BOOST_TEST(live.out ==
               "-5=glimmer-trace -4=lua -3=--heap -2=system -1=-- 0=" + name + " 1=--heap 2=x 2\n");
    std::remove(out.c_str());
    std::remove(path.c_str());
}

BOOST_AUTO_TEST_SUITE_END()
