/*
 * blk_core.c - submission: submit_bio() checks a bio against its device
 * before any byte moves, accounts it, splits it at the queue limits and
 * hands the pieces to the driver (fops->submit_bio, or a request through
 * blk_mq_submit_bio()); submit_bio_wait() waits for bi_end_io with
 * blk_wait_once() (block/blk_wait.c): halting until an interrupt, or
 * polling for REQ_POLLED bios.
 *
 * Splitting is all-or-nothing: one walk over a copy of the iterator finds
 * every piece and counts its segments, once, taking a split bio from the
 * pool for each piece but the last; the bio fails with -EINVAL if some
 * piece cannot be aligned to the logical block size, else with -ENOMEM if
 * the pool ran out, and only then is anything dispatched. Each piece goes
 * to the driver with its count in bi_phys_segments (the request path keeps
 * it for a piece it parks), so blk_rq_map_sg() is the only other walk. The
 * pieces are chained to the original bio, which completes last, once, with
 * the first error.
 *
 * Flushes: REQ_PREFLUSH and REQ_FUA are dropped for reads and for devices
 * without a volatile write cache (a FLUSH there completes at once). A
 * DISCARD carrying either is refused (-EINVAL), whatever the device: it
 * writes no data whose durability they could promise, and NVMe's Dataset
 * Management has no FUA bit, so a device declaring BLK_FEAT_FUA would drop
 * the promise silently (Linux's submit_bio_noacct() refuses flush flags on
 * anything but a write, with -EIO). A bio
 * that still has REQ_PREFLUSH, or REQ_FUA on a device without
 * BLK_FEAT_FUA, runs as a flush sequence: block/blk_flush.c hands back
 * each stage in turn, marked BIO_FLUSH_SEQ, and this file submits it
 * through submit_bio(), straight to the split and dispatch.
 *
 * A submit_bio() called while one is running on this CPU (from a
 * completion, or an interrupt during a tag wait) queues the bio for the
 * outer call, so a driver completing inline never recurses. The flag and
 * the queue are per CPU and touched by interrupt handlers only as a whole
 * (a handler's submit_bio() runs to its end before the interrupted code
 * goes on), so entering and leaving need no interrupt masking; only the
 * queue itself is changed with interrupts off.
 *
 * Hot path (one bio within the limits, the common case): the checks run
 * once per bio, the split computation once, the queue is found without a
 * division, and submit_bio_wait() returns at once when the driver
 * completed the bio inline.
 *
 * Layer 4 of block/ (scripts/check-floors): submission and dispatch, above
 * the bio, the split arithmetic, the flush sequencer, the wait and the
 * request path.
 *
 * Pure logic: the host unit tests build this file as it is.
 */
#include "blk.h"
#include "errno.h"
#include "irq.h"
#include "lib.h"
#include "panic.h"
#include "printk.h"
#include "spinlock.h"

static struct {
	bool active;
	struct bio *head, *tail;
} blk_submit_state;

/* Does some vec of bio's remaining data break the DMA alignment mask? */
static bool blk_bio_misaligned(const struct bio *bio, u32 mask)
{
	const struct bio_vec *v = &bio->bi_io_vec[bio->bi_iter.bi_idx];
	u64 phys = bvec_phys(v) + bio->bi_iter.bi_bvec_done;
	u32 len = v->bv_len - bio->bi_iter.bi_bvec_done;
	u32 left = bio->bi_iter.bi_size;
	u64 acc = 0;

	for (;;) {
		if (len > left)
			len = left;
		acc |= phys | len;
		left -= len;
		if (!left)
			break;
		v++;
		phys = bvec_phys(v);
		len = v->bv_len;
	}
	return acc & mask;
}

static void blk_warn_misaligned(struct gendisk *disk, struct bio *bio)
{
	const struct queue_limits *lim = &disk->limits;
	struct bvec_iter iter;
	struct bio_vec bv;

	bio_for_each_bvec(bv, bio, iter) {
		if ((bvec_phys(&bv) | bv.bv_len) & lim->dma_alignment) {
			pr_warn("%s: %s buffer at phys 0x%llx + %u not aligned to %u bytes\n",
				disk->disk_name, blk_op_name(bio_op(bio)),
				(unsigned long long)bvec_phys(&bv), bv.bv_len,
				lim->dma_alignment + 1);
			return;
		}
	}
}

/* 0, or the -errno the bio fails with (and a log line saying why). */
static int blk_check_bio(struct gendisk *disk, struct bio *bio)
{
	enum req_op op = bio_op(bio);
	const struct queue_limits *lim;
	u64 sector = bio->bi_iter.bi_sector;
	u32 size = bio->bi_iter.bi_size;
	u64 nr = size >> SECTOR_SHIFT;
	u32 lbs;

	if (unlikely(!disk || !disk->registered)) {
		pr_warn("block: bio %p for no registered device\n", bio);
		return -ENODEV;
	}
	lim = &disk->limits;
	lbs = lim->logical_block_size;
	if (unlikely(!op_has_data(op))) {
		if ((unsigned)op >= REQ_OP_NR ||
		    (op == REQ_OP_DISCARD && !lim->max_discard_sectors) ||
		    (op == REQ_OP_WRITE_ZEROES && !lim->max_write_zeroes_sectors)) {
			pr_warn("%s: %s not supported\n", disk->disk_name,
				blk_op_name(op));
			return -EOPNOTSUPP;
		}
		if (unlikely(op == REQ_OP_DISCARD &&
			     (bio->bi_opf & (REQ_FUA | REQ_PREFLUSH)))) {
			u32 f = bio->bi_opf & (REQ_FUA | REQ_PREFLUSH);

			pr_warn("%s: discard with %s refused: FUA and PREFLUSH are for writes\n",
				disk->disk_name,
				f == REQ_FUA ? "FUA" : f == REQ_PREFLUSH ? "PREFLUSH" :
				"FUA and PREFLUSH");
			return -EINVAL;
		}
		if (op == REQ_OP_FLUSH) {
			if (size) {
				pr_warn("%s: flush with %u data bytes\n",
					disk->disk_name, size);
				return -EINVAL;
			}
			return 0;
		}
	}
	if (unlikely(!size)) {
		pr_warn("%s: %s of 0 bytes\n", disk->disk_name,
			blk_op_name(op));
		return -EINVAL;
	}
	if (unlikely(sector >= disk->capacity || nr > disk->capacity - sector ||
		     ((size & (SECTOR_SIZE - 1)) &&
		      sector + nr + 1 > disk->capacity))) {
		pr_warn("%s: %s beyond capacity: sector %llu + %u bytes, capacity %llu sectors\n",
			disk->disk_name, blk_op_name(op),
			(unsigned long long)sector, size,
			(unsigned long long)disk->capacity);
		return -EIO;
	}
	if (unlikely((sector & ((lbs >> SECTOR_SHIFT) - 1)) || (size & (lbs - 1)))) {
		pr_warn("%s: %s not aligned to the %u-byte block size: sector %llu, %u bytes\n",
			disk->disk_name, blk_op_name(op), lbs,
			(unsigned long long)sector, size);
		return -EINVAL;
	}
	if (op_has_data(op) && lim->dma_alignment &&
	    unlikely(blk_bio_misaligned(bio, lim->dma_alignment))) {
		blk_warn_misaligned(disk, bio);
		return -EINVAL;
	}
	return 0;
}

/*
 * Bytes of a DISCARD or WRITE_ZEROES piece: the device's limit rounded
 * down to whole logical blocks (a limit such as 0xffff sectors on a 4 KiB
 * device would otherwise cut pieces off mid-block), or -EINVAL when that
 * leaves nothing.
 */
static long blk_range_piece_bytes(const struct queue_limits *lim,
				  u32 max_sectors, u32 size)
{
	u64 max = ALIGN_DOWN((u64)max_sectors << SECTOR_SHIFT,
			     (u64)lim->logical_block_size);

	if (unlikely(!max))
		return -EINVAL;
	return (long)min_t(u64, size, max);
}

/*
 * Bytes of the next piece of bio at iter, or -EINVAL.
 * Fast path: the rest of the data is in one vec and fits every limit
 * (request size, segment size, segment boundary) - one segment, no split.
 */
static long blk_piece_bytes(struct gendisk *disk, struct bio *bio,
			    struct bvec_iter iter, u32 *nsegs)
{
	const struct queue_limits *lim = &disk->limits;
	const struct bio_vec *v;
	u64 phys;

	*nsegs = 0;
	switch (bio_op(bio)) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		v = &bio->bi_io_vec[iter.bi_idx];
		phys = bvec_phys(v) + iter.bi_bvec_done;
		if (likely(iter.bi_size <= v->bv_len - iter.bi_bvec_done &&
			   iter.bi_size <= lim->max_segment_size &&
			   iter.bi_size <= (u64)lim->max_hw_sectors << SECTOR_SHIFT &&
			   ((phys ^ (phys + iter.bi_size - 1)) &
			    ~lim->seg_boundary_mask) == 0)) {
			*nsegs = 1;
			return iter.bi_size;
		}
		return blk_split_bytes(bio->bi_io_vec, iter, lim, nsegs);
	case REQ_OP_DISCARD:
		return blk_range_piece_bytes(lim, lim->max_discard_sectors,
					     iter.bi_size);
	case REQ_OP_WRITE_ZEROES:
		return blk_range_piece_bytes(lim, lim->max_write_zeroes_sectors,
					     iter.bi_size);
	default:
		return iter.bi_size;
	}
}

/* One piece, its bi_phys_segments set, to the driver. */
static inline void blk_dispatch(struct gendisk *disk, struct bio *bio)
{
	blk_account_request(disk, bio_op(bio));
	if (disk->tag_set)
		blk_mq_submit_bio(disk, bio);
	else
		disk->fops->submit_bio(bio);
}

static void blk_fail_unsplittable(struct gendisk *disk, struct bio *bio)
{
	pr_warn("%s: %s at sector %llu: buffer cannot be split into %u-byte blocks within the queue limits\n",
		disk->disk_name, blk_op_name(bio_op(bio)),
		(unsigned long long)bio->bi_iter.bi_sector,
		disk->limits.logical_block_size);
	bio_endio_status(bio, -EINVAL);
}

static void blk_put_splits(struct bio *splits)
{
	while (splits) {
		struct bio *s = splits;

		splits = s->bi_next;
		bio_put(s);
	}
}

/*
 * A bio that needs more than one piece; first and nsegs are the first
 * piece's bytes and segment count. One walk finds every piece, each once,
 * before anything moves: each piece but the last takes a split bio from the
 * pool, which carries the piece's size and segment count until it is cut
 * off the front of the bio (the last piece is what is left of the bio).
 */
static void blk_submit_split(struct gendisk *disk, struct bio *bio, long first,
			     u32 nsegs)
{
	struct bvec_iter iter = bio->bi_iter;
	struct bio *splits = NULL, **tail = &splits, *s;
	unsigned pieces = 0;
	bool pool_empty = false;
	long n = first;

	/* every piece first: fail before anything moves */
	for (;;) {
		if (n <= 0) {
			blk_put_splits(splits);
			blk_fail_unsplittable(disk, bio);
			return;
		}
		if (op_has_data(bio_op(bio)))
			bvec_iter_advance(bio->bi_io_vec, &iter, (u32)n);
		else
			iter.bi_size -= (u32)n;
		pieces++;
		if (!iter.bi_size)
			break;
		/* an empty pool fails the bio, after the walk: a piece that
		 * cannot be cut is the error to report */
		s = pool_empty ? NULL : bio_alloc(disk, 0, bio->bi_opf);
		if (s) {
			s->bi_iter.bi_size = (u32)n;	/* until __bio_split() */
			s->bi_phys_segments = nsegs;
			*tail = s;
			tail = &s->bi_next;
		} else {
			pool_empty = true;
		}
		n = blk_piece_bytes(disk, bio, iter, &nsegs);
	}
	if (pool_empty) {
		blk_put_splits(splits);
		pr_warn("%s: %s at sector %llu: bio pool exhausted (%u pieces)\n",
			disk->disk_name, blk_op_name(bio_op(bio)),
			(unsigned long long)bio->bi_iter.bi_sector, pieces);
		bio_endio_status(bio, -ENOMEM);
		return;
	}
	blk_account_split(disk, bio_op(bio), pieces - 1);

	while (splits) {
		s = splits;
		splits = s->bi_next;
		s->bi_next = NULL;
		__bio_split(bio, s->bi_iter.bi_size >> SECTOR_SHIFT, s);
		bio_chain(s, bio);
		blk_dispatch(disk, s);
	}
	bio->bi_phys_segments = nsegs;
	blk_dispatch(disk, bio);
}

/* A checked bio whose queue is chosen: to the driver, split if need be. */
static void blk_submit_checked(struct gendisk *disk, struct bio *bio)
{
	u32 nsegs;
	long n;

	if (unlikely(!bio->bi_iter.bi_size)) {		/* a flush */
		bio->bi_phys_segments = 0;
		blk_dispatch(disk, bio);
		return;
	}
	n = blk_piece_bytes(disk, bio, bio->bi_iter, &nsegs);
	if (likely(n == bio->bi_iter.bi_size)) {
		bio->bi_phys_segments = nsegs;
		blk_dispatch(disk, bio);
	} else {
		blk_submit_split(disk, bio, n, nsegs);
	}
}

static void blk_flush_endio(struct bio *stage);

/* Submit a flush sequence's next stage, if there is one (blk_flush.c). */
static void blk_flush_submit_stage(struct bio *stage)
{
	if (stage) {
		stage->bi_end_io = blk_flush_endio;
		submit_bio(stage);
	}
}

static void blk_flush_endio(struct bio *stage)
{
	blk_flush_submit_stage(blk_flush_stage_done(stage));
}

static void blk_submit_one(struct bio *bio)
{
	struct gendisk *disk = bio->bi_disk;
	struct blk_mq_tag_set *set;
	int err;

	if (unlikely(bio->bi_flags & BIO_FLUSH_SEQ)) {
		/* a stage of a flush sequence: its original was checked */
		blk_submit_checked(disk, bio);
		return;
	}
	err = blk_check_bio(disk, bio);
	if (unlikely(err)) {
		if (disk)
			blk_account_io_failed(disk, bio_op(bio));
		bio_endio_status(bio, err);
		return;
	}
	blk_account_io_start(bio);

	/* flushes only matter for writes to a volatile cache (as Linux) */
	if (unlikely(bio->bi_opf & (REQ_FUA | REQ_PREFLUSH)) &&
	    (!op_is_write(bio_op(bio)) ||
	     !(disk->limits.features & BLK_FEAT_WRITE_CACHE)))
		bio->bi_opf &= ~(REQ_FUA | REQ_PREFLUSH);
	if (unlikely(bio_op(bio) == REQ_OP_FLUSH) &&
	    !(disk->limits.features & BLK_FEAT_WRITE_CACHE)) {
		bio_endio(bio);
		return;
	}
	/*
	 * Polled or not: REQ_POLLED stays (or is set, on a request-based
	 * device that polls by default) only where there are polled queues;
	 * blk_mq_map_queue() then picks the queue from it, at dispatch and for
	 * every wait (blk_wait_once()).
	 */
	set = disk->tag_set;
	if (set ? set->nr_poll_queues &&
		  ((bio->bi_opf & REQ_POLLED) ||
		   (disk->limits.features & BLK_FEAT_POLL_DEFAULT)) :
		  (bio->bi_opf & REQ_POLLED) && disk->fops->poll)
		bio->bi_opf |= REQ_POLLED;
	else
		bio->bi_opf &= ~REQ_POLLED;

	if (unlikely(bio->bi_opf & (REQ_FUA | REQ_PREFLUSH)) &&
	    blk_flush_needed(disk, bio->bi_opf)) {
		blk_flush_submit_stage(blk_flush_start(bio));
		return;
	}
	blk_submit_checked(disk, bio);
}

void submit_bio(struct bio *bio)
{
	unsigned long flags;

	if (READ_ONCE(blk_submit_state.active)) {
		/* an outer submit_bio() on this CPU dispatches it */
		flags = local_irq_save();
		bio->bi_next = NULL;
		if (blk_submit_state.tail)
			blk_submit_state.tail->bi_next = bio;
		else
			blk_submit_state.head = bio;
		blk_submit_state.tail = bio;
		local_irq_restore(flags);
		return;
	}
	WRITE_ONCE(blk_submit_state.active, true);
	barrier();

	for (;;) {
		blk_submit_one(bio);
		if (likely(!READ_ONCE(blk_submit_state.head))) {
			WRITE_ONCE(blk_submit_state.active, false);
			barrier();
			/* an interrupt may have queued one just before */
			if (likely(!READ_ONCE(blk_submit_state.head)))
				return;
		}
		flags = local_irq_save();
		bio = blk_submit_state.head;
		if (!bio) {
			/* an interrupt's submit_bio() dispatched it */
			local_irq_restore(flags);
			return;
		}
		blk_submit_state.head = bio->bi_next;
		if (!blk_submit_state.head)
			blk_submit_state.tail = NULL;
		bio->bi_next = NULL;
		blk_submit_state.active = true;
		local_irq_restore(flags);
	}
}

static void blk_wait_endio(struct bio *bio)
{
	WRITE_ONCE(*(bool *)bio->bi_private, true);
}

int submit_bio_wait(struct bio *bio)
{
	bool done = false;
	unsigned long flags;

	lock_assert_none_held("submit_bio_wait()");
	bio->bi_private = &done;
	bio->bi_end_io = blk_wait_endio;
	submit_bio(bio);
	if (likely(READ_ONCE(done)))		/* completed inline */
		return bio->bi_status;
	if (unlikely(blk_in_interrupt() || blk_endio_depth))
		panic("BUG: submit_bio_wait() on %s from an interrupt handler or a completion: it would wait forever",
		      bio->bi_disk ? bio->bi_disk->disk_name : "?");
	flags = local_irq_save();
	while (!READ_ONCE(done))
		if (unlikely(!blk_wait_once(bio->bi_disk, bio->bi_opf, flags)))
			panic("BUG: submit_bio_wait() on %s with interrupts off: its completion interrupt could never arrive",
			      bio->bi_disk->disk_name);
	local_irq_restore(flags);
	return bio->bi_status;
}
