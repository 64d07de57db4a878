/*
 * test_copy.c - every usable copy routine copies exactly the bytes asked,
 * for every source/destination misalignment and many lengths, and touches
 * nothing around them; copy_to_pmem is durable-ready (lines written back
 * or non-temporal) and correct too.
 */
#include "copy.h"
#include "ktest.h"
#include "lib.h"
#include "mm.h"

#define BUF	(64 * 1024)

static void check_routine(void (*fn)(void *, const void *, size_t), const char *name,
			  u8 *src, u8 *dst)
{
	static const size_t lens[] = { 0, 1, 7, 8, 9, 31, 63, 64, 65, 127, 128, 129,
				       255, 511, 4095, 4096, 4097, 12345, 32768 + 3 };

	for (size_t so = 0; so < 64; so += 7) {
		for (size_t d = 0; d < 64; d += 5) {
			for (size_t li = 0; li < ARRAY_SIZE(lens); li++) {
				size_t len = lens[li];

				memset(dst, 0xee, len + d + 128);
				fn(dst + d + 64, src + so, len);
				__asm__ volatile("sfence" ::: "memory");
				if (memcmp(dst + d + 64, src + so, len) ||
				    dst[d + 63] != 0xee || dst[d + 64 + len] != 0xee) {
					ktest_fail(__FILE__, __LINE__,
						   "%s: src+%zu dst+%zu len %zu wrong", name,
						   so, d + 64, len);
					return;
				}
			}
		}
	}
}

static void copy_pmem_wrapper(void *dst, const void *src, size_t len)
{
	copy_to_pmem(dst, src, len);
}

KTEST(copy, routines_exact)
{
	pfn_t a = pfn_alloc(5, 0), b = pfn_alloc(5, 0);
	const struct copy_routine *r;
	unsigned n, used = 0;
	u8 *src, *dst;

	KT_ASSERT(!pfn_t_is_null(a) && !pfn_t_is_null(b));
	src = phys_to_virt(pfn_t_to_phys(a));
	dst = phys_to_virt(pfn_t_to_phys(b));
	pattern_fill(src, 0, 2 * BUF, 11);
	r = copy_routines(&n);
	for (unsigned i = 0; i < n; i++) {
		if (!r[i].usable)
			continue;
		check_routine(r[i].fn, r[i].name, src, dst);
		used++;
	}
	check_routine(copy_memcpy, "copy_memcpy", src, dst);
	check_routine(copy_pmem_wrapper, "copy_to_pmem", src, dst);
	KT_EXPECT(used >= 4);
	KT_EXPECT(copy_best()->usable && copy_best()->mbps > 0);
	pfn_free(a, 5);
	pfn_free(b, 5);
}

KTEST(copy, flush_counts_lines)
{
	static u8 buf[4096 + 128] __aligned(64);

	KT_EXPECT_EQ(flush_cache_range(buf, 4096), 64);
	KT_EXPECT_EQ(flush_cache_range(buf + 1, 64), 2);
	KT_EXPECT_EQ(flush_cache_range(buf + 64, 1), 1);
}
