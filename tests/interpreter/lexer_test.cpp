// interpreter/lexer: every token kind, every lexical error with its location, hostile bytes.
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "interpreter/lexer/lexer.hpp"
#include "interpreter/source.hpp"

namespace {

using namespace glimmer::interp;
using lexer::Token;
using lexer::TokenKind;

lexer::TokenList lex(std::string text) {
    return lexer::tokenize(SourceFile("test.gw", text));
}

// The kinds of the tokens of `text`, without the final Eof.
std::vector<TokenKind> kinds(std::string text) {
    std::vector<TokenKind> result;
    for (const Token& token : lex(std::move(text))) {
        if (token.kind != TokenKind::Eof) result.push_back(token.kind);
    }
    return result;
}

std::string kind_list(const std::vector<TokenKind>& list) {
    std::string out;
    for (const TokenKind kind : list) {
        if (!out.empty()) out += ' ';
        out += lexer::kind_name(kind);
    }
    return out;
}

#define CHECK_KINDS(text, ...) \
    BOOST_CHECK_EQUAL(kind_list(kinds(text)), kind_list(std::vector<TokenKind>{__VA_ARGS__}))

// The SyntaxError that lexing `text` throws (fails the test when there is none).
SyntaxError lex_error(const std::string& text) {
    try {
        lex(text);
    } catch (const SyntaxError& error) {
        return error;
    }
    BOOST_FAIL("no syntax error for: " + text);
    throw std::logic_error("unreachable");
}

void check_error(const std::string& text, std::uint32_t line, std::uint32_t column,
                 const std::string& fragment) {
    const SyntaxError error = lex_error(text);
    BOOST_TEST_CONTEXT("source: " << text << "\nerror: " << error.what()) {
        BOOST_CHECK_EQUAL(error.location().line, line);
        BOOST_CHECK_EQUAL(error.location().column, column);
        BOOST_CHECK_NE(std::string(error.what()).find(fragment), std::string::npos);
        BOOST_CHECK_EQUAL(std::string(error.what())
                              .rfind("Syntax error at line " + std::to_string(line) + ", column " +
                                         std::to_string(column) + ": ",
                                     0),
                          0u);
    }
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(interpreter)
BOOST_AUTO_TEST_SUITE(lexer_tokens)

BOOST_AUTO_TEST_CASE(every_keyword_is_its_own_token) {
    int count = 0;
    for (int k = static_cast<int>(TokenKind::Bind); k <= static_cast<int>(TokenKind::Descending);
         ++k) {
        const auto kind = static_cast<TokenKind>(k);
        BOOST_TEST_CONTEXT(lexer::spelling(kind)) {
            BOOST_CHECK(lexer::is_keyword(kind));
            const auto tokens = lex(std::string(lexer::spelling(kind)));
            BOOST_REQUIRE_EQUAL(tokens.size(), 2u);
            BOOST_CHECK(tokens[0].kind == kind);
            BOOST_CHECK_EQUAL(tokens[0].text, lexer::spelling(kind));
        }
        ++count;
    }
    BOOST_CHECK_EQUAL(count, 60);  // 44 keywords of the language + 16 reserved-unused words
}

BOOST_AUTO_TEST_CASE(keywords_are_case_sensitive_and_whole_words) {
    CHECK_KINDS("Bind binding present absent _bind bind_ end2", TokenKind::Identifier,
                TokenKind::Identifier, TokenKind::Identifier, TokenKind::Identifier,
                TokenKind::Identifier, TokenKind::Identifier, TokenKind::Identifier);
    CHECK_KINDS("Present Absent Triumph Mishap", TokenKind::Present, TokenKind::Absent,
                TokenKind::Triumph, TokenKind::Mishap);
}

BOOST_AUTO_TEST_CASE(every_symbol_is_recognised) {
    for (int k = static_cast<int>(TokenKind::Plus); k <= static_cast<int>(TokenKind::Arrow); ++k) {
        const auto kind = static_cast<TokenKind>(k);
        BOOST_TEST_CONTEXT(lexer::spelling(kind)) {
            BOOST_CHECK(!lexer::is_keyword(kind));
            const auto tokens = lex(std::string(lexer::spelling(kind)));
            BOOST_REQUIRE_EQUAL(tokens.size(), 2u);
            BOOST_CHECK(tokens[0].kind == kind);
        }
    }
    CHECK_KINDS("a<=b>=c<d>e->f...g.h", TokenKind::Identifier, TokenKind::LessEqual,
                TokenKind::Identifier, TokenKind::GreaterEqual, TokenKind::Identifier,
                TokenKind::Less, TokenKind::Identifier, TokenKind::Greater, TokenKind::Identifier,
                TokenKind::Arrow, TokenKind::Identifier, TokenKind::Ellipsis, TokenKind::Identifier,
                TokenKind::Dot, TokenKind::Identifier);
    CHECK_KINDS("..", TokenKind::Dot, TokenKind::Dot);
    CHECK_KINDS("- >", TokenKind::Minus, TokenKind::Greater);
}

BOOST_AUTO_TEST_CASE(multi_word_operators_are_single_tokens) {
    CHECK_KINDS("a is not b", TokenKind::Identifier, TokenKind::IsNot, TokenKind::Identifier);
    CHECK_KINDS("greater than less than at least at most", TokenKind::GreaterThan,
                TokenKind::LessThan, TokenKind::AtLeast, TokenKind::AtMost);
    // Spaces and tabs between the words are fine; a newline is not.
    CHECK_KINDS("is  \tnot", TokenKind::IsNot);
    CHECK_KINDS("is\nnot", TokenKind::Is, TokenKind::Newline, TokenKind::Not);
    // The second word must be the whole word.
    CHECK_KINDS("is nothing", TokenKind::Is, TokenKind::Nothing);
    CHECK_KINDS("is notable", TokenKind::Is, TokenKind::Identifier);
    CHECK_KINDS("at", TokenKind::Identifier);
    CHECK_KINDS("at home", TokenKind::Identifier, TokenKind::Identifier);
    CHECK_KINDS("greater", TokenKind::Identifier);
    CHECK_KINDS("less thanks", TokenKind::Identifier, TokenKind::Identifier);
    CHECK_KINDS("is", TokenKind::Is);
    const auto tokens = lex("x at  least y");
    BOOST_CHECK_EQUAL(tokens[1].location.column, 3u);
    BOOST_CHECK_EQUAL(tokens[1].text, "at least");
    BOOST_CHECK_EQUAL(tokens[2].location.column, 13u);
}

BOOST_AUTO_TEST_CASE(identifiers_take_letters_digits_and_underscores) {
    const auto tokens = lex("self _ _x1 camelCase x2y");
    BOOST_REQUIRE_EQUAL(tokens.size(), 6u);
    const char* names[] = {"self", "_", "_x1", "camelCase", "x2y"};
    for (int i = 0; i < 5; ++i) {
        BOOST_CHECK(tokens[i].kind == TokenKind::Identifier);
        BOOST_CHECK_EQUAL(tokens[i].text, names[i]);
    }
}

BOOST_AUTO_TEST_CASE(numbers_are_digits_with_an_optional_fraction) {
    auto tokens = lex("42 3.25 0 007");
    BOOST_CHECK_EQUAL(tokens[0].number, 42.0);
    BOOST_CHECK_EQUAL(tokens[1].number, 3.25);
    BOOST_CHECK_EQUAL(tokens[1].text, "3.25");
    BOOST_CHECK_EQUAL(tokens[2].number, 0.0);
    BOOST_CHECK_EQUAL(tokens[3].number, 7.0);
    BOOST_CHECK_EQUAL(lex("0.1")[0].number, 0.1);
    // `1.` is 1 then '.', `1e3` is 1 then the identifier e3, `-5` is minus then 5.
    CHECK_KINDS("1.", TokenKind::Number, TokenKind::Dot);
    CHECK_KINDS("1.x", TokenKind::Number, TokenKind::Dot, TokenKind::Identifier);
    CHECK_KINDS("1e3", TokenKind::Number, TokenKind::Identifier);
    CHECK_KINDS("-5", TokenKind::Minus, TokenKind::Number);
    CHECK_KINDS("1.2.3", TokenKind::Number, TokenKind::Dot, TokenKind::Number);
    CHECK_KINDS("0x1F", TokenKind::Number, TokenKind::Identifier);
    BOOST_CHECK_EQUAL(lex("1.2.3")[0].number, 1.2);
}

BOOST_AUTO_TEST_CASE(enormous_numbers_become_inf_or_the_nearest_double) {
    BOOST_CHECK(std::isinf(lex(std::string(400, '9'))[0].number));
    BOOST_CHECK(std::isinf(lex(std::string(100000, '7') + ".5")[0].number));
    BOOST_CHECK_EQUAL(lex("1" + std::string(308, '0'))[0].number, 1e308);
    BOOST_CHECK_EQUAL(lex("100000000000000000000")[0].number, 1e20);
    BOOST_CHECK_EQUAL(lex("0." + std::string(400, '0') + "1")[0].number, 0.0);
    BOOST_CHECK_EQUAL(lex("0." + std::string(315, '0') + "1")[0].number, 1e-316);
    BOOST_CHECK_EQUAL(lex("9007199254740993")[0].number, 9007199254740992.0);  // ties to even
}

BOOST_AUTO_TEST_CASE(strings_decode_the_listed_escapes_and_keep_others) {
    auto tokens = lex(R"("a\nb\tc\rd\\e\"f")");
    BOOST_CHECK(tokens[0].kind == TokenKind::String);
    BOOST_CHECK_EQUAL(tokens[0].text, "a\nb\tc\rd\\e\"f");
    BOOST_CHECK_EQUAL(lex(R"("a\qb")")[0].text, "a\\qb");
    BOOST_CHECK_EQUAL(lex(R"("a\qb")")[0].text.size(), 4u);
    BOOST_CHECK_EQUAL(lex(R"("\0\x41\u{1F600}")")[0].text, R"(\0\x41\u{1F600})");
    BOOST_CHECK_EQUAL(lex(R"("\\n")")[0].text, "\\n");
    BOOST_CHECK_EQUAL(lex(R"("")")[0].text, "");
    BOOST_CHECK_EQUAL(lex("\"h\xC3\xA9llo \xE2\x9C\xA8\"")[0].text, "h\xC3\xA9llo \xE2\x9C\xA8");
    BOOST_CHECK_EQUAL(lex("\"\\\xC3\xA9\"")[0].text, "\\\xC3\xA9");  // unknown escape of a é
}

BOOST_AUTO_TEST_CASE(strings_may_contain_raw_newlines_and_lines_keep_counting) {
    const auto tokens = lex("\"one\ntwo\\\nthree\" x");
    BOOST_CHECK_EQUAL(tokens[0].text, "one\ntwo\\\nthree");
    BOOST_CHECK_EQUAL(tokens[0].location.line, 1u);
    BOOST_CHECK(tokens[1].kind == TokenKind::Identifier);
    BOOST_CHECK_EQUAL(tokens[1].location.line, 3u);
    BOOST_CHECK_EQUAL(tokens[1].location.column, 8u);
}

BOOST_AUTO_TEST_CASE(newlines_are_tokens_and_comments_vanish) {
    CHECK_KINDS("a # comment ; = @ \xE2\x9C\xA8\nb\n\n# only a comment\nc", TokenKind::Identifier,
                TokenKind::Newline, TokenKind::Identifier, TokenKind::Newline, TokenKind::Newline,
                TokenKind::Newline, TokenKind::Identifier);
    CHECK_KINDS("a\r\nb\r\n", TokenKind::Identifier, TokenKind::Newline, TokenKind::Identifier,
                TokenKind::Newline);
    CHECK_KINDS("#", );
    CHECK_KINDS("", );
    CHECK_KINDS(" \t\r ", );
}

BOOST_AUTO_TEST_CASE(lifetimes_are_quote_then_name) {
    const auto tokens = lex("'a 'static");
    BOOST_CHECK(tokens[0].kind == TokenKind::Lifetime);
    BOOST_CHECK_EQUAL(tokens[0].text, "a");
    BOOST_CHECK_EQUAL(tokens[1].text, "static");
}

BOOST_AUTO_TEST_CASE(locations_are_one_based_lines_and_character_columns) {
    const auto tokens = lex("bind x to 1\n  z # \xC3\xA9t\xC3\xA9");
    // "bind" 1:1, "x" 1:6, "to" 1:8, "1" 1:11, newline 1:12
    BOOST_CHECK_EQUAL(tokens[1].location.column, 6u);
    BOOST_CHECK_EQUAL(tokens[3].location.column, 11u);
    BOOST_CHECK(tokens[4].kind == TokenKind::Newline);
    BOOST_CHECK_EQUAL(tokens[4].location.line, 1u);
    BOOST_CHECK_EQUAL(tokens[4].location.column, 12u);
    BOOST_CHECK_EQUAL(tokens[5].location.line, 2u);
    BOOST_CHECK_EQUAL(tokens[5].location.column, 3u);
    // Columns count characters, as an editor does: after a multi-byte string, and after a tab.
    const auto after = lex("\"\xC3\xA9\" x\n\ty");
    BOOST_CHECK_EQUAL(after[1].location.column, 5u);  // the string is 3 characters, then a space
    BOOST_CHECK_EQUAL(after[3].location.line, 2u);
    BOOST_CHECK_EQUAL(after[3].location.column, 2u);  // a tab is one character
}

BOOST_AUTO_TEST_CASE(eof_sits_at_the_end_of_the_last_line) {
    auto tokens = lex("a\nbc");
    BOOST_CHECK_EQUAL(tokens.back().location.line, 2u);
    BOOST_CHECK_EQUAL(tokens.back().location.column, 3u);
    tokens = lex("a\nbc\n");
    BOOST_CHECK_EQUAL(tokens.back().location.line, 2u);
    BOOST_CHECK_EQUAL(tokens.back().location.column, 3u);
    tokens = lex("");
    BOOST_CHECK(tokens.back().kind == TokenKind::Eof);
    BOOST_CHECK_EQUAL(tokens.back().location.line, 1u);
    BOOST_CHECK_EQUAL(tokens.back().location.column, 1u);
}

BOOST_AUTO_TEST_CASE(a_byte_order_mark_is_skipped) {
    const auto tokens =
        lex("\xEF\xBB\xBF"
            "bind");
    BOOST_CHECK(tokens[0].kind == TokenKind::Bind);
    BOOST_CHECK_EQUAL(tokens[0].location.column, 1u);
}

BOOST_AUTO_TEST_CASE(dump_matches_the_golden_file) {
    const std::filesystem::path dir = std::filesystem::path(GLIMMER_FRONTEND_GOLDEN_DIR) / "tokens";
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".gw") continue;
        ++files;
        const std::filesystem::path expected_path =
            std::filesystem::path(entry.path()).replace_extension(".tokens");
        BOOST_TEST_CONTEXT(entry.path().filename().string()) {
            const SourceFile source(entry.path().string(), read_file(entry.path()));
            const std::string actual = lexer::dump_tokens(lexer::tokenize(source));
            BOOST_CHECK_EQUAL(actual, read_file(expected_path));
            // The streaming dump (glimmer --dump-tokens) is the same text.
            BOOST_CHECK_EQUAL(lexer::dump_tokens(source), actual);
        }
    }
    BOOST_CHECK_GE(files, 1);
}

BOOST_AUTO_TEST_CASE(token_stream_yields_what_tokenize_until_error_gives) {
    for (const char* text : {"bind x to 1\n# note\nset x to x + 2.5\n", "\xEF\xBB\xBFx is not y",
                             "bind x\n  = 1", "\"open", "", "\n\n"}) {
        BOOST_TEST_CONTEXT(text) {
            const SourceFile source("t.gw", text);
            std::optional<SyntaxError> list_error;
            const lexer::TokenList list = lexer::tokenize_until_error(source, list_error);
            lexer::TokenStream stream(source);
            std::size_t i = 0;
            for (;; ++i) {
                const lexer::Token token = stream.next();
                BOOST_REQUIRE_LT(i, list.size());
                BOOST_CHECK(token.kind == list[i].kind);
                BOOST_CHECK(token.location == list[i].location);
                BOOST_CHECK_EQUAL(token.text, list[i].text);
                if (token.kind == lexer::TokenKind::Eof) break;
            }
            BOOST_CHECK_EQUAL(i + 1, list.size());
            BOOST_CHECK(stream.next().kind == lexer::TokenKind::Eof);  // and again after the end
            BOOST_REQUIRE_EQUAL(stream.error().has_value(), list_error.has_value());
            if (list_error) BOOST_CHECK_EQUAL(stream.error()->what(), list_error->what());
        }
    }
}

BOOST_AUTO_TEST_CASE(dump_escapes_strings_and_shows_numbers_as_written) {
    BOOST_CHECK_EQUAL(lexer::dump_tokens(lex("\"a\\\"\x01\" 1.50 'b")),
                      "1:1 String \"a\\\"\\x01\"\n1:8 Number 1.50\n1:13 Lifetime 'b\n1:15 Eof\n");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(lexer_errors)

BOOST_AUTO_TEST_CASE(characters_outside_the_language_are_located_errors) {
    check_error("bind x = 5", 1, 8, "unexpected character '='");
    check_error("x == y", 1, 3, "'='");
    check_error("should !x then", 1, 8, "'!'");
    check_error("a\nbind b to 1; println(b)", 2, 12, "';'");
    check_error("println(@x)", 1, 9, "'@'");
    check_error("a && b", 1, 3, "'&'");
    check_error("x $ y", 1, 3, "'$'");
    check_error("`x`", 1, 1, "'`'");
    check_error("a \\ b", 1, 3, "'\\'");
    check_error("~a", 1, 1, "'~'");
    check_error("a ^ b", 1, 3, "'^'");
    check_error("x\n  'hello'", 2, 9, "double quotes");  // 'hello is a lifetime, then ' alone
    check_error("' x", 1, 1, "double quotes");
}

BOOST_AUTO_TEST_CASE(unterminated_strings_point_at_the_opening_quote) {
    check_error("bind s to \"abc", 1, 11, "unterminated string");
    check_error("a\n  \"line one\nline two", 2, 3, "unterminated string");
    check_error("\"ends with a backslash\\", 1, 1, "unterminated string");
    check_error("\"escaped quote \\\"", 1, 1, "unterminated string");
}

BOOST_AUTO_TEST_CASE(non_ascii_non_letters_outside_strings_are_named) {
    check_error("bind x to 2 \xC3\x97 3", 1, 13, "U+00D7");  // multiplication sign
    check_error("\xE2\x80\x9Cquoted\xE2\x80\x9D", 1, 1, "U+201C");
    check_error(
        "bind a\xE2\x86\x92"
        "b to 1",
        1, 7, "U+2192");  // an arrow ends a name
    check_error("bind \xF0\x9F\x98\x80 to 1", 1, 6, "U+1F600");
}

BOOST_AUTO_TEST_CASE(identifiers_take_unicode_letters) {
    // §2: letters are not only ASCII (`café`, `π`, `名前`); positions still count bytes.
    CHECK_KINDS("bind caf\xC3\xA9 to 1", TokenKind::Bind, TokenKind::Identifier, TokenKind::To,
                TokenKind::Number);
    auto tokens =
        lex("\xCF\x80 gr\xC3\xB6\xC3\x9F"
            "e2 \xE5\x90\x8D\xE5\x89\x8D 'l\xC3\xA4nge");
    BOOST_REQUIRE_EQUAL(tokens.size(), 5u);
    BOOST_CHECK_EQUAL(tokens[0].text, "\xCF\x80");
    BOOST_CHECK_EQUAL(tokens[1].text,
                      "gr\xC3\xB6\xC3\x9F"
                      "e2");
    BOOST_CHECK_EQUAL(tokens[2].text, "\xE5\x90\x8D\xE5\x89\x8D");
    BOOST_CHECK_EQUAL(tokens[2].location.column, 10u);  // columns count characters
    BOOST_CHECK(tokens[3].kind == TokenKind::Lifetime);
    BOOST_CHECK_EQUAL(tokens[3].text, "l\xC3\xA4nge");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_an_error_wherever_it_is) {
    check_error("x \xFF", 1, 3, "invalid UTF-8 byte 0xFF");
    check_error("\"ab\xFE\"", 1, 4, "invalid UTF-8 byte 0xFE");
    check_error("# comment \xC3", 1, 11, "invalid UTF-8 byte 0xC3");  // truncated sequence
    check_error("\"\xC0\x80\"", 1, 2, "invalid UTF-8");               // overlong NUL
    check_error("\"\xE0\x80\xAF\"", 1, 2, "invalid UTF-8");           // overlong '/'
    check_error("\"\xED\xA0\x80\"", 1, 2, "invalid UTF-8");           // surrogate
    check_error("\"\xF4\x90\x80\x80\"", 1, 2, "invalid UTF-8");       // above U+10FFFF
    check_error("\"\x80\"", 1, 2, "invalid UTF-8 byte 0x80");         // lone continuation
    check_error("\"\xE2\x9C\"", 1, 2, "invalid UTF-8");               // cut short by a quote
}

BOOST_AUTO_TEST_CASE(nul_bytes_and_control_characters_are_errors) {
    check_error(std::string("bind x\0 to 1", 12), 1, 7, "NUL byte");
    check_error(std::string("\"a\0b\"", 5), 1, 3, "NUL byte");
    check_error(std::string("# a\0b", 5), 1, 4, "NUL byte");
    check_error("a \x01", 1, 3, "control character 0x01");
    check_error("a\x7F", 1, 2, "control character 0x7F");
    check_error("a \x0C b", 1, 3, "control character 0x0C");
}

BOOST_AUTO_TEST_CASE(tokenize_until_error_keeps_the_tokens_before_the_error) {
    std::optional<SyntaxError> error;
    const auto tokens = lexer::tokenize_until_error(SourceFile("t.gw", "bind x\n  = 1"), error);
    BOOST_REQUIRE(error.has_value());
    BOOST_CHECK(error->location() == (SourceLocation{2, 3}));
    BOOST_REQUIRE_EQUAL(tokens.size(), 4u);  // bind x newline eof
    BOOST_CHECK(tokens.back().kind == TokenKind::Eof);
    BOOST_CHECK(tokens.back().location == (SourceLocation{2, 3}));
    const auto clean = lexer::tokenize_until_error(SourceFile("t.gw", "x"), error);
    BOOST_CHECK(!error.has_value());
    BOOST_CHECK_EQUAL(clean.size(), 2u);
}

BOOST_AUTO_TEST_CASE(random_bytes_lex_or_fail_cleanly) {
    std::mt19937 random(20261125);
    int failures = 0;
    for (int round = 0; round < 2000; ++round) {
        std::string bytes(random() % 200, '\0');
        for (char& c : bytes) {
            // Mostly printable ASCII, with some raw bytes mixed in.
            c = static_cast<char>(random() % 4 == 0 ? random() % 256 : 32 + random() % 95);
        }
        try {
            const auto tokens = lex(bytes);
            BOOST_REQUIRE(!tokens.empty());
            BOOST_REQUIRE(tokens.back().kind == TokenKind::Eof);
        } catch (const SyntaxError& error) {
            ++failures;
            BOOST_REQUIRE_GE(error.location().line, 1u);
            BOOST_REQUIRE_GE(error.location().column, 1u);
        }
    }
    BOOST_CHECK_GT(failures, 0);
}

BOOST_AUTO_TEST_CASE(a_one_mebibyte_line_is_fine) {
    const std::string long_text = "bind s to \"" + std::string(1 << 20, 'x') + "\"";
    const auto tokens = lex(long_text);
    BOOST_REQUIRE_EQUAL(tokens.size(), 5u);
    BOOST_CHECK_EQUAL(tokens[3].text.size(), std::size_t{1} << 20);
    const auto words = lex(std::string(1 << 20, 'a') + " b");
    BOOST_CHECK_EQUAL(words[1].location.column, (1u << 20) + 2);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(source)

BOOST_AUTO_TEST_CASE(line_text_returns_one_line_without_its_ending) {
    const SourceFile file("f.gw", "one\r\ntwo\n\nfour");
    BOOST_CHECK_EQUAL(file.line_text(1), "one");
    BOOST_CHECK_EQUAL(file.line_text(2), "two");
    BOOST_CHECK_EQUAL(file.line_text(3), "");
    BOOST_CHECK_EQUAL(file.line_text(4), "four");
    BOOST_CHECK_EQUAL(file.line_text(5), "");
    BOOST_CHECK_EQUAL(file.line_text(0), "");
}

BOOST_AUTO_TEST_CASE(diagnostics_show_file_line_column_source_and_caret) {
    const SourceFile file("demo.gw", "bind a to 1\n\tbind 5 to x\n");
    const SyntaxError error(SourceLocation{2, 7}, "expected identifier after 'bind'");
    BOOST_CHECK_EQUAL(std::string(error.what()),
                      "Syntax error at line 2, column 7: expected identifier after 'bind'");
    BOOST_CHECK_EQUAL(error.detail(), "expected identifier after 'bind'");
    BOOST_CHECK_EQUAL(format_diagnostic(file, error),
                      "demo.gw:2:7: Syntax error at line 2, column 7: expected identifier after "
                      "'bind'\n\tbind 5 to x\n\t     ^\n");
    // Multi-byte characters before the column take one caret position each.
    const SourceFile utf8("u.gw", "\"\xC3\xA9\xC3\xA9\" @");
    BOOST_CHECK_EQUAL(format_diagnostic(utf8, lex_error(utf8.text().data())),
                      "u.gw:1:6: Syntax error at line 1, column 6: unexpected character '@'\n"
                      "\"\xC3\xA9\xC3\xA9\" @\n     ^\n");
}

BOOST_AUTO_TEST_CASE(reading_a_missing_file_is_a_clear_error) {
    BOOST_CHECK_THROW(SourceFile::read("/nonexistent/glimmer/none.gw"), SourceReadError);
    BOOST_CHECK_THROW(SourceFile::read(std::filesystem::temp_directory_path()), SourceReadError);
    const auto path = std::filesystem::temp_directory_path() / "glimmer_frontend_read_test.gw";
    {
        std::ofstream out(path, std::ios::binary);
        out << "bind x to 1\n";
    }
    const SourceFile file = SourceFile::read(path);
    BOOST_CHECK_EQUAL(file.text(), "bind x to 1\n");
    BOOST_CHECK_EQUAL(file.name(), path.string());
    std::filesystem::remove(path);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
