// S-expression dump of the AST. Expressions print on one line; statements one per line, the
// statements of a nested block two spaces deeper than the line that opens it.
#include "interpreter/parser/ast_dump.hpp"

#include <charconv>
#include <cstdio>
#include <vector>

namespace glimmer::interp::parser {

namespace {

using namespace ast;

std::string_view binary_name(BinaryOp op) {
    switch (op) {
        case BinaryOp::Or:
            return "or";
        case BinaryOp::And:
            return "and";
        case BinaryOp::Is:
            return "is";
        case BinaryOp::IsNot:
            return "is-not";
        case BinaryOp::Greater:
            return "greater-than";
        case BinaryOp::Less:
            return "less-than";
        case BinaryOp::AtLeast:
            return "at-least";
        case BinaryOp::AtMost:
            return "at-most";
        case BinaryOp::Add:
            return "+";
        case BinaryOp::Subtract:
            return "-";
        case BinaryOp::Multiply:
            return "*";
        case BinaryOp::Divide:
            return "/";
        case BinaryOp::Modulo:
            return "%";
    }
    return "?";
}

std::string_view wrap_name(WrapKind kind) {
    switch (kind) {
        case WrapKind::Present:
            return "Present";
        case WrapKind::Triumph:
            return "Triumph";
        case WrapKind::Mishap:
            return "Mishap";
    }
    return "?";
}

class Dumper {
  public:
    std::string run(const Program& program) {
        for (const Stmt* stmt : program.statements()) {
            statement(*stmt, 0);
            out_ += '\n';
        }
        return std::move(out_);
    }

  private:
    void line(int indent) {
        out_ += '\n';
        out_.append(static_cast<std::size_t>(indent), ' ');
    }

    void block(Block statements, int indent) {
        for (const Stmt* stmt : statements) {
            line(indent);
            statement(*stmt, indent);
        }
    }

    void number(double value) {
        char buffer[64];
        const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
        out_.append(buffer, result.ptr);
    }

    void text(std::string_view value) {
        out_ += '"';
        for (const char c : value) {
            switch (c) {
                case '\n':
                    out_ += "\\n";
                    break;
                case '\t':
                    out_ += "\\t";
                    break;
                case '\r':
                    out_ += "\\r";
                    break;
                case '\\':
                    out_ += "\\\\";
                    break;
                case '"':
                    out_ += "\\\"";
                    break;
                default:
                    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
                        char buffer[8];
                        std::snprintf(buffer, sizeof buffer, "\\x%02X",
                                      static_cast<unsigned char>(c));
                        out_ += buffer;
                    } else {
                        out_ += c;
                    }
            }
        }
        out_ += '"';
    }

    void type(const TypeRef& ref) {
        out_ += ref.name;
        if (ref.arguments.empty()) return;
        out_ += '<';
        for (std::size_t i = 0; i < ref.arguments.size(); ++i) {
            if (i > 0) out_ += ", ";
            type(*ref.arguments[i]);
        }
        out_ += '>';
    }

    void params(Seq<Param> list, bool variadic) {
        out_ += '(';
        for (std::size_t i = 0; i < list.size(); ++i) {
            if (i > 0) out_ += ' ';
            if (variadic && i + 1 == list.size()) out_ += "...";
            out_ += list[i].name;
        }
        out_ += ')';
    }

    // (chant [NAME] (PARAMS) BODY...)
    void function(const Function& fn, int indent) {
        out_ += "(chant ";
        if (!fn.name.empty()) {
            out_ += fn.name;
            out_ += ' ';
        }
        params(fn.params, fn.variadic);
        block(fn.body, indent + 2);
        out_ += ')';
    }

    void arguments(Seq<Expr*> list, int indent) {
        for (const Expr* argument : list) {
            out_ += ' ';
            expression(*argument, indent);
        }
    }

    void field_inits(Seq<FieldInit> list, int indent) {
        for (const FieldInit& field : list) {
            out_ += " (";
            out_ += field.name;
            out_ += ' ';
            expression(*field.value, indent);
            out_ += ')';
        }
    }

    // `indent` is the indentation of the line the expression sits on (for anonymous chants).
    void expression(const Expr& expr, int indent) {
        switch (expr.kind) {
            case ExprKind::Number:
                return number(expr.as<NumberExpr>().value);
            case ExprKind::Text:
                return text(expr.as<TextExpr>().value);
            case ExprKind::Truth:
                out_ += expr.as<TruthExpr>().value ? "true" : "false";
                return;
            case ExprKind::Nothing:
                out_ += "nothing";
                return;
            case ExprKind::Absent:
                out_ += "Absent";
                return;
            case ExprKind::Identifier:
                out_ += expr.as<IdentifierExpr>().name;
                return;
            case ExprKind::List:
                out_ += "(list";
                arguments(expr.as<ListExpr>().elements, indent);
                out_ += ')';
                return;
            case ExprKind::Map:
                out_ += "(map";
                field_inits(expr.as<MapExpr>().entries, indent);
                out_ += ')';
                return;
            case ExprKind::Struct: {
                const auto& literal = expr.as<StructExpr>();
                out_ += "(struct ";
                out_ += literal.type_name;
                field_inits(literal.fields, indent);
                out_ += ')';
                return;
            }
            case ExprKind::Range: {
                const auto& range = expr.as<RangeExpr>();
                out_ += "(range ";
                expression(*range.start, indent);
                out_ += ' ';
                expression(*range.end, indent);
                out_ += ')';
                return;
            }
            case ExprKind::Unary: {
                const auto& unary = expr.as<UnaryExpr>();
                out_ += unary.op == UnaryOp::Not ? "(not " : "(neg ";
                expression(*unary.operand, indent);
                out_ += ')';
                return;
            }
            case ExprKind::Binary:
            case ExprKind::Pipe: {
                // (op (op (op a b) c) d): a flat chain nests to the left as deep as it is
                // long, so its left spine is written in a loop, not by recursion.
                std::vector<const Expr*> spine;  // outermost first
                const Expr* at = &expr;
                for (; at->kind == ExprKind::Binary || at->kind == ExprKind::Pipe;
                     at = at->kind == ExprKind::Binary ? at->as<BinaryExpr>().left
                                                       : at->as<PipeExpr>().value) {
                    spine.push_back(at);
                    if (at->kind == ExprKind::Binary) {
                        out_ += '(';
                        out_ += binary_name(at->as<BinaryExpr>().op);
                        out_ += ' ';
                    } else {
                        out_ += "(pipe ";
                    }
                }
                expression(*at, indent);
                for (std::size_t i = spine.size(); i-- > 0;) {
                    out_ += ' ';
                    expression(spine[i]->kind == ExprKind::Binary
                                   ? *spine[i]->as<BinaryExpr>().right
                                   : *spine[i]->as<PipeExpr>().stage,
                               indent);
                    out_ += ')';
                }
                return;
            }
            case ExprKind::Call: {
                const auto& call = expr.as<CallExpr>();
                out_ += call.tail ? "(tail-call " : "(call ";
                expression(*call.callee, indent);
                arguments(call.arguments, indent);
                out_ += ')';
                return;
            }
            case ExprKind::MethodCall: {
                const auto& call = expr.as<MethodCallExpr>();
                out_ += call.tail ? "(tail-method " : "(method ";
                expression(*call.object, indent);
                out_ += ' ';
                out_ += call.method;
                arguments(call.arguments, indent);
                out_ += ')';
                return;
            }
            case ExprKind::Index: {
                const auto& index = expr.as<IndexExpr>();
                out_ += "(index ";
                expression(*index.object, indent);
                out_ += ' ';
                expression(*index.index, indent);
                out_ += ')';
                return;
            }
            case ExprKind::Field: {
                const auto& field = expr.as<FieldExpr>();
                out_ += "(field ";
                expression(*field.object, indent);
                out_ += ' ';
                out_ += field.field;
                out_ += ')';
                return;
            }
            case ExprKind::Propagate:
                out_ += "(? ";
                expression(*expr.as<PropagateExpr>().operand, indent);
                out_ += ')';
                return;
            case ExprKind::Wrap: {
                const auto& wrap = expr.as<WrapExpr>();
                out_ += '(';
                out_ += wrap_name(wrap.wrap);
                out_ += ' ';
                expression(*wrap.value, indent);
                out_ += ')';
                return;
            }
            case ExprKind::Lambda:
                return function(*expr.as<LambdaExpr>().function, indent);
        }
    }

    void pattern(const Pattern& node) {
        switch (node.kind) {
            case PatternKind::Literal:
                return expression(*node.as<LiteralPattern>().value, 0);
            case PatternKind::Binding:
                out_ += node.as<BindingPattern>().name;
                return;
            case PatternKind::Wrap: {
                const auto& wrap = node.as<WrapPattern>();
                out_ += '(';
                out_ += wrap_name(wrap.wrap);
                out_ += ' ';
                pattern(*wrap.inner);
                out_ += ')';
                return;
            }
            case PatternKind::Absent:
                out_ += "Absent";
                return;
            case PatternKind::Variant: {
                const auto& variant = node.as<VariantPattern>();
                out_ += "(variant ";
                out_ += variant.name;
                for (const Pattern* field : variant.fields) {
                    out_ += ' ';
                    pattern(*field);
                }
                out_ += ')';
                return;
            }
        }
    }

    void field_decl(const FieldDecl& field) {
        if (field.name.empty()) {
            type(*field.type);
            return;
        }
        if (field.type == nullptr) {
            out_ += field.name;
            return;
        }
        out_ += '(';
        out_ += field.name;
        out_ += ' ';
        type(*field.type);
        out_ += ')';
    }

    // Writes the statement starting at the current position of a line indented by `indent`.
    void statement(const Stmt& stmt, int indent) {
        switch (stmt.kind) {
            case StmtKind::Expression:
                return expression(*stmt.as<ExpressionStmt>().expression, indent);
            case StmtKind::Bind: {
                const auto& bind = stmt.as<BindStmt>();
                out_ += bind.is_mutable ? "(weave " : "(bind ";
                out_ += bind.name;
                out_ += ' ';
                expression(*bind.value, indent);
                out_ += ')';
                return;
            }
            case StmtKind::Set: {
                const auto& set = stmt.as<SetStmt>();
                out_ += "(set ";
                expression(*set.target, indent);
                out_ += ' ';
                expression(*set.value, indent);
                out_ += ')';
                return;
            }
            case StmtKind::Should: {
                const auto& should = stmt.as<ShouldStmt>();
                out_ += "(should ";
                expression(*should.condition, indent);
                line(indent + 2);
                out_ += "(then";
                block(should.then_body, indent + 4);
                out_ += ')';
                if (should.has_otherwise) {
                    line(indent + 2);
                    out_ += "(otherwise";
                    block(should.otherwise_body, indent + 4);
                    out_ += ')';
                }
                out_ += ')';
                return;
            }
            case StmtKind::Whilst: {
                const auto& whilst = stmt.as<WhilstStmt>();
                out_ += "(whilst ";
                expression(*whilst.condition, indent);
                block(whilst.body, indent + 2);
                out_ += ')';
                return;
            }
            case StmtKind::ForEach: {
                const auto& loop = stmt.as<ForEachStmt>();
                out_ += "(for-each ";
                out_ += loop.variable;
                out_ += ' ';
                expression(*loop.iterable, indent);
                block(loop.body, indent + 2);
                out_ += ')';
                return;
            }
            case StmtKind::Break:
                out_ += "(break)";
                return;
            case StmtKind::Continue:
                out_ += "(continue)";
                return;
            case StmtKind::Yield:
                out_ += "(yield ";
                expression(*stmt.as<YieldStmt>().value, indent);
                out_ += ')';
                return;
            case StmtKind::Chant:
                return function(*stmt.as<ChantStmt>().function, indent);
            case StmtKind::Form: {
                const auto& form = stmt.as<FormStmt>();
                out_ += "(form ";
                out_ += form.name;
                for (const FieldDecl& field : form.fields) {
                    out_ += ' ';
                    field_decl(field);
                }
                out_ += ')';
                return;
            }
            case StmtKind::Match: {
                const auto& match = stmt.as<MatchStmt>();
                out_ += "(match ";
                expression(*match.subject, indent);
                for (const MatchArm& arm : match.arms) {
                    line(indent + 2);
                    out_ += "(when ";
                    pattern(*arm.pattern);
                    block(arm.body, indent + 4);
                    out_ += ')';
                }
                if (match.has_otherwise) {
                    line(indent + 2);
                    out_ += "(otherwise";
                    block(match.otherwise_body, indent + 4);
                    out_ += ')';
                }
                out_ += ')';
                return;
            }
            case StmtKind::Attempt: {
                const auto& attempt = stmt.as<AttemptStmt>();
                out_ += "(attempt";
                block(attempt.body, indent + 2);
                for (const Handler& handler : attempt.handlers) {
                    line(indent + 2);
                    out_ += "(harmonize ";
                    out_ += handler.error_kind;
                    block(handler.body, indent + 4);
                    out_ += ')';
                }
                out_ += ')';
                return;
            }
            case StmtKind::Variant: {
                const auto& variant = stmt.as<VariantStmt>();
                out_ += "(variant ";
                out_ += variant.name;
                for (const VariantCase& variant_case : variant.cases) {
                    out_ += ' ';
                    if (!variant_case.has_fields) {
                        out_ += variant_case.name;
                        continue;
                    }
                    out_ += '(';
                    out_ += variant_case.name;
                    for (const FieldDecl& field : variant_case.fields) {
                        out_ += ' ';
                        field_decl(field);
                    }
                    out_ += ')';
                }
                out_ += ')';
                return;
            }
            case StmtKind::Aspect: {
                const auto& aspect = stmt.as<AspectStmt>();
                out_ += "(aspect ";
                out_ += aspect.name;
                for (const MethodSignature& method : aspect.methods) {
                    out_ += " (";
                    out_ += method.name;
                    out_ += ' ';
                    params(method.params, method.variadic);
                    out_ += ')';
                }
                out_ += ')';
                return;
            }
            case StmtKind::Embody: {
                const auto& embody = stmt.as<EmbodyStmt>();
                out_ += "(embody ";
                out_ += embody.aspect;
                out_ += ' ';
                out_ += embody.type_name;
                for (const Function* method : embody.methods) {
                    line(indent + 2);
                    function(*method, indent + 2);
                }
                out_ += ')';
                return;
            }
            case StmtKind::Grove: {
                const auto& grove = stmt.as<GroveStmt>();
                out_ += "(grove ";
                out_ += grove.name;
                block(grove.body, indent + 2);
                line(indent + 2);
                out_ += "(offer";
                for (const NameRef& name : grove.offers) {
                    out_ += ' ';
                    out_ += name.name;
                }
                out_ += "))";
                return;
            }
            case StmtKind::Summon: {
                const auto& summon = stmt.as<SummonStmt>();
                out_ += "(summon ";
                out_ += summon.module;
                out_ += ' ';
                text(summon.path);
                if (!summon.alias.empty()) {
                    out_ += " as ";
                    out_ += summon.alias;
                }
                out_ += ')';
                return;
            }
            case StmtKind::Gather: {
                const auto& gather = stmt.as<GatherStmt>();
                out_ += "(gather ";
                out_ += gather.module;
                for (const GatherItem& item : gather.items) {
                    out_ += ' ';
                    if (item.alias.empty()) {
                        out_ += item.name;
                    } else {
                        out_ += '(';
                        out_ += item.name;
                        out_ += " as ";
                        out_ += item.alias;
                        out_ += ')';
                    }
                }
                out_ += ')';
                return;
            }
        }
    }

    std::string out_;
};

}  // namespace

std::string dump_ast(const Program& program) {
    return Dumper().run(program);
}

}  // namespace glimmer::interp::parser
