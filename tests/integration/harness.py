"""harness.py - the integration test framework: registration, guests, output.

Test modules (tests/integration/test_*.py) register functions with @test;
tests/integration/run.py imports every module, selects, runs at most two
at once and prints one line per test plus a final "N passed, N failed".

A test function takes a Context:

    @test("boot.bios_iso", timeout=60)
    def bios_iso(ctx):
        g = ctx.boot(cmdline='test.exit=1 run="selftest mm.; poweroff"')
        g.expect(r"(\\d+) passed, 0 failed, 0 skipped")
        ctx.check_status(g.wait(), 0)

Every guest of a test gets fresh backing files in build/test/<name>/
(pmem0.img, nvme0.img, ...); its serial output is saved there as
<guest>.serial and the launcher's stderr as <guest>.launcher. No call can
hang: every wait is bounded by the test's deadline, and the launcher itself
runs with --timeout.
"""

import hashlib
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LAUNCHER = REPO / "scripts" / "pfnos-qemu"
PROMPT = "pfnos> "

# Exit statuses of scripts/pfnos-qemu (README "Exit statuses").
EXIT_OK, EXIT_FAIL, EXIT_PANIC, EXIT_RESET = 0, 1, 2, 3
EXIT_TIMEOUT, EXIT_NOSTART = 124, 125


class TestFailure(Exception):
    """A check failed; the message is the test's one-line reason."""


class Test:
    def __init__(self, name, fn, timeout, doc):
        self.name = name
        self.fn = fn
        self.timeout = timeout
        self.doc = doc


TESTS = []


def test(name, timeout=60):
    """Register a test. timeout: seconds for the whole test (about 3x the
    measured time; scaled by run.py --timeout-factor)."""
    def register(fn):
        if any(t.name == name for t in TESTS):
            raise ValueError("duplicate test name " + name)
        TESTS.append(Test(name, fn, timeout, (fn.__doc__ or "").strip()))
        return fn
    return register


class Config:
    """Settings shared by all tests (set by run.py)."""
    build = REPO / "build"
    testdir = REPO / "build" / "test"
    timeout_factor = 1.0
    verbose = False
    seed = 0


def clean_output(data):
    """Serial bytes as text: CR LF -> LF, undecodable bytes replaced."""
    return data.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")


class Guest:
    """One run of scripts/pfnos-qemu with its serial console captured."""

    def __init__(self, ctx, name, args, stdin, timeout):
        self.ctx = ctx
        self.name = name
        self.raw = bytearray()
        self.pos = 0            # expect() searches the text after this
        self.status = None
        self._cond = threading.Condition()
        self._eof = False
        self.serial_path = ctx.dir / (name + ".serial")
        self.launcher_path = ctx.dir / (name + ".launcher")
        self.timeout = timeout
        cmd = [str(LAUNCHER), "--build", str(Config.build),
               "--timeout", str(int(timeout) + 1)] + args
        self.cmd = cmd
        self._err = open(self.launcher_path, "wb")
        self._log = open(self.serial_path, "wb")
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=self._err, start_new_session=True)
        self.started = time.monotonic()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            with self._cond:
                if not data:
                    self._eof = True
                    self._cond.notify_all()
                    break
                self.raw += data
                self._log.write(data)
                self._log.flush()
                self._cond.notify_all()

    @property
    def text(self):
        with self._cond:
            return clean_output(bytes(self.raw))

    def _tail(self, n=600):
        t = self.text[-n:].strip()
        return t.replace("\n", " | ") if t else "(no serial output)"

    def expect(self, pattern, timeout=None, what=None):
        """Wait for regex pattern in the output after the last match; return
        the match (the search position moves past it)."""
        rx = re.compile(pattern)
        limit = self.ctx.remaining(timeout)
        end = time.monotonic() + limit
        with self._cond:
            while True:
                text = clean_output(bytes(self.raw))
                m = rx.search(text, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                left = end - time.monotonic()
                if self._eof or left <= 0:
                    break
                self._cond.wait(min(left, 1.0))
        why = "guest exited" if self._eof else "timed out after %.0fs" % limit
        raise TestFailure("%s: expected %s (%s); output ends: %s" % (
            self.name, what or repr(pattern), why, self._tail()))

    def prompt(self, timeout=None):
        """Wait for the shell prompt."""
        return self.expect(re.escape(PROMPT), timeout, "the prompt 'pfnos> '")

    def send(self, data):
        """Type bytes (or text) into the serial port (needs stdin=True)."""
        if isinstance(data, str):
            data = data.encode()
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError):
            raise TestFailure("%s: cannot type into the guest: it exited; output ends: %s"
                              % (self.name, self._tail()))

    def command(self, line, timeout=None):
        """Type a line at the prompt, wait for the next prompt, and return the
        output in between (the echoed line excluded)."""
        self.send(line + "\r")
        m = self.expect(re.escape(line) + r"\n", timeout, "the echo of %r" % line)
        start = m.end()
        self.prompt(timeout)
        return self.text[start:self.pos - len(PROMPT)]

    def exchange(self, data, timeout=None):
        """Type raw bytes that end a line (or abandon it), wait for the next
        prompt, and return everything printed in between."""
        start = len(self.text)
        self.pos = max(self.pos, start)
        self.send(data)
        self.prompt(timeout)
        return self.text[start:self.pos - len(PROMPT)]

    def close_stdin(self):
        if self.proc.stdin:
            try:
                self.proc.stdin.close()
            except OSError:
                pass

    def wait(self, timeout=None):
        """Wait for the launcher to exit; return its status."""
        limit = self.ctx.remaining(timeout)
        try:
            self.status = self.proc.wait(limit)
        except subprocess.TimeoutExpired:
            self.kill()
            raise TestFailure("%s: still running after %.0fs; output ends: %s"
                              % (self.name, limit, self._tail()))
        self._reader.join(5)
        self._finish()
        return self.status

    def kill(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait()
        self._reader.join(5)
        self._finish()

    def _finish(self):
        self.close_stdin()
        for f in (self._log, self._err):
            if not f.closed:
                f.close()

    def launcher_stderr(self):
        try:
            return self.launcher_path.read_text(errors="replace")
        except OSError:
            return ""

    def ended_by(self):
        """How the launcher says the run ended, from its own last line (not
        from the echoed QEMU command line): "ACPI power-off (S5)",
        "isa-debug-exit 0x10", ..., "reset", or None when it said nothing."""
        for line in reversed(self.launcher_stderr().splitlines()):
            m = re.match(r"pfnos-qemu: guest ended by (.*?)(?: \(a failure\)| \(panic\))?, "
                         r"status \d+$", line)
            if m:
                return m.group(1)
            if re.match(r"pfnos-qemu: guest reset or triple fault", line):
                return "reset"
        return None


class Context:
    """What a test function gets: its directory, deadline and boot helper."""

    def __init__(self, t):
        self.test = t
        self.name = t.name
        self.dir = Config.testdir / t.name
        self.timeout = t.timeout * Config.timeout_factor
        self.deadline = time.monotonic() + self.timeout
        self.guests = []
        self.notes = []
        # The test's own seed: the run's seed mixed with its name, the same
        # whatever else runs. Guests get it as test.seed= (self tests).
        h = hashlib.sha256(("%d:%s" % (Config.seed, t.name)).encode()).digest()
        self.seed = int.from_bytes(h[:4], "little")
        if self.dir.exists():
            shutil.rmtree(self.dir)
        self.dir.mkdir(parents=True)

    def remaining(self, timeout=None):
        left = self.deadline - time.monotonic()
        if timeout is not None:
            left = min(left, timeout * Config.timeout_factor)
        if left <= 0:
            raise TestFailure("test deadline (%.0fs) passed" % self.timeout)
        return left

    def note(self, msg):
        """Something worth printing with the result (seeds, measurements)."""
        self.notes.append(msg)

    def boot(self, cmdline=None, firmware="bios", boot=None, stdin=False,
             pmem=None, nvme=None, args=(), timeout=None, name=None, seed=True):
        """Start a guest. boot defaults to iso; pmem/nvme default to one
        fresh 1 GiB file each in the test directory. A given cmdline gets
        test.seed=<ctx.seed> appended (seed=False: the line as it is)."""
        name = name or "guest%d" % len(self.guests)
        a = ["--firmware", firmware]
        if boot:
            a += ["--boot", boot]
        if cmdline is not None:
            if seed:
                cmdline = ("%s test.seed=%d" % (cmdline, self.seed)).strip()
            a += ["--cmdline", cmdline]
        if stdin:
            a += ["--stdin"]
        for spec in pmem if pmem is not None else ["pmem0.img"]:
            a += ["--pmem", spec if spec == "none" else str(self.dir / spec)]
        for spec in nvme if nvme is not None else ["nvme0.img"]:
            a += ["--nvme", spec if spec == "none" else str(self.dir / spec)]
        a += list(args)
        g = Guest(self, name, a, stdin, self.remaining(timeout))
        self.guests.append(g)
        return g

    def run(self, cmdline, status, firmware="bios", boot="kernel", ended_by=None, **kw):
        """Boot with cmdline, wait for the exit, check the status (and, when
        given, the path that ended the run: see Guest.ended_by()); return
        the output text."""
        g = self.boot(cmdline, firmware=firmware, boot=boot, **kw)
        st = g.wait()
        check_status(g, st, status)
        if ended_by is not None:
            check_ended_by(g, ended_by)
        return g.text

    def cleanup(self):
        for g in self.guests:
            g.kill()


def check_status(g, got, want):
    if got != want:
        err = g.launcher_stderr().strip().splitlines()
        raise TestFailure("%s: exit status %s, expected %s (launcher: %s); output ends: %s"
                          % (g.name, got, want, err[-1] if err else "-", g._tail()))


def check_ended_by(g, want):
    """The launcher says the run ended through want (e.g. "ACPI power-off
    (S5)"; a power-off through the debug-exit port gives the same status)."""
    got = g.ended_by()
    if got != want:
        raise TestFailure("%s: the run ended by %s, expected %s" % (
            g.name, got or "(the launcher did not say)", want))


M64 = (1 << 64) - 1


def splitmix64(x):
    """The data pattern's mixer (lib/pattern.c); test_patcheck.py checks it
    against known vectors."""
    x = (x + 0x9E3779B97F4A7C15) & M64
    z = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def pattern(seed, base, n):
    """n bytes of the data pattern of seed for byte offsets base.. (the
    README's formula: 8-byte word B/8 is splitmix64(seed << 48 ^ B/8))."""
    out = bytearray()
    for b in range(base & ~7, base + n, 8):
        out += splitmix64((seed << 48) ^ (b >> 3)).to_bytes(8, "little")
    skip = base & 7
    return bytes(out[skip:skip + n])


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


# Self tests that may report # SKIP in any run on the standard machine: they
# have no device to miss, only an option that turns them on (a second CPU,
# --smp, counts as one: the standard machine has one CPU; test_smp.py and
# the --smp boots of test_boot.py check that none of these skip there).
SMP_TESTS = ("smp.ipi_round_trips", "smp.ipi_no_wait_then_wait", "smp.call_function_all",
             "smp.run_on_thread_context", "smp.kmap_all_cpus_at_once",
             "smp.kmap_unmap_on_other_cpu_caught", "smp.kmap_copy_on_other_cpu_caught",
             "smp.kmap_sends_no_ipi", "smp.iounmap_shoots_down_other_cpus",
             "bench_smp.numjobs_on_every_cpu_with_verify")
ALLOWED_SKIPS = ("selftest.injected_failure",) + SMP_TESTS


class KtapResult:
    """One KTAP result line: ok, number, name, and skip (the reason after
    '# SKIP', or None)."""

    def __init__(self, ok, number, name, skip):
        self.ok, self.number, self.name, self.skip = ok, number, name, skip

    def __repr__(self):
        return "%sok %d %s%s" % ("" if self.ok else "not ", self.number, self.name,
                                 " # SKIP " + self.skip if self.skip is not None else "")


class Ktap:
    """The last selftest run in some output: results, the plan (1..N) and
    the closing 'N passed, N failed, N skipped' counts (None if missing)."""

    def __init__(self, results, plan, passed, failed, skipped):
        self.results, self.plan = results, plan
        self.passed, self.failed, self.skipped = passed, failed, skipped

    @property
    def ran(self):
        return [r for r in self.results if r.skip is None]

    @property
    def skips(self):
        return [r for r in self.results if r.skip is not None]

    @property
    def not_ok(self):
        return [r for r in self.results if not r.ok]


SUMMARY = r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$"


def ktap_parse(text):
    """Parse the last selftest run in text (from its 'KTAP version 1')."""
    start = text.rfind("KTAP version 1\n")
    if start >= 0:
        text = text[start:]
    results = []
    for m in re.finditer(r"^(not )?ok (\d+) (\S+)(?: # SKIP ?(.*))?$", text, re.M):
        results.append(KtapResult(m.group(1) is None, int(m.group(2)), m.group(3),
                                  m.group(4)))
    plan = re.search(r"^1\.\.(\d+)$", text, re.M)
    summary = re.findall(SUMMARY, text, re.M)
    counts = (None, None, None)
    if summary:
        p, f, sk = summary[-1]
        counts = (int(p), int(f), int(sk) if sk else 0)
    return Ktap(results, int(plan.group(1)) if plan else None, *counts)


def check_ktap(k, allow_skips=ALLOWED_SKIPS):
    """The run is whole and counted right: the plan is 1..N with N result
    lines numbered 1..N, and the closing line's passed, failed and skipped
    equal the ok, not ok and '# SKIP' lines. A skip is a failure unless the
    test is in allow_skips (True: any): on the standard machine (NVDIMM and
    NVMe present) no device test may skip."""
    check(k.passed is not None, "no closing 'N passed, N failed, N skipped' line")
    check(k.plan is not None and k.plan == len(k.results),
          "KTAP plan 1..%s but %d result lines" % (k.plan, len(k.results)))
    nums = [r.number for r in k.results]
    check(nums == list(range(1, len(nums) + 1)), "KTAP numbers not 1..N: %s" % nums)
    ok = len([r for r in k.ran if r.ok])
    check((k.passed, k.failed, k.skipped) == (ok, len(k.not_ok), len(k.skips)),
          "closing line says %d passed, %d failed, %d skipped but there are %d ok, "
          "%d not ok and %d skip lines" % (k.passed, k.failed, k.skipped, ok,
                                            len(k.not_ok), len(k.skips)))
    if allow_skips is not True:
        bad = [r for r in k.skips if r.name not in allow_skips]
        check(not bad, "self tests skipped on a machine that should run them: %s"
              % "; ".join("%s (%s)" % (r.name, r.skip) for r in bad))


def ktap_results(text, allow_skips=ALLOWED_SKIPS):
    """Parse and check (check_ktap) the last selftest run in text; return
    ([(ok, number, name)] of the tests that ran, passed, failed). Without a
    closing line: (results, None, None), unchecked."""
    k = ktap_parse(text)
    results = [(r.ok, r.number, r.name) for r in k.ran]
    if k.passed is None:
        return results, None, None
    check_ktap(k, allow_skips)
    return results, k.passed, k.failed
