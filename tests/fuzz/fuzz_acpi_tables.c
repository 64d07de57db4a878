/*
 * fuzz_acpi_tables.c - libFuzzer target for the whole ACPI walk
 * (drivers/acpi/tables.c and fadt.c, reaching every parser): the input is a
 * physical memory image at FUZZ_BASE with the RSDP at its start.
 *
 * Unless the last byte is 0xff, the harness first repairs the checksums
 * along the path acpi_parse() will follow (RSDP, root table, each entry, the
 * FADT's DSDT), so mutations get past the checksums into the parsers. The
 * raw input is also fed to acpi_fadt_parse() and acpi_aml_find_s5()
 * directly. Seeds: tests/fuzz/corpus/acpi_tables/.
 */
#include <stdlib.h>
#include "acpi.h"
#include "lib.h"

#define FUZZ_BASE	0x100000ULL

static u8 *mem;
static size_t mem_size;

static const void *fuzz_map(u64 phys, size_t len)
{
	if (phys < FUZZ_BASE || len > mem_size || phys - FUZZ_BASE > mem_size - len)
		return NULL;
	return mem + (phys - FUZZ_BASE);
}

static u8 *table_at(u64 phys, u32 *len)
{
	u8 *t = (u8 *)fuzz_map(phys, ACPI_SDT_HEADER_LEN);

	if (!t)
		return NULL;
	memcpy(len, t + 4, 4);
	if (*len < ACPI_SDT_HEADER_LEN || !fuzz_map(phys, *len))
		return NULL;
	return t;
}

static void fix_table(u64 phys)
{
	u32 len;
	u8 *t = table_at(phys, &len);

	if (!t)
		return;
	t[9] = 0;
	t[9] = (u8)-acpi_checksum(t, len);
}

static void fix_dsdt(u64 fadt)
{
	u32 len;
	u8 *t = table_at(fadt, &len);
	u64 dsdt = 0;

	if (!t || memcmp(t, "FACP", 4) || len < 44)
		return;
	memcpy(&dsdt, t + 40, 4);
	if (len >= 148) {
		u64 x;

		memcpy(&x, t + 140, 8);
		if (x)
			dsdt = x;
	}
	fix_table(dsdt);
	fix_table(fadt);
}

static void fix_checksums(void)
{
	u64 root = 0;
	unsigned esize = 4;
	u32 len;
	u8 *t;

	if (mem_size < 36)
		return;
	mem[8] = 0;
	mem[8] = (u8)-acpi_checksum(mem, 20);
	if (mem[15] >= 2) {
		u32 rlen = 36;

		memcpy(mem + 20, &rlen, 4);
		mem[32] = 0;
		mem[32] = (u8)-acpi_checksum(mem, 36);
		memcpy(&root, mem + 24, 8);
		esize = 8;
	}
	if (!root) {
		memcpy(&root, mem + 16, 4);
		esize = 4;
	}
	t = table_at(root, &len);
	if (!t)
		return;
	for (u32 off = ACPI_SDT_HEADER_LEN; off + esize <= len; off += esize) {
		u64 pa = 0;

		memcpy(&pa, t + off, esize);
		fix_table(pa);
		fix_dsdt(pa);
	}
	fix_table(root);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct acpi_info ai;
	struct acpi_rsdp_info rsdp;
	struct acpi_fadt_info fadt;
	struct acpi_s5 s5;

	mem_size = size;
	mem = malloc(size ? size : 1);
	memcpy(mem, data, size);
	if (size && data[size - 1] != 0xff)
		fix_checksums();
	if (!acpi_rsdp_validate(mem, size, &rsdp)) {
		if (!acpi_parse(&ai, &rsdp, fuzz_map) && ai.ntables > ACPI_MAX_TABLES)
			abort();
		if (ai.s5.valid && (ai.s5.slp_typa > 7 || ai.s5.slp_typb > 7))
			abort();
	}
	acpi_fadt_parse(&fadt, data, size);
	if (!acpi_aml_find_s5(data, size, &s5) && (s5.slp_typa > 7 || s5.slp_typb > 7))
		abort();
	free(mem);
	return 0;
}
