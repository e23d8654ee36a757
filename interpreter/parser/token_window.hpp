// The parser's view of the tokens: a complete token list, or a window over a TokenStream that
// lexes on demand and forgets the tokens before a point the parser says it is done with.
//
// Why a window: a whole token list holds 64 bytes a token, several hundred bytes a line, all of it
// alive until parsing ends (a 300k-line script peaked at 400 MB, mostly its token vector and the
// copy a doubling makes). The parser only ever looks back within the statement it is reading, so
// parse(SourceFile) drops the tokens of each finished top-level statement.
//
// Invariants: tokens are numbered from 0 in source order; window[i] is valid for every
// i >= released(); an index past the Eof token reads the Eof token (so forward scans stop there).
// A reference to a token stays valid until release() passes it: the window is a deque, which
// never moves its elements as it grows.
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <memory_resource>

#include "interpreter/lexer/lexer.hpp"
#include "interpreter/lexer/token.hpp"

namespace glimmer::interp::parser {

class TokenWindow {
  public:
    // Over a complete list ending with Eof (not copied; it must outlive the window). The unused
    // deque still takes the list's resource: even an empty one allocates its map.
    explicit TokenWindow(const lexer::TokenList& tokens)
        : list_(&tokens), buffered_(tokens.get_allocator().resource()) {}

    // Over a stream (which must outlive the window); the window's tokens live in `memory`.
    TokenWindow(lexer::TokenStream& stream, std::pmr::memory_resource* memory)
        : stream_(&stream), buffered_(memory) {}

    const lexer::Token& operator[](std::size_t i) {
        if (list_ != nullptr) return (*list_)[std::min(i, list_->size() - 1)];
        // The parser asks for the current token several times before it moves on; a deque
        // index costs a division and two loads.
        if (i == cached_index_) return *cached_;
        cached_index_ = i;
        cached_ = &read(i);
        return *cached_;
    }

    // Forgets the tokens before `i` (never the last one read: the Eof token is kept). A
    // complete list keeps everything.
    void release(std::size_t i) {
        if (list_ != nullptr) return;
        while (first_ < i && buffered_.size() > 1) {
            buffered_.pop_front();
            ++first_;
        }
        cached_index_ = kNone;
    }

  private:
    static constexpr std::size_t kNone = ~std::size_t{0};

    const lexer::Token& read(std::size_t i) {
        while (i >= first_ + buffered_.size() && !ended_) {
            buffered_.push_back(stream_->next());
            ended_ = buffered_.back().kind == lexer::TokenKind::Eof;
        }
        return i < first_ + buffered_.size() ? buffered_[i - first_] : buffered_.back();
    }

    const lexer::TokenList* list_ = nullptr;
    lexer::TokenStream* stream_ = nullptr;
    std::pmr::deque<lexer::Token> buffered_;
    std::size_t first_ = 0;  // the number of buffered_.front()
    bool ended_ = false;
    std::size_t cached_index_ = kNone;  // the last index read, and its token
    const lexer::Token* cached_ = nullptr;
};

}  // namespace glimmer::interp::parser
