// runtime/list and runtime/map: growth, lookup, copies share their elements (copy-on-write).
#include <boost/test/unit_test.hpp>

#include "runtime/runtime.hpp"

using namespace glimmer::runtime;

BOOST_AUTO_TEST_SUITE(runtime_container)

BOOST_AUTO_TEST_CASE(list_grows_and_keeps_order) {
    Runtime rt;
    List* l = rt.new_list();
    for (int i = 0; i < 1000; ++i)
        rt.list_append(l, Value::number(i));
    BOOST_TEST(l->length == 1000u);
    BOOST_TEST(l->capacity >= 1000u);
    for (int i = 0; i < 1000; ++i)
        BOOST_TEST(l->items[i].as_number() == i);
}

BOOST_AUTO_TEST_CASE(list_copy_is_independent_and_marks_elements_shared) {
    Runtime rt;
    List* inner = rt.new_list();
    List* l = rt.new_list();
    rt.list_append(l, Value::object(inner));
    List* c = rt.copy_list(l, 4);
    BOOST_TEST(c != l);
    BOOST_TEST(c->items[0] == Value::object(inner));
    BOOST_TEST(inner->shared());
    rt.list_append(c, Value::number(1));
    BOOST_TEST(l->length == 1u);
}

BOOST_AUTO_TEST_CASE(map_inserts_replaces_and_rehashes) {
    Runtime rt;
    Map* m = rt.new_map();
    for (int i = 0; i < 5000; ++i)
        rt.map_set(m, rt.string("k" + std::to_string(i)), Value::number(i));
    BOOST_TEST(m->count == 5000u);
    for (int i = 0; i < 5000; ++i) {
        Value* v = rt.map_find(m, rt.string("k" + std::to_string(i)));
        BOOST_REQUIRE(v);
        BOOST_TEST(v->as_number() == i);
    }
    rt.map_set(m, rt.string("k7"), Value::number(-1));
    BOOST_TEST(m->count == 5000u);
    BOOST_TEST(rt.map_find(m, rt.string("k7"))->as_number() == -1);
    BOOST_TEST(rt.map_find(m, rt.string("absent")) == nullptr);
}

BOOST_AUTO_TEST_CASE(map_finds_long_keys_by_content) {
    Runtime rt;
    Map* m = rt.new_map();
    std::string key(100, 'q');
    rt.map_set(m, rt.string(key), Value::number(3));
    BOOST_TEST(rt.map_find(m, rt.string(key))->as_number() == 3);
    Map* c = rt.copy_map(m);
    rt.map_set(c, rt.string(key), Value::number(4));
    BOOST_TEST(rt.map_find(m, rt.string(key))->as_number() == 3);
    BOOST_TEST(rt.map_find(c, rt.string(key))->as_number() == 4);
}

// A list at the most elements its 32-bit length counts: the next element is an OutOfMemory
// error and the list stays as it was. (Before, the doubled capacity wrapped to 0 past 2^31
// elements, a 16 GiB list: the block shrank to nothing and the append wrote past it.) The
// list's fields are faked, as no test machine holds 32 GiB of elements.
BOOST_AUTO_TEST_CASE(a_list_at_its_most_elements_refuses_one_more) {
    Runtime rt;
    BOOST_TEST(growth_room(10) == 6u);
    BOOST_TEST(growth_room(kMaxListLength - 1) == 1u);
    BOOST_TEST(growth_room(kMaxListLength) == 0u);
    List* l = rt.new_list();
    l->length = l->capacity = kMaxListLength;
    auto out_of_memory = [](const RuntimeError& e) { return e.kind() == ErrorKind::OutOfMemory; };
    BOOST_CHECK_EXCEPTION(rt.list_append(l, Value::number(1)), RuntimeError, out_of_memory);
    BOOST_TEST(l->length == kMaxListLength);
    BOOST_TEST(l->items == nullptr);
    l->length = l->capacity = kMaxListLength - 1;
    BOOST_CHECK_EXCEPTION(rt.copy_list(l, 2), RuntimeError, out_of_memory);
    l->length = l->capacity = 0;  // what the collector frees
    rt.list_append(l, Value::number(1));
    BOOST_TEST(l->length == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
