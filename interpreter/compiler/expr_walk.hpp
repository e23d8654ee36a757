// expr_walk.hpp — the one walk over an expression tree that the compiler's passes share
// (uses_name, the assigned-names pre-pass, copy_reads).
#pragma once

#include "interpreter/parser/ast.hpp"

namespace glimmer::interp::compiler {

// Calls f(x) for `e` and for every expression inside it, never entering a chant's body: f sees
// the LambdaExpr and decides what it means. E is ast::Expr, or const ast::Expr for a walk that
// only reads. Binary and pipe chains nest as deep as they are long, so their spines are walked
// in a loop, not by recursion.
template <class E, class F>
void for_each_expr(E& e, F&& f) {
    f(e);
    auto walk = [&f](E* x) { for_each_expr(*x, f); };
    switch (e.kind) {
        case ast::ExprKind::List:
            for (E* x : e.template as<ast::ListExpr>().elements)
                walk(x);
            return;
        case ast::ExprKind::Map:
            for (auto& entry : e.template as<ast::MapExpr>().entries)
                walk(entry.value);
            return;
        case ast::ExprKind::Struct:
            for (auto& field : e.template as<ast::StructExpr>().fields)
                walk(field.value);
            return;
        case ast::ExprKind::Range:
            walk(e.template as<ast::RangeExpr>().start);
            walk(e.template as<ast::RangeExpr>().end);
            return;
        case ast::ExprKind::Unary:
            walk(e.template as<ast::UnaryExpr>().operand);
            return;
        case ast::ExprKind::Binary: {
            E* at = &e;
            for (; at->kind == ast::ExprKind::Binary;
                 at = at->template as<ast::BinaryExpr>().left) {
                if (at != &e) f(*at);
                walk(at->template as<ast::BinaryExpr>().right);
            }
            walk(at);
            return;
        }
        case ast::ExprKind::Pipe: {
            E* at = &e;
            for (; at->kind == ast::ExprKind::Pipe; at = at->template as<ast::PipeExpr>().value) {
                if (at != &e) f(*at);
                walk(at->template as<ast::PipeExpr>().stage);
            }
            walk(at);
            return;
        }
        case ast::ExprKind::Call:
            walk(e.template as<ast::CallExpr>().callee);
            for (E* x : e.template as<ast::CallExpr>().arguments)
                walk(x);
            return;
        case ast::ExprKind::MethodCall:
            walk(e.template as<ast::MethodCallExpr>().object);
            for (E* x : e.template as<ast::MethodCallExpr>().arguments)
                walk(x);
            return;
        case ast::ExprKind::Index:
            walk(e.template as<ast::IndexExpr>().object);
            walk(e.template as<ast::IndexExpr>().index);
            return;
        case ast::ExprKind::Field:
            walk(e.template as<ast::FieldExpr>().object);
            return;
        case ast::ExprKind::Propagate:
            walk(e.template as<ast::PropagateExpr>().operand);
            return;
        case ast::ExprKind::Wrap:
            walk(e.template as<ast::WrapExpr>().value);
            return;
        default:  // names, literals, and a Lambda (its body is not entered)
            return;
    }
}

}  // namespace glimmer::interp::compiler
