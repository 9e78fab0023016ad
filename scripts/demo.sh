#!/usr/bin/env bash
# The demo: builds the library, starts a throwaway Dovecot seeded with a few
# messages, and runs samples/simple_example against it over STARTTLS
# (verified against the run's own CA), printing output like the seed's.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${BUILD_DIR:-$root/build}

bash scripts/install-deps.sh
[ -f "$build/build.ninja" ] || meson setup "$build" --buildtype=debugoptimized >/dev/null
ninja -C "$build" samples/simple_example >/dev/null

dir=$(mktemp -d /tmp/imapclient-demo.XXXXXX)
chmod 755 "$dir"  # the mail processes run as an unprivileged user
trap 'bash "$root/test/servers/dovecot.sh" stop "$dir" >/dev/null 2>&1; rm -rf "$dir"' EXIT
bash test/servers/dovecot.sh start "$dir" >/dev/null 2>&1
bash test/servers/dovecot.sh seed "$dir" alice 8 >/dev/null 2>&1
. "$dir/env"
echo "\$ simple_example localhost $IMAP_PORT alice alicepass --starttls --ca-file $IMAP_CA"
"$build/samples/simple_example" localhost "$IMAP_PORT" alice alicepass --starttls --ca-file "$IMAP_CA"
