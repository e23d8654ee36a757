// memory_budget.cpp - memory_available(): what the kernel and control groups leave us.
#include "memory_budget.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace glimmer::heap {

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

// The machine's size alone is not enough: a container or CI runner is often limited far below
// it, and passing that limit gets the process killed part-way, not refused.
std::uint64_t memory_available(const std::string& root) {
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

}  // namespace glimmer::heap
