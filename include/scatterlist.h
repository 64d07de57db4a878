/*
 * scatterlist.h - page-less scatter/gather lists.
 *
 * An entry names memory by pfn_t + offset + length (never a struct page or
 * a virtual address), plus the bus address and length the DMA layer fills
 * in when it maps the list (dma_map_sg). sg_phys() is the CPU physical
 * address; there is no sg_virt(): memory outside the direct map is reached
 * through kmap_atomic_pfn_t(sg->pfn).
 *
 * Tables are arrays whose last entry may instead chain to another array
 * (sg_chain); sg_next() follows chains and returns NULL after the entry
 * marked end. As Linux CONFIG_DEBUG_SG, each entry carries a magic that
 * sg_init_table() sets and every accessor checks: a stray or uninitialised
 * entry is a BUG, not silent corruption.
 *
 * sg_alloc_table() builds a table of any length from chunks of a pool
 * allocated at boot (sg_pool_init), chained beyond one chunk.
 */
#ifndef PFNOS_SCATTERLIST_H
#define PFNOS_SCATTERLIST_H

#include "compiler.h"
#include "pfn_t.h"
#include "types.h"

#define SG_MAGIC	0x87654321U

#define SG_END		BIT(0)
#define SG_CHAIN	BIT(1)

struct scatterlist {
	union {
		pfn_t pfn;			/* data entry */
		struct scatterlist *chain;	/* SG_CHAIN entry: next array */
	};
	u32 offset;		/* in pfn's frame (may exceed PAGE_SIZE) */
	u32 length;
	dma_addr_t dma_address;
	u32 dma_length;
	u16 sg_flags;
	u16 sg_pad;
	u32 sg_magic;
};

struct sg_table {
	struct scatterlist *sgl;	/* first entry */
	unsigned nents;			/* mapped entries (dma_map_sg) */
	unsigned orig_nents;		/* data entries */
	unsigned max_ents;		/* entries per chunk */
};

/* Entries per pool chunk: a chunk is one 4 KiB page. */
#define SG_CHUNK_SIZE	((unsigned)(PAGE_SIZE / sizeof(struct scatterlist)))

void sg_check(const struct scatterlist *sg);

static inline bool sg_is_chain(const struct scatterlist *sg)
{
	return sg->sg_flags & SG_CHAIN;
}
static inline bool sg_is_last(const struct scatterlist *sg)
{
	return sg->sg_flags & SG_END;
}
static inline phys_addr_t sg_phys(const struct scatterlist *sg)
{
	sg_check(sg);
	return pfn_t_to_phys(sg->pfn) + sg->offset;
}
static inline dma_addr_t sg_dma_address(const struct scatterlist *sg) { return sg->dma_address; }
static inline u32 sg_dma_len(const struct scatterlist *sg) { return sg->dma_length; }

/* Zero nents entries, set their magic, mark the last one end. */
void sg_init_table(struct scatterlist *sgl, unsigned nents);
/* One entry table for (pfn, len, off). */
void sg_init_one(struct scatterlist *sg, pfn_t pfn, u32 len, u32 off);
/* Point a data entry at len bytes at offset off of frame pfn. */
void sg_set_pfn(struct scatterlist *sg, pfn_t pfn, u32 len, u32 off);
void sg_mark_end(struct scatterlist *sg);
void sg_unmark_end(struct scatterlist *sg);
/*
 * sg_chain - make the last of prv's prv_nents entries a link to sgl (which
 * must be an initialised table). That entry carries no data.
 */
void sg_chain(struct scatterlist *prv, unsigned prv_nents,
	      struct scatterlist *sgl);
/* The entry after sg (following chains), or NULL after the end. */
struct scatterlist *sg_next(struct scatterlist *sg);
/* Data entries from sgl to the end. */
unsigned sg_nents(struct scatterlist *sgl);
/* The last entry of nents (following chains). */
struct scatterlist *sg_last(struct scatterlist *sgl, unsigned nents);

#define for_each_sg(sglist, sg, nr, __i)				\
	for (__i = 0, sg = (sglist); __i < (__typeof__(__i))(nr); __i++, sg = sg_next(sg))

/* The sg chunk pool: nr_chunks chunks of SG_CHUNK_SIZE entries, from
 * blk_init_alloc(). Returns 0 or -ENOMEM. */
int sg_pool_init(unsigned nr_chunks);
void sg_pool_exit(void);
unsigned sg_pool_free_chunks(void);

/*
 * __sg_alloc_table - a table of nents data entries, in chunks of max_ents
 * entries (2..SG_CHUNK_SIZE) from the pool, the last of each full chunk
 * chaining to the next. Returns 0, -EINVAL, or -ENOMEM (pool exhausted:
 * nothing is kept).
 */
int __sg_alloc_table(struct sg_table *table, unsigned nents, unsigned max_ents);
static inline int sg_alloc_table(struct sg_table *table, unsigned nents)
{
	return __sg_alloc_table(table, nents, SG_CHUNK_SIZE);
}
void sg_free_table(struct sg_table *table);

#endif
