// alloc_failure_test.cpp — every allocation failure (issue 6), after Lua's ltests.c.
//
// For every conformance and sample script (scripts/gw/tests/**, scripts/gw/examples) the script
// first runs once in process, counting the heap's allocating calls N (gw_heap_fail_after armed
// with a huge countdown: N = armed - remaining). Then it runs again for every k in 1..N (or, when
// N > kMaxPoints, at kMaxPoints evenly spread k that include 1 and N), with the heap told to fail
// its k-th allocating call. Each run must end
//   * as the clean run ended (finished, or the same error kind), or
//   * with a clean OutOfMemory RuntimeError whose message and formatted report are sensible;
// never with another exception. Afterwards gw_heap_check passes, Runtime::verify() finds the
// object graph intact, the same runtime still runs a small script, and destroying the runtime
// frees every block (destroy_probe.cpp checks that at gw_heap_destroy).
#include <pthread.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "gw_heap.h"
#include "heap/heap.hpp"
#include "interpreter/source.hpp"
#include "interpreter/vm/interpreter.hpp"
#include "runtime/runtime.hpp"

namespace fs = std::filesystem;
using namespace glimmer;

namespace {

constexpr std::uint64_t kCounting = std::uint64_t{1} << 62;  // never reaches 0 in a test
// Failure points per script: every k while a script makes at most kMaxPoints allocating calls;
// beyond that an even spread whose count keeps the script's share of the sweep near
// kWorkBudget allocating calls (a run failing at k does about k calls' work), but never fewer
// than kMinPoints. Keeps the whole sweep near a minute in an optimised build.
constexpr std::uint64_t kMaxPoints = 300;
constexpr std::uint64_t kMinPoints = 24;
constexpr std::uint64_t kWorkBudget = 6'000'000;

// How one run ended.
struct Outcome {
    enum class End { Finished, RuntimeError, SyntaxError, Other } end = End::Finished;
    runtime::ErrorKind kind = runtime::ErrorKind::CustomError;
    std::string text;  // error message or what() of the unexpected exception
    std::string output;

    bool out_of_memory() const {
        return end == End::RuntimeError && kind == runtime::ErrorKind::OutOfMemory;
    }
    bool same_end(const Outcome& o) const {
        return end == o.end && (end != End::RuntimeError || kind == o.kind);
    }
    std::string describe() const {
        switch (end) {
            case End::Finished:
                return "finished";
            case End::RuntimeError:
                return "Runtime error: " + std::string(runtime::error_kind_name(kind)) + ": " +
                       text;
            case End::SyntaxError:
                return "Syntax error: " + text;
            case End::Other:
                return "unexpected exception: " + text;
        }
        return "?";
    }
};

struct Run {
    Outcome outcome;
    std::uint64_t allocating_calls = 0;  // counted only when the heap was not told to fail
    bool failure_fired = false;
};

// Runs `fn` on a thread with the glimmer command's 256 MiB script stack. A script that recurses
// through builtins nests on the native stack (recursion_through_builtins.gw: 10,000 levels, about
// 12 MiB), so on the test's own main thread it would end in StackOverflow at a depth that
// depends on the bounds glibc reports for that thread; the sweep counted a different number of
// allocating calls from one run to the next there (CI: "allocating call 10576 never came").
template <class F>
void on_script_stack(F&& fn) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, std::size_t{256} << 20);
    pthread_t thread;
    const int rc = pthread_create(
        &thread, &attr,
        [](void* f) -> void* {
            (*static_cast<std::remove_reference_t<F>*>(f))();
            return nullptr;
        },
        &fn);
    pthread_attr_destroy(&attr);
    BOOST_TEST_REQUIRE(rc == 0, "cannot start the script thread");
    pthread_join(thread, nullptr);
}

// Runs `source` in a fresh runtime whose heap fails its `fail_at`-th allocating call (0: count
// them instead), then checks what the runtime looks like afterwards.
Run run_with_failure(const interp::SourceFile& source, std::uint64_t fail_at) {
    Run run;
    runtime::RuntimeConfig config;
    config.output = [&run](std::string_view s) {
        if (run.outcome.output.size() < (1u << 20)) run.outcome.output += s;
    };
    runtime::Runtime rt(std::move(config));
    GwHeap* heap = rt.heap().raw();
    gw_heap_fail_after(heap, fail_at ? fail_at : kCounting);
    try {
        std::exception_ptr thrown;
        on_script_stack([&] {
            try {
                interp::Interpreter interpreter(rt);
                interpreter.run(source);
            } catch (...) {
                thrown = std::current_exception();
            }
        });
        if (thrown) std::rethrow_exception(thrown);
    } catch (const runtime::RuntimeError& e) {
        run.outcome.end = Outcome::End::RuntimeError;
        run.outcome.kind = e.kind();
        run.outcome.text = e.message();
        // The report a user would see must be producible after any failure.
        std::string report = interp::Interpreter::format_runtime_error(source, e);
        BOOST_TEST(report.find(std::string(runtime::error_kind_name(e.kind()))) !=
                   std::string::npos);
    } catch (const interp::SyntaxError& e) {
        run.outcome.end = Outcome::End::SyntaxError;
        run.outcome.text = e.what();
    } catch (const std::exception& e) {
        run.outcome.end = Outcome::End::Other;
        run.outcome.text = e.what();
    }
    std::uint64_t remaining = heap->fail_after;
    if (fail_at == 0) {
        run.allocating_calls = kCounting - remaining;
    } else {
        run.failure_fired = remaining == 0;
    }
    gw_heap_fail_after(heap, 0);

    BOOST_TEST(gw_heap_check(heap) == GW_OK,
               "gw_heap_check: " << gw_heap_status_name(gw_heap_check(heap)));
    std::string damage = rt.verify();
    BOOST_TEST(damage.empty(), "Runtime::verify: " << damage);

    // The runtime must stay usable: collect, then run a small script in it.
    try {
        rt.collect();
        interp::Interpreter again(rt);
        std::string before = run.outcome.output;
        again.run(
            "weave xs as []\nfor each i in range(0, 50) then\n"
            "    set xs to list_push(xs, \"item \" + to_text(i))\nend\n"
            "println(list_length(xs), xs[49])\n",
            "<after>");
        BOOST_TEST(run.outcome.output.substr(before.size()) == "50 item 49\n");
    } catch (const std::exception& e) {
        BOOST_ERROR("the runtime is unusable after the run: " << e.what());
    }
    BOOST_TEST(gw_heap_check(heap) == GW_OK);
    return run;
}

struct SweepFigures {
    std::size_t scripts = 0;
    std::uint64_t points = 0;
    std::uint64_t out_of_memory_ends = 0;
    std::uint64_t allocating_calls = 0;
    double density = 1.0;
    std::string shard = "all scripts";
};

// How many failure points a script with n allocating calls gets.
std::uint64_t point_budget(std::uint64_t n) {
    if (n <= kMaxPoints) return n;
    return std::clamp<std::uint64_t>(kWorkBudget / (n / 2), kMinPoints, kMaxPoints);
}

// The share of those points a run takes: GLIMMER_ALLOC_FAILURE_DENSITY in (0, 1], default 1.
// Sanitizer builds (scripts/ci/sanitizers.sh) run many times slower and take a sparser sample:
// every script still runs, failing at 1, at its last allocating call and evenly between.
double sweep_density() {
    const char* env = std::getenv("GLIMMER_ALLOC_FAILURE_DENSITY");
    if (!env || !*env) return 1.0;
    char* end = nullptr;
    const double d = std::strtod(env, &end);
    BOOST_TEST_REQUIRE((end && *end == '\0' && d > 0.0 && d <= 1.0),
                       "GLIMMER_ALLOC_FAILURE_DENSITY must be a number in (0, 1], not " << env);
    return d;
}

// The k to try for a script with n allocating calls: all of 1..n, or point_budget(n) values of
// k spread evenly from 1 to n; a density below 1 keeps that share of them (at least 1 and n).
std::vector<std::uint64_t> failure_points(std::uint64_t n, double density = 1.0) {
    std::vector<std::uint64_t> points;
    std::uint64_t count = point_budget(n);
    if (density < 1.0 && count > 2) {
        count = std::max<std::uint64_t>(
            2, static_cast<std::uint64_t>(static_cast<double>(count) * density + 0.5));
    }
    if (count == n) {
        for (std::uint64_t k = 1; k <= n; ++k)
            points.push_back(k);
        return points;
    }
    for (std::uint64_t i = 0; i < count; ++i) {
        points.push_back(1 + i * (n - 1) / (count - 1));
    }
    points.erase(std::unique(points.begin(), points.end()), points.end());
    return points;
}

// Which of the scripts this run sweeps: `-- --shard=K/N` on the command line takes every Nth
// script from the Kth (1-based), so CTest can run the sweep as N tests on N cores; without it,
// all of them.
struct Shard {
    std::size_t index = 0;  // 0-based
    std::size_t count = 1;
};

Shard sweep_shard() {
    const auto& suite = boost::unit_test::framework::master_test_suite();
    Shard shard;
    for (int i = 1; i < suite.argc; ++i) {
        const std::string arg = suite.argv[i];
        if (!arg.starts_with("--shard=")) continue;
        unsigned k = 0, n = 0;
        char extra = 0;
        const bool ok = std::sscanf(arg.c_str() + 8, "%u/%u%c", &k, &n, &extra) == 2 && n >= 1 &&
                        k >= 1 && k <= n;
        BOOST_TEST_REQUIRE(ok, "--shard wants K/N with 1 <= K <= N, not " << arg.substr(8));
        shard = Shard{k - 1u, n};
    }
    return shard;
}

std::vector<fs::path> scripts_under(const fs::path& dir) {
    std::vector<fs::path> out;
    if (!fs::exists(dir)) return out;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (entry.is_regular_file() && entry.path().extension() == ".gw") {
            out.push_back(entry.path());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

void check_failure_point(const interp::SourceFile& source, const Run& clean, std::uint64_t k,
                         SweepFigures& figures) {
    BOOST_TEST_CHECKPOINT(source.name() << ": failing allocating call " << k);
    Run failed = run_with_failure(source, k);
    BOOST_TEST(failed.failure_fired, "allocating call " << k << " never came");
    bool clean_end = failed.outcome.same_end(clean.outcome) || failed.outcome.out_of_memory();
    BOOST_TEST(clean_end, "ended " << failed.outcome.describe() << "; the clean run "
                                   << clean.outcome.describe());
    if (failed.outcome.out_of_memory()) {
        ++figures.out_of_memory_ends;
        BOOST_TEST(!failed.outcome.text.empty());
    }
}

void sweep_folder(const std::string& folder, SweepFigures& figures) {
    fs::path root(GLIMMER_SOURCE_ROOT);
    const double density = sweep_density();
    figures.density = density;
    const Shard shard = sweep_shard();
    if (shard.count > 1) {
        figures.shard =
            "shard " + std::to_string(shard.index + 1) + " of " + std::to_string(shard.count);
    }
    const std::vector<fs::path> scripts = scripts_under(root / folder);
    for (std::size_t i = shard.index; i < scripts.size(); i += shard.count) {
        const fs::path& path = scripts[i];
        std::string name = fs::relative(path, root).string();
        BOOST_TEST_CONTEXT("script " << name) {
            interp::SourceFile source = interp::SourceFile::read(path);
            BOOST_TEST_CHECKPOINT(name << ": counting run");
            Run clean = run_with_failure(source, 0);
            BOOST_TEST((clean.outcome.end != Outcome::End::Other), clean.outcome.describe());
            std::vector<std::uint64_t> points = failure_points(clean.allocating_calls, density);
            for (std::uint64_t k : points) {
                BOOST_TEST_CONTEXT("failing allocating call " << k << " of "
                                                              << clean.allocating_calls) {
                    check_failure_point(source, clean, k, figures);
                }
            }
            BOOST_TEST_MESSAGE(name << ": " << clean.allocating_calls << " allocating calls, "
                                    << points.size() << " failure points; clean run "
                                    << clean.outcome.describe());
            figures.scripts++;
            figures.points += points.size();
            figures.allocating_calls += clean.allocating_calls;
        }
    }
}

void report(const char* what, const SweepFigures& f) {
    BOOST_TEST_MESSAGE(what << ": " << f.scripts << " scripts, " << f.allocating_calls
                            << " allocating calls, " << f.points << " failure points exercised, "
                            << f.out_of_memory_ends << " ended in OutOfMemory");
    // Also on stdout, so `ctest -V` and CI logs show the figures without --log_level=message.
    std::printf(
        "%s: %zu scripts, %llu allocating calls, %llu failure points exercised, %llu "
        "ended in OutOfMemory (sample density %g, %s)\n",
        what, f.scripts, static_cast<unsigned long long>(f.allocating_calls),
        static_cast<unsigned long long>(f.points),
        static_cast<unsigned long long>(f.out_of_memory_ends), f.density, f.shard.c_str());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(reliability)
BOOST_AUTO_TEST_SUITE(alloc_failure)

BOOST_AUTO_TEST_CASE(failure_points_cover_small_scripts_fully_and_large_ones_evenly) {
    BOOST_TEST(failure_points(0).empty());
    BOOST_TEST(failure_points(5) == (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
    std::vector<std::uint64_t> medium = failure_points(20'000);
    BOOST_TEST(medium.size() == kMaxPoints);
    BOOST_TEST(medium.front() == 1u);
    BOOST_TEST(medium.back() == 20'000u);
    BOOST_TEST(std::is_sorted(medium.begin(), medium.end()));
    std::vector<std::uint64_t> large = failure_points(200'000);
    BOOST_TEST(large.size() == kWorkBudget / 100'000);
    BOOST_TEST(large.back() == 200'000u);
    BOOST_TEST(failure_points(100'000'000).size() == kMinPoints);
    // a sparser sample: a quarter of the points, still from the first call to the last
    std::vector<std::uint64_t> sparse = failure_points(20'000, 0.25);
    BOOST_TEST(sparse.size() == kMaxPoints / 4);
    BOOST_TEST(sparse.front() == 1u);
    BOOST_TEST(sparse.back() == 20'000u);
    BOOST_TEST(failure_points(100, 0.1).size() == 10u);
    BOOST_TEST(failure_points(2, 0.01).size() == 2u);
}

// The funnel collects and retries once when the heap refuses, so a single injected failure may
// be absorbed (the run finishes) or surface as OutOfMemory: both are clean ends.
BOOST_AUTO_TEST_CASE(a_failing_allocation_ends_cleanly) {
    interp::SourceFile source("<probe>",
                              "weave xs as []\nfor each i in range(0, 2000) then\n"
                              "    set xs to list_push(xs, to_text(i))\nend\n");
    Run clean = run_with_failure(source, 0);
    BOOST_TEST((clean.outcome.end == Outcome::End::Finished), clean.outcome.describe());
    BOOST_TEST(clean.allocating_calls > 100u);
    Run failed = run_with_failure(source, clean.allocating_calls / 2);
    BOOST_TEST(failed.failure_fired);
    BOOST_TEST((failed.outcome.out_of_memory() || failed.outcome.end == Outcome::End::Finished),
               failed.outcome.describe());
}

BOOST_AUTO_TEST_CASE(every_conformance_script_survives_every_failure_point) {
    SweepFigures figures;
    sweep_folder("scripts/gw/tests", figures);
    report("scripts/gw/tests", figures);
    BOOST_TEST(figures.scripts > 0u);
}

BOOST_AUTO_TEST_CASE(every_example_survives_every_failure_point) {
    SweepFigures figures;
    sweep_folder("scripts/gw/examples", figures);
    report("scripts/gw/examples", figures);
    BOOST_TEST(figures.scripts > 0u);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
