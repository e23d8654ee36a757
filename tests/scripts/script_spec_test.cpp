// The runner's own parts: comment directives and line mentions (script_spec.cpp).
#include "script_spec.hpp"

#include <boost/test/unit_test.hpp>

namespace glimmer::tests {

BOOST_AUTO_TEST_SUITE(runner)
BOOST_AUTO_TEST_SUITE(script_spec)

BOOST_AUTO_TEST_CASE(expect_lines_become_stdout_in_order) {
    const auto spec = parse_script_spec(
        "println(1)  # expect: 1\n# expect:\n# expect:  two spaces\r\n# expect: a # b\n", "t.gw");
    BOOST_TEST(spec.expected_stdout == "1\n\n two spaces\na # b\n");
    BOOST_TEST(spec.exit_code == 0);
    BOOST_TEST(spec.stderr_fragments.empty());
    BOOST_TEST(spec.gc_stress);
}

BOOST_AUTO_TEST_CASE(error_lines_default_the_exit_status_to_one) {
    const auto spec =
        parse_script_spec("# error: Runtime error: TypeError\n# error: ghost\n# line: 3\n", "t");
    BOOST_TEST(spec.exit_code == 1);
    BOOST_TEST(spec.stderr_fragments.size() == 2u);
    BOOST_TEST(spec.stderr_fragments[0] == "Runtime error: TypeError");
    BOOST_TEST(spec.error_line.value_or(0) == 3);
}

BOOST_AUTO_TEST_CASE(explicit_exit_status_and_switches_are_read) {
    const auto spec =
        parse_script_spec("# error: usage\n# exit: 2\n# gc-stress: skip\n# test-size: 40\n", "t");
    BOOST_TEST(spec.exit_code == 2);
    BOOST_TEST(!spec.gc_stress);
    BOOST_TEST(spec.test_size.value_or(0) == 40);
    BOOST_TEST(!parse_script_spec("# gc-stress: skip (quadratic under stress)\n", "t").gc_stress);
}

BOOST_AUTO_TEST_CASE(args_are_split_on_whitespace) {
    const auto spec = parse_script_spec("# args:  --memory-limit\t2M   --heap-stats\n", "t");
    BOOST_TEST(
        spec.extra_args == (std::vector<std::string>{"--memory-limit", "2M", "--heap-stats"}),
        boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(prose_comments_are_not_directives) {
    const auto spec = parse_script_spec("# we expect nothing here: an error would be odd\n", "t");
    BOOST_TEST(spec.expected_stdout.empty());
    BOOST_TEST(spec.stderr_fragments.empty());
}

BOOST_AUTO_TEST_CASE(malformed_directives_name_file_and_line) {
    const auto fails_with = [](const char* source, const std::string& text) {
        try {
            parse_script_spec(source, "bad.gw");
        } catch (const SpecError& error) {
            return std::string(error.what()).find(text) != std::string::npos;
        }
        return false;
    };
    BOOST_TEST(fails_with("\n# exit: one\n", "bad.gw:2: `# exit:` needs a whole number"));
    BOOST_TEST(fails_with("# line: 0\n", "bad.gw:1: `# line:` must be at least 1"));
    BOOST_TEST(fails_with("# error:   \n", "bad.gw:1: `# error:` needs"));
    BOOST_TEST(fails_with("# gc-stress: maybe\n", "bad.gw:1:"));
    BOOST_TEST(fails_with("# gc-stress: skipping\n", "bad.gw:1:"));
    BOOST_TEST(fails_with("# args:  \n", "bad.gw:1: `# args:` needs"));
}

BOOST_AUTO_TEST_CASE(line_mentions_need_the_whole_number) {
    BOOST_TEST(mentions_line("Syntax error at line 3, column 6", 3));
    BOOST_TEST(mentions_line("t.gw:3:6: Runtime error: X", 3));
    BOOST_TEST(mentions_line("at line 12", 12));
    BOOST_TEST(!mentions_line("Syntax error at line 30, column 6", 3));
    BOOST_TEST(!mentions_line("t.gw:1:3: Runtime error: X", 3));
    BOOST_TEST(!mentions_line("t.gw:13:1: Runtime error: X", 3));
    BOOST_TEST(!mentions_line("no location", 1));
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()

}  // namespace glimmer::tests
