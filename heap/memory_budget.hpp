// memory_budget.hpp - how much memory this process may still fill before the system stops it.
#pragma once

#include <cstdint>
#include <string>

namespace glimmer::heap {

// The bytes this process may still take: the machine's memory, or less where the kernel has
// less available (/proc/meminfo's MemAvailable) or a memory control group (v1 or v2, as
// /proc/self/cgroup names it) leaves less headroom. Past this figure a process is not refused
// memory but killed by the kernel part-way, so a heap limit below it turns that kill into an
// error a program can handle. `root` prefixes the /proc and /sys paths read (tests).
std::uint64_t memory_available(const std::string& root = "");

}  // namespace glimmer::heap
