"""test_launcher.py - scripts/pfnos-qemu itself: timeouts, start failures,
command-line escaping, backing files and machine options."""
import os
import re
import subprocess
import time

from harness import LAUNCHER, Config, check, check_status, test


def launcher(*args, timeout=30):
    """Run the launcher without a guest console; return (status, stderr)."""
    p = subprocess.run([str(LAUNCHER), "--build", str(Config.build)] + list(args),
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout * Config.timeout_factor)
    return p.returncode, p.stderr.decode(errors="replace")


@test("launcher.timeout", timeout=30)
def timeout(ctx):
    """--timeout kills a guest that never ends: status 124, on time."""
    g = ctx.boot(None, boot="kernel", args=["--timeout", "3"])
    t0 = time.monotonic()
    st = g.wait()
    took = time.monotonic() - t0
    check_status(g, st, 124)
    check(took < 15, "--timeout 3 took %.1fs" % took)
    # The launcher's own line; its echoed command line starts with
    # "timeout --foreground ..." on every run, so the word alone proves nothing.
    check(re.search(r"^pfnos-qemu: timeout after 3s, QEMU killed$", g.launcher_stderr(), re.M),
          "launcher did not say it timed out: %r" % g.launcher_stderr()[-300:])


@test("launcher.halted_timeout", timeout=30)
def halted_timeout(ctx):
    """A QEMU halted before the first instruction (-S) still times out."""
    g = ctx.boot(None, boot="kernel", args=["--timeout", "2", "--qemu-arg", "-S"])
    check_status(g, g.wait(), 124)
    check(g.text == "", "a halted machine printed something")


@test("launcher.no_start", timeout=30)
def no_start(ctx):
    """QEMU rejecting its command line, or bad launcher usage: 125."""
    for args in (["--qemu-arg", "-no-such-qemu-option"],
                 ["--no-such-launcher-option"],
                 ["--firmware", "coreboot"],
                 ["--boot", "efi", "--firmware", "bios"],
                 ["--boot", "kernel", "--firmware", "uefi"],
                 ["--mem", "lots"],
                 ["--pmem", str(ctx.dir / "odd.img") + ":3M"],
                 ["--nvme", str(ctx.dir / "n.img") + ",lbs=1000"],
                 ["--nvme", str(ctx.dir / "n.img") + ",frob=1"],
                 ["--smp", "0"]):
        st, err = launcher(*args, "--timeout", "20")
        check(st == 125, "%s: status %d, expected 125 (%s)" % (args, st, err.strip()[-200:]))


@test("launcher.cmdline_escaping", timeout=30)
def cmdline_escaping(ctx):
    """Commas, quotes, semicolons and = reach the kernel unchanged through
    fw_cfg (QEMU needs ',' doubled; the launcher does it)."""
    raw = "a=x,y b='s;q' c=\"d e\" ,,x run=\"cmdline; poweroff\""
    out = ctx.run(raw, 0, seed=False)
    m = re.search(r"^pfnos> cmdline\ncmdline: (.*)$", out, re.M)
    check(m, "cmdline command printed nothing recognizable")
    check(m.group(1) == raw, "kernel saw %r, expected %r" % (m.group(1), raw))


@test("launcher.backing_files", timeout=60)
def backing_files(ctx):
    """--pmem/--nvme create sparse files of the asked sizes, several of each,
    with lbs=, blkdebug= and --nvme-opt accepted by QEMU."""
    conf = ctx.dir / "blkdebug.conf"
    conf.write_text("[inject-error]\nevent = \"read_aio\"\nerrno = \"5\"\nsector = \"4096\"\nonce = \"on\"\n")
    g = ctx.boot('run="poweroff"', boot="kernel",
                 pmem=["p0.img", "p1.img:64M"],
                 nvme=["n0.img", "n1.img:16M,lbs=4096", "n2.img:8M,blkdebug=%s" % conf],
                 args=["--nvme-opt", "mdts=5", "--smp", "2"])
    check_status(g, g.wait(), 0)
    sizes = {"p0.img": 1 << 30, "p1.img": 64 << 20, "n0.img": 1 << 30,
             "n1.img": 16 << 20, "n2.img": 8 << 20}
    for f, size in sizes.items():
        st = os.stat(ctx.dir / f)
        check(st.st_size == size, "%s is %d bytes, expected %d" % (f, st.st_size, size))
        check(st.st_blocks * 512 < (4 << 20), "%s is not sparse (%d blocks)" % (f, st.st_blocks))
    cmd = g.launcher_stderr()
    for want in ("slots=2", "maxmem=1600M", "logical_block_size=4096",
                 "file.driver=blkdebug", "mdts=5", "serial=pfnos2", "-smp 2"):
        check(want in cmd, "QEMU command line lacks %r" % want)


@test("launcher.existing_files_kept", timeout=30)
def existing_files_kept(ctx):
    """An existing backing file keeps its size and content (never shrunk,
    never rewritten)."""
    f = ctx.dir / "p.img"
    with open(f, "wb") as fh:
        fh.truncate(32 << 20)
        fh.seek(12345)
        fh.write(b"keep me")
    ctx.run('run="poweroff"', 0, pmem=["p.img"])
    check(os.path.getsize(f) == 32 << 20, "pmem file size changed")
    with open(f, "rb") as fh:
        fh.seek(12345)
        check(fh.read(7) == b"keep me", "pmem file content changed")


@test("launcher.ram_file_pc_machine", timeout=60)
def ram_file_pc_machine(ctx):
    """--ram-file backs RAM with a shared file; --machine pc and --mem work."""
    ram = ctx.dir / "ram.img"
    out = ctx.run('run="poweroff"', 0, ended_by="ACPI power-off (S5)",
                  args=["--ram-file", str(ram), "--mem", "256M", "--machine", "pc"])
    check("poweroff: powering off" in out, "no power-off")
    check(os.path.getsize(ram) == 256 << 20, "RAM file is not 256 MiB")


@test("launcher.dry_run", timeout=30)
def dry_run(ctx):
    """The standard machine's QEMU command line (no QEMU run)."""
    st, err = launcher("--dry-run", "--accel", "tcg", "--cmdline", "x",
                       "--pmem", str(ctx.dir / "p.img"), "--nvme", str(ctx.dir / "n.img"))
    check(st == 0, "dry run status %d" % st)
    for want in ("-machine q35,nvdimm=on", "-cpu max", "-nodefaults", "-display none",
                 "-m 512M,slots=1,maxmem=1536M", "memory-backend-file,id=pmem0,share=on",
                 "-device nvdimm", "-device nvme,serial=pfnos0,drive=nvm0",
                 "isa-debug-exit,iobase=0xf4,iosize=0x04",
                 "-chardev stdio,id=ser0,signal=off", "-serial chardev:ser0",
                 "name=opt/pfnos/cmdline,string=x", "-no-reboot"):
        check(want in err, "dry run lacks %r: %s" % (want, err.strip()))
    check("label-size" not in err and "-monitor" not in err, "unexpected option")
    st, err = launcher("--dry-run", "--firmware", "uefi", "--boot", "efi",
                       "--pmem", "none", "--nvme", "none")
    check(st == 0, "uefi dry run status %d" % st)
    for want in ("OVMF_CODE_4M.fd", "readonly=on", "OVMF_VARS.fd", "esp.img"):
        check(want in err, "uefi dry run lacks %r" % want)
    # the devices themselves: the words alone may be in a checkout's path
    check(not re.search(r"-device (nvdimm|nvme)\b|memory-backend-file|id=nvm\d", err),
          "--pmem none / --nvme none left devices: %s" % err.strip())


# The launcher's own line that echoes the QEMU command line: present only
# when QEMU was about to start.
QEMU_LINE = re.compile(r"^pfnos-qemu: (taskset |timeout )?\S*qemu-system", re.M)


@test("launcher.job_bad_input", timeout=30)
def job_bad_input(ctx):
    """--job FILE (issue 13): a missing file, one that cannot be read (a
    directory, a file whose read fails) and one over 64 KiB end the launcher
    with status 125 and one line naming the file and the fault, before QEMU
    starts; exactly 64 KiB is accepted."""
    big = ctx.dir / "big.fio"
    big.write_bytes(b"# x\n" * (65536 // 4) + b"\n")
    cases = (
        (str(ctx.dir / "missing.fio"), r"--job %s: no such file$"),
        (str(ctx.dir), r"--job %s: cannot read it \(.*[Ii]s a directory.*\)$"),
        ("/proc/self/mem", r"--job %s: cannot read it \(.*[Ii]nput/output error.*\)$"),
        (str(big), r"--job %s: 65537 bytes, more than the 65536 \(64 KiB\) a job file may have$"),
    )
    for path, msg in cases:
        st, err = launcher("--boot", "kernel", "--job", path, "--timeout", "20")
        check(st == 125, "--job %s: status %d, expected 125 (%s)" % (path, st, err.strip()[-200:]))
        want = "^pfnos-qemu: " + (msg % re.escape(path))
        check(re.search(want, err, re.M), "--job %s: no line matching %r in %r" % (path, want, err))
        check(not QEMU_LINE.search(err), "--job %s: QEMU was started: %s" % (path, err.strip()))
    big.write_bytes(b"# x\n" * (65536 // 4))
    st, err = launcher("--dry-run", "--boot", "kernel", "--job", str(big))
    check(st == 0, "a 64 KiB job file: status %d (%s)" % (st, err.strip()[-200:]))


@test("launcher.job_fw_cfg", timeout=30)
def job_fw_cfg(ctx):
    """--job FILE passes the file as fw_cfg item opt/pfnos/job (a copy the
    launcher read, so QEMU never meets an unreadable file) and its base
    name as opt/pfnos/jobname, commas doubled for QEMU."""
    job = ctx.dir / "a,b.fio"
    job.write_text("[j]\nfilename=pmem0\n")
    st, err = launcher("--dry-run", "--boot", "kernel", "--job", str(job))
    check(st == 0, "dry run status %d: %s" % (st, err.strip()[-200:]))
    check(re.search(r" -fw_cfg name=opt/pfnos/job,file=\S*/job\.fio( |$)", err, re.M),
          "no opt/pfnos/job item: " + err.strip())
    check(re.search(r" -fw_cfg '?name=opt/pfnos/jobname,string=a,,b\.fio'?( |$)", err, re.M),
          "no opt/pfnos/jobname item with the base name: " + err.strip())
