"""test_pci.py - PCI enumeration and interrupts seen from the shell (issue 5):
ECAM on q35, the legacy ports on pc, the NVMe controller's 64-bit BAR and
MSI-X capability, and the interrupt self tests on both machines.
"""
import re

from harness import check, ktap_results, test

NVME = r"^(\S+) 1b36:0010 class 010802 NVMe controller$"


def check_nvme(out, how):
    check(re.search(r"^\[.*pci: \d+ functions via %s" % how, out, re.M),
          "enumeration did not say it used %s" % how)
    m = re.search(NVME, out, re.M)
    check(m is not None, "lspci shows no NVMe controller 1b36:0010 class 010802")
    return m.group(1)


@test("pci.q35_ecam", timeout=60)
def q35_ecam(ctx):
    """q35: ECAM from the MCFG; the NVMe controller with a 64-bit BAR0 and
    MSI-X; the irq self tests pass."""
    out = ctx.run('test.exit=1 run="lspci -v; irqs; selftest irq.; poweroff"', 0,
                  boot="kernel")
    check_nvme(out, "ecam")
    check(re.search(r"^\tBAR0: mem 0x[0-9a-f]+ size 16K 64-bit$", out, re.M),
          "NVMe BAR0 not a 64-bit 16K memory BAR")
    check(re.search(r"^\tcaps: .*MSI-X\(\d+\)", out, re.M), "no MSI-X capability listed")
    check(re.search(r"^  0x[0-9a-f]{2} +\d+  timer$", out, re.M), "irqs lists no timer")
    _, passed, failed = ktap_results(out)
    check(failed == 0 and passed and passed >= 5, "irq self tests: %s/%s" % (passed, failed))


@test("pci.pc_legacy_ports", timeout=60)
def pc_legacy(ctx):
    """The i440fx pc machine has no MCFG: enumeration through 0xCF8/0xCFC
    still finds the NVMe controller, and interrupts work there too."""
    out = ctx.run('test.exit=1 run="lspci; selftest irq.; poweroff"', 0, boot="kernel",
                  args=["--machine", "pc"])
    check_nvme(out, "ports")
    _, passed, failed = ktap_results(out)
    check(failed == 0 and passed and passed >= 5, "irq self tests: %s/%s" % (passed, failed))


@test("pci.uefi_bar_above_4g", timeout=120)
def uefi_bar(ctx):
    """Under OVMF the NVMe BAR sits above 4 GiB; lspci sizes and lists it."""
    out = ctx.run('test.exit=1 run="lspci -v; poweroff"', 0, firmware="uefi", boot="iso")
    check_nvme(out, "ecam")
    m = re.search(r"^\tBAR0: mem (0x[0-9a-f]+) size 16K 64-bit$", out, re.M)
    check(m is not None, "no 64-bit BAR0 line")
    check(int(m.group(1), 16) >= 1 << 32, "BAR0 %s is below 4 GiB under OVMF" % m.group(1))


def qemu_args(*words):
    out = []
    for w in words:
        out += ["--qemu-arg", w]
    return out


@test("pci.behind_bridges", timeout=90)
def behind_bridges(ctx):
    """Every bus behind every bridge: on q35 an e1000 behind a PCIe root
    port and a PCIe-to-PCI bridge (bus 2), on pc one behind a pci-bridge."""
    q35 = ctx.run('test.exit=1 run="lspci; poweroff"', 0, boot="kernel", name="q35",
                  args=qemu_args("-device", "pcie-root-port,id=rp1,bus=pcie.0,chassis=1,addr=0x10",
                                 "-device", "pcie-pci-bridge,id=br1,bus=rp1",
                                 "-device", "e1000,bus=br1,addr=1"))
    m = re.search(r"^([0-9a-f]{2}):[0-9a-f]{2}\.\d 8086:100e ", q35, re.M)
    check(m is not None, "q35: the e1000 behind root port + bridge was not found")
    check(int(m.group(1), 16) >= 2, "q35: e1000 on bus %s, expected behind two bridges"
          % m.group(1))
    check(re.search(r"class 060400", q35), "q35: no PCI bridge listed")
    pc = ctx.run('test.exit=1 run="lspci; poweroff"', 0, boot="kernel", name="pc",
                 args=["--machine", "pc"] + qemu_args(
                     "-device", "pci-bridge,id=br1,chassis_nr=1",
                     "-device", "e1000,bus=br1,addr=1"))
    m = re.search(r"^([0-9a-f]{2}):[0-9a-f]{2}\.\d 8086:100e ", pc, re.M)
    check(m is not None and int(m.group(1), 16) >= 1,
          "pc: the e1000 behind the pci-bridge was not found on bus >= 1")
