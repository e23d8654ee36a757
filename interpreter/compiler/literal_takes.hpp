// literal_takes.hpp — which parts of a dead variable a list, map or struct literal may take
// rather than copy: the analysis behind
//     set q to Queue { items: list_push(q.items, v), head: q.head }
// (compiler.cpp, "parts taken into a literal", says when q is dead and what the VM does).
//
// A part is `x.f`, `x["f"]` or `x[N]` with a literal key, x a name. Element i of the literal
// takes it when the element is the part itself (it moves into the literal) or a call of a name
// with the part as one of its arguments (it moves into the call), and:
// - every mention of x anywhere in the literal is the object of such a read: never x itself (a
//   call could keep it, or read the part taken), a computed key (it could name any part), or a
//   chant (it could read x later);
// - no other read in the literal names the same part, a read inside it (`x.f[0]`) included:
//   that read could run after the part was changed in place. `x.f` and `x["f"]` are one map
//   entry, and `x[N]` reads the element N names as an index does (truncated, negatives at 0).
// Reads of x's other parts stay right before and after the take: it changes nothing, and the
// call it moves into changes only that part, which no other slot of x holds while x and the part
// are unshared (the only case where the VM takes it unmarked).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string_view>

#include "interpreter/parser/ast.hpp"

namespace glimmer::interp::compiler {

struct LiteralTakes {
    std::uint32_t parts = 0;                  // bit i: element i is a part, moved into the literal
    std::uint32_t calls = 0;                  // bit i: element i is a call a part moves into
    std::array<std::uint8_t, 32> argument{};  // for such a call: the part's argument position
    bool any() const { return (parts | calls) != 0; }
};

// Whether a and b are reads of one part of one variable, as above (`x.f` and `x["f"]`, `x[0]`
// and `x[0.5]`); false when either is no such read.
bool same_part_read(const ast::Expr& a, const ast::Expr& b);

// The takes of `literal` (a list, map or struct literal; none for anything else) from the
// variables `dead` accepts, among its first 32 elements.
LiteralTakes literal_takes(const ast::Expr& literal,
                           const std::function<bool(std::string_view)>& dead);

// The elements of a list, map or struct literal in the order they are evaluated (a struct's
// type name first, which is no element); 0 for any other expression.
std::size_t literal_size(const ast::Expr& literal);
const ast::Expr& literal_element(const ast::Expr& literal, std::size_t i);

// The part element i takes (`q.items`, the element itself or the call's argument), and the
// name of the variable it is taken from; element i must take one.
const ast::Expr& taken_part(const ast::Expr& literal, const LiteralTakes& takes, std::size_t i);
std::string_view taken_variable(const ast::Expr& literal, const LiteralTakes& takes, std::size_t i);

}  // namespace glimmer::interp::compiler
