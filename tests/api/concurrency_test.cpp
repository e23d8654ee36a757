// concurrency_test.cpp — several engines on several threads at once: each has its own heap,
// globals, host functions and output, and each gets exactly its own results. Build with
// -DGLIMMER_TSAN=ON and run `api_test --run_test=api/concurrency` for the race check.
#include <boost/test/unit_test.hpp>

#include <string>
#include <thread>
#include <vector>

#include <glimmer/glimmer.hpp>

using glimmer::Engine;
using glimmer::Value;

namespace {

constexpr int kThreads = 4;

struct Outcome {
    std::string output;
    double result = 0;
    std::string error;
    std::size_t peak_footprint = 0;
};

// Each worker's script depends on its id, so mixed-up state shows as a wrong answer.
void work(int id, Outcome& outcome) {
    try {
        glimmer::Config config;
        config.memory_limit = 64u << 20;
        config.output = [&outcome](std::string_view s) { outcome.output += s; };
        Engine e(std::move(config));
        e.set_global("worker", id);
        e.register_function("scale", [id](double x) { return x * (id + 1); });
        e.run(
            "chant fib(n) then\n"
            "  should n less than 2 then yield n end\n"
            "  yield fib(n - 1) + fib(n - 2)\n"
            "end\n"
            "chant build(n) then\n"
            "  weave xs as []\n"
            "  for each i in range(0, n) then set xs to list_push(xs, {k: to_text(i), v: [i]}) "
            "end\n"
            "  yield xs\n"
            "end");
        double total = 0;
        for (int round = 0; round < 20; ++round) {
            Value xs = e.call("build", {2000 + id});
            total += static_cast<double>(xs.as_list().size());
            total += e.call("fib", {15}).as_number();
        }
        total += e.run("scale(worker)").as_number();
        e.run("println(\"worker\", worker, \"done\")");
        outcome.result = total;
        outcome.peak_footprint = e.memory_stats().peak_footprint_bytes;
    } catch (const std::exception& ex) {
        outcome.error = ex.what();
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(api)
BOOST_AUTO_TEST_SUITE(concurrency)

BOOST_AUTO_TEST_CASE(engines_on_several_threads_run_at_once_and_share_nothing) {
    std::vector<Outcome> outcomes(kThreads);
    std::vector<std::thread> threads;
    for (int id = 0; id < kThreads; ++id)
        threads.emplace_back(work, id, std::ref(outcomes[id]));
    for (std::thread& t : threads)
        t.join();
    for (int id = 0; id < kThreads; ++id) {
        const Outcome& o = outcomes[id];
        BOOST_TEST_INFO("worker " << id);
        BOOST_TEST(o.error == "");
        double expected = 20.0 * (2000 + id) + 20.0 * 610 + static_cast<double>(id) * (id + 1);
        BOOST_TEST(o.result == expected);
        BOOST_TEST(o.output == "worker " + std::to_string(id) + " done\n");
        BOOST_TEST(o.peak_footprint <= (64u << 20));
    }
}

BOOST_AUTO_TEST_CASE(engines_in_one_thread_do_not_see_each_other) {
    Engine a, b;
    a.run("bind only_in_a to 1");
    a.register_function("host_a", [] { return 1; });
    BOOST_TEST(!b.has_global("only_in_a"));
    BOOST_TEST(!b.has_global("host_a"));
    b.run("bind only_in_a to 2");
    BOOST_TEST(a.get_global("only_in_a").as_number() == 1);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
