// interpreter/vm: execution, every runtime error kind, recursion limits, tail calls, handlers.
#include <boost/test/unit_test.hpp>

#include <cstring>

#include "heap/heap.hpp"
#include "run_helper.hpp"

using glimmer::runtime::ErrorKind;
using glimmer::tests::prints;
using glimmer::tests::run_script;

namespace {
// The run of a script that must end in an error (the test stops here if it does not).
glimmer::tests::ScriptResult error_of(const std::string& code) {
    auto r = run_script(code);
    BOOST_REQUIRE_MESSAGE(r.error.has_value(), "expected an error from: " << code);
    return r;
}

ErrorKind kind_of(const std::string& code) {
    return *error_of(code).error;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(interpreter_vm)

BOOST_AUTO_TEST_CASE(runs_a_small_program) {
    BOOST_TEST(
        prints("chant fib(n) then\n"
               "  should n less than 2 then yield n end\n"
               "  yield fib(n - 1) + fib(n - 2)\n"
               "end\n"
               "println(fib(15), \"done\")\n",
               "610 done\n"));
}

BOOST_AUTO_TEST_CASE(closures_capture_variables_by_reference) {
    BOOST_TEST(
        prints("chant make_counter() then\n"
               "  weave count as 0\n"
               "  chant next() then\n"
               "    set count to count + 1\n"
               "    yield count\n"
               "  end\n"
               "  yield next\n"
               "end\n"
               "bind a to make_counter()\n"
               "bind b to make_counter()\n"
               "a()\n"
               "println(a(), b())\n"
               "weave fs as []\n"
               "for each i in range(0, 3) then\n"
               "  chant f() then yield i * 10 end\n"
               "  set fs to list_push(fs, f)\n"
               "end\n"
               "println(fs[0](), fs[1](), fs[2]())\n",
               "2 1\n0 10 20\n"));
}

BOOST_AUTO_TEST_CASE(jumps_out_of_scopes_close_their_captures) {
    BOOST_TEST(
        prints("weave fs as []\n"
               "for each x in [Present(1), Present(2)] then\n"
               "  match x with\n"
               "    when Present(v) then\n"
               "      chant f() then yield v end\n"
               "      set fs to list_push(fs, f)\n"
               "      continue\n"
               "  end\n"
               "end\n"
               "weave i as 0\n"
               "whilst i less than 2 then\n"
               "  set i to i + 1\n"
               "  match i with\n"
               "    when n then\n"
               "      chant g() then yield n * 10 end\n"
               "      set fs to list_push(fs, g)\n"
               "      should n is 2 then break end\n"
               "  end\n"
               "end\n"
               "for each f in fs then print(f(), \"\") end\n",
               "1 2 10 20 "));
}

BOOST_AUTO_TEST_CASE(implicit_results_are_the_last_statement_value) {
    BOOST_TEST(
        prints("chant pick(x) then\n"
               "  should x then \"yes\" otherwise \"no\" end\n"
               "end\n"
               "chant last_loop() then\n"
               "  for each i in [1, 2, 3] then i * 2 end\n"
               "end\n"
               "chant empty() then\n"
               "end\n"
               "println(pick(1), pick(0), last_loop(), empty())\n",
               "yes no 6 nothing\n"));
}

BOOST_AUTO_TEST_CASE(a_top_level_loop_is_the_script_value_and_the_host_keeps_a_copy) {
    glimmer::runtime::Runtime rt;
    glimmer::interp::Interpreter in(rt);
    glimmer::runtime::Handle kept(
        rt,
        in.run(
            "weave xs as []\nfor each i in range(0, 3) then\n  set xs to list_push(xs, i)\nend\n"));
    BOOST_TEST(glimmer::runtime::display(kept.get()) == "[0, 1, 2]");
    // A later run grows the same global in place: the value the host holds does not change.
    in.run("set xs to list_push(xs, 3)\n");
    BOOST_TEST(glimmer::runtime::display(kept.get()) == "[0, 1, 2]");
    BOOST_TEST(glimmer::runtime::display(in.run("xs")) == "[0, 1, 2, 3]");
}

BOOST_AUTO_TEST_CASE(every_error_kind_is_raised) {
    BOOST_TEST(kind_of("println(ghost)") == ErrorKind::UndefinedVariable);
    BOOST_TEST(kind_of("bind x to 1\nset x to 2") == ErrorKind::ImmutableBinding);
    BOOST_TEST(kind_of("chant f(a) then set a to 1 end\nf(1)") == ErrorKind::ImmutableBinding);
    BOOST_TEST(kind_of("println(\"n=\" + 5)") == ErrorKind::TypeError);
    BOOST_TEST(kind_of("println(1 / 0)") == ErrorKind::DivisionByZero);
    BOOST_TEST(kind_of("println(1 % 0)") == ErrorKind::DivisionByZero);
    BOOST_TEST(kind_of("println([1][3])") == ErrorKind::IndexOutOfBounds);
    BOOST_TEST(kind_of("println({a: 1}.b)") == ErrorKind::FieldNotFound);
    BOOST_TEST(kind_of("for each k in {a: 1} then println(k) end") == ErrorKind::NotIterable);
    BOOST_TEST(kind_of("bind n to 5\nn()") == ErrorKind::NotCallable);
    BOOST_TEST(kind_of("chant f(a) then yield a end\nf()") == ErrorKind::ArityMismatch);
    BOOST_TEST(kind_of("println(length(\"a\", \"b\"))") == ErrorKind::ArityMismatch);
    BOOST_TEST(kind_of("break") == ErrorKind::BreakOutsideLoop);
    BOOST_TEST(kind_of("continue") == ErrorKind::ContinueOutsideLoop);
    BOOST_TEST(kind_of("list_first([])") == ErrorKind::CustomError);
    BOOST_TEST(kind_of("to_number(\"x\")") == ErrorKind::CustomError);
    BOOST_TEST(kind_of("match 3 with when 1 then println(1) end") == ErrorKind::CustomError);
    BOOST_TEST(kind_of("chant f(n) then yield f(n + 1) + 1 end\nf(0)") == ErrorKind::StackOverflow);
}

BOOST_AUTO_TEST_CASE(errors_carry_line_and_call_stack) {
    auto r = run_script(
        "chant inner() then\n"
        "  yield 1 / 0\n"
        "end\n"
        "chant outer() then yield inner() + 1 end\n"
        "println(\"before\")\n"
        "outer()\n");
    BOOST_REQUIRE(r.error);
    BOOST_TEST(r.output == "before\n");
    BOOST_TEST(r.line == 2u);
    BOOST_TEST(r.trace.find("test.gw:2:") == 0u);
    BOOST_TEST(r.trace.find("Runtime error: DivisionByZero") != std::string::npos);
    auto inner = r.trace.find("at inner");
    auto outer = r.trace.find("at outer");
    auto script = r.trace.find("at <script>");
    BOOST_TEST(inner < outer);
    BOOST_TEST(outer < script);
}

BOOST_AUTO_TEST_CASE(a_callback_error_names_the_builtin_call_that_ran_it) {
    // triumph_or_else calls `bad` back: the script's frame is the call at 3:24, not the
    // instruction before it (`bad` at 3:36).
    auto r = error_of(
        "chant bad(x) then yield x / 0 end\n"
        "println(\"x\")\n"
        "println(triumph_or_else(Mishap(1), bad))\n");
    BOOST_TEST(r.line == 1u);
    BOOST_TEST(r.trace.find("at bad (test.gw:1:") != std::string::npos, r.trace);
    BOOST_TEST(r.trace.find("at <script> (test.gw:3:24)") != std::string::npos, r.trace);
}

BOOST_AUTO_TEST_CASE(attempt_catches_by_kind_and_rethrows_others) {
    BOOST_TEST(
        prints("chant risky(n) then\n"
               "  should n is 0 then yield 1 / 0 end\n"
               "  yield [1][n]\n"
               "end\n"
               "chant classify(n) then\n"
               "  attempt\n"
               "    risky(n)\n"
               "  harmonize on DivisionByZero then\n"
               "    println(\"div\")\n"
               "  harmonize on _ then\n"
               "    println(\"other\")\n"
               "  end\n"
               "end\n"
               "classify(0)\n"
               "classify(5)\n"
               "attempt\n"
               "  attempt\n"
               "    risky(0)\n"
               "  harmonize on TypeError then\n"
               "    println(\"no\")\n"
               "  end\n"
               "harmonize on DivisionByZero then\n"
               "  println(\"outer\")\n"
               "end\n",
               "div\nother\nouter\n"));
}

BOOST_AUTO_TEST_CASE(deep_recursion_and_tail_calls) {
    BOOST_TEST(
        prints("chant depth(n) then\n"
               "  should n is 0 then yield 0 end\n"
               "  yield 1 + depth(n - 1)\n"
               "end\n"
               "chant count(n, acc) then\n"
               "  should n is 0 then yield acc end\n"
               "  yield count(n - 1, acc + 1)\n"
               "end\n"
               "println(depth(10000), count(1000000, 0))\n",
               "10000 1000000\n"));
}

BOOST_AUTO_TEST_CASE(tail_calls_switch_closure_upvalues_and_frame_size) {
    // Tail calls from a one-slot closure into closures with more slots and other upvalues.
    BOOST_TEST(
        prints("chant make(n) then\n"
               "  chant wide(x) then\n"
               "    weave a as x * 2\n"
               "    weave b as a + n\n"
               "    yield [a, b]\n"
               "  end\n"
               "  yield wide\n"
               "end\n"
               "bind w to make(5)\n"
               "chant hop(x) then yield w(x) end\n"
               "chant native_hop(x) then yield length(x) end\n"
               "println(hop(3), native_hop(\"abcd\"))\n",
               "[6, 11] 4\n"));
    auto r = error_of(
        "chant two(a, b) then yield a + b end\n"
        "chant hop(x) then yield two(x) end\n"
        "hop(1)\n");
    BOOST_TEST(*r.error == ErrorKind::ArityMismatch);
}

BOOST_AUTO_TEST_CASE(text_sums_in_a_chain_behave_as_pairwise_sums) {
    // Inner sums of a chain skip the interner (Op::Add operand 1): still equal by content,
    // usable as map keys, and evaluated left to right, stopping at the first bad pair.
    BOOST_TEST(
        prints("bind k to \"item-\" + to_text(7) + \":\" + \"x\"\n"
               "weave m as {}\n"
               "set m[k] to 1\n"
               "println(k is \"item-7:x\", m[\"item-7:x\"], 1 + 2 + 3, \"\" + \"a\" + \"\")\n",
               "true 1 6 a\n"));
    auto r = error_of(
        "chant f(x) then\n"
        "  println(x)\n"
        "  yield x\n"
        "end\n"
        "bind s to \"a\" + f(\"b\") + 1 + f(\"c\")\n");
    BOOST_TEST(*r.error == ErrorKind::TypeError);
    BOOST_TEST(r.output == "b\n");
    BOOST_TEST(r.message.find("cannot add Text and Number") != std::string::npos, r.message);
}

BOOST_AUTO_TEST_CASE(stack_overflow_is_catchable_and_runtime_stays_usable) {
    glimmer::interp::vm::VmLimits limits;
    limits.max_frames = 5000;
    BOOST_TEST(
        prints("chant f(n) then yield 1 + f(n + 1) end\n"
               "attempt\n"
               "  f(0)\n"
               "harmonize on StackOverflow then\n"
               "  println(\"overflow\")\n"
               "end\n"
               "chant g(n) then should n is 0 then yield 0 end\n yield 1 + g(n - 1) end\n"
               "println(g(4000))\n",
               "overflow\n4000\n", {}, limits));
}

BOOST_AUTO_TEST_CASE(step_limit_stops_an_endless_loop) {
    glimmer::runtime::RuntimeConfig config;
    std::string out;
    config.output = [&](std::string_view s) { out += s; };
    glimmer::runtime::Runtime rt(config);
    rt.step_limit = 100000;
    glimmer::interp::Interpreter in(rt);
    bool raised = false;
    try {
        in.run("whilst true then end");
    } catch (const glimmer::runtime::RuntimeError& e) {
        raised = e.kind() == ErrorKind::StepLimitExceeded;
    }
    BOOST_TEST(raised);
}

BOOST_AUTO_TEST_CASE(host_calls_script_functions_by_name) {
    glimmer::runtime::RuntimeConfig config;
    config.output = [](std::string_view) {};
    glimmer::runtime::Runtime rt(config);
    glimmer::interp::Interpreter in(rt);
    in.run("chant add(a, b) then yield a + b end\nweave total as 0");
    glimmer::runtime::Value args[2] = {glimmer::runtime::Value::number(2),
                                       glimmer::runtime::Value::number(40)};
    BOOST_TEST(glimmer::runtime::display(in.call("add", args)) == "42");
    in.run("set total to add(total, 5)");
    in.run("set total to add(total, 5)");
    BOOST_TEST(glimmer::runtime::display(rt.get_global("total")) == "10");
}

BOOST_AUTO_TEST_CASE(variadic_parameters_collect_the_rest) {
    BOOST_TEST(
        prints("chant f(a, ...rest) then yield [a, rest] end\n"
               "println(f(1), f(1, 2, 3))\n",
               "[1, []] [1, [2, 3]]\n"));
}

BOOST_AUTO_TEST_CASE(propagate_returns_mishaps_early) {
    BOOST_TEST(
        prints("chant half(n) then\n"
               "  should n % 2 is 0 then yield Triumph(n / 2) end\n"
               "  yield Mishap(\"odd\")\n"
               "end\n"
               "chant quarter(n) then yield Triumph(half(half(n)?)?) end\n"
               "println(quarter(8), quarter(6))\n",
               "Triumph(2) Mishap(\"odd\")\n"));
}

BOOST_AUTO_TEST_CASE(question_mark_on_a_mishap_at_a_top_level_is_a_runtime_error) {
    // §11: `?` returns the Mishap from the current chant; a script or grove body has none.
    auto r = error_of("println(\"before\")\nbind v to Mishap(\"boom\")?\nprintln(\"after\")\n");
    BOOST_TEST(*r.error == ErrorKind::CustomError);
    BOOST_TEST(r.message.find("Mishap(\"boom\")") != std::string::npos, r.message);
    BOOST_TEST(r.line == 2u);
    BOOST_TEST(r.output == "before\n");
    auto g = error_of("grove M with\n  bind v to Mishap(1)?\n  bind a to 1\noffer a end\n");
    BOOST_TEST(*g.error == ErrorKind::CustomError);
    // It can be handled like any runtime error; a Triumph still unwraps at the top level.
    BOOST_TEST(
        prints("attempt\n  bind v to Mishap(2)?\nharmonize on CustomError then\n"
               "  println(\"caught\")\nend\nprintln(Triumph(3)?)\n",
               "caught\n3\n"));
    // Inside a chant (also one defined in a grove) it still returns the Mishap.
    BOOST_TEST(
        prints("chant f() then\n  bind v to Mishap(4)?\n  yield 0\nend\nprintln(f())\n"
               "grove N with\n  chant g() then yield Mishap(5)? end\noffer g end\n"
               "println(N.g())\n",
               "Mishap(4)\nMishap(5)\n"));
}

BOOST_AUTO_TEST_CASE(a_nested_chant_sees_locals_bound_after_it) {
    // §6: a chant captures its defining scope by reference, so a name bound there after the
    // chant is found when the chant runs after that `bind` (also through a deeper chant).
    BOOST_TEST(
        prints("chant make() then\n"
               "  chant get() then yield secret end\n"
               "  chant deep() then\n    chant deeper() then yield secret + 1 end\n"
               "    yield deeper()\n  end\n"
               "  bind secret to 42\n"
               "  yield [get(), deep()]\n"
               "end\nprintln(make())\n",
               "[42, 43]\n"));
    BOOST_TEST(
        prints("chant tally() then\n"
               "  chant bump() then set total to total + 5 end\n"
               "  weave total as 10\n  bump()\n  yield total\nend\nprintln(tally())\n",
               "15\n"));
    // In a loop body each pass binds a fresh local; the chant made in that pass sees its own.
    BOOST_TEST(
        prints("chant f() then\n  weave gs as []\n"
               "  for each i in range(0, 3) then\n"
               "    chant g() then yield v end\n    bind v to i * 10\n"
               "    set gs to list_push(gs, g)\n  end\n"
               "  yield [gs[0](), gs[2]()]\nend\nprintln(f())\n",
               "[0, 20]\n"));
    // Before the `bind` runs the name is undefined for the chant; the function itself still
    // reads the outer name there.
    auto early = error_of(
        "chant make() then\n  chant get() then yield secret end\n  bind v to get()\n"
        "  bind secret to 1\nend\nmake()\n");
    BOOST_TEST(*early.error == ErrorKind::UndefinedVariable);
    BOOST_TEST(early.message == "secret");
    auto early_set = error_of(
        "chant make() then\n  chant put() then set total to 1 end\n  put()\n"
        "  weave total as 0\nend\nmake()\n");
    BOOST_TEST(*early_set.error == ErrorKind::UndefinedVariable);
    BOOST_TEST(
        prints("bind x to 1\nchant shadow() then\n  chant later() then yield x end\n"
               "  bind seen to x\n  bind x to 2\n  yield [seen, x, later()]\nend\n"
               "println(shadow(), x)\n",
               "[1, 2, 2] 1\n"));
    // An immutable local stays immutable for the chant.
    BOOST_TEST(kind_of("chant f() then\n  chant g() then set k to 2 end\n  bind k to 1\n"
                       "  g()\nend\nf()\n") == ErrorKind::ImmutableBinding);
}

BOOST_AUTO_TEST_CASE(error_messages_name_what_was_wrong) {
    auto param = error_of("chant f(a) then set a to 1 end\nf(1)\n");
    BOOST_TEST(*param.error == ErrorKind::ImmutableBinding);
    BOOST_TEST(param.message == "cannot set 'a': parameters and loop variables are immutable");
    auto loop = error_of(
        "chant f() then\n  for each x in [1] then\n    chant g() then set x to 2 "
        "end\n    g()\n  end\nend\nf()\n");
    BOOST_TEST(*loop.error == ErrorKind::ImmutableBinding);
    BOOST_TEST(loop.message == "cannot set 'x': parameters and loop variables are immutable");
    auto bound = error_of("chant f(a) then\n  bind a to 2\n  set a to 3\nend\nf(1)\n");
    BOOST_TEST(bound.message == "cannot set 'a': it was bound with 'bind', not 'weave'");
    // A global may also be a builtin or a value the host set: the message does not claim `bind`.
    auto global = error_of("bind g to 1\nset g to 2\n");
    BOOST_TEST(global.message ==
               "cannot set 'g': it was bound with 'bind' (or by the host), not 'weave'");
    auto builtin = error_of("set println to 2\n");
    BOOST_TEST(*builtin.error == ErrorKind::ImmutableBinding);
    BOOST_TEST(builtin.message == "cannot set 'println': it is a built-in or host function");
    // A method's arity counts the arguments besides `self`.
    auto arity = error_of(
        "form Q with\n  v as Number\nend\naspect M then\n  chant m(self) -> Number\nend\n"
        "embody M for Q then\n  chant m(self) then yield self.v end\nend\n"
        "Q { v: 3 }.m(1)\n");
    BOOST_TEST(*arity.error == ErrorKind::ArityMismatch);
    BOOST_TEST(arity.message == "method 'm' expects 0 arguments besides self, got 1",
               arity.message);
    auto iter = error_of("for each x in iter([1]) then println(x) end\n");
    BOOST_TEST(*iter.error == ErrorKind::NotIterable);
    BOOST_TEST(iter.message.find("iterator") != std::string::npos, iter.message);
}

// `for each` over a range literal keeps its bounds in the loop's slots (Op::ForRange): same
// truncation, same errors as a Range object, and no allocation per loop.
BOOST_AUTO_TEST_CASE(loops_over_range_literals_truncate_like_range_objects) {
    BOOST_TEST(
        prints("for each i in range(0 - 1.5, 2.7) then print(i, \"\") end\n"
               "bind r to range(0 - 1.5, 2.7)\n"
               "for each i in r then print(i, \"\") end\n"
               "for each i in range(3, 1) then print(\"never\") end\n"
               "for each i in range(0, 0 / 1) then print(\"never\") end\n"
               "chant f(n) then\n  weave s as 0\n"
               "  for each i in range(n, n + 3) then set s to s + i end\n  yield s\nend\n"
               "println(f(10))\n",
               "-1 0 1 -1 0 1 33\n"));
    auto bad = error_of("bind x to 1\nfor each i in range(\"a\", 3) then\n  x\nend\n");
    BOOST_TEST(*bad.error == ErrorKind::TypeError);
    BOOST_TEST(bad.message == "range needs two Numbers, got Text and Number");
    BOOST_TEST(bad.line == 2u);
}

BOOST_AUTO_TEST_CASE(loops_over_range_literals_allocate_nothing_per_call) {
    auto allocations_for = [](int calls) {
        glimmer::runtime::RuntimeConfig config;
        config.output = [](std::string_view) {};
        glimmer::runtime::Runtime rt(config);
        glimmer::interp::Interpreter in(rt);
        auto* proto = in.compile(glimmer::interp::SourceFile(
            "range.gw",
            "chant f(n) then\n  weave s as 0\n"
            "  for each i in range(0, n) then set s to s + i end\n  yield s\nend\n"
            "weave t as 0\n"
            "for each k in range(0, " +
                std::to_string(calls) + ") then set t to t + f(3) end\n"));
        glimmer::runtime::Handle keep(rt, glimmer::runtime::Value::object(proto));
        std::uint64_t before = rt.stats().allocations;
        in.vm().run(proto);
        return rt.stats().allocations - before;
    };
    BOOST_TEST(allocations_for(10) == allocations_for(1000));
}

// A native that damages the heap as a write past an object's end would: it finds two
// neighbouring 400-byte slots, frees the second, and overwrites its free-list link. The
// allocation that would follow that link then fails with the heap's GW_E_CORRUPT. (A size
// nothing else asks for, so that unwinding the error allocates around the damage.)
glimmer::runtime::Value damage_heap(glimmer::runtime::Runtime& rt, glimmer::runtime::Value*,
                                    std::uint32_t, void*) {
    auto* a = static_cast<unsigned char*>(rt.heap().allocate(400));
    auto* b = static_cast<unsigned char*>(rt.heap().allocate(400));
    while (b != a + 400) {
        a = b;
        b = static_cast<unsigned char*>(rt.heap().allocate(400));
    }
    rt.heap().free(b);
    const auto far = reinterpret_cast<std::uintptr_t>(b) + 65536;
    std::memcpy(a + 400, &far, sizeof far);
    rt.allocate(glimmer::runtime::ObjectKind::String, 400);
    return glimmer::runtime::Value::number(0);
}

BOOST_AUTO_TEST_CASE(heap_damage_is_fatal_and_no_handler_catches_it) {
    std::string out;
    glimmer::runtime::RuntimeConfig config;
    config.output = [&out](std::string_view s) { out += s; };
    glimmer::runtime::Runtime runtime(std::move(config));
    runtime.define_native("damage_heap", damage_heap, 0);
    glimmer::interp::Interpreter in(runtime);
    glimmer::interp::SourceFile source("test.gw",
                                       "attempt\n"
                                       "  damage_heap()\n"
                                       "harmonize on _ then\n"
                                       "  println(\"caught\")\n"
                                       "end\n");
    try {
        in.run(source);
        BOOST_FAIL("the damage went unnoticed");
    } catch (const glimmer::runtime::RuntimeError& e) {
        BOOST_TEST(e.fatal);
        BOOST_TEST(e.message().find("heap damage detected") != std::string::npos, e.message());
        BOOST_TEST(e.line == 2u);
    }
    BOOST_TEST(out.empty(), "a handler ran: " << out);
}

BOOST_AUTO_TEST_SUITE_END()
