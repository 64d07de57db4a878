/*
 * buddy.h - the frame allocator core (mm/buddy.c) and its kernel glue
 * (mm/frames.c). Internal to mm/ (and its tests): the rest of the kernel
 * allocates through pfn_alloc()/pfn_free() and reads the statistics
 * (struct buddy_stats, frames_get_stats()) in include/mm.h.
 *
 * A binary buddy allocator over RAM pfns only, orders 0..PFN_MAX_ORDER-1.
 * Persistent memory never enters it and has no per-frame state anywhere.
 *
 * Metadata: 4 bits per RAM frame (BUDDY_META_BITS), in memory the caller
 * provides, indexed per RAM range so that holes between ranges cost
 * nothing. The nibble of a frame says:
 *	0			not the head of a block (inside a block, or reserved)
 *	1..PFN_MAX_ORDER	head of an allocated block of order (value - 1)
 *	BUDDY_ST_UNTOUCHED	head of a free block of the largest order that
 *				is on no list: added, never written since
 *	BUDDY_ST_FREE		head of a free block
 * The free lists are doubly linked through the free frames themselves
 * (struct buddy_free_node at the start of the head frame, which also holds
 * the block's order), reached through the frame_va callback; a free block's
 * buddy is found and unlinked in O(1), so alloc and free are O(orders).
 *
 * Adding RAM writes none of it: only the blocks below the largest order at
 * a range's edges go onto the lists at once; the largest blocks are marked
 * BUDDY_ST_UNTOUCHED and counted free, and an allocation that finds the
 * lists empty puts the highest untouched one of its zone on the list (a
 * reservation inside one does the same). A hypervisor backs guest RAM on
 * first touch, so boot time stays flat in the amount of RAM.
 *
 * Zones: DMA32 (pfns below 4 GiB) and NORMAL (at or above). A range that
 * crosses 4 GiB is split in two. Plain allocations try NORMAL first; a
 * PFN_ALLOC_DMA32 allocation only uses DMA32. Pfn 0 is never handed out
 * (a null pfn_t means failure), so it is dropped when a range includes it.
 *
 * Bad frees (not allocated, double, wrong order, misaligned, PFN_DEV or pmem
 * pfn, outside RAM) panic with "pfn_free: ..." and the pfn. Allocation
 * failure returns a null pfn_t and is counted, never a panic.
 *
 * The core keeps no lock: the kernel glue disables interrupts around it.
 */
#ifndef PFNOS_MM_BUDDY_H
#define PFNOS_MM_BUDDY_H

#include "mm.h"
#include "pfn_t.h"
#include "types.h"

#define BUDDY_META_BITS		4	/* per RAM frame */
#define BUDDY_ST_UNTOUCHED	0xe
#define BUDDY_ST_FREE		0xf
#define BUDDY_MAX_RANGES	128
#define BUDDY_DMA32_END_PFN	(1ULL << (32 - PAGE_SHIFT))

struct buddy_zone {
	const char *name;
	u64 free_head[PFN_MAX_ORDER];	/* first free block's pfn, 0: empty */
	u64 nr_free[PFN_MAX_ORDER];	/* free blocks per order, untouched too */
	u64 nr_untouched;		/* largest blocks on no list yet */
	u64 total_pages;
	u64 free_pages;
};

/* One RAM range [start, end) in pfns, wholly inside one zone. */
struct buddy_range {
	u64 start;
	u64 end;
	size_t meta_off;		/* its nibbles: meta + meta_off */
	unsigned zone;
	u64 nr_untouched;		/* largest blocks on no list yet */
	u64 untouched_top;		/* none at or above this pfn */
};

struct buddy {
	void *(*frame_va)(u64 pfn);	/* where the CPU reaches a RAM frame */
	u8 *meta;
	size_t meta_size;
	size_t meta_used;
	struct buddy_range ranges[BUDDY_MAX_RANGES];	/* sorted by start */
	unsigned nr_ranges;
	struct buddy_zone zones[BUDDY_NR_ZONES];
	u64 nr_allocs;
	u64 nr_frees;
	u64 nr_failures;
	u64 nr_reserved;		/* pages taken by buddy_reserve_range */
};

/* ---- core (mm/buddy.c), pure: host-tested ---- */

/*
 * Bytes of metadata needed for ram_pages RAM frames given in at most
 * nr_ranges buddy_add_range() calls (an upper bound: ram_pages / 2 plus one
 * byte of rounding per range piece).
 */
static inline size_t buddy_metadata_size(u64 ram_pages, unsigned nr_ranges)
{
	return (size_t)((ram_pages + 1) / 2) + 2 * (size_t)nr_ranges + 2;
}

void buddy_init(struct buddy *b, void *meta, size_t meta_size,
		void *(*frame_va)(u64 pfn));
void buddy_set_mapping(struct buddy *b, void *meta, void *(*frame_va)(u64 pfn));
int buddy_add_range(struct buddy *b, u64 start_pfn, u64 end_pfn);
int buddy_reserve_range(struct buddy *b, u64 start_pfn, u64 end_pfn);
pfn_t buddy_alloc(struct buddy *b, unsigned order, unsigned flags);
void buddy_free(struct buddy *b, pfn_t pfn, unsigned order);
bool buddy_is_allocated(const struct buddy *b, u64 pfn, unsigned order);
void buddy_get_stats(const struct buddy *b, struct buddy_stats *st);
int buddy_check(const struct buddy *b);

/* ---- kernel glue (mm/frames.c): the one allocator behind pfn_alloc ---- */

void frames_init(void *meta, size_t meta_size, void *(*frame_va)(u64 pfn));
void frames_set_mapping(void *meta, void *(*frame_va)(u64 pfn));
int frames_add_range(u64 start_pfn, u64 end_pfn);
int frames_reserve_range(u64 start_pfn, u64 end_pfn);
int frames_check(void);
/* RAM spent on allocator metadata (the nibbles and the allocator itself). */
size_t buddy_metadata_bytes(void);

#endif
