// copy_reads.cpp — the rewrite of copy_reads.hpp. Statements nest no deeper than the parser
// allows; expressions are walked by for_each_expr (expr_walk.hpp).
#include "interpreter/compiler/copy_reads.hpp"

#include <string_view>
#include <vector>

#include "interpreter/compiler/assigned_names.hpp"
#include "interpreter/compiler/expr_walk.hpp"

namespace glimmer::interp::compiler {

namespace {

// One `weave copy as param` and what the scan found after it.
struct CopyReads {
    std::string_view param, copy;
    std::vector<ast::IdentifierExpr*> mentions;  // of param, to rename once all are safe
};

// Adds every mention of `name` in `e` to `out` (no lambda: the body makes no chants).
void collect(ast::Expr& e, std::string_view name, std::vector<ast::IdentifierExpr*>& out) {
    for_each_expr(e, [&](ast::Expr& x) {
        if (auto* id = x.get_if<ast::IdentifierExpr>(); id && id->name == name) out.push_back(id);
    });
}

// Calls f(s) for `s` and every statement nested in it.
template <class F>
void for_each_stmt(ast::Stmt& s, F&& f) {
    f(s);
    auto each = [&](ast::Block b) {
        for (ast::Stmt* x : b)
            for_each_stmt(*x, f);
    };
    if (auto* sh = s.get_if<ast::ShouldStmt>()) {
        each(sh->then_body);
        each(sh->otherwise_body);
    } else if (auto* w = s.get_if<ast::WhilstStmt>()) {
        each(w->body);
    } else if (auto* fe = s.get_if<ast::ForEachStmt>()) {
        each(fe->body);
    } else if (auto* m = s.get_if<ast::MatchStmt>()) {
        for (ast::MatchArm& arm : m->arms)
            each(arm.body);
        each(m->otherwise_body);
    } else if (auto* a = s.get_if<ast::AttemptStmt>()) {
        each(a->body);
        for (ast::Handler& h : a->handlers)
            each(h.body);
    }
}

// Adds the mentions of `name` in the expressions of `s` itself (not of nested statements).
void collect_own(ast::Stmt& s, std::string_view name, std::vector<ast::IdentifierExpr*>& out) {
    switch (s.kind) {
        case ast::StmtKind::Expression:
            collect(*s.as<ast::ExpressionStmt>().expression, name, out);
            return;
        case ast::StmtKind::Bind:
            collect(*s.as<ast::BindStmt>().value, name, out);
            return;
        case ast::StmtKind::Set:
            collect(*s.as<ast::SetStmt>().target, name, out);
            collect(*s.as<ast::SetStmt>().value, name, out);
            return;
        case ast::StmtKind::Should:
            collect(*s.as<ast::ShouldStmt>().condition, name, out);
            return;
        case ast::StmtKind::Whilst:
            collect(*s.as<ast::WhilstStmt>().condition, name, out);
            return;
        case ast::StmtKind::ForEach:
            collect(*s.as<ast::ForEachStmt>().iterable, name, out);
            return;
        case ast::StmtKind::Yield:
            collect(*s.as<ast::YieldStmt>().value, name, out);
            return;
        case ast::StmtKind::Match:
            collect(*s.as<ast::MatchStmt>().subject, name, out);
            return;
        default:
            return;
    }
}

// Adds the mentions of `name` anywhere in `s`.
void collect_all(ast::Stmt& s, std::string_view name, std::vector<ast::IdentifierExpr*>& out) {
    for_each_stmt(s, [&](ast::Stmt& x) { collect_own(x, name, out); });
}

bool mentions(ast::Stmt& s, std::string_view name) {
    std::vector<ast::IdentifierExpr*> found;
    collect_all(s, name, found);
    return !found.empty();
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

// True when `s` binds either name anew somewhere (a bind, a loop variable, a match pattern):
// from there on the name may mean another variable, so no mention is renamed.
bool binds_either(ast::Stmt& s, const CopyReads& r) {
    bool binds = false;
    auto is_ours = [&](std::string_view n) { return n == r.param || n == r.copy; };
    for_each_stmt(s, [&](ast::Stmt& x) {
        if (auto* b = x.get_if<ast::BindStmt>()) binds |= is_ours(b->name);
        if (auto* fe = x.get_if<ast::ForEachStmt>()) binds |= is_ours(fe->variable);
        if (auto* m = x.get_if<ast::MatchStmt>()) {
            for (const ast::MatchArm& arm : m->arms)
                binds |=
                    pattern_binds(*arm.pattern, r.param) || pattern_binds(*arm.pattern, r.copy);
        }
    });
    return binds;
}

// True when `s` may change `name`'s value: a `set` of it, of an element or of a field.
bool changes(ast::Stmt& s, std::string_view name) {
    bool found = false;
    for_each_stmt(s, [&](ast::Stmt& x) {
        if (auto* set = x.get_if<ast::SetStmt>()) found |= set_target_root(*set->target) == name;
    });
    return found;
}

bool scan(ast::Block stmts, CopyReads& r);

// `s` changes the copy somewhere; the mentions of param in it must all run before that.
bool scan_changing(ast::Stmt& s, CopyReads& r) {
    switch (s.kind) {
        case ast::StmtKind::Set:  // target and value are evaluated first, the store is last
            collect_own(s, r.param, r.mentions);
            return true;
        case ast::StmtKind::Should: {
            auto& sh = s.as<ast::ShouldStmt>();
            collect_own(s, r.param, r.mentions);
            return scan(sh.then_body, r) && scan(sh.otherwise_body, r);
        }
        case ast::StmtKind::Match: {
            auto& m = s.as<ast::MatchStmt>();
            collect_own(s, r.param, r.mentions);
            for (ast::MatchArm& arm : m.arms)
                if (!scan(arm.body, r)) return false;
            return scan(m.otherwise_body, r);
        }
        case ast::StmtKind::ForEach:  // the iterable once, then the body again and again
            collect_own(s, r.param, r.mentions);
            for (ast::Stmt* x : s.as<ast::ForEachStmt>().body)
                if (mentions(*x, r.param)) return false;
            return true;
        default:  // a whilst re-tests its condition; a handler runs after part of its body
            return !mentions(s, r.param);
    }
}

// Scans statements that run in order, the copy unchanged before the first: false when a
// mention of param may run after a change of the copy, or a statement binds either name.
bool scan(ast::Block stmts, CopyReads& r) {
    bool changed = false;
    for (ast::Stmt* s : stmts) {
        // (a `set` of the parameter is an error the compiler reports as written)
        if (binds_either(*s, r) || changes(*s, r.param)) return false;
        if (changed) {
            if (mentions(*s, r.param)) return false;
        } else if (!changes(*s, r.copy)) {
            collect_all(*s, r.param, r.mentions);
        } else {
            if (!scan_changing(*s, r)) return false;
            changed = true;
        }
    }
    return true;
}

}  // namespace

int read_parameters_through_copies(const ast::Function& f) {
    int renamed = 0;
    ast::Block body = f.body;
    for (std::size_t i = 0; i < body.size(); ++i) {
        auto* b = body[i]->get_if<ast::BindStmt>();
        auto* p = b && b->is_mutable ? b->value->get_if<ast::IdentifierExpr>() : nullptr;
        if (!p || p->name == b->name) continue;
        bool is_parameter = false;
        for (const ast::Param& param : f.params)
            is_parameter |= param.name == p->name;
        if (!is_parameter) continue;
        CopyReads r{p->name, b->name, {}};
        if (!scan(body.subspan(i + 1), r)) continue;
        for (ast::IdentifierExpr* id : r.mentions)
            id->name = b->name;
        renamed += static_cast<int>(r.mentions.size());
    }
    return renamed;
}

}  // namespace glimmer::interp::compiler
