// trace_stream.hpp - a trace written as its records come, in memory that grows with the blocks
// live at once, not with the number of records (recorders: `glimmer-trace record`).
//
// The header holds facts known only at the end (events, peak-live, how the script ended), and
// a reader keeps only the comments before the first record, so the header cannot follow the
// records. The records go, as they come, through a buffer (and gzip when the path ends in .gz)
// into a scratch file made beside the output and unlinked at once (nothing is left behind
// whatever ends the process, SIGKILL included). finish() then writes the output's temporary
// file (ReplacingFile: the old output stays until the last step) with the header, followed by
// the scratch file's bytes copied as they are (gzip: the header is one gzip member and the
// records a second, which the format's readers inflate as one text), and renames it into
// place. The disk holds the records twice while finish() copies them.
//
// Every record is checked as TraceBuilder checks it (sizes >= 1, IDs unique, resizes and frees
// of live IDs) with only the live blocks in memory: IDs must rise from one `a` to the next,
// which makes "unique" a comparison with the last ID and "was never allocated" one too.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "replacing_file.hpp"
#include "trace.hpp"

namespace glimmer::traces {

class TraceStreamWriter {
  public:
    // Makes the output's temporary file and the scratch file at once, so that a path that
    // cannot be written is said before any long work. Throws std::runtime_error("PATH: cannot
    // write the trace: reason"). `name` names the trace in check failures ("NAME: record N: ").
    TraceStreamWriter(std::string path, std::string name);
    ~TraceStreamWriter();
    TraceStreamWriter(const TraceStreamWriter&) = delete;
    TraceStreamWriter& operator=(const TraceStreamWriter&) = delete;

    const std::string& path() const { return out_.path(); }
    // The output's temporary file, "" when the path is written in place (ReplacingFile).
    const std::string& temp_path() const { return out_.temp_path(); }

    // Each checked, then written. Throw TraceError on a defect or a write that fails.
    void alloc(std::uint64_t id, std::uint64_t size, std::uint16_t tag = kNoTag);
    void resize(std::uint64_t id, std::uint64_t new_size);
    void free(std::uint64_t id);

    std::uint64_t event_count() const { return events_; }
    // Requested bytes, as Trace::peak_live (saturated at 2^64 - 1).
    std::uint64_t peak_live() const;
    std::size_t live_blocks() const { return live_.size(); }

    // Writes "# glimmer-trace v1", one "# " line per comment, then the records, and puts the
    // file in place. Throws TraceError on I/O failure (the old output is then left as it was).
    void finish(const std::vector<std::string>& comments);

  private:
    [[noreturn]] void fail(const std::string& message) const;
    [[noreturn]] void write_failed(int error) const;
    void flush_buffer();
    void put(char op, std::uint64_t id, std::uint64_t size, std::uint16_t tag);

    ReplacingFile out_;
    std::string name_;
    bool gzip_ = false;
    int scratch_ = -1;            // the records, unlinked
    void* scratch_gz_ = nullptr;  // gzFile over a dup of scratch_, when gzip_
    std::string buffer_;
    std::unordered_map<std::uint64_t, std::uint64_t> live_;  // ID -> size
    std::uint64_t events_ = 0;
    std::uint64_t last_id_ = 0;
    bool any_id_ = false;
    unsigned __int128 live_bytes_ = 0, peak_ = 0;
};

}  // namespace glimmer::traces
