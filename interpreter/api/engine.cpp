// engine.cpp — Engine, Handle and Error: the C++ embedding API over interp::Interpreter.
//
// Invariants:
//   * every exception leaving an Engine method is a glimmer::Error (or std::bad_alloc from the
//     host's own containers); every exception leaving a host-function trampoline into the VM
//     is a runtime::RuntimeError, the only kind the VM unwinds through;
//   * no collection runs between converting host values into script values and the VM
//     holding them (the funnel never collects; only the VM's safe points do), so conversions
//     root nothing;
//   * State is shared by the Engine and every Handle, so a Handle's runtime::Handle is always
//     unlinked before the Runtime it belongs to is destroyed.
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>

#include "heap/heap.hpp"
#include "interpreter/api/convert.hpp"
#include "interpreter/api/glimmer.hpp"
#include "interpreter/lexer/token.hpp"
#include "interpreter/source.hpp"
#include "interpreter/vm/interpreter.hpp"

namespace glimmer {

namespace rt = glimmer::runtime;

#define X(name) \
    static_assert(static_cast<int>(ErrorKind::name) == static_cast<int>(rt::ErrorKind::name) + 1);
GLIMMER_ERROR_KINDS(X)
#undef X

// ---------------------------------------------------------------- errors

std::string_view error_kind_name(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::SyntaxError:
            return "SyntaxError";
        case ErrorKind::IoError:
            return "IoError";
        case ErrorKind::InvalidArgument:
            return "InvalidArgument";
        default:
            // A host may cast any number to ErrorKind (a kind read from a config or a wire);
            // past the last kind that indexed beyond the runtime's table of names.
            if (kind > ErrorKind::InvalidArgument) return "UnknownErrorKind";
            return rt::error_kind_name(static_cast<rt::ErrorKind>(static_cast<int>(kind) - 1));
    }
}

namespace {

std::string compose_what(ErrorKind kind, const std::string& message, const std::string& file,
                         std::uint32_t line, std::uint32_t column) {
    std::string out;
    if (line) {
        out = file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": ";
    } else if (!file.empty()) {
        out = file + ": ";
    }
    if (kind == ErrorKind::SyntaxError) {
        // The parser's message already reads "Syntax error at line L, column C: ...", as the
        // glimmer command prints it; naming the kind again made "Syntax error: Syntax error at".
        if (message.starts_with("Syntax error")) return out + message;
        out += "Syntax error";
    } else if (kind == ErrorKind::IoError || kind == ErrorKind::InvalidArgument) {
        out += std::string(error_kind_name(kind));
    } else {
        out += "Runtime error: " + std::string(error_kind_name(kind));
    }
    return out + ": " + message;
}

}  // namespace

Error::Error(ErrorKind kind, std::string message, std::string file, std::uint32_t line,
             std::uint32_t column, std::vector<StackFrame> stack)
    : std::runtime_error(compose_what(kind, message, file, line, column)),
      kind_(kind),
      message_(std::move(message)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      stack_(std::move(stack)) {}

std::string Error::location() const {
    if (!line_) return {};
    return file_ + ":" + std::to_string(line_) + ":" + std::to_string(column_);
}

namespace api {

Error from_runtime_error(const rt::RuntimeError& e) {
    std::vector<StackFrame> stack;
    stack.reserve(e.stack.size());
    for (const rt::StackEntry& s : e.stack)
        stack.push_back(StackFrame{s.function, s.file, s.line, s.column});
    return Error(static_cast<ErrorKind>(static_cast<int>(e.kind()) + 1), e.message(), e.file,
                 e.line, e.column, std::move(stack));
}

[[noreturn]] void raise_in_script(const Error& e) {
    rt::RuntimeError r(to_runtime_kind(e.kind()), e.message());
    if (e.line() != 0) {
        r.located = true;
        r.file = e.file();
        r.line = e.line();
        r.column = e.column();
        for (const StackFrame& f : e.stack())
            r.stack.push_back(rt::StackEntry{f.function, f.file, f.line, f.column});
        // Every frame of the run that called the host is still to be recorded (the VM caps
        // this at its own depth as the error unwinds).
        r.unrecorded_frames = SIZE_MAX;
    }
    throw r;
}

rt::ErrorKind to_runtime_kind(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::SyntaxError:
        case ErrorKind::IoError:
        case ErrorKind::InvalidArgument:
            return rt::ErrorKind::CustomError;
        default:
            // A kind past the last one (a host's cast) becomes CustomError, as an unknown
            // gw_error_kind does in gw_raise: the VM and the runtime's names know no others.
            if (kind > ErrorKind::InvalidArgument) return rt::ErrorKind::CustomError;
            return static_cast<rt::ErrorKind>(static_cast<int>(kind) - 1);
    }
}

}  // namespace api

// ---------------------------------------------------------------- the engine's state

namespace {

struct HostRecord {
    std::string name;
    HostFunction fn;
};

// The heap's chunk hooks over a host's ChunkSource. They are called from the assembly heap, so
// nothing may unwind out of them: an exception from `acquire` is a refusal (OutOfMemory for the
// script), one from `release` is dropped (the chunk is the host's again either way).
void* acquire_chunk(void* user, std::size_t bytes) noexcept {
    try {
        return static_cast<ChunkSource*>(user)->acquire(bytes);
    } catch (...) {
        return nullptr;
    }
}

void release_chunk(void* user, void* chunk, std::size_t bytes) noexcept {
    try {
        static_cast<ChunkSource*>(user)->release(chunk, bytes);
    } catch (...) {
    }
}

// The host's output sink runs inside print/println. Whatever it throws becomes a script error
// at that call, as for a host function: the VM unwinds only RuntimeErrors, and a host's own
// exception (a full disk) passed through `attempt` and left run() as a non-glimmer::Error.
std::function<void(std::string_view)> guard_output(std::function<void(std::string_view)> out) {
    return [out = std::move(out)](std::string_view text) {
        try {
            out(text);
        } catch (const rt::RuntimeError&) {
            throw;  // from a run() the sink made itself
        } catch (const Error& e) {
            rt::raise(api::to_runtime_kind(e.kind()), e.message());
        } catch (const std::bad_alloc&) {
            rt::raise(rt::ErrorKind::OutOfMemory, "the host's output ran out of memory");
        } catch (const std::exception& e) {
            rt::raise(rt::ErrorKind::CustomError,
                      std::string("the host's output failed: ") + e.what());
        } catch (...) {
            rt::raise(rt::ErrorKind::CustomError,
                      "the host's output failed with a non-standard exception");
        }
    };
}

}  // namespace

namespace {
constexpr const char* kNoModules =
    "this engine reads no module files (its host sets Config::module_root, "
    "C: gw_config.module_root, to allow them; a script run with run_file may summon "
    "modules from its own folder)";
}  // namespace

struct Engine::State : std::enable_shared_from_this<Engine::State> {
    explicit State(Config config);

    // Declared before `runtime`: the heap gives its chunks back through it when destroyed.
    ChunkSource chunk_source;
    // The host's print/println sink (guarded), called through the runtime's: dropped with the
    // host functions when the Engine goes.
    std::function<void(std::string_view)> output;
    rt::Runtime runtime;
    interp::Interpreter interpreter;
    std::deque<HostRecord> hosts;   // stable addresses: each Native's data points at one
    bool host_module_root = false;  // Config::module_root was given
    // Calls on the engine that run script code, in progress (host functions nest them), and
    // the engine's own reference when it was destroyed during one: the outermost call drops it.
    int running = 0;
    std::shared_ptr<State> parked;
    std::size_t memory_limit = 0;  // Config::memory_limit: run_file reads no larger source

    static rt::RuntimeConfig runtime_config(Config& c, State& self) {
        rt::RuntimeConfig rc;
        rc.memory_limit = c.memory_limit;
        if (c.output) {
            self.output = guard_output(std::move(c.output));
            rc.output = [&self](std::string_view text) {
                if (self.output) self.output(text);
            };
        }
        if (self.chunk_source) {
            rc.chunk_alloc = acquire_chunk;
            rc.chunk_free = release_chunk;
            rc.chunk_user = &self.chunk_source;
        }
        return rc;
    }
    static interp::vm::VmLimits vm_limits(const Config& c) {
        interp::vm::VmLimits limits;
        if (c.max_call_depth) limits.max_frames = c.max_call_depth;
        return limits;
    }
};

Engine::State::State(Config config)
    : chunk_source(std::move(config.chunk_source)),
      runtime(runtime_config(config, *this)),
      interpreter(runtime, vm_limits(config)) {
    runtime.step_limit = config.step_limit;
    memory_limit = config.memory_limit;
    // Scripts reach no file unless the host says where: without a module root the VM would
    // take modules from the process's current directory. (run_file lifts this for its file.)
    host_module_root = !config.module_root.empty();
    if (host_module_root) {
        interpreter.vm().set_module_root(std::move(config.module_root), true);
    } else {
        interpreter.vm().refuse_modules(kNoModules);
    }
}

namespace {

// While run_file runs a script in an engine whose host named no module root: the script
// summons modules from its own folder and nothing outside it, as LANGUAGE.md §14.1 and the
// glimmer command do (the host chose that file, and so its folder); afterwards modules are
// off again, so a script run from a string still reads no file.
class FileModuleRoot {
  public:
    FileModuleRoot(interp::vm::Vm& vm, const std::string& path)
        : vm_(vm), root_(vm.module_root()), refused_(vm.modules_refused()) {
        std::filesystem::path dir = std::filesystem::path(path).parent_path();
        vm_.set_module_root(dir.empty() ? std::string(".") : dir.string());
        vm_.refuse_modules("");
    }
    ~FileModuleRoot() {  // as before, also when a host function ran a file inside a file
        vm_.set_module_root(std::move(root_));
        vm_.refuse_modules(std::move(refused_));
    }
    FileModuleRoot(const FileModuleRoot&) = delete;
    FileModuleRoot& operator=(const FileModuleRoot&) = delete;

  private:
    interp::vm::Vm& vm_;
    std::string root_;
    std::string refused_;
};

}  // namespace

// A handle is one more holder of its value, so the value is marked shared: a script's in-place
// update of the variable that also holds it (`set xs to list_push(xs, v)`, `set s to s + t`)
// then copies rather than change what the host holds.
struct Handle::Impl {
    Impl(std::shared_ptr<Engine::State> s, rt::Value v)
        : state(std::move(s)), handle(state->runtime, shared(v)) {}
    static rt::Value shared(rt::Value v) {
        if (v.is_object()) v.as_object()->flags |= rt::kFlagShared;
        return v;
    }
    std::shared_ptr<Engine::State> state;  // declared first: destroyed after `handle`
    rt::Handle handle;
};

namespace {

// After an OutOfMemory has unwound every script frame, collect at once: the funnel never
// collects by itself, so without this the next compile could find the heap still full of the
// failed script's garbage.
void recover_memory(Engine::State* state) noexcept {
    if (!state || state->interpreter.vm().frame_depth() != 0) return;
    try {
        state->runtime.collect();
    } catch (...) {
        // Nothing to give back; the next request reports OutOfMemory itself.
    }
}

// Runs `body`, turning whatever the pipeline throws into a glimmer::Error.
template <class Body>
auto guarded(Engine::State* state, std::string_view source_name, Body&& body) -> decltype(body()) {
    try {
        return body();
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::OutOfMemory) recover_memory(state);
        throw;
    } catch (const interp::SyntaxError& e) {
        throw Error(ErrorKind::SyntaxError, e.what(), std::string(source_name), e.location().line,
                    e.location().column);
    } catch (const rt::RuntimeError& e) {
        Error converted = api::from_runtime_error(e);
        if (e.kind() == rt::ErrorKind::OutOfMemory) recover_memory(state);
        throw converted;
    } catch (const heap::HeapError& e) {
        recover_memory(state);
        throw Error(ErrorKind::OutOfMemory, e.what());
    } catch (const std::bad_alloc&) {
        recover_memory(state);
        throw Error(ErrorKind::OutOfMemory, "the system is out of memory");
    }
}

// guarded() for run, run_file and evaluate: an error with no location of its own (OutOfMemory
// while compiling, a result nested too deep to convert) names at least the script, as a syntax
// error does; it said only "Runtime error: OutOfMemory: ...", whichever script of many it was.
template <class Body>
auto script_guarded(Engine::State* state, std::string_view name, Body&& body) -> decltype(body()) {
    try {
        return guarded(state, name, std::forward<Body>(body));
    } catch (const Error& e) {
        if (e.line() != 0 || !e.file().empty()) throw;
        throw Error(e.kind(), e.message(), std::string(name), 0, 0, e.stack());
    }
}

// The VM's view of a host function: converts the arguments, calls, converts the result, and
// turns every exception into a RuntimeError located at the call by the VM (an Error from a
// nested run or call keeps its own location and frames: raise_in_script).
rt::Value host_trampoline(rt::Runtime& runtime, rt::Value* args, std::uint32_t count, void* data) {
    auto& record = *static_cast<HostRecord*>(data);
    try {
        std::vector<Value> host_args;
        host_args.reserve(count);
        for (std::uint32_t i = 0; i < count; ++i)
            host_args.push_back(api::to_host(args[i]));
        Value result = record.fn(std::span<const Value>(host_args));
        return api::to_runtime(runtime, result);
    } catch (const rt::RuntimeError&) {
        throw;
    } catch (const Error& e) {
        api::raise_in_script(e);
    } catch (const std::bad_alloc&) {
        rt::raise(rt::ErrorKind::OutOfMemory,
                  "host function '" + record.name + "' ran out of memory");
    } catch (const std::exception& e) {
        rt::raise(rt::ErrorKind::CustomError,
                  "host function '" + record.name + "' failed: " + e.what());
    } catch (...) {
        rt::raise(rt::ErrorKind::CustomError,
                  "host function '" + record.name + "' threw a non-standard exception");
    }
}

// A host-supplied name as quoted in an error message: control bytes (a NUL cut what() short)
// and DEL as \xHH, everything else as given.
std::string printable(std::string_view name) {
    std::string out;
    out.reserve(name.size());
    for (char c : name) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x20 && byte != 0x7f) {
            out += c;
            continue;
        }
        constexpr const char* kHex = "0123456789abcdef";
        out += "\\x";
        out += kHex[byte >> 4];
        out += kHex[byte & 0xf];
    }
    return out;
}

bool is_identifier(std::string_view name) {
    if (name.empty()) return false;
    auto alpha = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    };
    if (!alpha(name[0])) return false;
    for (char c : name) {
        if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
    }
    return true;
}

// A keyword lexes as itself, so a global named by one ("chant", "range") could never be read or
// called by a script: registering it would succeed and do nothing.
bool is_keyword(std::string_view name) {
    namespace lx = interp::lexer;
    for (auto k = static_cast<int>(lx::TokenKind::Bind);
         k <= static_cast<int>(lx::TokenKind::Descending); ++k) {
        if (lx::spelling(static_cast<lx::TokenKind>(k)) == name) return true;
    }
    return false;
}

// The most parameters a chant may have (the parser's kMaxParameters): a host function needing
// more could never be called by a script, so registering one is a mistake the host hears of.
constexpr int kMaxHostArity = 250;

// Every method that takes a global's name refuses a name no script could write, as
// InvalidArgument naming the method (`call`): looking one up gave UndefinedVariable, as if the
// script had just not defined it. The C API renames the method to its own (c_api.cpp).
void check_name(std::string_view call, std::string_view what, std::string_view name) {
    if (name.empty()) {
        throw Error(ErrorKind::InvalidArgument,
                    std::string(call) + ": the " + std::string(what) + " name is empty");
    }
    if (!is_identifier(name)) {
        throw Error(ErrorKind::InvalidArgument,
                    std::string(call) + ": " + std::string(what) + " name '" + printable(name) +
                        "' is not an identifier (a letter or _, then letters, digits, _)");
    }
    if (is_keyword(name)) {
        throw Error(ErrorKind::InvalidArgument, std::string(call) + ": " + std::string(what) +
                                                    " name '" + std::string(name) +
                                                    "' is a keyword, which no script can name");
    }
}

// The arguments of a call as script values. One that cannot go back into a script (a host
// copy of a function) names the method and its index, as the C API's NULL checks do.
std::vector<rt::Value> convert_args(rt::Runtime& runtime, std::span<const Value> args) {
    std::vector<rt::Value> converted;
    converted.reserve(args.size());
    for (std::size_t i = 0; i < args.size(); ++i) {
        try {
            converted.push_back(api::to_runtime(runtime, args[i]));
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::TypeError) throw;
            throw Error(e.kind(), "call: args[" + std::to_string(i) + "]: " + e.message());
        }
    }
    return converted;
}

}  // namespace

// ---------------------------------------------------------------- Engine

Engine::Engine(Config config) {
    if (static_cast<bool>(config.chunk_source.acquire) !=
        static_cast<bool>(config.chunk_source.release)) {
        throw Error(ErrorKind::InvalidArgument,
                    "the chunk source needs both functions, acquire and release (or neither)");
    }
    const bool own_source = static_cast<bool>(config.chunk_source);
    try {
        state_ = guarded(nullptr, "<engine>",
                         [&] { return std::make_shared<State>(std::move(config)); });
    } catch (const Error& e) {
        // The heap cannot tell a refusal from memory it cannot use: both are GW_E_NOMEM.
        if (!own_source || e.kind() != ErrorKind::OutOfMemory ||
            e.message().find("GW_E_NOMEM") == std::string::npos) {
            throw;
        }
        throw Error(ErrorKind::OutOfMemory,
                    e.message() +
                        " (creating the engine: the chunk source returned nullptr, or memory "
                        "that is not 16-byte aligned, which the heap cannot use)");
    }
}

namespace {
// When the Engine goes (or the outermost run after it, if a host function destroyed it): the
// host's functions and output sink go now, not with the runtime. One that captured a Handle of
// its own engine made a cycle (state -> function -> Handle -> state), so the runtime and every
// chunk outlived the engine for good. The records stay (each Native points at one): no script
// can call them any more, only an Engine runs scripts. Dropping a function may drop the last
// other reference to the state, hence `keep`; the table is walked by index, as a dying
// function's captures may run code.
void release_host_functions(Engine::State& s) noexcept {
    std::shared_ptr<Engine::State> keep = s.weak_from_this().lock();
    for (std::size_t i = 0; i < s.hosts.size(); ++i) {
        HostFunction dying = std::move(s.hosts[i].fn);
        s.hosts[i].fn = nullptr;
    }
    std::function<void(std::string_view)> dying = std::move(s.output);
    s.output = nullptr;
}

Engine::State& live(const std::shared_ptr<Engine::State>& s) {
    if (!s) throw Error(ErrorKind::InvalidArgument, "this Engine was moved from");
    return *s;
}

// The methods that run script code count themselves in State::running: a host function may
// destroy (or move from) the Engine that is running it, as gw_engine_free may, and ~Engine then
// parks its reference in the state until the outermost run or call returns. Without it the VM
// went on in a freed runtime (UBSan: "member access within address ... which does not point to
// an object of type 'Vm'", then a segfault). A counter, not a shared_ptr copy per call: the copy's
// two atomic operations cost 25 instructions a call (+2.9% on a one-line chant, callgrind).
class Running {
  public:
    explicit Running(Engine::State& s) noexcept : s_(s) { ++s_.running; }
    ~Running() {
        if (--s_.running == 0 && s_.parked) {
            std::shared_ptr<Engine::State> last = std::move(s_.parked);
            release_host_functions(*last);
        }  // the engine was destroyed during this call: its runtime goes here
    }
    Running(const Running&) = delete;
    Running& operator=(const Running&) = delete;

  private:
    Engine::State& s_;
};

// ~Engine and the move-assignment: a state that is running keeps itself until it returns.
void release_state(std::shared_ptr<Engine::State>& state) noexcept {
    if (state && state->running) {
        Engine::State& s = *state;
        s.parked = std::move(state);
    }
    if (state) release_host_functions(*state);
    state.reset();
}
}  // namespace

Engine::~Engine() {
    release_state(state_);
}
Engine::Engine(Engine&&) noexcept = default;
Engine& Engine::operator=(Engine&& other) noexcept {
    if (this != &other) {
        release_state(state_);
        state_ = std::move(other.state_);
    }
    return *this;
}

Value Engine::run(std::string_view code, std::string_view name) {
    State& s = live(state_);
    Running running(s);
    return script_guarded(&s, name, [&] {
        rt::Value v = s.interpreter.run(code, std::string(name));
        return api::to_host(v);
    });
}

Value Engine::run_file(const std::string& path) {
    State& s = live(state_);
    Running running(s);
    std::optional<interp::SourceFile> source;
    try {
        // No source larger than the memory limit can compile in it: stop reading there.
        source.emplace(interp::SourceFile::read(
            path, s.memory_limit ? s.memory_limit : interp::SourceFile::kMaxBytes));
    } catch (const interp::SourceReadError& e) {
        // The message names the path and the reason already; the file is the error's place
        // too ("P: IoError: cannot open 'P': ..."), as for any other error about a script at
        // no line of it (OutOfMemory while compiling: "P: Runtime error: OutOfMemory: ...").
        throw Error(ErrorKind::IoError, e.what(), path);
    } catch (const std::exception& e) {
        throw Error(ErrorKind::IoError, "cannot read '" + path + "': " + e.what(), path);
    }
    std::optional<FileModuleRoot> file_root;
    if (!s.host_module_root) file_root.emplace(s.interpreter.vm(), path);
    return script_guarded(&s, path, [&] { return api::to_host(s.interpreter.run(*source)); });
}

Handle Engine::evaluate(std::string_view code, std::string_view name) {
    State& s = live(state_);
    Running running(s);
    return script_guarded(&s, name, [&] {
        rt::Value v = s.interpreter.run(code, std::string(name));
        return Handle(std::make_shared<Handle::Impl>(s.shared_from_this(), v));
    });
}

Value Engine::call(std::string_view function, std::span<const Value> args) {
    State& s = live(state_);
    Running running(s);
    check_name("call", "function", function);
    return guarded(&s, "<call>", [&] {
        rt::Value f = s.runtime.get_global(function);
        if (f.is_undefined()) {
            throw Error(ErrorKind::UndefinedVariable,
                        "no global function '" + printable(function) + "'");
        }
        std::vector<rt::Value> converted = convert_args(s.runtime, args);
        return api::to_host(s.interpreter.call(f, converted));
    });
}

Value Engine::call(const Handle& callee, std::span<const Value> args) {
    State& s = live(state_);
    Running running(s);
    if (!callee.impl_) throw Error(ErrorKind::InvalidArgument, "call: the Handle is empty");
    if (callee.impl_->state.get() != &s) {
        throw Error(ErrorKind::InvalidArgument,
                    "call: the function's Handle belongs to another Engine");
    }
    return guarded(&s, "<call>", [&] {
        std::vector<rt::Value> converted = convert_args(s.runtime, args);
        return api::to_host(s.interpreter.call(callee.impl_->handle.get(), converted));
    });
}

bool Engine::has_global(std::string_view name) const {
    State& s = live(state_);
    return guarded(&s, name, [&] { return !s.runtime.get_global(name).is_undefined(); });
}

Value Engine::get_global(std::string_view name) const {
    State& s = live(state_);
    check_name("get_global", "global", name);
    return guarded(&s, "<global>", [&] {
        rt::Value v = s.runtime.get_global(name);
        if (v.is_undefined()) {
            throw Error(ErrorKind::UndefinedVariable, "no global '" + printable(name) + "'");
        }
        return api::to_host(v);
    });
}

Handle Engine::global(std::string_view name) {
    State& s = live(state_);
    check_name("global", "global", name);
    return guarded(&s, "<global>", [&] {
        rt::Value v = s.runtime.get_global(name);
        if (v.is_undefined()) {
            throw Error(ErrorKind::UndefinedVariable, "no global '" + printable(name) + "'");
        }
        return Handle(std::make_shared<Handle::Impl>(state_, v));
    });
}

void Engine::set_global(std::string_view name, const Value& value) {
    State& s = live(state_);
    check_name("set_global", "global", name);
    guarded(&s, "<global>", [&] {
        rt::Value v;
        try {
            v = api::to_runtime(s.runtime, value);
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::TypeError) throw;
            throw Error(e.kind(), "set_global: the value: " + e.message());
        }
        s.runtime.define_global(name, v);
    });
}

void Engine::register_function(std::string_view name, int arity, HostFunction fn) {
    State& s = live(state_);
    check_name("register_function", "host function", name);
    if (arity < -1 || arity > kMaxHostArity) {
        throw Error(ErrorKind::InvalidArgument,
                    "register_function: host function '" + std::string(name) + "': arity " +
                        std::to_string(arity) + " (from 0 to " + std::to_string(kMaxHostArity) +
                        ", the language's parameter limit, or -1 for any number)");
    }
    if (!fn) {
        throw Error(ErrorKind::InvalidArgument,
                    "register_function: host function '" + std::string(name) + "' is empty");
    }
    HostRecord& record = s.hosts.emplace_back(HostRecord{std::string(name), std::move(fn)});
    try {
        guarded(&s, "<register>",
                [&] { s.runtime.define_native(name, host_trampoline, arity, &record); });
    } catch (...) {
        s.hosts.pop_back();
        throw;
    }
}

void Engine::set_step_limit(std::uint64_t steps) {
    live(state_).runtime.step_limit = steps;
}

void Engine::collect_garbage() {
    State& s = live(state_);
    guarded(&s, "<collect>", [&] { s.runtime.collect(); });
}

MemoryStats Engine::memory_stats() const {
    State& s = live(state_);
    GwHeapStats h = s.runtime.heap().stats();
    MemoryStats m;
    m.footprint_bytes = h.footprint_bytes;
    m.peak_footprint_bytes = h.peak_footprint_bytes;
    m.live_bytes = h.live_bytes;
    m.objects = s.runtime.object_count();
    m.collections = s.runtime.stats().collections;
    return m;
}

// ---------------------------------------------------------------- Handle

namespace {
const Handle::Impl& checked(const std::shared_ptr<Handle::Impl>& impl) {
    if (!impl) throw Error(ErrorKind::InvalidArgument, "empty Handle");
    return *impl;
}
}  // namespace

Value Handle::value() const {
    return api::to_host(checked(impl_).handle.get());
}

std::string Handle::type_name() const {
    return std::string(rt::type_name(checked(impl_).handle.get()));
}

std::string Handle::display() const {
    return rt::display(checked(impl_).handle.get());
}

}  // namespace glimmer
