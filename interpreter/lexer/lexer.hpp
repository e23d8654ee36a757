// Source text -> tokens (LANGUAGE.md §2).
#pragma once

#include <memory_resource>
#include <optional>
#include <string>

#include "interpreter/lexer/token.hpp"
#include "interpreter/source.hpp"

namespace glimmer::interp::lexer {

// Every token of `source`, ending with one Eof token. Comments are dropped; each '\n' outside a
// string is a Newline token. Throws SyntaxError at the first lexical error (unknown character,
// unterminated string, invalid UTF-8, NUL byte).
TokenList tokenize(const SourceFile& source,
                   std::pmr::memory_resource* memory = std::pmr::get_default_resource());

// The tokens before the first lexical error, then an Eof token at the error's location; the error
// itself goes to `error` (left empty when there is none). parser::parse(SourceFile) uses this so
// that the error reported is always the first one in the source, lexical or syntactic.
TokenList tokenize_until_error(
    const SourceFile& source, std::optional<SyntaxError>& error,
    std::pmr::memory_resource* memory = std::pmr::get_default_resource());

// One token per line: "LINE:COL Kind" plus the token's text for identifiers, numbers (as
// written), strings (quoted, escaped) and lifetimes. Used by `glimmer --dump-tokens` and the
// golden tests.
std::string dump_tokens(const TokenList& tokens);

}  // namespace glimmer::interp::lexer
