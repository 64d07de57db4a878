/*
 * persist.c - cache write-back for persistent memory, and the persistence
 * checker's calibration at boot (see include/persist.h, mm/persist_wb.asm).
 */
#include "cpu.h"
#include "lib.h"
#include "memmap.h"
#include "mm.h"
#include "persist.h"
#include "printk.h"

void persist_wb_clwb(u64 start, u64 end, u64 stride);
void persist_wb_clflushopt(u64 start, u64 end, u64 stride);
void persist_wb_clflush(u64 start, u64 end, u64 stride);
void persist_cal_region(const void *first, const void *last, u64 phys);

static enum persist_wb persist_wb_best(void)
{
	if (cpu_features.clwb)
		return PERSIST_WB_CLWB;
	return cpu_features.clflushopt ? PERSIST_WB_CLFLUSHOPT : PERSIST_WB_CLFLUSH;
}

u64 persist_wb_range(const void *p, size_t len, enum persist_wb how)
{
	u64 line = cpu_features.clflush_size ? cpu_features.clflush_size : 64;
	u64 start = ALIGN_DOWN((u64)p, line), end = (u64)p + len;

	if (!len)
		return 0;
	switch (how == PERSIST_WB_AUTO ? persist_wb_best() : how) {
	case PERSIST_WB_CLWB:
		persist_wb_clwb(start, end, line);
		break;
	case PERSIST_WB_CLFLUSHOPT:
		persist_wb_clflushopt(start, end, line);
		break;
	default:
		persist_wb_clflush(start, end, line);
		break;
	}
	return DIV_ROUND_UP(end - start, line);
}

/*
 * For each persistent region: its first byte, the first byte of its last
 * line, and line 0 or 1 per bit of its base (mm/persist_wb.asm). Loads only;
 * without the checker this is a few hundred instructions per region.
 */
void persist_init(void)
{
	for (unsigned i = 0; i < memmap_nr_regions(); i++) {
		const struct memmap_region *r = memmap_region(i);
		phys_addr_t last;
		u8 *a, *b;

		if (!r || r->size < PAGE_SIZE || (r->base & (PAGE_SIZE - 1)))
			continue;
		last = r->base + r->size - 64;
		a = kmap_atomic_pfn_t(memmap_phys_to_pfn_t(r->base));
		b = kmap_atomic_pfn_t(memmap_phys_to_pfn_t(last));
		persist_cal_region(a, b + (last & (PAGE_SIZE - 1)), r->base);
		kunmap_atomic_pfn_t(b);
		kunmap_atomic_pfn_t(a);
	}
}
