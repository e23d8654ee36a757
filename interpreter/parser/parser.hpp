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
    // Deepest nesting before "nesting too deep". Every bracket, operator of a chain, prefix,
    // postfix, pattern and type argument counts one level; a nested block counts two (its
    // statement and its body), so 1000 allows ~500 nested blocks or ~1000 nested brackets.
    // Bounds the parser's native recursion (at the limit: under 0.5 MiB of stack optimised,
    // under 4 MiB with ASan) and the depth of the tree, so recursive walks of it are safe too.
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
