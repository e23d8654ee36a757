// tests/asm/test_support.hpp - small helpers shared by the asm tests.
#pragma once

#include <sys/resource.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "gw_heap.h"
#include "heap/verify.hpp"

namespace glimmer::test {

// A heap for one test case, destroyed at scope exit.
struct ScopedHeap {
    explicit ScopedHeap(const GwHeapConfig* config = nullptr) : heap(gw_heap_create(config)) {}
    ~ScopedHeap() { gw_heap_destroy(heap); }
    ScopedHeap(const ScopedHeap&) = delete;
    ScopedHeap& operator=(const ScopedHeap&) = delete;
    operator GwHeap*() const { return heap; }
    GwHeap* heap;
};

inline unsigned char pattern_byte(const void* block, std::size_t i) {
    const auto a = reinterpret_cast<std::uintptr_t>(block);
    return static_cast<unsigned char>((a >> 4) * 31 + i * 7 + 1);
}

inline void fill(void* block, std::size_t n) {
    auto* p = static_cast<unsigned char*>(block);
    for (std::size_t i = 0; i < n; ++i)
        p[i] = pattern_byte(block, i);
}

// Checks the pattern written by fill(original, n) now found at `block` (after a move).
inline bool holds(const void* block, const void* original, std::size_t n) {
    const auto* p = static_cast<const unsigned char*>(block);
    for (std::size_t i = 0; i < n; ++i) {
        if (p[i] != pattern_byte(original, i)) return false;
    }
    return true;
}

// A config whose chunk source is `source`: its static alloc and release, itself as the user.
template <class Source>
GwHeapConfig source_config(Source* source) {
    GwHeapConfig c{};
    c.chunk_alloc = &Source::alloc;
    c.chunk_free = &Source::release;
    c.chunk_user = source;
    return c;
}

// The process's minor page faults so far (getrusage): how often it touched a page not mapped in
// yet, a figure that does not depend on the machine's speed.
inline long minor_faults() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_minflt;
}

inline GwHeapStats stats_of(const GwHeap* h) {
    GwHeapStats s{};
    gw_heap_stats(h, &s);
    return s;
}

inline bool aligned(const void* p, std::size_t a) {
    return reinterpret_cast<std::uintptr_t>(p) % a == 0;
}

inline std::size_t small_class_size(std::size_t n) {
    if (n == 0) n = 1;
    return (n + 15) / 16 * 16;
}

}  // namespace glimmer::test
