// main.cpp - glimmer-trace: record, run, replay, compare and describe allocation traces.
//
// Exit codes: 0 success, 1 a defective trace, failed replay, failed heap check or script error,
// 2 bad usage. Messages about a file are "FILE:LINE: message" on stderr.
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compare.hpp"
#include "corpus.hpp"
#include "lua_host.hpp"
#if GLIMMER_TRACES_HAVE_GLIMMER
#include "peak.hpp"
#endif
#include "plot.hpp"
#include "replay.hpp"
#include "stats.hpp"

namespace {

using namespace glimmer::traces;
namespace fs = std::filesystem;

constexpr const char* kUsage =
    "usage: glimmer-trace COMMAND [ARGS...]   (glimmer-trace COMMAND --help for more)\n"
    "  record -o OUT.gwt[.gz] SCRIPT.lua [ARGS...]   record Lua 5.4 running SCRIPT\n"
    "  lua SCRIPT.lua [ARGS...] [--heap NAME]         run SCRIPT live on a heap\n"
    "  replay FILE... [--heap NAME] [--repeat N] [--plot OUT.svg]\n"
    "  compare FILE... [--repeat N] [--heaps a,b,...] [--warm]   every heap, side by side\n"
    "  stats FILE...                                    what a trace asks of a heap\n"
    "  peak FILE...                                     the Glimmer heap at its peak footprint\n"
    "  baseline DIR                                     rewrite DIR/footprint-baseline.txt\n"
    "heaps: glimmer, system (glibc), mimalloc, jemalloc\n"
    "Every FILE must be a trace: anything else (a directory, a README) is an error, not skipped.\n"
    "N is decimal digits. `--` ends the options: what follows is FILEs, DIR or SCRIPT and ARGS.\n"
    "A trace's lines (records and # comments alike) are at most 1 MiB each; of its comments\n"
    "only those before the first record are kept (at most 256 lines, 64 KiB).\n";

const std::map<std::string, const char*> kHelp = {
    {"record",
     "usage: glimmer-trace record -o OUT.gwt[.gz] SCRIPT.lua [ARGS...]\n"
     "Runs SCRIPT under Lua 5.4 as lua5.4 runs it (all standard libraries, the collector in\n"
     "generational mode; arg as lua sets it: arg[1..] = ARGS, arg[0] = SCRIPT, arg[-1] .. =\n"
     "this command line before SCRIPT) with a recording allocator and writes its trace:\n"
     "`a ID SIZE [TAG]` (TAG: the Lua type of a new object, none for other blocks),\n"
     "`r ID NEWSIZE`, `f ID`, with the source, event count, peak live bytes and the\n"
     "collector's mode (`# gc: generational`) in the header. OUT ending in .gz is\n"
     "gzip-compressed; OUT is replaced only once the trace is written whole. The records\n"
     "are written as they come (to a scratch file beside OUT, unnamed, then copied after the\n"
     "header), so memory grows with the blocks live at once, not with the trace's length;\n"
     "the disk holds the records twice while they are copied.\n"
     "Options come before SCRIPT (`--` ends them);\n"
     "everything after SCRIPT is the script's. os.exit(N) ends the script, not the recording:\n"
     "the state is closed, the trace written, and glimmer-trace exits with N. A script that\n"
     "fails is recorded up to its error (the header says so), and glimmer-trace exits with 1.\n"
     "One difference from lua5.4 remains: after os.exit(N) without `true`, lua5.4 runs no\n"
     "__gc finalizer, while here they run as the state is closed (so that every block is\n"
     "freed). os.exit(N, true) runs pending <close> handlers, then finalizers, as lua5.4 does.\n"},
    {"lua",
     "usage: glimmer-trace lua SCRIPT.lua [ARGS...] [--heap glimmer|system|mimalloc|jemalloc]\n"
     "Runs SCRIPT under Lua 5.4 with the chosen heap as its allocator (default glimmer). The\n"
     "script's output goes to stdout; the heap's figures follow on stderr (on the Glimmer heap,\n"
     "with its own check, gw_heap_check, after the state is closed). `--` ends the\n"
     "options: everything after it goes to the script. arg is set as lua sets it. os.exit(N)\n"
     "ends the script: the state is closed, the figures printed, and the exit status is N.\n"
     "The collector runs in generational mode, as under lua5.4. One difference remains:\n"
     "after os.exit(N) without `true`, lua5.4 runs no __gc finalizer, while here they run as\n"
     "the state is closed (so that every block is freed).\n"},
    {"replay",
     "usage: glimmer-trace replay FILE... [--heap NAME] [--repeat N] [--plot OUT.svg]\n"
     "Replays each trace on the heap (default glimmer) once with the full content check (and\n"
     "on the Glimmer heap its own check, gw_heap_check), untimed, then N more times with a\n"
     "light check, timed (default N = 3, at most 1000); prints events, ns/event (the median\n"
     "of the N timed runs), the page faults of a timed run (median: first touches of memory,\n"
     "which a fresh heap pays in its time), peak live, peak footprint and their ratio (n/a\n"
     "when nothing is ever live). --plot draws live bytes and footprint over the trace (one\n"
     "trace only). Every FILE must be a trace: anything else (a directory, a README) is\n"
     "reported as FILE: or FILE:LINE: message, the other files are still replayed, and the\n"
     "exit status is 1.\n"},
    {"compare",
     "usage: glimmer-trace compare FILE... [--repeat N] [--heaps glimmer,system,...] [--warm]\n"
     "Replays every trace on every heap built in, interleaved, N timed rounds (default 5, at\n"
     "most 1000), and prints ns/event (median), peak footprint and page faults (median) per\n"
     "trace and heap, each heap's ratio to the first (Glimmer), and geometric means. Every\n"
     "FILE must be a trace: anything else is reported (FILE:LINE: message), the rest are\n"
     "compared, and the exit status is 1.\n"
     "--heaps: the heaps to compare, in order (the first is the one the ratios divide by),\n"
     "each named once. --warm: each timed replay runs on a heap that replayed the trace once\n"
     "already, untimed (the steady state, without the cost of first use of memory).\n"},
    {"stats",
     "usage: glimmer-trace stats FILE...\n"
     "Prints the size histogram per size class, tag shares, resize share, peak live bytes,\n"
     "the bytes allocated in all (new blocks, plus what each growing resize adds) and the\n"
     "distribution of block lifetimes (in events). In all three tables a block counts once,\n"
     "with its size at allocation (what resizes do is not in them), so the byte shares are\n"
     "all of the bytes in new blocks. Every FILE must be a trace: anything else is reported\n"
     "(FILE:LINE: message) and the exit status is 1.\n"},
    {"peak",
     "usage: glimmer-trace peak FILE...\n"
     "Replays each trace on the Glimmer heap to the event where its footprint peaks, and\n"
     "takes the heap apart there: the requested live bytes, their rounding to usable sizes,\n"
     "free slots in small pages in use (per slot size), wholly free pages, free medium space,\n"
     "and headers and other metadata. The parts add up to the peak footprint.\n"},
    {"baseline",
     "usage: glimmer-trace baseline DIR\n"
     "Replays every trace under DIR (recursively, DIR/bad excluded) on the Glimmer heap and\n"
     "writes their peak footprints to DIR/footprint-baseline.txt, the figures the footprint\n"
     "regression test holds the heap to. Run it deliberately, when the heap got better.\n"
     "Each trace is replayed twice: on a chunk source at fixed addresses, whose figure holds\n"
     "to the byte from run to run, and on the default source (mmap, as `replay` and `peak`\n"
     "use it), where huge chunks are kept for reuse and grow in place with mremap; that\n"
     "figure moves from run to run (the addresses decide how many radix node pages count,\n"
     "and so whether a spare chunk fits under the footprint ceiling): it is the most of\n"
     "5 replays.\n"},
};

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

bool wants_help(const std::vector<std::string>& args) {
    for (const std::string& a : args) {
        if (a == "--") return false;
        if (a == "--help" || a == "-h") return true;
    }
    return false;
}

// Removes "--name VALUE" from args (before any "--"); returns VALUE or `fallback`. An empty
// VALUE is refused: no option has a meaning for it, and `--heaps ""` ran every heap.
std::string take_option(std::vector<std::string>& args, const std::string& name,
                        const std::string& fallback) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--") break;
        if (args[i] == name) {
            if (i + 1 >= args.size()) throw UsageError(name + " needs a value");
            std::string v = args[i + 1];
            if (v.empty()) throw UsageError(name + " needs a value, not ''");
            args.erase(args.begin() + static_cast<long>(i),
                       args.begin() + static_cast<long>(i) + 2);
            // A second one is refused, not left to be called an unknown option.
            for (std::size_t j = i; j < args.size() && args[j] != "--"; ++j) {
                if (args[j] == name) throw UsageError(name + " given twice");
            }
            return v;
        }
    }
    return fallback;
}

// Removes the flag `name` from args (before any "--"); true if it was there.
bool take_flag(std::vector<std::string>& args, const std::string& name) {
    for (auto a = args.begin(); a != args.end() && *a != "--"; ++a) {
        if (*a == name) {
            a = args.erase(a);
            for (; a != args.end() && *a != "--"; ++a) {
                if (*a == name) throw UsageError(name + " given twice");
            }
            return true;
        }
    }
    return false;
}

// The most timed rounds --repeat asks for: each keeps its figures until the medians are taken,
// and 2^31 - 1 was taken (and would have run for days).
constexpr int kMaxRepeat = 1000;

// Plain decimal digits only, as the trace reader reads its numbers: std::stoi also took
// "+2", " 2" and "2 ".
int parse_count(const std::string& option, const std::string& text, int max) {
    int n = 0;
    const char* end = text.data() + text.size();
    if (!text.empty() &&
        std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        auto [stop, err] = std::from_chars(text.data(), end, n);
        if (err == std::errc() && stop == end && n >= 1 && n <= max) return n;
    }
    throw UsageError(option + " needs a whole number from 1 to " + std::to_string(max) +
                     " (decimal digits), not '" + text + "'");
}

// The files among what is left of args once the options are taken: a word starting with '-'
// is an unknown option, up to the first "--", which ends the options (as in `record` and
// `lua`) and is dropped; after it every word is a file, "-x.gwt" too.
std::vector<std::string> files_of(const std::vector<std::string>& args) {
    std::vector<std::string> files;
    bool options = true;
    for (const std::string& a : args) {
        if (options && a == "--") {
            options = false;
        } else if (options && a.size() > 1 && a[0] == '-') {
            throw UsageError("unknown option " + a);
        } else {
            files.push_back(a);
        }
    }
    return files;
}

HeapId chosen_heap(const HeapSet& set, std::vector<std::string>& args) {
    std::string fallback = set.available(HeapId::Glimmer) ? "glimmer" : "system";
    HeapId id;
    try {
        id = HeapSet::parse(take_option(args, "--heap", fallback));
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    if (!set.available(id)) throw UsageError(set.why_unavailable(id));
    return id;
}

// The other heaps' footprints are process-wide figures (glibc's arena, the resident set,
// jemalloc's stats), and a heap keeps what an earlier replay freed: they are only right in a
// process that has not replayed on that heap before, so they are measured in a fresh one.
std::uint64_t fresh_footprint(const std::string& file, HeapId heap) {
    std::string self = fs::read_symlink("/proc/self/exe").string();  // popen runs a shell
    std::string command = "'" + self + "' replay --heap " + std::string(HeapSet::name(heap)) +
                          " --repeat 1 --footprint-only -- '" + file + "'";
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("cannot start " + command);
    unsigned long long bytes = 0;
    int got = std::fscanf(pipe, "%llu", &bytes);
    if (pclose(pipe) != 0 || got != 1) {
        throw std::runtime_error(file + ": the footprint run on " +
                                 std::string(HeapSet::name(heap)) + " failed");
    }
    return bytes;
}

// "FILE: out of memory reading the trace (...)": what std::bad_alloc says where the file is
// known (it said "std::bad_alloc" alone). `doing` is "reading the trace", "replaying it", ...
std::string out_of_memory(const std::string& file, const std::string& doing) {
    return file + ": out of memory " + doing + " (the whole trace is held in memory)";
}

// A `record` killed by SIGINT, SIGTERM or SIGHUP left OUT.partial-XXXXXX behind (ReplacingFile's
// destructor does not run then). The handler removes it and dies of the same signal. A signal
// handler finds nothing but globals: this path is the tool's one piece of global state, set
// before the script runs, and only unlink, signal and raise (async-signal-safe) touch it.
char g_partial_path[4096];
volatile std::sig_atomic_t g_partial_armed = 0;

extern "C" void remove_partial_and_die(int signal) {
    if (g_partial_armed) ::unlink(g_partial_path);
    std::signal(signal, SIG_DFL);
    std::raise(signal);
}

// Arms the handler for `temp` (nothing to arm for a path written in place, or one too long).
// A signal the caller ignores (nohup) stays ignored.
void remove_on_signal(const std::string& temp) {
    if (temp.empty() || temp.size() >= sizeof g_partial_path) return;
    std::memcpy(g_partial_path, temp.c_str(), temp.size() + 1);
    g_partial_armed = 1;
    for (int signal : {SIGINT, SIGTERM, SIGHUP}) {
        struct sigaction old {};
        if (::sigaction(signal, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
        struct sigaction action {};
        action.sa_handler = remove_partial_and_die;
        sigemptyset(&action.sa_mask);
        ::sigaction(signal, &action, nullptr);
    }
}

// ---- subcommands -------------------------------------------------------------------------

// The command line of `record` and `lua`: options, then SCRIPT, then the script's arguments.
// `before` is every word before SCRIPT, the program's name first: the script finds them at
// arg[-n] .. arg[-1], as lua.c shows a script its own command line.
struct ScriptLine {
    std::vector<std::string> before;
    std::string script;
    std::vector<std::string> args;
    bool dashes = false;  // a "--" came before SCRIPT
};

// `values` holds the command's options that take a value, with their defaults; it receives
// the values given. Any other word starting with '-' before SCRIPT is a usage error.
ScriptLine split_script_line(const std::string& self, const std::string& command,
                             const std::vector<std::string>& words,
                             std::map<std::string, std::string>& values) {
    ScriptLine line;
    line.before = {self, command};
    std::size_t i = 0;
    for (; i < words.size(); ++i) {
        const std::string& w = words[i];
        if (w == "--") {
            line.before.push_back(w);
            line.dashes = true;
            ++i;
            break;
        }
        auto option = values.find(w);
        if (option != values.end()) {
            if (i + 1 >= words.size()) throw UsageError(w + " needs a value");
            if (words[i + 1].empty()) throw UsageError(w + " needs a value, not ''");
            if (std::find(line.before.begin(), line.before.end(), w) != line.before.end()) {
                throw UsageError(w + " given twice");
            }
            option->second = words[i + 1];
            line.before.push_back(w);
            line.before.push_back(words[++i]);
            continue;
        }
        if (w.size() > 1 && w[0] == '-') throw UsageError("unknown option " + w);
        break;
    }
    if (i >= words.size()) throw UsageError(command + " needs a SCRIPT.lua");
    line.script = words[i];
    line.args.assign(words.begin() + static_cast<long>(i) + 1, words.end());
    return line;
}

// "" when SCRIPT can be opened and read as a file, else why not ("cannot open: No such file or
// directory", "is a directory").
std::string unreadable_script(const std::string& script) {
    const int fd = ::open(script.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::string("cannot open the script: ") + std::strerror(errno);
    struct stat st {};
    const bool directory = ::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
    ::close(fd);
    return directory ? "is a directory, not a script" : "";
}

int cmd_record(const std::string& self, const std::vector<std::string>& words) {
    std::map<std::string, std::string> options{{"-o", ""}};
    ScriptLine line = split_script_line(self, "record", words, options);
    const std::string& out = options["-o"];
    if (out.empty()) throw UsageError("record needs -o OUT.gwt");
    std::error_code same_error;
    if (std::filesystem::equivalent(out, line.script, same_error)) {
        throw UsageError("-o " + out + " is the script itself; the trace would overwrite it");
    }
    // Lua's own "cannot open" came after its start-up, which was recorded and written as the
    // trace of a script that never ran.
    if (std::string why = unreadable_script(line.script); !why.empty()) {
        std::cerr << line.script << ": " << why << "\n";
        return 1;
    }
    // Made before the script runs, which may take minutes: a mistyped folder was found only at
    // the end, when the recording was lost. The records are written as they come (to a scratch
    // file: memory holds only the live blocks); the trace replaces the file only when whole.
    std::optional<TraceStreamWriter> file;
    try {
        file.emplace(out, line.script);
    } catch (const std::runtime_error& e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
    remove_on_signal(file->temp_path());
    LuaOutcome outcome;
    RecordFigures recorded;
    try {
        // A script that fails is recorded too, as `glimmer --trace-out` records one: the state
        // is closed all the same, so the trace is complete up to the error, and its header says
        // so (record_lua's "script error" comment).
        recorded = record_lua(line.script, line.args, outcome, *file, line.before);
        g_partial_armed = 0;  // renamed into place
    } catch (const std::bad_alloc&) {
        g_partial_armed = 0;  // removed as `file` goes
        std::cerr << out << ": out of memory recording " << line.script << "\n";
        return 1;
    } catch (...) {
        g_partial_armed = 0;
        throw;
    }
    if (!outcome.ok()) std::cerr << "lua: " << outcome.error << "\n";
    std::cerr << "recorded " << recorded.events << " events, peak live " << mib(recorded.peak_live)
              << " -> " << out;
    if (outcome.exited) std::cerr << " (the script called os.exit(" << outcome.exit_status << "))";
    std::cerr << "\n";
    if (!outcome.ok()) return 1;
    return outcome.exited ? outcome.exit_status : 0;
}

int cmd_lua(const std::string& self, const std::vector<std::string>& words) {
    HeapSet set;
    std::map<std::string, std::string> options{{"--heap", ""}};
    ScriptLine line = split_script_line(self, "lua", words, options);
    std::vector<std::string> heap_option;
    if (!options["--heap"].empty()) heap_option = {"--heap", options["--heap"]};
    if (!line.dashes) {  // "SCRIPT ARGS... --heap NAME" is ours too, unless after a "--"
        std::string trailing = take_option(line.args, "--heap", "");
        if (!trailing.empty() && !heap_option.empty()) throw UsageError("--heap given twice");
        if (!trailing.empty()) heap_option = {"--heap", trailing};
        auto dashes = std::find(line.args.begin(), line.args.end(), "--");
        if (dashes != line.args.end()) line.args.erase(dashes);
    }
    HeapId heap = chosen_heap(set, heap_option);
    LuaHeapFigures f;
    LuaOutcome outcome = run_lua(line.script, line.args, heap, set, f, line.before);
    if (!outcome.ok()) std::cerr << "lua: " << outcome.error << "\n";
    const std::string ratio = ReplayResult::ratio_text(f.peak_footprint, f.peak_live);
    // Only a heap with a check of its own (Glimmer's gw_heap_check) has one to report.
    const std::string check =
        f.checked ? "; heap check " + (f.check.empty() ? std::string("passed") : f.check) : "";
    std::fprintf(
        stderr,
        "-- heap %s: %llu allocations, %llu resizes, %llu frees, %llu refused; peak live "
        "%s, peak footprint %s (%s%s)%s\n",
        std::string(HeapSet::name(heap)).c_str(), static_cast<unsigned long long>(f.allocations),
        static_cast<unsigned long long>(f.resizes), static_cast<unsigned long long>(f.frees),
        static_cast<unsigned long long>(f.failed), mib(f.peak_live).c_str(),
        mib(f.peak_footprint).c_str(), ratio.c_str(), f.peak_live ? "x" : "", check.c_str());
    if (!f.check.empty()) return 1;
    if (outcome.exited) return outcome.exit_status;
    return outcome.ok() ? 0 : 1;
}

int cmd_replay(std::vector<std::string> args) {
    HeapSet set;
    HeapId heap = chosen_heap(set, args);
    int repeat = parse_count("--repeat", take_option(args, "--repeat", "3"), kMaxRepeat);
    std::string plot = take_option(args, "--plot", "");
    bool only_footprint = take_flag(args, "--footprint-only");  // internal: fresh_footprint
    const std::vector<std::string> files = files_of(args);
    if (files.empty()) throw UsageError("replay needs at least one FILE");
    if (!plot.empty() && files.size() != 1) throw UsageError("--plot takes exactly one trace");
    // The same file by device and inode, as record checks -o against its script: `--plot T.gwt`,
    // `./T.gwt` or a hard link to it put the SVG where the trace was.
    for (const std::string& file : files) {
        std::error_code same_error;
        if (!plot.empty() && fs::equivalent(plot, file, same_error)) {
            throw UsageError("--plot " + plot + " is the trace " + file +
                             "; the plot would overwrite it");
        }
    }
    // Made first: a path that cannot be written is said at once, not after the whole replay.
    // The plot replaces what is at the path only once it is drawn whole.
    std::optional<ReplacingFile> plot_out;
    if (!plot.empty()) {
        try {
            plot_out.emplace(plot, "the plot");
        } catch (const std::runtime_error& e) {
            std::cerr << e.what() << "\n";
            return 1;
        }
    }
    int status = 0;
    for (const std::string& file : files) {
        const char* doing = "reading the trace";
        try {
            Trace trace = read_trace(file);
            doing = "replaying the trace";
            if (only_footprint) {
                ReplayResult full = replay(trace, heap, set, ReplayOptions{Check::Full, 0});
                std::printf("%llu\n", static_cast<unsigned long long>(full.peak_footprint));
                continue;
            }
            TimedReplay runs = replay_and_time(trace, heap, set, repeat, plot.empty() ? 0 : 1000);
            ReplayResult& full = runs.checked;
            if (heap != HeapId::Glimmer && &file != &files.front()) {
                full.peak_footprint = fresh_footprint(file, heap);
            }
            std::vector<double> ns, faults;
            for (const ReplayResult& timed : runs.timed) {
                ns.push_back(timed.ns_per_event());
                faults.push_back(static_cast<double>(timed.minor_faults));
            }
            std::printf(
                "%s on %s: %llu events, %.1f ns/event (median of %zu timed run%s), %.0f page "
                "faults, peak live %s, peak footprint %s%s, ratio %s, %zu left live%s\n",
                file.c_str(), std::string(HeapSet::name(heap)).c_str(),
                static_cast<unsigned long long>(full.events), median(ns), ns.size(),
                ns.size() == 1 ? "" : "s", median(faults), mib(full.peak_live).c_str(),
                mib(full.peak_footprint).c_str(), full.footprint_exact ? "" : " (sampled)",
                full.footprint_ratio_text().c_str(), full.leftover,
                full.heap_checked ? ", heap check passed" : "");
            if (plot_out) {
                try {
                    plot_out->write(plot_svg(trace, full));
                    plot_out->commit();
                } catch (const std::runtime_error& e) {
                    std::cerr << e.what() << "\n";
                    status = 1;
                    continue;
                }
                std::printf("plot: %s\n", plot.c_str());
            }
        } catch (const TraceError& e) {
            std::cerr << e.what() << "\n";
            status = 1;
        } catch (const ReplayError& e) {
            std::cerr << e.what() << "\n";
            status = 1;
        } catch (const std::bad_alloc&) {
            std::cerr << out_of_memory(file, doing) << "\n";
            status = 1;
        }
    }
    return status;
}

int cmd_compare(std::vector<std::string> args) {
    HeapSet set;
    int repeat = parse_count("--repeat", take_option(args, "--repeat", "5"), kMaxRepeat);
    std::string names = take_option(args, "--heaps", "");
    bool warm = take_flag(args, "--warm");
    const std::vector<std::string> files = files_of(args);
    std::vector<HeapId> heaps;
    if (names.empty()) {
        heaps = set.available_heaps();
        for (HeapId h : HeapSet::all()) {
            if (!set.available(h)) std::cerr << "not compared: " << set.why_unavailable(h) << "\n";
        }
    } else {
        std::size_t start = 0;
        while (start <= names.size()) {
            std::size_t comma = std::min(names.find(',', start), names.size());
            HeapId h;
            try {
                h = HeapSet::parse(names.substr(start, comma - start));
            } catch (const std::invalid_argument& e) {
                throw UsageError(e.what());
            }
            if (!set.available(h)) throw UsageError(set.why_unavailable(h));
            // Refused rather than merged: a name given twice is more likely a slip for another
            // heap than a wish to see one twice (glibc and system are the same heap).
            if (std::find(heaps.begin(), heaps.end(), h) != heaps.end()) {
                throw UsageError("--heaps names " + std::string(HeapSet::name(h)) + " twice");
            }
            heaps.push_back(h);
            start = comma + 1;
        }
    }
    if (files.empty()) throw UsageError("compare needs at least one FILE");
    std::vector<Trace> traces;
    int status = 0;
    for (const std::string& file : files) {
        try {
            traces.push_back(read_trace(file));
        } catch (const TraceError& e) {
            std::cerr << e.what() << "\n";
            status = 1;
        } catch (const std::bad_alloc&) {
            std::cerr << out_of_memory(file, "reading the trace") << "\n";
            status = 1;
        }
    }
    if (traces.empty()) {
        std::cerr << "compare: no traces to compare\n";
        return 1;
    }
    try {
        CompareTable table = compare(traces, heaps, set, repeat, warm);
        for (std::size_t h = 0; h < heaps.size(); ++h) {
            if (heaps[h] == HeapId::Glimmer) continue;  // exact, per heap: no need
            for (std::size_t t = 0; t < traces.size(); ++t) {
                table.rows[t].cells[h].peak_footprint = fresh_footprint(traces[t].path, heaps[h]);
            }
        }
        std::cout << format_compare(table);
    } catch (const ReplayError& e) {
        std::cerr << e.what() << "\n";
        return 1;
    } catch (const std::bad_alloc&) {
        std::cerr << "compare: out of memory replaying the traces\n";
        return 1;
    }
    return status;
}

// Prints describe(trace) for each trace file among args, a blank line between them; a file
// that does not read or replay is reported and the rest go on. Exit status 1 if any failed.
template <class Describe>
int describe_each(const std::vector<std::string>& args, Describe describe) {
    int status = 0;
    bool first = true;
    for (const std::string& file : args) {
        const char* doing = "reading the trace";
        try {
            Trace trace = read_trace(file);
            doing = "going through the trace";
            std::string text = describe(trace);
            if (!first) std::cout << "\n";
            first = false;
            std::cout << text;
        } catch (const TraceError& e) {
            std::cerr << e.what() << "\n";
            status = 1;
        } catch (const ReplayError& e) {
            std::cerr << e.what() << "\n";
            status = 1;
        } catch (const std::bad_alloc&) {
            std::cerr << out_of_memory(file, doing) << "\n";
            status = 1;
        }
    }
    return status;
}

int cmd_stats(const std::vector<std::string>& args) {
    const std::vector<std::string> files = files_of(args);
    if (files.empty()) throw UsageError("stats needs at least one FILE");
    return describe_each(
        files, [](const Trace& trace) { return format_stats(trace, compute_stats(trace)); });
}

int cmd_peak(const std::vector<std::string>& args) {
    const std::vector<std::string> files = files_of(args);
    if (files.empty()) throw UsageError("peak needs at least one FILE");
#if GLIMMER_TRACES_HAVE_GLIMMER
    return describe_each(files,
                         [](const Trace& trace) { return format_peak(trace, find_peak(trace)); });
#else
    throw UsageError(HeapSet().why_unavailable(HeapId::Glimmer));
#endif
}

// The mmap figure moves from run to run (see `baseline --help`): the baseline is the most of
// this many replays, so that the test's 2% covers the runs in between.
constexpr int kMmapBaselineRuns = 5;

int cmd_baseline(const std::vector<std::string>& words) {
    const std::vector<std::string> args = files_of(words);
    if (args.size() != 1) throw UsageError("baseline needs one directory (the traces folder)");
    if (!fs::is_directory(args[0])) {
        throw UsageError("'" + args[0] + "' is not a directory (the traces folder)");
    }
    HeapSet fixed;
    if (!fixed.available(HeapId::Glimmer)) {
        throw UsageError(fixed.why_unavailable(HeapId::Glimmer));
    }
    fixed.set_fixed_addresses(true);  // the figures tests/traces compares with, to the byte
    const HeapSet mmap;               // and those of the default source, within a page or two
    std::map<std::string, Baseline> baselines;
    for (const std::string& file : find_traces(args[0])) {
        Trace trace = read_trace(file);
        const ReplayOptions full{Check::Full, 0};
        ReplayResult r = replay(trace, HeapId::Glimmer, fixed, full);
        ReplayResult m = replay(trace, HeapId::Glimmer, mmap, full);
        for (int run = 1; run < kMmapBaselineRuns; ++run) {
            ReplayResult again = replay(trace, HeapId::Glimmer, mmap, full);
            if (again.peak_footprint > m.peak_footprint) m = again;
        }
        baselines[relative_to(args[0], file)] =
            Baseline{r.peak_footprint, m.peak_footprint, r.peak_live};
        std::printf("%-40s peak footprint %llu (%.3fx), on mmap %llu (%.3fx), peak live %llu\n",
                    file.c_str(), static_cast<unsigned long long>(r.peak_footprint),
                    r.footprint_ratio(), static_cast<unsigned long long>(m.peak_footprint),
                    m.footprint_ratio(), static_cast<unsigned long long>(r.peak_live));
    }
    write_baselines(args[0], baselines);
    std::printf("wrote %s/%s\n", args[0].c_str(), kBaselineFile);
    return 0;
}

// What a command printed must reach its standard output: `stats t.gwt > /dev/full` printed
// nothing and exited 0. Checked once, at the end (the stream keeps its error), as coreutils'
// close_stdout does; errno is only said when the last flush is what failed (it is stale else).
int check_standard_output(int status) {
    errno = 0;
    const bool flush_failed = std::fflush(stdout) != 0;
    const int error = flush_failed ? errno : 0;
    if (!flush_failed && !std::ferror(stdout) && std::cout.good()) return status;
    std::cerr << "glimmer-trace: error writing standard output"
              << (error != 0 ? std::string(": ") + std::strerror(error) : std::string()) << "\n";
    return 1;
}

int run(int argc, char** argv) {
    if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
        std::fputs(kUsage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    std::string command = argv[1];
    std::vector<std::string> args(argv + 2, argv + argc);
    auto help = kHelp.find(command);
    if (help == kHelp.end()) {
        std::cerr << "glimmer-trace: unknown command '" << command << "'\n" << kUsage;
        return 2;
    }
    // For lua and record, only a --help before the script is ours (after it: the script's).
    bool script_command = command == "lua" || command == "record";
    bool help_asked = script_command ? !args.empty() && (args[0] == "--help" || args[0] == "-h")
                                     : wants_help(args);
    if (help_asked) {
        std::fputs(help->second, stdout);
        return 0;
    }
    try {
        if (command == "record") return cmd_record(argv[0], args);
        if (command == "lua") return cmd_lua(argv[0], args);
        if (command == "replay") return cmd_replay(args);
        if (command == "compare") return cmd_compare(args);
        if (command == "stats") return cmd_stats(args);
        if (command == "peak") return cmd_peak(args);
        return cmd_baseline(args);
    } catch (const UsageError& e) {
        std::cerr << "glimmer-trace " << command << ": " << e.what() << "\n" << help->second;
        return 2;
    } catch (const std::bad_alloc&) {  // where no file is at hand to name
        std::cerr << "glimmer-trace " << command << ": out of memory\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << e.what() << "\n";
        return 1;
    }
}

}  // namespace

int main(int argc, char** argv) {
    return check_standard_output(run(argc, argv));
}
