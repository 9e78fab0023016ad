#!/usr/bin/env bash
# A throwaway OAuth 2.0 authorization server (test/servers/oauth/server.js)
# for the sign-in tests: token refresh, device authorization, introspection.
#
#   test/servers/oauth.sh start DIR    # start; writes DIR/env
#   test/servers/oauth.sh stop DIR     # kill it (idempotent)
#   test/servers/oauth.sh status DIR   # exit 0 when it is running
#
# After `start`, `. DIR/env` gives:
#   OAUTH_TOKEN_URL=https://127.0.0.1:P/token
#   OAUTH_DEVICE_URL=https://127.0.0.1:P/device
#   OAUTH_CA=DIR/ssl/ca.pem     (throwaway CA of the certificate for
#                                localhost, 127.0.0.1, ::1)
#   OAUTH_ADMIN_PORT=Q          (plain HTTP on 127.0.0.1: /admin/*, /introspect)
#   OAUTH_INTROSPECT_URL=http://127.0.0.1:Q/introspect
#   OAUTH_DIR=DIR
# Client: client_id imapclient-test, client_secret optional (test-secret).
# Refresh tokens alice-refresh and bob-refresh; access tokens live 3600 s
# unless POST /admin/ttl {"seconds": n} says otherwise. The admin API is
# described at the table `admin` in server.js. Requests are logged to
# DIR/log/oauth.log. State lives in memory: a restart starts afresh.
#
# Needs node (no npm packages) and openssl.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
# shellcheck source=test/servers/common.sh
. "$here/common.sh"

# The server in DIR: its pid file and what its command line contains.
server_pid() { pid_from_file "$1/pid" "oauth/server.js $1 "; }

cmd_stop() { stop_pid_file "$1/pid" "oauth/server.js $1 "; }

cmd_start() {
  local d=$1 marker log
  command -v node >/dev/null || die "node is not installed (scripts/install-deps.sh)"
  command -v openssl >/dev/null || die "openssl is not installed"
  mkdir -p "$d"
  d=$(cd "$d" && pwd -P)
  marker="oauth/server.js $d " log=$d/log/stdout.log
  cmd_stop "$d"
  rm -rf "${d:?}/ssl" "$d/log"
  rm -f "$d/env" "$d/ports" "$d/ports.tmp"
  mkdir -p "$d/log"
  make_certs "$d/ssl"
  start_node "the OAuth server" "$d/pid" "$marker" "$log" "$d/ports" "$here/oauth/server.js" "$d"
  # shellcheck disable=SC1091
  . "$d/ports"
  http_answers "$OAUTH_ADMIN_PORT" /admin/stats \
    || abort_start "the OAuth server's admin port does not answer" "$log" "$d/pid" "$marker"
  cat > "$d/env" <<EOF
OAUTH_TOKEN_URL=https://127.0.0.1:$OAUTH_PORT/token
OAUTH_DEVICE_URL=https://127.0.0.1:$OAUTH_PORT/device
OAUTH_CA=$d/ssl/ca.pem
OAUTH_ADMIN_PORT=$OAUTH_ADMIN_PORT
OAUTH_INTROSPECT_URL=http://127.0.0.1:$OAUTH_ADMIN_PORT/introspect
OAUTH_DIR=$d
EOF
  echo "oauth.sh: running in $d (https $OAUTH_PORT, admin $OAUTH_ADMIN_PORT, pid $(cat "$d/pid"))" >&2
}

node_server_main "$@"
