#!/usr/bin/env bash
# Throwaway Cyrus IMAP 3.6 instances: the second real server of the tests.
# Same interface as dovecot.sh:
#
#   test/servers/cyrus.sh start DIR          # configure + start; writes DIR/env
#   test/servers/cyrus.sh stop DIR           # kill it (idempotent)
#   test/servers/cyrus.sh seed DIR USER N    # APPEND N messages to USER's INBOX
#   test/servers/cyrus.sh status DIR         # exit 0 when it is running
#
# After `start`, `. DIR/env` gives IMAP_HOST=127.0.0.1, IMAP_PORT (plain,
# STARTTLS offered), IMAPS_PORT (implicit TLS), IMAP_CA=DIR/ssl/ca.pem (a
# throwaway CA that signed the server certificate for localhost, 127.0.0.1,
# ::1) and IMAP_DIR=DIR. Listens on 127.0.0.1 only.
#
# Debian's cyrus-imapd conflicts with dovecot-imapd, so it is not installed:
# the first start runs `apt-get download` for cyrus-common, cyrus-imapd,
# libical3, libxapian30 and sasl2-bin into CYRUS_CACHE (default
# build-cache/cyrus in the source tree) and unpacks them with dpkg-deb -x;
# the binaries run from there with LD_LIBRARY_PATH. The system's
# libsasl2-modules and libsasl2-modules-db (Cyrus SASL plugins) are used.
#
# Accounts (SASL PLAIN/LOGIN/SCRAM-SHA-1/SCRAM-SHA-256 against DIR/sasldb2): alice/alicepass,
# bob/bobpass, carol/carolpass, dave/davepass, and the administrator
# admin/adminpass. Cyrus has no "user*master" login: an administrator acts
# as a user with AUTHENTICATE PLAIN and an authorization identity
# ("alice\0admin\0adminpass"). No XOAUTH2/OAUTHBEARER (not in Debian's SASL).
# INBOX is created at first login with Drafts, Sent, Trash, Junk, Archive
# (SPECIAL-USE), a 1 GB quota; ACL, METADATA, COMPRESS=DEFLATE, SORT,
# THREAD, CONDSTORE/QRESYNC, IDLE (immediate notifications) are built in.
# Logs go to syslog only (there is no log file); DIR/log/master.log has
# what the master writes to stderr.
set -euo pipefail

# shellcheck source=test/servers/common.sh
. "$(dirname "$0")/common.sh"

here=$(cd "$(dirname "$0")" && pwd -P)
cache=${CYRUS_CACHE:-$(cd "$here/../.." && pwd -P)/build-cache/cyrus}
root=$cache/root
packages=(cyrus-common cyrus-imapd libical3 libxapian30 sasl2-bin)

usage() {
  sed -n '2,9p' "$0" >&2
  exit 2
}

# Makes sure the unpacked Cyrus exists under $root and can run here.
ensure_cyrus() {
  if [ ! -x "$root/usr/lib/cyrus/bin/master" ]; then
    command -v apt-get >/dev/null || die "apt-get is needed to fetch Cyrus"
    mkdir -p "$cache/debs"
    echo "cyrus.sh: fetching ${packages[*]} into $cache/debs" >&2
    if ! (cd "$cache/debs" && apt-get download "${packages[@]}" >/dev/null 2>&1); then
      # a fresh machine may have no package lists yet
      [ "$(id -u)" = 0 ] || die "apt-get download failed (try: sudo apt-get update)"
      apt-get update -qq >/dev/null 2>&1 || true
      (cd "$cache/debs" && apt-get download "${packages[@]}" >/dev/null) \
        || die "apt-get download ${packages[*]} failed"
    fi
    rm -rf "$root.tmp"
    mkdir -p "$root.tmp"
    local deb
    for deb in "$cache"/debs/*.deb; do dpkg-deb -x "$deb" "$root.tmp"; done
    rm -rf "$root"
    mv "$root.tmp" "$root"
  fi
  local missing
  missing=$(LD_LIBRARY_PATH=$(libpath) ldd "$root/usr/lib/cyrus/bin/imapd" "$root/usr/lib/cyrus/bin/master" \
              "$root/usr/sbin/saslpasswd2" 2>/dev/null | grep "not found" | sort -u || true)
  [ -z "$missing" ] || die "Cyrus needs libraries that are not installed:
$missing
(apt-get install the Debian packages that provide them)"
  compgen -G "/usr/lib/*/sasl2/libsasldb.so*" >/dev/null \
    || die "the SASL sasldb plugin is missing: apt-get install libsasl2-modules-db libsasl2-modules"
}

libpath() {
  echo "$root/usr/lib/x86_64-linux-gnu:$root/usr/lib/$(uname -m)-linux-gnu"
}

# Cyrus refuses to serve as root: as root the instance runs as nobody.
run_user() {
  if [ "$(id -u)" = 0 ]; then echo "nobody nogroup"; else echo "$(id -un) $(id -gn)"; fi
}

write_config() {
  local d=$1 port=$2 sport=$3 user group
  read -r user group < <(run_user)
  local bin=$root/usr/lib/cyrus/bin
  cat > "$d/imapd.conf" <<EOF
# Throwaway Cyrus test instance, written by test/servers/cyrus.sh.
configdirectory: $d/config
defaultpartition: default
partition-default: $d/spool
proc_path: $d/run/proc
mboxname_lockpath: $d/run/lock
lmtpsocket: $d/run/socket/lmtp
idlesocket: $d/run/socket/idle
notifysocket: $d/run/socket/notify
servername: localhost
syslog_prefix: cyrus-test-$port
cyrus_user: $user
cyrus_group: $group
admins: admin
# the tests decide when clear text is acceptable, not the server
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: $d/sasldb2
sasl_mech_list: PLAIN LOGIN SCRAM-SHA-1 SCRAM-SHA-256
tls_server_cert: $d/ssl/cert.pem
tls_server_key: $d/ssl/key.pem
# "/" as separator and INBOX's folders at the top level, like Dovecot
unixhierarchysep: yes
altnamespace: yes
autocreate_quota: 1048576
autocreate_inbox_folders: Drafts|Sent|Trash|Junk|Archive
autocreate_subscribe_folders: Drafts|Sent|Trash|Junk|Archive
xlist-drafts: Drafts
xlist-sent: Sent
xlist-trash: Trash
xlist-junk: Junk
xlist-archive: Archive
# no 60 s wait before a deleted mailbox is really gone
delete_mode: immediate
expunge_mode: immediate
EOF
  # Every command gets -C explicitly: children do not inherit the master's.
  cat > "$d/cyrus.conf" <<EOF
START {
  recover cmd="$bin/ctl_cyrusdb -C $d/imapd.conf -r"
}
SERVICES {
  imap  cmd="$bin/imapd -C $d/imapd.conf"    listen="127.0.0.1:$port"  prefork=1 maxchild=200
  imaps cmd="$bin/imapd -C $d/imapd.conf -s" listen="127.0.0.1:$sport" prefork=1 maxchild=200
}
EVENTS {
}
DAEMON {
  # idled wakes IDLEing clients at once; without it imapd polls every 60 s
  idled cmd="$bin/idled -C $d/imapd.conf"
}
EOF
  local u
  : > "$d/users"
  for u in alice:alicepass bob:bobpass carol:carolpass dave:davepass admin:adminpass; do
    printf '%s' "${u#*:}" | "$root/usr/sbin/saslpasswd2" -p -c -f "$d/sasldb2" -u localhost "${u%%:*}" \
      || die "saslpasswd2 failed for ${u%%:*}"
    echo "$u" >> "$d/users"
  done
  chown -R "$user:$group" "$d/config" "$d/spool" "$d/run" "$d/sasldb2" "$d/ssl"
}

master_pid() {
  local f=$1/run/master.pid pid
  [ -s "$f" ] || return 1
  pid=$(tr -dc '0-9' < "$f")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF "$1/cyrus.conf" || return 1
  echo "$pid"
}

cmd_stop() {
  local d=$1 pid
  [ -d "$d" ] || return 0
  if pid=$(master_pid "$d"); then kill_tree "$pid"; fi
  rm -f "$d/run/master.pid"
  return 0
}

cmd_start() {
  local d=$1 port sport
  command -v openssl >/dev/null || die "openssl is not installed"
  ensure_cyrus
  mkdir -p "$d"
  d=$(cd "$d" && pwd -P)
  cmd_stop "$d"
  local sub
  for sub in config spool run ssl log env sasldb2 users; do rm -rf "${d:?}/$sub"; done
  # imapd binds its IDLE client socket under config/socket, whatever idlesocket says
  mkdir -p "$d"/{config/socket,spool,run/proc,run/lock,run/socket,ssl,log}
  make_certs "$d/ssl"
  for _ in 1 2 3; do
    read -r port sport < <(pick_ports 0)
    rm -f "$d/sasldb2"
    write_config "$d" "$port" "$sport"
    # -d: daemonize once the sockets are bound; -L keeps the master's stderr
    if ! LD_LIBRARY_PATH=$(libpath) "$root/usr/lib/cyrus/bin/master" -C "$d/imapd.conf" \
         -M "$d/cyrus.conf" -p "$d/run/master.pid" -L "$d/log/master.log" -d \
         > "$d/log/start.log" 2>&1; then
      cat "$d/log/start.log" "$d/log/master.log" >&2 2>/dev/null || true
      grep -qi "in use" "$d/log/start.log" "$d/log/master.log" 2>/dev/null && { cmd_stop "$d"; continue; }
      die "the Cyrus master failed to start (config $d/imapd.conf)"
    fi
    if wait_greeting "$port" 10; then
      cat > "$d/env" <<EOF
IMAP_HOST=127.0.0.1
IMAP_PORT=$port
IMAPS_PORT=$sport
IMAP_CA=$d/ssl/ca.pem
IMAP_DIR=$d
EOF
      echo "cyrus.sh: running in $d (imap $port, imaps $sport, pid $(master_pid "$d" || echo ?))" >&2
      return 0
    fi
    if grep -qi "in use" "$d/log/master.log" 2>/dev/null; then cmd_stop "$d"; continue; fi
    echo "cyrus.sh: no greeting on 127.0.0.1:$port within 10 s (Cyrus logs to syslog); master output:" >&2
    tail -n 30 "$d/log/start.log" "$d/log/master.log" >&2 2>/dev/null || true
    cmd_stop "$d"
    exit 1
  done
  die "could not find free ports after 3 attempts"
}

# Cyrus's spool is a closed box (its index would have to be rebuilt), so
# messages go in through APPEND.
cmd_seed() {
  local d=$1 user=$2 n=$3 pass
  [[ $n =~ ^[0-9]+$ ]] || die "N must be a number: $n"
  [ -f "$d/env" ] || die "$d is not a started instance (run start first)"
  pass=$(grep "^$user:" "$d/users" | cut -d: -f2) || die "no such user: $user"
  # shellcheck disable=SC1091
  . "$d/env"
  python3 "$here/messages.py" append "$IMAP_HOST" "$IMAP_PORT" "$user" "$pass" "$n"
}

[ $# -ge 2 ] || usage
action=$1; dir=$2
case $action in
  start)  [ $# -eq 2 ] || usage; cmd_start "$dir" ;;
  stop)   [ $# -eq 2 ] || usage; cmd_stop "$(realpath -m "$dir")" ;;
  seed)   [ $# -eq 4 ] || usage; cmd_seed "$(realpath -m "$dir")" "$3" "$4" ;;
  status) [ $# -eq 2 ] || usage; master_pid "$(realpath -m "$dir")" >/dev/null ;;
  *) usage ;;
esac
