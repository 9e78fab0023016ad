#!/usr/bin/env bash
# Builds and runs the libFuzzer targets for a bounded time.
#
#   scripts/fuzz.sh SECONDS          # every target, SECONDS each
#   scripts/fuzz.sh SECONDS TARGET   # one target (e.g. fuzz_parser)
#
# Built straight with clang (ASan + UBSan + libFuzzer) into build-fuzz/
# (FUZZ_BUILD_DIR overrides): fuzz_parser from lib/wire/*.cpp alone (no
# Asio), the other targets (fuzz_client) from every source of the library
# as lib/meson.build lists them, Asio included (lib/net/asio_impl.cpp).
# The working corpus lives in build-fuzz/corpus-TARGET and starts from the
# committed seeds in test/fuzz/corpus-TARGET/ (test/fuzz/corpus/ for
# fuzz_parser). Exits non-zero on any finding and prints the reproducer's
# path; rerun one with
#   build-fuzz/TARGET build-fuzz/artifacts/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
seconds=${1:?usage: fuzz.sh SECONDS [TARGET]}
only=${2:-}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a number" >&2; exit 2; }
out=${FUZZ_BUILD_DIR:-$root/build-fuzz}
cxx=${CXX_FUZZ:-clang++}
command -v "$cxx" >/dev/null || { echo "fuzz.sh: $cxx not found (scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$out/obj" "$out/artifacts"

# shellcheck disable=SC2054  # the commas belong to -fsanitize=
# -fno-sanitize=function: clang 14 cannot emit its prologue data for split
# coroutine functions ("Cannot represent a difference across sections").
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -fno-sanitize=function -fno-omit-frame-pointer -Iinclude -Ilib -DBOOST_ASIO_SEPARATE_COMPILATION -DBOOST_ASIO_NO_DEPRECATED)
lib_libs=(-lssl -lcrypto -lz -lpthread)

# The library sources are compiled once (without libFuzzer's main) and
# recompiled only when they or a header they include changed, so reruns
# start quickly.
# stale OBJ SRC: true when OBJ must be rebuilt: missing, or older than its
# source or any header it included (OBJ.d, written by -MMD), so that one
# edited header recompiles only what includes it.
stale() {
  local obj=$1 src=$2 dep=${1%.o}.d f
  [ -f "$obj" ] && [ -f "$dep" ] || return 0
  [ "$src" -nt "$obj" ] && return 0
  for f in $(sed -e 's/^[^:]*://' -e 's/\\$//' "$dep"); do
    [ "$f" -nt "$obj" ] && return 0
  done
  return 1
}

# compile_objs ARRAY SOURCES...: compiles what is stale, FUZZ_JOBS (default
# nproc) at a time, and fills ARRAY.
compile_objs() {
  local -n into=$1; shift
  local src obj failed_mark=$out/obj/compile-failed
  rm -f "$failed_mark"
  for src in "$@"; do
    obj=$out/obj/$(tr / _ <<<"${src%.cpp}").o
    if stale "$obj" "$src"; then
      while [ "$(jobs -rp | wc -l)" -ge "${FUZZ_JOBS:-$(nproc)}" ]; do wait -n || true; done
      echo "fuzz.sh: compiling $src" >&2
      # into a temporary name: an interrupted compile leaves no fresh-looking object
      { "$cxx" "${flags[@]/-fsanitize=fuzzer,/-fsanitize=fuzzer-no-link,}" -MMD -MF "${obj%.o}.d" \
          -c "$src" -o "$obj.tmp" && mv "$obj.tmp" "$obj"; } \
        || { echo "fuzz.sh: compiling $src failed" >&2; touch "$failed_mark"; } &
    fi
    into+=("$obj")
  done
  wait
  [ ! -f "$failed_mark" ] || exit 1
}
wire_objs=()
compile_objs wire_objs lib/wire/*.cpp
lib_objs=()
lib_built=0
build_lib() {  # only when a target needs it: Asio takes minutes to compile
  [ $lib_built = 1 ] && return
  local srcs=() f
  # The library's own list, so that the fuzzer links what the library is.
  for f in $(grep -oE "'[a-z0-9_/]+\.cpp'" lib/meson.build | tr -d "'"); do srcs+=("lib/$f"); done
  compile_objs lib_objs "${srcs[@]}"
  lib_built=1
}

status=0
for target_src in test/fuzz/fuzz_*.cpp; do
  target=$(basename "${target_src%.cpp}")
  [ -n "$only" ] && [ "$only" != "$target" ] && continue
  if [ "$target" = fuzz_parser ]; then
    objs=("${wire_objs[@]}") libs=()
  else
    build_lib
    objs=("${lib_objs[@]}") libs=("${lib_libs[@]}")
  fi
  echo "fuzz.sh: building $target" >&2
  "$cxx" "${flags[@]}" "$target_src" "${objs[@]}" "${libs[@]}" -o "$out/$target" \
    || { echo "fuzz.sh: building $target failed" >&2; exit 1; }

  corpus=$out/corpus-$target
  mkdir -p "$corpus"
  seeds=test/fuzz/corpus-$target
  [ -d "$seeds" ] || seeds=test/fuzz/corpus
  [ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
  dict=test/fuzz/imap.dict
  dict_arg=()
  [ -f "$dict" ] && dict_arg=(-dict="$dict")

  log=$out/$target.log
  echo "fuzz.sh: running $target for ${seconds}s (log $log)" >&2
  set +e
  "$out/$target" "$corpus" "${dict_arg[@]}" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
    -artifact_prefix="$out/artifacts/" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  tail -n 12 "$log" | grep -E '^(#|stat::|Done)' >&2 || true
  if [ $rc -ne 0 ]; then
    status=1
    echo "fuzz.sh: $target FOUND A PROBLEM (exit $rc)" >&2
    grep -E 'ERROR:|SUMMARY:|fuzz_[a-z]+:|Test unit written|uncaught exception|deadly signal' "$log" | head -n 10 >&2 || true
    # the stack of the first report, for the bug report
    sed -n '/ERROR: /,/SUMMARY:/p' "$log" | grep -E '^ +#[0-9]+ ' | head -n 25 >&2 || true
    artifact=$(grep -oE 'Test unit written to [^ ]+' "$log" | tail -n 1 | sed 's/Test unit written to //')
    [ -n "$artifact" ] && echo "fuzz.sh: reproducer: $artifact (rerun: $out/$target $artifact)" >&2
  else
    echo "fuzz.sh: $target: no findings in ${seconds}s" >&2
  fi
done
exit $status
