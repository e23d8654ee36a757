// heap/heap.hpp - the C++ face of the assembly heap (asm/gw_heap.h).
//
// Heap owns one GwHeap (RAII, movable, not copyable).  allocate/resize/free throw HeapError
// carrying the GW_* status; the try_ variants never throw.  HeapResource adapts a Heap to
// std::pmr (an allocation it cannot serve throws HeapOutOfMemory, a std::bad_alloc, as
// std::pmr expects), HeapAllocator<T> to standard containers.  A Heap is not thread-safe: one heap
// per thread, as many heaps per process as wanted.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <new>
#include <stdexcept>
#include <string>

#include "gw_heap.h"

namespace glimmer::heap {

class HeapError : public std::runtime_error {
  public:
    HeapError(int status, std::size_t requested);
    HeapError(int status, std::size_t requested, const std::string& context);
    int status() const noexcept { return status_; }
    std::size_t requested() const noexcept { return requested_; }

  private:
    int status_;
    std::size_t requested_;
};

// HeapResource's answer to an allocation the heap refuses (limit, no memory, bad alignment):
// a std::bad_alloc, which std::pmr callers expect, with the HeapError's text as what() and its
// status and size.  (Not also a HeapError: two std::exception bases would make a
// catch (const std::exception&) miss it.)
class HeapOutOfMemory : public std::bad_alloc {
  public:
    HeapOutOfMemory(int status, std::size_t requested)
        : error_(status, requested, "memory_resource") {}
    const char* what() const noexcept override { return error_.what(); }
    int status() const noexcept { return error_.status(); }
    std::size_t requested() const noexcept { return error_.requested(); }
    const HeapError& error() const noexcept { return error_; }

  private:
    HeapError error_;
};

// "GW_E_DOUBLE_FREE: ..." for a status code.
std::string describe_status(int status);

class Heap {
  public:
    explicit Heap(const GwHeapConfig* config = nullptr);  // throws HeapError if creation fails
    ~Heap();
    Heap(const Heap&) = delete;
    Heap& operator=(const Heap&) = delete;
    Heap(Heap&& other) noexcept;
    Heap& operator=(Heap&& other) noexcept;

    void* allocate(std::size_t bytes);  // throws HeapError (NOMEM / LIMIT)
    void* try_allocate(std::size_t bytes) noexcept { return gw_heap_alloc(heap_, bytes); }
    void* allocate_aligned(std::size_t bytes, std::size_t alignment);
    void* resize(void* p, std::size_t bytes);  // throws; old block valid on failure
    void* try_resize(void* p, std::size_t bytes) noexcept {
        return gw_heap_realloc(heap_, p, bytes);
    }
    void free(void* p);                     // throws HeapError on misuse
    void free(void* p, std::size_t bytes);  // sized free
    int try_free(void* p) noexcept { return gw_heap_free(heap_, p); }
    std::size_t usable_size(const void* p) const noexcept { return gw_heap_usable_size(heap_, p); }
    GwHeapStats stats() const noexcept;
    // Gives back every wholly free chunk kept in reserve; the bytes the footprint fell by.
    std::size_t trim() noexcept { return gw_heap_trim(heap_); }
    int last_status() const noexcept { return gw_heap_last_status(heap_); }
    int check() const noexcept { return gw_heap_check(heap_); }
    GwHeap* raw() noexcept { return heap_; }
    const GwHeap* raw() const noexcept { return heap_; }

  private:
    GwHeap* heap_ = nullptr;
};

// std::pmr adaptor: allocations of any power-of-two alignment (any other, 0 included, is refused
// with GW_E_INVALID_ARGUMENT, as Heap::allocate_aligned refuses it); a refused allocation throws
// HeapOutOfMemory (a std::bad_alloc); deallocation errors are reported by throwing HeapError (a pmr
// deallocate of a foreign pointer is a bug in the caller).
class HeapResource : public std::pmr::memory_resource {
  public:
    explicit HeapResource(Heap& heap) noexcept : heap_(&heap) {}
    Heap& heap() const noexcept { return *heap_; }

  protected:
    void* do_allocate(std::size_t bytes, std::size_t alignment) override;
    void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
    bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override;

  private:
    Heap* heap_;
};

// Standard allocator over a Heap&: std::vector<int, HeapAllocator<int>> v{HeapAllocator<int>(h)}.
template <class T>
class HeapAllocator {
  public:
    using value_type = T;

    explicit HeapAllocator(Heap& heap) noexcept : heap_(&heap) {}
    template <class U>
    HeapAllocator(const HeapAllocator<U>& other) noexcept : heap_(&other.heap()) {}

    T* allocate(std::size_t n) {
        if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
        if constexpr (alignof(T) > GW_ALIGN) {
            return static_cast<T*>(heap_->allocate_aligned(n * sizeof(T), alignof(T)));
        } else {
            return static_cast<T*>(heap_->allocate(n * sizeof(T)));
        }
    }
    void deallocate(T* p, std::size_t n) { heap_->free(p, n * sizeof(T)); }

    Heap& heap() const noexcept { return *heap_; }
    template <class U>
    bool operator==(const HeapAllocator<U>& other) const noexcept {
        return heap_ == &other.heap();
    }

  private:
    Heap* heap_;
};

}  // namespace glimmer::heap
