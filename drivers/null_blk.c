/*
 * null_blk.c - the null block device: completes I/O without moving data, to
 * measure the block layer alone; or, in memory mode, keeps written data in
 * RAM pages so a read returns what was written (for tests).
 *
 * Request-based by default (queue_mode=mq): every I/O takes a tag and goes
 * through ops->queue_rq(), so a benchmark on null0 measures the block layer
 * with its request path; queue_mode=bio uses fops->submit_bio instead.
 * Interrupt-driven queues complete inside queue_rq(), or, with
 * irqmode=2 (as Linux null_blk's timer mode), from a timer on the tick:
 * in interrupt context, completion_nsec (default 10 us, so the next tick)
 * after queueing, like a device with an interrupt. Polled queues
 * (poll_queues=N, for REQ_POLLED bios) park the request until ops->poll().
 *
 * In memory mode a request that is not whole logical blocks is refused with
 * -EIO and a log line, as a real device would refuse it (no truncation).
 *
 * Memory mode allocates a RAM page on the first write to each 4 KiB of the
 * device (a test device: that allocation is the one exception to "no
 * allocation on the I/O path"); unwritten ranges read as zeroes. DISCARD
 * and WRITE_ZEROES zero the range.
 *
 * null_blk_init() creates null0 from the command line:
 *   null_blk.size=1G  null_blk.bs=512  null_blk.memory=0
 *   null_blk.queue_mode=mq|bio  null_blk.hw_queue_depth=64
 *   null_blk.poll_queues=1  null_blk.max_sectors=2560
 *   null_blk.irqmode=0|2  null_blk.completion_nsec=10000
 * Tests create their own devices with null_blk_create().
 */
#include "blkdev_driver.h"
#include "cmdline.h"
#include "errno.h"
#include "irq.h"
#include "lib.h"
#include "mm.h"
#include "persist.h"
#include "panic.h"
#include "printk.h"
#include "spinlock.h"
#include "time.h"
#include "timer.h"

#define NULLB_PTRS_PER_PAGE	(PAGE_SIZE / sizeof(void *))
#define NULLB_COMPLETION_NS	10000

struct null_queue {
	spinlock_t lock;		/* head, tail; _irqsave (the timer takes it) */
	struct request *head;		/* polled queue, timer mode: waiting */
	struct request *tail;
	struct timer timer;		/* timer mode */
	struct null_blk_dev *nb;
};

struct null_blk_dev {
	struct gendisk disk;
	struct blk_mq_tag_set set;
	struct null_blk_config cfg;
	void ***dir;			/* memory mode: dir[i][j] = data page */
	u64 nr_dir;
	struct null_queue *queues;
	unsigned nr_queues;
	u64 pages_used;
	u64 completion_ns;		/* timer mode */
	u64 misaligned;			/* requests refused */
};

static const struct block_device_operations null_bio_ops;
static const struct blk_mq_ops null_mq_ops;

/* The data page holding device byte pos, allocating it if alloc. */
static u8 *null_page(struct null_blk_dev *nb, u64 pos, bool alloc)
{
	u64 pg = pos >> PAGE_SHIFT;
	void **leaf = nb->dir[pg / NULLB_PTRS_PER_PAGE];

	if (!leaf) {
		if (!alloc)
			return NULL;
		leaf = page_alloc_zeroed();
		if (!leaf)
			return NULL;
		nb->dir[pg / NULLB_PTRS_PER_PAGE] = leaf;
	}
	if (!leaf[pg % NULLB_PTRS_PER_PAGE] && alloc) {
		leaf[pg % NULLB_PTRS_PER_PAGE] = page_alloc_zeroed();
		if (leaf[pg % NULLB_PTRS_PER_PAGE])
			nb->pages_used++;
	}
	return leaf[pg % NULLB_PTRS_PER_PAGE];
}

/*
 * Copy len bytes between buf and the device at pos. A read into a buffer
 * of persistent memory (pmem) stores durably (persist_store); the caller
 * fences and declares the durability point.
 */
static int null_copy(struct null_blk_dev *nb, u64 pos, u8 *buf, u32 len,
		     bool write, bool pmem)
{
	while (len) {
		u32 in = (u32)(pos & (PAGE_SIZE - 1));
		u32 n = min_t(u32, len, PAGE_SIZE - in);
		u8 *page = null_page(nb, pos, write);

		if (write) {
			if (!page)
				return -ENOMEM;
			memcpy(page + in, buf, n);
		} else if (pmem) {
			persist_store(buf, page ? page + in : NULL, n, PERSIST_WB_AUTO, NULL);
		} else if (page) {
			memcpy(buf, page + in, n);
		} else {
			memset(buf, 0, n);
		}
		pos += n;
		buf += n;
		len -= n;
	}
	return 0;
}

static int null_zero(struct null_blk_dev *nb, u64 pos, u64 len)
{
	while (len) {
		u32 in = (u32)(pos & (PAGE_SIZE - 1));
		u32 n = (u32)min_t(u64, len, PAGE_SIZE - in);
		u8 *page = null_page(nb, pos, false);

		if (page)
			memset(page + in, 0, n);
		pos += n;
		len -= n;
	}
	return 0;
}

/* Do the I/O of bio's current iter (one checked piece within the limits). */
static int null_handle(struct null_blk_dev *nb, struct bio *bio,
		       struct bvec_iter start)
{
	enum req_op op = bio_op(bio);
	u64 pos = start.bi_sector << SECTOR_SHIFT;
	struct bvec_iter iter;
	struct bio_vec bv;
	bool stored_pmem = false;
	int err = 0;

	if (!nb->cfg.memory)
		return 0;
	if ((pos | start.bi_size) & (nb->cfg.bs - 1)) {
		nb->misaligned++;
		pr_err("%s: %s at byte %llu + %u is not whole %u-byte blocks: refused\n",
		       nb->disk.disk_name, blk_op_name(op),
		       (unsigned long long)pos, start.bi_size, nb->cfg.bs);
		return -EIO;
	}
	if (op == REQ_OP_DISCARD || op == REQ_OP_WRITE_ZEROES)
		return null_zero(nb, pos, start.bi_size);
	if (!op_has_data(op))
		return 0;
	__bio_for_each_segment(bv, bio, iter, start) {
		bool ram = pfn_t_is_ram(bv.bv_pfn);
		bool pmem = op == REQ_OP_READ && pfn_t_is_pmem(bv.bv_pfn);
		u8 *va = ram ? phys_to_virt(pfn_t_to_phys(bv.bv_pfn))
			     : kmap_atomic_pfn_t(bv.bv_pfn);

		err = null_copy(nb, pos, va + bv.bv_offset, bv.bv_len,
				op == REQ_OP_WRITE, pmem);
		if (!ram)
			kunmap_atomic_pfn_t(va);
		stored_pmem |= pmem;
		if (err)
			break;
		pos += bv.bv_len;
	}
	if (stored_pmem) {	/* the read's durability point, as pmem's own */
		persist_fence();
		pmem_check_point(PMEM_POINT_BIO);
	}
	return err;
}

static void null_submit_bio(struct bio *bio)
{
	struct null_blk_dev *nb = bio->bi_disk->private_data;

	bio_endio_status(bio, null_handle(nb, bio, bio->bi_iter));
}

static void null_complete_rq(struct null_blk_dev *nb, struct request *rq)
{
	struct bvec_iter start;

	if (!nb->cfg.memory) {
		blk_mq_complete_request(rq, 0);
		return;
	}
	start = rq->bio->bi_iter;
	start.bi_size = rq->data_len;
	blk_mq_complete_request(rq, null_handle(nb, rq->bio, start));
}

/* Take a queue's waiting requests (oldest first). */
static struct request *null_take(struct null_queue *q)
{
	unsigned long flags = spin_lock_irqsave(&q->lock);
	struct request *rq = q->head;

	q->head = q->tail = NULL;
	spin_unlock_irqrestore(&q->lock, flags);
	return rq;
}

static int null_complete_list(struct null_blk_dev *nb, struct request *rq)
{
	int n = 0;

	while (rq) {
		struct request *next = rq->next;

		null_complete_rq(nb, rq);
		rq = next;
		n++;
	}
	return n;
}

/* Timer mode: the "interrupt" of an interrupt-driven queue. */
static void null_timer_fn(struct timer *t, void *arg)
{
	struct null_queue *q = arg;

	null_complete_list(q->nb, null_take(q));
}

static int null_queue_rq(struct blk_mq_hw_ctx *hctx, struct request *rq)
{
	struct null_queue *q = hctx->driver_data;
	struct null_blk_dev *nb = q->nb;
	unsigned long flags;

	if (likely(!hctx->polled && !nb->cfg.timer_completion)) {
		null_complete_rq(nb, rq);
		return 0;
	}
	rq->next = NULL;
	flags = spin_lock_irqsave(&q->lock);
	if (q->tail)
		q->tail->next = rq;
	else
		q->head = rq;
	q->tail = rq;
	if (!hctx->polled && !q->timer.pending)
		timer_add(&q->timer, ktime_ns() + nb->completion_ns,
			  null_timer_fn, q);
	spin_unlock_irqrestore(&q->lock, flags);
	return 0;
}

static int null_poll(struct blk_mq_hw_ctx *hctx)
{
	struct null_queue *q = hctx->driver_data;

	return null_complete_list(q->nb, null_take(q));
}

static const struct block_device_operations null_bio_ops = {
	.submit_bio = null_submit_bio,
};

static const struct blk_mq_ops null_mq_ops = {
	.queue_rq = null_queue_rq,
	.poll = null_poll,
};

static void null_free_memory(struct null_blk_dev *nb)
{
	if (!nb->dir)
		return;
	for (u64 i = 0; i < nb->nr_dir; i++) {
		void **leaf = nb->dir[i];

		if (!leaf)
			continue;
		for (unsigned j = 0; j < NULLB_PTRS_PER_PAGE; j++)
			if (leaf[j])
				page_free(leaf[j]);
		page_free(leaf);
	}
	kfree_boot(nb->dir, nb->nr_dir * sizeof(void *));
	nb->dir = NULL;
}

int null_blk_create(const struct null_blk_config *cfg, struct null_blk_dev **out)
{
	struct null_blk_dev *nb;
	struct gendisk *d;
	int err = -ENOMEM;

	if (!cfg->name || !cfg->size || (cfg->size & (cfg->bs - 1)) ||
	    cfg->size >> SECTOR_SHIFT == 0)
		return -EINVAL;
	nb = kzalloc_boot(sizeof(*nb));
	if (!nb)
		return -ENOMEM;
	nb->cfg = *cfg;
	d = &nb->disk;
	strlcpy(d->disk_name, cfg->name, DISK_NAME_LEN);
	d->driver = "null_blk";
	d->capacity = cfg->size >> SECTOR_SHIFT;
	d->private_data = nb;
	blk_set_default_limits(&d->limits);
	d->limits.logical_block_size = cfg->bs;
	d->limits.physical_block_size = max_t(u32, cfg->bs, PAGE_SIZE);
	if (cfg->max_sectors)
		d->limits.max_hw_sectors = cfg->max_sectors;
	d->limits.max_segment_size = 1U << 20;
	d->limits.dma_alignment = 0;
	d->limits.max_discard_sectors = cfg->max_discard_sectors ?
					cfg->max_discard_sectors : 1U << 16;
	d->limits.max_write_zeroes_sectors = 1U << 16;

	if (cfg->memory) {
		nb->nr_dir = DIV_ROUND_UP(cfg->size >> PAGE_SHIFT ? cfg->size >> PAGE_SHIFT : 1,
					  NULLB_PTRS_PER_PAGE);
		nb->dir = kzalloc_boot(nb->nr_dir * sizeof(void *));
		if (!nb->dir)
			goto free_nb;
	}
	if (cfg->bio_based) {
		d->fops = &null_bio_ops;
	} else {
		nb->set.ops = &null_mq_ops;
		nb->set.nr_hw_queues = 1;
		nb->set.nr_poll_queues = cfg->poll_queues;
		nb->set.queue_depth = cfg->hw_queue_depth ? cfg->hw_queue_depth : 64;
		nb->set.driver_data = nb;
		err = blk_mq_alloc_tag_set(&nb->set);
		if (err)
			goto free_memory;
		nb->nr_queues = nb->set.nr_hw_queues + nb->set.nr_poll_queues;
		nb->queues = kzalloc_boot(nb->nr_queues * sizeof(*nb->queues));
		err = -ENOMEM;
		if (!nb->queues)
			goto free_tags;
		for (unsigned i = 0; i < nb->nr_queues; i++) {
			nb->queues[i].nb = nb;
			spin_lock_init(&nb->queues[i].lock, "null_blk queue lock");
			nb->set.hctxs[i].driver_data = &nb->queues[i];
		}
		nb->completion_ns = NULLB_COMPLETION_NS;
		d->tag_set = &nb->set;
	}
	err = blk_register_disk(d);
	if (err)
		goto free_queues;
	pr_info("%s: null_blk, %s, %s, %u poll queues%s\n", d->disk_name,
		cfg->memory ? "memory" : "no data",
		cfg->bio_based ? "bio-based" : "request-based",
		cfg->bio_based ? 0 : cfg->poll_queues,
		cfg->timer_completion && !cfg->bio_based ?
		", completions from the timer" : "");
	*out = nb;
	return 0;

free_queues:
	if (nb->queues)
		kfree_boot(nb->queues, nb->nr_queues * sizeof(*nb->queues));
free_tags:
	if (!cfg->bio_based)
		blk_mq_free_tag_set(&nb->set);
free_memory:
	null_free_memory(nb);
free_nb:
	kfree_boot(nb, sizeof(*nb));
	return err;
}

int null_blk_destroy(struct null_blk_dev *nb)
{
	int err = blk_unregister_disk(&nb->disk);

	if (err)
		return err;
	for (unsigned i = 0; i < nb->nr_queues; i++)
		timer_del(&nb->queues[i].timer);
	if (nb->queues)
		kfree_boot(nb->queues, nb->nr_queues * sizeof(*nb->queues));
	if (nb->disk.tag_set)
		blk_mq_free_tag_set(&nb->set);
	null_free_memory(nb);
	kfree_boot(nb, sizeof(*nb));
	return 0;
}

struct gendisk *null_blk_disk(struct null_blk_dev *nb)
{
	return &nb->disk;
}

int null_blk_init(void)
{
	struct null_blk_config cfg = {
		.name = "null0",
		.size = SZ_1G,
		.bs = 512,
		.hw_queue_depth = 64,
		.poll_queues = 1,
	};
	const char *mode = kernel_param("null_blk.queue_mode");
	const char *size = kernel_param("null_blk.size");
	struct null_blk_dev *nb;
	u64 irqmode;
	int err;

	if (size && parse_size(size, &cfg.size)) {
		pr_err("null_blk: bad null_blk.size=%s\n", size);
		return -EINVAL;
	}
	cfg.bs = (u32)kernel_param_u64("null_blk.bs", 512);
	cfg.memory = kernel_param_bool("null_blk.memory", false);
	cfg.hw_queue_depth = (u32)kernel_param_u64("null_blk.hw_queue_depth", 64);
	cfg.poll_queues = (u32)kernel_param_u64("null_blk.poll_queues", 1);
	cfg.max_sectors = (u32)kernel_param_u64("null_blk.max_sectors", 0);
	irqmode = kernel_param_u64("null_blk.irqmode", 0);
	if (irqmode != 0 && irqmode != 2) {
		pr_err("null_blk: bad null_blk.irqmode=%llu (0 inline, 2 timer)\n",
		       (unsigned long long)irqmode);
		return -EINVAL;
	}
	cfg.timer_completion = irqmode == 2;
	if (mode && strcmp(mode, "mq") && strcmp(mode, "bio")) {
		pr_err("null_blk: bad null_blk.queue_mode=%s (mq or bio)\n", mode);
		return -EINVAL;
	}
	cfg.bio_based = mode && !strcmp(mode, "bio");
	err = null_blk_create(&cfg, &nb);
	if (err) {
		pr_err("null_blk: cannot create null0: -%s\n", errno_name(err));
		return err;
	}
	nb->completion_ns = kernel_param_u64("null_blk.completion_nsec",
					     NULLB_COMPLETION_NS);
	return 0;
}
