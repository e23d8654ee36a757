// tests/asm/abi_test.cpp - every entry point keeps rbx, rbp, r12-r15 and rsp, and calls the
// chunk source with a 16-byte aligned stack (System V), on fast and slow paths alike.
#include <boost/test/unit_test.hpp>

#include <type_traits>
#include <vector>

#include "heap/chunk_source.hpp"
#include "test_support.hpp"

extern "C" unsigned gw_abi_call(const void* fn, std::uint64_t a0, std::uint64_t a1,
                                std::uint64_t a2, std::uint64_t* result);
extern "C" void* gw_abi_chunk_alloc(void* source, std::size_t bytes);
extern "C" void gw_abi_chunk_free(void* source, void* chunk, std::size_t bytes);

namespace {

struct AbiSource {
    std::uint64_t misaligned = 0;
    std::uint64_t calls = 0;
    void* (*real_alloc)(void*, std::size_t) = nullptr;
    void (*real_free)(void*, void*, std::size_t) = nullptr;
    void* real_user = nullptr;
};

template <class F>
std::uint64_t probe(F* fn, std::uint64_t a0, std::uint64_t a1 = 0, std::uint64_t a2 = 0) {
    std::uint64_t result = 0;
    const unsigned clobbered = gw_abi_call(reinterpret_cast<const void*>(fn), a0, a1, a2, &result);
    BOOST_TEST(clobbered == 0u, "callee-saved registers changed: mask " << clobbered);
    return result;
}

template <class T>
std::uint64_t u(T v) {
    if constexpr (std::is_pointer_v<T>) {
        return static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(v));
    } else {
        return static_cast<std::uint64_t>(v);
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(asm_abi)

BOOST_AUTO_TEST_CASE(every_entry_point_preserves_callee_saved_registers_and_alignment) {
    glimmer::heap::TestChunkSource real({0, 0, true});  // misaligned: the retry path runs too
    const GwHeapConfig real_config = real.config();
    AbiSource src;
    src.real_alloc = real_config.chunk_alloc;
    src.real_free = real_config.chunk_free;
    src.real_user = real_config.chunk_user;
    GwHeapConfig config{};
    config.chunk_alloc = &gw_abi_chunk_alloc;
    config.chunk_free = &gw_abi_chunk_free;
    config.chunk_user = &src;

    auto* heap = reinterpret_cast<GwHeap*>(probe(&gw_heap_create, u(&config)));
    BOOST_TEST_REQUIRE(heap != nullptr);
    const std::uint64_t h = u(heap);
    std::vector<std::uint64_t> blocks;
    for (std::size_t n : {0ul, 24ul, 256ul, 257ul, 40000ul, 131072ul, 5000000ul}) {
        for (int i = 0; i < 3; ++i)
            blocks.push_back(probe(&gw_heap_alloc, h, n));
        blocks.push_back(probe(&gw_heap_alloc_aligned, h, n, 4096));
    }
    for (std::size_t i = 0; i < blocks.size(); i += 2) {
        blocks[i] = probe(&gw_heap_realloc, h, blocks[i], 3000 + i * 1000);
    }
    probe(&gw_heap_realloc, h, 0, 10);
    // realloc's small fast path (the window is in free's radix cache): a grow that allocates
    // from a class with no page yet, copies and gives the old slot back; then a stay
    std::uint64_t s1 = probe(&gw_heap_alloc, h, 24);
    BOOST_TEST(probe(&gw_heap_free, h, probe(&gw_heap_alloc, h, 24)) == u(GW_OK));
    s1 = probe(&gw_heap_realloc, h, s1, 232);
    blocks.push_back(probe(&gw_heap_realloc, h, s1, 200));
    for (std::uint64_t b : blocks)
        BOOST_TEST_REQUIRE(b != 0u);
    probe(&gw_heap_usable_size, h, blocks[0]);
    GwHeapStats stats{};
    probe(&gw_heap_stats, h, u(&stats));
    probe(&gw_heap_check, h);
    probe(&gw_heap_last_status, h);
    probe(&gw_heap_size_class, 100);
    probe(&gw_heap_class_size, 3);
    probe(&gw_heap_fail_after, h, 0);
    for (std::size_t i = 0; i < blocks.size(); ++i) {
        const auto st = i % 2 ? probe(&gw_heap_free, h, blocks[i])
                              : probe(&gw_heap_free_sized, h, blocks[i], 1);
        BOOST_TEST(st == u(GW_OK));
    }
    BOOST_TEST(probe(&gw_heap_free, h, blocks[0]) == u(GW_E_DOUBLE_FREE));
    BOOST_TEST(probe(&gw_heap_free, h, u(&stats)) == u(GW_E_INVALID_POINTER));
    probe(&gw_heap_trim, h);  // gives the spare chunks back through the chunk source
    probe(&gw_heap_destroy, h);
    BOOST_TEST(src.calls > 10u);
    BOOST_TEST(src.misaligned == 0u,
               src.misaligned << " chunk-source calls had a misaligned stack");
    BOOST_TEST(real.outstanding_bytes() == 0u);
    BOOST_TEST(real.bad_frees() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
