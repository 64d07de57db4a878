#!/usr/bin/env python3
"""bench.py - run the I/O benchmarks and collect build/bench/results.json.

    scripts/bench/bench.py [--build DIR] [--out DIR] [--pin CPU] [--quick]
                           [--pfnos] [--linux] [--boot-only] [--scaling] [--no-plots]
                           [--job FILE] [--runs N]

--pfnos boots pfnos (scripts/pfnos-qemu --boot kernel, pinned with --pin,
default CPU 0) with run="bench-suite; poweroff" and parses its BENCH lines;
then boots it straight to power-off five times (once with --quick) per RAM
size of BOOT_RAM_SIZES and keeps each boot's "kernel entry to prompt"
figure, so that boot time growing with RAM shows (--boot-only: just that);
Then (issue 11) one unpinned boot with --smp 2 runs pmem 4k randread and
randwrite qd 1 and NVMe 4k randread qd 32 at numjobs=1 and numjobs=2
(group_reporting) and bench-micro kmap, for the scaling figures
(--scaling: only those, for pfnos and, with --linux, for Linux).
--linux boots Debian's kernel with the initramfs of
scripts/bench/linux-initramfs.sh (built first if missing) twice: with the
default CPU and with ERMS hidden (-cpu max,-erms), and parses fio's JSON.
Both in one invocation: bench-compare. With --pfnos (and --namespaces
only, alone) it also runs the NVDIMM namespace bench of issue 12
(run_namespaces): Linux's BTT with fio against pfnos's pmem0s, fsdax
against raw; its results go under "namespaces" in results.json. Every guest runs in the identical
machine (the launcher's, same NVDIMM and NVMe backing files under OUT),
one after the other, pinned to the same host CPU. Boot time is the host
clock from starting the launcher to the guest's "boot: kernel entry to
prompt" line (pfnos) or its init's first line (Linux).

--job FILE runs an fio job file instead of the matrix: pfnos gets it with
the launcher's --job (run="poweroff" after it, no boot-time runs), Linux
gets a copy whose filename= device names are mapped to /dev/ (OUT/linux.fio)
through the same fw_cfg item and runs it with fio --output-format=json+.
pfnos's BENCH-FIO lines become OUT/pfnos.fio.json (scripts/bench/fiojson.py),
Linux's JSON is kept as fio wrote it in OUT/linux.fio.json and
OUT/linux_noerms.fio.json; both sides' jobs are read from those files.

--runs N runs each side N times, interleaved (pfnos, Linux, Linux -erms,
pfnos, ...); the report gives medians and min-max ranges
(report.aggregate). Run k > 1 keeps its files as OUT/<side>.<k>.serial and
OUT/<side>.<k>.fio.json.

Writes OUT/results.json (all runs of this invocation), each guest's serial
output as OUT/<run>.serial, then OUT/report.md and plots through
scripts/bench/report.py. OUT defaults to BUILD/bench.
"""

import argparse
import datetime
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
LAUNCHER = REPO / "scripts" / "pfnos-qemu"
sys.path.insert(0, str(HERE))
import fiojson  # noqa: E402
import report  # noqa: E402

INT_FIELDS = ("bs", "qd", "poll", "rwmixread", "ios", "iops", "ops", "passes", "warm", "numjobs", "job")
BOOT_RAM_SIZES = ("64M", "512M", "2G", "4G")
BOOT_LINE = re.compile(r"^boot: kernel entry to prompt (\d+) us$", re.M)


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def dev_kind(dev):
    for k in ("pmem", "nvme", "null"):
        if dev.startswith(k):
            return k
    return dev


def parse_kv(line):
    d = {}
    for w in line.split()[1:]:
        if w == "unstable":     # a micro-benchmark whose warm-up did not settle
            d["unstable"] = 1
        if "=" not in w:
            continue
        k, v = w.split("=", 1)
        if k in ("dev", "rw", "micro") or "+" in v:    # a job file's group: dev=a+b bs=4096+8192
            d[k] = v
        elif k in INT_FIELDS or k.endswith("_ns") or k.endswith("_ios") or k.endswith("_iops"):
            d[k] = int(v)
        else:
            try:
                d[k] = float(v)
            except ValueError:
                d[k] = v
    return d


def parse_pfnos(text):
    """BENCH lines and the surrounding facts from a pfnos serial log."""
    run = {"jobs": [], "micro": [], "overwrote": [], "notes": []}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("BENCH micro="):
            run["micro"].append(parse_kv(line))
        elif re.match(r"BENCH (job=\d+ )?dev=", line):     # job=<k>: one numjobs clone
            j = parse_kv(line)
            j["kind"] = dev_kind(j["dev"])
            run["jobs"].append(j)
        elif line.startswith("bench-suite: overwrote "):
            run["overwrote"].append(line[len("bench-suite: overwrote "):])
        elif "bench: micro" in line and "skipped" in line:
            run["notes"].append(line.split("bench: ", 1)[1] + ".")
        m = re.search(r"\] cpu: (.*?), \d+ physical address bits", line)
        if m:
            run["guest_cpu"] = m.group(1)
        m = re.match(r"boot: kernel entry to prompt (\d+) us", line)
        if m:
            run["guest_boot"] = "kernel entry to prompt %.3f s (TSC)" % (int(m.group(1)) / 1e6)
    return run


def fio_job(meta, data):
    """One fio JSON result as a job record in pfnos's field names."""
    j = data["jobs"][0]
    side = j["write"] if "write" in meta["rw"] else j["read"]
    lat = side.get("lat_ns", {})
    pct = lat.get("percentile") or side.get("clat_ns", {}).get("percentile", {})

    def p(k):
        for key in (k, k + "00000"):
            if key in pct:
                return int(pct[key])
        return None
    bs = meta["bs"]
    mult = {"k": 1 << 10, "m": 1 << 20}.get(bs[-1], 1)
    rec = {
        "dev": meta["dev"], "kind": dev_kind(meta["dev"]), "rw": meta["rw"],
        "bs": int(bs.rstrip("km")) * mult, "qd": int(meta["qd"]), "poll": int(meta["poll"]),
        "rwmixread": 100 if "read" in meta["rw"] else 0,
        "ios": int(side.get("total_ios", 0)), "iops": int(round(side.get("iops", 0))),
        "MBps": side.get("bw_bytes", 0) / 1e6,
        "lat_avg_ns": int(lat.get("mean", 0)), "lat_max_ns": int(lat.get("max", 0)),
        "lat_p50_ns": p("50.0"), "lat_p99_ns": p("99.0"), "lat_p999_ns": p("99.9"),
    }
    if "numjobs" in meta:
        rec["numjobs"] = int(meta["numjobs"])
    return rec


def parse_linux(text):
    run = {"jobs": [], "micro": [], "notes": []}
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("BENCH-LINUX cpu "):
            run["guest_cpu"] = line[len("BENCH-LINUX cpu "):]
        elif line.startswith("BENCH-LINUX uptime "):
            run["guest_boot"] = "uptime at init %s s (kernel clock)" % line.split()[2]
        elif line.startswith("BENCH-LINUX skip"):
            run["notes"].append(line[len("BENCH-LINUX "):] + ".")
        elif line.startswith("FIO-JOB "):
            meta = dict(w.split("=", 1) for w in line.split()[1:])
            body = []
            i += 1
            while i < len(lines) and lines[i].strip() != "FIO-END":
                body.append(lines[i])
                i += 1
            raw = "\n".join(body)
            try:
                start = raw.index("{")
                run["jobs"].append(fio_job(meta, json.loads(raw[start:raw.rindex("}") + 1])))
            except (ValueError, KeyError, IndexError) as e:
                run["notes"].append("fio %s %s bs=%s qd=%s: no result (%s)." % (
                    meta.get("dev"), meta.get("rw"), meta.get("bs"), meta.get("qd"), str(e)[:80]))
        i += 1
    return run


# ------------------------------------------------------------- job files
# Device names in pfnos's terms (filename=pmem0) and Linux's (/dev/pmem0);
# pmem0s is the sector-mode (BTT) namespace.
DEV_NAME = re.compile(r"^(pmem\d+s?|nvme\d+n\d+)$")
FILENAME = re.compile(r"^(\s*filename\s*=\s*)(\S(?:.*\S)?)(\s*)$")
SYNC_ENGINES = ("sync", "psync", "pvsync", "pvsync2")


def map_filenames(text, fn):
    """A job file with fn applied to each name of every filename= line
    (names separated by ':', as in fio); every other byte unchanged."""
    out = []
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        eol = line[len(body):]
        m = FILENAME.match(body)
        if m and not body.lstrip().startswith(("#", ";")):
            body = m.group(1) + ":".join(fn(n) for n in m.group(2).split(":")) + m.group(3)
        out.append(body + eol)
    return "".join(out)


def linux_dev(name):
    """pmem0 -> /dev/pmem0 (Linux's name for the same device)."""
    return "/dev/" + name if DEV_NAME.match(name) else name


def pfnos_dev(name):
    """/dev/pmem0 -> pmem0."""
    return name[5:] if name.startswith("/dev/") and DEV_NAME.match(name[5:]) else name


def fio_size(s, default=4096):
    """fio's sizes: 4k, 4KiB, 1m, 128K ... (powers of 1024); the first of
    a read,write pair."""
    s = str(s or "").split(",")[0].strip().lower()
    m = re.match(r"^(\d+)\s*([kmgt]?)(i?b)?$", s)
    if not m:
        return default
    return int(m.group(1)) << (10 * " kmgt".index(m.group(2) or " "))


def fio_records(doc):
    """fio json+ (either side's) -> job records in pfnos's field names, one
    per element of jobs[] (a group with group_reporting), keyed by job name
    and its place among jobs of that name."""
    g = doc.get("global options", {})
    seen = {}
    recs = []
    for j in doc.get("jobs", []):
        if "jobname" not in j:
            continue    # fio's empty element for a group merged away (groupid -1)
        o = dict(g)
        o.update(j.get("job options", {}))
        rw = o.get("rw", o.get("readwrite", "read"))
        eng = o.get("ioengine", "psync")
        qd = 1 if eng in SYNC_ENGINES else int(o.get("iodepth", "1") or 1)
        dirs = [d for d in ("read", "write") if j[d].get("total_ios")]
        main = max(dirs, key=lambda d: j[d]["total_ios"]) if dirs else "read"
        side = j[main]
        lat = side.get("lat_ns", {})
        if "percentile" not in lat:
            lat = side.get("clat_ns", {})
        pct = lat.get("percentile", {})
        name = j["jobname"]
        idx = seen.get(name, 0)
        seen[name] = idx + 1
        dev = pfnos_dev(str(o.get("filename", "?")).split(":")[0])
        recs.append({
            "jobname": name, "jobidx": idx, "groupid": j.get("groupid", 0),
            "dev": dev, "kind": dev_kind(dev), "rw": rw, "bs": fio_size(o.get("bs", o.get("blocksize"))),
            "qd": qd, "poll": 1 if o.get("hipri", "0") not in ("0",) and "hipri" in o else 0,
            "ios": sum(j[d].get("total_ios", 0) for d in ("read", "write")),
            "iops": sum(float(j[d].get("iops", 0)) for d in ("read", "write")),
            "MBps": sum(j[d].get("bw_bytes", 0) for d in ("read", "write")) / 1e6,
            "lat_avg_ns": int(lat.get("mean", 0)), "lat_max_ns": int(lat.get("max", 0)),
            "lat_p50_ns": pct.get("50.000000"), "lat_p99_ns": pct.get("99.000000"),
            "lat_p999_ns": pct.get("99.900000"),
        })
    return recs


def suffix(rep):
    """File name part of run rep (0-based): '' for the first, '.2' ..."""
    return "" if rep == 0 else ".%d" % (rep + 1)


def boot_guest(args, marker, log_path, timeout):
    """Run the launcher; return (status, text, seconds to marker, qemu cmdline)."""
    t0 = time.monotonic()
    proc = subprocess.Popen([str(LAUNCHER)] + args, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    buf = bytearray()
    boot_s = None
    deadline = t0 + timeout
    os.set_blocking(proc.stdout.fileno(), False)
    while True:
        chunk = None
        try:
            chunk = proc.stdout.read()
        except BlockingIOError:
            pass
        if chunk:
            buf += chunk
            if boot_s is None and marker.encode() in buf:
                boot_s = time.monotonic() - t0
        elif proc.poll() is not None:
            rest = proc.stdout.read()
            if rest:
                buf += rest
            break
        else:
            time.sleep(0.005)
        if time.monotonic() > deadline:
            proc.kill()
            break
    proc.wait()
    err = proc.stderr.read().decode(errors="replace")
    text = buf.decode(errors="replace").replace("\r\n", "\n")
    log_path.write_text(text)
    cmd = ""
    for l in err.splitlines():
        if l.startswith("pfnos-qemu: ") and ("qemu-system" in l):
            cmd = l[len("pfnos-qemu: "):]
            break
    if proc.returncode != 0:
        print("bench.py: %s: launcher status %s: %s" % (log_path.name, proc.returncode,
                                                         err.strip().splitlines()[-1:] or ""),
              file=sys.stderr)
    return proc.returncode, text, boot_s, cmd


def qemu_facts(cmd):
    w = shlex.split(cmd) if cmd else []
    accel = w[w.index("-accel") + 1] if "-accel" in w else "?"
    cpus = [w[i + 1] for i, x in enumerate(w) if x == "-cpu" and i + 1 < len(w)]
    return accel.upper(), cpus[-1] if cpus else "?"


def write_zeroed(path, size):
    """path as size bytes of zeros, written and synced, not sparse: in QEMU
    the guest's first touch of a hole (or of a page under writeback) costs a
    host page fault, milliseconds each, which whichever job comes first pays
    (measured: example.fio's pmem psync 4k randread over a fresh sparse 1 GiB
    file, 140 IOPS at p50 6.7 ms, against 196k on touched pages)."""
    with open(path, "wb") as fh:
        for _ in range(size >> 20):
            fh.write(bytes(1 << 20))
        fh.flush()
        os.fsync(fh.fileno())


def prepare_job_files(a):
    """Before a job file runs on either side: the default NVDIMM and NVMe
    backing files (1 GiB each, the launcher's default) written with zeros
    once, so that both kernels read and write touched pages; a job file's
    range is anywhere on the device (fio's default is all of it)."""
    for name in ("pmem0.img", "nvme0.img"):
        f = a.out / name
        st = f.stat() if f.exists() else None
        if st is None or st.st_size != 1 << 30 or st.st_blocks * 512 < st.st_size:
            print("bench.py: writing %s with zeros (1 GiB, not sparse)" % f, file=sys.stderr)
            write_zeroed(f, 1 << 30)


def machine_args(a):
    return ["--pin", a.pin, "--pmem", str(a.out / "pmem0.img"), "--nvme", str(a.out / "nvme0.img")]


def run_pfnos(a, rep=0):
    if a.job:
        return run_pfnos_job(a, rep)
    print("bench.py: pfnos: bench-suite%s (QEMU pinned to CPU %s)" % (" quick" if a.quick else "", a.pin),
          file=sys.stderr)
    started = now_iso()
    script = "bench-suite quick; poweroff" if a.quick else "bench-suite; poweroff"
    st, text, boot_s, cmd = boot_guest(
        ["--build", str(a.build), "--boot", "kernel", "--timeout", "400",
         "--cmdline", 'run="%s"' % script] + machine_args(a),
        "boot: kernel entry to prompt", a.out / ("pfnos%s.serial" % suffix(rep)), 420)
    run = parse_pfnos(text)
    run.update(started=started, finished=now_iso(), boot_s=boot_s, qemu_cmdline=cmd, status=st)
    run["accel"], run["cpu"] = qemu_facts(cmd)
    if "bench-suite: done" not in text:
        run["notes"].append("bench-suite did not finish (launcher status %s)." % st)
    return run


def run_pfnos_job(a, rep):
    """pfnos runs the job file (--job, then power-off; test.exit=1 so a
    refused file is status 1); its BENCH-FIO lines -> OUT/pfnos.fio.json."""
    print("bench.py: pfnos: job file %s (QEMU pinned to CPU %s)" % (a.job, a.pin), file=sys.stderr)
    started = now_iso()
    st, text, boot_s, cmd = boot_guest(
        ["--build", str(a.build), "--boot", "kernel", "--timeout", str(a.job_timeout),
         "--job", str(a.job), "--cmdline", 'test.exit=1 run="poweroff"'] + machine_args(a),
        "boot: kernel entry to prompt", a.out / ("pfnos%s.serial" % suffix(rep)), a.job_timeout + 20)
    run = parse_pfnos(text)
    run["jobs"] = []
    run.update(started=started, finished=now_iso(), boot_s=boot_s, qemu_cmdline=cmd, status=st)
    run["accel"], run["cpu"] = qemu_facts(cmd)
    run["notes"] += [l.strip() + "." for l in text.splitlines() if l.startswith("error: ")]
    try:
        doc = fiojson.from_serial(text, a.job.read_text(errors="replace"))
    except fiojson.FioJsonError as e:
        run["notes"].append("No fio JSON (launcher status %s): %s." % (st, e))
        return run
    path = a.out / ("pfnos%s.fio.json" % suffix(rep))
    path.write_text(json.dumps(doc, indent=2) + "\n")
    run["fio_json"] = path.name
    run["jobs"] = fio_records(doc)
    return run


def run_boot_by_ram(a):
    """Boot time per RAM size: ([{"mem": size, "entry_to_prompt_us": [...]}],
    the QEMU command line and guest CPU of the last boot)."""
    boots = 1 if a.quick else 5
    print("bench.py: pfnos: boot time at %s, %d boot(s) each (QEMU pinned to CPU %s)"
          % (", ".join(BOOT_RAM_SIZES), boots, a.pin), file=sys.stderr)
    rows, cmd, text = [], "", ""
    for mem in BOOT_RAM_SIZES:
        row = {"mem": mem, "entry_to_prompt_us": []}
        for i in range(boots):
            st, text, _, cmd = boot_guest(
                ["--build", str(a.build), "--boot", "kernel", "--mem", mem, "--timeout", "60",
                 "--cmdline", 'run="poweroff"'] + machine_args(a),
                "\0", a.out / ("boot_%s_%d.serial" % (mem, i)), 70)
            m = BOOT_LINE.search(text)
            if st != 0 or not m:
                row.setdefault("notes", []).append("boot %d: status %s%s" % (
                    i, st, "" if m else ", no boot line"))
                continue
            row["entry_to_prompt_us"].append(int(m.group(1)))
        rows.append(row)
    return rows, cmd, parse_pfnos(text).get("guest_cpu", "?")


def ensure_linux(a):
    d = a.out / "linux"
    if not (d / "vmlinuz").exists() or not (d / "initramfs.cpio").exists() or \
       any((d / "initramfs.cpio").stat().st_mtime < (HERE / f).stat().st_mtime
           for f in ("linux-init.sh", "linux-initramfs.sh")):
        subprocess.run([str(HERE / "linux-initramfs.sh"), str(d)], check=True)
    boot = d / "boot"
    boot.mkdir(exist_ok=True)
    link = boot / "pfnos.elf"         # the launcher's -kernel: Linux's bzImage
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(d / "vmlinuz")
    return d


FIO_JSON = re.compile(r"^FIO-JSON-BEGIN (\d+) ([0-9a-f]{32})\n(.*?)\nFIO-JSON-END$", re.M | re.S)


def linux_fio_json(text):
    """The json+ file fio wrote in the guest, as it wrote it, from between
    FIO-JSON-BEGIN <bytes> <md5> and FIO-JSON-END (linux-init.sh); None
    with a reason when it is missing or arrived changed."""
    m = FIO_JSON.search(text)
    if not m:
        return None, "no FIO-JSON block in the serial log"
    body = m.group(3)
    if len(body.encode()) != int(m.group(1)) or \
       hashlib.md5(body.encode()).hexdigest() != m.group(2):
        return None, "fio's JSON arrived changed (%d bytes, %s md5 expected)" % (
            int(m.group(1)), m.group(2))
    return body, None


def run_linux_job(a, noerms, rep, name, extra, append):
    """Linux runs the job file (device names mapped to /dev/, handed over
    fw_cfg like pfnos's) with fio --output-format=json+; the JSON is kept
    as fio wrote it in OUT/<name>.fio.json."""
    d = a.out / "linux"
    job = a.out / "linux.fio"
    job.write_text(map_filenames(a.job.read_text(errors="replace"), linux_dev))
    started = now_iso()
    st, text, boot_s, cmd = boot_guest(
        ["--build", str(d / "boot"), "--boot", "kernel", "--timeout", str(a.job_timeout + 60),
         "--job", str(job),
         "--qemu-arg", "-initrd", "--qemu-arg", str(d / "initramfs.cpio"),
         "--qemu-arg", "-append", "--qemu-arg", append] + extra + machine_args(a),
        "BENCH-LINUX init", a.out / ("%s%s.serial" % (name, suffix(rep))), a.job_timeout + 80)
    run = parse_linux(text)
    run.update(started=started, finished=now_iso(), boot_s=boot_s, qemu_cmdline=cmd, status=st)
    run["accel"], run["cpu"] = qemu_facts(cmd)
    m = re.search(r"^BENCH-LINUX fio status (\d+)", text, re.M)
    if m and m.group(1) != "0":
        run["notes"].append("fio exited with status %s." % m.group(1))
    body, why = linux_fio_json(text)
    if body is None:
        run["notes"].append("No fio JSON (launcher status %s): %s." % (st, why))
        return run
    path = a.out / ("%s%s.fio.json" % (name, suffix(rep)))
    path.write_text(body)
    run["fio_json"] = path.name
    try:
        run["jobs"] = fio_records(json.loads(body[body.index("{"):]))
    except (ValueError, KeyError) as e:
        run["notes"].append("%s: not fio JSON (%s)." % (path.name, str(e)[:80]))
    return run


def run_linux(a, noerms, rep=0):
    d = ensure_linux(a)
    name = "linux_noerms" if noerms else "linux"
    print("bench.py: %s: %s (QEMU pinned to CPU %s)" % (
        name, "job file %s" % a.job if a.job else "fio matrix", a.pin), file=sys.stderr)
    # the CPU the launcher picks, with ERMS hidden when asked
    _, _, _, dry = boot_guest(["--build", str(d / "boot"), "--boot", "kernel", "--dry-run"]
                              + machine_args(a), "\0", a.out / (name + ".dry"), 30)
    accel, cpu = qemu_facts(dry)
    extra = []
    if noerms:
        extra = ["--qemu-arg", "-cpu", "--qemu-arg", cpu + ",-erms"]
    append = "console=ttyS0 quiet panic=-1 nvme.poll_queues=1" + (" BENCH_QUICK=1" if a.quick else "")
    if a.job:
        run = run_linux_job(a, noerms, rep, name, extra, append)
        kp = d / "kernel-package"
        if kp.exists():
            run["notes"].append("Kernel: %s." % kp.read_text().strip())
        return run
    started = now_iso()
    st, text, boot_s, cmd = boot_guest(
        ["--build", str(d / "boot"), "--boot", "kernel", "--timeout", "600",
         "--qemu-arg", "-initrd", "--qemu-arg", str(d / "initramfs.cpio"),
         "--qemu-arg", "-append", "--qemu-arg", append] + extra + machine_args(a),
        "BENCH-LINUX init", a.out / ("%s%s.serial" % (name, suffix(rep))), 620)
    run = parse_linux(text)
    run.update(started=started, finished=now_iso(), boot_s=boot_s, qemu_cmdline=cmd, status=st)
    run["accel"], run["cpu"] = qemu_facts(cmd)
    kp = d / "kernel-package"
    if kp.exists():
        run["notes"].append("Kernel: %s." % kp.read_text().strip())
    if "BENCH-LINUX done" not in text:
        run["notes"].append("The fio matrix did not finish (launcher status %s)." % st)
    return run


# ---------------------------------------------------------------- namespaces
# Issue 12: the NVDIMM namespace modes against each other and against Linux's
# BTT. Three NVDIMMs (NS_SIZE each) in OUT/ns: Linux (scripts/linux-qemu
# --fio, with the default CPU and with ERMS hidden, as run_linux) leaves
# nd0 raw and makes nd1 fsdax map=dev and nd2 sector 4096 with ndctl when
# they are not so yet, and runs fio 4k randread and randwrite qd 1 on the
# BTT device as linux-init.sh runs its jobs (psync, O_DIRECT, the last 64 MiB,
# --norandommap); then pfnos boots on the same files and runs `bench` on
# pmem0 (raw), pmem1 (fsdax) and pmem2s (its BTT over Linux's layout).
NS_SIZE = "256M"
NS_JOBS = (("randread", "4k"), ("randwrite", "4k"))


def ns_linux_script(a):
    ramp, runtime = ("100ms", "500ms") if a.quick else ("500ms", "2s")
    lines = [
        "ns1=$(nd_namespace 1) ns2=$(nd_namespace 2)",
        "ndctl list -n $ns1 | grep -q '\"mode\":\"fsdax\"' ||",
        "  ndctl create-namespace -f -e $ns1 -m fsdax -M dev >/dev/null || exit 1",
        "ndctl list -n $ns2 | grep -q '\"mode\":\"sector\"' ||",
        "  ndctl create-namespace -f -e $ns2 -m sector -l 4096 >/dev/null || exit 1",
        "d=$(ndctl list -n $ns2 | sed -n 's/.*\"blockdev\":\"\\([^\"]*\\)\".*/\\1/p')",
        "echo \"BENCH-LINUX cpu $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')\"",
        "echo \"BENCH-LINUX uptime $(cut -d' ' -f1 /proc/uptime)\"",
        "echo \"BENCH-LINUX BTT device /dev/$d, $(blockdev --getss /dev/$d)-byte sectors\"",
        "off=$(($(blockdev --getsize64 /dev/$d) - 64 * 1024 * 1024))",
    ]
    for rw, bs in NS_JOBS:
        lines += [
            "echo \"FIO-JOB dev=pmem2s rw=%s bs=%s qd=1 poll=0\"" % (rw, bs),
            "fio --name=bench --filename=/dev/$d --direct=1 --rw=%s --bs=%s --ioengine=psync "
            "--offset=$off --size=64m --norandommap --time_based --runtime=%s --ramp_time=%s "
            "--lat_percentiles=1 --percentile_list=50:99:99.9 --output-format=json 2>&1"
            % (rw, bs, runtime, ramp),
            "echo FIO-END",
        ]
    return "\n".join(lines) + "\n"


def ns_boot(cmd, marker, log_path, timeout):
    """Run cmd (a launcher); return (status, text, seconds to marker, QEMU
    command line from the launcher's stderr)."""
    t0 = time.monotonic()
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
        st, out, err = r.returncode, r.stdout, r.stderr
    except subprocess.TimeoutExpired as e:
        st, out, err = 124, e.stdout or b"", e.stderr or b""
    text = out.decode(errors="replace").replace("\r\n", "\n")
    log_path.write_text(text)
    err = err.decode(errors="replace")
    qcmd = next((l[len("pfnos-qemu: "):] for l in err.splitlines()
                 if l.startswith("pfnos-qemu: ") and "qemu-system" in l), "")
    if st != 0:
        print("bench.py: %s: status %s: %s" % (log_path.name, st, err.strip().splitlines()[-1:]),
              file=sys.stderr)
    i = text.find(marker)
    return st, text, (time.monotonic() - t0) if i >= 0 else None, qcmd


def run_namespaces(a):
    d = a.out / "ns"
    d.mkdir(exist_ok=True)
    # Fresh files, written with zeros and synced rather than sparse: the
    # guest's first store to a hole makes the host allocate the block, and
    # to a page still under writeback waits for it, a host page fault per
    # first write that whichever job comes first pays (measured: raw pmem
    # 4k randwrite p50 106 us on a fresh sparse file against 2 us reads).
    size = int(NS_SIZE[:-1]) << 20
    pmem = []
    for i in range(3):
        f = d / ("nd%d.img" % i)
        write_zeroed(f, size)
        pmem += ["--pmem", "%s:%s" % (f, NS_SIZE)]
    script = d / "linux-job.sh"
    script.write_text(ns_linux_script(a))
    res = {}
    dry = subprocess.run([str(LAUNCHER), "--build", str(a.build), "--boot", "kernel",
                          "--dry-run", "--pmem", "none", "--nvme", "none"],
                         capture_output=True, text=True).stderr
    _, cpu = qemu_facts(next((l[len("pfnos-qemu: "):] for l in dry.splitlines()
                              if "qemu-system" in l), ""))
    for name, extra in (("linux", []), ("linux_noerms", ["--qemu-arg", "-cpu",
                                                         "--qemu-arg", cpu + ",-erms"])):
        print("bench.py: namespaces: %s: fio on Linux's BTT (QEMU pinned to CPU %s)"
              % (name, a.pin), file=sys.stderr)
        started = now_iso()
        st, text, _, cmd = ns_boot(
            [str(REPO / "scripts" / "linux-qemu"), "--fio", "--build", str(a.build),
             "--pin", a.pin, "--nvme", "none", "--timeout", "300", "--script", str(script)]
            + extra + pmem, "LINUX-JOB init", d / (name + ".serial"), 320)
        run = parse_linux(text)
        run.update(started=started, finished=now_iso(), qemu_cmdline=cmd, status=st)
        run["accel"], run["cpu"] = qemu_facts(cmd)
        if st != 0:
            run["notes"].append("The Linux job failed (status %s)." % st)
        res[name] = run
    print("bench.py: namespaces: pfnos on raw, fsdax and sector (QEMU pinned to CPU %s)" % a.pin,
          file=sys.stderr)
    opts = " ramp_time=100ms runtime=500ms" if a.quick else ""
    cmds = ["bench %s rw=%s bs=%s%s" % (dev, rw, bs, opts)
            for dev in ("pmem0", "pmem1", "pmem2s") for rw, bs in NS_JOBS]
    started = now_iso()
    st, text, _, cmd = ns_boot(
        [str(LAUNCHER), "--build", str(a.build), "--boot", "kernel", "--pin", a.pin,
         "--nvme", "none", "--timeout", "300", "--cmdline",
         'run="ns list; %s; poweroff"' % "; ".join(cmds)] + pmem,
        "boot: kernel entry to prompt", d / "pfnos.serial", 320)
    run = parse_pfnos(text)
    run.update(started=started, finished=now_iso(), qemu_cmdline=cmd, status=st)
    run["accel"], run["cpu"] = qemu_facts(cmd)
    run["ns_list"] = [l.strip() for l in text.splitlines() if l.strip().startswith("{")]
    if st != 0:
        run["notes"].append("pfnos's run ended with status %s." % st)
    res["pfnos"] = run
    return res


# The scaling runs (issue 11): each job at numjobs=1 and numjobs=2 in one
# boot of a 2-vCPU machine, QEMU unpinned so both host CPUs serve it.
SMP_JOBS = (("pmem0", "randread", "4k", 1), ("pmem0", "randwrite", "4k", 1),
            ("nvme0n1", "randread", "4k", 32))


def smp_machine_args(a):
    return ["--smp", "2", "--pmem", str(a.out / "pmem0.img"), "--nvme", str(a.out / "nvme0.img")]


def run_pfnos_smp(a):
    print("bench.py: pfnos: numjobs 1 and 2 with --smp 2 (QEMU unpinned)", file=sys.stderr)
    t = "ramp_time=100ms runtime=500ms" if a.quick else "ramp_time=500ms runtime=2s"
    # touch the scratch areas once, untimed: the host's first touch of a
    # sparse backing file page is QEMU's cost, not the job's
    cmds = ["bench %s rw=write bs=1m qd=1 ramp_time=0 ios=64" % dev
            for dev in sorted({j[0] for j in SMP_JOBS})]
    cmds += ["bench %s rw=%s bs=%s qd=%d numjobs=%d group_reporting=1 %s" % (dev, rw, bs, qd, n, t)
             for dev, rw, bs, qd in SMP_JOBS for n in (1, 2)]
    started = now_iso()
    st, text, boot_s, cmd = boot_guest(
        ["--build", str(a.build), "--boot", "kernel", "--timeout", "200",
         "--cmdline", 'run="%s"' % "; ".join(cmds + ["cpus", "bench-micro kmap", "poweroff"])]
        + smp_machine_args(a), "boot: kernel entry to prompt", a.out / "pfnos_smp2.serial", 220)
    run = parse_pfnos(text)
    run.update(started=started, finished=now_iso(), boot_s=boot_s, qemu_cmdline=cmd, status=st)
    run["accel"], run["cpu"] = qemu_facts(cmd)
    run["cpus_online"] = len(re.findall(r"^cpu\d+ apic=\d+ online", text, re.M))
    run["jobs"] = [j for j in run["jobs"] if j.get("bs") != 1 << 20]   # the touch
    if len(run["jobs"]) != 2 * len(SMP_JOBS):
        run["notes"].append("%d of %d scaling jobs reported (launcher status %s)."
                            % (len(run["jobs"]), 2 * len(SMP_JOBS), st))
    return run


def run_linux_smp(a):
    d = ensure_linux(a)
    print("bench.py: linux: fio numjobs 1 and 2 with --smp 2 (QEMU unpinned)", file=sys.stderr)
    append = "console=ttyS0 quiet panic=-1 BENCH_SMP=1" + (" BENCH_QUICK=1" if a.quick else "")
    started = now_iso()
    st, text, boot_s, cmd = boot_guest(
        ["--build", str(d / "boot"), "--boot", "kernel", "--timeout", "300",
         "--qemu-arg", "-initrd", "--qemu-arg", str(d / "initramfs.cpio"),
         "--qemu-arg", "-append", "--qemu-arg", append] + smp_machine_args(a),
        "BENCH-LINUX init", a.out / "linux_smp2.serial", 320)
    run = parse_linux(text)
    run.update(started=started, finished=now_iso(), boot_s=boot_s, qemu_cmdline=cmd, status=st)
    run["accel"], run["cpu"] = qemu_facts(cmd)
    if "BENCH-LINUX done" not in text:
        run["notes"].append("The fio scaling jobs did not finish (launcher status %s)." % st)
    return run


def host_cpu():
    try:
        for l in Path("/proc/cpuinfo").read_text().splitlines():
            if l.startswith("model name"):
                return l.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default=os.environ.get("BUILD", "build"))
    ap.add_argument("--out")
    ap.add_argument("--pin", default="0")
    ap.add_argument("--quick", action="store_true", help="100 ms warm-up, 500 ms per job")
    ap.add_argument("--pfnos", action="store_true")
    ap.add_argument("--linux", action="store_true")
    ap.add_argument("--boot-only", action="store_true",
                    help="only the pfnos boot time per RAM size")
    ap.add_argument("--scaling", action="store_true",
                    help="only the unpinned --smp 2 runs (pfnos; Linux too with --linux)")
    ap.add_argument("--no-plots", action="store_true")
    ap.add_argument("--job", help="an fio job file to run instead of the job matrix")
    ap.add_argument("--job-timeout", type=int, default=600,
                    help="seconds a job file may take on one side (default 600)")
    ap.add_argument("--runs", type=int, default=1,
                    help="run each side this many times, interleaved (default 1)")
    ap.add_argument("--namespaces", choices=("yes", "no", "only"), default="yes",
                    help="with --pfnos, the NVDIMM namespace modes and Linux's BTT (run_namespaces); "
                    "only: nothing else")
    a = ap.parse_args(argv)
    if not a.pfnos and not a.linux and not a.boot_only:
        a.pfnos = True
    if a.runs < 1:
        ap.error("--runs must be at least 1")
    if a.job:
        a.job = Path(a.job).resolve()
        if not a.job.is_file():
            ap.error("--job %s: no such file" % a.job)
    a.build = Path(a.build).resolve()
    a.out = Path(a.out).resolve() if a.out else a.build / "bench"
    a.out.mkdir(parents=True, exist_ok=True)
    try:
        version = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                                 capture_output=True, text=True).stdout.strip()
    except OSError:
        version = ""
    res = {"meta": {"started": now_iso(), "host_cpu": host_cpu(), "pfnos_version": version,
                    "quick": a.quick, "pin": a.pin, "runs": a.runs,
                    "job": str(a.job) if a.job else None}, "runs": {}}
    if a.namespaces == "only":
        a.pfnos = a.linux = a.boot_only = False
        res["namespaces"] = run_namespaces(a)
    if a.scaling:
        res["runs"]["pfnos_smp2"] = run_pfnos_smp(a)
        if a.linux:
            res["runs"]["linux_smp2"] = run_linux_smp(a)
    elif a.boot_only:
        started = now_iso()
        rows, cmd, guest_cpu = run_boot_by_ram(a)
        run = {"boot_by_ram": rows, "qemu_cmdline": cmd, "guest_cpu": guest_cpu,
               "started": started, "finished": now_iso()}
        run["accel"], run["cpu"] = qemu_facts(cmd)
        res["runs"]["pfnos"] = run
    else:
        # interleaved: pfnos, Linux, Linux -erms, pfnos, ... so that a slow
        # spell of the shared host falls on every side alike
        reps = {"pfnos": [], "linux": [], "linux_noerms": []}
        if a.job:
            prepare_job_files(a)
        for rep in range(a.runs):
            if a.pfnos:
                reps["pfnos"].append(run_pfnos(a, rep))
            if a.linux:
                reps["linux"].append(run_linux(a, False, rep))
                reps["linux_noerms"].append(run_linux(a, True, rep))
        for name, rs in reps.items():
            if rs:
                res["runs"][name] = report.aggregate(rs)
        if a.pfnos and not a.job:
            res["runs"]["pfnos"]["boot_by_ram"] = run_boot_by_ram(a)[0]
            if a.namespaces == "yes":
                res["namespaces"] = run_namespaces(a)
        # the scaling boots (issue 11), once: unpinned, so not repeated
        # with the pinned runs
        if a.pfnos and not a.job:
            res["runs"]["pfnos_smp2"] = run_pfnos_smp(a)
        if a.linux and not a.job:
            res["runs"]["linux_smp2"] = run_linux_smp(a)
    res["meta"]["finished"] = now_iso()
    path = a.out / "results.json"
    path.write_text(json.dumps(res, indent=1, sort_keys=True))
    print("bench.py: wrote %s" % path, file=sys.stderr)
    rargs = [str(path)] + (["--no-plots"] if a.no_plots else [])
    report.main(rargs)
    # the comparison (medians with ranges over the runs) on the terminal too
    md = (a.out / "report.md").read_text()
    if "## pfnos against Linux" in md:
        print(md[md.index("## pfnos against Linux"):].split("\n## ", 1)[0].rstrip())
    if a.boot_only:
        rows = res["runs"]["pfnos"]["boot_by_ram"]
        return 0 if all(r["entry_to_prompt_us"] and not r.get("notes") for r in rows) else 1
    ok = all(r.get("status") == 0 and r.get("jobs") for r in res["runs"].values())
    ok = ok and all(r.get("status") == 0 and r.get("jobs")
                    for r in res.get("namespaces", {}).values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
