// runtime/value: NaN-boxing, truthiness, equality, type names, display form (LANGUAGE.md §4).
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <limits>

#include "runtime/runtime.hpp"

using namespace glimmer::runtime;

namespace {
std::string show(double d) {
    std::string s;
    append_number(s, d);
    return s;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(runtime_value)

BOOST_AUTO_TEST_CASE(immediates_and_numbers_are_distinct) {
    BOOST_TEST(Value::number(1.5).is_number());
    BOOST_TEST(Value::number(1.5).as_number() == 1.5);
    BOOST_TEST(Value::nothing().is_nothing());
    BOOST_TEST(!Value::nothing().is_number());
    BOOST_TEST(Value::truth(true).is_true());
    BOOST_TEST(Value::truth(false).is_truth());
    BOOST_TEST(!Value::truth(false).is_true());
    BOOST_TEST(Value::absent().is_absent());
    Value nan = Value::number(std::numeric_limits<double>::quiet_NaN());
    BOOST_TEST(nan.is_number());
    BOOST_TEST(std::isnan(nan.as_number()));
    Value neg_nan = Value::number(-std::numeric_limits<double>::quiet_NaN());
    BOOST_TEST(neg_nan.is_number());
    BOOST_TEST(!neg_nan.is_object());
    BOOST_TEST(Value::number(-std::numeric_limits<double>::infinity()).is_number());
}

BOOST_AUTO_TEST_CASE(number_display_matches_the_reference_examples) {
    BOOST_TEST(show(3.0) == "3");
    BOOST_TEST(show(3.5) == "3.5");
    BOOST_TEST(show(0.1 + 0.2) == "0.30000000000000004");
    BOOST_TEST(show(1.0 / 3.0) == "0.3333333333333333");
    BOOST_TEST(show(1.0 / 10000000.0) == "0.0000001");
    BOOST_TEST(show(std::pow(2.0, 64.0)) == "18446744073709552000");
    BOOST_TEST(show(1e20) == "100000000000000000000");
    BOOST_TEST(show(-0.0) == "-0");
    BOOST_TEST(show(0.0) == "0");
    BOOST_TEST(show(std::nan("")) == "NaN");
    BOOST_TEST(show(HUGE_VAL) == "inf");
    BOOST_TEST(show(-HUGE_VAL) == "-inf");
    BOOST_TEST(show(-2.5) == "-2.5");
    BOOST_TEST(show(123456.789) == "123456.789");
    BOOST_TEST(show(5e-324) == "0." + std::string(323, '0') + "5");
}

BOOST_AUTO_TEST_CASE(truthiness_follows_the_table) {
    Runtime rt;
    BOOST_TEST(!truthy(Value::number(0)));
    BOOST_TEST(!truthy(Value::number(-0.0)));
    BOOST_TEST(truthy(Value::number(2)));
    BOOST_TEST(!truthy(rt.text("")));
    BOOST_TEST(truthy(rt.text("a")));
    BOOST_TEST(!truthy(Value::nothing()));
    BOOST_TEST(!truthy(Value::object(rt.new_list())));
    BOOST_TEST(truthy(Value::object(rt.new_map())));
    BOOST_TEST(truthy(Value::absent()));
    BOOST_TEST(truthy(Value::object(rt.new_range(0, 0))));
}

BOOST_AUTO_TEST_CASE(equality_is_deep_and_typed) {
    Runtime rt;
    BOOST_TEST(values_equal(Value::number(1), Value::number(1.0)));
    BOOST_TEST(!values_equal(Value::number(std::nan("")), Value::number(std::nan(""))));
    BOOST_TEST(!values_equal(Value::number(1), rt.text("1")));
    BOOST_TEST(values_equal(rt.text(std::string(100, 'x')), rt.text(std::string(100, 'x'))));
    List* a = rt.new_list();
    List* b = rt.new_list();
    rt.list_append(a, Value::number(1));
    rt.list_append(b, Value::number(1));
    BOOST_TEST(values_equal(Value::object(a), Value::object(b)));
    rt.list_append(b, Value::number(2));
    BOOST_TEST(!values_equal(Value::object(a), Value::object(b)));
    Map* m = rt.new_map();
    Map* n = rt.new_map();
    rt.map_set(m, rt.intern("k"), Value::number(1));
    rt.map_set(n, rt.intern("k"), Value::number(1));
    BOOST_TEST(values_equal(Value::object(m), Value::object(n)));
    rt.map_set(n, rt.intern("k"), Value::number(2));
    BOOST_TEST(!values_equal(Value::object(m), Value::object(n)));
    BOOST_TEST(values_equal(Value::object(rt.new_wrapped(Wrap::Present, Value::number(1))),
                            Value::object(rt.new_wrapped(Wrap::Present, Value::number(1)))));
    BOOST_TEST(!values_equal(Value::object(rt.new_wrapped(Wrap::Present, Value::number(1))),
                             Value::object(rt.new_wrapped(Wrap::Triumph, Value::number(1)))));
}

BOOST_AUTO_TEST_CASE(display_quotes_text_only_inside_containers) {
    Runtime rt;
    BOOST_TEST(display(rt.text("hi")) == "hi");
    List* l = rt.new_list();
    rt.list_append(l, rt.text("a"));
    rt.list_append(l, Value::number(2));
    rt.list_append(l, Value::object(rt.new_list()));
    BOOST_TEST(display(Value::object(l)) == "[\"a\", 2, []]");
    Map* m = rt.new_map();
    rt.map_set(m, rt.intern("b"), rt.text("x"));
    rt.map_set(m, rt.intern("a"), Value::number(1));
    BOOST_TEST(display(Value::object(m)) == "{a: 1, b: \"x\"}");
    BOOST_TEST(display(Value::object(rt.new_map())) == "{}");
    BOOST_TEST(display(Value::object(rt.new_wrapped(Wrap::Triumph, rt.text("x")))) ==
               "Triumph(\"x\")");
    BOOST_TEST(display(Value::absent()) == "Absent");
    BOOST_TEST(display(Value::object(rt.new_range(1, 5))) == "range(1, 5)");
}

BOOST_AUTO_TEST_CASE(to_text_uses_the_older_rules) {
    Runtime rt;
    std::string s;
    List* l = rt.new_list();
    rt.list_append(l, Value::number(1));
    append_to_text(s, Value::object(rt.new_wrapped(Wrap::Present, Value::object(l))));
    BOOST_TEST(s == "Present([List])");
    s.clear();
    append_to_text(s, Value::object(rt.new_map()));
    BOOST_TEST(s == "[Map]");
    s.clear();
    append_to_text(s, Value::object(rt.new_wrapped(Wrap::Mishap, rt.text("e"))));
    BOOST_TEST(s == "Mishap(e)");
}

BOOST_AUTO_TEST_CASE(struct_display_sorts_fields) {
    Runtime rt;
    StructDef* d = rt.new_struct_def(rt.intern("P"), 2);
    d->field_names[0] = rt.intern("y");
    d->field_names[1] = rt.intern("x");
    d->field_types[0] = rt.intern("Number");
    d->field_types[1] = rt.intern("Number");
    Struct* s = rt.new_struct(d);
    s->fields()[0] = Value::number(2);
    s->fields()[1] = Value::number(1);
    BOOST_TEST(display(Value::object(s)) == "P { x: 1, y: 2 }");
    BOOST_TEST(type_name(Value::object(s)) == "P");
    StructDef* e = rt.new_struct_def(rt.intern("E"), 0);
    BOOST_TEST(display(Value::object(rt.new_struct(e))) == "E {  }");
    BOOST_TEST(display(Value::object(e)) == "<struct definition: E>");
}

BOOST_AUTO_TEST_SUITE_END()
