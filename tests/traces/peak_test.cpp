// peak_test.cpp - glimmer-trace peak: the Glimmer heap taken apart at a trace's peak footprint.
#include "peak.hpp"

#include <boost/test/unit_test.hpp>

#include <string>
#include <utility>

#include "gw_heap.h"
#include "replay.hpp"

using namespace glimmer::traces;

BOOST_AUTO_TEST_SUITE(traces_peak)

// 20,000 blocks of 56 bytes (64-byte slots), every other one freed, then a 1 MiB block: the
// peak is the last allocation, and half the small slots are free then.
BOOST_AUTO_TEST_CASE(the_parts_add_up_to_the_peak_footprint) {
    TraceBuilder b("holes.gwt");
    const std::uint64_t blocks = 20'000;
    for (std::uint64_t id = 1; id <= blocks; ++id)
        b.alloc(id, 56);
    for (std::uint64_t id = 1; id <= blocks; id += 2)
        b.free(id);
    b.alloc(blocks + 1, 1 << 20);
    const std::uint64_t last = b.event_count() - 1;
    for (std::uint64_t id = 2; id <= blocks + 1; id += 2)
        b.free(id);
    b.free(blocks + 1);
    const Trace trace = std::move(b).finish();

    const PeakBreakdown p = find_peak(trace);
    BOOST_TEST(p.event == last);
    BOOST_TEST(p.requested == blocks / 2 * 56 + (1 << 20));
    BOOST_TEST(p.usable >= p.requested);
    BOOST_TEST(p.small_usable == blocks / 2 * 64);
    // every byte is in exactly one part
    BOOST_TEST(p.usable + p.free_slot_bytes() + p.free_page_bytes + p.free_medium_bytes +
                   p.other_bytes() ==
               p.footprint);
    BOOST_TEST(p.other_bytes() < p.footprint / 20);  // metadata stays small
    BOOST_TEST_REQUIRE(p.small.size() == 1u);
    const SlotPages& row = p.small.front();
    BOOST_TEST(row.slot_bytes == 64u);
    BOOST_TEST(row.live_slots == blocks / 2);
    BOOST_TEST(row.slots >= blocks);  // the freed half are holes in the same pages
    BOOST_TEST(row.free_bytes() <= p.free_slot_bytes());

    GwHeapStats stats{};
    GwHeap* heap = gw_heap_create(nullptr);
    gw_heap_stats(heap, &stats);
    gw_heap_destroy(heap);
    BOOST_TEST(p.footprint > stats.footprint_bytes + (1 << 20));
    const std::string text = format_peak(trace, p);
    BOOST_TEST(text.find("holes.gwt: peak footprint") == 0u, text);
    // the event by its place, not its 0-based index ("after event 6" was the 7th): 20,000
    // allocations, 10,000 frees, then the 1 MiB block
    BOOST_TEST(last + 1 == 30'001u);
    BOOST_TEST(text.find(" after the 30001st event (line " + std::to_string(trace.lines[last]) +
                         "), ") != std::string::npos,
               text);
    BOOST_TEST(text.find("64-byte slots:") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(the_peak_event_is_named_by_its_place_in_the_trace) {
    const std::pair<std::uint64_t, const char*> places[] = {
        {1, "1st"},     {2, "2nd"},     {3, "3rd"},       {4, "4th"},   {11, "11th"},
        {12, "12th"},   {13, "13th"},   {21, "21st"},     {22, "22nd"}, {23, "23rd"},
        {111, "111th"}, {112, "112th"}, {1001, "1001st"},
    };
    for (const auto& [place, name] : places) {
        // the 1 MiB block is the event at `place`; the peak comes after it
        TraceBuilder b("place.gwt");
        b.comment("source: test");  // line 2: events start on line 3
        for (std::uint64_t id = 1; id < place; ++id)
            b.alloc(id, 8);
        b.alloc(place, 1 << 20);
        b.free(place);
        const Trace trace = std::move(b).finish();
        const std::string text = format_peak(trace, find_peak(trace));
        BOOST_TEST(text.find(std::string(" after the ") + name + " event (line " +
                             std::to_string(place + 2) + "), ") != std::string::npos,
                   text);
    }
}

// A 40,000,000-byte block shrunk to 16 bytes moves to a small slot: for a moment the heap holds
// both blocks (a new page chunk and the old block), and then only the slot (a chunk that big
// is never kept: GW_HUGE_DORMANT_MAX_BYTES). The peak is inside that resize, and the parts are
// the heap before it plus the new block's chunk in flight.
BOOST_AUTO_TEST_CASE(a_peak_reached_only_inside_a_resize_is_taken_apart_as_it_was) {
    TraceBuilder b("shrink.gwt");
    b.alloc(1, 40'000'000);
    b.resize(1, 16);
    b.free(1);
    const Trace trace = std::move(b).finish();

    const PeakBreakdown p = find_peak(trace);
    BOOST_TEST(p.event == 1u);
    BOOST_TEST(p.requested == 40'000'000u);  // the heap just before the resize
    BOOST_TEST(p.in_flight_requested == 16u);
    BOOST_TEST(p.in_flight > 0u);
    BOOST_TEST(p.footprint > 40'000'000u);  // the 40 MB block was still held at the peak
    BOOST_TEST(p.usable + p.free_slot_bytes() + p.free_page_bytes + p.free_medium_bytes +
                   p.other_bytes() + p.in_flight ==
               p.footprint);
    const std::string text = format_peak(trace, p);
    BOOST_TEST(text.find(" inside the 2nd event (line 3), ") != std::string::npos, text);
    BOOST_TEST(text.find("held in flight by the event") != std::string::npos, text);
}

BOOST_AUTO_TEST_CASE(a_trace_without_events_is_an_empty_heap) {
    const Trace trace = std::move(TraceBuilder("empty.gwt")).finish();
    const PeakBreakdown p = find_peak(trace);
    BOOST_TEST(p.requested == 0u);
    BOOST_TEST(p.usable == 0u);
    BOOST_TEST(p.footprint > 0u);  // the heap record
    BOOST_TEST(p.other_bytes() == p.footprint);
    BOOST_TEST(p.in_flight == 0u);
    BOOST_TEST(format_peak(trace, p).find("empty.gwt: no events") == 0u);
}

BOOST_AUTO_TEST_CASE(a_refused_request_names_its_line) {
    TraceBuilder b("huge.gwt");
    b.alloc(1, std::uint64_t{1} << 62);  // no heap can give this
    const Trace trace = std::move(b).finish();
    try {
        find_peak(trace);
        BOOST_FAIL("a refused allocation must throw");
    } catch (const ReplayError& e) {
        BOOST_TEST(std::string(e.what()).find("huge.gwt:2: ") == 0u, e.what());
    }
}

BOOST_AUTO_TEST_SUITE_END()
