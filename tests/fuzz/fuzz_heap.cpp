// fuzz_heap.cpp — heap operation sequences against a reference model, with content checks.
//
// The input is a program: byte 0 picks the heap's memory limit, then each operation is one
// opcode byte and its operands. The model keeps every live block's requested size and the seed
// of the pattern written into it. Promises checked after every step:
//   * a block is 16-byte aligned (or as aligned as asked), its usable size >= the request, and
//     its bytes are exactly the pattern written (realloc keeps the common prefix);
//   * NULL only with GW_E_LIMIT (under a limit) or GW_E_NOMEM (the fail-after hook); the old
//     block of a failed realloc is untouched;
//   * double, interior, foreign and stack frees are refused with a status and change nothing;
//   * gw_heap_check passes whenever asked and at the end; the footprint never passes the limit;
//   * destroying the heap gives every chunk back to the chunk source (balanced, no bad frees).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuzz_entry.hpp"
#include "gw_heap.h"
#include "heap/chunk_source.hpp"

namespace {

using glimmer::fuzz::ByteReader;

constexpr std::size_t kMaxSlots = 64;
constexpr std::size_t kFullCheckBytes = 4096;  // larger blocks: head, tail and a stride

struct Block {
    unsigned char* ptr = nullptr;
    std::size_t size = 0;
    std::uint8_t seed = 0;
};

std::uint8_t pattern(std::uint8_t seed, std::size_t offset) {
    return static_cast<std::uint8_t>(seed * 131u + offset * 7u + (offset >> 8));
}

// The offsets whose bytes carry the pattern: every byte of a block up to kFullCheckBytes; of a
// larger one its first and last 256 bytes and about 64 bytes spread between, at an odd step so
// the samples drift across pages and cache lines. (Touching every page of a block of megabytes
// made page faults most of the fuzzer's time.)
struct Stretch {
    std::size_t begin, end, step;
};
struct CheckedOffsets {
    Stretch part[3];
    int count;
};

CheckedOffsets checked_offsets(std::size_t size) {
    if (size <= kFullCheckBytes) return {{{0, size, 1}}, 1};
    const std::size_t step = std::max<std::size_t>(509, (size - 512) / 64) | 1;
    return {{{0, 256, 1}, {256, size - 256, step}, {size - 256, size, 1}}, 3};
}

// fill and verify touch every byte of most blocks, so they are the bulk of a run: keep
// libFuzzer's coverage instrumentation (a callback per loop edge) out of them. It would slow
// the fuzzer tenfold and tell it nothing; ASan still checks every access.
#if defined(__clang__)
#define GW_NO_COVERAGE __attribute__((no_sanitize("coverage")))
#else
#define GW_NO_COVERAGE
#endif

// Writes the pattern at every checked offset.
GW_NO_COVERAGE void fill(Block& b) {
    CheckedOffsets offsets = checked_offsets(b.size);
    for (int k = 0; k < offsets.count; ++k) {
        const Stretch& s = offsets.part[k];
        for (std::size_t i = s.begin; i < s.end; i += s.step)
            b.ptr[i] = pattern(b.seed, i);
    }
}

// The first checked offset below `upto` whose byte is not the pattern, or SIZE_MAX.
GW_NO_COVERAGE std::size_t first_damaged(const Block& b, std::size_t upto) {
    CheckedOffsets offsets = checked_offsets(b.size);
    for (int k = 0; k < offsets.count; ++k) {
        const Stretch& s = offsets.part[k];
        for (std::size_t i = s.begin; i < s.end && i < upto; i += s.step)
            if (b.ptr[i] != pattern(b.seed, i)) return i;
    }
    return SIZE_MAX;
}

void verify(const Block& b, std::size_t upto, const char* when) {
    std::size_t i = first_damaged(b, upto);
    FUZZ_REQUIRE(i == SIZE_MAX, "%s: byte %zu of a %zu-byte block damaged", when, i, b.size);
}

std::size_t pick_size(ByteReader& in) {
    std::uint8_t kind = in.u8();
    switch (kind % 8) {
        case 0:
            return 0;
        case 1:
        case 2:
        case 3:
            return in.u8() + 1u;  // small classes
        case 4:
        case 5:
            return 257u + in.u16();  // medium
        case 6:
            return in.u16() * 2u + (std::size_t{in.u8()} << 15);  // up to ~8 MiB: medium or huge
        default:
            return (std::size_t{1} << (in.u8() % 24)) + (in.u8() % 33) - 16;  // powers of two
    }
}

bool null_is_allowed(GwHeap* heap, bool limited) {
    int status = gw_heap_last_status(heap);
    return status == GW_E_NOMEM || (limited && status == GW_E_LIMIT);
}

}  // namespace

extern "C" int GLIMMER_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
    ByteReader in(data, size);
    static constexpr std::size_t kLimits[4] = {0, 1u << 20, 4u << 20, 64u << 20};
    const std::size_t limit = kLimits[in.u8() % 4];
    glimmer::heap::TestChunkSource::Options options;
    options.use_mmap = true;  // fast under ASan; the model checks the contents instead
    glimmer::heap::TestChunkSource source(options);
    GwHeapConfig config = source.config(limit);
    GwHeap* heap = gw_heap_create(&config);
    FUZZ_REQUIRE(heap != nullptr, "gw_heap_create failed");

    std::vector<Block> blocks(kMaxSlots);
    std::uint8_t next_seed = 1;
    int stack_word = 0;
    for (int steps = 0; !in.done() && steps < 4096; ++steps) {
        std::uint8_t op = in.u8();
        Block& b = blocks[in.u8() % kMaxSlots];
        switch (op % 10) {
            case 0:
            case 1:
            case 2: {  // allocate (aligned when op says so) into an empty slot
                if (b.ptr) break;
                std::size_t want = pick_size(in);
                std::size_t align = op % 10 == 2 ? std::size_t{1} << (in.u8() % 17) : 0;
                void* p =
                    align ? gw_heap_alloc_aligned(heap, want, align) : gw_heap_alloc(heap, want);
                if (!p) {
                    bool bad_align = align && (align & (align - 1)) != 0;
                    FUZZ_REQUIRE(bad_align || null_is_allowed(heap, limit != 0),
                                 "alloc(%zu, align %zu) gave NULL with status %s", want, align,
                                 gw_heap_status_name(gw_heap_last_status(heap)));
                    break;
                }
                std::size_t need_align = align > 16 ? align : 16;
                FUZZ_REQUIRE(reinterpret_cast<std::uintptr_t>(p) % need_align == 0,
                             "alloc(%zu) = %p is not %zu-byte aligned", want, p, need_align);
                FUZZ_REQUIRE(gw_heap_usable_size(heap, p) >= want, "usable size %zu < %zu",
                             gw_heap_usable_size(heap, p), want);
                b = Block{static_cast<unsigned char*>(p), want, next_seed++};
                fill(b);
                break;
            }
            case 3: {  // realloc (NULL slot = alloc)
                std::size_t want = pick_size(in);
                void* p = gw_heap_realloc(heap, b.ptr, want);
                if (!p) {
                    FUZZ_REQUIRE(null_is_allowed(heap, limit != 0),
                                 "realloc(%zu -> %zu) gave NULL with status %s", b.size, want,
                                 gw_heap_status_name(gw_heap_last_status(heap)));
                    FUZZ_REQUIRE(!b.ptr || want > b.size, "a shrink (%zu -> %zu) failed", b.size,
                                 want);
                    if (b.ptr) verify(b, b.size, "after a failed realloc");
                    break;
                }
                FUZZ_REQUIRE(reinterpret_cast<std::uintptr_t>(p) % 16 == 0, "realloc misaligned");
                FUZZ_REQUIRE(gw_heap_usable_size(heap, p) >= want, "realloc usable size short");
                std::size_t kept = b.ptr ? (want < b.size ? want : b.size) : 0;
                // The kept prefix must still hold the old block's pattern (checked at the old
                // block's offsets); then the whole new block gets its pattern again.
                if (kept)
                    verify(Block{static_cast<unsigned char*>(p), b.size, b.seed}, kept,
                           "realloc kept prefix");
                b = Block{static_cast<unsigned char*>(p), want, b.ptr ? b.seed : next_seed++};
                fill(b);
                break;
            }
            case 4:
            case 5: {  // free, plain or sized
                if (!b.ptr) break;
                verify(b, b.size, "before free");
                int status = op % 10 == 4 ? gw_heap_free(heap, b.ptr)
                                          : gw_heap_free_sized(heap, b.ptr, b.size);
                FUZZ_REQUIRE(status == GW_OK, "free of a live %zu-byte block: %s", b.size,
                             gw_heap_status_name(status));
                b = Block{};
                break;
            }
            case 6: {  // double free, straight after the free
                if (!b.ptr) break;
                void* p = b.ptr;
                FUZZ_REQUIRE(gw_heap_free(heap, p) == GW_OK, "first free refused");
                b = Block{};
                int status = gw_heap_free(heap, p);
                FUZZ_REQUIRE(status == GW_E_DOUBLE_FREE || status == GW_E_INVALID_POINTER,
                             "double free gave %s", gw_heap_status_name(status));
                break;
            }
            case 7: {  // pointers that were never handed out
                unsigned char* bad =
                    b.ptr ? b.ptr + 8 : reinterpret_cast<unsigned char*>(&stack_word);
                int status = gw_heap_free(heap, bad);
                FUZZ_REQUIRE(status != GW_OK, "free of a pointer never handed out succeeded");
                FUZZ_REQUIRE(gw_heap_realloc(heap, bad, 32) == nullptr,
                             "realloc of a pointer never handed out succeeded");
                if (b.ptr) verify(b, b.size, "after a refused free");
                break;
            }
            case 8: {  // the fail-after hook: the n-th next allocating call fails
                gw_heap_fail_after(heap, in.u8() % 8);
                break;
            }
            default: {
                int status = gw_heap_check(heap);
                FUZZ_REQUIRE(status == GW_OK, "gw_heap_check: %s", gw_heap_status_name(status));
                break;
            }
        }
        if (limit) {
            GwHeapStats stats;
            gw_heap_stats(heap, &stats);
            FUZZ_REQUIRE(stats.peak_footprint_bytes <= limit, "footprint %zu over the limit %zu",
                         stats.peak_footprint_bytes, limit);
        }
    }

    gw_heap_fail_after(heap, 0);
    int status = gw_heap_check(heap);
    FUZZ_REQUIRE(status == GW_OK, "final gw_heap_check: %s", gw_heap_status_name(status));
    for (Block& b : blocks) {
        if (!b.ptr) continue;
        verify(b, b.size, "at the end");
        FUZZ_REQUIRE(gw_heap_free_sized(heap, b.ptr, b.size) == GW_OK, "final free refused");
    }
    GwHeapStats stats;
    gw_heap_stats(heap, &stats);
    FUZZ_REQUIRE(stats.live_bytes == 0, "%zu live bytes after freeing every block",
                 stats.live_bytes);
    gw_heap_destroy(heap);
    FUZZ_REQUIRE(source.outstanding_bytes() == 0 && source.bad_frees() == 0,
                 "chunk source unbalanced after destroy: %zu bytes outstanding, %llu bad frees",
                 source.outstanding_bytes(), static_cast<unsigned long long>(source.bad_frees()));
    return 0;
}
