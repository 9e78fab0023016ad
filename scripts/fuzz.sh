#!/usr/bin/env bash
# Builds and runs the libFuzzer targets for a bounded time.
#
#   scripts/fuzz.sh SECONDS          # every target, SECONDS each
#   scripts/fuzz.sh SECONDS TARGET   # one target (e.g. fuzz_parser)
#
# Built straight with clang (ASan + UBSan + libFuzzer) from lib/wire/*.cpp,
# which needs no Asio, into build-fuzz/ (FUZZ_BUILD_DIR overrides). The
# working corpus lives in build-fuzz/corpus-TARGET and starts from the
# committed seeds in test/fuzz/corpus/. Exits non-zero on any finding and
# prints the reproducer's path; rerun one with
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
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -fno-omit-frame-pointer -Iinclude -Ilib)

# The library sources are compiled once (without libFuzzer's main) and
# recompiled only when they or a header changed, so reruns start quickly.
objs=()
headers_newest=$(find include lib/wire -name '*.hpp' -printf '%T@\n' | sort -n | tail -n 1)
for src in lib/wire/*.cpp; do
  obj=$out/obj/$(basename "${src%.cpp}").o
  src_time=$(stat -c %Y "$src")
  if [ ! -f "$obj" ] || [ "$(stat -c %Y "$obj")" -lt "$src_time" ] \
     || [ "$(stat -c %Y "$obj")" -lt "${headers_newest%.*}" ]; then
    echo "fuzz.sh: compiling $src" >&2
    "$cxx" "${flags[@]/-fsanitize=fuzzer,/-fsanitize=fuzzer-no-link,}" -c "$src" -o "$obj" \
      || { echo "fuzz.sh: compiling $src failed" >&2; exit 1; }
  fi
  objs+=("$obj")
done

status=0
for target_src in test/fuzz/fuzz_*.cpp; do
  target=$(basename "${target_src%.cpp}")
  [ -n "$only" ] && [ "$only" != "$target" ] && continue
  echo "fuzz.sh: building $target" >&2
  "$cxx" "${flags[@]}" "$target_src" "${objs[@]}" -o "$out/$target" \
    || { echo "fuzz.sh: building $target failed" >&2; exit 1; }

  corpus=$out/corpus-$target
  mkdir -p "$corpus"
  seeds=test/fuzz/corpus
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
    grep -E 'ERROR:|SUMMARY:|fuzz_parser:|Test unit written|uncaught exception|deadly signal' "$log" | head -n 10 >&2 || true
    # the stack of the first report, for the bug report
    sed -n '/ERROR: /,/SUMMARY:/p' "$log" | grep -E '^ +#[0-9]+ ' | head -n 25 >&2 || true
    artifact=$(grep -oE 'Test unit written to [^ ]+' "$log" | tail -n 1 | sed 's/Test unit written to //')
    [ -n "$artifact" ] && echo "fuzz.sh: reproducer: $artifact (rerun: $out/$target $artifact)" >&2
  else
    echo "fuzz.sh: $target: no findings in ${seconds}s" >&2
  fi
done
exit $status
