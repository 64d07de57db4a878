/*
 * paging.h - x86_64 4-level page-table definitions and the kernel's page
 * table operations (mm/paging.c). Users outside mm/ want include/mm.h.
 *
 * Intel SDM vol. 3A, 4.5 "4-Level Paging": a 48-bit virtual address splits
 * into PML4 [47:39], PDPT [38:30], PD [29:21], PT [20:12] indices and a
 * 12-bit offset. A PDPT entry with PS maps 1 GiB, a PD entry with PS 2 MiB.
 *
 *   63  62..52  51..12     8  7      6  5  4    3    2   1   0
 *   NX  avail   address    G  PS/PAT D  A  PCD  PWT  US  RW  P
 */
#ifndef PFNOS_PAGING_H
#define PFNOS_PAGING_H

#include "compiler.h"
#include "types.h"

typedef u64 pte_t;

#define PTE_P		BIT(0)
#define PTE_RW		BIT(1)
#define PTE_US		BIT(2)
#define PTE_PWT		BIT(3)
#define PTE_PCD		BIT(4)
#define PTE_A		BIT(5)
#define PTE_D		BIT(6)
#define PTE_PS		BIT(7)		/* PDPTE/PDE: large page */
#define PTE_PAT_4K	BIT(7)		/* PTE: PAT index bit 2 */
#define PTE_G		BIT(8)
#define PTE_PAT_LARGE	BIT(12)		/* PDPTE/PDE with PS: PAT index bit 2 */
#define PTE_NX		BIT(63)
#define PTE_ADDR	GENMASK(51, 12)

#define PML4_INDEX(va)	(((va) >> 39) & 511)
#define PDPT_INDEX(va)	(((va) >> 30) & 511)
#define PD_INDEX(va)	(((va) >> 21) & 511)
#define PT_INDEX(va)	(((va) >> 12) & 511)

/*
 * PAT as programmed by paging_init() (the layout Linux uses), index =
 * PAT:PCD:PWT: 0 WB, 1 WC, 2 UC-, 3 UC, 4 WB, 5 WP, 6 UC-, 7 WT.
 */
#define PAT_VALUE	0x0407050600070106ULL	/* PA7..PA0 = WT UC- WP WB UC UC- WC WB */

/* Page-table statistics for `mem` (mm_metadata). */
extern u64 paging_table_pages;

void paging_init(void);
bool paging_ready(void);
/* Map [va, va+len) to [pa, ...) with PTE flags (P is implied); large pages
 * where alignment allows and large is set. Returns 0 or -ENOMEM. */
int paging_map(u64 va, u64 pa, u64 len, u64 flags, bool large);
void paging_unmap(u64 va, u64 len);
/* The leaf entry mapping va and its page size, or NULL if unmapped. */
pte_t *paging_walk(u64 va, u64 *page_size);
/* Cache type (MAP_*) to PTE bits for a 4 KiB page. */
u64 paging_cache_bits(unsigned type);
/* The PTE for one kmap slot (pre-built so kmap never allocates). */
pte_t *paging_kmap_pte(u64 va);
/* Reserve a range of the ioremap area; 0 when full. */
u64 paging_alloc_va(u64 len, u64 align);
/* smp_platform_ops (include/smp.h) for the application processors. */
void *paging_stack_alloc(size_t size);
u64 paging_ap_boot_tables(void);
void paging_cpu_init(void);

#endif
