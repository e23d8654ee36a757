// lua_host.cpp - the recording allocator, the live allocator over an adapter, and the script
// runner they share (a protected main, as lua.c does, so even an out-of-memory error while
// opening the standard libraries is an error message, not a panic).
#include "lua_host.hpp"

#include <lua.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

namespace glimmer::traces {
namespace {

struct ScriptCall {
    const std::string* script;
    const std::vector<std::string>* args;
};

int traceback(lua_State* L) {
    const char* msg = lua_tostring(L, 1);
    if (msg == nullptr)
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    luaL_traceback(L, L, msg, 1);
    return 1;
}

// Runs inside lua_pcall: opens the libraries, sets `arg`, loads and calls the script.
int protected_main(lua_State* L) {
    auto* call = static_cast<ScriptCall*>(lua_touserdata(L, 1));
    luaL_openlibs(L);
    const auto& args = *call->args;
    lua_createtable(L, static_cast<int>(args.size()), 1);
    lua_pushstring(L, call->script->c_str());
    lua_rawseti(L, -2, 0);
    for (std::size_t i = 0; i < args.size(); ++i) {
        lua_pushstring(L, args[i].c_str());
        lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
    }
    lua_setglobal(L, "arg");
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
                         const std::vector<std::string>& args) {
    LuaOutcome outcome;
    if (L == nullptr) {
        outcome.error = "cannot create a Lua state (out of memory)";
        return outcome;
    }
    ScriptCall call{&script, &args};
    lua_pushcfunction(L, protected_main);
    lua_pushlightuserdata(L, &call);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        const char* msg = lua_tostring(L, -1);
        outcome.error = msg != nullptr ? msg : "(error object is not a string)";
    }
    std::fflush(stdout);
    lua_close(L);
    return outcome;
}

// ---- recording ---------------------------------------------------------------------------

struct Recorder {
    explicit Recorder(std::string name) : builder(std::move(name)) {}
    TraceBuilder builder;
    std::unordered_map<void*, std::uint64_t> id_of;
    std::uint64_t next_id = 1;
    std::string error;  // a recording defect (would be a bug here): reported after the run
};

void* record_alloc(void* ud, void* ptr, std::size_t osize, std::size_t nsize) noexcept {
    auto& r = *static_cast<Recorder*>(ud);
    try {
        if (nsize == 0) {
            if (ptr != nullptr) {
                auto it = r.id_of.find(ptr);
                r.builder.free(it->second);
                r.id_of.erase(it);
                std::free(ptr);
            }
            return nullptr;
        }
        if (ptr == nullptr) {
            void* p = std::malloc(nsize);
            if (p == nullptr) return nullptr;
            std::uint16_t tag =
                osize >= 1 && osize <= kMaxTag ? static_cast<std::uint16_t>(osize) : kNoTag;
            std::uint64_t id = r.next_id++;
            r.id_of.emplace(p, id);
            r.builder.alloc(id, nsize, tag);
            return p;
        }
        void* p = std::realloc(ptr, nsize);
        if (p == nullptr) return nullptr;  // Lua keeps the old block; nothing happened
        auto it = r.id_of.find(ptr);
        std::uint64_t id = it->second;
        if (p != ptr) {
            r.id_of.erase(it);
            r.id_of.emplace(p, id);
        }
        r.builder.resize(id, nsize);
        return p;
    } catch (const std::exception& e) {
        if (r.error.empty()) r.error = e.what();
        return nullptr;
    }
}

// ---- live runs ---------------------------------------------------------------------------

template <HeapAdapter H>
struct LiveHeap {
    H& heap;
    LuaHeapFigures& figures;
    std::uint64_t live = 0;
    std::uint64_t calls = 0;

    void note_live() {
        figures.peak_live = std::max(figures.peak_live, live);
        if (H::kSampleEvery != 0 && ++calls % H::kSampleEvery == 0) {
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

}  // namespace

Trace record_lua(const std::string& script, const std::vector<std::string>& args,
                 LuaOutcome& outcome) {
    Recorder recorder(script);
    outcome = run_and_close(lua_newstate(record_alloc, &recorder), script, args);
    if (!recorder.error.empty()) throw TraceError("recording " + script + ": " + recorder.error);
    std::uint64_t events = recorder.builder.event_count();
    Trace trace = std::move(recorder.builder).finish();
    trace.comments.insert(
        trace.comments.begin(),
        {"source: " + join_source(script, args), "events: " + std::to_string(events),
         "peak-live: " + std::to_string(trace.peak_live)});
    if (!outcome.ok()) trace.comments.push_back("script error: the run ended early");
    return trace;
}

LuaOutcome run_lua(const std::string& script, const std::vector<std::string>& args, HeapId heap,
                   const HeapSet& set, LuaHeapFigures& figures) {
    return with_heap(heap, set, [&](auto& adapter) {
        using H = std::remove_reference_t<decltype(adapter)>;
        adapter.begin();
        LiveHeap<H> live{adapter, figures};
        LuaOutcome outcome = run_and_close(lua_newstate(live_alloc<H>, &live), script, args);
        figures.peak_footprint =
            std::max<std::uint64_t>(figures.peak_footprint, adapter.peak_footprint());
        figures.check = adapter.check();
        return outcome;
    });
}

}  // namespace glimmer::traces
