// fixed_chunks_test.cpp - the repeatable chunk source (tracing/fixed_chunks.cpp).
#include "fixed_chunks.hpp"

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <cstring>

#include "replay.hpp"

using namespace glimmer::traces;

BOOST_AUTO_TEST_SUITE(tracing_fixed_chunks)

BOOST_AUTO_TEST_CASE(chunks_are_usable_aligned_and_reused_first_fit_after_merging) {
    FixedChunkSource source;
    auto get = [&](std::size_t n) { return FixedChunkSource::alloc_hook(&source, n); };
    auto put = [&](void* p, std::size_t n) { FixedChunkSource::free_hook(&source, p, n); };
    void* a = get(256 * 1024);
    void* b = get(100 * 1024);  // rounds up to 128 KiB
    void* c = get(256 * 1024);
    BOOST_TEST(reinterpret_cast<std::uintptr_t>(a) % (64 * 1024) == 0u);
    BOOST_TEST(static_cast<char*>(b) == static_cast<char*>(a) + 256 * 1024);
    BOOST_TEST(static_cast<char*>(c) == static_cast<char*>(b) + 128 * 1024);
    std::memset(c, 0x5a, 256 * 1024);
    put(b, 100 * 1024);
    put(a, 256 * 1024);
    void* d = get(384 * 1024);  // fits only in a and b merged
    BOOST_TEST(d == a);
    std::memset(d, 0xa5, 384 * 1024);  // pages are mapped again after being given back
    BOOST_TEST(static_cast<unsigned char*>(c)[0] == 0x5a);
    put(c, 256 * 1024);
    put(d, 384 * 1024);
}

#if GLIMMER_TRACES_HAVE_GLIMMER
BOOST_AUTO_TEST_CASE(glimmer_footprint_with_fixed_addresses_is_the_same_every_time) {
    TraceBuilder b("churn.gwt");
    std::uint64_t id = 1;
    for (int round = 0; round < 20; ++round) {
        for (int k = 0; k < 2000; ++k)
            b.alloc(id + k, static_cast<std::uint64_t>(16 + (k * 37) % 3000));
        for (int k = 0; k < 2000; k += 2)
            b.free(id + k);
        id += 2000;
    }
    Trace t = std::move(b).finish();
    HeapSet set;
    set.set_fixed_addresses(true);
    std::uint64_t first = replay(t, HeapId::Glimmer, set).peak_footprint;
    for (int i = 0; i < 5; ++i)
        BOOST_TEST(replay(t, HeapId::Glimmer, set).peak_footprint == first);
}
#endif

BOOST_AUTO_TEST_SUITE_END()
