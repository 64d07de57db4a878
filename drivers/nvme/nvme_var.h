/*
 * nvme_var.h - the NVMe driver's software state (after OpenBSD nvmevar.h):
 * controllers, queues, the per-request data behind each block request, the
 * bus glue interface, and the pure helpers (command encoding, PRP/SGL
 * building, status mapping) that the host unit tests run.
 *
 * Layering: nvme_pci.c finds controllers on PCI, maps BAR0, enables bus
 * mastering and MSI-X, fills a struct nvme_ctrl (registers, struct device
 * for DMA, bus ops for interrupts and for cutting a dead controller off
 * from memory) and calls nvme_ctrl_attach() in the core
 * (nvme.c), which speaks only NVMe: registers, queues, commands. The rest
 * of the kernel sees include/nvme.h.
 *
 * Concurrency: the admin queue (its SQ and CQ, the admin slots,
 * admin_timed_out and the abort bookkeeping) is under ctrl->admin_lock,
 * the controller's state and reset_why under ctrl->state_lock, both
 * _irqsave (the timeout timer takes them from its interrupt); neither is
 * held across a wait, and they are never nested. An I/O queue's state (SQ
 * tail, CQ head and phase, list-page pool) changes only with interrupts
 * disabled, so on one CPU the interrupt handler, ops->poll(), the timer and
 * the submit path exclude each other by local_irq_save() (per-queue locks
 * come with the per-CPU I/O queues). A reset runs as deferred work, which
 * one CPU at a time runs (kernel/work.c), so resets never overlap. Ownership of a request moves from
 * the controller back to the driver (iod->submitted cleared, q->inflight
 * dropped) inside the interrupts-off section that reaps its CQE, so the
 * timer never sees a reaped command as outstanding. The timer only
 * decides; a controller reset runs later in process context (work.h).
 */
#ifndef PFNOS_NVME_DRV_H
#define PFNOS_NVME_DRV_H

#include "blkdev_driver.h"
#include "compiler.h"
#include "dma.h"
#include "io.h"
#include "nvme_reg.h"
#include "scatterlist.h"
#include "timer.h"
#include "types.h"
#include "work.h"

struct pt_regs;

#define NVME_MAX_CTRLS		4
#define NVME_MAX_NS		16	/* namespaces per controller */
#define NVME_MAX_CPUS		1	/* interrupt-driven queues: one per CPU */
#define NVME_MAX_POLL_QUEUES	4
#define NVME_MAX_IO_QUEUES	(NVME_MAX_CPUS + NVME_MAX_POLL_QUEUES)
#define NVME_ADMIN_DEPTH	32	/* admin SQ/CQ entries */
#define NVME_DEFAULT_IO_DEPTH	1024	/* nvme.io_queue_depth= */
#define NVME_MAX_XFER		(4U << 20)	/* cap on MDTS (bytes per command) */
#define NVME_INLINE_SG		8	/* scatterlist entries inside each request */
#define NVME_BIG_SG_TABLES	4	/* per queue, for requests with more */
#define NVME_POOL_PAGES		64	/* PRP list / SGL segment pages per queue */
/* List pages one command may need: PRP lists for NVME_MAX_XFER + an
 * unaligned start, or SGL segments for one descriptor per page. */
#define NVME_MAX_LIST_PAGES	6
#define NVME_DEFAULT_TIMEOUT_S	30	/* nvme.timeout= */

/*
 * Command identifiers of I/O commands (a software convention, like Linux's
 * genctr): the request's tag in bits 11:0 (queues are at most 4096 deep, so
 * tags are below 4096) and a 4-bit generation in 15:12 that changes with
 * every submission of the request, so a late completion, or an Abort, that
 * names an earlier use of a tag is told apart from the command now using it.
 */
#define NVME_CID_TAG		GENMASK(11, 0)
#define NVME_CID_GEN		GENMASK(15, 12)

static inline u16 nvme_cid_make(u32 tag, unsigned gen)
{
	return (u16)(FIELD_PREP(NVME_CID_TAG, tag) | FIELD_PREP(NVME_CID_GEN, gen));
}

static inline u32 nvme_cid_tag(u16 cid) { return (u32)FIELD_GET(NVME_CID_TAG, cid); }
static inline unsigned nvme_cid_gen(u16 cid) { return (unsigned)FIELD_GET(NVME_CID_GEN, cid); }
/* The generation after gen (wraps within the 4 bits). */
static inline unsigned nvme_cid_next_gen(unsigned gen) { return (gen + 1) & 0xf; }

/* ---- pure helpers (nvme_cmd.c, nvme_prp.c, nvme_status.c) ---- */

void nvme_sqe_set_cid(struct nvme_sqe *sqe, u16 cid);
void nvme_sqe_set_prps(struct nvme_sqe *sqe, u64 prp1, u64 prp2);
void nvme_sqe_set_sgl(struct nvme_sqe *sqe, const struct nvme_sgl_desc *sgl1);
/* nlb is a count of blocks (1..65536), encoded 0's based. -EINVAL when not. */
int nvme_cmd_rw(struct nvme_sqe *sqe, bool write, u32 nsid, u64 slba,
		u32 nlb, bool fua);
void nvme_cmd_flush(struct nvme_sqe *sqe, u32 nsid);
/* Write Zeroes of nlb blocks (as nvme_cmd_rw); deallocate sets DEAC, fua
 * FUA (6.16: CDW12 bit 30, as for WRITE). */
int nvme_cmd_write_zeroes(struct nvme_sqe *sqe, u32 nsid, u64 slba, u32 nlb,
			  bool deallocate, bool fua);
/* DSM deallocate of [slba, slba+nlb) as up to nr ranges of at most 2^32-1
 * blocks written to ranges[]; returns the ranges used or -EINVAL. */
int nvme_cmd_dsm_deallocate(struct nvme_sqe *sqe, u32 nsid,
			    struct nvme_dsm_range *ranges, unsigned nr,
			    u64 slba, u64 nlb);
void nvme_cmd_identify(struct nvme_sqe *sqe, u8 cns, u32 nsid);
/* Counts of I/O SQs and CQs wanted (1..65535), encoded 0's based. */
int nvme_cmd_set_num_queues(struct nvme_sqe *sqe, unsigned nsq, unsigned ncq);
/* vector: MSI-X entry for an interrupt-driven CQ, -1 for a polled one. */
int nvme_cmd_create_cq(struct nvme_sqe *sqe, u16 qid, unsigned entries,
		       u64 dma, int vector);
int nvme_cmd_create_sq(struct nvme_sqe *sqe, u16 qid, unsigned entries,
		       u64 dma, u16 cqid);
void nvme_cmd_delete_queue(struct nvme_sqe *sqe, bool sq, u16 qid);
void nvme_cmd_abort(struct nvme_sqe *sqe, u16 sqid, u16 cid);

/* CAP.TO in milliseconds (at least one 500 ms unit). */
u64 nvme_cap_timeout_ms(u64 cap);
/* MDTS in bytes (units of CAP.MPSMIN pages); 0 when MDTS is 0 (no limit). */
u64 nvme_mdts_bytes(u8 mdts, u64 cap);
/* Identify's space-padded ASCII field as a C string (trailing blanks cut,
 * non-printables shown as '?'). */
void nvme_id_string(char *dst, size_t size, const char *src, size_t len);

/* A namespace's geometry from Identify Namespace. */
struct nvme_ns_geom {
	unsigned lba_format;	/* FLBAS index in use */
	unsigned lba_shift;	/* LBADS: block size 2^lba_shift */
	unsigned ms;		/* metadata bytes per block */
	u64 nsze, ncap, nuse;	/* in blocks */
};
/* Returns 0, -ENODEV (inactive, size 0), -EINVAL (FLBAS names no format),
 * -EOPNOTSUPP (block size outside 512..4096 or metadata), -EOVERFLOW. */
int nvme_ns_decode(const struct nvme_id_ns *id, struct nvme_ns_geom *g);
/* The NSIDs of an active namespace list (CNS 2): ascending, ends at 0. */
unsigned nvme_ns_list_decode(const u32 *list, unsigned max, u32 *out,
			     unsigned out_max);

/* Number of PRP entries for len bytes starting at bus address first. */
unsigned nvme_prp_count(dma_addr_t first, u32 len);
/* PRP list pages nprps entries need (0 when PRP1/PRP2 suffice). */
unsigned nvme_prp_list_pages(unsigned nprps);
/**
 * nvme_build_prps - describe a DMA-mapped scatterlist with PRPs
 * @sgl: the mapped list (sg_dma_address/sg_dma_len)
 * @nents: mapped entries
 * @len: bytes of the command (the sum of the entries)
 * @lists: CPU addresses of page-aligned list pages
 * @list_dma: their bus addresses
 * @nr_lists: pages available (nvme_prp_list_pages() are used)
 * @prp1: out
 * @prp2: out
 *
 * Returns 0, -EINVAL (an entry breaks the PRP rules: an inner entry not
 * page aligned, an offset not dword aligned, lengths not adding up) or
 * -ENOSPC (too few list pages).
 */
int nvme_build_prps(struct scatterlist *sgl, int nents, u32 len,
		    u64 *const *lists, const dma_addr_t *list_dma,
		    unsigned nr_lists, u64 *prp1, u64 *prp2);
/* SGL segment pages nents data descriptors need (0: one goes in SGL1). */
unsigned nvme_sgl_seg_pages(unsigned nents);
/* The same with SGL descriptors; sgl1 is the command's SGL Entry 1. */
int nvme_build_sgl(struct scatterlist *sgl, int nents, u32 len,
		   struct nvme_sgl_desc *const *segs, const dma_addr_t *seg_dma,
		   unsigned nr_segs, struct nvme_sgl_desc *sgl1);

/* Status (SCT, SC) to 0/-errno and a name; nvme_cqe_errno takes the CQE's
 * status half-word (phase bit ignored). */
int nvme_status_errno(unsigned sct, unsigned sc);
const char *nvme_status_name(unsigned sct, unsigned sc);
int nvme_cqe_errno(u16 status);

/* ---- driver state ---- */

struct nvme_ctrl;
struct nvme_queue;

/* What the bus glue does for the core. */
struct nvme_bus_ops {
	/* Route MSI-X entry to fn(regs, arg) and unmask it: 0 or -errno. */
	int (*request_irq)(struct nvme_ctrl *ctrl, unsigned entry,
			   void (*fn)(struct pt_regs *regs, void *arg), void *arg);
	/* Undo request_irq: mask the entry, release its vector. */
	void (*free_irq)(struct nvme_ctrl *ctrl, unsigned entry);
	/* MSI-X entries the function has (0: none). */
	unsigned (*nr_irqs)(struct nvme_ctrl *ctrl);
	/*
	 * Keep the controller from memory for good (PCI: clear bus mastering
	 * and read it back). 0 when that is certain: nothing it does can reach
	 * memory from then on. -errno when it may still. Optional.
	 */
	int (*stop_dma)(struct nvme_ctrl *ctrl);
};

/* Behind every block request (tag_set.cmd_size). */
struct nvme_iod {
	struct nvme_sqe cmd;		/* as built: resubmitted on retry */
	struct scatterlist *sg;		/* inline_sg or a big table */
	int big;			/* big table index, -1 */
	int nents;			/* entries mapped, 0 when not mapped */
	enum dma_data_direction dir;
	u8 nr_pages;
	u8 retries;
	u8 gen;				/* generation of cid (NVME_CID_GEN) */
	u16 cid;			/* of the command the controller holds */
	bool submitted;			/* owned by the controller */
	bool timed_out;
	bool abort_failed;		/* its Abort did not take: reset due */
	u16 pages[NVME_MAX_LIST_PAGES];	/* pool indices */
	u32 seq;			/* submission order, for reordering counts */
	u64 deadline_ns;
	struct scatterlist inline_sg[NVME_INLINE_SG];
};

struct nvme_queue {
	struct nvme_ctrl *ctrl;
	u16 qid;			/* 0: admin */
	u16 entries;			/* SQ and CQ entries */
	bool polled;			/* created without interrupts */
	bool live;
	int irq_entry;			/* MSI-X entry, -1 polled */
	struct nvme_sqe *sq;
	struct nvme_cqe *cq;
	dma_addr_t sq_dma, cq_dma;
	unsigned sq_db, cq_db;		/* doorbell offsets in BAR0 (nvme_write4) */
	u16 sq_tail, sq_head, cq_head;
	u8 cq_phase;
	struct blk_mq_hw_ctx *hctx;	/* I/O queues */
	/* preallocated list pages */
	void *pool;
	dma_addr_t pool_dma;
	u16 pool_free[NVME_POOL_PAGES];
	unsigned nr_pool_free;
	/* big scatterlist tables */
	struct scatterlist *big_sg[NVME_BIG_SG_TABLES];
	u8 big_free;			/* bitmap */
	unsigned big_ents;
	/* runs the queue when bounce slots come back (dma_pool_wait) */
	struct dma_pool_waiter bounce_wait;
	/* statistics */
	u32 seq, max_done_seq;
	unsigned inflight;
	u64 submitted, completed, interrupts, reordered, busy;
	u64 spurious;			/* completions with an unknown cid */
	u64 stale;			/* of those, a tag's earlier generation */
};

/* An admin command slot (cid = index). */
struct nvme_admin_slot {
	bool busy, done;
	u16 status;
	u32 dw0;
	/* asynchronous commands (Abort from the timeout timer) */
	void (*done_fn)(struct nvme_ctrl *ctrl, struct nvme_admin_slot *s);
	struct nvme_queue *abort_q;
	u16 abort_cid;
	u64 deadline_ns;
};

struct nvme_ns {
	struct nvme_ctrl *ctrl;
	u32 nsid;
	struct nvme_ns_geom geom;
	u32 lbs;
	struct gendisk disk;
	bool registered;
};

enum nvme_ctrl_state {
	NVME_CTRL_NEW,
	NVME_CTRL_LIVE,
	NVME_CTRL_RESETTING,
	NVME_CTRL_DEAD,
};

struct nvme_ctrl {
	char name[16];			/* "nvme0" */
	unsigned instance;
	enum nvme_ctrl_state state;
	struct device dev;		/* DMA mask, bounce statistics */
	void __iomem *regs;		/* BAR0 */
	u64 regs_size;
	const struct nvme_bus_ops *ops;
	void *bus;			/* struct pci_dev */
	char bdf[16];

	/* registers read at attach */
	u64 cap;
	u32 vs;
	unsigned dstrd;
	u64 ready_timeout_ms;		/* CAP.TO */

	/* Identify Controller */
	struct nvme_id_ctrl *id;
	dma_addr_t id_dma;
	char sn[21], mn[41], fr[9];
	u64 max_xfer;			/* bytes per command */
	bool sgl;			/* SGLs in use for data */
	bool vwc;

	/* scratch page for admin data (Identify, DSM ranges at init) */
	void *scratch;
	dma_addr_t scratch_dma;

	struct nvme_queue adminq;
	struct nvme_admin_slot admin_slots[NVME_ADMIN_DEPTH];
	struct nvme_queue ioq[NVME_MAX_IO_QUEUES];
	unsigned nr_irq_queues, nr_poll_queues;
	unsigned io_entries;		/* entries per I/O queue */
	struct blk_mq_tag_set set;

	struct nvme_ns ns[NVME_MAX_NS];
	unsigned nr_ns;

	/* timeouts */
	u64 timeout_ns;
	struct timer timer;
	bool timer_armed;
	u64 reset_at_ns;		/* check for a reset (abort failed), 0: none */
	unsigned abort_limit;		/* Identify ACL + 1 */
	unsigned aborts_outstanding;
	bool admin_timed_out;		/* an admin command may still DMA */
	spinlock_t admin_lock;		/* adminq, admin_slots, admin_timed_out, aborts */
	spinlock_t state_lock;		/* state, reset_why */
	struct work reset_work;		/* the reset, in process context */
	const char *reset_why;		/* set when reset_work is queued */
	u64 timeouts, aborts, resets, retries;
};

/* ---- core (nvme.c), called by the bus glue ---- */
/*
 * nvme_ctrl_attach - bring up a controller the glue has mapped: reset,
 * admin queue, Identify, queues, namespaces as block devices.
 * Returns 0 or -errno. On failure the controller is disabled and
 * everything the attach took is given back (memory, MSI-X entries, the tag
 * set), except that a controller that does not disable keeps its admin
 * queues and the pages Identify used; the glue may free ctrl.
 */
int nvme_ctrl_attach(struct nvme_ctrl *ctrl);
/* The MSI-X handler of an interrupt-driven I/O queue. */
void nvme_irq(struct pt_regs *regs, void *arg);
/*
 * nvme_schedule_reset - have the controller reset in process context (the
 * timer does this; tests too). Returns false when a reset is already due or
 * the controller is not live. Context: any.
 */
bool nvme_schedule_reset(struct nvme_ctrl *ctrl, const char *why);
/* Controllers attached so far (nvme.c keeps them for include/nvme.h). */
extern struct nvme_ctrl *nvme_ctrls[NVME_MAX_CTRLS];
extern unsigned nvme_nr_ctrls;

/* nvme_pci.c */
int nvme_pci_probe_all(void);
/* Register access (BAR0), the bus's job: the core reads and writes its
 * registers, doorbells included (at the offsets each queue keeps), only
 * through these (a host build of the core links its own, over a fake
 * register file: tests/unit/nvme_fake.c). A write is ordered after every
 * store the core made before it (an SQ entry before its doorbell). */
u32 nvme_read4(struct nvme_ctrl *ctrl, unsigned off);
u64 nvme_read8(struct nvme_ctrl *ctrl, unsigned off);
void nvme_write4(struct nvme_ctrl *ctrl, unsigned off, u32 v);
void nvme_write8(struct nvme_ctrl *ctrl, unsigned off, u64 v);

#endif
