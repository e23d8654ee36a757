// quick_class.hpp - the quick classes of medium blocks (asm/gw_heap.h), as QUICK_INDEX and
// QUICK_ROUND (asm/snippets.h) compute them: for layout.cpp's static checks of the constants
// and for verify.cpp's check of the quick lists.
#pragma once

#include <bit>
#include <cstdint>

#include "gw_heap.h"

namespace glimmer::heap {

// The quick list of a parked block of `bytes` bytes (the largest class it holds), or
// GW_QUICK_LISTS when no list takes that size.
constexpr unsigned quick_index(std::uint64_t bytes) {
    if (bytes < GW_QUICK_MIN_BLOCK || bytes > GW_QUICK_MAX_BLOCK) return GW_QUICK_LISTS;
    const auto s = static_cast<unsigned>(std::bit_width(bytes)) - 1 - GW_QUICK_CLASS_BITS;
    return (s << GW_QUICK_CLASS_BITS) + static_cast<unsigned>(bytes >> s) - GW_QUICK_INDEX_BIAS;
}

// A medium request's block size rounded up to its class (above GW_QUICK_MAX_BLOCK the
// allocator keeps the size as it is).
constexpr std::uint64_t quick_round(std::uint64_t bytes) {
    const std::uint64_t step = std::uint64_t{1}
                               << (std::bit_width(bytes) - 1 - GW_QUICK_CLASS_BITS);
    return (bytes + step - 1) & ~(step - 1);
}

}  // namespace glimmer::heap
