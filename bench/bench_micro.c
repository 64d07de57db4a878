/*
 * bench_micro.c - micro-benchmarks of the pfn machinery (issue 6), each
 * printed as
 *   BENCH micro=<name> ns_per_op=<x> tsc_per_op=<x> ops=<n> [MBps=<x>]
 *
 *   kmap_atomic_pfn_t   map + unmap of a pmem pfn (the first pmem disk)
 *   spin_lock_irqsave   take + release of an uncontended spinlock with
 *                       interrupts saved (the I/O path takes several; the
 *                       cost of lock.debug= shows here)
 *   dma_map_sg          map + unmap, per segment, of a 16-entry list
 *   bio_null            a 4 KiB read bio round trip on null0 at qd 1
 *   pmem_write_4k       a 4 KiB FUA write to pmem, flush included (cycling
 *                       over 1 MiB of the scratch area, warmed untimed first)
 *   nvme_to_pmem_zerocopy / nvme_to_pmem_bounce
 *                       64 MiB from NVMe into pmem in 1 MiB bios: DMA
 *                       straight into the pmem pfns, or into RAM and then a
 *                       pmem write of that buffer
 *   memcpy_1m[_<name>]  1 MiB RAM-to-RAM copies with each copy routine
 *                       (copy.h) and lib's memcpy; memcpy_1m is the best
 *
 * Each loop runs for about MICRO_NS of TSC time (at least a few ops) and
 * reports the mean. A benchmark whose device is missing prints
 * "bench: micro <name> skipped: ..." instead. Writes go to the last 64 MiB
 * of the pmem device (the scratch area), and say so.
 */
#include "bench.h"
#include "blkdev_driver.h"
#include "copy.h"
#include "persist.h"
#include "cpu.h"
#include "dma.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "scatterlist.h"
#include "shell.h"
#include "spinlock.h"
#include "time.h"

#define MICRO_NS	200000000ULL	/* per benchmark loop */
#define MIB		(1ULL << 20)

static void micro_print(const char *name, u64 tsc, u64 ops, u64 bytes)
{
	char line[256];

	bench_format_micro(line, sizeof(line), name, tsc_to_ns(tsc), tsc, ops, bytes);
	kprintf("%s\n", line);
}

static int micro_skip(const char *name, const char *why)
{
	kprintf("bench: micro %s skipped: %s\n", name, why);
	return 0;
}

/* The first disk of a driver ("pmem", "nvme", "null_blk"), or NULL. */
static struct gendisk *micro_disk(const char *driver)
{
	struct gendisk *d;

	blk_for_each_disk(d)
		if (d->driver && !strcmp(d->driver, driver))
			return d;
	return NULL;
}

static int micro_kmap(void)
{
	struct gendisk *d = micro_disk("pmem");
	u64 ops = 0, t0, t, limit = ns_to_tsc(MICRO_NS);
	pfn_t pfn;

	if (!d)
		return micro_skip("kmap_atomic_pfn_t", "no pmem device");
	if (blk_direct_access(d, bench_scratch_off(d) >> SECTOR_SHIFT, 8, &pfn) <= 0)
		return micro_skip("kmap_atomic_pfn_t", "no direct access to pmem");
	t0 = rdtsc();
	do {
		for (int i = 0; i < 256; i++) {
			void *va = kmap_atomic_pfn_t(pfn);

			barrier();
			kunmap_atomic_pfn_t(va);
		}
		ops += 256;
		t = rdtsc() - t0;
	} while (t < limit);
	micro_print("kmap_atomic_pfn_t", t, ops, 0);
	return 0;
}

static DEFINE_SPINLOCK(micro_lock);

static int micro_spinlock(void)
{
	u64 ops = 0, t0, t, limit = ns_to_tsc(MICRO_NS);

	t0 = rdtsc();
	do {
		for (int i = 0; i < 256; i++) {
			unsigned long flags = spin_lock_irqsave(&micro_lock);

			barrier();
			spin_unlock_irqrestore(&micro_lock, flags);
		}
		ops += 256;
		t = rdtsc() - t0;
	} while (t < limit);
	micro_print("spin_lock_irqsave", t, ops, 0);
	return 0;
}

#define MICRO_SEGS	16

static int micro_dma(void)
{
	static struct scatterlist sgl[MICRO_SEGS];
	struct device dev = {
		.name = "bench",
		.dma_mask = DMA_BIT_MASK(64),
		.coherent_dma_mask = DMA_BIT_MASK(64),
	};
	pfn_t buf;
	u64 ops = 0, t0, t, limit = ns_to_tsc(MICRO_NS);

	buf = pfn_alloc(4, 0);
	if (pfn_t_is_null(buf))
		return micro_skip("dma_map_sg", "no memory");
	sg_init_table(sgl, MICRO_SEGS);
	for (int i = 0; i < MICRO_SEGS; i++)
		sg_set_pfn(&sgl[i], pfn_t_add(buf, (u64)i), PAGE_SIZE, 0);
	t0 = rdtsc();
	do {
		for (int i = 0; i < 64; i++) {
			if (dma_map_sg(&dev, sgl, MICRO_SEGS, DMA_TO_DEVICE) != MICRO_SEGS) {
				pfn_free(buf, 4);
				return micro_skip("dma_map_sg", "mapping failed");
			}
			dma_unmap_sg(&dev, sgl, MICRO_SEGS, DMA_TO_DEVICE);
		}
		ops += 64 * MICRO_SEGS;
		t = rdtsc() - t0;
	} while (t < limit);
	pfn_free(buf, 4);
	micro_print("dma_map_sg", t, ops, 0);
	return 0;
}

/*
 * Synchronous bios of len bytes at pos, repeated for MICRO_NS (loop) or
 * nr times; mem is contiguous. Returns 0 or the first error.
 */
static int micro_bios(struct gendisk *d, u32 opf, pfn_t mem, u32 len, u64 pos,
		      u64 span, u64 *ops, u64 *tsc)
{
	struct bio bio;
	u64 limit = ns_to_tsc(MICRO_NS), n = 0, off = 0, t0;
	int err;

	/* One untimed pass over the span: the first touch of a page of a
	 * sparse backing file costs the host a page fault, not pfnos. */
	for (u64 w = 0; w < span; w += len) {
		bio_init(&bio, d, NULL, 0, opf);
		bio.bi_iter.bi_sector = (pos + w) >> SECTOR_SHIFT;
		bio_add_pfn(&bio, mem, len, 0);
		err = submit_bio_wait(&bio);
		if (err)
			return err;
	}
	t0 = rdtsc();
	do {
		bio_init(&bio, d, NULL, 0, opf);
		bio.bi_iter.bi_sector = (pos + off) >> SECTOR_SHIFT;
		bio_add_pfn(&bio, mem, len, 0);
		err = submit_bio_wait(&bio);
		if (err)
			return err;
		n++;
		off = (off + len) % span;
		*tsc = rdtsc() - t0;
	} while (*tsc < limit || n < 16);
	*ops = n;
	return 0;
}

static int micro_bio_null(void)
{
	struct gendisk *d = blk_find_disk("null0");
	pfn_t buf;
	u64 ops, t;
	int err;

	if (!d)
		return micro_skip("bio_null", "no null0");
	buf = pfn_alloc(0, 0);
	if (pfn_t_is_null(buf))
		return micro_skip("bio_null", "no memory");
	err = micro_bios(d, REQ_OP_READ, buf, 4096, 0, 4096, &ops, &t);
	pfn_free(buf, 0);
	if (err)
		return shell_error(err, "bench: micro bio_null: read failed: -%s",
				   errno_name(err));
	micro_print("bio_null", t, ops, 0);
	return 0;
}

static int micro_pmem_write(void)
{
	struct gendisk *d = micro_disk("pmem");
	pfn_t buf;
	u64 ops, t, off;
	int err;

	if (!d)
		return micro_skip("pmem_write_4k", "no pmem device");
	buf = pfn_alloc(0, 0);
	if (pfn_t_is_null(buf))
		return micro_skip("pmem_write_4k", "no memory");
	pattern_fill(phys_to_virt(pfn_t_to_phys(buf)), 0, 4096, 6);
	off = bench_scratch_off(d);
	kprintf("bench: %s: overwriting bytes %llu-%llu (micro pmem_write_4k)\n",
		d->disk_name, (unsigned long long)off,
		(unsigned long long)(off + BENCH_SCRATCH_SIZE));
	/* 1 MiB of the scratch area, over and over: steady state */
	err = micro_bios(d, REQ_OP_WRITE | REQ_FUA, buf, 4096, off,
			 min((u64)MIB, ((u64)d->capacity << SECTOR_SHIFT) - off), &ops, &t);
	pfn_free(buf, 0);
	if (err)
		return shell_error(err, "bench: micro pmem_write_4k: write failed: -%s",
				   errno_name(err));
	micro_print("pmem_write_4k", t, ops, ops * 4096);
	return 0;
}

/* 64 MiB NVMe -> pmem in 1 MiB bios, zero-copy or bounced through RAM. */
static int micro_nvme_to_pmem(void)
{
	struct gendisk *nv = micro_disk("nvme"), *pm = micro_disk("pmem");
	const u64 total = 64 * MIB, chunk = MIB;
	u64 nv_off, pm_off, t0, tz, tb;
	pfn_t ram;
	int err = 0;

	if (!nv || !pm)
		return micro_skip("nvme_to_pmem", "needs an NVMe and a pmem device");
	if (((u64)nv->capacity << SECTOR_SHIFT) < total ||
	    ((u64)pm->capacity << SECTOR_SHIFT) < total)
		return micro_skip("nvme_to_pmem", "a device is smaller than 64 MiB");
	ram = pfn_alloc(8, 0);
	if (pfn_t_is_null(ram))
		return micro_skip("nvme_to_pmem", "no memory");
	nv_off = bench_scratch_off(nv);
	pm_off = bench_scratch_off(pm);
	kprintf("bench: %s: overwriting bytes %llu-%llu (micro nvme_to_pmem)\n",
		pm->disk_name, (unsigned long long)pm_off,
		(unsigned long long)(pm_off + total));

	/* Pass 0 is untimed: it takes the host's first touch of both sparse
	 * backing files, which would otherwise be charged to whichever way of
	 * copying ran first. */
	for (int pass = 0; pass < 2 && !err; pass++) {
		t0 = rdtsc();
		for (u64 done = 0; done < total && !err; done += chunk) {
			struct bio bio;
			pfn_t dst;
			long n = blk_direct_access(pm, (pm_off + done) >> SECTOR_SHIFT,
						   chunk >> SECTOR_SHIFT, &dst);

			if (n < (long)(chunk >> SECTOR_SHIFT)) {
				err = n < 0 ? (int)n : -EIO;
				break;
			}
			bio_init(&bio, nv, NULL, 0, REQ_OP_READ);
			bio.bi_iter.bi_sector = (nv_off + done) >> SECTOR_SHIFT;
			bio_add_pfn(&bio, dst, (u32)chunk, 0);
			err = submit_bio_wait(&bio);
		}
		tz = rdtsc() - t0;
	}
	if (err)
		goto out;

	t0 = rdtsc();
	for (u64 done = 0; done < total && !err; done += chunk) {
		struct bio bio;

		bio_init(&bio, nv, NULL, 0, REQ_OP_READ);
		bio.bi_iter.bi_sector = (nv_off + done) >> SECTOR_SHIFT;
		bio_add_pfn(&bio, ram, (u32)chunk, 0);
		err = submit_bio_wait(&bio);
		if (err)
			break;
		bio_init(&bio, pm, NULL, 0, REQ_OP_WRITE | REQ_FUA);
		bio.bi_iter.bi_sector = (pm_off + done) >> SECTOR_SHIFT;
		bio_add_pfn(&bio, ram, (u32)chunk, 0);
		err = submit_bio_wait(&bio);
	}
	tb = rdtsc() - t0;
out:
	pfn_free(ram, 8);
	if (err)
		return shell_error(err, "bench: micro nvme_to_pmem: I/O failed: -%s",
				   errno_name(err));
	micro_print("nvme_to_pmem_zerocopy", tz, total / chunk, total);
	micro_print("nvme_to_pmem_bounce", tb, total / chunk, total);
	return 0;
}

static void lib_memcpy(void *dst, const void *src, size_t len)
{
	memcpy(dst, src, len);
}

/* Mean TSC ticks of a 1 MiB copy with fn over about MICRO_NS / 4. */
static u64 micro_copy(void (*fn)(void *, const void *, size_t), bool nt,
		      void *dst, const void *src, u64 *ops)
{
	u64 t0, t, n = 0, limit = ns_to_tsc(MICRO_NS / 4);

	fn(dst, src, MIB);		/* warm caches and translations */
	t0 = rdtsc();
	do {
		fn(dst, src, MIB);
		if (nt)
			persist_fence();
		n++;
		t = rdtsc() - t0;
	} while (t < limit || n < 3);
	*ops = n;
	return t;
}

static int micro_memcpy(void)
{
	pfn_t a = pfn_alloc(8, 0), b = pfn_alloc(8, 0);
	const struct copy_routine *rs;
	unsigned nr = 0;
	u64 best_t = ~0ULL, best_ops = 1, ops, t;
	void *dst, *src;
	char name[48];

	if (pfn_t_is_null(a) || pfn_t_is_null(b)) {
		if (!pfn_t_is_null(a))
			pfn_free(a, 8);
		if (!pfn_t_is_null(b))
			pfn_free(b, 8);
		return micro_skip("memcpy_1m", "no memory");
	}
	dst = phys_to_virt(pfn_t_to_phys(a));
	src = phys_to_virt(pfn_t_to_phys(b));
	pattern_fill(src, 0, MIB, 3);

	t = micro_copy(lib_memcpy, false, dst, src, &ops);
	micro_print("memcpy_1m_lib", t, ops, ops * MIB);
	best_t = t;
	best_ops = ops;
	rs = copy_routines(&nr);
	for (unsigned i = 0; i < nr; i++) {
		if (!rs[i].usable)
			continue;
		t = micro_copy(rs[i].fn, rs[i].nt, dst, src, &ops);
		snprintf(name, sizeof(name), "memcpy_1m_%s", rs[i].name);
		micro_print(name, t, ops, ops * MIB);
		/* compare per-copy cost: t / ops */
		if (bench_mul_div(t, best_ops, ops) < best_t) {
			best_t = t;
			best_ops = ops;
		}
	}
	micro_print("memcpy_1m", best_t, best_ops, best_ops * MIB);
	pfn_free(a, 8);
	pfn_free(b, 8);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(void);
} micros[] = {
	{ "kmap", micro_kmap },
	{ "spinlock", micro_spinlock },
	{ "dma_map_sg", micro_dma },
	{ "bio_null", micro_bio_null },
	{ "pmem_write_4k", micro_pmem_write },
	{ "nvme_to_pmem", micro_nvme_to_pmem },
	{ "memcpy_1m", micro_memcpy },
};

int bench_micro(const char *name)
{
	for (unsigned i = 0; i < ARRAY_SIZE(micros); i++)
		if (!strcmp(name, micros[i].name))
			return micros[i].fn();
	return -ENOENT;
}

int bench_micro_all(void)
{
	int ret = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(micros); i++) {
		int err = micros[i].fn();

		if (err && !ret)
			ret = err;
		if (shell_interrupted())
			return -EINTR;
	}
	return ret;
}
