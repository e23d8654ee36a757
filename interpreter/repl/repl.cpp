// repl.cpp — the read-eval-print loop: libedit for editing and history, the Interpreter for
// everything else.
//
// Invariants:
//   * `pending_` holds the lines of an unfinished input; it is empty whenever the main prompt
//     is shown;
//   * nothing runs unless the whole input parsed (Interpreter::run compiles first), so a
//     continued input never runs twice;
//   * the echoed value is displayed before anything else can collect.
#include "interpreter/repl/repl.hpp"

#include <histedit.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string_view>

#include "interpreter/source.hpp"
#include "interpreter/vm/interpreter.hpp"
#include "runtime/runtime.hpp"
#include "runtime/value.hpp"

namespace glimmer::interp::repl {

namespace {

constexpr const char* kHelp =
    "Glimmer-Weave REPL commands:\n"
    "  :help     show this help\n"
    "  :reset    forget every definition (a fresh runtime)\n"
    "  :cancel   drop an unfinished multi-line input\n"
    "  :quit     leave (Ctrl-D too)\n"
    "Type a statement or expression; its value is echoed (texts in quotes).\n"
    "An unfinished block (chant, should, whilst, ... without its 'end') continues on the next\n"
    "line. Up and down arrows walk the history, which is kept between sessions.\n";

// True when a syntax error only says that the input stopped too early.
bool is_unfinished(const SyntaxError& e) {
    std::string_view detail = e.detail();
    return detail.find("found end of input") != std::string_view::npos ||
           detail.find("unterminated string") != std::string_view::npos;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

class Repl {
  public:
    Repl(const ReplOptions& options, std::FILE* in, std::FILE* out, std::FILE* err)
        : options_(options), in_(in), out_(out), err_(err) {
        if (!options_.interactive) {
            reset();
            return;
        }
        editor_ = el_init("glimmer", in, out, err);
        history_ = history_init();
        if (history_) {
            HistEvent ev;
            history(history_, &ev, H_SETSIZE, 1000);
            history(history_, &ev, H_SETUNIQUE, 1);
            if (!options_.history_file.empty()) {
                history(history_, &ev, H_LOAD, options_.history_file.c_str());
            }
        }
        if (editor_) {
            el_set(editor_, EL_CLIENTDATA, this);
            el_set(editor_, EL_PROMPT, &Repl::prompt_of);
            el_set(editor_, EL_EDITOR, "emacs");
            el_set(editor_, EL_SIGNAL, 1);
            if (history_) el_set(editor_, EL_HIST, history, history_);
            el_source(editor_, nullptr);  // ~/.editrc, as every libedit program
        }
        reset();
    }
    ~Repl() {
        std::free(plain_line_);
        if (history_) {
            if (!options_.history_file.empty()) {
                HistEvent ev;
                history(history_, &ev, H_SAVE, options_.history_file.c_str());
            }
            history_end(history_);
        }
        if (editor_) el_end(editor_);
    }
    Repl(const Repl&) = delete;
    Repl& operator=(const Repl&) = delete;

    int loop() {
        if (options_.interactive && !editor_) {
            std::fputs("glimmer: cannot start line editing\n", err_);
            return 1;
        }
        if (options_.interactive && options_.banner) {
            std::fputs("Glimmer-Weave REPL (glimmer 0.1.0). Type :help for help, :quit to leave.\n",
                       out_);
        }
        for (;;) {
            std::fflush(out_);
            int count = 0;
            const char* line = read_line(count);
            if (!line || count <= 0) {  // end of input: finish what is there, then leave
                if (!pending_.empty()) evaluate(/*final=*/true);
                if (options_.interactive) std::fputs("\n", out_);  // past the ^D
                break;
            }
            std::string_view text(line, static_cast<std::size_t>(count));
            std::string_view command = trim(text);
            if (!command.empty() && command.front() == ':') {
                if (!run_command(command)) break;
                continue;
            }
            if (command.empty() && pending_.empty()) continue;
            remember(command);
            pending_ += text;
            if (pending_.back() != '\n') pending_ += '\n';
            evaluate(/*final=*/false);
        }
        std::fflush(out_);
        // A session from a pipe or a file is a script's stand-in: it fails when an input did.
        return !options_.interactive && failed_ ? 1 : 0;
    }

  private:
    // The next line with its '\n' (count = its length), or nullptr at the end of input.
    const char* read_line(int& count) {
        if (editor_) return el_gets(editor_, &count);
        const ssize_t n = getline(&plain_line_, &plain_capacity_, in_);
        if (n <= 0 || n > INT_MAX) return nullptr;
        count = static_cast<int>(n);
        return plain_line_;
    }

    static const char* prompt_of(EditLine* el) {
        void* data = nullptr;
        el_get(el, EL_CLIENTDATA, &data);
        auto* self = static_cast<Repl*>(data);
        if (!self->pending_.empty()) return "       ...> ";
        self->prompt_ = "glimmer[" + std::to_string(self->input_number_) + "]> ";
        return self->prompt_.c_str();
    }

    void remember(std::string_view line) {
        if (!history_ || line.empty()) return;
        HistEvent ev;
        history(history_, &ev, H_ENTER, std::string(line).c_str());
    }

    // Returns false for :quit.
    bool run_command(std::string_view command) {
        if (command == ":quit" || command == ":exit" || command == ":q") return false;
        remember(command);
        if (command == ":help") {
            std::fputs(kHelp, out_);
        } else if (command == ":reset") {
            pending_.clear();
            reset();
            std::fputs("Runtime reset: every definition is gone.\n", out_);
        } else if (command == ":cancel") {
            pending_.clear();
        } else {
            std::fprintf(out_, "Unknown command %.*s (type :help)\n",
                         static_cast<int>(command.size()), command.data());
        }
        return true;
    }

    void reset() {
        interpreter_.reset();
        runtime_.reset();
        runtime::RuntimeConfig config;
        config.memory_limit = options_.memory_limit;
        config.gc_stress = options_.gc_stress;
        std::FILE* out = out_;
        config.output = [out](std::string_view s) { std::fwrite(s.data(), 1, s.size(), out); };
        runtime_ = std::make_unique<runtime::Runtime>(std::move(config));
        runtime_->step_limit = options_.step_limit;
        interpreter_ = std::make_unique<Interpreter>(*runtime_);
        input_number_ = 1;
    }

    void evaluate(bool final) {
        SourceFile source("<repl:" + std::to_string(input_number_) + ">", pending_);
        try {
            runtime::Value v = interpreter_->run(source);
            std::string shown;
            runtime::append_display(shown, v, /*nested=*/true);
            shown += '\n';
            std::fflush(out_);
            std::fputs(shown.c_str(), out_);
        } catch (const SyntaxError& e) {
            if (!final && is_unfinished(e)) return;  // keep reading lines
            failed_ = true;
            report(format_diagnostic(source, e, options_.error_detail));
        } catch (const runtime::RuntimeError& e) {
            failed_ = true;
            report(Interpreter::format_runtime_error(source, e, options_.error_detail));
            // The funnel never collects by itself: give the failed input's garbage back now.
            if (e.kind() == runtime::ErrorKind::OutOfMemory) runtime_->collect();
        }
        pending_.clear();
        ++input_number_;
    }

    void report(const std::string& message) {
        std::fflush(out_);
        std::fputs(message.c_str(), err_);
        std::fflush(err_);
    }

    ReplOptions options_;
    std::FILE* in_;
    std::FILE* out_;
    std::FILE* err_;
    bool failed_ = false;         // an input raised an error (or did not parse)
    EditLine* editor_ = nullptr;  // null when not interactive
    History* history_ = nullptr;
    char* plain_line_ = nullptr;  // getline's buffer when not interactive
    std::size_t plain_capacity_ = 0;
    std::unique_ptr<runtime::Runtime> runtime_;
    std::unique_ptr<Interpreter> interpreter_;
    std::string pending_;
    std::string prompt_;
    unsigned input_number_ = 1;
};

}  // namespace

std::string default_history_file() {
    if (const char* path = std::getenv("GLIMMER_HISTORY")) return path;
    if (const char* home = std::getenv("HOME"); home && *home) {
        return std::string(home) + "/.glimmer_history";
    }
    return {};
}

int run_repl(const ReplOptions& options, std::FILE* in, std::FILE* out, std::FILE* err) {
    Repl repl(options, in, out, err);
    return repl.loop();
}

}  // namespace glimmer::interp::repl
