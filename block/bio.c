/*
 * bio.c - bios: the boot-time pool, building (bio_add_pfn), iterating,
 * splitting, chaining and completion (include/blkdev.h).
 *
 * A clone (bio_split(), bio_init_clone()) shares its source's vecs and
 * copies its position, size and flags; flush flags get no special
 * treatment here (block/blk_flush.c sequences them before any split).
 *
 * Pool: nr_bios struct bio and nr_tables vec tables of BIO_MAX_VECS, taken
 * once from blk_init_alloc(); alloc and free are a free list under
 * bio_pool_lock, _irqsave (completions free chained bios from interrupt
 * handlers, on any CPU). A leaf lock.
 * Exhaustion returns NULL, never waits.
 *
 * Debug magic: a bio is LIVE from bio_alloc/bio_init/bio_reset until its
 * final bio_endio() (then DONE) and FREE in the pool. bio_endio() on a DONE
 * or FREE bio, bio_put() on a FREE one, and use of a bio never initialised
 * are BUGs that name the bio, rather than corruption found later.
 *
 * bio_endio() counts the bi_end_io callbacks running (blk_endio_depth), so
 * that a submission from inside one never waits (block/blk_mq.c).
 *
 * Layer 1 of block/ (scripts/check-floors): the bio object, at the bottom;
 * below it only the platform hooks.
 *
 * Pure logic: the host unit tests build this file as it is.
 */
#include "blk.h"
#include "errno.h"
#include "irq.h"
#include "lib.h"
#include "panic.h"
#include "spinlock.h"

#define BIO_MAGIC_LIVE	0xb10a11feU
#define BIO_MAGIC_DONE	0xb10d0de5U
#define BIO_MAGIC_FREE	0xb10f4ee5U

struct bio_vec_table {
	struct bio_vec vecs[BIO_MAX_VECS];
};
_Static_assert(sizeof(struct bio_vec_table) == PAGE_SIZE, "vec table is a page");

static struct {
	struct bio *bios;
	struct bio_vec_table *tables;
	unsigned nr_bios, nr_tables;
	struct bio *free_bios;
	void *free_tables;		/* a table's first word links them */
	unsigned nr_free_bios, nr_free_tables;
} bio_pool;
static DEFINE_SPINLOCK(bio_pool_lock);

unsigned blk_endio_depth;

static const char *const blk_op_names[REQ_OP_NR] = {
	[REQ_OP_READ] = "read",
	[REQ_OP_WRITE] = "write",
	[REQ_OP_FLUSH] = "flush",
	[REQ_OP_DISCARD] = "discard",
	[REQ_OP_WRITE_ZEROES] = "write-zeroes",
};

const char *blk_op_name(enum req_op op)
{
	return (unsigned)op < REQ_OP_NR ? blk_op_names[op] : "bad-op";
}

static void bio_bad_magic(const struct bio *bio, const char *what)
{
	const char *state = bio->bi_magic == BIO_MAGIC_DONE ? "completed" :
			    bio->bi_magic == BIO_MAGIC_FREE ? "freed" :
			    "uninitialised";

	panic("BUG: %s on %s bio %p (magic 0x%x)", what, state, bio,
	      bio->bi_magic);
}

static inline void bio_check_live(const struct bio *bio, const char *what)
{
	if (unlikely(bio->bi_magic != BIO_MAGIC_LIVE))
		bio_bad_magic(bio, what);
}

int bio_pool_init(unsigned nr_bios, unsigned nr_tables)
{
	BUG_ON(bio_pool.bios);
	if (!nr_bios)
		return -EINVAL;
	bio_pool.bios = blk_init_alloc(sizeof(struct bio) * nr_bios);
	if (!bio_pool.bios)
		return -ENOMEM;
	if (nr_tables) {
		bio_pool.tables = blk_init_alloc(sizeof(struct bio_vec_table) *
						 nr_tables);
		if (!bio_pool.tables)
			goto free_bios;
	}
	bio_pool.nr_bios = nr_bios;
	bio_pool.nr_tables = nr_tables;
	bio_pool.free_bios = NULL;
	for (unsigned i = nr_bios; i-- > 0;) {
		struct bio *b = &bio_pool.bios[i];

		b->bi_magic = BIO_MAGIC_FREE;
		b->bi_next = bio_pool.free_bios;
		bio_pool.free_bios = b;
	}
	bio_pool.free_tables = NULL;
	for (unsigned i = nr_tables; i-- > 0;) {
		void **t = (void **)&bio_pool.tables[i];

		*t = bio_pool.free_tables;
		bio_pool.free_tables = t;
	}
	bio_pool.nr_free_bios = nr_bios;
	bio_pool.nr_free_tables = nr_tables;
	return 0;

free_bios:
	blk_init_free(bio_pool.bios, sizeof(struct bio) * nr_bios);
	bio_pool.bios = NULL;
	return -ENOMEM;
}

void bio_pool_exit(void)
{
	if (!bio_pool.bios)
		return;
	BUG_ON(bio_pool.nr_free_bios != bio_pool.nr_bios);
	BUG_ON(bio_pool.nr_free_tables != bio_pool.nr_tables);
	blk_init_free(bio_pool.bios, sizeof(struct bio) * bio_pool.nr_bios);
	if (bio_pool.tables)
		blk_init_free(bio_pool.tables,
			      sizeof(struct bio_vec_table) * bio_pool.nr_tables);
	memset(&bio_pool, 0, sizeof(bio_pool));
}

unsigned bio_pool_free_bios(void)
{
	return bio_pool.nr_free_bios;
}

unsigned bio_pool_free_tables(void)
{
	return bio_pool.nr_free_tables;
}

static void bio_init_fields(struct bio *bio, struct gendisk *disk, u32 opf)
{
	bio->bi_magic = BIO_MAGIC_LIVE;
	bio->bi_vcnt = 0;
	bio->bi_opf = opf;
	bio->bi_status = 0;
	bio->bi_remaining = 1;
	memset(&bio->bi_iter, 0, sizeof(bio->bi_iter));
	bio->bi_phys_segments = 0;
	bio->bi_disk = disk;
	bio->bi_end_io = NULL;
	bio->bi_private = NULL;
	bio->bi_parent = NULL;
	bio->bi_next = NULL;
}

void bio_init(struct bio *bio, struct gendisk *disk, struct bio_vec *vecs,
	      unsigned max_vecs, u32 opf)
{
	BUG_ON(max_vecs > 0xffff);
	bio_init_fields(bio, disk, opf);
	bio->bi_flags = 0;
	bio->bi_io_vec = vecs ? vecs : bio->bi_inline_vecs;
	bio->bi_max_vecs = vecs ? max_vecs : BIO_INLINE_VECS;
}

void bio_reset(struct bio *bio, struct gendisk *disk, u32 opf)
{
	if (bio->bi_magic != BIO_MAGIC_LIVE && bio->bi_magic != BIO_MAGIC_DONE)
		bio_bad_magic(bio, "bio_reset");
	BUG_ON(bio->bi_flags & BIO_CLONED);
	bio->bi_flags &= BIO_POOLED | BIO_OWNS_VECS;
	bio_init_fields(bio, disk, opf);
}

struct bio *bio_alloc(struct gendisk *disk, unsigned nr_vecs, u32 opf)
{
	struct bio *bio;
	void **table = NULL;
	unsigned long flags;

	if (nr_vecs > BIO_MAX_VECS)
		return NULL;
	flags = spin_lock_irqsave(&bio_pool_lock);
	bio = bio_pool.free_bios;
	if (bio && nr_vecs > BIO_INLINE_VECS) {
		table = bio_pool.free_tables;
		if (!table)
			bio = NULL;
		else {
			bio_pool.free_tables = *table;
			bio_pool.nr_free_tables--;
		}
	}
	if (bio) {
		if (bio->bi_magic != BIO_MAGIC_FREE)
			bio_bad_magic(bio, "bio_alloc (pool corrupt)");
		bio_pool.free_bios = bio->bi_next;
		bio_pool.nr_free_bios--;
	}
	spin_unlock_irqrestore(&bio_pool_lock, flags);
	if (!bio)
		return NULL;
	if (table) {
		bio_init(bio, disk, (struct bio_vec *)table, BIO_MAX_VECS, opf);
		bio->bi_flags = BIO_POOLED | BIO_OWNS_VECS;
	} else {
		bio_init(bio, disk, NULL, 0, opf);
		bio->bi_flags = BIO_POOLED;
	}
	return bio;
}

void bio_put(struct bio *bio)
{
	unsigned long flags;

	if (bio->bi_magic != BIO_MAGIC_LIVE && bio->bi_magic != BIO_MAGIC_DONE)
		bio_bad_magic(bio, "bio_put");
	if (!(bio->bi_flags & BIO_POOLED))
		panic("BUG: bio_put on bio %p not from the pool", bio);
	flags = spin_lock_irqsave(&bio_pool_lock);
	if (bio->bi_flags & BIO_OWNS_VECS) {
		void **t = (void **)bio->bi_io_vec;

		*t = bio_pool.free_tables;
		bio_pool.free_tables = t;
		bio_pool.nr_free_tables++;
	}
	bio->bi_magic = BIO_MAGIC_FREE;
	bio->bi_flags = 0;
	bio->bi_next = bio_pool.free_bios;
	bio_pool.free_bios = bio;
	bio_pool.nr_free_bios++;
	spin_unlock_irqrestore(&bio_pool_lock, flags);
}

int bio_add_pfn(struct bio *bio, pfn_t pfn, u32 len, u32 off)
{
	struct bio_vec *last;

	bio_check_live(bio, "bio_add_pfn");
	if (!len || (bio->bi_flags & BIO_CLONED))
		return -EINVAL;
	if (bio->bi_iter.bi_size + (u64)len > 0xffffffffULL)
		return -EOVERFLOW;
	pfn = pfn_t_add(pfn, off >> PAGE_SHIFT);
	off &= PAGE_SIZE - 1;
	if (bio->bi_vcnt) {
		last = &bio->bi_io_vec[bio->bi_vcnt - 1];
		if (pfn_t_flags(last->bv_pfn) == pfn_t_flags(pfn) &&
		    bvec_phys(last) + last->bv_len ==
			pfn_t_to_phys(pfn) + off) {
			last->bv_len += len;
			bio->bi_iter.bi_size += len;
			return 0;
		}
	}
	if (bio->bi_vcnt >= bio->bi_max_vecs)
		return -ENOSPC;
	last = &bio->bi_io_vec[bio->bi_vcnt++];
	last->bv_pfn = pfn;
	last->bv_len = len;
	last->bv_offset = off;
	bio->bi_iter.bi_size += len;
	return 0;
}

bool bvec_iter_advance(const struct bio_vec *vecs, struct bvec_iter *iter,
		       u32 bytes)
{
	if (unlikely(bytes > iter->bi_size)) {
		iter->bi_size = 0;
		return false;
	}
	iter->bi_size -= bytes;
	/* 64 bits: bytes + what is done of a vec of nearly 4 GiB passes 2^32 */
	for (u64 left = (u64)bytes + iter->bi_bvec_done;; iter->bi_idx++) {
		if (!left || left < vecs[iter->bi_idx].bv_len) {
			iter->bi_bvec_done = (u32)left;
			return true;
		}
		left -= vecs[iter->bi_idx].bv_len;
	}
}

void bio_advance(struct bio *bio, u32 bytes)
{
	bio_check_live(bio, "bio_advance");
	BUG_ON(bytes > bio->bi_iter.bi_size);
	if (op_has_data(bio_op(bio)))
		bvec_iter_advance(bio->bi_io_vec, &bio->bi_iter, bytes);
	else
		bio->bi_iter.bi_size -= bytes;
	bio->bi_iter.bi_sector += bytes >> SECTOR_SHIFT;
}

struct bio *bio_split(struct bio *bio, unsigned sectors)
{
	struct bio *split;

	bio_check_live(bio, "bio_split");
	if (!sectors || sectors >= bio_sectors(bio))
		return NULL;
	split = bio_alloc(bio->bi_disk, 0, bio->bi_opf);
	if (!split)
		return NULL;
	__bio_split(bio, sectors, split);
	return split;
}

void __bio_split(struct bio *bio, unsigned sectors, struct bio *split)
{
	bio_check_live(bio, "bio_split");
	bio_check_live(split, "bio_split (split)");
	BUG_ON(!sectors || sectors >= bio_sectors(bio));
	BUG_ON(split->bi_flags & BIO_OWNS_VECS);
	split->bi_disk = bio->bi_disk;
	split->bi_opf = bio->bi_opf;
	split->bi_io_vec = bio->bi_io_vec;
	split->bi_vcnt = bio->bi_vcnt;
	split->bi_max_vecs = 0;
	split->bi_flags |= BIO_CLONED;
	split->bi_iter = bio->bi_iter;
	split->bi_iter.bi_size = sectors << SECTOR_SHIFT;
	bio_advance(bio, sectors << SECTOR_SHIFT);
}

void bio_init_clone(struct bio *bio, struct bio *src, u32 opf)
{
	bio_check_live(src, "bio_init_clone (source)");
	bio_init(bio, src->bi_disk, src->bi_io_vec, 0, opf);
	bio->bi_flags = BIO_CLONED;
	bio->bi_vcnt = src->bi_vcnt;
	bio->bi_iter = src->bi_iter;
}

void bio_chain(struct bio *child, struct bio *parent)
{
	bio_check_live(child, "bio_chain (child)");
	bio_check_live(parent, "bio_chain (parent)");
	BUG_ON(child->bi_flags & BIO_CHAIN);
	BUG_ON(!(child->bi_flags & BIO_POOLED));
	child->bi_flags |= BIO_CHAIN;
	child->bi_parent = parent;
	__atomic_add_fetch(&parent->bi_remaining, 1, __ATOMIC_ACQ_REL);
}

static inline void bio_set_status(struct bio *bio, int status)
{
	int zero = 0;

	if (status)
		__atomic_compare_exchange_n(&bio->bi_status, &zero, status,
					    false, __ATOMIC_ACQ_REL,
					    __ATOMIC_RELAXED);
}

void bio_endio(struct bio *bio)
{
	for (;;) {
		struct bio *parent;
		u32 left;

		bio_check_live(bio, "bio_endio");
		left = __atomic_sub_fetch(&bio->bi_remaining, 1,
					  __ATOMIC_ACQ_REL);
		if (left == (u32)-1)
			bio_bad_magic(bio, "bio_endio (remaining underflow)");
		if (left)
			return;
		if (bio->bi_flags & BIO_ACCT)
			blk_account_io_done(bio);
		bio->bi_magic = BIO_MAGIC_DONE;
		if (!(bio->bi_flags & BIO_CHAIN)) {
			if (bio->bi_end_io) {
				blk_endio_depth++;
				bio->bi_end_io(bio);
				blk_endio_depth--;
			}
			return;
		}
		parent = bio->bi_parent;
		bio_set_status(parent, bio->bi_status);
		bio_put(bio);
		bio = parent;
	}
}

void bio_endio_status(struct bio *bio, int status)
{
	bio_check_live(bio, "bio_endio");
	BUG_ON(status > 0 || status < -MAX_ERRNO);
	bio_set_status(bio, status);
	bio_endio(bio);
}
