// replacing_file.hpp - a file written whole or not at all.
//
// The bytes go to a new file beside the target (in its folder, so that the last step is one
// rename on one file system) and take the target's place only once every byte is written. A
// run that fails half-way, a trace that turns out defective, or a full disk leaves what was at
// the path before (an outside tester lost an earlier plot to a `--plot` whose trace was bad).
#pragma once

#include <string>
#include <string_view>

namespace glimmer::traces {

class ReplacingFile {
  public:
    // Creates the temporary file at once, so that a path that cannot be written is said before
    // any long work. Throws std::runtime_error("PATH: cannot write WHAT: reason"). A path that
    // is there and is no regular file (/dev/stdout, a pipe) is written in place.
    explicit ReplacingFile(std::string path, std::string what = "the file");
    ~ReplacingFile();  // removes the temporary file unless commit() put it in place
    ReplacingFile(const ReplacingFile&) = delete;
    ReplacingFile& operator=(const ReplacingFile&) = delete;

    const std::string& path() const { return path_; }
    // The temporary file's descriptor, for a writer of its own (zlib's gzdopen takes a dup).
    int fd() const { return fd_; }
    // The temporary file ("PATH.partial-XXXXXX"), or "" when the path is written in place.
    const std::string& temp_path() const { return temp_; }
    // Appends bytes. Throws as the constructor does.
    void write(std::string_view bytes);
    // Closes the temporary file and renames it over the target. Throws as write() does.
    void commit();

  private:
    [[noreturn]] void fail(int error) const;

    std::string path_;
    std::string what_;
    std::string temp_;  // empty when the path is written in place
    int fd_ = -1;
    bool committed_ = false;
};

}  // namespace glimmer::traces
