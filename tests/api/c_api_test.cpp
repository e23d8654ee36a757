// c_api_test.cpp — the C API (interpreter/api/glimmer.h): every function, its status codes,
// gw_last_error with locations, NULL arguments, values, handles and host functions.
#include <pthread.h>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <glimmer/glimmer.h>

extern "C" int c_check_round_trip(char* printed);
extern "C" int c_check_heap(void);
extern "C" int c_check_chunk_source(void);

namespace {

// One engine per test, printing into `out`.
struct EngineFixture {
    EngineFixture() {
        gw_config c;
        gw_config_init(&c);
        c.output = [](void* user, const char* text, std::size_t n) {
            static_cast<std::string*>(user)->append(text, n);
        };
        c.output_user = &out;
        BOOST_REQUIRE(gw_engine_new(&c, &engine) == GW_STATUS_OK);
    }
    ~EngineFixture() { gw_engine_free(engine); }
    std::string display(const gw_value* v) {
        std::size_t n = gw_value_display(v, nullptr, 0);
        std::string s(n, '\0');
        gw_value_display(v, s.data(), n + 1);
        return s;
    }
    std::string out;
    gw_engine* engine = nullptr;
};

gw_status host_concat(gw_engine* e, void* user, const gw_value* const* args, std::size_t count,
                      gw_value** result) {
    auto* calls = static_cast<int*>(user);
    ++*calls;
    std::string joined;
    for (std::size_t i = 0; i < count; ++i) {
        const char* text;
        std::size_t len;
        if (gw_value_text(args[i], &text, &len) != GW_STATUS_OK) {
            return gw_raise(e, GW_KIND_TYPE_ERROR, "concat_all takes texts");
        }
        joined.append(text, len);
    }
    *result = gw_text_n(joined.data(), joined.size());
    return GW_STATUS_OK;
}

gw_status host_fails_quietly(gw_engine*, void*, const gw_value* const*, std::size_t, gw_value**) {
    return GW_STATUS_RUNTIME_ERROR;
}

// Calls back into the engine: the nested failure's kind comes out of the host function.
gw_status host_reenters(gw_engine* e, void*, const gw_value* const* args, std::size_t,
                        gw_value** result) {
    const char* code;
    if (gw_value_text(args[0], &code, nullptr) != GW_STATUS_OK) {
        return gw_raise(e, GW_KIND_TYPE_ERROR, "code must be text");
    }
    return gw_run(e, code, "<nested>", result);
}

// Re-enters the engine while the script's frame is live: a collection, a call into the script
// and a new host function, all from inside a host function.
gw_status host_busy(gw_engine* e, void*, const gw_value* const* args, std::size_t,
                    gw_value** result) {
    if (gw_collect_garbage(e) != GW_STATUS_OK) return gw_raise(e, GW_KIND_CUSTOM_ERROR, "gc");
    gw_status s = gw_register(e, "late", 0, host_fails_quietly, nullptr);
    if (s != GW_STATUS_OK) return s;
    return gw_call(e, "triple", args, 1, result);
}

// Returns the value its user pointer holds (a copy: the engine takes ownership of the result).
gw_status host_returns_user_value(gw_engine*, void* user, const gw_value* const*, std::size_t,
                                  gw_value** result) {
    *result = gw_value_copy(static_cast<const gw_value*>(user));
    return GW_STATUS_OK;
}

// Raises with the kind and message its user pointer names.
struct RaiseSpec {
    int kind;
    const char* message;
};
gw_status host_raises(gw_engine* e, void* user, const gw_value* const*, std::size_t, gw_value**) {
    auto* spec = static_cast<RaiseSpec*>(user);
    return gw_raise(e, static_cast<gw_error_kind>(spec->kind), spec->message);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(api)
BOOST_FIXTURE_TEST_SUITE(c_api, EngineFixture)

BOOST_AUTO_TEST_CASE(the_header_compiles_as_c_and_works_from_c) {
    char printed[256] = "";
    BOOST_TEST(c_check_round_trip(printed) == 0);
    BOOST_TEST(std::string(printed) == "6\n");
    BOOST_TEST(c_check_heap() == 0);
}

BOOST_AUTO_TEST_CASE(a_chunk_source_written_in_c_gets_every_chunk_back) {
    // Steps: host memory under the heap, handles keep it, refusal = OutOfMemory, refusal at
    // creation, one hook alone; the number is the step that failed.
    BOOST_TEST(c_check_chunk_source() == 0);
}

BOOST_AUTO_TEST_CASE(a_null_config_gives_the_defaults) {
    gw_engine* plain = nullptr;
    BOOST_REQUIRE(gw_engine_new(nullptr, &plain) == GW_STATUS_OK);
    gw_value* v = nullptr;
    BOOST_TEST(gw_run(plain, "6 * 7", nullptr, &v) == GW_STATUS_OK);
    BOOST_TEST(display(v) == "42");
    gw_value_free(v);
    gw_engine_free(plain);
    gw_config c;
    std::memset(&c, 0xff, sizeof c);
    gw_config_init(&c);
    BOOST_TEST(c.memory_limit == 0u);
    BOOST_TEST(c.step_limit == 0u);
    BOOST_TEST(c.output == nullptr);
    BOOST_TEST(c.chunk_alloc == nullptr);
    BOOST_TEST(c.chunk_free == nullptr);
    BOOST_TEST(c.chunk_user == nullptr);
    gw_config_init(nullptr);  // a no-op
}

BOOST_AUTO_TEST_CASE(run_file_runs_a_script_from_disk) {
    auto dir = std::filesystem::temp_directory_path() / "glimmer-c-api-run-file";
    std::filesystem::create_directories(dir);
    std::string path = (dir / "greet.gw").string();
    { std::ofstream(path) << "chant greet(n) then yield \"hi \" + n end\ngreet(\"file\")\n"; }
    gw_value* v = nullptr;
    BOOST_TEST(gw_run_file(engine, path.c_str(), &v) == GW_STATUS_OK);
    BOOST_TEST(display(v) == "hi file");
    gw_value_free(v);
    BOOST_TEST(gw_has_global(engine, "greet") == 1);
    { std::ofstream(path) << "\n  1 / 0\n"; }
    BOOST_TEST(gw_run_file(engine, path.c_str(), &v) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(v == nullptr);
    const char* file;
    std::uint32_t line;
    gw_last_error_location(engine, &file, &line, nullptr);
    BOOST_TEST(std::string(file) == path);
    BOOST_TEST(line == 2u);
    BOOST_TEST(gw_run_file(nullptr, path.c_str(), nullptr) == GW_STATUS_INVALID_ARGUMENT);
    std::filesystem::remove_all(dir);
}

// gw_config.module_root: NULL (gw_config_init's default) reads no module file at all.
BOOST_AUTO_TEST_CASE(summon_needs_a_module_root_from_the_host) {
    auto dir = std::filesystem::temp_directory_path() / "glimmer-c-api-modules";
    std::filesystem::create_directories(dir);
    { std::ofstream(dir / "m.gw") << "grove M with\n    bind x to 7\n    offer x\nend\n"; }
    const std::string code = "summon M from \"m.gw\"\nM.x";
    gw_config c;
    gw_config_init(&c);
    BOOST_TEST(c.module_root == nullptr);
    gw_engine* e = nullptr;
    BOOST_REQUIRE(gw_engine_new(&c, &e) == GW_STATUS_OK);
    BOOST_TEST(gw_run(e, code.c_str(), "main.gw", nullptr) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(std::string(gw_last_error(e)).find("reads no module files") != std::string::npos);
    gw_engine_free(e);
    std::string root = dir.string();
    c.module_root = root.c_str();
    BOOST_REQUIRE(gw_engine_new(&c, &e) == GW_STATUS_OK);
    root.assign("overwritten");  // the engine keeps its own copy
    gw_value* result = nullptr;
    double x = 0;
    BOOST_TEST(gw_run(e, code.c_str(), "main.gw", &result) == GW_STATUS_OK);
    BOOST_TEST(gw_value_number(result, &x) == GW_STATUS_OK);
    BOOST_TEST(x == 7);
    gw_value_free(result);
    gw_engine_free(e);
    std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(a_failed_evaluate_hands_out_nothing) {
    gw_handle* h = reinterpret_cast<gw_handle*>(&out);  // must come back NULL
    BOOST_TEST(gw_evaluate(engine, "bind", "e.gw", &h) == GW_STATUS_SYNTAX_ERROR);
    BOOST_TEST(h == nullptr);
    BOOST_TEST(gw_evaluate(engine, "ghost", "e.gw", &h) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_UNDEFINED_VARIABLE);
    BOOST_TEST(h == nullptr);
    BOOST_TEST(gw_evaluate(nullptr, "1", nullptr, &h) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_evaluate(engine, nullptr, nullptr, &h) == GW_STATUS_INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_CASE(values_of_the_wrong_type_are_refused) {
    // A script function handed an unconvertible value (a function, through a handle copy).
    gw_handle* f = nullptr;
    BOOST_REQUIRE(gw_evaluate(engine, "chant id(x) then yield x end\nid", nullptr, &f) ==
                  GW_STATUS_OK);
    gw_value* other = nullptr;
    BOOST_REQUIRE(gw_handle_value(f, &other) == GW_STATUS_OK);
    BOOST_TEST(gw_value_type(other) == GW_TYPE_OTHER);
    BOOST_TEST(display(other) == "<function>");
    const gw_value* args[] = {other};
    gw_value* got = nullptr;
    BOOST_TEST(gw_call(engine, "id", args, 1, &got) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_TYPE_ERROR);
    BOOST_TEST(got == nullptr);
    BOOST_TEST(gw_set_global(engine, "g", other) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_TYPE_ERROR);
    // ... and one returned by a host function.
    BOOST_TEST(gw_register(engine, "gives_other", 0, host_returns_user_value, other) ==
               GW_STATUS_OK);
    BOOST_TEST(gw_run(engine, "gives_other()", "o.gw", nullptr) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_TYPE_ERROR);
    // A script function called with a Number where it does arithmetic on a Text.
    BOOST_TEST(gw_run(engine, "chant shout(t) then yield t + \"!\" end", nullptr, nullptr) ==
               GW_STATUS_OK);
    gw_value* n = gw_number(1);
    args[0] = n;
    BOOST_TEST(gw_call(engine, "shout", args, 1, &got) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_TYPE_ERROR);
    // Readers and builders on the wrong types or with NULL outputs.
    const char* text = nullptr;
    std::size_t size = 0;
    gw_value* item = nullptr;
    const char* key = nullptr;
    BOOST_TEST(gw_value_text(n, nullptr, nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_value_text(nullptr, &text, nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_value_truth(nullptr, nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_list_length(nullptr, &size) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_list_get(n, 0, &item) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_map_size(n, &size) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_map_get(n, "k", &item) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_map_entry(n, 0, &key, &item) == GW_STATUS_INVALID_ARGUMENT);
    gw_value* map = gw_map_new();
    BOOST_TEST(gw_map_set(map, nullptr, n) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_map_set(map, "k", nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_map_set(map, "k", map) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_map_get(map, nullptr, &item) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_map_entry(map, 0, nullptr, &item) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_list_push(map, n) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(item == nullptr);
    gw_handle_free(f);
    for (gw_value* v : {other, n, map})
        gw_value_free(v);
}

BOOST_AUTO_TEST_CASE(a_host_function_may_reenter_the_engine_mid_script) {
    BOOST_TEST(gw_run(engine, "chant triple(x) then yield 3 * x end", nullptr, nullptr) ==
               GW_STATUS_OK);
    BOOST_TEST(gw_register(engine, "busy", 1, host_busy, nullptr) == GW_STATUS_OK);
    // Live values in the script's frame survive the collection the host function runs.
    gw_value* v = nullptr;
    BOOST_TEST(gw_run(engine,
                      "bind keep to [\"a\" + to_text(1), {k: [2]}]\n"
                      "bind r to busy(14)\n"
                      "[keep, r]",
                      nullptr, &v) == GW_STATUS_OK);
    BOOST_TEST(display(v) == "[[\"a1\", {k: [2]}], 42]");
    gw_value_free(v);
    BOOST_TEST(gw_has_global(engine, "late") == 1);  // registered from inside
    // The nested call's failure comes out with its own kind and where it happened: in
    // triple, which busy called, not at busy's call site in b.gw.
    BOOST_TEST(gw_run(engine, "busy(\"x\")", "b.gw", nullptr) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_TYPE_ERROR);
    BOOST_TEST(std::string(gw_last_error(engine)).rfind("<string>:1:", 0) == 0u,
               gw_last_error(engine));
}

BOOST_AUTO_TEST_CASE(gw_raise_picks_the_kind_and_message_the_script_sees) {
    RaiseSpec spec{GW_KIND_INDEX_OUT_OF_BOUNDS, "no such slot"};
    BOOST_TEST(gw_register(engine, "raises", 0, host_raises, &spec) == GW_STATUS_OK);
    BOOST_TEST(gw_run(engine, "raises()", nullptr, nullptr) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_INDEX_OUT_OF_BOUNDS);
    BOOST_TEST(std::string(gw_last_error(engine)).find("IndexOutOfBounds: no such slot") !=
               std::string::npos);
    // A NULL message gets a default; a kind outside the enum is a CustomError.
    spec = {GW_KIND_TYPE_ERROR, nullptr};
    BOOST_TEST(gw_run(engine, "raises()", nullptr, nullptr) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_TYPE_ERROR);
    BOOST_TEST(std::string(gw_last_error(engine)).find("host function failed") !=
               std::string::npos);
    for (int kind : {static_cast<int>(GW_KIND_NONE), 999}) {
        spec = {kind, "odd"};
        BOOST_TEST(gw_run(engine, "raises()", nullptr, nullptr) == GW_STATUS_RUNTIME_ERROR);
        BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_CUSTOM_ERROR);
    }
    // Outside a host function it is a misuse, reported as such, and has no effect: not on the
    // next run, nor on the next host function that fails without choosing an error.
    BOOST_TEST(gw_raise(engine, GW_KIND_TYPE_ERROR, "x") == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_INVALID_ARGUMENT);
    BOOST_TEST(std::string(gw_last_error(engine)) ==
               "InvalidArgument: gw_raise: called outside a host function");
    BOOST_TEST(gw_run(engine, "1 + 1", nullptr, nullptr) == GW_STATUS_OK);
    BOOST_TEST(gw_raise(engine, GW_KIND_TYPE_ERROR, "stale") == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_register(engine, "quiet", 0, host_fails_quietly, nullptr) == GW_STATUS_OK);
    BOOST_TEST(gw_run(engine, "quiet()", nullptr, nullptr) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_CUSTOM_ERROR);
}

BOOST_AUTO_TEST_CASE(bad_names_are_invalid_arguments) {
    gw_value* n = gw_number(1);
    BOOST_TEST(gw_set_global(engine, "9lives", n) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_set_global(engine, "", n) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_register(engine, "", 0, host_fails_quietly, nullptr) ==
               GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_INVALID_ARGUMENT);
    BOOST_TEST(gw_has_global(engine, "9lives") == 0);
    gw_value* result = n;  // must come back NULL
    BOOST_TEST(gw_call(engine, "", nullptr, 0, &result) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_INVALID_ARGUMENT);
    BOOST_TEST(result == nullptr);
    BOOST_TEST(gw_call(engine, "", nullptr, 0, nullptr) == GW_STATUS_INVALID_ARGUMENT);
    gw_value* got = n;  // must come back NULL
    BOOST_TEST(gw_get_global(engine, "", &got) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(got == nullptr);
    gw_value_free(n);
    char text[6];
    gw_handle* h = nullptr;
    BOOST_REQUIRE(gw_evaluate(engine, "\"long text\"", nullptr, &h) == GW_STATUS_OK);
    BOOST_TEST(gw_handle_display(h, text, sizeof text) == 9u);
    BOOST_TEST(std::string(text) == "long ");
    gw_handle_free(h);
}

BOOST_AUTO_TEST_CASE(run_returns_values_and_prints_to_the_sink) {
    gw_value* v = nullptr;
    BOOST_TEST(gw_run(engine, "println(\"hi\")\n[1, \"a\", {k: true}]", nullptr, &v) ==
               GW_STATUS_OK);
    BOOST_TEST(out == "hi\n");
    BOOST_TEST(gw_value_type(v) == GW_TYPE_LIST);
    BOOST_TEST(display(v) == "[1, \"a\", {k: true}]");
    std::size_t n = 0;
    BOOST_TEST(gw_list_length(v, &n) == GW_STATUS_OK);
    BOOST_TEST(n == 3u);
    gw_value* item = nullptr;
    BOOST_TEST(gw_list_get(v, 2, &item) == GW_STATUS_OK);
    BOOST_TEST(gw_value_type(item) == GW_TYPE_MAP);
    gw_value* inner = nullptr;
    BOOST_TEST(gw_map_get(item, "k", &inner) == GW_STATUS_OK);
    int truth = 0;
    BOOST_TEST(gw_value_truth(inner, &truth) == GW_STATUS_OK);
    BOOST_TEST(truth == 1);
    gw_value_free(item);
    BOOST_TEST(gw_list_get(v, 3, &item) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(item == nullptr);
    gw_value_free(inner);
    gw_value_free(v);
    BOOST_TEST(gw_run(engine, "1", "x", nullptr) == GW_STATUS_OK);  // result optional
}

BOOST_AUTO_TEST_CASE(errors_have_status_kind_text_and_location) {
    BOOST_TEST(std::string(gw_last_error(engine)) == "");
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_NONE);
    BOOST_TEST(gw_run(engine, "bind x to 1\nbind 5 to x", "bad.gw", nullptr) ==
               GW_STATUS_SYNTAX_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_SYNTAX_ERROR);
    BOOST_TEST(std::string(gw_last_error(engine)).rfind("bad.gw:2:6: Syntax error", 0) == 0u);
    BOOST_TEST(std::string(gw_last_error(engine)).find("Syntax error: Syntax error") ==
               std::string::npos);
    const char* file;
    std::uint32_t line, column;
    gw_last_error_location(engine, &file, &line, &column);
    BOOST_TEST(std::string(file) == "bad.gw");
    BOOST_TEST(line == 2u);
    BOOST_TEST(column == 6u);

    BOOST_TEST(gw_run(engine, "bind a to [1]\na[5]", "idx.gw", nullptr) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_INDEX_OUT_OF_BOUNDS);
    BOOST_TEST(std::string(gw_last_error(engine)).rfind("idx.gw:2:", 0) == 0u);
    BOOST_TEST(std::string(gw_last_error(engine)).find("Runtime error: IndexOutOfBounds") !=
               std::string::npos);
    // A success clears it.
    BOOST_TEST(gw_run(engine, "1", nullptr, nullptr) == GW_STATUS_OK);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_NONE);
    gw_last_error_location(engine, nullptr, &line, nullptr);
    BOOST_TEST(line == 0u);
}

BOOST_AUTO_TEST_CASE(null_arguments_are_invalid_never_a_crash) {
    gw_value* v = gw_number(1);
    const gw_value* args[] = {v, nullptr};
    gw_value* out_value = nullptr;
    gw_handle* out_handle = nullptr;
    BOOST_TEST(gw_engine_new(nullptr, nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_run(nullptr, "1", nullptr, nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_run(engine, nullptr, nullptr, nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_INVALID_ARGUMENT);
    BOOST_TEST(std::string(gw_last_error(engine)).find("code is NULL") != std::string::npos);
    BOOST_TEST(gw_run_file(engine, nullptr, nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_evaluate(engine, "1", nullptr, nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_call(engine, nullptr, nullptr, 0, nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_call(engine, "println", nullptr, 2, nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_call(engine, "println", args, 2, nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(std::string(gw_last_error(engine)).find("args[1] is NULL") != std::string::npos);
    // Each message names the C function that refused (some said only "args is NULL ..." or
    // "call: ...").
    auto named = [&](gw_status s, const std::string& call) {
        BOOST_TEST_INFO(call << ": " << gw_last_error(engine));
        BOOST_TEST(s == GW_STATUS_INVALID_ARGUMENT);
        BOOST_TEST(std::string(gw_last_error(engine)).find(call + ": ") != std::string::npos);
    };
    named(gw_call(engine, "println", nullptr, 2, nullptr), "gw_call");
    named(gw_call(engine, "println", args, 2, nullptr), "gw_call");
    named(gw_call(engine, "", nullptr, 0, nullptr), "gw_call");
    named(gw_call(engine, nullptr, nullptr, 0, nullptr), "gw_call");
    gw_handle* callee = nullptr;
    BOOST_REQUIRE(gw_global_handle(engine, "println", &callee) == GW_STATUS_OK);
    named(gw_call_handle(engine, callee, nullptr, 1, nullptr), "gw_call_handle");
    named(gw_call_handle(engine, callee, args, 2, nullptr), "gw_call_handle");
    named(gw_call_handle(engine, nullptr, nullptr, 0, nullptr), "gw_call_handle");
    gw_handle_free(callee);
    named(gw_run(engine, nullptr, nullptr, nullptr), "gw_run");
    named(gw_run_file(engine, nullptr, nullptr), "gw_run_file");
    named(gw_evaluate(engine, "1", nullptr, nullptr), "gw_evaluate");
    named(gw_get_global(engine, nullptr, &out_value), "gw_get_global");
    named(gw_global_handle(engine, "x", nullptr), "gw_global_handle");
    named(gw_set_global(engine, "x", nullptr), "gw_set_global");
    named(gw_register(engine, "f", 0, nullptr, nullptr), "gw_register");
    named(gw_memory_stats_get(engine, nullptr), "gw_memory_stats_get");
    BOOST_TEST(gw_call_handle(engine, nullptr, nullptr, 0, nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_get_global(engine, nullptr, &out_value) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_get_global(engine, "x", nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_global_handle(engine, "x", nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_set_global(engine, "x", nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_set_global(engine, nullptr, v) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_has_global(nullptr, "x") == 0);
    BOOST_TEST(gw_has_global(engine, nullptr) == 0);
    BOOST_TEST(gw_register(engine, nullptr, 0, host_fails_quietly, nullptr) ==
               GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_register(engine, "f", 0, nullptr, nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_register(engine, "bad name", 0, host_fails_quietly, nullptr) ==
               GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_register(engine, "f", -7, host_fails_quietly, nullptr) ==
               GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_raise(nullptr, GW_KIND_TYPE_ERROR, "x") == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_memory_stats_get(engine, nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_memory_stats_get(nullptr, nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_set_step_limit(nullptr, 1) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_collect_garbage(nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(std::string(gw_last_error(nullptr)) == "no engine");  // as glimmer.h says
    BOOST_TEST(gw_last_error_kind(nullptr) == GW_KIND_NONE);
    gw_last_error_location(nullptr, nullptr, nullptr, nullptr);
    // Value functions.
    BOOST_TEST(gw_text(nullptr) == nullptr);
    BOOST_TEST(gw_text_n(nullptr, 3) == nullptr);
    BOOST_TEST(gw_value_copy(nullptr) == nullptr);
    BOOST_TEST(gw_value_type(nullptr) == GW_TYPE_NOTHING);
    double d;
    BOOST_TEST(gw_value_number(nullptr, &d) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_value_number(v, nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_list_push(nullptr, v) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_map_set(nullptr, "k", v) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_handle_value(nullptr, &out_value) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_value_display(nullptr, nullptr, 0) == 7u);  // "nothing"
    BOOST_TEST(gw_handle_display(nullptr, nullptr, 0) == 0u);
    gw_value_free(nullptr);
    gw_handle_free(nullptr);
    gw_engine_free(nullptr);
    BOOST_TEST(out_handle == nullptr);
    gw_value_free(v);
}

BOOST_AUTO_TEST_CASE(values_are_built_read_and_checked_for_type) {
    gw_value* list = gw_list_new();
    gw_value* map = gw_map_new();
    gw_value* n = gw_number(2.5);
    gw_value* t = gw_text("tx");
    gw_value* yes = gw_truth(7);
    gw_value* none = gw_nothing();
    for (int i = 0; i < 1000; ++i)
        BOOST_REQUIRE(gw_list_push(list, n) == GW_STATUS_OK);
    BOOST_TEST(gw_list_push(list, list) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_list_push(n, t) == GW_STATUS_INVALID_ARGUMENT);  // not a list
    BOOST_TEST(gw_map_set(map, "b", t) == GW_STATUS_OK);
    BOOST_TEST(gw_map_set(map, "a", yes) == GW_STATUS_OK);
    BOOST_TEST(gw_map_set(map, "n", none) == GW_STATUS_OK);
    BOOST_TEST(gw_map_set(t, "a", yes) == GW_STATUS_INVALID_ARGUMENT);  // not a map
    std::size_t size = 0;
    BOOST_TEST(gw_list_length(list, &size) == GW_STATUS_OK);
    BOOST_TEST(size == 1000u);
    BOOST_TEST(gw_list_push(list, t) == GW_STATUS_OK);  // push after a read
    BOOST_TEST(gw_list_length(list, &size) == GW_STATUS_OK);
    BOOST_TEST(size == 1001u);
    BOOST_TEST(gw_map_size(map, &size) == GW_STATUS_OK);
    BOOST_TEST(size == 3u);
    const char* key;
    gw_value* entry = nullptr;
    BOOST_TEST(gw_map_entry(map, 0, &key, &entry) == GW_STATUS_OK);
    BOOST_TEST(std::string(key) == "a");
    BOOST_TEST(gw_value_type(entry) == GW_TYPE_TRUTH);
    gw_value_free(entry);
    BOOST_TEST(gw_map_entry(map, 3, &key, &entry) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_map_get(map, "zz", &entry) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(display(map) == "{a: true, b: \"tx\", n: nothing}");
    // Type checks on every reader.
    double d;
    int b;
    const char* s;
    BOOST_TEST(gw_value_number(t, &d) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_value_truth(n, &b) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_value_text(n, &s, nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_list_length(map, &size) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_map_size(list, &size) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_value_truth(yes, &b) == GW_STATUS_OK);
    BOOST_TEST(b == 1);
    std::size_t len = 0;
    gw_value* bytes = gw_text_n("a\0b", 3);
    BOOST_TEST(gw_value_text(bytes, &s, &len) == GW_STATUS_OK);
    BOOST_TEST(len == 3u);
    // Through the script and back.
    BOOST_TEST(gw_run(engine, "chant echo(v) then yield v end", nullptr, nullptr) == GW_STATUS_OK);
    const gw_value* args[] = {map};
    gw_value* back = nullptr;
    BOOST_TEST(gw_call(engine, "echo", args, 1, &back) == GW_STATUS_OK);
    BOOST_TEST(display(back) == display(map));
    gw_value* copy = gw_value_copy(list);
    BOOST_TEST(display(copy) == display(list));
    // Display truncates like snprintf.
    char small[4];
    BOOST_TEST(gw_value_display(map, small, sizeof small) == display(map).size());
    BOOST_TEST(std::string(small) == "{a:");
    for (gw_value* v : {list, map, n, t, yes, none, bytes, back, copy})
        gw_value_free(v);
}

BOOST_AUTO_TEST_CASE(host_functions_are_called_and_their_failures_are_script_errors) {
    int calls = 0;
    BOOST_TEST(gw_register(engine, "concat_all", -1, host_concat, &calls) == GW_STATUS_OK);
    BOOST_TEST(gw_register(engine, "quiet", 0, host_fails_quietly, nullptr) == GW_STATUS_OK);
    gw_value* v = nullptr;
    BOOST_TEST(gw_run(engine, "concat_all(\"a\", \"b\", \"c\")", nullptr, &v) == GW_STATUS_OK);
    const char* s;
    BOOST_TEST(gw_value_text(v, &s, nullptr) == GW_STATUS_OK);
    BOOST_TEST(std::string(s) == "abc");
    gw_value_free(v);
    BOOST_TEST(calls == 1);
    BOOST_TEST(gw_run(engine, "concat_all(\"a\", 1)", "h.gw", nullptr) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_TYPE_ERROR);
    BOOST_TEST(std::string(gw_last_error(engine)).rfind("h.gw:1:", 0) == 0u);
    BOOST_TEST(std::string(gw_last_error(engine))
                   .find(": Runtime error: TypeError: concat_all "
                         "takes texts") != std::string::npos);
    BOOST_TEST(gw_run(engine, "quiet()", nullptr, nullptr) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_CUSTOM_ERROR);
    BOOST_TEST(std::string(gw_last_error(engine)).find("'quiet' failed with status 2") !=
               std::string::npos);
    BOOST_TEST(gw_run(engine, "quiet(1)", nullptr, nullptr) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_ARITY_MISMATCH);
    // Scripts catch host failures.
    BOOST_TEST(gw_run(engine,
                      "weave r as 0\nattempt\n  quiet()\nharmonize on CustomError then\n  set r "
                      "to 1\nend\nr",
                      nullptr, &v) == GW_STATUS_OK);
    double d = 0;
    BOOST_TEST(gw_value_number(v, &d) == GW_STATUS_OK);
    BOOST_TEST(d == 1);
    gw_value_free(v);
}

BOOST_AUTO_TEST_CASE(host_functions_reenter_and_pass_nested_failures_on) {
    BOOST_TEST(gw_register(engine, "nested", 1, host_reenters, nullptr) == GW_STATUS_OK);
    gw_value* v = nullptr;
    BOOST_TEST(gw_run(engine, "nested(\"nested(\\\"40 + 2\\\")\")", nullptr, &v) == GW_STATUS_OK);
    double d = 0;
    BOOST_TEST(gw_value_number(v, &d) == GW_STATUS_OK);
    BOOST_TEST(d == 42);
    gw_value_free(v);
    BOOST_TEST(gw_run(engine, "nested(\"1 / 0\")", "outer.gw", nullptr) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_DIVISION_BY_ZERO);
    // Where it happened, inside the nested run, not the host function's call site (outer.gw:1).
    const char* file = nullptr;
    std::uint32_t line = 0, column = 0;
    gw_last_error_location(engine, &file, &line, &column);
    BOOST_TEST(std::string(file) == "<nested>");  // the name host_reenters gives its run
    BOOST_TEST(line == 1u);
    BOOST_TEST(column == 3u);
    BOOST_TEST(gw_run(engine, "nested(\"bind\")", "outer.gw", nullptr) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_CUSTOM_ERROR);  // a syntax error inside
}

// A host function that recovers from a failed nested call: the outer call succeeds, and
// gw_last_error must not go on reporting the nested failure as if it were the outer one's.
gw_status host_swallows_a_failure(gw_engine* e, void*, const gw_value* const*, std::size_t,
                                  gw_value** result) {
    if (gw_run(e, "1 / 0", "inner.gw", nullptr) != GW_STATUS_OK) *result = gw_number(-1);
    return GW_STATUS_OK;
}

BOOST_AUTO_TEST_CASE(a_nested_failure_the_host_recovered_from_is_not_the_last_error) {
    BOOST_TEST(gw_register(engine, "swallow", 0, host_swallows_a_failure, nullptr) == GW_STATUS_OK);
    gw_value* v = nullptr;
    BOOST_TEST(gw_run(engine, "swallow()", "outer.gw", &v) == GW_STATUS_OK);
    double d = 0;
    BOOST_TEST(gw_value_number(v, &d) == GW_STATUS_OK);
    BOOST_TEST(d == -1);  // the nested run did fail
    gw_value_free(v);
    BOOST_TEST(std::string(gw_last_error(engine)).empty());
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_NONE);
    const char* file = "x";
    std::uint32_t line = 9;
    gw_last_error_location(engine, &file, &line, nullptr);
    BOOST_TEST(std::string(file).empty());
    BOOST_TEST(line == 0u);
}

// Reading a list or map while it is being built (its length after each push) must not undo
// the amortised O(1) push: each read folded the builder, and the next push copied the whole
// list again (40,000 items took 6 s, 100,000 would take about 40 s; linear, milliseconds).
// Asserted as complexity, not time: four times the items may take about four times as long
// (quadratic building took sixteen). Measured in this thread's CPU time, the fastest of three
// runs of each size: wall time on a loaded machine (two test processes per core) once made
// the larger size look eight times slower.
namespace {

double thread_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

struct Built {
    gw_value* list = nullptr;
    double seconds = 0;
    bool all_ok = true;
};

Built build_reading_between_pushes(std::size_t items) {
    Built b;
    b.list = gw_list_new();
    gw_value* map = gw_map_new();
    gw_value* item = gw_number(1);
    const double start = thread_cpu_seconds();
    for (std::size_t i = 0; i < items; ++i) {
        std::size_t n = 0;
        gw_value* last = nullptr;
        b.all_ok &= gw_list_push(b.list, item) == GW_STATUS_OK;
        b.all_ok &= gw_list_length(b.list, &n) == GW_STATUS_OK && n == i + 1;
        b.all_ok &= gw_list_get(b.list, i, &last) == GW_STATUS_OK;
        gw_value_free(last);
        if (i % 5 == 0) {  // maps too (std::map: log n per set), on a fifth of the steps
            const std::string key = "k" + std::to_string(i);
            b.all_ok &= gw_map_set(map, key.c_str(), item) == GW_STATUS_OK;
            b.all_ok &= gw_map_size(map, &n) == GW_STATUS_OK && n == i / 5 + 1;
            const char* first = nullptr;
            b.all_ok &= gw_map_entry(map, 0, &first, &last) == GW_STATUS_OK;
            gw_value_free(last);
            b.all_ok &= gw_map_get(map, key.c_str(), &last) == GW_STATUS_OK;
            gw_value_free(last);
        }
    }
    b.seconds = thread_cpu_seconds() - start;
    gw_value_free(item);
    gw_value_free(map);
    return b;
}

double fastest_build(std::size_t items) {
    double best = 0;
    for (int run = 0; run < 3; ++run) {
        Built b = build_reading_between_pushes(items);
        BOOST_TEST(b.all_ok);
        best = run == 0 ? b.seconds : std::min(best, b.seconds);
        gw_value_free(b.list);
    }
    return best;
}

}  // namespace

BOOST_AUTO_TEST_CASE(reading_a_list_between_pushes_keeps_building_linear) {
    constexpr std::size_t kItems = 40000;
    const double small = fastest_build(kItems / 4), large = fastest_build(kItems);
    BOOST_TEST(large < 8 * std::max(small, 1e-3), "large " << large << " s, small " << small);
    // The built values are whole: the engine sees every item.
    Built b = build_reading_between_pushes(kItems);
    BOOST_TEST(b.all_ok);
    BOOST_TEST(gw_run(engine, "chant len(l) then yield list_length(l) end", nullptr, nullptr) ==
               GW_STATUS_OK);
    gw_value* result = nullptr;
    const gw_value* args[] = {b.list};
    double len = 0;
    BOOST_TEST(gw_call(engine, "len", args, 1, &result) == GW_STATUS_OK);
    BOOST_TEST(gw_value_number(result, &len) == GW_STATUS_OK);
    BOOST_TEST(len == static_cast<double>(kItems));
    gw_value_free(result);
    gw_value_free(b.list);
}

BOOST_AUTO_TEST_CASE(globals_calls_and_handles) {
    gw_value* n = gw_number(4);
    BOOST_TEST(gw_set_global(engine, "base", n) == GW_STATUS_OK);
    BOOST_TEST(gw_has_global(engine, "base") == 1);
    BOOST_TEST(gw_has_global(engine, "nope") == 0);
    gw_value* got = nullptr;
    BOOST_TEST(gw_get_global(engine, "base", &got) == GW_STATUS_OK);
    BOOST_TEST(display(got) == "4");
    gw_value_free(got);
    BOOST_TEST(gw_get_global(engine, "nope", &got) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_UNDEFINED_VARIABLE);

    gw_handle* adder = nullptr;
    BOOST_TEST(gw_evaluate(engine, "chant add(x) then yield x + base end\nadd", nullptr, &adder) ==
               GW_STATUS_OK);
    BOOST_TEST(gw_collect_garbage(engine) == GW_STATUS_OK);
    char text[32];
    BOOST_TEST(gw_handle_display(adder, text, sizeof text) == 10u);
    BOOST_TEST(std::string(text) == "<function>");
    const gw_value* args[] = {n};
    BOOST_TEST(gw_call_handle(engine, adder, args, 1, &got) == GW_STATUS_OK);
    BOOST_TEST(display(got) == "8");
    gw_value_free(got);
    BOOST_TEST(gw_call(engine, "add", args, 1, &got) == GW_STATUS_OK);
    gw_value_free(got);
    BOOST_TEST(gw_call(engine, "missing", nullptr, 0, &got) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_UNDEFINED_VARIABLE);
    BOOST_TEST(gw_call(engine, "add", nullptr, 0, &got) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_ARITY_MISMATCH);
    gw_value* fcopy = nullptr;
    BOOST_TEST(gw_handle_value(adder, &fcopy) == GW_STATUS_OK);
    BOOST_TEST(gw_value_type(fcopy) == GW_TYPE_OTHER);
    gw_value_free(fcopy);
    gw_handle* g = nullptr;
    BOOST_TEST(gw_global_handle(engine, "base", &g) == GW_STATUS_OK);
    BOOST_TEST(gw_call_handle(engine, g, nullptr, 0, &got) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_NOT_CALLABLE);
    gw_handle_free(g);
    BOOST_TEST(gw_global_handle(engine, "nope", &g) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(g == nullptr);
    gw_handle_free(adder);
    gw_value_free(n);
}

BOOST_AUTO_TEST_CASE(limits_through_the_c_api) {
    gw_config c;
    gw_config_init(&c);
    c.memory_limit = 4u << 20;
    c.step_limit = 10000;
    gw_engine* limited = nullptr;
    BOOST_REQUIRE(gw_engine_new(&c, &limited) == GW_STATUS_OK);
    BOOST_TEST(gw_run(limited, "whilst true then end", "spin.gw", nullptr) == GW_STATUS_STEP_LIMIT);
    BOOST_TEST(gw_last_error_kind(limited) == GW_KIND_STEP_LIMIT_EXCEEDED);
    BOOST_TEST(gw_set_step_limit(limited, 0) == GW_STATUS_OK);
    BOOST_TEST(gw_run(limited,
                      // In a chant: the list is garbage once the error unwinds (a global
                      // would keep it, and its memory, for the next run).
                      "chant hog() then\n  weave xs as []\n"
                      "  whilst true then set xs to list_push(xs, [1, 2]) end\nend\nhog()",
                      "hog.gw", nullptr) == GW_STATUS_OUT_OF_MEMORY);
    BOOST_TEST(gw_last_error_kind(limited) == GW_KIND_OUT_OF_MEMORY);
    gw_memory_stats m;
    BOOST_TEST(gw_memory_stats_get(limited, &m) == GW_STATUS_OK);
    BOOST_TEST(m.peak_footprint_bytes <= c.memory_limit);
    gw_value* v = nullptr;
    BOOST_TEST(gw_run(limited, "2 + 3", nullptr, &v) == GW_STATUS_OK);
    BOOST_TEST(display(v) == "5");
    gw_value_free(v);
    BOOST_TEST(gw_run_file(limited, "/nonexistent/dir/x.gw", nullptr) == GW_STATUS_IO_ERROR);
    BOOST_TEST(gw_last_error_kind(limited) == GW_KIND_IO_ERROR);
    gw_engine_free(limited);
}

// A C host function whose nested gw_run hits the step limit and that returns OK regardless:
// the outer gw_run still ends with GW_STATUS_STEP_LIMIT (it returned OK with a result).
gw_status host_ignores_the_step_limit(gw_engine* e, void* user, const gw_value* const*, std::size_t,
                                      gw_value** result) {
    *static_cast<gw_status*>(user) = gw_run(e, "whilst true then end", "spin.gw", nullptr);
    *result = gw_number(1);
    return GW_STATUS_OK;
}

BOOST_AUTO_TEST_CASE(a_host_function_cannot_swallow_the_step_limit) {
    gw_config c;
    gw_config_init(&c);
    c.step_limit = 1000;
    gw_engine* limited = nullptr;
    BOOST_REQUIRE(gw_engine_new(&c, &limited) == GW_STATUS_OK);
    gw_status nested = GW_STATUS_OK;
    BOOST_TEST(gw_register(limited, "ignore", 0, host_ignores_the_step_limit, &nested) ==
               GW_STATUS_OK);
    gw_value* v = nullptr;
    BOOST_TEST(gw_run(limited, "ignore() + 1", "outer.gw", &v) == GW_STATUS_STEP_LIMIT);
    BOOST_TEST(v == nullptr);
    BOOST_TEST(nested == GW_STATUS_STEP_LIMIT);
    BOOST_TEST(gw_last_error_kind(limited) == GW_KIND_STEP_LIMIT_EXCEEDED);
    BOOST_TEST(gw_run(limited, "2 + 3", nullptr, &v) == GW_STATUS_OK);
    BOOST_TEST(display(v) == "5");
    gw_value_free(v);
    gw_engine_free(limited);
}

// A host thread with a 256 KiB stack: nesting the parser's max_depth (1000) allows would
// overflow it (an outside tester's host crashed at 700 brackets). The parser and the compiler
// stop where the thread's stack runs short, with a syntax error, and the engine goes on.
BOOST_AUTO_TEST_CASE(deep_nesting_on_a_small_host_thread_is_a_syntax_error) {
    struct Job {
        std::string code;
        gw_status status = GW_STATUS_OK;
        std::string error;
        gw_status after = GW_STATUS_RUNTIME_ERROR;
    };
    for (const char* open_close : {"()", "[]"}) {
        Job job;
        job.code = std::string(999, open_close[0]) + "1" + std::string(999, open_close[1]);
        // The test's own stack: pthread_attr_setstacksize may get a larger cached one.
        constexpr std::size_t kStackBytes = 256 * 1024;
        std::unique_ptr<void, decltype(&std::free)> stack(std::aligned_alloc(4096, kStackBytes),
                                                          &std::free);
        BOOST_TEST_REQUIRE(stack != nullptr);
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstack(&attr, stack.get(), kStackBytes);
        pthread_t thread;
        BOOST_TEST_REQUIRE(pthread_create(
                               &thread, &attr,
                               [](void* p) -> void* {
                                   auto* j = static_cast<Job*>(p);
                                   gw_engine* e = nullptr;
                                   if (gw_engine_new(nullptr, &e) != GW_STATUS_OK) return nullptr;
                                   j->status = gw_run(e, j->code.c_str(), "deep.gw", nullptr);
                                   j->error = gw_last_error(e);
                                   j->after = gw_run(e, "(((1)))", nullptr, nullptr);
                                   gw_engine_free(e);
                                   return nullptr;
                               },
                               &job) == 0);
        pthread_join(thread, nullptr);
        pthread_attr_destroy(&attr);
        BOOST_TEST(job.status == GW_STATUS_SYNTAX_ERROR);
        BOOST_TEST(job.error.find("nesting too deep for this thread's stack") != std::string::npos,
                   job.error);
        BOOST_TEST(job.after == GW_STATUS_OK);
    }
}

// gw_engine_free from a host function on its own engine (an outside tester's host ended in
// glibc's "double free detected"): the engine lives until the outermost call returns, which
// then frees it once. ASan and valgrind see any use after that.
BOOST_AUTO_TEST_CASE(a_host_function_may_free_its_own_engine) {
    gw_engine* own = nullptr;
    BOOST_TEST_REQUIRE(gw_engine_new(nullptr, &own) == GW_STATUS_OK);
    int calls = 0;
    BOOST_TEST(gw_register(
                   own, "free_me", 0,
                   [](gw_engine* e, void* user, const gw_value* const*, std::size_t,
                      gw_value** result) -> gw_status {
                       ++*static_cast<int*>(user);
                       gw_engine_free(e);
                       *result = gw_number(1);
                       return GW_STATUS_OK;
                   },
                   &calls) == GW_STATUS_OK);
    BOOST_TEST(gw_run(own, "bind x to free_me()\nx + 1", nullptr, nullptr) == GW_STATUS_OK);
    BOOST_TEST(calls == 1);
    // `own` is gone now; nothing may touch it.
}

namespace {

// hrec(n): calls itself through gw_call (user NULL) or through a handle on itself, down to 0.
gw_status host_recurse(gw_engine* e, void* user, const gw_value* const* args, std::size_t,
                       gw_value** result) {
    double n = 0;
    if (gw_value_number(args[0], &n) != GW_STATUS_OK) return gw_raise(e, GW_KIND_TYPE_ERROR, "n");
    if (n <= 0) return GW_STATUS_OK;
    gw_value* next = gw_number(n - 1);
    const gw_value* next_args[] = {next};
    auto* self = static_cast<gw_handle*>(user);
    gw_status s = self ? gw_call_handle(e, self, next_args, 1, result)
                       : gw_call(e, "hrec", next_args, 1, result);
    gw_value_free(next);
    return s;
}

// Runs `body` on a thread with a 512 KiB stack (a common host thread size).
template <class Body>
void on_small_stack(Body body) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 512 * 1024);
    pthread_t thread;
    BOOST_TEST_REQUIRE(pthread_create(
                           &thread, &attr,
                           [](void* p) -> void* {
                               (*static_cast<Body*>(p))();
                               return nullptr;
                           },
                           &body) == 0);
    pthread_attr_destroy(&attr);
    pthread_join(thread, nullptr);
}

}  // namespace

// A host function calling itself straight back (no script frame in between) recursed on the
// native stack until the process died: gw_call and gw_call_handle skipped the guard gw_run had.
BOOST_AUTO_TEST_CASE(a_host_function_recursing_through_gw_call_is_a_stack_overflow) {
    BOOST_REQUIRE(gw_register(engine, "hrec", 1, host_recurse, nullptr) == GW_STATUS_OK);
    gw_handle* self = nullptr;
    BOOST_REQUIRE(gw_global_handle(engine, "hrec", &self) == GW_STATUS_OK);
    BOOST_REQUIRE(gw_register(engine, "hrec_handle", 1, host_recurse, self) == GW_STATUS_OK);
    gw_handle* self_handle = nullptr;
    BOOST_REQUIRE(gw_global_handle(engine, "hrec_handle", &self_handle) == GW_STATUS_OK);
    gw_value* deep = gw_number(1e7);
    gw_value* shallow = gw_number(50);
    const gw_value* deep_args[] = {deep};
    const gw_value* shallow_args[] = {shallow};
    auto check = [&](const char* how) {
        BOOST_TEST_INFO(how);
        BOOST_TEST(gw_call(engine, "hrec", shallow_args, 1, nullptr) == GW_STATUS_OK);
        BOOST_TEST(gw_call(engine, "hrec", deep_args, 1, nullptr) == GW_STATUS_RUNTIME_ERROR);
        BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_STACK_OVERFLOW);
        BOOST_TEST(std::string(gw_last_error(engine)).find("native stack") != std::string::npos,
                   gw_last_error(engine));
        BOOST_TEST(gw_call_handle(engine, self, deep_args, 1, nullptr) == GW_STATUS_RUNTIME_ERROR);
        BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_STACK_OVERFLOW);
        BOOST_TEST(gw_call_handle(engine, self_handle, deep_args, 1, nullptr) ==
                   GW_STATUS_RUNTIME_ERROR);
        BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_STACK_OVERFLOW);
        BOOST_TEST(gw_call_handle(engine, self_handle, shallow_args, 1, nullptr) == GW_STATUS_OK);
    };
    check("main thread");
    on_small_stack([&] { check("512 KiB thread"); });
    BOOST_TEST(gw_run(engine, "hrec(10)\n1 + 1", nullptr, nullptr) == GW_STATUS_OK);
    gw_value_free(deep);
    gw_value_free(shallow);
    gw_handle_free(self);
    gw_handle_free(self_handle);
}

BOOST_AUTO_TEST_CASE(a_map_is_listed_by_index_in_either_direction) {
    gw_value* map = gw_map_new();
    gw_value* item = gw_number(0);
    for (const char* k : {"d", "b", "e", "a", "c"})
        BOOST_REQUIRE(gw_map_set(map, k, item) == GW_STATUS_OK);
    auto key_at = [&](std::size_t i) {
        const char* key = nullptr;
        gw_value* v = nullptr;
        BOOST_TEST_REQUIRE(gw_map_entry(map, i, &key, &v) == GW_STATUS_OK);
        gw_value_free(v);
        return std::string(key);
    };
    std::string order;
    for (std::size_t i = 0; i < 5; ++i)
        order += key_at(i);
    for (std::size_t i = 5; i-- > 0;)
        order += key_at(i);
    order += key_at(3) + key_at(1) + key_at(4) + key_at(0) + key_at(2);
    BOOST_TEST(order == "abcdeedcbadbeac");
    // A set between reads moves every later entry on: the cursor of the last read is dropped.
    BOOST_TEST(key_at(2) == "c");
    BOOST_REQUIRE(gw_map_set(map, "aa", item) == GW_STATUS_OK);
    BOOST_TEST(key_at(2) == "b");
    BOOST_TEST(key_at(3) == "c");
    gw_value* copy = gw_value_copy(map);  // folds the builder: the cursor goes again
    BOOST_TEST(key_at(1) == "aa");
    BOOST_TEST(key_at(5) == "e");
    const char* key = nullptr;
    gw_value* v = nullptr;
    BOOST_TEST(gw_map_entry(map, 6, &key, &v) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_map_entry(copy, 0, &key, &v) == GW_STATUS_OK);
    BOOST_TEST(std::string(key) == "a");
    gw_value_free(v);
    gw_value_free(copy);
    gw_value_free(item);
    gw_value_free(map);
}

namespace {
// CPU seconds to list every entry of a map of `n` by gw_map_entry, first to last.
double list_map_seconds(std::size_t n, bool& all_ok) {
    gw_value* map = gw_map_new();
    gw_value* item = gw_number(1);
    for (std::size_t i = 0; i < n; ++i)
        all_ok &= gw_map_set(map, ("k" + std::to_string(i)).c_str(), item) == GW_STATUS_OK;
    std::size_t size = 0;
    all_ok &= gw_map_size(map, &size) == GW_STATUS_OK && size == n;  // folds the builder
    double best = 0;
    for (int run = 0; run < 3; ++run) {
        const double start = thread_cpu_seconds();
        for (std::size_t i = 0; i < n; ++i) {
            const char* key = nullptr;
            gw_value* v = nullptr;
            all_ok &= gw_map_entry(map, i, &key, &v) == GW_STATUS_OK;
            gw_value_free(v);
        }
        const double took = thread_cpu_seconds() - start;
        best = run == 0 ? took : std::min(best, took);
    }
    gw_value_free(item);
    gw_value_free(map);
    return best;
}
}  // namespace

// gw_map_entry(map, i) walked i entries from the first: listing 40,000 entries took 17 s.
BOOST_AUTO_TEST_CASE(listing_a_map_by_index_is_linear) {
    bool all_ok = true;
    constexpr std::size_t kEntries = 40000;
    const double small = list_map_seconds(kEntries / 4, all_ok);
    const double large = list_map_seconds(kEntries, all_ok);
    BOOST_TEST(all_ok);
    // Linear: 4x (log n for the sets aside); quadratic was 16x.
    BOOST_TEST(large < 9 * std::max(small, 1e-3), "large " << large << " s, small " << small);
}

BOOST_AUTO_TEST_CASE(every_call_taking_a_global_name_refuses_a_bad_one_alike) {
    gw_value* n = gw_number(1);
    gw_value* got = nullptr;
    gw_handle* h = nullptr;
    for (const char* bad : {"", "not a name", "9x", "bind"}) {
        BOOST_TEST_INFO("name '" << bad << "'");
        BOOST_TEST(gw_get_global(engine, bad, &got) == GW_STATUS_INVALID_ARGUMENT);
        BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_INVALID_ARGUMENT);
        BOOST_TEST(
            std::string(gw_last_error(engine)).starts_with("InvalidArgument: gw_get_global: "),
            gw_last_error(engine));
        BOOST_TEST(gw_global_handle(engine, bad, &h) == GW_STATUS_INVALID_ARGUMENT);
        BOOST_TEST(
            std::string(gw_last_error(engine)).starts_with("InvalidArgument: gw_global_handle: "),
            gw_last_error(engine));
        BOOST_TEST(gw_set_global(engine, bad, n) == GW_STATUS_INVALID_ARGUMENT);
        BOOST_TEST(
            std::string(gw_last_error(engine)).starts_with("InvalidArgument: gw_set_global: "),
            gw_last_error(engine));
        BOOST_TEST(gw_register(engine, bad, 0, host_fails_quietly, nullptr) ==
                   GW_STATUS_INVALID_ARGUMENT);
        BOOST_TEST(std::string(gw_last_error(engine)).starts_with("InvalidArgument: gw_register: "),
                   gw_last_error(engine));
        BOOST_TEST(gw_call(engine, bad, nullptr, 0, nullptr) == GW_STATUS_INVALID_ARGUMENT);
        BOOST_TEST(std::string(gw_last_error(engine)).starts_with("InvalidArgument: gw_call: "),
                   gw_last_error(engine));
        BOOST_TEST(gw_has_global(engine, bad) == 0);
    }
    BOOST_TEST(got == nullptr);
    BOOST_TEST(h == nullptr);
    // A good name with no global is still UndefinedVariable.
    BOOST_TEST(gw_get_global(engine, "missing", &got) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_UNDEFINED_VARIABLE);
    gw_value_free(n);
}

BOOST_AUTO_TEST_CASE(misuse_messages_name_the_call_and_the_argument) {
    gw_engine* other = nullptr;
    BOOST_REQUIRE(gw_engine_new(nullptr, &other) == GW_STATUS_OK);
    BOOST_REQUIRE(gw_run(other, "chant f(a, b) then yield b end", nullptr, nullptr) ==
                  GW_STATUS_OK);
    gw_handle* foreign = nullptr;
    BOOST_REQUIRE(gw_global_handle(other, "f", &foreign) == GW_STATUS_OK);
    BOOST_TEST(gw_call_handle(engine, foreign, nullptr, 0, nullptr) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(std::string(gw_last_error(engine)) ==
               "InvalidArgument: gw_call_handle: the function's Handle belongs to another Engine");
    // A host copy of a function (GW_TYPE_OTHER) cannot go back: the message says which argument.
    gw_value* fn_copy = nullptr;
    BOOST_REQUIRE(gw_get_global(other, "f", &fn_copy) == GW_STATUS_OK);
    BOOST_REQUIRE(gw_value_type(fn_copy) == GW_TYPE_OTHER);
    gw_value* one = gw_number(1);
    const gw_value* args[] = {one, fn_copy};
    BOOST_TEST(gw_call(other, "f", args, 2, nullptr) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(other) == GW_KIND_TYPE_ERROR);
    BOOST_TEST(std::string(gw_last_error(other))
                   .starts_with("Runtime error: TypeError: gw_call: args[1]: "),
               gw_last_error(other));
    gw_handle* f = nullptr;
    BOOST_REQUIRE(gw_global_handle(other, "f", &f) == GW_STATUS_OK);
    BOOST_TEST(gw_call_handle(other, f, args, 2, nullptr) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(std::string(gw_last_error(other))
                   .starts_with("Runtime error: TypeError: gw_call_handle: args[1]: "),
               gw_last_error(other));
    BOOST_TEST(gw_set_global(other, "g", fn_copy) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(std::string(gw_last_error(other))
                   .starts_with("Runtime error: TypeError: gw_set_global: the value: "),
               gw_last_error(other));
    gw_value_free(one);
    gw_value_free(fn_copy);
    gw_handle_free(f);
    gw_handle_free(foreign);
    gw_engine_free(other);
}

namespace {
gw_status host_raises_io(gw_engine* e, void*, const gw_value* const*, std::size_t, gw_value**) {
    return gw_raise(e, GW_KIND_IO_ERROR, "disk gone");
}
}  // namespace

// IoError and InvalidArgument are the API's own kinds: no script can meet them, so raised by a
// host function they arrive as CustomError (documented at gw_raise).
BOOST_AUTO_TEST_CASE(gw_raise_of_an_api_kind_is_a_custom_error) {
    BOOST_REQUIRE(gw_register(engine, "io", 0, host_raises_io, nullptr) == GW_STATUS_OK);
    BOOST_TEST(gw_run(engine, "io()", nullptr, nullptr) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_CUSTOM_ERROR);
    BOOST_TEST(std::string(gw_last_error(engine)).find("CustomError: disk gone") !=
               std::string::npos);
}

// Map keys are texts, which may hold NUL bytes: gw_map_entry handed such a key out as a bare
// C string, so "id\0alice" and "id\0bob" both came out as "id" and gw_map_get found neither.
BOOST_AUTO_TEST_CASE(map_keys_holding_nul_bytes_cross_whole_through_the_n_forms) {
    BOOST_REQUIRE(gw_run(engine,
                         "chant pair(a, b) then\n  weave m as {}\n  set m[a] to 1\n"
                         "  set m[b] to 2\n  yield m\nend\n"
                         "chant at(m, k) then yield m[k] end",
                         nullptr, nullptr) == GW_STATUS_OK);
    const std::string alice("id\0alice", 8), bob("id\0bob", 6);
    gw_value* args[2] = {gw_text_n(alice.data(), alice.size()), gw_text_n(bob.data(), bob.size())};
    gw_value* map = nullptr;
    BOOST_REQUIRE(gw_call(engine, "pair", args, 2, &map) == GW_STATUS_OK);
    std::size_t size = 0;
    BOOST_REQUIRE(gw_map_size(map, &size) == GW_STATUS_OK);
    BOOST_TEST(size == 2u);
    // Whole keys, in bytewise order ("id\0alice" < "id\0bob"), and found again by them.
    std::vector<std::string> keys;
    for (std::size_t i = 0; i < size; ++i) {
        const char* key = nullptr;
        std::size_t length = 0;
        gw_value* v = nullptr;
        BOOST_TEST_REQUIRE(gw_map_entry_n(map, i, &key, &length, &v) == GW_STATUS_OK);
        keys.emplace_back(key, length);
        gw_value* again = nullptr;
        BOOST_TEST_REQUIRE(gw_map_get_n(map, key, length, &again) == GW_STATUS_OK);
        double a = 0, b = -1;
        gw_value_number(v, &a);
        gw_value_number(again, &b);
        BOOST_TEST(a == b);
        BOOST_TEST(a == static_cast<double>(i + 1));
        gw_value_free(again);
        gw_value_free(v);
    }
    BOOST_TEST((keys == std::vector<std::string>{alice, bob}));
    // The NUL-terminated forms: gw_map_entry refuses such a key rather than cut it short, and
    // gw_map_get names the key "id", which the map does not hold.
    const char* key = "unchanged";
    gw_value* v = nullptr;
    BOOST_TEST(gw_map_entry(map, 0, &key, &v) == GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(!key);
    BOOST_TEST(!v);
    BOOST_TEST(gw_map_get(map, alice.c_str(), &v) == GW_STATUS_INVALID_ARGUMENT);
    // gw_map_set_n builds such keys, and the script finds each by its whole text.
    gw_value* built = gw_map_new();
    gw_value* one = gw_number(10);
    gw_value* two = gw_number(20);
    BOOST_TEST(gw_map_set_n(built, alice.data(), alice.size(), one) == GW_STATUS_OK);
    BOOST_TEST(gw_map_set_n(built, bob.data(), bob.size(), two) == GW_STATUS_OK);
    BOOST_TEST(gw_map_set(built, "id", one) == GW_STATUS_OK);  // a third key, not the same
    BOOST_TEST(gw_map_size(built, &size) == GW_STATUS_OK);
    BOOST_TEST(size == 3u);
    gw_value* call_args[2] = {built, args[1]};
    gw_value* found = nullptr;
    BOOST_TEST_REQUIRE(gw_call(engine, "at", call_args, 2, &found) == GW_STATUS_OK,
                       gw_last_error(engine));
    double n = 0;
    BOOST_TEST(gw_value_number(found, &n) == GW_STATUS_OK);
    BOOST_TEST(n == 20);
    // A key of plain bytes still reads through every form; an empty key needs no pointer.
    BOOST_TEST(gw_map_set_n(built, nullptr, 0, two) == GW_STATUS_OK);
    gw_value* empty = nullptr;
    BOOST_TEST(gw_map_get_n(built, nullptr, 0, &empty) == GW_STATUS_OK);
    BOOST_TEST(gw_map_entry(built, 0, &key, &v) == GW_STATUS_OK);  // "" sorts first
    BOOST_TEST(std::string(key).empty());
    gw_value_free(v);
    BOOST_TEST(gw_map_get_n(built, nullptr, 3, &v) == GW_STATUS_INVALID_ARGUMENT);
    for (gw_value* x : {args[0], args[1], map, built, one, two, found, empty, v})
        gw_value_free(x);
}

// The host's own call of a script function is a step, as the same call from a script is:
// gw_call(e, "f") succeeded under a limit one lower than gw_run(e, "f()").
BOOST_AUTO_TEST_CASE(gw_call_charges_the_host_s_call_as_a_step) {
    BOOST_REQUIRE(gw_run(engine,
                         "chant c1() then yield 1 end\nchant c2() then yield c1() end\n"
                         "chant chain3() then yield c2() end\n"
                         "chant ten() then\n  weave i as 0\n"
                         "  whilst i less than 10 then set i to i + 1 end\n  yield i\nend",
                         nullptr, nullptr) == GW_STATUS_OK);
    gw_handle* ten = nullptr;
    BOOST_REQUIRE(gw_global_handle(engine, "ten", &ten) == GW_STATUS_OK);
    auto smallest = [&](auto&& attempt) {
        for (std::uint64_t limit = 1; limit < 100; ++limit) {
            gw_set_step_limit(engine, limit);
            if (attempt() == GW_STATUS_OK) return limit;
            BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_STEP_LIMIT_EXCEEDED);
        }
        return std::uint64_t{0};
    };
    auto run = [&](const char* code) {
        return smallest([&] { return gw_run(engine, code, nullptr, nullptr); });
    };
    auto call = [&](const char* f) {
        return smallest([&] { return gw_call(engine, f, nullptr, 0, nullptr); });
    };
    BOOST_TEST(run("chain3()") == 3u);
    BOOST_TEST(call("chain3") == 3u);
    BOOST_TEST(run("ten()") == 11u);
    BOOST_TEST(call("ten") == 11u);
    BOOST_TEST(smallest([&] { return gw_call_handle(engine, ten, nullptr, 0, nullptr); }) == 11u);
    gw_handle_free(ten);
}

// An arity no script call can meet (above the 250-parameter limit) is refused, naming the call.
BOOST_AUTO_TEST_CASE(gw_register_refuses_an_arity_above_the_parameter_limit) {
    BOOST_TEST(gw_register(engine, "huge", 1000000000, host_fails_quietly, nullptr) ==
               GW_STATUS_INVALID_ARGUMENT);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_INVALID_ARGUMENT);
    const std::string text = gw_last_error(engine);
    BOOST_TEST(
        text.find("gw_register: host function 'huge': arity 1000000000") != std::string::npos,
        text);
    BOOST_TEST(gw_has_global(engine, "huge") == 0);
    BOOST_TEST(gw_register(engine, "wide", 251, host_fails_quietly, nullptr) ==
               GW_STATUS_INVALID_ARGUMENT);
    // 250 is callable from a script: every argument arrives.
    int calls = 0;
    BOOST_REQUIRE(gw_register(engine, "concat_all", 250, host_concat, &calls) == GW_STATUS_OK);
    std::string code = "concat_all(";
    for (int i = 0; i < 250; ++i)
        code += i ? ", \"x\"" : "\"x\"";
    code += ")";
    gw_value* result = nullptr;
    BOOST_TEST_REQUIRE(gw_run(engine, code.c_str(), nullptr, &result) == GW_STATUS_OK,
                       gw_last_error(engine));
    std::size_t length = 0;
    const char* text_out = nullptr;
    BOOST_TEST(gw_value_text(result, &text_out, &length) == GW_STATUS_OK);
    BOOST_TEST(length == 250u);
    gw_value_free(result);
}

// gw_last_error is "[WHERE: ]WHAT: message" (glimmer.h): a file that cannot be read is an
// error about that script at no line of it, so it names the file as OutOfMemory while compiling
// does ("big.gw: Runtime error: ..."); it said only "IoError: cannot open ...". An error of the
// host's own call (no script code running) has no place at all.
BOOST_AUTO_TEST_CASE(gw_last_error_has_the_documented_parts) {
    const std::string path =
        (std::filesystem::temp_directory_path() / "glimmer-c-api-no-such-file.gw").string();
    BOOST_TEST(gw_run_file(engine, path.c_str(), nullptr) == GW_STATUS_IO_ERROR);
    BOOST_TEST(std::string(gw_last_error(engine)) ==
               path + ": IoError: cannot open '" + path + "': No such file or directory");
    const char* file = nullptr;
    std::uint32_t line = 1, column = 1;
    gw_last_error_location(engine, &file, &line, &column);
    BOOST_TEST(std::string(file) == path);
    BOOST_TEST(line == 0u);
    BOOST_TEST(column == 0u);

    BOOST_REQUIRE(gw_run(engine, "chant one(x) then yield x end", nullptr, nullptr) ==
                  GW_STATUS_OK);
    BOOST_TEST(gw_call(engine, "one", nullptr, 0, nullptr) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(std::string(gw_last_error(engine)) ==
               "Runtime error: ArityMismatch: 'one' expects 1 argument, got 0");
    gw_last_error_location(engine, &file, &line, &column);
    BOOST_TEST(std::string(file).empty());
    BOOST_TEST(line == 0u);
}

// Documented, not changed: NaN-boxing keeps one NaN, so a NaN's sign and payload are lost once
// it passes through an engine, while a host-side copy keeps its bits.
BOOST_AUTO_TEST_CASE(a_nan_through_an_engine_loses_its_sign) {
    BOOST_REQUIRE(gw_run(engine, "chant same(x) then yield x end", nullptr, nullptr) ==
                  GW_STATUS_OK);
    gw_value* negative = gw_number(-std::numeric_limits<double>::quiet_NaN());
    gw_value* copy = gw_value_copy(negative);
    double kept = 0;
    BOOST_TEST(gw_value_number(copy, &kept) == GW_STATUS_OK);
    BOOST_TEST((std::isnan(kept) && std::signbit(kept)));
    gw_value* back = nullptr;
    BOOST_TEST_REQUIRE(gw_call(engine, "same", &negative, 1, &back) == GW_STATUS_OK);
    double returned = 0;
    BOOST_TEST(gw_value_number(back, &returned) == GW_STATUS_OK);
    BOOST_TEST((std::isnan(returned) && !std::signbit(returned)));
    for (gw_value* v : {negative, copy, back})
        gw_value_free(v);
}

// Documented, not changed: a host builds a gw_value as deep as it likes; the 10,000-level limit
// is checked where a value crosses into the engine (checking at each push would cost a walk).
BOOST_AUTO_TEST_CASE(the_nesting_limit_is_checked_where_a_value_crosses) {
    gw_value* deep = gw_number(0);
    for (int i = 0; i < 20000; ++i) {
        gw_value* outer = gw_list_new();
        BOOST_REQUIRE(gw_list_push(outer, deep) == GW_STATUS_OK);
        gw_value_free(deep);
        deep = outer;
    }
    BOOST_TEST(gw_set_global(engine, "deep", deep) == GW_STATUS_RUNTIME_ERROR);
    BOOST_TEST(gw_last_error_kind(engine) == GW_KIND_TYPE_ERROR);
    BOOST_TEST(
        std::string(gw_last_error(engine)).find("deeper than 10000 levels") != std::string::npos,
        gw_last_error(engine));
    gw_value_free(deep);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
