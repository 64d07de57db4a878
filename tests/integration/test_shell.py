"""test_shell.py - the interactive shell over the serial port (--stdin):
bad input gets one 'error:' line and the prompt back; line editing keys;
';' between commands typed at the prompt."""
import os
import random
import re

from harness import check, check_status, test

# Shell commands that take a number as first argument, in order of
# preference (sleep <ms> from the boot issue; the memory issue's pfn/kmap).
NUMERIC_COMMANDS = ("sleep", "pfn", "kmap")


def shell(ctx):
    g = ctx.boot("", boot="kernel", stdin=True)
    g.prompt()
    return g


def finish(ctx, g):
    """The shell still works, and poweroff ends the run with 0."""
    out = g.exchange(b"echo still-alive\r")
    check(re.search(r"^still-alive$", out, re.M), "shell dead after bad input: %r" % out)
    g.send(b"poweroff\r")
    check_status(g, g.wait(), 0)


def lines(out):
    return [ln for ln in out.split("\n") if ln.strip()]


def one_error(out, what, contains=None):
    """Exactly one line, starting 'error:' (after the echoed input line)."""
    ls = [ln for ln in lines(out) if not ln.startswith("\b")]
    errs = [ln for ln in ls if ln.startswith("error:")]
    check(len(errs) == 1, "%s: %d error lines in %r" % (what, len(errs), out))
    check(ls and ls[-1].startswith("error:"), "%s: output after the error line: %r" % (what, out))
    check(len(ls) <= 2, "%s: more than the echo and one error line: %r" % (what, out))
    if contains:
        check(contains in errs[0], "%s: error line %r lacks %r" % (what, errs[0], contains))


@test("shell.unknown_command", timeout=30)
def unknown_command(ctx):
    g = shell(ctx)
    one_error(g.exchange(b"frobnicate now\r"), "unknown command", "frobnicate")
    one_error(g.exchange(b"help frobnicate\r"), "help of an unknown command")
    out = g.exchange(b"\r")
    check(lines(out) == [], "an empty line printed %r" % out)
    out = g.exchange(b"   \t  \r")
    check(not any(ln.startswith("error:") for ln in lines(out)), "blank line gave an error")
    finish(ctx, g)


@test("shell.malformed_numbers", timeout=30)
def malformed_numbers(ctx):
    """Missing, malformed and out-of-range numbers: one error line each."""
    g = shell(ctx)
    helptext = g.exchange(b"help\r")
    names = set(re.findall(r"^\s+(\S+)", helptext, re.M))
    cmd = next((c for c in NUMERIC_COMMANDS if c in names), None)
    check(cmd, "no shell command taking a number (looked for %s)" % ", ".join(NUMERIC_COMMANDS))
    for arg in ("", "zz", "0x", "12abc", "-5", "0xg1", "99999999999999999999999",
                "0x1ffffffffffffffff", "1k2"):
        line = ("%s %s" % (cmd, arg)).strip()
        one_error(g.exchange(line.encode() + b"\r"), repr(line))
    finish(ctx, g)


@test("shell.overlong_line", timeout=30)
def overlong_line(ctx):
    g = shell(ctx)
    one_error(g.exchange(b"echo " + b"y" * 700 + b"\r"), "700-character line", "too long")
    one_error(g.exchange(b"z" * 5000 + b"\r"), "5000-character line", "too long")
    finish(ctx, g)


@test("shell.binary_garbage", timeout=30)
def binary_garbage(ctx):
    g = shell(ctx)
    one_error(g.exchange(b"echo \x00\x01\x02bad\xff\xfe\r"), "NUL and high bytes",
              "non-printable")
    one_error(g.exchange(bytes(range(0x80, 0x100)) + b"\r"), "all high bytes")
    one_error(g.exchange(b"\x1b[Zecho x\x07\x0b\r"), "bell and vertical tab")
    # Enter inside an unfinished escape sequence still ends the line
    # (ECMA-48: control characters within a sequence are executed).
    for data in (b"echo esc\x1b\r", b"echo csi\x1b[\r", b"echo csi2\x1b[12\r"):
        out = g.exchange(data, timeout=10)
        errs = [ln for ln in lines(out) if ln.startswith("error:")]
        check(len(errs) <= 1, "%r: %d error lines: %r" % (data, len(errs), out))
    finish(ctx, g)


@test("shell.ctrl_c", timeout=30)
def ctrl_c(ctx):
    """Ctrl-C abandons the line: nothing runs, a new prompt comes."""
    g = shell(ctx)
    out = g.exchange(b"echo abandoned\x03")
    check("^C" in out, "no ^C echo: %r" % out)
    check(not re.search(r"^abandoned$", out, re.M), "the abandoned line ran")
    out = g.exchange(b"\r")
    check("abandoned" not in out, "the abandoned line ran on Enter: %r" % out)
    finish(ctx, g)


@test("shell.interrupt", timeout=30)
def interrupt(ctx):
    """Ctrl-C interrupts a long-running command: 'error: interrupted', the
    prompt comes back, and keys typed ahead are discarded.

    Events, not the host's speed: once the Enter after 'sleep 600000' is
    echoed the line editor is done, and only the running command reads
    input until it ends; the 10-minute sleep cannot end by itself within
    the test's deadline, so a prompt with 'error: interrupted' is the
    Ctrl-C's doing however slow the host is."""
    g = shell(ctx)
    g.send(b"sleep 600000\r")
    g.expect(r"sleep 600000\n")
    out = g.exchange(b"echo typed-ahead\x03")
    check(re.search(r"^error: interrupted$", out, re.M), "no 'error: interrupted': %r" % out)
    check("typed-ahead" not in out, "type-ahead before Ctrl-C ran: %r" % out)
    out = g.exchange(b"sleep 10\r")
    check(lines(out) == ["sleep 10"], "a short sleep printed %r" % out)
    finish(ctx, g)


@test("shell.editing", timeout=30)
def editing(ctx):
    """Backspace (DEL and ^H) and Ctrl-U edit the line before it runs."""
    g = shell(ctx)
    out = g.exchange(b"echo helXX\x7f\x7flo\r")
    check(re.search(r"^hello$", out, re.M), "DEL editing gave %r" % out)
    out = g.exchange(b"echo wrold\x08\x08\x08\x08orld\r")
    check(re.search(r"^world$", out, re.M), "^H editing gave %r" % out)
    out = g.exchange(b"rm -rf everything\x15echo fresh\r")
    check(re.search(r"^fresh$", out, re.M) and "everything" not in out.split("\n")[-2],
          "Ctrl-U editing gave %r" % out)
    out = g.exchange(b"\x7f\x7f\x7fecho ok\r")
    check(re.search(r"^ok$", out, re.M), "backspace on an empty line broke it: %r" % out)
    finish(ctx, g)


@test("shell.history", timeout=30)
def history(ctx):
    """Up arrow recalls earlier lines, down arrow walks back."""
    g = shell(ctx)
    g.exchange(b"echo first\r")
    g.exchange(b"echo second\r")
    out = g.exchange(b"\x1b[A\r")
    check(re.search(r"^second$", out, re.M), "one up arrow gave %r" % out)
    # Recalling the last line again does not add it twice: [first, second].
    g.exchange(b"echo third\r")
    out = g.exchange(b"\x1b[A\x1b[A\x1b[A\x1b[A\r")
    check(re.search(r"^first$", out, re.M), "up arrows past the oldest gave %r" % out)
    # Now [first, second, third, first]: up x3 reaches second, down: third.
    out = g.exchange(b"\x1b[A\x1b[A\x1b[A\x1b[B\r")
    check(re.search(r"^third$", out, re.M), "up up up down gave %r" % out)
    # Up recalls "echo third", down goes back to the empty new line: Enter
    # runs nothing. (A re-run of the newest entry would print "third".)
    out = g.exchange(b"\x1b[A\x1b[B\r")
    for word in ("first", "second", "third"):
        check(not re.search(r"^%s$" % word, out, re.M),
              "down arrow back to the new line still ran history: %r" % out)
    check(not any(ln.startswith("error:") for ln in lines(out)),
          "down arrow back to the new line gave an error: %r" % out)
    finish(ctx, g)


@test("shell.commands", timeout=30)
def commands(ctx):
    """The issue's commands exist, have one-line help, and run."""
    g = shell(ctx)
    helptext = g.exchange(b"help\r")
    for c in ("help", "version", "echo", "uptime", "cmdline", "dmesg", "selftest",
              "poweroff", "reboot"):
        check(re.search(r"^\s+%s\b.*\S" % c, helptext, re.M), "help lacks %s" % c)
    out = g.exchange(b"version\r")
    check(re.search(r"pfnos", out), "version: %r" % out)
    out = g.exchange(b"uptime\r")
    check(re.search(r"\d", out) and "error" not in out, "uptime: %r" % out)
    out = g.exchange(b"dmesg\r")
    check("booting via" in out, "dmesg lacks the banner")
    out = g.exchange(b"echo  a   \"b c\"  \"d\"\r")
    check(re.search(r"^a b c d$", out, re.M), "echo quoting: %r" % out)
    finish(ctx, g)


@test("shell.semicolon_separates_commands", timeout=30)
def semicolon_separates_commands(ctx):
    """At the prompt, ';' separates commands as in run=: each runs in turn,
    blanks around them do not matter, empty ones are skipped, a ';' inside
    double quotes is part of a word, and a failing command does not stop
    the next one; a Ctrl-C that interrupts one drops the rest."""
    g = shell(ctx)
    out = g.exchange(b"write pmem0 0 8 1; echo x\r")
    check(re.search(r"^write ok pmem0 0 8$", out, re.M), "the write did not run: %r" % out)
    check(re.search(r"^x$", out, re.M), "the echo after ';' did not run: %r" % out)
    check("error:" not in out, "an error: %r" % out)
    out = g.exchange(b"verify pmem0 0 8 1 ;echo first;;  echo second ;\r")
    check(re.search(r"^verify ok pmem0 0 8$", out, re.M), "verify did not run: %r" % out)
    ls = [ln for ln in lines(out) if ln in ("first", "second")]
    check(ls == ["first", "second"], "the commands after it: %r" % out)
    check("error:" not in out, "empty commands gave an error: %r" % out)
    out = g.exchange(b'echo "a;b" c; echo d\r')
    check(re.search(r"^a;b c$", out, re.M) and re.search(r"^d$", out, re.M),
          "';' inside quotes: %r" % out)
    out = g.exchange(b"frobnicate; echo after-error\r")
    check(re.search(r"^error: unknown command 'frobnicate'", out, re.M) and
          re.search(r"^after-error$", out, re.M), "a failure stopped the line: %r" % out)
    # Ctrl-C interrupting one command drops the rest of the line.
    # (events, as in shell.interrupt: once the Enter is echoed the line is
    # cut and the sleep reads what comes next; it cannot end by itself)
    g.send(b"sleep 600000; echo after-ctrl-c\r")
    g.expect(r"sleep 600000; echo after-ctrl-c\n")
    out = g.exchange(b"\x03", timeout=10)
    check(re.search(r"^error: interrupted$", out, re.M), "no 'error: interrupted': %r" % out)
    check(not re.search(r"^after-ctrl-c$", out, re.M), "the line went on after Ctrl-C: %r" % out)
    finish(ctx, g)


@test("shell.random_input", timeout=60)
def random_input(ctx):
    """Random lines of random bytes (ctx.seed: the run's seed repeats them):
    each gets at most one error line, the shell never hangs or dies."""
    seed = ctx.seed
    ctx.note("seed %d" % seed)
    rng = random.Random(seed)
    # Every byte except the line endings and Ctrl-C (tested on their own;
    # here they would split one typed line into several prompts).
    alphabet = [b for b in range(256) if b not in (0x03, 0x0a, 0x0d)]
    g = shell(ctx)
    for i in range(40):
        n = rng.choice((1, 5, 20, 100, 600))
        data = bytes(rng.choice(alphabet) for _ in range(n))
        if rng.random() < 0.5:
            data = b"echo " + data
        out = g.exchange(data + b"\r", timeout=10)
        ls = lines(out)
        errs = [ln for ln in ls if ln.startswith("error:")]
        check(len(errs) <= 1, "seed %d line %d: %d error lines: %r" % (seed, i, len(errs), out))
        check(not errs or ls[-1] == errs[0],
              "seed %d line %d: output after the error: %r" % (seed, i, out))
    finish(ctx, g)
