/*
 * test_block.c - in-guest tests of the block layer on null_blk devices:
 * submit_bio_wait() round trips in memory mode (request- and bio-based,
 * 512 and 4096-byte blocks, split at small limits), polled completion,
 * out-of-range and misaligned I/O rejected with nothing changed, bios of
 * many scattered segments, null0 itself when null_blk_init() ran, a
 * completion in a real interrupt handler resubmitting with no free tag
 * (parked, not a halt that never ends), and DISCARD pieces at a limit that
 * is not whole blocks.
 */
#include "blkdev_driver.h"
#include "cpu.h"
#include "errno.h"
#include "irq.h"
#include "ktest.h"
#include "lib.h"
#include "mm.h"
#include "time.h"

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

/*
 * Completions from the timer tick (interrupt context), one tag: the first
 * completion submits two bios from its interrupt handler; one takes the
 * freed tag, the other finds none. Halting there would never end (the
 * LAPIC holds back the wakeup until this handler's EOI); it must be parked
 * and started by the next completion, every bio completing once.
 */
static struct {
	struct gendisk *d;
	struct bio *bios[3];
	unsigned calls[3];
	int status[3];
	bool in_irq;
	pfn_t buf;
} tirq;

static void tirq_endio(struct bio *bio)
{
	unsigned i = (unsigned)(uintptr_t)bio->bi_private;

	tirq.calls[i]++;
	tirq.status[i] = bio->bi_status;
	if (i == 0) {
		tirq.in_irq = in_interrupt();
		submit_bio(tirq.bios[1]);
		submit_bio(tirq.bios[2]);
	}
}

KTEST(block, interrupt_resubmit_with_no_free_tag)
{
	struct null_blk_config cfg = {
		.name = "nullt4",
		.size = 1 << 20,
		.bs = 512,
		.hw_queue_depth = 1,
		.timer_completion = true,
	};
	struct null_blk_dev *nb;
	unsigned long flags;
	u64 deadline;

	memset(&tirq, 0, sizeof(tirq));
	KT_ASSERT_EQ(null_blk_create(&cfg, &nb), 0);
	tirq.d = null_blk_disk(nb);
	tirq.buf = pfn_alloc(0, PFN_ALLOC_ZERO);
	KT_ASSERT(!pfn_t_is_null(tirq.buf));
	for (unsigned i = 0; i < 3; i++) {
		tirq.bios[i] = bio_alloc(tirq.d, 1, REQ_OP_READ);
		KT_ASSERT(tirq.bios[i]);
		tirq.bios[i]->bi_iter.bi_sector = 8 * i;
		KT_ASSERT_EQ(bio_add_pfn(tirq.bios[i], tirq.buf, 4096, 0), 0);
		tirq.bios[i]->bi_end_io = tirq_endio;
		tirq.bios[i]->bi_private = (void *)(uintptr_t)i;
	}
	/*
	 * With interrupts off: a tick that completed bio 0 while this
	 * submit_bio() still ran would hand bios 1 and 2 to it (the outer
	 * submission on this CPU dispatches what a completion submits), in
	 * process context where waiting for a tag is allowed, and nothing
	 * would park (seen with lock.debug=1, whose checks widen the window).
	 */
	flags = local_irq_save();
	submit_bio(tirq.bios[0]);
	local_irq_restore(flags);
	deadline = ktime_ns() + 2000000000ULL;
	while ((READ_ONCE(tirq.calls[1]) + READ_ONCE(tirq.calls[2]) < 2) &&
	       ktime_ns() < deadline) {
		flags = local_irq_save();
		if (READ_ONCE(tirq.calls[1]) + READ_ONCE(tirq.calls[2]) < 2)
			safe_halt();
		local_irq_restore(flags);
	}
	KT_EXPECT(tirq.in_irq);
	for (unsigned i = 0; i < 3; i++) {
		KT_EXPECT_EQ(tirq.calls[i], 1);
		KT_EXPECT_EQ(tirq.status[i], 0);
	}
	KT_EXPECT(tirq.d->tag_set->hctxs[0].parks >= 1);
	KT_EXPECT_EQ(tirq.d->tag_set->hctxs[0].nr_busy, 0);
	if (tirq.calls[1] + tirq.calls[2] == 2) {
		for (unsigned i = 0; i < 3; i++)
			bio_put(tirq.bios[i]);
		KT_EXPECT_EQ(null_blk_destroy(nb), 0);
	}
	pfn_free(tirq.buf, 0);
}

/*
 * A DISCARD limit of 0xffff sectors on a 4 KiB device: every piece the
 * device sees is whole blocks (null_blk refuses others, as hardware does),
 * the range reads back as zeroes and the blocks around it keep their data.
 */
KTEST(block, discard_pieces_whole_blocks)
{
	struct null_blk_config cfg = {
		.name = "nullt5",
		.size = 80ULL << 20,
		.bs = 4096,
		.memory = true,
		.hw_queue_depth = 4,
		.max_discard_sectors = 0xffff,
	};
	const sector_t start = 8, nr = 0x20000;	/* 64 MiB at 4 KiB */
	struct null_blk_dev *nb;
	struct tb_buf w = { 0 }, r = { 0 };
	struct gendisk *d;
	struct bio *bio;
	const sector_t probe[] = { start, start + 0xfff8, start + nr - 8 };

	KT_ASSERT_EQ(null_blk_create(&cfg, &nb), 0);
	d = null_blk_disk(nb);
	KT_ASSERT(tb_alloc(&w) && tb_alloc(&r));
	pattern_fill(w.va, 0, TB_BYTES, 21);
	/* data before, inside (at piece edges) and after the range */
	KT_EXPECT_EQ(tb_rw(d, REQ_OP_WRITE, 0, &w, 0, 4096), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(probe); i++)
		KT_EXPECT_EQ(tb_rw(d, REQ_OP_WRITE, probe[i], &w, 0, 4096), 0);
	KT_EXPECT_EQ(tb_rw(d, REQ_OP_WRITE, start + nr, &w, 0, 4096), 0);

	bio = bio_alloc(d, 0, REQ_OP_DISCARD);
	KT_ASSERT(bio);
	bio->bi_iter.bi_sector = start;
	bio->bi_iter.bi_size = nr << SECTOR_SHIFT;
	KT_EXPECT_EQ(submit_bio_wait(bio), 0);
	bio_put(bio);
	KT_EXPECT_EQ(d->stats.splits[BLK_STAT_DISCARD], 2);

	for (unsigned i = 0; i < ARRAY_SIZE(probe); i++) {
		memset(r.va, 0xee, 4096);
		KT_EXPECT_EQ(tb_rw(d, REQ_OP_READ, probe[i], &r, 0, 4096), 0);
		KT_EXPECT(r.va[0] == 0 && r.va[4095] == 0);
	}
	KT_EXPECT_EQ(tb_rw(d, REQ_OP_READ, 0, &r, 0, 4096), 0);
	KT_EXPECT_EQ(pattern_check(r.va, 0, 4096, 21), 4096);
	KT_EXPECT_EQ(tb_rw(d, REQ_OP_READ, start + nr, &r, 0, 4096), 0);
	KT_EXPECT_EQ(pattern_check(r.va, 0, 4096, 21), 4096);
	KT_EXPECT_EQ(null_blk_destroy(nb), 0);
	tb_free(&w);
	tb_free(&r);
}
