"""test_pmemcheck.py - the persistence checker (scripts/pfnos-qemu
--pmem-check, tools/pmem-check): every path that writes persistent memory,
in every real flush mode, must reach its durability points with 0
violations; the unsafe pmem.flush=none control and the permanent known-bad
case must be caught, naming the line.

The paths: `write`/`verify` at odd LBAs and counts from RAM buffers that
start at offsets no multiple of 64 (so copy routines run their unaligned
heads and tails), `zero`, zero-copy copies (NVMe DMA into pmem, pmem to
pmem through the driver), a bounced copy, the pmem and DMA self tests and
the pmem jobs of `bench-suite quick`.
"""
import re

from harness import check, test

# write/verify pairs: (lba, count, seed, buf_offset); 8 and 72 leave a
# copy routine an 8-byte-aligned remainder shorter than its loop.
WRITES = [(3, 9, 5, 3), (17, 13, 6, 8), (101, 1, 7, 72), (1000, 17, 8, 4095),
          (2047, 33, 9, 1)]
COPIES = ["copy nvme0n1 0 pmem0 4097 9",             # NVMe DMA into pmem
          "copy pmem0 3 pmem0 5001 9",               # pmem -> pmem, CPU stores
          "copy pmem0 4097 nvme0n1 100 9",
          "copy nvme0n1 1 pmem0 6001 5 bounce=1 buf_offset=72"]
SUMMARY = re.compile(r"^pmem-check: (\d+) stores to persistent memory, (\d+) durability "
                     r"points, (\d+) violations$", re.M)
VIOLATION = re.compile(r"^pmem-check: violation: line (0x[0-9a-f]+) "
                       r"(dirty|wb-pending|nt-pending) at (\S+) \(stored by (0x[0-9a-f]+) (\S+)\)$",
                       re.M)


def report(g):
    """(stores, points, violations, [violation tuples]) from the launcher's stderr."""
    err = g.launcher_stderr()
    m = SUMMARY.findall(err)
    check(len(m) == 1, "no single pmem-check summary line; launcher said: %s"
          % err.strip()[-600:])
    s, p, v = (int(x) for x in m[0])
    return s, p, v, VIOLATION.findall(err), err


def run_checked(ctx, mode, status, cmds, extra=""):
    cmdline = 'test.exit=1 pmem.flush=%s %s run="%s"' % (mode, extra, "; ".join(cmds))
    g = ctx.boot(cmdline, boot="kernel", args=["--pmem-check"])
    st = g.wait()
    return g, st, report(g)


def mode_test(ctx, mode):
    cmds = []
    for lba, count, seed, off in WRITES:
        cmds.append("write pmem0 %d %d %d buf_offset=%d" % (lba, count, seed, off))
    cmds.append("zero pmem0 60 3")
    cmds += COPIES
    for lba, count, seed, off in WRITES:
        cmds.append("verify pmem0 %d %d %d buf_offset=%d" % (lba, count, seed, (off * 7) % 4096))
    cmds += ["bench-suite quick pmem0", "selftest dma", "selftest pmem"]
    g, st, (stores, points, viol, lines, err) = run_checked(ctx, mode, 0, cmds)
    out = g.text
    check("pmem0: region 0" in out and (", %s" % mode) in out,
          "pmem0 did not come up with pmem.flush=%s" % mode)
    for lba, count, _, _ in WRITES:
        check("write ok pmem0 %d %d" % (lba, count) in out, "write %d %d failed" % (lba, count))
        check("verify ok pmem0 %d %d" % (lba, count) in out, "verify %d %d failed" % (lba, count))
    check(out.count("copy: zero-copy") == 3 and "copy: bounced" in out, "a copy failed")
    check(re.search(r"^bench-suite: done in \d+ ms, 0 failed$", out, re.M), "bench-suite failed")
    check(re.search(r"^\d+ passed, 0 failed(, 0 skipped)?$", out, re.M), "a self test failed")
    check(viol == 0 and not lines,
          "%d violations in mode %s: %s" % (viol, mode, "\n".join(err.splitlines()[-8:])))
    check(st == 0, "exit status %s, expected 0" % st)
    # what was checked: the writes alone store more than this many lines
    check(stores > 100000 and points > 100,
          "checker saw only %d stores and %d points" % (stores, points))
    ctx.note("%s: %d stores, %d points, 0 violations" % (mode, stores, points))


@test("pmemcheck.flush_nt", timeout=150)
def flush_nt(ctx):
    """Non-temporal stores, heads and tails of misaligned copies included."""
    mode_test(ctx, "nt")


@test("pmemcheck.flush_clwb", timeout=150)
def flush_clwb(ctx):
    mode_test(ctx, "clwb")


@test("pmemcheck.flush_clflushopt", timeout=150)
def flush_clflushopt(ctx):
    mode_test(ctx, "clflushopt")


@test("pmemcheck.flush_clflush", timeout=150)
def flush_clflush(ctx):
    mode_test(ctx, "clflush")


@test("pmemcheck.flush_none_is_caught", timeout=60)
def flush_none(ctx):
    """pmem.flush=none makes nothing durable: the checker must say so, for
    every line of a write, and the run must fail."""
    g, st, (stores, points, viol, lines, err) = run_checked(
        ctx, "none", 1, ["write pmem0 8 8 3", "poweroff"])
    check("write ok pmem0 8 8" in g.text, "the write itself failed")
    check(st == 1, "exit status %s, expected 1 (violations)" % st)
    check(viol == 64, "%d violations for a 4 KiB write, expected 64 (one per line)" % viol)
    check(len(lines) == 20, "%d violation lines listed, expected the first 20" % len(lines))
    base = int(re.search(r"pmem0: region 0 \(\w+\) phys (0x[0-9a-f]+)", g.text).group(1), 16)
    got = sorted(int(l[0], 16) for l in lines)
    check(all(base + 4096 <= a < base + 8192 and a % 64 == 0 for a in got),
          "violations name lines outside the write: %s" % [hex(a) for a in got])
    check(all(l[1] == "dirty" and l[2].startswith("bio:") for l in lines),
          "expected dirty lines at a bio completion: %s" % lines[:3])


@test("pmemcheck.known_bad", timeout=60)
def known_bad(ctx):
    """The permanent known-bad case: one store without write-back, then a
    declared durability point: exactly one violation, naming that line and
    the store's function (and a kmap-fill after it adds none)."""
    g = ctx.boot("test.exit=1 loglevel=6", boot="kernel", stdin=True, args=["--pmem-check"])
    g.prompt()
    base = int(re.search(r"pmem0: region 0 \(\w+\) phys (0x[0-9a-f]+)", g.text).group(1), 16)
    target = base + 0x12345
    out = g.command("pmem-unflushed 0x%x" % target)
    line = target & ~63
    check("pmem-unflushed: stored line 0x%x without write-back" % line in out,
          "no pmem-unflushed line in: %s" % out.strip())
    # kmap-fill's durability point, on a misaligned range, adds none
    out = g.command("kmap-fill 0x%x 5000 7" % (base + 0x20003))
    check("kmap-fill ok 0x%x 5000" % (base + 0x20003) in out, "kmap-fill failed: %s" % out)
    g.send("poweroff\n")
    st = g.wait()
    stores, points, viol, lines, err = report(g)
    check(viol == 1 and len(lines) == 1, "%d violations, expected exactly 1:\n%s" % (viol, err))
    v = lines[0]
    check(int(v[0], 16) == line, "violation names line %s, expected 0x%x" % (v[0], line))
    check(v[1] == "dirty" and v[2].startswith("declared:cmd_pmem_unflushed+"),
          "expected a dirty line at cmd_pmem_unflushed's point: %s" % (v,))
    check(v[4].startswith("cmd_pmem_unflushed+"), "store not attributed: %s" % (v,))
    check(st == 1, "exit status %s, expected 1 (a violation fails the run)" % st)


@test("pmemcheck.null_blk_reads_into_pmem", timeout=60)
def null_blk_into_pmem(ctx):
    """A driver that moves data with the CPU into a persistent-memory buffer
    (null_blk's memory mode read behind a zero-copy copy null0 -> pmem0)
    must make it durable: a FLUSH of pmem0 afterwards claims every store."""
    cmds = ["write null0 0 8 3", "copy null0 0 pmem0 100 8", "flush pmem0",
            "verify pmem0 100 8 3 from=0", "poweroff"]
    g, st, (stores, points, viol, lines, err) = run_checked(
        ctx, "clwb", 0, cmds, extra="null_blk.memory=1")
    out = g.text
    check("copy: zero-copy 4096 bytes" in out and "verify ok pmem0 100 8" in out,
          "the copy or its verify failed")
    check(stores >= 512, "checker saw %d stores into pmem, expected the copy's 512" % stores)
    check(viol == 0, "%d violations: %s" % (viol, "\n".join(err.splitlines()[-5:])))
    check(st == 0, "exit status %s, expected 0" % st)


@test("pmemcheck.unclaimed_store_is_caught", timeout=60)
def unclaimed(ctx):
    """A store to persistent memory that no durability point ever claims is
    lost at power-off all the same: the checker reports it at exit."""
    g = ctx.boot("test.exit=1", boot="kernel", stdin=True, args=["--pmem-check"])
    g.prompt()
    base = int(re.search(r"pmem0: region 0 \(\w+\) phys (0x[0-9a-f]+)", g.text).group(1), 16)
    out = g.command("pmem-unflushed 0x%x claim=0" % (base + 0x4040))
    check("never claimed" in out, "pmem-unflushed claim=0 said: %s" % out.strip())
    g.send("poweroff\n")
    st = g.wait()
    stores, points, viol, lines, err = report(g)
    check(viol == 1 and len(lines) == 1, "%d violations, expected 1:\n%s" % (viol, err))
    check(int(lines[0][0], 16) == base + 0x4040 and lines[0][2] == "exit",
          "expected line 0x%x dirty at exit: %s" % (base + 0x4040, lines[0]))
    check(st == 1, "exit status %s, expected 1" % st)


@test("pmemcheck.help_runs_nothing", timeout=30)
def help_runs_nothing(ctx):
    """`--help` prints text; it never builds or downloads anything (its text
    names `make pmem-check`, which must not run)."""
    import subprocess
    from harness import LAUNCHER
    r = subprocess.run([str(LAUNCHER), "--help"], capture_output=True, text=True,
                       cwd="/", timeout=20)
    check(r.returncode == 0, "--help exit status %d" % r.returncode)
    check("`make pmem-check`" in r.stdout,
          "--help lost the words `make pmem-check`: %s" % r.stdout[r.stdout.find("--pmem-check"):][:300])
    check("make:" not in r.stdout + r.stderr and "gcc" not in r.stdout + r.stderr,
          "--help ran make: %s" % (r.stdout + r.stderr)[-300:])


@test("pmemcheck.two_nvdimms", timeout=60)
def two_nvdimms(ctx):
    """Both NVDIMMs of a two-NVDIMM machine are calibrated, named by their
    physical ranges, and checked: writes into each are durable. The launcher
    tells the plugin how many NVDIMMs the machine has; fewer calibrated
    regions would be a checker error."""
    cmds = ["write pmem0 11 7 3 buf_offset=5", "write pmem1 13 9 4 buf_offset=8",
            "verify pmem1 13 9 4", "poweroff"]
    g = ctx.boot('test.exit=1 pmem.flush=nt run="%s"' % "; ".join(cmds), boot="kernel",
                 pmem=["a.img:64M", "b.img:64M"], args=["--pmem-check"])
    st = g.wait()
    stores, points, viol, lines, err = report(g)
    regions = re.findall(r"^pmem-check: region (0x[0-9a-f]+)-(0x[0-9a-f]+) ", err, re.M)
    booted = re.findall(r"pmem\d: region \d \(\w+\) phys (0x[0-9a-f]+)-(0x[0-9a-f]+)", g.text)
    check(len(regions) == 2 and sorted(regions) == sorted(booted),
          "calibrated %s, the kernel has %s" % (regions, booted))
    check("error" not in err.lower(), "checker errors: %s" % err[-400:])
    check(viol == 0 and st == 0, "%d violations, status %s" % (viol, st))
    check(",expect=2" in g.launcher_stderr(),
          "the launcher did not tell the plugin to expect 2 regions")
