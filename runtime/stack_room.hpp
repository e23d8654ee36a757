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

struct StackRoom {
    std::size_t left;  // bytes below the caller's frame
    std::size_t used;  // bytes from the stack's top down to the caller's frame
};

// The calling thread's stack as seen from the caller's frame, or nothing when the stack's
// bounds cannot be found. The bounds are asked for once per thread (on the main thread glibc
// reads /proc/self/maps for them, 63 us); after that a call costs a few instructions.
std::optional<StackRoom> stack_room();

}  // namespace glimmer::runtime
