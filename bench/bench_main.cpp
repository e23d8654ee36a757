// bench/bench_main.cpp - glimmer-bench: ns per operation of the Glimmer heap, glibc malloc,
// mimalloc and jemalloc on four patterns, interleaved rounds (each starting with another
// allocator), medians, ratios to Glimmer.
//
//   glimmer-bench            10 million operations per pattern, 5 rounds
//   glimmer-bench --quick    1 million operations, 3 rounds (a few seconds)
//   glimmer-bench --ops N --rounds R
//   glimmer-bench --pattern NAME --allocator NAME   only those (profiling: valgrind, callgrind)
//
// Patterns: pairs (alloc+free of 64 bytes), small (many live 8-64 byte blocks, then all freed),
// mixed (random alloc/free of 8-256 bytes over 10,000 slots), fragmented (mixed 16-2048 byte
// traffic on a heap left with 50,000 holes).  One operation = one alloc or one free.  Each
// block is touched once (first and last byte), as a program would.  Finally, Glimmer's
// footprint on a Lua-like heap of several MiB.
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "gw_heap.h"

namespace {

struct Allocator {
    const char* name;
    void* (*alloc)(void* ctx, std::size_t n);
    void (*free)(void* ctx, void* p, std::size_t n);
    void* (*begin)();  // context for the whole run (a Glimmer heap); may be null
    void (*end)(void* ctx);
};

// ---- Glimmer ----
void* glimmer_alloc(void* ctx, std::size_t n) {
    return gw_heap_alloc(static_cast<GwHeap*>(ctx), n);
}
void glimmer_free(void* ctx, void* p, std::size_t) {
    gw_heap_free(static_cast<GwHeap*>(ctx), p);
}
void* glimmer_begin() {
    return gw_heap_create(nullptr);
}
void glimmer_end(void* ctx) {
    gw_heap_destroy(static_cast<GwHeap*>(ctx));
}

// ---- glibc ----
void* glibc_alloc(void*, std::size_t n) {
    return std::malloc(n);
}
void glibc_free(void*, void* p, std::size_t) {
    std::free(p);
}

// ---- dlopen'ed allocators: the function pointers live in the context block ----
struct Loaded {
    void* (*alloc)(std::size_t);
    void (*free)(void*);
};
Loaded mimalloc_fns{}, jemalloc_fns{};
#if GLIMMER_BENCH_HAVE_JEMALLOC
extern "C" {
void* gwje_malloc(std::size_t size);  // Debian's jemalloc, symbols prefixed (tracing/)
void gwje_free(void* p);
}
#endif
void* mi_alloc(void*, std::size_t n) {
    return mimalloc_fns.alloc(n);
}
void mi_free(void*, void* p, std::size_t) {
    mimalloc_fns.free(p);
}
void* je_alloc(void*, std::size_t n) {
    return jemalloc_fns.alloc(n);
}
void je_free(void*, void* p, std::size_t) {
    jemalloc_fns.free(p);
}

const char* dlerror_or(const char* fallback) {
    const char* e = dlerror();
    return e ? e : fallback;
}

bool load(const char* const* paths, const char* alloc_sym, const char* free_sym, Loaded& out) {
    for (const char* const* path = paths; *path; ++path) {
        void* lib = dlopen(*path, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
        if (!lib) continue;
        out.alloc = reinterpret_cast<void* (*)(std::size_t)>(dlsym(lib, alloc_sym));
        out.free = reinterpret_cast<void (*)(void*)>(dlsym(lib, free_sym));
        if (out.alloc && out.free) return true;
    }
    return false;
}

// ---- a fast reproducible generator ----
struct Rng {
    std::uint64_t s = 0x243F6A8885A308D3ULL;
    std::uint64_t next() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 0x2545F4914F6CDD1DULL;
    }
};

inline void touch(void* p, std::size_t n) {
    auto* c = static_cast<volatile unsigned char*>(p);
    c[0] = 1;
    c[n - 1] = 2;
}

using Clock = std::chrono::steady_clock;

// Each pattern returns elapsed ns for `ops` operations.
double pattern_pairs(const Allocator& a, void* ctx, std::uint64_t ops) {
    const auto t0 = Clock::now();
    for (std::uint64_t i = 0; i < ops / 2; ++i) {
        void* p = a.alloc(ctx, 64);
        touch(p, 64);
        a.free(ctx, p, 64);
    }
    return std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
}

double pattern_small(const Allocator& a, void* ctx, std::uint64_t ops) {
    const std::size_t batch = 500'000;
    std::vector<std::pair<void*, std::size_t>> live(batch);
    Rng rng;
    const auto t0 = Clock::now();
    for (std::uint64_t done = 0; done < ops; done += 2 * batch) {
        for (auto& [p, n] : live) {
            n = 8 + rng.next() % 57;
            p = a.alloc(ctx, n);
            touch(p, n);
        }
        for (auto& [p, n] : live)
            a.free(ctx, p, n);
    }
    return std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
}

double pattern_mixed(const Allocator& a, void* ctx, std::uint64_t ops, std::size_t lo,
                     std::size_t hi, std::vector<std::pair<void*, std::size_t>>& slots) {
    Rng rng;
    const auto t0 = Clock::now();
    for (std::uint64_t i = 0; i < ops; ++i) {
        const std::uint64_t r = rng.next();
        auto& [p, n] = slots[r % slots.size()];
        if (p) {
            a.free(ctx, p, n);
            p = nullptr;
        } else {
            n = lo + (r >> 32) % (hi - lo + 1);
            p = a.alloc(ctx, n);
            touch(p, n);
        }
    }
    const double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
    for (auto& [p, n] : slots) {
        if (p) a.free(ctx, p, n);
        p = nullptr;
    }
    return ns;
}

double pattern_mixed_small(const Allocator& a, void* ctx, std::uint64_t ops) {
    std::vector<std::pair<void*, std::size_t>> slots(10'000, {nullptr, 0});
    return pattern_mixed(a, ctx, ops, 8, 256, slots);
}

double pattern_fragmented(const Allocator& a, void* ctx, std::uint64_t ops) {
    // 100,000 blocks of 16-1024 bytes, every other one freed: 50,000 holes of assorted sizes,
    // then mixed 16-2048 byte traffic over 10,000 slots among them
    Rng rng;
    std::vector<std::pair<void*, std::size_t>> keep;
    std::vector<std::pair<void*, std::size_t>> all(100'000);
    for (auto& [p, n] : all) {
        n = 16 + rng.next() % 1009;
        p = a.alloc(ctx, n);
        touch(p, n);
    }
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (i % 2) {
            a.free(ctx, all[i].first, all[i].second);
        } else {
            keep.push_back(all[i]);
        }
    }
    std::vector<std::pair<void*, std::size_t>> slots(10'000, {nullptr, 0});
    const double ns = pattern_mixed(a, ctx, ops, 16, 2048, slots);
    for (auto& [p, n] : keep)
        a.free(ctx, p, n);
    return ns;
}

struct Pattern {
    const char* name;
    double (*run)(const Allocator&, void*, std::uint64_t);
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// Lua-like footprint: blocks of 16-100 bytes (mostly 24..80), some strings and arrays up to a
// few KiB, churned until several MiB are live.  Returns footprint / requested live bytes.
void report_footprint() {
    GwHeap* heap = gw_heap_create(nullptr);
    Rng rng;
    std::vector<std::pair<void*, std::size_t>> live;
    std::size_t requested = 0;
    const std::size_t common[] = {24, 32, 40, 56, 64, 80};
    for (int i = 0; i < 400'000; ++i) {
        const std::uint64_t r = rng.next();
        if (!live.empty() && r % 10 < 3) {
            auto& slot = live[(r >> 8) % live.size()];
            requested -= slot.second;
            gw_heap_free(heap, slot.first);
            slot = live.back();
            live.pop_back();
            continue;
        }
        std::size_t n = common[(r >> 16) % 6];
        if ((r >> 24) % 100 < 8) n = 16 + (r >> 32) % 85;
        if ((r >> 24) % 100 == 99) n = 100 + (r >> 32) % 4000;
        void* p = gw_heap_alloc(heap, n);
        live.emplace_back(p, n);
        requested += n;
    }
    GwHeapStats s{};
    gw_heap_stats(heap, &s);
    std::printf(
        "\nLua-like heap (blocks of 16-100 bytes, some up to 4 KiB): %zu blocks, "
        "%.2f MiB requested, %.2f MiB usable, footprint %.2f MiB = %.3fx requested\n",
        live.size(), requested / 1048576.0, s.live_bytes / 1048576.0, s.footprint_bytes / 1048576.0,
        double(s.footprint_bytes) / double(requested));
    gw_heap_destroy(heap);
}

// A decimal count of at least 1: digits only, no overflow.
bool parse_count(const std::string& text, std::uint64_t& out) {
    if (text.empty() || text.size() > 18) return false;
    for (char c : text)
        if (c < '0' || c > '9') return false;
    out = std::strtoull(text.c_str(), nullptr, 10);
    return out >= 1;
}

constexpr const char* kUsage =
    "usage: glimmer-bench [--quick] [--ops N] [--rounds R] "
    "[--pattern pairs|small|mixed|fragmented] [--allocator glimmer|glibc|mimalloc|jemalloc]\n"
    "  ns per operation of each allocator on each pattern (median of interleaved rounds) and\n"
    "  its ratio to Glimmer's; --quick is 1 million operations and 3 rounds\n";

int usage_error(const std::string& message) {
    std::fprintf(stderr, "glimmer-bench: %s\n%s", message.c_str(), kUsage);
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t ops = 10'000'000;
    int rounds = 5;
    std::string only_pattern, only_allocator;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--help" || arg == "-h") {
            std::printf("%s", kUsage);
            return 0;
        }
        if (arg == "--quick") {
            ops = 1'000'000;
            rounds = 3;
        } else if ((arg == "--ops" || arg == "--rounds") && has_value) {
            const std::string text = argv[++i];
            std::uint64_t n = 0;
            if (!parse_count(text, n) || (arg == "--rounds" && n > 1000)) {
                return usage_error(arg + " needs a whole number from 1" +
                                   (arg == "--rounds" ? " to 1000" : "") + ", not '" + text + "'");
            }
            if (arg == "--ops") {
                ops = n;
            } else {
                rounds = static_cast<int>(n);
            }
        } else if (arg == "--pattern" && has_value) {
            only_pattern = argv[++i];
        } else if (arg == "--allocator" && has_value) {
            only_allocator = argv[++i];
        } else if (arg == "--ops" || arg == "--rounds" || arg == "--pattern" ||
                   arg == "--allocator") {
            return usage_error(arg + " needs a value");
        } else {
            return usage_error("unknown option '" + arg + "'");
        }
    }
    // The command line is checked whole before any allocator library is loaded.
    constexpr std::string_view kAllocatorNames[] = {"glimmer", "glibc", "mimalloc", "jemalloc"};
    if (!only_allocator.empty() && std::find(std::begin(kAllocatorNames), std::end(kAllocatorNames),
                                             only_allocator) == std::end(kAllocatorNames)) {
        return usage_error("no allocator named '" + only_allocator + "'");
    }
    std::vector<Pattern> patterns = {
        {"pairs 64B", pattern_pairs},
        {"small 8-64B", pattern_small},
        {"mixed 8-256B", pattern_mixed_small},
        {"fragmented 16-2048B", pattern_fragmented},
    };
    if (!only_pattern.empty()) {
        std::erase_if(patterns, [&](const Pattern& p) {
            return std::string_view(p.name).substr(0, only_pattern.size()) != only_pattern;
        });
        if (patterns.empty()) {
            return usage_error("no pattern named '" + only_pattern + "'");
        }
    }
    std::vector<Allocator> allocators = {
        {"glimmer", glimmer_alloc, glimmer_free, glimmer_begin, glimmer_end},
        {"glibc", glibc_alloc, glibc_free, nullptr, nullptr},
    };
#ifdef GLIMMER_MIMALLOC_PATH
    const char* mi_paths[] = {GLIMMER_MIMALLOC_PATH, "libmimalloc.so.2", nullptr};
#else
    const char* mi_paths[] = {"libmimalloc.so.2", nullptr};
#endif
    const auto wanted = [&](std::string_view name) {
        return only_allocator.empty() || only_allocator == name;
    };
    if (wanted("mimalloc")) {
        if (load(mi_paths, "mi_malloc", "mi_free", mimalloc_fns)) {
            allocators.push_back({"mimalloc", mi_alloc, mi_free, nullptr, nullptr});
        } else {
            std::printf("(mimalloc: %s; skipped)\n", dlerror_or("not found"));
        }
    }
    // Debian's libjemalloc uses initial-exec TLS, which dlopen refuses ("cannot allocate memory
    // in static TLS block"), and linking it as it is would replace malloc process-wide.  So
    // jemalloc is linked from the archive with its symbols renamed gwje_* where the build made
    // one, else tried with dlopen.
#if GLIMMER_BENCH_HAVE_JEMALLOC
    jemalloc_fns = {gwje_malloc, gwje_free};
    const bool have_jemalloc = true;
#else
    const char* je_paths[] = {"libjemalloc.so.2", nullptr};
    const bool have_jemalloc = wanted("jemalloc") && load(je_paths, "malloc", "free", jemalloc_fns);
#endif
    if (have_jemalloc) {
        allocators.push_back({"jemalloc", je_alloc, je_free, nullptr, nullptr});
    } else if (wanted("jemalloc")) {
        std::printf("(jemalloc: %s; skipped)\n", dlerror_or("not found"));
    }
    if (!only_allocator.empty()) {
        std::erase_if(allocators, [&](const Allocator& a) { return a.name != only_allocator; });
        if (allocators.empty()) {
            std::fprintf(stderr, "glimmer-bench: allocator '%s' is not available here\n",
                         only_allocator.c_str());
            return 1;
        }
    }
    std::printf(
        "glimmer-bench: %llu operations per pattern, %d interleaved rounds, median ns/op\n\n",
        static_cast<unsigned long long>(ops), rounds);
    std::printf("%-22s", "pattern");
    for (const auto& a : allocators)
        std::printf("%12s", a.name);
    for (std::size_t i = 1; i < allocators.size(); ++i)
        std::printf("  %s/glimmer", allocators[i].name);
    std::printf("\n");
    // one heap per allocator for the whole run, as a program keeps its malloc
    std::vector<void*> contexts;
    for (const auto& a : allocators)
        contexts.push_back(a.begin ? a.begin() : nullptr);
    for (const auto& pattern : patterns) {
        std::vector<std::vector<double>> times(allocators.size());
        // each round starts with another allocator, so none always runs first (after another
        // pattern) or always follows the same one (whose cache and memory state it inherits)
        for (int r = 0; r < rounds; ++r) {
            for (std::size_t k = 0; k < allocators.size(); ++k) {
                const std::size_t i = (k + static_cast<std::size_t>(r)) % allocators.size();
                times[i].push_back(pattern.run(allocators[i], contexts[i], ops) / double(ops));
            }
        }
        std::printf("%-22s", pattern.name);
        std::vector<double> med;
        for (auto& t : times)
            med.push_back(median(t));
        for (double m : med)
            std::printf("%12.2f", m);
        for (std::size_t i = 1; i < med.size(); ++i) {
            std::printf("  %*.2fx", int(std::strlen(allocators[i].name) + 7), med[i] / med[0]);
        }
        std::printf("\n");
    }
    for (std::size_t i = 0; i < allocators.size(); ++i) {
        if (allocators[i].end) allocators[i].end(contexts[i]);
    }
    if (only_pattern.empty() && only_allocator.empty()) report_footprint();
    return 0;
}
