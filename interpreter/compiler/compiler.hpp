// compiler.hpp — AST -> bytecode (interpreter/bytecode/opcodes.hpp), one Prototype per chant.
//
// Names are resolved once, here: locals to frame slots, captured variables to upvalues, and
// top-level names to the runtime's global slots (late-bound, so top-level chants may call
// chants defined later). Prototypes, constants and struct definitions are runtime objects;
// the compiler never triggers a collection (the funnel only raises gc_due), so nothing it
// creates needs rooting until the script's closure is on the VM stack.
#pragma once

#include "interpreter/parser/ast.hpp"
#include "runtime/runtime.hpp"

namespace glimmer::interp::compiler {

// The program's top level as a zero-parameter prototype. With `module` set (a file loaded by
// `summon`), a top-level `grove` returns its module instead of binding its name.
//
// `sole_program`: the program runs alone in its runtime, as the glimmer command runs a file:
// no host function can read its variables and nothing reads them after an uncaught error ends
// it (no REPL input follows, no host looks). Its top-level variables may then move through a
// call like a chant's locals (compiler.cpp: calls that move).
runtime::Prototype* compile(const ast::Program& program, runtime::Runtime& rt, bool module = false,
                            bool sole_program = false);

}  // namespace glimmer::interp::compiler
