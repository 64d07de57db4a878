"""test_nd.py - NVDIMM namespaces as Linux lays them out (issue 12), seen
from outside: `ns` creating sector (BTT) and fsdax namespaces that the next
boot finds, the host reading the BTT from the backing file with
build/btt-check (pfnos's own BTT code, read-only), damaged metadata refused
without a byte written, and crash atomicity: QEMU killed with SIGKILL at
random moments (seeded by the test's seed) during a stream of one-sector
`stamp` writes, every sector then wholly one version and none older than
acknowledged; the same on raw pmem shows torn sectors (counted, not a
failure).

NVDIMMs of 64 MiB (one BTT arena), PVH boots (boot="kernel").
ND_CRASH_KILLS / ND_RAW_KILLS set the number of kills (make test-long).
"""
import hashlib
import json
import lzma
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import time
from pathlib import Path

from harness import Config, check, test

IMG = "pmem0.img:64M"


def btt_check(path, *args):
    r = subprocess.run([str(Config.build / "btt-check"), str(path)] + [str(a) for a in args],
                       capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def run(ctx, cmds, status=0, pmem=None, name=None, extra=""):
    return ctx.run(('test.exit=1 %s run="%s; poweroff"' % (extra, "; ".join(cmds))).strip(),
                   status, boot="kernel", pmem=pmem or [IMG], nvme=["none"], name=name)


def expect(out, pattern, what):
    m = re.search(pattern, out, re.M)
    check(m is not None, "%s: no /%s/ in: %s" % (what, pattern, out[-600:].strip()))
    return m


def sha(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


@test("nd.sector_create_persist", timeout=90)
def sector_create_persist(ctx):
    """ns create mode=sector (512, then 4096): ns list in ndctl's shape, data
    written through pmem0s found by the next boot and by the host through
    the BTT (btt-check), ns check ok; ns destroy without force refused."""
    out = run(ctx, ["ns create pmem0 mode=sector sector_size=512", "ns list",
                    "write pmem0s 10 40 7", "stamp pmem0s 100 3 2", "stamp pmem0s 20 3 1",
                    "zero pmem0s 21 2"])
    expect(out, r'^\{"dev":"namespace0\.0","mode":"sector","size":66424832,"uuid":"[0-9a-f-]{36}",'
                r'"sector_size":512,"blockdev":"pmem0s"\}$', "ns list")
    img = ctx.dir / "pmem0.img"
    rc, txt = btt_check(img)
    check(rc == 0 and "btt-check: ok" in txt, "btt-check after the first boot: " + txt)
    rc, txt = btt_check(img, "stamps", 100, 3)
    check(txt.split() == ["100", "2", "101", "2", "102", "2"], "host read of pmem0s: " + txt)
    rc, txt = btt_check(img, "stamps", 20, 3)
    check(txt.split() == ["20", "1", "21", "0", "22", "0"], "zeroed sectors from the host: " + txt)
    out = run(ctx, ["verify pmem0s 10 10 7", "verify pmem0s 23 27 7 from=11776",
                    "ns check pmem0s", "ns destroy pmem0",
                    "ns create pmem0 mode=fsdax", "ns destroy pmem0 force",
                    "ns create pmem0 mode=sector sector_size=4096", "write pmem0s 3 5 9"],
              status=1, name="second")
    expect(out, r"^verify ok pmem0s 10 10$", "second boot")
    expect(out, r"^verify ok pmem0s 23 27$", "second boot, after the zeroed sectors")
    expect(out, r"^ns check: pmem0s: ok$", "ns check")
    expect(out, r"^error: ns destroy: the sector namespace on region 0 \(pmem0s, 66424832 bytes\)"
                r" and its data would be lost: add force$", "destroy without force")
    expect(out, r"^error: ns create: the sector namespace .* would be lost: `ns destroy pmem0 force` first$",
           "create over a namespace")
    out = run(ctx, ["ns list", "verify pmem0s 3 5 9", "ns check pmem0s", "selftest pmem.devices"],
              name="third")
    expect(out, r"^1 passed, 0 failed, 0 skipped$", "pmem0s is region 0's device")
    expect(out, r'"mode":"sector","size":65961984,.*"sector_size":4096,"blockdev":"pmem0s"', "ns list 4096")
    expect(out, r"^verify ok pmem0s 3 5$", "third boot")
    expect(out, r"^ns check: pmem0s: ok$", "ns check 4096")


@test("nd.fsdax_data_offset", timeout=60)
def fsdax_data_offset(ctx):
    """ns create mode=fsdax map=dev: the info block at 4 KiB as Linux 6.1
    writes it, pmem0 is the data area (2 MiB in on 64 MiB), the log line
    says what Linux reserved; byte X of pmem0 is byte 2 MiB + X of the
    file, and the next boot finds it."""
    out = run(ctx, ["ns create pmem0 mode=fsdax map=dev", "write pmem0 0 8 5", "lsblk -v", "mem"])
    img = ctx.dir / "pmem0.img"
    with open(img, "rb") as f:
        f.seek(4096)
        sb = f.read(4096)
    check(sb[:16] == b"NVDIMM_PFN_INFO\0", "no pfn info block at 4 KiB")
    dataoff, npfns, mode = struct.unpack_from("<QQI", sb, 56)
    check((dataoff, mode) == (2 << 20, 2), "dataoff %#x mode %d" % (dataoff, mode))
    check(npfns == ((64 << 20) - dataoff) // 4096, "npfns %d" % npfns)
    expect(out, r"^lsblk: pmem0 size=%d " % ((64 << 20) - dataoff), "pmem0 size")
    expect(out, r"^lsblk: pmem0 namespace mode=fsdax map=dev data_offset=2097152 "
                r"struct_page_reserve=2088960 struct_page_array=1015808 pfnos_uses=0", "lsblk -v namespace line")
    expect(out, r"^mem: pmem0 namespace fsdax map=dev", "mem namespace line")
    r = subprocess.run([str(Config.build / "patcheck"), str(img), str(dataoff), "4096", "5", "0"],
                       capture_output=True, text=True)
    check(r.returncode == 0, "pattern not at the data offset: " + r.stdout + r.stderr)
    # and the pmem self tests on pmem0 as a data area (selftest ends the run)
    out = run(ctx, ["verify pmem0 0 8 5", "ns list", "selftest pmem."], name="second")
    expect(out, r"^\d+ passed, 0 failed, 0 skipped$", "pmem self tests on an fsdax pmem0")
    expect(out, r"^\[ *[\d.]+\] pmem0: Linux fsdax namespace \(map=dev\): 2 MiB reserved for struct page, "
                r"pfnos uses 0 B of it; Linux's array fills 992 KiB; data at \+2 MiB, 62 MiB$", "log line")
    expect(out, r"^verify ok pmem0 0 8$", "verify")
    expect(out, r'^\{"dev":"namespace0\.0","mode":"fsdax","map":"dev","size":65011712,"uuid":"[0-9a-f-]{36}",'
                r'"sector_size":512,"align":2097152,"blockdev":"pmem0"\}$', "ns list fsdax")


def corrupt(path, off, data):
    with open(path, "r+b") as f:
        f.seek(off)
        f.write(data)


def fletcher(sb):
    lo = hi = 0
    words = struct.unpack("<1024I", sb[:4088] + b"\0" * 8)
    for w in words:
        lo = (lo + w) & 0xffffffff
        hi = (hi + lo) & 0xffffffffffffffff
    return ((hi << 32) | lo) & 0xffffffffffffffff


@test("nd.bad_metadata_read_only", timeout=90)
def bad_metadata_read_only(ctx):
    """Five 18 MiB NVDIMMs with a BTT each, damaged on the host: info block
    checksum, a flog lane with both entries invalid, an arena reaching past
    the region, an unknown signature, and a map entry out of range. Each
    gets one clear log line; the first four leave the raw device read-only
    (a write fails with -EROFS, and so does a copy into it: no zero-copy
    through its memory), the fifth attaches but the bad sector reads
    -EIO and ns check counts errors. No byte of any file changes."""
    names = ["p%d.img" % i for i in range(5)]
    run(ctx, ["ns create pmem0 mode=sector sector_size=512"], pmem=[names[0] + ":18M"])
    paths = [ctx.dir / n for n in names]
    for p in paths[1:]:
        shutil.copyfile(paths[0], p)
    sb = open(paths[0], "rb").read()[4096:8192]
    mapoff, logoff, info2off = struct.unpack_from("<QQQ", sb, 96)
    base = 4096
    corrupt(paths[0], base + 300, b"\x5a")                         # checksum
    corrupt(paths[1], base + logoff + 64 * 7, bytes(64))           # flog lane 7
    bad = bytearray(sb)
    struct.pack_into("<Q", bad, 112, info2off + (64 << 20))        # past the region
    struct.pack_into("<Q", bad, 4088, fletcher(bad))
    corrupt(paths[2], base, bytes(bad))
    corrupt(paths[3], base, b"NVDIMM_ZZZ_INFO\0")                  # unknown
    corrupt(paths[4], base + mapoff + 8 * 4, struct.pack("<I", 0xC0000000 | 0x3ffff000))
    before = [sha(p) for p in paths]
    out = ctx.run('test.exit=1 run="ns list; write pmem0 0 1 1; write pmem1 0 1 1; write pmem2 0 1 1; '
                  'write pmem3 0 1 1; read pmem4s 8; ns check pmem4s; read pmem4s 9; '
                  'copy pmem4s 9 pmem0 8 1; poweroff"',
                  1, boot="kernel", pmem=[str(n) for n in names], nvme=["none"])
    expect(out, r"pmem0: region 0: BTT info block checksum 0x[0-9a-f]+, computed 0x[0-9a-f]+; "
                r"raw device only, read-only until `ns destroy pmem0 force`", "checksum")
    expect(out, r"pmem1: region 1: BTT refused \(-EINVAL\): arena 0: flog lane 7: no valid entry", "flog")
    expect(out, r"pmem2: region 2: BTT refused \(-EINVAL\): arena 0: .* reach past the region", "past")
    expect(out, r"pmem3: region 3: unknown info block signature 'NVDIMM_ZZZ_INFO'", "signature")
    for i in range(4):
        expect(out, r"^error: pmem%d: write at lba 0 failed: -EROFS$" % i, "write to pmem%d" % i)
    # a zero-copy copy into read-only pmem0 (its memory the READ's buffer)
    expect(out, r"^error: pmem0: write at lba 8 failed: -EROFS$", "copy into read-only pmem0")
    expect(out, r"^error: .*pmem4s.*EIO", "read of the bad map entry")
    expect(out, r"^ns check: pmem4s: error: arena 0: map\[8\] = 0xfffff000 is out of range", "check finding")
    expect(out, r"^ns check: pmem4s: \d+ errors$", "check summary")
    check("read at lba 9 failed" not in out and re.search(r"^pfnos> read pmem4s 9\n[0-9a-f]+: 00 00", out, re.M),
          "lba 9 of pmem4s does not read as zeroes: " + out[-400:])
    expect(out, r'"mode":"unknown".*"state":"read-only","error":"unknown info block', "ns list")
    after = [sha(p) for p in paths]
    check(before == after, "a damaged image changed: %s" % [n for n, b, a in zip(names, before, after)
                                                           if b != a])


def stamp_round(ctx, n, dev, first, count, base, rng, ack):
    """One boot that stamps dev until SIGKILL at a random moment. Returns
    (index of the last acknowledged write or -1, acknowledgement lines)."""
    g = ctx.boot('run="stamp %s %d %d 1000000 base=%d ack=%d"' % (dev, first, count, base, ack),
                 boot="kernel", pmem=[IMG], nvme=["none"], name="kill%d" % n)
    g.expect(r"A \d+ \d+\n", timeout=30, what="the first acknowledged write")
    time.sleep(rng.uniform(0.0, 0.4))
    os.killpg(g.proc.pid, signal.SIGKILL)
    g.proc.wait(10)
    g.kill()
    last, lines = -1, 0
    for m in re.finditer(r"^A (\d+) (\d+)$", g.text, re.M):
        # write k of the stream: round (version - base), block lba
        last = max(last, (int(m.group(2)) - base - 1) * count + int(m.group(1)) - first)
        lines += 1
    return last, lines


def crash_run(ctx, kills, raw):
    """kills boots of stamp on pmem0s (or raw pmem0), each killed; after
    each, every stamped block as the host reads it. Returns (acknowledged
    writes, torn blocks, blocks found newer than acknowledged)."""
    rng = random.Random(ctx.seed)
    first, count = 0, 32
    img = ctx.dir / "pmem0.img"
    dev = "pmem0" if raw else "pmem0s"
    # an acknowledgement line per write would take most of each write's
    # time (the serial console), and a kill would then almost never land
    # inside a sector's copy: acknowledge every count-th write, as on raw
    ack = count
    if not raw:
        run(ctx, ["ns create pmem0 mode=sector sector_size=512"], name="create")
    acked = {l: 0 for l in range(first, first + count)}
    writes = torn = beyond = 0
    for n in range(kills):
        base = (n + 1) * 1000000
        last, lines = stamp_round(ctx, n, dev, first, count, base, rng, ack)
        writes += last + 1
        for j in range(count):
            if last >= j:
                acked[first + j] = base + (last - j) // count + 1
        args = ["stamps", first, count] + (["raw"] if raw else [])
        rc, txt = btt_check(img, *args)
        check(rc == 0, "kill %d: btt-check: %s" % (n, txt))
        found = {}
        for line in txt.split("\n"):
            if line.strip():
                l, v = line.split()
                found[int(l)] = v
        check(sorted(found) == list(range(first, first + count)), "kill %d: btt-check: %s" % (n, txt))
        this_torn = [l for l, v in found.items() if v == "torn"]
        torn += len(this_torn)
        if raw:
            continue
        check(not this_torn, "kill %d (seed %d): torn sectors on pmem0s: %s" % (n, ctx.seed, this_torn))
        older = [(l, found[l], acked[l]) for l in found if int(found[l]) < acked[l]]
        check(not older, "kill %d (seed %d): acknowledged (or seen) writes lost (lba, found, floor): %s"
              % (n, ctx.seed, older))
        newer = [l for l, v in found.items() if int(v) > acked[l]]
        # only the ack writes after the last acknowledged one can be newer
        # (done, not yet acked): one per block, as ack == count
        could = {first + k % count: base + k // count + 1 for k in range(last + 1, last + 1 + ack)}
        check(all(int(found[l]) == could[l] for l in newer),
              "kill %d (seed %d): blocks newer than acknowledged %s, only %s could be"
              % (n, ctx.seed, [(l, found[l]) for l in newer], [(l, could[l]) for l in newer]))
        beyond += len(newer)
        # what was found is the floor from now on: a later boot must not lose it
        for l in found:
            acked[l] = max(acked[l], int(found[l]))
    if not raw:
        rc, txt = btt_check(img)
        check(rc == 0 and "btt-check: ok" in txt, "ns check of the image after the kills: " + txt)
    return writes, torn, beyond


def kills(env, default):
    return int(os.environ.get(env, default))


@test("nd.crash_atomic_btt", timeout=150)
def crash_atomic_btt(ctx):
    """SIGKILL of QEMU at random moments (test seed) during one-sector
    stamp writes to pmem0s, 20 times: after each the host reads every
    stamped sector through the BTT as recovery will: wholly one version,
    none older than acknowledged, newer only by a write made after the last
    acknowledgement; the image passes the BTT checks. Acknowledged every
    32 writes, as on raw pmem0: with a console line per write a kill
    almost never lands inside a sector's copy, and a BTT writing in place
    passed 20 kills (three seeds); with this it fails within 20."""
    n = kills("ND_CRASH_KILLS", 20)
    writes, torn, beyond = crash_run(ctx, n, raw=False)
    ctx.note("%d kills, %d acknowledged writes, %d torn sectors on pmem0s, %d in-flight writes found done"
             % (n, writes, torn, beyond))


@test("nd.crash_torn_raw", timeout=90)
def crash_torn_raw(ctx):
    """The same stream on raw pmem0 (no BTT): torn sectors are counted and
    reported, not a failure (a demonstration of what the BTT prevents)."""
    n = kills("ND_RAW_KILLS", 6)
    writes, torn, _ = crash_run(ctx, n, raw=True)
    ctx.note("%d kills, %d acknowledged writes, %d torn sectors on raw pmem0" % (n, writes, torn))


LINUX_IMAGES = Path(__file__).resolve().parent / "data" / "linux-6.1-nd"


@test("nd.linux_made_images", timeout=90)
def linux_made_images(ctx):
    """Five 32 MiB NVDIMMs formatted by Linux 6.1 + ndctl 76 (fsdax map=mem
    and map=dev, sector 512 and 4096, devdax; data/linux-6.1-nd, made by
    linux-job.sh there): pfnos finds each mode, `ns list` agrees with
    `ndctl list -N` (mode, map, size, uuid, sector_size, align), the data
    Linux wrote through its block devices verifies at the same device
    offsets, the BTTs pass `ns check` and the host's btt-check; devdax is
    read-only. Then pfnos writes through both BTTs and they still check."""
    order = ["fsdax-mem", "fsdax-dev", "sector-512", "sector-4096", "devdax"]
    for n in order:
        with lzma.open(LINUX_IMAGES / (n + ".img.xz")) as src, open(ctx.dir / (n + ".img"), "wb") as dst:
            shutil.copyfileobj(src, dst)
    out = ctx.run('test.exit=1 run="ns list; verify pmem0 128 32 21; verify pmem0 61408 32 121; '
                  'verify pmem1 128 32 22; verify pmem1 61408 32 122; verify pmem2s 128 32 23; '
                  'verify pmem2s 64676 32 123; verify pmem3s 16 4 24; verify pmem3s 7916 4 124; '
                  'ns check pmem2s; ns check pmem3s; write pmem4 0 1 1; '
                  'write pmem2s 1000 64 31; write pmem3s 100 8 32; verify pmem2s 1000 64 31; '
                  'verify pmem3s 100 8 32; verify pmem2s 128 32 23; ns check pmem2s; ns check pmem3s; '
                  'poweroff"', 1, boot="kernel", pmem=[n + ".img" for n in order], nvme=["none"])
    got = {}
    for line in re.findall(r"^\{.*\}$", out, re.M):
        ns = json.loads(line)
        got[ns.get("uuid")] = ns
    for want in json.load(open(LINUX_IMAGES / "ndctl-list.json")):
        ns = got.get(want["uuid"])
        check(ns is not None, "ns list lacks Linux's namespace %s: %s" % (want["uuid"], list(got)))
        for key in ("mode", "map", "size", "sector_size", "align"):
            if key in want and not (want["mode"] == "devdax" and key == "sector_size"):
                check(ns.get(key) == want[key], "namespace %s: %s is %r, ndctl says %r"
                      % (want["uuid"], key, ns.get(key), want[key]))
    check(len(re.findall(r"^verify ok ", out, re.M)) == 11, "not every verify passed: " +
          "; ".join(re.findall(r"^verify FAILED.*$", out, re.M)))
    check(len(re.findall(r"^ns check: pmem[23]s: ok$", out, re.M)) == 4, "ns check: " +
          "; ".join(re.findall(r"^ns check: .*$", out, re.M)))
    expect(out, r"^error: pmem4: write at lba 0 failed: -EROFS$", "devdax read-only")
    for n in ("sector-512", "sector-4096"):
        rc, txt = btt_check(ctx.dir / (n + ".img"))
        check(rc == 0 and "btt-check: ok" in txt, "btt-check %s: %s" % (n, txt))


PMC_SUMMARY = re.compile(r"^pmem-check: (\d+) stores to persistent memory, (\d+) durability "
                         r"points, (\d+) violations$", re.M)


@test("nd.pmem_check_btt", timeout=240)
def pmem_check_btt(ctx):
    """BTT writes (512- and 4096-byte sectors, buffers across pages), ns
    create/destroy and fsdax metadata under the persistence checker, with
    non-temporal stores and with clwb: 0 violations at the btt-data,
    btt-flog, btt-map and nd-meta points."""
    cmds = ["ns create pmem0 mode=sector sector_size=512", "stamp pmem0s 0 16 3",
            "write pmem0s 100 40 5 buf_offset=100", "verify pmem0s 100 40 5",
            "ns destroy pmem0 force", "ns create pmem0 mode=sector sector_size=4096",
            "write pmem0s 7 9 6 buf_offset=33", "verify pmem0s 7 9 6 buf_offset=1000",
            "zero pmem0s 20 2",
            "ns check pmem0s", "ns destroy pmem0 force", "ns create pmem0 mode=fsdax map=dev",
            "write pmem0 0 8 1", "verify pmem0 0 8 1", "poweroff"]
    for mode in ("nt", "clwb"):
        g = ctx.boot('test.exit=1 pmem.flush=%s run="%s"' % (mode, "; ".join(cmds)), boot="kernel",
                     pmem=["p.img:18M"], nvme=["none"], args=["--pmem-check"], name="guest-" + mode)
        st = g.wait()
        err = g.launcher_stderr()
        m = PMC_SUMMARY.findall(err)
        check(len(m) == 1, "%s: no pmem-check summary: %s" % (mode, err.strip()[-500:]))
        stores, points, viol = (int(x) for x in m[0])
        check(viol == 0, "%s: %d violations: %s" % (mode, viol, "\n".join(err.splitlines()[-6:])))
        check(st == 0, "%s: exit status %s: %s" % (mode, st, g.text[-500:]))
        check(g.text.count("verify ok") == 3 and "ns check: pmem0s: ok" in g.text,
              "%s: a verify or the check failed" % mode)
        # 48 + 40 writes of 512 bytes, 9 + 2 of 4096: each 4 points
        check(points > 4 * (48 + 40 + 11), "%s: only %d durability points" % (mode, points))
        ctx.note("%s: %d stores, %d points, 0 violations" % (mode, stores, points))
        (ctx.dir / "p.img").unlink()
