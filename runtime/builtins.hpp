// builtins.hpp — the core builtins of LANGUAGE.md §13, registered per Runtime as globals.
#pragma once

#include "runtime/runtime.hpp"

namespace glimmer::runtime {

// Defines every core builtin as an immutable global of `rt`.
void register_builtins(Runtime& rt);

// iter, iter_next, iter_map, iter_filter, iter_take, iter_fold, iter_collect (iterator.cpp).
void register_iterator_builtins(Runtime& rt);

// list_push, list_pop, list_concat and concat themselves, so the compiler can recognise
// `set xs to list_push(xs, v)`, `set xs to list_pop(xs)`, `set xs to list_concat(xs, ys)` and
// `set s to concat(s, t)` and make them in-place updates of xs (or s).
Value builtin_list_push(Runtime& rt, Value* args, std::uint32_t count, void* data);
Value builtin_list_pop(Runtime& rt, Value* args, std::uint32_t count, void* data);
Value builtin_list_concat(Runtime& rt, Value* args, std::uint32_t count, void* data);
Value builtin_concat(Runtime& rt, Value* args, std::uint32_t count, void* data);

// True for the builtins that read their arguments, keep none of them, run no script code and
// give a Number, a Truth or a Text (length, list_length, map_has, list_contains, char_at, min,
// max, abs, floor, ceil, round, sign, sqrt): the compiler lets such a call read a lent
// element's container (compiler.cpp, "element updates through a local"), where a call of
// anything else could change it or keep what it read.
bool is_pure_scalar_builtin(NativeFn fn);

// Those and list_first, list_last: builtins that run no script code and change nothing, which
// a chant may call and still borrow its parameters (compiler/borrowed_params.hpp).
bool is_read_only_builtin(NativeFn fn);

// Those and the other builtins that take no function (list_push, list_concat, to_text, split,
// the math and text builtins...; not print, the Outcome/Maybe helpers or the smart pointers):
// they run no script code and change none of their arguments (they return new values), so a
// lent element's update may call them while its container waits (compiler.cpp, "element
// updates through a local").
bool runs_no_script_code(NativeFn fn);

// print and println: they write their arguments' display forms, which run no script code.
bool is_print_builtin(NativeFn fn);

// Throws TypeError when `type` (a `form` field type such as "Number", "List<Text>", "Point",
// "T") does not accept `v`.
bool type_accepts(std::string_view type, Value v);

}  // namespace glimmer::runtime
