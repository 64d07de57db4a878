/*
 * pfn_t.h - typed page frame numbers.
 *
 * Memory is named by pfn_t (frame number + flags), never by a bare integer or
 * a pointer, until a CPU must touch it. The rule: nothing in the kernel keeps
 * per-frame state for persistent memory; no struct page, no memmap array.
 *
 * PFN_DEV marks a frame that is not in the direct map (persistent memory,
 * device memory): the CPU reaches it only through kmap_atomic_pfn_t() or an
 * explicit memremap. A RAM pfn has no flags.
 */
#ifndef PFNOS_PFN_T_H
#define PFNOS_PFN_T_H

#include "compiler.h"
#include "types.h"

#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PAGE_MASK	(~(PAGE_SIZE - 1))

#define PFN_FLAGS_SHIFT	52
#define PFN_FLAGS_MASK	GENMASK(63, PFN_FLAGS_SHIFT)
#define PFN_DEV		BIT(62)		/* not in the direct map */
#define PFN_PMEM	BIT(61)		/* persistent memory (implies PFN_DEV) */
#define PFN_PFN_MASK	GENMASK(PFN_FLAGS_SHIFT - 1, 0)

typedef struct {
	u64 val;
} pfn_t;

/*
 * The null pfn_t: frame 0, no flags. Frame 0 is never allocated, so it is
 * what a failed allocation or lookup returns, and what marks "no frame" in a
 * structure; test it with pfn_t_is_null(). A constant expression, so it
 * initializes static tables too.
 */
#define PFN_T_NULL	((pfn_t){ 0 })

static inline bool pfn_t_is_null(pfn_t p) { return p.val == 0; }

static inline pfn_t __pfn_to_pfn_t(u64 pfn, u64 flags)
{
	pfn_t p = { (pfn & PFN_PFN_MASK) | (flags & PFN_FLAGS_MASK) };
	return p;
}

static inline u64 pfn_t_to_pfn(pfn_t p) { return p.val & PFN_PFN_MASK; }
static inline u64 pfn_t_flags(pfn_t p) { return p.val & PFN_FLAGS_MASK; }
static inline phys_addr_t pfn_t_to_phys(pfn_t p)
{
	return (phys_addr_t)pfn_t_to_pfn(p) << PAGE_SHIFT;
}
static inline pfn_t phys_to_pfn_t(phys_addr_t phys, u64 flags)
{
	return __pfn_to_pfn_t(phys >> PAGE_SHIFT, flags);
}
static inline bool pfn_t_is_ram(pfn_t p) { return !(p.val & PFN_DEV); }
static inline bool pfn_t_is_pmem(pfn_t p) { return (p.val & PFN_PMEM) != 0; }
static inline bool pfn_t_equal(pfn_t a, pfn_t b) { return a.val == b.val; }
static inline pfn_t pfn_t_add(pfn_t p, u64 n)
{
	return __pfn_to_pfn_t(pfn_t_to_pfn(p) + n, pfn_t_flags(p));
}

#endif
