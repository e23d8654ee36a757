// What a script promises about its own run, read from its comments (clox / Wren style):
//
//   # expect: TEXT      one line of stdout, in order (`# expect:` alone = an empty line)
//   # error: TEXT       stderr must contain TEXT (any number of these)
//   # exit: N           expected exit status (default 1 if there is an `# error:`, else 0)
//   # line: L           stderr must mention the line: `line L` or `:L:`
//   # args: A B ...     extra glimmer options, placed before the script (`--memory-limit 2M`)
//   # gc-stress: skip   too slow to run again with --gc-stress (a reason may follow `skip`)
//   # test-size: N      benchmark programs: the small size used by the Lua-twin test
//
// A directive may also end a code line (`println(1)  # expect: 1`).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace glimmer::tests {

struct ScriptSpec {
    std::string expected_stdout;  // every `# expect:` line followed by '\n'
    std::vector<std::string> stderr_fragments;
    int exit_code = 0;
    std::optional<int> error_line;
    std::vector<std::string> extra_args;
    bool gc_stress = true;
    std::optional<long> test_size;
};

// A malformed directive; the message starts with "NAME:LINE: ".
class SpecError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

ScriptSpec parse_script_spec(std::string_view source, std::string_view name);

// True if `text` mentions source line `line` as "line L" or ":L:" (not as a prefix of a
// longer number, so line 3 does not match "line 30").
bool mentions_line(std::string_view text, int line);

}  // namespace glimmer::tests
