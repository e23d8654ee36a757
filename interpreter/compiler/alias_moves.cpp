// alias_moves.cpp — the liveness scan of alias_moves.hpp. Every question is asked by name over a
// whole scope, so it over-approximates (any mention counts as a read, wherever it runs) and never
// misses one. One walk indexes the mentions (MentionIndex), so the scan is linear in the scope
// (times the depth of its should/whilst/attempt nesting). Statements nest no deeper than the
// parser allows; expressions are walked by for_each_expr (expr_walk.hpp).
#include "interpreter/compiler/alias_moves.hpp"

#include <algorithm>
#include <functional>
#include <iterator>
#include <memory_resource>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "interpreter/compiler/expr_walk.hpp"

namespace glimmer::interp::compiler {

namespace {

// Calls on_name(n) for every name `e` mentions; sets `captures` when it makes a chant (whose
// body is not walked: the chant could read any name, at any time).
template <class F>
void each_name(const ast::Expr& e, F& on_name, bool& captures) {
    for_each_expr(e, [&](const ast::Expr& x) {
        if (auto* id = x.get_if<ast::IdentifierExpr>()) {
            on_name(id->name);
        } else if (auto* st = x.get_if<ast::StructExpr>()) {
            on_name(st->type_name);
        } else if (x.is<ast::LambdaExpr>()) {
            captures = true;
        }
    });
}

template <class F>
void pattern_names(const ast::Pattern& p, F& on_name) {
    if (auto* b = p.get_if<ast::BindingPattern>()) on_name(b->name);
    if (auto* w = p.get_if<ast::WrapPattern>()) pattern_names(*w->inner, on_name);
    if (auto* v = p.get_if<ast::VariantPattern>()) {
        for (const ast::Pattern* f : v->fields)
            pattern_names(*f, on_name);
    }
}

template <class F>
void each_name(ast::Block b, F& on_name, bool& captures);

// The same for a statement and everything in it. A name it binds (bind, loop variable,
// pattern) counts as a mention; a statement that defines a chant or brings in names (chant,
// embody, grove, summon, gather) counts as capturing.
template <class F>
void each_name(const ast::Stmt& s, F& on_name, bool& captures) {
    switch (s.kind) {
        case ast::StmtKind::Expression:
            each_name(*s.as<ast::ExpressionStmt>().expression, on_name, captures);
            return;
        case ast::StmtKind::Bind:
            on_name(s.as<ast::BindStmt>().name);
            each_name(*s.as<ast::BindStmt>().value, on_name, captures);
            return;
        case ast::StmtKind::Set:
            each_name(*s.as<ast::SetStmt>().target, on_name, captures);
            each_name(*s.as<ast::SetStmt>().value, on_name, captures);
            return;
        case ast::StmtKind::Should: {
            const auto& sh = s.as<ast::ShouldStmt>();
            each_name(*sh.condition, on_name, captures);
            each_name(sh.then_body, on_name, captures);
            each_name(sh.otherwise_body, on_name, captures);
            return;
        }
        case ast::StmtKind::Whilst:
            each_name(*s.as<ast::WhilstStmt>().condition, on_name, captures);
            each_name(s.as<ast::WhilstStmt>().body, on_name, captures);
            return;
        case ast::StmtKind::ForEach: {
            const auto& fe = s.as<ast::ForEachStmt>();
            on_name(fe.variable);
            each_name(*fe.iterable, on_name, captures);
            each_name(fe.body, on_name, captures);
            return;
        }
        case ast::StmtKind::Yield:
            each_name(*s.as<ast::YieldStmt>().value, on_name, captures);
            return;
        case ast::StmtKind::Match: {
            const auto& m = s.as<ast::MatchStmt>();
            each_name(*m.subject, on_name, captures);
            for (const ast::MatchArm& arm : m.arms) {
                pattern_names(*arm.pattern, on_name);
                each_name(arm.body, on_name, captures);
            }
            each_name(m.otherwise_body, on_name, captures);
            return;
        }
        case ast::StmtKind::Attempt: {
            const auto& a = s.as<ast::AttemptStmt>();
            each_name(a.body, on_name, captures);
            for (const ast::Handler& h : a.handlers)
                each_name(h.body, on_name, captures);
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

template <class F>
void each_name(ast::Block b, F& on_name, bool& captures) {
    for (const ast::Stmt* s : b)
        each_name(*s, on_name, captures);
}

bool names(const ast::Expr& e, std::string_view name) {
    bool mentions = false, captures = false;
    auto on_name = [&](std::string_view n) { mentions |= n == name; };
    each_name(e, on_name, captures);
    return mentions || captures;
}

// Where each name is mentioned in the scope, built in one walk so that every question below
// costs a lookup, not a scan of the scope (a chant of 100,000 binds compiles in linear time).
// A unit is a statement the scope's own walk does not enter (a bind, a set, a for-each or
// match with all inside it...) or the condition of a should or whilst it enters. For each
// block the walk enters and each name, `at` lists the block's statements that hold a unit
// naming it, in order, each with the running count of such units up to it.
struct MentionIndex {
    struct Key {
        const ast::Stmt* const* block;
        std::string_view name;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        std::size_t operator()(const Key& k) const {
            return std::hash<const void*>()(k.block) ^ std::hash<std::string_view>()(k.name);
        }
    };
    struct Place {
        std::size_t index;       // of the statement in its block
        std::size_t units_upto;  // units naming the name in the block's statements [0, index]
    };
    explicit MentionIndex(std::pmr::memory_resource* memory)
        : units(memory), at(memory), path(memory), unit_names(memory) {}
    std::pmr::unordered_map<std::string_view, std::size_t> units;  // per name, in the scope
    std::pmr::unordered_map<Key, std::pmr::vector<Place>, KeyHash> at;
    std::pmr::vector<std::pair<const ast::Stmt* const*, std::size_t>> path;  // the walk's blocks
    std::pmr::vector<std::string_view> unit_names;                           // scratch

    void block(ast::Block b) {
        for (std::size_t k = 0; k < b.size(); ++k) {
            path.emplace_back(b.data(), k);
            const ast::Stmt& st = *b[k];
            if (auto* sh = st.get_if<ast::ShouldStmt>()) {
                unit(*sh->condition);
                block(sh->then_body);
                block(sh->otherwise_body);
            } else if (auto* w = st.get_if<ast::WhilstStmt>()) {
                unit(*w->condition);
                block(w->body);
            } else if (auto* a = st.get_if<ast::AttemptStmt>()) {
                block(a->body);
                for (const ast::Handler& h : a->handlers)
                    block(h.body);
            } else {
                unit(st);
            }
            path.pop_back();
        }
    }

    template <class Node>
    void unit(const Node& n) {
        unit_names.clear();
        bool captures = false;
        auto on_name = [&](std::string_view name) { unit_names.push_back(name); };
        each_name(n, on_name, captures);
        std::sort(unit_names.begin(), unit_names.end());
        unit_names.erase(std::unique(unit_names.begin(), unit_names.end()), unit_names.end());
        for (std::string_view name : unit_names) {
            ++units[name];
            for (const auto& [blk, index] : path) {
                std::pmr::vector<Place>& places = at[Key{blk, name}];
                if (!places.empty() && places.back().index == index) {
                    ++places.back().units_upto;
                } else {
                    places.push_back({index, (places.empty() ? 0 : places.back().units_upto) + 1});
                }
            }
        }
    }

    std::size_t units_of(std::string_view name) const {
        auto it = units.find(name);
        return it == units.end() ? 0 : it->second;
    }

    // Units naming `name` in the statements [i, j] of block `b`.
    std::size_t units_within(ast::Block b, std::string_view name, std::size_t i,
                             std::size_t j) const {
        auto it = at.find(Key{b.data(), name});
        if (it == at.end()) return 0;
        const std::pmr::vector<Place>& places = it->second;
        const auto upto = [&](std::size_t last) -> std::size_t {  // units in [0, last)
            auto p = std::lower_bound(places.begin(), places.end(), last,
                                      [](const Place& x, std::size_t v) { return x.index < v; });
            return p == places.begin() ? 0 : std::prev(p)->units_upto;
        };
        return upto(j + 1) - upto(i);
    }

    // The first statement of block `b` after `i` that names `name`, or b.size().
    std::size_t next_naming(ast::Block b, std::string_view name, std::size_t i) const {
        auto it = at.find(Key{b.data(), name});
        if (it == at.end()) return b.size();
        const std::pmr::vector<Place>& places = it->second;
        auto p = std::upper_bound(places.begin(), places.end(), i,
                                  [](std::size_t v, const Place& x) { return v < x.index; });
        return p == places.end() ? b.size() : p->index;
    }
};

struct Finder {
    const MentionIndex& index;
    std::pmr::memory_resource* memory;
    AliasMoves out;

    void block(ast::Block body) {
        // first_leaving[k]: the first statement at k or after that may leave the block early.
        std::pmr::vector<std::size_t> first_leaving(body.size() + 1, body.size(), memory);
        for (std::size_t k = body.size(); k-- > 0;)
            first_leaving[k] = leaves_early(*body[k], 0) ? k : first_leaving[k + 1];
        std::pmr::unordered_map<std::string_view, std::size_t> last_bind(memory);  // so far
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
                bind(body, i, *b, first_leaving);
                last_bind[b->name] = i;
            } else if (auto* s = st.get_if<ast::SetStmt>()) {
                set(body, i, *s, last_bind);
            }
        }
    }

    // (A) and (B) of `body[i]`, a bind.
    void bind(ast::Block body, std::size_t i, const ast::BindStmt& b,
              const std::pmr::vector<std::size_t>& first_leaving) {
        // (A): the bind is the one unit that names v (its own name counts).
        if (index.units_of(b.name) == 1) out.unread.push_back(&b);
        auto* x = b.value->get_if<ast::IdentifierExpr>();
        if (!x || x->name == b.name) return;
        // (B): the next statement naming x overwrites it, and none before it leaves early. If
        // the block ends first, a loop may read x again, or the code after the block.
        const std::size_t k = index.next_naming(body, x->name, i);
        if (k >= body.size() || first_leaving[i + 1] < k) return;
        auto* set = body[k]->get_if<ast::SetStmt>();
        auto* target = set ? set->target->get_if<ast::IdentifierExpr>() : nullptr;
        if (target && target->name == x->name && !names(*set->value, x->name))
            out.source_dead.push_back(&b);
    }

    // (C) of `body[j]`, a set.
    void set(ast::Block body, std::size_t j, const ast::SetStmt& s,
             const std::pmr::unordered_map<std::string_view, std::size_t>& last_bind) {
        auto* x = s.target->get_if<ast::IdentifierExpr>();
        auto* call = s.value->get_if<ast::CallExpr>();
        if (!x || !call) return;
        for (std::size_t a = 0; a < call->arguments.size() && a < 32; ++a) {
            auto* v = call->arguments[a]->get_if<ast::IdentifierExpr>();
            if (!v || v->name == x->name) continue;
            bool named_again = names(*call->callee, v->name);
            for (std::size_t k = 0; k < call->arguments.size() && !named_again; ++k)
                named_again |= k != a && names(*call->arguments[k], v->name);
            if (named_again) continue;
            // v's bind, the last one before the set in this block; every unit naming v in the
            // scope lies in the statements from it to the set.
            auto bound = last_bind.find(v->name);
            if (bound == last_bind.end()) continue;
            if (index.units_within(body, v->name, bound->second, j) != index.units_of(v->name))
                continue;
            out.last_reads.emplace_back(&s, static_cast<std::uint32_t>(a));
            return;
        }
    }
};

}  // namespace

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

AliasMoves find_alias_moves(ast::Block scope, std::pmr::memory_resource* memory) {
    bool captures = false;
    auto ignore = [](std::string_view) {};
    each_name(scope, ignore, captures);
    if (captures) return AliasMoves(memory);
    MentionIndex index(memory);
    index.block(scope);
    Finder f{index, memory, AliasMoves(memory)};
    f.block(scope);
    return std::move(f.out);
}

}  // namespace glimmer::interp::compiler
