#!/usr/bin/env bash
# Runs the benchmarks and prints their figures.
#
#   scripts/bench.sh [BUILD_DIR]     (default: build-bench, release build)
#
# 1. builds the benchmark programs (BUILD_DIR is set up with
#    --buildtype=release when missing; a non-release BUILD_DIR is refused);
# 2. starts a throwaway Dovecot (test/servers/dovecot.sh) and seeds 2000
#    messages for alice;
# 3. parser-bench (no server), pipeline_bench (N=500 at 25 ms RTT through
#    its embedded latency proxy), pool_bench (leases, the pool and one
#    connection per coroutine, 25 ms RTT);
# 4. the peer workload, RUNS (3) times each, median printed:
#      headers 2000, bodies 2000   directly to Dovecot on loopback
#      small 200                   through latency_proxy at 25 ms RTT: the
#                                  PORT given to the workload is the proxy's
#    for imapclient-cpp (test/bench/workload), imaplib (Python stdlib) and,
#    when it was installed by hand into BUILD_DIR/npm (this script never
#    downloads anything), imapflow:
#      npm install --prefix BUILD_DIR/npm imapflow
# 5. idle_bench (a Cyrus is started too): IDLE notification latency, 500
#    appends each against Cyrus and Dovecot; 1000 idle connections on one
#    thread against Dovecot (memory per connection, CPU while idle);
# 6. stops the servers and the proxy.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$root/build-bench}")
runs=${RUNS:-3}
rtt_ms=25

work=$(mktemp -d /tmp/imapclient-bench.XXXXXX)
# As root, Dovecot reads its files as the dovecot user: mktemp's 0700 would
# lock it out.
chmod 755 "$work"
proxy_pid=
cleanup() {
  local rc=$?
  if [ "$rc" != 0 ] && [ -d "$work/dovecot/log" ]; then
    echo "bench.sh: failed ($rc); the end of Dovecot's log:" >&2
    tail -n 20 "$work"/dovecot/log/*.log >&2 || true
  fi
  if [ -n "$proxy_pid" ]; then kill "$proxy_pid" 2>/dev/null || true; wait "$proxy_pid" 2>/dev/null || true; fi
  "$root/test/servers/dovecot.sh" stop "$work/dovecot" >/dev/null 2>&1 || true
  "$root/test/servers/cyrus.sh" stop "$work/cyrus" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# --- build -------------------------------------------------------------
if [ ! -f "$build/build.ninja" ]; then
  (cd "$root" && meson setup "$build" --buildtype=release)
fi
buildtype=$(meson introspect --buildoptions "$build" |
  python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="buildtype"))')
if [ "$buildtype" != release ]; then
  echo "bench.sh: $build is a '$buildtype' build; benchmarks need --buildtype=release" >&2
  exit 1
fi
bench=$build/test/bench
ninja -C "$build" -j1 test/bench/parser-bench test/bench/latency_proxy test/bench/pipeline_bench \
  test/bench/workload test/bench/idle_bench test/bench/pool_bench >/dev/null

# --- server ------------------------------------------------------------
"$root/test/servers/dovecot.sh" start "$work/dovecot" >/dev/null
"$root/test/servers/dovecot.sh" seed "$work/dovecot" alice 2000
# shellcheck disable=SC1091
. "$work/dovecot/env"

echo "== machine"
echo "nproc=$(nproc), cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)\", loadavg=$(cut -d' ' -f1-3 /proc/loadavg)"
echo "kernel $(uname -r); $(dovecot --version 2>/dev/null | sed 's/^/dovecot /' || true)"

echo
echo "== parser-bench"
"$bench/parser-bench"

echo
echo "== pipeline_bench (N=500, RTT ${rtt_ms} ms)"
"$bench/pipeline_bench" "$IMAP_PORT" alice alicepass 500 "$rtt_ms"

echo "== pool_bench (64 coroutines x 8 fetches over 8 folders of 250, RTT ${rtt_ms} ms)"
"$bench/pool_bench" "$IMAP_PORT" alice alicepass "$rtt_ms" 64 8 4 250

# --- workload ------------------------------------------------------------
"$bench/latency_proxy" 0 127.0.0.1 "$IMAP_PORT" "$rtt_ms" >"$work/proxy.out" &
proxy_pid=$!
for _ in $(seq 100); do
  grep -q '^listening' "$work/proxy.out" 2>/dev/null && break
  sleep 0.05
done
proxy_port=$(sed -n 's/^listening //p' "$work/proxy.out")
[ -n "$proxy_port" ] || { echo "bench.sh: latency_proxy did not start" >&2; exit 1; }

clients=("imapclient-cpp:$bench/workload" "imaplib:python3 $root/test/bench/peers/imaplib_workload.py")
if [ -d "$build/npm/node_modules/imapflow" ] && command -v node >/dev/null; then
  clients+=("imapflow:env IMAPFLOW_DIR=$build/npm node $root/test/bench/peers/imapflow_workload.mjs")
else
  echo "(imapflow not installed in $build/npm: skipped)"
fi

echo
echo "== workload (median of $runs runs; headers/bodies direct on loopback, small through the proxy at ${rtt_ms} ms RTT)"
results=$work/results.jsonl
: >"$results"
for spec in "headers $IMAP_PORT 2000" "bodies $IMAP_PORT 2000" "small $proxy_port 200"; do
  read -r w port n <<<"$spec"
  for entry in "${clients[@]}"; do
    cmd=${entry#*:}
    for _ in $(seq "$runs"); do
      # Word splitting of $cmd is wanted: it is a program and its arguments.
      # shellcheck disable=SC2086
      $cmd "$port" alice alicepass "$w" "$n" | tee -a "$results"
    done
  done
done

echo
python3 - "$results" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
groups = {}
for r in rows:
    groups.setdefault((r["work"], r["n"]), {}).setdefault(r["client"], []).append(r)
print(f"{'work':8} {'n':>5} {'client':15} {'median s':>9} {'msg/s':>8} {'bytes':>9}  vs imapclient-cpp")
for (work, n), by_client in groups.items():
    base = statistics.median(x["wall_s"] for x in by_client.get("imapclient-cpp", by_client[next(iter(by_client))]))
    for client, rs in by_client.items():
        med = statistics.median(x["wall_s"] for x in rs)
        b = {x["bytes"] for x in rs}
        note = "" if len(b) == 1 else "  (bytes differ between runs!)"
        print(f"{work:8} {n:>5} {client:15} {med:9.4f} {n / med:8.0f} {rs[0]['bytes']:>9}  "
              f"{med / base:5.2f}x{note}")
    if len({x["bytes"] for rs in by_client.values() for x in rs}) != 1:
        print(f"  WARNING: the clients disagree on the bytes of {work} {n}")
EOF

# --- IDLE ------------------------------------------------------------------
"$root/test/servers/cyrus.sh" start "$work/cyrus" >/dev/null
cyrus_port=$(sed -n 's/^IMAP_PORT=//p' "$work/cyrus/env")
echo
echo "== idle_bench latency (500 appends each; Dovecot delays IDLE notifications ~0.5 s by design: 10 lanes)"
"$bench/idle_bench" latency "$cyrus_port" alice alicepass 500 listen 1 cyrus
"$bench/idle_bench" latency "$cyrus_port" alice alicepass 500 idle 1 cyrus
"$bench/idle_bench" latency "$IMAP_PORT" alice alicepass 500 listen 10 dovecot
"$bench/idle_bench" latency "$IMAP_PORT" alice alicepass 500 idle 10 dovecot

echo
echo "== idle_bench conns (1000 idle connections, one thread, Dovecot)"
# Dovecot's default of one imap process per connection would mean 1000
# processes (process_limit is 500 here) and more inotify instances than
# Linux gives a user (128): 50 connections per imap process instead.
sed -i 's/^  process_limit = 500$/&\n  client_limit = 50\n  service_count = 0/' "$work/dovecot/dovecot.conf"
[ "$(doveconf -c "$work/dovecot/dovecot.conf" -h service/imap/client_limit)" = 50 ] \
  || { echo "bench.sh: could not raise Dovecot's imap client_limit" >&2; exit 1; }
dovecot -c "$work/dovecot/dovecot.conf" reload
sleep 1
"$bench/idle_bench" conns "$IMAP_PORT" 1000 alice:alicepass,bob:bobpass,carol:carolpass,dave:davepass 10
