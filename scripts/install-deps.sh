#!/usr/bin/env bash
# Installs, from Debian 12's own packages, whatever the build, the tests and
# the demo need and is missing. Idempotent: does nothing when all is there.
set -euo pipefail

packages=(
  g++ clang libclang-rt-14-dev meson ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libssl-dev zlib1g-dev catch2
  openssl dovecot-imapd dovecot-core python3
  libidn-dev   # SASLprep (RFC 4013) of SCRAM user names and passwords
  libedit-dev  # imap-shell: line editing, history and completion on a terminal
  # what the Cyrus binaries that test/servers/cyrus.sh fetches link against
  libsasl2-modules libsasl2-modules-db libicu72 libjansson4 libldap-2.5-0 libpcre3 libpq5 libsqlite3-0 libwrap0 libxml2
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js runs the Gmail stand-in (test/servers/hoodiecrow.sh); any node
# with npm will do, Debian's packages when there is none.
{ command -v node && command -v npm; } >/dev/null 2>&1 || missing+=(nodejs npm)

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # Debian's dovecot package starts a system instance; the tests run their own.
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# hoodiecrow-imap, exactly as pinned by test/servers/hoodiecrow/package-lock.json,
# into a cache outside git (HOODIECROW_MODULES tells hoodiecrow.sh where
# else to look). Reinstalled only when the lock file changes.
root=$(cd "$(dirname "$0")/.." && pwd -P)
hc_src=$root/test/servers/hoodiecrow
hc_cache=$root/build-cache/hoodiecrow
if ! cmp -s "$hc_src/package-lock.json" "$hc_cache/package-lock.json" \
   || [ ! -d "$hc_cache/node_modules/hoodiecrow-imap" ]; then
  echo "install-deps: installing hoodiecrow-imap (npm ci) into $hc_cache" >&2
  rm -rf "$hc_cache"
  mkdir -p "$hc_cache"
  cp "$hc_src/package.json" "$hc_src/package-lock.json" "$hc_cache/"
  # its optional dependencies (a command-line parser, an SMTP server) are
  # not used by server.js
  npm ci --prefix "$hc_cache" --omit=optional --ignore-scripts --no-audit --no-fund >/dev/null
fi
