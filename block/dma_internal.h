/*
 * dma_internal.h - the one header between the DMA mapping layer's files:
 * the pure ones, host-tested - the bounce pool's slot allocator
 * (block/dma_pool.c), the debug table (block/dma_debug.c) and the mapping
 * logic above them (block/dma_mapping.c) - the kernel's side (block/dma.c
 * sets the pool up, block/dma_plat.c has the hooks) and
 * tests/unit/test_dma.c.
 *
 * The pool is nchunks chunks of RAM below 4 GiB, each chunk_slots slots of
 * DMA_SLOT_SIZE bytes at chunk_base[c] (chunks need not be adjacent). Slot i
 * lives in chunk i / chunk_slots. A mapping takes a run of free slots that
 * stays inside one DMA_SEGMENT_SLOTS segment; the run's first slot (its
 * head) holds the original (pfn, offset), the length and direction, every
 * slot of the run names its head. bitmap has a bit per slot, set = in use.
 * A run abandoned to a device that may still use it (dma_abandon_sg) stays
 * in use for good: its slots are DMA_SLOT_LOST and counted in lost, and no
 * mapping that would need them is ever waited for.
 *
 * Nothing else in the kernel includes this file.
 */
#ifndef PFNOS_DMA_INTERNAL_H
#define PFNOS_DMA_INTERNAL_H

#include "dma.h"
#include "pfn_t.h"
#include "spinlock.h"
#include "types.h"

#define DMA_POOL_MAX_CHUNKS	32
#define DMA_POOL_MIN_SIZE	DMA_SEGMENT_SIZE
#define DMA_POOL_MAX_SIZE	(64ULL << 20)
#define DMA_POOL_DEFAULT_SIZE	(8ULL << 20)

/* struct dma_slot.state */
#define DMA_SLOT_FREE		0
#define DMA_SLOT_LIVE		1	/* head of a mapped run */
#define DMA_SLOT_TAIL		2	/* inside a run, not its head */
#define DMA_SLOT_CLOSING	3	/* head being unmapped (copy-out running) */
#define DMA_SLOT_LOST		4	/* any slot of an abandoned run: never free */

struct dma_slot {
	pfn_t orig_pfn;		/* head: the original's first frame */
	u32 orig_off;		/* head: byte offset from orig_pfn, < PAGE_SIZE */
	u32 len;		/* head: bytes mapped */
	u32 head;		/* any slot of a run: index of the head */
	u16 nslots;		/* head: slots in the run */
	u16 bounce_off;		/* head: data offset inside the first slot */
	u8 dir;			/* head: enum dma_data_direction */
	u8 state;		/* DMA_SLOT_* */
};

struct dma_pool {
	phys_addr_t chunk_base[DMA_POOL_MAX_CHUNKS];
	unsigned nchunks;
	unsigned chunk_slots;	/* a multiple of DMA_SEGMENT_SLOTS */
	unsigned nslots;
	unsigned used, peak;	/* used includes lost */
	unsigned lost;		/* slots kept out for good (DMA_SLOT_LOST) */
	unsigned cursor;	/* where the next search starts */
	u64 *bitmap;
	struct dma_slot *slots;
};

/* The kernel's pool (zeroed: no pool, every bounce fails). */
extern struct dma_pool dma_pool;
/* The pool, the mapping counters, the debug table and the pool waiters
 * (block/dma_pool.c); _irqsave. */
extern spinlock_t dma_lock;

/* Metadata bytes (slot records and bitmap) for a pool of nslots slots. */
size_t dma_pool_meta_size(unsigned nslots);

/*
 * dma_pool_setup - install the kernel's pool
 * @bases: chunk physical addresses, each aligned to DMA_SEGMENT_SIZE
 * @nchunks: 1..DMA_POOL_MAX_CHUNKS
 * @chunk_slots: slots per chunk, a non-zero multiple of DMA_SEGMENT_SLOTS
 * @meta: zeroed memory of dma_pool_meta_size(nchunks * chunk_slots) bytes
 *
 * Returns: 0, or -EINVAL for bad geometry (nothing is changed).
 */
int dma_pool_setup(const phys_addr_t *bases, unsigned nchunks,
		   unsigned chunk_slots, void *meta);
/* Forget the pool (host tests). All mappings must be gone. */
void dma_pool_teardown(void);

/*
 * dma_pool_alloc - find and take a run of slots for a bounce
 * @pool: the pool
 * @orig: the original's physical address (its low bits under align_mask are
 *	kept in the bounce address)
 * @len: bytes, 1..DMA_SEGMENT_SIZE
 * @align_mask: the device's dma_min_align_mask (0: none; a run for a page
 *	or more then starts page aligned)
 * @limit: the highest bus address the device reaches (its dma_mask)
 * @bounce: out: the bounce bus address of the data
 *
 * Only the bitmap, counters and run links are set; the caller fills the
 * head's record. Returns the head index, -EINVAL when no run could ever hold
 * it (lost slots never come back), or -ENOSPC when the pool is too full or
 * fragmented just now. The caller holds the pool lock.
 */
long dma_pool_alloc(struct dma_pool *pool, phys_addr_t orig, size_t len,
		    u64 align_mask, u64 limit, phys_addr_t *bounce);
/* Slots a bounce of len bytes of orig takes (as dma_pool_alloc). */
unsigned dma_pool_run_slots(phys_addr_t orig, size_t len, u64 align_mask);
/* Give back the run headed by slot head. */
void dma_pool_free(struct dma_pool *pool, unsigned head);
/* Keep the run headed by slot head out of the pool for good. */
void dma_pool_lose(struct dma_pool *pool, unsigned head);
/* Slots under limit that are not lost: what can ever be free for it. */
unsigned dma_pool_usable(const struct dma_pool *pool, u64 limit);
/* Physical address of slot i. */
static inline phys_addr_t dma_pool_slot_addr(const struct dma_pool *pool,
					       unsigned i)
{
	return pool->chunk_base[i / pool->chunk_slots] +
	       (phys_addr_t)(i % pool->chunk_slots) * DMA_SLOT_SIZE;
}

/* The slot holding addr, or -1 when addr is outside the pool (every unmap
 * asks: inline). */
static inline long dma_pool_addr_to_slot(const struct dma_pool *pool,
					 phys_addr_t addr)
{
	u64 chunk_bytes = (u64)pool->chunk_slots * DMA_SLOT_SIZE;

	for (unsigned c = 0; c < pool->nchunks; c++)
		if (addr >= pool->chunk_base[c] && addr - pool->chunk_base[c] < chunk_bytes)
			return (long)c * pool->chunk_slots +
			       (long)((addr - pool->chunk_base[c]) >> DMA_SLOT_SHIFT);
	return -1;
}

/* The longest mapping a device with this min_align_mask may bounce. */
size_t dma_bounce_max_len(u64 align_mask);
/* Does [phys, phys+len) lie at or below mask? (len 0 or wrap: false;
 * every mapping asks: inline) */
static inline bool dma_range_fits(u64 mask, phys_addr_t phys, size_t len)
{
	u64 last = phys + len - 1;

	return len && last >= phys && last <= mask;
}

/* ---- the debug table (block/dma_debug.c), for the mapping code ---- */
enum dma_debug_type {
	DMA_DBG_SINGLE = 1,	/* dma_map_pfn() */
	DMA_DBG_SG,		/* dma_map_sg() */
	DMA_DBG_COHERENT,	/* dma_alloc_coherent() */
};
/* Record a mapping (nothing when debug is off). Interrupts off. */
void dma_dbg_add(struct device *dev, dma_addr_t addr, pfn_t pfn, u64 offset,
		 size_t len, unsigned dir, unsigned type, u32 sg_nents, u64 caller);
/* Check an unmap or coherent free against the table and drop its entry;
 * false when debug is on and nothing matched (the release is bogus).
 * Interrupts off. */
bool dma_dbg_remove(struct device *dev, dma_addr_t addr, size_t len,
		    unsigned dir, unsigned type, u32 sg_nents, u64 caller);
/* Check a sync: inside a live mapping of dev, matching direction.
 * Interrupts off. */
void dma_dbg_check_sync(struct device *dev, dma_addr_t addr, size_t len,
			unsigned dir, u64 caller, const char *what);
/* Start tracking with an empty table (coherent_partial: coherent
 * allocations made before are live, and a free of one is no error), or
 * stop. Interrupts off; dma_debug_enable() decides. */
void dma_dbg_start(bool coherent_partial);
void dma_dbg_stop(void);
/* Entries in the table. */
unsigned dma_dbg_tracked(void);
/* Off, empty, no error counted (dma_core_reset). */
void dma_dbg_reset_all(void);
/* Forget every tracked mapping, staying on (dma_debug_reset). Under
 * dma_lock. */
void dma_dbg_clear_live(void);
/* For log lines: a direction's name, a caller as symbol+offset. */
const char *dma_dir_name(unsigned dir);
void dma_fmt_caller(char *buf, size_t size, u64 caller);

/* ---- the mapping logic (block/dma_mapping.c) ---- */
/* The last byte of RAM or persistent memory (dma_init from the memory
 * map): a mask below it may bounce (dma_may_bounce). */
void dma_set_memory_top(phys_addr_t last);

/* Reset every counter and the debug table, debug off (host tests). */
void dma_core_reset(void);

/* ---- platform hooks: block/dma_plat.c, or the host tests ---- */
/*
 * Copy len bytes between the pool at physical bounce (RAM below 4 GiB) and
 * the original at byte offset off of frame pfn (any memory: persistent
 * memory through kmap_atomic_pfn_t). to_pool: original -> pool. A copy into
 * persistent memory is flushed. General registers only: may run in an
 * interrupt handler.
 */
void dma_plat_copy(phys_addr_t bounce, pfn_t pfn, unsigned long off,
		   size_t len, bool to_pool);
/*
 * A device wrote [phys, phys + len) through a direct mapping (unmapped or
 * synced for the CPU, DMA_FROM_DEVICE or BIDIRECTIONAL). With DDIO inbound
 * DMA may sit in the CPU cache: where the range is persistent memory, write
 * its lines back and fence before the I/O is reported done. Returns the
 * lines written back (0 for RAM). General registers only; interrupts on.
 */
u64 dma_plat_device_wrote(phys_addr_t phys, size_t len);

#endif
