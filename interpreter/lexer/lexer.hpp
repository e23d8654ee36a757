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

class Lexer;

// The tokens of `source` one at a time, for a reader that keeps only the ones it still needs (the
// parser): a whole token list costs 64 bytes a token, several hundred bytes a line. Yields the
// same tokens as tokenize_until_error(): after the last token, or at the first lexical error,
// Eof (at every later call too), and error() holds that error. `source` must outlive the stream.
class TokenStream {
  public:
    explicit TokenStream(const SourceFile& source,
                         std::pmr::memory_resource* memory = std::pmr::get_default_resource());
    ~TokenStream();
    TokenStream(const TokenStream&) = delete;
    TokenStream& operator=(const TokenStream&) = delete;

    Token next();
    const std::optional<SyntaxError>& error() const noexcept { return error_; }

  private:
    std::pmr::memory_resource* memory_;
    Lexer* lexer_;  // in `memory`, as everything the interpreter keeps
    std::optional<SyntaxError> error_;
    bool ended_ = false;
    SourceLocation end_;  // where the Eof token sits, once ended_
};

// One token per line: "LINE:COL Kind" plus the token's text for identifiers, numbers (as
// written), strings (quoted, escaped) and lifetimes. Used by `glimmer --dump-tokens` and the
// golden tests.
std::string dump_tokens(const TokenList& tokens);

// dump_tokens(tokenize(source)) without the token list: the tokens are dumped as they are lexed
// (the dump is a fifth of a token list's size). Throws SyntaxError as tokenize() does.
std::string dump_tokens(const SourceFile& source,
                        std::pmr::memory_resource* memory = std::pmr::get_default_resource());

}  // namespace glimmer::interp::lexer
