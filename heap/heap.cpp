// heap/heap.cpp - Heap, HeapError and HeapResource over the C API of asm/gw_heap.h.
#include "heap/heap.hpp"

#include <utility>

namespace glimmer::heap {

std::string describe_status(int status) {
    return std::string(gw_heap_status_name(status)) + ": " + gw_heap_status_message(status);
}

HeapError::HeapError(int status, std::size_t requested)
    : HeapError(status, requested, std::string()) {}

HeapError::HeapError(int status, std::size_t requested, const std::string& context)
    : std::runtime_error(
          "heap: " + (context.empty() ? std::string() : context + ": ") + describe_status(status) +
          (requested ? " (requested " + std::to_string(requested) + " bytes)" : std::string())),
      status_(status),
      requested_(requested) {}

Heap::Heap(const GwHeapConfig* config) : heap_(gw_heap_create(config)) {
    if (!heap_) {
        // Creation fails only when the chunk source refuses the heap's own record or the
        // limit is below it.
        const bool limited =
            config && config->memory_limit != 0 && config->memory_limit < GW_HEAP_ALLOC_BYTES;
        throw HeapError(limited ? GW_E_LIMIT : GW_E_NOMEM, GW_HEAP_ALLOC_BYTES, "create");
    }
}

Heap::~Heap() {
    gw_heap_destroy(heap_);
}

Heap::Heap(Heap&& other) noexcept : heap_(std::exchange(other.heap_, nullptr)) {}

Heap& Heap::operator=(Heap&& other) noexcept {
    if (this != &other) {
        gw_heap_destroy(heap_);
        heap_ = std::exchange(other.heap_, nullptr);
    }
    return *this;
}

void* Heap::allocate(std::size_t bytes) {
    if (void* p = gw_heap_alloc(heap_, bytes)) return p;
    throw HeapError(gw_heap_last_status(heap_), bytes, "allocate");
}

void* Heap::allocate_aligned(std::size_t bytes, std::size_t alignment) {
    if (void* p = gw_heap_alloc_aligned(heap_, bytes, alignment)) return p;
    throw HeapError(gw_heap_last_status(heap_), bytes, "allocate_aligned");
}

void* Heap::resize(void* p, std::size_t bytes) {
    if (void* q = gw_heap_realloc(heap_, p, bytes)) return q;
    throw HeapError(gw_heap_last_status(heap_), bytes, "resize");
}

void Heap::free(void* p) {
    if (int status = gw_heap_free(heap_, p); status != GW_OK) throw HeapError(status, 0, "free");
}

void Heap::free(void* p, std::size_t bytes) {
    if (int status = gw_heap_free_sized(heap_, p, bytes); status != GW_OK) {
        throw HeapError(status, bytes, "free");
    }
}

GwHeapStats Heap::stats() const noexcept {
    GwHeapStats s{};
    gw_heap_stats(heap_, &s);
    return s;
}

void* HeapResource::do_allocate(std::size_t bytes, std::size_t alignment) {
    // Every alignment that is not a power of two is refused, as gw_heap_alloc_aligned refuses
    // it: those up to GW_ALIGN (0, 3) went to gw_heap_alloc and were served, 24 was refused.
    if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
        throw HeapOutOfMemory(GW_E_INVALID_ARGUMENT, bytes);
    }
    void* p = alignment <= GW_ALIGN ? gw_heap_alloc(heap_->raw(), bytes)
                                    : gw_heap_alloc_aligned(heap_->raw(), bytes, alignment);
    if (!p) throw HeapOutOfMemory(heap_->last_status(), bytes);
    return p;
}

void HeapResource::do_deallocate(void* p, std::size_t bytes, std::size_t alignment) {
    if (alignment <= GW_ALIGN) {
        heap_->free(p, bytes);
    } else {
        heap_->free(p);
    }
}

bool HeapResource::do_is_equal(const std::pmr::memory_resource& other) const noexcept {
    const auto* o = dynamic_cast<const HeapResource*>(&other);
    return o && o->heap_ == heap_;
}

}  // namespace glimmer::heap
