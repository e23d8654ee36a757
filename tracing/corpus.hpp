// corpus.hpp - the traces/ folder: finding its traces and its footprint baselines.
//
// Every .gwt/.gwt.gz under the folder, recursively, is a trace that must replay clean, except
// those under its bad/ folder (the defective corpus). The baseline file holds one line per
// trace, "PATH PEAK_FOOTPRINT PEAK_FOOTPRINT_MMAP PEAK_LIVE", PATH relative to the folder, and
// a test fails when a replay exceeds either footprint by more than 2%:
// - PEAK_FOOTPRINT on a chunk source at fixed addresses (tracing/fixed_chunks.hpp): the heap is
//   deterministic, so it holds to the byte;
// - PEAK_FOOTPRINT_MMAP on the default source (mmap), where the policies that only that source
//   has (huge chunks kept for reuse, huge blocks grown with mremap, pages decommitted) act. It
//   moves by a page or two from run to run, as radix nodes are counted by the 4 KiB page and
//   how many there are depends on the addresses mmap hands out.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace glimmer::traces {

inline constexpr const char* kBaselineFile = "footprint-baseline.txt";
inline constexpr double kFootprintTolerance = 0.02;
// On the default source the figure also moves with the addresses, by up to the footprint
// ceiling's slack (1/2^GW_PEAK_SLACK_SHIFT of the peak: whether a spare chunk stays under it
// tips with a page or two of radix nodes), so it is held to that and the 2%.
inline constexpr double kFootprintToleranceMmap = 0.02 + 1.0 / 16;

struct Baseline {
    std::uint64_t peak_footprint = 0;       // on the fixed-address chunk source
    std::uint64_t peak_footprint_mmap = 0;  // on the default chunk source
    std::uint64_t peak_live = 0;
};

// Good traces under `dir` (recursive, sorted, bad/ excluded), as paths "DIR/...".
std::vector<std::string> find_traces(const std::string& dir);
// Defective traces in DIR/bad, sorted.
std::vector<std::string> find_bad_traces(const std::string& dir);

// Reads DIR/footprint-baseline.txt: relative path -> figures. Throws std::runtime_error with
// FILE:LINE on a malformed line.
std::map<std::string, Baseline> read_baselines(const std::string& dir);
void write_baselines(const std::string& dir, const std::map<std::string, Baseline>& baselines);

// `path` relative to `dir` ("traces/a/b.gwt" -> "a/b.gwt").
std::string relative_to(const std::string& dir, const std::string& path);

}  // namespace glimmer::traces
