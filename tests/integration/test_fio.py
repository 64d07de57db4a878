"""test_fio.py - fio's terms in pfnos (issue 13, kernel side), seen from
outside: numjobs clones on the shell's bench line (each clone its own
buffers and, when writing, its own slice, checked in the NVDIMM backing
file), fio job files handed over fw_cfg (opt/pfnos/job, opt/pfnos/jobname)
and run before the run= commands, their errors (file, line, option; no I/O;
exit status 1 in test mode), fio's option semantics (synchronous engines at
queue depth 1, stonewall ordering) and the BENCH-FIO JSON lines, read back
with json.loads. Short jobs (tens of milliseconds): make bench measures.
"""
import json
import re

from harness import REPO, check, test

M64 = (1 << 64) - 1


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & M64
    z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def pattern(seed, base, n):
    """n bytes of the data pattern of seed for byte offsets base.."""
    out = bytearray()
    for b in range(base & ~7, base + n, 8):
        out += splitmix64((seed << 48) ^ (b >> 3)).to_bytes(8, "little")
    skip = base & 7
    return bytes(out[skip:skip + n])


def kv(line):
    return dict(w.split("=", 1) for w in line.split() if "=" in w)


def bench_lines(out):
    return [l for l in out.splitlines() if l.startswith("BENCH ")]


@test("fio.numjobs_shell", timeout=90)
def numjobs_shell(ctx):
    """bench pmem0 rw=write numjobs=2 ios=8 size=64k offset=1m: one
    'BENCH job=<k>' line per clone with its own ios; the clones wrote the
    two halves of the range (the host finds every 4 KiB block of the 64 KiB
    written and the block after it untouched); group_reporting=1 gives one
    line with numjobs=2 and the sum of the I/Os; numjobs=0 is one error
    line."""
    g = ctx.boot("test.exit=1", boot="kernel", stdin=True)
    g.prompt(60)
    out = g.command("bench pmem0 rw=write bs=4k size=64k offset=1m numjobs=2 ios=8")
    lines = bench_lines(out)
    check(len(lines) == 2, "expected two BENCH lines: " + out.strip()[-400:])
    for k, l in enumerate(lines):
        check(l.startswith("BENCH job=%d dev=pmem0 rw=write " % k), "clone %d line: %s" % (k, l))
        check(kv(l)["ios"] == "8", "clone %d ios: %s" % (k, l))
    for k, (a, b) in enumerate(((1048576, 1081344), (1081344, 1114112))):
        check("bench: pmem0: overwriting bytes %d-%d (offset=/size=)" % (a, b) in out,
              "clone %d did not name its own range: %s" % (k, out[:400]))
    out = g.command("bench null0 rw=randread qd=2 numjobs=3 group_reporting=1 ios=50")
    lines = bench_lines(out)
    check(len(lines) == 1, "group_reporting: expected one line: " + out.strip()[-400:])
    f = kv(lines[0])
    check(lines[0].startswith("BENCH dev=null0 ") and f.get("numjobs") == "3" and f["ios"] == "150",
          "group_reporting line: " + lines[0])
    out = g.command("bench null0 numjobs=0")
    check(out.strip() == "error: bench: bad numjobs '0': at least 1", "numjobs=0: " + out)
    g.send("poweroff\r")
    g.wait()
    # seq write, qd 1: every block holds slot 0's fill, pattern seed 1 ^ 0x5a5a
    want = pattern(1 ^ 0x5a5a, 0, 4096)
    with open(ctx.dir / "pmem0.img", "rb") as f:
        f.seek(1048576)
        data = f.read(65536 + 4096)
    for blk in range(16):
        check(data[blk * 4096:(blk + 1) * 4096] == want,
              "block %d of the range not written by its clone" % blk)
    check(data[65536:] == bytes(4096), "a clone wrote past the range")
