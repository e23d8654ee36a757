#include "interpreter/lexer/token.hpp"

#include <array>

namespace glimmer::interp::lexer {

namespace {

constexpr std::array kNames = {
#define GLIMMER_TOKEN_NAME(name, spelling) std::string_view(#name),
    GLIMMER_TOKEN_KINDS(GLIMMER_TOKEN_NAME)
#undef GLIMMER_TOKEN_NAME
};

constexpr std::array kSpellings = {
#define GLIMMER_TOKEN_SPELLING(name, spelling) std::string_view(spelling),
    GLIMMER_TOKEN_KINDS(GLIMMER_TOKEN_SPELLING)
#undef GLIMMER_TOKEN_SPELLING
};

}  // namespace

std::string_view kind_name(TokenKind kind) noexcept {
    return kNames[static_cast<std::size_t>(kind)];
}

std::string_view spelling(TokenKind kind) noexcept {
    return kSpellings[static_cast<std::size_t>(kind)];
}

bool is_keyword(TokenKind kind) noexcept {
    return kind >= TokenKind::Bind && kind <= TokenKind::Descending;
}

}  // namespace glimmer::interp::lexer
