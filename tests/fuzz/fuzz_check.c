/*
 * fuzz_check.c - invariants of the sanitized memory map that every fuzz
 * target checks after feeding mm/memmap.c: the map sorted, disjoint and
 * inside the address width, RAM in whole pages, every persistent range a
 * region, every region page aligned and present as exactly one map range,
 * and the queries consistent with the map. A violation aborts (a crash for
 * libFuzzer) with what was wrong.
 */
#include <stdio.h>
#include <stdlib.h>
#include "lib.h"
#include "memmap.h"

void fuzz_check_memmap(void);

static void fail(const char *what, unsigned i)
{
	fprintf(stderr, "memmap invariant broken: %s (%u)\n", what, i);
	abort();
}

static void discard(const char *s, void *arg)
{
	unsigned *n = arg;

	if (strncmp(s, "mem: 0x", 7) || strlen(s) >= MEMMAP_LINE_MAX)
		fail("bad mem line", *n);
	(*n)++;
}

void fuzz_check_memmap(void)
{
	unsigned n, lines = 0, nreg = memmap_nr_regions();
	const struct memmap_range *r = memmap_ranges(&n);
	u64 limit = 1ULL << memmap_phys_bits(), ram = 0, pmem = 0;

	if (n > MEMMAP_MAX_RANGES || nreg > MEMMAP_MAX_REGIONS)
		fail("table overflow", n);
	for (unsigned i = 0; i < n; i++) {
		if (r[i].start >= r[i].end || r[i].end > limit)
			fail("empty or beyond the width", i);
		if (i && r[i].start < r[i - 1].end)
			fail("unsorted or overlapping", i);
		if (r[i].type == E820_RAM) {
			if (!IS_ALIGNED(r[i].start, PAGE_SIZE) || !IS_ALIGNED(r[i].end, PAGE_SIZE))
				fail("RAM not page aligned", i);
			ram += r[i].end - r[i].start;
		}
		if ((r[i].type == E820_PMEM || r[i].type == E820_PRAM) &&
		    (!r[i].region || r[i].region > nreg))
			fail("persistent range without region", i);
		if (memmap_lookup(r[i].start) != &r[i] || memmap_lookup(r[i].end - 1) != &r[i])
			fail("lookup", i);
	}
	for (unsigned id = 0; id < nreg; id++) {
		const struct memmap_region *g = memmap_region(id);
		const struct memmap_range *m = memmap_lookup(g->base);

		if (g->id != id || !g->size || !IS_ALIGNED(g->base | g->size, PAGE_SIZE) ||
		    g->base + g->size > limit)
			fail("region shape", id);
		if (!m || m->start != g->base || m->end != g->base + g->size ||
		    m->type != g->type || m->region != id + 1)
			fail("region not one map range", id);
		if (pfn_to_region(phys_to_pfn_t(g->base + g->size - PAGE_SIZE, 0)) != g)
			fail("pfn_to_region", id);
		if (!pfn_t_is_pmem(memmap_phys_to_pfn_t(g->base)))
			fail("region pfn not pmem", id);
		pmem += g->size;
	}
	if (ram != memmap_ram_total() || pmem != memmap_pmem_total())
		fail("totals", 0);
	memmap_print(discard, &lines);
	if (lines != n)
		fail("print count", lines);
}
