// The one Boost.Test main shared by every test executable (dynamic Boost.Test library).
#define BOOST_TEST_MODULE glimmer
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace {

// Tests write their scratch files under std::filesystem::temp_directory_path(), some with
// fixed names: two test runs at once (two clones, two worktrees, ctest -j) would trample each
// other's files. Each test process gets a folder of its own instead, through TMPDIR (which
// temp_directory_path and the tools the tests start both honour), removed at the end.
class PrivateTempDir {
  public:
    PrivateTempDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "glimmer-test-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) return;  // keep the shared folder
        dir_ = pattern;
        setenv("TMPDIR", dir_.c_str(), 1);
    }
    ~PrivateTempDir() {
        if (dir_.empty()) return;
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    PrivateTempDir(const PrivateTempDir&) = delete;
    PrivateTempDir& operator=(const PrivateTempDir&) = delete;

  private:
    std::string dir_;
};

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(PrivateTempDir);
