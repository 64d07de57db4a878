/*
 * blk_mq.c - the request path: tag sets allocated at init (every request
 * of every queue preallocated, with the driver's cmd_size bytes behind
 * it), tags from a per-queue bitmap, dispatch of one split piece as one
 * request through ops->queue_rq(), and completion through
 * blk_mq_complete_request().
 *
 * Tags: a bitmap per queue (bit set = free) and a summary word with a bit
 * per non-empty bitmap word, so a tag is two find-first-set operations.
 * A request is filled in before its state becomes RQ_IN_FLIGHT, both under
 * the queue's tags_lock, so blk_mq_tag_to_rq() never hands a completion
 * path a half-built request. Tags, request states, the parked list and
 * the counters change under hctx->tags_lock with interrupts off
 * (_irqsave: completions run in interrupt handlers, on any CPU). It is
 * never held across ops->queue_rq(), ops->poll() or a wait: a submitter
 * drops it (interrupts still off) before blk_wait_once() and, when it may
 * not wait, takes it again and looks for a tag once more before parking,
 * so a tag freed in between on another CPU is never missed.
 *
 * When a queue has no free tag, or the driver answers -EBUSY or -EAGAIN,
 * the submitter waits if it may, with blk_wait_once() (block/blk_wait.c):
 * polled queues by calling ops->poll(), interrupt-driven ones by halting
 * with interrupts enabled until an interrupt, then it retries. It may not wait
 * in an interrupt handler (the local APIC delivers nothing of the same or
 * lower priority before that handler's EOI: the halt would never end),
 * inside a bi_end_io callback (ops->poll may be running below it), or, on
 * an interrupt-driven queue, when interrupts were off (halting would turn
 * them on under the caller). Then the bio is parked on the queue's list,
 * and every completion on that queue first retries the parked bios (after
 * freeing its tag), as does blk_mq_run_hw_queue(). A parked bio always has
 * something to wake it, so it completes exactly once (docs/architecture.md,
 * invariant 5): for no tag or -EBUSY (room of this queue) a request in
 * flight on the queue, and -EBUSY with nothing in flight fails the bio
 * instead; for -EAGAIN (a shared resource, the bounce pool say) the
 * driver's promise to call blk_mq_run_hw_queue() when it frees; for a
 * request the driver gives back with blk_mq_requeue_request() (a reset
 * that cannot resubmit it just now), the same promise. A run asked for
 * while the parked list is being run, or between the driver's -EAGAIN and
 * the parking (the hctx->kicks count moved), retries instead of being lost.
 *
 * Layer 3 of block/ (scripts/check-floors): the request path, beside
 * dispatch (blk_core.c hands it the pieces of request-based devices, as it
 * hands a bio-based driver's its fops->submit_bio); below it the bio
 * object, the wait and the platform hooks.
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

#define RQ_MAGIC	0x52510a11U
#define BLK_MQ_MAX_DEPTH	4096
#define BLK_MQ_MAX_QUEUES	64

static inline struct request *blk_mq_rq_at(struct blk_mq_hw_ctx *hctx, u32 tag)
{
	return (struct request *)(hctx->rqs + (size_t)tag * hctx->set->rq_size);
}

static size_t blk_mq_bitmap_bytes(u32 depth)
{
	return DIV_ROUND_UP(depth, 64) * sizeof(u64);
}

static void blk_mq_free_hctx(struct blk_mq_hw_ctx *hctx)
{
	struct blk_mq_tag_set *set = hctx->set;

	if (hctx->rqs)
		blk_init_free(hctx->rqs, (size_t)hctx->depth * set->rq_size);
	if (hctx->free_tags)
		blk_init_free(hctx->free_tags, blk_mq_bitmap_bytes(hctx->depth));
	hctx->rqs = NULL;
	hctx->free_tags = NULL;
}

static int blk_mq_init_hctx(struct blk_mq_tag_set *set, unsigned idx)
{
	struct blk_mq_hw_ctx *hctx = &set->hctxs[idx];
	int err;

	hctx->set = set;
	hctx->queue_num = idx;
	hctx->polled = idx >= set->nr_hw_queues;
	hctx->depth = set->queue_depth;
	spin_lock_init(&hctx->tags_lock, "blk_mq tags_lock");
	hctx->free_tags = blk_init_alloc(blk_mq_bitmap_bytes(hctx->depth));
	hctx->rqs = blk_init_alloc((size_t)hctx->depth * set->rq_size);
	if (!hctx->free_tags || !hctx->rqs) {
		blk_mq_free_hctx(hctx);
		return -ENOMEM;
	}
	for (u32 tag = 0; tag < hctx->depth; tag++) {
		struct request *rq = blk_mq_rq_at(hctx, tag);

		hctx->free_tags[tag / 64] |= BIT(tag % 64);
		hctx->free_words |= BIT(tag / 64);
		rq->rq_magic = RQ_MAGIC;
		rq->state = RQ_IDLE;
		rq->mq_hctx = hctx;
		rq->tag = tag;
		if (set->ops->init_request) {
			err = set->ops->init_request(set, rq, idx);
			if (err) {
				blk_mq_free_hctx(hctx);
				return err;
			}
		}
	}
	return 0;
}

int blk_mq_alloc_tag_set(struct blk_mq_tag_set *set)
{
	unsigned nr = set->nr_hw_queues + set->nr_poll_queues;
	unsigned i;
	int err;

	if (!set->ops || !set->ops->queue_rq || !set->nr_hw_queues ||
	    nr > BLK_MQ_MAX_QUEUES || !set->queue_depth ||
	    set->queue_depth > BLK_MQ_MAX_DEPTH ||
	    (set->nr_poll_queues && !set->ops->poll))
		return -EINVAL;
	set->rq_size = ALIGN_UP(sizeof(struct request) + set->cmd_size,
				(size_t)16);
	set->hctxs = blk_init_alloc(sizeof(*set->hctxs) * nr);
	if (!set->hctxs)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		err = blk_mq_init_hctx(set, i);
		if (err)
			goto free_hctxs;
	}
	return 0;

free_hctxs:
	while (i-- > 0)
		blk_mq_free_hctx(&set->hctxs[i]);
	blk_init_free(set->hctxs, sizeof(*set->hctxs) * nr);
	set->hctxs = NULL;
	return err;
}

void blk_mq_free_tag_set(struct blk_mq_tag_set *set)
{
	unsigned nr = set->nr_hw_queues + set->nr_poll_queues;

	if (!set->hctxs)
		return;
	for (unsigned i = 0; i < nr; i++) {
		BUG_ON(set->hctxs[i].nr_busy || set->hctxs[i].parked);
		blk_mq_free_hctx(&set->hctxs[i]);
	}
	blk_init_free(set->hctxs, sizeof(*set->hctxs) * nr);
	set->hctxs = NULL;
}

/* A free tag, or -1. Under tags_lock. */
static inline int blk_mq_get_tag(struct blk_mq_hw_ctx *hctx)
{
	u64 words = hctx->free_words, bits;
	u32 w;

	if (unlikely(!words))
		return -1;
	w = (u32)__builtin_ctzll(words);
	bits = hctx->free_tags[w];
	hctx->free_tags[w] = bits & (bits - 1);
	if (!(bits & (bits - 1)))
		hctx->free_words = words & ~BIT(w);
	hctx->nr_busy++;
	return (int)(w * 64 + (u32)__builtin_ctzll(bits));
}

/* Under tags_lock. */
static inline void blk_mq_put_tag(struct blk_mq_hw_ctx *hctx, u32 tag)
{
	hctx->free_tags[tag / 64] |= BIT(tag % 64);
	hctx->free_words |= BIT(tag / 64);
	hctx->nr_busy--;
}

/* Fill rq in for one piece, then publish it. Under tags_lock. */
static inline void blk_mq_start_rq(struct blk_mq_hw_ctx *hctx,
				   struct request *rq, struct gendisk *disk,
				   struct bio *bio)
{
	rq->disk = disk;
	rq->bio = bio;
	rq->cmd_flags = bio->bi_opf;
	rq->sector = bio->bi_iter.bi_sector;
	rq->data_len = bio->bi_iter.bi_size;
	rq->nr_phys_segments = bio->bi_phys_segments;
	rq->next = NULL;
	__atomic_store_n(&rq->state, RQ_IN_FLIGHT, __ATOMIC_RELEASE);
	hctx->dispatched++;
}

/* Take rq out of flight and free its tag; returns its bio. Under
 * tags_lock. */
static inline struct bio *blk_mq_end_rq(struct blk_mq_hw_ctx *hctx,
					struct request *rq)
{
	struct bio *bio = rq->bio;

	rq->bio = NULL;
	__atomic_store_n(&rq->state, RQ_IDLE, __ATOMIC_RELAXED);
	blk_mq_put_tag(hctx, rq->tag);
	return bio;
}

/* Add bio to hctx's parked list (at the front when it was first in line).
 * Under tags_lock. */
static void blk_mq_park(struct blk_mq_hw_ctx *hctx, struct bio *bio,
			bool front)
{
	hctx->parks++;
	if (front) {
		bio->bi_next = hctx->parked;
		hctx->parked = bio;
		if (!hctx->parked_tail)
			hctx->parked_tail = bio;
		return;
	}
	bio->bi_next = NULL;
	if (hctx->parked_tail)
		hctx->parked_tail->bi_next = bio;
	else
		hctx->parked = bio;
	hctx->parked_tail = bio;
}

struct request *blk_mq_tag_to_rq(struct blk_mq_hw_ctx *hctx, u32 tag)
{
	struct request *rq;

	if (tag >= hctx->depth)
		return NULL;
	rq = blk_mq_rq_at(hctx, tag);
	return __atomic_load_n(&rq->state, __ATOMIC_ACQUIRE) == RQ_IN_FLIGHT ?
	       rq : NULL;
}

static bool blk_mq_issue(struct blk_mq_hw_ctx *hctx, struct request *rq,
			 bool may_wait);

/*
 * Start parked bios while tags last. One runner per queue: a completion
 * that happens while one runs (an interrupt, or the driver completing
 * inline) leaves the work to it.
 */
static void blk_mq_run_parked(struct blk_mq_hw_ctx *hctx)
{
	unsigned long flags = spin_lock_irqsave(&hctx->tags_lock);

	if (hctx->running_parked) {
		hctx->run_again = true;		/* the runner goes round again */
		spin_unlock_irqrestore(&hctx->tags_lock, flags);
		return;
	}
	hctx->running_parked = true;
	for (;;) {
		struct bio *bio = hctx->parked;
		struct request *rq;
		bool parked_again;
		int tag;

		hctx->run_again = false;
		if (!bio)
			break;
		tag = blk_mq_get_tag(hctx);
		if (tag < 0)
			break;
		hctx->parked = bio->bi_next;
		if (!hctx->parked)
			hctx->parked_tail = NULL;
		bio->bi_next = NULL;
		rq = blk_mq_rq_at(hctx, (u32)tag);
		blk_mq_start_rq(hctx, rq, bio->bi_disk, bio);
		spin_unlock_irqrestore(&hctx->tags_lock, flags);
		parked_again = blk_mq_issue(hctx, rq, false);
		flags = spin_lock_irqsave(&hctx->tags_lock);
		if (parked_again && !hctx->run_again)
			break;
	}
	hctx->running_parked = false;
	spin_unlock_irqrestore(&hctx->tags_lock, flags);
}

void blk_mq_complete_request(struct request *rq, int status)
{
	struct blk_mq_hw_ctx *hctx = rq->mq_hctx;
	struct bio *bio;
	unsigned long flags;
	bool parked;

	flags = spin_lock_irqsave(&hctx->tags_lock);
	if (unlikely(rq->rq_magic != RQ_MAGIC || rq->state != RQ_IN_FLIGHT))
		panic("BUG: completing request %p (tag %u) that is not in flight",
		      rq, rq->tag);
	bio = blk_mq_end_rq(hctx, rq);
	hctx->completed++;
	parked = hctx->parked != NULL;
	spin_unlock_irqrestore(&hctx->tags_lock, flags);
	if (unlikely(parked))
		blk_mq_run_parked(hctx);
	bio_endio_status(bio, status);
}

void blk_mq_requeue_request(struct request *rq)
{
	struct blk_mq_hw_ctx *hctx = rq->mq_hctx;
	unsigned long flags = spin_lock_irqsave(&hctx->tags_lock);
	struct bio *bio;

	if (unlikely(rq->rq_magic != RQ_MAGIC || rq->state != RQ_IN_FLIGHT))
		panic("BUG: requeueing request %p (tag %u) that is not in flight",
		      rq, rq->tag);
	bio = blk_mq_end_rq(hctx, rq);
	hctx->requeues++;
	blk_mq_park(hctx, bio, true);
	spin_unlock_irqrestore(&hctx->tags_lock, flags);
}

void blk_mq_run_hw_queue(struct blk_mq_hw_ctx *hctx)
{
	unsigned long flags = spin_lock_irqsave(&hctx->tags_lock);

	hctx->kicks++;
	spin_unlock_irqrestore(&hctx->tags_lock, flags);
	blk_mq_run_parked(hctx);
}

/*
 * Hand rq to the driver, waiting (when may_wait and the context allows)
 * and retrying while it answers -EBUSY or -EAGAIN. Returns true when the
 * bio was parked again instead: the tag is given back and a later
 * completion on hctx, or blk_mq_run_hw_queue(), retries it.
 */
static bool blk_mq_issue(struct blk_mq_hw_ctx *hctx, struct request *rq,
			 bool may_wait)
{
	struct gendisk *disk = rq->disk;
	bool retried = false;
	unsigned long flags;
	struct bio *bio;
	u64 kicks;
	int ret;

	for (;;) {
		kicks = READ_ONCE(hctx->kicks);
		ret = hctx->set->ops->queue_rq(hctx, rq);
		if (likely(ret != -EBUSY && ret != -EAGAIN))
			break;
		flags = spin_lock_irqsave(&hctx->tags_lock);
		hctx->busy_retries++;
		if (may_wait) {
			spin_unlock(&hctx->tags_lock);	/* interrupts stay off */
			if (blk_wait_once(disk, rq->cmd_flags, flags)) {
				local_irq_restore(flags);
				continue;
			}
			spin_lock(&hctx->tags_lock);
		}
		if (ret == -EAGAIN) {
			if (hctx->kicks != kicks) {
				/* it came back meanwhile; that run found nothing parked */
				spin_unlock_irqrestore(&hctx->tags_lock, flags);
				continue;
			}
			bio = blk_mq_end_rq(hctx, rq);
			blk_mq_park(hctx, bio, true);
			spin_unlock_irqrestore(&hctx->tags_lock, flags);
			return true;
		}
		if (hctx->nr_busy > 1) {
			bio = blk_mq_end_rq(hctx, rq);
			blk_mq_park(hctx, bio, true);
			spin_unlock_irqrestore(&hctx->tags_lock, flags);
			return true;
		}
		spin_unlock_irqrestore(&hctx->tags_lock, flags);
		/* nothing else in flight: the room may have come meanwhile */
		if (!retried) {
			retried = true;
			continue;
		}
		pr_warn("%s: queue %u busy with nothing in flight and no way to wait here: %s at sector %llu fails\n",
			disk->disk_name, hctx->queue_num,
			blk_op_name(req_op(rq)), (unsigned long long)rq->sector);
		break;
	}
	if (unlikely(ret)) {
		if (ret != -EBUSY)
			pr_warn("%s: %s at sector %llu failed to queue: -%s\n",
				disk->disk_name, blk_op_name(req_op(rq)),
				(unsigned long long)rq->sector, errno_name(ret));
		blk_mq_complete_request(rq, ret);
	}
	return false;
}

void blk_mq_submit_bio(struct gendisk *disk, struct bio *bio)
{
	struct blk_mq_hw_ctx *hctx = blk_mq_map_queue(disk->tag_set, bio->bi_opf,
						      blk_this_cpu());
	struct request *rq;
	unsigned long flags;
	int tag;

	flags = spin_lock_irqsave(&hctx->tags_lock);
	while (unlikely((tag = blk_mq_get_tag(hctx)) < 0)) {
		bool waited;

		hctx->tag_waits++;
		spin_unlock(&hctx->tags_lock);		/* interrupts stay off */
		waited = blk_wait_once(disk, bio->bi_opf, flags);
		spin_lock(&hctx->tags_lock);
		if (!waited) {
			tag = blk_mq_get_tag(hctx);	/* freed meanwhile elsewhere? */
			if (tag >= 0)
				break;
			/* every tag is in flight: a completion will run it */
			blk_mq_park(hctx, bio, false);
			spin_unlock_irqrestore(&hctx->tags_lock, flags);
			return;
		}
	}
	rq = blk_mq_rq_at(hctx, (u32)tag);
	BUG_ON(rq->state != RQ_IDLE);
	blk_mq_start_rq(hctx, rq, disk, bio);
	spin_unlock_irqrestore(&hctx->tags_lock, flags);
	blk_mq_issue(hctx, rq, true);
}
