// fuzz_trace.cpp — the strict trace reader on arbitrary text, then a replay of what it accepts.
//
// The reader either accepts the text or refuses it with TraceError "FILE:LINE: message" naming
// the fuzz input. An accepted trace whose blocks are all modest (at most 16 MiB each, 64 MiB
// live, 128 MiB written over the whole trace) replays on the Glimmer heap with the format's
// content-pattern checks and a heap check at the end: any ReplayError there is a heap (or
// reader) bug.
#include <cstdint>
#include <string>

#include "fuzz_entry.hpp"
#include "heaps.hpp"
#include "replay.hpp"
#include "trace.hpp"

extern "C" int GLIMMER_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
    using namespace glimmer::traces;
    std::string text(reinterpret_cast<const char*>(data), size);
    Trace trace;
    try {
        trace = parse_trace("fuzz.gwt", text);
    } catch (const TraceError& e) {
        std::string message = e.what();
        FUZZ_REQUIRE(message.rfind("fuzz.gwt:", 0) == 0, "message does not start with the file: %s",
                     message.c_str());
        return 0;
    } catch (const std::exception& e) {
        FUZZ_REQUIRE(false, "the reader threw something other than TraceError: %s", e.what());
    }
    // A replay writes and then reads back every byte of every block it allocates or grows.
    // 16 KiB of "a N 16777216 / f N" lines ask for 12 GiB of that: half a minute under ASan,
    // past libFuzzer's time-out, and no more telling than one such block.
    constexpr std::uint64_t kMaxBlock = 16u << 20, kMaxLive = 64u << 20, kMaxWritten = 128u << 20;
    if (trace.peak_live > kMaxLive) return 0;
    std::uint64_t written = 0;
    for (std::size_t i = 0; i < trace.events.size(); ++i) {
        if (trace.events[i].size > kMaxBlock) return 0;
        written += trace.events[i].size;
    }
    if (written > kMaxWritten) return 0;
    HeapSet heaps;
    try {
        ReplayResult result = replay(trace, HeapId::Glimmer, heaps);
        FUZZ_REQUIRE(result.events == trace.events.size(), "replayed %llu of %zu events",
                     static_cast<unsigned long long>(result.events), trace.events.size());
    } catch (const std::exception& e) {
        FUZZ_REQUIRE(false, "replay of an accepted trace failed: %s", e.what());
    }
    return 0;
}
