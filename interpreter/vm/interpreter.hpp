// interpreter.hpp — "run Glimmer-Weave source in a Runtime": the whole pipeline
// (source -> tokens -> AST -> bytecode -> VM) behind one small class, shared by the CLI and
// the embedding API. An Interpreter borrows a Runtime (which may outlive it), registers the
// core builtins in it once, and keeps one Vm, so globals defined by one run are visible to the
// next and to call().
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "interpreter/source.hpp"
#include "interpreter/vm/vm.hpp"
#include "runtime/runtime.hpp"

namespace glimmer::interp {

class Interpreter {
  public:
    explicit Interpreter(runtime::Runtime& rt, vm::VmLimits limits = {});

    // Parse and compile (throws SyntaxError); nothing runs.
    runtime::Prototype* compile(const SourceFile& source);
    // Compile and run the whole file (throws SyntaxError before running anything, or a
    // located RuntimeError).
    runtime::Value run(const SourceFile& source);
    runtime::Value run(std::string_view code, std::string name = "<string>");
    // Calls the global `name` (a chant or a builtin) with `args`.
    runtime::Value call(std::string_view name, std::span<const runtime::Value> args);
    runtime::Value call(runtime::Value callee, std::span<const runtime::Value> args);

    runtime::Runtime& runtime() { return rt_; }
    vm::Vm& vm() { return vm_; }

    // The next program compiled is the only one this runtime runs, and nothing reads its
    // variables after an uncaught error (the glimmer command running a file; not a REPL or a
    // host): see compiler::compile's `sole_program`.
    void set_sole_program(bool sole) { sole_program_ = sole; }

    // "FILE:LINE:COL: Runtime error: Kind: message"; for ErrorDetail::Full also the source
    // line, a caret, then the call stack innermost first.
    static std::string format_runtime_error(const SourceFile& source,
                                            const runtime::RuntimeError& e,
                                            ErrorDetail detail = ErrorDetail::Full);

  private:
    runtime::Runtime& rt_;
    vm::Vm vm_;
    bool sole_program_ = false;
};

}  // namespace glimmer::interp
