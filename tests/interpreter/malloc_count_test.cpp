// While a script runs, the process's system allocator stays (almost) idle while the Glimmer
// heap serves hundreds of thousands of requests. malloc is interposed in this executable
// (operator new reaches it too) and counted.
#include <boost/test/unit_test.hpp>
#include <cstddef>

#include "run_helper.hpp"

extern "C" void* __libc_malloc(std::size_t);
extern "C" void* __libc_calloc(std::size_t, std::size_t);
extern "C" void* __libc_realloc(void*, std::size_t);

namespace {
std::size_t g_system_allocations = 0;  // test instrumentation only
}

extern "C" void* malloc(std::size_t n) {
    ++g_system_allocations;
    return __libc_malloc(n);
}
extern "C" void* calloc(std::size_t n, std::size_t m) {
    ++g_system_allocations;
    return __libc_calloc(n, m);
}
extern "C" void* realloc(void* p, std::size_t n) {
    ++g_system_allocations;
    return __libc_realloc(p, n);
}

BOOST_AUTO_TEST_SUITE(interpreter_malloc_count)

BOOST_AUTO_TEST_CASE(script_objects_never_touch_the_system_allocator) {
    glimmer::runtime::RuntimeConfig config;
    std::string out;
    out.reserve(1024);
    config.output = [&out](std::string_view s) { out += s; };
    glimmer::runtime::Runtime rt(config);
    glimmer::interp::Interpreter in(rt);
    glimmer::interp::SourceFile source("count.gw",
                                       "form P with\n  x as Number\n  y as Number\nend\n"
                                       "chant make(i) then yield P { x: i, y: i * 2 } end\n"
                                       "weave total as 0\n"
                                       "weave words as {}\n"
                                       "weave text as \"\"\n"
                                       "for each i in range(0, 50000) then\n"
                                       "  bind p to make(i)\n"
                                       "  bind l to [p.x, p.y, to_text(i)]\n"
                                       "  bind w to Triumph(l)\n"
                                       "  set total to total + p.y + list_length(l)\n"
                                       "  set words[to_text(i % 50)] to i\n"
                                       "  set text to text + \"ab\"\n"
                                       "  chant f(z) then yield z + i end\n"
                                       "  set total to total + f(1)\n"
                                       "end\n"
                                       "print(total, map_size(words), length(text))\n");
    auto* proto = in.compile(source);
    glimmer::runtime::Handle keep(rt, glimmer::runtime::Value::object(proto));
    std::uint64_t heap_before = rt.stats().allocations;
    std::size_t system_before = g_system_allocations;
    in.vm().run(proto);
    std::size_t system_calls = g_system_allocations - system_before;
    std::uint64_t heap_calls = rt.stats().allocations - heap_before;
    BOOST_TEST(out == "3750125000 50 100000");
    BOOST_TEST(heap_calls > 300000u, "heap served " << heap_calls);
    BOOST_TEST(system_calls < 20u, "system allocations during the run: " << system_calls);
}

BOOST_AUTO_TEST_SUITE_END()
