// fixed_chunks.cpp - first-fit placement inside one aligned PROT_NONE reservation.
#include "fixed_chunks.hpp"

#include <sys/mman.h>

#include <stdexcept>

namespace glimmer::traces {

FixedChunkSource::FixedChunkSource() {
    mapping_ =
        mmap(nullptr, 2 * kSpan, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mapping_ == MAP_FAILED) throw std::runtime_error("cannot reserve address space for chunks");
    base_ = (reinterpret_cast<std::uintptr_t>(mapping_) + kSpan - 1) & ~(kSpan - 1);
}

FixedChunkSource::~FixedChunkSource() {
    munmap(mapping_, 2 * kSpan);
}

void* FixedChunkSource::alloc_hook(void* user, std::size_t bytes) noexcept {
    return static_cast<FixedChunkSource*>(user)->allocate(bytes);
}

void FixedChunkSource::free_hook(void* user, void* chunk, std::size_t bytes) noexcept {
    static_cast<FixedChunkSource*>(user)->release(chunk, bytes);
}

void FixedChunkSource::decommit_hook(void*, void* addr, std::size_t bytes) noexcept {
    madvise(addr, bytes, MADV_DONTNEED);
}

void* FixedChunkSource::allocate(std::size_t bytes) noexcept {
    const std::size_t size = (bytes + kAlign - 1) & ~(kAlign - 1);
    std::size_t offset = bump_;
    auto fit = free_.begin();
    while (fit != free_.end() && fit->second < size)
        ++fit;
    if (fit != free_.end()) {
        offset = fit->first;
        std::size_t rest = fit->second - size;
        free_.erase(fit);
        if (rest > 0) free_.emplace(offset + size, rest);
    } else {
        if (size > kSpan - bump_) return nullptr;
        bump_ += size;
    }
    void* p = mmap(reinterpret_cast<void*>(base_ + offset), size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED) {
        release(reinterpret_cast<void*>(base_ + offset), size);
        return nullptr;
    }
    return p;
}

void FixedChunkSource::release(void* chunk, std::size_t bytes) noexcept {
    const std::size_t size = (bytes + kAlign - 1) & ~(kAlign - 1);
    std::size_t offset = reinterpret_cast<std::uintptr_t>(chunk) - base_;
    // Give the pages back but keep the range reserved (and out of anyone else's reach).
    mmap(chunk, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);
    auto next = free_.lower_bound(offset);
    if (next != free_.end() && next->first == offset + size) {  // merge with the range after
        bytes = size + next->second;
        free_.erase(next);
    } else {
        bytes = size;
    }
    auto prev = free_.lower_bound(offset);
    if (prev != free_.begin()) {
        --prev;
        if (prev->first + prev->second == offset) {  // merge with the range before
            prev->second += bytes;
            return;
        }
    }
    free_.emplace(offset, bytes);
}

}  // namespace glimmer::traces
