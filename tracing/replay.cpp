// replay.cpp - replay() on the built-in heaps (the loop itself is in replay_loop.hpp).
#include "replay.hpp"

#include <unistd.h>

#include <string>
#include <type_traits>

#include "replay_loop.hpp"
#include "stats.hpp"

namespace glimmer::traces {

std::uint8_t pattern_byte(std::uint64_t slot, std::uint64_t offset) {
    return static_cast<std::uint8_t>(detail::pattern_word(slot) >> (8 * (offset & 7)));
}

namespace {

std::uint64_t physical_memory_bytes() {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * page : UINT64_MAX;
}

}  // namespace

ReplayResult replay(const Trace& trace, HeapId heap, const HeapSet& set,
                    const ReplayOptions& options) {
    // A replay writes every byte it is given, so a trace that needs more live bytes than the
    // machine has cannot be replayed. Refuse it up front: a heap that reserves address space
    // without committing it (mimalloc) would hand the blocks out, and the kernel would kill
    // the process part-way through the pattern.
    if (const std::uint64_t memory = physical_memory_bytes(); trace.peak_live > memory) {
        throw ReplayError(trace.path + ":" + std::to_string(trace.peak_live_line) +
                          ": the trace holds " + std::to_string(trace.peak_live) +
                          " bytes live here, more than this machine's " + mib(memory) +
                          " of memory; a replay writes every byte, so it cannot run");
    }
    ReplayResult r = with_heap(heap, set, [&](auto& adapter) {
        return replay_with(trace, adapter, HeapSet::name(heap), options);
    });
    r.heap = heap;
    return r;
}

}  // namespace glimmer::traces
