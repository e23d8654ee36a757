// runtime/list and runtime/map: growth, lookup, copies share their elements (copy-on-write).
#include <boost/test/unit_test.hpp>

#include <span>
#include <string>

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
// key_order: the slots in byte order of the keys. A large map's order is kept while its keys
// stay the same (the same block comes back), sorted again after a new key, and given back
// with the map.
BOOST_AUTO_TEST_CASE(a_large_maps_key_order_is_kept_until_a_new_key) {
    // The same maps in two runtimes, the orders asked for in one of them only.
    auto run = [](Runtime& rt, bool ask) {
        Handle h(rt, Value::object(rt.new_map()));
        auto* m = static_cast<Map*>(h.get().as_object());
        for (int i = 0; i < 300; ++i)
            rt.map_set(m, rt.string("k" + std::to_string(299 - i)), Value::number(i));
        auto in_order = [&](std::span<const std::uint32_t> order) {
            BOOST_TEST_REQUIRE(order.size() == m->count);
            for (std::size_t i = 1; i < order.size(); ++i) {
                // Compared as std::string_view: Boost.Test's own string compare puts the
                // shorter text first.
                const bool before =
                    m->entries[order[i - 1]].key->view() < m->entries[order[i]].key->view();
                BOOST_TEST_REQUIRE(before, m->entries[order[i]].key->view());
            }
        };
        std::span<const std::uint32_t> first;
        if (ask) in_order(first = rt.key_order(m));
        rt.map_set(m, rt.string("k7"), Value::number(-7));  // a value, not a key
        if (ask) BOOST_TEST(rt.key_order(m).data() == first.data());
        rt.map_set(m, rt.string("a"), Value::number(0));
        if (ask) {
            std::span<const std::uint32_t> again = rt.key_order(m);
            in_order(again);
            BOOST_TEST(m->entries[again[0]].key->view() == "a");
        }
        // A dozen other large maps take every kept order in turn, this one's too.
        for (int j = 0; j < 12; ++j) {
            Map* other = rt.new_map();
            for (int i = 0; i < 100; ++i)
                rt.map_set(other, rt.string("o" + std::to_string(i)), Value::number(i));
            if (ask) BOOST_TEST(rt.key_order(other).size() == 100u);
        }
        if (ask) in_order(rt.key_order(m));
    };
    Runtime asked, plain;
    run(asked, true);
    run(plain, false);
    for (Runtime* rt : {&asked, &plain}) {
        rt->collect();
        rt->collect();
    }
    BOOST_TEST(asked.stats().bytes_live == plain.stats().bytes_live);  // every order given back
}

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
