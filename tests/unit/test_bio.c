/*
 * test_bio.c - host tests of the block layer core: the bio pool, building
 * and iterating bios, split points at every queue limit, chaining and error
 * propagation, double-completion BUGs, the checks submit_bio() makes before
 * any byte moves, registration, and the request path (tags, waiting by
 * "interrupt" and by polling, -EBUSY, errors). Random tests seed from
 * ktest_seed() (PFNOS_SEED=n repeats the run) and print it.
 */
#include <stdio.h>
#include <stdlib.h>
#include "block/blk.h"
#include "block_host.h"
#include "errno.h"
#include "irq.h"
#include "ktest.h"
#include "lib.h"
#include "scatterlist.h"
#include "unit.h"

static pfn_t P(u64 pfn)
{
	return __pfn_to_pfn_t(pfn, 0);
}

static u64 test_seed(void)
{
	u64 seed = ktest_seed();

	ktest_log("seed %llu", (unsigned long long)seed);
	return seed;
}

/* ---- a bio-based test disk that records what reaches the driver ---- */
#define MAX_PIECES 64
struct piece {
	sector_t sector;
	u32 size;
	u32 opf;
	u16 vcnt;
};

static struct tdisk {
	struct gendisk disk;
	struct piece pieces[MAX_PIECES];
	unsigned nr_pieces;
	int fail_piece;		/* piece index completed with fail_status */
	int fail_status;
	bool defer;		/* keep bios for the test to complete */
	struct bio *held[MAX_PIECES];
	unsigned nr_held;
	unsigned depth, max_depth;
} td;

static void td_submit(struct bio *bio)
{
	unsigned i = td.nr_pieces++;

	KT_ASSERT(i < MAX_PIECES);
	td.depth++;
	if (td.depth > td.max_depth)
		td.max_depth = td.depth;
	td.pieces[i].sector = bio->bi_iter.bi_sector;
	td.pieces[i].size = bio->bi_iter.bi_size;
	td.pieces[i].opf = bio->bi_opf;
	if (td.defer)
		td.held[td.nr_held++] = bio;
	else
		bio_endio_status(bio, (int)i == td.fail_piece ? td.fail_status : 0);
	td.depth--;
}

static const struct block_device_operations td_ops = {
	.submit_bio = td_submit,
};

static void td_setup(u32 lbs, sector_t capacity)
{
	host_blk_setup(64, 8, 0);
	if (blk_find_disk("tdisk"))
		blk_unregister_disk(blk_find_disk("tdisk"));
	memset(&td, 0, sizeof(td));
	td.fail_piece = -1;
	strlcpy(td.disk.disk_name, "tdisk", DISK_NAME_LEN);
	td.disk.capacity = capacity;
	td.disk.fops = &td_ops;
	blk_set_default_limits(&td.disk.limits);
	td.disk.limits.logical_block_size = lbs;
	td.disk.limits.physical_block_size = lbs;
	if (blk_register_disk(&td.disk))
		abort();
}

static void td_teardown(void)
{
	blk_unregister_disk(&td.disk);
	host_blk_teardown();
}

/* completion recorder */
static struct {
	unsigned calls;
	int status;
	struct bio *bio;
} done;

static void rec_endio(struct bio *bio)
{
	done.calls++;
	done.status = bio->bi_status;
	done.bio = bio;
}

/* ---- pool ---- */
KTEST(bio, pool_alloc_put_exhaustion)
{
	struct bio *b[5];

	host_blk_setup(4, 2, 0);
	for (int i = 0; i < 4; i++) {
		b[i] = bio_alloc(NULL, i < 2 ? 1 : 100, REQ_OP_READ);
		KT_ASSERT(b[i]);
	}
	KT_EXPECT_EQ(bio_pool_free_bios(), 0);
	KT_EXPECT_EQ(bio_pool_free_tables(), 0);
	KT_EXPECT(bio_alloc(NULL, 1, REQ_OP_READ) == NULL);
	KT_EXPECT_EQ(b[2]->bi_max_vecs, BIO_MAX_VECS);
	KT_EXPECT_EQ(b[0]->bi_max_vecs, BIO_INLINE_VECS);
	bio_put(b[0]);
	/* a bio is free but no table: a big request fails without taking it */
	KT_EXPECT(bio_alloc(NULL, 5, REQ_OP_READ) == NULL);
	KT_EXPECT_EQ(bio_pool_free_bios(), 1);
	KT_EXPECT(bio_alloc(NULL, BIO_MAX_VECS + 1, REQ_OP_READ) == NULL);
	bio_put(b[2]);
	b[0] = bio_alloc(NULL, BIO_MAX_VECS, REQ_OP_WRITE);
	KT_ASSERT(b[0]);
	KT_EXPECT_EQ(bio_pool_free_tables(), 0);
	bio_put(b[0]);
	bio_put(b[1]);
	bio_put(b[3]);
	KT_EXPECT_EQ(bio_pool_free_bios(), 4);
	KT_EXPECT_EQ(bio_pool_free_tables(), 2);
	host_blk_teardown();
	KT_EXPECT_EQ(host_blk_allocs_live, 0);
}

KTEST(bio, pool_init_failure_unwinds)
{
	host_blk_setup(0, 0, 0);
	host_blk_alloc_fail_after = 1;		/* bios ok, tables fail */
	KT_EXPECT_EQ(bio_pool_init(8, 8), -ENOMEM);
	KT_EXPECT_EQ(host_blk_allocs_live, 0);
	host_blk_alloc_fail_after = -1;
	KT_EXPECT_EQ(bio_pool_init(0, 8), -EINVAL);
	KT_EXPECT_EQ(bio_pool_init(8, 0), 0);
	KT_EXPECT(bio_alloc(NULL, 5, REQ_OP_READ) == NULL);
	host_blk_teardown();
	KT_EXPECT_EQ(host_blk_allocs_live, 0);
}

static void double_put(void *arg)
{
	bio_put(arg);
}

static void double_endio(void *arg)
{
	bio_endio(arg);
}

static void put_stack_bio(void *arg)
{
	bio_put(arg);
}

KTEST(bio, double_completion_and_free_are_bugs)
{
	struct bio *b, sb;

	host_blk_setup(4, 0, 0);
	b = bio_alloc(NULL, 1, REQ_OP_READ);
	KT_ASSERT(b);
	b->bi_end_io = rec_endio;
	done.calls = 0;
	bio_endio(b);
	KT_EXPECT_EQ(done.calls, 1);
	KT_EXPECT(host_catch_panic(double_endio, b));
	KT_EXPECT(strstr(host_panic_message(), "completed") != NULL);
	KT_EXPECT_EQ(done.calls, 1);
	bio_put(b);
	KT_EXPECT(host_catch_panic(double_put, b));
	KT_EXPECT(strstr(host_panic_message(), "freed") != NULL);
	KT_EXPECT(host_catch_panic(double_endio, b));
	bio_init(&sb, NULL, NULL, 0, REQ_OP_READ);
	KT_EXPECT(host_catch_panic(put_stack_bio, &sb));
	KT_EXPECT_EQ(bio_pool_free_bios(), 4);
	host_blk_teardown();
}

/* ---- building and iterating ---- */
KTEST(bio, add_pfn_merges_and_limits)
{
	struct bio_vec vecs[3];
	struct bio b;

	bio_init(&b, NULL, vecs, 3, REQ_OP_WRITE);
	KT_EXPECT_EQ(bio_add_pfn(&b, P(10), 0, 0), -EINVAL);
	KT_ASSERT_EQ(bio_add_pfn(&b, P(10), 100, 4000), 0);
	/* continues physically: merged, crossing into pfn 11 */
	KT_ASSERT_EQ(bio_add_pfn(&b, P(11), 4096, 4), 0);
	KT_EXPECT_EQ(b.bi_vcnt, 1);
	KT_EXPECT_EQ(vecs[0].bv_len, 4196);
	/* offset beyond a page is normalised onto the right frame */
	KT_ASSERT_EQ(bio_add_pfn(&b, P(20), 512, 3 * 4096 + 8), 0);
	KT_EXPECT_EQ(b.bi_vcnt, 2);
	KT_EXPECT_EQ(pfn_t_to_pfn(vecs[1].bv_pfn), 23);
	KT_EXPECT_EQ(vecs[1].bv_offset, 8);
	/* same address, different flags: not merged */
	KT_ASSERT_EQ(bio_add_pfn(&b, __pfn_to_pfn_t(23, PFN_DEV | PFN_PMEM), 8, 520), 0);
	KT_EXPECT_EQ(b.bi_vcnt, 3);
	KT_EXPECT_EQ(bio_add_pfn(&b, P(40), 512, 0), -ENOSPC);
	/* but a contiguous piece still merges into the last vec */
	KT_EXPECT_EQ(bio_add_pfn(&b, __pfn_to_pfn_t(23, PFN_DEV | PFN_PMEM), 8, 528), 0);
	KT_EXPECT_EQ(b.bi_iter.bi_size, 100 + 4096 + 512 + 16);
	KT_EXPECT_EQ(bio_add_pfn(&b, __pfn_to_pfn_t(23, PFN_DEV | PFN_PMEM), 0xfffff000u, 536),
		     -EOVERFLOW);
}

KTEST(bio, segment_and_bvec_iteration)
{
	struct bio_vec vecs[4], bv;
	struct bvec_iter it;
	struct bio b;
	/* pieces: (pfn, off, len) */
	static const struct { u64 pfn; u32 off, len; } in[] = {
		{ 100, 3584, 9216 },	/* 512 in 100, 4096 in 101, 4096 in 102, 512 in 103 */
		{ 200, 0, 512 },
		{ 300, 100, 3996 },
	};
	static const struct { u64 pfn; u32 off, len; } seg[] = {
		{ 100, 3584, 512 }, { 101, 0, 4096 }, { 102, 0, 4096 },
		{ 103, 0, 512 }, { 200, 0, 512 }, { 300, 100, 3996 },
	};
	unsigned n = 0;
	u32 total = 0;

	bio_init(&b, NULL, vecs, 4, REQ_OP_READ);
	for (unsigned i = 0; i < ARRAY_SIZE(in); i++)
		KT_ASSERT_EQ(bio_add_pfn(&b, P(in[i].pfn), in[i].len, in[i].off), 0);
	bio_for_each_segment(bv, &b, it) {
		KT_ASSERT(n < ARRAY_SIZE(seg));
		KT_EXPECT_EQ(pfn_t_to_pfn(bv.bv_pfn), seg[n].pfn);
		KT_EXPECT_EQ(bv.bv_offset, seg[n].off);
		KT_EXPECT_EQ(bv.bv_len, seg[n].len);
		n++;
	}
	KT_EXPECT_EQ(n, ARRAY_SIZE(seg));
	n = 0;
	bio_for_each_bvec(bv, &b, it) {
		KT_EXPECT_EQ(bv.bv_len, in[n].len);
		total += bv.bv_len;
		n++;
	}
	KT_EXPECT_EQ(n, 3);
	KT_EXPECT_EQ(total, b.bi_iter.bi_size);

	/* advance into the middle of the first vec's third frame */
	b.bi_iter.bi_sector = 1000;
	bio_advance(&b, 512 + 4096 + 1024);
	KT_EXPECT_EQ(b.bi_iter.bi_sector, 1011);
	KT_EXPECT_EQ(b.bi_iter.bi_idx, 0);
	KT_EXPECT_EQ(b.bi_iter.bi_bvec_done, 5632);
	n = 0;
	bio_for_each_segment(bv, &b, it) {
		if (n == 0) {
			KT_EXPECT_EQ(pfn_t_to_pfn(bv.bv_pfn), 102);
			KT_EXPECT_EQ(bv.bv_offset, 1024);
			KT_EXPECT_EQ(bv.bv_len, 3072);
		}
		n++;
	}
	KT_EXPECT_EQ(n, 4);
	/* advance exactly to a vec end, then across the rest */
	bio_advance(&b, 3072 + 512);
	KT_EXPECT_EQ(b.bi_iter.bi_idx, 1);
	KT_EXPECT_EQ(b.bi_iter.bi_bvec_done, 0);
	bio_advance(&b, 512 + 3996);
	KT_EXPECT_EQ(b.bi_iter.bi_size, 0);
	it = b.bi_iter;
	it.bi_size = 0;
	KT_EXPECT(!bvec_iter_advance(vecs, &it, 1));
}

/* ---- split points ---- */
struct vspec { u64 phys; u32 len; };

static void build(struct bio *b, struct bio_vec *vecs, unsigned max,
		  const struct vspec *v, unsigned n)
{
	bio_init(b, NULL, vecs, max, REQ_OP_WRITE);
	for (unsigned i = 0; i < n && v[i].len; i++)
		if (bio_add_pfn(b, P(v[i].phys >> PAGE_SHIFT), v[i].len,
				v[i].phys & (PAGE_SIZE - 1)))
			abort();
}

enum { L_DEF, L_SECT, L_SEGS, L_SEGSZ, L_BOUND, L_VIRT, L_VIRT4K, L_4K };

static void limits_for(int kind, struct queue_limits *lim)
{
	blk_set_default_limits(lim);
	switch (kind) {
	case L_SECT: lim->max_hw_sectors = 16; break;		/* 8 KiB */
	case L_SEGS: lim->max_segments = 2; break;
	case L_SEGSZ: lim->max_segment_size = 4096; break;
	case L_BOUND: lim->seg_boundary_mask = 0xffff; break;	/* 64 KiB */
	case L_VIRT: lim->virt_boundary_mask = 4095; break;
	case L_VIRT4K:
		lim->virt_boundary_mask = 4095;
		lim->logical_block_size = 4096;
		lim->physical_block_size = 4096;
		break;
	case L_4K:
		lim->logical_block_size = 4096;
		lim->physical_block_size = 4096;
		lim->max_segments = 3;
		break;
	}
}

KTEST(bio, split_point_table)
{
	static const struct {
		const char *what;
		int lim;
		struct vspec v[5];
		long bytes;
		u32 nsegs;
	} t[] = {
		{ "fits", L_DEF, { { 0x10000, 8192 } }, 8192, 1 },
		{ "max sectors", L_SECT, { { 0x10000, 12288 } }, 8192, 1 },
		{ "max sectors exact", L_SECT, { { 0x10000, 8192 } }, 8192, 1 },
		{ "max sectors mid-vec, 2nd vec", L_SECT,
		  { { 0x10000, 4096 }, { 0x30000, 8192 } }, 8192, 2 },
		{ "max segments", L_SEGS,
		  { { 0x10000, 512 }, { 0x30000, 1024 }, { 0x50000, 512 } }, 1536, 2 },
		{ "max segments exact", L_SEGS,
		  { { 0x10000, 512 }, { 0x30000, 1024 } }, 1536, 2 },
		{ "segment size inside a vec", L_SEGSZ,
		  { { 0x10000, 4096 * 200 } }, 128 * 4096, 128 },
		{ "segment size, unaligned start", L_SEGSZ,
		  { { 0x10200, 4096 * 2 } }, 8192, 2 },
		{ "seg boundary", L_BOUND,
		  { { 0x1f000, 8192 } }, 8192, 2 },
		{ "virt boundary ok", L_VIRT,
		  { { 0x10200, 3584 }, { 0x30000, 4096 }, { 0x50000, 1024 } }, 8704, 3 },
		{ "virt gap: end not aligned", L_VIRT,
		  { { 0x10000, 1024 }, { 0x30000, 4096 } }, 1024, 1 },
		{ "virt gap: start not aligned", L_VIRT,
		  { { 0x10000, 4096 }, { 0x30200, 512 } }, 4096, 1 },
		{ "virt gap rounded to lbs", L_VIRT,
		  { { 0x10000, 4096 }, { 0x20000, 700 }, { 0x30000, 324 } }, 4608, 2 },
		{ "virt gap below lbs", L_VIRT4K,
		  { { 0x10000, 1024 }, { 0x30000, 3072 } }, -EINVAL, 1 },
		{ "4k lbs: segs end mid-block", L_4K,
		  { { 0x10000, 4096 }, { 0x30000, 2048 }, { 0x50000, 1024 },
		    { 0x70000, 1024 } }, 4096, 3 },
		{ "4k lbs: fits", L_4K,
		  { { 0x10000, 4096 }, { 0x30000, 2048 }, { 0x50000, 2048 } }, 8192, 3 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		struct queue_limits lim;
		struct bio_vec vecs[8];
		struct bio b;
		u32 nsegs = 0;
		long got;

		limits_for(t[i].lim, &lim);
		build(&b, vecs, 8, t[i].v, 5);
		got = blk_split_bytes(vecs, b.bi_iter, &lim, &nsegs);
		if (got != t[i].bytes || (got > 0 && nsegs != t[i].nsegs))
			ktest_fail(__FILE__, __LINE__, "%s: %ld bytes %u segs, want %ld %u",
				   t[i].what, got, nsegs, t[i].bytes, t[i].nsegs);
	}
}

/* Check one piece [iter, iter+bytes) against lim and its sg mapping. */
static void check_piece(const struct bio_vec *vecs, struct bvec_iter it,
			u32 bytes, u32 nsegs, const struct queue_limits *lim,
			bool last)
{
	struct scatterlist sgl[600], *sg;
	struct bio_vec bv;
	struct bvec_iter i2;
	u64 prev_end = 0, pos;
	bool first = true;
	int n, k;

	KT_ASSERT(bytes <= (u64)lim->max_hw_sectors << SECTOR_SHIFT);
	KT_ASSERT(nsegs <= lim->max_segments);
	if (!last)
		KT_ASSERT(bytes % lim->logical_block_size == 0);
	it.bi_size = bytes;
	/* virt boundary: inner vec edges aligned */
	for (i2 = it; i2.bi_size; bvec_iter_advance(vecs, &i2, bv.bv_len)) {
		bv = bvec_iter_bvec(vecs, i2);
		if (!first && lim->virt_boundary_mask)
			KT_ASSERT(!(bvec_phys(&bv) & lim->virt_boundary_mask) &&
				  !(prev_end & lim->virt_boundary_mask));
		prev_end = bvec_phys(&bv) + bv.bv_len;
		first = false;
	}
	sg_init_table(sgl, nsegs ? nsegs : 1);
	n = blk_map_sg(lim, vecs, it, sgl, NULL);
	KT_ASSERT((u32)n <= nsegs);
	/* the entries are the piece's bytes in order, within the limits */
	i2 = it;
	pos = 0;
	for_each_sg(sgl, sg, n, k) {
		u64 p = sg_phys(sg);

		KT_ASSERT(sg->length && sg->length <= lim->max_segment_size);
		KT_ASSERT((p | lim->seg_boundary_mask) ==
			  ((p + sg->length - 1) | lim->seg_boundary_mask));
		for (u32 done = 0; done < sg->length;) {
			bv = bvec_iter_bvec(vecs, i2);
			u32 take = min_t(u32, bv.bv_len, sg->length - done);

			KT_ASSERT_EQ(bvec_phys(&bv), p + done);
			done += take;
			bvec_iter_advance(vecs, &i2, take);
		}
		pos += sg->length;
	}
	KT_ASSERT_EQ(pos, bytes);
	KT_ASSERT(sg_is_last(&sgl[n - 1]));
}

KTEST(bio, split_random_pieces_obey_limits)
{
	struct prng r = { test_seed() };
	unsigned nr_pieces = 0, nr_unsplittable = 0;

	for (int round = 0; round < 3000; round++) {
		struct queue_limits lim;
		struct bio_vec vecs[64];
		struct bio b;
		struct bvec_iter it;
		unsigned nv = 1 + prng_next(&r) % 40;
		u64 phys = 0x100000;
		u32 lbs = (prng_next(&r) & 1) ? 512 : 4096;
		u64 x = prng_next(&r);
		bool odd = false;	/* some vec edge not on a sector */

		blk_set_default_limits(&lim);
		lim.logical_block_size = lim.physical_block_size = lbs;
		lim.dma_alignment = 3;
		lim.max_hw_sectors = (u32)(lbs / 512) * (u32)(1 + (x & 63));
		if (lim.max_hw_sectors < 8)
			lim.max_hw_sectors = 8;
		lim.max_segments = 1 + (u32)((x >> 8) % 12);
		lim.max_segment_size = 4096u << ((x >> 16) % 5);
		lim.seg_boundary_mask = (x >> 20) & 1 ? 0x3fff : 0xffffffff;
		lim.virt_boundary_mask = (x >> 21) & 1 ? 4095 : 0;
		KT_ASSERT_EQ(blk_validate_limits(&lim, "rand"), 0);

		bio_init(&b, NULL, vecs, 64, REQ_OP_READ);
		for (unsigned i = 0; i < nv; i++) {
			u64 y = prng_next(&r);
			u32 len = (y & 3) == 0 ? 4 * (1 + (u32)((y >> 4) % 2048))
						: 512 * (1 + (u32)((y >> 4) % 24));

			if ((y >> 30) & 1)	/* gap: not contiguous */
				phys += 4096 * (1 + ((y >> 31) % 8)) + 4 * ((y >> 40) % 1024);
			if (bio_add_pfn(&b, P(phys >> 12), len, phys & 4095))
				break;
			odd |= ((phys | len) & 511) != 0;
			phys += len;
		}
		/* whole blocks only */
		b.bi_iter.bi_size = ALIGN_DOWN(b.bi_iter.bi_size, lbs);
		if (!b.bi_iter.bi_size)
			continue;
		it = b.bi_iter;
		while (it.bi_size) {
			u32 nsegs;
			long n = blk_split_bytes(vecs, it, &lim, &nsegs);

			if (n < 0) {
				/* only when a lbs-aligned piece cannot be made */
				KT_ASSERT(lim.virt_boundary_mask || lbs > 512 || odd);
				nr_unsplittable++;
				break;
			}
			nr_pieces++;
			KT_ASSERT(n > 0 && (u32)n <= it.bi_size);
			check_piece(vecs, it, (u32)n, nsegs, &lim, (u32)n == it.bi_size);
			if (ktest_failed()) {
				ktest_log("round %d lbs %u maxsec %u segs %u segsz %u bnd %llx virt %llx",
					  round, lbs, lim.max_hw_sectors, lim.max_segments,
					  lim.max_segment_size,
					  (unsigned long long)lim.seg_boundary_mask,
					  (unsigned long long)lim.virt_boundary_mask);
				return;
			}
			bvec_iter_advance(vecs, &it, (u32)n);
		}
	}
	ktest_log("%u pieces, %u bios not splittable", nr_pieces, nr_unsplittable);
	KT_EXPECT(nr_pieces > 8000 && nr_unsplittable < 2000);
}

/* ---- chaining ---- */
KTEST(bio, chain_parent_once_first_error)
{
	static const struct {
		int order[4];		/* completion order: 0..2 children, 3 parent */
		int status[4];
		int want;
	} t[] = {
		{ { 0, 1, 2, 3 }, { 0, 0, 0, 0 }, 0 },
		{ { 3, 2, 1, 0 }, { 0, -EIO, 0, 0 }, -EIO },
		{ { 2, 0, 3, 1 }, { -EIO, 0, -ENOSPC, 0 }, -ENOSPC },
		{ { 1, 3, 0, 2 }, { -EINVAL, -EIO, 0, -ETIMEDOUT }, -EIO },
		{ { 3, 0, 1, 2 }, { -EIO, 0, 0, -ENOMEM }, -ENOMEM },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		struct bio *parent, *c[3];

		host_blk_setup(8, 0, 0);
		parent = bio_alloc(NULL, 1, REQ_OP_READ);
		KT_ASSERT(parent);
		parent->bi_end_io = rec_endio;
		for (int k = 0; k < 3; k++) {
			c[k] = bio_alloc(NULL, 1, REQ_OP_READ);
			KT_ASSERT(c[k]);
			bio_chain(c[k], parent);
		}
		memset(&done, 0, sizeof(done));
		for (int k = 0; k < 4; k++) {
			int who = t[i].order[k];

			KT_EXPECT_EQ(done.calls, 0);
			bio_endio_status(who == 3 ? parent : c[who], t[i].status[who]);
		}
		KT_EXPECT_EQ(done.calls, 1);
		KT_EXPECT_EQ(done.status, t[i].want);
		KT_EXPECT(done.bio == parent);
		/* children went back to the pool */
		KT_EXPECT_EQ(bio_pool_free_bios(), 7);
		bio_put(parent);
		host_blk_teardown();
	}
}

KTEST(bio, split_then_chain)
{
	struct bio_vec vecs[2];
	struct bio *s, b;

	host_blk_setup(4, 0, 0);
	bio_init(&b, NULL, vecs, 2, REQ_OP_WRITE | REQ_PREFLUSH | REQ_FUA);
	b.bi_iter.bi_sector = 100;
	KT_ASSERT_EQ(bio_add_pfn(&b, P(5), 8192, 0), 0);
	KT_EXPECT(bio_split(&b, 0) == NULL);
	KT_EXPECT(bio_split(&b, 16) == NULL);
	s = bio_split(&b, 5);
	KT_ASSERT(s);
	KT_EXPECT_EQ(s->bi_iter.bi_sector, 100);
	KT_EXPECT_EQ(s->bi_iter.bi_size, 2560);
	KT_EXPECT_EQ(b.bi_iter.bi_sector, 105);
	KT_EXPECT_EQ(b.bi_iter.bi_size, 8192 - 2560);
	/* both halves keep the flags: flushes are sequenced before a split */
	KT_EXPECT_EQ(s->bi_opf, REQ_OP_WRITE | REQ_PREFLUSH | REQ_FUA);
	KT_EXPECT_EQ(b.bi_opf, REQ_OP_WRITE | REQ_PREFLUSH | REQ_FUA);
	KT_EXPECT_EQ(bio_add_pfn(s, P(9), 512, 0), -EINVAL);	/* clone */
	b.bi_end_io = rec_endio;
	bio_chain(s, &b);
	memset(&done, 0, sizeof(done));
	bio_endio(&b);
	KT_EXPECT_EQ(done.calls, 0);
	bio_endio(s);
	KT_EXPECT_EQ(done.calls, 1);
	KT_EXPECT_EQ(bio_pool_free_bios(), 4);
	host_blk_teardown();
}

/* ---- submission checks ---- */
KTEST(blk, submit_checks_before_any_byte_moves)
{
	static const struct {
		const char *what;
		u32 lbs;
		u32 op;
		sector_t sector;
		u32 len, off;
		int want;
		const char *log;
	} t[] = {
		{ "ok", 512, REQ_OP_WRITE, 0, 512, 0, 0, NULL },
		{ "last sector", 512, REQ_OP_READ, 2047, 512, 0, 0, NULL },
		{ "past end", 512, REQ_OP_READ, 2047, 1024, 0, -EIO, "beyond capacity" },
		{ "at end", 512, REQ_OP_WRITE, 2048, 512, 0, -EIO, "beyond capacity" },
		{ "huge sector", 512, REQ_OP_WRITE, ~0ULL - 1, 4096, 0, -EIO, "beyond capacity" },
		{ "partial sector", 512, REQ_OP_READ, 0, 100, 0, -EINVAL, "not aligned" },
		{ "partial at end", 512, REQ_OP_READ, 2047, 600, 0, -EIO, "beyond capacity" },
		{ "4k: sector", 4096, REQ_OP_READ, 4, 4096, 0, -EINVAL, "4096-byte" },
		{ "4k: size", 4096, REQ_OP_READ, 8, 2048, 0, -EINVAL, "4096-byte" },
		{ "4k: ok", 4096, REQ_OP_READ, 2040, 4096, 0, 0, NULL },
		{ "4k: past end", 4096, REQ_OP_READ, 2040, 8192, 0, -EIO, "beyond capacity" },
		{ "dma alignment", 512, REQ_OP_READ, 0, 512, 4, -EINVAL, "buffer" },
		{ "empty read", 512, REQ_OP_READ, 0, 0, 0, -EINVAL, "0 bytes" },
		{ "discard unsupported", 512, REQ_OP_DISCARD, 0, 0, 0, -EOPNOTSUPP, "not supported" },
		{ "bad op", 512, 77, 0, 512, 0, -EOPNOTSUPP, "not supported" },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		struct bio_vec vecs[1];
		struct bio b;
		int st;

		td_setup(t[i].lbs, 2048);
		host_log_clear();
		bio_init(&b, &td.disk, vecs, 1, t[i].op);
		b.bi_iter.bi_sector = t[i].sector;
		if (t[i].len)
			KT_ASSERT_EQ(bio_add_pfn(&b, P(50), t[i].len, t[i].off), 0);
		st = submit_bio_wait(&b);
		if (st != t[i].want)
			ktest_fail(__FILE__, __LINE__, "%s: status %d, want %d",
				   t[i].what, st, t[i].want);
		KT_EXPECT_EQ(td.nr_pieces, t[i].want ? 0 : 1);
		if (t[i].log && !host_log_contains(t[i].log))
			ktest_fail(__FILE__, __LINE__, "%s: no log line \"%s\"",
				   t[i].what, t[i].log);
		if (t[i].want && t[i].op < REQ_OP_NR)
			KT_EXPECT_EQ(td.disk.stats.errors[blk_stat_group(t[i].op)], 1);
		KT_EXPECT_EQ(td.disk.stats.in_flight[BLK_STAT_READ] +
			     td.disk.stats.in_flight[BLK_STAT_WRITE], 0);
		td_teardown();
	}
}

KTEST(blk, submit_splits_and_accounts)
{
	struct bio_vec vecs[4];
	struct bio b;
	int st;

	td_setup(512, 1 << 20);
	td.disk.limits.max_hw_sectors = 16;
	bio_init(&b, &td.disk, vecs, 4, REQ_OP_WRITE);
	b.bi_iter.bi_sector = 1000;
	KT_ASSERT_EQ(bio_add_pfn(&b, P(100), 40960, 0), 0);	/* 80 sectors */
	st = submit_bio_wait(&b);
	KT_EXPECT_EQ(st, 0);
	KT_ASSERT_EQ(td.nr_pieces, 5);
	for (unsigned i = 0; i < 5; i++) {
		KT_EXPECT_EQ(td.pieces[i].sector, 1000 + 16 * i);
		KT_EXPECT_EQ(td.pieces[i].size, 8192);
	}
	KT_EXPECT_EQ(td.disk.stats.ios[BLK_STAT_WRITE], 1);
	KT_EXPECT_EQ(td.disk.stats.sectors[BLK_STAT_WRITE], 80);
	KT_EXPECT_EQ(td.disk.stats.splits[BLK_STAT_WRITE], 4);
	KT_EXPECT_EQ(td.disk.stats.requests[BLK_STAT_WRITE], 5);
	KT_EXPECT_EQ(td.disk.stats.in_flight[BLK_STAT_WRITE], 0);
	KT_EXPECT_EQ(td.max_depth, 1);
	KT_EXPECT_EQ(bio_pool_free_bios(), 64);

	/* an error in the third piece fails the whole bio, counted once */
	bio_reset(&b, &td.disk, REQ_OP_READ);
	b.bi_iter.bi_sector = 0;
	KT_ASSERT_EQ(bio_add_pfn(&b, P(100), 40960, 0), 0);
	td.nr_pieces = 0;
	td.fail_piece = 2;
	td.fail_status = -EIO;
	KT_EXPECT_EQ(submit_bio_wait(&b), -EIO);
	KT_EXPECT_EQ(td.nr_pieces, 5);
	KT_EXPECT_EQ(td.disk.stats.errors[BLK_STAT_READ], 1);
	KT_EXPECT_EQ(bio_pool_free_bios(), 64);
	td_teardown();
}

KTEST(blk, split_unalignable_fails_before_dispatch)
{
	struct bio_vec vecs[4];
	struct bio b;

	td_setup(4096, 1 << 20);
	td.disk.limits.virt_boundary_mask = 4095;
	td.disk.limits.dma_alignment = 3;
	/* 4 KiB block, then a block made of two pieces with a virt gap */
	bio_init(&b, &td.disk, vecs, 4, REQ_OP_WRITE);
	KT_ASSERT_EQ(bio_add_pfn(&b, P(10), 4096, 0), 0);
	KT_ASSERT_EQ(bio_add_pfn(&b, P(20), 1024, 0), 0);
	KT_ASSERT_EQ(bio_add_pfn(&b, P(30), 3072, 0), 0);
	host_log_clear();
	KT_EXPECT_EQ(submit_bio_wait(&b), -EINVAL);
	KT_EXPECT_EQ(td.nr_pieces, 0);
	KT_EXPECT(host_log_contains("cannot be split"));
	td_teardown();
}

KTEST(blk, split_pool_exhaustion_fails_before_dispatch)
{
	struct bio_vec vecs[1];
	struct bio b;

	td_setup(512, 1 << 20);
	host_blk_setup(3, 0, 0);		/* room for 3 split bios only */
	td.disk.limits.max_hw_sectors = 8;
	bio_init(&b, &td.disk, vecs, 1, REQ_OP_WRITE);
	KT_ASSERT_EQ(bio_add_pfn(&b, P(100), 5 * 4096, 0), 0);	/* 5 pieces */
	KT_EXPECT_EQ(submit_bio_wait(&b), -ENOMEM);
	KT_EXPECT_EQ(td.nr_pieces, 0);
	KT_EXPECT_EQ(bio_pool_free_bios(), 3);
	bio_reset(&b, &td.disk, REQ_OP_WRITE);
	KT_ASSERT_EQ(bio_add_pfn(&b, P(100), 4 * 4096, 0), 0);	/* 4 pieces */
	KT_EXPECT_EQ(submit_bio_wait(&b), 0);
	KT_EXPECT_EQ(td.nr_pieces, 4);
	KT_EXPECT_EQ(bio_pool_free_bios(), 3);
	td_teardown();
}

KTEST(blk, flush_fua_and_write_cache)
{
	struct bio_vec vecs[1];
	struct bio b;

	td_setup(512, 2048);
	bio_init(&b, &td.disk, vecs, 1, REQ_OP_FLUSH);
	KT_EXPECT_EQ(submit_bio_wait(&b), 0);
	KT_EXPECT_EQ(td.nr_pieces, 0);		/* no cache: nothing to do */
	bio_reset(&b, &td.disk, REQ_OP_WRITE | REQ_FUA | REQ_PREFLUSH);
	KT_ASSERT_EQ(bio_add_pfn(&b, P(3), 512, 0), 0);
	KT_EXPECT_EQ(submit_bio_wait(&b), 0);
	KT_EXPECT_EQ(td.pieces[0].opf, REQ_OP_WRITE);

	td.disk.limits.features |= BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA;
	td.nr_pieces = 0;
	bio_reset(&b, &td.disk, REQ_OP_FLUSH | REQ_PREFLUSH);
	KT_EXPECT_EQ(submit_bio_wait(&b), 0);
	KT_ASSERT_EQ(td.nr_pieces, 1);
	KT_EXPECT_EQ(td.pieces[0].opf, REQ_OP_FLUSH);
	/* the driver gets the preflush as a FLUSH of its own (blk_flush.c) */
	bio_reset(&b, &td.disk, REQ_OP_WRITE | REQ_FUA | REQ_PREFLUSH);
	KT_ASSERT_EQ(bio_add_pfn(&b, P(3), 512, 0), 0);
	KT_EXPECT_EQ(submit_bio_wait(&b), 0);
	KT_ASSERT_EQ(td.nr_pieces, 3);
	KT_EXPECT_EQ(td.pieces[1].opf, REQ_OP_FLUSH);
	KT_EXPECT_EQ(td.pieces[2].opf, REQ_OP_WRITE | REQ_FUA);
	/* a read has nothing to flush */
	bio_reset(&b, &td.disk, REQ_OP_READ | REQ_FUA | REQ_PREFLUSH);
	KT_ASSERT_EQ(bio_add_pfn(&b, P(3), 512, 0), 0);
	KT_EXPECT_EQ(submit_bio_wait(&b), 0);
	KT_ASSERT_EQ(td.nr_pieces, 4);
	KT_EXPECT_EQ(td.pieces[3].opf, REQ_OP_READ);
	bio_reset(&b, &td.disk, REQ_OP_FLUSH);
	KT_ASSERT_EQ(bio_add_pfn(&b, P(3), 512, 0), 0);
	KT_EXPECT_EQ(submit_bio_wait(&b), -EINVAL);	/* flush with data */
	/* bios: the flushes asked for; requests: what the driver got */
	KT_EXPECT_EQ(td.disk.stats.ios[BLK_STAT_FLUSH], 2);
	KT_EXPECT_EQ(td.disk.stats.requests[BLK_STAT_FLUSH], 2);
	KT_EXPECT_EQ(td.disk.stats.ios[BLK_STAT_WRITE], 2);
	KT_EXPECT_EQ(td.disk.stats.in_flight[BLK_STAT_WRITE], 0);
	KT_EXPECT_EQ(blk_flush_pool_free(), HOST_BLK_FLUSH_SEQS);
	td_teardown();
}

KTEST(blk, discard_split_at_its_limit)
{
	struct bio b;

	td_setup(512, 1 << 20);
	td.disk.limits.max_discard_sectors = 64;
	bio_init(&b, &td.disk, NULL, 0, REQ_OP_DISCARD);
	b.bi_iter.bi_sector = 8;
	b.bi_iter.bi_size = 200 * 512;
	KT_EXPECT_EQ(submit_bio_wait(&b), 0);
	KT_ASSERT_EQ(td.nr_pieces, 4);
	KT_EXPECT_EQ(td.pieces[3].sector, 8 + 192);
	KT_EXPECT_EQ(td.pieces[3].size, 8 * 512);
	KT_EXPECT_EQ(td.disk.stats.sectors[BLK_STAT_DISCARD], 200);
	td_teardown();
}

/*
 * DISCARD and WRITE_ZEROES pieces are whole logical blocks even when the
 * limit is not (0xffff sectors on a 4 KiB device), and cover the range
 * exactly; a limit that rounds down to nothing fails before any piece.
 */
KTEST(blk, range_pieces_aligned_to_block_size)
{
	static const struct {
		u32 op, lbs, limit;	/* limit in sectors */
		sector_t sector;
		u32 sectors;
		unsigned pieces;
	} t[] = {
		{ REQ_OP_DISCARD, 4096, 0xffff, 8, 0x20000, 3 },
		{ REQ_OP_WRITE_ZEROES, 4096, 0xffff, 0, 0x1fff0, 2 },
		{ REQ_OP_DISCARD, 4096, 9, 16, 64, 8 },
		{ REQ_OP_DISCARD, 1024, 0x7fff, 2, 0x10000, 3 },
		{ REQ_OP_WRITE_ZEROES, 512, 0xffff, 1, 0x10000, 2 },
		{ REQ_OP_DISCARD, 4096, 0xffff, 8, 8, 1 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		u32 spb = t[i].lbs >> SECTOR_SHIFT;
		sector_t next = t[i].sector;
		struct bio b;

		td_setup(t[i].lbs, 1 << 20);
		if (t[i].op == REQ_OP_DISCARD)
			td.disk.limits.max_discard_sectors = t[i].limit;
		else
			td.disk.limits.max_write_zeroes_sectors = t[i].limit;
		bio_init(&b, &td.disk, NULL, 0, t[i].op);
		b.bi_iter.bi_sector = t[i].sector;
		b.bi_iter.bi_size = t[i].sectors << SECTOR_SHIFT;
		KT_EXPECT_EQ(submit_bio_wait(&b), 0);
		KT_EXPECT_EQ(td.nr_pieces, t[i].pieces);
		for (unsigned k = 0; k < td.nr_pieces; k++) {
			struct piece *p = &td.pieces[k];

			if (p->sector != next || p->sector % spb ||
			    p->size % t[i].lbs || !p->size ||
			    p->size > t[i].limit << SECTOR_SHIFT)
				ktest_fail(__FILE__, __LINE__,
					   "case %u piece %u: sector %llu + %u bytes (lbs %u, limit %u sectors)",
					   i, k, (unsigned long long)p->sector,
					   p->size, t[i].lbs, t[i].limit);
			next = p->sector + (p->size >> SECTOR_SHIFT);
		}
		KT_EXPECT_EQ(next, t[i].sector + t[i].sectors);
		td_teardown();
	}

	/* a limit below one block (set after registration): -EINVAL, nothing sent */
	{
		struct bio b;

		td_setup(4096, 1 << 20);
		td.disk.limits.max_discard_sectors = 7;
		bio_init(&b, &td.disk, NULL, 0, REQ_OP_DISCARD);
		b.bi_iter.bi_size = 8192;
		host_log_clear();
		KT_EXPECT_EQ(submit_bio_wait(&b), -EINVAL);
		KT_EXPECT_EQ(td.nr_pieces, 0);
		KT_EXPECT(host_log_contains("cannot be split"));
		td_teardown();
	}
}

/* submit from a completion: queued, not recursive */
static struct bio *resubmit_next;
static unsigned resubmits;

static void resubmit_endio(struct bio *bio)
{
	resubmits++;
	if (resubmits < 50) {
		bio_reset(bio, bio->bi_disk, REQ_OP_READ);
		bio->bi_end_io = resubmit_endio;
		if (bio_add_pfn(bio, P(7), 512, 0))
			abort();
		submit_bio(bio);
	}
}

KTEST(blk, submit_from_completion_does_not_recurse)
{
	struct bio *b;

	td_setup(512, 2048);
	b = bio_alloc(&td.disk, 1, REQ_OP_READ);
	KT_ASSERT(b);
	KT_ASSERT_EQ(bio_add_pfn(b, P(7), 512, 0), 0);
	b->bi_end_io = resubmit_endio;
	resubmits = 0;
	resubmit_next = NULL;
	submit_bio(b);
	KT_EXPECT_EQ(resubmits, 50);
	KT_EXPECT_EQ(td.nr_pieces, 50);
	KT_EXPECT_EQ(td.max_depth, 1);
	KT_EXPECT_EQ(host_blk_irq_depth, 0);
	bio_put(b);
	td_teardown();
}

/* ---- registration ---- */
KTEST(blk, register_validates)
{
	static const struct {
		const char *what;
		u32 lbs, pbs, maxsec, segs, segsz;
		u64 bound, virt;
		u32 dma;
		sector_t cap;
		int want;
		u32 discard, zeroes;
	} t[] = {
		{ "ok", 512, 4096, 256, 32, 65536, 0xffffffff, 0, 3, 64, 0, 0, 0 },
		{ "lbs 1024", 1024, 1024, 256, 32, 65536, 0xffffffff, 0, 3, 64, 0, 0, 0 },
		{ "lbs 256", 256, 256, 256, 32, 65536, 0xffffffff, 0, 3, 64, -EINVAL, 0, 0 },
		{ "lbs 8192", 8192, 8192, 256, 32, 65536, 0xffffffff, 0, 3, 64, -EINVAL, 0, 0 },
		{ "lbs 1536", 1536, 4096, 256, 32, 65536, 0xffffffff, 0, 3, 63, -EINVAL, 0, 0 },
		{ "pbs < lbs", 4096, 512, 256, 32, 65536, 0xffffffff, 0, 3, 64, -EINVAL, 0, 0 },
		{ "maxsec tiny", 512, 512, 4, 32, 65536, 0xffffffff, 0, 3, 64, -EINVAL, 0, 0 },
		{ "maxsec partial block", 4096, 4096, 12, 32, 65536, 0xffffffff, 0, 3, 64, -EINVAL, 0, 0 },
		{ "no segments", 512, 512, 256, 0, 65536, 0xffffffff, 0, 3, 64, -EINVAL, 0, 0 },
		{ "segsz small", 512, 512, 256, 32, 2048, 0xffffffff, 0, 3, 64, -EINVAL, 0, 0 },
		{ "bound not mask", 512, 512, 256, 32, 65536, 0xfffff000, 0, 3, 64, -EINVAL, 0, 0 },
		{ "bound small", 512, 512, 256, 32, 65536, 0x7ff, 0, 3, 64, -EINVAL, 0, 0 },
		{ "virt big", 512, 512, 256, 32, 65536, 0xffffffff, 0x1fff, 3, 64, -EINVAL, 0, 0 },
		{ "virt not mask", 512, 512, 256, 32, 65536, 0xffffffff, 0x1000, 3, 64, -EINVAL, 0, 0 },
		{ "dma not mask", 512, 512, 256, 32, 65536, 0xffffffff, 0, 5, 64, -EINVAL, 0, 0 },
		{ "capacity partial block", 4096, 4096, 256, 32, 65536, 0xffffffff, 0, 3, 12, -EINVAL, 0, 0 },
		{ "discard odd sectors", 4096, 4096, 256, 32, 65536, 0xffffffff, 0, 3, 64, 0, 0xffff, 0 },
		{ "zeroes odd sectors", 4096, 4096, 256, 32, 65536, 0xffffffff, 0, 3, 64, 0, 0, 0x1001 },
		{ "discard below a block", 4096, 4096, 256, 32, 65536, 0xffffffff, 0, 3, 64, -EINVAL, 7, 0 },
		{ "zeroes below a block", 4096, 4096, 256, 32, 65536, 0xffffffff, 0, 3, 64, -EINVAL, 0, 4 },
		{ "discard one block", 4096, 4096, 256, 32, 65536, 0xffffffff, 0, 3, 64, 0, 8, 8 },
	};

	host_blk_setup(4, 0, 0);
	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		struct gendisk d;
		int err;

		memset(&d, 0, sizeof(d));
		strlcpy(d.disk_name, "vdisk", DISK_NAME_LEN);
		d.fops = &td_ops;
		d.capacity = t[i].cap;
		blk_set_default_limits(&d.limits);
		d.limits.logical_block_size = t[i].lbs;
		d.limits.physical_block_size = t[i].pbs;
		d.limits.max_hw_sectors = t[i].maxsec;
		d.limits.max_segments = t[i].segs;
		d.limits.max_segment_size = t[i].segsz;
		d.limits.seg_boundary_mask = t[i].bound;
		d.limits.virt_boundary_mask = t[i].virt;
		d.limits.dma_alignment = t[i].dma;
		d.limits.max_discard_sectors = t[i].discard;
		d.limits.max_write_zeroes_sectors = t[i].zeroes;
		err = blk_register_disk(&d);
		if (err != t[i].want)
			ktest_fail(__FILE__, __LINE__, "%s: %d want %d", t[i].what,
				   err, t[i].want);
		if (!err)
			KT_EXPECT_EQ(blk_unregister_disk(&d), 0);
	}
	host_blk_teardown();
}

KTEST(blk, registry_find_iterate_busy)
{
	static struct gendisk d[3];
	static const char *names[] = { "null0", "pmem0", "nvme0n1" };
	struct gendisk *it, bad;
	unsigned n = 0, base = blk_nr_disks();
	struct bio b;
	struct bio_vec v[1];

	host_blk_setup(4, 0, 0);
	for (int i = 0; i < 3; i++) {
		memset(&d[i], 0, sizeof(d[i]));
		strlcpy(d[i].disk_name, names[i], DISK_NAME_LEN);
		d[i].fops = &td_ops;
		d[i].capacity = 4096;
		blk_set_default_limits(&d[i].limits);
		KT_ASSERT_EQ(blk_register_disk(&d[i]), 0);
	}
	KT_EXPECT_EQ(blk_register_disk(&d[1]), -EEXIST);
	memset(&bad, 0, sizeof(bad));
	blk_set_default_limits(&bad.limits);
	bad.fops = &td_ops;
	KT_EXPECT_EQ(blk_register_disk(&bad), -EINVAL);		/* no name */
	strlcpy(bad.disk_name, "bad", DISK_NAME_LEN);
	bad.fops = NULL;
	KT_EXPECT_EQ(blk_register_disk(&bad), -EINVAL);		/* no ops */
	KT_EXPECT(blk_find_disk("pmem0") == &d[1]);
	KT_EXPECT(blk_find_disk("pmem") == NULL);
	blk_for_each_disk(it) {
		if (n >= base && n - base < 3)
			KT_EXPECT(it == &d[n - base]);
		n++;
	}
	KT_EXPECT_EQ(n, base + 3);
	KT_EXPECT_EQ(blk_direct_access(&d[0], 0, 1, NULL), -EOPNOTSUPP);

	/* in flight: cannot unregister */
	memset(&td, 0, sizeof(td));
	td.fail_piece = -1;
	td.defer = true;
	bio_init(&b, &d[2], v, 1, REQ_OP_READ);
	KT_ASSERT_EQ(bio_add_pfn(&b, P(1), 512, 0), 0);
	b.bi_end_io = rec_endio;
	submit_bio(&b);
	KT_EXPECT_EQ(blk_unregister_disk(&d[2]), -EBUSY);
	bio_endio(td.held[0]);
	KT_EXPECT_EQ(blk_unregister_disk(&d[2]), 0);
	KT_EXPECT_EQ(blk_unregister_disk(&d[2]), -ENOENT);
	KT_EXPECT_EQ(blk_unregister_disk(&d[0]), 0);
	KT_EXPECT_EQ(blk_unregister_disk(&d[1]), 0);
	KT_EXPECT_EQ(blk_nr_disks(), base);
	td.defer = false;
	host_blk_teardown();
}

/* ---- the request path ---- */
struct tq_cmd {
	u32 magic;
	int status;
};

static struct {
	struct request *pending[4100];
	unsigned nr_pending;
	unsigned queued, busy_left, polls, irqs;
	unsigned again_left;	/* queue_rq answers -EAGAIN this often */
	bool kick_on_again;	/* ... and the resource comes back at once */
	int fail_nth;		/* queue_rq returns -EIO for this call */
	int cmd_status;		/* completion status for all */
	unsigned max_nsegs;
	bool inline_complete;
} tq;

static int tq_queue_rq(struct blk_mq_hw_ctx *hctx, struct request *rq)
{
	struct tq_cmd *cmd = blk_mq_rq_to_pdu(rq);
	struct scatterlist sgl[32];
	int n;

	if (tq.busy_left) {
		tq.busy_left--;
		return -EBUSY;
	}
	if (tq.again_left) {
		tq.again_left--;
		if (tq.kick_on_again)	/* as an interrupt freeing it right then */
			blk_mq_run_hw_queue(hctx);
		return -EAGAIN;
	}
	if ((int)tq.queued++ == tq.fail_nth)
		return -EIO;
	KT_EXPECT_EQ(cmd->magic, 0xc0ffee00 + rq->tag);
	if (rq->nr_phys_segments > tq.max_nsegs)
		tq.max_nsegs = rq->nr_phys_segments;
	if (rq->nr_phys_segments <= 32 && rq->data_len) {
		sg_init_table(sgl, rq->nr_phys_segments);
		n = blk_rq_map_sg(rq, sgl);
		KT_EXPECT(n >= 1 && (u32)n <= rq->nr_phys_segments);
	}
	KT_EXPECT(blk_mq_tag_to_rq(hctx, rq->tag) == rq);
	if (tq.inline_complete) {
		blk_mq_complete_request(rq, tq.cmd_status);
		return 0;
	}
	tq.pending[tq.nr_pending++] = rq;
	return 0;
}

static int tq_reap(void)
{
	int n = 0;

	while (tq.nr_pending) {
		struct request *rq = tq.pending[--tq.nr_pending];

		blk_mq_complete_request(rq, tq.cmd_status);
		n++;
	}
	return n;
}

static int tq_poll(struct blk_mq_hw_ctx *hctx)
{
	tq.polls++;
	KT_EXPECT(hctx->polled);
	return tq_reap();
}

static void tq_irq(void)
{
	tq.irqs++;
	tq_reap();
}

static int tq_init_request(struct blk_mq_tag_set *set, struct request *rq,
			   unsigned idx)
{
	struct tq_cmd *cmd = blk_mq_rq_to_pdu(rq);

	cmd->magic = 0xc0ffee00 + rq->tag;
	return 0;
}

static const struct blk_mq_ops tq_ops = {
	.queue_rq = tq_queue_rq,
	.poll = tq_poll,
	.init_request = tq_init_request,
};

static struct blk_mq_tag_set tq_set;
static struct gendisk tq_disk;

static int tq_setup(unsigned depth, unsigned poll_queues)
{
	int err;

	host_blk_setup(64, 4, 4);
	memset(&tq, 0, sizeof(tq));
	tq.fail_nth = -1;
	memset(&tq_set, 0, sizeof(tq_set));
	tq_set.ops = &tq_ops;
	tq_set.nr_hw_queues = 2;
	tq_set.nr_poll_queues = poll_queues;
	tq_set.queue_depth = depth;
	tq_set.cmd_size = sizeof(struct tq_cmd);
	err = blk_mq_alloc_tag_set(&tq_set);
	if (err)
		return err;
	memset(&tq_disk, 0, sizeof(tq_disk));
	strlcpy(tq_disk.disk_name, "tq0", DISK_NAME_LEN);
	tq_disk.capacity = 1 << 20;
	tq_disk.tag_set = &tq_set;
	blk_set_default_limits(&tq_disk.limits);
	tq_disk.limits.max_hw_sectors = 8;
	host_blk_irq_handler = tq_irq;
	return blk_register_disk(&tq_disk);
}

static void tq_teardown(void)
{
	blk_unregister_disk(&tq_disk);
	blk_mq_free_tag_set(&tq_set);
	host_blk_teardown();
	KT_EXPECT_EQ(host_blk_allocs_live, 0);
}

KTEST(blk_mq, tag_set_alloc_and_unwind)
{
	struct blk_mq_tag_set s;

	host_blk_setup(0, 0, 0);
	for (int fail = 0; fail < 7; fail++) {
		memset(&s, 0, sizeof(s));
		s.ops = &tq_ops;
		s.nr_hw_queues = 2;
		s.nr_poll_queues = 1;
		s.queue_depth = 70;
		s.cmd_size = sizeof(struct tq_cmd);
		host_blk_alloc_fail_after = fail;
		KT_EXPECT_EQ(blk_mq_alloc_tag_set(&s), -ENOMEM);
		KT_EXPECT_EQ(host_blk_allocs_live, 0);
	}
	host_blk_alloc_fail_after = -1;
	memset(&s, 0, sizeof(s));
	s.ops = &tq_ops;
	s.nr_hw_queues = 2;
	s.nr_poll_queues = 1;
	s.queue_depth = 70;
	s.cmd_size = sizeof(struct tq_cmd);
	KT_ASSERT_EQ(blk_mq_alloc_tag_set(&s), 0);
	KT_EXPECT(!s.hctxs[1].polled && s.hctxs[2].polled);
	KT_EXPECT(blk_mq_map_queue(&s, REQ_OP_READ | REQ_POLLED, 0) == &s.hctxs[2]);
	KT_EXPECT(blk_mq_map_queue(&s, REQ_OP_READ, 1) == &s.hctxs[1]);
	KT_EXPECT(blk_mq_tag_to_rq(&s.hctxs[0], 5) == NULL);	/* idle */
	KT_EXPECT(blk_mq_tag_to_rq(&s.hctxs[0], 70) == NULL);
	blk_mq_free_tag_set(&s);
	KT_EXPECT_EQ(host_blk_allocs_live, 0);
	s.queue_depth = 0;
	KT_EXPECT_EQ(blk_mq_alloc_tag_set(&s), -EINVAL);
	s.queue_depth = 8;
	s.ops = &(const struct blk_mq_ops){ .queue_rq = tq_queue_rq };
	KT_EXPECT_EQ(blk_mq_alloc_tag_set(&s), -EINVAL);	/* poll queues, no poll */
	host_blk_teardown();
}

KTEST(blk_mq, interrupt_completion_and_tag_waits)
{
	struct bio_vec vecs[1];
	struct bio b;

	KT_ASSERT_EQ(tq_setup(2, 0), 0);
	bio_init(&b, &tq_disk, vecs, 1, REQ_OP_WRITE);
	b.bi_iter.bi_sector = 64;
	KT_ASSERT_EQ(bio_add_pfn(&b, P(100), 10 * 4096, 0), 0);	/* 10 pieces, depth 2 */
	KT_EXPECT_EQ(submit_bio_wait(&b), 0);
	KT_EXPECT_EQ(tq.queued, 10);
	KT_EXPECT(tq_set.hctxs[0].tag_waits >= 4);
	KT_EXPECT(tq.irqs >= 5);
	KT_EXPECT_EQ(tq_set.hctxs[0].nr_busy, 0);
	KT_EXPECT_EQ(tq_set.hctxs[0].completed, 10);
	KT_EXPECT_EQ(tq.polls, 0);
	KT_EXPECT_EQ(tq_disk.stats.splits[BLK_STAT_WRITE], 9);
	KT_EXPECT_EQ(bio_pool_free_bios(), 64);
	KT_EXPECT_EQ(host_blk_irq_depth, 0);

	/* an error status on completion reaches the submitter */
	tq.cmd_status = -EIO;
	bio_reset(&b, &tq_disk, REQ_OP_READ);
	KT_ASSERT_EQ(bio_add_pfn(&b, P(100), 4096, 0), 0);
	KT_EXPECT_EQ(submit_bio_wait(&b), -EIO);
	KT_EXPECT_EQ(tq_disk.stats.errors[BLK_STAT_READ], 1);
	tq_teardown();
}

KTEST(blk_mq, polled_bio_uses_poll_queue)
{
	struct bio_vec vecs[1];
	struct bio b;

	KT_ASSERT_EQ(tq_setup(4, 1), 0);
	KT_EXPECT(tq_disk.limits.features & BLK_FEAT_POLL);
	host_blk_irq_handler = NULL;		/* any halt would fail the test */
	bio_init(&b, &tq_disk, vecs, 1, REQ_OP_READ | REQ_POLLED);
	KT_ASSERT_EQ(bio_add_pfn(&b, P(100), 6 * 4096, 0), 0);
	KT_EXPECT_EQ(submit_bio_wait(&b), 0);
	KT_EXPECT(b.bi_opf & REQ_POLLED);
	KT_EXPECT(blk_mq_map_queue(&tq_set, b.bi_opf, 0) == &tq_set.hctxs[2]);
	KT_EXPECT_EQ(tq_set.hctxs[2].completed, 6);
	KT_EXPECT(tq.polls >= 2);
	KT_EXPECT_EQ(host_blk_waits, 0);
	tq_teardown();

	/* no poll queues: the flag is dropped and interrupts are used */
	KT_ASSERT_EQ(tq_setup(4, 0), 0);
	bio_init(&b, &tq_disk, vecs, 1, REQ_OP_READ | REQ_POLLED);
	KT_ASSERT_EQ(bio_add_pfn(&b, P(100), 4096, 0), 0);
	KT_EXPECT_EQ(submit_bio_wait(&b), 0);
	KT_EXPECT(!(b.bi_opf & REQ_POLLED));
	KT_EXPECT_EQ(tq.polls, 0);
	KT_EXPECT(tq.irqs >= 1);
	tq_teardown();
}

KTEST(blk_mq, busy_retry_and_queue_error)
{
	struct bio_vec vecs[1];
	struct bio b;

	KT_ASSERT_EQ(tq_setup(4, 0), 0);
	tq.inline_complete = true;
	tq.busy_left = 3;
	bio_init(&b, &tq_disk, vecs, 1, REQ_OP_WRITE);
	KT_ASSERT_EQ(bio_add_pfn(&b, P(100), 4096, 0), 0);
	KT_EXPECT_EQ(submit_bio_wait(&b), 0);
	KT_EXPECT_EQ(tq_set.hctxs[0].busy_retries, 3);

	/* the driver refuses the second of three pieces */
	tq.queued = 0;
	tq.fail_nth = 1;
	host_log_clear();
	bio_reset(&b, &tq_disk, REQ_OP_WRITE);
	KT_ASSERT_EQ(bio_add_pfn(&b, P(100), 3 * 4096, 0), 0);
	KT_EXPECT_EQ(submit_bio_wait(&b), -EIO);
	KT_EXPECT(host_log_contains("failed to queue"));
	KT_EXPECT_EQ(tq_set.hctxs[0].nr_busy, 0);
	KT_EXPECT_EQ(bio_pool_free_bios(), 64);
	tq_teardown();
}

static void complete_idle(void *arg)
{
	blk_mq_complete_request(arg, 0);
}

KTEST(blk_mq, completing_idle_request_is_a_bug)
{
	struct bio_vec vecs[1];
	struct bio b;
	struct request *rq;

	KT_ASSERT_EQ(tq_setup(4, 0), 0);
	bio_init(&b, &tq_disk, vecs, 1, REQ_OP_READ);
	KT_ASSERT_EQ(bio_add_pfn(&b, P(100), 4096, 0), 0);
	b.bi_end_io = rec_endio;
	memset(&done, 0, sizeof(done));
	submit_bio(&b);
	KT_ASSERT_EQ(tq.nr_pending, 1);
	rq = tq.pending[0];
	tq_reap();
	KT_EXPECT_EQ(done.calls, 1);
	KT_EXPECT(host_catch_panic(complete_idle, rq));
	KT_EXPECT(strstr(host_panic_message(), "not in flight") != NULL);
	KT_EXPECT_EQ(done.calls, 1);
	host_blk_irq_depth = 0;		/* the BUG fired inside a masked region */
	host_spin_bust(&tq_set.hctxs[0].tags_lock);	/* and under the queue's lock */
	tq_teardown();
}

/* ---- never waiting where no wakeup can come ---- */
static struct {
	struct bio *bios[8];
	unsigned nr;
	unsigned calls[8];
	int status[8];
	unsigned spawn;		/* bios the first completion submits */
	bool saw_irq;
	u32 opf;
} ws;

static void ws_endio(struct bio *bio);

static struct bio *ws_new(u32 opf)
{
	struct bio *b = bio_alloc(&tq_disk, 1, opf);

	if (!b || bio_add_pfn(b, P(200 + ws.nr), 4096, 0))
		abort();
	b->bi_iter.bi_sector = 8 * ws.nr;
	b->bi_end_io = ws_endio;
	b->bi_private = (void *)(uintptr_t)ws.nr;
	ws.bios[ws.nr++] = b;
	return b;
}

static void ws_endio(struct bio *bio)
{
	unsigned i = (unsigned)(uintptr_t)bio->bi_private;

	ws.calls[i]++;
	ws.status[i] = bio->bi_status;
	if (i == 0) {
		ws.saw_irq = host_blk_in_irq > 0;
		while (ws.spawn) {
			ws.spawn--;
			submit_bio(ws_new(ws.opf));
		}
	}
}

static void complete_first_pending(void)
{
	struct request *rq = tq.pending[0];

	memmove(&tq.pending[0], &tq.pending[1],
		--tq.nr_pending * sizeof(tq.pending[0]));
	blk_mq_complete_request(rq, 0);
}

static void ws_check_and_free(unsigned want_nr)
{
	KT_EXPECT_EQ(ws.nr, want_nr);
	for (unsigned i = 0; i < ws.nr; i++) {
		if (ws.calls[i] != 1)
			ktest_fail(__FILE__, __LINE__, "bio %u completed %u times",
				   i, ws.calls[i]);
		bio_put(ws.bios[i]);
	}
	memset(&ws, 0, sizeof(ws));
}

/*
 * A completion in an interrupt handler that resubmits while every tag is
 * taken must not halt (the LAPIC would never deliver the wakeup before this
 * handler's EOI): the bio is parked and the next completion starts it.
 */
KTEST(blk_mq, resubmit_from_interrupt_parks_when_no_tag)
{
	KT_ASSERT_EQ(tq_setup(2, 0), 0);
	memset(&ws, 0, sizeof(ws));
	ws.opf = REQ_OP_READ;
	submit_bio(ws_new(REQ_OP_READ));
	submit_bio(ws_new(REQ_OP_READ));
	KT_ASSERT_EQ(tq.nr_pending, 2);
	ws.spawn = 2;
	/* the interrupt completes bio 0, whose callback submits two: one
	 * takes the freed tag, the other finds none (bio 1 holds it) */
	host_blk_raise_irq(complete_first_pending);
	KT_EXPECT(ws.saw_irq);
	KT_EXPECT_EQ(tq_set.hctxs[0].parks, 1);
	KT_EXPECT(tq_set.hctxs[0].parked == ws.bios[3]);
	KT_EXPECT_EQ(host_blk_waits, 0);
	KT_EXPECT_EQ(ws.calls[3], 0);
	/* the next completion starts the parked one first */
	host_blk_raise_irq(tq_irq);
	KT_EXPECT(tq_set.hctxs[0].parked == NULL);
	KT_EXPECT_EQ(tq_set.hctxs[0].nr_busy, 0);
	KT_EXPECT_EQ(tq_set.hctxs[0].dispatched, 4);
	ws_check_and_free(4);
	KT_EXPECT_EQ(host_blk_irq_depth, 0);
	KT_EXPECT_EQ(bio_pool_free_bios(), 64);
	tq_teardown();
}

static void run_queue0(void)
{
	blk_mq_run_hw_queue(&tq_set.hctxs[0]);
}

/* The same with the driver answering -EBUSY inside the handler: parked at
 * the front while something else is in flight; failed with -EBUSY (and a
 * log line) when nothing is, since nothing would ever retry it. */
KTEST(blk_mq, busy_in_interrupt_parks_or_fails)
{
	KT_ASSERT_EQ(tq_setup(4, 0), 0);
	memset(&ws, 0, sizeof(ws));
	ws.opf = REQ_OP_WRITE;
	submit_bio(ws_new(REQ_OP_READ));
	submit_bio(ws_new(REQ_OP_READ));
	ws.spawn = 1;
	tq.busy_left = 1;
	/* complete bio 0 only: bio 1 stays in flight */
	host_blk_raise_irq(complete_first_pending);
	KT_EXPECT_EQ(ws.calls[0], 1);
	KT_EXPECT_EQ(tq_set.hctxs[0].parks, 1);
	KT_EXPECT_EQ(tq_set.hctxs[0].nr_busy, 1);
	KT_EXPECT(tq_set.hctxs[0].parked == ws.bios[2]);
	host_blk_raise_irq(tq_irq);		/* bio 1 done: bio 2 starts */
	KT_EXPECT_EQ(ws.calls[1], 1);
	KT_EXPECT_EQ(tq.nr_pending, 0);
	KT_EXPECT_EQ(ws.calls[2], 1);
	KT_EXPECT_EQ(ws.status[2], 0);
	ws_check_and_free(3);

	/* nothing else in flight and still busy after one retry: -EBUSY */
	memset(&ws, 0, sizeof(ws));
	ws.opf = REQ_OP_WRITE;
	submit_bio(ws_new(REQ_OP_READ));
	ws.spawn = 1;
	tq.busy_left = 2;
	host_log_clear();
	host_blk_raise_irq(tq_irq);
	KT_EXPECT_EQ(ws.calls[1], 1);
	KT_EXPECT_EQ(ws.status[1], -EBUSY);
	KT_EXPECT(host_log_contains("busy with nothing in flight"));
	KT_EXPECT_EQ(tq_set.hctxs[0].nr_busy, 0);
	ws_check_and_free(2);
	KT_EXPECT_EQ(tq_disk.stats.in_flight[BLK_STAT_WRITE], 0);
	tq_teardown();
}

/*
 * -EAGAIN (a shared resource, freed by someone else): where the submitter
 * may not wait it is parked even with nothing in flight, and
 * blk_mq_run_hw_queue() starts it; where it may wait it waits and retries.
 */
KTEST(blk_mq, again_parks_until_the_queue_is_run)
{
	KT_ASSERT_EQ(tq_setup(4, 0), 0);
	memset(&ws, 0, sizeof(ws));
	ws.opf = REQ_OP_WRITE;
	submit_bio(ws_new(REQ_OP_READ));
	ws.spawn = 1;
	tq.again_left = 3;
	host_log_clear();
	/* bio 0 completes in the interrupt; the bio its callback submits
	 * finds nothing in flight and the resource short */
	host_blk_raise_irq(tq_irq);
	KT_EXPECT_EQ(ws.calls[0], 1);
	KT_EXPECT_EQ(ws.calls[1], 0);
	KT_EXPECT(tq_set.hctxs[0].parked == ws.bios[1]);
	KT_EXPECT_EQ(tq_set.hctxs[0].nr_busy, 0);
	KT_EXPECT(!host_log_contains("busy with nothing in flight"));
	/* still short at the first run: parked again, not failed */
	blk_mq_run_hw_queue(&tq_set.hctxs[0]);
	KT_EXPECT(tq_set.hctxs[0].parked == ws.bios[1]);
	KT_EXPECT_EQ(tq.again_left, 1);
	host_blk_raise_irq(tq_irq);		/* nothing of ours completes */
	KT_EXPECT(tq_set.hctxs[0].parked == ws.bios[1]);
	blk_mq_run_hw_queue(&tq_set.hctxs[0]);
	KT_EXPECT(tq_set.hctxs[0].parked == ws.bios[1]);
	host_blk_raise_irq(run_queue0);
	KT_EXPECT(tq_set.hctxs[0].parked == NULL);
	KT_EXPECT_EQ(tq.nr_pending, 1);
	host_blk_raise_irq(tq_irq);
	KT_EXPECT_EQ(ws.status[1], 0);
	ws_check_and_free(2);

	/* process context waits instead */
	tq.again_left = 2;
	submit_bio(ws_new(REQ_OP_READ));
	KT_EXPECT_EQ(host_blk_waits, 2);
	KT_EXPECT_EQ(tq.again_left, 0);
	host_blk_raise_irq(tq_irq);
	ws_check_and_free(1);
	KT_EXPECT_EQ(tq_set.hctxs[0].nr_busy, 0);
	tq_teardown();
}

static void kick_queue0_when_parked(void)
{
	struct blk_mq_hw_ctx *h = &tq_set.hctxs[0];

	if (h->parked && h->running_parked) {
		host_blk_irq_pending = NULL;
		blk_mq_run_hw_queue(h);
	}
}

/*
 * The resource coming back around the moment of parking is not lost: a run
 * asked for between the driver's -EAGAIN and the parking retries at once,
 * and one asked for while the parked list is being run (just after a bio
 * was parked again) makes the runner go round again.
 */
KTEST(blk_mq, again_kick_is_never_lost)
{
	KT_ASSERT_EQ(tq_setup(4, 0), 0);
	memset(&ws, 0, sizeof(ws));
	ws.opf = REQ_OP_WRITE;
	submit_bio(ws_new(REQ_OP_READ));
	ws.spawn = 1;
	tq.again_left = 1;
	tq.kick_on_again = true;
	host_blk_raise_irq(tq_irq);	/* its reap loop completes bio 1 too */
	KT_EXPECT_EQ(tq_set.hctxs[0].parks, 0);
	KT_EXPECT_EQ(ws.calls[1], 1);
	KT_EXPECT_EQ(ws.status[1], 0);
	ws_check_and_free(2);

	/* parked; the run finds it short again, and while the runner is
	 * between parking it and giving up, the resource comes back */
	tq.kick_on_again = false;
	submit_bio(ws_new(REQ_OP_READ));
	ws.spawn = 1;
	tq.again_left = 2;
	host_blk_raise_irq(tq_irq);
	KT_ASSERT(tq_set.hctxs[0].parked == ws.bios[1]);
	host_blk_irq_pending = kick_queue0_when_parked;
	blk_mq_run_hw_queue(&tq_set.hctxs[0]);
	KT_EXPECT(host_blk_irq_pending == NULL);
	KT_EXPECT(tq_set.hctxs[0].parked == NULL);
	KT_EXPECT_EQ(tq.nr_pending, 1);
	host_blk_raise_irq(tq_irq);
	KT_EXPECT_EQ(ws.calls[1], 1);
	ws_check_and_free(2);
	tq_teardown();
}

static void requeue_idle(void *arg)
{
	blk_mq_requeue_request(arg);
}

/* A request the driver takes back and gives back: its bio goes first in
 * line, its tag is free, and it is dispatched again once, as a new
 * request; its bio completes once. Giving back an idle one is a BUG. */
KTEST(blk_mq, requeue_parks_first_in_line)
{
	struct request *rq;

	KT_ASSERT_EQ(tq_setup(4, 0), 0);
	memset(&ws, 0, sizeof(ws));
	submit_bio(ws_new(REQ_OP_READ));
	submit_bio(ws_new(REQ_OP_READ));
	KT_ASSERT_EQ(tq.nr_pending, 2);
	tq.queued = 0;
	/* the driver's reset takes bio 1's request back and cannot restart it */
	rq = tq.pending[--tq.nr_pending];
	blk_mq_requeue_request(rq);
	KT_EXPECT_EQ(tq_set.hctxs[0].requeues, 1);
	KT_EXPECT_EQ(tq_set.hctxs[0].nr_busy, 1);
	KT_EXPECT(tq_set.hctxs[0].parked == ws.bios[1]);
	KT_EXPECT(blk_mq_tag_to_rq(&tq_set.hctxs[0], rq->tag) == NULL);
	KT_EXPECT(host_catch_panic(requeue_idle, rq));
	KT_EXPECT(strstr(host_panic_message(), "requeueing request") != NULL);
	host_blk_irq_depth = 0;		/* the BUG fired inside a masked region */
	host_spin_bust(&tq_set.hctxs[0].tags_lock);	/* and under the queue's lock */
	blk_mq_run_hw_queue(&tq_set.hctxs[0]);
	KT_EXPECT(tq_set.hctxs[0].parked == NULL);
	KT_EXPECT_EQ(tq.queued, 1);
	KT_EXPECT_EQ(ws.calls[1], 0);
	host_blk_raise_irq(tq_irq);
	ws_check_and_free(2);
	KT_EXPECT_EQ(tq_set.hctxs[0].nr_busy, 0);
	tq_teardown();
}

/* A caller with interrupts off: halting would turn them on under it. */
KTEST(blk_mq, no_halt_inside_interrupts_off_section)
{
	unsigned long flags;

	KT_ASSERT_EQ(tq_setup(1, 0), 0);
	memset(&ws, 0, sizeof(ws));
	submit_bio(ws_new(REQ_OP_READ));
	flags = local_irq_save();
	submit_bio(ws_new(REQ_OP_READ));	/* no tag */
	KT_EXPECT_EQ(host_blk_waits, 0);
	KT_EXPECT_EQ(tq_set.hctxs[0].parks, 1);
	local_irq_restore(flags);
	host_blk_raise_irq(tq_irq);
	ws_check_and_free(2);
	KT_EXPECT_EQ(tq_set.hctxs[0].nr_busy, 0);
	tq_teardown();
}

static struct bio *wait_bio;

static void wait_in_irq(void)
{
	submit_bio_wait(wait_bio);
}

static void wait_with_irqs_off(void *arg)
{
	unsigned long flags = local_irq_save();

	submit_bio_wait(arg);
	local_irq_restore(flags);
}

static void wait_from_irq(void *arg)
{
	wait_bio = arg;
	host_blk_raise_irq(wait_in_irq);
}

/* submit_bio_wait() where no completion interrupt could arrive is a BUG,
 * not a hang; a bio the driver completed inline is no wait at all. */
KTEST(blk_mq, submit_bio_wait_where_it_cannot_wait)
{
	static void (*const fn[])(void *) = { wait_with_irqs_off, wait_from_irq };

	for (unsigned i = 0; i < ARRAY_SIZE(fn); i++) {
		KT_ASSERT_EQ(tq_setup(2, 0), 0);
		memset(&ws, 0, sizeof(ws));
		KT_EXPECT(host_catch_panic(fn[i], ws_new(REQ_OP_READ)));
		KT_EXPECT(strstr(host_panic_message(), "submit_bio_wait") != NULL);
		host_blk_irq_depth = 0;		/* the BUG fired inside a masked region */
		host_blk_in_irq = 0;
		ws.bios[0]->bi_end_io = ws_endio;	/* its waiter is gone */
		ws.bios[0]->bi_private = (void *)0;
		host_blk_raise_irq(tq_irq);
		ws_check_and_free(1);
		tq_teardown();
	}

	KT_ASSERT_EQ(tq_setup(2, 0), 0);
	tq.inline_complete = true;
	host_blk_irq_handler = NULL;		/* any halt fails the test */
	memset(&ws, 0, sizeof(ws));
	{
		unsigned long flags = local_irq_save();

		KT_EXPECT_EQ(submit_bio_wait(ws_new(REQ_OP_READ)), 0);
		local_irq_restore(flags);
	}
	KT_EXPECT_EQ(host_blk_waits, 0);
	bio_put(ws.bios[0]);
	memset(&ws, 0, sizeof(ws));
	tq_teardown();
}

/* A submission from a bi_end_io that ops->poll is running must not call
 * ops->poll again underneath it (drivers' poll need not be reentrant). */
static unsigned poll_depth, poll_max_depth;

static int tq_poll_once(struct blk_mq_hw_ctx *hctx)
{
	int n;

	if (++poll_depth > poll_max_depth)
		poll_max_depth = poll_depth;
	n = tq_poll(hctx);
	poll_depth--;
	return n;
}

KTEST(blk_mq, resubmit_from_polled_completion_does_not_nest_poll)
{
	static const struct blk_mq_ops ops = {
		.queue_rq = tq_queue_rq,
		.poll = tq_poll_once,
		.init_request = tq_init_request,
	};
	const struct blk_mq_ops *saved;
	unsigned long flags;

	KT_ASSERT_EQ(tq_setup(1, 1), 0);
	saved = tq_set.ops;
	tq_set.ops = &ops;
	host_blk_irq_handler = NULL;
	poll_depth = poll_max_depth = 0;
	memset(&ws, 0, sizeof(ws));
	ws.opf = REQ_OP_READ | REQ_POLLED;
	submit_bio(ws_new(REQ_OP_READ | REQ_POLLED));
	ws.spawn = 2;
	flags = local_irq_save();
	while (ws.nr < 3 || tq.nr_pending || tq_set.hctxs[2].parked)
		KT_ASSERT(blk_wait_once(&tq_disk, REQ_OP_READ | REQ_POLLED, flags));
	local_irq_restore(flags);
	KT_EXPECT_EQ(poll_max_depth, 1);
	KT_EXPECT_EQ(tq_set.hctxs[2].parks, 1);
	ws_check_and_free(3);
	tq_set.ops = saved;
	tq_teardown();
}

/*
 * A request is filled in before blk_mq_tag_to_rq() can return it: an
 * interrupt taken whenever interrupts come back on finds every in-flight
 * request complete and consistent with its bio, never a NULL or stale one.
 */
static unsigned rq_checks;

static void check_in_flight_requests(void)
{
	for (unsigned q = 0; q < 2; q++) {
		struct blk_mq_hw_ctx *hctx = &tq_set.hctxs[q];

		for (u32 tag = 0; tag < hctx->depth; tag++) {
			struct request *rq = blk_mq_tag_to_rq(hctx, tag);

			if (!rq)
				continue;
			rq_checks++;
			if (!rq->bio || rq->disk != &tq_disk ||
			    rq->sector != rq->bio->bi_iter.bi_sector ||
			    rq->data_len != rq->bio->bi_iter.bi_size ||
			    rq->cmd_flags != rq->bio->bi_opf) {
				ktest_fail(__FILE__, __LINE__,
					   "tag %u in flight but not filled in (bio %p)",
					   tag, (void *)rq->bio);
				return;
			}
		}
	}
}

KTEST(blk_mq, request_published_only_when_filled_in)
{
	KT_ASSERT_EQ(tq_setup(4, 0), 0);
	host_blk_irq_pending = check_in_flight_requests;
	rq_checks = 0;
	for (unsigned round = 0; round < 3; round++) {
		memset(&ws, 0, sizeof(ws));
		for (unsigned i = 0; i < 4; i++)
			submit_bio(ws_new(round & 1 ? REQ_OP_WRITE : REQ_OP_READ));
		KT_EXPECT_EQ(tq.nr_pending, 4);
		host_blk_raise_irq(tq_irq);
		ws_check_and_free(4);
	}
	KT_EXPECT(rq_checks > 0);
	host_blk_irq_pending = NULL;
	tq_teardown();
}

/* ---- the qd 1 hot path ---- */
static unsigned saves_seen;

static void count_enable(void)
{
	saves_seen++;
}

/* An inline-completing request: interrupts masked once to start it and
 * once to complete it, no halt, one split computation. */
KTEST(blk_mq, qd1_round_trip_masks_interrupts_twice)
{
	struct bio_vec vecs[1];
	struct bio b;

	KT_ASSERT_EQ(tq_setup(4, 0), 0);
	tq.inline_complete = true;
	host_blk_irq_handler = NULL;
	bio_init(&b, &tq_disk, vecs, 1, REQ_OP_READ);
	b.bi_iter.bi_sector = 16;
	KT_ASSERT_EQ(bio_add_pfn(&b, P(300), 4096, 0), 0);
	saves_seen = 0;
	host_blk_irq_pending = count_enable;	/* once per mask lifted */
	KT_EXPECT_EQ(submit_bio_wait(&b), 0);
	host_blk_irq_pending = NULL;
	KT_EXPECT_EQ(saves_seen, 2);
	KT_EXPECT_EQ(host_blk_waits, 0);
	KT_EXPECT_EQ(tq_set.hctxs[0].dispatched, 1);
	tq_teardown();
}

/* Tags from the bitmap: unique, lowest free first, every one usable up to
 * the maximum depth, across bitmap words. */
KTEST(blk_mq, tags_lowest_free_first_at_every_depth)
{
	static const unsigned depths[] = { 1, 63, 64, 65, 130, 4096 };

	for (unsigned d = 0; d < ARRAY_SIZE(depths); d++) {
		unsigned depth = depths[d];
		struct bio *bios = calloc(depth + 3, sizeof(*bios));
		struct bio_vec *vecs = calloc(depth + 3, sizeof(*vecs));
		static const unsigned freed[] = { 70, 5, 2 };
		unsigned nfree = 0;

		KT_ASSERT(bios && vecs);
		KT_ASSERT_EQ(tq_setup(depth, 0), 0);
		tq_disk.capacity = 1 << 24;
		for (unsigned i = 0; i < depth + 3; i++) {
			bio_init(&bios[i], &tq_disk, &vecs[i], 1, REQ_OP_READ);
			bios[i].bi_iter.bi_sector = 8 * i;
			KT_ASSERT_EQ(bio_add_pfn(&bios[i], P(1000 + i), 4096, 0), 0);
		}
		for (unsigned i = 0; i < depth; i++) {
			submit_bio(&bios[i]);
			KT_ASSERT_EQ(tq.nr_pending, i + 1);
			if (tq.pending[i]->tag != i) {
				ktest_fail(__FILE__, __LINE__, "depth %u: bio %u got tag %u",
					   depth, i, tq.pending[i]->tag);
				break;
			}
		}
		KT_EXPECT_EQ(tq_set.hctxs[0].free_words, 0);
		KT_EXPECT_EQ(tq_set.hctxs[0].nr_busy, depth);
		/* free some out of order: they come back lowest first */
		for (unsigned k = 0; k < ARRAY_SIZE(freed); k++) {
			if (freed[k] >= depth)
				continue;
			blk_mq_complete_request(tq.pending[freed[k]], 0);
			tq.pending[freed[k]] = NULL;
			nfree++;
		}
		for (unsigned k = 0, want = 0; k < nfree; k++) {
			while (want < depth && tq.pending[want])
				want++;
			submit_bio(&bios[depth + k]);
			KT_EXPECT_EQ(tq.pending[depth + k]->tag, want);
			tq.pending[want] = tq.pending[depth + k];
			tq.pending[depth + k] = NULL;
		}
		tq.nr_pending = depth;
		tq_reap();
		KT_EXPECT_EQ(tq_set.hctxs[0].nr_busy, 0);
		KT_EXPECT_EQ(tq_set.hctxs[0].tag_waits, 0);
		tq_teardown();
		free(bios);
		free(vecs);
	}
}

/*
 * A vec of nearly 4 GiB with a non-zero offset: bv_offset + bi_bvec_done
 * passes 2^32 near its end, and the frame must still be the right one
 * (summed in 32 bits it wrapped to the vec's first frames). Advancing
 * across such a vec into the next must not wrap either.
 */
KTEST(bio, bvec_iter_past_4g_in_one_vec)
{
	const u32 len = 0xfffffe00U;		/* offset + len just under 4 GiB */
	struct bio_vec v[2] = {
		{ .bv_pfn = phys_to_pfn_t(0x200000000ULL, PFN_DEV), .bv_len = len,
		  .bv_offset = 0x800 },
		{ .bv_pfn = phys_to_pfn_t(0x900000000ULL, PFN_DEV), .bv_len = 0x3000,
		  .bv_offset = 0x10 },
	};
	/* 0x800 + 0xfffffa00 = 0x1_0000_0200: past 2^32 */
	struct bvec_iter it = { .bi_size = 0x400, .bi_idx = 0, .bi_bvec_done = 0xfffffa00U };
	u64 want = 0x200000000ULL + 0x800 + 0xfffffa00ULL;
	struct bio_vec bv = bvec_iter_bvec(v, it);

	KT_EXPECT_EQ(want, 0x300000200ULL);
	KT_EXPECT_EQ(pfn_t_to_phys(bv.bv_pfn) + bv.bv_offset, want);
	KT_EXPECT_EQ(bv.bv_len, 0x400);
	bv = bvec_iter_page_bvec(v, it);
	KT_EXPECT_EQ(pfn_t_to_phys(bv.bv_pfn) + bv.bv_offset, want);
	KT_EXPECT_EQ(bv.bv_len, 0x400);

	/* 3 GiB into the vec, then the rest of it + 0x1000: onto the second vec */
	it = (struct bvec_iter){ .bi_size = 0xf0000000U, .bi_idx = 0, .bi_bvec_done = 0xc0000000U };
	KT_ASSERT(bvec_iter_advance(v, &it, len - 0xc0000000U + 0x1000));
	KT_EXPECT_EQ(it.bi_idx, 1);
	KT_EXPECT_EQ(it.bi_bvec_done, 0x1000);
	bv = bvec_iter_bvec(v, it);
	KT_EXPECT_EQ(pfn_t_to_phys(bv.bv_pfn) + bv.bv_offset, 0x900000000ULL + 0x1010);
}

/* ---- segments are counted once per piece ---- */
/*
 * The block binary is linked with --wrap=blk_split_bytes (block.mk): every
 * call from outside blk_merge.c comes through here. A piece whose data is
 * in more than one vec has its segments counted by blk_split_bytes(); that
 * count goes with the piece to the driver (and with a parked piece until it
 * is dispatched), so each such piece costs exactly one call.
 */
long __real_blk_split_bytes(const struct bio_vec *vecs, struct bvec_iter iter,
			    const struct queue_limits *lim, u32 *nsegs);
static unsigned split_calls;

long __wrap_blk_split_bytes(const struct bio_vec *vecs, struct bvec_iter iter,
			    const struct queue_limits *lim, u32 *nsegs)
{
	split_calls++;
	return __real_blk_split_bytes(vecs, iter, lim, nsegs);
}

/* nr vecs of len bytes each, none contiguous with the next. */
static void add_scattered(struct bio *b, unsigned nr, u32 len)
{
	for (unsigned i = 0; i < nr; i++)
		KT_ASSERT_EQ(bio_add_pfn(b, P(400 + 2 * i), len, 0), 0);
}

KTEST(blk_core, segments_counted_once_per_piece)
{
	struct bio_vec vecs[12];
	struct bio b;

	/* bio-based: 12 vecs of 4 KiB in pieces of 16 KiB, four vecs each */
	td_setup(512, 1 << 20);
	td.disk.limits.max_hw_sectors = 32;
	bio_init(&b, &td.disk, vecs, 12, REQ_OP_WRITE);
	add_scattered(&b, 12, 4096);
	split_calls = 0;
	KT_EXPECT_EQ(submit_bio_wait(&b), 0);
	KT_EXPECT_EQ(td.nr_pieces, 3);
	KT_EXPECT_EQ(split_calls, 3);
	td_teardown();
}

KTEST(blk_mq, parked_piece_keeps_its_segment_count)
{
	struct bio_vec vecs[4];
	struct bio b;
	unsigned long flags;

	/* one tag, held by a single-vec bio; then two pieces of two 2 KiB vecs
	 * each, submitted with interrupts off: both are parked */
	KT_ASSERT_EQ(tq_setup(1, 0), 0);
	memset(&ws, 0, sizeof(ws));
	submit_bio(ws_new(REQ_OP_READ));
	KT_ASSERT_EQ(tq.nr_pending, 1);
	bio_init(&b, &tq_disk, vecs, 4, REQ_OP_WRITE);
	b.bi_iter.bi_sector = 64;
	add_scattered(&b, 4, 2048);
	b.bi_end_io = rec_endio;
	memset(&done, 0, sizeof(done));
	split_calls = 0;
	flags = local_irq_save();
	submit_bio(&b);
	local_irq_restore(flags);
	KT_EXPECT_EQ(tq_set.hctxs[0].parks, 2);
	while (tq.nr_pending)
		host_blk_raise_irq(tq_irq);
	KT_EXPECT_EQ(done.calls, 1);
	KT_EXPECT_EQ(done.status, 0);
	KT_EXPECT_EQ(tq.max_nsegs, 2);
	KT_EXPECT_EQ(tq_set.hctxs[0].dispatched, 3);
	KT_EXPECT_EQ(split_calls, 2);
	ws_check_and_free(1);
	tq_teardown();
}

/*
 * Deferred work (work.h) runs where the kernel waits, and a polled wait is
 * one: what completes the bio may be work an interrupt queued (an NVMe
 * reset queued by the timeout timer, which resubmits). Here the queue's
 * poll never reaps; the deferred work does.
 */
static unsigned stuck_polls, works_run;

static void tq_work_reap(void)
{
	KT_EXPECT_EQ(host_blk_irq_depth, 0);	/* work runs with interrupts on */
	KT_EXPECT_EQ(host_blk_in_irq, 0);
	if (tq.nr_pending)
		works_run++;
	tq_reap();
}

static int tq_poll_stuck(struct blk_mq_hw_ctx *hctx)
{
	if (++stuck_polls == 1000) {
		ktest_fail(__FILE__, __LINE__, "1000 polls and the deferred work never ran");
		tq_reap();
		return 1;
	}
	return 0;
}

KTEST(blk_mq, polled_wait_runs_deferred_work)
{
	static const struct blk_mq_ops ops = {
		.queue_rq = tq_queue_rq,
		.poll = tq_poll_stuck,
		.init_request = tq_init_request,
	};
	const struct blk_mq_ops *saved;
	struct bio_vec vecs[1];
	struct bio b;

	KT_ASSERT_EQ(tq_setup(4, 1), 0);
	saved = tq_set.ops;
	tq_set.ops = &ops;
	host_blk_irq_handler = NULL;		/* any halt fails the test */
	host_blk_work = tq_work_reap;
	stuck_polls = works_run = 0;
	bio_init(&b, &tq_disk, vecs, 1, REQ_OP_READ | REQ_POLLED);
	KT_ASSERT_EQ(bio_add_pfn(&b, P(100), 4096, 0), 0);
	KT_EXPECT_EQ(submit_bio_wait(&b), 0);
	KT_EXPECT_EQ(works_run, 1);
	KT_EXPECT(stuck_polls >= 1 && stuck_polls < 1000);
	KT_EXPECT_EQ(tq_set.hctxs[2].completed, 1);
	tq_set.ops = saved;
	tq_teardown();
}
