// heaps.cpp - loading the foreign allocators and the adapters' footprint figures.
#include "heaps.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include <cstdlib>
#include <stdexcept>

namespace glimmer::traces {
namespace {

// dlopen flags for an allocator that must not take over the process's malloc.
constexpr int kPrivateLoad = RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND;

#if GLIMMER_SANITIZE
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// Looks up every symbol into `fn`; returns "" or what is missing.
template <class Fn>
std::string bind(void* lib, const char* symbol, Fn& fn) {
    void* p = dlsym(lib, symbol);
    if (p == nullptr) return std::string("missing symbol ") + symbol;
    fn = reinterpret_cast<Fn>(p);
    return "";
}

std::string load_mimalloc(MimallocApi& api) {
    if (kSanitized) return "not available in sanitizer builds (RTLD_DEEPBIND)";
    void* lib = dlopen("libmimalloc.so.2", kPrivateLoad);
    if (lib == nullptr) return std::string("cannot load libmimalloc.so.2: ") + dlerror();
    std::string e;
    for (std::string r :
         {bind(lib, "mi_heap_new", api.heap_new), bind(lib, "mi_heap_delete", api.heap_delete),
          bind(lib, "mi_heap_malloc", api.heap_malloc),
          bind(lib, "mi_heap_realloc", api.heap_realloc), bind(lib, "mi_free_size", api.free_size),
          bind(lib, "mi_collect", api.collect), bind(lib, "mi_process_info", api.process_info)}) {
        if (e.empty()) e = r;
    }
    return e;
}

#if GLIMMER_TRACES_HAVE_JEMALLOC
extern "C" {
void* gwje_mallocx(std::size_t size, int flags);
void* gwje_rallocx(void* p, std::size_t size, int flags);
void gwje_sdallocx(void* p, std::size_t size, int flags);
int gwje_mallctl(const char* name, void* old_value, std::size_t* old_len, void* new_value,
                 std::size_t new_len);
}
#endif

std::string load_jemalloc(JemallocApi& api) {
#if GLIMMER_TRACES_HAVE_JEMALLOC
    api = JemallocApi{gwje_mallocx, gwje_rallocx, gwje_sdallocx, gwje_mallctl};
    return "";
#else
    (void)api;
    return "not built in (libjemalloc_pic.a was not found at configure time)";
#endif
}

std::size_t above(std::size_t now, std::size_t base) {
    return now > base ? now - base : 0;
}

}  // namespace

// ---- HeapSet -----------------------------------------------------------------------------

HeapSet::HeapSet() {
    mimalloc_error_ = load_mimalloc(mimalloc_);
    jemalloc_error_ = load_jemalloc(jemalloc_);
}

std::vector<HeapId> HeapSet::all() {
    return {HeapId::Glimmer, HeapId::System, HeapId::Mimalloc, HeapId::Jemalloc};
}

std::string_view HeapSet::name(HeapId id) {
    switch (id) {
        case HeapId::Glimmer:
            return "glimmer";
        case HeapId::System:
            return "system";
        case HeapId::Mimalloc:
            return "mimalloc";
        case HeapId::Jemalloc:
            return "jemalloc";
    }
    return "?";
}

std::string_view HeapSet::footprint_meaning(HeapId id) {
    switch (id) {
        case HeapId::Glimmer:
            return "bytes held from the chunk source (gw_heap_stats peak_footprint_bytes, exact)";
        case HeapId::System:
            return "glibc mallinfo2() arena + hblkhd, less the bytes in use at the start, sampled "
                   "and at every new high of the live bytes, in a fresh process";
        case HeapId::Mimalloc:
            return "growth of the process's resident set (/proc/self/statm), sampled and at every "
                   "new high of the live bytes, in a fresh process (mimalloc's own commit "
                   "counter starts at a whole 32 MiB arena)";
        case HeapId::Jemalloc:
            return "jemalloc stats.resident above the start (after a purge), sampled and at every "
                   "new high of the live bytes, in a fresh process";
    }
    return "?";
}

HeapId HeapSet::parse(std::string_view name) {
    for (HeapId id : all()) {
        if (name == HeapSet::name(id)) return id;
    }
    if (name == "glibc") return HeapId::System;
    throw std::invalid_argument("unknown heap '" + std::string(name) +
                                "' (expected glimmer, system, mimalloc or jemalloc)");
}

bool HeapSet::available(HeapId id) const {
    return why_unavailable(id).empty();
}

std::string HeapSet::why_unavailable(HeapId id) const {
    switch (id) {
        case HeapId::Glimmer:
#if GLIMMER_TRACES_HAVE_GLIMMER
            return "";
#else
            return "glimmer: not built in (the heap library was missing at configure time)";
#endif
        case HeapId::System:
            return "";
        case HeapId::Mimalloc:
            return mimalloc_error_.empty() ? "" : "mimalloc: " + mimalloc_error_;
        case HeapId::Jemalloc:
            return jemalloc_error_.empty() ? "" : "jemalloc: " + jemalloc_error_;
    }
    return "unknown heap";
}

std::vector<HeapId> HeapSet::available_heaps() const {
    std::vector<HeapId> out;
    for (HeapId id : all()) {
        if (available(id)) out.push_back(id);
    }
    return out;
}

// ---- Glimmer -----------------------------------------------------------------------------

#if GLIMMER_TRACES_HAVE_GLIMMER
GlimmerAdapter::GlimmerAdapter(const HeapSet& set) {
    GwHeapConfig config{};
    if (set.fixed_addresses()) {
        source_ = std::make_unique<FixedChunkSource>();
        config.chunk_alloc = FixedChunkSource::alloc_hook;
        config.chunk_free = FixedChunkSource::free_hook;
        config.chunk_decommit = FixedChunkSource::decommit_hook;
        config.chunk_user = source_.get();
    }
    heap_ = gw_heap_create(&config);
    if (heap_ == nullptr) throw std::runtime_error("gw_heap_create failed");
}

GlimmerAdapter::~GlimmerAdapter() {
    gw_heap_destroy(heap_);
}

GwHeapStats GlimmerAdapter::stats() const {
    GwHeapStats s{};
    gw_heap_stats(heap_, &s);
    return s;
}

std::size_t GlimmerAdapter::footprint() const {
    return stats().footprint_bytes;
}
std::size_t GlimmerAdapter::peak_footprint() const {
    return stats().peak_footprint_bytes;
}

std::string GlimmerAdapter::status() const {
    int status = last_free_ != GW_OK ? last_free_ : gw_heap_last_status(heap_);
    return std::string("gw_heap status ") + gw_heap_status_name(status);
}

std::string GlimmerAdapter::check() const {
    int status = gw_heap_check(heap_);
    if (status == GW_OK) return "";
    return std::string("gw_heap_check failed: ") + gw_heap_status_name(status);
}
#endif

// ---- glibc -------------------------------------------------------------------------------

namespace {
std::size_t glibc_held() {
    struct mallinfo2 m = mallinfo2();
    return m.arena + m.hblkhd;
}
std::size_t glibc_in_use() {
    struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}
}  // namespace

SystemAdapter::SystemAdapter(const HeapSet&) : base_(glibc_in_use()) {}
void SystemAdapter::begin() {
    malloc_trim(0);
    base_ = glibc_in_use();
    top_brk_ = reinterpret_cast<std::uintptr_t>(sbrk(0));
    last_ = above(glibc_held(), base_);
}
std::size_t SystemAdapter::footprint() {
    auto brk = reinterpret_cast<std::uintptr_t>(sbrk(0));
    if (brk > top_brk_ || ++calls_ % 64 == 0) return footprint_now();
    return last_;
}
std::size_t SystemAdapter::footprint_now() {
    top_brk_ = std::max(top_brk_, reinterpret_cast<std::uintptr_t>(sbrk(0)));
    last_ = above(glibc_held(), base_);
    return last_;
}

// ---- mimalloc ----------------------------------------------------------------------------

MimallocAdapter::MimallocAdapter(const HeapSet& set)
    : api_(set.mimalloc()), statm_(open("/proc/self/statm", O_RDONLY | O_CLOEXEC)) {
    api_.collect(true);
    heap_ = api_.heap_new();
    if (heap_ == nullptr) throw std::runtime_error("mi_heap_new failed");
    base_ = resident();
}

MimallocAdapter::~MimallocAdapter() {
    api_.heap_delete(heap_);
    api_.collect(true);
    if (statm_ >= 0) close(statm_);
}

std::size_t MimallocAdapter::resident() const {
    char text[128];
    ssize_t n = statm_ >= 0 ? pread(statm_, text, sizeof text - 1, 0) : -1;
    if (n <= 0) return 0;
    text[n] = '\0';
    unsigned long long size = 0, pages = 0;
    if (std::sscanf(text, "%llu %llu", &size, &pages) != 2) return 0;
    return static_cast<std::size_t>(pages) * static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
}

std::size_t MimallocAdapter::footprint() const {
    return above(resident(), base_);
}

// ---- jemalloc ----------------------------------------------------------------------------

JemallocAdapter::JemallocAdapter(const HeapSet& set) : api_(set.jemalloc()) {
    api_.mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);  // 4096 = all arenas
    base_ = resident();
}

JemallocAdapter::~JemallocAdapter() {
    api_.mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);
}

std::size_t JemallocAdapter::resident() const {
    std::uint64_t epoch = 1;
    std::size_t len = sizeof epoch;
    api_.mallctl("epoch", &epoch, &len, &epoch, len);
    std::size_t resident = 0;
    len = sizeof resident;
    if (api_.mallctl("stats.resident", &resident, &len, nullptr, 0) != 0) return 0;
    return resident;
}

std::size_t JemallocAdapter::footprint() const {
    return above(resident(), base_);
}

}  // namespace glimmer::traces
