/*
 * fuzz_acpi_rsdp.c - libFuzzer target for the RSDP search: the scan of a
 * BIOS area (acpi_rsdp_scan()) and the RSDP check (acpi_rsdp_validate(),
 * drivers/acpi/tables.c).
 *
 * Input: byte 0 (bit 0: repair the checksums of every "RSD PTR " on a
 * 16-byte boundary first, so mutations reach the length and revision
 * checks), then the area, which lies at physical 0xe0000. Checked against a
 * reference written here from ACPI 6.4, 5.2.5.3 (signature; checksum over 20
 * bytes; from revision 2 on a length of at least 36 that is readable, and
 * an extended checksum over it): the scan finds the first valid RSDP on a
 * 16-byte boundary and nothing else, and the check accepts exactly what the
 * reference accepts, with the root addresses, revision and OEM id read from
 * the right bytes. The area is an exact-size copy: ASan sees over-reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include "acpi.h"
#include "lib.h"

#define AREA_PHYS	0xe0000ULL

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static void fail(const char *what, size_t off)
{
	fprintf(stderr, "acpi_rsdp: %s (offset %zu)\n", what, off);
	abort();
}

static u8 sum(const u8 *p, size_t n)
{
	u8 s = 0;

	while (n--)
		s += *p++;
	return s;
}

static u32 get32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return v;
}

static u64 get64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return v;
}

/* ACPI 6.4, 5.2.5.3: signature 0-7, checksum 8 (20 bytes), OEM id 9-14,
 * revision 15, RSDT 16-19, length 20-23, XSDT 24-31, extended checksum 32. */
static bool ref_valid(const u8 *p, size_t avail)
{
	u32 len;

	if (avail < 20 || memcmp(p, "RSD PTR ", 8) || sum(p, 20))
		return false;
	if (p[15] < 2)
		return true;
	if (avail < 36)
		return false;
	len = get32(p + 20);
	return len >= 36 && len <= avail && !sum(p, len);
}

static void repair(u8 *a, size_t n)
{
	for (size_t off = 0; off + 20 <= n; off += 16) {
		u32 len;

		if (memcmp(a + off, "RSD PTR ", 8))
			continue;
		a[off + 8] = 0;
		a[off + 8] = (u8)-sum(a + off, 20);
		if (a[off + 15] < 2 || off + 36 > n)
			continue;
		len = get32(a + off + 20);
		if (len < 36 || len > n - off)
			continue;
		a[off + 32] = 0;
		a[off + 32] = (u8)-sum(a + off, len);
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct acpi_rsdp_info info;
	size_t n = size ? size - 1 : 0, want = (size_t)-1;
	u8 *a;
	u64 got;

	if (!size)
		return 0;
	a = malloc(n ? n : 1);
	memcpy(a, data + 1, n);
	if (data[0] & 1)
		repair(a, n);
	for (size_t off = 0; off + 20 <= n; off += 16) {
		bool ok = ref_valid(a + off, n - off);

		if (!acpi_rsdp_validate(a + off, n - off, &info) != ok)
			fail("acpi_rsdp_validate differs from the reference", off);
		if (ok && want == (size_t)-1)
			want = off;
		if (!ok)
			continue;
		if (info.revision != a[off + 15] || info.rsdt != get32(a + off + 16) ||
		    info.xsdt != (a[off + 15] >= 2 ? get64(a + off + 24) : 0) ||
		    strlen(info.oem_id) > 6)
			fail("the RSDP's fields read from the wrong bytes", off);
	}
	got = acpi_rsdp_scan(a, n, AREA_PHYS);
	if (want == (size_t)-1 ? got != 0 : got != AREA_PHYS + want)
		fail("the scan did not find the first valid RSDP", want);
	if (acpi_rsdp_scan(NULL, n, AREA_PHYS) || !acpi_rsdp_validate(NULL, n, &info))
		fail("a NULL area", 0);
	free(a);
	return 0;
}
