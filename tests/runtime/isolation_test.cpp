// Two runtimes in one process never share state: globals, interners, objects, counts.
#include <boost/test/unit_test.hpp>

#include "runtime/builtins.hpp"
#include "runtime/runtime.hpp"

using namespace glimmer::runtime;

BOOST_AUTO_TEST_SUITE(runtime_isolation)

BOOST_AUTO_TEST_CASE(two_runtimes_side_by_side) {
    std::string out_a, out_b;
    RuntimeConfig ca, cb;
    ca.output = [&](std::string_view s) { out_a += s; };
    cb.output = [&](std::string_view s) { out_b += s; };
    Runtime a(ca), b(cb);
    register_builtins(a);
    register_builtins(b);
    a.define_global("x", Value::number(1));
    b.define_global("x", b.text("two"));
    BOOST_TEST(display(a.get_global("x")) == "1");
    BOOST_TEST(display(b.get_global("x")) == "two");
    BOOST_TEST(a.string("same") != b.string("same"));
    a.write("to a");
    BOOST_TEST(out_a == "to a");
    BOOST_TEST(out_b.empty());
    std::size_t b_objects = b.object_count();
    for (int i = 0; i < 1000; ++i)
        a.new_list(2);
    BOOST_TEST(b.object_count() == b_objects);
    a.collect();
    BOOST_TEST(b.stats().collections == 0u);
    BOOST_TEST(a.verify() == "");
}

BOOST_AUTO_TEST_SUITE_END()
