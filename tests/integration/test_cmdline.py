"""test_cmdline.py - run= scripts, Linux parse_args quoting, and options refused
with a line that names them."""
import re

from harness import check, check_status, test


def echoed(out):
    """The commands echoed behind the prompt by run=, in order."""
    return re.findall(r"^pfnos> (.+)$", out, re.M)


@test("cmdline.run_order", timeout=30)
def run_order(ctx):
    """run= commands run in order, each echoed behind the prompt; every one
    runs even after one fails, and the failure makes the exit status 1."""
    out = ctx.run('test.exit=1 run="echo one; no-such-command; echo two; '
                  'help no-such-either; echo three; poweroff"', 1)
    check(echoed(out) == ["echo one", "no-such-command", "echo two",
                          "help no-such-either", "echo three", "poweroff"],
          "echoed commands: %s" % echoed(out))
    m = re.search(r"pfnos> echo one\none\npfnos> no-such-command\nerror: [^\n]*\n"
                  r"pfnos> echo two\ntwo\npfnos> help no-such-either\nerror: [^\n]*\n"
                  r"pfnos> echo three\nthree\npfnos> poweroff\n", out)
    check(m, "output not in run= order")


@test("cmdline.quoting", timeout=30)
def quoting(ctx):
    """"run=a; b" and run="a; b" are the same; repeated run= append in
    order; spaces and semicolons inside quotes stay in one value."""
    out = ctx.run('"run=echo q1; echo q2" run="echo q3;echo q4" '
                  'run=poweroff', 0)
    check(echoed(out) == ["echo q1", "echo q2", "echo q3", "echo q4", "poweroff"],
          "echoed commands: %s" % echoed(out))
    for w in ("q1", "q2", "q3", "q4"):
        check(re.search(r"^%s$" % w, out, re.M), "echo %s did not print" % w)


@test("cmdline.override", timeout=60)
def override(ctx):
    """A key given again overrides the earlier value (test.exit here)."""
    ctx.run('test.exit=0 test.exit=1 run="no-such-command; poweroff"', 1, name="on")
    ctx.run('test.exit=1 test.exit=0 run="no-such-command; poweroff"', 0, name="off")


@test("cmdline.run_empty_and_long", timeout=30)
def run_empty_and_long(ctx):
    """Empty commands are skipped; a command longer than a shell line gets
    one error line and the rest still runs."""
    # Had the long command run, even cut short, its output line would start
    # with the marker (printk cuts lines at 511 bytes, so 600 x's could never
    # appear); its echo behind the prompt does not start a line with it.
    long = "echo RAN-LONG-" + "x" * 600
    out = ctx.run('test.exit=1 run=";; echo a ;  ; %s; echo b; poweroff"' % long, 1)
    check(re.search(r"^a$", out, re.M) and re.search(r"^b$", out, re.M),
          "the commands around the long one did not run")
    check(len(re.findall(r"^error: .*too long", out, re.M)) == 1,
          "no single 'too long' error line")
    check(re.search(r"^pfnos> echo RAN-LONG-x+\.\.\.$", out, re.M),
          "the long command was not echoed (cut) behind the prompt")
    check(not re.search(r"^RAN-LONG-", out, re.M), "the overlong command ran")


@test("cmdline.loglevel_clamped", timeout=40)
def loglevel_clamped(ctx):
    """loglevel= above 7 means 7 (info and debug lines shown), however
    large: 0xffffffff and 4g must not become -1 or 0 (a silent console)
    through a cast to int. loglevel=0 does hide the info lines, so the
    check can see a silence."""
    banner = r"^\[[ .0-9]+\] pfnos \S+ booting via "
    debug = r"^\[[ .0-9]+\] shutdown: nvme$"	# pr_debug, at poweroff
    out = ctx.run('loglevel=0 run="poweroff"', 0, name="zero")
    check(not re.search(banner, out, re.M), "loglevel=0 showed the info lines")
    for name, value in (("big", "0xffffffff"), ("4g", "4g"), ("eight", "8")):
        out = ctx.run('loglevel=%s run="poweroff"' % value, 0, name=name)
        check(re.search(banner, out, re.M), "loglevel=%s hid the info lines" % value)
        check(re.search(debug, out, re.M), "loglevel=%s hid the debug lines" % value)


@test("cmdline.blk_pool_sizes", timeout=60)
def blk_pool_sizes(ctx):
    """Each blk.* pool size outside its range (0, or 2^32 + 1024, which a
    32-bit cast would take for 1024) is refused with a line naming it and
    the range, and its default is used; the block layer comes up and does
    I/O, a flush sequence included. The largest sizes accepted are really
    allocated."""
    bad = {"blk.bios": ("4294968320", 1024, 16384),
           "blk.vec_tables": ("0", 64, 1024),
           "blk.sg_chunks": ("0x100000040", 64, 1024),
           "blk.flush_seqs": ("0", 64, 4096)}
    io = ("write pmem0 8 64 3; verify pmem0 8 64 3; "
          "write nvme0n1 8 64 4 preflush=1 fua=1; verify nvme0n1 8 64 4; poweroff")
    g = ctx.boot("test.exit=1 %s run=\"%s\""
                 % (" ".join("%s=%s" % (k, v[0]) for k, v in bad.items()), io),
                 boot="kernel", args=["--pin", "0"], name="bad")
    st = g.wait()
    out = g.text
    for key, (val, default, top) in bad.items():
        line = "block: %s=%d out of range 1..%d, using %d" % (key, int(val, 0), top, default)
        check(line in out, "no refusal line %r" % line)
    check("block: 1024 bios, 64 vec tables, 64 sg chunks, 64 flush sequences" in out,
          "the pools did not come up with the defaults")
    for ok in ("write ok pmem0 8 64", "verify ok pmem0 8 64",
               "write ok nvme0n1 8 64", "verify ok nvme0n1 8 64"):
        check(ok in out, "%r missing" % ok)
    check_status(g, st, 0)

    out = ctx.run("test.exit=1 %s run=\"%s\""
                  % (" ".join("%s=%d" % (k, v[2]) for k, v in bad.items()), io),
                  0, args=["--pin", "0"], name="largest")
    check("out of range" not in out, "a largest size refused")
    check("block: 16384 bios, 1024 vec tables, 1024 sg chunks, 4096 flush sequences" in out,
          "the largest pools did not come up")
