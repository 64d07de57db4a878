"""test_acpi.py - ACPI seen from outside: acpi.rsdp= and tables that the
firmware could place above 4 GiB (an XSDT entry, the FADT's X_DSDT), built
by the host from the real tables and placed in the NVDIMM, which QEMU puts
at 4 GiB. PVH boots.
"""
import re
import struct

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


def sdt(sig, revision, body):
    """An ACPI table (ACPI 6.4, 5.2.6): header, body, checksum."""
    t = bytearray(sig.encode() + struct.pack("<IBB", 36 + len(body), revision, 0) +
                  b"PFNOS " + b"PFNOSTST" + struct.pack("<I", 1) + b"PFNS" +
                  struct.pack("<I", 1) + bytes(body))
    t[9] = -sum(t) & 0xff
    return bytes(t)


def rsdp_v2(xsdt):
    """An ACPI 2.0 RSDP (5.2.5.3) with no RSDT, only an XSDT."""
    r = bytearray(b"RSD PTR " + bytes(1) + b"PFNOS " + bytes([2]) + struct.pack("<I", 0) +
                  struct.pack("<IQ", 36, xsdt) + bytes(4))
    r[8] = -sum(r[:20]) & 0xff
    r[32] = -sum(r) & 0xff
    return bytes(r)


@test("acpi.tables_above_4g", timeout=60)
def tables_above_4g(ctx):
    """The XSDT, a table it lists (the FADT) and the FADT's X_DSDT above
    4 GiB, in the NVDIMM; the RSDP below, in RAM (a RAM file, so the host
    can place it). ACPI is parsed before paging, so the kernel must map
    them itself: the acpi command lists them at their addresses, \\_S5 comes
    from that DSDT, and poweroff goes through ACPI S5. The other tables and
    the power-management port are the firmware's, from a first boot."""
    g = ctx.boot("", boot="kernel", stdin=True, name="probe")
    g.prompt()
    out = g.command("acpi") + g.command("mem")
    g.send("poweroff\r")
    check(g.wait() == 0, "probe: poweroff status %s" % g.status)
    _, tables = acpi_info(out)
    pm = re.search(r"^s5: SLP_TYPa (\d) SLP_TYPb (\d), PM1a_CNT (0x[0-9a-f]+)$", out, re.M)
    check(pm is not None, "probe: acpi shows no S5 and PM1a_CNT")
    slp_a, slp_b, pm1a = int(pm.group(1)), int(pm.group(2)), int(pm.group(3), 16)
    m = re.search(r"^mem: (0x[0-9a-f]+)-0x[0-9a-f]+ pmem nfit$", out, re.M)
    check(m is not None, "probe: no NVDIMM in mem")
    nvdimm = int(m.group(1), 16)
    check(nvdimm >= 1 << 32, "the NVDIMM at 0x%x is not above 4 GiB" % nvdimm)

    off = 0x3ff00000			# near the end of the 1 GiB NVDIMM
    xsdt_pa, facp_pa, dsdt_pa = nvdimm + off, nvdimm + off + 0x1000, nvdimm + off + 0x2000
    rsdp_pa = 0x10000000		# RAM nothing touches before ACPI is parsed
    # DSDT: Name(\_S5_, Package(4){a, b, 0, 0}) (20.2.5.1, 20.2.5.4)
    dsdt = sdt("DSDT", 2, bytes([0x08, 0x5c]) + b"_S5_" +
               bytes([0x12, 0x08, 0x04, 0x0a, slp_a, 0x0a, slp_b, 0x00, 0x00]))
    fadt = bytearray(244)
    struct.pack_into("<H", fadt, 46, 9)			# SCI_INT
    struct.pack_into("<I", fadt, 64, pm1a)			# PM1a_CNT_BLK
    fadt[89] = 2						# PM1_CNT_LEN
    struct.pack_into("<Q", fadt, 140, dsdt_pa)		# X_DSDT (DSDT 0)
    fadt = sdt("FACP", 3, fadt[36:])
    entries = [a for sig, (a, _) in tables.items() if sig not in ("FACP", "DSDT")]
    check(len(entries) >= 3, "probe: too few tables %s" % sorted(tables))
    xsdt = sdt("XSDT", 1, b"".join(struct.pack("<Q", a) for a in entries + [facp_pa]))

    pmem = ctx.dir / "pmem0.img"
    with open(pmem, "r+b") as f:
        for pa, blob in ((xsdt_pa, xsdt), (facp_pa, fadt), (dsdt_pa, dsdt)):
            f.seek(pa - nvdimm)
            f.write(blob)
    ram = ctx.dir / "ram.img"
    with open(ram, "wb") as f:
        f.truncate(512 << 20)
        f.seek(rsdp_pa)
        f.write(rsdp_v2(xsdt_pa))

    out = ctx.run('loglevel=7 acpi.rsdp=0x%x run="acpi; poweroff"' % rsdp_pa, 0,
                  ended_by="ACPI power-off (S5)", name="high",
                  args=["--ram-file", str(ram), "--mem", "512M"])
    check(re.search(r"^RSDP rev 2 OEM PFNOS at 0x%x, root XSDT at 0x%x$" % (rsdp_pa, xsdt_pa),
                    out, re.M), "acpi does not show the XSDT at 0x%x" % xsdt_pa)
    for sig, pa, length in (("FACP", facp_pa, len(fadt)), ("DSDT", dsdt_pa, len(dsdt))):
        check(re.search(r"^%s 0x%016x +%d rev " % (sig, pa, length), out, re.M),
              "acpi does not list the %s at 0x%x" % (sig, pa))
    check(re.search(r"\] acpi: S5 SLP_TYPa %d SLP_TYPb %d \(DSDT\)$" % (slp_a, slp_b), out, re.M),
          "\\_S5 not taken from the DSDT above 4 GiB")
    check(acpi_info(out)[1].keys() >= set(tables) - {"FACP", "DSDT"},
          "tables missing: %s" % sorted(acpi_info(out)[1]))
