/*
 * test_acpi.c - host tests of the ACPI parsers (drivers/acpi/ pure files).
 *
 * A fake physical memory (fake_mem at FAKE_BASE, fake_map() as the map
 * callback) holds synthetic RSDP/XSDT/RSDT/FADT/DSDT/SSDT/MADT/MCFG/HPET/NFIT
 * images with correct checksums, built by plat_build(); tests then break one
 * thing at a time and check that the damage is refused with a log line and
 * nothing else is lost. memmap_add_region() is faked here and records calls.
 */
#include <stdlib.h>
#include "acpi.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "memmap.h"
#include "unit.h"

#define FAKE_BASE	0x7fe0000ULL
#define FAKE_SIZE	0x10000

static u8 fake_mem[FAKE_SIZE];
static size_t fake_limit = FAKE_SIZE;	/* bytes the map callback reaches */
static size_t fake_next;

static const void *fake_map(u64 phys, size_t len)
{
	if (phys < FAKE_BASE || len > fake_limit || phys - FAKE_BASE > fake_limit - len)
		return NULL;
	return fake_mem + (phys - FAKE_BASE);
}

static u8 *P(u64 phys)
{
	return fake_mem + (phys - FAKE_BASE);
}

static void fake_reset(void)
{
	memset(fake_mem, 0, sizeof(fake_mem));
	fake_limit = FAKE_SIZE;
	fake_next = 0x100;	/* leave low bytes unused: phys FAKE_BASE is valid */
	host_log_clear();
}

static u64 fake_alloc(size_t len)
{
	u64 phys = FAKE_BASE + fake_next;

	fake_next = ALIGN_UP(fake_next + len, (size_t)16);
	if (fake_next > FAKE_SIZE)
		abort();
	return phys;
}

static void put8(u8 *p, size_t off, u8 v) { p[off] = v; }
static void put16(u8 *p, size_t off, u16 v) { memcpy(p + off, &v, 2); }
static void put32(u8 *p, size_t off, u32 v) { memcpy(p + off, &v, 4); }
static void put64(u8 *p, size_t off, u64 v) { memcpy(p + off, &v, 8); }
static void put_gas(u8 *p, size_t off, u8 space, u8 width, u8 access, u64 addr)
{
	p[off] = space;
	p[off + 1] = width;
	p[off + 2] = 0;
	p[off + 3] = access;
	put64(p, off + 4, addr);
}

/* Make the table at phys sum to zero over its header length. */
static void fix_checksum(u64 phys)
{
	u8 *t = P(phys);
	u32 len;

	memcpy(&len, t + 4, 4);
	t[9] = 0;
	t[9] = (u8)-acpi_checksum(t, len);
}

static u64 mk_table(const char *sig, size_t len, u8 rev)
{
	u64 phys = fake_alloc(len);
	u8 *t = P(phys);

	memset(t, 0, len);
	memcpy(t, sig, 4);
	put32(t, 4, len);
	t[8] = rev;
	memcpy(t + 10, "PFNOS ", 6);
	memcpy(t + 16, "PFNOSTBL", 8);
	put32(t, 24, 1);
	return phys;
}

static void mk_rsdp(u8 *r, u8 rev, u32 rsdt, u64 xsdt)
{
	memset(r, 0, 36);
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "PFNOS ", 6);
	r[15] = rev;
	put32(r, 16, rsdt);
	if (rev >= 2) {
		put32(r, 20, 36);
		put64(r, 24, xsdt);
		r[32] = (u8)-acpi_checksum(r, 36);
	}
	r[8] = 0;
	r[8] = (u8)-acpi_checksum(r, 20);
	if (rev >= 2) {
		r[32] = 0;
		r[32] = (u8)-acpi_checksum(r, 36);
	}
}

/* ---- fake memmap_add_region ---- */
struct region_call {
	u64 base, size;
	u32 type;
	char source[16];
};
static struct region_call region_calls[8];
static unsigned nregion_calls;
static int region_ret;

int memmap_add_region(u64 base, u64 size, u32 type, const char *source)
{
	if (nregion_calls < ARRAY_SIZE(region_calls)) {
		region_calls[nregion_calls].base = base;
		region_calls[nregion_calls].size = size;
		region_calls[nregion_calls].type = type;
		strlcpy(region_calls[nregion_calls].source, source,
			sizeof(region_calls[0].source));
	}
	nregion_calls++;
	return region_ret;
}

/* ---- a synthetic platform, close to QEMU q35 with an NVDIMM ---- */
#define PM1A_PORT	0x604
#define PM1B_PORT	0x640
#define PMTMR_PORT	0x608
#define PMEM_BASE	0x140000000ULL
#define PMEM_LEN	0x40000000ULL

/* DSDT body: a Device, then Name(\_S5_, Package(4){5, 7, 0, 0}) */
static const u8 dsdt_aml[] = {
	0x5b, 0x82, 0x06, 'P', 'C', 'I', '0', 0x00,	/* DeviceOp, a stub */
	0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04,
	0x0a, 0x05, 0x0a, 0x07, 0x00, 0x00,
	0x08, 'X', 'Y', 'Z', '_', 0x0a, 0x01,
};

struct plat {
	u8 rsdp[36];
	u64 xsdt, rsdt, fadt, dsdt, madt, mcfg, hpet, nfit, ssdt;
	u64 entries[8];
	unsigned nentries;
};

static u64 build_fadt(u64 dsdt)
{
	u64 fadt = mk_table("FACP", 244, 5);
	u8 *f = P(fadt);

	put32(f, 40, (u32)dsdt);
	put16(f, 46, 9);
	put32(f, 64, 0x1234);		/* legacy PM1a, overridden by X_ */
	put8(f, 89, 2);
	put32(f, 76, PMTMR_PORT);
	put8(f, 91, 4);
	put32(f, 112, ACPI_FADT_TMR_VAL_EXT | ACPI_FADT_RESET_REG_SUP);
	put_gas(f, 116, ACPI_GAS_IO, 8, 1, 0xcf9);
	put8(f, 128, 0x06);
	put64(f, 140, dsdt);
	put_gas(f, 172, ACPI_GAS_IO, 16, 2, PM1A_PORT);
	put_gas(f, 184, ACPI_GAS_IO, 16, 2, PM1B_PORT);
	put_gas(f, 208, ACPI_GAS_IO, 32, 3, PMTMR_PORT);
	fix_checksum(fadt);
	return fadt;
}

static u64 build_madt(void)
{
	u8 e[] = {
		0, 8, 0, 0, 1, 0, 0, 0,			/* CPU uid 0 apic 0 on */
		0, 8, 1, 1, 1, 0, 0, 0,			/* CPU uid 1 apic 1 on */
		0, 8, 2, 2, 0, 0, 0, 0,			/* CPU 2 disabled */
		1, 12, 0, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0,	/* IOAPIC 0 */
		2, 10, 0, 0, 2, 0, 0, 0, 0, 0,		/* IRQ0 -> GSI2 */
		2, 10, 0, 9, 9, 0, 0, 0, 0x0d, 0,	/* IRQ9 level high */
		4, 6, 0xff, 5, 0, 1,			/* LINT1 NMI, all CPUs */
		3, 8, 0, 0, 16, 0, 0, 0,		/* NMI on GSI 16 */
		9, 16, 0, 0, 0x10, 1, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, /* x2APIC 0x110 */
		0, 8, 3, 3, 2, 0, 0, 0,			/* CPU 3 online-capable only */
		0x7f, 4, 0, 0,				/* unknown type, skipped */
	};
	u64 madt = mk_table("APIC", 44 + sizeof(e), 5);	/* Online Capable defined */

	put32(P(madt), 36, 0xfee00000);
	put32(P(madt), 40, 1);
	memcpy(P(madt) + 44, e, sizeof(e));
	fix_checksum(madt);
	return madt;
}

static u64 build_mcfg(void)
{
	u64 mcfg = mk_table("MCFG", 44 + 16, 1);

	put64(P(mcfg), 44, 0xb0000000);
	put16(P(mcfg), 52, 0);
	put8(P(mcfg), 54, 0);
	put8(P(mcfg), 55, 255);
	fix_checksum(mcfg);
	return mcfg;
}

static u64 build_hpet(void)
{
	u64 hpet = mk_table("HPET", 56, 1);

	put32(P(hpet), 36, 0x8086a201);
	put_gas(P(hpet), 40, ACPI_GAS_MEMORY, 64, 0, 0xfed00000);
	put16(P(hpet), 53, 0x80);
	fix_checksum(hpet);
	return hpet;
}

static const u8 guid_volatile[16] = {	/* 7305944F-FDDA-44E3-B16C-3F22D252E5D0 */
	0x4f, 0x94, 0x05, 0x73, 0xda, 0xfd, 0xe3, 0x44,
	0xb1, 0x6c, 0x3f, 0x22, 0xd2, 0x52, 0xe5, 0xd0,
};

static void put_spa(u8 *s, u16 index, const u8 *guid, u64 base, u64 len)
{
	memset(s, 0, 56);
	put16(s, 0, 0);
	put16(s, 2, 56);
	put16(s, 4, index);
	memcpy(s + 16, guid, 16);
	put64(s, 32, base);
	put64(s, 40, len);
}

/* NFIT: a pmem SPA, a region mapping structure, a volatile SPA */
static u64 build_nfit(void)
{
	u64 nfit = mk_table("NFIT", 40 + 56 + 48 + 56, 1);
	u8 *t = P(nfit);

	put_spa(t + 40, 1, acpi_nfit_guid_pmem, PMEM_BASE, PMEM_LEN);
	put16(t, 96, 1);
	put16(t, 98, 48);
	put_spa(t + 144, 2, guid_volatile, 0x200000000ULL, 0x1000000);
	fix_checksum(nfit);
	return nfit;
}

static u64 build_ssdt(const u8 *aml, size_t len)
{
	u64 ssdt = mk_table("SSDT", 36 + len, 1);

	memcpy(P(ssdt) + 36, aml, len);
	fix_checksum(ssdt);
	return ssdt;
}

static void build_roots(struct plat *p, u8 rsdp_rev)
{
	p->xsdt = mk_table("XSDT", 36 + 8 * p->nentries, 1);
	p->rsdt = mk_table("RSDT", 36 + 4 * p->nentries, 1);
	for (unsigned i = 0; i < p->nentries; i++) {
		put64(P(p->xsdt), 36 + 8 * i, p->entries[i]);
		put32(P(p->rsdt), 36 + 4 * i, (u32)p->entries[i]);
	}
	fix_checksum(p->xsdt);
	fix_checksum(p->rsdt);
	mk_rsdp(p->rsdp, rsdp_rev, (u32)p->rsdt, p->xsdt);
}

static void plat_build(struct plat *p)
{
	fake_reset();
	memset(p, 0, sizeof(*p));
	nregion_calls = 0;
	region_ret = 0;
	p->dsdt = mk_table("DSDT", 36 + sizeof(dsdt_aml), 2);
	memcpy(P(p->dsdt) + 36, dsdt_aml, sizeof(dsdt_aml));
	fix_checksum(p->dsdt);
	p->fadt = build_fadt(p->dsdt);
	p->madt = build_madt();
	p->hpet = build_hpet();
	p->mcfg = build_mcfg();
	p->nfit = build_nfit();
	p->entries[p->nentries++] = p->fadt;
	p->entries[p->nentries++] = p->madt;
	p->entries[p->nentries++] = p->hpet;
	p->entries[p->nentries++] = p->mcfg;
	p->entries[p->nentries++] = p->nfit;
	build_roots(p, 2);
}

static struct acpi_info ai;

static int plat_parse(struct plat *p)
{
	struct acpi_rsdp_info r;
	int ret = acpi_rsdp_validate(p->rsdp, sizeof(p->rsdp), &r);

	if (ret)
		return ret;
	return acpi_parse(&ai, &r, fake_map);
}

/* ---------------------------------------------------------------- RSDP */

KTEST(acpi, rsdp_valid_v1_v2)
{
	struct acpi_rsdp_info r;
	u8 b[36];

	mk_rsdp(b, 0, 0x1000, 0);
	KT_ASSERT_EQ(acpi_rsdp_validate(b, 20, &r), 0);
	KT_EXPECT_EQ(r.revision, 0);
	KT_EXPECT_EQ(r.rsdt, 0x1000);
	KT_EXPECT_EQ(r.xsdt, 0);
	KT_EXPECT_STREQ(r.oem_id, "PFNOS");

	mk_rsdp(b, 2, 0x1000, 0x123456789ULL);
	KT_ASSERT_EQ(acpi_rsdp_validate(b, 36, &r), 0);
	KT_EXPECT_EQ(r.revision, 2);
	KT_EXPECT_EQ(r.xsdt, 0x123456789ULL);
}

KTEST(acpi, rsdp_malformed)
{
	struct acpi_rsdp_info r;
	u8 b[36];

	mk_rsdp(b, 2, 0x1000, 0x2000);
	b[1] ^= 1;					/* signature */
	KT_EXPECT_EQ(acpi_rsdp_validate(b, 36, &r), -EINVAL);

	host_log_clear();
	mk_rsdp(b, 2, 0x1000, 0x2000);
	b[16] ^= 0x40;					/* v1 checksum */
	KT_EXPECT_EQ(acpi_rsdp_validate(b, 36, &r), -EINVAL);
	KT_EXPECT(host_log_contains("RSDP checksum error"));

	host_log_clear();
	mk_rsdp(b, 2, 0x1000, 0x2000);
	b[24] ^= 0x40;					/* only in the extended part */
	KT_EXPECT_EQ(acpi_rsdp_validate(b, 36, &r), -EINVAL);
	KT_EXPECT(host_log_contains("extended checksum"));

	mk_rsdp(b, 2, 0x1000, 0x2000);
	KT_EXPECT_EQ(acpi_rsdp_validate(b, 20, &r), -EINVAL);	/* v2 cut short */
	KT_EXPECT_EQ(acpi_rsdp_validate(b, 19, &r), -EINVAL);
	KT_EXPECT_EQ(acpi_rsdp_validate(NULL, 36, &r), -EINVAL);

	mk_rsdp(b, 2, 0x1000, 0x2000);
	put32(b, 20, 20);				/* length below 36 */
	b[8] = 0;
	b[8] = (u8)-acpi_checksum(b, 20);
	b[32] = 0;
	b[32] = (u8)-acpi_checksum(b, 36);
	KT_EXPECT_EQ(acpi_rsdp_validate(b, 36, &r), -EINVAL);

	mk_rsdp(b, 2, 0x1000, 0x2000);
	put32(b, 20, 40);				/* longer than readable */
	b[8] = 0;
	b[8] = (u8)-acpi_checksum(b, 20);
	KT_EXPECT_EQ(acpi_rsdp_validate(b, 36, &r), -EINVAL);
	KT_EXPECT_EQ(r.revision, 0);			/* output cleared */
}

KTEST(acpi, rsdp_scan_16_byte_boundaries)
{
	static u8 area[0x400];
	u8 b[36];

	memset(area, 0, sizeof(area));
	mk_rsdp(b, 2, 0x1000, 0x2000);
	memcpy(area + 0x108, b, 36);			/* not on 16 bytes: ignored */
	KT_EXPECT_EQ(acpi_rsdp_scan(area, sizeof(area), 0xe0000), 0);
	memcpy(area + 0x200, b, 36);
	area[0x200 + 16] ^= 1;				/* bad checksum: skipped */
	memcpy(area + 0x300, b, 36);
	KT_EXPECT_EQ(acpi_rsdp_scan(area, sizeof(area), 0xe0000), 0xe0300);
	/* an RSDP cut by the end of the area is not found */
	KT_EXPECT_EQ(acpi_rsdp_scan(area, 0x300 + 30, 0xe0000), 0);
	KT_EXPECT_EQ(acpi_rsdp_scan(NULL, 100, 0), 0);
}

/* ---------------------------------------------------------------- tables */

KTEST(acpi, table_map_checks)
{
	struct acpi_table_info ti;
	u64 t;

	fake_reset();
	t = mk_table("TEST", 64, 3);
	fix_checksum(t);
	KT_ASSERT(acpi_table_map(t, "TEST", fake_map, &ti) == P(t));
	KT_EXPECT_STREQ(ti.sig, "TEST");
	KT_EXPECT_STREQ(ti.oem_id, "PFNOS");
	KT_EXPECT_STREQ(ti.oem_table_id, "PFNOSTBL");
	KT_EXPECT_EQ(ti.length, 64);
	KT_EXPECT_EQ(ti.revision, 3);
	KT_EXPECT_EQ(ti.phys, t);
	KT_EXPECT(acpi_table_map(t, NULL, fake_map, &ti) != NULL);
	memcpy(P(t) + 16, "NVDIMM\0\0", 8);		/* QEMU's SSDT id: NUL-ended */
	fix_checksum(t);
	KT_ASSERT(acpi_table_map(t, NULL, fake_map, &ti) != NULL);
	KT_EXPECT_STREQ(ti.oem_table_id, "NVDIMM");

	host_log_clear();
	KT_EXPECT(acpi_table_map(t, "FACP", fake_map, &ti) == NULL);
	KT_EXPECT(host_log_contains("is TEST, expected FACP"));

	P(t)[40] ^= 1;
	host_log_clear();
	KT_EXPECT(acpi_table_map(t, NULL, fake_map, &ti) == NULL);
	KT_EXPECT(host_log_contains("checksum error"));

	put32(P(t), 4, 35);
	fix_checksum(t);
	host_log_clear();
	KT_EXPECT(acpi_table_map(t, NULL, fake_map, &ti) == NULL);
	KT_EXPECT(host_log_contains("length 35 out of range"));

	put32(P(t), 4, ACPI_TABLE_MAX_LEN + 1);
	KT_EXPECT(acpi_table_map(t, NULL, fake_map, &ti) == NULL);

	/* a table whose length runs past the end of mapped memory */
	put32(P(t), 4, 64);
	fix_checksum(t);
	fake_limit = t - FAKE_BASE + 63;
	host_log_clear();
	KT_EXPECT(acpi_table_map(t, NULL, fake_map, &ti) == NULL);
	KT_EXPECT(host_log_contains("overruns mapped memory"));
	fake_limit = t - FAKE_BASE + 20;		/* header itself cut */
	host_log_clear();
	KT_EXPECT(acpi_table_map(t, NULL, fake_map, &ti) == NULL);
	KT_EXPECT(host_log_contains("cannot be mapped"));
	fake_limit = FAKE_SIZE;

	memcpy(P(t), "TE\x01T", 4);
	fix_checksum(t);
	host_log_clear();
	KT_EXPECT(acpi_table_map(t, NULL, fake_map, &ti) == NULL);
	KT_EXPECT(host_log_contains("no valid signature"));
	KT_EXPECT(acpi_table_map(0x1000, NULL, fake_map, &ti) == NULL);
}

KTEST(acpi, parse_full_platform_xsdt)
{
	struct plat p;

	plat_build(&p);
	KT_ASSERT_EQ(plat_parse(&p), 0);
	KT_EXPECT(ai.valid);
	KT_EXPECT(ai.xsdt);
	KT_EXPECT_EQ(ai.root_phys, p.xsdt);
	KT_EXPECT_EQ(ai.rejected, 0);
	KT_ASSERT_EQ(ai.ntables, 6);
	KT_EXPECT_STREQ(ai.tables[0].sig, "FACP");
	KT_EXPECT_STREQ(ai.tables[5].sig, "DSDT");
	KT_EXPECT_EQ(ai.tables[5].phys, p.dsdt);
	KT_EXPECT(host_log_contains(
		"acpi: RSDP rev 2 OEM PFNOS, XSDT, tables FACP APIC HPET MCFG NFIT DSDT"));

	/* FADT: X_ blocks preferred over the legacy fields */
	KT_EXPECT(ai.fadt.present);
	KT_EXPECT_EQ(ai.fadt.dsdt, p.dsdt);
	KT_EXPECT_EQ(ai.fadt.sci_irq, 9);
	KT_EXPECT_EQ(ai.fadt.pm1a_cnt.space_id, ACPI_GAS_IO);
	KT_EXPECT_EQ(ai.fadt.pm1a_cnt.address, PM1A_PORT);
	KT_EXPECT_EQ(ai.fadt.pm1b_cnt.address, PM1B_PORT);
	KT_EXPECT_EQ(ai.fadt.pm_timer.address, PMTMR_PORT);
	KT_EXPECT_EQ(ai.fadt.pm_timer_bits, 32);
	KT_EXPECT(ai.fadt.reset_supported);
	KT_EXPECT_EQ(ai.fadt.reset_reg.address, 0xcf9);
	KT_EXPECT_EQ(ai.fadt.reset_value, 6);

	KT_EXPECT(ai.s5.valid);
	KT_EXPECT_EQ(ai.s5.slp_typa, 5);
	KT_EXPECT_EQ(ai.s5.slp_typb, 7);
	KT_EXPECT_STREQ(ai.s5.found_in, "DSDT");

	/* MADT */
	KT_EXPECT(ai.madt.present);
	KT_EXPECT_EQ(ai.madt.lapic_addr, 0xfee00000);
	KT_EXPECT_EQ(ai.madt.flags, ACPI_MADT_PCAT_COMPAT);
	KT_ASSERT_EQ(ai.madt.ncpus, 4);
	KT_EXPECT_EQ(ai.madt.cpu[1].apic_id, 1);
	KT_EXPECT_EQ(ai.madt.cpu[1].uid, 1);
	KT_EXPECT_EQ(ai.madt.cpu[2].apic_id, 0x110);
	KT_EXPECT_EQ(ai.madt.cpu[2].uid, 7);
	KT_EXPECT(ai.madt.cpu[2].x2apic);
	KT_EXPECT(!ai.madt.cpu[2].hotplug);
	/* online-capable, not enabled: listed for hotplug, never started */
	KT_EXPECT_EQ(ai.madt.cpu[3].apic_id, 3);
	KT_EXPECT(ai.madt.cpu[3].hotplug);
	KT_EXPECT_EQ(ai.madt.ncpus_hotplug, 1);
	KT_EXPECT_EQ(ai.madt.ncpus_disabled, 2);
	KT_ASSERT_EQ(ai.madt.nioapic, 1);
	KT_EXPECT_EQ(ai.madt.ioapic[0].address, 0xfec00000);
	KT_EXPECT_EQ(ai.madt.ioapic[0].gsi_base, 0);
	KT_ASSERT_EQ(ai.madt.noverride, 2);
	KT_EXPECT_EQ(ai.madt.override[0].source, 0);
	KT_EXPECT_EQ(ai.madt.override[0].gsi, 2);
	KT_EXPECT_EQ(ai.madt.override[1].source, 9);
	KT_EXPECT_EQ(ai.madt.override[1].flags, 0x0d);
	KT_ASSERT_EQ(ai.madt.nnmi, 2);
	KT_EXPECT_EQ(ai.madt.nmi[0].kind, ACPI_NMI_LAPIC);
	KT_EXPECT_EQ(ai.madt.nmi[0].uid, 0xffffffff);
	KT_EXPECT_EQ(ai.madt.nmi[0].lint, 1);
	KT_EXPECT_EQ(ai.madt.nmi[0].flags, 5);
	KT_EXPECT_EQ(ai.madt.nmi[1].kind, ACPI_NMI_SOURCE);
	KT_EXPECT_EQ(ai.madt.nmi[1].gsi, 16);
	KT_EXPECT_EQ(ai.madt.dropped, 0);

	/* MCFG, HPET */
	KT_ASSERT_EQ(ai.mcfg.n, 1);
	KT_EXPECT_EQ(ai.mcfg.e[0].base, 0xb0000000);
	KT_EXPECT_EQ(ai.mcfg.e[0].end_bus, 255);
	KT_EXPECT(ai.hpet.present);
	KT_EXPECT_EQ(ai.hpet.base, 0xfed00000);
	KT_EXPECT_EQ(ai.hpet.block_id, 0x8086a201);
	KT_EXPECT_EQ(ai.hpet.min_tick, 0x80);

	/* NFIT: the pmem range registered, the volatile one only listed */
	KT_ASSERT_EQ(ai.nfit.nspa, 2);
	KT_EXPECT(ai.nfit.spa[0].pmem);
	KT_EXPECT(!ai.nfit.spa[1].pmem);
	KT_EXPECT_EQ(ai.nfit.nother, 1);
	KT_ASSERT_EQ(nregion_calls, 1);
	KT_EXPECT_EQ(region_calls[0].base, PMEM_BASE);
	KT_EXPECT_EQ(region_calls[0].size, PMEM_LEN);
	KT_EXPECT_EQ(region_calls[0].type, E820_PMEM);
	KT_EXPECT_STREQ(region_calls[0].source, "nfit");
}

KTEST(acpi, parse_rsdt_when_revision_0)
{
	struct plat p;

	plat_build(&p);
	mk_rsdp(p.rsdp, 0, (u32)p.rsdt, 0);
	KT_ASSERT_EQ(plat_parse(&p), 0);
	KT_EXPECT(!ai.xsdt);
	KT_EXPECT_EQ(ai.root_phys, p.rsdt);
	KT_EXPECT_EQ(ai.ntables, 6);
	KT_EXPECT(ai.madt.present && ai.s5.valid && ai.nfit.present);
	KT_EXPECT(host_log_contains("RSDP rev 0 OEM PFNOS, RSDT, tables FACP"));
}

KTEST(acpi, xsdt_broken_falls_back_to_rsdt)
{
	struct plat p;

	/* checksum wrong */
	plat_build(&p);
	P(p.xsdt)[36] ^= 0x10;
	KT_ASSERT_EQ(plat_parse(&p), 0);
	KT_EXPECT(!ai.xsdt);
	KT_EXPECT_EQ(ai.rejected, 1);
	KT_EXPECT(host_log_contains("falling back to the RSDT"));
	KT_EXPECT(ai.fadt.present && ai.madt.present);

	/* odd length: 36 + 8n + 4 */
	plat_build(&p);
	put32(P(p.xsdt), 4, 36 + 8 * 4 + 4);
	fix_checksum(p.xsdt);
	KT_ASSERT_EQ(plat_parse(&p), 0);
	KT_EXPECT(!ai.xsdt);
	KT_EXPECT(host_log_contains("XSDT length 72 is not a whole number of entries"));

	/* entries overrunning mapped memory */
	plat_build(&p);
	put32(P(p.xsdt), 4, FAKE_SIZE);		/* checked before the checksum */
	KT_ASSERT_EQ(plat_parse(&p), 0);
	KT_EXPECT(!ai.xsdt);
	KT_EXPECT(host_log_contains("overruns mapped memory"));

	/* signature wrong and no RSDT to fall back to */
	plat_build(&p);
	memcpy(P(p.xsdt), "XSDX", 4);
	fix_checksum(p.xsdt);
	mk_rsdp(p.rsdp, 2, 0, p.xsdt);
	KT_EXPECT_EQ(plat_parse(&p), -EINVAL);
	KT_EXPECT(!ai.valid);

	/* RSDT odd too */
	plat_build(&p);
	mk_rsdp(p.rsdp, 0, (u32)p.rsdt, 0);
	put32(P(p.rsdt), 4, 37);
	fix_checksum(p.rsdt);
	KT_EXPECT_EQ(plat_parse(&p), -EINVAL);
	KT_EXPECT(host_log_contains("RSDT length 37"));

	plat_build(&p);
	mk_rsdp(p.rsdp, 0, 0, 0);
	KT_EXPECT_EQ(plat_parse(&p), -EINVAL);
	KT_EXPECT(host_log_contains("no root table"));
}

KTEST(acpi, bad_table_rejected_others_kept)
{
	struct plat p;

	plat_build(&p);
	P(p.madt)[50] ^= 0xff;				/* MADT checksum */
	memcpy(P(p.hpet) + 4, "\xff\xff\xff\x7f", 4);	/* HPET absurd length */
	p.entries[p.nentries++] = 0;			/* a null entry */
	p.entries[p.nentries++] = 0xdead0000;		/* unmapped */
	build_roots(&p, 2);
	KT_ASSERT_EQ(plat_parse(&p), 0);
	KT_EXPECT(!ai.madt.present);
	KT_EXPECT(!ai.hpet.present);
	KT_EXPECT_EQ(ai.rejected, 3);
	KT_EXPECT(ai.fadt.present && ai.mcfg.present && ai.nfit.present && ai.s5.valid);
	KT_EXPECT(host_log_contains("APIC at 0x"));
	KT_EXPECT(host_log_contains("entry 5 is null"));
	KT_EXPECT(host_log_contains("3 malformed table(s) rejected"));
	KT_EXPECT(host_log_contains("tables FACP MCFG NFIT DSDT"));
}

KTEST(acpi, parser_failure_rejects_table)
{
	struct plat p;

	plat_build(&p);
	put16(P(p.nfit), 40 + 2, 0);			/* NFIT struct length 0 */
	fix_checksum(p.nfit);
	KT_ASSERT_EQ(plat_parse(&p), 0);
	KT_EXPECT(!ai.nfit.present);
	KT_EXPECT_EQ(ai.nfit.nspa, 0);
	KT_EXPECT_EQ(nregion_calls, 0);
	KT_EXPECT_EQ(ai.rejected, 1);
	KT_EXPECT(host_log_contains("NFIT at 0x"));
	KT_EXPECT(host_log_contains("rejected: -EINVAL"));
}

KTEST(acpi, duplicate_tables_first_wins)
{
	struct plat p;
	u64 madt2;

	plat_build(&p);
	madt2 = build_madt();
	put32(P(madt2), 36, 0xfee01000);
	fix_checksum(madt2);
	p.entries[p.nentries++] = madt2;
	build_roots(&p, 2);
	KT_ASSERT_EQ(plat_parse(&p), 0);
	KT_EXPECT_EQ(ai.madt.lapic_addr, 0xfee00000);
	KT_EXPECT_EQ(ai.ntables, 7);
}

KTEST(acpi, memmap_refusal_logged)
{
	struct plat p;

	plat_build(&p);
	region_ret = -EINVAL;
	KT_ASSERT_EQ(plat_parse(&p), 0);
	KT_EXPECT_EQ(nregion_calls, 1);
	KT_EXPECT(host_log_contains("NFIT range 0x140000000-0x180000000 refused: -EINVAL"));
}

/* ---------------------------------------------------------------- FADT */

KTEST(acpi, fadt_legacy_fields)
{
	struct acpi_fadt_info f;
	u64 t;
	u8 *b;

	fake_reset();
	t = mk_table("FACP", 116, 1);			/* ACPI 1.0 */
	b = P(t);
	put32(b, 40, 0x7000);
	put32(b, 64, 0xb004);
	put32(b, 68, 0);
	put8(b, 89, 2);
	put32(b, 76, 0xb008);
	put8(b, 91, 4);
	put32(b, 112, ACPI_FADT_RESET_REG_SUP);	/* no room for the register */
	KT_ASSERT_EQ(acpi_fadt_parse(&f, b, 116), 0);
	KT_EXPECT_EQ(f.dsdt, 0x7000);
	KT_EXPECT_EQ(f.pm1a_cnt.space_id, ACPI_GAS_IO);
	KT_EXPECT_EQ(f.pm1a_cnt.address, 0xb004);
	KT_EXPECT_EQ(f.pm1a_cnt.bit_width, 16);
	KT_EXPECT_EQ(f.pm1b_cnt.address, 0);
	KT_EXPECT_EQ(f.pm_timer.address, 0xb008);
	KT_EXPECT_EQ(f.pm_timer_bits, 24);
	KT_EXPECT(!f.reset_supported);

	put8(b, 91, 0);					/* no PM timer */
	KT_ASSERT_EQ(acpi_fadt_parse(&f, b, 116), 0);
	KT_EXPECT_EQ(f.pm_timer.address, 0);
	KT_EXPECT_EQ(f.pm_timer_bits, 0);

	put32(b, 64, 0x10000);				/* not an I/O port */
	KT_ASSERT_EQ(acpi_fadt_parse(&f, b, 116), 0);
	KT_EXPECT_EQ(f.pm1a_cnt.address, 0);
	KT_EXPECT(host_log_contains("PM1a_CNT port 0x10000 out of range"));
}

KTEST(acpi, fadt_malformed_and_reset_register)
{
	struct acpi_fadt_info f;
	u64 dsdt = 0x7fe1000, t;
	u8 *b;

	fake_reset();
	t = build_fadt(dsdt);
	b = P(t);
	KT_EXPECT_EQ(acpi_fadt_parse(&f, b, 115), -EINVAL);
	KT_EXPECT(!f.present);
	KT_EXPECT_EQ(acpi_fadt_parse(&f, b, 200), -EINVAL);	/* length > readable */
	put32(b, 4, 100);
	KT_EXPECT_EQ(acpi_fadt_parse(&f, b, 244), -EINVAL);
	put32(b, 4, 244);

	put64(b, 140, 0);				/* X_DSDT zero: legacy DSDT */
	put32(b, 40, 0x1234);
	KT_ASSERT_EQ(acpi_fadt_parse(&f, b, 244), 0);
	KT_EXPECT_EQ(f.dsdt, 0x1234);
	put64(b, 140, 0x100000000ULL);
	KT_ASSERT_EQ(acpi_fadt_parse(&f, b, 244), 0);
	KT_EXPECT_EQ(f.dsdt, 0x100000000ULL);

	put_gas(b, 116, ACPI_GAS_IO, 16, 2, 0xcf9);	/* must be 8 bits */
	KT_ASSERT_EQ(acpi_fadt_parse(&f, b, 244), 0);
	KT_EXPECT(!f.reset_supported);
	put_gas(b, 116, ACPI_GAS_MEMORY, 8, 1, 0xfe000000);
	KT_ASSERT_EQ(acpi_fadt_parse(&f, b, 244), 0);
	KT_EXPECT(f.reset_supported);
	KT_EXPECT_EQ(f.reset_reg.space_id, ACPI_GAS_MEMORY);
	put32(b, 112, ACPI_FADT_TMR_VAL_EXT);		/* RESET_REG_SUP clear */
	KT_ASSERT_EQ(acpi_fadt_parse(&f, b, 244), 0);
	KT_EXPECT(!f.reset_supported);

	put_gas(b, 172, 7, 16, 2, 0x604);		/* unknown space: dropped */
	KT_ASSERT_EQ(acpi_fadt_parse(&f, b, 244), 0);
	KT_EXPECT_EQ(f.pm1a_cnt.address, 0);

	put32(b, 112, ACPI_FADT_HW_REDUCED);
	KT_ASSERT_EQ(acpi_fadt_parse(&f, b, 244), 0);
	KT_EXPECT_EQ(f.pm1b_cnt.address, 0);
	KT_EXPECT_EQ(f.pm_timer.address, 0);
}

/* ---------------------------------------------------------------- \_S5 */

struct s5_case {
	const char *what;
	u8 aml[24];
	size_t len;
	int ret;
	u8 a, b;
};

static const struct s5_case s5_cases[] = {
	{ "zero ops", { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0, 0, 0, 0 },
	  12, 0, 0, 0 },
	{ "one ops", { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x01, 0x01 },
	  10, 0, 1, 1 },
	{ "byte prefix", { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04,
			   0x0a, 0x05, 0x0a, 0x06, 0, 0 }, 15, 0, 5, 6 },
	{ "word and dword", { 0x08, '_', 'S', '5', '_', 0x12, 0x0a, 0x02,
			      0x0b, 0x03, 0x00, 0x0c, 0x04, 0, 0, 0 }, 16, 0, 3, 4 },
	{ "raw bytes", { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x07, 0x02 },
	  10, 0, 7, 2 },
	{ "parent prefix", { 0x08, '^', '^', '_', 'S', '5', '_', 0x12, 0x05, 0x02,
			     0x0a, 0x03, 0x00 }, 13, 0, 3, 0 },
	{ "two-byte pkglen", { 0x08, '_', 'S', '5', '_', 0x12, 0x47, 0x00, 0x02,
			       0x0a, 0x05, 0x0a, 0x04 }, 13, 0, 5, 4 },
	{ "one element packs a and b", { 0x08, '_', 'S', '5', '_', 0x12, 0x05,
					 0x01, 0x0b, 0x05, 0x06 }, 11, 0, 5, 6 },
	{ "missing", { 0x08, '_', 'S', '4', '_', 0x12, 0x04, 0x02, 0, 0 },
	  10, -ENOENT, 0, 0 },
	{ "no NameOp (a reference)", { 0x70, '_', 'S', '5', '_', 0x12, 0x04, 0x02,
				       0, 0 }, 10, -ENOENT, 0, 0 },
	{ "not a package", { 0x08, '_', 'S', '5', '_', 0x0a, 0x05 }, 7, -ENOENT, 0, 0 },
	{ "pkglen past the end", { 0x08, '_', 'S', '5', '_', 0x12, 0x20, 0x04,
				   0, 0 }, 10, -EINVAL, 0, 0 },
	{ "cut after PackageOp", { 0x08, '_', 'S', '5', '_', 0x12 }, 6, -EINVAL, 0, 0 },
	{ "cut in pkglen bytes", { 0x08, '_', 'S', '5', '_', 0x12, 0xc4, 0x00 },
	  8, -EINVAL, 0, 0 },
	{ "cut in element", { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x0a,
			      0x05, 0x0a }, 11, -EINVAL, 0, 0 },
	{ "element outside pkglen", { 0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x02,
				      0x01, 0x01 }, 10, -EINVAL, 0, 0 },
	{ "zero elements", { 0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00, 0, 0 },
	  10, -EINVAL, 0, 0 },
	{ "value above 7", { 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a,
			     0x08, 0x00 }, 11, -EINVAL, 0, 0 },
	{ "ones op", { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0xff, 0x00 },
	  10, -EINVAL, 0, 0 },
	{ "unknown opcode", { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x70,
			      0x00 }, 10, -EINVAL, 0, 0 },
	{ "reserved pkglen bits", { 0x08, '_', 'S', '5', '_', 0x12, 0x70, 0x00,
				    0x02, 0x00, 0x00 }, 11, -EINVAL, 0, 0 },
	/* a malformed package does not hide a good \_S5 after it */
	{ "malformed, then a good one", { 0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00,
					  0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02,
					  0x01, 0x00 }, 18, 0, 1, 0 },
	{ "value above 7, then a good one", { 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02,
					      0x0a, 0x08, 0x00, 0x08, '_', 'S', '5', '_',
					      0x12, 0x04, 0x02, 0x07, 0x03 }, 21, 0, 7, 3 },
	{ "malformed, then no other", { 0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00,
					0x08, '_', 'S', '4', '_', 0x12, 0x04, 0x02,
					0x01, 0x00 }, 18, -EINVAL, 0, 0 },
};

KTEST(acpi, s5_encodings)
{
	for (size_t i = 0; i < ARRAY_SIZE(s5_cases); i++) {
		const struct s5_case *c = &s5_cases[i];
		struct acpi_s5 s5;
		u8 *copy = malloc(c->len);	/* exact size: ASan sees overreads */
		int ret;

		memcpy(copy, c->aml, c->len);
		ret = acpi_aml_find_s5(copy, c->len, &s5);
		free(copy);
		if (ret != c->ret) {
			ktest_fail(__FILE__, __LINE__, "%s: ret %d, want %d", c->what, ret,
				   c->ret);
			continue;
		}
		KT_EXPECT_EQ(s5.valid, ret == 0);
		if (!ret && (s5.slp_typa != c->a || s5.slp_typb != c->b))
			ktest_fail(__FILE__, __LINE__, "%s: %u/%u, want %u/%u", c->what,
				   s5.slp_typa, s5.slp_typb, c->a, c->b);
	}
}

KTEST(acpi, s5_two_byte_pkglen)
{
	/* a package of 0x47 bytes: PkgLength 0x47 0x04 (0x47 = 0x7 | 0x4 << 4) */
	u8 aml[96] = { 0x08, '_', 'S', '5', '_', 0x12, 0x47, 0x04, 0x02, 0x0a, 0x05,
		       0x0a, 0x06 };
	struct acpi_s5 s5;

	KT_ASSERT_EQ(acpi_aml_find_s5(aml, 5 + 1 + 0x47, &s5), 0);
	KT_EXPECT_EQ(s5.slp_typa, 5);
	KT_EXPECT_EQ(s5.slp_typb, 6);
	KT_EXPECT_EQ(acpi_aml_find_s5(aml, 5 + 0x47, &s5), -EINVAL);
}

KTEST(acpi, s5_from_ssdt_when_dsdt_lacks_it)
{
	static const u8 ssdt_aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01,
				       0x0a, 0x03 };
	struct plat p;

	plat_build(&p);
	memcpy(P(p.dsdt) + 36 + 10, "_S6_", 4);		/* rename the DSDT's \_S5 */
	fix_checksum(p.dsdt);
	p.ssdt = build_ssdt(ssdt_aml, sizeof(ssdt_aml) - 1);	/* cut: malformed */
	p.entries[p.nentries++] = p.ssdt;
	p.entries[p.nentries++] = build_ssdt(ssdt_aml, sizeof(ssdt_aml));
	build_roots(&p, 2);
	KT_ASSERT_EQ(plat_parse(&p), 0);
	KT_ASSERT(ai.s5.valid);
	KT_EXPECT_EQ(ai.s5.slp_typa, 3);
	KT_EXPECT_STREQ(ai.s5.found_in, "SSDT");
	KT_EXPECT(host_log_contains("malformed \\_S5 package"));

	plat_build(&p);
	memcpy(P(p.dsdt) + 36 + 10, "_S6_", 4);
	fix_checksum(p.dsdt);
	KT_ASSERT_EQ(plat_parse(&p), 0);
	KT_EXPECT(!ai.s5.valid);
	KT_EXPECT(host_log_contains("no usable \\_S5"));

	plat_build(&p);
	P(p.dsdt)[40] ^= 1;				/* DSDT checksum */
	KT_ASSERT_EQ(plat_parse(&p), 0);
	KT_EXPECT(!ai.s5.valid);
	KT_EXPECT_EQ(ai.rejected, 1);
}

/* ---------------------------------------------------------------- MADT */

static u64 madt_with(const u8 *e, size_t n)
{
	u64 t;

	fake_reset();
	t = mk_table("APIC", 44 + n, 3);
	put32(P(t), 36, 0xfee00000);
	memcpy(P(t) + 44, e, n);
	fix_checksum(t);
	return t;
}

KTEST(acpi, madt_malformed_entries)
{
	static const struct {
		const char *what;
		u8 e[16];
		size_t n;
	} bad[] = {
		{ "length 0", { 0, 8, 0, 0, 1, 0, 0, 0, 0, 0 }, 10 },
		{ "length 1", { 1, 1 }, 2 },
		{ "overrunning", { 0, 8, 0, 0, 1, 0, 0, 0, 1, 12, 0, 0 }, 12 },
		{ "truncated header", { 0, 8, 0, 0, 1, 0, 0, 0, 5 }, 9 },
		{ "LAPIC too short", { 0, 6, 0, 0, 1, 0 }, 6 },
		{ "IOAPIC too short", { 1, 8, 0, 0, 0, 0, 0xc0, 0xfe }, 8 },
		{ "x2APIC too short", { 9, 12, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0 }, 12 },
	};
	struct acpi_madt_info m;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		u64 t = madt_with(bad[i].e, bad[i].n);

		host_log_clear();
		if (acpi_madt_parse(&m, P(t), 44 + bad[i].n) != -EINVAL)
			ktest_fail(__FILE__, __LINE__, "%s accepted", bad[i].what);
		KT_EXPECT(!m.present && m.ncpus == 0);
		KT_EXPECT(host_log_contains("acpi: MADT"));
	}
	/* the zero-length entry must not loop: it follows a good one */
	{
		u8 e[] = { 0, 8, 0, 0, 1, 0, 0, 0, 0, 0 };
		u64 t = madt_with(e, sizeof(e));

		KT_EXPECT_EQ(acpi_madt_parse(&m, P(t), 44 + sizeof(e)), -EINVAL);
		KT_EXPECT(host_log_contains("has length 0"));
	}
	KT_EXPECT_EQ(acpi_madt_parse(&m, fake_mem, 43), -EINVAL);
}

/*
 * A CPU entry that is not enabled: from MADT revision 5 it is hot-pluggable
 * only with the Online Capable flag; before, where that flag did not exist,
 * every such entry may be hot-added (ACPI 6.3 5.2.12.2; Linux's
 * acpi_is_processor_usable()). QEMU 7.2 lists the CPUs of -smp maxcpus= that
 * are not present as disabled entries in a revision 1 MADT.
 */
KTEST(acpi, madt_hotplug_by_revision)
{
	static const u8 e[] = {
		0, 8, 0, 0, 1, 0, 0, 0,		/* CPU 0 on */
		0, 8, 1, 1, 0, 0, 0, 0,		/* CPU 1 disabled */
		0, 8, 2, 2, 2, 0, 0, 0,		/* CPU 2 online-capable */
	};
	static const struct { u8 rev; unsigned ncpus, hot; } cases[] = {
		{ 1, 3, 2 }, { 4, 3, 2 }, { 5, 2, 1 }, { 6, 2, 1 },
	};
	struct acpi_madt_info m;

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 t = madt_with(e, sizeof(e));

		P(t)[8] = cases[i].rev;
		fix_checksum(t);
		KT_ASSERT_EQ(acpi_madt_parse(&m, P(t), 44 + sizeof(e)), 0);
		KT_EXPECT_EQ(m.ncpus, cases[i].ncpus);
		KT_EXPECT_EQ(m.ncpus_hotplug, cases[i].hot);
		KT_EXPECT_EQ(m.ncpus_disabled, 2);
		KT_EXPECT(!m.cpu[0].hotplug);
		KT_EXPECT(m.cpu[m.ncpus - 1].hotplug);
		KT_EXPECT_EQ(m.cpu[m.ncpus - 1].apic_id, 2);
	}
}

KTEST(acpi, madt_override_and_limits)
{
	u8 e[12 + 8 * (ACPI_MAX_CPUS + 2) + 8];
	struct acpi_madt_info m;
	size_t n = 0;
	u64 t;

	/* type 5: 64-bit local APIC address */
	e[n++] = 5;
	e[n++] = 12;
	put16(e, n, 0);
	put64(e, n + 2, 0x1fee00000ULL);
	n += 10;
	for (unsigned i = 0; i < ACPI_MAX_CPUS + 2; i++) {
		u8 l[8] = { 0, 8, (u8)i, (u8)i, 1, 0, 0, 0 };

		memcpy(e + n, l, 8);
		n += 8;
	}
	{
		u8 dup[8] = { 0, 8, 0, 0, 1, 0, 0, 0 };	/* CPU 0 again */

		memcpy(e + n, dup, 8);
		n += 8;
	}
	t = madt_with(e, n);
	KT_ASSERT_EQ(acpi_madt_parse(&m, P(t), 44 + n), 0);
	KT_EXPECT_EQ(m.lapic_addr, 0x1fee00000ULL);
	KT_EXPECT_EQ(m.ncpus, ACPI_MAX_CPUS);
	KT_EXPECT_EQ(m.dropped, 2);
	KT_EXPECT(host_log_contains("2 entries beyond"));

	/* no local APIC address at all */
	put32(P(t), 36, 0);
	memset(P(t) + 44, 0, 12);
	P(t)[44] = 0x7f;
	P(t)[45] = 12;
	fix_checksum(t);
	KT_EXPECT_EQ(acpi_madt_parse(&m, P(t), 44 + n), -EINVAL);
}

/* ---------------------------------------------------------------- MCFG, HPET */

KTEST(acpi, mcfg_entries)
{
	struct acpi_mcfg_info m;
	u64 t;

	fake_reset();
	t = mk_table("MCFG", 44 + 3 * 16, 1);
	put64(P(t), 44, 0xb0000000);
	put8(P(t), 55, 255);
	put64(P(t), 60, 0xc0000000);			/* start > end: skipped */
	put8(P(t), 70, 9);
	put8(P(t), 71, 3);
	put64(P(t), 76, 0xe0000000);
	put16(P(t), 84, 1);
	put8(P(t), 86, 0);
	put8(P(t), 87, 63);
	KT_ASSERT_EQ(acpi_mcfg_parse(&m, P(t), 44 + 48), 0);
	KT_ASSERT_EQ(m.n, 2);
	KT_EXPECT_EQ(m.e[1].base, 0xe0000000);
	KT_EXPECT_EQ(m.e[1].segment, 1);
	KT_EXPECT_EQ(m.e[1].end_bus, 63);
	KT_EXPECT(host_log_contains("buses 9-3 invalid"));

	put32(P(t), 4, 44 + 40);
	KT_EXPECT_EQ(acpi_mcfg_parse(&m, P(t), 44 + 48), -EINVAL);
	KT_EXPECT(!m.present && m.n == 0);
	put32(P(t), 4, 40);
	KT_EXPECT_EQ(acpi_mcfg_parse(&m, P(t), 44 + 48), -EINVAL);
}

KTEST(acpi, hpet_table)
{
	struct acpi_hpet_info h;
	u64 t;

	fake_reset();
	t = build_hpet();
	KT_ASSERT_EQ(acpi_hpet_parse(&h, P(t), 56), 0);
	KT_EXPECT_EQ(h.base, 0xfed00000);
	KT_EXPECT_EQ(acpi_hpet_parse(&h, P(t), 55), -EINVAL);
	put8(P(t), 40, ACPI_GAS_IO);
	KT_EXPECT_EQ(acpi_hpet_parse(&h, P(t), 56), -EINVAL);
	KT_EXPECT(!h.present);
	put8(P(t), 40, ACPI_GAS_MEMORY);
	put64(P(t), 44, 0);
	KT_EXPECT_EQ(acpi_hpet_parse(&h, P(t), 56), -EINVAL);
}

/* ---------------------------------------------------------------- NFIT */

/* Parse "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX" into the UEFI byte layout:
 * the first three fields little endian, the rest in order. */
static void guid_from_string(const char *s, u8 *g)
{
	static const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	u8 raw[16];
	int n = 0;

	for (; *s && n < 16; s++) {
		char hex[3] = { s[0], s[1], 0 };

		if (*s == '-')
			continue;
		raw[n++] = (u8)strtoul(hex, NULL, 16);
		s++;
	}
	for (int i = 0; i < 16; i++)
		g[i] = raw[order[i]];
}

KTEST(acpi, nfit_guid_matches_spec_string)
{
	u8 g[16];

	guid_from_string("66F0D379-B4F3-4074-AC43-0D3318B78CDB", g);
	KT_EXPECT(!memcmp(g, acpi_nfit_guid_pmem, 16));
	guid_from_string("7305944F-FDDA-44E3-B16C-3F22D252E5D0", g);
	KT_EXPECT(!memcmp(g, guid_volatile, 16));
}

KTEST(acpi, nfit_malformed_structures)
{
	struct acpi_nfit_info n;
	u64 t;
	u8 *b;

	fake_reset();
	t = build_nfit();
	b = P(t);
	KT_ASSERT_EQ(acpi_nfit_parse(&n, b, 40 + 56 + 48 + 56), 0);
	KT_EXPECT_EQ(n.nspa, 2);

	put16(b, 96 + 2, 0);				/* length 0 */
	host_log_clear();
	KT_EXPECT_EQ(acpi_nfit_parse(&n, b, 200), -EINVAL);
	KT_EXPECT(host_log_contains("type 1 at offset 96 has length 0"));
	KT_EXPECT(!n.present && n.nspa == 0);
	put16(b, 96 + 2, 2);				/* below the 4-byte header */
	KT_EXPECT_EQ(acpi_nfit_parse(&n, b, 200), -EINVAL);
	put16(b, 96 + 2, 200);				/* overrunning */
	KT_EXPECT_EQ(acpi_nfit_parse(&n, b, 200), -EINVAL);
	put16(b, 96 + 2, 48);

	put16(b, 40 + 2, 40);				/* SPA shorter than 56 */
	host_log_clear();
	KT_EXPECT_EQ(acpi_nfit_parse(&n, b, 200), -EINVAL);
	KT_EXPECT(host_log_contains("SPA at offset 40 truncated"));
	put16(b, 40 + 2, 56);

	put32(b, 4, 200 - 2);				/* table ends inside a header */
	put32(b, 4, 40 + 56 + 48 + 2);
	host_log_clear();
	KT_EXPECT_EQ(acpi_nfit_parse(&n, b, 200), -EINVAL);
	KT_EXPECT(host_log_contains("truncated structure at offset 144"));
	put32(b, 4, 39);
	KT_EXPECT_EQ(acpi_nfit_parse(&n, b, 200), -EINVAL);
	put32(b, 4, 200);
	KT_EXPECT_EQ(acpi_nfit_parse(&n, b, 199), -EINVAL);
	KT_EXPECT_EQ(acpi_nfit_parse(&n, b, 30), -EINVAL);
}

KTEST(acpi, nfit_spa_ranges)
{
	struct acpi_nfit_info n;
	u64 t;
	u8 *b;

	fake_reset();
	t = mk_table("NFIT", 40 + 4 * 56, 1);
	b = P(t);
	put_spa(b + 40, 1, acpi_nfit_guid_pmem, 0x100000000ULL, 0);	/* empty */
	put_spa(b + 96, 2, acpi_nfit_guid_pmem, ~0ULL - 10, 0x1000);	/* wraps */
	put_spa(b + 152, 3, guid_volatile, 0x200000000ULL, 0x1000);
	put_spa(b + 208, 4, acpi_nfit_guid_pmem, 0x300000000ULL, 0x2000000);
	put16(b, 208 + 6, 3);
	KT_ASSERT_EQ(acpi_nfit_parse(&n, b, 40 + 4 * 56), 0);
	KT_ASSERT_EQ(n.nspa, 2);
	KT_EXPECT(!n.spa[0].pmem);
	KT_EXPECT_EQ(n.spa[0].index, 3);
	KT_EXPECT(!memcmp(n.spa[0].guid, guid_volatile, 16));
	KT_EXPECT(n.spa[1].pmem);
	KT_EXPECT_EQ(n.spa[1].base, 0x300000000ULL);
	KT_EXPECT_EQ(n.spa[1].length, 0x2000000);
	KT_EXPECT_EQ(n.spa[1].flags, 3);
	KT_EXPECT(host_log_contains("SPA 1 at offset 40: range"));
	KT_EXPECT(host_log_contains("SPA 2 at offset 96: range"));
}
