"""test_exit.py - the exit status contract (README "Exit statuses").

Fast PVH boots; each case checks the launcher's status and what the guest
printed on the way out.
"""
import re

from harness import check, ktap_results, test


ACPI = "ACPI power-off (S5)"


@test("exit.poweroff_acpi", timeout=30)
def poweroff_acpi(ctx):
    """poweroff without test.exit goes through ACPI S5: status 0, and the
    launcher says ACPI ended the run (the fallback, isa-debug-exit 0x10,
    gives status 0 too)."""
    out = ctx.run('run="poweroff"', 0, ended_by=ACPI)
    check("poweroff: powering off" in out, "no power-off message")
    check("S5 power-off did not take effect" not in out, "the kernel says S5 failed")


@test("exit.poweroff_test_mode", timeout=30)
def poweroff_test_mode(ctx):
    """poweroff with test.exit=1 and nothing failed: status 0 (0x10)."""
    ctx.run('test.exit=1 run="echo fine; poweroff"', 0, ended_by="isa-debug-exit 0x10")


@test("exit.selftest_failure", timeout=60)
def selftest_failure(ctx):
    """An injected self-test failure with test.exit=1: status 1 (0x11)."""
    out = ctx.run('test.exit=1 selftest.inject_failure=1 run="selftest; poweroff"', 1)
    results, passed, failed = ktap_results(out)
    check(failed is not None and failed >= 1, "summary does not count the failure")
    check(any(not ok for ok, _, _ in results), "no 'not ok' KTAP line")


@test("exit.failure_then_poweroff", timeout=30)
def failure_then_poweroff(ctx):
    """A failed run= command, then poweroff with test.exit=1: status 1."""
    out = ctx.run('test.exit=1 run="no-such-command; poweroff"', 1)
    check("error: " in out, "no error line for the failing command")


@test("exit.failure_without_test_mode", timeout=30)
def failure_without_test_mode(ctx):
    """Without test.exit a failed command does not change poweroff's 0."""
    ctx.run('run="no-such-command; poweroff"', 0, ended_by=ACPI)


@test("exit.panic", timeout=30)
def panic(ctx):
    """panic() with test.exit=1: the message, a call trace with symbol
    names from panic() back to kmain, status 2 (0x12). (The echoed command
    'crash panic' holds the word panic on its own: it proves nothing.)"""
    out = ctx.run('test.exit=1 run="crash panic"', 2, ended_by="isa-debug-exit 0x12")
    after = out.split("pfnos> crash panic\n", 1)
    check(len(after) == 2, "the run= command was not echoed")
    check(re.search(r"^Kernel panic: crash command$", after[1], re.M),
          "no 'Kernel panic: crash command' line")
    m = re.search(r"^\[[ .0-9]+\] Call trace:\n((?:\[[ .0-9]+\]   \[<[0-9a-f]{16}>\] \S+\n)+)",
                  after[1], re.M)
    check(m, "no call trace after the panic message")
    frames = re.findall(r"\] (\w+)\+0x[0-9a-f]+$", m.group(1), re.M)
    check(frames[:2] == ["panic", "cmd_crash"] and "kmain" in frames,
          "call trace %s does not run panic, cmd_crash, ..., kmain" % frames)
    check(re.search(r"^\[[ .0-9]+\] panic: exiting QEMU with status 0x12$", after[1], re.M),
          "no 'panic: exiting QEMU with status 0x12' line")


@test("exit.page_fault", timeout=30)
def page_fault(ctx):
    """An unhandled page fault: a readable dump with CR2, status 2."""
    out = ctx.run('test.exit=1 run="crash pagefault"', 2)
    check("page fault" in out.lower() or "#PF" in out, "no page-fault dump")


@test("exit.invalid_opcode", timeout=30)
def invalid_opcode(ctx):
    """An unhandled #UD: status 2."""
    out = ctx.run('test.exit=1 run="crash ud"', 2)
    check("#UD" in out or "invalid opcode" in out.lower(), "no #UD dump")


@test("exit.reset", timeout=30)
def reset(ctx):
    """reboot under -no-reboot (the launcher's default with --timeout): 3."""
    ctx.run('run="reboot"', 3)
