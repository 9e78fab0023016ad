#!/usr/bin/env bash
# Throwaway HTTP CONNECT and SOCKS5 proxies (test/servers/proxy.js) for the
# tests of connections through a proxy.
#
#   test/servers/proxy.sh start DIR    # start; writes DIR/env
#   test/servers/proxy.sh stop DIR     # kill it (idempotent)
#   test/servers/proxy.sh status DIR   # exit 0 when it is running
#
# After `start`, `. DIR/env` gives (all on 127.0.0.1):
#   PROXY_HTTP_PORT        HTTP CONNECT, no authentication; also answers
#                          GET /stats with the counters as JSON
#   PROXY_HTTP_AUTH_PORT   HTTP CONNECT with Proxy-Authorization: Basic
#                          proxyuser:proxypass, else 407 (connection closed)
#   PROXY_SOCKS_PORT       SOCKS5, no authentication (method 0x00)
#   PROXY_SOCKS_AUTH_PORT  SOCKS5, user/password (method 0x02, RFC 1929)
#                          proxyuser/proxypass; wrong: status 1, closed
#   PROXY_SILENT_PORT      accepts, reads, never answers (timeout tests)
#   PROXY_DIR=DIR
# The counters (http_tunnels, socks_tunnels, refused, ..., last_target) are
# described at the top of proxy.js. Connections are logged to
# DIR/log/proxy.log.
#
# Needs node (no npm packages).
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
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF "servers/proxy.js $1 " || return 1
  echo "$pid"
}

# GET /stats answers 200 (bash's /dev/tcp: no interpreter to start).
stats_answer() {
  local line
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'GET /stats HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
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
  mkdir -p "$d"
  d=$(cd "$d" && pwd -P)
  cmd_stop "$d"
  rm -rf "${d:?}/log"
  rm -f "$d/env" "$d/ports" "$d/ports.tmp"
  mkdir -p "$d/log"
  # The proxies bind port 0 and report what the kernel chose: no race
  # with other programs for the ports.
  setsid node "$here/proxy.js" "$d" >"$d/log/stdout.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" > "$d/pid"
  for _ in $(seq 1 200); do
    [ -s "$d/ports" ] && break
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$d/log/stdout.log" >&2
      die "the proxy exited during start (log $d/log/stdout.log)"
    fi
    sleep 0.05
  done
  if [ ! -s "$d/ports" ]; then
    cat "$d/log/stdout.log" >&2
    cmd_stop "$d"
    die "the proxy did not listen within 10 s"
  fi
  # shellcheck disable=SC1091
  . "$d/ports"
  if ! stats_answer "$PROXY_HTTP_PORT"; then
    cat "$d/log/stdout.log" >&2
    cmd_stop "$d"
    die "the proxy does not answer GET /stats"
  fi
  { cat "$d/ports"; echo "PROXY_DIR=$d"; } > "$d/env"
  echo "proxy.sh: running in $d (http $PROXY_HTTP_PORT, http-auth $PROXY_HTTP_AUTH_PORT, socks $PROXY_SOCKS_PORT, socks-auth $PROXY_SOCKS_AUTH_PORT, pid $pid)" >&2
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
