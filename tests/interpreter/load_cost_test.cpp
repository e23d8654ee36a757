// What loading a script costs in heap bytes: compiling N statements peaks at a small constant
// per statement, and lines that hold no statement (blank, comment) cost nothing that stays.
// Peak live bytes are counted by the heap itself, so the claims hold without timing anything.
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "heap/heap.hpp"
#include "interpreter/parser/node_arena.hpp"
#include "interpreter/source.hpp"
#include "interpreter/vm/interpreter.hpp"
#include "runtime/runtime.hpp"

namespace {

// Peak live heap bytes above what the runtime held before compile(code).
std::size_t compile_peak(const std::string& code) {
    glimmer::runtime::RuntimeConfig config;
    config.output = [](std::string_view) {};
    glimmer::runtime::Runtime rt(config);
    glimmer::interp::Interpreter in(rt);
    const GwHeapStats before = rt.heap().stats();
    BOOST_REQUIRE(before.peak_live_bytes >= before.live_bytes);
    in.compile(glimmer::interp::SourceFile("load.gw", code));
    const GwHeapStats after = rt.heap().stats();
    // The builtins made the first peak; compiling may only raise it.
    return after.peak_live_bytes > before.live_bytes ? after.peak_live_bytes - before.live_bytes
                                                     : 0;
}

std::string statements(std::size_t n) {
    std::string code = "weave s as 0\n";
    for (std::size_t i = 0; i < n; ++i)
        code += "set s to s + " + std::to_string(i) + "\n";
    return code;
}

std::string repeated(const std::string& line, std::size_t n) {
    std::string code;
    for (std::size_t i = 0; i < n; ++i)
        code += line;
    return code;
}

std::string long_list(std::size_t n) {
    std::string code = "bind xs to [";
    for (std::size_t i = 0; i < n; ++i)
        code += std::to_string(i) + ", ";
    return code + "0]\n";
}

constexpr std::size_t kSmall = 20000;
constexpr std::size_t kLarge = 80000;

}  // namespace

BOOST_AUTO_TEST_SUITE(interpreter_load_cost)

// A whole token list (64 bytes a token, doubled while it grew) made this ~1.3 KB a statement.
BOOST_AUTO_TEST_CASE(statements_cost_a_small_constant_each) {
    const std::size_t small = compile_peak(statements(kSmall));
    const std::size_t large = compile_peak(statements(kLarge));
    BOOST_TEST_MESSAGE("peak " << small << " -> " << large);
    BOOST_TEST(large / kLarge < 400u, "bytes a statement: " << large / kLarge);
    // Linear: four times the statements, at most about four times the bytes.
    BOOST_TEST(large < small * 5, "peak " << small << " -> " << large);
}

BOOST_AUTO_TEST_CASE(blank_and_comment_lines_cost_nothing_that_grows) {
    const std::size_t blank = compile_peak(repeated("\n", kLarge));
    const std::size_t comment = compile_peak(repeated("# a remark about nothing\n", kLarge));
    BOOST_TEST(blank < 64u * 1024, "blank lines peak " << blank);
    BOOST_TEST(comment < 64u * 1024, "comment lines peak " << comment);
}

BOOST_AUTO_TEST_CASE(a_long_list_literal_costs_a_small_constant_an_element) {
    const std::size_t small = compile_peak(long_list(kSmall));
    const std::size_t large = compile_peak(long_list(kLarge));
    BOOST_TEST_MESSAGE("peak " << small << " -> " << large);
    BOOST_TEST(large / kLarge < 600u, "bytes an element: " << large / kLarge);
    BOOST_TEST(large < small * 5, "peak " << small << " -> " << large);
}

// The syntax tree's arena grows its chunks from 1 KiB: a request bigger than the next chunk (a
// long text literal early in a script) must get room of its own, not overrun the chunk. Every
// byte is written and read back, and the heap under it must still check whole.
BOOST_AUTO_TEST_CASE(the_tree_arena_holds_a_request_bigger_than_its_next_chunk) {
    glimmer::heap::Heap heap;
    glimmer::heap::HeapResource upstream(heap);
    {
        glimmer::interp::ast::NodeArena arena(&upstream);
        std::vector<std::pair<char*, std::size_t>> blocks;
        for (std::size_t bytes : {std::size_t{100}, std::size_t{4502}, std::size_t{900},
                                  std::size_t{3000}, std::size_t{20000}, std::size_t{64}}) {
            auto* p = static_cast<char*>(arena.allocate(bytes, 1));
            std::memset(p, static_cast<int>(blocks.size() + 1), bytes);
            blocks.emplace_back(p, bytes);
        }
        for (std::size_t i = 0; i < blocks.size(); ++i)
            for (std::size_t j = 0; j < blocks[i].second; ++j)
                BOOST_REQUIRE_EQUAL(blocks[i].first[j], static_cast<char>(i + 1));
        BOOST_TEST(heap.check() == GW_OK);
    }
    BOOST_TEST(heap.check() == GW_OK);
}

BOOST_AUTO_TEST_SUITE_END()
