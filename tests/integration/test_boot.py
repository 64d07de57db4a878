"""test_boot.py - every boot path reaches the shell and runs self tests.

The full self tests run on the fast SeaBIOS paths (direct PVH boot and the
GRUB ISO); each UEFI path (GRUB ISO, GNU-EFI loader) gets a smoke test: boot,
a few self tests, ACPI power-off. boot.time_flat_in_ram holds the boot time
to its budget at 512 MiB and 4 GiB of RAM.
"""
import re

from harness import check, check_status, ktap_results, test

# A small selftest filter that exists from the boot issue on; the smoke test
# runs the self tests whose suite.name contains it.
SMOKE_FILTER = "mm."  # fast, and covers page tables, kmap and the NVDIMM

BANNER = {"kernel": r"booting via PVH", "iso": r"booting via GRUB",
          "efi": r"booting via pfnos-efi"}


def check_boot_banner(g, boot):
    g.expect(r"pfnos \S+ " + BANNER[boot], what="the banner for --boot " + boot)
    m = g.expect(r"boot: kernel entry to prompt (\d+) us\n",
                 what="the boot time line")
    return int(m.group(1))


def full_selftest(ctx, firmware, boot):
    g = ctx.boot('test.exit=1 run="selftest; poweroff"', firmware=firmware, boot=boot)
    us = check_boot_banner(g, boot)
    ctx.note("entry to prompt %d us" % us)
    g.expect(r"pfnos> selftest\n", what="the echoed run= command")
    st = g.wait()
    results, passed, failed = ktap_results(g.text)
    check(passed is not None, "no 'N passed, N failed' line")
    bad = [n for ok, _, n in results if not ok]
    check(not bad, "self tests failed: " + ", ".join(bad))
    check(passed == len(results) and passed > 0,
          "summary says %d passed but %d KTAP ok lines" % (passed, len(results)))
    check(failed == 0, "summary says %d failed" % failed)
    nums = [n for _, n, _ in results]
    check(nums == list(range(1, len(nums) + 1)), "KTAP numbers not 1..N: %s" % nums)
    plan = re.search(r"^1\.\.(\d+)$", g.text, re.M)
    check(plan and int(plan.group(1)) == len(results), "KTAP plan line 1..N missing or wrong")
    check_status(g, st, 0)
    ctx.note("%d self tests" % passed)


def smoke(ctx, firmware, boot):
    g = ctx.boot('run="version; selftest %s; poweroff"' % SMOKE_FILTER,
                 firmware=firmware, boot=boot)
    check_boot_banner(g, boot)
    g.expect(r"pfnos> version\n")
    g.expect(r"pfnos> selftest %s\n" % re.escape(SMOKE_FILTER))
    m = g.expect(r"\n(\d+) passed, (\d+) failed\n")
    check(int(m.group(1)) > 0 and m.group(2) == "0",
          "smoke self tests: %s passed, %s failed" % m.groups())
    g.expect(r"pfnos> poweroff\n")
    # No test.exit: the power-off goes through ACPI S5 and still gives 0.
    check_status(g, g.wait(), 0)


def entry_to_prompt_us(ctx, mem):
    """One PVH boot with mem of RAM straight to power-off: the guest's own
    kernel entry to prompt time (TSC), in microseconds."""
    g = ctx.boot('run="poweroff"', boot="kernel", args=["--mem", mem],
                 name="mem%s_%d" % (mem, len(ctx.guests)))
    us = check_boot_banner(g, "kernel")
    check_status(g, g.wait(), 0)
    return us


BOOT_BUDGET_US = 50000       # kernel entry to prompt at 512 MiB, one CPU
BOOT_RAM_SLOPE_US = 10000    # what 4 GiB may add to it


@test("boot.time_flat_in_ram", timeout=180)
def time_flat_in_ram(ctx):
    """Kernel entry to prompt within 50 ms at 512 MiB, and 4 GiB at most
    10 ms above that (the allocator must not touch every frame). A busy host
    only ever adds time, so each size counts its best of up to 10 boots, and
    the test stops as soon as both hold (one round on a quiet host); it can
    still fail on a host kept busy throughout: run it again then."""
    best = {}
    for _ in range(10):
        for mem in ("512M", "4G"):
            us = entry_to_prompt_us(ctx, mem)
            best[mem] = min(best.get(mem, us), us)
        if best["512M"] <= BOOT_BUDGET_US and best["4G"] <= best["512M"] + BOOT_RAM_SLOPE_US:
            break
    ctx.note("best entry to prompt: 512 MiB %d us, 4 GiB %d us (%d boots each)"
             % (best["512M"], best["4G"], len(ctx.guests) // 2))
    check(best["512M"] <= BOOT_BUDGET_US,
          "512 MiB: kernel entry to prompt %d us, budget %d us" % (best["512M"], BOOT_BUDGET_US))
    check(best["4G"] <= best["512M"] + BOOT_RAM_SLOPE_US,
          "4 GiB: %d us, more than %d us above 512 MiB's %d us"
          % (best["4G"], BOOT_RAM_SLOPE_US, best["512M"]))


@test("boot.pvh_selftest", timeout=60)
def pvh_selftest(ctx):
    """SeaBIOS, qemu -kernel (PVH): full self tests, exit 0."""
    full_selftest(ctx, "bios", "kernel")


@test("boot.bios_iso_selftest", timeout=90)
def bios_iso_selftest(ctx):
    """SeaBIOS + GRUB ISO: full self tests, exit 0."""
    full_selftest(ctx, "bios", "iso")


@test("boot.uefi_iso_smoke", timeout=120)
def uefi_iso_smoke(ctx):
    """OVMF + GRUB ISO: boot, a few self tests, ACPI power-off."""
    smoke(ctx, "uefi", "iso")


@test("boot.uefi_efi_smoke", timeout=120)
def uefi_efi_smoke(ctx):
    """OVMF + GNU-EFI loader on esp.img: boot, a few self tests, power-off."""
    smoke(ctx, "uefi", "efi")


@test("boot.uefi_efi_test_exit", timeout=120)
def uefi_efi_test_exit(ctx):
    """OVMF + GNU-EFI loader with test.exit=1: an injected self-test failure
    exits 1 (the issue's 'Done when' check on a UEFI path)."""
    g = ctx.boot('test.exit=1 selftest.inject_failure=1 run="selftest selftest.; poweroff"',
                 firmware="uefi", boot="efi")
    g.expect(r"not ok \d+ selftest.injected_failure")
    check_status(g, g.wait(), 1)
