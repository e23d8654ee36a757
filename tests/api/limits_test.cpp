// limits_test.cpp — the limits an Engine enforces: memory (the runtime's own heap refuses past
// the limit: OutOfMemory), steps (StepLimitExceeded, not catchable by scripts) and call depth
// (StackOverflow); after each the same engine runs another script correctly.
#include <boost/test/unit_test.hpp>

#include <string>

#include <glimmer/glimmer.hpp>

#include "error_kind_of.hpp"

using glimmer::Engine;
using glimmer::Error;
using glimmer::ErrorKind;
using glimmer::api_test::error_kind_of;

namespace {

// Local to a chant, so that everything it built is garbage once the error unwinds it.
constexpr const char* kAllocateForever =
    "chant hog() then\n"
    "  weave xs as []\n"
    "  whilst true then\n"
    "    set xs to list_push(xs, \"a text long enough to be its own object, not interned\" + "
    "to_text(list_length(xs)))\n"
    "  end\n"
    "end\n"
    "hog()";

}  // namespace

BOOST_AUTO_TEST_SUITE(api)
BOOST_AUTO_TEST_SUITE(limits)

BOOST_AUTO_TEST_CASE(endless_allocation_stops_at_the_memory_limit) {
    constexpr std::size_t kLimit = 4u << 20;
    Engine e({.memory_limit = kLimit});
    try {
        e.run(kAllocateForever, "hog.gw");
        BOOST_FAIL("the script finished");
    } catch (const Error& err) {
        BOOST_TEST(err.kind() == ErrorKind::OutOfMemory, err.what());
        BOOST_TEST(err.location().rfind("hog.gw:", 0) == 0u);
        BOOST_TEST(std::string(err.what()).find("memory limit") != std::string::npos);
    }
    glimmer::MemoryStats m = e.memory_stats();
    BOOST_TEST(m.peak_footprint_bytes <= kLimit);
    BOOST_TEST(m.peak_footprint_bytes > kLimit / 2);  // it really ran up to the limit
    // The same engine is still usable, and the garbage is given back.
    e.collect_garbage();
    BOOST_TEST(e.run("bind ys to [1, 2, 3]\nlist_sum(ys)").as_number() == 6);
    BOOST_TEST(e.memory_stats().live_bytes < kLimit / 4);
    // ... and runs out the same way again.
    BOOST_TEST((error_kind_of(e, kAllocateForever) == ErrorKind::OutOfMemory));
    BOOST_TEST(e.memory_stats().peak_footprint_bytes <= kLimit);
}

BOOST_AUTO_TEST_CASE(a_script_may_catch_out_of_memory_and_carry_on) {
    Engine e({.memory_limit = 4u << 20});
    std::string code = std::string("weave caught as false\nattempt\n") + kAllocateForever +
                       "\nharmonize on OutOfMemory then\n  set caught to true\nend\ncaught";
    BOOST_TEST(e.run(code).as_truth());
}

BOOST_AUTO_TEST_CASE(a_huge_single_request_is_refused_not_fatal) {
    Engine e({.memory_limit = 4u << 20});
    BOOST_TEST((error_kind_of(e, "repeat(\"x\", 100000000)") == ErrorKind::OutOfMemory));
    BOOST_TEST(e.run("length(repeat(\"x\", 1000))").as_number() == 1000);
}

BOOST_AUTO_TEST_CASE(whilst_true_stops_at_the_step_limit) {
    Engine e({.step_limit = 100000});
    try {
        e.run("weave i as 0\nwhilst true then\n  set i to i + 1\nend", "spin.gw");
        BOOST_FAIL("the loop finished");
    } catch (const Error& err) {
        BOOST_TEST(err.kind() == ErrorKind::StepLimitExceeded, err.what());
        BOOST_TEST(err.location().rfind("spin.gw:", 0) == 0u);
    }
    // The budget is per run: the same engine runs the next script.
    BOOST_TEST(e.run("weave n as 0\nfor each k in range(0, 1000) then set n to n + k end\nn")
                   .as_number() == 499500);
    // Recursion counts too.
    BOOST_TEST((error_kind_of(e, "chant f(n) then yield f(n + 1) + 1 end\nf(0)") ==
                ErrorKind::StepLimitExceeded));
    e.set_step_limit(0);
    BOOST_TEST(
        e.run("weave n as 0\nwhilst n less than 500000 then set n to n + 1 end\nn").as_number() ==
        500000);
}

BOOST_AUTO_TEST_CASE(scripts_cannot_catch_the_step_limit) {
    Engine e({.step_limit = 50000});
    std::string out;
    BOOST_TEST((error_kind_of(e,
                              "weave caught as false\n"
                              "attempt\n"
                              "  whilst true then end\n"
                              "harmonize on _ then\n"
                              "  set caught to true\n"
                              "end\n"
                              "caught") == ErrorKind::StepLimitExceeded));
    BOOST_TEST((error_kind_of(e,
                              "attempt\n"
                              "  whilst true then end\n"
                              "harmonize on StepLimitExceeded then\n"
                              "  println(\"caught\")\n"
                              "end") == ErrorKind::StepLimitExceeded));
    BOOST_TEST(e.run("1 + 1").as_number() == 2);
}

BOOST_AUTO_TEST_CASE(the_step_limit_reaches_through_host_functions) {
    Engine e({.step_limit = 20000});
    e.run("chant spin() then whilst true then end end");
    e.register_function("host_spin", [&e] { return e.call("spin"); });
    BOOST_TEST((error_kind_of(e, "attempt\n  host_spin()\nharmonize on _ then\n  1\nend") ==
                ErrorKind::StepLimitExceeded));
    BOOST_TEST(e.run("2 + 2").as_number() == 4);
}

BOOST_AUTO_TEST_CASE(deep_recursion_is_a_stack_overflow_at_the_configured_depth) {
    Engine e({.max_call_depth = 500});
    e.run("chant down(n) then\n  should n is 0 then yield 0 end\n  yield 1 + down(n - 1)\nend");
    BOOST_TEST(e.call("down", {400}).as_number() == 400);
    try {
        e.call("down", {600});
        BOOST_FAIL("no overflow");
    } catch (const Error& err) {
        BOOST_TEST(err.kind() == ErrorKind::StackOverflow, err.what());
    }
    BOOST_TEST(e.call("down", {10}).as_number() == 10);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
