// heap/chunk_source.hpp - chunk sources for tests of any part: memory from aligned_alloc (or
// mmap), counted, with an optional byte limit, an optional "fail the n-th next request", and an
// optional misalignment (to exercise the heap's unaligned-chunk path).  Hand config() to
// gw_heap_create or heap::Heap.  Outlive every heap made with it.
#pragma once

#include <cstddef>
#include <cstdint>

#include "gw_heap.h"

namespace glimmer::heap {

class TestChunkSource {
  public:
    struct Options {
        std::size_t limit_bytes = 0;         // refuse requests past this many outstanding bytes
        std::uint64_t fail_after_calls = 0;  // the n-th next request fails (0 = never)
        bool misalign = false;               // hand out memory 16 bytes past a 32 KiB boundary
        // Chunks straight from mmap instead of aligned_alloc. Under ASan, aligned_alloc of
        // chunk-sized blocks (poisoning, quarantine) costs more than the heap work a fuzzer
        // does with them; the price is that ASan no longer sees a write past a chunk's end.
        bool use_mmap = false;
    };
    TestChunkSource() : TestChunkSource(Options{}) {}
    explicit TestChunkSource(Options options) : options_(options) {}
    TestChunkSource(const TestChunkSource&) = delete;
    TestChunkSource& operator=(const TestChunkSource&) = delete;

    // A config that draws from this source; memory_limit is the heap's own limit (0 = none).
    GwHeapConfig config(std::size_t memory_limit = 0) noexcept;

    void fail_after(std::uint64_t n) noexcept { options_.fail_after_calls = n; }
    void set_limit(std::size_t bytes) noexcept { options_.limit_bytes = bytes; }

    std::size_t outstanding_bytes() const noexcept { return outstanding_bytes_; }
    std::size_t outstanding_chunks() const noexcept { return outstanding_chunks_; }
    std::size_t peak_bytes() const noexcept { return peak_bytes_; }
    std::uint64_t alloc_calls() const noexcept { return alloc_calls_; }
    std::uint64_t free_calls() const noexcept { return free_calls_; }
    std::uint64_t refused_calls() const noexcept { return refused_calls_; }
    // Frees whose (pointer, size) did not match an outstanding chunk: must stay 0.
    std::uint64_t bad_frees() const noexcept { return bad_frees_; }

    static void* alloc_hook(void* user, std::size_t bytes) noexcept;
    static void free_hook(void* user, void* chunk, std::size_t bytes) noexcept;

  private:
    void* allocate(std::size_t bytes) noexcept;
    void release(void* chunk, std::size_t bytes) noexcept;

    Options options_;
    std::size_t outstanding_bytes_ = 0;
    std::size_t outstanding_chunks_ = 0;
    std::size_t peak_bytes_ = 0;
    std::uint64_t alloc_calls_ = 0;
    std::uint64_t free_calls_ = 0;
    std::uint64_t refused_calls_ = 0;
    std::uint64_t bad_frees_ = 0;
};

// A source that refuses once `limit_bytes` are outstanding.
class LimitedChunkSource : public TestChunkSource {
  public:
    explicit LimitedChunkSource(std::size_t limit_bytes)
        : TestChunkSource(Options{limit_bytes, 0, false}) {}
};

// A source whose n-th next request fails (and every later one succeeds again).
class FailAfterChunkSource : public TestChunkSource {
  public:
    explicit FailAfterChunkSource(std::uint64_t n) : TestChunkSource(Options{0, n, false}) {}
};

}  // namespace glimmer::heap
