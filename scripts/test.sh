#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds, runs the unit
# tests and the integration tests (against throwaway Dovecot, Cyrus and
# hoodiecrow servers it starts itself) under AddressSanitizer +
# UndefinedBehaviorSanitizer, the multi-threaded test under
# ThreadSanitizer, and the fuzzers for a bounded time.
# Ends with "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${BUILD_DIR:-$root/build}
fuzz_seconds=${FUZZ_SECONDS:-60}

bash scripts/install-deps.sh || { echo "install-deps failed"; echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
skipped=0  # known failures ([!mayfail] tests that failed), listed in the run's output
# Runs a test program whose last line is "test cases: N passed, M failed"
# (test/catch_main.cpp), or counts a plain command as one test.
run_step() {
  local name=$1; shift
  echo "=== $name: $*"
  local log; log=$(mktemp)
  "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line; line=$(grep -E '^test cases: [0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$log" | tail -n 1)
  if [ -n "$line" ]; then
    local p f k
    p=$(sed -E 's/^test cases: ([0-9]+) passed.*/\1/' <<<"$line")
    f=$(sed -E 's/^test cases: [0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")
    k=$(sed -nE 's/.*, ([0-9]+) skipped$/\1/p' <<<"$line"); k=${k:-0}
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + k))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); echo "=== $name exited $rc"; fi
  elif [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1)); echo "=== $name FAILED (exit $rc)"
  fi
  rm -f "$log"
}

# The suite's build: gcc (the compiler most users build with) at -O0 with
# ASan + UBSan, which compiles as fast as a plain -O2 build (22-23 s for
# the old lib/client_ops.cpp here; -O2 with sanitizers takes 85 s). The samples and
# the benchmark programs are built (and the samples run) in it too. An
# existing build directory is switched to these options.
# detect_leaks: LeakSanitizer at exit; abort_on_error / halt_on_error: the
# first report fails the test program.
sanitize_opts=(--buildtype=debug -Doptimization=0 -Db_sanitize=address,undefined)
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
build_ok=1
if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "${sanitize_opts[@]}" >/dev/null || build_ok=0
else
  meson configure "$build" "${sanitize_opts[@]}" >/dev/null || build_ok=0
fi
[ $build_ok = 1 ] && { ninja -C "$build" -j "$(nproc)" || build_ok=0; }
if [ $build_ok = 0 ]; then
  echo "build failed"; echo "0 passed, 1 failed"; exit 1
fi

# Cyrus starts in the background while the unit tests run (its start takes
# seconds); its env goes under CYRUS_* (CYRUS_HOST, CYRUS_PORT,
# CYRUS_IMAPS_PORT, CYRUS_CA, CYRUS_DIR) next to Dovecot's IMAP_*.
cyrus_dir=$(mktemp -d /tmp/imapclient-cyrus.XXXXXX)
chmod 755 "$cyrus_dir"
dovecot_dir=
gmail_dir=
stop_servers() {
  wait "$cyrus_start" 2>/dev/null
  bash "$root/test/servers/cyrus.sh" stop "$cyrus_dir" >/dev/null 2>&1; rm -rf "$cyrus_dir"
  [ -z "$dovecot_dir" ] || { bash "$root/test/servers/dovecot.sh" stop "$dovecot_dir" >/dev/null 2>&1; rm -rf "$dovecot_dir"; }
  [ -z "$gmail_dir" ] || { bash "$root/test/servers/hoodiecrow.sh" stop "$gmail_dir" >/dev/null 2>&1; rm -rf "$gmail_dir"; }
}
trap stop_servers EXIT
bash test/servers/cyrus.sh start "$cyrus_dir" >"$cyrus_dir/start.log" 2>&1 &
cyrus_start=$!

run_step "unit tests" "$build/test/unit-tests"
run_step "packaging (headers alone, install + pkg-config, subproject)" bash scripts/check-packaging.sh "$build"

# A throwaway Dovecot for the integration tests (stopped on exit, whatever
# happens); the tests that need a server of their own start it themselves.
dovecot_dir=$(mktemp -d /tmp/imapclient-dovecot.XXXXXX)
chmod 755 "$dovecot_dir"  # the mail processes run as an unprivileged user
if wait "$cyrus_start"; then
  set -a; . <(sed -e 's/^IMAPS_/CYRUS_IMAPS_/' -e 's/^IMAP_/CYRUS_/' "$cyrus_dir/env"); set +a
else
  cat "$cyrus_dir/start.log"; echo "=== could not start Cyrus"; failed=$((failed + 1))
fi
# The Gmail stand-in (hoodiecrow, X-GM-EXT-1 + XLIST) for the [gmail]
# tests: GMAIL_HOST, GMAIL_PORT, GMAIL_XLIST_PORT.
gmail_dir=$(mktemp -d /tmp/imapclient-gmail.XXXXXX)
if bash test/servers/hoodiecrow.sh start "$gmail_dir"; then
  set -a; . "$gmail_dir/env"; set +a
else
  echo "=== could not start hoodiecrow (the Gmail stand-in)"; failed=$((failed + 1))
fi
if bash test/servers/dovecot.sh start "$dovecot_dir" && bash test/servers/dovecot.sh seed "$dovecot_dir" alice 20; then
  set -a; . "$dovecot_dir/env"; set +a
  run_step "integration tests (Dovecot, Cyrus, hoodiecrow, scripted servers)" "$build/test/integration-tests"
  run_step "thread tests under ThreadSanitizer" bash scripts/tsan.sh
else
  echo "=== could not start Dovecot"; failed=$((failed + 1))
fi

if [ "${SKIP_FUZZ:-0}" != 1 ] && [ -x scripts/fuzz.sh ]; then
  # Both fuzzers (the parser's, and the client's fed by a fuzzed server
  # script), FUZZ_SECONDS each.
  run_step "fuzzers (${fuzz_seconds}s each)" bash scripts/fuzz.sh "$fuzz_seconds"
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
