// tests/heap/memory_budget_test.cpp - memory_available() reads the limits the kernel and
// control groups set, from a fake /proc and /sys tree.
#include "heap/memory_budget.hpp"

#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <string>

using glimmer::heap::memory_available;

BOOST_AUTO_TEST_SUITE(heap_memory_budget)

// The budget is the least of the machine's memory, MemAvailable and the headroom under a memory
// control group (v1 or v2, found through /proc/self/cgroup): a replay or a script past a
// container's limit was killed part-way instead of refused.
BOOST_AUTO_TEST_CASE(the_budget_heeds_meminfo_and_cgroup_limits) {
    namespace fs = std::filesystem;
    const fs::path root =
        fs::temp_directory_path() / ("glimmer-memory-budget-" + std::to_string(getpid()));
    fs::remove_all(root);
    auto write = [&](const std::string& rel, const std::string& text) {
        fs::create_directories((root / rel).parent_path());
        std::ofstream(root / rel) << text;
    };
    const std::uint64_t machine = memory_available(root.string());  // nothing to read
    BOOST_TEST(machine > (64u << 20));
    write("proc/meminfo", "MemTotal:       99999999 kB\nMemAvailable:      40000 kB\n");
    BOOST_TEST(memory_available(root.string()) == 40000u * 1024);
    write("proc/meminfo", "MemTotal: 1 kB\n");  // no MemAvailable line: the machine's size
    BOOST_TEST(memory_available(root.string()) == machine);
    // cgroup v2: limit - current
    write("proc/self/cgroup", "0::/runner/job\n");
    write("sys/fs/cgroup/runner/job/memory.max", "3000000\n");
    write("sys/fs/cgroup/runner/job/memory.current", "1000000\n");
    BOOST_TEST(memory_available(root.string()) == 2000000u);
    write("sys/fs/cgroup/runner/job/memory.max", "max\n");  // no limit
    BOOST_TEST(memory_available(root.string()) == machine);
    // cgroup v1, the memory controller among others on its line
    write("proc/self/cgroup", "4:cpu,memory:/docker/abc\n0::/\n");
    write("sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "5000000\n");
    write("sys/fs/cgroup/memory/docker/abc/memory.usage_in_bytes", "4000000\n");
    BOOST_TEST(memory_available(root.string()) == 1000000u);
    fs::remove_all(root);
}

BOOST_AUTO_TEST_SUITE_END()
