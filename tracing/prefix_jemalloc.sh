#!/bin/sh
# prefix_jemalloc.sh IN.a OUT.a NM OBJCOPY
# Renames every symbol Debian's libjemalloc_pic.a defines to gwje_NAME, so jemalloc can be
# linked statically without replacing malloc/free for the whole process (Debian builds it
# unprefixed) and without dlopen (its initial-exec TLS does not fit a dlopen'ed library).
set -eu
in="$1"; out="$2"; nm="$3"; objcopy="$4"
"$nm" -g --defined-only "$in" | awk 'NF == 3 { print $3 " gwje_" $3 }' | sort -u > "$out.syms"
"$objcopy" --redefine-syms="$out.syms" "$in" "$out"
