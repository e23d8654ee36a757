// tests/heap/chunk_source_test.cpp - limited and failing chunk sources and the fail-after hook
// drive every out-of-memory path: NULL with the right status, never an abort, the limit never
// exceeded, every byte given back.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstdlib>
#include <vector>

#include "heap/chunk_source.hpp"
#include "heap/heap.hpp"
#include "heap/verify.hpp"

using glimmer::heap::FailAfterChunkSource;
using glimmer::heap::Heap;
using glimmer::heap::HeapError;
using glimmer::heap::LimitedChunkSource;
using glimmer::heap::TestChunkSource;

BOOST_AUTO_TEST_SUITE(heap_chunk_source)

BOOST_AUTO_TEST_CASE(memory_limit_is_never_exceeded) {
    TestChunkSource source;
    const std::size_t limit = 6u << 20;
    const GwHeapConfig config = source.config(limit);
    GwHeap* h = gw_heap_create(&config);
    BOOST_TEST_REQUIRE(h != nullptr);
    std::vector<void*> live;
    int limited = 0;
    for (int i = 0; i < 200000 && limited < 50; ++i) {
        const std::size_t n = i % 10 == 0 ? 50000 : i % 37 == 0 ? 400000 : 72;
        void* p = gw_heap_alloc(h, n);
        if (!p) {
            BOOST_TEST_REQUIRE(gw_heap_last_status(h) == GW_E_LIMIT);
            ++limited;
            continue;
        }
        live.push_back(p);
        GwHeapStats s{};
        gw_heap_stats(h, &s);
        BOOST_TEST_REQUIRE(s.footprint_bytes <= limit);
        BOOST_TEST_REQUIRE(source.outstanding_bytes() == s.footprint_bytes);
    }
    BOOST_TEST(limited == 50);
    GwHeapStats s{};
    gw_heap_stats(h, &s);
    BOOST_TEST(s.peak_footprint_bytes <= limit);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    for (void* p : live)
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(live.size() > 500u);
    // after freeing, allocation works again
    BOOST_TEST(gw_heap_alloc(h, 100000) != nullptr);
    gw_heap_destroy(h);
    BOOST_TEST(source.outstanding_bytes() == 0u);
    BOOST_TEST(source.bad_frees() == 0u);
}

BOOST_AUTO_TEST_CASE(a_limit_below_the_heap_record_refuses_creation) {
    TestChunkSource source;
    const GwHeapConfig config = source.config(1000);
    BOOST_TEST(gw_heap_create(&config) == nullptr);
    BOOST_CHECK_THROW(Heap{&config}, HeapError);
    BOOST_TEST(source.outstanding_bytes() == 0u);
}

BOOST_AUTO_TEST_CASE(half_a_chunk_source_is_refused) {
    GwHeapConfig config{};
    config.chunk_alloc = &TestChunkSource::alloc_hook;
    BOOST_TEST(gw_heap_create(&config) == nullptr);
}

BOOST_AUTO_TEST_CASE(a_source_that_runs_dry_gives_nomem_at_every_size) {
    for (std::size_t n : {16ul, 500ul, 5000ul, 100000ul, 2000000ul}) {
        LimitedChunkSource source(GW_HEAP_ALLOC_BYTES + 2 * GW_RADIX_NODE_BYTES +
                                  3 * GW_CHUNK_BYTES);
        const GwHeapConfig config = source.config();
        GwHeap* h = gw_heap_create(&config);
        BOOST_TEST_REQUIRE(h != nullptr);
        std::size_t got = 0;
        while (gw_heap_alloc(h, n))
            ++got;
        BOOST_TEST(gw_heap_last_status(h) == GW_E_NOMEM, "size " << n);
        BOOST_TEST(gw_heap_check(h) == GW_OK);
        BOOST_TEST(gw_heap_alloc_aligned(h, n, 1024) == nullptr);
        BOOST_TEST(source.refused_calls() > 0u);
        gw_heap_destroy(h);
        BOOST_TEST(source.outstanding_bytes() == 0u);
        BOOST_TEST(source.bad_frees() == 0u);
    }
}

BOOST_AUTO_TEST_CASE(every_chunk_request_can_fail_without_harm) {
    // fail the k-th request of the source for every k a workload makes
    for (std::uint64_t k = 2; k < 40; ++k) {
        FailAfterChunkSource source(k);
        const GwHeapConfig config = source.config();
        GwHeap* h = gw_heap_create(&config);
        BOOST_TEST_REQUIRE(h != nullptr);
        std::vector<void*> live;
        int failures = 0;
        for (int i = 0; i < 3000; ++i) {
            const std::size_t n = i % 100 == 0 ? 300000 + i : i % 10 == 0 ? 4000 : 48;
            void* p = gw_heap_alloc(h, n);
            if (!p) {
                BOOST_TEST_REQUIRE(gw_heap_last_status(h) == GW_E_NOMEM);
                ++failures;
            } else {
                live.push_back(p);
            }
        }
        BOOST_TEST(failures <= 1);
        BOOST_TEST_REQUIRE(gw_heap_check(h) == GW_OK, "k = " << k);
        for (void* p : live)
            BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
        gw_heap_destroy(h);
        BOOST_TEST(source.outstanding_bytes() == 0u);
        BOOST_TEST(source.bad_frees() == 0u);
    }
}

BOOST_AUTO_TEST_CASE(misaligned_chunks_are_realigned) {
    TestChunkSource source({0, 0, true});
    const GwHeapConfig config = source.config();
    GwHeap* h = gw_heap_create(&config);
    BOOST_TEST_REQUIRE(h != nullptr);
    std::vector<void*> live;
    for (int i = 0; i < 20000; ++i)
        live.push_back(gw_heap_alloc(h, i % 50 == 0 ? 9000 : 40));
    live.push_back(gw_heap_alloc(h, 1 << 21));
    for (void* p : live)
        BOOST_TEST_REQUIRE(p != nullptr);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    for (void* p : live)
        BOOST_TEST_REQUIRE(gw_heap_free(h, p) == GW_OK);
    gw_heap_destroy(h);
    BOOST_TEST(source.outstanding_bytes() == 0u);
    BOOST_TEST(source.bad_frees() == 0u);
}

BOOST_AUTO_TEST_CASE(fail_after_hook_fails_exactly_the_nth_allocation) {
    Heap heap;
    gw_heap_fail_after(heap.raw(), 3);
    void* a = heap.try_allocate(10);
    void* b = heap.try_allocate(1000);
    void* c = heap.try_allocate(10);
    void* d = heap.try_allocate(10);
    BOOST_TEST(a != nullptr);
    BOOST_TEST(b != nullptr);
    BOOST_TEST(c == nullptr);
    BOOST_TEST(heap.last_status() == GW_E_NOMEM);
    BOOST_TEST(d != nullptr);
    gw_heap_fail_after(heap.raw(), 1);
    BOOST_TEST(gw_heap_alloc_aligned(heap.raw(), 10, 64) == nullptr);
    // the hook fired and is off again, whichever entry fired it: small blocks come as ever
    std::vector<void*> more;
    for (int i = 0; i < 100; ++i) {
        more.push_back(heap.try_allocate(static_cast<std::size_t>(i % 300)));
        BOOST_TEST(more.back() != nullptr);
    }
    // disarmed before it fires: nothing fails
    gw_heap_fail_after(heap.raw(), 2);
    gw_heap_fail_after(heap.raw(), 0);
    for (int i = 0; i < 10; ++i) {
        more.push_back(heap.try_allocate(16));
        BOOST_TEST(more.back() != nullptr);
    }
    // armed, the n-th allocation fails whatever its size (size 0 and 256 included)
    gw_heap_fail_after(heap.raw(), 3);
    more.push_back(heap.try_allocate(0));
    more.push_back(heap.try_allocate(256));
    BOOST_TEST(heap.try_allocate(1) == nullptr);
    more.push_back(gw_heap_alloc_aligned(heap.raw(), 10, 16));
    BOOST_TEST(more.back() != nullptr);
    more.push_back(heap.try_allocate(257));
    BOOST_TEST(more.back() != nullptr);
    for (void* p : more)
        if (p != nullptr) heap.free(p);
    heap.free(a);
    heap.free(b);
    heap.free(d);
    BOOST_TEST(heap.check() == GW_OK);
}

namespace {

// A stack arena: chunks of up to 256 KiB come from the top of one region, and giving back the
// newest rolls the top back, so the next chunk is the same memory, as the source left it
// (nothing requires a source to wipe what it hands out again). Larger chunks come from malloc.
class StackArenaSource {
  public:
    StackArenaSource() : region_(16u << 20) {}
    GwHeapConfig config() {
        GwHeapConfig c{};
        c.chunk_alloc = [](void* user, std::size_t bytes) {
            return static_cast<StackArenaSource*>(user)->take(bytes);
        };
        c.chunk_free = [](void* user, void* chunk, std::size_t bytes) {
            static_cast<StackArenaSource*>(user)->give(chunk, bytes);
        };
        c.chunk_user = this;
        return c;
    }
    char* base() { return aligned(); }

  private:
    static constexpr std::size_t kAlign = 32768;
    char* aligned() {
        auto at = reinterpret_cast<std::uintptr_t>(region_.data());
        return reinterpret_cast<char*>((at + kAlign - 1) & ~(kAlign - 1));
    }
    static std::size_t rounded(std::size_t bytes) { return (bytes + kAlign - 1) & ~(kAlign - 1); }
    void* take(std::size_t bytes) {
        if (bytes > 256 * 1024) return std::aligned_alloc(kAlign, rounded(bytes));
        if (top_ + rounded(bytes) + kAlign > region_.size()) return nullptr;
        void* p = aligned() + top_;
        top_ += rounded(bytes);
        return p;
    }
    void give(void* chunk, std::size_t bytes) {
        if (bytes > 256 * 1024) {
            std::free(chunk);
        } else if (static_cast<char*>(chunk) + rounded(bytes) == aligned() + top_) {
            top_ -= rounded(bytes);
        }
    }
    std::vector<char> region_;
    std::size_t top_ = 0;
};

}  // namespace

// A medium chunk goes back, and the same memory comes back as a larger medium chunk: the old
// chunk's headers are still in it, under this heap's cookie. Before they were wiped on the
// way back, the address just past the old end sentinel, free space of the new chunk, passed
// for a block: usable_size 2^64 - 16, free GW_E_CORRUPT, and realloc took it and broke the
// heap (an outside tester's host, whose source was aligned_alloc).
BOOST_AUTO_TEST_CASE(headers_left_in_reused_chunk_memory_are_not_blocks) {
    StackArenaSource source;
    const GwHeapConfig config = source.config();
    GwHeap* h = gw_heap_create(&config);
    BOOST_TEST_REQUIRE(h != nullptr);
    void* small = gw_heap_alloc(h, 16);
    void* m = gw_heap_alloc(h, 5000);
    BOOST_TEST_REQUIRE(gw_heap_free(h, m) == GW_OK);
    BOOST_TEST(gw_heap_trim(h) > 0u);
    std::vector<void*> big;
    for (int i = 0; i < 3; ++i)
        big.push_back(gw_heap_alloc(h, 3u << 20));  // the footprint grows: larger chunks
    void* m2 = gw_heap_alloc(h, 5000);
    BOOST_TEST_REQUIRE(m2 != nullptr);
    // Every 16-byte address of the arena that is not a live block is refused, and the heap
    // stays whole.
    int scanned = 0;
    for (char* x = source.base(); x < source.base() + (1u << 20); x += 16) {
        if (x == m2 || x == small) continue;
        BOOST_TEST_REQUIRE(gw_heap_usable_size(h, x) == 0u, static_cast<void*>(x));
        const int r = gw_heap_free(h, x);
        BOOST_TEST_REQUIRE((r == GW_E_INVALID_POINTER || r == GW_E_DOUBLE_FREE), r);
        BOOST_TEST_REQUIRE(gw_heap_realloc(h, x, 64) == nullptr);
        ++scanned;
    }
    BOOST_TEST(scanned > 60000);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    BOOST_TEST(gw_heap_free(h, m2) == GW_OK);
    for (void* p : big)
        BOOST_TEST(gw_heap_free(h, p) == GW_OK);
    BOOST_TEST(gw_heap_free(h, small) == GW_OK);
    BOOST_TEST(gw_heap_check(h) == GW_OK);
    gw_heap_destroy(h);
}

BOOST_AUTO_TEST_SUITE_END()
