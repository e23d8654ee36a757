#!/usr/bin/env bash
# Installs the Debian 12 packages Glimmer needs that this machine does not have yet.
# Safe to run again: it asks apt only for what is missing. Needs root (or sudo) to install.
set -euo pipefail

packages=(
  cmake make g++ pkg-config            # the build
  libboost-test-dev libfmt-dev         # tests, formatting
  liblua5.4-dev lua5.4                 # reference traces and Lua comparisons
  libmimalloc-dev libjemalloc-dev      # allocators we compare against
  zlib1g-dev libedit-dev               # .gwt.gz traces, the REPL's line editing
  clang libclang-rt-14-dev             # libFuzzer and sanitizer runtimes
  valgrind                             # memcheck-aware heap tests, callgrind counts
)

missing=()
for p in "${packages[@]}"; do
  # dpkg-query prints "install ok installed" only for a fully installed package.
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
