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
 * byte offset in that frame is (sector << 9) & (PAGE_SIZE - 1). A read-only
 * pmemN (devdax, damaged metadata) gives none (-EROFS): whoever holds the
 * pfn can store through it, as `copy` does when it is the destination.
 *
 * Debug counters per device (pmem.h: struct pmem_stats) count the flush
 * instructions and fences; `lsblk -v` prints them.
 *
 * Namespaces (drivers/nvdimm/, nd.h): at attach each region is probed for
 * the info block Linux writes 4 KiB into a label-less namespace. raw:
 * pmemN is the whole region. fsdax: pmemN is the data area (sector 0 is
 * Linux's /dev/pmemN sector 0: data offset and start padding skipped, end
 * truncation cut). devdax: the same, read-only. sector: a BTT, exposed as
 * pmemNs (and no pmemN, as in Linux) through btt_read()/btt_write(), whose
 * media ops reach the region through one long-lived memremap_pfn_range()
 * mapping (2 MiB pages; every BTT write touches data, flog and map, and a
 * kmap per access cost a third of a 4 KiB write under TCG), store with
 * persist_store() and declare the btt-data, btt-flog and btt-map points.
 * The probe and the other modes use kmap_atomic_pfn_t(). WRITE_ZEROES and
 * DISCARD on pmemNs write zeroed sectors through the BTT, atomically.
 * Damaged or unknown metadata: pmemN raw and read-only (-EROFS) until
 * `ns destroy`. pmem_ns_create()/pmem_ns_destroy() rewrite the metadata
 * and re-attach the region.
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
#include "nd.h"
#include "pmem.h"
#include "pmem_check.h"
#include "printk.h"
#include "spinlock.h"

#define PMEM_LBS		512
#define PMEM_PBS		4096
/* Largest bio the block layer may hand over: bi_size is 32 bits. */
#define PMEM_MAX_SECTORS	(0xffffffffU >> SECTOR_SHIFT & ~7U)

struct pmem_device {
	struct gendisk disk;		/* pmemN: raw, or the fsdax/devdax data */
	phys_addr_t base;		/* pmemN's byte 0 */
	u64 size;			/* pmemN's bytes */
	bool ro;			/* writes fail with -EROFS */
	spinlock_t stats_lock;		/* stats and btt_stats, from any CPU; _irqsave; a leaf */
	struct pmem_stats stats;
	/* the region and its namespace */
	const struct memmap_region *reg;
	struct nd_media media;
	struct nd_ns_info ns;
	struct btt *btt;		/* sector mode */
	u8 *virt;			/* sector mode: the region, memremap()ed */
	struct gendisk btt_disk;	/* pmemNs */
	struct pmem_stats btt_stats;
};

/* Per-bio tallies, added to the device's counters once at the end. */
struct pmem_io {
	struct persist_stats ps;	/* lines written back, bytes stored nt */
	u32 fences;
	bool stored;			/* this bio stored into persistent memory */
};

static struct pmem_device pmem_devs[MEMMAP_MAX_REGIONS];
/* A sector that straddles two buffer pages goes through here (per CPU). */
static u8 pmem_btt_bounce[NR_CPUS][4096] __aligned(64);
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
	if (pm->ro && op != REQ_OP_READ && op != REQ_OP_FLUSH) {
		bio_endio_status(bio, -EROFS);
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

	/* the memory handed out is writable: none of a read-only device's */
	if (pm->ro)
		return -EROFS;
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

/* ---- the region as nd_media: the namespace code's view (nd.h) ---- */

static int pmem_media_read(void *ctx, u64 off, void *buf, size_t n)
{
	struct pmem_device *pm = ctx;
	u8 *out = buf;

	if (pm->virt) {
		if (n == 4 && !(off & 3))
			*(u32 *)buf = READ_ONCE(*(const u32 *)(pm->virt + off));
		else
			copy_memcpy(buf, pm->virt + off, n);
		return 0;
	}

	while (n) {
		u64 phys = pm->reg->base + off;
		u32 in = (u32)(phys & (PAGE_SIZE - 1));
		u32 k = (u32)min_t(u64, n, PAGE_SIZE - in);
		u8 *page = kmap_atomic_pfn_t(phys_to_pfn_t(phys, PFN_DEV | PFN_PMEM));

		copy_memcpy(out, page + in, k);
		kunmap_atomic_pfn_t(page);
		out += k;
		off += k;
		n -= k;
	}
	return 0;
}

/*
 * Stores through persist_store() (durable at the next persist); 4 or 8
 * aligned bytes as one store whose line is written back, so that a map
 * entry or a flog half is never torn.
 */
/* One piece at dst (a mapping of the region): 4 or 8 aligned bytes as a
 * single store, written back; else through pmem_store(). */
static void pmem_media_store(struct pmem_io *io, u8 *dst, const u8 *src, u32 k)
{
	if (src && (k == 4 || k == 8) && !((u64)dst & (k - 1))) {
		if (k == 4)
			WRITE_ONCE(*(u32 *)dst, *(const u32 *)src);
		else
			WRITE_ONCE(*(u64 *)dst, *(const u64 *)src);
		if (pmem_method != PMEM_FLUSH_NONE)
			io->ps.lines += persist_wb_range(dst, k,
				pmem_method == PMEM_FLUSH_NT ? PERSIST_WB_AUTO :
				pmem_how[pmem_method]);
	} else {
		pmem_store(io, dst, src, k);
	}
}

static int pmem_media_write(void *ctx, u64 off, const void *buf, size_t n)
{
	struct pmem_device *pm = ctx;
	const u8 *src = buf;
	struct pmem_io io = { 0 };
	unsigned long flags;

	if (pm->ro)
		return -EROFS;
	if (pm->virt && n <= 0xffffffffU) {
		pmem_media_store(&io, pm->virt + off, src, (u32)n);
		n = 0;
	}
	while (n) {
		u64 phys = pm->reg->base + off;
		u32 in = (u32)(phys & (PAGE_SIZE - 1));
		u32 k = (u32)min_t(u64, n, PAGE_SIZE - in);
		u8 *page = kmap_atomic_pfn_t(phys_to_pfn_t(phys, PFN_DEV | PFN_PMEM));

		pmem_media_store(&io, page + in, src, k);
		kunmap_atomic_pfn_t(page);
		if (src)
			src += k;
		off += k;
		n -= k;
	}
	flags = spin_lock_irqsave(&pm->stats_lock);
	pm->btt_stats.lines_flushed += io.ps.lines;
	pm->btt_stats.nt_bytes += io.ps.nt_bytes;
	spin_unlock_irqrestore(&pm->stats_lock, flags);
	return 0;
}

/* A fence, then the persistence checker's point for that step. */
static void pmem_media_persist(void *ctx, enum nd_point point)
{
	struct pmem_device *pm = ctx;
	struct pmem_io io = { 0 };

	unsigned long flags;

	pmem_fence(&io);
	flags = spin_lock_irqsave(&pm->stats_lock);
	pm->btt_stats.fences += io.fences;
	spin_unlock_irqrestore(&pm->stats_lock, flags);
	switch (point) {
	case ND_POINT_BTT_DATA:
		pmem_check_point(PMEM_POINT_BTT_DATA);
		break;
	case ND_POINT_BTT_FLOG:
		pmem_check_point(PMEM_POINT_BTT_FLOG);
		break;
	case ND_POINT_BTT_MAP:
		pmem_check_point(PMEM_POINT_BTT_MAP);
		break;
	case ND_POINT_META:
		pmem_check_point(PMEM_POINT_ND_META);
		break;
	}
}

static const struct nd_media_ops pmem_media_ops = {
	.read = pmem_media_read,
	.write = pmem_media_write,
	.persist = pmem_media_persist,
};

/* ---- sector mode: pmemNs over the BTT ---- */

static int pmem_btt_sector(struct btt *btt, bool write, u64 lba, void *buf)
{
	return write ? btt_write(btt, lba, buf) : btt_read(btt, lba, buf);
}

/*
 * Each sector of the bio through the BTT: straight from the buffer page
 * when the sector lies in one segment, else gathered in (or spread from)
 * this CPU's bounce sector. A READ into persistent memory is written back
 * and fenced like any other store there.
 */
static int pmem_btt_rw(struct pmem_device *pm, struct bio *bio, struct pmem_io *io)
{
	bool write = bio_op(bio) == REQ_OP_WRITE;
	struct btt *btt = pm->btt;
	u32 ss = btt->sector_size, fill = 0;
	u64 lba = (bio->bi_iter.bi_sector << SECTOR_SHIFT) / ss;
	u8 *bounce = pmem_btt_bounce[smp_processor_id() % NR_CPUS];
	struct bvec_iter iter;
	struct bio_vec bv;
	int err = 0;

	bio_for_each_segment(bv, bio, iter) {
		u8 *page = kmap_atomic_pfn_t(bv.bv_pfn);
		u8 *buf = page + bv.bv_offset;
		bool to_pmem = !write && pfn_t_is_pmem(bv.bv_pfn);

		for (u32 done = 0; done < bv.bv_len && !err;) {
			u32 n;

			if (!fill && bv.bv_len - done >= ss) {
				n = ss;
				err = pmem_btt_sector(btt, write, lba++, buf + done);
			} else {
				n = min_t(u32, ss - fill, bv.bv_len - done);
				if (!write && !fill)
					err = btt_read(btt, lba, bounce);
				if (write)
					memcpy(bounce + fill, buf + done, n);
				else if (!err)
					memcpy(buf + done, bounce + fill, n);
				fill += n;
				if (fill == ss) {
					if (write && !err)
						err = btt_write(btt, lba, bounce);
					lba++;
					fill = 0;
				}
			}
			if (to_pmem && !err) {
				io->ps.lines += persist_wb_range(buf + done, n, PERSIST_WB_AUTO);
				io->stored = true;
			}
			done += n;
		}
		kunmap_atomic_pfn_t(page);
		if (err)
			break;
	}
	if (io->stored)
		pmem_fence(io);
	return err;
}

/*
 * WRITE_ZEROES and DISCARD: each sector written with zeroes through the
 * BTT, so each is atomic like any other write (the BTT's own zero flag is
 * not used: Linux's BTT never sets it).
 */
static int pmem_btt_zero(struct pmem_device *pm, struct bio *bio)
{
	static const u8 zeroes[4096] __aligned(64);
	struct btt *btt = pm->btt;
	u64 lba = (bio->bi_iter.bi_sector << SECTOR_SHIFT) / btt->sector_size;
	u64 n = bio->bi_iter.bi_size / btt->sector_size;
	int err = 0;

	for (u64 i = 0; i < n && !err; i++)
		err = btt_write(btt, lba + i, zeroes);
	return err;
}

static void pmem_btt_submit_bio(struct bio *bio)
{
	struct pmem_device *pm = bio->bi_disk->private_data;
	enum req_op op = bio_op(bio);
	struct pmem_io io = { 0 };
	int status = 0;

	switch (op) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		status = pmem_btt_rw(pm, bio, &io);
		if (status)
			pr_err("%s: %s at sector %llu: -%s\n", pm->btt_disk.disk_name,
			       blk_op_name(op), (unsigned long long)bio->bi_iter.bi_sector,
			       errno_name(status));
		break;
	case REQ_OP_WRITE_ZEROES:
	case REQ_OP_DISCARD:
		status = pmem_btt_zero(pm, bio);
		break;
	case REQ_OP_FLUSH:
		/* every BTT write is durable when it returns */
		break;
	default:
		status = -EOPNOTSUPP;
		break;
	}
	if (op != REQ_OP_READ && op != REQ_OP_FLUSH) {
		unsigned long flags = spin_lock_irqsave(&pm->stats_lock);

		pm->btt_stats.write_bios++;
		spin_unlock_irqrestore(&pm->stats_lock, flags);
	}
	if (io.stored)
		pmem_check_point(PMEM_POINT_BIO);
	bio_endio_status(bio, status);
}

static const struct block_device_operations pmem_btt_fops = {
	.submit_bio = pmem_btt_submit_bio,
};

/* ---- attach: probe the namespace, register its devices ---- */

static void pmem_set_limits(struct gendisk *d, u32 lbs, bool zeroes)
{
	struct queue_limits *lim = &d->limits;

	blk_set_default_limits(lim);
	lim->logical_block_size = lbs;
	lim->physical_block_size = PMEM_PBS;
	/* the CPU moves the data: no segment or alignment constraints */
	lim->max_hw_sectors = PMEM_MAX_SECTORS;
	lim->max_segments = 0xffffffffU;
	lim->max_segment_size = 0xffffffffU;
	lim->seg_boundary_mask = ~0ULL;
	lim->dma_alignment = 0;
	lim->max_discard_sectors = zeroes ? PMEM_MAX_SECTORS : 0;
	lim->max_write_zeroes_sectors = zeroes ? PMEM_MAX_SECTORS : 0;
	lim->features = BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA;
}

/* "16 MiB", "8 KiB", "512 B": sizes for log lines. */
static const char *pmem_size_str(char *buf, size_t n, u64 bytes)
{
	if (bytes >= (1ULL << 20))
		snprintf(buf, n, "%llu MiB", (unsigned long long)((bytes + (1 << 19)) >> 20));
	else if (bytes >= 1024)
		snprintf(buf, n, "%llu KiB", (unsigned long long)((bytes + 512) >> 10));
	else
		snprintf(buf, n, "%llu B", (unsigned long long)bytes);
	return buf;
}

static void pmem_log_namespace(struct pmem_device *pm)
{
	const struct nd_ns_info *ns = &pm->ns;
	const char *name = pm->disk.disk_name;
	char a[24], b[24], c[24], d[24];

	switch (ns->mode) {
	case ND_MODE_FSDAX:
	case ND_MODE_DEVDAX:
		if (ns->pfn_mode == 2)
			pr_info("%s: Linux %s namespace (map=dev): %s reserved for struct page, pfnos uses 0 B of it; Linux's array fills %s; data at +%s, %s%s\n",
				name, nd_mode_name(ns->mode),
				pmem_size_str(a, sizeof(a), pmem_ns_struct_page_reserve(ns)),
				pmem_size_str(d, sizeof(d), pmem_ns_struct_page_bytes(ns)),
				pmem_size_str(b, sizeof(b), ns->data_start),
				pmem_size_str(c, sizeof(c), ns->data_size),
				pm->ro ? ", read-only" : "");
		else
			pr_info("%s: Linux %s namespace (map=mem): struct page in Linux's RAM, 0 B reserved on the device; data at +%s, %s%s\n",
				name, nd_mode_name(ns->mode),
				pmem_size_str(b, sizeof(b), ns->data_start),
				pmem_size_str(c, sizeof(c), ns->data_size),
				pm->ro ? ", read-only" : "");
		break;
	case ND_MODE_BAD:
		pr_err("%s: region %u: %s; raw device only, read-only until `ns destroy %s force`\n",
		       name, pm->reg->id, ns->why, name);
		break;
	default:
		break;
	}
}

static int pmem_attach_btt(struct pmem_device *pm)
{
	const struct memmap_region *reg = pm->reg;
	struct gendisk *d = &pm->btt_disk;
	int err;

	if (!pm->btt)
		pm->btt = kzalloc_boot(sizeof(*pm->btt));
	if (!pm->btt)
		return -ENOMEM;
	/* the BTT touches its map and flog on every write: one long-lived
	 * mapping of the region (2 MiB pages) instead of a kmap per access */
	if (!pm->virt)
		pm->virt = memremap_pfn_range(reg);
	err = btt_init(pm->btt, &pm->media, false);
	if (err)
		return err;
	memset(d, 0, sizeof(*d));
	snprintf(d->disk_name, DISK_NAME_LEN, "pmem%us", reg->id);
	d->driver = "pmem-btt";
	d->capacity = pm->btt->nlba * pm->btt->sector_size >> SECTOR_SHIFT;
	d->fops = &pmem_btt_fops;
	d->private_data = pm;
	pmem_set_limits(d, pm->btt->sector_size, true);
	err = blk_register_disk(d);
	if (err)
		return err;
	pr_info("%s: Linux sector namespace: BTT %u arena%s, %u-byte sectors (lbasize %u), %llu sectors, %u lanes%s%s\n",
		d->disk_name, pm->btt->narenas, pm->btt->narenas > 1 ? "s" : "",
		pm->btt->sector_size, pm->btt->lbasize,
		(unsigned long long)pm->btt->nlba, pm->btt->nlanes,
		pm->btt->ro ? ", read-only: " : "", pm->btt->ro ? pm->btt->why : "");
	return 0;
}

static int pmem_register_data(struct pmem_device *pm)
{
	const struct memmap_region *reg = pm->reg;
	struct gendisk *d = &pm->disk;
	int err;

	memset(d, 0, sizeof(*d));
	snprintf(d->disk_name, DISK_NAME_LEN, "pmem%u", reg->id);
	d->driver = "pmem";
	d->capacity = pm->size >> SECTOR_SHIFT;
	d->fops = &pmem_fops;
	d->private_data = pm;
	pmem_set_limits(d, PMEM_LBS, true);
	err = blk_register_disk(d);
	if (err) {
		pr_err("pmem: region %u: cannot register %s: -%s\n", reg->id,
		       d->disk_name, errno_name(err));
		return err;
	}
	pr_info("%s: region %u (%s) phys 0x%llx-0x%llx, %s%s\n", d->disk_name,
		reg->id, reg->source, (unsigned long long)reg->base,
		(unsigned long long)(reg->base + reg->size),
		pmem_flush_method_name(), pm->ro ? ", read-only" : "");
	return 0;
}

/* Probe the region's namespace and register what it holds. */
static int pmem_probe_region(struct pmem_device *pm)
{
	const struct memmap_region *reg = pm->reg;
	int err;

	pm->base = reg->base;
	pm->size = reg->size;
	pm->ro = false;
	err = nd_probe(&pm->media, &pm->ns);
	if (err)
		return err;
	switch (pm->ns.mode) {
	case ND_MODE_SECTOR:
		err = pmem_attach_btt(pm);
		if (!err)
			return 0;
		pm->ns.mode = ND_MODE_BAD;
		snprintf(pm->ns.why, sizeof(pm->ns.why), "BTT refused (-%s): %s",
			 errno_name(err), pm->btt ? pm->btt->why : "no memory");
		pm->ro = true;
		break;
	case ND_MODE_DEVDAX:
	case ND_MODE_FSDAX:
		pm->ro = pm->ns.mode == ND_MODE_DEVDAX;
		pm->base = reg->base + pm->ns.data_start;
		pm->size = pm->ns.data_size;
		break;
	case ND_MODE_BAD:
		pm->ro = true;
		break;
	case ND_MODE_RAW:
		break;
	}
	err = pmem_register_data(pm);
	if (!err)
		pmem_log_namespace(pm);
	return err;
}

static int pmem_attach(const struct memmap_region *reg)
{
	struct pmem_device *pm = &pmem_devs[pmem_nr];
	int err;

	memset(pm, 0, sizeof(*pm));
	spin_lock_init(&pm->stats_lock, "pmem stats_lock");
	pm->reg = reg;
	pm->media = (struct nd_media){ .ops = &pmem_media_ops, .ctx = pm, .size = reg->size };
	err = pmem_probe_region(pm);
	if (err)
		return err;
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

/* ---- namespaces for the shell (`ns`) ---- */

u64 pmem_ns_struct_page_bytes(const struct nd_ns_info *ns)
{
	return ns->pfn_mode == 2 ? ns->npfns * 64 : 0;
}

u64 pmem_ns_struct_page_reserve(const struct nd_ns_info *ns)
{
	/* Linux's altmap: from its 8 KiB info-block reserve to the data */
	return ns->pfn_mode == 2 && ns->dataoff > 8192 ? ns->dataoff - 8192 : 0;
}

static struct pmem_device *pmem_region_dev(const char *region)
{
	for (unsigned i = 0; i < pmem_nr; i++) {
		char name[DISK_NAME_LEN];

		snprintf(name, sizeof(name), "pmem%u", pmem_devs[i].reg->id);
		if (!strcmp(name, region))
			return &pmem_devs[i];
	}
	return NULL;
}

static void pmem_ns_fill(struct pmem_device *pm, struct pmem_ns *out)
{
	memset(out, 0, sizeof(*out));
	out->region = pm->reg->id;
	out->region_base = pm->reg->base;
	out->region_size = pm->reg->size;
	out->info = pm->ns;
	out->ro = pm->ro || (pm->btt && pm->btt->ro);
	if (pm->ns.mode == ND_MODE_SECTOR && pm->btt_disk.registered) {
		out->disk = &pm->btt_disk;
		out->size = pm->btt->nlba * pm->btt->sector_size;
		out->btt_arenas = pm->btt->narenas;
		out->btt_lanes = pm->btt->nlanes;
	} else {
		out->disk = pm->disk.registered ? &pm->disk : NULL;
		out->size = pm->size;
	}
}

unsigned pmem_ns_count(void)
{
	return pmem_nr;
}

int pmem_ns_get(unsigned i, struct pmem_ns *out)
{
	if (i >= pmem_nr)
		return -ENOENT;
	pmem_ns_fill(&pmem_devs[i], out);
	return 0;
}

int pmem_ns_lookup(const char *region, struct pmem_ns *out)
{
	struct pmem_device *pm = pmem_region_dev(region);

	if (!pm)
		return -ENODEV;
	pmem_ns_fill(pm, out);
	return 0;
}

const struct pmem_ns *pmem_disk_ns(const struct gendisk *disk, struct pmem_ns *out)
{
	if (!disk || (disk->fops != &pmem_fops && disk->fops != &pmem_btt_fops))
		return NULL;
	pmem_ns_fill(disk->private_data, out);
	return out;
}

static int pmem_detach(struct pmem_device *pm)
{
	int err = 0;

	if (pm->btt_disk.registered)
		err = blk_unregister_disk(&pm->btt_disk);
	if (!err && pm->disk.registered)
		err = blk_unregister_disk(&pm->disk);
	return err;
}

/* The region's device, its disks unregistered and writable for new
 * metadata (ns create/destroy), or NULL with *err set. */
static struct pmem_device *pmem_ns_take(const char *region, int *err)
{
	struct pmem_device *pm = pmem_region_dev(region);

	if (!pm) {
		*err = -ENODEV;
		return NULL;
	}
	*err = pmem_detach(pm);
	if (*err)
		return NULL;
	pm->ro = false;
	return pm;
}

int pmem_ns_destroy(const char *region)
{
	int err;
	struct pmem_device *pm = pmem_ns_take(region, &err);

	if (!pm)
		return err;
	err = nd_destroy_ns(&pm->media);
	if (err)
		pr_err("%s: cannot clear the namespace metadata: -%s\n", region, errno_name(err));
	return pmem_probe_region(pm) ?: err;
}

int pmem_ns_create(const char *region, const struct nd_create *req, char *why, size_t n)
{
	int err;
	struct pmem_device *pm = pmem_ns_take(region, &err);

	if (!pm)
		return err;
	err = nd_create_ns(&pm->media, pm->reg->base, req, why, n);
	return pmem_probe_region(pm) ?: err;
}

long pmem_ns_check(const char *dev, void (*report)(void *arg, const char *line), void *arg)
{
	struct gendisk *disk = blk_find_disk(dev);
	struct pmem_device *pm;
	struct btt *scratch;
	size_t bytes;
	u8 *bm;
	long r;

	if (!disk || disk->fops != &pmem_btt_fops)
		return -ENODEV;
	pm = disk->private_data;
	bytes = btt_check_bitmap_bytes(&pm->media);
	scratch = kzalloc_boot(sizeof(*scratch));
	bm = kzalloc_boot(bytes ? bytes : 1);
	if (!scratch || !bm) {
		r = -ENOMEM;
		goto out;
	}
	r = btt_check(scratch, &pm->media, bm, bytes, report, arg);
out:
	kfree_boot(bm, bytes ? bytes : 1);
	kfree_boot(scratch, sizeof(*scratch));
	return r;
}

const struct pmem_stats *pmem_disk_stats(const struct gendisk *disk)
{
	if (disk && disk->fops == &pmem_btt_fops)
		return &((const struct pmem_device *)disk->private_data)->btt_stats;
	if (!disk || disk->fops != &pmem_fops)
		return NULL;
	return &((const struct pmem_device *)disk->private_data)->stats;
}
