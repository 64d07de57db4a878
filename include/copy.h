/*
 * copy.h - bulk data copies, chosen by measurement at boot (mm/copy.c).
 *
 * copy_init() enables SSE/AVX state, times every routine this CPU can run
 * on RAM buffers (64 KiB in 4 KiB calls, as pmem and the bounce path copy;
 * warmed twice, best of five), and picks the fastest plain copy and the
 * fastest non-temporal one; it also times a plain copy followed by cache
 * write-backs, so the pmem driver can choose between the two ways of making
 * a copy durable (mm/persist.c stores; the policy is the driver's). The
 * figures are logged and listed by the `copy-routines` shell command.
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
/* An application processor's SIMD state (CR0, CR4, XCR0) as copy_init() set the boot CPU's. */
void copy_cpu_init(void);
/* The fastest plain copy. */
void copy_memcpy(void *dst, const void *src, size_t len);
/* Non-temporal copy (the fastest *_nt routine; movnti in interrupt
 * context): only the partial words at either end go through the cache
 * (mm/copy_routines.asm). mm/persist.c's persist_store() is its user. */
void copy_nt(void *dst, const void *src, size_t len);
/* All routines with their measurements; *n set to the count. */
const struct copy_routine *copy_routines(unsigned *n);
const struct copy_routine *copy_best(void);
const struct copy_routine *copy_best_nt(void);
/* MB/s of the best plain copy plus a write-back of every line (boot). */
u64 copy_wb_mbps(void);
/* Time one routine on len bytes between two buffers: MB/s (best of reps). */
u64 copy_measure(const struct copy_routine *r, void *dst, const void *src,
		 size_t len, unsigned reps);

#endif
