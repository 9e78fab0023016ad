#!/usr/bin/env bash
# Throwaway Dovecot 2.3 instances for the integration tests and benchmarks.
#
#   test/servers/dovecot.sh start DIR      # configure + start; writes DIR/env
#   test/servers/dovecot.sh stop DIR       # kill it (idempotent)
#   test/servers/dovecot.sh seed DIR USER N  # write N messages into USER's INBOX
#   test/servers/dovecot.sh status DIR     # exit 0 when it is running
#
# Everything lives under DIR (config, certificates, users, mail, logs, pid),
# so several instances run side by side; `start` on a DIR that already holds
# a running instance stops that one first. Ports are free loopback ports
# chosen at start. After `start`, `. DIR/env` gives:
#   IMAP_HOST=127.0.0.1  IMAP_PORT (plain, STARTTLS offered)
#   IMAPS_PORT (implicit TLS)  IMAP_CA=DIR/ssl/ca.pem  IMAP_DIR=DIR
# The server certificate (CN=localhost, SAN DNS:localhost, IP:127.0.0.1,
# IP:::1) is signed by a throwaway CA, DIR/ssl/ca.pem, so clients can verify
# it properly instead of turning verification off.
#
# Accounts (password logins with LOGIN / AUTHENTICATE PLAIN):
#   alice/alicepass  bob/bobpass  carol/carolpass  dave/davepass
# Master user: log in as "alice*admin" with password "adminpass" to be alice.
# XOAUTH2 / OAUTHBEARER static tokens: alice-oauth-token, bob-oauth-token.
# Each user has Drafts, Sent, Trash, Junk, Archive (SPECIAL-USE), a 1 GB
# count quota, ACLs (vfile), METADATA and COMPRESS=DEFLATE. SORT and THREAD
# are built into Dovecot's imap and need no configuration.
#
# Options, read from the environment at `start` (unset: as described above):
#   DOVECOT_IMAP_CAPABILITY="IMAP4rev1 ..."  the capabilities offered after
#       login instead of Dovecot's own
#   DOVECOT_AUTH_MECHANISMS="plain login ..."  auth_mechanisms instead of
#       "plain login scram-sha-1 scram-sha-256 xoauth2 oauthbearer"
#   DOVECOT_OAUTH2_INTROSPECTION_URL=http://127.0.0.1:Q/introspect
#       XOAUTH2/OAUTHBEARER tokens are checked by POSTing token=T to that
#       URL (oauth2 passdb, DIR/etc/dovecot-oauth2.conf.ext), which must
#       answer {"active": true, "username": "alice"} (test/servers/oauth.sh
#       does, and keeps the two static tokens active) instead of the static
#       token list; a token of another user than the one logging in fails
#   DOVECOT_CLIENT_CERTS=1  TLS client certificates: the server asks for one
#       (not required), trusts DIR/ssl/client-ca.pem, and offers EXTERNAL,
#       which logs in as the certificate's CN (accounts only, no password).
#       `. DIR/env` then also gives IMAP_CLIENT_CA, IMAP_CLIENT_CERT +
#       IMAP_CLIENT_KEY (CN=alice, trusted) and IMAP_BAD_CLIENT_CERT +
#       IMAP_BAD_CLIENT_KEY (CN=mallory, from a CA the server does not
#       trust; the handshake succeeds, EXTERNAL fails). As Dovecot does it,
#       a trusted certificate's CN also replaces the user name of every other
#       mechanism on that connection (alice's certificate + LOGIN bob fails).
#
# Works as root (mail is then owned by nobody, as Dovecot will not run a
# mail process as root) and as an ordinary user. Needs dovecot-imapd,
# openssl and python3 (scripts/install-deps.sh installs them); a system
# Dovecot may run or not, it is not touched.
set -euo pipefail

# shellcheck source=test/servers/common.sh
. "$(dirname "$0")/common.sh"

usage() {
  sed -n '2,8p' "$0" >&2
  exit 2
}




# Who owns the mail: Dovecot refuses to run mail processes as root, so as
# root the mail belongs to nobody and the internal services use Debian's
# dovecot/dovenull accounts.
mail_owner() {
  if [ "$(id -u)" = 0 ]; then echo "nobody nogroup"; else echo "$(id -un) $(id -gn)"; fi
}

write_config() {
  local d=$1 port=$2 sport=$3 listen=$4
  local muser mgroup muid mgid internal
  read -r muser mgroup < <(mail_owner)
  muid=$(id -u "$muser"); mgid=$(getent group "$mgroup" | cut -d: -f3)
  echo "$muser $mgroup $muid $mgid" > "$d/etc/mail-owner"
  if [ "$(id -u)" = 0 ]; then
    id dovecot >/dev/null 2>&1 && id dovenull >/dev/null 2>&1 \
      || die "the dovecot and dovenull accounts are missing (install dovecot-core)"
    internal="default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull"
  else
    internal="default_internal_user = $muser
default_internal_group = $mgroup
default_login_user = $muser"
  fi

  cat > "$d/etc/passwd" <<'EOF'
alice:{PLAIN}alicepass
bob:{PLAIN}bobpass
carol:{PLAIN}carolpass
dave:{PLAIN}davepass
EOF
  cat > "$d/etc/master-users" <<'EOF'
admin:{PLAIN}adminpass
EOF
  # Static XOAUTH2/OAUTHBEARER tokens, checked like passwords.
  cat > "$d/etc/oauth-tokens" <<'EOF'
alice:{PLAIN}alice-oauth-token
bob:{PLAIN}bob-oauth-token
EOF
  chmod 644 "$d"/etc/*

  # DOVECOT_IMAP_CAPABILITY: the capabilities offered after login instead
  # of Dovecot's own (a test of a client's fallbacks, e.g. without MOVE).
  capability=
  [ -z "${DOVECOT_IMAP_CAPABILITY:-}" ] || capability="  imap_capability = $DOVECOT_IMAP_CAPABILITY"

  # DOVECOT_AUTH_MECHANISMS: the mechanisms offered. The passdbs below
  # name theirs, which is harmless when one is not offered.
  local mechanisms=${DOVECOT_AUTH_MECHANISMS:-plain login scram-sha-1 scram-sha-256 xoauth2 oauthbearer}

  # DOVECOT_OAUTH2_INTROSPECTION_URL: tokens checked by the oauth2 passdb
  # (token introspection) instead of the static list.
  local oauth_passdb="  driver = passwd-file
  args = scheme=PLAIN username_format=%u $d/etc/oauth-tokens"
  if [ -n "${DOVECOT_OAUTH2_INTROSPECTION_URL:-}" ]; then
    cat > "$d/etc/dovecot-oauth2.conf.ext" <<EOF
# Written by test/servers/dovecot.sh: tokens are checked at the test OAuth
# server (test/servers/oauth.sh), which answers {"active": true,
# "username": ...} for a live token.
introspection_mode = post
introspection_url = $DOVECOT_OAUTH2_INTROSPECTION_URL
username_attribute = username
active_attribute = active
active_value = true
EOF
    chmod 644 "$d/etc/dovecot-oauth2.conf.ext"
    oauth_passdb="  driver = oauth2
  args = $d/etc/dovecot-oauth2.conf.ext"
  fi

  # DOVECOT_CLIENT_CERTS=1: ask for a client certificate, trust the client
  # CA, take the user name from the certificate's CN, offer EXTERNAL with a
  # passdb that knows the accounts but wants no password (EXTERNAL only).
  local cert_ssl='' cert_passdb=''
  if [ "${DOVECOT_CLIENT_CERTS:-}" = 1 ]; then
    case " $mechanisms " in *" external "*) ;; *) mechanisms="$mechanisms external" ;; esac
    cut -d: -f1 "$d/etc/passwd" | sed 's/$/:::::::nopassword/' > "$d/etc/cert-users"
    chmod 644 "$d/etc/cert-users"
    cert_ssl="
# TLS client certificates (DOVECOT_CLIENT_CERTS=1): asked for, not required
ssl_ca = <$d/ssl/client-ca.pem
ssl_verify_client_cert = yes
ssl_require_crl = no
auth_ssl_username_from_cert = yes
ssl_cert_username_field = commonName"
    cert_passdb="
passdb {
  driver = passwd-file
  args = username_format=%u $d/etc/cert-users
  mechanisms = external
}"
  fi

  cat > "$d/dovecot.conf" <<EOF
# Throwaway Dovecot 2.3 test instance, written by test/servers/dovecot.sh.
# Everything lives under $d.
instance_name = imapclient-test-$port
base_dir = $d/run
state_dir = $d/state
log_path = $d/log/dovecot.log
info_log_path = $d/log/dovecot.log
debug_log_path = $d/log/dovecot.log
$internal
protocols = imap
listen = $listen
shutdown_clients = yes
# many parallel test connections come from one address
mail_max_userip_connections = 1000
auth_cache_size = 0

ssl = yes
ssl_cert = <$d/ssl/cert.pem
ssl_key = <$d/ssl/key.pem
ssl_dh = </usr/share/dovecot/dh.pem
ssl_min_protocol = TLSv1.2$cert_ssl

# the tests decide when clear text is acceptable, not the server
disable_plaintext_auth = no
auth_mechanisms = $mechanisms
auth_master_user_separator = *
auth_verbose = yes
# no extra delay after a failed login (Dovecot keeps a fixed ~0.5 s)
auth_failure_delay = 0

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $d/etc/master-users
  master = yes
  pass = yes
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $d/etc/passwd
  mechanisms = plain login scram-sha-1 scram-sha-256
}
passdb {
$oauth_passdb
  mechanisms = xoauth2 oauthbearer
}$cert_passdb
userdb {
  driver = static
  args = uid=$muid gid=$mgid home=$d/mail/%u
}
first_valid_uid = 1
first_valid_gid = 1

mail_location = maildir:~/Maildir
# disposable data: skip fsync()
mail_fsync = never
mail_plugins = \$mail_plugins quota acl
mail_attribute_dict = file:%h/dovecot-attributes
imap_metadata = yes

namespace inbox {
  inbox = yes
  separator = /
  prefix =
  mailbox Drafts {
    special_use = \Drafts
    auto = subscribe
  }
  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Trash {
    special_use = \Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \Junk
    auto = subscribe
  }
  mailbox Archive {
    special_use = \Archive
    auto = subscribe
  }
}

protocol imap {
  mail_plugins = \$mail_plugins imap_quota imap_acl imap_zlib
  imap_idle_notify_interval = 2 mins
$capability
}

plugin {
  quota = count:User quota
  quota_vsizes = yes
  quota_rule = *:storage=1G
  acl = vfile
  # ACLs are evaluated for the logged-in user, so a master-user login
  # (alice*admin) sees what alice sees
  acl_user = %u
}

service imap-login {
  inet_listener imap {
    address = $listen
    port = $port
  }
  inet_listener imaps {
    address = $listen
    port = $sport
    ssl = yes
  }
  # few long-lived login processes: fast accept for many test connections
  service_count = 0
  process_min_avail = 1
  client_limit = 1000
  chroot =
}
service imap {
  process_limit = 500
}
# no chroot: required when not root, harmless as root
service anvil {
  chroot =
  # no escalating per-address penalty after failed logins
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-urlauth-login {
  chroot =
}
EOF
  mkdir -p "$d/mail"
  chown -R "$muser:$mgroup" "$d/mail"
}

master_pid() {
  local f=$1/run/master.pid
  [ -s "$f" ] || return 1
  local pid; pid=$(cat "$f")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  # the pid file may be stale and the number reused by another program
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF "$1/dovecot.conf" || return 1
  echo "$pid"
}



cmd_stop() {
  local d=$1 pid
  [ -d "$d" ] || return 0
  if pid=$(master_pid "$d"); then
    # SIGKILL is instant; SIGTERM takes ~3 s
    kill_tree "$pid"
  fi
  rm -f "$d/run/master.pid"
  return 0
}

cmd_start() {
  local d=$1 listen use_v6=0 port sport
  command -v dovecot >/dev/null || die "dovecot is not installed (scripts/install-deps.sh)"
  command -v openssl >/dev/null || die "openssl is not installed"
  mkdir -p "$d"
  d=$(cd "$d" && pwd -P)
  cmd_stop "$d"
  local sub
  for sub in run state log ssl etc env; do rm -rf "${d:?}/$sub"; done
  mkdir -p "$d"/{run,state,log,ssl,etc,mail}
  make_certs "$d/ssl"
  if [ "${DOVECOT_CLIENT_CERTS:-}" = 1 ]; then
    make_ca "$d/ssl" client-ca "imapclient test client CA"
    make_client_cert "$d/ssl" alice alice client-ca
    # signed by a CA the server does not trust
    make_ca "$d/ssl" other-ca "imapclient untrusted client CA"
    make_client_cert "$d/ssl" mallory mallory other-ca
  fi
  if have_ipv6_loopback; then use_v6=1; listen="127.0.0.1, ::1"; else listen="127.0.0.1"; fi

  for _ in 1 2 3; do
    read -r port sport < <(pick_ports "$use_v6")
    write_config "$d" "$port" "$sport" "$listen"
    : > "$d/log/dovecot.log"
    if ! dovecot -c "$d/dovecot.conf" 2> "$d/log/start.err"; then
      cat "$d/log/start.err" >&2
      # another program took a port between the pick and the bind: retry
      if grep -qi "address already in use" "$d/log/start.err" "$d/log/dovecot.log"; then
        cmd_stop "$d"; continue
      fi
      tail -n 20 "$d/log/dovecot.log" >&2 || true
      die "dovecot failed to start (config $d/dovecot.conf)"
    fi
    if wait_greeting "$port" 10; then
      cat > "$d/env" <<EOF
IMAP_HOST=127.0.0.1
IMAP_PORT=$port
IMAPS_PORT=$sport
IMAP_CA=$d/ssl/ca.pem
IMAP_DIR=$d
EOF
      if [ "${DOVECOT_CLIENT_CERTS:-}" = 1 ]; then
        cat >> "$d/env" <<EOF
IMAP_CLIENT_CA=$d/ssl/client-ca.pem
IMAP_CLIENT_CERT=$d/ssl/alice-cert.pem
IMAP_CLIENT_KEY=$d/ssl/alice-key.pem
IMAP_BAD_CLIENT_CERT=$d/ssl/mallory-cert.pem
IMAP_BAD_CLIENT_KEY=$d/ssl/mallory-key.pem
EOF
      fi
      echo "dovecot.sh: running in $d (imap $port, imaps $sport, pid $(master_pid "$d" || echo ?))" >&2
      return 0
    fi
    if grep -qi "address already in use" "$d/log/dovecot.log"; then
      cmd_stop "$d"; continue
    fi
    echo "dovecot.sh: no greeting on 127.0.0.1:$port within 10 s; log tail:" >&2
    tail -n 30 "$d/log/dovecot.log" >&2 || true
    cmd_stop "$d"
    exit 1
  done
  tail -n 20 "$d/log/dovecot.log" >&2 || true
  die "could not find free ports after 3 attempts"
}

# Writes messages straight into the user's INBOX Maildir (cur/), which is
# several times faster than APPEND. Dovecot picks them up at the next
# mailbox sync and gives them UIDs in file-name order.
cmd_seed() {
  local d=$1 user=$2 n=$3
  [[ $n =~ ^[0-9]+$ ]] || die "N must be a number: $n"
  [ -f "$d/etc/mail-owner" ] || die "$d is not a started instance (run start first)"
  grep -q "^$user:" "$d/etc/passwd" || die "no such user: $user"
  local muser mgroup muid mgid
  read -r muser mgroup muid mgid < "$d/etc/mail-owner"
  python3 "$(dirname "$0")/messages.py" maildir "$d/mail/$user/Maildir" "$n" "$muid" "$mgid"
}

cmd_status() {
  master_pid "$1" >/dev/null
}

[ $# -ge 2 ] || usage
action=$1; dir=$2
case $action in
  start) [ $# -eq 2 ] || usage; cmd_start "$dir" ;;
  stop)  [ $# -eq 2 ] || usage; cmd_stop "$(realpath -m "$dir")" ;;
  seed)  [ $# -eq 4 ] || usage; cmd_seed "$(realpath -m "$dir")" "$3" "$4" ;;
  status) [ $# -eq 2 ] || usage; cmd_status "$(realpath -m "$dir")" ;;
  *) usage ;;
esac
