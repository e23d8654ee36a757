// replay.cpp - replay() on the built-in heaps (the loop itself is in replay_loop.hpp).
#include "replay.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <type_traits>

#include "replay_loop.hpp"
#include "stats.hpp"

namespace glimmer::traces {

std::uint8_t pattern_byte(std::uint64_t slot, std::uint64_t offset) {
    return static_cast<std::uint8_t>(detail::pattern_word(slot) >> (8 * (offset & 7)));
}

namespace {

std::uint64_t physical_memory_bytes() {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? static_cast<std::uint64_t>(pages) * page : UINT64_MAX;
}

// The first number in a file (0 if none: "max", missing, unreadable).
std::uint64_t read_number(const std::string& path) {
    std::ifstream in(path);
    std::uint64_t n = 0;
    return in >> n ? n : 0;
}

}  // namespace

// What the process may still fill: the machine's memory, or less where the kernel has less
// available (MemAvailable) or a memory control group limits the process (a container, a CI
// runner: their limits are often far below the machine's, and passing one gets the process
// killed part-way, not an error). Checking the machine's size alone let a trace of 4 GB live
// start in a 2 GB container.
std::uint64_t replay_memory_budget(const std::string& root) {
    std::uint64_t memory = physical_memory_bytes();
    auto lower = [&memory](std::uint64_t bytes) {
        if (bytes != 0 && bytes < memory) memory = bytes;
    };
    std::ifstream meminfo(root + "/proc/meminfo");
    for (std::string line; std::getline(meminfo, line);) {
        unsigned long long kib = 0;
        if (std::sscanf(line.c_str(), "MemAvailable: %llu kB", &kib) == 1) {
            lower(static_cast<std::uint64_t>(kib) * 1024);
            break;
        }
    }
    // Headroom under a limit: limit - usage (a limit of "max" reads as 0: none).
    auto headroom = [&lower](const std::string& limit_file, const std::string& usage_file) {
        const std::uint64_t limit = read_number(limit_file), used = read_number(usage_file);
        if (limit != 0) lower(limit > used ? limit - used : 1);
    };
    std::ifstream groups(root + "/proc/self/cgroup");
    for (std::string line; std::getline(groups, line);) {
        // "0::/path" (cgroup v2) or "N:memory:/path" (v1, possibly with other controllers).
        const std::size_t a = line.find(':'), b = line.find(':', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
        if (controllers.empty()) {
            headroom(root + "/sys/fs/cgroup" + path + "/memory.max",
                     root + "/sys/fs/cgroup" + path + "/memory.current");
        } else if (("," + controllers + ",").find(",memory,") != std::string::npos) {
            headroom(root + "/sys/fs/cgroup/memory" + path + "/memory.limit_in_bytes",
                     root + "/sys/fs/cgroup/memory" + path + "/memory.usage_in_bytes");
        }
    }
    return memory;
}

ReplayResult replay(const Trace& trace, HeapId heap, const HeapSet& set,
                    const ReplayOptions& options) {
    // A replay writes every byte it is given, so a trace that needs more live bytes than the
    // machine has cannot be replayed. Refuse it up front: a heap that reserves address space
    // without committing it (mimalloc) would hand the blocks out, and the kernel would kill
    // the process part-way through the pattern.
    if (const std::uint64_t memory = replay_memory_budget(); trace.peak_live > memory) {
        throw ReplayError(trace.path + ":" + std::to_string(trace.peak_live_line) +
                          ": the trace holds " + std::to_string(trace.peak_live) +
                          " bytes live here, more than the " + mib(memory) +
                          " of memory this process can have now; a replay writes every byte, "
                          "so it cannot run");
    }
    ReplayResult r = with_heap(heap, set, [&](auto& adapter) {
        return replay_with(trace, adapter, HeapSet::name(heap), options);
    });
    r.heap = heap;
    return r;
}

TimedReplay replay_and_time(const Trace& trace, HeapId heap, const HeapSet& set, int timed_runs,
                            std::size_t plot_points) {
    TimedReplay out;
    out.checked = replay(trace, heap, set, ReplayOptions{Check::Full, plot_points});
    for (int i = 0; i < timed_runs; ++i)
        out.timed.push_back(replay(trace, heap, set, ReplayOptions{Check::Light, 0}));
    return out;
}

}  // namespace glimmer::traces
