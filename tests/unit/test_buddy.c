/*
 * test_buddy.c - host tests of the frame allocator core (mm/buddy.c).
 *
 * "RAM" is a malloc'd buffer per range, reached through the frame_va
 * callback, so the pfns can be anything (above 4 GiB, with huge holes)
 * while the host memory stays small. A shadow bitmap tracks what the tests
 * hold to prove blocks never overlap. Randomized tests seed from
 * ktest_seed() (PFNOS_SEED=<n> repeats the run) and print it.
 */
#include <stdio.h>
#include <stdlib.h>
#include "mm/buddy.h"
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "unit.h"

#define MAX_FAKE	16

struct span {
	u64 start, end;
};

struct fake_ram {
	u64 start, end;
	u8 *mem;
	u8 *shadow;		/* one byte per frame: held by the test */
};

static struct fake_ram fake[MAX_FAKE];
static unsigned nr_fake;
static struct buddy B;
static u8 *meta;

static struct fake_ram *fake_of(u64 pfn)
{
	for (unsigned i = 0; i < nr_fake; i++)
		if (pfn >= fake[i].start && pfn < fake[i].end)
			return &fake[i];
	return NULL;
}

static void *fake_va(u64 pfn)
{
	struct fake_ram *f = fake_of(pfn);

	if (!f) {
		fprintf(stderr, "test_buddy: allocator touched pfn %#llx, not RAM\n",
			(unsigned long long)pfn);
		abort();
	}
	return f->mem + (pfn - f->start) * PAGE_SIZE;
}

static void fake_teardown(void)
{
	for (unsigned i = 0; i < nr_fake; i++) {
		free(fake[i].mem);
		free(fake[i].shadow);
	}
	nr_fake = 0;
	free(meta);
	meta = NULL;
}

/* Back spans with RAM (filled with 0xa5) and start an allocator over the
 * first nr_add of them. meta_bytes 0 means buddy_metadata_size() of the spans. */
static int fake_setup_some(const struct span *s, unsigned n, size_t meta_bytes,
			   unsigned nr_add)
{
	u64 pages = 0;
	int err;

	fake_teardown();
	for (unsigned i = 0; i < n; i++) {
		fake[i].start = s[i].start;
		fake[i].end = s[i].end;
		fake[i].mem = malloc((s[i].end - s[i].start) * PAGE_SIZE);
		fake[i].shadow = calloc(s[i].end - s[i].start, 1);
		memset(fake[i].mem, 0xa5, (s[i].end - s[i].start) * PAGE_SIZE);
		pages += s[i].end - s[i].start;
	}
	nr_fake = n;
	if (!meta_bytes)
		meta_bytes = buddy_metadata_size(pages, n);
	meta = malloc(meta_bytes);
	buddy_init(&B, meta, meta_bytes, fake_va);
	for (unsigned i = 0; i < nr_add; i++) {
		err = buddy_add_range(&B, s[i].start, s[i].end);
		if (err)
			return err;
	}
	return 0;
}

static int fake_setup(const struct span *s, unsigned n, size_t meta_bytes)
{
	return fake_setup_some(s, n, meta_bytes, n);
}

/* Free blocks per order of the maximal aligned split of [s, e) (reference). */
static void ref_split(u64 s, u64 e, u64 *nr_free)
{
	if (s == 0)
		s = 1;
	while (s < e) {
		unsigned k = PFN_MAX_ORDER - 1;

		while (k && ((s & ((1ULL << k) - 1)) || s + (1ULL << k) > e))
			k--;
		nr_free[k]++;
		s += 1ULL << k;
	}
}


/* Take a block: it must be RAM, aligned, in the right zone, and not held. */
static bool hold(pfn_t p, unsigned order)
{
	u64 pfn = pfn_t_to_pfn(p);
	struct fake_ram *f = fake_of(pfn);

	if (pfn_t_flags(p) || !f || (pfn & ((1ULL << order) - 1)) ||
	    pfn + (1ULL << order) > f->end)
		return false;
	for (u64 i = 0; i < (1ULL << order); i++) {
		if (f->shadow[pfn - f->start + i])
			return false;
		f->shadow[pfn - f->start + i] = 1;
	}
	/* Markers in the first and last byte, checked on release. */
	*(u8 *)fake_va(pfn) = (u8)pfn;
	*((u8 *)fake_va(pfn + (1ULL << order) - 1) + PAGE_SIZE - 1) = (u8)~pfn;
	return true;
}

static bool release(pfn_t p, unsigned order)
{
	u64 pfn = pfn_t_to_pfn(p);
	struct fake_ram *f = fake_of(pfn);
	bool ok = true;

	if (*(u8 *)fake_va(pfn) != (u8)pfn ||
	    *((u8 *)fake_va(pfn + (1ULL << order) - 1) + PAGE_SIZE - 1) != (u8)~pfn)
		ok = false;
	for (u64 i = 0; i < (1ULL << order); i++)
		f->shadow[pfn - f->start + i] = 0;
	buddy_free(&B, p, order);
	return ok;
}

static bool stats_equal(const struct buddy_stats *a, const struct buddy_stats *b)
{
	if (a->total_pages != b->total_pages || a->free_pages != b->free_pages)
		return false;
	for (unsigned z = 0; z < BUDDY_NR_ZONES; z++) {
		if (a->zones[z].free_pages != b->zones[z].free_pages ||
		    a->zones[z].total_pages != b->zones[z].total_pages)
			return false;
		for (unsigned k = 0; k < PFN_MAX_ORDER; k++)
			if (a->zones[z].nr_free[k] != b->zones[z].nr_free[k])
				return false;
	}
	return true;
}

/* ---- initial layout ---- */

static const struct init_case {
	const char *name;
	struct span ranges[4];
	unsigned n;
	u64 dma32_pages, normal_pages;
} init_cases[] = {
	{ "one order-10 block", { { 0x400, 0x800 } }, 1, 0x400, 0 },
	{ "odd start and end", { { 0x401, 0x7ff } }, 1, 0x3fe, 0 },
	{ "starts at pfn 0", { { 0, 0x400 } }, 1, 0x3ff, 0 },
	{ "single frame", { { 0x12345, 0x12346 } }, 1, 1, 0 },
	{ "holes", { { 0x1, 0x9f }, { 0x100, 0x7fe0 }, { 0x100000, 0x100203 } }, 3,
	  0x9e + 0x7ee0, 0x203 },
	{ "crosses 4 GiB", { { 0xffc01, 0x100401 } }, 1, 0x3ff, 0x401 },
	{ "far above 4 GiB", { { 0x1000007, 0x1000c00 }, { 0x4000000, 0x4000001 } }, 2,
	  0, 0xbf9 + 1 },
};

/* get_order() (mm.h) at its edges: each order's first and last size, 0,
 * and the sizes no order below 52 holds. */
KTEST(mm, get_order_edges)
{
	static const struct {
		u64 size;
		unsigned order;
	} t[] = {
		{ 0, 0 }, { 1, 0 }, { PAGE_SIZE - 1, 0 }, { PAGE_SIZE, 0 },
		{ PAGE_SIZE + 1, 1 }, { 2 * PAGE_SIZE, 1 }, { 2 * PAGE_SIZE + 1, 2 },
		{ 3 * PAGE_SIZE, 2 }, { 4 << 20, 10 }, { (4 << 20) + 1, 11 },
		{ 1ULL << 32, 20 }, { 1ULL << 63, 51 }, { (1ULL << 63) + 1, 52 },
		{ ~0ULL, 52 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++)
		if (get_order(t[i].size) != t[i].order)
			ktest_fail(__FILE__, __LINE__, "get_order(%llu) = %u, want %u",
				   (unsigned long long)t[i].size, get_order(t[i].size),
				   t[i].order);
	/* every order: its largest size, and one byte more */
	for (unsigned o = 0; o < 52; o++) {
		u64 top = (u64)PAGE_SIZE << o;

		KT_EXPECT_EQ(get_order(top), o);
		KT_EXPECT_EQ(get_order(top + 1), o + 1);
		KT_EXPECT_EQ(get_order(top - top / 4), o);
	}
}

KTEST(buddy, initial_free_blocks)
{
	for (unsigned c = 0; c < ARRAY_SIZE(init_cases); c++) {
		const struct init_case *t = &init_cases[c];
		u64 want[BUDDY_NR_ZONES][PFN_MAX_ORDER] = { { 0 } };
		struct buddy_stats st;

		ktest_log("case %s", t->name);
		KT_ASSERT_EQ(fake_setup(t->ranges, t->n, 0), 0);
		for (unsigned i = 0; i < t->n; i++) {
			u64 s = t->ranges[i].start, e = t->ranges[i].end;
			u64 lim = BUDDY_DMA32_END_PFN;

			if (s < lim)
				ref_split(s, min(e, lim), want[BUDDY_ZONE_DMA32]);
			if (e > lim)
				ref_split(max(s, lim), e, want[BUDDY_ZONE_NORMAL]);
		}
		buddy_get_stats(&B, &st);
		KT_EXPECT_EQ(st.zones[BUDDY_ZONE_DMA32].total_pages, t->dma32_pages);
		KT_EXPECT_EQ(st.zones[BUDDY_ZONE_NORMAL].total_pages, t->normal_pages);
		KT_EXPECT_EQ(st.total_pages, t->dma32_pages + t->normal_pages);
		KT_EXPECT_EQ(st.free_pages, st.total_pages);
		for (unsigned z = 0; z < BUDDY_NR_ZONES; z++)
			for (unsigned k = 0; k < PFN_MAX_ORDER; k++)
				KT_EXPECT_EQ(st.zones[z].nr_free[k], want[z][k]);
		KT_EXPECT_EQ(buddy_check(&B), 0);
	}
}

KTEST(buddy, odd_range_exact_blocks)
{
	/* [0x401, 0x7ff) splits into two blocks of each order 0..8. */
	static const struct span r = { 0x401, 0x7ff };
	struct buddy_stats st;

	KT_ASSERT_EQ(fake_setup(&r, 1, 0), 0);
	buddy_get_stats(&B, &st);
	for (unsigned k = 0; k < PFN_MAX_ORDER; k++)
		KT_EXPECT_EQ(st.zones[BUDDY_ZONE_DMA32].nr_free[k], k <= 8 ? 2 : 0);
	KT_EXPECT_EQ(st.free_pages, 0x3fe);
}

/* ---- split and merge ---- */

KTEST(buddy, split_merge_every_order)
{
	static const struct span r = { 0x400, 0x800 };

	for (unsigned order = 0; order < PFN_MAX_ORDER; order++) {
		struct buddy_stats st;
		pfn_t p;

		KT_ASSERT_EQ(fake_setup(&r, 1, 0), 0);
		p = buddy_alloc(&B, order, 0);
		KT_ASSERT_EQ(pfn_t_to_pfn(p), 0x400);
		KT_EXPECT(buddy_is_allocated(&B, 0x400, order));
		buddy_get_stats(&B, &st);
		/* One free block of each order from order up to 9: the split halves. */
		for (unsigned k = 0; k < PFN_MAX_ORDER; k++)
			KT_EXPECT_EQ(st.zones[0].nr_free[k], k >= order && k < 10 ? 1 : 0);
		KT_EXPECT_EQ(st.free_pages, 0x400 - (1ULL << order));
		KT_EXPECT_EQ(buddy_check(&B), 0);

		buddy_free(&B, p, order);
		buddy_get_stats(&B, &st);
		for (unsigned k = 0; k < PFN_MAX_ORDER; k++)
			KT_EXPECT_EQ(st.zones[0].nr_free[k], k == 10 ? 1 : 0);
		KT_EXPECT_EQ(buddy_check(&B), 0);
	}
}

KTEST(buddy, exhaust_every_order_and_recover)
{
	static const struct span r = { 0x800, 0xc00 };
	static pfn_t held[1024];
	struct prng rng = { ktest_seed() };

	ktest_log("seed %llu", (unsigned long long)rng.state);
	for (unsigned order = 0; order < PFN_MAX_ORDER; order++) {
		unsigned n = 1024 >> order;
		struct buddy_stats st0, st;

		KT_ASSERT_EQ(fake_setup(&r, 1, 0), 0);
		buddy_get_stats(&B, &st0);
		for (unsigned i = 0; i < n; i++) {
			held[i] = buddy_alloc(&B, order, 0);
			KT_ASSERT(!pfn_t_is_null(held[i]));
			KT_ASSERT(hold(held[i], order));
		}
		KT_EXPECT(pfn_t_is_null(buddy_alloc(&B, order, 0)));
		KT_EXPECT(pfn_t_is_null(buddy_alloc(&B, 0, 0)));
		buddy_get_stats(&B, &st);
		KT_EXPECT_EQ(st.free_pages, 0);
		KT_EXPECT_EQ(st.nr_failures, 2);
		KT_EXPECT_EQ(st.nr_allocs, n);
		KT_EXPECT_EQ(buddy_check(&B), 0);
		/* Free in random order. */
		for (unsigned i = n; i > 1; i--) {
			unsigned j = prng_next(&rng) % i;
			pfn_t t = held[i - 1];

			held[i - 1] = held[j];
			held[j] = t;
		}
		for (unsigned i = 0; i < n; i++)
			KT_ASSERT(release(held[i], order));
		buddy_get_stats(&B, &st);
		KT_EXPECT(stats_equal(&st, &st0));
		KT_EXPECT_EQ(st.nr_frees, n);
		KT_EXPECT_EQ(buddy_check(&B), 0);
	}
}

/* ---- zones ---- */

KTEST(buddy, dma32_limit_and_preference)
{
	static const struct span r[] = { { 0x80000, 0x80400 }, { 0x100000, 0x100400 } };
	pfn_t low[1024], high[4], p;

	KT_ASSERT_EQ(fake_setup(r, 2, 0), 0);
	/* Plain allocations come from above 4 GiB while it lasts. */
	for (unsigned i = 0; i < 4; i++) {
		high[i] = buddy_alloc(&B, 8, 0);
		KT_ASSERT(pfn_t_to_pfn(high[i]) >= 0x100000);
		KT_ASSERT(hold(high[i], 8));
	}
	p = buddy_alloc(&B, 0, 0);
	KT_ASSERT(pfn_t_to_pfn(p) >= 0x80000 && pfn_t_to_pfn(p) < 0x80400);
	KT_ASSERT(hold(p, 0));
	KT_ASSERT(release(p, 0));
	/* DMA32 only from below; it fails when below is gone even if above is free. */
	for (unsigned i = 0; i < 4; i++)
		KT_ASSERT(release(high[i], 8));
	for (unsigned i = 0; i < 1024; i++) {
		low[i] = buddy_alloc(&B, 0, PFN_ALLOC_DMA32);
		KT_ASSERT(!pfn_t_is_null(low[i]));
		KT_ASSERT(pfn_t_to_pfn(low[i]) + 1 <= BUDDY_DMA32_END_PFN);
		KT_ASSERT(hold(low[i], 0));
	}
	KT_EXPECT(pfn_t_is_null(buddy_alloc(&B, 0, PFN_ALLOC_DMA32)));
	p = buddy_alloc(&B, 10, 0);
	KT_EXPECT_EQ(pfn_t_to_pfn(p), 0x100000);
	KT_ASSERT(release(p, 10));
	for (unsigned i = 0; i < 1024; i++)
		KT_ASSERT(release(low[i], 0));
	KT_EXPECT_EQ(buddy_check(&B), 0);
}

KTEST(buddy, range_across_4g_never_straddles)
{
	static const struct span r = { 0xffc00, 0x100400 };
	struct buddy_stats st;
	pfn_t a, b;

	KT_ASSERT_EQ(fake_setup(&r, 1, 0), 0);
	buddy_get_stats(&B, &st);
	KT_EXPECT_EQ(st.nr_ranges, 2);
	KT_EXPECT_EQ(st.zones[BUDDY_ZONE_DMA32].nr_free[10], 1);
	KT_EXPECT_EQ(st.zones[BUDDY_ZONE_NORMAL].nr_free[10], 1);
	a = buddy_alloc(&B, 10, PFN_ALLOC_DMA32);
	KT_EXPECT_EQ(pfn_t_to_pfn(a), 0xffc00);
	b = buddy_alloc(&B, 10, 0);
	KT_EXPECT_EQ(pfn_t_to_pfn(b), 0x100000);
	KT_EXPECT(pfn_t_is_null(buddy_alloc(&B, 0, 0)));
	buddy_free(&B, a, 10);
	buddy_free(&B, b, 10);
	/* The halves on either side of 4 GiB never merge into one block. */
	buddy_get_stats(&B, &st);
	KT_EXPECT_EQ(st.zones[BUDDY_ZONE_DMA32].nr_free[10], 1);
	KT_EXPECT_EQ(st.zones[BUDDY_ZONE_NORMAL].nr_free[10], 1);
	KT_EXPECT_EQ(buddy_check(&B), 0);
}

KTEST(buddy, pfn_zero_never_returned)
{
	static const struct span r = { 0, 0x40 };
	pfn_t held[64];
	unsigned n = 0;
	pfn_t p;

	KT_ASSERT_EQ(fake_setup(&r, 1, 0), 0);
	while (!pfn_t_is_null(p = buddy_alloc(&B, 0, 0))) {
		KT_ASSERT(n < 63);
		KT_ASSERT(pfn_t_to_pfn(p) != 0);
		held[n++] = p;
	}
	KT_EXPECT_EQ(n, 63);
	for (unsigned i = 0; i < n; i++)
		buddy_free(&B, held[i], 0);
	KT_EXPECT_EQ(buddy_check(&B), 0);
}

/* ---- randomized: holes, odd edges, every order, no overlap ---- */

KTEST(buddy, random_alloc_free_no_overlap)
{
	static const struct span r[] = {
		{ 0x1, 0x9f }, { 0x100, 0x7e3 }, { 0xa01, 0xe00 },
		{ 0xfff80, 0x100200 }, { 0x1000003, 0x10005f5 },
	};
	static struct { pfn_t p; unsigned order; } held[4096];
	struct prng rng = { ktest_seed() };
	struct buddy_stats st0, st;
	unsigned n = 0, fails = 0;

	ktest_log("seed %llu", (unsigned long long)rng.state);
	KT_ASSERT_EQ(fake_setup(r, ARRAY_SIZE(r), 0), 0);
	buddy_get_stats(&B, &st0);
	for (unsigned step = 0; step < 40000; step++) {
		u64 x = prng_next(&rng);
		/* Phases that fill memory up to exhaustion, then drain it. */
		unsigned bias = (step / 5000) % 2 ? 3 : 1;

		if (n < ARRAY_SIZE(held) && (n == 0 || (x & 3) < bias)) {
			/* Small orders more often, every order sometimes. */
			unsigned order = (x >> 8) % 4 ? (x >> 16) % 4 : (x >> 16) % PFN_MAX_ORDER;
			unsigned flags = (x >> 24) & 1 ? PFN_ALLOC_DMA32 : 0;
			pfn_t p = buddy_alloc(&B, order, flags);

			if (pfn_t_is_null(p)) {
				fails++;
				continue;
			}
			KT_ASSERT(hold(p, order));
			if (flags & PFN_ALLOC_DMA32)
				KT_ASSERT(pfn_t_to_pfn(p) + (1ULL << order) <= BUDDY_DMA32_END_PFN);
			held[n].p = p;
			held[n].order = order;
			n++;
		} else if (n) {
			unsigned i = prng_next(&rng) % n;

			KT_ASSERT(release(held[i].p, held[i].order));
			held[i] = held[--n];
		}
		if (step % 4000 == 0)
			KT_ASSERT_EQ(buddy_check(&B), 0);
	}
	ktest_log("held %u blocks at the end, %u failed allocations", n, fails);
	buddy_get_stats(&B, &st);
	KT_EXPECT_EQ(st.nr_failures, fails);
	while (n) {
		n--;
		KT_ASSERT(release(held[n].p, held[n].order));
	}
	buddy_get_stats(&B, &st);
	KT_EXPECT(stats_equal(&st, &st0));
	KT_EXPECT_EQ(st.nr_allocs, st.nr_frees);
	KT_EXPECT_EQ(buddy_check(&B), 0);
}

/* Exhaust all memory with random orders, free all, and compare. */
KTEST(buddy, random_exhaustion_recovers_coalescing)
{
	static const struct span r[] = { { 0x3, 0x5f1 }, { 0x100007, 0x1003f0 } };
	static struct { pfn_t p; unsigned order; } held[4096];
	struct prng rng = { ktest_seed() };
	struct buddy_stats st0, st;
	unsigned n = 0;

	ktest_log("seed %llu", (unsigned long long)rng.state);
	KT_ASSERT_EQ(fake_setup(r, 2, 0), 0);
	buddy_get_stats(&B, &st0);
	for (int order = PFN_MAX_ORDER - 1; order >= 0; ) {
		unsigned o = prng_next(&rng) % (order + 1);
		pfn_t p = buddy_alloc(&B, o, 0);

		if (pfn_t_is_null(p)) {
			/* Nothing of order o is left, so nothing above it either. */
			order = (int)o - 1;
			continue;
		}
		KT_ASSERT(n < ARRAY_SIZE(held));
		KT_ASSERT(hold(p, o));
		held[n].p = p;
		held[n].order = o;
		n++;
	}
	buddy_get_stats(&B, &st);
	KT_EXPECT_EQ(st.free_pages, 0);
	for (unsigned i = n; i > 1; i--) {
		unsigned j = prng_next(&rng) % i;
		__typeof__(held[0]) t = held[i - 1];

		held[i - 1] = held[j];
		held[j] = t;
	}
	for (unsigned i = 0; i < n; i++)
		KT_ASSERT(release(held[i].p, held[i].order));
	buddy_get_stats(&B, &st);
	KT_EXPECT(stats_equal(&st, &st0));
	KT_EXPECT_EQ(buddy_check(&B), 0);
}

/* ---- zeroing ---- */

KTEST(buddy, zeroing)
{
	static const struct span r = { 0x400, 0x800 };

	KT_ASSERT_EQ(fake_setup(&r, 1, 0), 0);
	for (unsigned order = 0; order < PFN_MAX_ORDER; order++) {
		pfn_t p = buddy_alloc(&B, order, 0);
		u64 pfn = pfn_t_to_pfn(p);
		bool zero = true;

		KT_ASSERT(!pfn_t_is_null(p));
		for (u64 i = 0; i < (1ULL << order); i++)
			memset(fake_va(pfn + i), 0x5a, PAGE_SIZE);
		buddy_free(&B, p, order);
		p = buddy_alloc(&B, order, PFN_ALLOC_ZERO);
		KT_ASSERT_EQ(pfn_t_to_pfn(p), pfn);
		for (u64 i = 0; i < (1ULL << order); i++) {
			const u8 *va = fake_va(pfn + i);

			for (size_t j = 0; j < PAGE_SIZE; j++)
				zero &= va[j] == 0;
		}
		KT_EXPECT(zero);
		buddy_free(&B, p, order);
	}
}

/* ---- bad frees ---- */

struct bad_free {
	pfn_t p;
	unsigned order;
};

static void do_free(void *arg)
{
	struct bad_free *f = arg;

	buddy_free(&B, f->p, f->order);
}

KTEST(buddy, bad_frees_panic)
{
	static const struct span r[] = { { 0x400, 0x800 }, { 0x100400, 0x100800 } };
	static const struct {
		const char *what;
		u64 val;	/* pfn_t value */
		unsigned order;
		const char *msg;
	} cases[] = {
		{ "double free", 0x600, 0, "already free" },
		{ "never allocated", 0x700, 0, "was not allocated" },
		{ "inside an allocated block", 0x405, 0, "was not allocated" },
		{ "wrong order (lower)", 0x400, 2, "freed with order 2" },
		{ "wrong order (higher)", 0x400, 4, "freed with order 4" },
		{ "misaligned", 0x401, 1, "not aligned" },
		{ "reserved frame", 0x100410, 0, "was not allocated" },
		{ "hole between ranges", 0xa00, 0, "not RAM managed" },
		{ "above all RAM", 0x123456789ULL, 0, "not RAM managed" },
		{ "pfn 0", 0, 0, "not RAM managed" },
		{ "PFN_DEV", 0x400 | PFN_DEV, 3, "not RAM (flags" },
		{ "pmem pfn", 0x400 | PFN_DEV | PFN_PMEM, 3, "not RAM (flags" },
		{ "order too big", 0x400, PFN_MAX_ORDER, "bad order" },
	};
	struct buddy_stats before, after;
	pfn_t a, d;

	KT_ASSERT_EQ(fake_setup(r, 2, 0), 0);
	KT_ASSERT_EQ(buddy_reserve_range(&B, 0x100410, 0x100411), 0);
	a = buddy_alloc(&B, 3, PFN_ALLOC_DMA32);	/* 0x400, order 3 */
	KT_ASSERT_EQ(pfn_t_to_pfn(a), 0x400);
	d = buddy_alloc(&B, 9, PFN_ALLOC_DMA32);	/* 0x600 */
	KT_ASSERT_EQ(pfn_t_to_pfn(d), 0x600);
	buddy_free(&B, d, 9);
	buddy_get_stats(&B, &before);
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct bad_free f = { { cases[i].val }, cases[i].order };
		char pfnstr[32];

		snprintf(pfnstr, sizeof(pfnstr), "pfn %#llx",
			 (unsigned long long)(cases[i].val & PFN_PFN_MASK));
		if ((cases[i].val & PFN_PFN_MASK) == 0)
			snprintf(pfnstr, sizeof(pfnstr), "pfn 0 ");
		KT_EXPECT(host_catch_panic(do_free, &f));
		if (!strstr(host_panic_message(), "pfn_free: ") ||
		    !strstr(host_panic_message(), pfnstr) ||
		    !strstr(host_panic_message(), cases[i].msg))
			ktest_fail(__FILE__, __LINE__, "%s: message \"%s\"",
				   cases[i].what, host_panic_message());
		buddy_get_stats(&B, &after);
		KT_EXPECT(stats_equal(&before, &after));
	}
	KT_EXPECT_EQ(buddy_check(&B), 0);
	/* The real block still frees fine. */
	buddy_free(&B, a, 3);
	KT_EXPECT_EQ(buddy_check(&B), 0);
}

/* ---- adding and reserving ---- */

KTEST(buddy, add_range_errors)
{
	static const struct span r[] = { { 0x400, 0x800 }, { 0x1000000, 0x1000100 } };
	size_t used;

	KT_ASSERT_EQ(fake_setup_some(r, 2, 4096, 1), 0);
	KT_EXPECT_EQ(buddy_add_range(&B, 0x900, 0x900), -EINVAL);
	KT_EXPECT_EQ(buddy_add_range(&B, 0x900, 0x800), -EINVAL);
	KT_EXPECT_EQ(buddy_add_range(&B, 0x7ff, 0x900), -EEXIST);
	KT_EXPECT_EQ(buddy_add_range(&B, 0x300, 0x401), -EEXIST);
	KT_EXPECT_EQ(buddy_add_range(&B, 0x500, 0x600), -EEXIST);
	KT_EXPECT_EQ(buddy_add_range(&B, 0x1, PFN_PFN_MASK + 2), -ERANGE);
	used = B.meta_used;
	/* 4096 bytes of metadata: 512 used, 3584 left = 7168 frames. */
	KT_EXPECT_EQ(used, 512);
	KT_EXPECT_EQ(buddy_add_range(&B, 0x10000, 0x10000 + 7169), -ENOMEM);
	KT_EXPECT_EQ(buddy_add_range(&B, 0xfff00, 0x100000 + 7000), -ENOMEM);
	KT_EXPECT_EQ(B.meta_used, used);
	KT_EXPECT_EQ(B.nr_ranges, 1);
	KT_EXPECT_EQ(buddy_check(&B), 0);
	/* Table full. */
	for (unsigned i = 1; i < BUDDY_MAX_RANGES; i++)
		KT_ASSERT_EQ(buddy_add_range(&B, 0x1000000 + 2 * i, 0x1000000 + 2 * i + 1), 0);
	KT_EXPECT_EQ(buddy_add_range(&B, 0x2000000, 0x2000001), -ENOSPC);
	KT_EXPECT_EQ(B.nr_ranges, BUDDY_MAX_RANGES);
}

KTEST(buddy, metadata_proportional_to_ram_only)
{
	/* The same number of RAM frames, packed together or spread over 1 TiB. */
	static const struct span packed[] = { { 0x400, 0x800 }, { 0x800 + 1, 0xc00 + 1 } };
	static const struct span spread[] = { { 0x400, 0x800 }, { 0x10000001, 0x10000401 } };
	size_t a, b;

	KT_ASSERT_EQ(fake_setup(packed, 2, 0), 0);
	a = B.meta_used;
	KT_ASSERT_EQ(fake_setup(spread, 2, 0), 0);
	b = B.meta_used;
	KT_EXPECT_EQ(a, 2048 / 2);
	KT_EXPECT_EQ(a, b);
	KT_EXPECT(buddy_metadata_size(2048, 2) >= a);
	/* Bits per frame as documented. */
	KT_EXPECT_EQ(a * 8 / 2048, BUDDY_META_BITS);
}

KTEST(buddy, reserve_ranges)
{
	static const struct span r[] = { { 0x400, 0x800 }, { 0x900, 0xa00 } };
	static pfn_t held[2048];
	struct buddy_stats st0, st;
	unsigned n = 0;
	pfn_t p, q;

	KT_ASSERT_EQ(fake_setup(r, 2, 0), 0);
	KT_EXPECT_EQ(buddy_reserve_range(&B, 0x500, 0x500), -EINVAL);
	/* A range spanning the hole between RAM ranges: the hole is ignored. */
	KT_ASSERT_EQ(buddy_reserve_range(&B, 0x7fe, 0x902), 0);
	KT_ASSERT_EQ(buddy_reserve_range(&B, 0x503, 0x506), 0);
	KT_EXPECT_EQ(buddy_check(&B), 0);
	buddy_get_stats(&B, &st0);
	KT_EXPECT_EQ(st0.nr_reserved, 7);
	KT_EXPECT_EQ(st0.free_pages, 0x500 - 7);
	/* Overlapping reserved frames: refused, nothing changes. */
	KT_EXPECT_EQ(buddy_reserve_range(&B, 0x400, 0x504), -EBUSY);
	p = buddy_alloc(&B, 0, 0);
	KT_ASSERT(!pfn_t_is_null(p));
	KT_EXPECT_EQ(buddy_reserve_range(&B, pfn_t_to_pfn(p), pfn_t_to_pfn(p) + 1), -EBUSY);
	buddy_free(&B, p, 0);
	buddy_get_stats(&B, &st);
	KT_EXPECT_EQ(st.free_pages, st0.free_pages);
	/* Reserved frames are never handed out. */
	while (!pfn_t_is_null(q = buddy_alloc(&B, 0, 0))) {
		u64 pfn = pfn_t_to_pfn(q);

		KT_ASSERT(n < ARRAY_SIZE(held));
		KT_ASSERT(!(pfn >= 0x503 && pfn < 0x506) && !(pfn >= 0x7fe && pfn < 0x800) &&
			  !(pfn >= 0x900 && pfn < 0x902));
		held[n++] = q;
	}
	KT_EXPECT_EQ(n, 0x500 - 7);
	for (unsigned i = 0; i < n; i++)
		buddy_free(&B, held[i], 0);
	buddy_get_stats(&B, &st);
	KT_EXPECT(stats_equal(&st, &st0));
	KT_EXPECT_EQ(buddy_check(&B), 0);
	/* Freeing a reserved frame is a bad free. */
	{
		struct bad_free f = { __pfn_to_pfn_t(0x504, 0), 0 };

		KT_EXPECT(host_catch_panic(do_free, &f));
		KT_EXPECT(strstr(host_panic_message(), "pfn_free: pfn 0x504") != NULL);
	}
}

KTEST(buddy, bad_alloc_arguments)
{
	static const struct span r = { 0x400, 0x800 };
	struct buddy_stats st;

	KT_ASSERT_EQ(fake_setup(&r, 1, 0), 0);
	KT_EXPECT(pfn_t_is_null(buddy_alloc(&B, PFN_MAX_ORDER, 0)));
	KT_EXPECT(pfn_t_is_null(buddy_alloc(&B, ~0u, 0)));
	KT_EXPECT(pfn_t_is_null(buddy_alloc(&B, 0, BIT(7))));
	buddy_get_stats(&B, &st);
	KT_EXPECT_EQ(st.nr_failures, 3);
	KT_EXPECT_EQ(st.nr_allocs, 0);
	KT_EXPECT_EQ(st.free_pages, 0x400);
}

KTEST(buddy, use_after_free_detected)
{
	static const struct span r = { 0x400, 0x800 };
	struct bad_free f;
	pfn_t p;

	KT_ASSERT_EQ(fake_setup(&r, 1, 0), 0);
	p = buddy_alloc(&B, 0, 0);		/* 0x400; 0x401 is a free order-0 block */
	KT_ASSERT_EQ(pfn_t_to_pfn(p), 0x400);
	memset(fake_va(0x401), 0x77, 32);	/* scribble on a free frame */
	f.p = p;
	f.order = 0;
	KT_EXPECT(host_catch_panic(do_free, &f));	/* merging looks at 0x401 */
	KT_EXPECT(strstr(host_panic_message(), "free frame 0x401 overwritten") != NULL);
	fake_teardown();
}

/* ---- sparse RAM: a frame gets host memory when the allocator first touches it ---- */

/*
 * For ranges of gigabytes: the test sees which frames the allocator writes
 * or reads (every access goes through frame_va) without allocating them all.
 * sparse_touched counts distinct frames reached since sparse_setup().
 */
#define SPARSE_SLOTS	(1u << 15)

static struct {
	u64 pfn;
	u8 *page;
} sparse[SPARSE_SLOTS];
static unsigned sparse_touched;
static const struct span *sparse_ranges;
static unsigned sparse_nr;

static void sparse_teardown(void)
{
	for (unsigned i = 0; i < SPARSE_SLOTS; i++) {
		free(sparse[i].page);
		sparse[i].page = NULL;
	}
	sparse_touched = 0;
	free(meta);
	meta = NULL;
}

static void *sparse_va(u64 pfn)
{
	unsigned i = (unsigned)((pfn * 0x9e3779b97f4a7c15ULL) >> 49);
	bool ram = false;

	for (unsigned r = 0; r < sparse_nr; r++)
		ram |= pfn >= sparse_ranges[r].start && pfn < sparse_ranges[r].end;
	if (!ram) {
		fprintf(stderr, "test_buddy: allocator touched pfn %#llx, not RAM\n",
			(unsigned long long)pfn);
		abort();
	}
	for (;; i = (i + 1) % SPARSE_SLOTS) {
		if (sparse[i].page && sparse[i].pfn == pfn)
			return sparse[i].page;
		if (!sparse[i].page)
			break;
	}
	if (sparse_touched >= SPARSE_SLOTS / 2) {
		fprintf(stderr, "test_buddy: more than %u frames touched\n", SPARSE_SLOTS / 2);
		abort();
	}
	sparse[i].pfn = pfn;
	sparse[i].page = malloc(PAGE_SIZE);
	memset(sparse[i].page, 0xa5, PAGE_SIZE);
	sparse_touched++;
	return sparse[i].page;
}

/* An empty allocator sized for the ranges, over sparse RAM; nothing added. */
static void sparse_setup(const struct span *s, unsigned n)
{
	u64 pages = 0;
	size_t bytes;

	sparse_teardown();
	fake_teardown();
	for (unsigned i = 0; i < n; i++)
		pages += s[i].end - s[i].start;
	sparse_ranges = s;
	sparse_nr = n;
	bytes = buddy_metadata_size(pages, 2 * n);
	meta = malloc(bytes);
	buddy_init(&B, meta, bytes, sparse_va);
}

struct block {
	u64 pfn;
	unsigned order;
};

static int block_cmp(const void *a, const void *b)
{
	const struct block *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

/* The maximal aligned split of [s, e) as blocks, appended at *n. */
static void ref_split_blocks(u64 s, u64 e, struct block *out, unsigned *n)
{
	if (s == 0)
		s = 1;
	while (s < e) {
		unsigned k = PFN_MAX_ORDER - 1;

		while (k && ((s & ((1ULL << k) - 1)) || s + (1ULL << k) > e))
			k--;
		out[(*n)++] = (struct block){ s, k };
		s += 1ULL << k;
	}
}

/* The split of every range, cut at 4 GiB as the zones are, sorted. */
static unsigned ref_free_blocks(const struct span *s, unsigned nr, struct block *out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nr; i++) {
		u64 lim = BUDDY_DMA32_END_PFN;

		if (s[i].start < lim)
			ref_split_blocks(s[i].start, min(s[i].end, lim), out, &n);
		if (s[i].end > lim)
			ref_split_blocks(max(s[i].start, lim), s[i].end, out, &n);
	}
	qsort(out, n, sizeof(*out), block_cmp);
	return n;
}

/*
 * What an allocator over freshly added ranges holds, read back from the
 * outside: allocate every block of the highest order until none is left,
 * then of the next order, and so on. Nothing ever needs a split (all larger
 * blocks are gone by then), so each allocation returns one of the free
 * blocks exactly as init left it.
 */
static unsigned drain_free_blocks(struct block *out, unsigned max)
{
	unsigned n = 0;

	for (int k = PFN_MAX_ORDER - 1; k >= 0; k--) {
		pfn_t p;

		while (!pfn_t_is_null(p = buddy_alloc(&B, (unsigned)k, 0))) {
			if (n == max)
				return n + 1;
			out[n++] = (struct block){ pfn_t_to_pfn(p), (unsigned)k };
		}
	}
	qsort(out, n, sizeof(*out), block_cmp);
	return n;
}

static const struct {
	const char *name;
	struct span ranges[4];
	unsigned n;
} big_cases[] = {
	{ "512 MiB machine", { { 0x1, 0x9f }, { 0x100, 0x1000 }, { 0x1c80, 0x1cb0 },
			       { 0x1cb8, 0x1ffd6 } }, 4 },
	{ "4 GiB machine", { { 0x1, 0x9f }, { 0x100, 0x7ffd6 }, { 0x100000, 0x180000 } }, 3 },
	{ "odd edges across 4 GiB", { { 0xff801, 0x140403 } }, 1 },
	{ "4 GiB far up", { { 0x10000007, 0x10100c05 } }, 1 },
};

/*
 * The allocator's init must leave exactly the free memory of the maximal
 * aligned split of every range: the same blocks, nothing more, nothing less,
 * however it gets there (tests/unit/test_buddy.c initial_free_blocks checks
 * the counts; this checks the blocks, on machine-sized ranges).
 */
KTEST(buddy, init_yields_exactly_the_split)
{
	static struct block want[1 << 15], got[1 << 15];

	for (unsigned c = 0; c < ARRAY_SIZE(big_cases); c++) {
		struct buddy_stats st;
		unsigned nw, ng;
		u64 pages = 0;

		ktest_log("case %s", big_cases[c].name);
		sparse_setup(big_cases[c].ranges, big_cases[c].n);
		for (unsigned i = 0; i < big_cases[c].n; i++)
			KT_ASSERT_EQ(buddy_add_range(&B, big_cases[c].ranges[i].start,
						     big_cases[c].ranges[i].end), 0);
		KT_EXPECT_EQ(buddy_check(&B), 0);
		nw = ref_free_blocks(big_cases[c].ranges, big_cases[c].n, want);
		for (unsigned i = 0; i < nw; i++)
			pages += 1ULL << want[i].order;
		buddy_get_stats(&B, &st);
		KT_EXPECT_EQ(st.free_pages, pages);
		KT_EXPECT_EQ(st.total_pages, pages);
		ng = drain_free_blocks(got, ARRAY_SIZE(got));
		KT_ASSERT_EQ(ng, nw);
		for (unsigned i = 0; i < nw; i++)
			if (got[i].pfn != want[i].pfn || got[i].order != want[i].order) {
				ktest_fail(__FILE__, __LINE__,
					   "block %u: got %#llx order %u, want %#llx order %u", i,
					   (unsigned long long)got[i].pfn, got[i].order,
					   (unsigned long long)want[i].pfn, want[i].order);
				break;
			}
		buddy_get_stats(&B, &st);
		KT_EXPECT_EQ(st.free_pages, 0);
		KT_EXPECT_EQ(buddy_check(&B), 0);
	}
	sparse_teardown();
}

/*
 * Boot time must not grow with RAM: adding a range may write the allocator's
 * own metadata, but of the free frames themselves only those heading the few
 * blocks below the largest order (at most two per order at the range's
 * edges). A range of 4 GiB costs what a range of 40 MiB costs. Frames are
 * reached through frame_va only, so sparse RAM sees every access.
 */
KTEST(buddy, add_range_touches_no_frame_per_max_block)
{
	static const struct span sizes[] = {
		{ 0x401, 0x2c05 },		/* 40 MiB: 9 blocks of order 10 */
		{ 0x401, 0xffc05 },		/* 4 GiB: 1022 of them */
		{ 0x100000, 0x200000 },		/* 4 GiB above 4 GiB, only order 10 */
	};
	static struct block want[4096];

	for (unsigned c = 0; c < ARRAY_SIZE(sizes); c++) {
		unsigned nw = ref_free_blocks(&sizes[c], 1, want), small = 0;
		u64 top = 0;
		pfn_t p;

		for (unsigned i = 0; i < nw; i++)
			small += want[i].order < PFN_MAX_ORDER - 1;
		ktest_log("range %#llx-%#llx: %u blocks, %u below order %u",
			  (unsigned long long)sizes[c].start, (unsigned long long)sizes[c].end,
			  nw, small, PFN_MAX_ORDER - 1);
		sparse_setup(&sizes[c], 1);
		KT_ASSERT_EQ(buddy_add_range(&B, sizes[c].start, sizes[c].end), 0);
		KT_EXPECT_EQ(sparse_touched, small);
		/* Memory is still all there: the largest block comes out at once,
		 * the highest one first, costing a frame or two, not a scan. */
		for (unsigned i = 0; i < nw; i++)
			if (want[i].order == PFN_MAX_ORDER - 1)
				top = want[i].pfn;
		sparse_touched = 0;
		p = buddy_alloc(&B, PFN_MAX_ORDER - 1, 0);
		KT_EXPECT_EQ(pfn_t_to_pfn(p), top);
		KT_EXPECT(sparse_touched <= 2);
		buddy_free(&B, p, PFN_MAX_ORDER - 1);
		KT_EXPECT_EQ(buddy_check(&B), 0);
	}
	sparse_teardown();
}

/*
 * Reserving frames inside a free block of the largest order that nothing
 * has allocated from yet, and freeing a pfn heading one, behave as on any
 * free block (init may leave such blocks untouched until they are needed).
 */
KTEST(buddy, reserve_and_bad_free_inside_untouched_blocks)
{
	static const struct span r = { 0x100000, 0x140000 };	/* 1 GiB above 4 GiB */
	struct buddy_stats st;
	struct bad_free f = { __pfn_to_pfn_t(0x120000, 0), PFN_MAX_ORDER - 1 };
	pfn_t p;

	sparse_setup(&r, 1);
	KT_ASSERT_EQ(buddy_add_range(&B, r.start, r.end), 0);
	KT_EXPECT(host_catch_panic(do_free, &f));
	KT_EXPECT(strstr(host_panic_message(), "pfn_free: pfn 0x120000 is already free") != NULL);
	KT_ASSERT_EQ(buddy_reserve_range(&B, 0x120003, 0x120805), 0);
	KT_EXPECT_EQ(buddy_check(&B), 0);
	buddy_get_stats(&B, &st);
	KT_EXPECT_EQ(st.nr_reserved, 0x802);
	KT_EXPECT_EQ(st.free_pages, 0x40000 - 0x802);
	/* Reserving again overlaps: refused, nothing changes. */
	KT_EXPECT_EQ(buddy_reserve_range(&B, 0x120800, 0x120c01), -EBUSY);
	buddy_get_stats(&B, &st);
	KT_EXPECT_EQ(st.free_pages, 0x40000 - 0x802);
	/* Everything else is still handed out; the reserved frames never are. */
	for (unsigned i = 0; i < 0x100 - 3; i++) {
		p = buddy_alloc(&B, PFN_MAX_ORDER - 1, 0);
		KT_ASSERT(!pfn_t_is_null(p));
		KT_ASSERT(pfn_t_to_pfn(p) + 0x400 <= 0x120000 || pfn_t_to_pfn(p) >= 0x120c00);
	}
	KT_EXPECT(pfn_t_is_null(buddy_alloc(&B, PFN_MAX_ORDER - 1, 0)));
	p = buddy_alloc(&B, 1, 0);
	KT_ASSERT(!pfn_t_is_null(p));
	KT_EXPECT(pfn_t_to_pfn(p) >= 0x120000 && pfn_t_to_pfn(p) < 0x120c00 &&
		  (pfn_t_to_pfn(p) + 2 <= 0x120003 || pfn_t_to_pfn(p) >= 0x120805));
	KT_EXPECT_EQ(buddy_check(&B), 0);
	sparse_teardown();
}

/* ---- the null pfn_t ---- */

KTEST(buddy, failure_returns_pfn_t_null)
{
	static const struct span r = { 0x400, 0x800 };
	static const pfn_t in_table[] = { PFN_T_NULL, PFN_T_NULL };

	/* The constant: frame 0, no flags, and the only pfn_t that is null. */
	KT_EXPECT(pfn_t_is_null(PFN_T_NULL));
	KT_EXPECT_EQ(pfn_t_to_pfn(PFN_T_NULL), 0);
	KT_EXPECT_EQ(pfn_t_flags(PFN_T_NULL), 0);
	KT_EXPECT(pfn_t_equal(in_table[1], PFN_T_NULL));
	KT_EXPECT(!pfn_t_is_null(__pfn_to_pfn_t(0, PFN_DEV)));
	KT_EXPECT(!pfn_t_is_null(__pfn_to_pfn_t(1, 0)));
	/* What a failed allocation returns. */
	KT_ASSERT_EQ(fake_setup(&r, 1, 0), 0);
	KT_EXPECT(pfn_t_equal(buddy_alloc(&B, PFN_MAX_ORDER, 0), PFN_T_NULL));
	KT_EXPECT(pfn_t_equal(buddy_alloc(&B, 0, BIT(7)), PFN_T_NULL));
	KT_ASSERT(!pfn_t_is_null(buddy_alloc(&B, 10, 0)));
	KT_EXPECT(pfn_t_equal(buddy_alloc(&B, 0, 0), PFN_T_NULL));
	fake_teardown();
}
