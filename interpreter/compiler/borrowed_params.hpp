// borrowed_params.hpp — which parameters of a chant it only reads through, so that a call need
// not mark their values shared.
//
// A call marks each argument shared (it now lives in the caller's variable and in the callee's
// slot), and the mark stays for good: there is no reference count. So a helper that only looks
// at a record, `chant peek(s) then yield list_last(s.items) end`, left the caller's record
// shared, and the caller's next in-place update (`set st to pop(st)`, which pops st.items in
// place) copied the whole list instead, at every step.
//
// Left unmarked, the value has two holders while the call runs, which is sound when neither
// can change it in place meanwhile or keep it past the call:
// - the callee names the parameter only as the object of a field or index read (`p.f`,
//   `p[i]`) or as an argument of a builtin that runs no script code and changes nothing
//   (`list_length(p)`, `map_has(p, k)`, `list_last(p)`): never the value itself, so it cannot
//   bind, store, pass on, move or yield it, and what it reads out of it is marked wherever it
//   is stored, as any read value is;
// - the callee runs no other script code: its only calls are to builtins that run none
//   (`reader_call`) or to chants that only read in turn (a top-level chant the program binds
//   nowhere else, itself borrowing what it is passed whole), it makes no chants, calls no
//   methods, pipes nothing, and iterates only over `range(...)` (iterating a lazy iterator runs
//   its functions). So nothing can update the caller's variable in place while the callee
//   reads it;
// - no `bind`, loop variable or pattern in the callee rebinds the parameter's name.
// A parameter whose part the chant yields in a new literal, or passes there to a call
// (`yield Queue { items: list_push(q.items, v), head: q.head }`), is not borrowed: the literal
// takes that part out unmarked when the caller moved the value in (literal_takes.hpp), which
// is only right when the caller's variable is dead, not merely lent.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "interpreter/parser/ast.hpp"

namespace glimmer::interp::compiler {

// What a call of `name` is, for the analysis: nullopt when it may run script code that does
// more than read (or may not be what it seems), else the mask of the arguments it only reads
// when passed whole: ~0 for a builtin that runs no script code and changes nothing, a chant's
// own borrowed_params for a chant that only reads (outer(l, i) then yield get(l, i)).
using ReaderCall = std::function<std::optional<std::uint32_t>(std::string_view)>;

// The mask of f's borrowed parameters (bit i: parameter i, one of the first 32), or nullopt
// when f itself may run script code that does more than read (or is variadic).
std::optional<std::uint32_t> borrowed_params(const ast::Function& f, const ReaderCall& reader_call);

}  // namespace glimmer::interp::compiler
