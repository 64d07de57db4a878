"""test_mm.py - physical memory without struct page, seen from outside
(issue 3): persistence of kmap writes in the NVDIMM backing file, the scale
test (64 MiB RAM, 64 GiB NVDIMM), and memmap= legacy ranges.
"""
import re
import subprocess

from harness import Config, check, ktap_results, test


def region(out, n=0):
    """(base, size, source) of the nth persistent range in `mem` output
    (region 0 is the first NVDIMM)."""
    ms = re.findall(r"^mem: (0x[0-9a-f]+)-(0x[0-9a-f]+) (pmem|pram) (\S+)$", out, re.M)
    check(len(ms) > n, "mem shows no persistent range %d" % n)
    base, end = int(ms[n][0], 16), int(ms[n][1], 16)
    return base, end - base, ms[n][3]


def metadata(out):
    m = re.search(r"^mem: ram=(\d+) pmem=(\d+) mm_metadata=(\d+)$", out, re.M)
    check(m is not None, "no 'mem: ram=... pmem=... mm_metadata=...' line")
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def patcheck(path, offset, length, seed, base=None):
    cmd = [str(Config.build / "patcheck"), str(path), str(offset), str(length), str(seed)]
    if base is not None:
        cmd.append(str(base))
    r = subprocess.run(cmd, capture_output=True, text=True)
    check(r.returncode == 0, "patcheck: %s%s" % (r.stdout.strip(), r.stderr.strip()))


@test("mm.selftest_kmap_debug", timeout=90)
def selftest_kmap_debug(ctx):
    """The mm self tests pass with kmap.debug=1 (rotating mappings)."""
    out = ctx.run('test.exit=1 kmap.debug=1 lock.debug=1 run="selftest mm.; poweroff"', 0, boot="kernel")
    check("kmap: debug mode" in out, "kmap.debug=1 not taken")
    _, passed, failed = ktap_results(out)
    check(failed == 0 and passed and passed >= 8, "mm self tests: %s passed, %s failed"
          % (passed, failed))


@test("mm.kmap_fill_persists", timeout=90)
def kmap_fill_persists(ctx):
    """kmap-fill into the NVDIMM, poweroff; the host finds the pattern in
    the backing file and the next boot's kmap-verify passes."""
    off, length, seed = 0x123000, 3 * 4096 + 100, 4242
    g = ctx.boot('test.exit=1 run="mem"', boot="kernel", stdin=True)
    g.prompt()
    g.prompt()
    base, size, src = region(g.text)
    check(src == "nfit", "region 0 comes from %s, expected nfit" % src)
    check(size == 1 << 30, "region 0 is %d bytes, expected 1 GiB" % size)
    out = g.command("kmap-fill 0x%x %d %d" % (base + off, length, seed))
    check("kmap-fill ok" in out, "kmap-fill: " + out.strip())
    g.send("poweroff\r")
    check(g.wait() == 0, "poweroff status %s" % g.status)
    patcheck(ctx.dir / "pmem0.img", off, length, seed)
    out = ctx.run('test.exit=1 run="kmap-verify 0x%x %d %d; kmap-verify 0x%x %d %d; poweroff"'
                  % (base + off, length, seed, base + off, length, seed + 1), 1,
                  boot="kernel", name="second")
    check("kmap-verify ok 0x%x %d" % (base + off, length) in out, "second boot: verify failed")
    check("kmap-verify FAILED" in out, "a wrong seed was not detected")


@test("mm.scale_64g_nvdimm", timeout=120)
def scale_64g(ctx):
    """--mem 64M with a 64 GiB NVDIMM: mem shows the whole region, kmap
    reaches its last pfn, and metadata equals the 1 GiB NVDIMM's."""
    small = ctx.run('test.exit=1 run="mem; poweroff"', 0, boot="kernel",
                    args=["--mem", "64M"], pmem=["small.img:1G"], name="small")
    out = ctx.run('test.exit=1 run="mem; pfn 0x10fffff000; kmap-fill 0x10fffff000 4096 9; '
                  'kmap-verify 0x10fffff000 4096 9; kmap 0x10ffffff00 16; poweroff"', 0,
                  boot="kernel", args=["--mem", "64M"], pmem=["big.img:64G"], name="big")
    base, size, _ = region(out)
    check((base, size) == (0x100000000, 64 << 30), "region 0 is 0x%x+0x%x" % (base, size))
    check("kmap-verify ok 0x10fffff000 4096" in out, "last pfn not reachable")
    ram1, pmem1, meta1 = metadata(small)
    ram2, pmem2, meta2 = metadata(out)
    check(pmem1 == 1 << 30 and pmem2 == 64 << 30, "pmem totals %d, %d" % (pmem1, pmem2))
    check(meta2 <= meta1, "metadata grew with pmem: %d (1 GiB) vs %d (64 GiB)" % (meta1, meta2))
    ctx.note("mm_metadata %d bytes with 1 GiB and %d with 64 GiB of pmem" % (meta1, meta2))
    patcheck(ctx.dir / "big.img", (64 << 30) - 4096, 4096, 9)


@test("mm.memmap_persists_in_ram_file", timeout=120)
def memmap_persists(ctx):
    """memmap=64M!256M carves a legacy range out of RAM; data written with
    kmap-fill survives poweroff and a fresh launch on the same RAM file."""
    args = ["--ram-file", str(ctx.dir / "ram.img"), "--mem", "512M"]
    out = ctx.run('test.exit=1 memmap=64M!256M run="mem; kmap-fill 0x10000000 1m 77; poweroff"',
                  0, boot="kernel", args=args, name="first")
    m = re.search(r"^mem: 0x0*10000000-0x0*14000000 pram memmap$", out, re.M)
    check(m is not None, "mem does not show 0x10000000-0x14000000 pram memmap")
    check("kmap-fill ok 0x10000000 1048576" in out, "kmap-fill failed")
    patcheck(ctx.dir / "ram.img", 0x10000000, 1 << 20, 77, 0)
    out = ctx.run('test.exit=1 memmap=64M!256M run="kmap-verify 0x10000000 1m 77; poweroff"',
                  0, boot="kernel", args=args, name="second")
    check("kmap-verify ok 0x10000000 1048576" in out, "data lost across the launch")


@test("mm.memmap_outside_ram_refused", timeout=60)
def memmap_refused(ctx):
    """A memmap= range outside RAM (3G on a 512 MiB q35) is refused with a
    message and creates no region; bad syntax is refused too."""
    out = ctx.run('test.exit=1 memmap=64M!3G memmap=12x!1M run="mem; poweroff"', 0,
                  boot="kernel")
    check(re.search(r"memmap: 64M!3G .*not wholly RAM", out), "no refusal for 64M!3G")
    check(re.search(r"memmap: .*12x!1M", out), "no message for malformed 12x!1M")
    check(not re.search(r"pram memmap", out), "a refused range became a region")
