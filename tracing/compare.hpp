// compare.hpp - every trace on every heap, interleaved, medians of repeats, ratios to Glimmer.
//
// One untimed full-check replay per (trace, heap) gives the footprint and proves the heap ran
// the trace correctly; then `repeat` rounds each replay every trace on every heap once, with
// the heap order rotated each round, so drift in the machine's speed spreads over all heaps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "heaps.hpp"
#include "trace.hpp"

namespace glimmer::traces {

struct CompareCell {
    double ns_per_event = 0;  // median over the rounds
    std::uint64_t peak_footprint = 0;
    double minor_faults = 0;  // median over the rounds: page faults in a timed replay's loop
};

struct CompareRow {
    std::string path;
    std::uint64_t events = 0, peak_live = 0;
    std::vector<CompareCell> cells;  // one per heap, in CompareTable::heaps order
};

struct CompareTable {
    std::vector<HeapId> heaps;  // the first is the reference the ratios divide by
    std::vector<CompareRow> rows;
    int repeat = 0;
    bool warm = false;  // each timed run followed an untimed one on the same heap
};

CompareTable compare(const std::vector<Trace>& traces, const std::vector<HeapId>& heaps,
                     const HeapSet& set, int repeat, bool warm = false);
std::string format_compare(const CompareTable& table);

double median(std::vector<double> values);
double geometric_mean(const std::vector<double>& values);

}  // namespace glimmer::traces
