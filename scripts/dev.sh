#!/usr/bin/env bash
# The two commands of README.md:
#   bash scripts/dev.sh run    install what is missing, build, run a sample script
#   bash scripts/dev.sh test   the same, then the whole test suite (what .ci/run calls)
# Build folders: build/ (optimised, with asserts), build-tsan/ (ThreadSanitizer, the concurrency
# test only), build-asan/ (clang, ASan+UBSan: the whole suite again, and the libFuzzer targets).
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

build_start=$SECONDS
configure_and_build build
build_seconds=$((SECONDS - build_start))

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

# Each stage's wall time, printed at the end: CI must stay well under 15 minutes on 2 cores.
timings=()
stage() {  # name, command...
  local name="$1" start=$SECONDS; shift
  "$@"
  timings+=("$name $((SECONDS - start)) s")
}
fuzz_stage() {
  GLIMMER_FUZZ_BUILD=build-asan bash scripts/ci/fuzz.sh "${GLIMMER_FUZZ_SECONDS:-60}"
}

run_sample
echo "== test suite (build/)"
stage "tests" ctest --test-dir build --output-on-failure -j"$jobs"
echo "== embedding: install, then build and run the example hosts out of tree"
stage "embedding" bash scripts/ci/embedding.sh build
echo "== ThreadSanitizer: engines on several threads at once (build-tsan/)"
stage "tsan" bash scripts/ci/tsan.sh build-tsan
echo "== AddressSanitizer + UndefinedBehaviorSanitizer: the whole suite again (build-asan/)"
stage "asan+ubsan" bash scripts/ci/sanitizers.sh build-asan
echo "== fuzzing: every libFuzzer target from its seed corpus (build-asan/)"
stage "fuzzing" fuzz_stage
printf -v joined '%s, ' "build ${build_seconds} s" "${timings[@]}"
echo "== all passed; stage times: ${joined%, } (total $SECONDS s)"
