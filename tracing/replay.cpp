// replay.cpp - replay() on the built-in heaps (the loop itself is in replay_loop.hpp).
#include "replay.hpp"

#include <string>
#include <type_traits>

#include "heap/memory_budget.hpp"
#include "replay_loop.hpp"
#include "stats.hpp"

namespace glimmer::traces {

std::uint8_t pattern_byte(std::uint64_t slot, std::uint64_t offset) {
    return static_cast<std::uint8_t>(detail::pattern_word(slot) >> (8 * (offset & 7)));
}

ReplayResult replay(const Trace& trace, HeapId heap, const HeapSet& set,
                    const ReplayOptions& options) {
    // A replay writes every byte it is given, so a trace that needs more live bytes than the
    // machine has cannot be replayed. Refuse it up front: a heap that reserves address space
    // without committing it (mimalloc) would hand the blocks out, and the kernel would kill
    // the process part-way through the pattern.
    if (const std::uint64_t memory = glimmer::heap::memory_available(); trace.peak_live > memory) {
        throw ReplayError(trace.path + ":" + std::to_string(trace.peak_live_line) +
                          ": the trace holds " + decimal(trace.peak_live_exact) +
                          " bytes live here, more than the " + mib(memory) +
                          " of memory this process can have now; a replay writes every byte, "
                          "so it cannot run");
    }
    ReplayResult r = with_heap(heap, set, [&](auto& adapter) {
        return replay_with(trace, adapter, HeapSet::name(heap), options);
    });
    r.heap = heap;
    return r;
}

TimedReplay replay_and_time(const Trace& trace, HeapId heap, const HeapSet& set, int timed_runs,
                            std::size_t plot_points) {
    TimedReplay out;
    out.checked = replay(trace, heap, set, ReplayOptions{Check::Full, plot_points});
    for (int i = 0; i < timed_runs; ++i)
        out.timed.push_back(replay(trace, heap, set, ReplayOptions{Check::Light, 0}));
    return out;
}

}  // namespace glimmer::traces
