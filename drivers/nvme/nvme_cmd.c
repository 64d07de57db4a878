/*
 * nvme_cmd.c - NVMe command encoding and Identify decoding, pure.
 *
 * Each nvme_cmd_*() fills a zeroed submission queue entry for one command
 * (NVMe 1.4, 5 admin and 6 NVM commands) except its command identifier and
 * data pointer, which the core sets when it submits (nvme_sqe_set_cid,
 * nvme_sqe_set_prps, nvme_sqe_set_sgl). The Identify helpers turn the
 * controller and namespace data structures into the driver's numbers. The
 * host unit tests check every field against the specification's layout.
 */
#include "errno.h"
#include "lib.h"
#include "nvme_var.h"

#define NVME_U32_MAX	0xffffffffULL

static void nvme_cmd_init(struct nvme_sqe *sqe, u8 opc, u32 nsid)
{
	memset(sqe, 0, sizeof(*sqe));
	sqe->cdw0 = (u32)FIELD_PREP(NVME_CDW0_OPC, opc);
	sqe->nsid = nsid;
}

void nvme_sqe_set_cid(struct nvme_sqe *sqe, u16 cid)
{
	sqe->cdw0 = (sqe->cdw0 & ~(u32)NVME_CDW0_CID) |
		    (u32)FIELD_PREP(NVME_CDW0_CID, cid);
}

void nvme_sqe_set_prps(struct nvme_sqe *sqe, u64 prp1, u64 prp2)
{
	sqe->cdw0 = (sqe->cdw0 & ~(u32)NVME_CDW0_PSDT) |
		    (u32)FIELD_PREP(NVME_CDW0_PSDT, NVME_PSDT_PRP);
	sqe->dptr.prp.prp1 = prp1;
	sqe->dptr.prp.prp2 = prp2;
}

void nvme_sqe_set_sgl(struct nvme_sqe *sqe, const struct nvme_sgl_desc *sgl1)
{
	sqe->cdw0 = (sqe->cdw0 & ~(u32)NVME_CDW0_PSDT) |
		    (u32)FIELD_PREP(NVME_CDW0_PSDT, NVME_PSDT_SGL_MPTR_CONTIG);
	sqe->dptr.sgl = *sgl1;
}

int nvme_cmd_rw(struct nvme_sqe *sqe, bool write, u32 nsid, u64 slba,
		u32 nlb, bool fua)
{
	if (!nlb || nlb > NVME_MAX_NLB || !nsid)
		return -EINVAL;
	nvme_cmd_init(sqe, write ? NVME_CMD_WRITE : NVME_CMD_READ, nsid);
	sqe->cdw10 = (u32)slba;
	sqe->cdw11 = (u32)(slba >> 32);
	sqe->cdw12 = (u32)FIELD_PREP(NVME_RW_NLB, nlb - 1) |
		     (fua ? (u32)NVME_RW_FUA : 0);
	return 0;
}

void nvme_cmd_flush(struct nvme_sqe *sqe, u32 nsid)
{
	nvme_cmd_init(sqe, NVME_CMD_FLUSH, nsid);
}

int nvme_cmd_write_zeroes(struct nvme_sqe *sqe, u32 nsid, u64 slba, u32 nlb,
			  bool deallocate, bool fua)
{
	if (!nlb || nlb > NVME_MAX_NLB || !nsid)
		return -EINVAL;
	nvme_cmd_init(sqe, NVME_CMD_WRITE_ZEROES, nsid);
	sqe->cdw10 = (u32)slba;
	sqe->cdw11 = (u32)(slba >> 32);
	sqe->cdw12 = (u32)FIELD_PREP(NVME_RW_NLB, nlb - 1) |
		     (deallocate ? (u32)NVME_WZ_DEAC : 0) |
		     (fua ? (u32)NVME_RW_FUA : 0);
	return 0;
}

int nvme_cmd_dsm_deallocate(struct nvme_sqe *sqe, u32 nsid,
			    struct nvme_dsm_range *ranges, unsigned nr,
			    u64 slba, u64 nlb)
{
	unsigned i;

	if (!nr || !nlb || !nsid ||
	    DIV_ROUND_UP(nlb, (u64)NVME_U32_MAX) > nr || nr > NVME_DSM_MAX_RANGES)
		return -EINVAL;
	nvme_cmd_init(sqe, NVME_CMD_DSM, nsid);
	memset(ranges, 0, nr * sizeof(*ranges));
	for (i = 0; nlb; i++) {
		u32 n = (u32)min_t(u64, nlb, NVME_U32_MAX);

		ranges[i].nlb = n;
		ranges[i].slba = slba;
		slba += n;
		nlb -= n;
	}
	sqe->cdw10 = (u32)FIELD_PREP(NVME_DSM_NR, i - 1);
	sqe->cdw11 = NVME_DSM_AD;
	return (int)i;
}

void nvme_cmd_identify(struct nvme_sqe *sqe, u8 cns, u32 nsid)
{
	nvme_cmd_init(sqe, NVME_ADMIN_IDENTIFY, nsid);
	sqe->cdw10 = (u32)FIELD_PREP(NVME_IDENTIFY_CNS, cns);
}

int nvme_cmd_set_num_queues(struct nvme_sqe *sqe, unsigned nsq, unsigned ncq)
{
	if (!nsq || !ncq || nsq > 65535 || ncq > 65535)
		return -EINVAL;
	nvme_cmd_init(sqe, NVME_ADMIN_SET_FEATURES, 0);
	sqe->cdw10 = (u32)FIELD_PREP(NVME_FEAT_FID, NVME_FEAT_NUM_QUEUES);
	sqe->cdw11 = (u32)(FIELD_PREP(NVME_NUMQ_NSQ, nsq - 1) |
			   FIELD_PREP(NVME_NUMQ_NCQ, ncq - 1));
	return 0;
}

int nvme_cmd_create_cq(struct nvme_sqe *sqe, u16 qid, unsigned entries,
		       u64 dma, int vector)
{
	if (!qid || entries < 2 || entries > 65536 || (dma & (NVME_PAGE_SIZE - 1)))
		return -EINVAL;
	nvme_cmd_init(sqe, NVME_ADMIN_CREATE_CQ, 0);
	sqe->dptr.prp.prp1 = dma;
	sqe->cdw10 = (u32)(FIELD_PREP(NVME_QUEUE_QID, qid) |
			   FIELD_PREP(NVME_QUEUE_QSIZE, entries - 1));
	sqe->cdw11 = NVME_CQ_PC;
	if (vector >= 0)
		sqe->cdw11 |= (u32)(NVME_CQ_IEN | FIELD_PREP(NVME_CQ_IV, vector));
	return 0;
}

int nvme_cmd_create_sq(struct nvme_sqe *sqe, u16 qid, unsigned entries,
		       u64 dma, u16 cqid)
{
	if (!qid || !cqid || entries < 2 || entries > 65536 ||
	    (dma & (NVME_PAGE_SIZE - 1)))
		return -EINVAL;
	nvme_cmd_init(sqe, NVME_ADMIN_CREATE_SQ, 0);
	sqe->dptr.prp.prp1 = dma;
	sqe->cdw10 = (u32)(FIELD_PREP(NVME_QUEUE_QID, qid) |
			   FIELD_PREP(NVME_QUEUE_QSIZE, entries - 1));
	sqe->cdw11 = (u32)(NVME_SQ_PC | FIELD_PREP(NVME_SQ_CQID, cqid));
	return 0;
}

void nvme_cmd_delete_queue(struct nvme_sqe *sqe, bool sq, u16 qid)
{
	nvme_cmd_init(sqe, sq ? NVME_ADMIN_DELETE_SQ : NVME_ADMIN_DELETE_CQ, 0);
	sqe->cdw10 = (u32)FIELD_PREP(NVME_QUEUE_QID, qid);
}

void nvme_cmd_abort(struct nvme_sqe *sqe, u16 sqid, u16 cid)
{
	nvme_cmd_init(sqe, NVME_ADMIN_ABORT, 0);
	sqe->cdw10 = (u32)(FIELD_PREP(NVME_ABORT_SQID, sqid) |
			   FIELD_PREP(NVME_ABORT_CID, cid));
}

u64 nvme_cap_timeout_ms(u64 cap)
{
	u64 to = FIELD_GET(NVME_CAP_TO, cap);

	return (to ? to : 1) * NVME_CAP_TO_MS;
}

u64 nvme_mdts_bytes(u8 mdts, u64 cap)
{
	u64 min_page = 1ULL << (12 + FIELD_GET(NVME_CAP_MPSMIN, cap));

	if (!mdts)
		return 0;
	if (mdts + 12 + FIELD_GET(NVME_CAP_MPSMIN, cap) >= 40)
		return 1ULL << 40;	/* beyond anything we would ask */
	return min_page << mdts;
}

void nvme_id_string(char *dst, size_t size, const char *src, size_t len)
{
	size_t n = len;

	if (!size)
		return;
	while (n && (src[n - 1] == ' ' || src[n - 1] == '\0'))
		n--;
	if (n > size - 1)
		n = size - 1;
	for (size_t i = 0; i < n; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[n] = '\0';
}

int nvme_ns_decode(const struct nvme_id_ns *id, struct nvme_ns_geom *g)
{
	unsigned idx = (unsigned)FIELD_GET(NVME_NS_FLBAS_LBA_MASK, id->flbas);
	const struct nvme_lbaf *f;

	memset(g, 0, sizeof(*g));
	if (idx > id->nlbaf || idx >= ARRAY_SIZE(id->lbaf))
		return -EINVAL;
	f = &id->lbaf[idx];
	g->lba_format = idx;
	g->lba_shift = f->lbads;
	g->ms = f->ms;
	g->nsze = id->nsze;
	g->ncap = id->ncap;
	g->nuse = id->nuse;
	if (!id->nsze)
		return -ENODEV;		/* inactive namespace */
	if (f->lbads < 9 || f->lbads > 12)
		return -EOPNOTSUPP;	/* the block layer takes 512..4096 */
	if (f->ms)
		return -EOPNOTSUPP;	/* metadata formats are not used */
	if (id->nsze > (~0ULL >> 12))
		return -EOVERFLOW;
	return 0;
}

unsigned nvme_ns_list_decode(const u32 *list, unsigned max, u32 *out,
			     unsigned out_max)
{
	unsigned n = 0;
	u32 prev = 0;

	for (unsigned i = 0; i < max && n < out_max; i++) {
		u32 nsid = list[i];

		if (!nsid)
			break;
		/* ascending, no broadcast id: a list that is not is cut off */
		if (nsid <= prev || nsid == 0xffffffffU)
			break;
		out[n++] = nsid;
		prev = nsid;
	}
	return n;
}
