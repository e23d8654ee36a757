#include "subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

extern char** environ;

namespace glimmer::tests {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(int code, const std::string& what) {
    throw std::system_error(code, std::generic_category(), what);
}

class FileDescriptor {
  public:
    FileDescriptor() = default;
    explicit FileDescriptor(int fd) : fd_(fd) {}
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    FileDescriptor(FileDescriptor&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    FileDescriptor& operator=(FileDescriptor&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    ~FileDescriptor() { reset(); }

    [[nodiscard]] int get() const { return fd_; }
    [[nodiscard]] bool open() const { return fd_ >= 0; }
    void reset() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }

  private:
    int fd_ = -1;
};

struct Pipe {
    FileDescriptor read_end;
    FileDescriptor write_end;
};

Pipe make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno(errno, "pipe2");
    return Pipe{FileDescriptor(fds[0]), FileDescriptor(fds[1])};
}

class SpawnActions {
  public:
    SpawnActions() {
        if (int rc = ::posix_spawn_file_actions_init(&actions_); rc != 0)
            throw_errno(rc, "posix_spawn_file_actions_init");
    }
    SpawnActions(const SpawnActions&) = delete;
    SpawnActions& operator=(const SpawnActions&) = delete;
    ~SpawnActions() { ::posix_spawn_file_actions_destroy(&actions_); }

    void dup_to(int fd, int target) {
        if (int rc = ::posix_spawn_file_actions_adddup2(&actions_, fd, target); rc != 0)
            throw_errno(rc, "posix_spawn_file_actions_adddup2");
    }
    void open_read_only(int target, const char* path) {
        if (int rc = ::posix_spawn_file_actions_addopen(&actions_, target, path, O_RDONLY, 0);
            rc != 0)
            throw_errno(rc, "posix_spawn_file_actions_addopen");
    }
    [[nodiscard]] const posix_spawn_file_actions_t* get() const { return &actions_; }

  private:
    posix_spawn_file_actions_t actions_;
};

int wait_for(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw_errno(errno, "waitpid");
    }
    return status;
}

}  // namespace

std::string ProcessResult::describe_end(std::chrono::milliseconds limit) const {
    if (timed_out) return "timed out after " + std::to_string(limit.count()) + " ms";
    if (output_truncated) return "stopped: it wrote more output than the limit";
    if (signal != 0)
        return "killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
    return "exit status " + std::to_string(exit_code);
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessLimits& limits) {
    if (argv.empty()) throw std::invalid_argument("run_process: empty argument list");
    std::vector<char*> c_argv;
    c_argv.reserve(argv.size() + 1);
    for (const auto& arg : argv)
        c_argv.push_back(const_cast<char*>(arg.c_str()));
    c_argv.push_back(nullptr);

    Pipe out = make_pipe();
    Pipe err = make_pipe();
    SpawnActions actions;
    actions.open_read_only(STDIN_FILENO, "/dev/null");
    actions.dup_to(out.write_end.get(), STDOUT_FILENO);
    actions.dup_to(err.write_end.get(), STDERR_FILENO);

    pid_t pid = 0;
    if (int rc = ::posix_spawn(&pid, c_argv[0], actions.get(), nullptr, c_argv.data(), environ);
        rc != 0)
        throw_errno(rc, "cannot start " + argv[0]);
    out.write_end.reset();
    err.write_end.reset();

    ProcessResult result;
    const auto deadline = Clock::now() + limits.timeout;
    std::array<FileDescriptor*, 2> sources{&out.read_end, &err.read_end};
    std::array<std::string*, 2> sinks{&result.out, &result.err};
    std::array<char, 65536> buffer{};
    bool stop = false;
    while (!stop && (out.read_end.open() || err.read_end.open())) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            break;
        }
        std::array<pollfd, 2> polls{};
        std::array<int, 2> which{};
        nfds_t count = 0;
        for (int i = 0; i < 2; ++i) {
            if (!sources[i]->open()) continue;
            polls[count] = pollfd{sources[i]->get(), POLLIN, 0};
            which[count++] = i;
        }
        int ready = ::poll(polls.data(), count, static_cast<int>(left.count()));
        if (ready < 0) {
            if (errno == EINTR) continue;
            throw_errno(errno, "poll");
        }
        for (nfds_t k = 0; k < count; ++k) {
            if (polls[k].revents == 0) continue;
            const int i = which[k];
            ssize_t n = ::read(sources[i]->get(), buffer.data(), buffer.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                sources[i]->reset();
                continue;
            }
            sinks[i]->append(buffer.data(), static_cast<std::size_t>(n));
            if (result.out.size() + result.err.size() > limits.max_output_bytes) {
                result.output_truncated = true;
                stop = true;
                break;
            }
        }
    }
    if (result.timed_out || result.output_truncated) ::kill(pid, SIGKILL);
    const int status = wait_for(pid);
    if (WIFEXITED(status)) {
        result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status) && !result.timed_out && !result.output_truncated) {
        result.signal = WTERMSIG(status);
    }
    return result;
}

}  // namespace glimmer::tests
