/*
 * test_dma.c - host tests of the DMA mapping layer (block/dma_mapping.c,
 * block/dma_pool.c, block/dma_debug.c).
 *
 * "Physical memory" is a few host buffers at chosen physical addresses:
 * low RAM, RAM straddling 4 GiB, persistent memory above 4 GiB, memory at
 * 64 GiB and 1 TiB, and the bounce pool's chunks (two, not adjacent). The
 * copy hook translates both sides through that table, so every bounce copy
 * is checked to stay inside real buffers, and records what it did; it also
 * checks it runs outside the interrupt-off section. A fake frame allocator
 * serves dma_alloc_coherent(), and a fake symbol table names callers.
 */
#include <stdio.h>
#include <stdlib.h>
#include "block/dma_internal.h"
#include "blkdev_driver.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "mm.h"
#include "panic.h"
#include "scatterlist.h"
#include "unit.h"

/* ------------------------------------------------------------ fake memory */

#define RAM_LOW		0x00200000ULL		/* 1 MiB of RAM at 2 MiB */
#define RAM_4G		0xfff00000ULL		/* 2 MiB straddling 4 GiB */
#define PMEM_BASE	0x140000000ULL		/* 1 MiB of pmem at 5 GiB */
#define RAM_64G		0x1000000000ULL		/* 1 MiB at 64 GiB (36 bits) */
#define RAM_1T		0x10000000000ULL	/* 1 MiB at 1 TiB (40 bits) */
#define POOL0		0x01000000ULL		/* chunk 0 at 16 MiB */
#define POOL1		0x03000000ULL		/* chunk 1 at 48 MiB */

struct fake_mem {
	u64 base, size;
	u8 *buf;
};

static struct fake_mem mem[] = {
	{ RAM_LOW, 1 << 20, NULL },
	{ RAM_4G, 2 << 20, NULL },
	{ PMEM_BASE, 1 << 20, NULL },
	{ RAM_64G, 1 << 20, NULL },
	{ RAM_1T, 1 << 20, NULL },
	{ POOL0, 0, NULL },
	{ POOL1, 0, NULL },
};

static u8 *fake_va(u64 phys, size_t len)
{
	for (unsigned i = 0; i < ARRAY_SIZE(mem); i++)
		if (mem[i].buf && phys >= mem[i].base && phys - mem[i].base < mem[i].size &&
		    len <= mem[i].size - (phys - mem[i].base))
			return mem[i].buf + (phys - mem[i].base);
	return NULL;
}

static int irq_depth;
static struct {
	unsigned calls, to_pool, from_pool;
	u64 last_pfn_flags;
	u64 bytes;
} copies;

unsigned long local_irq_save(void)
{
	return (unsigned long)irq_depth++;
}

void local_irq_restore(unsigned long flags)
{
	irq_depth--;
	if ((unsigned long)irq_depth != flags)
		ktest_fail(__FILE__, __LINE__, "unbalanced local_irq_restore");
}

void dma_plat_copy(phys_addr_t bounce, pfn_t pfn, unsigned long off,
		   size_t len, bool to_pool)
{
	u8 *p = fake_va(bounce, len);
	u8 *o = fake_va(pfn_t_to_phys(pfn) + off, len);

	if (irq_depth)
		ktest_fail(__FILE__, __LINE__, "copy with interrupts off");
	if (dma_pool_addr_to_slot(&dma_pool, bounce) < 0 ||
	    dma_pool_addr_to_slot(&dma_pool, bounce + len - 1) < 0)
		ktest_fail(__FILE__, __LINE__, "copy to 0x%llx not in the pool",
			   (unsigned long long)bounce);
	if (!p || !o) {
		ktest_fail(__FILE__, __LINE__, "copy outside memory: bounce 0x%llx orig 0x%llx len %zu",
			   (unsigned long long)bounce,
			   (unsigned long long)(pfn_t_to_phys(pfn) + off), len);
		return;
	}
	copies.calls++;
	copies.bytes += len;
	copies.last_pfn_flags = pfn_t_flags(pfn);
	if (to_pool) {
		copies.to_pool++;
		memcpy(p, o, len);
	} else {
		copies.from_pool++;
		memcpy(o, p, len);
	}
}

/*
 * The device wrote [phys, phys + len) through a direct mapping: the kernel's
 * hook writes back the lines where that is persistent memory. Recorded
 * here; "lines" are counted for the fake pmem range only.
 */
static struct {
	unsigned calls;
	u64 phys, len, lines;
} dev_wrote;

u64 dma_plat_device_wrote(phys_addr_t phys, size_t len);
u64 dma_plat_device_wrote(phys_addr_t phys, size_t len)
{
	u64 n = 0;

	if (irq_depth)
		ktest_fail(__FILE__, __LINE__, "write-back with interrupts off");
	dev_wrote.calls++;
	dev_wrote.phys = phys;
	dev_wrote.len = len;
	if (phys >= PMEM_BASE && phys - PMEM_BASE < (1 << 20))
		n = (ALIGN_UP(phys + len, 64) - ALIGN_DOWN(phys, 64)) / 64;
	dev_wrote.lines += n;
	return n;
}

/* The scatterlist code's platform hooks (only these are reached). */
void *blk_init_alloc(size_t size) { return calloc(1, size); }
void blk_init_free(void *p, size_t size) { free(p); }

/* ------------------------------------------------------------ fake symbols */

static void unmap_unknown_helper(struct device *dev);
static void leaky_mapper(struct device *dev);

static const struct { void *fn; const char *name; } syms[] = {
	{ (void *)unmap_unknown_helper, "unmap_unknown_helper" },
	{ (void *)leaky_mapper, "leaky_mapper" },
};

const char *ksym_lookup(u64 addr, u64 *offset)
{
	*offset = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(syms); i++)
		if (addr >= (u64)syms[i].fn && addr - (u64)syms[i].fn < 512) {
			*offset = addr - (u64)syms[i].fn;
			return syms[i].name;
		}
	return NULL;
}

/* ------------------------------------------------------------ fake frames */

static struct {
	u64 next_normal, next_dma32;	/* pfns handed out next */
	unsigned allocs, frees;
	unsigned last_flags;
	u64 last_freed;
} frames;

pfn_t pfn_alloc(unsigned order, unsigned flags)
{
	u64 *next = flags & PFN_ALLOC_DMA32 ? &frames.next_dma32 : &frames.next_normal;
	u64 pfn = *next;

	frames.last_flags = flags;
	if (!pfn)
		return PFN_T_NULL;
	*next += 1ULL << order;
	frames.allocs++;
	return __pfn_to_pfn_t(pfn, 0);
}

void pfn_free(pfn_t pfn, unsigned order)
{
	frames.frees++;
	frames.last_freed = pfn_t_to_pfn(pfn);
}

/* ------------------------------------------------------------ setup */

static void *pool_meta;

/* A pool of two chunks of chunk_slots slots at POOL0 and POOL1. */
static void setup_pool(unsigned chunk_slots, unsigned nchunks)
{
	phys_addr_t bases[2] = { POOL0, POOL1 };

	for (unsigned i = 0; i < ARRAY_SIZE(mem); i++) {
		if (mem[i].base == POOL0 || mem[i].base == POOL1)
			mem[i].size = (mem[i].base == POOL0 || nchunks > 1) ?
				(u64)chunk_slots * DMA_SLOT_SIZE : 0;
		free(mem[i].buf);
		mem[i].buf = mem[i].size ? malloc(mem[i].size) : NULL;
		if (mem[i].buf)
			memset(mem[i].buf, 0xee, mem[i].size);
	}
	free(pool_meta);
	pool_meta = calloc(1, dma_pool_meta_size(chunk_slots * nchunks));
	dma_core_reset();
	memset(&copies, 0, sizeof(copies));
	if (dma_pool_setup(bases, nchunks, chunk_slots, pool_meta))
		abort();
	host_log_clear();
}

static void fill(u64 phys, size_t len, u8 seed)
{
	u8 *p = fake_va(phys, len);

	for (size_t i = 0; i < len; i++)
		p[i] = (u8)(seed + i * 7 + (i >> 8));
}

static bool check(u64 phys, size_t len, u8 seed)
{
	u8 *p = fake_va(phys, len);

	for (size_t i = 0; i < len; i++)
		if (p[i] != (u8)(seed + i * 7 + (i >> 8)))
			return false;
	return true;
}

static pfn_t pfn_of(u64 phys)
{
	return phys_to_pfn_t(phys, phys >= PMEM_BASE && phys < PMEM_BASE + (1 << 20) ?
				   PFN_DEV | PFN_PMEM : 0);
}

static __always_inline dma_addr_t map(struct device *dev, u64 phys, size_t len,
		      enum dma_data_direction dir)
{
	return dma_map_pfn(dev, pfn_of(phys & PAGE_MASK), phys & ~PAGE_MASK, len, dir);
}

static bool in_pool(dma_addr_t a)
{
	return dma_pool_addr_to_slot(&dma_pool, a) >= 0;
}

static struct dma_stats stats(void)
{
	struct dma_stats st;

	dma_get_stats(&st);
	return st;
}

#define DEV(n, bits) struct device n = { .name = #n, .dma_mask = DMA_BIT_MASK(bits), \
					 .coherent_dma_mask = DMA_BIT_MASK(bits) }

/* ------------------------------------------------------------ mask decisions */

KTEST(dma, range_fits_every_mask)
{
	static const struct {
		unsigned bits;
		u64 phys, len;
		bool fits;
	} t[] = {
		{ 32, 0x1000, 4096, true },
		{ 32, 0xfffff000, 4096, true },			/* ends at the mask */
		{ 32, 0xfffff000, 4097, false },		/* one byte over */
		{ 32, 0xfffffffe, 4, false },			/* straddles 4 GiB */
		{ 32, 0x100000000ULL, 1, false },
		{ 36, 0xfffff000, 8192, true },
		{ 36, 0xffffff000ULL, 4096, true },
		{ 36, 0xffffff800ULL, 4096, false },		/* straddles 64 GiB */
		{ 36, 0x1000000000ULL, 512, false },
		{ 40, 0x1000000000ULL, 512, true },
		{ 40, 0xffffffff00ULL, 0x100, true },
		{ 40, 0xffffffff00ULL, 0x101, false },
		{ 40, 0x10000000000ULL, 1, false },
		{ 64, 0x10000000000ULL, 1, true },
		{ 64, ~0ULL, 1, true },				/* the last byte */
		{ 64, ~0ULL, 2, false },			/* wraps */
		{ 32, 0x1000, 0, false },			/* empty */
	};

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++)
		if (dma_range_fits(DMA_BIT_MASK(t[i].bits), t[i].phys, t[i].len) != t[i].fits)
			ktest_fail(__FILE__, __LINE__, "case %u: mask %u phys 0x%llx len 0x%llx", i,
				   t[i].bits, (unsigned long long)t[i].phys,
				   (unsigned long long)t[i].len);
}

KTEST(dma, map_direct_or_bounced_by_mask)
{
	static const struct {
		unsigned bits;
		u64 phys;
		u32 len;
		bool bounce;
	} t[] = {
		{ 32, RAM_LOW + 0x123, 5000, false },
		{ 32, RAM_4G + 0xff000, 4096, false },		/* last page below 4 GiB */
		{ 32, RAM_4G + 0xff800, 4096, true },		/* straddles */
		{ 32, RAM_4G + 0x100000, 512, true },		/* above */
		{ 32, PMEM_BASE + 0x200, 8192, true },
		{ 36, PMEM_BASE + 0x200, 8192, false },
		{ 36, RAM_64G, 4096, true },
		{ 36, RAM_64G - 0, 1, true },
		{ 40, RAM_64G + 100, 3000, false },
		{ 40, RAM_1T, 4096, true },
		{ 64, RAM_1T + 4095, 2, false },
		{ 64, PMEM_BASE, 65536, false },
	};

	setup_pool(DMA_SEGMENT_SLOTS, 2);
	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		struct device dev = { .name = "d", .dma_mask = DMA_BIT_MASK(t[i].bits) };
		dma_addr_t a;

		fill(t[i].phys, t[i].len, (u8)i);
		a = map(&dev, t[i].phys, t[i].len, DMA_TO_DEVICE);
		KT_ASSERT(!dma_mapping_error(&dev, a));
		KT_EXPECT_EQ(dma_would_bounce(&dev, t[i].phys, t[i].len), t[i].bounce);
		if (t[i].bounce) {
			KT_EXPECT(in_pool(a));
			KT_EXPECT(check(a, t[i].len, (u8)i));	/* copied in */
			KT_EXPECT_EQ(dev.dma_stats.maps_bounced, 1);
		} else {
			KT_EXPECT_EQ(a, t[i].phys);
			KT_EXPECT_EQ(dev.dma_stats.maps_direct, 1);
		}
		KT_EXPECT(dma_range_fits(dev.dma_mask, a, t[i].len));
		dma_unmap_pfn(&dev, a, t[i].len, DMA_TO_DEVICE);
		KT_EXPECT_EQ(stats().slots_used, 0);
	}
	KT_EXPECT_EQ(stats().live, 0);
}

KTEST(dma, force_bounces_everything)
{
	DEV(dev, 64);
	dma_addr_t a;

	setup_pool(DMA_SEGMENT_SLOTS, 1);
	dev.dma_force_bounce = true;
	a = map(&dev, RAM_LOW, 100, DMA_TO_DEVICE);
	KT_EXPECT(in_pool(a));
	dma_unmap_pfn(&dev, a, 100, DMA_TO_DEVICE);
	dev.dma_force_bounce = false;
	a = map(&dev, RAM_LOW, 100, DMA_TO_DEVICE);
	KT_EXPECT_EQ(a, RAM_LOW);
	dma_unmap_pfn(&dev, a, 100, DMA_TO_DEVICE);
	dma_set_force_bounce(true);
	KT_EXPECT(stats().force);
	a = map(&dev, RAM_LOW, 100, DMA_TO_DEVICE);
	KT_EXPECT(in_pool(a));
	/* turning force off with a bounce live: unmap still finds it */
	dma_set_force_bounce(false);
	dma_unmap_pfn(&dev, a, 100, DMA_TO_DEVICE);
	KT_EXPECT_EQ(stats().slots_used, 0);
	KT_EXPECT_EQ(stats().maps_bounced, 2);
	KT_EXPECT_EQ(stats().maps_direct, 1);
}

/* ------------------------------------------------------------ bounce copies */

KTEST(dma, bounce_copies_by_direction)
{
	static const enum dma_data_direction dirs[] = {
		DMA_TO_DEVICE, DMA_FROM_DEVICE, DMA_BIDIRECTIONAL,
	};
	DEV(dev, 32);

	setup_pool(DMA_SEGMENT_SLOTS, 2);
	for (unsigned i = 0; i < ARRAY_SIZE(dirs); i++) {
		u64 orig = PMEM_BASE + 0x3000 + 0x40 * i;
		size_t len = 10000;
		dma_addr_t a;

		fill(orig, len, 1);
		memset(&copies, 0, sizeof(copies));
		a = map(&dev, orig, len, dirs[i]);
		KT_ASSERT(in_pool(a));
		/* copied in for every direction (no stale pool bytes) */
		KT_EXPECT_EQ(copies.to_pool, 1);
		KT_EXPECT_EQ(copies.last_pfn_flags, PFN_DEV | PFN_PMEM);
		KT_EXPECT(check(a, len, 1));
		fill(a, len, 2);			/* the "device" writes */
		dma_unmap_pfn(&dev, a, len, dirs[i]);
		if (dirs[i] == DMA_TO_DEVICE) {
			KT_EXPECT_EQ(copies.from_pool, 0);
			KT_EXPECT(check(orig, len, 1));
		} else {
			KT_EXPECT_EQ(copies.from_pool, 1);
			KT_EXPECT(check(orig, len, 2));
		}
	}
	KT_EXPECT_EQ(stats().bytes_bounced_in, 30000);
	KT_EXPECT_EQ(stats().bytes_bounced_out, 20000);
}

KTEST(dma, offset_beyond_a_page_and_sub_range_sync)
{
	DEV(dev, 32);
	u64 orig = RAM_4G + 0x100000 + 3 * PAGE_SIZE + 0x10;	/* above 4 GiB */
	dma_addr_t a;

	setup_pool(DMA_SEGMENT_SLOTS, 2);
	fill(orig, 6000, 3);
	a = dma_map_pfn(&dev, pfn_of(RAM_4G + 0x100000), 3 * PAGE_SIZE + 0x10, 6000,
			DMA_BIDIRECTIONAL);
	KT_ASSERT(in_pool(a));
	KT_EXPECT(check(a, 6000, 3));
	/* device writes the middle; the CPU takes just that part */
	fill(a + 1000, 2000, 4);
	dma_sync_single_for_cpu(&dev, a + 1000, 2000, DMA_BIDIRECTIONAL);
	KT_EXPECT(check(orig + 1000, 2000, 4));
	KT_EXPECT(check(orig, 1000, 3));
	/* CPU rewrites the start; the device gets it */
	fill(orig, 500, 5);
	dma_sync_single_for_device(&dev, a, 500, DMA_BIDIRECTIONAL);
	KT_EXPECT(check(a, 500, 5));
	/* a sync past the mapping's end is refused, changing nothing */
	memset(&copies, 0, sizeof(copies));
	dma_sync_single_for_cpu(&dev, a + 5000, 2000, DMA_BIDIRECTIONAL);
	KT_EXPECT_EQ(copies.calls, 0);
	KT_EXPECT(host_log_contains("not inside a live bounce mapping"));
	dma_unmap_pfn(&dev, a, 6000, DMA_BIDIRECTIONAL);
}

KTEST(dma, sync_directions)
{
	DEV(dev, 32);
	dma_addr_t a, b;

	setup_pool(DMA_SEGMENT_SLOTS, 1);
	a = map(&dev, PMEM_BASE, 4096, DMA_TO_DEVICE);
	b = map(&dev, PMEM_BASE + 8192, 4096, DMA_FROM_DEVICE);
	memset(&copies, 0, sizeof(copies));
	dma_sync_single_for_cpu(&dev, a, 4096, DMA_TO_DEVICE);		/* nothing to take */
	dma_sync_single_for_device(&dev, b, 4096, DMA_FROM_DEVICE);	/* nothing to give */
	KT_EXPECT_EQ(copies.calls, 0);
	dma_sync_single_for_device(&dev, a, 4096, DMA_TO_DEVICE);
	dma_sync_single_for_cpu(&dev, b, 4096, DMA_FROM_DEVICE);
	KT_EXPECT_EQ(copies.to_pool, 1);
	KT_EXPECT_EQ(copies.from_pool, 1);
	/* direct mappings: no copies at all */
	dev.dma_mask = DMA_BIT_MASK(64);
	dma_addr_t c = map(&dev, PMEM_BASE + 16384, 4096, DMA_FROM_DEVICE);
	KT_EXPECT_EQ(c, PMEM_BASE + 16384);
	dma_sync_single_for_cpu(&dev, c, 4096, DMA_FROM_DEVICE);
	dma_unmap_pfn(&dev, c, 4096, DMA_FROM_DEVICE);
	KT_EXPECT_EQ(copies.calls, 2);
	dev.dma_mask = DMA_BIT_MASK(32);
	dma_unmap_pfn(&dev, a, 4096, DMA_TO_DEVICE);
	dma_unmap_pfn(&dev, b, 4096, DMA_FROM_DEVICE);
	KT_EXPECT_EQ(stats().slots_used, 0);
}

/* ------------------------------------------------------------ slot allocator */

KTEST(dma, pool_exhaustion_is_an_error_not_corruption)
{
	DEV(dev, 32);
	unsigned n = 2 * DMA_SEGMENT_SLOTS;
	dma_addr_t a[2 * DMA_SEGMENT_SLOTS], extra;

	setup_pool(DMA_SEGMENT_SLOTS, 2);
	for (unsigned i = 0; i < n; i++) {
		fill(PMEM_BASE + i * DMA_SLOT_SIZE, DMA_SLOT_SIZE, (u8)i);
		a[i] = map(&dev, PMEM_BASE + i * DMA_SLOT_SIZE, DMA_SLOT_SIZE, DMA_TO_DEVICE);
		KT_ASSERT(in_pool(a[i]));
	}
	KT_EXPECT_EQ(stats().slots_used, n);
	extra = map(&dev, PMEM_BASE, 1, DMA_TO_DEVICE);
	KT_EXPECT(dma_mapping_error(&dev, extra));
	KT_EXPECT_EQ(stats().pool_full, 1);
	KT_EXPECT_EQ(dev.dma_stats.map_errors, 1);
	for (unsigned i = 0; i < n; i++)
		if (!check(a[i], DMA_SLOT_SIZE, (u8)i))
			ktest_fail(__FILE__, __LINE__, "slot %u corrupted", i);
	/* one freed slot serves the next mapping */
	dma_unmap_pfn(&dev, a[7], DMA_SLOT_SIZE, DMA_TO_DEVICE);
	extra = map(&dev, PMEM_BASE, 100, DMA_TO_DEVICE);
	KT_EXPECT_EQ(extra, a[7]);
	dma_unmap_pfn(&dev, extra, 100, DMA_TO_DEVICE);
	for (unsigned i = 0; i < n; i++)
		if (i != 7)
			dma_unmap_pfn(&dev, a[i], DMA_SLOT_SIZE, DMA_TO_DEVICE);
	KT_EXPECT_EQ(stats().slots_used, 0);
	KT_EXPECT_EQ(stats().slots_peak, n);
	KT_EXPECT_EQ(stats().live, 0);
}

KTEST(dma, fragmentation_and_freeing)
{
	DEV(dev, 32);
	unsigned n = DMA_SEGMENT_SLOTS;
	dma_addr_t a[DMA_SEGMENT_SLOTS], big;

	setup_pool(DMA_SEGMENT_SLOTS, 1);
	for (unsigned i = 0; i < n; i++)
		a[i] = map(&dev, RAM_4G + 0x100000 + i * 64, 64, DMA_FROM_DEVICE);
	for (unsigned i = 0; i < n; i += 2)
		dma_unmap_pfn(&dev, a[i], 64, DMA_FROM_DEVICE);
	KT_EXPECT_EQ(stats().slots_used, n / 2);
	/* half the pool is free, but no two free slots touch */
	big = map(&dev, RAM_4G + 0x100000, DMA_SLOT_SIZE + 1, DMA_FROM_DEVICE);
	KT_EXPECT(dma_mapping_error(&dev, big));
	KT_EXPECT_EQ(stats().pool_full, 1);
	/* free slot 41's neighbours' neighbour: 40..42 free, a 2-slot run fits */
	dma_unmap_pfn(&dev, a[41], 64, DMA_FROM_DEVICE);
	big = map(&dev, RAM_4G + 0x100000, DMA_SLOT_SIZE + 1, DMA_FROM_DEVICE);
	KT_ASSERT(!dma_mapping_error(&dev, big));
	KT_EXPECT(big == POOL0 + 40 * DMA_SLOT_SIZE || big == POOL0 + 41 * DMA_SLOT_SIZE);
	dma_unmap_pfn(&dev, big, DMA_SLOT_SIZE + 1, DMA_FROM_DEVICE);
	for (unsigned i = 1; i < n; i += 2)
		if (i != 41)
			dma_unmap_pfn(&dev, a[i], 64, DMA_FROM_DEVICE);
	KT_EXPECT_EQ(stats().slots_used, 0);
	/* everything free again: a whole segment fits */
	big = map(&dev, RAM_4G + 0x100000, DMA_SEGMENT_SIZE, DMA_FROM_DEVICE);
	KT_EXPECT_EQ(big, POOL0);
	dma_unmap_pfn(&dev, big, DMA_SEGMENT_SIZE, DMA_FROM_DEVICE);
}

KTEST(dma, alignment_kept_under_min_align_mask)
{
	static const u64 masks[] = { 0, 511, 4095, 8191 };
	static const u32 lens[] = { 1, 512, 2048, 4095, 4096, 4097, 65536, 100000 };
	static const u32 offs[] = { 0, 8, 512, 2047, 2048, 3000, 4095 };

	setup_pool(2 * DMA_SEGMENT_SLOTS, 2);
	for (unsigned m = 0; m < ARRAY_SIZE(masks); m++)
		for (unsigned l = 0; l < ARRAY_SIZE(lens); l++)
			for (unsigned o = 0; o < ARRAY_SIZE(offs); o++) {
				struct device dev = { .name = "al", .dma_mask = DMA_BIT_MASK(32),
						      .dma_min_align_mask = masks[m] };
				u64 orig = PMEM_BASE + 0x10000 + offs[o];
				dma_addr_t a = map(&dev, orig, lens[l], DMA_TO_DEVICE);
				long s;

				KT_ASSERT(in_pool(a));
				s = dma_pool_addr_to_slot(&dma_pool, a);
				if ((a & masks[m]) != (orig & masks[m]))
					ktest_fail(__FILE__, __LINE__, "mask %llx off %u: bounce 0x%llx",
						   (unsigned long long)masks[m], offs[o],
						   (unsigned long long)a);
				if (!masks[m] && !IS_ALIGNED(a, lens[l] >= PAGE_SIZE ?
							     PAGE_SIZE : DMA_SLOT_SIZE))
					ktest_fail(__FILE__, __LINE__, "no mask len %u: bounce 0x%llx",
						   lens[l], (unsigned long long)a);
				/* the run stays in one segment */
				KT_EXPECT_EQ((u64)s / DMA_SEGMENT_SLOTS,
					     (u64)dma_pool_addr_to_slot(&dma_pool, a + lens[l] - 1) /
					     DMA_SEGMENT_SLOTS);
				dma_unmap_pfn(&dev, a, lens[l], DMA_TO_DEVICE);
			}
	KT_EXPECT_EQ(stats().slots_used, 0);
	KT_EXPECT_EQ(stats().map_errors, 0);
}

KTEST(dma, runs_never_cross_segments_or_chunks)
{
	DEV(dev, 32);
	dma_addr_t a[8];
	size_t len = 200 * 1024;	/* 100 slots: one per segment */

	setup_pool(2 * DMA_SEGMENT_SLOTS, 2);	/* 4 segments in 2 chunks */
	for (unsigned i = 0; i < 4; i++) {
		a[i] = map(&dev, PMEM_BASE, len, DMA_TO_DEVICE);
		KT_ASSERT(in_pool(a[i]));
		KT_EXPECT(IS_ALIGNED(a[i] - (a[i] >= POOL1 ? POOL1 : POOL0),
				     (u64)DMA_SEGMENT_SIZE));
		for (unsigned j = 0; j < i; j++)
			KT_EXPECT(a[i] != a[j]);
	}
	/* 28 slots free in each segment, but not 100 in a row */
	KT_EXPECT(dma_mapping_error(&dev, map(&dev, PMEM_BASE, len, DMA_TO_DEVICE)));
	a[4] = map(&dev, PMEM_BASE, 28 * DMA_SLOT_SIZE, DMA_TO_DEVICE);
	KT_EXPECT(!dma_mapping_error(&dev, a[4]));
	dma_unmap_pfn(&dev, a[4], 28 * DMA_SLOT_SIZE, DMA_TO_DEVICE);
	for (unsigned i = 0; i < 4; i++)
		dma_unmap_pfn(&dev, a[i], len, DMA_TO_DEVICE);
	/* larger than a segment: refused at once */
	KT_EXPECT(dma_mapping_error(&dev, map(&dev, PMEM_BASE, DMA_SEGMENT_SIZE + 1,
					      DMA_TO_DEVICE)));
	KT_EXPECT(host_log_contains("longer than 262144"));
	dev.dma_min_align_mask = 4095;
	KT_EXPECT_EQ(dma_max_mapping_size(&dev), DMA_SEGMENT_SIZE - 4096);
	KT_EXPECT(dma_mapping_error(&dev, map(&dev, PMEM_BASE, DMA_SEGMENT_SIZE - 4095,
					      DMA_TO_DEVICE)));
	a[0] = map(&dev, PMEM_BASE + 4095, DMA_SEGMENT_SIZE - 4096, DMA_TO_DEVICE);
	KT_EXPECT(!dma_mapping_error(&dev, a[0]));
	dma_unmap_pfn(&dev, a[0], DMA_SEGMENT_SIZE - 4096, DMA_TO_DEVICE);
	KT_EXPECT_EQ(stats().slots_used, 0);
}

KTEST(dma, pool_beyond_a_small_mask)
{
	struct device d25 = { .name = "d25", .dma_mask = POOL1 - 1 };	/* chunk 0 only */
	struct device d24 = { .name = "d24", .dma_mask = DMA_BIT_MASK(24) };	/* neither */
	dma_addr_t a[DMA_SEGMENT_SLOTS];

	setup_pool(DMA_SEGMENT_SLOTS, 2);
	for (unsigned i = 0; i < DMA_SEGMENT_SLOTS; i++) {
		a[i] = map(&d25, PMEM_BASE, 2048, DMA_TO_DEVICE);
		KT_ASSERT(in_pool(a[i]));
		KT_EXPECT(a[i] < POOL1);
	}
	/* chunk 1 is free but out of reach: full for this device */
	KT_EXPECT(dma_mapping_error(&d25, map(&d25, PMEM_BASE, 2048, DMA_TO_DEVICE)));
	KT_EXPECT_EQ(stats().pool_full, 1);
	for (unsigned i = 0; i < DMA_SEGMENT_SLOTS; i++)
		dma_unmap_pfn(&d25, a[i], 2048, DMA_TO_DEVICE);
	/* no slot could ever serve a 24-bit device: an error, logged */
	host_log_clear();
	KT_EXPECT(dma_mapping_error(&d24, map(&d24, PMEM_BASE, 2048, DMA_TO_DEVICE)));
	KT_EXPECT(host_log_contains("no bounce slots under mask 0xffffff"));
	KT_EXPECT_EQ(stats().slots_used, 0);
}

/*
 * What a driver sizes its queue limits by: whether a device may bounce at
 * all (forced, or a mask below the end of memory), and how many segments of
 * the pool lie under its mask. As many mappings of the longest bounce (with
 * any start offset) as there are such segments always fit an empty pool,
 * wherever the allocator's cursor stands.
 */
KTEST(dma, bounce_limits_for_queue_limits)
{
	struct device d25 = { .name = "d25", .dma_mask = POOL1 - 1 };	/* chunk 0 only */
	struct device nvme = { .name = "nvme", .dma_mask = DMA_BIT_MASK(64),
			       .dma_min_align_mask = 4095, .dma_force_bounce = true };
	static const u32 offs[] = { 0, 2048 + 512, 4092 };
	dma_addr_t a[4];
	size_t max = dma_max_mapping_size(&nvme);
	DEV(d64, 64);
	DEV(d32, 32);
	DEV(d24, 24);

	setup_pool(2 * DMA_SEGMENT_SLOTS, 2);
	/* nothing said about memory yet: any mask below 64 bits may bounce */
	KT_EXPECT(!dma_may_bounce(&d64));
	KT_EXPECT(dma_may_bounce(&d32));
	dma_set_memory_top(RAM_1T + (1 << 20) - 1);
	KT_EXPECT(!dma_may_bounce(&d64));
	KT_EXPECT(dma_may_bounce(&d32));
	dma_set_memory_top(0xffffffffULL);		/* everything below 4 GiB */
	KT_EXPECT(!dma_may_bounce(&d32));
	KT_EXPECT(dma_may_bounce(&d24));
	KT_EXPECT(dma_may_bounce(&nvme));		/* forced for the device */
	dma_set_force_bounce(true);
	KT_EXPECT(dma_may_bounce(&d32));
	dma_set_force_bounce(false);

	KT_EXPECT_EQ(dma_max_bounce_segments(&d64), 4);
	KT_EXPECT_EQ(dma_max_bounce_segments(&nvme), 4);
	KT_EXPECT_EQ(dma_max_bounce_segments(&d25), 2);
	KT_EXPECT_EQ(dma_max_bounce_segments(&d24), 0);

	KT_ASSERT_EQ(max, DMA_SEGMENT_SIZE - 4096);
	for (unsigned c = 0; c < dma_pool.nslots; c += 5)
		for (unsigned o = 0; o < ARRAY_SIZE(offs); o++) {
			dma_pool.cursor = c;
			for (unsigned i = 0; i < 4; i++) {
				a[i] = map(&nvme, PMEM_BASE + offs[o], max, DMA_TO_DEVICE);
				if (dma_mapping_error(&nvme, a[i])) {
					ktest_fail(__FILE__, __LINE__, "cursor %u offset %u: mapping %u failed",
						   c, offs[o], i);
					break;
				}
				KT_EXPECT_EQ(a[i] & 4095, offs[o]);
			}
			for (unsigned i = 0; i < 4 && !dma_mapping_error(&nvme, a[i]); i++)
				dma_unmap_pfn(&nvme, a[i], max, DMA_TO_DEVICE);
		}
	KT_EXPECT_EQ(stats().slots_used, 0);
	dma_pool_teardown();
	KT_EXPECT_EQ(dma_max_bounce_segments(&d64), 0);
}

KTEST(dma, slot_allocator_random_against_shadow)
{
	struct prng r = { 12345 };
	struct { long head; unsigned n; } live[64];
	u8 shadow[2 * DMA_SEGMENT_SLOTS * 2] = { 0 };
	unsigned nlive = 0;

	setup_pool(2 * DMA_SEGMENT_SLOTS, 2);
	for (unsigned step = 0; step < 20000; step++) {
		if (nlive < ARRAY_SIZE(live) && (prng_next(&r) & 1)) {
			size_t len = 1 + prng_next(&r) % (prng_next(&r) & 1 ? 4096 : 65536);
			u64 mask = (u64[]){ 0, 4095, 511 }[prng_next(&r) % 3];
			phys_addr_t orig = prng_next(&r) & 0xffffff, b;
			long h = dma_pool_alloc(&dma_pool, orig, len, mask, ~0ULL, &b);

			if (h == -ENOSPC)
				continue;
			KT_ASSERT(h >= 0);
			KT_ASSERT_EQ(b & mask, orig & mask);
			live[nlive].head = h;
			live[nlive].n = dma_pool.slots[h].nslots;
			KT_ASSERT(live[nlive].n * (u64)DMA_SLOT_SIZE >= len);
			KT_ASSERT_EQ(b, dma_pool_slot_addr(&dma_pool, h) + dma_pool.slots[h].bounce_off);
			for (unsigned j = h; j < h + live[nlive].n; j++) {
				KT_ASSERT(!shadow[j]);
				shadow[j] = 1;
			}
			nlive++;
		} else if (nlive) {
			unsigned k = prng_next(&r) % nlive;

			for (unsigned j = live[k].head; j < live[k].head + live[k].n; j++)
				shadow[j] = 0;
			dma_pool_free(&dma_pool, live[k].head);
			live[k] = live[--nlive];
		}
	}
	while (nlive)
		dma_pool_free(&dma_pool, live[--nlive].head);
	KT_EXPECT_EQ(dma_pool.used, 0);
	for (unsigned i = 0; i < dma_pool.nslots; i++)
		KT_ASSERT(!(dma_pool.bitmap[i / 64] & BIT(i % 64)));
}

KTEST(dma, pool_setup_rejects_bad_geometry)
{
	phys_addr_t ok[2] = { POOL0, POOL1 }, odd[1] = { POOL0 + 4096 };
	static u64 meta[4096];

	setup_pool(DMA_SEGMENT_SLOTS, 1);
	KT_EXPECT_EQ(dma_pool_setup(ok, 0, DMA_SEGMENT_SLOTS, meta), -EINVAL);
	KT_EXPECT_EQ(dma_pool_setup(ok, 2, DMA_SEGMENT_SLOTS + 1, meta), -EINVAL);
	KT_EXPECT_EQ(dma_pool_setup(ok, 1, 0, meta), -EINVAL);
	KT_EXPECT_EQ(dma_pool_setup(odd, 1, DMA_SEGMENT_SLOTS, meta), -EINVAL);
	KT_EXPECT_EQ(dma_pool_setup(ok, DMA_POOL_MAX_CHUNKS + 1, DMA_SEGMENT_SLOTS, meta), -EINVAL);
	KT_EXPECT_EQ(dma_pool_setup(ok, 1, DMA_SEGMENT_SLOTS, NULL), -EINVAL);
	/* the earlier pool is untouched by the refusals */
	KT_EXPECT_EQ(stats().slots, DMA_SEGMENT_SLOTS);
	KT_EXPECT_EQ(stats().pool_lowest, POOL0);
	/* no pool at all: a bounce fails loudly, a direct mapping works */
	dma_pool_teardown();
	DEV(dev, 32);
	KT_EXPECT(dma_mapping_error(&dev, map(&dev, PMEM_BASE, 512, DMA_TO_DEVICE)));
	KT_EXPECT(host_log_contains("there is no pool"));
	dma_addr_t a = map(&dev, RAM_LOW, 512, DMA_TO_DEVICE);
	KT_EXPECT_EQ(a, RAM_LOW);
	dma_unmap_pfn(&dev, a, 512, DMA_TO_DEVICE);
}

/* ------------------------------------------------------------ bad input */

KTEST(dma, bad_input_refused)
{
	DEV(dev, 32);
	struct device nomask = { .name = "nomask" };

	setup_pool(DMA_SEGMENT_SLOTS, 1);
	KT_EXPECT(dma_mapping_error(&dev, map(&dev, RAM_LOW, 0, DMA_TO_DEVICE)));
	KT_EXPECT(dma_mapping_error(&dev, map(&dev, RAM_LOW, 16, DMA_NONE)));
	KT_EXPECT(dma_mapping_error(&dev, map(&dev, RAM_LOW, 16, (enum dma_data_direction)7)));
	KT_EXPECT(dma_mapping_error(&nomask, map(&nomask, RAM_LOW, 16, DMA_TO_DEVICE)));
	KT_EXPECT(dma_mapping_error(NULL, map(NULL, RAM_LOW, 16, DMA_TO_DEVICE)));
	KT_EXPECT(dma_mapping_error(&dev, dma_map_pfn(&dev, __pfn_to_pfn_t(PFN_PFN_MASK, 0),
						      0, 1ULL << 40, DMA_TO_DEVICE)));
	KT_EXPECT(host_log_contains("bad mapping"));
	KT_EXPECT_EQ(dev.dma_stats.map_errors, 4);
	KT_EXPECT_EQ(stats().live, 0);
	KT_EXPECT_EQ(stats().slots_used, 0);
	KT_EXPECT_EQ(dma_set_mask(&dev, DMA_BIT_MASK(16)), -EIO);
	KT_EXPECT_EQ(dev.dma_mask, DMA_BIT_MASK(32));
	KT_EXPECT_EQ(dma_set_mask_and_coherent(&dev, DMA_BIT_MASK(36)), 0);
	KT_EXPECT_EQ(dev.coherent_dma_mask, DMA_BIT_MASK(36));
}

KTEST(dma, bad_bounce_unmap_changes_nothing)
{
	DEV(dev, 32);
	dma_addr_t a;

	setup_pool(DMA_SEGMENT_SLOTS, 1);
	a = map(&dev, PMEM_BASE, 8192, DMA_FROM_DEVICE);
	KT_ASSERT(in_pool(a));
	memset(&copies, 0, sizeof(copies));
	dma_unmap_pfn(&dev, a + 2048, 4096, DMA_FROM_DEVICE);	/* inside, not the start */
	dma_unmap_pfn(&dev, POOL0 + 100 * DMA_SLOT_SIZE, 512, DMA_FROM_DEVICE);	/* free slot */
	KT_EXPECT_EQ(copies.calls, 0);
	KT_EXPECT(host_log_contains("not a live bounce mapping"));
	KT_EXPECT_EQ(stats().slots_used, 4);
	/* a length mismatch is reported; the recorded length is what is copied and freed */
	dma_unmap_pfn(&dev, a, 100, DMA_FROM_DEVICE);
	KT_EXPECT(host_log_contains("mapped len 8192"));
	KT_EXPECT_EQ(copies.bytes, 8192);
	KT_EXPECT_EQ(stats().slots_used, 0);
	/* unmapping it again is caught */
	host_log_clear();
	dma_unmap_pfn(&dev, a, 8192, DMA_FROM_DEVICE);
	KT_EXPECT(host_log_contains("not a live bounce mapping"));
	KT_EXPECT_EQ(stats().slots_used, 0);
}

/* ------------------------------------------------------------ scatterlists */

KTEST(dma, sg_many_entries_chained)
{
	DEV(dev, 32);
	struct scatterlist a[40], b[40];
	unsigned n = 39 + 40;
	struct scatterlist *sg;
	int i, got;

	setup_pool(2 * DMA_SEGMENT_SLOTS, 2);
	sg_init_table(a, 40);
	sg_init_table(b, 40);
	sg_chain(a, 40, b);
	for_each_sg(a, sg, n, i) {
		/* alternately below 4 GiB (direct) and pmem (bounced) */
		u64 phys = i & 1 ? PMEM_BASE + i * 5000 : RAM_LOW + i * 3000;

		sg_set_pfn(sg, pfn_of(phys & PAGE_MASK), 1000 + i * 37, phys & ~PAGE_MASK);
		fill(phys, sg->length, (u8)i);
	}
	got = dma_map_sg(&dev, a, (int)n, DMA_BIDIRECTIONAL);
	KT_ASSERT_EQ(got, n);
	KT_EXPECT_EQ(stats().live, n);
	for_each_sg(a, sg, n, i) {
		KT_EXPECT_EQ(sg_dma_len(sg), sg->length);
		if (i & 1) {
			KT_EXPECT(in_pool(sg_dma_address(sg)));
			KT_EXPECT(check(sg_dma_address(sg), sg->length, (u8)i));
			fill(sg_dma_address(sg), sg->length, (u8)(i + 100));
		} else {
			KT_EXPECT_EQ(sg_dma_address(sg), sg_phys(sg));
		}
	}
	dma_unmap_sg(&dev, a, (int)n, DMA_BIDIRECTIONAL);
	for_each_sg(a, sg, n, i)
		if (i & 1)
			KT_EXPECT(check(sg_phys(sg), sg->length, (u8)(i + 100)));
	KT_EXPECT_EQ(stats().live, 0);
	KT_EXPECT_EQ(stats().slots_used, 0);
}

KTEST(dma, sg_failure_leaves_nothing_mapped)
{
	DEV(dev, 32);
	struct scatterlist sgl[8], *sg;
	int i;

	setup_pool(DMA_SEGMENT_SLOTS, 1);
	dma_debug_enable(true);
	sg_init_table(sgl, 8);
	for_each_sg(sgl, sg, 8, i)	/* 8 x 48 KiB > 256 KiB: the 6th fails */
		sg_set_pfn(sg, pfn_of(PMEM_BASE), 48 * 1024, 0);
	fill(PMEM_BASE, 48 * 1024, 9);
	memset(&copies, 0, sizeof(copies));
	KT_EXPECT_EQ(dma_map_sg(&dev, sgl, 8, DMA_FROM_DEVICE), 0);
	KT_EXPECT_EQ(stats().slots_used, 0);
	KT_EXPECT_EQ(stats().live, 0);
	KT_EXPECT_EQ(stats().debug_tracked, 0);
	KT_EXPECT_EQ(dma_debug_errors(), 0);
	KT_EXPECT_EQ(copies.from_pool, 0);		/* nothing copied back */
	KT_EXPECT(check(PMEM_BASE, 48 * 1024, 9));
	/* a list shorter than nents, and nents 0 */
	sg_init_table(sgl, 2);
	sg_set_pfn(&sgl[0], pfn_of(PMEM_BASE), 100, 0);
	sg_set_pfn(&sgl[1], pfn_of(RAM_LOW), 100, 0);
	KT_EXPECT_EQ(dma_map_sg(&dev, sgl, 3, DMA_FROM_DEVICE), 0);
	KT_EXPECT(host_log_contains("list ends after 2 of 3"));
	KT_EXPECT_EQ(dma_map_sg(&dev, sgl, 0, DMA_FROM_DEVICE), 0);
	KT_EXPECT_EQ(stats().slots_used, 0);
	KT_EXPECT_EQ(stats().live, 0);
	dma_debug_enable(false);
}

/* __dma_map_sg() tells a full pool (transient) from a list that can never
 * be mapped. */
KTEST(dma, sg_map_says_why)
{
	DEV(dev, 32);
	struct scatterlist sgl[8], *sg;
	int i;

	DEV(other, 32);
	dma_addr_t held;

	setup_pool(DMA_SEGMENT_SLOTS, 1);
	sg_init_table(sgl, 8);
	for_each_sg(sgl, sg, 8, i)
		sg_set_pfn(sg, pfn_of(PMEM_BASE), 48 * 1024, 0);
	/* 5 x 48 KiB fit the empty pool, but not while another device holds
	 * 200 KiB of it: just now (transient) */
	held = map(&other, PMEM_BASE, 200 * 1024, DMA_TO_DEVICE);
	KT_ASSERT(in_pool(held));
	KT_EXPECT_EQ(__dma_map_sg(&dev, sgl, 5, DMA_TO_DEVICE), -ENOMEM);
	KT_EXPECT_EQ(stats().slots_used, 100);
	dma_unmap_pfn(&other, held, 200 * 1024, DMA_TO_DEVICE);
	KT_EXPECT_EQ(__dma_map_sg(&dev, sgl, 5, DMA_TO_DEVICE), 5);
	dma_unmap_sg(&dev, sgl, 5, DMA_TO_DEVICE);
	/* 8 x 48 KiB = 192 slots > 128: never, whatever comes back; logged */
	host_log_clear();
	KT_EXPECT_EQ(__dma_map_sg(&dev, sgl, 8, DMA_TO_DEVICE), -EINVAL);
	KT_EXPECT(host_log_contains("dma: dev: 8 entries need 192 bounce slots, the pool can hold 128"));
	KT_EXPECT_EQ(stats().slots_used, 0);
	/* longer than a bounce may be: never */
	sg_init_table(sgl, 1);
	sg_set_pfn(&sgl[0], pfn_of(PMEM_BASE), DMA_SEGMENT_SIZE + 4096, 0);
	KT_EXPECT_EQ(__dma_map_sg(&dev, sgl, 1, DMA_TO_DEVICE), -EINVAL);
	KT_EXPECT_EQ(__dma_map_sg(&dev, sgl, 0, DMA_TO_DEVICE), -EINVAL);
	KT_EXPECT_EQ(stats().slots_used, 0);
	/* no pool at all: never */
	dma_pool_teardown();
	sg_set_pfn(&sgl[0], pfn_of(PMEM_BASE), 4096, 0);
	KT_EXPECT_EQ(__dma_map_sg(&dev, sgl, 1, DMA_TO_DEVICE), -EINVAL);
}

/*
 * A list abandoned to a device that may still use it keeps its slots for
 * good: they stay used, count as lost, are never handed out, and stop
 * counting as capacity. A list that needs more than what is left, or one
 * entry that needs a run the lost slots cut everywhere, is -EINVAL (logged)
 * even though the pool is merely full; one that fits what is left is still
 * a transient -ENOMEM while others hold slots.
 */
KTEST(dma, abandoned_slots_never_waited_for)
{
	DEV(dev, 32);
	DEV(other, 32);
	struct device nvme = { .name = "nvme", .dma_mask = DMA_BIT_MASK(64),
			       .dma_min_align_mask = 4095, .dma_force_bounce = true };
	struct scatterlist lost[2], sgl[2], one[1];
	dma_addr_t held, a;

	setup_pool(DMA_SEGMENT_SLOTS, 1);
	sg_init_table(lost, 2);
	sg_set_pfn(&lost[0], pfn_of(PMEM_BASE), 48 * 1024, 0);
	sg_set_pfn(&lost[1], pfn_of(PMEM_BASE + 65536), 48 * 1024, 0);
	KT_ASSERT_EQ(__dma_map_sg(&dev, lost, 2, DMA_FROM_DEVICE), 2);
	dma_abandon_sg(&dev, lost, 2, DMA_FROM_DEVICE);
	KT_EXPECT_EQ(stats().slots_used, 48);
	KT_EXPECT_EQ(stats().slots_lost, 48);
	KT_EXPECT_EQ(stats().live, 2);
	KT_EXPECT_EQ(dma_pool_usable(&dma_pool, DMA_BIT_MASK(32)), 80);
	/* an unmap of it now is a misuse and changes nothing */
	host_log_clear();
	dma_unmap_sg(&dev, lost, 2, DMA_FROM_DEVICE);
	KT_EXPECT(host_log_contains("not a live bounce mapping"));
	KT_EXPECT_EQ(stats().slots_lost, 48);
	KT_EXPECT_EQ(stats().slots_used, 48);

	/* 2 x 84 KiB = 84 slots > 80 that can ever be free: never */
	sg_init_table(sgl, 2);
	sg_set_pfn(&sgl[0], pfn_of(PMEM_BASE), 84 * 1024, 0);
	sg_set_pfn(&sgl[1], pfn_of(PMEM_BASE + 86016), 84 * 1024, 0);
	host_log_clear();
	KT_EXPECT_EQ(__dma_map_sg(&dev, sgl, 2, DMA_TO_DEVICE), -EINVAL);
	KT_EXPECT(host_log_contains("dma: dev: 2 entries need 84 bounce slots, the pool can hold 80 (48 kept out for good)"));

	/* 64 KiB fits what is left, but not while another device holds 60 */
	held = map(&other, PMEM_BASE, 120 * 1024, DMA_TO_DEVICE);
	KT_ASSERT(in_pool(held));
	sg_init_table(one, 1);
	sg_set_pfn(&one[0], pfn_of(PMEM_BASE), 64 * 1024, 0);
	KT_EXPECT_EQ(__dma_map_sg(&dev, one, 1, DMA_TO_DEVICE), -ENOMEM);
	dma_unmap_pfn(&other, held, 120 * 1024, DMA_TO_DEVICE);
	KT_ASSERT_EQ(__dma_map_sg(&dev, one, 1, DMA_TO_DEVICE), 1);
	KT_EXPECT(sg_dma_address(&one[0]) < sg_dma_address(&lost[0]) ||
		  sg_dma_address(&one[0]) >= sg_dma_address(&lost[1]) + 48 * 1024 ||
		  (sg_dma_address(&one[0]) >= sg_dma_address(&lost[0]) + 48 * 1024 &&
		   sg_dma_address(&one[0]) + 64 * 1024 <= sg_dma_address(&lost[1])));
	dma_unmap_sg(&dev, one, 1, DMA_TO_DEVICE);
	KT_EXPECT_EQ(stats().slots_used, 48);

	/* one lost slot in the middle: no 126-slot run can ever be free */
	setup_pool(DMA_SEGMENT_SLOTS, 1);
	dma_pool.cursor = 64;
	sg_init_table(one, 1);
	sg_set_pfn(&one[0], pfn_of(PMEM_BASE), 2048, 0);
	KT_ASSERT_EQ(__dma_map_sg(&dev, one, 1, DMA_TO_DEVICE), 1);
	KT_EXPECT_EQ(dma_pool_addr_to_slot(&dma_pool, sg_dma_address(&one[0])), 64);
	dma_abandon_sg(&dev, one, 1, DMA_TO_DEVICE);
	host_log_clear();
	a = map(&nvme, PMEM_BASE, dma_max_mapping_size(&nvme), DMA_TO_DEVICE);
	KT_EXPECT(dma_mapping_error(&nvme, a));
	KT_EXPECT(host_log_contains("dma: nvme: no run of 126 bounce slots can ever be free"));
	KT_EXPECT_EQ(stats().pool_full, 0);
	/* while a run of 63 still can be */
	a = map(&nvme, PMEM_BASE, 63 * 2048, DMA_TO_DEVICE);
	KT_EXPECT(in_pool(a));
	dma_unmap_pfn(&nvme, a, 63 * 2048, DMA_TO_DEVICE);
}

static struct {
	unsigned calls;
	bool requeue;
	struct dma_pool_waiter *also;	/* queue this one from inside */
} pw;

static void pw_fn(struct dma_pool_waiter *w)
{
	pw.calls++;
	if (irq_depth)
		ktest_fail(__FILE__, __LINE__, "waiter called with interrupts off");
	if (pw.requeue) {
		pw.requeue = false;
		dma_pool_wait(w);
	}
	if (pw.also) {
		dma_pool_wait(pw.also);
		pw.also = NULL;
	}
}

/* A waiter runs once per unmap that gives slots back, not for direct
 * unmaps or a failed map's unwinding; one queued during a round waits for
 * the next unmap. */
KTEST(dma, pool_waiter_woken_by_a_freeing_unmap)
{
	DEV(dev, 32);
	struct dma_pool_waiter a = { .fn = pw_fn }, b = { .fn = pw_fn };
	struct scatterlist sgl[2];
	dma_addr_t big, small, direct;

	setup_pool(DMA_SEGMENT_SLOTS, 1);
	memset(&pw, 0, sizeof(pw));
	big = map(&dev, PMEM_BASE, DMA_SEGMENT_SIZE - DMA_SLOT_SIZE, DMA_TO_DEVICE);
	small = map(&dev, PMEM_BASE, 100, DMA_TO_DEVICE);
	direct = map(&dev, RAM_LOW, 4096, DMA_TO_DEVICE);
	KT_ASSERT(in_pool(big) && in_pool(small) && direct == RAM_LOW);
	dma_pool_wait(&a);
	dma_pool_wait(&a);			/* already queued: nothing */
	dma_unmap_pfn(&dev, direct, 4096, DMA_TO_DEVICE);
	KT_EXPECT_EQ(pw.calls, 0);
	dma_unmap_pfn(&dev, small, 100, DMA_TO_DEVICE);
	KT_EXPECT_EQ(pw.calls, 1);
	KT_EXPECT(!a.queued);
	/* a failed map gives back the one free slot it took: no wake-up */
	sg_init_table(sgl, 2);
	sg_set_pfn(&sgl[0], pfn_of(PMEM_BASE), 100, 0);
	sg_set_pfn(&sgl[1], pfn_of(PMEM_BASE), 8192, 0);
	dma_pool_wait(&a);
	KT_EXPECT_EQ(__dma_map_sg(&dev, sgl, 2, DMA_TO_DEVICE), -ENOMEM);
	KT_EXPECT_EQ(pw.calls, 1);
	KT_EXPECT(a.queued);
	/* dma_unmap_sg wakes too */
	KT_ASSERT_EQ(__dma_map_sg(&dev, sgl, 1, DMA_TO_DEVICE), 1);
	dma_unmap_sg(&dev, sgl, 1, DMA_TO_DEVICE);
	KT_EXPECT_EQ(pw.calls, 2);
	/* a wakes and queues itself and b again: both wait for the next unmap */
	dma_pool_wait(&a);
	pw.requeue = true;
	pw.also = &b;
	small = map(&dev, PMEM_BASE, 100, DMA_TO_DEVICE);
	dma_unmap_pfn(&dev, small, 100, DMA_TO_DEVICE);
	KT_EXPECT_EQ(pw.calls, 3);
	KT_EXPECT(a.queued && b.queued);
	dma_unmap_pfn(&dev, big, DMA_SEGMENT_SIZE - DMA_SLOT_SIZE, DMA_TO_DEVICE);
	KT_EXPECT_EQ(pw.calls, 5);
	KT_EXPECT(!a.queued && !b.queued);
	KT_EXPECT_EQ(stats().waiter_wakeups, 5);
	KT_EXPECT_EQ(stats().slots_used, 0);
}

/* ------------------------------------------------------------ debug mode */

static __noinline void unmap_unknown_helper(struct device *dev)
{
	dma_unmap_pfn(dev, RAM_LOW + 0x5000, 4096, DMA_TO_DEVICE);
}

static __noinline void leaky_mapper(struct device *dev)
{
	dma_addr_t a = dma_map_pfn(dev, pfn_of(RAM_LOW + 0x9000), 0, 777, DMA_FROM_DEVICE);

	(void)a;
}

KTEST(dma, debug_unmap_never_mapped_names_caller)
{
	DEV(dev, 32);

	setup_pool(DMA_SEGMENT_SLOTS, 1);
	KT_ASSERT_EQ(dma_debug_enable(true), 0);
	unmap_unknown_helper(&dev);
	KT_EXPECT_EQ(dma_debug_errors(), 1);
	KT_EXPECT(host_log_contains("dma-debug: dev: unmap of bus 0x205000 len 4096 to_device that was never mapped"));
	KT_EXPECT(host_log_contains("(caller unmap_unknown_helper+0x"));
	dma_debug_enable(false);
}

KTEST(dma, debug_mismatches)
{
	DEV(dev, 32);
	DEV(other, 32);
	struct scatterlist sgl[3], *sg;
	dma_addr_t a, b;
	int i;

	setup_pool(DMA_SEGMENT_SLOTS, 1);
	KT_ASSERT_EQ(dma_debug_enable(true), 0);

	a = map(&dev, RAM_LOW, 4096, DMA_TO_DEVICE);
	dma_unmap_pfn(&dev, a, 2048, DMA_TO_DEVICE);
	KT_EXPECT_EQ(dma_debug_errors(), 1);
	KT_EXPECT(host_log_contains("length 2048, mapped 4096"));

	b = map(&dev, PMEM_BASE, 4096, DMA_TO_DEVICE);		/* bounced */
	dma_unmap_pfn(&dev, b, 4096, DMA_FROM_DEVICE);
	KT_EXPECT_EQ(dma_debug_errors(), 2);
	KT_EXPECT(host_log_contains("direction from_device, mapped to_device"));
	KT_EXPECT_EQ(copies.from_pool, 0);	/* the mapping's own direction rules */

	/* another device's unmap of our address */
	a = map(&dev, RAM_LOW, 512, DMA_TO_DEVICE);
	dma_unmap_pfn(&other, a, 512, DMA_TO_DEVICE);
	KT_EXPECT_EQ(dma_debug_errors(), 3);
	KT_EXPECT(host_log_contains("dma-debug: other: unmap of bus 0x200000"));
	KT_EXPECT_EQ(stats().live, 1);		/* the bogus unmap ended nothing */
	dma_unmap_pfn(&dev, a, 512, DMA_TO_DEVICE);
	KT_EXPECT_EQ(dma_debug_errors(), 3);

	/* sg: unmapped with a different nents, and one entry through unmap_pfn */
	sg_init_table(sgl, 3);
	for_each_sg(sgl, sg, 3, i)
		sg_set_pfn(sg, pfn_of(RAM_LOW), 512, i * 1024);
	KT_ASSERT_EQ(dma_map_sg(&dev, sgl, 3, DMA_TO_DEVICE), 3);
	dma_unmap_pfn(&dev, sgl[2].dma_address, 512, DMA_TO_DEVICE);
	KT_EXPECT(host_log_contains("mapped with dma_map_sg, released as dma_map_pfn"));
	sg_mark_end(&sgl[1]);
	dma_unmap_sg(&dev, sgl, 2, DMA_TO_DEVICE);
	KT_EXPECT(host_log_contains("dma_unmap_sg of bus 0x200000 with nents 2, mapped with 3"));
	KT_EXPECT_EQ(dma_debug_errors(), 6);

	/* syncs of what is not mapped, or the wrong way */
	dma_sync_single_for_cpu(&dev, RAM_LOW, 16, DMA_FROM_DEVICE);
	KT_EXPECT(host_log_contains("sync_for_cpu of bus 0x200000 len 16 that is not mapped"));
	a = map(&dev, RAM_LOW, 4096, DMA_TO_DEVICE);
	dma_sync_single_for_cpu(&dev, a + 100, 16, DMA_FROM_DEVICE);
	KT_EXPECT(host_log_contains("direction from_device, mapped to_device"));
	dma_sync_single_for_device(&dev, a + 4000, 200, DMA_TO_DEVICE);
	KT_EXPECT(host_log_contains("runs past the mapping"));
	KT_EXPECT_EQ(dma_debug_errors(), 9);
	dma_unmap_pfn(&dev, a, 4096, DMA_TO_DEVICE);
	KT_EXPECT_EQ(stats().debug_tracked, 0);
	KT_EXPECT_EQ(stats().live, 0);
	dma_debug_enable(false);
}

KTEST(dma, debug_leaks_reported_with_caller)
{
	DEV(dev, 32);

	setup_pool(DMA_SEGMENT_SLOTS, 1);
	KT_ASSERT_EQ(dma_debug_enable(true), 0);
	KT_EXPECT_EQ(dma_debug_check_leaks(), 0);
	leaky_mapper(&dev);
	leaky_mapper(&dev);
	KT_EXPECT_EQ(dma_debug_check_leaks(), 2);
	KT_EXPECT(host_log_contains("dma-debug: leak: dev bus 0x209000 pfn 0x209+0x0 len 777 from_device dma_map_pfn by leaky_mapper+0x"));
	KT_EXPECT_EQ(dma_debug_for_each(NULL, NULL), 2);
	/* turning debug on with untracked mappings live is refused */
	dma_debug_enable(false);
	KT_EXPECT_EQ(dma_debug_enable(true), -EBUSY);
	KT_EXPECT(!dma_debug_enabled());
	dma_unmap_pfn(&dev, RAM_LOW + 0x9000, 777, DMA_FROM_DEVICE);
	dma_unmap_pfn(&dev, RAM_LOW + 0x9000, 777, DMA_FROM_DEVICE);
	KT_EXPECT_EQ(stats().live, 0);
	KT_EXPECT_EQ(dma_debug_enable(true), 0);
	leaky_mapper(&dev);
	dma_debug_reset();
	KT_EXPECT_EQ(dma_debug_check_leaks(), 0);
	dma_debug_enable(false);
}

KTEST(dma, debug_table_full_turns_debug_off)
{
	DEV(dev, 64);
	unsigned n = 0;

	setup_pool(DMA_SEGMENT_SLOTS, 1);
	KT_ASSERT_EQ(dma_debug_enable(true), 0);
	while (dma_debug_enabled() && n < 100000) {
		map(&dev, RAM_LOW + (n % 1024) * 512, 512, DMA_TO_DEVICE);
		n++;
	}
	KT_EXPECT_EQ(n, 4097);
	KT_EXPECT(host_log_contains("debug table full"));
	KT_EXPECT_EQ(stats().debug_tracked, 0);
	for (unsigned i = 0; i < n; i++)
		dma_unmap_pfn(&dev, RAM_LOW + (i % 1024) * 512, 512, DMA_TO_DEVICE);
	KT_EXPECT_EQ(stats().live, 0);
}

/* ------------------------------------------------------------ coherent */

KTEST(dma, coherent_under_the_mask)
{
	DEV(d64, 64);
	DEV(d32, 32);
	DEV(d24, 24);
	DEV(d36, 36);
	dma_addr_t h;
	void *p;

	setup_pool(DMA_SEGMENT_SLOTS, 1);
	dma_debug_enable(true);
	memset(&frames, 0, sizeof(frames));
	frames.next_normal = 0x140000;		/* 5 GiB */
	frames.next_dma32 = 0x800;		/* 8 MiB */

	p = dma_alloc_coherent(&d64, 4096, &h);
	KT_EXPECT_EQ(h, 0x140000000ULL);
	KT_EXPECT(p == phys_to_virt(h));
	KT_EXPECT(frames.last_flags & PFN_ALLOC_ZERO);
	dma_free_coherent(&d64, 4096, p, h);
	KT_EXPECT_EQ(frames.last_freed, 0x140000);

	/* 32 bits: the first try lands above 4 GiB, freed, retried in DMA32 */
	p = dma_alloc_coherent(&d32, 8192, &h);
	KT_EXPECT_EQ(h, 0x800000);
	KT_EXPECT(frames.last_flags & PFN_ALLOC_DMA32);
	KT_EXPECT_EQ(frames.frees, 2);
	dma_free_coherent(&d32, 8192, p, h);

	/* 36 bits: 5 GiB fits */
	p = dma_alloc_coherent(&d36, 3000, &h);
	KT_EXPECT_EQ(h, 0x140003000ULL);	/* after pfn 0x140000 and 0x140001-2 */
	KT_EXPECT_EQ(stats().coherent_live, 1);
	/* freeing with a wrong address is refused, nothing freed */
	unsigned frees = frames.frees;
	dma_free_coherent(&d36, 3000, p, h + 4096);
	KT_EXPECT_EQ(frames.frees, frees);
	KT_EXPECT(host_log_contains("bad dma_free_coherent"));
	KT_EXPECT_EQ(dma_debug_check_leaks(), 0);	/* coherent memory is no leak */
	KT_EXPECT_EQ(dma_debug_for_each(NULL, NULL), 1);
	dma_free_coherent(&d36, 3000, p, h);

	/* 24 bits: the only DMA32 memory left is at 32 MiB, out of reach */
	frames.next_dma32 = 0x2000;
	p = dma_alloc_coherent(&d24, 4096, &h);
	KT_EXPECT(p == NULL);
	KT_EXPECT(host_log_contains("no memory for 4096 coherent bytes under 0xffffff"));
	KT_EXPECT_EQ(frames.last_freed, 0x2000);

	/* bad sizes */
	KT_EXPECT(dma_alloc_coherent(&d64, 0, &h) == NULL);
	KT_EXPECT(dma_alloc_coherent(&d64, 8 << 20, &h) == NULL);
	KT_EXPECT_EQ(stats().coherent_live, 0);
	KT_EXPECT_EQ(dma_debug_errors(), 0);
	/* a free of what was never allocated */
	dma_free_coherent(&d64, 4096, phys_to_virt(0x7000), 0x7000);
	KT_EXPECT(host_log_contains("free of bus 0x7000 len 4096"));
	KT_EXPECT_EQ(dma_debug_errors(), 1);
	KT_EXPECT_EQ(frames.last_freed, 0x2000);	/* and it was not freed */
	dma_debug_enable(false);

	/* debug turned on with a driver's queue allocated: its free is fine */
	p = dma_alloc_coherent(&d32, 4096, &h);
	KT_ASSERT(p != NULL);
	KT_EXPECT_EQ(dma_debug_enable(true), 0);
	dma_free_coherent(&d32, 4096, p, h);
	KT_EXPECT_EQ(dma_debug_errors(), 1);
	KT_EXPECT_EQ(frames.last_freed, h >> PAGE_SHIFT);
	KT_EXPECT_EQ(stats().coherent_live, 0);
	dma_debug_enable(false);
}

/*
 * A size above 2^63 bytes, which no order of pages holds, is refused as
 * misuse like any size of PFN_MAX_ORDER pages or more; the page order of
 * such a size must not be found by shifting PAGE_SIZE left until it is
 * large enough (the shift passes 64 bits and never gets there).
 */
KTEST(dma, coherent_size_beyond_every_order)
{
	DEV(d64, 64);
	dma_addr_t h = 0;

	setup_pool(DMA_SEGMENT_SLOTS, 1);
	memset(&frames, 0, sizeof(frames));
	frames.next_normal = 0x140000;		/* 5 GiB */
	host_log_clear();
	KT_EXPECT(dma_alloc_coherent(&d64, (1ULL << 63) + 1, &h) == NULL);
	KT_EXPECT(dma_alloc_coherent(&d64, SIZE_MAX, &h) == NULL);
	KT_EXPECT(host_log_contains("bad dma_alloc_coherent"));
	KT_EXPECT_EQ(frames.allocs, 0);
	dma_free_coherent(&d64, SIZE_MAX, phys_to_virt(0x140000000ULL), 0x140000000ULL);
	KT_EXPECT(host_log_contains("bad dma_free_coherent"));
	KT_EXPECT_EQ(frames.frees, 0);
	KT_EXPECT_EQ(stats().coherent_live, 0);
}

/*
 * Item 5 of the durability issue: what a device wrote into persistent
 * memory through a direct mapping (possibly into the CPU cache, with DDIO)
 * is handed to the platform to write back when the mapping is unmapped or
 * synced for the CPU, before the I/O completes; never for DMA toward the
 * device, and not for a bounced mapping (its copy into pmem is a CPU store,
 * written back by dma_plat_copy).
 */
KTEST(dma, device_writes_into_pmem_written_back)
{
	DEV(d64, 64);
	DEV(d32, 32);
	dma_addr_t a;

	setup_pool(DMA_SEGMENT_SLOTS, 2);
	memset(&dev_wrote, 0, sizeof(dev_wrote));
	a = map(&d64, PMEM_BASE + 0x1010, 8192, DMA_FROM_DEVICE);
	KT_ASSERT(!dma_mapping_error(&d64, a) && a == PMEM_BASE + 0x1010);
	dma_sync_single_for_cpu(&d64, a + 4096, 100, DMA_FROM_DEVICE);
	KT_EXPECT_EQ(dev_wrote.calls, 1);
	KT_EXPECT_EQ(dev_wrote.phys, PMEM_BASE + 0x1010 + 4096);
	KT_EXPECT_EQ(dev_wrote.len, 100);
	dma_unmap_pfn(&d64, a, 8192, DMA_FROM_DEVICE);
	KT_EXPECT_EQ(dev_wrote.calls, 2);
	KT_EXPECT_EQ(dev_wrote.phys, PMEM_BASE + 0x1010);
	KT_EXPECT_EQ(dev_wrote.len, 8192);
	KT_EXPECT_EQ(dev_wrote.lines, 2 + 129);
	KT_EXPECT_EQ(stats().pmem_wb_lines, 2 + 129);

	/* bidirectional counts as the device writing; RAM goes to the hook too
	 * (it decides), which writes back nothing */
	a = map(&d64, RAM_LOW + 64, 64, DMA_BIDIRECTIONAL);
	dma_unmap_pfn(&d64, a, 64, DMA_BIDIRECTIONAL);
	KT_EXPECT_EQ(dev_wrote.calls, 3);
	KT_EXPECT_EQ(dev_wrote.lines, 2 + 129);

	/* toward the device: nothing to write back */
	a = map(&d64, PMEM_BASE, 4096, DMA_TO_DEVICE);
	dma_sync_single_for_cpu(&d64, a, 4096, DMA_TO_DEVICE);
	dma_unmap_pfn(&d64, a, 4096, DMA_TO_DEVICE);
	KT_EXPECT_EQ(dev_wrote.calls, 3);

	/* bounced (a 32-bit device): the copy back is the CPU's, not the hook's */
	a = map(&d32, PMEM_BASE + 512, 1024, DMA_FROM_DEVICE);
	KT_ASSERT(in_pool(a));
	dma_unmap_pfn(&d32, a, 1024, DMA_FROM_DEVICE);
	KT_EXPECT_EQ(dev_wrote.calls, 3);
	KT_EXPECT_EQ(stats().live, 0);
}
