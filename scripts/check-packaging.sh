#!/usr/bin/env bash
# Checks what a user of the library relies on besides its behaviour:
#  1. each public header compiles on its own;
#  2. `meson install` installs headers, library and imapclient.pc, and a
#     program builds against them with pkg-config alone;
#  3. the tree works as a Meson subproject of someone else's project (a
#     program compiles against its dependency object).
# Usage: scripts/check-packaging.sh BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${1:?usage: check-packaging.sh BUILD_DIR}
work=$(mktemp -d /tmp/imapclient-packaging.XXXXXX)
trap 'rm -rf "$work"' EXIT
cxx=${CXX:-c++}
asio_flags="-DBOOST_ASIO_SEPARATE_COMPILATION -DBOOST_ASIO_NO_DEPRECATED"

echo "--- 1. public headers are self-contained"
for h in include/imapclient/*.hpp include/imapclient/ops/*.hpp; do
  echo "#include <${h#include/}>" > "$work/one.cpp"
  $cxx -std=c++20 $asio_flags -Iinclude -fsyntax-only "$work/one.cpp" || { echo "not self-contained: $h"; exit 1; }
done

echo "--- 2. meson install + pkg-config"
DESTDIR="$work/dest" meson install -C "$build" --quiet >/dev/null
prefix=$(meson introspect "$build" --buildoptions | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
libdir=$(meson introspect "$build" --buildoptions | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="libdir"))')
case $libdir in /*) ;; *) libdir="$prefix/$libdir" ;; esac
pcdir="$work/dest$libdir/pkgconfig"
[ -f "$pcdir/imapclient.pc" ] || { echo "imapclient.pc not installed"; exit 1; }
# The .pc file names the final prefix; point pkg-config at the staged copy.
export PKG_CONFIG_PATH="$pcdir"
flags=$(pkg-config --define-variable=prefix="$work/dest$prefix" --cflags --libs imapclient)
# A library built with sanitizers (scripts/test.sh's build) needs their
# runtime first in the program that loads it.
sanitize=$(meson introspect "$build" --buildoptions | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="b_sanitize"))')
[ "$sanitize" = none ] || flags="$flags -fsanitize=$sanitize"
$cxx -std=c++20 samples/simple_example.cpp $flags -o "$work/from_pkgconfig"
# Run without arguments it prints its usage (and exits 1): it loads and starts.
out=$(LD_LIBRARY_PATH="$work/dest$libdir" "$work/from_pkgconfig" 2>&1 || true)
grep -qi usage <<<"$out" || { echo "the program built with pkg-config does not start: $out"; exit 1; }

echo "--- 3. as a Meson subproject"
mkdir -p "$work/consumer/subprojects"
ln -s "$root" "$work/consumer/subprojects/imapclient"
cp samples/simple_example.cpp "$work/consumer/main.cpp"
cat > "$work/consumer/meson.build" <<'MESON'
project('consumer', 'cpp', default_options : ['cpp_std=c++20'])
imap = dependency('imapclient', fallback : ['imapclient', 'imapclient_dep'])
executable('consumer', 'main.cpp', dependencies : imap)
MESON
unset PKG_CONFIG_PATH
meson setup "$work/consumer/build" "$work/consumer" --force-fallback-for=imapclient -Dimapclient:tests=false >/dev/null
# The consumer's own object, compiled with what the dependency passes on
# (include directories, Asio's separate-compilation macros). Linking it
# would compile the whole library a second time (minutes of CI); step 2
# links a program against the library already.
obj=$(ninja -C "$work/consumer/build" -t targets all | sed -nE 's/^(consumer\.p\/main\.cpp\.o):.*/\1/p')
[ -n "$obj" ] || { echo "no object for the consumer's main.cpp"; exit 1; }
ninja -C "$work/consumer/build" "$obj" > "$work/ninja.log" || { tail -30 "$work/ninja.log"; exit 1; }
[ -f "$work/consumer/build/$obj" ]
echo "packaging checks passed"
