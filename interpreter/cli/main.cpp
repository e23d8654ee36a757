// main.cpp — the `glimmer` command: argument parsing, exit codes and the words of
// LANGUAGE.md §1. Everything else is Interpreter (vm/interpreter.hpp).
//
//   exit 0  success;  1  syntax or runtime error;  2  bad usage or unreadable file
#include <pthread.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <iterator>
#include <new>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "heap/heap.hpp"
#include "heap/memory_budget.hpp"
#include "interpreter/bytecode/opcodes.hpp"
#include "interpreter/compiler/compiler.hpp"
#include "interpreter/lexer/lexer.hpp"
#include "interpreter/parser/ast_dump.hpp"
#include "interpreter/parser/parser.hpp"
#include "interpreter/vm/interpreter.hpp"
#ifdef GLIMMER_HAVE_REPL
#include "interpreter/repl/repl.hpp"
#endif

namespace {

using namespace glimmer;

constexpr const char* kUsage =
    "usage: glimmer [options] FILE [ARGS...]\n"
    "       glimmer [options] -e CODE\n"
    "       glimmer [options] -          (read the script from standard input)\n"
    "       glimmer [options]            (the REPL: echoes each input's value; line editing on a "
    "terminal)\n"
    "options:\n"
    "  --help              show this help\n"
    "  --version           show the version\n"
    "  --heap-stats        print heap and collector figures to stderr at exit\n"
    "  --full-errors       report an error with its source line, a caret and the call stack, not\n"
    "                      in one line (the default when stderr is a terminal)\n"
    "  --trace-out FILE    record every heap request as a trace (.gwt, tag = object kind)\n"
    "  --memory-limit N    cap the heap at N bytes (suffix K, M or G allowed; default: 3/4 of\n"
    "                      the memory available at start, so a script that grows without end\n"
    "                      ends with OutOfMemory instead of being killed)\n"
    "  --step-limit N      stop the script with StepLimitExceeded after N steps: a call or a\n"
    "                      loop iteration is one step, and a builtin that walks 1024 items\n"
    "                      or more (join, split, repeat...) one step per item;\n"
    "                      attempt cannot catch it, so a script cannot outrun the limit\n"
    "  --gc-stress         collect at every safe point after an allocation\n"
    "  --module-root DIR   summon may load modules only inside DIR (default: the script's folder)\n"
    "  --dump-tokens       print the tokens and stop\n"
    "  --dump-ast          print the syntax tree and stop\n"
    "  --dump-bytecode     print the bytecode and stop\n";

struct Options {
    std::optional<std::string> file;
    std::optional<std::string> code;
    bool from_stdin = false;
    bool repl = false;
    std::vector<std::string> args;
    bool heap_stats = false;
    bool full_errors = false;
    std::optional<std::string> trace_out;
    std::size_t memory_limit = 0;
    std::uint64_t step_limit = 0;
    bool gc_stress = false;
    std::optional<std::string> module_root;
    bool dump_tokens = false, dump_ast = false, dump_bytecode = false;
};

// Without --memory-limit, the heap may take three quarters of what the machine (or the memory
// control group glimmer runs in) has available when it starts. Past what is available the
// kernel does not refuse memory, it kills the process: a script that grows without end would
// die by SIGKILL instead of ending with an OutOfMemory error it (or the user) can handle. The
// quarter left over is for glimmer's own memory outside the heap and for the rest of the system.
std::size_t default_memory_limit() {
    const std::uint64_t available = heap::memory_available();
    const std::uint64_t limit = available / 4 * 3;
    return static_cast<std::size_t>(std::max<std::uint64_t>(limit, GW_HEAP_ALLOC_BYTES));
}

[[noreturn]] void usage_error(const std::string& message) {
    std::cerr << "glimmer: " << message << "\n" << kUsage;
    std::exit(2);
}

bool parse_size(const std::string& text, std::size_t& out) {
    if (text.empty()) return false;
    std::size_t i = 0;
    unsigned long long n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        if (n > (1ULL << 50)) return false;
        n = n * 10 + static_cast<unsigned>(text[i] - '0');
        ++i;
    }
    if (i == 0) return false;
    std::string suffix = text.substr(i);
    unsigned shift = 0;
    if (suffix == "K" || suffix == "k")
        shift = 10;
    else if (suffix == "M" || suffix == "m")
        shift = 20;
    else if (suffix == "G" || suffix == "g")
        shift = 30;
    else if (!suffix.empty())
        return false;
    if (n > (~0ULL >> shift)) return false;  // 2^44 M would wrap to a small limit
    n <<= shift;
    out = static_cast<std::size_t>(n);
    return true;
}

// A decimal count of at least 1, digits only, that fits 64 bits.
bool parse_count(const std::string& text, std::uint64_t& out) {
    if (text.empty() || text.size() > 19) return false;
    for (char c : text)
        if (c < '0' || c > '9') return false;
    out = std::stoull(text);
    return out >= 1;
}

Options parse_options(int argc, char** argv) {
    Options o;
    int i = 1;
    for (; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            std::cout << kUsage;
            std::exit(0);
        } else if (a == "--version") {
            std::cout << "glimmer 0.1.0 (Glimmer-Weave on an x86-64 assembly heap)\n";
            std::exit(0);
        } else if (a == "--heap-stats") {
            o.heap_stats = true;
        } else if (a == "--full-errors") {
            o.full_errors = true;
        } else if (a == "--gc-stress") {
            o.gc_stress = true;
        } else if (a == "--module-root") {
            if (++i >= argc) usage_error("--module-root needs a folder");
            // A mistyped root would only show as "module not found" at some later summon.
            std::error_code ec;
            if (!std::filesystem::is_directory(argv[i], ec)) {
                usage_error(std::string("--module-root '") + argv[i] + "' is not a folder" +
                            (ec ? ": " + ec.message() : std::string()));
            }
            o.module_root = argv[i];
        } else if (a == "--dump-tokens") {
            o.dump_tokens = true;
        } else if (a == "--dump-ast") {
            o.dump_ast = true;
        } else if (a == "--dump-bytecode") {
            o.dump_bytecode = true;
        } else if (a == "--trace-out") {
            if (++i >= argc) usage_error("--trace-out needs a file name");
            o.trace_out = argv[i];
        } else if (a == "--memory-limit") {
            if (++i >= argc) usage_error("--memory-limit needs a byte count");
            if (!parse_size(argv[i], o.memory_limit) || o.memory_limit == 0) {
                usage_error(std::string("bad --memory-limit '") + argv[i] + "'");
            }
            if (o.memory_limit < GW_HEAP_ALLOC_BYTES) {
                // The heap's own record comes out of the limit: a smaller one cannot hold it.
                usage_error("--memory-limit " + std::to_string(o.memory_limit) +
                            " is below the heap's own record of " +
                            std::to_string(GW_HEAP_ALLOC_BYTES) + " bytes");
            }
        } else if (a == "--step-limit") {
            if (++i >= argc) usage_error("--step-limit needs a step count");
            if (!parse_count(argv[i], o.step_limit)) {
                usage_error(std::string("bad --step-limit '") + argv[i] +
                            "' (a whole number from 1)");
            }
        } else if (a == "-e") {
            if (++i >= argc) usage_error("-e needs code");
            o.code = argv[i];
            ++i;
            break;
        } else if (a == "-") {
            o.from_stdin = true;
            ++i;
            break;
        } else if (a.size() > 1 && a[0] == '-') {
            usage_error("unknown option '" + a + "'");
        } else {
            o.file = a;
            ++i;
            break;
        }
    }
    for (; i < argc; ++i)
        o.args.emplace_back(argv[i]);
    // No script named: the REPL (LANGUAGE.md §1), with line editing on a terminal; `-` reads a
    // script from standard input instead.
    if (!o.file && !o.code && !o.from_stdin) o.repl = true;
    if (o.repl) {
        // Options that act on a script: the REPL would run without them, silently.
        const char* for_a_script = o.trace_out       ? "--trace-out"
                                   : o.heap_stats    ? "--heap-stats"
                                   : o.module_root   ? "--module-root"
                                   : o.dump_tokens   ? "--dump-tokens"
                                   : o.dump_ast      ? "--dump-ast"
                                   : o.dump_bytecode ? "--dump-bytecode"
                                                     : nullptr;
        if (for_a_script) {
            usage_error(std::string(for_a_script) +
                        " needs a script (FILE, -e CODE, or - for standard input); the REPL "
                        "does not take it");
        }
    }
    if (o.memory_limit == 0) o.memory_limit = default_memory_limit();
    return o;
}

// The trace header's "source:" words: the script (or `-e` and its code, on one line) and its
// arguments, so that the header says how to record the trace again.
std::string trace_source(const Options& o, const std::string& name) {
    std::string words = name;
    if (o.code) {
        words = "-e ";
        interp::append_on_one_line(words, *o.code);
    }
    for (const std::string& a : o.args)
        words += " " + a;
    return words;
}

// Writes every heap request as a trace record (shared/TRACE-FORMAT.md). A name ending in .gz
// is gzip-compressed; otherwise zlib writes the text as it is ("T"). A write that fails is
// remembered and reported when the file is closed: a trace is never cut short silently.
class TraceWriter : public runtime::AllocationObserver {
  public:
    static std::optional<TraceWriter> open(const std::string& path, const std::string& source) {
        const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
        gzFile out = gzopen(path.c_str(), gz ? "wb6" : "wbT");
        if (!out) return std::nullopt;
        TraceWriter w(out);
        w.write("# glimmer-trace v1\n# source: glimmer %s\n", source.c_str());
        return w;
    }
    TraceWriter(TraceWriter&& other) noexcept
        : out_(std::exchange(other.out_, nullptr)),
          ids_(std::move(other.ids_)),
          next_(other.next_),
          failed_(other.failed_) {}
    TraceWriter& operator=(TraceWriter&&) = delete;
    ~TraceWriter() {
        if (out_) gzclose(out_);
    }

    void on_allocate(const void* p, std::size_t bytes, runtime::ObjectKind kind) override {
        std::uint64_t id = next_++;
        ids_[p] = id;
        write("a %llu %zu %d\n", static_cast<unsigned long long>(id), bytes,
              static_cast<int>(kind));
    }
    void on_resize(const void* old_p, const void* new_p, std::size_t bytes) override {
        auto it = ids_.find(old_p);
        if (it == ids_.end()) return;
        std::uint64_t id = it->second;
        ids_.erase(it);
        ids_[new_p] = id;
        write("r %llu %zu\n", static_cast<unsigned long long>(id), bytes);
    }
    void on_free(const void* p) override {
        auto it = ids_.find(p);
        if (it == ids_.end()) return;
        write("f %llu\n", static_cast<unsigned long long>(it->second));
        ids_.erase(it);
    }

    // Flushes and closes the file; false if any write (or the close) failed.
    bool close() {
        int closed = gzclose(std::exchange(out_, nullptr));
        return !failed_ && closed == Z_OK;
    }

  private:
    explicit TraceWriter(gzFile out) : out_(out) {}
    template <typename... Args>
    void write(const char* format, Args... args) {
        if (!failed_ && gzprintf(out_, format, args...) <= 0) failed_ = true;
    }

    gzFile out_;
    std::unordered_map<const void*, std::uint64_t> ids_;
    std::uint64_t next_ = 1;
    bool failed_ = false;
};

void print_heap_stats(runtime::Runtime& rt, std::size_t memory_limit) {
    GwHeapStats h = rt.heap().stats();
    const runtime::GcStats& g = rt.stats();
    std::fprintf(stderr,
                 "heap: live %zu bytes (peak %zu), footprint %zu bytes (peak %zu, limit %zu), "
                 "%zu allocations, %zu frees\n"
                 "gc: %llu collections (%llu full), %llu objects freed, %zu objects live, funnel "
                 "%llu requests, "
                 "%zu bytes live (peak %zu)\n",
                 h.live_bytes, h.peak_live_bytes, h.footprint_bytes, h.peak_footprint_bytes,
                 memory_limit, h.alloc_count, h.free_count,
                 static_cast<unsigned long long>(g.collections),
                 static_cast<unsigned long long>(g.full_collections),
                 static_cast<unsigned long long>(g.objects_freed), rt.object_count(),
                 static_cast<unsigned long long>(g.allocations), g.bytes_live, g.bytes_peak);
}

int run(const Options& o) {
    std::optional<interp::SourceFile> source;
    try {
        if (o.code) {
            source.emplace("<-e>", *o.code);
        } else if (o.from_stdin) {
            std::string text((std::istreambuf_iterator<char>(std::cin)),
                             std::istreambuf_iterator<char>());
            source.emplace("<stdin>", std::move(text));
        } else {
            source.emplace(interp::SourceFile::read(*o.file));
        }
    } catch (const std::exception& e) {
        std::cerr << "glimmer: " << e.what() << "\n";  // SourceReadError names the file and why
        return 2;
    }

    if (o.trace_out && o.file) {
        std::error_code same_error;
        if (std::filesystem::equivalent(*o.trace_out, *o.file, same_error)) {
            usage_error("--trace-out " + *o.trace_out +
                        " is the script itself; the trace would overwrite it");
        }
    }
    std::optional<TraceWriter> writer =
        o.trace_out ? TraceWriter::open(*o.trace_out, trace_source(o, source->name()))
                    : std::nullopt;
    if (o.trace_out) {
        if (!writer) {
            std::cerr << "glimmer: cannot write trace '" << *o.trace_out
                      << "': " << std::strerror(errno) << "\n";
            return 2;
        }
    }

    // §1: an error is one line on stderr, which is what scripts and harnesses read; a person at
    // a terminal (or --full-errors) also sees the source line and the call stack.
    const interp::ErrorDetail error_detail = o.full_errors || isatty(STDERR_FILENO) != 0
                                                 ? interp::ErrorDetail::Full
                                                 : interp::ErrorDetail::Line;
    int status = 0;
    {
        runtime::RuntimeConfig config;
        config.memory_limit = o.memory_limit;
        config.gc_stress = o.gc_stress;
        if (writer) config.observer = &*writer;
        runtime::Runtime rt(std::move(config));
        rt.step_limit = o.step_limit;
        try {
            if (o.dump_tokens) {
                std::cout << interp::lexer::dump_tokens(*source, rt.resource());
                return 0;
            }
            if (o.dump_ast) {
                std::cout << interp::parser::dump_ast(
                    interp::parser::parse(*source, rt.resource()));
                return 0;
            }
            interp::Interpreter in(rt);
            in.set_sole_program(true);  // no REPL input or host reads a global after an error
            if (o.module_root) in.vm().set_module_root(*o.module_root);
            if (o.dump_bytecode) {
                std::cout << interp::bytecode::disassemble(*in.compile(*source));
                return 0;
            }
            runtime::List* args = rt.new_list();
            for (const std::string& a : o.args)
                rt.list_append(args, rt.text(a));
            rt.define_global("args", runtime::Value::object(args));
            in.run(*source);
            std::fflush(stdout);
        } catch (const interp::SyntaxError& e) {
            std::fflush(stdout);
            std::cerr << interp::format_diagnostic(*source, e, error_detail);
            status = 1;
        } catch (const runtime::RuntimeError& e) {
            std::fflush(stdout);
            rt.release_emergency_reserve();  // the report is made with malloc
            try {
                std::cerr << interp::Interpreter::format_runtime_error(*source, e, error_detail);
            } catch (const std::bad_alloc&) {
                // Still no memory: the error's first line alone, printed without allocating.
                const std::string_view kind = runtime::error_kind_name(e.kind());
                if (e.located) std::fprintf(stderr, "%s:%u:%u: ", e.file.c_str(), e.line, e.column);
                std::fprintf(stderr, "Runtime error: %.*s: %s", static_cast<int>(kind.size()),
                             kind.data(), e.message().c_str());
                if (e.located && e.line) std::fprintf(stderr, " (line %u)", e.line);
                std::fputc('\n', stderr);
            }
            status = 1;
        } catch (const std::bad_alloc&) {
            // Outside the VM (compiling, the script's arguments) with the system out of memory.
            std::fflush(stdout);
            std::fputs("glimmer: Runtime error: OutOfMemory: the system is out of memory\n",
                       stderr);
            status = 1;
        }
        if (o.heap_stats) print_heap_stats(rt, o.memory_limit);
    }
    // Output that could not be written (a full disk, a closed descriptor) is an error of its
    // own, not a silent success: stdio only records it in the stream's error flag.
    errno = 0;
    const bool flush_failed = std::fflush(stdout) != 0;
    const int flush_errno = errno;
    if (flush_failed || std::ferror(stdout)) {
        std::cerr << "glimmer: cannot write to standard output"
                  << (flush_failed && flush_errno ? std::string(": ") + std::strerror(flush_errno)
                                                  : std::string())
                  << "\n";
        if (status == 0) status = 2;
    }
    if (writer && !writer->close()) {
        std::cerr << "glimmer: writing trace '" << *o.trace_out << "' failed (disk full?)\n";
        return 2;
    }
    return status;
}

// Runs `body` on a thread with a stack of `bytes` (address space: pages are touched only as
// used), or on this thread if no such thread can be made (a tight `ulimit -v`).
int run_on_stack(std::size_t bytes, const std::function<int()>& body) {
    struct Job {
        const std::function<int()>* body;
        int status = 0;
    } job{&body};
    pthread_attr_t attr;
    pthread_t thread;
    bool started = pthread_attr_init(&attr) == 0 && pthread_attr_setstacksize(&attr, bytes) == 0 &&
                   pthread_create(
                       &thread, &attr,
                       [](void* p) -> void* {
                           auto* j = static_cast<Job*>(p);
                           j->status = (*j->body)();
                           return nullptr;
                       },
                       &job) == 0;
    pthread_attr_destroy(&attr);
    if (!started) return body();
    pthread_join(thread, nullptr);
    return job.status;
}

// A script that recurses through builtins calling back into it (iter_fold, sort with a
// comparator) nests on the native stack, about 1.2 KiB a level; script calls alone never do.
// 256 MiB holds as many such levels as the VM allows script frames (200,000).
constexpr std::size_t kScriptStackBytes = std::size_t{256} << 20;

}  // namespace

int main(int argc, char** argv) {
    Options o = parse_options(argc, argv);
    if (o.repl) {
#ifdef GLIMMER_HAVE_REPL
        interp::repl::ReplOptions ro;
        ro.memory_limit = o.memory_limit;
        ro.step_limit = o.step_limit;
        ro.gc_stress = o.gc_stress;
        ro.interactive = isatty(STDIN_FILENO) != 0;
        ro.error_detail = o.full_errors || isatty(STDERR_FILENO) != 0 ? interp::ErrorDetail::Full
                                                                      : interp::ErrorDetail::Line;
        if (ro.interactive) ro.history_file = interp::repl::default_history_file();
        return interp::repl::run_repl(ro);
#else
        usage_error("no script given (this glimmer was built without the REPL: libedit missing)");
#endif
    }
    return run_on_stack(kScriptStackBytes, [&] { return run(o); });
}
