// lua_host.hpp - Lua 5.4 (Debian's liblua5.4, embedded) with a heap of ours as its lua_Alloc.
//
// record_lua runs a script with a recording allocator (system malloc underneath) and returns
// its trace: `a ID SIZE TAG` for new blocks (TAG = the object type Lua passes in osize when ptr
// is NULL: 4 string, 5 table, 6 function, 7 userdata, 8 thread, 9 upvalue, 10 prototype),
// `r ID NEWSIZE`, `f ID`. The state is closed at the end, so every block is freed.
// run_lua runs a script live on any heap adapter. Lua's contract for its allocator: a shrink
// never fails, a resize keeps the content, freeing NULL is a no-op; the adapters keep it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "heaps.hpp"
#include "trace.hpp"
#include "trace_stream.hpp"

namespace glimmer::traces {

// The collector's mode, as lua5.4 (lua.c) sets it before running a script; a recording says
// it in its header ("# gc: generational"). Traces recorded before it was set ran incremental.
inline constexpr const char* kGcMode = "generational";

struct LuaOutcome {
    std::string error;    // "" when the script ran to the end; else Lua's message and traceback
    bool exited = false;  // the script called os.exit (not an error: the state was closed)
    int exit_status = 0;  // the status it asked for, as lua.c computes it (true 0, false 1)
    bool ok() const { return error.empty(); }
};

// Figures of a live run, counted by the allocation callback itself.
struct LuaHeapFigures {
    std::uint64_t allocations = 0, resizes = 0, frees = 0;
    std::uint64_t peak_live = 0;       // requested bytes
    std::uint64_t peak_footprint = 0;  // exact for Glimmer, sampled for the others
    std::uint64_t failed = 0;          // requests the heap refused
    std::string check;                 // the heap's own check after lua_close: "" = passed
    bool checked = false;              // there was one (the Glimmer heap's gw_heap_check)
};

// Runs SCRIPT with ARGS (arg[0] = script, arg[1..] = args, also passed as `...`; BEFORE, the
// command line before the script, at arg[-n] .. arg[-1] as lua.c puts it) under a recording
// allocator and returns the trace, comments included (source, events, peak-live).
// `outcome` receives the script's error or its os.exit status, if any (the trace is still
// complete: the state is closed either way; os.exit does not end the process here).
Trace record_lua(const std::string& script, const std::vector<std::string>& args,
                 LuaOutcome& outcome, const std::vector<std::string>& before = {});

// Figures of a streamed recording.
struct RecordFigures {
    std::uint64_t events = 0;
    std::uint64_t peak_live = 0;  // requested bytes
    std::size_t live_at_end = 0;  // blocks never freed (0: the state is closed)
};

// The same, streamed (`glimmer-trace record`): each record is checked and written to `out` as
// it happens, so memory grows with the blocks live at once, not with the trace's length; the
// header (the same comments) is written and the file put in place by out.finish(), here.
// Throws TraceError when recording or writing fails (OUT is then left as it was).
RecordFigures record_lua(const std::string& script, const std::vector<std::string>& args,
                         LuaOutcome& outcome, TraceStreamWriter& out,
                         const std::vector<std::string>& before = {});

// Runs SCRIPT live on a fresh heap of kind `heap`; the script prints to stdout as usual.
LuaOutcome run_lua(const std::string& script, const std::vector<std::string>& args, HeapId heap,
                   const HeapSet& set, LuaHeapFigures& figures,
                   const std::vector<std::string>& before = {});

}  // namespace glimmer::traces
