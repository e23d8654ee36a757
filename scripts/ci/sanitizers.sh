#!/usr/bin/env bash
# scripts/ci/sanitizers.sh [BUILD_DIR] — the whole test suite under AddressSanitizer +
# UndefinedBehaviorSanitizer (issue 6). Configures BUILD_DIR (default build-asan) with
# -DGLIMMER_SANITIZE=ON, builds everything, runs every CTest test. Any sanitizer report fails the
# test it happens in (leaks included), so the script fails too.
#
# Environment: GLIMMER_JOBS (default: nproc), GLIMMER_CTEST_ARGS (extra ctest arguments, e.g.
# "-L heap" or "-LE slow"). Prints how long the build and the tests took.
#
# What ASan can and cannot see here: memory of the Glimmer heap comes from mmap'd chunks that the
# assembly carves up itself, so ASan reports nothing inside a heap block (no false positives,
# but no use-after-free or overflow reports either) and LeakSanitizer does not count blocks left
# in a heap; the reliability sweep (tests/reliability) checks those leaks instead. The assembly
# itself is not instrumented; its CFI lets ASan's stack traces pass through it.
set -euo pipefail
cd "$(dirname "$0")/../.."

dir="${1:-build-asan}"
jobs="${GLIMMER_JOBS:-$(nproc 2>/dev/null || echo 2)}"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

start=$(date +%s)
echo "== sanitizers: configure and build $dir (ASan+UBSan)"
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGLIMMER_SANITIZE=ON >/dev/null
cmake --build "$dir" -j"$jobs"
built=$(date +%s)

echo "== sanitizers: test suite under ASan+UBSan ($dir)"
status=0
# shellcheck disable=SC2086
ctest --test-dir "$dir" --output-on-failure -j"$jobs" ${GLIMMER_CTEST_ARGS:-} || status=$?
done_at=$(date +%s)
echo "sanitizers: build $((built - start)) s, tests $((done_at - built)) s"
exit "$status"
