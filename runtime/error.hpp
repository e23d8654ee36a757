// error.hpp — runtime errors: a kind (LANGUAGE.md §11 names + our own), a message, and the
// location and call stack the VM fills in when the error leaves a script frame.
#pragma once

#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace glimmer::runtime {

#define GLIMMER_ERROR_KINDS(X) \
    X(UndefinedVariable)       \
    X(ImmutableBinding)        \
    X(TypeError)               \
    X(DivisionByZero)          \
    X(IndexOutOfBounds)        \
    X(FieldNotFound)           \
    X(NotIterable)             \
    X(NotCallable)             \
    X(ArityMismatch)           \
    X(BreakOutsideLoop)        \
    X(ContinueOutsideLoop)     \
    X(CustomError)             \
    X(StackOverflow)           \
    X(OutOfMemory)             \
    X(StepLimitExceeded)

enum class ErrorKind : std::uint8_t {
#define X(name) name,
    GLIMMER_ERROR_KINDS(X)
#undef X
};

std::string_view error_kind_name(ErrorKind k);
inline std::ostream& operator<<(std::ostream& os, ErrorKind k) {
    return os << error_kind_name(k);
}
// Kind by name (for `harmonize on NAME`); false if NAME is no kind.
bool error_kind_from_name(std::string_view name, ErrorKind& out);

struct StackEntry {
    std::string function;  // "<script>" for the top level
    std::string file;
    std::uint32_t line = 0;
    std::uint32_t column = 0;
};

class RuntimeError : public std::runtime_error {
  public:
    RuntimeError(ErrorKind kind, std::string message);
    ErrorKind kind() const { return kind_; }
    const std::string& message() const { return message_; }
    // "Runtime error: Kind: message"
    std::string headline() const;

    bool located = false;
    std::string file;
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    std::vector<StackEntry> stack;  // innermost first
    // The VM records the call stack as the error unwinds past each frame, so a raise caught
    // k frames up costs O(k) however deep the stack is: frames below this index are not in
    // `stack` yet.
    std::size_t unrecorded_frames = 0;
    // No script handler may catch it: the runtime cannot go on safely (the heap found one of
    // its blocks damaged). The host gets it, as it gets the step limit.
    bool fatal = false;

  private:
    ErrorKind kind_;
    std::string message_;
};

[[noreturn]] void raise(ErrorKind kind, std::string message);

}  // namespace glimmer::runtime
