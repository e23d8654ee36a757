// The collector under real scripts: stress mode gives identical output, and a script making
// millions of short-lived objects keeps a small bounded footprint.
#include <boost/test/unit_test.hpp>

#include "heap/heap.hpp"
#include "run_helper.hpp"

using glimmer::tests::run_script;

namespace {
const char* kMixed =
    "form Node with\n  value as Number\n  next as T\nend\n"
    "chant build(n) then\n"
    "  weave head as nothing\n"
    "  for each i in range(0, n) then\n"
    "    set head to Node { value: i, next: head }\n"
    "  end\n"
    "  yield head\n"
    "end\n"
    "chant total(node) then\n"
    "  weave s as 0\n"
    "  weave cur as node\n"
    "  whilst cur is not nothing then\n"
    "    set s to s + cur.value\n"
    "    set cur to cur.next\n"
    "  end\n"
    "  yield s\n"
    "end\n"
    "weave words as {}\n"
    "for each w in split(\"a b c a b a\", \" \") then\n"
    "  should map_has(words, w) then set words[w] to words[w] + 1 otherwise set words[w] to 1 end\n"
    "end\n"
    "chant adder(k) then\n  chant add(x) then yield x + k end\n  yield add\nend\n"
    "weave fs as []\n"
    "for each i in range(0, 20) then set fs to list_push(fs, adder(i)) end\n"
    "weave acc as \"\"\n"
    "for each f in fs then set acc to acc + to_text(f(1)) + \",\" end\n"
    "println(total(build(300)), words, acc, Present([1, {x: \"y\"}]))\n";
}

BOOST_AUTO_TEST_SUITE(interpreter_gc)

BOOST_AUTO_TEST_CASE(stress_mode_output_equals_normal_output) {
    auto normal = run_script(kMixed);
    glimmer::runtime::RuntimeConfig stress;
    stress.gc_stress = true;
    auto stressed = run_script(kMixed, stress);
    BOOST_TEST(!normal.error, normal.message);
    BOOST_TEST(!stressed.error, stressed.message);
    BOOST_TEST(normal.output == stressed.output);
    BOOST_TEST(normal.output.find("44850 {a: 3, b: 2, c: 1}") == 0u);
}

BOOST_AUTO_TEST_CASE(millions_of_short_lived_objects_keep_a_bounded_footprint) {
    glimmer::runtime::RuntimeConfig config;
    config.output = [](std::string_view) {};
    glimmer::runtime::Runtime rt(config);
    glimmer::interp::Interpreter in(rt);
    // 3 objects per iteration (a list, its item buffer, a wrapper): 3 million objects.
    in.run(
        "weave keep as 0\n"
        "for each i in range(0, 1000000) then\n"
        "  bind tmp to Present([i, i + 1])\n"
        "  set keep to keep + 1\n"
        "end\n");
    BOOST_TEST(rt.stats().allocations > 3000000u);
    BOOST_TEST(rt.stats().collections > 10u);
    BOOST_TEST(rt.stats().bytes_peak < 8u * 1024 * 1024, "peak " << rt.stats().bytes_peak);
    GwHeapStats h = rt.heap().stats();
    BOOST_TEST(h.peak_footprint_bytes < 24u * 1024 * 1024, "footprint " << h.peak_footprint_bytes);
}

BOOST_AUTO_TEST_CASE(memory_limit_is_a_clean_out_of_memory_error) {
    glimmer::runtime::RuntimeConfig config;
    config.memory_limit = 8u << 20;
    auto r = run_script(
        "weave xs as []\n"
        "whilst true then set xs to list_push(xs, [1, 2, 3, 4]) end\n",
        config);
    BOOST_REQUIRE(r.error);
    BOOST_TEST(error_kind_name(*r.error) == "OutOfMemory");
    auto after = run_script(
        "weave xs as []\n"
        "attempt\n"
        "  whilst true then set xs to list_push(xs, [1, 2, 3, 4]) end\n"
        "harmonize on OutOfMemory then\n"
        "  set xs to 0\n"
        "  println(\"recovered\")\n"
        "end\n"
        "set xs to []\n"
        "println(list_length(list_push(xs, 1)))\n",
        config);
    BOOST_TEST(!after.error, after.message);
    BOOST_TEST(after.output == "recovered\n1\n");
}

BOOST_AUTO_TEST_SUITE_END()
