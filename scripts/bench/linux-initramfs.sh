#!/usr/bin/env bash
# linux-initramfs.sh - the Linux guest of the benchmarks and of the
# interoperability tests, from Debian's packages only: the stock kernel
# (linux-image-amd64's dependency) with its nvme and nvdimm modules (nfit,
# libnvdimm, nd_pmem, nd_btt, dax_pmem, device_dax: what ndctl needs for
# fsdax, sector and devdax namespaces), busybox-static, fio and ndctl with
# their shared libraries (copied with ldd from the host's Debian packages),
# and patcheck (scripts/patcheck.c, built static) to write and check the
# data pattern. Writes, under OUT:
#   vmlinuz            the kernel
#   vmlinux            the same uncompressed (its xz payload), booted by PVH
#   initramfs.cpio     an uncompressed initramfs whose /init
#                      (scripts/bench/linux-init.sh) runs the job matrix with
#                      fio and powers off; booted with rdinit=/job-init
#                      (scripts/bench/linux-job-init.sh) it runs /job.sh
#                      instead (scripts/linux-qemu --fio appends one)
#   initramfs-nd.cpio  the same without fio and the libraries only fio
#                      needs (13 MiB instead of 86: a Linux boot under TCG
#                      takes seconds less), what scripts/linux-qemu boots
#                      by default
#   kernel-package     the package name and version used
#
#   scripts/bench/linux-initramfs.sh OUT      (run as root for apt-get)
#   scripts/bench/linux-initramfs.sh --download-only OUT
#
# Downloads (apt-get download) stay in OUT/debs; nothing is installed
# except by scripts/deps.sh bench or test (fio, ndctl, busybox-static, cpio).
# --download-only fetches the kernel and busybox-static packages into
# OUT/debs (when not there yet) and exits: scripts/deps.sh bench calls it
# with OUT = build/bench/linux, so a later build needs no network.

set -eu -o pipefail

prog=linux-initramfs.sh
usage="usage: $0 [--download-only] OUT"
download_only=0
if [[ ${1:-} == --download-only ]]; then
	download_only=1
	shift
fi
[[ $# -eq 1 && -n $1 && $1 != -* ]] || { echo "$usage" >&2; exit 2; }
out=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "$out/debs"
out=$(cd "$out" && pwd)

die() { echo "$prog: $*" >&2; exit 1; }

if (( ! download_only )); then
	command -v fio >/dev/null || die "fio not installed (scripts/deps.sh bench)"
	command -v cpio >/dev/null || die "cpio not installed (scripts/deps.sh bench)"
	command -v ndctl >/dev/null || die "ndctl not installed (scripts/deps.sh bench)"
	command -v gcc >/dev/null || die "gcc not installed (scripts/deps.sh build)"
fi

# The stock kernel: whatever linux-image-amd64 depends on.
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
       awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
if [[ -z $kpkg ]]; then
	apt-get update -q >&2 || true
	kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	       awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
fi
[[ -n $kpkg ]] || die "cannot find linux-image-amd64's kernel package (apt-get update?)"

cd "$out/debs"
for p in "$kpkg" busybox-static; do
	if ! compgen -G "${p}_*.deb" >/dev/null; then
		echo "$prog: apt-get download $p" >&2
		apt-get download "$p" >&2 || die "apt-get download $p failed"
	fi
done
kdeb=$(ls -t "${kpkg}"_*.deb | head -1)
bdeb=$(ls -t busybox-static_*.deb | head -1)
if (( download_only )); then
	echo "$prog: $out/debs has $kdeb and $bdeb (downloaded, not installed)" >&2
	exit 0
fi
echo "$kdeb" > "$out/kernel-package"

rm -rf "$out/kroot" "$out/broot" "$out/root"
mkdir -p "$out/kroot" "$out/broot"
dpkg-deb -x "$kdeb" "$out/kroot"
dpkg-deb -x "$bdeb" "$out/broot"
kver=$(ls "$out/kroot/lib/modules" | head -1)
[[ -n $kver ]] || die "no modules in $kdeb"
cp "$out/kroot/boot/vmlinuz-$kver" "$out/vmlinuz"

# The kernel uncompressed, for PVH: Debian's bzImage carries an xz payload
# that the kernel's own decompressor unpacks in 5-10 s of TCG per boot;
# the vmlinux ELF inside has the PVH entry note (CONFIG_PVH=y), so
# scripts/linux-qemu boots it directly with -kernel, as pfnos boots.
off=$(LC_ALL=C grep -abo $'\xfd7zXZ' "$out/vmlinuz" | head -1 | cut -d: -f1)
[[ -n $off ]] || die "no xz payload in $out/vmlinuz"
# (xz stops at the end of its stream: tail's SIGPIPE is no error; the ELF
# magic below is the check.)
tail -c +$((off + 1)) "$out/vmlinuz" 2>/dev/null |
	xz -dc --single-stream > "$out/vmlinux.tmp" 2>/dev/null || true
[[ $(head -c 4 "$out/vmlinux.tmp" | od -An -tx1 | tr -d ' ') == 7f454c46 ]] ||
	die "the xz payload of $out/vmlinuz is not an ELF kernel"
mv "$out/vmlinux.tmp" "$out/vmlinux"

# Modules and their dependencies, dependencies first. The package has no
# modules.dep (the installer's depmod makes it) and kmod may be missing:
# read each module's "depends=" from its .modinfo section instead.
moddir=$out/kroot/lib/modules/$kver
declare -A modpath=()
while read -r f; do
	n=${f##*/}
	n=${n%%.ko*}
	modpath[${n//-/_}]=${f#"$moddir"/}
done < <(find "$moddir/kernel" -name '*.ko*')
mod_depends() {
	local f=$moddir/$1 tmp
	tmp=$(mktemp)
	case $f in
	*.xz) xz -dc "$f" > "$tmp" ;;
	*.zst) zstd -qdc "$f" > "$tmp" ;;
	*) cp "$f" "$tmp" ;;
	esac
	objcopy -O binary --only-section=.modinfo "$tmp" /dev/stdout 2>/dev/null |
		tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '
	rm -f "$tmp"
}
declare -A loaded=()
order=()
add_mod() {
	local name=${1//-/_} d
	[[ -n ${loaded[$name]:-} ]] && return
	loaded[$name]=1
	[[ -n ${modpath[$name]:-} ]] || die "module $name not in $kpkg"
	for d in $(mod_depends "${modpath[$name]}"); do
		add_mod "$d"
	done
	order+=("${modpath[$name]}")
}
for name in nvme nfit nd_pmem nd_btt dax_pmem device_dax; do
	add_mod "$name"
done
# fw_cfg in sysfs: the job file bench.py --job hands over (opt/pfnos/job)
add_mod qemu_fw_cfg

root=$out/root
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,lib/modules,lib64,usr/bin}
cp "$out/broot/bin/busybox" "$root/bin/busybox"
for a in $("$root/bin/busybox" --list); do
	[[ -e $root/bin/$a ]] || ln -s busybox "$root/bin/$a"
done
# for the job file's JSON: its size and checksum go with it (busybox-static
# 1:1.35.0-4+deb12u1+b1 lists both already: ln would fail on them)
for a in wc md5sum; do
	[[ -e $root/bin/$a ]] || ln -s busybox "$root/bin/$a"
done
: > "$root/modules.order"
for m in "${order[@]}"; do
	base=$(basename "$m")
	case $base in
	*.ko.xz) xz -dc "$moddir/$m" > "$root/lib/modules/${base%.xz}"; base=${base%.xz} ;;
	*.ko.zst) zstd -qdc "$moddir/$m" > "$root/lib/modules/${base%.zst}"; base=${base%.zst} ;;
	*) cp "$moddir/$m" "$root/lib/modules/$base" ;;
	esac
	echo "$base" >> "$root/modules.order"
done

# add_exe EXE: EXE and every shared library it needs, at the same paths.
add_exe() {
	cp "$1" "$root/usr/bin/${1##*/}"
	ldd "$1" | awk '$3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | sort -u |
	while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
add_exe "$(command -v ndctl)"

# patcheck, static: the data pattern (lib/pattern.c) written and checked
# through Linux's block devices.
src=$(cd "$here/../.." && pwd)
gcc -static -std=gnu11 -O2 -DPFNOS_HOST -I"$src/include" -Wall -Werror \
	-o "$root/usr/bin/patcheck" "$src/scripts/patcheck.c" "$src/lib/pattern.c" ||
	die "cannot build a static patcheck"

cp "$here/linux-init.sh" "$root/init"
cp "$here/linux-job-init.sh" "$root/job-init"
chmod +x "$root/init" "$root/job-init"
mkcpio() {
	(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) > "$out/$1.tmp" &&
		mv "$out/$1.tmp" "$out/$1" || die "cpio failed"
}
mkcpio initramfs-nd.cpio
add_exe /usr/bin/fio
mkcpio initramfs.cpio
echo "$prog: $out/vmlinuz ($kver), $out/initramfs.cpio ($(du -h "$out/initramfs.cpio" | cut -f1)) and initramfs-nd.cpio ($(du -h "$out/initramfs-nd.cpio" | cut -f1), no fio): modules ${order[*]##*/}" >&2
