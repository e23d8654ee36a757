// chunk_source_test.cpp — Config::chunk_source: a host's own memory under the engine's heap.
// The host source below counts every acquire and release and checks each release against what
// it handed out; the cases show every chunk coming back when the runtime goes, a refusal
// reaching the script as OutOfMemory with the engine still usable, and misuse reported.
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <map>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>

#include <glimmer/glimmer.hpp>

#include "error_kind_of.hpp"

using glimmer::Config;
using glimmer::Engine;
using glimmer::Error;
using glimmer::ErrorKind;
using glimmer::Value;
using glimmer::api_test::error_kind_of;

namespace {

// Memory from operator new, 32 KiB aligned (or only 16 bytes aligned with `loose`, which makes
// the heap over-request to align its chunks itself). Refuses while `refuse` is set, or when a
// request would take more than `budget` bytes out (0 = no budget).
class CountingSource {
  public:
    explicit CountingSource(std::size_t budget = 0, bool loose = false)
        : budget_(budget), loose_(loose) {}
    CountingSource(const CountingSource&) = delete;
    CountingSource& operator=(const CountingSource&) = delete;
    ~CountingSource() {
        for (auto [chunk, bytes] : out_)
            ::operator delete(chunk, bytes, alignment());
    }

    glimmer::ChunkSource source() {
        return {[this](std::size_t bytes) { return acquire(bytes); },
                [this](void* chunk, std::size_t bytes) { release(chunk, bytes); }};
    }

    bool refuse = false;
    std::size_t acquires = 0, releases = 0, refusals = 0;
    std::size_t bad_releases = 0;  // a pointer or size we never handed out: must stay 0
    std::size_t out_bytes = 0, peak_out_bytes = 0;
    std::size_t outstanding() const { return out_.size(); }

  private:
    std::align_val_t alignment() const { return std::align_val_t{loose_ ? 16u : 32768u}; }

    void* acquire(std::size_t bytes) {
        ++acquires;
        if (refuse || (budget_ && out_bytes + bytes > budget_)) {
            ++refusals;
            return nullptr;
        }
        void* chunk = ::operator new(bytes, alignment());
        out_[chunk] = bytes;
        out_bytes += bytes;
        if (out_bytes > peak_out_bytes) peak_out_bytes = out_bytes;
        return chunk;
    }

    void release(void* chunk, std::size_t bytes) {
        ++releases;
        auto it = out_.find(chunk);
        if (it == out_.end() || it->second != bytes) {
            ++bad_releases;
            return;
        }
        out_.erase(it);
        out_bytes -= bytes;
        ::operator delete(chunk, bytes, alignment());
    }

    std::size_t budget_;
    bool loose_;
    std::map<void*, std::size_t> out_;
};

// Builds garbage and one list of 40 000 items (its buffer is a block above 128 KiB: a chunk of
// its own), so the heap asks for every kind of chunk.
constexpr const char* kWorkload =
    "chant churn(n) then\n"
    "  weave xs as []\n"
    "  for each i in range(0, n) then set xs to list_push(xs, {k: to_text(i)}) end\n"
    "  yield list_length(xs)\n"
    "end\n"
    "churn(40000)";

// Local to a chant, so that everything it built is garbage once the error unwinds it.
constexpr const char* kAllocateForever =
    "chant hog() then\n"
    "  weave xs as []\n"
    "  whilst true then set xs to list_push(xs, [1, 2, 3]) end\n"
    "end\n"
    "hog()";

}  // namespace

BOOST_AUTO_TEST_SUITE(api)
BOOST_AUTO_TEST_SUITE(chunk_source)

BOOST_AUTO_TEST_CASE(every_chunk_comes_back_when_the_engine_is_destroyed) {
    CountingSource host;
    {
        Engine e({.chunk_source = host.source()});
        BOOST_TEST(e.run(kWorkload).as_number() == 40000);
        BOOST_TEST(host.acquires > 3u);
        // The heap's footprint is exactly what it holds from the source.
        BOOST_TEST(e.memory_stats().footprint_bytes == host.out_bytes);
        BOOST_TEST(e.memory_stats().peak_footprint_bytes == host.peak_out_bytes);
        BOOST_TEST(host.peak_out_bytes > (1u << 20));
    }
    BOOST_TEST(host.outstanding() == 0u);
    BOOST_TEST(host.out_bytes == 0u);
    BOOST_TEST(host.releases == host.acquires);
    BOOST_TEST(host.bad_releases == 0u);
}

BOOST_AUTO_TEST_CASE(a_source_that_is_only_16_byte_aligned_works_too) {
    CountingSource host(0, /*loose=*/true);
    {
        Engine e({.chunk_source = host.source()});
        BOOST_TEST(e.run(kWorkload).as_number() == 40000);
        BOOST_TEST(e.memory_stats().footprint_bytes == host.out_bytes);
    }
    BOOST_TEST(host.outstanding() == 0u);
    BOOST_TEST(host.releases == host.acquires);
    BOOST_TEST(host.bad_releases == 0u);
}

BOOST_AUTO_TEST_CASE(a_handle_keeps_the_chunks_until_the_last_handle_goes) {
    CountingSource host;
    glimmer::Handle kept;
    {
        Engine e({.chunk_source = host.source()});
        kept = e.evaluate("[1, 2, 3]");
    }
    BOOST_TEST(host.outstanding() > 0u);  // the runtime lives on in the handle
    BOOST_TEST(kept.display() == "[1, 2, 3]");
    kept = glimmer::Handle();
    BOOST_TEST(host.outstanding() == 0u);
    BOOST_TEST(host.bad_releases == 0u);
}

BOOST_AUTO_TEST_CASE(a_refusal_is_out_of_memory_for_the_script_and_the_host_gets_control_back) {
    constexpr std::size_t kBudget = 3u << 20;
    CountingSource host(kBudget);
    std::string out;
    {
        Engine e(
            {.output = [&out](std::string_view s) { out += s; }, .chunk_source = host.source()});
        try {
            e.run(kAllocateForever, "hog.gw");
            BOOST_FAIL("the script finished");
        } catch (const Error& err) {
            BOOST_TEST(err.kind() == ErrorKind::OutOfMemory, err.what());
            BOOST_TEST(err.location().rfind("hog.gw:", 0) == 0u);
        }
        BOOST_TEST(host.refusals > 0u);
        BOOST_TEST(host.peak_out_bytes <= kBudget);
        BOOST_TEST(host.peak_out_bytes > kBudget / 2);  // it really ran up to the budget
        // The engine still works, and a script can catch the refusal itself.
        BOOST_TEST(e.run("list_sum([1, 2, 3])").as_number() == 6);
        BOOST_TEST(e.run(std::string("weave caught as false\nattempt\n") + kAllocateForever +
                         "\nharmonize on OutOfMemory then\n  set caught to true\nend\ncaught")
                       .as_truth());
        // A source that refuses everything from now on: the next chunk the script needs is
        // refused, and once the source gives again the same engine carries on.
        host.refuse = true;
        BOOST_TEST((error_kind_of(e, kAllocateForever) == ErrorKind::OutOfMemory));
        host.refuse = false;
        BOOST_TEST(e.run("weave xs as []\n"
                         "for each i in range(0, 5000) then set xs to list_push(xs, [i]) end\n"
                         "list_length(xs)")
                       .as_number() == 5000);
        e.run("println(\"still here\")");
    }
    BOOST_TEST(out == "still here\n");
    BOOST_TEST(host.outstanding() == 0u);
    BOOST_TEST(host.bad_releases == 0u);
}

BOOST_AUTO_TEST_CASE(a_throwing_acquire_is_a_refusal) {
    CountingSource host;
    bool fail = false;
    glimmer::ChunkSource inner = host.source();
    glimmer::ChunkSource throwing{[&](std::size_t bytes) -> void* {
                                      if (fail) throw std::runtime_error("host says no");
                                      return inner.acquire(bytes);
                                  },
                                  inner.release};
    {
        Engine e({.chunk_source = throwing});
        fail = true;
        BOOST_TEST((error_kind_of(e, kAllocateForever) == ErrorKind::OutOfMemory));
        fail = false;
        BOOST_TEST(e.run("1 + 1").as_number() == 2);
    }
    BOOST_TEST(host.outstanding() == 0u);
    BOOST_TEST(host.bad_releases == 0u);
}

BOOST_AUTO_TEST_CASE(refusing_the_first_memory_fails_the_engine_creation_cleanly) {
    // Nothing at all: the heap's own record is refused.
    CountingSource none;
    none.refuse = true;
    try {
        Engine e({.chunk_source = none.source()});
        BOOST_FAIL("the engine was created");
    } catch (const Error& err) {
        BOOST_TEST(err.kind() == ErrorKind::OutOfMemory, err.what());
    }
    BOOST_TEST(none.acquires >= 1u);
    BOOST_TEST(none.outstanding() == 0u);
    // Enough for the record but not for the first chunk: the runtime's own setup fails, and
    // what was taken goes back.
    CountingSource tiny(64u << 10);
    try {
        Engine e({.chunk_source = tiny.source()});
        BOOST_FAIL("the engine was created");
    } catch (const Error& err) {
        BOOST_TEST(err.kind() == ErrorKind::OutOfMemory, err.what());
    }
    BOOST_TEST(tiny.acquires >= 2u);
    BOOST_TEST(tiny.outstanding() == 0u);
    BOOST_TEST(tiny.releases == tiny.acquires - tiny.refusals);
    BOOST_TEST(tiny.bad_releases == 0u);
}

BOOST_AUTO_TEST_CASE(the_memory_limit_applies_on_top_of_the_source) {
    constexpr std::size_t kLimit = 2u << 20;
    CountingSource host;
    {
        Engine e({.memory_limit = kLimit, .chunk_source = host.source()});
        BOOST_TEST((error_kind_of(e, kAllocateForever) == ErrorKind::OutOfMemory));
        BOOST_TEST(host.refusals == 0u);  // the heap stopped first
        BOOST_TEST(host.peak_out_bytes <= kLimit);
        BOOST_TEST(e.memory_stats().peak_footprint_bytes == host.peak_out_bytes);
    }
    BOOST_TEST(host.outstanding() == 0u);
}

BOOST_AUTO_TEST_CASE(a_source_with_one_function_is_an_invalid_argument) {
    CountingSource host;
    glimmer::ChunkSource half = host.source();
    half.release = nullptr;
    try {
        Engine e({.chunk_source = half});
        BOOST_FAIL("the engine was created");
    } catch (const Error& err) {
        BOOST_TEST(err.kind() == ErrorKind::InvalidArgument, err.what());
        BOOST_TEST(err.message().find("chunk source") != std::string::npos);
    }
    half = host.source();
    half.acquire = nullptr;
    BOOST_CHECK_THROW(Engine({.chunk_source = half}), Error);
    BOOST_TEST(host.acquires == 0u);
    // Both empty is the default: mmap.
    BOOST_TEST(!glimmer::ChunkSource{});
    Engine plain({.chunk_source = {}});
    BOOST_TEST(plain.run("2 * 21").as_number() == 42);
}

// A host function (or output sink) that holds a Handle of its own engine made a cycle: the
// engine's table held the function, the function the Handle, the Handle the runtime. After
// ~Engine nothing could reach it, and its chunks never went back. The Engine now drops its
// host functions and sink when it goes, also when a host function destroyed it mid-run.
BOOST_AUTO_TEST_CASE(a_host_function_holding_a_handle_of_its_engine_lets_the_chunks_go) {
    CountingSource host;
    {
        Engine e({.chunk_source = host.source()});
        glimmer::Handle h = e.evaluate("chant(x) then yield x * 2 end");
        e.register_function("fire", [&e, h](double x) { return e.call(h, {x}); });
        BOOST_TEST(e.run("fire(21)").as_number() == 42);
    }
    BOOST_TEST(host.outstanding() == 0u);
    BOOST_TEST(host.bad_releases == 0u);

    // The output sink's handle, set once the engine exists; the test keeps only a weak_ptr.
    std::weak_ptr<glimmer::Handle> sink_handle;
    {
        auto slot = std::make_shared<glimmer::Handle>();
        sink_handle = slot;
        Engine e({.output = [slot](std::string_view) {}, .chunk_source = host.source()});
        *slot = e.evaluate("[1, 2]");
        slot.reset();
        e.run("println(1)");
    }
    BOOST_TEST(sink_handle.expired());
    BOOST_TEST(host.outstanding() == 0u);

    // Destroyed by its own host function: the functions go when the run returns.
    {
        auto e = std::make_unique<Engine>(Config{.chunk_source = host.source()});
        glimmer::Handle h = e->evaluate("chant() then yield 7 end");
        e->register_function("drop_engine", [&e, h]() {
            Value v = e->call(h);
            e.reset();
            return v;
        });
        Engine* running = e.get();
        BOOST_TEST(running->run("drop_engine() + 1").as_number() == 8);
        BOOST_TEST(!e);
    }
    BOOST_TEST(host.outstanding() == 0u);
    BOOST_TEST(host.bad_releases == 0u);
}

// A source whose memory is not 16-byte aligned: the heap cannot use it and says "no memory";
// the engine's message says what the source may have done instead.
BOOST_AUTO_TEST_CASE(a_source_returning_misaligned_memory_is_named_at_the_engine_creation) {
    std::map<void*, void*> out;  // handed out -> allocated
    glimmer::ChunkSource skewed{[&out](std::size_t bytes) -> void* {
                                    auto* base = static_cast<char*>(
                                        ::operator new (bytes + 32768, std::align_val_t{32768}));
                                    out[base + 8] = base;
                                    return base + 8;
                                },
                                [&out](void* chunk, std::size_t) {
                                    auto it = out.find(chunk);
                                    if (it == out.end()) return;
                                    ::operator delete (it->second, std::align_val_t{32768});
                                    out.erase(it);
                                }};
    try {
        Engine e({.chunk_source = skewed});
        BOOST_FAIL("the engine was created");
    } catch (const Error& err) {
        BOOST_TEST(err.kind() == ErrorKind::OutOfMemory, err.what());
        BOOST_TEST(err.message().find("16-byte aligned") != std::string::npos, err.what());
    }
    for (auto [chunk, base] : out)
        ::operator delete (base, std::align_val_t{32768});
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
