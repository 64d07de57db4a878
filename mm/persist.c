/*
 * persist.c - durable stores to persistent memory (persist_store()), cache
 * write-back, and the persistence checker's calibration at boot (see
 * include/persist.h, mm/persist_wb.asm, mm/copy_routines.asm).
 */
#include "copy.h"
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
	if (how == PERSIST_WB_AUTO || how == PERSIST_NT)
		how = persist_wb_best();
	switch (how) {
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

static u64 line_of(u64 a)
{
	return a / (cpu_features.clflush_size ? cpu_features.clflush_size : 64);
}

/*
 * Non-temporal: copy_nt() stores the whole aligned words non-temporally
 * and the partial words at either end (at most 7 bytes each) plainly, so
 * the lines of those two ends are written back; the fence comes later.
 */
static void persist_store_nt(u8 *dst, const u8 *src, size_t n,
			     struct persist_stats *st)
{
	static const u8 zeroes[PAGE_SIZE] __aligned(64);
	u64 a = (u64)dst, end = a + n, lo = ALIGN_UP(a, 8), hi = ALIGN_DOWN(end, 8);

	if (src) {
		copy_nt(dst, src, n);
	} else {
		/* chunks from a page of zeroes, cut at 8-aligned addresses so
		 * that no partial word falls inside the range */
		for (size_t k = 0, c; k < n; k += c) {
			c = min_t(size_t, n - k, PAGE_SIZE - (k ? 0 : (a & 7)));
			copy_nt(dst + k, zeroes, c);
		}
	}
	st->nt_bytes += hi > lo ? hi - lo : 0;
	if (a & 7)
		st->lines += persist_wb_range(dst, 1, PERSIST_WB_AUTO);
	if ((end & 7) && !((a & 7) && line_of(end - 1) == line_of(a)))
		st->lines += persist_wb_range((u8 *)end - 1, 1, PERSIST_WB_AUTO);
}

void persist_store(void *dst, const void *src, size_t n, enum persist_wb how,
		   struct persist_stats *st)
{
	struct persist_stats local;

	kmap_check_access(dst, n);
	if (src)
		kmap_check_access(src, n);
	if (!st)
		st = &local;
	if (!n)
		return;
	if (how == PERSIST_NT) {
		persist_store_nt(dst, src, n, st);
		return;
	}
	if (src)
		copy_memcpy(dst, src, n);
	else
		memset(dst, 0, n);
	st->lines += persist_wb_range(dst, n, how);
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
