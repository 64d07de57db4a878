/*
 * test_sg.c - host tests of the page-less scatterlist: init, set, chain,
 * walk, the debug magic BUGs, tables from the chunk pool across chunk
 * boundaries and on exhaustion, and blk_map_sg() merging at the limits.
 */
#include "blkdev_driver.h"
#include "block_host.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "scatterlist.h"
#include "unit.h"

KTEST(sg, init_set_next_chain)
{
	struct scatterlist a[3], b[2], *sg;
	unsigned i, n = 0;

	sg_init_table(a, 3);
	sg_init_table(b, 2);
	KT_EXPECT(sg_is_last(&a[2]) && !sg_is_last(&a[1]));
	sg_set_pfn(&a[0], __pfn_to_pfn_t(7, 0), 100, 4096 + 12);
	KT_EXPECT_EQ(pfn_t_to_pfn(a[0].pfn), 8);
	KT_EXPECT_EQ(a[0].offset, 12);
	KT_EXPECT_EQ(sg_phys(&a[0]), 8 * 4096 + 12);
	sg_set_pfn(&a[1], __pfn_to_pfn_t(9, PFN_DEV | PFN_PMEM), 200, 0);
	KT_EXPECT(pfn_t_is_pmem(a[1].pfn));
	sg_chain(a, 3, b);
	sg_set_pfn(&b[0], __pfn_to_pfn_t(10, 0), 300, 0);
	sg_set_pfn(&b[1], __pfn_to_pfn_t(11, 0), 400, 0);
	KT_EXPECT(sg_next(&a[1]) == &b[0]);
	KT_EXPECT(sg_next(&b[1]) == NULL);
	KT_EXPECT_EQ(sg_nents(a), 4);
	for_each_sg(a, sg, 4, i)
		n += sg->length;
	KT_EXPECT_EQ(n, 1000);
	KT_EXPECT(sg_last(a, 4) == &b[1]);
	sg_mark_end(&a[0]);
	KT_EXPECT_EQ(sg_nents(a), 1);
	sg_unmark_end(&a[0]);
	KT_EXPECT_EQ(sg_nents(a), 4);
	sg_init_one(&b[0], __pfn_to_pfn_t(3, 0), 64, 8);
	KT_EXPECT(sg_is_last(&b[0]) && b[0].length == 64);
}

static void next_of(void *arg)
{
	sg_next(arg);
}

static void set_chain_entry(void *arg)
{
	sg_set_pfn(arg, __pfn_to_pfn_t(1, 0), 1, 0);
}

KTEST(sg, debug_magic_catches_bad_entries)
{
	struct scatterlist a[3], b[2], junk[2];

	memset(junk, 0xa5, sizeof(junk));
	KT_EXPECT(host_catch_panic(next_of, junk));
	KT_EXPECT(strstr(host_panic_message(), "bad scatterlist") != NULL);
	/* walking off an unterminated table hits an uninitialised entry */
	sg_init_table(a, 3);
	memset(&a[2], 0, sizeof(a[2]));
	KT_EXPECT(host_catch_panic(next_of, &a[1]));
	sg_init_table(a, 3);
	sg_init_table(b, 2);
	sg_chain(a, 3, b);
	KT_EXPECT(host_catch_panic(set_chain_entry, &a[2]));
}

KTEST(sg, alloc_table_across_chunks)
{
	static const struct { unsigned nents, max; } t[] = {
		{ 1, 4 }, { 4, 4 }, { 5, 4 }, { 7, 4 }, { 8, 4 }, { 10, 4 },
		{ 3, 2 }, { 2, 2 }, { 102, SG_CHUNK_SIZE }, { 103, SG_CHUNK_SIZE },
		{ 300, SG_CHUNK_SIZE },
	};

	host_blk_setup(0, 0, 8);
	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		struct sg_table tb;
		struct scatterlist *sg;
		unsigned k, chunks, per = t[i].max - 1;

		KT_ASSERT_EQ(__sg_alloc_table(&tb, t[i].nents, t[i].max), 0);
		KT_EXPECT_EQ(tb.orig_nents, t[i].nents);
		KT_EXPECT_EQ(sg_nents(tb.sgl), t[i].nents);
		chunks = t[i].nents <= t[i].max ? 1 :
			 (t[i].nents - 1 + per - 1) / per;
		if (t[i].nents > t[i].max && (t[i].nents - 1) % per == 0)
			chunks = (t[i].nents - 1) / per;
		KT_EXPECT_EQ(8 - sg_pool_free_chunks(), chunks);
		for_each_sg(tb.sgl, sg, t[i].nents, k)
			sg_set_pfn(sg, __pfn_to_pfn_t(k, 0), 512, 0);
		KT_EXPECT(sg_is_last(sg_last(tb.sgl, t[i].nents)));
		sg_free_table(&tb);
		KT_EXPECT_EQ(sg_pool_free_chunks(), 8);
	}
	host_blk_teardown();
}

KTEST(sg, alloc_table_exhaustion_keeps_nothing)
{
	struct sg_table a, b;

	host_blk_setup(0, 0, 3);
	KT_ASSERT_EQ(__sg_alloc_table(&a, 5, 4), 0);		/* 2 chunks */
	KT_EXPECT_EQ(__sg_alloc_table(&b, 10, 4), -ENOMEM);	/* needs 3 */
	KT_EXPECT_EQ(sg_pool_free_chunks(), 1);
	KT_EXPECT_EQ(__sg_alloc_table(&b, 20, 2), -ENOMEM);
	KT_EXPECT_EQ(sg_pool_free_chunks(), 1);
	KT_EXPECT_EQ(__sg_alloc_table(&b, 0, 4), -EINVAL);
	KT_EXPECT_EQ(__sg_alloc_table(&b, 4, 1), -EINVAL);
	KT_EXPECT_EQ(__sg_alloc_table(&b, 4, SG_CHUNK_SIZE + 1), -EINVAL);
	sg_free_table(&a);
	/* max 2: every chunk holds one entry and a link; fail mid-way */
	KT_EXPECT_EQ(__sg_alloc_table(&b, 5, 2), -ENOMEM);
	KT_EXPECT_EQ(sg_pool_free_chunks(), 3);
	KT_ASSERT_EQ(__sg_alloc_table(&b, 4, 2), 0);
	KT_EXPECT_EQ(sg_pool_free_chunks(), 0);
	sg_free_table(&b);
	KT_EXPECT_EQ(sg_pool_free_chunks(), 3);
	host_blk_teardown();
	KT_EXPECT_EQ(host_blk_allocs_live, 0);
}

struct mvec { u64 phys; u32 len; u64 flags; };
#define V(p, l) { p, l, 0 }
#define VP(p, l) { p, l, PFN_DEV | PFN_PMEM }
struct ment { u64 phys; u32 len; };

KTEST(sg, map_sg_merges_within_limits)
{
	static const struct {
		const char *what;
		u32 segsz;
		u64 bound;
		struct mvec v[4];
		struct ment e[6];
		u32 merges;
	} t[] = {
		{ "contiguous vecs merge", 65536, 0xffffffff,
		  { V(0x10000, 4096), V(0x11000, 4096) }, { { 0x10000, 8192 } }, 1 },
		{ "gap: two entries", 65536, 0xffffffff,
		  { V(0x10000, 4096), V(0x12000, 4096) },
		  { { 0x10000, 4096 }, { 0x12000, 4096 } }, 0 },
		{ "segment size caps a merge", 6144, 0xffffffff,
		  { V(0x10000, 4096), V(0x11000, 4096) },
		  { { 0x10000, 6144 }, { 0x11800, 2048 } }, 1 },
		{ "boundary stops a merge", 65536, 0x1fff,
		  { V(0x11000, 2048), V(0x11800, 4096) },
		  { { 0x11000, 4096 }, { 0x12000, 2048 } }, 1 },
		{ "big vec cut at segment size", 8192, 0xffffffff,
		  { V(0x20000, 20480) },
		  { { 0x20000, 8192 }, { 0x22000, 8192 }, { 0x24000, 4096 } }, 0 },
		{ "pmem next to ram: no merge", 65536, 0xffffffff,
		  { V(0x10000, 4096), VP(0x11000, 4096) },
		  { { 0x10000, 4096 }, { 0x11000, 4096 } }, 0 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		struct queue_limits lim;
		struct scatterlist sgl[8], *sg;
		struct bio_vec vecs[4];
		struct bio b;
		u32 merges = 0;
		unsigned ne = 0, k;
		int n;

		blk_set_default_limits(&lim);
		lim.max_segment_size = t[i].segsz;
		lim.seg_boundary_mask = t[i].bound;
		/* vecs built directly: bio_add_pfn would merge them itself */
		bio_init(&b, NULL, vecs, 4, REQ_OP_WRITE);
		for (k = 0; k < 4 && t[i].v[k].len; k++) {
			vecs[k].bv_pfn = __pfn_to_pfn_t(t[i].v[k].phys >> 12, t[i].v[k].flags);
			vecs[k].bv_offset = t[i].v[k].phys & 4095;
			vecs[k].bv_len = t[i].v[k].len;
			b.bi_iter.bi_size += t[i].v[k].len;
			b.bi_vcnt++;
		}
		while (ne < 6 && t[i].e[ne].len)
			ne++;
		sg_init_table(sgl, 8);
		n = blk_map_sg(&lim, vecs, b.bi_iter, sgl, &merges);
		if (n != (int)ne) {
			ktest_fail(__FILE__, __LINE__, "%s: %d entries, want %u",
				   t[i].what, n, ne);
			continue;
		}
		for_each_sg(sgl, sg, n, k) {
			if (sg_phys(sg) != t[i].e[k].phys || sg->length != t[i].e[k].len)
				ktest_fail(__FILE__, __LINE__, "%s: entry %u is 0x%llx+%u",
					   t[i].what, k, (unsigned long long)sg_phys(sg),
					   sg->length);
		}
		KT_EXPECT(sg_is_last(&sgl[n - 1]));
		KT_EXPECT_EQ(merges, t[i].merges);
	}
}

static void map_too_short(void *arg)
{
	struct queue_limits lim;
	struct scatterlist sgl[2];
	struct bio_vec vecs[3];
	struct bvec_iter it = { .bi_size = 3 * 512 };

	(void)arg;
	blk_set_default_limits(&lim);
	for (int k = 0; k < 3; k++) {
		vecs[k].bv_pfn = __pfn_to_pfn_t(10 * (k + 1), 0);
		vecs[k].bv_offset = 0;
		vecs[k].bv_len = 512;
	}
	sg_init_table(sgl, 2);
	blk_map_sg(&lim, vecs, it, sgl, NULL);
}

KTEST(sg, map_sg_short_list_is_a_bug)
{
	KT_EXPECT(host_catch_panic(map_too_short, NULL));
	KT_EXPECT(strstr(host_panic_message(), "too short") != NULL);
}

KTEST(sg, map_sg_into_chained_table)
{
	struct queue_limits lim;
	struct bio_vec vecs[12];
	struct bvec_iter it = { 0 };
	struct sg_table tb;
	struct scatterlist *sg;
	unsigned k;
	int n;

	host_blk_setup(0, 0, 4);
	blk_set_default_limits(&lim);
	for (k = 0; k < 12; k++) {
		vecs[k].bv_pfn = __pfn_to_pfn_t(100 + 2 * k, 0);
		vecs[k].bv_offset = 0;
		vecs[k].bv_len = 4096;
		it.bi_size += 4096;
	}
	KT_ASSERT_EQ(__sg_alloc_table(&tb, 12, 4), 0);	/* 4 chunks */
	n = blk_map_sg(&lim, vecs, it, tb.sgl, NULL);
	KT_EXPECT_EQ(n, 12);
	for_each_sg(tb.sgl, sg, n, k)
		KT_EXPECT_EQ(sg_phys(sg), (100 + 2 * k) * 4096ULL);
	KT_EXPECT(sg_next(sg_last(tb.sgl, 12)) == NULL);
	sg_free_table(&tb);
	host_blk_teardown();
}
