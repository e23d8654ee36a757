// corpus.cpp - directory walks and the baseline file.
#include "corpus.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "trace.hpp"

namespace glimmer::traces {
namespace fs = std::filesystem;

std::vector<std::string> find_traces(const std::string& dir) {
    std::vector<std::string> out;
    fs::path bad = fs::path(dir) / "bad";
    for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
         ++it) {
        if (it->is_directory() && it->path() == bad) {
            it.disable_recursion_pending();
            continue;
        }
        if (it->is_regular_file() && is_trace_name(it->path().string())) {
            out.push_back(it->path().string());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> find_bad_traces(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(fs::path(dir) / "bad")) {
        if (entry.is_regular_file() && is_trace_name(entry.path().string())) {
            out.push_back(entry.path().string());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string relative_to(const std::string& dir, const std::string& path) {
    return fs::path(path).lexically_relative(dir).generic_string();
}

std::map<std::string, Baseline> read_baselines(const std::string& dir) {
    std::string file = (fs::path(dir) / kBaselineFile).string();
    std::ifstream in(file);
    if (!in) throw std::runtime_error(file + ":0: cannot open the footprint baselines");
    std::map<std::string, Baseline> out;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (line.empty() || line[0] == '#') continue;
        std::istringstream fields(line);
        std::string path;
        Baseline b;
        std::string extra;
        if (!(fields >> path >> b.peak_footprint >> b.peak_footprint_mmap >> b.peak_live) ||
            (fields >> extra)) {
            throw std::runtime_error(
                file + ":" + std::to_string(number) +
                ": expected 'PATH PEAK_FOOTPRINT PEAK_FOOTPRINT_MMAP PEAK_LIVE'");
        }
        out[path] = b;
    }
    return out;
}

void write_baselines(const std::string& dir, const std::map<std::string, Baseline>& baselines) {
    std::string file = (fs::path(dir) / kBaselineFile).string();
    std::ofstream out(file);
    out << "# Peak footprint of each trace replayed on the Glimmer heap, in bytes, on two chunk\n"
           "# sources. tests/traces fails when a replay exceeds the first by more than 2%, or\n"
           "# the second by more than 2% and the footprint ceiling's slack (1/16).\n"
           "# PEAK_FOOTPRINT: a source at fixed addresses (tracing/fixed_chunks.hpp); the heap is\n"
           "#   deterministic, so it holds to the byte.\n"
           "# PEAK_FOOTPRINT_MMAP: the default source, as `replay` and `peak` use it, where huge\n"
           "#   chunks are kept for reuse and grow with mremap; it moves from run to run (the\n"
           "#   addresses decide how many radix node pages count, and so whether a spare chunk\n"
           "#   fits under the footprint ceiling), so it is the most of 5 replays.\n"
           "# Update deliberately, when the heap gets better: glimmer-trace baseline traces\n"
           "# PATH PEAK_FOOTPRINT PEAK_FOOTPRINT_MMAP PEAK_LIVE\n";
    for (const auto& [path, b] : baselines) {
        out << path << ' ' << b.peak_footprint << ' ' << b.peak_footprint_mmap << ' ' << b.peak_live
            << '\n';
    }
    if (!out.flush()) throw std::runtime_error(file + ":0: cannot write the footprint baselines");
}

}  // namespace glimmer::traces
