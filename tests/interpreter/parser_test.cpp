// interpreter/parser: AST goldens for every construct, every syntax error with its location,
// hostile inputs (deep nesting, huge scripts, token soup), and the arena/memory-resource contract.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory_resource>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "interpreter/lexer/lexer.hpp"
#include "interpreter/parser/ast_dump.hpp"
#include "interpreter/parser/parser.hpp"
#include "interpreter/source.hpp"

namespace {

using namespace glimmer::interp;
namespace ast = glimmer::interp::ast;

ast::Program parse_text(const std::string& text, parser::ParseOptions options = {}) {
    return parser::parse(SourceFile("test.gw", text), std::pmr::get_default_resource(), options);
}

std::string dump(const std::string& text) {
    return parser::dump_ast(parse_text(text));
}

SyntaxError parse_error(const std::string& text, parser::ParseOptions options = {}) {
    try {
        parse_text(text, options);
    } catch (const SyntaxError& error) {
        return error;
    }
    BOOST_FAIL("no syntax error for: " + text.substr(0, 200));
    throw std::logic_error("unreachable");
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

std::string repeat(std::string_view piece, std::size_t count) {
    std::string out;
    out.reserve(piece.size() * count);
    for (std::size_t i = 0; i < count; ++i)
        out.append(piece);
    return out;
}

std::vector<std::filesystem::path> golden_sources() {
    std::vector<std::filesystem::path> paths;
    for (const auto& entry : std::filesystem::directory_iterator(GLIMMER_FRONTEND_GOLDEN_DIR)) {
        if (entry.is_regular_file() && entry.path().extension() == ".gw") {
            paths.push_back(entry.path());
        }
    }
    std::sort(paths.begin(), paths.end());
    return paths;
}

// A memory resource that counts what passes through it.
class CountingResource : public std::pmr::memory_resource {
  public:
    std::size_t allocations = 0;
    std::size_t live_bytes = 0;

  private:
    void* do_allocate(std::size_t bytes, std::size_t alignment) override {
        ++allocations;
        live_bytes += bytes;
        return std::pmr::new_delete_resource()->allocate(bytes, alignment);
    }
    void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override {
        live_bytes -= bytes;
        std::pmr::new_delete_resource()->deallocate(p, bytes, alignment);
    }
    bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
        return this == &other;
    }
};

// Makes the default memory resource refuse every allocation while it lives.
class NoDefaultResource {
  public:
    NoDefaultResource()
        : saved_(std::pmr::set_default_resource(std::pmr::null_memory_resource())) {}
    ~NoDefaultResource() { std::pmr::set_default_resource(saved_); }
    NoDefaultResource(const NoDefaultResource&) = delete;
    NoDefaultResource& operator=(const NoDefaultResource&) = delete;

  private:
    std::pmr::memory_resource* saved_;
};

struct ErrorCase {
    const char* source;
    std::uint32_t line;
    std::uint32_t column;
    const char* fragment;
};

// Every syntax error the parser reports, with the location of the token where parsing failed.
const ErrorCase kErrorCases[] = {
    // bindings
    {"bind 5 to x", 1, 6, "expected identifier after 'bind', found '5'"},
    {"bind first to 1", 1, 6, "keyword 'first'"},
    {"weave to as 1", 1, 7, "keyword 'to'"},
    {"bind x 5", 1, 8, "expected 'to' after the name in 'bind'"},
    {"weave x to 5", 1, 9, "expected 'as' after the name in 'weave'"},
    {"bind x: to 5", 1, 9, "expected a type name"},
    {"bind x to", 1, 10, "expected an expression after 'to', found end of input"},
    {"set 5 to 1", 1, 5, "expected a variable name after 'set'"},
    {"set x as 1", 1, 7, "expected 'to' after the target of 'set'"},
    {"set x[0 to 1", 1, 9, "expected ']' to close the index in 'set'"},
    {"set x. to 1", 1, 11, "expected 'to' after the target"},  // `to` is the field name
    {"set x.5 to 1", 1, 7, "expected a field name after '.'"},
    // blocks
    {"should x\n  println(1)\nend", 1, 9, "expected 'then' after the condition of 'should'"},
    {"should x then\n  println(1)\n", 2, 13, "missing 'end' for 'should' at line 1"},
    {"whilst x then", 1, 14, "missing 'end' for 'whilst' at line 1"},
    {"should a then\n  otherwise\n  otherwise\nend", 3, 3, "unexpected 'otherwise'"},
    {"for x in xs then end", 1, 5, "expected 'each' after 'for'"},
    {"for each 1 in xs then end", 1, 10, "expected a loop variable name"},
    {"for each x of xs then end", 1, 12, "expected 'in' after the loop variable"},
    {"for each x in xs\nend", 1, 17, "expected 'then' after the collection"},
    {"end", 1, 1, "unexpected 'end'"},
    {"otherwise", 1, 1, "unexpected 'otherwise'"},
    {"println(1) then", 1, 12, "unexpected 'then'"},
    {"x with", 1, 3, "unexpected 'with'"},
    // functions
    {"chant f x then end", 1, 9, "expected '(' after the function name"},
    {"chant 1(x) then end", 1, 7, "expected a function name after 'chant'"},
    {"chant filter(x) then end", 1, 7, "keyword 'filter'"},
    {"chant f(x y) then end", 1, 11, "expected ',' or ')' in the parameter list"},
    {"chant f(x,) then end", 1, 11, "expected a parameter name"},
    {"chant f(...rest, x) then end", 1, 9, "'...rest' must be the last parameter"},
    {"chant f(a,\n  ...more,\n  b) then end", 2, 3, "'...more' must be the last parameter"},
    {"chant f(x) yield x end", 1, 12, "expected 'then' before the body of the chant"},
    {"chant f(x) -> then end", 1, 15, "expected a type name"},
    {"chant f<>(x) then end", 1, 9, "expected a type parameter name"},
    {"chant f<T(x) then end", 1, 10, "expected '>' to close the type parameters"},
    {"chant f() then\n  yield\nend", 2, 8,
     "expected an expression after 'yield', found end of line"},
    {"bind g to chant f(x) then end", 1, 11, "expected '(' after 'chant' in an expression"},
    {"bind g to chant(x) yield x end", 1, 20, "expected 'then'"},
    // operators and expressions
    {"bind x to 1 +\n2", 1, 14, "expected an expression after '+', found end of line"},
    {"bind x to a or\n b", 1, 15, "expected an expression after 'or'"},
    {"bind x to 1 |\n f", 1, 14, "expected an expression after '|'"},
    {"println(1,\n2)", 1, 11, "expected an expression after ','"},
    {"println(1\n)", 1, 10, "call arguments cannot span lines"},
    {"bind x to f(1", 1, 14, "expected ',' or ')' in the argument list, found end of input"},
    {"bind x to (1 + 2", 1, 17, "expected ')' to close the '(' at column 11"},
    {"bind x to xs[1", 1, 15, "expected ']' to close the index"},
    {"bind x to a < b", 1, 13, "'<' is not a comparison operator; use 'less than'"},
    {"bind x to 1 < 2", 1, 13, "'<' is not a comparison operator"},
    {"bind x to a > b", 1, 13, "'>' is not a comparison operator; use 'greater than'"},
    {"bind x to Box<Number>", 1, 14, "'<' is not a comparison operator"},
    {"bind x to p.5", 1, 13, "expected a field name after '.'"},
    {"bind x to *", 1, 11, "expected an expression, found '*'"},
    {"bind x to )", 1, 11, "expected an expression, found ')'"},
    {"bind x to first", 1, 11, "'first' is a reserved word"},
    {"seek where x", 1, 1, "'seek' is a reserved word"},
    {"bind x to mut", 1, 11, "'mut' is a reserved word"},
    {"bind r to match x with end", 1, 11, "'match' is a statement, not an expression"},
    {"bind r to should x then end", 1, 11, "'should' is a statement"},
    {"println(bind)", 1, 9, "'bind' is a statement"},
    {"bind x to Present", 1, 18, "expected '(' after 'Present'"},
    {"bind x to Triumph(1", 1, 20, "expected ')' to close the '(' after 'Triumph'"},
    {"bind x to range(1)", 1, 18, "expected ',' between the two bounds of 'range'"},
    {"bind x to range 1, 2", 1, 17, "expected '(' after 'range'"},
    // collections
    {"bind x to {\"a\": 1}", 1, 12, "bare names"},
    {"bind x to {a 1}", 1, 14, "expected ':' after the name 'a' in the map literal"},
    {"bind x to {a: 1 b: 2}", 1, 17, "expected ',' or '}' in the map literal"},
    {"bind x to {a: 1,}", 1, 17, "expected a field name in the map literal"},
    {"bind m to {\n  a: 1\n  , b: 2}", 3, 3, "expected ',' or '}' in the map literal, found ','"},
    {"bind x to [1 2]", 1, 14, "expected ',' or ']' in the list"},
    {"bind x to [1,]", 1, 14, "expected an expression, found ']'"},
    {"bind x to [1,\n2", 2, 2, "expected ',' or ']' in the list, found end of input"},
    {"bind p to Point { x 1 }", 1, 21, "expected ':' after the name 'x' in the struct literal"},
    {"bind p to Point { 1: 2 }", 1, 19, "expected a field name in the struct literal"},
    // structs
    {"form P with\n  x Number\nend", 2, 5, "expected 'as' after the field name 'x'"},
    {"form P with\n  x as Number y as Number\nend", 2, 15, "expected a new line after the field"},
    {"form P with x as 5 end", 1, 18, "expected a type name"},
    {"form P\n  x as Number\nend", 1, 7, "expected 'with' after the struct name"},
    {"form P with\n  x as Number\n", 2, 14, "missing 'end' for 'form' at line 1"},
    {"form P with x as List<Number end", 1, 30, "expected '>' to close the type arguments"},
    // match
    {"match x with\n  otherwise then println(1)\n  when 1 then println(2)\nend", 3, 3,
     "'otherwise then' must be the last arm of a match"},
    {"match x\n  when 1 then end", 1, 8, "expected 'with' after the value of 'match'"},
    {"match x with\n  println(1)\nend", 2, 3, "expected 'when', 'otherwise' or 'end' in the match"},
    {"match x with when 1 println(1) end", 1, 21, "expected 'then' after the pattern"},
    {"match x with otherwise println(1) end", 1, 24, "expected 'then' after 'otherwise'"},
    {"match x with when -1 then end", 1, 19, "negative numbers cannot be used as patterns"},
    {"match x with when nothing then end", 1, 19, "expected a pattern"},
    {"match x with when [1] then end", 1, 19, "expected a pattern"},
    {"match x with when Present x then end", 1, 27, "expected '(' after 'Present' in a pattern"},
    {"match x with when Present(x then end", 1, 29,
     "expected ')' to close the '(' after 'Present' in a pattern"},
    {"match x with when Pair(a b) then end", 1, 26,
     "expected ')' or ',' in the fields of the pattern 'Pair'"},
    {"match x with\n  when 1 then\n", 2, 14, "missing 'end' for 'match' at line 1"},
    // attempt
    {"attempt then\n  risky()\nend", 1, 9, "'attempt' takes no 'then'"},
    {"attempt\n  x\nharmonize on \"NetworkError\" then\nend", 3, 14,
     "expected an error kind name or '_' after 'harmonize on', found text \"NetworkError\""},
    {"attempt\n  x\nharmonize DivisionByZero then\nend", 3, 11, "expected 'on' after 'harmonize'"},
    {"attempt\n  x\nharmonize on _\n  y\nend", 3, 15, "expected 'then' after the error kind"},
    {"harmonize on _ then end", 1, 1, "unexpected 'harmonize'"},
    {"attempt\n  x\n", 2, 4, "missing 'end' for 'attempt' at line 1"},
    // extended: variants, traits, modules
    {"variant C then A B end", 1, 18, "expected ',' or a new line after the variant 'A'"},
    {"variant C then A(x: ) end", 1, 21, "expected a type name"},
    {"variant C then 1 end", 1, 16, "expected a variant name"},
    {"variant C A, B end", 1, 11, "expected 'then' after the enum name"},
    {"variant C then A(x: Number end", 1, 28,
     "expected ')' or ',' in the fields of the variant 'A'"},
    {"aspect S then\n  chant area(self) then yield 1 end\nend", 2, 20,
     "an 'aspect' lists method signatures only"},
    {"aspect S then\n  area(self)\nend", 2, 3, "expected 'chant' to declare a method signature"},
    {"aspect S with\nend", 1, 10, "expected 'then' after the trait name"},
    {"embody S Rect then end", 1, 10, "expected 'for' after the trait name"},
    {"embody S for Rect then\n  bind x to 1\nend", 2, 3,
     "expected 'chant' to define a method in 'embody'"},
    {"embody S for 5 then end", 1, 14, "expected a type name after 'for'"},
    {"offer a", 1, 1, "'offer' can only be the last statement of a 'grove'"},
    {"grove M with\n  offer a\n  x\nend", 3, 3, "expected 'end' after the 'offer' list"},
    {"grove M\n  offer a\nend", 1, 8, "expected 'with' after the module name"},
    {"grove M with\n  offer\nend", 2, 8, "expected a name to offer"},
    {"summon M from math", 1, 15, "expected a quoted path after 'from'"},
    {"summon M \"m.gw\"", 1, 10, "expected 'from' after the module name"},
    {"summon M from \"m.gw\" as", 1, 24, "expected an alias after 'as'"},
    {"gather a, b Math", 1, 13, "expected 'from' after the gathered names"},
    {"gather from M", 1, 8, "expected a name to gather"},
    {"gather a from \"m.gw\"", 1, 15, "expected a module name after 'from'"},
    // lexical errors surface through parse() too
    {"bind x to 1\nbind y = 2", 2, 8, "unexpected character '='"},
    {"bind s to \"open", 1, 11, "unterminated string"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(interpreter)
BOOST_AUTO_TEST_SUITE(parser_goldens)

// Every tests/interpreter/golden/*.gw parses to exactly its .ast file. Run with
// GLIMMER_UPDATE_GOLDEN=1 to rewrite the .ast files after an intended change (then review them).
BOOST_AUTO_TEST_CASE(every_golden_script_dumps_to_its_ast_file) {
    const bool update = std::getenv("GLIMMER_UPDATE_GOLDEN") != nullptr;
    const auto sources = golden_sources();
    BOOST_REQUIRE_GE(sources.size(), 10u);
    for (const auto& source : sources) {
        BOOST_TEST_CONTEXT(source.filename().string()) {
            const std::filesystem::path expected_path =
                std::filesystem::path(source).replace_extension(".ast");
            const SourceFile file(source.string(), read_file(source));
            std::string actual;
            try {
                actual = parser::dump_ast(parser::parse(file));
            } catch (const SyntaxError& error) {
                BOOST_ERROR(format_diagnostic(file, error));
                continue;
            }
            if (update) {
                std::ofstream(expected_path, std::ios::binary) << actual;
            }
            BOOST_CHECK_EQUAL(actual, read_file(expected_path));
        }
    }
}

BOOST_AUTO_TEST_CASE(precedence_follows_the_table) {
    BOOST_CHECK_EQUAL(dump("a | f or b and c is d + e * -g"),
                      "(pipe a (or f (and b (is c (+ d (* e (neg g)))))))\n");
    BOOST_CHECK_EQUAL(dump("not x is 5"), "(is (not x) 5)\n");
    BOOST_CHECK_EQUAL(dump("a - b - c"), "(- (- a b) c)\n");
    BOOST_CHECK_EQUAL(dump("a / b * c % d"), "(% (* (/ a b) c) d)\n");
    BOOST_CHECK_EQUAL(dump("a is b is c"), "(is (is a b) c)\n");
    BOOST_CHECK_EQUAL(dump("a or b or c"), "(or (or a b) c)\n");
    BOOST_CHECK_EQUAL(dump("x >= 1 and x <= 2"), "(and (at-least x 1) (at-most x 2))\n");
    BOOST_CHECK_EQUAL(dump("-x.y"), "(neg (field x y))\n");
    BOOST_CHECK_EQUAL(dump("-2 * 3"), "(* (neg 2) 3)\n");
    BOOST_CHECK_EQUAL(dump("not a and b"), "(and (not a) b)\n");
}

BOOST_AUTO_TEST_CASE(pipeline_is_lowest_even_inside_call_arguments) {
    BOOST_CHECK_EQUAL(dump("f(x | g, 1 + 2 | h)"), "(call f (pipe x g) (pipe (+ 1 2) h))\n");
    BOOST_CHECK_EQUAL(dump("5 | double | add(1)"), "(pipe (pipe 5 double) (call add 1))\n");
    BOOST_CHECK_EQUAL(dump("[a | f]"), "(list (pipe a f))\n");
}

BOOST_AUTO_TEST_CASE(struct_literal_follows_only_a_bare_identifier) {
    BOOST_CHECK_EQUAL(dump("P {x: 1}"), "(struct P (x 1))\n");
    BOOST_CHECK_EQUAL(dump("P{}"), "(struct P)\n");
    // After a call or a parenthesised name a brace starts the next statement (a map).
    BOOST_CHECK_EQUAL(dump("f() {a: 1}"), "(call f)\n(map (a 1))\n");
    BOOST_CHECK_EQUAL(dump("(P) {a: 1}"), "P\n(map (a 1))\n");
}

BOOST_AUTO_TEST_CASE(statements_may_share_a_line) {
    BOOST_CHECK_EQUAL(dump("bind a to 1 bind b to 2"), "(bind a 1)\n(bind b 2)\n");
    BOOST_CHECK_EQUAL(dump("should x then println(x) end"),
                      "(should x\n  (then\n    (call println x)))\n");
    BOOST_CHECK_EQUAL(dump("\n\n   \n"), "");
}

BOOST_AUTO_TEST_CASE(field_names_after_a_dot_may_be_keywords) {
    BOOST_CHECK_EQUAL(dump("m.first"), "(field m first)\n");
    BOOST_CHECK_EQUAL(dump("set p.to to 1"), "(set (field p to) 1)\n");
    BOOST_CHECK_EQUAL(dump("xs.filter(f)"), "(method xs filter f)\n");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(parser_tree)

BOOST_AUTO_TEST_CASE(nodes_carry_their_locations) {
    const ast::Program program = parse_text("bind x to 1 + f(2)\n  set y to z.w");
    const auto statements = program.statements();
    BOOST_REQUIRE_EQUAL(statements.size(), 2u);
    const auto& bind = statements[0]->as<ast::BindStmt>();
    BOOST_CHECK(bind.location == (SourceLocation{1, 1}));
    BOOST_CHECK(bind.name_location == (SourceLocation{1, 6}));
    BOOST_CHECK_EQUAL(bind.name, "x");
    BOOST_CHECK(!bind.is_mutable);
    const auto& sum = bind.value->as<ast::BinaryExpr>();
    BOOST_CHECK(sum.op == ast::BinaryOp::Add);
    BOOST_CHECK(sum.location == (SourceLocation{1, 13}));
    BOOST_CHECK(sum.left->location == (SourceLocation{1, 11}));
    BOOST_CHECK_EQUAL(sum.left->as<ast::NumberExpr>().value, 1.0);
    const auto& call = sum.right->as<ast::CallExpr>();
    BOOST_CHECK(call.callee->location == (SourceLocation{1, 15}));
    BOOST_CHECK_EQUAL(call.arguments.size(), 1u);
    BOOST_CHECK(!call.tail);
    const auto& set = statements[1]->as<ast::SetStmt>();
    BOOST_CHECK(set.location == (SourceLocation{2, 3}));
    const auto& field = set.value->as<ast::FieldExpr>();
    BOOST_CHECK_EQUAL(field.field, "w");
    BOOST_CHECK(field.field_location == (SourceLocation{2, 14}));
    BOOST_CHECK(field.get_if<ast::CallExpr>() == nullptr);
}

BOOST_AUTO_TEST_CASE(operators_and_brackets_locate_their_nodes) {
    const ast::Program program = parse_text("bind v to -xs[i].m(1)? | f");
    const auto& pipe = program.statements()[0]->as<ast::BindStmt>().value->as<ast::PipeExpr>();
    BOOST_CHECK(pipe.location == (SourceLocation{1, 24}));
    const auto& negate = pipe.value->as<ast::UnaryExpr>();
    BOOST_CHECK(negate.op == ast::UnaryOp::Negate);
    BOOST_CHECK(negate.location == (SourceLocation{1, 11}));
    const auto& propagate = negate.operand->as<ast::PropagateExpr>();
    BOOST_CHECK(propagate.location == (SourceLocation{1, 22}));
    const auto& method = propagate.operand->as<ast::MethodCallExpr>();
    BOOST_CHECK(method.location == (SourceLocation{1, 19}));
    BOOST_CHECK(method.method_location == (SourceLocation{1, 18}));
    BOOST_CHECK_EQUAL(method.method, "m");
    const auto& index = method.object->as<ast::IndexExpr>();
    BOOST_CHECK(index.location == (SourceLocation{1, 14}));
    BOOST_CHECK(index.object->location == (SourceLocation{1, 12}));
}

BOOST_AUTO_TEST_CASE(only_a_call_that_is_the_whole_yield_is_a_tail_call) {
    const ast::Program program = parse_text(
        "chant f(n) then\n  yield f(n - 1)\n  yield 1 + f(n)\n  yield o.m(n)\n  f(n)\nend");
    const auto body = program.statements()[0]->as<ast::ChantStmt>().function->body;
    BOOST_REQUIRE_EQUAL(body.size(), 4u);
    BOOST_CHECK(body[0]->as<ast::YieldStmt>().value->as<ast::CallExpr>().tail);
    const auto& sum = body[1]->as<ast::YieldStmt>().value->as<ast::BinaryExpr>();
    BOOST_CHECK(!sum.right->as<ast::CallExpr>().tail);
    BOOST_CHECK(body[2]->as<ast::YieldStmt>().value->as<ast::MethodCallExpr>().tail);
    BOOST_CHECK(!body[3]->as<ast::ExpressionStmt>().expression->as<ast::CallExpr>().tail);
}

BOOST_AUTO_TEST_CASE(functions_record_parameters_and_variadic_rest) {
    const ast::Program program = parse_text("chant f(a as Number, ...rest) -> Number then end");
    const ast::Function& function = *program.statements()[0]->as<ast::ChantStmt>().function;
    BOOST_CHECK_EQUAL(function.name, "f");
    BOOST_CHECK(function.variadic);
    BOOST_REQUIRE_EQUAL(function.params.size(), 2u);
    BOOST_CHECK_EQUAL(function.params[0].name, "a");
    BOOST_CHECK_EQUAL(function.params[1].name, "rest");
    BOOST_CHECK(function.params[1].location == (SourceLocation{1, 25}));
    BOOST_CHECK(function.body.empty());
    const ast::Program lambda = parse_text("bind g to chant() then end");
    const auto& expr = lambda.statements()[0]->as<ast::BindStmt>().value->as<ast::LambdaExpr>();
    BOOST_CHECK(expr.function->name.empty());
    BOOST_CHECK(!expr.function->variadic);
}

BOOST_AUTO_TEST_CASE(form_fields_keep_their_declared_types) {
    const ast::Program program = parse_text("form P with\n  xs as List<Number>\n  q as Q\nend");
    const auto& form = program.statements()[0]->as<ast::FormStmt>();
    BOOST_REQUIRE_EQUAL(form.fields.size(), 2u);
    BOOST_CHECK_EQUAL(form.fields[0].name, "xs");
    BOOST_CHECK_EQUAL(form.fields[0].type->name, "List");
    BOOST_REQUIRE_EQUAL(form.fields[0].type->arguments.size(), 1u);
    BOOST_CHECK_EQUAL(form.fields[0].type->arguments[0]->name, "Number");
    BOOST_CHECK_EQUAL(form.fields[1].type->name, "Q");
    BOOST_CHECK(form.fields[1].location == (SourceLocation{3, 3}));
}

BOOST_AUTO_TEST_CASE(the_program_owns_every_name_and_survives_a_move) {
    std::string expected;
    ast::Program moved("x");
    {
        std::string text = "bind name to \"text\"\nchant f(p) then yield p.q end";
        lexer::TokenList tokens = lexer::tokenize(SourceFile("t.gw", text));
        ast::Program program = parser::parse(tokens, "t.gw");
        expected = parser::dump_ast(program);
        tokens.clear();
        text.assign(text.size(), '#');
        moved = std::move(program);
    }
    BOOST_CHECK_EQUAL(parser::dump_ast(moved), expected);
    BOOST_CHECK_EQUAL(moved.source_name(), "t.gw");
}

BOOST_AUTO_TEST_CASE(all_memory_comes_from_the_given_resource) {
    CountingResource counting;
    const SourceFile file("t.gw", read_file(golden_sources().front()));
    const lexer::TokenList tokens = lexer::tokenize(file);
    {
        NoDefaultResource guard;  // any use of the default resource would throw bad_alloc
        ast::Program program = parser::parse(tokens, file.name(), &counting);
        BOOST_CHECK_GT(counting.allocations, 0u);
        BOOST_CHECK_GT(counting.live_bytes, 0u);
        BOOST_CHECK_GT(program.statements().size(), 0u);
    }
    BOOST_CHECK_EQUAL(counting.live_bytes, 0u);  // the arena returned everything
}

BOOST_AUTO_TEST_CASE(a_syntax_error_returns_all_memory_too) {
    CountingResource counting;
    const lexer::TokenList tokens =
        lexer::tokenize(SourceFile("t.gw", "bind a to [1, 2, 3]\nchant f(x) then yield x +\nend"));
    BOOST_CHECK_THROW(parser::parse(tokens, "t.gw", &counting), SyntaxError);
    BOOST_CHECK_GT(counting.allocations, 0u);
    BOOST_CHECK_EQUAL(counting.live_bytes, 0u);
}

BOOST_AUTO_TEST_CASE(a_token_list_without_eof_is_rejected) {
    lexer::TokenList tokens;
    BOOST_CHECK_THROW(parser::parse(tokens), std::invalid_argument);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(parser_errors)

BOOST_AUTO_TEST_CASE(every_syntax_error_has_its_line_and_column) {
    for (const ErrorCase& c : kErrorCases) {
        const SyntaxError error = parse_error(c.source);
        const std::string what = error.what();
        BOOST_TEST_CONTEXT("source: " << c.source << "\nerror: " << what) {
            BOOST_CHECK_EQUAL(error.location().line, c.line);
            BOOST_CHECK_EQUAL(error.location().column, c.column);
            BOOST_CHECK_NE(what.find(c.fragment), std::string::npos);
            const std::string prefix = "Syntax error at line " + std::to_string(c.line) +
                                       ", column " + std::to_string(c.column) + ": ";
            BOOST_CHECK_EQUAL(what.rfind(prefix, 0), 0u);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_first_error_in_the_source_is_reported) {
    // A parse error before a lexical error wins, and the other way round.
    SyntaxError error = parse_error("bind a to\nbind b = 1\n)");
    BOOST_CHECK(error.location() == (SourceLocation{1, 10}));
    error = parse_error("bind a = 1\nbind b to\n");
    BOOST_CHECK(error.location() == (SourceLocation{1, 8}));
    // Running into the lexical error while a block is open reports the lexical error.
    error = parse_error("should x then\n  println(@)\nend");
    BOOST_CHECK(error.location() == (SourceLocation{2, 11}));
    BOOST_CHECK_NE(std::string(error.what()).find("'@'"), std::string::npos);
    error = parse_error("bind s to \"open");
    BOOST_CHECK_NE(std::string(error.what()).find("unterminated"), std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(parser_hostile)

// Each of these nests 100,000 levels deep; all must stop with "nesting too deep".
BOOST_AUTO_TEST_CASE(deep_nesting_is_a_clear_error_not_a_crash) {
    constexpr std::size_t kDeep = 100000;
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"parentheses", "bind x to " + repeat("(", kDeep) + "1" + repeat(")", kDeep)},
        {"lists", "bind x to " + repeat("[", kDeep) + repeat("]", kDeep)},
        {"maps", "bind x to " + repeat("{a: ", kDeep) + "1" + repeat("}", kDeep)},
        {"blocks", repeat("should x then\n", kDeep) + repeat("end\n", kDeep)},
        {"loops", repeat("whilst x then for each y in z then ", kDeep)},
        {"negations", "bind x to " + repeat("-", kDeep) + "1"},
        {"nots", "bind x to " + repeat("not ", kDeep) + "x"},
        {"calls", "bind x to f" + repeat("()", kDeep)},
        {"fields", "bind x to a" + repeat(".b", kDeep)},
        {"indexes", "bind x to a" + repeat("[0]", kDeep)},
        {"questions", "bind x to a" + repeat("?", kDeep)},
        {"set targets", "set a" + repeat("[0]", kDeep) + " to 1"},
        {"lambdas", "bind f to " + repeat("chant() then yield ", kDeep)},
        {"call arguments", "bind x to " + repeat("f(", kDeep) + repeat(")", kDeep)},
        {"wraps", "bind x to " + repeat("Present(", kDeep) + "1" + repeat(")", kDeep)},
        {"patterns",
         "match x with when " + repeat("Present(", kDeep) + "y" + repeat(")", kDeep) + " then end"},
        {"variant patterns",
         "match x with when " + repeat("C(", kDeep) + "y" + repeat(")", kDeep) + " then end"},
        {"types", "bind x: " + repeat("List<", kDeep) + "N" + repeat(">", kDeep) + " to 1"},
        {"struct literals", "bind x to " + repeat("P { a: ", kDeep) + "1" + repeat("}", kDeep)},
    };
    for (const auto& [name, text] : cases) {
        BOOST_TEST_CONTEXT(name) {
            const SyntaxError error = parse_error(text);
            BOOST_CHECK_NE(std::string(error.what()).find("nesting too deep"), std::string::npos);
            // A nested block costs two levels (its statement and its body), so blocks stop near
            // line 500; every other case is a single line.
            BOOST_CHECK_LE(error.location().line, name == "blocks" ? 501u : 1u);
            BOOST_CHECK_GE(error.location().line, name == "blocks" ? 490u : 1u);
        }
    }
}

BOOST_AUTO_TEST_CASE(nesting_within_the_limit_parses_and_dumps) {
    const std::size_t deep = 900;
    const std::string parens = "bind x to " + repeat("(", deep) + "1" + repeat(")", deep);
    BOOST_CHECK_EQUAL(dump(parens), "(bind x 1)\n");
    const std::string lists = "bind x to " + repeat("[", deep) + repeat("]", deep);
    const std::string lists_dump = dump(lists);
    std::size_t opened = 0;
    for (std::size_t at = lists_dump.find("(list"); at != std::string::npos;
         at = lists_dump.find("(list", at + 1)) {
        ++opened;
    }
    BOOST_CHECK_EQUAL(opened, deep);
    const std::string blocks = repeat("should x then\n", 400) + repeat("end\n", 400);
    BOOST_CHECK_EQUAL(parse_text(blocks).statements().size(), 1u);
    BOOST_CHECK_EQUAL(parse_text("bind x to 1" + repeat(" + 1", deep)).statements().size(), 1u);
}

// A flat chain of binary operators or pipes is as deep as it is long, but later stages walk its
// left spine in a loop: no depth limit, and the dump is the same nested form.
BOOST_AUTO_TEST_CASE(flat_operator_chains_have_no_depth_limit) {
    constexpr std::size_t kLong = 100000;
    for (std::string op : {" + ", " - ", " * ", " is ", " and ", " | "}) {
        BOOST_TEST_CONTEXT(op) {
            BOOST_CHECK_EQUAL(
                parse_text("bind x to a" + repeat(op + "a", kLong)).statements().size(), 1u);
        }
    }
    BOOST_CHECK_EQUAL(dump("bind x to a - b + c * d - e"), "(bind x (- (+ (- a b) (* c d)) e))\n");
    BOOST_CHECK_EQUAL(dump("bind x to a | f | g(1) + b"),
                      "(bind x (pipe (pipe a f) (+ (call g 1) b)))\n");
    const std::string long_dump = dump("bind x to a" + repeat(" - b", 3));
    BOOST_CHECK_EQUAL(long_dump, "(bind x (- (- (- a b) b) b))\n");
}

BOOST_AUTO_TEST_CASE(the_depth_limit_is_configurable_and_tight) {
    parser::ParseOptions options;
    options.max_depth = 50;
    const auto nested = [](std::size_t n) {
        return "bind x to " + repeat("(", n) + "1" + repeat(")", n);
    };
    BOOST_CHECK_NO_THROW(parse_text(nested(45), options));
    BOOST_CHECK_THROW(parse_text(nested(50), options), SyntaxError);
    const SyntaxError error = parse_error(nested(60), options);
    BOOST_CHECK_NE(std::string(error.what()).find("more than 50 levels"), std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_one_mebibyte_script_parses) {
    std::string script;
    std::size_t functions = 0;
    while (script.size() < (std::size_t{1} << 20)) {
        const std::string n = std::to_string(functions++);
        script += "chant f" + n + "(a, b) then\n    weave total as 0\n";
        script += "    for each i in range(0, a) then\n        set total to total + i * b\n";
        script += "    end\n    yield {sum: total, items: [a, b, \"" + n + "\"]}\nend\n";
        script += "println(f" + n + "(3, 4) | to_text)\n";
    }
    const ast::Program program = parse_text(script);
    BOOST_CHECK_EQUAL(program.statements().size(), functions * 2);
    // One 1 MiB line: a list with a quarter of a million elements.
    const std::string line = "bind xs to [" + repeat("1234, ", 1 << 18) + "0]";
    const ast::Program list = parse_text(line);
    BOOST_CHECK_EQUAL(
        list.statements()[0]->as<ast::BindStmt>().value->as<ast::ListExpr>().elements.size(),
        (std::size_t{1} << 18) + 1);
}

BOOST_AUTO_TEST_CASE(random_token_soup_parses_or_fails_cleanly) {
    const std::vector<std::string> vocabulary = {
        "bind",    "weave",  "set",     "to",      "as",     "should", "then",    "otherwise",
        "end",     "for",    "each",    "in",      "range",  "whilst", "break",   "continue",
        "chant",   "yield",  "form",    "variant", "aspect", "embody", "grove",   "offer",
        "summon",  "gather", "from",    "match",   "when",   "with",   "attempt", "harmonize",
        "on",      "true",   "false",   "nothing", "is",     "and",    "or",      "not",
        "Present", "Absent", "Triumph", "Mishap",  "borrow", "mut",    "is not",  "greater than",
        "at most", "+",      "-",       "*",       "/",      "%",      "<=",      ">=",
        "<",       ">",      "|",       "(",       ")",      "[",      "]",       "{",
        "}",       ",",      ":",       ".",       "?",      "...",    "->",      "x",
        "y",       "f",      "P",       "_",       "1",      "2.5",    "\"s\"",   "'a",
        "\n",      "\n",     "\n"};
    std::mt19937 random(7);
    int parsed = 0;
    int failed = 0;
    for (int round = 0; round < 4000; ++round) {
        std::string text;
        const std::size_t count = 1 + random() % 40;
        for (std::size_t i = 0; i < count; ++i) {
            text += vocabulary[random() % vocabulary.size()];
            text += ' ';
        }
        try {
            const ast::Program program = parse_text(text);
            parser::dump_ast(program);
            ++parsed;
        } catch (const SyntaxError& error) {
            ++failed;
            BOOST_REQUIRE_GE(error.location().line, 1u);
        }
    }
    BOOST_CHECK_GT(parsed, 0);
    BOOST_CHECK_GT(failed, 0);
}

BOOST_AUTO_TEST_CASE(mutated_golden_scripts_parse_or_fail_cleanly) {
    std::mt19937 random(11);
    for (const auto& path : golden_sources()) {
        const std::string original = read_file(path);
        for (int round = 0; round < 150; ++round) {
            std::string text = original;
            for (int edits = 1 + random() % 3; edits > 0 && !text.empty(); --edits) {
                const std::size_t at = random() % text.size();
                switch (random() % 3) {
                    case 0:
                        text.erase(at, 1 + random() % 8);
                        break;
                    case 1:
                        text.insert(at, text.substr(random() % text.size(), 1 + random() % 12));
                        break;
                    default:
                        text[at] = static_cast<char>(random() % 256);
                        break;
                }
            }
            try {
                parser::dump_ast(parse_text(text));
            } catch (const SyntaxError& error) {
                BOOST_REQUIRE_GE(error.location().column, 1u);
            }
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
