// interpreter.cpp — the pipeline glue. The AST lives on the Glimmer heap (the parser's arena
// draws on the runtime's memory resource) and dies once compiled.
#include "interpreter/vm/interpreter.hpp"

#include <filesystem>

#include "interpreter/compiler/compiler.hpp"
#include "interpreter/parser/parser.hpp"
#include "runtime/builtins.hpp"

namespace glimmer::interp {

Interpreter::Interpreter(runtime::Runtime& rt, vm::VmLimits limits) : rt_(rt), vm_(rt, limits) {
    // `iter_collect` is registered last: if an earlier registration ran out of memory partway,
    // this one completes it.
    if (rt_.get_global("iter_collect").is_undefined()) runtime::register_builtins(rt_);
}

runtime::Prototype* Interpreter::compile(const SourceFile& source) {
    ast::Program program = parser::parse(source, rt_.resource());
    return compiler::compile(program, rt_, false, sole_program_);
}

runtime::Value Interpreter::run(const SourceFile& source) {
    runtime::Prototype* script = nullptr;
    try {
        script = compile(source);
    } catch (const runtime::RuntimeError& e) {
        // Garbage is collected at the VM's safe points, and compiling reaches none: a heap
        // full of what a failed script left, or of values a host just unbound, made the next
        // script fail with OutOfMemory before it began. At the top level nothing is in flight
        // unrooted, so collect and compile once more (a second failure is a real one).
        if (e.kind() != runtime::ErrorKind::OutOfMemory || e.fatal || vm_.frame_depth() != 0) throw;
        rt_.collect();
        script = compile(source);
    }
    if (vm_.module_root().empty()) {
        std::filesystem::path dir = std::filesystem::path(source.name()).parent_path();
        vm_.set_module_root(dir.empty() ? std::string(".") : dir.string());
    }
    // The prototype is reachable only from here until the VM holds its closure.
    runtime::Handle keep(rt_, runtime::Value::object(script));
    return vm_.run(script);
}

runtime::Value Interpreter::run(std::string_view code, std::string name) {
    return run(SourceFile(std::move(name), std::string(code)));
}

runtime::Value Interpreter::call(std::string_view name, std::span<const runtime::Value> args) {
    runtime::Value f = rt_.get_global(name);
    if (f.is_undefined()) runtime::raise(runtime::ErrorKind::UndefinedVariable, std::string(name));
    return call(f, args);
}

runtime::Value Interpreter::call(runtime::Value callee, std::span<const runtime::Value> args) {
    return vm_.call(callee, args.data(), static_cast<std::uint32_t>(args.size()));
}

std::string Interpreter::format_runtime_error(const SourceFile& source,
                                              const runtime::RuntimeError& e, ErrorDetail detail) {
    // §1 encourages "line L" in the message itself, for readers that do not parse the
    // FILE:LINE:COL prefix.
    std::string headline = e.headline();
    if (e.located && e.line) headline += " (line " + std::to_string(e.line) + ")";
    std::string out;
    if (e.located && e.line && e.file != source.name()) {
        // The error happened in another file (a summoned module): show that file's line.
        out = e.file + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) + ": " +
              headline + "\n";
        if (detail == ErrorDetail::Full) {
            try {
                out = format_diagnostic(SourceFile::read(e.file), SourceLocation{e.line, e.column},
                                        headline);
            } catch (const std::exception&) {
                // The module is gone or unreadable now: its location alone.
            }
        }
    } else if (e.located && e.line) {
        out = format_diagnostic(source, SourceLocation{e.line, e.column}, headline, detail);
    } else {
        out = source.name() + ": " + headline + "\n";
    }
    if (detail == ErrorDetail::Full && !e.stack.empty()) {
        out += "Call stack (innermost first):\n";
        // A deep stack (a runaway recursion) shows its innermost and outermost frames only.
        constexpr std::size_t kInnermost = 10, kOutermost = 5;
        const std::size_t frames = e.stack.size();
        const bool cut = frames > kInnermost + kOutermost + 1;
        for (std::size_t i = 0; i < frames; ++i) {
            if (cut && i == kInnermost) {
                out += "  ... " + std::to_string(frames - kInnermost - kOutermost) +
                       " more frames ...\n";
                i = frames - kOutermost;
            }
            const runtime::StackEntry& s = e.stack[i];
            out += "  at " + s.function + " (" + s.file + ":" + std::to_string(s.line) + ":" +
                   std::to_string(s.column) + ")\n";
        }
    }
    return out;
}

}  // namespace glimmer::interp
