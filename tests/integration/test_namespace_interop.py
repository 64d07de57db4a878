"""test_namespace_interop.py - NVDIMM namespaces read and written by both
kernels (issue 12): Linux 6.1 with ndctl 76 (Debian's, booted by
scripts/linux-qemu on the standard machine) and pfnos, on the same backing
files, one NVDIMM per mode in one machine so that each direction costs one
Linux boot (10-25 s under TCG here) and one or two fast pfnos boots.

- linux_to_pfnos: Linux creates fsdax map=mem, fsdax map=dev, sector 512,
  sector 4096 and devdax namespaces on label-less regions, writes the data
  pattern through /dev/pmemN and /dev/pmemNs (patcheck --write) and powers
  off; pfnos boots on the files, `ns list` reports what `ndctl list -N`
  reported (mode, size, uuid, sector size, map), `verify` passes on
  pmemN / pmemNs, and `ns check` accepts Linux's BTTs.
- pfnos_to_linux: pfnos `ns create`s the four block modes, reboots (its
  `ns list` must not change) and writes the pattern; Linux boots, `ndctl list -N` shows each mode with pfnos's size
  and uuid, `ndctl check-namespace` passes on the sector namespaces, and
  patcheck reads the pattern back through Linux's block devices.

The NVDIMM of --pmem index I is region I in pfnos (pmemI, pmemIs) and
`nd_namespace I` in the Linux guest (scripts/bench/linux-job-init.sh).
Pattern A is 2 MiB at byte 1 MiB of each block device, pattern B its last
256 KiB; seeds come from the test's seed.
"""
import json
import re
import subprocess
import time

from harness import REPO, Config, check, test

LINUX_QEMU = REPO / "scripts" / "linux-qemu"
SIZE = "64M"                    # each NVDIMM
A_OFF, A_LEN = 1 << 20, 2 << 20
B_LEN = 256 << 10

# (NVDIMM index, ndctl create-namespace options, pfnos ns create options,
#  ndctl list -N "mode", "map", sector size, pfnos block device suffix)
MODES = [
    (0, "-m fsdax -M mem", "mode=fsdax map=mem", "fsdax", "mem", 512, ""),
    (1, "-m fsdax -M dev", "mode=fsdax map=dev", "fsdax", "dev", 512, ""),
    (2, "-m sector -l 512", "mode=sector sector_size=512", "sector", None, 512, "s"),
    (3, "-m sector -l 4096", "mode=sector sector_size=4096", "sector", None, 4096, "s"),
]
DEVDAX = 4                      # linux_to_pfnos only: recognised, read only


def linux(ctx, name, script, pmems, timeout=150):
    """Run script in the Linux guest with the test's NVDIMM files; return
    (status, console text). The console is kept as <name>.serial."""
    cmd = [str(LINUX_QEMU), "--build", str(Config.build), "--nvme", "none",
           "--timeout", str(int(ctx.remaining(timeout)))]
    for p in pmems:
        cmd += ["--pmem", "%s:%s" % (ctx.dir / p, SIZE)]
    (ctx.dir / (name + ".sh")).write_text(script)
    cmd += ["--script", str(ctx.dir / (name + ".sh"))]
    t0 = time.monotonic()
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=ctx.remaining(timeout) + 15)
    except subprocess.TimeoutExpired:
        check(False, "%s: scripts/linux-qemu did not end" % name)
    ctx.note("Linux boot and job %.1f s" % (time.monotonic() - t0))
    text = r.stdout.decode(errors="replace").replace("\r\n", "\n")
    (ctx.dir / (name + ".serial")).write_text(text)
    (ctx.dir / (name + ".launcher")).write_bytes(r.stderr)
    return r.returncode, text


def linux_json(text, tag):
    """The JSON the guest printed between 'tag-BEGIN' and 'tag-END'."""
    m = re.search(r"^%s-BEGIN\n(.*?)^%s-END$" % (tag, tag), text, re.M | re.S)
    check(m is not None, "no %s block in the Linux console" % tag)
    try:
        return json.loads(m.group(1))
    except ValueError as e:
        check(False, "%s: not JSON (%s): %s" % (tag, e, m.group(1)[:200]))


def ns_list(out):
    """pfnos `ns list`: one JSON object per line."""
    objs = []
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                objs.append(json.loads(line))
            except ValueError as e:
                check(False, "ns list: not JSON (%s): %s" % (e, line))
    return objs


def pfnos_shell(ctx, pmems, name="pfnos"):
    g = ctx.boot("test.exit=1", boot="kernel", stdin=True, nvme=["none"],
                 pmem=["%s:%s" % (p, SIZE) for p in pmems], name=name)
    g.prompt()
    return g


def pfnos_ok(g, line, want):
    out = g.command(line)
    check(want in out and "error" not in out.lower(),
          "pfnos: %s: expected %r, got: %s" % (line, want, out.strip()))
    return out


def seeds(ctx):
    base = 1 + ctx.seed % 30000
    return {i: (base + 2 * i, base + 2 * i + 1) for i in range(len(MODES))}


def same_namespace(i, pf, lx):
    """pfnos's ns list object for NVDIMM i describes what ndctl listed:
    mode, size and uuid always, sector_size, map and align where ndctl
    lists them (devdax has no sector size, sector mode no map)."""
    for key in ("mode", "size", "uuid", "sector_size", "map", "align"):
        if key in lx or key in ("mode", "size", "uuid"):
            check(str(pf.get(key)) == str(lx.get(key)),
                  "NVDIMM %d: pfnos ns list %s=%r, ndctl list -N %s=%r (pfnos %s; ndctl %s)"
                  % (i, key, pf.get(key), key, lx.get(key), json.dumps(pf), json.dumps(lx)))


def by_region(objs, what):
    """ns list objects keyed by NVDIMM index: blockdev pmemN[s], or for a
    devdax namespace (no block device) its dev, namespaceN.M or pmemN."""
    out = {}
    for o in objs:
        m = re.match(r"pmem(\d+)s?$", str(o.get("blockdev", ""))) or \
            re.match(r"(?:namespace(\d+)\.\d+|pmem(\d+)s?)$", str(o.get("dev", "")))
        check(m is not None, "%s: an object names no pmemN or namespaceN.M: %s"
              % (what, json.dumps(o)))
        out[int(next(g for g in m.groups() if g is not None))] = o
    return out


def make_script(sd):
    """Linux job: create each mode on its NVDIMM (and devdax on the last),
    write patterns A and B through the block devices, list the namespaces."""
    lines = []
    for i, nd_opts, _, _, _, _, _ in MODES:
        a, b = sd[i]
        lines += [
            "ns=$(nd_namespace %d)" % i,
            "ndctl create-namespace -f -e $ns %s >/dev/null || exit 1" % nd_opts,
            "d=$(ndctl list -n $ns | sed -n 's/.*\"blockdev\":\"\\([^\"]*\\)\".*/\\1/p')",
            "size=$(blockdev --getsize64 /dev/$d)",
            "echo \"NDIMG %d dev=$d size=$size\"" % i,
            "patcheck --write /dev/$d %d %d %d || exit 1" % (A_OFF, A_LEN, a),
            "patcheck --write /dev/$d $((size - %d)) %d %d || exit 1" % (B_LEN, B_LEN, b),
        ]
    lines += [
        "ndctl create-namespace -f -e $(nd_namespace %d) -m devdax >/dev/null || exit 1" % DEVDAX,
        "echo NDLIST-BEGIN", "ndctl list -N", "echo NDLIST-END",
    ]
    return "\n".join(lines) + "\n"


def check_script(sd):
    """Linux job: list each NVDIMM's namespace, read patterns A and B back,
    check-namespace the sector ones. Every check runs and prints a line;
    the job fails if any did."""
    lines = ["st=0", "fail() { echo \"NDFAIL $*\"; st=1; }"]
    for i, _, _, mode, _, _, _ in MODES:
        a, b = sd[i]
        lines += [
            "ns=$(nd_namespace %d)" % i,
            "echo NDNS%d-BEGIN; ndctl list -N -n $ns; echo NDNS%d-END" % (i, i),
            "d=$(ndctl list -n $ns | sed -n 's/.*\"blockdev\":\"\\([^\"]*\\)\".*/\\1/p')",
            "if [ -b \"/dev/$d\" ]; then",
            "  size=$(blockdev --getsize64 /dev/$d)",
            "  echo \"NDIMG %d dev=$d size=$size\"" % i,
            "  patcheck /dev/$d %d %d %d || fail %d pattern A" % (A_OFF, A_LEN, a, i),
            "  patcheck /dev/$d $((size - %d)) %d %d || fail %d pattern B" % (B_LEN, B_LEN, b, i),
            "else fail %d no block device; fi" % i,
        ]
        if mode == "sector":
            lines += ["ndctl disable-namespace $ns && ndctl check-namespace $ns && "
                      "ndctl enable-namespace $ns && echo \"NDCHECK %d ok\" || "
                      "fail %d check-namespace" % (i, i)]
    lines += ["exit $st"]
    return "\n".join(lines) + "\n"


@test("nd_interop.linux_to_pfnos", timeout=240)
def linux_to_pfnos(ctx):
    """Namespaces Linux made, with the pattern Linux wrote, read by pfnos."""
    sd = seeds(ctx)
    pmems = ["nd%d.img" % i for i in range(len(MODES) + 1)]
    st, text = linux(ctx, "linux", make_script(sd), pmems)
    check(st == 0, "Linux job failed (status %d); console ends: %s"
          % (st, text.strip()[-400:].replace("\n", " | ")))
    listed = {}
    # Linux names namespaces in probe order: the NDIMG lines tie each
    # NVDIMM to its block device, hence to its ndctl list -N entry.
    lx = linux_json(text, "NDLIST")
    sizes = {}
    for m in re.finditer(r"^NDIMG (\d+) dev=(\S+) size=(\d+)$", text, re.M):
        i, dev = int(m.group(1)), m.group(2)
        sizes[i] = int(m.group(3))
        match = [o for o in lx if o.get("blockdev") == dev]
        check(len(match) == 1, "ndctl list -N has no single entry for %s" % dev)
        listed[i] = match[0]
    dax = [o for o in lx if o.get("mode") == "devdax"]
    check(len(dax) == 1 and len(listed) == len(MODES),
          "Linux did not list the %d block namespaces and one devdax: %s"
          % (len(MODES), json.dumps(lx)))
    listed[DEVDAX] = dax[0]

    g = pfnos_shell(ctx, pmems)
    pf = by_region(ns_list(pfnos_ok(g, "ns list", "{")), "pfnos ns list")
    for i in listed:
        check(i in pf, "pfnos ns list shows nothing for NVDIMM %d (Linux: %s)"
              % (i, json.dumps(listed[i])))
        same_namespace(i, pf[i], listed[i])
    for i, _, _, mode, _, ss, suffix in MODES:
        a, b = sd[i]
        dev = "pmem%d%s" % (i, suffix)
        check(pf[i].get("blockdev") == dev, "NVDIMM %d: pfnos blockdev %r, expected %s"
              % (i, pf[i].get("blockdev"), dev))
        pfnos_ok(g, "verify %s %d %d %d" % (dev, A_OFF // ss, A_LEN // ss, a),
                 "verify ok %s" % dev)
        pfnos_ok(g, "verify %s %d %d %d" % (dev, (sizes[i] - B_LEN) // ss, B_LEN // ss, b),
                 "verify ok %s" % dev)
        if mode == "sector":
            pfnos_ok(g, "ns check %s" % dev, "ns check: %s: ok" % dev)
    g.send("poweroff\r")
    st = g.wait()
    check(st == 0, "pfnos: poweroff status %s, expected 0" % st)


@test("nd_interop.pfnos_to_linux", timeout=240)
def pfnos_to_linux(ctx):
    """Namespaces pfnos made, with the pattern pfnos wrote, read by Linux."""
    sd = seeds(ctx)
    pmems = ["nd%d.img" % i for i in range(len(MODES))]
    # Boot 1 creates; boot 2 finds pfnos's own namespaces at boot as ns
    # create left them (same ns list) and writes through them.
    g = pfnos_shell(ctx, pmems, "pfnos-create")
    for i, _, pf_opts, _, _, _, _ in MODES:
        pfnos_ok(g, "ns create pmem%d %s" % (i, pf_opts), "")
    created = ns_list(pfnos_ok(g, "ns list", "{"))
    g.send("poweroff\r")
    st = g.wait()
    check(st == 0, "pfnos: poweroff status %s, expected 0" % st)
    g = pfnos_shell(ctx, pmems, "pfnos-write")
    listed = ns_list(pfnos_ok(g, "ns list", "{"))
    check(sorted(map(json.dumps, listed)) == sorted(map(json.dumps, created)),
          "pfnos's ns list after a reboot differs from the one after ns create: %s, then %s"
          % (created, listed))
    pf = by_region(listed, "pfnos ns list")
    for i, _, _, _, _, ss, suffix in MODES:
        a, b = sd[i]
        check(i in pf, "pfnos ns list shows nothing for NVDIMM %d after ns create" % i)
        dev = "pmem%d%s" % (i, suffix)
        size = int(pf[i]["size"])
        pfnos_ok(g, "write %s %d %d %d" % (dev, A_OFF // ss, A_LEN // ss, a),
                 "write ok %s" % dev)
        pfnos_ok(g, "write %s %d %d %d" % (dev, (size - B_LEN) // ss, B_LEN // ss, b),
                 "write ok %s" % dev)
    g.send("poweroff\r")
    st = g.wait()
    check(st == 0, "pfnos: poweroff status %s, expected 0" % st)

    st, text = linux(ctx, "linux", check_script(sd), pmems)
    fails = re.findall(r"^NDFAIL .*$", text, re.M)
    for i, _, _, mode, nmap, ss, suffix in MODES:
        lx = linux_json(text, "NDNS%d" % i)
        if isinstance(lx, list):
            check(len(lx) == 1, "NVDIMM %d: ndctl list -N shows %d namespaces" % (i, len(lx)))
            lx = lx[0]
        check(lx.get("mode") == mode, "NVDIMM %d: ndctl list -N mode %r, pfnos made %s (%s)"
              % (i, lx.get("mode"), mode, json.dumps(lx)))
        same_namespace(i, pf[i], lx)
        check(int(lx.get("sector_size", 512)) == ss, "NVDIMM %d: Linux sector size %r, "
              "expected %d" % (i, lx.get("sector_size"), ss))
        if mode == "sector":
            check(re.search(r"^NDCHECK %d ok$" % i, text, re.M) is not None,
                  "NVDIMM %d: ndctl check-namespace failed on pfnos's BTT: %s"
                  % (i, "; ".join(fails)))
    check(not fails and st == 0, "Linux: %s (status %d)" % ("; ".join(fails) or
                                                            "no NDFAIL line", st))
