// trace.hpp - the allocation trace (shared/TRACE-FORMAT.md, version 1) in memory, its strict
// reader and its writer.
//
// A Trace holds the records of one .gwt/.gwt.gz file in replay order. Block IDs are mapped to
// dense slots at load time so a replay indexes a plain array. Invariants a loaded Trace keeps:
//   events[i].slot < ids.size();  ids[slot] is the file's ID;  lines.size() == events.size()
//   every Resize/Free names a slot that is live at that point (the reader refused anything else)
//   peak_live == max over the trace of (sum of the sizes of live blocks)
// Every defect is reported as TraceError with "FILE:LINE: message".
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "id_map.hpp"
#include "page_vector.hpp"
#include "replacing_file.hpp"

namespace glimmer::traces {

// A defective or unreadable trace; what() is "FILE:LINE: message".
class TraceError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

enum class Op : std::uint8_t { Alloc, Resize, Free };

inline constexpr std::size_t kMaxComments = 256;
inline constexpr std::size_t kMaxCommentBytes = 64 * 1024;

inline constexpr std::uint16_t kNoTag = 0xffff;       // an `a` record without TAG
inline constexpr std::uint64_t kMaxTag = kNoTag - 1;  // "a small decimal integer"

struct Event {
    std::uint64_t size;  // Alloc: SIZE, Resize: NEWSIZE, Free: 0
    std::uint32_t slot;  // dense index of the block's ID
    std::uint16_t tag;   // Alloc only; kNoTag when the record had none
    Op op;
};
static_assert(sizeof(Event) == 16, "events are packed so large traces stay cheap to hold");

struct Trace {
    std::string path;  // as given to read_trace (used in every message)
    // The header's comment lines (those before the first record), without "# ": at most
    // kMaxComments of them, kMaxCommentBytes in all. The rest are read and dropped, so memory
    // does not grow with the number of comment lines (comments are free text; a file of
    // nothing but '#' lines held ~42 bytes for each).
    std::vector<std::string> comments;
    PageVector<Event> events;
    PageVector<std::uint32_t> lines;        // source line of each event
    PageVector<std::uint64_t> ids;          // slot -> ID
    PageVector<std::uint32_t> alloc_line;   // slot -> line of its `a` record
    std::uint64_t peak_live = 0;            // requested bytes, from the trace itself
    std::uint32_t peak_live_line = 0;       // the record that first reached peak_live_exact
    unsigned __int128 peak_live_exact = 0;  // peak_live without saturating at 2^64 - 1
    std::size_t live_at_end = 0;            // blocks the trace never frees

    std::size_t slot_count() const { return ids.size(); }
    // "FILE:LINE: " for the i-th event (messages of replays and checks).
    std::string where(std::size_t event_index) const;
    // The value of a "# key: value" comment, or "" when there is none.
    std::string comment_value(const std::string& key) const;
};

// Reads and validates a trace. A gzip file (by its content, whatever its name) is inflated; any
// data after its last member is refused. A directory or an unreadable file is "FILE: message".
Trace read_trace(const std::string& path);
// The same from text held in memory (tests); `name` stands in for the file name.
Trace parse_trace(const std::string& name, const std::string& text);

// True when the name says "trace": it ends in .gwt or .gwt.gz.
bool is_trace_name(const std::string& path);

// Writes `trace` in text form, gzip-compressed when `path` ends in .gz. The header is
// "# glimmer-trace v1" followed by one "# " line per comment. The file is replaced whole or not
// at all (ReplacingFile). Throws TraceError on I/O failure.
void write_trace(const std::string& path, const Trace& trace);
// The same into a file made beforehand (its path says whether to gzip), which it commits.
void write_trace(ReplacingFile& out, const Trace& trace);
std::string format_trace(const Trace& trace);
// Appends one record line as format_trace writes it: "a ID SIZE[ TAG]" (TAG unless kNoTag),
// "r ID SIZE" or "f ID" for op 'a', 'r' or 'f', and the newline.
void append_record(std::string& out, char op, std::uint64_t id, std::uint64_t size,
                   std::uint16_t tag);

// Builds a Trace record by record, checking each like the reader does (reader, recorders,
// tests). Messages name the builder's file and the line set by set_line (default: one record a
// line after the header).
class TraceBuilder {
  public:
    explicit TraceBuilder(std::string name);

    void set_line(std::uint32_t line) { line_ = line; }
    // Keeps `text` as a header comment while no record came yet and the bounds allow it
    // (kMaxComments, kMaxCommentBytes); drops it otherwise. Either way it takes a line.
    void comment(std::string_view text);
    void alloc(std::uint64_t id, std::uint64_t size, std::uint16_t tag = kNoTag);
    void resize(std::uint64_t id, std::uint64_t new_size);
    void free(std::uint64_t id);

    // The sum of the live sizes, or UINT64_MAX when it is past that (sizes are 64-bit each).
    std::uint64_t live_bytes() const;
    std::size_t event_count() const { return trace_.events.size(); }
    Trace finish() &&;

    [[noreturn]] void fail(const std::string& message) const;

  private:
    enum class SlotState : std::uint8_t { Live, Freed };
    std::uint32_t live_slot(std::uint64_t id, char record);
    void note_live();  // a new high of the live bytes: the peak and its line
    void push(Op op, std::uint32_t slot, std::uint64_t size, std::uint16_t tag);

    Trace trace_;
    IdMap ids_;
    PageVector<std::uint64_t> size_;  // slot -> current size
    PageVector<SlotState> state_;
    PageVector<std::uint32_t> free_line_;
    std::size_t comment_bytes_ = 0;
    unsigned __int128 live_ = 0;  // exact: a few sizes near 2^64 must not wrap it
    std::uint32_t line_ = 2;      // the line of the next record (the header is line 1)
};

}  // namespace glimmer::traces
