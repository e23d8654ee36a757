#include "script_spec.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace glimmer::tests {
namespace {

enum class Directive { kExpect, kError, kExit, kLine, kArgs, kGcStress, kTestSize };

struct DirectiveName {
    Directive kind;
    std::string_view marker;
};

constexpr std::array<DirectiveName, 7> kDirectives{{
    {Directive::kExpect, "# expect:"},
    {Directive::kError, "# error:"},
    {Directive::kExit, "# exit:"},
    {Directive::kLine, "# line:"},
    {Directive::kArgs, "# args:"},
    {Directive::kGcStress, "# gc-stress:"},
    {Directive::kTestSize, "# test-size:"},
}};

std::string_view trim(std::string_view text) {
    const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    while (!text.empty() && is_space(text.front()))
        text.remove_prefix(1);
    while (!text.empty() && is_space(text.back()))
        text.remove_suffix(1);
    return text;
}

class LineReader {
  public:
    LineReader(std::string_view name, int line) : name_(name), line_(line) {}

    [[noreturn]] void fail(const std::string& message) const {
        throw SpecError(std::string(name_) + ":" + std::to_string(line_) + ": " + message);
    }

    long integer(std::string_view text, std::string_view directive, long minimum) const {
        text = trim(text);
        long value = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || ec != std::errc() || end != text.data() + text.size())
            fail("`# " + std::string(directive) + ":` needs a whole number, got `" +
                 std::string(text) + "`");
        if (value < minimum)
            fail("`# " + std::string(directive) + ":` must be at least " + std::to_string(minimum));
        return value;
    }

  private:
    std::string_view name_;
    int line_;
};

}  // namespace

ScriptSpec parse_script_spec(std::string_view source, std::string_view name) {
    ScriptSpec spec;
    std::optional<int> explicit_exit;
    int line_number = 0;
    while (!source.empty()) {
        const auto newline = source.find('\n');
        std::string_view line = source.substr(0, newline);
        source.remove_prefix(newline == std::string_view::npos ? source.size() : newline + 1);
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

        for (const auto& [kind, marker] : kDirectives) {
            const auto at = line.find(marker);
            if (at == std::string_view::npos) continue;
            std::string_view value = line.substr(at + marker.size());
            const LineReader reader(name, line_number);
            const std::string_view directive = marker.substr(2, marker.size() - 3);
            switch (kind) {
                case Directive::kExpect:
                    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
                    spec.expected_stdout.append(value).push_back('\n');
                    break;
                case Directive::kError:
                    value = trim(value);
                    if (value.empty()) reader.fail("`# error:` needs the text stderr must contain");
                    spec.stderr_fragments.emplace_back(value);
                    break;
                case Directive::kExit:
                    explicit_exit = static_cast<int>(reader.integer(value, directive, 0));
                    break;
                case Directive::kLine:
                    spec.error_line = static_cast<int>(reader.integer(value, directive, 1));
                    break;
                case Directive::kArgs: {
                    const auto before = spec.extra_args.size();
                    for (auto rest = trim(value); !rest.empty(); rest = trim(rest)) {
                        const auto end = std::min(rest.find_first_of(" \t"), rest.size());
                        spec.extra_args.emplace_back(rest.substr(0, end));
                        rest.remove_prefix(end);
                    }
                    if (spec.extra_args.size() == before)
                        reader.fail("`# args:` needs at least one option");
                    break;
                }
                case Directive::kGcStress:
                    // `skip`, optionally followed by the reason: `# gc-stress: skip (too slow)`.
                    value = trim(value);
                    if (!value.starts_with("skip") ||
                        (value.size() > 4 && !std::isspace(static_cast<unsigned char>(value[4]))))
                        reader.fail("`# gc-stress:` only knows `skip`");
                    spec.gc_stress = false;
                    break;
                case Directive::kTestSize:
                    spec.test_size = reader.integer(value, directive, 1);
                    break;
            }
            break;  // one directive per line
        }
    }
    spec.exit_code = explicit_exit.value_or(spec.stderr_fragments.empty() ? 0 : 1);
    return spec;
}

bool mentions_line(std::string_view text, int line) {
    const std::string number = std::to_string(line);
    const auto digit_at = [&](std::size_t i) {
        return i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) != 0;
    };
    for (const std::string& form : {"line " + number, ":" + number + ":"}) {
        for (auto at = text.find(form); at != std::string_view::npos;
             at = text.find(form, at + 1)) {
            // "line 3" must not be "line 30"; ":3:" must be FILE:LINE:, not LINE:COL: (":1:3:").
            const bool whole_number =
                form.front() == ':' ? !(at > 0 && digit_at(at - 1)) : !digit_at(at + form.size());
            if (whole_number) return true;
        }
    }
    return false;
}

}  // namespace glimmer::tests
