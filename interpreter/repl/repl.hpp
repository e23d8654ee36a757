// repl.hpp — the read-eval-print loop of `glimmer` with no file (LANGUAGE.md §1).
//
// On a terminal, line editing and history come from libedit (one EditLine and one History per
// Repl: no library-global state). From a pipe or a file (`echo '1 + 2' | glimmer`) the same
// loop runs without them: no banner, prompt or history, each input's value still echoed. An input
// that parses is run at once and its value is echoed in display form with Text quoted, as the
// reference REPL does; an input that ends inside an unfinished block or text ("found end of input")
// is continued on the next line. Errors are printed and the session goes on; from a pipe or a
// file the exit status is then 1 at the end (a terminal session ends with 0). Commands: :help,
// :reset, :cancel, :quit.
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

#include "interpreter/source.hpp"

namespace glimmer::interp::repl {

struct ReplOptions {
    std::size_t memory_limit = 0;  // per runtime, as --memory-limit
    std::uint64_t step_limit = 0;  // per input, as --step-limit (0 = none)
    bool gc_stress = false;
    // Where history is loaded from and saved to; "" = no history file. default_history_file()
    // gives $GLIMMER_HISTORY, else $HOME/.glimmer_history.
    std::string history_file;
    bool banner = true;
    // false when the input is not a terminal: lines are read as they come (no line editing,
    // prompt, banner or history); values are echoed all the same
    bool interactive = true;
    // How an input's error is reported: one line (as the command reports a script's when stderr
    // is no terminal), or with the source line, caret and call stack.
    ErrorDetail error_detail = ErrorDetail::Full;
};

std::string default_history_file();

// Runs the loop on `in`/`out`/`err` until :quit or end of input; returns the exit status: 0, or
// 1 when not interactive and an input failed.
int run_repl(const ReplOptions& options, std::FILE* in = stdin, std::FILE* out = stdout,
             std::FILE* err = stderr);

}  // namespace glimmer::interp::repl
