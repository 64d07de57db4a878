# Small Linux-made NVDIMMs (32 MiB each) for host tests and fuzz seeds.
mk() { ns=$(nd_namespace $1); shift; echo "LINUXIMG ndctl create-namespace -f -e $ns $*"; ndctl create-namespace -f -e $ns "$@" >/dev/null; }
mk 0 -m fsdax -M mem || exit 1
mk 1 -m fsdax -M dev || exit 1
mk 2 -m sector -l 512 || exit 1
mk 3 -m sector -l 4096 || exit 1
mk 4 -m devdax || exit 1
seed=21
for i in 0 1 2 3; do
	d=$(ndctl list -n $(nd_namespace $i) | sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p')
	size=$(blockdev --getsize64 /dev/$d)
	echo "LINUXIMG nvdimm=$i dev=$d size=$size sector_size=$(blockdev --getss /dev/$d)"
	patcheck --write /dev/$d 64k 16k $seed || exit 1
	patcheck --write /dev/$d $((size - 16384)) 16k $((seed + 100)) || exit 1
	seed=$((seed + 1))
done
for i in 2 3; do
	ns=$(nd_namespace $i)
	ndctl disable-namespace $ns && ndctl check-namespace $ns && ndctl enable-namespace $ns || exit 1
done
echo NDCTL-LIST-BEGIN
ndctl list -Nv
echo NDCTL-LIST-END
