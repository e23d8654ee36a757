// page_vector.hpp - std::vector whose storage comes straight from mmap, never from malloc.
//
// A replay measures a heap's footprint, and glibc's figures (mallinfo2) count every byte of
// its arena. If the replayer's own tables (tens of MiB for a large trace) came from malloc,
// they would sit in, or reshape, the very arena being measured: glibc raises its mmap
// threshold after a large free, so freed tables would leave a big free arena behind. Keeping
// all bulk memory of the trace tools in private mappings makes every heap's figures its own.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <new>
#include <vector>

namespace glimmer::traces {

template <class T>
struct PageAllocator {
    using value_type = T;

    PageAllocator() = default;
    template <class U>
    PageAllocator(const PageAllocator<U>&) noexcept {}

    T* allocate(std::size_t n) {
        if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
        void* p = mmap(nullptr, n * sizeof(T), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
        return static_cast<T*>(p);
    }
    void deallocate(T* p, std::size_t n) noexcept { munmap(p, n * sizeof(T)); }

    template <class U>
    bool operator==(const PageAllocator<U>&) const noexcept {
        return true;
    }
};

template <class T>
using PageVector = std::vector<T, PageAllocator<T>>;

}  // namespace glimmer::traces
