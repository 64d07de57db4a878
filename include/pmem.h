/*
 * pmem.h - the pmem block driver (drivers/pmem.c): one block device per
 * persistent memory region, pmem0, pmem1, ... in memmap region order.
 *
 * Users reach the devices through the block layer (blkdev.h: bios,
 * blk_find_disk("pmem0"), blk_direct_access()). This header adds what only
 * pmem has: its init call and its durability debug counters, which the
 * shell (lsblk -v) and the tests read.
 */
#ifndef PFNOS_PMEM_H
#define PFNOS_PMEM_H

#include "nd.h"
#include "types.h"

struct gendisk;

/* How writes reach the persistence domain (pmem.flush=). */
enum pmem_flush_method {
	PMEM_FLUSH_CLWB,	/* copy, then clwb each line */
	PMEM_FLUSH_CLFLUSHOPT,	/* copy, then clflushopt each line */
	PMEM_FLUSH_CLFLUSH,	/* copy, then clflush each line */
	PMEM_FLUSH_NT,		/* movnti; byte edges stored and flushed */
	PMEM_FLUSH_NONE,	/* UNSAFE, tests only: no write-back, no fence */
};

/*
 * Debug counters of one device. Flushes cannot be observed from outside
 * under QEMU, so tests check these: a 4 KiB write at a 4 KiB-aligned LBA
 * in a flush mode flushes 64 lines and fences once.
 */
struct pmem_stats {
	u64 lines_flushed;	/* clwb/clflushopt/clflush instructions */
	u64 nt_bytes;		/* bytes stored with movnti */
	u64 fences;		/* sfence instructions, all bios */
	u64 write_bios;		/* WRITE, WRITE_ZEROES, DISCARD bios handled */
	u64 write_fences;	/* fences issued by those bios */
	u64 flushes;		/* REQ_OP_FLUSH handled (a PREFLUSH arrives as one) */
	u64 fua_writes;		/* writes with REQ_FUA */
	u32 last_write_lines;	/* lines flushed by the last write bio */
	u32 last_write_fences;	/* fences of the last write bio */
	u32 max_write_fences;	/* most fences any one write bio needed */
};

/*
 * pmem_init - register one block device per persistent region.
 * Call after mm_init() and blk_init(). A region that cannot be registered
 * is logged and skipped. Returns the number of devices registered.
 */
int pmem_init(void);

/* The counters of a pmem disk, or NULL when disk is not a pmem device. */
const struct pmem_stats *pmem_disk_stats(const struct gendisk *disk);
/* The method in use, and its name ("clwb", "clflushopt", "clflush", "nt", "none"). */
enum pmem_flush_method pmem_flush_method(void);
const char *pmem_flush_method_name(void);
/*
 * pmem_set_flush_method - switch the method (tests): fails with -EOPNOTSUPP
 * when the CPU lacks the instruction. Returns 0 or -errno.
 */
int pmem_set_flush_method(enum pmem_flush_method m);

/* ---- namespaces (`ns`): one per region, drivers/nvdimm/ underneath ---- */

/* What a region holds and which device shows it. */
struct pmem_ns {
	unsigned region;		/* N of pmemN */
	u64 region_base, region_size;
	struct nd_ns_info info;		/* mode, uuid, layout */
	struct gendisk *disk;		/* pmemN or pmemNs, NULL if none */
	u64 size;			/* the device's bytes */
	bool ro;
	unsigned btt_arenas, btt_lanes;
};

unsigned pmem_ns_count(void);
int pmem_ns_get(unsigned i, struct pmem_ns *out);
/* By region name ("pmem0", whatever the region's device is now). */
int pmem_ns_lookup(const char *region, struct pmem_ns *out);
/* The namespace behind a pmem or pmem-btt disk, or NULL. */
const struct pmem_ns *pmem_disk_ns(const struct gendisk *disk, struct pmem_ns *out);
/* map=dev: the bytes Linux set aside on the device for struct page (its
 * altmap, info-block reserve to data offset), and what its array of 64-byte
 * struct pages fills of them. 0 for other modes. pfnos uses none of it. */
u64 pmem_ns_struct_page_reserve(const struct nd_ns_info *ns);
u64 pmem_ns_struct_page_bytes(const struct nd_ns_info *ns);
/*
 * pmem_ns_create / pmem_ns_destroy - rewrite the region's metadata
 * (nd_create_ns()/nd_destroy_ns()) and attach it again: its devices are
 * unregistered first (-EBUSY while I/O is in flight). The caller checked
 * that the region holds nothing to lose. 0 or -errno (why says more).
 */
int pmem_ns_create(const char *region, const struct nd_create *req, char *why, size_t n);
int pmem_ns_destroy(const char *region);
/* btt_check() on a pmemNs device: errors found, or -errno. */
long pmem_ns_check(const char *dev, void (*report)(void *arg, const char *line), void *arg);

#endif
