// runtime.hpp — Runtime: owns one heap::Heap and everything a script's objects need.
//
// Who owns what:
//   * heap_        every object and every buffer, through the one funnel allocate()/release();
//   * objects_     old objects (those a collection found live), young_ the objects made since
//                  the last collection: lists through Object::next, walked by the sweeps;
//   * interner_    weak set of interned Strings (short texts and every name the compiler uses);
//   * globals_     top-level variables and builtins by slot index (names resolved at compile
//                  time, never looked up by string at run time);
//   * roots_       RootProviders (the VM) and Handles (host code) the collector starts from.
// The funnel never collects: it raises gc_due(), and the VM collects at its safe points, where
// every live value is reachable from a root. So natives and the compiler never root temporaries.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/error.hpp"
#include "runtime/object.hpp"
#include "runtime/value.hpp"

namespace glimmer::heap {
class Heap;
}  // namespace glimmer::heap

namespace glimmer::runtime {

struct RuntimeConfig {
    std::size_t memory_limit = 0;    // bytes the heap may take from the system; 0 = no limit
    bool gc_stress = false;          // collect at every safe point after an allocation
    std::size_t gc_floor = 1 << 20;  // no collection before this many bytes were allocated
    std::function<void(std::string_view)> output;  // print/println; default: stdout
    class AllocationObserver* observer = nullptr;  // sees every funnel request from the start
    // Where the heap takes its memory (gw_heap.h GwHeapConfig): both hooks or neither (neither =
    // anonymous mmap). Every chunk goes back through chunk_free when the Runtime is destroyed,
    // so whatever chunk_user points at must outlive the Runtime. A refusal (NULL) surfaces as
    // OutOfMemory, like the memory limit.
    void* (*chunk_alloc)(void* user, std::size_t bytes) = nullptr;
    void (*chunk_free)(void* user, void* chunk, std::size_t bytes) = nullptr;
    void* chunk_user = nullptr;
};

// Sees every request of the funnel (glimmer --trace-out). `kind` is the trace TAG.
class AllocationObserver {
  public:
    virtual ~AllocationObserver() = default;
    virtual void on_allocate(const void* p, std::size_t bytes, ObjectKind kind) = 0;
    virtual void on_resize(const void* old_p, const void* new_p, std::size_t bytes) = 0;
    virtual void on_free(const void* p) = 0;
};

// Anything holding Values the collector must see (the VM's stack and frames).
class RootProvider {
  public:
    virtual ~RootProvider() = default;
    virtual void mark_roots(Runtime& rt) = 0;
};

class Runtime;

// Calls a callable Value (the VM implements it); lets natives call script functions.
class Caller {
  public:
    virtual ~Caller() = default;
    virtual Value call_value(Value callee, const Value* args, std::uint32_t count) = 0;
    // Charges `steps` to the running call's step budget (raises StepLimitExceeded when spent).
    virtual void charge_steps(std::uint64_t steps) = 0;
};

// A GC root held by C++ code: keeps one Value alive while it exists.
class Handle {
  public:
    Handle(Runtime& rt, Value v);
    Handle(const Handle& other);
    Handle& operator=(const Handle& other);
    ~Handle();
    Value get() const { return value_; }
    void set(Value v) { value_ = v; }

  private:
    friend class Runtime;
    Runtime* rt_;
    Value value_;
    Handle* prev_ = nullptr;
    Handle* next_ = nullptr;
    void link();
    void unlink();
};

struct GcStats {
    std::uint64_t collections = 0;       // young and full
    std::uint64_t full_collections = 0;  // those that marked every object
    std::uint64_t objects_marked = 0;    // by every collection so far
    std::uint64_t objects_freed = 0;
    std::uint64_t allocations = 0;      // funnel requests served
    std::uint64_t bytes_allocated = 0;  // total bytes requested through the funnel
    std::size_t bytes_live = 0;         // bytes held through the funnel now
    std::size_t bytes_peak = 0;
};

// kGlobalSetInChant: some chant body compiled in this runtime (an earlier REPL input or host
// eval included) sets the global, so a call may update it in place behind an operand already
// read (interpreter/compiler/compiler.cpp). Kept when the global is defined again.
// kGlobalHost: the host defined the value (a builtin, the CLI's `args`, an embedding's global),
// not a script; a script's `bind` of the name clears it.
enum GlobalFlags : std::uint8_t {
    kGlobalDefined = 1,
    kGlobalMutable = 2,
    kGlobalSetInChant = 4,
    kGlobalHost = 8
};

// A module's scope (LANGUAGE.md §14.1: a grove runs in its own scope) holds the host's globals
// but none of a script's top-level names. Code compiled from a module file reads a name it does
// not bind itself from the slot of kModuleScope + name, which mirrors the host's value of the
// name (kept there when a script rebinds a builtin's name) and nothing else. The prefix cannot
// start an identifier, so no script names such a slot.
inline constexpr std::string_view kModuleScope = "\x1fmodule:";

class Runtime {
  public:
    explicit Runtime(RuntimeConfig config = {});
    ~Runtime();
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    // ---- the allocation funnel ----
    void* allocate(ObjectKind kind, std::size_t bytes);  // throws RuntimeError(OutOfMemory)
    void* resize(void* p, std::size_t old_bytes, std::size_t new_bytes, ObjectKind kind);
    void release(void* p, std::size_t bytes) noexcept;
    // Raises OutOfMemory when an object of `bytes` could never fit under the memory limit.
    // Builtins that assemble a large result in a scratch buffer first (repeat, pad) ask before
    // they build it, so an impossible request fails at once, not after building it.
    void require_possible(std::size_t bytes, const char* what) const;
    std::pmr::memory_resource* resource() { return &resource_; }
    heap::Heap& heap() { return *heap_; }
    void set_observer(AllocationObserver* obs) { observer_ = obs; }

    // ---- object construction ----
    String* string(std::string_view text);             // interned when short
    String* intern(std::string_view text);             // always interned (names, field keys)
    String* concat(const String* a, const String* b);  // a + b without a temporary buffer
    // a + b never interned: for a sum only the next `+` of a chain reads (`"k" + n + ":"`).
    String* concat_step(const String* a, const String* b);
    String* append_to_newest(String* x, const String* y);  // see runtime.cpp
    // `set s to s + y[0] + ... + y[n-1]` (Op::AppendVar), every y a String, adding `bytes` in
    // all: x grown in place when it is roomy and has the room (only for a text nothing but the
    // variable holds), else nullptr and nothing changed.
    String* append_in_place(String* x, const Value* y, std::uint32_t n, std::size_t bytes);
    // A new roomy text x + y[0] + ... (as above), with half again its length as room.
    String* text_with_room(const String* x, const Value* y, std::uint32_t n, std::size_t bytes);
    List* new_list(std::uint32_t capacity = 0);
    List* copy_list(const List* l, std::uint32_t extra_capacity = 0);
    void list_append(List* l, Value v);  // in place; caller ensures l is unshared or new
    Map* new_map(std::uint32_t capacity = 0);
    Map* copy_map(const Map* m);
    Value* map_find(const Map* m, const String* key) const;
    void map_set(Map* m, String* key, Value v);  // in place
    // The slots of m's entries (indices into m->entries) in ascending byte order of their keys,
    // the order map_keys and map_values give (LANGUAGE.md §6). Valid until the next call or
    // the next new key in m. The order of a large map is kept while its keys stay the same
    // (key_order.cpp).
    std::span<const std::uint32_t> key_order(Map* m);
    StructDef* new_struct_def(String* name, std::uint32_t field_count);
    Struct* new_struct(StructDef* def);
    Struct* copy_struct(const Struct* s);
    // `inner` is marked shared (the wrapper is a second holder), unless `moved`: its one holder
    // was dead (compiler.cpp: a chain of calls that move).
    Wrapped* new_wrapped(Wrap w, Value inner, bool moved = false);
    Range* new_range(double start, double end);
    Iterator* new_iterator(IterKind kind, Value source, Value fn, double pos);
    Module* new_module(String* name, Map* exports);
    Prototype* new_prototype();
    Closure* new_closure(Prototype* proto);
    Upvalue* new_upvalue(Value* slot);
    Native* new_native(std::string_view name, NativeFn fn, std::int32_t arity,
                       void* data = nullptr);

    Value text(std::string_view s) { return Value::object(string(s)); }

    // ---- globals (slot per name, resolved once by the compiler) ----
    std::uint32_t global_slot(String* interned_name);  // creates an undefined slot if new
    bool find_global(String* interned_name, std::uint32_t& slot) const;
    Value& global(std::uint32_t slot) { return globals_[slot]; }
    std::uint8_t& global_flags(std::uint32_t slot) { return global_flags_[slot]; }
    String* global_name(std::uint32_t slot) const { return global_names_[slot]; }
    std::size_t global_count() const { return globals_.size(); }
    void define_global(std::string_view name, Value v, bool is_mutable = false);  // host's
    // The slot module code reads for `interned_name` (see kModuleScope): created on first use
    // with the host's value of the name, if the host defined one.
    std::uint32_t module_global_slot(String* interned_name);
    bool find_module_global(const String* interned_name, std::uint32_t& slot);
    // Before a script rebinds `slot`, a host global (kGlobalHost): module code keeps its value.
    void keep_host_global(std::uint32_t slot);
    // The name a message shows for a global: a module scope's slot without its prefix.
    std::string_view global_display_name(std::uint32_t slot) const;
    Value get_global(std::string_view name);  // undefined() if none
    void define_native(std::string_view name, NativeFn fn, std::int32_t arity,
                       void* data = nullptr);

    // ---- collector ----
    bool gc_due() const { return gc_due_; }
    bool gc_stress() const { return config_.gc_stress; }
    void set_gc_stress(bool on) { config_.gc_stress = on; }
    // A full collection: every object is marked from the roots (hosts, out-of-memory recovery).
    void collect();
    // The collection gc_due() asked for: a young one (the objects made since the last
    // collection), or a full one once the old objects have doubled since the last full one.
    void collect_due();
    // Gives the emergency reserve back to malloc (see emergency_reserve_). For a handler of
    // std::bad_alloc, before it builds its error; raise paths here call it themselves.
    void release_emergency_reserve() noexcept;
    // Called on an object that already exists before a value is stored into it in place (an
    // element, a field, an entry, a closed upvalue): an old object that may now refer to a young
    // one is traced by the next young collection (runtime/gc.cpp).
    void write_barrier(Object* o) {
        if (o->marked == mark_epoch_ && !(o->flags & kFlagRemembered)) remember(o);
    }
    void mark_value(Value v) {
        if (v.is_object()) mark_object(v.as_object());
    }
    void mark_object(Object* o);
    void add_root_provider(RootProvider* p);
    void remove_root_provider(RootProvider* p);
    const GcStats& stats() const { return stats_; }
    std::size_t object_count() const { return object_count_; }
    // Walks the object graph and checks invariants; returns "" when all hold.
    std::string verify();

    // ---- output ----
    void write(std::string_view s) { config_.output(s); }

    // ---- a builtin's error without a C++ throw ----
    // `return rt.fail(kind, message);` in place of raise(): a throw costs about 18,000
    // instructions (most of a failing to_number inside `attempt`), this a few hundred. The one
    // caller of natives (the VM's call_other) takes the failure at once with take_failure()
    // and raises it or hands it to an `attempt`, so between a fail() and that, nothing runs.
    [[gnu::cold, gnu::noinline]] Value fail(ErrorKind kind, std::string message);
    bool failed() const { return failure_.has_value(); }
    RuntimeError take_failure();

    // ---- char_at's cursor ----
    // Where char_at last found a character past a text's ASCII prefix: character `index` of
    // `text` starts at byte `offset`. A scan from the start of a text with a non-ASCII
    // character early on walks on from here instead of from the prefix, so it is linear, not
    // quadratic. The collector forgets the text when it frees it.
    struct CharCursor {
        const String* text = nullptr;
        std::uint32_t index = 0;
        std::uint32_t offset = 0;
    };
    CharCursor& char_cursor() { return char_cursor_; }

    // ---- calling back into scripts (natives such as refine_triumph) ----
    void set_caller(Caller* c) { caller_ = c; }
    Value call(Value callee, const Value* args, std::uint32_t count);

    // ---- trait methods (`embody Aspect for Type`), keyed by type_of name ----
    void define_method(String* type, String* method, Value fn);
    Value find_method(Value receiver, String* method);  // undefined() if none
    const RuntimeConfig& config() const { return config_; }

    // Steps before the VM raises StepLimitExceeded (0 = unlimited). Checked on calls and
    // backward jumps, and charged by builtins that loop (charge_steps).
    std::uint64_t step_limit = 0;
    // A builtin about to make or visit `items` items (list items, map entries, range numbers,
    // repetitions, pieces of text) charges one step each, as the script's own loop over them
    // would, so that no single call runs past the step limit (iter_collect over a range of
    // 1e12). Below kFreeItems it charges nothing: a builtin call is already a step, and the
    // fast path stays one compare. Loops of unknown length charge kFreeItems per kFreeItems.
    static constexpr std::uint64_t kFreeItems = 1024;
    void charge_steps(std::uint64_t items) {
        if (items >= kFreeItems && caller_) [[unlikely]]
            caller_->charge_steps(items);
    }

  private:
    friend class Handle;
    std::optional<RuntimeError> failure_;  // fail() until take_failure()
    void link_object(Object* o, ObjectKind kind);
    void free_object(Object* o);
    void trace_object(Object* o);
    void remember(Object* o);
    void mark_roots_and_drain(bool young_only);
    void sweep_old();
    void sweep_young();
    void finish_collection(bool full);
    std::string barrier_fault();
    void intern_remove(String* s);
    void sweep_interner();
    String* find_interned(std::string_view text) const;  // nullptr if not interned
    void intern_insert(String* s);
    void map_grow(Map* m);
    void forget_key_order(Map* m) noexcept;

    void restore_emergency_reserve() noexcept;
    void raise_if_heap_damaged(std::size_t bytes) const;  // throws a fatal error if it was

    RuntimeConfig config_;
    // When the system itself is out of memory (an address-space limit, not the heap's own
    // memory_limit), malloc fails too, and the error's message, the exception and the report
    // that names the line are all made with it: the reserve is freed first, so they can be.
    // Taken again after the next collection.
    void* emergency_reserve_ = nullptr;
    std::unique_ptr<heap::Heap> heap_;
    // std::pmr face of the funnel, for interpreter-internal containers (kind Internal).
    class FunnelResource : public std::pmr::memory_resource {
      public:
        explicit FunnelResource(Runtime& rt) : rt_(rt) {}

      private:
        void* do_allocate(std::size_t bytes, std::size_t align) override;
        void do_deallocate(void* p, std::size_t bytes, std::size_t align) override;
        bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override {
            return this == &o;
        }
        Runtime& rt_;
    };
    FunnelResource resource_;
    AllocationObserver* observer_ = nullptr;

    Object* objects_ = nullptr;  // old objects
    Object* young_ = nullptr;    // made since the last collection
    std::size_t object_count_ = 0;
    // Object::marked == mark_epoch_: marked by the last collection (old objects keep the mark
    // until the next full collection flips the epoch); new objects start unmarked.
    std::uint8_t mark_epoch_ = 1;
    std::pmr::vector<Object*> remembered_;  // old objects flagged kFlagRemembered
    std::size_t full_base_ = 0;             // bytes live after the last full collection
    std::size_t live_after_gc_ = 0;         // bytes live after the last collection
    bool full_due_ = false;                 // the next due collection is a full one
    bool gc_due_ = false;
    bool collecting_ = false;
    std::size_t allocated_since_gc_ = 0;
    std::size_t next_gc_ = 0;
    GcStats stats_;

    // Interner: open addressing over String*, capacity a power of two.
    String** intern_table_ = nullptr;
    std::uint32_t intern_capacity_ = 0;
    std::uint32_t intern_count_ = 0;
    std::uint32_t intern_tombstones_ = 0;
    bool gray_overflow_ = false;  // a gray push failed: rescan marked objects

    std::pmr::vector<Value> globals_;
    std::pmr::vector<std::uint8_t> global_flags_;
    std::pmr::vector<String*> global_names_;
    std::pmr::unordered_map<const String*, std::uint32_t> global_index_;

    std::pmr::vector<Object*> gray_;
    std::pmr::vector<RootProvider*> root_providers_;
    Handle* handles_ = nullptr;
    Caller* caller_ = nullptr;
    std::uint32_t methods_slot_ = 0;  // hidden global: Map type -> Map method -> fn
    bool has_methods_ = false;
    bool module_scope_used_ = false;  // some kModuleScope slot exists
    CharCursor char_cursor_;

    // Sorted key orders of the last few large maps asked for one (key_order.cpp). A Map's
    // header aux is 1 + its entry here, or 0. Maps have no deletion and grow only with a new
    // key, so an order stays right while the map's count is the one it was sorted at.
    struct KeyOrder {
        Map* map = nullptr;  // nullptr: a free entry
        std::uint32_t count = 0;
        std::uint32_t* slots = nullptr;  // count slots, a Buffer of the heap
    };
    static constexpr std::size_t kKeyOrders = 8;
    std::array<KeyOrder, kKeyOrders> key_orders_{};
    std::uint32_t key_order_victim_ = 0;                 // the entry the next new map takes
    std::pmr::vector<std::uint32_t> key_order_scratch_;  // a small map's order
};

inline constexpr std::size_t kInternMax = 40;  // texts up to this many bytes are interned

std::uint32_t hash_bytes(std::string_view s);  // never 0

// A text's hash. Interned texts get theirs at birth; a long text gets its own the first time a
// map needs it (String::hash is 0 until then), so building texts never pays for hashing them.
// Every key stored in a map has been through here, so its `hash` field is set.
inline std::uint32_t text_hash(const String* s) {
    if (s->hash) return s->hash;
    const std::uint32_t h = hash_bytes(s->view());
    const_cast<String*>(s)->hash = h;  // a cache: the text itself never changes
    return h;
}

}  // namespace glimmer::runtime
