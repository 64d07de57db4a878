/*
 * test_efiboot.c - host tests of boot/efi/efiboot.c, the pure half of the
 * GNU-EFI loader: ELF header checks (good and each way of being bad), the
 * multiboot2 header search for the "EFI amd64 entry address" tag (good,
 * bad checksum, misaligned, too far, malformed tags), the EFI -> e820 type
 * table, the kernel span against EFI memory maps, and information blocks written from synthetic EFI memory maps
 * (unsorted, zero-length entries, neighbours to merge, 48-byte descriptors,
 * empty) that must parse with the kernel's kernel/bootinfo.c.
 *
 * Inputs live in heap copies of exactly their length so ASan catches reads
 * past them.
 */
#include <stdlib.h>
#include "boot/efi/efiboot.h"
#include "boot.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"

static void *dup_exact(const void *p, size_t n)
{
	void *q = malloc(n ? n : 1);

	memcpy(q, p, n);
	return q;
}

/* ------------------------------------------------------------ ELF header */

#define FILE_SIZE	8192

static void good_elf(u8 *buf)
{
	struct efiboot_ehdr eh = {
		.e_ident = { 0x7f, 'E', 'L', 'F', 2, 1, 1 },
		.e_type = 2,
		.e_machine = 62,
		.e_version = 1,
		.e_phoff = 64,
		.e_ehsize = 64,
		.e_phentsize = 56,
		.e_phnum = 5,
	};

	memset(buf, 0, 512);
	memcpy(buf, &eh, sizeof(eh));
}

struct elf_case {
	const char *name;
	size_t off;		/* byte to patch */
	unsigned width;		/* 0: no patch */
	u64 value;
	size_t head_len;
	u64 file_size;
	bool ok;
};

KTEST(efiboot, elf_checks)
{
	static const struct elf_case cases[] = {
		{ "valid", 0, 0, 0, 512, FILE_SIZE, true },
		{ "valid, head is just the header", 0, 0, 0, 64, FILE_SIZE, true },
		{ "short head", 0, 0, 0, 63, FILE_SIZE, false },
		{ "short file", 0, 0, 0, 512, 40, false },
		{ "bad magic", 1, 1, 'X', 512, FILE_SIZE, false },
		{ "ELFCLASS32", 4, 1, 1, 512, FILE_SIZE, false },
		{ "big endian", 5, 1, 2, 512, FILE_SIZE, false },
		{ "ident version", 6, 1, 0, 512, FILE_SIZE, false },
		{ "e_version", 20, 4, 2, 512, FILE_SIZE, false },
		{ "i386", 18, 2, 3, 512, FILE_SIZE, false },
		{ "ET_DYN", 16, 2, 3, 512, FILE_SIZE, false },
		{ "no phdrs", 56, 2, 0, 512, FILE_SIZE, false },
		{ "too many phdrs", 56, 2, 65, 512, FILE_SIZE, false },
		{ "max phdrs", 56, 2, 64, 512, FILE_SIZE, true },
		{ "phentsize 32", 54, 2, 32, 512, FILE_SIZE, false },
		{ "phoff past end", 32, 8, FILE_SIZE + 1, 512, FILE_SIZE, false },
		{ "phdrs overrun", 32, 8, FILE_SIZE - 56 * 5 + 1, 512, FILE_SIZE, false },
		{ "phdrs end at end", 32, 8, FILE_SIZE - 56 * 5, 512, FILE_SIZE, true },
		{ "phoff huge", 32, 8, ~0ULL - 10, 512, FILE_SIZE, false },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct elf_case *c = &cases[i];
		u8 buf[512];
		const char *why = "unset";
		void *head;
		int r;

		good_elf(buf);
		if (c->width)
			memcpy(buf + c->off, &c->value, c->width);
		head = dup_exact(buf, c->head_len);
		r = efiboot_check_elf(head, c->head_len, c->file_size, 64, &why);
		free(head);
		if (c->ok) {
			KT_EXPECT_EQ(r, 0);
			KT_EXPECT(why == NULL);
		} else {
			KT_EXPECT_EQ(r, -EINVAL);
			KT_EXPECT(why && why[0]);
		}
		if ((r == 0) != c->ok)
			ktest_log("case %s: r=%d why=%s\n", c->name, r, why ? why : "-");
	}
}

/* ------------------------------------------------------------ multiboot2 header */

struct hdr_builder {
	u8 buf[40000] __aligned(8);
	size_t start, off;
};

static void hdr_begin(struct hdr_builder *b, size_t at)
{
	memset(b->buf, 0xcc, sizeof(b->buf));
	b->start = at;
	b->off = at + 16;
}

static void hdr_tag(struct hdr_builder *b, u16 type, u16 flags, u32 size,
		    const void *payload)
{
	memcpy(b->buf + b->off, &type, 2);
	memcpy(b->buf + b->off + 2, &flags, 2);
	memcpy(b->buf + b->off + 4, &size, 4);
	if (size > 8 && payload)
		memcpy(b->buf + b->off + 8, payload, size - 8);
	b->off += ALIGN_UP((size_t)size, (size_t)8);
}

/* Finish with magic, arch 0, length and a checksum (broken if asked). */
static void hdr_end(struct hdr_builder *b, bool end_tag, int bad_sum)
{
	u32 h[4] = { EFIBOOT_MB2_MAGIC, 0, 0, 0 };

	if (end_tag)
		hdr_tag(b, 0, 0, 8, NULL);
	h[2] = b->off - b->start;
	h[3] = -(h[0] + h[1] + h[2]) + bad_sum;
	memcpy(b->buf + b->start, h, 16);
}

static int find_in(struct hdr_builder *b, size_t len, u32 *entry, const char **why)
{
	void *head = dup_exact(b->buf, len);
	int r = efiboot_find_entry(head, len, entry, why);

	free(head);
	return r;
}

KTEST(efiboot, entry_tag_found)
{
	static struct hdr_builder b;
	u32 req[6] = { 1, 6, 17, 14, 15, 12 }, e32 = 0x1000060, e64 = 0x100016b;
	u32 entry = 0;
	const char *why;

	/* pfnos's header: info request, entry address, EFI amd64 entry, end */
	hdr_begin(&b, 0x1000);
	hdr_tag(&b, 1, 1, 8 + sizeof(req), req);
	hdr_tag(&b, 3, 0, 12, &e32);
	hdr_tag(&b, 9, 1, 12, &e64);
	hdr_end(&b, true, 0);
	/* the header ends exactly at the end of the searched bytes */
	KT_EXPECT_EQ(find_in(&b, b.off, &entry, &why), 0);
	KT_EXPECT_EQ(entry, e64);

	/* a magic with a bad checksum earlier is skipped */
	hdr_begin(&b, 0x800);
	hdr_tag(&b, 9, 1, 12, &e32);
	hdr_end(&b, true, 1);
	{
		size_t first_end = b.off;

		b.start = 0x1000;
		b.off = 0x1010;
		hdr_tag(&b, 9, 1, 12, &e64);
		hdr_end(&b, true, 0);
		KT_EXPECT(first_end < 0x1000);
	}
	KT_EXPECT_EQ(find_in(&b, b.off, &entry, &why), 0);
	KT_EXPECT_EQ(entry, e64);
}

struct hdr_case {
	const char *name;
	size_t at;
	u16 type;
	u32 size;
	bool end_tag;
	int bad_sum;
	size_t cut;		/* search only this many bytes (0: all) */
	int want;
};

KTEST(efiboot, entry_tag_bad)
{
	static const struct hdr_case cases[] = {
		{ "bad checksum", 0x1000, 9, 12, true, 1, 0, -ENOENT },
		{ "misaligned header", 0x1004, 9, 12, true, 0, 0, -ENOENT },
		{ "beyond 32 KiB", 32768, 9, 12, true, 0, 0, -ENOENT },
		{ "straddles 32 KiB", 32768 - 24, 9, 12, true, 0, 0, -EINVAL },
		{ "no tag 9", 0x1000, 3, 12, true, 0, 0, -ENOENT },
		{ "tag 9 too short", 0x1000, 9, 8, true, 0, 0, -EINVAL },
		{ "tag size below 8", 0x1000, 9, 4, true, 0, 0, -EINVAL },
		{ "tag overruns header", 0x1000, 9, 64, false, 0, 0, -EINVAL },
		{ "header cut by the file", 0x1000, 9, 12, true, 0, 0x1010, -EINVAL },
		{ "no header at all", 0x1000, 9, 12, true, 0, 0x1000, -ENOENT },
	};
	static struct hdr_builder b;
	u32 e = 0x100016b;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct hdr_case *c = &cases[i];
		u32 entry = 0xdeadbeef;
		const char *why = NULL;
		size_t len;
		int r;

		hdr_begin(&b, c->at);
		memset(b.buf, 0, c->at);
		if (c->size < 8) {
			/* a bare tag header claiming less than itself */
			hdr_tag(&b, c->type, 0, 8, NULL);
			memcpy(b.buf + b.off - 4, &c->size, 4);
		} else {
			hdr_tag(&b, c->type, 0, c->size < 64 ? c->size : 12, &e);
			if (c->size >= 64)
				memcpy(b.buf + b.off - 12, &c->size, 4);
		}
		hdr_end(&b, c->end_tag, c->bad_sum);
		len = c->cut ? c->cut : b.off;
		r = find_in(&b, len, &entry, &why);
		KT_EXPECT_EQ(r, c->want);
		KT_EXPECT(why && why[0]);
		KT_EXPECT_EQ(entry, 0xdeadbeef);
		if (r != c->want)
			ktest_log("case %s: r=%d why=%s\n", c->name, r, why ? why : "-");
	}
}

KTEST(efiboot, e820_types)
{
	static const u32 want[16] = {
		[0] = E820_RESERVED,
		[EFI_LOADER_CODE] = E820_RAM, [EFI_LOADER_DATA] = E820_RAM,
		[EFI_BOOT_SERVICES_CODE] = E820_RAM, [EFI_BOOT_SERVICES_DATA] = E820_RAM,
		[EFI_RUNTIME_SERVICES_CODE] = E820_RESERVED,
		[EFI_RUNTIME_SERVICES_DATA] = E820_RESERVED,
		[EFI_CONVENTIONAL_MEMORY] = E820_RAM,
		[EFI_UNUSABLE_MEMORY] = E820_UNUSABLE,
		[EFI_ACPI_RECLAIM_MEMORY] = E820_ACPI,
		[EFI_ACPI_MEMORY_NVS] = E820_NVS,
		[EFI_MEMORY_MAPPED_IO] = E820_RESERVED,
		[EFI_MEMORY_MAPPED_IO_PORT_SPACE] = E820_RESERVED,
		[EFI_PAL_CODE] = E820_RESERVED,
		[EFI_PERSISTENT_MEMORY] = E820_PMEM,
		[15] = E820_RESERVED,
	};

	for (u32 t = 0; t < 16; t++)
		KT_EXPECT_EQ(efiboot_e820_type(t), want[t]);
	KT_EXPECT_EQ(efiboot_e820_type(0x70000000), E820_RESERVED);
	KT_EXPECT_EQ(efiboot_e820_type(~0u), E820_RESERVED);
}

/* ------------------------------------------------------------ information block */

#define DSIZE	48	/* OVMF's descriptor size: larger than the struct */

struct desc {
	u32 type;
	u64 start;
	u64 pages;
};

static size_t make_map(u8 *map, const struct desc *d, size_t n)
{
	memset(map, 0xa5, n * DSIZE);	/* the tail of each descriptor is junk */
	for (size_t i = 0; i < n; i++) {
		struct efiboot_mem_desc md = {
			.type = d[i].type,
			.phys_start = d[i].start,
			.virt_start = 0,
			.num_pages = d[i].pages,
			.attribute = 0xf,
		};

		memcpy(map + i * DSIZE, &md, sizeof(md));
	}
	return n * DSIZE;
}

static size_t fixed_tags(u8 *mbi, const char *cmdline, const u8 *rsdp, u32 rsdp_len)
{
	u64 systab = 0x1f5eb018;
	size_t off = 8;

	off = efiboot_add_tag(mbi, off, EFIBOOT_TAG_CMDLINE, cmdline, strlen(cmdline) + 1);
	off = efiboot_add_tag(mbi, off, EFIBOOT_TAG_LOADER, "pfnos-efi", 10);
	off = efiboot_add_tag(mbi, off, EFIBOOT_TAG_EFI64, &systab, 8);
	if (rsdp)
		off = efiboot_add_tag(mbi, off, rsdp_len > 20 ? EFIBOOT_TAG_ACPI_NEW :
				      EFIBOOT_TAG_ACPI_OLD, rsdp, rsdp_len);
	return off;
}

static struct boot_info bi;

KTEST(efiboot, info_round_trip)
{
	/* unsorted, with a zero-length entry and neighbours to merge */
	static const struct desc d[] = {
		{ EFI_CONVENTIONAL_MEMORY, 0x100000, 0x700 },
		{ EFI_BOOT_SERVICES_DATA, 0x900000, 0xc00 },	/* merges with next two */
		{ EFI_ACPI_MEMORY_NVS, 0x800000, 0x100 },
		{ EFI_CONVENTIONAL_MEMORY, 0x0, 0xa0 },
		{ EFI_LOADER_DATA, 0x1500000, 0x100 },
		{ EFI_CONVENTIONAL_MEMORY, 0x1600000, 0x1000 },
		{ EFI_RUNTIME_SERVICES_DATA, 0x3000000, 0 },	/* zero pages */
		{ EFI_ACPI_RECLAIM_MEMORY, 0x2600000, 0x10 },
		{ EFI_MEMORY_MAPPED_IO, 0xffc00000, 0x400 },
		{ EFI_PERSISTENT_MEMORY, 0x100000000ULL, 0x40000 },
		{ EFI_RESERVED_TYPE, 0x2610000, 0x10 },
	};
	static const struct { u64 addr, len; u32 type; } want[] = {
		{ 0x0, 0xa0000, E820_RAM },
		{ 0x100000, 0x700000, E820_RAM },
		{ 0x800000, 0x100000, E820_NVS },
		{ 0x900000, 0x1d00000, E820_RAM },
		{ 0x2600000, 0x10000, E820_ACPI },
		{ 0x2610000, 0x10000, E820_RESERVED },
		{ 0xffc00000, 0x400000, E820_RESERVED },
		{ 0x100000000ULL, 0x40000000ULL, E820_PMEM },
	};
	u8 map[ARRAY_SIZE(d) * DSIZE], rsdp[36];
	size_t map_size = make_map(map, d, ARRAY_SIZE(d)), fixed, total, room;
	const char *cmdline = "loglevel=7 run=\"echo hi; poweroff\"";
	u8 *mbi, *copy;

	memset(rsdp, 0, sizeof(rsdp));
	memcpy(rsdp, "RSD PTR ", 8);
	rsdp[15] = 2;
	rsdp[20] = 36;
	room = efiboot_mbi_size(8192, map_size, DSIZE);
	mbi = calloc(1, room);
	KT_ASSERT(mbi);
	fixed = fixed_tags(mbi, cmdline, rsdp, sizeof(rsdp));
	KT_ASSERT(fixed <= 8192);
	total = efiboot_finish(mbi, fixed, map, map_size, DSIZE, 1);
	KT_ASSERT(total <= room);
	KT_EXPECT_EQ(total % 8, 0);
	copy = dup_exact(mbi, total);
	free(mbi);

	KT_ASSERT_EQ(bootinfo_parse_mb2(&bi, copy, total), 0);
	free(copy);
	KT_EXPECT_EQ(bi.warnings, 0);
	KT_EXPECT_STREQ(bi.cmdline, cmdline);
	KT_EXPECT_STREQ(bi.loader, "pfnos-efi");
	KT_EXPECT_EQ(bi.efi_systab, 0x1f5eb018);
	KT_EXPECT_EQ(bi.rsdp_len, 36);
	KT_EXPECT(memcmp(bi.rsdp, rsdp, 36) == 0);

	KT_ASSERT_EQ(bi.ne820, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		KT_EXPECT_EQ(bi.e820[i].addr, want[i].addr);
		KT_EXPECT_EQ(bi.e820[i].len, want[i].len);
		KT_EXPECT_EQ(bi.e820[i].type, want[i].type);
	}
	/* the EFI map is raw: every descriptor, in the firmware's order */
	KT_ASSERT_EQ(bi.nefi, ARRAY_SIZE(d));
	for (size_t i = 0; i < ARRAY_SIZE(d); i++) {
		KT_EXPECT_EQ(bi.efi[i].addr, d[i].start);
		KT_EXPECT_EQ(bi.efi[i].len, d[i].pages << 12);
		KT_EXPECT_EQ(bi.efi[i].type, d[i].type);
	}
}

KTEST(efiboot, info_old_rsdp_empty_map_empty_cmdline)
{
	u8 rsdp[20], *mbi, *copy;
	size_t fixed, total, room = efiboot_mbi_size(8192, 0, DSIZE);

	memset(rsdp, 0, sizeof(rsdp));
	memcpy(rsdp, "RSD PTR ", 8);
	mbi = calloc(1, room);
	KT_ASSERT(mbi);
	fixed = fixed_tags(mbi, "", rsdp, sizeof(rsdp));
	total = efiboot_finish(mbi, fixed, NULL, 0, DSIZE, 1);
	KT_ASSERT(total <= room);
	copy = dup_exact(mbi, total);
	free(mbi);
	KT_ASSERT_EQ(bootinfo_parse_mb2(&bi, copy, total), 0);
	free(copy);
	KT_EXPECT_EQ(bi.warnings, 0);
	KT_EXPECT_STREQ(bi.cmdline, "");
	KT_EXPECT_EQ(bi.rsdp_len, 20);
	KT_EXPECT_EQ(bi.ne820, 0);
	KT_EXPECT_EQ(bi.nefi, 0);
}

/* A large reverse-sorted map of alternating types: nothing merges. */
KTEST(efiboot, info_large_map_fits)
{
	enum { N = 300 };
	static struct desc d[N];
	static u8 map[N * DSIZE];
	size_t map_size, fixed, total, room;
	u8 *mbi;

	for (size_t i = 0; i < N; i++) {
		d[i].type = (i & 1) ? EFI_CONVENTIONAL_MEMORY : EFI_RUNTIME_SERVICES_DATA;
		d[i].start = (u64)(N - 1 - i) << 20;
		d[i].pages = 256;
	}
	map_size = make_map(map, d, N);
	room = efiboot_mbi_size(8192, map_size, DSIZE);
	mbi = calloc(1, room);
	KT_ASSERT(mbi);
	fixed = fixed_tags(mbi, "x", NULL, 0);
	total = efiboot_finish(mbi, fixed, map, map_size, DSIZE, 1);
	KT_ASSERT(total <= room);
	KT_ASSERT_EQ(bootinfo_parse_mb2(&bi, mbi, total), 0);
	free(mbi);
	KT_EXPECT_EQ(bi.warnings, 0);
	KT_ASSERT_EQ(bi.ne820, N);
	for (size_t i = 0; i < N; i++) {
		KT_EXPECT_EQ(bi.e820[i].addr, (u64)i << 20);
		KT_EXPECT_EQ(bi.e820[i].type,
			     ((N - 1 - i) & 1) ? E820_RAM : E820_RESERVED);
	}
	KT_EXPECT_EQ(bi.nefi, N);
}

/* ------------------------------------------------------------ the kernel's span */

#define SPAN_START	0x1000000ULL
#define SPAN_END	0x1400000ULL	/* 4 MiB at 16 MiB, 1024 pages */

struct span_case {
	const char *what;
	struct desc d[4];
	size_t n;
	int ret;
	int hole;
	u32 type;		/* of the offender */
};

static const struct efiboot_range span_claims[] = {
	{ SPAN_START + 0x100000, SPAN_START + 0x200000 },
};

static const struct span_case span_cases[] = {
	{ "free and boot-services memory", {
		{ EFI_CONVENTIONAL_MEMORY, 0x800000, 0x900 },
		{ EFI_BOOT_SERVICES_DATA, 0x1100000, 0x100 },
		{ EFI_BOOT_SERVICES_CODE, 0x1200000, 0x400 } }, 3, 0, 0, 0 },
	{ "claimed loader data", {
		{ EFI_CONVENTIONAL_MEMORY, SPAN_START, 0x100 },
		{ EFI_LOADER_DATA, SPAN_START + 0x100000, 0x100 },
		{ EFI_CONVENTIONAL_MEMORY, SPAN_START + 0x200000, 0x200 } }, 3, 0, 0, 0 },
	{ "loader data not ours", {
		{ EFI_CONVENTIONAL_MEMORY, SPAN_START, 0x200 },
		{ EFI_LOADER_DATA, SPAN_START + 0x200000, 0x200 } }, 2, -EINVAL, 0,
	  EFI_LOADER_DATA },
	{ "runtime data inside", {
		{ EFI_CONVENTIONAL_MEMORY, SPAN_START, 0x400 },
		{ EFI_RUNTIME_SERVICES_DATA, SPAN_START + 0x3ff000, 1 } }, 2, -EINVAL, 0,
	  EFI_RUNTIME_SERVICES_DATA },
	{ "a hole at the end", {
		{ EFI_CONVENTIONAL_MEMORY, SPAN_START, 0x3ff } }, 1, -EINVAL, 1, 0 },
	{ "a hole in the middle", {
		{ EFI_CONVENTIONAL_MEMORY, SPAN_START, 0x100 },
		{ EFI_CONVENTIONAL_MEMORY, SPAN_START + 0x101000, 0x2ff } }, 2, -EINVAL, 1, 0 },
	/* overlapping descriptors count once: their sum must not hide a hole */
	{ "a duplicate hides a hole", {
		{ EFI_CONVENTIONAL_MEMORY, SPAN_START, 0x200 },
		{ EFI_CONVENTIONAL_MEMORY, SPAN_START, 0x200 } }, 2, -EINVAL, 1, 0 },
	{ "an overlap hides a hole", {
		{ EFI_CONVENTIONAL_MEMORY, SPAN_START, 0x180 },
		{ EFI_BOOT_SERVICES_DATA, SPAN_START + 0x100000, 0x180 },
		{ EFI_CONVENTIONAL_MEMORY, SPAN_START + 0x300000, 0x100 } }, 3, -EINVAL, 1, 0 },
	{ "overlapping, no hole", {
		{ EFI_CONVENTIONAL_MEMORY, SPAN_START, 0x300 },
		{ EFI_BOOT_SERVICES_DATA, SPAN_START + 0x100000, 0x300 } }, 2, 0, 0, 0 },
};

KTEST(efiboot, span_check)
{
	for (size_t i = 0; i < ARRAY_SIZE(span_cases); i++) {
		const struct span_case *c = &span_cases[i];
		u8 map[4 * DSIZE];
		size_t size = make_map(map, c->d, c->n);
		u8 *copy = dup_exact(map, size);
		struct efiboot_span_fault f;
		int ret = efiboot_span_check(copy, size, DSIZE, SPAN_START, SPAN_END,
					     span_claims, ARRAY_SIZE(span_claims), &f);

		free(copy);
		if (ret != c->ret) {
			ktest_fail(__FILE__, __LINE__, "%s: ret %d, want %d", c->what, ret, c->ret);
			continue;
		}
		if (!ret)
			continue;
		if (f.hole != c->hole || (!c->hole && f.type != c->type))
			ktest_fail(__FILE__, __LINE__, "%s: fault hole %d type %u, want %d %u",
				   c->what, f.hole, f.type, c->hole, c->type);
	}
}

/* Descriptors smaller than EFI_MEMORY_DESCRIPTOR (a bad map, or a size the
 * firmware changed between two GetMemoryMap calls) are refused, not read
 * past their end or divided by. */
KTEST(efiboot, small_descriptors_refused)
{
	static const struct desc d[] = {
		{ EFI_CONVENTIONAL_MEMORY, SPAN_START, 0x400 },
		{ EFI_CONVENTIONAL_MEMORY, SPAN_START + 0x400000, 0x400 },
	};
	u8 map[ARRAY_SIZE(d) * DSIZE], *copy, *mbi;
	size_t size = make_map(map, d, ARRAY_SIZE(d)), room, fixed;
	struct efiboot_span_fault f;

	KT_EXPECT_EQ(efiboot_span_check(map, size, DSIZE, SPAN_START, SPAN_END, NULL, 0, &f), 0);
	copy = dup_exact(map, 24);
	KT_EXPECT_EQ(efiboot_span_check(copy, 24, 24, SPAN_START, SPAN_END, NULL, 0, &f),
		     -EINVAL);
	KT_EXPECT_EQ(efiboot_span_check(copy, 24, 0, SPAN_START, SPAN_END, NULL, 0, &f),
		     -EINVAL);
	room = efiboot_mbi_size(8192, size, DSIZE);
	mbi = calloc(1, room);
	KT_ASSERT(mbi);
	fixed = fixed_tags(mbi, "x", NULL, 0);
	KT_EXPECT_EQ(efiboot_finish(mbi, fixed, copy, 24, 24, 1), 0);
	KT_EXPECT_EQ(efiboot_finish(mbi, fixed, copy, 24, 0, 1), 0);
	free(copy);
	free(mbi);
}
