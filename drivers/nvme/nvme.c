/*
 * nvme.c - the NVMe core (after OpenBSD sys/dev/ic/nvme.c): controller
 * reset and enable, the admin queue, Identify, I/O queues, the request
 * path, completions, timeouts with abort and reset, and shutdown.
 *
 * The bus glue (nvme_pci.c) maps the registers and calls
 * nvme_ctrl_attach(). From there everything is NVMe base specification 1.4:
 *   - disable (CC.EN=0, wait CSTS.RDY=0), admin queue (AQA/ASQ/ACQ), enable
 *     with CC.MPS=4 KiB and 64/16-byte entries, wait CSTS.RDY=1; every wait
 *     is bounded by CAP.TO and gives up on CSTS.CFS (7.6.1);
 *   - Identify Controller and the active namespace list, Set Features
 *     Number of Queues, then per CPU one interrupt-driven SQ/CQ pair (MSI-X)
 *     and nvme.poll_queues polled pairs created with interrupts disabled;
 *   - each namespace becomes block device nvme<ctrl>n<nsid>, request-based:
 *     one shared tag set; the tag is the low part of the command identifier.
 *
 * I/O: queue_rq builds the command, maps the request's scatterlist with
 * dma_map_sg() and describes it with PRPs (or SGLs, nvme.sgl=1 or when a
 * layout cannot be said with PRPs); list pages come from a per-queue pool
 * allocated at attach, as does everything else on the path. With a
 * volatile write cache the namespace declares BLK_FEAT_WRITE_CACHE and
 * BLK_FEAT_FUA: REQ_OP_FLUSH is a FLUSH command, REQ_FUA sets FUA on WRITE
 * and WRITE ZEROES; REQ_PREFLUSH never arrives (the block layer sends a
 * FLUSH request first, block/blk_flush.c). A bounce pool that is full just
 * now is not this queue's shortage (every device maps from it): queue_rq
 * queues the queue's DMA pool waiter, which runs the queue when any unmap
 * gives slots back, and answers -EAGAIN, so the block layer waits or parks
 * the request; it never fails for it. A mapping that could never fit
 * (more slots than the pool can ever have free, say after a dead
 * controller kept some for good) is -EINVAL from the DMA layer and fails
 * the request at once; the queue limits (nvme_set_limits) keep a live
 * pool's requests from ever being that. Completions are found by the phase
 * tag, from the MSI-X handler or ops->poll(); the entries are collected
 * first and completed after the head doorbell is written (for every entry
 * consumed), so a completion that submits more I/O finds the queue
 * consistent.
 *
 * Command identifiers carry the tag and a 4-bit generation (nvme_var.h),
 * so a stale completion is ignored and an Abort names one submission.
 *
 * Timeouts: a timer tick checks the deadline of every command in flight
 * (reaping the queue's CQ first, so a polled command nobody polls is not
 * taken for lost). A late command gets an Abort (at most Identify ACL+1
 * outstanding); if the controller does not abort it and the command is
 * still outstanding a second after the answer, or still outstanding a
 * timeout later, or an admin command timed out, the controller is reset:
 * disabled, queues rebuilt, the timed-out command failed with -EIO and
 * every other outstanding command resubmitted once (one that meets a
 * transient shortage then, bounce slots taken by other devices, goes back
 * to the block layer, which dispatches it as a new request when the
 * shortage ends). The tick only decides; the reset runs in process context
 * as deferred work (work.h), from the places that wait (the block layer's
 * halt, the shell, ops->poll). A controller that does not come back is
 * marked dead and fails I/O with -EIO; the kernel keeps running. One that
 * does not even disable (CSTS.RDY still 1 after CAP.TO) may go on working
 * on what it held: it is dead at once, and before its commands fail with
 * -EIO the bus glue turns its bus mastering off (ops->stop_dma). When that
 * reads back off, their memory goes back to the pools; when it cannot be
 * made certain, their bounce slots and list pages stay out of the pools
 * for good. CC.EN is only ever set while RDY reads 0.
 * While a reset runs, a submission (only an interrupt handler or a
 * completion can make one then) gets -EAGAIN: the block layer parks it,
 * and the reset runs every queue when it ends.
 *
 * Shutdown (poweroff, reboot): delete the I/O SQs, then the CQs, each
 * bounded, then CC.SHN and wait for CSTS.SHST (7.6.2).
 *
 * Command line: nvme.io_queue_depth= (default 1024, at most CAP.MQES+1),
 * nvme.poll_queues= (default 1), nvme.sgl=0|1, nvme.dma_mask= (bits),
 * nvme.timeout= (seconds, default 30), nvme.max_xfer= (bytes, cap on MDTS),
 * nvme.poll=1 (every bio to a polled queue, BLK_FEAT_POLL_DEFAULT).
 */
#include "cmdline.h"
#include "cpu.h"
#include "errno.h"
#include "exit.h"
#include "irq.h"
#include "lib.h"
#include "mm.h"
#include "nvme_var.h"
#include "panic.h"
#include "printk.h"
#include "spinlock.h"
#include "time.h"
#include "timer.h"
#include "work.h"

struct nvme_ctrl *nvme_ctrls[NVME_MAX_CTRLS];
unsigned nvme_nr_ctrls;

static const struct blk_mq_ops nvme_mq_ops;

static const char *nvme_op_name(u8 opc, bool admin)
{
	if (admin) {
		switch (opc) {
		case NVME_ADMIN_IDENTIFY: return "IDENTIFY";
		case NVME_ADMIN_SET_FEATURES: return "SET FEATURES";
		case NVME_ADMIN_CREATE_CQ: return "CREATE IO CQ";
		case NVME_ADMIN_CREATE_SQ: return "CREATE IO SQ";
		case NVME_ADMIN_DELETE_CQ: return "DELETE IO CQ";
		case NVME_ADMIN_DELETE_SQ: return "DELETE IO SQ";
		case NVME_ADMIN_ABORT: return "ABORT";
		default: return "ADMIN";
		}
	}
	switch (opc) {
	case NVME_CMD_READ: return "READ";
	case NVME_CMD_WRITE: return "WRITE";
	case NVME_CMD_FLUSH: return "FLUSH";
	case NVME_CMD_WRITE_ZEROES: return "WRITE ZEROES";
	case NVME_CMD_DSM: return "DSM";
	default: return "IO";
	}
}

static void nvme_log_status(struct nvme_ctrl *ctrl, const struct nvme_sqe *cmd,
			    bool admin, u16 status, int err)
{
	unsigned sct = (unsigned)FIELD_GET(NVME_CQE_SCT, status);
	unsigned sc = (unsigned)FIELD_GET(NVME_CQE_SC, status);
	u8 opc = (u8)FIELD_GET(NVME_CDW0_OPC, cmd->cdw0);

	if (!admin && (opc == NVME_CMD_READ || opc == NVME_CMD_WRITE ||
		       opc == NVME_CMD_WRITE_ZEROES))
		pr_err("%s: %s failed: SCT %u SC 0x%x (%s) -> -%s (nsid %u, LBA %llu, %u blocks)\n",
		       ctrl->name, nvme_op_name(opc, admin), sct, sc,
		       nvme_status_name(sct, sc), errno_name(err), cmd->nsid,
		       (unsigned long long)(cmd->cdw10 | ((u64)cmd->cdw11 << 32)),
		       (unsigned)FIELD_GET(NVME_RW_NLB, cmd->cdw12) + 1);
	else
		pr_err("%s: %s failed: SCT %u SC 0x%x (%s) -> -%s\n",
		       ctrl->name, nvme_op_name(opc, admin), sct, sc,
		       nvme_status_name(sct, sc), errno_name(err));
}

/* ---- controller enable and disable (7.6.1, 3.1.5, 3.1.6) ---- */

static int nvme_wait_ready(struct nvme_ctrl *ctrl, bool ready, const char *what)
{
	u64 deadline = ktime_ns() + ctrl->ready_timeout_ms * 1000000ULL;
	u32 csts;

	lock_assert_none_held("waiting for NVMe CSTS.RDY");
	for (;;) {
		csts = nvme_read4(ctrl, NVME_REG_CSTS);
		if (csts == 0xffffffffU) {
			pr_err("%s: %s: controller gone (CSTS reads all ones)\n",
			       ctrl->name, what);
			return -ENODEV;
		}
		if (ready && (csts & NVME_CSTS_CFS)) {
			pr_err("%s: %s: controller fatal status (CSTS 0x%x)\n",
			       ctrl->name, what, csts);
			return -EIO;
		}
		if (!!(csts & NVME_CSTS_RDY) == ready)
			return 0;
		if (ktime_ns() > deadline) {
			pr_err("%s: %s: CSTS.RDY still %u after CAP.TO %llu ms\n",
			       ctrl->name, what, !ready,
			       (unsigned long long)ctrl->ready_timeout_ms);
			return -ETIMEDOUT;
		}
		udelay(50);
	}
}

static int nvme_disable(struct nvme_ctrl *ctrl)
{
	u32 cc = nvme_read4(ctrl, NVME_REG_CC);
	u32 csts = nvme_read4(ctrl, NVME_REG_CSTS);

	if (cc & NVME_CC_EN) {
		/* enabling in progress: let it finish before clearing EN */
		if (!(csts & NVME_CSTS_RDY) && !(csts & NVME_CSTS_CFS))
			nvme_wait_ready(ctrl, true, "disable");
		nvme_write4(ctrl, NVME_REG_CC, cc & ~(u32)NVME_CC_EN);
	}
	return nvme_wait_ready(ctrl, false, "disable");
}

/*
 * Set CC.EN with the admin queue programmed and wait for CSTS.RDY=1. The
 * host may set EN only while RDY reads 0 (3.1.6: a controller still
 * disabling behaves in undefined ways when enabled again), so a RDY left
 * at 1 by a disable that did not finish is waited out first, bounded by
 * CAP.TO; -ETIMEDOUT then, with EN left alone.
 */
static int nvme_enable(struct nvme_ctrl *ctrl)
{
	struct nvme_queue *aq = &ctrl->adminq;
	u32 cc;
	int err;

	err = nvme_wait_ready(ctrl, false, "enable");
	if (err)
		return err;
	nvme_write4(ctrl, NVME_REG_AQA,
		    (u32)(FIELD_PREP(NVME_AQA_ASQS, aq->entries - 1) |
			  FIELD_PREP(NVME_AQA_ACQS, aq->entries - 1)));
	nvme_write8(ctrl, NVME_REG_ASQ, aq->sq_dma);
	nvme_write8(ctrl, NVME_REG_ACQ, aq->cq_dma);
	cc = (u32)(FIELD_PREP(NVME_CC_CSS, NVME_CC_CSS_NVM) |
		   FIELD_PREP(NVME_CC_MPS, NVME_PAGE_SHIFT - 12) |
		   FIELD_PREP(NVME_CC_AMS, 0) |
		   FIELD_PREP(NVME_CC_SHN, NVME_CC_SHN_NONE) |
		   FIELD_PREP(NVME_CC_IOSQES, NVME_SQE_SHIFT) |
		   FIELD_PREP(NVME_CC_IOCQES, NVME_CQE_SHIFT));
	nvme_write4(ctrl, NVME_REG_CC, cc);
	nvme_write4(ctrl, NVME_REG_CC, cc | NVME_CC_EN);
	return nvme_wait_ready(ctrl, true, "enable");
}

/* ---- queues ---- */

static void nvme_queue_reset(struct nvme_queue *q)
{
	q->sq_tail = q->sq_head = q->cq_head = 0;
	q->cq_phase = 1;
	memset(q->cq, 0, (size_t)q->entries * sizeof(struct nvme_cqe));
}

/* Bytes of a ring of entries: what a queue allocates for its SQ or CQ. */
static size_t nvme_ring_bytes(unsigned entries, size_t entry_size)
{
	return PAGE_SIZE << get_order(entries * entry_size);
}

/* A queue's SQ and CQ rings and doorbell offsets; nvme_free_queue() undoes it. */
static int nvme_alloc_queue(struct nvme_ctrl *ctrl, struct nvme_queue *q,
			    u16 qid, unsigned entries)
{
	q->ctrl = ctrl;
	q->qid = qid;
	q->entries = (u16)entries;
	q->irq_entry = -1;
	q->sq = dma_alloc_coherent(&ctrl->dev,
				   nvme_ring_bytes(entries, sizeof(struct nvme_sqe)),
				   &q->sq_dma);
	if (!q->sq)
		return -ENOMEM;
	q->cq = dma_alloc_coherent(&ctrl->dev,
				   nvme_ring_bytes(entries, sizeof(struct nvme_cqe)),
				   &q->cq_dma);
	if (!q->cq)
		goto free_sq;
	q->sq_db = (unsigned)nvme_sq_doorbell(qid, ctrl->dstrd);
	q->cq_db = (unsigned)nvme_cq_doorbell(qid, ctrl->dstrd);
	nvme_queue_reset(q);
	return 0;

free_sq:
	dma_free_coherent(&ctrl->dev, nvme_ring_bytes(entries, sizeof(struct nvme_sqe)),
			  q->sq, q->sq_dma);
	q->sq = NULL;
	return -ENOMEM;
}

static void nvme_free_queue(struct nvme_ctrl *ctrl, struct nvme_queue *q)
{
	dma_free_coherent(&ctrl->dev, nvme_ring_bytes(q->entries, sizeof(struct nvme_cqe)),
			  q->cq, q->cq_dma);
	dma_free_coherent(&ctrl->dev, nvme_ring_bytes(q->entries, sizeof(struct nvme_sqe)),
			  q->sq, q->sq_dma);
	q->cq = NULL;
	q->sq = NULL;
}

static bool nvme_sq_full(const struct nvme_queue *q)
{
	return (u16)((q->sq_tail + 1) % q->entries) == q->sq_head;
}

/* Copy cmd into the SQ with cid and ring the tail doorbell. IRQs off. */
static void nvme_submit_cmd(struct nvme_queue *q, const struct nvme_sqe *cmd,
			    u16 cid)
{
	struct nvme_sqe *slot = &q->sq[q->sq_tail];

	*slot = *cmd;
	nvme_sqe_set_cid(slot, cid);
	if (++q->sq_tail == q->entries)
		q->sq_tail = 0;
	/* the entry is written before the doorbell: nvme_write4() orders it */
	nvme_write4(q->ctrl, q->sq_db, q->sq_tail);
	q->submitted++;
}

/* The next new CQE, or NULL. IRQs off. */
static struct nvme_cqe *nvme_next_cqe(struct nvme_queue *q)
{
	struct nvme_cqe *cqe = &q->cq[q->cq_head];

	if ((READ_ONCE(cqe->status) & NVME_CQE_PHASE) != q->cq_phase)
		return NULL;
	barrier();
	return cqe;
}

static void nvme_cq_advance(struct nvme_queue *q)
{
	if (++q->cq_head == q->entries) {
		q->cq_head = 0;
		q->cq_phase ^= 1;
	}
}

/* ---- admin commands ---- */

/* After an abort that did not take, the reset waits this long (at most a
 * timeout) for the command to finish on its own. */
#define NVME_RESET_GRACE_NS	1000000000ULL

/* Reap the admin CQ. Under admin_lock. */
static void nvme_process_admin_cq(struct nvme_ctrl *ctrl)
{
	struct nvme_queue *aq = &ctrl->adminq;
	struct nvme_cqe *cqe;
	bool any = false;

	while ((cqe = nvme_next_cqe(aq)) != NULL) {
		u16 cid = cqe->cid;

		aq->sq_head = cqe->sqhd;
		if (cid < NVME_ADMIN_DEPTH && ctrl->admin_slots[cid].busy &&
		    !ctrl->admin_slots[cid].done) {
			struct nvme_admin_slot *s = &ctrl->admin_slots[cid];

			s->status = cqe->status & ~(u16)NVME_CQE_PHASE;
			s->dw0 = cqe->dw0;
			s->done = true;
			if (s->done_fn) {
				s->done_fn(ctrl, s);
				s->busy = false;
			}
		} else {
			aq->spurious++;
			pr_warn("%s: admin completion for idle cid %u ignored\n",
				ctrl->name, cid);
		}
		aq->completed++;
		nvme_cq_advance(aq);
		any = true;
	}
	if (any)
		nvme_write4(ctrl, aq->cq_db, aq->cq_head);
}

/* A free admin slot (its index is the cid), or NULL. Under admin_lock. */
static struct nvme_admin_slot *nvme_admin_slot_get(struct nvme_ctrl *ctrl)
{
	for (unsigned i = 0; i < NVME_ADMIN_DEPTH; i++) {
		struct nvme_admin_slot *s = &ctrl->admin_slots[i];

		if (!s->busy) {
			memset(s, 0, sizeof(*s));
			s->busy = true;
			return s;
		}
	}
	return NULL;
}

/* An admin command that gave up waiting: free its slot when it completes. */
static void nvme_admin_orphan_done(struct nvme_ctrl *ctrl,
				   struct nvme_admin_slot *s)
{
}

/*
 * Run one admin command and wait for it by polling the admin CQ, bounded by
 * timeout_ns. Returns 0, -errno from the status (logged), -ETIMEDOUT, or
 * -EIO after an earlier timeout. A command that timed out may still be
 * carried out and write its data buffer (ctrl->scratch for Identify), so
 * from then on no admin command is sent until a reset has disabled the
 * controller (nvme_bring_up() clears ctrl->admin_timed_out; the timer
 * schedules that reset for a live controller). Context: any; interrupts
 * are enabled between polls when they were on entry.
 */
static int nvme_admin_sync_to(struct nvme_ctrl *ctrl, struct nvme_sqe *cmd,
			      u32 *dw0, u64 timeout_ns)
{
	struct nvme_queue *aq = &ctrl->adminq;
	struct nvme_admin_slot *s;
	unsigned long flags;
	u64 deadline;
	u16 status;
	int err;

	lock_assert_none_held("waiting for an NVMe admin command");
	flags = spin_lock_irqsave(&ctrl->admin_lock);
	if (ctrl->admin_timed_out) {
		spin_unlock_irqrestore(&ctrl->admin_lock, flags);
		return -EIO;
	}
	s = nvme_admin_slot_get(ctrl);
	if (!s || nvme_sq_full(aq)) {
		if (s)
			s->busy = false;
		spin_unlock_irqrestore(&ctrl->admin_lock, flags);
		return -EBUSY;
	}
	nvme_submit_cmd(aq, cmd, (u16)(s - ctrl->admin_slots));
	spin_unlock_irqrestore(&ctrl->admin_lock, flags);
	deadline = ktime_ns() + timeout_ns;
	for (;;) {
		flags = spin_lock_irqsave(&ctrl->admin_lock);
		nvme_process_admin_cq(ctrl);
		if (s->done)
			break;
		if (ktime_ns() > deadline) {
			s->done_fn = nvme_admin_orphan_done;
			ctrl->admin_timed_out = true;
			spin_unlock_irqrestore(&ctrl->admin_lock, flags);
			pr_err("%s: %s timed out: no admin commands until the controller is reset\n",
			       ctrl->name,
			       nvme_op_name((u8)FIELD_GET(NVME_CDW0_OPC, cmd->cdw0), true));
			return -ETIMEDOUT;
		}
		spin_unlock_irqrestore(&ctrl->admin_lock, flags);
		cpu_relax();
	}
	status = s->status;
	if (dw0)
		*dw0 = s->dw0;
	s->busy = false;
	spin_unlock_irqrestore(&ctrl->admin_lock, flags);
	err = nvme_cqe_errno(status);
	if (err)
		nvme_log_status(ctrl, cmd, true, status, err);
	return err;
}

static int nvme_admin_sync(struct nvme_ctrl *ctrl, struct nvme_sqe *cmd,
			   u32 *dw0)
{
	return nvme_admin_sync_to(ctrl, cmd, dw0, ctrl->timeout_ns);
}

static int nvme_identify(struct nvme_ctrl *ctrl, u8 cns, u32 nsid)
{
	struct nvme_sqe cmd;

	nvme_cmd_identify(&cmd, cns, nsid);
	nvme_sqe_set_prps(&cmd, ctrl->scratch_dma, 0);
	memset(ctrl->scratch, 0, NVME_IDENTIFY_DATA_SIZE);
	return nvme_admin_sync(ctrl, &cmd, NULL);
}

/* ---- I/O queues ---- */

static int nvme_create_io_queue(struct nvme_ctrl *ctrl, struct nvme_queue *q)
{
	struct nvme_sqe cmd;
	int err;

	nvme_queue_reset(q);
	err = nvme_cmd_create_cq(&cmd, q->qid, q->entries, q->cq_dma,
				 q->polled ? -1 : q->irq_entry);
	if (!err)
		err = nvme_admin_sync(ctrl, &cmd, NULL);
	if (err)
		return err;
	err = nvme_cmd_create_sq(&cmd, q->qid, q->entries, q->sq_dma, q->qid);
	if (!err)
		err = nvme_admin_sync(ctrl, &cmd, NULL);
	if (err) {
		nvme_cmd_delete_queue(&cmd, false, q->qid);
		nvme_admin_sync(ctrl, &cmd, NULL);
		return err;
	}
	q->live = true;
	return 0;
}

static unsigned nvme_nr_io_queues(const struct nvme_ctrl *ctrl)
{
	return ctrl->nr_irq_queues + ctrl->nr_poll_queues;
}

static int nvme_create_io_queues(struct nvme_ctrl *ctrl)
{
	for (unsigned i = 0; i < nvme_nr_io_queues(ctrl); i++) {
		int err = nvme_create_io_queue(ctrl, &ctrl->ioq[i]);

		if (err) {
			pr_err("%s: cannot create I/O queue %u: -%s\n", ctrl->name,
			       ctrl->ioq[i].qid, errno_name(err));
			return err;
		}
	}
	return 0;
}

/* ---- the per-queue pools (allocated at attach; no allocation on I/O) ---- */

static bool nvme_pool_get(struct nvme_queue *q, struct nvme_iod *iod,
			  unsigned n)
{
	if (n > NVME_MAX_LIST_PAGES || n > q->nr_pool_free)
		return false;
	for (unsigned i = 0; i < n; i++)
		iod->pages[i] = q->pool_free[--q->nr_pool_free];
	iod->nr_pages = (u8)n;
	return true;
}

static void nvme_pool_put(struct nvme_queue *q, struct nvme_iod *iod)
{
	for (unsigned i = 0; i < iod->nr_pages; i++)
		q->pool_free[q->nr_pool_free++] = iod->pages[i];
	iod->nr_pages = 0;
}

static void *nvme_pool_va(struct nvme_queue *q, u16 idx)
{
	return (u8 *)q->pool + (size_t)idx * NVME_PAGE_SIZE;
}

static dma_addr_t nvme_pool_dma(struct nvme_queue *q, u16 idx)
{
	return q->pool_dma + (dma_addr_t)idx * NVME_PAGE_SIZE;
}

/* Give back everything a request holds (mapping, pages, big table). */
static void nvme_iod_release(struct nvme_ctrl *ctrl, struct nvme_queue *q,
			     struct nvme_iod *iod)
{
	unsigned long flags;

	if (iod->nents) {
		dma_unmap_sg(&ctrl->dev, iod->sg, iod->nents, iod->dir);
		iod->nents = 0;
	}
	flags = local_irq_save();
	nvme_pool_put(q, iod);
	if (iod->big >= 0) {
		q->big_free |= (u8)BIT(iod->big);
		iod->big = -1;
	}
	local_irq_restore(flags);
}

/* ---- the request path ---- */

/* Submit cmd for rq under a new generation of its tag. IRQs off. */
static void nvme_submit_iod(struct nvme_queue *q, struct request *rq,
			    struct nvme_iod *iod, const struct nvme_sqe *cmd)
{
	iod->gen = (u8)nvme_cid_next_gen(iod->gen);
	iod->cid = nvme_cid_make(rq->tag, iod->gen);
	nvme_submit_cmd(q, cmd, iod->cid);
}

static int nvme_map_data(struct nvme_ctrl *ctrl, struct nvme_queue *q,
			 struct request *rq, struct nvme_iod *iod)
{
	unsigned long flags;
	unsigned nsegs = rq->nr_phys_segments, need;
	u64 *lists[NVME_MAX_LIST_PAGES];
	struct nvme_sgl_desc *segs[NVME_MAX_LIST_PAGES];
	dma_addr_t dmas[NVME_MAX_LIST_PAGES];
	u64 prp1, prp2;
	int n, err;
	bool sgl = ctrl->sgl;

	if (nsegs <= NVME_INLINE_SG) {
		iod->sg = iod->inline_sg;
	} else {
		flags = local_irq_save();
		if (!q->big_free || nsegs > q->big_ents) {
			local_irq_restore(flags);
			return nsegs > q->big_ents ? -EINVAL : -EBUSY;
		}
		iod->big = __builtin_ctz(q->big_free);
		q->big_free &= (u8)~BIT(iod->big);
		local_irq_restore(flags);
		iod->sg = q->big_sg[iod->big];
	}
	sg_init_table(iod->sg, nsegs ? nsegs : 1);
	n = blk_rq_map_sg(rq, iod->sg);
	iod->dir = req_op(rq) == REQ_OP_WRITE ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
	err = __dma_map_sg(&ctrl->dev, iod->sg, n, iod->dir);
	if (err == -ENOMEM) {
		/*
		 * The bounce pool is full, and it is every device's: its slots
		 * come back with someone's unmap, not necessarily a completion
		 * of this queue. Have that unmap run the queue, then look once
		 * more (slots freed before the waiter was queued wake nobody).
		 */
		dma_pool_wait(&q->bounce_wait);
		err = __dma_map_sg(&ctrl->dev, iod->sg, n, iod->dir);
	}
	if (err < 0)
		return err == -ENOMEM ? -EAGAIN : err;
	iod->nents = n;

again:
	if (sgl) {
		need = nvme_sgl_seg_pages((unsigned)n);
	} else {
		need = nvme_prp_list_pages(nvme_prp_count(sg_dma_address(iod->sg),
							  blk_rq_bytes(rq)));
	}
	flags = local_irq_save();
	if (!nvme_pool_get(q, iod, need)) {
		local_irq_restore(flags);
		return need > NVME_MAX_LIST_PAGES ? -EINVAL : -EBUSY;
	}
	local_irq_restore(flags);
	for (unsigned i = 0; i < need; i++) {
		lists[i] = nvme_pool_va(q, iod->pages[i]);
		segs[i] = nvme_pool_va(q, iod->pages[i]);
		dmas[i] = nvme_pool_dma(q, iod->pages[i]);
	}
	if (sgl) {
		struct nvme_sgl_desc sgl1;

		err = nvme_build_sgl(iod->sg, n, blk_rq_bytes(rq), segs, dmas,
				     need, &sgl1);
		if (!err)
			nvme_sqe_set_sgl(&iod->cmd, &sgl1);
	} else {
		err = nvme_build_prps(iod->sg, n, blk_rq_bytes(rq), lists, dmas,
				      need, &prp1, &prp2);
		if (!err)
			nvme_sqe_set_prps(&iod->cmd, prp1, prp2);
		if (err == -EINVAL && FIELD_GET(NVME_SGLS_SUPPORT, ctrl->id->sgls)) {
			/* a layout PRPs cannot say (a bounced split vec): SGL */
			flags = local_irq_save();
			nvme_pool_put(q, iod);
			local_irq_restore(flags);
			sgl = true;
			goto again;
		}
	}
	if (err)
		pr_err("%s: cannot describe a %u-byte transfer in %d segments: -%s\n",
		       ctrl->name, blk_rq_bytes(rq), n, errno_name(err));
	return err;
}

static int __nvme_queue_rq(struct blk_mq_hw_ctx *hctx, struct request *rq)
{
	struct nvme_queue *q = hctx->driver_data;
	struct nvme_ctrl *ctrl = q->ctrl;
	struct nvme_ns *ns = rq->disk->private_data;
	struct nvme_iod *iod = blk_mq_rq_to_pdu(rq);
	unsigned shift = ns->geom.lba_shift;
	u64 slba = blk_rq_pos(rq) >> (shift - SECTOR_SHIFT);
	u32 nlb = blk_rq_bytes(rq) >> shift;
	enum req_op op = req_op(rq);
	unsigned long flags;
	int err = 0;

	if (ctrl->state == NVME_CTRL_DEAD)
		return -EIO;
	if (ctrl->state != NVME_CTRL_LIVE) {
		/* a reset is running (only an interrupt handler or a completion
		 * submits then); it runs every queue when it ends */
		q->busy++;
		return -EAGAIN;
	}
	iod->big = -1;
	iod->nents = 0;
	iod->nr_pages = 0;
	iod->timed_out = false;
	iod->abort_failed = false;
	switch (op) {
	case REQ_OP_READ:
	case REQ_OP_WRITE:
		err = nvme_cmd_rw(&iod->cmd, op == REQ_OP_WRITE, ns->nsid, slba,
				  nlb, op == REQ_OP_WRITE && (rq->cmd_flags & REQ_FUA));
		if (!err)
			err = nvme_map_data(ctrl, q, rq, iod);
		break;
	case REQ_OP_FLUSH:
		nvme_cmd_flush(&iod->cmd, ns->nsid);
		break;
	case REQ_OP_WRITE_ZEROES:
		err = nvme_cmd_write_zeroes(&iod->cmd, ns->nsid, slba, nlb, false,
					    rq->cmd_flags & REQ_FUA);
		break;
	case REQ_OP_DISCARD:
		flags = local_irq_save();
		if (!nvme_pool_get(q, iod, 1))
			err = -EBUSY;
		local_irq_restore(flags);
		if (!err) {
			err = nvme_cmd_dsm_deallocate(&iod->cmd, ns->nsid,
						      nvme_pool_va(q, iod->pages[0]),
						      NVME_DSM_MAX_RANGES, slba, nlb);
			if (err > 0) {
				nvme_sqe_set_prps(&iod->cmd,
						  nvme_pool_dma(q, iod->pages[0]), 0);
				err = 0;
			}
		}
		break;
	default:
		err = -EOPNOTSUPP;
	}
	if (err)
		goto release;

	flags = local_irq_save();
	if (ctrl->state != NVME_CTRL_LIVE || nvme_sq_full(q)) {
		local_irq_restore(flags);
		err = -EBUSY;
		q->busy++;
		goto release;
	}
	iod->seq = q->seq++;
	iod->deadline_ns = ktime_ns() + ctrl->timeout_ns;
	iod->submitted = true;
	q->inflight++;
	nvme_submit_iod(q, rq, iod, &iod->cmd);
	local_irq_restore(flags);
	return 0;

release:
	nvme_iod_release(ctrl, q, iod);
	return err;
}

static int nvme_queue_rq(struct blk_mq_hw_ctx *hctx, struct request *rq)
{
	struct nvme_iod *iod = blk_mq_rq_to_pdu(rq);

	iod->retries = 0;
	return __nvme_queue_rq(hctx, rq);
}

/*
 * End a request the controller has given back: nvme_process_cq() already
 * took it back (iod->submitted false, q->inflight dropped) with interrupts
 * off; here its mapping is released and it completes with err.
 */
static void nvme_end_request(struct nvme_queue *q, struct request *rq,
			     u16 status, int err)
{
	struct nvme_ctrl *ctrl = q->ctrl;
	struct nvme_iod *iod = blk_mq_rq_to_pdu(rq);

	nvme_iod_release(ctrl, q, iod);
	if (err) {
		if (iod->timed_out)
			err = -EIO;
		nvme_log_status(ctrl, &iod->cmd, false, status, err);
	}
	blk_mq_complete_request(rq, err);
}

#define NVME_CQ_BATCH	32

/*
 * Reap an I/O CQ; returns completions. Any context (interrupt handler,
 * ops->poll, the timeout timer). Everything that decides who owns a
 * command happens with interrupts off: a request is taken back from the
 * controller (iod->submitted, q->inflight) in the same section that
 * consumes the CQE, so the timer, which may run once interrupts are on
 * again, never finds a reaped command outstanding.
 * Only releasing the mappings and completing the bio happen after.
 */
static int nvme_process_cq(struct nvme_queue *q)
{
	struct request *rqs[NVME_CQ_BATCH];
	u16 status[NVME_CQ_BATCH];
	int errs[NVME_CQ_BATCH];
	struct nvme_cqe *cqe;
	unsigned long flags;
	int total = 0;
	unsigned n;

	do {
		bool consumed = false;

		n = 0;
		flags = local_irq_save();
		if (!q->live) {
			local_irq_restore(flags);
			break;
		}
		while (n < NVME_CQ_BATCH && (cqe = nvme_next_cqe(q)) != NULL) {
			u16 cid = cqe->cid;
			u16 st = cqe->status & ~(u16)NVME_CQE_PHASE;
			struct request *rq = blk_mq_tag_to_rq(q->hctx, nvme_cid_tag(cid));
			struct nvme_iod *iod;
			int err;

			q->sq_head = cqe->sqhd;
			q->completed++;
			nvme_cq_advance(q);
			consumed = true;
			iod = rq ? blk_mq_rq_to_pdu(rq) : NULL;
			if (!iod || !iod->submitted || iod->cid != cid) {
				q->spurious++;
				if (iod && iod->submitted) {
					q->stale++;
					pr_warn("%s: stale completion for cid 0x%x on queue %u ignored (tag %u is at generation %u)\n",
						q->ctrl->name, cid, q->qid,
						nvme_cid_tag(cid), iod->gen);
				} else {
					pr_warn("%s: completion for idle cid 0x%x on queue %u ignored\n",
						q->ctrl->name, cid, q->qid);
				}
				continue;
			}
			err = nvme_cqe_errno(st);
			if (iod->seq < q->max_done_seq) {
				q->reordered++;
			} else {
				q->max_done_seq = iod->seq;
			}
			iod->submitted = false;
			q->inflight--;
			rqs[n] = rq;
			status[n] = st;
			errs[n++] = err;
		}
		/*
		 * Every consumed entry is given back to the controller (NVMe
		 * base spec 1.4, 4.1: the CQ head doorbell frees the slots),
		 * also those that end no request (a stale or idle cid): else
		 * a short CQ fills and the controller stops posting
		 * completions.
		 */
		if (consumed)
			nvme_write4(q->ctrl, q->cq_db, q->cq_head);
		local_irq_restore(flags);
		for (unsigned i = 0; i < n; i++)
			nvme_end_request(q, rqs[i], status[i], errs[i]);
		total += (int)n;
	} while (n == NVME_CQ_BATCH);
	return total;
}

void nvme_irq(struct pt_regs *regs, void *arg)
{
	struct nvme_queue *q = arg;

	q->interrupts++;
	nvme_process_cq(q);
}

static int nvme_poll(struct blk_mq_hw_ctx *hctx)
{
	/* a polling waiter never halts: run what the timer deferred here */
	work_run_pending();
	return nvme_process_cq(hctx->driver_data);
}

static const struct blk_mq_ops nvme_mq_ops = {
	.queue_rq = nvme_queue_rq,
	.poll = nvme_poll,
};

/* Bounce slots came back (dma_pool_wait): retry what this queue parked. */
static void nvme_bounce_wake(struct dma_pool_waiter *w)
{
	struct nvme_queue *q = container_of(w, struct nvme_queue, bounce_wait);

	blk_mq_run_hw_queue(q->hctx);
}

/* ---- timeouts, abort, reset ---- */

/* The I/O request behind cid on q if that very command (same generation)
 * is still with the controller, else NULL. IRQs off. */
static struct nvme_iod *nvme_held_iod(struct nvme_queue *q, u16 cid)
{
	struct request *rq = blk_mq_tag_to_rq(q->hctx, nvme_cid_tag(cid));
	struct nvme_iod *iod = rq ? blk_mq_rq_to_pdu(rq) : NULL;

	return iod && iod->submitted && iod->cid == cid ? iod : NULL;
}

static void nvme_abort_done(struct nvme_ctrl *ctrl, struct nvme_admin_slot *s)
{
	int err = nvme_cqe_errno(s->status);
	struct nvme_iod *iod;

	if (ctrl->aborts_outstanding)
		ctrl->aborts_outstanding--;
	if (!err && !(s->dw0 & NVME_ABORT_NOT_ABORTED)) {
		pr_warn("%s: abort of cid 0x%x on queue %u: aborted\n", ctrl->name,
			s->abort_cid, s->abort_q->qid);
		return;
	}
	iod = nvme_held_iod(s->abort_q, s->abort_cid);
	if (!iod || !iod->timed_out) {
		pr_warn("%s: abort of cid 0x%x on queue %u: %s, but the command has completed: no reset\n",
			ctrl->name, s->abort_cid, s->abort_q->qid,
			err ? "abort command failed" : "not aborted by the controller");
		return;
	}
	iod->abort_failed = true;
	if (!ctrl->reset_at_ns)
		ctrl->reset_at_ns = ktime_ns() + min_t(u64, NVME_RESET_GRACE_NS,
						       ctrl->timeout_ns);
	pr_warn("%s: abort of cid 0x%x on queue %u: %s; controller reset in %llu ms unless it completes\n",
		ctrl->name, s->abort_cid, s->abort_q->qid,
		err ? "abort command failed" : "not aborted by the controller",
		(unsigned long long)((ctrl->reset_at_ns - ktime_ns()) / 1000000));
}

static bool nvme_send_abort(struct nvme_ctrl *ctrl, struct nvme_queue *q,
			    u16 cid)
{
	struct nvme_admin_slot *s;
	struct nvme_sqe cmd;
	unsigned long flags;
	bool sent = false;

	flags = spin_lock_irqsave(&ctrl->admin_lock);
	if (ctrl->admin_timed_out || nvme_sq_full(&ctrl->adminq))
		goto out;
	s = nvme_admin_slot_get(ctrl);
	if (!s)
		goto out;
	s->done_fn = nvme_abort_done;
	s->abort_q = q;
	s->abort_cid = cid;
	s->deadline_ns = ktime_ns() + ctrl->timeout_ns;
	nvme_cmd_abort(&cmd, q->qid, cid);
	nvme_submit_cmd(&ctrl->adminq, &cmd, (u16)(s - ctrl->admin_slots));
	ctrl->aborts++;
	ctrl->aborts_outstanding++;
	sent = true;
out:
	spin_unlock_irqrestore(&ctrl->admin_lock, flags);
	return sent;
}

static const char *nvme_iod_op(const struct nvme_iod *iod)
{
	return nvme_op_name((u8)FIELD_GET(NVME_CDW0_OPC, iod->cmd.cdw0), false);
}

/*
 * Look at one queue's commands against their deadlines: a late one gets an
 * Abort (at most ctrl->abort_limit outstanding, Identify ACL; the others
 * wait for the next tick), one already aborted and late again means a
 * reset. The queue's CQ is reaped first when something is late, so a
 * polled command whose submitter stopped polling is completed, not
 * aborted. Returns why a reset is needed, or NULL. IRQs off.
 */
static const char *nvme_check_queue(struct nvme_ctrl *ctrl,
				    struct nvme_queue *q, u64 now)
{
	bool reaped = false;

	for (u32 tag = 0; tag < q->hctx->depth && q->inflight; tag++) {
		struct request *rq = blk_mq_tag_to_rq(q->hctx, tag);
		struct nvme_iod *iod = rq ? blk_mq_rq_to_pdu(rq) : NULL;

		if (!iod || !iod->submitted || now <= iod->deadline_ns)
			continue;
		if (!reaped) {
			reaped = true;
			nvme_process_cq(q);
			if (!q->live)
				return NULL;
			if (!iod->submitted || now <= iod->deadline_ns)
				continue;
		}
		if (iod->timed_out) {
			pr_err("%s: %s cid 0x%x on queue %u: no completion after abort\n",
			       ctrl->name, nvme_iod_op(iod), iod->cid, q->qid);
			return "command not completed after abort";
		}
		if (ctrl->aborts_outstanding >= ctrl->abort_limit)
			continue;
		iod->timed_out = true;
		ctrl->timeouts++;
		iod->deadline_ns = now + ctrl->timeout_ns;
		pr_err("%s: %s cid 0x%x on queue %u (LBA %llu) timed out after %llu ms: aborting\n",
		       ctrl->name, nvme_iod_op(iod), iod->cid, q->qid,
		       (unsigned long long)(iod->cmd.cdw10 | ((u64)iod->cmd.cdw11 << 32)),
		       (unsigned long long)(ctrl->timeout_ns / 1000000));
		if (!nvme_send_abort(ctrl, q, iod->cid))
			return "cannot send abort";
	}
	return NULL;
}

/* Is a command whose Abort did not take still with the controller? */
static bool nvme_abort_failed_held(struct nvme_ctrl *ctrl)
{
	for (unsigned i = 0; i < nvme_nr_io_queues(ctrl); i++) {
		struct nvme_queue *q = &ctrl->ioq[i];

		for (u32 tag = 0; tag < q->hctx->depth && q->inflight; tag++) {
			struct request *rq = blk_mq_tag_to_rq(q->hctx, tag);
			struct nvme_iod *iod = rq ? blk_mq_rq_to_pdu(rq) : NULL;

			if (iod && iod->submitted && iod->timed_out &&
			    iod->abort_failed) {
				pr_err("%s: %s cid 0x%x on queue %u still outstanding after its abort failed\n",
				       ctrl->name, nvme_iod_op(iod), iod->cid, q->qid);
				return true;
			}
		}
	}
	return false;
}

/* Check every command in flight against its deadline. IRQs off (timer). */
static void nvme_check_timeouts(struct nvme_ctrl *ctrl)
{
	u64 now = ktime_ns();
	const char *why = NULL;
	unsigned long flags;

	flags = spin_lock_irqsave(&ctrl->admin_lock);
	if (ctrl->admin_timed_out)
		why = "an admin command timed out";
	nvme_process_admin_cq(ctrl);
	for (unsigned i = 0; i < NVME_ADMIN_DEPTH && !why; i++) {
		struct nvme_admin_slot *s = &ctrl->admin_slots[i];

		if (s->busy && s->done_fn == nvme_abort_done && now > s->deadline_ns)
			why = "abort command timed out";
	}
	spin_unlock_irqrestore(&ctrl->admin_lock, flags);
	for (unsigned i = 0; i < nvme_nr_io_queues(ctrl) && !why; i++)
		why = nvme_check_queue(ctrl, &ctrl->ioq[i], now);
	if (!why && ctrl->reset_at_ns && now >= ctrl->reset_at_ns) {
		ctrl->reset_at_ns = 0;
		if (nvme_abort_failed_held(ctrl))
			why = "a timed-out command was not aborted";
		else
			pr_warn("%s: the commands whose abort failed have completed: no reset\n",
				ctrl->name);
	}
	if (why)
		nvme_schedule_reset(ctrl, why);
}

bool nvme_schedule_reset(struct nvme_ctrl *ctrl, const char *why)
{
	unsigned long flags = spin_lock_irqsave(&ctrl->state_lock);
	bool ok = ctrl->state == NVME_CTRL_LIVE && !ctrl->reset_why;

	if (ok) {
		ctrl->reset_why = why;
		work_queue(&ctrl->reset_work);
	}
	spin_unlock_irqrestore(&ctrl->state_lock, flags);
	return ok;
}

/* The tick: checks only; a reset it asks for runs in process context. */
static void nvme_timer_fn(struct timer *t, void *arg)
{
	struct nvme_ctrl *ctrl = arg;
	u64 period = min_t(u64, ctrl->timeout_ns / 4, 1000000000ULL);

	if (ctrl->state == NVME_CTRL_LIVE && !ctrl->reset_why)
		nvme_check_timeouts(ctrl);
	if (ctrl->state != NVME_CTRL_DEAD && ctrl->timer_armed)
		timer_add(t, ktime_ns() + max_t(u64, period, 50000000ULL),
			  nvme_timer_fn, ctrl);
}

static int nvme_set_queue_count(struct nvme_ctrl *ctrl, unsigned want,
				unsigned *got)
{
	struct nvme_sqe cmd;
	u32 dw0 = 0;
	int err;

	err = nvme_cmd_set_num_queues(&cmd, want, want);
	if (!err)
		err = nvme_admin_sync(ctrl, &cmd, &dw0);
	if (err)
		return err;
	*got = (unsigned)min(FIELD_GET(NVME_NUMQ_NSQ, dw0),
			     FIELD_GET(NVME_NUMQ_NCQ, dw0)) + 1;
	return 0;
}

/* Enable the controller with its admin queue and rebuild the I/O queues. */
static int nvme_bring_up(struct nvme_ctrl *ctrl)
{
	unsigned long flags;
	unsigned got;
	int err;

	/* the controller is disabled: nothing it was given can still DMA */
	flags = spin_lock_irqsave(&ctrl->admin_lock);
	memset(ctrl->admin_slots, 0, sizeof(ctrl->admin_slots));
	ctrl->reset_at_ns = 0;
	ctrl->aborts_outstanding = 0;
	ctrl->admin_timed_out = false;
	nvme_queue_reset(&ctrl->adminq);
	ctrl->adminq.live = true;
	spin_unlock_irqrestore(&ctrl->admin_lock, flags);
	err = nvme_enable(ctrl);
	if (err)
		return err;
	err = nvme_set_queue_count(ctrl, nvme_nr_io_queues(ctrl), &got);
	if (err)
		return err;
	if (got < nvme_nr_io_queues(ctrl))
		return -ENOSPC;
	return nvme_create_io_queues(ctrl);
}

/* After a reset: dispatch what the block layer parked or got back. */
static void nvme_run_queues(struct nvme_ctrl *ctrl)
{
	for (unsigned i = 0; i < nvme_nr_io_queues(ctrl); i++)
		blk_mq_run_hw_queue(ctrl->ioq[i].hctx);
}

/*
 * The controller did not disable: CSTS.RDY still 1 after CAP.TO, or the
 * registers read all ones. It may still be working on every command it was
 * given and read or write their buffers, their bounce slots and their
 * PRP/SGL list pages at any moment. It is marked dead, and before anything
 * on pending completes, the bus glue turns its bus mastering off
 * (ops->stop_dma); nothing else keeps it from a direct mapping's buffer,
 * which goes back to its owner with the error.
 *
 * When bus mastering reads back off, the controller can reach no memory
 * any more (pci_clear_master() says why the read back is enough), so the
 * commands give back what they hold as after a disable: mappings unmapped,
 * list pages to the queue's pool. When it cannot be made certain (no such
 * op, or it still reads on, as a function gone from the bus does), nothing
 * they hold goes back: their DMA mappings are abandoned, never unmapped
 * (dma_abandon_sg(): the bounce slots stay taken, and a mapping that would
 * need them fails instead of waiting), and their list pages never return to
 * the pool. That memory is leaked on purpose, for good; handing it to the
 * next I/O would let the controller write into someone else's data. Either
 * way the
 * commands fail with -EIO, and later I/O fails with -EIO before it touches
 * anything.
 */
static void nvme_ctrl_dead(struct nvme_ctrl *ctrl, struct request *pending,
			   int err)
{
	unsigned long flags;
	unsigned n = 0, maps = 0, pages = 0;
	int stop;

	flags = spin_lock_irqsave(&ctrl->state_lock);
	ctrl->state = NVME_CTRL_DEAD;
	ctrl->reset_why = NULL;
	spin_unlock_irqrestore(&ctrl->state_lock, flags);
	stop = ctrl->ops->stop_dma ? ctrl->ops->stop_dma(ctrl) : -EOPNOTSUPP;
	for (struct request *rq = pending; rq; rq = rq->next) {
		struct nvme_iod *iod = blk_mq_rq_to_pdu(rq);

		n++;
		maps += (unsigned)iod->nents;
		pages += iod->nr_pages;
		if (!stop) {
			nvme_iod_release(ctrl, rq->mq_hctx->driver_data, iod);
		} else if (iod->nents) {
			/* the DMA layer stops counting these slots as capacity */
			dma_abandon_sg(&ctrl->dev, iod->sg, iod->nents, iod->dir);
			iod->nents = 0;
		}
	}
	if (!stop)
		pr_err("%s: controller did not disable (-%s): marked dead, bus mastering off; %u commands fail with -EIO, their %u DMA mappings and %u list pages go back\n",
		       ctrl->name, errno_name(err), n, maps, pages);
	else
		pr_err("%s: controller did not disable (-%s) and its bus mastering cannot be turned off (-%s): marked dead; %u commands fail with -EIO, their %u DMA mappings and %u list pages stay out of the pools\n",
		       ctrl->name, errno_name(err), errno_name(stop), n, maps, pages);
	while (pending) {
		struct request *rq = pending;

		pending = rq->next;
		blk_mq_complete_request(rq, -EIO);
	}
	nvme_run_queues(ctrl);		/* what was parked fails too */
}

/*
 * The reset, in process context (reset_work, queued by the timer through
 * nvme_schedule_reset()): the queues stop being reaped, the controller is
 * disabled (CAP.TO), every command it held is taken back; the timed-out
 * ones and those already retried fail with -EIO, the others are submitted
 * again once the queues are back. A controller that does not disable is
 * dead and keeps what it held (nvme_ctrl_dead()). Interrupts stay enabled
 * except around the short sections that change queue state.
 */
static void nvme_reset(struct nvme_ctrl *ctrl, const char *why)
{
	struct request *pending = NULL, **tail = &pending;
	unsigned long flags;
	int err;

	flags = spin_lock_irqsave(&ctrl->state_lock);
	if (ctrl->state != NVME_CTRL_LIVE) {
		ctrl->reset_why = NULL;
		spin_unlock_irqrestore(&ctrl->state_lock, flags);
		return;
	}
	ctrl->state = NVME_CTRL_RESETTING;
	ctrl->resets++;
	for (unsigned i = 0; i < nvme_nr_io_queues(ctrl); i++)
		ctrl->ioq[i].live = false;
	spin_unlock_irqrestore(&ctrl->state_lock, flags);
	pr_err("%s: resetting controller: %s\n", ctrl->name, why);
	err = nvme_disable(ctrl);
	flags = local_irq_save();
	for (unsigned i = 0; i < nvme_nr_io_queues(ctrl); i++) {
		struct nvme_queue *q = &ctrl->ioq[i];

		for (u32 tag = 0; tag < q->hctx->depth; tag++) {
			struct request *rq = blk_mq_tag_to_rq(q->hctx, tag);
			struct nvme_iod *iod = rq ? blk_mq_rq_to_pdu(rq) : NULL;

			if (!iod || !iod->submitted)
				continue;
			iod->submitted = false;
			q->inflight--;
			rq->next = NULL;
			*tail = rq;
			tail = &rq->next;
		}
	}
	local_irq_restore(flags);
	if (err) {
		nvme_ctrl_dead(ctrl, pending, err);
		return;
	}
	/* disabled: nothing it was given can still DMA */
	for (struct request *rq = pending; rq; rq = rq->next)
		nvme_iod_release(ctrl, rq->mq_hctx->driver_data,
				 blk_mq_rq_to_pdu(rq));
	err = nvme_bring_up(ctrl);
	if (err && nvme_disable(ctrl))
		pr_err("%s: nor does it disable after the failed bring-up: only admin memory was given to it since\n",
		       ctrl->name);
	flags = spin_lock_irqsave(&ctrl->state_lock);
	ctrl->state = err ? NVME_CTRL_DEAD : NVME_CTRL_LIVE;
	ctrl->reset_why = NULL;
	spin_unlock_irqrestore(&ctrl->state_lock, flags);
	if (err)
		pr_err("%s: reset failed: -%s; controller is dead, its I/O fails\n",
		       ctrl->name, errno_name(err));
	else
		pr_info("%s: reset done, queues rebuilt\n", ctrl->name);
	while (pending) {
		struct request *rq = pending;
		struct nvme_iod *iod = blk_mq_rq_to_pdu(rq);
		const char *op = nvme_iod_op(iod);

		pending = rq->next;
		if (ctrl->state == NVME_CTRL_LIVE && !iod->timed_out &&
		    iod->retries == 0) {
			iod->retries = 1;
			ctrl->retries++;
			err = __nvme_queue_rq(rq->mq_hctx, rq);
			if (!err) {
				pr_warn("%s: %s cid %u resubmitted after reset\n",
					ctrl->name, op, rq->tag);
				continue;
			}
			if (err == -EAGAIN || err == -EBUSY) {
				/*
				 * A transient shortage, not an error of the I/O:
				 * other devices took the bounce slots the reset
				 * gave back, say. The block layer keeps it and
				 * dispatches it as a new request when the queue
				 * runs (the pool's waiter, a completion, or below).
				 */
				pr_warn("%s: %s cid %u requeued after reset (-%s just now)\n",
					ctrl->name, op, rq->tag, errno_name(err));
				blk_mq_requeue_request(rq);
				continue;
			}
		}
		pr_err("%s: %s cid %u failed by the reset -> -EIO\n", ctrl->name,
		       op, rq->tag);
		blk_mq_complete_request(rq, -EIO);
	}
	nvme_run_queues(ctrl);
}

static void nvme_reset_work(struct work *w)
{
	struct nvme_ctrl *ctrl = container_of(w, struct nvme_ctrl, reset_work);
	const char *why = READ_ONCE(ctrl->reset_why);

	if (why)
		nvme_reset(ctrl, why);
}

/* ---- shutdown (7.6.2) ---- */

/* At most this long for each Delete I/O Queue command at shutdown. */
#define NVME_SHUTDOWN_CMD_NS	2000000000ULL

/*
 * Delete the I/O queues before CC.SHN (7.6.2, step 1: delete all I/O
 * submission queues, then the completion queues), each command bounded;
 * a failure stops the deletions, the shutdown notification follows anyway.
 */
static void nvme_delete_io_queues(struct nvme_ctrl *ctrl)
{
	u64 tmo = min_t(u64, ctrl->timeout_ns, NVME_SHUTDOWN_CMD_NS);
	unsigned n = nvme_nr_io_queues(ctrl);
	struct nvme_sqe cmd;
	int err = 0;

	for (unsigned i = 0; i < n; i++)
		ctrl->ioq[i].live = false;
	for (int sq = 1; sq >= 0 && !err; sq--) {
		for (unsigned i = 0; i < n && !err; i++) {
			nvme_cmd_delete_queue(&cmd, sq, ctrl->ioq[i].qid);
			err = nvme_admin_sync_to(ctrl, &cmd, NULL, tmo);
		}
	}
	if (err)
		pr_err("%s: deleting the I/O queues failed: -%s\n", ctrl->name,
		       errno_name(err));
	else
		pr_info("%s: %u I/O submission and completion queues deleted\n",
			ctrl->name, n);
}

static void nvme_shutdown_ctrl(struct nvme_ctrl *ctrl)
{
	u64 deadline;
	u32 cc;

	ctrl->timer_armed = false;
	timer_del(&ctrl->timer);
	if (ctrl->state != NVME_CTRL_LIVE)
		return;
	nvme_delete_io_queues(ctrl);
	cc = nvme_read4(ctrl, NVME_REG_CC);
	cc = (cc & ~(u32)NVME_CC_SHN) |
	     (u32)FIELD_PREP(NVME_CC_SHN, NVME_CC_SHN_NORMAL);
	nvme_write4(ctrl, NVME_REG_CC, cc);
	deadline = ktime_ns() + max_t(u64, ctrl->ready_timeout_ms, 5000) * 1000000ULL;
	for (;;) {
		u32 csts = nvme_read4(ctrl, NVME_REG_CSTS);

		if (FIELD_GET(NVME_CSTS_SHST, csts) == NVME_CSTS_SHST_CMPLT) {
			pr_info("%s: shutdown complete\n", ctrl->name);
			break;
		}
		if (csts == 0xffffffffU || ktime_ns() > deadline) {
			pr_err("%s: shutdown did not complete (CSTS 0x%x)\n",
			       ctrl->name, csts);
			break;
		}
		udelay(100);
	}
	ctrl->state = NVME_CTRL_DEAD;
}

static void nvme_shutdown_all(void)
{
	unsigned long flags = local_irq_save();

	for (unsigned i = 0; i < nvme_nr_ctrls; i++)
		nvme_shutdown_ctrl(nvme_ctrls[i]);
	local_irq_restore(flags);
}

static struct shutdown_hook nvme_shutdown_hook = {
	.name = "nvme",
	.fn = nvme_shutdown_all,
};

/* ---- attach ---- */

static void nvme_read_params(struct nvme_ctrl *ctrl, unsigned *depth,
			     unsigned *poll, int *sgl, unsigned *mask_bits)
{
	u64 t = kernel_param_u64("nvme.timeout", NVME_DEFAULT_TIMEOUT_S);

	*depth = (unsigned)kernel_param_u64("nvme.io_queue_depth",
					    NVME_DEFAULT_IO_DEPTH);
	*poll = (unsigned)kernel_param_u64("nvme.poll_queues", 1);
	*sgl = kernel_param("nvme.sgl") ? (int)kernel_param_bool("nvme.sgl", false) : -1;
	*mask_bits = (unsigned)kernel_param_u64("nvme.dma_mask", 64);
	ctrl->max_xfer = kernel_param_u64("nvme.max_xfer", NVME_MAX_XFER);
	if (!t || t > 3600) {
		pr_warn("%s: nvme.timeout=%llu out of 1..3600 s, using %u\n",
			ctrl->name, (unsigned long long)t, NVME_DEFAULT_TIMEOUT_S);
		t = NVME_DEFAULT_TIMEOUT_S;
	}
	ctrl->timeout_ns = t * 1000000000ULL;
	if (*poll > NVME_MAX_POLL_QUEUES) {
		pr_warn("%s: nvme.poll_queues=%u above %u\n", ctrl->name, *poll,
			NVME_MAX_POLL_QUEUES);
		*poll = NVME_MAX_POLL_QUEUES;
	}
	if (*depth < 2)
		*depth = 2;
	if (*mask_bits < 24 || *mask_bits > 64)
		*mask_bits = 64;
	if (ctrl->max_xfer < NVME_PAGE_SIZE || ctrl->max_xfer > NVME_MAX_XFER)
		ctrl->max_xfer = NVME_MAX_XFER;
}

#define NVME_POOL_BYTES	(NVME_POOL_PAGES * NVME_PAGE_SIZE)

/*
 * I/O queue i: its rings, list-page pool and big scatterlist tables of
 * max_segs entries, and for an interrupt-driven queue its MSI-X entry.
 * nvme_free_io_queue() undoes it.
 */
static int nvme_alloc_io_queue(struct nvme_ctrl *ctrl, unsigned i, unsigned max_segs)
{
	struct nvme_queue *q = &ctrl->ioq[i];
	unsigned b;
	int err;

	err = nvme_alloc_queue(ctrl, q, (u16)(i + 1), ctrl->io_entries);
	if (err)
		return err;
	q->polled = i >= ctrl->nr_irq_queues;
	q->hctx = &ctrl->set.hctxs[i];
	q->hctx->driver_data = q;
	q->bounce_wait.fn = nvme_bounce_wake;
	q->pool = dma_alloc_coherent(&ctrl->dev, NVME_POOL_BYTES, &q->pool_dma);
	if (!q->pool) {
		err = -ENOMEM;
		goto free_queue;
	}
	for (unsigned p = 0; p < NVME_POOL_PAGES; p++)
		q->pool_free[p] = (u16)p;
	q->nr_pool_free = NVME_POOL_PAGES;
	q->big_ents = max_segs;
	for (b = 0; b < NVME_BIG_SG_TABLES; b++) {
		q->big_sg[b] = kzalloc_boot(max_segs * sizeof(struct scatterlist));
		if (!q->big_sg[b]) {
			err = -ENOMEM;
			goto free_big_sg;
		}
	}
	q->big_free = (u8)(BIT(NVME_BIG_SG_TABLES) - 1);
	if (!q->polled) {
		unsigned nirq = ctrl->ops->nr_irqs ? ctrl->ops->nr_irqs(ctrl) : 0;

		if (!nirq) {
			pr_err("%s: no MSI-X vectors\n", ctrl->name);
			err = -ENODEV;
			goto free_big_sg;
		}
		/* entry 0 belongs to the admin CQ; I/O from entry 1 */
		q->irq_entry = (int)(nirq > i + 1 ? i + 1 : 0);
		err = ctrl->ops->request_irq(ctrl, (unsigned)q->irq_entry, nvme_irq, q);
		if (err) {
			pr_err("%s: MSI-X entry %d: -%s\n", ctrl->name,
			       q->irq_entry, errno_name(err));
			goto free_big_sg;
		}
	}
	return 0;

free_big_sg:
	while (b-- > 0) {
		kfree_boot(q->big_sg[b], max_segs * sizeof(struct scatterlist));
		q->big_sg[b] = NULL;
	}
	dma_free_coherent(&ctrl->dev, NVME_POOL_BYTES, q->pool, q->pool_dma);
	q->pool = NULL;
free_queue:
	nvme_free_queue(ctrl, q);
	return err;
}

static void nvme_free_io_queue(struct nvme_ctrl *ctrl, struct nvme_queue *q)
{
	if (!q->polled)
		ctrl->ops->free_irq(ctrl, (unsigned)q->irq_entry);
	for (unsigned b = NVME_BIG_SG_TABLES; b-- > 0;) {
		kfree_boot(q->big_sg[b], q->big_ents * sizeof(struct scatterlist));
		q->big_sg[b] = NULL;
	}
	dma_free_coherent(&ctrl->dev, NVME_POOL_BYTES, q->pool, q->pool_dma);
	q->pool = NULL;
	nvme_free_queue(ctrl, q);
}

/* The tag set and every I/O queue; nvme_free_io_queues() undoes it. */
static int nvme_alloc_io_queues(struct nvme_ctrl *ctrl)
{
	unsigned max_segs = (unsigned)(ctrl->max_xfer / NVME_PAGE_SIZE) + 1;
	unsigned i;
	int err;

	ctrl->set.ops = &nvme_mq_ops;
	ctrl->set.nr_hw_queues = ctrl->nr_irq_queues;
	ctrl->set.nr_poll_queues = ctrl->nr_poll_queues;
	ctrl->set.queue_depth = ctrl->io_entries - 1;	/* a full SQ keeps one free */
	ctrl->set.cmd_size = sizeof(struct nvme_iod);
	ctrl->set.driver_data = ctrl;
	err = blk_mq_alloc_tag_set(&ctrl->set);
	if (err)
		return err;
	for (i = 0; i < nvme_nr_io_queues(ctrl); i++) {
		err = nvme_alloc_io_queue(ctrl, i, max_segs);
		if (err)
			goto free_queues;
	}
	return 0;

free_queues:
	while (i-- > 0)
		nvme_free_io_queue(ctrl, &ctrl->ioq[i]);
	blk_mq_free_tag_set(&ctrl->set);
	return err;
}

static void nvme_free_io_queues(struct nvme_ctrl *ctrl)
{
	for (unsigned i = nvme_nr_io_queues(ctrl); i-- > 0;)
		nvme_free_io_queue(ctrl, &ctrl->ioq[i]);
	blk_mq_free_tag_set(&ctrl->set);
}

/*
 * Queue limits. A device whose mappings may bounce (swiotlb=force, or a
 * DMA mask below the top of memory) gets at most one segment per bounce
 * pool segment (dma_max_bounce_segments()), each at most a bounce long: a
 * command then always fits the pool once other I/O gives its slots back,
 * and the block layer splits a bigger one instead of the command waiting
 * for slots that cannot exist (swiotlb=256k is one 256 KiB segment, and a
 * 512 KiB command would be three bounces).
 */
static void nvme_set_limits(struct nvme_ctrl *ctrl, struct nvme_ns *ns)
{
	struct queue_limits *lim = &ns->disk.limits;
	size_t dma_max = dma_max_mapping_size(&ctrl->dev);
	u64 max_bytes = min_t(u64, ctrl->max_xfer, (u64)NVME_MAX_NLB << ns->geom.lba_shift);
	unsigned bounce_segs = 0;

	blk_set_default_limits(lim);
	lim->logical_block_size = ns->lbs;
	lim->physical_block_size = ns->lbs;
	lim->max_segment_size = (u32)min_t(u64, ALIGN_DOWN((u64)dma_max, (u64)NVME_PAGE_SIZE),
					   max_bytes);
	if (lim->max_segment_size < NVME_PAGE_SIZE)
		lim->max_segment_size = NVME_PAGE_SIZE;
	lim->max_segments = (u32)(max_bytes / NVME_PAGE_SIZE) + 1;
	if (dma_may_bounce(&ctrl->dev))
		bounce_segs = dma_max_bounce_segments(&ctrl->dev);
	if (bounce_segs && bounce_segs < lim->max_segments) {
		lim->max_segments = bounce_segs;
		max_bytes = min_t(u64, max_bytes,
				  ALIGN_DOWN((u64)bounce_segs * lim->max_segment_size,
					     (u64)ns->lbs));
	}
	lim->max_hw_sectors = (u32)(max_bytes >> SECTOR_SHIFT);
	lim->seg_boundary_mask = ~0ULL;
	lim->virt_boundary_mask = NVME_PAGE_SIZE - 1;
	lim->dma_alignment = 3;			/* PRP offsets are dword aligned */
	if (ctrl->id->oncs & NVME_ONCS_WRITE_ZEROES)
		lim->max_write_zeroes_sectors =
			(u32)(((u64)NVME_MAX_NLB << ns->geom.lba_shift) >> SECTOR_SHIFT);
	if (ctrl->id->oncs & NVME_ONCS_DSM)
		lim->max_discard_sectors = 1U << 22;	/* 2 GiB: one range */
	if (ctrl->vwc)
		lim->features |= BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA;
	if (kernel_param_bool("nvme.poll", false))
		lim->features |= BLK_FEAT_POLL_DEFAULT;	/* nvme.poll=1 */
}

static int nvme_add_ns(struct nvme_ctrl *ctrl, u32 nsid)
{
	struct nvme_ns *ns;
	int err;

	if (ctrl->nr_ns >= NVME_MAX_NS) {
		pr_warn("%s: namespace %u ignored (at most %u)\n", ctrl->name, nsid,
			NVME_MAX_NS);
		return -ENOSPC;
	}
	err = nvme_identify(ctrl, NVME_CNS_NS, nsid);
	if (err)
		return err;
	ns = &ctrl->ns[ctrl->nr_ns];
	memset(ns, 0, sizeof(*ns));
	err = nvme_ns_decode(ctrl->scratch, &ns->geom);
	if (err) {
		pr_warn("%s: namespace %u not usable (LBA format %u, %u-byte blocks, %u metadata bytes): -%s\n",
			ctrl->name, nsid, ns->geom.lba_format,
			ns->geom.lba_shift < 32 ? 1U << ns->geom.lba_shift : 0,
			ns->geom.ms, errno_name(err));
		return err;
	}
	ns->ctrl = ctrl;
	ns->nsid = nsid;
	ns->lbs = 1U << ns->geom.lba_shift;
	snprintf(ns->disk.disk_name, DISK_NAME_LEN, "%sn%u", ctrl->name, nsid);
	ns->disk.driver = "nvme";
	ns->disk.capacity = ns->geom.nsze << (ns->geom.lba_shift - SECTOR_SHIFT);
	ns->disk.tag_set = &ctrl->set;
	ns->disk.private_data = ns;
	nvme_set_limits(ctrl, ns);
	err = blk_register_disk(&ns->disk);
	if (err)
		return err;
	ns->registered = true;
	ctrl->nr_ns++;
	pr_info("%s: namespace %u: %llu blocks of %u bytes (LBA format %u), max %u KiB per command\n",
		ns->disk.disk_name, nsid, (unsigned long long)ns->geom.nsze, ns->lbs,
		ns->geom.lba_format, ns->disk.limits.max_hw_sectors / 2);
	return 0;
}

static int nvme_scan_namespaces(struct nvme_ctrl *ctrl)
{
	static u32 nsids[NVME_MAX_NS];
	unsigned n;
	int err;

	err = nvme_identify(ctrl, NVME_CNS_NS_ACTIVE_LIST, 0);
	if (!err) {
		n = nvme_ns_list_decode(ctrl->scratch, NVME_NS_LIST_ENTRIES, nsids,
					NVME_MAX_NS);
	} else {
		/* before 1.1 there is no list: try 1..NN */
		n = min_t(u32, ctrl->id->nn, NVME_MAX_NS);
		for (unsigned i = 0; i < n; i++)
			nsids[i] = i + 1;
	}
	for (unsigned i = 0; i < n; i++)
		nvme_add_ns(ctrl, nsids[i]);
	if (!ctrl->nr_ns)
		pr_warn("%s: no usable namespace\n", ctrl->name);
	return 0;
}

int nvme_ctrl_attach(struct nvme_ctrl *ctrl)
{
	unsigned depth, poll, mask_bits, got, want;
	struct nvme_id_ctrl *id;
	int sgl, err, derr;

	nvme_read_params(ctrl, &depth, &poll, &sgl, &mask_bits);
	work_init(&ctrl->reset_work, nvme_reset_work);
	spin_lock_init(&ctrl->admin_lock, "nvme admin_lock");
	spin_lock_init(&ctrl->state_lock, "nvme state_lock");
	ctrl->cap = nvme_read8(ctrl, NVME_REG_CAP);
	ctrl->vs = nvme_read4(ctrl, NVME_REG_VS);
	if (ctrl->cap == ~0ULL) {
		pr_err("%s: registers read all ones\n", ctrl->name);
		return -ENODEV;
	}
	ctrl->dstrd = (unsigned)FIELD_GET(NVME_CAP_DSTRD, ctrl->cap);
	ctrl->ready_timeout_ms = nvme_cap_timeout_ms(ctrl->cap);
	if (!(FIELD_GET(NVME_CAP_CSS, ctrl->cap) & NVME_CAP_CSS_NVM) ||
	    FIELD_GET(NVME_CAP_MPSMIN, ctrl->cap) != 0) {
		pr_err("%s: no NVM command set or no 4 KiB pages (CAP 0x%llx)\n",
		       ctrl->name, (unsigned long long)ctrl->cap);
		return -ENODEV;
	}
	ctrl->nr_irq_queues = NVME_MAX_CPUS;
	ctrl->nr_poll_queues = poll;
	if (nvme_sq_doorbell(nvme_nr_io_queues(ctrl) + 1, ctrl->dstrd) > ctrl->regs_size) {
		pr_err("%s: BAR0 too small for the doorbells\n", ctrl->name);
		return -ENODEV;
	}
	ctrl->dev.name = ctrl->name;
	ctrl->dev.dma_min_align_mask = NVME_PAGE_SIZE - 1;
	dma_set_mask_and_coherent(&ctrl->dev, DMA_BIT_MASK(mask_bits));
	if (mask_bits < 64)
		pr_info("%s: DMA mask limited to %u bits\n", ctrl->name, mask_bits);

	ctrl->scratch = dma_alloc_coherent(&ctrl->dev, PAGE_SIZE, &ctrl->scratch_dma);
	if (!ctrl->scratch)
		return -ENOMEM;
	ctrl->id = dma_alloc_coherent(&ctrl->dev, PAGE_SIZE, &ctrl->id_dma);
	if (!ctrl->id) {
		err = -ENOMEM;
		goto free_scratch;
	}
	err = nvme_alloc_queue(ctrl, &ctrl->adminq, 0, NVME_ADMIN_DEPTH);
	if (err)
		goto free_id;
	/* enabled before us (a firmware driver): nothing of ours is given yet */
	err = nvme_disable(ctrl);
	if (err)
		goto free_adminq;
	memset(ctrl->admin_slots, 0, sizeof(ctrl->admin_slots));
	ctrl->adminq.live = true;
	err = nvme_enable(ctrl);
	if (err)
		goto disable;

	err = nvme_identify(ctrl, NVME_CNS_CTRL, 0);
	if (err)
		goto disable;
	memcpy(ctrl->id, ctrl->scratch, sizeof(*ctrl->id));
	id = ctrl->id;
	nvme_id_string(ctrl->sn, sizeof(ctrl->sn), id->sn, sizeof(id->sn));
	nvme_id_string(ctrl->mn, sizeof(ctrl->mn), id->mn, sizeof(id->mn));
	nvme_id_string(ctrl->fr, sizeof(ctrl->fr), id->fr, sizeof(id->fr));
	if (nvme_mdts_bytes(id->mdts, ctrl->cap))
		ctrl->max_xfer = min_t(u64, ctrl->max_xfer,
				       nvme_mdts_bytes(id->mdts, ctrl->cap));
	ctrl->vwc = id->vwc & NVME_VWC_PRESENT;
	/* ACL is 0's based; keep admin slots for the resets' own commands */
	ctrl->abort_limit = min_t(unsigned, id->acl + 1U, NVME_ADMIN_DEPTH / 2);
	ctrl->sgl = sgl == 1 && FIELD_GET(NVME_SGLS_SUPPORT, id->sgls) != 0;
	if (sgl == 1 && !ctrl->sgl)
		pr_warn("%s: nvme.sgl=1 but the controller has no SGL support: PRPs\n",
			ctrl->name);

	want = nvme_nr_io_queues(ctrl);
	err = nvme_set_queue_count(ctrl, want, &got);
	if (err)
		goto disable;
	if (got < want) {
		if (got <= ctrl->nr_irq_queues) {
			pr_err("%s: controller grants %u I/O queues\n", ctrl->name, got);
			err = -ENOSPC;
			goto disable;
		}
		ctrl->nr_poll_queues = got - ctrl->nr_irq_queues;
	}
	ctrl->io_entries = (unsigned)min_t(u64, depth,
					   FIELD_GET(NVME_CAP_MQES, ctrl->cap) + 1);
	ctrl->io_entries = min_t(unsigned, ctrl->io_entries, 4096);
	err = nvme_alloc_io_queues(ctrl);
	if (err)
		goto disable;
	err = nvme_create_io_queues(ctrl);
	if (err)
		goto free_io_queues;

	pr_info("%s: %s (SN %s, FR %s), NVMe %u.%u, %u+%u I/O queues of %u, max %llu KiB per command%s%s\n",
		ctrl->name, ctrl->mn, ctrl->sn, ctrl->fr,
		(unsigned)FIELD_GET(NVME_VS_MJR, ctrl->vs),
		(unsigned)FIELD_GET(NVME_VS_MNR, ctrl->vs), ctrl->nr_irq_queues,
		ctrl->nr_poll_queues, ctrl->io_entries,
		(unsigned long long)(ctrl->max_xfer >> 10),
		ctrl->sgl ? ", SGLs" : "", ctrl->vwc ? ", volatile write cache" : "");
	ctrl->state = NVME_CTRL_LIVE;
	if (nvme_nr_ctrls < NVME_MAX_CTRLS)
		nvme_ctrls[nvme_nr_ctrls++] = ctrl;
	if (nvme_nr_ctrls == 1)
		shutdown_hook_register(&nvme_shutdown_hook);
	ctrl->timer_armed = true;
	timer_add(&ctrl->timer, ktime_ns() + 100000000ULL, nvme_timer_fn, ctrl);
	nvme_scan_namespaces(ctrl);
	return 0;

	/*
	 * One label per resource, in reverse (OpenBSD nvme_attach). The I/O
	 * queues a failed nvme_create_io_queues() left on the controller were
	 * never rung: it neither fetches from their SQs nor posts to their
	 * CQs, so their memory may go before the disable deletes them. What
	 * the admin queue carried may still be under way (a command that timed
	 * out): a controller that does not disable keeps the admin rings and
	 * the page Identify writes into, for good (as nvme_ctrl_dead()).
	 */
free_io_queues:
	nvme_free_io_queues(ctrl);
disable:
	derr = nvme_disable(ctrl);
	if (derr) {
		pr_err("%s: the controller does not disable (-%s): its admin queues, scratch and Identify pages stay allocated\n",
		       ctrl->name, errno_name(derr));
		return err;
	}
free_adminq:
	nvme_free_queue(ctrl, &ctrl->adminq);
free_id:
	dma_free_coherent(&ctrl->dev, PAGE_SIZE, ctrl->id, ctrl->id_dma);
	ctrl->id = NULL;
free_scratch:
	dma_free_coherent(&ctrl->dev, PAGE_SIZE, ctrl->scratch, ctrl->scratch_dma);
	ctrl->scratch = NULL;
	return err;
}
