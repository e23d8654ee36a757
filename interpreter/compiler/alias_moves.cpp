// alias_moves.cpp — the liveness scan of alias_moves.hpp. Every question is asked by name over a
// whole scope, so it over-approximates (any mention counts as a read, wherever it runs) and never
// misses one. Statements nest no deeper than the parser allows; expressions are walked by
// for_each_expr (expr_walk.hpp).
#include "interpreter/compiler/alias_moves.hpp"

#include <algorithm>
#include <span>
#include <string_view>

#include "interpreter/compiler/expr_walk.hpp"

namespace glimmer::interp::compiler {

namespace {

// Sets `mentions` when `e` names `name`, `captures` when it makes a chant (whose body is not
// walked: the chant could read any name, at any time).
void uses(const ast::Expr& e, std::string_view name, bool& mentions, bool& captures) {
    for_each_expr(e, [&](const ast::Expr& x) {
        if (auto* id = x.get_if<ast::IdentifierExpr>()) {
            mentions |= id->name == name;
        } else if (auto* st = x.get_if<ast::StructExpr>()) {
            mentions |= st->type_name == name;
        } else if (x.is<ast::LambdaExpr>()) {
            captures = true;
        }
    });
}

bool pattern_binds(const ast::Pattern& p, std::string_view name) {
    if (auto* b = p.get_if<ast::BindingPattern>()) return b->name == name;
    if (auto* w = p.get_if<ast::WrapPattern>()) return pattern_binds(*w->inner, name);
    if (auto* v = p.get_if<ast::VariantPattern>()) {
        for (const ast::Pattern* f : v->fields)
            if (pattern_binds(*f, name)) return true;
    }
    return false;
}

void uses(ast::Block b, std::string_view name, bool& mentions, bool& captures);

// The same for a statement and everything in it. A name it binds (bind, loop variable,
// pattern) counts as a mention; a statement that defines a chant or brings in names (chant,
// embody, grove, summon, gather) counts as capturing.
void uses(const ast::Stmt& s, std::string_view name, bool& mentions, bool& captures) {
    switch (s.kind) {
        case ast::StmtKind::Expression:
            uses(*s.as<ast::ExpressionStmt>().expression, name, mentions, captures);
            return;
        case ast::StmtKind::Bind:
            mentions |= s.as<ast::BindStmt>().name == name;
            uses(*s.as<ast::BindStmt>().value, name, mentions, captures);
            return;
        case ast::StmtKind::Set:
            uses(*s.as<ast::SetStmt>().target, name, mentions, captures);
            uses(*s.as<ast::SetStmt>().value, name, mentions, captures);
            return;
        case ast::StmtKind::Should: {
            const auto& sh = s.as<ast::ShouldStmt>();
            uses(*sh.condition, name, mentions, captures);
            uses(sh.then_body, name, mentions, captures);
            uses(sh.otherwise_body, name, mentions, captures);
            return;
        }
        case ast::StmtKind::Whilst:
            uses(*s.as<ast::WhilstStmt>().condition, name, mentions, captures);
            uses(s.as<ast::WhilstStmt>().body, name, mentions, captures);
            return;
        case ast::StmtKind::ForEach: {
            const auto& fe = s.as<ast::ForEachStmt>();
            mentions |= fe.variable == name;
            uses(*fe.iterable, name, mentions, captures);
            uses(fe.body, name, mentions, captures);
            return;
        }
        case ast::StmtKind::Yield:
            uses(*s.as<ast::YieldStmt>().value, name, mentions, captures);
            return;
        case ast::StmtKind::Match: {
            const auto& m = s.as<ast::MatchStmt>();
            uses(*m.subject, name, mentions, captures);
            for (const ast::MatchArm& arm : m.arms) {
                mentions |= pattern_binds(*arm.pattern, name);
                uses(arm.body, name, mentions, captures);
            }
            uses(m.otherwise_body, name, mentions, captures);
            return;
        }
        case ast::StmtKind::Attempt: {
            const auto& a = s.as<ast::AttemptStmt>();
            uses(a.body, name, mentions, captures);
            for (const ast::Handler& h : a.handlers)
                uses(h.body, name, mentions, captures);
            return;
        }
        case ast::StmtKind::Break:
        case ast::StmtKind::Continue:
        case ast::StmtKind::Form:
        case ast::StmtKind::Variant:
        case ast::StmtKind::Aspect:
            return;
        default:  // chant, embody, grove, summon, gather
            captures = true;
            return;
    }
}

void uses(ast::Block b, std::string_view name, bool& mentions, bool& captures) {
    for (const ast::Stmt* s : b)
        uses(*s, name, mentions, captures);
}

bool names(const ast::Stmt& s, std::string_view name) {
    bool mentions = false, captures = false;
    uses(s, name, mentions, captures);
    return mentions || captures;
}

bool names(const ast::Expr& e, std::string_view name) {
    bool mentions = false, captures = false;
    uses(e, name, mentions, captures);
    return mentions || captures;
}

// True when `b` names `name` outside the statements `own` (all in one block, b itself or a
// should/otherwise/whilst/attempt body in it): in any other statement, a condition of a
// should or whilst around `own` included (a whilst re-tests it, and runs its body's earlier
// statements again, after `own`).
bool named_outside(ast::Block b, std::string_view name, std::span<const ast::Stmt* const> own) {
    for (const ast::Stmt* st : b) {
        if (std::find(own.begin(), own.end(), st) != own.end()) continue;
        if (auto* sh = st->get_if<ast::ShouldStmt>()) {
            if (names(*sh->condition, name) || named_outside(sh->then_body, name, own) ||
                named_outside(sh->otherwise_body, name, own)) {
                return true;
            }
        } else if (auto* w = st->get_if<ast::WhilstStmt>()) {
            if (names(*w->condition, name) || named_outside(w->body, name, own)) return true;
        } else if (auto* a = st->get_if<ast::AttemptStmt>()) {
            if (named_outside(a->body, name, own)) return true;
            for (const ast::Handler& h : a->handlers)
                if (named_outside(h.body, name, own)) return true;
        } else if (names(*st, name)) {
            return true;
        }
    }
    return false;
}

// Whether `st` may leave its block before the statement after it: a yield, a break or
// continue of a loop around it (`loops` counts the loops inside), or a statement this check
// does not look into (match, attempt, anything that defines).
bool leaves_early(const ast::Stmt& st, int loops) {
    const auto any = [](ast::Block b, int depth) {
        for (const ast::Stmt* s : b)
            if (leaves_early(*s, depth)) return true;
        return false;
    };
    switch (st.kind) {
        case ast::StmtKind::Expression:
        case ast::StmtKind::Bind:
        case ast::StmtKind::Set:
            return false;
        case ast::StmtKind::Should:
            return any(st.as<ast::ShouldStmt>().then_body, loops) ||
                   any(st.as<ast::ShouldStmt>().otherwise_body, loops);
        case ast::StmtKind::Whilst:
            return any(st.as<ast::WhilstStmt>().body, loops + 1);
        case ast::StmtKind::ForEach:
            return any(st.as<ast::ForEachStmt>().body, loops + 1);
        case ast::StmtKind::Break:
        case ast::StmtKind::Continue:
            return loops == 0;
        default:
            return true;
    }
}

struct Finder {
    ast::Block scope;
    AliasMoves out;

    void block(ast::Block body) {
        for (std::size_t i = 0; i < body.size(); ++i) {
            const ast::Stmt& st = *body[i];
            if (auto* sh = st.get_if<ast::ShouldStmt>()) {
                block(sh->then_body);
                block(sh->otherwise_body);
            } else if (auto* w = st.get_if<ast::WhilstStmt>()) {
                block(w->body);
            } else if (auto* a = st.get_if<ast::AttemptStmt>()) {
                block(a->body);
                for (const ast::Handler& h : a->handlers)
                    block(h.body);
            } else if (auto* b = st.get_if<ast::BindStmt>()) {
                bind(body, i, *b);
            } else if (auto* s = st.get_if<ast::SetStmt>()) {
                set(body, i, *s);
            }
        }
    }

    // (A) and (B) of `body[i]`, a bind.
    void bind(ast::Block body, std::size_t i, const ast::BindStmt& b) {
        const ast::Stmt* own[] = {body[i]};
        if (!named_outside(scope, b.name, own)) out.unread.push_back(&b);
        auto* x = b.value->get_if<ast::IdentifierExpr>();
        if (!x || x->name == b.name) return;
        for (std::size_t k = i + 1; k < body.size(); ++k) {
            auto* set = body[k]->get_if<ast::SetStmt>();
            auto* target = set ? set->target->get_if<ast::IdentifierExpr>() : nullptr;
            if (target && target->name == x->name && !names(*set->value, x->name)) {
                out.source_dead.push_back(&b);
                return;
            }
            if (names(*body[k], x->name) || leaves_early(*body[k], 0)) return;
        }
        // The block ends first: a loop may read x again, or the code after the block.
    }

    // (C) of `body[j]`, a set.
    void set(ast::Block body, std::size_t j, const ast::SetStmt& s) {
        auto* x = s.target->get_if<ast::IdentifierExpr>();
        auto* call = s.value->get_if<ast::CallExpr>();
        if (!x || !call) return;
        for (std::size_t a = 0; a < call->arguments.size(); ++a) {
            auto* v = call->arguments[a]->get_if<ast::IdentifierExpr>();
            if (!v || v->name == x->name) continue;
            bool named_again = names(*call->callee, v->name);
            for (std::size_t k = 0; k < call->arguments.size(); ++k)
                named_again |= k != a && names(*call->arguments[k], v->name);
            if (named_again) continue;
            // v's bind: the last one before the set in this block.
            std::size_t i = j;
            while (i-- > 0) {
                auto* b = body[i]->get_if<ast::BindStmt>();
                if (b && b->name == v->name) break;
            }
            if (i >= j) continue;  // none (i wrapped around)
            if (named_outside(scope, v->name, body.subspan(i, j - i + 1))) continue;
            out.last_reads.emplace_back(&s, static_cast<std::uint32_t>(a));
            return;
        }
    }
};

}  // namespace

AliasMoves find_alias_moves(ast::Block scope) {
    for (const ast::Stmt* st : scope) {
        bool mentions = false, captures = false;
        uses(*st, {}, mentions, captures);
        if (captures) return {};
    }
    Finder f{scope, {}};
    f.block(scope);
    return std::move(f.out);
}

}  // namespace glimmer::interp::compiler
