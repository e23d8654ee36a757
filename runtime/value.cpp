// value.cpp — truthiness, deep equality, type names, display form and to_text (LANGUAGE.md §4).
#include "runtime/value.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <memory_resource>
#include <optional>

#include "runtime/error.hpp"
#include "runtime/object.hpp"
#include "runtime/stack_room.hpp"

namespace glimmer::runtime {

bool truthy(Value v) {
    if (v.is_number()) return v.as_number() != 0.0;
    if (v.is_truth()) return v.is_true();
    if (v.is_nothing() || v.is_undefined()) return false;
    if (!v.is_object()) return true;  // Absent
    Object* o = v.as_object();
    switch (o->kind) {
        case ObjectKind::String:
            return static_cast<String*>(o)->length != 0;
        case ObjectKind::List:
            return static_cast<List*>(o)->length != 0;
        default:
            return true;
    }
}

// Recursion over nested values goes as deep as the calling thread's stack allows
// (stack_room.hpp), so a value nested too deeply for it is an error, not a crash: every
// kStackCheckEvery levels at least kStackReserve bytes must be left, more than the levels up
// to the next check and the error's own unwinding take (a few KiB a level even under
// AddressSanitizer), and at most kStackMostUsed used: hundreds of thousands of levels, and
// below the 64 MiB that AddressSanitizer unpoisons when an exception leaves a deep stack.
// Where the stack's bounds are unknown, kMaxNesting levels is the limit.
constexpr int kStackCheckEvery = 32;
constexpr std::size_t kStackReserve = 160 * 1024;
constexpr std::size_t kStackMostUsed = std::size_t{32} << 20;
constexpr int kMaxNesting = 2000;
bool equal_at(Value a, Value b, int depth);
[[noreturn]] void too_deep(int depth);

inline void check_depth(int depth) {
    if (depth % kStackCheckEvery != kStackCheckEvery - 1) return;
    std::optional<StackRoom> room = stack_room();
    if (room ? room->left < kStackReserve || room->used > kStackMostUsed : depth > kMaxNesting)
        too_deep(depth);
}

namespace {

bool maps_equal(const Map* a, const Map* b, int depth) {
    if (a->count != b->count) return false;
    for (std::uint32_t i = 0; i < a->capacity; ++i) {
        const MapEntry& e = a->entries[i];
        if (!e.key) continue;
        bool found = false;
        for (std::uint32_t j = 0; j < b->capacity; ++j) {
            const MapEntry& f = b->entries[(j + e.key->hash) & (b->capacity - 1)];
            if (!f.key) break;
            if (f.key == e.key || f.key->view() == e.key->view()) {
                if (!equal_at(e.value, f.value, depth + 1)) return false;
                found = true;
                break;
            }
        }
        if (!found) return false;
    }
    return true;
}

bool structs_equal(const Struct* a, const Struct* b, int depth) {
    if (a->def == b->def) {
        for (std::uint32_t i = 0; i < a->def->field_count; ++i) {
            if (!equal_at(a->fields()[i], b->fields()[i], depth + 1)) return false;
        }
        return true;
    }
    if (a->def->base != b->def->base || a->def->field_count != b->def->field_count) return false;
    for (std::uint32_t i = 0; i < a->def->field_count; ++i) {
        int j = b->def->find(a->def->field_names[i]);
        if (j < 0 || !equal_at(a->fields()[i], b->fields()[j], depth + 1)) return false;
    }
    return true;
}

}  // namespace

void too_deep(int depth) {
    raise(ErrorKind::StackOverflow,
          "value nested too deeply (more than " + std::to_string(depth) + " levels)");
}

bool equal_at(Value a, Value b, int depth) {
    check_depth(depth);
    if (a.is_number() || b.is_number()) {
        return a.is_number() && b.is_number() && a.as_number() == b.as_number();
    }
    if (a == b) return true;
    if (!a.is_object() || !b.is_object()) return false;
    Object* x = a.as_object();
    Object* y = b.as_object();
    if (x->kind != y->kind) return false;
    switch (x->kind) {
        case ObjectKind::String:
            return static_cast<String*>(x)->view() == static_cast<String*>(y)->view();
        case ObjectKind::List: {
            auto* l = static_cast<List*>(x);
            auto* m = static_cast<List*>(y);
            if (l->length != m->length) return false;
            for (std::uint32_t i = 0; i < l->length; ++i) {
                if (!equal_at(l->items[i], m->items[i], depth + 1)) return false;
            }
            return true;
        }
        case ObjectKind::Map:
            return maps_equal(static_cast<Map*>(x), static_cast<Map*>(y), depth);
        case ObjectKind::Struct:
            return structs_equal(static_cast<Struct*>(x), static_cast<Struct*>(y), depth);
        case ObjectKind::Wrapped: {
            auto* w = static_cast<Wrapped*>(x);
            auto* v = static_cast<Wrapped*>(y);
            return w->subkind == v->subkind && equal_at(w->inner, v->inner, depth + 1);
        }
        case ObjectKind::Range: {
            auto* r = static_cast<Range*>(x);
            auto* s = static_cast<Range*>(y);
            return r->start == s->start && r->end == s->end;
        }
        default:
            return false;  // functions and definitions: identity only
    }
}

std::string_view type_name(Value v) {
    if (v.is_number()) return "Number";
    if (v.is_truth()) return "Truth";
    if (v.is_nothing() || v.is_undefined()) return "Nothing";
    if (v.is_absent()) return "Absent";
    Object* o = v.as_object();
    switch (o->kind) {
        case ObjectKind::String:
            return "Text";
        case ObjectKind::List:
            return "List";
        case ObjectKind::Map:
            return "Map";
        case ObjectKind::Closure:
            return "Chant";
        case ObjectKind::Native:
            return "NativeChant";
        case ObjectKind::Struct:
            return static_cast<Struct*>(o)->def->name->view();
        case ObjectKind::StructDef:
            return static_cast<StructDef*>(o)->name->view();
        case ObjectKind::Range:
            return "Range";
        case ObjectKind::Module:
            return "Module";
        case ObjectKind::Iterator: {
            auto* it = static_cast<Iterator*>(o);
            if (it->iter_kind() == IterKind::List) return "List";
            if (it->iter_kind() == IterKind::Range) return "Range";
            return type_name(it->source);
        }
        case ObjectKind::Wrapped:
            switch (static_cast<Wrapped*>(o)->wrap()) {
                case Wrap::Present:
                    return "Present";
                case Wrap::Triumph:
                    return "Triumph";
                case Wrap::Mishap:
                    return "Mishap";
                case Wrap::Shared:
                    return "Shared";
                case Wrap::Cell:
                    return "Cell";
            }
            break;
        default:
            break;
    }
    return "Internal";
}

std::string a_type_name(Value v) {
    const std::string_view type = type_name(v);
    // "an Absent", "an Outcome", but "a User": a capital U is mostly said "you".
    const bool vowel = type.find_first_of("AEIO") == 0;
    return (vowel ? "an " : "a ") + std::string(type);
}

// The display family is written once for any string type: std::string for messages and
// std::pmr::string for print/println, whose lines (and the scratch tables for sorting map keys
// and struct fields) then live in the string's memory resource, the runtime's heap.
namespace {

std::pmr::memory_resource* scratch(const std::string&) {
    return std::pmr::get_default_resource();
}
std::pmr::memory_resource* scratch(const std::pmr::string& out) {
    return out.get_allocator().resource();
}

}  // namespace

template <class Text>
void number_into(Text& out, double d) {
    if (std::isnan(d)) {
        out += "NaN";
        return;
    }
    if (std::isinf(d)) {
        out += d < 0 ? "-inf" : "inf";
        return;
    }
    if (d == 0) {
        out += std::signbit(d) ? "-0" : "0";
        return;
    }
    // An integer below 2^53 is its own shortest round-trip form: print it as one.
    if (std::fabs(d) < 9007199254740992.0 && d == std::trunc(d)) {
        char int_buf[24];
        auto res = std::to_chars(int_buf, int_buf + sizeof int_buf, static_cast<std::int64_t>(d));
        out.append(int_buf, static_cast<std::size_t>(res.ptr - int_buf));
        return;
    }
    // Shortest round-trip digits in scientific form "-d.dddde+XX", then expanded.
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string_view s(buf, static_cast<std::size_t>(res.ptr - buf));
    if (s.front() == '-') {
        out += '-';
        s.remove_prefix(1);
    }
    std::size_t e = s.find('e');
    char digit_buf[32];  // at most 17 significant digits
    std::size_t count = 0;
    for (char c : s.substr(0, e)) {
        if (c != '.') digit_buf[count++] = c;
    }
    std::string_view exp_text = s.substr(e + 1);
    if (!exp_text.empty() && exp_text.front() == '+') exp_text.remove_prefix(1);
    int exp = 0;
    std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp);
    while (count > 1 && digit_buf[count - 1] == '0')
        --count;
    const std::string_view digits(digit_buf, count);
    int point = exp + 1;  // digits before the decimal point
    int n = static_cast<int>(digits.size());
    if (point <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-point), '0');
        out += digits;
    } else if (point >= n) {
        out += digits;
        out.append(static_cast<std::size_t>(point - n), '0');
    } else {
        out += digits.substr(0, static_cast<std::size_t>(point));
        out += '.';
        out += digits.substr(static_cast<std::size_t>(point));
    }
}

void append_number(std::string& out, double d) {
    number_into(out, d);
}

namespace {

void sorted_map_entries(const Map* m, std::pmr::vector<const MapEntry*>& out) {
    for (std::uint32_t i = 0; i < m->capacity; ++i) {
        if (m->entries[i].key) out.push_back(&m->entries[i]);
    }
    std::sort(out.begin(), out.end(),
              [](const MapEntry* a, const MapEntry* b) { return a->key->view() < b->key->view(); });
}

template <class Text, typename Inner>
void append_struct(Text& out, const Struct* s, Inner inner) {
    out += s->def->name->view();
    out += " { ";
    std::pmr::vector<std::uint32_t> order(s->def->field_count, scratch(out));
    for (std::uint32_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        return s->def->field_names[a]->view() < s->def->field_names[b]->view();
    });
    bool first = true;
    for (std::uint32_t i : order) {
        if (!first) out += ", ";
        first = false;
        out += s->def->field_names[i]->view();
        out += ": ";
        inner(s->fields()[i]);
    }
    out += " }";
}

std::string_view wrap_name(Wrap w) {
    switch (w) {
        case Wrap::Present:
            return "Present";
        case Wrap::Triumph:
            return "Triumph";
        case Wrap::Mishap:
            return "Mishap";
        case Wrap::Shared:
            return "Shared";
        case Wrap::Cell:
            return "Cell";
    }
    return "";
}

}  // namespace

template <class Text>
void display_into(Text& out, Value v, bool nested, int depth) {
    check_depth(depth);
    if (v.is_number()) return number_into(out, v.as_number());
    if (v.is_truth()) {
        out += v.is_true() ? "true" : "false";
        return;
    }
    if (v.is_nothing() || v.is_undefined()) {
        out += "nothing";
        return;
    }
    if (v.is_absent()) {
        out += "Absent";
        return;
    }
    Object* o = v.as_object();
    switch (o->kind) {
        case ObjectKind::String:
            if (nested) out += '"';
            out += static_cast<String*>(o)->view();
            if (nested) out += '"';
            return;
        case ObjectKind::List: {
            auto* l = static_cast<List*>(o);
            out += '[';
            for (std::uint32_t i = 0; i < l->length; ++i) {
                if (i) out += ", ";
                display_into(out, l->items[i], true, depth + 1);
            }
            out += ']';
            return;
        }
        case ObjectKind::Map: {
            std::pmr::vector<const MapEntry*> entries(scratch(out));
            sorted_map_entries(static_cast<Map*>(o), entries);
            out += '{';
            for (std::size_t i = 0; i < entries.size(); ++i) {
                if (i) out += ", ";
                out += entries[i]->key->view();
                out += ": ";
                display_into(out, entries[i]->value, true, depth + 1);
            }
            out += '}';
            return;
        }
        case ObjectKind::Struct: {
            auto* s = static_cast<Struct*>(o);
            if (s->def->subkind != kForm) {
                out += s->def->name->view();
                if (s->def->subkind == kUnitVariant) return;
                out += '(';
                for (std::uint32_t i = 0; i < s->def->field_count; ++i) {
                    if (i) out += ", ";
                    display_into(out, s->fields()[i], true, depth + 1);
                }
                out += ')';
                return;
            }
            append_struct(out, s, [&](Value f) { display_into(out, f, true, depth + 1); });
            return;
        }
        case ObjectKind::Wrapped: {
            auto* w = static_cast<Wrapped*>(o);
            out += wrap_name(w->wrap());
            out += '(';
            display_into(out, w->inner, true, depth + 1);
            out += ')';
            return;
        }
        case ObjectKind::Range: {
            auto* r = static_cast<Range*>(o);
            out += "range(";
            number_into(out, r->start);
            out += ", ";
            number_into(out, r->end);
            out += ')';
            return;
        }
        case ObjectKind::Closure:
            out += "<function>";
            return;
        case ObjectKind::Iterator:
            out += "<iterator>";
            return;
        case ObjectKind::Module:
            out += "<module: ";
            out += static_cast<Module*>(o)->name->view();
            out += '>';
            return;
        case ObjectKind::Native:
            out += "<native function: ";
            out += static_cast<Native*>(o)->name->view();
            out += '>';
            return;
        case ObjectKind::StructDef:
            if (o->subkind != kForm) {
                out += "<variant constructor: ";
                out += static_cast<StructDef*>(o)->name->view();
                out += '>';
                return;
            }
            out += "<struct definition: ";
            out += static_cast<StructDef*>(o)->name->view();
            out += '>';
            return;
        default:
            out += "<internal>";
            return;
    }
}

void display_at(std::string& out, Value v, bool nested, int depth) {
    display_into(out, v, nested, depth);
}

void append_display(std::string& out, Value v, bool nested) {
    display_into(out, v, nested, 0);
}

void append_display(std::pmr::string& out, Value v, bool nested) {
    display_into(out, v, nested, 0);
}

std::string display(Value v) {
    std::string s;
    append_display(s, v);
    return s;
}

void to_text_at(std::string& out, Value v, int depth) {
    check_depth(depth);
    if (!v.is_object()) return append_display(out, v);
    Object* o = v.as_object();
    switch (o->kind) {
        case ObjectKind::List:
            out += "[List]";
            return;
        case ObjectKind::Map:
            out += "[Map]";
            return;
        case ObjectKind::Closure:
            out += "[Chant]";
            return;
        case ObjectKind::Range:
            out += "[Range]";
            return;
        case ObjectKind::Native:
            out += "[NativeChant:";
            out += static_cast<Native*>(o)->name->view();
            out += ']';
            return;
        case ObjectKind::Wrapped: {
            auto* w = static_cast<Wrapped*>(o);
            // The smart pointers as the reference writes them: [Shared<Number> (refs: 1)].
            if (w->wrap() == Wrap::Shared || w->wrap() == Wrap::Cell) {
                out += '[';
                out += wrap_name(w->wrap());
                out += '<';
                out += type_name(w->inner);
                out += '>';
                if (w->wrap() == Wrap::Shared) out += " (refs: " + std::to_string(w->aux) + ")";
                out += ']';
                return;
            }
            out += wrap_name(w->wrap());
            out += '(';
            to_text_at(out, w->inner, depth + 1);
            out += ')';
            return;
        }
        case ObjectKind::Struct: {
            auto* s = static_cast<Struct*>(o);
            if (s->def->subkind == kForm) {
                append_struct(out, s, [&](Value f) { to_text_at(out, f, depth + 1); });
                return;
            }
            // A variant: `Red`, or `Circle(2)` with each field in to_text form (unquoted text).
            out += s->def->name->view();
            if (s->def->subkind == kUnitVariant) return;
            out += '(';
            for (std::uint32_t i = 0; i < s->def->field_count; ++i) {
                if (i) out += ", ";
                to_text_at(out, s->fields()[i], depth + 1);
            }
            out += ')';
            return;
        }
        case ObjectKind::StructDef:
            out += o->subkind == kForm ? "[StructDef:" : "[VariantConstructor:";
            out += static_cast<StructDef*>(o)->name->view();
            out += ']';
            return;
        case ObjectKind::Iterator:
            out += "[Iterator:";
            out += type_name(v);
            out += ']';
            return;
        default:
            append_display(out, v);
            return;
    }
}

void append_to_text(std::string& out, Value v) {
    to_text_at(out, v, 0);
}

bool values_equal(Value a, Value b) {
    return equal_at(a, b, 0);
}

std::string_view kind_name(ObjectKind k) {
    switch (k) {
        case ObjectKind::String:
            return "String";
        case ObjectKind::List:
            return "List";
        case ObjectKind::Map:
            return "Map";
        case ObjectKind::StructDef:
            return "StructDef";
        case ObjectKind::Struct:
            return "Struct";
        case ObjectKind::Wrapped:
            return "Wrapped";
        case ObjectKind::Range:
            return "Range";
        case ObjectKind::Closure:
            return "Closure";
        case ObjectKind::Upvalue:
            return "Upvalue";
        case ObjectKind::Prototype:
            return "Prototype";
        case ObjectKind::Native:
            return "Native";
        case ObjectKind::Buffer:
            return "Buffer";
        case ObjectKind::Internal:
            return "Internal";
        case ObjectKind::Iterator:
            return "Iterator";
        case ObjectKind::Module:
            return "Module";
    }
    return "?";
}

}  // namespace glimmer::runtime
