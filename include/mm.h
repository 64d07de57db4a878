/*
 * mm.h - memory management for the rest of the kernel: frame allocation,
 * mappings, and the temporary per-CPU mappings of kmap_atomic_pfn_t().
 *
 * Invariants 1 and 3 (docs/architecture.md): no per-frame structure for
 * persistent memory; RAM is in the direct map, persistent memory is not.
 */
#ifndef PFNOS_MM_H
#define PFNOS_MM_H

#include "pfn_t.h"
#include "types.h"

/* Virtual layout (x86_64, 4-level paging). */
#define DIRECT_MAP_BASE		0xffff888000000000ULL	/* all RAM, at phys + base */
#define DIRECT_MAP_SIZE		(64ULL << 40)
#define IOREMAP_BASE		0xffffc90000000000ULL	/* ioremap, memremap */
#define IOREMAP_SIZE		(16ULL << 40)
#define KMAP_BASE		0xffffe80000000000ULL	/* kmap_atomic slots */

static inline void *phys_to_virt(phys_addr_t pa) { return (void *)(pa + DIRECT_MAP_BASE); }
static inline phys_addr_t virt_to_phys(const void *va) { return (u64)va - DIRECT_MAP_BASE; }

/* ---- frame allocator (mm/buddy.c): RAM only ---- */
#define PFN_MAX_ORDER		11		/* orders 0..10 */
#define PFN_ALLOC_ZERO		BIT(0)		/* zero the frames */
#define PFN_ALLOC_DMA32		BIT(1)		/* entirely below 4 GiB */

/*
 * get_order - the smallest order (a block of PAGE_SIZE << order bytes)
 * that holds size bytes: 0 for 0..PAGE_SIZE, 1 up to two pages, and so on
 * up to 52 for anything above 2^63 bytes (2^52 pages hold every u64). As
 * Linux's get_order(), and 0 for 0. Compare the result with PFN_MAX_ORDER
 * before allocating.
 */
static inline unsigned get_order(u64 size)
{
	if (size <= PAGE_SIZE)
		return 0;
	return 64 - (unsigned)__builtin_clzll((size - 1) >> PAGE_SHIFT);
}

/* Returns a RAM pfn_t, or PFN_T_NULL (pfn_t_is_null) on failure. */
pfn_t pfn_alloc(unsigned order, unsigned flags);
void pfn_free(pfn_t pfn, unsigned order);
/* Convenience: one zeroed page in the direct map, or NULL. */
void *page_alloc_zeroed(void);
void page_free(void *va);
/*
 * Setup-time memory: size bytes, zeroed, physically contiguous in the
 * direct map, in whole pages from the frame allocator (so at most
 * 2^(PFN_MAX_ORDER-1) pages). For structures set up once, at boot or when a
 * device is created; never on the I/O path (invariant 6). NULL on failure.
 */
void *kzalloc_boot(size_t size);
/* Free what kzalloc_boot(size) returned, with the same size (NULL: no-op). */
void kfree_boot(void *p, size_t size);

/* ---- frame allocator statistics (mm/frames.c), for `frames` and tests ---- */
enum buddy_zone_id {
	BUDDY_ZONE_DMA32,	/* pfns below 4 GiB */
	BUDDY_ZONE_NORMAL,	/* at or above */
	BUDDY_NR_ZONES,
};

/* A consistent copy of the counters. */
struct buddy_stats {
	u64 total_pages;
	u64 free_pages;
	u64 nr_allocs;
	u64 nr_frees;
	u64 nr_failures;
	u64 nr_reserved;
	size_t metadata_bytes;
	unsigned nr_ranges;
	struct {
		const char *name;
		u64 total_pages;
		u64 free_pages;
		u64 nr_free[PFN_MAX_ORDER];
	} zones[BUDDY_NR_ZONES];
};

/* Has mm_init() set the allocator up? */
bool frames_ready(void);
void frames_get_stats(struct buddy_stats *st);

/* ---- mappings (mm/paging.c) ---- */
#define MAP_WB		0	/* write-back */
#define MAP_UC		1	/* uncached (device registers) */
#define MAP_WC		2	/* write-combining */
#define MAP_WT		3	/* write-through */

/* Device registers, uncached. Returns NULL on failure. */
void *ioremap(phys_addr_t phys, size_t len);
void iounmap(void *va, size_t len);
/* Firmware tables and other memory outside the direct map, with the given
 * cache type. Before paging_init() this returns the boot identity mapping
 * for anything below 4 GiB (and NULL above). */
void *memremap(phys_addr_t phys, size_t len, unsigned type);
void memunmap(void *va, size_t len);

struct memmap_region;
/* A long-lived write-back mapping of a whole persistent region, for callers
 * that want one; the default pmem path uses kmap_atomic_pfn_t instead. */
void *memremap_pfn_range(const struct memmap_region *reg);

/* ---- boot (mm/mm_init.c) ---- */
/* After memmap_finalize(): the frame allocator, page tables, kmap. */
void mm_init(void);
struct smp_platform_ops;
/* What kernel/smp.c needs from mm to start the APs (include/smp.h): guarded
 * stacks, their PAT/global-page/SIMD setup, the trampoline's page tables
 * and its page below 1 MiB. */
void mm_smp_ops(struct smp_platform_ops *ops);
/* RAM spent on memory-management metadata (allocator bits, page tables). */
u64 mm_metadata_bytes(void);

/* ---- temporary mappings (mm/kmap.c) ---- */
#define KMAP_SLOTS	32	/* per CPU, strictly LIFO */
void *kmap_atomic_pfn_t(pfn_t pfn);
void kunmap_atomic_pfn_t(void *addr);
unsigned kmap_slots_in_use(void);
/* For the self-test leak check: the address held in slot i, and a reset. */
u64 kmap_held_address(unsigned i);
void kmap_release_all(void);
/* Self tests only: observe a kmap misuse instead of panicking (NULL
 * restores the panic); the misused call then changes nothing. */
typedef void (*kmap_bug_fn)(const char *msg);
void kmap_set_bug_handler(kmap_bug_fn fn);
/* The CPU whose kmap window holds addr, or -1 for an address outside the
 * kmap windows (the direct map, for one). */
int kmap_owner_cpu(const void *addr);
/*
 * kmap_check_access - under kmap.debug=1, check that every kmap address in
 * [addr, addr + len) is mapped by this CPU and still held; a mapping used
 * on another CPU (whose TLB may keep it after the owner's local unmap) is
 * reported as a kmap misuse. Nothing without kmap.debug=1. The copy paths
 * call it on both ends.
 */
extern bool kmap_debug;
void __kmap_check_access(const void *addr, size_t len);
static inline void kmap_check_access(const void *addr, size_t len)
{
	if (__builtin_expect(kmap_debug, 0))
		__kmap_check_access(addr, len);
}

#endif
