// support.hpp - helpers shared by the traces tests: project paths and running glimmer-trace.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace glimmer::traces::test {

inline std::string root() {
    return GLIMMER_ROOT;
}
inline std::string at_root(const std::string& relative) {
    return root() + "/" + relative;
}

// A fresh folder under the temporary directory, removed with everything in it.
struct Folder {
    std::filesystem::path path = std::filesystem::temp_directory_path() /
                                 ("glimmer_trace_test_" + std::to_string(::getpid()));
    Folder() {
        std::filesystem::remove_all(path);
        std::filesystem::create_directory(path);
    }
    ~Folder() { std::filesystem::remove_all(path); }
    Folder(const Folder&) = delete;
    Folder& operator=(const Folder&) = delete;
    std::string at(const std::string& name) const { return (path / name).string(); }
    std::size_t entries() const {
        return static_cast<std::size_t>(
            std::distance(std::filesystem::directory_iterator(path), {}));
    }
};

inline std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

struct Run {
    int status = -1;  // exit status
    std::string out;  // stdout
    std::string err;  // stderr
};

// Runs glimmer-trace with `args` (shell words) from the project root; `before` is shell text
// run first in the same shell ("ulimit -v 60000 && ").
inline Run run_tool(const std::string& args, const std::string& before = "") {
    char err_name[] = "/tmp/glimmer_trace_stderr_XXXXXX";
    int fd = mkstemp(err_name);
    if (fd < 0) return Run{};
    close(fd);
    std::string err_file = err_name;
    std::string command = "cd '" + root() + "' && " + before + "'" GLIMMER_TRACE_EXE "' " + args +
                          " 2>'" + err_file + "'";
    Run run;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return run;
    std::array<char, 4096> buf;
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0)
        run.out.append(buf.data(), n);
    int raw = pclose(pipe);
    run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    run.err = read_text(err_file);
    std::remove(err_file.c_str());
    return run;
}

}  // namespace glimmer::traces::test
