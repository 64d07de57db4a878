/*
 * nd_reg.h - the on-media formats of NVDIMM namespaces as Linux writes them
 * (drivers/nvdimm/{btt.h,pfn.h,nd.h} in Linux 6.1, ndctl's namespace.h;
 * the UEFI 2.x "Block Translation Table (BTT) Layout" chapter for the BTT's
 * fields). Everything is little-endian; x86 reads it as it lies.
 *
 * Where the blocks are, in a namespace without labels (an "io" namespace,
 * what Linux makes of an NVDIMM with no label area):
 *
 *   0        4 KiB    8 KiB
 *   +--------+--------+-----------------------------------------------+
 *   | (free) | info   | fsdax/devdax: data at dataoff (+ start_pad)   |
 *   |        | block  | sector: BTT 1.1, arena 0 starts at the info   |
 *   +--------+--------+-----------------------------------------------+
 *
 * The BTT 2.0 form (info block at offset 0) is Linux's for labelled
 * namespaces only; pfnos recognises its signature and leaves it alone.
 *
 * One BTT arena (at most 512 GiB; offsets in its info block are relative
 * to the arena's info block):
 *
 *   info | data blocks (internal_nlba x internal_lbasize) | map | flog | info2
 *
 * map: one le32 per external LBA: bits 0-29 the internal block, bit 30 E
 * (error), bit 31 Z (zero/trim); both clear: the initial identity entry
 * (block = LBA), both set: a normal entry. flog: one 64-byte group per free
 * block ("lane"), two 16-byte entries in slots (0,1), or (0,2) in the old
 * format Linux still reads (entries padded to 32 bytes).
 */
#ifndef PFNOS_ND_REG_H
#define PFNOS_ND_REG_H

#include "types.h"

#define ND_INFO_OFF		4096	/* SZ_4K: pfn, dax and BTT 1.1 info block */
#define ND_INFO_SIZE		4096
#define ND_SIG_LEN		16
#define ND_PFN_SIG		"NVDIMM_PFN_INFO"	/* 16 bytes with the NUL */
#define ND_DAX_SIG		"NVDIMM_DAX_INFO"
#define ND_BTT_SIG		"BTT_ARENA_INFO\0"	/* 16 bytes */

/* Linux drivers/nvdimm/pfn.h: struct nd_pfn_sb (version 1.4). */
struct nd_pfn_sb {
	u8 signature[ND_SIG_LEN];
	u8 uuid[16];
	u8 parent_uuid[16];
	u32 flags;
	u16 version_major;
	u16 version_minor;
	u64 dataoff;		/* relative to the namespace base + start_pad */
	u64 npfns;
	u32 mode;		/* ND_PFN_MODE_* */
	u32 start_pad;		/* minor 1 */
	u32 end_trunc;		/* minor 1 */
	u32 align;		/* minor 2 */
	u32 page_size;		/* minor 4 */
	u16 page_struct_size;	/* minor 4 */
	u8 padding[3994];
	u64 checksum;
} __attribute__((packed));
_Static_assert(sizeof(struct nd_pfn_sb) == ND_INFO_SIZE, "nd_pfn_sb size");
_Static_assert(__builtin_offsetof(struct nd_pfn_sb, dataoff) == 56, "dataoff");
_Static_assert(__builtin_offsetof(struct nd_pfn_sb, align) == 84, "align");
_Static_assert(__builtin_offsetof(struct nd_pfn_sb, checksum) == 4088, "checksum");

#define ND_PFN_MODE_RAM		1	/* map=mem: struct page in RAM */
#define ND_PFN_MODE_PMEM	2	/* map=dev: struct page on the device */
#define ND_PFN_RESERVE		8192	/* SZ_8K: Linux's info-block reserve */
#define ND_STRUCT_PAGE_SIZE	64	/* MAX_STRUCT_PAGE_SIZE */
#define ND_COMPAT_ALIGN		(2U << 20)	/* memremap_compat_align() on x86 */

/* Linux drivers/nvdimm/btt.h: struct btt_sb. */
struct btt_sb {
	u8 signature[ND_SIG_LEN];
	u8 uuid[16];
	u8 parent_uuid[16];
	u32 flags;		/* BTT_IB_FLAG_ERROR */
	u16 version_major;
	u16 version_minor;
	u32 external_lbasize;
	u32 external_nlba;
	u32 internal_lbasize;
	u32 internal_nlba;
	u32 nfree;
	u32 infosize;
	u64 nextoff;
	u64 dataoff;
	u64 mapoff;
	u64 logoff;
	u64 info2off;
	u8 padding[3968];
	u64 checksum;
} __attribute__((packed));
_Static_assert(sizeof(struct btt_sb) == ND_INFO_SIZE, "btt_sb size");
_Static_assert(__builtin_offsetof(struct btt_sb, nextoff) == 80, "nextoff");
_Static_assert(__builtin_offsetof(struct btt_sb, checksum) == 4088, "checksum");

#define BTT_IB_FLAG_ERROR	0x1
#define BTT_PG_SIZE		4096
#define BTT_ARENA_MIN		(1ULL << 24)	/* 16 MiB */
#define BTT_ARENA_MAX		(1ULL << 39)	/* 512 GiB */
#define BTT_NFREE_DEFAULT	256		/* ND_MAX_LANES */
#define BTT_INT_LBA_ALIGN	64		/* INT_LBASIZE_ALIGNMENT */

#define BTT_MAP_ENT_SIZE	4
#define BTT_MAP_Z		(1U << 31)	/* trim: reads as zeroes */
#define BTT_MAP_E		(1U << 30)	/* error: reads fail */
#define BTT_MAP_NORMAL		(BTT_MAP_Z | BTT_MAP_E)
#define BTT_MAP_LBA_MASK	(~BTT_MAP_NORMAL)

/* One flog entry; four 16-byte slots make a lane's 64-byte group. */
struct btt_log_entry {
	u32 lba;		/* premap LBA this write was for */
	u32 old_map;		/* the block it replaced: now free */
	u32 new_map;		/* the block it wrote */
	u32 seq;		/* 1, 2, 3, 1, ...; 0: never written */
} __attribute__((packed));
_Static_assert(sizeof(struct btt_log_entry) == 16, "log entry");
#define BTT_LOG_GRP_SIZE	64
#define BTT_LOG_SLOTS		4
#define BTT_LOG_SEQ_INIT	1

#endif
