/*
 * test_mm.c - in-guest tests of page tables and kmap_atomic_pfn_t: W^X and
 * NX of the kernel image by walking the live tables, no NULL page, the guard
 * page, persistent memory outside the direct map, kmap of the first, last
 * and random pfns of every persistent region, nesting to the limit and
 * misuse caught, one pfn seen through two mappings, ioremap/memremap. Tests
 * of persistent memory report # SKIP without a persistent region.
 */
#include "apic.h"
#include "boot.h"
#include "cmdline.h"
#include "cpu.h"
#include "ktest.h"
#include "lib.h"
#include "memmap.h"
#include "mm.h"
#include "time.h"
#include "timer.h"
#include "mm/paging.h"

extern char boot_stack_guard[], boot_stack_bottom[];
extern char __ksyms_start[], __ksyms_end[];

static pte_t leaf(u64 va, u64 *size)
{
	pte_t *e = paging_walk(va, size);

	return e ? *e : 0;
}

KTEST(mm, kernel_image_wx)
{
	struct { char *start, *end; bool write, exec; const char *name; } segs[] = {
		{ __text_start, __text_end, false, true, "text" },
		{ __rodata_start, __rodata_end, false, false, "rodata" },
		{ __data_start, boot_stack_guard, true, false, "data+bss" },
		{ boot_stack_bottom, __bss_end, true, false, "stack+bss" },
		{ __ksyms_start, __ksyms_end, false, false, "ksyms" },
	};

	for (unsigned s = 0; s < ARRAY_SIZE(segs); s++) {
		for (u64 va = ALIGN_DOWN((u64)segs[s].start, PAGE_SIZE);
		     va < (u64)segs[s].end; va += PAGE_SIZE) {
			u64 size;
			pte_t e = leaf(va, &size);

			KT_ASSERT(e & PTE_P);
			if (!!(e & PTE_RW) != segs[s].write || !(e & PTE_NX) != segs[s].exec) {
				ktest_fail(__FILE__, __LINE__, "%s page %llx has pte %llx",
					   segs[s].name, (unsigned long long)va,
					   (unsigned long long)e);
				return;
			}
			KT_ASSERT(!((e & PTE_RW) && !(e & PTE_NX)));	/* never W+X */
			/* the direct-map alias: NX, and read-only where the image is */
			e = leaf(DIRECT_MAP_BASE + kernel_va_to_pa((void *)va), &size);
			KT_ASSERT(e & PTE_P);
			KT_EXPECT(e & PTE_NX);
			if (!!(e & PTE_RW) != segs[s].write) {
				ktest_fail(__FILE__, __LINE__, "direct-map alias of %s page %llx has pte %llx",
					   segs[s].name, (unsigned long long)va,
					   (unsigned long long)e);
				return;
			}
		}
	}
}

KTEST(mm, no_null_page_and_guard_page)
{
	KT_EXPECT(paging_walk(0, NULL) == NULL);
	KT_EXPECT(paging_walk(PAGE_SIZE, NULL) == NULL);
	KT_EXPECT(paging_walk((u64)boot_stack_guard, NULL) == NULL);
	KT_EXPECT(paging_walk((u64)boot_stack_guard + PAGE_SIZE, NULL) != NULL);
}

KTEST(mm, direct_map_is_ram_only_and_nx)
{
	unsigned n;
	const struct memmap_range *r = memmap_ranges(&n);

	for (unsigned i = 0; i < n; i++) {
		u64 mid = r[i].start + ((r[i].end - r[i].start) / 2 & PAGE_MASK);
		pte_t e = leaf(DIRECT_MAP_BASE + mid, NULL);

		if (r[i].type == E820_RAM) {
			KT_EXPECT(e & PTE_P);
			KT_EXPECT(e & PTE_NX);
			KT_EXPECT_EQ(e & PTE_ADDR & ~(SZ_1G - 1), mid & ~(SZ_1G - 1));
		} else if (r[i].end - r[i].start >= SZ_1G || r[i].type == E820_PMEM ||
			   r[i].type == E820_PRAM) {
			KT_EXPECT(!(e & PTE_P));
		}
	}
}

static void check_kmap_pfn(const struct memmap_region *reg, u64 page, u16 seed)
{
	u64 pa = reg->base + page * PAGE_SIZE;
	pfn_t pfn = memmap_phys_to_pfn_t(pa);
	u64 *va, saved[2];

	KT_ASSERT(!pfn_t_is_ram(pfn));
	KT_ASSERT(pfn_to_region(pfn) == reg);
	va = kmap_atomic_pfn_t(pfn);
	KT_ASSERT(va != NULL);
	KT_EXPECT((u64)va >= KMAP_BASE);
	saved[0] = va[0];
	saved[1] = va[511];
	va[0] = pattern_word(seed, pa);
	va[511] = pattern_word(seed, pa + 4088);
	KT_EXPECT_EQ(leaf((u64)va, NULL) & PTE_ADDR, pa);
	kunmap_atomic_pfn_t(va);
	KT_EXPECT(paging_walk((u64)va, NULL) == NULL);
	va = kmap_atomic_pfn_t(pfn);
	KT_EXPECT_EQ(va[0], pattern_word(seed, pa));
	KT_EXPECT_EQ(va[511], pattern_word(seed, pa + 4088));
	va[0] = saved[0];
	va[511] = saved[1];
	kunmap_atomic_pfn_t(va);
}

KTEST(mm, kmap_every_region_first_last_random)
{
	struct prng rng = { ktest_seed() };

	if (!memmap_nr_regions()) {
		ktest_skip("no persistent region");
		return;
	}
	ktest_log("%u persistent region(s), seed %llu", memmap_nr_regions(),
		  (unsigned long long)rng.state);
	for (unsigned id = 0; id < memmap_nr_regions(); id++) {
		const struct memmap_region *reg = memmap_region(id);
		u64 pages = reg->size / PAGE_SIZE;

		check_kmap_pfn(reg, 0, 1);
		check_kmap_pfn(reg, pages - 1, 2);
		for (int i = 0; i < 16; i++)
			check_kmap_pfn(reg, prng_next(&rng) % pages, 3);
	}
}

KTEST(mm, kmap_ram_is_direct)
{
	void *p = page_alloc_zeroed();
	void *m;

	KT_ASSERT(p != NULL);
	m = kmap_atomic_pfn_t(phys_to_pfn_t(virt_to_phys(p), 0));
	KT_EXPECT(m == p);
	KT_EXPECT_EQ(kmap_slots_in_use(), 0);
	kunmap_atomic_pfn_t(m);
	page_free(p);
}

static unsigned bugs_seen;
static void count_bug(const char *msg)
{
	bugs_seen++;
	ktest_log("caught: %s", msg);
}

KTEST(mm, kmap_nesting_and_misuse)
{
	const struct memmap_region *reg = memmap_region(0);
	void *va[KMAP_SLOTS];
	u64 *a, *b;

	if (!reg) {
		ktest_skip("no persistent region");
		return;
	}
	for (unsigned i = 0; i < KMAP_SLOTS; i++) {
		va[i] = kmap_atomic_pfn_t(memmap_phys_to_pfn_t(reg->base + i * PAGE_SIZE));
		KT_ASSERT(va[i] != NULL);
		KT_EXPECT_EQ(kmap_slots_in_use(), i + 1);
	}
	kmap_set_bug_handler(count_bug);
	bugs_seen = 0;
	KT_EXPECT(kmap_atomic_pfn_t(memmap_phys_to_pfn_t(reg->base)) == NULL);
	KT_EXPECT_EQ(bugs_seen, 1);
	kunmap_atomic_pfn_t(va[0]);		/* out of order */
	KT_EXPECT_EQ(bugs_seen, 2);
	KT_EXPECT_EQ(kmap_slots_in_use(), KMAP_SLOTS);
	for (unsigned i = KMAP_SLOTS; i-- > 0;)
		kunmap_atomic_pfn_t(va[i]);
	kunmap_atomic_pfn_t(va[0]);		/* nothing mapped */
	KT_EXPECT_EQ(bugs_seen, 3);
	kmap_set_bug_handler(NULL);
	KT_EXPECT_EQ(kmap_slots_in_use(), 0);

	/* one pfn through two nested mappings */
	a = kmap_atomic_pfn_t(memmap_phys_to_pfn_t(reg->base + 5 * PAGE_SIZE));
	b = kmap_atomic_pfn_t(memmap_phys_to_pfn_t(reg->base + 5 * PAGE_SIZE));
	KT_EXPECT(a != b);
	a[3] = 0x1234567890abcdefULL;
	KT_EXPECT_EQ(b[3], 0x1234567890abcdefULL);
	b[3] = 0;
	KT_EXPECT_EQ(a[3], 0);
	kunmap_atomic_pfn_t(b);
	kunmap_atomic_pfn_t(a);

	/* in debug mode a pmem pfn that claims to be RAM is caught */
	if (kernel_param_bool("kmap.debug", false)) {
		kmap_set_bug_handler(count_bug);
		bugs_seen = 0;
		KT_EXPECT(kmap_atomic_pfn_t(phys_to_pfn_t(reg->base, 0)) == NULL);
		KT_EXPECT_EQ(bugs_seen, 1);
		kmap_set_bug_handler(NULL);
	}
}

KTEST(mm, ioremap_lapic_uncached)
{
	u32 *lapic = ioremap(0xfee00000, PAGE_SIZE);
	pte_t e;

	KT_ASSERT(lapic != NULL);
	e = leaf((u64)lapic, NULL);
	KT_EXPECT((e & (PTE_PCD | PTE_PWT)) == (PTE_PCD | PTE_PWT));	/* UC */
	KT_EXPECT(e & PTE_NX);
	/* the LAPIC version register (Intel SDM vol. 3A, 11.4.8): an integrated
	 * APIC (0x10-0x15) with at least the 4 LVT entries every one has */
	KT_EXPECT((lapic[0x30 / 4] & 0xff) >= 0x10 && (lapic[0x30 / 4] & 0xff) <= 0x15);
	KT_EXPECT(((lapic[0x30 / 4] >> 16) & 0xff) >= 3);
	iounmap(lapic, PAGE_SIZE);
	KT_EXPECT(paging_walk((u64)lapic, NULL) == NULL);
}

/* A whole region memremapped sees what kmap wrote into its last page. */
KTEST(mm, memremap_region_sees_kmap_writes)
{
	const struct memmap_region *reg = memmap_region(0);
	u8 *m;
	u64 *k;

	if (!reg) {
		ktest_skip("no persistent region");
		return;
	}
	m = memremap_pfn_range(reg);
	KT_ASSERT(m != NULL);
	k = kmap_atomic_pfn_t(memmap_phys_to_pfn_t(reg->base + reg->size - PAGE_SIZE));
	k[7] = 0xfeedfacecafebeefULL;
	KT_EXPECT_EQ(*(u64 *)(m + reg->size - PAGE_SIZE + 56), 0xfeedfacecafebeefULL);
	kunmap_atomic_pfn_t(k);
	memunmap(m, reg->size);
}

/* A timer callback (interrupt context) maps and unmaps pmem pfns while the
 * interrupted test holds slots: LIFO order holds, and both see their data. */
static struct timer irq_timer;
static volatile int irq_done;
static volatile u64 irq_seen;
static u64 irq_pa;

static void kmap_in_irq(struct timer *t, void *arg)
{
	unsigned depth = kmap_slots_in_use();
	u64 *a = kmap_atomic_pfn_t(memmap_phys_to_pfn_t(irq_pa));
	u64 *b = kmap_atomic_pfn_t(memmap_phys_to_pfn_t(irq_pa + PAGE_SIZE));

	irq_seen = a[0] ^ b[0];
	b[1] = 0x5157;
	kunmap_atomic_pfn_t(b);
	kunmap_atomic_pfn_t(a);
	irq_done = kmap_slots_in_use() == depth ? 1 : -1;
}

KTEST(mm, kmap_nests_from_interrupt)
{
	const struct memmap_region *reg = memmap_region(0);
	u64 *held[3], end;

	if (!reg || !apic_ready()) {
		ktest_skip(!reg ? "no persistent region" : "interrupts are not set up");
		return;
	}
	irq_pa = reg->base + 64 * PAGE_SIZE;
	for (int i = 0; i < 3; i++)
		held[i] = kmap_atomic_pfn_t(memmap_phys_to_pfn_t(irq_pa + i * PAGE_SIZE));
	held[0][0] = 0x1111;
	held[1][0] = 0x2222;
	held[1][1] = 0;
	irq_done = 0;
	timer_add(&irq_timer, ktime_ns(), kmap_in_irq, NULL);
	end = ktime_ns() + 2000000000ULL;
	while (!irq_done && ktime_ns() < end)
		cpu_relax();
	if (!irq_done)
		timer_del(&irq_timer);
	KT_EXPECT_EQ(irq_done, 1);
	KT_EXPECT_EQ(irq_seen, 0x1111 ^ 0x2222);
	KT_EXPECT_EQ(held[1][1], 0x5157);		/* seen through our mapping */
	KT_EXPECT_EQ(kmap_slots_in_use(), 3);
	for (int i = 2; i >= 0; i--)
		kunmap_atomic_pfn_t(held[i]);
}
