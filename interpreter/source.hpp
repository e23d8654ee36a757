// Source text, locations and the syntax error every front-end stage reports.
//
// A SourceFile is a script's name and its bytes. A SourceLocation is a 1-based line and a 1-based
// column counted in characters, as an editor and the reference count them (UTF-8 continuation
// bytes add nothing). SyntaxError is what the lexer and the parser throw on the first error;
// format_diagnostic() turns any located message into the editor-friendly form the CLI prints:
//
//     fib.gw:3:6: Syntax error at line 3, column 6: expected identifier after 'bind'
//         bind 5 to x
//              ^
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace glimmer::interp {

struct SourceLocation {
    std::uint32_t line = 1;
    std::uint32_t column = 1;

    friend bool operator==(const SourceLocation&, const SourceLocation&) = default;
};

class SourceFile {
  public:
    SourceFile(std::string name, std::string text);

    // The largest source file read() takes: 256 MiB. A script is never near it; the bound stops
    // a device or FIFO with endless input (/dev/zero) from growing the process without end.
    static constexpr std::size_t kMaxBytes = std::size_t{256} << 20;

    // Reads the whole file as bytes, in chunks. Throws SourceReadError when it cannot be read
    // or holds more than `max_bytes` (never more than kMaxBytes), naming the file and the bound.
    static SourceFile read(const std::filesystem::path& path, std::size_t max_bytes = kMaxBytes);

    const std::string& name() const noexcept { return name_; }
    std::string_view text() const noexcept { return text_; }

    // The bytes of 1-based line `line` without its '\n' (and without a trailing '\r');
    // empty when the line does not exist.
    std::string_view line_text(std::uint32_t line) const noexcept;

  private:
    std::string name_;
    std::string text_;
};

// A file that cannot be opened or read (missing, a directory, no permission).
class SourceReadError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The first lexical or syntax error of a script. what() is the full message,
// "Syntax error at line L, column C: <detail>"; detail() is the part after the colon.
class SyntaxError : public std::runtime_error {
  public:
    SyntaxError(SourceLocation location, std::string detail);

    SourceLocation location() const noexcept { return location_; }
    const std::string& detail() const noexcept { return detail_; }

  private:
    SourceLocation location_;
    std::string detail_;
};

// How much an error report shows. LANGUAGE.md §1 asks for one line on stderr, which is what
// scripts and test harnesses read; a person at a terminal also gets the source line, a caret
// under the column and, for a runtime error, the call stack.
enum class ErrorDetail { Line, Full };

// Appends `text` to `out` on one line: a line break in it as \n, \r as \r (an error quoting
// `to_number("1\n2")`, a trace header quoting `-e` code).
void append_on_one_line(std::string& out, std::string_view text);

// "FILE:LINE:COL: <message>\n", then for ErrorDetail::Full "<source line>\n<spaces>^\n". The
// caret line copies tabs from the source line so that it lines up in a terminal. Usable for
// runtime errors too.
std::string format_diagnostic(const SourceFile& file, SourceLocation location,
                              std::string_view message, ErrorDetail detail = ErrorDetail::Full);

// format_diagnostic() with the error's own location and what().
std::string format_diagnostic(const SourceFile& file, const SyntaxError& error,
                              ErrorDetail detail = ErrorDetail::Full);

}  // namespace glimmer::interp
