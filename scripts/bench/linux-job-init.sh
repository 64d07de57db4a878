#!/bin/sh
# linux-job-init.sh - /job-init of the Linux guest's initramfs
# (scripts/bench/linux-initramfs.sh puts it there): the first user process
# when scripts/linux-qemu boots Linux with rdinit=/job-init to run a script.
# It mounts proc, sys and devtmpfs, loads the modules of /modules.order
# (nvme, the nvdimm stack: nfit, libnvdimm, nd_pmem, nd_btt, dax_pmem,
# device_dax), waits until libnvdimm has probed every namespace (reading
# each bus's wait_probe, as ndctl does), runs /job.sh (linux-qemu appends
# it to the initramfs) in a subshell, prints "LINUX-JOB status N" and ends
# the machine through QEMU's isa-debug-exit port 0xf4: 0x10 when the script
# exited 0 (scripts/pfnos-qemu status 0), 0x11 otherwise (status 1). If the
# port cannot be written it powers off instead.
echo "LINUX-JOB init: first user process"
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mkdir -p /run /tmp

for m in $(cat /modules.order); do
	insmod /lib/modules/$m || echo "LINUX-JOB insmod $m failed"
done
for w in /sys/bus/nd/devices/ndbus*/wait_probe; do
	[ -e "$w" ] && cat "$w" >/dev/null
done
# Linux numbers regions in the order it probes them, not in the machine's
# order: nd_region I prints the region of the I-th NVDIMM (the I-th --pmem,
# counting from 0), found by physical address, which QEMU assigns in
# command-line order; nd_namespace I prints its label-less namespace.
nd_region() {
	for r in /sys/bus/nd/devices/region*; do
		printf '%020d %s\n' "$(cat $r/resource)" "${r##*/}"
	done | sort | sed -n "$(($1 + 1))s/.* //p"
}
nd_namespace() {
	r=$(nd_region "$1")
	[ -n "$r" ] && echo "namespace${r#region}.0"
}

echo "LINUX-JOB uptime $(cut -d' ' -f1 /proc/uptime) s: modules loaded, running /job.sh"

status=127
if [ -r /job.sh ]; then
	(. /job.sh)
	status=$?
else
	echo "LINUX-JOB no /job.sh in the initramfs"
fi
sync
echo "LINUX-JOB status $status"
if [ "$status" = 0 ]; then code='\020'; else code='\021'; fi
printf "$code" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
poweroff -f
