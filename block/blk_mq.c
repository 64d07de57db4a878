/*
 * blk_mq.c - the request path: tag sets allocated at init (every request
 * of every queue preallocated, with the driver's cmd_size bytes behind
 * it), tags from a per-queue bitmap, dispatch of one split piece as one
 * request through ops->queue_rq(), and completion through
 * blk_mq_complete_request().
 *
 * When a queue has no free tag, or the driver answers -EBUSY, the submitter
 * waits: polled queues by calling ops->poll(), interrupt-driven ones by
 * halting with interrupts enabled (blk_wait_interrupt) until a completion
 * frees one. Tags and request states are changed under blk_irq_save(),
 * since completions run in interrupt handlers.
 *
 * Pure logic: the host unit tests build this file as it is.
 */
#include "blkdev_driver.h"
#include "errno.h"
#include "lib.h"
#include "panic.h"
#include "printk.h"

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
	hctx->free_tags = blk_init_alloc(blk_mq_bitmap_bytes(hctx->depth));
	hctx->rqs = blk_init_alloc((size_t)hctx->depth * set->rq_size);
	if (!hctx->free_tags || !hctx->rqs) {
		blk_mq_free_hctx(hctx);
		return -ENOMEM;
	}
	for (u32 tag = 0; tag < hctx->depth; tag++) {
		struct request *rq = blk_mq_rq_at(hctx, tag);

		hctx->free_tags[tag / 64] |= BIT(tag % 64);
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
		BUG_ON(set->hctxs[i].nr_busy);
		blk_mq_free_hctx(&set->hctxs[i]);
	}
	blk_init_free(set->hctxs, sizeof(*set->hctxs) * nr);
	set->hctxs = NULL;
}

struct blk_mq_hw_ctx *blk_mq_map_queue(struct blk_mq_tag_set *set, u32 opf,
				       unsigned cpu)
{
	if ((opf & REQ_POLLED) && set->nr_poll_queues)
		return &set->hctxs[set->nr_hw_queues + cpu % set->nr_poll_queues];
	return &set->hctxs[cpu % set->nr_hw_queues];
}

/* A free tag, or -1. Interrupts disabled. */
static int blk_mq_get_tag(struct blk_mq_hw_ctx *hctx)
{
	for (u32 w = 0; w < DIV_ROUND_UP(hctx->depth, 64); w++) {
		u64 bits = hctx->free_tags[w];

		if (bits) {
			u32 b = (u32)__builtin_ctzll(bits);

			hctx->free_tags[w] &= ~BIT(b);
			hctx->nr_busy++;
			return (int)(w * 64 + b);
		}
	}
	return -1;
}

/*
 * Interrupts disabled on entry and return (flags: from the blk_irq_save()
 * the caller made): let a completion happen.
 */
static void blk_mq_wait(struct blk_mq_hw_ctx *hctx, unsigned long flags)
{
	if (hctx->polled) {
		blk_irq_restore(flags);
		hctx->set->ops->poll(hctx);
		blk_irq_save();
	} else {
		blk_wait_interrupt();
	}
}

struct request *blk_mq_tag_to_rq(struct blk_mq_hw_ctx *hctx, u32 tag)
{
	struct request *rq;

	if (tag >= hctx->depth)
		return NULL;
	rq = blk_mq_rq_at(hctx, tag);
	return rq->state == RQ_IN_FLIGHT ? rq : NULL;
}

void blk_mq_complete_request(struct request *rq, int status)
{
	struct blk_mq_hw_ctx *hctx = rq->mq_hctx;
	struct bio *bio;
	unsigned long flags;

	flags = blk_irq_save();
	if (unlikely(rq->rq_magic != RQ_MAGIC || rq->state != RQ_IN_FLIGHT))
		panic("BUG: completing request %p (tag %u) that is not in flight",
		      rq, rq->tag);
	bio = rq->bio;
	rq->bio = NULL;
	rq->state = RQ_IDLE;
	hctx->completed++;
	hctx->free_tags[rq->tag / 64] |= BIT(rq->tag % 64);
	hctx->nr_busy--;
	blk_irq_restore(flags);
	bio_endio_status(bio, status);
}

void blk_mq_submit_bio(struct gendisk *disk, struct bio *bio, u32 nsegs)
{
	struct blk_mq_tag_set *set = disk->tag_set;
	struct blk_mq_hw_ctx *hctx = &set->hctxs[bio->bi_cookie];
	struct request *rq;
	unsigned long flags;
	int tag, ret;

	flags = blk_irq_save();
	while ((tag = blk_mq_get_tag(hctx)) < 0) {
		hctx->tag_waits++;
		blk_mq_wait(hctx, flags);
	}
	rq = blk_mq_rq_at(hctx, (u32)tag);
	BUG_ON(rq->state != RQ_IDLE);
	rq->state = RQ_IN_FLIGHT;
	blk_irq_restore(flags);

	rq->disk = disk;
	rq->bio = bio;
	rq->cmd_flags = bio->bi_opf;
	rq->sector = bio->bi_iter.bi_sector;
	rq->data_len = bio->bi_iter.bi_size;
	rq->nr_phys_segments = nsegs;
	rq->next = NULL;
	hctx->dispatched++;
	for (;;) {
		ret = set->ops->queue_rq(hctx, rq);
		if (ret != -EBUSY)
			break;
		flags = blk_irq_save();
		hctx->busy_retries++;
		blk_mq_wait(hctx, flags);
		blk_irq_restore(flags);
	}
	if (ret) {
		pr_warn("%s: %s at sector %llu failed to queue: %s\n",
			disk->disk_name, blk_op_name(req_op(rq)),
			(unsigned long long)rq->sector, errno_name(ret));
		blk_mq_complete_request(rq, ret);
	}
}
