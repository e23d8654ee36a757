// While a script runs, the process's system allocator stays (almost) idle while the Glimmer
// heap serves hundreds of thousands of requests. malloc is interposed in this executable
// (operator new reaches it too) and counted.
#include <boost/test/unit_test.hpp>
#include <cstddef>
#include <string>

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

namespace {

struct Counts {
    std::size_t system = 0;  // malloc, calloc, realloc
    std::uint64_t heap = 0;  // Glimmer heap allocations
};

// The allocations made while `step` runs.
template <class Step>
Counts count(glimmer::runtime::Runtime& rt, Step step) {
    std::uint64_t heap_before = rt.stats().allocations;
    std::size_t system_before = g_system_allocations;
    step();
    return {g_system_allocations - system_before, rt.stats().allocations - heap_before};
}

// Compiles `code` in `rt`, then counts the allocations of running it.
Counts count_run(glimmer::runtime::Runtime& rt, const std::string& code) {
    glimmer::interp::Interpreter in(rt);
    auto* proto = in.compile(glimmer::interp::SourceFile("count.gw", code));
    glimmer::runtime::Handle keep(rt, glimmer::runtime::Value::object(proto));
    return count(rt, [&] { in.vm().run(proto); });
}

Counts count_compile(const std::string& code) {
    glimmer::runtime::Runtime rt;
    glimmer::interp::Interpreter in(rt);
    glimmer::interp::SourceFile source("generated.gw", code);
    return count(rt, [&] { in.compile(source); });
}

// A script of `chants` chants, each with parameters, locals, constants, a loop with a value, a
// match, a closure and a struct literal: every table the compiler keeps per chant is used, and
// long names and texts, which the lexer's tokens hold in full.
std::string generated_script(int chants) {
    std::string code =
        "form Pair with\n  left as Number\n  right as List<Number>\nend\n"
        "variant Shape then\n  Dot,\n  Circle(r: Number)\nend\n";
    for (int i = 0; i < chants; ++i) {
        std::string n = std::to_string(i);
        code += "chant f" + n + "(a, b, ...rest) then\n";
        code += "  weave t as [a, b, " + n + ", \"s" + n + "\"]\n";
        code += "  bind a_local_name_longer_than_sso_" + n +
                " to \"a text literal longer than the short-string buffer\"\n";
        code += "  chant g(x) then yield x + a + " + n + ".5 end\n";
        code += "  for each v in t then\n";
        code += "    should v is a then break end\n";
        code += "    set t to list_push(t, g(" + n + "))\n";
        code += "  end\n";
        code += "  match Circle(a) with\n";
        code += "    when Dot then yield Pair { left: " + n + ", right: [] }\n";
        code += "    when Circle(r) then yield r + " + n + "\n";
        code += "  end\n";
        code += "end\n";
    }
    return code + "println(f0(1, 2))\n";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(interpreter_malloc_count)

BOOST_AUTO_TEST_CASE(script_objects_never_touch_the_system_allocator) {
    glimmer::runtime::RuntimeConfig config;
    std::string out;
    out.reserve(1024);
    config.output = [&out](std::string_view s) { out += s; };
    glimmer::runtime::Runtime rt(config);
    Counts c = count_run(rt,
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
    BOOST_TEST(out == "3750125000 50 100000");
    BOOST_TEST(c.heap > 300000u, "heap served " << c.heap);
    BOOST_TEST(c.system < 20u, "system allocations during the run: " << c.system);
}

// print/println build each line on the heap, sorting map keys and struct fields there too.
BOOST_AUTO_TEST_CASE(printing_in_a_loop_never_touches_the_system_allocator) {
    glimmer::runtime::RuntimeConfig config;
    std::size_t bytes = 0;
    config.output = [&bytes](std::string_view s) { bytes += s.size(); };
    glimmer::runtime::Runtime rt(config);
    Counts c = count_run(
        rt,
        "form P with\n  x as Number\n  y as Number\nend\n"
        "for each i in range(0, 20000) then\n"
        "  println(\"a line longer than the short-string buffer\", i * 1.25, [i, \"t\"])\n"
        "  print({b: i, a: [i]}, P { x: i, y: 0.1 }, Present(123456789.123456789), \"\\n\")\n"
        "end\n");
    BOOST_TEST(bytes > 20000u * 100);
    BOOST_TEST(c.heap > 40000u, "heap served " << c.heap);
    BOOST_TEST(c.system < 20u, "system allocations during the run: " << c.system);
}

// The lexer's tokens and the compiler's tables (locals, upvalues, constant indexes, loops, patch
// lists) grow with the script and live on the Glimmer heap: compiling 4x more chants costs no
// more system calls.
BOOST_AUTO_TEST_CASE(compiling_a_large_script_keeps_the_system_allocator_flat) {
    Counts small = count_compile(generated_script(200));
    Counts large = count_compile(generated_script(800));
    BOOST_TEST_MESSAGE("compiling 200 -> 800 chants: system allocations "
                       << small.system << " -> " << large.system << ", heap " << small.heap
                       << " -> " << large.heap);
    BOOST_TEST(large.heap > 3 * small.heap, "heap " << small.heap << " -> " << large.heap);
    BOOST_TEST(large.system <= small.system + 4,
               "system allocations while compiling: " << small.system << " -> " << large.system);
    BOOST_TEST(large.system * 100 < large.heap,
               "system " << large.system << ", heap " << large.heap);
}

BOOST_AUTO_TEST_SUITE_END()
