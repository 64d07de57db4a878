/*
 * persist.h - making stores to persistent memory durable (mm/persist.c,
 * mm/persist_wb.asm): the one place in pfnos that writes back cache lines.
 *
 * The rules (Intel SDM vol. 1 11.4.4 and vol. 2 CLWB, CLFLUSHOPT, CLFLUSH,
 * MOVNTI, SFENCE): a store to write-back memory sits in the CPU cache until
 * its line is written back; CLWB and CLFLUSHOPT start a write-back that is
 * complete only after a later SFENCE (or MFENCE, or a locked instruction);
 * CLFLUSH writes the line back in order with stores; a non-temporal store
 * bypasses the cache and is complete after SFENCE. So a store is durable
 * after (write-back, fence), or (non-temporal store, fence), and after a
 * CLFLUSH. Every path that writes persistent memory names its durability
 * point with pmem_check_point() (include/pmem_check.h), where the
 * persistence checker verifies this under QEMU.
 *
 * persist_store() is the one durable-store primitive: the pmem driver, the
 * DMA layer's bounce copies into persistent memory and the shell's
 * kmap-fill all store through it (or write back what they stored with
 * persist_wb_range()). Which way (non-temporal or write-back, and which
 * instruction) is the caller's policy.
 */
#ifndef PFNOS_PERSIST_H
#define PFNOS_PERSIST_H

#include "pmem_check.h"
#include "types.h"

enum persist_wb {
	PERSIST_WB_AUTO,	/* the best the CPU has: clwb > clflushopt > clflush */
	PERSIST_WB_CLWB,
	PERSIST_WB_CLFLUSHOPT,
	PERSIST_WB_CLFLUSH,
	PERSIST_NT,		/* persist_store(): non-temporal stores */
};

/* What persist_store() did, for the caller's counters. */
struct persist_stats {
	u64 lines;		/* lines written back */
	u64 nt_bytes;		/* bytes stored non-temporally */
};

/*
 * persist_store - store n bytes of src (NULL: zeroes) at dst, a mapping of
 * persistent memory, so that they are durable after persist_fence().
 * @how: PERSIST_NT: non-temporal stores for every whole 8-byte word, the
 *	partial words at either end stored plainly and their lines written
 *	back (best write-back instruction); else a plain copy and a
 *	write-back of every line with that instruction.
 * @st: counters to add to (may be NULL).
 * Context: any; in interrupt context only general registers are used.
 */
void persist_store(void *dst, const void *src, size_t n, enum persist_wb how,
		   struct persist_stats *st);
/* Write back every cache line holding [p, p + len); returns the number of
 * lines. Durable after persist_fence() (not needed for CLFLUSH).
 * PERSIST_NT means PERSIST_WB_AUTO here. */
u64 persist_wb_range(const void *p, size_t len, enum persist_wb how);
static inline void persist_fence(void) { __asm__ volatile("sfence" ::: "memory"); }
/* Tell the persistence checker where each persistent region lies (boot). */
void persist_init(void);

#endif
