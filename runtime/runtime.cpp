// runtime.cpp — the allocation funnel, object constructors, interner, globals and handles.
// The collector itself is in gc.cpp.
#include "runtime/runtime.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "heap/heap.hpp"

namespace glimmer::runtime {

// Eight bytes per step (multiply and xor-shift each word in, then a final avalanche so the low
// bits the tables mask with depend on every byte); a short tail is read as two overlapping
// loads. Hash values are never visible to scripts: map_keys and display sort their keys.
std::uint32_t hash_bytes(std::string_view s) {
    constexpr std::uint64_t kMul = 0xbf58476d1ce4e5b9ULL;
    const char* p = s.data();
    const std::size_t size = s.size();
    std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ size;
    auto load64 = [](const char* at) {
        std::uint64_t w;
        std::memcpy(&w, at, sizeof w);
        return w;
    };
    auto load32 = [](const char* at) {
        std::uint32_t w;
        std::memcpy(&w, at, sizeof w);
        return std::uint64_t{w};
    };
    auto mix = [&](std::uint64_t w) {
        h = (h ^ w) * kMul;
        h ^= h >> 29;
    };
    std::size_t n = size;
    for (; n > 8; p += 8, n -= 8)
        mix(load64(p));
    if (size >= 8) {
        mix(load64(s.data() + size - 8));  // the last 8 bytes, overlapping what came before
    } else if (n >= 4) {
        mix(load32(p) | load32(p + n - 4) << 32);
    } else if (n > 0) {
        auto byte = [&](std::size_t i) { return std::uint64_t{static_cast<unsigned char>(p[i])}; };
        mix(byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16);
    }
    h ^= h >> 32;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 29;
    const auto hash = static_cast<std::uint32_t>(h);
    return hash ? hash : 1;  // 0 marks a text whose hash is not known yet (text_hash)
}

namespace {

// GLIMMER_SYSTEM_ALLOCATOR builds the funnel on malloc instead of the Glimmer heap: only for
// measuring what the heap contributes to a real interpreter (bench). The heap still exists
// (stats, limits) but serves nothing.
#ifdef GLIMMER_SYSTEM_ALLOCATOR
template <class F>
void* system_alloc(std::size_t bytes, F&&) {
    return std::malloc(bytes);
}
template <class F>
void* system_resize(void* p, std::size_t bytes, F&&) {
    return std::realloc(p, bytes);
}
template <class F>
void system_free(void* p, F&&) {
    std::free(p);
}
#else
template <class F>
void* system_alloc(std::size_t, F&& heap) {
    return heap();
}
template <class F>
void* system_resize(void*, std::size_t, F&& heap) {
    return heap();
}
template <class F>
void system_free(void*, F&& heap) {
    heap();
}
#endif

std::size_t string_bytes(std::uint32_t length) {
    return sizeof(String) + length + 1;
}
}  // namespace

// ---------------------------------------------------------------- funnel

void* Runtime::FunnelResource::do_allocate(std::size_t bytes, std::size_t align) {
    if (align > 16) throw std::bad_alloc();
    return rt_.allocate(ObjectKind::Internal, bytes ? bytes : 1);
}

void Runtime::FunnelResource::do_deallocate(void* p, std::size_t bytes, std::size_t) {
    rt_.release(p, bytes ? bytes : 1);
}

Runtime::Runtime(RuntimeConfig config)
    : config_(std::move(config)),
      resource_(*this),
      remembered_(&resource_),
      globals_(&resource_),
      global_flags_(&resource_),
      global_names_(&resource_),
      global_index_(&resource_),
      gray_(&resource_),
      root_providers_(&resource_),
      key_order_scratch_(&resource_) {
    observer_ = config_.observer;
    GwHeapConfig hc{};
    hc.memory_limit = config_.memory_limit;
    hc.chunk_alloc = config_.chunk_alloc;
    hc.chunk_free = config_.chunk_free;
    hc.chunk_user = config_.chunk_user;
    heap_ = std::make_unique<heap::Heap>(&hc);
    restore_emergency_reserve();
    if (!config_.output) {
        config_.output = [](std::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); };
    }
    next_gc_ = config_.gc_floor;
    if (config_.memory_limit && next_gc_ > config_.memory_limit / 4) {
        next_gc_ = config_.memory_limit / 4;
    }
}

Runtime::~Runtime() {
    // Free every object, then the containers that live on the heap, then the heap itself.
    for (Object* list : {objects_, young_}) {
        for (Object* o = list; o;) {
            Object* next = o->next;
            free_object(o);
            o = next;
        }
    }
    objects_ = young_ = nullptr;
    if (intern_table_) release(intern_table_, intern_capacity_ * sizeof(String*));
    intern_table_ = nullptr;
    release_emergency_reserve();
    // The pmr members release their storage through resource_ as they are destroyed; heap_
    // is declared before them, so it outlives them.
}

// Below glibc's mmap threshold (128 KiB), so freeing it leaves it in malloc's own free memory
// for the allocations that follow; enough for an error with a deep call stack and its report.
constexpr std::size_t kEmergencyReserveBytes = 96 * 1024;

void Runtime::release_emergency_reserve() noexcept {
    std::free(emergency_reserve_);
    emergency_reserve_ = nullptr;
}

void Runtime::restore_emergency_reserve() noexcept {
    if (!emergency_reserve_) emergency_reserve_ = std::malloc(kEmergencyReserveBytes);
}

// The heap refused because it found a block damaged (a write past some object's end): that is
// no shortage a script could handle, and running on would build on the damage.
void Runtime::raise_if_heap_damaged(std::size_t bytes) const {
    if (heap_->last_status() != GW_E_CORRUPT) return;
    RuntimeError e(ErrorKind::OutOfMemory,
                   "heap damage detected while allocating " + std::to_string(bytes) +
                       " bytes (a block was written past its end); the runtime cannot go on");
    e.fatal = true;
    throw e;
}

void* Runtime::allocate(ObjectKind kind, std::size_t bytes) {
    void* p = system_alloc(bytes, [&] { return heap_->try_allocate(bytes); });
    if (!p) {
        raise_if_heap_damaged(bytes);
        gc_due_ = true;  // the next safe point collects before allocating again
        release_emergency_reserve();
        raise(ErrorKind::OutOfMemory,
              "cannot allocate " + std::to_string(bytes) + " bytes" +
                  (config_.memory_limit
                       ? " (memory limit " + std::to_string(config_.memory_limit) + " bytes)"
                       : std::string()));
    }
    stats_.allocations++;
    stats_.bytes_allocated += bytes;
    stats_.bytes_live += bytes;
    if (stats_.bytes_live > stats_.bytes_peak) stats_.bytes_peak = stats_.bytes_live;
    allocated_since_gc_ += bytes;
    if (allocated_since_gc_ >= next_gc_ || config_.gc_stress) gc_due_ = true;
    if (observer_) observer_->on_allocate(p, bytes, kind);
    return p;
}

void* Runtime::resize(void* p, std::size_t old_bytes, std::size_t new_bytes, ObjectKind kind) {
    if (!p) return allocate(kind, new_bytes);
    void* q = system_resize(p, new_bytes, [&] { return heap_->try_resize(p, new_bytes); });
    if (!q) {
        raise_if_heap_damaged(new_bytes);
        gc_due_ = true;
        release_emergency_reserve();
        raise(ErrorKind::OutOfMemory,
              "cannot grow a block to " + std::to_string(new_bytes) + " bytes" +
                  (config_.memory_limit
                       ? " (memory limit " + std::to_string(config_.memory_limit) + " bytes)"
                       : std::string()));
    }
    stats_.allocations++;
    stats_.bytes_allocated += new_bytes;
    stats_.bytes_live = stats_.bytes_live - old_bytes + new_bytes;
    if (stats_.bytes_live > stats_.bytes_peak) stats_.bytes_peak = stats_.bytes_live;
    if (new_bytes > old_bytes) allocated_since_gc_ += new_bytes - old_bytes;
    if (allocated_since_gc_ >= next_gc_ || config_.gc_stress) gc_due_ = true;
    if (observer_) observer_->on_resize(p, q, new_bytes);
    return q;
}

void Runtime::require_possible(std::size_t bytes, const char* what) const {
    if (config_.memory_limit && bytes > config_.memory_limit) {
        raise(ErrorKind::OutOfMemory, std::string(what) + ": a result of " + std::to_string(bytes) +
                                          " bytes cannot fit in the memory limit of " +
                                          std::to_string(config_.memory_limit) + " bytes");
    }
}

void Runtime::release(void* p, std::size_t bytes) noexcept {
    if (!p) return;
    if (observer_) observer_->on_free(p);
    stats_.bytes_live -= bytes;
    system_free(p, [&] { heap_->try_free(p); });
}

void Runtime::link_object(Object* o, ObjectKind kind) {
    o->next = young_;
    o->kind = kind;
    o->marked = mark_epoch_ ^ 1;
    o->flags = 0;
    o->subkind = 0;
    o->aux = 0;
    young_ = o;
    ++object_count_;
}

// ---------------------------------------------------------------- strings and the interner

String* Runtime::string(std::string_view text) {
    if (text.size() <= kInternMax) return intern(text);
    if (text.size() > 0xFFFFFFF0u) raise(ErrorKind::OutOfMemory, "text too long");
    auto length = static_cast<std::uint32_t>(text.size());
    auto* s = static_cast<String*>(allocate(ObjectKind::String, string_bytes(length)));
    link_object(s, ObjectKind::String);
    s->length = length;
    s->hash = 0;  // long texts are hashed only if a map needs them (text_hash)
    std::memcpy(s->mutable_chars(), text.data(), length);
    s->mutable_chars()[length] = '\0';
    return s;
}

String* Runtime::concat(const String* a, const String* b) {
    // Texts are immutable, so adding "" can hand back the other operand itself.
    if (b->length == 0) return const_cast<String*>(a);
    if (a->length == 0) return const_cast<String*>(b);
    std::size_t total = std::size_t{a->length} + b->length;
    if (total <= kInternMax) {
        char buf[kInternMax];
        std::memcpy(buf, a->chars(), a->length);
        std::memcpy(buf + a->length, b->chars(), b->length);
        return intern(std::string_view(buf, total));
    }
    return concat_step(a, b);
}

// The text x, the newest object (so its place in the young list is the head pointer, which a
// move of its block can update), with y appended: its block grows in place where the heap can
// (gw_heap_realloc), else moves once. Only for a text nothing else holds (the VM's chain sums,
// Op::Add); nullptr, and nothing changed, when x is not the newest object.
String* Runtime::append_to_newest(String* x, const String* y) {
    if (young_ != x || y->length == 0 || x->roomy()) return nullptr;
    const std::size_t total = std::size_t{x->length} + y->length;
    if (total > 0xFFFFFFF0u) raise(ErrorKind::OutOfMemory, "text too long");
    const std::uint32_t old_length = x->length;
    auto* s = static_cast<String*>(
        resize(x, string_bytes(old_length), string_bytes(total), ObjectKind::String));
    young_ = s;
    s->length = static_cast<std::uint32_t>(total);
    std::memcpy(s->mutable_chars() + old_length, y->chars(), y->length);
    s->mutable_chars()[total] = '\0';
    s->hash = 0;
    s->aux = 0;  // the ASCII prefix is counted again when asked for
    return s;
}

namespace {
// The ASCII prefix cache (String::aux) of x once `added` bytes follow its first `old_length`.
void extend_ascii_prefix(String* x, std::uint32_t old_length) {
    if (x->aux != old_length + 1) return;  // not counted, or it ends before the old end
    const auto* p = reinterpret_cast<const unsigned char*>(x->chars());
    std::uint32_t n = old_length;
    while (n < x->length && p[n] < 0x80)
        ++n;
    x->aux = n + 1;
}

void copy_pieces(char* to, const Value* y, std::uint32_t n) {
    for (std::uint32_t i = 0; i < n; ++i) {
        const auto* t = static_cast<const String*>(y[i].as_object());
        std::memcpy(to, t->chars(), t->length);
        to += t->length;
    }
}
}  // namespace

String* Runtime::append_in_place(String* x, const Value* y, std::uint32_t n, std::size_t bytes) {
    if (!x->roomy() || x->flags & (kFlagShared | kFlagPinned | kFlagInterned)) return nullptr;
    const std::uint32_t capacity = x->capacity();
    if (bytes > capacity - x->length) return nullptr;
    const std::uint32_t old_length = x->length;
    copy_pieces(x->mutable_chars() + old_length, y, n);
    x->length = old_length + static_cast<std::uint32_t>(bytes);
    x->mutable_chars()[x->length] = '\0';
    x->set_capacity(capacity);
    x->hash = 0;
    extend_ascii_prefix(x, old_length);
    return x;
}

String* Runtime::text_with_room(const String* x, const Value* y, std::uint32_t n,
                                std::size_t bytes) {
    constexpr std::size_t kMaxText = 0xFFFFFFF0u;
    const std::size_t total = std::size_t{x->length} + bytes;
    if (total > kMaxText) raise(ErrorKind::OutOfMemory, "text too long");
    const std::size_t capacity = std::min(total + total / 2 + 16, kMaxText);
    const std::size_t block = sizeof(String) + capacity + 1 + sizeof(std::uint32_t);
    require_possible(block, "text");
    auto* s = static_cast<String*>(allocate(ObjectKind::String, block));
    link_object(s, ObjectKind::String);
    s->flags = kFlagRoomy;
    s->length = static_cast<std::uint32_t>(total);
    s->hash = 0;
    std::memcpy(s->mutable_chars(), x->chars(), x->length);
    copy_pieces(s->mutable_chars() + x->length, y, n);
    s->mutable_chars()[total] = '\0';
    s->set_capacity(static_cast<std::uint32_t>(capacity));
    return s;
}

String* Runtime::concat_step(const String* a, const String* b) {
    if (b->length == 0) return const_cast<String*>(a);
    if (a->length == 0) return const_cast<String*>(b);
    std::size_t total = std::size_t{a->length} + b->length;
    if (total > 0xFFFFFFF0u) raise(ErrorKind::OutOfMemory, "text too long");
    auto length = static_cast<std::uint32_t>(total);
    auto* s = static_cast<String*>(allocate(ObjectKind::String, string_bytes(length)));
    link_object(s, ObjectKind::String);
    s->length = length;
    std::memcpy(s->mutable_chars(), a->chars(), a->length);
    std::memcpy(s->mutable_chars() + a->length, b->chars(), b->length);
    s->mutable_chars()[length] = '\0';
    s->hash = 0;  // see text_hash: `set s to s + piece` in a loop must not rehash all of s
    return s;
}

// The interner is open addressing with tombstones: the sweep (which must not allocate) turns
// dead entries into kTombstone; intern() rebuilds the table when entries plus tombstones pass
// 3/4 of it.
namespace {
String* const kTombstone = reinterpret_cast<String*>(alignof(String));
}

String* Runtime::find_interned(std::string_view text) const {
    if (!intern_capacity_) return nullptr;
    std::uint32_t h = hash_bytes(text);
    std::uint32_t mask = intern_capacity_ - 1;
    for (std::uint32_t i = h & mask;; i = (i + 1) & mask) {
        String* s = intern_table_[i];
        if (!s) return nullptr;
        if (s != kTombstone && s->hash == h && s->view() == text) return s;
    }
}

String* Runtime::intern(std::string_view text) {
    std::uint32_t h = hash_bytes(text);
    if (intern_capacity_) {
        std::uint32_t mask = intern_capacity_ - 1;
        for (std::uint32_t i = h & mask;; i = (i + 1) & mask) {
            String* s = intern_table_[i];
            if (!s) break;
            if (s != kTombstone && s->hash == h && s->view() == text) return s;
        }
    }
    auto length = static_cast<std::uint32_t>(text.size());
    // Rebuild the table before the string exists, so an OutOfMemory leaves nothing half-made.
    if ((intern_count_ + intern_tombstones_ + 1) * 4 > intern_capacity_ * 3) {
        std::uint32_t cap = intern_capacity_ ? intern_capacity_ : 256;
        while ((intern_count_ + 1) * 2 > cap)
            cap *= 2;
        auto* table = static_cast<String**>(allocate(ObjectKind::Internal, cap * sizeof(String*)));
        std::memset(table, 0, cap * sizeof(String*));
        String** old = intern_table_;
        std::uint32_t old_cap = intern_capacity_;
        intern_table_ = table;
        intern_capacity_ = cap;
        intern_count_ = 0;
        intern_tombstones_ = 0;
        for (std::uint32_t i = 0; i < old_cap; ++i) {
            if (old[i] && old[i] != kTombstone) intern_insert(old[i]);
        }
        if (old) release(old, old_cap * sizeof(String*));
    }
    auto* s = static_cast<String*>(allocate(ObjectKind::String, string_bytes(length)));
    link_object(s, ObjectKind::String);
    s->flags = kFlagInterned;
    s->length = length;
    s->hash = h;
    if (length) std::memcpy(s->mutable_chars(), text.data(), length);
    s->mutable_chars()[length] = '\0';
    intern_insert(s);
    return s;
}

void Runtime::intern_insert(String* s) {
    std::uint32_t mask = intern_capacity_ - 1;
    std::uint32_t i = s->hash & mask;
    while (intern_table_[i] && intern_table_[i] != kTombstone)
        i = (i + 1) & mask;
    if (intern_table_[i] == kTombstone) --intern_tombstones_;
    intern_table_[i] = s;
    ++intern_count_;
}

// A young collection frees interned texts one by one: each leaves the table as a tombstone,
// found by its hash (set at birth) and its address.
void Runtime::intern_remove(String* s) {
    const std::uint32_t mask = intern_capacity_ - 1;
    for (std::uint32_t i = s->hash & mask; intern_table_[i]; i = (i + 1) & mask) {
        if (intern_table_[i] == s) {
            intern_table_[i] = kTombstone;
            --intern_count_;
            ++intern_tombstones_;
            return;
        }
    }
}

void Runtime::sweep_interner() {
    // Weak set: strings the mark phase did not reach become tombstones (no allocation here).
    for (std::uint32_t i = 0; i < intern_capacity_; ++i) {
        String* s = intern_table_[i];
        if (s && s != kTombstone && s->marked != mark_epoch_) {
            intern_table_[i] = kTombstone;
            --intern_count_;
            ++intern_tombstones_;
        }
    }
}

// ---------------------------------------------------------------- containers

List* Runtime::new_list(std::uint32_t capacity) {
    Value* items = capacity
                       ? static_cast<Value*>(allocate(ObjectKind::Buffer, capacity * sizeof(Value)))
                       : nullptr;
    List* l;
    try {
        l = static_cast<List*>(allocate(ObjectKind::List, sizeof(List)));
    } catch (...) {
        release(items, capacity * sizeof(Value));
        throw;
    }
    link_object(l, ObjectKind::List);
    l->length = 0;
    l->capacity = capacity;
    l->items = items;
    return l;
}

List* Runtime::copy_list(const List* src, std::uint32_t extra) {
    if (extra > kMaxListLength - src->length) {
        raise(ErrorKind::OutOfMemory, "list too long: " + std::to_string(src->length) + " + " +
                                          std::to_string(extra) + " elements is past the most a " +
                                          "list holds, " + std::to_string(kMaxListLength));
    }
    List* l = new_list(src->length + extra);
    if (src->length) std::memcpy(l->items, src->items, src->length * sizeof(Value));
    l->length = src->length;
    // Elements are now referenced from two lists.
    for (std::uint32_t i = 0; i < l->length; ++i) {
        if (l->items[i].is_object()) l->items[i].as_object()->flags |= kFlagShared;
    }
    return l;
}

void Runtime::list_append(List* l, Value v) {
    write_barrier(l);
    if (l->length == l->capacity) {
        if (l->length == kMaxListLength) {
            raise(ErrorKind::OutOfMemory, "list too long: it holds " +
                                              std::to_string(kMaxListLength) +
                                              " elements, the most a list holds");
        }
        std::uint32_t cap = l->capacity < 4                    ? 4
                            : l->capacity > kMaxListLength / 2 ? kMaxListLength
                                                               : l->capacity * 2;
        l->items = static_cast<Value*>(
            resize(l->items, l->capacity * sizeof(Value), cap * sizeof(Value), ObjectKind::Buffer));
        l->capacity = cap;
    }
    l->items[l->length++] = v;
}

Map* Runtime::new_map(std::uint32_t capacity) {
    std::uint32_t cap = 0;
    if (capacity) {
        cap = 4;
        while (cap * 3 < capacity * 4)
            cap *= 2;
    }
    MapEntry* entries = nullptr;
    if (cap) {
        entries = static_cast<MapEntry*>(allocate(ObjectKind::Buffer, cap * sizeof(MapEntry)));
        std::memset(static_cast<void*>(entries), 0, cap * sizeof(MapEntry));
    }
    Map* m;
    try {
        m = static_cast<Map*>(allocate(ObjectKind::Map, sizeof(Map)));
    } catch (...) {
        release(entries, cap * sizeof(MapEntry));
        throw;
    }
    link_object(m, ObjectKind::Map);
    m->count = 0;
    m->capacity = cap;
    m->entries = entries;
    return m;
}

Map* Runtime::copy_map(const Map* src) {
    Map* m = new_map(0);
    if (src->capacity) {
        m->entries =
            static_cast<MapEntry*>(allocate(ObjectKind::Buffer, src->capacity * sizeof(MapEntry)));
        std::memcpy(static_cast<void*>(m->entries), src->entries, src->capacity * sizeof(MapEntry));
        m->capacity = src->capacity;
        m->count = src->count;
        for (std::uint32_t i = 0; i < m->capacity; ++i) {
            Value v = m->entries[i].value;
            if (m->entries[i].key && v.is_object()) v.as_object()->flags |= kFlagShared;
        }
    }
    return m;
}

Value* Runtime::map_find(const Map* m, const String* key) const {
    if (!m->capacity) return nullptr;
    std::uint32_t mask = m->capacity - 1;
    const std::uint32_t hash = text_hash(key);
    for (std::uint32_t i = hash & mask;; i = (i + 1) & mask) {
        MapEntry& e = m->entries[i];
        if (!e.key) return nullptr;
        if (e.key == key || (e.key->hash == hash && e.key->length == key->length &&
                             std::memcmp(e.key->chars(), key->chars(), key->length) == 0)) {
            return &e.value;
        }
    }
}

void Runtime::map_grow(Map* m) {
    if (m->capacity >= kMaxMapCapacity) {
        raise(ErrorKind::OutOfMemory, "map too large: it holds " + std::to_string(m->count) +
                                          " entries, the most a map holds");
    }
    std::uint32_t cap = m->capacity ? m->capacity * 2 : 8;
    auto* entries = static_cast<MapEntry*>(allocate(ObjectKind::Buffer, cap * sizeof(MapEntry)));
    std::memset(static_cast<void*>(entries), 0, cap * sizeof(MapEntry));
    for (std::uint32_t i = 0; i < m->capacity; ++i) {
        MapEntry& e = m->entries[i];
        if (!e.key) continue;
        std::uint32_t j = e.key->hash & (cap - 1);
        while (entries[j].key)
            j = (j + 1) & (cap - 1);
        entries[j] = e;
    }
    release(m->entries, m->capacity * sizeof(MapEntry));
    m->entries = entries;
    m->capacity = cap;
}

void Runtime::map_set(Map* m, String* key, Value v) {
    write_barrier(m);
    if (Value* slot = map_find(m, key)) {
        *slot = v;
        return;
    }
    if ((std::uint64_t{m->count} + 1) * 4 > std::uint64_t{m->capacity} * 3) map_grow(m);
    std::uint32_t mask = m->capacity - 1;
    std::uint32_t i = text_hash(key) & mask;
    while (m->entries[i].key)
        i = (i + 1) & mask;
    // The map now holds the key too: a roomy text must not grow under it (String, object.hpp).
    key->flags |= kFlagShared;
    m->entries[i].key = key;
    m->entries[i].value = v;
    ++m->count;
}

// ---------------------------------------------------------------- other objects

StructDef* Runtime::new_struct_def(String* name, std::uint32_t field_count) {
    auto* d = static_cast<StructDef*>(allocate(ObjectKind::StructDef, sizeof(StructDef)));
    link_object(d, ObjectKind::StructDef);
    d->name = name;
    d->field_count = 0;
    d->declared_count = 0;
    d->field_names = nullptr;
    d->field_types = nullptr;
    d->base = d;
    d->family = nullptr;
    if (field_count) {
        d->field_names =
            static_cast<String**>(allocate(ObjectKind::Buffer, field_count * sizeof(String*)));
        d->field_types =
            static_cast<String**>(allocate(ObjectKind::Buffer, field_count * sizeof(String*)));
        std::memset(d->field_names, 0, field_count * sizeof(String*));
        std::memset(d->field_types, 0, field_count * sizeof(String*));
    }
    d->field_count = field_count;
    d->declared_count = field_count;
    return d;
}

Struct* Runtime::new_struct(StructDef* def) {
    auto* s = static_cast<Struct*>(
        allocate(ObjectKind::Struct, sizeof(Struct) + def->field_count * sizeof(Value)));
    link_object(s, ObjectKind::Struct);
    s->def = def;
    for (std::uint32_t i = 0; i < def->field_count; ++i)
        s->fields()[i] = Value::nothing();
    return s;
}

Struct* Runtime::copy_struct(const Struct* src) {
    Struct* s = new_struct(src->def);
    for (std::uint32_t i = 0; i < src->def->field_count; ++i) {
        Value v = src->fields()[i];
        if (v.is_object()) v.as_object()->flags |= kFlagShared;
        s->fields()[i] = v;
    }
    return s;
}

Wrapped* Runtime::new_wrapped(Wrap w, Value inner, bool moved) {
    auto* o = static_cast<Wrapped*>(allocate(ObjectKind::Wrapped, sizeof(Wrapped)));
    link_object(o, ObjectKind::Wrapped);
    o->subkind = static_cast<std::uint8_t>(w);
    if (inner.is_object() && !moved) inner.as_object()->flags |= kFlagShared;
    o->inner = inner;
    return o;
}

Range* Runtime::new_range(double start, double end) {
    auto* r = static_cast<Range*>(allocate(ObjectKind::Range, sizeof(Range)));
    link_object(r, ObjectKind::Range);
    // §7: both ends are truncated toward zero to integers, so the range shows and compares as
    // the integers it yields (range(1.5, 3.7) is range(1, 3)); no end is -0.
    const auto whole = [](double d) { return std::trunc(d) + 0.0; };
    r->start = whole(start);
    r->end = whole(end);
    return r;
}

Iterator* Runtime::new_iterator(IterKind kind, Value source, Value fn, double pos) {
    auto* it = static_cast<Iterator*>(allocate(ObjectKind::Iterator, sizeof(Iterator)));
    link_object(it, ObjectKind::Iterator);
    it->subkind = static_cast<std::uint8_t>(kind);
    // iter(list) keeps the list itself, not a copy: mark it shared so a later `set l[i]` on the
    // variable that held it copies first and the iterator still yields the old elements.
    if (source.is_object()) source.as_object()->flags |= kFlagShared;
    it->source = source;
    it->fn = fn;
    it->pos = pos;
    return it;
}

Module* Runtime::new_module(String* name, Map* exports) {
    auto* m = static_cast<Module*>(allocate(ObjectKind::Module, sizeof(Module)));
    link_object(m, ObjectKind::Module);
    m->name = name;
    m->exports = exports;
    return m;
}

Prototype* Runtime::new_prototype() {
    void* mem = allocate(ObjectKind::Prototype, sizeof(Prototype));
    auto* p = new (mem) Prototype(&resource_);
    link_object(p, ObjectKind::Prototype);
    return p;
}

Closure* Runtime::new_closure(Prototype* proto) {
    auto n = static_cast<std::uint32_t>(proto->upvalues.size());
    auto* c = static_cast<Closure*>(
        allocate(ObjectKind::Closure, sizeof(Closure) + n * sizeof(Upvalue*)));
    link_object(c, ObjectKind::Closure);
    c->proto = proto;
    c->upvalue_count = n;
    for (std::uint32_t i = 0; i < n; ++i)
        c->upvalues()[i] = nullptr;
    return c;
}

Upvalue* Runtime::new_upvalue(Value* slot) {
    auto* u = static_cast<Upvalue*>(allocate(ObjectKind::Upvalue, sizeof(Upvalue)));
    link_object(u, ObjectKind::Upvalue);
    u->location = slot;
    u->closed = Value::nothing();
    u->next_open = nullptr;
    return u;
}

Native* Runtime::new_native(std::string_view name, NativeFn fn, std::int32_t arity, void* data) {
    String* n = intern(name);
    auto* f = static_cast<Native*>(allocate(ObjectKind::Native, sizeof(Native)));
    link_object(f, ObjectKind::Native);
    f->fn = fn;
    f->data = data;
    f->name = n;
    f->arity = arity;
    return f;
}

// ---------------------------------------------------------------- globals

std::uint32_t Runtime::global_slot(String* name) {
    auto it = global_index_.find(name);
    if (it != global_index_.end()) return it->second;
    auto slot = static_cast<std::uint32_t>(globals_.size());
    // Every allocation happens before the first push, so an OutOfMemory leaves the three
    // parallel arrays the same length (the collector walks them together).
    // Room grows by doubling: reserving one more each time made each new name copy all the
    // others (a script of 40k top-level names took 1.9 s).
    if (slot == globals_.capacity() || slot == global_flags_.capacity() ||
        slot == global_names_.capacity()) {
        const std::size_t room = std::max<std::size_t>(64, 2 * std::size_t{slot});
        globals_.reserve(room);
        global_flags_.reserve(room);
        global_names_.reserve(room);
    }
    global_index_.emplace(name, slot);
    globals_.push_back(Value::undefined());
    global_flags_.push_back(0);
    global_names_.push_back(name);
    return slot;
}

bool Runtime::find_global(String* name, std::uint32_t& slot) const {
    auto it = global_index_.find(name);
    if (it == global_index_.end()) return false;
    slot = it->second;
    return true;
}

void Runtime::define_global(std::string_view name, Value v, bool is_mutable) {
    String* interned = intern(name);
    std::uint32_t mirror = 0;
    bool mirrored = find_module_global(interned, mirror);
    std::uint32_t slot = global_slot(interned);
    const auto flags =
        static_cast<std::uint8_t>(kGlobalDefined | kGlobalHost | (is_mutable ? kGlobalMutable : 0));
    globals_[slot] = v;
    global_flags_[slot] =
        static_cast<std::uint8_t>((global_flags_[slot] & kGlobalSetInChant) | flags);
    if (mirrored) {
        globals_[mirror] = v;
        global_flags_[mirror] =
            static_cast<std::uint8_t>((global_flags_[mirror] & kGlobalSetInChant) | flags);
    }
}

namespace {

std::string module_scope_name(const String* name) {
    std::string scoped(kModuleScope);
    scoped += name->view();
    return scoped;
}

}  // namespace

bool Runtime::find_module_global(const String* name, std::uint32_t& slot) {
    if (!module_scope_used_) return false;  // the usual case: no module compiled yet
    String* scoped = find_interned(module_scope_name(name));
    return scoped && find_global(scoped, slot);
}

std::uint32_t Runtime::module_global_slot(String* name) {
    std::uint32_t slot;
    if (find_module_global(name, slot)) return slot;
    slot = global_slot(intern(module_scope_name(name)));
    module_scope_used_ = true;
    std::uint32_t host;
    if (find_global(name, host) && (global_flags_[host] & kGlobalHost)) {
        globals_[slot] = globals_[host];
        global_flags_[slot] = global_flags_[host];
    }
    return slot;
}

void Runtime::keep_host_global(std::uint32_t slot) {
    module_global_slot(global_names_[slot]);  // copies the host's value while it is there
}

std::string_view Runtime::global_display_name(std::uint32_t slot) const {
    std::string_view name = global_names_[slot]->view();
    if (name.starts_with(kModuleScope)) name.remove_prefix(kModuleScope.size());
    return name;
}

Value Runtime::get_global(std::string_view name) {
    std::uint32_t slot;
    if (!find_global(intern(name), slot)) return Value::undefined();
    return globals_[slot];
}

void Runtime::define_native(std::string_view name, NativeFn fn, std::int32_t arity, void* data) {
    define_global(name, Value::object(new_native(name, fn, arity, data)));
}

// ---------------------------------------------------------------- calls and methods

Value Runtime::fail(ErrorKind kind, std::string message) {
    failure_.emplace(kind, std::move(message));
    return Value::undefined();
}

RuntimeError Runtime::take_failure() {
    RuntimeError e = std::move(*failure_);
    failure_.reset();
    return e;
}

Value Runtime::call(Value callee, const Value* args, std::uint32_t count) {
    if (!caller_) raise(ErrorKind::NotCallable, "no interpreter is attached to this runtime");
    return caller_->call_value(callee, args, count);
}

void Runtime::define_method(String* type, String* method, Value fn) {
    if (!has_methods_) {
        methods_slot_ = global_slot(intern("<methods>"));
        globals_[methods_slot_] = Value::object(new_map());
        global_flags_[methods_slot_] = kGlobalDefined;
        has_methods_ = true;
    }
    auto* table = static_cast<Map*>(globals_[methods_slot_].as_object());
    Value* per_type = map_find(table, type);
    if (!per_type) {
        map_set(table, type, Value::object(new_map()));
        per_type = map_find(table, type);
    }
    map_set(static_cast<Map*>(per_type->as_object()), method, fn);
}

Value Runtime::find_method(Value receiver, String* method) {
    if (!has_methods_) return Value::undefined();
    auto* table = static_cast<Map*>(globals_[methods_slot_].as_object());
    auto lookup = [&](String* type) -> Value* {
        Value* per_type = map_find(table, type);
        return per_type ? map_find(static_cast<Map*>(per_type->as_object()), method) : nullptr;
    };
    std::string_view type = type_name(receiver);
    Value* fn = lookup(intern(type));
    // A variant value's type is its case (`Circle`); an `embody` for the case comes first, then
    // one for its enum (`Shape`), which reaches every case. Likewise the built-in families a
    // field type names (LANGUAGE.md §10): Outcome, Maybe and Function.
    if (!fn) {
        if (is_kind(receiver, ObjectKind::Struct)) {
            if (String* family = static_cast<Struct*>(receiver.as_object())->def->family) {
                fn = lookup(family);
            }
        } else if (type == "Triumph" || type == "Mishap") {
            fn = lookup(intern("Outcome"));
        } else if (type == "Present" || type == "Absent") {
            fn = lookup(intern("Maybe"));
        } else if (type == "Chant" || type == "NativeChant") {
            fn = lookup(intern("Function"));
        }
    }
    return fn ? *fn : Value::undefined();
}

// ---------------------------------------------------------------- handles

Handle::Handle(Runtime& rt, Value v) : rt_(&rt), value_(v) {
    link();
}
Handle::Handle(const Handle& o) : rt_(o.rt_), value_(o.value_) {
    link();
}
Handle& Handle::operator=(const Handle& o) {
    if (this != &o) {
        unlink();
        rt_ = o.rt_;
        value_ = o.value_;
        link();
    }
    return *this;
}
Handle::~Handle() {
    unlink();
}
void Handle::link() {
    next_ = rt_->handles_;
    prev_ = nullptr;
    if (next_) next_->prev_ = this;
    rt_->handles_ = this;
}
void Handle::unlink() {
    if (prev_) {
        prev_->next_ = next_;
    } else {
        rt_->handles_ = next_;
    }
    if (next_) next_->prev_ = prev_;
}

}  // namespace glimmer::runtime
