#!/usr/bin/env bash
# The embedding check: install Glimmer into a temporary prefix, then build and run the two example
# hosts out of tree against it, as a user would:
#   examples/host-cpp  (C++, find_package(glimmer), glimmer::runtime + glimmer::heap's heap.hpp)
#   examples/host-c    (C,   find_package(glimmer), glimmer::runtime + glimmer::heap)
# and the C host once more with plain pkg-config (glimmer.pc, glimmer-heap.pc); then the README's
# Embedding programs, cut out of README.md exactly as printed, built with pkg-config and run, each
# checked against what the README says it prints.
#
#   bash scripts/ci/embedding.sh [BUILD_DIR]     (default build/; configured and built if needed)
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"
build="${1:-build}"

if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j2 --target glimmer_embed glimmer_heap_shared

work="$(mktemp -d "${TMPDIR:-/tmp}/glimmer-embedding.XXXXXX")"
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

echo "== install (component glimmer) into $prefix"
cmake --install "$build" --prefix "$prefix" --component glimmer >/dev/null
for f in include/glimmer/glimmer.hpp include/glimmer/glimmer.h include/glimmer/gw_heap.h \
         include/glimmer/heap.hpp \
         lib/libglimmer.so lib/libgwheap.so lib/cmake/glimmer/glimmerConfig.cmake \
         lib/pkgconfig/glimmer.pc lib/pkgconfig/glimmer-heap.pc; do
  [ -e "$prefix/$f" ] || { echo "embedding: $f was not installed" >&2; exit 1; }
done

for host in host-cpp host-c; do
  echo "== $host: configure and build out of tree with find_package(glimmer)"
  # Release (-O3) with -Werror: warnings that only optimised builds give (GCC 12's
  # -Wmaybe-uninitialized through glimmer::Value's variant) fail here, not in a user's build.
  cmake -S "$root/examples/$host" -B "$work/$host" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS=-Werror -DCMAKE_CXX_FLAGS=-Werror >/dev/null
  cmake --build "$work/$host" -j2 >/dev/null
  echo "== $host: run"
  timeout 300 "$work/$host/$host"   # an example that hangs fails CI instead of stalling it
done

echo "== host-c again, built with pkg-config only"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror -o "$work/host-c-pkgconfig" "$root/examples/host-c/main.c" \
   $(pkg-config --cflags --libs glimmer glimmer-heap) -Wl,-rpath,"$prefix/lib"
timeout 300 "$work/host-c-pkgconfig" >/dev/null

echo "== glimmer.hpp: host code over glimmer::Value, -O2 and -O3 with -Wall -Wextra -Werror"
for opt in -O2 -O3; do
  # shellcheck disable=SC2046
  c++ -std=c++20 "$opt" -Wall -Wextra -Werror -c -o "$work/header_warnings_probe.o" \
      "$root/tests/api/header_warnings_probe.cpp" $(pkg-config --cflags glimmer)
done
echo "== the headers under stricter flags hosts use: glimmer.hpp (-Wconversion ...), glimmer.h as C89"
# shellcheck disable=SC2046
c++ -std=c++20 -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Wfloat-equal \
    -Werror -fsyntax-only "$root/tests/api/header_warnings_probe.cpp" $(pkg-config --cflags glimmer)
printf '#include <glimmer/glimmer.h>\nint main(void) { return gw_value_type(NULL); }\n' |
  cc -std=c89 -pedantic -Wall -Wextra -Werror -fsyntax-only -x c - $(pkg-config --cflags glimmer)

# The fenced block of language $2 that follows the README heading $1 (the whole line).
readme_block() {
  awk -v heading="$1" -v lang="$2" '
    $0 == heading { found = 1; next }
    found && !inside && $0 == "```" lang { inside = 1; next }
    inside && $0 == "```" { done = 1; exit }
    inside { print }
    END { if (!done) exit 1 }' README.md
}

# readme_program HEADING LANG NAME EXPECTED_STDOUT [EXPECTED_STDERR]: cut, build, run, compare.
readme_program() {
  local heading="$1" lang="$2" name="$3" want_out="$4" want_err="${5:-}"
  local src="$work/$name.$lang" exe="$work/$name"
  echo "== README: \"$heading\" ($lang) as printed"
  readme_block "$heading" "$lang" >"$src" || { echo "embedding: no $lang block after '$heading' in README.md" >&2; exit 1; }
  if [ "$lang" = cpp ]; then
    # shellcheck disable=SC2046
    c++ -std=c++20 -O2 -Wall -Wextra -Werror -o "$exe" "$src" $(pkg-config --cflags --libs glimmer) \
        -Wl,-rpath,"$prefix/lib"
  else
    # shellcheck disable=SC2046
    cc -std=c11 -Wall -Wextra -Werror -o "$exe" "$src" $(pkg-config --cflags --libs glimmer) \
       -Wl,-rpath,"$prefix/lib"
  fi
  timeout 300 "$exe" >"$work/$name.out" 2>"$work/$name.err" ||
    { echo "embedding: $name exited with $?" >&2; cat "$work/$name.err" >&2; exit 1; }
  if [ "$(cat "$work/$name.out")" != "$want_out" ]; then
    echo "embedding: $name printed:" >&2; cat "$work/$name.out" >&2
    echo "expected:" >&2; echo "$want_out" >&2; exit 1
  fi
  if [ -n "$want_err" ] && ! grep -qF -- "$want_err" "$work/$name.err"; then
    echo "embedding: $name's stderr lacks '$want_err':" >&2; cat "$work/$name.err" >&2; exit 1
  fi
}

readme_program "### A minimal host in C++" cpp readme-host-cpp "hello world!" \
  "spin.gw:1:1: Runtime error: StepLimitExceeded:"
readme_program "### A minimal host in C" c readme-host-c "42"
readme_program "### Your own memory: a chunk source" cpp readme-chunk-source \
  "$(printf 'OutOfMemory within the budget: yes\nheld after the engine: 0')"
echo "embedding: 7 passed, 0 failed"
