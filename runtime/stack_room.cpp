// runtime/stack_room.cpp - stack_room through the thread's stack bounds (pthread).
#include "runtime/stack_room.hpp"

#include <pthread.h>

#include <cstdint>

namespace glimmer::runtime {

std::optional<StackRoom> stack_room() {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return std::nullopt;
    void* lowest = nullptr;
    std::size_t size = 0;
    const int got = pthread_attr_getstack(&attr, &lowest, &size);
    pthread_attr_destroy(&attr);
    if (got != 0 || lowest == nullptr) return std::nullopt;
    // The stack grows down, from lowest + size towards lowest.
    const auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
    const auto floor = reinterpret_cast<std::uintptr_t>(lowest);
    if (here <= floor || here - floor > size) return std::nullopt;  // not on this stack
    return StackRoom{here - floor, size - (here - floor)};
}

}  // namespace glimmer::runtime
