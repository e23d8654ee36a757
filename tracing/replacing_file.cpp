// replacing_file.cpp - see replacing_file.hpp.
#include "replacing_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace glimmer::traces {

ReplacingFile::ReplacingFile(std::string path, std::string what)
    : path_(std::move(path)), what_(std::move(what)) {
    struct stat st {};
    if (::stat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) fail(EISDIR);
        // A device or a pipe (/dev/stdout, /dev/full): no rename can stand in for it.
        fd_ = ::open(path_.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd_ < 0) fail(errno);
        return;
    }
    temp_ = path_ + ".partial-XXXXXX";
    fd_ = ::mkostemp(temp_.data(), O_CLOEXEC);
    if (fd_ < 0) fail(errno);
    // mkostemp makes the file 0600; give it the mode a plain create would (0666 less the umask).
    const mode_t mask = ::umask(0);
    ::umask(mask);
    ::fchmod(fd_, 0666 & ~mask);
}

ReplacingFile::~ReplacingFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void ReplacingFile::write(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail(n < 0 ? errno : EIO);
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

void ReplacingFile::commit() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail(errno);
    if (!temp_.empty() && ::rename(temp_.c_str(), path_.c_str()) != 0) fail(errno);
    committed_ = true;
}

void ReplacingFile::fail(int error) const {
    throw std::runtime_error(path_ + ": cannot write " + what_ + ": " + std::strerror(error));
}

}  // namespace glimmer::traces
