// concurrency_test.cpp — several engines on several threads at once: each has its own heap,
// globals, host functions and output, and each gets exactly its own results; one chunk source
// may serve them all if it is thread-safe. `bash scripts/ci/tsan.sh` builds this executable
// under ThreadSanitizer and runs it: any race report fails.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <mutex>
#include <new>
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

// One chunk source behind every engine, shared across threads: it must be thread-safe itself
// (a mutex here); each engine still has a heap of its own, carved from the source's chunks.
class SharedSource {
  public:
    glimmer::ChunkSource source() {
        return {[this](std::size_t bytes) {
                    std::lock_guard<std::mutex> lock(mutex_);
                    ++acquires_;
                    out_bytes_ += bytes;
                    return ::operator new (bytes, std::align_val_t{32768});
                },
                [this](void* chunk, std::size_t bytes) {
                    std::lock_guard<std::mutex> lock(mutex_);
                    ++releases_;
                    out_bytes_ -= bytes;
                    ::operator delete (chunk, bytes, std::align_val_t{32768});
                }};
    }
    std::size_t acquires() {
        std::lock_guard<std::mutex> lock(mutex_);
        return acquires_;
    }
    std::size_t releases() {
        std::lock_guard<std::mutex> lock(mutex_);
        return releases_;
    }
    std::size_t out_bytes() {
        std::lock_guard<std::mutex> lock(mutex_);
        return out_bytes_;
    }

  private:
    std::mutex mutex_;
    std::size_t acquires_ = 0, releases_ = 0, out_bytes_ = 0;
};

BOOST_AUTO_TEST_CASE(engines_on_several_threads_share_one_thread_safe_chunk_source) {
    SharedSource shared;
    std::vector<double> results(kThreads, 0);
    std::vector<std::thread> threads;
    for (int id = 0; id < kThreads; ++id) {
        threads.emplace_back([&shared, &results, id] {
            try {
                Engine e({.chunk_source = shared.source()});
                results[id] = e.run(
                                   "weave xs as []\n"
                                   "for each i in range(0, 3000) then set xs to list_push(xs, "
                                   "to_text(i) + \"-" +
                                   std::to_string(id) +
                                   "\") end\n"
                                   "list_length(xs) + " +
                                   std::to_string(id))
                                  .as_number();
            } catch (const std::exception&) {
                results[id] = -1;
            }
        });
    }
    for (std::thread& t : threads)
        t.join();
    for (int id = 0; id < kThreads; ++id)
        BOOST_TEST(results[id] == 3000 + id);
    BOOST_TEST(shared.acquires() >= static_cast<std::size_t>(2 * kThreads));
    BOOST_TEST(shared.releases() == shared.acquires());  // every engine gave everything back
    BOOST_TEST(shared.out_bytes() == 0u);
}

// An engine gives its memory back to the kernel when it ends; another engine, on another
// thread, is likely to be given the same addresses at once.  The two threads share no lock
// (the flag is relaxed on purpose: it orders nothing), so under ThreadSanitizer this passes only
// if TSan sees the unmap and the new map (asm/macros.h, KERNEL_CALL); otherwise the second
// engine's first writes look like a race with the first engine's last ones.
BOOST_AUTO_TEST_CASE(memory_one_engine_gives_back_is_fresh_for_the_next_on_another_thread) {
    const std::string script =
        "weave xs as []\n"
        "for each i in range(0, 5000) then set xs to list_push(xs, {k: to_text(i)}) end\n"
        "list_length(xs)";
    std::atomic<bool> first_done{false};
    double first = 0, second = 0;
    std::thread a([&] {
        Engine e;
        first = e.run(script).as_number();
        // e ends here: its heap unmaps every chunk
    });
    std::thread b([&] {
        while (!first_done.load(std::memory_order_relaxed))
            std::this_thread::yield();
        Engine e;
        second = e.run(script).as_number();
    });
    // The flag is set once a has ended (its heap unmapped), by this thread: the join orders
    // this thread after a, but nothing orders b after a.
    a.join();
    first_done.store(true, std::memory_order_relaxed);
    b.join();
    BOOST_TEST(first == 5000);
    BOOST_TEST(second == 5000);
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
