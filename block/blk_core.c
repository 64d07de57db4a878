/*
 * blk_core.c - submission: submit_bio() checks a bio against its device
 * before any byte moves, accounts it, splits it at the queue limits and
 * hands the pieces to the driver (fops->submit_bio, or a request through
 * blk_mq_submit_bio()); submit_bio_wait() waits for bi_end_io by halting
 * until an interrupt, or by polling for REQ_POLLED bios.
 *
 * Splitting is all-or-nothing: a first pass over a copy of the iterator
 * finds every piece (and fails the bio with -EINVAL if some piece cannot be
 * aligned to the logical block size), then every split bio is taken from
 * the pool (or the bio fails with -ENOMEM), and only then is anything
 * dispatched. The pieces are chained to the original bio, which completes
 * last, once, with the first error.
 *
 * A submit_bio() called while one is running on this CPU (from a
 * completion, or an interrupt during a tag wait) queues the bio for the
 * outer call, so a driver completing inline never recurses.
 *
 * Pure logic: the host unit tests build this file as it is.
 */
#include "blkdev_driver.h"
#include "errno.h"
#include "lib.h"
#include "panic.h"
#include "printk.h"

static struct {
	bool active;
	struct bio *head, *tail;
} blk_submit_state;

enum blk_stat_group blk_stat_group(enum req_op op)
{
	switch (op) {
	case REQ_OP_READ:
		return BLK_STAT_READ;
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		return BLK_STAT_DISCARD;
	case REQ_OP_FLUSH:
		return BLK_STAT_FLUSH;
	default:
		return BLK_STAT_WRITE;
	}
}

void blk_account_io_done(struct bio *bio)
{
	struct blk_io_stats *st = &bio->bi_disk->stats;
	enum blk_stat_group g = blk_stat_group(bio_op(bio));

	__atomic_sub_fetch(&st->in_flight[g], 1, __ATOMIC_RELAXED);
	if (bio->bi_status)
		__atomic_add_fetch(&st->errors[g], 1, __ATOMIC_RELAXED);
}

/* 0, or the -errno the bio fails with (and a log line saying why). */
static int blk_check_bio(struct gendisk *disk, struct bio *bio)
{
	enum req_op op = bio_op(bio);
	const struct queue_limits *lim;
	u64 sector = bio->bi_iter.bi_sector;
	u32 size = bio->bi_iter.bi_size;
	u64 nr = size >> SECTOR_SHIFT;
	struct bvec_iter iter;
	struct bio_vec bv;
	u32 lbs;

	if (!disk || !disk->registered) {
		pr_warn("block: bio %p for no registered device\n", bio);
		return -ENODEV;
	}
	lim = &disk->limits;
	lbs = lim->logical_block_size;
	if ((unsigned)op >= REQ_OP_NR ||
	    (op == REQ_OP_DISCARD && !lim->max_discard_sectors) ||
	    (op == REQ_OP_WRITE_ZEROES && !lim->max_write_zeroes_sectors)) {
		pr_warn("%s: %s not supported\n", disk->disk_name,
			blk_op_name(op));
		return -EOPNOTSUPP;
	}
	if (op == REQ_OP_FLUSH) {
		if (size) {
			pr_warn("%s: flush with %u data bytes\n",
				disk->disk_name, size);
			return -EINVAL;
		}
		return 0;
	}
	if (!size) {
		pr_warn("%s: %s of 0 bytes\n", disk->disk_name,
			blk_op_name(op));
		return -EINVAL;
	}
	if (sector >= disk->capacity || nr > disk->capacity - sector ||
	    ((size & (SECTOR_SIZE - 1)) &&
	     sector + nr + 1 > disk->capacity)) {
		pr_warn("%s: %s beyond capacity: sector %llu + %u bytes, capacity %llu sectors\n",
			disk->disk_name, blk_op_name(op),
			(unsigned long long)sector, size,
			(unsigned long long)disk->capacity);
		return -EIO;
	}
	if ((sector & ((lbs >> SECTOR_SHIFT) - 1)) || (size & (lbs - 1))) {
		pr_warn("%s: %s not aligned to the %u-byte block size: sector %llu, %u bytes\n",
			disk->disk_name, blk_op_name(op), lbs,
			(unsigned long long)sector, size);
		return -EINVAL;
	}
	if (!op_has_data(op))
		return 0;
	bio_for_each_bvec(bv, bio, iter) {
		if ((bvec_phys(&bv) | bv.bv_len) & lim->dma_alignment) {
			pr_warn("%s: %s buffer at phys 0x%llx + %u not aligned to %u bytes\n",
				disk->disk_name, blk_op_name(op),
				(unsigned long long)bvec_phys(&bv), bv.bv_len,
				lim->dma_alignment + 1);
			return -EINVAL;
		}
	}
	return 0;
}

/* Bytes of the next piece of bio at iter, or -EINVAL. */
static long blk_piece_bytes(struct gendisk *disk, struct bio *bio,
			    struct bvec_iter iter, u32 *nsegs)
{
	const struct queue_limits *lim = &disk->limits;

	*nsegs = 0;
	switch (bio_op(bio)) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		return blk_split_bytes(bio->bi_io_vec, iter, lim, nsegs);
	case REQ_OP_DISCARD:
		return min_t(u64, iter.bi_size,
			     (u64)lim->max_discard_sectors << SECTOR_SHIFT);
	case REQ_OP_WRITE_ZEROES:
		return min_t(u64, iter.bi_size,
			     (u64)lim->max_write_zeroes_sectors << SECTOR_SHIFT);
	default:
		return iter.bi_size;
	}
}

static void blk_dispatch(struct gendisk *disk, struct bio *bio, u32 nsegs)
{
	disk->stats.requests[blk_stat_group(bio_op(bio))]++;
	if (disk->tag_set)
		blk_mq_submit_bio(disk, bio, nsegs);
	else
		disk->fops->submit_bio(bio);
}

static void blk_submit_one(struct bio *bio)
{
	struct gendisk *disk = bio->bi_disk;
	const struct queue_limits *lim;
	enum blk_stat_group g;
	struct bvec_iter iter;
	struct bio *splits = NULL;
	unsigned pieces = 0;
	u32 nsegs;
	long n;
	int err;

	err = blk_check_bio(disk, bio);
	if (err) {
		if (disk)
			__atomic_add_fetch(&disk->stats.errors[blk_stat_group(bio_op(bio))],
					   1, __ATOMIC_RELAXED);
		bio_endio_status(bio, err);
		return;
	}
	lim = &disk->limits;
	g = blk_stat_group(bio_op(bio));
	disk->stats.ios[g]++;
	disk->stats.sectors[g] += bio_sectors(bio);
	__atomic_add_fetch(&disk->stats.in_flight[g], 1, __ATOMIC_RELAXED);
	bio->bi_flags |= BIO_ACCT;

	if (!(lim->features & BLK_FEAT_WRITE_CACHE)) {
		bio->bi_opf &= ~(REQ_FUA | REQ_PREFLUSH);
		if (bio_op(bio) == REQ_OP_FLUSH) {
			bio_endio(bio);
			return;
		}
	}
	if (disk->tag_set) {
		struct blk_mq_hw_ctx *hctx =
			blk_mq_map_queue(disk->tag_set, bio->bi_opf, 0);

		bio->bi_cookie = hctx->queue_num;
		if (!hctx->polled)
			bio->bi_opf &= ~REQ_POLLED;
	} else if ((bio->bi_opf & REQ_POLLED) && disk->fops->poll) {
		bio->bi_cookie = 0;
	} else {
		bio->bi_opf &= ~REQ_POLLED;
		bio->bi_cookie = BIO_COOKIE_NONE;
	}

	if (!bio->bi_iter.bi_size) {		/* a flush */
		blk_dispatch(disk, bio, 0);
		return;
	}
	/* every piece first: fail before anything moves */
	iter = bio->bi_iter;
	do {
		n = blk_piece_bytes(disk, bio, iter, &nsegs);
		if (n <= 0) {
			pr_warn("%s: %s at sector %llu: buffer cannot be split into %u-byte blocks within the queue limits\n",
				disk->disk_name, blk_op_name(bio_op(bio)),
				(unsigned long long)bio->bi_iter.bi_sector,
				lim->logical_block_size);
			bio_endio_status(bio, -EINVAL);
			return;
		}
		if (op_has_data(bio_op(bio)))
			bvec_iter_advance(bio->bi_io_vec, &iter, (u32)n);
		else
			iter.bi_size -= (u32)n;
		pieces++;
	} while (iter.bi_size);

	for (unsigned i = 1; i < pieces; i++) {
		struct bio *s = bio_alloc(disk, 0, bio->bi_opf);

		if (!s) {
			while (splits) {
				s = splits;
				splits = s->bi_next;
				bio_put(s);
			}
			pr_warn("%s: %s at sector %llu: bio pool exhausted (%u pieces)\n",
				disk->disk_name, blk_op_name(bio_op(bio)),
				(unsigned long long)bio->bi_iter.bi_sector,
				pieces);
			bio_endio_status(bio, -ENOMEM);
			return;
		}
		s->bi_next = splits;
		splits = s;
	}
	disk->stats.splits[g] += pieces - 1;

	while (splits) {
		struct bio *s = splits;

		splits = s->bi_next;
		s->bi_next = NULL;
		n = blk_piece_bytes(disk, bio, bio->bi_iter, &nsegs);
		__bio_split(bio, (u32)n >> SECTOR_SHIFT, s);
		bio_chain(s, bio);
		blk_dispatch(disk, s, nsegs);
	}
	blk_piece_bytes(disk, bio, bio->bi_iter, &nsegs);
	blk_dispatch(disk, bio, nsegs);
}

void submit_bio(struct bio *bio)
{
	unsigned long flags = blk_irq_save();

	if (blk_submit_state.active) {
		bio->bi_next = NULL;
		if (blk_submit_state.tail)
			blk_submit_state.tail->bi_next = bio;
		else
			blk_submit_state.head = bio;
		blk_submit_state.tail = bio;
		blk_irq_restore(flags);
		return;
	}
	blk_submit_state.active = true;
	blk_irq_restore(flags);

	for (;;) {
		blk_submit_one(bio);
		flags = blk_irq_save();
		bio = blk_submit_state.head;
		if (bio) {
			blk_submit_state.head = bio->bi_next;
			if (!blk_submit_state.head)
				blk_submit_state.tail = NULL;
			bio->bi_next = NULL;
		} else {
			blk_submit_state.active = false;
		}
		blk_irq_restore(flags);
		if (!bio)
			break;
	}
}

int blk_poll(struct gendisk *disk, unsigned queue)
{
	struct blk_mq_tag_set *set = disk->tag_set;

	if (set) {
		if (queue >= set->nr_hw_queues + set->nr_poll_queues ||
		    !set->hctxs[queue].polled)
			return 0;
		return set->ops->poll(&set->hctxs[queue]);
	}
	if (disk->fops && disk->fops->poll)
		return disk->fops->poll(disk, queue);
	return 0;
}

static void blk_wait_endio(struct bio *bio)
{
	WRITE_ONCE(*(bool *)bio->bi_private, true);
}

int submit_bio_wait(struct bio *bio)
{
	bool done = false;
	unsigned long flags;

	bio->bi_private = &done;
	bio->bi_end_io = blk_wait_endio;
	submit_bio(bio);
	if ((bio->bi_opf & REQ_POLLED) && bio->bi_cookie != BIO_COOKIE_NONE) {
		while (!READ_ONCE(done))
			blk_poll(bio->bi_disk, bio->bi_cookie);
	} else {
		flags = blk_irq_save();
		while (!READ_ONCE(done))
			blk_wait_interrupt();
		blk_irq_restore(flags);
	}
	return bio->bi_status;
}
