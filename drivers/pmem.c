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
 * kmap_atomic_pfn_t() returns for them, without a slot). The copy is a
 * general-register loop of 8-byte moves unrolled eight times (no rep movsb:
 * slow under TCG; no SIMD: -mgeneral-regs-only).
 *
 * Durability: a write is durable when its bio completes. Each device page
 * touched is copied, then every cache line of the bytes written in it is
 * written back once (clwb, else clflushopt, else clflush, chosen from
 * cpu_features), or, with pmem.flush=nt, the 8-byte-aligned body is stored
 * with movnti and only the unaligned byte edges are flushed; then one sfence
 * before bio_endio() (Intel SDM vol. 1 11.4.4, vol. 2 CLWB: the write-back
 * is ordered by SFENCE). The device declares a write cache and FUA, so
 * FLUSH reaches the driver (a PREFLUSH arrives as a FLUSH bio of its own,
 * block/blk_flush.c): a flush is one sfence (the CPU's caches and
 * write-pending queues are the "cache"); FUA needs nothing more than the
 * fence every write ends with. A READ whose buffer is itself
 * persistent memory flushes the lines it wrote there and fences as well.
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
 * Command line: pmem.flush=auto|clwb|clflushopt|clflush|nt (default auto:
 * non-temporal stores when mm/copy.c measured them faster at boot than a
 * copy plus write-back, else the best write-back instruction the CPU has).
 */
#include "blkdev_driver.h"
#include "cmdline.h"
#include "copy.h"
#include "cpu.h"
#include "errno.h"
#include "lib.h"
#include "memmap.h"
#include "mm.h"
#include "pmem.h"
#include "pmem_check.h"
#include "printk.h"

#define PMEM_LBS		512
#define PMEM_PBS		4096
/* Largest bio the block layer may hand over: bi_size is 32 bits. */
#define PMEM_MAX_SECTORS	(0xffffffffU >> SECTOR_SHIFT & ~7U)

struct pmem_device {
	struct gendisk disk;
	phys_addr_t base;
	u64 size;
	struct pmem_stats stats;
};

/* Per-bio tallies, added to the device's counters once at the end. */
struct pmem_io {
	u64 lines;
	u64 nt_bytes;
	u32 fences;
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

/* ---- copy, zero and flush primitives ---- */

/* Copies use the routine measured fastest at boot (mm/copy.c; general
 * registers when called in interrupt context). */
#define pmem_copy copy_memcpy

static const enum wb_method pmem_wb[] = {
	[PMEM_FLUSH_CLWB] = WB_CLWB,
	[PMEM_FLUSH_CLFLUSHOPT] = WB_CLFLUSHOPT,
	[PMEM_FLUSH_CLFLUSH] = WB_CLFLUSH,
	[PMEM_FLUSH_NT] = WB_CLFLUSH,	/* nt: only the byte edges go through the cache */
	[PMEM_FLUSH_NONE] = WB_AUTO,	/* unused */
};

/* Write back every cache line holding [va, va + len) with the method's
 * instruction. */
static void pmem_flush_lines(struct pmem_io *io, const void *va, size_t len)
{
	if (pmem_method == PMEM_FLUSH_NONE)
		return;
	io->lines += wb_cache_range(va, len, pmem_wb[pmem_method]);
}

/*
 * Non-temporal store of n bytes of src (NULL: zeroes) at dst: bytes until
 * dst is 8-aligned and after the last whole word go through the cache and
 * are flushed; the words in between bypass it with movnti.
 */
static void pmem_store_nt(struct pmem_io *io, u8 *dst, const u8 *src, size_t n)
{
	size_t head = min_t(size_t, (0 - (u64)dst) & 7, n), body, tail;
	u8 *d;

	if (head) {
		if (src)
			pmem_copy(dst, src, head);
		else
			memset(dst, 0, head);
		pmem_flush_lines(io, dst, head);
	}
	body = (n - head) & ~(size_t)7;
	tail = n - head - body;
	d = dst + head;
	if (src)
		src += head;
	if (src) {
		copy_nt(d, src, body);
	} else {
		static const u8 zeroes[PAGE_SIZE];

		for (size_t k = 0; k < body; k += PAGE_SIZE)
			copy_nt(d + k, zeroes, min_t(size_t, body - k, PAGE_SIZE));
	}
	io->nt_bytes += body;
	if (tail) {
		if (src)
			pmem_copy(d + body, src + body, tail);
		else
			memset(d + body, 0, tail);
		pmem_flush_lines(io, d + body, tail);
	}
}

static void pmem_fence(struct pmem_io *io)
{
	if (pmem_method == PMEM_FLUSH_NONE)
		return;
	sfence();
	io->fences++;
}

/* ---- the data path ---- */

static pfn_t pmem_pfn(const struct pmem_device *pm, u64 pos)
{
	return phys_to_pfn_t(pm->base + pos, PFN_DEV | PFN_PMEM);
}

/* Store n bytes (src NULL: zeroes) into the region page mapped at dst. */
static void pmem_store(struct pmem_io *io, u8 *dst, const u8 *src, size_t n)
{
	if (pmem_method == PMEM_FLUSH_NT)
		pmem_store_nt(io, dst, src, n);
	else if (src)
		pmem_copy(dst, src, n);
	else
		memset(dst, 0, n);
}

/*
 * Finish a region page: in a flush mode write back the lines of the bytes
 * [lo, hi) stored in it (each line once per bio and page), then unmap.
 */
static void pmem_put_page(struct pmem_io *io, u8 *page, u32 lo, u32 hi,
			  bool stored)
{
	if (stored && pmem_method != PMEM_FLUSH_NT && pmem_method != PMEM_FLUSH_NONE)
		pmem_flush_lines(io, page + lo, hi - lo);
	kunmap_atomic_pfn_t(page);
}

/* READ or WRITE of the bio's data, a region page and a buffer page at a time. */
static void pmem_rw(struct pmem_device *pm, struct bio *bio, struct pmem_io *io)
{
	bool write = bio_op(bio) == REQ_OP_WRITE;
	u64 pos = bio->bi_iter.bi_sector << SECTOR_SHIFT;
	struct bvec_iter iter;
	struct bio_vec bv;
	u8 *page = NULL;
	u32 lo = 0;
	bool buf_flushed = false;

	bio_for_each_segment(bv, bio, iter) {
		for (u32 done = 0; done < bv.bv_len;) {
			u32 in = (u32)(pos & (PAGE_SIZE - 1));
			u32 n = min_t(u32, bv.bv_len - done, PAGE_SIZE - in);
			u8 *buf;

			if (!page) {
				page = kmap_atomic_pfn_t(pmem_pfn(pm, pos));
				lo = in;
			}
			buf = kmap_atomic_pfn_t(bv.bv_pfn);
			if (write) {
				pmem_store(io, page + in, buf + bv.bv_offset + done, n);
			} else {
				pmem_copy(buf + bv.bv_offset + done, page + in, n);
				if (pfn_t_is_pmem(bv.bv_pfn)) {
					pmem_flush_lines(io, buf + bv.bv_offset + done, n);
					buf_flushed = true;
				}
			}
			kunmap_atomic_pfn_t(buf);
			pos += n;
			done += n;
			if (!(pos & (PAGE_SIZE - 1))) {
				pmem_put_page(io, page, lo, PAGE_SIZE, write);
				page = NULL;
			}
		}
	}
	if (page)
		pmem_put_page(io, page, lo, (u32)(pos & (PAGE_SIZE - 1)), write);
	if (write || buf_flushed)
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
		pmem_put_page(io, page, in, in + n, true);
		pos += n;
		left -= n;
	}
	pmem_fence(io);
}

static void pmem_account(struct pmem_device *pm, struct bio *bio,
			 const struct pmem_io *io)
{
	struct pmem_stats *st = &pm->stats;
	unsigned long flags = blk_irq_save();
	enum req_op op = bio_op(bio);

	st->lines_flushed += io->lines;
	st->nt_bytes += io->nt_bytes;
	st->fences += io->fences;
	if (op == REQ_OP_WRITE || op == REQ_OP_WRITE_ZEROES ||
	    op == REQ_OP_DISCARD) {
		st->write_bios++;
		st->write_fences += io->fences;
		st->last_write_lines = (u32)io->lines;
		st->last_write_fences = io->fences;
		st->max_write_fences = max_t(u32, st->max_write_fences,
					     io->fences);
		if (bio->bi_opf & REQ_FUA)
			st->fua_writes++;
	}
	if (op == REQ_OP_FLUSH)
		st->flushes++;
	blk_irq_restore(flags);
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
	/* Durability point: what this bio stored is durable when it completes. */
	if (op == REQ_OP_FLUSH || (bio->bi_opf & REQ_PREFLUSH))
		pmem_check_point(PMEM_POINT_FLUSH);
	else if (op != REQ_OP_READ || io.lines)
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
	if (copy_best_pmem()->nt)
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
		pr_err("pmem: region %u: cannot register %s: %s\n", reg->id,
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
