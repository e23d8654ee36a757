// heap_tools_test.cpp — the instrumented heap (GLIMMER_HEAP_INSTRUMENT, heap/instrumented.c)
// makes a misused Glimmer-heap block as visible to Valgrind's memcheck and to AddressSanitizer
// as a misused malloc block (issue 6).
//
// heap_misuse_probe (plain, run under `valgrind --error-exitcode=97`) and heap_misuse_probe_asan
// (the same program built with -fsanitize=address) each do one deliberate misuse; the tool must
// end the run with its report naming the error. The `clean` mode uses every API call correctly
// and must draw no report at all (no false positives, no leak after destroy).
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "subprocess.hpp"

namespace fs = std::filesystem;
using glimmer::tests::ProcessLimits;
using glimmer::tests::ProcessResult;
using glimmer::tests::run_process;

namespace {

constexpr int kValgrindStatus = 97;

std::string find_in_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec)) return candidate.string();
    }
    return {};
}

ProcessResult run(std::vector<std::string> argv) {
    ProcessLimits limits;
    limits.timeout = std::chrono::milliseconds(120'000);
    return run_process(argv, limits);
}

ProcessResult under_valgrind(const std::vector<std::string>& probe_args) {
    const std::string valgrind = find_in_path("valgrind");
    BOOST_REQUIRE_MESSAGE(!valgrind.empty(), "valgrind is not installed (scripts/setup.sh)");
    std::vector<std::string> argv = {valgrind,
                                     "--tool=memcheck",
                                     "--error-exitcode=" + std::to_string(kValgrindStatus),
                                     "--leak-check=full",
                                     "--errors-for-leak-kinds=definite",
                                     HEAP_MISUSE_PROBE};
    argv.insert(argv.end(), probe_args.begin(), probe_args.end());
    return run(argv);
}

ProcessResult under_asan(const std::vector<std::string>& probe_args) {
    std::vector<std::string> argv = {HEAP_MISUSE_PROBE_ASAN};
    argv.insert(argv.end(), probe_args.begin(), probe_args.end());
    return run(argv);
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A tool's report ended the run: its status, and every expected phrase in its report.
void expect_report(const ProcessResult& r, int status, const std::vector<std::string>& phrases,
                   const std::string& what) {
    BOOST_TEST_CONTEXT(what << "\n--- stderr ---\n" << r.err << "\n--- stdout ---\n" << r.out) {
        BOOST_TEST(r.exited());
        if (status >= 0)
            BOOST_TEST(r.exit_code == status);
        else
            BOOST_TEST(r.exit_code != 0);
        BOOST_TEST(r.exit_code != 2);  // the probe's own failure
        for (const auto& phrase : phrases)
            BOOST_TEST(contains(r.err, phrase), "report names \"" << phrase << "\"");
    }
}

void expect_silence(const ProcessResult& r, const std::string& what) {
    BOOST_TEST_CONTEXT(what << "\n--- stderr ---\n" << r.err << "\n--- stdout ---\n" << r.out) {
        BOOST_TEST(r.exited());
        BOOST_TEST(r.exit_code == 0);
        BOOST_TEST(contains(r.out, "clean: "));
        BOOST_TEST(!contains(r.err, "Invalid"));
        BOOST_TEST(!contains(r.err, "AddressSanitizer"));
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(memcheck)

// small slot, medium block
BOOST_AUTO_TEST_CASE(use_after_free_is_an_invalid_read_of_a_freed_block) {
    for (const char* size : {"32", "1000"}) {
        expect_report(under_valgrind({"use-after-free", size}), kValgrindStatus,
                      {"Invalid read of size 1", "free'd"}, std::string("block of ") + size);
    }
}

// a multiple of 16 (no slack: only the redzone catches it), an odd size, a huge block
BOOST_AUTO_TEST_CASE(one_byte_overflow_is_an_invalid_write) {
    for (const char* size : {"32", "1000", "33", "300000"}) {
        expect_report(under_valgrind({"overflow", size}), kValgrindStatus,
                      {"Invalid write of size 1"}, std::string("block of ") + size);
    }
}

BOOST_AUTO_TEST_CASE(reading_a_medium_header_is_an_invalid_read) {
    expect_report(under_valgrind({"underflow", "1000"}), kValgrindStatus,
                  {"Invalid read of size 1"}, "header of a block of 1000");
}

BOOST_AUTO_TEST_CASE(correct_use_draws_no_report_and_destroy_leaves_no_leak) {
    const ProcessResult r = under_valgrind({"clean"});
    expect_silence(r, "clean run under memcheck");
    BOOST_TEST(!contains(r.err, "definitely lost"), r.err);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(asan)

BOOST_AUTO_TEST_CASE(use_after_free_is_a_use_after_poison) {
    for (const char* size : {"32", "1000"}) {
        expect_report(under_asan({"use-after-free", size}), -1,
                      {"ERROR: AddressSanitizer: use-after-poison", "READ of size 1"},
                      std::string("block of ") + size);
    }
}

BOOST_AUTO_TEST_CASE(one_byte_overflow_is_a_use_after_poison) {
    for (const char* size : {"32", "1000", "33", "300000"}) {
        expect_report(under_asan({"overflow", size}), -1,
                      {"ERROR: AddressSanitizer: use-after-poison", "WRITE of size 1"},
                      std::string("block of ") + size);
    }
}

BOOST_AUTO_TEST_CASE(reading_a_medium_header_is_a_use_after_poison) {
    expect_report(under_asan({"underflow", "1000"}), -1,
                  {"ERROR: AddressSanitizer: use-after-poison", "READ of size 1"},
                  "header of a block of 1000");
}

BOOST_AUTO_TEST_CASE(correct_use_draws_no_report) {
    expect_silence(under_asan({"clean"}), "clean run under ASan");
}

BOOST_AUTO_TEST_SUITE_END()
