// tests/heap/verify_test.cpp - the verifier passes healthy heaps and names the fault in
// deliberately damaged ones (and restores them, so destroy still works).
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstring>
#include <vector>

#include "heap/heap.hpp"
#include "heap/verify.hpp"

using glimmer::heap::Heap;
using glimmer::heap::verify;

namespace {

bool mentions(const glimmer::heap::VerifyReport& r, const char* word) {
    for (const auto& f : r.faults) {
        if (f.find(word) != std::string::npos) return true;
    }
    return false;
}

// Flips a byte for the lifetime of the object.
struct Damage {
    Damage(void* at, unsigned char mask) : p(static_cast<unsigned char*>(at)), m(mask) { *p ^= m; }
    ~Damage() { *p ^= m; }
    unsigned char* p;
    unsigned char m;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(heap_verify)

BOOST_AUTO_TEST_CASE(a_healthy_heap_reports_its_contents) {
    Heap heap;
    std::vector<void*> live;
    for (int i = 0; i < 1000; ++i)
        live.push_back(heap.allocate(i % 3 ? 40 : 3000));
    live.push_back(heap.allocate(1 << 20));
    const auto r = verify(heap);
    BOOST_TEST(r.ok(), r.to_string());
    BOOST_TEST(r.live_blocks == live.size());
    BOOST_TEST(r.live_bytes == heap.stats().live_bytes);
    BOOST_TEST(r.huge_chunks == 1u);
    BOOST_TEST(r.page_chunks >= 1u);
    BOOST_TEST(r.medium_chunks >= 1u);
    BOOST_TEST(r.to_string().find("heap ok") == 0u);
}

BOOST_AUTO_TEST_CASE(damaged_medium_header_is_found) {
    Heap heap;
    auto* a = static_cast<unsigned char*>(heap.allocate(2000));
    heap.allocate(2000);
    {
        Damage d(a - 16 + 9, 0x01);  // the check word
        const auto r = verify(heap);
        BOOST_TEST(!r.ok());
        BOOST_TEST(r.status == GW_E_CORRUPT);
        BOOST_TEST(mentions(r, "check word"), r.to_string());
    }
    BOOST_TEST(verify(heap).ok());
}

BOOST_AUTO_TEST_CASE(damaged_free_block_footer_is_found) {
    Heap heap;
    // more than a small heap may park (footprint >> GW_QUICK_BYTES_SHIFT): a is coalesced
    // and binned at once, with a footer
    constexpr std::size_t n = 40000;
    auto* a = static_cast<unsigned char*>(heap.allocate(n));
    auto* b = static_cast<unsigned char*>(heap.allocate(n));
    heap.allocate(n);
    heap.free(a);
    {
        Damage d(b - 16 - 8, 0x40);  // a's footer, just before b's header
        const auto r = verify(heap);
        BOOST_TEST(mentions(r, "footer"), r.to_string());
        BOOST_TEST(heap.try_free(b) == GW_E_CORRUPT);  // b would coalesce with a: refused
    }
    BOOST_TEST(verify(heap).ok());
    heap.free(b);
}

BOOST_AUTO_TEST_CASE(damaged_page_bitmap_and_lists_are_found) {
    Heap heap;
    auto* p = static_cast<unsigned char*>(heap.allocate(48));
    heap.allocate(48);
    auto* header = static_cast<unsigned char*>(
        const_cast<void*>(glimmer::heap::page_header_of(heap.raw(), p)));
    BOOST_TEST_REQUIRE(header != nullptr);
    BOOST_TEST(glimmer::heap::page_header_of(heap.raw(), &heap) == nullptr);
    {
        Damage d(header + GW_PG_BITMAP + 100, 0x04);
        BOOST_TEST(!verify(heap).ok());
    }
    {
        Damage d(header + GW_PG_USED, 0x01);
        BOOST_TEST(mentions(verify(heap), "used count"));
    }
    {
        Damage d(header + GW_PG_STATE, 0x02);
        BOOST_TEST(!verify(heap).ok());
    }
    BOOST_TEST(verify(heap).ok());
}

// A FULL page carries GW_PG_USED_FULL in its used count (free's one test for its rare cases);
// the walk checks that mark against the state, and free clears it when the page gets room.
BOOST_AUTO_TEST_CASE(full_page_mark_is_checked_and_cleared_by_free) {
    Heap heap;
    std::vector<void*> blocks;
    for (int i = 0; i < 800; ++i)  // more than a page of 48-byte slots: the first goes FULL
        blocks.push_back(heap.allocate(48));
    auto* header = static_cast<unsigned char*>(
        const_cast<void*>(glimmer::heap::page_header_of(heap.raw(), blocks.front())));
    BOOST_TEST_REQUIRE(header != nullptr);
    std::uint32_t used = 0;
    std::memcpy(&used, header + GW_PG_USED, 4);
    BOOST_TEST((used & GW_PG_USED_FULL) != 0u);
    BOOST_TEST(verify(heap).ok());
    {
        Damage d(header + GW_PG_USED + 3, 0x80);  // the mark, gone
        BOOST_TEST(mentions(verify(heap), "FULL mark"));
    }
    heap.free(blocks.front());
    std::memcpy(&used, header + GW_PG_USED, 4);
    BOOST_TEST((used & GW_PG_USED_FULL) == 0u);
    BOOST_TEST(verify(heap).ok());
    for (std::size_t i = 1; i < blocks.size(); ++i)
        heap.free(blocks[i]);
    BOOST_TEST(verify(heap).ok());
    BOOST_TEST(heap.stats().live_bytes == 0u);
}

BOOST_AUTO_TEST_CASE(wrong_statistics_are_found) {
    Heap heap;
    heap.allocate(100);
    auto* raw = reinterpret_cast<unsigned char*>(heap.raw());
    {
        Damage d(raw + GW_HEAP_HEADROOM, 0x10);
        BOOST_TEST(mentions(verify(heap), "live_bytes"));
    }
    {
        Damage d(raw + GW_HEAP_FOOTPRINT + 1, 0x10);
        BOOST_TEST(mentions(verify(heap), "footprint"));
    }
    BOOST_TEST(verify(heap).ok());
}

BOOST_AUTO_TEST_CASE(a_radix_cache_entry_the_tree_does_not_back_is_found) {
    Heap heap;
    void* keep = heap.allocate(40);
    void* small = heap.allocate(40);
    heap.free(small);  // free's radix cache now knows the page
    BOOST_TEST(verify(heap).ok());
    auto* raw = reinterpret_cast<unsigned char*>(heap.raw());
    const auto set =
        (reinterpret_cast<std::uintptr_t>(small) >> GW_PAGE_SHIFT) % GW_FREE_CACHE_SETS;
    {
        Damage d(raw + GW_HEAP_FREE_PAGES + 16 * set + 1, 0x04);  // another page header
        BOOST_TEST(mentions(verify(heap), "radix cache"));
    }
    {
        Damage d(raw + GW_HEAP_FREE_KEYS + 16 * set + 1, 0x80);  // a window of another set
        BOOST_TEST(mentions(verify(heap), "radix cache"));
    }
    {
        Damage d(raw + GW_HEAP_FREE_KEYS + 16 * set + 5, 0x01);  // a window the tree lacks
        BOOST_TEST(mentions(verify(heap), "radix cache"));
    }
    BOOST_TEST(verify(heap).ok());
    heap.free(keep);
}

// A write past a live block runs into its neighbour. When the neighbour is free, its first
// bytes are what the allocator follows next (a small slot's list link; a medium block's header,
// then its bin links): allocation reports the damage instead of following it into a crash, and
// takes the block again once it is whole.
class Overflow {
  public:
    Overflow(void* block, std::size_t bytes) : at_(static_cast<unsigned char*>(block)), n_(bytes) {
        std::memcpy(saved_, at_, n_);
        std::memset(at_, 0x41, n_);  // what a string written one block too far leaves
    }
    Overflow(const Overflow&) = delete;
    Overflow& operator=(const Overflow&) = delete;
    ~Overflow() { std::memcpy(at_, saved_, n_); }

  private:
    unsigned char* at_;
    std::size_t n_;
    unsigned char saved_[64];
};

BOOST_AUTO_TEST_CASE(a_write_past_a_block_into_a_free_slot_is_reported_by_alloc) {
    Heap heap;
    auto* a = static_cast<unsigned char*>(heap.allocate(32));
    auto* b = static_cast<unsigned char*>(heap.allocate(32));
    heap.allocate(32);
    BOOST_TEST_REQUIRE(b == a + 32);  // neighbours in one page
    heap.free(b);
    {
        Overflow o(b, 8);  // the slot's list link
        BOOST_TEST(gw_heap_check(heap.raw()) == GW_E_CORRUPT);
        BOOST_TEST(gw_heap_alloc(heap.raw(), 32) == nullptr);
        BOOST_TEST(gw_heap_last_status(heap.raw()) == GW_E_CORRUPT);
    }
    {
        // a link into the same page that is not 16-byte aligned is refused too
        std::uint64_t link = 0;
        std::memcpy(&link, b, 8);
        const std::uint64_t misaligned = reinterpret_cast<std::uint64_t>(a + 8);
        std::memcpy(b, &misaligned, 8);
        BOOST_TEST(gw_heap_alloc(heap.raw(), 32) == nullptr);
        BOOST_TEST(gw_heap_last_status(heap.raw()) == GW_E_CORRUPT);
        std::memcpy(b, &link, 8);
    }
    BOOST_TEST(heap.allocate(32) == b);
    BOOST_TEST(verify(heap).ok());
}

BOOST_AUTO_TEST_CASE(a_write_past_a_block_into_a_free_medium_block_is_reported_by_alloc) {
    Heap heap;
    // more than a small heap may park (see damaged_free_block_footer_is_found): b is binned
    constexpr std::size_t n = 40000;
    auto* a = static_cast<unsigned char*>(heap.allocate(n));
    auto* b = static_cast<unsigned char*>(heap.allocate(n));
    heap.allocate(n);
    heap.free(b);
    {
        Overflow o(b - 16, 24);  // b's header and its bin's next link
        BOOST_TEST(gw_heap_check(heap.raw()) == GW_E_CORRUPT);
        BOOST_TEST(gw_heap_alloc(heap.raw(), n) == nullptr);
        BOOST_TEST(gw_heap_last_status(heap.raw()) == GW_E_CORRUPT);
        BOOST_TEST(heap.try_free(a) == GW_E_CORRUPT);  // a would coalesce with b: refused
    }
    BOOST_TEST(verify(heap).ok());
    BOOST_TEST(heap.allocate(n) == b);
    heap.free(a);
    BOOST_TEST(verify(heap).ok());
}

BOOST_AUTO_TEST_CASE(null_heap_is_an_invalid_argument) {
    BOOST_TEST(gw_heap_check(nullptr) == GW_E_INVALID_ARGUMENT);
    BOOST_TEST(!verify(static_cast<const GwHeap*>(nullptr)).ok());
}

BOOST_AUTO_TEST_SUITE_END()
