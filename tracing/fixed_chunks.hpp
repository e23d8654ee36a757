// fixed_chunks.hpp - a chunk source for the Glimmer heap whose addresses depend only on the
// sequence of requests, so the heap's footprint for a trace is the same number on every run.
//
// With mmap as its source the heap's footprint varies by a radix-tree node's page (4 KiB) now
// and then: how many nodes it needs depends on which 64 MiB windows the kernel's mmap addresses
// fall in (from this custom source a node counts whole, 16 KiB, on every run). This source
// hands out chunks from one private reservation aligned to 128 GiB (the radix tree's top-level
// span), first fit from the lowest address, so a trace's footprint baseline can be checked to the
// byte. Memory given back is unmapped in place (the range stays reserved) and reused first fit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

namespace glimmer::traces {

class FixedChunkSource {
  public:
    FixedChunkSource();
    ~FixedChunkSource();
    FixedChunkSource(const FixedChunkSource&) = delete;
    FixedChunkSource& operator=(const FixedChunkSource&) = delete;

    static void* alloc_hook(void* user, std::size_t bytes) noexcept;
    static void free_hook(void* user, void* chunk, std::size_t bytes) noexcept;
    // GwHeapConfig::chunk_decommit: the pages are given back (madvise), the range stays the
    // chunk's, so a replay counts what the default mmap source counts.
    static void decommit_hook(void* user, void* addr, std::size_t bytes) noexcept;

  private:
    void* allocate(std::size_t bytes) noexcept;
    void release(void* chunk, std::size_t bytes) noexcept;

    static constexpr std::size_t kAlign = 64 * 1024;            // chunk placement granule
    static constexpr std::size_t kSpan = std::size_t{1} << 37;  // 128 GiB, the radix L1 span
    void* mapping_ = nullptr;                  // the whole reservation (2 spans, to align one)
    std::uintptr_t base_ = 0;                  // kSpan-aligned start inside it
    std::size_t bump_ = 0;                     // offset of the never-used rest
    std::map<std::size_t, std::size_t> free_;  // offset -> bytes of returned ranges
};

}  // namespace glimmer::traces
