/*
 * blk_flush.c - flush sequencing, once for every driver (after Linux
 * block/blk-flush.c): a bio with REQ_PREFLUSH, or with REQ_FUA on a device
 * that does not declare BLK_FEAT_FUA, runs as
 *
 *     PREFLUSH (one FLUSH bio) -> data (every split piece) -> POSTFLUSH
 *
 * each stage submitted only when the one before has completed, then the
 * original bio completes once with the first error. An error ends the
 * sequence where it happens (no data after a failed flush, no post-flush
 * after a failed piece). The data stage is a clone of the original without
 * REQ_PREFLUSH, and without REQ_FUA where the device lacks FUA (the
 * post-flush stands in for it); blk_core.c splits it like any bio. A device
 * without a volatile write cache never gets here: blk_core.c drops both
 * flags for it, and for reads. So drivers never see REQ_PREFLUSH, and see
 * REQ_FUA only when they declared BLK_FEAT_FUA.
 *
 * Memory (docs/architecture.md, invariant 6): a sequence, with its flush bio
 * and its data clone embedded, comes from a pool allocated once at boot
 * (blk_flush_pool_init(), blk.flush_seqs=). A bio that finds the pool empty
 * is queued (FIFO, through bi_next), never waited for in its submitter's
 * context: the next sequence to end hands itself to it, so it starts
 * exactly once, and its submitter waits for bi_end_io as for any bio.
 *
 * This file only sequences: blk_flush_start() and blk_flush_stage_done()
 * hand back the bio to submit next, and blk_core.c submits it with
 * submit_bio(), with a bi_end_io that calls blk_flush_stage_done() (so a
 * stage is submitted from the completion of the stage before: an interrupt
 * handler, ops->poll, or inside the driver's submission when it completes
 * inline). The block layer's rules apply unchanged (blk_core.c, blk_mq.c):
 * queued for the outer submit_bio() when one runs on this CPU, parked
 * instead of waiting for a tag where waiting is not allowed. The flush and
 * data bios carry the
 * original's REQ_POLLED, so they go to the queue blk_mq_map_queue() picks
 * for the original, and a submit_bio_wait() polling it reaps every stage. They are marked BIO_FLUSH_SEQ:
 * checked and accounted as the original, so blk_core.c dispatches them as
 * they are (the flush counts as a request, not as a bio, in the stats).
 *
 * Layer 2 of block/ (scripts/check-floors): a sequencer above the bio
 * object; blk_core.c submits the stages it hands back.
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

struct blk_flush_seq {
	struct bio *orig;
	struct bio flush;		/* the preflush, then the post-flush */
	struct bio data;		/* the original's data, flags fit to the device */
	bool postflush;			/* REQ_FUA without BLK_FEAT_FUA */
	bool in_post;			/* the flush bio is the post-flush */
	struct blk_flush_seq *next;	/* free list */
};

static struct {
	struct blk_flush_seq *seqs;
	unsigned nr, nr_free;
	struct blk_flush_seq *free;
	struct bio *waiting, *waiting_tail;	/* found the pool empty */
	u64 waits;
} flush_pool;
/* the pool, its waiting list and counters; completions end sequences: _irqsave. A leaf. */
static DEFINE_SPINLOCK(flush_pool_lock);

int blk_flush_pool_init(unsigned nr)
{
	BUG_ON(flush_pool.seqs);
	if (!nr)
		return -EINVAL;
	flush_pool.seqs = blk_init_alloc(sizeof(*flush_pool.seqs) * nr);
	if (!flush_pool.seqs)
		return -ENOMEM;
	flush_pool.nr = nr;
	flush_pool.free = NULL;
	for (unsigned i = nr; i-- > 0;) {
		flush_pool.seqs[i].next = flush_pool.free;
		flush_pool.free = &flush_pool.seqs[i];
	}
	flush_pool.nr_free = nr;
	return 0;
}

void blk_flush_pool_exit(void)
{
	if (!flush_pool.seqs)
		return;
	BUG_ON(flush_pool.nr_free != flush_pool.nr || flush_pool.waiting);
	blk_init_free(flush_pool.seqs, sizeof(*flush_pool.seqs) * flush_pool.nr);
	memset(&flush_pool, 0, sizeof(flush_pool));
}

unsigned blk_flush_pool_free(void)
{
	return flush_pool.nr_free;
}

u64 blk_flush_pool_waits(void)
{
	return flush_pool.waits;
}

/* seq's flush bio, the pre- or post-flush, ready to submit. */
static struct bio *blk_flush_stage_flush(struct blk_flush_seq *seq)
{
	struct bio *orig = seq->orig;
	struct bio *flush = &seq->flush;

	bio_init(flush, orig->bi_disk, NULL, 0,
		 REQ_OP_FLUSH | (orig->bi_opf & REQ_POLLED));
	flush->bi_flags |= BIO_FLUSH_SEQ;
	flush->bi_private = seq;
	return flush;
}

/* seq takes orig; returns its first stage. */
static struct bio *blk_flush_seq_start(struct blk_flush_seq *seq,
				       struct bio *orig)
{
	u32 opf = orig->bi_opf & ~REQ_PREFLUSH;

	seq->orig = orig;
	seq->postflush = (opf & REQ_FUA) &&
			 !(orig->bi_disk->limits.features & BLK_FEAT_FUA);
	seq->in_post = false;
	if (seq->postflush)
		opf &= ~REQ_FUA;
	bio_init_clone(&seq->data, orig, opf);
	seq->data.bi_flags |= BIO_FLUSH_SEQ;
	seq->data.bi_private = seq;
	if (orig->bi_opf & REQ_PREFLUSH)
		return blk_flush_stage_flush(seq);
	return &seq->data;
}

/* The end: the original completes; seq goes to the next waiting bio, whose
 * first stage is returned, or back to the pool. */
static struct bio *blk_flush_end(struct blk_flush_seq *seq, int status)
{
	struct bio *orig = seq->orig;
	struct bio *next;
	unsigned long flags;

	seq->orig = NULL;
	flags = spin_lock_irqsave(&flush_pool_lock);
	next = flush_pool.waiting;
	if (next) {
		flush_pool.waiting = next->bi_next;
		if (!flush_pool.waiting)
			flush_pool.waiting_tail = NULL;
		next->bi_next = NULL;
	} else {
		seq->next = flush_pool.free;
		flush_pool.free = seq;
		flush_pool.nr_free++;
	}
	spin_unlock_irqrestore(&flush_pool_lock, flags);
	bio_endio_status(orig, status);
	if (next)
		return blk_flush_seq_start(seq, next);
	return NULL;
}

struct bio *blk_flush_stage_done(struct bio *stage)
{
	struct blk_flush_seq *seq = stage->bi_private;
	int status = stage->bi_status;

	if (stage == &seq->data) {
		if (!status && seq->postflush) {
			seq->in_post = true;
			return blk_flush_stage_flush(seq);
		}
		return blk_flush_end(seq, status);
	}
	if (!seq->in_post && !status)		/* the pre-flush */
		return &seq->data;
	return blk_flush_end(seq, status);
}

struct bio *blk_flush_start(struct bio *bio)
{
	struct blk_flush_seq *seq;
	unsigned long flags;

	if (unlikely(!flush_pool.nr)) {
		pr_warn("%s: %s with flush flags but no flush sequence pool\n",
			bio->bi_disk->disk_name, blk_op_name(bio_op(bio)));
		bio_endio_status(bio, -ENOMEM);
		return NULL;
	}
	flags = spin_lock_irqsave(&flush_pool_lock);
	seq = flush_pool.free;
	if (unlikely(!seq)) {
		/* the next sequence to end starts it */
		flush_pool.waits++;
		bio->bi_next = NULL;
		if (flush_pool.waiting_tail)
			flush_pool.waiting_tail->bi_next = bio;
		else
			flush_pool.waiting = bio;
		flush_pool.waiting_tail = bio;
		spin_unlock_irqrestore(&flush_pool_lock, flags);
		return NULL;
	}
	flush_pool.free = seq->next;
	flush_pool.nr_free--;
	spin_unlock_irqrestore(&flush_pool_lock, flags);
	return blk_flush_seq_start(seq, bio);
}
