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
};

/* Write back every cache line holding [p, p + len); returns the number of
 * lines. Durable after persist_fence() (not needed for CLFLUSH). */
u64 persist_wb_range(const void *p, size_t len, enum persist_wb how);
static inline void persist_fence(void) { __asm__ volatile("sfence" ::: "memory"); }
/* Tell the persistence checker where each persistent region lies (boot). */
void persist_init(void);

#endif
