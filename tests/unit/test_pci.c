/*
 * test_pci.c - host tests of drivers/pci/pci_lib.c.
 *
 * A fake 4 KiB configuration space (cfg[], read through fake_read) holds
 * hand-built capability lists; tests then break them (loops, pointers into
 * the header or past the end) and check the walk stops with a log line.
 * BAR decoding is table-driven over the value pairs real devices give when
 * sized (the QEMU NVMe BAR above 4 GiB among them).
 */
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "pci.h"
#include "unit.h"

static u8 cfg[PCI_CFG_SPACE_EXP_SIZE];
static unsigned reads;

static u32 fake_read(const void *ctx, unsigned off)
{
	const u8 *c = ctx;
	u32 v;

	reads++;
	if (off & 3 || off >= PCI_CFG_SPACE_EXP_SIZE)
		ktest_fail(__FILE__, __LINE__, "bad config read at 0x%x", off);
	memcpy(&v, c + (off & 0xffc), 4);
	return v;
}

static void put16(unsigned off, u16 v) { memcpy(cfg + off, &v, 2); }
static void put32(unsigned off, u32 v) { memcpy(cfg + off, &v, 4); }

/* A standard capability at off with id, pointing at next. */
static void cap(unsigned off, u8 id, u8 next)
{
	cfg[off] = id;
	cfg[off + 1] = next;
}

static void ext_cap(unsigned off, u16 id, u16 next)
{
	put32(off, id | 1u << 16 | (u32)next << 20);
}

static void cfg_reset(bool cap_list)
{
	memset(cfg, 0, sizeof(cfg));
	put16(PCI_VENDOR_ID, 0x1b36);
	put16(PCI_DEVICE_ID, 0x0010);
	put16(PCI_STATUS, cap_list ? PCI_STATUS_CAP_LIST : 0);
	reads = 0;
	host_log_clear();
}

KTEST(pci, cap_walk_normal_chain)
{
	struct pci_cap caps[8];
	unsigned n;

	cfg_reset(true);
	cfg[PCI_CAPABILITY_LIST] = 0x40;
	cap(0x40, PCI_CAP_ID_PM, 0x50);
	cap(0x50, PCI_CAP_ID_MSI, 0x70);
	cap(0x70, PCI_CAP_ID_MSIX, 0x80);
	cap(0x80, PCI_CAP_ID_EXP, 0);
	n = pci_cap_walk(fake_read, cfg, caps, ARRAY_SIZE(caps));
	KT_ASSERT_EQ(n, 4);
	KT_EXPECT_EQ(caps[0].id, PCI_CAP_ID_PM);
	KT_EXPECT_EQ(caps[0].off, 0x40);
	KT_EXPECT_EQ(caps[1].id, PCI_CAP_ID_MSI);
	KT_EXPECT_EQ(caps[2].id, PCI_CAP_ID_MSIX);
	KT_EXPECT_EQ(caps[2].off, 0x70);
	KT_EXPECT_EQ(caps[3].id, PCI_CAP_ID_EXP);
	KT_EXPECT_EQ(pci_cap_find(fake_read, cfg, PCI_CAP_ID_MSIX), 0x70);
	KT_EXPECT_EQ(pci_cap_find(fake_read, cfg, PCI_CAP_ID_EXP), 0x80);
	KT_EXPECT_EQ(pci_cap_find(fake_read, cfg, PCI_CAP_ID_VPD), 0);
	KT_EXPECT(!host_log_contains("pci:"));
}

KTEST(pci, cap_walk_needs_status_bit)
{
	struct pci_cap caps[4];

	cfg_reset(false);
	cfg[PCI_CAPABILITY_LIST] = 0x40;
	cap(0x40, PCI_CAP_ID_MSIX, 0);
	KT_EXPECT_EQ(pci_cap_walk(fake_read, cfg, caps, ARRAY_SIZE(caps)), 0);
	KT_EXPECT_EQ(pci_cap_find(fake_read, cfg, PCI_CAP_ID_MSIX), 0);
}

KTEST(pci, cap_walk_masks_reserved_pointer_bits)
{
	struct pci_cap caps[4];

	cfg_reset(true);
	cfg[PCI_CAPABILITY_LIST] = 0x43;	/* bits 1:0 reserved */
	cap(0x40, PCI_CAP_ID_PM, 0x52);
	cap(0x50, PCI_CAP_ID_MSIX, 0x01);
	KT_ASSERT_EQ(pci_cap_walk(fake_read, cfg, caps, ARRAY_SIZE(caps)), 2);
	KT_EXPECT_EQ(caps[0].off, 0x40);
	KT_EXPECT_EQ(caps[1].off, 0x50);
}

/* Malformed lists: each ends the walk after the good entries, with a log
 * line, without reading forever. */
KTEST(pci, cap_walk_malformed)
{
	static const struct {
		const char *what;
		u8 first;
		u8 chain[6][2];		/* (offset, next); id = index + 1 */
		unsigned want;
		const char *log;
	} cases[] = {
		{ "loop back to first", 0x40, { { 0x40, 0x50 }, { 0x50, 0x40 } }, 2, "loops" },
		{ "self loop", 0x60, { { 0x60, 0x60 } }, 1, "loops" },
		{ "loop in the middle", 0x40,
		  { { 0x40, 0x50 }, { 0x50, 0x60 }, { 0x60, 0x50 } }, 3, "loops" },
		{ "first points into header", 0x10, { { 0 } }, 0, "into the header" },
		{ "next points into header", 0x40, { { 0x40, 0x3c } }, 1, "into the header" },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct pci_cap caps[PCI_MAX_CAPS];
		unsigned n;

		cfg_reset(true);
		cfg[PCI_CAPABILITY_LIST] = cases[i].first;
		for (unsigned j = 0; j < 6 && cases[i].chain[j][0]; j++)
			cap(cases[i].chain[j][0], (u8)(j + 1), cases[i].chain[j][1]);
		n = pci_cap_walk(fake_read, cfg, caps, ARRAY_SIZE(caps));
		if (n != cases[i].want || !host_log_contains(cases[i].log))
			ktest_fail(__FILE__, __LINE__, "%s: %u caps (want %u)", cases[i].what,
				   n, cases[i].want);
		KT_EXPECT(reads < 16);
	}
}

KTEST(pci, cap_walk_longest_list_and_truncation)
{
	struct pci_cap caps[PCI_MAX_CAPS];
	unsigned n;

	/* every dword from 0x40 to 0xfc: 48 capabilities, the most possible */
	cfg_reset(true);
	cfg[PCI_CAPABILITY_LIST] = 0x40;
	for (unsigned off = 0x40; off < 0x100; off += 4)
		cap(off, PCI_CAP_ID_VNDR, off + 4 < 0x100 ? (u8)(off + 4) : 0);
	n = pci_cap_walk(fake_read, cfg, caps, ARRAY_SIZE(caps));
	KT_EXPECT_EQ(n, PCI_MAX_CAPS);
	KT_EXPECT_EQ(caps[PCI_MAX_CAPS - 1].off, 0xfc);
	KT_EXPECT(!host_log_contains("pci:"));

	/* the caller's array bounds what is stored */
	n = pci_cap_walk(fake_read, cfg, caps, 3);
	KT_EXPECT_EQ(n, 3);
	KT_EXPECT_EQ(caps[2].off, 0x48);
	KT_EXPECT_EQ(pci_cap_walk(fake_read, cfg, caps, 0), 0);
}

KTEST(pci, ext_cap_walk)
{
	struct pci_cap caps[8];
	unsigned n;

	cfg_reset(true);
	ext_cap(0x100, 0x0001, 0x148);	/* AER */
	ext_cap(0x148, 0x0000, 0x200);	/* null capability: skipped, followed */
	ext_cap(0x200, 0x0003, 0x300);	/* DSN */
	ext_cap(0x300, 0x0010, 0);	/* SR-IOV */
	n = pci_ext_cap_walk(fake_read, cfg, caps, ARRAY_SIZE(caps));
	KT_ASSERT_EQ(n, 3);
	KT_EXPECT_EQ(caps[0].id, 1);
	KT_EXPECT_EQ(caps[0].off, 0x100);
	KT_EXPECT_EQ(caps[1].id, 3);
	KT_EXPECT_EQ(caps[1].off, 0x200);
	KT_EXPECT_EQ(caps[2].id, 0x10);
	KT_EXPECT_EQ(pci_ext_cap_find(fake_read, cfg, 0x10), 0x300);
	KT_EXPECT_EQ(pci_ext_cap_find(fake_read, cfg, 0x0e), 0);
	KT_EXPECT(!host_log_contains("pci:"));

	/* no extended space (legacy device or all-ones from a bus without it) */
	cfg_reset(true);
	KT_EXPECT_EQ(pci_ext_cap_walk(fake_read, cfg, caps, ARRAY_SIZE(caps)), 0);
	put32(0x100, 0xffffffff);
	KT_EXPECT_EQ(pci_ext_cap_walk(fake_read, cfg, caps, ARRAY_SIZE(caps)), 0);

	/* a loop, and a pointer back into the standard space */
	cfg_reset(true);
	ext_cap(0x100, 0x0001, 0x180);
	ext_cap(0x180, 0x0002, 0x100);
	KT_EXPECT_EQ(pci_ext_cap_walk(fake_read, cfg, caps, ARRAY_SIZE(caps)), 2);
	KT_EXPECT(host_log_contains("loops at 0x100"));
	cfg_reset(true);
	ext_cap(0x100, 0x0001, 0x040);
	KT_EXPECT_EQ(pci_ext_cap_walk(fake_read, cfg, caps, ARRAY_SIZE(caps)), 1);
	KT_EXPECT(host_log_contains("out of range"));
	KT_EXPECT(reads < 8);
}

KTEST(pci, bar_decode_table)
{
	static const struct {
		const char *what;
		u32 lo, hi, mlo, mhi;
		int slots;
		u64 addr, size;
		unsigned flags;
	} cases[] = {
		{ "32-bit mem 16K", 0xfebd0000, 0, 0xffffc000, 0, 1, 0xfebd0000, 0x4000, 0 },
		{ "32-bit prefetchable 16M", 0xfd000008, 0, 0xff000008, 0, 1,
		  0xfd000000, 16 << 20, PCI_BARF_PREFETCH },
		{ "64-bit above 4G (OVMF NVMe)", 0x00000004, 0xe0, 0xffffc004, 0xffffffff, 2,
		  0xe000000000ULL, 0x4000, PCI_BARF_64 },
		{ "64-bit prefetchable 8G", 0x0000000c, 0x4, 0x0000000c, 0xfffffffe, 2,
		  0x400000000ULL, 8ULL << 30, PCI_BARF_64 | PCI_BARF_PREFETCH },
		{ "64-bit unassigned", 0x00000004, 0, 0xfff00004, 0xffffffff, 2,
		  0, 1 << 20, PCI_BARF_64 },
		{ "64-bit not implemented", 0x00000004, 0, 0x00000004, 0, 2, 0, 0, PCI_BARF_64 },
		{ "io 32 ports", 0x0000c001, 0, 0xffffffe1, 0, 1, 0xc000, 0x20, PCI_BARF_IO },
		{ "io 16-bit decoder", 0x0000c041, 0, 0x0000ffc1, 0, 1, 0xc040, 0x40,
		  PCI_BARF_IO },
		{ "io 4 ports", 0x00000171, 0, 0xfffffffd, 0, 1, 0x170, 4, PCI_BARF_IO },
		{ "not implemented", 0, 0, 0, 0, 1, 0, 0, 0 },
		{ "below-1M type", 0x000a0002, 0, 0xfffe0002, 0, 1, 0xa0000, 0x20000, 0 },
		{ "mask with stray high bits clear", 0xfe000000, 0, 0x7ff00000, 0, 1,
		  0xfe000000, 1 << 20, 0 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct pci_bar b;
		int n = pci_bar_decode(cases[i].lo, cases[i].hi, cases[i].mlo, cases[i].mhi, &b);

		if (n != cases[i].slots || b.addr != cases[i].addr || b.size != cases[i].size ||
		    b.flags != cases[i].flags)
			ktest_fail(__FILE__, __LINE__,
				   "%s: slots %d addr 0x%llx size 0x%llx flags 0x%x", cases[i].what,
				   n, (unsigned long long)b.addr, (unsigned long long)b.size,
				   b.flags);
		KT_EXPECT_EQ(pci_bar_is_64(cases[i].lo), cases[i].slots == 2);
	}
}

KTEST(pci, bar_decode_rejects_reserved_type)
{
	struct pci_bar b;

	KT_EXPECT_EQ(pci_bar_decode(0xfe000006, 0, 0xfff00006, 0, &b), -EINVAL);
	KT_EXPECT_EQ(b.size, 0);
	KT_EXPECT(!pci_bar_is_64(0xfe000006));
	KT_EXPECT(!pci_bar_is_64(0x0000c005));	/* io with bit 2 set */
}

KTEST(pci, msix_decode)
{
	struct pci_msix_info mi;

	/* QEMU NVMe: 65 vectors, table at BAR0+0x2000, PBA at BAR0+0x3000 */
	KT_ASSERT_EQ(pci_msix_decode(0x0040, 0x00002000, 0x00003000, &mi), 0);
	KT_EXPECT_EQ(mi.size, 65);
	KT_EXPECT_EQ(mi.table_bar, 0);
	KT_EXPECT_EQ(mi.table_off, 0x2000);
	KT_EXPECT_EQ(mi.pba_bar, 0);
	KT_EXPECT_EQ(mi.pba_off, 0x3000);

	/* enable and function-mask bits do not change the size; BIR 4 */
	KT_ASSERT_EQ(pci_msix_decode(0xc000 | 0x7ff, 0x00010004, 0x00018005, &mi), 0);
	KT_EXPECT_EQ(mi.size, 2048);
	KT_EXPECT_EQ(mi.table_bar, 4);
	KT_EXPECT_EQ(mi.table_off, 0x10000);
	KT_EXPECT_EQ(mi.pba_bar, 5);
	KT_EXPECT_EQ(mi.pba_off, 0x18000);

	KT_EXPECT_EQ(pci_msix_decode(0, 0x6, 0, &mi), -EINVAL);
	KT_EXPECT_EQ(pci_msix_decode(0, 0, 0x1007, &mi), -EINVAL);
}

KTEST(pci, msix_encode)
{
	static const struct {
		u32 apic_id;
		u8 vector;
		bool masked;
		int ret;
		u32 addr_lo, data, ctrl;
	} cases[] = {
		{ 0, 0x30, true, 0, 0xfee00000, 0x30, 1 },
		{ 3, 0x41, false, 0, 0xfee03000, 0x41, 0 },
		{ 255, 0xef, false, 0, 0xfeeff000, 0xef, 0 },
		{ 256, 0x40, false, -ERANGE, 0, 0, 0 },	/* needs interrupt remapping */
		{ 0, 15, false, -ERANGE, 0, 0, 0 },	/* exceptions are not MSI targets */
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct pci_msix_entry e = { 0xdead, 0xbeef, 0xcafe, 0x1234 };
		int ret = pci_msix_encode(&e, cases[i].apic_id, cases[i].vector, cases[i].masked);

		KT_EXPECT_EQ(ret, cases[i].ret);
		if (ret) {
			KT_EXPECT_EQ(e.addr_lo, 0xdead);	/* untouched on error */
			continue;
		}
		KT_EXPECT_EQ(e.addr_lo, cases[i].addr_lo);
		KT_EXPECT_EQ(e.addr_hi, 0);
		KT_EXPECT_EQ(e.data, cases[i].data);
		KT_EXPECT_EQ(e.ctrl, cases[i].ctrl);
	}
}

KTEST(pci, names)
{
	KT_EXPECT_STREQ(pci_cap_name(PCI_CAP_ID_MSIX), "MSI-X");
	KT_EXPECT_STREQ(pci_cap_name(PCI_CAP_ID_MSI), "MSI");
	KT_EXPECT_STREQ(pci_cap_name(PCI_CAP_ID_EXP), "PCIe");
	KT_EXPECT_STREQ(pci_cap_name(PCI_CAP_ID_PM), "PM");
	KT_EXPECT_STREQ(pci_cap_name(0), "?");
	KT_EXPECT_STREQ(pci_cap_name(0xff), "?");
	KT_EXPECT_STREQ(pci_ext_cap_name(0x0001), "AER");
	KT_EXPECT_STREQ(pci_ext_cap_name(0xffff), "?");
	KT_EXPECT_STREQ(pci_class_name(0x010802), "NVMe controller");
	KT_EXPECT_STREQ(pci_class_name(0x010801), "mass storage");
	KT_EXPECT_STREQ(pci_class_name(0x060000), "host bridge");
	KT_EXPECT_STREQ(pci_class_name(0x060400), "PCI bridge");
	KT_EXPECT_STREQ(pci_class_name(0x010185), "IDE controller");
	KT_EXPECT_STREQ(pci_class_name(0xff0000), "unknown class");
}
