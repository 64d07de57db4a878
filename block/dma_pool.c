/*
 * dma_pool.c - the bounce pool's slot allocator (block/dma_internal.h has
 * its layout): runs of DMA_SLOT_SIZE slots that stay inside one
 * DMA_SEGMENT_SIZE segment, keep the low address bits a device's
 * dma_min_align_mask asks for and end under its mask, found from a cursor
 * (next fit); runs given back, and runs given up for good (dma_pool_lose:
 * a dead controller may still write them), which then tell "never" from
 * "not now". Also the longest bounce a device may ask for
 * (dma_bounce_max_len). What every mapping asks of the pool - the slot of
 * a bus address, a slot's address, whether a range fits a mask - is inline
 * in block/dma_internal.h.
 *
 * The caller holds dma_lock (defined here, for the pool, the counters
 * and the debug table alike; interrupts off): block/dma_mapping.c,
 * which fills the run's head record and copies the data, and block/dma.c,
 * which sets the pool up at boot (dma_pool_setup).
 *
 * Layer 1 of block/ (scripts/check-floors): calls no block file.
 *
 * Pure logic: the host unit tests (tests/unit/test_dma.c) build this file
 * as it is.
 */
#include "dma_internal.h"
#include "errno.h"
#include "lib.h"
#include "panic.h"
#include "spinlock.h"

DEFINE_SPINLOCK(dma_lock);

struct dma_pool dma_pool;

/* ------------------------------------------------------------ mask logic */

size_t dma_bounce_max_len(u64 align_mask)
{
	u64 m = align_mask & (DMA_SEGMENT_SIZE - 1);

	if (!align_mask)
		return DMA_SEGMENT_SIZE;
	return DMA_SEGMENT_SIZE - ALIGN_UP(m + 1, (u64)DMA_SLOT_SIZE);
}

/* ------------------------------------------------------------ slot allocator */

static bool slot_used(const struct dma_pool *pool, unsigned i)
{
	return pool->bitmap[i / 64] & BIT(i % 64);
}

static bool slot_lost(const struct dma_pool *pool, unsigned i)
{
	return pool->slots[i].state == DMA_SLOT_LOST;
}

size_t dma_pool_meta_size(unsigned nslots)
{
	return (size_t)nslots * sizeof(struct dma_slot) +
	       DIV_ROUND_UP(nslots, 64) * sizeof(u64);
}

int dma_pool_setup(const phys_addr_t *bases, unsigned nchunks,
		   unsigned chunk_slots, void *meta)
{
	unsigned nslots = nchunks * chunk_slots;

	if (!nchunks || nchunks > DMA_POOL_MAX_CHUNKS || !chunk_slots ||
	    chunk_slots % DMA_SEGMENT_SLOTS || !meta ||
	    (u64)nslots * DMA_SLOT_SIZE > DMA_POOL_MAX_SIZE)
		return -EINVAL;
	for (unsigned c = 0; c < nchunks; c++)
		if (!IS_ALIGNED(bases[c], (u64)DMA_SEGMENT_SIZE) ||
		    bases[c] + (u64)chunk_slots * DMA_SLOT_SIZE < bases[c])
			return -EINVAL;
	memset(&dma_pool, 0, sizeof(dma_pool));
	memcpy(dma_pool.chunk_base, bases, nchunks * sizeof(bases[0]));
	dma_pool.nchunks = nchunks;
	dma_pool.chunk_slots = chunk_slots;
	dma_pool.nslots = nslots;
	dma_pool.slots = meta;
	dma_pool.bitmap = (u64 *)((char *)meta + (size_t)nslots * sizeof(struct dma_slot));
	return 0;
}

void dma_pool_teardown(void)
{
	memset(&dma_pool, 0, sizeof(dma_pool));
}

/*
 * First run in candidate starts [from, to) with no blocked slot (in use, or
 * for the question "ever?" lost), that keeps the address bits under amask
 * equal to want, stays in one segment and ends at or below limit.
 * *possible is set when some start would do with every slot free.
 */
static long pool_scan(const struct dma_pool *pool, unsigned from, unsigned to,
		      unsigned n, u64 amask, u64 want, u64 tail, u64 limit,
		      bool (*blocked)(const struct dma_pool *pool, unsigned i),
		      bool *possible)
{
	unsigned s = from;

	while (s < to) {
		unsigned seg_end = (s / DMA_SEGMENT_SLOTS + 1) * DMA_SEGMENT_SLOTS;
		phys_addr_t a = dma_pool_slot_addr(pool, s);
		unsigned j;

		if ((a & amask) != want) {
			s++;
			continue;
		}
		if (s + n > seg_end) {
			s = seg_end;
			continue;
		}
		if (a + tail < a || a + tail > limit) {
			/* chunks are ordered by nothing: try the next one */
			s = (s / pool->chunk_slots + 1) * pool->chunk_slots;
			continue;
		}
		*possible = true;
		for (j = s; j < s + n && !blocked(pool, j); j++)
			;
		if (j == s + n)
			return s;
		s = j + 1;
	}
	return -1;
}

unsigned dma_pool_run_slots(phys_addr_t orig, size_t len, u64 align_mask)
{
	u64 off = align_mask ? orig & align_mask & (DMA_SLOT_SIZE - 1) : 0;

	return (unsigned)DIV_ROUND_UP(off + len, (u64)DMA_SLOT_SIZE);
}

long dma_pool_alloc(struct dma_pool *pool, phys_addr_t orig, size_t len,
		    u64 align_mask, u64 limit, phys_addr_t *bounce)
{
	u64 amask, want, off, tail;
	bool possible = false;
	unsigned n;
	long s;

	if (!pool->nslots || !len || len > DMA_SEGMENT_SIZE)
		return -EINVAL;
	if (align_mask) {
		off = orig & align_mask & (DMA_SLOT_SIZE - 1);
		amask = align_mask & (DMA_SEGMENT_SIZE - 1) & ~(u64)(DMA_SLOT_SIZE - 1);
		want = orig & amask;
	} else {
		off = 0;
		amask = len >= PAGE_SIZE ? (PAGE_SIZE - 1) & ~(u64)(DMA_SLOT_SIZE - 1) : 0;
		want = 0;
	}
	n = (unsigned)DIV_ROUND_UP(off + len, (u64)DMA_SLOT_SIZE);
	if (n > DMA_SEGMENT_SLOTS)
		return -EINVAL;
	tail = off + len - 1;
	if (pool->cursor >= pool->nslots)
		pool->cursor = 0;
	s = pool_scan(pool, pool->cursor, pool->nslots, n, amask, want, tail, limit,
		      slot_used, &possible);
	if (s < 0)
		s = pool_scan(pool, 0, pool->cursor, n, amask, want, tail, limit,
			      slot_used, &possible);
	if (s < 0 && possible && pool->lost) {
		/* would a run do once everything but the lost slots is back? */
		bool any = false;

		possible = pool_scan(pool, 0, pool->nslots, n, amask, want, tail,
				     limit, slot_lost, &any) >= 0;
	}
	if (s < 0)
		return possible ? -ENOSPC : -EINVAL;
	for (unsigned j = (unsigned)s; j < (unsigned)s + n; j++) {
		pool->bitmap[j / 64] |= BIT(j % 64);
		memset(&pool->slots[j], 0, sizeof(pool->slots[j]));
		pool->slots[j].head = (u32)s;
		pool->slots[j].state = DMA_SLOT_TAIL;
	}
	pool->slots[s].state = DMA_SLOT_LIVE;
	pool->slots[s].nslots = (u16)n;
	pool->slots[s].bounce_off = (u16)off;
	pool->used += n;
	if (pool->used > pool->peak)
		pool->peak = pool->used;
	pool->cursor = ((unsigned)s + n) % pool->nslots;
	*bounce = dma_pool_slot_addr(pool, (unsigned)s) + off;
	return s;
}

void dma_pool_free(struct dma_pool *pool, unsigned head)
{
	unsigned n = pool->slots[head].nslots;

	BUG_ON(head + n > pool->nslots || !n);
	for (unsigned j = head; j < head + n; j++) {
		BUG_ON(!slot_used(pool, j) || pool->slots[j].head != head);
		pool->bitmap[j / 64] &= ~BIT(j % 64);
		memset(&pool->slots[j], 0, sizeof(pool->slots[j]));
	}
	pool->used -= n;
}

void dma_pool_lose(struct dma_pool *pool, unsigned head)
{
	unsigned n = pool->slots[head].nslots;

	BUG_ON(head + n > pool->nslots || !n);
	for (unsigned j = head; j < head + n; j++) {
		BUG_ON(!slot_used(pool, j) || pool->slots[j].head != head);
		pool->slots[j].state = DMA_SLOT_LOST;
	}
	pool->lost += n;
}

unsigned dma_pool_usable(const struct dma_pool *pool, u64 limit)
{
	unsigned n = 0;

	for (unsigned i = 0; i < pool->nslots; i++)
		if (!slot_lost(pool, i) &&
		    dma_range_fits(limit, dma_pool_slot_addr(pool, i), DMA_SLOT_SIZE))
			n++;
	return n;
}

