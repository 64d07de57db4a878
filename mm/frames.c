/*
 * frames.c - the kernel's one frame allocator: the buddy core (mm/buddy.c)
 * behind pfn_alloc()/pfn_free()/page_alloc_zeroed()/kzalloc_boot() of
 * include/mm.h, with
 * frames_lock (interrupts off, _irqsave) around every call so that it may
 * be used from any context on any CPU. kzalloc_boot() goes through
 * pfn_alloc() and so through the same lock. A leaf: nothing is taken under
 * it (docs/architecture.md, "Locks and their order").
 *
 * Boot wiring (kmain): frames_init(meta, bytes, NULL) with
 * buddy_metadata_size(ram_pages, nr_ranges) bytes of RAM, frames_add_range()
 * per RAM range of the sanitized map, then frames_reserve_range() for the
 * metadata itself, the kernel image and anything else in use.
 */
#include "buddy.h"
#include "cpu.h"
#include "irq.h"
#include "mm.h"
#include "panic.h"
#include "spinlock.h"

static struct buddy frames_buddy;
static bool frames_up;
static DEFINE_SPINLOCK(frames_lock);

static void *frames_direct_va(u64 pfn)
{
	return phys_to_virt(pfn << PAGE_SHIFT);
}

/**
 * frames_init - set up the kernel's frame allocator, still empty
 * @meta: metadata memory (RAM, reachable at this address)
 * @meta_size: its size, buddy_metadata_size() of the RAM to be added
 * @frame_va: how to reach a RAM frame; NULL for the direct map
 *
 * Context: boot, before any pfn_alloc().
 */
void frames_init(void *meta, size_t meta_size, void *(*frame_va)(u64 pfn))
{
	buddy_init(&frames_buddy, meta, meta_size,
		   frame_va ? frame_va : frames_direct_va);
	frames_up = true;
}

/**
 * frames_set_mapping - switch to new addresses for the metadata and frames
 * @meta: the metadata at its new address
 * @frame_va: the new frame-address function; NULL for the direct map
 *
 * For the move from the boot identity map to the kernel's direct map.
 */
void frames_set_mapping(void *meta, void *(*frame_va)(u64 pfn))
{
	unsigned long f = spin_lock_irqsave(&frames_lock);

	buddy_set_mapping(&frames_buddy, meta, frame_va ? frame_va : frames_direct_va);
	spin_unlock_irqrestore(&frames_lock, f);
}

/**
 * frames_add_range - hand a RAM range to the allocator (see buddy_add_range)
 * @start_pfn: first frame
 * @end_pfn: one past the last
 *
 * Returns: 0 or -errno.
 */
int frames_add_range(u64 start_pfn, u64 end_pfn)
{
	unsigned long f = spin_lock_irqsave(&frames_lock);
	int err = buddy_add_range(&frames_buddy, start_pfn, end_pfn);

	spin_unlock_irqrestore(&frames_lock, f);
	return err;
}

/**
 * frames_reserve_range - take frames out of circulation (see buddy_reserve_range)
 * @start_pfn: first frame
 * @end_pfn: one past the last
 *
 * Returns: 0 or -errno.
 */
int frames_reserve_range(u64 start_pfn, u64 end_pfn)
{
	unsigned long f = spin_lock_irqsave(&frames_lock);
	int err = buddy_reserve_range(&frames_buddy, start_pfn, end_pfn);

	spin_unlock_irqrestore(&frames_lock, f);
	return err;
}

/**
 * frames_get_stats - a consistent copy of the allocator's counters
 * @st: filled in
 */
void frames_get_stats(struct buddy_stats *st)
{
	unsigned long f = spin_lock_irqsave(&frames_lock);

	buddy_get_stats(&frames_buddy, st);
	spin_unlock_irqrestore(&frames_lock, f);
}

/**
 * frames_check - verify the allocator's free lists and counters (buddy_check)
 *
 * Walks all of RAM's metadata: for tests and debugging, not hot paths.
 * Returns: 0, or -EINVAL after logging the first inconsistency.
 */
int frames_check(void)
{
	unsigned long f = spin_lock_irqsave(&frames_lock);
	int err = buddy_check(&frames_buddy);

	spin_unlock_irqrestore(&frames_lock, f);
	return err;
}

/**
 * frames_ready - has frames_init() run?
 */
bool frames_ready(void)
{
	return frames_up;
}

/**
 * buddy_metadata_bytes - RAM spent on the frame allocator's metadata
 *
 * Returns: the per-frame nibbles in use plus the allocator structure; 0
 * before frames_init().
 */
size_t buddy_metadata_bytes(void)
{
	struct buddy_stats st;

	if (!frames_up)
		return 0;
	frames_get_stats(&st);
	return st.metadata_bytes;
}

/**
 * pfn_alloc - allocate 2^order contiguous, size-aligned RAM frames
 * @order: 0..PFN_MAX_ORDER-1
 * @flags: PFN_ALLOC_ZERO, PFN_ALLOC_DMA32
 *
 * Returns: a RAM pfn_t, or PFN_T_NULL on failure.
 * Context: any; takes frames_lock with interrupts off.
 */
pfn_t pfn_alloc(unsigned order, unsigned flags)
{
	unsigned long f;
	pfn_t p;

	if (!frames_up)
		return PFN_T_NULL;
	f = spin_lock_irqsave(&frames_lock);
	p = buddy_alloc(&frames_buddy, order, flags);
	spin_unlock_irqrestore(&frames_lock, f);
	return p;
}

/**
 * pfn_free - give back what pfn_alloc() returned
 * @pfn: the first frame
 * @order: the order it was allocated with
 *
 * Anything else (double free, wrong order, a pmem pfn...) panics "pfn_free: ...".
 * Context: any.
 */
void pfn_free(pfn_t pfn, unsigned order)
{
	unsigned long f;

	if (!frames_up)
		panic("pfn_free: pfn %#llx before the allocator is up",
		      (unsigned long long)pfn_t_to_pfn(pfn));
	f = spin_lock_irqsave(&frames_lock);
	buddy_free(&frames_buddy, pfn, order);
	spin_unlock_irqrestore(&frames_lock, f);
}

/**
 * page_alloc_zeroed - one zeroed RAM page, by its direct-map address
 *
 * Returns: the address, or NULL when memory is exhausted.
 */
void *page_alloc_zeroed(void)
{
	pfn_t p = pfn_alloc(0, PFN_ALLOC_ZERO);

	if (pfn_t_is_null(p))
		return NULL;
	return phys_to_virt(pfn_t_to_phys(p));
}

/**
 * page_free - free a page from page_alloc_zeroed()
 * @va: its direct-map address (NULL is ignored)
 */
void page_free(void *va)
{
	if (!va)
		return;
	pfn_free(phys_to_pfn_t(virt_to_phys(va), 0), 0);
}

/**
 * kzalloc_boot - setup-time memory from the frame allocator
 * @size: bytes; rounded up to a power-of-two number of pages
 *
 * Returns: the zeroed memory's direct-map address, or NULL when size needs
 * PFN_MAX_ORDER or more or memory is exhausted.
 * Context: any, but meant for setup (boot, device creation), never for the
 * I/O path.
 */
void *kzalloc_boot(size_t size)
{
	unsigned order = get_order(size);
	pfn_t pfn;

	if (order >= PFN_MAX_ORDER)
		return NULL;
	pfn = pfn_alloc(order, PFN_ALLOC_ZERO);
	if (pfn_t_is_null(pfn))
		return NULL;
	return phys_to_virt(pfn_t_to_phys(pfn));
}

/**
 * kfree_boot - free memory from kzalloc_boot()
 * @p: its address (NULL is ignored)
 * @size: the size it was allocated with
 */
void kfree_boot(void *p, size_t size)
{
	if (p)
		pfn_free(phys_to_pfn_t(virt_to_phys(p), 0), get_order(size));
}
