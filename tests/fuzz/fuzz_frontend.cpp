// fuzz_frontend.cpp — the lexer and the parser on arbitrary bytes.
//
// Any input either parses (and then its AST dump and token dump can be produced) or is refused
// with a SyntaxError at a real position of the input: line >= 1, column >= 1, the line within
// the text, a non-empty message. No other exception, no crash, no hang; nesting is bounded by
// the parser's own depth limit, so deep brackets cannot overflow the native stack.
#include <algorithm>
#include <optional>
#include <string>

#include "fuzz_entry.hpp"
#include "interpreter/lexer/lexer.hpp"
#include "interpreter/parser/ast_dump.hpp"
#include "interpreter/parser/parser.hpp"
#include "interpreter/source.hpp"

namespace {

using namespace glimmer::interp;

void require_located(const SyntaxError& e, const SourceFile& source, const char* stage) {
    std::size_t lines =
        1 + static_cast<std::size_t>(std::count(source.text().begin(), source.text().end(), '\n'));
    FUZZ_REQUIRE(e.location().line >= 1 && e.location().line <= lines,
                 "%s: error line %u outside the %zu lines of the input", stage, e.location().line,
                 lines);
    FUZZ_REQUIRE(e.location().column >= 1, "%s: column 0", stage);
    FUZZ_REQUIRE(!e.detail().empty(), "%s: empty message", stage);
    FUZZ_REQUIRE(std::string(e.what()).find("Syntax error") != std::string::npos,
                 "%s: message without 'Syntax error': %s", stage, e.what());
}

}  // namespace

extern "C" int GLIMMER_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
    SourceFile source("fuzz.gw", std::string(reinterpret_cast<const char*>(data), size));
    try {
        lexer::TokenList tokens = lexer::tokenize(source);
        FUZZ_REQUIRE(!tokens.empty(), "tokenize gave no Eof token");
        (void)lexer::dump_tokens(tokens);
    } catch (const SyntaxError& e) {
        require_located(e, source, "lexer");
    } catch (const std::exception& e) {
        FUZZ_REQUIRE(false, "lexer threw a non-syntax exception: %s", e.what());
    }
    try {
        ast::Program program = parser::parse(source);
        (void)parser::dump_ast(program);
    } catch (const SyntaxError& e) {
        require_located(e, source, "parser");
    } catch (const std::exception& e) {
        FUZZ_REQUIRE(false, "parser threw a non-syntax exception: %s", e.what());
    }
    return 0;
}
