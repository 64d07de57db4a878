#!/bin/sh
# linux-init.sh - /init of the Linux benchmark initramfs
# (scripts/bench/linux-initramfs.sh builds it, scripts/bench/bench.py boots
# it). The first user process: it says so at once (the host times QEMU
# start to this line), loads the nvme and nvdimm modules, then runs
# pfnos's bench-suite matrix with fio on the scratch area (the last
# 64 MiB) of each device: direct I/O, psync at qd 1, pvsync2 with hipri
# for polled NVMe (nvme poll_queues=1), libaio for qd > 1; 500 ms ramp,
# 2 s timed (BENCH_QUICK=1 on the kernel command line: 100 ms and 500 ms).
# BENCH_SMP=1 runs only the scaling jobs, each at fio numjobs=1 and 2.
# Each job prints "FIO-JOB dev=... rw=... bs=... qd=... poll=...", fio's
# JSON, and "FIO-END". Then it powers off. With a job file in fw_cfg
# (opt/pfnos/job) it runs that file instead, see below.
echo "BENCH-LINUX init: first user process"
export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo "BENCH-LINUX uptime $(cat /proc/uptime)"
echo "BENCH-LINUX cpu $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
echo "BENCH-LINUX kernel $(cat /proc/version)"

for m in $(cat /modules.order); do
	case $m in
	nvme.ko) insmod /lib/modules/$m poll_queues=1 ;;
	*) insmod /lib/modules/$m ;;
	esac
done
n=0
while [ $n -lt 100 ] && { [ ! -b /dev/pmem0 ] || [ ! -b /dev/nvme0n1 ]; }; do
	sleep 0.1
	n=$((n + 1))
done
ls /dev/pmem* /dev/nvme* 2>&1

# A job file handed over fw_cfg (bench.py --job: the launcher's --job, the
# qemu_fw_cfg module shows it in sysfs): run it instead of the matrix.
# fio writes json+ into a file, printed between "FIO-JSON-BEGIN <bytes>
# <md5>" and "FIO-JSON-END" (the host checks both, so it keeps exactly what
# fio wrote); --lat_percentiles=1: submit-to-completion percentiles, what
# pfnos measures.
jobf=/sys/firmware/qemu_fw_cfg/by_name/opt/pfnos/job/raw
if [ -r $jobf ]; then
	cat $jobf > /tmp/job.fio
	fio --lat_percentiles=1 --output-format=json+ --output=/tmp/fio.json /tmp/job.fio \
		> /tmp/fio.out 2>&1
	echo "BENCH-LINUX fio status $?"
	cat /tmp/fio.out
	set -- $(md5sum /tmp/fio.json)
	echo "FIO-JSON-BEGIN $(wc -c < /tmp/fio.json) $1"
	cat /tmp/fio.json
	echo
	echo "FIO-JSON-END"
	echo "BENCH-LINUX done"
	poweroff -f
fi

ramp=500ms
runtime=2s
grep -q BENCH_QUICK=1 /proc/cmdline && { ramp=100ms; runtime=500ms; }

job() {
	dev=$1 rw=$2 bs=$3 qd=$4 poll=$5 nj=${6:-1}
	[ -b /dev/$dev ] || { echo "BENCH-LINUX skip $dev: no device"; return; }
	cap=$(blockdev --getsize64 /dev/$dev)
	off=$((cap - 64 * 1024 * 1024))
	if [ "$poll" = 1 ]; then
		eng="--ioengine=pvsync2 --hipri=1"
	elif [ "$qd" = 1 ]; then
		eng="--ioengine=psync"
	else
		eng="--ioengine=libaio --iodepth=$qd"
	fi
	echo "FIO-JOB dev=$dev rw=$rw bs=$bs qd=$qd poll=$poll numjobs=$nj"
	fio --name=bench --filename=/dev/$dev --direct=1 --rw=$rw --bs=$bs $eng \
		--numjobs=$nj --group_reporting \
		--offset=$off --size=64m --norandommap --time_based --runtime=$runtime \
		--ramp_time=$ramp --lat_percentiles=1 --percentile_list=50:99:99.9 \
		--output-format=json 2>&1
	echo "FIO-END"
}

if grep -q BENCH_SMP=1 /proc/cmdline; then
	# the scaling runs (issue 11): numjobs 1 and 2 on a 2-vCPU machine
	for nj in 1 2; do job pmem0 randread 4k 1 0 $nj; done
	for nj in 1 2; do job pmem0 randwrite 4k 1 0 $nj; done
	for nj in 1 2; do job nvme0n1 randread 4k 32 0 $nj; done
	echo "BENCH-LINUX done"
	poweroff -f
fi
for d in pmem0; do
	job $d randread 4k 1 0
	job $d randwrite 4k 1 0
	job $d read 128k 1 0
	job $d write 128k 1 0
	job $d read 1m 1 0
	job $d write 1m 1 0
done
for d in nvme0n1; do
	job $d randread 4k 1 0
	job $d randread 4k 1 1
	job $d randread 4k 32 0
	job $d randwrite 4k 32 0
	job $d read 128k 8 0
	job $d write 128k 8 0
done
echo "BENCH-LINUX done"
poweroff -f
