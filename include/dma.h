/*
 * dma.h - DMA mapping without an IOMMU (after Linux's DMA API and swiotlb).
 *
 * Devices reach memory only through these calls (docs/architecture.md,
 * invariant 4). A mapping turns (pfn_t, offset, length) into a bus address:
 * - direct: bus address = physical address, when the whole range fits the
 *   device's dma_mask and bouncing is not forced;
 * - bounced: otherwise the data goes through a pool of RAM below 4 GiB set
 *   up at boot (dma_init). Map copies the buffer into the pool (for every
 *   direction, so a device that writes less than it was given never hands
 *   stale pool bytes back), unmap and sync_for_cpu copy it back for
 *   DMA_FROM_DEVICE and DMA_BIDIRECTIONAL, sync_for_device copies it in again
 *   for DMA_TO_DEVICE and DMA_BIDIRECTIONAL. The original may be pfn-only
 *   memory (persistent memory): it is reached page by page through
 *   kmap_atomic_pfn_t(), and copies back into persistent memory are flushed.
 *   A bounce is invisible to the caller.
 *
 * Protocol (a driver):
 *	struct device dev = { .name = "nvme0", .dma_mask = DMA_BIT_MASK(64),
 *			      .coherent_dma_mask = DMA_BIT_MASK(64),
 *			      .dma_min_align_mask = 4095 };
 *	n = dma_map_sg(&dev, sgl, nents, DMA_FROM_DEVICE);	0: failed
 *	... program sg_dma_address()/sg_dma_len() of n entries, run the I/O ...
 *	dma_unmap_sg(&dev, sgl, nents, DMA_FROM_DEVICE);	same nents
 *
 * Nothing here allocates on the I/O path: bounce slots come from the pool,
 * debug records from a fixed table. A full pool is an error
 * (DMA_MAPPING_ERROR, or 0 entries mapped with nothing left mapped), never
 * corruption. It is also transient and not the caller's own: every device
 * and queue shares the pool, and slots come back when any of them unmaps.
 * So a driver tells it apart (__dma_map_sg() says -ENOMEM) from a mapping
 * that can never be made (-EINVAL: more slots than the pool can ever have
 * free, counting those abandoned for good), and waits for slots with
 * dma_pool_wait() rather than for a completion of its own, which may never
 * come.
 * Map, unmap and sync may run in interrupt context; their copies use
 * lib/string.c's memcpy (general registers only). dma_alloc_coherent() and
 * dma_free_coherent() use the frame allocator: not on the I/O path.
 *
 * Bounce geometry: slots of DMA_SLOT_SIZE bytes; one mapping takes a run of
 * slots inside one segment of DMA_SEGMENT_SIZE, so a single mapping is at
 * most dma_max_mapping_size() bytes (queue limits: max_segment_size). The
 * bounce address keeps the original's bits under dev->dma_min_align_mask
 * (NVMe sets 4095 so PRP page offsets survive the bounce); with no mask, a
 * mapping of a page or more starts page aligned.
 *
 * Command line: swiotlb=<size>[,force] (pool size, default 8M, 256k..64M,
 * rounded up to 256 KiB), swiotlb=force (bounce every mapping),
 * dma.debug=1 (track every mapping, see below).
 *
 * Debug mode tracks every live mapping (device, bus address, pfn, length,
 * direction, caller) in a fixed table and reports, naming the caller's
 * symbol: unmapping or syncing what was never mapped, a length, direction
 * or entry-count mismatch, freeing coherent memory that was not allocated,
 * and (dma_debug_check_leaks) mappings still live when a test ends.
 */
#ifndef PFNOS_DMA_H
#define PFNOS_DMA_H

#include "compiler.h"
#include "pfn_t.h"
#include "types.h"

enum dma_data_direction {
	DMA_BIDIRECTIONAL = 0,
	DMA_TO_DEVICE = 1,
	DMA_FROM_DEVICE = 2,
	DMA_NONE = 3,		/* never valid for a mapping */
};

#define DMA_MAPPING_ERROR	(~(dma_addr_t)0)
#define DMA_BIT_MASK(n)		((n) >= 64 ? ~0ULL : (1ULL << (n)) - 1)

#define DMA_SLOT_SHIFT		11
#define DMA_SLOT_SIZE		(1U << DMA_SLOT_SHIFT)		/* 2 KiB */
#define DMA_SEGMENT_SLOTS	128U
#define DMA_SEGMENT_SIZE	(DMA_SEGMENT_SLOTS * DMA_SLOT_SIZE)	/* 256 KiB */

/* Per-device counters (the `dma` command and tests read them). */
struct dma_dev_stats {
	u64 maps_direct;		/* mappings with bus = phys */
	u64 maps_bounced;		/* mappings through the pool */
	u64 map_errors;			/* mappings refused (pool full, mask, input) */
};

/*
 * A device that does DMA. A bus's device (PCI) embeds or points to one.
 * Fill name and the masks before the first mapping; the rest starts zeroed.
 */
struct device {
	const char *name;
	u64 dma_mask;			/* highest bus address it can reach */
	u64 coherent_dma_mask;		/* the same for dma_alloc_coherent() */
	u64 dma_min_align_mask;		/* bounce keeps these address bits */
	bool dma_force_bounce;		/* bounce every mapping (tests) */
	struct dma_dev_stats dma_stats;
};

static inline const char *dev_name(const struct device *dev)
{
	return dev && dev->name ? dev->name : "(no device)";
}

/* Set the streaming (and coherent) mask; 0, or -EIO for a mask below 24 bits. */
int dma_set_mask(struct device *dev, u64 mask);
int dma_set_mask_and_coherent(struct device *dev, u64 mask);

/* The largest length one mapping of dev may have (a bounce must fit one
 * segment); use it for max_segment_size. */
size_t dma_max_mapping_size(struct device *dev);

/* Would a mapping of [phys, phys+len) for dev bounce right now? */
bool dma_would_bounce(struct device *dev, phys_addr_t phys, size_t len);

/*
 * Bounce-pool limits for a driver's queue limits. dma_may_bounce(): may a
 * mapping of dev bounce at all (swiotlb=force, or a mask below the top of
 * memory)? dma_max_bounce_segments(): how many mappings of up to
 * dma_max_mapping_size() bytes one scatterlist of dev may have so that it
 * always fits the pool once nothing else holds slots: one per pool segment
 * under its mask (0: no pool). A list with more may never fit, and fails.
 */
bool dma_may_bounce(struct device *dev);
unsigned dma_max_bounce_segments(struct device *dev);

/**
 * dma_map_pfn - make len bytes at offset of frame pfn reachable by dev
 * @dev: the device
 * @pfn: first frame (RAM or persistent memory)
 * @offset: byte offset from pfn's frame (may exceed PAGE_SIZE)
 * @len: bytes, not 0, at most dma_max_mapping_size() if it bounces
 * @dir: DMA_TO_DEVICE, DMA_FROM_DEVICE or DMA_BIDIRECTIONAL
 *
 * Returns: the bus address, or DMA_MAPPING_ERROR (pool full, bad input,
 * the pool out of the device's reach) with a log line for bad input.
 * Context: any.
 */
dma_addr_t dma_map_pfn(struct device *dev, pfn_t pfn, unsigned long offset,
		       size_t len, enum dma_data_direction dir);

/**
 * dma_unmap_pfn - end a mapping; a bounce copies back (FROM_DEVICE,
 * BIDIRECTIONAL) and frees its slots
 * @dev: the device
 * @addr: what dma_map_pfn() returned
 * @len: the length mapped
 * @dir: the direction mapped
 *
 * Context: any (completion handlers).
 */
void dma_unmap_pfn(struct device *dev, dma_addr_t addr, size_t len,
		   enum dma_data_direction dir);

static inline bool dma_mapping_error(struct device *dev, dma_addr_t addr)
{
	(void)dev;
	return addr == DMA_MAPPING_ERROR;
}

struct scatterlist;

/**
 * dma_map_sg - map every entry of a scatterlist
 * @dev: the device
 * @sgl: the list (sg_dma_address/sg_dma_len of each entry are set)
 * @nents: data entries to map
 * @dir: the direction
 *
 * Entries are not merged: the count mapped is nents.
 * Returns: nents, or 0 when any entry failed (then nothing is left mapped).
 * Context: any.
 */
int dma_map_sg(struct device *dev, struct scatterlist *sgl, int nents,
	       enum dma_data_direction dir);
/*
 * __dma_map_sg - dma_map_sg() that says why it failed (as Linux's
 * __dma_map_sg_attrs): returns nents, -ENOMEM when the bounce pool is too
 * full just now (transient: see dma_pool_wait()), or -EINVAL when the list
 * can never be mapped (bad input, no pool, an entry longer than a bounce
 * can be, or more bounce slots than the pool can ever have free: the
 * pool's slots under the device's mask less those abandoned for good;
 * logged). Nothing is left mapped on failure. Context: any.
 */
int __dma_map_sg(struct device *dev, struct scatterlist *sgl, int nents,
		 enum dma_data_direction dir);
/* Unmap what dma_map_sg() mapped; nents as passed to dma_map_sg(). */
void dma_unmap_sg(struct device *dev, struct scatterlist *sgl, int nents,
		  enum dma_data_direction dir);
/*
 * dma_abandon_sg - instead of unmapping, leave a mapped list to a device
 * that may still use it, for good (a controller that cannot be stopped):
 * nothing is copied back, the bounce slots are never reused, and they stop
 * counting as capacity the pool can ever have, so a mapping that would need
 * them fails (-EINVAL) instead of waiting. The mapping stays live (counters,
 * debug tracking). Context: any.
 */
void dma_abandon_sg(struct device *dev, struct scatterlist *sgl, int nents,
		    enum dma_data_direction dir);

/*
 * Waiting for the bounce pool. dma_pool_wait(w) has w->fn(w) called once,
 * from the next dma_unmap_pfn() or dma_unmap_sg() that gives slots back
 * (any context: often a completion interrupt of another device), with
 * interrupts as that caller had them; fn may map, and queue w again.
 * Queueing a queued waiter does nothing. Slots freed between a failed
 * mapping and dma_pool_wait() wake nobody, so queue first, then try the
 * mapping once more before giving up. The waiter stays the caller's; it
 * must live while queued.
 */
struct dma_pool_waiter {
	void (*fn)(struct dma_pool_waiter *w);
	struct dma_pool_waiter *next;
	u64 seq;
	bool queued;
};
void dma_pool_wait(struct dma_pool_waiter *w);

/*
 * Ownership transfers inside a mapping that stays live: for_cpu before the
 * CPU reads what the device wrote, for_device before the device reads what
 * the CPU wrote. addr/len may be a sub-range of a mapping. Identity for
 * direct mappings (x86 DMA is cache coherent).
 */
void dma_sync_single_for_cpu(struct device *dev, dma_addr_t addr, size_t len,
			     enum dma_data_direction dir);
void dma_sync_single_for_device(struct device *dev, dma_addr_t addr, size_t len,
				enum dma_data_direction dir);
void dma_sync_sg_for_cpu(struct device *dev, struct scatterlist *sgl, int nents,
			 enum dma_data_direction dir);
void dma_sync_sg_for_device(struct device *dev, struct scatterlist *sgl, int nents,
			    enum dma_data_direction dir);

/**
 * dma_alloc_coherent - zeroed RAM both the CPU and dev reach (queues, PRP
 * list pages)
 * @dev: the device; the memory lies under its coherent_dma_mask
 * @size: bytes, rounded up to a power-of-two number of pages (max 4 MiB)
 * @handle: the bus address
 *
 * Returns: the direct-map address, or NULL (with a log line).
 * Context: init or process; not on the I/O path.
 */
void *dma_alloc_coherent(struct device *dev, size_t size, dma_addr_t *handle);
void dma_free_coherent(struct device *dev, size_t size, void *cpu_addr,
		       dma_addr_t handle);

/* ---- boot, statistics, debug ---- */
/* After mm_init(): the bounce pool and options (swiotlb=, dma.debug=).
 * Returns 0, or -ENOMEM (no pool: bounced mappings fail, direct ones work). */
int dma_init(void);

struct dma_stats {
	u64 pool_bytes;
	phys_addr_t pool_lowest, pool_highest;	/* [lowest, highest) */
	unsigned pool_chunks;
	unsigned slots, slots_used, slots_peak;
	unsigned slots_lost;		/* of slots_used: abandoned, never free */
	bool force;
	u64 maps_direct, maps_bounced, map_errors, pool_full;
	u64 waiter_wakeups;		/* dma_pool_wait() callbacks run */
	u64 bytes_bounced_in, bytes_bounced_out;	/* copied to / from the pool */
	u64 pmem_wb_lines;		/* pmem lines written back after a device wrote them */
	u64 live;			/* streaming mappings live */
	u64 coherent_live;		/* coherent allocations live */
	bool debug;
	unsigned debug_tracked;
	u64 debug_errors;
};
void dma_get_stats(struct dma_stats *st);

/* swiotlb=force at run time (tests, the `dma` command). */
void dma_set_force_bounce(bool force);
bool dma_force_bounce(void);

/*
 * Debug mode. dma_debug_enable(true) refuses with -EBUSY while streaming
 * mappings are live (they were never tracked); coherent allocations made
 * before it are let through untracked. false always works and forgets the
 * table. dma_debug_check_leaks() counts streaming mappings only: coherent
 * memory (queues) lives across tests; dma_debug_for_each() lists both.
 */
int dma_debug_enable(bool on);
bool dma_debug_enabled(void);
/* Errors reported so far (a test checks that its bad call was caught). */
u64 dma_debug_errors(void);
/* Log each tracked live streaming mapping with its caller; returns how many. */
unsigned dma_debug_check_leaks(void);
/* Forget every tracked mapping (after a leak was reported). */
void dma_debug_reset(void);
/* Call fn with a formatted line per live tracked mapping; returns count. */
unsigned dma_debug_for_each(void (*fn)(const char *line, void *arg), void *arg);

#endif
