/*
 * fadt.c - the FADT (power-management registers, reset register, DSDT
 * address, PM timer) and the \_S5 sleep-type scanner for DSDT/SSDT AML.
 *
 * Pure code over bytes already validated by acpi_table_map(); used by
 * acpi_parse() and tests. ACPI 6.4: 5.2.9 (FADT), 4.8.3 (PM1 registers),
 * 7.4.2 (\_Sx objects), 20.2 (AML grammar: NameOp, PackageOp, PkgLength).
 */
#include "acpi.h"
#include "actbl.h"
#include "errno.h"
#include "lib.h"
#include "printk.h"

static u16 rd16(const u8 *t, size_t off)
{
	u16 v;

	memcpy(&v, t + off, sizeof(v));
	return v;
}

static u32 rd32(const u8 *t, size_t off)
{
	u32 v;

	memcpy(&v, t + off, sizeof(v));
	return v;
}

static u64 rd64(const u8 *t, size_t off)
{
	u64 v;

	memcpy(&v, t + off, sizeof(v));
	return v;
}

static void rd_gas(const u8 *t, size_t off, struct acpi_gas *g)
{
	struct acpi_gas_raw r;

	memcpy(&r, t + off, sizeof(r));
	g->space_id = r.space_id;
	g->bit_width = r.bit_width;
	g->bit_offset = r.bit_offset;
	g->access_size = r.access_size;
	g->address = r.address;
}

static bool gas_usable(const struct acpi_gas *g)
{
	if (!g->address)
		return false;
	if (g->space_id == ACPI_GAS_IO)
		return g->address <= 0xffff;
	return g->space_id == ACPI_GAS_MEMORY;
}

/* A PM block from the X_ GAS when the table has it and it is set, else from
 * the legacy 32-bit port field with width bytes (width 0: no legacy block). */
static void pm_block(const u8 *t, u32 flen, size_t x_off, size_t port_off,
		     unsigned width, const char *what, struct acpi_gas *g)
{
	memset(g, 0, sizeof(*g));
	if (flen >= x_off + sizeof(struct acpi_gas_raw)) {
		rd_gas(t, x_off, g);
		if (g->address) {
			if (gas_usable(g))
				return;
			pr_warn("acpi: FADT %s space %u address 0x%llx unusable\n", what,
				g->space_id, (unsigned long long)g->address);
			memset(g, 0, sizeof(*g));
			return;
		}
	}
	if (!width)
		return;
	g->address = rd32(t, port_off);
	if (!g->address)
		return;
	g->space_id = ACPI_GAS_IO;
	g->bit_width = width * 8;
	if (!gas_usable(g)) {
		pr_warn("acpi: FADT %s port 0x%llx out of range\n", what,
			(unsigned long long)g->address);
		memset(g, 0, sizeof(*g));
	}
}

int acpi_fadt_parse(struct acpi_fadt_info *out, const void *tbl, size_t len)
{
	const u8 *t = tbl;
	struct acpi_fadt_info f;
	struct acpi_sdt_header h;
	u32 flen;

	memset(out, 0, sizeof(*out));
	memset(&f, 0, sizeof(f));
	if (len < FADT_V1_LEN) {
		pr_warn("acpi: FADT of %zu bytes is shorter than ACPI 1.0's %u\n",
			len, FADT_V1_LEN);
		return -EINVAL;
	}
	memcpy(&h, t, sizeof(h));
	flen = h.length;
	if (flen < FADT_V1_LEN || flen > len) {
		pr_warn("acpi: FADT length %u invalid (%zu bytes)\n", flen, len);
		return -EINVAL;
	}
	f.revision = h.revision;
	f.flags = rd32(t, FADT_FLAGS);
	f.sci_irq = rd16(t, FADT_SCI_INT);
	f.iapc_boot_arch = rd16(t, FADT_IAPC_BOOT_ARCH);
	f.dsdt = rd32(t, FADT_DSDT);
	if (flen >= FADT_X_DSDT + 8 && rd64(t, FADT_X_DSDT))
		f.dsdt = rd64(t, FADT_X_DSDT);

	if (!(f.flags & ACPI_FADT_HW_REDUCED)) {
		unsigned cnt_len = t[FADT_PM1_CNT_LEN] ? t[FADT_PM1_CNT_LEN] : 2;

		pm_block(t, flen, FADT_X_PM1A_CNT_BLK, FADT_PM1A_CNT_BLK, cnt_len,
			 "PM1a_CNT", &f.pm1a_cnt);
		pm_block(t, flen, FADT_X_PM1B_CNT_BLK, FADT_PM1B_CNT_BLK, cnt_len,
			 "PM1b_CNT", &f.pm1b_cnt);
		/* PM_TMR_LEN is 4 when the timer exists (5.2.9, Table 5.9) */
		pm_block(t, flen, FADT_X_PM_TMR_BLK, FADT_PM_TMR_BLK,
			 t[FADT_PM_TMR_LEN] == 4 ? 4 : 0, "PM_TMR", &f.pm_timer);
		if (f.pm_timer.address)
			f.pm_timer_bits = (f.flags & ACPI_FADT_TMR_VAL_EXT) ? 32 : 24;
	}

	if ((f.flags & ACPI_FADT_RESET_REG_SUP) && flen > FADT_RESET_VALUE) {
		rd_gas(t, FADT_RESET_REG, &f.reset_reg);
		f.reset_value = t[FADT_RESET_VALUE];
		/* 5.2.9: the reset register is 8 bits wide at offset 0 */
		if ((gas_usable(&f.reset_reg) ||
		     (f.reset_reg.space_id == ACPI_GAS_PCI_CONFIG && f.reset_reg.address)) &&
		    f.reset_reg.bit_width == 8 && f.reset_reg.bit_offset == 0)
			f.reset_supported = true;
		else
			pr_warn("acpi: FADT reset register (space %u width %u address 0x%llx) unusable\n",
				f.reset_reg.space_id, f.reset_reg.bit_width,
				(unsigned long long)f.reset_reg.address);
	}
	f.present = true;
	*out = f;
	return 0;
}

/* One integer element: ZeroOp, OneOp, OnesOp, Byte/Word/DWord/QWord prefix
 * and data, or a bare byte 2..7 (seen in some firmware). */
static int aml_integer(const u8 *p, size_t *pos, size_t end, u64 *val)
{
	static const u8 prefix_len[] = {
		[AML_BYTE_PREFIX] = 1, [AML_WORD_PREFIX] = 2,
		[AML_DWORD_PREFIX] = 4, [AML_QWORD_PREFIX] = 8,
	};
	u8 op;

	if (*pos >= end)
		return -EINVAL;
	op = p[(*pos)++];
	switch (op) {
	case AML_ZERO_OP:
		*val = 0;
		return 0;
	case AML_ONE_OP:
		*val = 1;
		return 0;
	case AML_ONES_OP:
		*val = ~0ULL;
		return 0;
	case AML_BYTE_PREFIX:
	case AML_WORD_PREFIX:
	case AML_DWORD_PREFIX:
	case AML_QWORD_PREFIX: {
		unsigned n = prefix_len[op];

		if (end - *pos < n)
			return -EINVAL;
		*val = 0;
		memcpy(val, p + *pos, n);
		*pos += n;
		return 0;
	}
	default:
		if (op <= 7) {
			*val = op;
			return 0;
		}
		return -EINVAL;
	}
}

/* p[0] is PackageOp; len bytes readable from p. */
static int parse_s5_package(const u8 *p, size_t len, struct acpi_s5 *out)
{
	size_t pos, end;
	unsigned nbytes, nelem;
	u32 pkglen;
	u64 a, b;

	if (len < 2)
		return -EINVAL;
	/* PkgLength (20.2.4): bits 7:6 of the lead byte count the bytes that
	 * follow; with none, bits 5:0 are the length, else bits 3:0 are its low
	 * nibble (5:4 reserved). It counts itself and the package contents. */
	nbytes = p[1] >> 6;
	if (!nbytes) {
		pkglen = p[1] & 0x3f;
	} else {
		if (p[1] & 0x30 || len < 2 + nbytes)
			return -EINVAL;
		pkglen = p[1] & 0x0f;
		for (unsigned k = 0; k < nbytes; k++)
			pkglen |= (u32)p[2 + k] << (4 + 8 * k);
	}
	if (pkglen < nbytes + 2 || pkglen > len - 1)
		return -EINVAL;
	end = 1 + pkglen;
	pos = 2 + nbytes;
	nelem = p[pos++];
	if (!nelem)
		return -EINVAL;
	if (aml_integer(p, &pos, end, &a))
		return -EINVAL;
	if (nelem == 1) {
		/* one element: SLP_TYPa in bits 7:0, SLP_TYPb in 15:8 */
		b = (a >> 8) & 0xff;
		a &= 0xff;
	} else if (aml_integer(p, &pos, end, &b)) {
		return -EINVAL;
	}
	if (a > 7 || b > 7)
		return -EINVAL;
	out->slp_typa = a;
	out->slp_typb = b;
	out->valid = true;
	return 0;
}

/* A malformed package is passed over (the byte scan may have hit one that
 * is not \_S5 at all, or firmware may carry a broken copy): the first good
 * one wins; -EINVAL when only malformed ones were seen. */
int acpi_aml_find_s5(const void *aml, size_t len, struct acpi_s5 *out)
{
	const u8 *a = aml;
	int ret = -ENOENT;

	memset(out, 0, sizeof(*out));
	for (size_t i = 1; i + 4 < len; i++) {
		size_t j = i;

		if (memcmp(a + i, "_S5_", 4))
			continue;
		/* NameOp, then an optional root or a few parent prefixes, the name */
		while (j > 0 && i - j < 8 &&
		       (a[j - 1] == AML_ROOT_CHAR || a[j - 1] == AML_PARENT_CHAR))
			j--;
		if (j == 0 || a[j - 1] != AML_NAME_OP || a[i + 4] != AML_PACKAGE_OP)
			continue;
		if (!parse_s5_package(a + i + 4, len - i - 4, out))
			return 0;
		memset(out, 0, sizeof(*out));
		ret = -EINVAL;
	}
	return ret;
}
