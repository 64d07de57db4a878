#!/usr/bin/env python3
"""report.py - build/bench/results.json -> report.md and gnuplot plots.

    scripts/bench/report.py RESULTS.json [--out DIR] [--no-plots]

The results file (written by scripts/bench/bench.py) holds one or more
runs: "pfnos" (BENCH lines of bench-suite), "linux" and "linux_noerms"
(fio in Debian's kernel, default CPU and ERMS hidden). The report has the
machine (QEMU command line, accelerator, CPU model, dates), a table of
every job of every run, the micro-benchmarks, pfnos's boot time per RAM
size (with its budget judged among the targets), and, when both sides are
present, the comparison: the ratio pfnos/Linux per job against the better
Linux run, boot times, and the issue's targets with PASS/MISS. Plots
(PNG and SVG, when gnuplot is installed and --no-plots is not given):
IOPS and p99 latency per job (device, block size, queue depth), one bar
per run.

With "namespaces" (bench.py run_namespaces, issue 12) it adds their
section and targets: pfnos's BTT against Linux's, fsdax against raw.

Pure apart from writing files and running gnuplot: tests/integration's
bench.report test runs it on a recorded results file.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

RUN_LABELS = {
    "pfnos": "pfnos",
    "linux": "Linux+fio",
    "linux_noerms": "Linux+fio (-erms)",
    "pfnos_smp2": "pfnos --smp 2",
    "linux_smp2": "Linux+fio --smp 2",
}


def scaling(runs):
    """The numjobs 1 and 2 figures of the --smp 2 runs, one row per job."""
    rows = []
    p, l = runs.get("pfnos_smp2", {}), runs.get("linux_smp2", {})
    keys = []
    for j in p.get("jobs", []) + l.get("jobs", []):
        k = job_key(j)
        if k not in keys:
            keys.append(k)

    def iops(run, k, n):
        for j in run.get("jobs", []):
            if job_key(j) == k and int(j.get("numjobs", 1)) == n:
                return float(j["iops"])
        return None
    for k in keys:
        p1, p2, l1, l2 = iops(p, k, 1), iops(p, k, 2), iops(l, k, 1), iops(l, k, 2)
        label = "%s %s %s qd%d" % (k[0], k[1], size_str(k[2]), k[3])
        rows.append((label, p1, p2, p2 / p1 if p1 and p2 else None,
                     l1, l2, l2 / l1 if l1 and l2 else None, p2 / l2 if p2 and l2 else None))
    return rows


def job_key(j):
    """What identifies a job across runs: device kind, rw, bs, qd, poll; for
    a job file's jobs their name and place among jobs of that name."""
    if "jobname" in j:
        return ("job", j["jobname"], int(j.get("jobidx", 0)))
    return (j.get("kind", ""), j["rw"], int(j["bs"]), int(j["qd"]), int(j.get("poll", 0)))


# --------------------------------------------------------- repeated runs
# bench.py runs each side RUNS times; aggregate() folds the runs of one side
# into one run whose job and micro-benchmark figures are medians, with the
# min-max over the runs in "spread" and the number of runs in "n".

# Fields that name a job or a micro-benchmark rather than measure it.
ID_FIELDS = {"dev", "kind", "rw", "bs", "qd", "poll", "rwmixread", "jobname", "jobidx",
             "groupid", "micro", "numjobs", "job", "spread", "n", "unstable", "routine"}


def micro_passes(folded, records):
    """A micro-benchmark's range from its timed passes: the kernel prints
    the median pass with the fastest and slowest (ns_per_op_min/_max,
    passes=); over runs, the fastest and slowest of all, MB/s following
    ns per op (MB/s of a pass = the median's MB/s * its ns / the pass's ns).
    n becomes the number of timed passes, unstable is set when any run's
    warm-up did not settle."""
    for m in folded:
        rs = [r for recs in records for r in recs if r.get("micro") == m.get("micro")]
        lo = [float(r["ns_per_op_min"]) for r in rs if r.get("ns_per_op_min")]
        hi = [float(r["ns_per_op_max"]) for r in rs if r.get("ns_per_op_max")]
        if any(r.get("unstable") for r in rs):
            m["unstable"] = 1
        if len(lo) != len(rs) or len(hi) != len(rs) or not rs:
            continue
        m["spread"]["ns_per_op"] = [min(lo), max(hi)]
        tsc = [r for r in rs if r.get("tsc_per_op")]
        if len(tsc) == len(rs):     # TSC ticks follow ns per op
            m["spread"]["tsc_per_op"] = [
                min(float(r["tsc_per_op"]) * float(r["ns_per_op_min"]) / float(r["ns_per_op"]) for r in rs),
                max(float(r["tsc_per_op"]) * float(r["ns_per_op_max"]) / float(r["ns_per_op"]) for r in rs)]
        mb = [(float(r["MBps"]) * float(r["ns_per_op"]), r) for r in rs if r.get("MBps")]
        if len(mb) == len(rs):
            m["spread"]["MBps"] = [min(x / float(r["ns_per_op_max"]) for x, r in mb),
                                   max(x / float(r["ns_per_op_min"]) for x, r in mb)]
        m["n"] = sum(int(r.get("passes", 1)) for r in rs)


def is_figure(k, v):
    return k not in ID_FIELDS and isinstance(v, (int, float)) and not isinstance(v, bool)


def fold(records, keyf):
    """Records of several runs (lists) -> one list: per key, each figure's
    median, its [min, max] in "spread", and "n" runs; order of first
    appearance."""
    order, groups = [], {}
    for recs in records:
        for r in recs:
            k = keyf(r)
            if k not in groups:
                order.append(k)
                groups[k] = []
            groups[k].append(r)
    out = []
    for k in order:
        rs = groups[k]
        agg = {f: v for f, v in rs[0].items() if not is_figure(f, v)}
        agg["spread"] = {}
        for f in rs[0]:
            vals = [r[f] for r in rs if is_figure(f, r.get(f))]
            if not vals:
                continue
            agg[f] = statistics.median(vals)
            agg["spread"][f] = [min(vals), max(vals)]
        agg["n"] = len(rs)
        out.append(agg)
    return out


def aggregate(reps):
    """The runs of one side (bench.py's per-run dicts, in order) -> one run:
    jobs and micro-benchmarks folded (median, spread, n), boot time the
    median, the status the first failing one, notes prefixed with their
    run, and the runs themselves kept under "reps"."""
    reps = [r for r in reps if r]
    if not reps:
        return {}
    run = {k: v for k, v in reps[-1].items() if k not in ("jobs", "micro", "notes")}
    run["started"] = reps[0].get("started", run.get("started"))
    run["jobs"] = fold([r.get("jobs", []) for r in reps], job_key)
    micro = [r.get("micro", []) for r in reps]
    run["micro"] = fold(micro, lambda m: m.get("micro"))
    micro_passes(run["micro"], micro)
    boots = [r["boot_s"] for r in reps if r.get("boot_s") is not None]
    run["boot_s"] = statistics.median(boots) if boots else None
    run["boot_s_spread"] = [min(boots), max(boots)] if boots else None
    bad = [r.get("status") for r in reps if r.get("status") not in (0, None)]
    run["status"] = bad[0] if bad else reps[-1].get("status")
    # a note every run has (the kernel package, say) once, others with their run
    common = [n for n in reps[0].get("notes", []) if all(n in r.get("notes", []) for r in reps)]
    notes = list(common)
    for i, r in enumerate(reps, 1):
        for n in r.get("notes", []):
            if n not in common:
                notes.append(("run %d: %s" % (i, n)) if len(reps) > 1 else n)
    run["notes"] = notes
    run["n_runs"] = len(reps)
    run["reps"] = reps
    return run


def spread(rec, metric):
    """(min, max) of a figure over the runs, or None for a single run."""
    if int(rec.get("n", 1)) < 2:
        return None
    s = rec.get("spread", {}).get(metric)
    return (float(s[0]), float(s[1])) if s else None


def ratio_range(p, l):
    """Ratio pfnos/Linux from two (min, max) ranges: (lowest, highest)."""
    if not p or not l or not l[0] or not l[1]:
        return None
    return (p[0] / l[1], p[1] / l[0])


def within_noise(rng):
    """A ratio whose range reaches 1.0: its two sides' ranges overlap."""
    return rng is not None and rng[0] <= 1.0 <= rng[1]


def fmt_spread(rec, metric, digits=0, scale=1):
    """'median (min-max)' for several runs, the value alone for one."""
    v = rec.get(metric)
    if v is None:
        return "-"
    s = fmt_num(float(v) / scale, digits)
    sp = spread(rec, metric)
    if sp:
        s += " (%s-%s)" % (fmt_num(sp[0] / scale, digits), fmt_num(sp[1] / scale, digits))
    return s


def fmt_ratio_range(r, rng):
    """'2.00x', or with several runs '2.00x (1.80-2.20x)', and ', within
    noise' when the range reaches 1.0."""
    s = fmt_ratio(r)
    if r is not None and rng:
        s += " (%.2f-%.2fx)" % rng
        if within_noise(rng):
            s += " within noise"
    return s


def size_str(b):
    b = int(b)
    for unit, n in (("m", 1 << 20), ("k", 1 << 10)):
        if b % n == 0 and b >= n:
            return "%d%s" % (b // n, unit)
    return str(b)


def job_label(j):
    s = "%s %s %s qd%d" % (j.get("dev", j.get("kind", "?")), j["rw"], size_str(j["bs"]), int(j["qd"]))
    if int(j.get("poll", 0)):
        s += " poll"
    if "jobname" in j:
        s = "%s%s: %s" % (j["jobname"], "" if not j.get("jobidx") else "#%d" % j["jobidx"], s)
    return s


def fmt_num(v, digits=0):
    if v is None:
        return "-"
    if digits:
        return "%.*f" % (digits, float(v))
    return "{:,}".format(int(round(float(v))))


def fmt_ratio(r):
    return "-" if r is None else "%.2fx" % r


def better_linux(runs, key, metric, lower_is_better=False):
    """The better of the Linux runs for one job (by median over repeated
    runs): (value, run name, job record)."""
    best = None
    for name in ("linux", "linux_noerms"):
        run = runs.get(name)
        if not run:
            continue
        for j in run.get("jobs", []):
            if job_key(j) == key and j.get(metric) is not None:
                v = float(j[metric])
                if best is None or (v < best[0] if lower_is_better else v > best[0]):
                    best = (v, name, j)
    return best


def micro(run, name):
    for m in run.get("micro", []):
        if m.get("micro") == name:
            return m
    return None


def jobs_table(run):
    """Every job; over several runs each figure is 'median (min-max)'."""
    lines = ["| job | ios | IOPS | MB/s | avg us | p50 us | p99 us | p99.9 us | max us |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for j in run.get("jobs", []):
        us = lambda k: fmt_spread(j, k, 1, 1000)
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            job_label(j), fmt_spread(j, "ios"), fmt_spread(j, "iops"),
            fmt_spread(j, "MBps", 1), us("lat_avg_ns"), us("lat_p50_ns"),
            us("lat_p99_ns"), us("lat_p999_ns"), us("lat_max_ns")))
    return lines


def micro_table(run):
    lines = ["| micro-benchmark | ns/op | TSC/op | ops | MB/s |", "|---|---:|---:|---:|---:|"]
    for m in run.get("micro", []):
        lines.append("| %s | %s | %s | %s | %s |" % (
            m["micro"] + (" (unstable)" if m.get("unstable") else ""), fmt_spread(m, "ns_per_op", 2), fmt_spread(m, "tsc_per_op", 2),
            fmt_num(m.get("ops")), fmt_spread(m, "MBps", 1) if m.get("MBps") else "-"))
    return lines


def same_job(a, b):
    """Two sides' records of one job file job describe the same I/O (fio
    merges a whole group when one of its jobs has group_reporting, so a
    name alone can match a different report)."""
    return all(a.get(k) == b.get(k) for k in ("dev", "rw", "bs", "qd"))


def unmatched(runs):
    """Job file jobs whose Linux report (same name and place) describes
    other I/O: (pfnos label, Linux label)."""
    out = []
    for j in runs.get("pfnos", {}).get("jobs", []):
        li = better_linux(runs, job_key(j), "iops")
        if li and "jobname" in j and not same_job(j, li[2]):
            out.append((job_label(j), job_label(li[2])))
    return out


def comparison(runs):
    """Rows (pfnos job, better Linux by IOPS, better Linux by p50, IOPS
    ratio, p50 ratio, IOPS ratio range, p50 ratio range) for every pfnos job
    that Linux also ran. Ratios are of medians; a range (None for single
    runs) goes from the lowest to the highest ratio the two sides' min-max
    ranges allow."""
    rows = []
    for j in runs["pfnos"].get("jobs", []):
        key = job_key(j)
        li = better_linux(runs, key, "iops")
        lp = better_linux(runs, key, "lat_p50_ns", lower_is_better=True)
        if not li or not same_job(j, li[2]):
            continue
        r_iops = float(j["iops"]) / li[0] if li[0] else None
        r_p50 = float(j["lat_p50_ns"]) / lp[0] if lp and lp[0] and j.get("lat_p50_ns") else None
        g_iops = ratio_range(spread(j, "iops"), spread(li[2], "iops"))
        g_p50 = ratio_range(spread(j, "lat_p50_ns"), spread(lp[2], "lat_p50_ns")) if lp else None
        rows.append((j, li, lp, r_iops, r_p50, g_iops, g_p50))
    return rows


def find_job(run, kind, rw, bs, qd, poll=0):
    for j in run.get("jobs", []):
        if job_key(j) == (kind, rw, bs, qd, poll):
            return j
    return None


def targets(runs):
    """The issue's targets that the data allows to check:
    (target, measured, PASS/MISS/n/a)."""
    out = []
    p = runs.get("pfnos", {})
    have_linux = "linux" in runs or "linux_noerms" in runs

    def vs_linux(desc, kind, rw, bs, qd, poll, metric, factor, lower=False):
        j = find_job(p, kind, rw, bs, qd, poll)
        best = better_linux(runs, (kind, rw, bs, qd, poll), metric, lower) if have_linux else None
        if not j or not best:
            out.append((desc, "not measured", "n/a"))
            return
        v = float(j[metric])
        ok = v <= best[0] * factor if lower else v >= best[0] * factor
        g = ratio_range(spread(j, metric), spread(best[2], metric))
        out.append((desc, "pfnos %s vs %s %s (%s)" % (
            fmt_spread(j, metric), RUN_LABELS[best[1]], fmt_spread(best[2], metric),
            fmt_ratio_range(v / best[0] if best[0] else None, g)), "PASS" if ok else "MISS"))

    vs_linux("pmem 4k randread qd1 >= 3x Linux IOPS", "pmem", "randread", 4096, 1, 0, "iops", 3)
    vs_linux("pmem 4k randwrite qd1 >= 3x Linux IOPS", "pmem", "randwrite", 4096, 1, 0, "iops", 3)
    best_copy = micro(p, "memcpy_1m")
    for rw in ("read", "write"):
        j = find_job(p, "pmem", rw, 1 << 20, 1)
        if j and best_copy and best_copy.get("MBps"):
            frac = float(j["MBps"]) / float(best_copy["MBps"])
            out.append(("pmem 1m %s >= 80%% of memcpy_1m" % rw,
                        "%s of %s MB/s (%.0f%%)" % (fmt_num(j["MBps"]), fmt_num(best_copy["MBps"]), frac * 100),
                        "PASS" if frac >= 0.8 else "MISS"))
        else:
            out.append(("pmem 1m %s >= 80%% of memcpy_1m" % rw, "not measured", "n/a"))
        vs_linux("pmem 1m %s >= 1.5x better Linux MB/s" % rw, "pmem", rw, 1 << 20, 1, 0, "MBps", 1.5)
    vs_linux("NVMe 4k randread qd1 poll: p50 <= 1/2 Linux polled p50", "nvme", "randread", 4096, 1, 1,
             "lat_p50_ns", 0.5, lower=True)
    vs_linux("NVMe 4k randread qd32 >= 2x Linux IOPS", "nvme", "randread", 4096, 32, 0, "iops", 2)
    vs_linux("NVMe 128k read qd8 >= Linux MB/s", "nvme", "read", 128 << 10, 8, 0, "MBps", 1)
    vs_linux("NVMe 128k write qd8 >= Linux MB/s", "nvme", "write", 128 << 10, 8, 0, "MBps", 1)
    copy4k = None
    pw = micro(p, "pmem_write_4k")
    if best_copy and best_copy.get("MBps"):
        copy4k = 4096 / float(best_copy["MBps"]) * 1000     # ns for 4 KiB at the best rate
    for name in ("kmap_atomic_pfn_t", "bio_null"):
        m = micro(p, name)
        if m and copy4k:
            out.append(("%s < one 4 KiB copy" % name, "%s ns vs %.0f ns" % (fmt_num(m["ns_per_op"], 1), copy4k),
                        "PASS" if float(m["ns_per_op"]) < copy4k else "MISS"))
        else:
            out.append(("%s < one 4 KiB copy" % name, "not measured", "n/a"))
    if pw:
        out.append(("pmem 4 KiB write incl. flush (for scale)", "%s ns" % fmt_num(pw["ns_per_op"], 1), "info"))
    z, b = micro(p, "nvme_to_pmem_zerocopy"), micro(p, "nvme_to_pmem_bounce")
    if z and b and b.get("MBps"):
        r = float(z["MBps"]) / float(b["MBps"])
        g = ratio_range(spread(z, "MBps"), spread(b, "MBps"))
        out.append(("NVMe->pmem zero-copy >= 1.5x bounced", "%s vs %s MB/s (%s)" % (
            fmt_spread(z, "MBps"), fmt_spread(b, "MBps"), fmt_ratio_range(r, g)),
            "PASS" if r >= 1.5 else "MISS"))
    else:
        out.append(("NVMe->pmem zero-copy >= 1.5x bounced", "not measured", "n/a"))
    pb = p.get("boot_s")
    lb = [runs[n]["boot_s"] for n in ("linux", "linux_noerms") if runs.get(n, {}).get("boot_s")]
    if pb and lb:
        out.append(("boot to prompt <= 1/5 of Linux to first user process",
                    "%.2f s vs %.2f s (%.2fx)" % (pb, min(lb), pb / min(lb)),
                    "PASS" if pb <= min(lb) / 5 else "MISS"))
    else:
        out.append(("boot to prompt <= 1/5 of Linux to first user process", "not measured", "n/a"))
    return out


def ns_job(run, dev, rw):
    for j in (run or {}).get("jobs", []):
        if j.get("dev") == dev and j.get("rw") == rw and j.get("bs") == 4096 and j.get("qd") == 1:
            return j
    return None


def namespace_rows(ns):
    """Issue 12's comparisons from results.json's "namespaces" (bench.py
    run_namespaces): [(target, measured, result)]. pfnos pmem2s (its BTT) against
    the better Linux run on Linux's BTT; fsdax pmem1 against raw pmem0 in the
    same pfnos boot, "the same" meaning within 10%."""
    out = []
    p = ns.get("pfnos", {})
    for rw, factor in (("randwrite", 2), ("randread", 3)):
        desc = "pmem0s (BTT) 4k %s qd1 >= %dx Linux's BTT IOPS" % (rw, factor)
        j = ns_job(p, "pmem2s", rw)
        best = None
        for name in ("linux", "linux_noerms"):
            lj = ns_job(ns.get(name), "pmem2s", rw)
            if lj and (best is None or lj["iops"] > best[0]):
                best = (float(lj["iops"]), name)
        if not j or not best or not best[0]:
            out.append((desc, "not measured", "n/a"))
            continue
        r = float(j["iops"]) / best[0]
        out.append((desc, "pfnos %s vs %s %s (%s)" % (fmt_num(j["iops"]), RUN_LABELS[best[1]],
                                                      fmt_num(best[0]), fmt_ratio(r)),
                    "PASS" if r >= factor else "MISS"))
    listed = []
    for line in p.get("ns_list", []):
        try:
            listed.append(json.loads(line))
        except ValueError:
            pass
    fsdax = any(o.get("blockdev") == "pmem1" and o.get("mode") == "fsdax" for o in listed)
    for rw in ("randread", "randwrite"):
        desc = "fsdax pmem 4k %s qd1 = raw pmem (within 10%%)" % rw
        f, raw = ns_job(p, "pmem1", rw), ns_job(p, "pmem0", rw)
        if not fsdax:
            out.append((desc, "pfnos's ns list shows no fsdax pmem1", "n/a"))
            continue
        if not f or not raw or not raw.get("iops"):
            out.append((desc, "not measured", "n/a"))
            continue
        r = float(f["iops"]) / float(raw["iops"])
        out.append((desc, "fsdax %s vs raw %s IOPS (%s)" % (fmt_num(f["iops"]), fmt_num(raw["iops"]),
                                                            fmt_ratio(r)),
                    "PASS" if abs(r - 1) <= 0.1 else "MISS"))
    return out


def namespace_section(ns):
    """The report's lines for the namespace bench: every job, then notes."""
    L = ["## NVDIMM namespaces (issue 12)", "",
         "Three 256 MiB NVDIMMs: nd0 raw, nd1 fsdax map=dev and nd2 sector 4096, made by "
         "ndctl in Linux. Linux runs fio on its BTT device (listed as pmem2s), once with the "
         "default CPU and once with ERMS hidden; then pfnos boots on the same files and runs "
         "`bench` on pmem0 (raw), pmem1 (fsdax) and pmem2s (sector).", ""]
    for name in ("linux", "linux_noerms", "pfnos"):
        run = ns.get(name)
        if not run:
            continue
        L += ["%s (status %s):" % (RUN_LABELS.get(name, name), run.get("status")), ""]
        L += jobs_table(run)
        L.append("")
        if run.get("qemu_cmdline"):
            L += ["```", run["qemu_cmdline"], "```", ""]
        if run.get("notes"):
            L += ["Notes: " + " ".join(run["notes"]), ""]
    return L


def mem_label(mem):
    """'512M' -> '512 MiB', '4G' -> '4 GiB'."""
    return "%s %siB" % (mem[:-1], mem[-1]) if mem[-1:] in "MG" else mem


def boot_figures(row):
    """(best, median) entry-to-prompt microseconds of one RAM size, or None."""
    us = sorted(row.get("entry_to_prompt_us") or [])
    if not us:
        return None
    return us[0], us[len(us) // 2]


def boot_by_ram_table(run):
    lines = ["| RAM | best | median | every boot, ms |", "|---|---:|---:|---|"]
    for row in run.get("boot_by_ram", []):
        f = boot_figures(row)
        every = ", ".join("%.1f" % (u / 1000) for u in row.get("entry_to_prompt_us", []))
        if row.get("notes"):
            every += (" " if every else "") + "(%s)" % "; ".join(row["notes"])
        lines.append("| %s | %s | %s | %s |" % (
            mem_label(row["mem"]), "%.1f ms" % (f[0] / 1000) if f else "-",
            "%.1f ms" % (f[1] / 1000) if f else "-", every or "-"))
    return lines


def boot_targets(run):
    """Boot time per RAM size against the architecture issue's budget."""
    rows = {r["mem"]: boot_figures(r) for r in run.get("boot_by_ram", [])}
    n = {r["mem"]: len(r.get("entry_to_prompt_us") or []) for r in run.get("boot_by_ram", [])}
    out = []
    base, big = rows.get("512M"), rows.get("4G")
    desc = "pfnos kernel entry to prompt at 512 MiB <= 50 ms"
    if base:
        out.append((desc, "best of %d: %.1f ms" % (n["512M"], base[0] / 1000),
                    "PASS" if base[0] <= 50000 else "MISS"))
    else:
        out.append((desc, "not measured", "n/a"))
    desc = "pfnos boot at 4 GiB <= 10 ms above 512 MiB"
    if base and big:
        out.append((desc, "%.1f ms vs %.1f ms (%+.1f ms)" % (
            big[0] / 1000, base[0] / 1000, (big[0] - base[0]) / 1000),
            "PASS" if big[0] - base[0] <= 10000 else "MISS"))
    else:
        out.append((desc, "not measured", "n/a"))
    return out


def write_report(res, out):
    runs = res.get("runs", {})
    meta = res.get("meta", {})
    L = ["# pfnos I/O benchmarks", ""]
    L += ["Generated by `scripts/bench/report.py` from `results.json`. Under TCG only ratios "
          "measured in one invocation mean anything; each side is timed by its own guest clock.", ""]
    L += ["## Machine", ""]
    L.append("- host: %s" % meta.get("host_cpu", "?"))
    L.append("- started: %s, finished: %s" % (meta.get("started", "?"), meta.get("finished", "?")))
    if meta.get("pfnos_version"):
        L.append("- pfnos: %s" % meta["pfnos_version"])
    if meta.get("job"):
        L.append("- job file: %s (instead of the job matrix)" % meta["job"])
    for name, run in runs.items():
        L.append("- %s: accelerator %s, guest CPU %s (QEMU -cpu %s), %s - %s" % (
            RUN_LABELS.get(name, name), run.get("accel", "?"), run.get("guest_cpu", "?"),
            run.get("cpu", "?"), run.get("started", "?"), run.get("finished", "?")))
    L.append("")
    for name, run in runs.items():
        if run.get("qemu_cmdline"):
            L += ["QEMU command line (%s):" % RUN_LABELS.get(name, name), "", "```",
                  run["qemu_cmdline"], "```", ""]
            if name.startswith("linux"):
                L += ["(The Linux side boots through the same launcher: its "
                      "`linux/boot/pfnos.elf` is a link to Debian's vmlinuz, "
                      "started with `--boot kernel` and `-initrd`/`-append`.)", ""]
    if runs.get("pfnos") and ("linux" in runs or "linux_noerms" in runs):
        n = max(int(runs[k].get("n_runs", 1)) for k in runs if runs[k])
        L += ["## pfnos against Linux", "",
              "Ratios pfnos/Linux against the better of the Linux runs (default CPU and ERMS hidden); "
              "IOPS: higher is better for pfnos, p50 latency: lower is better."
              + ("" if n < 2 else
                 " Each side ran %d times, interleaved: figures are medians with the min-max "
                 "range in brackets, ratios are of medians with the range the two sides' ranges "
                 "allow; a ratio whose range reaches 1.0 is marked within noise." % n), "",
              "| job | pfnos IOPS | Linux IOPS | IOPS ratio | pfnos p50 us | Linux p50 us | p50 ratio |",
              "|---|---:|---:|---:|---:|---:|---:|"]
        for j, li, lp, r_iops, r_p50, g_iops, g_p50 in comparison(runs):
            L.append("| %s | %s | %s (%s) | %s | %s | %s | %s |" % (
                job_label(j), fmt_spread(j, "iops"), fmt_spread(li[2], "iops"), RUN_LABELS[li[1]],
                fmt_ratio_range(r_iops, g_iops), fmt_spread(j, "lat_p50_ns", 1, 1000),
                fmt_spread(lp[2], "lat_p50_ns", 1, 1000) if lp else "-",
                fmt_ratio_range(r_p50, g_p50)))
        L.append("")
        for mine, theirs in unmatched(runs):
            L += ["Not compared: pfnos's `%s` against Linux's `%s` (fio reports that job "
                  "differently, e.g. a group merged by group_reporting)." % (mine, theirs), ""]
    if any(run.get("boot_s") is not None for run in runs.values()):
        L += ["## Boot time", "",
              "| run | QEMU start to prompt / first user process (host clock) | guest's own figure |",
              "|---|---:|---|"]
        for name, run in runs.items():
            if run.get("boot_s") is not None:
                L.append("| %s | %.2f s | %s |" % (RUN_LABELS.get(name, name), run["boot_s"],
                                                   run.get("guest_boot", "-")))
        L.append("")
    p = runs.get("pfnos", {})
    if p.get("boot_by_ram"):
        L += ["## Boot time by RAM size", "",
              "pfnos's own `boot: kernel entry to prompt` figure (guest TSC), booted with "
              "`--boot kernel --mem SIZE` straight to power-off, pinned like the jobs. "
              "A busy host only adds time: the best boot is the figure, the median shows the spread.",
              ""]
        L += boot_by_ram_table(p)
        L.append("")
    if runs.get("pfnos_smp2") or runs.get("linux_smp2"):
        L += ["## Scaling: numjobs over two CPUs (--smp 2, QEMU unpinned)", "",
              "Aggregate IOPS at numjobs=1 and numjobs=2 (group_reporting) in one boot each; "
              "QEMU's device emulation runs on its main thread beside the two vCPU threads "
              "on the host's CPUs.", "",
              "| job | pfnos 1 | pfnos 2 | pfnos 2/1 | Linux 1 | Linux 2 | Linux 2/1 | pfnos/Linux at 2 |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for label, p1, p2, pr, l1, l2, lr, pl in scaling(runs):
            L.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                label, fmt_num(p1), fmt_num(p2), fmt_ratio(pr), fmt_num(l1), fmt_num(l2),
                fmt_ratio(lr), fmt_ratio(pl)))
        ps = runs.get("pfnos_smp2", {})
        alone, busy = micro(ps, "kmap_atomic_pfn_t"), micro(ps, "kmap_atomic_pfn_t_others_busy")
        if alone:
            L.append("")
            L.append("kmap_atomic_pfn_t map+unmap: %s ns alone, %s with the other CPU mapping "
                     "at full speed (%s)" % (
                         fmt_num(alone.get("ns_per_op"), 1),
                         fmt_num(busy.get("ns_per_op"), 1) if busy else "-",
                         fmt_ratio(busy["ns_per_op"] / alone["ns_per_op"])
                         if busy and alone.get("ns_per_op") else "-"))
        L.append("")
    ns = res.get("namespaces") or {}
    if ns:
        L += namespace_section(ns)
    L += ["## Targets", "", "| target | measured | result |", "|---|---|---|"]
    io = targets(runs) if any(r.get("jobs") for r in runs.values()) else []
    io += namespace_rows(ns) if ns else []
    if meta.get("job"):
        io = [t for t in io if t[2] != "n/a"]    # a job file measures what it says
    for t, m, r in io + (boot_targets(p) if p.get("boot_by_ram") else []):
        L.append("| %s | %s | %s |" % (t, m, r))
    L.append("")
    for name, run in runs.items():
        if not run.get("jobs") and not run.get("micro") and not run.get("notes"):
            continue
        L += ["## Every job: %s" % RUN_LABELS.get(name, name), ""]
        L += jobs_table(run)
        L.append("")
        if run.get("micro"):
            L += micro_table(run)
            L.append("")
        if run.get("overwrote"):
            L += ["Ranges overwritten: " + "; ".join(run["overwrote"]), ""]
        if run.get("notes"):
            L += ["Notes: " + " ".join(run["notes"]), ""]
    if res.get("plots"):
        L += ["## Plots", ""]
        for p in res["plots"]:
            L.append("![%s](%s)" % (p, p))
        L.append("")
    (out / "report.md").write_text("\n".join(L))


def plot_columns(rec, metric, scale):
    """'median low high' of one bar (the run's min-max as its error bar;
    a single run's bar has none), or '- - -' when the job is missing."""
    if rec is None or rec.get(metric) is None:
        return "- - -"
    v = float(rec[metric]) / scale
    sp = spread(rec, metric) or (float(rec[metric]), float(rec[metric]))
    return "%g %g %g" % (v, sp[0] / scale, sp[1] / scale)


def plots(res, out):
    """IOPS and p99 latency per job, one bar per side (the median of its
    runs) with the min-max range over the runs as an error bar; PNG and
    SVG."""
    if not shutil.which("gnuplot"):
        print("report.py: gnuplot not found: no plots (scripts/deps.sh bench)", file=sys.stderr)
        return []
    runs = res.get("runs", {})
    names = [n for n in ("pfnos", "linux", "linux_noerms") if n in runs]
    keys, labels = [], {}
    for n in names:
        for j in runs[n].get("jobs", []):
            k = job_key(j)
            if k not in labels:
                keys.append(k)
                labels[k] = job_label(j).replace(" ", "\\n", 1)
    made = []
    if not keys:    # nothing of the job matrix ran (--namespaces=only, --scaling)
        return made
    for metric, title, scale, fname in (("iops", "IOPS (higher is better)", 1, "iops"),
                                        ("lat_p99_ns", "p99 latency, us (lower is better)", 1000, "p99")):
        dat = out / ("%s.dat" % fname)
        with open(dat, "w") as f:
            f.write("# job, then per run: median min max\n")
            for k in keys:
                vals = []
                for n in names:
                    rec = None
                    for j in runs[n].get("jobs", []):
                        if job_key(j) == k:
                            rec = j
                    vals.append(plot_columns(rec, metric, scale))
                f.write('"%s" %s\n' % (labels[k], " ".join(vals)))
        for term, ext in (("pngcairo size 1400,700", "png"), ("svg size 1400,700", "svg")):
            img = "%s.%s" % (fname, ext)
            script = "\n".join([
                "set terminal %s" % term, 'set output "%s"' % (out / img),
                'set title "%s by device, block size and queue depth"' % title,
                "set style data histograms", "set style histogram errorbars gap 1 lw 1",
                "set style fill solid 0.8 border -1", "set logscale y", "set grid ytics",
                "set xtics rotate by -30 font ',9'", "set key top right", "set datafile missing '-'",
                "array T[%d] = [%s]" % (len(names), ", ".join('"%s"' % RUN_LABELS[n] for n in names)),
                "set key noenhanced",
                'plot for [i=0:%d] "%s" using 2+3*i:3+3*i:4+3*i:xtic(1) title T[i+1]'
                % (len(names) - 1, dat),
            ])
            r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
            if r.returncode != 0 and ext == "png":
                script = script.replace("pngcairo", "png")
                r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
            if r.returncode == 0:
                made.append(img)
            else:
                print("report.py: gnuplot failed for %s: %s" % (img, r.stderr.strip()), file=sys.stderr)
    return made


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results")
    ap.add_argument("--out", help="directory for report.md and plots (default: the results' directory)")
    ap.add_argument("--no-plots", action="store_true")
    a = ap.parse_args(argv)
    res = json.loads(Path(a.results).read_text())
    out = Path(a.out) if a.out else Path(a.results).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    res["plots"] = [] if a.no_plots else plots(res, out)
    write_report(res, out)
    print("report.py: wrote %s" % (out / "report.md"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
