// Extended features (LANGUAGE.md §14): variants, traits, iterators, higher-order helpers,
// modules (files in a temporary folder).
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <random>

#include "run_helper.hpp"

using glimmer::runtime::ErrorKind;
using glimmer::tests::prints;
using glimmer::tests::run_script;

namespace {

// A fresh folder under the system temp dir, removed at the end of the test.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::random_device rd;
        path = std::filesystem::temp_directory_path() /
               ("glimmer-ext-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string write(const std::string& name, const std::string& text) const {
        std::filesystem::path p = path / name;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p) << text;
        return p.string();
    }
};

glimmer::tests::ScriptResult run_file(const std::string& file) {
    glimmer::tests::ScriptResult r;
    glimmer::runtime::RuntimeConfig config;
    config.output = [&r](std::string_view s) { r.output += s; };
    glimmer::runtime::Runtime rt(config);
    glimmer::interp::Interpreter in(rt);
    try {
        in.run(glimmer::interp::SourceFile::read(file));
    } catch (const glimmer::runtime::RuntimeError& e) {
        r.error = e.kind();
        r.message = e.message();
    }
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(interpreter_extended)

BOOST_AUTO_TEST_CASE(variants_construct_display_and_match) {
    auto r = run_script(
        "variant Shape then\n  Circle(radius: Number)\n  Rect(w: Number, h: Number)\n  Dot\nend\n"
        "chant area(s) then\n  match s with\n"
        "    when Circle(r) then yield 3 * r * r\n"
        "    when Rect(w, h) then yield w * h\n"
        "    when Dot then yield 0\n  end\nend\n"
        "println(Circle(2), Dot, type_of(Rect(1, 2)), area(Circle(1)), area(Rect(2, 3)), "
        "area(Dot))\n"
        "println(Circle(1) is Circle(1), Circle(1) is Circle(2), variant_or(Rect(1, 2), \"Rect\", "
        "0))\n");
    BOOST_TEST(!r.error, r.message);
    BOOST_TEST(r.output == "Circle(2) Dot Rect 3 6 0\ntrue false [1, 2]\n");
    // Field types of a data variant are not checked (the reference checks only the count).
    auto any = run_script("variant V then\n  C(n: Number)\nend\nprintln(C(\"x\"))\n");
    BOOST_TEST(!any.error, any.message);
    BOOST_TEST(any.output == "C(\"x\")\n");
    auto bad = run_script("variant V then\n  C(n: Number)\nend\nC(1, 2)\n");
    BOOST_TEST((bad.error && *bad.error == ErrorKind::ArityMismatch));
}

BOOST_AUTO_TEST_CASE(traits_dispatch_on_the_receiver_type) {
    auto r = run_script(
        "form Rect with\n  w as Number\n  h as Number\nend\n"
        "aspect Shape then\n  chant area(self) -> Number\nend\n"
        "embody Shape for Rect then\n  chant area(self) then yield self.w * self.h end\nend\n"
        "embody Shape for Number then\n  chant area(self) then yield self * self end\nend\n"
        "println(Rect { w: 3, h: 4 }.area(), 5.area())\n"
        "bind m to {f: chant(x) then yield x + 1 end}\n"
        "println(m.f(1))\n");
    BOOST_TEST(!r.error, r.message);
    BOOST_TEST(r.output == "12 25\n2\n");
    BOOST_TEST(*run_script("form P with\n  x as Number\nend\nP { x: 1 }.nope()").error ==
               ErrorKind::FieldNotFound);
    BOOST_TEST(*run_script("\"text\".nope()").error == ErrorKind::TypeError);
}

BOOST_AUTO_TEST_CASE(iterators_are_lazy_and_immutable) {
    BOOST_TEST(
        prints("weave calls as 0\n"
               "chant noisy(x) then\n  set calls to calls + 1\n  yield x * 10\nend\n"
               "bind it to iter_map(iter(range(0, 1000000000)), noisy)\n"
               "println(calls, iter_collect(iter_take(it, 3)), calls)\n"
               "bind head to iter_next(iter([7, 8]))\n"
               "println(head[1], iter_next(head[0])[1], iter_next(iter([]))[1])\n"
               "chant add(a, b) then yield a + b end\n"
               "println(iter_fold(iter([1, 2, 3]), 0, add))\n",
               "0 [0, 10, 20] 3\nPresent(7) Present(8) Absent\n6\n"));
}

BOOST_AUTO_TEST_CASE(iterator_pipelines_survive_collections) {
    glimmer::runtime::RuntimeConfig stress;
    stress.gc_stress = true;
    BOOST_TEST(prints(
        "chant sq(x) then yield [x * x] end\n"
        "chant big(l) then yield l[0] greater than 10 end\n"
        "println(iter_collect(iter_take(iter_filter(iter_map(iter(range(0, 100)), sq), big), "
        "3)))\n",
        "[[16], [25], [36]]\n", stress));
}

BOOST_AUTO_TEST_CASE(higher_order_outcome_helpers_call_back) {
    BOOST_TEST(prints(
        "chant double(x) then yield x * 2 end\n"
        "chant fallback(e) then yield \"fixed \" + e end\n"
        "println(Triumph(2) | refine_triumph(double), Mishap(\"e\") | refine_triumph(double))\n"
        "println(triumph_or_else(Mishap(\"boom\"), fallback), present_or_else(Absent, chant() then "
        "yield 0 end))\n",
        "Triumph(4) Mishap(\"e\")\nfixed boom 0\n"));
}

BOOST_AUTO_TEST_CASE(modules_load_once_and_keep_state) {
    TempDir dir;
    dir.write("lib/counter.gw",
              "grove Counter with\n  weave n as 0\n"
              "  chant bump() then\n    set n to n + 1\n    yield n\n  end\n  offer bump\nend\n");
    dir.write("lib/user.gw",
              "grove User with\n  summon Counter from \"counter.gw\"\n"
              "  chant twice() then\n    Counter.bump()\n    yield Counter.bump()\n  end\n"
              "  offer twice\nend\n");
    std::string main = dir.write("main.gw",
                                 "summon Counter from \"lib/counter.gw\"\n"
                                 "summon User from \"lib/user.gw\" as U\n"
                                 "gather bump as b from Counter\n"
                                 "println(Counter.bump(), U.twice(), b(), Counter)\n");
    auto r = run_file(main);
    BOOST_TEST(!r.error, r.message);
    BOOST_TEST(r.output == "1 3 4 <module: Counter>\n");
}

BOOST_AUTO_TEST_CASE(module_errors_are_runtime_errors) {
    TempDir dir;
    dir.write("a.gw", "grove A with\n  summon B from \"b.gw\"\n  bind x to 1\n  offer x\nend\n");
    dir.write("b.gw", "grove B with\n  summon A from \"a.gw\"\n  bind y to 1\n  offer y\nend\n");
    dir.write("m.gw", "grove M with\n  bind hidden to 1\n  bind shown to 2\n  offer shown\nend\n");
    auto cycle = run_file(dir.write("cycle.gw", "summon A from \"a.gw\"\n"));
    BOOST_REQUIRE(cycle.error);
    BOOST_TEST(cycle.message.find("cycle") != std::string::npos);
    auto missing = run_file(dir.write("missing.gw", "summon X from \"nope.gw\"\n"));
    BOOST_REQUIRE(missing.error);
    BOOST_TEST(missing.message.find("nope.gw") != std::string::npos);
    auto outside = run_file(dir.write("outside.gw", "summon X from \"../x.gw\"\n"));
    BOOST_REQUIRE(outside.error);
    BOOST_TEST(outside.message.find("module root") != std::string::npos);
    auto hidden = run_file(dir.write("hidden.gw", "summon M from \"m.gw\"\nprintln(M.hidden)\n"));
    BOOST_TEST((hidden.error && *hidden.error == ErrorKind::FieldNotFound));
}

BOOST_AUTO_TEST_SUITE_END()
