/*
 * nvme_prp.c - NVMe data pointers from a DMA-mapped scatterlist: PRP1/PRP2
 * and PRP lists (chained across list pages), or SGL descriptors.
 *
 * Pure logic, no hardware access: the core (nvme.c) maps the request's
 * scatterlist with dma_map_sg(), asks how many list pages the command needs
 * (nvme_prp_list_pages / nvme_sgl_seg_pages), takes them from its queue's
 * preallocated pool and calls nvme_build_prps() / nvme_build_sgl(). The
 * host unit tests (tests/unit/test_nvme_prp.c) run this file as it is.
 *
 * PRP layout (NVMe 1.4, 4.3), memory page size 4 KiB (CC.MPS = 0):
 *
 *   PRP1 = first data address (any dword-aligned offset in its page)
 *   PRP2 = 0                      when the data ends within PRP1's page
 *        = second page address    when it ends within the next page
 *        = bus address of list 0  otherwise
 *
 *   list page: | e0 | e1 | ... | e510 | e511 |
 *   every entry the start of a data page; when more entries remain than
 *   fit, e511 is instead the bus address of the next list page, so a full
 *   page carries 511 data entries and the last one up to 512.
 *
 * That needs every sg entry but the first to start on a page boundary and
 * every entry but the last to end on one, except where an entry continues
 * the previous one on the bus (then they form one run): the block layer guarantees it
 * with virt_boundary_mask = 4095 and the DMA layer keeps page offsets when
 * it bounces (dma_min_align_mask = 4095). A list that breaks the rule is
 * refused with -EINVAL, never silently mis-described.
 *
 * SGL layout (4.4): one entry is a Data Block descriptor in SGL1; more
 * entries go to segment pages of 256 descriptors, SGL1 pointing at the
 * first with a (Last) Segment descriptor; a full page that is not the last
 * ends with a Segment or Last Segment descriptor pointing at the next.
 */
#include "errno.h"
#include "nvme_var.h"
#include "scatterlist.h"

#define NVME_PAGE_MASK	((u64)NVME_PAGE_SIZE - 1)

unsigned nvme_prp_count(dma_addr_t first, u32 len)
{
	if (!len)
		return 0;
	return (unsigned)DIV_ROUND_UP((first & NVME_PAGE_MASK) + len,
				      (u64)NVME_PAGE_SIZE);
}

unsigned nvme_prp_list_pages(unsigned nprps)
{
	unsigned entries;

	if (nprps <= 2)
		return 0;
	entries = nprps - 1;		/* PRP1 is in the command */
	if (entries <= NVME_PRPS_PER_PAGE)
		return 1;
	return 1 + DIV_ROUND_UP(entries - NVME_PRPS_PER_PAGE,
				NVME_PRPS_PER_PAGE - 1);
}

/*
 * Check the PRP rules on a mapped list; returns the PRP count or -EINVAL.
 * Entries that continue the previous one on the bus (a long vec split at
 * max_segment_size) form one run: only the edges between runs must be on
 * page boundaries.
 */
static int nvme_prp_check(struct scatterlist *sgl, int nents, u32 len)
{
	struct scatterlist *sg;
	dma_addr_t prev_end = 0;
	u64 total = 0;
	int i;

	if (nents <= 0 || !len)
		return -EINVAL;
	for_each_sg(sgl, sg, nents, i) {
		dma_addr_t a = sg_dma_address(sg);
		u32 l = sg_dma_len(sg);

		if (!l)
			return -EINVAL;
		if (i == 0 && (a & 3))
			return -EINVAL;		/* PRP offset must be dword aligned */
		if (i > 0 && a != prev_end &&
		    ((a & NVME_PAGE_MASK) || (prev_end & NVME_PAGE_MASK)))
			return -EINVAL;		/* a gap not on page boundaries */
		prev_end = a + l;
		total += l;
	}
	if (total != len)
		return -EINVAL;
	return (int)nvme_prp_count(sg_dma_address(sgl), len);
}

struct prp_writer {
	u64 *const *lists;
	const dma_addr_t *list_dma;
	unsigned n;		/* PRP entries in all */
	unsigned k;		/* entries written so far */
	unsigned page, slot;
	u64 prp1, prp2;
};

static void prp_emit(struct prp_writer *w, u64 addr)
{
	unsigned k = w->k++;

	if (k == 0) {
		w->prp1 = addr;
		return;
	}
	if (k == 1) {
		if (w->n == 2) {
			w->prp2 = addr;
			return;
		}
		w->prp2 = w->list_dma[0];
		w->page = 0;
		w->slot = 0;
	}
	/* entries still to place, this one included: n - k */
	if (w->slot == NVME_PRPS_PER_PAGE - 1 && w->n - k > 1) {
		w->lists[w->page][w->slot] = w->list_dma[w->page + 1];
		w->page++;
		w->slot = 0;
	}
	w->lists[w->page][w->slot++] = addr;
}

int nvme_build_prps(struct scatterlist *sgl, int nents, u32 len,
		    u64 *const *lists, const dma_addr_t *list_dma,
		    unsigned nr_lists, u64 *prp1, u64 *prp2)
{
	struct prp_writer w = { .lists = lists, .list_dma = list_dma };
	struct scatterlist *sg;
	u64 prev_end = 0;
	int n, i;

	n = nvme_prp_check(sgl, nents, len);
	if (n < 0)
		return n;
	if (nvme_prp_list_pages((unsigned)n) > nr_lists)
		return -ENOSPC;
	for (unsigned p = 0; p < nvme_prp_list_pages((unsigned)n); p++)
		if (list_dma[p] & NVME_PAGE_MASK)
			return -EINVAL;		/* list pages are whole pages */
	w.n = (unsigned)n;
	for_each_sg(sgl, sg, nents, i) {
		u64 a = sg_dma_address(sg);
		u64 end = a + sg_dma_len(sg);

		if (i > 0 && a == prev_end) {
			/* continues the run: its pages from the next boundary */
			a = ALIGN_UP(a, (u64)NVME_PAGE_SIZE);
		} else {
			prp_emit(&w, a);
			a = ALIGN_DOWN(a, (u64)NVME_PAGE_SIZE) + NVME_PAGE_SIZE;
		}
		for (; a < end; a += NVME_PAGE_SIZE)
			prp_emit(&w, a);
		prev_end = end;
	}
	if (w.k != w.n)
		return -EINVAL;
	*prp1 = w.prp1;
	*prp2 = w.prp2;
	return 0;
}

unsigned nvme_sgl_seg_pages(unsigned nents)
{
	if (nents <= 1)
		return 0;
	if (nents <= NVME_SGL_DESCS_PER_PAGE)
		return 1;
	return 1 + DIV_ROUND_UP(nents - (unsigned)NVME_SGL_DESCS_PER_PAGE,
				(unsigned)NVME_SGL_DESCS_PER_PAGE - 1);
}

static void sgl_set(struct nvme_sgl_desc *d, u64 addr, u32 length, u8 type)
{
	d->addr = addr;
	d->length = length;
	d->rsvd[0] = d->rsvd[1] = d->rsvd[2] = 0;
	d->type = (u8)(FIELD_PREP(NVME_SGL_TYPE, type) |
		       FIELD_PREP(NVME_SGL_SUBTYPE, NVME_SGL_SUBTYPE_ADDR));
}

/* Descriptors on segment page p of pages (data plus a trailing pointer). */
static unsigned sgl_page_descs(unsigned nents, unsigned pages, unsigned p)
{
	unsigned full = (unsigned)NVME_SGL_DESCS_PER_PAGE;

	if (p + 1 < pages)
		return full;
	return nents - p * (full - 1);
}

int nvme_build_sgl(struct scatterlist *sgl, int nents, u32 len,
		   struct nvme_sgl_desc *const *segs, const dma_addr_t *seg_dma,
		   unsigned nr_segs, struct nvme_sgl_desc *sgl1)
{
	unsigned pages, page = 0, slot = 0;
	struct scatterlist *sg;
	u64 total = 0;
	int i;

	if (nents <= 0 || !len)
		return -EINVAL;
	for_each_sg(sgl, sg, nents, i) {
		if (!sg_dma_len(sg))
			return -EINVAL;
		total += sg_dma_len(sg);
	}
	if (total != len)
		return -EINVAL;
	if (nents == 1) {
		sgl_set(sgl1, sg_dma_address(sgl), sg_dma_len(sgl),
			NVME_SGL_TYPE_DATA);
		return 0;
	}
	pages = nvme_sgl_seg_pages((unsigned)nents);
	if (pages > nr_segs)
		return -ENOSPC;
	for (unsigned p = 0; p < pages; p++)
		if (seg_dma[p] & 0xf)
			return -EINVAL;		/* descriptors are 16-byte aligned */
	sgl_set(sgl1, seg_dma[0],
		sgl_page_descs((unsigned)nents, pages, 0) * (u32)sizeof(*sgl1),
		pages == 1 ? NVME_SGL_TYPE_LAST_SEG : NVME_SGL_TYPE_SEGMENT);
	for_each_sg(sgl, sg, nents, i) {
		if (slot == NVME_SGL_DESCS_PER_PAGE - 1 && page + 1 < pages) {
			sgl_set(&segs[page][slot], seg_dma[page + 1],
				sgl_page_descs((unsigned)nents, pages, page + 1) *
					(u32)sizeof(*sgl1),
				page + 2 == pages ? NVME_SGL_TYPE_LAST_SEG
						  : NVME_SGL_TYPE_SEGMENT);
			page++;
			slot = 0;
		}
		sgl_set(&segs[page][slot++], sg_dma_address(sg), sg_dma_len(sg),
			NVME_SGL_TYPE_DATA);
	}
	return 0;
}
