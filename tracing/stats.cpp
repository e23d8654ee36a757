// stats.cpp - one pass over the events; buckets are kept in first-seen order and sorted by
// their lower bound for printing.
#include "stats.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <map>
#include <utility>

namespace glimmer::traces {
namespace {

// The size class of SIZE as (low, high]: 16-byte steps to 256, then 4 classes per power of
// two. high is 2^64 for the last class (it ends at the largest size).
std::pair<ByteTotal, ByteTotal> class_range(std::uint64_t size) {
    if (size <= 256) {
        const std::uint64_t low = (size - 1) / 16 * 16;
        return {low, low + 16};
    }
    unsigned top = 63 - static_cast<unsigned>(std::countl_zero(size - 1));  // 2^top < size
    const std::uint64_t base = std::uint64_t{1} << top;
    const std::uint64_t step = base / 4;
    const std::uint64_t low = base + (size - 1 - base) / step * step;
    return {low, ByteTotal{low} + step};
}

std::string percent(ByteTotal part, ByteTotal whole) {
    char buf[16];
    std::snprintf(
        buf, sizeof buf, "%5.1f%%",
        whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole));
    return buf;
}

std::string bar(std::uint64_t part, std::uint64_t whole) {
    constexpr int kWidth = 30;
    int n = whole == 0 ? 0 : static_cast<int>((kWidth * part + whole - 1) / whole);
    return std::string(static_cast<std::size_t>(n), '#');
}

constexpr std::uint64_t kLifetimeBounds[] = {16, 256, 4096, 65536, 1048576};

}  // namespace

std::string mib(ByteTotal bytes) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(bytes) / (1 << 20));
    return buf;
}

std::string decimal(ByteTotal bytes) {
    std::string digits;
    do {
        digits += static_cast<char>('0' + static_cast<int>(bytes % 10));
        bytes /= 10;
    } while (bytes != 0);
    return std::string(digits.rbegin(), digits.rend());
}

std::string size_class_label(std::uint64_t size) {
    auto [low, high] = class_range(size);
    static constexpr char kUnits[] = "KMGTPE";
    unsigned unit = 0;  // the largest binary unit both bounds are whole multiples of
    while (unit < sizeof kUnits - 1 && high >= 1024 && high % 1024 == 0 && low % 1024 == 0) {
        high >>= 10;
        low >>= 10;
        ++unit;
    }
    const std::string suffix = unit == 0 ? "" : std::string(1, kUnits[unit - 1]);
    return decimal(low) + suffix + " < size <= " + decimal(high) + suffix;
}

TagMeaning tag_meaning(const Trace& trace) {
    const std::string source = trace.comment_value("source");
    return source == "glimmer" || source.starts_with("glimmer ") ? TagMeaning::GlimmerKind
                                                                 : TagMeaning::LuaType;
}

std::string tag_name(std::uint16_t tag, TagMeaning meaning) {
    // runtime::ObjectKind's names by value (runtime/object.hpp; tracing/ may not include the
    // runtime): tests/traces/stats_test.cpp checks them against runtime::kind_name.
    static constexpr const char* kKindNames[] = {
        nullptr,   "String",  "List",      "Map",    "StructDef", "Struct",   "Wrapped",  "Range",
        "Closure", "Upvalue", "Prototype", "Native", "Buffer",    "Internal", "Iterator", "Module",
    };
    if (tag == kNoTag) return "untagged";
    if (meaning == TagMeaning::GlimmerKind) {
        if (tag < std::size(kKindNames) && kKindNames[tag] != nullptr) return kKindNames[tag];
        return "tag " + std::to_string(tag);
    }
    switch (tag) {
        case 4:
            return "string";
        case 5:
            return "table";
        case 6:
            return "function";
        case 7:
            return "userdata";
        case 8:
            return "thread";
        case 9:
            return "upvalue";
        case 10:
            return "prototype";
        default:
            return "tag " + std::to_string(tag);
    }
}

TraceStats compute_stats(const Trace& trace) {
    TraceStats s;
    s.events = trace.events.size();
    s.live_at_end = trace.live_at_end;
    std::map<std::uint64_t, Bucket> sizes;
    std::map<std::uint16_t, Bucket> tags;
    std::vector<std::uint64_t> born(trace.slot_count(), 0);
    std::vector<std::uint64_t> first_size(trace.slot_count(), 0);  // at allocation
    std::vector<std::uint64_t> size(trace.slot_count(), 0);        // now; 0 once freed
    ByteTotal live = 0;
    std::vector<Bucket> life(std::size(kLifetimeBounds) + 2);
    const TagMeaning meaning = tag_meaning(trace);
    for (std::size_t i = 0; i < std::size(kLifetimeBounds); ++i) {
        std::uint64_t from = i == 0 ? 0 : kLifetimeBounds[i - 1];
        life[i].label =
            std::to_string(from) + "-" + std::to_string(kLifetimeBounds[i] - 1) + " events";
    }
    life[std::size(kLifetimeBounds)].label =
        ">= " + std::to_string(kLifetimeBounds[std::size(kLifetimeBounds) - 1]) + " events";
    life.back().label = "never freed";

    for (std::size_t i = 0; i < trace.events.size(); ++i) {
        const Event& e = trace.events[i];
        switch (e.op) {
            case Op::Alloc: {
                ++s.allocs;
                s.bytes_allocated += e.size;
                Bucket& b = sizes[static_cast<std::uint64_t>(class_range(e.size).first)];
                if (b.label.empty()) b.label = size_class_label(e.size);
                ++b.count;
                b.bytes += e.size;
                Bucket& t = tags[e.tag];
                if (t.label.empty()) t.label = tag_name(e.tag, meaning);
                ++t.count;
                t.bytes += e.size;
                born[e.slot] = i;
                first_size[e.slot] = e.size;
                size[e.slot] = e.size;
                live += e.size;
                break;
            }
            case Op::Resize:
                ++s.resizes;
                if (e.size > size[e.slot]) {
                    ++s.grows;
                    s.bytes_grown += e.size - size[e.slot];
                }
                live = live - size[e.slot] + e.size;
                size[e.slot] = e.size;
                break;
            case Op::Free: {
                ++s.frees;
                std::uint64_t age = i - born[e.slot];
                std::size_t k = 0;
                while (k < std::size(kLifetimeBounds) && age >= kLifetimeBounds[k])
                    ++k;
                ++life[k].count;
                life[k].bytes += first_size[e.slot];
                live -= size[e.slot];
                size[e.slot] = 0;  // what stays non-zero is live at the end
                break;
            }
        }
        s.peak_live = std::max(s.peak_live, live);
    }
    life.back().count = trace.live_at_end;
    for (std::size_t slot = 0; slot < size.size(); ++slot) {
        if (size[slot] != 0) life.back().bytes += first_size[slot];
    }
    for (auto& [lo, b] : sizes)
        s.sizes.push_back(b);
    for (auto& [tag, b] : tags)
        s.tags.push_back(b);
    s.lifetimes = std::move(life);
    return s;
}

std::string format_stats(const Trace& trace, const TraceStats& s) {
    std::string out;
    char line[256];
    auto add = [&](const char* fmt, auto... args) {
        std::snprintf(line, sizeof line, fmt, args...);
        out += line;
    };
    out += trace.path + "\n";
    std::string source = trace.comment_value("source");
    if (!source.empty()) out += "  source: " + source + "\n";
    add("  events %llu: %llu allocations, %llu resizes (%s of events; %llu grow), %llu frees\n",
        static_cast<unsigned long long>(s.events), static_cast<unsigned long long>(s.allocs),
        static_cast<unsigned long long>(s.resizes), percent(s.resizes, s.events).c_str(),
        static_cast<unsigned long long>(s.grows), static_cast<unsigned long long>(s.frees));
    add("  peak live %s (%s bytes), %zu blocks live at the end\n", mib(s.peak_live).c_str(),
        decimal(s.peak_live).c_str(), s.live_at_end);
    const ByteTotal requested = s.bytes_allocated + s.bytes_grown;
    add("  allocated in all %s: %s in new blocks, %s added by growing resizes\n",
        mib(requested).c_str(), mib(s.bytes_allocated).c_str(), mib(s.bytes_grown).c_str());

    // Byte shares are of s.bytes_allocated in every table: each block at its size at allocation.
    auto table = [&](const char* title, const std::vector<Bucket>& buckets, std::uint64_t total) {
        add("\n  %-22s %10s %7s %7s\n", title, "blocks", "share", "bytes");
        for (const Bucket& b : buckets) {
            add("  %-22s %10llu %7s %7s  %s\n", b.label.c_str(),
                static_cast<unsigned long long>(b.count), percent(b.count, total).c_str(),
                percent(b.bytes, s.bytes_allocated).c_str(), bar(b.count, total).c_str());
        }
    };
    table("size class (bytes)", s.sizes, s.allocs);
    table("tag", s.tags, s.allocs);
    table("lifetime", s.lifetimes, s.allocs);
    return out;
}

}  // namespace glimmer::traces
