#!/usr/bin/env bash
# Builds and runs the libFuzzer targets for a bounded time.
#
#   scripts/fuzz.sh SECONDS          # every target, SECONDS each
#   scripts/fuzz.sh SECONDS TARGET   # one target (e.g. fuzz_parser)
#
# Built by Meson with clang into build-fuzz/ (FUZZ_BUILD_DIR overrides):
# the library and the targets (-Dfuzzing=true) with ASan + UBSan and
# libFuzzer's coverage hooks (-fsanitize=fuzzer-no-link; libFuzzer's main is
# linked into the targets only). -O0: two thirds of -O1's compile time
# (the old lib/client_ops.cpp: 18 s vs 27 s here), which is most of this step's
# cost in CI. -fno-sanitize=function: clang 14 cannot emit its prologue
# data for split coroutine functions ("Cannot represent a difference across
# sections"). b_lundef=false: the sanitizer runtimes are linked into the
# executables, not the library.
# fuzz_parser feeds the parser alone; fuzz_client the whole client, against
# a loopback server that replays the fuzzer's bytes. The working corpus
# lives in build-fuzz/corpus-TARGET and starts from the committed seeds in
# test/fuzz/corpus-TARGET/ (test/fuzz/corpus/ for fuzz_parser). Exits
# non-zero on any finding and prints the reproducer's path; rerun one with
#   build-fuzz/test/TARGET build-fuzz/artifacts/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: fuzz.sh SECONDS [TARGET]}
only=${2:-}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "fuzz.sh: SECONDS must be a number" >&2; exit 2; }
out=${FUZZ_BUILD_DIR:-build-fuzz}
command -v clang++ >/dev/null || { echo "fuzz.sh: clang++ not found (scripts/install-deps.sh)" >&2; exit 1; }
if [ ! -f "$out/build.ninja" ]; then
  CXX=clang++ meson setup "$out" --buildtype=debug -Doptimization=0 \
    -Db_sanitize=address,undefined -Db_lundef=false -Dfuzzing=true \
    -Dcpp_args="-fsanitize=fuzzer-no-link -fno-sanitize=function -fno-sanitize-recover=undefined" >/dev/null
fi
mkdir -p "$out/artifacts"

status=0
for target_src in test/fuzz/fuzz_*.cpp; do
  target=$(basename "${target_src%.cpp}")
  [ -n "$only" ] && [ "$only" != "$target" ] && continue
  echo "fuzz.sh: building $target" >&2
  ninja -C "$out" -j "$(nproc)" "test/$target" >"$out/$target-build.log" 2>&1 \
    || { tail -n 30 "$out/$target-build.log" >&2; echo "fuzz.sh: building $target failed" >&2; exit 1; }

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
  "$out/test/$target" "$corpus" "${dict_arg[@]}" \
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
    [ -n "$artifact" ] && echo "fuzz.sh: reproducer: $artifact (rerun: $out/test/$target $artifact)" >&2
  else
    echo "fuzz.sh: $target: no findings in ${seconds}s" >&2
  fi
done
exit $status
