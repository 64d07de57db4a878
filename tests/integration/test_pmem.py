"""test_pmem.py - the pmem block driver and the block shell commands
(issue 4), seen from outside: the pmem self tests, data written with
`write` found by the host in the NVDIMM backing file (after poweroff, and
after QEMU is killed with SIGKILL right after `write ok`: stored before the
reply, which is not the same as flushed) and verified by
the next boot, the commands' output formats and counters, zero-copy and
bounced copies across block sizes, every argument error, and Ctrl-C.

Fast PVH boots (boot="kernel"). Byte offsets: LBA L of pmem0 is byte
L*512 of pmem0.img.
"""
import os
import re
import signal
import subprocess

from harness import Config, check, ktap_results, pattern, test


def patcheck(path, offset, length, seed, base=None):
    cmd = [str(Config.build / "patcheck"), str(path), str(offset), str(length), str(seed)]
    if base is not None:
        cmd.append(str(base))
    r = subprocess.run(cmd, capture_output=True, text=True)
    check(r.returncode == 0, "patcheck %s: %s%s" % (" ".join(cmd[2:]), r.stdout.strip(),
                                                    r.stderr.strip()))


def kv(line):
    """{key: value} of the key=value words of one output line."""
    return dict(w.split("=", 1) for w in line.split() if "=" in w)


def dev_line(out, prefix, dev, extra=""):
    m = re.search(r"^%s: %s %s.*$" % (prefix, re.escape(dev), extra), out, re.M)
    check(m is not None, "no '%s: %s %s' line in: %s" % (prefix, dev, extra, out.strip()))
    return kv(m.group(0))


def shell(ctx, cmdline="", **kw):
    g = ctx.boot(("test.exit=1 " + cmdline).strip(), boot="kernel", stdin=True, **kw)
    g.prompt()
    return g


def ok(g, line, want):
    out = g.command(line)
    check(want in out and "error:" not in out, "%s: expected %r, got: %s"
          % (line, want, out.strip()))
    return out


def poweroff(g, status=0):
    g.send("poweroff\r")
    st = g.wait()
    check(st == status, "poweroff status %s, expected %s" % (st, status))


@test("pmem.selftest", timeout=120)
def selftest(ctx):
    """The pmem self tests pass, with kmap.debug=1 catching stale mappings."""
    out = ctx.run('test.exit=1 kmap.debug=1 run="selftest pmem.; poweroff"', 0)
    _, passed, failed = ktap_results(out)
    check(failed == 0 and passed is not None and passed >= 8,
          "pmem self tests: %s passed, %s failed" % (passed, failed))


@test("pmem.selftest_nt", timeout=120)
def selftest_nt(ctx):
    """The same with movnti stores chosen at boot (pmem.flush=nt)."""
    out = ctx.run('test.exit=1 pmem.flush=nt run="lsblk -v; selftest pmem.; poweroff"', 0)
    check(dev_line(out, "lsblk", "pmem0", "pmem")["flush"] == "nt", "pmem.flush=nt not taken")
    _, passed, failed = ktap_results(out)
    check(failed == 0 and passed is not None and passed >= 8,
          "pmem self tests: %s passed, %s failed" % (passed, failed))


@test("pmem.write_persists", timeout=90)
def write_persists(ctx):
    """write pmem0 100 8 7, poweroff: the host finds the pattern at byte
    51200 of the backing file, and the next boot's verify passes (and
    fails for another seed, at the first byte)."""
    g = shell(ctx)
    ok(g, "write pmem0 100 8 7", "write ok pmem0 100 8")
    poweroff(g)
    patcheck(ctx.dir / "pmem0.img", 51200, 4096, 7)
    with open(ctx.dir / "pmem0.img", "rb") as f:
        f.seek(51200 - 512)
        before = f.read(512)
        f.seek(51200 + 4096)
        after = f.read(512)
    check(before == bytes(512) and after == bytes(512), "bytes around the range changed")
    out = ctx.run('test.exit=1 run="verify pmem0 100 8 7; verify pmem0 100 8 8; poweroff"', 1,
                  name="second")
    check("verify ok pmem0 100 8" in out, "second boot: verify failed: " + out[-400:])
    check("verify FAILED pmem0 at lba 100 offset 0" in out, "a wrong seed was not detected")


@test("pmem.write_in_file_before_ok", timeout=90)
def write_in_file_before_ok(ctx):
    """QEMU killed with SIGKILL as soon as `write` reports success: the
    data is in the backing file, so `write ok` comes after the stores, not
    before them. It cannot show that they were flushed: the NVDIMM is a
    shared mapping of the file, so a store is in the host's page cache
    whether or not its cache line was written back. Flushes are the
    persistence checker's to check (the durability issue)."""
    g = shell(ctx)
    g.send("write pmem0 2048 2056 4321\r")
    g.expect(r"write ok pmem0 2048 2056\n")
    os.killpg(g.proc.pid, signal.SIGKILL)
    g.proc.wait(10)
    g.kill()
    patcheck(ctx.dir / "pmem0.img", 2048 * 512, 2056 * 512, 4321)


@test("pmem.commands", timeout=120)
def commands(ctx):
    """lsblk, read, write, verify, zero, flush, iostat and their counters."""
    g = shell(ctx)
    out = g.command("lsblk")
    d = dev_line(out, "lsblk", "pmem0")
    check(d["size"] == str(1 << 30) and d["lbs"] == "512" and d["pbs"] == "4096"
          and d["driver"] == "pmem" and d["dax"] == "yes", "lsblk pmem0: %s" % d)
    check(d["reads"] == "0" and d["writes"] == "0", "fresh pmem0 has I/O: %s" % d)

    ok(g, "write pmem0 8 8 7", "write ok pmem0 8 8")
    v = dev_line(g.command("lsblk -v"), "lsblk", "pmem0", "pmem")
    # The boot measurement picks the method: each has its own counts.
    ctx.note("pmem.flush=%s" % v["flush"])
    if v["flush"] == "nt":
        check(v["last_write_lines"] == "0" and v["nt_bytes"] == "4096",
              "4 KiB write with non-temporal stores: %s lines flushed, %s nt bytes"
              % (v["last_write_lines"], v["nt_bytes"]))
    else:
        check(v["last_write_lines"] == "64" and v["nt_bytes"] == "0",
              "4 KiB write with %s: %s lines flushed, %s nt bytes"
              % (v["flush"], v["last_write_lines"], v["nt_bytes"]))
    check(v["last_write_fences"] == "1" and v["fences"] == "1",
          "4 KiB write: %s fences" % v["last_write_fences"])

    out = ok(g, "read pmem0 8", "read ok pmem0 8 1")
    lines = re.findall(r"^([0-9a-f]{16}): ((?:[0-9a-f]{2} ){16})", out, re.M)
    check(len(lines) == 32, "read of one block printed %d hexdump lines" % len(lines))
    check(int(lines[0][0], 16) == 4096, "hexdump address %s, expected byte 4096" % lines[0][0])
    got = bytes.fromhex("".join(l[1] for l in lines))
    check(got == pattern(7, 4096, 512), "read shows other bytes than the pattern")

    ok(g, "verify pmem0 8 8 7", "verify ok pmem0 8 8")
    out = g.command("verify pmem0 8 9 7")
    check("verify FAILED pmem0 at lba 16 offset 0" in out, "verify past the data: " + out)
    ok(g, "zero pmem0 10 2", "zero ok pmem0 10 2")
    out = g.command("verify pmem0 8 8 7")
    check("verify FAILED pmem0 at lba 10 offset 0" in out, "verify after zero: " + out)
    out = ok(g, "read pmem0 10 2", "read ok pmem0 10 2")
    check(re.search(r"^0000000000001400: (00 ){16}", out, re.M), "zeroed block not zero")
    ok(g, "verify pmem0 12 4 7", "verify ok pmem0 12 4")
    ok(g, "flush pmem0", "flush ok pmem0")
    # a write at an odd offset and length, then verify pieces of it
    ok(g, "write pmem0 0x1001 0x83 65535", "write ok pmem0 4097 131")
    ok(g, "verify pmem0 4100 100 65535", "verify ok pmem0 4100 100")
    # 8 MiB: several 1 MiB bios
    ok(g, "write pmem0 100000 16384 3", "write ok pmem0 100000 16384")
    ok(g, "verify pmem0 100000 16384 3", "verify ok pmem0 100000 16384")

    s = dev_line(g.command("iostat"), "iostat", "pmem0")
    check(s["flushes"] == "1", "iostat flushes %s, expected 1" % s["flushes"])
    check(s["discards"] == "1" and s["discard_sectors"] == "2", "iostat zero: %s" % s)
    check(int(s["writes"]) == 1 + 1 + 8 and int(s["write_sectors"]) == 8 + 131 + 16384,
          "iostat writes: %s" % s)
    check(s["errors"] == "0" and s["in_flight"] == "0", "iostat: %s" % s)
    poweroff(g)
    patcheck(ctx.dir / "pmem0.img", 100000 * 512, 16384 * 512, 3)
    patcheck(ctx.dir / "pmem0.img", 4097 * 512, 131 * 512, 65535)


@test("pmem.write_flags", timeout=60)
def write_flags(ctx):
    """write's fua=1 and preflush=1 reach the device: pmem's own counters
    (lsblk -v) count one FUA write per fua=1 bio and one flush per
    preflush=1 bio; =0 adds nothing; bad values and unknown flags are one
    error line and no I/O."""
    g = shell(ctx)

    def counters():
        v = dev_line(g.command("lsblk -v"), "lsblk", "pmem0", "pmem")
        return int(v["fua_writes"]), int(v["flushes"])

    check(counters() == (0, 0), "fresh pmem0 counted flushes: %s" % (counters(),))
    steps = [("write pmem0 300 8 5 fua=1", (1, 0)),
             ("write pmem0 300 8 6 preflush=1", (1, 1)),
             ("write pmem0 300 8 7 preflush=1 fua=1", (2, 2)),
             ("write pmem0 300 8 8 fua=0 preflush=0", (2, 2)),
             # 3 MiB: one bio per MiB, each with the flags
             ("write pmem0 4096 6144 9 fua=1 preflush=1", (5, 5))]
    for line, want in steps:
        ok(g, line, "write ok pmem0")
        got = counters()
        check(got == want, "%s: (fua_writes, flushes) %s, expected %s" % (line, got, want))
    ok(g, "verify pmem0 300 8 8", "verify ok pmem0 300 8")
    ok(g, "verify pmem0 4096 6144 9", "verify ok pmem0 4096 6144")
    s = dev_line(g.command("iostat pmem0"), "iostat", "pmem0")
    for line, why in [("write pmem0 0 8 1 fua=2", "fua must be 0 or 1"),
                      ("write pmem0 0 8 1 preflush=x", "preflush 'x' is not a number"),
                      ("write pmem0 0 8 1 sync=1", "unknown argument 'sync=1'"),
                      ("write pmem0 0 8 1 fua=1 preflush=1 fua=1", "fua= given twice"),
                      ("verify pmem0 0 8 1 fua=1", "unknown argument")]:
        out = g.command(line)
        errs = re.findall(r"^error: .*$", out, re.M)
        check(len(errs) == 1 and why in errs[0] and " ok " not in out,
              "%s: expected one error about %r, got: %s" % (line, why, out.strip()))
    check(dev_line(g.command("iostat pmem0"), "iostat", "pmem0") == s,
          "a refused write did I/O")
    poweroff(g)
    patcheck(ctx.dir / "pmem0.img", 4096 * 512, 6144 * 512, 9)


@test("pmem.copy", timeout=120)
def copy(ctx):
    """copy between pmem0 (512-byte blocks) and a memory-backed null0 with
    4096-byte blocks: zero-copy both ways through pmem's direct_access,
    bounced with bounce=1; verify with from= finds the data; lengths that
    are not whole blocks of both devices and overlaps are refused."""
    g = shell(ctx, "null_blk.memory=1 null_blk.bs=4096 null_blk.size=64M")
    ok(g, "write pmem0 800 64 11", "write ok pmem0 800 64")
    ok(g, "copy pmem0 800 null0 3 64", "copy: zero-copy 32768 bytes")
    ok(g, "verify null0 3 8 11 from=409600", "verify ok null0 3 8")
    out = g.command("verify null0 3 8 11")
    check("verify FAILED null0 at lba 3 offset 0" in out, "verify without from=: " + out)
    ok(g, "copy null0 3 pmem0 5000 8", "copy: zero-copy 32768 bytes")
    ok(g, "verify pmem0 5000 64 11 from=409600", "verify ok pmem0 5000 64")
    ok(g, "copy null0 3 pmem0 6000 8 bounce=1", "copy: bounced 32768 bytes")
    ok(g, "verify pmem0 6000 64 11 from=409600", "verify ok pmem0 6000 64")
    ok(g, "copy pmem0 800 pmem0 9000 64", "copy: zero-copy 32768 bytes")
    ok(g, "verify pmem0 9000 64 11 from=409600", "verify ok pmem0 9000 64")
    ok(g, "copy pmem0 800 pmem0 9100 64 bounce=1", "copy: bounced 32768 bytes")
    ok(g, "verify pmem0 9100 64 11 from=409600", "verify ok pmem0 9100 64")
    # 3 MiB: several chunks
    ok(g, "write pmem0 20000 6144 12", "write ok pmem0 20000 6144")
    ok(g, "copy pmem0 20000 null0 100 6144", "copy: zero-copy 3145728 bytes")
    ok(g, "verify null0 100 768 12 from=%d" % (20000 * 512), "verify ok null0 100 768")
    for line, why in [
            ("copy pmem0 800 null0 3 7", "not a multiple of both block sizes"),
            ("copy pmem0 800 pmem0 810 64", "overlap"),
            ("copy pmem0 800 null0 16383 16", "runs past the end of null0"),
            ("copy pmem0 800 null0 3 0", "count must not be 0"),
            ("copy pmem0 800 null0 3 8 bounce=2", "bounce must be 0 or 1"),
            ("copy pmem0 800 null0 3 8 bouncy=1", "unknown argument"),
            ("copy pmem0 800 nope 3 8", "no block device 'nope'")]:
        out = g.command(line)
        errs = re.findall(r"^error: .*$", out, re.M)
        check(len(errs) == 1 and why in errs[0] and "copy:" not in out,
              "%s: expected one error about %r, got: %s" % (line, why, out.strip()))
    poweroff(g)
    for lba in (5000, 6000, 9000, 9100):
        patcheck(ctx.dir / "pmem0.img", lba * 512, 32768, 11, 409600)


@test("pmem.argument_errors", timeout=90)
def argument_errors(ctx):
    """Every bad argument: one error line, and nothing is read or written."""
    g = shell(ctx)
    cases = [
        ("lsblk -x", "usage: lsblk"),
        ("read", "usage: read"),
        ("read nope 0", "no block device 'nope'"),
        ("read pmem0 2097152", "runs past the end of pmem0"),
        ("read pmem0 0 65", "too large (max 64 blocks)"),
        ("read pmem0 0 0", "count must not be 0"),
        ("read pmem0 abc", "lba 'abc' is not a number"),
        ("write pmem0 0 8", "usage: write"),
        ("write pmem0 0 8 65536", "seed 65536 out of range"),
        ("write pmem0 0 8 -1", "not a number"),
        ("write pmem0 2097151 2 1", "runs past the end"),
        ("write pmem0 18446744073709551615 2 1", "overflows"),
        ("write pmem0 1 18446744073709551615 1", "overflows"),
        ("write pmem0 99999999999999999999 1 1", "out of range"),
        ("write pmem0 0 0 1", "count must not be 0"),
        ("verify pmem0 0 8 1 from=x", "from 'x' is not a number"),
        ("verify pmem0 0 8 1 to=5", "unknown argument"),
        ("verify pmem0 0 8 1 from=18446744073709551615", "overflows"),
        ("zero pmem0 0", "usage: zero"),
        ("zero pmem0 2097152 1", "runs past the end"),
        ("flush", "usage: flush"),
        ("flush nope", "no block device"),
        ("iostat nope", "no block device"),
        ("copy pmem0 0 pmem0", "usage: copy"),
    ]
    for line, why in cases:
        out = g.command(line)
        errs = re.findall(r"^error: .*$", out, re.M)
        check(len(errs) == 1 and why in errs[0],
              "%s: expected one error about %r, got: %s" % (line, why, out.strip()))
        check(" ok " not in out, "%s: reported success" % line)
    s = dev_line(g.command("iostat pmem0"), "iostat", "pmem0")
    check(s["writes"] == "0" and s["reads"] == "0", "a refused command did I/O: %s" % s)
    poweroff(g)


@test("pmem.ctrl_c", timeout=90)
def ctrl_c(ctx):
    """Ctrl-C stops a 1 GiB write between bios; the shell answers after."""
    g = shell(ctx)
    g.send("write pmem0 0 2097152 5\r")
    g.expect(r"write pmem0 0 2097152 5\n")
    g.send("\x03")
    g.expect(r"error: interrupted\n", timeout=30)
    g.prompt()
    out = g.command("echo alive")
    check("alive" in out, "shell dead after Ctrl-C")
    ok(g, "verify pmem0 0 8 5", "verify ok pmem0 0 8")
    poweroff(g)
