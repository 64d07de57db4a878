/*
 * mm_init.c - bringing up memory management once the memory map is final.
 *
 * 1. Place the allocator's metadata in RAM below 4 GiB (reachable through
 *    the boot identity map), above 1 MiB and clear of the kernel image.
 * 2. Hand the allocator the RAM below 4 GiB, then reserve the first MiB
 *    (firmware leftovers), the kernel image and the metadata.
 * 3. Build the kernel's page tables (mm/paging.c) and switch to them.
 * 4. Move the allocator to the direct map and hand it the RAM above 4 GiB,
 *    which only the direct map can reach.
 * 5. Prepare the kmap slots.
 * Persistent memory never enters any of this: it stays in the memory map's
 * region table, with no per-frame state.
 */
#include "boot.h"
#include "lib.h"
#include "memmap.h"
#include "mm.h"
#include "paging.h"
#include "panic.h"
#include "printk.h"
#include "buddy.h"

#define LOW_RESERVE	(1ULL << 20)
#define FOUR_GIB	(4ULL << 30)

void kmap_init(void);

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

void mm_init(void)
{
	unsigned n, nram = 0;
	const struct memmap_range *r = memmap_ranges(&n);
	u64 ram_pages = 0, meta_pa, meta_size;

	for (unsigned i = 0; i < n; i++) {
		if (r[i].type != E820_RAM)
			continue;
		ram_pages += (r[i].end - r[i].start) >> PAGE_SHIFT;
		nram += 2;	/* a range may be split at 4 GiB */
	}
	meta_size = ALIGN_UP(buddy_metadata_size(ram_pages, nram), PAGE_SIZE);
	meta_pa = find_metadata_home(meta_size);
	if (!meta_pa)
		panic("mm: no RAM below 4 GiB for %llu bytes of allocator metadata",
		      (unsigned long long)meta_size);
	frames_init((void *)meta_pa, meta_size, identity_va);
	for (unsigned i = 0; i < n; i++) {
		u64 end = min(r[i].end, FOUR_GIB);

		if (r[i].type == E820_RAM && r[i].start < end)
			frames_add_range(r[i].start >> PAGE_SHIFT, end >> PAGE_SHIFT);
	}
	frames_reserve_range(0, LOW_RESERVE >> PAGE_SHIFT);
	frames_reserve_range(KERNEL_PHYS >> PAGE_SHIFT,
			     ALIGN_UP(kernel_va_to_pa(__kernel_end), PAGE_SIZE) >> PAGE_SHIFT);
	frames_reserve_range(meta_pa >> PAGE_SHIFT, (meta_pa + meta_size) >> PAGE_SHIFT);

	paging_init();
	frames_set_mapping(phys_to_virt(meta_pa), NULL);
	for (unsigned i = 0; i < n; i++) {
		u64 start = max(r[i].start, FOUR_GIB);

		if (r[i].type == E820_RAM && start < r[i].end)
			frames_add_range(start >> PAGE_SHIFT, r[i].end >> PAGE_SHIFT);
	}
	kmap_init();
	pr_info("mm: %llu MiB RAM, %llu MiB persistent in %u regions, metadata %llu KiB\n",
		(unsigned long long)(memmap_ram_total() >> 20),
		(unsigned long long)(memmap_pmem_total() >> 20), memmap_nr_regions(),
		(unsigned long long)(mm_metadata_bytes() >> 10));
}

u64 mm_metadata_bytes(void)
{
	return buddy_metadata_bytes() + paging_table_pages * PAGE_SIZE;
}
