# shellcheck shell=bash
# Helpers shared by the throwaway-server scripts (dovecot.sh, cyrus.sh,
# hoodiecrow.sh, oauth.sh, proxy.sh).
# Sourced, not run.

die() { echo "${0##*/}: $*" >&2; exit 1; }

# Prints two distinct TCP ports that are free on 127.0.0.1 and, when the
# machine has IPv6 loopback, on ::1 too, since Dovecot listens on both.
# The kernel picks them (bind to port 0), so parallel instances never
# collide on a fixed range; the remaining race with other programs is
# handled by retrying the start.
pick_ports() {
  python3 - "$1" <<'EOF'
import socket, sys
want_v6 = sys.argv[1] == "1"
ports, held = [], []
while len(ports) < 2:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    ok = True
    if want_v6:
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        try:
            s6.bind(("::1", port))
            held.append(s6)
        except OSError:
            ok = False
            s6.close()
    held.append(s)  # keep it bound so the second pick differs
    if ok:
        ports.append(port)
print(*ports)
EOF
}

have_ipv6_loopback() {
  python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null
}

# Throwaway CA plus a server certificate it signs. EC keys: generating them
# is instant, where RSA costs noticeable time on every start.
make_certs() {
  local s=$1
  mkdir -p "$s"
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -sha256 -days 3650 -keyout "$s/ca.key" -out "$s/ca.pem" \
    -subj "/CN=imapclient test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1 \
    || die "openssl could not create the CA"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$s/key.pem" -out "$s/server.csr" -subj "/CN=localhost" >/dev/null 2>&1 \
    || die "openssl could not create the server key"
  cat > "$s/server.ext" <<'EOF'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
EOF
  openssl x509 -req -in "$s/server.csr" -CA "$s/ca.pem" -CAkey "$s/ca.key" \
    -CAcreateserial -days 3650 -sha256 -extfile "$s/server.ext" \
    -out "$s/cert.pem" >/dev/null 2>&1 || die "openssl could not sign the server certificate"
  chmod 600 "$s/key.pem" "$s/ca.key"
}

# All descendants of a pid, deepest last (found through /proc, no ps needed).
descendants() {
  local parent=$1 child
  for child in $(cat /proc/"$parent"/task/*/children 2>/dev/null); do
    echo "$child"
    descendants "$child"
  done
}

# Waits until the plain port answers with a greeting; returns non-zero on
# timeout.
wait_greeting() {
  python3 - "$1" "$2" <<'EOF'
import socket, sys, time
port, limit = int(sys.argv[1]), float(sys.argv[2])
deadline = time.monotonic() + limit
while time.monotonic() < deadline:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            if s.recv(512).startswith(b"* OK"):
                sys.exit(0)
    except OSError:
        pass
    time.sleep(0.05)
sys.exit(1)
EOF
}

# SIGKILLs a daemon's master and all its descendants. The children are
# collected first, since once the master is gone they are reparented and
# hard to find; the master's process group catches stragglers.
kill_tree() {
  local pid=$1 pids p alive
  pids="$pid $(descendants "$pid" | tr '\n' ' ')"
  # shellcheck disable=SC2086
  kill -KILL $pids 2>/dev/null || true
  if [ "$(awk '{print $5}' "/proc/$pid/stat" 2>/dev/null)" = "$pid" ]; then
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  for _ in $(seq 1 100); do
    alive=0
    for p in $pids; do
      [ -e "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ] && alive=1
    done
    [ $alive = 0 ] && return 0
    sleep 0.02
  done
  return 0
}

# Prints the pid that FILE holds when that process runs and its command line
# contains MARKER; fails otherwise (the file may be stale and the number
# reused by another program).
pid_from_file() {
  local f=$1 marker=$2 pid
  [ -s "$f" ] || return 1
  pid=$(cat "$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -e "$marker" || return 1
  echo "$pid"
}

# Kills the process whose pid FILE holds, with its descendants, when it is
# the one MARKER identifies (see pid_from_file), and removes FILE. Nothing to
# do when FILE's directory does not exist: idempotent.
stop_pid_file() {
  local f=$1 marker=$2 pid
  [ -d "${f%/*}" ] || return 0
  if pid=$(pid_from_file "$f" "$marker"); then
    kill_tree "$pid"
  fi
  rm -f "$f"
  return 0
}

# Prints the first line that 127.0.0.1:PORT sends (after it was sent
# REQUEST, when given), waiting up to 10 s for it; fails when nothing
# listens. Through bash's /dev/tcp: no interpreter to start on a busy box.
tcp_first_line() {
  local line=
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  if [ -n "${2:-}" ]; then printf '%s' "$2" >&3; fi
  IFS= read -r -t 10 line <&3 || true
  exec 3<&- 3>&-
  printf '%s\n' "$line"
}

# Whether GET PATH on 127.0.0.1:PORT answers 200.
http_answers() {
  local line
  line=$(tcp_first_line "$1" "GET $2 HTTP/1.0"$'\r\n'"Host: 127.0.0.1"$'\r\n\r\n') || return 1
  [[ $line == "HTTP/1."?" 200"* ]]
}

# Whether 127.0.0.1:PORT greets with "* OK" (an IMAP server that already
# listens: one read suffices).
imap_greets() {
  local line
  line=$(tcp_first_line "$1") || return 1
  [[ $line == "* OK"* ]]
}

# Prints LOG, stops the server as stop_pid_file PIDFILE MARKER does and dies
# with MESSAGE: for a start that went wrong.
abort_start() {
  local message=$1 log=$2 pidfile=$3 marker=$4
  cat "$log" >&2
  stop_pid_file "$pidfile" "$marker"
  die "$message"
}

# Starts `node ARGS...` in a session of its own, with its output in LOG and
# its pid in PIDFILE, and waits up to 10 s for it to write the file PORTS:
# the node servers bind port 0 and report what the kernel chose, so there is
# no race with other programs for the ports. Prints LOG and dies when the
# server (called NAME in the message) exits first or does not get there in
# time; then it is stopped as stop_pid_file PIDFILE MARKER does.
start_node() {
  local name=$1 pidfile=$2 marker=$3 log=$4 ports=$5 pid
  shift 5
  setsid node "$@" >"$log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" > "$pidfile"
  for _ in $(seq 1 200); do
    [ -s "$ports" ] && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$log" >&2
      die "$name exited during start (log $log)"
    fi
    sleep 0.05
  done
  [ -s "$ports" ] && return 0
  abort_start "$name did not listen within 10 s" "$log" "$pidfile" "$marker"
}

# The command line of hoodiecrow.sh, oauth.sh and proxy.sh: ACTION DIR. start
# runs the script's cmd_start DIR, stop its cmd_stop, status its server_pid
# (exit 0 when the server runs); anything else prints the usage (lines 2-8
# of the script) and exits 2.
node_server_main() {
  if [ $# -eq 2 ]; then
    case $1 in
      start) cmd_start "$2"; return ;;
      stop) cmd_stop "$(realpath -m "$2")"; return ;;
      status) server_pid "$(realpath -m "$2")" >/dev/null; return ;;
    esac
  fi
  sed -n '2,8p' "$0" >&2
  exit 2
}

# A throwaway CA of its own, DIR/NAME.pem + DIR/NAME.key (e.g. one that
# signs client certificates).
make_ca() {
  local s=$1 name=$2 cn=$3
  mkdir -p "$s"
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -sha256 -days 3650 -keyout "$s/$name.key" -out "$s/$name.pem" \
    -subj "/CN=$cn" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1 \
    || die "openssl could not create the CA $name"
  chmod 600 "$s/$name.key"
}

# A TLS client certificate for CN=CN signed by the CA DIR/CA.pem (made by
# make_ca): DIR/NAME-cert.pem and DIR/NAME-key.pem.
make_client_cert() {
  local s=$1 name=$2 cn=$3 ca=$4
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$s/$name-key.pem" -out "$s/$name.csr" -subj "/CN=$cn" >/dev/null 2>&1 \
    || die "openssl could not create the key of $name"
  cat > "$s/client.ext" <<'EOT'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
EOT
  openssl x509 -req -in "$s/$name.csr" -CA "$s/$ca.pem" -CAkey "$s/$ca.key" \
    -CAcreateserial -days 3650 -sha256 -extfile "$s/client.ext" \
    -out "$s/$name-cert.pem" >/dev/null 2>&1 || die "openssl could not sign the certificate of $name"
  rm -f "$s/$name.csr" "$s/client.ext"
  chmod 600 "$s/$name-key.pem"
}
