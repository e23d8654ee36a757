// repl_test.cpp — the REPL (`glimmer` with no file) from a pipe, and on a terminal driven
// through a pseudo-terminal (forkpty), as a person types: echoed values, a multi-line chant, an
// error that does not end the session, :reset, history recalled with the up arrow within a session
// and in the next one.
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

constexpr const char* kUpArrow = "\x1b[A";

// One REPL process on a pseudo-terminal. expect() reads until a text shows up; the deadline
// only guards against a hang (it is generous and never measures speed).
class Terminal {
  public:
    explicit Terminal(const std::string& history_file) {
        struct winsize size {};
        size.ws_row = 40;
        size.ws_col = 120;
        pid_ = forkpty(&master_, nullptr, nullptr, &size);
        BOOST_REQUIRE_MESSAGE(pid_ >= 0, "forkpty failed");
        if (pid_ == 0) {
            setenv("GLIMMER_HISTORY", history_file.c_str(), 1);
            setenv("TERM", "xterm", 1);
            execl(GLIMMER_BINARY, GLIMMER_BINARY, static_cast<char*>(nullptr));
            _exit(127);
        }
    }
    ~Terminal() {
        if (master_ >= 0) close(master_);
        if (pid_ > 0 && !reaped_) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }

    // Types keys once the line editor is reading, as a person does after seeing the prompt.
    // libedit shows the prompt before it takes the terminal out of canonical mode; a Ctrl-D
    // typed in that gap would reach it as a NUL byte (the line discipline's end-of-file mark)
    // and be lost, so the test waits for the mode change itself rather than for the prompt.
    void type(const std::string& keys) {
        wait_for_line_editing();
        std::size_t done = 0;
        while (done < keys.size()) {
            ssize_t n = write(master_, keys.data() + done, keys.size() - done);
            BOOST_REQUIRE_MESSAGE(n > 0, "write to the terminal failed");
            done += static_cast<std::size_t>(n);
        }
    }

    // Reads until `text` appears after everything consumed so far; consumes through it.
    void expect(const std::string& text) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        for (;;) {
            std::size_t at = screen_.find(text, consumed_);
            if (at != std::string::npos) {
                consumed_ = at + text.size();
                return;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                BOOST_FAIL("the REPL never showed '" << text << "'; the terminal shows:\n"
                                                     << screen_.substr(consumed_));
            }
            pollfd p{master_, POLLIN, 0};
            if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
            char buffer[4096];
            ssize_t n = read(master_, buffer, sizeof buffer);
            if (n <= 0) {
                BOOST_FAIL("the REPL ended before showing '" << text << "'; it showed:\n"
                                                             << screen_.substr(consumed_));
            }
            screen_.append(buffer, static_cast<std::size_t>(n));
        }
    }

    // Waits for the REPL to end and returns its exit status; a REPL that does not end is a
    // failure that shows the terminal, never a hang.
    int wait_exit() {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        for (;;) {
            int status = 0;
            pid_t done = waitpid(pid_, &status, WNOHANG);
            if (done == pid_) {
                reaped_ = true;
                return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            }
            if (done < 0) BOOST_FAIL("waitpid failed for the REPL");
            if (std::chrono::steady_clock::now() > deadline) {
                BOOST_FAIL("the REPL did not end; the terminal shows:\n" << drain());
            }
            drain();
            usleep(10'000);
        }
    }

  private:
    // The slave's line discipline settings, read through the master (they are shared).
    void wait_for_line_editing() {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        for (;;) {
            termios mode{};
            if (tcgetattr(master_, &mode) == 0 && (mode.c_lflag & ICANON) == 0) return;
            if (std::chrono::steady_clock::now() > deadline) {
                BOOST_FAIL("the REPL never started reading a line; the terminal shows:\n"
                           << drain());
            }
            drain();
            usleep(1'000);
        }
    }

    // Reads whatever output is waiting (so a chatty REPL never blocks on a full terminal) and
    // returns everything not yet consumed by expect().
    std::string drain() {
        for (;;) {
            pollfd p{master_, POLLIN, 0};
            if (poll(&p, 1, 0) <= 0 || (p.revents & POLLIN) == 0) break;
            char buffer[4096];
            ssize_t n = read(master_, buffer, sizeof buffer);
            if (n <= 0) break;
            screen_.append(buffer, static_cast<std::size_t>(n));
        }
        return screen_.substr(consumed_);
    }

    int master_ = -1;
    pid_t pid_ = -1;
    bool reaped_ = false;
    std::string screen_;
    std::size_t consumed_ = 0;
};

struct HistoryFile {
    HistoryFile() {
        auto dir = std::filesystem::temp_directory_path() /
                   ("glimmer-repl-test-" + std::to_string(getpid()));
        std::filesystem::create_directories(dir);
        path = (dir / "history").string();
        std::filesystem::remove(path);
    }
    ~HistoryFile() { std::filesystem::remove_all(std::filesystem::path(path).parent_path()); }
    std::string path;
};

// Whether a pseudo-terminal can be opened here.  A chroot with only /proc mounted (no
// /dev/pts) cannot: there is no terminal to drive the REPL through, so its tests are skipped
// (and say why) rather than failed.
boost::test_tools::assertion_result pseudo_terminals_available(boost::unit_test::test_unit_id) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    bool available = master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0;
    if (available) {
        const char* name = ptsname(master);
        int slave = name != nullptr ? open(name, O_RDWR | O_NOCTTY) : -1;
        available = slave >= 0;
        if (slave >= 0) close(slave);
    }
    if (master >= 0) close(master);
    boost::test_tools::assertion_result result(available);
    if (!available)
        result.message() << "no pseudo-terminal can be opened here (is /dev/pts mounted?)";
    return result;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(api)
BOOST_AUTO_TEST_SUITE(repl_from_a_pipe)

// From a pipe (no terminal) the REPL reads its inputs as they come: no banner, prompt or
// history, each value echoed as on a terminal (LANGUAGE.md §1: `glimmer` with no file), an error
// reported on stderr without ending the session, and the exit status 1 at the end when an input
// failed. `glimmer -` still runs a piped script.
BOOST_AUTO_TEST_CASE(piped_input_is_a_session_without_prompts) {
    auto run = [](const std::string& input, const std::string& args, int expected_status = 0) {
        const std::string command =
            "printf '%s' '" + input + "' | '" + GLIMMER_BINARY + "'" + args + " 2>&1";
        FILE* pipe = popen(command.c_str(), "r");
        BOOST_REQUIRE(pipe != nullptr);
        std::string out;
        char buffer[4096];
        for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;)
            out.append(buffer, n);
        const int status = pclose(pipe);
        BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == expected_status), command);
        return out;
    };
    const std::string out =
        run("1 + 2\n\"hi\"\nchant f(n) then\n  yield n + 1\nend\nf(3)\nnope\n[1, \"a\"]\n", "", 1);
    BOOST_TEST(out.rfind("3\n\"hi\"\n<function>\n4\n", 0) == 0, out);
    BOOST_TEST(out.find("UndefinedVariable: nope") != std::string::npos, out);
    BOOST_TEST(out.size() >= 9);
    BOOST_TEST(out.substr(out.size() - 9) == "[1, \"a\"]\n", out);
    BOOST_TEST(out.find("glimmer[") == std::string::npos, out);  // no prompt, no banner
    BOOST_TEST(run("println(1 + 2)\n1 + 2\n", " -") == "3\n");
    BOOST_TEST(run("1 + 2\n", "") == "3\n");  // no input failed: 0
    BOOST_TEST(run("bind bind\n4\n", "", 1).find("4\n") != std::string::npos);
    // Its stderr is no terminal either: an input's error is one line, as a script's is (§1),
    // and --full-errors adds the source line, caret and call stack.
    BOOST_TEST(run("1 / 0\n", "", 1) ==
               "<repl:1>:1:3: Runtime error: DivisionByZero: division by zero (line 1)\n");
    BOOST_TEST(run("1 / 0\n", " --full-errors", 1).find("\n1 / 0\n  ^\n") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(repl, *boost::unit_test::precondition(pseudo_terminals_available))

BOOST_AUTO_TEST_CASE(a_session_echoes_values_continues_blocks_survives_errors_and_recalls_history) {
    HistoryFile history;
    {
        Terminal t(history.path);
        t.expect("Type :help");
        t.expect("glimmer[1]> ");
        t.type("bind x to 40 + 1\r");
        t.expect("41\r\n");
        t.expect("glimmer[2]> ");
        t.type("x + 1\r");
        t.expect("42\r\n");
        t.type("\"te\" + \"xt\"\r");
        t.expect("\"text\"\r\n");  // texts are echoed in quotes
        // Multi-line input: the chant continues until its 'end'.
        t.type("chant twice(n) then\r");
        t.expect("...> ");
        t.type("yield n * 2\r");
        t.expect("...> ");
        t.type("end\r");
        t.expect("<function>");
        t.type("twice(21)\r");
        t.expect("42\r\n");
        // An error is reported and the session goes on, definitions intact.
        t.type("ghost + 1\r");
        t.expect("Runtime error: UndefinedVariable");
        t.type("twice(x)\r");
        t.expect("82\r\n");
        t.type("bind 5 to x\r");
        t.expect("Syntax error");
        // History: the up arrow recalls the previous line.
        t.type("list_push([1], \"a\")\r");
        t.expect("[1, \"a\"]\r\n");
        t.type(std::string(kUpArrow) + "\r");
        t.expect("[1, \"a\"]\r\n");
        t.type(":help\r");
        t.expect(":reset");
        t.type(":reset\r");
        t.expect("Runtime reset");
        t.type("x\r");
        t.expect("UndefinedVariable");
        t.type("\"kept \" + \"for next time\"\r");
        t.expect("\"kept for next time\"\r\n");
        t.type(":quit\r");
        BOOST_TEST(t.wait_exit() == 0);
    }
    std::ifstream saved(history.path);
    std::stringstream contents;
    contents << saved.rdbuf();
    BOOST_TEST(contents.str().find("twice") != std::string::npos);
    {
        // The next session starts with the saved history.
        Terminal t(history.path);
        t.expect("glimmer[1]> ");
        t.type(std::string(kUpArrow) + "\r");
        t.expect("\"kept for next time\"\r\n");
        t.type(":quit\r");
        BOOST_TEST(t.wait_exit() == 0);
    }
}

BOOST_AUTO_TEST_CASE(end_of_input_leaves_cleanly_and_unknown_commands_are_explained) {
    HistoryFile history;
    Terminal t(history.path);
    t.expect("glimmer[1]> ");
    t.type(":frobnicate\r");
    t.expect("Unknown command :frobnicate");
    t.type("should true then\r");
    t.expect("...> ");
    t.type(":cancel\r");
    t.expect("glimmer[1]> ");
    t.type("\x04");  // Ctrl-D
    BOOST_TEST(t.wait_exit() == 0);
}

// A unit variant defined by an earlier input is a variant pattern in a later one (LANGUAGE.md
// §14: a name that names a unit variant in scope matches only it); each input is compiled on
// its own, and `when Red` used to bind anything there.
BOOST_AUTO_TEST_CASE(a_unit_variant_from_an_earlier_input_is_a_pattern) {
    HistoryFile history;
    Terminal t(history.path);
    t.expect("glimmer[1]> ");
    t.type("variant Color then Red, Green end\r");
    t.expect("glimmer[2]> ");
    t.type("match Green with when Red then \"red\" when Green then \"green\" end\r");
    t.expect("\"green\"\r\n");
    t.type(":quit\r");
    BOOST_TEST(t.wait_exit() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
