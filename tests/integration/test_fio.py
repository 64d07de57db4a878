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


def job_args(path, name=None):
    """QEMU arguments handing a job file over as the launcher's --job will
    (fio-kernel/fio-host interface: opt/pfnos/job and opt/pfnos/jobname)."""
    return ["--qemu-arg", "-fw_cfg", "--qemu-arg", "name=opt/pfnos/job,file=%s" % path,
            "--qemu-arg", "-fw_cfg",
            "--qemu-arg", "name=opt/pfnos/jobname,string=%s" % (name or path.name)]


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
    check(abs(int(f["iops"]) - (o["read"]["iops"] + o["write"]["iops"])) <= 2,
          "BENCH iops=%s but JSON iops %s" % (f["iops"], o["read"]["iops"] + o["write"]["iops"]))


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
                                "group_reporting": ""}, "job options: %r" % o1["job options"])
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
