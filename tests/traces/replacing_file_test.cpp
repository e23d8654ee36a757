// replacing_file_test.cpp - ReplacingFile: a file is replaced whole or not at all.
#include "replacing_file.hpp"

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "support.hpp"

using namespace glimmer::traces;
using namespace glimmer::traces::test;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(traces_replacing_file)

BOOST_AUTO_TEST_CASE(the_new_text_takes_the_old_one_s_place_only_when_committed) {
    Folder folder;
    const std::string target = (folder.path / "out.svg").string();
    std::ofstream(target) << "old";
    {
        ReplacingFile file(target, "the plot");
        file.write("new ");
        file.write("text");
        BOOST_TEST(read_text(target) == "old");  // not yet
        file.commit();
    }
    BOOST_TEST(read_text(target) == "new text");
    BOOST_TEST(folder.entries() == 1u);  // no temporary file left beside it
}

BOOST_AUTO_TEST_CASE(a_file_given_up_before_its_commit_leaves_the_old_one_and_no_litter) {
    Folder folder;
    const std::string target = (folder.path / "out.gwt").string();
    std::ofstream(target) << "old";
    {
        ReplacingFile file(target);
        file.write("half of it");
    }  // a defective trace: never committed
    BOOST_TEST(read_text(target) == "old");
    BOOST_TEST(folder.entries() == 1u);
}

BOOST_AUTO_TEST_CASE(a_folder_or_a_missing_folder_is_refused_at_once_with_the_reason) {
    Folder folder;
    try {
        ReplacingFile file(folder.path.string(), "the trace");
        BOOST_FAIL("a folder must be refused");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()) ==
                   folder.path.string() + ": cannot write the trace: Is a directory");
    }
    const std::string missing = (folder.path / "no" / "x.gwt").string();
    try {
        ReplacingFile file(missing, "the trace");
        BOOST_FAIL("a missing folder must be refused");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()) ==
                   missing + ": cannot write the trace: No such file or directory");
    }
}

// A device cannot be renamed over (and as root that would replace /dev/null with a file): it
// is written in place, and its errors are reported.
BOOST_AUTO_TEST_CASE(a_device_is_written_in_place) {
    {
        ReplacingFile null("/dev/null");
        null.write("gone");
        null.commit();
    }
    BOOST_TEST(fs::is_character_file("/dev/null"));
    ReplacingFile full("/dev/full", "the plot");
    try {
        full.write("x");
        full.commit();
        BOOST_FAIL("/dev/full must refuse the bytes");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()) ==
                   "/dev/full: cannot write the plot: No space left on device");
    }
    BOOST_TEST(fs::is_character_file("/dev/full"));
}

BOOST_AUTO_TEST_SUITE_END()
