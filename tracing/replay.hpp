// replay.hpp - replaying a trace on a heap, with the format's content checks.
//
// A replay writes a pattern derived from each block's ID into the block and checks it before
// every resize and free, so a heap that overlaps blocks or loses content across a resize fails
// with the ID and line of the first damaged block. Two depths:
//   Check::Full   the whole block is written and checked; footprint sampled; the heap's own
//                 check at the end, where it has one (HeapAdapter::kHasCheck)
//   Check::Light  only the first 8 bytes (timed runs: the heap's cost, not memset's, dominates)
#pragma once

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "heaps.hpp"
#include "trace.hpp"

namespace glimmer::traces {

// A heap failed the replay: damaged content, NULL from allocate, a refused free, or a failed
// heap check. what() is "FILE:LINE: message".
class ReplayError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

enum class Check { Full, Light };

struct Sample {
    std::uint64_t event;      // index of the event just done
    std::uint64_t live;       // requested live bytes
    std::uint64_t footprint;  // the heap's footprint then
};

struct ReplayOptions {
    Check check = Check::Full;
    std::size_t plot_points = 0;  // > 0: keep about this many samples for a plot
    // Light only: replay the trace once untimed on the same heap first (every block freed),
    // so the timed run finds the heap as a long-running program's is, with its memory in use
    // once already, whatever the allocator caches process-wide and whatever it keeps per heap
    bool warm = false;
};

struct ReplayResult {
    HeapId heap = HeapId::System;
    Check check = Check::Full;  // the depth of this run's checks
    std::uint64_t events = 0;
    std::uint64_t nanoseconds = 0;   // the event loop only
    std::uint64_t minor_faults = 0;  // the process's minor page faults in the event loop
    std::uint64_t peak_live = 0;     // from the trace
    std::uint64_t peak_footprint = 0;
    bool footprint_exact = false;  // the heap reports its own peak (else: sampled)
    std::size_t leftover = 0;      // blocks the trace left live, freed after it
    bool heap_checked = false;     // the heap's own check ran, and passed (Full, Glimmer only)
    std::vector<Sample> samples;   // for --plot

    double ns_per_event() const {
        return events == 0 ? 0.0 : static_cast<double>(nanoseconds) / static_cast<double>(events);
    }
    double footprint_ratio() const {
        return peak_live == 0
                   ? 0.0
                   : static_cast<double>(peak_footprint) / static_cast<double>(peak_live);
    }
    // The ratio as printed: "1.234", or "n/a" when nothing was live (a header-only trace),
    // where 0.000 read as a heap that needed nothing.
    std::string footprint_ratio_text() const { return ratio_text(peak_footprint, peak_live); }
    static std::string ratio_text(std::uint64_t footprint, std::uint64_t live) {
        if (live == 0) return "n/a";
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3f",
                      static_cast<double>(footprint) / static_cast<double>(live));
        return buf;
    }
};

// Replays `trace` once on a fresh heap of kind `heap` (which must be available in `set`).
ReplayResult replay(const Trace& trace, HeapId heap, const HeapSet& set,
                    const ReplayOptions& options = {});

// What `glimmer-trace replay` runs on one trace: one replay with the full check (untimed, as
// writing and checking every byte takes longer than the heap's work: json_codec's 32.6
// ns/event against 17.8 timed), then `timed_runs` light-check replays, whose ns/event are
// the timings. Every figure but the timings comes from `checked`.
struct TimedReplay {
    ReplayResult checked;
    std::vector<ReplayResult> timed;  // Check::Light, one per timed run
};

// `timed_runs` >= 1; `plot_points` as in ReplayOptions, for the checked run.
TimedReplay replay_and_time(const Trace& trace, HeapId heap, const HeapSet& set, int timed_runs,
                            std::size_t plot_points = 0);

// The byte a replay expects at `offset` of the block in this slot (tests, documentation).
std::uint8_t pattern_byte(std::uint64_t slot, std::uint64_t offset);

}  // namespace glimmer::traces
