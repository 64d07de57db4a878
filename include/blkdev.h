/*
 * blkdev.h - the block layer as its users see it: bios, their vecs and
 * iterators, submission and waiting, and the registry of block devices.
 *
 * Every I/O is a bio (docs/architecture.md, invariant 5). A bio names its
 * memory by pfn_t: a struct bio_vec is (pfn, offset, length) of physically
 * contiguous memory, RAM or persistent memory alike. A vec may span several
 * frames (a "multi-page" vec, as in Linux): bio_add_pfn() merges a piece that
 * continues the previous vec physically. bv_offset is always below PAGE_SIZE.
 * bio_for_each_bvec() walks whole vecs (what DMA mapping wants);
 * bio_for_each_segment() walks single-frame pieces (what kmap_atomic_pfn_t()
 * wants).
 *
 * Protocol:
 *   bio = bio_alloc(disk, nr_vecs, REQ_OP_WRITE | REQ_FUA);   (from the pool)
 *   bio->bi_iter.bi_sector = lba * (lbs / 512);
 *   bio_add_pfn(bio, pfn, len, off) ...;
 *   err = submit_bio_wait(bio);     (or set bi_end_io and submit_bio())
 *   bio_put(bio);
 * submit_bio() checks the range and alignment against the device before any
 * byte moves (-EIO beyond capacity, -EINVAL misaligned: the bio completes
 * with that status and a log line says what was wrong), splits at the
 * device's queue limits and hands the pieces to the driver. REQ_PREFLUSH
 * (flush the write cache first) and REQ_FUA (durable on completion) on a
 * write hold for the whole bio, split or not (block/blk_flush.c); on a
 * DISCARD they are refused (-EINVAL). bi_end_io
 * runs exactly once, possibly in interrupt context, with bi_status 0 or
 * -errno.
 * Sectors are always 512 bytes, whatever the logical block size.
 *
 * Drivers see include/blkdev_driver.h.
 */
#ifndef PFNOS_BLKDEV_H
#define PFNOS_BLKDEV_H

#include "compiler.h"
#include "pfn_t.h"
#include "types.h"

#define SECTOR_SHIFT	9
#define SECTOR_SIZE	(1U << SECTOR_SHIFT)

/* ---- operations and flags (bio->bi_opf = op | flags) ---- */
enum req_op {
	REQ_OP_READ = 0,
	REQ_OP_WRITE = 1,
	REQ_OP_FLUSH = 2,		/* no data: make earlier writes durable */
	REQ_OP_DISCARD = 3,		/* no data */
	REQ_OP_WRITE_ZEROES = 4,	/* no data */
	REQ_OP_NR,
};
#define REQ_OP_MASK	0xffU
#define REQ_FUA		BIT(8)		/* durable when it completes */
#define REQ_PREFLUSH	BIT(9)		/* flush the write cache first */
#define REQ_POLLED	BIT(10)		/* complete on a polled queue */

static inline bool op_is_write(enum req_op op)
{
	return op == REQ_OP_WRITE || op == REQ_OP_DISCARD ||
	       op == REQ_OP_WRITE_ZEROES;
}

/* READ and WRITE carry data vecs; the others only a range (or nothing). */
static inline bool op_has_data(enum req_op op)
{
	return op == REQ_OP_READ || op == REQ_OP_WRITE;
}

const char *blk_op_name(enum req_op op);

/* ---- vecs and iterators ---- */
struct bio_vec {
	pfn_t bv_pfn;		/* first frame */
	u32 bv_len;		/* bytes, physically contiguous from bv_offset */
	u32 bv_offset;		/* in bv_pfn's frame, < PAGE_SIZE */
};

struct bvec_iter {
	sector_t bi_sector;	/* device position, 512-byte sectors */
	u32 bi_size;		/* bytes left */
	u32 bi_idx;		/* current vec */
	u32 bi_bvec_done;	/* bytes of that vec already done */
};

static inline phys_addr_t bvec_phys(const struct bio_vec *bv)
{
	return pfn_t_to_phys(bv->bv_pfn) + bv->bv_offset;
}

/* The (multi-page) vec at iter, clipped to the bytes left. */
static inline struct bio_vec bvec_iter_bvec(const struct bio_vec *vecs,
					    struct bvec_iter iter)
{
	const struct bio_vec *v = &vecs[iter.bi_idx];
	/* 64 bits: a vec may be nearly 4 GiB long and start inside a page */
	u64 off = (u64)v->bv_offset + iter.bi_bvec_done;
	struct bio_vec bv;

	bv.bv_pfn = pfn_t_add(v->bv_pfn, off >> PAGE_SHIFT);
	bv.bv_offset = (u32)(off & (PAGE_SIZE - 1));
	bv.bv_len = min_t(u32, v->bv_len - iter.bi_bvec_done, iter.bi_size);
	return bv;
}

/* The single-frame segment at iter. */
static inline struct bio_vec bvec_iter_page_bvec(const struct bio_vec *vecs,
						 struct bvec_iter iter)
{
	struct bio_vec bv = bvec_iter_bvec(vecs, iter);

	bv.bv_len = min_t(u32, bv.bv_len, PAGE_SIZE - bv.bv_offset);
	return bv;
}

/*
 * Advance iter by bytes (at most iter->bi_size; the sector is not moved:
 * see bio_advance()). Returns false, leaving iter empty, on an overrun.
 */
bool bvec_iter_advance(const struct bio_vec *vecs, struct bvec_iter *iter,
		       u32 bytes);

/* ---- the bio ---- */
struct bio;
struct gendisk;
typedef void (bio_end_io_t)(struct bio *bio);

#define BIO_INLINE_VECS		4
#define BIO_MAX_VECS		256	/* a pooled vec table: one 4 KiB page */

/* bi_flags (owned by the block layer) */
#define BIO_POOLED	BIT(0)	/* from the bio pool: bio_put() returns it */
#define BIO_OWNS_VECS	BIT(1)	/* bi_io_vec is a pooled table */
#define BIO_CLONED	BIT(2)	/* shares another bio's vecs (a split) */
#define BIO_CHAIN	BIT(3)	/* completes into bi_parent */
#define BIO_ACCT	BIT(4)	/* counted in the disk's statistics */
#define BIO_FLUSH_SEQ	BIT(5)	/* a flush sequence's own flush or data bio
				 * (block/blk_flush.c): checked and accounted
				 * as its original, dispatched as it is */

struct bio {
	u32 bi_magic;			/* debug: live / completed / free */
	u16 bi_flags;
	u16 bi_vcnt;			/* vecs in bi_io_vec */
	u16 bi_max_vecs;
	u32 bi_opf;			/* enum req_op | REQ_* flags */
	int bi_status;			/* 0 or -errno, set before bi_end_io */
	u32 bi_remaining;		/* completions still expected (chaining) */
	struct bvec_iter bi_iter;
	u32 bi_phys_segments;		/* a piece at dispatch: scatterlist
					 * entries it needs at most, as its
					 * split counted them */
	struct gendisk *bi_disk;
	bio_end_io_t *bi_end_io;
	void *bi_private;		/* for bi_end_io's owner */
	struct bio *bi_parent;		/* BIO_CHAIN: completes into this */
	struct bio *bi_next;		/* block layer lists */
	struct bio_vec *bi_io_vec;
	struct bio_vec bi_inline_vecs[BIO_INLINE_VECS];
};

static inline enum req_op bio_op(const struct bio *bio)
{
	return (enum req_op)(bio->bi_opf & REQ_OP_MASK);
}

static inline sector_t bio_sectors(const struct bio *bio)
{
	return bio->bi_iter.bi_size >> SECTOR_SHIFT;
}

static inline sector_t bio_end_sector(const struct bio *bio)
{
	return bio->bi_iter.bi_sector + bio_sectors(bio);
}

/*
 * The bio pool: nr_bios bios and nr_tables vec tables of BIO_MAX_VECS,
 * allocated once at boot through blk_init_alloc(). Returns 0 or -ENOMEM.
 * bio_pool_exit() gives the memory back (host tests; every bio must be free).
 */
int bio_pool_init(unsigned nr_bios, unsigned nr_tables);
void bio_pool_exit(void);
unsigned bio_pool_free_bios(void);
unsigned bio_pool_free_tables(void);

/*
 * bio_alloc - a bio from the pool, for disk, with room for nr_vecs vecs.
 * Returns NULL when the pool (bios, or vec tables when nr_vecs >
 * BIO_INLINE_VECS) is exhausted or nr_vecs > BIO_MAX_VECS.
 * Context: any; never waits, never allocates.
 */
struct bio *bio_alloc(struct gendisk *disk, unsigned nr_vecs, u32 opf);
/* Return a pooled bio (and its vec table) to the pool. */
void bio_put(struct bio *bio);

/* A bio in the caller's memory (on the stack, in a driver struct), with
 * the caller's vec table. bio_put() must not be called on it. */
void bio_init(struct bio *bio, struct gendisk *disk, struct bio_vec *vecs,
	      unsigned max_vecs, u32 opf);
/* Make a completed (or never submitted) bio reusable: no vecs, size 0. */
void bio_reset(struct bio *bio, struct gendisk *disk, u32 opf);

/*
 * bio_add_pfn - append len bytes at offset off of frame pfn (off may exceed
 * PAGE_SIZE: the memory is physically contiguous from pfn). Merged into the
 * last vec when it continues it physically with the same pfn flags.
 * Returns 0, -EINVAL (len 0, a clone), -EOVERFLOW (bio would pass 4 GiB) or
 * -ENOSPC (no free vec).
 */
int bio_add_pfn(struct bio *bio, pfn_t pfn, u32 len, u32 off);

/* Consume bytes from the front of the bio (moves bi_sector too). */
void bio_advance(struct bio *bio, u32 bytes);

/*
 * bio_split - split off the first sectors of bio into a new pooled bio that
 * shares bio's vecs; bio keeps the rest. The caller chains (bio_chain) and
 * submits the split. Returns NULL when the pool is empty or sectors is 0 or
 * not below bio_sectors(bio).
 */
struct bio *bio_split(struct bio *bio, unsigned sectors);

/*
 * bio_chain - parent completes only after child (and itself) did, with
 * the first error of any of them. The child is put back in the pool when it
 * completes; its bi_end_io is not called.
 */
void bio_chain(struct bio *child, struct bio *parent);

/*
 * bio_endio - complete (one part of) a bio. Calls bi_end_io when every
 * chained child and the bio itself have completed. A second completion is a
 * BUG. Context: any (interrupt handlers included).
 */
void bio_endio(struct bio *bio);
/* Record status (the first error wins) and complete. */
void bio_endio_status(struct bio *bio, int status);

#define __bio_for_each_bvec(bvl, bio, iter, start)			\
	for (iter = (start);						\
	     (iter).bi_size &&						\
		((bvl = bvec_iter_bvec((bio)->bi_io_vec, (iter))), 1);	\
	     bvec_iter_advance((bio)->bi_io_vec, &(iter), (bvl).bv_len))
/* Each physically contiguous vec of the bio's remaining data. */
#define bio_for_each_bvec(bvl, bio, iter)				\
	__bio_for_each_bvec(bvl, bio, iter, (bio)->bi_iter)

#define __bio_for_each_segment(bvl, bio, iter, start)			\
	for (iter = (start);						\
	     (iter).bi_size &&						\
		((bvl = bvec_iter_page_bvec((bio)->bi_io_vec, (iter))), 1); \
	     bvec_iter_advance((bio)->bi_io_vec, &(iter), (bvl).bv_len))
/* Each single-frame piece of the bio's remaining data. */
#define bio_for_each_segment(bvl, bio, iter)				\
	__bio_for_each_segment(bvl, bio, iter, (bio)->bi_iter)

/* ---- submission ---- */
/*
 * submit_bio - start I/O; completion through bi_end_io.
 * Context: any. Called from inside a completion it queues the bio and the
 * outermost submit_bio() on this CPU dispatches it (no recursion). Never
 * halts in an interrupt handler, a completion or with interrupts off: a
 * bio that finds no free tag there is parked until one is freed.
 */
void submit_bio(struct bio *bio);

/*
 * submit_bio_wait - submit and wait for completion: none when the driver
 * completed it inline; else with blk_wait_once() until bi_end_io runs
 * (halting with interrupts enabled, or, for a REQ_POLLED bio on a device
 * with polled queues, driving the device's poll operation).
 * Returns the bio's status (0 or -errno). Sets bi_end_io and bi_private.
 * Context: process, interrupts enabled (not from a completion or an
 * interrupt handler: a wait there could never end, and is a BUG).
 */
int submit_bio_wait(struct bio *bio);

/*
 * blk_wait_once - wait once for I/O on the queue that disk's bios with
 * flags opf go to: drive its poll operation once when that is a polled
 * queue (then run deferred work, work.h, and pause if nothing was reaped),
 * else halt until an interrupt (which runs deferred work too). opf is a
 * submitted bio's bi_opf, as submit_bio() left it: REQ_POLLED kept only
 * where the device has polled queues, and set on every bio of a device that
 * polls by default. Callers loop until what they wait for has happened:
 *
 *	flags = local_irq_save();
 *	while (!done)
 *		if (!blk_wait_once(disk, bio->bi_opf, flags))
 *			... no wait is possible here ...
 *	local_irq_restore(flags);
 *
 * Returns true after waiting, false without waiting where no wait could end
 * (an interrupt handler, a bi_end_io callback, or a halt with interrupts
 * off in the caller). Context: interrupts disabled on entry and on return;
 * flags is what the caller's local_irq_save() returned (block/blk_wait.c).
 */
bool blk_wait_once(struct gendisk *disk, u32 opf, unsigned long flags);

/* ---- block devices ---- */
#define DISK_NAME_LEN	32

/* Queue limits: see blk_set_default_limits() for the defaults. */
struct queue_limits {
	u32 logical_block_size;		/* bytes; power of two, 512..4096 */
	u32 physical_block_size;	/* bytes; >= logical */
	u32 max_hw_sectors;		/* per request, 512-byte sectors */
	u32 max_segments;		/* scatterlist entries per request */
	u32 max_segment_size;		/* bytes per scatterlist entry */
	u64 seg_boundary_mask;		/* an entry never crosses it */
	u64 virt_boundary_mask;		/* 0, or: inner vec edges aligned */
	u32 dma_alignment;		/* mask for buffer offset and length */
	u32 max_discard_sectors;	/* 0: DISCARD unsupported */
	u32 max_write_zeroes_sectors;	/* 0: WRITE_ZEROES unsupported */
	u32 features;			/* BLK_FEAT_* */
};
#define BLK_FEAT_WRITE_CACHE	BIT(0)	/* volatile cache: FLUSH/PREFLUSH */
#define BLK_FEAT_FUA		BIT(1)	/* REQ_FUA handled by the device */
#define BLK_FEAT_POLL		BIT(2)	/* has polled queues */
#define BLK_FEAT_POLL_DEFAULT	BIT(3)	/* every bio goes to a polled queue, as if REQ_POLLED */

/* Statistics groups, as Linux /proc/diskstats. */
enum blk_stat_group {
	BLK_STAT_READ,
	BLK_STAT_WRITE,
	BLK_STAT_DISCARD,	/* DISCARD and WRITE_ZEROES */
	BLK_STAT_FLUSH,
	BLK_STAT_NR,
};

struct blk_io_stats {
	u64 ios[BLK_STAT_NR];		/* bios submitted and accepted */
	u64 sectors[BLK_STAT_NR];
	u64 merges[BLK_STAT_NR];	/* vecs merged into one sg entry */
	u64 splits[BLK_STAT_NR];	/* extra pieces made at the limits */
	u64 requests[BLK_STAT_NR];	/* pieces handed to the driver */
	u64 errors[BLK_STAT_NR];	/* bios completed with an error */
	u32 in_flight[BLK_STAT_NR];
};

struct block_device_operations;
struct blk_mq_tag_set;

struct gendisk {
	char disk_name[DISK_NAME_LEN];
	const char *driver;			/* "null_blk", "pmem", "nvme" */
	sector_t capacity;			/* 512-byte sectors */
	struct queue_limits limits;
	const struct block_device_operations *fops;
	struct blk_mq_tag_set *tag_set;		/* request-based when set */
	void *private_data;			/* the driver's */
	struct blk_io_stats stats;
	/* block layer */
	bool registered;
	struct gendisk *next;
};

static inline u32 disk_lbs(const struct gendisk *d)
{
	return d->limits.logical_block_size;
}

/* Device by name ("null0", "pmem0", "nvme0n1"), or NULL. */
struct gendisk *blk_find_disk(const char *name);
/* Registration order: blk_disk_next(NULL) is the first, NULL after the last. */
struct gendisk *blk_disk_next(struct gendisk *prev);
#define blk_for_each_disk(d) \
	for ((d) = blk_disk_next(NULL); (d); (d) = blk_disk_next(d))
unsigned blk_nr_disks(void);

/*
 * blk_direct_access - the pfn behind sector and how many sectors from it
 * are contiguous (at most nr), for devices that have memory behind them
 * (pmem). Returns that count, -EOPNOTSUPP, -EROFS for a read-only device
 * (the memory would be writable), or -EIO beyond capacity.
 */
long blk_direct_access(struct gendisk *disk, sector_t sector, u64 nr,
		       pfn_t *pfn);

#endif
