/*
 * blk.h - what the block layer's own files share and nothing else sees
 * (after Linux block/blk.h; the host unit tests name it "block/blk.h"):
 * the accounting of a disk's statistics, the only code that changes them,
 * and the entry points one block file offers another.
 *
 * Accounting (struct blk_io_stats, as /proc/diskstats): a bio that passes
 * submit_bio()'s checks is an I/O from blk_account_io_start() until
 * bio_endio() completes it (blk_account_io_done()); one that fails them is
 * an error only. Each piece handed to the driver is a request, each piece
 * beyond the first a split, each vec that blk_rq_map_sg() merges into the
 * entry before a merge. Every counter is a relaxed atomic add: bios are
 * submitted and completed on any CPU, and a reader (`iostat`) sums nothing,
 * so there is no lock; counts are exact, a snapshot of several is not
 * (docs/architecture.md, "Locks and their order"). Per-CPU counters would
 * spare the shared cache line; the SMP I/O work may make them so.
 *
 * The block files are layered (each opening comment names its layer;
 * scripts/check-floors --build checks that every call goes to a lower
 * one, so they call each other in no circle):
 *
 *   5  blk_kernel.c, dma.c   boot-time setup: blk_init(), dma_init()
 *   4  blk_core.c            submission and dispatch: checks, accounting,
 *                            flush sequences, splits; submit_bio_wait()
 *   3  blk_mq.c              the request path (beside dispatch: the target
 *                            of request-based devices' pieces)
 *   2  blk_merge.c           split arithmetic, scatterlist mapping
 *      blk_flush.c           flush sequencing (blk_core.c submits)
 *      blk_wait.c            the one wait, blk_wait_once()
 *      dma_mapping.c         DMA mapping
 *   1  bio.c                 the bio object
 *      scatterlist.c         scatterlists and their pool
 *      dma_pool.c            the DMA bounce pool's slot allocator
 *      dma_debug.c           the DMA debug table
 *   0  blk_plat.c, dma_plat.c   the kernel's platform hooks (the host
 *      genhd.c                  tests have their own), the registry
 *
 * Upward, only pointers: bi_end_io, the drivers' ops. Accounting is the
 * inline helpers below, which every layer may use.
 */
#ifndef PFNOS_BLOCK_BLK_H
#define PFNOS_BLOCK_BLK_H

#include "blkdev_driver.h"

/* ---- accounting ---- */
static inline enum blk_stat_group blk_stat_group(enum req_op op)
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

/* bio passed its checks: an I/O in flight until blk_account_io_done(). */
static inline void blk_account_io_start(struct bio *bio)
{
	struct blk_io_stats *st = &bio->bi_disk->stats;
	enum blk_stat_group g = blk_stat_group(bio_op(bio));

	__atomic_add_fetch(&st->ios[g], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&st->sectors[g], bio_sectors(bio), __ATOMIC_RELAXED);
	__atomic_add_fetch(&st->in_flight[g], 1, __ATOMIC_RELAXED);
	bio->bi_flags |= BIO_ACCT;
	blk_count_cpu_io(false);
}

/* An accounted bio completed (bio_endio()). Context: any. */
static inline void blk_account_io_done(struct bio *bio)
{
	struct blk_io_stats *st = &bio->bi_disk->stats;
	enum blk_stat_group g = blk_stat_group(bio_op(bio));

	__atomic_sub_fetch(&st->in_flight[g], 1, __ATOMIC_RELAXED);
	if (bio->bi_status)
		__atomic_add_fetch(&st->errors[g], 1, __ATOMIC_RELAXED);
	blk_count_cpu_io(true);
}

/* A bio for disk failed submit_bio()'s checks: an error, never an I/O. */
static inline void blk_account_io_failed(struct gendisk *disk, enum req_op op)
{
	__atomic_add_fetch(&disk->stats.errors[blk_stat_group(op)], 1,
			   __ATOMIC_RELAXED);
}

/* A bio went to the driver in pieces: extra pieces beyond the first. */
static inline void blk_account_split(struct gendisk *disk, enum req_op op,
				     unsigned extra)
{
	__atomic_add_fetch(&disk->stats.splits[blk_stat_group(op)], extra, __ATOMIC_RELAXED);
}

/* One piece went to the driver. */
static inline void blk_account_request(struct gendisk *disk, enum req_op op)
{
	__atomic_add_fetch(&disk->stats.requests[blk_stat_group(op)], 1, __ATOMIC_RELAXED);
}

/* blk_rq_map_sg() merged vecs into the entry before them. */
static inline void blk_account_merges(struct gendisk *disk, enum req_op op,
				      u32 merges)
{
	__atomic_add_fetch(&disk->stats.merges[blk_stat_group(op)], merges, __ATOMIC_RELAXED);
}

/* The CPU this runs on, for blk_mq_map_queue(): pfnos runs on the boot CPU
 * only, for now. */
static inline unsigned blk_this_cpu(void)
{
	return 0;
}

/* ---- bio.c ---- */
/* bio_split() into a bio the caller already took from the pool. */
void __bio_split(struct bio *bio, unsigned sectors, struct bio *split);
/* bio (the caller's memory) becomes a clone of src: its vecs, position
 * and size, with op and flags opf. */
void bio_init_clone(struct bio *bio, struct bio *src, u32 opf);
/* bi_end_io callbacks running on this CPU (bio_endio() counts them): a
 * submission from inside one must not wait (see blk_mq.c). */
extern unsigned blk_endio_depth;

/* ---- blk_flush.c ---- */
/*
 * Flush sequencing. The pool of sequences is allocated once (init time;
 * blk_flush_pool_init() returns 0, -EINVAL for 0 or -ENOMEM);
 * blk_flush_pool_exit() gives it back (every sequence idle).
 */
int blk_flush_pool_init(unsigned nr);
void blk_flush_pool_exit(void);
unsigned blk_flush_pool_free(void);
/* Bios that found every sequence busy and waited for one. */
u64 blk_flush_pool_waits(void);
/* Does a checked write (flags already fit to the device) need a sequence? */
static inline bool blk_flush_needed(const struct gendisk *disk, u32 opf)
{
	return (opf & REQ_PREFLUSH) ||
	       ((opf & REQ_FUA) && !(disk->limits.features & BLK_FEAT_FUA));
}
/*
 * blk_flush_start - run bio (checked, accounted, queue chosen) as its flush
 * sequence. Returns the first stage, for the caller to submit with a
 * bi_end_io that calls blk_flush_stage_done(); or NULL when bio waits for a
 * free sequence (the next one to end takes it) or has failed (no pool).
 */
struct bio *blk_flush_start(struct bio *bio);
/*
 * blk_flush_stage_done - a stage completed (from its bi_end_io). Returns
 * the bio to submit next, as blk_flush_start() does: the sequence's next
 * stage, or, when it has ended and completed its original, the first stage
 * of a bio that waited for it; or NULL.
 */
struct bio *blk_flush_stage_done(struct bio *stage);

/* ---- blk_mq.c ---- */
/* Hand one checked piece within the limits, its bi_phys_segments set, to
 * the request path, on the queue blk_mq_map_queue() picks for its flags. */
void blk_mq_submit_bio(struct gendisk *disk, struct bio *bio);

#endif
