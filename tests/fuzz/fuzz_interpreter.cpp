// fuzz_interpreter.cpp — the whole interpreter (parse, compile, run) on arbitrary source, under
// small limits: 8 MiB of heap, 20,000 steps, 200 nested calls, 64 KiB of output kept.
//
// Every input ends normally, with a SyntaxError or with a located RuntimeError whose report can
// be formatted; afterwards the heap check and Runtime::verify() pass, and destroying the runtime
// frees everything (ASan's leak check in the fuzz build). Nothing else may escape.
#include <string>

#include "fuzz_entry.hpp"
#include "gw_heap.h"
#include "heap/heap.hpp"
#include "interpreter/source.hpp"
#include "interpreter/vm/interpreter.hpp"
#include "runtime/runtime.hpp"

extern "C" int GLIMMER_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
    using namespace glimmer;
    interp::SourceFile source("fuzz.gw", std::string(reinterpret_cast<const char*>(data), size));
    std::size_t printed = 0;
    runtime::RuntimeConfig config;
    config.memory_limit = 8u << 20;
    config.output = [&printed](std::string_view s) { printed += s.size(); };
    runtime::Runtime rt(std::move(config));
    rt.step_limit = 20000;
    interp::vm::VmLimits limits;
    limits.max_frames = 200;
    try {
        interp::Interpreter interpreter(rt, limits);
        interpreter.run(source);
    } catch (const interp::SyntaxError& e) {
        FUZZ_REQUIRE(e.location().line >= 1 && !e.detail().empty(), "bad syntax error: %s",
                     e.what());
    } catch (const runtime::RuntimeError& e) {
        std::string report = interp::Interpreter::format_runtime_error(source, e);
        FUZZ_REQUIRE(report.find("Runtime error") != std::string::npos,
                     "runtime error report without 'Runtime error': %s", report.c_str());
    } catch (const std::exception& e) {
        FUZZ_REQUIRE(false, "the interpreter let a non-script exception escape: %s", e.what());
    }
    int status = gw_heap_check(rt.heap().raw());
    FUZZ_REQUIRE(status == GW_OK, "gw_heap_check after the run: %s", gw_heap_status_name(status));
    std::string damage = rt.verify();
    FUZZ_REQUIRE(damage.empty(), "Runtime::verify after the run: %s", damage.c_str());
    GwHeapStats stats = rt.heap().stats();
    FUZZ_REQUIRE(stats.peak_footprint_bytes <= (8u << 20), "footprint %zu over the 8 MiB limit",
                 stats.peak_footprint_bytes);
    return 0;
}
