// runtime/string: short texts are interned per runtime; long ones are not; the interner is weak;
// a chain's newest sum is appended to in place.
#include <boost/test/unit_test.hpp>

#include "runtime/runtime.hpp"

using namespace glimmer::runtime;

BOOST_AUTO_TEST_SUITE(runtime_string)

BOOST_AUTO_TEST_CASE(short_texts_are_interned) {
    Runtime rt;
    String* a = rt.string("hello");
    String* b = rt.string("hello");
    BOOST_TEST(a == b);
    BOOST_TEST(a->view() == "hello");
    BOOST_TEST(a->chars()[a->length] == '\0');
}

BOOST_AUTO_TEST_CASE(long_texts_are_separate_objects_but_equal) {
    Runtime rt;
    std::string long_text(200, 'z');
    String* a = rt.string(long_text);
    String* b = rt.string(long_text);
    BOOST_TEST(a != b);
    BOOST_TEST(values_equal(Value::object(a), Value::object(b)));
    BOOST_TEST(text_hash(a) == text_hash(b));
}

BOOST_AUTO_TEST_CASE(concat_interns_short_results) {
    Runtime rt;
    String* ab = rt.concat(rt.string("a"), rt.string("b"));
    BOOST_TEST(ab == rt.string("ab"));
    String* big = rt.concat(rt.string(std::string(30, 'x')), rt.string(std::string(30, 'y')));
    BOOST_TEST(big->view() == std::string(30, 'x') + std::string(30, 'y'));
}

BOOST_AUTO_TEST_CASE(concat_with_empty_text_is_the_other_text_and_allocates_nothing) {
    Runtime rt;
    String* empty = rt.string("");
    String* big = rt.string(std::string(100, 'q'));
    std::uint64_t before = rt.stats().allocations;
    BOOST_TEST(rt.concat(big, empty) == big);
    BOOST_TEST(rt.concat(empty, big) == big);
    BOOST_TEST(rt.concat(empty, empty)->view() == "");
    BOOST_TEST(rt.stats().allocations == before);
    // Hashes still agree with a text built from scratch (map keys compare by content).
    BOOST_TEST(text_hash(rt.concat(empty, big)) == hash_bytes(std::string(100, 'q')));
}

BOOST_AUTO_TEST_CASE(long_texts_are_hashed_only_when_a_map_needs_them) {
    Runtime rt;
    const std::string text = std::string(50, 'k') + "1";
    String* key = rt.concat(rt.string(std::string(50, 'k')), rt.string("1"));
    BOOST_TEST(key->hash == 0u);
    Map* m = rt.new_map();
    rt.map_set(m, key, Value::number(1));
    BOOST_TEST(key->hash == hash_bytes(text));
    String* same = rt.string(text);  // equal content, another object, not hashed yet
    BOOST_TEST(same != key);
    BOOST_TEST(same->hash == 0u);
    Value* found = rt.map_find(m, same);
    BOOST_REQUIRE(found);
    BOOST_TEST(found->as_number() == 1);
    rt.map_set(m, same, Value::number(2));
    BOOST_TEST(m->count == 1u);
}

BOOST_AUTO_TEST_CASE(interner_is_weak_and_survives_many_texts) {
    Runtime rt;
    for (int i = 0; i < 20000; ++i)
        rt.string("t" + std::to_string(i));
    std::size_t before = rt.object_count();
    rt.collect();
    BOOST_TEST(rt.object_count() < before);
    // Every text created after the collection still interns correctly.
    for (int i = 0; i < 1000; ++i) {
        BOOST_TEST(rt.string("u" + std::to_string(i)) == rt.string("u" + std::to_string(i)));
    }
    Handle keep(rt, rt.text("kept"));
    rt.collect();
    BOOST_TEST(rt.string("kept") == static_cast<String*>(keep.get().as_object()));
    BOOST_TEST(rt.verify() == "");
}

BOOST_AUTO_TEST_CASE(append_to_newest_grows_only_the_newest_text) {
    Runtime rt;
    // Every operand is made first: a text made after `newest` would be the newest.
    Handle piece(rt, Value::object(rt.string(std::string(5000, 'g'))));
    String* x = rt.string("x");
    String* older = rt.concat_step(rt.string(std::string(100, 'o')), rt.string("!"));
    String* newest = rt.concat_step(rt.string(std::string(100, 'n')), rt.string("?"));
    Handle keep_older(rt, Value::object(older)), keep_newest(rt, Value::object(newest));
    BOOST_TEST(rt.append_to_newest(older, x) == nullptr);  // not the newest
    BOOST_TEST(older->view() == std::string(100, 'o') + "!");
    String* grown = rt.append_to_newest(newest, static_cast<String*>(piece.get().as_object()));
    BOOST_REQUIRE(grown != nullptr);
    keep_newest.set(Value::object(grown));
    BOOST_TEST(grown->view() == std::string(100, 'n') + "?" + std::string(5000, 'g'));
    BOOST_TEST(grown->chars()[grown->length] == '\0');
    BOOST_TEST(text_hash(grown) == hash_bytes(grown->view()));
    // Refused with nothing to add or with a newer text made since; the young list still leads
    // to it (the head moved with its block), so a collection keeps it.
    BOOST_TEST(rt.append_to_newest(grown, rt.string("")) == nullptr);  // nothing to add
    BOOST_TEST(rt.append_to_newest(grown, rt.string(std::string(50, 'y'))) == nullptr);  // newer
    rt.collect_due();
    BOOST_TEST(rt.verify() == "");
    BOOST_TEST(keep_newest.get().as_object() == grown);
    BOOST_TEST(keep_older.get().as_object() == older);
}

BOOST_AUTO_TEST_SUITE_END()
