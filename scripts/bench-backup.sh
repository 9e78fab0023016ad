#!/usr/bin/env bash
# imap-backup (samples/backup) side by side with mbsync (isync) on the same
# job: a full download of an INBOX of N messages (default 2000, seeded by
# test/servers/dovecot.sh) from a throwaway Dovecot on loopback into an
# empty Maildir, RUNS (default 5) times each, alternating, median printed;
# then a no-change re-run of each (the incremental case). Neither fsyncs.
# mbsync adds an X-TUID header line to each message it saves, hence its
# slightly larger byte count.
#
#   scripts/bench-backup.sh [BUILD_DIR]   (default: build; its build type is printed)
#
# mbsync comes from Debian's isync package (installed here when missing).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$root/build}")
runs=${RUNS:-5}
count=${COUNT:-2000}
command -v mbsync >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y isync >/dev/null
ninja -C "$build" samples/backup/imap-backup >/dev/null
buildtype=$(meson introspect "$build" --buildoptions | python3 -c 'import json,sys; o={x["name"]:x["value"] for x in json.load(sys.stdin)}; print(o["buildtype"], "sanitize=" + o["b_sanitize"])')

work=$(mktemp -d /tmp/imapclient-bench-backup.XXXXXX)
chmod 755 "$work"
trap '"$root/test/servers/dovecot.sh" stop "$work/dovecot" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$root/test/servers/dovecot.sh" start "$work/dovecot" >/dev/null
"$root/test/servers/dovecot.sh" seed "$work/dovecot" alice "$count" >/dev/null
# shellcheck disable=SC1091
. "$work/dovecot/env"

# FSync no: imap-backup does not fsync either, and mbsync's default (an
# fsync per message) would measure the disk, not the client.
cat >"$work/mbsyncrc" <<RC
FSync no

IMAPAccount bench
Host $IMAP_HOST
Port $IMAP_PORT
User alice
Pass alicepass
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account bench

MaildirStore local
Path $work/mbsync/
Inbox $work/mbsync/INBOX

Channel bench
Far :remote:
Near :local:
Patterns INBOX
Sync Pull
Create Near
SyncState *
RC

run_backup() { IMAP_PASSWORD=alicepass "$build/samples/backup/imap-backup" "$IMAP_HOST" "$IMAP_PORT" alice "$work/backup" --plain --folder INBOX >/dev/null; }
run_mbsync() { mbsync -q -c "$work/mbsyncrc" bench >/dev/null 2>&1; }
# seconds NAME: runs NAME once and prints the wall time in seconds.
seconds() { local t0 t1; t0=$(date +%s.%N); "$1"; t1=$(date +%s.%N); awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'; }
median() { sort -g | awk '{a[NR]=$1} END {printf "%.3f", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "== machine: nproc=$(nproc), loadavg=$(cut -d' ' -f1-3 /proc/loadavg), imap-backup build: $buildtype, $(mbsync --version)"
full_backup=() full_mbsync=()
for ((i = 0; i < runs; i++)); do
  rm -rf "$work/backup" "$work/mbsync"; mkdir -p "$work/mbsync"
  full_backup+=("$(seconds run_backup)")
  full_mbsync+=("$(seconds run_mbsync)")
done
files_backup=$(find "$work/backup/INBOX/cur" -type f | wc -l)
files_mbsync=$(find "$work/mbsync/INBOX" -path '*/cur/*' -type f -o -path '*/new/*' -type f | wc -l)
bytes_backup=$(find "$work/backup/INBOX/cur" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
bytes_mbsync=$(find "$work/mbsync/INBOX" \( -path '*/cur/*' -o -path '*/new/*' \) -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
again_backup=() again_mbsync=()
for ((i = 0; i < runs; i++)); do
  again_backup+=("$(seconds run_backup)")
  again_mbsync+=("$(seconds run_mbsync)")
done
echo "full download of $count messages, median of $runs (s):  imap-backup $(printf '%s\n' "${full_backup[@]}" | median)  mbsync $(printf '%s\n' "${full_mbsync[@]}" | median)"
echo "re-run with nothing new, median of $runs (s):            imap-backup $(printf '%s\n' "${again_backup[@]}" | median)  mbsync $(printf '%s\n' "${again_mbsync[@]}" | median)"
echo "files/bytes saved: imap-backup $files_backup / $bytes_backup, mbsync $files_mbsync / $bytes_mbsync"
