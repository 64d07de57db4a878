/*
 * scatterlist.c - page-less scatter/gather lists (include/scatterlist.h):
 * table setup, chaining, walking, and tables built from the boot-time chunk
 * pool. Pure logic: the host unit tests build this file as it is.
 *
 * Layer 1 of block/ (scripts/check-floors): below it only the platform
 * hooks.
 */
#include "blkdev_driver.h"
#include "errno.h"
#include "irq.h"
#include "lib.h"
#include "panic.h"
#include "scatterlist.h"
#include "spinlock.h"

void sg_check(const struct scatterlist *sg)
{
	if (unlikely(!sg || sg->sg_magic != SG_MAGIC))
		panic("BUG: bad scatterlist entry %p (magic 0x%x)", sg,
		      sg ? sg->sg_magic : 0);
}

void sg_init_table(struct scatterlist *sgl, unsigned nents)
{
	BUG_ON(!nents);
	memset(sgl, 0, sizeof(*sgl) * nents);
	for (unsigned i = 0; i < nents; i++)
		sgl[i].sg_magic = SG_MAGIC;
	sgl[nents - 1].sg_flags = SG_END;
}

void sg_set_pfn(struct scatterlist *sg, pfn_t pfn, u32 len, u32 off)
{
	sg_check(sg);
	BUG_ON(sg_is_chain(sg));
	sg->pfn = pfn_t_add(pfn, off >> PAGE_SHIFT);
	sg->offset = off & (PAGE_SIZE - 1);
	sg->length = len;
}

void sg_init_one(struct scatterlist *sg, pfn_t pfn, u32 len, u32 off)
{
	sg_init_table(sg, 1);
	sg_set_pfn(sg, pfn, len, off);
}

void sg_mark_end(struct scatterlist *sg)
{
	sg_check(sg);
	BUG_ON(sg_is_chain(sg));
	sg->sg_flags |= SG_END;
}

void sg_unmark_end(struct scatterlist *sg)
{
	sg_check(sg);
	sg->sg_flags &= ~SG_END;
}

void sg_chain(struct scatterlist *prv, unsigned prv_nents,
	      struct scatterlist *sgl)
{
	struct scatterlist *link;

	BUG_ON(prv_nents < 2);
	link = &prv[prv_nents - 1];
	sg_check(link);
	sg_check(sgl);
	link->chain = sgl;
	link->offset = 0;
	link->length = 0;
	link->sg_flags = SG_CHAIN;
}

struct scatterlist *sg_next(struct scatterlist *sg)
{
	sg_check(sg);
	if (sg_is_last(sg))
		return NULL;
	sg++;
	sg_check(sg);
	if (sg_is_chain(sg)) {
		sg = sg->chain;
		sg_check(sg);
		BUG_ON(sg_is_chain(sg));
	}
	return sg;
}

unsigned sg_nents(struct scatterlist *sgl)
{
	unsigned n = 0;

	for (; sgl; sgl = sg_next(sgl))
		n++;
	return n;
}

struct scatterlist *sg_last(struct scatterlist *sgl, unsigned nents)
{
	struct scatterlist *sg, *ret = NULL;
	unsigned i;

	for_each_sg(sgl, sg, nents, i)
		ret = sg;
	return ret;
}

/* ---- the chunk pool ---- */

union sg_chunk {
	union sg_chunk *next_free;
	struct scatterlist ents[SG_CHUNK_SIZE];
};
_Static_assert(sizeof(union sg_chunk) <= PAGE_SIZE, "sg chunk fits a page");

static union sg_chunk *sg_chunks;
static union sg_chunk *sg_free_list;
static unsigned sg_nr_chunks, sg_nr_free;
/* guards the free list and its count; completions free chunks: _irqsave. A leaf. */
static DEFINE_SPINLOCK(sg_pool_lock);

int sg_pool_init(unsigned nr_chunks)
{
	BUG_ON(sg_chunks);
	if (!nr_chunks)
		return -EINVAL;
	sg_chunks = blk_init_alloc(sizeof(union sg_chunk) * nr_chunks);
	if (!sg_chunks)
		return -ENOMEM;
	sg_nr_chunks = nr_chunks;
	sg_free_list = NULL;
	for (unsigned i = nr_chunks; i-- > 0;) {
		sg_chunks[i].next_free = sg_free_list;
		sg_free_list = &sg_chunks[i];
	}
	sg_nr_free = nr_chunks;
	return 0;
}

void sg_pool_exit(void)
{
	if (!sg_chunks)
		return;
	BUG_ON(sg_nr_free != sg_nr_chunks);
	blk_init_free(sg_chunks, sizeof(union sg_chunk) * sg_nr_chunks);
	sg_chunks = NULL;
	sg_free_list = NULL;
	sg_nr_chunks = sg_nr_free = 0;
}

unsigned sg_pool_free_chunks(void)
{
	return sg_nr_free;
}

static struct scatterlist *sg_chunk_get(void)
{
	unsigned long flags = spin_lock_irqsave(&sg_pool_lock);
	union sg_chunk *c = sg_free_list;

	if (c) {
		sg_free_list = c->next_free;
		sg_nr_free--;
	}
	spin_unlock_irqrestore(&sg_pool_lock, flags);
	return c ? c->ents : NULL;
}

static void sg_chunk_put(struct scatterlist *sgl)
{
	union sg_chunk *c = (union sg_chunk *)sgl;
	unsigned long flags;

	BUG_ON(c < sg_chunks || c >= sg_chunks + sg_nr_chunks);
	flags = spin_lock_irqsave(&sg_pool_lock);
	c->next_free = sg_free_list;
	sg_free_list = c;
	sg_nr_free++;
	spin_unlock_irqrestore(&sg_pool_lock, flags);
}

void sg_free_table(struct sg_table *table)
{
	struct scatterlist *sgl = table->sgl;
	unsigned left = table->orig_nents;

	while (sgl) {
		struct scatterlist *next = NULL;
		unsigned here = left;

		/*
		 * A full chunk with more to come ends in a chain entry (not
		 * yet set when __sg_alloc_table() failed on the next chunk).
		 */
		if (left >= table->max_ents &&
		    sg_is_chain(&sgl[table->max_ents - 1])) {
			here = table->max_ents - 1;
			next = sgl[table->max_ents - 1].chain;
		}
		left -= here;
		sg_chunk_put(sgl);
		sgl = next;
	}
	memset(table, 0, sizeof(*table));
}

int __sg_alloc_table(struct sg_table *table, unsigned nents, unsigned max_ents)
{
	struct scatterlist *prv = NULL;
	unsigned left = nents;

	memset(table, 0, sizeof(*table));
	if (!nents || max_ents < 2 || max_ents > SG_CHUNK_SIZE)
		return -EINVAL;
	table->max_ents = max_ents;
	while (left) {
		unsigned alloc = left, here = left;
		struct scatterlist *sg;

		if (left > max_ents) {
			alloc = max_ents;
			here = max_ents - 1;	/* the last links onward */
		}
		sg = sg_chunk_get();
		if (!sg) {
			sg_free_table(table);
			return -ENOMEM;
		}
		sg_init_table(sg, alloc);
		if (prv)
			sg_chain(prv, max_ents, sg);
		else
			table->sgl = sg;
		table->orig_nents += here;
		table->nents = table->orig_nents;
		left -= here;
		prv = sg;
	}
	return 0;
}
