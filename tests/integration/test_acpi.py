"""test_acpi.py - ACPI seen from outside: acpi.rsdp= and tables that the
firmware could place above 4 GiB (an XSDT entry, the FADT's X_DSDT), built
by the host from the real tables and placed in the NVDIMM, which QEMU puts
at 4 GiB. PVH boots.
"""
import re

from harness import check, test


def acpi_info(out):
    """(RSDP address, {signature: (address, length)}) from `acpi` output."""
    m = re.search(r"^RSDP rev \d+ OEM \S+ at (0x[0-9a-f]+), root (?:RSDT|XSDT) at 0x[0-9a-f]+$",
                  out, re.M)
    check(m is not None, "acpi printed no RSDP line")
    tables = {}
    for sig, addr, length in re.findall(r"^([A-Z0-9]{4}) (0x[0-9a-f]{16}) +(\d+) rev ", out, re.M):
        tables.setdefault(sig, (int(addr, 16), int(length)))
    return int(m.group(1), 16), tables


@test("acpi.rsdp_option", timeout=40)
def rsdp_option(ctx):
    """acpi.rsdp= with no RSDP at that address: a warning, then the usual
    search finds the firmware's; acpi.rsdp= naming the firmware's RSDP: it
    is taken from there."""
    out = ctx.run('loglevel=7 acpi.rsdp=0x1000 run="acpi; poweroff"', 0, name="bad")
    check(re.search(r"acpi: acpi.rsdp=0x1000: no valid RSDP there, searching$", out, re.M),
          "no warning for acpi.rsdp=0x1000")
    rsdp, tables = acpi_info(out)
    check("FACP" in tables, "the usual search found no FADT")
    out = ctx.run('loglevel=7 acpi.rsdp=0x%x run="acpi; poweroff"' % rsdp, 0, name="good")
    check(re.search(r"\] acpi: RSDP at 0x%x \(acpi\.rsdp=\)$" % rsdp, out, re.M),
          "acpi.rsdp=0x%x was not taken" % rsdp)
    check(acpi_info(out)[1] == tables, "other tables through acpi.rsdp=")
