/*
 * paging.c - the kernel's own page tables.
 *
 * paging_init() replaces the boot tables (identity map of 4 GiB, kernel at
 * -2 GiB) with:
 *  - the direct map: every RAM range of the sanitized memory map at
 *    DIRECT_MAP_BASE + phys, 1 GiB or 2 MiB pages where alignment allows,
 *    NX. Persistent memory, holes and firmware ranges are not in it.
 *  - the kernel image W^X at KERNEL_VMA + phys: text RX, rodata and the
 *    symbol table R+NX, data and bss RW+NX; the boot stack's guard page is
 *    left unmapped, and nothing maps virtual page 0.
 *  - the ioremap/memremap area, filled on demand, and the kmap window,
 *    whose page tables are built here so kmap never allocates.
 * Page-table pages come from the frame allocator (below 4 GiB while the
 * boot identity map is how we reach them).
 *
 * SMP: all CPUs run on these same tables (paging_cpu_init() sets an
 * application processor's PAT and global pages). Mapping into an empty
 * PTE needs nothing on other CPUs (no CPU caches a not-present entry,
 * SDM vol. 3A, 4.10.2.3); clearing one does: paging_unmap() (iounmap,
 * memunmap) shoots the range down on every other online CPU with a waiting
 * smp_call_function() after its local invlpg. kmap's slots are per CPU and
 * never shot down (mm/kmap.c). paging_stack_alloc() maps AP stacks with
 * unmapped guard pages on both sides; paging_ap_boot_tables() builds the
 * tables an AP's trampoline switches to long mode on.
 *
 * Before paging_init(), memremap() is the boot identity map: the low 4 GiB
 * are there already, and what lies above (firmware may put ACPI tables
 * there) is identity-mapped on demand a GiB at a time with 2 MiB pages,
 * through a few page-table pages kept in .bss for that (early_map()).
 *
 * paging_lock guards the shared page tables and the ioremap area's cursor
 * after boot: ioremap/memremap/iounmap/memunmap and the kmap window's
 * setup take it; under it the frame allocator may be called for a table
 * page (order: paging_lock -> frames_lock). paging_init() and early_map()
 * run on the boot CPU before any other starts. The TLB of another CPU is
 * not this lock's business (see the design document's CPU model).
 */
#include "boot.h"
#include "cpu.h"
#include "errno.h"
#include "lib.h"
#include "memmap.h"
#include "mm.h"
#include "paging.h"
#include "panic.h"
#include "printk.h"
#include "smp.h"
#include "spinlock.h"

extern char boot_stack_guard[], boot_stack_bottom[];
extern char __ksyms_start[], __ksyms_end[];

static u64 kernel_pml4_pa;
static bool paging_on;
u64 paging_table_pages;
static u64 ioremap_next = IOREMAP_BASE;
static DEFINE_SPINLOCK(paging_lock);

/* Before the switch, tables are reached through the boot identity map. */
static void *table_va(u64 pa)
{
	return paging_on ? phys_to_virt(pa) : (void *)pa;
}

static u64 table_alloc(void)
{
	pfn_t p = pfn_alloc(0, PFN_ALLOC_ZERO | (paging_on ? 0 : PFN_ALLOC_DMA32));

	if (pfn_t_is_null(p))
		return 0;
	paging_table_pages++;
	return pfn_t_to_phys(p);
}

bool paging_ready(void)
{
	return paging_on;
}

/* The entry for va at the level whose pages are 1 << shift bytes. */
static pte_t *walk_create(u64 va, unsigned shift, bool create)
{
	u64 table = kernel_pml4_pa;

	for (unsigned s = 39; ; s -= 9) {
		pte_t *e = (pte_t *)table_va(table) + ((va >> s) & 511);

		if (s == shift)
			return e;
		if (!(*e & PTE_P)) {
			u64 t;

			if (!create || !(t = table_alloc()))
				return NULL;
			*e = t | PTE_P | PTE_RW;
		} else if (*e & PTE_PS) {
			return NULL;	/* covered by a large page */
		}
		table = *e & PTE_ADDR;
	}
}

pte_t *paging_walk(u64 va, u64 *page_size)
{
	u64 table = read_cr3() & PTE_ADDR;

	for (unsigned s = 39; ; s -= 9) {
		pte_t *e = (pte_t *)table_va(table) + ((va >> s) & 511);

		if (!(*e & PTE_P))
			return NULL;
		if (s == 12 || (*e & PTE_PS)) {
			if (page_size)
				*page_size = 1ULL << s;
			return e;
		}
		table = *e & PTE_ADDR;
	}
}

int paging_map(u64 va, u64 pa, u64 len, u64 flags, bool large)
{
	u64 end = va + len;

	while (va < end) {
		unsigned shift = 12;
		pte_t *e;

		if (large && cpu_features.pdpe1gb && IS_ALIGNED(va | pa, SZ_1G) &&
		    end - va >= SZ_1G)
			shift = 30;
		else if (large && IS_ALIGNED(va | pa, SZ_2M) && end - va >= SZ_2M)
			shift = 21;
		e = walk_create(va, shift, true);
		if (!e)
			return -ENOMEM;
		if (shift == 12) {
			*e = pa | flags | PTE_P;
		} else {
			u64 f = flags;

			if (f & PTE_PAT_4K)	/* the PAT bit moves in large pages */
				f = (f & ~PTE_PAT_4K) | PTE_PAT_LARGE;
			*e = pa | f | PTE_P | PTE_PS;
		}
		if (paging_on)
			invlpg((void *)va);
		va += 1ULL << shift;
		pa += 1ULL << shift;
	}
	return 0;
}

struct shootdown {
	u64 va, end;
};

static void shootdown_local(void *arg)
{
	const struct shootdown *sd = arg;

	if (sd->end - sd->va > 64 * PAGE_SIZE) {
		write_cr3(read_cr3());	/* non-global entries... */
		write_cr4(read_cr4() & ~BIT(7));	/* ...and global ones (CR4.PGE) */
		write_cr4(read_cr4() | BIT(7));
		return;
	}
	for (u64 va = sd->va; va < sd->end; va += PAGE_SIZE)
		invlpg((void *)va);
}

void paging_unmap(u64 va, u64 len)
{
	struct shootdown sd = { va, va + len };
	u64 end = va + len;

	while (va < end) {
		u64 size = SZ_4K;
		pte_t *e = paging_walk(va, &size);

		if (e) {
			BUG_ON(!IS_ALIGNED(va, size));
			*e = 0;
			invlpg((void *)va);
		}
		va += size;
	}
	if (paging_on && num_online_cpus() > 1)
		smp_call_function(shootdown_local, &sd, true);
}

u64 paging_cache_bits(unsigned type)
{
	switch (type) {
	case MAP_UC:
		return PTE_PCD | PTE_PWT;		/* PAT 3 */
	case MAP_WC:
		return PTE_PWT;				/* PAT 1 */
	case MAP_WT:
		return PTE_PAT_4K | PTE_PCD | PTE_PWT;	/* PAT 7 */
	default:
		return 0;				/* PAT 0: WB */
	}
}

pte_t *paging_kmap_pte(u64 va)
{
	unsigned long flags = spin_lock_irqsave(&paging_lock);
	pte_t *pte = walk_create(va, 12, true);

	spin_unlock_irqrestore(&paging_lock, flags);
	return pte;
}

u64 paging_alloc_va(u64 len, u64 align)
{
	u64 va = ALIGN_UP(ioremap_next, align);

	if (va + len > IOREMAP_BASE + IOREMAP_SIZE || va + len < va)
		return 0;
	ioremap_next = va + ALIGN_UP(len, SZ_4K) + SZ_4K;	/* a hole between */
	return va;
}

void *paging_stack_alloc(size_t size)
{
	u64 len = ALIGN_UP(size, PAGE_SIZE), va;
	unsigned order = get_order(len);
	pfn_t pfn;

	if (!paging_on || order >= PFN_MAX_ORDER)
		return NULL;
	va = paging_alloc_va(len + PAGE_SIZE, PAGE_SIZE);	/* a hole follows */
	if (!va)
		return NULL;
	pfn = pfn_alloc(order, PFN_ALLOC_ZERO);
	if (pfn_t_is_null(pfn))
		return NULL;
	va += PAGE_SIZE;					/* the guard below */
	if (paging_map(va, pfn_t_to_phys(pfn), len, PTE_RW | PTE_NX | PTE_G, false)) {
		pfn_free(pfn, order);
		return NULL;
	}
	return (void *)va;
}

/*
 * Tables for an AP's switch to long mode (kernel/trampoline.asm): a PML4
 * whose upper half is the kernel's (the same PDPTs, so later changes below
 * them show) and whose entry 0 identity-maps the low 2 MiB with one large
 * page, executable: the trampoline runs there until it jumps into the
 * kernel. In .bss, so below 4 GiB (CR3 is loaded in 32-bit mode).
 */
static pte_t ap_pml4[512] __aligned(PAGE_SIZE);
static pte_t ap_pdpt[512] __aligned(PAGE_SIZE);
static pte_t ap_pd[512] __aligned(PAGE_SIZE);

u64 paging_ap_boot_tables(void)
{
	const pte_t *kpml4 = table_va(kernel_pml4_pa);

	for (unsigned i = 256; i < 512; i++)
		ap_pml4[i] = kpml4[i];
	ap_pd[0] = 0 | PTE_P | PTE_RW | PTE_PS;
	ap_pdpt[0] = kernel_va_to_pa(ap_pd) | PTE_P | PTE_RW;
	ap_pml4[0] = kernel_va_to_pa(ap_pdpt) | PTE_P | PTE_RW;
	return kernel_va_to_pa(ap_pml4);
}

void paging_cpu_init(void)
{
	wrmsr(MSR_PAT, PAT_VALUE);
	write_cr4(read_cr4() | BIT(7));		/* CR4.PGE: global pages */
}

static void map_kernel_segment(char *start, char *end, u64 flags)
{
	u64 va = (u64)start, len = ALIGN_UP((u64)end, SZ_4K) - va;

	if (paging_map(va, kernel_va_to_pa(start), len, flags | PTE_G, false))
		panic("paging: no memory for the kernel mapping");
}

static void direct_map(u64 start, u64 end, u64 rw)
{
	if (start < end &&
	    paging_map(DIRECT_MAP_BASE + start, start, end - start, rw | PTE_NX | PTE_G, true))
		panic("paging: no memory for the direct map");
}

void paging_init(void)
{
	unsigned n;
	const struct memmap_range *r = memmap_ranges(&n);
	u64 pml4;

	wrmsr(MSR_PAT, PAT_VALUE);
	pml4 = table_alloc();
	if (!pml4)
		panic("paging: no memory for page tables");
	kernel_pml4_pa = pml4;

	/*
	 * The direct map is NX everywhere; the kernel's text, rodata and symbol
	 * table are read-only there too, so no alias makes the image writable.
	 */
	const u64 ro[][2] = {	/* sorted, page aligned */
		{ kernel_va_to_pa(__text_start), ALIGN_UP(kernel_va_to_pa(__rodata_end), SZ_4K) },
		{ kernel_va_to_pa(__ksyms_start), ALIGN_UP(kernel_va_to_pa(__kernel_end), SZ_4K) },
	};

	for (unsigned i = 0; i < n; i++) {
		u64 start = r[i].start, end = r[i].end;

		if (r[i].type != E820_RAM)
			continue;
		for (unsigned k = 0; k < ARRAY_SIZE(ro); k++) {
			if (start >= ro[k][1] || end <= ro[k][0])
				continue;
			direct_map(start, max(start, ro[k][0]), PTE_RW);
			direct_map(max(start, ro[k][0]), min(end, ro[k][1]), 0);
			start = min(end, ro[k][1]);
		}
		direct_map(start, end, PTE_RW);
	}
	map_kernel_segment(__text_start, __text_end, PTE_G);
	map_kernel_segment(__rodata_start, __rodata_end, PTE_NX);
	map_kernel_segment(__data_start, boot_stack_guard, PTE_RW | PTE_NX);
	map_kernel_segment(boot_stack_bottom, __bss_end, PTE_RW | PTE_NX);
	if ((u64)__ksyms_end > (u64)__ksyms_start)
		map_kernel_segment(__ksyms_start, __ksyms_end, PTE_NX);

	write_cr4(read_cr4() | BIT(7));		/* CR4.PGE: global pages */
	write_cr3(pml4);
	paging_on = true;
	pr_info("paging: direct map of %llu MiB RAM, %llu page-table pages\n",
		(unsigned long long)(memmap_ram_total() >> 20),
		(unsigned long long)paging_table_pages);
}

/* ---- ioremap / memremap ---- */

/*
 * Early identity mappings above 4 GiB, into the boot tables (boot/entry.asm:
 * PML4 entry 0 holds a PDPT whose first four entries map 0-4 GiB). Each GiB
 * touched takes one spare page directory of 2 MiB pages (and, above 512 GiB,
 * a spare PDPT): plenty for the ACPI tables the firmware may place there.
 * Identity mapping stops at the lower half of the address space (128 TiB).
 * The boot tables and these pages are left behind by paging_init().
 */
#define EARLY_PDS	8
#define EARLY_PDPTS	2
#define EARLY_IDENT_END	(1ULL << 47)

static pte_t early_pd[EARLY_PDS][512] __aligned(SZ_4K);
static pte_t early_pdpt[EARLY_PDPTS][512] __aligned(SZ_4K);
static unsigned early_pds_used, early_pdpts_used;

/* A spare table's physical address, or 0 when they are used up. */
static u64 early_table(pte_t (*pool)[512], unsigned n, unsigned *used)
{
	if (*used >= n)
		return 0;
	return kernel_va_to_pa(pool[(*used)++]);
}

static int early_map_gib(u64 gib)
{
	/* the boot tables lie in the low 4 GiB: reached by their physical address */
	pte_t *pml4 = (pte_t *)(read_cr3() & PTE_ADDR), *pdpt, *pd;
	u64 t;

	if (!(pml4[gib >> 9] & PTE_P)) {
		t = early_table(early_pdpt, EARLY_PDPTS, &early_pdpts_used);
		if (!t)
			return -ENOMEM;
		pml4[gib >> 9] = t | PTE_P | PTE_RW;
	}
	pdpt = (pte_t *)(pml4[gib >> 9] & PTE_ADDR);
	if (pdpt[gib & 511] & PTE_P)
		return 0;	/* mapped already, by the boot tables or by us */
	t = early_table(early_pd, EARLY_PDS, &early_pds_used);
	if (!t)
		return -ENOMEM;
	pd = (pte_t *)t;
	for (u64 i = 0; i < 512; i++)
		pd[i] = ((gib << 30) + (i << 21)) | PTE_P | PTE_RW | PTE_PS;
	pdpt[gib & 511] = t | PTE_P | PTE_RW;
	return 0;
}

static void *early_map(phys_addr_t phys, size_t len)
{
	u64 end = phys + len;

	if (!len || end < phys || end > EARLY_IDENT_END) {
		pr_warn("paging: 0x%llx+0x%zx cannot be identity-mapped before paging\n",
			(unsigned long long)phys, len);
		return NULL;
	}
	for (u64 gib = phys >> 30; gib <= (end - 1) >> 30; gib++) {
		if (early_map_gib(gib)) {
			pr_warn("paging: no spare early page tables for 0x%llx\n",
				(unsigned long long)phys);
			return NULL;
		}
	}
	write_cr3(read_cr3());
	return (void *)phys;
}

static void *map_phys(phys_addr_t phys, size_t len, unsigned type, bool large)
{
	u64 off = phys & (SZ_4K - 1), base = phys - off;
	u64 size = ALIGN_UP(len + off, SZ_4K);
	u64 align = large && size >= SZ_2M ? SZ_2M : SZ_4K;
	unsigned long flags;
	u64 va;

	if (!len || phys + len < phys)
		return NULL;
	flags = spin_lock_irqsave(&paging_lock);
	va = paging_alloc_va(size + (align > SZ_4K ? (base & (align - 1)) : 0), align);
	if (!va)
		goto fail;
	if (align > SZ_4K)
		va += base & (align - 1);	/* same offset within 2 MiB */
	if (paging_map(va, base, size, paging_cache_bits(type) | PTE_RW | PTE_NX | PTE_G,
		       large)) {
		paging_unmap(va, size);
		goto fail;
	}
	spin_unlock_irqrestore(&paging_lock, flags);
	return (void *)(va + off);

fail:
	spin_unlock_irqrestore(&paging_lock, flags);
	return NULL;
}

void *ioremap(phys_addr_t phys, size_t len)
{
	return map_phys(phys, len, MAP_UC, false);
}

void iounmap(void *va, size_t len)
{
	u64 off = (u64)va & (SZ_4K - 1);
	unsigned long flags = spin_lock_irqsave(&paging_lock);

	paging_unmap((u64)va - off, ALIGN_UP(len + off, SZ_4K));
	spin_unlock_irqrestore(&paging_lock, flags);
}

void *memremap(phys_addr_t phys, size_t len, unsigned type)
{
	if (!paging_on)
		return early_map(phys, len);
	if (type == MAP_WB && memmap_lookup(phys) &&
	    memmap_lookup(phys)->type == E820_RAM &&
	    memmap_lookup(phys + len - 1) == memmap_lookup(phys))
		return phys_to_virt(phys);
	return map_phys(phys, len, type, true);
}

void memunmap(void *va, size_t len)
{
	if ((u64)va >= DIRECT_MAP_BASE && (u64)va < DIRECT_MAP_BASE + DIRECT_MAP_SIZE)
		return;
	if (!paging_on)
		return;
	iounmap(va, len);
}

void *memremap_pfn_range(const struct memmap_region *reg)
{
	return map_phys(reg->base, reg->size, MAP_WB, true);
}
