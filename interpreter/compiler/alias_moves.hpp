// alias_moves.hpp — liveness of the names a `bind`/`weave` copies between: which binds need not
// mark what they store shared, and which calls may move a local in on its last read.
//
// A bind of one variable to another marks the value shared (SetLocal), so the next in-place
// change of either copies it all. When one of the two can never be read again, the mark guards
// nothing, and a loop that goes through an alias
//     for each i in range(0, n) then
//         bind tmp to l                 (B) l is dead here: its next mention overwrites it
//         set l to list_push(tmp, i)    (C) tmp's last read: it moves into the call
//     end
// or keeps a snapshot it never reads
//     for each i in range(0, n) then
//         bind snapshot to m            (A) snapshot is never read
//         set m["k" + to_text(i)] to i
//     end
// copied the list or map at every step: quadratic. So:
// - (A) `bind v to E`, v named nowhere else in its scope: v is never read, so E's value may stay
//   unmarked (MoveLocal): whatever changes it in place changes nothing anyone reads through v.
// - (B) `bind v to x`, x a name, and the next statements of the same block neither name x nor
//   can leave it before a `set x to E` (E not naming x) overwrites x: x's value is never read
//   through x again, so v takes it unmarked, as a move.
// - (C) `set x to f(..., v, ...)`, v named once there, v bound earlier in the same block and
//   named nowhere in the scope outside the statements from that bind to this `set`: v is dead
//   after the call, so the call moves it (CallMove) and x keeps an owned result unmarked.
// This pass only reads the syntax tree. What it cannot see is left to the compiler, which
// checks at the bind or the set: v a local of the frame (never a global, which later REPL input,
// a host or an importer could read), x a variable that may move (no `attempt` around, so an
// error ends the frame or the sole program and nothing reads x after it; no chant can read it:
// a top-level x that some chant names gets its mark back, as the other top-level moves do).
// A scope that makes a chant (or brings in names: summon, gather, grove, embody) gets nothing:
// the chant could read any of its names at any time.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <utility>
#include <vector>

#include "interpreter/parser/ast.hpp"

namespace glimmer::interp::compiler {

// Allocated from the compiler's memory (the Glimmer heap), as its other tables are.
struct AliasMoves {
    explicit AliasMoves(std::pmr::memory_resource* memory)
        : unread(memory), source_dead(memory), last_reads(memory) {}
    std::pmr::vector<const ast::BindStmt*> unread;       // (A)
    std::pmr::vector<const ast::BindStmt*> source_dead;  // (B)
    // (C): the `set` and the position of the argument that moves.
    std::pmr::vector<std::pair<const ast::SetStmt*, std::uint32_t>> last_reads;
};

// The binds and sets of (A), (B) and (C) in `scope`, a block that opens a scope (a chant or
// for-each body), directly or in the should/otherwise/whilst/attempt bodies in it, which open no
// scope of their own (LANGUAGE.md §6). Match arms and nested for-each bodies are scopes of their
// own: their statements count as mentions but are not searched.
AliasMoves find_alias_moves(ast::Block scope, std::pmr::memory_resource* memory);

// Whether `st` may leave its block before the statement after it: a yield, a break or continue
// of a loop around it (`loops` counts the loops inside), or a statement the check does not look
// into (match, attempt, anything that defines). The compiler's element lends ask it too.
bool leaves_early(const ast::Stmt& st, int loops);

}  // namespace glimmer::interp::compiler
