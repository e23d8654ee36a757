// runtime/stack_room.hpp - how much of the calling thread's native stack is left.
//
// Recursion over nested values (display, equality, to_text) runs on the native stack of
// whatever thread calls it: the main thread's 8 MiB, or a host's thread of a few hundred KiB.
// Rather than one fixed depth that is too deep for the small stack or too shallow for the
// large one, such recursion asks every few levels whether room is left.
#pragma once

#include <cstddef>
#include <optional>

namespace glimmer::runtime {

// The bytes of the calling thread's stack left below the caller's frame, or nothing when the
// stack's bounds cannot be found. Costs a system query (on the main thread glibc reads
// /proc/self/maps): ask every few dozen levels, not at each.
std::optional<std::size_t> stack_left();

}  // namespace glimmer::runtime
