/*
 * test_block.c - in-guest tests of the block layer on null_blk devices:
 * submit_bio_wait() round trips in memory mode (request- and bio-based,
 * 512 and 4096-byte blocks, split at small limits), polled completion,
 * out-of-range and misaligned I/O rejected with nothing changed, bios of
 * many scattered segments, and null0 itself when null_blk_init() ran.
 */
#include "blkdev_driver.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "mm.h"

#define TB_ORDER	4			/* 64 KiB buffers */
#define TB_BYTES	(PAGE_SIZE << TB_ORDER)

struct tb_buf {
	pfn_t pfn;
	u8 *va;
};

static bool tb_alloc(struct tb_buf *b)
{
	b->pfn = pfn_alloc(TB_ORDER, PFN_ALLOC_ZERO);
	if (pfn_t_is_null(b->pfn))
		return false;
	b->va = phys_to_virt(pfn_t_to_phys(b->pfn));
	return true;
}

static void tb_free(struct tb_buf *b)
{
	if (!pfn_t_is_null(b->pfn))
		pfn_free(b->pfn, TB_ORDER);
}

/* Synchronous I/O of len bytes of buf at byte offset off, at sector. */
static int tb_rw(struct gendisk *d, u32 opf, sector_t sector,
		 struct tb_buf *buf, u32 off, u32 len)
{
	struct bio *bio = bio_alloc(d, 1, opf);
	int err;

	if (!bio)
		return -ENOMEM;
	bio->bi_iter.bi_sector = sector;
	err = len ? bio_add_pfn(bio, buf->pfn, len, off) : 0;
	if (!err)
		err = submit_bio_wait(bio);
	bio_put(bio);
	return err;
}

static struct null_blk_dev *tb_create(const char *name, u32 bs, bool bio_based,
				      u32 max_sectors, u32 poll_queues)
{
	struct null_blk_config cfg = {
		.name = name,
		.size = 16ULL << 20,
		.bs = bs,
		.memory = true,
		.bio_based = bio_based,
		.hw_queue_depth = 8,
		.poll_queues = poll_queues,
		.max_sectors = max_sectors,
	};
	struct null_blk_dev *nb;

	return null_blk_create(&cfg, &nb) ? NULL : nb;
}

KTEST(block, null_memory_round_trip)
{
	static const struct {
		u32 bs;
		bool bio_based;
		u32 max_sectors;
	} t[] = {
		{ 512, false, 0 }, { 512, true, 0 }, { 4096, false, 0 },
		{ 512, false, 8 }, { 4096, true, 16 },
	};
	struct tb_buf w = { 0 }, r = { 0 };

	KT_ASSERT(tb_alloc(&w) && tb_alloc(&r));
	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		struct null_blk_dev *nb = tb_create("nullt0", t[i].bs, t[i].bio_based,
						    t[i].max_sectors, 0);
		struct gendisk *d;
		sector_t lba[] = { 0, 8, 4096, (16 << 11) - 128 };

		KT_ASSERT(nb);
		d = null_blk_disk(nb);
		for (unsigned k = 0; k < ARRAY_SIZE(lba); k++) {
			u64 pos = lba[k] << SECTOR_SHIFT;

			pattern_fill(w.va, pos, TB_BYTES, (u16)(i + 1));
			memset(r.va, 0xee, TB_BYTES);
			KT_EXPECT_EQ(tb_rw(d, REQ_OP_WRITE, lba[k], &w, 0, TB_BYTES), 0);
			KT_EXPECT_EQ(tb_rw(d, REQ_OP_READ, lba[k], &r, 0, TB_BYTES), 0);
			KT_EXPECT_EQ(pattern_check(r.va, pos, TB_BYTES, (u16)(i + 1)),
				     TB_BYTES);
		}
		/* unwritten space reads as zeroes; write zeroes clears */
		KT_EXPECT_EQ(tb_rw(d, REQ_OP_READ, 2048, &r, 0, 4096), 0);
		KT_EXPECT(r.va[0] == 0 && r.va[4095] == 0);
		KT_EXPECT_EQ(tb_rw(d, REQ_OP_WRITE_ZEROES, 0, NULL, 0, 0), -EINVAL);
		{
			struct bio *bio = bio_alloc(d, 0, REQ_OP_WRITE_ZEROES);

			KT_ASSERT(bio);
			bio->bi_iter.bi_sector = 8;
			bio->bi_iter.bi_size = 8192;
			KT_EXPECT_EQ(submit_bio_wait(bio), 0);
			bio_put(bio);
		}
		KT_EXPECT_EQ(tb_rw(d, REQ_OP_READ, 8, &r, 0, 8192), 0);
		KT_EXPECT(r.va[0] == 0 && r.va[8191] == 0);
		KT_EXPECT(d->stats.ios[BLK_STAT_WRITE] == 4);
		if (t[i].max_sectors)
			KT_EXPECT(d->stats.splits[BLK_STAT_WRITE] > 0);
		KT_EXPECT_EQ(null_blk_destroy(nb), 0);
	}
	tb_free(&w);
	tb_free(&r);
}

KTEST(block, null_rejects_bad_io_without_change)
{
	struct tb_buf w = { 0 }, r = { 0 };
	struct null_blk_dev *nb = tb_create("nullt1", 4096, false, 0, 0);
	struct gendisk *d;
	sector_t cap;

	KT_ASSERT(nb && tb_alloc(&w) && tb_alloc(&r));
	d = null_blk_disk(nb);
	cap = d->capacity;
	pattern_fill(w.va, 0, TB_BYTES, 9);
	KT_EXPECT_EQ(tb_rw(d, REQ_OP_WRITE, cap - 8, &w, 0, 4096), 0);
	memset(w.va, 0x5a, TB_BYTES);
	KT_EXPECT_EQ(tb_rw(d, REQ_OP_WRITE, cap - 8, &w, 0, 8192), -EIO);
	KT_EXPECT_EQ(tb_rw(d, REQ_OP_WRITE, cap, &w, 0, 4096), -EIO);
	KT_EXPECT_EQ(tb_rw(d, REQ_OP_WRITE, cap - 15, &w, 0, 4096), -EINVAL);
	KT_EXPECT_EQ(tb_rw(d, REQ_OP_WRITE, cap - 8, &w, 0, 512), -EINVAL);
	KT_EXPECT_EQ(tb_rw(d, REQ_OP_READ, cap - 8, &r, 0, 4096), 0);
	KT_EXPECT_EQ(pattern_check(r.va, 0, 4096, 9), 4096);
	KT_EXPECT_EQ(d->stats.errors[BLK_STAT_WRITE], 4);
	KT_EXPECT_EQ(null_blk_destroy(nb), 0);
	tb_free(&w);
	tb_free(&r);
}

KTEST(block, null_many_segments)
{
	struct tb_buf w = { 0 }, r = { 0 };
	struct null_blk_dev *nb = tb_create("nullt2", 512, false, 16, 0);
	struct bio *bio;
	struct gendisk *d;
	const unsigned nseg = 16 * 3;	/* 16 pages, 3 sectors from each */

	KT_ASSERT(nb && tb_alloc(&w) && tb_alloc(&r));
	d = null_blk_disk(nb);
	/* write: sector i comes from page i % 16, slot i / 16 */
	pattern_fill(r.va, 1 << 20, nseg * 512, 33);
	for (unsigned i = 0; i < nseg; i++)
		memcpy(w.va + (i % 16) * PAGE_SIZE + (i / 16) * 1024,
		       r.va + i * 512, 512);
	bio = bio_alloc(d, BIO_MAX_VECS, REQ_OP_WRITE);
	KT_ASSERT(bio);
	bio->bi_iter.bi_sector = (1 << 20) >> SECTOR_SHIFT;
	for (unsigned i = 0; i < nseg; i++)
		KT_ASSERT_EQ(bio_add_pfn(bio, w.pfn, 512,
					 (i % 16) * PAGE_SIZE + (i / 16) * 1024), 0);
	KT_EXPECT_EQ(bio->bi_vcnt, nseg);
	KT_EXPECT_EQ(submit_bio_wait(bio), 0);
	bio_put(bio);
	/* read back contiguously */
	memset(r.va, 0, TB_BYTES);
	KT_EXPECT_EQ(tb_rw(d, REQ_OP_READ, (1 << 20) >> SECTOR_SHIFT, &r, 0,
			   nseg * 512), 0);
	KT_EXPECT_EQ(pattern_check(r.va, 1 << 20, nseg * 512, 33), nseg * 512);
	KT_EXPECT_EQ(null_blk_destroy(nb), 0);
	tb_free(&w);
	tb_free(&r);
}

KTEST(block, null_polled_queue)
{
	struct tb_buf w = { 0 }, r = { 0 };
	struct null_blk_dev *nb = tb_create("nullt3", 512, false, 16, 1);
	struct gendisk *d;

	KT_ASSERT(nb && tb_alloc(&w) && tb_alloc(&r));
	d = null_blk_disk(nb);
	pattern_fill(w.va, 0, TB_BYTES, 5);
	KT_EXPECT_EQ(tb_rw(d, REQ_OP_WRITE | REQ_POLLED, 0, &w, 0, TB_BYTES), 0);
	KT_EXPECT_EQ(tb_rw(d, REQ_OP_READ | REQ_POLLED, 0, &r, 0, TB_BYTES), 0);
	KT_EXPECT_EQ(pattern_check(r.va, 0, TB_BYTES, 5), TB_BYTES);
	KT_EXPECT(d->tag_set->hctxs[1].completed >= 16);
	KT_EXPECT_EQ(d->tag_set->hctxs[1].nr_busy, 0);
	KT_EXPECT_EQ(null_blk_destroy(nb), 0);
	tb_free(&w);
	tb_free(&r);
}

KTEST(block, null0_registered_and_checks)
{
	struct gendisk *d = blk_find_disk("null0");
	struct tb_buf b = { 0 };

	KT_ASSERT(d);
	KT_ASSERT(tb_alloc(&b));
	KT_EXPECT_EQ(tb_rw(d, REQ_OP_READ, 0, &b, 0, 4096), 0);
	KT_EXPECT_EQ(tb_rw(d, REQ_OP_READ, d->capacity, &b, 0, 4096), -EIO);
	KT_EXPECT_EQ(tb_rw(d, REQ_OP_READ, 0, &b, 0, 100), -EINVAL);
	tb_free(&b);
}
