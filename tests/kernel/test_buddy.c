/*
 * test_buddy.c - in-guest stress test of the frame allocator (mm/frames.c).
 *
 * mm.buddy_stress allocates and frees blocks of random orders and flags
 * through pfn_alloc()/pfn_free(), seeded from the run's seed (ktest_seed():
 * test.seed=<n> repeats the run) or buddy.seed=<n> on the command line (the
 * seed is logged). Every page of a held block carries
 * a tag naming its block in its first 8 bytes and the block's last byte a
 * second one; tags are checked before each free, and each new block is
 * checked against all held ones, so an overlap or a stray write shows.
 * At the end everything is freed and the free counts per zone and order
 * must be what they were at the start. mm.buddy_exhaust takes all of memory
 * and gives it back.
 */
#include "mm/buddy.h"
#include "cmdline.h"
#include "cpu.h"
#include "ktest.h"
#include "lib.h"
#include "mm.h"

#define STRESS_HELD	256
#define STRESS_STEPS	6000
#define STRESS_TAG	0x57e55b0dd1e00000ULL

struct stress_block {
	pfn_t p;
	unsigned order;
};

static struct stress_block stress_held[STRESS_HELD];

static u64 stress_tag(u64 pfn, u64 i)
{
	return STRESS_TAG ^ (pfn << 11) ^ i;
}

static u8 *stress_last_byte(u64 pfn, unsigned order)
{
	return (u8 *)phys_to_virt(((pfn + (1ULL << order)) << PAGE_SHIFT) - 1);
}

static void stress_mark(u64 pfn, unsigned order)
{
	for (u64 i = 0; i < (1ULL << order); i++)
		*(u64 *)phys_to_virt((pfn + i) << PAGE_SHIFT) = stress_tag(pfn, i);
	*stress_last_byte(pfn, order) = (u8)~pfn;
}

/* Returns the index of the first page whose tag is wrong, or -1. */
static long stress_verify(u64 pfn, unsigned order)
{
	for (u64 i = 0; i < (1ULL << order); i++)
		if (*(u64 *)phys_to_virt((pfn + i) << PAGE_SHIFT) != stress_tag(pfn, i))
			return (long)i;
	if (*stress_last_byte(pfn, order) != (u8)~pfn)
		return (long)(1ULL << order) - 1;
	return -1;
}

static bool stress_zeroed(u64 pfn, unsigned order)
{
	for (u64 i = 0; i < (1ULL << order); i++) {
		const u64 *w = phys_to_virt((pfn + i) << PAGE_SHIFT);

		if (w[0] || w[1] || w[PAGE_SIZE / 8 / 2] || w[PAGE_SIZE / 8 - 1])
			return false;
	}
	return true;
}

static bool stress_counts_equal(const struct buddy_stats *a, const struct buddy_stats *b)
{
	for (unsigned z = 0; z < BUDDY_NR_ZONES; z++)
		for (unsigned k = 0; k < PFN_MAX_ORDER; k++)
			if (a->zones[z].nr_free[k] != b->zones[z].nr_free[k])
				return false;
	return a->free_pages == b->free_pages;
}

KTEST(mm, buddy_stress)
{
	struct prng rng;
	struct buddy_stats st0, st;
	unsigned n = 0, fails = 0, allocs = 0;
	u64 seed;

	KT_ASSERT(frames_ready());
	seed = kernel_param_u64("buddy.seed", ktest_seed());
	rng.state = seed;
	ktest_log("seed %llu (buddy.seed=<n> repeats this test alone)", (unsigned long long)seed);
	frames_get_stats(&st0);
	ktest_log("free %llu of %llu pages", (unsigned long long)st0.free_pages,
		  (unsigned long long)st0.total_pages);

	for (unsigned step = 0; step < STRESS_STEPS; step++) {
		u64 x = prng_next(&rng);
		/* Alternate filling and draining phases. */
		unsigned bias = (step / 1000) % 2 ? 3 : 1;

		if (n < STRESS_HELD && (n == 0 || (x & 3) < bias)) {
			unsigned order = (x >> 8) % 4 ? (x >> 16) % 4 : (x >> 16) % PFN_MAX_ORDER;
			unsigned flags = ((x >> 24) & 1 ? PFN_ALLOC_DMA32 : 0) |
					 ((x >> 25) & 1 ? PFN_ALLOC_ZERO : 0);
			pfn_t p = pfn_alloc(order, flags);
			u64 pfn = pfn_t_to_pfn(p), end = pfn + (1ULL << order);

			if (pfn_t_is_null(p)) {
				fails++;
				continue;
			}
			allocs++;
			KT_ASSERT(pfn_t_is_ram(p) && !pfn_t_flags(p));
			KT_ASSERT(IS_ALIGNED(pfn, 1ULL << order));
			if (flags & PFN_ALLOC_DMA32)
				KT_ASSERT(end <= (1ULL << (32 - PAGE_SHIFT)));
			if (flags & PFN_ALLOC_ZERO)
				KT_ASSERT(stress_zeroed(pfn, order));
			for (unsigned i = 0; i < n; i++) {
				u64 hp = pfn_t_to_pfn(stress_held[i].p);
				u64 he = hp + (1ULL << stress_held[i].order);

				if (pfn < he && hp < end) {
					ktest_fail(__FILE__, __LINE__,
						   "block %#llx order %u overlaps held %#llx order %u",
						   (unsigned long long)pfn, order,
						   (unsigned long long)hp, stress_held[i].order);
					return;
				}
			}
			stress_mark(pfn, order);
			stress_held[n].p = p;
			stress_held[n].order = order;
			n++;
		} else {
			unsigned i = prng_next(&rng) % n;
			u64 pfn = pfn_t_to_pfn(stress_held[i].p);
			long bad = stress_verify(pfn, stress_held[i].order);

			if (bad >= 0) {
				ktest_fail(__FILE__, __LINE__,
					   "block %#llx order %u: page %ld overwritten",
					   (unsigned long long)pfn, stress_held[i].order, bad);
				return;
			}
			pfn_free(stress_held[i].p, stress_held[i].order);
			stress_held[i] = stress_held[--n];
		}
	}
	ktest_log("%u allocations, %u failed, %u blocks held at the end", allocs, fails, n);
	while (n) {
		n--;
		KT_EXPECT(stress_verify(pfn_t_to_pfn(stress_held[n].p),
					stress_held[n].order) < 0);
		pfn_free(stress_held[n].p, stress_held[n].order);
	}
	frames_get_stats(&st);
	KT_EXPECT(stress_counts_equal(&st, &st0));
	KT_EXPECT_EQ(st.free_pages, st0.free_pages);
	KT_EXPECT_EQ(st.nr_allocs - st0.nr_allocs, allocs);
	KT_EXPECT_EQ(st.nr_frees - st0.nr_frees, allocs);
	KT_EXPECT_EQ(frames_check(), 0);
}

/*
 * mm.buddy_exhaust: take every free frame, largest blocks first, chaining the
 * blocks through their own first words (so the test needs no memory of its
 * own); then nothing must be left, and after freeing it all the free counts
 * must be back.
 */
struct exhaust_link {
	u64 next_pfn;
	u64 order;
};

KTEST(mm, buddy_exhaust)
{
	struct buddy_stats st0, st;
	u64 head = 0, blocks = 0, pages = 0;

	KT_ASSERT(frames_ready());
	frames_get_stats(&st0);
	for (int order = PFN_MAX_ORDER - 1; order >= 0; ) {
		pfn_t p = pfn_alloc(order, 0);
		struct exhaust_link *l;

		if (pfn_t_is_null(p)) {
			order--;
			continue;
		}
		l = phys_to_virt(pfn_t_to_phys(p));
		l->next_pfn = head;
		l->order = order;
		head = pfn_t_to_pfn(p);
		blocks++;
		pages += 1ULL << order;
	}
	frames_get_stats(&st);
	ktest_log("took %llu pages in %llu blocks", (unsigned long long)pages,
		  (unsigned long long)blocks);
	KT_EXPECT_EQ(st.free_pages, 0);
	KT_EXPECT_EQ(pages, st0.free_pages);
	KT_EXPECT(pfn_t_is_null(pfn_alloc(0, 0)));
	KT_EXPECT(pfn_t_is_null(pfn_alloc(0, PFN_ALLOC_DMA32)));
	while (head) {
		struct exhaust_link *l = phys_to_virt(head << PAGE_SHIFT);
		u64 next = l->next_pfn;

		KT_ASSERT(l->order < PFN_MAX_ORDER);
		pfn_free(__pfn_to_pfn_t(head, 0), (unsigned)l->order);
		head = next;
	}
	frames_get_stats(&st);
	KT_EXPECT(stress_counts_equal(&st, &st0));
	KT_EXPECT_EQ(st.nr_failures - st0.nr_failures, PFN_MAX_ORDER + 2);
	KT_EXPECT_EQ(frames_check(), 0);
}
