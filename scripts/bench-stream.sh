#!/usr/bin/env bash
# Streamed FETCH of one big message (issue: streaming large messages),
# side by side in one run:
#   cat       the message's Maildir file read by `cat` (the physical floor:
#             page cache to /dev/null or to a file, no IMAP at all)
#   raw socket  FETCH read off the socket by a few lines of Python into a
#             reused buffer (test/bench/peers/raw_fetch.py): the server's
#             own speed over loopback, no client library
#   imapclient-cpp   stream_fetch() of BODY[] (test/bench/stream_bench)
#   imapflow  download() (when installed by hand into BUILD_DIR/npm:
#             npm install --prefix BUILD_DIR/npm imapflow)
# each into /dev/null and into a file on the same disk, RUNS (3) times after
# one warm-up fetch (Dovecot computes the message's size once), medians
# printed with peak RSS. Then stream_append() of the same file, beside `cat`
# of it into a file (the server writes it into its Maildir); at most 3 runs
# (one per spare account: each has a 1 GB quota).
#
#   scripts/bench-stream.sh [BUILD_DIR] [SIZE_MB]   (default: build-bench, 1024)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$root/build-bench}")
size_mb=${2:-1024}
runs=${RUNS:-3}

work=$(mktemp -d /tmp/imapclient-bench-stream.XXXXXX)
chmod 755 "$work"
cleanup() {
  "$root/test/servers/dovecot.sh" stop "$work/dovecot" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ ! -f "$build/build.ninja" ]; then
  (cd "$root" && meson setup "$build" --buildtype=release)
fi
ninja -C "$build" test/bench/stream_bench >/dev/null
echo "== machine: nproc=$(nproc), cpu=\"$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)\", loadavg=$(cut -d' ' -f1-3 /proc/loadavg), build: $(meson introspect --buildoptions "$build" | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="buildtype"))')"

"$root/test/servers/dovecot.sh" start "$work/dovecot" >/dev/null
# shellcheck disable=SC1091
. "$work/dovecot/env"
# One message of SIZE_MB straight into a Maildir folder (CRLF lines, as
# Dovecot will send them).
box=$work/dovecot/mail/alice/Maildir/.Big
mkdir -p "$box/cur" "$box/new" "$box/tmp"
msg=$box/new/$(date +%s).big.bench
python3 - "$msg" "$size_mb" <<'PY'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
line = b"0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ!!\r\n"
with open(path, "wb") as f:
    f.write(b"From: big@example.com\r\nTo: alice@example.com\r\nSubject: big\r\n\r\n")
    block = line * (1 << 14)
    for _ in range(mb * (1 << 20) // len(block)):
        f.write(block)
PY
read -r _ _ muid mgid <"$work/dovecot/etc/mail-owner"
chown -R "$muid:$mgid" "$work/dovecot/mail/alice/Maildir" 2>/dev/null || true
bytes=$(stat -c %s "$msg")
echo "== message: $bytes bytes; median of $runs runs"

results=$work/results.jsonl
: >"$results"
out=$work/out.eml
"$build/test/bench/stream_bench" fetch "$IMAP_PORT" alice alicepass Big /dev/null >/dev/null  # warm-up
for dest in /dev/null "$out"; do
  for _ in $(seq "$runs"); do
    /usr/bin/time -f '%e %M' -o "$work/time" cat "$msg" >"$dest"
    read -r s kib <"$work/time"
    echo "{\"client\":\"cat\",\"out\":\"$dest\",\"bytes\":$bytes,\"seconds\":$s,\"peak_rss_kib\":$kib}" >>"$results"
    python3 "$root/test/bench/peers/raw_fetch.py" "$IMAP_PORT" alice alicepass Big "$dest" >>"$results"
    "$build/test/bench/stream_bench" fetch "$IMAP_PORT" alice alicepass Big "$dest" |
      sed 's/^{/{"client":"imapclient-cpp",/' >>"$results"
    if [ -d "$build/npm/node_modules/imapflow" ]; then
      IMAPFLOW_DIR=$build/npm node "$root/test/bench/peers/imapflow_download.mjs" "$IMAP_PORT" alice alicepass Big "$dest" >>"$results"
    fi
    [ "$dest" = /dev/null ] || cmp -s "$msg" "$dest" || { echo "bench-stream.sh: $dest differs from the message" >&2; exit 1; }
  done
done
[ -d "$build/npm/node_modules/imapflow" ] || echo "(imapflow not installed in $build/npm: skipped)"
copy=$work/append.eml
cp "$msg" "$copy"
# Each user has a 1 GB quota: every run appends as another one.
users=(bob carol dave)
for i in $(seq 0 $((runs > 3 ? 2 : runs - 1))); do
  /usr/bin/time -f '%e %M' -o "$work/time" cat "$copy" >"$out"
  read -r s kib <"$work/time"
  echo "{\"client\":\"cat\",\"work\":\"append\",\"out\":\"append\",\"bytes\":$bytes,\"seconds\":$s,\"peak_rss_kib\":$kib}" >>"$results"
  "$build/test/bench/stream_bench" append "$IMAP_PORT" "${users[$i]}" "${users[$i]}pass" INBOX "$copy" |
    sed 's/^{/{"client":"imapclient-cpp",/; s/"out":"[^"]*"/"out":"append"/' >>"$results"
done

python3 - "$results" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
groups = {}
for r in rows:
    into = r["out"] if r["out"] in ("/dev/null", "append") else "file"
    groups.setdefault(into, {}).setdefault(r["client"], []).append(r)
print(f"{'into':10} {'client':15} {'median s':>9} {'MB/s':>8} {'peak RSS MiB':>13}  vs cat")
for dest, by_client in groups.items():
    base = statistics.median(float(x["seconds"]) for x in by_client["cat"])
    for client, rs in by_client.items():
        med = statistics.median(float(x["seconds"]) for x in rs)
        rss = max(int(x["peak_rss_kib"]) for x in rs) / 1024
        print(f"{dest:10} {client:15} {med:9.3f} {rs[0]['bytes'] / med / 1e6:8.0f} {rss:13.1f}  {med / max(base, 1e-6):6.2f}x")
PY
