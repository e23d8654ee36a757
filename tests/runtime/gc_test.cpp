// runtime/gc: reachability from handles and globals, sweep frees, stress, verify(), young
// collections and the write barrier.
#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include "runtime/runtime.hpp"

using namespace glimmer::runtime;

BOOST_AUTO_TEST_SUITE(runtime_gc)

BOOST_AUTO_TEST_CASE(unreachable_objects_are_freed) {
    Runtime rt;
    std::size_t base = rt.object_count();
    for (int i = 0; i < 1000; ++i)
        rt.new_list(8);
    BOOST_TEST(rt.object_count() == base + 1000);
    rt.collect();
    BOOST_TEST(rt.object_count() <= base);
    BOOST_TEST(rt.verify() == "");
}

BOOST_AUTO_TEST_CASE(handles_and_globals_keep_graphs_alive) {
    Runtime rt;
    List* outer = rt.new_list();
    Map* m = rt.new_map();
    rt.map_set(m, rt.string(std::string(64, 'k')), rt.text(std::string(64, 'v')));
    rt.list_append(outer, Value::object(m));
    rt.list_append(outer,
                   Value::object(rt.new_wrapped(Wrap::Present, rt.text(std::string(50, 'w')))));
    Handle h(rt, Value::object(outer));
    List* g = rt.new_list();
    rt.list_append(g, rt.text(std::string(70, 'g')));
    rt.define_global("kept", Value::object(g));
    for (int i = 0; i < 100; ++i)
        rt.new_map(4);
    rt.collect();
    BOOST_TEST(rt.verify() == "");
    BOOST_TEST(display(Value::object(outer)) == "[{" + std::string(64, 'k') + ": \"" +
                                                    std::string(64, 'v') + "\"}, Present(\"" +
                                                    std::string(50, 'w') + "\")]");
    BOOST_TEST(display(rt.get_global("kept")) == "[\"" + std::string(70, 'g') + "\"]");
}

BOOST_AUTO_TEST_CASE(released_handles_stop_rooting) {
    Runtime rt;
    std::size_t base = rt.object_count();
    {
        Handle h(rt, Value::object(rt.new_list()));
        rt.collect();
        BOOST_TEST(rt.object_count() == base + 1);
    }
    rt.collect();
    BOOST_TEST(rt.object_count() == base);
}

BOOST_AUTO_TEST_CASE(pacing_raises_gc_due_and_collection_resets_it) {
    RuntimeConfig config;
    config.gc_floor = 64 * 1024;
    Runtime rt(config);
    BOOST_TEST(!rt.gc_due());
    for (int i = 0; i < 10000 && !rt.gc_due(); ++i)
        rt.new_list(4);
    BOOST_TEST(rt.gc_due());
    rt.collect();
    BOOST_TEST(!rt.gc_due());
    BOOST_TEST(rt.stats().collections == 1u);
}

BOOST_AUTO_TEST_CASE(stress_mode_makes_every_allocation_due) {
    RuntimeConfig config;
    config.gc_stress = true;
    Runtime rt(config);
    rt.collect();
    rt.new_list();
    BOOST_TEST(rt.gc_due());
}

BOOST_AUTO_TEST_CASE(funnel_counts_balance_after_collection) {
    Runtime rt;
    rt.collect();
    std::size_t live = rt.stats().bytes_live;
    for (int i = 0; i < 500; ++i) {
        List* l = rt.new_list();
        for (int j = 0; j < 20; ++j)
            rt.list_append(l, Value::number(j));
    }
    BOOST_TEST(rt.stats().bytes_live > live);
    rt.collect();
    BOOST_TEST(rt.stats().bytes_live == live);
}

BOOST_AUTO_TEST_CASE(memory_limit_gives_out_of_memory_and_runtime_stays_usable) {
    RuntimeConfig config;
    config.memory_limit = 4 << 20;
    Runtime rt(config);
    bool raised = false;
    try {
        Handle h(rt, Value::object(rt.new_list()));
        for (;;) {
            auto* l = static_cast<List*>(h.get().as_object());
            rt.list_append(l, rt.text(std::string(100, 'x') + std::to_string(l->length)));
        }
    } catch (const RuntimeError& e) {
        raised = true;
        BOOST_TEST(e.kind() == ErrorKind::OutOfMemory);
        BOOST_TEST(error_kind_name(e.kind()) == "OutOfMemory");
    }
    BOOST_TEST(raised);
    rt.collect();
    List* l = rt.new_list();
    rt.list_append(l, Value::number(1));
    BOOST_TEST(display(Value::object(l)) == "[1]");
}

// ---- young collections (collect_due) and the write barrier

namespace {
List* list_in(const Handle& h) {
    return static_cast<List*>(h.get().as_object());
}
}  // namespace

BOOST_AUTO_TEST_CASE(young_collection_frees_young_garbage_and_keeps_old_objects) {
    Runtime rt;
    Handle old(rt, Value::object(rt.new_list()));
    for (int i = 0; i < 100; ++i)
        rt.list_append(list_in(old), rt.text(std::string(40, 'o') + std::to_string(i)));
    rt.collect();
    const std::size_t base = rt.object_count();
    for (int i = 0; i < 1000; ++i)
        rt.new_list(8);
    rt.collect_due();
    BOOST_TEST(rt.stats().collections == 2u);
    BOOST_TEST(rt.stats().full_collections == 1u);  // the second was young
    BOOST_TEST(rt.object_count() == base);
    BOOST_TEST(rt.verify() == "");
    BOOST_TEST(display(list_in(old)->items[99]) == std::string(40, 'o') + "99");
}

BOOST_AUTO_TEST_CASE(young_values_stored_into_old_containers_survive_young_collections) {
    Runtime rt;
    Handle list(rt, Value::object(rt.new_list()));
    Handle map(rt, Value::object(rt.new_map()));
    rt.collect();  // both old now
    // Held only by the old containers (list_append and map_set call the barrier).
    rt.list_append(list_in(list), rt.text(std::string(60, 'y')));
    List* inner = rt.new_list();
    rt.list_append(inner, rt.text(std::string(50, 'i')));
    rt.map_set(static_cast<Map*>(map.get().as_object()), rt.string("key"), Value::object(inner));
    for (int round = 0; round < 3; ++round) {
        for (int i = 0; i < 200; ++i)
            rt.new_list(4);
        rt.collect_due();
        BOOST_TEST(rt.verify() == "");
    }
    BOOST_TEST(rt.stats().full_collections == 1u);
    BOOST_TEST(display(list.get()) == "[\"" + std::string(60, 'y') + "\"]");
    BOOST_TEST(display(map.get()) == "{key: [\"" + std::string(50, 'i') + "\"]}");
}

BOOST_AUTO_TEST_CASE(verify_reports_a_store_into_an_old_object_without_the_barrier) {
    Runtime rt;
    Handle h(rt, Value::object(rt.new_list(4)));
    rt.list_append(list_in(h), Value::number(1));
    rt.collect();
    list_in(h)->items[0] = rt.text(std::string(60, 'z'));  // as a store that forgot the barrier
    BOOST_TEST(rt.verify().find("not remembered") != std::string::npos);
    rt.write_barrier(list_in(h));
    BOOST_TEST(rt.verify() == "");
}

BOOST_AUTO_TEST_CASE(young_collection_work_does_not_grow_with_the_old_heap) {
    // Objects marked by one young collection after 100 new lists, beside old heaps of 1,000
    // and 100,000 lists: the old ones are not marked again.
    auto marked_by_young_collection = [](int old_lists) {
        Runtime rt;
        Handle old(rt, Value::object(rt.new_list()));
        for (int i = 0; i < old_lists; ++i)
            rt.list_append(list_in(old), Value::object(rt.new_list(2)));
        rt.collect();
        Handle young(rt, Value::object(rt.new_list()));
        for (int i = 0; i < 100; ++i)
            rt.list_append(list_in(young), Value::object(rt.new_list(2)));
        const std::uint64_t before = rt.stats().objects_marked;
        rt.collect_due();
        BOOST_TEST(rt.stats().full_collections == 1u);
        BOOST_TEST(rt.verify() == "");
        return rt.stats().objects_marked - before;
    };
    const std::uint64_t small = marked_by_young_collection(1000);
    BOOST_TEST(small == 101u);  // the young list and its 100 lists
    BOOST_TEST(marked_by_young_collection(100000) == small);
}

BOOST_AUTO_TEST_CASE(old_garbage_goes_at_the_full_collection_once_old_bytes_have_doubled) {
    RuntimeConfig config;
    config.gc_floor = 64 * 1024;
    Runtime rt(config);
    rt.collect();
    const std::size_t base = rt.object_count();
    // Each round's lists survive one young collection (old), then are dropped: old garbage
    // that only a full collection frees.
    int rounds = 0;
    while (rt.stats().full_collections == 1u && rounds < 100) {
        Handle h(rt, Value::object(rt.new_list()));
        for (int i = 0; i < 500; ++i)
            rt.list_append(list_in(h), rt.text(std::string(100, 'g') + std::to_string(i)));
        rt.collect_due();
        ++rounds;
    }
    BOOST_TEST(rt.stats().full_collections == 2u);
    BOOST_TEST(rounds > 1);                       // young collections came first
    BOOST_TEST(rt.object_count() <= base + 501);  // the old garbage is gone
    BOOST_TEST(rt.verify() == "");
}

BOOST_AUTO_TEST_CASE(an_interned_text_freed_young_leaves_the_interner) {
    Runtime rt;
    rt.collect();
    const std::string text = "a text interned then dropped";
    rt.string(text);
    rt.collect_due();  // young: frees it
    BOOST_TEST(rt.stats().full_collections == 1u);
    BOOST_TEST(rt.verify() == "");
    Handle again(rt, Value::object(rt.string(text)));  // interned anew, not the freed one
    BOOST_TEST(display(again.get()) == text);
    BOOST_TEST(rt.string(text) == again.get().as_object());
}

BOOST_AUTO_TEST_CASE(defining_globals_costs_bytes_linear_in_their_number) {
    // Bytes requested through the funnel for n and 8n new global names: linear (the tables
    // grow by doubling; growing them by one slot each time copied them all at every name).
    auto bytes_for = [](int n) {
        Runtime rt;
        const std::uint64_t before = rt.stats().bytes_allocated;
        for (int i = 0; i < n; ++i)
            rt.define_global("g" + std::to_string(i), Value::number(i));
        return rt.stats().bytes_allocated - before;
    };
    const std::uint64_t small = bytes_for(2000), large = bytes_for(16000);
    BOOST_TEST(large < small * 16, small << " -> " << large);
}

// A chunk source that can be told to refuse, counting the refusals.
struct RefusingSource {
    bool refuse = false;
    std::size_t refusals = 0;
    static void* alloc(void* user, std::size_t bytes) {
        auto* self = static_cast<RefusingSource*>(user);
        if (self->refuse) {
            ++self->refusals;
            return nullptr;
        }
        return std::aligned_alloc(32 * 1024, (bytes + 32 * 1024 - 1) / (32 * 1024) * (32 * 1024));
    }
    static void release(void*, void* chunk, std::size_t) { std::free(chunk); }
};

// When the system refuses memory, the gray stack stops growing and the collector rescans. It
// asks once per pass: asking again for every object marked made a heap at its limit spend
// half a minute in failing system calls and throws.
BOOST_AUTO_TEST_CASE(a_gray_stack_that_cannot_grow_is_not_grown_again_for_every_object) {
    RefusingSource source;
    RuntimeConfig config;
    config.chunk_alloc = &RefusingSource::alloc;
    config.chunk_free = &RefusingSource::release;
    config.chunk_user = &source;
    Runtime rt(config);
    List* outer = rt.new_list();
    Handle h(rt, Value::object(outer));
    for (int i = 0; i < 200'000; ++i)
        rt.list_append(outer, Value::object(rt.new_list(1)));
    source.refuse = true;  // the first collection's gray stack must grow, and cannot
    rt.collect();
    BOOST_TEST(source.refusals >= 1u);
    BOOST_TEST(source.refusals <= 16u);
    BOOST_TEST(rt.object_count() >= 200'001u);
    source.refuse = false;
    BOOST_TEST(rt.verify() == "");
}

BOOST_AUTO_TEST_SUITE_END()
