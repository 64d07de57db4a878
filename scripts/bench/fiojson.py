#!/usr/bin/env python3
"""fiojson.py - pfnos's BENCH-FIO lines -> one file in fio 3.33's json+ layout.

    scripts/bench/fiojson.py SERIAL_LOG [--job FILE] [-o OUT.json]

For every job (or group, with group_reporting) of a job file the kernel
prints one line "BENCH-FIO <json>": one element of fio's json+ "jobs" array
(the interface is in docs/bench.md, "Job files"). This module gathers those
lines from a serial log and wraps them the way fio wraps its jobs:

    {"fio version": "fio-3.33", "timestamp": ..., "timestamp_ms": ...,
     "time": "<ctime>", "global options": {...}, "jobs": [...]}

"global options" are the [global] section's options with a value, read from
the job file as fio reads it (fio leaves value-less options such as
time_based out of that object, and so does this). Where a direction did no
I/O (N = 0) its "percentile" and "bins" are dropped, as fio drops them: fio's
own tools (fio_jsonplus_clat2csv) read "bins" only where fio writes them.

scripts/bench/bench.py calls it for build/bench/pfnos.fio.json; the
integration tests (tests/integration/test_fiojson.py) run it on a captured line
and on a real run.
"""

import argparse
import json
import re
import sys
import time
from pathlib import Path

FIO_VERSION = "fio-3.33"
DIRECTIONS = ("read", "write", "trim")
LATENCIES = ("slat_ns", "clat_ns", "lat_ns")
LINE = re.compile(r"^BENCH-FIO (.*?)\s*$")


class FioJsonError(ValueError):
    """A BENCH-FIO line that is not one fio job object."""


def bench_fio_objects(text):
    """Every BENCH-FIO line of a serial log, parsed, in order."""
    out = []
    for n, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        m = LINE.match(line.strip())
        if not m:
            continue
        try:
            obj = json.loads(m.group(1))
        except ValueError as e:
            raise FioJsonError("line %d: BENCH-FIO is not JSON (%s)" % (n, e))
        check_job(obj, "line %d" % n)
        out.append(obj)
    return out


def check_job(obj, where):
    """The fields every reader of fio's json+ needs, present and typed."""
    if not isinstance(obj, dict):
        raise FioJsonError("%s: BENCH-FIO is not a JSON object" % where)
    for k, t in (("jobname", str), ("groupid", int), ("job options", dict)):
        if not isinstance(obj.get(k), t):
            raise FioJsonError("%s: BENCH-FIO lacks %r" % (where, k))
    for d in DIRECTIONS:
        side = obj.get(d)
        if not isinstance(side, dict):
            raise FioJsonError("%s: BENCH-FIO job %s lacks %r" % (where, obj["jobname"], d))
        for k in ("io_bytes", "bw", "iops", "runtime", "total_ios") + LATENCIES:
            if k not in side:
                raise FioJsonError("%s: BENCH-FIO job %s: %s lacks %r"
                                   % (where, obj["jobname"], d, k))
        n = side["clat_ns"].get("N")
        if not isinstance(n, int):
            raise FioJsonError("%s: BENCH-FIO job %s: %s clat_ns lacks N"
                               % (where, obj["jobname"], d))
        bins = side["clat_ns"].get("bins")
        if n and (not isinstance(bins, dict) or sum(bins.values()) != n):
            raise FioJsonError("%s: BENCH-FIO job %s: %s clat_ns bins do not add up to N=%d"
                               % (where, obj["jobname"], d, n))


def as_fio_writes_it(job):
    """One job object with fio's omissions for directions without I/O."""
    job = json.loads(json.dumps(job))
    for d in DIRECTIONS:
        for lat in LATENCIES:
            v = job[d].get(lat)
            if isinstance(v, dict) and not v.get("N"):
                v.pop("percentile", None)
                v.pop("bins", None)
    return job


def strip_comment(line):
    """fio's INI: a line whose first non-blank is '#' or ';' is a comment."""
    s = line.strip()
    return "" if s[:1] in ("#", ";") else s


def global_options(job_text):
    """The [global] sections' options that have a value, in order (a later
    [global] adds to and overrides an earlier one, as in fio)."""
    opts, section = {}, None
    for raw in job_text.splitlines():
        s = strip_comment(raw)
        if not s:
            continue
        if s.startswith("[") and s.endswith("]"):
            section = s[1:-1].strip()
            continue
        if section == "global" and "=" in s:
            k, v = s.split("=", 1)
            opts[k.strip()] = v.strip()
    return opts


def assemble(jobs, global_opts=None, now=None):
    """The json+ document fio would write around these job objects."""
    now = time.time() if now is None else now
    return {
        "fio version": FIO_VERSION,
        "timestamp": int(now),
        "timestamp_ms": int(now * 1000),
        "time": time.ctime(now),
        "global options": dict(global_opts or {}),
        "jobs": [as_fio_writes_it(j) for j in jobs],
    }


def from_serial(text, job_text=None, now=None):
    """A serial log (and the job file it ran) -> the json+ document; raises
    FioJsonError when there is no BENCH-FIO line or one is malformed."""
    jobs = bench_fio_objects(text)
    if not jobs:
        raise FioJsonError("no BENCH-FIO line in the serial log")
    return assemble(jobs, global_options(job_text) if job_text else {}, now)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("serial", help="a pfnos serial log with BENCH-FIO lines")
    ap.add_argument("--job", help="the job file it ran (for \"global options\")")
    ap.add_argument("-o", "--out", help="output file (default: stdout)")
    a = ap.parse_args(argv)
    job_text = Path(a.job).read_text() if a.job else None
    try:
        doc = from_serial(Path(a.serial).read_text(errors="replace"), job_text)
    except FioJsonError as e:
        print("fiojson.py: %s: %s" % (a.serial, e), file=sys.stderr)
        return 1
    s = json.dumps(doc, indent=2) + "\n"
    if a.out:
        Path(a.out).write_text(s)
    else:
        sys.stdout.write(s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
