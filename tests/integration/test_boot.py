"""test_boot.py - every boot path reaches the shell and runs self tests.

The full self tests run on the fast SeaBIOS paths (direct PVH boot and the
GRUB ISO); each UEFI path (GRUB ISO, GNU-EFI loader) gets a smoke test with
two CPUs: boot, a few self tests and the smp ones, ACPI power-off. boot.ram_4g boots with 4 GiB of RAM (its
boot time is judged by make bench, not here).
"""
import re

from harness import (SMP_TESTS, check, check_ended_by, check_ktap, check_status, ktap_parse,
                     test)

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
    # the self tests run with the lock checker on (lock.debug=1): a locking
    # bug anywhere on their paths stops the run with a report
    g = ctx.boot('test.exit=1 lock.debug=1 run="selftest; poweroff"', firmware=firmware,
                 boot=boot)
    us = check_boot_banner(g, boot)
    ctx.note("entry to prompt %d us" % us)
    g.expect(r"pfnos> selftest\n", what="the echoed run= command")
    st = g.wait()
    k = ktap_parse(g.text)
    bad = [r.name for r in k.not_ok]
    check(not bad, "self tests failed: " + ", ".join(bad))
    # plan = ok + skip, the closing line counts each, and on the standard
    # machine nothing skips but the failure injected on request and the
    # tests that need a second CPU (test_smp.py runs those with --smp)
    check_ktap(k)
    check(k.passed > 0 and k.failed == 0, "summary says %d passed, %d failed"
          % (k.passed, k.failed))
    check(sorted(r.name for r in k.skips) == sorted(("selftest.injected_failure",) + SMP_TESTS),
          "skipped: %s" % [r.name for r in k.skips])
    check_status(g, st, 0)
    check(re.search(r"^\[[ .\d]+\] lock: lock\.debug=1: ", g.text, re.M),
          "the kernel did not turn lock.debug on")
    check("lock.debug: BUG" not in g.text, "lock.debug reported a bug")
    ctx.note("%d self tests, %d skipped" % (k.passed, k.skipped))


def smoke(ctx, firmware, boot):
    """Boot with two CPUs (--smp 2: the UEFI paths' SMP check too, see
    test_smp.py) and lock.debug=1, a few self tests, the DMA ones, the smp
    ones, ACPI power-off."""
    g = ctx.boot('kmap.debug=1 lock.debug=1 run="version; cpus; selftest %s; selftest dma.; '
                 'selftest smp.; poweroff"' % SMOKE_FILTER, firmware=firmware, boot=boot,
                 args=["--smp", "2"])
    check_boot_banner(g, boot)
    g.expect(r"pfnos> version\n")
    g.expect(r"pfnos> cpus\n")
    g.expect(r"cpu0 apic=\d+ online .*\ncpu1 apic=\d+ online .*\n", what="two CPUs online")
    g.expect(r"pfnos> selftest %s\n" % re.escape(SMOKE_FILTER))
    m = g.expect(r"\n(\d+) passed, (\d+) failed, (\d+) skipped\n")
    check(int(m.group(1)) > 0 and m.group(2) == "0" and m.group(3) == "0",
          "smoke self tests: %s passed, %s failed, %s skipped" % m.groups())
    # the DMA tests see the bounce pool where this firmware's memory map and
    # the second CPU's stacks leave it (under OVMF its chunks are apart)
    g.expect(r"pfnos> selftest dma\.\n")
    m = g.expect(r"\n(\d+) passed, (\d+) failed, (\d+) skipped\n")
    check(int(m.group(1)) > 0 and m.group(2) == "0" and m.group(3) == "0",
          "dma self tests: %s passed, %s failed, %s skipped" % m.groups())
    g.expect(r"pfnos> selftest smp\.\n")
    m = g.expect(r"\n(\d+) passed, (\d+) failed, (\d+) skipped\n")
    # the ones that need a second CPU, and smp.call_refusals, which does not
    check(int(m.group(1)) == len(SMP_TESTS) + 1 and m.group(2) == "0" and m.group(3) == "0",
          "smp self tests: %s passed, %s failed, %s skipped" % m.groups())
    g.expect(r"pfnos> poweroff\n")
    # No test.exit: the power-off goes through ACPI S5 (the launcher says
    # so; the debug-exit fallback would give 0 as well).
    check_status(g, g.wait(), 0)
    check_ended_by(g, "ACPI power-off (S5)")


def entry_to_prompt_us(ctx, mem):
    """One PVH boot with mem of RAM straight to power-off: the guest's own
    kernel entry to prompt time (TSC), in microseconds."""
    g = ctx.boot('run="poweroff"', boot="kernel", args=["--mem", mem],
                 name="mem%s_%d" % (mem, len(ctx.guests)))
    us = check_boot_banner(g, "kernel")
    check_status(g, g.wait(), 0)
    return us


@test("boot.ram_4g", timeout=60)
def ram_4g(ctx):
    """4 GiB of RAM boots to the prompt and powers off. How long that takes is
    a benchmark's to judge (make bench: boot time per RAM size against its
    50 ms budget), never a timed test's on a shared host; the allocator's
    unit test buddy.add_range_touches_no_frame_per_max_block guards the
    cause of the old RAM-linear boot."""
    us = entry_to_prompt_us(ctx, "4G")
    ctx.note("kernel entry to prompt %d us with 4 GiB (not judged here)" % us)


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
    """OVMF + GRUB ISO, --smp 2: boot, a few self tests and the smp ones
    (OVMF leaves its APs parked: INIT resets them), ACPI power-off."""
    smoke(ctx, "uefi", "iso")


@test("boot.uefi_efi_smoke", timeout=120)
def uefi_efi_smoke(ctx):
    """OVMF + GNU-EFI loader on esp.img, --smp 2: boot, a few self tests and
    the smp ones, power-off."""
    smoke(ctx, "uefi", "efi")


@test("boot.uefi_efi_test_exit", timeout=120)
def uefi_efi_test_exit(ctx):
    """OVMF + GNU-EFI loader with test.exit=1: an injected self-test failure
    exits 1 (the issue's 'Done when' check on a UEFI path)."""
    g = ctx.boot('test.exit=1 selftest.inject_failure=1 run="selftest selftest.; poweroff"',
                 firmware="uefi", boot="efi")
    g.expect(r"not ok \d+ selftest.injected_failure")
    check_status(g, g.wait(), 1)


# Tests that need the NVDIMM or the NVMe drive: without them each reports
# "# SKIP" with its reason instead of passing (and instead of failing).
DEVICE_TESTS = ("bench.real_nvme0n1", "bench.real_pmem0", "irq.pci_nvme_msix",
                "dma.pmem_bounced_for_32bit_device", "dma.sg_many_entries_ram_and_pmem",
                "mm.kmap_every_region_first_last_random", "mm.kmap_nesting_and_misuse",
                "mm.memremap_region_sees_kmap_writes", "mm.kmap_nests_from_interrupt",
                "nvme.identify", "nvme.pmem_zero_copy", "pmem.direct_access",
                "pmem.devices_match_regions", "pmem.rw_every_offset_and_length")


@test("boot.selftest_without_devices", timeout=60)
def selftest_without_devices(ctx):
    """--pmem none --nvme none: the device tests report # SKIP with a
    reason, the closing line counts them as skipped (not passed), nothing
    fails; the same run on the standard machine skips none of them."""
    out = ctx.run('test.exit=1 lock.debug=1 run="selftest; poweroff"', 0, pmem=["none"],
                  nvme=["none"])
    k = ktap_parse(out)
    check_ktap(k, allow_skips=True)
    check(k.failed == 0, "failed without devices: %s" % [r.name for r in k.not_ok])
    skipped = {r.name: r.skip for r in k.skips}
    missing = [n for n in DEVICE_TESTS if n not in skipped]
    check(not missing, "device tests that did not skip without devices: %s" % missing)
    check(all(skipped.values()), "a skip without a reason: %s" % skipped)
    check(k.skipped == len(skipped) and k.passed == len(k.ran),
          "closing line %d passed, %d skipped" % (k.passed, k.skipped))
    ctx.note("%d passed, %d skipped" % (k.passed, k.skipped))
