// trace.cpp - strict reader and writer of the text trace format (shared/TRACE-FORMAT.md).
//
// The reader streams the file through zlib's inflate (a file that is not gzip is read as it is),
// refuses anything after the last gzip member, splits lines,
// and feeds each record to a TraceBuilder, which enforces the format's refusals: header,
// record letters, field counts, numbers (decimal, < 2^64), sizes >= 1, IDs unique and live.
#include "trace.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>

namespace glimmer::traces {
namespace {

constexpr std::string_view kHeader = "# glimmer-trace v1";
constexpr std::string_view kHeaderPrefix = "# glimmer-trace ";

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix.data(), suffix.size()) == 0;
}

// Input quoted in a message: at most kShown bytes, every byte outside printable ASCII as \xHH.
// A stray '\r' or tab must be visible, and so must a byte that prints like an expected one:
// a UTF-8 byte order mark (invisible) before the header, a non-breaking space for a space.
std::string quoted(std::string_view s) {
    constexpr std::size_t kShown = 40;
    std::string out = "'";
    for (char c : s.substr(0, kShown)) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte >= 0x7f) {
            char code[8];
            std::snprintf(code, sizeof code, "\\x%02X", byte);
            out += code;
        } else {
            out += c;
        }
    }
    if (s.size() > kShown) out += "...";
    return out + "'";
}

// Splits one record line into its fields and parses them; reports defects through the builder.
class RecordParser {
  public:
    RecordParser(TraceBuilder& builder, std::string_view line) : b_(builder), rest_(line) {}

    void parse() {
        std::string_view letter = field("record letter");
        if (letter == "a") {
            std::uint64_t id = number("ID", 'a');
            std::uint64_t size = number("SIZE", 'a');
            std::uint16_t tag = kNoTag;
            if (!done()) {
                std::uint64_t t = number("TAG", 'a');
                if (t > kMaxTag) {
                    b_.fail("TAG " + std::to_string(t) + " is out of range (0 to " +
                            std::to_string(kMaxTag) + ")");
                }
                tag = static_cast<std::uint16_t>(t);
            }
            end('a');
            b_.alloc(id, size, tag);
        } else if (letter == "r") {
            std::uint64_t id = number("ID", 'r');
            std::uint64_t size = number("NEWSIZE", 'r');
            end('r');
            b_.resize(id, size);
        } else if (letter == "f") {
            std::uint64_t id = number("ID", 'f');
            end('f');
            b_.free(id);
        } else {
            b_.fail("unknown record " + quoted(letter) + " (expected a, r, f or a # comment)");
        }
    }

  private:
    bool done() const { return !more_; }

    std::string_view field(const char* what) {
        if (!more_) b_.fail(std::string("missing ") + what);
        std::size_t space = rest_.find(' ');
        std::string_view f = rest_.substr(0, space);
        if (space == std::string_view::npos) {
            more_ = false;
        } else {
            rest_.remove_prefix(space + 1);
        }
        if (f.empty())
            b_.fail("empty field before " + quoted(rest_) + " (fields are separated by one space)");
        return f;
    }

    std::uint64_t number(const char* what, char record) {
        if (!more_) b_.fail(std::string("missing field ") + what + " in '" + record + "' record");
        std::string_view f = field(what);
        std::uint64_t value = 0;
        auto [end, err] = std::from_chars(f.data(), f.data() + f.size(), value);
        if (err == std::errc::result_out_of_range) {
            b_.fail(std::string(what) + " " + quoted(f) + " overflows 64 bits");
        }
        if (err != std::errc() || end != f.data() + f.size()) {
            b_.fail(std::string(what) + " " + quoted(f) + " is not a decimal number");
        }
        return value;
    }

    void end(char record) {
        if (more_) {
            b_.fail("extra field " + quoted(rest_) + " in '" + std::string(1, record) + "' record");
        }
    }

    TraceBuilder& b_;
    std::string_view rest_;
    bool more_ = true;
};

// The header is kHeader, or version 1 with a minor number (`v1.2`): the format refuses only a
// later major version, so a minor one has the same records. A well-formed other version
// (`v2`, `v10.1`, digits without leading zeros, however long) is named as unsupported; any
// other header line (`v1.`, `v01`, `v1x`, trailing blanks) is unknown.
bool is_number(std::string_view digits) {
    return !digits.empty() && (digits.size() == 1 || digits[0] != '0') &&
           std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void check_header(TraceBuilder& builder, std::string_view line) {
    if (line == kHeader) return;
    if (line.substr(0, kHeaderPrefix.size()) == kHeaderPrefix) {
        std::string_view version = line.substr(kHeaderPrefix.size());
        if (!version.empty() && version[0] == 'v') {
            std::string_view number = version.substr(1);
            std::string_view major = number.substr(0, number.find('.'));
            bool well_formed = is_number(major) && (major.size() == number.size() ||
                                                    is_number(number.substr(major.size() + 1)));
            if (well_formed && major == "1") return;
            if (well_formed) {
                builder.fail("unsupported version " + quoted(version) +
                             " (this reader reads version 1 only: '# glimmer-trace v1')");
            }
        }
        if (line.substr(0, kHeader.size()) == kHeader &&
            line.find_first_not_of(" \t", kHeader.size()) == std::string_view::npos) {
            builder.fail("trailing whitespace after the header (expected exactly '" +
                         std::string(kHeader) + "')");
        }
    }
    if (!line.empty() && line[0] == '#') {
        builder.fail("unknown header " + quoted(line) + " (expected '# glimmer-trace v1')");
    }
    // A byte order mark is the one difference a text editor shows no sign of: named, it is.
    const bool bom = line.starts_with("\xEF\xBB\xBF");
    builder.fail(
        "missing header: the first line must be '# glimmer-trace v1', not " + quoted(line) +
        (bom ? " (it starts with a UTF-8 byte order mark: save the file without one)" : ""));
}

// Feeds complete lines to the builder; keeps the partial last line between chunks. A line is
// refused once it passes kMaxLineBytes: no record comes near it, and without a bound a file
// with no '\n' (a binary given by mistake, a gzip bomb) was held whole in memory before its
// first line could be refused (530 MB for a 300 MB file of zeros).
constexpr std::size_t kMaxLineBytes = std::size_t{1} << 20;

class LineParser {
  public:
    explicit LineParser(TraceBuilder& builder) : b_(builder) {}

    void feed(std::string_view chunk) {
        while (!chunk.empty()) {
            std::size_t nl = chunk.find('\n');
            std::size_t piece = nl == std::string_view::npos ? chunk.size() : nl;
            if (pending_.size() + piece > kMaxLineBytes) too_long();
            if (nl == std::string_view::npos) {
                pending_.append(chunk);
                return;
            }
            if (pending_.empty()) {
                line(chunk.substr(0, nl), true);
            } else {
                pending_.append(chunk.substr(0, nl));
                line(pending_, true);
                pending_.clear();
            }
            chunk.remove_prefix(nl + 1);
        }
    }

    void finish() {
        if (!pending_.empty()) line(pending_, false);  // the last line may lack its '\n'
        if (line_ == 0) {
            b_.set_line(1);
            b_.fail("missing header: the file is empty");
        }
    }

    std::uint32_t line_number() const { return line_ + 1; }

  private:
    [[noreturn]] void too_long() {
        b_.set_line(line_ + 1);
        b_.fail("line longer than 1 MiB (no record is that long; is this a trace?)");
    }

    // `text` is one line without its '\n'; `had_lf` is false for a last line that has none.
    void line(std::string_view text, bool had_lf) {
        ++line_;
        b_.set_line(line_);
        // A CR is said as such: "SIZE '16\x0D' is not a decimal number" or "unknown header"
        // left a person with a trace saved with Windows line ends to find the CR themselves.
        // With CR alone as the line end (old Mac files), the whole file is one line: that CR
        // has no LF after it, so "CR LF" would misname it. Comments are free text: only a CR
        // at their end is a line end.
        const bool comment = line_ != 1 && !text.empty() && text[0] == '#';
        std::size_t cr = comment ? text.rfind('\r') : text.find('\r');
        if (comment && cr + 1 != text.size()) cr = text.npos;
        if (cr != text.npos) {
            if (cr + 1 == text.size() && had_lf) {
                b_.fail("line ends in CR LF (\\r\\n); the format's lines end in \\n alone");
            }
            b_.fail("CR (\\r) with no LF (\\n) after it, at byte " + std::to_string(cr + 1) +
                    " of the line; the format's lines end in \\n alone");
        }
        if (line_ == 1) {
            check_header(b_, text);
        } else if (!text.empty() && text[0] == '#') {
            text.remove_prefix(1);
            if (!text.empty() && text[0] == ' ') text.remove_prefix(1);
            b_.comment(text);
        } else if (text.empty()) {
            b_.fail("empty line (every line is a record or a # comment)");
        } else if (text.back() == ' ') {
            b_.fail(
                "trailing whitespace at the end of the line (fields are separated by one "
                "space, and nothing follows the last)");
        } else if (std::size_t tab = text.find('\t'); tab != text.npos) {
            // Said as what it is: "unknown record 'a\x091'" left the reader to find the tab.
            b_.fail("tab at byte " + std::to_string(tab + 1) + " of " + quoted(text) +
                    " (fields are separated by one space)");
        } else {
            RecordParser(b_, text).parse();
        }
    }

    TraceBuilder& b_;
    std::string pending_;
    std::uint32_t line_ = 0;
};

// Appends " N" to out.
void append_field(std::string& out, std::uint64_t v) {
    char buf[24];
    buf[0] = ' ';
    char* end = std::to_chars(buf + 1, buf + sizeof buf, v).ptr;
    out.append(buf, end);
}

std::string format_number(std::uint64_t v) {
    char buf[24];
    auto [end, err] = std::to_chars(buf, buf + sizeof buf, v);
    (void)err;
    return std::string(buf, end);
}

// The bytes of a trace file: gzip members inflated (one or more, as gzip allows), any other
// file as it is. Stricter than gzread, which ignores whatever follows the last member: here
// anything after it that does not start another member is an error.
class FileInput {
  public:
    FileInput() : in_(kInputBytes) {}
    ~FileInput() {
        if (inflating_) inflateEnd(&z_);
        if (fd_ >= 0) close(fd_);
    }
    FileInput(const FileInput&) = delete;
    FileInput& operator=(const FileInput&) = delete;

    // "" or why the file cannot be read at all (the caller prefixes "FILE: ").
    std::string open(const std::string& path) {
        fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) return std::string("cannot open: ") + std::strerror(errno);
        struct stat st;
        if (fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
            return "is a directory, not a trace (name its traces, e.g. " + path + "/*.gwt.gz)";
        }
        if (!want(2)) return error_;
        gzip_ = z_.avail_in >= 2 && in_[0] == 0x1f && static_cast<unsigned char>(in_[1]) == 0x8b;
        if (gzip_) {
            if (inflateInit2(&z_, 15 + 16) != Z_OK) return "cannot read: zlib refused to start";
            inflating_ = true;
        }
        return "";
    }

    // Up to `size` bytes of content into `out`; 0 at the end or on an error (see error()).
    std::size_t read(char* out, std::size_t size) {
        if (!gzip_) {
            if (z_.avail_in == 0 && !want(1)) return 0;
            std::size_t n = std::min<std::size_t>(size, z_.avail_in);
            std::memcpy(out, z_.next_in, n);
            z_.next_in += n;
            z_.avail_in -= static_cast<uInt>(n);
            return n;
        }
        z_.next_out = reinterpret_cast<Bytef*>(out);
        z_.avail_out = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
        const uInt wanted = z_.avail_out;
        while (z_.avail_out == wanted && !ended_) {
            if (z_.avail_in == 0 && !want(1)) return 0;
            if (z_.avail_in == 0) {
                error_ = "the gzip stream ends early (truncated file)";
                return 0;
            }
            int r = inflate(&z_, Z_NO_FLUSH);
            if (r == Z_STREAM_END) {
                next_member();
            } else if (r == Z_DATA_ERROR || r == Z_NEED_DICT) {
                damaged_ = true;
                error_ =
                    std::string("the gzip data is damaged (") + (z_.msg ? z_.msg : "corrupt") + ")";
                return 0;
            } else if (r == Z_MEM_ERROR) {
                error_ = "cannot read: out of memory";
                return 0;
            }
        }
        return wanted - z_.avail_out;
    }

    const std::string& error() const { return error_; }

    // After the records failed to parse: inflates the rest of a gzip file into a scratch buffer
    // (so no more memory than one chunk) and returns the error that says its data is damaged
    // (inflate refused it, or its CRC or length does not match), or "" when the data is
    // intact, not gzip, or ends early, whose records up to there may well be right. A flipped
    // bit in a gzip file mostly inflates to wrong text ("'f' of ID 2089, which was already
    // freed") long before the CRC at the end can say why.
    std::string damage_after_parse_error(char* scratch, std::size_t size) {
        if (!gzip_) return "";
        while (error_.empty() && read(scratch, size) != 0) {
        }
        return damaged_ ? error_ : "";
    }

  private:
    static constexpr std::size_t kInputBytes = 1 << 17;

    // After a member's end: another member follows, or the file ends; anything else is an error.
    void next_member() {
        if (!want(2)) return;
        if (z_.avail_in == 0) {
            ended_ = true;
        } else if (z_.avail_in >= 2 && z_.next_in[0] == 0x1f && z_.next_in[1] == 0x8b) {
            inflateReset(&z_);
        } else {
            error_ = "trailing data after the end of the gzip stream (at byte " +
                     std::to_string(consumed_ - z_.avail_in) + " of the file)";
            ended_ = true;
        }
    }

    // Makes at least `n` unread bytes available unless the file ends first; false on an
    // error (error() says which).
    bool want(std::size_t n) {
        if (z_.avail_in >= n || eof_) return true;
        if (z_.avail_in > 0) std::memmove(in_.data(), z_.next_in, z_.avail_in);  // unread tail
        std::size_t have = z_.avail_in;
        while (have < n && !eof_) {
            ssize_t got = ::read(fd_, in_.data() + have, in_.size() - have);
            if (got < 0 && errno == EINTR) continue;
            if (got < 0) {
                error_ = std::string("cannot read: ") + std::strerror(errno);
                return false;
            }
            eof_ = got == 0;
            have += static_cast<std::size_t>(got);
            consumed_ += static_cast<std::uint64_t>(got);
        }
        z_.next_in = reinterpret_cast<Bytef*>(in_.data());
        z_.avail_in = static_cast<uInt>(have);
        return true;
    }

    int fd_ = -1;
    z_stream z_{};
    PageVector<char> in_;
    std::uint64_t consumed_ = 0;  // bytes read from the file so far
    bool gzip_ = false, inflating_ = false, eof_ = false, ended_ = false, damaged_ = false;
    std::string error_;
};

}  // namespace

// ---- Trace -------------------------------------------------------------------------------

std::string Trace::where(std::size_t event_index) const {
    return path + ":" + std::to_string(lines[event_index]) + ": ";
}

std::string Trace::comment_value(const std::string& key) const {
    std::string prefix = key + ": ";
    for (const std::string& c : comments) {
        if (c.compare(0, prefix.size(), prefix) == 0) return c.substr(prefix.size());
    }
    return "";
}

bool is_trace_name(const std::string& path) {
    return ends_with(path, ".gwt") || ends_with(path, ".gwt.gz");
}

// ---- TraceBuilder ------------------------------------------------------------------------

TraceBuilder::TraceBuilder(std::string name) {
    trace_.path = std::move(name);
}

void TraceBuilder::fail(const std::string& message) const {
    throw TraceError(trace_.path + ":" + std::to_string(line_) + ": " + message);
}

void TraceBuilder::comment(std::string_view text) {
    ++line_;
    if (!trace_.events.empty() || trace_.comments.size() >= kMaxComments ||
        text.size() > kMaxCommentBytes - comment_bytes_) {
        return;
    }
    comment_bytes_ += text.size();
    trace_.comments.emplace_back(text);
}

void TraceBuilder::push(Op op, std::uint32_t slot, std::uint64_t size, std::uint16_t tag) {
    trace_.events.push_back(Event{size, slot, tag, op});
    trace_.lines.push_back(line_);
    ++line_;
}

std::uint32_t TraceBuilder::live_slot(std::uint64_t id, char record) {
    std::uint32_t slot = ids_.find(id);
    if (slot != IdMap::kAbsent && state_[slot] == SlotState::Live) return slot;
    // Only a refusal builds a message: this runs for every 'r' and 'f' record.
    std::string what = std::string("'") + record + "' of ID " + format_number(id);
    if (slot == IdMap::kAbsent) fail(what + ", which was never allocated");
    fail(what + ", which was already freed at line " + std::to_string(free_line_[slot]));
}

void TraceBuilder::alloc(std::uint64_t id, std::uint64_t size, std::uint16_t tag) {
    if (size == 0) fail("size 0 in 'a' record (sizes are 1 or more)");
    std::uint32_t slot = ids_.find(id);
    if (slot != IdMap::kAbsent) {
        std::string was = state_[slot] == SlotState::Live
                              ? "still live"
                              : "freed at line " + std::to_string(free_line_[slot]);
        fail("'a' of ID " + format_number(id) + ", which was already used (allocated at line " +
             std::to_string(trace_.alloc_line[slot]) + ", " + was + ")");
    }
    if (trace_.ids.size() >= IdMap::kAbsent) fail("too many blocks in one trace");
    slot = static_cast<std::uint32_t>(trace_.ids.size());
    ids_.insert(id, slot);
    trace_.ids.push_back(id);
    trace_.alloc_line.push_back(line_);
    size_.push_back(size);
    state_.push_back(SlotState::Live);
    free_line_.push_back(0);
    live_ += size;
    note_live();
    push(Op::Alloc, slot, size, tag);
}

void TraceBuilder::note_live() {
    if (live_ > trace_.peak_live_exact) {  // exact: the saturated figure would move the line on
        trace_.peak_live_exact = live_;
        trace_.peak_live = live_bytes();
        trace_.peak_live_line = line_;
    }
}

std::uint64_t TraceBuilder::live_bytes() const {
    return live_ > UINT64_MAX ? UINT64_MAX : static_cast<std::uint64_t>(live_);
}

void TraceBuilder::resize(std::uint64_t id, std::uint64_t new_size) {
    if (new_size == 0) fail("size 0 in 'r' record (sizes are 1 or more)");
    std::uint32_t slot = live_slot(id, 'r');
    live_ = live_ - size_[slot] + new_size;
    size_[slot] = new_size;
    note_live();
    push(Op::Resize, slot, new_size, kNoTag);
}

void TraceBuilder::free(std::uint64_t id) {
    std::uint32_t slot = live_slot(id, 'f');
    live_ -= size_[slot];
    state_[slot] = SlotState::Freed;
    free_line_[slot] = line_;
    push(Op::Free, slot, 0, kNoTag);
}

Trace TraceBuilder::finish() && {
    trace_.live_at_end =
        static_cast<std::size_t>(std::count(state_.begin(), state_.end(), SlotState::Live));
    return std::move(trace_);
}

// ---- reading -----------------------------------------------------------------------------

Trace parse_trace(const std::string& name, const std::string& text) {
    TraceBuilder builder(name);
    LineParser parser(builder);
    parser.feed(text);
    parser.finish();
    return std::move(builder).finish();
}

Trace read_trace(const std::string& path) {
    TraceBuilder builder(path);
    FileInput input;
    if (std::string why = input.open(path); !why.empty()) throw TraceError(path + ": " + why);
    LineParser parser(builder);
    PageVector<char> chunk(1 << 20);
    try {
        for (;;) {
            std::size_t n = input.read(chunk.data(), chunk.size());
            parser.feed(std::string_view(chunk.data(), n));  // what came before an error counts
            if (!input.error().empty()) {
                builder.set_line(parser.line_number());
                builder.fail(input.error());
            }
            if (n == 0) break;
        }
        parser.finish();
    } catch (const TraceError&) {
        // A record refused in damaged gzip data is the damage's doing: said as such, at the
        // line where the records stopped making sense.
        if (input.error().empty()) {
            std::string damage = input.damage_after_parse_error(chunk.data(), chunk.size());
            if (!damage.empty()) builder.fail(damage);
        }
        throw;
    }
    return std::move(builder).finish();
}

// ---- writing -----------------------------------------------------------------------------

std::string format_trace(const Trace& trace) {
    std::string out;
    out.reserve(trace.events.size() * 14 + 256);
    out += kHeader;
    out += '\n';
    for (const std::string& c : trace.comments) {
        out += "# ";
        out += c;
        out += '\n';
    }
    for (const Event& e : trace.events) {
        append_record(out,
                      e.op == Op::Alloc    ? 'a'
                      : e.op == Op::Resize ? 'r'
                                           : 'f',
                      trace.ids[e.slot], e.size, e.tag);
    }
    return out;
}

void append_record(std::string& out, char op, std::uint64_t id, std::uint64_t size,
                   std::uint16_t tag) {
    out += op;
    append_field(out, id);
    if (op != 'f') append_field(out, size);
    if (op == 'a' && tag != kNoTag) append_field(out, tag);
    out += '\n';
}

void write_trace(ReplacingFile& out, const Trace& trace) {
    const std::string text = format_trace(trace);
    try {
        if (!ends_with(out.path(), ".gz")) {
            out.write(text);
            out.commit();
            return;
        }
        const int fd = ::dup(out.fd());
        gzFile file = fd < 0 ? nullptr : gzdopen(fd, "wb9");
        if (file == nullptr) {
            if (fd >= 0) ::close(fd);
            throw TraceError(out.path() + ": cannot write the trace: " + std::strerror(errno));
        }
        std::size_t done = 0;
        bool ok = true;
        while (ok && done < text.size()) {
            unsigned n = static_cast<unsigned>(std::min<std::size_t>(text.size() - done, 1u << 30));
            ok = gzwrite(file, text.data() + done, n) == static_cast<int>(n);
            done += n;
        }
        if (gzclose(file) != Z_OK || !ok) throw TraceError(out.path() + ": cannot write the trace");
        out.commit();
    } catch (const TraceError&) {
        throw;
    } catch (const std::runtime_error& e) {
        throw TraceError(e.what());
    }
}

void write_trace(const std::string& path, const Trace& trace) {
    std::optional<ReplacingFile> out;
    try {
        out.emplace(path, "the trace");
    } catch (const std::runtime_error& e) {
        throw TraceError(e.what());
    }
    write_trace(*out, trace);
}

}  // namespace glimmer::traces
