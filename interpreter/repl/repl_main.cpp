// repl_main.cpp — glimmer-repl: the REPL alone (`glimmer` with no file on a terminal starts the
// same loop). Options: --no-history (no history file), --memory-limit BYTES.
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "interpreter/repl/repl.hpp"

int main(int argc, char** argv) {
    glimmer::interp::repl::ReplOptions options;
    options.history_file = glimmer::interp::repl::default_history_file();
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--no-history") {
            options.history_file.clear();
        } else if (a == "--memory-limit" && i + 1 < argc) {
            char* end = nullptr;
            options.memory_limit = std::strtoull(argv[++i], &end, 10);
            if (!end || *end || options.memory_limit == 0) {
                std::cerr << "glimmer-repl: bad --memory-limit '" << argv[i] << "'\n";
                return 2;
            }
        } else {
            std::cerr << "usage: glimmer-repl [--no-history] [--memory-limit BYTES]\n";
            return 2;
        }
    }
    return glimmer::interp::repl::run_repl(options);
}
