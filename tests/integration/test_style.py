"""test_style.py - rules of STYLE.md that a machine can check, over the
sources (no QEMU).

style.no_macro_hides_return: no #define in the kernel, its headers or its
tests expands to a `return` (STYLE: "no macro that hides a return"): a
reader of the caller must see every way out of it. The test framework's
KT_ASSERT family in include/ktest.h is the one exception, by its contract
("the KT_ASSERT family returns from the test at once", as KUnit's
assertions end the test).

style.make_pattern_rules_match_sources: every pattern rule of the
Makefiles that names a special kind of source (%_x.c) matches at least one
file; a rule for files that do not exist tells the reader they do.

style.registration_macro_comments: where a header's opening comment shows
how to call its registration macro (SHELL_COMMAND(...), KTEST(...)), the
arguments come in the macro's order.
"""
import re

from harness import REPO, check, test

MAKEFILES = ("Makefile", "boot/efi/efi.mk")

SOURCE_DIRS = ("boot", "kernel", "mm", "block", "drivers", "lib", "include", "tests")
ALLOWED = {("include/ktest.h", "KT_ASSERT"), ("include/ktest.h", "KT_ASSERT_EQ")}


def strip_comments_and_strings(text):
    text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    return re.sub(r'"(\\.|[^"\\\n])*"', '""', text)


def macros(text):
    """(line number, name, body) of every #define, continuation lines joined."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"\s*#\s*define\s+(\w+)", lines[i])
        if not m:
            i += 1
            continue
        start, body = i, lines[i]
        while body.endswith("\\") and i + 1 < len(lines):
            i += 1
            body = body[:-1] + " " + lines[i]
        yield start + 1, m.group(1), body
        i += 1


def macros_with_return(root):
    found = []
    for d in SOURCE_DIRS:
        for path in sorted((root / d).rglob("*.[ch]")):
            rel = path.relative_to(root).as_posix()
            text = strip_comments_and_strings(path.read_text(errors="replace"))
            for line, name, body in macros(text):
                if re.search(r"\breturn\b", body) and (rel, name) not in ALLOWED:
                    found.append("%s:%d %s" % (rel, line, name))
    return found


@test("style.no_macro_hides_return", timeout=30)
def no_macro_hides_return(ctx):
    """No #define expands to a return, outside ktest.h's KT_ASSERT family."""
    bad = macros_with_return(REPO)
    ctx.note("%d source directories scanned" % len(SOURCE_DIRS))
    check(not bad, "macros that hide a return: " + ", ".join(bad))


def dead_pattern_rules(root):
    """Pattern rules "TARGET%SUFFIX.o: [DIR/]%SUFFIX.EXT" with a non-empty
    SUFFIX that no source file under root matches."""
    dead = []
    for mk in MAKEFILES:
        for n, line in enumerate((root / mk).read_text().split("\n"), 1):
            m = re.match(r"^\S*%(\w+)\.o:\s*(\S*?)%(\w*)\.(c|asm)\b", line)
            if not m or not m.group(3):
                continue
            d = m.group(2).rstrip("/") or "."
            pattern = "*%s.%s" % (m.group(3), m.group(4))
            if not [p for p in (root / d).rglob(pattern) if "build" not in p.parts]:
                dead.append("%s:%d matches no %s" % (mk, n, pattern))
    return dead


@test("style.make_pattern_rules_match_sources", timeout=30)
def make_pattern_rules_match_sources(ctx):
    """No Makefile pattern rule for a kind of source that does not exist."""
    dead = dead_pattern_rules(REPO)
    check(not dead, "dead pattern rules: " + "; ".join(dead))


REGISTRATION_MACROS = (("include/shell.h", "SHELL_COMMAND"), ("include/ktest.h", "KTEST"))


def macro_comment_mismatches(root):
    """Headers whose comment writes MACRO(a, b, ...) with other argument
    names, or another order, than the #define's parameters (a trailing _
    dropped)."""
    bad = []
    for rel, name in REGISTRATION_MACROS:
        text = (root / rel).read_text()
        d = re.search(r"#\s*define\s+%s\(([^)]*)\)" % name, text)
        params = [p.strip().rstrip("_") for p in d.group(1).split(",")] if d else None
        comments = " ".join(re.findall(r"/\*.*?\*/", text, flags=re.S))
        for m in re.finditer(r"\b%s\(([^)]*)\)" % name, comments):
            used = [a.strip() for a in m.group(1).split(",")]
            if params is None or used != params:
                bad.append("%s: comment says %s(%s), the macro is %s(%s)" % (
                    rel, name, ", ".join(used), name, ", ".join(params or ["?"])))
    return bad


@test("style.registration_macro_comments", timeout=30)
def registration_macro_comments(ctx):
    """Header comments call SHELL_COMMAND and KTEST with the macro's own
    argument order."""
    bad = macro_comment_mismatches(REPO)
    check(not bad, "; ".join(bad))
