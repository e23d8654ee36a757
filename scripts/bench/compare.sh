#!/usr/bin/env bash
# Times every scripts/bench program under glimmer and under Lua 5.4 (its .lua twin) in the same
# run, interleaved, and prints the median seconds, the ratio glimmer/lua per program and the
# geometric mean. Each program's output is first checked to equal its twin's.
#
#   bash scripts/bench/compare.sh [options] [program ...]     (programs: binary_trees nqueens ...)
#     --glimmer PATH         glimmer to measure (default: build/bin/glimmer)
#     --system-glimmer PATH  also time a glimmer built on the system allocator, and print
#                            glimmer/system: what Glimmer's own heap buys a real interpreter
#     --lua PATH             Lua 5.4 interpreter (default: lua5.4)
#     --reps N               repetitions per program (default: 5)
#     --small                run at each program's `# test-size:` instead of its benchmark size
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

glimmer="$root/build/bin/glimmer"
system_glimmer=""
lua="lua5.4"
reps=5
small=0
programs=()
usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
  case "$1" in
    --glimmer) glimmer="${2:?--glimmer needs a path}"; shift 2 ;;
    --system-glimmer) system_glimmer="${2:?--system-glimmer needs a path}"; shift 2 ;;
    --lua) lua="${2:?--lua needs a path}"; shift 2 ;;
    --reps) reps="${2:?--reps needs a number}"; shift 2 ;;
    --small) small=1; shift ;;
    -h|--help) usage ;;
    -*) echo "compare.sh: unknown option $1" >&2; usage ;;
    *) programs+=("$1"); shift ;;
  esac
done
case "$reps" in ''|*[!0-9]*|0) echo "compare.sh: --reps needs a positive number" >&2; exit 2 ;; esac
[ -x "$glimmer" ] || { echo "compare.sh: no glimmer at $glimmer (build it first)" >&2; exit 2; }
[ -z "$system_glimmer" ] || [ -x "$system_glimmer" ] ||
  { echo "compare.sh: no system-allocator glimmer at $system_glimmer" >&2; exit 2; }
command -v "$lua" >/dev/null || { echo "compare.sh: $lua not found" >&2; exit 2; }
if [ ${#programs[@]} -eq 0 ]; then
  for f in "$here"/*.gw; do programs+=("$(basename "$f" .gw)"); done
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The files to run: the programs themselves, or copies with N set to their `# test-size:`.
gw_file() { if [ $small = 1 ]; then echo "$work/$1.gw"; else echo "$here/$1.gw"; fi; }
lua_file() { if [ $small = 1 ]; then echo "$work/$1.lua"; else echo "$here/$1.lua"; fi; }
for p in "${programs[@]}"; do
  if [ ! -f "$here/$p.gw" ] || [ ! -f "$here/$p.lua" ]; then
    echo "compare.sh: $p needs both $p.gw and $p.lua in $here" >&2; exit 2
  fi
  if [ $small = 1 ]; then
    size="$(sed -n 's/^# test-size: *\([0-9][0-9]*\).*/\1/p' "$here/$p.gw" | head -n1)"
    [ -n "$size" ] || { echo "compare.sh: $p.gw has no '# test-size:' line" >&2; exit 2; }
    sed "0,/^bind N to /s/^bind N to .*/bind N to $size/" "$here/$p.gw" > "$work/$p.gw"
    sed "0,/^local N = /s/^local N = .*/local N = $size/" "$here/$p.lua" > "$work/$p.lua"
  fi
done

# seconds RUNNER FILE: wall-clock seconds of one run (output discarded; a failure aborts).
seconds() {
  local start end
  start=$EPOCHREALTIME
  "$1" "$2" >/dev/null 2>"$work/stderr" ||
    { echo "compare.sh: $1 $2 failed:" >&2; cat "$work/stderr" >&2; exit 1; }
  end=$EPOCHREALTIME
  awk -v s="$start" -v e="$end" 'BEGIN { printf "%.4f\n", e - s }'
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# 1. Same output from every runner (this is also the warm-up run).
failed=0
for p in "${programs[@]}"; do
  "$lua" "$(lua_file "$p")" > "$work/$p.lua.out"
  for runner in "$glimmer" $system_glimmer; do
    if ! "$runner" "$(gw_file "$p")" > "$work/$p.gw.out" 2> "$work/$p.gw.err"; then
      echo "compare.sh: $p failed under $runner:" >&2; head -n 5 "$work/$p.gw.err" >&2; failed=1
    elif ! cmp -s "$work/$p.gw.out" "$work/$p.lua.out"; then
      echo "compare.sh: $p prints something else under $runner than under Lua:" >&2
      diff "$work/$p.lua.out" "$work/$p.gw.out" | head -n 10 >&2; failed=1
    fi
  done
done
[ $failed = 0 ] || { echo "compare.sh: fix the outputs above before timing" >&2; exit 1; }

# 2. Interleaved repetitions: one run of every runner per program per round.
echo "timing ${#programs[@]} programs, $reps repetitions each$([ $small = 1 ] && echo ' (small sizes)')" >&2
for ((r = 1; r <= reps; r++)); do
  for p in "${programs[@]}"; do
    seconds "$glimmer" "$(gw_file "$p")" >> "$work/$p.glimmer.times"
    seconds "$lua" "$(lua_file "$p")" >> "$work/$p.lua.times"
    [ -z "$system_glimmer" ] || seconds "$system_glimmer" "$(gw_file "$p")" >> "$work/$p.system.times"
  done
  echo "  round $r of $reps done" >&2
done

# 3. The table.
{
  for p in "${programs[@]}"; do
    g="$(median < "$work/$p.glimmer.times")"
    l="$(median < "$work/$p.lua.times")"
    s="-"
    [ -z "$system_glimmer" ] || s="$(median < "$work/$p.system.times")"
    echo "$p $g $l $s"
  done
} | awk -v with_system="$([ -n "$system_glimmer" ] && echo 1 || echo 0)" '
  BEGIN {
    printf "%-20s %10s %10s %12s", "program", "glimmer s", "lua s", "glimmer/lua"
    if (with_system) printf " %10s %15s", "system s", "glimmer/system"
    printf "\n"
  }
  {
    ratio = $2 / $3; sum_log += log(ratio); if (ratio > worst) { worst = ratio; worst_name = $1 }
    printf "%-20s %10.3f %10.3f %11.2fx", $1, $2, $3, ratio
    if (with_system) { heap = $2 / $4; sum_heap += log(heap); printf " %10.3f %14.2fx", $4, heap }
    printf "\n"; n++
  }
  END {
    geo = exp(sum_log / n)
    printf "%-20s %10s %10s %11.2fx", "geometric mean", "", "", geo
    if (with_system) printf " %10s %14.2fx", "", exp(sum_heap / n)
    printf "\n"
    printf "worst: %s at %.2fx. Target (geometric mean <= 2x, every program <= 3x): %s\n",
      worst_name, worst, (geo <= 2 && worst <= 3) ? "met" : "not met"
  }'
