/*
 * test_copy.c - every usable copy routine copies exactly the bytes asked,
 * for every source/destination misalignment and many lengths, and touches
 * nothing around them; persist_store() in each of its ways is correct too
 * (its durability is the persistence checker's to show).
 */
#include "copy.h"
#include "ktest.h"
#include "lib.h"
#include "mm.h"
#include "persist.h"

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

static void persist_nt_wrapper(void *dst, const void *src, size_t len)
{
	persist_store(dst, src, len, PERSIST_NT, NULL);
}

static void persist_wb_wrapper(void *dst, const void *src, size_t len)
{
	persist_store(dst, src, len, PERSIST_WB_AUTO, NULL);
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
	check_routine(persist_nt_wrapper, "persist_store nt", src, dst);
	check_routine(persist_wb_wrapper, "persist_store wb", src, dst);
	KT_EXPECT(used >= 4);
	KT_EXPECT(copy_best()->usable && copy_best()->mbps > 0);
	pfn_free(a, 5);
	pfn_free(b, 5);
}

KTEST(copy, flush_counts_lines)
{
	static u8 buf[4096 + 128] __aligned(64);

	struct persist_stats st = { 0, 0 };

	KT_EXPECT_EQ(persist_wb_range(buf, 4096, PERSIST_WB_AUTO), 64);
	KT_EXPECT_EQ(persist_wb_range(buf + 1, 64, PERSIST_WB_AUTO), 2);
	KT_EXPECT_EQ(persist_wb_range(buf + 64, 1, PERSIST_WB_AUTO), 1);
	/* non-temporal: only the lines of partial words at the ends */
	persist_store(buf, buf + 4096, 64, PERSIST_NT, &st);
	KT_EXPECT_EQ(st.lines, 0);
	KT_EXPECT_EQ(st.nt_bytes, 64);
	persist_store(buf + 3, buf + 4096, 125, PERSIST_NT, &st);	/* 3..128 */
	KT_EXPECT_EQ(st.lines, 1);
	KT_EXPECT_EQ(st.nt_bytes, 64 + 120);
	persist_store(buf + 60, buf + 4096, 10, PERSIST_NT, &st);	/* 60..70 */
	KT_EXPECT_EQ(st.lines, 3);
	persist_store(buf + 1, NULL, 3, PERSIST_NT, &st);		/* one word */
	KT_EXPECT_EQ(st.lines, 4);
	KT_EXPECT_EQ(buf[1], 0);
}
