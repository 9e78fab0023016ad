#!/usr/bin/env bash
# A throwaway Gmail-like IMAP server (hoodiecrow-imap from npm, extended by
# test/servers/hoodiecrow/server.js) for the Gmail tests.
#
#   test/servers/hoodiecrow.sh start DIR    # start; writes DIR/env
#   test/servers/hoodiecrow.sh stop DIR     # kill it (idempotent)
#   test/servers/hoodiecrow.sh status DIR   # exit 0 when it is running
#
# After `start`, `. DIR/env` gives:
#   GMAIL_HOST=127.0.0.1
#   GMAIL_PORT        X-GM-EXT-1, XLIST and SPECIAL-USE (today's Gmail)
#   GMAIL_XLIST_PORT  X-GM-EXT-1 and XLIST without SPECIAL-USE (older Gmail)
#   GMAIL_DIR=DIR
# Plain connections only (no TLS). Accounts: alice/alicepass, bob/bobpass
# (one shared mailbox tree); XOAUTH2 with SASL-IR: alice / alice-oauth-token.
# The state lives in the server's memory: a restart starts afresh.
#
# Needs node and npm; the npm packages (pinned by
# test/servers/hoodiecrow/package-lock.json) are installed by
# scripts/install-deps.sh into HOODIECROW_MODULES, by default
# build-cache/hoodiecrow/node_modules at the top of the tree.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
root=$(cd "$here/../.." && pwd -P)
# shellcheck source=test/servers/common.sh
. "$here/common.sh"

modules=${HOODIECROW_MODULES:-$root/build-cache/hoodiecrow/node_modules}

usage() {
  sed -n '2,8p' "$0" >&2
  exit 2
}

server_pid() {
  local f=$1/hoodiecrow.pid pid
  [ -s "$f" ] || return 1
  pid=$(cat "$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  # the pid file may be stale and the number reused by another program
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF "$1/ports" || return 1
  echo "$pid"
}

# The server wrote its ports once it listened, so one greeting read
# suffices (with bash's /dev/tcp: no interpreter to start on a busy box).
greeting() {
  local line
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  IFS= read -r -t 10 line <&3 || true
  exec 3<&- 3>&-
  [[ $line == "* OK"* ]]
}

cmd_stop() {
  local d=$1 pid
  [ -d "$d" ] || return 0
  if pid=$(server_pid "$d"); then
    kill_tree "$pid"
  fi
  rm -f "$d/hoodiecrow.pid"
  return 0
}

cmd_start() {
  local d=$1 pid
  command -v node >/dev/null || die "node is not installed (scripts/install-deps.sh)"
  [ -d "$modules/hoodiecrow-imap" ] \
    || die "hoodiecrow-imap is not installed in $modules (scripts/install-deps.sh)"
  mkdir -p "$d"
  d=$(cd "$d" && pwd -P)
  cmd_stop "$d"
  rm -f "$d/env" "$d/ports" "$d/ports.tmp"
  # The server binds port 0 and reports what the kernel chose: no race
  # with other programs for the port.
  NODE_PATH=$modules setsid node "$here/hoodiecrow/server.js" "$d/ports" \
    >"$d/hoodiecrow.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" > "$d/hoodiecrow.pid"
  for _ in $(seq 1 200); do
    [ -s "$d/ports" ] && break
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$d/hoodiecrow.log" >&2
      die "hoodiecrow exited during start (log $d/hoodiecrow.log)"
    fi
    sleep 0.05
  done
  if [ ! -s "$d/ports" ]; then
    cat "$d/hoodiecrow.log" >&2
    cmd_stop "$d"
    die "hoodiecrow did not listen within 10 s"
  fi
  # shellcheck disable=SC1091
  . "$d/ports"
  if ! greeting "$GMAIL_PORT" || ! greeting "$GMAIL_XLIST_PORT"; then
    cat "$d/hoodiecrow.log" >&2
    cmd_stop "$d"
    die "no greeting from hoodiecrow within 10 s"
  fi
  cat > "$d/env" <<EOF
GMAIL_HOST=127.0.0.1
GMAIL_PORT=$GMAIL_PORT
GMAIL_XLIST_PORT=$GMAIL_XLIST_PORT
GMAIL_DIR=$d
EOF
  echo "hoodiecrow.sh: running in $d (imap $GMAIL_PORT, xlist-only $GMAIL_XLIST_PORT, pid $pid)" >&2
}

cmd_status() {
  server_pid "$1" >/dev/null
}

[ $# -eq 2 ] || usage
action=$1; dir=$2
case $action in
  start) cmd_start "$dir" ;;
  stop) cmd_stop "$(realpath -m "$dir")" ;;
  status) cmd_status "$(realpath -m "$dir")" ;;
  *) usage ;;
esac
