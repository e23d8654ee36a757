// Tokens of Glimmer-Weave (LANGUAGE.md §2).
//
// GLIMMER_TOKEN_KINDS is the single list of token kinds: X(Enumerator, "spelling"). The spelling
// is the exact source text for keywords, multi-word operators and symbols, and a description in
// angle brackets for the token classes that carry a value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

#include "interpreter/source.hpp"

namespace glimmer::interp::lexer {

#define GLIMMER_TOKEN_KINDS(X)                                          \
    /* token classes */                                                 \
    X(Eof, "<end of input>")                                            \
    X(Newline, "<newline>")                                             \
    X(Number, "<number>")                                               \
    X(String, "<string>")                                               \
    X(Identifier, "<identifier>")                                       \
    X(Lifetime, "<lifetime>")                                           \
    /* keywords */                                                      \
    X(Bind, "bind")                                                     \
    X(Weave, "weave")                                                   \
    X(Set, "set")                                                       \
    X(To, "to")                                                         \
    X(As, "as")                                                         \
    X(Should, "should")                                                 \
    X(Then, "then")                                                     \
    X(Otherwise, "otherwise")                                           \
    X(End, "end")                                                       \
    X(For, "for")                                                       \
    X(Each, "each")                                                     \
    X(In, "in")                                                         \
    X(Range, "range")                                                   \
    X(Whilst, "whilst")                                                 \
    X(Break, "break")                                                   \
    X(Continue, "continue")                                             \
    X(Chant, "chant")                                                   \
    X(Yield, "yield")                                                   \
    X(Form, "form")                                                     \
    X(Variant, "variant")                                               \
    X(Aspect, "aspect")                                                 \
    X(Embody, "embody")                                                 \
    X(Grove, "grove")                                                   \
    X(Offer, "offer")                                                   \
    X(Summon, "summon")                                                 \
    X(Gather, "gather")                                                 \
    X(From, "from")                                                     \
    X(Match, "match")                                                   \
    X(When, "when")                                                     \
    X(With, "with")                                                     \
    X(Attempt, "attempt")                                               \
    X(Harmonize, "harmonize")                                           \
    X(On, "on")                                                         \
    X(True, "true")                                                     \
    X(False, "false")                                                   \
    X(Nothing, "nothing")                                               \
    X(Is, "is")                                                         \
    X(And, "and")                                                       \
    X(Or, "or")                                                         \
    X(Not, "not")                                                       \
    X(Present, "Present")                                               \
    X(Absent, "Absent")                                                 \
    X(Triumph, "Triumph")                                               \
    X(Mishap, "Mishap")                                                 \
    /* reserved keywords without a meaning (yet) */                     \
    X(Borrow, "borrow")                                                 \
    X(Mut, "mut")                                                       \
    X(Seek, "seek")                                                     \
    X(Where, "where")                                                   \
    X(By, "by")                                                         \
    X(Filter, "filter")                                                 \
    X(Sort, "sort")                                                     \
    X(Take, "take")                                                     \
    X(First, "first")                                                   \
    X(Last, "last")                                                     \
    X(Request, "request")                                               \
    X(Justification, "justification")                                   \
    X(After, "after")                                                   \
    X(Before, "before")                                                 \
    X(Ascending, "ascending")                                           \
    X(Descending, "descending")                                         \
    /* multi-word operators (one token each) */                         \
    X(IsNot, "is not")                                                  \
    X(GreaterThan, "greater than")                                      \
    X(LessThan, "less than")                                            \
    X(AtLeast, "at least")                                              \
    X(AtMost, "at most")                                                \
    /* symbols */                                                       \
    X(Plus, "+")                                                        \
    X(Minus, "-")                                                       \
    X(Star, "*")                                                        \
    X(Slash, "/")                                                       \
    X(Percent, "%")                                                     \
    X(LessEqual, "<=")                                                  \
    X(GreaterEqual, ">=")                                               \
    X(Less, "<")    /* generic-type bracket only, never a comparison */ \
    X(Greater, ">") /* generic-type bracket only, never a comparison */ \
    X(Pipe, "|")                                                        \
    X(LeftParen, "(")                                                   \
    X(RightParen, ")")                                                  \
    X(LeftBracket, "[")                                                 \
    X(RightBracket, "]")                                                \
    X(LeftBrace, "{")                                                   \
    X(RightBrace, "}")                                                  \
    X(Comma, ",")                                                       \
    X(Colon, ":")                                                       \
    X(Dot, ".")                                                         \
    X(Question, "?")                                                    \
    X(Ellipsis, "...")                                                  \
    X(Arrow, "->")

enum class TokenKind : std::uint8_t {
#define GLIMMER_TOKEN_ENUM(name, spelling) name,
    GLIMMER_TOKEN_KINDS(GLIMMER_TOKEN_ENUM)
#undef GLIMMER_TOKEN_ENUM
};

namespace detail {

inline constexpr std::string_view kTokenNames[] = {
#define GLIMMER_TOKEN_NAME(name, spelling) std::string_view(#name),
    GLIMMER_TOKEN_KINDS(GLIMMER_TOKEN_NAME)
#undef GLIMMER_TOKEN_NAME
};

inline constexpr std::string_view kTokenSpellings[] = {
#define GLIMMER_TOKEN_SPELLING(name, spelling) std::string_view(spelling),
    GLIMMER_TOKEN_KINDS(GLIMMER_TOKEN_SPELLING)
#undef GLIMMER_TOKEN_SPELLING
};

}  // namespace detail

// "Bind", "IsNot", "LeftParen", ...: the enumerator's name (used by dump_tokens).
constexpr std::string_view kind_name(TokenKind kind) noexcept {
    return detail::kTokenNames[static_cast<std::size_t>(kind)];
}

// "bind", "is not", "(", "<identifier>", ...: how the kind reads in error messages.
constexpr std::string_view spelling(TokenKind kind) noexcept {
    return detail::kTokenSpellings[static_cast<std::size_t>(kind)];
}

// True for every keyword in §2 (including the reserved-but-unused ones), not for multi-word
// operators.
constexpr bool is_keyword(TokenKind kind) noexcept {
    return kind >= TokenKind::Bind && kind <= TokenKind::Descending;
}

struct Token {
    TokenKind kind = TokenKind::Eof;
    SourceLocation location;
    // Identifier: its name. String: the decoded contents (escapes applied). Lifetime: the name
    // without the quote. Number: the digits as written. Keywords and symbols: their spelling.
    std::pmr::string text;
    // Number: the value (inf for literals too large for a double). 0 for every other kind.
    double number = 0;
};

// Tokens and their texts live in the memory resource given to tokenize() (the runtime's heap when
// the interpreter lexes).
using TokenList = std::pmr::vector<Token>;

}  // namespace glimmer::interp::lexer
