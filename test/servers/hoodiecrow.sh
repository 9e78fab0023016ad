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

# The server in DIR: its pid file and what its command line contains.
server_pid() { pid_from_file "$1/hoodiecrow.pid" "$1/ports"; }

cmd_stop() { stop_pid_file "$1/hoodiecrow.pid" "$1/ports"; }

cmd_start() {
  local d=$1 log
  command -v node >/dev/null || die "node is not installed (scripts/install-deps.sh)"
  [ -d "$modules/hoodiecrow-imap" ] \
    || die "hoodiecrow-imap is not installed in $modules (scripts/install-deps.sh)"
  mkdir -p "$d"
  d=$(cd "$d" && pwd -P)
  log=$d/hoodiecrow.log
  cmd_stop "$d"
  rm -f "$d/env" "$d/ports" "$d/ports.tmp"
  NODE_PATH=$modules start_node hoodiecrow "$d/hoodiecrow.pid" "$d/ports" "$log" "$d/ports" \
    "$here/hoodiecrow/server.js" "$d/ports"
  # shellcheck disable=SC1091
  . "$d/ports"
  if ! imap_greets "$GMAIL_PORT" || ! imap_greets "$GMAIL_XLIST_PORT"; then
    abort_start "no greeting from hoodiecrow within 10 s" "$log" "$d/hoodiecrow.pid" "$d/ports"
  fi
  cat > "$d/env" <<EOF
GMAIL_HOST=127.0.0.1
GMAIL_PORT=$GMAIL_PORT
GMAIL_XLIST_PORT=$GMAIL_XLIST_PORT
GMAIL_DIR=$d
EOF
  echo "hoodiecrow.sh: running in $d (imap $GMAIL_PORT, xlist-only $GMAIL_XLIST_PORT, pid $(cat "$d/hoodiecrow.pid"))" >&2
}

node_server_main "$@"
