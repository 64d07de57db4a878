/*
 * buddy.c - the frame allocator core: a binary buddy allocator over RAM pfns.
 *
 * Pure logic (no hardware headers): the kernel glue in mm/frames.c wraps it
 * with interrupts off and the direct map as frame_va; tests/unit/test_buddy.c
 * runs it on the host over a malloc'd "RAM". Layout of the metadata and the
 * meaning of the per-frame nibble are described in mm/buddy.h.
 *
 * Use: buddy_init(), then buddy_add_range() for every RAM range, then
 * buddy_reserve_range() for what must not be handed out (the metadata
 * itself, the kernel image, boot data); then buddy_alloc()/buddy_free().
 *
 * Adding a range costs metadata work, not RAM accesses: its blocks of the
 * largest order are only marked untouched in the nibbles, and one goes onto
 * its free list (a write into its head frame) when an allocation or a
 * reservation needs it. Under a hypervisor the first write to a guest page
 * makes the host back it (QEMU's RAM is THP-advised: 2 MiB zeroed per first
 * touch), so writing a node into every 4 MiB block at boot cost time in
 * proportion to RAM (0.15-0.45 s at 512 MiB, 1-3.5 s at 4 GiB under TCG).
 */
#include "buddy.h"
#include "errno.h"
#include "lib.h"
#include "panic.h"
#include "printk.h"

/* Lives at the start of every free block's head frame. */
struct buddy_free_node {
	u64 next;	/* pfn of the next free block of this order and zone, 0: end */
	u64 prev;	/* pfn of the previous one, 0: this is the list head */
	u32 order;
	u32 magic;
};

#define BUDDY_FREE_MAGIC	0xb0dd1e5aU

#define MAX_BLOCK_ORDER		(PFN_MAX_ORDER - 1)

static inline u64 order_pages(unsigned order)
{
	return 1ULL << order;
}

static unsigned pfn_zone(u64 pfn)
{
	return pfn < BUDDY_DMA32_END_PFN ? BUDDY_ZONE_DMA32 : BUDDY_ZONE_NORMAL;
}

/* The range holding pfn, or NULL (binary search over the sorted table). */
static const struct buddy_range *range_of(const struct buddy *b, u64 pfn)
{
	unsigned lo = 0, hi = b->nr_ranges;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct buddy_range *r = &b->ranges[mid];

		if (pfn < r->start)
			hi = mid;
		else if (pfn >= r->end)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

static unsigned get_state(const struct buddy *b, const struct buddy_range *r, u64 pfn)
{
	u64 i = pfn - r->start;
	u8 byte = b->meta[r->meta_off + i / 2];

	return (i & 1) ? byte >> 4 : byte & 0xf;
}

static void set_state(struct buddy *b, const struct buddy_range *r, u64 pfn, unsigned v)
{
	u64 i = pfn - r->start;
	u8 *byte = &b->meta[r->meta_off + i / 2];

	if (i & 1)
		*byte = (u8)((*byte & 0x0f) | (v << 4));
	else
		*byte = (u8)((*byte & 0xf0) | v);
}

static struct buddy_free_node *node_of(const struct buddy *b, u64 pfn)
{
	return b->frame_va(pfn);
}

/* A free head's node, checked: a bad one means someone wrote to a free frame. */
static struct buddy_free_node *free_node(const struct buddy *b, u64 pfn)
{
	struct buddy_free_node *n = node_of(b, pfn);

	if (n->magic != (BUDDY_FREE_MAGIC ^ (u32)pfn) || n->order >= PFN_MAX_ORDER)
		panic("buddy: free frame %#llx overwritten (magic %#x order %u): use after free?",
		      (unsigned long long)pfn, n->magic, n->order);
	return n;
}

static void list_push(struct buddy *b, const struct buddy_range *r, u64 pfn,
		      unsigned order)
{
	struct buddy_zone *z = &b->zones[r->zone];
	struct buddy_free_node *n = node_of(b, pfn);
	u64 head = z->free_head[order];

	n->next = head;
	n->prev = 0;
	n->order = order;
	n->magic = BUDDY_FREE_MAGIC ^ (u32)pfn;
	if (head)
		free_node(b, head)->prev = pfn;
	z->free_head[order] = pfn;
	z->nr_free[order]++;
	z->free_pages += order_pages(order);
	set_state(b, r, pfn, BUDDY_ST_FREE);
}

static void list_remove(struct buddy *b, const struct buddy_range *r, u64 pfn,
			unsigned order)
{
	struct buddy_zone *z = &b->zones[r->zone];
	struct buddy_free_node *n = free_node(b, pfn);

	if (n->prev)
		free_node(b, n->prev)->next = n->next;
	else
		z->free_head[order] = n->next;
	if (n->next)
		free_node(b, n->next)->prev = n->prev;
	n->magic = 0;
	z->nr_free[order]--;
	z->free_pages -= order_pages(order);
	set_state(b, r, pfn, 0);
}

/* Is [pfn, pfn + 2^order) the free block headed at pfn? */
static bool is_free_block(const struct buddy *b, const struct buddy_range *r,
			  u64 pfn, unsigned order)
{
	if (pfn < r->start || pfn + order_pages(order) > r->end)
		return false;
	if (get_state(b, r, pfn) != BUDDY_ST_FREE)
		return false;
	return free_node(b, pfn)->order == order;
}

/* The free block containing pfn, if any: its head in *head, order returned;
 * -1 when pfn is allocated or reserved. */
static int find_free_block(const struct buddy *b, const struct buddy_range *r,
			   u64 pfn, u64 *head)
{
	for (unsigned k = 0; k < PFN_MAX_ORDER; k++) {
		u64 h = pfn & ~(order_pages(k) - 1);

		if (h < r->start)
			break;
		if (get_state(b, r, h) == BUDDY_ST_UNTOUCHED) {
			/* Only ever at a largest block's head: h is that block. */
			*head = h;
			return MAX_BLOCK_ORDER;
		}
		if (get_state(b, r, h) == BUDDY_ST_FREE) {
			/* The first free head at or below pfn decides it. */
			if (free_node(b, h)->order < k)
				return -1;
			*head = h;
			return (int)free_node(b, h)->order;
		}
	}
	return -1;
}

/*
 * Put the untouched largest block headed at pfn onto its free list: its
 * first write to RAM. It was counted free all along, so the counts list_push
 * adds are taken off first.
 */
static void touch_block(struct buddy *b, struct buddy_range *r, u64 pfn)
{
	struct buddy_zone *z = &b->zones[r->zone];

	r->nr_untouched--;
	z->nr_untouched--;
	z->nr_free[MAX_BLOCK_ORDER]--;
	z->free_pages -= order_pages(MAX_BLOCK_ORDER);
	list_push(b, r, pfn, MAX_BLOCK_ORDER);
}

/*
 * Put one untouched block of the zone onto the free list: the highest one,
 * as a list filled at add time would have handed out first. Each range's
 * cursor only moves down, so all the scans of a range together visit each
 * of its largest-block heads once.
 */
static void touch_one_in_zone(struct buddy *b, unsigned zone)
{
	for (unsigned i = b->nr_ranges; i-- > 0; ) {
		struct buddy_range *r = &b->ranges[i];
		u64 h;

		if (r->zone != zone || !r->nr_untouched)
			continue;
		for (h = r->untouched_top - order_pages(MAX_BLOCK_ORDER);
		     get_state(b, r, h) != BUDDY_ST_UNTOUCHED;
		     h -= order_pages(MAX_BLOCK_ORDER))
			;
		r->untouched_top = h;
		touch_block(b, r, h);
		return;
	}
	panic("buddy: zone %s counts %llu untouched blocks but no range has one",
	      b->zones[zone].name, (unsigned long long)b->zones[zone].nr_untouched);
}

/**
 * buddy_init - start an empty allocator
 * @b: the allocator
 * @meta: metadata memory (RAM), buddy_metadata_size() bytes for the RAM to come
 * @meta_size: its size in bytes
 * @frame_va: returns a CPU address of a RAM frame (the direct map in the kernel)
 *
 * Context: boot, single-threaded.
 */
void buddy_init(struct buddy *b, void *meta, size_t meta_size,
		void *(*frame_va)(u64 pfn))
{
	memset(b, 0, sizeof(*b));
	b->meta = meta;
	b->meta_size = meta_size;
	b->frame_va = frame_va;
	b->zones[BUDDY_ZONE_DMA32].name = "dma32";
	b->zones[BUDDY_ZONE_NORMAL].name = "normal";
}

/**
 * buddy_set_mapping - tell the allocator its memory moved to other addresses
 * @b: the allocator
 * @meta: the same metadata bytes at their new address
 * @frame_va: the new frame-address function
 *
 * Free lists hold pfns, not pointers, so nothing else changes (for the switch
 * from the boot identity map to the kernel's direct map).
 */
void buddy_set_mapping(struct buddy *b, void *meta, void *(*frame_va)(u64 pfn))
{
	b->meta = meta;
	b->frame_va = frame_va;
}

/*
 * Insert one range that lies in a single zone, and free all of it: the
 * blocks below the largest order onto the free lists, the largest ones
 * marked untouched (see the top of this file).
 */
static int add_piece(struct buddy *b, u64 start, u64 end)
{
	size_t need = (size_t)DIV_ROUND_UP(end - start, 2);
	struct buddy_range *r;
	struct buddy_zone *z;
	unsigned i;
	u64 p;

	if (b->nr_ranges == BUDDY_MAX_RANGES)
		return -ENOSPC;
	if (need > b->meta_size - b->meta_used)
		return -ENOMEM;
	for (i = b->nr_ranges; i > 0 && b->ranges[i - 1].start > start; i--)
		b->ranges[i] = b->ranges[i - 1];
	r = &b->ranges[i];
	r->start = start;
	r->end = end;
	r->meta_off = b->meta_used;
	r->zone = pfn_zone(start);
	r->nr_untouched = 0;
	r->untouched_top = start;
	b->nr_ranges++;
	b->meta_used += need;
	memset(b->meta + r->meta_off, 0, need);
	z = &b->zones[r->zone];
	z->total_pages += end - start;

	/*
	 * Maximal aligned blocks: no two of them are buddies inside [start, end).
	 * A merge never leaves its aligned largest block, so none reaches into
	 * an untouched one.
	 */
	for (p = start; p < end; ) {
		unsigned k = MAX_BLOCK_ORDER;

		while (k > 0 && (!IS_ALIGNED(p, order_pages(k)) ||
				 p + order_pages(k) > end))
			k--;
		if (k == MAX_BLOCK_ORDER) {
			set_state(b, r, p, BUDDY_ST_UNTOUCHED);
			r->nr_untouched++;
			r->untouched_top = p + order_pages(k);
			z->nr_untouched++;
			z->nr_free[k]++;
			z->free_pages += order_pages(k);
		} else {
			list_push(b, r, p, k);
		}
		p += order_pages(k);
	}
	return 0;
}

/**
 * buddy_add_range - give the allocator a range of RAM frames
 * @b: the allocator
 * @start_pfn: first frame
 * @end_pfn: one past the last frame
 *
 * The frames become free at once. Pfn 0 is dropped (a null pfn_t means
 * failure); a range crossing 4 GiB is split between the zones. Ranges must
 * not overlap each other; adjacent ones are kept apart (blocks never merge
 * across them), so pass maximal ranges.
 *
 * Returns: 0; -EINVAL for an empty or inverted range; -ERANGE beyond what a
 * pfn_t holds; -EEXIST on overlap with a range already added; -ENOSPC when
 * the range table is full; -ENOMEM when the metadata memory is too small.
 * Context: boot, single-threaded.
 */
int buddy_add_range(struct buddy *b, u64 start_pfn, u64 end_pfn)
{
	unsigned i;
	int err;

	if (start_pfn >= end_pfn)
		return -EINVAL;
	if (end_pfn - 1 > PFN_PFN_MASK)
		return -ERANGE;
	if (start_pfn == 0)
		start_pfn = 1;
	if (start_pfn == end_pfn)
		return 0;
	for (i = 0; i < b->nr_ranges; i++)
		if (start_pfn < b->ranges[i].end && b->ranges[i].start < end_pfn)
			return -EEXIST;
	/* Check room for both pieces before touching anything. */
	if (start_pfn < BUDDY_DMA32_END_PFN && end_pfn > BUDDY_DMA32_END_PFN) {
		if (b->nr_ranges + 2 > BUDDY_MAX_RANGES)
			return -ENOSPC;
		if (DIV_ROUND_UP(BUDDY_DMA32_END_PFN - start_pfn, 2) +
		    DIV_ROUND_UP(end_pfn - BUDDY_DMA32_END_PFN, 2) >
		    b->meta_size - b->meta_used)
			return -ENOMEM;
		err = add_piece(b, start_pfn, BUDDY_DMA32_END_PFN);
		if (err)
			return err;
		return add_piece(b, BUDDY_DMA32_END_PFN, end_pfn);
	}
	return add_piece(b, start_pfn, end_pfn);
}

/*
 * Take every frame of [start, end) inside range r out of the free lists.
 * With check set, only verify that all of them are free.
 */
static int reserve_in_range(struct buddy *b, struct buddy_range *r,
			    u64 start, u64 end, bool check)
{
	u64 p = start;

	while (p < end) {
		u64 head;
		int k = find_free_block(b, r, p, &head);
		u64 bend;

		if (k < 0)
			return -EBUSY;
		bend = head + order_pages(k);
		if (check) {
			p = bend;
			continue;
		}
		if (get_state(b, r, head) == BUDDY_ST_UNTOUCHED)
			touch_block(b, r, head);
		list_remove(b, r, head, k);
		if (head >= start && bend <= end) {
			b->nr_reserved += order_pages(k);
			p = bend;
			continue;
		}
		/* Partly inside: split in halves and look again. */
		list_push(b, r, head, k - 1);
		list_push(b, r, head + order_pages(k - 1), k - 1);
	}
	return 0;
}

/**
 * buddy_reserve_range - keep frames from ever being handed out
 * @b: the allocator
 * @start_pfn: first frame
 * @end_pfn: one past the last frame
 *
 * Frames of the range that are not RAM known to the allocator are ignored
 * (the range may span holes). Reserved frames are never freed again; a
 * pfn_free() of one panics.
 *
 * Returns: 0; -EINVAL for an empty or inverted range; -EBUSY, with nothing
 * changed, when a RAM frame of the range is not free (allocated or reserved).
 * Context: boot, single-threaded.
 */
int buddy_reserve_range(struct buddy *b, u64 start_pfn, u64 end_pfn)
{
	bool check = true;
	unsigned i;
	int err;

	if (start_pfn >= end_pfn)
		return -EINVAL;
	for (;;) {
		for (i = 0; i < b->nr_ranges; i++) {
			struct buddy_range *r = &b->ranges[i];
			u64 s = max(start_pfn, r->start), e = min(end_pfn, r->end);

			if (s >= e)
				continue;
			err = reserve_in_range(b, r, s, e, check);
			if (err)
				return err;
		}
		if (!check)
			return 0;
		check = false;
	}
}

static pfn_t alloc_in_zone(struct buddy *b, unsigned zone, unsigned order)
{
	struct buddy_zone *z = &b->zones[zone];
	const struct buddy_range *r;
	unsigned k = order;
	u64 pfn;

	while (k < PFN_MAX_ORDER && !z->free_head[k])
		k++;
	if (k == PFN_MAX_ORDER) {
		if (!z->nr_untouched)
			return PFN_T_NULL;
		touch_one_in_zone(b, zone);
		k = MAX_BLOCK_ORDER;
	}
	pfn = z->free_head[k];
	r = range_of(b, pfn);
	if (!r)
		panic("buddy: free list of %s order %u holds pfn %#llx outside RAM",
		      z->name, k, (unsigned long long)pfn);
	list_remove(b, r, pfn, k);
	while (k > order) {
		k--;
		list_push(b, r, pfn + order_pages(k), k);
	}
	set_state(b, r, pfn, order + 1);
	return __pfn_to_pfn_t(pfn, 0);
}

/**
 * buddy_alloc - allocate 2^order contiguous RAM frames, aligned to their size
 * @b: the allocator
 * @order: 0..PFN_MAX_ORDER-1
 * @flags: PFN_ALLOC_ZERO (zero them), PFN_ALLOC_DMA32 (all below 4 GiB)
 *
 * Plain allocations come from above 4 GiB when there is free memory there.
 *
 * Returns: the first frame (no pfn_t flags), or PFN_T_NULL when nothing
 * fits, the order is too big or a flag is unknown; never panics.
 */
pfn_t buddy_alloc(struct buddy *b, unsigned order, unsigned flags)
{
	pfn_t p = PFN_T_NULL;

	if (order >= PFN_MAX_ORDER || (flags & ~(PFN_ALLOC_ZERO | PFN_ALLOC_DMA32)))
		goto fail;
	if (!(flags & PFN_ALLOC_DMA32))
		p = alloc_in_zone(b, BUDDY_ZONE_NORMAL, order);
	if (pfn_t_is_null(p))
		p = alloc_in_zone(b, BUDDY_ZONE_DMA32, order);
	if (pfn_t_is_null(p))
		goto fail;
	if (flags & PFN_ALLOC_ZERO)
		for (u64 i = 0; i < order_pages(order); i++)
			memset(b->frame_va(pfn_t_to_pfn(p) + i), 0, PAGE_SIZE);
	b->nr_allocs++;
	return p;
fail:
	b->nr_failures++;
	return PFN_T_NULL;
}

/**
 * buddy_free - give back a block from buddy_alloc()
 * @b: the allocator
 * @pfn: what buddy_alloc() returned
 * @order: the order it was allocated with
 *
 * The block merges with its free buddies as far as they go.
 * A frame that is not the head of an allocated block of exactly this order
 * (never allocated, already freed, reserved, misaligned, the wrong order, a
 * PFN_DEV or pmem pfn, outside RAM) is a broken invariant: panic("pfn_free: ...").
 */
void buddy_free(struct buddy *b, pfn_t pfn, unsigned order)
{
	u64 p = pfn_t_to_pfn(pfn);
	const struct buddy_range *r;
	unsigned st;

	if (pfn_t_flags(pfn))
		panic("pfn_free: pfn %#llx is not RAM (flags %#llx)",
		      (unsigned long long)p, (unsigned long long)pfn_t_flags(pfn));
	if (order >= PFN_MAX_ORDER)
		panic("pfn_free: pfn %#llx: bad order %u", (unsigned long long)p, order);
	r = range_of(b, p);
	if (!r)
		panic("pfn_free: pfn %#llx is not RAM managed by the allocator",
		      (unsigned long long)p);
	if (!IS_ALIGNED(p, order_pages(order)))
		panic("pfn_free: pfn %#llx is not aligned to order %u",
		      (unsigned long long)p, order);
	st = get_state(b, r, p);
	if (st == BUDDY_ST_FREE || st == BUDDY_ST_UNTOUCHED)
		panic("pfn_free: pfn %#llx is already free (double free)",
		      (unsigned long long)p);
	if (st == 0)
		panic("pfn_free: pfn %#llx was not allocated (reserved or inside a block)",
		      (unsigned long long)p);
	if (st - 1 != order)
		panic("pfn_free: pfn %#llx was allocated with order %u, freed with order %u",
		      (unsigned long long)p, st - 1, order);

	set_state(b, r, p, 0);
	while (order < PFN_MAX_ORDER - 1) {
		u64 buddy = p ^ order_pages(order);

		if (!is_free_block(b, r, buddy, order))
			break;
		list_remove(b, r, buddy, order);
		p = min(p, buddy);
		order++;
	}
	list_push(b, r, p, order);
	b->nr_frees++;
}

/**
 * buddy_is_allocated - is pfn the head of an allocated block of this order?
 * @b: the allocator
 * @pfn: a frame number
 * @order: the order to check
 */
bool buddy_is_allocated(const struct buddy *b, u64 pfn, unsigned order)
{
	const struct buddy_range *r = range_of(b, pfn);

	return r && order < PFN_MAX_ORDER && get_state(b, r, pfn) == order + 1;
}

/**
 * buddy_get_stats - copy the counters
 * @b: the allocator
 * @st: filled in
 */
void buddy_get_stats(const struct buddy *b, struct buddy_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (unsigned z = 0; z < BUDDY_NR_ZONES; z++) {
		const struct buddy_zone *zone = &b->zones[z];

		st->zones[z].name = zone->name;
		st->zones[z].total_pages = zone->total_pages;
		st->zones[z].free_pages = zone->free_pages;
		for (unsigned k = 0; k < PFN_MAX_ORDER; k++)
			st->zones[z].nr_free[k] = zone->nr_free[k];
		st->total_pages += zone->total_pages;
		st->free_pages += zone->free_pages;
	}
	st->nr_allocs = b->nr_allocs;
	st->nr_frees = b->nr_frees;
	st->nr_failures = b->nr_failures;
	st->nr_reserved = b->nr_reserved;
	st->metadata_bytes = b->meta_used + sizeof(*b);
	st->nr_ranges = b->nr_ranges;
}

/**
 * buddy_check - verify the allocator's structure (tests, debugging)
 * @b: the allocator
 *
 * Walks every free list: each entry is a free head of the right order and
 * zone, inside one range, aligned, not mergeable with a free buddy; the
 * counts match the lists plus the untouched largest blocks, every free head
 * is on a list, and every untouched head is a whole aligned largest block
 * below its range's cursor, counted in its range and zone.
 *
 * Returns: 0, or -EINVAL after logging the first problem found.
 */
int buddy_check(const struct buddy *b)
{
	u64 heads = 0, untouched[BUDDY_NR_ZONES] = { 0 };

	for (unsigned z = 0; z < BUDDY_NR_ZONES; z++) {
		const struct buddy_zone *zone = &b->zones[z];
		u64 pages = 0;

		for (unsigned k = 0; k < PFN_MAX_ORDER; k++) {
			u64 n = 0, prev = 0;
			u64 off_list = k == MAX_BLOCK_ORDER ? zone->nr_untouched : 0;

			for (u64 p = zone->free_head[k]; p; p = free_node(b, p)->next) {
				const struct buddy_range *r = range_of(b, p);
				const struct buddy_free_node *fn;

				if (!r || r->zone != z || p + order_pages(k) > r->end ||
				    !IS_ALIGNED(p, order_pages(k)) ||
				    get_state(b, r, p) != BUDDY_ST_FREE) {
					pr_err("buddy: bad free block %#llx order %u in %s\n",
					       (unsigned long long)p, k, zone->name);
					return -EINVAL;
				}
				fn = free_node(b, p);
				if (fn->order != k || fn->prev != prev) {
					pr_err("buddy: free block %#llx: order %u prev %#llx, want %u %#llx\n",
					       (unsigned long long)p, fn->order,
					       (unsigned long long)fn->prev, k,
					       (unsigned long long)prev);
					return -EINVAL;
				}
				if (k < PFN_MAX_ORDER - 1 &&
				    is_free_block(b, r, p ^ order_pages(k), k)) {
					pr_err("buddy: free block %#llx order %u not merged with its buddy\n",
					       (unsigned long long)p, k);
					return -EINVAL;
				}
				if (++n > zone->total_pages) {
					pr_err("buddy: free list %s order %u loops\n",
					       zone->name, k);
					return -EINVAL;
				}
				prev = p;
			}
			if (n + off_list != zone->nr_free[k]) {
				pr_err("buddy: %s order %u: %llu on list + %llu untouched, count says %llu\n",
				       zone->name, k, (unsigned long long)n,
				       (unsigned long long)off_list,
				       (unsigned long long)zone->nr_free[k]);
				return -EINVAL;
			}
			pages += (n + off_list) << k;
			heads += n;
		}
		if (pages != zone->free_pages) {
			pr_err("buddy: %s: %llu free pages on lists, count says %llu\n",
			       zone->name, (unsigned long long)pages,
			       (unsigned long long)zone->free_pages);
			return -EINVAL;
		}
	}
	for (unsigned i = 0; i < b->nr_ranges; i++) {
		const struct buddy_range *r = &b->ranges[i];
		u64 n = 0;

		for (u64 p = r->start; p < r->end; p++) {
			unsigned st = get_state(b, r, p);

			heads -= st == BUDDY_ST_FREE;
			if (st != BUDDY_ST_UNTOUCHED)
				continue;
			if (!IS_ALIGNED(p, order_pages(MAX_BLOCK_ORDER)) ||
			    p + order_pages(MAX_BLOCK_ORDER) > r->end ||
			    p >= r->untouched_top) {
				pr_err("buddy: bad untouched block %#llx (range %#llx-%#llx, cursor %#llx)\n",
				       (unsigned long long)p, (unsigned long long)r->start,
				       (unsigned long long)r->end,
				       (unsigned long long)r->untouched_top);
				return -EINVAL;
			}
			n++;
		}
		if (n != r->nr_untouched) {
			pr_err("buddy: range %#llx-%#llx: %llu untouched blocks, count says %llu\n",
			       (unsigned long long)r->start, (unsigned long long)r->end,
			       (unsigned long long)n, (unsigned long long)r->nr_untouched);
			return -EINVAL;
		}
		untouched[r->zone] += n;
	}
	if (heads) {
		pr_err("buddy: free heads and free lists disagree\n");
		return -EINVAL;
	}
	for (unsigned z = 0; z < BUDDY_NR_ZONES; z++)
		if (untouched[z] != b->zones[z].nr_untouched) {
			pr_err("buddy: %s: %llu untouched blocks in ranges, count says %llu\n",
			       b->zones[z].name, (unsigned long long)untouched[z],
			       (unsigned long long)b->zones[z].nr_untouched);
			return -EINVAL;
		}
	return 0;
}
