// engine_test.cpp — the C++ embedding API (interpreter/api/glimmer.hpp): running scripts,
// calling functions, host functions, value conversion, handles and every error path.
#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <glimmer/glimmer.hpp>

using glimmer::Engine;
using glimmer::Error;
using glimmer::ErrorKind;
using glimmer::Value;

namespace {

// An engine whose print output lands in `out`.
glimmer::Config capture(std::string& out) {
    glimmer::Config c;
    c.output = [&out](std::string_view s) { out += s; };
    return c;
}

// Runs `body`, which must throw a glimmer::Error of `kind`; returns it.
template <class Body>
Error expect_error(ErrorKind kind, Body&& body) {
    try {
        body();
    } catch (const Error& e) {
        BOOST_TEST_INFO("what(): " << e.what());
        BOOST_TEST(glimmer::error_kind_name(e.kind()) == glimmer::error_kind_name(kind));
        return e;
    }
    BOOST_FAIL("no error thrown, expected " << glimmer::error_kind_name(kind));
    return Error(kind, "");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(api)
BOOST_AUTO_TEST_SUITE(engine)

BOOST_AUTO_TEST_CASE(run_returns_the_last_value_and_print_goes_to_the_sink) {
    std::string out;
    Engine e(capture(out));
    Value v = e.run("println(\"hi\", 1 + 2)\nbind x to 40\nx + 2");
    BOOST_TEST(out == "hi 3\n");
    BOOST_TEST(v.as_number() == 42);
}

BOOST_AUTO_TEST_CASE(definitions_persist_across_runs_and_calls) {
    Engine e;
    e.run("chant twice(x) then yield x * 2 end\nweave count as 0");
    e.run("set count to count + 5");
    BOOST_TEST(e.call("twice", {21}).as_number() == 42);
    BOOST_TEST(e.get_global("count").as_number() == 5);
    BOOST_TEST(e.has_global("twice"));
    BOOST_TEST(!e.has_global("thrice"));
}

// Operands keep the value they were read with (LANGUAGE.md §4, §5) also when the chant that
// updates the variable in place was defined by an earlier run in the same engine.
BOOST_AUTO_TEST_CASE(operands_survive_a_chant_from_an_earlier_run) {
    std::string out;
    Engine e(capture(out));
    e.run("weave xs as [0, 2]\nchant poke() then\n  set xs[0] to 99\n  yield 0\nend");
    e.run("set xs[0] to 7\nprintln([xs, poke()])");
    e.run("set xs[0] to 7\nweave xs as xs\nprintln(list_push(xs, poke()))");
    BOOST_TEST(out == "[[7, 2], 0]\n[7, 2, 0]\n");
}

BOOST_AUTO_TEST_CASE(values_convert_both_ways) {
    Engine e;
    e.run("chant echo(v) then yield v end");
    Value::Map m{{"b", Value::list({1, "two", true, nullptr})}, {"a", Value(Value::Map{})}};
    Value back = e.call("echo", {Value(m)});
    BOOST_TEST(back == Value(m));
    BOOST_TEST(back.display() == "{a: {}, b: [1, \"two\", true, nothing]}");
    BOOST_TEST(e.call("echo", {"text"}).as_text() == "text");
    BOOST_TEST(e.call("echo", {false}).as_truth() == false);
    BOOST_TEST(e.call("echo", {Value()}).is_nothing());
    BOOST_TEST(e.call("echo", {0.1}).as_number() == 0.1);
    Value got = e.run("[1, {k: \"v\"}, \"x\"]");
    BOOST_TEST(got.as_list().size() == 3u);
    BOOST_TEST(got.as_list()[1].as_map().at("k").as_text() == "v");
    BOOST_TEST(got.display() == "[1, {k: \"v\"}, \"x\"]");
}

BOOST_AUTO_TEST_CASE(script_values_without_a_host_form_arrive_as_other) {
    Engine e;
    Value f = e.run("chant f() then yield 1 end\nf");
    BOOST_TEST((f.type() == Value::Type::Other));
    BOOST_TEST(f.type_name() == "Chant");
    BOOST_TEST(f.display() == "<function>");
    e.run("chant echo(v) then yield v end");
    Error err = expect_error(ErrorKind::TypeError, [&] { e.call("echo", {f}); });
    BOOST_TEST(err.message().find("Handle") != std::string::npos);
    BOOST_TEST(e.run("Present(3)").display() == "Present(3)");
}

BOOST_AUTO_TEST_CASE(reading_a_value_as_the_wrong_type_is_a_type_error) {
    Value v("text");
    Error err = expect_error(ErrorKind::TypeError, [&] { (void)v.as_number(); });
    BOOST_TEST(err.message() == "expected a Number, got a Text");
    expect_error(ErrorKind::TypeError, [&] { (void)Value(1).as_list(); });
    expect_error(ErrorKind::TypeError, [&] { (void)Value().as_map(); });
    expect_error(ErrorKind::TypeError, [&] { (void)Value(true).as_text(); });
    expect_error(ErrorKind::TypeError, [&] { (void)Value(2).as_truth(); });
}

BOOST_AUTO_TEST_CASE(typed_host_functions_take_and_return_every_kind) {
    std::string out;
    Engine e(capture(out));
    e.register_function("add", [](double a, double b) { return a + b; });
    e.register_function("shout", [](std::string s) { return s + "!"; });
    e.register_function("negate", [](bool b) { return !b; });
    e.register_function("count", [](const Value::List& l) { return l.size(); });
    e.register_function("keys", [](Value::Map m) {
        Value::List keys;
        for (auto& [k, v] : m)
            keys.emplace_back(k);
        return keys;
    });
    e.register_function("nothing_at_all", [] {});
    e.register_function("pair", [](int a, std::string_view b) {
        return Value::Map{{"n", a}, {"s", std::string(b)}};
    });
    e.run(
        "println(add(1, 2), shout(\"hey\"), negate(false), count([1, 2, 3]), keys({b: 1, a: 2}))\n"
        "println(nothing_at_all(), pair(7, \"x\"))");
    BOOST_TEST(out == "3 hey! true 3 [\"a\", \"b\"]\nnothing {n: 7, s: \"x\"}\n");
}

int plain_square(int x) {
    return x * x;
}

BOOST_AUTO_TEST_CASE(plain_functions_and_capturing_lambdas_register) {
    Engine e;
    int calls = 0;
    e.register_function("square", plain_square);
    e.register_function("tick", [&calls]() mutable { return ++calls; });
    BOOST_TEST(e.run("tick()\ntick()\nsquare(tick())").as_number() == 9);
    BOOST_TEST(calls == 3);
}

BOOST_AUTO_TEST_CASE(variadic_host_functions_see_every_argument) {
    Engine e;
    e.register_function("total", -1, [](std::span<const Value> args) {
        double sum = 0;
        for (const Value& a : args)
            sum += a.as_number();
        return Value(sum);
    });
    BOOST_TEST(e.run("total()").as_number() == 0);
    BOOST_TEST(e.run("total(1, 2, 3, 4)").as_number() == 10);
    Error err = expect_error(ErrorKind::TypeError, [&] { e.run("total(1, \"x\")"); });
    BOOST_TEST(err.line() == 1u);
}

BOOST_AUTO_TEST_CASE(host_function_argument_errors_are_script_errors) {
    Engine e;
    e.register_function("add", [](double a, double b) { return a + b; });
    Error arity = expect_error(ErrorKind::ArityMismatch, [&] { e.run("add(1)", "host.gw"); });
    BOOST_TEST(arity.location().rfind("host.gw:1:", 0) == 0u);
    Error type = expect_error(ErrorKind::TypeError, [&] { e.run("add(1, \"2\")"); });
    BOOST_TEST(type.message() == "argument 2 of 'add' must be a Number, got a Text");
    e.register_function("whole", [](int n) { return n; });
    expect_error(ErrorKind::TypeError, [&] { e.run("whole(1.5)"); });
    // Numbers outside an integer parameter's range are refused, not wrapped (the cast would be
    // undefined behaviour; an int8_t parameter got 44 for 300, a uint64_t one 2^64 - 1 for -1).
    e.register_function("byte", [](std::int8_t n) { return n; });
    e.register_function("count", [](std::uint64_t n) { return static_cast<double>(n); });
    BOOST_TEST(e.run("byte(-128) + byte(127)").as_number() == -1);
    Error range = expect_error(ErrorKind::TypeError, [&] { e.run("byte(300)"); });
    BOOST_TEST(range.message() ==
               "argument 1 of 'byte' must be a whole Number from -128 to 127, got a Number");
    expect_error(ErrorKind::TypeError, [&] { e.run("byte(-129)"); });
    expect_error(ErrorKind::TypeError, [&] { e.run("count(-1)"); });
    expect_error(ErrorKind::TypeError, [&] { e.run("count(pow(2, 64))"); });
    expect_error(ErrorKind::TypeError, [&] { e.run("count(to_number(\"nan\"))"); });
    expect_error(ErrorKind::TypeError, [&] { e.run("whole(pow(2, 40))"); });
    BOOST_TEST(e.run("count(pow(2, 63))").as_number() == 9223372036854775808.0);
    BOOST_TEST(e.run("whole(0 - 2147483648)").as_number() == -2147483648.0);
    // ... and scripts can catch them.
    BOOST_TEST(e.run("weave r as 0\nattempt\n  add(1)\nharmonize on ArityMismatch then\n"
                     "  set r to 1\nend\nr")
                   .as_number() == 1);
}

BOOST_AUTO_TEST_CASE(host_exceptions_become_catchable_script_errors) {
    Engine e;
    e.register_function("fail", [](std::string why) -> double { throw std::runtime_error(why); });
    e.register_function("typed",
                        []() -> double { throw Error(ErrorKind::DivisionByZero, "host says no"); });
    Error err = expect_error(ErrorKind::CustomError, [&] { e.run("\n  fail(\"boom\")", "f.gw"); });
    BOOST_TEST(err.message() == "host function 'fail' failed: boom");
    BOOST_TEST(err.location().rfind("f.gw:2:", 0) == 0u);
    BOOST_TEST(std::string(err.what()).find(": Runtime error: CustomError: host function") !=
               std::string::npos);
    BOOST_TEST(e.run("weave r as \"\"\nattempt\n  typed()\nharmonize on DivisionByZero then\n"
                     "  set r to \"caught\"\nend\nr")
                   .as_text() == "caught");
}

// A host function that calls back into the script, where the call fails: the error keeps
// where it happened and every frame, the host function's callers included (it used to carry
// only the host function's call site, and no frame of the nested call).
BOOST_AUTO_TEST_CASE(an_error_from_a_nested_call_keeps_its_location_and_frames) {
    Engine e;
    e.run("chant inner() then\n  yield 1 / 0\nend\nchant middle() then\n  yield inner()\nend",
          "lib.gw");
    e.register_function("via_host", [&e]() -> Value { return e.call("middle"); });
    Error err = expect_error(ErrorKind::DivisionByZero, [&] {
        e.run("chant outer() then\n  yield via_host()\nend\nouter()", "main.gw");
    });
    BOOST_TEST(err.location() == "lib.gw:2:11");
    std::vector<std::string> frames;
    for (const glimmer::StackFrame& f : err.stack())
        frames.push_back(f.function + " " + f.file + ":" + std::to_string(f.line));
    const std::vector<std::string> expected{"inner lib.gw:2", "middle lib.gw:5", "outer main.gw:2",
                                            "<script> main.gw:4"};
    BOOST_TEST(frames == expected, boost::test_tools::per_element());
    // Scripts still catch it by its kind.
    BOOST_TEST(e.run("weave r as 0\nattempt\n  via_host()\nharmonize on DivisionByZero then\n"
                     "  set r to 1\nend\nr")
                   .as_number() == 1);
}

// A host may cast a number to ErrorKind (one read from a config, say). Past the last kind,
// error_kind_name read beyond the runtime's table of names (a run showed "ma") and the script
// saw that garbage as the kind; the C API's gw_raise already made such a kind a CustomError.
BOOST_AUTO_TEST_CASE(an_error_kind_past_the_last_one_is_named_and_raised_as_custom) {
    constexpr auto unknown = static_cast<ErrorKind>(200);
    BOOST_TEST(glimmer::error_kind_name(unknown) == "UnknownErrorKind");
    BOOST_TEST(glimmer::error_kind_name(static_cast<ErrorKind>(18)) == "UnknownErrorKind");
    Engine e;
    e.register_function("odd", []() -> double { throw Error(unknown, "odd kind"); });
    Error err = expect_error(ErrorKind::CustomError, [&] { e.run("odd()", "k.gw"); });
    BOOST_TEST(err.message() == "odd kind");
    BOOST_TEST(std::string(err.what()) == "k.gw:1:4: Runtime error: CustomError: odd kind");
    BOOST_TEST(e.run("attempt\n  odd()\nharmonize on CustomError then\n  1\nend").as_number() == 1);
}

// An Engine destroyed by one of its own host functions (a "quit" function resetting the
// host's unique_ptr) left the VM running in a freed runtime: UBSan reported a member access
// within a freed Vm and the run ended in a segfault. The running call now keeps the runtime.
BOOST_AUTO_TEST_CASE(a_host_function_may_destroy_the_engine_running_it) {
    std::string out;
    auto engine = std::make_unique<Engine>(capture(out));
    engine->register_function("quit", [&engine]() { engine.reset(); });
    engine->run(
        "chant later() then\n  weave xs as []\n  for each i in range(0, 2000) then\n"
        "    set xs to list_push(xs, [i])\n  end\n  yield list_length(xs)\nend");
    Value v = engine->run("quit()\nprintln(\"still running\")\nlater()", "quit.gw");
    BOOST_TEST(!engine);
    BOOST_TEST(out == "still running\n");
    BOOST_TEST(v.as_number() == 2000);

    auto second = std::make_unique<Engine>();
    second->register_function("quit", [&second]() { second.reset(); });
    second->run("chant inner(x) then\n  quit()\n  yield [x, x]\nend");
    Value w = second->call("inner", {7});  // through call() too, and its result
    BOOST_TEST(!second);
    BOOST_TEST(w.as_list().size() == 2u);

    auto third = std::make_unique<Engine>();
    third->register_function("quit", [&third]() { third.reset(); });
    glimmer::Handle h = third->evaluate("quit()\n[1, 2]");  // the handle keeps the runtime
    BOOST_TEST(!third);
    BOOST_TEST(h.display() == "[1, 2]");

    // Replaced by a move-assignment, or moved into an Engine that dies at once, mid-run.
    Engine fourth;
    fourth.register_function("swap", [&fourth]() { fourth = Engine(); });
    BOOST_TEST(fourth.run("swap()\nbind old to 1\n[old, 2]").as_list().size() == 2u);
    BOOST_TEST(!fourth.has_global("old"));  // the new engine
    BOOST_TEST(fourth.run("3").as_number() == 3);
    Engine fifth;
    fifth.register_function("away", [&fifth]() { Engine gone(std::move(fifth)); });
    BOOST_TEST(fifth.run("away()\n1 + 1").as_number() == 2);
    expect_error(ErrorKind::InvalidArgument, [&] { fifth.run("1"); });  // moved from
}

// The output sink is host code run by print/println: what it throws is a script error there
// too (a std::runtime_error went through `attempt` and out of run() as itself).
BOOST_AUTO_TEST_CASE(an_output_sink_that_throws_gives_a_catchable_script_error) {
    int writes = 0;
    glimmer::Config c;
    c.output = [&writes](std::string_view) {
        if (++writes == 1) throw std::runtime_error("disk full");
    };
    Engine e(std::move(c));
    Error err = expect_error(ErrorKind::CustomError, [&] { e.run("\n  println(1)", "out.gw"); });
    BOOST_TEST(err.message() == "the host's output failed: disk full");
    BOOST_TEST(err.location().rfind("out.gw:2:", 0) == 0u);
    BOOST_TEST(e.run("weave r as 0\nattempt\n  println(2)\nharmonize on CustomError then\n"
                     "  set r to 1\nend\nr")
                   .as_number() == 0);  // the second write went through
    writes = 0;
    BOOST_TEST(e.run("weave r as 0\nattempt\n  println(3)\nharmonize on CustomError then\n"
                     "  set r to 1\nend\nr")
                   .as_number() == 1);
}

BOOST_AUTO_TEST_CASE(returning_an_unconvertible_value_from_a_host_function_is_a_type_error) {
    Engine e;
    e.register_function("bad", [] { return Value::other("Chant", "<function>"); });
    expect_error(ErrorKind::TypeError, [&] { e.run("bad()"); });
}

BOOST_AUTO_TEST_CASE(host_function_reenters_the_runtime) {
    std::string out;
    Engine e(capture(out));
    e.run(
        "chant depth(n) then\n"
        "  should n is 0 then yield 0 end\n"
        "  yield 1 + depth(n - 1)\n"
        "end");
    // The host calls back into the script, deep enough to grow the VM's stack and frames.
    e.register_function("via_host", [&e](double n) { return e.call("depth", {n}); });
    e.register_function("nested_run", [&e](std::string code) { return e.run(code); });
    BOOST_TEST(e.run("bind a to [1, 2]\nbind r to via_host(5000)\nprintln(a)\nr").as_number() ==
               5000);
    BOOST_TEST(e.run("nested_run(\"via_host(3) + 1\") + 1").as_number() == 5);
    // An error inside the nested call travels out through the host function.
    Error err =
        expect_error(ErrorKind::UndefinedVariable, [&] { e.run("nested_run(\"ghost + 1\")"); });
    BOOST_TEST(err.message().find("ghost") != std::string::npos);
    // ... and the engine is still fine afterwards.
    BOOST_TEST(e.run("depth(10)").as_number() == 10);
    BOOST_TEST(out == "[1, 2]\n");
}

BOOST_AUTO_TEST_CASE(a_host_function_may_collect_define_and_call_through_handles_mid_script) {
    std::string out;
    Engine e(capture(out));
    glimmer::Handle square = e.evaluate("chant square(x) then yield x * x end\nsquare");
    e.register_function("busy", [&e, &square](double n) {
        e.collect_garbage();  // the script's live values are roots: nothing of theirs goes
        // Definitions from inside a running script: many, so the global table grows.
        for (int i = 0; i < 300; ++i)
            e.set_global("g" + std::to_string(i), i);
        e.register_function("late", [] { return "late"; });
        return e.call(square, {n});
    });
    BOOST_TEST(e.run("bind keep to [\"a\" + to_text(1), {k: [2]}]\n"
                     "weave total as 0\n"
                     "for each i in range(0, 3) then set total to total + busy(i + 1) end\n"
                     "println(keep, total, g299, late())\n"
                     "total")
                   .as_number() == 14);
    BOOST_TEST(out == "[\"a1\", {k: [2]}] 14 299 late\n");
    BOOST_TEST(e.memory_stats().collections >= 3u);
}

BOOST_AUTO_TEST_CASE(endless_reentry_through_a_host_function_is_a_stack_overflow) {
    Engine e;
    e.run("chant down() then yield again() end");
    int depth = 0;
    e.register_function("again", [&e, &depth] {
        ++depth;
        return depth % 2 ? e.run("down()") : e.call("down");
    });
    expect_error(ErrorKind::StackOverflow, [&] { e.run("again()", "deep.gw"); });
    BOOST_TEST(depth > 10);
    depth = 0;
    e.register_function("again", [] { return 1; });
    BOOST_TEST(e.run("again() + again()").as_number() == 2);
}

BOOST_AUTO_TEST_CASE(handles_keep_values_alive_across_collections) {
    Engine e;
    glimmer::Handle adder = e.evaluate(
        "chant make_adder(n) then\n"
        "  chant add(x) then yield x + n end\n"
        "  yield add\n"
        "end\n"
        "make_adder(10)");
    BOOST_TEST(adder.type_name() == "Chant");
    // Churn: allocate plenty of garbage, collect, then use the handle.
    e.run(
        "chant churn() then\n"
        "  weave xs as []\n"
        "  for each i in range(0, 20000) then set xs to list_push(xs, [i]) end\n"
        "  yield list_length(xs)\n"
        "end\n"
        "churn()");
    e.collect_garbage();
    BOOST_TEST(e.memory_stats().collections >= 1u);
    BOOST_TEST(e.call(adder, {5}).as_number() == 15);
    glimmer::Handle list = e.evaluate("[1, [2, 3]]");
    e.collect_garbage();
    BOOST_TEST(list.value().display() == "[1, [2, 3]]");
    glimmer::Handle copy = list;
    list = glimmer::Handle();
    e.collect_garbage();
    BOOST_TEST(copy.display() == "[1, [2, 3]]");
}

BOOST_AUTO_TEST_CASE(a_handle_may_outlive_its_engine_object) {
    glimmer::Handle h;
    {
        Engine e;
        h = e.evaluate("\"kept\"");
    }
    BOOST_TEST(h.value().as_text() == "kept");
}

BOOST_AUTO_TEST_CASE(handle_misuse_is_reported) {
    Engine a, b;
    glimmer::Handle empty;
    BOOST_TEST(empty.empty());
    expect_error(ErrorKind::InvalidArgument, [&] { (void)empty.value(); });
    expect_error(ErrorKind::InvalidArgument, [&] { a.call(empty); });
    glimmer::Handle f = a.evaluate("chant f() then yield 1 end\nf");
    expect_error(ErrorKind::InvalidArgument, [&] { b.call(f); });
    glimmer::Handle n = a.evaluate("5");
    expect_error(ErrorKind::NotCallable, [&] { a.call(n); });
    BOOST_TEST(a.global("f").type_name() == "Chant");
    expect_error(ErrorKind::UndefinedVariable, [&] { a.global("missing"); });
}

// A handle holds its value as a copy: the script's in-place updates of the variable it was
// taken from (`set s to s + t`, `set xs to list_push(xs, v)`) do not reach it.
BOOST_AUTO_TEST_CASE(a_handle_keeps_its_value_when_the_script_grows_the_variable) {
    Engine e;
    e.run(
        "weave s as \"\"\nfor each i in range(0, 50) then set s to s + \"x\" end\n"
        "weave xs as []\nset xs to list_push(xs, 1)\n");
    glimmer::Handle s = e.global("s");
    glimmer::Handle xs = e.global("xs");
    glimmer::Handle ev = e.evaluate("s");
    e.run("set s to s + \"y\"\nset xs to list_push(xs, 2)\n");
    BOOST_TEST(s.value().as_text() == std::string(50, 'x'));
    BOOST_TEST(ev.value().as_text() == std::string(50, 'x'));
    BOOST_TEST(xs.display() == "[1]");
    BOOST_TEST(e.global("s").value().as_text() == std::string(50, 'x') + "y");
}

BOOST_AUTO_TEST_CASE(empty_handles_say_so_and_a_failed_evaluate_gives_none) {
    glimmer::Handle empty;
    BOOST_TEST(!empty);
    expect_error(ErrorKind::InvalidArgument, [&] { (void)empty.type_name(); });
    expect_error(ErrorKind::InvalidArgument, [&] { (void)empty.display(); });
    Engine e;
    glimmer::Handle h = e.evaluate("[1]");
    BOOST_TEST(static_cast<bool>(h));
    expect_error(ErrorKind::SyntaxError, [&] { h = e.evaluate("bind", "ev.gw"); });
    expect_error(ErrorKind::UndefinedVariable, [&] { h = e.evaluate("ghost"); });
    BOOST_TEST(h.display() == "[1]");  // untouched by the failures
}

BOOST_AUTO_TEST_CASE(engines_move_and_errors_print_their_kind) {
    Engine a;
    a.run("bind x to 7");
    Engine b;
    b = std::move(a);
    BOOST_TEST(b.get_global("x").as_number() == 7);
    expect_error(ErrorKind::InvalidArgument, [&] { a.run("1"); });  // NOLINT: use after move
    std::ostringstream os;
    os << ErrorKind::StepLimitExceeded << " " << Value::list({1, "t"}) << " " << Value("t");
    BOOST_TEST(os.str() == "StepLimitExceeded [1, \"t\"] t");
    BOOST_TEST(glimmer::error_kind_name(ErrorKind::SyntaxError) == "SyntaxError");
    BOOST_TEST(glimmer::error_kind_name(ErrorKind::OutOfMemory) == "OutOfMemory");
    BOOST_TEST(glimmer::error_kind_name(ErrorKind::InvalidArgument) == "InvalidArgument");
    Error located(ErrorKind::TypeError, "bad", "f.gw", 3, 4);
    BOOST_TEST(located.location() == "f.gw:3:4");
    BOOST_TEST(std::string(located.what()) == "f.gw:3:4: Runtime error: TypeError: bad");
    BOOST_TEST(Error(ErrorKind::IoError, "gone").location() == "");
}

BOOST_AUTO_TEST_CASE(values_compare_by_type_and_content) {
    BOOST_TEST(Value(1) == Value(1.0));
    BOOST_TEST(!(Value(1) == Value("1")));
    BOOST_TEST(!(Value() == Value(false)));
    BOOST_TEST(Value::list({1, 2}) == Value::list({1, 2}));
    BOOST_TEST(!(Value::list({1, 2}) == Value::list({2, 1})));
    BOOST_TEST(Value(Value::Map{{"a", 1}}) == Value(Value::Map{{"a", 1}}));
    BOOST_TEST(!(Value(Value::Map{{"a", 1}}) == Value(Value::Map{{"b", 1}})));
    BOOST_TEST(Value(std::string_view("sv")).as_text() == "sv");
    BOOST_TEST(Value(nullptr).is_nothing());
    BOOST_TEST(Value(3u).type_name() == "Number");
    BOOST_TEST(Value::other("Point", "Point { x: 1 }").type_name() == "Point");
}

BOOST_AUTO_TEST_CASE(syntax_errors_carry_file_line_and_column) {
    Engine e;
    Error err =
        expect_error(ErrorKind::SyntaxError, [&] { e.run("bind x to 1\nbind 5 to x", "s.gw"); });
    BOOST_TEST(err.file() == "s.gw");
    BOOST_TEST(err.line() == 2u);
    BOOST_TEST(err.column() == 6u);
    BOOST_TEST(err.location() == "s.gw:2:6");
    BOOST_TEST(std::string(err.what()).find("s.gw:2:6: Syntax error") == 0u);
    // The kind is named once, as the glimmer command prints it (it said "Syntax error: Syntax
    // error at line 2, ...").
    BOOST_TEST(std::string(err.what()) ==
               "s.gw:2:6: Syntax error at line 2, column 6: expected identifier after 'bind', "
               "found '5'");
    // Nothing ran.
    BOOST_TEST(!e.has_global("x"));
}

BOOST_AUTO_TEST_CASE(runtime_errors_carry_location_and_call_stack) {
    Engine e;
    Error err = expect_error(ErrorKind::DivisionByZero, [&] {
        e.run(
            "chant inner(x) then\n  yield x / 0\nend\nchant outer() then yield inner(1) "
            "end\nouter()",
            "r.gw");
    });
    BOOST_TEST(err.location() == "r.gw:2:11");
    BOOST_REQUIRE(err.stack().size() >= 2u);  // `yield inner(1)` may be a tail call
    BOOST_TEST(err.stack().front().function == "inner");
    BOOST_TEST(err.stack().front().file == "r.gw");
    BOOST_TEST(err.stack().front().line == 2u);
    BOOST_TEST(err.stack().back().function == "<script>");
    BOOST_TEST(std::string(err.what()).find("r.gw:2:11: Runtime error: DivisionByZero:") == 0u);
}

BOOST_AUTO_TEST_CASE(calling_missing_or_wrong_functions_fails_cleanly) {
    Engine e;
    Error missing = expect_error(ErrorKind::UndefinedVariable, [&] { e.call("nope"); });
    BOOST_TEST(missing.message() == "no global function 'nope'");
    e.run("bind n to 3\nchant two(a, b) then yield a end");
    expect_error(ErrorKind::NotCallable, [&] { e.call("n"); });
    expect_error(ErrorKind::ArityMismatch, [&] { e.call("two", {1}); });
    expect_error(ErrorKind::UndefinedVariable, [&] { e.get_global("nope"); });
    BOOST_TEST(e.call("two", {1, 2}).as_number() == 1);
}

// A name the host passes is quoted in the message with its control bytes escaped: a NUL in
// it cut what() short.
BOOST_AUTO_TEST_CASE(names_in_error_messages_show_control_bytes_escaped) {
    Engine e;
    const std::string_view with_nul("outer\0x", 7);
    Error missing = expect_error(ErrorKind::InvalidArgument, [&] { e.call(with_nul, {1}); });
    BOOST_TEST(missing.message().starts_with("call: function name 'outer\\x00x' is not"));
    BOOST_TEST(std::string(missing.what()).find('\0') == std::string::npos);
    Error global = expect_error(ErrorKind::InvalidArgument, [&] { e.get_global("a\tb\x7f"); });
    BOOST_TEST(global.message().starts_with("get_global: global name 'a\\x09b\\x7f' is not"));
    Error bad = expect_error(ErrorKind::InvalidArgument, [&] { e.set_global("x\ny", 1); });
    BOOST_TEST(bad.message().find("'x\\x0ay'") != std::string::npos, bad.message());
}

BOOST_AUTO_TEST_CASE(bad_names_and_arguments_are_invalid) {
    Engine e;
    expect_error(ErrorKind::InvalidArgument,
                 [&] { e.register_function("", 0, [](auto) { return Value(); }); });
    expect_error(ErrorKind::InvalidArgument,
                 [&] { e.register_function("has space", 0, [](auto) { return Value(); }); });
    expect_error(ErrorKind::InvalidArgument,
                 [&] { e.register_function("f", -2, [](auto) { return Value(); }); });
    expect_error(ErrorKind::InvalidArgument,
                 [&] { e.register_function("f", 0, glimmer::HostFunction()); });
    expect_error(ErrorKind::InvalidArgument, [&] { e.set_global("9lives", 1); });
    // Keywords lex as themselves: no script could ever read or call these names.
    Error keyword = expect_error(ErrorKind::InvalidArgument, [&] { e.set_global("bind", 1); });
    BOOST_TEST(keyword.message() ==
               "set_global: global name 'bind' is a keyword, which no script can name");
    for (const char* name : {"chant", "range", "Present", "nothing", "descending"}) {
        BOOST_TEST_INFO(name);
        expect_error(ErrorKind::InvalidArgument,
                     [&] { e.register_function(name, 0, [](auto) { return Value(); }); });
    }
    e.register_function("ranged", 0, [](auto) { return Value(3); });  // only whole words
    BOOST_TEST(e.run("ranged()").as_number() == 3);
    Engine moved(std::move(e));
    expect_error(ErrorKind::InvalidArgument, [&] { e.run("1"); });  // NOLINT: use after move
    BOOST_TEST(moved.run("1 + 1").as_number() == 2);
}

// Every method taking a global's name refuses one no script could write as InvalidArgument
// naming the method: global("") and get_global("") were UndefinedVariable, call("") not.
BOOST_AUTO_TEST_CASE(every_method_taking_a_global_name_refuses_a_bad_one_alike) {
    Engine e;
    for (std::string_view bad : {"", "not a name", "9x", "chant"}) {
        BOOST_TEST_INFO("name '" << bad << "'");
        Error g = expect_error(ErrorKind::InvalidArgument, [&] { e.global(bad); });
        BOOST_TEST(g.message().starts_with("global: "), g.message());
        Error gg = expect_error(ErrorKind::InvalidArgument, [&] { e.get_global(bad); });
        BOOST_TEST(gg.message().starts_with("get_global: "), gg.message());
        Error c = expect_error(ErrorKind::InvalidArgument, [&] { e.call(bad); });
        BOOST_TEST(c.message().starts_with("call: "), c.message());
        Error s = expect_error(ErrorKind::InvalidArgument, [&] { e.set_global(bad, 1); });
        BOOST_TEST(s.message().starts_with("set_global: "), s.message());
        Error r = expect_error(ErrorKind::InvalidArgument,
                               [&] { e.register_function(bad, 0, [](auto) { return Value(); }); });
        BOOST_TEST(r.message().starts_with("register_function: "), r.message());
        BOOST_TEST(!e.has_global(bad));
    }
    expect_error(ErrorKind::UndefinedVariable, [&] { e.global("missing"); });
}

BOOST_AUTO_TEST_CASE(calling_an_empty_function_name_is_an_invalid_argument) {
    Engine e;
    Error empty = expect_error(ErrorKind::InvalidArgument, [&] { e.call(""); });
    BOOST_TEST(empty.message() == "call: the function name is empty");
    expect_error(ErrorKind::InvalidArgument, [&] { e.call("", {1, 2}); });
    BOOST_TEST(e.run("1 + 1").as_number() == 2);  // nothing else changed
}

BOOST_AUTO_TEST_CASE(set_global_defines_an_immutable_binding) {
    Engine e;
    e.set_global("config", Value::Map{{"name", "glimmer"}, {"sizes", Value::list({1, 2})}});
    BOOST_TEST(e.run("config.name + \" \" + to_text(list_length(config.sizes))").as_text() ==
               "glimmer 2");
    expect_error(ErrorKind::ImmutableBinding, [&] { e.run("set config to 1"); });
}

BOOST_AUTO_TEST_CASE(run_file_reads_scripts_and_reports_missing_ones) {
    auto dir = std::filesystem::temp_directory_path() / "glimmer-api-run-file";
    std::filesystem::create_directories(dir);
    auto path = (dir / "hello.gw").string();
    { std::ofstream(path) << "chant hello(n) then yield \"hello \" + n end\n"; }
    Engine e;
    e.run_file(path);
    BOOST_TEST(e.call("hello", {"file"}).as_text() == "hello file");
    Error err =
        expect_error(ErrorKind::IoError, [&] { e.run_file((dir / "missing.gw").string()); });
    BOOST_TEST(err.message().find("missing.gw") != std::string::npos);
    // Once, with the reason: it said "cannot read 'P': cannot open 'P': No such file ...".
    BOOST_TEST(err.message() ==
               "cannot open '" + (dir / "missing.gw").string() + "': No such file or directory");
    { std::ofstream(path) << "bind\n"; }
    Error syn = expect_error(ErrorKind::SyntaxError, [&] { e.run_file(path); });
    BOOST_TEST(syn.file() == path);
    std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(scripts_reach_nothing_outside_the_runtime) {
    Engine e;
    // No builtin opens files, runs programs or reads the environment.
    for (const char* name : {"open", "read_file", "write_file", "system", "exec", "getenv", "env",
                             "spawn", "import", "load"}) {
        BOOST_TEST_INFO(name);
        BOOST_TEST(!e.has_global(name));
    }
}

// `summon` reads files. An engine took modules from the process's current directory although
// its host had asked for none; now a script run from a string reads them only from the folder
// the host names in Config::module_root, and a script run with run_file, when the host named
// none, from its own folder (LANGUAGE.md §14.1's default) and nothing outside it.
BOOST_AUTO_TEST_CASE(summon_reads_files_only_from_the_hosts_module_root) {
    auto dir = std::filesystem::temp_directory_path() / "glimmer-api-modules";
    std::filesystem::create_directories(dir / "lib");
    { std::ofstream(dir / "m.gw") << "grove M with\n    bind x to 41\n    offer x\nend\n"; }
    { std::ofstream(dir / "lib" / "n.gw") << "grove N with\n    bind y to 1\n    offer y\nend\n"; }
    { std::ofstream(dir / "main.gw") << "summon M from \"m.gw\"\nM.x + 1\n"; }
    { std::ofstream(dir / "lib" / "up.gw") << "summon M from \"../m.gw\"\nM.x\n"; }
    {
        Engine e;
        BOOST_TEST(e.run_file((dir / "main.gw").string()).as_number() == 42);
        // a file's folder is its root: lib/up.gw may not reach up into dir
        Error up = expect_error(ErrorKind::CustomError,
                                [&] { e.run_file((dir / "lib" / "up.gw").string()); });
        BOOST_TEST(up.message().find("leaves the module root") != std::string::npos);
        // and after a file has run, a string reads no file again
        Error off =
            expect_error(ErrorKind::CustomError, [&] { e.run("summon M from \"m.gw\"\nM.x"); });
        BOOST_TEST(off.message().find("reads no module files") != std::string::npos);
        std::string cwd_relative =
            (dir / "m.gw").lexically_relative(std::filesystem::current_path()).string();
        expect_error(ErrorKind::CustomError,
                     [&] { e.run("summon M from \"" + cwd_relative + "\"\nM.x"); });
    }
    glimmer::Config c;
    c.module_root = dir.string();
    Engine e(std::move(c));
    BOOST_TEST(e.run_file((dir / "main.gw").string()).as_number() == 42);
    // A script run from a string counts as in the root; summons resolve there.
    BOOST_TEST(e.run("summon N from \"lib/n.gw\"\nN.y", "host.gw").as_number() == 1);
    BOOST_TEST(e.run("summon M from \"m.gw\"\nM.x").as_number() == 41);
    Error out =
        expect_error(ErrorKind::CustomError, [&] { e.run("summon P from \"../p.gw\"\n1"); });
    BOOST_TEST(out.message().find("leaves the module root") != std::string::npos);
    std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
