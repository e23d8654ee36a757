// lua_host.cpp - the recording allocator, the live allocator over an adapter, and the script
// runner they share (a protected main, as lua.c does, so even an out-of-memory error while
// opening the standard libraries is an error message, not a panic).
#include "lua_host.hpp"

#include <lua.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <unordered_map>
#include <utility>

namespace glimmer::traces {
namespace {

// os.exit, which would end the process before the trace is written or the heap's figures
// printed, is replaced: it records the status the script asked for and raises `exit_error`,
// a light userdata no script can make, which unwinds the script as an error does. So that no
// script code runs after it, every function that catches errors (pcall, xpcall,
// coroutine.resume, coroutine.close) raises it again on return, and the thread that raised it
// gets a count hook that raises it again at its next instruction (after a __gc finalizer,
// whose errors Lua only warns about). The state is then closed as usual, so the trace is
// complete (every block freed). What runs meanwhile is what lua5.4 runs:
//   os.exit(N) exits without closing the state: no Lua code runs, pending <close> handlers
//     included (but finalizers do run here as the state closes, see run_and_close);
//   os.exit(N, true) closes the state inside os.exit: the main thread's pending <close>
//     handlers run (with a nil error, as lua_close calls them), then the finalizers. So the
//     exit unwinds without the hook, unless it was called from a finalizer, whose error Lua
//     swallows and after which the script would go on.
struct ExitRequest {
    bool requested = false;
    bool close = false;  // os.exit's second argument
    bool stop = true;    // stop all Lua code at once (the count hook)
    int status = EXIT_SUCCESS;
};

// Every thread's extra space holds the run's ExitRequest (lua_newthread copies the main
// thread's), so the hook and the library functions find it without a global.
ExitRequest* exit_request(lua_State* L) {
    ExitRequest* e;
    std::memcpy(&e, lua_getextraspace(L), sizeof e);
    return e;
}

int raise_exit(lua_State* L);

void exit_hook(lua_State* L, lua_Debug*) {
    raise_exit(L);
}

int raise_exit(lua_State* L) {
    ExitRequest* e = exit_request(L);
    if (e->stop) {
        lua_sethook(L, exit_hook, LUA_MASKCOUNT, 1);
        lua_pushlightuserdata(L, e);
    } else {
        lua_pushnil(L);  // what <close> handlers receive as the error under lua_close
    }
    return lua_error(L);
}

// True when a __gc finalizer is on the call stack of L (Lua 5.4 names its frame "__gc").
bool in_finalizer(lua_State* L) {
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar); ++level) {
        if (lua_getinfo(L, "n", &ar) && ar.name != nullptr && std::strcmp(ar.name, "__gc") == 0 &&
            std::strcmp(ar.namewhat, "metamethod") == 0) {
            return true;
        }
    }
    return false;
}

// os.exit([code [, close]]): the status as lua.c's os.exit computes it.
int os_exit(lua_State* L) {
    int status = EXIT_SUCCESS;
    if (lua_isboolean(L, 1)) {
        status = lua_toboolean(L, 1) ? EXIT_SUCCESS : EXIT_FAILURE;
    } else {
        status = static_cast<int>(luaL_optinteger(L, 1, EXIT_SUCCESS));
    }
    ExitRequest* e = exit_request(L);
    e->requested = true;
    e->status = status;
    e->close = lua_toboolean(L, 2);
    e->stop = !e->close || in_finalizer(L);
    return raise_exit(L);
}

int after_catching(lua_State* L, int, lua_KContext) {
    if (exit_request(L)->requested) return raise_exit(L);
    return lua_gettop(L);
}

// A function that catches errors (upvalue 1), called with this call's arguments; when it
// caught the exit, the exit goes on. lua_callk keeps it yieldable, as the original is.
int exit_aware_catcher(lua_State* L) {
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_callk(L, lua_gettop(L) - 1, LUA_MULTRET, 0, after_catching);
    return after_catching(L, LUA_OK, 0);
}

// xpcall's message handler (upvalue 1) stands aside for the exit: lua5.4 runs none.
int exit_aware_handler(lua_State* L) {
    if (exit_request(L)->requested) return 1;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

int exit_aware_xpcall(lua_State* L) {
    if (lua_isfunction(L, 2)) {  // anything else: xpcall's own error
        lua_pushvalue(L, 2);
        lua_pushcclosure(L, exit_aware_handler, 1);
        lua_replace(L, 2);
    }
    return exit_aware_catcher(L);
}

// Replaces table[name] (the table at the top of the stack) with an exit-aware wrapper.
void wrap_catcher(lua_State* L, const char* name, lua_CFunction wrapper = exit_aware_catcher) {
    if (lua_getfield(L, -1, name) != LUA_TFUNCTION) {
        lua_pop(L, 1);
        return;
    }
    lua_pushcclosure(L, wrapper, 1);
    lua_setfield(L, -2, name);
}

void intercept_exit(lua_State* L) {
    lua_pushglobaltable(L);
    wrap_catcher(L, "pcall");
    wrap_catcher(L, "xpcall", exit_aware_xpcall);
    lua_pop(L, 1);
    if (lua_getglobal(L, "coroutine") == LUA_TTABLE) {
        wrap_catcher(L, "resume");
        wrap_catcher(L, "close");
    }
    lua_pop(L, 1);
    if (lua_getglobal(L, "os") == LUA_TTABLE) {
        lua_pushcfunction(L, os_exit);
        lua_setfield(L, -2, "exit");
    }
    lua_pop(L, 1);
}

struct ScriptCall {
    const std::string* script;
    const std::vector<std::string>* args;
    const std::vector<std::string>* before;
    ExitRequest exit;
};

// lua.c's msghandler: an error object that is not a string is said by its __tostring, if that
// gives a string (without a traceback, as lua5.4 says it), or by its type.
int traceback(lua_State* L) {
    if (exit_request(L)->requested) return 1;  // os.exit: no message to make
    const char* msg = lua_tostring(L, 1);
    if (msg == nullptr) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

// Runs inside lua_pcall: opens the libraries, sets `arg` as lua.c does (the command line
// before the script at negative indices, the script at 0, its arguments from 1), loads and
// calls the script.
int protected_main(lua_State* L) {
    auto* call = static_cast<ScriptCall*>(lua_touserdata(L, 1));
    ExitRequest* exit = &call->exit;
    std::memcpy(lua_getextraspace(L), &exit, sizeof exit);  // before any thread is made
    luaL_openlibs(L);
    intercept_exit(L);
    const auto& args = *call->args;
    const auto& before = *call->before;
    lua_createtable(L, static_cast<int>(args.size()), static_cast<int>(before.size()) + 1);
    for (std::size_t i = 0; i < before.size(); ++i) {
        lua_pushstring(L, before[i].c_str());
        lua_rawseti(L, -2, static_cast<lua_Integer>(i) - static_cast<lua_Integer>(before.size()));
    }
    lua_pushstring(L, call->script->c_str());
    lua_rawseti(L, -2, 0);
    for (std::size_t i = 0; i < args.size(); ++i) {
        lua_pushstring(L, args[i].c_str());
        lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
    }
    lua_setglobal(L, "arg");
    lua_gc(L, LUA_GCRESTART);    // as lua.c's pmain: the collector starts now,
    lua_gc(L, LUA_GCGEN, 0, 0);  // in generational mode (kGcMode)
    lua_pushcfunction(L, traceback);
    int handler = lua_gettop(L);
    if (luaL_loadfile(L, call->script->c_str()) != LUA_OK) return lua_error(L);
    luaL_checkstack(L, static_cast<int>(args.size()) + 1, "too many script arguments");
    for (const std::string& a : args)
        lua_pushstring(L, a.c_str());
    if (lua_pcall(L, static_cast<int>(args.size()), 0, handler) != LUA_OK) return lua_error(L);
    return 0;
}

// Runs the script in `L` and closes it; returns the outcome.
LuaOutcome run_and_close(lua_State* L, const std::string& script,
                         const std::vector<std::string>& args,
                         const std::vector<std::string>& before) {
    LuaOutcome outcome;
    if (L == nullptr) {
        outcome.error = "cannot create a Lua state (out of memory)";
        return outcome;
    }
    ScriptCall call{&script, &args, &before, {}};
    lua_gc(L, LUA_GCSTOP);  // as lua.c's main: no collection while the state is built
    lua_pushcfunction(L, protected_main);
    lua_pushlightuserdata(L, &call);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK && !call.exit.requested) {
        const char* msg = lua_tostring(L, -1);
        outcome.error = msg != nullptr ? msg : "(error object is not a string)";
    }
    if (call.exit.requested) {
        outcome.exited = true;
        outcome.exit_status = call.exit.status;
        // Finalizers run as the state closes, as lua_close inside os.exit(N, true) runs them.
        // After os.exit(N) lua5.4 runs none, but they cannot be kept from running here (Lua
        // turns hooks off in finalizers) short of not closing the state, which would leave
        // blocks unfreed: the one difference left, said in the tool's --help.
        call.exit.requested = false;
        call.exit.stop = true;
        lua_sethook(L, nullptr, 0, 0);
    }
    std::fflush(stdout);
    lua_close(L);
    if (!outcome.exited && call.exit.requested) {  // os.exit from a finalizer as the state closed
        outcome.exited = true;
        outcome.exit_status = call.exit.status;
    }
    std::fflush(stdout);
    return outcome;
}

// ---- recording ---------------------------------------------------------------------------

// The recorder writes to a TraceBuilder (the trace in memory: record_lua returning a Trace) or
// to a TraceStreamWriter (each record written as it comes: `glimmer-trace record`).
template <class Sink>
struct Recorder {
    // The error's room is taken now: it is set where memory has just run out (record_alloc,
    // noexcept), and an assignment that allocated there threw out of the handler: terminate.
    explicit Recorder(Sink& s) : sink(s) { error.reserve(kErrorRoom); }
    static constexpr std::size_t kErrorRoom = 256;
    Sink& sink;
    std::unordered_map<void*, std::uint64_t> id_of;  // the live blocks only
    std::uint64_t next_id = 1;
    std::string error;  // a recording defect (would be a bug here): reported after the run
    void fail(std::string_view why) noexcept {
        if (error.empty()) error.assign(why.substr(0, kErrorRoom));
    }
};

// What running out of memory while recording says: a streamed trace holds only its live blocks.
const char* out_of_memory_note(const TraceBuilder&) {
    return "out of memory (the whole trace is held in memory)";
}
const char* out_of_memory_note(const TraceStreamWriter&) {
    return "out of memory (for the table of live blocks)";
}

// Once recording has failed (r.error set: out of memory for the trace's tables, a write that
// failed), the run is refused allocations, and blocks it frees that the trace missed are still
// freed: Lua closes its state whatever happened, and every block must go back.
template <class Sink>
void* record_alloc(void* ud, void* ptr, std::size_t osize, std::size_t nsize) noexcept {
    auto& r = *static_cast<Recorder<Sink>*>(ud);
    void* fresh = nullptr;  // a new block not yet in the trace: freed if recording it fails
    try {
        if (nsize == 0) {
            if (ptr != nullptr) {
                auto it = r.id_of.find(ptr);
                std::free(ptr);  // first: the recording may throw, the block goes back anyway
                if (it != r.id_of.end()) {
                    const std::uint64_t id = it->second;
                    r.id_of.erase(it);
                    if (r.error.empty()) r.sink.free(id);
                }
            }
            return nullptr;
        }
        if (!r.error.empty()) return nullptr;
        if (ptr == nullptr) {
            fresh = std::malloc(nsize);
            if (fresh == nullptr) return nullptr;
            std::uint16_t tag =
                osize >= 1 && osize <= kMaxTag ? static_cast<std::uint16_t>(osize) : kNoTag;
            std::uint64_t id = r.next_id++;
            r.sink.alloc(id, nsize, tag);
            r.id_of.emplace(fresh, id);
            return std::exchange(fresh, nullptr);
        }
        auto it = r.id_of.find(ptr);
        if (it == r.id_of.end()) {
            r.error = "a block resized that was never recorded";
            return nullptr;
        }
        const std::uint64_t id = it->second;
        void* p = std::realloc(ptr, nsize);
        if (p == nullptr) return nullptr;  // Lua keeps the old block; nothing happened
        try {  // the block has moved or grown: Lua gets it whatever the recording does
            if (p != ptr) {
                r.id_of.erase(it);
                r.id_of.emplace(p, id);
            }
            r.sink.resize(id, nsize);
        } catch (const std::bad_alloc&) {
            r.fail(out_of_memory_note(r.sink));
        } catch (const std::exception& e) {
            r.fail(e.what());
        }
        return p;
    } catch (const std::bad_alloc&) {
        r.fail(out_of_memory_note(r.sink));
    } catch (const std::exception& e) {
        r.fail(e.what());
    }
    std::free(fresh);
    return nullptr;
}

// ---- live runs ---------------------------------------------------------------------------

template <HeapAdapter H>
struct LiveHeap {
    H& heap;
    LuaHeapFigures& figures;
    std::uint64_t live = 0;
    std::uint64_t calls = 0;

    // A live run is the program's own run, and people time it: samples come 64 times rarer
    // than in a replay. With glibc's every 64th (a mallinfo2 call every 4096th, walking every
    // free chunk) `lua binary_trees.lua 15 --heap system` took 5.7 s, 1.7 s without them.
    static constexpr std::size_t kSampleEvery = H::kSampleEvery * 64;

    // Samples the footprint every kSampleEvery calls, and measures it whenever the live bytes
    // pass the highest figure so far (so at the peak of the live bytes too).
    void note_live() {
        figures.peak_live = std::max(figures.peak_live, live);
        if (kSampleEvery == 0) return;
        if (live > figures.peak_footprint) {
            figures.peak_footprint =
                std::max<std::uint64_t>(figures.peak_footprint, footprint_now(heap));
        } else if (++calls % kSampleEvery == 0) {
            figures.peak_footprint =
                std::max<std::uint64_t>(figures.peak_footprint, heap.footprint());
        }
    }
};

template <HeapAdapter H>
void* live_alloc(void* ud, void* ptr, std::size_t osize, std::size_t nsize) noexcept {
    auto& h = *static_cast<LiveHeap<H>*>(ud);
    if (nsize == 0) {
        if (ptr != nullptr) {
            h.heap.free(ptr, osize);
            h.live -= osize;
            ++h.figures.frees;
        }
        return nullptr;
    }
    if (ptr == nullptr) {
        void* p = h.heap.allocate(nsize);
        if (p == nullptr) {
            ++h.figures.failed;
            return nullptr;
        }
        h.live += nsize;
        ++h.figures.allocations;
        h.note_live();
        return p;
    }
    void* p = h.heap.resize(ptr, osize, nsize);
    if (p == nullptr) {
        ++h.figures.failed;
        return nullptr;
    }
    h.live = h.live - osize + nsize;
    ++h.figures.resizes;
    h.note_live();
    return p;
}

std::string join_source(const std::string& script, const std::vector<std::string>& args) {
    std::string s = "lua5.4 " + script;
    for (const std::string& a : args)
        s += " " + a;
    return s;
}

// The header's comments of a recording, in this order: source, events, peak-live, gc, then
// how the script ended, if not at its end.
std::vector<std::string> record_comments(const std::string& script,
                                         const std::vector<std::string>& args, std::uint64_t events,
                                         std::uint64_t peak_live, const LuaOutcome& outcome) {
    std::vector<std::string> comments = {
        "source: " + join_source(script, args), "events: " + std::to_string(events),
        "peak-live: " + std::to_string(peak_live), std::string("gc: ") + kGcMode};
    if (!outcome.ok()) comments.push_back("script error: the run ended early");
    if (outcome.exited) {
        comments.push_back("script exit: os.exit(" + std::to_string(outcome.exit_status) +
                           "), then the state was closed");
    }
    return comments;
}

}  // namespace

Trace record_lua(const std::string& script, const std::vector<std::string>& args,
                 LuaOutcome& outcome, const std::vector<std::string>& before) {
    TraceBuilder builder(script);
    Recorder<TraceBuilder> recorder(builder);
    outcome =
        run_and_close(lua_newstate(record_alloc<TraceBuilder>, &recorder), script, args, before);
    if (!recorder.error.empty()) throw TraceError("recording " + script + ": " + recorder.error);
    std::uint64_t events = builder.event_count();
    Trace trace = std::move(builder).finish();
    std::vector<std::string> header =
        record_comments(script, args, events, trace.peak_live, outcome);
    trace.comments.insert(trace.comments.begin(), header.begin(), header.end());
    return trace;
}

RecordFigures record_lua(const std::string& script, const std::vector<std::string>& args,
                         LuaOutcome& outcome, TraceStreamWriter& out,
                         const std::vector<std::string>& before) {
    Recorder<TraceStreamWriter> recorder(out);
    outcome = run_and_close(lua_newstate(record_alloc<TraceStreamWriter>, &recorder), script, args,
                            before);
    if (!recorder.error.empty()) throw TraceError("recording " + script + ": " + recorder.error);
    RecordFigures figures{out.event_count(), out.peak_live(), out.live_blocks()};
    out.finish(record_comments(script, args, figures.events, figures.peak_live, outcome));
    return figures;
}

LuaOutcome run_lua(const std::string& script, const std::vector<std::string>& args, HeapId heap,
                   const HeapSet& set, LuaHeapFigures& figures,
                   const std::vector<std::string>& before) {
    return with_heap(heap, set, [&](auto& adapter) {
        using H = std::remove_reference_t<decltype(adapter)>;
        adapter.begin();
        LiveHeap<H> live{adapter, figures};
        LuaOutcome outcome =
            run_and_close(lua_newstate(live_alloc<H>, &live), script, args, before);
        figures.peak_footprint =
            std::max<std::uint64_t>(figures.peak_footprint, adapter.peak_footprint());
        figures.check = adapter.check();
        figures.checked = H::kHasCheck;
        return outcome;
    });
}

}  // namespace glimmer::traces
