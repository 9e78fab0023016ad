#!/usr/bin/env bash
# The multi-threaded test under ThreadSanitizer: thread-tests
# (test/live/test_threads.cpp alone: 4 threads running one
# io_context, 16 clients, calls and destruction across threads), built in
# build-tsan/ (TSAN_BUILD_DIR overrides). The rest of the suite runs under
# AddressSanitizer + UndefinedBehaviorSanitizer in scripts/test.sh's own
# build; a TSan build of every test would add minutes of CI for code that
# runs on one thread.
#
# gcc at -O0: half the compile time of -O1 (test/loopback/test_hostile.cpp:
# 23 s vs 50 s here) and the test waits on sockets, not on the CPU.
# b_lundef=false: the sanitizer runtime is linked into the executables, not
# the library.
# Needs a Dovecot (IMAP_HOST, IMAP_PORT...: run inside scripts/test.sh, or
# after `set -a; . DIR/env; set +a` from test/servers/dovecot.sh). Ends
# with the test program's own "test cases: ..." line.
set -uo pipefail
cd "$(dirname "$0")/.."
dir=${TSAN_BUILD_DIR:-build-tsan}
[ -n "${IMAP_PORT:-}" ] || { echo "tsan.sh: IMAP_PORT is not set (no Dovecot)" >&2; exit 1; }
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" --buildtype=debug -Doptimization=0 -Db_sanitize=thread -Db_lundef=false >/dev/null || exit 1
fi
t0=$SECONDS
ninja -C "$dir" -j "$(nproc)" test/thread-tests >"$dir/tsan-build.log" 2>&1 \
  || { tail -n 30 "$dir/tsan-build.log" >&2; echo "tsan.sh: build failed" >&2; exit 1; }
echo "tsan.sh: built in $((SECONDS - t0)) s" >&2
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/test/tsan.supp exec "$dir/test/thread-tests"
