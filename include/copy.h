/*
 * copy.h - bulk data copies, chosen by measurement at boot (mm/copy.c).
 *
 * copy_init() enables SSE/AVX state, times every routine this CPU can run
 * on RAM buffers (64 KiB in 4 KiB calls, as pmem and the bounce path copy;
 * warmed twice, best of five), and picks the fastest plain copy and the fastest way to
 * make a copy durable in persistent memory (non-temporal stores, or a copy
 * followed by cache-line write-backs). The choices and figures are logged
 * and listed by the `copy` shell command; the benchmarks report them.
 *
 * Under TCG these short boot-time figures differ from the longer 1 MiB runs
 * of `bench-micro memcpy_1m` (translation and TLB warm-up); on the pmem path
 * the choice between the two fastest routines made no measurable difference.
 *
 * Vector routines never run in interrupt context: there, and before
 * copy_init(), the general-register routine is used.
 */
#ifndef PFNOS_COPY_H
#define PFNOS_COPY_H

#include "types.h"

struct copy_routine {
	const char *name;
	void (*fn)(void *dst, const void *src, size_t len);
	bool simd;		/* uses vector registers */
	bool nt;		/* non-temporal stores: needs a fence */
	bool usable;		/* this CPU can run it */
	u64 mbps;		/* measured at boot, 10^6 bytes/s */
};

void copy_init(void);
/* The fastest plain copy. */
void copy_memcpy(void *dst, const void *src, size_t len);
/* Copy into persistent memory so that it is durable after
 * copy_pmem_fence(); returns the cache lines it wrote back (0 when it
 * used non-temporal stores). */
u64 copy_to_pmem(void *dst, const void *src, size_t len);
static inline void copy_pmem_fence(void) { __asm__ volatile("sfence" ::: "memory"); }
/* Write back [p, p+len) from the caches with the given instruction
 * (WB_AUTO: clwb > clflushopt > clflush); returns the number of lines.
 * Callers fence. */
enum wb_method { WB_AUTO, WB_CLWB, WB_CLFLUSHOPT, WB_CLFLUSH };
u64 wb_cache_range(const void *p, size_t len, enum wb_method m);
u64 flush_cache_range(const void *p, size_t len);	/* WB_AUTO */
/* Non-temporal stores through general registers (movnti), any context;
 * bytes before dst is 8-aligned and after the last word go through the
 * cache: callers write those lines back. Fence before relying on it. */
void copy_nt(void *dst, const void *src, size_t len);
/* All routines with their measurements; *n set to the count. */
const struct copy_routine *copy_routines(unsigned *n);
const struct copy_routine *copy_best(void);
const struct copy_routine *copy_best_pmem(void);
/* Time one routine on len bytes between two buffers: MB/s (best of reps). */
u64 copy_measure(const struct copy_routine *r, void *dst, const void *src,
		 size_t len, unsigned reps);

#endif
