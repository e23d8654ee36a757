#include "interpreter/source.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

namespace glimmer::interp {

SourceFile::SourceFile(std::string name, std::string text)
    : name_(std::move(name)), text_(std::move(text)) {}

SourceFile SourceFile::read(const std::filesystem::path& path, std::size_t max_bytes) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        throw SourceReadError("cannot read '" + path.string() + "': it is a directory");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw SourceReadError("cannot open '" + path.string() + "': " + std::strerror(errno));
    }
    // In chunks, checking the bound as it goes: a file's size cannot be trusted (a device, a
    // FIFO or /proc file says 0, /dev/zero never ends).
    max_bytes = std::min(max_bytes, kMaxBytes);
    std::string text;
    constexpr std::size_t kChunk = 64 * 1024;
    // A regular file's size is a good first guess: reserved (with the chunk the loop reads past
    // the end before it sees the end), the text is not doubled as it grows, which left a big
    // script's text holding up to twice its size. The loop still checks the bound.
    if (std::filesystem::is_regular_file(path, ec)) {
        const std::uintmax_t size = std::filesystem::file_size(path, ec);
        if (!ec && size <= max_bytes) text.reserve(static_cast<std::size_t>(size) + kChunk);
    }
    for (;;) {
        const std::size_t have = text.size();
        text.resize(have + kChunk);
        in.read(text.data() + have, static_cast<std::streamsize>(kChunk));
        text.resize(have + static_cast<std::size_t>(in.gcount()));
        if (text.size() > max_bytes) {
            throw SourceReadError("cannot read '" + path.string() + "': it holds more than " +
                                  std::to_string(max_bytes) + " bytes" +
                                  (max_bytes < kMaxBytes ? " (the engine's memory limit)"
                                                         : " (the largest source file)"));
        }
        if (!in) break;
    }
    if (in.bad()) {
        throw SourceReadError("cannot read '" + path.string() + "': " + std::strerror(errno));
    }
    return SourceFile(path.string(), std::move(text));
}

std::string_view SourceFile::line_text(std::uint32_t line) const noexcept {
    if (line == 0) return {};
    std::string_view rest = text_;
    for (std::uint32_t current = 1; current < line; ++current) {
        const std::size_t newline = rest.find('\n');
        if (newline == std::string_view::npos) return {};
        rest.remove_prefix(newline + 1);
    }
    rest = rest.substr(0, rest.find('\n'));
    if (!rest.empty() && rest.back() == '\r') rest.remove_suffix(1);
    return rest;
}

namespace {

std::string syntax_message(SourceLocation location, const std::string& detail) {
    return "Syntax error at line " + std::to_string(location.line) + ", column " +
           std::to_string(location.column) + ": " + detail;
}

}  // namespace

SyntaxError::SyntaxError(SourceLocation location, std::string detail)
    : std::runtime_error(syntax_message(location, detail)),
      location_(location),
      detail_(std::move(detail)) {}

namespace {

// A long line is shown as a window of about kShownBytes around the caret, with "..." where it
// was cut: a 1 MiB line must not become a 1 MiB message.
constexpr std::size_t kShownBytes = 120;
constexpr std::size_t kShownBeforeCaret = 60;
constexpr std::string_view kCut = "...";

bool is_continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// [first, last) of `line` to show for a caret at byte `caret` (may lie past the end).
std::pair<std::size_t, std::size_t> shown_window(std::string_view line, std::size_t caret) {
    if (line.size() <= kShownBytes + 2 * kCut.size()) return {0, line.size()};
    const std::size_t anchor = std::min(caret, line.size());
    std::size_t first = anchor > kShownBeforeCaret ? anchor - kShownBeforeCaret : 0;
    std::size_t last = std::min(line.size(), first + kShownBytes);
    if (last - first < kShownBytes) first = last - kShownBytes;  // near the end: a full window
    // never cut a UTF-8 sequence
    while (first > 0 && is_continuation(line[first]))
        --first;
    while (last < line.size() && is_continuation(line[last]))
        ++last;
    return {first, last};
}

}  // namespace

void append_on_one_line(std::string& out, std::string_view text) {
    for (const char c : text) {
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else {
            out += c;
        }
    }
}

std::string format_diagnostic(const SourceFile& file, SourceLocation location,
                              std::string_view message, ErrorDetail detail) {
    std::string out = file.name() + ":" + std::to_string(location.line) + ":" +
                      std::to_string(location.column) + ": ";
    if (detail == ErrorDetail::Line) {
        append_on_one_line(out, message);  // whatever text the message quotes
        out += '\n';
        return out;
    }
    out.append(message);
    out += '\n';
    const std::string_view line = file.line_text(location.line);
    // The column counts characters; `before` is the byte where that character starts.
    std::size_t before = 0;
    for (std::size_t characters = 1; characters < location.column; ++characters) {
        ++before;
        while (before < line.size() && is_continuation(line[before]))
            ++before;
    }
    const auto [first, last] = shown_window(line, before);
    if (first > 0) out += kCut;
    out.append(line.substr(first, last - first));
    if (last < line.size()) out += kCut;
    out += '\n';
    // The caret sits under byte `before`: one space per character before it (UTF-8
    // continuation bytes add nothing), tabs copied so that it lines up in a terminal.
    if (first > 0) out.append(kCut.size(), ' ');
    for (std::size_t i = first; i < before; ++i) {
        const unsigned char byte = i < line.size() ? static_cast<unsigned char>(line[i]) : ' ';
        if ((byte & 0xC0) == 0x80) continue;
        out += byte == '\t' ? '\t' : ' ';
    }
    out += "^\n";
    return out;
}

std::string format_diagnostic(const SourceFile& file, const SyntaxError& error,
                              ErrorDetail detail) {
    return format_diagnostic(file, error.location(), error.what(), detail);
}

}  // namespace glimmer::interp
