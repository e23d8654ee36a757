// corpus_replay_test.cpp — every committed fuzz input, replayed in a normal build.
//
// For each fuzz target (fuzz_targets.inc, written by CMake) the files of
// tests/fuzz/corpus/<target>/ (the seed corpus) and tests/fuzz/regressions/<target>/ (every crash a
// fuzzer ever found, kept after the fix) go through the target's entry point. A broken promise
// aborts with the target's message (fuzz_entry.hpp); the checkpoint names the file.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "fuzz_entry.hpp"

#define X(name) extern "C" int fuzz_##name##_entry(const std::uint8_t* data, std::size_t size);
#include "fuzz_targets.inc"
#undef X

namespace fs = std::filesystem;

namespace {

using Entry = int (*)(const std::uint8_t*, std::size_t);

std::size_t replay_folder(const fs::path& dir, Entry entry) {
    if (!fs::is_directory(dir)) return 0;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir)) {
        if (e.is_regular_file() && e.path().filename().string()[0] != '.')
            files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
        std::ifstream in(file, std::ios::binary);
        std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
        BOOST_TEST_CHECKPOINT("replaying " << file.string());
        BOOST_TEST(entry(bytes.data(), bytes.size()) == 0, file.string());
    }
    return files.size();
}

void replay_target(const char* name, Entry entry) {
    fs::path root(GLIMMER_FUZZ_DIR);
    std::size_t seeds = replay_folder(root / "corpus" / name, entry);
    std::size_t regressions = replay_folder(root / "regressions" / name, entry);
    BOOST_TEST_MESSAGE("fuzz target " << name << ": " << seeds << " seed inputs, " << regressions
                                      << " regression inputs replayed");
    BOOST_TEST(seeds > 0u, "no seed corpus for fuzz target " << name);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fuzz)

#define X(name)                                                        \
    BOOST_AUTO_TEST_CASE(name##_corpus_and_regressions_replay_clean) { \
        replay_target(#name, fuzz_##name##_entry);                     \
    }
#include "fuzz_targets.inc"
#undef X

BOOST_AUTO_TEST_SUITE_END()
