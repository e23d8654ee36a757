// The AST as S-expressions, one statement per line, nested blocks indented by two spaces.
// Stable: golden tests compare it byte for byte (tests/interpreter/golden/*.ast). Example:
//
//     (bind x (+ 1 (* 2 3)))
//     (should (is x 7)
//       (then
//         (expr (call println "seven")))
//       (otherwise))
#pragma once

#include <string>

#include "interpreter/parser/ast.hpp"

namespace glimmer::interp::parser {

std::string dump_ast(const ast::Program& program);

}  // namespace glimmer::interp::parser
