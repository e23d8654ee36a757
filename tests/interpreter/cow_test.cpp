// Value semantics with copy-on-write (LANGUAGE.md §4): values behave as copies, and the
// in-place paths stay linear. Linearity is measured in heap bytes requested, not time.
#include <boost/test/unit_test.hpp>

#include "run_helper.hpp"

using glimmer::tests::prints;
using glimmer::tests::run_script;

namespace {

// Heap bytes requested while running `code` with N substituted for every "$N".
// With `sole_program`, compiled as the glimmer command compiles a file.
std::uint64_t bytes_for(std::string code, int n, bool sole_program = false) {
    std::string number = std::to_string(n);
    for (std::size_t at; (at = code.find("$N")) != std::string::npos;)
        code.replace(at, 2, number);
    glimmer::runtime::RuntimeConfig config;
    config.output = [](std::string_view) {};
    glimmer::runtime::Runtime rt(config);
    glimmer::interp::Interpreter in(rt);
    in.set_sole_program(sole_program);
    auto* proto = in.compile(glimmer::interp::SourceFile("cow.gw", code));
    glimmer::runtime::Handle keep(rt, glimmer::runtime::Value::object(proto));
    std::uint64_t before = rt.stats().bytes_allocated;
    in.vm().run(proto);
    return rt.stats().bytes_allocated - before;
}

// `code` run at n and at times * n: the bytes grow less than 2 * times (linear work; a copy per
// step grows them about times^2).
boost::test_tools::assertion_result linear_in_bytes(const std::string& code, int n, int times,
                                                    bool sole_program = false) {
    std::uint64_t small = bytes_for(code, n, sole_program);
    std::uint64_t large = bytes_for(code, n * times, sole_program);
    boost::test_tools::assertion_result ok(large < small * 2 * static_cast<std::uint64_t>(times));
    ok.message() << "bytes " << small << " -> " << large << " for\n" << code;
    return ok;
}

// An `attempt` anywhere in a program: an error there may be caught, so the in-place forms that
// change an element in part before storing it back stay off.
const std::string kAnAttempt = "attempt\n  println(1)\nharmonize on _ then\nend\n";

// Like prints, with the program compiled as the glimmer command compiles a file (a sole
// program: its top-level variables may move).
boost::test_tools::assertion_result prints_alone(const std::string& code,
                                                 const std::string& expected) {
    std::string out;
    glimmer::runtime::RuntimeConfig config;
    config.output = [&out](std::string_view s) { out += s; };
    glimmer::runtime::Runtime rt(config);
    glimmer::interp::Interpreter in(rt);
    in.set_sole_program(true);
    std::string error;
    try {
        in.run(glimmer::interp::SourceFile("alone.gw", code));
    } catch (const glimmer::runtime::RuntimeError& e) {
        error = e.message();
    }
    boost::test_tools::assertion_result ok(error.empty() && out == expected);
    ok.message() << "error [" << error << "], printed [" << out << "], expected [" << expected
                 << "]";
    return ok;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(interpreter_cow)

BOOST_AUTO_TEST_CASE(containers_behave_as_values) {
    BOOST_TEST(
        prints("weave a as [1, 2]\n"
               "bind b to a\n"
               "set a[0] to 9\n"
               "println(a, b)\n"
               "weave m as {k: [1]}\n"
               "weave n as m\n"
               "set n[\"k\"] to 2\n"
               "println(m, n)\n"
               "form P with\n  x as Number\nend\n"
               "weave p as P { x: 1 }\n"
               "weave q as p\n"
               "set q.x to 2\n"
               "println(p.x, q.x)\n"
               "chant poke(l) then\n  weave c as l\n  set c[0] to 100\n  yield c\nend\n"
               "weave orig as [0]\n"
               "bind changed to poke(orig)\n"
               "println(orig, changed)\n"
               "weave xs as [1, 2, 3]\n"
               "for each x in xs then\n  set xs to list_push(xs, x)\nend\n"
               "println(xs)\n"
               "weave grid as [[0, 0], [0, 0]]\n"
               "weave row as grid[0]\n"
               "set row[1] to 5\n"
               "println(grid, row)\n"
               "weave keep as [7]\n"
               "bind holder to Present(keep)\n"
               "set keep[0] to 8\n"
               "println(holder, keep)\n"
               "weave self_ref as [1]\n"
               "set self_ref[0] to self_ref\n"
               "println(self_ref)\n",
               "[9, 2] [1, 2]\n"
               "{k: [1]} {k: 2}\n"
               "1 2\n"
               "[0] [100]\n"
               "[1, 2, 3, 1, 2, 3]\n"
               "[[0, 0], [0, 0]] [0, 5]\n"
               "Present([7]) [8]\n"
               "[[1]]\n"));
}

BOOST_AUTO_TEST_CASE(list_push_into_the_same_variable_is_linear) {
    const char* code =
        "weave xs as []\n"
        "for each i in range(0, $N) then\n"
        "  set xs to list_push(xs, i)\n"
        "end\n";
    BOOST_TEST(linear_in_bytes(code, 5000, 4));
}

BOOST_AUTO_TEST_CASE(element_updates_in_a_loop_do_not_copy) {
    const char* code =
        "weave a as []\n"
        "for each i in range(0, $N) then set a to list_push(a, 0) end\n"
        "weave i as 1\n"
        "whilst i less than $N then\n"
        "  set a[i] to a[i - 1] + 1\n"
        "  set i to i + 1\n"
        "end\n";
    BOOST_TEST(linear_in_bytes(code, 5000, 4));
}

// A helper chant that copies its parameter into a `weave`, changes it and yields it, its result
// stored over the variable passed: in place (compiler.cpp: calls that move), from a chant and
// from the top level of a program run alone. A host's top level copies (its globals outlive an
// error): the same code is quadratic there.
BOOST_AUTO_TEST_CASE(a_helper_chant_updates_its_callers_list_in_place) {
    const std::string swap =
        "chant swap(input, i, j) then\n"
        "  weave a as input\n"
        "  bind t to a[i]\n"
        "  set a[i] to a[j]\n"
        "  set a[j] to t\n"
        "  yield a\n"
        "end\n";
    const std::string body =
        "weave xs as []\n"
        "for each i in range(0, $N) then set xs to list_push(xs, i) end\n"
        "weave k as 0\n"
        "whilst k less than $N / 2 then\n"
        "  set xs to swap(xs, k, $N - 1 - k)\n"
        "  set k to k + 1\n"
        "end\n";
    std::string in_chant = swap + "chant main() then\n" + body + "yield xs\nend\nmain()\n";
    BOOST_TEST(linear_in_bytes(in_chant, 2000, 4));
    BOOST_TEST(linear_in_bytes(swap + body, 2000, 4, true));
    BOOST_TEST(!linear_in_bytes(swap + body, 2000, 4));
    // A helper that yields list_push of its parameter pushes in place too.
    const char* push =
        "chant push_item(stack, v) then yield list_push(stack, v) end\n"
        "chant main() then\n"
        "  weave xs as []\n"
        "  for each i in range(0, $N) then set xs to push_item(xs, i) end\n"
        "  yield xs\n"
        "end\n"
        "main()\n";
    BOOST_TEST(linear_in_bytes(push, 5000, 4));
}

// A recursion that accumulates through self tail calls, with list_push on the argument or on a
// `weave` of the parameter, or through two chants that call each other: each step pushes in
// place (compiler.cpp: tail_call_moving). Inside an `attempt` it copies (quadratic).
BOOST_AUTO_TEST_CASE(a_recursion_that_accumulates_pushes_in_place) {
    const char* direct =
        "chant build(acc, n) then\n"
        "  should n is 0 then yield acc end\n"
        "  yield build(list_push(acc, n), n - 1)\n"
        "end\n"
        "build([], $N)\n";
    BOOST_TEST(linear_in_bytes(direct, 2000, 4));
    const char* through_a_local =
        "chant count_up(i, acc) then\n"
        "  should i is $N then yield acc end\n"
        "  weave next as acc\n"
        "  set next to list_push(next, i)\n"
        "  yield count_up(i + 1, next)\n"
        "end\n"
        "count_up(0, [])\n";
    BOOST_TEST(linear_in_bytes(through_a_local, 2000, 4));
    const char* mutual =
        "chant ping(acc, n) then\n"
        "  should n is 0 then yield acc end\n"
        "  yield pong(list_push(acc, n), n - 1)\n"
        "end\n"
        "chant pong(acc, n) then\n"
        "  should n is 0 then yield acc end\n"
        "  yield ping(list_push(acc, n), n - 1)\n"
        "end\n"
        "ping([], $N)\n";
    BOOST_TEST(linear_in_bytes(mutual, 500, 4));
    const char* guarded =
        "chant build(acc, n) then\n"
        "  attempt\n"
        "    should n is 0 then yield acc end\n"
        "    yield build(list_push(acc, n), n - 1)\n"
        "  harmonize on _ then yield acc end\n"
        "end\n"
        "build([], $N)\n";
    BOOST_TEST(!linear_in_bytes(guarded, 500, 4));
}

// A helper's result handed on through a tail call, `yield build(put(m, k, v), n - 1)` or
// through `bind next to put(m, k, v)`, and a recursion that pushes onto what its recursive
// call returns, `yield list_push(upto(n - 1), n)`: each step updates in place (compiler.cpp:
// inner_moving_argument, yield_temporary_in_place). When the helper returns what something
// else still holds, every step copies (quadratic).
BOOST_AUTO_TEST_CASE(a_call_result_handed_on_or_pushed_onto_does_not_copy) {
    const std::string put =
        "chant put(m, k, v) then\n"
        "  weave out as m\n"
        "  set out[k] to v\n"
        "  yield out\n"
        "end\n";
    const char* handed_on =
        "chant build(m, n) then\n"
        "  should n is 0 then yield m end\n"
        "  yield build(put(m, \"k\" + to_text(n), n), n - 1)\n"
        "end\n"
        "build({}, $N)\n";
    BOOST_TEST(linear_in_bytes(put + handed_on, 500, 4));
    const char* bound =
        "chant build(m, n) then\n"
        "  should n is 0 then yield m end\n"
        "  bind next to put(m, \"k\" + to_text(n), n)\n"
        "  yield build(next, n - 1)\n"
        "end\n"
        "build({}, $N)\n";
    BOOST_TEST(linear_in_bytes(put + bound, 500, 4));
    const char* upto =
        "chant upto(n) then\n"
        "  should n is 0 then yield [] end\n"
        "  yield list_push(upto(n - 1), n)\n"
        "end\n"
        "upto($N)\n";
    BOOST_TEST(linear_in_bytes(upto, 500, 4));
    const char* held_elsewhere =
        "weave seen as []\n"
        "chant remember(l) then\n"
        "  set seen to l\n"
        "  yield l\n"
        "end\n"
        "chant upto(n) then\n"
        "  should n is 0 then yield [] end\n"
        "  yield list_push(remember(upto(n - 1)), n)\n"
        "end\n"
        "upto($N)\n";
    BOOST_TEST(!linear_in_bytes(held_elsewhere, 500, 4));
}

// `set st to st.push(v)`, a method that updates a `weave s as self` and yields s: self moves
// (InvokeMove), so the list field grows in place.
BOOST_AUTO_TEST_CASE(a_method_that_updates_self_does_not_copy) {
    const char* code =
        "form Stack with\n  items as List\nend\n"
        "embody Ops for Stack then\n"
        "  chant push(self, v) then\n"
        "    weave s as self\n"
        "    set s.items to list_push(s.items, v)\n"
        "    yield s\n"
        "  end\n"
        "end\n"
        "chant main() then\n"
        "  weave st as Stack { items: [] }\n"
        "  for each i in range(0, $N) then\n"
        "    set st to st.push(i)\n"
        "  end\n"
        "  yield st\n"
        "end\n"
        "main()\n";
    BOOST_TEST(linear_in_bytes(code, 2000, 4));
}

// `weave a as list_push(h, v)` (or list_pop(h)), h a parameter dead after it that the caller
// moved in: the builtin's copy would be of a list no one else reads, so the VM pushes (pops)
// in place and the result is owned, so the updates after it are in place too. With h read
// after the call, the copy stays.
BOOST_AUTO_TEST_CASE(a_helper_that_pushes_onto_its_parameter_into_a_new_name_does_not_copy) {
    auto helper = [](const std::string& body) {
        return "chant add(h, v) then\n" + body +
               "  yield a\nend\n"
               "chant main() then\n"
               "  weave h as []\n"
               "  for each i in range(0, $N) then\n"
               "    set h to add(h, i)\n"
               "  end\n"
               "  yield h\n"
               "end\n"
               "main()\n";
    };
    BOOST_TEST(linear_in_bytes(
        helper("  weave a as list_push(h, v)\n  set a[0] to list_length(a)\n"), 2000, 4));
    BOOST_TEST(linear_in_bytes(helper("  weave b as list_push(h, v)\n  weave c as list_push(b, v)\n"
                                      "  weave a as list_pop(c)\n"),
                               2000, 4));
    BOOST_TEST(!linear_in_bytes(
        helper("  weave a as list_push(h, v)\n  set a[0] to list_length(h)\n"), 500, 4));
}

// A helper that only reads through its parameter (`peek(s)`: list_last(s.items)) borrows it
// (compiler/borrowed_params.hpp): the call leaves the caller's record unmarked, so popping it
// in place after each peek stays in place. A helper that calls a chant that does more than
// read does not borrow; one that calls a chant that only reads does.
BOOST_AUTO_TEST_CASE(a_helper_that_only_reads_its_parameter_leaves_it_unshared) {
    auto stack = [](const std::string& peek_body) {
        return "form Stack with\n  items as List\nend\n"
               "chant peek(s) then\n" +
               peek_body +
               "end\n"
               "chant pop(s) then\n  weave t as s\n  set t.items to list_pop(t.items)\n"
               "  yield t\nend\n"
               "chant other() then yield list_length(list_push([], 0)) - 1 end\n"
               "chant reader(s) then yield list_length(s.items) end\n"
               "chant main() then\n"
               "  weave st as Stack { items: [] }\n"
               "  for each i in range(0, $N) then\n"
               "    set st.items to list_push(st.items, i)\n"
               "  end\n"
               "  weave total as 0\n"
               "  whilst list_length(st.items) greater than 0 then\n"
               "    set total to total + peek(st)\n"
               "    set st to pop(st)\n"
               "  end\n"
               "  yield total\n"
               "end\n"
               "main()\n";
    };
    BOOST_TEST(linear_in_bytes(stack("  yield list_last(s.items)\n"), 2000, 4, true));
    BOOST_TEST(!linear_in_bytes(stack("  yield list_last(s.items) + other()\n"), 500, 4, true));
    // A chant that only reads, itself called with the parameter whole, keeps it borrowed.
    BOOST_TEST(
        linear_in_bytes(stack("  yield list_last(s.items) + reader(s) * 0\n"), 2000, 4, true));
    // The parameter passed whole to a builtin that only reads it borrows it too.
    const char* sized =
        "chant size(l) then\n  yield list_length(l)\nend\n"
        "chant has(m, k) then\n  yield map_has(m, k)\nend\n"
        "weave xs as []\nweave m as {}\n"
        "for each i in range(0, $N) then\n  set xs to list_push(xs, size(xs))\n"
        "  bind k to to_text(i)\n  should not has(m, k) then\n    set m[k] to i\n  end\nend\n";
    BOOST_TEST(linear_in_bytes(sized, 1000, 8, true));
    BOOST_TEST(!linear_in_bytes(sized, 300, 4, false));
    // A recursive helper that only reads borrows as well (a union-find's find).
    const char* find =
        "chant find(parent, x) then\n  should parent[x] is x then\n    yield x\n  end\n"
        "  yield find(parent, parent[x])\nend\n"
        "weave parent as []\nfor each i in range(0, $N) then\n"
        "  set parent to list_push(parent, i)\nend\n"
        "for each i in range(1, $N) then\n  set parent[i] to find(parent, i - 1)\nend\n";
    BOOST_TEST(linear_in_bytes(find, 1000, 8, true));
    // Not in a REPL input or a host's script: a later one could rebind list_last.
    BOOST_TEST(!linear_in_bytes(stack("  yield list_last(s.items)\n"), 500, 4));
}

// A helper that copies its parameter and reads the parameter on before the first change
// (compiler/copy_reads.hpp): the reads go through the copy, the parameter moves into it, and a
// caller's map or list grows in place. A read after the change keeps the copy (one per call).
BOOST_AUTO_TEST_CASE(a_helper_that_reads_its_parameter_after_copying_it_does_not_copy) {
    const char* word_count =
        "chant add_word(counts, w) then\n"
        "  weave c as counts\n"
        "  should map_has(counts, w) then\n"
        "    set c[w] to counts[w] + 1\n"
        "  otherwise\n"
        "    set c[w] to 1\n"
        "  end\n"
        "  yield c\n"
        "end\n"
        "chant main() then\n"
        "  weave counts as {}\n"
        "  for each i in range(0, $N) then\n"
        "    set counts to add_word(counts, \"w\" + to_text(i))\n"
        "  end\n"
        "  yield counts\n"
        "end\n"
        "main()\n";
    BOOST_TEST(linear_in_bytes(word_count, 2000, 4));
    // push(xs, v) with `body` between its copy and its yield, called in a loop.
    auto pushes = [](const std::string& body) {
        return "chant push(xs, v) then\n  weave out as xs\n" + body +
               "  yield out\nend\n"
               "chant main() then\n"
               "  weave xs as []\n"
               "  for each i in range(0, $N) then\n"
               "    set xs to push(xs, i)\n"
               "  end\n"
               "  yield xs\n"
               "end\n"
               "main()\n";
    };
    BOOST_TEST(linear_in_bytes(
        pushes("  bind n to list_length(xs)\n  set out to list_push(out, v + n)\n"), 2000, 4));
    // The read after the change: the copy stays.
    BOOST_TEST(!linear_in_bytes(
        pushes("  set out to list_push(out, v)\n  bind n to list_length(xs)\n"), 500, 4));
}

// A bucket that may not be in the map yet (weave b as [], should map_has: set b to m[k], push,
// store back) fills in place.
BOOST_AUTO_TEST_CASE(buckets_filled_through_a_local_do_not_copy) {
    // `take` gets the bucket for key k into `bucket`: m[k] when present, else a new list.
    auto group = [](const std::string& take) {
        return "chant group(n) then\n"
               "  weave m as {}\n"
               "  for each i in range(0, n) then\n"
               "    bind k to to_text(i % 3)\n" +
               take +
               "    set bucket to list_push(bucket, i)\n"
               "    set m[k] to bucket\n"
               "  end\n"
               "  yield m\n"
               "end\n"
               "group($N)\n";
    };
    BOOST_TEST(linear_in_bytes(group("    weave bucket as []\n"
                                     "    should map_has(m, k) then\n"
                                     "      set bucket to m[k]\n"
                                     "    end\n"),
                               3000, 4));
    BOOST_TEST(linear_in_bytes(group("    should map_has(m, k) then\n"
                                     "      weave bucket as m[k]\n"
                                     "    otherwise\n"
                                     "      weave bucket as []\n"
                                     "    end\n"),
                               3000, 4));
}

BOOST_AUTO_TEST_CASE(map_updates_in_a_loop_do_not_copy) {
    const char* code =
        "weave m as {}\n"
        "for each i in range(0, $N) then\n"
        "  set m[to_text(i % 100)] to i\n"
        "end\n";
    BOOST_TEST(linear_in_bytes(code, 5000, 4));
}

// A loop as a chant's (or the script's) last statement has a value (LANGUAGE.md §3) but must
// not hold a second reference to the list it grows: each variant runs at n and 8n, where a
// copy per push gives about 64x the bytes and linear growth about 8x.
BOOST_AUTO_TEST_CASE(a_loop_as_the_last_statement_stays_linear) {
    const char* variants[] = {
        // the repro: for each, last in a chant
        "chant build(n) then\n"
        "  weave xs as []\n"
        "  for each i in range(0, n) then\n"
        "    set xs to list_push(xs, i)\n"
        "  end\n"
        "end\n"
        "build($N)\n",
        // whilst, with a condition that calls (pinned only while it runs)
        "chant build(n) then\n"
        "  weave xs as []\n"
        "  whilst list_length(xs) less than n then\n"
        "    set xs to list_push(xs, 0)\n"
        "  end\n"
        "end\n"
        "build($N)\n",
        // the script's own last statement
        "weave xs as []\n"
        "for each i in range(0, $N) then\n"
        "  set xs to list_push(xs, i)\n"
        "end\n",
        // a nested loop and a should as the tails
        "chant build(n) then\n"
        "  weave xs as []\n"
        "  for each i in range(0, n / 10) then\n"
        "    for each j in range(0, 10) then\n"
        "      should j % 2 is 0 then\n"
        "        set xs to list_push(xs, i)\n"
        "      otherwise\n"
        "        set xs to list_push(xs, j)\n"
        "      end\n"
        "    end\n"
        "  end\n"
        "end\n"
        "build($N)\n",
        // break and continue before the push (pinned only while they may run)
        "chant build(n) then\n"
        "  weave xs as []\n"
        "  weave i as 0\n"
        "  whilst true then\n"
        "    set i to i + 1\n"
        "    should i greater than 2 * n then break end\n"
        "    should i % 2 is 0 then continue end\n"
        "    set xs to list_push(xs, i)\n"
        "  end\n"
        "end\n"
        "build($N)\n",
        // an anonymous chant, a match arm, and a yield inside the loop
        "bind build to chant(n) then\n"
        "  weave xs as []\n"
        "  match n with\n"
        "    when k then\n"
        "      for each i in range(0, k + 1) then\n"
        "        should i is k then yield xs end\n"
        "        set xs to list_push(xs, i)\n"
        "      end\n"
        "  end\n"
        "end\n"
        "build($N)\n",
    };
    for (const char* code : variants)
        BOOST_TEST(linear_in_bytes(code, 1500, 8));
}

// A priority queue in a record, pushed and popped by helpers that lend its list to a local for
// the whole sift (compiler.cpp, unseen_update_stmt and lent_call): linear in a sole program
// with no `attempt`; with one, each helper copies the list as written.
BOOST_AUTO_TEST_CASE(a_queue_in_a_record_sifted_through_a_local_does_not_copy) {
    const std::string code =
        "form Q with\n  items as List\nend\n"
        "chant push(q, v) then\n  weave t as q\n  weave h as list_push(t.items, v)\n"
        "  weave i as list_length(h) - 1\n  whilst i greater than 0 then\n"
        "    bind p to floor((i - 1) / 2)\n    should h[p] less than h[i] then\n      break\n"
        "    end\n    bind x to h[p]\n    set h[p] to h[i]\n    set h[i] to x\n"
        "    set i to p\n  end\n  set t.items to h\n  yield t\nend\n"
        "chant pop(q) then\n  weave t as q\n  weave h as t.items\n"
        "  bind tail to list_last(h)\n  set h to list_pop(h)\n"
        "  should list_length(h) greater than 0 then\n    set h[0] to tail\n  end\n"
        "  set t.items to h\n  yield t\nend\n"
        "weave q as Q { items: [] }\n"
        "for each i in range(0, $N) then\n  set q to push(q, (i * 7919) % 1000)\nend\n"
        "whilst list_length(q.items) greater than 0 then\n  set q to pop(q)\nend\n";
    BOOST_TEST(linear_in_bytes(code, 1000, 8, true));
    BOOST_TEST(!linear_in_bytes(code + kAnAttempt, 500, 4, true));
}

// Records in a list, each updated through a helper that copies it into a `weave` and pushes
// onto its history (`set accts[i] to deposit(accts[i], v)`): the element moves into the call
// (compiler.cpp, "an element moved into a call"), so neither the record nor its history is
// copied; with an `attempt` in the program, both are, at every call.
BOOST_AUTO_TEST_CASE(a_record_updated_through_a_helper_in_place_does_not_copy) {
    const std::string code =
        "form A with\n  balance as Number\n  history as List\nend\n"
        "chant deposit(a, v) then\n  weave n as a\n  set n.balance to n.balance + v\n"
        "  set n.history to list_push(n.history, v)\n  yield n\nend\n"
        "weave accts as [A { balance: 0, history: [] }, A { balance: 0, history: [] }]\n"
        "for each i in range(0, $N) then\n  set accts[i % 2] to deposit(accts[i % 2], i)\nend\n";
    BOOST_TEST(linear_in_bytes(code, 1000, 8, true));
    BOOST_TEST(!linear_in_bytes(code + kAnAttempt, 500, 4, true));
}

// A helper that ends in a tail call of another helper (`yield bump(a)`) returns what that one
// returned owned (ReturnCalled), so the caller's list stays unshared and is not copied at the
// next call; had it been marked, every call would copy it.
BOOST_AUTO_TEST_CASE(a_helper_that_yields_another_helpers_result_does_not_copy) {
    const std::string code =
        "chant bump(a0) then\n  weave a as a0\n  set a[0] to a[0] + 1\n  yield a\nend\n"
        "chant outer(h) then\n  weave a as h\n  yield bump(a)\nend\n"
        "weave h as []\nfor each i in range(0, $N) then\n  set h to list_push(h, i)\nend\n"
        "for each i in range(0, $N) then\n  set h to outer(h)\nend\n";
    BOOST_TEST(linear_in_bytes(code, 1000, 8, true));
}

// A priority queue whose pop helper yields [top, heap] and whose caller takes the pair apart
// (compiler.cpp, "results taken apart"): the heap moves through the pair, so no pop copies it.
BOOST_AUTO_TEST_CASE(a_pair_returned_and_taken_apart_does_not_copy) {
    const std::string code =
        "chant pop(heap) then\n  weave h as heap\n  bind top to h[0]\n"
        "  set h[0] to list_last(h)\n  set h to list_pop(h)\n  yield [top, h]\nend\n"
        "weave h as []\nfor each i in range(0, $N) then\n  set h to list_push(h, i)\nend\n"
        "weave total as 0\n"
        "whilst list_length(h) greater than 0 then\n  bind res to pop(h)\n"
        "  set total to total + res[0]\n  set h to res[1]\nend\n";
    BOOST_TEST(linear_in_bytes(code, 1000, 8, true));
    BOOST_TEST(!linear_in_bytes(code + kAnAttempt, 500, 4, true));
}

// A `main` that makes a helper closure (over its own `seed`) keeps the in-place forms of the
// locals the closure does not name (uncaptured_local): a list grown through a helper each step
// stays linear; grown under a name the closure reads, each call copies it.
BOOST_AUTO_TEST_CASE(a_closure_in_the_chant_leaves_the_other_locals_moving) {
    const auto code = [](const char* grown) {
        return std::string(
                   "chant append(l, x) then\n  yield list_push(l, x)\nend\n"
                   "chant main() then\n  weave seed as 1\n"
                   "  chant rnd() then\n    set seed to (seed * 7) % 11\n"
                   "    yield seed\n  end\n"
                   "  chant peek() then\n    yield list_length(ys)\n  end\n"
                   "  weave xs as []\n  weave ys as []\n"
                   "  for each i in range(0, $N) then\n    set ") +
               grown + " to append(" + grown + ", rnd())\n  end\n  yield peek()\nend\nmain()\n";
    };
    BOOST_TEST(linear_in_bytes(code("xs"), 1000, 8, true));
    BOOST_TEST(!linear_in_bytes(code("ys"), 500, 4, true));
}

// A closure reads a captured list while another pushes onto it: the index operand calls only
// a builtin that runs no script code, so the list waiting under it is not marked shared, and
// the pushes stay in place. With a chant of the program in that operand (it could push onto
// the list while the read waits), the list is marked, and every push copies it.
BOOST_AUTO_TEST_CASE(a_captured_list_read_through_a_builtin_call_stays_unshared) {
    const auto code = [](const char* length_of) {
        return std::string(
                   "chant size(l) then yield list_length(l) end\n"
                   "chant make_log() then\n  weave entries as []\n"
                   "  chant add(x) then set entries to list_push(entries, x) end\n"
                   "  chant newest() then yield entries[") +
               length_of +
               "(entries) - 1] end\n"
               "  yield [add, newest]\nend\n"
               "bind log to make_log()\nweave total as 0\n"
               "for each i in range(0, $N) then\n  log[0](i)\n"
               "  set total to total + log[1]()\nend\nprintln(total)\n";
    };
    BOOST_TEST(linear_in_bytes(code("list_length"), 1000, 8, true));
    BOOST_TEST(!linear_in_bytes(code("size"), 500, 4, true));
}

// An operand that may alias a variable is marked shared (or pinned) when a later operand calls
// (compiler.cpp): only where a chant may update that very variable, so the usual shapes, which
// read a list, call, then grow the list in place, still never copy it. Each runs at n and 8n.
BOOST_AUTO_TEST_CASE(operands_before_a_call_stay_linear) {
    const char* variants[] = {
        // a chant's own local, though the chant sets that name (a recursive call has its own)
        "chant key(i) then yield i % 7 end\n"
        "chant build(n) then\n"
        "  weave seen as []\n"
        "  for each i in range(0, n) then\n"
        "    should list_contains(seen, key(i)) then set seen to list_push(seen, i) end\n"
        "    set seen to list_push(seen, i)\n"
        "  end\n"
        "  yield list_length(seen)\n"
        "end\n"
        "build($N)\n",
        // a top-level list no chant sets, beside a chant that sets another name
        "weave count as 0\n"
        "chant key(i) then\n  set count to count + 1\n  yield i % 7\nend\n"
        "weave seen as []\n"
        "for each i in range(0, $N) then\n"
        "  bind found to list_contains(seen, key(i))\n"
        "  set seen to list_push(seen, i)\n"
        "end\n",
        // a top-level list a chant does set, pushed with a call in the argument: pinned, not
        // copied, while the call runs
        "weave log as []\n"
        "chant note(v) then set log to list_push(log, v) end\n"
        "chant twice(i) then yield i * 2 end\n"
        "for each i in range(0, $N) then\n"
        "  set log to list_push(log, twice(i))\n"
        "end\n",
    };
    for (const char* code : variants)
        BOOST_TEST(linear_in_bytes(code, 1500, 8));
    // A sole program's top-level list moved into a helper beside a call, where the helper's
    // own local has the list's name (no chant names the top-level one): it is not marked, so
    // the helper pushes in place.
    const char* moved =
        "weave seed as 7\n"
        "chant rnd() then\n  set seed to (seed * 16807) % 2147483647\n  yield seed\nend\n"
        "chant push(heap, v) then\n  weave h as list_push(heap, v)\n  set h[0] to v\n"
        "  yield h\nend\n"
        "weave h as []\n"
        "for each i in range(0, $N) then\n"
        "  set h to push(h, rnd() % 1000)\n"
        "end\n";
    BOOST_TEST(linear_in_bytes(moved, 1500, 8, true));
    BOOST_TEST(!linear_in_bytes(moved, 500, 4, false));
}

BOOST_AUTO_TEST_CASE(a_constant_list_literal_is_a_fresh_value_at_every_evaluation) {
    // The compiler makes `[1, [2, 3]]` once (a shared constant): changes made to what one
    // evaluation gave, at any depth and by every in-place form, must not show in the next.
    BOOST_TEST(
        prints("chant f(i) then\n"
               "  weave a as [1, [2, 3], \"x\"]\n"
               "  set a[0] to i\n"
               "  weave b as a[1]\n"
               "  set b[0] to i * 10\n"
               "  set a to list_push(a, b)\n"
               "  set a to list_pop(list_pop(a))\n"
               "  set a to list_concat(a, [i])\n"
               "  yield [a, b]\n"
               "end\n"
               "println(f(1))\n"
               "println(f(2))\n"
               "weave rows as []\n"
               "for each i in range(0, 2) then\n"
               "  weave r as [[0, 0], [0, 0]]\n"
               "  set r[i] to list_push(r[i], i)\n"
               "  set rows to list_push(rows, r)\n"
               "end\n"
               "println(rows)\n",
               "[[1, [2, 3], 1], [10, 3]]\n"
               "[[2, [2, 3], 2], [20, 3]]\n"
               "[[[0, 0, 0], [0, 0]], [[0, 0], [0, 0, 1]]]\n"));
}

// `set s to s + e` appends in place (Op::AppendVar): building a text costs what is appended,
// for a local, a global, an upvalue, and a chain of pieces, with copies taken along the way.
BOOST_AUTO_TEST_CASE(text_append_assign_is_linear) {
    const std::string top =
        "weave s as \"\"\nfor each i in range(0, $N) then\n"
        "    set s to s + to_text(i % 10) + \",\"\nend\nprintln(length(s))\n";
    BOOST_TEST(linear_in_bytes(top, 5000, 4));
    BOOST_TEST(linear_in_bytes(top, 5000, 4, true));
    const std::string local =
        "chant build(n) then\n    weave s as \"\"\n"
        "    for each i in range(0, n) then\n"
        "        bind p to \"<\" + to_text(i % 10) + \">\"\n"
        "        set s to s + p + \"-\"\n        set s to s + to_text(1)\n"
        "    end\n    yield s\nend\nprintln(length(build($N)))\n";
    BOOST_TEST(linear_in_bytes(local, 5000, 4));
    // `set s to s + p` of two bound locals is one AddLL and its SetLocal, not AppendVar.
    const std::string two_locals =
        "chant build(n) then\n    weave s as \"\"\n"
        "    for each i in range(0, n) then\n"
        "        bind p to \"<\" + to_text(i % 10)\n"
        "        set s to s + p\n"
        "    end\n    yield s\nend\nprintln(length(build($N)))\n";
    BOOST_TEST(linear_in_bytes(two_locals, 5000, 4));
    // `set s to concat(s, p)` as `set s to s + p` (Op::TextConcatVar).
    const std::string with_concat =
        "weave s as \"\"\nfor each i in range(0, $N) then\n"
        "    set s to concat(s, to_text(i % 10))\nend\nprintln(length(s))\n";
    BOOST_TEST(linear_in_bytes(with_concat, 5000, 4));
    const std::string upvalue =
        "chant make() then\n    weave s as \"\"\n"
        "    yield chant(p) then\n        set s to s + p\n"
        "        yield length(s)\n    end\nend\nbind add to make()\n"
        "for each i in range(0, $N) then\n    add(\"abc\")\nend\n";
    BOOST_TEST(linear_in_bytes(upvalue, 5000, 4));
    // Each copy taken (four here, at any N) costs one copy of the text, no more.
    const std::string copies =
        "weave s as \"\"\nweave kept as []\n"
        "for each i in range(0, $N) then\n    set s to s + \"abcdef\"\n"
        "    should i % ($N / 4) is 0 then set kept to list_push(kept, s) end\n"
        "end\nprintln(length(s), list_length(kept))\n";
    BOOST_TEST(linear_in_bytes(copies, 4000, 4));
}

// The same loop run with the collector at every safe point keeps every copy right.
BOOST_AUTO_TEST_CASE(text_append_assign_keeps_copies_under_gc_stress) {
    glimmer::runtime::RuntimeConfig config;
    config.gc_stress = true;
    BOOST_TEST(
        prints("weave s as \"\"\nweave kept as []\nweave m as {}\n"
               "for each i in range(0, 300) then\n    set s to s + to_text(i % 10) + \",\"\n"
               "    should i % 50 is 0 then\n        set kept to list_push(kept, s)\n"
               "        set m[s] to i\n    end\nend\n"
               "println(length(s), length(kept[1]), length(kept[5]), map_keys(m) | list_length)\n"
               "println(m[kept[5]], map_has(m, s))\n",
               "600 102 502 6\n250 false\n", config));
}

// compiler/alias_moves.hpp: a bind of a variable that is dead until it is overwritten takes its
// value unmarked, the alias's last read moves into the call, and a snapshot that nothing reads
// marks nothing. Each of these loops copied the whole list or map at every step.
BOOST_AUTO_TEST_CASE(a_push_through_a_dead_alias_does_not_copy) {
    for (const char* bind : {"bind tmp to l", "weave tmp as l"}) {
        const std::string top = "weave l as []\nfor each i in range(0, $N) then\n  " +
                                std::string(bind) +
                                "\n  set l to list_push(tmp, i)\nend\nprintln(list_length(l))\n";
        BOOST_TEST(linear_in_bytes(top, 2000, 4, true));
        // A chant's local moves in any program, a REPL input's too.
        const std::string chant =
            "chant build(n) then\n  weave l as []\n"
            "  for each i in range(0, n) then\n    " +
            std::string(bind) +
            "\n    set l to list_push(tmp, i)\n  end\n  yield l\nend\n"
            "println(list_length(build($N)))\n";
        BOOST_TEST(linear_in_bytes(chant, 2000, 4));
    }
    // Through a map's element: the element is lent to cur and moved back (a sole program).
    const char* element =
        "weave m as {}\nset m[\"a\"] to []\n"
        "for each i in range(0, $N) then\n"
        "  bind cur to m[\"a\"]\n"
        "  set m[\"a\"] to list_push(cur, i)\n"
        "end\nprintln(list_length(m[\"a\"]))\n";
    BOOST_TEST(linear_in_bytes(element, 2000, 4, true));
}

BOOST_AUTO_TEST_CASE(a_snapshot_nothing_reads_does_not_copy) {
    const char* top =
        "weave m as {}\nfor each i in range(0, $N) then\n"
        "  bind snapshot to m\n"
        "  set m[\"k\" + to_text(i)] to i\n"
        "end\nprintln(map_size(m))\n";
    BOOST_TEST(linear_in_bytes(top, 1000, 4));
    BOOST_TEST(linear_in_bytes(top, 1000, 4, true));
    const char* chant =
        "chant fill(n) then\n  weave l as []\n  weave k as 0\n"
        "  whilst k less than n then\n    bind earlier to l\n"
        "    set l to list_push(l, k)\n    set k to k + 1\n  end\n  yield l\nend\n"
        "println(list_length(fill($N)))\n";
    BOOST_TEST(linear_in_bytes(chant, 2000, 4));
}

// Where the alias or the variable is read again, it still holds the value it had.
BOOST_AUTO_TEST_CASE(an_alias_read_later_keeps_its_value) {
    const std::string code =
        // tmp read after the push: not its last read
        "weave l as [1]\nfor each i in range(0, 3) then\n  bind tmp to l\n"
        "  set l to list_push(tmp, i)\n  println(tmp, l)\nend\n"
        // the alias changed in place while l is dead, l overwritten after
        "weave l2 as [1, 2]\nfor each i in range(0, 2) then\n  weave t as l2\n"
        "  set t[0] to 9\n  set l2 to [5, i]\n  println(t, l2)\nend\n"
        // a break between the bind and the overwrite: l3 is read after the loop
        "weave l3 as [1]\nfor each i in range(0, 5) then\n  weave t as l3\n  set t[0] to 99\n"
        "  should i is 2 then break end\n  set l3 to [i]\nend\nprintln(l3)\n"
        // overwritten on one path only: the next iteration reads l4
        "weave l4 as [1]\nweave n as 0\nwhilst n less than 3 then\n  weave t4 as l4\n"
        "  set t4[0] to n + 10\n  should n is 1 then set l4 to [0] end\n  set n to n + 1\nend\n"
        "println(l4)\n"
        // a chant that names g reads it while t holds its value
        "weave g as [1]\nchant peek() then yield g end\n"
        "for each i in range(0, 2) then\n  weave t as g\n  set t[0] to 7\n"
        "  println(peek())\n  set g to [2]\nend\n"
        // the snapshot read after the insert
        "weave m as {}\nfor each i in range(0, 3) then\n  bind snapshot to m\n"
        "  set m[\"k\" + to_text(i)] to i\n  println(map_size(snapshot), map_size(m))\nend\n"
        // the element's alias read after the store
        "weave mm as {}\nset mm[\"a\"] to []\nfor each i in range(0, 3) then\n"
        "  bind cur to mm[\"a\"]\n  set mm[\"a\"] to list_push(cur, i)\n"
        "  println(cur, mm[\"a\"])\nend\n"
        // tmp read at the next iteration of a whilst (a back edge) before its bind
        "chant h() then\n  weave l as []\n  weave n as 0\n  bind tmp to [100]\n"
        "  whilst n less than 3 then\n    println(tmp)\n    bind tmp to l\n"
        "    set l to list_push(tmp, n)\n    set n to n + 1\n  end\n  yield l\nend\n"
        "println(h())\n"
        // an early yield between the bind and the overwrite
        "chant k(x) then\n  weave l as [1]\n  weave t as l\n  set t[0] to 2\n"
        "  should x then yield l end\n  set l to [3]\n  yield [l, t]\nend\n"
        "println(k(true), k(false))\n"
        // a closure that captures l
        "chant c() then\n  weave l as [1]\n  bind get to chant() then yield l end\n"
        "  weave t as l\n  set t[0] to 5\n  println(get())\n  set l to [2]\n  yield get()\nend\n"
        "println(c())\n"
        // the alias kept in a list, then pushed onto
        "chant keep() then\n  weave l as [0]\n  weave kept as []\n"
        "  for each i in range(0, 3) then\n    bind t to l\n"
        "    set kept to list_push(kept, t)\n    set l to list_push(t, i)\n  end\n"
        "  yield [l, kept]\nend\nprintln(keep())\n"
        // a bind that is a chant's last statement is its value
        "chant ends_bound(m) then\n  bind v to m\nend\nprintln(ends_bound([1]))\n";
    const std::string expected =
        "[1] [1, 0]\n[1, 0] [1, 0, 1]\n[1, 0, 1] [1, 0, 1, 2]\n"
        "[9, 2] [5, 0]\n[9, 0] [5, 1]\n"
        "[1]\n"
        "[0]\n"
        "[1]\n[2]\n"
        "0 1\n1 2\n2 3\n"
        "[] [0]\n[0] [0, 1]\n[0, 1] [0, 1, 2]\n"
        "[100]\n[]\n[0]\n[0, 1, 2]\n"
        "[1] [[3], [2]]\n"
        "[1]\n[2]\n"
        "[[0, 0, 1, 2], [[0], [0, 0], [0, 0, 1]]]\n"
        "[1]\n";
    BOOST_TEST(prints(code, expected));
    BOOST_TEST(prints_alone(code, expected));
}

// An error between the bind and the overwrite, caught by an `attempt`: the variable still holds
// its old value, unchanged by the alias's in-place update.
BOOST_AUTO_TEST_CASE(an_alias_changed_before_an_error_leaves_the_variable_as_it_was) {
    const std::string code =
        "chant f() then\n  weave l as [1]\n  attempt\n    weave t as l\n    set t[0] to 5\n"
        "    set l to [1 / 0, list_push(t, 0)]\n  harmonize on _ then\n    println(\"caught\", l)\n"
        "  end\n  yield l\nend\nprintln(f())\n"
        "weave l as [1]\nattempt\n  for each i in range(0, 2) then\n    bind tmp to l\n"
        "    set l to list_push(tmp, 10 / (1 - i))\n  end\nharmonize on _ then\n"
        "  println(\"caught\", l)\nend\n";
    const std::string expected = "caught [1]\n[1]\ncaught [1, 10]\n";
    BOOST_TEST(prints(code, expected));
    BOOST_TEST(prints_alone(code, expected));
}

BOOST_AUTO_TEST_SUITE_END()
