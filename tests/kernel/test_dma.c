/*
 * test_dma.c - in-guest tests of the DMA mapping layer (`selftest dma`):
 * RAM mapped directly or bounced (32-bit device, per-device and global
 * force), bounce copies in and out for RAM and for persistent memory
 * (region 0, checked through kmap_atomic_pfn_t, restored afterwards),
 * scatterlists of many entries, a full pool refusing with nothing
 * corrupted, coherent memory under a 32-bit mask, and debug mode catching
 * a bad unmap and a leak with the caller's name in the log. The pmem cases
 * report # SKIP without a persistent region.
 *
 * The "device" is the CPU writing the bounce buffer through the direct map
 * between map and unmap. Each test runs with debug mode on (restoring the
 * previous state) and ends with the pool and the live count as it found
 * them.
 */
#include "persist.h"
#include "dma.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "memmap.h"
#include "mm.h"
#include "printk.h"
#include "scatterlist.h"
#include "block/dma_internal.h"

#define TD_ORDER	6			/* 256 KiB RAM buffers */
#define TD_BYTES	(PAGE_SIZE << TD_ORDER)
#define TD_PMEM_BYTES	(128 * 1024)		/* pmem area used (saved, restored) */
#define TD_SAVE_ORDER	5

struct td_ctx {
	bool debug_was;
	struct dma_stats start;
	pfn_t ram;
	u8 *ram_va;
	pfn_t save;			/* copy of the pmem area */
	const struct memmap_region *reg;
	u64 pmem;			/* physical start of the pmem area */
};

static struct dma_stats td_stats(void)
{
	struct dma_stats st;

	dma_get_stats(&st);
	return st;
}

/* Copy between a RAM buffer and persistent memory, a page at a time. */
static void pmem_rw(u64 phys, void *buf, size_t len, bool write)
{
	u8 *b = buf;

	while (len) {
		u64 off = phys & (PAGE_SIZE - 1);
		size_t n = min_t(size_t, len, PAGE_SIZE - off);
		u8 *va = kmap_atomic_pfn_t(memmap_phys_to_pfn_t(phys));

		if (write) {
			memcpy(va + off, b, n);
			persist_wb_range(va + off, n, PERSIST_WB_AUTO);
		} else {
			memcpy(b, va + off, n);
		}
		kunmap_atomic_pfn_t(va);
		phys += n;
		b += n;
		len -= n;
	}
	if (write) {		/* persistent memory: durable like any write */
		persist_fence();
		pmem_check_point(PMEM_POINT_DECLARED);
	}
}

/* False when the test cannot go on: failed, or skipped (want_pmem without a
 * persistent region big enough); nothing is held then. */
static bool td_begin(struct td_ctx *c, bool want_pmem)
{
	memset(c, 0, sizeof(*c));
	c->reg = memmap_region(0);
	if (want_pmem && (!c->reg || c->reg->size < 2 * TD_PMEM_BYTES)) {
		ktest_skip("no persistent memory region of 256 KiB");
		return false;
	}
	c->debug_was = dma_debug_enabled();
	if (!c->debug_was && dma_debug_enable(true))
		ktest_log("mappings live before the test: running without debug mode");
	c->start = td_stats();
	if (!c->start.slots) {
		ktest_fail(__FILE__, __LINE__, "no bounce pool: dma_init() did not run");
		return false;
	}
	c->ram = pfn_alloc(TD_ORDER, PFN_ALLOC_ZERO);
	if (pfn_t_is_null(c->ram)) {
		ktest_fail(__FILE__, __LINE__, "no RAM for a buffer");
		return false;
	}
	c->ram_va = phys_to_virt(pfn_t_to_phys(c->ram));
	if (want_pmem) {
		c->pmem = c->reg->base + c->reg->size - 2 * TD_PMEM_BYTES;
		c->save = pfn_alloc(TD_SAVE_ORDER, 0);
		if (pfn_t_is_null(c->save)) {
			ktest_fail(__FILE__, __LINE__, "no RAM to save pmem");
			return false;
		}
		pmem_rw(c->pmem, phys_to_virt(pfn_t_to_phys(c->save)), TD_PMEM_BYTES, false);
	} else {
		c->reg = NULL;
	}
	return true;
}

static void td_end(struct td_ctx *c)
{
	struct dma_stats st = td_stats();

	KT_EXPECT_EQ(st.slots_used, c->start.slots_used);
	KT_EXPECT_EQ(st.live, c->start.live);
	KT_EXPECT_EQ(st.coherent_live, c->start.coherent_live);
	if (!pfn_t_is_null(c->save)) {
		pmem_rw(c->pmem, phys_to_virt(pfn_t_to_phys(c->save)), TD_PMEM_BYTES, true);
		pfn_free(c->save, TD_SAVE_ORDER);
	}
	if (!pfn_t_is_null(c->ram))
		pfn_free(c->ram, TD_ORDER);
	if (!c->debug_was)
		dma_debug_enable(false);
}

/* Is a a bounce slot? The pool's chunks need not be contiguous: RAM
 * between two of them (the test's buffer, say) is not the pool. */
static bool td_in_pool(const struct td_ctx *c, dma_addr_t a)
{
	(void)c;
	return dma_pool_addr_to_slot(&dma_pool, a) >= 0;
}

#define TD_DEV(n, bits) struct device n = { .name = #n, .dma_mask = DMA_BIT_MASK(bits), \
					    .coherent_dma_mask = DMA_BIT_MASK(bits) }

/* Map a RAM range one way, play the device, unmap, check both sides. */
static void ram_round_trip(struct td_ctx *c, struct device *dev, bool bounce,
			   u32 off, u32 len, u16 seed)
{
	pfn_t pfn = c->ram;
	u64 phys = pfn_t_to_phys(pfn) + off;
	dma_addr_t a;
	u8 *bus;

	bounce = bounce || dma_force_bounce();		/* swiotlb=force */
	pattern_fill(c->ram_va + off, phys, len, seed);
	a = dma_map_pfn(dev, pfn, off, len, DMA_TO_DEVICE);
	KT_ASSERT(!dma_mapping_error(dev, a));
	KT_EXPECT_EQ(td_in_pool(c, a), bounce);
	if (!bounce)
		KT_EXPECT_EQ(a, phys);
	bus = phys_to_virt(a);
	KT_EXPECT_EQ(pattern_check(bus, phys, len, seed), len);
	dma_unmap_pfn(dev, a, len, DMA_TO_DEVICE);

	a = dma_map_pfn(dev, pfn, off, len, DMA_FROM_DEVICE);
	KT_ASSERT(!dma_mapping_error(dev, a));
	KT_EXPECT_EQ(td_in_pool(c, a), bounce);
	pattern_fill(phys_to_virt(a), phys, len, seed + 1);	/* the device writes */
	dma_unmap_pfn(dev, a, len, DMA_FROM_DEVICE);
	KT_EXPECT_EQ(pattern_check(c->ram_va + off, phys, len, seed + 1), len);
}

KTEST(dma, ram_direct_and_bounced)
{
	static const struct { u32 off, len; } t[] = {
		{ 0, 1 }, { 0, 512 }, { 100, 4000 }, { 4095, 2 }, { 0, 4096 },
		{ 513, 3 * 4096 + 7 }, { 0, 64 * 1024 }, { 4096 + 8, 100 * 1024 },
	};
	struct td_ctx c;
	TD_DEV(dev64, 64);
	TD_DEV(forced, 64);
	u64 bounced;

	if (!td_begin(&c, false))
		return;
	forced.dma_force_bounce = true;
	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		ram_round_trip(&c, &dev64, false, t[i].off, t[i].len, (u16)i);
		ram_round_trip(&c, &forced, true, t[i].off, t[i].len, (u16)(i + 50));
	}
	KT_EXPECT_EQ(dev64.dma_stats.maps_bounced, dma_force_bounce() ? 2 * ARRAY_SIZE(t) : 0);
	KT_EXPECT_EQ(forced.dma_stats.maps_direct, 0);
	KT_EXPECT_EQ(forced.dma_stats.maps_bounced, 2 * ARRAY_SIZE(t));
	/* global swiotlb=force bounces a 64-bit device too */
	bounced = td_stats().maps_bounced;
	if (!dma_force_bounce()) {
		dma_set_force_bounce(true);
		ram_round_trip(&c, &dev64, true, 300, 5000, 77);
		dma_set_force_bounce(false);
		KT_EXPECT_EQ(td_stats().maps_bounced, bounced + 2);
	}
	/* RAM below 4 GiB needs no bounce for a 32-bit device */
	if (pfn_t_to_phys(c.ram) + TD_BYTES <= (1ULL << 32) && !dma_force_bounce()) {
		TD_DEV(dev32, 32);

		ram_round_trip(&c, &dev32, false, 0, TD_BYTES, 3);
	}
	td_end(&c);
}

KTEST(dma, pmem_bounced_for_32bit_device)
{
	static const struct { u32 off, len; } t[] = {
		{ 1, 4096 }, { 0x123, 3 * 4096 + 100 }, { 4095, 2 }, { 8, 64 * 1024 - 16 },
		{ 4096, 100 * 1024 },
	};
	u8 edge[2] = { 0x5a, 0xa5 }, got[2];
	struct td_ctx c;
	TD_DEV(dev32, 32);

	if (!td_begin(&c, true))
		return;
	ktest_log("pmem area at 0x%llx (region 0 at 0x%llx)", (unsigned long long)c.pmem,
		  (unsigned long long)c.reg->base);
	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		u64 phys = c.pmem + t[i].off;
		pfn_t pfn = memmap_phys_to_pfn_t(c.pmem);
		bool bounce = dma_would_bounce(&dev32, phys, t[i].len);
		dma_addr_t a;
		u8 *buf = c.ram_va;

		KT_ASSERT(pfn_t_is_pmem(pfn));
		KT_EXPECT_EQ(bounce, phys + t[i].len > (1ULL << 32) || dma_force_bounce());
		/* to the device: what the bounce holds is what pmem holds */
		pattern_fill(buf, phys, t[i].len, (u16)(10 + i));
		pmem_rw(phys, buf, t[i].len, true);
		a = dma_map_pfn(&dev32, pfn, t[i].off, t[i].len, DMA_TO_DEVICE);
		KT_ASSERT(!dma_mapping_error(&dev32, a));
		KT_EXPECT_EQ(td_in_pool(&c, a), bounce);
		KT_EXPECT(a + t[i].len - 1 <= DMA_BIT_MASK(32));
		if (bounce)
			KT_EXPECT_EQ(pattern_check(phys_to_virt(a), phys, t[i].len, (u16)(10 + i)),
				     t[i].len);
		dma_unmap_pfn(&dev32, a, t[i].len, DMA_TO_DEVICE);
		if (!bounce)
			continue;
		/* from the device: the bounce's bytes land in pmem, and only there */
		pmem_rw(phys - 1, &edge[0], 1, true);
		pmem_rw(phys + t[i].len, &edge[1], 1, true);
		a = dma_map_pfn(&dev32, pfn, t[i].off, t[i].len, DMA_FROM_DEVICE);
		KT_ASSERT(!dma_mapping_error(&dev32, a));
		pattern_fill(phys_to_virt(a), phys, t[i].len, (u16)(20 + i));
		dma_unmap_pfn(&dev32, a, t[i].len, DMA_FROM_DEVICE);
		memset(buf, 0, t[i].len);
		pmem_rw(phys, buf, t[i].len, false);
		KT_EXPECT_EQ(pattern_check(buf, phys, t[i].len, (u16)(20 + i)), t[i].len);
		pmem_rw(phys - 1, &got[0], 1, false);
		pmem_rw(phys + t[i].len, &got[1], 1, false);
		KT_EXPECT_EQ(got[0], edge[0]);
		KT_EXPECT_EQ(got[1], edge[1]);
	}
	KT_EXPECT_EQ(dev32.dma_stats.map_errors, 0);
	td_end(&c);
}

static u8 td_tmp[8192];

KTEST(dma, sg_many_entries_ram_and_pmem)
{
	static struct scatterlist sgl[96];
	struct td_ctx c;
	struct scatterlist *sg;
	TD_DEV(dev32, 32);
	unsigned n = ARRAY_SIZE(sgl);
	u64 ram_next, pmem_next;
	int i;

	if (!td_begin(&c, true))
		return;
	ram_next = pfn_t_to_phys(c.ram);
	pmem_next = c.pmem;
	sg_init_table(sgl, n);
	for_each_sg(sgl, sg, n, i) {
		/* odd entries in pmem, even ones in RAM, apart from each
		 * other, every length and offset different */
		u32 len = 100 + (u32)i * 23;
		bool pm = i & 1;
		u64 *next = pm ? &pmem_next : &ram_next;
		u64 phys = *next + ((u32)i * 97) % 512;
		pfn_t pfn = pm ? memmap_phys_to_pfn_t(phys & PAGE_MASK) :
				 phys_to_pfn_t(phys & PAGE_MASK, 0);

		*next = phys + len + 8;
		sg_set_pfn(sg, pfn, len, phys & ~PAGE_MASK);
		pattern_fill(td_tmp, phys, len, (u16)i);
		if (pm)
			pmem_rw(phys, td_tmp, len, true);
		else
			memcpy(phys_to_virt(phys), td_tmp, len);
	}
	KT_ASSERT(ram_next <= pfn_t_to_phys(c.ram) + TD_BYTES);
	KT_ASSERT(pmem_next <= c.pmem + TD_PMEM_BYTES);
	KT_ASSERT_EQ(dma_map_sg(&dev32, sgl, (int)n, DMA_BIDIRECTIONAL), n);
	for_each_sg(sgl, sg, n, i) {
		bool bounce = dma_would_bounce(&dev32, sg_phys(sg), sg->length);

		KT_EXPECT_EQ(sg_dma_len(sg), sg->length);
		KT_EXPECT_EQ(td_in_pool(&c, sg_dma_address(sg)), bounce);
		if (!bounce)
			KT_EXPECT_EQ(sg_dma_address(sg), sg_phys(sg));
		KT_EXPECT(sg_dma_address(sg) + sg->length - 1 <= DMA_BIT_MASK(32));
		/* the device sees the data, and answers with another seed */
		KT_EXPECT_EQ(pattern_check(phys_to_virt(sg_dma_address(sg)), sg_phys(sg),
					   sg->length, (u16)i), sg->length);
		pattern_fill(phys_to_virt(sg_dma_address(sg)), sg_phys(sg), sg->length,
			     (u16)(i + 1000));
	}
	dma_unmap_sg(&dev32, sgl, (int)n, DMA_BIDIRECTIONAL);
	for_each_sg(sgl, sg, n, i) {
		if (pfn_t_is_ram(sg->pfn))
			memcpy(td_tmp, phys_to_virt(sg_phys(sg)), sg->length);
		else
			pmem_rw(sg_phys(sg), td_tmp, sg->length, false);
		if (pattern_check(td_tmp, sg_phys(sg), sg->length, (u16)(i + 1000)) != sg->length)
			ktest_fail(__FILE__, __LINE__, "entry %d (phys 0x%llx len %u) not copied back",
				   i, (unsigned long long)sg_phys(sg), sg->length);
	}
	if (c.pmem + TD_PMEM_BYTES > (1ULL << 32))
		KT_EXPECT(dev32.dma_stats.maps_bounced >= n / 2);
	td_end(&c);
}

KTEST(dma, full_pool_refuses_without_corruption)
{
	static dma_addr_t maps[1024];
	struct scatterlist sgl[2];
	struct td_ctx c;
	TD_DEV(dev, 64);
	unsigned n = 0, used;
	const u32 len = 60 * 1024;

	if (!td_begin(&c, false))
		return;
	dev.dma_force_bounce = true;
	pattern_fill(c.ram_va, 0, TD_BYTES, 5);
	while (n < ARRAY_SIZE(maps)) {
		dma_addr_t a = dma_map_pfn(&dev, c.ram, (n * 16) % (TD_BYTES - len), len,
					   DMA_BIDIRECTIONAL);

		if (dma_mapping_error(&dev, a))
			break;
		maps[n++] = a;
	}
	used = td_stats().slots_used;
	ktest_log("%u mappings of %u bytes filled the pool (%u of %u slots)", n, len, used,
		  c.start.slots);
	KT_ASSERT(n < ARRAY_SIZE(maps));
	KT_EXPECT(n >= (c.start.slots - c.start.slots_used) / 32 / 2);
	KT_EXPECT(td_stats().pool_full > c.start.pool_full);
	KT_EXPECT_EQ(dev.dma_stats.map_errors, 1);
	/* a scatterlist cannot map either, and leaves the pool as it was */
	sg_init_table(sgl, 2);
	sg_set_pfn(&sgl[0], c.ram, 1024, 0);
	sg_set_pfn(&sgl[1], c.ram, len, 4096);
	KT_EXPECT_EQ(dma_map_sg(&dev, sgl, 2, DMA_TO_DEVICE), 0);
	KT_EXPECT_EQ(td_stats().slots_used, used);
	/* every bounce still holds its own data */
	for (unsigned i = 0; i < n; i++) {
		u32 off = (i * 16) % (TD_BYTES - len);

		if (pattern_check(phys_to_virt(maps[i]), off, len, 5) != len) {
			ktest_fail(__FILE__, __LINE__, "bounce %u at 0x%llx corrupted", i,
				   (unsigned long long)maps[i]);
			break;
		}
	}
	/* copy-back of each leaves the buffer as it was */
	for (unsigned i = 0; i < n; i++)
		dma_unmap_pfn(&dev, maps[i], len, DMA_BIDIRECTIONAL);
	KT_EXPECT_EQ(pattern_check(c.ram_va, 0, TD_BYTES, 5), TD_BYTES);
	td_end(&c);
}

KTEST(dma, coherent_under_32bit_mask)
{
	struct td_ctx c;
	TD_DEV(dev32, 32);
	dma_addr_t h;
	u8 *p;

	if (!td_begin(&c, false))
		return;
	p = dma_alloc_coherent(&dev32, 3 * 4096, &h);
	KT_ASSERT(p != NULL);
	KT_EXPECT(h + 4 * 4096 - 1 <= DMA_BIT_MASK(32));
	KT_EXPECT(p == phys_to_virt(h));
	for (unsigned i = 0; i < 4 * 4096; i++)
		if (p[i]) {
			ktest_fail(__FILE__, __LINE__, "coherent byte %u not zero", i);
			break;
		}
	KT_EXPECT_EQ(td_stats().coherent_live, c.start.coherent_live + 1);
	dma_free_coherent(&dev32, 3 * 4096, p, h);
	td_end(&c);
}

static bool dmesg_found;
static const char *dmesg_needle;

static void dmesg_scan(const char *line, void *arg)
{
	if (strstr(line, dmesg_needle) && strstr(line, (const char *)arg))
		dmesg_found = true;
}

static bool dmesg_has(const char *a, const char *b)
{
	dmesg_found = false;
	dmesg_needle = a;
	dmesg_for_each(dmesg_scan, (void *)b);
	return dmesg_found;
}

/* Named callers for the log checks; the barrier keeps the calls out of
 * tail position, so the return address lies inside these functions. */
static __noinline void dma_test_bad_unmap(struct device *dev, dma_addr_t a)
{
	dma_unmap_pfn(dev, a, 4096, DMA_TO_DEVICE);
	barrier();
}

static __noinline dma_addr_t dma_test_leaky_map(struct device *dev, pfn_t pfn)
{
	dma_addr_t a = dma_map_pfn(dev, pfn, 0, 1234, DMA_FROM_DEVICE);

	barrier();
	return a;
}

KTEST(dma, debug_catches_bad_unmap_and_leak)
{
	struct td_ctx c;
	TD_DEV(dbgdev, 64);
	dma_addr_t a;
	u64 errs;

	if (!td_begin(&c, false))
		return;
	if (!dma_debug_enabled()) {
		ktest_skip("debug mode unavailable (mappings were live when it was asked for)");
		goto out;
	}
	errs = dma_debug_errors();
	dma_test_bad_unmap(&dbgdev, pfn_t_to_phys(c.ram) + 8192);
	KT_EXPECT_EQ(dma_debug_errors(), errs + 1);
	KT_EXPECT(dmesg_has("that was never mapped", "caller dma_test_bad_unmap+0x"));
	/* a direction mismatch on a bounced mapping: caught, and the mapping's
	 * own direction decides the copy */
	dbgdev.dma_force_bounce = true;
	a = dma_map_pfn(&dbgdev, c.ram, 0, 4096, DMA_TO_DEVICE);
	KT_ASSERT(td_in_pool(&c, a));
	dma_unmap_pfn(&dbgdev, a, 4096, DMA_FROM_DEVICE);
	KT_EXPECT_EQ(dma_debug_errors(), errs + 2);
	KT_EXPECT(dmesg_has("direction from_device, mapped to_device", "dbgdev"));
	/* a leak: found with its caller, then ended */
	a = dma_test_leaky_map(&dbgdev, c.ram);
	KT_ASSERT(!dma_mapping_error(&dbgdev, a));
	/* the one streaming mapping live; coherent memory (e.g. NVMe queues,
	 * which debug_tracked counts too) is never a leak */
	KT_EXPECT_EQ(dma_debug_check_leaks(), 1);
	KT_EXPECT(dmesg_has("dma-debug: leak: dbgdev", "by dma_test_leaky_map+0x"));
	dma_unmap_pfn(&dbgdev, a, 1234, DMA_FROM_DEVICE);
	KT_EXPECT_EQ(dma_debug_errors(), errs + 2);
out:
	td_end(&c);
}
