// Data-driven script tests (clox / Wren style), one Boost test case per script, so a failure names
// its script:
//
//   conformance/<feature>/<script>  every scripts/gw/tests/**/*.gw prints what its comments say
//   errors/<script>                 every scripts/gw/errors/**/*.gw fails the way its comments say
//   examples/<script>               every scripts/gw/examples/*.gw prints what its comments say
//   docs/<FILE>_line_<L>            every fenced ```gw block of README.md and scripts/gw/*.md
//                                   (the language tour), checked like a conformance script
//   gc_stress/...                   those four suites again under `glimmer --gc-stress`
//   bench_twins/<program>           every scripts/bench/*.gw prints what its Lua 5.4 twin prints,
//                                   both run at the program's `# test-size: N`
//
// The comment directives are described in script_spec.hpp. Folders whose name starts with '_'
// hold helper files (modules to summon), not scripts. Scripts listed in
// tests/scripts/known_failures.txt still run but only print a notice, never fail the suite.
//
// Options after `--`: --glimmer PATH, --lua PATH, --root DIR (defaults come from the build).
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "script_spec.hpp"
#include "subprocess.hpp"

namespace glimmer::tests {
namespace {

namespace fs = std::filesystem;
namespace utf = boost::unit_test;
using std::chrono::milliseconds;

constexpr milliseconds kScriptTimeout{20'000};
constexpr milliseconds kStressTimeout{60'000};
constexpr milliseconds kKnownFailureTimeout{5'000};
constexpr milliseconds kBenchTimeout{60'000};
constexpr std::size_t kShownOutputBytes = 3000;
constexpr const char* kKnownFailuresFile = "tests/scripts/known_failures.txt";

enum class Mode { kNormal, kGcStress };

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

// known_failures.txt: one script path (relative to the project root) or folder ending in '/' per
// line, optionally preceded by `gc-stress` (fails only under --gc-stress), then `# reason`.
class KnownFailures {
  public:
    static KnownFailures load(const fs::path& file) {
        KnownFailures known;
        if (!fs::exists(file)) return known;
        std::istringstream lines(read_file(file));
        std::string line;
        while (std::getline(lines, line)) {
            std::string reason;
            if (auto hash = line.find('#'); hash != std::string::npos) {
                reason = line.substr(hash + 1);
                line.erase(hash);
            }
            std::istringstream words(line);
            Entry entry;
            if (!(words >> entry.path)) continue;
            if (entry.path == "gc-stress") {
                entry.stress_only = true;
                if (!(words >> entry.path))
                    throw std::runtime_error(file.string() + ": `gc-stress` needs a path");
            }
            entry.reason = trimmed(reason);
            known.entries_.push_back(std::move(entry));
        }
        return known;
    }

    // The reason `relative` is listed for `mode` (maybe empty), or nothing if it is not listed.
    [[nodiscard]] std::optional<std::string> lookup(const std::string& relative, Mode mode) const {
        for (const Entry& entry : entries_) {
            if (entry.stress_only && mode != Mode::kGcStress) continue;
            const bool folder = entry.path.ends_with('/');
            if (relative == entry.path || (folder && relative.starts_with(entry.path)))
                return entry.reason;
        }
        return std::nullopt;
    }

  private:
    struct Entry {
        std::string path;
        std::string reason;
        bool stress_only = false;
    };

    static std::string trimmed(const std::string& text) {
        const auto first = text.find_first_not_of(" \t\r");
        if (first == std::string::npos) return "";
        return text.substr(first, text.find_last_not_of(" \t\r") - first + 1);
    }

    std::vector<Entry> entries_;
};

struct Context {
    fs::path root;
    fs::path glimmer;
    fs::path lua;  // empty: Lua 5.4 is not installed, the twin tests only print a notice
    KnownFailures known;
    // The time limits catch hangs; a sanitizer build runs several times slower, so
    // scripts/ci/sanitizers.sh stretches them (GLIMMER_TIMEOUT_SCALE, a positive number).
    double timeout_scale = 1.0;

    milliseconds scaled(milliseconds limit) const {
        return milliseconds{
            static_cast<long long>(static_cast<double>(limit.count()) * timeout_scale)};
    }
};

std::string shown(const std::string& output) {
    if (output.empty()) return "(empty)";
    if (output.size() <= kShownOutputBytes) return output;
    return output.substr(0, kShownOutputBytes) + "\n[... " +
           std::to_string(output.size() - kShownOutputBytes) + " more bytes]";
}

std::vector<std::string> split_lines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        lines.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

// The first difference between two outputs, in words.
std::string describe_difference(const std::string& expected, const std::string& actual,
                                const std::string& what) {
    const auto want = split_lines(expected);
    const auto got = split_lines(actual);
    for (std::size_t i = 0; i < std::max(want.size(), got.size()); ++i) {
        const std::string n = std::to_string(i + 1);
        if (i >= got.size()) return what + " is missing line " + n + ": `" + want[i] + "`";
        if (i >= want.size()) return what + " has an extra line " + n + ": `" + got[i] + "`";
        if (want[i] != got[i])
            return what + " line " + n + ": expected `" + want[i] + "`, got `" + got[i] + "`";
    }
    return what + " differs only in its final newline";
}

std::vector<std::string> check_run(const ScriptSpec& spec, const ProcessResult& run,
                                   milliseconds limit) {
    std::vector<std::string> problems;
    if (!run.exited()) {
        problems.push_back("glimmer " + run.describe_end(limit));
    } else if (run.exit_code != spec.exit_code) {
        problems.push_back("exit status " + std::to_string(run.exit_code) + ", expected " +
                           std::to_string(spec.exit_code));
    }
    if (run.out != spec.expected_stdout)
        problems.push_back(describe_difference(spec.expected_stdout, run.out, "stdout"));
    for (const std::string& fragment : spec.stderr_fragments) {
        if (run.err.find(fragment) == std::string::npos)
            problems.push_back("stderr does not contain `" + fragment + "`");
    }
    if (spec.error_line && !mentions_line(run.err, *spec.error_line))
        problems.push_back("stderr does not mention line " + std::to_string(*spec.error_line) +
                           " (as `line " + std::to_string(*spec.error_line) +
                           "` or `:" + std::to_string(*spec.error_line) + ":`)");
    if (spec.stderr_fragments.empty() && spec.exit_code == 0 && !run.err.empty())
        problems.push_back("unexpected output on stderr");
    // §1: a syntax or runtime error is one line on stderr (stderr here is a pipe, so glimmer
    // leaves out the source line and call stack it shows on a terminal).
    const auto asked_for = [&spec](std::string_view option) {
        return std::find(spec.extra_args.begin(), spec.extra_args.end(), option) !=
               spec.extra_args.end();
    };
    const auto lines = std::count(run.err.begin(), run.err.end(), '\n');
    if (run.exited() && run.exit_code == 1 && !asked_for("--full-errors") &&
        !asked_for("--heap-stats") && (lines != 1 || run.err.back() != '\n'))
        problems.push_back("stderr is not one line (" + std::to_string(lines) + " line ends)");
    return problems;
}

std::string joined(const std::vector<std::string>& problems) {
    std::string text;
    for (const auto& problem : problems)
        text += (text.empty() ? "" : "; ") + problem;
    return text;
}

std::string report(const std::string& title, const std::vector<std::string>& problems,
                   const ProcessResult& run) {
    std::string text = title + ":";
    for (const auto& problem : problems)
        text += "\n  - " + problem;
    text += "\n--- stdout ---\n" + shown(run.out) + "\n--- stderr ---\n" + shown(run.err);
    return text;
}

class TempDir {
  public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "glimmer-scripts-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr)
            throw std::runtime_error("cannot create a temporary folder");
        path_ = pattern;
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ignored;
        fs::remove_all(path_, ignored);
    }
    [[nodiscard]] const fs::path& path() const { return path_; }

  private:
    fs::path path_;
};

// Runs `script` (whose text is `source`) and checks it against its own comment directives.
void check_source(const Context& context, const fs::path& script, const std::string& relative,
                  const std::string& source, Mode mode) {
    const ScriptSpec spec = parse_script_spec(source, relative);
    const auto known = context.known.lookup(relative, mode);
    ProcessLimits limits;
    limits.timeout = context.scaled(
        known ? kKnownFailureTimeout : (mode == Mode::kGcStress ? kStressTimeout : kScriptTimeout));

    std::vector<std::string> args{context.glimmer.string()};
    if (mode == Mode::kGcStress) args.emplace_back("--gc-stress");
    args.insert(args.end(), spec.extra_args.begin(), spec.extra_args.end());
    args.push_back(script.string());
    const ProcessResult run = run_process(args, limits);
    const auto problems = check_run(spec, run, limits.timeout);

    std::string command;
    for (const auto& arg : args)
        command += (command.empty() ? "" : " ") + arg;
    if (known) {
        const std::string why = known->empty() ? "" : " (" + *known + ")";
        if (problems.empty())
            BOOST_WARN_MESSAGE(false, relative + " is listed in " + kKnownFailuresFile +
                                          " but passes now: remove it from the list");
        else
            BOOST_WARN_MESSAGE(
                false, "known failure, not counted: " + relative + why + ": " + joined(problems));
        return;
    }
    BOOST_TEST(problems.empty(), report(relative + " (" + command + ")", problems, run));
}

void check_script(const Context& context, const fs::path& script, const std::string& relative,
                  Mode mode) {
    check_source(context, script, relative, read_file(script), mode);
}

// `source` with its first line that starts with `prefix` replaced by `prefix + size`.
std::optional<std::string> with_size(const std::string& source, const std::string& prefix,
                                     long size) {
    std::size_t at = 0;
    while (at < source.size()) {
        const auto end = source.find('\n', at);
        const auto line_end = end == std::string::npos ? source.size() : end;
        if (source.compare(at, prefix.size(), prefix) == 0)
            return source.substr(0, at) + prefix + std::to_string(size) + source.substr(line_end);
        at = line_end + 1;
    }
    return std::nullopt;
}

void check_bench_twin(const Context& context, const fs::path& program, const fs::path& twin,
                      const std::string& relative) {
    if (context.lua.empty()) {
        BOOST_WARN_MESSAGE(false, "lua5.4 not found: " + relative + " not compared");
        return;
    }
    const std::string source = read_file(program);
    const ScriptSpec spec = parse_script_spec(source, relative);
    if (!spec.test_size) {
        BOOST_ERROR(relative + " has no `# test-size: N` line");
        return;
    }
    const auto gw = with_size(source, "bind N to ", *spec.test_size);
    const auto lua = with_size(read_file(twin), "local N = ", *spec.test_size);
    if (!gw || !lua) {
        BOOST_ERROR(relative + ": the size line is missing (`bind N to ...` in the .gw, " +
                    "`local N = ...` in the .lua)");
        return;
    }
    TempDir dir;
    const fs::path gw_copy = dir.path() / program.filename();
    const fs::path lua_copy = dir.path() / twin.filename();
    write_file(gw_copy, *gw);
    write_file(lua_copy, *lua);

    ProcessLimits limits;
    limits.timeout = context.scaled(kBenchTimeout);
    const ProcessResult ours = run_process({context.glimmer.string(), gw_copy.string()}, limits);
    const ProcessResult theirs = run_process({context.lua.string(), lua_copy.string()}, limits);
    const std::string title = relative + " at N = " + std::to_string(*spec.test_size);

    BOOST_REQUIRE_MESSAGE(
        theirs.exited() && theirs.exit_code == 0,
        title + ": lua5.4 " + theirs.describe_end(limits.timeout) + "\n" + shown(theirs.err));
    std::vector<std::string> problems;
    if (!ours.exited() || ours.exit_code != 0)
        problems.push_back("glimmer " + ours.describe_end(limits.timeout));
    if (ours.out != theirs.out)
        problems.push_back(describe_difference(theirs.out, ours.out, "glimmer's stdout"));
    if (theirs.out.empty()) problems.push_back("the programs print nothing to compare");
    BOOST_TEST(problems.empty(), report(title, problems, ours));
}

// A fenced ```gw block of a Markdown file (the language tour): run like a conformance script.
struct DocBlock {
    fs::path file;
    int first_line = 0;  // line of the block's first code line in `file`
    std::string code;
};

std::vector<DocBlock> doc_blocks(const fs::path& markdown) {
    std::vector<DocBlock> blocks;
    std::istringstream lines(read_file(markdown));
    std::string line;
    std::optional<DocBlock> open;
    for (int number = 1; std::getline(lines, line); ++number) {
        if (!open) {
            if (line == "```gw") open = DocBlock{markdown, number + 1, ""};
        } else if (line.starts_with("```")) {
            blocks.push_back(std::move(*open));
            open.reset();
        } else {
            open->code += line + "\n";
        }
    }
    return blocks;
}

void check_doc_block(const Context& context, const DocBlock& block, Mode mode) {
    const std::string relative = fs::relative(block.file, context.root).generic_string() + ":" +
                                 std::to_string(block.first_line);
    TempDir dir;
    const fs::path script =
        dir.path() / (block.file.stem().string() + "_" + std::to_string(block.first_line) + ".gw");
    write_file(script, block.code);
    check_source(context, script, relative, block.code, mode);
}

// Options after `--` on the command line, else the build's defaults.
Context make_context(int argc, char** argv) {
    Context context;
    context.root = GLIMMER_SOURCE_ROOT;
    if (const char* env = std::getenv("GLIMMER_SOURCE_DIR"); env != nullptr && *env != '\0')
        context.root = env;
    context.glimmer = GLIMMER_EXE;
    context.lua = GLIMMER_LUA;
    if (const char* env = std::getenv("GLIMMER_TIMEOUT_SCALE"); env != nullptr && *env != '\0') {
        char* end = nullptr;
        const double scale = std::strtod(env, &end);
        if (*end != '\0' || !(scale > 0) || scale > 1000)
            throw std::runtime_error(std::string("GLIMMER_TIMEOUT_SCALE must be a number in (0, "
                                                 "1000], not '") +
                                     env + "'");
        context.timeout_scale = scale;
    }
    for (int i = 1; i < argc; ++i) {
        const std::string option = argv[i];
        if (i + 1 >= argc) throw std::runtime_error("option " + option + " needs a value");
        const fs::path value = argv[++i];
        if (option == "--glimmer") {
            context.glimmer = value;
        } else if (option == "--lua") {
            context.lua = value;
        } else if (option == "--root") {
            context.root = value;
        } else {
            throw std::runtime_error("unknown option " + option +
                                     " (known: --glimmer PATH, --lua PATH, --root DIR)");
        }
    }
    context.glimmer = fs::weakly_canonical(fs::absolute(context.glimmer));
    if (!fs::exists(context.glimmer))
        throw std::runtime_error("glimmer not found at " + context.glimmer.string());
    if (!context.lua.empty() && !fs::exists(context.lua)) context.lua.clear();
    context.known = KnownFailures::load(context.root / kKnownFailuresFile);
    return context;
}

std::string test_name(std::string name) {
    for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
    }
    return name;
}

utf::test_suite* child_suite(utf::test_suite* parent, const std::string& name) {
    const auto id = parent->get(name);
    if (id != utf::INV_TEST_UNIT_ID) return &utf::framework::get<utf::test_suite>(id);
    auto* suite = new utf::test_suite(name, __FILE__, __LINE__);  // owned by the framework
    parent->add(suite);
    return suite;
}

// Every *.gw under `folder`, sorted, skipping folders whose name starts with '_'.
std::vector<fs::path> scripts_under(const fs::path& folder) {
    std::vector<fs::path> found;
    if (!fs::is_directory(folder)) return found;
    for (auto it = fs::recursive_directory_iterator(folder); it != fs::end(it); ++it) {
        if (it->is_directory() && it->path().filename().string().starts_with('_')) {
            it.disable_recursion_pending();
            continue;
        }
        if (it->is_regular_file() && it->path().extension() == ".gw") found.push_back(it->path());
    }
    std::sort(found.begin(), found.end());
    return found;
}

// False for scripts marked `# gc-stress: skip`. A script whose directives do not parse is kept,
// so its test case reports the problem.
bool runs_under_stress(const fs::path& script, const std::string& relative) {
    try {
        return parse_script_spec(read_file(script), relative).gc_stress;
    } catch (const SpecError&) {
        return true;
    }
}

void add_script_suite(utf::test_suite* parent, const std::string& name, const fs::path& folder,
                      Mode mode, const std::shared_ptr<const Context>& context) {
    auto* top = child_suite(parent, name);
    for (const fs::path& script : scripts_under(folder)) {
        auto* suite = top;
        const fs::path inside = fs::relative(script, folder);
        for (const auto& part : inside.parent_path())
            suite = child_suite(suite, test_name(part));
        const std::string relative = fs::relative(script, context->root).generic_string();
        if (mode == Mode::kGcStress && !runs_under_stress(script, relative)) continue;
        suite->add(utf::make_test_case(
            [context, script, relative, mode] { check_script(*context, script, relative, mode); },
            test_name(script.stem().string()), __FILE__, __LINE__));
    }
}

void add_bench_suite(utf::test_suite* parent, const fs::path& folder,
                     const std::shared_ptr<const Context>& context) {
    std::vector<fs::path> programs;
    if (fs::is_directory(folder)) {
        for (const auto& entry : fs::directory_iterator(folder)) {
            if (entry.path().extension() == ".gw") programs.push_back(entry.path());
        }
    }
    std::sort(programs.begin(), programs.end());
    auto* suite = child_suite(parent, "bench_twins");
    for (const fs::path& program : programs) {
        fs::path twin = program;
        twin.replace_extension(".lua");
        const std::string relative = fs::relative(program, context->root).generic_string();
        suite->add(utf::make_test_case(
            [context, program, twin, relative] {
                BOOST_REQUIRE_MESSAGE(fs::exists(twin),
                                      relative + " has no Lua twin " + twin.filename().string());
                check_bench_twin(*context, program, twin, relative);
            },
            test_name(program.stem().string()), __FILE__, __LINE__));
    }
}

// The Markdown files whose ```gw blocks are tested: README.md and scripts/gw/*.md.
std::vector<fs::path> doc_files(const fs::path& root) {
    std::vector<fs::path> files;
    if (fs::exists(root / "README.md")) files.push_back(root / "README.md");
    const fs::path gw = root / "scripts" / "gw";
    std::vector<fs::path> more;
    for (const auto& entry : fs::directory_iterator(gw)) {
        if (entry.is_regular_file() && entry.path().extension() == ".md")
            more.push_back(entry.path());
    }
    std::sort(more.begin(), more.end());
    files.insert(files.end(), more.begin(), more.end());
    return files;
}

void add_docs_suite(utf::test_suite* parent, Mode mode,
                    const std::shared_ptr<const Context>& context) {
    std::vector<DocBlock> blocks;
    for (const fs::path& file : doc_files(context->root)) {
        auto found = doc_blocks(file);
        blocks.insert(blocks.end(), found.begin(), found.end());
    }
    if (blocks.empty()) return;
    auto* suite = child_suite(parent, "docs");
    for (const DocBlock& block : blocks) {
        suite->add(utf::make_test_case(
            [context, block, mode] { check_doc_block(*context, block, mode); },
            test_name(block.file.stem().string()) + "_line_" + std::to_string(block.first_line),
            __FILE__, __LINE__));
    }
}

bool init_script_suites() {
    auto& master = utf::framework::master_test_suite();
    master.p_name.value = "scripts";
    const auto context = std::make_shared<const Context>(make_context(master.argc, master.argv));
    const fs::path gw = context->root / "scripts" / "gw";
    if (!fs::is_directory(gw / "tests"))
        throw std::runtime_error("no conformance scripts under " + (gw / "tests").string());
    add_script_suite(&master, "conformance", gw / "tests", Mode::kNormal, context);
    add_script_suite(&master, "errors", gw / "errors", Mode::kNormal, context);
    add_script_suite(&master, "examples", gw / "examples", Mode::kNormal, context);
    auto* stress = child_suite(&master, "gc_stress");
    add_script_suite(stress, "conformance", gw / "tests", Mode::kGcStress, context);
    add_script_suite(stress, "errors", gw / "errors", Mode::kGcStress, context);
    add_script_suite(stress, "examples", gw / "examples", Mode::kGcStress, context);
    add_docs_suite(&master, Mode::kNormal, context);
    add_docs_suite(stress, Mode::kGcStress, context);
    add_bench_suite(&master, context->root / "scripts" / "bench", context);
    return true;
}

}  // namespace
}  // namespace glimmer::tests

int main(int argc, char* argv[]) {
    return boost::unit_test::unit_test_main(&glimmer::tests::init_script_suites, argc, argv);
}
