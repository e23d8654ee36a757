// convert.hpp — conversions between host values (glimmer::Value) and script values
// (runtime::Value), and between the two error vocabularies. Internal to the API library.
//
// to_runtime allocates through the funnel, which never collects, so the objects it builds
// stay alive until the caller hands them to the VM.
#pragma once

#include "interpreter/api/glimmer.hpp"
#include "runtime/error.hpp"
#include "runtime/runtime.hpp"

namespace glimmer::api {

// Containers nested deeper than this are refused both ways (TypeError), so a conversion
// never exhausts the native stack.
inline constexpr int kMaxNesting = 10000;

Value to_host(runtime::Value v);
// Throws Error(TypeError) for Value::Type::Other (a host copy of a function, struct, ...).
runtime::Value to_runtime(runtime::Runtime& rt, const Value& v);

Error from_runtime_error(const runtime::RuntimeError& e);
runtime::ErrorKind to_runtime_kind(ErrorKind kind);
// Raises a host function's Error in the script that called it. One with a location (from a
// nested run or call that failed) keeps it and its frames, so the host's caller sees where
// the error happened (lib.gw:2:13), not only the host function's call site; the VM adds the
// frames it unwinds from there.
[[noreturn]] void raise_in_script(const Error& e);

}  // namespace glimmer::api
