#!/usr/bin/env bash
# scripts/ci/fuzz.sh [SECONDS] — builds the libFuzzer targets of tests/fuzz with clang
# (-fsanitize=fuzzer,address,undefined) and runs each for SECONDS (default 30, or
# $GLIMMER_FUZZ_SECONDS), starting from its committed seed corpus. Fails if any target finds a
# crash, a leak, a sanitizer report or a time-out; the input is kept under
# BUILD/fuzz-artifacts/ and the script says where to commit it (tests/fuzz/regressions/<target>/,
# replayed by fuzz_corpus_replay_test in every normal build).
#
# Environment: GLIMMER_FUZZ_BUILD (build folder, default build-fuzz), GLIMMER_FUZZ_TARGETS
# (default: every target the build has), GLIMMER_JOBS (build parallelism, default nproc),
# GLIMMER_FUZZ_PARALLEL (targets fuzzed at once, default nproc).
# Prints executions and final corpus size per target, and how long building and fuzzing took.
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"

seconds="${1:-${GLIMMER_FUZZ_SECONDS:-30}}"
dir="${GLIMMER_FUZZ_BUILD:-build-fuzz}"
source_dir="${GLIMMER_FUZZ_SOURCE:-.}"  # another top-level project that includes this one (tests)
jobs="${GLIMMER_JOBS:-$(nproc 2>/dev/null || echo 2)}"
all_targets="heap trace frontend interpreter c_api"

start=$(date +%s)
if [ -f "$dir/CMakeCache.txt" ] && grep -q '^GLIMMER_FUZZ:BOOL=ON$' "$dir/CMakeCache.txt"; then
  # a fuzz build already (scripts/ci/sanitizers.sh's clang build is one): use it as it is
  echo "== fuzz: build the fuzz targets in $dir (configured already)"
else
  echo "== fuzz: configure and build $dir (clang, libFuzzer, ASan+UBSan)"
  CC=clang CXX=clang++ cmake -S "$source_dir" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DGLIMMER_SANITIZE=ON -DGLIMMER_FUZZ=ON \
    -DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link -DCMAKE_CXX_FLAGS=-fsanitize=fuzzer-no-link >/dev/null
fi

targets=()
known=$(cmake --build "$dir" --target help)
for t in ${GLIMMER_FUZZ_TARGETS:-$all_targets}; do
  if grep -q "fuzz_$t\$" <<<"$known"; then
    targets+=("$t")
  else
    echo "fuzz: no fuzz_$t target in this build (its library is missing); skipped"
  fi
done
if [ "${#targets[@]}" -eq 0 ]; then
  echo "fuzz: no fuzz targets found (is tests/fuzz listed in tests/CMakeLists.txt?)" >&2
  exit 1
fi
# clang 14 has been seen to crash (SIGSEGV in the front end) on a file it compiles fine the
# next time: one more try before giving up.
cmake --build "$dir" -j"$jobs" --target "${targets[@]/#/fuzz_}" || {
  echo "fuzz: the build failed; trying once more"
  cmake --build "$dir" -j1 --target "${targets[@]/#/fuzz_}"
}
built=$(date +%s)

max_len() {
  case "$1" in heap) echo 4096 ;; interpreter) echo 4096 ;; *) echo 16384 ;; esac
}
extra_seeds() {  # read-only seed folders besides the committed corpus
  case "$1" in frontend|interpreter) echo "$root/scripts/gw" ;; *) ;; esac
}

extra_flags() {
  # c_api: libFuzzer's entropic schedule (the default) was most of this target's time, and
  # without it the target ran twice the inputs and reached more coverage in the same time
  case "$1" in c_api) echo "-entropic=0" ;; *) ;; esac
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

run_target() {  # target: fuzzes it for $seconds; its exit status is libFuzzer's
  local t="$1"
  local exe work artifacts
  exe=$(find "$dir" -type f -name "fuzz_$t" -perm -u+x | head -n 1)
  work="$dir/fuzz-corpus/$t"
  artifacts="$dir/fuzz-artifacts/$t"
  mkdir -p "$work" "$artifacts"
  # -timeout: a hang is what it catches; 20 s leaves room for a busy, shared CI machine, and
  # each target bounds the work one input can ask for far below it
  # shellcheck disable=SC2046
  "$exe" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 -max_len="$(max_len "$t")" \
    -print_final_stats=1 -artifact_prefix="$artifacts/" $(extra_flags "$t") \
    "$work" "$root/tests/fuzz/corpus/$t" $(extra_seeds "$t") >"$dir/fuzz-$t.log" 2>&1
}

# The targets run side by side, one per core (GLIMMER_FUZZ_PARALLEL, default nproc): each
# still gets its full time, and the stage takes targets / cores times as long.
parallel="${GLIMMER_FUZZ_PARALLEL:-$(nproc 2>/dev/null || echo 2)}"
echo "== fuzz: ${#targets[@]} targets, ${seconds} s each, $parallel at a time"
rm -f "$dir"/fuzz-*.status
running=0
for t in "${targets[@]}"; do
  if [ "$running" -ge "$parallel" ]; then
    # A target's failure is read from its status file below. Under `set -e` neither a failing
    # run_target inside the ( ... ) nor `wait -n` handing on its status may end this script: a
    # libFuzzer time-out (exit 70) once stopped CI here with no word of which target or input.
    wait -n || true
    running=$((running - 1))
  fi
  ( status=0; run_target "$t" || status=$?; echo "$status" >"$dir/fuzz-$t.status" ) &
  running=$((running + 1))
done
wait

failed=()
summary=()
for t in "${targets[@]}"; do
  log="$dir/fuzz-$t.log"
  status=$(cat "$dir/fuzz-$t.status" 2>/dev/null || echo 1)
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
  corpus=$(find "$dir/fuzz-corpus/$t" -type f | wc -l)
  if [ "$status" -ne 0 ]; then
    failed+=("$t")
    why="exit $status"
    [ "$status" -eq 70 ] && why="exit 70: an input ran past -timeout=20 s"
    echo "fuzz: $t FAILED ($why); the end of its log ($log):"
    tail -n 40 "$log"
    for a in "$dir/fuzz-artifacts/$t"/*; do
      [ -e "$a" ] && echo "fuzz: input kept at $a: once fixed, commit it as tests/fuzz/regressions/$t/$(basename "$a")"
    done
  fi
  summary+=("$(printf '%-12s %12s executions  %6s corpus inputs  %s' "$t" "${execs:-?}" "$corpus" \
    "$([ "$status" -eq 0 ] && echo ok || echo FAILED)")")
done
done_at=$(date +%s)

echo "== fuzz summary (${seconds} s per target)"
printf '%s\n' "${summary[@]}"
echo "fuzz: build $((built - start)) s, fuzzing $((done_at - built)) s" \
  "(load average $(cut -d' ' -f1-3 /proc/loadavg))"
if [ "${#failed[@]}" -ne 0 ]; then
  echo "fuzz: crashes in: ${failed[*]}" >&2
fi
echo "fuzz: $((${#targets[@]} - ${#failed[@]})) passed, ${#failed[@]} failed"
[ "${#failed[@]}" -eq 0 ]
