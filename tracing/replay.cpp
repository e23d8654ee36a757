// replay.cpp - replay() on the built-in heaps (the loop itself is in replay_loop.hpp).
#include "replay.hpp"

#include <type_traits>

#include "replay_loop.hpp"

namespace glimmer::traces {

std::uint8_t pattern_byte(std::uint64_t slot, std::uint64_t offset) {
    return static_cast<std::uint8_t>(detail::pattern_word(slot) >> (8 * (offset & 7)));
}

ReplayResult replay(const Trace& trace, HeapId heap, const HeapSet& set,
                    const ReplayOptions& options) {
    ReplayResult r = with_heap(heap, set, [&](auto& adapter) {
        return replay_with(trace, adapter, HeapSet::name(heap), options);
    });
    r.heap = heap;
    return r;
}

}  // namespace glimmer::traces
