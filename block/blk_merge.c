/*
 * blk_merge.c - fitting bios to queue limits: where to split a bio
 * (blk_split_bytes) and the scatterlist of a request (blk_map_sg,
 * blk_rq_map_sg), as Linux block/blk-merge.c.
 *
 * A "segment" is one scatterlist entry: physically contiguous, at most
 * max_segment_size bytes, not crossing a seg_boundary_mask boundary. The
 * split counts segments per vec (never merging across vecs), so its count
 * is an upper bound for blk_map_sg(), which merges contiguous vecs greedily.
 * With a virt_boundary_mask (NVMe PRPs: 4 KiB - 1) every vec but the first
 * of a request starts on the boundary and every vec but the last ends on
 * it; a gap splits the bio there.
 *
 * Layer 2 of block/ (scripts/check-floors): split arithmetic and mapping,
 * above the bio and the scatterlist.
 *
 * Pure logic: the host unit tests build this file as it is.
 */
#include "blk.h"
#include "errno.h"
#include "lib.h"
#include "panic.h"
#include "scatterlist.h"

/* Bytes from phys to the end of its seg_boundary_mask window. */
static inline u64 blk_boundary_room(const struct queue_limits *lim, u64 phys)
{
	return (phys | lim->seg_boundary_mask) - phys + 1;
}

/* Largest segment starting at phys with len bytes left in the vec. */
static inline u32 blk_seg_len(const struct queue_limits *lim, u64 phys, u32 len)
{
	u64 n = min_t(u64, len, lim->max_segment_size);

	return (u32)min_t(u64, n, blk_boundary_room(lim, phys));
}

long blk_split_bytes(const struct bio_vec *vecs, struct bvec_iter iter,
		     const struct queue_limits *lim, u32 *nsegs_out)
{
	u64 max_bytes = (u64)lim->max_hw_sectors << SECTOR_SHIFT;
	u64 vbm = lim->virt_boundary_mask;
	u64 bytes = 0, prev_end = 0;
	u32 nsegs = 0;
	bool have_prev = false;
	u32 total = iter.bi_size;

	while (iter.bi_size) {
		struct bio_vec bv = bvec_iter_bvec(vecs, iter);
		u64 phys = bvec_phys(&bv);
		u32 len = bv.bv_len;

		if (have_prev && vbm && ((phys & vbm) || (prev_end & vbm)))
			goto split;
		while (len) {
			u32 seg = blk_seg_len(lim, phys, len);

			/* full: this segment would add no byte to the piece */
			if (nsegs == lim->max_segments || bytes == max_bytes)
				goto split;
			nsegs++;
			if (bytes + seg > max_bytes) {
				bytes = max_bytes;
				goto split;
			}
			bytes += seg;
			phys += seg;
			len -= seg;
		}
		prev_end = phys;
		have_prev = true;
		bvec_iter_advance(vecs, &iter, bv.bv_len);
	}
	if (nsegs_out)
		*nsegs_out = nsegs;
	return total;

split:
	bytes = ALIGN_DOWN(bytes, (u64)lim->logical_block_size);
	if (nsegs_out)
		*nsegs_out = nsegs;
	return bytes ? (long)bytes : -EINVAL;
}

int blk_map_sg(const struct queue_limits *lim, const struct bio_vec *vecs,
	       struct bvec_iter iter, struct scatterlist *sgl, u32 *merges)
{
	struct scatterlist *sg = NULL;
	u64 sg_start = 0, sg_end = 0;
	u64 sg_flags = 0;
	int nents = 0;

	while (iter.bi_size) {
		struct bio_vec bv = bvec_iter_bvec(vecs, iter);
		u64 phys = bvec_phys(&bv);
		u64 flags = pfn_t_flags(bv.bv_pfn);
		u32 len = bv.bv_len;
		bool first_piece = true;

		while (len) {
			u32 seg = blk_seg_len(lim, phys, len);

			/* extend the previous entry when contiguous and it fits */
			if (sg && phys == sg_end && flags == sg_flags) {
				u64 room = min_t(u64,
					lim->max_segment_size - (sg_end - sg_start),
					blk_boundary_room(lim, sg_start) -
					(sg_end - sg_start));
				u32 take = (u32)min_t(u64, room, len);

				if (take) {
					sg->length += take;
					sg_end += take;
					phys += take;
					len -= take;
					if (first_piece && merges)
						(*merges)++;
					first_piece = false;
					continue;
				}
			}
			if (!sg) {
				sg = sgl;
			} else {
				sg = sg_next(sg);
				if (!sg)
					panic("BUG: blk_map_sg: scatterlist too short (%d entries)",
					      nents);
			}
			sg_set_pfn(sg, phys_to_pfn_t(phys, flags), seg,
				   phys & (PAGE_SIZE - 1));
			sg->dma_address = 0;
			sg->dma_length = 0;
			nents++;
			sg_start = phys;
			sg_end = phys + seg;
			sg_flags = flags;
			phys += seg;
			len -= seg;
			first_piece = false;
		}
		bvec_iter_advance(vecs, &iter, bv.bv_len);
	}
	if (sg)
		sg_mark_end(sg);
	return nents;
}

int blk_rq_map_sg(struct request *rq, struct scatterlist *sgl)
{
	struct bio *bio = rq->bio;
	struct bvec_iter iter = bio->bi_iter;
	u32 merges = 0;
	int n;

	iter.bi_size = rq->data_len;
	n = blk_map_sg(&rq->disk->limits, bio->bi_io_vec, iter, sgl, &merges);
	if (merges)
		blk_account_merges(rq->disk, req_op(rq), merges);
	return n;
}
