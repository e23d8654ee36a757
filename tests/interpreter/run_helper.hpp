// Runs Glimmer-Weave source in a fresh runtime and captures what print/println wrote.
#pragma once

#include <boost/test/tools/assertion_result.hpp>
#include <optional>
#include <string>

#include "interpreter/vm/interpreter.hpp"
#include "runtime/runtime.hpp"

namespace glimmer::tests {

struct ScriptResult {
    std::string output;
    std::optional<runtime::ErrorKind> error;
    std::string message;
    std::uint32_t line = 0;
    std::string trace;  // the formatted diagnostic with call stack
};

inline ScriptResult run_script(const std::string& code, runtime::RuntimeConfig config = {},
                               interp::vm::VmLimits limits = {}) {
    ScriptResult r;
    config.output = [&r](std::string_view s) { r.output += s; };
    runtime::Runtime rt(std::move(config));
    interp::Interpreter in(rt, limits);
    interp::SourceFile source("test.gw", code);
    try {
        in.run(source);
    } catch (const runtime::RuntimeError& e) {
        r.error = e.kind();
        r.message = e.message();
        r.line = e.line;
        r.trace = interp::Interpreter::format_runtime_error(source, e);
    }
    return r;
}

// `BOOST_TEST(prints(code, expected))`: the script ran without error and printed exactly
// `expected`; otherwise the message says what it printed or which error stopped it.
inline boost::test_tools::assertion_result prints(const std::string& code,
                                                  const std::string& expected,
                                                  runtime::RuntimeConfig config = {},
                                                  interp::vm::VmLimits limits = {}) {
    ScriptResult r = run_script(code, std::move(config), limits);
    boost::test_tools::assertion_result ok(!r.error && r.output == expected);
    if (r.error) {
        ok.message() << "runtime error: " << r.message;
    } else if (r.output != expected) {
        ok.message() << "printed [" << r.output << "], expected [" << expected << "]";
    }
    return ok;
}

}  // namespace glimmer::tests
