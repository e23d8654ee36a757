// fuzz_c_api.cpp — sequences of C API calls (interpreter/api/glimmer.h) on an engine with small
// limits (4 MiB, 2,000 steps, 100 nested calls). The step limit is low on purpose: a snippet
// that loops forever runs to it every time it is picked, and at 20,000 steps those loops were
// most of the fuzzer's time; 2,000 still reaches every path a longer run would.
//
// The input is a program of opcode bytes over a pool of 8 values and 4 handles: make values of
// every type, build lists and maps, read values as the wrong type, run snippets and raw input
// text, call script and host functions (one echoes, one raises, one re-enters the engine), set
// and get globals, pass NULL where pointers belong, collect, display into short buffers.
// Promises: every status is one of gw_status; a failure leaves a non-empty gw_last_error;
// displays are NUL-terminated and report their full length; the footprint stays under the
// limit; nothing crashes or leaks (ASan in the fuzz build).
#include <cstring>
#include <string>

#include "fuzz_entry.hpp"
#include "glimmer.h"

namespace {

using glimmer::fuzz::ByteReader;

constexpr std::size_t kValues = 8;
constexpr std::size_t kHandles = 4;
constexpr std::size_t kLimit = 4u << 20;

const char* const kSnippets[] = {
    "chant f(a) then\n    yield a\nend\n",
    "chant g(a, b) then\n    yield a + b\nend\n",
    "bind xs to [1, 2, 3]\n",
    "weave n as 0\nwhilst true then\n    set n to n + 1\nend\n",
    "println(echo(41) + 1)\n",
    "boom()\n",
    "again()\n",
    "weave big as []\nwhilst true then\n    set big to list_push(big, \"a text item\")\nend\n",
    "chant deep(n) then\n    yield 1 + deep(n + 1)\nend\ndeep(0)\n",
    "{a: 1, b: [true, nothing, \"x\"]}\n",
};
const char* const kNames[] = {"f",       "g",       "xs",        "echo", "boom", "again",
                              "missing", "println", "list_push", "",     "n"};

void discard_output(void*, const char*, std::size_t) {}

gw_status echo(gw_engine*, void*, const gw_value* const* args, std::size_t count,
               gw_value** result) {
    if (count > 0) *result = gw_value_copy(args[0]);
    return GW_STATUS_OK;
}

gw_status boom(gw_engine* engine, void*, const gw_value* const*, std::size_t, gw_value**) {
    return gw_raise(engine, GW_KIND_CUSTOM_ERROR, "boom from the host");
}

gw_status again(gw_engine* engine, void*, const gw_value* const*, std::size_t, gw_value** result) {
    return gw_run(engine, "1 + 2", "<again>", result);
}

void require_status(gw_engine* engine, gw_status s, const char* call) {
    FUZZ_REQUIRE(s >= GW_STATUS_OK && s <= GW_STATUS_INVALID_ARGUMENT, "%s: status %d", call,
                 static_cast<int>(s));
    const char* text = gw_last_error(engine);
    FUZZ_REQUIRE(text != nullptr, "%s: gw_last_error gave NULL", call);
    if (s != GW_STATUS_OK) FUZZ_REQUIRE(text[0] != '\0', "%s failed without an error text", call);
}

// Value functions have no engine, so no error text: only the status is checked.
void require_value_status(gw_status s, const char* call) {
    FUZZ_REQUIRE(s >= GW_STATUS_OK && s <= GW_STATUS_INVALID_ARGUMENT, "%s: status %d", call,
                 static_cast<int>(s));
}

// snprintf's contract: min(full, size - 1) bytes, then a NUL. (Not strlen: a text may hold NUL
// bytes of its own, and its display shows them as they are.)
void check_display(std::size_t full, const char* buffer, std::size_t size) {
    if (size == 0) return;
    const std::size_t written = full < size - 1 ? full : size - 1;
    FUZZ_REQUIRE(buffer[written] == '\0', "display of %zu bytes into %zu did not end at byte %zu",
                 full, size, written);
}

}  // namespace

extern "C" int GLIMMER_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size) {
    ByteReader in(data, size);
    gw_config config;
    gw_config_init(&config);
    config.memory_limit = kLimit;
    config.step_limit = 2000;
    config.max_call_depth = 100;
    config.output = discard_output;
    gw_engine* engine = nullptr;
    require_status(nullptr, gw_engine_new(&config, &engine), "gw_engine_new");
    FUZZ_REQUIRE(engine != nullptr, "gw_engine_new gave no engine");
    require_status(engine, gw_register(engine, "echo", -1, echo, nullptr), "register echo");
    require_status(engine, gw_register(engine, "boom", 0, boom, nullptr), "register boom");
    require_status(engine, gw_register(engine, "again", 0, again, nullptr), "register again");

    gw_value* values[kValues] = {};
    gw_handle* handles[kHandles] = {};
    auto put = [&](std::size_t i, gw_value* v) {
        gw_value_free(values[i % kValues]);
        values[i % kValues] = v;
    };
    for (int steps = 0; !in.done() && steps < 256; ++steps) {
        std::uint8_t op = in.u8();
        std::size_t a = in.u8() % kValues;
        std::size_t b = in.u8() % kValues;
        const char* name = kNames[in.u8() % (sizeof kNames / sizeof *kNames)];
        switch (op % 14) {
            case 0: {  // run a snippet
                gw_value* result = nullptr;
                const char* code = kSnippets[in.u8() % (sizeof kSnippets / sizeof *kSnippets)];
                require_status(engine, gw_run(engine, code, "snippet.gw", &result), "gw_run");
                put(a, result);
                break;
            }
            case 1: {  // run raw input text
                std::size_t n = in.u8();
                std::string code;
                for (std::size_t i = 0; i < n && !in.done(); ++i) {
                    char c = static_cast<char>(in.u8());
                    code += c ? c : ' ';
                }
                require_status(engine, gw_run(engine, code.c_str(), nullptr, nullptr), "gw_run");
                break;
            }
            case 2: {  // make a value of some type
                switch (in.u8() % 7) {
                    case 0:
                        put(a, gw_nothing());
                        break;
                    case 1:
                        put(a, gw_truth(in.u8() & 1));
                        break;
                    case 2:
                        put(a, gw_number(static_cast<double>(in.u32()) / 7.0));
                        break;
                    case 3:
                        put(a, gw_text(name));
                        break;
                    case 4:
                        put(a, gw_text_n("a\0b", 3));
                        break;
                    case 5:
                        put(a, gw_list_new());
                        break;
                    default:
                        put(a, gw_map_new());
                        break;
                }
                break;
            }
            case 3:  // build (a may be any type, or NULL: then INVALID_ARGUMENT)
                require_value_status(gw_list_push(values[a], values[b]), "gw_list_push");
                require_value_status(gw_map_set(values[a], name, values[b]), "gw_map_set");
                break;
            case 4: {  // read as every type
                int t = 0;
                double d = 0;
                const char* text = nullptr;
                std::size_t len = 0;
                gw_value* out = nullptr;
                require_value_status(gw_value_truth(values[a], &t), "gw_value_truth");
                require_value_status(gw_value_number(values[a], &d), "gw_value_number");
                require_value_status(gw_value_text(values[a], &text, &len), "gw_value_text");
                require_value_status(gw_list_length(values[a], &len), "gw_list_length");
                if (gw_list_get(values[a], in.u8() % 4, &out) == GW_STATUS_OK) put(b, out);
                require_value_status(gw_map_size(values[a], &len), "gw_map_size");
                out = nullptr;
                if (gw_map_get(values[a], name, &out) == GW_STATUS_OK) put(b, out);
                const char* key = nullptr;
                out = nullptr;
                if (gw_map_entry(values[a], in.u8() % 4, &key, &out) == GW_STATUS_OK) put(b, out);
                (void)gw_value_type(values[a]);
                break;
            }
            case 5: {  // call a global by name with up to 3 pool values
                std::size_t count = in.u8() % 4;
                const gw_value* args[3] = {values[a], values[b], values[(a + b) % kValues]};
                gw_value* result = nullptr;
                require_status(engine, gw_call(engine, name, args, count, &result), "gw_call");
                put(b, result);
                break;
            }
            case 6: {  // keep a script value in a handle
                gw_handle*& h = handles[a % kHandles];
                gw_handle_free(h);
                h = nullptr;
                require_status(engine, gw_global_handle(engine, name, &h), "gw_global_handle");
                break;
            }
            case 7: {  // call or read a handle
                const gw_handle* h = handles[a % kHandles];
                const gw_value* args[1] = {values[b]};
                gw_value* result = nullptr;
                require_status(engine, gw_call_handle(engine, h, args, 1, &result),
                               "gw_call_handle");
                put(b, result);
                result = nullptr;
                if (gw_handle_value(h, &result) == GW_STATUS_OK) put(a, result);
                char small[8];
                std::size_t n = in.u8() % sizeof small;
                check_display(gw_handle_display(h, small, n), small, n);
                break;
            }
            case 8: {  // globals
                require_status(engine, gw_set_global(engine, name, values[a]), "gw_set_global");
                gw_value* out = nullptr;
                if (gw_get_global(engine, name, &out) == GW_STATUS_OK) put(b, out);
                (void)gw_has_global(engine, name);
                break;
            }
            case 9: {  // NULL where a pointer belongs
                gw_value* out = nullptr;
                FUZZ_REQUIRE(
                    gw_run(engine, nullptr, nullptr, nullptr) == GW_STATUS_INVALID_ARGUMENT,
                    "gw_run(NULL code)");
                FUZZ_REQUIRE(
                    gw_call(engine, nullptr, nullptr, 0, &out) == GW_STATUS_INVALID_ARGUMENT,
                    "gw_call(NULL name)");
                FUZZ_REQUIRE(gw_run(nullptr, "1", nullptr, nullptr) == GW_STATUS_INVALID_ARGUMENT,
                             "gw_run(NULL engine)");
                FUZZ_REQUIRE(gw_list_push(nullptr, values[a]) == GW_STATUS_INVALID_ARGUMENT,
                             "gw_list_push(NULL)");
                FUZZ_REQUIRE(gw_last_error(nullptr) != nullptr, "gw_last_error(NULL)");
                break;
            }
            case 10: {  // collect, limits
                require_status(engine, gw_collect_garbage(engine), "gw_collect_garbage");
                gw_memory_stats stats{};
                require_status(engine, gw_memory_stats_get(engine, &stats), "gw_memory_stats_get");
                FUZZ_REQUIRE(stats.peak_footprint_bytes <= kLimit, "footprint %zu over %zu",
                             stats.peak_footprint_bytes, kLimit);
                require_status(engine, gw_set_step_limit(engine, 500u + in.u16() % 4096u),
                               "gw_set_step_limit");
                break;
            }
            case 11: {  // display into a short buffer
                char small[16];
                std::size_t n = in.u8() % sizeof small;
                check_display(gw_value_display(values[a], small, n), small, n);
                break;
            }
            case 12: {  // evaluate into a handle
                gw_handle*& h = handles[b % kHandles];
                gw_handle_free(h);
                h = nullptr;
                const char* code = kSnippets[in.u8() % (sizeof kSnippets / sizeof *kSnippets)];
                require_status(engine, gw_evaluate(engine, code, "eval.gw", &h), "gw_evaluate");
                break;
            }
            default:  // copies
                put(b, gw_value_copy(values[a]));
                break;
        }
    }
    for (gw_value*& v : values)
        gw_value_free(v);
    for (gw_handle*& h : handles)
        gw_handle_free(h);
    gw_engine_free(engine);
    return 0;
}
