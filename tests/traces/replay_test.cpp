// replay_test.cpp - the replay loop (tracing/replay_loop.hpp): clean replays on the built-in
// heaps, and deliberately broken heaps caught by the content checks.
#include "replay.hpp"

#include <sys/mman.h>

#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "replay_loop.hpp"
#include "support.hpp"

using namespace glimmer::traces;

namespace {

Trace small_trace() {
    TraceBuilder b("small.gwt");
    for (std::uint64_t id = 1; id <= 300; ++id)
        b.alloc(id, id * 7 % 900 + 1, 5);
    for (std::uint64_t id = 1; id <= 300; id += 2)
        b.resize(id, id * 13 % 3000 + 1);  // grow and shrink
    for (std::uint64_t id = 1; id <= 300; id += 3)
        b.free(id);
    return std::move(b).finish();  // 200 blocks left live
}

// A heap built on malloc, with one defect switched on.
struct BrokenHeap {
    static constexpr std::size_t kSampleEvery = 0;
    static constexpr bool kHasCheck = false;
    enum class Defect { None, Overlap, LosesContent, DamagesByte2 } defect = Defect::None;
    void* last = nullptr;
    int allocations = 0;
    std::set<void*> owned;  // freed at the end: a failed replay leaves blocks behind

    BrokenHeap() = default;
    BrokenHeap(const BrokenHeap&) = delete;
    BrokenHeap& operator=(const BrokenHeap&) = delete;
    ~BrokenHeap() {
        for (void* p : owned)
            std::free(p);
    }

    void* allocate(std::size_t size) noexcept {
        ++allocations;
        if (defect == Defect::Overlap && allocations == 10) return last;  // hands out a live block
        last = std::malloc(std::max<std::size_t>(size, 4096));
        owned.insert(last);
        return last;
    }
    void* resize(void* p, std::size_t old_size, std::size_t size) noexcept {
        void* q = std::malloc(std::max<std::size_t>(size, 4096));
        if (defect != Defect::LosesContent) std::memcpy(q, p, std::min(old_size, size));
        // Lost for sure: recycled malloc memory may hold this very block's pattern from an
        // earlier replay (it did once other tests ran first), which read as content kept.
        for (std::size_t i = 0; defect == Defect::LosesContent && i < std::min(old_size, size); ++i)
            static_cast<unsigned char*>(q)[i] =
                static_cast<unsigned char>(~static_cast<const unsigned char*>(p)[i]);
        if (defect == Defect::DamagesByte2) static_cast<unsigned char*>(q)[2] ^= 1;
        owned.erase(p);
        std::free(p);
        owned.insert(q);
        return q;
    }
    bool free(void* p, std::size_t) noexcept {
        if (owned.erase(p) == 1) std::free(p);  // an overlapping heap would double free
        return true;
    }
    void begin() {}
    std::size_t footprint() const { return 0; }
    std::size_t peak_footprint() const { return 0; }
    std::string status() const { return "broken heap"; }
    std::string check() const { return ""; }
};

// A heap that gives every allocation a fresh anonymous page (first written by the replay:
// one minor fault each), or, with `arena`, a slice of one region faulted in by begin(),
// before the timed loop (none).
struct PageHeap {
    static constexpr std::size_t kSampleEvery = 0;
    static constexpr bool kHasCheck = false;
    static constexpr std::size_t kArenaPages = 1024;
    bool arena = false;
    unsigned char* region = nullptr;
    std::size_t used = 0;

    PageHeap() = default;
    PageHeap(const PageHeap&) = delete;
    PageHeap& operator=(const PageHeap&) = delete;
    ~PageHeap() {
        if (region != nullptr) munmap(region, kArenaPages * 4096);
    }

    void* allocate(std::size_t size) noexcept {
        const std::size_t bytes = (size + 4095) / 4096 * 4096;
        if (arena) {
            if (used + bytes > kArenaPages * 4096) return nullptr;
            used += bytes;
            return region + used - bytes;
        }
        void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p == MAP_FAILED ? nullptr : p;
    }
    void* resize(void* p, std::size_t old_size, std::size_t size) noexcept {
        void* q = allocate(size);
        if (q != nullptr) {
            std::memcpy(q, p, std::min(old_size, size));
            free(p, old_size);
        }
        return q;
    }
    bool free(void* p, std::size_t size) noexcept {
        if (!arena) munmap(p, (size + 4095) / 4096 * 4096);
        return true;
    }
    void begin() {
        if (!arena) return;
        void* p = mmap(nullptr, kArenaPages * 4096, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
        region = static_cast<unsigned char*>(p);
        std::memset(region, 1, kArenaPages * 4096);  // faulted in before the loop
    }
    std::size_t footprint() const { return 0; }
    std::size_t peak_footprint() const { return 0; }
    std::string status() const { return "page heap"; }
    std::string check() const { return ""; }
};

std::string failure_of(BrokenHeap::Defect defect, Check check) {
    Trace t = small_trace();
    BrokenHeap heap;
    heap.defect = defect;
    try {
        replay_with(t, heap, "broken", ReplayOptions{check, 0});
    } catch (const ReplayError& e) {
        return e.what();
    }
    return "(passed)";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tracing_replay)

BOOST_AUTO_TEST_CASE(a_trace_replays_clean_on_every_available_heap) {
    Trace t = small_trace();
    HeapSet set;
    BOOST_TEST(set.available(HeapId::System));
    for (HeapId h : set.available_heaps()) {
        BOOST_TEST_CONTEXT(HeapSet::name(h)) {
            for (Check c : {Check::Full, Check::Light}) {
                ReplayResult r = replay(t, h, set, ReplayOptions{c, 0});
                BOOST_TEST(r.events == t.events.size());
                BOOST_TEST(r.leftover == 200u);
                BOOST_TEST(r.peak_live == t.peak_live);
            }
            // warm: the timed replay follows an untimed one on the same heap
            ReplayResult w = replay(t, h, set, ReplayOptions{Check::Light, 0, true});
            BOOST_TEST(w.events == t.events.size());
            BOOST_TEST(w.leftover == 200u);
        }
    }
}

// gw_heap_check is the Glimmer heap's own; the other heaps have no check here, and `replay
// --heap system` said "heap check passed" all the same. A check is claimed only where one ran.
BOOST_AUTO_TEST_CASE(only_the_glimmer_heap_claims_a_heap_check) {
    using namespace glimmer::traces::test;
    Trace t = small_trace();
    HeapSet set;
    for (HeapId h : set.available_heaps()) {
        BOOST_TEST_CONTEXT(HeapSet::name(h)) {
            const bool own_check = h == HeapId::Glimmer;
            BOOST_TEST(replay(t, h, set, ReplayOptions{Check::Full, 0}).heap_checked == own_check);
            BOOST_TEST(!replay(t, h, set, ReplayOptions{Check::Light, 0}).heap_checked);
            Run run = run_tool("replay --repeat 1 --heap " + std::string(HeapSet::name(h)) +
                               " traces/gw/merge_sort.gwt.gz");
            BOOST_TEST(run.status == 0, run.err);
            BOOST_TEST((run.out.find(", heap check passed\n") != std::string::npos) == own_check,
                       run.out);
        }
    }
}

// The checked replay writes and checks every byte, which takes longer than the heap's own work,
// so its time is no timing: `replay --repeat 1` printed it as "median of 1" (json_codec 32.6
// ns/event, against 17.8 from a timed run). Every run a figure is taken from is a light one.
BOOST_AUTO_TEST_CASE(ns_per_event_comes_from_light_runs_only_even_with_repeat_1) {
    Trace t = small_trace();
    HeapSet set;
    for (int n : {1, 3}) {
        BOOST_TEST_CONTEXT("timed runs " << n) {
            TimedReplay runs = replay_and_time(t, HeapId::System, set, n);
            BOOST_TEST((runs.checked.check == Check::Full));
            BOOST_TEST(runs.timed.size() == static_cast<std::size_t>(n));
            for (const ReplayResult& r : runs.timed)
                BOOST_TEST((r.check == Check::Light));
        }
    }
    using namespace glimmer::traces::test;
    for (const char* repeat : {"1", "2"}) {
        Run run = run_tool(std::string("replay --heap system --repeat ") + repeat +
                           " traces/gw/merge_sort.gwt.gz");
        BOOST_TEST(run.status == 0, run.err);
        const std::string says =
            std::string("(median of ") + repeat + " timed run" + (repeat[0] == '1' ? ")" : "s)");
        BOOST_TEST(run.out.find(says) != std::string::npos, run.out);
    }
}

// A trace whose live bytes exceed the machine's memory is refused before any heap runs it,
// naming the record that reached them (mimalloc would reserve the blocks, and the kernel
// would kill the replay while it wrote the pattern).
BOOST_AUTO_TEST_CASE(a_trace_larger_than_memory_is_refused_at_its_peak_line) {
    Trace t = parse_trace("big.gwt", "# glimmer-trace v1\na 1 64\na 2 1099511627776000\nf 2\n");
    BOOST_TEST(t.peak_live_line == 3u);
    HeapSet set;
    for (HeapId h : set.available_heaps()) {
        BOOST_TEST_CONTEXT(HeapSet::name(h)) {
            try {
                replay(t, h, set);
                BOOST_FAIL("replayed a trace larger than memory");
            } catch (const ReplayError& e) {
                BOOST_TEST(std::string(e.what()).starts_with("big.gwt:3: the trace holds "));
            }
        }
    }
}

// Live bytes past 2^64 - 1: the message said 18446744073709551615 (saturated) and named the last
// line that added to it, not the first that reached the peak; the figure is exact in 128 bits.
BOOST_AUTO_TEST_CASE(live_bytes_past_2_to_the_64_are_said_exactly_at_their_first_line) {
    Trace t = parse_trace("huge.gwt",
                          "# glimmer-trace v1\na 1 18446744073709551615\na 2 18446744073709551615\n"
                          "a 3 5\nf 3\na 4 1\n");
    BOOST_TEST(t.peak_live_line == 4u);
    BOOST_TEST(t.peak_live == UINT64_MAX);  // the 64-bit figure saturates
    HeapSet set;
    try {
        replay(t, HeapId::System, set);
        BOOST_FAIL("replayed a trace larger than memory");
    } catch (const ReplayError& e) {
        BOOST_TEST(std::string(e.what()).starts_with(
                       "huge.gwt:4: the trace holds 36893488147419103235 bytes live here"),
                   e.what());
    }
}

// Both depths catch both defects: the timed (Light) touch too, with the same message.
BOOST_AUTO_TEST_CASE(a_working_heap_passes) {
    for (Check c : {Check::Full, Check::Light})
        BOOST_TEST(failure_of(BrokenHeap::Defect::None, c) == "(passed)");
}

// A warm-up replay checks as the timed one does: a defect fails it, on its first pass.
BOOST_AUTO_TEST_CASE(a_warm_replay_checks_too) {
    Trace t = small_trace();
    BrokenHeap clean;
    BOOST_CHECK_NO_THROW(replay_with(t, clean, "broken", ReplayOptions{Check::Light, 0, true}));
    BOOST_TEST(clean.allocations == 2 * 300);  // both passes allocated every block
    BrokenHeap broken;
    broken.defect = BrokenHeap::Defect::Overlap;
    BOOST_CHECK_THROW(replay_with(t, broken, "broken", ReplayOptions{Check::Light, 0, true}),
                      ReplayError);
}

// The page faults of a replay are those of its event loop: a heap whose every block is a fresh
// page takes at least one per allocation there (on a warm replay too: the untimed first pass
// does not count), one whose memory was faulted in before the loop takes next to none.
BOOST_AUTO_TEST_CASE(a_replay_counts_the_page_faults_of_its_event_loop) {
    Trace t = small_trace();  // 300 allocations, 150 resizes
    for (Check c : {Check::Full, Check::Light}) {
        for (bool warm : {false, true}) {
            BOOST_TEST_CONTEXT((c == Check::Full ? "full" : "light") << (warm ? " warm" : "")) {
                PageHeap fresh;
                const ReplayResult r = replay_with(t, fresh, "page", ReplayOptions{c, 0, warm});
                BOOST_TEST(r.minor_faults >= 300u + 150u);
                PageHeap touched;
                touched.arena = true;
                const ReplayResult a = replay_with(t, touched, "arena", ReplayOptions{c, 0, warm});
                BOOST_TEST(a.minor_faults < 50u);
            }
        }
    }
    using namespace glimmer::traces::test;
    Run run = run_tool("replay --heap glimmer --repeat 1 traces/gw/merge_sort.gwt.gz");
    BOOST_TEST(run.status == 0, run.err);
    BOOST_TEST(run.out.find(" page faults, peak live ") != std::string::npos, run.out);
}

BOOST_AUTO_TEST_CASE(overlapping_blocks_are_caught_with_id_and_line) {
    for (Check c : {Check::Full, Check::Light}) {
        std::string m = failure_of(BrokenHeap::Defect::Overlap, c);
        BOOST_TEST(m.find("small.gwt:") == 0u, m);
        BOOST_TEST(m.find("broken heap: block ID 9 (allocated at line 10") != std::string::npos, m);
        BOOST_TEST(m.find("is damaged at offset 0 before resizing it") != std::string::npos, m);
    }
}

BOOST_AUTO_TEST_CASE(content_lost_across_a_resize_is_caught) {
    for (Check c : {Check::Full, Check::Light}) {
        std::string m = failure_of(BrokenHeap::Defect::LosesContent, c);
        BOOST_TEST(m.find("block ID 1 (allocated at line 2") != std::string::npos, m);
        BOOST_TEST(m.find("after resizing it (content lost)") != std::string::npos, m);
    }
}

// A block smaller than a word carries as many bytes of it, and a damaged byte is named.
BOOST_AUTO_TEST_CASE(light_touch_checks_blocks_smaller_than_a_word) {
    TraceBuilder b("tiny.gwt");
    for (std::uint64_t id = 1; id <= 20; ++id)
        b.alloc(id, id % 7 + 1, 0);
    for (std::uint64_t id = 1; id <= 20; ++id)
        b.resize(id, id % 5 + 1);
    for (std::uint64_t id = 1; id <= 20; ++id)
        b.free(id);
    Trace t = std::move(b).finish();
    for (Check c : {Check::Full, Check::Light}) {
        BrokenHeap clean;
        BOOST_CHECK_NO_THROW(replay_with(t, clean, "tiny", ReplayOptions{c, 0}));
        BrokenHeap broken;
        broken.defect = BrokenHeap::Defect::DamagesByte2;
        try {
            replay_with(t, broken, "tiny", ReplayOptions{c, 0});
            BOOST_ERROR("a damaged byte of a 3-byte block went unnoticed");
        } catch (const ReplayError& e) {
            std::string m = e.what();
            BOOST_TEST(m.find("block ID 2 (allocated at line 3, 3 bytes) is damaged at offset 2 "
                              "after resizing it (content lost)") != std::string::npos,
                       m);
        }
    }
}

BOOST_AUTO_TEST_CASE(pattern_depends_on_the_block_and_repeats_every_8_bytes) {
    BOOST_TEST(pattern_byte(1, 3) == pattern_byte(1, 11));
    int differ = 0;
    for (std::uint64_t k = 0; k < 8; ++k)
        differ += pattern_byte(1, k) != pattern_byte(2, k);
    BOOST_TEST(differ >= 6);
}

#if GLIMMER_TRACES_HAVE_GLIMMER
BOOST_AUTO_TEST_CASE(glimmer_footprint_is_exact_and_samples_feed_a_plot) {
    Trace t = small_trace();
    HeapSet set;
    ReplayResult r = replay(t, HeapId::Glimmer, set, ReplayOptions{Check::Full, 50});
    BOOST_TEST(r.footprint_exact);
    BOOST_TEST(r.peak_footprint >= r.peak_live);
    BOOST_TEST(r.samples.size() >= 50u);
    BOOST_TEST(r.samples.back().event == t.events.size());
}

// A text buffer doubled by realloc from 256 KiB to 8 MiB next to a few thousand small blocks
// (json_codec's peak was such a grow): on the heap programs get (mmap) a huge block's pages
// move, so the old and the new block never count at once; the fixed-address source of the
// baselines (a custom source: whole chunks only) copies, and its peak holds both.
BOOST_AUTO_TEST_CASE(a_growing_huge_buffer_never_holds_old_and_new_on_the_default_source) {
    TraceBuilder b("buffer.gwt");
    for (std::uint64_t id = 1; id <= 4000; ++id)
        b.alloc(id, 24 + id % 40, 4);
    const std::uint64_t buffer = 5000;
    b.alloc(buffer, std::size_t{256} << 10);
    for (std::size_t size = std::size_t{512} << 10; size <= (std::size_t{8} << 20); size *= 2)
        b.resize(buffer, size);
    b.free(buffer);
    for (std::uint64_t id = 1; id <= 4000; ++id)
        b.free(id);
    const Trace t = std::move(b).finish();
    const std::uint64_t last_copy = std::uint64_t{4} << 20;  // the old block of the last grow
    HeapSet set;
    const ReplayResult moved = replay(t, HeapId::Glimmer, set, ReplayOptions{Check::Full, 0});
    BOOST_TEST(moved.peak_footprint < moved.peak_live + last_copy / 4);
    set.set_fixed_addresses(true);
    const ReplayResult copied = replay(t, HeapId::Glimmer, set, ReplayOptions{Check::Full, 0});
    BOOST_TEST(copied.peak_footprint > copied.peak_live + last_copy);
}
#endif

// fp/live of every row of `compare` output: (heap, ratio) in table order.
std::vector<std::pair<std::string, double>> fp_live_ratios(const std::string& out) {
    std::vector<std::pair<std::string, double>> found;
    std::istringstream lines(out);
    std::string line;
    std::getline(lines, line);  // the column titles
    while (std::getline(lines, line) && line.find("geometric mean") == std::string::npos) {
        std::istringstream words(line);
        std::vector<std::string> w;
        for (std::string word; words >> word;)
            w.push_back(word);
        for (HeapId h : HeapSet::all()) {
            if (w.size() >= 6 && std::find(w.begin(), w.end(), HeapSet::name(h)) != w.end()) {
                // ... fp/live, x glimmer, faults
                found.emplace_back(std::string(HeapSet::name(h)), std::stod(w[w.size() - 3]));
            }
        }
    }
    return found;
}

// Under AddressSanitizer "system" is ASan's own malloc, whose mallinfo2() reports nothing: the
// system heap's footprint is glibc's figure, so it is only checked where glibc is the malloc.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSystemIsGlibc = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSystemIsGlibc = false;
#else
constexpr bool kSystemIsGlibc = true;
#endif
#else
constexpr bool kSystemIsGlibc = true;
#endif

// A trace holding one 100 MiB block: sampled between events, glibc's footprint missed the
// (mmapped) block and came out 0.000 of the live bytes. Measured at the peak of the live
// bytes, no heap's footprint is below them; nor on a trace of many small blocks.
BOOST_AUTO_TEST_CASE(no_heap_s_footprint_is_below_its_peak_live_bytes) {
    using namespace glimmer::traces::test;
    const auto dir = std::filesystem::temp_directory_path();
    const std::string big = (dir / "glimmer_one_100_mib_block.gwt").string();
    std::ofstream(big) << "# glimmer-trace v1\na 1 104857600\nf 1\n";
    const std::string small = (dir / "glimmer_small_blocks.gwt").string();
    {
        std::ofstream out(small);
        out << "# glimmer-trace v1\n";
        for (int id = 1; id <= 20000; ++id)
            out << "a " << id << " " << 16 + id % 7 * 8 << "\n";
        for (int id = 1; id <= 20000; id += 2)
            out << "f " << id << "\n";
    }
    HeapSet set;
    Run run = run_tool("compare --repeat 1 '" + big + "' '" + small + "'");
    BOOST_TEST_REQUIRE(run.status == 0, run.err);
    const auto ratios = fp_live_ratios(run.out);
    BOOST_TEST(ratios.size() == 2 * set.available_heaps().size(), run.out);
    for (const auto& [heap, ratio] : ratios) {
        if (heap == HeapSet::name(HeapId::System) && !kSystemIsGlibc) continue;
        BOOST_TEST(ratio >= 1.0, heap << ": fp/live " << ratio << "\n" << run.out);
    }
    for (HeapId h : set.available_heaps()) {
        if (h == HeapId::System && !kSystemIsGlibc) continue;
        BOOST_TEST_CONTEXT(HeapSet::name(h)) {
            Run replay = run_tool("replay --repeat 1 --heap " + std::string(HeapSet::name(h)) +
                                  " '" + big + "'");
            BOOST_TEST(replay.status == 0, replay.err);
            auto at = replay.out.find(", ratio ");
            BOOST_TEST_REQUIRE(at != std::string::npos, replay.out);
            BOOST_TEST(std::stod(replay.out.substr(at + 8)) >= 1.0, replay.out);
        }
    }
    std::remove(big.c_str());
    std::remove(small.c_str());
}

BOOST_AUTO_TEST_SUITE_END()
