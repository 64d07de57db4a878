#!/usr/bin/env bash
# qemu-plugin-header.sh - fetch QEMU's TCG plugin header (qemu-plugin.h) for
# the persistence checker (tools/pmem-check), into DIR (default
# build/qemu-plugin).
#
#   scripts/qemu-plugin-header.sh [DIR]
#
# The header is in no Debian binary package: it comes from bookworm's `qemu`
# source package (7.2+dfsg; every Debian revision shares the upstream
# tarball, about 24 MB). apt runs with a private sources list (deb-src
# lines), a private state, lists and cache directory under DIR, so the
# system's apt configuration is not touched and nothing is installed. The
# header must say QEMU_PLUGIN_VERSION 1 (what QEMU 7.2 loads). Needs the
# network to Debian's mirror once; afterwards DIR/qemu-plugin.h is reused.
# No QEMU file is committed to the repository.

set -u -o pipefail
prog=qemu-plugin-header.sh
dir=${1:-build/qemu-plugin}
hdr=$dir/qemu-plugin.h

[[ -s $hdr ]] && grep -q '^#define QEMU_PLUGIN_VERSION 1$' "$hdr" && exit 0

mirror=${PFNOS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$dir" || exit 1
dir=$(cd "$dir" && pwd)
hdr=$dir/qemu-plugin.h
work=$dir/apt
mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/src" || exit 1
cat > "$work/sources.list" <<EOL
deb-src $mirror bookworm main
deb-src $mirror bookworm-updates main
EOL
opts=(-o "Dir::Etc::SourceList=$work/sources.list"
      -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State=$work"
      -o "Dir::State::Lists=$work/lists"
      -o "Dir::Cache=$work/cache"
      -o Debug::NoLocking=1 -o APT::Sandbox::User=root)

echo "$prog: fetching QEMU's source package for qemu-plugin.h (once, ~24 MB)" >&2
if ! apt-get -q "${opts[@]}" update >"$work/update.log" 2>&1; then
	tail -n 5 "$work/update.log" >&2
	echo "$prog: apt-get update with the private source list failed" >&2
	exit 1
fi
# apt-get update exits 0 when a mirror cannot be reached: look for the index
if ! ls "$work"/lists/*Sources* >/dev/null 2>&1; then
	grep -E '^(Err|W|E):' "$work/update.log" | head -n 3 >&2
	echo "$prog: could not fetch the source index from $mirror (no network to Debian's mirror?)" >&2
	exit 1
fi
if ! (cd "$work/src" && apt-get -q "${opts[@]}" source --download-only qemu \
	>"$work/source.log" 2>&1); then
	tail -n 5 "$work/source.log" >&2
	echo "$prog: apt-get source --download-only qemu failed" >&2
	exit 1
fi
tarball=$(ls "$work"/src/qemu_7.2*.orig.tar.* 2>/dev/null | head -n 1)
if [[ -z $tarball ]]; then
	echo "$prog: no qemu 7.2 upstream tarball in $work/src (Debian 12's is 7.2+dfsg)" >&2
	exit 1
fi
rm -rf "$work/x" && mkdir -p "$work/x"
if ! tar -xf "$tarball" -C "$work/x" --wildcards '*/include/qemu/qemu-plugin.h'; then
	echo "$prog: cannot extract qemu-plugin.h from $tarball" >&2
	exit 1
fi
found=$(find "$work/x" -name qemu-plugin.h | head -n 1)
if ! grep -q '^#define QEMU_PLUGIN_VERSION 1$' "$found"; then
	echo "$prog: $found is not plugin API version 1" >&2
	exit 1
fi
cp "$found" "$hdr.tmp" && mv "$hdr.tmp" "$hdr" || exit 1
rm -rf "$work"
echo "$prog: $hdr (QEMU_PLUGIN_VERSION 1)" >&2
