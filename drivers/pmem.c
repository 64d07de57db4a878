/*
 * pmem.c - the pmem block driver: one bio-based block device per persistent
 * memory region, pmem0, pmem1, ... in memmap region order (so pmem0 is the
 * first NVDIMM). Logical block 512 bytes, physical block 4096; LBA L is byte
 * L*512 of the region, and so byte L*512 of the NVDIMM's backing file.
 *
 * Data path (fops->submit_bio, called by the block layer with a checked bio;
 * nothing here allocates): the region is reached a page at a time through
 * kmap_atomic_pfn_t(); the bio's buffer too when its vec is pfn-only
 * (PFN_DEV), RAM buffers through their direct-map address (which is what
 * kmap_atomic_pfn_t() returns for them, without a slot). Copies into the
 * region go through persist_store() (mm/persist.c), copies out of it through
 * copy_memcpy(): both use the routines mm/copy.c measured fastest at boot
 * (AVX where it won), and general-register ones when called from an
 * interrupt handler, which must not touch vector registers.
 *
 * Durability: a write is durable when its bio completes. With a write-back
 * method (pmem.flush=clwb|clflushopt|clflush) every piece is copied and each
 * line it touched written back with that instruction; with pmem.flush=nt
 * every whole 8-byte word is stored non-temporally and the lines of the
 * partial words at a piece's two ends are written back. Then one sfence
 * before bio_endio() (Intel SDM vol. 1 11.4.4, vol. 2 CLWB, MOVNTI: the
 * write-backs and non-temporal stores are complete after SFENCE); that is
 * the bio's durability point, checked by the persistence checker
 * (pmem_check_point()). The device declares a write cache and FUA, so
 * FLUSH reaches the driver (a PREFLUSH arrives as a FLUSH bio of its own,
 * block/blk_flush.c): a flush is one sfence (the CPU's caches and
 * write-pending queues are the "cache"); FUA needs nothing more than the
 * fence every write ends with. A READ whose buffer is itself persistent
 * memory stores into it the same way and fences as well.
 *
 * WRITE_ZEROES and DISCARD both store zeroes durably: persistent memory has
 * no mapping layer to drop, and zeroes make a read after DISCARD
 * deterministic (Linux pmem, which has no discard, would refuse it instead).
 *
 * direct_access(): the pfn (PFN_DEV | PFN_PMEM) of the frame holding a
 * sector, and the rest of the region from there is contiguous; the sector's
 * byte offset in that frame is (sector << 9) & (PAGE_SIZE - 1).
 *
 * Debug counters per device (pmem.h: struct pmem_stats) count the flush
 * instructions and fences; `lsblk -v` prints them.
 *
 * Command line: pmem.flush=auto|clwb|clflushopt|clflush|nt|none (default
 * auto: non-temporal stores when mm/copy.c measured them faster at boot
 * than a copy plus write-back, else the best write-back instruction the CPU
 * has). none is unsafe, for tests: no write-back, no fence, nothing durable.
 */
#include "blkdev_driver.h"
#include "cmdline.h"
#include "copy.h"
#include "irq.h"
#include "persist.h"
#include "cpu.h"
#include "errno.h"
#include "lib.h"
#include "memmap.h"
#include "mm.h"
#include "pmem.h"
#include "pmem_check.h"
#include "printk.h"
#include "spinlock.h"

#define PMEM_LBS		512
#define PMEM_PBS		4096
/* Largest bio the block layer may hand over: bi_size is 32 bits. */
#define PMEM_MAX_SECTORS	(0xffffffffU >> SECTOR_SHIFT & ~7U)

struct pmem_device {
	struct gendisk disk;
	phys_addr_t base;
	u64 size;
	spinlock_t stats_lock;		/* stats, from any CPU; _irqsave */
	struct pmem_stats stats;
};

/* Per-bio tallies, added to the device's counters once at the end. */
struct pmem_io {
	struct persist_stats ps;	/* lines written back, bytes stored nt */
	u32 fences;
	bool stored;			/* this bio stored into persistent memory */
};

static struct pmem_device pmem_devs[MEMMAP_MAX_REGIONS];
static unsigned pmem_nr;
static enum pmem_flush_method pmem_method = PMEM_FLUSH_CLFLUSH;

static const char *const pmem_method_names[] = {
	[PMEM_FLUSH_CLWB] = "clwb",
	[PMEM_FLUSH_CLFLUSHOPT] = "clflushopt",
	[PMEM_FLUSH_CLFLUSH] = "clflush",
	[PMEM_FLUSH_NT] = "nt",
	[PMEM_FLUSH_NONE] = "none",
};

/* ---- stores and fences ---- */

static const enum persist_wb pmem_how[] = {
	[PMEM_FLUSH_CLWB] = PERSIST_WB_CLWB,
	[PMEM_FLUSH_CLFLUSHOPT] = PERSIST_WB_CLFLUSHOPT,
	[PMEM_FLUSH_CLFLUSH] = PERSIST_WB_CLFLUSH,
	[PMEM_FLUSH_NT] = PERSIST_NT,
};

/*
 * Store n bytes (src NULL: zeroes) at dst in persistent memory, durable
 * after pmem_fence() (mm/persist.c), or, with the unsafe pmem.flush=none,
 * a plain copy that nothing makes durable.
 */
static void pmem_store(struct pmem_io *io, u8 *dst, const u8 *src, size_t n)
{
	if (pmem_method == PMEM_FLUSH_NONE) {
		if (src)
			copy_memcpy(dst, src, n);
		else
			memset(dst, 0, n);
		return;
	}
	persist_store(dst, src, n, pmem_how[pmem_method], &io->ps);
}

static void pmem_fence(struct pmem_io *io)
{
	if (pmem_method == PMEM_FLUSH_NONE)
		return;
	persist_fence();
	io->fences++;
}

/* ---- the data path ---- */

static pfn_t pmem_pfn(const struct pmem_device *pm, u64 pos)
{
	return phys_to_pfn_t(pm->base + pos, PFN_DEV | PFN_PMEM);
}

/*
 * READ or WRITE of the bio's data, a single-frame segment at a time: the
 * region page and the buffer page each through kmap_atomic_pfn_t() (RAM
 * buffers through the direct map). A write stores through pmem_store(); a
 * read whose buffer is itself persistent memory stores the same way. One
 * fence at the end covers the whole bio.
 */
static void pmem_rw(struct pmem_device *pm, struct bio *bio, struct pmem_io *io)
{
	bool write = bio_op(bio) == REQ_OP_WRITE;
	u64 pos = bio->bi_iter.bi_sector << SECTOR_SHIFT;
	struct bvec_iter iter;
	struct bio_vec bv;

	bio_for_each_segment(bv, bio, iter) {
		for (u32 done = 0; done < bv.bv_len;) {
			u32 in = (u32)(pos & (PAGE_SIZE - 1));
			u32 n = min_t(u32, bv.bv_len - done, PAGE_SIZE - in);
			u8 *page = kmap_atomic_pfn_t(pmem_pfn(pm, pos));
			u8 *buf = kmap_atomic_pfn_t(bv.bv_pfn);

			if (write) {
				pmem_store(io, page + in, buf + bv.bv_offset + done, n);
				io->stored = true;
			} else if (pfn_t_is_pmem(bv.bv_pfn)) {
				pmem_store(io, buf + bv.bv_offset + done, page + in, n);
				io->stored = true;
			} else {
				copy_memcpy(buf + bv.bv_offset + done, page + in, n);
			}
			kunmap_atomic_pfn_t(buf);
			kunmap_atomic_pfn_t(page);
			pos += n;
			done += n;
		}
	}
	if (io->stored)
		pmem_fence(io);
}

/* WRITE_ZEROES and DISCARD: zeroes over the bio's range, durably. */
static void pmem_zero_range(struct pmem_device *pm, struct bio *bio,
			    struct pmem_io *io)
{
	u64 pos = bio->bi_iter.bi_sector << SECTOR_SHIFT;
	u64 left = bio->bi_iter.bi_size;

	while (left) {
		u32 in = (u32)(pos & (PAGE_SIZE - 1));
		u32 n = (u32)min_t(u64, left, PAGE_SIZE - in);
		u8 *page = kmap_atomic_pfn_t(pmem_pfn(pm, pos));

		pmem_store(io, page + in, NULL, n);
		kunmap_atomic_pfn_t(page);
		pos += n;
		left -= n;
	}
	io->stored = true;
	pmem_fence(io);
}

static void pmem_account(struct pmem_device *pm, struct bio *bio,
			 const struct pmem_io *io)
{
	struct pmem_stats *st = &pm->stats;
	enum req_op op = bio_op(bio);
	unsigned long flags;

	/* a read into RAM counts nothing: the hot read path takes no lock */
	if (op == REQ_OP_READ && !io->fences && !io->ps.lines && !io->ps.nt_bytes)
		return;
	flags = spin_lock_irqsave(&pm->stats_lock);
	st->lines_flushed += io->ps.lines;
	st->nt_bytes += io->ps.nt_bytes;
	st->fences += io->fences;
	if (op == REQ_OP_WRITE || op == REQ_OP_WRITE_ZEROES ||
	    op == REQ_OP_DISCARD) {
		st->write_bios++;
		st->write_fences += io->fences;
		st->last_write_lines = (u32)io->ps.lines;
		st->last_write_fences = io->fences;
		st->max_write_fences = max_t(u32, st->max_write_fences,
					     io->fences);
		if (bio->bi_opf & REQ_FUA)
			st->fua_writes++;
	}
	if (op == REQ_OP_FLUSH)
		st->flushes++;
	spin_unlock_irqrestore(&pm->stats_lock, flags);
}

static void pmem_submit_bio(struct bio *bio)
{
	struct pmem_device *pm = bio->bi_disk->private_data;
	enum req_op op = bio_op(bio);
	struct pmem_io io = { 0 };
	int status = 0;

	/* The block layer checked it; a bio past the end is a broken caller. */
	if (op != REQ_OP_FLUSH &&
	    (bio->bi_iter.bi_sector << SECTOR_SHIFT) + bio->bi_iter.bi_size > pm->size) {
		pr_err("%s: %s at sector %llu beyond the region\n",
		       pm->disk.disk_name, blk_op_name(op),
		       (unsigned long long)bio->bi_iter.bi_sector);
		bio_endio_status(bio, -EIO);
		return;
	}
	if (op == REQ_OP_FLUSH)
		pmem_fence(&io);
	switch (op) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		pmem_rw(pm, bio, &io);
		break;
	case REQ_OP_WRITE_ZEROES:
	case REQ_OP_DISCARD:
		pmem_zero_range(pm, bio, &io);
		break;
	case REQ_OP_FLUSH:
		break;
	default:
		status = -EOPNOTSUPP;
		break;
	}
	pmem_account(pm, bio, &io);
	/* Durability points: what this bio stored is durable when it completes;
	 * after a FLUSH, every store this CPU made to persistent memory. */
	if (op == REQ_OP_FLUSH)
		pmem_check_point(PMEM_POINT_FLUSH);
	else if (io.stored)
		pmem_check_point(PMEM_POINT_BIO);
	bio_endio_status(bio, status);
}

static long pmem_direct_access(struct gendisk *disk, sector_t sector, u64 nr,
			       pfn_t *pfn)
{
	struct pmem_device *pm = disk->private_data;
	u64 left = (pm->size >> SECTOR_SHIFT) - sector;

	*pfn = pmem_pfn(pm, sector << SECTOR_SHIFT);
	return (long)min_t(u64, nr, left);
}

static const struct block_device_operations pmem_fops = {
	.submit_bio = pmem_submit_bio,
	.direct_access = pmem_direct_access,
};

/* ---- setup and queries ---- */

static bool pmem_method_supported(enum pmem_flush_method m)
{
	switch (m) {
	case PMEM_FLUSH_CLWB:
		return cpu_features.clwb;
	case PMEM_FLUSH_CLFLUSHOPT:
		return cpu_features.clflushopt;
	case PMEM_FLUSH_CLFLUSH:
	case PMEM_FLUSH_NT:
	case PMEM_FLUSH_NONE:
		return true;	/* SSE2, part of x86_64 */
	}
	return false;
}

int pmem_set_flush_method(enum pmem_flush_method m)
{
	if ((unsigned)m >= ARRAY_SIZE(pmem_method_names) ||
	    !pmem_method_supported(m))
		return -EOPNOTSUPP;
	pmem_method = m;
	return 0;
}

enum pmem_flush_method pmem_flush_method(void)
{
	return pmem_method;
}

const char *pmem_flush_method_name(void)
{
	return pmem_method_names[pmem_method];
}

static void pmem_choose_method(void)
{
	const char *want = kernel_param("pmem.flush");

	/* auto: what mm/copy.c measured faster at boot, non-temporal stores or
	 * a copy plus the best cache write-back instruction the CPU has */
	if (copy_best_nt()->mbps >= copy_wb_mbps())
		pmem_method = PMEM_FLUSH_NT;
	else if (cpu_features.clwb)
		pmem_method = PMEM_FLUSH_CLWB;
	else if (cpu_features.clflushopt)
		pmem_method = PMEM_FLUSH_CLFLUSHOPT;
	else
		pmem_method = PMEM_FLUSH_CLFLUSH;
	if (!want || !strcmp(want, "auto"))
		return;
	for (unsigned m = 0; m < ARRAY_SIZE(pmem_method_names); m++) {
		if (strcmp(want, pmem_method_names[m]))
			continue;
		if (pmem_set_flush_method((enum pmem_flush_method)m))
			pr_warn("pmem: the CPU has no %s; using %s\n", want,
				pmem_flush_method_name());
		return;
	}
	pr_warn("pmem: bad pmem.flush=%s (auto, clwb, clflushopt, clflush, nt, none); using %s\n",
		want, pmem_flush_method_name());
}

static int pmem_attach(const struct memmap_region *reg)
{
	struct pmem_device *pm = &pmem_devs[pmem_nr];
	struct gendisk *d = &pm->disk;
	struct queue_limits *lim = &d->limits;
	int err;

	memset(pm, 0, sizeof(*pm));
	spin_lock_init(&pm->stats_lock, "pmem stats_lock");
	pm->base = reg->base;
	pm->size = reg->size;
	snprintf(d->disk_name, DISK_NAME_LEN, "pmem%u", reg->id);
	d->driver = "pmem";
	d->capacity = reg->size >> SECTOR_SHIFT;
	d->fops = &pmem_fops;
	d->private_data = pm;
	blk_set_default_limits(lim);
	lim->logical_block_size = PMEM_LBS;
	lim->physical_block_size = PMEM_PBS;
	/* the CPU moves the data: no segment or alignment constraints */
	lim->max_hw_sectors = PMEM_MAX_SECTORS;
	lim->max_segments = 0xffffffffU;
	lim->max_segment_size = 0xffffffffU;
	lim->seg_boundary_mask = ~0ULL;
	lim->dma_alignment = 0;
	lim->max_discard_sectors = PMEM_MAX_SECTORS;
	lim->max_write_zeroes_sectors = PMEM_MAX_SECTORS;
	lim->features = BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA;
	err = blk_register_disk(d);
	if (err) {
		pr_err("pmem: region %u: cannot register %s: -%s\n", reg->id,
		       d->disk_name, errno_name(err));
		return err;
	}
	pr_info("%s: region %u (%s) phys 0x%llx-0x%llx, %s\n", d->disk_name,
		reg->id, reg->source, (unsigned long long)reg->base,
		(unsigned long long)(reg->base + reg->size),
		pmem_flush_method_name());
	pmem_nr++;
	return 0;
}

int pmem_init(void)
{
	pmem_choose_method();
	for (unsigned i = 0; i < memmap_nr_regions(); i++) {
		const struct memmap_region *reg = memmap_region(i);

		if (!reg || reg->size < PMEM_PBS)
			continue;
		pmem_attach(reg);
	}
	return (int)pmem_nr;
}

const struct pmem_stats *pmem_disk_stats(const struct gendisk *disk)
{
	if (!disk || disk->fops != &pmem_fops)
		return NULL;
	return &((const struct pmem_device *)disk->private_data)->stats;
}
