/*
 * dma.c - the DMA mapping layer's boot-time setup (kernel only):
 * dma_init() allocates the bounce pool below 4 GiB from the frame
 * allocator, reads swiotlb= and dma.debug= and tells the core where memory
 * ends. The logic is in block/dma_mapping.c (with the pool's allocator in
 * block/dma_pool.c and the debug table in block/dma_debug.c), the
 * kernel's platform hooks in block/dma_plat.c.
 *
 * Boot order (kmain): mm_init(); dma_init(); then drivers.
 *
 * Layer 5 of block/ (scripts/check-floors): dma_init() sets the mapping
 * layer up at boot.
 */
#include "cmdline.h"
#include "dma_internal.h"
#include "errno.h"
#include "lib.h"
#include "memmap.h"
#include "mm.h"
#include "printk.h"

#define DMA_CHUNK_MAX	(PAGE_SIZE << (PFN_MAX_ORDER - 1))	/* 4 MiB */

/* The last byte of RAM or persistent memory: what a device may be given. */
static phys_addr_t memory_last(void)
{
	const struct memmap_range *r;
	phys_addr_t last = 0;
	unsigned n;

	r = memmap_ranges(&n);
	for (unsigned i = 0; i < n; i++)
		if ((r[i].type == E820_RAM || r[i].region) && r[i].end - 1 > last)
			last = r[i].end - 1;
	return last;
}

/* swiotlb=<size>[,force] | force | noforce; returns false on garbage. */
static bool parse_swiotlb(const char *opt, u64 *size, bool *force)
{
	char buf[64], *item, *next;

	if (strlcpy(buf, opt, sizeof(buf)) >= sizeof(buf))
		return false;
	for (item = buf; item; item = next) {
		next = strchr(item, ',');
		if (next)
			*next++ = '\0';
		if (!strcmp(item, "force"))
			*force = true;
		else if (!strcmp(item, "noforce"))
			*force = false;
		else if (!*item || parse_size(item, size))
			return false;
	}
	return true;
}

/**
 * dma_init - set up the bounce pool and the DMA options
 *
 * swiotlb=<size> (default 8M, clamped to 256k..64M, rounded up to 256 KiB)
 * sizes the pool, swiotlb=force bounces every mapping, dma.debug=1 turns
 * debug tracking on. The pool is chunks of up to 4 MiB of RAM below 4 GiB.
 * Returns: 0, or -ENOMEM when the pool could not be allocated (mappings
 * that need a bounce then fail; direct ones work).
 * Context: boot, after mm_init(), before any driver maps.
 */
int dma_init(void)
{
	const char *opt = kernel_param("swiotlb");
	phys_addr_t bases[DMA_POOL_MAX_CHUNKS];
	u64 size = DMA_POOL_DEFAULT_SIZE, chunk, lo = ~0ULL, hi = 0;
	unsigned nchunks, chunk_slots, c = 0, meta_order;
	bool force = false;
	size_t meta_size;
	pfn_t meta;
	int err;

	if (opt && !parse_swiotlb(opt, &size, &force)) {
		pr_warn("dma: swiotlb=%s not understood (want <size>[,force] or force), using defaults\n",
			opt);
		size = DMA_POOL_DEFAULT_SIZE;
		force = false;
	}
	size = ALIGN_UP(max_t(u64, min_t(u64, size, DMA_POOL_MAX_SIZE), DMA_POOL_MIN_SIZE),
			(u64)DMA_SEGMENT_SIZE);
	chunk = min_t(u64, size & -size, DMA_CHUNK_MAX);	/* largest power of two dividing */
	if (size / chunk > DMA_POOL_MAX_CHUNKS) {
		size = ALIGN_UP(size, DMA_CHUNK_MAX);
		chunk = DMA_CHUNK_MAX;
	}
	nchunks = (unsigned)(size / chunk);
	chunk_slots = (unsigned)(chunk / DMA_SLOT_SIZE);
	dma_set_force_bounce(force);
	dma_set_memory_top(memory_last());

	meta_size = dma_pool_meta_size(nchunks * chunk_slots);
	meta_order = get_order(meta_size);
	meta = pfn_alloc(meta_order, PFN_ALLOC_ZERO);
	if (pfn_t_is_null(meta)) {
		err = -ENOMEM;
		goto fail;
	}
	for (c = 0; c < nchunks; c++) {
		pfn_t p = pfn_alloc(get_order(chunk), PFN_ALLOC_DMA32 | PFN_ALLOC_ZERO);

		if (pfn_t_is_null(p)) {
			err = -ENOMEM;
			goto free_chunks;
		}
		bases[c] = pfn_t_to_phys(p);
		lo = min(lo, bases[c]);
		hi = max(hi, bases[c] + chunk);
	}
	err = dma_pool_setup(bases, nchunks, chunk_slots, phys_to_virt(pfn_t_to_phys(meta)));
	if (err)
		goto free_chunks;
	if (kernel_param_bool("dma.debug", false))
		dma_debug_enable(true);
	pr_info("dma: bounce pool %llu KiB (%u x %llu KiB) within 0x%llx-0x%llx, %u slots of %u bytes%s%s\n",
		(unsigned long long)(size >> 10), nchunks, (unsigned long long)(chunk >> 10),
		(unsigned long long)lo, (unsigned long long)hi, nchunks * chunk_slots,
		DMA_SLOT_SIZE, force ? ", swiotlb=force" : "",
		dma_debug_enabled() ? ", debug on" : "");
	return 0;

free_chunks:
	while (c--)
		pfn_free(phys_to_pfn_t(bases[c], 0), get_order(chunk));
	pfn_free(meta, meta_order);
fail:
	pr_err("dma: no memory for a %llu KiB bounce pool below 4 GiB: -%s; bounced mappings will fail\n",
	       (unsigned long long)(size >> 10), errno_name(err));
	if (kernel_param_bool("dma.debug", false))
		dma_debug_enable(true);
	return err;
}
