/*
 * test_memmap.c - host tests of mm/memmap.c: the sanitizer on synthetic e820
 * and EFI maps (overlaps of every kind, unsorted input, merging, RAM losing,
 * clipping, zero and huge entries), persistent regions (numbering, NFIT
 * refining e820-7, overlap and alignment checks), memmap= (good and bad),
 * the queries and the `mem` line format, and a randomized invariant check.
 */
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "memmap.h"
#include "unit.h"

#define M(x)	((u64)(x) << 20)
#define G(x)	((u64)(x) << 30)

struct ent {
	u64 addr;
	u64 len;
	u32 type;
};

struct want {
	u64 start;
	u64 end;
	u32 type;
	const char *source;
};

static struct boot_info bi;

static void load(const struct ent *e, unsigned n, bool efi)
{
	memset(&bi, 0, sizeof(bi));
	for (unsigned i = 0; i < n; i++) {
		struct boot_mmap_entry *d = efi ? &bi.efi[bi.nefi++] : &bi.e820[bi.ne820++];

		d->addr = e[i].addr;
		d->len = e[i].len;
		d->type = e[i].type;
	}
}

/* Compare the sanitized map to want[]; report the first difference. */
static bool map_is(const char *what, const struct want *w, unsigned nw)
{
	unsigned n;
	const struct memmap_range *r = memmap_ranges(&n);

	if (n != nw) {
		ktest_fail(__FILE__, __LINE__, "%s: %u ranges, want %u", what, n, nw);
		for (unsigned i = 0; i < n; i++) {
			char line[MEMMAP_LINE_MAX];

			memmap_format_range(line, sizeof(line), &r[i]);
			ktest_log("  have %s", line);
		}
		return false;
	}
	for (unsigned i = 0; i < n; i++) {
		if (r[i].start != w[i].start || r[i].end != w[i].end ||
		    r[i].type != w[i].type || strcmp(r[i].source, w[i].source)) {
			ktest_fail(__FILE__, __LINE__,
				   "%s: range %u is [0x%llx-0x%llx) %u %s, want [0x%llx-0x%llx) %u %s",
				   what, i, (unsigned long long)r[i].start,
				   (unsigned long long)r[i].end, r[i].type, r[i].source,
				   (unsigned long long)w[i].start,
				   (unsigned long long)w[i].end, w[i].type, w[i].source);
			return false;
		}
	}
	return true;
}

struct sanitize_case {
	const char *name;
	unsigned bits;
	bool efi;
	struct ent in[8];
	unsigned nin;
	struct want out[8];
	unsigned nout;
	const char *log;	/* a log line that must appear, or NULL */
};

static const struct sanitize_case sanitize_cases[] = {
	{ "adjacent_ram_merges", 39, false,
	  { { 0, 0x9f000, 1 }, { 0x9f000, 0x1000, 1 }, { M(1), M(15), 1 }, { M(16), M(16), 1 } }, 4,
	  { { 0, 0xa0000, 1, "e820" }, { M(1), M(32), 1, "e820" } }, 2, NULL },
	{ "adjacent_reserved_merges", 39, false,
	  { { M(1), M(1), 2 }, { M(2), M(1), 2 }, { M(3), M(1), 3 } }, 3,
	  { { M(1), M(3), 2, "e820" }, { M(3), M(4), 3, "e820" } }, 2, NULL },
	{ "unsorted", 39, false,
	  { { M(1), G(2) - M(1), 1 }, { 0xf0000, 0x10000, 2 }, { 0, 0x9fc00, 1 },
	    { 0x9fc00, 0x400, 2 } }, 4,
	  { { 0, 0x9f000, 1, "e820" }, { 0x9fc00, 0xa0000, 2, "e820" },
	    { 0xf0000, M(1), 2, "e820" }, { M(1), G(2), 1, "e820" } }, 4, NULL },
	{ "reserved_inside_ram", 39, false,
	  { { 0, M(16), 1 }, { M(4), M(1), 2 } }, 2,
	  { { 0, M(4), 1, "e820" }, { M(4), M(5), 2, "e820" }, { M(5), M(16), 1, "e820" } }, 3,
	  NULL },
	{ "ram_inside_reserved", 39, false,
	  { { M(4), M(1), 1 }, { 0, M(16), 2 } }, 2,
	  { { 0, M(16), 2, "e820" } }, 1, NULL },
	{ "partial_overlap_ram_loses_left", 39, false,
	  { { 0, M(8), 1 }, { M(6), M(4), 3 } }, 2,
	  { { 0, M(6), 1, "e820" }, { M(6), M(10), 3, "e820" } }, 2, NULL },
	{ "partial_overlap_ram_loses_right", 39, false,
	  { { M(6), M(10), 1 }, { M(4), M(4), 4 } }, 2,
	  { { M(4), M(8), 4, "e820" }, { M(8), M(16), 1, "e820" } }, 2, NULL },
	{ "higher_type_wins", 39, false,
	  { { 0, M(8), 3 }, { M(4), M(8), 4 }, { M(10), M(4), 5 }, { M(13), M(3), 2 } }, 4,
	  { { 0, M(4), 3, "e820" }, { M(4), M(10), 4, "e820" }, { M(10), M(14), 5, "e820" },
	    { M(14), M(16), 2, "e820" } }, 4, NULL },
	{ "identical_entries", 39, false,
	  { { M(1), M(1), 2 }, { M(1), M(1), 2 }, { M(1), M(1), 1 } }, 3,
	  { { M(1), M(2), 2, "e820" } }, 1, NULL },
	{ "same_type_contained", 39, false,
	  { { 0, M(16), 1 }, { M(4), M(4), 1 } }, 2,
	  { { 0, M(16), 1, "e820" } }, 1, NULL },
	{ "three_way_overlap", 39, false,
	  { { 0, M(10), 1 }, { M(2), M(6), 2 }, { M(4), M(2), 4 } }, 3,
	  { { 0, M(2), 1, "e820" }, { M(2), M(4), 2, "e820" }, { M(4), M(6), 4, "e820" },
	    { M(6), M(8), 2, "e820" }, { M(8), M(10), 1, "e820" } }, 5, NULL },
	{ "ram_page_trimmed", 39, false,
	  { { 0x1234, 0x4444, 1 }, { 0x10100, 0x700, 1 }, { 0x20100, 0x100, 2 } }, 3,
	  { { 0x2000, 0x5000, 1, "e820" }, { 0x20100, 0x20200, 2, "e820" } }, 2, NULL },
	{ "ram_trimmed_by_unaligned_reserved", 39, false,
	  { { 0, M(1), 1 }, { 0x80800, 0x1000, 2 } }, 2,
	  { { 0, 0x80000, 1, "e820" }, { 0x80800, 0x81800, 2, "e820" },
	    { 0x82000, M(1), 1, "e820" } }, 3, NULL },
	{ "zero_length_dropped", 39, false,
	  { { M(1), 0, 1 }, { M(2), 0, 2 }, { M(3), M(1), 1 } }, 3,
	  { { M(3), M(4), 1, "e820" } }, 1, NULL },
	{ "unknown_types_reserved", 39, false,
	  { { 0, M(1), 0 }, { M(2), M(1), 6 }, { M(4), M(1), 0xf0000000 }, { M(6), M(1), 13 } }, 4,
	  { { 0, M(1), 2, "e820" }, { M(2), M(3), 2, "e820" }, { M(4), M(5), 2, "e820" },
	    { M(6), M(7), 2, "e820" } }, 4, NULL },
	{ "clip_36", 36, false,
	  { { 0, M(1), 1 }, { G(60), G(8), 1 }, { G(64), G(1), 1 } }, 3,
	  { { 0, M(1), 1, "e820" }, { G(60), G(64), 1, "e820" } }, 2,
	  "clipped to the 36-bit physical address width" },
	{ "clip_39", 39, false,
	  { { G(500), G(100), 1 }, { G(512), G(1), 2 } }, 2,
	  { { G(500), G(512), 1, "e820" } }, 1, "beyond the 39-bit physical address width" },
	{ "clip_46", 46, false,
	  { { (1ULL << 46) - G(1), G(2), 2 } }, 1,
	  { { (1ULL << 46) - G(1), 1ULL << 46, 2, "e820" } }, 1,
	  "clipped to the 46-bit physical address width" },
	{ "clip_52", 52, false,
	  { { (1ULL << 52) - G(1), G(2), 1 }, { 1ULL << 52, G(1), 1 } }, 2,
	  { { (1ULL << 52) - G(1), 1ULL << 52, 1, "e820" } }, 1,
	  "beyond the 52-bit physical address width" },
	{ "huge_entry_clipped", 39, false,
	  { { 0, 1ULL << 63, 1 }, { M(1), M(1), 2 } }, 2,
	  { { 0, M(1), 1, "e820" }, { M(1), M(2), 2, "e820" }, { M(2), 1ULL << 39, 1, "e820" } }, 3,
	  "clipped" },
	{ "wrapping_entry_rejected", 39, false,
	  { { 0xfffffffffffff000ULL, 0x2000, 1 }, { 0, M(1), 1 } }, 2,
	  { { 0, M(1), 1, "e820" } }, 1, "wraps around 64 bits" },
	{ "efi_preferred_and_merged", 39, true,
	  { { 0, 0x1000, EFI_BOOT_SERVICES_CODE }, { 0x1000, 0x9e000, EFI_CONVENTIONAL_MEMORY },
	    { 0x9f000, 0x1000, EFI_LOADER_DATA }, { M(1), M(1), EFI_RUNTIME_SERVICES_DATA },
	    { M(2), M(1), EFI_ACPI_RECLAIM_MEMORY }, { M(3), M(1), EFI_ACPI_MEMORY_NVS },
	    { M(4), M(1), EFI_UNUSABLE_MEMORY }, { M(5), M(1), EFI_MEMORY_MAPPED_IO } }, 8,
	  { { 0, 0xa0000, 1, "efi" }, { M(1), M(2), 2, "efi" }, { M(2), M(3), 3, "efi" },
	    { M(3), M(4), 4, "efi" }, { M(4), M(5), 5, "efi" }, { M(5), M(6), 2, "efi" } }, 6,
	  NULL },
};

KTEST(memmap, sanitize_table)
{
	for (unsigned i = 0; i < ARRAY_SIZE(sanitize_cases); i++) {
		const struct sanitize_case *c = &sanitize_cases[i];

		host_log_clear();
		load(c->in, c->nin, c->efi);
		KT_EXPECT_EQ(memmap_init(&bi, c->bits), 0);
		map_is(c->name, c->out, c->nout);
		if (c->log && !host_log_contains(c->log))
			ktest_fail(__FILE__, __LINE__, "%s: no log line with \"%s\"", c->name,
				   c->log);
	}
}

KTEST(memmap, efi_type_conversion)
{
	static const u32 want[] = {
		[EFI_RESERVED_TYPE] = E820_RESERVED,
		[EFI_LOADER_CODE] = E820_RAM,
		[EFI_LOADER_DATA] = E820_RAM,
		[EFI_BOOT_SERVICES_CODE] = E820_RAM,
		[EFI_BOOT_SERVICES_DATA] = E820_RAM,
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
		[16] = E820_RESERVED,
	};
	struct ent e[ARRAY_SIZE(want)];
	unsigned n;
	const struct memmap_range *r;

	/* one EFI descriptor per type, 2 MiB apart so nothing merges */
	for (unsigned t = 0; t < ARRAY_SIZE(want); t++)
		e[t] = (struct ent){ G(4) + t * M(2), M(1), t };
	load(e, ARRAY_SIZE(e), true);
	/* an e820 map too: it must be ignored */
	bi.e820[0] = (struct boot_mmap_entry){ .addr = 0, .len = G(1), .type = E820_RAM };
	bi.ne820 = 1;
	KT_ASSERT_EQ(memmap_init(&bi, 39), 0);
	r = memmap_ranges(&n);
	KT_ASSERT_EQ(n, ARRAY_SIZE(want));
	for (unsigned t = 0; t < ARRAY_SIZE(want); t++) {
		KT_EXPECT_EQ(r[t].start, G(4) + t * M(2));
		KT_EXPECT_EQ(r[t].type, want[t]);
		KT_EXPECT_STREQ(r[t].source, t == EFI_PERSISTENT_MEMORY ? "efi-14" : "efi");
	}
	KT_ASSERT_EQ(memmap_nr_regions(), 1);
	KT_EXPECT_EQ(memmap_region(0)->base, G(4) + EFI_PERSISTENT_MEMORY * M(2));
	KT_EXPECT_STREQ(memmap_region(0)->source, "efi-14");
}

KTEST(memmap, no_map_and_phys_bits_clamp)
{
	memset(&bi, 0, sizeof(bi));
	KT_EXPECT_EQ(memmap_init(&bi, 39), -ENODATA);
	KT_EXPECT_EQ(memmap_ram_total(), 0);
	KT_EXPECT_EQ(memmap_nr_regions(), 0);

	bi.e820[0] = (struct boot_mmap_entry){ .addr = 0, .len = G(8), .type = E820_RAM };
	bi.ne820 = 1;
	host_log_clear();
	KT_EXPECT_EQ(memmap_init(&bi, 0), 0);
	KT_EXPECT_EQ(memmap_phys_bits(), 32);
	KT_EXPECT(host_log_contains("implausible"));
	KT_EXPECT_EQ(memmap_ram_total(), G(4));
	KT_EXPECT_EQ(memmap_init(&bi, 64), 0);
	KT_EXPECT_EQ(memmap_phys_bits(), 52);
	KT_EXPECT_EQ(memmap_ram_total(), G(8));
}

/* The machine most tests use: q35-like with 2 GiB below 4G and 2 GiB above. */
static const struct ent q35[] = {
	{ 0, 0x9fc00, E820_RAM },
	{ 0x9fc00, 0x400, E820_RESERVED },
	{ 0xf0000, 0x10000, E820_RESERVED },
	{ M(1), G(2) - M(1) - 0x20000, E820_RAM },
	{ G(2) - 0x20000, 0x20000, E820_RESERVED },
	{ 0xb0000000ULL, 0x10000000, E820_RESERVED },	/* ECAM */
	{ 0xfffc0000ULL, 0x40000, E820_RESERVED },
	{ G(4), G(2), E820_RAM },
};

static void boot_q35(void)
{
	load(q35, ARRAY_SIZE(q35), false);
	memmap_init(&bi, 40);
}

KTEST(memmap, loader_persistent_ranges)
{
	static const struct ent in[] = {
		{ 0, G(2), E820_RAM },
		{ G(8), G(1), E820_PMEM },
		{ G(4), G(1), E820_PRAM },
		{ G(6), G(1), E820_PMEM },
		{ G(7), G(1), E820_PMEM },	/* adjacent to the one above: its own region */
	};
	static const struct want w[] = {
		{ 0, G(2), 1, "e820" },
		{ G(4), G(5), 12, "e820-12" },
		{ G(6), G(7), 7, "e820-7" },
		{ G(7), G(8), 7, "e820-7" },
		{ G(8), G(9), 7, "e820-7" },
	};

	load(in, ARRAY_SIZE(in), false);
	KT_ASSERT_EQ(memmap_init(&bi, 39), 0);
	map_is("loader_persistent", w, ARRAY_SIZE(w));
	KT_ASSERT_EQ(memmap_nr_regions(), 4);
	KT_EXPECT_EQ(memmap_region(0)->base, G(6));
	KT_EXPECT_EQ(memmap_region(1)->base, G(7));
	KT_EXPECT_EQ(memmap_region(2)->base, G(8));
	KT_EXPECT_EQ(memmap_region(3)->base, G(4));
	KT_EXPECT_STREQ(memmap_region(3)->source, "e820-12");
	for (unsigned i = 0; i < 4; i++)
		KT_EXPECT_EQ(memmap_region(i)->id, i);
	KT_EXPECT_EQ(memmap_pmem_total(), G(4));
	KT_EXPECT_EQ(memmap_ram_total(), G(2));
}

struct bad_loader_case {
	const char *name;
	unsigned bits;
	struct ent in[4];
	unsigned nin;
	struct want out[4];
	unsigned nout;
	unsigned nregions;
	const char *log;
};

/* Loader persistent ranges that fail their checks: skipped, kept out of RAM. */
static const struct bad_loader_case bad_loader_cases[] = {
	{ "pmem_over_ram", 39,
	  { { 0, G(4), E820_RAM }, { G(2), G(1), E820_PMEM } }, 2,
	  { { 0, G(2), 1, "e820" }, { G(2), G(3), 2, "e820-7" }, { G(3), G(4), 1, "e820" } }, 3,
	  0, "overlaps ram memory, skipped" },
	{ "pram_over_acpi", 39,
	  { { G(1), M(1), E820_ACPI }, { G(1), G(1), E820_PRAM } }, 2,
	  { { G(1), G(1) + M(1), 3, "e820" }, { G(1) + M(1), G(2), 2, "e820-12" } }, 2, 0,
	  "overlaps acpi memory" },
	{ "pmem_unaligned", 39,
	  { { G(4) + 0x800, G(1), E820_PMEM } }, 1,
	  { { G(4) + 0x800, G(5) + 0x800, 2, "e820-7" } }, 1, 0, "is not page aligned" },
	{ "pmem_beyond_width", 36,
	  { { G(60), G(8), E820_PMEM } }, 1,
	  { { G(60), G(64), 2, "e820-7" } }, 1, 0, "beyond the 36-bit" },
	{ "pmem_partial_overlap", 39,
	  { { G(4), G(2), E820_PMEM }, { G(5), G(2), E820_PMEM } }, 2,
	  { { G(4), G(6), 7, "e820-7" }, { G(6), G(7), 2, "e820-7" } }, 2, 1,
	  "overlaps region 0 (e820-7)" },
	{ "pmem_pram_same_range", 39,
	  { { G(4), G(1), E820_PMEM }, { G(4), G(1), E820_PRAM } }, 2,
	  { { G(4), G(5), 7, "e820-7" } }, 1, 1, "overlaps region 0" },
	{ "pmem_duplicate", 39,
	  { { G(4), G(1), E820_PMEM }, { G(4), G(1), E820_PMEM } }, 2,
	  { { G(4), G(5), 7, "e820-7" } }, 1, 1, NULL },
	{ "pmem_over_reserved_wins", 39,
	  { { G(4), G(2), E820_RESERVED }, { G(4), G(1), E820_PMEM } }, 2,
	  { { G(4), G(5), 7, "e820-7" }, { G(5), G(6), 2, "e820" } }, 2, 1, NULL },
};

KTEST(memmap, loader_persistent_bad)
{
	for (unsigned i = 0; i < ARRAY_SIZE(bad_loader_cases); i++) {
		const struct bad_loader_case *c = &bad_loader_cases[i];

		host_log_clear();
		load(c->in, c->nin, false);
		KT_EXPECT_EQ(memmap_init(&bi, c->bits), 0);
		map_is(c->name, c->out, c->nout);
		if (memmap_nr_regions() != c->nregions)
			ktest_fail(__FILE__, __LINE__, "%s: %u regions, want %u", c->name,
				   memmap_nr_regions(), c->nregions);
		if (c->log && !host_log_contains(c->log))
			ktest_fail(__FILE__, __LINE__, "%s: no log line with \"%s\"", c->name,
				   c->log);
	}
}

KTEST(memmap, region_numbering_mixed)
{
	static const struct ent in[] = {
		{ 0, G(2), E820_RAM },
		{ G(4), G(2), E820_RAM },
		{ G(16), G(1), E820_PMEM },
		{ G(12), G(1), E820_PRAM },
		{ G(14), G(1), E820_PMEM },
	};
	static const struct {
		u64 base;
		u64 size;
		u32 type;
		const char *source;
	} want[] = {
		{ G(10), G(1), 7, "nfit" },
		{ G(20), G(1), 7, "nfit" },
		{ G(14), G(1), 7, "e820-7" },
		{ G(16), G(1), 7, "e820-7" },
		{ G(12), G(1), 12, "e820-12" },
		{ M(256), M(64), 12, "memmap" },
		{ G(1), M(64), 12, "memmap" },
	};
	const char *vals[] = { "64M!1G", "64M!256M" };

	load(in, ARRAY_SIZE(in), false);
	KT_ASSERT_EQ(memmap_init(&bi, 39), 0);
	/* the order things arrive in does not matter, only class, source, address */
	KT_EXPECT_EQ(memmap_add_region(G(20), G(1), E820_PMEM, "nfit"), 0);
	KT_EXPECT_EQ(memmap_apply_cmdline(vals, 2), 2);
	KT_EXPECT_EQ(memmap_add_region(G(10), G(1), E820_PMEM, "nfit"), 0);
	memmap_finalize();
	KT_ASSERT_EQ(memmap_nr_regions(), ARRAY_SIZE(want));
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		const struct memmap_region *r = memmap_region(i);

		KT_ASSERT(r);
		KT_EXPECT_EQ(r->id, i);
		KT_EXPECT_EQ(r->base, want[i].base);
		KT_EXPECT_EQ(r->size, want[i].size);
		KT_EXPECT_EQ(r->type, want[i].type);
		KT_EXPECT_STREQ(r->source, want[i].source);
	}
	KT_EXPECT(memmap_region(ARRAY_SIZE(want)) == NULL);
	KT_EXPECT_EQ(memmap_pmem_total(), G(5) + M(128));
	KT_EXPECT_EQ(memmap_ram_total(), G(4) - M(128));
	/* final: nothing more is accepted */
	KT_EXPECT_EQ(memmap_add_region(G(30), G(1), E820_PMEM, "nfit"), -EBUSY);
	KT_EXPECT_EQ(memmap_apply_option("64M!512M"), -EBUSY);
	KT_EXPECT_EQ(memmap_nr_regions(), ARRAY_SIZE(want));
}

KTEST(memmap, nfit_identical_to_e820_is_one_region)
{
	static const struct ent in[] = {
		{ 0, G(2), E820_RAM },
		{ G(4), G(1), E820_PMEM },
	};
	static const struct want w[] = {
		{ 0, G(2), 1, "e820" },
		{ G(4), G(5), 7, "nfit" },
	};

	load(in, ARRAY_SIZE(in), false);
	KT_ASSERT_EQ(memmap_init(&bi, 39), 0);
	KT_EXPECT_EQ(memmap_add_region(G(4), G(1), E820_PMEM, "nfit"), 0);
	map_is("nfit_identical", w, ARRAY_SIZE(w));
	KT_ASSERT_EQ(memmap_nr_regions(), 1);
	KT_EXPECT_STREQ(memmap_region(0)->source, "nfit");
	/* the same NFIT range again changes nothing */
	KT_EXPECT_EQ(memmap_add_region(G(4), G(1), E820_PMEM, "nfit"), 0);
	KT_EXPECT_EQ(memmap_nr_regions(), 1);
	map_is("nfit_twice", w, ARRAY_SIZE(w));
}

KTEST(memmap, nfit_refines_larger_e820_range)
{
	static const struct ent in[] = {
		{ 0, G(2), E820_RAM },
		{ G(16), G(4), E820_PMEM },
	};
	static const struct want w1[] = {
		{ 0, G(2), 1, "e820" },
		{ G(16), G(17), 7, "e820-7" },
		{ G(17), G(18), 7, "nfit" },
		{ G(18), G(20), 7, "e820-7" },
	};
	static const struct want w2[] = {
		{ 0, G(2), 1, "e820" },
		{ G(16), G(17), 7, "e820-7" },
		{ G(17), G(18), 7, "nfit" },
		{ G(18), G(20), 7, "nfit" },
	};

	load(in, ARRAY_SIZE(in), false);
	KT_ASSERT_EQ(memmap_init(&bi, 39), 0);
	KT_EXPECT_EQ(memmap_add_region(G(17), G(1), E820_PMEM, "nfit"), 0);
	map_is("nfit_middle", w1, ARRAY_SIZE(w1));
	KT_ASSERT_EQ(memmap_nr_regions(), 3);
	KT_EXPECT_EQ(memmap_region(0)->base, G(17));
	KT_EXPECT_STREQ(memmap_region(0)->source, "nfit");
	KT_EXPECT_EQ(memmap_region(1)->base, G(16));
	KT_EXPECT_EQ(memmap_region(2)->base, G(18));
	/* the tail exactly: the e820 piece is replaced, adjacent nfit stay apart */
	KT_EXPECT_EQ(memmap_add_region(G(18), G(2), E820_PMEM, "nfit"), 0);
	map_is("nfit_tail", w2, ARRAY_SIZE(w2));
	KT_ASSERT_EQ(memmap_nr_regions(), 3);
	KT_EXPECT_EQ(memmap_region(1)->base, G(18));
	KT_EXPECT_STREQ(memmap_region(2)->source, "e820-7");
	KT_EXPECT_EQ(memmap_pmem_total(), G(4));
}

struct add_case {
	const char *name;
	u64 base;
	u64 size;
	u32 type;
	int err;
	const char *log;
};

/* On boot_q35() plus an e820-free NFIT region at 8G..9G added first. */
static const struct add_case add_cases[] = {
	{ "good_pmem", G(10), G(1), E820_PMEM, 0, NULL },
	{ "good_pram", G(12), M(2), E820_PRAM, 0, NULL },
	{ "adjacent_ok", G(9), G(1), E820_PMEM, 0, NULL },
	{ "type_reserved", G(10), G(1), E820_RESERVED, -EINVAL, "not 7 or 12" },
	{ "type_ram", G(10), G(1), E820_RAM, -EINVAL, "not 7 or 12" },
	{ "size_zero", G(10), 0, E820_PMEM, -EINVAL, "empty or wraps" },
	{ "wraps", 0xffffffffffe00000ULL, M(4), E820_PMEM, -EINVAL, "empty or wraps" },
	{ "base_unaligned", G(10) + 0x200, G(1), E820_PMEM, -EINVAL, "not page aligned" },
	{ "size_unaligned", G(10), G(1) + 0x10, E820_PMEM, -EINVAL, "not page aligned" },
	{ "beyond_width", G(1023), G(2), E820_PMEM, -ERANGE, "beyond the 40-bit" },
	{ "over_ram", G(5), G(2), E820_PMEM, -EBUSY, "overlaps ram memory" },
	{ "over_low_ram", 0, M(1), E820_PMEM, -EBUSY, "overlaps ram memory" },
	{ "over_other_nfit", G(8) + G(1) / 2, G(1), E820_PMEM, -EBUSY, "overlaps region 0 (nfit)" },
	{ "inside_other_nfit", G(8), M(2), E820_PMEM, -EBUSY, "overlaps region 0" },
	{ "same_range_other_type", G(8), G(1), E820_PRAM, -EBUSY, "overlaps region 0" },
	{ "over_reserved_ok", 0xb0000000ULL, M(256), E820_PMEM, 0, NULL },
};

KTEST(memmap, add_region_checks)
{
	for (unsigned i = 0; i < ARRAY_SIZE(add_cases); i++) {
		const struct add_case *c = &add_cases[i];
		unsigned before;
		int err;

		boot_q35();
		KT_ASSERT_EQ(memmap_add_region(G(8), G(1), E820_PMEM, "nfit"), 0);
		before = memmap_nr_regions();
		host_log_clear();
		err = memmap_add_region(c->base, c->size, c->type, "nfit");
		if (err != c->err)
			ktest_fail(__FILE__, __LINE__, "%s: returned %d, want %d", c->name, err,
				   c->err);
		if (memmap_nr_regions() != before + (c->err ? 0 : 1))
			ktest_fail(__FILE__, __LINE__, "%s: %u regions", c->name,
				   memmap_nr_regions());
		if (c->log && !host_log_contains(c->log))
			ktest_fail(__FILE__, __LINE__, "%s: no log line with \"%s\"", c->name,
				   c->log);
	}
	/* a refused region leaves RAM alone */
	boot_q35();
	KT_EXPECT_EQ(memmap_add_region(G(5), G(2), E820_PMEM, "nfit"), -EBUSY);
	KT_EXPECT_EQ(memmap_ram_total(), 0x9f000 + G(2) - M(1) - 0x20000 + G(2));
}

KTEST(memmap, region_table_full)
{
	boot_q35();
	for (unsigned i = 0; i < MEMMAP_MAX_REGIONS; i++)
		KT_ASSERT_EQ(memmap_add_region(G(8) + i * G(1), G(1), E820_PMEM, "nfit"), 0);
	host_log_clear();
	KT_EXPECT_EQ(memmap_add_region(G(100), G(1), E820_PMEM, "nfit"), -ENOSPC);
	KT_EXPECT(host_log_contains("more than 32 regions"));
	KT_EXPECT_EQ(memmap_apply_option("64M!256M"), -ENOSPC);
	KT_EXPECT_EQ(memmap_nr_regions(), MEMMAP_MAX_REGIONS);
}

static bool map_invariants_hold(unsigned seed);

/*
 * The most ranges the sweep can make from a full loader map and every
 * region: one RAM entry with 510 reserved entries inside it (1021 ranges),
 * one more reserved entry above it, and 32 regions inside that one, each
 * splitting it again (+64): 1086 ranges, one short of the bound (2 change
 * points an entry). All of them must be in the map:
 * no RAM lost, every region a map range of its own.
 */
KTEST(memmap, worst_case_map_fits)
{
	unsigned n = 0;

	memset(&bi, 0, sizeof(bi));
	bi.e820[n++] = (struct boot_mmap_entry){ G(1), G(1), E820_RAM, 0 };
	for (unsigned k = 0; k < 510; k++)
		bi.e820[n++] = (struct boot_mmap_entry){ G(1) + (2 * k + 1) * M(1), M(1),
							 E820_RESERVED, 0 };
	bi.e820[n++] = (struct boot_mmap_entry){ G(4), G(4) + M(64), E820_RESERVED, 0 };
	KT_ASSERT_EQ(n, BOOT_MMAP_MAX);
	bi.ne820 = n;
	KT_ASSERT_EQ(memmap_init(&bi, 46), 0);
	for (unsigned k = 0; k < MEMMAP_MAX_REGIONS; k++)
		KT_ASSERT_EQ(memmap_add_region(G(4) + (2 * k + 1) * M(64), M(64), E820_PMEM,
					       "nfit"), 0);
	memmap_finalize();
	memmap_ranges(&n);
	KT_EXPECT_EQ(n, 1021 + 1 + 2 * MEMMAP_MAX_REGIONS);
	KT_EXPECT_EQ(memmap_ram_total(), M(1024 - 510));
	KT_EXPECT_EQ(memmap_nr_regions(), MEMMAP_MAX_REGIONS);
	KT_EXPECT(map_invariants_hold(0));
	KT_EXPECT(memmap_lookup(G(8) + M(64) - 1) &&
		  memmap_lookup(G(8) + M(64) - 1)->type == E820_RESERVED);
}

struct option_case {
	const char *val;
	int err;
	const char *log;	/* NULL: check the region instead */
	u64 start;
	u64 size;
};

static const struct option_case option_cases[] = {
	{ "64M!256M", 0, NULL, M(256), M(64) },
	{ "0x4000000!0x10000000", 0, NULL, M(256), M(64) },
	{ "65536k!262144K", 0, NULL, M(256), M(64) },
	{ "1g!4G", 0, NULL, G(4), G(1) },
	{ "2G!4G", 0, NULL, G(4), G(2) },
	{ "4k!1M", 0, NULL, M(1), 0x1000 },
	{ "1G!1536M", -EINVAL, "memmap: 1G!1536M is not wholly RAM, ignored", 0, 0 },
	{ "64M!3G", -EINVAL, "memmap: 64M!3G is not wholly RAM, ignored", 0, 0 },
	{ "64M!0xb0000000", -EINVAL, "is not wholly RAM", 0, 0 },
	{ "3G!4G", -EINVAL, "is not wholly RAM", 0, 0 },
	{ "4k!0x9f000", -EINVAL, "is not wholly RAM", 0, 0 },	/* the trimmed remnant */
	{ "1M!0", -EINVAL, "is not wholly RAM", 0, 0 },	/* crosses the 640K hole */
	{ "64M!512G", -EINVAL, "is not wholly RAM", 0, 0 },
	{ "64M!0x10000001", -EINVAL, "memmap: 64M!0x10000001 is not page aligned, ignored", 0, 0 },
	{ "6k!1M", -EINVAL, "is not page aligned", 0, 0 },
	{ "0!1G", -EINVAL, "is not nn[KMG]!ss[KMG]", 0, 0 },
	{ "64M!", -EINVAL, "is not nn[KMG]!ss[KMG]", 0, 0 },
	{ "!1G", -EINVAL, "is not nn[KMG]!ss[KMG]", 0, 0 },
	{ "64M!1G!", -EINVAL, "is not nn[KMG]!ss[KMG]", 0, 0 },
	{ "64X!1G", -EINVAL, "is not nn[KMG]!ss[KMG]", 0, 0 },
	{ "64MB!1G", -EINVAL, "is not nn[KMG]!ss[KMG]", 0, 0 },
	{ "-64M!1G", -EINVAL, "is not nn[KMG]!ss[KMG]", 0, 0 },
	{ " 64M!1G", -EINVAL, "is not nn[KMG]!ss[KMG]", 0, 0 },
	{ "garbage", -EINVAL, "'garbage' is not nn[KMG]!ss[KMG]", 0, 0 },
	{ "64M!256M;rm", -EINVAL, "is not nn[KMG]!ss[KMG]", 0, 0 },
	{ "0x10000000000000000!0", -ERANGE, "does not fit in 64 bits", 0, 0 },
	{ "17179869184G!0", -ERANGE, "does not fit in 64 bits", 0, 0 },
	{ "0x10000!0xffffffffffff8000", -ERANGE, "does not fit in 64 bits", 0, 0 },
	{ "64M", -EOPNOTSUPP, "memmap: 64M: only nn[KMG]!ss[KMG] is supported, ignored", 0, 0 },
	{ "64M@1G", -EOPNOTSUPP, "only nn[KMG]!ss[KMG] is supported", 0, 0 },
	{ "64M$1G", -EOPNOTSUPP, "only nn[KMG]!ss[KMG] is supported", 0, 0 },
	{ "64M#1G", -EOPNOTSUPP, "only nn[KMG]!ss[KMG] is supported", 0, 0 },
	{ "exactmap", -EOPNOTSUPP, "only nn[KMG]!ss[KMG] is supported", 0, 0 },
	{ "", -EINVAL, "empty value", 0, 0 },
	{ "64M!16M", -EBUSY, "memmap: 64M!16M overlaps the kernel image, ignored", 0, 0 },
	{ "0123456789012345678901234567890123456789012345678901234567890123456789!1G",
	  -EINVAL, "too long", 0, 0 },
};

KTEST(memmap, option_table)
{
	for (unsigned i = 0; i < ARRAY_SIZE(option_cases); i++) {
		const struct option_case *c = &option_cases[i];
		u64 ram;
		int err;

		boot_q35();
		KT_ASSERT_EQ(memmap_protect(M(16), M(4), "kernel image"), 0);
		ram = memmap_ram_total();
		host_log_clear();
		err = memmap_apply_option(c->val);
		if (err != c->err)
			ktest_fail(__FILE__, __LINE__, "\"%s\": returned %d, want %d", c->val,
				   err, c->err);
		if (c->log) {
			if (!host_log_contains(c->log))
				ktest_fail(__FILE__, __LINE__, "\"%s\": no log line with \"%s\"",
					   c->val, c->log);
			if (memmap_nr_regions() || memmap_ram_total() != ram)
				ktest_fail(__FILE__, __LINE__, "\"%s\": the map changed", c->val);
			continue;
		}
		if (memmap_nr_regions() != 1) {
			ktest_fail(__FILE__, __LINE__, "\"%s\": %u regions", c->val,
				   memmap_nr_regions());
			continue;
		}
		const struct memmap_region *r = memmap_region(0);
		const struct memmap_range *m = memmap_lookup(c->start);

		if (r->base != c->start || r->size != c->size || r->type != E820_PRAM ||
		    strcmp(r->source, "memmap"))
			ktest_fail(__FILE__, __LINE__, "\"%s\": region 0x%llx+0x%llx %u %s",
				   c->val, (unsigned long long)r->base,
				   (unsigned long long)r->size, r->type, r->source);
		if (!m || m->start != c->start || m->end != c->start + c->size ||
		    m->type != E820_PRAM)
			ktest_fail(__FILE__, __LINE__, "\"%s\": not carved in the map", c->val);
		if (memmap_ram_total() != ram - c->size)
			ktest_fail(__FILE__, __LINE__, "\"%s\": RAM not reduced", c->val);
	}
}

KTEST(memmap, option_parse_pure)
{
	u64 size = 1, start = 2;

	KT_EXPECT_EQ(memmap_parse_option("64M!256M", &size, &start), 0);
	KT_EXPECT_EQ(size, M(64));
	KT_EXPECT_EQ(start, M(256));
	size = start = 7;
	KT_EXPECT_EQ(memmap_parse_option("64M!", &size, &start), -EINVAL);
	KT_EXPECT_EQ(memmap_parse_option(NULL, &size, &start), -EINVAL);
	KT_EXPECT_EQ(memmap_parse_option("64M@1G", &size, &start), -EOPNOTSUPP);
	KT_EXPECT_EQ(size, 7);
	KT_EXPECT_EQ(start, 7);
}

KTEST(memmap, option_lists_and_repeats)
{
	static const struct want w[] = {
		{ 0, 0x9f000, 1, "e820" },
		{ 0x9fc00, 0xa0000, 2, "e820" },
		{ 0xf0000, M(1), 2, "e820" },
		{ M(1), M(256), 1, "e820" },
		{ M(256), M(320), 12, "memmap" },
		{ M(320), M(512), 1, "e820" },
		{ M(512), M(576), 12, "memmap" },
		{ M(576), G(2) - 0x20000, 1, "e820" },
		{ G(2) - 0x20000, G(2), 2, "e820" },
		{ 0xb0000000ULL, 0xc0000000ULL, 2, "e820" },
		{ 0xfffc0000ULL, G(4), 2, "e820" },
		{ G(4), G(5), 12, "memmap" },
		{ G(5), G(6), 1, "e820" },
	};
	const char *vals[] = { "64M!256M,64M!512M", "64M!256M", "1G!4G,64M!3G" };
	char want[80];

	boot_q35();
	host_log_clear();
	KT_EXPECT_EQ(memmap_apply_cmdline(vals, ARRAY_SIZE(vals)), 3);
	/* the repeat overlaps the first carve-out, which is no longer RAM */
	KT_EXPECT(host_log_contains("memmap: 64M!256M is not wholly RAM, ignored"));
	KT_EXPECT(host_log_contains("memmap: 64M!3G is not wholly RAM, ignored"));
	map_is("memmap_lists", w, ARRAY_SIZE(w));
	KT_ASSERT_EQ(memmap_nr_regions(), 3);
	KT_EXPECT_EQ(memmap_region(0)->base, M(256));
	KT_EXPECT_EQ(memmap_region(1)->base, M(512));
	KT_EXPECT_EQ(memmap_region(2)->base, G(4));
	/* adjacent carve-outs stay separate regions */
	KT_EXPECT_EQ(memmap_apply_option("64M!320M"), 0);
	KT_EXPECT_EQ(memmap_nr_regions(), 4);
	KT_EXPECT_EQ(memmap_region(1)->base, M(320));
	snprintf(want, sizeof(want), "mem: 0x%016llx-0x%016llx pram memmap",
		 (unsigned long long)M(320), (unsigned long long)M(384));
	char line[MEMMAP_LINE_MAX];
	memmap_format_range(line, sizeof(line), memmap_lookup(M(320)));
	KT_EXPECT_STREQ(line, want);
	/* carving out of EFI RAM works the same */
	static const struct ent efi[] = { { 0, G(2), EFI_CONVENTIONAL_MEMORY } };
	load(efi, 1, true);
	KT_ASSERT_EQ(memmap_init(&bi, 39), 0);
	KT_EXPECT_EQ(memmap_apply_option("64M!256M"), 0);
	KT_EXPECT_EQ(memmap_ram_total(), G(2) - M(64));
}

struct print_ctx {
	char lines[16][MEMMAP_LINE_MAX];
	unsigned n;
};

static void collect(const char *s, void *arg)
{
	struct print_ctx *p = arg;

	if (p->n < ARRAY_SIZE(p->lines))
		strlcpy(p->lines[p->n], s, sizeof(p->lines[0]));
	p->n++;
}

KTEST(memmap, queries_and_format)
{
	static struct print_ctx pc;
	static const char *const want[] = {
		"mem: 0x0000000000000000-0x000000000009f000 ram e820",
		"mem: 0x000000000009fc00-0x00000000000a0000 reserved e820",
		"mem: 0x00000000000f0000-0x0000000000100000 reserved e820",
		"mem: 0x0000000000100000-0x0000000010000000 ram e820",
		"mem: 0x0000000010000000-0x0000000014000000 pram memmap",
		"mem: 0x0000000014000000-0x000000007ffe0000 ram e820",
		"mem: 0x000000007ffe0000-0x0000000080000000 reserved e820",
		"mem: 0x00000000b0000000-0x00000000c0000000 reserved e820",
		"mem: 0x00000000fffc0000-0x0000000100000000 reserved e820",
		"mem: 0x0000000100000000-0x0000000180000000 ram e820",
		"mem: 0x0000000200000000-0x0000000240000000 pmem nfit",
	};
	const struct memmap_region *r;
	const struct memmap_range *m;
	char line[MEMMAP_LINE_MAX + 32];
	pfn_t p;

	boot_q35();
	KT_ASSERT_EQ(memmap_add_region(G(8), G(1), E820_PMEM, "nfit"), 0);
	KT_ASSERT_EQ(memmap_apply_option("64M!256M"), 0);
	memmap_finalize();
	memset(&pc, 0, sizeof(pc));
	memmap_print(collect, &pc);
	KT_ASSERT_EQ(pc.n, ARRAY_SIZE(want));
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++)
		KT_EXPECT_STREQ(pc.lines[i], want[i]);

	memmap_format_region(line, sizeof(line), memmap_region(0));
	KT_EXPECT_STREQ(line, "region 0: 0x0000000200000000-0x0000000240000000 pmem nfit "
			      "size=1073741824");
	KT_EXPECT(host_log_contains("ram=4227330048 pmem=1140850688 bytes, 2 regions"));

	/* pfn_to_region: first, last, one past, RAM, a hole */
	r = pfn_to_region(phys_to_pfn_t(G(8), PFN_DEV | PFN_PMEM));
	KT_EXPECT(r && r->id == 0);
	r = pfn_to_region(phys_to_pfn_t(G(9) - PAGE_SIZE, 0));
	KT_EXPECT(r && r->id == 0);
	KT_EXPECT(pfn_to_region(phys_to_pfn_t(G(9), 0)) == NULL);
	r = pfn_to_region(phys_to_pfn_t(M(300), 0));
	KT_EXPECT(r && r->id == 1 && r->type == E820_PRAM);
	KT_EXPECT(pfn_to_region(phys_to_pfn_t(M(200), 0)) == NULL);
	KT_EXPECT(pfn_to_region(phys_to_pfn_t(G(3), 0)) == NULL);

	/* flags for a physical address */
	p = memmap_phys_to_pfn_t(G(8) + 0x5000);
	KT_EXPECT_EQ(pfn_t_flags(p), PFN_DEV | PFN_PMEM);
	KT_EXPECT_EQ(pfn_t_to_phys(p), G(8) + 0x5000);
	p = memmap_phys_to_pfn_t(M(256));
	KT_EXPECT_EQ(pfn_t_flags(p), PFN_DEV | PFN_PMEM);
	p = memmap_phys_to_pfn_t(M(200));
	KT_EXPECT(pfn_t_is_ram(p));
	KT_EXPECT_EQ(pfn_t_flags(p), 0);
	p = memmap_phys_to_pfn_t(0xb0001000ULL);
	KT_EXPECT_EQ(pfn_t_flags(p), PFN_DEV);
	p = memmap_phys_to_pfn_t(G(3));
	KT_EXPECT_EQ(pfn_t_flags(p), PFN_DEV);
	p = memmap_phys_to_pfn_t(0x9f000);	/* the trimmed sub-page RAM remnant */
	KT_EXPECT_EQ(pfn_t_flags(p), PFN_DEV);

	/* memmap_lookup: edges and holes */
	m = memmap_lookup(0);
	KT_EXPECT(m && m->type == E820_RAM && m->start == 0);
	m = memmap_lookup(0x9efff);
	KT_EXPECT(m && m->end == 0x9f000);
	KT_EXPECT(memmap_lookup(0x9f000) == NULL);
	m = memmap_lookup(G(4) - 1);
	KT_EXPECT(m && m->start == 0xfffc0000ULL);
	KT_EXPECT(memmap_lookup(G(6)) == NULL);
	KT_EXPECT(memmap_lookup(~0ULL) == NULL);

	KT_EXPECT_STREQ(memmap_type_name(E820_ACPI), "acpi");
	KT_EXPECT_STREQ(memmap_type_name(E820_NVS), "nvs");
	KT_EXPECT_STREQ(memmap_type_name(E820_UNUSABLE), "unusable");
	KT_EXPECT_STREQ(memmap_type_name(99), "reserved");
}

/*
 * Randomized maps: whatever the input, the map is sorted, disjoint, inside
 * the address width, RAM whole pages, every region page aligned and present
 * as exactly one map range of its type, and regions disjoint.
 */
static bool map_invariants_hold(unsigned seed)
{
	unsigned n, nreg = memmap_nr_regions();
	const struct memmap_range *r = memmap_ranges(&n);
	u64 limit = 1ULL << memmap_phys_bits();

	for (unsigned i = 0; i < n; i++) {
		if (r[i].start >= r[i].end || r[i].end > limit ||
		    (i && r[i].start < r[i - 1].end)) {
			ktest_fail(__FILE__, __LINE__, "seed %u: range %u unsorted or empty", seed, i);
			return false;
		}
		if (r[i].type == E820_RAM &&
		    (!IS_ALIGNED(r[i].start, PAGE_SIZE) || !IS_ALIGNED(r[i].end, PAGE_SIZE))) {
			ktest_fail(__FILE__, __LINE__, "seed %u: RAM range %u unaligned", seed, i);
			return false;
		}
		if ((r[i].type == E820_PMEM || r[i].type == E820_PRAM) && !r[i].region) {
			ktest_fail(__FILE__, __LINE__, "seed %u: pmem range %u without region", seed, i);
			return false;
		}
	}
	for (unsigned id = 0; id < nreg; id++) {
		const struct memmap_region *g = memmap_region(id);
		const struct memmap_range *m = memmap_lookup(g->base);

		if (g->id != id || !IS_ALIGNED(g->base | g->size, PAGE_SIZE) || !g->size ||
		    g->base + g->size > limit || !m || m->start != g->base ||
		    m->end != g->base + g->size || m->type != g->type) {
			ktest_fail(__FILE__, __LINE__, "seed %u: region %u inconsistent", seed, id);
			return false;
		}
	}
	return true;
}

KTEST(memmap, randomized_invariants)
{
	static const u32 types[] = { 1, 1, 1, 2, 3, 4, 5, 7, 12, 0, 99 };
	struct prng rng = { 12345 };
	unsigned regions = 0, carved = 0;

	for (unsigned seed = 0; seed < 300; seed++) {
		unsigned n = 1 + prng_next(&rng) % 40;
		bool efi = prng_next(&rng) & 1;

		memset(&bi, 0, sizeof(bi));
		for (unsigned i = 0; i < n; i++) {
			struct boot_mmap_entry *e = efi ? &bi.efi[bi.nefi++] : &bi.e820[bi.ne820++];
			u64 gran = (prng_next(&rng) & 1) ? PAGE_SIZE : 0x400;

			e->addr = (prng_next(&rng) % 4096) * gran * 64;
			e->len = (prng_next(&rng) % 512) * gran;
			e->type = efi ? prng_next(&rng) % 16 : types[prng_next(&rng) % ARRAY_SIZE(types)];
		}
		memmap_init(&bi, 28 + prng_next(&rng) % 12);
		for (unsigned k = 0; k < 4; k++) {
			u64 base = (prng_next(&rng) % 4096) * PAGE_SIZE * 64;
			u64 size = (prng_next(&rng) % 2048) * PAGE_SIZE;

			memmap_add_region(base, size, (prng_next(&rng) & 1) ? 7 : 12, "nfit");
		}
		/* half the time aim inside a RAM range, else anywhere */
		unsigned nr;
		const struct memmap_range *mr = memmap_ranges(&nr);
		u64 start = (prng_next(&rng) % 262144) * 4096;
		u64 size = (1 + prng_next(&rng) % 16) * 4096;
		char opt[64];

		if (nr && (prng_next(&rng) & 1)) {
			mr += prng_next(&rng) % nr;
			start = mr->start;
		}
		snprintf(opt, sizeof(opt), "%lluk!0x%llx", (unsigned long long)(size >> 10),
			 (unsigned long long)start);
		if (!memmap_apply_option(opt))
			carved++;
		regions += memmap_nr_regions();
		if (!map_invariants_hold(seed))
			return;
	}
	/* the inputs must reach the interesting paths, not only the refusals */
	KT_EXPECT(regions > 100);
	KT_EXPECT(carved > 5);
	ktest_log("randomized: %u regions, %u carve-outs over 300 maps", regions, carved);
}
