// builtins.cpp — every core builtin (LANGUAGE.md §13). Arity is checked by the VM from the
// registered arity (-1 = any); argument types are checked here (TypeError), domain errors are
// CustomError / IndexOutOfBounds as the reference says. Lengths and positions count bytes.
#include "runtime/builtins.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

namespace glimmer::runtime {

namespace {

using Args = Value*;

std::string type_error_message(const char* fn, const char* expected, Value got) {
    return std::string(fn) + " expects " + expected + ", got " + std::string(type_name(got));
}

[[noreturn]] void type_error(const char* fn, const char* expected, Value got) {
    raise(ErrorKind::TypeError, type_error_message(fn, expected, got));
}

double num(const char* fn, Value v) {
    if (!v.is_number()) type_error(fn, "a Number", v);
    return v.as_number();
}
String* txt(const char* fn, Value v) {
    if (!is_kind(v, ObjectKind::String)) type_error(fn, "a Text", v);
    return static_cast<String*>(v.as_object());
}
List* lst(const char* fn, Value v) {
    if (!is_kind(v, ObjectKind::List)) type_error(fn, "a List", v);
    return static_cast<List*>(v.as_object());
}
Map* mp(const char* fn, Value v) {
    if (!is_kind(v, ObjectKind::Map)) type_error(fn, "a Map", v);
    return static_cast<Map*>(v.as_object());
}
Wrapped* wrapped(Value v, Wrap w) {
    if (!is_kind(v, ObjectKind::Wrapped)) return nullptr;
    auto* o = static_cast<Wrapped*>(v.as_object());
    return o->wrap() == w ? o : nullptr;
}
bool is_outcome(Value v) {
    return wrapped(v, Wrap::Triumph) || wrapped(v, Wrap::Mishap);
}
bool is_maybe(Value v) {
    return v.is_absent() || wrapped(v, Wrap::Present);
}

// Length of the UTF-8 character starting at text[at]: what its lead byte announces, cut short
// where the continuation bytes stop (byte slicing can split a character), 1 for a stray byte.
std::size_t utf8_length(std::string_view text, std::size_t at) {
    auto lead = static_cast<unsigned char>(text[at]);
    std::size_t want = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    std::size_t len = 1;
    while (len < want && at + len < text.size() &&
           (static_cast<unsigned char>(text[at + len]) & 0xC0) == 0x80)
        ++len;
    return len;
}

// Truncated integer position; negative positions are out of range.
std::int64_t position(const char* fn, Value v) {
    double d = num(fn, v);
    if (std::isnan(d)) raise(ErrorKind::TypeError, std::string(fn) + ": position is NaN");
    d = std::trunc(d);
    if (d < -1e15) d = -1e15;
    if (d > 1e15) d = 1e15;
    return static_cast<std::int64_t>(d);
}

// A position as the script gave it (truncated), for error messages: position() clamps to
// +-1e15, and an error should not name a number the script never passed (slice(t, 0, 1e20)).
std::string position_text(Value v) {
    return display(Value::number(std::trunc(v.as_number())));
}

void range_check(const char* fn, Value start_arg, Value end_arg, std::int64_t start,
                 std::int64_t end, std::size_t length) {
    if (start < 0 || end < 0 || start > end || static_cast<std::size_t>(end) > length) {
        raise(ErrorKind::IndexOutOfBounds, std::string(fn) + ": range " + position_text(start_arg) +
                                               ".." + position_text(end_arg) +
                                               " is out of bounds for length " +
                                               std::to_string(length));
    }
}

Value list_value(List* l) {
    return Value::object(l);
}

// ---------------------------------------------------------------- output

// The line is built on the runtime's heap: printing in a loop never calls the system allocator.
Value b_print(Runtime& rt, Args a, std::uint32_t n, void*) {
    std::pmr::string out(rt.resource());
    for (std::uint32_t i = 0; i < n; ++i) {
        if (i) out += ' ';
        append_display(out, a[i]);
    }
    rt.write(out);
    return Value::nothing();
}
Value b_println(Runtime& rt, Args a, std::uint32_t n, void*) {
    std::pmr::string out(rt.resource());
    for (std::uint32_t i = 0; i < n; ++i) {
        if (i) out += ' ';
        append_display(out, a[i]);
    }
    out += '\n';
    rt.write(out);
    return Value::nothing();
}

// ---------------------------------------------------------------- text

// Text only, like the reference (a List is list_length's job): length([1]) is a TypeError.
Value b_length(Runtime&, Args a, std::uint32_t, void*) {
    return Value::number(txt("length", a[0])->length);
}
Value b_slice(Runtime& rt, Args a, std::uint32_t, void*) {
    String* s = txt("slice", a[0]);
    std::int64_t b = position("slice", a[1]), e = position("slice", a[2]);
    range_check("slice", a[1], a[2], b, e, s->length);
    // Positions count bytes; one inside a character would make a text that is not UTF-8 (the
    // reference refuses it too: Rust's str slicing panics off a char boundary).
    const auto inside_a_character = [&](std::int64_t i) {
        return i < s->length && (static_cast<unsigned char>(s->chars()[i]) & 0xC0) == 0x80;
    };
    for (const std::int64_t i : {b, e}) {
        if (inside_a_character(i)) {
            raise(ErrorKind::IndexOutOfBounds,
                  "slice: byte " + std::to_string(i) +
                      " is inside a character, not at a character boundary of the text");
        }
    }
    return rt.text(s->view().substr(static_cast<std::size_t>(b), static_cast<std::size_t>(e - b)));
}
Value b_upper(Runtime& rt, Args a, std::uint32_t, void*) {
    std::string r(txt("upper", a[0])->view());
    rt.charge_steps(r.size());
    for (char& c : r) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    }
    return rt.text(r);
}
Value b_lower(Runtime& rt, Args a, std::uint32_t, void*) {
    std::string r(txt("lower", a[0])->view());
    rt.charge_steps(r.size());
    for (char& c : r) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return rt.text(r);
}
// Where `pattern` (not empty) first occurs in `s` at or after `from`, or npos. glibc's memmem
// is the Two-Way search, linear in both lengths; string_view::find compares at every position
// the first byte matches, so a long nearly matching pattern made `contains`, `split` and
// `replace` quadratic (a 1 MB needle in a 2 MB text took 48 s).
std::size_t find_text(std::string_view s, std::string_view pattern, std::size_t from = 0) {
    if (from > s.size()) return std::string_view::npos;
    // One byte (split(text, " "), a comma): memchr, which glibc's memmem reaches only after
    // its own setup, about 35 instructions a call.
    const void* at = pattern.size() == 1
                         ? std::memchr(s.data() + from, pattern[0], s.size() - from)
                         : memmem(s.data() + from, s.size() - from, pattern.data(), pattern.size());
    return at ? static_cast<std::size_t>(static_cast<const char*>(at) - s.data())
              : std::string_view::npos;
}
Value b_split(Runtime& rt, Args a, std::uint32_t, void*) {
    std::string_view s = txt("split", a[0])->view();
    std::string_view sep = txt("split", a[1])->view();
    rt.charge_steps(s.size());
    List* out = rt.new_list();
    if (sep.empty()) {
        // Rust's split(""): an empty piece, then each character, then an empty piece.
        rt.list_append(out, rt.text(""));
        std::size_t i = 0;
        while (i < s.size()) {
            std::size_t len = utf8_length(s, i);
            rt.list_append(out, rt.text(s.substr(i, len)));
            i += len;
        }
        rt.list_append(out, rt.text(""));
        return list_value(out);
    }
    std::size_t start = 0;
    for (;;) {
        std::size_t at = find_text(s, sep, start);
        if (at == std::string_view::npos) break;
        rt.list_append(out, rt.text(s.substr(start, at - start)));
        start = at + sep.size();
    }
    rt.list_append(out, rt.text(s.substr(start)));
    return list_value(out);
}
// The buffer for a text result of `total` bytes, which is built outside the heap and then
// copied in: refused before a byte is built when it is past 1e9 bytes or the memory limit, so a
// builtin cannot take gigabytes of the process's memory behind the limit's back (`join` of a
// long list with a long separator, `replace` with a long replacement).
std::string text_buffer(Runtime& rt, double total, const char* fn) {
    if (total > 1e9) raise(ErrorKind::OutOfMemory, std::string(fn) + ": result too large");
    rt.require_possible(static_cast<std::size_t>(total), fn);
    std::string r;
    r.reserve(static_cast<std::size_t>(total));
    return r;
}
Value b_join(Runtime& rt, Args a, std::uint32_t, void*) {
    List* l = lst("join", a[0]);
    std::string_view sep = txt("join", a[1])->view();
    rt.charge_steps(l->length);
    double total = l->length ? static_cast<double>(l->length - 1) * sep.size() : 0;
    for (std::uint32_t i = 0; i < l->length; ++i) {
        if (!is_kind(l->items[i], ObjectKind::String)) {
            type_error("join", "a List of Text", l->items[i]);
        }
        total += static_cast<String*>(l->items[i].as_object())->length;
    }
    std::string r = text_buffer(rt, total, "join");
    rt.charge_steps(static_cast<std::uint64_t>(total));
    for (std::uint32_t i = 0; i < l->length; ++i) {
        if (i) r += sep;
        r += static_cast<String*>(l->items[i].as_object())->view();
    }
    return rt.text(r);
}
// Rust's char::is_whitespace (what the reference's trim uses): ASCII \t \n \v \f \r and space,
// plus U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F and U+3000.
bool is_unicode_space(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}
// The code point of the UTF-8 character at text[at, at + len) (from utf8_length); a stray or
// cut-short sequence is U+FFFD, never whitespace.
char32_t decode(std::string_view text, std::size_t at, std::size_t len) {
    auto lead = static_cast<unsigned char>(text[at]);
    if (len == 1) return lead < 0x80 ? lead : 0xFFFD;
    if (len != (lead < 0xE0 ? 2u : lead < 0xF0 ? 3u : 4u)) return 0xFFFD;
    char32_t c = lead & (0x7F >> len);
    for (std::size_t i = 1; i < len; ++i)
        c = (c << 6) | (static_cast<unsigned char>(text[at + i]) & 0x3F);
    return c;
}
Value b_trim(Runtime& rt, Args a, std::uint32_t, void*) {
    std::string_view s = txt("trim", a[0])->view();
    while (!s.empty()) {
        std::size_t len = utf8_length(s, 0);
        if (!is_unicode_space(decode(s, 0, len))) break;
        s.remove_prefix(len);
    }
    while (!s.empty()) {
        // The last character starts at most 3 bytes back, at a byte that is not a continuation.
        std::size_t start = s.size() - 1;
        while (start > 0 && s.size() - start < 4 &&
               (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80)
            --start;
        std::size_t len = utf8_length(s, start);
        if (start + len != s.size() || !is_unicode_space(decode(s, start, len))) break;
        s.remove_suffix(len);
    }
    return rt.text(s);
}
Value b_starts_with(Runtime&, Args a, std::uint32_t, void*) {
    return Value::truth(
        txt("starts_with", a[0])->view().starts_with(txt("starts_with", a[1])->view()));
}
Value b_ends_with(Runtime&, Args a, std::uint32_t, void*) {
    return Value::truth(txt("ends_with", a[0])->view().ends_with(txt("ends_with", a[1])->view()));
}
Value b_contains(Runtime&, Args a, std::uint32_t, void*) {
    const std::string_view pattern = txt("contains", a[1])->view();
    return Value::truth(pattern.empty() || find_text(txt("contains", a[0])->view(), pattern) !=
                                               std::string_view::npos);
}
Value b_replace(Runtime& rt, Args a, std::uint32_t, void*) {
    std::string_view s = txt("replace", a[0])->view();
    std::string_view from = txt("replace", a[1])->view();
    std::string_view to = txt("replace", a[2])->view();
    rt.charge_steps(s.size());
    // Rust: an empty pattern matches between every character and at both ends.
    double matches = 0;
    if (from.empty()) {
        matches = 1;
        for (std::size_t i = 0; i < s.size(); i += utf8_length(s, i))
            ++matches;
    } else {
        for (std::size_t at = find_text(s, from); at != std::string_view::npos;
             at = find_text(s, from, at + from.size()))
            ++matches;
    }
    std::string r = text_buffer(
        rt,
        static_cast<double>(s.size()) + matches * (static_cast<double>(to.size()) - from.size()),
        "replace");
    if (from.empty()) {
        r += to;
        for (std::size_t i = 0; i < s.size();) {
            std::size_t len = utf8_length(s, i);
            r += s.substr(i, len);
            r += to;
            i += len;
        }
        return rt.text(r);
    }
    std::size_t start = 0;
    for (;;) {
        std::size_t at = find_text(s, from, start);
        if (at == std::string_view::npos) break;
        r += s.substr(start, at - start);
        r += to;
        start = at + from.size();
    }
    r += s.substr(start);
    return rt.text(r);
}
// The bound is checked against the byte length; the result is the i-th character (the reference
// does exactly this: `i >= len()` fails, then `chars().nth(i)`), so ASCII text behaves as bytes
// and a multi-byte character is never cut in half.
Value b_char_at(Runtime& rt, Args a, std::uint32_t, void*) {
    String* s = txt("char_at", a[0]);
    std::int64_t i = position("char_at", a[1]);
    std::string_view text = s->view();
    // Characters before the first non-ASCII byte are one byte each; past them, walk on from
    // where the last char_at on this text stopped, when that is not beyond i.
    std::int64_t skipped = std::min<std::int64_t>(std::max<std::int64_t>(i, 0), s->ascii_prefix());
    std::size_t at = static_cast<std::size_t>(skipped);
    Runtime::CharCursor& cursor = rt.char_cursor();
    if (cursor.text == s && cursor.index > skipped && cursor.index <= i) {
        skipped = cursor.index;
        at = cursor.offset;
    }
    for (; i >= 0 && skipped < i && at < text.size(); ++skipped)
        at += utf8_length(text, at);
    if (skipped > s->ascii_prefix() && at < text.size()) {
        cursor = Runtime::CharCursor{s, static_cast<std::uint32_t>(skipped),
                                     static_cast<std::uint32_t>(at)};
    }
    if (i < 0 || static_cast<std::uint64_t>(i) >= s->length) {
        return rt.fail(ErrorKind::IndexOutOfBounds, "char_at: index " + position_text(a[1]) +
                                                        " is out of bounds for length " +
                                                        std::to_string(s->length));
    }
    if (at >= text.size()) {  // below the length in bytes, past the last character
        return rt.fail(ErrorKind::IndexOutOfBounds,
                       "char_at: index " + position_text(a[1]) + " is past the text's " +
                           std::to_string(skipped) + " characters (length " +
                           std::to_string(s->length) + " bytes)");
    }
    return rt.text(text.substr(at, utf8_length(text, at)));
}
Value b_repeat(Runtime& rt, Args a, std::uint32_t, void*) {
    std::string_view s = txt("repeat", a[0])->view();
    double count = num("repeat", a[1]);
    // The reference converts with `as usize`: negative and NaN counts repeat nothing.
    std::int64_t n = std::isnan(count) || count < 1 ? 0 : position("repeat", a[1]);
    const double total_bytes = static_cast<double>(n) * static_cast<double>(s.size());
    if (total_bytes <= 1e9) rt.charge_steps(static_cast<std::uint64_t>(total_bytes));
    std::string r = text_buffer(rt, total_bytes, "repeat");
    const std::size_t total = s.size() * static_cast<std::size_t>(n);
    if (total != 0) r += s;
    while (r.size() < total)  // doubling: log2(n) copies, not n appends
        r.append(r, 0, std::min(r.size(), total - r.size()));
    return rt.text(r);
}
Value pad(Runtime& rt, Args a, bool left, const char* fn) {
    std::string_view s = txt(fn, a[0])->view();
    std::int64_t width = position(fn, a[1]);
    std::string_view ch = txt(fn, a[2])->view();
    // One character, not one byte: "é" or "日" pads too. The width counts bytes like length(),
    // so the padding is (width - length(t)) copies of ch, whatever ch's own byte length.
    if (ch.empty() || utf8_length(ch, 0) != ch.size())
        return rt.fail(ErrorKind::CustomError,
                       std::string(fn) + ": padding must be exactly one character");
    if (width > 100000000) raise(ErrorKind::OutOfMemory, std::string(fn) + ": width too large");
    std::size_t fill = width > static_cast<std::int64_t>(s.size())
                           ? static_cast<std::size_t>(width) - s.size()
                           : 0;
    rt.require_possible(s.size() + fill * ch.size(), fn);
    rt.charge_steps(fill);
    std::string r;
    r.reserve(s.size() + fill * ch.size());
    if (!left) r += s;
    for (std::size_t i = 0; i < fill; ++i)
        r += ch;
    if (left) r += s;
    return rt.text(r);
}
Value b_pad_left(Runtime& rt, Args a, std::uint32_t, void*) {
    return pad(rt, a, true, "pad_left");
}
Value b_pad_right(Runtime& rt, Args a, std::uint32_t, void*) {
    return pad(rt, a, false, "pad_right");
}
Value b_reverse(Runtime& rt, Args a, std::uint32_t, void*) {
    std::string_view s = txt("reverse", a[0])->view();
    rt.charge_steps(s.size());
    // Reverse by UTF-8 characters, keeping each character's bytes in order.
    std::string r(s.size(), '\0');
    std::size_t out = s.size();
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t len = utf8_length(s, i);
        out -= len;
        r.replace(out, len, s.substr(i, len));
        i += len;
    }
    return rt.text(r);
}

// ---------------------------------------------------------------- math

Value b_abs(Runtime&, Args a, std::uint32_t, void*) {
    return Value::number(std::fabs(num("abs", a[0])));
}
Value b_sqrt(Runtime& rt, Args a, std::uint32_t, void*) {
    double d = num("sqrt", a[0]);
    if (d < 0) return rt.fail(ErrorKind::CustomError, "sqrt of a negative number");
    return Value::number(std::sqrt(d));
}
Value b_pow(Runtime&, Args a, std::uint32_t, void*) {
    return Value::number(std::pow(num("pow", a[0]), num("pow", a[1])));
}
Value b_min(Runtime&, Args a, std::uint32_t, void*) {
    // The reference's `if a < b { a } else { b }`: this order decides the NaN and -0 cases.
    double x = num("min", a[0]), y = num("min", a[1]);
    return Value::number(x < y ? x : y);
}
Value b_max(Runtime&, Args a, std::uint32_t, void*) {
    double x = num("max", a[0]), y = num("max", a[1]);
    return Value::number(x > y ? x : y);
}
Value b_floor(Runtime&, Args a, std::uint32_t, void*) {
    return Value::number(std::floor(num("floor", a[0])));
}
Value b_ceil(Runtime&, Args a, std::uint32_t, void*) {
    return Value::number(std::ceil(num("ceil", a[0])));
}
Value b_round(Runtime&, Args a, std::uint32_t, void*) {
    return Value::number(std::round(num("round", a[0])));
}
Value b_sign(Runtime&, Args a, std::uint32_t, void*) {
    double d = num("sign", a[0]);
    return Value::number(d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0);
}
Value b_clamp(Runtime& rt, Args a, std::uint32_t, void*) {
    double v = num("clamp", a[0]), lo = num("clamp", a[1]), hi = num("clamp", a[2]);
    if (lo > hi)
        return rt.fail(ErrorKind::CustomError, "clamp: lower bound is greater than upper bound");
    return Value::number(v < lo ? lo : v > hi ? hi : v);
}
Value b_sin(Runtime&, Args a, std::uint32_t, void*) {
    return Value::number(std::sin(num("sin", a[0])));
}
Value b_cos(Runtime&, Args a, std::uint32_t, void*) {
    return Value::number(std::cos(num("cos", a[0])));
}
Value b_tan(Runtime&, Args a, std::uint32_t, void*) {
    return Value::number(std::tan(num("tan", a[0])));
}
Value b_log(Runtime& rt, Args a, std::uint32_t, void*) {
    double d = num("log", a[0]);
    if (d <= 0) return rt.fail(ErrorKind::CustomError, "log of a number that is not positive");
    return Value::number(std::log(d));
}
Value b_exp(Runtime&, Args a, std::uint32_t, void*) {
    return Value::number(std::exp(num("exp", a[0])));
}

// ---------------------------------------------------------------- lists

Value b_list_length(Runtime&, Args a, std::uint32_t, void*) {
    return Value::number(lst("list_length", a[0])->length);
}
Value b_list_reverse(Runtime& rt, Args a, std::uint32_t, void*) {
    List* r = rt.copy_list(lst("list_reverse", a[0]));
    rt.charge_steps(r->length);
    std::reverse(r->items, r->items + r->length);
    return list_value(r);
}
Value b_list_first(Runtime& rt, Args a, std::uint32_t, void*) {
    List* l = lst("list_first", a[0]);
    if (!l->length) return rt.fail(ErrorKind::CustomError, "list_first: the list is empty");
    return l->items[0];
}
Value b_list_last(Runtime& rt, Args a, std::uint32_t, void*) {
    List* l = lst("list_last", a[0]);
    if (!l->length) return rt.fail(ErrorKind::CustomError, "list_last: the list is empty");
    return l->items[l->length - 1];
}
Value b_list_slice(Runtime& rt, Args a, std::uint32_t, void*) {
    List* l = lst("list_slice", a[0]);
    std::int64_t b = position("list_slice", a[1]), e = position("list_slice", a[2]);
    range_check("list_slice", a[1], a[2], b, e, l->length);
    rt.charge_steps(static_cast<std::uint64_t>(e - b));
    List* r = rt.new_list(static_cast<std::uint32_t>(e - b));
    for (std::int64_t i = b; i < e; ++i) {
        Value v = l->items[i];
        if (v.is_object()) v.as_object()->flags |= kFlagShared;
        r->items[r->length++] = v;
    }
    return list_value(r);
}
Value b_list_flatten(Runtime& rt, Args a, std::uint32_t, void*) {
    List* l = lst("list_flatten", a[0]);
    rt.charge_steps(l->length);
    List* r = rt.new_list(l->length);
    for (std::uint32_t i = 0; i < l->length; ++i) {
        Value v = l->items[i];
        if (is_kind(v, ObjectKind::List)) {
            List* inner = static_cast<List*>(v.as_object());
            rt.charge_steps(inner->length);
            for (std::uint32_t j = 0; j < inner->length; ++j) {
                Value w = inner->items[j];
                if (w.is_object()) w.as_object()->flags |= kFlagShared;
                rt.list_append(r, w);
            }
        } else {
            if (v.is_object()) v.as_object()->flags |= kFlagShared;
            rt.list_append(r, v);
        }
    }
    return list_value(r);
}
double element_number(const char* fn, Value v) {
    if (!v.is_number()) type_error(fn, "a List of Numbers", v);
    return v.as_number();
}
Value b_list_sum(Runtime& rt, Args a, std::uint32_t, void*) {
    List* l = lst("list_sum", a[0]);
    rt.charge_steps(l->length);
    double s = 0;
    for (std::uint32_t i = 0; i < l->length; ++i)
        s += element_number("list_sum", l->items[i]);
    return Value::number(s);
}
Value b_list_product(Runtime& rt, Args a, std::uint32_t, void*) {
    List* l = lst("list_product", a[0]);
    rt.charge_steps(l->length);
    double s = 1;
    for (std::uint32_t i = 0; i < l->length; ++i)
        s *= element_number("list_product", l->items[i]);
    return Value::number(s);
}
Value b_list_min(Runtime& rt, Args a, std::uint32_t, void*) {
    List* l = lst("list_min", a[0]);
    rt.charge_steps(l->length);
    if (!l->length) return rt.fail(ErrorKind::CustomError, "list_min: the list is empty");
    double m = element_number("list_min", l->items[0]);
    for (std::uint32_t i = 1; i < l->length; ++i)
        m = std::min(m, element_number("list_min", l->items[i]));
    return Value::number(m);
}
Value b_list_max(Runtime& rt, Args a, std::uint32_t, void*) {
    List* l = lst("list_max", a[0]);
    rt.charge_steps(l->length);
    if (!l->length) return rt.fail(ErrorKind::CustomError, "list_max: the list is empty");
    double m = element_number("list_max", l->items[0]);
    for (std::uint32_t i = 1; i < l->length; ++i)
        m = std::max(m, element_number("list_max", l->items[i]));
    return Value::number(m);
}
// list_contains / list_index_of only recognise scalar elements (Number, Text, Truth, Nothing).
bool scalar_match(Value element, Value needle) {
    if (element.is_number() || element.is_truth() || element.is_nothing()) {
        return values_equal(element, needle);
    }
    if (is_kind(element, ObjectKind::String)) return values_equal(element, needle);
    return false;
}
Value b_list_contains(Runtime& rt, Args a, std::uint32_t, void*) {
    List* l = lst("list_contains", a[0]);
    rt.charge_steps(l->length);
    for (std::uint32_t i = 0; i < l->length; ++i) {
        if (scalar_match(l->items[i], a[1])) return Value::truth(true);
    }
    return Value::truth(false);
}
Value b_list_index_of(Runtime& rt, Args a, std::uint32_t, void*) {
    List* l = lst("list_index_of", a[0]);
    rt.charge_steps(l->length);
    for (std::uint32_t i = 0; i < l->length; ++i) {
        if (scalar_match(l->items[i], a[1])) return Value::number(i);
    }
    return Value::number(-1);
}

// ---------------------------------------------------------------- maps

Value b_map_keys(Runtime& rt, Args a, std::uint32_t, void*) {
    Map* m = mp("map_keys", a[0]);
    rt.charge_steps(m->count);
    List* r = rt.new_list(m->count);
    for (std::uint32_t slot : rt.key_order(m))
        r->items[r->length++] = Value::object(m->entries[slot].key);
    return list_value(r);
}
Value b_map_values(Runtime& rt, Args a, std::uint32_t, void*) {
    Map* m = mp("map_values", a[0]);
    rt.charge_steps(m->count);
    List* r = rt.new_list(m->count);
    for (std::uint32_t slot : rt.key_order(m)) {
        Value v = m->entries[slot].value;
        if (v.is_object()) v.as_object()->flags |= kFlagShared;
        r->items[r->length++] = v;
    }
    return list_value(r);
}
Value b_map_has(Runtime& rt, Args a, std::uint32_t, void*) {
    Map* m = mp("map_has", a[0]);
    return Value::truth(rt.map_find(m, txt("map_has", a[1])) != nullptr);
}
Value b_map_size(Runtime&, Args a, std::uint32_t, void*) {
    return Value::number(mp("map_size", a[0])->count);
}

// ---------------------------------------------------------------- conversion

Value b_to_text(Runtime& rt, Args a, std::uint32_t, void*) {
    if (is_kind(a[0], ObjectKind::String)) return a[0];
    std::string s;
    if (a[0].is_number()) {  // the common case, straight to the digits
        append_number(s, a[0].as_number());
        return rt.text(s);
    }
    append_to_text(s, a[0]);
    return rt.text(s);
}
bool parse_decimal(std::string_view s, double& out) {
    std::string_view t = s;
    if (!t.empty() && (t[0] == '+' || t[0] == '-')) t.remove_prefix(1);
    std::string lower;
    for (char c : t)
        lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    bool negative = !s.empty() && s[0] == '-';
    if (lower == "inf" || lower == "infinity") {
        out = negative ? -HUGE_VAL : HUGE_VAL;
        return true;
    }
    if (lower == "nan") {
        out = std::nan("");
        return true;
    }
    std::size_t i = 0, digits = 0;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9')
        ++i, ++digits;
    if (i < t.size() && t[i] == '.') {
        ++i;
        while (i < t.size() && t[i] >= '0' && t[i] <= '9')
            ++i, ++digits;
    }
    if (digits == 0) return false;
    if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
        ++i;
        if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
        std::size_t exp_digits = 0;
        while (i < t.size() && t[i] >= '0' && t[i] <= '9')
            ++i, ++exp_digits;
        if (!exp_digits) return false;
    }
    if (i != t.size()) return false;
    out = std::strtod(std::string(s).c_str(), nullptr);
    return true;
}
Value b_to_number(Runtime& rt, Args a, std::uint32_t, void*) {
    Value v = a[0];
    if (v.is_number()) return v;
    if (v.is_truth()) return Value::number(v.is_true() ? 1 : 0);
    if (is_kind(v, ObjectKind::String)) {
        double d;
        std::string_view s = static_cast<String*>(v.as_object())->view();
        if (!parse_decimal(s, d)) {
            return rt.fail(ErrorKind::CustomError,
                           "cannot convert \"" + std::string(s) + "\" to a Number");
        }
        return Value::number(d);
    }
    return rt.fail(ErrorKind::TypeError,
                   type_error_message("to_number", "a Number, Text or Truth", v));
}
Value b_to_truth(Runtime&, Args a, std::uint32_t, void*) {
    return Value::truth(truthy(a[0]));
}
Value b_type_of(Runtime& rt, Args a, std::uint32_t, void*) {
    return rt.text(type_name(a[0]));
}

// ---------------------------------------------------------------- Outcome / Maybe

void need_outcome(const char* fn, Value v) {
    if (!is_outcome(v)) type_error(fn, "an Outcome (Triumph or Mishap)", v);
}
void need_maybe(const char* fn, Value v) {
    if (!is_maybe(v)) type_error(fn, "a Maybe (Present or Absent)", v);
}
Value b_is_triumph(Runtime&, Args a, std::uint32_t, void*) {
    need_outcome("is_triumph", a[0]);
    return Value::truth(wrapped(a[0], Wrap::Triumph));
}
Value b_is_mishap(Runtime&, Args a, std::uint32_t, void*) {
    need_outcome("is_mishap", a[0]);
    return Value::truth(wrapped(a[0], Wrap::Mishap));
}
Value b_is_present(Runtime&, Args a, std::uint32_t, void*) {
    need_maybe("is_present", a[0]);
    return Value::truth(wrapped(a[0], Wrap::Present));
}
Value b_is_absent(Runtime&, Args a, std::uint32_t, void*) {
    need_maybe("is_absent", a[0]);
    return Value::truth(a[0].is_absent());
}
std::string message_text(Value v) {
    if (is_kind(v, ObjectKind::String))
        return std::string(static_cast<String*>(v.as_object())->view());
    return display(v);
}
Value b_triumph_or(Runtime&, Args a, std::uint32_t, void*) {
    need_outcome("triumph_or", a[0]);
    if (Wrapped* t = wrapped(a[0], Wrap::Triumph)) return t->inner;
    return a[1];
}
Value b_expect_triumph(Runtime& rt, Args a, std::uint32_t, void*) {
    need_outcome("expect_triumph", a[0]);
    if (Wrapped* t = wrapped(a[0], Wrap::Triumph)) return t->inner;
    return rt.fail(ErrorKind::CustomError, message_text(a[1]));
}
Value b_expect_mishap(Runtime& rt, Args a, std::uint32_t, void*) {
    need_outcome("expect_mishap", a[0]);
    if (Wrapped* t = wrapped(a[0], Wrap::Mishap)) return t->inner;
    return rt.fail(ErrorKind::CustomError, message_text(a[1]));
}
Value b_present_or(Runtime&, Args a, std::uint32_t, void*) {
    need_maybe("present_or", a[0]);
    if (Wrapped* p = wrapped(a[0], Wrap::Present)) return p->inner;
    return a[1];
}
Value b_expect_present(Runtime& rt, Args a, std::uint32_t, void*) {
    need_maybe("expect_present", a[0]);
    if (Wrapped* p = wrapped(a[0], Wrap::Present)) return p->inner;
    return rt.fail(ErrorKind::CustomError, message_text(a[1]));
}
Value b_present_or_mishap(Runtime& rt, Args a, std::uint32_t, void*) {
    need_maybe("present_or_mishap", a[0]);
    if (Wrapped* p = wrapped(a[0], Wrap::Present))
        return Value::object(rt.new_wrapped(Wrap::Triumph, p->inner));
    return Value::object(rt.new_wrapped(Wrap::Mishap, a[1]));
}
Value b_triumph_or_absent(Runtime& rt, Args a, std::uint32_t, void*) {
    need_outcome("triumph_or_absent", a[0]);
    if (Wrapped* t = wrapped(a[0], Wrap::Triumph))
        return Value::object(rt.new_wrapped(Wrap::Present, t->inner));
    return Value::absent();
}
// both_triumph / either_triumph test their cases in the reference's order, so a Mishap that
// decides the result is returned before the other argument's type is looked at.
Value b_both_triumph(Runtime& rt, Args a, std::uint32_t, void*) {
    Wrapped* x = wrapped(a[0], Wrap::Triumph);
    Wrapped* y = wrapped(a[1], Wrap::Triumph);
    if (x && y) {
        List* l = rt.new_list(2);
        Value u = x->inner, v = y->inner;
        if (u.is_object()) u.as_object()->flags |= kFlagShared;
        if (v.is_object()) v.as_object()->flags |= kFlagShared;
        l->items[0] = u;
        l->items[1] = v;
        l->length = 2;
        return Value::object(rt.new_wrapped(Wrap::Triumph, Value::object(l)));
    }
    if (wrapped(a[0], Wrap::Mishap)) return a[0];
    if (wrapped(a[1], Wrap::Mishap)) return a[1];
    need_outcome("both_triumph", a[0]);
    need_outcome("both_triumph", a[1]);
    return Value::nothing();  // not reached: one of the two is not an Outcome
}
Value b_either_triumph(Runtime&, Args a, std::uint32_t, void*) {
    if (wrapped(a[0], Wrap::Triumph)) return a[0];
    need_outcome("either_triumph", a[0]);
    need_outcome("either_triumph", a[1]);
    return a[1];
}

// ---------------------------------------------------------------- higher-order helpers
// Arguments are copied first: a call back into the script may move the VM stack they live in
// (they stay rooted there, below the VM's stack top). A function argument that is about to be
// called but cannot be is a TypeError, as in the reference.

Value callable(const char* fn, Value f) {
    bool ok = is_kind(f, ObjectKind::Closure) || is_kind(f, ObjectKind::Native) ||
              (is_kind(f, ObjectKind::StructDef) && f.as_object()->subkind == kDataVariant);
    if (!ok) type_error(fn, "a function", f);
    return f;
}

Value b_triumph_or_else(Runtime& rt, Args a, std::uint32_t, void*) {
    Value o = a[0], f = a[1];
    need_outcome("triumph_or_else", o);
    if (Wrapped* t = wrapped(o, Wrap::Triumph)) return t->inner;
    Value e = wrapped(o, Wrap::Mishap)->inner;
    return rt.call(callable("triumph_or_else", f), &e, 1);
}
Value b_present_or_else(Runtime& rt, Args a, std::uint32_t, void*) {
    Value m = a[0], f = a[1];
    need_maybe("present_or_else", m);
    if (Wrapped* p = wrapped(m, Wrap::Present)) return p->inner;
    return rt.call(callable("present_or_else", f), nullptr, 0);
}
Value refine(Runtime& rt, Args a, const char* fn, Wrap which, bool rewrap) {
    Value o = a[0], f = a[1];
    if (which == Wrap::Present) {
        need_maybe(fn, o);
    } else {
        need_outcome(fn, o);
    }
    Wrapped* w = wrapped(o, which);
    if (!w) return o;
    Value inner = w->inner;
    Value r = rt.call(callable(fn, f), &inner, 1);
    return rewrap ? Value::object(rt.new_wrapped(which, r)) : r;
}
Value b_refine_triumph(Runtime& rt, Args a, std::uint32_t, void*) {
    return refine(rt, a, "refine_triumph", Wrap::Triumph, true);
}
Value b_refine_mishap(Runtime& rt, Args a, std::uint32_t, void*) {
    return refine(rt, a, "refine_mishap", Wrap::Mishap, true);
}
Value b_then_triumph(Runtime& rt, Args a, std::uint32_t, void*) {
    return refine(rt, a, "then_triumph", Wrap::Triumph, false);
}
Value b_refine_present(Runtime& rt, Args a, std::uint32_t, void*) {
    return refine(rt, a, "refine_present", Wrap::Present, true);
}
Value b_then_present(Runtime& rt, Args a, std::uint32_t, void*) {
    return refine(rt, a, "then_present", Wrap::Present, false);
}

// ---------------------------------------------------------------- variants (extended)

// The variant value `v` when it is the variant called `name`, else null. A value that is no
// variant at all (a number, a struct instance, ...) is not that variant either: §14.1 gives
// variant_or's default and expect_variant's CustomError for it (the reference raised
// TypeError, which two outside testers reading §14.1 took for a bug). The name must be Text.
Struct* variant_named(Value v, Value name, const char* fn) {
    String* n = txt(fn, name);
    if (!is_kind(v, ObjectKind::Struct) ||
        static_cast<Struct*>(v.as_object())->def->subkind == kForm)
        return nullptr;
    auto* s = static_cast<Struct*>(v.as_object());
    return s->def->name->view() == n->view() ? s : nullptr;
}
Value variant_fields(Runtime& rt, Struct* s) {
    List* l = rt.new_list(s->def->field_count);
    for (std::uint32_t i = 0; i < s->def->field_count; ++i) {
        Value f = s->fields()[i];
        if (f.is_object()) f.as_object()->flags |= kFlagShared;
        l->items[l->length++] = f;
    }
    return Value::object(l);
}
Value b_is_variant(Runtime&, Args a, std::uint32_t, void*) {
    return Value::truth(variant_named(a[0], a[1], "is_variant") != nullptr);
}
Value b_expect_variant(Runtime& rt, Args a, std::uint32_t, void*) {
    if (Struct* s = variant_named(a[0], a[1], "expect_variant")) return variant_fields(rt, s);
    return rt.fail(ErrorKind::CustomError, message_text(a[2]));
}
Value b_variant_or(Runtime& rt, Args a, std::uint32_t, void*) {
    if (Struct* s = variant_named(a[0], a[1], "variant_or")) return variant_fields(rt, s);
    return a[2];
}

// ---------------------------------------------------------------- smart pointers (extended)
// The reference's toy Shared (Rc-like) and Cell (RefCell-like), as LANGUAGE.md §14 describes
// them: values like any other (a binding copies), so Shared_clone returns a new Shared whose
// count is one more, and Cell_set stores nothing.

Wrapped* pointer(const char* fn, Value v, Wrap w, const char* expected) {
    Wrapped* p = wrapped(v, w);
    if (!p) type_error(fn, expected, v);
    return p;
}
Value b_shared_new(Runtime& rt, Args a, std::uint32_t, void*) {
    Wrapped* s = rt.new_wrapped(Wrap::Shared, a[0]);
    s->aux = 1;
    return Value::object(s);
}
Value b_shared_get(Runtime&, Args a, std::uint32_t, void*) {
    return pointer("Shared_get", a[0], Wrap::Shared, "a Shared")->inner;
}
Value b_shared_clone(Runtime& rt, Args a, std::uint32_t, void*) {
    Wrapped* from = pointer("Shared_clone", a[0], Wrap::Shared, "a Shared");
    Wrapped* s = rt.new_wrapped(Wrap::Shared, from->inner);
    s->aux = from->aux + 1;
    return Value::object(s);
}
Value b_shared_count(Runtime&, Args a, std::uint32_t, void*) {
    return Value::number(pointer("Shared_count", a[0], Wrap::Shared, "a Shared")->aux);
}
Value b_cell_new(Runtime& rt, Args a, std::uint32_t, void*) {
    return Value::object(rt.new_wrapped(Wrap::Cell, a[0]));
}
Value b_cell_get(Runtime&, Args a, std::uint32_t, void*) {
    return pointer("Cell_get", a[0], Wrap::Cell, "a Cell")->inner;
}
Value b_cell_set(Runtime&, Args a, std::uint32_t, void*) {
    pointer("Cell_set", a[0], Wrap::Cell, "a Cell");
    return Value::nothing();
}
Value b_cell_borrow(Runtime&, Args a, std::uint32_t, void*) {
    return pointer("Cell_borrow", a[0], Wrap::Cell, "a Cell")->inner;
}
Value b_cell_borrow_mut(Runtime&, Args a, std::uint32_t, void*) {
    return pointer("Cell_borrow_mut", a[0], Wrap::Cell, "a Cell")->inner;
}
Value b_cell_release(Runtime&, Args a, std::uint32_t, void*) {
    pointer("Cell_release", a[0], Wrap::Cell, "a Cell");
    return Value::nothing();
}

struct Entry {
    const char* name;
    NativeFn fn;
    std::int32_t arity;
};

constexpr Entry kBuiltins[] = {
    {"print", b_print, -1},
    {"println", b_println, -1},
    {"length", b_length, 1},
    {"slice", b_slice, 3},
    {"concat", builtin_concat, 2},
    {"upper", b_upper, 1},
    {"lower", b_lower, 1},
    {"split", b_split, 2},
    {"join", b_join, 2},
    {"trim", b_trim, 1},
    {"starts_with", b_starts_with, 2},
    {"ends_with", b_ends_with, 2},
    {"contains", b_contains, 2},
    {"replace", b_replace, 3},
    {"char_at", b_char_at, 2},
    {"repeat", b_repeat, 2},
    {"pad_left", b_pad_left, 3},
    {"pad_right", b_pad_right, 3},
    {"reverse", b_reverse, 1},
    {"abs", b_abs, 1},
    {"sqrt", b_sqrt, 1},
    {"pow", b_pow, 2},
    {"min", b_min, 2},
    {"max", b_max, 2},
    {"floor", b_floor, 1},
    {"ceil", b_ceil, 1},
    {"round", b_round, 1},
    {"sign", b_sign, 1},
    {"clamp", b_clamp, 3},
    {"sin", b_sin, 1},
    {"cos", b_cos, 1},
    {"tan", b_tan, 1},
    {"log", b_log, 1},
    {"exp", b_exp, 1},
    {"list_length", b_list_length, 1},
    {"list_push", builtin_list_push, 2},
    {"list_pop", builtin_list_pop, 1},
    {"list_reverse", b_list_reverse, 1},
    {"list_first", b_list_first, 1},
    {"list_last", b_list_last, 1},
    {"list_concat", builtin_list_concat, 2},
    {"list_slice", b_list_slice, 3},
    {"list_flatten", b_list_flatten, 1},
    {"list_sum", b_list_sum, 1},
    {"list_product", b_list_product, 1},
    {"list_min", b_list_min, 1},
    {"list_max", b_list_max, 1},
    {"list_contains", b_list_contains, 2},
    {"list_index_of", b_list_index_of, 2},
    {"map_keys", b_map_keys, 1},
    {"map_values", b_map_values, 1},
    {"map_has", b_map_has, 2},
    {"map_size", b_map_size, 1},
    {"to_text", b_to_text, 1},
    {"to_number", b_to_number, 1},
    {"to_truth", b_to_truth, 1},
    {"type_of", b_type_of, 1},
    {"is_triumph", b_is_triumph, 1},
    {"is_mishap", b_is_mishap, 1},
    {"triumph_or", b_triumph_or, 2},
    {"expect_triumph", b_expect_triumph, 2},
    {"expect_mishap", b_expect_mishap, 2},
    {"is_present", b_is_present, 1},
    {"is_absent", b_is_absent, 1},
    {"present_or", b_present_or, 2},
    {"expect_present", b_expect_present, 2},
    {"present_or_mishap", b_present_or_mishap, 2},
    {"triumph_or_absent", b_triumph_or_absent, 1},
    {"both_triumph", b_both_triumph, 2},
    {"either_triumph", b_either_triumph, 2},
    {"triumph_or_else", b_triumph_or_else, 2},
    {"present_or_else", b_present_or_else, 2},
    {"refine_triumph", b_refine_triumph, 2},
    {"refine_mishap", b_refine_mishap, 2},
    {"then_triumph", b_then_triumph, 2},
    {"refine_present", b_refine_present, 2},
    {"then_present", b_then_present, 2},
    {"Shared_new", b_shared_new, 1},
    {"Shared_get", b_shared_get, 1},
    {"Shared_clone", b_shared_clone, 1},
    {"Shared_count", b_shared_count, 1},
    {"Cell_new", b_cell_new, 1},
    {"Cell_get", b_cell_get, 1},
    {"Cell_set", b_cell_set, 2},
    {"Cell_borrow", b_cell_borrow, 1},
    {"Cell_borrow_mut", b_cell_borrow_mut, 1},
    {"Cell_release", b_cell_release, 1},
    {"is_variant", b_is_variant, 2},
    {"expect_variant", b_expect_variant, 3},
    {"variant_or", b_variant_or, 3},
};

}  // namespace

bool is_pure_scalar_builtin(NativeFn fn) {
    static constexpr NativeFn kPure[] = {
        b_length, b_list_length, b_map_has, b_list_contains, b_char_at, b_min, b_max,
        b_abs,    b_floor,       b_ceil,    b_round,         b_sign,    b_sqrt};
    return std::find(std::begin(kPure), std::end(kPure), fn) != std::end(kPure);
}

bool is_read_only_builtin(NativeFn fn) {
    return is_pure_scalar_builtin(fn) || fn == b_list_first || fn == b_list_last;
}

bool runs_no_script_code(NativeFn fn) {
    // clang-format off
    static constexpr NativeFn kMore[] = {
        builtin_list_push, builtin_list_pop, builtin_list_concat,
        b_slice, builtin_concat, b_upper, b_lower, b_split, b_join, b_trim, b_starts_with, b_ends_with,
        b_contains, b_replace, b_repeat, b_pad_left, b_pad_right, b_reverse, b_to_text,
        b_to_number, b_to_truth, b_type_of,
        b_pow, b_clamp, b_sin, b_cos, b_tan, b_log, b_exp,
        b_list_reverse, b_list_slice, b_list_flatten, b_list_sum, b_list_product, b_list_min,
        b_list_max, b_list_index_of, b_map_keys, b_map_values, b_map_size};
    // clang-format on
    return is_read_only_builtin(fn) ||
           std::find(std::begin(kMore), std::end(kMore), fn) != std::end(kMore);
}

bool is_print_builtin(NativeFn fn) {
    return fn == b_print || fn == b_println;
}

Value builtin_list_push(Runtime& rt, Value* a, std::uint32_t, void*) {
    List* l = lst("list_push", a[0]);
    rt.charge_steps(l->length);
    List* r = rt.copy_list(l, 1);
    Value v = a[1];
    if (v.is_object()) v.as_object()->flags |= kFlagShared;
    r->items[r->length++] = v;
    return Value::object(r);
}

Value builtin_list_pop(Runtime& rt, Value* a, std::uint32_t, void*) {
    List* l = lst("list_pop", a[0]);
    if (!l->length) raise(ErrorKind::CustomError, "list_pop: the list is empty");
    rt.charge_steps(l->length);
    List* r = rt.copy_list(l);
    r->length--;
    return list_value(r);
}

Value builtin_list_concat(Runtime& rt, Value* a, std::uint32_t, void*) {
    List* x = lst("list_concat", a[0]);
    List* y = lst("list_concat", a[1]);
    rt.charge_steps(static_cast<std::uint64_t>(x->length) + y->length);
    List* r = rt.copy_list(x, y->length);
    for (std::uint32_t i = 0; i < y->length; ++i) {
        Value v = y->items[i];
        if (v.is_object()) v.as_object()->flags |= kFlagShared;
        r->items[r->length++] = v;
    }
    return list_value(r);
}

Value builtin_concat(Runtime& rt, Value* a, std::uint32_t, void*) {
    return Value::object(rt.concat(txt("concat", a[0]), txt("concat", a[1])));
}

bool type_accepts(std::string_view type, Value v) {
    std::size_t lt = type.find('<');
    if (lt != std::string_view::npos) type = type.substr(0, lt);
    if (type.size() == 1 && type[0] >= 'A' && type[0] <= 'Z') return true;
    std::string_view actual = type_name(v);
    if (type == "Number" || type == "Text" || type == "Truth" || type == "Nothing" ||
        type == "List" || type == "Map" || type == "Range") {
        return actual == type;
    }
    if (type == "Function") {
        // A data variant's constructor is a function too (§14: `Circle(2)`, `5 | Circle`).
        return actual == "Chant" || actual == "NativeChant" ||
               (is_kind(v, ObjectKind::StructDef) && v.as_object()->subkind == kDataVariant);
    }
    if (type == "Outcome") return actual == "Triumph" || actual == "Mishap";
    if (type == "Maybe") return actual == "Present" || actual == "Absent";
    if (is_kind(v, ObjectKind::Struct)) {
        const StructDef* def = static_cast<Struct*>(v.as_object())->def;
        if (def->name->view() == type) return true;
        // A variant value is of its case's type (`Circle`) and of its enum's (`Shape`).
        return def->family && def->family->view() == type;
    }
    return false;
}

void register_builtins(Runtime& rt) {
    for (const Entry& e : kBuiltins)
        rt.define_native(e.name, e.fn, e.arity);
    register_iterator_builtins(rt);
}

}  // namespace glimmer::runtime
