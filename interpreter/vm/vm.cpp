// vm.cpp — the dispatch loop. One `switch` over opcodes (bytecode/opcodes.hpp); numbers take
// the fast path inline, everything else goes to small out-of-line helpers. Errors are C++
// exceptions: execute() catches them, fills in location and call stack once, and either jumps
// to the innermost `attempt` handler of this activation or unwinds and rethrows.
#include "interpreter/vm/vm.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <new>
#include <string>
#include <utility>

#include <pthread.h>

#include "interpreter/bytecode/opcodes.hpp"
#include "interpreter/compiler/compiler.hpp"
#include "interpreter/parser/parser.hpp"
#include "interpreter/source.hpp"
#include "runtime/builtins.hpp"

namespace glimmer::interp::vm {

using namespace glimmer::runtime;
using bytecode::Op;

namespace {

// An in-place list op (ListPushVar, ...) stands for `set xs to fn(xs, ...)`, whose `argc`
// arguments are on the stack: it applies only while xs still holds the list the call gets (the
// first argument) and the global `callee` is still the builtin `fn`. Otherwise the call as
// written runs: `callee` goes under its arguments, and false says to go on at that call.
[[gnu::always_inline]] inline bool in_place_applies(Value xs, Value callee, NativeFn fn, Value*& sp,
                                                    std::ptrdiff_t argc) {
    if (xs == sp[-argc] && is_kind(callee, ObjectKind::Native) &&
        static_cast<Native*>(callee.as_object())->fn == fn) {
        return true;
    }
    for (std::ptrdiff_t i = 0; i < argc; ++i)
        sp[-i] = sp[-i - 1];
    sp[-argc] = callee;
    ++sp;
    return false;
}

// The builtin an in-place op stands for and the arguments its call takes (xs first); no
// builtin for the field ops that share their case.
struct InPlaceCall {
    NativeFn fn;
    std::ptrdiff_t argc;
};
[[gnu::always_inline]] inline InPlaceCall in_place_call(Op op) {
    switch (op) {
        case Op::ListPushVar:
            return {&builtin_list_push, 2};
        case Op::ListPopVar:
            return {&builtin_list_pop, 1};
        case Op::ListConcatVar:
            return {&builtin_list_concat, 2};
        case Op::TextConcatVar:
            return {&builtin_concat, 2};
        default:
            return {nullptr, 0};
    }
}

// The element `set x[key] to list_push(x[key], v)` (or `x.field`) may push onto in place: its
// slot in x when x is an unshared List (key a Number in range), Map (a Text key it holds) or
// struct instance (a field it has), else nullptr. Unshared, x has no other holder, so neither
// has an element that is itself unshared: the element's own mark says whether only x holds it.
Value* unshared_element(Runtime& rt, Value x, Value key, String* field) {
    if (!x.is_object() || x.as_object()->shared()) return nullptr;
    Object* o = x.as_object();
    if (field != nullptr) {
        if (o->kind != ObjectKind::Struct) return nullptr;
        auto* s = static_cast<Struct*>(o);
        int f = s->def->find(field);
        return f < 0 ? nullptr : &s->fields()[f];
    }
    if (o->kind == ObjectKind::List) {
        auto* l = static_cast<List*>(o);
        if (!key.is_number()) return nullptr;
        double d = key.as_number();
        return d >= 0 && d < l->length ? &l->items[static_cast<std::uint32_t>(d)] : nullptr;
    }
    if (o->kind == ObjectKind::Map && is_kind(key, ObjectKind::String)) {
        return rt.map_find(static_cast<Map*>(o), static_cast<String*>(key.as_object()));
    }
    return nullptr;
}

// `is`, with Numbers compared here rather than in a call.
[[gnu::always_inline]] inline bool equal(Value x, Value y) {
    if (x.is_number() && y.is_number()) return x.as_number() == y.as_number();
    return values_equal(x, y);
}

// list_push, list_pop and list_concat return a list they have just made (a copy of their
// first argument, grown or shrunk): its one holder is the call's result.
bool makes_a_new_list(Value callee) {
    if (!is_kind(callee, ObjectKind::Native)) return false;
    const NativeFn fn = static_cast<Native*>(callee.as_object())->fn;
    return fn == &builtin_list_push || fn == &builtin_list_pop || fn == &builtin_list_concat;
}

// A native's result r is the inner value of its first argument, moved (its variable is dead)
// and an unshared wrapper (`present_or(c, [])`), and r is still unmarked: r has no other
// holder. Out of line: the dispatch loop only calls it after a CallMove of a native.
[[gnu::noinline]] bool inner_of_moved_wrapper(Value moved, Value r) {
    return is_kind(moved, ObjectKind::Wrapped) && !moved.as_object()->shared() &&
           static_cast<Wrapped*>(moved.as_object())->inner == r && r.is_object() &&
           !r.as_object()->shared();
}

// The instructions that change the stack before their call, which may fail (execute()).
bool rewrites_stack(const std::uint32_t* ip) {
    const Op op = bytecode::op_of(*ip);
    return op == Op::Invoke || op == Op::InvokeMove;
}

// Truthiness with the common case inline: a Truth (what comparisons make).
[[gnu::always_inline]] inline bool truth_of(Value v) {
    return v.is_truth() ? v.is_true() : truthy(v);
}

inline void share(Value v) {
    if (v.is_object()) v.as_object()->flags |= kFlagShared;
}

// A callee's slots on entry: its argc arguments marked shared (they now live in two frames),
// except those a CallMove or TailCallMove moved (bytecode::moved_bit: the variables they came
// from are dead) and those the callee borrows (Prototype::borrowed, in the same mask: it only
// reads through them), the rest of its slot_count slots nothing.
[[gnu::always_inline]] inline void enter_slots(Value* args, std::uint32_t argc,
                                               std::uint32_t slot_count,
                                               std::uint32_t moved_mask = bytecode::kNoMove) {
    for (std::uint32_t i = 0; i < argc; ++i) {
        if (!(moved_mask & bytecode::moved_bit(i))) share(args[i]);
    }
    for (std::uint32_t i = argc; i < slot_count; ++i)
        args[i] = Value::nothing();
}

// Loop result slots (bytecode/opcodes.hpp): drops the pin result[1] records, if any.
inline void unpin_result(Value* result) {
    if (result[1].is_object()) {
        result[1].as_object()->flags &= static_cast<std::uint8_t>(~kFlagPinned);
        result[1] = Value::nothing();
    }
}

std::string callee_name(const Prototype* p) {
    return p->name ? std::string(p->name->view()) : std::string("<anonymous>");
}

std::string plural(std::uint32_t n) {
    return std::to_string(n) + (n == 1 ? " argument" : " arguments");
}

// The TypeErrors of the operators: dispatch() raises them through VM_RAISE (no C++ throw: an
// `attempt` that skips the mixed values of a sum took 5 us an error), helpers throw them.
std::string binary_type_message(const char* what, Value a, Value b) {
    return std::string("cannot ") + what + " " + std::string(type_name(a)) + " and " +
           std::string(type_name(b));
}

[[noreturn]] void binary_type_error(const char* what, Value a, Value b) {
    raise(ErrorKind::TypeError, binary_type_message(what, a, b));
}

std::string compare_type_message(const char* op, Value a, Value b) {
    return std::string("'") + op + "' needs two Numbers, got " + std::string(type_name(a)) +
           " and " + std::string(type_name(b));
}

// range(x, y)'s bounds: two Numbers, any (LANGUAGE.md §7: truncated, empty when a >= b).
void check_range_bounds(Value x, Value y) {
    if (!x.is_number() || !y.is_number()) {
        raise(ErrorKind::TypeError, "range needs two Numbers, got " + std::string(type_name(x)) +
                                        " and " + std::string(type_name(y)));
    }
}

// `step`: the sum only feeds the next `+` of a chain (Add's operand 1), so it skips the
// interner; texts compare by content, so no program can tell.
Value add_slow(Runtime& rt, Value a, Value b, bool step) {
    if (is_kind(a, ObjectKind::String) && is_kind(b, ObjectKind::String)) {
        auto* x = static_cast<String*>(a.as_object());
        auto* y = static_cast<String*>(b.as_object());
        return Value::object(step ? rt.concat_step(x, y) : rt.concat(x, y));
    }
    binary_type_error("add", a, b);
}

// `set s to s + y1 + ... + yk` (Op::AppendCheck, AppendVar) when x or a piece is not a Text:
// x, y1..yk at `x` added left to right as the Adds would (a TypeError at the first that cannot
// be, or a Number sum), the sum left in x[0] and the pieces it took in turned to undefined (a
// value no expression has) so that a later check does not add them again.
[[gnu::noinline]] void add_pieces(Runtime& rt, Value* x, std::uint32_t k) {
    for (std::uint32_t i = 1; i <= k; ++i) {
        if (x[i].is_undefined()) continue;
        if (x[0].is_number() && x[i].is_number()) {
            x[0] = Value::number(x[0].as_number() + x[i].as_number());
        } else {
            x[0] = add_slow(rt, x[0], x[i], false);  // x stays on the stack: a root
        }
        x[i] = Value::undefined();
    }
}

// `set s to s + p` of Texts x (what s holds) and y when s is a bound local (Op::AddLL followed by
// its SetLocal), and `set s to concat(s, p)` (Op::TextConcatVar): x with y appended in place
// when x is a roomy text nothing else holds, else a new roomy text when the sum is too long to
// intern. nullptr when y is empty or the sum is short: then the plain Add's (or concat's)
// concat makes it, interned, as it would without this path.
String* append_text(Runtime& rt, Value x, Value y) {
    auto* t = static_cast<String*>(x.as_object());
    const std::size_t bytes = static_cast<const String*>(y.as_object())->length;
    if (bytes == 0) return nullptr;
    if (String* sum = rt.append_in_place(t, &y, 1, bytes)) return sum;
    if (std::size_t{t->length} + bytes > kInternMax) return rt.text_with_room(t, &y, 1, bytes);
    return nullptr;
}

// obj[index] into `out`; false with the error in `error` instead of throwing it (dispatch()
// handles it at vm_error without a C++ unwind).
bool index_value(Runtime& rt, Value obj, Value index, Value& out,
                 std::optional<RuntimeError>& error) {
    if (is_kind(obj, ObjectKind::List)) {
        auto* l = static_cast<List*>(obj.as_object());
        if (!index.is_number()) {
            error.emplace(ErrorKind::TypeError,
                          "a List index must be a Number, got " + std::string(type_name(index)));
            return false;
        }
        double d = std::trunc(index.as_number());
        if (!(d >= 0)) d = 0;  // negative (and NaN) clamp to 0, as the reference does
        if (d >= l->length) {
            error.emplace(ErrorKind::IndexOutOfBounds,
                          "index " + display(index) + " is out of bounds for a List of length " +
                              std::to_string(l->length));
            return false;
        }
        out = l->items[static_cast<std::uint32_t>(d)];
        return true;
    }
    if (is_kind(obj, ObjectKind::Map)) {
        if (!is_kind(index, ObjectKind::String)) {
            error.emplace(ErrorKind::TypeError,
                          "a Map key must be Text, got " + std::string(type_name(index)));
            return false;
        }
        auto* key = static_cast<String*>(index.as_object());
        if (Value* v = rt.map_find(static_cast<Map*>(obj.as_object()), key)) {
            out = *v;
            return true;
        }
        error.emplace(ErrorKind::FieldNotFound,
                      "key '" + std::string(key->view()) + "' not found in Map");
        return false;
    }
    if (is_kind(obj, ObjectKind::String)) {
        error.emplace(ErrorKind::TypeError, "Text cannot be indexed; use char_at or slice");
        return false;
    }
    error.emplace(ErrorKind::TypeError,
                  "cannot index a value of type " + std::string(type_name(obj)));
    return false;
}

// obj.name into `out`; false with the error in `error` instead of throwing it (GetField and
// GetLocalField take it at vm_error without a C++ unwind: an optional field read in an
// `attempt` cost 5 us per missing field).
bool read_field(Runtime& rt, Value obj, String* name, std::uint32_t* cache, Value& out,
                std::optional<RuntimeError>& error) {
    if (is_kind(obj, ObjectKind::Struct)) {
        auto* s = static_cast<Struct*>(obj.as_object());
        std::uint32_t c = *cache;
        if (c < s->def->field_count && s->def->field_names[c] == name) {
            out = s->fields()[c];
            return true;
        }
        int i = s->def->find(name);
        if (i < 0) {
            error.emplace(ErrorKind::FieldNotFound, std::string(s->def->name->view()) +
                                                        " has no field '" +
                                                        std::string(name->view()) + "'");
            return false;
        }
        *cache = static_cast<std::uint32_t>(i);
        out = s->fields()[i];
        return true;
    }
    if (is_kind(obj, ObjectKind::Map)) {
        if (Value* v = rt.map_find(static_cast<Map*>(obj.as_object()), name)) {
            out = *v;
            return true;
        }
        error.emplace(ErrorKind::FieldNotFound,
                      "key '" + std::string(name->view()) + "' not found in Map");
        return false;
    }
    if (is_kind(obj, ObjectKind::Module)) {
        auto* m = static_cast<Module*>(obj.as_object());
        if (Value* v = rt.map_find(m->exports, name)) {
            // an offered `weave` variable is its cell (OfferCell): read it as it is now
            out = is_kind(*v, ObjectKind::Upvalue)
                      ? *static_cast<Upvalue*>(v->as_object())->location
                      : *v;
            return true;
        }
        error.emplace(ErrorKind::FieldNotFound, "module " + std::string(m->name->view()) +
                                                    " does not offer '" +
                                                    std::string(name->view()) + "'");
        return false;
    }
    error.emplace(ErrorKind::TypeError,
                  "cannot read field '" + std::string(name->view()) + "' of " + a_type_name(obj));
    return false;
}

Value field_value(Runtime& rt, Value obj, String* name, std::uint32_t* cache) {
    Value out;
    std::optional<RuntimeError> error;
    if (!read_field(rt, obj, name, cache, out, error)) throw std::move(*error);
    return out;
}

// `obj.m(args)` where obj's type embodies no `m`: it is `obj.m` called, but when obj has no
// field `m` either, LANGUAGE.md §14.1 makes that FieldNotFound only on a struct (`form`)
// instance and TypeError on any other value: a map without the key, a variant value.
void no_method_field_check(Runtime& rt, Value obj, String* name) {
    bool has_field;
    if (is_kind(obj, ObjectKind::Struct)) {
        const StructDef* def = static_cast<Struct*>(obj.as_object())->def;
        if (def->subkind == kForm) return;  // field_value reports FieldNotFound
        has_field = def->find(name) >= 0;
    } else if (is_kind(obj, ObjectKind::Map)) {
        has_field = rt.map_find(static_cast<Map*>(obj.as_object()), name) != nullptr;
    } else {
        return;  // field_value reports the TypeError (or reads a module's name)
    }
    if (!has_field) {
        raise(ErrorKind::TypeError, std::string(type_name(obj)) + " has no method '" +
                                        std::string(name->view()) + "' (no embody defines it)");
    }
}

// LANGUAGE.md §10: a declared field's value must match the field's type, both in a literal and
// in `set p.f to v` (else a struct could end up holding what its literal would refuse).
[[gnu::noinline]] void check_field_type_slow(const StructDef* def, std::string_view type,
                                             String* name, Value v) {
    if (!type_accepts(type, v)) {
        std::string got(type_name(v));
        // A type name no value has (§10: "any other type name never matches"), such as
        // Chant, read as "expects Chant, got Chant" without the reason.
        raise(ErrorKind::TypeError,
              "field '" + std::string(name->view()) + "' of " + std::string(def->name->view()) +
                  " expects " + std::string(type) + ", got " + got +
                  (got == type ? " (no value has the type " + got +
                                     ": a field's type is Number, Text, Truth, Nothing, List, "
                                     "Map, Function, Outcome, Maybe, Range, List<...>, a "
                                     "struct's name or one capital letter)"
                               : std::string()));
    }
}
// type == "Number" as two loads and compares (GCC calls the library memcmp for ==).
[[gnu::always_inline]] inline bool names_number(std::string_view type) {
    if (type.size() != 6) return false;
    std::uint32_t head;
    std::uint16_t tail;
    std::memcpy(&head, type.data(), 4);
    std::memcpy(&tail, type.data() + 4, 2);
    std::uint32_t want_head;
    std::uint16_t want_tail;
    std::memcpy(&want_head, "Numb", 4);
    std::memcpy(&want_tail, "er", 2);
    return head == want_head && tail == want_tail;
}
[[gnu::always_inline]] inline void check_field_type(const StructDef* def, int f, String* name,
                                                    Value v) {
    if (static_cast<std::uint32_t>(f) >= def->declared_count) return;  // an extra field: any value
    std::string_view type = def->field_types[f]->view();
    if (v.is_number() && names_number(type)) return;  // the common case, inline
    check_field_type_slow(def, type, name, v);
}

// Builds `Def { names[i]: values[i] }`: every declared field present and of its type; extra
// fields are kept in a private extended definition.
Value make_struct(Runtime& rt, Value def_value, List* names, Value* values,
                  std::uint32_t moved = bytecode::kNoMove) {
    if (!is_kind(def_value, ObjectKind::StructDef)) {
        raise(ErrorKind::TypeError,
              "a struct literal needs a struct definition before '{', got a " +
                  std::string(type_name(def_value)));
    }
    auto* def = static_cast<StructDef*>(def_value.as_object());
    std::uint32_t n = names->length;
    std::uint32_t extras = 0;
    for (std::uint32_t i = 0; i < n; ++i) {
        auto* nm = static_cast<String*>(names->items[i].as_object());
        if (def->find(nm) < 0) {
            bool repeated = false;
            for (std::uint32_t j = 0; j < i; ++j)
                repeated |= names->items[j] == names->items[i];
            if (!repeated) ++extras;
        }
    }
    for (std::uint32_t f = 0; f < def->declared_count; ++f) {
        bool found = false;
        for (std::uint32_t i = 0; i < n && !found; ++i) {
            found = names->items[i].as_object() == def->field_names[f];
        }
        if (!found) {
            raise(ErrorKind::CustomError, "Missing field '" +
                                              std::string(def->field_names[f]->view()) + "' in " +
                                              std::string(def->name->view()));
        }
    }
    StructDef* shape = def;
    if (extras) {
        shape = rt.new_struct_def(def->name, def->field_count + extras);
        shape->declared_count = def->declared_count;
        shape->base = def;
        std::uint32_t at = def->field_count;
        for (std::uint32_t f = 0; f < def->field_count; ++f) {
            shape->field_names[f] = def->field_names[f];
            if (f < def->declared_count) shape->field_types[f] = def->field_types[f];
        }
        for (std::uint32_t i = 0; i < n; ++i) {
            auto* nm = static_cast<String*>(names->items[i].as_object());
            if (shape->find(nm) < 0) shape->field_names[at++] = nm;
        }
    }
    Struct* s = rt.new_struct(shape);
    for (std::uint32_t i = 0; i < n; ++i) {
        auto* nm = static_cast<String*>(names->items[i].as_object());
        int f = shape->find(nm);
        check_field_type(def, f, nm, values[i]);
        if (!(moved & bytecode::moved_bit(i))) share(values[i]);
        s->fields()[f] = values[i];
    }
    return Value::object(s);
}

// A map literal's map of n (key, value) pairs at `from`, each value marked shared unless its
// bit in `moved` is set (MapMoving: its holder is dead). Out of line, as make_struct is: with
// the loop inline the dispatch loop kept its frame pointer on the stack, one more load at
// every instruction.
[[gnu::noinline]] Value make_map(Runtime& rt, const Value* from, std::uint32_t n,
                                 std::uint32_t moved) {
    Map* m = rt.new_map(n);
    for (std::uint32_t i = 0; i < n; ++i) {
        if (!(moved & bytecode::moved_bit(i))) share(from[2 * i + 1]);
        rt.map_set(m, static_cast<String*>(from[2 * i].as_object()), from[2 * i + 1]);
    }
    return Value::object(m);
}

// C fmod semantics (sign of the dividend), with an exact integer fast path: fmod is slow.
inline double remainder_of(double x, double y) {
    constexpr double kExact = 9007199254740992.0;  // 2^53
    if (x > -kExact && x < kExact && y > -kExact && y < kExact) {
        auto xi = static_cast<std::int64_t>(x);
        auto yi = static_cast<std::int64_t>(y);
        if (static_cast<double>(xi) == x && static_cast<double>(yi) == y) {
            std::int64_t r = xi % yi;
            return r == 0 && std::signbit(x) ? -0.0 : static_cast<double>(r);
        }
    }
    return std::fmod(x, y);
}

// A store to global `slot` cannot fail: it is defined, and bound with `weave`. The in-place
// fast paths take a global only then; anything else goes the way that raises the error.
bool writable_global(Runtime& rt, std::uint32_t slot) {
    return (rt.global_flags(slot) & (kGlobalDefined | kGlobalMutable)) ==
           (kGlobalDefined | kGlobalMutable);
}

[[noreturn]] void undefined_variable(Runtime& rt, std::uint32_t slot) {
    raise(ErrorKind::UndefinedVariable, std::string(rt.global_display_name(slot)));
}

// `set` of a global that no `weave` made: a script's `bind`, a builtin, a host function or a
// value the host set (Engine::set_global binds immutably), so the message does not claim `bind`.
[[noreturn]] void immutable_global(Runtime& rt, std::uint32_t slot) {
    const bool native = is_kind(rt.global(slot), ObjectKind::Native);
    raise(ErrorKind::ImmutableBinding,
          "cannot set '" + std::string(rt.global_display_name(slot)) +
              (native ? "': it is a built-in or host function"
                      : "': it was bound with 'bind' (or by the host), not 'weave'"));
}

}  // namespace

Vm::Vm(Runtime& rt, VmLimits limits)
    : rt_(rt),
      limits_(limits),
      frames_(rt.resource()),
      handlers_(rt.resource()),
      frame_limit_(limits.max_frames) {
    capacity_ = kInitialStack;
    stack_ = static_cast<Value*>(rt_.allocate(ObjectKind::Internal, capacity_ * sizeof(Value)));
    sp_ = stack_;
    try {
        rt_.add_root_provider(this);
    } catch (...) {  // OutOfMemory: the destructor will not run, give the stack back here
        rt_.release(stack_, capacity_ * sizeof(Value));
        throw;
    }
    rt_.set_caller(this);
}

Vm::~Vm() {
    rt_.set_caller(nullptr);
    rt_.remove_root_provider(this);
    rt_.release(stack_, capacity_ * sizeof(Value));
}

void Vm::mark_roots(Runtime& rt) {
    for (Value* v = stack_; v < sp_; ++v)
        rt.mark_value(*v);
    for (const Frame& f : frames_)
        rt.mark_object(f.closure);
    for (Upvalue* u = open_; u; u = u->next_open)
        rt.mark_object(u);
}

// A top-level run or call has ended (nothing runs): a deep recursion grew the stack and the
// frame array, which stayed that size, live on the heap and counted against the memory limit,
// so later scripts that had run in the limit failed with OutOfMemory. Back to the sizes a VM
// starts with. A failed allocation keeps the grown stack (it still works).
void Vm::release_growth() noexcept {
    if (!frames_.empty() || sp_ != stack_ || open_) return;
    frames_.release_above(kKeptFrames);
    if (handlers_.empty() && handlers_.capacity() > kKeptFrames) {
        std::pmr::vector<Handler>(rt_.resource()).swap(handlers_);
    }
    if (capacity_ <= kInitialStack) return;
    try {
        auto* fresh =
            static_cast<Value*>(rt_.allocate(ObjectKind::Internal, kInitialStack * sizeof(Value)));
        rt_.release(stack_, capacity_ * sizeof(Value));
        stack_ = sp_ = fresh;
        capacity_ = kInitialStack;
    } catch (...) {
    }
}

void Vm::ensure_stack(std::size_t needed) {
    if (needed <= capacity_) return;
    std::size_t cap = capacity_;
    while (cap < needed)
        cap *= 2;
    Value* old = stack_;
    stack_ = static_cast<Value*>(
        rt_.resize(stack_, capacity_ * sizeof(Value), cap * sizeof(Value), ObjectKind::Internal));
    capacity_ = cap;
    sp_ = stack_ + (sp_ - old);
    for (Upvalue* u = open_; u; u = u->next_open)
        u->location = stack_ + (u->location - old);
}

Upvalue* Vm::capture(Value* slot) {
    Upvalue** link = &open_;
    while (*link && (*link)->location > slot)
        link = &(*link)->next_open;
    if (*link && (*link)->location == slot) return *link;
    Upvalue* u = rt_.new_upvalue(slot);
    u->next_open = *link;
    *link = u;
    return u;
}

void Vm::close_upvalues(Value* from) {
    while (open_ && open_->location >= from) {
        Upvalue* u = open_;
        rt_.write_barrier(u);  // an old upvalue gets the value
        u->closed = *u->location;
        share(u->closed);
        u->location = &u->closed;
        open_ = u->next_open;
    }
}

namespace {
void check_arity(const Prototype* p, std::uint32_t argc) {
    if (argc == p->arity || (p->variadic && argc >= p->arity)) return;
    raise(ErrorKind::ArityMismatch, "'" + callee_name(p) + "' expects " +
                                        (p->variadic ? "at least " : "") + plural(p->arity) +
                                        ", got " + std::to_string(argc));
}

// A method call `obj.m(args)`: its prototype counts `self`, the message counts the arguments.
void check_method_arity(const Prototype* p, std::uint32_t argc) {
    const std::uint32_t self_and_args = argc + 1;
    if (p->arity == 0) return;  // no `self` parameter: the call's own check reports it
    if (self_and_args == p->arity || (p->variadic && self_and_args >= p->arity)) return;
    const std::uint32_t expected = p->arity - 1u;
    raise(ErrorKind::ArityMismatch, "method '" + callee_name(p) + "' expects " +
                                        (p->variadic ? "at least " : "") + plural(expected) +
                                        " besides self, got " + std::to_string(argc));
}
}  // namespace

// Lays out the arguments at stack_[args_index, ...) for a call of `c` (arity already checked):
// packs a variadic rest list, fills the other locals with nothing. May move the stack.
void Vm::prepare_args(Closure* c, std::size_t args_index, std::uint32_t argc,
                      std::uint32_t moved_mask) {
    Prototype* p = c->proto;
    ensure_stack(args_index + p->max_stack + 1);
    Value* args = stack_ + args_index;
    if (p->variadic) {
        std::uint32_t rest = argc - p->arity;
        List* l = rt_.new_list(rest);
        for (std::uint32_t i = 0; i < rest; ++i) {
            share(args[p->arity + i]);
            l->items[i] = args[p->arity + i];
        }
        l->length = rest;
        args[p->arity] = Value::object(l);
        argc = p->arity + 1u;
        // Those in the rest list are marked: the list holds them.
        for (std::uint32_t i = p->arity; i < 32; ++i)
            moved_mask &= ~bytecode::moved_bit(i);
    }
    enter_slots(args, argc, p->slot_count, moved_mask | p->borrowed);
    sp_ = args + p->slot_count;
}

// Pushes a frame for `c` whose arguments start at `args` (inside the stack, just above the
// callee slot). Arity must already be checked.
void Vm::push_frame(Closure* c, Value* args, std::uint32_t argc, std::uint32_t moved_mask) {
    if (frames_.size() >= frame_limit_) {
        raise(ErrorKind::StackOverflow,
              "too many nested calls (limit " + std::to_string(limits_.max_frames) + ")");
    }
    auto args_index = static_cast<std::size_t>(args - stack_);
    // Grow the frame array first: after prepare_args nothing may fail (OOM retry relies on it).
    if (frames_.size() == frames_.capacity()) frames_.reserve(frames_.capacity() * 2 + 16);
    prepare_args(c, args_index, argc, moved_mask);
    frames_.push_back(Frame{c, c->proto->code.data(), static_cast<std::uint32_t>(args_index)});
}

void Vm::set_raised(ErrorKind kind, std::string_view message) {
    raised_.emplace(kind, std::string(message));
}

// What execute() would do with raised_ had it been thrown: an OutOfMemory goes there (thrown)
// for its retry; an `attempt` in reach takes the rest (return); otherwise it is thrown.
void Vm::handle_raised(std::size_t stop_depth) {
    RuntimeError e = std::move(*raised_);
    raised_.reset();
    if (e.kind() == ErrorKind::OutOfMemory) throw e;
    locate(e);
    if (!recover(e, stop_depth)) throw e;
}

Value Vm::call_other_caught(Value callee, Value* args, std::uint32_t argc) {
    try {
        Value r = call_other_pending(callee, args, argc);
        if (rt_.failed()) [[unlikely]]
            raised_.emplace(rt_.take_failure());
        return r;
    } catch (RuntimeError& e) {
        raised_.emplace(std::move(e));
        return Value::undefined();
    }
}

Value Vm::call_other(Value callee, Value* args, std::uint32_t argc) {
    Value r = call_other_pending(callee, args, argc);
    if (rt_.failed()) [[unlikely]]
        throw rt_.take_failure();
    return r;
}

Value Vm::call_other_pending(Value callee, Value* args, std::uint32_t argc) {
    if (is_kind(callee, ObjectKind::Native)) {
        auto* f = static_cast<Native*>(callee.as_object());
        if (f->arity >= 0 && argc != static_cast<std::uint32_t>(f->arity)) {
            raise(ErrorKind::ArityMismatch, "'" + std::string(f->name->view()) + "' expects " +
                                                plural(static_cast<std::uint32_t>(f->arity)) +
                                                ", got " + std::to_string(argc));
        }
        Value r = f->fn(rt_, args, argc, f->data);
        // A host function that re-entered the engine may have swallowed the StepLimitExceeded
        // of its nested run (a C status it ignored, a caught glimmer::Error): the limit belongs
        // to the host, so it passes through here too, for the whole outermost run.
        if (step_limit_hit_) [[unlikely]]
            step_limit_reached();
        return r;
    }
    if (is_kind(callee, ObjectKind::StructDef) && callee.as_object()->subkind == kDataVariant) {
        auto* def = static_cast<StructDef*>(callee.as_object());
        if (argc != def->field_count) {
            raise(ErrorKind::ArityMismatch, "'" + std::string(def->name->view()) + "' expects " +
                                                plural(def->field_count) + ", got " +
                                                std::to_string(argc));
        }
        // A data variant's field types are documentation only: the reference checks the
        // number of fields, not their types (unlike a `form`'s, LANGUAGE.md §10), so
        // `Some(value: Any)` takes any value, as `Some(value: T)` does.
        Struct* s = rt_.new_struct(def);
        for (std::uint32_t i = 0; i < argc; ++i) {
            share(args[i]);
            s->fields()[i] = args[i];
        }
        return Value::object(s);
    }
    raise(ErrorKind::NotCallable, a_type_name(callee) + " is not callable");
}

// A chant read a local of its defining scope that no `bind` has reached yet (the name is bound
// further on, perhaps in a branch not taken): at run time that scope does not hold the name, so
// the lookup goes on outwards (§6), here to the top level (a module's, for module code).
Value Vm::unbound_fallback(String* name, bool in_module) {
    std::uint32_t slot = in_module ? rt_.module_global_slot(name) : 0;
    if ((in_module || rt_.find_global(name, slot)) && !rt_.global(slot).is_undefined())
        return rt_.global(slot);
    raise(ErrorKind::UndefinedVariable, std::string(name->view()));
}

// `summon` (LANGUAGE.md §14.1): PATH is relative to the summoning file and must stay inside
// the module root; each file runs once per runtime (cached by its normalised path, in a
// hidden global so the modules stay alive); a file summoned while it is still loading is a
// cycle.
Value Vm::load_module(std::string_view path, std::string_view from_file) {
    namespace fs = std::filesystem;
    if (!modules_refused_.empty()) {
        raise(ErrorKind::CustomError,
              "cannot summon '" + std::string(path) + "': " + modules_refused_);
    }
    fs::path relative(path);
    if (relative.is_absolute()) {
        raise(ErrorKind::CustomError,
              "cannot summon '" + std::string(path) + "': module paths must be relative");
    }
    fs::path from_dir = fs::path(from_file).parent_path();
    if (resolve_in_root_ && from_dir.is_relative()) from_dir = fs::path(module_root_) / from_dir;
    fs::path target = (from_dir / relative).lexically_normal();
    std::error_code ec;
    fs::path root = module_root_.empty() ? fs::current_path(ec) : fs::path(module_root_);
    fs::path full = fs::weakly_canonical(fs::absolute(target, ec), ec);
    fs::path canonical_root = fs::weakly_canonical(fs::absolute(root, ec), ec);
    auto mismatch =
        std::mismatch(canonical_root.begin(), canonical_root.end(), full.begin(), full.end());
    if (mismatch.first != canonical_root.end()) {
        raise(ErrorKind::CustomError, "cannot summon '" + std::string(path) +
                                          "': the path leaves the module root " +
                                          canonical_root.string());
    }
    std::string key = full.string();
    Value table = rt_.get_global("<modules>");
    if (table.is_undefined()) {
        table = Value::object(rt_.new_map());
        rt_.define_global("<modules>", table);
    }
    auto* modules = static_cast<Map*>(table.as_object());
    String* key_text = rt_.string(key);
    // Entry: nothing = loading, undefined = an earlier load failed (try again), else the module.
    if (Value* known = rt_.map_find(modules, key_text); known && !known->is_undefined()) {
        if (!known->is_nothing()) return *known;
        std::string cycle;
        for (const std::string& f : loading_)
            cycle += f + " -> ";
        raise(ErrorKind::CustomError, "import cycle: " + cycle + target.string());
    }
    // The running script starts every chain but is not in the cache: summoning it back is a
    // cycle too (a script that is itself a grove would otherwise run again as its own module).
    if (!frames_.empty() && frames_[0].closure->proto->source_name) {
        const std::string name(frames_[0].closure->proto->source_name->view());
        fs::path script(name);
        if (resolve_in_root_ && script.is_relative()) script = fs::path(module_root_) / script;
        if (fs::weakly_canonical(fs::absolute(script, ec), ec) == full) {
            std::string cycle = name + " -> ";
            for (const std::string& f : loading_)
                cycle += f + " -> ";
            raise(ErrorKind::CustomError, "import cycle: " + cycle + target.string());
        }
    }
    if (!fs::is_regular_file(full, ec)) {
        raise(ErrorKind::CustomError,
              "cannot summon '" + std::string(path) + "': no such file " + target.string());
    }
    rt_.map_set(modules, key_text, Value::nothing());  // loading
    loading_.push_back(target.string());
    struct PopOnExit {
        std::vector<std::string>& stack;
        ~PopOnExit() { stack.pop_back(); }
    } pop{loading_};
    // Any failure while loading (syntax, runtime, OutOfMemory) forgets the "loading" mark, so a
    // later summon of the same file loads it afresh rather than reporting a false cycle.
    try {
        return run_module(path, full, target, key_text);
    } catch (...) {
        auto* table_now = static_cast<Map*>(rt_.get_global("<modules>").as_object());
        rt_.map_set(table_now, key_text, Value::undefined());  // the key exists: no allocation
        throw;
    }
}

// Compiles and runs one module file for load_module (which owns the cache entry `key_text`).
Value Vm::run_module(std::string_view path, const std::filesystem::path& full,
                     const std::filesystem::path& target, String* key_text) {
    Prototype* proto;
    try {
        SourceFile source = SourceFile::read(full);
        SourceFile named(target.string(), std::string(source.text()));
        ast::Program program = parser::parse(named, rt_.resource());
        // §14.1: a module file holds one grove. Checked before anything runs, so a file that
        // is not a module has no side effects (its println would print, then fail).
        const ast::Block top = program.statements();
        if (top.size() != 1 || !top[0]->is<ast::GroveStmt>()) {
            bool has_grove = std::any_of(top.begin(), top.end(), [](const ast::Stmt* st) {
                return st->is<ast::GroveStmt>();
            });
            raise(ErrorKind::CustomError,
                  "module file " + target.string() +
                      (has_grove ? " must hold one grove and nothing else" : " defines no grove"));
        }
        proto = compiler::compile(program, rt_, true);
    } catch (const SyntaxError& e) {
        raise(ErrorKind::CustomError, "in module " + target.string() + ": " + e.what());
    } catch (const SourceReadError& e) {
        raise(ErrorKind::CustomError, "cannot summon '" + std::string(path) + "': " + e.what());
    }
    Handle keep(rt_, Value::object(proto));
    Value m = run(proto);
    if (!is_kind(m, ObjectKind::Module)) {
        raise(ErrorKind::CustomError, "module file " + target.string() + " defines no grove");
    }
    auto* modules = static_cast<Map*>(rt_.get_global("<modules>").as_object());
    rt_.map_set(modules, key_text, m);
    return m;
}

Value Vm::run(Prototype* script) {
    Closure* c = rt_.new_closure(script);
    // Config::max_call_depth counts script calls: the top level's own frame (the host's run, a
    // module's) is not one, so it raises the frame limit while it runs. run("f(1)") failed at a
    // depth of 1 where call("f", {1}) returned.
    struct TopLevelFrame {
        std::size_t& limit;
        ~TopLevelFrame() { --limit; }
    } top{++frame_limit_};
    // The script's value (its last statement's) may still be held by a global, which a later
    // run may update in place: the caller's copy must not see that.
    next_call_is_top_level_ = true;
    Value v = call(Value::object(c), nullptr, 0);
    share(v);
    return v;
}

void Vm::step_limit_reached() {
    steps_left_ = 1;  // every later step finds it spent too
    step_limit_hit_ = true;
    // The limit this run started with: a host function's set_step_limit applies from the next.
    raise(ErrorKind::StepLimitExceeded,
          "step limit of " + std::to_string(step_limit_in_force_) + " steps reached");
}

Value Vm::call(Value callee, const Value* args, std::uint32_t count) {
    // reentry_ counts the Vm::call activations in progress. A host function called with
    // nothing running pushes no frame, so frames_ alone cannot tell a re-entry from the
    // outermost call: a host function calling itself through gw_call never had a frame.
    const bool nested = reentry_ > 0;
    const bool top_level = std::exchange(next_call_is_top_level_, false);
    if (!nested) {
        // The outermost call starts the budget afresh: the limit reached in an earlier run is
        // not this one's. A limit of N lets N steps run: the step that finds the budget spent
        // raises, so the countdown starts one above N (none: it never reaches 0 in practice).
        step_limit_hit_ = false;
        steps_left_ =
            rt_.step_limit && rt_.step_limit < UINT64_MAX ? rt_.step_limit + 1 : UINT64_MAX;
        step_limit_in_force_ = rt_.step_limit;
        // The host's own call of a function (gw_call, gw_call_handle, Engine::call) is a step,
        // as the same call from a script is: the smallest limit under which call("f") passed
        // was one below run("f()")'s. The top level of a run is no call, so no step.
        if (!top_level && --steps_left_ == 0) step_limit_reached();
    } else {
        // A call from inside a run (a builtin such as iter_fold calling its function back, a
        // host function calling a script or another host function) is a step as a call from
        // the script is: else a callback loop over a huge range ran past any step limit.
        if (--steps_left_ == 0) step_limit_reached();
        // Each re-entry recurses on the native stack, whatever the callee: a script function,
        // or a host function called straight back (gw_call, gw_call_handle, Engine::call),
        // which once recursed until the process died.
        if (native_stack_short()) {
            raise(ErrorKind::StackOverflow,
                  "too many nested calls through host functions or builtins (" +
                      std::to_string(reentry_) +
                      " deep): the thread's native stack has less than " +
                      std::to_string(kNativeStackReserve / 1024) + " KiB left");
        }
    }
    struct Reentry {
        std::uint32_t& depth;
        ~Reentry() { --depth; }
    } guard{++reentry_};
    if (!is_kind(callee, ObjectKind::Closure)) {
        std::pmr::vector<Value> copy(args, args + count, rt_.resource());
        return call_other(callee, copy.data(), count);
    }
    auto* c = static_cast<Closure*>(callee.as_object());
    check_arity(c->proto, count);
    std::size_t stop = frames_.size();
    // Declared first, so it runs last: after the run has unwound every frame it pushed.
    struct TopLevelEnd {
        Vm& vm;
        bool top;
        ~TopLevelEnd() {
            if (top) vm.release_growth();
        }
    } top_level_end{*this, stop == 0};
    ensure_stack(static_cast<std::size_t>(sp_ - stack_) + count + 1);
    Value* at = sp_;
    at[0] = callee;
    for (std::uint32_t i = 0; i < count; ++i)
        at[1 + i] = args[i];
    sp_ = at + 1 + count;
    std::size_t callee_index = static_cast<std::size_t>(at - stack_);
    try {
        push_frame(c, at + 1, count);
    } catch (...) {
        sp_ = stack_ + callee_index;
        throw;
    }
    // A re-entering caller (a native calling back, a summon) still points at the start of
    // its instruction, but locate() reads every caller's ip as a return address (one word
    // on): point it there while the callee runs, so an error names the calling instruction.
    struct ResumeAt {
        FrameStack& frames;
        std::size_t caller;
        ~ResumeAt() {
            if (caller) --frames[caller - 1].ip;
        }
    } resume{frames_, stop};
    if (stop > 0) ++frames_[stop - 1].ip;
    return execute(stop);
}

void Vm::charge_steps(std::uint64_t steps) {
    if (reentry_ == 0) return;  // nothing running: no budget to charge
    if (steps_left_ <= steps) step_limit_reached();
    steps_left_ -= steps;
    // Not progress for execute()'s retry after OutOfMemory (it counts steps since the last
    // retry): a builtin that charges and then runs out of memory, retried, would be retried
    // for ever, each time looking as if the program had moved on.
    oom_retry_steps_left_ -= std::min(steps, oom_retry_steps_left_);
}

bool Vm::native_stack_short() {
    const auto* here = static_cast<const char*>(__builtin_frame_address(0));
    if (here < stack_low_ || here >= stack_high_) {  // first re-entry, or another thread
        stack_low_ = stack_high_ = nullptr;
        pthread_attr_t attr;
        if (pthread_getattr_np(pthread_self(), &attr) == 0) {
            void* low = nullptr;
            std::size_t size = 0;
            if (pthread_attr_getstack(&attr, &low, &size) == 0 && low) {
                stack_low_ = static_cast<const char*>(low);
                stack_high_ = stack_low_ + size;
            }
            pthread_attr_destroy(&attr);
        }
        if (here < stack_low_ || here >= stack_high_) {
            return reentry_ >= kMaxReentryUnknownStack;  // unknown bounds: the count only
        }
    }
    return static_cast<std::size_t>(here - stack_low_) < kNativeStackReserve;
}

// Where frame `frame_index` is: the current instruction of the innermost frame, the call
// instruction of every other one (a caller's ip is its return address).
StackEntry Vm::stack_entry(std::size_t frame_index) {
    const Frame& f = frames_[frame_index];
    const Prototype* p = f.closure->proto;
    auto at = static_cast<std::size_t>(f.ip - p->code.data());
    if (frame_index + 1 != frames_.size() && at > 0) --at;
    if (at >= p->positions.size()) at = p->positions.empty() ? 0 : p->positions.size() - 1;
    StackEntry entry;
    entry.function = callee_name(p);
    entry.file = p->source_name ? std::string(p->source_name->view()) : std::string();
    if (!p->positions.empty()) {
        entry.line = p->positions[at].line;
        entry.column = p->positions[at].column;
    }
    return entry;
}

// Names where the error happened (once, at its raise). The call stack is filled in by
// record_unwound() as the error leaves frames, never all at once: a script that raises and
// catches errors deep in a recursion pays for the frames it unwinds, not for the depth.
void Vm::locate(RuntimeError& e) {
    if (e.located || frames_.empty()) return;
    e.located = true;
    StackEntry top = stack_entry(frames_.size() - 1);
    e.file = top.file;
    e.line = top.line;
    e.column = top.column;
    e.unrecorded_frames = frames_.size();
}

// Appends to e.stack every frame at index >= depth that it does not hold yet, innermost first.
void Vm::record_unwound(RuntimeError& e, std::size_t depth) {
    if (!e.located) return;
    if (e.unrecorded_frames > frames_.size()) e.unrecorded_frames = frames_.size();
    for (std::size_t i = e.unrecorded_frames; i-- > depth;)
        e.stack.push_back(stack_entry(i));
    if (depth < e.unrecorded_frames) e.unrecorded_frames = depth;
}

bool Vm::recover(RuntimeError& e, std::size_t stop_depth) {
    // The step limit belongs to the host, and a fatal error (heap damage) ends the run: no
    // script handler may swallow either.
    if (e.fatal || e.kind() == ErrorKind::StepLimitExceeded) return false;
    if (handlers_.empty() || handlers_.back().frame < stop_depth) return false;
    Handler h = handlers_.back();
    handlers_.pop_back();
    // The handler's frame too, at the call or instruction inside `attempt` that failed: if
    // the handler rethrows, that is where the error passed through it.
    record_unwound(e, h.frame);
    close_upvalues(stack_ + h.sp);
    frames_.shrink_to(h.frame + 1);
    Frame& f = frames_.back();
    f.ip = f.closure->proto->code.data() + h.target;
    sp_ = stack_ + h.sp;
    const bool out_of_memory = e.kind() == ErrorKind::OutOfMemory;
    pending_.emplace(std::move(e));  // e is not used again: the caller goes on with the handler
    // Everything live is below sp_ now: reclaim what the failed computation left behind,
    // so the handler itself can allocate.
    if (out_of_memory) rt_.collect();
    return true;
}

Value Vm::execute(std::size_t stop_depth) {
    auto unwind = [&](RuntimeError& e) {
        record_unwound(e, stop_depth);
        Value* callee_slot = stack_ + frames_[stop_depth].base - 1;
        close_upvalues(callee_slot);
        while (!handlers_.empty() && handlers_.back().frame >= stop_depth)
            handlers_.pop_back();
        frames_.shrink_to(stop_depth);
        sp_ = callee_slot;
    };
    for (;;) {
        try {
            return dispatch(stop_depth);
        } catch (RuntimeError& e) {
            // An allocating instruction that ran out of memory fails before changing any
            // state, with every live value below sp_: collect and run it once more, unless
            // this instruction was the last one retried and the program has not moved on
            // since: no collection, and fewer than two steps (a call or backward jump; the
            // retried instruction may itself be a call, one step). A loop whose garbage
            // outgrew the limit between two collections failed in its second such retry at
            // the same `+`, however many iterations apart (an outside tester's text built a
            // character at a time under --memory-limit 1M). Not Invoke: it rewrites the
            // stack (obj.m(args) -> m(obj, args)) before its call can fail, so run again it
            // would find the method where the object was. Heap damage (fatal) is no shortage:
            // it gets no retry.
            if (e.kind() == ErrorKind::OutOfMemory && !e.fatal && !e.located && !frames_.empty() &&
                frames_.size() > stop_depth && !rewrites_stack(frames_.back().ip) &&
                (frames_.back().ip != oom_retry_ip_ ||
                 rt_.stats().collections != oom_retry_collections_ ||
                 oom_retry_steps_left_ - steps_left_ >= 2)) {
                rt_.collect();
                oom_retry_ip_ = frames_.back().ip;
                oom_retry_collections_ = rt_.stats().collections;
                oom_retry_steps_left_ = steps_left_;
                continue;
            }
            locate(e);
            if (recover(e, stop_depth)) continue;
            unwind(e);
            throw;
        } catch (std::bad_alloc&) {
            rt_.release_emergency_reserve();  // so that the error itself can be made
            RuntimeError e(ErrorKind::OutOfMemory, "the system is out of memory");
            locate(e);
            if (recover(e, stop_depth)) continue;
            unwind(e);
            throw e;
        }
    }
}

Value Vm::dispatch(std::size_t stop_depth) {
    Frame* frame;
    const std::uint32_t* code;
    const std::uint32_t* ip;
    Value* base;
    Value* k;
    Upvalue** ups;
    Value* sp = sp_;

#define LOAD_FRAME()                                 \
    do {                                             \
        frame = &frames_.back();                     \
        code = frame->closure->proto->code.data();   \
        ip = frame->ip;                              \
        base = stack_ + frame->base;                 \
        k = frame->closure->proto->constants.data(); \
        ups = frame->closure->upvalues();            \
    } while (0)
// sp_ is made exact before every allocating instruction, so an OutOfMemory raised by one can
// be retried after a collection (see execute()).
#define SAFEPOINT()            \
    do {                       \
        sp_ = sp;              \
        if (rt_.gc_due()) {    \
            rt_.collect_due(); \
        }                      \
    } while (0)
#define STEP()                                        \
    do {                                              \
        if (--steps_left_ == 0) step_limit_reached(); \
    } while (0)

// An error raised by an instruction itself: handled at vm_error below without a C++ throw
// (throwing through this frame costs tens of thousands of instructions in the unwinder).
#define VM_RAISE(kind, message)        \
    do {                               \
        set_raised((kind), (message)); \
        goto vm_error;                 \
    } while (0)

    std::uint32_t word;
    std::uint32_t a;
    // Set by ReturnOwned, cleared by every other return and by CallMove: SetLocalOwned, right
    // after a CallMove, keeps the result unmarked only when its callee's ReturnOwned made it.
    bool owned_result = false;
    // The text the last chain Add made (Op::Add bit 1), when it made a new one: the next Add of
    // the chain (bit 2) finds it as x, held by nothing but that stack slot, and may append to it
    // in place (Runtime::append_to_newest) instead of copying both into a third text.
    Value fresh_sum = Value::nothing();
    // CallMove's or TailCallMove's mask of moved arguments (bytecode::moved_bit).
    std::uint32_t moved_mask = bytecode::kNoMove;
// Dispatch: with GCC and Clang every instruction ends by jumping straight to the next one's
// handler (labels-as-values), so each handler has its own indirect branch to predict; other
// compilers go round the loop through the switch. FETCH records the instruction being run
// in frame->ip (error locations) and decodes it into `word` and `a`.
#define FETCH()                         \
    do {                                \
        frame->ip = ip;                 \
        word = *ip++;                   \
        a = bytecode::operand_of(word); \
    } while (0)
#if defined(__GNUC__)
    static const void* const kHandlers[] = {
#define X(name, extra, effect) &&L_##name,
        GLIMMER_OPCODES(X)
#undef X
    };
#define CASE(name) \
    case Op::name: \
        L_##name:
#define DISPATCH()                                                         \
    do {                                                                   \
        FETCH();                                                           \
        goto* kHandlers[static_cast<std::uint8_t>(bytecode::op_of(word))]; \
    } while (0)
#else
#define CASE(name) case Op::name:
#define DISPATCH() continue
#endif

    // Whether LendIndex/LendField may leave x's element unshared: x, just read from the
    // variable `ref` (not ~0), is a container nothing else holds, and a store back to the
    // variable cannot fail (a global must be defined and `weave`).
    auto lend_allowed = [this](std::uint32_t ref, Value x) {
        if (ref == UINT32_MAX || !x.is_object() || x.as_object()->shared()) return false;
        if (bytecode::var_kind(ref) != bytecode::VarKind::Global) return true;
        return writable_global(rt_, bytecode::var_index(ref));
    };

    LOAD_FRAME();
    for (;;) {
        if (false) {
        vm_error:
            // raised_ holds an error from an instruction (VM_RAISE) or from a native it called
            // (call_other_caught); handle_raised returns only if an `attempt` took it.
            handle_raised(stop_depth);
            sp = sp_;
            LOAD_FRAME();
        }
        FETCH();
        switch (bytecode::op_of(word)) {
            CASE(Constant)
            *sp++ = k[a];
            DISPATCH();
            CASE(Nothing)
            *sp++ = Value::nothing();
            DISPATCH();
            CASE(True)
            *sp++ = Value::truth(true);
            DISPATCH();
            CASE(False)
            *sp++ = Value::truth(false);
            DISPATCH();
            CASE(Absent)
            *sp++ = Value::absent();
            DISPATCH();
            CASE(Pop)
            --sp;
            DISPATCH();
            CASE(Swap)
            std::swap(sp[-1], sp[-2]);
            DISPATCH();
            CASE(Share)
            share(sp[-1]);
            DISPATCH();
            CASE(Nop)
            DISPATCH();
            CASE(ShareUnowned)
            if (!owned_result) share(sp[-1]);
            DISPATCH();
            CASE(GetLocal)
            *sp++ = base[a];
            DISPATCH();
            CASE(GetLocals)
            sp[0] = base[a];
            sp[1] = base[*ip++];
            sp += 2;
            DISPATCH();
            CASE(Unbind)
            base[a] = Value::undefined();
            DISPATCH();
            CASE(GetLocalBound) {
                Value v = base[a];
                auto* name = static_cast<String*>(k[*ip++].as_object());
                if (v.is_undefined()) v = unbound_fallback(name, frame->closure->proto->in_module);
                *sp++ = v;
                DISPATCH();
            }
            CASE(CheckLocalBound) {
                auto* name = static_cast<String*>(k[*ip++].as_object());
                if (base[a].is_undefined())
                    raise(ErrorKind::UndefinedVariable, std::string(name->view()));
                DISPATCH();
            }
            CASE(SetLocal) {
                Value v = *--sp;
                share(v);
                base[a] = v;
                DISPATCH();
            }
            CASE(MoveLocal)
            base[a] = *--sp;
            DISPATCH();
            CASE(SetLocalOwned) {
                Value v = *--sp;
                if (!owned_result) share(v);
                base[a] = v;
                DISPATCH();
            }
            CASE(KeepResult)
            unpin_result(base + a);
            base[a] = *--sp;
            DISPATCH();
            CASE(PinResult) {
                Value v = base[a];
                if (v.is_object() && !(v.as_object()->flags & kFlagPinned)) {
                    v.as_object()->flags |= kFlagPinned;
                    base[a + 1] = v;
                }
                DISPATCH();
            }
            CASE(UnpinResult)
            unpin_result(base + a);
            DISPATCH();
            CASE(PinTop) {
                Value v = sp[-1];
                base[a + 1] = Value::nothing();
                if (v.is_object() && !(v.as_object()->flags & kFlagPinned)) {
                    v.as_object()->flags |= kFlagPinned;
                    base[a + 1] = v;
                }
                DISPATCH();
            }
            CASE(GetUpvalue)
            *sp++ = *ups[a]->location;
            DISPATCH();
            CASE(GetUpvalueBound) {
                Value v = *ups[a]->location;
                auto* name = static_cast<String*>(k[*ip++].as_object());
                if (v.is_undefined()) v = unbound_fallback(name, frame->closure->proto->in_module);
                *sp++ = v;
                DISPATCH();
            }
            CASE(CheckBound) {
                auto* name = static_cast<String*>(k[*ip++].as_object());
                if (ups[a]->location->is_undefined())
                    raise(ErrorKind::UndefinedVariable, std::string(name->view()));
                DISPATCH();
            }
            CASE(SetUpvalue) {
                Value v = *--sp;
                share(v);
                rt_.write_barrier(ups[a]);
                *ups[a]->location = v;
                DISPATCH();
            }
            CASE(GetGlobal) {
                Value v = rt_.global(a);
                if (v.is_undefined()) undefined_variable(rt_, a);
                *sp++ = v;
                DISPATCH();
            }
            CASE(SetGlobal)
            CASE(SetGlobalOwned) {
                std::uint8_t flags = rt_.global_flags(a);
                if (!(flags & kGlobalDefined)) undefined_variable(rt_, a);
                if (!(flags & kGlobalMutable)) immutable_global(rt_, a);
                Value v = *--sp;
                if (bytecode::op_of(word) == Op::SetGlobal || !owned_result) share(v);
                rt_.global(a) = v;
                DISPATCH();
            }
            CASE(DefineGlobal)
            CASE(DefineGlobalMut) {
                // A script rebinding a builtin's name: module code still sees the builtin.
                if (rt_.global_flags(a) & kGlobalHost) rt_.keep_host_global(a);
                Value v = *--sp;
                share(v);
                rt_.global(a) = v;
                rt_.global_flags(a) =
                    (rt_.global_flags(a) & kGlobalSetInChant) | kGlobalDefined |
                    (bytecode::op_of(word) == Op::DefineGlobalMut ? kGlobalMutable : 0);
                DISPATCH();
            }
// A Number result that the next instruction stores in a local (`set i to i + 1`: AddLK, then
// SetLocal) goes straight into the slot: no push, no pop and no dispatch of the SetLocal's own
// (a Number needs no share).
#define PUSH_NUMBER(RESULT)                            \
    do {                                               \
        const Value number_ = Value::number(RESULT);   \
        if (bytecode::op_of(*ip) == Op::SetLocal) {    \
            base[bytecode::operand_of(*ip)] = number_; \
            ++ip;                                      \
            DISPATCH();                                \
        }                                              \
        *sp++ = number_;                               \
        DISPATCH();                                    \
    } while (0)
// The same for a result that takes the place of the operand on top (`t + cr`: AddL).
#define SET_TOP_NUMBER(RESULT)                         \
    do {                                               \
        const Value number_ = Value::number(RESULT);   \
        if (bytecode::op_of(*ip) == Op::SetLocal) {    \
            base[bytecode::operand_of(*ip)] = number_; \
            --sp;                                      \
            ++ip;                                      \
            DISPATCH();                                \
        }                                              \
        sp[-1] = number_;                              \
        DISPATCH();                                    \
    } while (0)
            CASE(Add) {
                Value y = sp[-1], x = sp[-2];
                if (x.is_number() && y.is_number()) {
                    --sp;
                    SET_TOP_NUMBER(x.as_number() + y.as_number());
                } else {
                    if (!is_kind(x, ObjectKind::String) || !is_kind(y, ObjectKind::String)) {
                        VM_RAISE(ErrorKind::TypeError, binary_type_message("add", x, y));
                    }
                    SAFEPOINT();
                    sp_ = sp;
                    String* appended = nullptr;
                    if ((a & 2) && x == fresh_sum && is_kind(y, ObjectKind::String)) {
                        auto* s = static_cast<String*>(x.as_object());
                        auto* t = static_cast<String*>(y.as_object());
                        // A chain's last sum is interned when short: concat does that.
                        if ((a & 1) || std::size_t{s->length} + t->length > kInternMax) {
                            appended = rt_.append_to_newest(s, t);
                        }
                    }
                    const Value r =
                        appended ? Value::object(appended) : add_slow(rt_, x, y, (a & 1) != 0);
                    if (a & 1) fresh_sum = appended || (r != x && r != y) ? r : Value::nothing();
                    sp[-2] = r;
                    --sp;
                    SAFEPOINT();
                }
                DISPATCH();
            }
            CASE(Subtract) {
                Value y = sp[-1], x = sp[-2];
                if (!x.is_number() || !y.is_number())
                    VM_RAISE(ErrorKind::TypeError, binary_type_message("subtract", x, y));
                --sp;
                SET_TOP_NUMBER(x.as_number() - y.as_number());
            }
            CASE(Multiply) {
                Value y = sp[-1], x = sp[-2];
                if (!x.is_number() || !y.is_number())
                    VM_RAISE(ErrorKind::TypeError, binary_type_message("multiply", x, y));
                --sp;
                SET_TOP_NUMBER(x.as_number() * y.as_number());
            }
            CASE(Divide) {
                Value y = sp[-1], x = sp[-2];
                if (!x.is_number() || !y.is_number())
                    VM_RAISE(ErrorKind::TypeError, binary_type_message("divide", x, y));
                if (y.as_number() == 0) VM_RAISE(ErrorKind::DivisionByZero, "division by zero");
                --sp;
                SET_TOP_NUMBER(x.as_number() / y.as_number());
            }
            CASE(Modulo) {
                Value y = sp[-1], x = sp[-2];
                if (!x.is_number() || !y.is_number())
                    VM_RAISE(ErrorKind::TypeError,
                             binary_type_message("take the remainder of", x, y));
                if (y.as_number() == 0) VM_RAISE(ErrorKind::DivisionByZero, "remainder by zero");
                --sp;
                SET_TOP_NUMBER(remainder_of(x.as_number(), y.as_number()));
            }
// Arithmetic with a Number constant as its right operand (the compiler's `x - 1`).
#define ARITHMETIC_K(OPNAME, OPERATOR, SPELLING)                                    \
    CASE(OPNAME) {                                                                  \
        Value x = sp[-1];                                                           \
        if (!x.is_number())                                                         \
            VM_RAISE(ErrorKind::TypeError, binary_type_message(SPELLING, x, k[a])); \
        SET_TOP_NUMBER(x.as_number() OPERATOR k[a].as_number());                    \
    }
            ARITHMETIC_K(AddK, +, "add")
            ARITHMETIC_K(SubtractK, -, "subtract")
            ARITHMETIC_K(MultiplyK, *, "multiply")
#undef ARITHMETIC_K
            CASE(DivideK) {
                Value x = sp[-1];
                if (!x.is_number())
                    VM_RAISE(ErrorKind::TypeError, binary_type_message("divide", x, k[a]));
                if (k[a].as_number() == 0) VM_RAISE(ErrorKind::DivisionByZero, "division by zero");
                SET_TOP_NUMBER(x.as_number() / k[a].as_number());
            }
            CASE(ModuloK) {
                Value x = sp[-1];
                if (!x.is_number())
                    VM_RAISE(ErrorKind::TypeError,
                             binary_type_message("take the remainder of", x, k[a]));
                if (k[a].as_number() == 0) VM_RAISE(ErrorKind::DivisionByZero, "remainder by zero");
                SET_TOP_NUMBER(remainder_of(x.as_number(), k[a].as_number()));
            }
// Arithmetic with a bound local (slot A) and the value on top, whose place the result takes:
// the L forms have the local on the right (`t + cr`, no GetLocal), the LT forms on the left
// (`s + i % 13`: the compiler ran the right operand first, and it cannot call, so nothing can
// change the local in between). The LL forms have bound locals as both operands (slots A and
// the extra word: `zr * zr`, no GetLocals) and push the result. AddL, AddLT and AddLL add
// texts as Add does (the compiler leaves the Adds of a chain to Add). An error leaves the
// stack as it was, so an OutOfMemory is retried from the instruction's start (execute()).
// ZERO: the DivisionByZero message of a zero right operand, or "" (none).
#define ARITHMETIC_ON_TOP(NAME, X, Y, SPELLING, ZERO, RESULT)                                  \
    CASE(NAME) {                                                                               \
        const Value x = X, y = Y;                                                              \
        if (!x.is_number() || !y.is_number())                                                  \
            VM_RAISE(ErrorKind::TypeError, binary_type_message(SPELLING, x, y));               \
        if (sizeof(ZERO) > 1 && y.as_number() == 0) VM_RAISE(ErrorKind::DivisionByZero, ZERO); \
        SET_TOP_NUMBER(RESULT);                                                                \
    }
#define ADD_ON_TOP(NAME, X, Y)                                                             \
    CASE(NAME) {                                                                           \
        const Value x = X, y = Y;                                                          \
        if (x.is_number() && y.is_number()) SET_TOP_NUMBER(x.as_number() + y.as_number()); \
        if (!is_kind(x, ObjectKind::String) || !is_kind(y, ObjectKind::String)) {          \
            VM_RAISE(ErrorKind::TypeError, binary_type_message("add", x, y));              \
        }                                                                                  \
        SAFEPOINT();                                                                       \
        sp[-1] = add_slow(rt_, x, y, false);                                               \
        SAFEPOINT();                                                                       \
        DISPATCH();                                                                        \
    }
#define ARITHMETIC_WITH_LOCAL(OPNAME, SPELLING, ZERO, RESULT)             \
    ARITHMETIC_ON_TOP(OPNAME##L, sp[-1], base[a], SPELLING, ZERO, RESULT) \
    ARITHMETIC_ON_TOP(OPNAME##LT, base[a], sp[-1], SPELLING, ZERO, RESULT)
            ARITHMETIC_WITH_LOCAL(Subtract, "subtract", "", x.as_number() - y.as_number())
            ARITHMETIC_WITH_LOCAL(Multiply, "multiply", "", x.as_number() * y.as_number())
            ARITHMETIC_WITH_LOCAL(Divide, "divide", "division by zero",
                                  x.as_number() / y.as_number())
            ARITHMETIC_WITH_LOCAL(Modulo, "take the remainder of", "remainder by zero",
                                  remainder_of(x.as_number(), y.as_number()))
            ADD_ON_TOP(AddL, sp[-1], base[a])
            ADD_ON_TOP(AddLT, base[a], sp[-1])
#undef ARITHMETIC_WITH_LOCAL
#undef ADD_ON_TOP
#undef ARITHMETIC_ON_TOP
#define ARITHMETIC_LL(OPNAME, OPERATOR, SPELLING)                                \
    CASE(OPNAME##LL) {                                                           \
        const Value x = base[a], y = base[*ip++];                                \
        if (!x.is_number() || !y.is_number())                                    \
            VM_RAISE(ErrorKind::TypeError, binary_type_message(SPELLING, x, y)); \
        PUSH_NUMBER(x.as_number() OPERATOR y.as_number());                       \
    }
            ARITHMETIC_LL(Subtract, -, "subtract")
            ARITHMETIC_LL(Multiply, *, "multiply")
#undef ARITHMETIC_LL
            CASE(AddLL) {
                const Value x = base[a], y = base[*ip++];
                if (x.is_number() && y.is_number()) PUSH_NUMBER(x.as_number() + y.as_number());
                if (!is_kind(x, ObjectKind::String) || !is_kind(y, ObjectKind::String)) {
                    VM_RAISE(ErrorKind::TypeError, binary_type_message("add", x, y));
                }
                SAFEPOINT();
                if (bytecode::op_of(*ip) == Op::SetLocal && bytecode::operand_of(*ip) == a) {
                    // `set s to s + p`, both bound locals (the compiler leaves this to AddLL,
                    // appended_pieces): append in place as Op::AppendVar does, and do the
                    // SetLocal here, so that building a text this way is not quadratic.
                    if (String* sum = append_text(rt_, x, y)) {
                        base[a] = Value::object(sum);
                        ++ip;
                        SAFEPOINT();
                        DISPATCH();
                    }
                }
                const Value r = add_slow(rt_, x, y, false);
                *sp++ = r;
                SAFEPOINT();
                DISPATCH();
            }
            CASE(DivideLL) {
                const Value x = base[a], y = base[*ip];
                if (!x.is_number() || !y.is_number())
                    VM_RAISE(ErrorKind::TypeError, binary_type_message("divide", x, y));
                if (y.as_number() == 0) VM_RAISE(ErrorKind::DivisionByZero, "division by zero");
                ++ip;
                PUSH_NUMBER(x.as_number() / y.as_number());
            }
            CASE(ModuloLL) {
                const Value x = base[a], y = base[*ip];
                if (!x.is_number() || !y.is_number())
                    VM_RAISE(ErrorKind::TypeError,
                             binary_type_message("take the remainder of", x, y));
                if (y.as_number() == 0) VM_RAISE(ErrorKind::DivisionByZero, "remainder by zero");
                ++ip;
                PUSH_NUMBER(remainder_of(x.as_number(), y.as_number()));
            }
// A bound local (slot A) and a Number constant (constants[extra]): `i + 1`, `x % 2`.
#define ARITHMETIC_LK(OPNAME, SPELLING, RESULT)                                                  \
    CASE(OPNAME##LK) {                                                                           \
        const Value x = base[a], y = k[*ip];                                                     \
        if (!x.is_number()) VM_RAISE(ErrorKind::TypeError, binary_type_message(SPELLING, x, y)); \
        ++ip;                                                                                    \
        PUSH_NUMBER(RESULT);                                                                     \
    }
            ARITHMETIC_LK(Add, "add", x.as_number() + y.as_number())
            ARITHMETIC_LK(Subtract, "subtract", x.as_number() - y.as_number())
            ARITHMETIC_LK(Multiply, "multiply", x.as_number() * y.as_number())
#undef ARITHMETIC_LK
            CASE(DivideLK) {
                const Value x = base[a], y = k[*ip];
                if (!x.is_number())
                    VM_RAISE(ErrorKind::TypeError, binary_type_message("divide", x, y));
                if (y.as_number() == 0) VM_RAISE(ErrorKind::DivisionByZero, "division by zero");
                ++ip;
                PUSH_NUMBER(x.as_number() / y.as_number());
            }
            CASE(ModuloLK) {
                const Value x = base[a], y = k[*ip];
                if (!x.is_number())
                    VM_RAISE(ErrorKind::TypeError,
                             binary_type_message("take the remainder of", x, y));
                if (y.as_number() == 0) VM_RAISE(ErrorKind::DivisionByZero, "remainder by zero");
                ++ip;
                PUSH_NUMBER(remainder_of(x.as_number(), y.as_number()));
            }
            CASE(Negate) {
                Value x = sp[-1];
                if (!x.is_number()) {
                    raise(ErrorKind::TypeError, "cannot negate " + a_type_name(x));
                }
                sp[-1] = Value::number(-x.as_number());
                DISPATCH();
            }
// The end of every comparison: the `operands` it read off the stack go, and when a JumpIfFalse
// tests the result the branch is taken here (the Truth is never pushed and the jump costs no
// dispatch of its own); otherwise the Truth is pushed.
#define TRUTH_OR_BRANCH(holds, operands)                              \
    do {                                                              \
        sp -= (operands);                                             \
        if (bytecode::op_of(*ip) == Op::JumpIfFalse) {                \
            ip = (holds) ? ip + 1 : code + bytecode::operand_of(*ip); \
            DISPATCH();                                               \
        }                                                             \
        *sp++ = Value::truth(holds);                                  \
        DISPATCH();                                                   \
    } while (0)
// `is` / `is not`, taking the branch itself when a JumpIfFalse tests the result (as COMPARE
// below); the K forms compare with a Number constant.
#define EQUALITY(OPNAME, POPPED, HOLDS)     \
    CASE(OPNAME) {                          \
        bool holds = HOLDS;                 \
        TRUTH_OR_BRANCH(holds, POPPED + 1); \
    }
            EQUALITY(Equal, 1, equal(sp[-2], sp[-1]))
            EQUALITY(NotEqual, 1, !equal(sp[-2], sp[-1]))
            EQUALITY(EqualK, 0, sp[-1].is_number() && sp[-1].as_number() == k[a].as_number())
            EQUALITY(NotEqualK, 0, !(sp[-1].is_number() && sp[-1].as_number() == k[a].as_number()))
            // `not`, `and` and `or` (both operands already evaluated, §5) the same way.
            EQUALITY(Not, 0, !truth_of(sp[-1]))
            EQUALITY(And, 1, truth_of(sp[-2]) && truth_of(sp[-1]))
            EQUALITY(Or, 1, truth_of(sp[-2]) || truth_of(sp[-1]))
#undef EQUALITY
// A comparison that a JumpIfFalse tests (every `should` and `whilst` condition) takes the
// branch itself: the Truth is never pushed and the jump costs no dispatch of its own.
#define COMPARE(OPNAME, OPERATOR, SPELLING)                                       \
    CASE(OPNAME) {                                                                \
        Value y = sp[-1], x = sp[-2];                                             \
        if (!x.is_number() || !y.is_number())                                     \
            VM_RAISE(ErrorKind::TypeError, compare_type_message(SPELLING, x, y)); \
        bool holds = x.as_number() OPERATOR y.as_number();                        \
        TRUTH_OR_BRANCH(holds, 2);                                                \
    }
            COMPARE(Greater, >, "greater than")
            COMPARE(Less, <, "less than")
            COMPARE(AtLeast, >=, "at least")
            COMPARE(AtMost, <=, "at most")
#undef COMPARE
// The same with a Number constant as the right operand.
#define COMPARE_K(OPNAME, OPERATOR, SPELLING)                                        \
    CASE(OPNAME) {                                                                   \
        Value x = sp[-1];                                                            \
        if (!x.is_number())                                                          \
            VM_RAISE(ErrorKind::TypeError, compare_type_message(SPELLING, x, k[a])); \
        bool holds = x.as_number() OPERATOR k[a].as_number();                        \
        TRUTH_OR_BRANCH(holds, 1);                                                   \
    }
            COMPARE_K(GreaterK, >, "greater than")
            COMPARE_K(LessK, <, "less than")
            COMPARE_K(AtLeastK, >=, "at least")
            COMPARE_K(AtMostK, <=, "at most")
#undef COMPARE_K
// The same with a bound local as the right operand (slot A), and with bound locals as both
// (slots A and the extra word).
#define COMPARE_L(OPNAME, OPERATOR, SPELLING)                                     \
    CASE(OPNAME##L) {                                                             \
        const Value x = sp[-1], y = base[a];                                      \
        if (!x.is_number() || !y.is_number())                                     \
            VM_RAISE(ErrorKind::TypeError, compare_type_message(SPELLING, x, y)); \
        bool holds = x.as_number() OPERATOR y.as_number();                        \
        TRUTH_OR_BRANCH(holds, 1);                                                \
    }                                                                             \
    CASE(OPNAME##LL) {                                                            \
        const Value x = base[a], y = base[*ip++];                                 \
        if (!x.is_number() || !y.is_number())                                     \
            VM_RAISE(ErrorKind::TypeError, compare_type_message(SPELLING, x, y)); \
        bool holds = x.as_number() OPERATOR y.as_number();                        \
        TRUTH_OR_BRANCH(holds, 0);                                                \
    }
            COMPARE_L(Greater, >, "greater than")
            COMPARE_L(Less, <, "less than")
            COMPARE_L(AtLeast, >=, "at least")
            COMPARE_L(AtMost, <=, "at most")
#undef COMPARE_L
// A bound local (slot A) and a Number constant (constants[extra]): `i less than 10`, `d is 0`.
#define COMPARE_LK(OPNAME, HOLDS, CHECK)       \
    CASE(OPNAME##LK) {                         \
        const Value x = base[a], y = k[*ip++]; \
        CHECK;                                 \
        const bool holds = HOLDS;              \
        TRUTH_OR_BRANCH(holds, 0);             \
    }
#define NUMBER_OR_FAIL(SPELLING) \
    if (!x.is_number()) VM_RAISE(ErrorKind::TypeError, compare_type_message(SPELLING, x, y))
            COMPARE_LK(Greater, x.as_number() > y.as_number(), NUMBER_OR_FAIL("greater than"))
            COMPARE_LK(Less, x.as_number() < y.as_number(), NUMBER_OR_FAIL("less than"))
            COMPARE_LK(AtLeast, x.as_number() >= y.as_number(), NUMBER_OR_FAIL("at least"))
            COMPARE_LK(AtMost, x.as_number() <= y.as_number(), NUMBER_OR_FAIL("at most"))
            COMPARE_LK(Equal, x.is_number() && x.as_number() == y.as_number(), (void)0)
            COMPARE_LK(NotEqual, !(x.is_number() && x.as_number() == y.as_number()), (void)0)
#undef NUMBER_OR_FAIL
#undef COMPARE_LK
#undef TRUTH_OR_BRANCH
#undef PUSH_NUMBER
#undef SET_TOP_NUMBER
            CASE(Jump)
            ip = code + a;
            DISPATCH();
            CASE(JumpIfFalse) {
                Value c = *--sp;
                if (c.is_truth() ? !c.is_true() : !truthy(c)) ip = code + a;
                DISPATCH();
            }
            CASE(Loop)
            ip = code + a;
            STEP();
            SAFEPOINT();
            DISPATCH();
            CASE(CallMove) {
                moved_mask = *ip++;
            call_moving:
                owned_result = false;
                goto call_with_mask;  // a native callee ignores the mask
            }
            CASE(Call) {
            do_call:
                moved_mask = bytecode::kNoMove;
            call_with_mask:
                Value callee = sp[-static_cast<int>(a) - 1];
                if (is_kind(callee, ObjectKind::Closure)) {
                    STEP();
                    SAFEPOINT();
                    auto* c = static_cast<Closure*>(callee.as_object());
                    const Prototype* p = c->proto;
                    auto args_index = static_cast<std::size_t>(sp - a - stack_);
                    // The common call inline: exact arity, no rest list, room in the frame
                    // array and the stack. push_frame handles (and reports) everything else.
                    if (a == p->arity && !p->variadic && frames_.size() < frames_.capacity() &&
                        frames_.size() < frame_limit_ &&
                        args_index + p->max_stack + 1 <= capacity_) {
                        Value* args = sp - a;
                        enter_slots(args, a, p->slot_count, moved_mask | p->borrowed);
                        frame->ip = ip;  // return address
                        frames_.push_back(
                            Frame{c, p->code.data(), static_cast<std::uint32_t>(args_index)});
                        sp = args + p->slot_count;
                        LOAD_FRAME();
                        DISPATCH();
                    }
                    check_arity(p, a);
                    sp_ = sp;
                    std::size_t caller_index = frames_.size() - 1;
                    push_frame(c, sp - a, a, moved_mask);
                    frames_[caller_index].ip = ip;  // return address
                    sp = sp_;
                    LOAD_FRAME();
                } else {
                    // `weave a as list_push(xs, v)` / `list_pop(xs)` with xs moved (dead after
                    // the call, compiler.cpp (4)) and unshared: the builtin would copy a list
                    // no one else can read, so push or pop in place, and the result (the same
                    // list, its one live holder now) is owned.
                    if ((moved_mask & bytecode::moved_bit(0)) && a >= 1 &&
                        is_kind(callee, ObjectKind::Native) &&
                        is_kind(sp[-static_cast<int>(a)], ObjectKind::List) &&
                        !sp[-static_cast<int>(a)].as_object()->shared()) {
                        const NativeFn fn = static_cast<Native*>(callee.as_object())->fn;
                        auto* l = static_cast<List*>(sp[-static_cast<int>(a)].as_object());
                        if ((fn == &builtin_list_push && a == 2) ||
                            (fn == &builtin_list_pop && a == 1 && l->length != 0)) {
                            sp_ = sp;
                            if (a == 2) {
                                share(sp[-1]);  // as the builtin: the value now lives in the list
                                rt_.list_append(l, sp[-1]);
                            } else {
                                l->length--;
                            }
                            sp -= a + 1;
                            *sp++ = Value::object(l);
                            owned_result = true;
                            SAFEPOINT();
                            DISPATCH();
                        }
                    }
                    // A native may call back into scripts, which can move the stack and the
                    // frame array: keep offsets, reload after.
                    SAFEPOINT();
                    auto top = static_cast<std::size_t>(sp - stack_);
                    sp_ = sp;
                    Value r = call_other_caught(callee, sp - a, a);
                    if (r.is_undefined() && raised_) goto vm_error;
                    frame = &frames_.back();
                    base = stack_ + frame->base;
                    sp = stack_ + top - (a + 1);
                    *sp++ = r;
                    // A native's result: ShareUnowned marks it, unless it is the new list
                    // list_push, list_pop or list_concat made, which nothing else holds, or the
                    // inner value of a moved wrapper (inner_of_moved_wrapper).
                    owned_result =
                        makes_a_new_list(callee) || ((moved_mask & bytecode::moved_bit(0)) &&
                                                     inner_of_moved_wrapper(stack_[top - a], r));
                    SAFEPOINT();
                }
                DISPATCH();
            }
            CASE(InvokeMove)
            CASE(Invoke) {
                // obj.m(args): an `embody` method of obj's type gets obj as `self`; otherwise
                // obj.m is read as a field and called with args. InvokeMove moves `self` as
                // CallMove moves an argument.
                std::uint32_t argc = *ip++;
                std::uint32_t mask =
                    bytecode::op_of(word) == Op::InvokeMove ? *ip++ : bytecode::kNoMove;
                Value* obj = sp - argc - 1;
                auto* name = static_cast<String*>(k[a].as_object());
                Value method = rt_.find_method(*obj, name);
                if (!method.is_undefined()) {
                    if (is_kind(method, ObjectKind::Closure)) {
                        check_method_arity(static_cast<Closure*>(method.as_object())->proto, argc);
                    }
                    std::memmove(static_cast<void*>(obj + 1), obj, (argc + 1) * sizeof(Value));
                    *obj = method;
                    ++sp;
                    a = argc + 1;
                    moved_mask = mask;
                } else {
                    no_method_field_check(rt_, *obj, name);
                    std::uint32_t no_cache = 0;
                    *obj = field_value(rt_, *obj, name, &no_cache);
                    a = argc;
                    moved_mask = bytecode::kNoMove;  // obj is not passed
                }
                owned_result = false;
                goto call_with_mask;
            }
            CASE(TailCallMove)
            moved_mask = *ip++;
            goto tail_call;
            CASE(TailCall) {
                moved_mask = bytecode::kNoMove;
            tail_call:
                Value callee = sp[-static_cast<int>(a) - 1];
                if (!is_kind(callee, ObjectKind::Closure)) {
                    // Not a script function: an ordinary call, then return its result.
                    SAFEPOINT();
                    auto top = static_cast<std::size_t>(sp - stack_);
                    sp_ = sp;
                    Value r = call_other_caught(callee, sp - a, a);
                    if (r.is_undefined() && raised_) goto vm_error;
                    frame = &frames_.back();
                    base = stack_ + frame->base;
                    sp = stack_ + top - (a + 1);
                    *sp++ = r;
                    goto do_return;
                }
                // Only a self tail call (LANGUAGE.md §8) reuses the frame; any other call
                // keeps its caller's, so an error's call stack names every caller.
                if (static_cast<Closure*>(callee.as_object())->proto != frame->closure->proto) {
                    if (moved_mask != bytecode::kNoMove) goto call_moving;
                    goto do_call;
                }
                STEP();
                SAFEPOINT();
                {
                    auto* c = static_cast<Closure*>(callee.as_object());
                    const Prototype* p = c->proto;
                    check_arity(p, a);
                    // Reuse this frame: close its upvalues, slide callee and arguments down.
                    if (open_ && open_->location >= base) close_upvalues(base);
                    while (!handlers_.empty() && handlers_.back().frame >= frames_.size() - 1) {
                        handlers_.pop_back();
                    }
                    Value* dst = base - 1;
                    const Value* src = sp - a - 1;
                    for (std::uint32_t i = 0; i <= a; ++i)  // dst <= src: a forward copy is safe
                        dst[i] = src[i];
                    // The common case inline (no rest list, room on the stack), as Call does.
                    if (!p->variadic && frame->base + p->max_stack + 1 <= capacity_) {
                        enter_slots(base, a, p->slot_count, moved_mask | p->borrowed);
                        frame->closure = c;
                        frame->ip = p->code.data();
                        sp = base + p->slot_count;
                        LOAD_FRAME();
                        DISPATCH();
                    }
                    sp_ = dst + 1 + a;
                    prepare_args(c, frame->base, a, moved_mask);
                    frame->closure = c;
                    frame->ip = c->proto->code.data();
                    sp = sp_;
                    LOAD_FRAME();
                }
                DISPATCH();
            }
            CASE(ReturnOwned)
            owned_result = true;
            goto do_return_owned;
            CASE(ReturnParam)
            owned_result = !sp[-1].is_object() || !sp[-1].as_object()->shared();
            goto do_return_owned;
            CASE(ReturnCalled)  // after a tail call that ran as a call: owned_result is its own
            goto do_return_owned;
            CASE(Return) {
            do_return:
                owned_result = false;
            do_return_owned:
                Value result = sp[-1];
                if (open_ && open_->location >= base) close_upvalues(base);
                while (!handlers_.empty() && handlers_.back().frame >= frames_.size() - 1) {
                    handlers_.pop_back();
                }
                Value* callee_slot = base - 1;
                frames_.pop_back();
                if (frames_.size() == stop_depth) {
                    sp_ = callee_slot;
                    return result;
                }
                LOAD_FRAME();
                sp = callee_slot;
                *sp++ = result;
                DISPATCH();
            }
            CASE(Closure) {
                SAFEPOINT();
                auto* proto = static_cast<Prototype*>(k[a].as_object());
                Closure* c = rt_.new_closure(proto);
                for (std::uint32_t i = 0; i < c->upvalue_count; ++i) {
                    const UpvalueDesc& d = proto->upvalues[i];
                    c->upvalues()[i] = d.from_parent_local ? capture(base + d.index) : ups[d.index];
                }
                *sp++ = Value::object(c);
                SAFEPOINT();
                DISPATCH();
            }
            CASE(OfferCell) {
                SAFEPOINT();
                *sp++ = Value::object(capture(base + a));
                SAFEPOINT();
                DISPATCH();
            }
            CASE(CloseUpvalues)
            close_upvalues(base + a);
            DISPATCH();
            CASE(ListMoving)
            CASE(List) {
                std::uint32_t moved = bytecode::kNoMove;
                if (bytecode::op_of(word) == Op::ListMoving) {
                    moved = *ip++;
                    owned_result = true;  // the new list goes on unmarked (SetLocalOwned ...)
                }
                SAFEPOINT();
                List* l = rt_.new_list(a);
                Value* from = sp - a;
                for (std::uint32_t i = 0; i < a; ++i) {
                    if (!(moved & bytecode::moved_bit(i))) share(from[i]);
                    l->items[i] = from[i];
                }
                l->length = a;
                sp = from;
                *sp++ = Value::object(l);
                SAFEPOINT();
                DISPATCH();
            }
            CASE(MapMoving)
            CASE(Map) {
                std::uint32_t moved = bytecode::kNoMove;
                if (bytecode::op_of(word) == Op::MapMoving) {
                    moved = *ip++;
                    owned_result = true;
                }
                SAFEPOINT();
                Value* from = sp - 2 * a;
                const Value m = make_map(rt_, from, a, moved);
                sp = from;
                *sp++ = m;
                SAFEPOINT();
                DISPATCH();
            }
            CASE(StructMoving)
            CASE(Struct) {
                SAFEPOINT();
                auto* names = static_cast<List*>(k[*ip++].as_object());
                std::uint32_t moved = bytecode::kNoMove;
                if (bytecode::op_of(word) == Op::StructMoving) {
                    moved = *ip++;
                    owned_result = true;
                }
                Value* from = sp - a;
                Value s = make_struct(rt_, from[-1], names, from, moved);
                sp = from - 1;
                *sp++ = s;
                SAFEPOINT();
                DISPATCH();
            }
            CASE(Range) {
                SAFEPOINT();
                Value y = sp[-1], x = sp[-2];
                check_range_bounds(x, y);
                sp[-2] = Value::object(rt_.new_range(x.as_number(), y.as_number()));
                --sp;
                SAFEPOINT();
                DISPATCH();
            }
            CASE(Index) {
                Value idx = sp[-1], obj = sp[-2];
                if (is_kind(obj, ObjectKind::List) && idx.is_number()) {
                    auto* l = static_cast<List*>(obj.as_object());
                    double d = idx.as_number();
                    if (d >= 0 && d < l->length) {
                        sp[-2] = l->items[static_cast<std::uint32_t>(d)];
                        --sp;
                        DISPATCH();
                    }
                }
                Value r;
                if (!index_value(rt_, obj, idx, r, raised_)) goto vm_error;
                sp[-2] = r;
                --sp;
                DISPATCH();
            }
            CASE(IndexLocals) {
                const Value obj = base[a], idx = base[*ip++];
                if (is_kind(obj, ObjectKind::List) && idx.is_number()) {
                    auto* l = static_cast<List*>(obj.as_object());
                    const double d = idx.as_number();
                    if (d >= 0 && d < l->length) {
                        *sp++ = l->items[static_cast<std::uint32_t>(d)];
                        DISPATCH();
                    }
                }
                Value r;
                if (!index_value(rt_, obj, idx, r, raised_)) goto vm_error;
                *sp++ = r;
                DISPATCH();
            }
            CASE(IndexTake) {
                // The element of a container that a dead local holds: it leaves unmarked (the
                // local is never read again) when the container and it are unshared, and
                // owned_result tells the SetLocalOwned or SetGlobalOwned that follows.
                const Value container = sp[-2];
                Value r;
                if (!index_value(rt_, container, sp[-1], r, raised_)) goto vm_error;
                owned_result = container.is_object() && !container.as_object()->shared() &&
                               r.is_object() && !r.as_object()->shared();
                sp[-2] = r;
                --sp;
                DISPATCH();
            }
            CASE(FieldTake) {
                auto* cache = const_cast<std::uint32_t*>(ip++);
                auto* name = static_cast<String*>(k[a].as_object());
                const Value container = sp[-1];
                const Value r = field_value(rt_, container, name, cache);
                // A map's entry read with a dot is taken as `m["f"]` is (IndexTake).
                owned_result = (is_kind(container, ObjectKind::Struct) ||
                                is_kind(container, ObjectKind::Map)) &&
                               !container.as_object()->shared() && r.is_object() &&
                               !r.as_object()->shared();
                sp[-1] = r;
                DISPATCH();
            }
            CASE(GetField) {
                auto* cache = const_cast<std::uint32_t*>(ip++);
                auto* name = static_cast<String*>(k[a].as_object());
                if (is_kind(sp[-1], ObjectKind::Struct)) {  // field_value's cache hit, inline
                    auto* s = static_cast<Struct*>(sp[-1].as_object());
                    const std::uint32_t c = *cache;
                    if (c < s->def->field_count && s->def->field_names[c] == name) {
                        sp[-1] = s->fields()[c];
                        DISPATCH();
                    }
                }
                if (!read_field(rt_, sp[-1], name, cache, sp[-1], raised_)) goto vm_error;
                DISPATCH();
            }
            CASE(GetLocalField) {
                auto* name = static_cast<String*>(k[*ip++].as_object());
                auto* cache = const_cast<std::uint32_t*>(ip++);
                const Value object = base[a];
                if (is_kind(object, ObjectKind::Struct)) {  // as GetField's cache hit
                    auto* s = static_cast<Struct*>(object.as_object());
                    const std::uint32_t c = *cache;
                    if (c < s->def->field_count && s->def->field_names[c] == name) {
                        *sp++ = s->fields()[c];
                        DISPATCH();
                    }
                }
                Value v;
                if (!read_field(rt_, object, name, cache, v, raised_)) goto vm_error;
                *sp++ = v;
                DISPATCH();
            }
            CASE(LendIndex) {
                // `weave r as x[key]` of an element update through a local: the element is
                // stored in r unmarked while x (a variable that may be set) and the element are
                // both unshared; otherwise as the read and the bind do it.
                const std::uint32_t ref = *ip++;
                const Value x = sp[-2], key = sp[-1];
                if (lend_allowed(ref, x)) {
                    Value* e = unshared_element(rt_, x, key, nullptr);
                    if (e != nullptr && e->is_object() && !e->as_object()->shared()) {
                        base[a] = *e;
                        sp -= 2;
                        DISPATCH();
                    }
                }
                Value r;
                if (!index_value(rt_, x, key, r, raised_)) goto vm_error;
                share(r);
                base[a] = r;
                sp -= 2;
                DISPATCH();
            }
            CASE(LendField) {
                const std::uint32_t ref = ip[0];
                auto* name = static_cast<String*>(k[ip[1]].as_object());
                auto* cache = const_cast<std::uint32_t*>(ip + 2);
                // The store back is `set x.f to r` (a struct's field) or `set x["f"] to r` (a
                // map's entry): lent only from what that store writes back to, so it cannot
                // fail after the updates changed r in place.
                const ObjectKind lender = ip[3] != 0 ? ObjectKind::Map : ObjectKind::Struct;
                ip += 4;
                const Value x = sp[-1];
                Value r = field_value(rt_, x, name, cache);
                if (!lend_allowed(ref, x) || !is_kind(x, lender) || !r.is_object() ||
                    r.as_object()->shared()) {
                    share(r);
                }
                base[a] = r;
                --sp;
                DISPATCH();
            }
            CASE(MoveIndexVar)
            CASE(SetIndexVar) {
                // `set xs[i] to v` on a List of a local or a `weave` global that nothing
                // shares, i a Number in range (a sieve's inner loop): stored here, and the Pop
                // of the statement that follows skipped. Everything else, the errors too,
                // takes the general path below.
                const std::uint32_t index = bytecode::var_index(a);
                Value* var = nullptr;
                if (bytecode::var_kind(a) == bytecode::VarKind::Local) {
                    var = base + index;
                } else if (bytecode::var_kind(a) == bytecode::VarKind::Global &&
                           writable_global(rt_, index)) {
                    var = &rt_.global(index);
                }
                if (var != nullptr && is_kind(*var, ObjectKind::List) && sp[-2].is_number()) {
                    auto* l = static_cast<List*>(var->as_object());
                    const double d = sp[-2].as_number();
                    const Value v = sp[-1];
                    // First: `set xs[0] to xs` shares xs, so it is copied, not looped. A move
                    // (its local is dead) adds no holder.
                    if (bytecode::op_of(word) == Op::SetIndexVar || v == *var) share(v);
                    if (!l->shared() && d >= 0 && d < l->length) {
                        rt_.write_barrier(l);
                        l->items[static_cast<std::uint32_t>(d)] = v;
                        sp[-2] = v;
                        --sp;
                        if (bytecode::op_of(*ip) == Op::Pop) {
                            --sp;
                            ++ip;
                        }
                        DISPATCH();
                    }
                }
                goto var_update;
            }
            CASE(ListPushIndexVar)
            CASE(ListPushFieldVar)
            CASE(ListPopIndexVar)
            CASE(ListPopFieldVar) {
                // [key, list, v] / [list, v]: `set x[key] to list_push(x[key], v)` or
                // `set x.f to list_push(x.f, v)` (compiler.cpp: element_push_or_pop), and [key,
                // list] / [list] for list_pop. In place while x's container is unshared, its
                // element is still the list read (a List, not empty for a pop) and the function is
                // still the builtin; a shared element is copied once and the copy, held by x alone,
                // stored unmarked. Anything else, errors included, runs the call and the `set` as
                // written: the VM puts the function under [list, v] / [list].
                SAFEPOINT();
                const Op op = bytecode::op_of(word);
                const bool pop = op == Op::ListPopIndexVar || op == Op::ListPopFieldVar;
                const bool by_field = op == Op::ListPushFieldVar || op == Op::ListPopFieldVar;
                Value* const list_at = pop ? sp - 1 : sp - 2;
                const std::uint32_t index = bytecode::var_index(a);
                Value* var = nullptr;
                switch (bytecode::var_kind(a)) {
                    case bytecode::VarKind::Local:
                        var = base + index;
                        break;
                    case bytecode::VarKind::Upvalue:
                        rt_.write_barrier(ups[index]);  // a closed one may get a copy
                        var = ups[index]->location;
                        break;
                    default:
                        if (writable_global(rt_, index)) var = &rt_.global(index);
                        break;
                }
                const Value list = *list_at;
                // First, as every push does: pushing x itself (or the list) onto x's element
                // then finds it shared and copies, instead of making the list hold itself.
                if (!pop) share(sp[-1]);
                Value* place = nullptr;
                if (var != nullptr && is_kind(list, ObjectKind::List) &&
                    (!pop || static_cast<List*>(list.as_object())->length != 0)) {
                    place = unshared_element(
                        rt_, *var, by_field ? Value::nothing() : list_at[-1],
                        by_field ? static_cast<String*>(k[ip[2]].as_object()) : nullptr);
                }
                const Value callee = rt_.global(ip[0]);
                if (place == nullptr || *place != list || !is_kind(callee, ObjectKind::Native) ||
                    static_cast<Native*>(callee.as_object())->fn !=
                        (pop ? &builtin_list_pop : &builtin_list_push)) {
                    if (!pop) sp[0] = sp[-1];
                    list_at[1] = list;
                    list_at[0] = callee;
                    ++sp;
                    ip = code + ip[1];
                    DISPATCH();
                }
                ip += by_field ? 3 : 2;
                auto* l = static_cast<List*>(list.as_object());
                if (l->shared()) {
                    // x's container is not moved.
                    l = pop ? rt_.copy_list(l) : rt_.copy_list(l, growth_room(l->length));
                    rt_.write_barrier(var->as_object());  // x's container gets the copy
                    *place = Value::object(l);
                }
                if (pop) {
                    l->length--;
                } else {
                    rt_.list_append(l, sp[-1]);
                }
                sp = list_at + (by_field ? 1 : 0);
                sp[-1] = Value::object(l);
                SAFEPOINT();
                DISPATCH();
            }
            CASE(MoveFieldVar)
            CASE(SetFieldVar) {
                // `set p.f to v` on a struct instance that nothing shares, held by a local, an
                // upvalue or a `weave` global, f at the cached index, v not p itself: stored
                // here, and the Pop of the statement that follows skipped. Everything else, the
                // errors too, takes the general path below (which marks v shared first, so
                // `set p.f to p` copies p). p itself is not written: it keeps the instance.
                const std::uint32_t index = bytecode::var_index(a);
                const Value* var;
                if (bytecode::var_kind(a) == bytecode::VarKind::Local) [[likely]] {
                    var = base + index;
                } else if (bytecode::var_kind(a) == bytecode::VarKind::Upvalue) {
                    var = ups[index]->location;
                } else if (writable_global(rt_, index)) {
                    var = &rt_.global(index);
                } else {
                    goto var_update;
                }
                if (is_kind(*var, ObjectKind::Struct) && sp[-1] != *var) {
                    auto* s = static_cast<Struct*>(var->as_object());
                    auto* name = static_cast<String*>(k[ip[0]].as_object());
                    const std::uint32_t c = ip[1];
                    if (!s->shared() && c < s->def->field_count && s->def->field_names[c] == name) {
                        const Value v = sp[-1];
                        check_field_type(s->def, static_cast<int>(c), name, v);
                        if (bytecode::op_of(word) == Op::SetFieldVar) share(v);
                        rt_.write_barrier(s);
                        s->fields()[c] = v;
                        ip += 2;
                        if (bytecode::op_of(*ip) == Op::Pop) {
                            --sp;
                            ++ip;
                        }
                        DISPATCH();
                    }
                }
                goto var_update;
            }
            CASE(AppendCheck) {
                Value* x = sp - a - 1;
                if (!is_kind(sp[-1], ObjectKind::String) || !is_kind(*x, ObjectKind::String)) {
                    sp_ = sp;
                    add_pieces(rt_, x, a);
                }
                DISPATCH();
            }
            CASE(AppendVar) {
                // [x, y1..yn]: x is what s held when the statement read it (compiler.cpp:
                // emit_append); the AppendChecks before found y1..y(n-1) Texts if x is one.
                const std::uint32_t n = *ip++;
                Value* x = sp - n - 1;
                if (n == 1 && x[0].is_number() && x[1].is_number() &&
                    bytecode::var_kind(a) == bytecode::VarKind::Local) {
                    // `set n to n + f(x)` counting: as Add then SetLocal would.
                    x[0] = Value::number(x[0].as_number() + x[1].as_number());
                    base[bytecode::var_index(a)] = x[0];
                    sp = x + 1;
                    DISPATCH();
                }
                SAFEPOINT();
                std::size_t bytes = 0;
                bool texts = is_kind(*x, ObjectKind::String);
                for (std::uint32_t i = 1; texts && i <= n; ++i) {
                    texts = is_kind(x[i], ObjectKind::String);
                    if (texts) bytes += static_cast<String*>(x[i].as_object())->length;
                }
                if (!texts) add_pieces(rt_, x, n);  // a Number sum, or the Add's TypeError
                Value* var;
                const std::uint32_t index = bytecode::var_index(a);
                switch (bytecode::var_kind(a)) {
                    case bytecode::VarKind::Local:
                        var = base + index;
                        break;
                    case bytecode::VarKind::Upvalue:
                        rt_.write_barrier(ups[index]);  // a closed one may get a new text
                        var = ups[index]->location;
                        break;
                    default: {
                        const std::uint8_t flags = rt_.global_flags(index);
                        if (!(flags & kGlobalDefined)) undefined_variable(rt_, index);
                        if (!(flags & kGlobalMutable)) immutable_global(rt_, index);
                        var = &rt_.global(index);
                        break;
                    }
                }
                Value r = *x;
                if (texts && bytes != 0) {
                    auto* t = static_cast<String*>(x->as_object());
                    String* sum = *var == *x ? rt_.append_in_place(t, x + 1, n, bytes) : nullptr;
                    if (sum == nullptr && std::size_t{t->length} + bytes > kInternMax) {
                        // A new text with room: its one holder is s.
                        sum = rt_.text_with_room(t, x + 1, n, bytes);
                    }
                    if (sum != nullptr) {
                        r = Value::object(sum);
                    } else {
                        // Short: interned, as the Adds' concat would make it.
                        for (std::uint32_t i = 1; i <= n; ++i)
                            x[0] = add_slow(rt_, x[0], x[i], i < n);
                        r = x[0];
                        share(r);
                    }
                } else if (*var != r) {
                    share(r);  // x itself (s + ""), or a Number: stored as SetLocal would
                }
                *var = r;
                sp = x + 1;
                *x = r;
                SAFEPOINT();
                DISPATCH();
            }
            CASE(ListPushVar)
            CASE(ListPopVar)
            CASE(ListConcatVar)
            CASE(TextConcatVar) {
            var_update:
                SAFEPOINT();
                Value* var;
                std::uint32_t index = bytecode::var_index(a);
                switch (bytecode::var_kind(a)) {
                    case bytecode::VarKind::Local:
                        var = base + index;
                        break;
                    case bytecode::VarKind::Upvalue:
                        rt_.write_barrier(ups[index]);  // a closed one may get a copy
                        var = ups[index]->location;
                        break;
                    default: {
                        std::uint8_t flags = rt_.global_flags(index);
                        if (!(flags & kGlobalDefined)) undefined_variable(rt_, index);
                        if (!(flags & kGlobalMutable)) {
                            // As the call would: its errors come before the store's.
                            if (bytecode::op_of(word) == Op::ListPopVar) {
                                Value arg = rt_.global(index);
                                builtin_list_pop(rt_, &arg, 1, nullptr);
                            } else if (bytecode::op_of(word) == Op::ListConcatVar) {
                                builtin_list_concat(rt_, sp - 2, 2, nullptr);
                            } else if (bytecode::op_of(word) == Op::TextConcatVar) {
                                builtin_concat(rt_, sp - 2, 2, nullptr);
                            }
                            immutable_global(rt_, index);
                        }
                        var = &rt_.global(index);
                        break;
                    }
                }
                Op op = bytecode::op_of(word);
                sp_ = sp;
                if (const InPlaceCall call = in_place_call(op); call.fn != nullptr) {
                    // ip: [the builtin's global, where the call as written starts]
                    std::uint32_t slow = ip[1];
                    if (!in_place_applies(*var, rt_.global(ip[0]), call.fn, sp, call.argc)) {
                        ip = code + slow;
                        DISPATCH();
                    }
                    ip += 2;
                }
                if (op == Op::ListPushVar) {
                    // [list, value]: the list the call would get, read before the value.
                    Value v = *--sp;
                    if (!is_kind(*var, ObjectKind::List)) {
                        Value args[2] = {*var, v};
                        builtin_list_push(rt_, args, 2, nullptr);  // raises the TypeError
                    }
                    share(v);
                    auto* l = static_cast<List*>(var->as_object());
                    if (l->shared()) {
                        l = rt_.copy_list(l, growth_room(l->length));
                        *var = Value::object(l);
                    }
                    rt_.list_append(l, v);
                    sp[-1] = *var;
                    SAFEPOINT();
                    DISPATCH();
                }
                if (op == Op::TextConcatVar) {
                    // [text, other]: the text the call would get, read before the other.
                    String* sum = nullptr;
                    if (is_kind(sp[-2], ObjectKind::String) && is_kind(sp[-1], ObjectKind::String))
                        sum = append_text(rt_, sp[-2], sp[-1]);
                    Value r;
                    if (sum != nullptr) {
                        r = Value::object(sum);  // s is its one holder
                    } else {
                        r = builtin_concat(rt_, sp - 2, 2, nullptr);  // or its TypeError
                        share(r);                                     // stored as SetLocal would
                    }
                    *var = r;
                    sp[-2] = r;
                    --sp;
                    SAFEPOINT();
                    DISPATCH();
                }
                if (op == Op::ListConcatVar) {
                    // [list, other]: the list the call would get, read before the other.
                    Value x = sp[-2], y = sp[-1];
                    if (!is_kind(x, ObjectKind::List) || !is_kind(y, ObjectKind::List)) {
                        builtin_list_concat(rt_, sp - 2, 2, nullptr);  // raises the TypeError
                    }
                    auto* l = static_cast<List*>(x.as_object());
                    auto* other = static_cast<List*>(y.as_object());
                    std::uint32_t n = other->length;
                    if (l->shared() || l == other) {
                        l = rt_.copy_list(l, n);
                        *var = Value::object(l);
                    }
                    for (std::uint32_t i = 0; i < n; ++i) {
                        Value v = other->items[i];
                        share(v);
                        rt_.list_append(l, v);
                    }
                    sp[-2] = *var;
                    --sp;
                    SAFEPOINT();
                    DISPATCH();
                }
                if (op == Op::ListPopVar) {
                    // [list]: the list the call would get.
                    if (!is_kind(*var, ObjectKind::List) ||
                        !static_cast<List*>(var->as_object())->length) {
                        builtin_list_pop(rt_, sp - 1, 1, nullptr);  // raises the error
                    }
                    auto* l = static_cast<List*>(var->as_object());
                    if (l->shared()) {
                        l = rt_.copy_list(l);
                        *var = Value::object(l);
                    }
                    l->length--;
                    sp[-1] = *var;
                    SAFEPOINT();
                    DISPATCH();
                }
                if (op == Op::SetFieldVar || op == Op::MoveFieldVar) {
                    auto* name = static_cast<String*>(k[ip[0]].as_object());
                    auto* cache = const_cast<std::uint32_t*>(ip + 1);
                    ip += 2;
                    Value v = sp[-1];
                    if (op == Op::SetFieldVar || v == *var) share(v);
                    if (!is_kind(*var, ObjectKind::Struct)) {
                        // The op knows the slot, not the variable's name: the error's
                        // location shows it.
                        raise(ErrorKind::TypeError,
                              "setting field '" + std::string(name->view()) +
                                  "' needs a struct instance, got a " +
                                  std::string(type_name(*var)) +
                                  (is_kind(*var, ObjectKind::Map)
                                       ? " (a map's entry is set with [\"" +
                                             std::string(name->view()) + "\"])"
                                       : ""));
                    }
                    auto* s = static_cast<Struct*>(var->as_object());
                    int f = s->def->find(name);
                    if (f < 0) {
                        raise(ErrorKind::FieldNotFound, std::string(s->def->name->view()) +
                                                            " has no field '" +
                                                            std::string(name->view()) + "'");
                    }
                    *cache = static_cast<std::uint32_t>(f);
                    check_field_type(s->def, f, name, v);
                    if (s->shared()) {
                        s = rt_.copy_struct(s);
                        *var = Value::object(s);
                    }
                    rt_.write_barrier(s);
                    s->fields()[f] = v;
                    SAFEPOINT();
                    DISPATCH();
                }
                // SetIndexVar, MoveIndexVar: [index, value] -> [value]
                Value v = sp[-1], idx = sp[-2];
                if (op == Op::SetIndexVar || v == *var) share(v);
                if (is_kind(*var, ObjectKind::List)) {
                    auto* l = static_cast<List*>(var->as_object());
                    if (!idx.is_number()) {
                        raise(ErrorKind::TypeError,
                              "a List index must be a Number, got " + std::string(type_name(idx)));
                    }
                    double d = idx.as_number();
                    // In range it truncates like the cast; only the error path needs trunc.
                    if (!(d >= 0 && d < l->length)) d = std::trunc(d);
                    if (!(d >= 0 && d < l->length)) {
                        raise(ErrorKind::CustomError, "index " + display(Value::number(d)) +
                                                          " out of bounds for a List of length " +
                                                          std::to_string(l->length));
                    }
                    if (l->shared()) {
                        l = rt_.copy_list(l);
                        *var = Value::object(l);
                    }
                    rt_.write_barrier(l);
                    l->items[static_cast<std::uint32_t>(d)] = v;
                } else if (is_kind(*var, ObjectKind::Map)) {
                    if (!is_kind(idx, ObjectKind::String)) {
                        raise(ErrorKind::TypeError,
                              "a Map key must be Text, got " + std::string(type_name(idx)));
                    }
                    auto* m = static_cast<Map*>(var->as_object());
                    if (m->shared()) {
                        m = rt_.copy_map(m);
                        *var = Value::object(m);
                    }
                    rt_.map_set(m, static_cast<String*>(idx.as_object()), v);
                } else {
                    raise(ErrorKind::TypeError, "cannot set an element of " + a_type_name(*var));
                }
                sp[-2] = v;
                --sp;
                SAFEPOINT();
                DISPATCH();
            }
            CASE(Wrap)
            SAFEPOINT();
            sp[-1] = Value::object(rt_.new_wrapped(static_cast<Wrap>(a), sp[-1]));
            SAFEPOINT();
            DISPATCH();
            CASE(WrapMoving)
            SAFEPOINT();
            sp[-1] = Value::object(rt_.new_wrapped(static_cast<Wrap>(a), sp[-1], true));
            owned_result = true;
            SAFEPOINT();
            DISPATCH();
            CASE(Propagate) {
                Value v = sp[-1];
                if (is_kind(v, ObjectKind::Wrapped)) {
                    auto* w = static_cast<Wrapped*>(v.as_object());
                    if (w->wrap() == Wrap::Triumph) {
                        sp[-1] = w->inner;
                        DISPATCH();
                    }
                    if (w->wrap() == Wrap::Mishap) {
                        if (a == 0) goto do_return;
                        raise(ErrorKind::CustomError, "'?' propagated " + display(v) +
                                                          " out of the top level (no chant to "
                                                          "return from)");
                    }
                }
                raise(ErrorKind::TypeError,
                      "'?' needs a Triumph or a Mishap, got " + std::string(type_name(v)));
            }
            CASE(ForPrep) {
                Value it = base[a];
                if (is_kind(it, ObjectKind::List)) {
                    base[a + 1] = Value::number(0);
                } else if (is_kind(it, ObjectKind::Range)) {
                    base[a + 1] = Value::number(static_cast<Range*>(it.as_object())->first());
                } else if (is_kind(it, ObjectKind::Iterator)) {
                    raise(ErrorKind::NotIterable,
                          "cannot iterate over an iterator with 'for each' (use iter_next or "
                          "iter_collect)");
                } else {
                    raise(ErrorKind::NotIterable, "cannot iterate over " + a_type_name(it));
                }
                DISPATCH();
            }
            CASE(ForRange) {
                Value y = sp[-1], x = sp[-2];
                check_range_bounds(x, y);
                base[a] = Value::number(std::trunc(y.as_number()));
                base[a + 1] = Value::number(range_first(x.as_number()));
                sp -= 2;
                DISPATCH();
            }
            CASE(ForNext) {
                std::uint32_t var = ip[0];
                std::uint32_t exit = ip[1];
                ip += 2;
                Value it = base[a];
                double pos = base[a + 1].as_number();
                if (it.is_number()) {            // ForRange: the slot holds the end
                    if (pos < it.as_number()) {  // so pos is no NaN
                        if (pos + 1 == pos) [[unlikely]]
                            raise_range_cannot_count(pos);
                        base[var] = Value::ordinary_number(pos);
                        base[a + 1] = Value::ordinary_number(pos + 1);
                    } else {
                        ip = code + exit;
                    }
                } else if (is_kind(it, ObjectKind::List)) {
                    auto* l = static_cast<List*>(it.as_object());
                    if (pos < l->length) {
                        Value v = l->items[static_cast<std::uint32_t>(pos)];
                        share(v);
                        base[var] = v;
                        base[a + 1] = Value::ordinary_number(pos + 1);
                    } else {
                        ip = code + exit;
                    }
                } else {
                    double end = std::trunc(static_cast<Range*>(it.as_object())->end);
                    if (pos < end) {
                        if (pos + 1 == pos) [[unlikely]]
                            raise_range_cannot_count(pos);
                        base[var] = Value::ordinary_number(pos);
                        base[a + 1] = Value::ordinary_number(pos + 1);
                    } else {
                        ip = code + exit;
                    }
                }
                DISPATCH();
            }
            CASE(Try)
            sp_ = sp;
            handlers_.push_back(Handler{static_cast<std::uint32_t>(frames_.size() - 1),
                                        static_cast<std::uint32_t>(sp - stack_), a});
            DISPATCH();
            CASE(EndTry)
            handlers_.pop_back();
            DISPATCH();
            CASE(Handles) {
                std::uint32_t next = *ip++;
                if (a != bytecode::kAnyError &&
                    (!pending_ || static_cast<std::uint32_t>(pending_->kind()) != a)) {
                    ip = code + next;
                }
                DISPATCH();
            }
            CASE(Rethrow) {
                raised_.emplace(std::move(*pending_));
                pending_.reset();
                goto vm_error;
            }
            CASE(MatchLiteral) {
                std::uint32_t fail = *ip++;
                Value v = *--sp;
                if (!values_equal(v, k[a])) ip = code + fail;
                DISPATCH();
            }
            CASE(MatchName) {
                auto* name = static_cast<String*>(k[ip[0]].as_object());
                std::uint32_t fail = ip[1];
                ip += 2;
                std::uint32_t index = bytecode::var_index(a);
                Value named;
                switch (bytecode::var_kind(a)) {
                    case bytecode::VarKind::Local:
                        named = base[index];
                        break;
                    case bytecode::VarKind::Upvalue:
                        named = *ups[index]->location;
                        break;
                    default:
                        named = rt_.global(index);
                        break;
                }
                std::uint32_t slot;
                if (named.is_undefined()) {
                    if (frame->closure->proto->in_module) {
                        named = rt_.global(rt_.module_global_slot(name));
                    } else if (rt_.find_global(name, slot)) {
                        named = rt_.global(slot);
                    }
                }
                if (is_kind(named, ObjectKind::Struct)) {
                    const StructDef* def = static_cast<Struct*>(named.as_object())->def;
                    if (def->subkind == kUnitVariant && def->name == name &&
                        !values_equal(sp[-1], named)) {
                        --sp;
                        ip = code + fail;
                    }
                }
                DISPATCH();
            }
            CASE(MatchWrap) {
                std::uint32_t fail = *ip++;
                Value v = sp[-1];
                if (is_kind(v, ObjectKind::Wrapped) &&
                    static_cast<Wrapped*>(v.as_object())->subkind == a) {
                    sp[-1] = static_cast<Wrapped*>(v.as_object())->inner;
                } else {
                    --sp;
                    ip = code + fail;
                }
                DISPATCH();
            }
            CASE(MatchAbsent) {
                std::uint32_t fail = *ip++;
                Value v = *--sp;
                if (!v.is_absent()) ip = code + fail;
                DISPATCH();
            }
            CASE(MatchVariant) {
                std::uint32_t n = ip[0];
                std::uint32_t fail = ip[1];
                ip += 2;
                Value v = *--sp;
                if (is_kind(v, ObjectKind::Struct)) {
                    auto* st = static_cast<Struct*>(v.as_object());
                    if (st->def->subkind == kDataVariant && st->def->name == k[a].as_object() &&
                        st->def->field_count == n) {
                        for (std::uint32_t i = n; i-- > 0;)
                            *sp++ = st->fields()[i];
                        DISPATCH();
                    }
                }
                ip = code + fail;
                DISPATCH();
            }
            CASE(DefineMethod) {
                Value fn = *--sp;
                rt_.define_method(static_cast<String*>(k[a].as_object()),
                                  static_cast<String*>(k[*ip++].as_object()), fn);
                DISPATCH();
            }
            CASE(MakeModule) {
                SAFEPOINT();
                Map* exports = rt_.new_map(a);
                Value* from = sp - 2 * a;
                for (std::uint32_t i = 0; i < a; ++i) {
                    share(from[2 * i + 1]);
                    rt_.map_set(exports, static_cast<String*>(from[2 * i].as_object()),
                                from[2 * i + 1]);
                }
                sp = from;
                *sp++ = Value::object(
                    rt_.new_module(static_cast<String*>(k[*ip++].as_object()), exports));
                SAFEPOINT();
                DISPATCH();
            }
            CASE(Summon) {
                auto top = static_cast<std::size_t>(sp - stack_);
                sp_ = sp;
                const Prototype* p = frame->closure->proto;
                Value m = load_module(static_cast<String*>(k[a].as_object())->view(),
                                      p->source_name ? p->source_name->view() : "");
                frame = &frames_.back();
                base = stack_ + frame->base;
                sp = stack_ + top;
                *sp++ = m;
                DISPATCH();
            }
            CASE(Throw) {
                auto* msg = static_cast<String*>(k[*ip++].as_object());
                VM_RAISE(static_cast<ErrorKind>(a), msg->view());
            }
        }
    }
#undef VM_RAISE
#undef LOAD_FRAME
#undef SAFEPOINT
#undef STEP
#undef FETCH
#undef CASE
#undef DISPATCH
}

}  // namespace glimmer::interp::vm
