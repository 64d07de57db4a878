"""test_storm.py - I/O storms from every CPU at once, checked from outside
(issue 11): a 2-CPU machine runs the storm self tests (tests/kernel/
test_storm.c: each online CPU writes its own range of pmem0 and nvme0n1
with its own pattern seed, reads it back, and reads a shared range every
CPU reads at once), then the host checks every CPU's range, and the shared
one, in the NVDIMM and NVMe backing files.

Ranges, as the self test lays them out and reports them ("# storm <disk>
cpu<c> own <start>-<end> seed 0x<s>: ..."): CPU c's own range at
end - 8 MiB + c * 128 KiB, the shared one at end - 4 MiB (64 KiB, seed
0x56ff). The host recomputes them from the file size and requires the
guest's lines to say the same, one per CPU the kernel brought online.
"""
import re

from harness import Config, check, ktap_results, test
from test_nvme import PIN, patcheck

SIZE = 1 << 30                 # the default 1 GiB pmem0.img and nvme0.img
OWN = 128 << 10
SHARED = 64 << 10
SEED = 0x5700


def online_cpus(out):
    """CPUs the kernel says it brought online (1 before the bring-up)."""
    m = re.search(r"smp: (\d+) of \d+ CPU\(s\) online", out)
    return int(m.group(1)) if m else 1


@test("storm.smp2_writes_from_every_cpu_in_the_backing_files", timeout=120)
def smp2(ctx):
    out = ctx.run('test.exit=1 nvme.timeout=5 run="selftest storm; poweroff"', 0,
                  args=PIN + ["--smp", "2"])
    results, passed, failed = ktap_results(out)
    names = {n for ok, _, n in results if ok}
    check(failed == 0 and {"storm.pmem0", "storm.nvme0n1", "storm.null_blk"} <= names,
          "storm self tests: %s passed, %s failed: %s" % (passed, failed, results))
    ncpu = online_cpus(out)
    for disk, img in (("pmem0", "pmem0.img"), ("nvme0n1", "nvme0.img")):
        lines = re.findall(r"# storm %s cpu(\d+) own (\d+)-(\d+) seed 0x([0-9a-f]+): "
                           r"(\d+) I/Os, 0 errors, 0 mismatches" % disk, out)
        cpus = sorted(int(c) for c, _, _, _, _ in lines)
        check(cpus == list(range(ncpu)),
              "%s: storms on CPUs %s, expected one on each of %d: %s"
              % (disk, cpus, ncpu, lines))
        for c, start, end, seed, _ in lines:
            c = int(c)
            want = SIZE - (8 << 20) + c * OWN
            check((int(start), int(end), int(seed, 16)) == (want, want + OWN, SEED + c),
                  "%s cpu%d: the guest says %s-%s seed 0x%s, the layout is %d-%d seed 0x%x"
                  % (disk, c, start, end, seed, want, want + OWN, SEED + c))
            patcheck(ctx.dir / img, want, OWN, SEED + c)
        patcheck(ctx.dir / img, SIZE - (4 << 20), SHARED, SEED - 1)
    ctx.note("%d CPUs stormed" % ncpu)


@test("storm.smp4_two_nvme_queues_shared", timeout=120)
def smp4_shared(ctx):
    """Four CPUs, a controller granting two I/O queues (QEMU's
    max_ioqpairs=2): CPUs 2 and 3 share CPU 0's and CPU 1's queues, whose
    interrupts go to CPUs 0 and 1, so every one of their completions runs
    on another CPU (and wakes nobody wrongly); the data of all four is in
    the drive image."""
    out = ctx.run('nvme.timeout=5 run="selftest storm; selftest nvme.queue_per_cpu; poweroff"',
                  0, args=PIN + ["--smp", "4", "--nvme-opt", "max_ioqpairs=2"])
    check("nvme0: controller grants 2 I/O queues of 8 asked: 2+0 for 4 CPUs" in out,
          "no grant line for 2 queues and 4 CPUs")
    summaries = re.findall(r"^(\d+) passed, (\d+) failed, (\d+) skipped$", out, re.M)
    check(len(summaries) == 2 and all(f == "0" for _, f, _ in summaries),
          "self test summaries %s" % summaries)
    for name in ("storm.nvme0n1", "storm.pmem0", "storm.null_blk", "nvme.queue_per_cpu"):
        check(re.search(r"^ok \d+ %s$" % re.escape(name), out, re.M), "%s did not pass" % name)
    away = {int(c): int(a) for c, a in re.findall(
        r"# storm nvme0n1 cpu(\d+) own \d+-\d+ seed 0x[0-9a-f]+: 80 I/Os, 0 errors, "
        r"0 mismatches, (\d+) completed on another CPU", out)}
    check(away == {0: 0, 1: 0, 2: 80, 3: 80},
          "completions away from their CPU, per CPU: %s (expected CPUs 2 and 3 all away)" % away)
    for c in range(4):
        patcheck(ctx.dir / "nvme0.img", SIZE - (8 << 20) + c * OWN, OWN, SEED + c)
