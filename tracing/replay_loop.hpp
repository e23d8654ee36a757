// replay_loop.hpp - the replay loop as a template over any HeapAdapter (replay.cpp
// instantiates it for the built-in heaps; tests drive it with deliberately broken heaps).
//
// Check::Full (untimed): the pattern of a block is a 64-bit hash of its ID's slot (one slot per
// ID, so the pattern is derived from the ID without reading the ID table), repeated and
// aligned to the block's start:
//   byte at offset k == byte (k mod 8) of pattern_word(slot)      (little-endian)
// so a resize keeps the pattern valid over the kept prefix, and extending it continues it.
//
// Check::Light (timed): one word per block, light_word(slot), in its first 8 bytes (fewer for
// a smaller block), written at allocation, checked before every resize and free and after a
// resize (the kept prefix). The word is the slot times an odd constant: one multiplication,
// and a bijection, so two live blocks never carry the same word and a heap that hands out a
// live block again is caught at the older block's next check. The loop does the same few
// loads and stores for every heap, and its failure paths are out of line, so it measures the
// heaps rather than itself.
#pragma once

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <sys/resource.h>

#include "page_vector.hpp"
#include "replay.hpp"

namespace glimmer::traces::detail {

inline std::uint64_t pattern_word(std::uint64_t slot) {
    std::uint64_t z = slot + 0x9e3779b97f4a7c15ULL;  // splitmix64: neighbours differ widely
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

// The Light touch's word for a slot (see the top of this file).
inline std::uint64_t light_word(std::uint32_t slot) {
    return (std::uint64_t{slot} + 1) * 0x9e3779b97f4a7c15ULL;
}

// Writes the pattern over [from, to) of the block at p.
inline void fill(unsigned char* p, std::uint64_t word, std::uint64_t from, std::uint64_t to) {
    unsigned char bytes[8];
    std::memcpy(bytes, &word, 8);
    std::uint64_t k = from;
    for (; k < to && (k & 7) != 0; ++k)
        p[k] = bytes[k & 7];
    for (; k + 8 <= to; k += 8)
        std::memcpy(p + k, &word, 8);
    for (; k < to; ++k)
        p[k] = bytes[k & 7];
}

// The first offset in [0, to) that does not hold the pattern, or `to`.
inline std::uint64_t first_damage(const unsigned char* p, std::uint64_t word, std::uint64_t to) {
    unsigned char bytes[8];
    std::memcpy(bytes, &word, 8);
    std::uint64_t k = 0;
    for (; k + 8 <= to; k += 8) {
        std::uint64_t got;
        std::memcpy(&got, p + k, 8);
        if (got != word) break;
    }
    for (; k < to; ++k) {
        if (p[k] != bytes[k & 7]) return k;
    }
    return to;
}

template <HeapAdapter H, Check kCheck>
class Replayer {
  public:
    Replayer(const Trace& t, std::string_view name, H& heap, const ReplayOptions& o)
        : t_(t), name_(name), heap_(heap), blocks_(t.slot_count(), Block{nullptr, 0}) {
        if (kCheck == Check::Full && o.plot_points > 0) {
            plot_every_ = std::max<std::size_t>(1, t.events.size() / o.plot_points);
        }
        sample_every_ = kCheck == Check::Full ? H::kSampleEvery : 0;
        warm_ = kCheck == Check::Light && o.warm;
    }

    ReplayResult run() {
        ReplayResult r;
        r.check = kCheck;
        r.events = t_.events.size();
        r.peak_live = t_.peak_live;
        heap_.begin();
        if (plot_every_ != 0) sample(0, r);
        const Event* events = t_.events.data();
        const std::size_t n = t_.events.size();
        if (warm_) {
            for (std::size_t i = 0; i < n; ++i)
                step(i, events[i]);
            free_leftovers();
        }
        const long faults_before = minor_faults();
        auto start = std::chrono::steady_clock::now();
        for (std::size_t i = 0; i < n; ++i) {
            step(i, events[i]);
            if constexpr (kCheck == Check::Full) {
                if (sample_every_ != 0) {
                    // Live bytes above every figure so far: measure now, so the figure at the
                    // peak of the live bytes is taken (a footprint below them is no figure).
                    if (live_ > peak_) {
                        peak_ = std::max<std::uint64_t>(peak_, footprint_now(heap_));
                    } else if (i % sample_every_ == 0) {
                        peak_ = std::max<std::uint64_t>(peak_, heap_.footprint());
                    }
                }
                if (plot_every_ != 0 && (i + 1) % plot_every_ == 0) sample(i + 1, r);
            }
        }
        auto stop = std::chrono::steady_clock::now();
        r.minor_faults = static_cast<std::uint64_t>(minor_faults() - faults_before);
        r.nanoseconds = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(stop - start).count());
        if constexpr (kCheck == Check::Full) {
            peak_ = std::max<std::uint64_t>(peak_, footprint_now(heap_));
            heap_check("after the last record");
        }
        // The trace's peak, before the replayer's own frees of what it left live: a free may
        // count memory again (a small Glimmer heap keeps a merged block committed), and that
        // is no work the trace asked for.
        const std::size_t exact = heap_.peak_footprint();
        r.leftover = free_leftovers();
        if constexpr (kCheck == Check::Full) {
            heap_check("after freeing the blocks the trace left live");
            r.heap_checked = H::kHasCheck;
        }
        r.footprint_exact = H::kSampleEvery == 0;
        r.peak_footprint = r.footprint_exact ? exact : peak_;
        return r;
    }

  private:
    [[gnu::always_inline]] void step(std::size_t i, const Event& e) {
        if constexpr (kCheck == Check::Full) {
            full_step(i, e);
        } else {
            light_step(i, e);
        }
    }

    void full_step(std::size_t i, const Event& e) {
        const std::uint32_t slot = e.slot;
        switch (e.op) {
            case Op::Alloc: {
                void* p = heap_.allocate(e.size);
                if (p == nullptr) failed_alloc(i, e.size);
                blocks_[slot].ptr = p;
                blocks_[slot].size = e.size;
                live_ += e.size;
                fill(static_cast<unsigned char*>(p), pattern_word(slot), 0, e.size);
                break;
            }
            case Op::Resize: {
                verify(i, slot, "before resizing it");
                std::uint64_t old = blocks_[slot].size;
                void* p = heap_.resize(blocks_[slot].ptr, old, e.size);
                if (p == nullptr) failed_resize(i, e.size);
                blocks_[slot].ptr = p;
                blocks_[slot].size = e.size;
                live_ = live_ - old + e.size;
                verify(i, slot, "after resizing it (content lost)", std::min(old, e.size));
                if (e.size > old)
                    fill(static_cast<unsigned char*>(p), pattern_word(slot), old, e.size);
                break;
            }
            case Op::Free: {
                verify(i, slot, "before freeing it");
                if (!heap_.free(blocks_[slot].ptr, blocks_[slot].size)) failed_free(i);
                live_ -= blocks_[slot].size;
                blocks_[slot].ptr = nullptr;
                break;
            }
        }
    }

    // The timed loop's step: the heap call, the block table, one word written or compared.
    // Inlined into the loop, so no registers are saved and restored per event.
    [[gnu::always_inline]] void light_step(std::size_t i, const Event& e) {
        const std::uint32_t slot = e.slot;
        const std::uint64_t word = light_word(slot);
        Block& b = blocks_[slot];
        switch (e.op) {
            case Op::Alloc: {
                void* p = heap_.allocate(e.size);
                if (p == nullptr) [[unlikely]]
                    failed_alloc(i, e.size);
                b = Block{p, e.size};
                light_write(p, e.size, word);
                break;
            }
            case Op::Resize: {
                if (!light_intact(b.ptr, b.size, word)) [[unlikely]]
                    damaged_light(i, slot, "before resizing it", b.size);
                const std::uint64_t old = b.size;
                void* p = heap_.resize(b.ptr, old, e.size);
                if (p == nullptr) [[unlikely]]
                    failed_resize(i, e.size);
                b = Block{p, e.size};
                const std::uint64_t kept = std::min(old, e.size);
                if (!light_intact(p, kept, word)) [[unlikely]]
                    damaged_light(i, slot, "after resizing it (content lost)", kept);
                if (old < 8 && e.size > old) light_write(p, e.size, word);
                break;
            }
            case Op::Free: {
                if (!light_intact(b.ptr, b.size, word)) [[unlikely]]
                    damaged_light(i, slot, "before freeing it", b.size);
                if (!heap_.free(b.ptr, b.size)) [[unlikely]]
                    failed_free(i);
                b.ptr = nullptr;
                break;
            }
        }
    }

    // The process's minor page faults so far (first touches of memory: the kernel finds a
    // page and zeroes it).
    static long minor_faults() {
        rusage u{};
        getrusage(RUSAGE_SELF, &u);
        return u.ru_minflt;
    }

    static void light_write(void* p, std::uint64_t size, std::uint64_t word) {
        if (size >= 8) [[likely]] {
            std::memcpy(p, &word, 8);
        } else {
            fill(static_cast<unsigned char*>(p), word, 0, size);
        }
    }

    // The first min(size, 8) bytes of p hold the light word.
    static bool light_intact(const void* p, std::uint64_t size, std::uint64_t word) {
        if (size >= 8) [[likely]] {
            std::uint64_t got;
            std::memcpy(&got, p, 8);
            return got == word;
        }
        return first_damage(static_cast<const unsigned char*>(p), word, size) == size;
    }

    // Checks the block's pattern (Full: the whole block; `kept` limits the check to a prefix,
    // the content a resize had to keep).
    void verify(std::size_t i, std::uint32_t slot, const char* when,
                std::uint64_t kept = UINT64_MAX) {
        auto* p = static_cast<const unsigned char*>(blocks_[slot].ptr);
        std::uint64_t word = kCheck == Check::Full ? pattern_word(slot) : light_word(slot);
        std::uint64_t size = blocks_[slot].size;
        std::uint64_t upto = std::min(kCheck == Check::Full ? size : 8, std::min(size, kept));
        std::uint64_t bad = first_damage(p, word, upto);
        if (bad != upto) damaged(i, slot, when, bad);
    }

    // Where the light word of the block in `slot` is damaged (within its first `upto` bytes).
    [[noreturn, gnu::cold, gnu::noinline]] void damaged_light(std::size_t i, std::uint32_t slot,
                                                              const char* when,
                                                              std::uint64_t upto) {
        upto = std::min<std::uint64_t>(upto, 8);
        damaged(i, slot, when,
                first_damage(static_cast<const unsigned char*>(blocks_[slot].ptr), light_word(slot),
                             upto));
    }

    std::size_t free_leftovers() {
        std::size_t count = 0;
        for (std::uint32_t slot = 0; slot < blocks_.size(); ++slot) {
            if (blocks_[slot].ptr == nullptr) continue;
            verify(t_.events.empty() ? 0 : t_.events.size() - 1, slot, "at the end of the trace");
            if (!heap_.free(blocks_[slot].ptr, blocks_[slot].size)) {
                fail(t_.events.size() - 1,
                     "free of leftover block ID " + std::to_string(t_.ids[slot]) + " refused");
            }
            blocks_[slot].ptr = nullptr;
            ++count;
        }
        return count;
    }

    void heap_check(const char* when) {
        std::string problem = heap_.check();
        if (!problem.empty()) {
            throw ReplayError(t_.path + ":" +
                              std::to_string(t_.lines.empty() ? 1 : t_.lines.back()) + ": " +
                              name_ + " heap " + when + ": " + problem);
        }
    }

    void sample(std::uint64_t event, ReplayResult& r) {
        r.samples.push_back(Sample{event, live_, heap_.footprint()});
    }

    [[noreturn, gnu::cold, gnu::noinline]] void damaged(std::size_t i, std::uint32_t slot,
                                                        const char* when, std::uint64_t offset) {
        throw ReplayError(t_.where(i) + name_ + " heap: block ID " + std::to_string(t_.ids[slot]) +
                          " (allocated at line " + std::to_string(t_.alloc_line[slot]) + ", " +
                          std::to_string(blocks_[slot].size) + " bytes) is damaged at offset " +
                          std::to_string(offset) + " " + when);
    }

    [[noreturn, gnu::cold, gnu::noinline]] void failed_alloc(std::size_t i, std::uint64_t size) {
        fail(i, "allocating " + std::to_string(size) + " bytes failed");
    }

    [[noreturn, gnu::cold, gnu::noinline]] void failed_resize(std::size_t i, std::uint64_t size) {
        fail(i, "resizing to " + std::to_string(size) + " bytes failed");
    }

    [[noreturn, gnu::cold, gnu::noinline]] void failed_free(std::size_t i) {
        fail(i, "free refused");
    }

    [[noreturn, gnu::cold, gnu::noinline]] void fail(std::size_t i, const std::string& what) {
        throw ReplayError(t_.where(i) + name_ + " heap: " + what + " (" + heap_.status() + ")");
    }

    const Trace& t_;
    std::string name_;
    H& heap_;
    struct Block {
        void* ptr;           // nullptr when the slot is not live
        std::uint64_t size;  // requested size
    };
    PageVector<Block> blocks_;  // by slot; one cache line per lookup; mmap'd (page_vector.hpp)
    std::uint64_t live_ = 0;
    std::uint64_t peak_ = 0;
    std::size_t plot_every_ = 0;
    std::size_t sample_every_ = 0;
    bool warm_ = false;
};

}  // namespace glimmer::traces::detail

namespace glimmer::traces {

// Replays `trace` on `heap`, naming it `name` in messages.
template <HeapAdapter H>
ReplayResult replay_with(const Trace& trace, H& heap, std::string_view name,
                         const ReplayOptions& options) {
    if (options.check == Check::Full) {
        return detail::Replayer<H, Check::Full>(trace, name, heap, options).run();
    }
    return detail::Replayer<H, Check::Light>(trace, name, heap, options).run();
}

}  // namespace glimmer::traces
