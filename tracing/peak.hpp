// peak.hpp - where the Glimmer heap's bytes are at its peak footprint (glimmer-trace peak).
//
// The peak footprint is the one figure the footprint target and the baselines hold the heap to,
// and it is reached at one event. find_peak replays the trace to find that event, replays it
// again on a fresh heap up to there, and takes the heap apart: the requested bytes, their
// rounding to usable sizes, the free slots of pages that still hold live blocks (by slot size),
// wholly free pages, free medium space, and what is left (headers, radix nodes, the record).
// The parts add up to the footprint exactly. A peak reached only inside an event (a resize that
// copies holds two blocks for a moment) is taken apart as the heap just before that event plus
// what the event held in flight.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trace.hpp"

namespace glimmer::traces {

struct SlotPages {
    std::uint64_t slot_bytes = 0;
    std::uint64_t pages = 0;       // pages of this slot size with at least one live block
    std::uint64_t live_slots = 0;  // their live blocks
    std::uint64_t slots = 0;       // their slots (up to each page's counted end)
    std::uint64_t free_bytes() const { return (slots - live_slots) * slot_bytes; }
};

struct PeakBreakdown {
    std::uint64_t event = 0;      // index of the event that reached the peak footprint
    std::uint64_t footprint = 0;  // the peak footprint (gw_heap_stats)
    // Bytes held only while that event ran, when the peak came and went inside it (a resize
    // holding its old and new blocks while it copies); 0 if the heap still held the peak after
    // it. When not 0, every other part is of the heap just before the event.
    std::uint64_t in_flight = 0;
    std::uint64_t in_flight_requested = 0;  // the size that event asked for, if in_flight
    std::uint64_t requested = 0;            // requested live bytes then (the trace's sizes)
    std::uint64_t usable = 0;               // usable bytes of the live blocks then
    std::uint64_t small_usable = 0;         // the part of `usable` in small slots
    std::uint64_t used_page_bytes = 0;      // slot bytes of the small pages in use (counted part)
    std::vector<SlotPages> small;           // pages with live blocks, by slot size, smallest first
    std::uint64_t free_page_bytes = 0;      // wholly free small pages (their counted slot bytes)
    std::uint64_t free_medium_bytes = 0;    // free medium space that counts, quick lists included
    // free slots of the pages in use (empty current pages too)
    std::uint64_t free_slot_bytes() const;
    // the rest of the footprint: chunk and page headers, block headers, the parts of huge
    // chunks past their blocks, radix nodes, the heap record
    std::uint64_t other_bytes() const;
};

// Throws ReplayError ("FILE:LINE: message") if the heap refuses a request of the trace.
PeakBreakdown find_peak(const Trace& trace);
std::string format_peak(const Trace& trace, const PeakBreakdown& peak);

}  // namespace glimmer::traces
