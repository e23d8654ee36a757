// compare.cpp - the interleaved benchmark and its table.
#include "compare.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "replay.hpp"
#include "stats.hpp"

namespace glimmer::traces {
namespace {

// Each row's path without the folder all of them share: traces/a.gwt.gz and traces/gw/a.gwt.gz
// show as a.gwt.gz and gw/a.gwt.gz (their base names alone would be the same).
std::vector<std::string> short_names(const std::vector<CompareRow>& rows) {
    std::string prefix;  // the longest folder path, ending in '/', that every path starts with
    if (!rows.empty()) {
        const std::string& first = rows.front().path;
        prefix = first.substr(0, first.find_last_of('/') + 1);
    }
    for (const CompareRow& row : rows) {
        while (!prefix.empty() && !row.path.starts_with(prefix)) {
            // one folder up: "a/b/" -> "a/", "a/" -> "", "/" -> ""
            const std::size_t up =
                prefix.size() < 2 ? std::string::npos : prefix.find_last_of('/', prefix.size() - 2);
            prefix.erase(up == std::string::npos ? 0 : up + 1);
        }
    }
    std::vector<std::string> names;
    for (const CompareRow& row : rows)
        names.push_back(row.path.substr(prefix.size()));
    return names;
}

}  // namespace

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double geometric_mean(const std::vector<double>& v) {
    if (v.empty()) return 0;
    double log_sum = 0;
    for (double x : v)
        log_sum += std::log(std::max(x, 1e-12));
    return std::exp(log_sum / static_cast<double>(v.size()));
}

CompareTable compare(const std::vector<Trace>& traces, const std::vector<HeapId>& heaps,
                     const HeapSet& set, int repeat, bool warm) {
    CompareTable table;
    table.heaps = heaps;
    table.repeat = repeat;
    table.warm = warm;
    std::vector<std::vector<std::vector<double>>> times(
        traces.size(), std::vector<std::vector<double>>(heaps.size())),
        faults = times;
    for (std::size_t t = 0; t < traces.size(); ++t) {
        CompareRow row;
        row.path = traces[t].path;
        row.events = traces[t].events.size();
        row.peak_live = traces[t].peak_live;
        for (HeapId h : heaps) {
            ReplayResult r = replay(traces[t], h, set, ReplayOptions{Check::Full, 0});
            row.cells.push_back(CompareCell{0, r.peak_footprint});
        }
        table.rows.push_back(std::move(row));
    }
    for (int round = 0; round < repeat; ++round) {
        for (std::size_t t = 0; t < traces.size(); ++t) {
            for (std::size_t k = 0; k < heaps.size(); ++k) {
                std::size_t h = (k + static_cast<std::size_t>(round) + t) % heaps.size();
                ReplayResult r =
                    replay(traces[t], heaps[h], set, ReplayOptions{Check::Light, 0, warm});
                times[t][h].push_back(r.ns_per_event());
                faults[t][h].push_back(static_cast<double>(r.minor_faults));
            }
        }
    }
    for (std::size_t t = 0; t < traces.size(); ++t) {
        for (std::size_t h = 0; h < heaps.size(); ++h) {
            table.rows[t].cells[h].ns_per_event = median(times[t][h]);
            table.rows[t].cells[h].minor_faults = median(faults[t][h]);
        }
    }
    return table;
}

std::string format_compare(const CompareTable& table) {
    std::string out;
    char line[512];
    auto add = [&](const char* fmt, auto... args) {
        std::snprintf(line, sizeof line, fmt, args...);
        out += line;
    };
    const std::string ref(HeapSet::name(table.heaps.front()));
    std::string x_ref = "x " + ref;
    add("%-28s %9s %10s  %-9s %9s %9s %10s %7s %9s %8s\n", "trace", "events", "peak live", "heap",
        "ns/event", x_ref.c_str(), "footprint", "/live", x_ref.c_str(), "faults");
    std::vector<std::vector<double>> ns(table.heaps.size()), ns_ratio(table.heaps.size()),
        fp(table.heaps.size()), fp_ratio(table.heaps.size());
    const std::vector<std::string> names = short_names(table.rows);
    for (std::size_t t = 0; t < table.rows.size(); ++t) {
        const CompareRow& row = table.rows[t];
        const CompareCell& base = row.cells.front();
        for (std::size_t h = 0; h < table.heaps.size(); ++h) {
            const CompareCell& c = row.cells[h];
            double fp_live =
                row.peak_live ? static_cast<double>(c.peak_footprint) / row.peak_live : 0;
            double base_fp = static_cast<double>(base.peak_footprint);
            double fpr = base_fp > 0 ? c.peak_footprint / base_fp : 0;
            double nsr = base.ns_per_event > 0 ? c.ns_per_event / base.ns_per_event : 0;
            if (row.events > 0) {  // a trace without events has no figures to average
                ns[h].push_back(c.ns_per_event);
                ns_ratio[h].push_back(nsr);
                fp[h].push_back(fp_live);
                fp_ratio[h].push_back(fpr);
            }
            std::string name = h == 0 ? names[t] : "";
            std::string events = h == 0 ? std::to_string(row.events) : "";
            std::string live = h == 0 ? mib(row.peak_live) : "";
            add("%-28s %9s %10s  %-9s %9.1f %9.2f %10s %7.3f %9.2f %8.0f\n", name.c_str(),
                events.c_str(), live.c_str(), std::string(HeapSet::name(table.heaps[h])).c_str(),
                c.ns_per_event, nsr, mib(c.peak_footprint).c_str(), fp_live, fpr, c.minor_faults);
        }
    }
    // A trace without events times nothing and holds nothing: its zeros would take every
    // geometric mean to 0, so it is left out of them, by name.
    std::string without_events;
    for (std::size_t t = 0; t < table.rows.size(); ++t) {
        if (table.rows[t].events == 0) without_events += " " + names[t];
    }
    const std::size_t averaged = ns.front().size();
    if (averaged == 0) {
        out += "\nno geometric means: no trace has events\n";
    } else {
        add("\ngeometric mean over %zu traces (ns/event: median of %d interleaved rounds)\n",
            averaged, table.repeat);
    }
    if (!without_events.empty()) {
        out += "left out of the means, having no events:" + without_events + "\n";
    }
    if (averaged > 0) {
        add("%-9s %9s %9s %9s %9s\n", "heap", "ns/event", x_ref.c_str(), "fp/live", x_ref.c_str());
        for (std::size_t h = 0; h < table.heaps.size(); ++h) {
            add("%-9s %9.1f %9.2f %9.3f %9.2f\n",
                std::string(HeapSet::name(table.heaps[h])).c_str(), geometric_mean(ns[h]),
                geometric_mean(ns_ratio[h]), geometric_mean(fp[h]), geometric_mean(fp_ratio[h]));
        }
    }
    // Issue 3's targets, when Glimmer is the reference.
    if (table.heaps.front() == HeapId::Glimmer && averaged > 0) {
        auto ratio_of = [&](HeapId id) -> double {
            for (std::size_t h = 0; h < table.heaps.size(); ++h) {
                if (table.heaps[h] == id) return geometric_mean(ns_ratio[h]);
            }
            return 0;
        };
        out += "\ntargets (Glimmer):\n";
        if (double m = ratio_of(HeapId::Mimalloc); m > 0) {
            add("  ns/event at or below mimalloc's: %s (mimalloc takes %.2fx Glimmer's time)\n",
                m >= 1 ? "met" : "not met", m);
        }
        if (double g = ratio_of(HeapId::System); g > 0) {
            add("  at least 2x faster than glibc: %s (glibc takes %.2fx Glimmer's time)\n",
                g >= 2 ? "met" : "not met", g);
        }
        int large = 0, within = 0;
        std::string over;
        for (std::size_t t = 0; t < table.rows.size(); ++t) {
            const CompareRow& row = table.rows[t];
            if (row.peak_live < (1u << 20)) continue;
            ++large;
            if (static_cast<double>(row.cells.front().peak_footprint) / row.peak_live <= 1.2) {
                ++within;
            } else {
                over += " " + names[t];
            }
        }
        add("  footprint <= 1.2x peak live on traces of 1 MiB or more: %d of %d", within, large);
        out += over.empty() ? "\n" : "; over:" + over + "\n";
    }
    out += "\nfootprint, per heap:\n";
    for (HeapId h : table.heaps) {
        add("  %-9s %s\n", std::string(HeapSet::name(h)).c_str(),
            std::string(HeapSet::footprint_meaning(h)).c_str());
    }
    out +=
        "ns/event: the replay loop with a light touch (first 8 bytes written and checked);\n"
        "the full content check runs once per trace and heap, untimed.\n"
        "faults: the process's minor page faults in one timed replay's loop (median); a heap\n"
        "that keeps memory process-wide (glibc's arena) reuses pages earlier replays touched.\n";
    if (table.warm) {
        out +=
            "--warm: each timed run replayed the trace once untimed on the same heap first\n"
            "(steady state: memory every heap has used once; without --warm, what a fresh heap\n"
            "pays for its memory, page faults included, is in the figure).\n";
    }
    return out;
}

}  // namespace glimmer::traces
