// Source text -> tokens (LANGUAGE.md §2).
#pragma once

#include <string>

#include "interpreter/lexer/token.hpp"
#include "interpreter/source.hpp"

namespace glimmer::interp::lexer {

// Every token of `source`, ending with one Eof token. Comments are dropped; each '\n' outside a
// string is a Newline token. Throws SyntaxError at the first lexical error (unknown character,
// unterminated string, invalid UTF-8, NUL byte).
TokenList tokenize(const SourceFile& source);

// One token per line: "LINE:COL Kind" plus the token's text for identifiers, numbers (as
// written), strings (quoted, escaped) and lifetimes. Used by `glimmer --dump-tokens` and the
// golden tests.
std::string dump_tokens(const TokenList& tokens);

}  // namespace glimmer::interp::lexer
