"""test_smp.py - the application processors from outside: `cpus` lines,
hot-pluggable CPUs listed,
the SeaBIOS boot paths with --smp 2 (the UEFI ones are test_boot.py's
smoke tests, which boot with --smp 2), 4 CPUs in 64 MiB running every self test,
nosmp and maxcpus= (good and bad values), a CPU that misses its deadline,
run-on and its errors, and a panic on an AP stopping the others.

The `cpus` line is an interface (shell/cmd_smp.c):
    cpu<N> apic=<id> <online|offline|failed|hotplug> ticks=<n> irqs=<n>
    ipis=<n> ios_submitted=<n> ios_completed=<n>
"""
import re

from harness import SMP_TESTS, check, check_ktap, check_status, ktap_parse, test

CPU_LINE = re.compile(r"^cpu(\d+) apic=(\d+) (online|offline|failed|hotplug)"
                      r" ticks=(\d+) irqs=(\d+) ipis=(\d+)"
                      r" ios_submitted=(\d+) ios_completed=(\d+)$")


def cpus_after(text, marker):
    """The `cpus` lines printed after the echoed command marker (the first
    block of them), as a list of dicts; every line between the echo and the
    next prompt must have the interface's shape."""
    parts = text.split(marker, 1)
    check(len(parts) == 2, "the command %r was not echoed" % marker.strip())
    block = parts[1].split("pfnos> ", 1)[0]
    rows = []
    for line in block.splitlines():
        if line.startswith("["):	# a log line from another CPU
            continue
        m = CPU_LINE.match(line)
        check(m, "a cpus line out of shape: %r" % line)
        rows.append({"cpu": int(m.group(1)), "apic": int(m.group(2)), "state": m.group(3),
                     "ticks": int(m.group(4)), "irqs": int(m.group(5)),
                     "ipis": int(m.group(6)), "sub": int(m.group(7)),
                     "done": int(m.group(8))})
    check(rows, "no cpus lines after %r" % marker.strip())
    check([r["cpu"] for r in rows] == list(range(len(rows))),
          "cpus lines not numbered 0..N-1: %s" % [r["cpu"] for r in rows])
    return rows


def states(rows):
    return [r["state"] for r in rows]


def smp_boot(ctx, ncpus, cmdline, status=0, boot="kernel", firmware="bios", args=()):
    g = ctx.boot(cmdline, boot=boot, firmware=firmware,
                 args=["--smp", str(ncpus)] + list(args))
    st = g.wait()
    check_status(g, st, status)
    return g.text


def check_smp_selftests(text):
    """The smp.* self tests ran (none skipped) and passed."""
    k = ktap_parse(text)
    ran = {r.name for r in k.ran}
    missing = [n for n in SMP_TESTS if n not in ran]
    check(not missing, "smp self tests that did not run: %s" % missing)
    check(not k.not_ok, "failed: %s" % [r.name for r in k.not_ok])
    return k


def boot_path(ctx, firmware, boot, extra=""):
    out = smp_boot(ctx, 2, 'test.exit=1 kmap.debug=1 run="cpus; %sselftest smp.; poweroff"'
                   % extra, boot=boot, firmware=firmware)
    rows = cpus_after(out, "pfnos> cpus\n")
    check(states(rows) == ["online", "online"], "states %s" % states(rows))
    check(rows[1]["ticks"] > 0, "cpu1 never ticked: %s" % rows[1])
    k = check_smp_selftests(out)
    m = re.search(r"smp: 2 of 2 CPU\(s\) online .* bring-up (\d+) us", out)
    check(m, "no smp bring-up line")
    ctx.note("%s/%s: bring-up %s us, %d self tests" % (firmware, boot, m.group(1), k.passed))
    return out


@test("smp.boot_pvh_smp2", timeout=60)
def boot_pvh(ctx):
    """PVH (qemu -kernel) with --smp 2: both CPUs online, the smp self tests
    (IPIs, run-on, kmap from both CPUs, cross-CPU use caught) pass, and
    bench-micro kmap adds its figure with the other CPU busy mapping."""
    out = boot_path(ctx, "bios", "kernel", "bench-micro kmap; ")
    ns = {}
    for name in ("kmap_atomic_pfn_t", "kmap_atomic_pfn_t_others_busy"):
        m = re.search(r"^BENCH micro=%s ns_per_op=([0-9.]+) tsc_per_op=[0-9.]+ ops=(\d+)\b"
                      % name, out, re.M)
        check(m and int(m.group(2)) > 0, "no BENCH line for %s" % name)
        ns[name] = float(m.group(1))
    ctx.note("kmap %.0f ns alone, %.0f ns with cpu1 mapping too (not judged here)"
             % (ns["kmap_atomic_pfn_t"], ns["kmap_atomic_pfn_t_others_busy"]))


@test("smp.boot_bios_iso_smp2", timeout=60)
def boot_bios_iso(ctx):
    """SeaBIOS + GRUB ISO with --smp 2: as smp.boot_pvh_smp2."""
    boot_path(ctx, "bios", "iso")


@test("smp.smp4_mem64_selftest", timeout=120)
def smp4_mem64(ctx):
    """--smp 4 --mem 64M: four CPUs online and every self test passes
    (lock.debug=1 is on the line as the issue's Done-when has it; until the
    lock work lands it is an unknown option, which is ignored)."""
    out = smp_boot(ctx, 4, 'test.exit=1 lock.debug=1 kmap.debug=1 run="cpus; selftest"',
                   args=["--mem", "64M"])
    rows = cpus_after(out, "pfnos> cpus\n")
    check(states(rows) == ["online"] * 4, "states %s" % states(rows))
    check(len({r["apic"] for r in rows}) == 4, "APIC ids not distinct: %s" % rows)
    k = check_smp_selftests(out)
    check_ktap(k, allow_skips=("selftest.injected_failure",))
    ctx.note("%d self tests on 4 CPUs in 64 MiB" % k.passed)


@test("smp.maxcpus_1_as_today", timeout=60)
def maxcpus_1(ctx):
    """maxcpus=1 on a 4-CPU machine: the APs stay offline (no INIT sent),
    the self tests pass as on one CPU (the smp ones skip), run-on to an
    offline CPU is one error line."""
    out = smp_boot(ctx, 4, 'test.exit=1 maxcpus=1 run="cpus; run-on 1 cpus; selftest"',
                   status=1)
    rows = cpus_after(out, "pfnos> cpus\n")
    check(states(rows) == ["online"] + ["offline"] * 3, "states %s" % states(rows))
    check(all(r["ticks"] == 0 for r in rows[1:]), "an offline CPU ticked: %s" % rows)
    check(re.search(r"smp: 1 of 4 CPU\(s\) online \(3 offline", out), "no smp summary line")
    k = ktap_parse(out)
    check(k.failed == 0 and k.passed > 0, "self tests: %s passed, %s failed" % (k.passed, k.failed))
    check({r.name for r in k.skips} == set(SMP_TESTS) | {"selftest.injected_failure"},
          "skips: %s" % [r.name for r in k.skips])
    err = out.split("pfnos> run-on 1 cpus\n", 1)[1].split("pfnos> ", 1)[0]
    check(err.strip().splitlines() == ["error: run-on: cpu1 is offline"],
          "run-on to an offline CPU printed %r" % err)


@test("smp.nosmp_maxcpus_hotplug", timeout=90)
def nosmp_and_bad_maxcpus(ctx):
    """nosmp and maxcpus= on a 3-CPU machine, as Linux reads them: nosmp and
    maxcpus=0 start no AP (maxcpus=0 says so in a log line), maxcpus=2 one;
    a value above the CPUs present or not a number starts all, with a log
    line naming the value. And -smp 2,maxcpus=4: two CPUs listed hotplug,
    never started, run-on to one is an error."""
    cases = (("nosmp", ["online", "offline", "offline"], None),
             ("maxcpus=0", ["online", "offline", "offline"], r"smp: maxcpus=0: the boot CPU only"),
             ("maxcpus=2", ["online", "online", "offline"], None),
             ("maxcpus=9", ["online"] * 3, r"smp: maxcpus=9 but 3 CPU\(s\) present: starting all"),
             ("maxcpus=two", ["online"] * 3, r"smp: maxcpus=two is not a number: ignored"))
    guests = []
    for opt, _, _ in cases:
        guests.append(ctx.boot('test.exit=1 %s run="cpus; poweroff"' % opt, boot="kernel",
                               pmem=["none"], nvme=["none"], args=["--smp", "3"]))
    # QEMU lists the CPUs of -smp 2,maxcpus=4 that are not there as disabled
    # entries in a revision 1 MADT: hot-pluggable, listed, never started
    hot = ctx.boot('test.exit=1 run="cpus; run-on 2 cpus; poweroff"', boot="kernel",
                   pmem=["none"], nvme=["none"], args=["--qemu-arg", "-smp",
                                                     "--qemu-arg", "2,maxcpus=4"])
    check_status(hot, hot.wait(), 1)
    rows = cpus_after(hot.text, "pfnos> cpus\n")
    check(states(rows) == ["online", "online", "hotplug", "hotplug"],
          "-smp 2,maxcpus=4: states %s" % states(rows))
    err = hot.text.split("pfnos> run-on 2 cpus\n", 1)[1].split("pfnos> ", 1)[0]
    check(err.strip().splitlines() == ["error: run-on: cpu2 is hotplug"],
          "run-on to a hot-pluggable CPU printed %r" % err)
    for g, (opt, want, note) in zip(guests, cases):
        check_status(g, g.wait(), 0)
        rows = cpus_after(g.text, "pfnos> cpus\n")
        check(states(rows) == want, "%s: states %s, expected %s" % (opt, states(rows), want))
        if note:
            check(re.search(note, g.text), "%s: no log line /%s/" % (opt, note))
        else:
            check(not re.search(r"smp: maxcpus", g.text), "%s: a maxcpus note" % opt)


@test("smp.cpu_late_is_failed", timeout=60)
def cpu_late(ctx):
    """A CPU that does not check in before smp.timeout_ms (smp.stall=1
    holds cpu1 back on purpose) is reported failed and left out: boot goes
    on with the others, run-on to it is one error line, and it never comes
    online later."""
    out = smp_boot(ctx, 3, 'test.exit=1 smp.stall=1 smp.timeout_ms=100 '
                   'run="cpus; run-on 1 cpus; run-on 2 echo on-two; sleep 200; cpus; poweroff"',
                   status=1)
    check(re.search(r"smp: cpu1 \(APIC id 1\) did not start within 100 ms: failed, left out",
                    out), "no failure line for cpu1")
    rows = cpus_after(out, "pfnos> cpus\n")
    check(states(rows) == ["online", "failed", "online"], "states %s" % states(rows))
    err = out.split("pfnos> run-on 1 cpus\n", 1)[1].split("pfnos> ", 1)[0]
    check(err.strip().splitlines() == ["error: run-on: cpu1 is failed"],
          "run-on to a failed CPU printed %r" % err)
    check(out.split("pfnos> run-on 2 echo on-two\n", 1)[1].startswith("on-two\n"),
          "run-on 2 did not print its output")
    later = cpus_after(out.rsplit("pfnos> sleep 200\n", 1)[1], "pfnos> cpus\n")
    check(states(later) == ["online", "failed", "online"], "later states %s" % states(later))


@test("smp.run_on_and_errors", timeout=60)
def run_on(ctx):
    """run-on runs the command on that CPU (its I/O counted there, read
    back through the NVMe drive with its completion interrupt on CPU 0) and
    returns its status; a missing CPU, a bad number, no command and a
    nested run-on are one error line each."""
    out = smp_boot(ctx, 2, 'test.exit=1 run="write nvme0n1 64 8 5; run-on 1 verify nvme0n1 64 8 5; '
                   'run-on 1 read pmem0 0 1 x; cpus; run-on 2 cpus; run-on x cpus; run-on 1; '
                   'run-on 1 run-on 0 cpus; poweroff"', status=1)

    def after(cmd):
        return out.split("pfnos> %s\n" % cmd, 1)[1].split("pfnos> ", 1)[0].strip().splitlines()

    verify = after("run-on 1 verify nvme0n1 64 8 5")
    check(verify and not any(l.startswith("error") for l in verify) and "ok" in verify[-1],
          "verify on cpu1: %s" % verify)
    bad = after("run-on 1 read pmem0 0 1 x")
    check(len(bad) == 1 and bad[0].startswith("error: "), "a failing command on cpu1: %s" % bad)
    rows = cpus_after(out, "pfnos> cpus\n")
    check(rows[1]["sub"] >= 1 and rows[1]["done"] + rows[0]["done"] >= 2,
          "I/O counters: %s" % rows)
    for cmd, want in (("run-on 2 cpus", r"^error: run-on: no cpu2 \(2 CPU\(s\) present\)$"),
                      ("run-on x cpus", r"^error: run-on: 'x' is not a CPU number$"),
                      ("run-on 1", r"^error: usage: run-on <cpu> <command\.\.\.>$"),
                      ("run-on 1 run-on 0 cpus", r"^error: run-on: only from cpu0 \(this is cpu1\)$")):
        lines = after(cmd)
        check(len(lines) == 1 and re.match(want, lines[0]), "%s printed %s" % (cmd, lines))


@test("smp.panic_on_ap_stops_others", timeout=60)
def panic_on_ap(ctx):
    """A panic on cpu1 (run-on 1 crash panic) stops cpu0 and cpu2 by NMI:
    each prints that it was stopped, its registers and a call trace
    (cpu0's through the run-on it was waiting in); status 2."""
    out = smp_boot(ctx, 3, 'test.exit=1 run="run-on 1 crash panic"', status=2)
    after = out.split("pfnos> run-on 1 crash panic\n", 1)[1]
    check(re.search(r"^Kernel panic: crash command$", after, re.M), "no panic line")
    for cpu in (0, 2):
        m = re.search(r"\*\*\* cpu%d stopped by cpu1's panic\n(.*?)(?=\*\*\*|panic: exiting)"
                      % cpu, after, re.S)
        check(m, "cpu%d did not report being stopped" % cpu)
        check("RIP: " in m.group(1) and "Call trace:" in m.group(1),
              "cpu%d's stop report has no registers or trace: %r" % (cpu, m.group(1)[:300]))
    check(re.search(r"\*\*\* cpu0 stopped by cpu1's panic\n.*?cmd_run_on\+", after, re.S),
          "cpu0's trace does not go through cmd_run_on")
