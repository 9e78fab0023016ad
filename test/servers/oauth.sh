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

usage() {
  sed -n '2,8p' "$0" >&2
  exit 2
}

server_pid() {
  local f=$1/pid pid
  [ -s "$f" ] || return 1
  pid=$(cat "$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  # the pid file may be stale and the number reused by another program
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF "oauth/server.js $1 " || return 1
  echo "$pid"
}

# GET /admin/stats answers 200 (bash's /dev/tcp: no interpreter to start).
admin_answers() {
  local line
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET /admin/stats HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
  IFS= read -r -t 10 line <&3 || true
  exec 3<&- 3>&-
  [[ $line == "HTTP/1."?" 200"* ]]
}

cmd_stop() {
  local d=$1 pid
  [ -d "$d" ] || return 0
  if pid=$(server_pid "$d"); then
    kill_tree "$pid"
  fi
  rm -f "$d/pid"
  return 0
}

cmd_start() {
  local d=$1 pid
  command -v node >/dev/null || die "node is not installed (scripts/install-deps.sh)"
  command -v openssl >/dev/null || die "openssl is not installed"
  mkdir -p "$d"
  d=$(cd "$d" && pwd -P)
  cmd_stop "$d"
  rm -rf "${d:?}/ssl" "$d/log"
  rm -f "$d/env" "$d/ports" "$d/ports.tmp"
  mkdir -p "$d/log"
  make_certs "$d/ssl"
  # The server binds port 0 and reports what the kernel chose: no race
  # with other programs for the ports.
  setsid node "$here/oauth/server.js" "$d" >"$d/log/stdout.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" > "$d/pid"
  for _ in $(seq 1 200); do
    [ -s "$d/ports" ] && break
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$d/log/stdout.log" >&2
      die "the OAuth server exited during start (log $d/log/stdout.log)"
    fi
    sleep 0.05
  done
  if [ ! -s "$d/ports" ]; then
    cat "$d/log/stdout.log" >&2
    cmd_stop "$d"
    die "the OAuth server did not listen within 10 s"
  fi
  # shellcheck disable=SC1091
  . "$d/ports"
  if ! admin_answers "$OAUTH_ADMIN_PORT"; then
    cat "$d/log/stdout.log" >&2
    cmd_stop "$d"
    die "the OAuth server's admin port does not answer"
  fi
  cat > "$d/env" <<EOF
OAUTH_TOKEN_URL=https://127.0.0.1:$OAUTH_PORT/token
OAUTH_DEVICE_URL=https://127.0.0.1:$OAUTH_PORT/device
OAUTH_CA=$d/ssl/ca.pem
OAUTH_ADMIN_PORT=$OAUTH_ADMIN_PORT
OAUTH_INTROSPECT_URL=http://127.0.0.1:$OAUTH_ADMIN_PORT/introspect
OAUTH_DIR=$d
EOF
  echo "oauth.sh: running in $d (https $OAUTH_PORT, admin $OAUTH_ADMIN_PORT, pid $pid)" >&2
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
