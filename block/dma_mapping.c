/*
 * dma_mapping.c - the DMA mapping layer's logic (include/dma.h): direct or
 * bounced mapping decisions against the device's mask, map/unmap/sync of
 * single ranges and scatterlists (a bounce takes a run of the pool,
 * block/dma_pool.c, and copies through the platform), waiting for bounce
 * slots, coherent allocations, the counters, and when the debug table
 * (block/dma_debug.c) may start.
 *
 * Pure: no hardware access. The kernel supplies the platform hooks of
 * block/dma_internal.h (block/dma_plat.c: the copy between pool and
 * original) and sets the pool up at boot (block/dma.c); host unit tests
 * (tests/unit/test_dma.c) supply fakes and build this file as it is.
 *
 * Locking: the pool, the counters, the debug table and the waiter list
 * change under dma_lock (block/dma_pool.c), _irqsave since completions
 * unmap from interrupt handlers, on any CPU. Copies, waiter callbacks and
 * allocations run outside it, on slots the mapping owns; under it only
 * printk may be called (dma_misuse()). A leaf but for printk.
 *
 * Layer 2 of block/ (scripts/check-floors): above the pool, the debug
 * table, the scatterlist and the platform hooks.
 */
#include "dma_internal.h"
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "panic.h"
#include "printk.h"
#include "scatterlist.h"

static bool dma_force;
/* The last byte of memory a mapping may name (RAM and persistent memory);
 * all ones until the platform says (dma_set_memory_top). */
static phys_addr_t dma_mem_last = ~0ULL;

static struct {
	u64 maps_direct, maps_bounced, map_errors, pool_full;
	u64 bytes_in, bytes_out;
	u64 live, coherent_live;
	u64 dev_wb_lines;		/* pmem lines written back after device writes */
	u64 waiter_wakeups;
} dma_cnt;

/* Waiting for slots to come back (dma_pool_wait), oldest first; seq
 * numbers queueings so a wake-up round ends at those queued before it. */
static struct dma_pool_waiter *pool_waiters, **pool_waiters_tail = &pool_waiters;
static u64 pool_wait_seq;

static bool dir_valid(enum dma_data_direction dir)
{
	return dir == DMA_BIDIRECTIONAL || dir == DMA_TO_DEVICE ||
	       dir == DMA_FROM_DEVICE;
}

/* Does the device write the buffer (copy back to the original)? */
static bool dir_from_device(unsigned dir)
{
	return dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL;
}

static bool dir_to_device(unsigned dir)
{
	return dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL;
}

/* A misuse seen with debug off too (bad input, a bad bounce unmap). */
static void __printf(3, 4) dma_misuse(const struct device *dev, u64 caller,
				      const char *fmt, ...)
{
	char msg[160], sym[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dma_fmt_caller(sym, sizeof(sym), caller);
	pr_err("dma: %s: %s (caller %s)\n", dev_name(dev), msg, sym);
}

/* ------------------------------------------------------------ mask logic */

bool dma_would_bounce(struct device *dev, phys_addr_t phys, size_t len)
{
	return dma_force || dev->dma_force_bounce ||
	       !dma_range_fits(dev->dma_mask, phys, len);
}

size_t dma_max_mapping_size(struct device *dev)
{
	return dma_bounce_max_len(dev->dma_min_align_mask);
}

void dma_set_memory_top(phys_addr_t last)
{
	dma_mem_last = last;
}

bool dma_may_bounce(struct device *dev)
{
	return dma_force || dev->dma_force_bounce || dev->dma_mask < dma_mem_last;
}

/*
 * An empty segment holds any one mapping of up to dma_max_mapping_size()
 * (with its start offset kept); the allocator tries every start, so while
 * fewer mappings than such segments are live, another one always finds an
 * empty segment at least.
 */
unsigned dma_max_bounce_segments(struct device *dev)
{
	unsigned long f = spin_lock_irqsave(&dma_lock);
	unsigned n = 0;

	for (unsigned s = 0; s < dma_pool.nslots; s += DMA_SEGMENT_SLOTS)
		if (dma_range_fits(dev->dma_mask, dma_pool_slot_addr(&dma_pool, s),
				   DMA_SEGMENT_SIZE))
			n++;
	spin_unlock_irqrestore(&dma_lock, f);
	return n;
}

int dma_set_mask(struct device *dev, u64 mask)
{
	if (mask < DMA_BIT_MASK(24))
		return -EIO;
	dev->dma_mask = mask;
	return 0;
}

int dma_set_mask_and_coherent(struct device *dev, u64 mask)
{
	int err = dma_set_mask(dev, mask);

	if (!err)
		dev->coherent_dma_mask = mask;
	return err;
}

void dma_set_force_bounce(bool force)
{
	dma_force = force;
}

bool dma_force_bounce(void)
{
	return dma_force;
}

/* ------------------------------------------------------------ debug mode */

/* Tracking starts only with no mapping live: it must see every unmap's map. */
int dma_debug_enable(bool on)
{
	unsigned long f = spin_lock_irqsave(&dma_lock);
	int err = 0;

	if (on && !dma_debug_enabled()) {
		if (dma_cnt.live)
			err = -EBUSY;
		else
			dma_dbg_start(dma_cnt.coherent_live != 0);
	} else if (!on) {
		dma_dbg_stop();
	}
	spin_unlock_irqrestore(&dma_lock, f);
	return err;
}

void dma_debug_reset(void)
{
	unsigned long f = spin_lock_irqsave(&dma_lock);

	dma_dbg_clear_live();
	spin_unlock_irqrestore(&dma_lock, f);
}

void dma_core_reset(void)
{
	dma_dbg_reset_all();
	dma_force = false;
	dma_mem_last = ~0ULL;
	memset(&dma_cnt, 0, sizeof(dma_cnt));
	pool_waiters = NULL;
	pool_waiters_tail = &pool_waiters;
}

/* ------------------------------------------------------------ streaming */

/* *why gets -ENOMEM for a full pool (transient), -EINVAL otherwise. */
static dma_addr_t bounce_map(struct device *dev, pfn_t pfn, unsigned long offset,
			     phys_addr_t phys, size_t len, unsigned dir, u64 caller,
			     int *why)
{
	pfn_t opfn = pfn_t_add(pfn, offset >> PAGE_SHIFT);
	u32 ooff = offset & (PAGE_SIZE - 1);
	struct dma_slot *h;
	phys_addr_t bounce;
	unsigned long f;
	long head;

	*why = -EINVAL;
	if (!dma_pool.nslots) {
		dma_misuse(dev, caller, "0x%llx len %zu needs a bounce and there is no pool",
			   (unsigned long long)phys, len);
		return DMA_MAPPING_ERROR;
	}
	if (len > dma_max_mapping_size(dev)) {
		dma_misuse(dev, caller, "0x%llx len %zu needs a bounce, longer than %zu",
			   (unsigned long long)phys, len, dma_max_mapping_size(dev));
		return DMA_MAPPING_ERROR;
	}
	f = spin_lock_irqsave(&dma_lock);
	head = dma_pool_alloc(&dma_pool, phys, len, dev->dma_min_align_mask,
			      dev->dma_mask, &bounce);
	if (head < 0) {
		unsigned lost = dma_pool.lost;

		if (head == -ENOSPC)
			dma_cnt.pool_full++;
		spin_unlock_irqrestore(&dma_lock, f);
		if (head == -ENOSPC) {
			*why = -ENOMEM;
			pr_debug("dma: %s: bounce pool full (%zu bytes)\n", dev_name(dev), len);
		} else if (lost) {
			dma_misuse(dev, caller, "no run of %u bounce slots can ever be free for len %zu under mask 0x%llx (%u kept out for good)",
				   dma_pool_run_slots(phys, len, dev->dma_min_align_mask),
				   len, (unsigned long long)dev->dma_mask, lost);
		} else {
			dma_misuse(dev, caller, "no bounce slots under mask 0x%llx for len %zu",
				   (unsigned long long)dev->dma_mask, len);
		}
		return DMA_MAPPING_ERROR;
	}
	h = &dma_pool.slots[head];
	h->orig_pfn = opfn;
	h->orig_off = ooff;
	h->len = (u32)len;
	h->dir = (u8)dir;
	dma_cnt.bytes_in += len;
	spin_unlock_irqrestore(&dma_lock, f);
	/* Every direction: a device that writes less than len must not hand
	 * back another mapping's stale bytes on unmap. */
	dma_plat_copy(bounce, opfn, ooff, len, true);
	return bounce;
}

/* *why (may be NULL) gets what a DMA_MAPPING_ERROR means: -ENOMEM for a
 * bounce pool full just now, -EINVAL for a mapping that can never be made. */
static dma_addr_t __dma_map(struct device *dev, pfn_t pfn, unsigned long offset,
			    size_t len, enum dma_data_direction dir, u64 caller,
			    unsigned type, u32 sg_nents, int *why)
{
	phys_addr_t phys = pfn_t_to_phys(pfn) + offset;
	dma_addr_t addr;
	unsigned long f;
	int reason = -EINVAL;

	if (!dev) {
		dma_misuse(dev, caller, "mapping with no device");
		return DMA_MAPPING_ERROR;
	}
	if (!dir_valid(dir) || !len || len > 0xffffffffUL || phys < pfn_t_to_phys(pfn) ||
	    phys + len - 1 < phys || !dev->dma_mask) {
		dma_misuse(dev, caller, "bad mapping: pfn 0x%llx offset 0x%lx len %zu %s mask 0x%llx",
			   (unsigned long long)pfn_t_to_pfn(pfn), offset, len, dma_dir_name(dir),
			   (unsigned long long)dev->dma_mask);
		addr = DMA_MAPPING_ERROR;
	} else if (!dma_would_bounce(dev, phys, len)) {
		addr = phys;
	} else {
		addr = bounce_map(dev, pfn, offset, phys, len, dir, caller, &reason);
	}
	if (why)
		*why = reason;
	f = spin_lock_irqsave(&dma_lock);
	if (addr == DMA_MAPPING_ERROR) {
		dma_cnt.map_errors++;
		dev->dma_stats.map_errors++;
	} else {
		if (addr == phys) {
			dma_cnt.maps_direct++;
			dev->dma_stats.maps_direct++;
		} else {
			dma_cnt.maps_bounced++;
			dev->dma_stats.maps_bounced++;
		}
		dma_cnt.live++;
		dma_dbg_add(dev, addr, pfn, offset, len, dir, type, sg_nents, caller);
	}
	spin_unlock_irqrestore(&dma_lock, f);
	return addr;
}

/*
 * A device wrote [addr, addr + len) of a direct mapping (bus address =
 * physical address without an IOMMU): where that is persistent memory the
 * platform writes the lines back before the I/O completes (DDIO may have
 * left them in the CPU cache; docs/architecture.md, persistence model).
 */
static void device_wrote(dma_addr_t addr, size_t len)
{
	u64 lines = dma_plat_device_wrote(addr, len);
	unsigned long f;

	if (!lines)
		return;
	f = spin_lock_irqsave(&dma_lock);
	dma_cnt.dev_wb_lines += lines;
	spin_unlock_irqrestore(&dma_lock, f);
}

/* Returns true when bounce slots went back to the pool. */
static bool __dma_unmap(struct device *dev, dma_addr_t addr, size_t len,
			enum dma_data_direction dir, u64 caller, unsigned type,
			u32 sg_nents, bool copy_back)
{
	struct dma_slot *h, snap;
	unsigned long f = spin_lock_irqsave(&dma_lock);
	phys_addr_t start;
	bool known;
	long slot;

	known = dma_dbg_remove(dev, addr, len, dir, type, sg_nents, caller);
	slot = dma_pool_addr_to_slot(&dma_pool, addr);
	if (slot < 0) {			/* a direct mapping */
		if (known && dma_cnt.live)
			dma_cnt.live--;
		spin_unlock_irqrestore(&dma_lock, f);
		if (copy_back && dir_from_device(dir))
			device_wrote(addr, len);
		return false;
	}
	h = &dma_pool.slots[dma_pool.slots[slot].head];
	start = dma_pool_slot_addr(&dma_pool, dma_pool.slots[slot].head) + h->bounce_off;
	if (dma_pool.slots[slot].state == DMA_SLOT_FREE || h->state != DMA_SLOT_LIVE ||
	    addr != start) {
		spin_unlock_irqrestore(&dma_lock, f);
		dma_misuse(dev, caller, "unmap of bus 0x%llx len %zu: not a live bounce mapping",
			   (unsigned long long)addr, len);
		return false;
	}
	if (!dma_debug_enabled() && (h->len != len || h->dir != dir))
		dma_misuse(dev, caller, "unmap of bus 0x%llx len %zu %s: mapped len %u %s",
			   (unsigned long long)addr, len, dma_dir_name(dir), h->len,
			   dma_dir_name(h->dir));
	h->state = DMA_SLOT_CLOSING;
	snap = *h;
	spin_unlock_irqrestore(&dma_lock, f);

	if (copy_back && dir_from_device(snap.dir))
		dma_plat_copy(addr, snap.orig_pfn, snap.orig_off, snap.len, false);

	f = spin_lock_irqsave(&dma_lock);
	if (copy_back && dir_from_device(snap.dir))
		dma_cnt.bytes_out += snap.len;
	dma_pool_free(&dma_pool, (unsigned)(h - dma_pool.slots));
	if (dma_cnt.live)
		dma_cnt.live--;
	spin_unlock_irqrestore(&dma_lock, f);
	return true;
}

/* ------------------------------------------------------------ pool waiters */

void dma_pool_wait(struct dma_pool_waiter *w)
{
	unsigned long f = spin_lock_irqsave(&dma_lock);

	if (!w->queued) {
		w->queued = true;
		w->seq = pool_wait_seq++;
		w->next = NULL;
		*pool_waiters_tail = w;
		pool_waiters_tail = &w->next;
	}
	spin_unlock_irqrestore(&dma_lock, f);
}

/*
 * Slots came back: call each waiter queued before now, once, with the
 * interrupt state of the caller. One at a time off the list, so a waiter
 * that maps and queues itself again, or a wake-up nested in an interrupt,
 * finds the list consistent; one queued during this round waits for the
 * next unmap.
 */
static void pool_wake_waiters(void)
{
	unsigned long f = spin_lock_irqsave(&dma_lock);
	u64 end = pool_wait_seq;

	for (;;) {
		struct dma_pool_waiter *w = pool_waiters;

		if (!w || w->seq >= end)
			break;
		pool_waiters = w->next;
		if (!pool_waiters)
			pool_waiters_tail = &pool_waiters;
		w->next = NULL;
		w->queued = false;
		dma_cnt.waiter_wakeups++;
		spin_unlock_irqrestore(&dma_lock, f);
		w->fn(w);
		f = spin_lock_irqsave(&dma_lock);
	}
	spin_unlock_irqrestore(&dma_lock, f);
}

dma_addr_t dma_map_pfn(struct device *dev, pfn_t pfn, unsigned long offset,
		       size_t len, enum dma_data_direction dir)
{
	return __dma_map(dev, pfn, offset, len, dir,
			 (u64)__builtin_return_address(0), DMA_DBG_SINGLE, 0, NULL);
}

void dma_unmap_pfn(struct device *dev, dma_addr_t addr, size_t len,
		   enum dma_data_direction dir)
{
	if (__dma_unmap(dev, addr, len, dir, (u64)__builtin_return_address(0),
			DMA_DBG_SINGLE, 0, true) && READ_ONCE(pool_waiters))
		pool_wake_waiters();
}

/*
 * After a mapping of the list found the pool full: could it ever fit? Not
 * when the slots its bounced entries take add up to more than the pool can
 * ever have free under the device's mask (the slots of abandoned runs never
 * come back). Logged, so the -EINVAL says why.
 */
static bool sg_never_fits(struct device *dev, struct scatterlist *sgl,
			  int nents, u64 caller)
{
	struct scatterlist *sg;
	unsigned usable, lost;
	unsigned long f;
	u64 need = 0;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		phys_addr_t phys = pfn_t_to_phys(sg->pfn) + sg->offset;

		if (dma_would_bounce(dev, phys, sg->length))
			need += dma_pool_run_slots(phys, sg->length,
						   dev->dma_min_align_mask);
	}
	f = spin_lock_irqsave(&dma_lock);
	usable = dma_pool_usable(&dma_pool, dev->dma_mask);
	lost = dma_pool.lost;
	spin_unlock_irqrestore(&dma_lock, f);
	if (need <= usable)
		return false;
	dma_misuse(dev, caller, "%d entries need %llu bounce slots, the pool can hold %u (%u kept out for good)",
		   nents, (unsigned long long)need, usable, lost);
	return true;
}

static int dma_map_sg_caller(struct device *dev, struct scatterlist *sgl,
			     int nents, enum dma_data_direction dir, u64 caller)
{
	struct scatterlist *sg, *s;
	int i, j, why = -EINVAL;

	if (!sgl || nents <= 0) {
		dma_misuse(dev, caller, "dma_map_sg of %d entries", nents);
		return -EINVAL;
	}
	for_each_sg(sgl, sg, nents, i) {
		dma_addr_t addr;

		if (!sg) {
			dma_misuse(dev, caller, "dma_map_sg: list ends after %d of %d entries",
				   i, nents);
			why = -EINVAL;
			goto unwind;
		}
		addr = __dma_map(dev, sg->pfn, sg->offset, sg->length, dir, caller,
				 DMA_DBG_SG, (u32)nents, &why);
		if (addr == DMA_MAPPING_ERROR)
			goto unwind;
		sg->dma_address = addr;
		sg->dma_length = sg->length;
	}
	return nents;

unwind:
	/* Slots given back here wake no waiter: they were free when this
	 * call began, and waking from a failed map could ping-pong. */
	for_each_sg(sgl, s, i, j) {
		__dma_unmap(dev, s->dma_address, s->dma_length, dir, caller,
			    DMA_DBG_SG, (u32)nents, false);
		s->dma_address = DMA_MAPPING_ERROR;
		s->dma_length = 0;
	}
	if (why == -ENOMEM && sg_never_fits(dev, sgl, nents, caller))
		why = -EINVAL;
	return why;
}

int dma_map_sg(struct device *dev, struct scatterlist *sgl, int nents,
	       enum dma_data_direction dir)
{
	int n = dma_map_sg_caller(dev, sgl, nents, dir,
				  (u64)__builtin_return_address(0));

	return n < 0 ? 0 : n;
}

int __dma_map_sg(struct device *dev, struct scatterlist *sgl, int nents,
		 enum dma_data_direction dir)
{
	return dma_map_sg_caller(dev, sgl, nents, dir,
				 (u64)__builtin_return_address(0));
}

void dma_unmap_sg(struct device *dev, struct scatterlist *sgl, int nents,
		  enum dma_data_direction dir)
{
	u64 caller = (u64)__builtin_return_address(0);
	struct scatterlist *sg;
	bool freed = false;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		if (!sg) {
			dma_misuse(dev, caller, "dma_unmap_sg: list ends after %d of %d entries",
				   i, nents);
			break;
		}
		freed |= __dma_unmap(dev, sg->dma_address, sg->dma_length, dir, caller,
				     DMA_DBG_SG, (u32)nents, true);
	}
	if (freed && READ_ONCE(pool_waiters))
		pool_wake_waiters();
}

void dma_abandon_sg(struct device *dev, struct scatterlist *sgl, int nents,
		    enum dma_data_direction dir)
{
	u64 caller = (u64)__builtin_return_address(0);
	struct scatterlist *sg;
	unsigned long f;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		struct dma_slot *h;
		phys_addr_t start;
		long slot;

		if (!sg) {
			dma_misuse(dev, caller, "dma_abandon_sg: list ends after %d of %d entries",
				   i, nents);
			break;
		}
		f = spin_lock_irqsave(&dma_lock);
		slot = dma_pool_addr_to_slot(&dma_pool, sg->dma_address);
		if (slot < 0) {		/* direct: no pool memory to keep */
			spin_unlock_irqrestore(&dma_lock, f);
			continue;
		}
		h = &dma_pool.slots[dma_pool.slots[slot].head];
		start = dma_pool_slot_addr(&dma_pool, dma_pool.slots[slot].head) +
			h->bounce_off;
		if (dma_pool.slots[slot].state == DMA_SLOT_FREE ||
		    h->state != DMA_SLOT_LIVE || sg->dma_address != start ||
		    h->dir != dir) {
			spin_unlock_irqrestore(&dma_lock, f);
			dma_misuse(dev, caller, "abandon of bus 0x%llx len %u: not a live bounce mapping of that direction",
				   (unsigned long long)sg->dma_address, sg->dma_length);
			continue;
		}
		dma_pool_lose(&dma_pool, dma_pool.slots[slot].head);
		spin_unlock_irqrestore(&dma_lock, f);
	}
}

/* Copy [addr, addr+len) of a bounce mapping toward the CPU or the device;
 * for a direct one that the device wrote, have persistent memory written
 * back. */
static void bounce_sync(struct device *dev, dma_addr_t addr, size_t len,
			enum dma_data_direction dir, bool for_cpu, u64 caller)
{
	long slot = dma_pool_addr_to_slot(&dma_pool, addr);
	unsigned long f;
	struct dma_slot snap;
	phys_addr_t start;
	u64 skip;

	if (slot < 0) {		/* direct: x86 DMA is cache coherent, but */
		if (for_cpu && dir_from_device(dir))
			device_wrote(addr, len);	/* pmem needs a write-back */
		return;
	}
	f = spin_lock_irqsave(&dma_lock);
	snap = dma_pool.slots[dma_pool.slots[slot].head];
	start = dma_pool_slot_addr(&dma_pool, dma_pool.slots[slot].head) + snap.bounce_off;
	if (dma_pool.slots[slot].state == DMA_SLOT_FREE || snap.state != DMA_SLOT_LIVE ||
	    addr < start || addr - start >= snap.len || len > snap.len - (addr - start)) {
		spin_unlock_irqrestore(&dma_lock, f);
		dma_misuse(dev, caller, "sync of bus 0x%llx len %zu: not inside a live bounce mapping",
			   (unsigned long long)addr, len);
		return;
	}
	if (for_cpu ? dir_from_device(snap.dir) : dir_to_device(snap.dir)) {
		if (for_cpu)
			dma_cnt.bytes_out += len;
		else
			dma_cnt.bytes_in += len;
	} else {
		len = 0;
	}
	spin_unlock_irqrestore(&dma_lock, f);
	if (!len)
		return;
	skip = snap.orig_off + (addr - start);
	dma_plat_copy(addr, pfn_t_add(snap.orig_pfn, skip >> PAGE_SHIFT),
		      skip & (PAGE_SIZE - 1), len, !for_cpu);
}

static void __dma_sync(struct device *dev, dma_addr_t addr, size_t len,
		       enum dma_data_direction dir, bool for_cpu, u64 caller)
{
	unsigned long f = spin_lock_irqsave(&dma_lock);

	dma_dbg_check_sync(dev, addr, len, dir, caller,
		       for_cpu ? "sync_for_cpu" : "sync_for_device");
	spin_unlock_irqrestore(&dma_lock, f);
	bounce_sync(dev, addr, len, dir, for_cpu, caller);
}

void dma_sync_single_for_cpu(struct device *dev, dma_addr_t addr, size_t len,
			     enum dma_data_direction dir)
{
	__dma_sync(dev, addr, len, dir, true, (u64)__builtin_return_address(0));
}

void dma_sync_single_for_device(struct device *dev, dma_addr_t addr, size_t len,
				enum dma_data_direction dir)
{
	__dma_sync(dev, addr, len, dir, false, (u64)__builtin_return_address(0));
}

static void sync_sg(struct device *dev, struct scatterlist *sgl, int nents,
		    enum dma_data_direction dir, bool for_cpu, u64 caller)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		if (!sg)
			return;
		__dma_sync(dev, sg->dma_address, sg->dma_length, dir, for_cpu, caller);
	}
}

void dma_sync_sg_for_cpu(struct device *dev, struct scatterlist *sgl, int nents,
			 enum dma_data_direction dir)
{
	sync_sg(dev, sgl, nents, dir, true, (u64)__builtin_return_address(0));
}

void dma_sync_sg_for_device(struct device *dev, struct scatterlist *sgl, int nents,
			    enum dma_data_direction dir)
{
	sync_sg(dev, sgl, nents, dir, false, (u64)__builtin_return_address(0));
}

/* ------------------------------------------------------------ coherent */

void *dma_alloc_coherent(struct device *dev, size_t size, dma_addr_t *handle)
{
	u64 caller = (u64)__builtin_return_address(0);
	unsigned order = get_order(size);
	u64 mask = dev ? dev->coherent_dma_mask : 0;
	unsigned long f;
	phys_addr_t pa;
	pfn_t pfn;

	if (!dev || !handle || !size || order >= PFN_MAX_ORDER || !mask) {
		dma_misuse(dev, caller, "bad dma_alloc_coherent of %zu bytes (coherent mask 0x%llx)",
			   size, (unsigned long long)mask);
		return NULL;
	}
	pfn = pfn_alloc(order, PFN_ALLOC_ZERO |
			(mask < DMA_BIT_MASK(32) ? PFN_ALLOC_DMA32 : 0));
	if (!pfn_t_is_null(pfn) && !dma_range_fits(mask, pfn_t_to_phys(pfn), PAGE_SIZE << order)) {
		pfn_free(pfn, order);
		pfn = mask >= DMA_BIT_MASK(32) ? pfn_alloc(order, PFN_ALLOC_ZERO | PFN_ALLOC_DMA32)
					       : PFN_T_NULL;
	}
	if (pfn_t_is_null(pfn) || !dma_range_fits(mask, pfn_t_to_phys(pfn), PAGE_SIZE << order)) {
		if (!pfn_t_is_null(pfn))
			pfn_free(pfn, order);
		pr_err("dma: %s: no memory for %zu coherent bytes under 0x%llx\n",
		       dev_name(dev), size, (unsigned long long)mask);
		return NULL;
	}
	pa = pfn_t_to_phys(pfn);
	*handle = pa;
	f = spin_lock_irqsave(&dma_lock);
	dma_cnt.coherent_live++;
	dma_dbg_add(dev, pa, pfn, 0, size, DMA_BIDIRECTIONAL, DMA_DBG_COHERENT, 0, caller);
	spin_unlock_irqrestore(&dma_lock, f);
	return phys_to_virt(pa);
}

void dma_free_coherent(struct device *dev, size_t size, void *cpu_addr,
		       dma_addr_t handle)
{
	u64 caller = (u64)__builtin_return_address(0);
	unsigned long f;

	if (!cpu_addr)
		return;
	if (!size || get_order(size) >= PFN_MAX_ORDER || cpu_addr != phys_to_virt(handle) ||
	    !IS_ALIGNED(handle, PAGE_SIZE)) {
		dma_misuse(dev, caller, "bad dma_free_coherent(%zu bytes, %p, bus 0x%llx): kept",
			   size, cpu_addr, (unsigned long long)handle);
		return;
	}
	f = spin_lock_irqsave(&dma_lock);
	if (!dma_dbg_remove(dev, handle, size, DMA_BIDIRECTIONAL, DMA_DBG_COHERENT, 0, caller)) {
		spin_unlock_irqrestore(&dma_lock, f);
		return;		/* never allocated: freeing it would corrupt */
	}
	if (dma_cnt.coherent_live)
		dma_cnt.coherent_live--;
	spin_unlock_irqrestore(&dma_lock, f);
	pfn_free(phys_to_pfn_t(handle, 0), get_order(size));
}

/* ------------------------------------------------------------ statistics */

void dma_get_stats(struct dma_stats *st)
{
	unsigned long f = spin_lock_irqsave(&dma_lock);
	u64 chunk_bytes = (u64)dma_pool.chunk_slots * DMA_SLOT_SIZE;

	memset(st, 0, sizeof(*st));
	st->pool_bytes = (u64)dma_pool.nslots * DMA_SLOT_SIZE;
	st->pool_chunks = dma_pool.nchunks;
	st->pool_lowest = dma_pool.nchunks ? ~0ULL : 0;
	for (unsigned c = 0; c < dma_pool.nchunks; c++) {
		st->pool_lowest = min(st->pool_lowest, dma_pool.chunk_base[c]);
		st->pool_highest = max(st->pool_highest, dma_pool.chunk_base[c] + chunk_bytes);
	}
	st->slots = dma_pool.nslots;
	st->slots_used = dma_pool.used;
	st->slots_lost = dma_pool.lost;
	st->slots_peak = dma_pool.peak;
	st->force = dma_force;
	st->maps_direct = dma_cnt.maps_direct;
	st->maps_bounced = dma_cnt.maps_bounced;
	st->map_errors = dma_cnt.map_errors;
	st->pool_full = dma_cnt.pool_full;
	st->waiter_wakeups = dma_cnt.waiter_wakeups;
	st->bytes_bounced_in = dma_cnt.bytes_in;
	st->bytes_bounced_out = dma_cnt.bytes_out;
	st->pmem_wb_lines = dma_cnt.dev_wb_lines;
	st->live = dma_cnt.live;
	st->coherent_live = dma_cnt.coherent_live;
	st->debug = dma_debug_enabled();
	st->debug_tracked = dma_dbg_tracked();
	st->debug_errors = dma_debug_errors();
	spin_unlock_irqrestore(&dma_lock, f);
}
