// The abstract syntax tree of Glimmer-Weave: one struct per construct (LANGUAGE.md §3-§14).
//
// Ownership. A Program owns an arena (NodeArena, chunked bump allocation over the memory resource
// given to the parser). Every node, every node list (Seq = std::span over an arena array) and every
// name or text (std::string_view) of a Program lives in that arena and dies with the Program. All
// nodes are trivially destructible. Pointers, spans and string_views into a Program stay valid
// while it lives (moving the Program keeps them valid).
//
// Shape. Expr, Stmt and Pattern are the three node families. Each concrete node has a constant
// kKind; use `node.is<T>()`, `node.as<T>()` (checked by assert) and `node.get_if<T>()` (nullptr
// when the kind differs), or switch over `node.kind`.
//
// Dropped on purpose: type annotations of bindings, parameters and return types (`: T`, `as T`,
// `-> T`), generic parameter lists (`<T>`), borrow markers and lifetimes. Kept: the declared
// types of `form` fields and of data-variant fields (TypeRef), which the runtime checks.
//
// Locations. A statement sits at its first keyword (or its expression's start); a literal or
// name at its first byte; a binary/pipe node at its operator; a call or method call at its '(';
// an index at its '['; a field at its '.'; a unary node at its prefix; `?` at the '?'. So a runtime
// error raised by a node points at the operator or bracket that failed.
//
// Stability: the backend compiles this tree. Later changes are additive only and are listed here.
// (None so far.)
#pragma once

#include <cassert>
#include <cstdint>
#include <memory>
#include <memory_resource>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "interpreter/parser/node_arena.hpp"
#include "interpreter/source.hpp"

namespace glimmer::interp::ast {

template <class T>
using Seq = std::span<T>;

struct Stmt;
struct Expr;
struct Pattern;
using Block = Seq<Stmt*>;

// A declared type, `Number`, `List<Number>`, `Map<Text, Number>`, `T`.
struct TypeRef {
    SourceLocation location;
    std::string_view name;
    Seq<TypeRef*> arguments;
};

// Base of the three node families.
template <class Kind>
struct NodeBase {
    Kind kind;
    SourceLocation location;

    template <class T>
    bool is() const noexcept {
        return kind == T::kKind;
    }
    template <class T>
    T& as() noexcept {
        assert(is<T>());
        return static_cast<T&>(*this);
    }
    template <class T>
    const T& as() const noexcept {
        assert(is<T>());
        return static_cast<const T&>(*this);
    }
    template <class T>
    T* get_if() noexcept {
        return is<T>() ? static_cast<T*>(this) : nullptr;
    }
    template <class T>
    const T* get_if() const noexcept {
        return is<T>() ? static_cast<const T*>(this) : nullptr;
    }
};

// ---------------------------------------------------------------------------------------------
// Functions (shared by `chant NAME(...)`, anonymous `chant(...)`, and `embody` methods)

struct Param {
    SourceLocation location;
    std::string_view name;
};

struct Function {
    SourceLocation location;  // the `chant` keyword
    std::string_view name;    // empty for an anonymous chant
    Seq<Param> params;        // in order; when `variadic`, the last one is the `...rest` list
    bool variadic = false;
    Block body;
};

// ---------------------------------------------------------------------------------------------
// Expressions

enum class ExprKind : std::uint8_t {
    Number,      // 42, 3.5
    Text,        // "hi" (escapes already applied)
    Truth,       // true, false
    Nothing,     // nothing
    Identifier,  // x
    List,        // [a, b]
    Map,         // {a: 1, b: 2}
    Struct,      // Point { x: 1, y: 2 }
    Range,       // range(a, b)
    Unary,       // not x, -x
    Binary,      // a + b, a is b, a and b, ...
    Pipe,        // value | stage
    Call,        // f(a, b)
    MethodCall,  // obj.m(a, b)  (extended: trait dispatch, else field read then call)
    Index,       // x[i]
    Field,       // x.f
    Propagate,   // expr?
    Wrap,        // Present(v), Triumph(v), Mishap(v)
    Absent,      // Absent
    Lambda,      // chant(x) then ... end  (extended)
};

struct Expr : NodeBase<ExprKind> {};

struct NumberExpr : Expr {
    static constexpr ExprKind kKind = ExprKind::Number;
    double value = 0;
};

struct TextExpr : Expr {
    static constexpr ExprKind kKind = ExprKind::Text;
    std::string_view value;
};

struct TruthExpr : Expr {
    static constexpr ExprKind kKind = ExprKind::Truth;
    bool value = false;
};

struct NothingExpr : Expr {
    static constexpr ExprKind kKind = ExprKind::Nothing;
};

struct IdentifierExpr : Expr {
    static constexpr ExprKind kKind = ExprKind::Identifier;
    std::string_view name;
};

struct ListExpr : Expr {
    static constexpr ExprKind kKind = ExprKind::List;
    Seq<Expr*> elements;
};

// `name: value` inside a map or struct literal.
struct FieldInit {
    SourceLocation location;
    std::string_view name;
    Expr* value = nullptr;
};

struct MapExpr : Expr {
    static constexpr ExprKind kKind = ExprKind::Map;
    Seq<FieldInit> entries;  // in source order; a repeated key is kept (the later one wins)
};

struct StructExpr : Expr {
    static constexpr ExprKind kKind = ExprKind::Struct;
    std::string_view type_name;
    Seq<FieldInit> fields;  // in source order
};

struct RangeExpr : Expr {
    static constexpr ExprKind kKind = ExprKind::Range;
    Expr* start = nullptr;
    Expr* end = nullptr;
};

enum class UnaryOp : std::uint8_t { Not, Negate };

struct UnaryExpr : Expr {
    static constexpr ExprKind kKind = ExprKind::Unary;
    UnaryOp op = UnaryOp::Not;
    Expr* operand = nullptr;
};

enum class BinaryOp : std::uint8_t {
    Or,
    And,
    Is,       // is
    IsNot,    // is not
    Greater,  // greater than
    Less,     // less than
    AtLeast,  // at least, >=
    AtMost,   // at most, <=
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
};

struct BinaryExpr : Expr {
    static constexpr ExprKind kKind = ExprKind::Binary;
    BinaryOp op = BinaryOp::Add;
    Expr* left = nullptr;
    Expr* right = nullptr;
};

// `value | stage`: when `stage` is a CallExpr f(a, b) this means f(value, a, b); otherwise the
// stage is evaluated and called with `value` alone. Left-associative: a | f | g = (a | f) | g.
struct PipeExpr : Expr {
    static constexpr ExprKind kKind = ExprKind::Pipe;
    Expr* value = nullptr;
    Expr* stage = nullptr;
};

struct CallExpr : Expr {
    static constexpr ExprKind kKind = ExprKind::Call;
    Expr* callee = nullptr;
    Seq<Expr*> arguments;
    // True when this call is the whole operand of `yield` (`yield f(x)`): a tail call. Whether
    // it is a *self* tail call is for the compiler to decide.
    bool tail = false;
};

// obj.m(args): kept apart from Call(Field) so that trait dispatch is resolved per call site.
struct MethodCallExpr : Expr {
    static constexpr ExprKind kKind = ExprKind::MethodCall;
    Expr* object = nullptr;
    std::string_view method;
    SourceLocation method_location;
    Seq<Expr*> arguments;
    bool tail = false;  // as CallExpr::tail
};

struct IndexExpr : Expr {
    static constexpr ExprKind kKind = ExprKind::Index;
    Expr* object = nullptr;
    Expr* index = nullptr;
};

struct FieldExpr : Expr {
    static constexpr ExprKind kKind = ExprKind::Field;
    Expr* object = nullptr;
    std::string_view field;
    SourceLocation field_location;
};

// expr? : unwraps Triumph(v), returns Mishap(e) from the current function.
struct PropagateExpr : Expr {
    static constexpr ExprKind kKind = ExprKind::Propagate;
    Expr* operand = nullptr;
};

enum class WrapKind : std::uint8_t { Present, Triumph, Mishap };

struct WrapExpr : Expr {
    static constexpr ExprKind kKind = ExprKind::Wrap;
    WrapKind wrap = WrapKind::Present;
    Expr* value = nullptr;
};

struct AbsentExpr : Expr {
    static constexpr ExprKind kKind = ExprKind::Absent;
};

struct LambdaExpr : Expr {
    static constexpr ExprKind kKind = ExprKind::Lambda;
    Function* function = nullptr;  // name is empty
};

// ---------------------------------------------------------------------------------------------
// Patterns (match arms)

enum class PatternKind : std::uint8_t {
    Literal,  // 0, 2.5, "a", true, false (compared with `is`)
    Binding,  // x, _ : matches anything and binds it -- unless the name is a unit variant in
              // scope, then it matches only that variant (decided at compile/run time)
    Wrap,     // Present(p), Triumph(p), Mishap(p)
    Absent,   // Absent
    Variant,  // Circle(p), Pair(p, q)  (extended; data variant with one sub-pattern per field)
};

struct Pattern : NodeBase<PatternKind> {};

struct LiteralPattern : Pattern {
    static constexpr PatternKind kKind = PatternKind::Literal;
    Expr* value = nullptr;  // a NumberExpr, TextExpr or TruthExpr
};

struct BindingPattern : Pattern {
    static constexpr PatternKind kKind = PatternKind::Binding;
    std::string_view name;
};

struct WrapPattern : Pattern {
    static constexpr PatternKind kKind = PatternKind::Wrap;
    WrapKind wrap = WrapKind::Present;
    Pattern* inner = nullptr;
};

struct AbsentPattern : Pattern {
    static constexpr PatternKind kKind = PatternKind::Absent;
};

struct VariantPattern : Pattern {
    static constexpr PatternKind kKind = PatternKind::Variant;
    std::string_view name;
    Seq<Pattern*> fields;  // one per field; `Dot()` gives none (a bare `Dot` is a BindingPattern)
};

// ---------------------------------------------------------------------------------------------
// Statements

enum class StmtKind : std::uint8_t {
    Expression,  // any expression on its own
    Bind,        // bind x to v / weave x as v
    Set,         // set target to v
    Should,      // should c then ... [otherwise ...] end
    Whilst,      // whilst c then ... end
    ForEach,     // for each x in e then ... end
    Break,       // break
    Continue,    // continue
    Yield,       // yield e
    Chant,       // chant name(params) then ... end
    Form,        // form Name with fields end
    Match,       // match e with arms end
    Attempt,     // attempt ... harmonize on Kind then ... end
    Variant,     // variant Name then cases end                (extended)
    Aspect,      // aspect Name then signatures end             (extended)
    Embody,      // embody Aspect for Type then methods end      (extended)
    Grove,       // grove Name with body offer a, b end          (extended)
    Summon,      // summon Name from "path" [as Alias]           (extended)
    Gather,      // gather a, b as c from Name                   (extended)
};

struct Stmt : NodeBase<StmtKind> {};

struct ExpressionStmt : Stmt {
    static constexpr StmtKind kKind = StmtKind::Expression;
    Expr* expression = nullptr;
};

struct BindStmt : Stmt {
    static constexpr StmtKind kKind = StmtKind::Bind;
    bool is_mutable = false;  // weave
    std::string_view name;
    SourceLocation name_location;
    Expr* value = nullptr;
};

// Target: an IdentifierExpr, or an IndexExpr / FieldExpr whose object is (after any further
// Index/Field links, which LANGUAGE.md lets us reject) an IdentifierExpr.
struct SetStmt : Stmt {
    static constexpr StmtKind kKind = StmtKind::Set;
    Expr* target = nullptr;
    Expr* value = nullptr;
};

struct ShouldStmt : Stmt {
    static constexpr StmtKind kKind = StmtKind::Should;
    Expr* condition = nullptr;
    Block then_body;
    bool has_otherwise = false;
    Block otherwise_body;
};

struct WhilstStmt : Stmt {
    static constexpr StmtKind kKind = StmtKind::Whilst;
    Expr* condition = nullptr;
    Block body;
};

struct ForEachStmt : Stmt {
    static constexpr StmtKind kKind = StmtKind::ForEach;
    std::string_view variable;
    SourceLocation variable_location;
    Expr* iterable = nullptr;
    Block body;
};

struct BreakStmt : Stmt {
    static constexpr StmtKind kKind = StmtKind::Break;
};

struct ContinueStmt : Stmt {
    static constexpr StmtKind kKind = StmtKind::Continue;
};

struct YieldStmt : Stmt {
    static constexpr StmtKind kKind = StmtKind::Yield;
    Expr* value = nullptr;  // never null
};

struct ChantStmt : Stmt {
    static constexpr StmtKind kKind = StmtKind::Chant;
    Function* function = nullptr;  // name is not empty
};

struct FieldDecl {
    SourceLocation location;
    std::string_view name;  // may be empty for a positional variant field, `Some(T)`
    TypeRef* type = nullptr;
};

struct FormStmt : Stmt {
    static constexpr StmtKind kKind = StmtKind::Form;
    std::string_view name;
    Seq<FieldDecl> fields;  // declaration order
};

struct MatchArm {
    SourceLocation location;  // the `when`
    Pattern* pattern = nullptr;
    Block body;
};

struct MatchStmt : Stmt {
    static constexpr StmtKind kKind = StmtKind::Match;
    Expr* subject = nullptr;
    Seq<MatchArm> arms;
    bool has_otherwise = false;  // `otherwise then`, always after the last arm
    Block otherwise_body;
};

struct Handler {
    SourceLocation location;      // the `harmonize`
    std::string_view error_kind;  // "DivisionByZero", ..., or "_" for any
    Block body;
};

struct AttemptStmt : Stmt {
    static constexpr StmtKind kKind = StmtKind::Attempt;
    Block body;
    Seq<Handler> handlers;  // tried in order (may be empty: the error propagates)
};

struct VariantCase {
    SourceLocation location;
    std::string_view name;
    bool has_fields = false;  // Circle(...) vs Red; `Circle()` has_fields with no fields
    Seq<FieldDecl> fields;
};

struct VariantStmt : Stmt {
    static constexpr StmtKind kKind = StmtKind::Variant;
    std::string_view name;
    Seq<VariantCase> cases;
};

struct MethodSignature {
    SourceLocation location;
    std::string_view name;
    Seq<Param> params;  // including `self`
    bool variadic = false;
};

struct AspectStmt : Stmt {
    static constexpr StmtKind kKind = StmtKind::Aspect;
    std::string_view name;
    Seq<MethodSignature> methods;
};

struct EmbodyStmt : Stmt {
    static constexpr StmtKind kKind = StmtKind::Embody;
    std::string_view aspect;
    std::string_view type_name;  // struct name or Number, Text, List, Map, ... (generics dropped)
    SourceLocation type_location;
    Seq<Function*> methods;
};

struct NameRef {
    SourceLocation location;
    std::string_view name;
};

struct GroveStmt : Stmt {
    static constexpr StmtKind kKind = StmtKind::Grove;
    std::string_view name;
    Block body;           // statements before `offer`
    Seq<NameRef> offers;  // `offer a, b, c` (the grove's last statement); may be empty
};

struct SummonStmt : Stmt {
    static constexpr StmtKind kKind = StmtKind::Summon;
    std::string_view module;
    std::string_view path;   // as written (escapes applied), relative to the importing file
    std::string_view alias;  // empty without `as`
};

struct GatherItem {
    SourceLocation location;
    std::string_view name;
    std::string_view alias;  // empty without `as`
};

struct GatherStmt : Stmt {
    static constexpr StmtKind kKind = StmtKind::Gather;
    Seq<GatherItem> items;
    std::string_view module;
    SourceLocation module_location;
};

// ---------------------------------------------------------------------------------------------
// A parsed script.

class Program {
  public:
    // An empty program whose arena takes its memory from `upstream`.
    explicit Program(std::string source_name,
                     std::pmr::memory_resource* upstream = std::pmr::get_default_resource());
    Program(Program&&) noexcept = default;
    Program& operator=(Program&&) noexcept = default;
    Program(const Program&) = delete;
    Program& operator=(const Program&) = delete;
    ~Program() = default;

    const std::string& source_name() const noexcept { return source_name_; }
    Block statements() const noexcept { return statements_; }
    void set_statements(Block statements) noexcept { statements_ = statements; }

    // The resource the arena draws from (the parser also uses it for scratch space).
    std::pmr::memory_resource* upstream() const noexcept { return arena_->upstream_resource(); }
    std::pmr::memory_resource* arena() const noexcept { return arena_.get(); }

    // A new node of kind T in the arena.
    template <class T>
    T* make(SourceLocation location) {
        static_assert(std::is_trivially_destructible_v<T>);
        T* node = std::pmr::polymorphic_allocator<T>(arena_.get()).allocate(1);
        ::new (static_cast<void*>(node)) T{};
        node->kind = T::kKind;
        node->location = location;
        return node;
    }

    // A plain value (Function, TypeRef, ...) in the arena.
    template <class T>
    T* make_value() {
        static_assert(std::is_trivially_destructible_v<T>);
        T* value = std::pmr::polymorphic_allocator<T>(arena_.get()).allocate(1);
        return ::new (static_cast<void*>(value)) T{};
    }

    // An arena copy of `items`.
    template <class T>
    Seq<T> copy_seq(std::span<const T> items) {
        static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);
        if (items.empty()) return {};
        T* data = std::pmr::polymorphic_allocator<T>(arena_.get()).allocate(items.size());
        for (std::size_t i = 0; i < items.size(); ++i)
            ::new (static_cast<void*>(data + i)) T(items[i]);
        return {data, items.size()};
    }

    // An arena copy of `text`.
    std::string_view copy_text(std::string_view text);

  private:
    std::string source_name_;
    std::unique_ptr<NodeArena> arena_;
    Block statements_;
};

}  // namespace glimmer::interp::ast
