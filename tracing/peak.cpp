// peak.cpp - find_peak: the Glimmer heap taken apart at a trace's peak footprint.
#include "peak.hpp"

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "gw_heap.h"
#include "heap/verify.hpp"
#include "replay.hpp"
#include "stats.hpp"

namespace glimmer::traces {

namespace {

struct HeapDeleter {
    void operator()(GwHeap* h) const { gw_heap_destroy(h); }
};
using HeapPtr = std::unique_ptr<GwHeap, HeapDeleter>;

enum class Leftovers { Keep, Free };

// Replays the first `count` events of the trace on `heap` (then, with Leftovers::Free, frees
// what they left live), keeping the requested live bytes; returns the index of the last event
// that raised the peak footprint.
std::uint64_t replay_first(const Trace& trace, GwHeap* heap, std::uint64_t count,
                           std::uint64_t& requested, Leftovers leftovers = Leftovers::Keep) {
    std::vector<void*> blocks(trace.slot_count(), nullptr);
    std::vector<std::uint64_t> sizes(trace.slot_count(), 0);
    std::uint64_t peak = 0, peak_event = 0;
    requested = 0;
    for (std::uint64_t i = 0; i < trace.events.size() && i < count; ++i) {
        const Event& e = trace.events[i];
        void*& block = blocks[e.slot];
        switch (e.op) {
            case Op::Alloc:
                block = gw_heap_alloc(heap, e.size);
                if (block == nullptr) {
                    throw ReplayError(trace.where(i) + "the heap refused " +
                                      std::to_string(e.size) + " bytes");
                }
                requested += e.size;
                sizes[e.slot] = e.size;
                break;
            case Op::Resize: {
                void* grown = gw_heap_realloc(heap, block, e.size);
                if (grown == nullptr) {
                    throw ReplayError(trace.where(i) + "the heap refused a resize to " +
                                      std::to_string(e.size) + " bytes");
                }
                block = grown;
                requested = requested - sizes[e.slot] + e.size;
                sizes[e.slot] = e.size;
                break;
            }
            case Op::Free:
                if (gw_heap_free(heap, block) != GW_OK) {
                    throw ReplayError(trace.where(i) + "the heap refused a free");
                }
                block = nullptr;
                requested -= sizes[e.slot];
                break;
        }
        GwHeapStats s{};
        gw_heap_stats(heap, &s);
        if (s.peak_footprint_bytes > peak) {
            peak = s.peak_footprint_bytes;
            peak_event = i;
        }
    }
    if (leftovers == Leftovers::Free) {
        for (void* block : blocks)
            gw_heap_free(heap, block);
    }
    return peak_event;
}

struct Census {
    const GwHeap* heap;
    std::map<const unsigned char*, std::uint64_t> live_per_page;
    std::uint64_t small_usable = 0;
};

int count_block(void* user, void* ptr, std::size_t usable) {
    auto& census = *static_cast<Census*>(user);
    const void* page = heap::page_header_of(census.heap, ptr);
    if (page != nullptr) {
        ++census.live_per_page[static_cast<const unsigned char*>(page)];
        census.small_usable += usable;
    }
    return 0;
}

template <class T>
T field(const unsigned char* header, int offset) {
    T v;
    std::memcpy(&v, header + offset, sizeof v);
    return v;
}

// "1st", "2nd", "3rd", "4th", "11th", "21st": the peak's event is named by its place, so it
// cannot be read as a 0-based index ("after event 6" was the 7th) or a line number.
std::string ordinal(std::uint64_t n) {
    const char* suffix = "th";
    if (n % 100 < 11 || n % 100 > 13) {
        if (n % 10 == 1) suffix = "st";
        if (n % 10 == 2) suffix = "nd";
        if (n % 10 == 3) suffix = "rd";
    }
    return std::to_string(n) + suffix;
}

}  // namespace

std::uint64_t PeakBreakdown::free_slot_bytes() const {
    return used_page_bytes - small_usable;
}

std::uint64_t PeakBreakdown::other_bytes() const {
    return footprint - in_flight - usable - free_slot_bytes() - free_page_bytes - free_medium_bytes;
}

PeakBreakdown find_peak(const Trace& trace) {
    PeakBreakdown out;
    std::uint64_t requested = 0;
    const auto fresh_heap = [&trace] {
        HeapPtr heap(gw_heap_create(nullptr));
        if (!heap) throw ReplayError(trace.path + ": gw_heap_create failed");
        return heap;
    };
    {
        HeapPtr first = fresh_heap();
        out.event =
            replay_first(trace, first.get(), trace.events.size(), requested, Leftovers::Free);
    }
    HeapPtr heap = fresh_heap();
    replay_first(trace, heap.get(), out.event + 1, out.requested);
    GwHeapStats stats{};
    gw_heap_stats(heap.get(), &stats);
    out.footprint = stats.peak_footprint_bytes;
    if (stats.footprint_bytes < stats.peak_footprint_bytes && !trace.events.empty()) {
        // The peak came and went inside the event: a resize that moves its block holds the
        // old and the new one while it copies. The parts are those of the heap just before
        // it, and the rest of the peak is what the event held for that moment.
        heap = fresh_heap();
        replay_first(trace, heap.get(), out.event, out.requested);
        gw_heap_stats(heap.get(), &stats);
        out.in_flight = out.footprint - stats.footprint_bytes;
        const Event& e = trace.events[out.event];
        if (e.op != Op::Free) out.in_flight_requested = e.size;
    }
    out.usable = stats.live_bytes;

    Census census{heap.get(), {}, 0};
    gw_heap_walk(heap.get(), count_block, &census);
    std::map<std::uint64_t, SlotPages> by_size;
    for (const auto& [header, live] : census.live_per_page) {
        const auto size = field<std::uint64_t>(header, GW_PG_SIZE);
        const auto first = field<std::uintptr_t>(header, GW_PG_SLOTS);
        const auto end = field<std::uintptr_t>(header, GW_PG_END);
        SlotPages& row = by_size[size];
        row.slot_bytes = size;
        ++row.pages;
        row.live_slots += live;
        row.slots += (end - first) / size;
    }
    for (const auto& [size, row] : by_size)
        out.small.push_back(row);
    out.small_usable = census.small_usable;

    const heap::VerifyReport report = heap::verify(heap.get());
    if (!report.ok()) {
        throw ReplayError(trace.where(out.event) + "heap check failed: " + report.to_string());
    }
    out.used_page_bytes = report.used_page_bytes;
    out.free_page_bytes = report.free_page_bytes;
    out.free_medium_bytes =
        report.free_medium_bytes - report.medium_bare_bytes + report.quick_bytes;
    return out;
}

std::string format_peak(const Trace& trace, const PeakBreakdown& p) {
    if (trace.events.empty()) {
        return trace.path + ": no events; an empty heap holds " + mib(p.footprint) + "\n";
    }
    std::string out;
    char line[256];
    const auto share = [&](std::uint64_t bytes) {
        return p.footprint == 0 ? 0.0 : 100.0 * static_cast<double>(bytes) / p.footprint;
    };
    const auto row = [&](const char* what, std::uint64_t bytes) {
        std::snprintf(line, sizeof line, "  %-44s %12llu  %10s  %5.1f%%\n", what,
                      static_cast<unsigned long long>(bytes), mib(bytes).c_str(), share(bytes));
        out += line;
    };
    const std::uint64_t requested = p.requested + p.in_flight_requested;
    char ratio[64] = "with nothing live then";
    if (requested != 0) {
        std::snprintf(ratio, sizeof ratio, "%.3fx the requested live bytes then",
                      static_cast<double>(p.footprint) / static_cast<double>(requested));
    }
    std::snprintf(line, sizeof line, "%s: peak footprint %s %s the %s event (line %llu), %s\n",
                  trace.path.c_str(), mib(p.footprint).c_str(), p.in_flight ? "inside" : "after",
                  ordinal(p.event + 1).c_str(),
                  static_cast<unsigned long long>(trace.lines[p.event]), ratio);
    out += line;
    if (p.in_flight) {
        out +=
            "  (the event held more for a moment than before or after it: a resize that moves\n"
            "  its block holds the old and the new one while it copies; the parts below are\n"
            "  the heap just before the event, then what the event held in flight)\n";
    }
    row("requested live bytes", p.requested);
    row("rounding to usable sizes", p.usable - p.requested);
    row("free slots in pages in use", p.free_slot_bytes());
    row("wholly free small pages", p.free_page_bytes);
    row("free medium space (quick lists included)", p.free_medium_bytes);
    row("headers, huge chunk tails, radix nodes, record", p.other_bytes());
    if (p.in_flight) row("held in flight by the event (its new block)", p.in_flight);
    row("footprint", p.footprint);
    if (!p.small.empty()) {
        out += "  pages with live blocks, by slot size:\n";
        for (const SlotPages& s : p.small) {
            std::snprintf(line, sizeof line,
                          "    %4llu-byte slots: %5llu pages, %8llu of %8llu slots live (%3.0f%%), "
                          "%s free\n",
                          static_cast<unsigned long long>(s.slot_bytes),
                          static_cast<unsigned long long>(s.pages),
                          static_cast<unsigned long long>(s.live_slots),
                          static_cast<unsigned long long>(s.slots),
                          s.slots ? 100.0 * static_cast<double>(s.live_slots) / s.slots : 0.0,
                          mib(s.free_bytes()).c_str());
            out += line;
        }
    }
    return out;
}

}  // namespace glimmer::traces
