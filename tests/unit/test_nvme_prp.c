/*
 * test_nvme_prp.c - host tests of drivers/nvme/nvme_prp.c: PRP1/PRP2, PRP
 * lists and their chaining, and SGL descriptors, built from mapped
 * scatterlists and then read back by a model of the controller that
 * follows the specification's rules (NVMe 1.4, 4.3 and 4.4), compared with
 * the pages the data occupies. Table-driven cases for every offset, length
 * and list boundary, randomized layouts, and malformed lists.
 *
 * Also the block layer platform hooks scatterlist.c needs on the host.
 */
#include <stdlib.h>
#include "blkdev_driver.h"
#include "errno.h"
#include "irq.h"
#include "ktest.h"
#include "lib.h"
#include "drivers/nvme/nvme_var.h"

unsigned long local_irq_save(void) { return 0; }
void local_irq_restore(unsigned long flags) { (void)flags; }
void blk_wait_interrupt(void) { }
void *blk_init_alloc(size_t size) { return calloc(1, size); }
void blk_init_free(void *p, size_t size) { (void)size; free(p); }

#define PG		4096ULL
#define NLISTS		8
#define LIST_BASE	0x7f000000000ULL	/* fake bus addresses of list pages */
#define MAX_ENTS	2100

static u64 *lists[NLISTS];
static dma_addr_t list_dma[NLISTS];
static struct scatterlist sgl[MAX_ENTS];

static void lists_setup(void)
{
	for (unsigned i = 0; i < NLISTS; i++) {
		if (!lists[i])
			lists[i] = aligned_alloc(PG, PG);
		memset(lists[i], 0xa5, PG);
		list_dma[i] = LIST_BASE + i * 3 * PG;	/* not contiguous */
	}
}

static u64 *list_lookup(u64 dma)
{
	for (unsigned i = 0; i < NLISTS; i++)
		if (list_dma[i] == dma)
			return lists[i];
	return NULL;
}

/* The controller's view: the page addresses PRP1/PRP2 describe for len
 * bytes. Returns the count, or -1 when it would follow a bad pointer. */
static long prp_walk(u64 prp1, u64 prp2, u64 len, u64 *out, unsigned max,
		     unsigned *pages_used)
{
	long n = 0;
	u64 first = PG - (prp1 & (PG - 1));
	u64 remaining = len > first ? len - first : 0;
	u64 *list;
	unsigned i = 0;

	*pages_used = 0;
	out[n++] = prp1;
	if (!remaining)
		return prp2 == 0 ? n : -1;
	if (remaining <= PG) {
		out[n++] = prp2;
		return n;
	}
	list = list_lookup(prp2);
	if (!list)
		return -1;
	*pages_used = 1;
	while (remaining) {
		if (i == PG / 8 - 1 && remaining > PG) {
			list = list_lookup(list[i]);
			if (!list)
				return -1;
			(*pages_used)++;
			i = 0;
			continue;
		}
		if ((unsigned)n >= max)
			return -1;
		out[n++] = list[i++];
		remaining -= remaining > PG ? PG : remaining;
	}
	return n;
}

/* The pages the data occupies, as PRP entries should name them. */
static unsigned expected_pages(int nents, u64 *out)
{
	unsigned n = 0;
	u64 first = sgl[0].dma_address, end = first;

	for (int i = 0; i < nents; i++)
		end += sgl[i].dma_length;
	/* the oracle: every page the bytes touch, assuming the entries tile
	 * them in order (checked separately below) */
	out[n++] = first;
	for (int i = 0; i < nents; i++) {
		u64 a = sgl[i].dma_address, e = a + sgl[i].dma_length;

		for (a = (a & ~(PG - 1)) + (i == 0 || (a & (PG - 1)) ? PG : 0);
		     a < e; a += PG)
			out[n++] = a;
	}
	(void)end;
	return n;
}

static void sg_setup(const u64 *addr, const u32 *len, int nents)
{
	sg_init_table(sgl, (unsigned)nents);
	for (int i = 0; i < nents; i++) {
		sgl[i].dma_address = addr[i];
		sgl[i].dma_length = len[i];
	}
}

static u64 got[4200], want[4200];

/* Build and verify; returns the builder's result. */
static int check_prps(int nents, u32 total, const char *what)
{
	u64 prp1 = 0xdead, prp2 = 0xdead;
	unsigned used, nexp;
	long n;
	int err;

	lists_setup();
	err = nvme_build_prps(sgl, nents, total, lists, list_dma, NLISTS,
			      &prp1, &prp2);
	if (err)
		return err;
	nexp = expected_pages(nents, want);
	KT_EXPECT_EQ(nexp, nvme_prp_count(sgl[0].dma_address, total));
	n = prp_walk(prp1, prp2, total, got, ARRAY_SIZE(got), &used);
	if (n != (long)nexp) {
		ktest_fail(__FILE__, __LINE__, "%s: walked %ld entries, want %u",
			   what, n, nexp);
		return 0;
	}
	for (unsigned i = 0; i < nexp; i++)
		if (got[i] != want[i]) {
			ktest_fail(__FILE__, __LINE__, "%s: entry %u is 0x%llx, want 0x%llx",
				   what, i, (unsigned long long)got[i],
				   (unsigned long long)want[i]);
			return 0;
		}
	KT_EXPECT_EQ(used, nvme_prp_list_pages(nexp));
	if (nexp <= 2)
		KT_EXPECT_EQ(used, 0);
	return 0;
}

KTEST(nvme_prp, count_and_pages)
{
	static const struct { u64 addr; u32 len; unsigned prps, pages; } t[] = {
		{ 0, 512, 1, 0 },
		{ 0, 4096, 1, 0 },
		{ 4, 4092, 1, 0 },
		{ 4, 4093, 2, 0 },
		{ 0, 4097, 2, 0 },
		{ 0, 8192, 2, 0 },
		{ 0x800, 8192, 3, 1 },
		{ 0, 12288, 3, 1 },
		{ 0, 513 * 4096, 513, 1 },	/* 512 list entries: one page */
		{ 0, 514 * 4096, 514, 2 },	/* 513: chain */
		{ 0x200, 513 * 4096, 514, 2 },
		{ 0, 1023 * 4096, 1023, 2 },	/* 511 + 511 */
		{ 0, 1024 * 4096, 1024, 2 },	/* 1023 list entries: 511+512 */
		{ 0xffc, 1024 * 4096, 1025, 3 },
		{ 0, 1535 * 4096, 1535, 3 },	/* 511+511+512 */
		{ 0, 1536 * 4096, 1536, 4 },
		{ 0, 0, 0, 0 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		KT_EXPECT_EQ(nvme_prp_count(t[i].addr, t[i].len), t[i].prps);
		KT_EXPECT_EQ(nvme_prp_list_pages(t[i].prps), t[i].pages);
	}
}

/* One contiguous entry, every offset class and length around each edge. */
KTEST(nvme_prp, single_entry_offsets_lengths)
{
	static const u64 offs[] = { 0, 4, 8, 0x200, 0x7fc, 0x800, 0xe00, 0xffc };
	static const u64 lens[] = {
		4, 512, 1024, 4092, 4096, 4100, 8192 - 512, 8192, 8196, 12288,
		16384, 64 * 1024, 128 * 1024 + 512, 511 * 4096, 512 * 4096,
		513 * 4096, 514 * 4096, 1023 * 4096, 1024 * 4096, 1100 * 4096,
		1535 * 4096 + 2048,
	};

	for (unsigned o = 0; o < ARRAY_SIZE(offs); o++)
		for (unsigned l = 0; l < ARRAY_SIZE(lens); l++) {
			u64 a = 0x123456000ULL + offs[o];
			u32 len = (u32)lens[l];
			int err;

			sg_setup(&a, &len, 1);
			err = check_prps(1, len, "single");
			if (nvme_prp_list_pages(nvme_prp_count(a, len)) > NLISTS)
				KT_EXPECT_EQ(err, -ENOSPC);
			else
				KT_EXPECT_EQ(err, 0);
		}
}

/* Several entries: an unaligned head, whole pages, a partial tail. */
KTEST(nvme_prp, multi_entry_layouts)
{
	static const struct {
		unsigned n;
		u64 addr[5];
		u32 len[5];
	} t[] = {
		{ 2, { 0x10000, 0x50000 }, { 4096, 4096 } },
		{ 2, { 0x10e00, 0x50000 }, { 512, 512 } },
		{ 2, { 0x10e00, 0x50000 }, { 512, 8192 } },
		{ 3, { 0x10200, 0x50000, 0x90000 }, { 0xe00, 3 * 4096, 1024 } },
		{ 4, { 0x1000, 0x3000, 0x9000, 0x20000 }, { 8192, 4096, 4096 * 100, 4096 } },
		{ 5, { 0x10004, 0x200000, 0x400000, 0x600000, 0x800000 },
		     { 0xffc, 600 * 4096, 4096, 2 * 4096, 100 } },
		/* one long vec split mid-page at max_segment_size: one run */
		{ 3, { 0x10200, 0x4f200, 0x8e200 }, { 0x3f000, 0x3f000, 0x1000 } },
		{ 2, { 0x10e00, 0x11000 }, { 0x200, 0x3000 } },
		/* 64-bit bus addresses above 4 GiB (NVDIMM) */
		{ 2, { 0x1fffff000ULL, 0x2000000000ULL }, { 4096, 520 * 4096 } },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		u32 total = 0;

		for (unsigned j = 0; j < t[i].n; j++)
			total += t[i].len[j];
		sg_setup(t[i].addr, t[i].len, (int)t[i].n);
		KT_EXPECT_EQ(check_prps((int)t[i].n, total, "multi"), 0);
	}
}

/* Random valid layouts against the controller model. */
KTEST(nvme_prp, randomized)
{
	struct prng r = { 0x5eed };
	u64 addr[64];
	u32 len[64];

	for (unsigned iter = 0; iter < 3000; iter++) {
		int n = (int)(prng_next(&r) % 12) + 1;
		u32 total = 0;
		u64 base = (prng_next(&r) % 0x100000) << 12;

		for (int i = 0; i < n; i++) {
			u64 pages = prng_next(&r) % (iter % 5 == 0 ? 300 : 4) + 1;
			u32 head = 0, tail = 0;

			if (i == 0)
				head = (u32)(prng_next(&r) % 1024) * 4;
			if (i == n - 1)
				tail = (u32)(prng_next(&r) % 1024) * 4;
			addr[i] = base + head;
			len[i] = (u32)(pages * PG) - head - tail;
			if (!len[i])
				len[i] = 4;
			base += (pages + 1 + prng_next(&r) % 3) * PG;
			total += len[i];
		}
		sg_setup(addr, len, n);
		if (nvme_prp_list_pages(nvme_prp_count(addr[0], total)) > NLISTS)
			continue;
		KT_ASSERT_EQ(check_prps(n, total, "random"), 0);
		if (ktest_failed())
			return;
	}
}

/* Lists the PRP rules cannot describe are refused, not mis-described. */
KTEST(nvme_prp, malformed)
{
	static const struct {
		const char *why;
		unsigned n;
		u64 addr[3];
		u32 len[3];
		u32 total;
		int err;
	} t[] = {
		{ "offset not dword aligned", 1, { 0x1002 }, { 512 }, 512, -EINVAL },
		{ "inner entry unaligned start", 2, { 0x1000, 0x5200 }, { 4096, 512 }, 4608, -EINVAL },
		{ "gap after unaligned end", 2, { 0x1200, 0x3200 }, { 4096, 512 }, 4608, -EINVAL },
		{ "inner entry unaligned end", 2, { 0x1000, 0x5000 }, { 2048, 4096 }, 6144, -EINVAL },
		{ "middle entry short", 3, { 0x1000, 0x5000, 0x9000 }, { 4096, 4000, 4096 }, 12192, -EINVAL },
		{ "zero-length entry", 2, { 0x1000, 0x5000 }, { 4096, 0 }, 4096, -EINVAL },
		{ "total too small", 1, { 0x1000 }, { 8192 }, 4096, -EINVAL },
		{ "total too large", 1, { 0x1000 }, { 4096 }, 8192, -EINVAL },
		{ "zero length", 1, { 0x1000 }, { 0 }, 0, -EINVAL },
	};
	u64 prp1, prp2;

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		sg_setup(t[i].addr, t[i].len, (int)t[i].n);
		lists_setup();
		if (nvme_build_prps(sgl, (int)t[i].n, t[i].total, lists, list_dma,
				    NLISTS, &prp1, &prp2) != t[i].err)
			ktest_fail(__FILE__, __LINE__, "%s", t[i].why);
	}
	/* no entries */
	KT_EXPECT_EQ(nvme_build_prps(sgl, 0, 4096, lists, list_dma, NLISTS,
				     &prp1, &prp2), -EINVAL);
}

KTEST(nvme_prp, list_pages_short_or_misaligned)
{
	u64 a = 0x40000;
	u32 len = 1025 * 4096;		/* 1024 list entries: 3 pages */
	dma_addr_t bad[NLISTS];
	u64 prp1, prp2;

	sg_setup(&a, &len, 1);
	lists_setup();
	KT_EXPECT_EQ(nvme_build_prps(sgl, 1, len, lists, list_dma, 2, &prp1, &prp2),
		     -ENOSPC);
	KT_EXPECT_EQ(nvme_build_prps(sgl, 1, len, lists, list_dma, 3, &prp1, &prp2), 0);
	memcpy(bad, list_dma, sizeof(bad));
	bad[1] += 8;
	KT_EXPECT_EQ(nvme_build_prps(sgl, 1, len, lists, bad, NLISTS, &prp1, &prp2),
		     -EINVAL);
	/* two pages: no list page is touched at all */
	len = 8192;
	sg_setup(&a, &len, 1);
	lists_setup();
	KT_EXPECT_EQ(nvme_build_prps(sgl, 1, len, lists, list_dma, 0, &prp1, &prp2), 0);
	KT_EXPECT_EQ(prp1, 0x40000);
	KT_EXPECT_EQ(prp2, 0x41000);
	KT_EXPECT_EQ(lists[0][0], 0xa5a5a5a5a5a5a5a5ULL);
}

/* The exact chaining layout of a 514-page transfer. */
KTEST(nvme_prp, chain_layout)
{
	u64 a = 0x100000;
	u32 len = 514 * 4096;
	u64 prp1, prp2;

	sg_setup(&a, &len, 1);
	lists_setup();
	KT_ASSERT_EQ(nvme_build_prps(sgl, 1, len, lists, list_dma, NLISTS,
				     &prp1, &prp2), 0);
	KT_EXPECT_EQ(prp1, a);
	KT_EXPECT_EQ(prp2, list_dma[0]);
	KT_EXPECT_EQ(lists[0][0], a + PG);
	KT_EXPECT_EQ(lists[0][510], a + 511 * PG);
	KT_EXPECT_EQ(lists[0][511], list_dma[1]);	/* the chain pointer */
	KT_EXPECT_EQ(lists[1][0], a + 512 * PG);
	KT_EXPECT_EQ(lists[1][1], a + 513 * PG);
	/* exactly 512 list entries fit one page without a chain */
	len = 513 * 4096;
	sg_setup(&a, &len, 1);
	lists_setup();
	KT_ASSERT_EQ(nvme_build_prps(sgl, 1, len, lists, list_dma, NLISTS,
				     &prp1, &prp2), 0);
	KT_EXPECT_EQ(lists[0][511], a + 512 * PG);
	KT_EXPECT_EQ(lists[1][0], 0xa5a5a5a5a5a5a5a5ULL);
}

/* ---- SGL ---- */

static struct nvme_sgl_desc *segs[NLISTS];

static struct nvme_sgl_desc *seg_lookup(u64 dma)
{
	for (unsigned i = 0; i < NLISTS; i++)
		if (list_dma[i] == dma)
			return segs[i];
	return NULL;
}

static u8 desc_type(const struct nvme_sgl_desc *d)
{
	KT_EXPECT_EQ(FIELD_GET(NVME_SGL_SUBTYPE, d->type), NVME_SGL_SUBTYPE_ADDR);
	return (u8)FIELD_GET(NVME_SGL_TYPE, d->type);
}

/* Walk an SGL as the controller would; returns data descriptors or -1. */
static long sgl_walk(const struct nvme_sgl_desc *sgl1, u64 *addr, u32 *len,
		     unsigned max)
{
	const struct nvme_sgl_desc *seg;
	unsigned count;
	long n = 0;
	bool last;

	switch (desc_type(sgl1)) {
	case NVME_SGL_TYPE_DATA:
		addr[0] = sgl1->addr;
		len[0] = sgl1->length;
		return 1;
	case NVME_SGL_TYPE_SEGMENT:
	case NVME_SGL_TYPE_LAST_SEG:
		break;
	default:
		return -1;
	}
	last = desc_type(sgl1) == NVME_SGL_TYPE_LAST_SEG;
	seg = seg_lookup(sgl1->addr);
	count = sgl1->length / 16;
	if (!seg || !count || sgl1->length % 16 || count > 256)
		return -1;
	for (;;) {
		for (unsigned i = 0; i < count; i++) {
			u8 t = desc_type(&seg[i]);

			if (t == NVME_SGL_TYPE_DATA) {
				if ((unsigned)n >= max)
					return -1;
				addr[n] = seg[i].addr;
				len[n++] = seg[i].length;
				continue;
			}
			/* a segment pointer: only last, never in the last segment */
			if (last || i != count - 1 ||
			    (t != NVME_SGL_TYPE_SEGMENT && t != NVME_SGL_TYPE_LAST_SEG))
				return -1;
			last = t == NVME_SGL_TYPE_LAST_SEG;
			count = seg[i].length / 16;
			seg = seg_lookup(seg[i].addr);
			if (!seg || !count || count > 256)
				return -1;
			goto next_segment;
		}
		return last ? n : -1;
next_segment:;
	}
}

static u64 sgl_addr[MAX_ENTS];
static u32 sgl_len[MAX_ENTS];

KTEST(nvme_sgl, layouts)
{
	static const unsigned counts[] = { 1, 2, 3, 255, 256, 257, 511, 512, 766,
					   767, 1000, 1300 };

	for (unsigned c = 0; c < ARRAY_SIZE(counts); c++) {
		unsigned n = counts[c];
		struct nvme_sgl_desc sgl1;
		u32 total = 0;
		long got_n;

		for (unsigned i = 0; i < NLISTS; i++) {
			if (!segs[i])
				segs[i] = aligned_alloc(PG, PG);
			memset(segs[i], 0x5a, PG);
			list_dma[i] = LIST_BASE + i * 5 * PG;
		}
		sg_init_table(sgl, n);
		for (unsigned i = 0; i < n; i++) {
			sgl[i].dma_address = 0x300000000ULL + i * 0x10000 + (i % 7) * 512;
			sgl[i].dma_length = 512 * (1 + i % 9);
			total += sgl[i].dma_length;
		}
		KT_ASSERT_EQ(nvme_build_sgl(sgl, (int)n, total, segs, list_dma,
					    NLISTS, &sgl1), 0);
		got_n = sgl_walk(&sgl1, sgl_addr, sgl_len, MAX_ENTS);
		KT_ASSERT_EQ(got_n, n);
		for (unsigned i = 0; i < n; i++) {
			KT_EXPECT_EQ(sgl_addr[i], sgl[i].dma_address);
			KT_EXPECT_EQ(sgl_len[i], sgl[i].dma_length);
		}
		KT_EXPECT_EQ(nvme_sgl_seg_pages(n),
			     n == 1 ? 0 : n <= 256 ? 1 : 1 + (n - 256 + 254) / 255);
	}
}

KTEST(nvme_sgl, malformed)
{
	struct nvme_sgl_desc sgl1;
	u64 a[2] = { 0x1000, 0x2000 };
	u32 l[2] = { 512, 0 };

	for (unsigned i = 0; i < NLISTS; i++)
		list_dma[i] = LIST_BASE + i * PG;
	sg_setup(a, l, 2);
	KT_EXPECT_EQ(nvme_build_sgl(sgl, 2, 512, segs, list_dma, NLISTS, &sgl1), -EINVAL);
	l[1] = 512;
	sg_setup(a, l, 2);
	KT_EXPECT_EQ(nvme_build_sgl(sgl, 2, 2048, segs, list_dma, NLISTS, &sgl1), -EINVAL);
	KT_EXPECT_EQ(nvme_build_sgl(sgl, 2, 1024, segs, list_dma, 0, &sgl1), -ENOSPC);
	list_dma[0] += 4;
	KT_EXPECT_EQ(nvme_build_sgl(sgl, 2, 1024, segs, list_dma, NLISTS, &sgl1), -EINVAL);
	KT_EXPECT_EQ(nvme_build_sgl(sgl, 0, 1024, segs, list_dma, NLISTS, &sgl1), -EINVAL);
	/* a single entry needs no segment page at all */
	KT_EXPECT_EQ(nvme_build_sgl(sgl, 1, 512, segs, list_dma, 0, &sgl1), 0);
	KT_EXPECT_EQ(desc_type(&sgl1), NVME_SGL_TYPE_DATA);
	KT_EXPECT_EQ(sgl1.addr, 0x1000);
	KT_EXPECT_EQ(sgl1.length, 512);
}
