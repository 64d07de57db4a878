"""test_fiojson.py - pfnos's results in fio's own terms (issue 13, host side):
the BENCH-FIO lines assembled into fio 3.33's json+ layout
(scripts/bench/fiojson.py), read by fio's own fio_jsonplus_clat2csv, whose
CSV must agree with the BENCH lines; first on a captured line (no QEMU),
then on a real run of tests/jobs/example.fio.

tests/integration/data/bench_fio_capture.serial is part of a real serial
log: pfnos (fio-kernel branch at 8be4b85) running tests/jobs/example.fio,
two BENCH lines each followed by its BENCH-FIO line.
"""
import csv
import hashlib
import json
import math
import re
import shutil
import subprocess
import sys
import time

from harness import REPO, check, test

sys.path.insert(0, str(REPO / "scripts" / "bench"))
import bench  # noqa: E402
import fiojson  # noqa: E402

CAPTURE = REPO / "tests" / "integration" / "data" / "bench_fio_capture.serial"
EXAMPLE = REPO / "tests" / "jobs" / "example.fio"
CLAT2CSV = "fio_jsonplus_clat2csv"
# pfnos's histogram keeps 1/64 relative precision; a bin's value and a
# BENCH percentile (the top of its bucket) may differ by one bucket width.
REL = 1 / 32


def bench_lines(text):
    """The BENCH dev= lines of a serial log, parsed (bench.py's parser)."""
    return [bench.parse_kv(l.strip()) for l in text.replace("\r\n", "\n").split("\n")
            if re.match(r"BENCH (job=\d+ )?dev=", l.strip())]


def read_csv(path):
    """fio_jsonplus_clat2csv's CSV: header 'nsec, read_clat_ns_count, ...'."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f, skipinitialspace=True))
    head = [h.strip() for h in rows[0] if h.strip()]
    out = []
    for r in rows[1:]:
        if not any(c.strip() for c in r):
            continue
        out.append({h: r[i].strip() for i, h in enumerate(head)})
    return head, out


def near(a, b):
    return abs(a - b) <= REL * max(a, b) + 1


def check_csv_direction(rows, ddir, bench, prefix, where):
    """One direction's clat columns against the BENCH line's figures:
    count, cumulative, percentile, p50, mean and max."""
    col = ddir + "_clat_ns_"
    mine = [r for r in rows if r[col + "count"]]
    ios = int(bench[prefix + "ios"])
    check(mine, "%s: no %s clat rows in the CSV" % (where, ddir))
    counts = [int(r[col + "count"]) for r in mine]
    check(sum(counts) == ios, "%s: %s counts add up to %d, the BENCH line says ios=%d"
          % (where, ddir, sum(counts), ios))
    check(int(mine[-1][col + "cumulative"]) == ios and float(mine[-1][col + "percentile"]) == 1.0,
          "%s: %s last row %s, expected cumulative %d at percentile 1.0" % (where, ddir, mine[-1], ios))
    run = 0
    p50 = None
    total = 0
    for r, c in zip(mine, counts):
        run += c
        check(int(r[col + "cumulative"]) == run, "%s: %s cumulative %s at %s, expected %d"
              % (where, ddir, r[col + "cumulative"], r["nsec"], run))
        total += int(r["nsec"]) * c
        if p50 is None and run * 2 >= ios:
            p50 = int(r["nsec"])
    check(near(p50, bench[prefix + "lat_p50_ns"]), "%s: %s p50 from the CSV %d, BENCH lat_p50_ns=%d"
          % (where, ddir, p50, bench[prefix + "lat_p50_ns"]))
    mean = total / ios
    check(near(mean, bench[prefix + "lat_avg_ns"]), "%s: %s mean from the CSV %.0f, BENCH lat_avg_ns=%d"
          % (where, ddir, mean, bench[prefix + "lat_avg_ns"]))
    top = int(mine[-1]["nsec"])
    check(near(top, bench[prefix + "lat_max_ns"]), "%s: %s largest bin %d, BENCH lat_max_ns=%d"
          % (where, ddir, top, bench[prefix + "lat_max_ns"]))


def directions(b):
    """(ddir, field prefix) pairs a BENCH line reports."""
    if "read_ios" in b:
        return [("read", "read_"), ("write", "write_")]
    return [("write" if "write" in b["rw"] else "read", "")]


def clat2csv_matches(ctx, doc, benches, tag):
    """Run fio_jsonplus_clat2csv on doc (written to a file) and check every
    job's CSV against its BENCH line; then its own --validate."""
    check(shutil.which(CLAT2CSV), "%s not installed (scripts/deps.sh test installs fio, python3-six)"
          % CLAT2CSV)
    src = ctx.dir / ("%s.fio.json" % tag)
    src.write_text(json.dumps(doc, indent=2))
    dest = ctx.dir / ("%s.csv" % tag)
    r = subprocess.run([CLAT2CSV, str(src), str(dest)], capture_output=True, text=True,
                       timeout=ctx.remaining(30))
    check(r.returncode == 0, "%s failed (%d): %s" % (CLAT2CSV, r.returncode, (r.stderr or r.stdout)[-400:]))
    check(len(doc["jobs"]) == len(benches), "%d BENCH-FIO jobs, %d BENCH lines"
          % (len(doc["jobs"]), len(benches)))
    for i, (job, b) in enumerate(zip(doc["jobs"], benches)):
        path = ctx.dir / ("%s_job%d.csv" % (tag, i))
        check(path.exists(), "%s wrote no %s" % (CLAT2CSV, path.name))
        head, rows = read_csv(path)
        check(head[0] == "nsec" and "read_clat_ns_count" in head, "CSV header: %s" % head[:4])
        where = "job %d (%s)" % (i, job["jobname"])
        used = set()
        for ddir, prefix in directions(b):
            check_csv_direction(rows, ddir, b, prefix, where)
            used.add(ddir)
        for ddir in ("read", "write", "trim"):
            if ddir not in used:
                check(not any(r[ddir + "_clat_ns_count"] for r in rows),
                      "%s: %s clat rows for a direction without I/O" % (where, ddir))
    r = subprocess.run([CLAT2CSV, str(src), str(dest), "--validate"], capture_output=True,
                       text=True, timeout=ctx.remaining(30))
    check(r.returncode == 0 and r.stdout.count("validated") == len(benches),
          "%s --validate: %s" % (CLAT2CSV, (r.stdout + r.stderr)[-400:]))


@test("fiojson.assembly", timeout=30)
def json_assembly(ctx):
    """A captured BENCH-FIO line -> fio's json+ document: fio's top level
    ("fio version", timestamps, "global options" from the [global] section
    as fio shows them), the job object kept, directions without I/O
    without percentile and bins (as fio writes them); fio_jsonplus_clat2csv
    reads it and its CSV agrees with the BENCH line; malformed lines are
    refused."""
    text = CAPTURE.read_text(errors="replace")
    job_text = ("; a job file\n[global]\n  # indented comment\nioengine=psync\ntime_based\n"
                "runtime = 200ms\n[pmem-randread]\nfilename=pmem0\nrw=randread\n"
                "[global]\nruntime=1s\n")
    now = 1796569995.823
    doc = fiojson.from_serial(text, job_text, now=now)
    check(list(doc) == ["fio version", "timestamp", "timestamp_ms", "time", "global options", "jobs"],
          "top-level keys: %s" % list(doc))
    check(doc["fio version"] == "fio-3.33" and doc["timestamp"] == 1796569995
          and doc["timestamp_ms"] == 1796569995823 and doc["time"] == time.ctime(now),
          "top level: %s" % {k: doc[k] for k in ("fio version", "timestamp", "timestamp_ms", "time")})
    check(doc["global options"] == {"ioengine": "psync", "runtime": "1s"},
          "global options: %s" % doc["global options"])
    raws = [json.loads(l[len("BENCH-FIO "):]) for l in text.splitlines() if l.startswith("BENCH-FIO ")]
    check(len(raws) == 2 and doc["jobs"] == raws, "the job objects were not kept as printed")
    clat2csv_matches(ctx, doc, bench_lines(text), "capture")

    # A direction without I/O that carries (empty) percentile and bins
    # loses them, as fio writes it: fio_jsonplus_clat2csv fails on empty bins.
    raw = raws[0]
    padded = json.loads(json.dumps(raw))
    for d in ("write", "trim"):
        padded[d]["clat_ns"].update(percentile={"50.000000": 0}, bins={})
        padded[d]["lat_ns"].update(percentile={"50.000000": 0})
    job = fiojson.assemble([padded], now=now)["jobs"][0]
    check(job == raw, "percentile/bins of directions without I/O were not dropped: %s"
          % {d: job[d]["clat_ns"] for d in ("write", "trim")})

    bad = dict(raw)
    bad["read"] = json.loads(json.dumps(raw["read"]))
    bins = bad["read"]["clat_ns"]["bins"]
    bins[next(iter(bins))] += 1
    for body, why in (("{not json", "not JSON"), (json.dumps(bad), "do not add up"),
                      (json.dumps({"jobname": "x"}), "lacks")):
        try:
            fiojson.from_serial("BENCH-FIO %s\n" % body)
        except fiojson.FioJsonError as e:
            check(why in str(e), "malformed line refused for the wrong reason: %s" % e)
        else:
            check(False, "a malformed BENCH-FIO line (%s) was accepted" % why)
    try:
        fiojson.from_serial("BENCH dev=pmem0 rw=read\n")
        check(False, "a log without BENCH-FIO lines gave a document")
    except fiojson.FioJsonError as e:
        check("no BENCH-FIO line" in str(e), "no-line error: %s" % e)


@test("fiojson.example_clat2csv", timeout=90)
def example_job_clat2csv(ctx):
    """scripts/pfnos-qemu --job tests/jobs/example.fio: the kernel runs the
    file's jobs before run=, one BENCH and one BENCH-FIO line per job;
    bench.py's assembly of the run is read by fio_jsonplus_clat2csv and
    every job's CSV agrees with its BENCH line."""
    check(EXAMPLE.exists(), "%s missing" % EXAMPLE.relative_to(REPO))
    out = ctx.run('test.exit=1 run="echo after-the-job; poweroff"', 0,
                  args=["--job", str(EXAMPLE), "--timeout", str(int(ctx.remaining()))])
    benches = bench_lines(out)
    check(benches, "no BENCH line: " + out[-400:])
    # the echo command's output line (the log's cmdline line has the word too)
    after = re.search(r"^after-the-job$", out, re.M)
    check(after and 0 <= out.rfind("BENCH-FIO ") < after.start(), "the job did not run before run=")
    doc = fiojson.from_serial(out, EXAMPLE.read_text())
    names = [j["jobname"] for j in doc["jobs"]]
    ctx.note("%d job(s): %s" % (len(names), ", ".join(
        "%s %s iops" % (n, b.get("iops")) for n, b in zip(names, benches))))
    check(len(doc["jobs"]) == len(benches), "%d BENCH-FIO lines for %d BENCH lines"
          % (len(doc["jobs"]), len(benches)))
    for job, b in zip(doc["jobs"], benches):
        for ddir, prefix in directions(b):
            check(job[ddir]["total_ios"] == b[prefix + "ios"],
                  "%s: %s total_ios %s, BENCH %sios=%s" % (job["jobname"], ddir, job[ddir]["total_ios"],
                                                        prefix, b[prefix + "ios"]))
            check(math.isclose(job[ddir]["iops"], b[prefix + "iops"], rel_tol=0.01, abs_tol=1),
                  "%s: %s iops %s, BENCH %siops=%s" % (job["jobname"], ddir, job[ddir]["iops"],
                                                    prefix, b[prefix + "iops"]))
    clat2csv_matches(ctx, doc, benches, "example")


@test("fiojson.linux_side", timeout=30)
def linux_side(ctx):
    """The host's half of the Linux side of a job file, no QEMU: filename=
    device names mapped to /dev/ and nothing else touched; fio's JSON taken
    off the serial line only when size and md5 match; records read from
    fio's own json+ (fio with the null engine here) with the job's engine
    deciding the queue depth; a job fio merged into another's group report
    is not compared."""
    text = ("; filename=pmem0 in a comment stays\n[global]\nfilename = pmem0 \n"
            "[a]\nfilename=nvme0n1:pmem0s\n# filename=nvme0n1\n[b]\nfilename=/dev/pmem0\r\n"
            "[c]\nfilename=null0\nfilenames=pmem0\n")
    want = ("; filename=pmem0 in a comment stays\n[global]\nfilename = /dev/pmem0 \n"
            "[a]\nfilename=/dev/nvme0n1:/dev/pmem0s\n# filename=nvme0n1\n[b]\nfilename=/dev/pmem0\r\n"
            "[c]\nfilename=null0\nfilenames=pmem0\n")
    got = bench.map_filenames(text, bench.linux_dev)
    check(got == want, "mapped job file:\n%s" % got)
    check(bench.map_filenames(got, bench.pfnos_dev).replace("/dev/pmem0\r", "pmem0\r") ==
          text.replace("/dev/pmem0\r", "pmem0\r"), "mapping back is not the inverse")

    body = '{\n  "fio version" : "fio-3.33"\n}\n'
    md5 = hashlib.md5(body.encode()).hexdigest()
    serial = "BENCH-LINUX fio status 0\nFIO-JSON-BEGIN %d %s\n%s\nFIO-JSON-END\n" % (len(body), md5, body)
    check(bench.linux_fio_json(serial) == (body, None), "intact JSON not taken: %r"
          % (bench.linux_fio_json(serial),))
    for bad in (serial.replace('"fio-3.33"', '"fio-3.34"'),       # a changed byte
                serial.replace("  \"fio", "[ 5.1] x\n  \"fio"),  # a line slipped in
                serial.replace("FIO-JSON-END", "")):
        got, why = bench.linux_fio_json(bad)
        check(got is None and why, "a damaged JSON block was taken: %r" % bad)

    job = ctx.dir / "null.fio"
    job.write_text("[global]\nioengine=null\nsize=16m\nbs=4k\nnumber_ios=500\n"
                   "[sync-one]\nrw=randread\nioengine=psync\niodepth=16\n"
                   "[aio-group]\nnew_group\nrw=randwrite\nioengine=libaio\niodepth=8\nnumjobs=2\n"
                   "group_reporting\nbs=8k\n")
    out = ctx.dir / "null.json"
    r = subprocess.run(["fio", "--lat_percentiles=1", "--output-format=json+", "--output", str(out),
                        str(job)], capture_output=True, text=True, timeout=ctx.remaining(20),
                       cwd=str(ctx.dir))    # fio names (empty) files after its jobs
    check(r.returncode == 0, "fio failed: %s" % r.stderr[-300:])
    doc = json.loads(out.read_text())
    recs = bench.fio_records(doc)
    check([(x["jobname"], x["rw"], x["bs"], x["qd"], x["ios"]) for x in recs] ==
          [("sync-one", "randread", 4096, 1, 500), ("aio-group", "randwrite", 8192, 8, 1000)],
          "records: %s" % [(x["jobname"], x["rw"], x["bs"], x["qd"], x["ios"]) for x in recs])
    w = doc["jobs"][1]["write"]
    check(recs[1]["lat_p50_ns"] == w["lat_ns"]["percentile"]["50.000000"]
          and recs[1]["iops"] == w["iops"], "aio-group figures: %s" % recs[1])

    sys.path.insert(0, str(REPO / "scripts" / "bench"))
    import report
    mine = dict(recs[0], dev="pmem0", kind="pmem")
    merged = dict(recs[0], dev="nvme0n1", kind="nvme", qd=8)
    runs = {"pfnos": {"jobs": [mine, recs[1]]}, "linux": {"jobs": [merged, recs[1]]}}
    rows = report.comparison(runs)
    check([x[0]["jobname"] for x in rows] == ["aio-group"], "compared: %s" % [x[0]["jobname"] for x in rows])
    check(report.unmatched(runs) == [("sync-one: pmem0 randread 4k qd1", "sync-one: nvme0n1 randread 4k qd8")],
          "unmatched: %s" % report.unmatched(runs))
