// plot.hpp - live bytes and heap footprint over a replay, as a standalone SVG.
#pragma once

#include <string>

#include "replay.hpp"

namespace glimmer::traces {

// An SVG document: requested live bytes and the heap's footprint against event number, with
// axes, grid, legend, and the peaks marked. Needs result.samples (ReplayOptions::plot_points).
std::string plot_svg(const Trace& trace, const ReplayResult& result);

}  // namespace glimmer::traces
