/*
 * mm_init.c - bringing up memory management once the memory map is final.
 *
 * 1. Place the allocator's metadata in RAM below 4 GiB (reachable through
 *    the boot identity map), above 1 MiB and clear of the kernel image.
 * 2. Hand the allocator the RAM below 4 GiB except what is in use: the
 *    first MiB (firmware leftovers), the kernel image and the metadata.
 *    (The allocator keeps free lists inside free frames, so RAM in use must
 *    never be added, not even to be reserved afterwards.)
 * 3. Build the kernel's page tables (mm/paging.c) and switch to them.
 * 4. Move the allocator to the direct map and hand it the RAM above 4 GiB,
 *    which only the direct map can reach.
 * 5. Prepare the kmap slots.
 * 6. Keep a RAM page below 1 MiB for the APs' real-mode trampoline (the
 *    allocator never gets the first MiB, so it stays free) and hand kernel/
 *    smp.c what it needs from mm (mm_smp_ops()).
 * Persistent memory never enters any of this: it stays in the memory map's
 * region table, with no per-frame state.
 */
#include "boot.h"
#include "errno.h"
#include "lib.h"
#include "memmap.h"
#include "persist.h"
#include "mm.h"
#include "paging.h"
#include "panic.h"
#include "printk.h"
#include "buddy.h"
#include "copy.h"
#include "smp.h"

#define LOW_RESERVE	(1ULL << 20)
#define FOUR_GIB	(4ULL << 30)

void kmap_init(void);

static u64 trampoline_pa;

/* The highest whole RAM page in [4 KiB, 640 KiB) of the final map: below
 * the EBDA, never page 0 (the real-mode IVT), 0 when there is none. */
static u64 find_trampoline_page(void)
{
	unsigned n;
	const struct memmap_range *r = memmap_ranges(&n);
	u64 best = 0;

	for (unsigned i = 0; i < n; i++) {
		u64 start = max(r[i].start, (u64)PAGE_SIZE), end = min(r[i].end, 0xa0000ULL);

		start = ALIGN_UP(start, PAGE_SIZE);
		end &= PAGE_MASK;
		if (r[i].type == E820_RAM && start < end)
			best = end - PAGE_SIZE;
	}
	return best;
}

static void mm_ap_setup(void)
{
	paging_cpu_init();
	copy_cpu_init();
}

void mm_smp_ops(struct smp_platform_ops *ops)
{
	ops->stack_alloc = paging_stack_alloc;
	ops->ap_setup = mm_ap_setup;
	ops->ap_boot_cr3 = paging_ap_boot_tables;
	ops->trampoline_pa = trampoline_pa;
	ops->trampoline_va = trampoline_pa ? phys_to_virt(trampoline_pa) : NULL;
}

/* Until paging_init(), frames below 4 GiB are reached by identity. */
static void *identity_va(u64 pfn)
{
	return (void *)(pfn << PAGE_SHIFT);
}

static u64 find_metadata_home(u64 size)
{
	unsigned n;
	const struct memmap_range *r = memmap_ranges(&n);
	u64 kstart = KERNEL_PHYS, kend = kernel_va_to_pa(__kernel_end);

	for (unsigned i = 0; i < n; i++) {
		u64 start = max(r[i].start, LOW_RESERVE), end = min(r[i].end, FOUR_GIB);

		if (r[i].type != E820_RAM || start >= end)
			continue;
		if (start < kend && end > kstart && start + size > kstart)
			start = kend;	/* would overlap the kernel: go above it */
		start = ALIGN_UP(start, PAGE_SIZE);
		if (start + size <= end)
			return start;
	}
	return 0;
}

/*
 * Hand [start, end) to the allocator minus the ranges in use. The allocator
 * keeps its free lists inside free frames, so nothing in use may ever be
 * added, even briefly.
 */
struct busy { u64 start, end; };

/* busy[] is sorted by start and its entries do not overlap. */
static void add_free(u64 start, u64 end, const struct busy *busy, unsigned nbusy)
{
	for (unsigned i = 0; i <= nbusy && start < end; i++) {
		u64 stop = i < nbusy ? min(busy[i].start, end) : end;
		int err = 0;

		if (stop > start)
			err = frames_add_range(start >> PAGE_SHIFT, stop >> PAGE_SHIFT);
		if (err)
			pr_err("mm: RAM 0x%llx-0x%llx not added: -%s\n",
			       (unsigned long long)start, (unsigned long long)stop,
			       errno_name(err));
		if (i < nbusy)
			start = max(start, busy[i].end);
	}
}

void mm_init(void)
{
	unsigned n, nram = 0;
	const struct memmap_range *r = memmap_ranges(&n);
	u64 ram_pages = 0, meta_pa, meta_size;

	for (unsigned i = 0; i < n; i++) {
		if (r[i].type != E820_RAM)
			continue;
		ram_pages += (r[i].end - r[i].start) >> PAGE_SHIFT;
		nram += 3;	/* a range may be split at 4 GiB and around busy pieces */
	}
	meta_size = ALIGN_UP(buddy_metadata_size(ram_pages, nram + 6), PAGE_SIZE);
	meta_pa = find_metadata_home(meta_size);
	if (!meta_pa)
		panic("mm: no RAM below 4 GiB for %llu bytes of allocator metadata",
		      (unsigned long long)meta_size);
	struct busy kernel = { KERNEL_PHYS,
			       ALIGN_UP(kernel_va_to_pa(__kernel_end), PAGE_SIZE) };
	struct busy meta = { meta_pa, meta_pa + meta_size };
	const struct busy busy[] = {	/* sorted; metadata never overlaps the kernel */
		{ 0, LOW_RESERVE },
		meta_pa < kernel.start ? meta : kernel,
		meta_pa < kernel.start ? kernel : meta,
	};

	frames_init((void *)meta_pa, meta_size, identity_va);
	for (unsigned i = 0; i < n; i++) {
		u64 end = min(r[i].end, FOUR_GIB);

		if (r[i].type == E820_RAM && r[i].start < end)
			add_free(r[i].start, end, busy, ARRAY_SIZE(busy));
	}

	paging_init();
	frames_set_mapping(phys_to_virt(meta_pa), NULL);
	for (unsigned i = 0; i < n; i++) {
		u64 start = max(r[i].start, FOUR_GIB);

		if (r[i].type == E820_RAM && start < r[i].end)
			add_free(start, r[i].end, NULL, 0);
	}
	kmap_init();
	trampoline_pa = find_trampoline_page();
	persist_init();	/* where the persistence checker finds each region */
	pr_info("mm: %llu MiB RAM, %llu MiB persistent in %u regions, metadata %llu KiB\n",
		(unsigned long long)(memmap_ram_total() >> 20),
		(unsigned long long)(memmap_pmem_total() >> 20), memmap_nr_regions(),
		(unsigned long long)(mm_metadata_bytes() >> 10));
}

u64 mm_metadata_bytes(void)
{
	return buddy_metadata_bytes() + paging_table_pages * PAGE_SIZE;
}
