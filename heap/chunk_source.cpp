// heap/chunk_source.cpp - TestChunkSource: aligned_alloc- or mmap-backed chunk source for tests.
#include "heap/chunk_source.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

namespace glimmer::heap {

namespace {
constexpr std::size_t kChunkAlign = GW_PAGE_BYTES;
constexpr std::size_t kMisalignBy = 16;

// `bytes` at a kChunkAlign boundary: map that much plus the alignment, unmap the ends.
void* map_aligned(std::size_t bytes) {
    void* raw = mmap(nullptr, bytes + kChunkAlign, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return nullptr;
    const auto start = reinterpret_cast<std::uintptr_t>(raw);
    const std::uintptr_t aligned = (start + kChunkAlign - 1) / kChunkAlign * kChunkAlign;
    const std::size_t head = aligned - start;  // < kChunkAlign
    if (head != 0) munmap(raw, head);
    munmap(reinterpret_cast<void*>(aligned + bytes), kChunkAlign - head);
    return reinterpret_cast<void*>(aligned);
}
}  // namespace

GwHeapConfig TestChunkSource::config(std::size_t memory_limit) noexcept {
    GwHeapConfig c{};
    c.memory_limit = memory_limit;
    c.chunk_alloc = &TestChunkSource::alloc_hook;
    c.chunk_free = &TestChunkSource::free_hook;
    c.chunk_user = this;
    return c;
}

void* TestChunkSource::alloc_hook(void* user, std::size_t bytes) noexcept {
    return static_cast<TestChunkSource*>(user)->allocate(bytes);
}

void TestChunkSource::free_hook(void* user, void* chunk, std::size_t bytes) noexcept {
    static_cast<TestChunkSource*>(user)->release(chunk, bytes);
}

void* TestChunkSource::allocate(std::size_t bytes) noexcept {
    ++alloc_calls_;
    if (options_.fail_after_calls != 0 && --options_.fail_after_calls == 0) {
        ++refused_calls_;
        return nullptr;
    }
    if (options_.limit_bytes != 0 && outstanding_bytes_ + bytes > options_.limit_bytes) {
        ++refused_calls_;
        return nullptr;
    }
    const std::size_t extra = options_.misalign ? kChunkAlign : 0;
    const std::size_t total = (bytes + extra + kChunkAlign - 1) / kChunkAlign * kChunkAlign;
    auto* base = static_cast<unsigned char*>(
        options_.use_mmap ? map_aligned(total) : std::aligned_alloc(kChunkAlign, total));
    if (!base) {
        ++refused_calls_;
        return nullptr;
    }
    outstanding_bytes_ += bytes;
    ++outstanding_chunks_;
    if (outstanding_bytes_ > peak_bytes_) peak_bytes_ = outstanding_bytes_;
    return options_.misalign ? base + kMisalignBy : base;
}

void TestChunkSource::release(void* chunk, std::size_t bytes) noexcept {
    ++free_calls_;
    if (!chunk || outstanding_chunks_ == 0 || bytes > outstanding_bytes_) {
        ++bad_frees_;
        return;
    }
    auto* p = static_cast<unsigned char*>(chunk);
    const auto addr = reinterpret_cast<std::uintptr_t>(p);
    // Misaligned chunks were handed out 16 bytes past an aligned base; the heap must give back
    // exactly what it got, so the offset tells which kind this is.
    if (addr % kChunkAlign == kMisalignBy) {
        p -= kMisalignBy;
    } else if (addr % kChunkAlign != 0) {
        ++bad_frees_;
        return;
    }
    outstanding_bytes_ -= bytes;
    --outstanding_chunks_;
    if (options_.use_mmap) {
        // the size allocate() mapped: the same rounding of the same request
        const std::size_t extra = p != chunk ? kChunkAlign : 0;
        munmap(p, (bytes + extra + kChunkAlign - 1) / kChunkAlign * kChunkAlign);
    } else {
        std::free(p);
    }
}

}  // namespace glimmer::heap
