// The lexer: one pass over the bytes, no backtracking beyond the second word of a multi-word
// operator. Every byte is checked: invalid UTF-8, NUL bytes and characters outside the language
// stop the scan with a located SyntaxError.
#include "interpreter/lexer/lexer.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <system_error>

namespace glimmer::interp::lexer {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_word_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_word_char(char c) {
    return is_word_start(c) || is_digit(c);
}

// Non-ASCII letters for identifiers (`café`, `π`, `名前`), as the reference's Unicode
// is_alphabetic / is_alphanumeric allow. An approximation without the Unicode tables: every
// code point is a letter except the blocks of punctuation, symbols, spaces, arrows, operators,
// box drawing, emoji, private use and specials, which stay "unexpected character" errors.
bool is_letter_code(char32_t c) {
    if (c < 0x80) return false;
    if (c <= 0xBF) return c == 0xAA || c == 0xB5 || c == 0xBA;  // Latin-1 punctuation/symbols
    if (c == 0xD7 || c == 0xF7) return false;                   // × ÷
    struct Block {
        char32_t first, last;
    };
    static constexpr Block kNotLetters[] = {
        {0x2000, 0x206F},    {0x20A0, 0x20CF}, {0x2190, 0x2BFF}, {0x2E00, 0x2E7F},
        {0x3000, 0x3004},    {0x3008, 0x303F}, {0xE000, 0xF8FF}, {0xFE10, 0xFE1F},
        {0xFE30, 0xFE6F},    {0xFEFF, 0xFEFF}, {0xFF00, 0xFF0F}, {0xFF1A, 0xFF20},
        {0xFF3B, 0xFF40},    {0xFF5B, 0xFF65}, {0xFFF0, 0xFFFF}, {0x1F000, 0x1FAFF},
        {0xF0000, 0x10FFFF},
    };
    for (const Block& b : kNotLetters) {
        if (c >= b.first && c <= b.last) return false;
    }
    return true;
}

std::string hex_byte(unsigned char byte) {
    char buffer[8];
    std::snprintf(buffer, sizeof buffer, "0x%02X", byte);
    return buffer;
}

// Length of the well-formed UTF-8 sequence at text[at] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 when it is malformed. *code receives the code point.
std::size_t utf8_sequence(std::string_view text, std::size_t at, char32_t* code) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
    const unsigned char lead = byte(0);
    std::size_t length = 0;
    char32_t value = 0;
    char32_t minimum = 0;
    if (lead < 0x80) {
        *code = lead;
        return 1;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2, value = lead & 0x1F, minimum = 0x80;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3, value = lead & 0x0F, minimum = 0x800;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4, value = lead & 0x07, minimum = 0x10000;
    } else {
        return 0;
    }
    if (text.size() - at < length) return 0;
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0) != 0x80) return 0;
        value = (value << 6) | (byte(i) & 0x3F);
    }
    if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
    *code = value;
    return length;
}

struct Keyword {
    std::string_view word;
    TokenKind kind;
};

// Multi-word operators: first word, second word, token.
struct TwoWords {
    std::string_view first;
    std::string_view second;
    TokenKind kind;
};

constexpr TwoWords kTwoWordOperators[] = {
    {"is", "not", TokenKind::IsNot},       {"greater", "than", TokenKind::GreaterThan},
    {"less", "than", TokenKind::LessThan}, {"at", "least", TokenKind::AtLeast},
    {"at", "most", TokenKind::AtMost},
};

constexpr std::size_t kKeywordCount =
    static_cast<std::size_t>(TokenKind::Descending) - static_cast<std::size_t>(TokenKind::Bind) + 1;

// Every keyword with its kind, sorted by spelling (built at compile time from the token list).
constexpr std::array<Keyword, kKeywordCount> kKeywords = [] {
    std::array<Keyword, kKeywordCount> table{};
    for (std::size_t i = 0; i < kKeywordCount; ++i) {
        const auto kind = static_cast<TokenKind>(static_cast<std::size_t>(TokenKind::Bind) + i);
        table[i] = Keyword{spelling(kind), kind};
    }
    std::sort(table.begin(), table.end(),
              [](const Keyword& a, const Keyword& b) { return a.word < b.word; });
    return table;
}();

// For each first byte, the keywords starting with it: [begin, end) in kKeywords. A word is
// looked up among the few keywords sharing its first letter (a binary search over all of them
// was a tenth of the lexer's time).
struct KeywordRange {
    std::uint8_t begin = 0, end = 0;
};
constexpr std::array<KeywordRange, 256> kKeywordsByFirstByte = [] {
    std::array<KeywordRange, 256> table{};
    for (std::size_t i = 0; i < kKeywordCount; ++i) {
        KeywordRange& range = table[static_cast<unsigned char>(kKeywords[i].word[0])];
        if (range.begin == range.end) range.begin = static_cast<std::uint8_t>(i);
        range.end = static_cast<std::uint8_t>(i + 1);
    }
    return table;
}();
static_assert(kKeywordCount < 256);

TokenKind keyword_or_identifier(std::string_view word) {
    const KeywordRange range = kKeywordsByFirstByte[static_cast<unsigned char>(word[0])];
    for (std::size_t i = range.begin; i < range.end; ++i) {
        if (kKeywords[i].word == word) return kKeywords[i].kind;
    }
    return TokenKind::Identifier;
}

// Could `word` start a multi-word operator?
bool starts_two_words(std::string_view word) {
    return word == "is" || word == "greater" || word == "less" || word == "at";
}

}  // namespace

class Lexer {
  public:
    Lexer(const SourceFile& source, std::pmr::memory_resource* memory)
        : text_(source.text()),
          memory_(memory),
          token_{TokenKind::Eof, {}, std::pmr::string(memory), 0},
          partial_(memory) {}

    TokenList run() {
        TokenList tokens(memory_);
        // Typical scripts have a token per 3-6 bytes, but a token is 64 bytes: reserving for
        // the whole text asked 11 times its size up front (a 7 MiB comment, no tokens at all:
        // 78 MB, OutOfMemory under a 64 MiB limit). Up to kReservedTokens, then it grows as
        // tokens come.
        constexpr std::size_t kReservedTokens = 4096;
        tokens.reserve(std::min(text_.size() / 6 + 16, kReservedTokens));
        try {
            do {
                tokens.push_back(next());
            } while (tokens.back().kind != TokenKind::Eof);
        } catch (const SyntaxError&) {
            partial_ = std::move(tokens);  // run_until_error() ends them at the error
            throw;
        }
        return tokens;
    }

    TokenList run_until_error(std::optional<SyntaxError>& error) {
        try {
            return run();
        } catch (const SyntaxError& caught) {
            error = caught;
            partial_.push_back(
                Token{TokenKind::Eof, caught.location(), std::pmr::string(memory_), 0});
            return std::move(partial_);
        }
    }

    // The next token; after the last one an Eof token, again at every later call.
    Token next() {
        if (pos_ == 0 && text_.substr(0, 3) == "\xEF\xBB\xBF") {
            pos_ = line_start_ = 3;  // UTF-8 byte order mark
        }
        while (pos_ < text_.size()) {
            scan_one();
            if (produced_) {
                produced_ = false;
                return std::move(token_);
            }
        }
        SourceLocation end = here();
        if (!text_.empty() && text_.back() == '\n') end = last_newline_;
        return Token{TokenKind::Eof, end, std::pmr::string(memory_), 0};
    }

  private:
    SourceLocation here() const { return at(pos_); }
    // Columns count characters, as an editor shows them: UTF-8 continuation bytes add nothing.
    // The count since the line's start is kept and carried forward, so that the many tokens of
    // one long line cost its length once, not once each.
    SourceLocation at(std::size_t offset) const {
        if (counted_line_start_ != line_start_ || offset < counted_to_) {
            counted_line_start_ = counted_to_ = line_start_;
            counted_characters_ = 0;
        }
        for (; counted_to_ < offset; ++counted_to_) {
            if (counted_to_ >= text_.size() ||
                (static_cast<unsigned char>(text_[counted_to_]) & 0xC0) != 0x80) {
                ++counted_characters_;
            }
        }
        const std::size_t column = counted_characters_ + 1;
        return {line_, static_cast<std::uint32_t>(std::min<std::size_t>(
                           column, std::numeric_limits<std::uint32_t>::max()))};
    }
    char peek(std::size_t ahead = 0) const {
        return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
    }

    [[noreturn]] void fail(SourceLocation location, std::string detail) const {
        throw SyntaxError(location, std::move(detail));
    }

    // Token texts live in the same memory as the token list.
    void emit(TokenKind kind, SourceLocation location, std::string_view text = {},
              double number = 0) {
        if (text.empty() && kind > TokenKind::Lifetime) {  // keywords, operators, symbols
            text = spelling(kind);
        }
        emit_text(kind, location, std::pmr::string(text, memory_), number);
    }
    // scan_one() makes at most one token; next() hands it on.
    void emit_text(TokenKind kind, SourceLocation location, std::pmr::string text, double number) {
        token_ = Token{kind, location, std::move(text), number};
        produced_ = true;
    }

    void newline() {
        last_newline_ = here();
        ++pos_;
        ++line_;
        line_start_ = pos_;
    }

    void scan_one() {
        const char c = text_[pos_];
        switch (c) {
            case ' ':
            case '\t':
            case '\r':
                ++pos_;
                return;
            case '\n':
                emit(TokenKind::Newline, here());
                newline();
                return;
            case '#':
                skip_comment();
                return;
            case '"':
                scan_string();
                return;
            case '\'':
                scan_lifetime();
                return;
            case '+':
                return symbol(TokenKind::Plus, 1);
            case '*':
                return symbol(TokenKind::Star, 1);
            case '/':
                return symbol(TokenKind::Slash, 1);
            case '%':
                return symbol(TokenKind::Percent, 1);
            case '|':
                return symbol(TokenKind::Pipe, 1);
            case '(':
                return symbol(TokenKind::LeftParen, 1);
            case ')':
                return symbol(TokenKind::RightParen, 1);
            case '[':
                return symbol(TokenKind::LeftBracket, 1);
            case ']':
                return symbol(TokenKind::RightBracket, 1);
            case '{':
                return symbol(TokenKind::LeftBrace, 1);
            case '}':
                return symbol(TokenKind::RightBrace, 1);
            case ',':
                return symbol(TokenKind::Comma, 1);
            case ':':
                return symbol(TokenKind::Colon, 1);
            case '?':
                return symbol(TokenKind::Question, 1);
            case '-':
                return peek(1) == '>' ? symbol(TokenKind::Arrow, 2) : symbol(TokenKind::Minus, 1);
            case '<':
                return peek(1) == '=' ? symbol(TokenKind::LessEqual, 2)
                                      : symbol(TokenKind::Less, 1);
            case '>':
                return peek(1) == '=' ? symbol(TokenKind::GreaterEqual, 2)
                                      : symbol(TokenKind::Greater, 1);
            case '.':
                return peek(1) == '.' && peek(2) == '.' ? symbol(TokenKind::Ellipsis, 3)
                                                        : symbol(TokenKind::Dot, 1);
            default:
                break;
        }
        if (is_digit(c)) return scan_number();
        if (word_char(pos_, true)) return scan_word();
        unexpected_character();
    }

    // Length of the identifier character at text_[at] (a start character when `start`), or 0.
    std::size_t word_char(std::size_t at, bool start) const {
        if (at >= text_.size()) return 0;
        const char c = text_[at];
        if (static_cast<unsigned char>(c) < 0x80) return start ? is_word_start(c) : is_word_char(c);
        char32_t code = 0;
        const std::size_t length = utf8_sequence(text_, at, &code);
        return length != 0 && is_letter_code(code) ? length : 0;
    }
    // End of the identifier whose characters start at `at`.
    std::size_t word_end(std::size_t at) const {
        while (const std::size_t length = word_char(at, false))
            at += length;
        return at;
    }

    void symbol(TokenKind kind, std::size_t length) {
        emit(kind, here());
        pos_ += length;
    }

    [[noreturn]] void unexpected_character() const {
        const auto byte = static_cast<unsigned char>(text_[pos_]);
        switch (byte) {
            case '=':
                fail(here(),
                     "unexpected character '='; bind with 'bind x to v', assign with "
                     "'set x to v', compare with 'is'");
            case '!':
                fail(here(), "unexpected character '!'; use 'not' or 'is not'");
            case ';':
                fail(here(), "unexpected character ';'; separate statements with a newline");
            case '&':
                fail(here(), "unexpected character '&'; use 'and'");
            case '\0':
                fail(here(), "unexpected NUL byte (is this a binary file?)");
            default:
                break;
        }
        if (byte < 0x20 || byte == 0x7F) {
            fail(here(), "unexpected control character " + hex_byte(byte));
        }
        if (byte < 0x80) {
            fail(here(), std::string("unexpected character '") + static_cast<char>(byte) + "'");
        }
        char32_t code = 0;
        const std::size_t length = utf8_sequence(text_, pos_, &code);
        if (length == 0) fail(here(), "invalid UTF-8 byte " + hex_byte(byte));
        char buffer[16];
        std::snprintf(buffer, sizeof buffer, "U+%04X", static_cast<unsigned>(code));
        fail(here(), "unexpected character '" + std::string(text_.substr(pos_, length)) + "' (" +
                         buffer + ")");
    }

    // Checks the (non-ASCII) byte at pos_ and returns the length of its UTF-8 sequence.
    std::size_t checked_utf8() const {
        char32_t code = 0;
        const std::size_t length = utf8_sequence(text_, pos_, &code);
        if (length == 0) {
            fail(here(), "invalid UTF-8 byte " + hex_byte(static_cast<unsigned char>(text_[pos_])));
        }
        return length;
    }

    void skip_comment() {
        while (pos_ < text_.size() && text_[pos_] != '\n') {
            const auto byte = static_cast<unsigned char>(text_[pos_]);
            if (byte == 0)
                fail(here(), "unexpected NUL byte in a comment (is this a binary file?)");
            pos_ += byte < 0x80 ? 1 : checked_utf8();
        }
    }

    void scan_string() {
        const SourceLocation start = here();
        ++pos_;  // opening quote
        std::pmr::string value(memory_);
        for (;;) {
            if (pos_ >= text_.size()) fail(start, "unterminated string (no closing '\"')");
            const char c = text_[pos_];
            if (c == '"') {
                ++pos_;
                break;
            }
            if (c == '\\') {
                const char next = peek(1);
                const char* decoded = nullptr;
                switch (next) {
                    case 'n':
                        decoded = "\n";
                        break;
                    case 't':
                        decoded = "\t";
                        break;
                    case 'r':
                        decoded = "\r";
                        break;
                    case '\\':
                        decoded = "\\";
                        break;
                    case '"':
                        decoded = "\"";
                        break;
                    default:
                        break;
                }
                if (decoded != nullptr) {
                    value += decoded;
                    pos_ += 2;
                } else {
                    value += '\\';  // any other \c keeps both characters; c is read next
                    ++pos_;
                }
                continue;
            }
            if (c == '\n') {
                value += '\n';
                newline();
                continue;
            }
            const auto byte = static_cast<unsigned char>(c);
            if (byte == 0) fail(here(), "unexpected NUL byte in a string (is this a binary file?)");
            const std::size_t length = byte < 0x80 ? 1 : checked_utf8();
            value.append(text_.substr(pos_, length));
            pos_ += length;
        }
        emit_text(TokenKind::String, start, std::move(value), 0);
    }

    void scan_lifetime() {
        const SourceLocation start = here();
        if (!word_char(pos_ + 1, true)) {
            fail(start, "unexpected character '''; text literals use double quotes");
        }
        const std::size_t begin = ++pos_;
        pos_ = word_end(pos_);
        emit(TokenKind::Lifetime, start, text_.substr(begin, pos_ - begin));
    }

    void scan_number() {
        const SourceLocation start = here();
        const std::size_t begin = pos_;
        while (pos_ < text_.size() && is_digit(text_[pos_]))
            ++pos_;
        if (peek() == '.' && is_digit(peek(1))) {
            ++pos_;
            while (pos_ < text_.size() && is_digit(text_[pos_]))
                ++pos_;
        }
        const std::string_view digits = text_.substr(begin, pos_ - begin);
        emit(TokenKind::Number, start, digits, number_value(digits));
    }

    // The nearest double; literals beyond the double range become inf, below it 0.
    static double number_value(std::string_view digits) {
        double value = 0;
        const auto [end, error] =
            std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (error == std::errc::result_out_of_range) {
            const std::size_t point = digits.find('.');
            const std::string_view whole = digits.substr(0, point);
            const bool large = whole.find_first_not_of('0') != std::string_view::npos;
            return large ? std::numeric_limits<double>::infinity() : 0.0;
        }
        return value;
    }

    void scan_word() {
        const SourceLocation start = here();
        const std::size_t begin = pos_;
        pos_ = word_end(pos_);
        const std::string_view word = text_.substr(begin, pos_ - begin);
        if (starts_two_words(word) && try_two_words(word, start)) return;
        const TokenKind kind = keyword_or_identifier(word);
        emit(kind, start, word);
    }

    // `is not`, `greater than`, `less than`, `at least`, `at most`: the words separated by spaces
    // or tabs on one line.
    bool try_two_words(std::string_view word, SourceLocation start) {
        std::size_t gap = pos_;
        while (gap < text_.size() && (text_[gap] == ' ' || text_[gap] == '\t'))
            ++gap;
        if (gap == pos_) return false;
        const std::size_t end = word_end(gap);
        const std::string_view second = text_.substr(gap, end - gap);
        for (const TwoWords& op : kTwoWordOperators) {
            if (op.first == word && op.second == second) {
                pos_ = end;
                emit(op.kind, start);
                return true;
            }
        }
        return false;
    }

    std::string_view text_;
    std::pmr::memory_resource* memory_;
    std::size_t pos_ = 0;
    std::uint32_t line_ = 1;
    std::size_t line_start_ = 0;
    // at()'s running count (a cache: at() is const): characters from there to counted_to_.
    mutable std::size_t counted_line_start_ = 0;
    mutable std::size_t counted_to_ = 0;
    mutable std::size_t counted_characters_ = 0;
    SourceLocation last_newline_;
    Token token_;  // the token scan_one() made, when produced_
    bool produced_ = false;
    TokenList partial_;  // run()'s tokens before a lexical error
};

namespace {

void append_quoted(std::string& out, std::string_view text) {
    out += '"';
    for (const char c : text) {
        switch (c) {
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '"':
                out += "\\\"";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
                    char buffer[8];
                    std::snprintf(buffer, sizeof buffer, "\\x%02X", static_cast<unsigned char>(c));
                    out += buffer;
                } else {
                    out += c;
                }
        }
    }
    out += '"';
}

}  // namespace

TokenList tokenize(const SourceFile& source, std::pmr::memory_resource* memory) {
    return Lexer(source, memory).run();
}

TokenList tokenize_until_error(const SourceFile& source, std::optional<SyntaxError>& error,
                               std::pmr::memory_resource* memory) {
    error.reset();
    return Lexer(source, memory).run_until_error(error);
}

TokenStream::TokenStream(const SourceFile& source, std::pmr::memory_resource* memory)
    : memory_(memory),
      lexer_(std::pmr::polymorphic_allocator<Lexer>(memory).new_object<Lexer>(source, memory)) {}

TokenStream::~TokenStream() {
    std::pmr::polymorphic_allocator<Lexer>(memory_).delete_object(lexer_);
}

Token TokenStream::next() {
    if (!ended_) {
        try {
            Token token = lexer_->next();
            ended_ = token.kind == TokenKind::Eof;
            if (!ended_) return token;
            end_ = token.location;
        } catch (const SyntaxError& caught) {
            error_ = caught;
            ended_ = true;
            end_ = caught.location();
        }
    }
    return Token{TokenKind::Eof, end_, std::pmr::string(memory_), 0};
}

namespace {

void append_token(std::string& out, const Token& token) {
    out += std::to_string(token.location.line);
    out += ':';
    out += std::to_string(token.location.column);
    out += ' ';
    out += kind_name(token.kind);
    switch (token.kind) {
        case TokenKind::Identifier:
        case TokenKind::Number:
            out += ' ';
            out += token.text;
            break;
        case TokenKind::Lifetime:
            out += " '";
            out += token.text;
            break;
        case TokenKind::String:
            out += ' ';
            append_quoted(out, token.text);
            break;
        default:
            break;
    }
    out += '\n';
}

}  // namespace

std::string dump_tokens(const TokenList& tokens) {
    std::string out;
    for (const Token& token : tokens)
        append_token(out, token);
    return out;
}

std::string dump_tokens(const SourceFile& source, std::pmr::memory_resource* memory) {
    TokenStream stream(source, memory);
    std::string out;
    for (;;) {
        const Token token = stream.next();
        if (stream.error()) throw *stream.error();
        append_token(out, token);
        if (token.kind == TokenKind::Eof) return out;
    }
}

}  // namespace glimmer::interp::lexer
