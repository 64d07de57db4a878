/*
 * test_pmem.c - in-guest tests of the pmem block driver (suite "pmem").
 *
 * They need pmem0 (pmem_init() at boot and an NVDIMM, as on the standard
 * machine) and work in the last 2 MiB of it, which each test saves into
 * RAM first and restores at the end. What the driver wrote is checked
 * through kmap_atomic_pfn_t() on the region, a path independent of the
 * driver's: bio round trips at every sub-page sector offset, length class
 * and buffer offset (vecs crossing pages), bios of many scattered segments,
 * buffers that are themselves persistent memory, out-of-range and misaligned
 * I/O rejected with no byte changed, WRITE_ZEROES and DISCARD, the flush
 * and fence counters of every flush method, FLUSH/PREFLUSH/FUA, and
 * direct_access().
 */
#include "persist.h"
#include "blkdev_driver.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "memmap.h"
#include "mm.h"
#include "pmem.h"

#define PT_AREA		(2ULL << 20)		/* scratch at the end of pmem0 */
#define PT_BUF_ORDER	9			/* 2 MiB RAM buffers */
#define PT_BUF_BYTES	(PAGE_SIZE << PT_BUF_ORDER)
#define PT_DEV		(PFN_DEV | PFN_PMEM)

struct pt {
	struct gendisk *d;
	u64 base;		/* pmem0's byte 0: the region's, or an fsdax data area's */
	u64 size;		/* pmem0's bytes */
	u64 area;		/* byte offset of the scratch area in pmem0 */
	pfn_t save;
	pfn_t buf[2];
};

/* Copy len bytes between RAM at va and pmem0's offset off (kmap per page). */
static void pt_region_copy(u64 base, u64 off, u8 *va, u64 len, bool to_region)
{
	for (u64 done = 0; done < len;) {
		u64 pa = base + off + done;
		u32 in = (u32)(pa & (PAGE_SIZE - 1));
		u32 n = (u32)min_t(u64, len - done, PAGE_SIZE - in);
		u8 *p = kmap_atomic_pfn_t(phys_to_pfn_t(pa, PT_DEV));

		if (to_region) {
			memcpy(p + in, va + done, n);
			persist_wb_range(p + in, n, PERSIST_WB_AUTO);
		} else {
			memcpy(va + done, p + in, n);
		}
		kunmap_atomic_pfn_t(p);
		done += n;
	}
	if (to_region) {	/* the user's NVDIMM data: durable like any write */
		persist_fence();
		pmem_check_point(PMEM_POINT_DECLARED);
	}
}

/* Fill region bytes [off, off + len) with the pattern of seed for B = base. */
static void pt_fill(struct pt *t, u64 off, u64 len, u16 seed, u64 base)
{
	for (u64 done = 0; done < len;) {
		u64 pa = t->base + off + done;
		u32 in = (u32)(pa & (PAGE_SIZE - 1));
		u32 n = (u32)min_t(u64, len - done, PAGE_SIZE - in);
		u8 *p = kmap_atomic_pfn_t(phys_to_pfn_t(pa, PT_DEV));

		pattern_fill(p + in, base + done, n, seed);
		persist_wb_range(p + in, n, PERSIST_WB_AUTO);
		kunmap_atomic_pfn_t(p);
		done += n;
	}
	persist_fence();
	pmem_check_point(PMEM_POINT_DECLARED);
}

/* Index of the first byte of region [off, off + len) not holding the
 * pattern (zeroes when zero), or len. */
static u64 pt_check(struct pt *t, u64 off, u64 len, u16 seed, u64 base, bool zero)
{
	for (u64 done = 0; done < len;) {
		u64 pa = t->base + off + done;
		u32 in = (u32)(pa & (PAGE_SIZE - 1));
		u32 n = (u32)min_t(u64, len - done, PAGE_SIZE - in);
		u8 *p = kmap_atomic_pfn_t(phys_to_pfn_t(pa, PT_DEV));
		size_t bad = n;

		if (zero) {
			for (size_t i = 0; i < n && bad == n; i++)
				if (p[in + i])
					bad = i;
		} else {
			bad = pattern_check(p + in, base + done, n, seed);
		}
		kunmap_atomic_pfn_t(p);
		if (bad < n)
			return done + bad;
		done += n;
	}
	return len;
}

static u8 *pt_va(pfn_t p)
{
	return phys_to_virt(pfn_t_to_phys(p));
}

static bool pt_begin(struct pt *t)
{
	struct pmem_ns ns;

	memset(t, 0, sizeof(*t));
	t->d = blk_find_disk("pmem0");
	if (!t->d || pmem_ns_lookup("pmem0", &ns)) {
		ktest_skip("no pmem0");
		return false;
	}
	if (ns.ro) {
		ktest_skip("pmem0 is read-only");
		return false;
	}
	/* raw: the whole region; fsdax: Linux's data area inside it */
	t->base = ns.region_base +
		  (ns.info.mode == ND_MODE_FSDAX ? ns.info.data_start : 0);
	t->size = ns.size;
	if (t->size < 2 * PT_AREA) {
		ktest_fail(__FILE__, __LINE__, "pmem0 is smaller than 4 MiB");
		return false;
	}
	t->area = t->size - PT_AREA;
	t->save = pfn_alloc(PT_BUF_ORDER, 0);
	t->buf[0] = pfn_alloc(PT_BUF_ORDER, PFN_ALLOC_ZERO);
	t->buf[1] = pfn_alloc(PT_BUF_ORDER, PFN_ALLOC_ZERO);
	if (pfn_t_is_null(t->save) || pfn_t_is_null(t->buf[0]) ||
	    pfn_t_is_null(t->buf[1])) {
		ktest_fail(__FILE__, __LINE__, "no memory for test buffers");
		return false;
	}
	pt_region_copy(t->base, t->area, pt_va(t->save), PT_AREA, false);
	return true;
}

static void pt_end(struct pt *t)
{
	if (!pfn_t_is_null(t->save)) {
		pt_region_copy(t->base, t->area, pt_va(t->save), PT_AREA, true);
		pfn_free(t->save, PT_BUF_ORDER);
	}
	for (unsigned i = 0; i < 2; i++)
		if (!pfn_t_is_null(t->buf[i]))
			pfn_free(t->buf[i], PT_BUF_ORDER);
}

/* Synchronous bio: len bytes of memory at pfn + off (contiguous) at sector. */
static int pt_io(struct gendisk *d, u32 opf, sector_t sector, pfn_t pfn,
		 u32 off, u32 len)
{
	struct bio *bio = bio_alloc(d, 1, opf);
	int err = 0;

	if (!bio)
		return -ENOMEM;
	bio->bi_iter.bi_sector = sector;
	if (pfn_t_is_null(pfn))
		bio->bi_iter.bi_size = len;
	else
		err = bio_add_pfn(bio, pfn, len, off);
	if (!err)
		err = submit_bio_wait(bio);
	bio_put(bio);
	return err;
}

static const pfn_t pt_nopfn;

/*
 * Each region shows one device: pmemN over the whole region when it holds
 * no namespace (or damaged metadata), pmemN over the data area for fsdax and
 * devdax, pmemNs with the BTT's sector size for sector mode.
 */
KTEST(pmem, devices_match_regions)
{
	struct gendisk *d;

	if (!memmap_nr_regions()) {
		ktest_skip("no persistent region");
		return;
	}
	for (unsigned i = 0; i < memmap_nr_regions(); i++) {
		const struct memmap_region *reg = memmap_region(i);
		struct pmem_ns ns;
		char name[16];
		bool sector;

		KT_ASSERT_EQ(pmem_ns_get(i, &ns), 0);
		KT_EXPECT_EQ(ns.region_base, reg->base);
		KT_EXPECT_EQ(ns.region_size, reg->size);
		sector = ns.info.mode == ND_MODE_SECTOR;
		snprintf(name, sizeof(name), sector ? "pmem%us" : "pmem%u", i);
		d = blk_find_disk(name);
		KT_ASSERT(d);
		KT_EXPECT(ns.disk == d);
		KT_EXPECT_STREQ(d->driver, sector ? "pmem-btt" : "pmem");
		KT_EXPECT_EQ(d->capacity, ns.size >> SECTOR_SHIFT);
		if (ns.info.mode == ND_MODE_RAW || ns.info.mode == ND_MODE_BAD)
			KT_EXPECT_EQ(d->capacity, reg->size >> SECTOR_SHIFT);
		else
			KT_EXPECT(d->capacity < reg->size >> SECTOR_SHIFT);
		KT_EXPECT_EQ(d->limits.logical_block_size, sector ? ns.info.sector_size : 512);
		KT_EXPECT_EQ(d->limits.physical_block_size, 4096);
		KT_EXPECT(d->limits.features & BLK_FEAT_WRITE_CACHE);
		KT_EXPECT(d->limits.features & BLK_FEAT_FUA);
		KT_EXPECT(pmem_disk_stats(d) != NULL);
	}
	blk_for_each_disk(d)
		if (strcmp(d->driver, "pmem") && strcmp(d->driver, "pmem-btt"))
			KT_EXPECT(pmem_disk_stats(d) == NULL);
}

/*
 * Every sector offset inside a page (0..7) x length class x buffer offset:
 * write the pattern, check it in the region through kmap and the bytes
 * around it untouched, read it back into another buffer at another offset.
 */
KTEST(pmem, rw_every_offset_and_length)
{
	static const u32 lens[] = { 512, 1024, 4096, 8192, 3 * 4096 + 512, 1U << 20 };
	static const u32 boffs[] = { 0, 8, 511, 2048 + 3, 4095 };
	struct pt t;
	unsigned n = 0;

	if (!pt_begin(&t))
		goto out;
	for (unsigned s = 0; s < 8; s++)
		for (unsigned l = 0; l < ARRAY_SIZE(lens); l++)
			for (unsigned b = 0; b < ARRAY_SIZE(boffs); b++) {
				u64 off = t.area + 8192 + s * 512;
				u32 len = lens[l], bo = boffs[b], ro = boffs[(b + 2) % 5];
				u16 seed = (u16)(1 + s * 64 + l * 8 + b);
				u8 *w = pt_va(t.buf[0]), *r = pt_va(t.buf[1]);

				/* big cases at fewer offsets: time under TCG */
				if (len == (1U << 20) && (s % 3 || b % 2))
					continue;
				pt_fill(&t, off - 4096, len + 8192, 0x4444, 0);
				pattern_fill(w + bo, off, len, seed);
				KT_ASSERT_EQ(pt_io(t.d, REQ_OP_WRITE, off >> 9, t.buf[0], bo, len), 0);
				KT_EXPECT_EQ(pt_check(&t, off, len, seed, off, false), len);
				KT_EXPECT_EQ(pt_check(&t, off - 4096, 4096, 0x4444, 0, false), 4096);
				KT_EXPECT_EQ(pt_check(&t, off + len, 4096, 0x4444, len + 4096, false), 4096);
				memset(r, 0xa5, PT_BUF_BYTES);
				KT_ASSERT_EQ(pt_io(t.d, REQ_OP_READ, off >> 9, t.buf[1], ro, len), 0);
				KT_EXPECT_EQ(pattern_check(r + ro, off, len, seed), len);
				KT_EXPECT(ro == 0 || r[ro - 1] == 0xa5);
				KT_EXPECT(r[ro + len] == 0xa5);
				n++;
				if (ktest_failed()) {
					ktest_log("failed at sector offset %u, len %u, buffer offset %u",
						  s, len, bo);
					goto out;
				}
			}
	ktest_log("%u write/read cases", n);
out:
	pt_end(&t);
}

/* 256 vecs from scattered pages at odd offsets and lengths (300/212). */
KTEST(pmem, many_segments)
{
	struct bio *bio;
	struct pt t;
	u64 off;
	u32 total = 0;
	u8 *w, *r;

	if (!pt_begin(&t))
		goto out;
	off = t.area + 4096;
	w = pt_va(t.buf[0]);
	r = pt_va(t.buf[1]);
	for (int pass = 0; pass < 2; pass++) {
		bool write = pass == 0;
		u8 *base = write ? w : r;
		pfn_t pfn = write ? t.buf[0] : t.buf[1];

		bio = bio_alloc(t.d, BIO_MAX_VECS, write ? REQ_OP_WRITE : REQ_OP_READ);
		KT_ASSERT(bio);
		bio->bi_iter.bi_sector = off >> 9;
		total = 0;
		if (!write)
			memset(r, 0, PT_BUF_BYTES);
		for (unsigned i = 0; i < BIO_MAX_VECS; i++) {
			u32 page = (i * 7) % 512, po = (i * 37) % 3000;
			u32 len = i & 1 ? 212 : 300;

			if (write)
				pattern_fill(base + page * PAGE_SIZE + po, off + total, len, 77);
			KT_EXPECT_EQ(bio_add_pfn(bio, pfn_t_add(pfn, page), len, po), 0);
			total += len;
		}
		KT_EXPECT_EQ(bio->bi_vcnt, BIO_MAX_VECS);
		KT_EXPECT_EQ(submit_bio_wait(bio), 0);
		bio_put(bio);
	}
	KT_EXPECT_EQ(total, 128 * 512);
	KT_EXPECT_EQ(pt_check(&t, off, total, 77, off, false), total);
	total = 0;
	for (unsigned i = 0; i < BIO_MAX_VECS; i++) {
		u32 page = (i * 7) % 512, po = (i * 37) % 3000;
		u32 len = i & 1 ? 212 : 300;

		KT_EXPECT_EQ(pattern_check(r + page * PAGE_SIZE + po, off + total, len, 77), len);
		total += len;
	}
out:
	pt_end(&t);
}

/* A bio whose buffer is persistent memory: region 0 at another offset. */
KTEST(pmem, buffers_in_pmem)
{
	struct pt t;
	u64 a, b, c;
	pfn_t pa;

	if (!pt_begin(&t))
		goto out;
	a = t.area + 100;			/* source: not sector aligned */
	b = t.area + 64 * 1024 + 1536;		/* device target */
	c = t.area + 512 * 1024 + 4000;		/* read target, crosses pages */
	pt_fill(&t, a, 20480, 31, 0);
	pa = phys_to_pfn_t(t.base + a, PT_DEV);
	KT_ASSERT_EQ(pt_io(t.d, REQ_OP_WRITE, b >> 9, pa, (u32)(a & (PAGE_SIZE - 1)), 20480), 0);
	KT_EXPECT_EQ(pt_check(&t, b, 20480, 31, 0, false), 20480);
	KT_ASSERT_EQ(pt_io(t.d, REQ_OP_READ, b >> 9,
			   phys_to_pfn_t(t.base + c, PT_DEV),
			   (u32)(c & (PAGE_SIZE - 1)), 20480), 0);
	KT_EXPECT_EQ(pt_check(&t, c, 20480, 31, 0, false), 20480);
	/* the read into persistent memory leaves it durable: flushed and fenced */
	KT_EXPECT(pmem_disk_stats(t.d)->fences > 0);
out:
	pt_end(&t);
}

/* Beyond the end and not a multiple of 512: refused, nothing changes. */
KTEST(pmem, bad_io_changes_nothing)
{
	struct pt t;
	sector_t cap;
	u64 last, errs;

	if (!pt_begin(&t))
		goto out;
	cap = t.d->capacity;
	last = t.size - 8192;
	pt_fill(&t, last, 8192, 99, 0);
	pattern_fill(pt_va(t.buf[0]), 0, PT_BUF_BYTES, 5);
	errs = t.d->stats.errors[BLK_STAT_WRITE];
	KT_EXPECT_EQ(pt_io(t.d, REQ_OP_WRITE, cap - 1, t.buf[0], 0, 1024), -EIO);
	KT_EXPECT_EQ(pt_io(t.d, REQ_OP_WRITE, cap - 8, t.buf[0], 0, 8192), -EIO);
	KT_EXPECT_EQ(pt_io(t.d, REQ_OP_WRITE, cap, t.buf[0], 0, 512), -EIO);
	KT_EXPECT_EQ(pt_io(t.d, REQ_OP_WRITE, ~0ULL >> 9, t.buf[0], 0, 512), -EIO);
	KT_EXPECT_EQ(pt_io(t.d, REQ_OP_WRITE, cap - 16, t.buf[0], 0, 100), -EINVAL);
	KT_EXPECT_EQ(pt_io(t.d, REQ_OP_WRITE, cap - 16, t.buf[0], 0, 4096 + 1), -EINVAL);
	KT_EXPECT_EQ(pt_io(t.d, REQ_OP_WRITE_ZEROES, cap - 8, pt_nopfn, 0, 8192), -EIO);
	KT_EXPECT_EQ(pt_io(t.d, REQ_OP_DISCARD, cap - 4, pt_nopfn, 0, 1000), -EINVAL);
	KT_EXPECT_EQ(t.d->stats.errors[BLK_STAT_WRITE] - errs, 6);
	KT_EXPECT_EQ(pt_check(&t, last, 8192, 99, 0, false), 8192);
	/* the last block itself is fine */
	KT_EXPECT_EQ(pt_io(t.d, REQ_OP_WRITE, cap - 1, t.buf[0], 0, 512), 0);
	KT_EXPECT_EQ(pt_check(&t, t.size - 512, 512, 5, 0, false), 512);
	KT_EXPECT_EQ(pt_check(&t, last, 8192 - 512, 99, 0, false), 8192 - 512);
out:
	pt_end(&t);
}

KTEST(pmem, write_zeroes_and_discard)
{
	static const u32 ops[] = { REQ_OP_WRITE_ZEROES, REQ_OP_DISCARD };
	struct pt t;

	if (!pt_begin(&t))
		goto out;
	for (unsigned i = 0; i < ARRAY_SIZE(ops); i++) {
		u64 off = t.area + 4096 + 1536, len = 3 * 4096 + 1024;
		const struct pmem_stats *ps = pmem_disk_stats(t.d);
		u64 fences = ps->fences;

		pt_fill(&t, off - 4096, len + 8192, 12, 0);
		KT_ASSERT_EQ(pt_io(t.d, ops[i], off >> 9, pt_nopfn, 0, (u32)len), 0);
		KT_EXPECT_EQ(pt_check(&t, off, len, 0, 0, true), len);
		KT_EXPECT_EQ(pt_check(&t, off - 4096, 4096, 12, 0, false), 4096);
		KT_EXPECT_EQ(pt_check(&t, off + len, 4096, 12, len + 4096, false), 4096);
		KT_EXPECT_EQ(ps->fences - fences, 1);
		if (pmem_flush_method() != PMEM_FLUSH_NT)
			KT_EXPECT_EQ(ps->last_write_lines, len / 64);
	}
out:
	pt_end(&t);
}

/*
 * For every flush method the CPU has: a 4 KiB write flushes 64 lines (nt:
 * stores 4096 bytes with movnti) and fences once; PREFLUSH adds a FLUSH
 * (a fence of its own before the write's), FUA nothing; FLUSH is one
 * fence; a read into RAM fences nothing.
 */
KTEST(pmem, flush_counters_every_method)
{
	static const enum pmem_flush_method methods[] = {
		PMEM_FLUSH_CLWB, PMEM_FLUSH_CLFLUSHOPT, PMEM_FLUSH_CLFLUSH, PMEM_FLUSH_NT,
	};
	enum pmem_flush_method saved = pmem_flush_method();
	const struct pmem_stats *ps;
	struct pt t;
	unsigned tried = 0;

	if (!pt_begin(&t))
		goto out;
	ps = pmem_disk_stats(t.d);
	for (unsigned m = 0; m < ARRAY_SIZE(methods); m++) {
		bool nt = methods[m] == PMEM_FLUSH_NT;
		u64 off = t.area + 8192, lines, fences, flushes, fua, nt_bytes;
		u64 blk_flushes = t.d->stats.ios[BLK_STAT_FLUSH];

		if (pmem_set_flush_method(methods[m]))
			continue;
		tried++;
		pattern_fill(pt_va(t.buf[0]), off, 1U << 20, (u16)(200 + m));

		lines = ps->lines_flushed;
		fences = ps->fences;
		nt_bytes = ps->nt_bytes;
		KT_ASSERT_EQ(pt_io(t.d, REQ_OP_WRITE, off >> 9, t.buf[0], 0, 4096), 0);
		KT_EXPECT_EQ(ps->lines_flushed - lines, nt ? 0 : 64);
		KT_EXPECT_EQ(ps->nt_bytes - nt_bytes, nt ? 4096 : 0);
		KT_EXPECT_EQ(ps->fences - fences, 1);
		KT_EXPECT_EQ(ps->last_write_fences, 1);
		KT_EXPECT_EQ(ps->last_write_lines, nt ? 0 : 64);
		KT_EXPECT_EQ(pt_check(&t, off, 4096, (u16)(200 + m), off, false), 4096);

		/* 512 bytes at a sub-page sector: 8 lines */
		KT_ASSERT_EQ(pt_io(t.d, REQ_OP_WRITE, (off >> 9) + 3, t.buf[0], 1536, 512), 0);
		KT_EXPECT_EQ(ps->last_write_lines, nt ? 0 : 8);
		KT_EXPECT_EQ(ps->last_write_fences, 1);

		/* 1 MiB in one bio: 16384 lines, still one fence */
		KT_ASSERT_EQ(pt_io(t.d, REQ_OP_WRITE, off >> 9, t.buf[0], 0, 1U << 20), 0);
		KT_EXPECT_EQ(ps->last_write_lines, nt ? 0 : 16384);
		KT_EXPECT_EQ(ps->last_write_fences, 1);
		KT_EXPECT_EQ(pt_check(&t, off, 1U << 20, (u16)(200 + m), off, false), 1U << 20);

		/* a buffer at an odd offset: nt stores the byte edges and flushes them */
		pattern_fill(pt_va(t.buf[0]) + 3, off, 8192, 9);
		KT_ASSERT_EQ(pt_io(t.d, REQ_OP_WRITE, off >> 9, t.buf[0], 3, 8192), 0);
		KT_EXPECT_EQ(pt_check(&t, off, 8192, 9, off, false), 8192);
		KT_EXPECT_EQ(ps->last_write_fences, 1);

		flushes = ps->flushes;
		fences = ps->fences;
		KT_ASSERT_EQ(pt_io(t.d, REQ_OP_WRITE | REQ_PREFLUSH, off >> 9, t.buf[0], 0, 4096), 0);
		KT_EXPECT_EQ(ps->fences - fences, 2);
		KT_EXPECT_EQ(ps->last_write_fences, 1);
		KT_EXPECT_EQ(ps->flushes - flushes, 1);

		fua = ps->fua_writes;
		fences = ps->fences;
		KT_ASSERT_EQ(pt_io(t.d, REQ_OP_WRITE | REQ_FUA, off >> 9, t.buf[0], 0, 4096), 0);
		KT_EXPECT_EQ(ps->fences - fences, 1);
		KT_EXPECT_EQ(ps->fua_writes - fua, 1);

		fences = ps->fences;
		flushes = ps->flushes;
		KT_ASSERT_EQ(pt_io(t.d, REQ_OP_FLUSH, 0, pt_nopfn, 0, 0), 0);
		KT_EXPECT_EQ(ps->fences - fences, 1);
		KT_EXPECT_EQ(ps->flushes - flushes, 1);
		KT_EXPECT_EQ(t.d->stats.ios[BLK_STAT_FLUSH] - blk_flushes, 1);

		fences = ps->fences;
		lines = ps->lines_flushed;
		KT_ASSERT_EQ(pt_io(t.d, REQ_OP_READ, off >> 9, t.buf[1], 0, 4096), 0);
		KT_EXPECT_EQ(ps->fences - fences, 0);
		KT_EXPECT_EQ(ps->lines_flushed - lines, 0);
		if (ktest_failed()) {
			ktest_log("failed with method %u", methods[m]);
			break;
		}
	}
	/* clflush and movnti are baseline x86_64 */
	KT_EXPECT(tried >= 2);
	/* every write bio fenced once, the PREFLUSH one too: its flush is a
	 * FLUSH bio of its own (block/blk_flush.c) */
	KT_EXPECT_EQ(ps->max_write_fences, 1);
out:
	pmem_set_flush_method(saved);
	pt_end(&t);
}

KTEST(pmem, direct_access)
{
	struct null_blk_config cfg = { .name = "pmemt_null", .size = 1 << 20, .bs = 512 };
	struct null_blk_dev *nb;
	struct pt t;
	pfn_t pfn;
	sector_t cap;

	if (!pt_begin(&t))
		goto out;
	cap = t.d->capacity;
	KT_EXPECT_EQ(blk_direct_access(t.d, 0, 1, &pfn), 1);
	KT_EXPECT(pfn_t_equal(pfn, phys_to_pfn_t(t.base, PT_DEV)));
	KT_EXPECT(pfn_t_is_pmem(pfn) && !pfn_t_is_ram(pfn));
	KT_EXPECT(pfn_t_equal(pfn, memmap_phys_to_pfn_t(t.base)));
	/* sector 9 lies in the second frame, at byte 512 of it */
	KT_EXPECT_EQ(blk_direct_access(t.d, 9, 100, &pfn), 100);
	KT_EXPECT(pfn_t_equal(pfn, phys_to_pfn_t(t.base + 4096, PT_DEV)));
	/* everything to the end is contiguous */
	KT_EXPECT_EQ(blk_direct_access(t.d, 9, cap - 9, &pfn), cap - 9);
	KT_EXPECT_EQ(blk_direct_access(t.d, cap - 1, 1, &pfn), 1);
	KT_EXPECT(pfn_t_equal(pfn, phys_to_pfn_t(t.base + t.size - 4096, PT_DEV)));
	KT_EXPECT_EQ(blk_direct_access(t.d, cap - 1, 2, &pfn), -EIO);
	KT_EXPECT_EQ(blk_direct_access(t.d, cap, 1, &pfn), -EIO);
	KT_EXPECT_EQ(blk_direct_access(t.d, 0, 0, &pfn), -EIO);
	/* what the pfn names is what the device holds */
	pt_fill(&t, t.area + 1024, 512, 3, 0);
	KT_ASSERT_EQ(blk_direct_access(t.d, (t.area + 1024) >> 9, 1, &pfn), 1);
	{
		u8 *p = kmap_atomic_pfn_t(pfn);

		KT_EXPECT_EQ(pattern_check(p + 1024, 0, 512, 3), 512);
		kunmap_atomic_pfn_t(p);
	}
	/* a device without memory behind it */
	KT_ASSERT_EQ(null_blk_create(&cfg, &nb), 0);
	KT_EXPECT_EQ(blk_direct_access(null_blk_disk(nb), 0, 1, &pfn), -EOPNOTSUPP);
	KT_EXPECT_EQ(null_blk_destroy(nb), 0);
out:
	pt_end(&t);
}
