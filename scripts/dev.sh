#!/usr/bin/env bash
# The two commands of README.md:
#   bash scripts/dev.sh run    install what is missing, build, run a sample script
#   bash scripts/dev.sh test   the same, then the whole test suite (what .ci/run calls)
# Build folders: build/ (optimised, with asserts), build-tsan/ (ThreadSanitizer, test only).
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-run}"
case "$mode" in run|test) ;; *) echo "usage: bash scripts/dev.sh run|test" >&2; exit 2 ;; esac

jobs="$(nproc 2>/dev/null || echo 2)"

bash scripts/setup.sh

configure_and_build() {  # folder, extra cmake arguments...
  local dir="$1"; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j"$jobs"
}

configure_and_build build

run_sample() {
  if [ -x build/bin/glimmer ]; then
    echo "== glimmer scripts/gw/examples/showcase.gw"
    build/bin/glimmer scripts/gw/examples/showcase.gw
  else
    echo "== glimmer-bench (the interpreter is not built yet)"
    build/bin/glimmer-bench --quick
  fi
}

if [ "$mode" = run ]; then
  run_sample
  exit 0
fi

run_sample
echo "== test suite (build/)"
ctest --test-dir build --output-on-failure -j"$jobs"
echo "== embedding: install, then build and run the example hosts out of tree"
bash scripts/ci/embedding.sh build
echo "== ThreadSanitizer: engines on several threads at once (build-tsan/)"
bash scripts/ci/tsan.sh build-tsan
