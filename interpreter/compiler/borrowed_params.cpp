// borrowed_params.cpp — the analysis of borrowed_params.hpp: one walk over the chant's body.
#include "interpreter/compiler/borrowed_params.hpp"

#include <vector>

#include "interpreter/compiler/expr_walk.hpp"
#include "interpreter/compiler/literal_takes.hpp"

namespace glimmer::interp::compiler {

namespace {

class Borrows {
  public:
    Borrows(const ast::Function& f, const ReaderCall& reader_call) : reader_call_(reader_call) {
        for (std::size_t i = 0; i < f.params.size() && i < 32; ++i)
            params_.push_back(f.params[i].name);
        mask_ = params_.size() >= 32 ? ~0u : (1u << params_.size()) - 1u;
        balance_.assign(params_.size(), 0);
    }

    std::optional<std::uint32_t> run(ast::Block body) {
        block(body);
        if (!ok_) return std::nullopt;
        return mask_;
    }

  private:
    void drop(std::string_view name) {
        for (std::size_t i = 0; i < params_.size(); ++i) {
            if (params_[i] == name) mask_ &= ~(1u << i);
        }
    }

    void block(ast::Block b) {
        for (const ast::Stmt* s : b)
            stmt(*s);
    }

    void stmt(const ast::Stmt& s) {
        switch (s.kind) {
            case ast::StmtKind::Expression:
                expr(*s.as<ast::ExpressionStmt>().expression);
                break;
            case ast::StmtKind::Bind:
                drop(s.as<ast::BindStmt>().name);
                expr(*s.as<ast::BindStmt>().value);
                break;
            case ast::StmtKind::Set:
                expr(*s.as<ast::SetStmt>().target);
                expr(*s.as<ast::SetStmt>().value);
                break;
            case ast::StmtKind::Should: {
                const auto& sh = s.as<ast::ShouldStmt>();
                expr(*sh.condition);
                block(sh.then_body);
                block(sh.otherwise_body);
                break;
            }
            case ast::StmtKind::Whilst:
                expr(*s.as<ast::WhilstStmt>().condition);
                block(s.as<ast::WhilstStmt>().body);
                break;
            case ast::StmtKind::ForEach: {
                const auto& f = s.as<ast::ForEachStmt>();
                if (f.iterable->kind != ast::ExprKind::Range) ok_ = false;
                drop(f.variable);
                expr(*f.iterable);
                block(f.body);
                break;
            }
            case ast::StmtKind::Yield: {
                const ast::Expr& value = *s.as<ast::YieldStmt>().value;
                // A part of a parameter yielded in a new literal, or moved into a call there,
                // is taken out of it unmarked (literal_takes.hpp) when the caller moved the
                // value in: it must be the callee's alone, so the parameter is no borrowed one.
                const LiteralTakes takes = literal_takes(value, [&](std::string_view name) {
                    for (std::string_view p : params_) {
                        if (p == name) return true;
                    }
                    return false;
                });
                for (std::size_t i = 0; i < 32 && takes.any(); ++i) {
                    if ((takes.parts | takes.calls) >> i & 1u)
                        drop(taken_variable(value, takes, i));
                }
                expr(value);
                break;
            }
            case ast::StmtKind::Match: {
                const auto& m = s.as<ast::MatchStmt>();
                expr(*m.subject);
                for (const ast::MatchArm& arm : m.arms) {
                    pattern(*arm.pattern);
                    block(arm.body);
                }
                block(m.otherwise_body);
                break;
            }
            case ast::StmtKind::Attempt: {
                const auto& a = s.as<ast::AttemptStmt>();
                block(a.body);
                for (const ast::Handler& h : a.handlers)
                    block(h.body);
                break;
            }
            case ast::StmtKind::Break:
            case ast::StmtKind::Continue:
                break;
            default:  // a chant, form, variant, aspect, embody, grove, summon or gather
                ok_ = false;
                break;
        }
    }

    void pattern(const ast::Pattern& p) {
        if (auto* b = p.get_if<ast::BindingPattern>()) {
            drop(b->name);
        } else if (auto* w = p.get_if<ast::WrapPattern>()) {
            pattern(*w->inner);
        } else if (auto* v = p.get_if<ast::VariantPattern>()) {
            for (const ast::Pattern* f : v->fields)
                pattern(*f);
        }
    }

    // Every name of a parameter must be the object of a field or index read: counted both
    // ways, the two counts agree only then.
    void expr(const ast::Expr& e) {
        for_each_expr(e, [this](const ast::Expr& x) {
            switch (x.kind) {
                case ast::ExprKind::Identifier:
                    note_use(x.as<ast::IdentifierExpr>().name, +1);
                    break;
                case ast::ExprKind::Field:
                    if (auto* id = x.as<ast::FieldExpr>().object->get_if<ast::IdentifierExpr>())
                        note_use(id->name, -1);
                    break;
                case ast::ExprKind::Index:
                    if (auto* id = x.as<ast::IndexExpr>().object->get_if<ast::IdentifierExpr>())
                        note_use(id->name, -1);
                    break;
                case ast::ExprKind::Call: {
                    const auto& call = x.as<ast::CallExpr>();
                    auto* callee = call.callee->get_if<ast::IdentifierExpr>();
                    const std::optional<std::uint32_t> reads =
                        callee ? reader_call_(callee->name) : std::nullopt;
                    if (!reads) {
                        ok_ = false;
                        break;
                    }
                    // The callee's name is no use of a parameter (a parameter called as a
                    // function is no reader call).
                    note_use(callee->name, -1);
                    // A parameter passed whole where the callee only reads it (`list_length(p)`,
                    // `map_has(p, k)`, a borrowing chant) is read as `p[i]` is: the callee keeps
                    // nothing and gives a scalar or, like list_last, a part of it.
                    for (std::size_t i = 0; i < call.arguments.size(); ++i) {
                        auto* id = call.arguments[i]->get_if<ast::IdentifierExpr>();
                        if (id && i < 32 && (*reads >> i & 1u)) note_use(id->name, -1);
                    }
                    break;
                }
                case ast::ExprKind::MethodCall:
                case ast::ExprKind::Pipe:
                case ast::ExprKind::Lambda:
                    ok_ = false;
                    break;
                default:
                    break;
            }
        });
        for (std::size_t i = 0; i < params_.size(); ++i) {
            if (balance_[i] != 0) mask_ &= ~(1u << i);
        }
    }

    void note_use(std::string_view name, int delta) {
        for (std::size_t i = 0; i < params_.size(); ++i) {
            if (params_[i] == name) balance_[i] += delta;
        }
    }

    const ReaderCall& reader_call_;
    std::vector<std::string_view> params_;
    std::vector<int> balance_;
    std::uint32_t mask_ = 0;
    bool ok_ = true;
};

}  // namespace

std::optional<std::uint32_t> borrowed_params(const ast::Function& f,
                                             const ReaderCall& reader_call) {
    if (f.variadic) return std::nullopt;
    return Borrows(f, reader_call).run(f.body);
}

}  // namespace glimmer::interp::compiler
