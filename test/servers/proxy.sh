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

# The proxies in DIR: their pid file and what their command line contains.
server_pid() { pid_from_file "$1/pid" "servers/proxy.js $1 "; }

cmd_stop() { stop_pid_file "$1/pid" "servers/proxy.js $1 "; }

cmd_start() {
  local d=$1 marker log
  command -v node >/dev/null || die "node is not installed (scripts/install-deps.sh)"
  mkdir -p "$d"
  d=$(cd "$d" && pwd -P)
  marker="servers/proxy.js $d " log=$d/log/stdout.log
  cmd_stop "$d"
  rm -rf "${d:?}/log"
  rm -f "$d/env" "$d/ports" "$d/ports.tmp"
  mkdir -p "$d/log"
  start_node "the proxy" "$d/pid" "$marker" "$log" "$d/ports" "$here/proxy.js" "$d"
  # shellcheck disable=SC1091
  . "$d/ports"
  http_answers "$PROXY_HTTP_PORT" /stats \
    || abort_start "the proxy does not answer GET /stats" "$log" "$d/pid" "$marker"
  { cat "$d/ports"; echo "PROXY_DIR=$d"; } > "$d/env"
  echo "proxy.sh: running in $d (http $PROXY_HTTP_PORT, http-auth $PROXY_HTTP_AUTH_PORT, socks $PROXY_SOCKS_PORT, socks-auth $PROXY_SOCKS_AUTH_PORT, pid $(cat "$d/pid"))" >&2
}

node_server_main "$@"
