// Runs a child process with a time limit and captures its stdout and stderr.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace glimmer::tests {

struct ProcessResult {
    std::string out;
    std::string err;
    int exit_code = -1;             // meaningful when the child exited normally
    int signal = 0;                 // nonzero when the child was killed by a signal
    bool timed_out = false;         // killed by us: it ran past the time limit
    bool output_truncated = false;  // killed by us: it wrote more than the output limit

    [[nodiscard]] bool exited() const { return signal == 0 && !timed_out && !output_truncated; }
    // "exit status 1", "killed by signal 11 (Segmentation fault)", "timed out after 20 s", ...
    [[nodiscard]] std::string describe_end(std::chrono::milliseconds limit) const;
};

struct ProcessLimits {
    std::chrono::milliseconds timeout{20'000};
    std::size_t max_output_bytes = 16u << 20;
};

// Starts argv[0] (a path, not searched in PATH) with argv, stdin from /dev/null, the current
// environment and working directory. Throws std::system_error if the process cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessLimits& limits);

}  // namespace glimmer::tests
