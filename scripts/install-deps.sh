#!/usr/bin/env bash
# Installs, from Debian 12's own packages, whatever the build, the tests and
# the demo need and is missing. Idempotent: does nothing when all is there.
set -euo pipefail

packages=(
  g++ clang libclang-rt-14-dev meson ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libssl-dev zlib1g-dev catch2
  openssl dovecot-imapd dovecot-core python3
  # what the Cyrus binaries that test/servers/cyrus.sh fetches link against
  libsasl2-modules libsasl2-modules-db libicu72 libjansson4 libldap-2.5-0 libpcre3 libpq5 libsqlite3-0 libwrap0 libxml2
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# Debian's dovecot package starts a system instance; the tests run their own.
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
