/*
 * nd.h - NVDIMM namespaces as Linux lays them out (drivers/nvdimm/): the info
 * blocks Linux writes 4 KiB into a namespace without labels (fsdax, devdax,
 * BTT 1.1), the BTT that gives sector mode atomic sectors, and the checks and
 * formatting behind the shell's `ns`.
 *
 * The logic is pure: it reaches the namespace only through struct nd_media
 * (read, write, persist), so the host runs the same code on a backing file
 * (tests/unit/test_nd.c, tests/fuzz/fuzz_nd.c, tools/btt-check). The pmem
 * driver (drivers/pmem.c) gives it the region through kmap_atomic_pfn_t()
 * and persist_store(), and turns the result into block devices: pmemN (raw,
 * or an fsdax data area) and pmemNs (a BTT).
 *
 * Durability: ops->persist(ctx, point) makes every write before it durable
 * and names the step (enum nd_point): the pmem driver fences there and
 * declares the persistence checker's point of that name. A BTT write is
 * data -> flog (two 8-byte halves) -> map, each persisted before the next.
 * ops->write of 4 or 8 naturally aligned bytes must be one store (the map
 * entry and each flog half are then atomic across a crash).
 */
#ifndef PFNOS_ND_H
#define PFNOS_ND_H

#include "smp.h"
#include "spinlock.h"
#include "types.h"

/* The steps a BTT write (or a metadata change) makes durable, in order. */
enum nd_point {
	ND_POINT_BTT_DATA,	/* the new data in its free block */
	ND_POINT_BTT_FLOG,	/* a flog half (lba+old, then new+seq) */
	ND_POINT_BTT_MAP,	/* the map entry: the write is visible */
	ND_POINT_META,		/* info blocks, map/flog init, ns destroy */
};

struct nd_media_ops {
	/* 0 or -errno; off + n within the media (checked by the caller). */
	int (*read)(void *ctx, u64 off, void *buf, size_t n);
	/* Store; durable at the next persist. 4/8 aligned bytes: one store. */
	int (*write)(void *ctx, u64 off, const void *buf, size_t n);
	void (*persist)(void *ctx, enum nd_point point);
};

/* A namespace's bytes (a whole label-less region). */
struct nd_media {
	const struct nd_media_ops *ops;
	void *ctx;
	u64 size;
};

enum nd_mode {
	ND_MODE_RAW,		/* no info block */
	ND_MODE_FSDAX,		/* NVDIMM_PFN_INFO */
	ND_MODE_DEVDAX,		/* NVDIMM_DAX_INFO: recognised, read-only */
	ND_MODE_SECTOR,		/* BTT_ARENA_INFO at 4 KiB */
	ND_MODE_BAD,		/* damaged or unknown metadata: read-only raw */
};

/* What nd_probe() found. */
struct nd_ns_info {
	enum nd_mode mode;
	u8 uuid[16];
	/* fsdax/devdax */
	u32 pfn_mode;		/* 1 map=mem, 2 map=dev */
	u64 dataoff;
	u32 start_pad, end_trunc, align;
	u64 npfns;
	u64 data_start;		/* the data device: bytes [start, start+size) */
	u64 data_size;		/* of the namespace */
	/* sector */
	u32 lbasize;		/* external LBA size in the info block */
	u32 sector_size;	/* 512 or 4096 */
	char why[128];		/* ND_MODE_BAD: what is wrong */
};

const char *nd_mode_name(enum nd_mode mode);	/* "raw", "fsdax", ... */
/* Linux's info-block checksum (nd_sb_checksum: Fletcher-64 over 4 KiB
 * with the checksum field, at byte 4088, taken as zero). */
u64 nd_sb_checksum(const void *sb);
/*
 * nd_probe - look at the info block 4 KiB into the namespace (and for BTT
 * 2.0's at 0) as Linux does. Returns 0 with info filled in (mode RAW when
 * nothing is there, BAD with info->why when something is there that is
 * damaged or unknown), or -errno when the media cannot be read.
 */
int nd_probe(const struct nd_media *m, struct nd_ns_info *info);

/* What `ns create` asks for. */
struct nd_create {
	enum nd_mode mode;	/* RAW, FSDAX or SECTOR */
	u32 pfn_mode;		/* fsdax: ND_PFN_MODE_RAM (default) or _PMEM */
	u32 align;		/* fsdax: default 2 MiB */
	u32 sector_size;	/* sector: 512 or 4096 (default 4096, as ndctl) */
	u8 uuid[16];		/* the new info block's uuid */
};

/*
 * nd_create_ns - write the metadata of a new namespace (the caller has
 * checked the region holds none): a pfn info block for fsdax (laid out as
 * Linux 6.1's nd_pfn_init() would for a region at phys_start), a BTT for
 * sector mode, nothing but a cleared info block for raw. 0 or -errno with
 * why filled in.
 */
int nd_create_ns(const struct nd_media *m, u64 phys_start,
		 const struct nd_create *req, char *why, size_t whylen);
/* nd_destroy_ns - clear the info blocks (and a BTT's backups). */
int nd_destroy_ns(const struct nd_media *m);

/* ---- the BTT (drivers/nvdimm/btt.c) ---- */

#define BTT_MAX_ARENAS	4	/* 4 x 512 GiB */
#define BTT_MAX_NFREE	256
#define BTT_MAP_LOCKS	64

struct btt_free {
	u32 block;		/* the lane's free internal block */
	u8 sub;			/* flog slot (0/1) the next write goes to */
	u8 seq;			/* its sequence number */
	u8 has_err;		/* the block is known bad: zero it first */
};

/* A map fix recovery found in the flog: in memory until written (never, read-only). */
struct btt_fix {
	u32 lba;
	u32 map;
};

struct btt_arena {
	u64 size;
	u64 external_lba_start;
	u32 internal_nlba, internal_lbasize;
	u32 external_nlba, external_lbasize;
	u32 nfree;
	u16 version_major, version_minor;
	/* namespace offsets */
	u64 infooff, dataoff, mapoff, logoff, info2off, nextoff;
	u32 flags;
	int log_index[2];
	u32 nfix;
	struct btt_free freelist[BTT_MAX_NFREE];
	struct btt_fix fix[BTT_MAX_NFREE];
	u32 rtt[NR_CPUS];	/* read tracking: block a reader is on */
	spinlock_t map_locks[BTT_MAP_LOCKS];
};

struct btt {
	struct nd_media media;
	u64 rawsize;		/* namespace size - 4 KiB */
	u32 lbasize;		/* external LBA size (512, 520, ..., 4096, ...) */
	u32 sector_size;	/* 512 or 4096 */
	u64 nlba;
	unsigned narenas;
	unsigned nlanes;	/* in memory: one per CPU, at most nfree */
	bool ro;		/* no writes at all (damaged, or a checker) */
	u8 uuid[16];
	spinlock_t lanes[NR_CPUS];
	struct btt_arena arena[BTT_MAX_ARENAS];
	char why[128];		/* why the BTT failed or is read-only */
};

/*
 * btt_init - find the arenas, check them, read the flog and recover as
 * Linux's discover_arenas()/btt_freelist_init() do (finishing a write whose
 * flog entry is durable but whose map entry is not). Nothing is written
 * before every arena has checked out; ro (or an arena's error flag): write
 * nothing, recovery then lives in memory only. 0 or -errno with btt->why set.
 */
int btt_init(struct btt *btt, const struct nd_media *m, bool ro);
/* One sector (btt->sector_size bytes) at lba: 0, -EIO (error entry or a
 * media error), -EROFS (read-only), -EINVAL (lba out of range). */
int btt_read(struct btt *btt, u64 lba, void *buf);
int btt_write(struct btt *btt, u64 lba, const void *buf);
/*
 * btt_format - lay out a new BTT over the namespace as Linux's
 * create_arenas()/btt_meta_init() do (zeroed map, initial flog, info block
 * and backup), lbasize 512 or 4096. 0 or -errno.
 */
int btt_format(const struct nd_media *m, u32 lbasize, const u8 uuid[16]);
/* The same with arenas of at most arena_max bytes (16 MiB..512 GiB): the
 * host tests lay out several arenas in a small namespace this way. */
int btt_format_arenas(const struct nd_media *m, u32 lbasize, const u8 uuid[16],
		      u64 arena_max);
/*
 * btt_check - what `ndctl check-namespace` checks, without repairing
 * (scratch: a struct btt to discover it in, read-only):
 * info2 equal to info, flog sequence numbers and ranges, map ranges,
 * flog/map agreement, and every internal block referenced exactly once by
 * the map and the flog's free blocks. bitmap: bitmap_bytes of scratch
 * (internal_nlba bits of the largest arena). Prints through report(arg,
 * line) one line per finding; returns the number of errors, or -errno when
 * the BTT cannot be read at all (also reported).
 */
long btt_check(struct btt *scratch, const struct nd_media *m, u8 *bitmap,
	       size_t bitmap_bytes, void (*report)(void *arg, const char *line),
	       void *arg);
/* Bytes of bitmap btt_check() needs for the BTT on m (0: no BTT there). */
size_t btt_check_bitmap_bytes(const struct nd_media *m);

#endif
