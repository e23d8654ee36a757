// c_api.cpp — glimmer.h over the C++ Engine. Every function is noexcept and catches everything;
// failures on an engine are stored in it for gw_last_error.
//
// Invariants:
//   * gw_value holds either `value` or, while a list or map is being built from C, a builder
//     (pushes are amortised O(1)); take() folds the builder back in before any read;
//   * a host function's failure carries the error of a nested call it made (failures_ counts
//     them) or the one it chose with gw_raise, else a CustomError.
#include "interpreter/api/glimmer.h"

#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "interpreter/api/glimmer.hpp"

using glimmer::Engine;
using glimmer::Error;
using glimmer::ErrorKind;
using glimmer::Value;

struct gw_value {
    explicit gw_value(Value v) : value(std::move(v)) {}
    const Value& get() const {
        if (list_builder) {
            value = Value(std::move(*list_builder));
            list_builder.reset();
        } else if (map_builder) {
            value = Value(std::move(*map_builder));
            map_builder.reset();
            entry_map = nullptr;
        }
        return value;
    }
    mutable Value value;
    mutable std::optional<Value::List> list_builder;
    mutable std::optional<Value::Map> map_builder;
    // gw_map_entry's cursor: entry `entry_index` of `entry_map` is at `entry_at`. A std::map
    // reaches its i-th entry in O(i), so listing a map by index was quadratic (40,000 entries:
    // 17 s); from the cursor, the next or previous index is one step. Reset (entry_map NULL)
    // whenever the map changes (gw_map_set, folding the builder).
    mutable const Value::Map* entry_map = nullptr;
    mutable std::size_t entry_index = 0;
    mutable Value::Map::const_iterator entry_at;
};

struct gw_handle {
    glimmer::Handle handle;
};

struct gw_engine {
    explicit gw_engine(glimmer::Config config) : engine(std::move(config)) {}
    Engine engine;
    std::string error_text;
    ErrorKind error_kind{};
    bool has_error = false;
    std::string error_file;
    std::uint32_t error_line = 0, error_column = 0;
    std::uint64_t failures = 0;         // failures recorded so far
    std::optional<Error> raised;        // set by gw_raise inside a host function
    std::optional<Error> last_failure;  // the last recorded failure, as thrown
    int running = 0;              // calls on this engine in progress (host functions nest them)
    int in_host = 0;              // host functions running (gw_raise is for them only)
    bool free_requested = false;  // gw_engine_free while running: the outermost call frees it

    void clear() {
        has_error = false;
        error_text.clear();
        error_file.clear();
        error_line = error_column = 0;
    }
    gw_status fail(const Error& e) {
        has_error = true;
        error_text = e.what();
        error_kind = e.kind();
        error_file = e.file();
        error_line = e.line();
        error_column = e.column();
        last_failure = e;
        ++failures;
        return status_of(e.kind());
    }
    static gw_status status_of(ErrorKind k) {
        switch (k) {
            case ErrorKind::SyntaxError:
                return GW_STATUS_SYNTAX_ERROR;
            case ErrorKind::OutOfMemory:
                return GW_STATUS_OUT_OF_MEMORY;
            case ErrorKind::StepLimitExceeded:
                return GW_STATUS_STEP_LIMIT;
            case ErrorKind::IoError:
                return GW_STATUS_IO_ERROR;
            case ErrorKind::InvalidArgument:
                return GW_STATUS_INVALID_ARGUMENT;
            default:
                return GW_STATUS_RUNTIME_ERROR;
        }
    }
};

namespace {

gw_status invalid(gw_engine* e, const std::string& message) {
    if (!e) return GW_STATUS_INVALID_ARGUMENT;
    return e->fail(Error(ErrorKind::InvalidArgument, message));
}

// Runs `body` for an engine: clears the last error, turns every exception into a status.
template <class Body>
gw_status record_failures(gw_engine* e, Body&& body) noexcept {
    try {
        body();
        // Once more: a host function run by `body` may have made a nested call that failed and
        // then gone on to succeed; that failure is not this call's (gw_last_error said it was).
        e->clear();
        return GW_STATUS_OK;
    } catch (const Error& err) {
        return e->fail(err);
    } catch (const std::bad_alloc&) {
        return e->fail(Error(ErrorKind::OutOfMemory, "the system is out of memory"));
    } catch (const std::exception& err) {
        return e->fail(Error(ErrorKind::CustomError, err.what()));
    } catch (...) {
        return e->fail(Error(ErrorKind::CustomError, "unknown failure"));
    }
}

template <class Body>
gw_status guarded(gw_engine* e, Body&& body) noexcept {
    if (!e) return GW_STATUS_INVALID_ARGUMENT;
    e->clear();
    ++e->running;
    const gw_status status = record_failures(e, body);
    // A host function that freed its own engine (gw_engine_free) left it to the outermost call.
    if (--e->running == 0 && e->free_requested) delete e;
    return status;
}

// Runs `body` for a value function (no engine to record in).
template <class Body>
gw_status guarded_value(Body&& body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return GW_STATUS_OUT_OF_MEMORY;
    } catch (...) {
        return GW_STATUS_INVALID_ARGUMENT;
    }
}

template <class Make>
gw_value* make_value(Make&& make) noexcept {
    try {
        return new gw_value(make());
    } catch (...) {
        return nullptr;
    }
}

// `call` names the C function in the message, as every other NULL-argument message does.
std::vector<Value> collect_args(const char* call, const gw_value* const* args, std::size_t count) {
    if (count && !args) {
        throw Error(ErrorKind::InvalidArgument,
                    std::string(call) + ": args is NULL but count is " + std::to_string(count));
    }
    std::vector<Value> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        if (!args[i]) {
            throw Error(ErrorKind::InvalidArgument,
                        std::string(call) + ": args[" + std::to_string(i) + "] is NULL");
        }
        out.push_back(args[i]->get());
    }
    return out;
}

// The C++ methods name themselves in the messages of the misuse they refuse ("call: args[1]:
// ...", "set_global: global name ..."): the C function the host called is named instead.
// Only an error of the call itself (no location; InvalidArgument, or TypeError for a value
// that cannot go back into a script), never one from the script it ran.
template <class Body>
void as_c_call(const char* method, const char* c_name, Body&& body) {
    try {
        body();
    } catch (const Error& e) {
        const std::string prefix = std::string(method) + ": ";
        const bool misuse =
            e.kind() == ErrorKind::InvalidArgument || e.kind() == ErrorKind::TypeError;
        if (!misuse || e.line() != 0 || !e.message().starts_with(prefix)) throw;
        throw Error(e.kind(), std::string(c_name) + ": " + e.message().substr(prefix.size()));
    }
}

void hand_out(const Value& v, gw_value** result) {
    if (result) *result = new gw_value(v);
}

// The items of a list (entries of a map) as they stand, read from the builder while one is
// open: folding it for a read made the next push copy the whole list again, so a host that
// checked the length after each push built its list in quadratic time (40,000 items: 6 s).
// NULL when `v` is NULL or of another type.
const Value::List* list_items(const gw_value* v) {
    if (!v) return nullptr;
    if (v->list_builder) return &*v->list_builder;
    return v->value.is_list() && !v->map_builder ? &v->value.as_list() : nullptr;
}
const Value::Map* map_entries(const gw_value* v) {
    if (!v) return nullptr;
    if (v->map_builder) return &*v->map_builder;
    return v->value.is_map() && !v->list_builder ? &v->value.as_map() : nullptr;
}

std::size_t write_display(const std::string& text, char* buffer, std::size_t size) {
    if (buffer && size) {
        std::size_t n = text.size() < size - 1 ? text.size() : size - 1;
        std::memcpy(buffer, text.data(), n);
        buffer[n] = '\0';
    }
    return text.size();
}

}  // namespace

extern "C" {

void gw_config_init(gw_config* config) noexcept {
    if (config) *config = gw_config{};
}

gw_status gw_engine_new(const gw_config* config, gw_engine** out) noexcept {
    if (!out) return GW_STATUS_INVALID_ARGUMENT;
    *out = nullptr;
    try {
        glimmer::Config c;
        if (config) {
            c.memory_limit = config->memory_limit;
            c.step_limit = config->step_limit;
            c.max_call_depth = config->max_call_depth;
            if (config->output) {
                auto fn = config->output;
                void* user = config->output_user;
                c.output = [fn, user](std::string_view s) { fn(user, s.data(), s.size()); };
            }
            if (config->module_root) c.module_root = config->module_root;
            if (!config->chunk_alloc != !config->chunk_free) return GW_STATUS_INVALID_ARGUMENT;
            if (config->chunk_alloc) {
                auto alloc = config->chunk_alloc;
                auto release = config->chunk_free;
                void* user = config->chunk_user;
                c.chunk_source.acquire = [alloc, user](std::size_t n) { return alloc(user, n); };
                c.chunk_source.release = [release, user](void* chunk, std::size_t n) {
                    release(user, chunk, n);
                };
            }
        }
        *out = new gw_engine(std::move(c));
        return GW_STATUS_OK;
    } catch (const Error& e) {
        return gw_engine::status_of(e.kind());
    } catch (const std::bad_alloc&) {
        return GW_STATUS_OUT_OF_MEMORY;
    } catch (...) {
        return GW_STATUS_OUT_OF_MEMORY;
    }
}

void gw_engine_free(gw_engine* engine) noexcept {
    if (engine && engine->running) {
        engine->free_requested = true;  // a host function inside a call on it: freed on return
        return;
    }
    delete engine;
}

const char* gw_last_error(const gw_engine* engine) noexcept {
    if (!engine) return "no engine";
    return engine->error_text.c_str();
}

gw_error_kind gw_last_error_kind(const gw_engine* engine) noexcept {
    if (!engine || !engine->has_error) return GW_KIND_NONE;
    return static_cast<gw_error_kind>(engine->error_kind);
}

void gw_last_error_location(const gw_engine* engine, const char** file, std::uint32_t* line,
                            std::uint32_t* column) noexcept {
    bool have = engine && engine->has_error;
    if (file) *file = have ? engine->error_file.c_str() : "";
    if (line) *line = have ? engine->error_line : 0;
    if (column) *column = have ? engine->error_column : 0;
}

gw_status gw_run(gw_engine* engine, const char* code, const char* name,
                 gw_value** result) noexcept {
    if (result) *result = nullptr;
    if (engine && !code) return invalid(engine, "gw_run: code is NULL");
    return guarded(engine,
                   [&] { hand_out(engine->engine.run(code, name ? name : "<string>"), result); });
}

gw_status gw_run_file(gw_engine* engine, const char* path, gw_value** result) noexcept {
    if (result) *result = nullptr;
    if (engine && !path) return invalid(engine, "gw_run_file: path is NULL");
    return guarded(engine, [&] { hand_out(engine->engine.run_file(path), result); });
}

gw_status gw_evaluate(gw_engine* engine, const char* code, const char* name,
                      gw_handle** out) noexcept {
    if (out) *out = nullptr;
    if (engine && (!code || !out)) return invalid(engine, "gw_evaluate: code or out is NULL");
    return guarded(engine, [&] {
        glimmer::Handle h = engine->engine.evaluate(code, name ? name : "<string>");
        *out = new gw_handle{std::move(h)};
    });
}

gw_status gw_call(gw_engine* engine, const char* function, const gw_value* const* args,
                  std::size_t count, gw_value** result) noexcept {
    if (result) *result = nullptr;
    if (engine && !function) return invalid(engine, "gw_call: function name is NULL");
    if (engine && !*function) return invalid(engine, "gw_call: the function name is empty");
    return guarded(engine, [&] {
        std::vector<Value> a = collect_args("gw_call", args, count);
        as_c_call("call", "gw_call", [&] { hand_out(engine->engine.call(function, a), result); });
    });
}

gw_status gw_call_handle(gw_engine* engine, const gw_handle* function, const gw_value* const* args,
                         std::size_t count, gw_value** result) noexcept {
    if (result) *result = nullptr;
    if (engine && !function) return invalid(engine, "gw_call_handle: function is NULL");
    return guarded(engine, [&] {
        std::vector<Value> a = collect_args("gw_call_handle", args, count);
        as_c_call("call", "gw_call_handle",
                  [&] { hand_out(engine->engine.call(function->handle, a), result); });
    });
}

int gw_has_global(gw_engine* engine, const char* name) noexcept {
    if (!engine || !name) return 0;
    int found = 0;
    guarded(engine, [&] { found = engine->engine.has_global(name) ? 1 : 0; });
    return found;
}

gw_status gw_get_global(gw_engine* engine, const char* name, gw_value** out) noexcept {
    if (out) *out = nullptr;
    if (engine && (!name || !out)) return invalid(engine, "gw_get_global: name or out is NULL");
    return guarded(engine, [&] {
        as_c_call("get_global", "gw_get_global",
                  [&] { hand_out(engine->engine.get_global(name), out); });
    });
}

gw_status gw_global_handle(gw_engine* engine, const char* name, gw_handle** out) noexcept {
    if (out) *out = nullptr;
    if (engine && (!name || !out)) return invalid(engine, "gw_global_handle: name or out is NULL");
    return guarded(engine, [&] {
        as_c_call("global", "gw_global_handle",
                  [&] { *out = new gw_handle{engine->engine.global(name)}; });
    });
}

gw_status gw_set_global(gw_engine* engine, const char* name, const gw_value* value) noexcept {
    if (engine && (!name || !value)) return invalid(engine, "gw_set_global: name or value is NULL");
    return guarded(engine, [&] {
        as_c_call("set_global", "gw_set_global",
                  [&] { engine->engine.set_global(name, value->get()); });
    });
}

gw_status gw_set_step_limit(gw_engine* engine, std::uint64_t steps) noexcept {
    return guarded(engine, [&] { engine->engine.set_step_limit(steps); });
}

gw_status gw_collect_garbage(gw_engine* engine) noexcept {
    return guarded(engine, [&] { engine->engine.collect_garbage(); });
}

gw_status gw_memory_stats_get(gw_engine* engine, gw_memory_stats* out) noexcept {
    if (engine && !out) return invalid(engine, "gw_memory_stats_get: out is NULL");
    return guarded(engine, [&] {
        glimmer::MemoryStats m = engine->engine.memory_stats();
        out->footprint_bytes = m.footprint_bytes;
        out->peak_footprint_bytes = m.peak_footprint_bytes;
        out->live_bytes = m.live_bytes;
        out->objects = m.objects;
        out->collections = m.collections;
    });
}

gw_status gw_register(gw_engine* engine, const char* name, int arity, gw_host_fn fn,
                      void* user) noexcept {
    if (engine && (!name || !fn)) return invalid(engine, "gw_register: name or fn is NULL");
    return guarded(engine, [&] {
        std::string fname = name;
        as_c_call("register_function", "gw_register", [&] {
            engine->engine.register_function(
                fname, arity, [engine, fn, user, fname](std::span<const Value> args) -> Value {
                    std::vector<gw_value> boxed;
                    boxed.reserve(args.size());
                    for (const Value& a : args)
                        boxed.emplace_back(a);
                    std::vector<const gw_value*> pointers;
                    pointers.reserve(boxed.size());
                    for (const gw_value& b : boxed)
                        pointers.push_back(&b);
                    std::uint64_t failures_before = engine->failures;
                    engine->raised.reset();
                    gw_value* result = nullptr;
                    ++engine->in_host;
                    gw_status status = fn(engine, user, pointers.data(), pointers.size(), &result);
                    --engine->in_host;
                    if (status != GW_STATUS_OK) {
                        gw_value_free(result);
                        if (engine->raised) {
                            Error e = std::move(*engine->raised);
                            engine->raised.reset();
                            throw e;
                        }
                        if (engine->failures != failures_before && engine->last_failure) {
                            throw Error(*engine->last_failure);  // with its location and frames
                        }
                        throw Error(ErrorKind::CustomError, "host function '" + fname +
                                                                "' failed with status " +
                                                                std::to_string(status));
                    }
                    if (!result) return Value();
                    Value v = result->get();
                    gw_value_free(result);
                    return v;
                });
        });
    });
}

gw_status gw_raise(gw_engine* engine, gw_error_kind kind, const char* message) noexcept {
    if (!engine) return GW_STATUS_INVALID_ARGUMENT;
    // Outside a host function there is no failure to choose: say so, as other misuse does (it
    // returned RUNTIME_ERROR and recorded nothing).
    if (!engine->in_host) return invalid(engine, "gw_raise: called outside a host function");
    try {
        ErrorKind k = ErrorKind::CustomError;
        if (kind >= GW_KIND_SYNTAX_ERROR && kind <= GW_KIND_INVALID_ARGUMENT) {
            k = static_cast<ErrorKind>(kind);
        }
        engine->raised.emplace(k, message ? message : "host function failed");
    } catch (...) {
        return GW_STATUS_OUT_OF_MEMORY;
    }
    return GW_STATUS_RUNTIME_ERROR;
}

// ---------------------------------------------------------------- values

gw_value* gw_nothing(void) noexcept {
    return make_value([] { return Value(); });
}
gw_value* gw_truth(int truth) noexcept {
    return make_value([&] { return Value(truth != 0); });
}
gw_value* gw_number(double number) noexcept {
    return make_value([&] { return Value(number); });
}
gw_value* gw_text(const char* text) noexcept {
    if (!text) return nullptr;
    return make_value([&] { return Value(std::string(text)); });
}
gw_value* gw_text_n(const char* bytes, std::size_t length) noexcept {
    if (!bytes && length) return nullptr;
    return make_value([&] { return Value(std::string(bytes ? bytes : "", length)); });
}
gw_value* gw_list_new(void) noexcept {
    return make_value([] { return Value(Value::List{}); });
}
gw_value* gw_map_new(void) noexcept {
    return make_value([] { return Value(Value::Map{}); });
}
gw_value* gw_value_copy(const gw_value* value) noexcept {
    if (!value) return nullptr;
    return make_value([&] { return value->get(); });
}
void gw_value_free(gw_value* value) noexcept {
    delete value;
}

gw_status gw_list_push(gw_value* list, const gw_value* item) noexcept {
    if (!list || !item || list == item) return GW_STATUS_INVALID_ARGUMENT;
    return guarded_value([&] {
        if (!list->list_builder) {
            if (!list->get().is_list()) return GW_STATUS_INVALID_ARGUMENT;
            list->list_builder.emplace(list->value.as_list());
        }
        list->list_builder->push_back(item->get());
        return GW_STATUS_OK;
    });
}

gw_status gw_map_set_n(gw_value* map, const char* key, std::size_t key_length,
                       const gw_value* item) noexcept {
    if (!map || (!key && key_length) || !item || map == item) return GW_STATUS_INVALID_ARGUMENT;
    return guarded_value([&] {
        if (!map->map_builder) {
            if (!map->get().is_map()) return GW_STATUS_INVALID_ARGUMENT;
            map->map_builder.emplace(map->value.as_map());
        }
        (*map->map_builder)[std::string(key ? key : "", key_length)] = item->get();
        map->entry_map = nullptr;
        return GW_STATUS_OK;
    });
}

gw_status gw_map_set(gw_value* map, const char* key, const gw_value* item) noexcept {
    if (!key) return GW_STATUS_INVALID_ARGUMENT;
    return gw_map_set_n(map, key, std::strlen(key), item);
}

gw_type gw_value_type(const gw_value* value) noexcept {
    if (!value) return GW_TYPE_NOTHING;
    if (value->list_builder) return GW_TYPE_LIST;
    if (value->map_builder) return GW_TYPE_MAP;
    return static_cast<gw_type>(value->value.type());
}

gw_status gw_value_truth(const gw_value* value, int* out) noexcept {
    if (!value || !out || !value->get().is_truth()) return GW_STATUS_INVALID_ARGUMENT;
    *out = value->value.as_truth() ? 1 : 0;
    return GW_STATUS_OK;
}

gw_status gw_value_number(const gw_value* value, double* out) noexcept {
    if (!value || !out || !value->get().is_number()) return GW_STATUS_INVALID_ARGUMENT;
    *out = value->value.as_number();
    return GW_STATUS_OK;
}

gw_status gw_value_text(const gw_value* value, const char** text, std::size_t* length) noexcept {
    if (!value || !text || !value->get().is_text()) return GW_STATUS_INVALID_ARGUMENT;
    const std::string& s = value->value.as_text();
    *text = s.c_str();
    if (length) *length = s.size();
    return GW_STATUS_OK;
}

gw_status gw_list_length(const gw_value* list, std::size_t* out) noexcept {
    const Value::List* items = list_items(list);
    if (!items || !out) return GW_STATUS_INVALID_ARGUMENT;
    *out = items->size();
    return GW_STATUS_OK;
}

gw_status gw_list_get(const gw_value* list, std::size_t index, gw_value** out) noexcept {
    if (out) *out = nullptr;
    const Value::List* items = list_items(list);
    if (!items || !out || index >= items->size()) return GW_STATUS_INVALID_ARGUMENT;
    *out = make_value([&] { return (*items)[index]; });
    return *out ? GW_STATUS_OK : GW_STATUS_OUT_OF_MEMORY;
}

gw_status gw_map_size(const gw_value* map, std::size_t* out) noexcept {
    const Value::Map* entries = map_entries(map);
    if (!entries || !out) return GW_STATUS_INVALID_ARGUMENT;
    *out = entries->size();
    return GW_STATUS_OK;
}

gw_status gw_map_get_n(const gw_value* map, const char* key, std::size_t key_length,
                       gw_value** out) noexcept {
    if (out) *out = nullptr;
    const Value::Map* entries = map_entries(map);
    if (!entries || (!key && key_length) || !out) return GW_STATUS_INVALID_ARGUMENT;
    auto it = entries->find(std::string_view(key ? key : "", key_length));
    if (it == entries->end()) return GW_STATUS_INVALID_ARGUMENT;
    *out = make_value([&] { return it->second; });
    return *out ? GW_STATUS_OK : GW_STATUS_OUT_OF_MEMORY;
}

gw_status gw_map_get(const gw_value* map, const char* key, gw_value** out) noexcept {
    if (out) *out = nullptr;
    if (!key) return GW_STATUS_INVALID_ARGUMENT;
    return gw_map_get_n(map, key, std::strlen(key), out);
}

gw_status gw_map_entry_n(const gw_value* map, std::size_t index, const char** key,
                         std::size_t* key_length, gw_value** out) noexcept {
    if (key) *key = nullptr;
    if (out) *out = nullptr;
    const Value::Map* entries = map_entries(map);
    if (!entries || !key || !out || index >= entries->size()) return GW_STATUS_INVALID_ARGUMENT;
    // Walk from the nearest of the first entry, the cursor and the last entry.
    auto distance = [](std::size_t a, std::size_t b) { return a > b ? a - b : b - a; };
    std::size_t from = 0;
    Value::Map::const_iterator it = entries->begin();
    if (map->entry_map == entries && distance(map->entry_index, index) < index) {
        from = map->entry_index;
        it = map->entry_at;
    }
    if (entries->size() - 1 - index < distance(from, index)) {
        from = entries->size() - 1;
        it = std::prev(entries->end());
    }
    if (index >= from) {
        std::advance(it, static_cast<std::ptrdiff_t>(index - from));
    } else {
        std::advance(it, -static_cast<std::ptrdiff_t>(from - index));
    }
    map->entry_map = entries;
    map->entry_index = index;
    map->entry_at = it;
    *out = make_value([&] { return it->second; });
    if (!*out) return GW_STATUS_OUT_OF_MEMORY;
    *key = it->first.c_str();
    if (key_length) *key_length = it->first.size();
    return GW_STATUS_OK;
}

// A key holding a NUL byte is refused, not cut at the NUL: cut, "id\0alice" and "id\0bob"
// both read "id" (and alias a real "id" key), so a host copying entries into a table of its
// own would merge them without a word. Such keys come only from texts with NUL bytes
// (gw_text_n, script texts), and gw_map_entry_n hands them out whole.
gw_status gw_map_entry(const gw_value* map, std::size_t index, const char** key,
                       gw_value** out) noexcept {
    if (key) *key = nullptr;
    if (out) *out = nullptr;
    if (!key || !out) return GW_STATUS_INVALID_ARGUMENT;
    const char* k = nullptr;
    std::size_t length = 0;
    gw_value* v = nullptr;
    const gw_status status = gw_map_entry_n(map, index, &k, &length, &v);
    if (status != GW_STATUS_OK) return status;
    if (std::memchr(k, '\0', length)) {
        gw_value_free(v);
        return GW_STATUS_INVALID_ARGUMENT;
    }
    *key = k;
    *out = v;
    return GW_STATUS_OK;
}

std::size_t gw_value_display(const gw_value* value, char* buffer, std::size_t size) noexcept {
    try {
        return write_display(value ? value->get().display() : std::string("nothing"), buffer, size);
    } catch (...) {
        return write_display("", buffer, size);
    }
}

// ---------------------------------------------------------------- handles

void gw_handle_free(gw_handle* handle) noexcept {
    delete handle;
}

gw_status gw_handle_value(const gw_handle* handle, gw_value** out) noexcept {
    if (out) *out = nullptr;
    if (!handle || !out) return GW_STATUS_INVALID_ARGUMENT;
    return guarded_value([&] {
        *out = new gw_value(handle->handle.value());
        return GW_STATUS_OK;
    });
}

std::size_t gw_handle_display(const gw_handle* handle, char* buffer, std::size_t size) noexcept {
    try {
        return write_display(handle ? handle->handle.display() : std::string(), buffer, size);
    } catch (...) {
        return write_display("", buffer, size);
    }
}

}  // extern "C"
