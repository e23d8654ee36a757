// value.hpp — Value: one 8-byte NaN-boxed word.
//
//   a double that is not a quiet NaN with kQNaN bits set  -> Number (NaNs are canonicalised)
//   kQNaN | tag (1..5)                                     -> nothing, false, true, Absent,
//   undefined kSign | kQNaN | pointer (48 bits)                      -> Object*
//
// Invariant: every Number stored in a Value was canonicalised by Value::number(), so
// (bits & kQNaN) == kQNaN holds only for immediates and objects.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory_resource>
#include <ostream>
#include <string>
#include <string_view>

namespace glimmer::runtime {

struct Object;

class Value {
  public:
    static constexpr std::uint64_t kQNaN = 0x7ffc000000000000ULL;
    static constexpr std::uint64_t kSign = 0x8000000000000000ULL;
    static constexpr std::uint64_t kCanonicalNaN = 0x7ff8000000000000ULL;
    enum Tag : std::uint64_t { kNothing = 1, kFalse = 2, kTrue = 3, kAbsent = 4, kUndefined = 5 };

    constexpr Value() : bits_(kQNaN | kNothing) {}

    static Value number(double d) {
        Value v;
        if (d != d) {
            v.bits_ = kCanonicalNaN;
        } else {
            std::memcpy(&v.bits_, &d, sizeof d);
        }
        return v;
    }
    // A Number the caller knows is no NaN (a loop counter, an integer result): no canonicalising.
    static Value ordinary_number(double d) {
        Value v;
        std::memcpy(&v.bits_, &d, sizeof d);
        return v;
    }
    static constexpr Value nothing() { return from_bits(kQNaN | kNothing); }
    static constexpr Value truth(bool b) { return from_bits(kQNaN | (b ? kTrue : kFalse)); }
    static constexpr Value absent() { return from_bits(kQNaN | kAbsent); }
    // Marks a declared-but-not-yet-defined global and a local slot before its binding runs.
    static constexpr Value undefined() { return from_bits(kQNaN | kUndefined); }
    static Value object(const Object* o) {
        return from_bits(kSign | kQNaN | reinterpret_cast<std::uintptr_t>(o));
    }
    static constexpr Value from_bits(std::uint64_t b) {
        Value v;
        v.bits_ = b;
        return v;
    }

    constexpr std::uint64_t bits() const { return bits_; }
    constexpr bool is_number() const { return (bits_ & kQNaN) != kQNaN; }
    constexpr bool is_object() const { return (bits_ & (kQNaN | kSign)) == (kQNaN | kSign); }
    constexpr bool is_nothing() const { return bits_ == (kQNaN | kNothing); }
    constexpr bool is_truth() const { return (bits_ | 1) == (kQNaN | kTrue); }
    constexpr bool is_true() const { return bits_ == (kQNaN | kTrue); }
    constexpr bool is_absent() const { return bits_ == (kQNaN | kAbsent); }
    constexpr bool is_undefined() const { return bits_ == (kQNaN | kUndefined); }

    double as_number() const {
        double d;
        std::memcpy(&d, &bits_, sizeof d);
        return d;
    }
    Object* as_object() const {
        return reinterpret_cast<Object*>(static_cast<std::uintptr_t>(bits_ & ~(kSign | kQNaN)));
    }

    friend constexpr bool operator==(Value a, Value b) { return a.bits_ == b.bits_; }

  private:
    std::uint64_t bits_;
};

static_assert(sizeof(Value) == 8, "a Value is one machine word");

// §4 semantics, defined in value.cpp.
bool truthy(Value v);
bool values_equal(Value a, Value b);  // deep equality (`is`)
std::string_view type_name(Value v);  // type_of
std::string a_type_name(Value v);     // "a Number", "an Absent": for messages
void append_display(std::string& out, Value v, bool nested = false);
void append_display(std::pmr::string& out, Value v, bool nested = false);  // on out's resource
std::string display(Value v);
inline std::ostream& operator<<(std::ostream& os, Value v) {
    return os << display(v);
}
void append_to_text(std::string& out, Value v);
void append_number(std::string& out, double d);
// Recursive forms with an explicit nesting depth (StackOverflow past a fixed bound).
bool equal_at(Value a, Value b, int depth);
void display_at(std::string& out, Value v, bool nested, int depth);
void to_text_at(std::string& out, Value v, int depth);  // shortest round-trip digits, no exponent

}  // namespace glimmer::runtime
