/*
 * nvme_fake.c - a fake NVMe controller behind the register accessors, and
 * the kernel services drivers/nvme/nvme.c needs, for host unit tests
 * (see nvme_fake.h for what it models and how a test drives it).
 */
#include <stdio.h>
#include <stdlib.h>
#include "../../block/dma_internal.h"
#include "apic.h"
#include "block_host.h"
#include "cmdline.h"
#include "errno.h"
#include "exit.h"
#include "ktest.h"
#include "lib.h"
#include "mm.h"
#include "nvme_fake.h"
#include "smp.h"
#include "smp_host.h"
#include "time.h"
#include "work.h"

#define FAKE_BAR_SIZE	16384
#define FAKE_LBA_SHIFT	9
#define FAKE_CAP_TO	2		/* CAP.TO: 2 x 500 ms */
#define FAKE_MQES	1023

static struct nvme_fake *fake_active;
static unsigned kzalloc_live;

/* Does this setup allocation fail (nvme_fake_faults.fail_alloc)? */
static bool fake_alloc_fails(void)
{
	struct nvme_fake *f = fake_active;

	return f && f->faults.fail_alloc && ++f->allocs == f->faults.fail_alloc;
}

/* ------------------------------------------------------------ host memory */

static struct {
	void *va;
	unsigned order;
} frames[512];

pfn_t pfn_alloc(unsigned order, unsigned flags)
{
	size_t size = PAGE_SIZE << order;
	void *va = aligned_alloc(size, size);

	(void)flags;
	if (fake_alloc_fails()) {
		free(va);
		return PFN_T_NULL;
	}
	if (!va)
		return PFN_T_NULL;
	memset(va, 0, size);
	for (unsigned i = 0; i < ARRAY_SIZE(frames); i++)
		if (!frames[i].va) {
			frames[i].va = va;
			frames[i].order = order;
			return phys_to_pfn_t(virt_to_phys(va), 0);
		}
	free(va);
	ktest_fail(__FILE__, __LINE__, "fake frame table full");
	return PFN_T_NULL;
}

void pfn_free(pfn_t pfn, unsigned order)
{
	void *va = phys_to_virt(pfn_t_to_phys(pfn));

	for (unsigned i = 0; i < ARRAY_SIZE(frames); i++)
		if (frames[i].va == va) {
			if (frames[i].order != order)
				ktest_fail(__FILE__, __LINE__, "pfn_free order %u, allocated %u",
					   order, frames[i].order);
			free(va);
			frames[i].va = NULL;
			return;
		}
	ktest_fail(__FILE__, __LINE__, "pfn_free of a frame never allocated");
}

pfn_t nvme_fake_frames(unsigned order)
{
	return pfn_alloc(order, PFN_ALLOC_ZERO);
}

unsigned nvme_fake_frames_live(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(frames); i++)
		n += frames[i].va != NULL;
	return n;
}

bool nvme_fake_frame_live(const void *va)
{
	for (unsigned i = 0; i < ARRAY_SIZE(frames); i++)
		if (va && frames[i].va == va)
			return true;
	return false;
}

unsigned nvme_fake_kzalloc_live(void)
{
	return kzalloc_live;
}

void nvme_fake_free_all(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(frames); i++) {
		free(frames[i].va);
		frames[i].va = NULL;
	}
}

/* ------------------------------------------------------------ the DMA core's hooks */

static void *pool_chunk, *pool_meta;

void dma_plat_copy(phys_addr_t bounce, pfn_t pfn, unsigned long off,
		   size_t len, bool to_pool)
{
	u8 *pool = phys_to_virt(bounce);
	u8 *orig = (u8 *)phys_to_virt(pfn_t_to_phys(pfn)) + off;

	if (to_pool)
		memcpy(pool, orig, len);
	else
		memcpy(orig, pool, len);
}

/* The drivers' setup-time allocator (mm/frames.c in the kernel). */
void *kzalloc_boot(size_t size)
{
	void *p;

	if (fake_alloc_fails())
		return NULL;
	p = calloc(1, size);
	if (p)
		kzalloc_live++;
	return p;
}

void kfree_boot(void *p, size_t size)
{
	(void)size;
	if (p)
		kzalloc_live--;
	free(p);
}

/* The host's "memory" is all RAM: nothing for the platform to write back. */
u64 dma_plat_device_wrote(phys_addr_t phys, size_t len)
{
	(void)phys;
	(void)len;
	return 0;
}

const char *ksym_lookup(u64 addr, u64 *offset)
{
	*offset = 0;
	return NULL;
}

void nvme_fake_pool_setup(size_t bytes)
{
	phys_addr_t base;
	unsigned nslots = (unsigned)(bytes / DMA_SLOT_SIZE);

	nvme_fake_pool_teardown();
	pool_chunk = aligned_alloc(DMA_SEGMENT_SIZE, bytes);
	pool_meta = calloc(1, dma_pool_meta_size(nslots));
	if (!pool_chunk || !pool_meta)
		abort();
	memset(pool_chunk, 0xee, bytes);
	base = virt_to_phys(pool_chunk);
	dma_core_reset();
	if (dma_pool_setup(&base, 1, nslots, pool_meta))
		abort();
	dma_debug_enable(true);
}

void nvme_fake_pool_teardown(void)
{
	dma_debug_enable(false);
	dma_pool_teardown();
	dma_core_reset();
	free(pool_chunk);
	free(pool_meta);
	pool_chunk = pool_meta = NULL;
}

/* ------------------------------------------------------------ time, timers, work */

u64 nvme_fake_now_ns = 1000000000ULL;

u64 ktime_ns(void)
{
	nvme_fake_now_ns += 1000;
	if (fake_active)
		nvme_fake_run(fake_active);
	return nvme_fake_now_ns;
}

void udelay(u64 us)
{
	nvme_fake_now_ns += us * 1000;
	if (fake_active)
		nvme_fake_run(fake_active);
}

static struct timer *timers;

void timer_add(struct timer *t, u64 deadline_ns,
	       void (*fn)(struct timer *t, void *arg), void *arg)
{
	timer_del(t);
	t->deadline_ns = deadline_ns;
	t->fn = fn;
	t->arg = arg;
	t->pending = true;
	t->next = timers;
	timers = t;
}

bool timer_del(struct timer *t)
{
	for (struct timer **p = &timers; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			t->pending = false;
			return true;
		}
	return false;
}

static void run_timers_irq(void)
{
	struct timer *due = NULL, **p = &timers;

	while (*p) {
		struct timer *t = *p;

		if (t->deadline_ns <= nvme_fake_now_ns) {
			*p = t->next;
			t->pending = false;
			t->next = due;
			due = t;
		} else {
			p = &t->next;
		}
	}
	while (due) {
		struct timer *t = due;

		due = t->next;
		t->fn(t, t->arg);
	}
}

void nvme_fake_run_timers(void)
{
	host_blk_raise_irq(run_timers_irq);
}

static struct work *work_head;

bool work_queue(struct work *w)
{
	struct work **p;

	if (w->queued)
		return false;
	w->queued = true;
	w->next = NULL;
	for (p = &work_head; *p; p = &(*p)->next)
		;
	*p = w;
	return true;
}

bool work_pending(void)
{
	return work_head != NULL;
}

unsigned work_run_pending(void)
{
	static bool running;
	unsigned n = 0;

	/* as the kernel's: not in a handler, not with interrupts off, no nesting */
	if (!work_head || host_blk_in_irq || host_blk_irq_depth || running)
		return 0;
	running = true;
	while (work_head) {
		struct work *w = work_head;

		work_head = w->next;
		w->next = NULL;
		w->queued = false;
		w->fn(w);
		n++;
	}
	running = false;
	return n;
}

void shutdown_hook_register(struct shutdown_hook *h)
{
	(void)h;
}

/* ------------------------------------------------------------ kernel_param */

static struct {
	const char *key, *value;
} params[16];

void nvme_fake_set_param(const char *key, const char *value)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(params) && params[i].key; i++)
		if (!strcmp(params[i].key, key))
			break;
	if (i == ARRAY_SIZE(params))
		abort();
	params[i].key = key;
	params[i].value = value && *value ? value : NULL;
}

void nvme_fake_reset_params(void)
{
	memset(params, 0, sizeof(params));
	nvme_fake_set_param("nvme.timeout", "2");
	nvme_fake_set_param("nvme.io_queue_depth", "64");
}

const char *kernel_param(const char *key)
{
	for (unsigned i = 0; i < ARRAY_SIZE(params) && params[i].key; i++)
		if (!strcmp(params[i].key, key))
			return params[i].value;
	return NULL;
}

u64 kernel_param_u64(const char *key, u64 def)
{
	const char *s = kernel_param(key);
	u64 v;

	return s && !parse_size(s, &v) ? v : def;
}

bool kernel_param_bool(const char *key, bool def)
{
	const char *s = kernel_param(key);
	bool v;

	if (!s)
		return def;
	return !parse_bool(s, &v) ? v : def;
}

/* ------------------------------------------------------------ the register file */

static struct nvme_fake *fake_of(struct nvme_ctrl *ctrl)
{
	return container_of(ctrl, struct nvme_fake, ctrl);
}

static u64 fake_cap(void)
{
	return FIELD_PREP(NVME_CAP_MQES, FAKE_MQES) | NVME_CAP_CQR |
	       FIELD_PREP(NVME_CAP_TO, FAKE_CAP_TO) |
	       FIELD_PREP(NVME_CAP_CSS, NVME_CAP_CSS_NVM);
}

/* CC.EN 1->0 (or a controller-level reset): everything goes (3.1.6). */
static void fake_reset(struct nvme_fake *f)
{
	memset(f->sq, 0, sizeof(f->sq));
	memset(f->cq, 0, sizeof(f->cq));
	memset(f->db, 0, sizeof(f->db));
	f->nr_held = 0;
	f->csts = 0;
}

static void fake_enable(struct nvme_fake *f)
{
	f->enables++;
	f->sq[0] = (struct nvme_fake_sq){
		.live = true, .dma = f->asq,
		.entries = (u16)(FIELD_GET(NVME_AQA_ASQS, f->aqa) + 1),
	};
	f->cq[0] = (struct nvme_fake_cq){
		.live = true, .dma = f->acq, .phase = 1,
		.entries = (u16)(FIELD_GET(NVME_AQA_ACQS, f->aqa) + 1),
	};
	if (!f->faults.never_ready)
		f->csts |= NVME_CSTS_RDY;
	if (f->on_enable)
		f->on_enable(f);
}

static void fake_write_cc(struct nvme_fake *f, u32 v)
{
	u32 old = f->cc;

	f->cc = v;
	if (!(old & NVME_CC_EN) && (v & NVME_CC_EN)) {
		if (f->csts & NVME_CSTS_RDY) {
			/* 3.1.6: EN may be set only once RDY reads 0 */
			f->en_while_rdy++;
			return;
		}
		fake_enable(f);
	} else if ((old & NVME_CC_EN) && !(v & NVME_CC_EN)) {
		f->disables++;
		if (f->rdy_stuck)
			f->wedged = true;	/* fetches nothing new, keeps the rest */
		else
			fake_reset(f);
	}
	if (FIELD_GET(NVME_CC_SHN, v) != NVME_CC_SHN_NONE)
		f->csts = (f->csts & ~(u32)NVME_CSTS_SHST) |
			  (u32)FIELD_PREP(NVME_CSTS_SHST, NVME_CSTS_SHST_CMPLT);
}

u32 nvme_read4(struct nvme_ctrl *ctrl, unsigned off)
{
	struct nvme_fake *f = fake_of(ctrl);

	switch (off) {
	case NVME_REG_CAP: return (u32)fake_cap();
	case NVME_REG_CAP + 4: return (u32)(fake_cap() >> 32);
	case NVME_REG_VS: return 0x10400;
	case NVME_REG_CC: return f->cc;
	case NVME_REG_CSTS: return f->csts;
	case NVME_REG_AQA: return f->aqa;
	default:
		ktest_fail(__FILE__, __LINE__, "read of register 0x%x", off);
		return 0;
	}
}

u64 nvme_read8(struct nvme_ctrl *ctrl, unsigned off)
{
	return nvme_read4(ctrl, off) | ((u64)nvme_read4(ctrl, off + 4) << 32);
}

/* A doorbell (3.1.24, 3.1.25; the fake's CAP.DSTRD is 0: 4-byte stride). */
static bool fake_write_db(struct nvme_fake *f, unsigned off, u32 v)
{
	unsigned idx = (off - NVME_REG_DBS) / 4;

	if (off < NVME_REG_DBS || (off & 3) || idx / 2 >= NVME_FAKE_QUEUES)
		return false;
	f->db[idx / 2][idx % 2] = v;
	return true;
}

void nvme_write4(struct nvme_ctrl *ctrl, unsigned off, u32 v)
{
	struct nvme_fake *f = fake_of(ctrl);

	if (fake_write_db(f, off, v))
		return;
	switch (off) {
	case NVME_REG_CC: fake_write_cc(f, v); break;
	case NVME_REG_AQA: f->aqa = v; break;
	case NVME_REG_ASQ: f->asq = (f->asq & ~0xffffffffULL) | v; break;
	case NVME_REG_ASQ + 4: f->asq = (f->asq & 0xffffffffULL) | ((u64)v << 32); break;
	case NVME_REG_ACQ: f->acq = (f->acq & ~0xffffffffULL) | v; break;
	case NVME_REG_ACQ + 4: f->acq = (f->acq & 0xffffffffULL) | ((u64)v << 32); break;
	default:
		ktest_fail(__FILE__, __LINE__, "write of register 0x%x", off);
	}
}

void nvme_write8(struct nvme_ctrl *ctrl, unsigned off, u64 v)
{
	nvme_write4(ctrl, off, (u32)v);
	nvme_write4(ctrl, off + 4, (u32)(v >> 32));
}

/* ------------------------------------------------------------ the controller */

/* The SQ tail (cq false) or CQ head doorbell of queue qid, as last written
 * through nvme_write4(). */
static u32 fake_db(struct nvme_fake *f, u16 qid, bool cq)
{
	return f->db[qid][cq];
}

/* Nothing may reach the BAR memory but through the accessors above. */
static void fake_check_bar(struct nvme_fake *f)
{
	static const u8 zero[FAKE_BAR_SIZE];

	if (!memcmp(f->bar, zero, FAKE_BAR_SIZE))
		return;
	for (unsigned off = 0; off < FAKE_BAR_SIZE; off += 4) {
		u32 v;

		memcpy(&v, f->bar + off, sizeof(v));
		if (v) {
			ktest_fail(__FILE__, __LINE__,
				   "store of 0x%x to BAR0 offset 0x%x around nvme_write4()",
				   v, off);
			memset(f->bar, 0, FAKE_BAR_SIZE);
			return;
		}
	}
}

/* Post a completion on cq; false when the CQ is full (nothing posted). */
static bool fake_post(struct nvme_fake *f, u16 cqid, u16 sqid, u16 cid,
		      u16 status, u32 dw0)
{
	struct nvme_fake_cq *cq = &f->cq[cqid];
	struct nvme_cqe *e = (struct nvme_cqe *)phys_to_virt(cq->dma) + cq->tail;
	u32 head = fake_db(f, cqid, true);

	if (!f->bus_master) {
		f->dma_blocked++;
		return true;		/* the write never leaves the function */
	}
	if ((u16)((cq->tail + 1) % cq->entries) == head)
		return false;
	e->dw0 = dw0;
	e->dw1 = 0;
	e->sqhd = f->sq[sqid].head;
	e->sqid = sqid;
	e->cid = cid;
	e->status = (u16)(status | cq->phase);
	if (++cq->tail == cq->entries) {
		cq->tail = 0;
		cq->phase ^= 1;
	}
	if (cq->ien)
		cq->irq_pending = true;
	return true;
}

static u16 fake_status(unsigned sct, unsigned sc)
{
	return (u16)(FIELD_PREP(NVME_CQE_SCT, sct) | FIELD_PREP(NVME_CQE_SC, sc));
}

/* Move len bytes between the disk at byte pos and the command's PRPs. */
static void fake_xfer(struct nvme_fake *f, const struct nvme_sqe *c, u64 pos,
		      u32 len, bool write)
{
	u64 addr = c->dptr.prp.prp1;
	u64 *list = NULL;
	unsigned idx = 0;

	if (!f->bus_master) {
		f->dma_blocked++;
		return;
	}
	while (len) {
		u32 n = (u32)min_t(u64, len, NVME_PAGE_SIZE - (addr & (NVME_PAGE_SIZE - 1)));
		u8 *p = phys_to_virt(addr);

		if (write)
			memcpy(f->disk + pos, p, n);
		else
			memcpy(p, f->disk + pos, n);
		pos += n;
		len -= n;
		if (!len)
			break;
		if (!list && len <= NVME_PAGE_SIZE && addr == c->dptr.prp.prp1) {
			addr = c->dptr.prp.prp2;	/* PRP2 is the second page */
			continue;
		}
		if (!list)
			list = phys_to_virt(c->dptr.prp.prp2);
		if (idx == NVME_PRPS_PER_PAGE - 1 && len > NVME_PAGE_SIZE) {
			list = phys_to_virt(list[idx]);	/* chained list page */
			idx = 0;
		}
		addr = list[idx++];
	}
}

static u16 fake_io(struct nvme_fake *f, const struct nvme_sqe *c)
{
	u8 opc = (u8)FIELD_GET(NVME_CDW0_OPC, c->cdw0);
	u64 slba = c->cdw10 | ((u64)c->cdw11 << 32);
	u32 nlb = (u32)FIELD_GET(NVME_RW_NLB, c->cdw12) + 1;

	switch (opc) {
	case NVME_CMD_READ:
	case NVME_CMD_WRITE:
		if (c->nsid != 1)
			return fake_status(NVME_SCT_GENERIC, NVME_SC_INVALID_NS);
		if (slba + nlb > NVME_FAKE_BLOCKS)
			return fake_status(NVME_SCT_GENERIC, NVME_SC_LBA_RANGE);
		fake_xfer(f, c, slba << FAKE_LBA_SHIFT, nlb << FAKE_LBA_SHIFT,
			  opc == NVME_CMD_WRITE);
		return 0;
	case NVME_CMD_FLUSH:
		return 0;
	default:
		return fake_status(NVME_SCT_GENERIC, NVME_SC_INVALID_OPCODE);
	}
}

static void fake_identify(struct nvme_fake *f, const struct nvme_sqe *c)
{
	void *buf = phys_to_virt(c->dptr.prp.prp1);
	unsigned cns = (unsigned)FIELD_GET(NVME_IDENTIFY_CNS, c->cdw10);

	memset(buf, 0, NVME_IDENTIFY_DATA_SIZE);
	if (cns == NVME_CNS_CTRL) {
		struct nvme_id_ctrl *id = buf;

		id->vid = 0x1b36;
		memcpy(id->sn, "FAKE0001            ", sizeof(id->sn));
		memcpy(id->mn, "pfnos fake NVMe                         ", sizeof(id->mn));
		memcpy(id->fr, "1.0     ", sizeof(id->fr));
		id->mdts = 5;
		id->ver = 0x10400;
		id->acl = 3;
		id->sqes = 0x66;
		id->cqes = 0x44;
		id->nn = 1;
	} else if (cns == NVME_CNS_NS_ACTIVE_LIST) {
		((u32 *)buf)[0] = 1;
	} else if (cns == NVME_CNS_NS && c->nsid == 1) {
		struct nvme_id_ns *ns = buf;

		ns->nsze = ns->ncap = ns->nuse = NVME_FAKE_BLOCKS;
		ns->lbaf[0].lbads = FAKE_LBA_SHIFT;
	}
}

static u16 fake_admin(struct nvme_fake *f, const struct nvme_sqe *c, u32 *dw0)
{
	u8 opc = (u8)FIELD_GET(NVME_CDW0_OPC, c->cdw0);
	u16 qid = (u16)FIELD_GET(NVME_QUEUE_QID, c->cdw10);
	u16 qsize = (u16)(FIELD_GET(NVME_QUEUE_QSIZE, c->cdw10) + 1);

	if (++f->admin_cmds == f->faults.fail_admin)
		return fake_status(NVME_SCT_GENERIC, NVME_SC_INTERNAL);
	switch (opc) {
	case NVME_ADMIN_IDENTIFY:
		fake_identify(f, c);
		return 0;
	case NVME_ADMIN_SET_FEATURES:
		if (FIELD_GET(NVME_FEAT_FID, c->cdw10) != NVME_FEAT_NUM_QUEUES)
			return fake_status(NVME_SCT_GENERIC, NVME_SC_INVALID_FIELD);
		*dw0 = c->cdw11;	/* grant what was asked, up to max_queues */
		if (f->faults.max_queues &&
		    FIELD_GET(NVME_NUMQ_NSQ, *dw0) + 1 > f->faults.max_queues)
			*dw0 = (u32)(FIELD_PREP(NVME_NUMQ_NSQ, f->faults.max_queues - 1) |
				     FIELD_PREP(NVME_NUMQ_NCQ, f->faults.max_queues - 1));
		return 0;
	case NVME_ADMIN_CREATE_CQ:
		if (!qid || qid >= NVME_FAKE_QUEUES || f->cq[qid].live)
			return fake_status(NVME_SCT_CMD_SPECIFIC, NVME_SC_QID_INVALID);
		f->cq[qid] = (struct nvme_fake_cq){
			.live = true, .dma = c->dptr.prp.prp1, .entries = qsize,
			.phase = 1, .ien = (c->cdw11 & NVME_CQ_IEN) != 0,
			.vector = (u16)FIELD_GET(NVME_CQ_IV, c->cdw11),
		};
		return 0;
	case NVME_ADMIN_CREATE_SQ:
		if (!qid || qid >= NVME_FAKE_QUEUES || f->sq[qid].live ||
		    !f->cq[FIELD_GET(NVME_SQ_CQID, c->cdw11) % NVME_FAKE_QUEUES].live)
			return fake_status(NVME_SCT_CMD_SPECIFIC, NVME_SC_QID_INVALID);
		f->sq[qid] = (struct nvme_fake_sq){
			.live = true, .dma = c->dptr.prp.prp1, .entries = qsize,
			.cqid = (u16)FIELD_GET(NVME_SQ_CQID, c->cdw11),
		};
		return 0;
	case NVME_ADMIN_DELETE_SQ:
	case NVME_ADMIN_DELETE_CQ:
		if (!qid || qid >= NVME_FAKE_QUEUES)
			return fake_status(NVME_SCT_CMD_SPECIFIC, NVME_SC_QID_INVALID);
		if (opc == NVME_ADMIN_DELETE_SQ)
			f->sq[qid].live = false;
		else
			f->cq[qid].live = false;
		return 0;
	case NVME_ADMIN_ABORT:
		*dw0 = NVME_ABORT_NOT_ABORTED;
		return 0;
	default:
		return fake_status(NVME_SCT_GENERIC, NVME_SC_INVALID_OPCODE);
	}
}

void nvme_fake_run(struct nvme_fake *f)
{
	fake_check_bar(f);
	/* a controller that is not ready, or was told to disable, runs nothing */
	if (!(f->csts & NVME_CSTS_RDY) || !(f->cc & NVME_CC_EN) || f->wedged)
		return;
	if (!f->bus_master) {		/* it cannot even fetch a command */
		f->dma_blocked++;
		return;
	}
	for (u16 qid = 0; qid < NVME_FAKE_QUEUES; qid++) {
		struct nvme_fake_sq *sq = &f->sq[qid];

		while (sq->live && f->cq[sq->cqid].live &&
		       sq->head != fake_db(f, qid, false)) {
			struct nvme_sqe c = ((struct nvme_sqe *)phys_to_virt(sq->dma))[sq->head];
			u16 cid = (u16)FIELD_GET(NVME_CDW0_CID, c.cdw0);
			u16 status;
			u32 dw0 = 0;

			sq->head = (u16)((sq->head + 1) % sq->entries);
			if (qid == 0) {
				status = fake_admin(f, &c, &dw0);
			} else {
				f->io_cmds++;
				if (f->hold_io && f->nr_held < NVME_FAKE_HELD) {
					f->held[f->nr_held++] = (struct nvme_fake_cmd){ qid, c };
					continue;
				}
				status = fake_io(f, &c);
			}
			if (!fake_post(f, sq->cqid, qid, cid, status, dw0))
				ktest_fail(__FILE__, __LINE__, "fake CQ %u overflows", sq->cqid);
		}
	}
}

void nvme_fake_complete_held(struct nvme_fake *f)
{
	f->hold_io = false;
	for (unsigned i = 0; i < f->nr_held; i++) {
		struct nvme_fake_cmd *h = &f->held[i];

		fake_post(f, f->sq[h->sqid].cqid, h->sqid,
			  (u16)FIELD_GET(NVME_CDW0_CID, h->sqe.cdw0), fake_io(f, &h->sqe), 0);
	}
	f->nr_held = 0;
}

void nvme_fake_irq(void)
{
	struct nvme_fake *f = fake_active;

	if (!f)
		return;
	nvme_fake_run(f);
	for (unsigned i = 0; i < NVME_FAKE_QUEUES; i++) {
		struct nvme_fake_cq *cq = &f->cq[i];

		if (!cq->irq_pending)
			continue;
		cq->irq_pending = false;
		if (cq->vector < NVME_FAKE_MSIX && f->irq_fn[cq->vector]) {
			/* delivered to the CPU the entry is aimed at */
			unsigned self = host_smp_cpu;

			host_smp_cpu = f->irq_cpu[cq->vector];
			f->irq_fn[cq->vector](NULL, f->irq_arg[cq->vector]);
			host_smp_cpu = self;
		}
	}
}

/* ------------------------------------------------------------ bus ops, attach */

static int fake_request_irq(struct nvme_ctrl *ctrl, unsigned entry,
			    unsigned cpu,
			    void (*fn)(struct pt_regs *regs, void *arg), void *arg)
{
	struct nvme_fake *f = fake_of(ctrl);

	if (entry >= NVME_FAKE_MSIX)
		return -EINVAL;
	if (!cpu_online(cpu))
		return -ENODEV;
	if (f->faults.fail_irq)
		return -ENOSPC;
	f->irq_fn[entry] = fn;
	f->irq_arg[entry] = arg;
	f->irq_cpu[entry] = cpu;
	return 0;
}

static void fake_free_irq(struct nvme_ctrl *ctrl, unsigned entry)
{
	fake_of(ctrl)->irq_fn[entry] = NULL;
}

static unsigned fake_nr_irqs(struct nvme_ctrl *ctrl)
{
	return NVME_FAKE_MSIX;
}

/* Clear bus mastering and read it back, as pci_clear_master(). */
static int fake_stop_dma(struct nvme_ctrl *ctrl)
{
	struct nvme_fake *f = fake_of(ctrl);

	if (!f->bme_stuck)
		f->bus_master = false;
	return f->bus_master ? -EIO : 0;
}

static const struct nvme_bus_ops fake_bus_ops = {
	.request_irq = fake_request_irq,
	.free_irq = fake_free_irq,
	.nr_irqs = fake_nr_irqs,
	.stop_dma = fake_stop_dma,
};

int nvme_fake_attach(struct nvme_fake *f, const char *name)
{
	return nvme_fake_attach_faulty(f, name, NULL);
}

int nvme_fake_attach_faulty(struct nvme_fake *f, const char *name,
			    const struct nvme_fake_faults *faults)
{
	int err;

	memset(f, 0, sizeof(*f));
	if (faults) {
		f->faults = *faults;
		f->rdy_stuck = faults->rdy_stuck;
	}
	f->bar = aligned_alloc(PAGE_SIZE, FAKE_BAR_SIZE);
	f->disk = calloc(NVME_FAKE_BLOCKS, 1U << FAKE_LBA_SHIFT);
	if (!f->bar || !f->disk)
		abort();
	memset(f->bar, 0, FAKE_BAR_SIZE);
	strlcpy(f->ctrl.name, name, sizeof(f->ctrl.name));
	f->ctrl.regs = f->bar;
	f->ctrl.regs_size = FAKE_BAR_SIZE;
	f->ctrl.ops = &fake_bus_ops;
	f->ctrl.bus = f;
	f->bus_master = true;		/* the glue's pci_set_master() */
	fake_active = f;
	err = nvme_ctrl_attach(&f->ctrl);
	/* the attach's faults end with it */
	f->faults.fail_alloc = f->faults.fail_admin = 0;
	f->faults.fail_irq = false;
	return err;
}

void nvme_fake_detach(struct nvme_fake *f)
{
	struct nvme_ctrl *ctrl = &f->ctrl;

	timer_del(&ctrl->timer);
	for (unsigned i = 0; i < ctrl->nr_ns; i++)
		if (ctrl->ns[i].registered &&
		    blk_unregister_disk(&ctrl->ns[i].disk))
			ktest_fail(__FILE__, __LINE__, "%s: I/O still in flight at detach",
				   ctrl->ns[i].disk.disk_name);
	for (unsigned i = 0; i < ctrl->nr_irq_queues + ctrl->nr_poll_queues; i++) {
		struct nvme_queue *q = &ctrl->ioq[i];

		for (unsigned b = 0; b < NVME_BIG_SG_TABLES; b++)
			kfree_boot(q->big_sg[b], q->big_ents * sizeof(struct scatterlist));
	}
	if (ctrl->set.hctxs) {
		/* tags a dead controller's commands held were freed with them */
		blk_mq_free_tag_set(&ctrl->set);
	}
	nvme_nr_ctrls = 0;
	fake_active = NULL;
	free(f->bar);
	free(f->disk);
	f->bar = NULL;
	f->disk = NULL;
}
