// error.cpp — error kind names and RuntimeError formatting.
#include "runtime/error.hpp"

namespace glimmer::runtime {

namespace {
constexpr std::string_view kNames[] = {
#define X(name) #name,
    GLIMMER_ERROR_KINDS(X)
#undef X
};
}  // namespace

std::string_view error_kind_name(ErrorKind k) {
    return kNames[static_cast<int>(k)];
}

bool error_kind_from_name(std::string_view name, ErrorKind& out) {
    for (std::size_t i = 0; i < std::size(kNames); ++i) {
        if (kNames[i] == name) {
            out = static_cast<ErrorKind>(i);
            return true;
        }
    }
    return false;
}

RuntimeError::RuntimeError(ErrorKind kind, std::string message)
    : std::runtime_error(std::string(error_kind_name(kind)) + ": " + message),
      kind_(kind),
      message_(std::move(message)) {}

std::string RuntimeError::headline() const {
    std::string s = "Runtime error: ";
    s += error_kind_name(kind_);
    s += ": ";
    s += message_;
    return s;
}

void raise(ErrorKind kind, std::string message) {
    throw RuntimeError(kind, std::move(message));
}

}  // namespace glimmer::runtime
