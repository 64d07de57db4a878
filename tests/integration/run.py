#!/usr/bin/env python3
"""run.py - run the integration tests (boots pfnos under QEMU).

    tests/integration/run.py [-k PATTERN]... [-l] [-j N] [--build DIR]
                             [--timeout-factor F] [--seed N] [-v]

Imports every tests/integration/test_*.py (each registers its tests with
harness.test), runs the selected ones at most -j at once (default 2), each
in a fresh build/test/<name>/, and prints one line per test:

    ok   boot.bios_iso_selftest (4.1s)
    FAIL exit.panic (2.0s): guest0: exit status 3, expected 2 ...

then "N passed, N failed". Exits 1 if any test failed. -k selects tests
whose name contains PATTERN (several -k: any of them); -l lists them.
--seed N (default $PFNOS_SEED, else random; printed first) seeds every
random choice: each test gets ctx.seed, derived from N and its name, and
each guest it boots gets test.seed=<ctx.seed> on its command line.
"""

import argparse
import concurrent.futures
import importlib
import os
import random
import sys
import threading
import time
import traceback
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import harness  # noqa: E402


def load_tests():
    for p in sorted(HERE.glob("test_*.py")):
        importlib.import_module(p.stem)
    return harness.TESTS


def run_one(t):
    start = time.monotonic()
    ctx = None
    try:
        ctx = harness.Context(t)
        t.fn(ctx)
        ok, why = True, ""
    except harness.TestFailure as e:
        ok, why = False, str(e)
    except Exception:
        ok, why = False, "exception: " + traceback.format_exc().strip().replace("\n", " | ")
    finally:
        if ctx:
            ctx.cleanup()
    return ok, why, time.monotonic() - start, ctx.notes if ctx else []


def main():
    ap = argparse.ArgumentParser(description="pfnos integration tests")
    ap.add_argument("-k", action="append", default=[], metavar="PATTERN",
                    help="run tests whose name contains PATTERN (repeatable)")
    ap.add_argument("-l", "--list", action="store_true", help="list tests and exit")
    ap.add_argument("-j", type=int, default=2, help="QEMUs at once (default 2)")
    ap.add_argument("--build", default=os.environ.get("PFNOS_BUILD", str(harness.REPO / "build")),
                    help="build directory with the images (default build/)")
    ap.add_argument("--timeout-factor", type=float,
                    default=float(os.environ.get("PFNOS_TIMEOUT_FACTOR", "1")),
                    help="multiply every test timeout (slow machines)")
    ap.add_argument("--seed", type=int, default=None,
                    help="seed of the run (default $PFNOS_SEED, else random)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print each failing test's serial log path")
    args = ap.parse_args()

    harness.Config.build = Path(args.build).resolve()
    harness.Config.testdir = harness.Config.build / "test"
    harness.Config.timeout_factor = args.timeout_factor
    harness.Config.verbose = args.verbose
    if args.seed is None:
        env = os.environ.get("PFNOS_SEED", "")
        args.seed = int(env) if env else random.randrange(1 << 32)
    harness.Config.seed = args.seed

    tests = load_tests()
    if args.k:
        tests = [t for t in tests if any(k in t.name for k in args.k)]
    if args.list:
        for t in tests:
            print("%-36s %4ds  %s" % (t.name, t.timeout, t.doc.splitlines()[0] if t.doc else ""))
        return 0
    if not tests:
        print("no tests selected")
        print("0 passed, 0 failed")
        return 1

    print("seed %d (--seed %d, or make test SEED=%d, repeats it)"
          % (args.seed, args.seed, args.seed), flush=True)
    lock = threading.Lock()
    passed = failed = 0

    def report(t, fut):
        nonlocal passed, failed
        ok, why, secs, notes = fut.result()
        with lock:
            extra = (" [" + "; ".join(notes) + "]") if notes else ""
            if ok:
                passed += 1
                print("ok   %s (%.1fs)%s" % (t.name, secs, extra), flush=True)
            else:
                failed += 1
                print("FAIL %s (%.1fs)%s: %s" % (t.name, secs, extra, why), flush=True)
                print("     logs: %s/" % (harness.Config.testdir / t.name), flush=True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.j)) as ex:
        # Longest first, so the slow UEFI boots overlap the short ones.
        order = sorted(tests, key=lambda t: -t.timeout)
        futs = [(t, ex.submit(run_one, t)) for t in order]
        for t, f in futs:
            f.add_done_callback(lambda fut, t=t: report(t, fut))
    print("%d passed, %d failed" % (passed, failed), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
