// NodeArena: chunked bump allocation for the AST (see node_arena.hpp for the waste bound).
#include "interpreter/parser/node_arena.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <new>

namespace glimmer::interp::ast {

namespace {

constexpr std::size_t kHeaderBytes = 16;  // sizeof(Chunk) rounded up to max_align_t
constexpr std::size_t kChunkAlignment = alignof(std::max_align_t);

}  // namespace

NodeArena::~NodeArena() {
    while (chunks_ != nullptr) {
        Chunk* next = chunks_->next;
        upstream_->deallocate(chunks_, chunks_->bytes, kChunkAlignment);
        chunks_ = next;
    }
}

NodeArena::Chunk* NodeArena::new_chunk(std::size_t bytes) {
    static_assert(sizeof(Chunk) <= kHeaderBytes);
    const std::size_t total = kHeaderBytes + bytes;
    auto* chunk = static_cast<Chunk*>(upstream_->allocate(total, kChunkAlignment));
    chunk->bytes = total;
    chunk->next = chunks_;
    chunks_ = chunk;
    return chunk;
}

void* NodeArena::do_allocate(std::size_t bytes, std::size_t alignment) {
    const auto aligned = [alignment](char* at) {
        const auto address = reinterpret_cast<std::uintptr_t>(at);
        return at + ((alignment - address % alignment) % alignment);
    };
    if (next_ != nullptr) {
        char* at = aligned(next_);
        if (at <= end_ && static_cast<std::size_t>(end_ - at) >= bytes) {
            next_ = at + bytes;
            return at;
        }
    }
    if (alignment > kChunkAlignment) throw std::bad_alloc();  // no node asks for more
    if (bytes > kMaxChunkBytes / 4) {
        // A big array (a long list literal's elements) gets a chunk of its own, linked in
        // without ending the current one.
        // (chunks_ is only the list to free; which chunk heads it does not matter).
        Chunk* chunk = new_chunk(bytes);
        return reinterpret_cast<char*>(chunk) + kHeaderBytes;
    }
    // A request bigger than the next chunk (a 5 KB text while chunks are still 1 KiB) gets a
    // chunk of its size: the fuzzer found the chunk of the growth step overrun by it.
    Chunk* chunk = new_chunk(std::max(next_chunk_bytes_, bytes));
    if (next_chunk_bytes_ < kMaxChunkBytes) next_chunk_bytes_ *= 2;
    next_ = reinterpret_cast<char*>(chunk) + kHeaderBytes;
    end_ = reinterpret_cast<char*>(chunk) + chunk->bytes;
    char* at = next_;  // kChunkAlignment satisfies every alignment asked for
    next_ = at + bytes;
    return at;
}

}  // namespace glimmer::interp::ast
