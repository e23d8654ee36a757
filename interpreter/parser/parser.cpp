// The parser: recursive descent over statements, precedence climbing over binary operators
// (LANGUAGE.md §5), postfix operators in a loop. Newlines are tokens, so "no continuation after a
// binary operator" and "call arguments cannot span lines" fall out of the grammar; the few places
// that allow line breaks (list and map literals, struct literals, parameter lists, blocks) skip
// them explicitly.
//
// Depth: every construct that nests (blocks, brackets, operands, patterns, types) counts one
// level; beyond ParseOptions::max_depth parsing stops with "nesting too deep". This bounds the
// parser's own recursion and the depth of every tree it returns, so later stages that walk the
// tree recursively are safe too. The one exception is the left spine of a flat operator chain
// (see parse_binary), which those stages walk in a loop.
#include "interpreter/parser/parser.hpp"
#include "interpreter/parser/token_window.hpp"

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>

#include "interpreter/lexer/lexer.hpp"
#include "runtime/stack_room.hpp"

namespace glimmer::interp::parser {

namespace {

using lexer::Token;
using lexer::TokenKind;
using lexer::TokenList;
using namespace ast;

template <class T>
using Scratch = std::pmr::vector<T>;

// Most parameters of one chant (the compiler's bound too: arity is 16 bits, calls take less).
constexpr std::size_t kMaxParameters = 250;

// Binary operator levels, lowest first (LANGUAGE.md §5). 0 = not a binary operator.
enum Precedence : int {
    kNone = 0,
    kPipe = 1,
    kOr = 2,
    kAnd = 3,
    kComparison = 4,
    kAdditive = 5,
    kMultiplicative = 6,
};

Precedence precedence_of(TokenKind kind, BinaryOp* op) {
    switch (kind) {
        case TokenKind::Pipe:
            return kPipe;
        case TokenKind::Or:
            return *op = BinaryOp::Or, kOr;
        case TokenKind::And:
            return *op = BinaryOp::And, kAnd;
        case TokenKind::Is:
            return *op = BinaryOp::Is, kComparison;
        case TokenKind::IsNot:
            return *op = BinaryOp::IsNot, kComparison;
        case TokenKind::GreaterThan:
            return *op = BinaryOp::Greater, kComparison;
        case TokenKind::LessThan:
            return *op = BinaryOp::Less, kComparison;
        case TokenKind::AtLeast:
        case TokenKind::GreaterEqual:
            return *op = BinaryOp::AtLeast, kComparison;
        case TokenKind::AtMost:
        case TokenKind::LessEqual:
            return *op = BinaryOp::AtMost, kComparison;
        case TokenKind::Plus:
            return *op = BinaryOp::Add, kAdditive;
        case TokenKind::Minus:
            return *op = BinaryOp::Subtract, kAdditive;
        case TokenKind::Star:
            return *op = BinaryOp::Multiply, kMultiplicative;
        case TokenKind::Slash:
            return *op = BinaryOp::Divide, kMultiplicative;
        case TokenKind::Percent:
            return *op = BinaryOp::Modulo, kMultiplicative;
        default:
            return kNone;
    }
}

bool is_reserved_word(TokenKind kind) {
    return kind >= TokenKind::Seek && kind <= TokenKind::Descending;
}

// A keyword or identifier: anything spelled like a word (usable as a field name after '.').
bool is_word(TokenKind kind) {
    return kind == TokenKind::Identifier || lexer::is_keyword(kind);
}

class Parser {
  public:
    Parser(TokenWindow tokens, Program& program, ParseOptions options)
        : tokens_(std::move(tokens)),
          program_(program),
          memory_(program.upstream()),
          options_(options) {}

    void run() {
        if (std::optional<runtime::StackRoom> room = runtime::stack_room()) {
            stack_left_at_start_ = room->left;
        }
        Scratch<Stmt*> statements(memory_);
        skip_top_level_newlines();
        while (!at(TokenKind::Eof)) {
            statements.push_back(parse_statement());
            skip_top_level_newlines();
        }
        program_.set_statements(finish(statements));
    }

  private:
    // Between top-level statements nothing looks back further than previous(), so each token
    // read here lets the one before it go: 300k blank lines hold one token, not 300k.
    void skip_top_level_newlines() {
        if (pos_ > 0) tokens_.release(pos_ - 1);
        while (at(TokenKind::Newline)) {
            advance();
            tokens_.release(pos_ - 1);
        }
    }

    // ---- token access -------------------------------------------------------------------------

    const Token& current() const { return tokens_[pos_]; }
    const Token& ahead(std::size_t n) const { return tokens_[pos_ + n]; }
    bool at(TokenKind kind) const { return current().kind == kind; }
    bool at_any(std::initializer_list<TokenKind> kinds) const {
        for (const TokenKind kind : kinds) {
            if (at(kind)) return true;
        }
        return false;
    }
    const Token& advance() {
        const Token& token = current();
        if (token.kind != TokenKind::Eof) ++pos_;
        return token;
    }
    bool accept(TokenKind kind) {
        if (!at(kind)) return false;
        advance();
        return true;
    }
    const Token& previous() const { return tokens_[pos_ > 0 ? pos_ - 1 : 0]; }
    void skip_newlines() {
        while (at(TokenKind::Newline))
            advance();
    }

    // ---- errors -------------------------------------------------------------------------------
    //
    // Messages are assembled from parts (text, numbers, Quoted names, Described tokens) inside
    // cold, never-inlined functions, so that the recursive parse functions keep small stack
    // frames and the success path builds no strings.

    struct Quoted {
        std::string_view text;
    };
    struct Described {
        const Token& token;
    };

    static void append(std::string& out, std::string_view text) { out += text; }
    static void append(std::string& out, std::size_t number) { out += std::to_string(number); }
    static void append(std::string& out, std::uint32_t number) { out += std::to_string(number); }
    static void append(std::string& out, Quoted quoted) {
        out += '\'';
        out += quoted.text;
        out += '\'';
    }
    static void append(std::string& out, Described described) {
        const Token& token = described.token;
        switch (token.kind) {
            case TokenKind::Eof:
                out += "end of input";
                return;
            case TokenKind::Newline:
                out += "end of line";
                return;
            case TokenKind::String: {
                constexpr std::size_t kShown = 24;
                std::string shown(std::string_view(token.text).substr(0, kShown));
                for (char& c : shown) {
                    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
                }
                out += "text \"" + shown + (token.text.size() > kShown ? "...\"" : "\"");
                return;
            }
            case TokenKind::Lifetime:
                out += "lifetime '";
                out += token.text;
                return;
            case TokenKind::Identifier:
            case TokenKind::Number:
                return append(out, Quoted{token.text});
            default:
                return append(out, Quoted{lexer::spelling(token.kind)});
        }
    }

    template <class... Parts>
    [[noreturn, gnu::cold, gnu::noinline]] void fail(SourceLocation location,
                                                     const Parts&... parts) const {
        std::string detail;
        (append(detail, parts), ...);
        throw SyntaxError(location, std::move(detail));
    }
    template <class... Parts>
    [[noreturn, gnu::cold, gnu::noinline]] void fail_here(const Parts&... parts) const {
        fail(current().location, parts...);
    }

    // Consumes a token of `kind` or fails with "expected 'kind' <context>, found <current>".
    template <class... Parts>
    const Token& expect(TokenKind kind, const Parts&... context) {
        if (!at(kind)) {
            fail_here("expected ", Quoted{lexer::spelling(kind)}, " ", context..., ", found ",
                      Described{current()});
        }
        return advance();
    }

    // An identifier naming something new (variable, parameter, field, ...).
    template <class... Parts>
    const Token& expect_name(const Parts&... what) {
        if (at(TokenKind::Identifier)) return advance();
        if (lexer::is_keyword(current().kind)) {
            fail_here("expected ", what..., ", found keyword ", Described{current()},
                      " (keywords cannot be used as names)");
        }
        fail_here("expected ", what..., ", found ", Described{current()});
    }

    // ---- depth --------------------------------------------------------------------------------

    // Restores the depth on scope exit; nest() adds levels inside the scope.
    class DepthScope {
      public:
        explicit DepthScope(Parser& parser) : parser_(parser), saved_(parser.depth_) {}
        ~DepthScope() { parser_.depth_ = saved_; }
        DepthScope(const DepthScope&) = delete;
        DepthScope& operator=(const DepthScope&) = delete;

      private:
        Parser& parser_;
        std::size_t saved_;
    };

    void nest(SourceLocation location) {
        if (++depth_ > options_.max_depth) {
            fail(location, "nesting too deep (more than ", options_.max_depth,
                 " levels of blocks, brackets or operators)");
        }
        if (depth_ % kStackCheckEvery == 0) check_stack_room(location);
    }

    // max_depth fits the main thread's 8 MiB, not a host thread of 256 KiB: the parser takes
    // some 320 bytes a level, and the compiler walks the tree after it. So every few levels the
    // parser makes sure that what is left of the thread's stack holds a reserve and a quarter of
    // what parsing has used so far (the compiler checks its own room too), or stops here with a
    // syntax error, as it would past max_depth.
    static constexpr std::size_t kStackCheckEvery = 8;
    static constexpr std::size_t kStackReserve = 32 * 1024;
    void check_stack_room(SourceLocation location) {
        std::optional<runtime::StackRoom> room = runtime::stack_room();
        if (!room || stack_left_at_start_ == 0) return;
        const std::size_t used =
            stack_left_at_start_ > room->left ? stack_left_at_start_ - room->left : 0;
        if (room->left < kStackReserve + used / 4) {
            fail(location, "nesting too deep for this thread's stack (", depth_,
                 " levels of blocks, brackets or operators; ", room->left / 1024,
                 " KiB of stack left)");
        }
    }

    // ---- arena helpers ------------------------------------------------------------------------

    template <class T>
    Seq<T> finish(const Scratch<T>& items) {
        return program_.copy_seq<T>(std::span<const T>(items.data(), items.size()));
    }
    std::string_view text(const Token& token) { return program_.copy_text(token.text); }
    template <class T>
    T* make(SourceLocation location) {
        return program_.make<T>(location);
    }

    // ---- blocks -------------------------------------------------------------------------------

    // Statements up to (not including) one of `stops`. `opener` names the construct for the
    // error when the input ends first.
    Block parse_block(std::initializer_list<TokenKind> stops, const Token& opener) {
        DepthScope scope(*this);
        nest(opener.location);  // a block is a level of its own (statement frames are the largest)
        Scratch<Stmt*> statements(memory_);
        skip_newlines();
        while (!at_any(stops)) {
            if (at(TokenKind::Eof)) {
                fail_here("missing 'end' for ", Described{opener}, " at line ",
                          opener.location.line, ", found end of input");
            }
            statements.push_back(parse_statement());
            skip_newlines();
        }
        return finish(statements);
    }

    void expect_end(const Token& opener) {
        if (!at(TokenKind::End)) {
            fail_here("expected 'end' to close ", Described{opener}, " from line ",
                      opener.location.line, ", found ", Described{current()});
        }
        advance();
    }

    // ---- statements ---------------------------------------------------------------------------

    Stmt* parse_statement() {
        DepthScope scope(*this);
        nest(current().location);
        switch (current().kind) {
            case TokenKind::Bind:
            case TokenKind::Weave:
                return parse_bind();
            case TokenKind::Set:
                return parse_set();
            case TokenKind::Should:
                return parse_should();
            case TokenKind::Whilst:
                return parse_whilst();
            case TokenKind::For:
                return parse_for_each();
            case TokenKind::Break:
                return make<BreakStmt>(advance().location);
            case TokenKind::Continue:
                return make<ContinueStmt>(advance().location);
            case TokenKind::Yield:
                return parse_yield();
            case TokenKind::Chant:
                if (ahead(1).kind == TokenKind::LeftParen || ahead(1).kind == TokenKind::Less) {
                    break;  // an anonymous chant used as an expression statement
                }
                return parse_chant_statement();
            case TokenKind::Form:
                return parse_form();
            case TokenKind::Match:
                return parse_match();
            case TokenKind::Attempt:
                return parse_attempt();
            case TokenKind::Variant:
                return parse_variant();
            case TokenKind::Aspect:
                return parse_aspect();
            case TokenKind::Embody:
                return parse_embody();
            case TokenKind::Grove:
                return parse_grove();
            case TokenKind::Summon:
                return parse_summon();
            case TokenKind::Gather:
                return parse_gather();
            case TokenKind::Offer:
                fail_here("'offer' can only be the last statement of a 'grove'");
            case TokenKind::End:
            case TokenKind::Otherwise:
            case TokenKind::When:
            case TokenKind::Harmonize:
            case TokenKind::Then:
            case TokenKind::With:
                fail_here("unexpected ", Described{current()}, " here (no open block expects it)");
            default:
                break;
        }
        ExpressionStmt* stmt = make<ExpressionStmt>(current().location);
        stmt->expression = parse_expression();
        return stmt;
    }

    // bind NAME [: Type] to EXPR  |  weave NAME [: Type] as EXPR
    Stmt* parse_bind() {
        const Token& keyword = advance();
        const bool is_mutable = keyword.kind == TokenKind::Weave;
        BindStmt* stmt = make<BindStmt>(keyword.location);
        stmt->is_mutable = is_mutable;
        // The words of LANGUAGE.md §1's example: "expected identifier after 'bind'".
        const Token& name = expect_name("identifier after ", Described{keyword});
        stmt->name = text(name);
        stmt->name_location = name.location;
        if (accept(TokenKind::Colon)) parse_type();
        if (is_mutable) {
            expect(TokenKind::As, "after the name in 'weave' (weave NAME as VALUE)");
        } else {
            expect(TokenKind::To, "after the name in 'bind' (bind NAME to VALUE)");
        }
        stmt->value = parse_expression();
        return stmt;
    }

    // set NAME ([INDEX] | .FIELD)* to EXPR
    Stmt* parse_set() {
        const Token& keyword = advance();
        SetStmt* stmt = make<SetStmt>(keyword.location);
        const Token& name = expect_name("a variable name after 'set'");
        IdentifierExpr* base = make<IdentifierExpr>(name.location);
        base->name = text(name);
        Expr* target = base;
        DepthScope scope(*this);
        for (;;) {
            if (at(TokenKind::LeftBracket)) {
                nest(current().location);
                IndexExpr* index = make<IndexExpr>(advance().location);
                index->object = target;
                index->index = parse_expression();
                expect(TokenKind::RightBracket, "to close the index in 'set'");
                target = index;
            } else if (at(TokenKind::Dot)) {
                nest(current().location);
                FieldExpr* field = make<FieldExpr>(advance().location);
                const Token& field_name = expect_field_name();
                field->object = target;
                field->field = text(field_name);
                field->field_location = field_name.location;
                target = field;
            } else {
                break;
            }
        }
        stmt->target = target;
        expect(TokenKind::To, "after the target of 'set' (set NAME to VALUE)");
        stmt->value = parse_expression();
        if (target == base) stmt->value = piped_into_call(stmt->value, base->name);
        return stmt;
    }

    // `set x to x | f(a)` is `set x to f(x, a)` (LANGUAGE.md §9), and is parsed as that call,
    // so the compiler sees the update it is: x moves into the call (list_push pushes in place)
    // where a pipe's waiting operand was copied at every step, quadratic in a loop. Only for a
    // piped name and a stage that is a name or a call of a name: reading a name has no effect,
    // so that the call reads its callee before x changes nothing.
    Expr* piped_into_call(Expr* value, std::string_view name) {
        auto* pipe = value->get_if<PipeExpr>();
        auto* piped = pipe ? pipe->value->get_if<IdentifierExpr>() : nullptr;
        if (!piped || piped->name != name) return value;
        Scratch<Expr*> arguments(memory_);
        arguments.push_back(pipe->value);
        if (auto* stage = pipe->stage->get_if<CallExpr>();
            stage && stage->callee->is<IdentifierExpr>()) {
            for (Expr* a : stage->arguments)
                arguments.push_back(a);
            stage->arguments = finish(arguments);
            return stage;
        }
        if (!pipe->stage->is<IdentifierExpr>()) return value;
        CallExpr* call = make<CallExpr>(pipe->location);
        call->callee = pipe->stage;
        call->arguments = finish(arguments);
        return call;
    }

    // should COND then BLOCK [otherwise BLOCK] end
    Stmt* parse_should() {
        const Token& keyword = advance();
        ShouldStmt* stmt = make<ShouldStmt>(keyword.location);
        stmt->condition = parse_expression();
        expect(TokenKind::Then, "after the condition of 'should'");
        stmt->then_body = parse_block({TokenKind::Otherwise, TokenKind::End}, keyword);
        if (accept(TokenKind::Otherwise)) {
            stmt->has_otherwise = true;
            stmt->otherwise_body = parse_block({TokenKind::End}, keyword);
        }
        expect_end(keyword);
        return stmt;
    }

    // whilst COND then BLOCK end
    Stmt* parse_whilst() {
        const Token& keyword = advance();
        WhilstStmt* stmt = make<WhilstStmt>(keyword.location);
        stmt->condition = parse_expression();
        expect(TokenKind::Then, "after the condition of 'whilst'");
        stmt->body = parse_block({TokenKind::End}, keyword);
        expect_end(keyword);
        return stmt;
    }

    // for each NAME in EXPR then BLOCK end
    Stmt* parse_for_each() {
        const Token& keyword = advance();
        ForEachStmt* stmt = make<ForEachStmt>(keyword.location);
        expect(TokenKind::Each, "after 'for' (for each NAME in ...)");
        const Token& variable = expect_name("a loop variable name after 'for each'");
        stmt->variable = text(variable);
        stmt->variable_location = variable.location;
        expect(TokenKind::In, "after the loop variable of 'for each'");
        stmt->iterable = parse_expression();
        expect(TokenKind::Then, "after the collection of 'for each'");
        stmt->body = parse_block({TokenKind::End}, keyword);
        expect_end(keyword);
        return stmt;
    }

    // yield EXPR
    Stmt* parse_yield() {
        const Token& keyword = advance();
        YieldStmt* stmt = make<YieldStmt>(keyword.location);
        stmt->value = parse_expression();
        if (CallExpr* call = stmt->value->get_if<CallExpr>()) call->tail = true;
        if (MethodCallExpr* call = stmt->value->get_if<MethodCallExpr>()) call->tail = true;
        return stmt;
    }

    Stmt* parse_chant_statement() {
        const Token& keyword = advance();
        ChantStmt* stmt = make<ChantStmt>(keyword.location);
        stmt->function = parse_function_rest(keyword, /*named=*/true);
        return stmt;
    }

    // After `chant`: [NAME] [<generics>] (PARAMS) [-> Type] then BLOCK end
    Function* parse_function_rest(const Token& keyword, bool named) {
        Function* function = program_.make_value<Function>();
        function->location = keyword.location;
        if (named) function->name = text(expect_name("a function name after 'chant'"));
        if (at(TokenKind::Less)) parse_generic_parameters();
        expect(TokenKind::LeftParen, named ? "after the function name to open its parameters"
                                           : "after 'chant' to open the parameters");
        Scratch<Param> params(memory_);
        function->variadic = parse_parameters(params);
        function->params = finish(params);
        if (accept(TokenKind::Arrow)) parse_type();
        expect(TokenKind::Then, "before the body of the chant");
        function->body = parse_block({TokenKind::End}, keyword);
        expect_end(keyword);
        return function;
    }

    // <T, 'a, U>: generic parameters and lifetimes, dropped.
    void parse_generic_parameters() {
        const Token& open = advance();
        for (;;) {
            if (!accept(TokenKind::Lifetime)) expect_name("a type parameter name after '<'");
            if (!accept(TokenKind::Comma)) break;
        }
        if (!at(TokenKind::Greater)) {
            fail_here("expected '>' to close the type parameters opened at column ",
                      open.location.column, ", found ", Described{current()});
        }
        advance();
    }

    // Parameters after '(' up to and including ')'; line breaks are allowed anywhere between
    // them. Each is [borrow [mut]] ['lifetime] [...]NAME [(: | as) Type]. Returns true when the
    // last one is variadic.
    bool parse_parameters(Scratch<Param>& params) {
        skip_newlines();
        if (accept(TokenKind::RightParen)) return false;
        bool variadic = false;
        for (;;) {
            skip_newlines();
            if (accept(TokenKind::Borrow)) accept(TokenKind::Mut);
            accept(TokenKind::Lifetime);
            const Token* ellipsis = at(TokenKind::Ellipsis) ? &advance() : nullptr;
            const Token& name = expect_name("a parameter name");
            // The compiler's bound, checked here as each one comes: the check for names alike
            // below compares each with all before it, and 100,000 parameters took 18 s to be
            // refused (at 1:1) by the compiler.
            if (params.size() == kMaxParameters) {
                fail(name.location, "too many parameters (at most ", kMaxParameters, ")");
            }
            // Each parameter is its own name: with two alike the call bound one of them and
            // silently dropped the other argument. `_` may stand for several unused ones.
            for (const Param& earlier : params) {
                if (earlier.name == name.text && name.text != "_") {
                    fail(name.location, "the parameter ", Quoted{name.text},
                         " is already declared in this parameter list");
                }
            }
            params.push_back(Param{name.location, text(name)});
            if (accept(TokenKind::Colon) || accept(TokenKind::As)) parse_type();
            skip_newlines();
            if (ellipsis != nullptr) {
                variadic = true;
                if (at(TokenKind::Comma)) {
                    fail(ellipsis->location, "the variadic parameter '...", name.text,
                         "' must be the last parameter");
                }
            }
            if (accept(TokenKind::Comma)) continue;
            if (accept(TokenKind::RightParen)) return variadic;
            fail_here("expected ',' or ')' in the parameter list, found ", Described{current()});
        }
    }

    // [borrow [mut]] ['lifetime] NAME [<Type, ...>]
    TypeRef* parse_type() {
        DepthScope scope(*this);
        nest(current().location);
        if (accept(TokenKind::Borrow)) accept(TokenKind::Mut);
        accept(TokenKind::Lifetime);
        if (!at(TokenKind::Identifier)) {
            fail_here("expected a type name, found ", Described{current()});
        }
        const Token& name = advance();
        TypeRef* type = program_.make_value<TypeRef>();
        type->location = name.location;
        type->name = text(name);
        if (at(TokenKind::Less)) {
            advance();
            Scratch<TypeRef*> arguments(memory_);
            for (;;) {
                arguments.push_back(parse_type());
                if (!accept(TokenKind::Comma)) break;
            }
            expect(TokenKind::Greater, "to close the type arguments of ", Quoted{name.text});
            type->arguments = finish(arguments);
        }
        return type;
    }

    // form NAME [<T>] with (FIELD as Type)* end
    Stmt* parse_form() {
        const Token& keyword = advance();
        FormStmt* stmt = make<FormStmt>(keyword.location);
        stmt->name = text(expect_name("a struct name after 'form'"));
        if (at(TokenKind::Less)) parse_generic_parameters();
        expect(TokenKind::With, "after the struct name (form NAME with ... end)");
        Scratch<FieldDecl> fields(memory_);
        skip_newlines();
        while (!at(TokenKind::End)) {
            if (at(TokenKind::Eof)) {
                fail_here("missing 'end' for 'form' at line ", keyword.location.line,
                          ", found end of input");
            }
            const Token& name = expect_name("a field name (one per line: NAME as Type)");
            if (!accept(TokenKind::As) && !accept(TokenKind::Colon)) {
                fail_here("expected 'as' after the field name ", Quoted{name.text},
                          " (NAME as Type), found ", Described{current()});
            }
            TypeRef* type = parse_type();
            // A field declared twice made instances with two fields of one name, the second
            // never checked nor supplied (P { x: 1 } showed as P { x: 1, x: nothing }).
            for (const FieldDecl& earlier : fields) {
                if (earlier.name == name.text) {
                    fail(name.location, "the field ", Quoted{name.text},
                         " is already declared in form ", Quoted{stmt->name});
                }
            }
            fields.push_back(FieldDecl{name.location, text(name), type});
            if (!at(TokenKind::Newline) && !at(TokenKind::End)) {
                fail_here("expected a new line after the field ", Quoted{name.text}, ", found ",
                          Described{current()});
            }
            skip_newlines();
        }
        advance();
        stmt->fields = finish(fields);
        return stmt;
    }

    // match EXPR with (when PATTERN then BLOCK)* [otherwise then BLOCK] end
    Stmt* parse_match() {
        const Token& keyword = advance();
        MatchStmt* stmt = make<MatchStmt>(keyword.location);
        stmt->subject = parse_expression();
        expect(TokenKind::With, "after the value of 'match' (match VALUE with ...)");
        skip_newlines();
        Scratch<MatchArm> arms(memory_);
        while (at(TokenKind::When)) {
            const Token& when = advance();
            MatchArm arm;
            arm.location = when.location;
            arm.pattern = parse_pattern();
            expect(TokenKind::Then, "after the pattern of 'when'");
            arm.body =
                parse_block({TokenKind::When, TokenKind::Otherwise, TokenKind::End}, keyword);
            arms.push_back(arm);
        }
        if (accept(TokenKind::Otherwise)) {
            expect(TokenKind::Then, "after 'otherwise' in a match (otherwise then ...)");
            stmt->has_otherwise = true;
            stmt->otherwise_body = parse_block({TokenKind::When, TokenKind::End}, keyword);
            if (at(TokenKind::When)) fail_here("'otherwise then' must be the last arm of a match");
        }
        if (!at(TokenKind::End)) {
            fail_here("expected 'when', 'otherwise' or 'end' in the match from line ",
                      keyword.location.line, ", found ", Described{current()});
        }
        advance();
        stmt->arms = finish(arms);
        return stmt;
    }

    Pattern* parse_pattern() {
        DepthScope scope(*this);
        nest(current().location);
        const Token& token = current();
        switch (token.kind) {
            case TokenKind::Number:
            case TokenKind::String:
            case TokenKind::True:
            case TokenKind::False: {
                LiteralPattern* pattern = make<LiteralPattern>(token.location);
                pattern->value = parse_primary();
                return pattern;
            }
            case TokenKind::Identifier: {
                advance();
                if (!at(TokenKind::LeftParen)) {
                    BindingPattern* pattern = make<BindingPattern>(token.location);
                    pattern->name = text(token);
                    return pattern;
                }
                VariantPattern* pattern = make<VariantPattern>(token.location);
                pattern->name = text(token);
                advance();
                Scratch<Pattern*> fields(memory_);
                if (!accept(TokenKind::RightParen)) {
                    for (;;) {
                        fields.push_back(parse_pattern());
                        if (accept(TokenKind::Comma)) continue;
                        expect(TokenKind::RightParen, "or ',' in the fields of the pattern ",
                               Quoted{token.text});
                        break;
                    }
                }
                pattern->fields = finish(fields);
                return pattern;
            }
            case TokenKind::Present:
            case TokenKind::Triumph:
            case TokenKind::Mishap: {
                advance();
                WrapPattern* pattern = make<WrapPattern>(token.location);
                pattern->wrap = wrap_kind(token.kind);
                expect(TokenKind::LeftParen, "after ", Described{token}, " in a pattern");
                pattern->inner = parse_pattern();
                expect(TokenKind::RightParen, "to close the '(' after ", Described{token},
                       " in a pattern");
                return pattern;
            }
            case TokenKind::Absent:
                advance();
                return make<AbsentPattern>(token.location);
            case TokenKind::Minus:
                fail_here("negative numbers cannot be used as patterns");
            default:
                fail_here(
                    "expected a pattern (a number, text, true, false, a name, Present(...), "
                    "Triumph(...), Mishap(...), Absent or a variant), found ",
                    Described{token});
        }
    }

    static WrapKind wrap_kind(TokenKind kind) {
        return kind == TokenKind::Present   ? WrapKind::Present
               : kind == TokenKind::Triumph ? WrapKind::Triumph
                                            : WrapKind::Mishap;
    }

    // attempt BLOCK (harmonize on KIND then BLOCK)* end
    Stmt* parse_attempt() {
        const Token& keyword = advance();
        if (at(TokenKind::Then)) {
            fail_here("'attempt' takes no 'then': start its body on the next line");
        }
        AttemptStmt* stmt = make<AttemptStmt>(keyword.location);
        stmt->body = parse_block({TokenKind::Harmonize, TokenKind::End}, keyword);
        Scratch<Handler> handlers(memory_);
        while (at(TokenKind::Harmonize)) {
            Handler handler;
            handler.location = advance().location;
            expect(TokenKind::On, "after 'harmonize' (harmonize on KIND then ...)");
            if (!at(TokenKind::Identifier)) {
                fail_here("expected an error kind name or '_' after 'harmonize on', found ",
                          Described{current()});
            }
            handler.error_kind = text(advance());
            expect(TokenKind::Then, "after the error kind of 'harmonize on'");
            handler.body = parse_block({TokenKind::Harmonize, TokenKind::End}, keyword);
            handlers.push_back(handler);
        }
        expect_end(keyword);
        stmt->handlers = finish(handlers);
        return stmt;
    }

    // variant NAME [<T>] then CASE ((, | newline) CASE)* end, CASE = NAME [(FIELD, ...)]
    Stmt* parse_variant() {
        const Token& keyword = advance();
        VariantStmt* stmt = make<VariantStmt>(keyword.location);
        stmt->name = text(expect_name("an enum name after 'variant'"));
        if (at(TokenKind::Less)) parse_generic_parameters();
        expect(TokenKind::Then, "after the enum name (variant NAME then A, B end)");
        Scratch<VariantCase> cases(memory_);
        skip_newlines();
        while (!at(TokenKind::End)) {
            const Token& name = expect_name("a variant name");
            VariantCase variant_case;
            variant_case.location = name.location;
            variant_case.name = text(name);
            if (accept(TokenKind::LeftParen)) {
                variant_case.has_fields = true;
                variant_case.fields = parse_variant_fields(name);
            }
            cases.push_back(variant_case);
            if (accept(TokenKind::Comma)) {
                skip_newlines();
                continue;
            }
            if (!at(TokenKind::Newline) && !at(TokenKind::End)) {
                fail_here("expected ',' or a new line after the variant ", Quoted{name.text},
                          ", found ", Described{current()});
            }
            skip_newlines();
        }
        advance();
        stmt->cases = finish(cases);
        return stmt;
    }

    // After '(' of a data variant: [NAME (: | as)] Type or NAME, comma separated, then ')'.
    Seq<FieldDecl> parse_variant_fields(const Token& variant) {
        Scratch<FieldDecl> fields(memory_);
        skip_newlines();
        if (accept(TokenKind::RightParen)) return {};
        for (;;) {
            skip_newlines();
            const Token& first = expect_name("a field name in the variant ", Quoted{variant.text});
            FieldDecl field{first.location, text(first), nullptr};
            if (accept(TokenKind::Colon) || accept(TokenKind::As)) {
                field.type = parse_type();
            } else if (at(TokenKind::Less)) {
                // A bare generic type such as List<T>: keep it as the field's type.
                pos_ -= 1;
                field.type = parse_type();
                field.name = {};
            }
            fields.push_back(field);
            skip_newlines();
            if (accept(TokenKind::Comma)) continue;
            expect(TokenKind::RightParen, "or ',' in the fields of the variant ",
                   Quoted{variant.text});
            return finish(fields);
        }
    }

    // aspect NAME [<T>] then (chant NAME(PARAMS) [-> Type])* end
    Stmt* parse_aspect() {
        const Token& keyword = advance();
        AspectStmt* stmt = make<AspectStmt>(keyword.location);
        stmt->name = text(expect_name("a trait name after 'aspect'"));
        if (at(TokenKind::Less)) parse_generic_parameters();
        expect(TokenKind::Then, "after the trait name (aspect NAME then ... end)");
        Scratch<MethodSignature> methods(memory_);
        skip_newlines();
        while (!at(TokenKind::End)) {
            const Token& chant =
                expect(TokenKind::Chant, "to declare a method signature in 'aspect'");
            MethodSignature signature;
            signature.location = chant.location;
            signature.name = text(expect_name("a method name after 'chant'"));
            if (at(TokenKind::Less)) parse_generic_parameters();
            expect(TokenKind::LeftParen, "after the method name to open its parameters");
            Scratch<Param> params(memory_);
            signature.variadic = parse_parameters(params);
            signature.params = finish(params);
            if (accept(TokenKind::Arrow)) parse_type();
            if (at(TokenKind::Then)) {
                fail_here("an 'aspect' lists method signatures only; write the bodies in 'embody'");
            }
            methods.push_back(signature);
            if (!at(TokenKind::Newline) && !at(TokenKind::End)) {
                fail_here("expected a new line after the method signature, found ",
                          Described{current()});
            }
            skip_newlines();
        }
        advance();
        stmt->methods = finish(methods);
        return stmt;
    }

    // embody ASPECT for TYPE then (chant ... end)* end
    Stmt* parse_embody() {
        const Token& keyword = advance();
        EmbodyStmt* stmt = make<EmbodyStmt>(keyword.location);
        if (!at(TokenKind::Identifier)) {
            fail_here("expected a trait name after 'embody', found ", Described{current()});
        }
        stmt->aspect = parse_type()->name;
        expect(TokenKind::For, "after the trait name (embody TRAIT for TYPE then ... end)");
        if (!at(TokenKind::Identifier)) {
            fail_here("expected a type name after 'for', found ", Described{current()});
        }
        const TypeRef* type = parse_type();
        stmt->type_name = type->name;
        stmt->type_location = type->location;
        expect(TokenKind::Then, "after the type name of 'embody'");
        Scratch<Function*> methods(memory_);
        skip_newlines();
        while (!at(TokenKind::End)) {
            const Token& chant = expect(TokenKind::Chant, "to define a method in 'embody'");
            methods.push_back(parse_function_rest(chant, /*named=*/true));
            skip_newlines();
        }
        advance();
        stmt->methods = finish(methods);
        return stmt;
    }

    // grove NAME with BLOCK [offer NAME, ...] end
    Stmt* parse_grove() {
        const Token& keyword = advance();
        GroveStmt* stmt = make<GroveStmt>(keyword.location);
        stmt->name = text(expect_name("a module name after 'grove'"));
        expect(TokenKind::With, "after the module name (grove NAME with ... end)");
        stmt->body = parse_block({TokenKind::Offer, TokenKind::End}, keyword);
        Scratch<NameRef> offers(memory_);
        if (accept(TokenKind::Offer)) {
            for (;;) {
                const Token& name = expect_name("a name to offer");
                offers.push_back(NameRef{name.location, text(name)});
                if (!accept(TokenKind::Comma)) break;
            }
            skip_newlines();
            if (!at(TokenKind::End)) {
                fail_here(
                    "expected 'end' after the 'offer' list ('offer' must be the last "
                    "statement of a grove), found ",
                    Described{current()});
            }
        }
        expect_end(keyword);
        stmt->offers = finish(offers);
        return stmt;
    }

    // summon NAME from "PATH" [as ALIAS]
    Stmt* parse_summon() {
        const Token& keyword = advance();
        SummonStmt* stmt = make<SummonStmt>(keyword.location);
        stmt->module = text(expect_name("a module name after 'summon'"));
        expect(TokenKind::From, "after the module name (summon NAME from \"path.gw\")");
        if (!at(TokenKind::String)) {
            fail_here("expected a quoted path after 'from', found ", Described{current()});
        }
        stmt->path = text(advance());
        if (accept(TokenKind::As)) stmt->alias = text(expect_name("an alias after 'as'"));
        return stmt;
    }

    // gather NAME [as ALIAS], ... from MODULE
    Stmt* parse_gather() {
        const Token& keyword = advance();
        GatherStmt* stmt = make<GatherStmt>(keyword.location);
        Scratch<GatherItem> items(memory_);
        for (;;) {
            const Token& name = expect_name("a name to gather");
            GatherItem item{name.location, text(name), {}};
            if (accept(TokenKind::As)) item.alias = text(expect_name("an alias after 'as'"));
            items.push_back(item);
            if (!accept(TokenKind::Comma)) break;
        }
        expect(TokenKind::From, "after the gathered names (gather a, b from MODULE)");
        const Token& module = expect_name("a module name after 'from'");
        stmt->module = text(module);
        stmt->module_location = module.location;
        stmt->items = finish(items);
        return stmt;
    }

    // ---- expressions --------------------------------------------------------------------------

    Expr* parse_expression() {
        DepthScope scope(*this);
        nest(current().location);
        return parse_binary(kPipe);
    }

    // Precedence climbing: operands bind tighter than `min`; all levels are left-associative.
    // A flat chain `a + b + ... + z` grows the tree's left spine one level per operator but
    // does not count towards the depth limit: the stages after the parser (compiler, AST dump)
    // walk a left spine in a loop. Its operands, and anything bracketed, still count.
    Expr* parse_binary(int min) {
        DepthScope scope(*this);
        Expr* left = parse_unary();
        for (;;) {
            if (at(TokenKind::Greater)) {
                fail_here("'>' is not a comparison operator; use 'greater than'");
            }
            if (at(TokenKind::Less)) {
                fail_here("'<' is not a comparison operator; use 'less than'");
            }
            BinaryOp op = BinaryOp::Add;
            const int level = precedence_of(current().kind, &op);
            if (level == kNone || level < min) return left;
            const Token& op_token = advance();
            Expr* right = parse_binary(level + 1);
            if (level == kPipe) {
                PipeExpr* pipe = make<PipeExpr>(op_token.location);
                pipe->value = left;
                pipe->stage = right;
                left = pipe;
            } else {
                BinaryExpr* binary = make<BinaryExpr>(op_token.location);
                binary->op = op;
                binary->left = left;
                binary->right = right;
                left = binary;
            }
        }
    }

    // Prefix `not`, `-` (and the ignored borrow markers `borrow`, `borrow mut`), read in a loop.
    Expr* parse_unary() {
        DepthScope scope(*this);
        const std::size_t first = pos_;
        for (;;) {
            if (at(TokenKind::Not) || at(TokenKind::Minus)) {
                nest(advance().location);
            } else if (at(TokenKind::Borrow)) {
                advance();
                accept(TokenKind::Mut);
            } else {
                break;
            }
        }
        const std::size_t last = pos_;
        Expr* operand = parse_postfix();
        // Apply the prefixes innermost (rightmost) first; they are still in the token list.
        for (std::size_t i = last; i-- > first;) {
            const Token& prefix = tokens_[i];
            if (prefix.kind != TokenKind::Not && prefix.kind != TokenKind::Minus) continue;
            UnaryExpr* unary = make<UnaryExpr>(prefix.location);
            unary->op = prefix.kind == TokenKind::Not ? UnaryOp::Not : UnaryOp::Negate;
            unary->operand = operand;
            operand = unary;
        }
        return operand;
    }

    // Calls, indexing, fields, method calls, `?`, and `Name { ... }` struct literals.
    Expr* parse_postfix() {
        DepthScope scope(*this);
        Expr* expr = parse_primary();
        // Only a bare identifier may take generic arguments or start a struct literal.
        bool bare_identifier =
            expr->is<IdentifierExpr>() && previous().kind == TokenKind::Identifier;
        for (;;) {
            const Token& token = current();
            switch (token.kind) {
                case TokenKind::LeftParen: {
                    nest(token.location);
                    advance();
                    CallExpr* call = make<CallExpr>(token.location);
                    call->callee = expr;
                    call->arguments = parse_arguments();
                    expr = call;
                    break;
                }
                case TokenKind::LeftBracket: {
                    nest(token.location);
                    advance();
                    IndexExpr* index = make<IndexExpr>(token.location);
                    index->object = expr;
                    index->index = parse_expression();
                    expect(TokenKind::RightBracket, "to close the index");
                    expr = index;
                    break;
                }
                case TokenKind::Dot: {
                    nest(token.location);
                    advance();
                    const Token& name = expect_field_name();
                    if (at(TokenKind::LeftParen)) {
                        const Token& open = advance();
                        MethodCallExpr* call = make<MethodCallExpr>(open.location);
                        call->object = expr;
                        call->method = text(name);
                        call->method_location = name.location;
                        call->arguments = parse_arguments();
                        expr = call;
                    } else {
                        FieldExpr* field = make<FieldExpr>(token.location);
                        field->object = expr;
                        field->field = text(name);
                        field->field_location = name.location;
                        expr = field;
                    }
                    break;
                }
                case TokenKind::Question: {
                    nest(token.location);
                    advance();
                    PropagateExpr* propagate = make<PropagateExpr>(token.location);
                    propagate->operand = expr;
                    expr = propagate;
                    break;
                }
                case TokenKind::LeftBrace:
                    if (!bare_identifier) return expr;
                    nest(token.location);
                    expr = parse_struct_literal(expr->as<IdentifierExpr>());
                    break;
                case TokenKind::Less:
                    if (!bare_identifier || !generic_arguments_ahead()) {
                        fail_here("'<' is not a comparison operator; use 'less than'");
                    }
                    skip_generic_arguments();
                    continue;  // still a bare identifier: `Box<Number> { ... }`, `id<T>(x)`
                default:
                    return expr;
            }
            bare_identifier = false;
        }
    }

    // After '(': comma-separated expressions on one line, then ')'.
    Seq<Expr*> parse_arguments() {
        Scratch<Expr*> arguments(memory_);
        if (accept(TokenKind::RightParen)) return {};
        for (;;) {
            arguments.push_back(parse_expression());
            if (accept(TokenKind::Comma)) continue;
            if (accept(TokenKind::RightParen)) return finish(arguments);
            fail_here("expected ',' or ')' in the argument list, found ", Described{current()},
                      (at(TokenKind::Newline) ? " (call arguments cannot span lines)" : ""));
        }
    }

    const Token& expect_field_name() {
        if (!is_word(current().kind)) {
            fail_here("expected a field name after '.', found ", Described{current()});
        }
        return advance();
    }

    // Is `<` the start of type arguments `<T, List<U>>` followed by `(` or `{`?
    bool generic_arguments_ahead() const {
        std::size_t i = pos_;
        int open = 0;
        for (;; ++i) {
            const TokenKind kind = tokens_[i].kind;
            if (kind == TokenKind::Less) {
                ++open;
            } else if (kind == TokenKind::Greater) {
                if (--open == 0) break;
            } else if (kind != TokenKind::Identifier && kind != TokenKind::Comma &&
                       kind != TokenKind::Lifetime && kind != TokenKind::Borrow &&
                       kind != TokenKind::Mut) {
                return false;
            }
        }
        const TokenKind after = tokens_[i + 1].kind;  // the Eof token stops every scan above
        return after == TokenKind::LeftParen || after == TokenKind::LeftBrace;
    }

    void skip_generic_arguments() {
        advance();  // <
        for (;;) {
            if (!accept(TokenKind::Lifetime)) parse_type();
            if (!accept(TokenKind::Comma)) break;
        }
        expect(TokenKind::Greater, "to close the type arguments");
    }

    // NAME { field: value, ... } with line breaks allowed after '{', after commas and before '}'.
    Expr* parse_struct_literal(const IdentifierExpr& name) {
        StructExpr* literal = make<StructExpr>(name.location);
        literal->type_name = name.name;
        advance();  // {
        literal->fields = parse_field_inits(TokenKind::RightBrace, "struct literal");
        return literal;
    }

    // `name: value` pairs after '{' up to and including '}'.
    Seq<FieldInit> parse_field_inits(TokenKind close, std::string_view what) {
        Scratch<FieldInit> fields(memory_);
        skip_newlines();
        if (accept(close)) return {};
        for (;;) {
            if (at(TokenKind::String)) {
                fail_here("keys in a ", what,
                          " are bare names: write {name: value}, not {\"name\": value}");
            }
            const Token& name = expect_name("a field name in the ", what);
            expect(TokenKind::Colon, "after the name ", Quoted{name.text}, " in the ", what);
            fields.push_back(FieldInit{name.location, text(name), parse_expression()});
            if (accept(TokenKind::Comma)) {
                skip_newlines();
                continue;
            }
            skip_newlines();
            if (accept(close)) return finish(fields);
            fail_here("expected ',' or '}' in the ", what, ", found ", Described{current()});
        }
    }

    Expr* parse_primary() {
        const Token& token = current();
        switch (token.kind) {
            case TokenKind::Number: {
                NumberExpr* number = make<NumberExpr>(advance().location);
                number->value = token.number;
                return number;
            }
            case TokenKind::String: {
                TextExpr* literal = make<TextExpr>(advance().location);
                literal->value = text(token);
                return literal;
            }
            case TokenKind::True:
            case TokenKind::False: {
                TruthExpr* truth = make<TruthExpr>(advance().location);
                truth->value = token.kind == TokenKind::True;
                return truth;
            }
            case TokenKind::Nothing:
                return make<NothingExpr>(advance().location);
            case TokenKind::Absent:
                return make<AbsentExpr>(advance().location);
            case TokenKind::Identifier: {
                IdentifierExpr* identifier = make<IdentifierExpr>(advance().location);
                identifier->name = text(token);
                return identifier;
            }
            case TokenKind::LeftParen: {
                advance();
                Expr* inner = parse_expression();
                expect(TokenKind::RightParen, "to close the '(' at column ", token.location.column);
                return inner;
            }
            case TokenKind::LeftBracket:
                return parse_list();
            case TokenKind::LeftBrace: {
                advance();
                MapExpr* map = make<MapExpr>(token.location);
                map->entries = parse_field_inits(TokenKind::RightBrace, "map literal");
                return map;
            }
            case TokenKind::Range: {
                advance();
                RangeExpr* range = make<RangeExpr>(token.location);
                expect(TokenKind::LeftParen, "after 'range' (range(start, end))");
                range->start = parse_expression();
                expect(TokenKind::Comma, "between the two bounds of 'range'");
                range->end = parse_expression();
                expect(TokenKind::RightParen, "to close 'range('");
                return range;
            }
            case TokenKind::Present:
            case TokenKind::Triumph:
            case TokenKind::Mishap: {
                advance();
                WrapExpr* wrap = make<WrapExpr>(token.location);
                wrap->wrap = wrap_kind(token.kind);
                expect(TokenKind::LeftParen, "after ", Described{token});
                wrap->value = parse_expression();
                expect(TokenKind::RightParen, "to close the '(' after ", Described{token});
                return wrap;
            }
            case TokenKind::Chant: {
                if (ahead(1).kind != TokenKind::LeftParen && ahead(1).kind != TokenKind::Less) {
                    fail_here(
                        "expected '(' after 'chant' in an expression (a named chant is a "
                        "statement)");
                }
                const Token& keyword = advance();
                LambdaExpr* lambda = make<LambdaExpr>(keyword.location);
                lambda->function = parse_function_rest(keyword, /*named=*/false);
                return lambda;
            }
            case TokenKind::Match:
            case TokenKind::Should:
            case TokenKind::Whilst:
            case TokenKind::For:
            case TokenKind::Attempt:
            case TokenKind::Bind:
            case TokenKind::Weave:
            case TokenKind::Set:
            case TokenKind::Yield:
            case TokenKind::Form:
            case TokenKind::Variant:
            case TokenKind::Aspect:
            case TokenKind::Embody:
            case TokenKind::Grove:
            case TokenKind::Summon:
            case TokenKind::Gather:
            case TokenKind::Break:
            case TokenKind::Continue:
                fail_here(Described{token}, " is a statement, not an expression");
            case TokenKind::Newline:
            case TokenKind::Eof:
                fail_here("expected an expression after ", Described{previous()}, ", found ",
                          Described{token});
            default:
                break;
        }
        if (is_reserved_word(token.kind) || token.kind == TokenKind::Mut) {
            fail_here(Described{token}, " is a reserved word and cannot be used here");
        }
        fail_here("expected an expression, found ", Described{token});
    }

    // [a, b, ...] with line breaks allowed after '[', after commas and before ']'.
    Expr* parse_list() {
        const Token& open = advance();
        ListExpr* list = make<ListExpr>(open.location);
        Scratch<Expr*> elements(memory_);
        skip_newlines();
        if (accept(TokenKind::RightBracket)) return list;
        for (;;) {
            elements.push_back(parse_expression());
            if (accept(TokenKind::Comma)) {
                skip_newlines();
                continue;
            }
            skip_newlines();
            if (accept(TokenKind::RightBracket)) break;
            fail_here("expected ',' or ']' in the list, found ", Described{current()});
        }
        list->elements = finish(elements);
        return list;
    }

    // Mutable: reading a token may lex it (the window fills on demand).
    mutable TokenWindow tokens_;
    Program& program_;
    std::pmr::memory_resource* memory_;
    ParseOptions options_;
    std::size_t pos_ = 0;
    std::size_t depth_ = 0;
    std::size_t stack_left_at_start_ = 0;  // 0: the stack's bounds are unknown
};

}  // namespace

ast::Program parse(const lexer::TokenList& tokens, std::string source_name,
                   std::pmr::memory_resource* memory, ParseOptions options) {
    ast::Program program(std::move(source_name), memory);
    if (tokens.empty() || tokens.back().kind != lexer::TokenKind::Eof) {
        throw std::invalid_argument("parser::parse: the token list must end with an Eof token");
    }
    Parser(TokenWindow(tokens), program, options).run();
    return program;
}

ast::Program parse(const SourceFile& source, std::pmr::memory_resource* memory,
                   ParseOptions options) {
    // Lex up to the first lexical error, parse what came before it: whichever error comes
    // first in the source is the one reported.
    // The stream stops at the first lexical error with an Eof token there, so the parser
    // reads exactly the tokens tokenize_until_error() would give it.
    lexer::TokenStream stream(source, memory);
    try {
        ast::Program program(source.name(), memory);
        Parser(TokenWindow(stream, memory), program, options).run();
        if (stream.error()) throw *stream.error();
        return program;
    } catch (const SyntaxError& error) {
        // A parse error at the final token is the parser running into the lexical error (the
        // stream has ended: the parser only fails at the Eof token after reading it).
        const std::optional<SyntaxError>& lexical_error = stream.error();
        if (lexical_error && error.location() == lexical_error->location()) throw *lexical_error;
        throw;
    }
}

}  // namespace glimmer::interp::parser

namespace glimmer::interp::ast {

Program::Program(std::string source_name, std::pmr::memory_resource* upstream)
    : source_name_(std::move(source_name)), arena_(std::make_unique<NodeArena>(upstream)) {}

std::string_view Program::copy_text(std::string_view text) {
    if (text.empty()) return {};
    char* data = std::pmr::polymorphic_allocator<char>(arena_.get()).allocate(text.size());
    std::copy(text.begin(), text.end(), data);
    return {data, text.size()};
}

}  // namespace glimmer::interp::ast
