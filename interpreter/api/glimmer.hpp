// glimmer.hpp — the C++ embedding API: run Glimmer-Weave scripts inside a host program.
//
//     glimmer::Engine engine({.memory_limit = 64 << 20, .step_limit = 10'000'000});
//     engine.register_function("greet", [](std::string name) { return "hello " + name; });
//     engine.run("chant twice(x) then yield x * 2 end");
//     double four = engine.call("twice", {2}).as_number();
//
// One Engine = one runtime with its own heap, collector, globals and limits; engines share
// nothing, so several may run at once on different threads (one thread per engine at a time).
// A Handle is part of its engine: dropping its last copy unlinks it from the engine's runtime,
// so do that only where the engine is not running on another thread. Values are plain copies
// that any thread may hold.
// The header depends on the standard library only: hosts never see the runtime's internals.
//
// Errors are glimmer::Error exceptions carrying a kind, the message and `file:line:col`; what()
// is the one line glimmer.h describes for gw_last_error ("[WHERE: ]WHAT: message": the place
// may be the file alone, or absent for an error of the host's own call).
// Host functions may throw; a glimmer::Error keeps its kind inside the script, any other
// exception becomes a CustomError. StepLimitExceeded always reaches the host: scripts cannot
// catch it.
#pragma once

#if __cplusplus < 202002L
#error "glimmer.hpp needs C++20: compile with -std=c++20 (glimmer.h is the C API)"
#endif

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <limits>
#include <map>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace glimmer {

// ---------------------------------------------------------------- errors

enum class ErrorKind : std::uint8_t {
    SyntaxError,
    UndefinedVariable,
    ImmutableBinding,
    TypeError,
    DivisionByZero,
    IndexOutOfBounds,
    FieldNotFound,
    NotIterable,
    NotCallable,
    ArityMismatch,
    BreakOutsideLoop,
    ContinueOutsideLoop,
    CustomError,
    StackOverflow,
    OutOfMemory,
    StepLimitExceeded,
    IoError,          // a script file that cannot be read
    InvalidArgument,  // the host misused the API (empty name, empty handle, ...)
};
// "TypeError", ...; "UnknownErrorKind" for a number past the last kind. A host function that
// throws an Error of such a kind raises a CustomError in the script.
std::string_view error_kind_name(ErrorKind kind);
std::ostream& operator<<(std::ostream& os, ErrorKind kind);

struct StackFrame {
    std::string function;  // "<script>" for a top level
    std::string file;
    std::uint32_t line = 0;
    std::uint32_t column = 0;
};

class Error : public std::runtime_error {
  public:
    Error(ErrorKind kind, std::string message, std::string file = {}, std::uint32_t line = 0,
          std::uint32_t column = 0, std::vector<StackFrame> stack = {});

    ErrorKind kind() const noexcept { return kind_; }
    const std::string& message() const noexcept { return message_; }
    const std::string& file() const noexcept { return file_; }
    std::uint32_t line() const noexcept { return line_; }      // 0 = no location
    std::uint32_t column() const noexcept { return column_; }  // 0 = no location
    // "file:line:col", or "" without a location.
    std::string location() const;
    const std::vector<StackFrame>& stack() const noexcept { return stack_; }  // innermost first

  private:
    ErrorKind kind_;
    std::string message_;
    std::string file_;
    std::uint32_t line_;
    std::uint32_t column_;
    std::vector<StackFrame> stack_;
};

// ---------------------------------------------------------------- values

// A host-side copy of a script value. Numbers, texts, truths, nothing, lists and maps convert
// both ways; any other script value (a function, a struct, Present(x), a range) arrives as
// Type::Other carrying its type name and display form, and cannot be passed back (hold it in
// a Handle instead). Lists and maps are immutable once built and cheap to copy.
class Value {
  public:
    enum class Type : std::uint8_t { Nothing, Truth, Number, Text, List, Map, Other };
    using List = std::vector<Value>;
    using Map = std::map<std::string, Value, std::less<>>;  // keys sorted, as the language shows

    Value() = default;  // nothing
    Value(std::nullptr_t) {}
    Value(bool b) : v_(b) {}
    Value(double d) : v_(d) {}
    template <class N,
              std::enable_if_t<std::is_arithmetic_v<N> && !std::is_same_v<N, bool>, int> = 0>
    Value(N n) : v_(static_cast<double>(n)) {}
    Value(std::string s) : v_(std::move(s)) {}
    Value(std::string_view s) : v_(std::string(s)) {}
    Value(const char* s) : v_(std::string(s)) {}
    // (Made non-const and held as const: ~Value may take the items out of a container it
    // owns alone, to tear deep nesting down without recursion.)
    Value(List items) : v_(std::shared_ptr<const List>(std::make_shared<List>(std::move(items)))) {}
    Value(Map entries)
        : v_(std::shared_ptr<const Map>(std::make_shared<Map>(std::move(entries)))) {}
    Value(const Value&) = default;
    Value(Value&&) noexcept = default;
    // The old value goes as ~Value lets it go (by value: one operator for copy and move).
    Value& operator=(Value other) noexcept {
        v_.swap(other.v_);
        return *this;
    }
    // A list or map this Value owns alone is taken apart level by level, not recursively, so
    // a value nested thousands deep is freed on any thread's stack.
    ~Value() {
        if (is_list() || is_map()) release_nested();
    }
    static Value list(std::initializer_list<Value> items) { return Value(List(items)); }
    static Value other(std::string type_name, std::string display);

    Type type() const noexcept { return static_cast<Type>(v_.index()); }
    bool is_nothing() const noexcept { return type() == Type::Nothing; }
    bool is_truth() const noexcept { return type() == Type::Truth; }
    bool is_number() const noexcept { return type() == Type::Number; }
    bool is_text() const noexcept { return type() == Type::Text; }
    bool is_list() const noexcept { return type() == Type::List; }
    bool is_map() const noexcept { return type() == Type::Map; }

    // Each throws Error(TypeError) naming the actual type when the value has another type.
    bool as_truth() const;
    double as_number() const;
    const std::string& as_text() const;
    const List& as_list() const;
    const Map& as_map() const;

    // The script's type_of name: "Number", "Text", "List", "Chant", "Point", ...
    std::string type_name() const;
    // The display form println uses (LANGUAGE.md §4): text unquoted at the top level.
    std::string display() const;

    friend bool operator==(const Value& a, const Value& b);

  private:
    void release_nested() noexcept;
    void take_nested(std::vector<Value>& out);  // may throw std::bad_alloc (out)
    struct OtherValue {
        std::string type_name;
        std::string display;
    };
    std::variant<std::monostate, bool, double, std::string, std::shared_ptr<const List>,
                 std::shared_ptr<const Map>, std::shared_ptr<const OtherValue>>
        v_;
};
std::ostream& operator<<(std::ostream& os, const Value& v);  // the display form

// ---------------------------------------------------------------- handles

// Keeps one script value (of any type, functions included) alive across calls: the collector
// treats it as a root until the last copy of the Handle is gone. A Handle keeps its engine's
// runtime alive too, so it may outlive the Engine object (but is only usable through it).
class Handle {
  public:
    Handle() = default;  // empty
    bool empty() const noexcept { return !impl_; }
    explicit operator bool() const noexcept { return !empty(); }
    // Each of these throws Error(InvalidArgument) when the handle is empty (the C API's
    // gw_handle_display gives "" for a NULL handle instead, having no exceptions).
    Value value() const;  // host copy
    std::string type_name() const;
    std::string display() const;

    struct Impl;  // engine.cpp

  private:
    friend class Engine;
    explicit Handle(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
    std::shared_ptr<Impl> impl_;
};

// ---------------------------------------------------------------- host functions

using HostFunction = std::function<Value(std::span<const Value> args)>;

namespace detail {

template <class R, class... A>
struct Signature {
    using Result = R;
    using Args = std::tuple<std::remove_cvref_t<A>...>;
    static constexpr std::size_t arity = sizeof...(A);
};
template <class F>
struct Traits : Traits<decltype(&std::remove_cvref_t<F>::operator())> {};
template <class R, class... A>
struct Traits<R (*)(A...)> : Signature<R, A...> {};
template <class R, class... A>
struct Traits<R (*)(A...) noexcept> : Signature<R, A...> {};
template <class R, class... A>
struct Traits<R(A...)> : Signature<R, A...> {};
template <class C, class R, class... A>
struct Traits<R (C::*)(A...)> : Signature<R, A...> {};
template <class C, class R, class... A>
struct Traits<R (C::*)(A...) const> : Signature<R, A...> {};
template <class C, class R, class... A>
struct Traits<R (C::*)(A...) noexcept> : Signature<R, A...> {};
template <class C, class R, class... A>
struct Traits<R (C::*)(A...) const noexcept> : Signature<R, A...> {};

// Throws Error(TypeError): "argument 2 of 'greet' must be a Text, got a Number".
[[noreturn]] void bad_argument(std::string_view function, std::size_t index,
                               std::string_view wanted, const Value& got);

template <class T>
T argument(std::string_view function, std::size_t index, const Value& v) {
    if constexpr (std::is_same_v<T, Value>) {
        return v;
    } else if constexpr (std::is_same_v<T, bool>) {
        if (!v.is_truth()) bad_argument(function, index, "Truth", v);
        return v.as_truth();
    } else if constexpr (std::is_arithmetic_v<T>) {
        if (!v.is_number()) bad_argument(function, index, "Number", v);
        if constexpr (std::is_integral_v<T>) {
            // Converting a double outside T's range (or NaN) to T is undefined behaviour, so
            // the range is checked first: lo and hi_end (= max + 1) are powers of two or 0,
            // exact as doubles, where max itself may not be (2^64 - 1).
            constexpr double lo = static_cast<double>(std::numeric_limits<T>::min());
            constexpr double hi_end =
                2.0 * static_cast<double>(std::numeric_limits<T>::max() / 2 + 1);
            double d = v.as_number();
            if (!(d >= lo && d < hi_end)) {
                bad_argument(function, index,
                             "whole Number from " + std::to_string(std::numeric_limits<T>::min()) +
                                 " to " + std::to_string(std::numeric_limits<T>::max()),
                             v);
            }
            // (< and >, not !=: hosts building with -Wfloat-equal -Werror include this.)
            const double whole = static_cast<double>(static_cast<T>(d));
            if (whole < d || whole > d) bad_argument(function, index, "whole Number", v);
        }
        return static_cast<T>(v.as_number());
    } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>) {
        if (!v.is_text()) bad_argument(function, index, "Text", v);
        return T(v.as_text());
    } else if constexpr (std::is_same_v<T, Value::List>) {
        if (!v.is_list()) bad_argument(function, index, "List", v);
        return v.as_list();
    } else if constexpr (std::is_same_v<T, Value::Map>) {
        if (!v.is_map()) bad_argument(function, index, "Map", v);
        return v.as_map();
    } else {
        static_assert(sizeof(T) == 0,
                      "host function parameters: bool, arithmetic, std::string, "
                      "std::string_view, glimmer::Value, Value::List or Value::Map");
    }
}

template <class Sig, class F, std::size_t... I>
Value invoke(F& f, std::string_view name, std::span<const Value> args, std::index_sequence<I...>) {
    using Args = typename Sig::Args;
    if constexpr (std::is_void_v<typename Sig::Result>) {
        f(argument<std::tuple_element_t<I, Args>>(name, I, args[I])...);
        return Value();
    } else {
        return Value(f(argument<std::tuple_element_t<I, Args>>(name, I, args[I])...));
    }
}

}  // namespace detail

// ---------------------------------------------------------------- the engine

// Where an engine's heap takes its memory from, instead of anonymous mmap (Lua's lua_Alloc, one
// level down). The heap asks for whole chunks: its own 28 KiB record when the engine is made
// (GW_HEAP_ALLOC_BYTES in gw_heap.h), 16 KiB index nodes, chunks of 128 to 256 KiB (growing with
// the heap) that it carves into blocks, and one chunk per block above 128 KiB. It gives every chunk
// back exactly once, with the size it asked for, at the latest when the runtime is destroyed; the
// memory limit (Config::memory_limit) still applies on top.
//
// Lifetime: the two functions are copied into the engine, but whatever they refer to must
// outlive the runtime: the Engine *and every Handle taken from it* (a Handle keeps the runtime
// alive). The functions are called only from the thread running the engine; a source shared by
// engines on several threads must be thread-safe itself.
struct ChunkSource {
    // `bytes` of memory, 16-byte aligned (32 KiB aligned saves the heap a 32 KiB over-request
    // per chunk), or nullptr to refuse: the script then gets OutOfMemory (the engine creation
    // fails with it if the first request is refused). An exception, or memory less aligned,
    // counts as a refusal.
    std::function<void*(std::size_t bytes)> acquire;
    // Takes back a chunk from `acquire`, with the same size. Exceptions are swallowed.
    std::function<void(void* chunk, std::size_t bytes)> release;

    // Both set: this source is used. Both empty: mmap. One alone: InvalidArgument.
    explicit operator bool() const noexcept { return acquire && release; }
};

struct Config {
    std::size_t memory_limit = 0;  // bytes the heap may take from the system; 0 = no limit
    // Steps per run or call (the outermost one: nested runs and calls made by host functions
    // share its budget); 0 = none. A step is a call or a loop iteration, the host's own call
    // of a function (call) included, as a script's call is, but not the top level of a run
    // (run("f()") and call("f") take the same steps); a builtin that makes
    // or walks many items (iter_collect, list_sum, join, split, repeat, ...) charges one step
    // per item (per byte of text), above the first 1024 of a call.
    std::uint64_t step_limit = 0;
    // Nested script (chant) calls before StackOverflow, for run and call alike (the top level
    // of a run is not a call); 0 = default (200,000). Host functions calling back into the
    // engine (run, call, also straight into another host function) nest on the thread's native
    // stack instead: StackOverflow when less than 64 KiB of it is left, whatever this limit.
    std::uint32_t max_call_depth = 0;
    // Where print/println write; empty = standard output.
    std::function<void(std::string_view)> output = {};
    // Where the heap's memory comes from; empty = anonymous mmap. See ChunkSource.
    ChunkSource chunk_source = {};
    // The folder `summon` may read module files from (LANGUAGE.md §14.1); paths in scripts are
    // relative to the summoning script, a script run by name ("<string>", "host.gw") counting
    // as in this folder, and may not leave it. Empty = no modules for scripts run from a
    // string (every `summon` is a CustomError: they read no file at all); a script run with
    // run_file summons from its own folder, as the glimmer command's scripts do.
    std::string module_root = {};
};

struct MemoryStats {
    std::size_t footprint_bytes = 0;       // bytes the heap holds from the system now
    std::size_t peak_footprint_bytes = 0;  // never above Config::memory_limit when one is set
    std::size_t live_bytes = 0;            // bytes in live heap blocks
    std::size_t objects = 0;               // live script objects
    std::uint64_t collections = 0;
};

class Engine {
  public:
    // Throws Error(OutOfMemory) when the memory limit or the chunk source refuse the memory an
    // engine needs to start (about 256 KiB), Error(InvalidArgument) for a chunk source with one
    // function only.
    explicit Engine(Config config = {});
    // A host function may destroy (or move from) the Engine running it: the runtime then lives
    // on until the outermost run or call on it returns (the script runs on to its end), as
    // gw_engine_free called by a host function does in C. The host functions and the output
    // sink are destroyed with the Engine (then), so a Handle one of them holds does not keep
    // the runtime alive; Handles the host holds still do.
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;
    Engine(Engine&&) noexcept;
    Engine& operator=(Engine&&) noexcept;

    // Compile and run a whole script; returns the value of its last statement. Top-level
    // definitions stay, so later runs and call() see them. `name` is the file in locations.
    Value run(std::string_view code, std::string_view name = "<string>");
    // IoError when the file cannot be read, or holds more than Config::memory_limit bytes (when
    // set) or 256 MiB, the largest source file: reading stops there, so a device with endless
    // input (/dev/zero) ends too.
    Value run_file(const std::string& path);
    // run() that keeps the result as a script value (a function, a struct, ...).
    Handle evaluate(std::string_view code, std::string_view name = "<string>");

    // Call a global function (script chant, builtin or host function) by name. A name no
    // script could write (empty, not an identifier, a keyword) is InvalidArgument, as in every
    // method taking a global's name (the message starts with the method's: "call: ..."); a
    // name with no global is UndefinedVariable. An argument that cannot go back into a script
    // (Type::Other) is a TypeError naming it ("call: args[1]: ...").
    Value call(std::string_view function, std::span<const Value> args = {});
    Value call(std::string_view function, std::initializer_list<Value> args) {
        return call(function, std::span<const Value>(args.begin(), args.size()));
    }
    Value call(const Handle& callee, std::span<const Value> args = {});
    Value call(const Handle& callee, std::initializer_list<Value> args) {
        return call(callee, std::span<const Value>(args.begin(), args.size()));
    }

    bool has_global(std::string_view name) const;
    Value get_global(std::string_view name) const;               // UndefinedVariable when missing
    Handle global(std::string_view name);                        // same, as a Handle
    void set_global(std::string_view name, const Value& value);  // an immutable binding

    // A host function with `arity` parameters, 0 to 250 (the language's parameter limit), or
    // -1 = any number (the function checks); any other arity is InvalidArgument.
    void register_function(std::string_view name, int arity, HostFunction fn);
    // A host function whose parameters and result are deduced from `f`: a plain function or a
    // lambda (captures allowed) over bool, numbers, std::string(_view), Value, Value::List,
    // Value::Map, returning one of those or void. Wrong types are TypeErrors in the script.
    template <class F>
    void register_function(std::string_view name, F f) {
        using Sig = detail::Traits<F>;
        std::string fname(name);
        register_function(name, static_cast<int>(Sig::arity),
                          [f = std::move(f), fname](std::span<const Value> args) mutable {
                              return detail::invoke<Sig>(f, fname, args,
                                                         std::make_index_sequence<Sig::arity>{});
                          });
    }

    void set_step_limit(std::uint64_t steps);  // 0 = none; applies from the next run or call
    void collect_garbage();
    MemoryStats memory_stats() const;

    struct State;  // the runtime behind the engine (engine.cpp)

  private:
    std::shared_ptr<State> state_;
};

}  // namespace glimmer
