// vm.hpp — the bytecode interpreter: heap-allocated value stack and call frames, one dispatch
// loop (vm.cpp), error handlers for `attempt`, and the GC roots it owns.
//
// Invariants:
//   * stack_[0, sp_) holds every live Value of every frame (callee slot, locals, temporaries);
//     sp_ is exact whenever a collection can run (safe points: calls, backward jumps, after
//     allocating instructions);
//   * frames_[i].base indexes slot 0 of frame i; stack_[base - 1] holds its closure;
//   * open_ is the list of open upvalues, sorted by stack address descending; each points
//     into stack_ (rebased when the stack grows);
//   * no native recursion per script call: nested script calls only push frames_.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "interpreter/bytecode/opcodes.hpp"
#include "runtime/runtime.hpp"

namespace glimmer::interp::vm {

struct VmLimits {
    std::uint32_t max_frames = 200000;  // deeper -> StackOverflow
};

class Vm : public runtime::RootProvider, public runtime::Caller {
  public:
    explicit Vm(runtime::Runtime& rt, VmLimits limits = {});
    ~Vm() override;
    Vm(const Vm&) = delete;
    Vm& operator=(const Vm&) = delete;

    // Runs a compiled top level (a zero-parameter prototype).
    runtime::Value run(runtime::Prototype* script);
    // Calls any callable value; re-entrant (natives may call back into scripts).
    runtime::Value call(runtime::Value callee, const runtime::Value* args, std::uint32_t count);

    void mark_roots(runtime::Runtime& rt) override;
    // Folder that `summon` paths may not leave (default: the current directory). With
    // `resolve_here`, a summoning script named by a relative path (an embedding's script name,
    // "<string>") counts as being in that folder rather than in the current directory.
    void set_module_root(std::string root, bool resolve_here = false) {
        module_root_ = std::move(root);
        resolve_in_root_ = resolve_here;
    }
    const std::string& module_root() const { return module_root_; }
    // An embedding engine reads no files unless its host names a module root: with modules
    // off, every `summon` is a CustomError that says why (`reason`) and touches no file.
    void refuse_modules(std::string reason) { modules_refused_ = std::move(reason); }
    const std::string& modules_refused() const { return modules_refused_; }
    runtime::Value call_value(runtime::Value callee, const runtime::Value* args,
                              std::uint32_t count) override {
        return call(callee, args, count);
    }
    // A builtin's work on `steps` items, charged to the running call's step budget
    // (StepLimitExceeded when it runs out); nothing when no call is running.
    void charge_steps(std::uint64_t steps) override;
    runtime::Runtime& runtime() { return rt_; }
    std::size_t frame_depth() const { return frames_.size(); }

  private:
    struct Frame {
        runtime::Closure* closure;
        const std::uint32_t* ip;  // the current instruction while running, else the return address
        std::uint32_t base;
    };
    // The call frames: a plain array on the runtime's resource whose push and pop inline into
    // the dispatch loop (std::vector's push_back is out-of-line there). Only reserve() and the
    // destructor allocate or free; push_back needs size() < capacity().
    class FrameStack {
      public:
        explicit FrameStack(std::pmr::memory_resource* r) : resource_(r) {}
        ~FrameStack() {
            if (data_) resource_->deallocate(data_, capacity_ * sizeof(Frame), alignof(Frame));
        }
        FrameStack(const FrameStack&) = delete;
        FrameStack& operator=(const FrameStack&) = delete;
        std::size_t size() const { return size_; }
        std::size_t capacity() const { return capacity_; }
        bool empty() const { return size_ == 0; }
        Frame& back() { return data_[size_ - 1]; }
        Frame& operator[](std::size_t i) { return data_[i]; }
        const Frame* begin() const { return data_; }
        const Frame* end() const { return data_ + size_; }
        void push_back(const Frame& f) { data_[size_++] = f; }
        void pop_back() { --size_; }
        void shrink_to(std::size_t n) { size_ = n; }  // n <= size()
        // Empty and holding room for more than `keep` frames: gives the array back.
        void release_above(std::size_t keep) noexcept {
            if (size_ || capacity_ <= keep) return;
            resource_->deallocate(data_, capacity_ * sizeof(Frame), alignof(Frame));
            data_ = nullptr;
            capacity_ = 0;
        }
        void reserve(std::size_t n) {
            if (n <= capacity_) return;
            auto* fresh =
                static_cast<Frame*>(resource_->allocate(n * sizeof(Frame), alignof(Frame)));
            if (size_) std::memcpy(static_cast<void*>(fresh), data_, size_ * sizeof(Frame));
            if (data_) resource_->deallocate(data_, capacity_ * sizeof(Frame), alignof(Frame));
            data_ = fresh;
            capacity_ = n;
        }

      private:
        std::pmr::memory_resource* resource_;
        Frame* data_ = nullptr;
        std::size_t size_ = 0;
        std::size_t capacity_ = 0;
    };
    struct Handler {
        std::uint32_t frame;   // index into frames_
        std::uint32_t sp;      // stack height to restore
        std::uint32_t target;  // handler code offset
    };

    runtime::Value execute(std::size_t stop_depth);
    // Natives and variant constructors (never pushes a frame).
    runtime::Value call_other(runtime::Value callee, runtime::Value* args, std::uint32_t argc);
    // call_other with a builtin's rt_.fail() left pending in rt_ (the two above take it).
    runtime::Value call_other_pending(runtime::Value callee, runtime::Value* args,
                                      std::uint32_t argc);
    // call_other for dispatch(): a RuntimeError it raises is caught here and moved to raised_
    // (result undefined(), raised_ set), so the C++ unwinder never walks
    // dispatch()'s large frame for it.
    runtime::Value call_other_caught(runtime::Value callee, runtime::Value* args,
                                     std::uint32_t argc);
    // dispatch()'s vm_error: recover into a handler for raised_, or throw it (vm.cpp).
    [[gnu::cold, gnu::noinline]] void handle_raised(std::size_t stop_depth);
    // raised_ := a new RuntimeError (out of line: keeps the instructions that raise small).
    [[gnu::cold, gnu::noinline]] void set_raised(runtime::ErrorKind kind, std::string_view message);
    runtime::Value dispatch(std::size_t stop_depth);
    bool recover(runtime::RuntimeError& e, std::size_t stop_depth);
    void locate(runtime::RuntimeError& e);
    runtime::StackEntry stack_entry(std::size_t frame_index);
    void record_unwound(runtime::RuntimeError& e, std::size_t depth);
    void ensure_stack(std::size_t needed);
    // After a top-level run or call: the stack and frame array back to their starting sizes.
    void release_growth() noexcept;
    static constexpr std::size_t kInitialStack = 1024;  // Values
    static constexpr std::size_t kKeptFrames = 1024;    // frames kept between runs
    runtime::Upvalue* capture(runtime::Value* slot);
    void close_upvalues(runtime::Value* from);
    void prepare_args(runtime::Closure* c, std::size_t args_index, std::uint32_t argc,
                      std::uint32_t moved_mask = bytecode::kNoMove);
    void push_frame(runtime::Closure* c, runtime::Value* args, std::uint32_t argc,
                    std::uint32_t moved_mask = bytecode::kNoMove);

    runtime::Runtime& rt_;
    VmLimits limits_;
    runtime::Value* stack_ = nullptr;
    std::size_t capacity_ = 0;
    runtime::Value* sp_ = nullptr;
    FrameStack frames_;
    std::pmr::vector<Handler> handlers_;
    runtime::Upvalue* open_ = nullptr;
    std::optional<runtime::RuntimeError> pending_;  // the error a handler is deciding on
    std::optional<runtime::RuntimeError> raised_;   // dispatch(): raised, not yet handled
    std::uint64_t steps_left_ = 0;
    std::uint64_t step_limit_in_force_ = 0;  // rt_.step_limit when the outermost run began
    // The step limit was reached in this outermost run: raised again when a native returns,
    // so a host function that swallowed it cannot hide it (cleared when nothing runs).
    bool step_limit_hit_ = false;
    // limits_.max_frames + the top-level frames (host runs, module loads) on frames_ now: only
    // script calls count against the limit.
    std::size_t frame_limit_;
    // Set by run() for the call() that runs a top level: the host's run of a script is not a
    // call, so it is no step, where the host's call of a function is one (as the same call
    // from a script is). call() clears it.
    bool next_call_is_top_level_ = false;
    // StepLimitExceeded, naming the limit (steps_left_ has run out).
    [[noreturn, gnu::cold, gnu::noinline]] void step_limit_reached();
    // Re-entries (a host function or builtin calling back into a script) recurse on the native
    // stack, about 1.2 KiB each: as many as the running thread's stack holds, keeping
    // kNativeStackReserve bytes of it (an 8 MiB main thread: about 6,800; a 512 KiB host
    // thread: about 360; the glimmer command runs scripts on a larger stack). Where the
    // stack's bounds cannot be known, at most kMaxReentryUnknownStack. Both are StackOverflow.
    static constexpr std::size_t kNativeStackReserve = 64 * 1024;
    static constexpr std::uint32_t kMaxReentryUnknownStack = 400;
    // Vm::call activations in progress: 0 = nothing of this engine runs. Every one past the
    // first is a re-entry (a script or host function called back from a host function or
    // builtin, a module loading), and checks the native stack first, whatever it calls.
    std::uint32_t reentry_ = 0;
    // The bounds of the native stack last seen (pthread_getattr_np), asked again whenever the
    // engine runs on a stack outside them (another thread); both null if unknown.
    const char* stack_low_ = nullptr;
    const char* stack_high_ = nullptr;
    bool native_stack_short();
    const std::uint32_t* oom_retry_ip_ = nullptr;  // instruction last retried after OOM
    std::uint64_t oom_retry_collections_ = 0;
    std::uint64_t oom_retry_steps_left_ = 0;  // steps_left_ then (it counts down)
    std::string module_root_;
    bool resolve_in_root_ = false;      // see set_module_root
    std::string modules_refused_;       // non-empty: summon is off, and this says why
    std::vector<std::string> loading_;  // module files being loaded, outermost first

    runtime::Value unbound_fallback(runtime::String* name, bool in_module);
    runtime::Value load_module(std::string_view path, std::string_view from_file);
    runtime::Value run_module(std::string_view path, const std::filesystem::path& full,
                              const std::filesystem::path& target, runtime::String* key_text);
};

}  // namespace glimmer::interp::vm
