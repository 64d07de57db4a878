"""test_locks.py - lock.debug=1 catches the deliberate locking bugs of the
test-only `lock-bug` command (shell/cmd_locks.c), each with its own report
line and a panic (status 2); lock.debug=0 does not check them (the order
and the unlock go by unnoticed, the I/O under a lock completes), and a lock
taken twice then spins until the always-on deadlock timeout names the
holder. `locks` lists the kernel's locks with their counters.

Each boot is a PVH kernel boot that stops at the first bug: short.
"""
import re

from harness import check, test


def after_command(out, cmd):
    parts = out.split("pfnos> %s\n" % cmd, 1)
    check(len(parts) == 2, "the run= command %r was not echoed" % cmd)
    return parts[1]


def caught(ctx, cmd, bug, detail):
    out = ctx.run('test.exit=1 lock.debug=1 run="%s"' % cmd, 2,
                  ended_by="isa-debug-exit 0x12")
    tail = after_command(out, cmd)
    check(re.search(r"lock\.debug: BUG: %s on cpu0$" % re.escape(bug), tail, re.M),
          "%s: no report of %r: %s" % (cmd, bug, tail[-600:]))
    check(re.search(detail, tail, re.M), "%s: report lacks %r: %s" % (cmd, detail, tail[-600:]))
    check(re.search(r"^Kernel panic: lock\.debug: %s$" % re.escape(bug), tail, re.M),
          "%s: no panic after the report" % cmd)
    check(re.search(r"\] cmd_lock_bug\+0x", tail), "%s: no backtrace through cmd_lock_bug" % cmd)
    check("lock-bug: " not in tail, "%s: the command went on after the bug" % cmd)
    return tail


@test("locks.debug_catches_inversion", timeout=60)
def debug_catches_inversion(ctx):
    caught(ctx, "lock-bug inversion", "lock order inversion",
           r"'lock_bug_a' taken while holding 'lock_bug_b' \(taken at cmd_lock_bug\+0x")
    # (the earlier order and where it was taken are part of the report)


@test("locks.debug_catches_double_take", timeout=60)
def debug_catches_double_take(ctx):
    tail = caught(ctx, "lock-bug double", "lock taken twice on one CPU",
                  r"'lock_bug_a' taken again, already held since cmd_lock_bug\+0x")
    check("suspected deadlock" not in tail, "lock.debug=1 spun instead of reporting at once")


@test("locks.debug_catches_unheld_unlock", timeout=60)
def debug_catches_unheld_unlock(ctx):
    caught(ctx, "lock-bug unheld", "unlock of a lock not held",
           r"'lock_bug_a' released but this CPU does not hold it")


@test("locks.debug_catches_io_under_lock", timeout=60)
def debug_catches_io_under_lock(ctx):
    for disk in ("pmem0", "nvme0n1"):
        caught(ctx, "lock-bug io %s" % disk, "waiting for I/O while holding a spinlock",
               r"while holding 'lock_bug_a' \(taken at cmd_lock_bug")


@test("locks.no_debug_checks_nothing", timeout=60)
def no_debug_checks_nothing(ctx):
    """lock.debug=0: the same bugs pass unreported (the I/O really
    completes); a double take spins into the deadlock timeout instead,
    which names the holder."""
    cmds = ["lock-bug inversion", "lock-bug unheld", "lock-bug io pmem0",
            "lock-bug io nvme0n1", "locks"]
    out = ctx.run('test.exit=1 lock.debug=0 run="%s; poweroff"' % "; ".join(cmds), 0)
    check("lock.debug: BUG" not in out, "lock.debug=0 reported a bug")
    for c in cmds[:-1]:
        tail = after_command(out, c)
        check(re.match(r"lock-bug: %s done\n" % c.split()[1], tail),
              "%s did not complete: %s" % (c, tail[:200]))
    tail = after_command(out, "locks")
    m = re.search(r"^lock lock_bug_a acquired=(\d+) contended=0 holder=-$", tail, re.M)
    check(m, "locks does not list lock_bug_a: %s" % tail[:600])
    check(int(m.group(1)) == 4, "lock_bug_a acquired=%s, expected 4" % m.group(1))
    check(re.search(r"^lock printk_lock acquired=[1-9]\d* contended=\d+ holder=-$", tail, re.M),
          "locks does not list printk_lock in use")
    check(re.search(r"^locks: \d+ listed, lock\.debug=0, held here=0$", tail, re.M),
          "no locks summary line")

    out = ctx.run('test.exit=1 lock.debug=0 lock.timeout_ms=300 run="lock-bug double"', 2,
                  ended_by="isa-debug-exit 0x12")
    tail = after_command(out, "lock-bug double")
    check("lock.debug: BUG" not in tail, "lock.debug=0 reported the double take")
    check(re.search(r"^\[[ .\d]+\] lock: suspected deadlock: cpu0 spun \d+ ms on 'lock_bug_a' "
                    r"held by cpu0$", tail, re.M), "no deadlock timeout report: %s" % tail[-400:])
    check(re.search(r"\] spin_lock_contended\+0x", tail), "no backtrace from the spinning lock")
