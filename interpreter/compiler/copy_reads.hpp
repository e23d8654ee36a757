// copy_reads.hpp — reads of a parameter through its copy: a rewrite of the syntax tree that the
// compiler runs on a chant body before compiling it.
//
// Parameters are immutable, so a chant that updates a container it is given copies it into a
// `weave` first, and often reads the parameter on:
//     chant add_word(counts, w) then
//         weave c as counts
//         should map_has(counts, w) then
//             set c[w] to counts[w] + 1
//         otherwise
//             set c[w] to 1
//         end
//         yield c
//     end
// c and counts hold one value, so while counts is named later the first change of c must copy
// it, and a caller looping `set counts to add_word(counts, w)` copies its whole map at every
// call: quadratic, where Lua is linear. Until c first changes, counts and c are the same value,
// so a mention of counts that can only run before that may read c instead. When every later
// mention of the parameter is such a read, the pass renames them to c: then nothing names the
// parameter after the `weave`, which moves it into c (compiler.cpp, "calls that move"), and the
// change is made in place. Every later analysis sees the renamed tree, so none of them can
// move c while a renamed read still needs it.
#pragma once

#include "interpreter/parser/ast.hpp"

namespace glimmer::interp::compiler {

// For each `weave v as p` directly in `f`'s body, p one of f's parameters and v another name:
// renames p to v in every later mention, when each of them runs before any `set` of v (or of
// v's elements or fields) can have run, and no later statement binds p or v anew. Returns how
// many mentions it renamed. Only for a chant that makes no chants: a chant made in the body
// could read p, or set v, at any time.
int read_parameters_through_copies(const ast::Function& f);

}  // namespace glimmer::interp::compiler
