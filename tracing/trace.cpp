// trace.cpp - strict reader and writer of the text trace format (shared/TRACE-FORMAT.md).
//
// The reader streams the file through zlib (gzread reads plain files unchanged), splits lines,
// and feeds each record to a TraceBuilder, which enforces the format's refusals: header,
// record letters, field counts, numbers (decimal, < 2^64), sizes >= 1, IDs unique and live.
#include "trace.hpp"

#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace glimmer::traces {
namespace {

constexpr std::string_view kHeader = "# glimmer-trace v1";
constexpr std::string_view kHeaderPrefix = "# glimmer-trace ";

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix.data(), suffix.size()) == 0;
}

std::string quoted(std::string_view s) {
    constexpr std::size_t kShown = 40;
    std::string out = "'";
    for (char c : s.substr(0, kShown)) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            char code[8];
            std::snprintf(code, sizeof code, "\\x%02x", static_cast<unsigned char>(c));
            out += code;  // a stray '\r' or tab must be visible in the message
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

void check_header(TraceBuilder& builder, std::string_view line) {
    if (line == kHeader) return;
    if (line.substr(0, kHeaderPrefix.size()) == kHeaderPrefix) {
        std::string_view version = line.substr(kHeaderPrefix.size());
        if (version.size() > 1 && version[0] == 'v') {
            std::uint64_t major = 0;
            auto [end, err] =
                std::from_chars(version.data() + 1, version.data() + version.size(), major);
            bool minor_only = end == version.data() + version.size() || *end == '.';
            if (err == std::errc() && minor_only && major == 1) return;  // v1.x: same records
            if (err == std::errc() && minor_only && major > 1) {
                builder.fail("trace format version " + std::string(version) +
                             " is newer than this reader (v1)");
            }
        }
    }
    if (!line.empty() && line[0] == '#') {
        builder.fail("unknown header " + quoted(line) + " (expected '# glimmer-trace v1')");
    }
    builder.fail("missing header: the first line must be '# glimmer-trace v1', not " +
                 quoted(line));
}

// Feeds complete lines to the builder; keeps the partial last line between chunks.
class LineParser {
  public:
    explicit LineParser(TraceBuilder& builder) : b_(builder) {}

    void feed(std::string_view chunk) {
        while (!chunk.empty()) {
            std::size_t nl = chunk.find('\n');
            if (nl == std::string_view::npos) {
                pending_.append(chunk);
                return;
            }
            if (pending_.empty()) {
                line(chunk.substr(0, nl));
            } else {
                pending_.append(chunk.substr(0, nl));
                line(pending_);
                pending_.clear();
            }
            chunk.remove_prefix(nl + 1);
        }
    }

    void finish() {
        if (!pending_.empty()) line(pending_);  // the last line may lack its '\n'
        if (line_ == 0) {
            b_.set_line(1);
            b_.fail("missing header: the file is empty");
        }
    }

    std::uint32_t line_number() const { return line_ + 1; }

  private:
    void line(std::string_view text) {
        ++line_;
        b_.set_line(line_);
        if (line_ == 1) {
            check_header(b_, text);
        } else if (!text.empty() && text[0] == '#') {
            text.remove_prefix(1);
            if (!text.empty() && text[0] == ' ') text.remove_prefix(1);
            b_.comment(std::string(text));
        } else if (text.empty()) {
            b_.fail("empty line (every line is a record or a # comment)");
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

bool has_trace_header(const std::string& path) {
    gzFile file = gzopen(path.c_str(), "rb");
    if (file == nullptr) return false;
    constexpr std::string_view kWords = "# glimmer-trace";
    char start[kWords.size()];
    int got = gzread(file, start, static_cast<unsigned>(sizeof start));
    gzclose(file);
    return got == static_cast<int>(sizeof start) && std::string_view(start, sizeof start) == kWords;
}

// ---- TraceBuilder ------------------------------------------------------------------------

TraceBuilder::TraceBuilder(std::string name) {
    trace_.path = std::move(name);
}

void TraceBuilder::fail(const std::string& message) const {
    throw TraceError(trace_.path + ":" + std::to_string(line_) + ": " + message);
}

void TraceBuilder::comment(std::string text) {
    trace_.comments.push_back(std::move(text));
    ++line_;
}

void TraceBuilder::push(Op op, std::uint32_t slot, std::uint64_t size, std::uint16_t tag) {
    trace_.events.push_back(Event{size, slot, tag, op});
    trace_.lines.push_back(line_);
    ++line_;
}

std::uint32_t TraceBuilder::live_slot(std::uint64_t id, char record) {
    std::uint32_t slot = ids_.find(id);
    std::string what = std::string("'") + record + "' of ID " + format_number(id);
    if (slot == IdMap::kAbsent) fail(what + ", which was never allocated");
    if (state_[slot] == SlotState::Freed) {
        fail(what + ", which was already freed at line " + std::to_string(free_line_[slot]));
    }
    return slot;
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
    trace_.peak_live = std::max(trace_.peak_live, live_);
    push(Op::Alloc, slot, size, tag);
}

void TraceBuilder::resize(std::uint64_t id, std::uint64_t new_size) {
    if (new_size == 0) fail("size 0 in 'r' record (sizes are 1 or more)");
    std::uint32_t slot = live_slot(id, 'r');
    live_ = live_ - size_[slot] + new_size;
    size_[slot] = new_size;
    trace_.peak_live = std::max(trace_.peak_live, live_);
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
    gzFile file = gzopen(path.c_str(), "rb");
    if (file == nullptr) {
        builder.set_line(0);
        throw TraceError(path + ": cannot open: " + std::strerror(errno));
    }
    struct Closer {
        gzFile f;
        ~Closer() { gzclose(f); }
    } closer{file};
    gzbuffer(file, 1 << 17);

    LineParser parser(builder);
    PageVector<char> chunk(1 << 20);
    for (;;) {
        int n = gzread(file, chunk.data(), static_cast<unsigned>(chunk.size()));
        if (n < 0) {
            int code = 0;
            const char* message = gzerror(file, &code);
            std::string why = code == Z_ERRNO ? std::strerror(errno) : message;
            builder.set_line(parser.line_number());
            builder.fail("cannot read: " + why);
        }
        if (n == 0) {
            // gzread returns 0 both at a clean end and at a truncated gzip stream.
            int code = 0;
            const char* message = gzerror(file, &code);
            if (code != Z_OK && code != Z_BUF_ERROR) {
                builder.set_line(parser.line_number());
                builder.fail(std::string("cannot read: ") + message);
            }
            if (code == Z_BUF_ERROR) {
                builder.set_line(parser.line_number());
                builder.fail("the gzip stream ends early (truncated file)");
            }
            break;
        }
        parser.feed(std::string_view(chunk.data(), static_cast<std::size_t>(n)));
    }
    parser.finish();
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
        out += e.op == Op::Alloc ? 'a' : e.op == Op::Resize ? 'r' : 'f';
        append_field(out, trace.ids[e.slot]);
        if (e.op != Op::Free) append_field(out, e.size);
        if (e.op == Op::Alloc && e.tag != kNoTag) append_field(out, e.tag);
        out += '\n';
    }
    return out;
}

void write_trace(const std::string& path, const Trace& trace) {
    std::string text = format_trace(trace);
    gzFile file = gzopen(path.c_str(), ends_with(path, ".gz") ? "wb9" : "wbT");
    if (file == nullptr) throw TraceError(path + ": cannot create: " + std::strerror(errno));
    std::size_t done = 0;
    bool ok = true;
    while (ok && done < text.size()) {
        unsigned n = static_cast<unsigned>(std::min<std::size_t>(text.size() - done, 1u << 30));
        ok = gzwrite(file, text.data() + done, n) == static_cast<int>(n);
        done += n;
    }
    if (gzclose(file) != Z_OK || !ok) throw TraceError(path + ": cannot write the trace");
}

}  // namespace glimmer::traces
