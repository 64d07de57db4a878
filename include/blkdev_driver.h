/*
 * blkdev_driver.h - what a block driver implements and calls.
 *
 * Two kinds of driver:
 * - bio-based (pmem): fops->submit_bio(bio) gets a bio already checked
 *   against the capacity and block size and split to the queue limits, and
 *   completes it with bio_endio_status().
 * - request-based (NVMe, null_blk): the driver fills a struct blk_mq_tag_set
 *   (ops, hardware queues, depth, per-request driver bytes), calls
 *   blk_mq_alloc_tag_set() at init (every request preallocated), and points
 *   disk->tag_set at it. The block layer takes a tag per split piece (one
 *   bio within the limits = one request), waiting for a free one if needed
 *   (where waiting is not allowed - in an interrupt handler, in a bi_end_io
 *   callback, with interrupts off on an interrupt-driven queue - the bio is
 *   parked until a completion on that queue frees one), and calls
 *   ops->queue_rq(hctx, rq). The driver builds its command from
 *   blk_rq_pos(), blk_rq_bytes(), req_op() and blk_rq_map_sg(), and finishes
 *   with blk_mq_complete_request(rq, status) from its interrupt handler or
 *   its ops->poll(hctx). Polled queues (nr_poll_queues, after the
 *   interrupt-driven ones) serve REQ_POLLED bios; no queue is both.
 *
 * Flushes: a driver whose device has a volatile write cache declares
 * BLK_FEAT_WRITE_CACHE and gets REQ_OP_FLUSH bios/requests; with
 * BLK_FEAT_FUA it also gets REQ_FUA on writes and must make them durable
 * before completing them. It never sees REQ_PREFLUSH: the block layer
 * sends a FLUSH first (block/blk_flush.c), and a FLUSH after the data in
 * place of REQ_FUA where BLK_FEAT_FUA is not declared.
 *
 * Registration: fill a struct gendisk (name, capacity, limits starting from
 * blk_set_default_limits(), fops and/or tag_set), blk_register_disk().
 *
 * Platform hooks (bottom of this file) are what the pure block code needs
 * from the machine; block/blk_plat.c implements them in the kernel and the
 * host unit tests provide their own.
 */
#ifndef PFNOS_BLKDEV_DRIVER_H
#define PFNOS_BLKDEV_DRIVER_H

#include "blkdev.h"
#include "compiler.h"
#include "spinlock.h"
#include "types.h"

struct scatterlist;
struct request;
struct blk_mq_hw_ctx;

struct block_device_operations {
	/* bio-based drivers: a checked bio within the limits */
	void (*submit_bio)(struct bio *bio);
	/* bio-based polling (optional): reap completions, return how many;
	 * REQ_POLLED bios are waited for with it (queue 0) */
	int (*poll)(struct gendisk *disk, unsigned queue);
	/* memory behind a sector (optional): see blk_direct_access() */
	long (*direct_access)(struct gendisk *disk, sector_t sector, u64 nr,
			      pfn_t *pfn);
};

/* Defaults (as Linux): 512-byte blocks, 1280 KiB requests, 128 segments of
 * up to 64 KiB not crossing 4 GiB, no virt boundary, 512-byte buffer
 * alignment, no discard or write zeroes, no write cache. */
void blk_set_default_limits(struct queue_limits *lim);

/*
 * blk_register_disk - check disk (name unique and non-empty, capacity a
 * whole number of logical blocks, limits consistent, exactly one of
 * fops->submit_bio and tag_set) and make it visible to blk_find_disk().
 * Returns 0, -EINVAL (with a log line saying what is wrong) or -EEXIST.
 */
int blk_register_disk(struct gendisk *disk);
/* Returns 0, or -EBUSY while I/O is in flight, -ENOENT if not registered. */
int blk_unregister_disk(struct gendisk *disk);
/* The checks of blk_register_disk() on limits alone (0 or -EINVAL). */
int blk_validate_limits(const struct queue_limits *lim, const char *name);

/* ---- requests and tags ---- */
struct blk_mq_ops {
	/*
	 * Start rq on hctx. Returns 0 (the driver will call
	 * blk_mq_complete_request(), possibly before returning), -EBUSY (no
	 * room on this queue just now, freed by its own completions: the
	 * block layer waits for a completion and retries, or, where it may
	 * not wait, parks the bio until a request of hctx completes; -EBUSY
	 * with nothing in flight on hctx fails the bio there), -EAGAIN (a
	 * resource shared beyond this queue is short just now - the DMA
	 * bounce pool, the controller during a reset - and the driver has
	 * already arranged to call blk_mq_run_hw_queue(hctx) when it frees:
	 * the block layer waits and retries where it may, else parks the bio
	 * even with nothing in flight), or another -errno (the block layer
	 * fails the request).
	 * Context: any (a submission from an interrupt handler calls it there).
	 */
	int (*queue_rq)(struct blk_mq_hw_ctx *hctx, struct request *rq);
	/* Reap completions on a polled queue; returns how many. */
	int (*poll)(struct blk_mq_hw_ctx *hctx);
	/* Optional, at blk_mq_alloc_tag_set(): set up the driver bytes. */
	int (*init_request)(struct blk_mq_tag_set *set, struct request *rq,
			    unsigned hctx_idx);
};

struct blk_mq_hw_ctx {
	struct blk_mq_tag_set *set;
	unsigned queue_num;
	bool polled;
	void *driver_data;		/* the driver's queue */
	/* tags_lock (_irqsave): the tags, request states, the parked list
	 * and the counters below; never held across queue_rq, poll or a wait */
	spinlock_t tags_lock;
	u32 depth;
	u32 nr_busy;
	u64 *free_tags;			/* bit set = tag free */
	u64 free_words;			/* bit w set: free_tags[w] is not 0 */
	u8 *rqs;			/* depth requests of set->rq_size bytes */
	/* bios that could not wait for a tag or room (see blk_mq.c) */
	struct bio *parked, *parked_tail;
	bool running_parked;
	bool run_again;			/* a run was asked for during one */
	u64 kicks;			/* blk_mq_run_hw_queue() calls */
	/* statistics */
	u64 dispatched, completed, busy_retries, tag_waits, parks, requeues;
};

struct blk_mq_tag_set {
	const struct blk_mq_ops *ops;
	unsigned nr_hw_queues;		/* interrupt-driven, >= 1 */
	unsigned nr_poll_queues;	/* polled, after those */
	unsigned queue_depth;		/* tags per queue, 1..4096 */
	unsigned cmd_size;		/* driver bytes behind each request */
	void *driver_data;
	/* block layer */
	size_t rq_size;
	struct blk_mq_hw_ctx *hctxs;	/* nr_hw_queues + nr_poll_queues */
};

enum rq_state {
	RQ_IDLE,
	RQ_IN_FLIGHT,
};

struct request {
	u32 rq_magic;
	enum rq_state state;
	struct blk_mq_hw_ctx *mq_hctx;
	struct gendisk *disk;
	struct bio *bio;		/* one bio within the queue limits */
	u32 tag;
	u32 cmd_flags;			/* the bio's bi_opf */
	sector_t sector;
	u32 data_len;			/* bytes */
	u32 nr_phys_segments;		/* upper bound for blk_rq_map_sg() */
	u64 driver_tag_data;		/* free for the driver */
	struct request *next;		/* free for the driver (pending lists) */
} __aligned(16);

static inline enum req_op req_op(const struct request *rq)
{
	return (enum req_op)(rq->cmd_flags & REQ_OP_MASK);
}
static inline sector_t blk_rq_pos(const struct request *rq) { return rq->sector; }
static inline u32 blk_rq_bytes(const struct request *rq) { return rq->data_len; }
static inline void *blk_mq_rq_to_pdu(struct request *rq) { return rq + 1; }
static inline struct request *blk_mq_rq_from_pdu(void *pdu)
{
	return (struct request *)pdu - 1;
}

/*
 * blk_mq_alloc_tag_set - allocate every queue, tag and request of set
 * (through blk_init_alloc(); init time only). Returns 0, -EINVAL for a bad
 * set, -ENOMEM. blk_mq_free_tag_set() undoes it (all tags must be free).
 */
int blk_mq_alloc_tag_set(struct blk_mq_tag_set *set);
void blk_mq_free_tag_set(struct blk_mq_tag_set *set);

/* The request with this tag (NVMe: a completion's command id), or NULL
 * when tag is out of range or not in flight. */
struct request *blk_mq_tag_to_rq(struct blk_mq_hw_ctx *hctx, u32 tag);

/*
 * blk_mq_complete_request - end rq with status (0 or -errno): frees the tag
 * and completes its bio. Completing a request that is not in flight is a
 * BUG. Context: any (interrupt handlers, ops->poll).
 */
void blk_mq_complete_request(struct request *rq, int status);

/*
 * blk_mq_run_hw_queue - dispatch the bios parked on hctx now: what a
 * driver calls when a resource it answered -EAGAIN for comes back (the
 * block layer does it itself after each completion on hctx). A run asked
 * for while one is going on, or while a submission is being parked, is not
 * lost. Context: any.
 */
void blk_mq_run_hw_queue(struct blk_mq_hw_ctx *hctx);

/*
 * blk_mq_requeue_request - give back a request the driver started but
 * cannot (re)start just now, for want of a resource: its tag is freed and
 * its bio parked first in line on its queue, to be dispatched as a new
 * request by the next completion on the queue or blk_mq_run_hw_queue().
 * For a driver that took requests back from its device (a reset) and met a
 * transient shortage resubmitting them; it must see that one of those
 * comes (a reset runs its queues when it ends). Requeueing a request that
 * is not in flight is a BUG. Context: any.
 */
void blk_mq_requeue_request(struct request *rq);

/*
 * blk_mq_map_queue - the queue a bio with flags opf goes to from cpu: one
 * of the polled queues for REQ_POLLED when there are (submit_bio() keeps
 * the flag only then), else one of the interrupt-driven ones. Submission
 * and every wait for the bio choose with it.
 */
static inline struct blk_mq_hw_ctx *blk_mq_map_queue(struct blk_mq_tag_set *set,
						     u32 opf, unsigned cpu)
{
	unsigned n;

	if ((opf & REQ_POLLED) && set->nr_poll_queues) {
		n = set->nr_poll_queues;
		return &set->hctxs[set->nr_hw_queues + (cpu < n ? cpu : cpu % n)];
	}
	n = set->nr_hw_queues;
	return &set->hctxs[cpu < n ? cpu : cpu % n];
}

/* ---- splitting and mapping, pure (host-tested) ---- */
/*
 * blk_split_bytes - how many bytes from iter fit in one request under lim:
 * iter.bi_size when all of it does, otherwise a smaller multiple of the
 * logical block size at which a split leaves the first part within
 * max_hw_sectors, max_segments, max_segment_size, seg_boundary_mask and
 * virt_boundary_mask. *nsegs gets the first part's segment count (an upper
 * bound for blk_rq_map_sg()). Returns -EINVAL when no non-empty aligned
 * first part is possible.
 */
long blk_split_bytes(const struct bio_vec *vecs, struct bvec_iter iter,
		     const struct queue_limits *lim, u32 *nsegs);

/*
 * blk_map_sg - fill sgl (possibly chained) with the data of iter, one entry
 * per physically contiguous run within max_segment_size and
 * seg_boundary_mask, merging contiguous vecs of the same pfn flags. Marks
 * the end. *merges (may be NULL) counts vecs merged into a previous entry.
 * Returns the number of entries; running out of entries is a BUG.
 */
int blk_map_sg(const struct queue_limits *lim, const struct bio_vec *vecs,
	       struct bvec_iter iter, struct scatterlist *sgl, u32 *merges);
/* The same for a request. sgl must be initialised (sg_init_table() or
 * sg_alloc_table()) with at least rq->nr_phys_segments entries before each
 * call, as Linux NVMe does: a stale end mark from an earlier mapping is not
 * cleared. */
int blk_rq_map_sg(struct request *rq, struct scatterlist *sgl);

/* ---- platform hooks: block/blk_plat.c, or the host tests ---- */
/* Were interrupts enabled when local_irq_save() (irq.h) returned flags? */
bool blk_irqs_were_enabled(unsigned long flags);
/* Is this CPU running an interrupt handler? */
bool blk_in_interrupt(void);
/* Called with interrupts disabled, and only by code that found them
 * enabled and is not in an interrupt handler: enable them and halt in one
 * step until an interrupt arrives, run the work it deferred (work.h), then
 * disable interrupts again. */
void blk_wait_interrupt(void);
/* Called with interrupts enabled, outside any handler, after each poll of a
 * polled wait: run deferred work (work.h) and, when the poll reaped nothing,
 * pause the CPU (a spin-wait hint; never a halt). */
void blk_poll_relax(bool reaped);
/* Count an I/O submitted (done false) or completed (done true) on this CPU,
 * for the `cpus` command (percpu.ios_submitted/ios_completed). */
void blk_count_cpu_io(bool done);
/* The block layer's own init-time memory, zeroed; NULL on failure. Never on
 * the I/O path. kzalloc_boot() (mm.h) in the kernel; the host tests inject
 * failures here. Drivers allocate with kzalloc_boot() themselves. */
void *blk_init_alloc(size_t size);
void blk_init_free(void *p, size_t size);

/*
 * The null block device (drivers/null_blk.c; until it has its own header):
 * null_blk_init() creates null0 from the null_blk.* command line options;
 * tests create and destroy their own devices.
 */
struct null_blk_config {
	const char *name;
	u64 size;			/* bytes, whole logical blocks */
	u32 bs;				/* logical block size */
	bool memory;			/* keep written data */
	bool bio_based;			/* fops->submit_bio instead of requests */
	u32 hw_queue_depth;		/* tags (request-based), default 64 */
	u32 poll_queues;		/* polled queues (request-based) */
	u32 max_sectors;		/* 0: the default limit */
	bool timer_completion;		/* interrupt-driven queues complete
					 * from the timer tick (interrupt
					 * context), not inside queue_rq */
	u32 max_discard_sectors;	/* 0: the default (65536) */
};
struct null_blk_dev;
int null_blk_init(void);
int null_blk_create(const struct null_blk_config *cfg, struct null_blk_dev **out);
int null_blk_destroy(struct null_blk_dev *nb);	/* -EBUSY while I/O is in flight */
struct gendisk *null_blk_disk(struct null_blk_dev *nb);

/* Kernel: the block layer's pools (bios, sg chunks, flush sequences) sized
 * from the command line (blk.bios=, blk.vec_tables=, blk.sg_chunks=,
 * blk.flush_seqs=). Returns 0 or -errno. */
int blk_init(void);

#endif
