// runtime/gc: reachability from handles and globals, sweep frees, stress, verify().
#include <boost/test/unit_test.hpp>

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

BOOST_AUTO_TEST_SUITE_END()
