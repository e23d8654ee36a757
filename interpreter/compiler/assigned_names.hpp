// assigned_names.hpp — which variables chant bodies `set`: a pre-pass over the syntax tree.
//
// The compiler marks an operand that waits on the stack shared when a later operand's call may
// update its variable in place (compiler.cpp explains). Only a `set` inside a chant can run
// during a call, so these are the names it asks about. Names, not variables: a `set` of any
// variable called `xs` counts for every `xs` (an over-approximation, never an omission).
#pragma once

#include <memory_resource>
#include <string_view>
#include <unordered_set>

#include "interpreter/parser/ast.hpp"

namespace glimmer::interp::compiler {

using NameSet = std::pmr::unordered_set<std::string_view>;

// Adds to `out` the root name of every `set` target (`xs`, `xs[i]`, `p.f`) inside a chant,
// anonymous chant or embody method in `block`, at any depth; a `set` directly in `block` (or in
// its should/whilst/... bodies) counts only when `in_chant`. A grove body is not a chant.
// Returns whether `block` summons or gathers anywhere (code compiled later, which may name
// anything).
bool collect_names_set_in_chants(ast::Block block, bool in_chant, NameSet& out);

// The variable a `set` target changes: xs of `xs`, `xs[i]`, `p.f` (or of a nested target,
// which the compiler refuses); empty when the target's root is no name.
std::string_view set_target_root(const ast::Expr& target);

// Adds to `out` every name a chant, anonymous chant or embody method in `block` names (reads,
// sets, binds), at any depth, except where a parameter of that chant or of a chant around it
// binds the name: an over-approximation by name, as above (a `weave x` in a chant still counts
// as naming every `x`), but a parameter never names an outer variable.
void collect_names_named_in_chants(ast::Block block, NameSet& out);

// Adds to `out` every name `block` binds anywhere: bind/weave, chant names and parameters,
// for-each variables, pattern bindings, forms, variants and their cases, groves. What is not
// in it names a global from outside the program wherever it is read (a builtin, say). With
// `repeated`, adds there the names bound more than once (a name bound once by a top-level
// `chant` is that chant wherever it is read, once the chant is defined).
void collect_bound_names(ast::Block block, NameSet& out, NameSet* repeated = nullptr);

// Adds to `twice` the names `block` binds more than once outside the bodies of chants,
// anonymous chants and methods (a chant's own name counts; its parameters do not).
void collect_names_bound_twice_outside_chants(ast::Block block, NameSet& twice);

// True when `block` has an `attempt` anywhere, chant bodies included.
bool contains_attempt(ast::Block block);

}  // namespace glimmer::interp::compiler
