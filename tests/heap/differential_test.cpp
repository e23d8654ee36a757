// tests/heap/differential_test.cpp - ten million random operations against a reference model.
//
// The model keeps every live block (address -> requested size, usable size, pattern seed).  Each
// allocation must be 16-byte aligned, at least as large as asked, and overlap no live block;
// every block carries a pattern that is checked before it is freed or resized and after a
// resize; live_bytes must equal the model's sum; gw_heap_check runs every few thousand ops.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "gw_heap.h"
#include "heap/verify.hpp"

namespace {

struct Rng {  // xorshift64*: fast and reproducible
    std::uint64_t s;
    std::uint64_t next() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 0x2545F4914F6CDD1DULL;
    }
    std::size_t below(std::size_t n) { return next() % n; }
};

struct Block {
    std::size_t size, usable;
    std::uint64_t seed;
    std::size_t slot;  // index in the model's vector
};

constexpr std::size_t kHead = 256, kTail = 64;  // pattern covers the head and the tail

unsigned char byte_at(std::uint64_t seed, std::size_t i) {
    return static_cast<unsigned char>((seed >> (i % 8 * 8)) + i);
}

template <class F>
void for_pattern(std::size_t size, F f) {
    if (size <= kHead + kTail) {
        for (std::size_t i = 0; i < size; ++i)
            f(i);
    } else {
        for (std::size_t i = 0; i < kHead; ++i)
            f(i);
        for (std::size_t i = size - kTail; i < size; ++i)
            f(i);
    }
}

void write_pattern(unsigned char* p, std::size_t size, std::uint64_t seed) {
    for_pattern(size, [&](std::size_t i) { p[i] = byte_at(seed, i); });
}

bool pattern_ok(const unsigned char* p, std::size_t size, std::uint64_t seed) {
    bool ok = true;
    for_pattern(size, [&](std::size_t i) { ok &= p[i] == byte_at(seed, i); });
    return ok;
}

class Model {
  public:
    explicit Model(GwHeap* heap) : heap_(heap) {}

    std::string alloc(std::size_t n, std::uint64_t seed) {
        auto* p = static_cast<unsigned char*>(gw_heap_alloc(heap_, n));
        if (!p) return "alloc(" + std::to_string(n) + ") failed";
        return admit(p, n, seed);
    }

    std::string free(std::size_t slot) {
        unsigned char* p = order_[slot];
        const Block b = blocks_.at(p);
        if (!pattern_ok(p, b.size, b.seed)) return "pattern damaged before free";
        if (gw_heap_free(heap_, p) != GW_OK) return "free refused a live block";
        forget(p);
        return {};
    }

    std::string realloc(std::size_t slot, std::size_t n, std::uint64_t seed) {
        unsigned char* p = order_[slot];
        const Block b = blocks_.at(p);
        if (!pattern_ok(p, b.size, b.seed)) return "pattern damaged before realloc";
        auto* q = static_cast<unsigned char*>(gw_heap_realloc(heap_, p, n));
        if (!q) return "realloc(" + std::to_string(n) + ") failed";
        const std::size_t kept = std::min(b.size, n);
        // the kept prefix must have moved intact: check it against the old pattern
        bool ok = true;
        for_pattern(kept, [&](std::size_t i) {
            if (i < kHead || (b.size <= kHead + kTail)) ok &= q[i] == byte_at(b.seed, i);
        });
        if (!ok) return "realloc lost content";
        forget(p);
        return admit(q, n, seed);
    }

    std::size_t live() const { return order_.size(); }
    std::size_t usable_sum() const { return usable_sum_; }
    void free_all() {
        for (auto* p : order_)
            gw_heap_free(heap_, p);
        order_.clear();
        blocks_.clear();
    }

  private:
    std::string admit(unsigned char* p, std::size_t n, std::uint64_t seed) {
        if (reinterpret_cast<std::uintptr_t>(p) % 16) return "misaligned block";
        const std::size_t usable = gw_heap_usable_size(heap_, p);
        if (usable < n) return "usable size below the request";
        auto next = blocks_.lower_bound(p);
        if (next != blocks_.end() && next->first < p + usable) return "overlaps the next block";
        if (next != blocks_.begin()) {
            auto prev = std::prev(next);
            if (prev->first + prev->second.usable > p) return "overlaps the previous block";
        }
        write_pattern(p, n, seed);
        blocks_.emplace(p, Block{n, usable, seed, order_.size()});
        order_.push_back(p);
        usable_sum_ += usable;
        return {};
    }

    void forget(unsigned char* p) {
        auto it = blocks_.find(p);
        const std::size_t slot = it->second.slot;
        usable_sum_ -= it->second.usable;
        blocks_.erase(it);
        unsigned char* last = order_.back();
        order_[slot] = last;
        order_.pop_back();
        if (last != p) blocks_.at(last).slot = slot;
    }

    GwHeap* heap_;
    std::map<unsigned char*, Block> blocks_;
    std::vector<unsigned char*> order_;
    std::size_t usable_sum_ = 0;
};

std::size_t random_size(Rng& rng) {
    const std::size_t r = rng.below(1000);
    if (r < 700) return rng.below(129);               // small, Lua-like
    if (r < 900) return 129 + rng.below(2048 - 128);  // larger small and medium
    if (r < 998) return 2048 + rng.below(64 * 1024);  // medium
    return 64 * 1024 + rng.below(700 * 1024);         // up to huge
}

std::uint64_t operations() {
    if (const char* env = std::getenv("GLIMMER_DIFFERENTIAL_OPS"))
        return std::strtoull(env, nullptr, 10);
#ifdef GLIMMER_SANITIZE
    return 3'000'000;  // ASan+UBSan build: the optimised build runs the full ten million
#else
    return 10'000'000;
#endif
}

}  // namespace

BOOST_AUTO_TEST_SUITE(heap_differential)

BOOST_AUTO_TEST_CASE(ten_million_operations_match_the_reference_model) {
    GwHeap* heap = gw_heap_create(nullptr);
    BOOST_TEST_REQUIRE(heap != nullptr);
    Model model(heap);
    Rng rng{0x9E3779B97F4A7C15ULL};
    const std::uint64_t ops = operations();
    std::size_t target = 2000;  // the live-set size drifts between phases
    for (std::uint64_t op = 0; op < ops; ++op) {
        if (op % 500'000 == 0) target = 200 + rng.below(6000);
        std::string err;
        const std::size_t r = rng.below(100);
        const bool grow = model.live() < target;
        if (model.live() == 0 || (grow ? r < 60 : r < 35)) {
            err = model.alloc(random_size(rng), rng.next());
        } else if (r < 85) {
            err = model.free(rng.below(model.live()));
        } else {
            err = model.realloc(rng.below(model.live()), random_size(rng), rng.next());
        }
        if (!err.empty()) BOOST_FAIL("operation " << op << ": " << err);
        if (op % 4096 == 0) {
            GwHeapStats s{};
            gw_heap_stats(heap, &s);
            BOOST_TEST_REQUIRE(s.live_bytes == model.usable_sum(), "operation " << op);
            if (op % (4096 * 8) == 0) {
                const auto report = glimmer::heap::verify(heap);
                BOOST_TEST_REQUIRE(report.ok(), "operation " << op << ": " << report.to_string());
                BOOST_TEST_REQUIRE(report.live_blocks == model.live());
            } else {
                BOOST_TEST_REQUIRE(gw_heap_check(heap) == GW_OK, "operation " << op);
            }
        }
    }
    model.free_all();
    GwHeapStats s{};
    gw_heap_stats(heap, &s);
    BOOST_TEST(s.live_bytes == 0u);
    BOOST_TEST(gw_heap_check(heap) == GW_OK);
    gw_heap_destroy(heap);
}

BOOST_AUTO_TEST_SUITE_END()
