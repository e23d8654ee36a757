/* glimmer.h — the C embedding API: run Glimmer-Weave scripts from C.
 *
 * Everything is an opaque pointer: gw_engine (one runtime with its own heap and limits),
 * gw_value (a host-side copy of a number, text, truth, nothing, list or map; any other script
 * value arrives as GW_TYPE_OTHER with its display form) and gw_handle (a script value of any
 * type kept alive across calls; the collector treats it as a root).
 *
 * Every function catches everything: no C++ exception ever crosses this header. Functions that
 * can fail return a gw_status; after a failure on an engine, gw_last_error(engine) is one line,
 *     [WHERE: ]WHAT: message
 * and gw_last_error_kind / gw_last_error_location give its parts. WHERE is
 *   "file:line:col" for an error at a place in a script (the usual case);
 *   "file" alone for an error about a named script but at no line of it (gw_run_file cannot
 *       read the file; OutOfMemory while compiling it; its result too deep to copy out);
 *   absent for an error of the host's call itself, where no script code was running: a
 *       gw_call/gw_call_handle of an undefined global or with the wrong number of arguments
 *       (ArityMismatch), an error raised by a host function the host called directly, and
 *       misuse (InvalidArgument).
 * WHAT is "Runtime error: Kind" for the kinds a script can meet (TypeError, ArityMismatch,
 * OutOfMemory, ...), the kind alone for the API's own kinds, which are no runtime errors
 * ("IoError", "InvalidArgument"), and for a script that did not parse, the parser's text
 * "Syntax error at line L, column C" (WHAT and message both). Values a function
 * hands out (gw_value**, gw_handle**) belong to the caller: free them with gw_value_free /
 * gw_handle_free. Passing NULL where a pointer is required gives GW_STATUS_INVALID_ARGUMENT.
 *
 * Threads: engines share nothing; use each engine from one thread at a time. A gw_handle is
 * part of its engine (gw_handle_free unlinks it from the engine's runtime): free it only where
 * the engine is not running on another thread. A gw_value is a plain copy, for any thread.
 */
#ifndef GLIMMER_H
#define GLIMMER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#define GW_NOEXCEPT noexcept
#else
#define GW_NOEXCEPT
#endif

typedef struct gw_engine gw_engine;
typedef struct gw_value gw_value;
typedef struct gw_handle gw_handle;

typedef enum gw_status {
    GW_STATUS_OK = 0,
    GW_STATUS_SYNTAX_ERROR = 1,    /* the script did not parse; nothing ran */
    GW_STATUS_RUNTIME_ERROR = 2,   /* any runtime error but the two below */
    GW_STATUS_OUT_OF_MEMORY = 3,   /* the memory limit (or the system) refused an allocation */
    GW_STATUS_STEP_LIMIT = 4,      /* the step limit stopped the script */
    GW_STATUS_IO_ERROR = 5,        /* a script file could not be read */
    GW_STATUS_INVALID_ARGUMENT = 6 /* NULL pointer, bad name, wrong value type, bad index */
} gw_status;

/* Same order and names as glimmer::ErrorKind and LANGUAGE.md §11. */
typedef enum gw_error_kind {
    GW_KIND_NONE = -1,
    GW_KIND_SYNTAX_ERROR = 0,
    GW_KIND_UNDEFINED_VARIABLE,
    GW_KIND_IMMUTABLE_BINDING,
    GW_KIND_TYPE_ERROR,
    GW_KIND_DIVISION_BY_ZERO,
    GW_KIND_INDEX_OUT_OF_BOUNDS,
    GW_KIND_FIELD_NOT_FOUND,
    GW_KIND_NOT_ITERABLE,
    GW_KIND_NOT_CALLABLE,
    GW_KIND_ARITY_MISMATCH,
    GW_KIND_BREAK_OUTSIDE_LOOP,
    GW_KIND_CONTINUE_OUTSIDE_LOOP,
    GW_KIND_CUSTOM_ERROR,
    GW_KIND_STACK_OVERFLOW,
    GW_KIND_OUT_OF_MEMORY,
    GW_KIND_STEP_LIMIT_EXCEEDED,
    GW_KIND_IO_ERROR,
    GW_KIND_INVALID_ARGUMENT,
    /* Not a kind: makes every int a valid gw_error_kind value, so a host passing an unknown
     * number to gw_raise gets CustomError instead of undefined behaviour in C++ (as do the
     * API's own kinds above: see gw_raise). */
    GW_KIND_INT_RANGE_ = 0x7fffffff
} gw_error_kind;

typedef enum gw_type {
    GW_TYPE_NOTHING = 0,
    GW_TYPE_TRUTH,
    GW_TYPE_NUMBER,
    GW_TYPE_TEXT,
    GW_TYPE_LIST,
    GW_TYPE_MAP,
    GW_TYPE_OTHER /* a function, struct, Present(x), range...: see gw_value_display. Such a
                     copy cannot go back into a script (gw_call, gw_set_global, a host
                     function's result: GW_STATUS_RUNTIME_ERROR, kind TypeError); keep the
                     script value in a gw_handle instead */
} gw_type;

/* ---------------------------------------------------------------- engines */

typedef struct gw_config {
    size_t memory_limit; /* bytes the heap may take from the system; 0 = no limit */
    /* Steps per run or call (the outermost one: nested runs and calls made by host functions
     * share its budget); 0 = none. A step is a call or a loop iteration, the host's own call
     * of a function (gw_call, gw_call_handle) included, as a script's call is, but not the top
     * level of a run (gw_run("f()") and gw_call(e, "f") take the same steps); a builtin that
     * makes or walks many items (iter_collect, list_sum, join, split, repeat, ...) charges one
     * step per item (per byte of text), above the first 1024 of a call. */
    uint64_t step_limit;
    /* Nested script (chant) calls before StackOverflow, the top level of a run not counted;
     * 0 = default (200,000). Host functions calling back into the engine (gw_run, gw_call,
     * gw_call_handle, also straight into another host function) nest on the thread's native
     * stack instead: they are StackOverflow when less than 64 KiB of it is left, whatever
     * this limit. */
    uint32_t max_call_depth;
    /* where print/println write; NULL = standard output */
    void (*output)(void* user, const char* text, size_t length);
    void* output_user;
    /* Where the heap takes its memory; both NULL = anonymous mmap, one alone is
     * GW_STATUS_INVALID_ARGUMENT. The heap asks for whole chunks (its 28 KiB record at
     * gw_engine_new: GW_HEAP_ALLOC_BYTES in gw_heap.h; 16 KiB index nodes, chunks of 128-256 KiB
     * growing with the heap, one chunk per block above 128 KiB); chunk_alloc returns 16-byte
     * aligned memory (32 KiB aligned saves a 32 KiB over-request) or NULL to refuse: the script
     * gets OutOfMemory (gw_engine_new GW_STATUS_OUT_OF_MEMORY if the first request is refused).
     * Every chunk goes back through chunk_free exactly once, with its size, at the latest when the
     * runtime is destroyed: gw_engine_free, or the last gw_handle_free after it (a handle keeps the
     * runtime alive). So chunk_user, and the source behind it, must outlive the engine and every
     * handle taken from it. The hooks run on the engine's thread; a source shared by engines on
     * several threads must be thread-safe. memory_limit applies on top. Memory that is not
     * 16-byte aligned cannot be used: to the heap it is a refusal.
     * ThreadSanitizer: the default source maps and unmaps with raw system calls TSan does not
     * see, so memory one freed engine gives back and another engine, on another thread, is
     * given again keeps the first one's accesses there (the library's memcpy/memset pass through
     * TSan's interceptors even uninstrumented): false data races. A host under TSan gives a
     * source calling libc's mmap and munmap, which TSan intercepts (README, "Your own memory"),
     * or uses a Glimmer built with -DGLIMMER_TSAN=ON, which maps through libc itself. */
    void* (*chunk_alloc)(void* user, size_t bytes);
    void (*chunk_free)(void* user, void* chunk, size_t bytes);
    void* chunk_user;
    /* The folder `summon` may read module files from (copied at gw_engine_new); a script run by
     * name counts as being in it. NULL or "" = no modules for a script run from a string (every
     * summon is a CustomError: it reads no file at all); a script run with gw_run_file
     * summons from its own folder, as the glimmer command's scripts do. */
    const char* module_root;
} gw_config;

void gw_config_init(gw_config* config) GW_NOEXCEPT; /* all zero: no limits, stdout, mmap,
                                                       modules only beside a run file */
/* config NULL = defaults. On failure *out is NULL: GW_STATUS_INVALID_ARGUMENT (out NULL, one
 * chunk hook without the other), GW_STATUS_OUT_OF_MEMORY (the memory limit or the chunk source
 * refused the heap's first memory: an engine needs about 256 KiB to start). */
gw_status gw_engine_new(const gw_config* config, gw_engine** out) GW_NOEXCEPT;
/* NULL is a no-op. Called by a host function on the engine that is running it, it takes effect
 * when the outermost call on the engine returns: the script runs on to its end, calling its host
 * functions and output hook as it goes. Once that call has returned they are never called
 * again and the engine must not be used; the runtime itself goes with the last handle. */
void gw_engine_free(gw_engine* engine) GW_NOEXCEPT;

/* The last failure on this engine ("" if none; "no engine" for NULL). Valid until the next
 * call on the engine. */
const char* gw_last_error(const gw_engine* engine) GW_NOEXCEPT;
gw_error_kind gw_last_error_kind(const gw_engine* engine) GW_NOEXCEPT;
/* file "" and line 0 when the error has no location. Any out pointer may be NULL. */
void gw_last_error_location(const gw_engine* engine, const char** file, uint32_t* line,
                            uint32_t* column) GW_NOEXCEPT;

/* ---------------------------------------------------------------- running */

/* Run a whole script (NUL-terminated). name = file name in locations (NULL = "<string>").
 * result may be NULL; else it receives the value of the script's last statement. */
gw_status gw_run(gw_engine* engine, const char* code, const char* name,
                 gw_value** result) GW_NOEXCEPT;
/* GW_STATUS_IO_ERROR when the file cannot be read, or holds more than memory_limit bytes (when
 * set) or 256 MiB, the largest source file: reading stops there, so a device with endless
 * input (/dev/zero) ends too. */
gw_status gw_run_file(gw_engine* engine, const char* path, gw_value** result) GW_NOEXCEPT;
/* Run and keep the result as a script value of any type. */
gw_status gw_evaluate(gw_engine* engine, const char* code, const char* name,
                      gw_handle** out) GW_NOEXCEPT;

/* Call a global function by name / through a handle. args may be NULL when count is 0;
 * result may be NULL. An empty name (or NULL) is GW_STATUS_INVALID_ARGUMENT. An argument that
 * cannot go back into a script (GW_TYPE_OTHER) is GW_STATUS_RUNTIME_ERROR, kind TypeError,
 * naming it ("gw_call: args[1]: ..."). */
gw_status gw_call(gw_engine* engine, const char* function, const gw_value* const* args,
                  size_t count, gw_value** result) GW_NOEXCEPT;
gw_status gw_call_handle(gw_engine* engine, const gw_handle* function, const gw_value* const* args,
                         size_t count, gw_value** result) GW_NOEXCEPT;

/* Every function taking a global's name (these, gw_call, gw_register) refuses a name no script
 * could write (empty, not an identifier, a keyword) with GW_STATUS_INVALID_ARGUMENT; a good
 * name with no global is GW_STATUS_RUNTIME_ERROR, kind UndefinedVariable. */
int gw_has_global(gw_engine* engine, const char* name) GW_NOEXCEPT; /* 1 or 0 */
gw_status gw_get_global(gw_engine* engine, const char* name, gw_value** out) GW_NOEXCEPT;
gw_status gw_global_handle(gw_engine* engine, const char* name, gw_handle** out) GW_NOEXCEPT;
/* An immutable binding, as a script's `bind`: a script's `set` of it is ImmutableBinding. */
gw_status gw_set_global(gw_engine* engine, const char* name, const gw_value* value) GW_NOEXCEPT;

gw_status gw_set_step_limit(gw_engine* engine, uint64_t steps) GW_NOEXCEPT;
gw_status gw_collect_garbage(gw_engine* engine) GW_NOEXCEPT;

typedef struct gw_memory_stats {
    size_t footprint_bytes;      /* held from the system now */
    size_t peak_footprint_bytes; /* never above the memory limit */
    size_t live_bytes;
    size_t objects;
    uint64_t collections;
} gw_memory_stats;
gw_status gw_memory_stats_get(gw_engine* engine, gw_memory_stats* out) GW_NOEXCEPT;

/* ---------------------------------------------------------------- host functions */

/* A host function. args[0..count) are borrowed for the call. Return GW_STATUS_OK and set
 * *result (leave it NULL for nothing; the engine takes ownership), or fail: call gw_raise first
 * to choose the error kind and message, else the script sees a CustomError. A failure of a
 * nested gw_run/gw_call made by the host function is passed on with its own kind when the host
 * function returns its status. */
typedef gw_status (*gw_host_fn)(gw_engine* engine, void* user, const gw_value* const* args,
                                size_t count, gw_value** result);

/* arity 0 to 250 (the language's parameter limit: no script call passes more), or -1 = any
 * number of arguments (the function checks); any other is GW_STATUS_INVALID_ARGUMENT
 * ("gw_register: host function 'f': arity ..."). Replaces an existing global. */
gw_status gw_register(gw_engine* engine, const char* name, int arity, gw_host_fn fn,
                      void* user) GW_NOEXCEPT;
/* Inside a host function: the error the script sees when the function returns a failure.
 * Returns GW_STATUS_RUNTIME_ERROR so that `return gw_raise(...)` reads well.  Like the step
 * limit's own, a GW_KIND_STEP_LIMIT_EXCEEDED passes through every `attempt` to the host: a
 * host function can stop the script with it (to cancel a run, say). The kinds a script can
 * meet, GW_KIND_UNDEFINED_VARIABLE to GW_KIND_STEP_LIMIT_EXCEEDED, arrive as themselves; the
 * API's own (GW_KIND_SYNTAX_ERROR, GW_KIND_IO_ERROR, GW_KIND_INVALID_ARGUMENT), GW_KIND_NONE
 * and any other number arrive as GW_KIND_CUSTOM_ERROR. Called outside a host function it
 * changes nothing and returns GW_STATUS_INVALID_ARGUMENT ("gw_raise: called outside a host
 * function"). */
gw_status gw_raise(gw_engine* engine, gw_error_kind kind, const char* message) GW_NOEXCEPT;

/* ---------------------------------------------------------------- values */

gw_value* gw_nothing(void) GW_NOEXCEPT; /* constructors return NULL only when out of memory */
gw_value* gw_truth(int truth) GW_NOEXCEPT;
/* A NaN stays a NaN, but one that passes through an engine loses its sign and payload: script
 * numbers are NaN-boxed, so every NaN is the one quiet NaN there (-NaN comes back as NaN). A
 * gw_value copied on the host side alone keeps the bits. */
gw_value* gw_number(double number) GW_NOEXCEPT;
gw_value* gw_text(const char* text) GW_NOEXCEPT; /* NUL-terminated; NULL gives NULL */
gw_value* gw_text_n(const char* bytes, size_t length) GW_NOEXCEPT;
gw_value* gw_list_new(void) GW_NOEXCEPT;
gw_value* gw_map_new(void) GW_NOEXCEPT;
gw_value* gw_value_copy(const gw_value* value) GW_NOEXCEPT;
void gw_value_free(gw_value* value) GW_NOEXCEPT; /* NULL is a no-op */

/* Building: the item is copied (the caller still owns it). Amortised O(1) per push. A list
 * or map given itself as the item is GW_STATUS_INVALID_ARGUMENT (push a gw_value_copy).
 * Nesting: a gw_value may be built as deep as the host likes, but only values at most 10,000
 * levels deep cross into or out of an engine. The depth is checked there, not here: passing a
 * deeper one (gw_call or gw_call_handle argument, gw_set_global, a host function's result)
 * fails with GW_STATUS_RUNTIME_ERROR, kind TypeError ("a value nested deeper than 10000
 * levels cannot cross the API"); a deeper script value copied out (a result, gw_get_global)
 * fails so too, and gw_handle_value with GW_STATUS_INVALID_ARGUMENT. */
gw_status gw_list_push(gw_value* list, const gw_value* item) GW_NOEXCEPT;
/* Map keys are texts, and a text may hold NUL bytes (gw_text_n, a script's text): the _n forms
 * take and give a key as bytes and a length, and reach every key. The forms with a
 * NUL-terminated key see the key up to its first NUL: gw_map_set and gw_map_get name the key
 * "id" when given "id\0alice", and gw_map_entry refuses an entry whose key holds a NUL (see
 * there). key may be NULL when key_length is 0. */
gw_status gw_map_set(gw_value* map, const char* key, const gw_value* item) GW_NOEXCEPT;
gw_status gw_map_set_n(gw_value* map, const char* key, size_t key_length,
                       const gw_value* item) GW_NOEXCEPT;

gw_type gw_value_type(const gw_value* value) GW_NOEXCEPT; /* NULL reads as nothing */
/* Readers fail with GW_STATUS_INVALID_ARGUMENT on NULL or a value of another type. */
gw_status gw_value_truth(const gw_value* value, int* out) GW_NOEXCEPT;
gw_status gw_value_number(const gw_value* value, double* out) GW_NOEXCEPT;
/* *text stays valid (NUL-terminated) until the value is changed or freed; length may be NULL. */
gw_status gw_value_text(const gw_value* value, const char** text, size_t* length) GW_NOEXCEPT;
gw_status gw_list_length(const gw_value* list, size_t* out) GW_NOEXCEPT;
gw_status gw_list_get(const gw_value* list, size_t index, gw_value** out) GW_NOEXCEPT;
gw_status gw_map_size(const gw_value* map, size_t* out) GW_NOEXCEPT;
/* Missing key: GW_STATUS_INVALID_ARGUMENT. */
gw_status gw_map_get(const gw_value* map, const char* key, gw_value** out) GW_NOEXCEPT;
gw_status gw_map_get_n(const gw_value* map, const char* key, size_t key_length,
                       gw_value** out) GW_NOEXCEPT;
/* The index-th entry in ascending (bytewise) key order: *key (key_length bytes, then a NUL)
 * is valid until the map is changed or freed; key_length may be NULL. The value remembers the
 * entry last read: the next or previous index is O(1), so listing a map in either order is
 * linear; another index costs its distance from the nearest of that entry, the first and the
 * last. (Reading a list or map between pushes/sets costs nothing extra: building stays O(1)
 * each.) On failure *key and *out are NULL. */
gw_status gw_map_entry_n(const gw_value* map, size_t index, const char** key, size_t* key_length,
                         gw_value** out) GW_NOEXCEPT;
/* As gw_map_entry_n, but an entry whose key holds a NUL byte is GW_STATUS_INVALID_ARGUMENT
 * (an index below gw_map_size that fails so: read it with gw_map_entry_n). Cut at the NUL,
 * "id\0alice" and "id\0bob" would both read "id", and a host copying the entries would merge
 * them without a word. */
gw_status gw_map_entry(const gw_value* map, size_t index, const char** key,
                       gw_value** out) GW_NOEXCEPT;
/* Display form (println's), written like snprintf: returns the full length, writes at most
 * size - 1 bytes and a NUL. buffer may be NULL when size is 0. */
size_t gw_value_display(const gw_value* value, char* buffer, size_t size) GW_NOEXCEPT;

/* ---------------------------------------------------------------- handles */

void gw_handle_free(gw_handle* handle) GW_NOEXCEPT; /* NULL is a no-op */
/* GW_STATUS_INVALID_ARGUMENT also when the value cannot be copied: nested deeper than the
 * 10,000 levels that may cross out of an engine (no engine is named, so gw_last_error says
 * nothing). */
gw_status gw_handle_value(const gw_handle* handle, gw_value** out) GW_NOEXCEPT;
/* As gw_value_display; "" (returning 0) when the handle is NULL or its value cannot be shown on
 * this thread's stack (nested hundreds of levels deep on a small one). */
size_t gw_handle_display(const gw_handle* handle, char* buffer, size_t size) GW_NOEXCEPT;

#ifdef __cplusplus
} /* extern "C" */
#endif
#undef GW_NOEXCEPT

#endif /* GLIMMER_H */
