// disassemble.cpp — `glimmer --dump-bytecode`: one instruction a line, "INDEX LINE:COL OP
// operands".
#include <cstdio>
#include <vector>

#include "interpreter/bytecode/opcodes.hpp"

namespace glimmer::interp::bytecode {

namespace {

void constant_text(std::string& out, runtime::Value v) {
    if (runtime::is_kind(v, runtime::ObjectKind::String)) {
        out += '"';
        out += static_cast<runtime::String*>(v.as_object())->view();
        out += '"';
    } else if (runtime::is_kind(v, runtime::ObjectKind::Prototype)) {
        auto* p = static_cast<runtime::Prototype*>(v.as_object());
        out += "<chant ";
        out += p->name ? p->name->view() : "<anonymous>";
        out += '>';
    } else {
        runtime::append_display(out, v, true);
    }
}

void dump(std::string& out, const runtime::Prototype& p) {
    out += "== ";
    out += p.name ? p.name->view() : "<anonymous>";
    out += " (params " + std::to_string(p.arity) + (p.variadic ? "+rest" : "") + ", slots " +
           std::to_string(p.slot_count) + ", stack " + std::to_string(p.max_stack) + ", upvalues " +
           std::to_string(p.upvalues.size()) + ")\n";
    std::vector<const runtime::Prototype*> nested;
    for (std::size_t i = 0; i < p.code.size();) {
        std::uint32_t w = p.code[i];
        Op op = op_of(w);
        const OpInfo& info = kOpInfo[static_cast<int>(op)];
        std::uint32_t a = operand_of(w);
        char head[48];
        std::snprintf(head, sizeof head, "%5zu %4u:%-3u ", i, p.positions[i].line,
                      p.positions[i].column);
        out += head;
        out += info.name;
        out += ' ';
        out += std::to_string(a);
        for (int e = 0; e < info.extra; ++e) {
            out += ' ';
            out += std::to_string(p.code[i + 1 + e]);
        }
        if (op == Op::Constant || op == Op::GetField || op == Op::Closure ||
            op == Op::MatchLiteral || op == Op::MatchVariant || op == Op::Invoke ||
            op == Op::InvokeMove || op == Op::DefineMethod ||
            (op >= Op::AddK && op <= Op::NotEqualK)) {
            out += "  ; ";
            constant_text(out, p.constants[a]);
            if (op == Op::Closure) {
                nested.push_back(static_cast<runtime::Prototype*>(p.constants[a].as_object()));
            }
        }
        out += '\n';
        i += 1 + info.extra;
    }
    for (const runtime::Prototype* q : nested)
        dump(out, *q);
}

}  // namespace

std::string disassemble(const runtime::Prototype& proto) {
    std::string out;
    dump(out, proto);
    return out;
}

}  // namespace glimmer::interp::bytecode
