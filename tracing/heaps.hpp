// heaps.hpp - the heaps a trace can be replayed on, or Lua can run on, behind one interface.
//
// Each adapter has the same small interface (the HeapAdapter concept below): allocate, resize,
// free (sized: every caller here knows the size), the current footprint, and a final check
// (gw_heap_check for the Glimmer heap; the others have none here, and say so with kHasCheck,
// so that no report claims a check that did not run).
// Replays are templates over the adapter, so no virtual call sits between the replay loop and
// the heap. Adapters never throw from allocate/resize/free: NULL or false means failure, and
// status() says why (Lua calls them through a C callback).
//
// Footprint means "bytes the heap holds from the operating system", but each allocator exposes
// it differently; footprint_meaning() says which figure an adapter reports. Where the figure
// is sampled, the samplers also measure whenever the live bytes pass the highest figure so
// far (replay_loop.hpp, lua_host.cpp): so at the peak of the live bytes too, and a peak
// footprint is never below the peak live bytes.
//
// Debian builds mimalloc and jemalloc to export malloc/free: linking either normally would
// replace malloc for the whole process (the "system" heap and everyone's bookkeeping). So
// mimalloc is loaded with dlopen(RTLD_LOCAL | RTLD_DEEPBIND) (not in sanitizer builds, whose
// runtimes refuse RTLD_DEEPBIND), and jemalloc, whose initial-exec TLS cannot be dlopen'ed, is
// linked statically with its symbols renamed gwje_* (tracing/prefix_jemalloc.sh).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "fixed_chunks.hpp"

#if GLIMMER_TRACES_HAVE_GLIMMER
#include "gw_heap.h"
#endif

namespace glimmer::traces {

enum class HeapId { Glimmer, System, Mimalloc, Jemalloc };

template <class H>
concept HeapAdapter = requires(H h, void* p, std::size_t n) {
    { h.allocate(n) }
    noexcept->std::same_as<void*>;
    { h.resize(p, n, n) }
    noexcept->std::same_as<void*>;
    { h.free(p, n) }
    noexcept->std::same_as<bool>;
    { h.footprint() } -> std::same_as<std::size_t>;           // bytes held now
    { h.peak_footprint() } -> std::same_as<std::size_t>;      // exact peak, or 0 if unknown
    { h.status() } -> std::same_as<std::string>;              // why the last call failed
    { h.check() } -> std::same_as<std::string>;               // "" or what is wrong
    { H::kHasCheck } -> std::convertible_to<bool>;            // check() checks anything at all
    { H::kSampleEvery } -> std::convertible_to<std::size_t>;  // 0 when the peak is exact
};

// The footprint measured now. footprint() may return a recent figure instead, when measuring
// is dear (glibc's mallinfo2); an adapter that does says so with footprint_now().
template <HeapAdapter H>
std::size_t footprint_now(H& heap) {
    if constexpr (requires { heap.footprint_now(); }) {
        return heap.footprint_now();
    } else {
        return heap.footprint();
    }
}

// Function tables of the dynamically loaded allocators.
struct MimallocApi {
    void* (*heap_new)();
    void (*heap_delete)(void* heap);
    void* (*heap_malloc)(void* heap, std::size_t size);
    void* (*heap_realloc)(void* heap, void* p, std::size_t size);
    void (*free_size)(void* p, std::size_t size);
    void (*collect)(bool force);
    void (*process_info)(std::size_t*, std::size_t*, std::size_t*, std::size_t*, std::size_t*,
                         std::size_t*, std::size_t*, std::size_t*);
};

struct JemallocApi {
    void* (*mallocx)(std::size_t size, int flags);
    void* (*rallocx)(void* p, std::size_t size, int flags);
    void (*sdallocx)(void* p, std::size_t size, int flags);
    int (*mallctl)(const char* name, void* old_value, std::size_t* old_len, void* new_value,
                   std::size_t new_len);
};

// The heaps this build can use, with their libraries loaded once. Not copyable: the function
// tables point into libraries it keeps loaded for the life of the process (allocators are
// never unloaded: blocks, thread caches and atexit hooks may outlive any one user).
class HeapSet {
  public:
    HeapSet();
    HeapSet(const HeapSet&) = delete;
    HeapSet& operator=(const HeapSet&) = delete;

    // Every heap this program knows, in table order (Glimmer first).
    static std::vector<HeapId> all();
    static std::string_view name(HeapId id);
    static std::string_view footprint_meaning(HeapId id);
    // "glimmer", "system" (or "glibc"), "mimalloc", "jemalloc"; throws std::invalid_argument.
    static HeapId parse(std::string_view name);

    bool available(HeapId id) const;
    std::string why_unavailable(HeapId id) const;  // "" when available
    std::vector<HeapId> available_heaps() const;

    // Glimmer heaps made from this set draw their chunks from a FixedChunkSource (exact,
    // repeatable footprints: baselines) instead of mmap (what programs get).
    void set_fixed_addresses(bool on) { fixed_addresses_ = on; }
    bool fixed_addresses() const { return fixed_addresses_; }

    const MimallocApi& mimalloc() const { return mimalloc_; }
    const JemallocApi& jemalloc() const { return jemalloc_; }

  private:
    MimallocApi mimalloc_{};
    JemallocApi jemalloc_{};
    std::string mimalloc_error_;
    std::string jemalloc_error_;
    bool fixed_addresses_ = false;
};

// ---- adapters ----------------------------------------------------------------------------

#if GLIMMER_TRACES_HAVE_GLIMMER
// The Glimmer heap: one private GwHeap per adapter; the footprint is exact.
class GlimmerAdapter {
  public:
    static constexpr std::size_t kSampleEvery = 0;  // peak_footprint() is exact
    static constexpr bool kHasCheck = true;         // gw_heap_check
    explicit GlimmerAdapter(const HeapSet&);
    ~GlimmerAdapter();
    GlimmerAdapter(const GlimmerAdapter&) = delete;
    GlimmerAdapter& operator=(const GlimmerAdapter&) = delete;

    void* allocate(std::size_t size) noexcept { return gw_heap_alloc(heap_, size); }
    void* resize(void* p, std::size_t, std::size_t size) noexcept {
        return gw_heap_realloc(heap_, p, size);
    }
    bool free(void* p, std::size_t size) noexcept {
        last_free_ = gw_heap_free_sized(heap_, p, size);
        return last_free_ == GW_OK;
    }
    void begin() {}
    std::size_t footprint() const;
    std::size_t peak_footprint() const;
    std::string status() const;
    std::string check() const;
    GwHeapStats stats() const;

  private:
    std::unique_ptr<FixedChunkSource> source_;  // null: the heap's default (mmap)
    GwHeap* heap_;
    int last_free_ = GW_OK;
};
#endif

// glibc malloc. Footprint: mallinfo2() arena + hblkhd (sbrk'd and mmapped bytes) now, less
// the bytes that were in use (uordblks + hblkhd) at begin(): what glibc holds beyond what
// others were using, so the free space it already held counts (the replay's blocks may sit in
// it) and the figure is never below the live bytes. glibc keeps freed memory in its arena, so
// the figure is only right in a process that has not run a replay on glibc before
// (glimmer-trace measures in a fresh one). mallinfo2 walks every free chunk, so footprint()
// calls it only when the program break has grown (the arena can only have grown then) and
// every 64th sample (for mmapped blocks); footprint_now() always does.
class SystemAdapter {
  public:
    static constexpr std::size_t kSampleEvery = 64;  // events between footprint samples
    static constexpr bool kHasCheck = false;         // check() checks nothing: always ""
    explicit SystemAdapter(const HeapSet&);
    void* allocate(std::size_t size) noexcept { return std::malloc(size); }
    void* resize(void* p, std::size_t, std::size_t size) noexcept { return std::realloc(p, size); }
    bool free(void* p, std::size_t) noexcept {
        std::free(p);
        return true;
    }
    void begin();
    std::size_t footprint();
    std::size_t footprint_now();
    std::size_t peak_footprint() const { return 0; }
    std::string status() const { return "malloc returned NULL (out of memory)"; }
    std::string check() const { return ""; }

  private:
    std::size_t base_;
    std::uintptr_t top_brk_ = 0;  // highest program break seen
    std::size_t calls_ = 0;
    std::size_t last_ = 0;  // the last mallinfo2 figure
};

// mimalloc in a private mi_heap. Footprint: the process's resident set (/proc/self/statm) above
// the figure at begin(). mimalloc's own commit counter is no use here: it commits a whole
// 32 MiB arena up front, whatever the program uses.
class MimallocAdapter {
  public:
    static constexpr std::size_t kSampleEvery = 64;
    static constexpr bool kHasCheck = false;  // check() checks nothing: always ""
    explicit MimallocAdapter(const HeapSet& set);
    ~MimallocAdapter();
    MimallocAdapter(const MimallocAdapter&) = delete;
    MimallocAdapter& operator=(const MimallocAdapter&) = delete;
    void* allocate(std::size_t size) noexcept { return api_.heap_malloc(heap_, size); }
    void* resize(void* p, std::size_t, std::size_t size) noexcept {
        return api_.heap_realloc(heap_, p, size);
    }
    bool free(void* p, std::size_t size) noexcept {
        api_.free_size(p, size);
        return true;
    }
    void begin() { base_ = resident(); }
    std::size_t footprint() const;
    std::size_t peak_footprint() const { return 0; }
    std::string status() const { return "mi_heap_malloc returned NULL (out of memory)"; }
    std::string check() const { return ""; }

  private:
    std::size_t resident() const;
    const MimallocApi& api_;
    void* heap_;
    int statm_;  // /proc/self/statm, read with pread at every sample
    std::size_t base_ = 0;
};

// jemalloc with its default arena and thread cache. Footprint: "stats.resident" after an
// "epoch" refresh, above the figure at creation (taken after purging every arena).
class JemallocAdapter {
  public:
    static constexpr std::size_t kSampleEvery = 256;  // an epoch refresh costs more
    static constexpr bool kHasCheck = false;          // check() checks nothing: always ""
    explicit JemallocAdapter(const HeapSet& set);
    ~JemallocAdapter();
    JemallocAdapter(const JemallocAdapter&) = delete;
    JemallocAdapter& operator=(const JemallocAdapter&) = delete;
    void* allocate(std::size_t size) noexcept { return api_.mallocx(size, 0); }
    void* resize(void* p, std::size_t, std::size_t size) noexcept {
        return api_.rallocx(p, size, 0);
    }
    bool free(void* p, std::size_t size) noexcept {
        api_.sdallocx(p, size, 0);
        return true;
    }
    void begin() { base_ = resident(); }
    std::size_t footprint() const;
    std::size_t peak_footprint() const { return 0; }
    std::string status() const { return "mallocx returned NULL (out of memory)"; }
    std::string check() const { return ""; }

  private:
    std::size_t resident() const;
    const JemallocApi& api_;
    std::size_t base_;
};

#if GLIMMER_TRACES_HAVE_GLIMMER
static_assert(HeapAdapter<GlimmerAdapter>);
#endif
static_assert(HeapAdapter<SystemAdapter>);
static_assert(HeapAdapter<MimallocAdapter>);
static_assert(HeapAdapter<JemallocAdapter>);

// Calls f(adapter) with a fresh adapter of the given heap (which must be available).
template <class F>
decltype(auto) with_heap(HeapId id, const HeapSet& set, F&& f) {
    if (!set.available(id)) throw std::invalid_argument(set.why_unavailable(id));
    switch (id) {
#if GLIMMER_TRACES_HAVE_GLIMMER
        case HeapId::Glimmer: {
            GlimmerAdapter h(set);
            return f(h);
        }
#endif
        case HeapId::Mimalloc: {
            MimallocAdapter h(set);
            return f(h);
        }
        case HeapId::Jemalloc: {
            JemallocAdapter h(set);
            return f(h);
        }
        case HeapId::System:
        default: {
            SystemAdapter h(set);
            return f(h);
        }
    }
}

}  // namespace glimmer::traces
