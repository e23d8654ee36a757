// heaps.cpp - loading the foreign allocators and the adapters' footprint figures.
#include "heaps.hpp"

#include <dlfcn.h>
#include <malloc.h>

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
            return "glibc mallinfo2() arena + hblkhd above the start, sampled, in a fresh process";
        case HeapId::Mimalloc:
            return "mimalloc committed bytes (mi_process_info current_commit) above the start, "
                   "sampled; mimalloc commits whole segments, so this counts committed address "
                   "space, not resident pages";
        case HeapId::Jemalloc:
            return "jemalloc stats.resident above the start (after a purge), sampled";
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
GlimmerAdapter::GlimmerAdapter(const HeapSet&) : heap_(gw_heap_create(nullptr)) {
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
}  // namespace

// Trimming first gives back what earlier replays left in the arena (glibc keeps freed memory),
// so each replay's figure starts from an arena holding only the tool's own small objects.
SystemAdapter::SystemAdapter(const HeapSet&) : base_((malloc_trim(0), glibc_held())) {}
void* SystemAdapter::allocate(std::size_t size) noexcept {
    return std::malloc(size);
}
void* SystemAdapter::resize(void* p, std::size_t, std::size_t size) noexcept {
    return std::realloc(p, size);
}
bool SystemAdapter::free(void* p, std::size_t) noexcept {
    std::free(p);
    return true;
}
std::size_t SystemAdapter::footprint() const {
    return above(glibc_held(), base_);
}

// ---- mimalloc ----------------------------------------------------------------------------

MimallocAdapter::MimallocAdapter(const HeapSet& set) : api_(set.mimalloc()) {
    api_.collect(true);
    base_ = commit();
    heap_ = api_.heap_new();
    if (heap_ == nullptr) throw std::runtime_error("mi_heap_new failed");
}

MimallocAdapter::~MimallocAdapter() {
    api_.heap_delete(heap_);
    api_.collect(true);
}

std::size_t MimallocAdapter::commit() const {
    std::size_t elapsed, user, sys, rss, peak_rss, current_commit, peak_commit, faults;
    api_.process_info(&elapsed, &user, &sys, &rss, &peak_rss, &current_commit, &peak_commit,
                      &faults);
    return current_commit;
}

std::size_t MimallocAdapter::footprint() const {
    return above(commit(), base_);
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
