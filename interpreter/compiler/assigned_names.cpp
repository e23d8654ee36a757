// assigned_names.cpp — the pre-pass of assigned_names.hpp. Statements nest no deeper than the
// parser allows; expressions are walked by for_each_expr (expr_walk.hpp).
#include "interpreter/compiler/assigned_names.hpp"

#include "interpreter/compiler/expr_walk.hpp"

namespace glimmer::interp::compiler {

namespace {

// What a pass collects: the names `set` in chants (or, every_name, all names chants name), and
// whether anything summons or gathers.
struct Scan {
    NameSet& names;
    bool every_name = false;
    bool summons = false;
    bool bindings = false;        // collect the names bound anywhere instead (collect_bound_names)
    bool attempts = false;        // an `attempt` anywhere
    bool outside_chants = false;  // with bindings: not in chant bodies (a chant's name counts)
    NameSet* repeated = nullptr;  // with bindings: the names bound more than once
};

// A name bound (the bindings pass): noted, and noted again as repeated the second time.
void add_binding(std::string_view name, Scan& out) {
    if (!out.names.insert(name).second && out.repeated) out.repeated->insert(name);
}

void scan_stmt(const ast::Stmt& s, bool in_chant, Scan& out);
void scan_expr(const ast::Expr& e, bool in_chant, Scan& out);

void note_name(std::string_view name, bool in_chant, Scan& out) {
    if (in_chant && out.every_name) out.names.insert(name);
}

// A name a statement, parameter or pattern binds: every pass's name, and the bindings pass's.
void note_binding(std::string_view name, bool in_chant, Scan& out) {
    if (out.bindings) add_binding(name, out);
    note_name(name, in_chant, out);
}

// A name pattern may read a variable (a unit variant it stands for).
void scan_pattern(const ast::Pattern& p, bool in_chant, Scan& out) {
    if (auto* b = p.get_if<ast::BindingPattern>()) {
        note_binding(b->name, in_chant, out);
    } else if (auto* w = p.get_if<ast::WrapPattern>()) {
        scan_pattern(*w->inner, in_chant, out);
    } else if (auto* v = p.get_if<ast::VariantPattern>()) {
        note_name(v->name, in_chant, out);
        for (const ast::Pattern* f : v->fields)
            scan_pattern(*f, in_chant, out);
    }
}

void scan_block(ast::Block b, bool in_chant, Scan& out) {
    for (const ast::Stmt* s : b)
        scan_stmt(*s, in_chant, out);
}

void scan_function(const ast::Function& f, Scan& out) {
    if (out.bindings) {
        if (!f.name.empty()) add_binding(f.name, out);
        if (out.outside_chants) return;
        for (const ast::Param& p : f.params)
            add_binding(p.name, out);
    }
    if (!out.every_name) {
        scan_block(f.body, true, out);
        return;
    }
    // Every name: only those the body leaves free. A parameter is bound in the whole body,
    // nested chants included, so where it is named no outer variable is (a chant `add(x, y)`
    // does not name the top level's `x`).
    NameSet inner(out.names.get_allocator());
    Scan body{inner, true};
    scan_block(f.body, true, body);
    for (const ast::Param& p : f.params)
        inner.erase(p.name);
    out.names.insert(inner.begin(), inner.end());
    out.summons = out.summons || body.summons;
    out.attempts = out.attempts || body.attempts;
}

void scan_stmt(const ast::Stmt& s, bool in_chant, Scan& out) {
    switch (s.kind) {
        case ast::StmtKind::Expression:
            scan_expr(*s.as<ast::ExpressionStmt>().expression, in_chant, out);
            break;
        case ast::StmtKind::Bind:
            note_binding(s.as<ast::BindStmt>().name, in_chant, out);
            scan_expr(*s.as<ast::BindStmt>().value, in_chant, out);
            break;
        case ast::StmtKind::Set: {
            const auto& st = s.as<ast::SetStmt>();
            const ast::Expr* root = st.target;
            for (;;) {
                if (auto* x = root->get_if<ast::IndexExpr>()) {
                    scan_expr(*x->index, in_chant, out);
                    root = x->object;
                } else if (auto* f = root->get_if<ast::FieldExpr>()) {
                    root = f->object;
                } else {
                    break;
                }
            }
            if (auto* id = root->get_if<ast::IdentifierExpr>(); id && in_chant) {
                out.names.insert(id->name);
            }
            scan_expr(*st.value, in_chant, out);
            break;
        }
        case ast::StmtKind::Should: {
            const auto& sh = s.as<ast::ShouldStmt>();
            scan_expr(*sh.condition, in_chant, out);
            scan_block(sh.then_body, in_chant, out);
            scan_block(sh.otherwise_body, in_chant, out);
            break;
        }
        case ast::StmtKind::Whilst: {
            const auto& w = s.as<ast::WhilstStmt>();
            scan_expr(*w.condition, in_chant, out);
            scan_block(w.body, in_chant, out);
            break;
        }
        case ast::StmtKind::ForEach: {
            const auto& f = s.as<ast::ForEachStmt>();
            note_binding(f.variable, in_chant, out);
            scan_expr(*f.iterable, in_chant, out);
            scan_block(f.body, in_chant, out);
            break;
        }
        case ast::StmtKind::Yield:
            scan_expr(*s.as<ast::YieldStmt>().value, in_chant, out);
            break;
        case ast::StmtKind::Chant:
            scan_function(*s.as<ast::ChantStmt>().function, out);
            break;
        case ast::StmtKind::Match: {
            const auto& m = s.as<ast::MatchStmt>();
            scan_expr(*m.subject, in_chant, out);
            for (const ast::MatchArm& arm : m.arms) {
                scan_pattern(*arm.pattern, in_chant, out);
                scan_block(arm.body, in_chant, out);
            }
            scan_block(m.otherwise_body, in_chant, out);
            break;
        }
        case ast::StmtKind::Attempt: {
            const auto& a = s.as<ast::AttemptStmt>();
            out.attempts = true;
            scan_block(a.body, in_chant, out);
            for (const ast::Handler& h : a.handlers)
                scan_block(h.body, in_chant, out);
            break;
        }
        case ast::StmtKind::Embody:
            for (const ast::Function* f : s.as<ast::EmbodyStmt>().methods)
                scan_function(*f, out);
            break;
        case ast::StmtKind::Grove:  // not a chant, but its names are not the top level's either
            if (out.bindings) add_binding(s.as<ast::GroveStmt>().name, out);
            scan_block(s.as<ast::GroveStmt>().body, in_chant || out.every_name, out);
            break;
        case ast::StmtKind::Summon:
        case ast::StmtKind::Gather:
            out.summons = true;
            break;
        case ast::StmtKind::Form:
            if (out.bindings) add_binding(s.as<ast::FormStmt>().name, out);
            break;
        case ast::StmtKind::Variant:
            if (out.bindings) {
                add_binding(s.as<ast::VariantStmt>().name, out);
                for (const ast::VariantCase& c : s.as<ast::VariantStmt>().cases)
                    add_binding(c.name, out);
            }
            break;
        default:  // break, continue, aspect: no expressions
            break;
    }
}

// Lambdas inside an expression (a `set` is a statement), and with every_name the names.
void scan_expr(const ast::Expr& e, bool in_chant, Scan& out) {
    for_each_expr(e, [&](const ast::Expr& x) {
        if (auto* id = x.get_if<ast::IdentifierExpr>()) {
            note_name(id->name, in_chant, out);
        } else if (auto* st = x.get_if<ast::StructExpr>()) {
            note_name(st->type_name, in_chant, out);
        } else if (auto* lambda = x.get_if<ast::LambdaExpr>()) {
            scan_function(*lambda->function, out);
        }
    });
}

}  // namespace

bool collect_names_set_in_chants(ast::Block block, bool in_chant, NameSet& out) {
    Scan scan{out};
    scan_block(block, in_chant, scan);
    return scan.summons;
}

std::string_view set_target_root(const ast::Expr& target) {
    const ast::Expr* root = &target;
    for (;;) {
        if (auto* x = root->get_if<ast::IndexExpr>()) {
            root = x->object;
        } else if (auto* f = root->get_if<ast::FieldExpr>()) {
            root = f->object;
        } else {
            break;
        }
    }
    auto* id = root->get_if<ast::IdentifierExpr>();
    return id ? id->name : std::string_view{};
}

void collect_names_named_in_chants(ast::Block block, NameSet& out) {
    Scan scan{out, true};
    scan_block(block, false, scan);
}

void collect_bound_names(ast::Block block, NameSet& out, NameSet* repeated) {
    Scan scan{out, false, false, true};
    scan.repeated = repeated;
    scan_block(block, false, scan);
}

void collect_names_bound_twice_outside_chants(ast::Block block, NameSet& twice) {
    NameSet once(twice.get_allocator());
    Scan scan{once, false, false, true};
    scan.repeated = &twice;
    scan.outside_chants = true;
    scan_block(block, false, scan);
}

bool contains_attempt(ast::Block block) {
    NameSet unused;
    Scan scan{unused};
    scan_block(block, false, scan);
    return scan.attempts;
}

}  // namespace glimmer::interp::compiler
