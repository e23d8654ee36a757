#!/usr/bin/env bash
# The embedding check: install Glimmer into a temporary prefix, then build and run the two example
# hosts out of tree against it, as a user would:
#   examples/host-cpp  (C++, find_package(glimmer), glimmer::runtime)
#   examples/host-c    (C,   find_package(glimmer), glimmer::runtime + glimmer::heap)
# and the C host once more with plain pkg-config (glimmer.pc, glimmer-heap.pc).
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
         lib/libglimmer.so lib/libgwheap.so lib/cmake/glimmer/glimmerConfig.cmake \
         lib/pkgconfig/glimmer.pc lib/pkgconfig/glimmer-heap.pc; do
  [ -e "$prefix/$f" ] || { echo "embedding: $f was not installed" >&2; exit 1; }
done

for host in host-cpp host-c; do
  echo "== $host: configure and build out of tree with find_package(glimmer)"
  cmake -S "$root/examples/$host" -B "$work/$host" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_BUILD_TYPE=Release >/dev/null
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
echo "embedding: 3 passed, 0 failed"
