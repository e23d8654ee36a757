// tests/heap/heap_test.cpp - heap::Heap, HeapError, HeapResource, HeapAllocator; several heaps
// in one process, interleaved and destroyed in any order.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <memory_resource>
#include <numeric>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "heap/heap.hpp"
#include "heap/verify.hpp"

using glimmer::heap::Heap;
using glimmer::heap::HeapAllocator;
using glimmer::heap::HeapError;
using glimmer::heap::HeapOutOfMemory;
using glimmer::heap::HeapResource;

BOOST_AUTO_TEST_SUITE(heap_heap)

BOOST_AUTO_TEST_CASE(allocate_resize_free_round_trip) {
    Heap heap;
    auto* p = static_cast<char*>(heap.allocate(100));
    std::fill(p, p + 100, 'x');
    p = static_cast<char*>(heap.resize(p, 5000));
    BOOST_TEST(std::count(p, p + 100, 'x') == 100);
    BOOST_TEST(heap.usable_size(p) >= 5000u);
    heap.free(p);
    BOOST_TEST(heap.stats().live_bytes == 0u);
    BOOST_TEST(heap.check() == GW_OK);
}

BOOST_AUTO_TEST_CASE(trim_gives_back_what_a_refilled_heap_keeps_in_reserve) {
    Heap heap;
    std::vector<void*> blocks(60000);
    for (int round = 0; round < 2; ++round) {  // the second round refills: spares are kept
        for (void*& p : blocks)
            p = heap.allocate(160);
        for (void* p : blocks)
            heap.free(p);
    }
    const std::size_t kept = heap.stats().footprint_bytes;
    const std::size_t fell = heap.trim();
    BOOST_TEST(fell > std::size_t{4} << 20);
    BOOST_TEST(heap.stats().footprint_bytes == kept - fell);
    BOOST_TEST(heap.trim() == 0u);
    BOOST_TEST(heap.check() == GW_OK);
}

BOOST_AUTO_TEST_CASE(misuse_throws_heap_error_with_status_and_name) {
    Heap heap;
    void* p = heap.allocate(32);
    heap.free(p);
    try {
        heap.free(p);
        BOOST_FAIL("double free did not throw");
    } catch (const HeapError& e) {
        BOOST_TEST(e.status() == GW_E_DOUBLE_FREE);
        BOOST_TEST(std::string(e.what()).find("GW_E_DOUBLE_FREE") != std::string::npos);
    }
    int local = 0;
    BOOST_TEST(heap.try_free(&local) == GW_E_INVALID_POINTER);
    BOOST_CHECK_THROW(heap.free(&local), HeapError);
    BOOST_CHECK_THROW(heap.allocate_aligned(10, 3), HeapError);
    BOOST_TEST(heap.last_status() == GW_E_INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_CASE(try_variants_report_instead_of_throwing) {
    Heap heap;
    gw_heap_fail_after(heap.raw(), 1);
    BOOST_TEST(heap.try_allocate(10) == nullptr);
    BOOST_TEST(heap.last_status() == GW_E_NOMEM);
    void* p = heap.try_allocate(10);
    BOOST_TEST(p != nullptr);
    gw_heap_fail_after(heap.raw(), 1);
    BOOST_TEST(heap.try_resize(p, 100000) == nullptr);
    BOOST_TEST(heap.usable_size(p) >= 10u);
    gw_heap_fail_after(heap.raw(), 1);
    try {
        heap.allocate(77);
        BOOST_FAIL("allocate did not throw");
    } catch (const HeapError& e) {
        BOOST_TEST(e.status() == GW_E_NOMEM);
        BOOST_TEST(e.requested() == 77u);
    }
    heap.free(p, 10);
}

BOOST_AUTO_TEST_CASE(heaps_move_and_own_exactly_one_gw_heap) {
    Heap a;
    void* p = a.allocate(64);
    Heap b(std::move(a));
    BOOST_TEST(a.raw() == nullptr);
    BOOST_TEST(b.usable_size(p) == 64u);
    Heap c;
    c = std::move(b);
    c.free(p);
    BOOST_TEST(c.check() == GW_OK);
}

BOOST_AUTO_TEST_CASE(status_names_and_messages) {
    BOOST_TEST(std::string(gw_heap_status_name(GW_OK)) == "GW_OK");
    BOOST_TEST(std::string(gw_heap_status_name(GW_E_LIMIT)) == "GW_E_LIMIT");
    BOOST_TEST(std::string(gw_heap_status_name(GW_E_INVALID_ARGUMENT)) == "GW_E_INVALID_ARGUMENT");
    BOOST_TEST(std::string(gw_heap_status_name(99)) == "GW_E_UNKNOWN");
    BOOST_TEST(std::string(gw_heap_status_name(-1)) == "GW_E_UNKNOWN");
    for (int s = 0; s < GW_STATUS_COUNT; ++s)
        BOOST_TEST(std::string(gw_heap_status_message(s)).size() > 5u);
}

BOOST_AUTO_TEST_CASE(pmr_resource_serves_containers_and_alignments) {
    Heap heap;
    HeapResource resource(heap);
    {
        std::pmr::vector<std::pmr::string> v(&resource);
        for (int i = 0; i < 2000; ++i)
            v.emplace_back(std::string(i % 97, 'a' + i % 26));
        BOOST_TEST(v[1000].size() == 1000u % 97);
        void* big = resource.allocate(100, 256);
        BOOST_TEST(reinterpret_cast<std::uintptr_t>(big) % 256 == 0u);
        resource.deallocate(big, 100, 256);
        BOOST_TEST(heap.stats().live_bytes > 0u);
    }
    BOOST_TEST(heap.stats().live_bytes == 0u);
    HeapResource same(heap);
    Heap other;
    HeapResource different(other);
    BOOST_TEST(resource.is_equal(same));
    BOOST_TEST(!resource.is_equal(different));
}

// Every alignment that is not a power of two is refused alike, by the resource as by
// Heap::allocate_aligned: 0 and 3 were served (as 16) while 24 was refused.
BOOST_AUTO_TEST_CASE(pmr_resource_refuses_every_alignment_that_is_not_a_power_of_two) {
    Heap heap;
    HeapResource resource(heap);
    for (std::size_t alignment : {std::size_t{0}, std::size_t{3}, std::size_t{12}, std::size_t{24},
                                  std::size_t{48}, std::size_t{1000}}) {
        BOOST_TEST_CONTEXT("alignment " << alignment) {
            try {
                void* p = resource.allocate(10, alignment);
                BOOST_FAIL("served at " << p);
            } catch (const HeapOutOfMemory& e) {
                BOOST_TEST(e.status() == GW_E_INVALID_ARGUMENT);
            }
            BOOST_CHECK_THROW(heap.allocate_aligned(10, alignment), HeapError);
        }
    }
    for (std::size_t alignment = 1; alignment <= 4096; alignment *= 2) {
        void* p = resource.allocate(10, alignment);
        BOOST_TEST(reinterpret_cast<std::uintptr_t>(p) % alignment == 0u);
        resource.deallocate(p, 10, alignment);
    }
    BOOST_TEST(heap.stats().live_bytes == 0u);
}

BOOST_AUTO_TEST_CASE(pmr_resource_exhaustion_is_a_bad_alloc_with_the_heap_status) {
    GwHeapConfig config{};
    config.memory_limit = 1u << 20;
    Heap heap(&config);
    HeapResource resource(heap);
    std::pmr::vector<char> v(&resource);
    bool caught = false;
    try {
        v.resize(4u << 20);  // more than the limit: std::pmr expects std::bad_alloc
    } catch (const std::bad_alloc& e) {
        caught = true;
        BOOST_TEST(std::string(e.what()).find("GW_E_LIMIT") != std::string::npos, e.what());
        const auto* oom = dynamic_cast<const HeapOutOfMemory*>(&e);
        BOOST_TEST_REQUIRE(oom != nullptr);
        BOOST_TEST(oom->status() == GW_E_LIMIT);
        BOOST_TEST(oom->requested() == 4u << 20);
    }
    BOOST_TEST(caught);
    BOOST_TEST(v.empty());
    // an aligned request too, and caught as a plain std::exception
    try {
        void* p = resource.allocate(8u << 20, 64);
        resource.deallocate(p, 8u << 20, 64);
        BOOST_FAIL("no exception");
    } catch (const std::exception& e) {
        BOOST_TEST(dynamic_cast<const std::bad_alloc*>(&e) != nullptr);
    }
    BOOST_TEST(heap.check() == GW_OK);
}

// The heap record's size appears in prose in several documents: each must say what
// GW_HEAP_ALLOC_BYTES (what gw_heap_create takes from the chunk source) says.
BOOST_AUTO_TEST_CASE(the_documents_give_the_record_size_gw_heap_alloc_bytes_gives) {
    const std::regex record(R"((\d+) KiB record|record's (\d+) KiB|record (\d+) KiB)");
    int seen = 0;
    for (const char* path : {"README.md", "asm/README.md", "interpreter/api/glimmer.h",
                             "interpreter/api/glimmer.hpp"}) {
        std::ifstream in(path);
        BOOST_TEST_REQUIRE(in.good(), path << " (tests run in the source tree)");
        std::stringstream text;
        text << in.rdbuf();
        const std::string s = text.str();
        for (std::sregex_iterator m(s.begin(), s.end(), record), end; m != end; ++m) {
            std::string kib = (*m)[1].matched ? (*m)[1] : (*m)[2].matched ? (*m)[2] : (*m)[3];
            BOOST_TEST(std::stoi(kib) * 1024 == GW_HEAP_ALLOC_BYTES, path << ": " << m->str());
            ++seen;
        }
    }
    BOOST_TEST(seen >= 5);
}

BOOST_AUTO_TEST_CASE(allocator_adaptor_serves_standard_containers) {
    Heap heap;
    {
        std::vector<int, HeapAllocator<int>> v{HeapAllocator<int>(heap)};
        for (int i = 0; i < 100000; ++i)
            v.push_back(i);
        BOOST_TEST(std::accumulate(v.begin(), v.end(), 0LL) == 4999950000LL);
        using Alloc = HeapAllocator<std::pair<const int, int>>;
        std::map<int, int, std::less<int>, Alloc> m{Alloc(heap)};
        for (int i = 0; i < 5000; ++i)
            m[i] = i * 2;
        BOOST_TEST(m[4999] == 9998);
        struct alignas(64) Wide {
            char bytes[64];
        };
        std::vector<Wide, HeapAllocator<Wide>> w{HeapAllocator<Wide>(heap)};
        w.resize(10);
        BOOST_TEST(reinterpret_cast<std::uintptr_t>(w.data()) % 64 == 0u);
        BOOST_TEST(heap.check() == GW_OK);
    }
    BOOST_TEST(heap.stats().live_bytes == 0u);
}

BOOST_AUTO_TEST_CASE(several_heaps_interleaved_and_destroyed_in_any_order) {
    std::mt19937 rng(7);
    for (int round = 0; round < 4; ++round) {
        std::vector<std::unique_ptr<Heap>> heaps;
        for (int i = 0; i < 5; ++i)
            heaps.push_back(std::make_unique<Heap>());
        std::vector<std::vector<void*>> live(heaps.size());
        for (int op = 0; op < 20000; ++op) {
            const std::size_t k = rng() % heaps.size();
            if (live[k].empty() || rng() % 3) {
                const std::size_t n = rng() % 8 ? rng() % 300 : rng() % 100000;
                live[k].push_back(heaps[k]->allocate(n));
            } else {
                const std::size_t j = rng() % live[k].size();
                // a pointer of another heap is refused and harms neither heap
                const std::size_t other = (k + 1) % heaps.size();
                BOOST_TEST_REQUIRE(heaps[other]->try_free(live[k][j]) == GW_E_INVALID_POINTER);
                heaps[k]->free(live[k][j]);
                live[k][j] = live[k].back();
                live[k].pop_back();
            }
        }
        for (auto& h : heaps)
            BOOST_TEST_REQUIRE(h->check() == GW_OK);
        std::vector<std::size_t> order(heaps.size());
        std::iota(order.begin(), order.end(), 0);
        std::shuffle(order.begin(), order.end(), rng);
        for (std::size_t i : order) {
            heaps[i].reset();  // destroyed with live blocks: gives every byte back
            for (auto& h : heaps) {
                if (h) BOOST_TEST_REQUIRE(h->check() == GW_OK);
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
