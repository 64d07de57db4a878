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

from harness import REPO, check, pattern, test


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


def job_args(path):
    """The launcher's --job: the file as fw_cfg opt/pfnos/job, its base name
    as opt/pfnos/jobname (the fio-kernel/fio-host interface)."""
    return ["--job", str(path)]


def run_job(ctx, text, name, status, cmdline='test.exit=1 run="poweroff"'):
    path = ctx.dir / name
    path.write_text(text)
    g = ctx.boot(cmdline, boot="kernel", args=job_args(path))
    st = g.wait()
    out = g.text
    check(st == status, "%s: exit status %s, expected %s; output ends: %s"
          % (name, st, status, out.strip()[-600:]))
    return out


def fio_objects(out):
    objs = []
    for l in out.splitlines():
        if l.startswith("BENCH-FIO "):
            try:
                objs.append(json.loads(l[len("BENCH-FIO "):]))
            except ValueError as e:
                check(False, "BENCH-FIO line is not JSON (%s): %s" % (e, l[:300]))
    return objs


PCTS = ["1.000000", "5.000000", "10.000000", "20.000000", "30.000000", "40.000000",
        "50.000000", "60.000000", "70.000000", "80.000000", "90.000000", "95.000000",
        "99.000000", "99.500000", "99.900000", "99.950000", "99.990000"]
INTS = ("io_bytes", "io_kbytes", "bw_bytes", "bw", "bw_min", "bw_max", "bw_samples",
        "iops_min", "iops_max", "iops_samples", "runtime", "total_ios", "short_ios", "drop_ios")
FLOATS = ("bw_mean", "bw_dev", "iops", "iops_mean", "iops_stddev")


def check_fio_object(o, bench):
    """One BENCH-FIO object against the interface, and against its BENCH line."""
    for k in ("jobname", "groupid", "error", "job options", "elapsed", "job_runtime",
              "read", "write", "trim"):
        check(k in o, "BENCH-FIO object without %r: %s" % (k, sorted(o)))
    check(o["error"] == 0 and isinstance(o["groupid"], int), "error/groupid: %r" % o)
    check(all(isinstance(v, str) for v in o["job options"].values()), "job options not strings")
    for d in ("read", "write", "trim"):
        x = o[d]
        for k in INTS:
            check(isinstance(x.get(k), int), "%s.%s is not an integer: %r" % (d, k, x.get(k)))
        for k in FLOATS:
            check(isinstance(x.get(k), float), "%s.%s is not a float: %r" % (d, k, x.get(k)))
        check(x["slat_ns"] == {"min": 0, "max": 0, "mean": 0.0, "stddev": 0.0, "N": 0},
              "slat_ns not zero: %r" % x["slat_ns"])
        for lat in ("clat_ns", "lat_ns"):
            L = x[lat]
            check(L["N"] == x["total_ios"], "%s.%s.N %s != total_ios %s"
                  % (d, lat, L["N"], x["total_ios"]))
            if L["N"]:
                check(list(L["percentile"]) == PCTS, "percentile keys: %s" % list(L["percentile"]))
                vals = list(L["percentile"].values())
                check(vals == sorted(vals) and L["min"] <= vals[0] and vals[-1] <= L["max"],
                      "percentiles out of order: %r" % L)
        c = x["clat_ns"]
        check(("bins" in c) == (c["N"] > 0), "%s: bins present exactly when N > 0" % d)
        if c["N"]:
            check(sum(c["bins"].values()) == c["N"], "%s: bins add up to %d, not N %d"
                  % (d, sum(c["bins"].values()), c["N"]))
            check(all(c["min"] // 2 <= int(k) <= c["max"] * 2 for k in c["bins"]),
                  "a bin outside min-max")
            check(x["iops_samples"] >= 1 and x["iops_min"] <= x["iops_mean"] <= x["iops_max"] + 1,
                  "%s iops samples: %r" % (d, {k: x[k] for k in x if k.startswith("iops")}))
        check("bins" not in x["lat_ns"], "lat_ns has bins")
    check(all(v == 0 for k, v in o["trim"].items() if isinstance(v, (int, float))), "trim not zero")
    f = kv(bench)
    total = o["read"]["total_ios"] + o["write"]["total_ios"]
    check(int(f["ios"]) == total, "BENCH ios=%s but JSON total_ios %d" % (f["ios"], total))
    rt = [o[d]["runtime"] for d in ("read", "write") if o[d]["total_ios"]]
    # one direction: the same window on both lines. Two: their runtimes are
    # whole ms, so equal ms can still be two windows (a group's members);
    # BENCH counts over the longest
    if len(rt) <= 1:
        check(abs(int(f["iops"]) - (o["read"]["iops"] + o["write"]["iops"])) <= 2,
              "BENCH iops=%s but JSON iops %s" % (f["iops"], o["read"]["iops"] + o["write"]["iops"]))
    else:   # a group's directions over their own runtimes; BENCH over the longest
        check(total * 1000 // (max(rt) + 1) <= int(f["iops"]) <= total * 1000 // max(rt),
              "BENCH iops=%s but JSON total_ios %d in %d ms" % (f["iops"], total, max(rt)))


def bench_and_fio(out):
    """[(BENCH line, BENCH-FIO object)] in output order: each BENCH line of a
    job file is followed by its BENCH-FIO line."""
    lines = [l for l in out.splitlines() if l.startswith("BENCH")]
    pairs = []
    for a, b in zip(lines[::2], lines[1::2]):
        check(a.startswith("BENCH ") and b.startswith("BENCH-FIO "),
              "BENCH and BENCH-FIO lines do not alternate: %s / %s" % (a[:80], b[:80]))
        pairs.append((a, json.loads(b[len("BENCH-FIO "):])))
    check(len(lines) % 2 == 0, "a BENCH line without its BENCH-FIO line")
    return pairs


@test("fio.example_job", timeout=90)
def example_job(ctx):
    """tests/jobs/example.fio over fw_cfg with run="poweroff": the jobs run
    before the run= commands, one pmem0 line (psync: qd 1) and one nvme0n1
    line for both clones (numjobs=2 group_reporting: qd 8, numjobs=2), each
    followed by a BENCH-FIO line whose JSON has the interface's fields with
    fio's types; fio's fio_jsonplus_clat2csv reads the assembled file and
    its --validate finds the bins again; status 0."""
    src = REPO / "tests" / "jobs" / "example.fio"
    out = run_job(ctx, src.read_text(), "example.fio", 0)
    i_jobs, i_run = out.find("fio: example.fio: 2 jobs, 3 threads, 1 sets"), out.find("pfnos> poweroff")
    check(0 <= i_jobs < i_run, "the job file did not run before the run= commands")
    pairs = bench_and_fio(out)
    check(len(pairs) == 2, "expected 2 reports: " + out[-800:])
    (b0, o0), (b1, o1) = pairs
    check(b0.startswith("BENCH dev=pmem0 rw=randread bs=4096 qd=1 poll=0 rwmixread=100 ios="), b0)
    check(b1.startswith("BENCH dev=nvme0n1 rw=randread bs=4096 qd=8 poll=0 rwmixread=100 "
                        "numjobs=2 ios="), b1)
    check(o0["jobname"] == "pmem-randread" and o1["jobname"] == "nvme-randread", "jobnames")
    check(o1["job options"] == {"filename": "/dev/nvme0n1", "rw": "randread", "bs": "4k",
                                "ioengine": "libaio", "iodepth": "8", "numjobs": "2",
                                "group_reporting": "", "new_group": ""},
          "job options: %r" % o1["job options"])
    # new_group: the NVMe job reports in a group of its own, as fio numbers it
    check((o0["groupid"], o1["groupid"]) == (0, 1), "groupids %s, %s" % (o0["groupid"], o1["groupid"]))
    for b, o in pairs:
        check_fio_object(o, b)
        check(o["read"]["total_ios"] > 0 and o["write"]["total_ios"] == 0, "read-only job I/Os")
        check(180 <= o["read"]["runtime"] <= 200, "runtime %s ms for runtime=200ms" % o["read"]["runtime"])
    doc = {"fio version": "fio-3.33", "timestamp": 0, "timestamp_ms": 0, "time": "-",
           "global options": {}, "jobs": [o0, o1]}
    (ctx.dir / "pfnos.fio.json").write_text(json.dumps(doc))
    import subprocess
    for extra in ([], ["--validate"]):
        r = subprocess.run(["fio_jsonplus_clat2csv"] + extra + [str(ctx.dir / "pfnos.fio.json"),
                            str(ctx.dir / "clat.csv")], capture_output=True, text=True)
        check(r.returncode == 0, "fio_jsonplus_clat2csv %s failed: %s" % (extra, (r.stdout + r.stderr)[-400:]))
    csv = (ctx.dir / "clat_job1.csv").read_text().splitlines()
    counts = sum(int(l.split(",")[4]) for l in csv[1:] if l.strip() and l.split(",")[4].strip())
    check(counts == o1["read"]["clat_ns"]["N"], "the CSV's read clat counts add up to %d, not %d"
          % (counts, o1["read"]["clat_ns"]["N"]))


BAD_JOBS = [
    # (file name, text, the error line)
    ("empty.fio", "", "error: empty.fio:1: -: no job: the file is empty"),
    ("notini.fio", "this is not\nan ini file\n",
     "error: notini.fio:1: this is not: not an option (key=value), a [section] or a comment"),
    ("nodev.fio", "[w]\nfilename=/dev/pmem0\nrw=write\nsize=1m\n[a]\nrw=read\n",
     "error: nodev.fio:5: filename: job 'a' names no device"),
    ("missing.fio", "[w]\nfilename=/dev/pmem0\nrw=write\nsize=1m\n[b]\nfilename=/dev/nvme9n1\n",
     "error: missing.fio:6: filename: no device 'nvme9n1' (lsblk lists them)"),
    ("badvalue.fio", "[w]\nfilename=/dev/pmem0\nrw=write\nsize=1m\n[c]\nfilename=null0\nbs=4q\n",
     "error: badvalue.fio:7: bs: bad bs '4q': a size such as 4k"),
    ("include.fio", "[w]\nfilename=/dev/pmem0\nrw=write\nsize=1m\ninclude=other.fio\n",
     "error: include.fio:5: include: include is not supported: put the jobs in one file"),
    ("verify.fio", "[w]\nfilename=/dev/pmem0\nrw=write\nsize=1m\nverify=md5\n",
     "error: verify.fio:5: verify: not supported by pfnos (bench.h lists the options)"),
    ("range.fio", "[w]\nfilename=/dev/pmem0\nrw=write\nsize=1m\n[big]\nfilename=null0\noffset=2g\n",
     "error: range.fio:7: offset: null0: offset 2147483648 is beyond the end"),
]


@test("fio.job_errors", timeout=150)
def job_errors(ctx):
    """Bad job files (empty, not INI, a job without a device, a device that
    does not exist, a bad value, include, an unsupported option, a range
    past the device): one 'error: file:line: option: what' line each, no
    BENCH line, no I/O (the write job before the bad one left pmem0's first
    MiB untouched in the backing file), status 1 in test mode (test.exit=1)
    before the run= commands ran."""
    guests = []
    for name, text, err in BAD_JOBS:
        # each guest its own backing files: the no-I/O check reads them
        path = ctx.dir / name
        path.write_text(text)
        img = name.replace(".fio", ".img")
        guests.append((name, err, img, ctx.boot('test.exit=1 run="poweroff"', boot="kernel",
                                                pmem=[img], nvme=[name.replace(".fio", ".nvme")],
                                                args=job_args(path), name=name)))
    for name, err, img, g in guests:
        st = g.wait()
        out = g.text
        check(st == 1, "%s: exit status %s, expected 1; output ends: %s"
              % (name, st, out.strip()[-600:]))
        errs = [l for l in out.splitlines() if l.startswith("error:")]
        check(len(errs) == 1 and errs[0].startswith(err), "%s: expected %r, got %r"
              % (name, err, errs))
        check(not bench_lines(out) and "overwriting" not in out, "%s: I/O ran: %s"
              % (name, out[-400:]))
        check("pfnos> poweroff" not in out, "%s: the run= commands ran" % name)
        with open(ctx.dir / img, "rb") as f:
            check(f.read(1 << 20) == bytes(1 << 20), "%s: pmem0 was written" % name)


SEMANTICS = """; fio semantics: engines, size-bounded jobs, stonewall, clones' ranges
[global]
direct=1
bs=4k

[a-psync]
filename=null0
rw=randread
ioengine=psync
iodepth=8
number_ios=200

[b-sized]
filename=null0
rw=write
size=256k
offset=1m
ioengine=libaio
iodepth=4

[c-clones]
stonewall
filename=/dev/pmem0
rw=write
offset=2m
size=64k
numjobs=2
ioengine=pvsync

[d-hipri]
new_group
filename=/dev/nvme0n1
rw=randread
ioengine=pvsync2
hipri
time_based
runtime=50ms
"""


@test("fio.semantics", timeout=90)
def semantics(ctx):
    """A job file exercising fio's meanings: psync with iodepth=8 runs at
    qd 1; a job without time_based runs its size (256k / 4k = 64 I/Os);
    jobs before a stonewall run together (both announce their ranges before
    either reports) and the stonewalled set starts only after they have
    reported; numjobs=2 clones each report (job=0, job=1) and write their
    own half of the range (the host finds all 64 KiB written with the
    clones' data and the next block untouched); hipri polls; groupids
    follow stonewall and new_group; every BENCH-FIO line is valid."""
    out = run_job(ctx, SEMANTICS, "semantics.fio", 0)
    lines = [l for l in out.splitlines()
             if l.startswith("BENCH ") or "overwriting" in l]
    order = [("over" if "overwriting" in l else "BENCH") + " " +
             (re.search(r"(?:dev=|bench: )(\w+)", l).group(1)) for l in lines]
    check(order == ["over null0", "BENCH null0", "BENCH null0",
                    "over pmem0", "over pmem0", "BENCH pmem0", "BENCH pmem0", "BENCH nvme0n1"],
          "set order: %r" % order)
    pairs = bench_and_fio(out)
    check(len(pairs) == 5, "expected 5 reports, got %d" % len(pairs))
    for b, o in pairs:
        check_fio_object(o, b)
    (ba, oa), (bb, ob), (bc0, oc0), (bc1, oc1), (bd, od) = pairs
    check(kv(ba)["qd"] == "1" and kv(ba)["ios"] == "200", "psync iodepth=8: " + ba)
    check(kv(bb)["qd"] == "4" and kv(bb)["ios"] == "64", "size-bounded libaio: " + bb)
    check(bc0.startswith("BENCH job=0 dev=pmem0 ") and bc1.startswith("BENCH job=1 dev=pmem0 "),
          "clone lines: %s / %s" % (bc0, bc1))
    check(kv(bc0)["ios"] == "16" and kv(bc1)["ios"] == "16", "clones: fio's size each")
    check(kv(bd)["poll"] == "1", "hipri did not poll: " + bd)
    check([o["groupid"] for _, o in pairs] == [0, 0, 1, 1, 2], "groupids")
    check([o["jobname"] for _, o in pairs] == ["a-psync", "b-sized", "c-clones", "c-clones",
                                                "d-hipri"], "jobnames")
    for k, (a, b) in enumerate(((2097152, 2129920), (2129920, 2162688))):
        check("bench: pmem0: overwriting bytes %d-%d" % (a, b) in out,
              "clone %d's range: %s" % (k, out[:600]))
    want = pattern(1 ^ 0x5a5a, 0, 4096)
    with open(ctx.dir / "pmem0.img", "rb") as f:
        f.seek(2 << 20)
        data = f.read(65536 + 4096)
    for blk in range(16):
        check(data[blk * 4096:(blk + 1) * 4096] == want, "block %d not written by its clone" % blk)
    check(data[65536:] == bytes(4096), "a clone wrote past the range")


GROUPS = """; fio's reporting groups: group_reporting merges a whole group
[global]
ioengine=psync

[g-read]
group_reporting
filename=null0
rw=randread
bs=4k
size=400k

[g-write]
group_reporting
filename=/dev/pmem0
rw=write
bs=8k
offset=1m
size=256k

[h-plain]
new_group
filename=null0
rw=read
size=64k

[h-joins]
group_reporting
filename=null0
rw=read
size=128k
numjobs=2

[i-own]
new_group
group_reporting
filename=null0
rw=read
size=32k

[i-apart]
filename=null0
rw=read
size=32k
"""


@test("fio.group_reporting", timeout=90)
def group_reporting(ctx):
    """group_reporting as fio 3.33 applies it (checked against Debian's fio
    on this file with real files): a job with it joins the report of the job
    before it when that one is in the same group, whatever that one says, so
    two sections of one group (even on two devices, reading and writing, with
    two block sizes) give one report, named after the first job, with the
    last job's options; a job without it starts a report of its own. The
    merged BENCH line lists the members' devices, rw and bs and counts
    numjobs; per direction the JSON adds the bytes of each member's own
    block size, runtime is the longest member's and job_runtime the sum."""
    out = run_job(ctx, GROUPS, "groups.fio", 0)
    pairs = bench_and_fio(out)
    check([o["jobname"] for _, o in pairs] == ["g-read", "h-plain", "i-own", "i-apart"],
          "reports: %r" % [(b[:60], o["jobname"]) for b, o in pairs])
    for b, o in pairs:
        check_fio_object(o, b)
    (bg, og), (bh, oh), (bi, oi), (bj, oj) = pairs
    check([o["groupid"] for _, o in pairs] == [0, 1, 2, 2], "groupids")
    check(bg.startswith("BENCH dev=null0+pmem0 rw=randread+write bs=4096+8192 qd=1 poll=0 "
                        "rwmixread=100+0 numjobs=2 ios=132 "), bg)
    r, w = og["read"], og["write"]
    check((r["total_ios"], r["io_bytes"], w["total_ios"], w["io_bytes"]) ==
          (100, 409600, 32, 262144), "per-direction figures: %r" %
          [(d["total_ios"], d["io_bytes"]) for d in (r, w)])
    check(og["job options"] == {"group_reporting": "", "filename": "/dev/pmem0", "rw": "write",
                                "bs": "8k", "offset": "1m", "size": "256k"},
          "job options (fio: the last job's): %r" % og["job options"])
    check(abs(og["job_runtime"] - (r["runtime"] + w["runtime"])) <= 2,
          "job_runtime %d is not the members' sum %d + %d"
          % (og["job_runtime"], r["runtime"], w["runtime"]))
    check(bh.startswith("BENCH dev=null0 rw=read bs=4096 qd=1 poll=0 rwmixread=100 numjobs=3 "
                        "ios=80 "), bh)
    check(oh["read"]["io_bytes"] == 80 * 4096 and oh["job options"]["numjobs"] == "2",
          "h group: %r" % {k: oh[k] for k in ("job options",)})
    for b, o in ((bi, oi), (bj, oj)):
        check(kv(b)["ios"] == "8" and "numjobs" not in kv(b), "a report of its own: " + b)
