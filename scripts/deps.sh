#!/usr/bin/env bash
# deps.sh - install the Debian packages a make target needs.
#
#   scripts/deps.sh [target...]     targets: build (default), test, fuzz, bench
#
# The Makefile calls it before building (build), testing (test), fuzzing
# (fuzz) and benchmarking (bench). It checks with dpkg-query which packages
# are missing and prints nothing when all are present. As root it installs
# them with apt-get (running `apt-get update` first when there are no package
# lists or a package is not found, as on a fresh machine); otherwise it
# prints the exact apt-get command and exits 1.

set -u -o pipefail

prog=deps.sh

pkgs_build=(gcc make binutils nasm qemu-system-x86 grub-pc-bin grub-efi-amd64-bin
	    grub-common xorriso mtools gnu-efi ovmf coreutils util-linux)
# The test runner is Python 3; patcheck and the unit tests need gcc's
# sanitizer runtimes (libasan/libubsan come with gcc on Debian 12); the
# persistence checker's header comes out of an xz tarball. fio.example_job
# reads pfnos's fio JSON with fio's own fio_jsonplus_clat2csv (package fio,
# which runs on python3-six). The namespace interop tests boot Debian's
# kernel with ndctl (scripts/linux-qemu): the guest's initramfs takes
# busybox-static, fio and ndctl from the host (and objcopy from binutils),
# and the kernel package is downloaded as for bench.
pkgs_linux_guest=(fio ndctl busybox-static cpio binutils xz-utils)
pkgs_test=("${pkgs_build[@]}" python3 xz-utils python3-six "${pkgs_linux_guest[@]}")
pkgs_fuzz=(clang libclang-rt-14-dev)
pkgs_bench=("${pkgs_build[@]}" python3 gnuplot-nox "${pkgs_linux_guest[@]}")

targets=("$@")
(( ${#targets[@]} )) || targets=(build)

want=()
dl_kernel=0
for t in "${targets[@]}"; do
	case $t in
	build) want+=("${pkgs_build[@]}") ;;
	test)
		want+=("${pkgs_test[@]}")
		dl_kernel=1	# the Linux guest of the interop tests
		;;
	fuzz) want+=("${pkgs_fuzz[@]}") ;;
	bench)
		want+=("${pkgs_bench[@]}")
		dl_kernel=1	# Debian's kernel package: downloaded, not installed
		;;
	-h|--help)
		sed -n '2,12s/^# \{0,1\}//p' "$0"
		exit 0
		;;
	*)
		echo "$prog: unknown target '$t' (build, test, fuzz, bench)" >&2
		exit 2
		;;
	esac
done

# Is a package installed? dpkg-query's status must end in "installed".
installed() {
	local st
	st=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
	[[ $st == *" installed" ]]
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "$prog: dpkg-query not found: this script knows Debian 12 only;" \
	     "install by hand: ${want[*]}" >&2
	exit 1
fi

missing=()
declare -A seen=()
for p in "${want[@]}"; do
	[[ -n ${seen[$p]:-} ]] && continue
	seen[$p]=1
	installed "$p" || missing+=("$p")
done
# bench and test: Debian's kernel and busybox-static packages for the Linux
# guest (benchmarks, interop tests), downloaded (not installed) into
# build/bench/linux/debs.
finish() {
	(( dl_kernel )) || exit 0
	"$(dirname "$0")/bench/linux-initramfs.sh" --download-only \
		"$(cd "$(dirname "$0")/.." && pwd)/build/bench/linux" || exit 1
	exit 0
}

(( ${#missing[@]} )) || finish

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
	echo "$prog: missing packages: ${missing[*]}" >&2
	echo "$prog: run as root:  $cmd" >&2
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
echo "$prog: installing ${missing[*]}" >&2

# A fresh machine has no package lists: update first when there are none or
# when apt does not know one of the packages.
need_update=0
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
	need_update=1
else
	for p in "${missing[@]}"; do
		if ! apt-cache show "$p" >/dev/null 2>&1; then
			need_update=1
			break
		fi
	done
fi
if (( need_update )); then
	apt-get update -q >&2 || { echo "$prog: apt-get update failed" >&2; exit 1; }
fi
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >&2; then
	if (( ! need_update )); then
		# Stale lists can name versions that are gone: update and retry.
		apt-get update -q >&2 &&
			apt-get install -y -q --no-install-recommends "${missing[@]}" >&2 &&
			finish
	fi
	echo "$prog: apt-get install failed: $cmd" >&2
	exit 1
fi
finish
