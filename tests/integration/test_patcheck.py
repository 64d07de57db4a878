"""test_patcheck.py - the host checker build/patcheck against an independent
Python implementation of the data pattern (no QEMU)."""
import random
import subprocess

from harness import Config, check, pattern, splitmix64, test


def patcheck(*args):
    p = subprocess.run([str(Config.build / "patcheck")] + [str(a) for a in args],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


@test("patcheck.vectors_and_verdicts", timeout=60)
def vectors_and_verdicts(ctx):
    # The test vectors pin the Python reference first.
    check(splitmix64((7 << 48) ^ 0) == 0x65fe7950f9a3a8b5, "vector B=0")
    check(splitmix64((7 << 48) ^ 1) == 0xeeda2a5c4dbdeccd, "vector B=8")
    check(splitmix64((7 << 48) ^ (51200 >> 3)) == 0xb7e4ab1ac214bd36, "vector B=51200")
    check(Config.build.joinpath("patcheck").exists(), "build/patcheck not built (make test builds it)")

    seed = random.randrange(1, 1 << 31)
    ctx.note("seed %d" % seed)
    rng = random.Random(seed)
    f = ctx.dir / "region.img"
    # [0, 64k): zeros; [64k, 64k+1M): seed 7 with region offset = file offset;
    # then 10000 bytes of seed 65535 for region offsets starting at 3.
    body = pattern(7, 65536, 1 << 20)
    tail_off = 65536 + (1 << 20)
    f.write_bytes(bytes(65536) + body + pattern(65535, 3, 10000))

    cases = [
        ((f, 65536, "1m", 7), 0),
        ((f, "0x10000", "0x100000", 7, "64k"), 0),
        ((f, 65536 + 13, 999, 7), 0),
        ((f, tail_off, 10000, 65535, 3), 0),
        ((f, tail_off + 5, 9995, 65535, 8), 0),
        ((f, 65536, "1m", 8), 1),
        ((f, 0, 8, 7), 1),
        ((f, tail_off, 10000, 65535), 1),
        ((f, tail_off, 10001, 65535, 3), 2),        # past the end of the file
        ((f, "12x", 1, 7), 2), ((f, 0, 1, 65536), 2), ((f, -1, 1, 7), 2),
        ((f, 0, "0xffffffffffffffff", 7), 2), ((f, 0, "99999999t", 7), 2),
        ((ctx.dir / "missing.img", 0, 1, 7), 2), ((f, 0, 1), 2),
    ]
    for args, want in cases:
        st, out, err = patcheck(*args)
        check(st == want, "patcheck %s: status %d, expected %d (%s%s)" % (
            " ".join(map(str, args[1:])), st, want, out.strip(), err.strip()))
        if want == 0:
            check(out.startswith("patcheck ok "), "no 'patcheck ok' line: %r" % out)

    # Random single-byte corruptions are found at the exact offset.
    data = bytearray(f.read_bytes())
    for _ in range(5):
        pos = 65536 + rng.randrange(1 << 20)
        old = data[pos]
        data[pos] = old ^ (1 + rng.randrange(255))
        f.write_bytes(data)
        st, out, _ = patcheck(f, 65536, "1m", 7)
        want = "patcheck FAILED at file offset %d (expected 0x%02x, got 0x%02x)" % (
            pos, old, data[pos])
        check(st == 1 and out.strip() == want, "corruption at %d: %r, expected %r" % (pos, out, want))
        data[pos] = old


@test("patcheck.write", timeout=60)
def write_mode(ctx):
    """patcheck --write stores exactly the Python reference's bytes in the
    range and nothing outside it (the Linux guest writes the pattern with it)."""
    f = ctx.dir / "w.img"
    f.write_bytes(bytes(3 << 20))
    st, out, err = patcheck("--write", f, 4096 + 3, (1 << 20) + 5, 65535, 100)
    check(st == 0 and out.strip() == "patcheck wrote %s %d %d" % (f, 4099, (1 << 20) + 5),
          "patcheck --write: status %d: %s%s" % (st, out.strip(), err.strip()))
    data = f.read_bytes()
    check(data[4099:4099 + (1 << 20) + 5] == pattern(65535, 100, (1 << 20) + 5),
          "--write stored something else than the pattern of seed 65535 from B=100")
    check(not any(data[:4099]) and not any(data[4099 + (1 << 20) + 5:]),
          "--write touched bytes outside its range")
    st, out, _ = patcheck(f, 4099, (1 << 20) + 5, 65535, 100)
    check(st == 0, "patcheck does not accept what --write wrote: %s" % out.strip())
    for args in [("--write", ctx.dir / "no" / "such.img", 0, 8, 1), ("--write", f, 0, 8),
                 ("--write", f, 0, 8, 65536)]:
        st, out, err = patcheck(*args)
        check(st == 2, "patcheck %s: status %d, expected 2" % (" ".join(map(str, args)), st))
