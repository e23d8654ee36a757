#!/usr/bin/env bash
# The ThreadSanitizer check of the embedding API (issue 5): several engines on several threads
# running scripts at once must race on nothing. Configures a TSan build (GLIMMER_TSAN=ON),
# builds only the concurrency test's executable and what it links (the runtime, the heap, the
# API), and runs the concurrency cases; any TSan report fails the run (exit code 66).
#
#   bash scripts/ci/tsan.sh [BUILD_DIR]     (default build-tsan/)
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${1:-build-tsan}"
start=$SECONDS

echo "== tsan: configure $build (GLIMMER_TSAN=ON)"
# A build type of its own: -O1 compiles much faster than -O2 and TSan's reports still name
# files and lines (-g1); asserts stay on (no NDEBUG).
# (GLIMMER_SANITIZE off: ASan and TSan cannot share a process, should the folder have had it.)
cmake -S . -B "$build" -DGLIMMER_TSAN=ON -DGLIMMER_SANITIZE=OFF -DGLIMMER_BUILD_TESTS=ON \
      -DCMAKE_BUILD_TYPE=TsanCheck \
      -DCMAKE_C_FLAGS_TSANCHECK="-O1 -g1" -DCMAKE_CXX_FLAGS_TSANCHECK="-O1 -g1" \
      -DCMAKE_ASM_FLAGS_TSANCHECK="-g1" >/dev/null
echo "== tsan: build api_concurrency_test"
cmake --build "$build" -j2 --target api_concurrency_test >/dev/null
built=$SECONDS

echo "== tsan: run the concurrency cases"
# halt_on_error: the first report ends the run with exitcode 66, whatever the test thinks.
TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
  timeout 600 "$build/bin/api_concurrency_test" --run_test=api/concurrency --log_level=test_suite
echo "tsan: built in $((built - start)) s, ran in $((SECONDS - built)) s"
echo "tsan: 1 passed, 0 failed"
