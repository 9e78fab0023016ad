#!/usr/bin/env bash
# The tests under sanitizers:
#  - AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/): unit-tests
#    and integration-tests, leaks detected, the first report fatal;
#  - ThreadSanitizer (build-tsan/): thread-tests (test/integration/
#    test_threads.cpp alone: 4 threads on one io_context, 16 clients, calls
#    and destruction across threads). A TSan build of every test would add
#    several more minutes of CI for code that runs on one thread.
#
#   scripts/sanitize.sh            # both
#   scripts/sanitize.sh asan|tsan  # one
#
# The integration tests need a Dovecot: run this inside scripts/test.sh (it
# is one of its steps) or after `set -a; . DIR/env; set +a` (test/servers/
# dovecot.sh). Build directories: ASAN_BUILD_DIR, TSAN_BUILD_DIR (default
# build-asan, build-tsan); SANITIZE_JOBS (default nproc) compile jobs.
# Ends with "test cases: N passed, M failed, K skipped", the sum over the
# programs; a program that dies without its own count line (a sanitizer
# report aborts it), and a failed build, count as one failed test case each.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
what=${1:-all}
case $what in all | asan | tsan) ;; *) echo "usage: sanitize.sh [asan|tsan]" >&2; exit 2 ;; esac
asan_dir=${ASAN_BUILD_DIR:-$root/build-asan}
tsan_dir=${TSAN_BUILD_DIR:-$root/build-tsan}
jobs=${SANITIZE_JOBS:-$(nproc)}

passed=0
failed=0
skipped=0  # [!mayfail] tests that failed (test/catch_main.cpp)
note() { echo "sanitize.sh: $*" >&2; }

# setup DIR SANITIZERS: a debug build with -O1 (fast to compile, usable
# stacks); b_lundef=false because the sanitizer runtimes are linked into
# the executables, not the shared library.
setup() {
  local dir=$1 san=$2
  [ -f "$dir/build.ninja" ] && return 0
  meson setup "$dir" --buildtype=debug -Doptimization=1 -Db_sanitize="$san" -Db_lundef=false >/dev/null
}

build() {
  local dir=$1; shift
  local t0=$SECONDS
  if ninja -C "$dir" -j "$jobs" "$@" >"$dir/sanitize-build.log" 2>&1; then
    note "built $* in $dir ($((SECONDS - t0)) s)"
  else
    tail -n 30 "$dir/sanitize-build.log" >&2
    note "BUILD FAILED in $dir: $*"
    failed=$((failed + 1))
    return 1
  fi
}

# run NAME PROGRAM ARGS...: adds the program's test case counts.
run() {
  local name=$1; shift
  local log; log=$(mktemp)
  local t0=$SECONDS
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line; line=$(grep -E '^test cases: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n 1)
  if [ -n "$line" ]; then
    local p f k
    p=$(sed -E 's/^test cases: ([0-9]+) passed.*/\1/' <<<"$line")
    f=$(sed -E 's/^test cases: [0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
    k=$(sed -nE 's/.*, ([0-9]+) skipped$/\1/p' <<<"$line"); k=${k:-0}
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + k))
    # A sanitizer report after the last test case still fails the run.
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); fi
  else
    # Died without its count line (a sanitizer aborts at its first report).
    failed=$((failed + 1))
  fi
  grep -E '^(SUMMARY|==[0-9]+==ERROR|WARNING: ThreadSanitizer)' "$log" | sort | uniq -c | head -n 20 >&2 || true
  note "$name: exit $rc in $((SECONDS - t0)) s"
  rm -f "$log"
}

# run_tests NAME PROGRAM: the program's tests, the known failures
# ([!mayfail]) one by one: a sanitizer report aborts the whole program, so a
# known failure must not take the others down with it. A known failure that
# fails (or is aborted by its sanitizer) counts as skipped, as in
# test/catch_main.cpp; one that passes counts as passed.
run_tests() {
  local name=$1 program=$2
  run "$name" "$program" "~[!mayfail]"
  local t rc
  while IFS= read -r t; do
    [ -n "$t" ] || continue
    "$program" "${t//,/\\,}" >/dev/null 2>&1; rc=$?
    if [ $rc -eq 0 ]; then
      passed=$((passed + 1))
    else
      skipped=$((skipped + 1)); note "$name: known failure (exit $rc): $t"
    fi
  done < <("$program" --list-test-names-only "[!mayfail]" 2>/dev/null | sed -e '/^$/d' -e '/^test cases: /d' -e 's/^  *//')
}

if [ "$what" != tsan ]; then
  # The integration tests also run the samples (samples/new_mail_listener).
  asan_targets=(test/unit-tests test/integration-tests)
  if setup "$asan_dir" address,undefined; then
    mapfile -t samples < <(ninja -C "$asan_dir" -t targets all 2>/dev/null | grep -oE '^samples/[A-Za-z0-9_-]+:' | tr -d : | sort -u)
    asan_targets+=("${samples[@]}")
  fi
  if setup "$asan_dir" address,undefined && build "$asan_dir" "${asan_targets[@]}"; then
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
    run_tests "unit tests (ASan+UBSan)" "$asan_dir/test/unit-tests"
    if [ -n "${IMAP_PORT:-}" ]; then
      run_tests "integration tests (ASan+UBSan)" "$asan_dir/test/integration-tests"
    else
      note "IMAP_PORT is not set: no Dovecot, integration tests not run (counted as failed)"
      failed=$((failed + 1))
    fi
    unset ASAN_OPTIONS UBSAN_OPTIONS
  elif [ ! -f "$asan_dir/build.ninja" ]; then
    note "meson setup of $asan_dir failed"; failed=$((failed + 1))
  fi
fi

if [ "$what" != asan ]; then
  if setup "$tsan_dir" thread && build "$tsan_dir" test/thread-tests; then
    if [ -n "${IMAP_PORT:-}" ]; then
      export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
      run_tests "thread tests (TSan)" "$tsan_dir/test/thread-tests"
      unset TSAN_OPTIONS
    else
      note "IMAP_PORT is not set: no Dovecot, thread tests not run (counted as failed)"
      failed=$((failed + 1))
    fi
  elif [ ! -f "$tsan_dir/build.ninja" ]; then
    note "meson setup of $tsan_dir failed"; failed=$((failed + 1))
  fi
fi

echo "test cases: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
