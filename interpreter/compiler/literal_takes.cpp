// literal_takes.cpp — the analysis of literal_takes.hpp: the candidates, then one walk over the
// literal per variable they take from.
#include "interpreter/compiler/literal_takes.hpp"

#include <cmath>
#include <optional>

#include "interpreter/compiler/expr_walk.hpp"

namespace glimmer::interp::compiler {

namespace {

// A read of a part of a named variable with a literal key.
struct Part {
    std::string_view variable;
    bool numbered = false;  // x[N]: `index` is the element it reads; else `name` is the key
    double index = 0;
    std::string_view name;

    bool same_part(const Part& o) const {
        return variable == o.variable && numbered == o.numbered &&
               (numbered ? index == o.index : name == o.name);
    }
};

std::optional<Part> part_read(const ast::Expr& e) {
    if (auto* fx = e.get_if<ast::FieldExpr>()) {
        auto* id = fx->object->get_if<ast::IdentifierExpr>();
        if (!id) return std::nullopt;
        return Part{id->name, false, 0, fx->field};
    }
    auto* ix = e.get_if<ast::IndexExpr>();
    auto* id = ix ? ix->object->get_if<ast::IdentifierExpr>() : nullptr;
    if (!id) return std::nullopt;
    if (auto* n = ix->index->get_if<ast::NumberExpr>()) {
        // The element the VM reads: truncated toward zero, a negative index reads element 0
        // (LANGUAGE.md §10), so x[0], x[-1] and x[0.5] are one part.
        const double at = n->value < 0 ? 0 : std::trunc(n->value);
        return Part{id->name, true, at, {}};
    }
    if (auto* t = ix->index->get_if<ast::TextExpr>()) return Part{id->name, false, 0, t->value};
    return std::nullopt;
}

}  // namespace

std::size_t literal_size(const ast::Expr& literal) {
    if (auto* l = literal.get_if<ast::ListExpr>()) return l->elements.size();
    if (auto* m = literal.get_if<ast::MapExpr>()) return m->entries.size();
    if (auto* s = literal.get_if<ast::StructExpr>()) return s->fields.size();
    return 0;
}

const ast::Expr& literal_element(const ast::Expr& literal, std::size_t i) {
    if (auto* l = literal.get_if<ast::ListExpr>()) return *l->elements[i];
    if (auto* m = literal.get_if<ast::MapExpr>()) return *m->entries[i].value;
    return *literal.as<ast::StructExpr>().fields[i].value;
}

bool same_part_read(const ast::Expr& a, const ast::Expr& b) {
    std::optional<Part> pa = part_read(a), pb = part_read(b);
    return pa && pb && pa->same_part(*pb);
}

const ast::Expr& taken_part(const ast::Expr& literal, const LiteralTakes& takes, std::size_t i) {
    const ast::Expr& e = literal_element(literal, i);
    if (takes.parts >> i & 1u) return e;
    return *e.as<ast::CallExpr>().arguments[takes.argument[i]];
}

std::string_view taken_variable(const ast::Expr& literal, const LiteralTakes& takes,
                                std::size_t i) {
    return part_read(taken_part(literal, takes, i))->variable;
}

LiteralTakes literal_takes(const ast::Expr& literal,
                           const std::function<bool(std::string_view)>& dead) {
    LiteralTakes takes;
    const std::size_t n = literal_size(literal);
    std::array<Part, 32> taken{};
    for (std::size_t i = 0; i < n && i < 32; ++i) {
        const ast::Expr& e = literal_element(literal, i);
        const std::uint32_t bit = 1u << i;
        if (std::optional<Part> p = part_read(e); p && dead(p->variable)) {
            takes.parts |= bit;
            taken[i] = *p;
            continue;
        }
        auto* call = e.get_if<ast::CallExpr>();
        if (!call || !call->callee->is<ast::IdentifierExpr>()) continue;
        for (std::size_t j = 0; j < call->arguments.size() && j < 32; ++j) {
            if (std::optional<Part> p = part_read(*call->arguments[j]); p && dead(p->variable)) {
                takes.calls |= bit;
                takes.argument[i] = static_cast<std::uint8_t>(j);
                taken[i] = *p;
                break;
            }
        }
    }
    for (std::size_t i = 0; i < n && i < 32; ++i) {
        const std::uint32_t bit = 1u << i;
        if (!((takes.parts | takes.calls) & bit)) continue;
        const Part& t = taken[i];
        std::size_t mentions = 0, part_reads = 0, same_part = 0;
        bool makes_chant = false;
        for_each_expr(literal, [&](const ast::Expr& x) {
            if (auto* id = x.get_if<ast::IdentifierExpr>()) {
                mentions += id->name == t.variable;
            } else if (auto* st = x.get_if<ast::StructExpr>()) {
                mentions += st->type_name == t.variable;
            } else if (x.is<ast::LambdaExpr>()) {
                makes_chant = true;
            } else if (std::optional<Part> p = part_read(x); p && p->variable == t.variable) {
                ++part_reads;
                same_part += p->same_part(t);
            }
        });
        if (makes_chant || mentions != part_reads || same_part != 1) {
            takes.parts &= ~bit;
            takes.calls &= ~bit;
        }
    }
    return takes;
}

}  // namespace glimmer::interp::compiler
