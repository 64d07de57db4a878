/*
 * test_bootinfo.c - host tests of kernel/bootinfo.c: synthetic multiboot2
 * information blocks (command line, loader name, memory map, EFI memory map,
 * RSDP and EFI system table tags) and PVH start infos, good and malformed
 * (total size too small or too large, tag size below 8, tags overrunning,
 * no end tag, entry sizes too small or too large, truncated tags).
 *
 * Every block is parsed from a heap copy of exactly its advertised length,
 * so ASan catches any read past it.
 */
#include <stdlib.h>
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "memmap.h"

#define MB2_TAG_END		0
#define MB2_TAG_CMDLINE		1
#define MB2_TAG_LOADER		2
#define MB2_TAG_MMAP		6
#define MB2_TAG_EFI64		12
#define MB2_TAG_ACPI_OLD	14
#define MB2_TAG_ACPI_NEW	15
#define MB2_TAG_EFI_MMAP	17

static struct boot_info bi;

/* ------------------------------------------------------------ multiboot2 builder */

struct mb2 {
	u8 buf[32768] __aligned(8);
	u32 off;
};

static struct mb2 mb;

static void mb2_begin(void)
{
	memset(&mb, 0, sizeof(mb));
	mb.off = 8;
}

/* Append a tag header with the given size; returns its payload. */
static u8 *mb2_tag(u32 type, u32 size)
{
	u8 *p = mb.buf + mb.off;

	memcpy(p, &type, 4);
	memcpy(p + 4, &size, 4);
	mb.off += ALIGN_UP(size, 8u);
	return p + 8;
}

static void mb2_str(u32 type, const char *s)
{
	size_t n = strlen(s) + 1;

	memcpy(mb2_tag(type, 8 + (u32)n), s, n);
}

struct mm_ent {
	u64 addr;
	u64 len;
	u32 type;
};

/* A memory map tag with entry_size esize (24 in the spec). */
static void mb2_mmap(const struct mm_ent *e, unsigned n, u32 esize)
{
	u8 *p = mb2_tag(MB2_TAG_MMAP, 16 + n * esize);
	u32 hdr[2] = { esize, 0 };

	memcpy(p, hdr, 8);
	for (unsigned i = 0; i < n; i++) {
		u8 *q = p + 8 + i * esize;

		memcpy(q, &e[i].addr, 8);
		memcpy(q + 8, &e[i].len, 8);
		memcpy(q + 16, &e[i].type, 4);
	}
}

/* An EFI memory map tag with descriptor size dsize (40, or 48 from OVMF). */
static void mb2_efi_mmap(const struct mm_ent *e, unsigned n, u32 dsize)
{
	u8 *p = mb2_tag(MB2_TAG_EFI_MMAP, 16 + n * dsize);
	u32 hdr[2] = { dsize, 1 };

	memcpy(p, hdr, 8);
	for (unsigned i = 0; i < n; i++) {
		u8 *q = p + 8 + i * dsize;
		u64 pages = e[i].len >> 12, virt = 0, attr = 0xf;

		memcpy(q, &e[i].type, 4);
		memcpy(q + 8, &e[i].addr, 8);
		memcpy(q + 16, &virt, 8);
		memcpy(q + 24, &pages, 8);
		memcpy(q + 32, &attr, 8);
	}
}

/* End tag and total size; returns the total. */
static u32 mb2_end(void)
{
	u32 total;

	mb2_tag(MB2_TAG_END, 8);
	total = mb.off;
	memcpy(mb.buf, &total, 4);
	return total;
}

static void mb2_set_total(u32 total)
{
	memcpy(mb.buf, &total, 4);
}

/* Parse len bytes of mb.buf from an exact-size heap copy. */
static int parse_exact(size_t len)
{
	u8 *copy = malloc(len ? len : 1);
	int err;

	memcpy(copy, mb.buf, len);
	err = bootinfo_parse_mb2(&bi, copy, len);
	free(copy);
	return err;
}

/* ------------------------------------------------------------ multiboot2 */

KTEST(bootinfo, mb2_full_block)
{
	static const struct mm_ent mm[] = {
		{ 0, 0x9fc00, 1 },
		{ 0x100000, 0x7fee0000, 1 },
		{ 0xfffc0000, 0x40000, 2 },
	};
	static const struct mm_ent efi[] = {
		{ 0, 0xa0000, 7 },
		{ 0x100000000ULL, 0x40000000, 14 },
	};
	u8 rsdp[36];
	u64 systab = 0x7f9e0018;
	u32 total;

	for (unsigned i = 0; i < sizeof(rsdp); i++)
		rsdp[i] = (u8)(i + 1);
	mb2_begin();
	mb2_str(MB2_TAG_CMDLINE, "console=ttyS0 memmap=64M!256M");
	mb2_str(MB2_TAG_LOADER, "GRUB 2.06");
	mb2_mmap(mm, ARRAY_SIZE(mm), 24);
	memcpy(mb2_tag(MB2_TAG_ACPI_NEW, 8 + 36), rsdp, 36);
	memcpy(mb2_tag(MB2_TAG_EFI64, 16), &systab, 8);
	mb2_efi_mmap(efi, ARRAY_SIZE(efi), 48);
	mb2_tag(99, 13);	/* unknown: skipped */
	total = mb2_end();

	KT_ASSERT_EQ(parse_exact(total), 0);
	KT_EXPECT_EQ(bi.proto, BOOT_PROTO_MB2);
	KT_EXPECT_EQ(bi.warnings, 0);
	KT_EXPECT_STREQ(bi.cmdline, "console=ttyS0 memmap=64M!256M");
	KT_EXPECT_STREQ(bi.loader, "GRUB 2.06");
	KT_ASSERT_EQ(bi.ne820, 3);
	for (unsigned i = 0; i < 3; i++) {
		KT_EXPECT_EQ(bi.e820[i].addr, mm[i].addr);
		KT_EXPECT_EQ(bi.e820[i].len, mm[i].len);
		KT_EXPECT_EQ(bi.e820[i].type, mm[i].type);
	}
	KT_ASSERT_EQ(bi.nefi, 2);
	for (unsigned i = 0; i < 2; i++) {
		KT_EXPECT_EQ(bi.efi[i].addr, efi[i].addr);
		KT_EXPECT_EQ(bi.efi[i].len, efi[i].len);
		KT_EXPECT_EQ(bi.efi[i].type, efi[i].type);
	}
	KT_EXPECT_EQ(bi.rsdp_len, 36);
	KT_EXPECT(!memcmp(bi.rsdp, rsdp, 36));
	KT_EXPECT_EQ(bi.efi_systab, systab);
	KT_EXPECT_EQ(bi.rsdp_phys, 0);

	/* and on to the memory map: the EFI map wins, its pmem is region 0 */
	KT_ASSERT_EQ(memmap_init(&bi, 39), 0);
	KT_EXPECT_EQ(memmap_ram_total(), 0xa0000);
	KT_ASSERT_EQ(memmap_nr_regions(), 1);
	KT_EXPECT_EQ(memmap_region(0)->base, 0x100000000ULL);
	KT_EXPECT_STREQ(memmap_region(0)->source, "efi-14");
}

KTEST(bootinfo, mb2_unaligned_buffer)
{
	static const struct mm_ent mm[] = { { 0, 0x9fc00, 1 }, { 0x100000, 0x100000, 1 } };
	u8 *copy;
	u32 total;

	mb2_begin();
	mb2_str(MB2_TAG_CMDLINE, "x=1");
	mb2_mmap(mm, 2, 24);
	total = mb2_end();
	copy = malloc(total + 1);
	memcpy(copy + 1, mb.buf, total);
	KT_EXPECT_EQ(bootinfo_parse_mb2(&bi, copy + 1, total), 0);
	free(copy);
	KT_EXPECT_STREQ(bi.cmdline, "x=1");
	KT_EXPECT_EQ(bi.ne820, 2);
	KT_EXPECT_EQ(bi.e820[1].len, 0x100000);
}

KTEST(bootinfo, mb2_strings_bounded)
{
	static char long_line[CMDLINE_MAX + 100];
	u8 *p;
	u32 total;

	/* not NUL-terminated inside its tag: stops at the tag's end */
	mb2_begin();
	p = mb2_tag(MB2_TAG_CMDLINE, 8 + 5);
	memcpy(p, "abcdeXYZ", 8);
	total = mb2_end();
	KT_EXPECT_EQ(parse_exact(total), 0);
	KT_EXPECT_STREQ(bi.cmdline, "abcde");

	/* longer than the buffers: truncated, still terminated */
	memset(long_line, 'a', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	mb2_begin();
	mb2_str(MB2_TAG_CMDLINE, long_line);
	mb2_str(MB2_TAG_LOADER, long_line + CMDLINE_MAX);
	total = mb2_end();
	KT_EXPECT_EQ(parse_exact(total), 0);
	KT_EXPECT_EQ(strlen(bi.cmdline), CMDLINE_MAX - 1);
	KT_EXPECT_EQ(strlen(bi.loader), sizeof(bi.loader) - 1);

	/* an empty command-line tag */
	mb2_begin();
	mb2_tag(MB2_TAG_CMDLINE, 8);
	total = mb2_end();
	KT_EXPECT_EQ(parse_exact(total), 0);
	KT_EXPECT_STREQ(bi.cmdline, "");
}

KTEST(bootinfo, mb2_rsdp_tags)
{
	u8 v1[24], v2[36];
	u32 total;

	memset(v1, 0x11, sizeof(v1));
	memset(v2, 0x22, sizeof(v2));

	/* old then new: the new one wins */
	mb2_begin();
	memcpy(mb2_tag(MB2_TAG_ACPI_OLD, 8 + 20), v1, 20);
	memcpy(mb2_tag(MB2_TAG_ACPI_NEW, 8 + 36), v2, 36);
	total = mb2_end();
	KT_EXPECT_EQ(parse_exact(total), 0);
	KT_EXPECT_EQ(bi.rsdp_len, 36);
	KT_EXPECT_EQ(bi.rsdp[0], 0x22);

	/* new then old: the new one stays */
	mb2_begin();
	memcpy(mb2_tag(MB2_TAG_ACPI_NEW, 8 + 36), v2, 36);
	memcpy(mb2_tag(MB2_TAG_ACPI_OLD, 8 + 20), v1, 20);
	total = mb2_end();
	KT_EXPECT_EQ(parse_exact(total), 0);
	KT_EXPECT_EQ(bi.rsdp_len, 36);
	KT_EXPECT_EQ(bi.rsdp[35], 0x22);

	/* an old one padded past 20 bytes is still a 20-byte RSDP */
	mb2_begin();
	memcpy(mb2_tag(MB2_TAG_ACPI_OLD, 8 + 24), v1, 24);
	total = mb2_end();
	KT_EXPECT_EQ(parse_exact(total), 0);
	KT_EXPECT_EQ(bi.rsdp_len, 20);
	KT_EXPECT_EQ(bi.warnings, 0);

	/* a new one longer than 36: the first 36 bytes */
	mb2_begin();
	memset(mb2_tag(MB2_TAG_ACPI_NEW, 8 + 40), 0x33, 40);
	total = mb2_end();
	KT_EXPECT_EQ(parse_exact(total), 0);
	KT_EXPECT_EQ(bi.rsdp_len, 36);

	/* too short to be an RSDP */
	mb2_begin();
	memcpy(mb2_tag(MB2_TAG_ACPI_NEW, 8 + 19), v2, 19);
	total = mb2_end();
	KT_EXPECT_EQ(parse_exact(total), 0);
	KT_EXPECT_EQ(bi.rsdp_len, 0);
	KT_EXPECT_EQ(bi.warnings, 1);

	/* an EFI64 tag too short for its pointer is ignored */
	mb2_begin();
	mb2_tag(MB2_TAG_EFI64, 12);
	total = mb2_end();
	KT_EXPECT_EQ(parse_exact(total), 0);
	KT_EXPECT_EQ(bi.efi_systab, 0);
}

struct mmap_case {
	const char *name;
	bool efi;
	u32 esize;		/* entry/descriptor size written in the tag */
	unsigned n;		/* entries written */
	int trim;		/* bytes cut from (negative) or added to the tag size */
	unsigned want_n;
	unsigned want_warnings;
};

static const struct mmap_case mmap_cases[] = {
	{ "e820_24", false, 24, 4, 0, 4, 0 },
	{ "e820_wider_entries", false, 32, 4, 0, 4, 0 },
	{ "e820_entry_too_small", false, 16, 4, 0, 0, 1 },
	{ "e820_entry_zero", false, 0, 0, 0, 0, 1 },
	{ "e820_entry_huge", false, 8192, 0, 0, 0, 1 },
	{ "e820_partial_last_entry", false, 24, 4, -8, 3, 0 },
	{ "e820_tag_without_header", false, 24, 0, -8, 0, 1 },
	{ "e820_too_many", false, 24, BOOT_MMAP_MAX + 3, 0, BOOT_MMAP_MAX, 1 },
	{ "efi_40", true, 40, 4, 0, 4, 0 },
	{ "efi_48", true, 48, 4, 0, 4, 0 },
	{ "efi_desc_too_small", true, 32, 4, 0, 0, 1 },
	{ "efi_desc_huge", true, 4097, 0, 0, 0, 1 },
	{ "efi_partial_last_desc", true, 48, 3, -1, 2, 0 },
	{ "efi_too_many", true, 40, BOOT_MMAP_MAX + 1, 0, BOOT_MMAP_MAX, 1 },
};

KTEST(bootinfo, mb2_mmap_table)
{
	static struct mm_ent ents[BOOT_MMAP_MAX + 3];

	for (unsigned i = 0; i < ARRAY_SIZE(ents); i++)
		ents[i] = (struct mm_ent){ (u64)i << 24, (u64)(i + 1) << 12, 1 + i % 5 };
	for (unsigned i = 0; i < ARRAY_SIZE(mmap_cases); i++) {
		const struct mmap_case *c = &mmap_cases[i];
		u8 *tag;
		u32 size, total;

		mb2_begin();
		tag = mb.buf + mb.off;
		if (c->efi)
			mb2_efi_mmap(ents, c->n, c->esize);
		else
			mb2_mmap(ents, c->n, c->esize);
		memcpy(&size, tag + 4, 4);
		size += c->trim;
		memcpy(tag + 4, &size, 4);
		mb.off = (u32)(tag - mb.buf) + ALIGN_UP(size, 8u);
		total = mb2_end();
		if (parse_exact(total) != 0) {
			ktest_fail(__FILE__, __LINE__, "%s: parse failed", c->name);
			continue;
		}
		unsigned n = c->efi ? bi.nefi : bi.ne820;
		const struct boot_mmap_entry *e = c->efi ? bi.efi : bi.e820;

		if (n != c->want_n || bi.warnings != c->want_warnings)
			ktest_fail(__FILE__, __LINE__, "%s: %u entries, %u warnings; want %u, %u",
				   c->name, n, bi.warnings, c->want_n, c->want_warnings);
		for (unsigned k = 0; k < n && k < c->want_n; k++) {
			if (e[k].addr != ents[k].addr || e[k].len != ents[k].len ||
			    e[k].type != ents[k].type) {
				ktest_fail(__FILE__, __LINE__, "%s: entry %u differs", c->name, k);
				break;
			}
		}
	}
}

KTEST(bootinfo, mb2_efi_huge_page_count)
{
	static const struct mm_ent efi[] = { { 0, 0x1000, 7 }, { 0x2000, 0x1000, 7 } };
	u64 huge = 1ULL << 60;
	u8 *p;
	u32 total;

	mb2_begin();
	p = mb2_tag(MB2_TAG_EFI_MMAP, 16 + 2 * 40);
	mb.off -= 16 + 2 * 40;
	mb2_efi_mmap(efi, 2, 40);
	memcpy(p + 8 + 24, &huge, 8);	/* first descriptor's NumberOfPages */
	total = mb2_end();
	KT_EXPECT_EQ(parse_exact(total), 0);
	KT_EXPECT_EQ(bi.warnings, 1);
	KT_ASSERT_EQ(bi.nefi, 1);
	KT_EXPECT_EQ(bi.efi[0].addr, 0x2000);
}

struct header_case {
	const char *name;
	int err;
	unsigned warnings;
};

/* Malformed blocks built by header_build(i) below, case by case. */
static const struct header_case header_cases[] = {
	{ "max_below_8", -EINVAL, 0 },
	{ "total_below_16", -EINVAL, 0 },
	{ "total_zero", -EINVAL, 0 },
	{ "total_past_max", -EINVAL, 0 },
	{ "total_huge", -EINVAL, 0 },
	{ "tag_size_below_8", -EINVAL, 1 },
	{ "tag_size_zero", -EINVAL, 1 },
	{ "tag_overruns_total", -EINVAL, 1 },
	{ "tag_size_near_4g", -EINVAL, 1 },
	{ "truncated_mmap_tag", -EINVAL, 1 },
	{ "no_end_tag", 0, 1 },
	{ "total_cuts_tag_header", 0, 1 },
	{ "tags_after_end_ignored", 0, 0 },
};

/* Build case i into mb; returns the byte count handed to the parser as max. */
static size_t header_build(unsigned i)
{
	static const struct mm_ent mm[] = { { 0, 0x9fc00, 1 }, { 0x100000, 0x100000, 1 } };
	u32 total, big;
	u8 *p;

	mb2_begin();
	switch (i) {
	case 0:
		return 7;
	case 1:
		mb2_set_total(15);
		return 64;
	case 2:
		mb2_set_total(0);
		return 64;
	case 3:
		mb2_str(MB2_TAG_CMDLINE, "x");
		total = mb2_end();
		return total - 1;
	case 4:
		mb2_set_total(0xffffffff);
		return 64;
	case 5:
		mb2_tag(MB2_TAG_CMDLINE, 7);
		mb.off = 16;
		return mb2_end();
	case 6:
		mb2_tag(MB2_TAG_CMDLINE, 0);
		mb.off = 16;
		return mb2_end();
	case 7:
		p = mb2_tag(MB2_TAG_CMDLINE, 8 + 64);
		memcpy(p, "x", 2);
		mb.off = 8 + 16;	/* total ends inside the tag */
		mb2_set_total(mb.off);
		return mb.off;
	case 8:
		big = 0xfffffff9;
		mb2_tag(MB2_TAG_CMDLINE, 16);
		memcpy(mb.buf + 12, &big, 4);
		return mb2_end();
	case 9:
		mb2_mmap(mm, 2, 24);
		mb2_set_total(8 + 16 + 24);	/* the second entry cut off */
		return 8 + 16 + 24;
	case 10:
		mb2_str(MB2_TAG_CMDLINE, "x=1");
		mb2_set_total(mb.off);
		return mb.off;
	case 11:
		mb2_str(MB2_TAG_CMDLINE, "x=1");
		total = mb.off + 4;	/* room for half a tag header only */
		mb2_set_total(total);
		return total;
	case 12:
		mb2_str(MB2_TAG_CMDLINE, "first");
		mb2_tag(MB2_TAG_END, 8);
		mb2_str(MB2_TAG_CMDLINE, "second");
		p = mb2_tag(MB2_TAG_CMDLINE, 3);	/* malformed, but after the end */
		mb2_set_total(mb.off);
		return mb.off;
	}
	return 0;
}

KTEST(bootinfo, mb2_malformed_headers)
{
	for (unsigned i = 0; i < ARRAY_SIZE(header_cases); i++) {
		const struct header_case *c = &header_cases[i];
		size_t max = header_build(i);
		int err = parse_exact(max);

		if (err != c->err || bi.warnings != c->warnings)
			ktest_fail(__FILE__, __LINE__, "%s: returned %d with %u warnings, want %d, %u",
				   c->name, err, bi.warnings, c->err, c->warnings);
		if (bi.proto != BOOT_PROTO_MB2)
			ktest_fail(__FILE__, __LINE__, "%s: proto %d", c->name, bi.proto);
	}
	/* the cases that parse keep what came before the damage */
	header_build(10);
	parse_exact(mb.off);
	KT_EXPECT_STREQ(bi.cmdline, "x=1");
	header_build(12);
	parse_exact(mb.off);
	KT_EXPECT_STREQ(bi.cmdline, "first");
}

KTEST(bootinfo, mb2_state_reset_between_parses)
{
	static const struct mm_ent mm[] = { { 0, 0x1000, 1 } };
	u32 total;

	mb2_begin();
	mb2_str(MB2_TAG_CMDLINE, "old");
	mb2_mmap(mm, 1, 24);
	total = mb2_end();
	KT_ASSERT_EQ(parse_exact(total), 0);
	mb2_begin();
	total = mb2_end();
	KT_ASSERT_EQ(parse_exact(total), 0);
	KT_EXPECT_STREQ(bi.cmdline, "");
	KT_EXPECT_EQ(bi.ne820, 0);
}

/* ------------------------------------------------------------ PVH */

struct fake_mem {
	u64 phys;
	void *p;
	size_t len;
};

static struct fake_mem fake[4];
static unsigned nfake;

static const void *fake_map(u64 phys, size_t len)
{
	for (unsigned i = 0; i < nfake; i++)
		if (phys >= fake[i].phys && phys - fake[i].phys <= fake[i].len &&
		    len <= fake[i].len - (phys - fake[i].phys))
			return (u8 *)fake[i].p + (phys - fake[i].phys);
	return NULL;
}

static void fake_add(u64 phys, void *p, size_t len)
{
	fake[nfake++] = (struct fake_mem){ phys, p, len };
}

struct pvh_start {
	u32 magic, version, flags, nr_modules;
	u64 modlist, cmdline, rsdp, memmap;
	u32 memmap_entries, reserved;
} __packed;

struct pvh_mm {
	u64 addr, size;
	u32 type, reserved;
} __packed;

static char pvh_cmdline[CMDLINE_MAX];
static struct pvh_mm pvh_map[BOOT_MMAP_MAX + 8];

static void pvh_setup(struct pvh_start *si, u32 version, unsigned nmap)
{
	memset(si, 0, sizeof(*si));
	si->magic = PVH_START_MAGIC;
	si->version = version;
	si->cmdline = 0x10000;
	si->rsdp = 0xf5a40;
	si->memmap = 0x20000;
	si->memmap_entries = nmap;
	strlcpy(pvh_cmdline, "console=ttyS0 run=\"mem\"", sizeof(pvh_cmdline));
	for (unsigned i = 0; i < ARRAY_SIZE(pvh_map); i++)
		pvh_map[i] = (struct pvh_mm){ (u64)i << 30, 1ULL << 29, 1 + i % 7, 0 };
	nfake = 0;
	fake_add(0x10000, pvh_cmdline, sizeof(pvh_cmdline));
	fake_add(0x20000, pvh_map, sizeof(pvh_map));
}

static int pvh_parse_exact(const struct pvh_start *si, size_t len)
{
	void *copy = malloc(len);
	int err;

	memcpy(copy, si, len);
	err = bootinfo_parse_pvh(&bi, copy, fake_map);
	free(copy);
	return err;
}

KTEST(bootinfo, pvh_v1)
{
	struct pvh_start si;

	pvh_setup(&si, 1, 3);
	KT_ASSERT_EQ(pvh_parse_exact(&si, sizeof(si)), 0);
	KT_EXPECT_EQ(bi.proto, BOOT_PROTO_PVH);
	KT_EXPECT_STREQ(bi.loader, "PVH");
	KT_EXPECT_STREQ(bi.cmdline, "console=ttyS0 run=\"mem\"");
	KT_EXPECT_EQ(bi.rsdp_phys, 0xf5a40);
	KT_EXPECT_EQ(bi.rsdp_len, 0);
	KT_ASSERT_EQ(bi.ne820, 3);
	for (unsigned i = 0; i < 3; i++) {
		KT_EXPECT_EQ(bi.e820[i].addr, pvh_map[i].addr);
		KT_EXPECT_EQ(bi.e820[i].len, pvh_map[i].size);
		KT_EXPECT_EQ(bi.e820[i].type, pvh_map[i].type);
	}
	KT_EXPECT_EQ(bi.nefi, 0);
	KT_EXPECT_EQ(bi.warnings, 0);
}

KTEST(bootinfo, pvh_v0_reads_only_40_bytes)
{
	struct pvh_start si;

	pvh_setup(&si, 0, 3);
	/* a version 0 structure is 40 bytes: no memmap fields to read */
	KT_ASSERT_EQ(pvh_parse_exact(&si, 40), 0);
	KT_EXPECT_STREQ(bi.cmdline, "console=ttyS0 run=\"mem\"");
	KT_EXPECT_EQ(bi.ne820, 0);
	KT_EXPECT_EQ(bi.warnings, 0);
}

KTEST(bootinfo, pvh_malformed)
{
	struct pvh_start si;

	pvh_setup(&si, 1, 3);
	si.magic = MB2_BOOTLOADER_MAGIC;
	KT_EXPECT_EQ(pvh_parse_exact(&si, sizeof(si)), -EINVAL);

	/* command line not mappable */
	pvh_setup(&si, 1, 3);
	si.cmdline = 0x900000;
	KT_EXPECT_EQ(pvh_parse_exact(&si, sizeof(si)), 0);
	KT_EXPECT_STREQ(bi.cmdline, "");
	KT_EXPECT_EQ(bi.warnings, 1);
	KT_EXPECT_EQ(bi.ne820, 3);

	/* command line without a NUL in its 4 KiB: bounded */
	pvh_setup(&si, 1, 3);
	memset(pvh_cmdline, 'c', sizeof(pvh_cmdline));
	KT_EXPECT_EQ(pvh_parse_exact(&si, sizeof(si)), 0);
	KT_EXPECT_EQ(strlen(bi.cmdline), CMDLINE_MAX - 1);

	/* memory map not mappable (runs past the fake region) */
	pvh_setup(&si, 1, 3);
	si.memmap = 0x20000 + sizeof(pvh_map) - 24;
	KT_EXPECT_EQ(pvh_parse_exact(&si, sizeof(si)), 0);
	KT_EXPECT_EQ(bi.ne820, 0);
	KT_EXPECT_EQ(bi.warnings, 1);

	/* too many entries: the first BOOT_MMAP_MAX */
	pvh_setup(&si, 1, BOOT_MMAP_MAX + 8);
	KT_EXPECT_EQ(pvh_parse_exact(&si, sizeof(si)), 0);
	KT_EXPECT_EQ(bi.ne820, BOOT_MMAP_MAX);
	KT_EXPECT_EQ(bi.warnings, 1);
	KT_EXPECT_EQ(bi.e820[BOOT_MMAP_MAX - 1].addr, (u64)(BOOT_MMAP_MAX - 1) << 30);

	/* absurd count: capped before anything is mapped */
	pvh_setup(&si, 1, 0xffffffff);
	KT_EXPECT_EQ(pvh_parse_exact(&si, sizeof(si)), 0);
	KT_EXPECT_EQ(bi.ne820, BOOT_MMAP_MAX);

	/* no map, no command line: fine and empty */
	pvh_setup(&si, 1, 0);
	si.cmdline = 0;
	si.memmap = 0;
	KT_EXPECT_EQ(pvh_parse_exact(&si, sizeof(si)), 0);
	KT_EXPECT_EQ(bi.ne820, 0);
	KT_EXPECT_EQ(bi.warnings, 0);
	KT_EXPECT_STREQ(bi.cmdline, "");
}
