/*
 * dma_plat.c - the kernel's side of the DMA mapping layer's platform hooks
 * (block/dma_internal.h; the host unit tests have their own fakes): copy
 * between the bounce pool and the original buffer (RAM through the direct
 * map, anything else through kmap_atomic_pfn_t a page at a time, copies
 * into persistent memory made durable with persist_store()), and write
 * back what a device wrote into persistent memory through a direct
 * mapping (dma_plat_device_wrote).
 *
 * Layer 0 of block/ (scripts/check-floors): the hooks call no block file,
 * so the mapping logic above may call them.
 */
#include "copy.h"
#include "dma_internal.h"
#include "lib.h"
#include "memmap.h"
#include "mm.h"
#include "persist.h"

void dma_plat_copy(phys_addr_t bounce, pfn_t pfn, unsigned long off,
		   size_t len, bool to_pool)
{
	u8 *pool = phys_to_virt(bounce);
	bool flush = !to_pool && pfn_t_is_pmem(pfn);

	if (pfn_t_is_ram(pfn)) {	/* physically contiguous: one direct-map copy */
		u8 *va = (u8 *)phys_to_virt(pfn_t_to_phys(pfn)) + off;

		if (to_pool)
			copy_memcpy(pool, va, len);
		else
			copy_memcpy(va, pool, len);
		return;
	}
	pfn = pfn_t_add(pfn, off >> PAGE_SHIFT);
	off &= PAGE_SIZE - 1;
	while (len) {
		size_t n = min_t(size_t, len, PAGE_SIZE - off);
		u8 *va = kmap_atomic_pfn_t(pfn);

		if (!va)
			break;		/* only with a self test's kmap bug handler */
		if (to_pool)
			copy_memcpy(pool, va + off, n);
		else if (flush)
			persist_store(va + off, pool, n, PERSIST_WB_AUTO, NULL);
		else
			copy_memcpy(va + off, pool, n);
		kunmap_atomic_pfn_t(va);
		pool += n;
		len -= n;
		off = 0;
		pfn = pfn_t_add(pfn, 1);
	}
	if (flush) {		/* the bounce copy's durability point */
		persist_fence();
		pmem_check_point(PMEM_POINT_DMA_BOUNCE);
	}
}

u64 dma_plat_device_wrote(phys_addr_t phys, size_t len)
{
	pfn_t pfn = memmap_phys_to_pfn_t(phys);
	u64 lines = 0;

	if (!pfn_t_is_pmem(pfn) || !len)
		return 0;
	for (size_t off = phys & (PAGE_SIZE - 1); len;) {
		size_t n = min_t(size_t, len, PAGE_SIZE - off);
		u8 *va = kmap_atomic_pfn_t(pfn);

		if (!va)
			break;		/* only with a self test's kmap bug handler */
		lines += persist_wb_range(va + off, n, PERSIST_WB_AUTO);
		kunmap_atomic_pfn_t(va);
		len -= n;
		off = 0;
		pfn = pfn_t_add(pfn, 1);
	}
	persist_fence();
	/* durable here: the device's data, as the CPU's own stores would be */
	pmem_check_point(PMEM_POINT_DMA_DEVICE);
	return lines;
}
