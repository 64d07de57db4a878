/*
 * bench_micro.c - micro-benchmarks of the pfn machinery (issue 6), each
 * printed as
 *   BENCH micro=<name> ns_per_op=<x> tsc_per_op=<x> ops=<n> [MBps=<x>]
 *
 *   kmap_atomic_pfn_t   map + unmap of a pmem pfn (the first pmem disk)
 *   kmap_atomic_pfn_t_others_busy
 *                       the same on CPU 0 while every other online CPU maps
 *                       and unmaps its own pfn at full speed (only with more
 *                       than one CPU online): per-CPU slots and a local
 *                       invlpg should make it cost what it costs alone
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
 * Each runs in steady state (micro_steady(), issue 13): passes of about
 * MICRO_PASS_NS of TSC time (at least a few ops) run untimed until two in a
 * row agree within 10 % per op (at most 20; past that the line says
 * "unstable"), then 5 timed passes; the line gives the median pass and the
 * minimum and maximum ns per op (bench_format_micro_passes()). Before that,
 * a benchmark that reads or writes a device touches its whole span once,
 * untimed: the host's first touch of a sparse backing file page is QEMU's
 * cost, not pfnos's. A benchmark whose device is missing prints
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
#include "smp.h"
#include "spinlock.h"
#include "time.h"

#define MICRO_PASS_NS	50000000ULL	/* one pass */
#define MIB		(1ULL << 20)

/* One pass of a micro-benchmark into p. 0 or -errno. */
typedef int (*micro_pass_fn)(void *ctx, struct bench_micro_pass *p);

/*
 * Warm until two passes agree, then the timed passes; print the line.
 * median (may be NULL) gets the median pass. 0, -EINTR or fn's error.
 */
static int micro_steady(const char *name, micro_pass_fn fn, void *ctx,
			struct bench_micro_pass *median)
{
	struct bench_micro_pass prev = { 0 }, cur, timed[BENCH_MICRO_PASSES];
	bool stable = false;
	char line[320];
	u32 warm;
	int err;

	for (warm = 1; warm <= BENCH_MICRO_MAX_WARM; warm++) {
		err = fn(ctx, &cur);
		if (err)
			return err;
		if (warm > 1 && bench_micro_agree(&prev, &cur)) {
			stable = true;
			break;
		}
		prev = cur;
		if (shell_interrupted())
			return -EINTR;
	}
	if (!stable)
		warm = BENCH_MICRO_MAX_WARM;
	for (u32 i = 0; i < BENCH_MICRO_PASSES; i++) {
		err = fn(ctx, &timed[i]);
		if (err)
			return err;
	}
	bench_format_micro_passes(line, sizeof(line), name, timed, BENCH_MICRO_PASSES, warm,
				  stable);
	kprintf("%s\n", line);
	if (median)
		*median = timed[BENCH_MICRO_PASSES / 2];
	return 0;
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

/* End a pass that started at t0 after ops operations. */
static void micro_pass_end(struct bench_micro_pass *p, u64 t0, u64 ops, u64 bytes)
{
	p->tsc = rdtsc() - t0;
	p->ns = tsc_to_ns(p->tsc);
	p->ops = ops;
	p->bytes = bytes;
}

/* Map and unmap pfn 256 times. */
static void kmap_burst(pfn_t pfn)
{
	for (int i = 0; i < 256; i++) {
		void *va = kmap_atomic_pfn_t(pfn);

		barrier();
		kunmap_atomic_pfn_t(va);
	}
}

static int kmap_pass(void *ctx, struct bench_micro_pass *p)
{
	pfn_t pfn = *(pfn_t *)ctx;
	u64 ops = 0, t0 = rdtsc(), limit = ns_to_tsc(MICRO_PASS_NS);

	do {
		kmap_burst(pfn);
		ops += 256;
	} while (rdtsc() - t0 < limit);
	micro_pass_end(p, t0, ops, 0);
	return 0;
}

/* The other CPUs' side of kmap_atomic_pfn_t_others_busy: map and unmap
 * their own pfn until CPU 0 is done (in the call-function IPI's context). */
struct kmap_busy {
	pfn_t pfn;
	u32 stop;
	u32 running;
};

static void kmap_busy_cpu(void *arg)
{
	struct kmap_busy *b = arg;
	pfn_t pfn = pfn_t_add(b->pfn, smp_processor_id());

	__atomic_add_fetch(&b->running, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&b->stop, __ATOMIC_ACQUIRE))
		kmap_burst(pfn);
	__atomic_sub_fetch(&b->running, 1, __ATOMIC_RELEASE);
}

/*
 * kmap_atomic_pfn_t alone, then (with more than one CPU online) the same
 * while every other CPU maps and unmaps its own pfn at full speed: no
 * shootdown and no shared line, so the two should be alike.
 */
static int micro_kmap(void)
{
	static struct kmap_busy busy;
	struct gendisk *d = micro_disk("pmem");
	unsigned others = num_online_cpus() - 1;
	pfn_t pfn;
	int err;

	if (!d)
		return micro_skip("kmap_atomic_pfn_t", "no pmem device");
	if (blk_direct_access(d, bench_scratch_off(d) >> SECTOR_SHIFT, 8, &pfn) <= 0)
		return micro_skip("kmap_atomic_pfn_t", "no direct access to pmem");
	err = micro_steady("kmap_atomic_pfn_t", kmap_pass, &pfn, NULL);
	if (err || !others || smp_processor_id() != 0)
		return err;
	memset(&busy, 0, sizeof(busy));
	busy.pfn = pfn;
	smp_call_function(kmap_busy_cpu, &busy, false);
	while (__atomic_load_n(&busy.running, __ATOMIC_ACQUIRE) < others)
		cpu_relax();
	err = micro_steady("kmap_atomic_pfn_t_others_busy", kmap_pass, &pfn, NULL);
	__atomic_store_n(&busy.stop, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&busy.running, __ATOMIC_ACQUIRE))
		cpu_relax();
	return err;
}

static DEFINE_SPINLOCK(micro_lock);

static int spinlock_pass(void *ctx, struct bench_micro_pass *p)
{
	u64 ops = 0, t0 = rdtsc(), limit = ns_to_tsc(MICRO_PASS_NS);

	do {
		for (int i = 0; i < 256; i++) {
			unsigned long flags = spin_lock_irqsave(&micro_lock);

			barrier();
			spin_unlock_irqrestore(&micro_lock, flags);
		}
		ops += 256;
	} while (rdtsc() - t0 < limit);
	micro_pass_end(p, t0, ops, 0);
	return 0;
}

static int micro_spinlock(void)
{
	return micro_steady("spin_lock_irqsave", spinlock_pass, NULL, NULL);
}

#define MICRO_SEGS	16

struct dma_ctx {
	struct device dev;
	struct scatterlist sgl[MICRO_SEGS];
};

static int dma_pass(void *ctx, struct bench_micro_pass *p)
{
	struct dma_ctx *c = ctx;
	u64 ops = 0, t0 = rdtsc(), limit = ns_to_tsc(MICRO_PASS_NS);

	do {
		for (int i = 0; i < 64; i++) {
			if (dma_map_sg(&c->dev, c->sgl, MICRO_SEGS, DMA_TO_DEVICE) != MICRO_SEGS)
				return -EIO;
			dma_unmap_sg(&c->dev, c->sgl, MICRO_SEGS, DMA_TO_DEVICE);
		}
		ops += 64 * MICRO_SEGS;
	} while (rdtsc() - t0 < limit);
	micro_pass_end(p, t0, ops, 0);
	return 0;
}

static int micro_dma(void)
{
	static struct dma_ctx c = {
		.dev = {
			.name = "bench",
			.dma_mask = DMA_BIT_MASK(64),
			.coherent_dma_mask = DMA_BIT_MASK(64),
		},
	};
	pfn_t buf;
	int err;

	buf = pfn_alloc(4, 0);
	if (pfn_t_is_null(buf))
		return micro_skip("dma_map_sg", "no memory");
	sg_init_table(c.sgl, MICRO_SEGS);
	for (int i = 0; i < MICRO_SEGS; i++)
		sg_set_pfn(&c.sgl[i], pfn_t_add(buf, (u64)i), PAGE_SIZE, 0);
	err = micro_steady("dma_map_sg", dma_pass, &c, NULL);
	pfn_free(buf, 4);
	if (err == -EIO)
		return micro_skip("dma_map_sg", "mapping failed");
	return err;
}

/* Synchronous bios of len bytes from mem at pos, cycling over span. */
struct bios_ctx {
	struct gendisk *d;
	u32 opf, len;
	pfn_t mem;
	u64 pos, span, off;
};

static int micro_bio(struct bios_ctx *c, u64 at)
{
	struct bio bio;

	bio_init(&bio, c->d, NULL, 0, c->opf);
	bio.bi_iter.bi_sector = (c->pos + at) >> SECTOR_SHIFT;
	bio_add_pfn(&bio, c->mem, c->len, 0);
	return submit_bio_wait(&bio);
}

static int bios_pass(void *ctx, struct bench_micro_pass *p)
{
	struct bios_ctx *c = ctx;
	u64 n = 0, t0 = rdtsc(), limit = ns_to_tsc(MICRO_PASS_NS);
	int err;

	do {
		err = micro_bio(c, c->off);
		if (err)
			return err;
		n++;
		c->off = (c->off + c->len) % c->span;
	} while (rdtsc() - t0 < limit || n < 16);
	micro_pass_end(p, t0, n, c->opf == REQ_OP_READ ? 0 : n * c->len);
	return 0;
}

/* The untimed first touch of the span, then the steady-state passes. */
static int micro_bios(const char *name, struct bios_ctx *c)
{
	int err;

	for (u64 w = 0; w < c->span; w += c->len) {
		err = micro_bio(c, w);
		if (err)
			return err;
	}
	return micro_steady(name, bios_pass, c, NULL);
}

static int micro_bio_null(void)
{
	struct bios_ctx c = { .opf = REQ_OP_READ, .len = 4096, .span = 4096 };
	int err;

	c.d = blk_find_disk("null0");
	if (!c.d)
		return micro_skip("bio_null", "no null0");
	c.mem = pfn_alloc(0, 0);
	if (pfn_t_is_null(c.mem))
		return micro_skip("bio_null", "no memory");
	err = micro_bios("bio_null", &c);
	pfn_free(c.mem, 0);
	if (err && err != -EINTR)
		return shell_error(err, "bench: micro bio_null: read failed: -%s",
				   errno_name(err));
	return err;
}

static int micro_pmem_write(void)
{
	struct bios_ctx c = { .opf = REQ_OP_WRITE | REQ_FUA, .len = 4096 };
	struct gendisk *d = micro_disk("pmem");
	int err;

	if (!d)
		return micro_skip("pmem_write_4k", "no pmem device");
	c.d = d;
	c.mem = pfn_alloc(0, 0);
	if (pfn_t_is_null(c.mem))
		return micro_skip("pmem_write_4k", "no memory");
	pattern_fill(phys_to_virt(pfn_t_to_phys(c.mem)), 0, 4096, 6);
	c.pos = bench_scratch_off(d);
	kprintf("bench: %s: overwriting bytes %llu-%llu (micro pmem_write_4k)\n",
		d->disk_name, (unsigned long long)c.pos,
		(unsigned long long)(c.pos + BENCH_SCRATCH_SIZE));
	/* 1 MiB of the scratch area, over and over: steady state */
	c.span = min((u64)MIB, ((u64)d->capacity << SECTOR_SHIFT) - c.pos);
	err = micro_bios("pmem_write_4k", &c);
	pfn_free(c.mem, 0);
	if (err && err != -EINTR)
		return shell_error(err, "bench: micro pmem_write_4k: write failed: -%s",
				   errno_name(err));
	return err;
}

/*
 * NVMe -> pmem in 1 MiB bios over a 64 MiB span, zero-copy (DMA into the
 * pmem pfns) or bounced (into RAM, then a pmem write); a pass is
 * MICRO_N2P_PASS of it, continuing where the last pass ended.
 */
#define MICRO_N2P_SPAN	(64 * MIB)
#define MICRO_N2P_PASS	(8 * MIB)

struct n2p_ctx {
	struct gendisk *nv, *pm;
	u64 nv_off, pm_off, done;
	pfn_t ram;
	bool zerocopy;
};

static int n2p_chunk(struct n2p_ctx *c, u64 at, bool zerocopy)
{
	struct bio bio;
	pfn_t dst;
	int err;

	if (zerocopy) {
		long n = blk_direct_access(c->pm, (c->pm_off + at) >> SECTOR_SHIFT,
					   MIB >> SECTOR_SHIFT, &dst);

		if (n < (long)(MIB >> SECTOR_SHIFT))
			return n < 0 ? (int)n : -EIO;
	} else {
		dst = c->ram;
	}
	bio_init(&bio, c->nv, NULL, 0, REQ_OP_READ);
	bio.bi_iter.bi_sector = (c->nv_off + at) >> SECTOR_SHIFT;
	bio_add_pfn(&bio, dst, (u32)MIB, 0);
	err = submit_bio_wait(&bio);
	if (err || zerocopy)
		return err;
	bio_init(&bio, c->pm, NULL, 0, REQ_OP_WRITE | REQ_FUA);
	bio.bi_iter.bi_sector = (c->pm_off + at) >> SECTOR_SHIFT;
	bio_add_pfn(&bio, c->ram, (u32)MIB, 0);
	return submit_bio_wait(&bio);
}

static int n2p_pass(void *ctx, struct bench_micro_pass *p)
{
	struct n2p_ctx *c = ctx;
	u64 t0 = rdtsc();
	int err;

	for (u64 k = 0; k < MICRO_N2P_PASS; k += MIB) {
		err = n2p_chunk(c, c->done, c->zerocopy);
		if (err)
			return err;
		c->done = (c->done + MIB) % MICRO_N2P_SPAN;
	}
	micro_pass_end(p, t0, MICRO_N2P_PASS / MIB, MICRO_N2P_PASS);
	return 0;
}

static int micro_nvme_to_pmem(void)
{
	struct n2p_ctx c = { 0 };
	int err = 0;

	c.nv = micro_disk("nvme");
	c.pm = micro_disk("pmem");
	if (!c.nv || !c.pm)
		return micro_skip("nvme_to_pmem", "needs an NVMe and a pmem device");
	if (((u64)c.nv->capacity << SECTOR_SHIFT) < MICRO_N2P_SPAN ||
	    ((u64)c.pm->capacity << SECTOR_SHIFT) < MICRO_N2P_SPAN)
		return micro_skip("nvme_to_pmem", "a device is smaller than 64 MiB");
	c.ram = pfn_alloc(8, 0);
	if (pfn_t_is_null(c.ram))
		return micro_skip("nvme_to_pmem", "no memory");
	c.nv_off = bench_scratch_off(c.nv);
	c.pm_off = bench_scratch_off(c.pm);
	kprintf("bench: %s: overwriting bytes %llu-%llu (micro nvme_to_pmem)\n",
		c.pm->disk_name, (unsigned long long)c.pm_off,
		(unsigned long long)(c.pm_off + MICRO_N2P_SPAN));
	/* untimed: the host's first touch of both sparse backing files */
	for (u64 at = 0; at < MICRO_N2P_SPAN && !err; at += MIB)
		err = n2p_chunk(&c, at, true);
	if (!err) {
		c.zerocopy = true;
		err = micro_steady("nvme_to_pmem_zerocopy", n2p_pass, &c, NULL);
	}
	if (!err) {
		c.zerocopy = false;
		err = micro_steady("nvme_to_pmem_bounce", n2p_pass, &c, NULL);
	}
	pfn_free(c.ram, 8);
	if (err && err != -EINTR)
		return shell_error(err, "bench: micro nvme_to_pmem: I/O failed: -%s",
				   errno_name(err));
	return err;
}

static void lib_memcpy(void *dst, const void *src, size_t len)
{
	memcpy(dst, src, len);
}

struct copy_ctx {
	void (*fn)(void *, const void *, size_t);
	bool nt;
	void *dst;
	const void *src;
};

/* 1 MiB copies with fn for about MICRO_PASS_NS / 4. */
static int copy_pass(void *ctx, struct bench_micro_pass *p)
{
	struct copy_ctx *c = ctx;
	u64 n = 0, t0 = rdtsc(), limit = ns_to_tsc(MICRO_PASS_NS / 4);

	do {
		c->fn(c->dst, c->src, MIB);
		if (c->nt)
			persist_fence();
		n++;
	} while (rdtsc() - t0 < limit || n < 3);
	micro_pass_end(p, t0, n, n * MIB);
	return 0;
}

static int micro_memcpy(void)
{
	pfn_t a = pfn_alloc(8, 0), b = pfn_alloc(8, 0);
	const struct copy_routine *rs;
	struct bench_micro_pass best, med;
	struct copy_ctx c = { .fn = lib_memcpy };
	const char *best_name = "lib";
	unsigned nr = 0;
	char name[48], line[320];
	int err;

	if (pfn_t_is_null(a) || pfn_t_is_null(b)) {
		if (!pfn_t_is_null(a))
			pfn_free(a, 8);
		if (!pfn_t_is_null(b))
			pfn_free(b, 8);
		return micro_skip("memcpy_1m", "no memory");
	}
	c.dst = phys_to_virt(pfn_t_to_phys(a));
	c.src = phys_to_virt(pfn_t_to_phys(b));
	pattern_fill((void *)c.src, 0, MIB, 3);

	err = micro_steady("memcpy_1m_lib", copy_pass, &c, &best);
	rs = copy_routines(&nr);
	for (unsigned i = 0; i < nr && !err; i++) {
		if (!rs[i].usable)
			continue;
		c.fn = rs[i].fn;
		c.nt = rs[i].nt;
		snprintf(name, sizeof(name), "memcpy_1m_%s", rs[i].name);
		err = micro_steady(name, copy_pass, &c, &med);
		/* compare per-copy cost: ns / ops */
		if (!err && bench_mul_div(med.ns, best.ops, med.ops) < best.ns) {
			best = med;
			best_name = rs[i].name;
		}
	}
	if (!err) {
		/* the best routine's median pass: the guest's best copy bandwidth */
		bench_format_micro(line, sizeof(line), "memcpy_1m", best.ns, best.tsc, best.ops,
				   best.bytes);
		kprintf("%s routine=%s\n", line, best_name);
	}
	pfn_free(a, 8);
	pfn_free(b, 8);
	return err;
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
