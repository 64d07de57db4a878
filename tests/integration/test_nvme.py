"""test_nvme.py - the NVMe driver seen from outside (issue 5): identity,
the in-guest suite on 512- and 4096-byte namespaces and with chained PRP
lists, data checked in the raw drive image after poweroff, zero copy into
the NVDIMM checked in both images, a write held inside QEMU (blkdebug
break, then throttling) driving timeout and abort, with a reset only when
the write is still held after the grace period, injected media errors, and
I/O past the end refused.

Every NVMe guest runs pinned to one host CPU (QEMU 7.2's controller can
stall at queue depth > 1 otherwise) with a short nvme.timeout.
"""
import re
import socket
import subprocess
import time

from harness import Config, check, ktap_results, test

PIN = ["--pin", "0"]


def patcheck(path, offset, length, seed, base=None):
    cmd = [str(Config.build / "patcheck"), str(path), str(offset), str(length), str(seed)]
    if base is not None:
        cmd.append(str(base))
    r = subprocess.run(cmd, capture_output=True, text=True)
    check(r.returncode == 0, "patcheck %s: %s%s" % (path, r.stdout.strip(), r.stderr.strip()))


def selftest(ctx, extra="", nvme=None, args=()):
    out = ctx.run('test.exit=1 nvme.timeout=5 lock.debug=1 %s run="selftest nvme.; poweroff"' % extra,
                  0, nvme=nvme, args=PIN + list(args))
    results, passed, failed = ktap_results(out)
    bad = [n for ok, _, n in results if not ok]
    check(failed == 0 and passed and passed >= 11,
          "nvme self tests: %s passed, %s failed %s" % (passed, failed, bad))
    return out


class Monitor:
    """QEMU's HMP monitor on the launcher's --monitor socket."""

    def __init__(self, path, timeout=20):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(str(path))
                break
            except OSError:
                self.s.close()
                check(time.monotonic() < deadline, "monitor socket %s never came up" % path)
                time.sleep(0.1)
        self.s.settimeout(timeout)
        self._until("(qemu) ")

    def _until(self, marker):
        buf = b""
        while marker.encode() not in buf:
            chunk = self.s.recv(4096)
            check(chunk, "monitor closed")
            buf += chunk
        return buf.decode(errors="replace")

    def cmd(self, line):
        self.s.sendall(line.encode() + b"\n")
        return self._until("(qemu) ")

    def close(self):
        self.s.close()


@test("nvme.identify", timeout=60)
def identify(ctx):
    """`nvme id` shows QEMU's controller and one 1 GiB namespace."""
    out = ctx.run('test.exit=1 run="nvme id; nvme stats; poweroff"', 0, args=PIN)
    check(re.search(r'mn "QEMU NVMe Ctrl"', out), "no model number in nvme id")
    check(re.search(r"vid 0x1b36", out), "no vendor id")
    check(re.search(r"version 1\.4\.0, mdts 7 \(512 KiB", out), "version/MDTS line wrong")
    check(re.search(r"queues: 1 interrupt \+ 1 polled, 1024 entries", out), "queue line wrong")
    check(re.search(r"nvme0n1: nsid 1, LBA format \d+ \(512-byte blocks\), size 2097152 blocks", out),
          "namespace line wrong")
    check(re.search(r"nvme0: live, timeouts 0, aborts 0, resets 0, retries 0, io commands \d+", out),
          "stats line wrong")
    check(re.search(r"nvme0: 2 I/O submission and completion queues deleted\n(.*\n)*.*"
                    r"nvme0: shutdown complete", out),
          "no clean shutdown on poweroff (queues deleted, then CC.SHN)")


@test("nvme.selftest_512", timeout=150)
def selftest_512(ctx):
    """The in-guest suite on a 512-byte namespace with default queues."""
    selftest(ctx)


@test("nvme.selftest_4096_chained_prps", timeout=150)
def selftest_4096(ctx):
    """4096-byte blocks and mdts=10 (4 MiB commands): a 3 MiB unaligned
    transfer needs two chained PRP list pages."""
    out = selftest(ctx, nvme=["n4k.img:256M,lbs=4096"], args=["--nvme-opt", "mdts=10"])
    check("max 4096 KiB per command" in out, "mdts=10 not in effect")
    check("65536 blocks of 4096 bytes" in out, "4096-byte namespace not seen")


@test("nvme.selftest_bounce", timeout=150)
def selftest_bounce(ctx):
    """The suite with every mapping bounced, then with a 32-bit DMA mask,
    SGLs and no poll-queue default."""
    selftest(ctx, "swiotlb=force")
    selftest(ctx, "nvme.dma_mask=32 nvme.sgl=1 nvme.io_queue_depth=128")


@test("nvme.write_persists", timeout=90)
def write_persists(ctx):
    """write, poweroff (CC.SHN), then the raw image holds the pattern at
    LBA * 512; a 4096-byte namespace at LBA * 4096."""
    out = ctx.run('test.exit=1 run="write nvme0n1 1000 2049 7; write nvme0n1 5000 3 8; poweroff"',
                  0, args=PIN)
    check("nvme0: shutdown complete" in out, "no clean shutdown")
    patcheck(ctx.dir / "nvme0.img", 1000 * 512, 2049 * 512, 7)
    patcheck(ctx.dir / "nvme0.img", 5000 * 512, 3 * 512, 8)
    ctx.run('test.exit=1 run="write nvme0n1 77 300 9; poweroff"', 0,
            nvme=["n4k.img:64M,lbs=4096"], args=PIN)
    patcheck(ctx.dir / "n4k.img", 77 * 4096, 300 * 4096, 9)


@test("nvme.copy_to_pmem", timeout=90)
def copy_to_pmem(ctx):
    """copy nvme0n1 -> pmem0 is a zero copy (DMA into the NVDIMM) and both
    images hold the data; the reverse and the bounced copy too."""
    out = ctx.run('test.exit=1 run="write nvme0n1 2048 1024 11; '
                  'copy nvme0n1 2048 pmem0 4096 1024; '
                  'write pmem0 100000 512 12; copy pmem0 100000 nvme0n1 300000 512; '
                  'copy nvme0n1 2048 pmem0 8192 64 bounce=1; poweroff"', 0, args=PIN)
    check(out.count("copy: zero-copy") == 2, "copies were not zero-copy: %s" % out[-800:])
    check("copy: bounced" in out, "bounce=1 did not bounce")
    patcheck(ctx.dir / "nvme0.img", 2048 * 512, 1024 * 512, 11)
    patcheck(ctx.dir / "pmem0.img", 4096 * 512, 1024 * 512, 11, 2048 * 512)
    patcheck(ctx.dir / "pmem0.img", 8192 * 512, 64 * 512, 11, 2048 * 512)
    patcheck(ctx.dir / "nvme0.img", 300000 * 512, 512 * 512, 12, 100000 * 512)


@test("nvme.timeout_abort_reset", timeout=240)
def timeout_abort_reset(ctx):
    """A write held in QEMU times out and is aborted; QEMU never aborts, so
    the driver gives it a grace period. First the write is held by blkdebug
    (break) and released within that period: it completes, and there is no
    reset. Then a write is held by throttling (1 KiB/s after a 32 KiB write
    emptied the bucket) past the period: the controller is reset (QEMU's
    drain on CC.EN=0 releases the throttled write, so nothing blocks) and
    the write fails with -EIO. Later I/O works and what was written before
    is intact."""
    conf = ctx.dir / "blkdebug.conf"
    conf.write_text("")
    sock = ctx.dir / "mon.sock"
    g = ctx.boot("nvme.timeout=2", boot="kernel", stdin=True,
                 nvme=["nvme0.img,blkdebug=%s" % conf],
                 args=PIN + ["--monitor", str(sock)])
    g.prompt()
    mon = Monitor(sock)
    try:
        out = g.command("write nvme0n1 0 64 21")
        check("write ok" in out, "first write: " + out.strip())

        # 1. completed within the grace period: no reset
        r = mon.cmd('qemu-io nvm0 "break write_aio held"')
        check("error" not in r.lower(), "break: " + r)
        g.send("write nvme0n1 4096 8 22\r")
        g.expect(r"timed out after \d+ ms: aborting", 30, "the timeout line")
        g.expect(r"abort of cid 0x[0-9a-f]+ on queue \d+: not aborted by the controller; "
                 r"controller reset in \d+ ms unless it completes", 30, "the abort result")
        # QEMU 7.2 drains the block backend when the controller is disabled:
        # a write held by blkdebug must be released before any reset, or
        # QEMU waits for it with the monitor blocked.
        mon.cmd('qemu-io nvm0 "resume held"')
        g.expect(r"write ok nvme0n1 4096 8", 30, "the held write to complete")
        # (its prompt came before this line: no g.prompt() here)
        g.expect(r"the commands whose abort failed have completed: no reset", 30,
                 "the reset to be called off")
        out = g.command("nvme stats")
        m = re.search(r"timeouts (\d+), aborts (\d+), resets (\d+)", out)
        check(m and (int(m.group(1)), int(m.group(2)), int(m.group(3))) == (1, 1, 0),
              "stats after a write completed within the grace period: " + out.strip())
        check("resetting controller" not in g.text, "a reset although the write completed")
        out = g.command("verify nvme0n1 4096 8 22")
        check("verify ok" in out, "the held write's data: " + out.strip())

        # 2. still held after the grace period: reset
        r = mon.cmd("block_set_io_throttle nvm0 1024 0 0 0 0 0")
        check("error" not in r.lower(), "throttle: " + r)
        out = g.command("write nvme0n1 8192 64 23")
        check("write ok" in out, "write through the empty throttle bucket: " + out.strip())
        g.send("write nvme0n1 20000 8 24\r")
        g.expect(r"timed out after \d+ ms: aborting", 30, "the second timeout")
        g.expect(r"not aborted by the controller; controller reset in \d+ ms", 30,
                 "the second abort result")
        g.expect(r"still outstanding after its abort failed", 30, "the held write seen")
        g.expect(r"resetting controller: a timed-out command was not aborted", 30, "the reset")
        g.expect(r"reset done, queues rebuilt", 60, "the reset to finish")
        g.expect(r"WRITE cid \d+ failed by the reset -> -EIO", 30, "the held write failed")
        g.prompt()
        r = mon.cmd("block_set_io_throttle nvm0 0 0 0 0 0 0")
        check("error" not in r.lower(), "unthrottle: " + r)
        out = g.command("nvme stats")
        m = re.search(r"timeouts (\d+), aborts (\d+), resets (\d+)", out)
        check(m and (int(m.group(1)), int(m.group(2)), int(m.group(3))) == (2, 2, 1),
              "stats after the reset: " + out.strip())
        for cmd in ("verify nvme0n1 0 64 21", "verify nvme0n1 8192 64 23",
                    "write nvme0n1 30000 256 25", "verify nvme0n1 30000 256 25"):
            out = g.command(cmd)
            check(" ok" in out, "%s after the reset: %s" % (cmd, out.strip()))
        g.send("poweroff\r")
        check(g.wait() == 0, "poweroff status %s" % g.status)
    finally:
        mon.close()
    patcheck(ctx.dir / "nvme0.img", 0, 64 * 512, 21)
    patcheck(ctx.dir / "nvme0.img", 4096 * 512, 8 * 512, 22)
    patcheck(ctx.dir / "nvme0.img", 8192 * 512, 64 * 512, 23)
    patcheck(ctx.dir / "nvme0.img", 30000 * 512, 256 * 512, 25)


@test("nvme.injected_errors", timeout=90)
def injected_errors(ctx):
    """blkdebug fails reads and writes of sector 5000 with EIO: the I/O
    touching it fails with -EIO and a log line naming the status, I/O
    elsewhere succeeds, the shell stays usable; I/O past the end is refused
    before it reaches the controller."""
    conf = ctx.dir / "blkdebug.conf"
    conf.write_text('[inject-error]\nevent = "read_aio"\nerrno = "5"\nsector = "5000"\n\n'
                    '[inject-error]\nevent = "write_aio"\nerrno = "5"\nsector = "5000"\n')
    g = ctx.boot("nvme.timeout=5", boot="kernel", stdin=True,
                 nvme=["nvme0.img,blkdebug=%s" % conf], args=PIN)
    g.prompt()
    out = g.command("write nvme0n1 4990 20 3")
    check("write ok" not in out, "write over the bad sector succeeded: " + out.strip())
    check(re.search(r"nvme0: WRITE failed: SCT \d SC 0x[0-9a-f]+ \([^)]+\) -> -EIO", g.text),
          "no status log line for the write")
    out = g.command("write nvme0n1 100 20 4")
    check("write ok" in out, "write elsewhere: " + out.strip())
    out = g.command("verify nvme0n1 100 20 4")
    check("verify ok" in out, "read elsewhere: " + out.strip())
    out = g.command("verify nvme0n1 4999 2 3")
    check("verify ok" not in out, "read of the bad sector succeeded")
    check(re.search(r"nvme0: READ failed: SCT \d SC 0x[0-9a-f]+ \([^)]+\) -> -EIO", g.text),
          "no status log line for the read")
    before = re.search(r"io commands (\d+)", g.command("nvme stats"))
    out = g.command("write nvme0n1 2097150 4 5")
    check("past the end" in out, "past-the-end write not refused: " + out.strip())
    out = g.command("verify nvme0n1 2097152 1 5")
    check("past the end" in out, "past-the-end read not refused: " + out.strip())
    after = re.search(r"io commands (\d+)", g.command("nvme stats"))
    check(before and after and before.group(1) == after.group(1),
          "the refused I/O reached the controller")
    check("resets 0" in g.command("nvme stats"), "a reset happened")
    g.send("poweroff\r")
    check(g.wait() == 0, "poweroff status %s" % g.status)
    patcheck(ctx.dir / "nvme0.img", 100 * 512, 20 * 512, 4)


@test("nvme.poll_default", timeout=90)
def poll_default(ctx):
    """nvme.poll=1 makes polling the default: a job asking for no polling
    still runs on the polled queue (BENCH says poll=1), shell I/O works, and
    the interrupt count does not move while it runs."""
    out = ctx.run('test.exit=1 nvme.poll=1 run="nvme stats; '
                  'bench nvme0n1 rw=randread bs=4k qd=1 ios=300 poll=0; '
                  'write nvme0n1 64 16 3; verify nvme0n1 64 16 3; nvme stats; poweroff"', 0,
                  boot="kernel", args=["--pin", "0"])
    check(re.search(r"^BENCH dev=nvme0n1 rw=randread bs=4096 qd=1 poll=1 ", out, re.M),
          "the job did not run polled")
    check("verify ok nvme0n1 64 16" in out, "write/verify on polled queues failed")
    irqs = [int(x) for x in re.findall(r"interrupts (\d+)", out)]
    check(len(irqs) == 2 and irqs[1] == irqs[0],
          "interrupts moved from %s while everything was polled" % irqs)


@test("nvme.queue_depth_2_flush_fua", timeout=90)
def queue_depth_2_flush_fua(ctx):
    """nvme.io_queue_depth=2 (one command in flight per queue, a CQ of two
    entries): PREFLUSH and FUA writes, split ones among them, and many I/Os
    complete without a timeout, abort, reset or -EIO, and the data is in
    the image. The CQ head doorbell must be written for every entry the
    driver consumed, or the controller finds its CQ full and stalls."""
    writes = [(0, 64, 1, " preflush=1"),
              (100, 2048, 2, " preflush=1 fua=1"),     # 1 MiB: two commands at MDTS
              (5000, 4096, 3, " fua=1"),
              (20000, 8192, 4, " preflush=1"),         # 4 MiB: four bios
              (40000, 16, 5, "")]
    cmds = ["nvme id"]
    cmds += ["write nvme0n1 %d %d %d%s" % w for w in writes]
    cmds += ["flush nvme0n1"]
    cmds += ["verify nvme0n1 %d %d %d" % w[:3] for w in writes]
    cmds += ["nvme stats", "poweroff"]
    out = ctx.run('test.exit=1 nvme.io_queue_depth=2 nvme.timeout=2 run="%s"' % "; ".join(cmds),
                  0, args=PIN)
    check(re.search(r"queues: 1 interrupt \+ 1 polled, 2 entries", out),
          "nvme.io_queue_depth=2 not in effect")
    for lba, count, seed, _ in writes:
        check("write ok nvme0n1 %d %d" % (lba, count) in out, "write at lba %d failed" % lba)
        check("verify ok nvme0n1 %d %d" % (lba, count) in out, "verify at lba %d failed" % lba)
    check("flush ok nvme0n1" in out, "flush failed")
    for bad in ("timed out", "abort of cid", "resetting controller", "-EIO", "error:"):
        check(bad not in out, "%r in the log: %s" % (bad, out[-1500:]))
    check(re.search(r"nvme0: live, timeouts 0, aborts 0, resets 0, retries 0", out),
          "nvme stats counted trouble")
    for lba, count, seed, _ in writes:
        patcheck(ctx.dir / "nvme0.img", lba * 512, count * 512, seed)


@test("nvme.small_bounce_pool_fits", timeout=30)
def small_bounce_pool_fits(ctx):
    """The smallest bounce pool (swiotlb=256k: one 256 KiB segment) with
    every mapping bounced: a 512 KiB write would be three bounces (252 K +
    252 K + 8 K), more than the whole pool, so it must never wait for
    slots that cannot exist. The namespace's limits fit the pool (one
    bounce per command), the write and a read back succeed, and the image
    holds the data. Then a 32-bit DMA mask, which bounces the NVDIMM above
    4 GiB: a 512 KiB zero-copy from pmem0 fits the same way."""
    out = ctx.run('test.exit=1 swiotlb=256k,force run="write nvme0n1 0 1024 1; '
                  'verify nvme0n1 0 1024 1; poweroff"', 0, args=PIN, name="force")
    check(re.search(r"nvme0n1: namespace 1: .* max 252 KiB per command", out),
          "the namespace's limits do not fit a one-segment pool")
    check("write ok nvme0n1 0 1024" in out, "512 KiB write through the small pool failed")
    check("verify ok nvme0n1 0 1024" in out, "512 KiB read through the small pool failed")
    patcheck(ctx.dir / "nvme0.img", 0, 1024 * 512, 1)
    out = ctx.run('test.exit=1 swiotlb=256k nvme.dma_mask=32 run="write pmem0 0 1024 2; '
                  'copy pmem0 0 nvme0n1 4096 1024; verify nvme0n1 4096 1024 2 from=0; '
                  'poweroff"', 0, args=PIN, name="mask32")
    check("copy: zero-copy 524288 bytes" in out, "the copy from pmem0 was not a zero copy")
    check("verify ok nvme0n1 4096 1024" in out, "the copy did not land")
    patcheck(ctx.dir / "nvme0.img", 4096 * 512, 1024 * 512, 2, 0)
