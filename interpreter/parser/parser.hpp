// Tokens -> AST (LANGUAGE.md §3-§14): recursive descent for statements, precedence climbing for
// binary operators. The first syntax error stops parsing and is thrown as SyntaxError.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <string>

#include "interpreter/lexer/token.hpp"
#include "interpreter/parser/ast.hpp"
#include "interpreter/source.hpp"

namespace glimmer::interp::parser {

struct ParseOptions {
    // Deepest nesting of brackets, blocks and operator chains before "nesting too deep".
    // Keeps the parser's native recursion well inside any thread's stack (also under ASan).
    std::size_t max_depth = 1000;
};

// Parses `tokens` (ending with Eof, as tokenize() returns them). Every node of the result is
// allocated from an arena that draws on `memory`; scratch space comes from `memory` too.
// `source_name` becomes Program::source_name().
ast::Program parse(const lexer::TokenList& tokens, std::string source_name = "<script>",
                   std::pmr::memory_resource* memory = std::pmr::get_default_resource(),
                   ParseOptions options = {});

// tokenize() then parse().
ast::Program parse(const SourceFile& source,
                   std::pmr::memory_resource* memory = std::pmr::get_default_resource(),
                   ParseOptions options = {});

}  // namespace glimmer::interp::parser
