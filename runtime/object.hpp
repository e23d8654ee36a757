// object.hpp — every heap object starts with ObjectHeader; ObjectKind doubles as the trace TAG.
//
// Invariants:
//   * every Object lives in exactly one Runtime's all-objects list (header.next) until swept;
//   * `shared` (kFlagShared) is set on a List/Map/Struct, or a String, once a second place may
//     refer to it (a map's key too); in-place mutation is allowed only while it and `pinned`
//     are clear (copy-on-write, value.hpp §4; a String's only in-place change is Op::AppendVar's);
//   * buffers owned by an object (list items, map slots, struct def tables) are allocated
//     through Runtime::allocate with kind Buffer and released by the owner's sweep.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory_resource>
#include <string_view>
#include <vector>

#include "runtime/value.hpp"

namespace glimmer::runtime {

class Runtime;

enum class ObjectKind : std::uint8_t {
    String = 1,
    List = 2,
    Map = 3,
    StructDef = 4,
    Struct = 5,
    Wrapped = 6,
    Range = 7,
    Closure = 8,
    Upvalue = 9,
    Prototype = 10,
    Native = 11,
    Buffer = 12,    // container storage (list items, map slots, ...)
    Internal = 13,  // interpreter-internal pmr containers (bytecode, tables, stacks)
    Iterator = 14,  // extended: immutable lazy iterators
    Module = 15,    // extended: a summoned grove and the names it offers
};
std::string_view kind_name(ObjectKind k);

// kFlagPinned: a loop's result slot holds the object while code runs that may end the loop
// without overwriting the slot (interpreter/compiler/compiler.cpp); until it is cleared,
// in-place updates copy the object exactly as if it were shared.
// kFlagRemembered: an old object an in-place update may have given a reference to a young one;
// the next young collection traces it (runtime/gc.cpp).
// kFlagRoomy: a String made by an append-assign (`set s to s + e`, Runtime::text_with_room) whose
// block has room after its characters; String::capacity() says how much.
enum : std::uint8_t {
    kFlagShared = 1,
    kFlagInterned = 2,
    kFlagPinned = 4,
    kFlagRemembered = 8,
    kFlagRoomy = 16,
};

struct Object {
    Object* next;
    ObjectKind kind;
    std::uint8_t marked;
    std::uint8_t flags;
    std::uint8_t subkind;  // Wrapped: which wrapper; StructDef: StructFlavor
    std::uint32_t aux;

    bool shared() const { return flags & (kFlagShared | kFlagPinned); }
};
static_assert(sizeof(Object) == 16, "object header is two words");

inline bool is_kind(Value v, ObjectKind k) {
    return v.is_object() && v.as_object()->kind == k;
}

// Texts never change once made, as far as anyone holding one can tell. The header's aux caches
// how many leading bytes are ASCII, plus one (0: not yet counted), so char_at can turn a
// character index below it into a byte index without walking the text: ascii_prefix() == the
// index of the first byte >= 0x80, or length.
//
// One exception, invisible to every holder: a roomy text (kFlagRoomy) in a variable that alone
// holds it (not shared, pinned or interned) grows in place by `set s to s + e` (Op::AppendVar,
// Runtime::append_in_place), which writes after chars()[length] and then raises length.
// Layout of a roomy text's block, of string_block_bytes() bytes:
//     String header | chars[length] | '\0' | u32 capacity (unaligned) | room ...
//     sizeof(String) + capacity + 1 + 4 == the block's size, capacity >= length.
// The capacity word moves with the end of the text: whoever raises length rewrites it.
struct String : Object {
    std::uint32_t length;
    std::uint32_t hash;
    std::uint32_t ascii_prefix() {
        if (aux == 0) {
            std::uint32_t n = 0;
            const auto* p = reinterpret_cast<const unsigned char*>(chars());
            while (n < length && p[n] < 0x80)
                ++n;
            aux = n + 1;
        }
        return aux - 1;
    }
    const char* chars() const { return reinterpret_cast<const char*>(this + 1); }
    char* mutable_chars() { return reinterpret_cast<char*>(this + 1); }
    std::string_view view() const { return {chars(), length}; }
    bool roomy() const { return flags & kFlagRoomy; }
    std::uint32_t capacity() const {  // roomy texts only
        std::uint32_t c;
        std::memcpy(&c, chars() + length + 1, sizeof c);
        return c;
    }
    void set_capacity(std::uint32_t c) { std::memcpy(mutable_chars() + length + 1, &c, sizeof c); }
};
static_assert(sizeof(String) == 24);

// The bytes a text's block was allocated with (what its sweep releases).
inline std::size_t string_block_bytes(const String* s) {
    return s->roomy() ? sizeof(String) + std::size_t{s->capacity()} + 1 + sizeof(std::uint32_t)
                      : sizeof(String) + std::size_t{s->length} + 1;
}

struct List : Object {
    std::uint32_t length;
    std::uint32_t capacity;
    Value* items;
};

// Lengths and capacities are 32-bit: a list of more elements (32 GiB of them) is an
// OutOfMemory error, raised before any size is computed that would wrap.
constexpr std::uint32_t kMaxListLength = 0xFFFFFFFFu;
// The most slots a map's table has (a power of two; 2^31 entries of 16 bytes, 32 GiB).
constexpr std::uint32_t kMaxMapCapacity = 0x80000000u;

// Room to leave after a copy of `length` elements that will grow: half again, within the
// limit (0 at the limit: the next append raises).
inline std::uint32_t growth_room(std::uint32_t length) {
    const std::uint32_t half = length / 2 + 1;
    return half < kMaxListLength - length ? half : kMaxListLength - length;
}

struct MapEntry {
    String* key;  // nullptr = empty slot
    Value value;
};

// Open addressing with linear probing; capacity is a power of two (or 0), load <= 3/4.
// No deletion exists in the language, so there are no tombstones.
struct Map : Object {
    std::uint32_t count;
    std::uint32_t capacity;
    MapEntry* entries;
};

// StructDef::subkind: a `form`, or one case of a `variant` (extended; its instances are the
// variant values, displayed positionally as `Circle(2)` or bare as `Red`).
enum StructFlavor : std::uint8_t { kForm = 0, kDataVariant = 1, kUnitVariant = 2 };

// A `form` definition. Field tables are in declaration order; an instance stores its values
// in the same order. Instances built with extra fields get a private "extended" def whose
// `base` points to the declared one (same name, extra fields unchecked).
struct StructDef : Object {
    String* name;
    std::uint32_t field_count;
    std::uint32_t declared_count;
    String** field_names;  // Buffer of field_count
    String** field_types;  // Buffer of declared_count (type text, e.g. "Number", "List<Number>")
    StructDef* base;       // the user-visible definition (this, unless extended)
    // A variant case: the name of its `variant` (the enum), so `embody T for Shape` reaches
    // Circle and a field declared `as Shape` accepts it. nullptr for a `form`.
    String* family;
    int find(const String* field) const {
        for (std::uint32_t i = 0; i < field_count; ++i) {
            if (field_names[i] == field) return static_cast<int>(i);
        }
        return -1;
    }
};

struct Struct : Object {
    StructDef* def;
    Value* fields() { return reinterpret_cast<Value*>(this + 1); }
    const Value* fields() const { return reinterpret_cast<const Value*>(this + 1); }
};

// Present/Triumph/Mishap, and the reference's toy smart pointers (LANGUAGE.md §14): a Shared
// keeps its reference count in the header's aux (Shared_clone makes one with count + 1).
enum class Wrap : std::uint8_t { Present = 0, Triumph = 1, Mishap = 2, Shared = 3, Cell = 4 };
struct Wrapped : Object {
    Value inner;
    Wrap wrap() const { return static_cast<Wrap>(subkind); }
};

// The first number a range from `start` yields: start truncated towards zero, and + 0.0 makes
// the -0 that truncating -0.5 gives a plain 0. (A Range object and the VM's `for each i in
// range(a, b)`, which makes none, both start here.)
inline double range_first(double start) {
    return std::trunc(start) + 0.0;
}

// A range counts by adding 1, which past 2^53 no longer changes a Number: range(-1e20, 0)
// would yield -1e20 forever. It is an error once the count gets there (any bounds are a
// Range; range(1e20, 0) is empty, range(0, inf) runs until a break).
[[noreturn]] void raise_range_cannot_count(double pos);

struct Range : Object {
    double start;
    double end;
    double first() const { return range_first(start); }
};

// An immutable iterator (extended). subkind: IterKind. List/Range: `source` is the list or
// range and `pos` the next index / number. Map/Filter: `source` is the inner iterator, `fn` the
// function. Take: `source` inner, `pos` how many may still be taken.
enum class IterKind : std::uint8_t { List, Range, Map, Filter, Take };
struct Iterator : Object {
    Value source;
    Value fn;
    double pos;
    IterKind iter_kind() const { return static_cast<IterKind>(subkind); }
};

struct Module : Object {
    String* name;
    Map* exports;  // offered name -> value
};

struct Upvalue : Object {
    Value* location;  // into the VM stack while open, else &closed
    Value closed;
    Upvalue* next_open;  // open upvalues, sorted by stack slot descending
};

struct UpvalueDesc {
    std::uint16_t index;
    bool from_parent_local;  // true: parent's local slot; false: parent's upvalue
};

struct SourcePos {
    std::uint32_t line;
    std::uint32_t column;
};

// Compiled function. The code encoding belongs to interpreter/bytecode; the runtime only needs
// the constants (GC roots) and the position table (error locations).
struct Prototype : Object {
    std::pmr::vector<std::uint32_t> code;
    std::pmr::vector<Value> constants;
    std::pmr::vector<SourcePos> positions;  // one per instruction
    std::pmr::vector<UpvalueDesc> upvalues;
    String* name = nullptr;
    String* source_name = nullptr;
    std::uint16_t arity = 0;  // fixed parameters
    bool variadic = false;
    bool in_module = false;        // compiled from a module file: names resolve in its scope
    std::uint32_t slot_count = 0;  // locals (parameters first)
    std::uint32_t max_stack = 0;   // locals + deepest temporary stack
    // Parameters a call leaves unmarked: the chant only reads through them and runs no other
    // script code (interpreter/compiler/borrowed_params.hpp). Bit i: parameter i.
    std::uint32_t borrowed = 0;
    explicit Prototype(std::pmr::memory_resource* r)
        : code(r), constants(r), positions(r), upvalues(r) {}
};

struct Closure : Object {
    Prototype* proto;
    std::uint32_t upvalue_count;
    Upvalue** upvalues() { return reinterpret_cast<Upvalue**>(this + 1); }
};

class NativeArgs;
using NativeFn = Value (*)(Runtime& rt, Value* args, std::uint32_t count, void* data);

struct Native : Object {
    NativeFn fn;
    void* data;
    String* name;
    std::int32_t arity;  // -1: any number, checked by the function itself
};

}  // namespace glimmer::runtime
