// trace_stream.cpp - see trace_stream.hpp.
#include "trace_stream.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace glimmer::traces {
namespace {

constexpr std::size_t kBufferBytes = 1 << 20;  // records held before they are written
constexpr const char* kGzipMode = "wb9";       // as write_trace compresses

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix.data(), suffix.size()) == 0;
}

std::string decimal(std::uint64_t v) {
    return std::to_string(v);
}

// Writes all of `bytes` to `file`; false when zlib could not.
bool gz_write_all(gzFile file, std::string_view bytes) {
    while (!bytes.empty()) {
        const unsigned n = static_cast<unsigned>(std::min<std::size_t>(bytes.size(), 1u << 30));
        if (gzwrite(file, bytes.data(), n) != static_cast<int>(n)) return false;
        bytes.remove_prefix(n);
    }
    return true;
}

}  // namespace

TraceStreamWriter::TraceStreamWriter(std::string path, std::string name)
    : out_(std::move(path), "the trace"), name_(std::move(name)) {
    gzip_ = ends_with(out_.path(), ".gz");
    // Beside the output (the same file system, whose space the trace will take), or, for a
    // path written in place (a pipe, /dev/stdout), in the temporary folder.
    std::string pattern;
    if (!out_.temp_path().empty()) {
        pattern = out_.path() + ".partial-XXXXXX";
    } else {
        const char* tmp = std::getenv("TMPDIR");
        pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                  "/glimmer-trace-records-XXXXXX";
    }
    scratch_ = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (scratch_ < 0) write_failed(errno);
    ::unlink(pattern.c_str());  // unnamed from now on: gone with the process, however it ends
    if (gzip_) {
        const int fd = ::dup(scratch_);
        gzFile file = fd < 0 ? nullptr : gzdopen(fd, kGzipMode);
        if (file == nullptr) {
            const int error = errno;
            if (fd >= 0) ::close(fd);
            ::close(scratch_);
            write_failed(error != 0 ? error : ENOMEM);
        }
        scratch_gz_ = file;
    }
    buffer_.reserve(kBufferBytes + 64);
}

TraceStreamWriter::~TraceStreamWriter() {
    if (scratch_gz_ != nullptr) gzclose(static_cast<gzFile>(scratch_gz_));
    if (scratch_ >= 0) ::close(scratch_);
    // out_'s destructor removes the output's temporary file unless finish() committed it.
}

void TraceStreamWriter::fail(const std::string& message) const {
    throw TraceError(name_ + ": record " + decimal(events_ + 1) + ": " + message);
}

void TraceStreamWriter::write_failed(int error) const {
    throw TraceError(out_.path() + ": cannot write the trace: " + std::strerror(error));
}

std::uint64_t TraceStreamWriter::peak_live() const {
    return peak_ > UINT64_MAX ? UINT64_MAX : static_cast<std::uint64_t>(peak_);
}

void TraceStreamWriter::alloc(std::uint64_t id, std::uint64_t size, std::uint16_t tag) {
    if (size == 0) fail("size 0 in 'a' record (sizes are 1 or more)");
    if (any_id_ && id <= last_id_) {
        fail("'a' of ID " + decimal(id) + ", not above the last ID " + decimal(last_id_) +
             " (a recording's IDs rise, so that it is never used twice)");
    }
    live_.emplace(id, size);
    any_id_ = true;
    last_id_ = id;
    live_bytes_ += size;
    if (live_bytes_ > peak_) peak_ = live_bytes_;
    put('a', id, size, tag);
}

void TraceStreamWriter::resize(std::uint64_t id, std::uint64_t new_size) {
    if (new_size == 0) fail("size 0 in 'r' record (sizes are 1 or more)");
    auto it = live_.find(id);
    if (it == live_.end()) {
        fail("'r' of ID " + decimal(id) +
             (any_id_ && id <= last_id_ ? ", which is not live" : ", which was never allocated"));
    }
    live_bytes_ = live_bytes_ - it->second + new_size;
    it->second = new_size;
    if (live_bytes_ > peak_) peak_ = live_bytes_;
    put('r', id, new_size, kNoTag);
}

void TraceStreamWriter::free(std::uint64_t id) {
    auto it = live_.find(id);
    if (it == live_.end()) {
        fail("'f' of ID " + decimal(id) +
             (any_id_ && id <= last_id_ ? ", which is not live" : ", which was never allocated"));
    }
    live_bytes_ -= it->second;
    live_.erase(it);
    put('f', id, 0, kNoTag);
}

// The line format_trace writes for the same event.
void TraceStreamWriter::put(char op, std::uint64_t id, std::uint64_t size, std::uint16_t tag) {
    append_record(buffer_, op, id, size, tag);
    ++events_;
    if (buffer_.size() >= kBufferBytes) flush_buffer();
}

void TraceStreamWriter::flush_buffer() {
    if (buffer_.empty()) return;
    if (gzip_) {
        errno = 0;
        if (!gz_write_all(static_cast<gzFile>(scratch_gz_), buffer_)) {
            write_failed(errno != 0 ? errno : EIO);
        }
    } else {
        std::string_view bytes = buffer_;
        while (!bytes.empty()) {
            const ssize_t n = ::write(scratch_, bytes.data(), bytes.size());
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) write_failed(n < 0 ? errno : EIO);
            bytes.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    buffer_.clear();
}

void TraceStreamWriter::finish(const std::vector<std::string>& comments) {
    try {
        flush_buffer();
        if (gzip_) {
            errno = 0;
            const int closed = gzclose(static_cast<gzFile>(scratch_gz_));
            scratch_gz_ = nullptr;
            if (closed != Z_OK) write_failed(errno != 0 ? errno : EIO);
        }
        std::string header = "# glimmer-trace v1\n";
        for (const std::string& c : comments) {
            header += "# ";
            header += c;
            header += '\n';
        }
        if (gzip_) {  // a gzip member of its own, followed by the records' member
            const int fd = ::dup(out_.fd());
            gzFile file = fd < 0 ? nullptr : gzdopen(fd, kGzipMode);
            if (file == nullptr) {
                const int error = errno;
                if (fd >= 0) ::close(fd);
                write_failed(error != 0 ? error : ENOMEM);
            }
            errno = 0;
            const bool ok = gz_write_all(file, header);
            const int error = errno;
            if (gzclose(file) != Z_OK || !ok) write_failed(error != 0 ? error : EIO);
        } else {
            out_.write(header);
        }
        // The records, copied as they are (a buffer's worth at a time).
        if (::lseek(scratch_, 0, SEEK_SET) != 0) write_failed(errno);
        buffer_.resize(kBufferBytes);
        for (;;) {
            const ssize_t n = ::read(scratch_, buffer_.data(), buffer_.size());
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) write_failed(errno);
            if (n == 0) break;
            out_.write(std::string_view(buffer_.data(), static_cast<std::size_t>(n)));
        }
        buffer_.clear();
        out_.commit();
    } catch (const TraceError&) {
        throw;
    } catch (const std::runtime_error& e) {  // ReplacingFile's "PATH: cannot write ..."
        throw TraceError(e.what());
    }
}

}  // namespace glimmer::traces
