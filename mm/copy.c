/*
 * copy.c - pick the copy routines by measurement (see copy.h). This is the
 * mm floor, so drivers and the DMA layer can use it; the `copy-routines`
 * command lives in shell/cmd_mm.c. Durable stores to persistent memory
 * are mm/persist.c's.
 *
 * SIMD state (Intel SDM vol. 3A, 13.1 "Processor State Save and Restore"):
 * CR0.EM=0, CR0.MP=1, CR0.TS=0; CR4.OSFXSR and OSXMMEXCPT; with XSAVE and
 * AVX also CR4.OSXSAVE and XCR0 = x87|SSE|AVX. pfnos has no user tasks and
 * its interrupt handlers use general registers only, so kernel code in
 * process context may use vector registers without saving them.
 */
#include "copy.h"
#include "cpu.h"
#include "irq.h"
#include "lib.h"
#include "mm.h"
#include "persist.h"
#include "printk.h"
#include "time.h"

void copy_rep_movsb(void *, const void *, size_t);
void copy_rep_movsq(void *, const void *, size_t);
void copy_mov8x8(void *, const void *, size_t);
void copy_movnti8x8(void *, const void *, size_t);
void copy_sse(void *, const void *, size_t);
void copy_sse_nt(void *, const void *, size_t);
void copy_avx(void *, const void *, size_t);
void copy_avx_nt(void *, const void *, size_t);

static struct copy_routine routines[] = {
	{ "rep_movsb", copy_rep_movsb, false, false, true, 0 },
	{ "rep_movsq", copy_rep_movsq, false, false, true, 0 },
	{ "mov8x8", copy_mov8x8, false, false, true, 0 },
	{ "movnti8x8", copy_movnti8x8, false, true, true, 0 },
	{ "sse", copy_sse, true, false, false, 0 },
	{ "sse_nt", copy_sse_nt, true, true, false, 0 },
	{ "avx", copy_avx, true, false, false, 0 },
	{ "avx_nt", copy_avx_nt, true, true, false, 0 },
};

#define GPR_ROUTINE	(&routines[2])
static const struct copy_routine *best = GPR_ROUTINE;
static const struct copy_routine *best_nt = &routines[3];
static u64 wb_mbps;			/* best plain copy + write-back */

/* This CPU's SIMD state; every CPU runs the routines copy_init() picked. */
void copy_cpu_init(void)
{
	u64 cr0 = read_cr0(), cr4 = read_cr4();

	cr0 &= ~(BIT(2) | BIT(3));	/* EM, TS */
	cr0 |= BIT(1);			/* MP */
	write_cr0(cr0);
	cr4 |= BIT(9) | BIT(10);	/* OSFXSR, OSXMMEXCPT */
	write_cr4(cr4);
	if (cpu_features.xsave && cpu_features.avx) {
		write_cr4(read_cr4() | BIT(18));	/* OSXSAVE */
		__asm__ volatile("xsetbv" :: "c"(0), "a"(7), "d"(0));	/* x87|SSE|AVX */
	}
}

static void simd_enable(void)
{
	copy_cpu_init();
	for (unsigned i = 0; i < ARRAY_SIZE(routines); i++)
		if (!routines[i].simd)
			routines[i].usable = true;
	routines[4].usable = routines[5].usable = true;	/* SSE2: all x86_64 */
	if (cpu_features.xsave && cpu_features.avx)
		routines[6].usable = routines[7].usable = true;
}

u64 copy_measure(const struct copy_routine *r, void *dst, const void *src,
		 size_t len, unsigned reps)
{
	u64 best_t = ~0ULL;

	/* warm twice: caches, TLB, and under TCG the code's translation */
	r->fn(dst, src, len);
	r->fn(dst, src, len);
	for (unsigned i = 0; i < reps; i++) {
		u64 t0 = rdtsc();

		/* in 4 KiB calls, as pmem and the bounce path use it */
		for (size_t off = 0; off < len; off += PAGE_SIZE)
			r->fn((u8 *)dst + off, (const u8 *)src + off, min_t(size_t, PAGE_SIZE, len - off));
		if (r->nt)
			persist_fence();
		t0 = rdtsc() - t0;
		if (t0 < best_t)
			best_t = t0;
	}
	return best_t ? len * 1000 / (tsc_to_ns(best_t) ? tsc_to_ns(best_t) : 1) : 0;
}

void copy_nt(void *dst, const void *src, size_t len)
{
	kmap_check_access(dst, len);
	kmap_check_access(src, len);
	if (in_interrupt())
		copy_movnti8x8(dst, src, len);
	else
		best_nt->fn(dst, src, len);
}

void copy_init(void)
{
	const size_t len = 64 * 1024;
	pfn_t a = pfn_alloc(4, 0), b = pfn_alloc(4, 0);
	char line[256];
	int n = 0;

	simd_enable();
	if (pfn_t_is_null(a) || pfn_t_is_null(b)) {
		pr_warn("copy: no memory to measure; using %s\n", best->name);
		goto out;
	}
	memset(phys_to_virt(pfn_t_to_phys(b)), 0x5a, len);
	for (unsigned i = 0; i < ARRAY_SIZE(routines); i++) {
		struct copy_routine *r = &routines[i];

		if (!r->usable)
			continue;
		r->mbps = copy_measure(r, phys_to_virt(pfn_t_to_phys(a)),
				       phys_to_virt(pfn_t_to_phys(b)), len, 5);
		if (!r->nt && r->mbps > best->mbps)
			best = r;
		if (r->nt && r->mbps > best_nt->mbps)
			best_nt = r;
		n += snprintf(line + n, sizeof(line) - n, " %s=%llu", r->name,
			      (unsigned long long)r->mbps);
	}
	/* durable copy the other way: the best plain copy, then write back */
	{
		void *dst = phys_to_virt(pfn_t_to_phys(a));
		u64 t0 = rdtsc();

		best->fn(dst, phys_to_virt(pfn_t_to_phys(b)), len);
		persist_wb_range(dst, len, PERSIST_WB_AUTO);
		persist_fence();
		t0 = tsc_to_ns(rdtsc() - t0);
		wb_mbps = t0 ? len * 1000 / t0 : 0;
	}
	pr_info("copy: MB/s%s wb=%llu\n", line, (unsigned long long)wb_mbps);
	pr_info("copy: using %s for copies, %s for non-temporal stores\n", best->name,
		best_nt->name);
out:
	if (!pfn_t_is_null(a))
		pfn_free(a, 4);
	if (!pfn_t_is_null(b))
		pfn_free(b, 4);
}

void copy_memcpy(void *dst, const void *src, size_t len)
{
	kmap_check_access(dst, len);
	kmap_check_access(src, len);
	if (in_interrupt())
		copy_mov8x8(dst, src, len);
	else
		best->fn(dst, src, len);
}

const struct copy_routine *copy_routines(unsigned *n)
{
	*n = ARRAY_SIZE(routines);
	return routines;
}

const struct copy_routine *copy_best(void)
{
	return best;
}

const struct copy_routine *copy_best_nt(void)
{
	return best_nt;
}

u64 copy_wb_mbps(void)
{
	return wb_mbps;
}
