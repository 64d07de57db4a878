/*
 * nd_host.h - a namespace in host memory for the pure NVDIMM code
 * (drivers/nvdimm/): struct nd_media over a buffer, with a second "durable"
 * image that only persist() brings up to date, so a test can cut the power
 * at any durability point and look at what survived. Used by
 * tests/unit/test_nd.c, tests/fuzz/fuzz_nd.c and tools/btt-check.
 */
#ifndef PFNOS_ND_HOST_H
#define PFNOS_ND_HOST_H

#include "nd.h"

struct nd_host {
	struct nd_media media;
	u8 *mem;		/* what reads see */
	u8 *durable;		/* what a power cut leaves (NULL: not tracked) */
	u8 *dirty;		/* one byte per 8-byte word written since persist */
	u64 *list;		/* those words' indices */
	u64 nlist, cap;
	bool ro;		/* writes fail (-EROFS) and are counted */
	u64 writes;		/* write calls */
	u64 persists;		/* persist calls */
	u64 points[ND_POINT_META + 1];
	long cut_after;		/* >= 0: the power fails in this persist call */
	bool off;		/* it did: writes and persists vanish */
};

/* size bytes of zeroes; track: keep a durable image. */
int nd_host_init(struct nd_host *h, u64 size, bool track);
/* Over an existing buffer (a mapped file): no durable image. */
void nd_host_wrap(struct nd_host *h, u8 *mem, u64 size, bool ro);
void nd_host_free(struct nd_host *h);
/* After the cut: mem becomes the durable image plus (torn) a pseudo-random
 * subset of the 8-byte words written since the last persist that
 * completed (lines the CPU happened to evict); the power is back on. */
void nd_host_crash(struct nd_host *h, bool torn, u32 seed);

#endif
