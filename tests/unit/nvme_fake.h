/*
 * nvme_fake.h - a fake NVMe controller and kernel environment for host
 * builds of the driver core (drivers/nvme/nvme.c), used by
 * tests/unit/test_nvme_core.c.
 *
 * The register file: the core reaches CAP, CC, CSTS, AQA, ASQ, ACQ and the
 * doorbells only through nvme_read4/8() and nvme_write4/8(), which this
 * file implements, so the fake sees every write to CC as it happens and
 * answers every read of CSTS. A doorbell write is kept in the fake's own
 * register state (db[]), which the fake reads whenever it runs; the BAR
 * memory behind ctrl->regs stays zero, and a store that reaches it (a
 * register written around the accessors) fails the test.
 *
 * When it runs: on every ktime_ns() and udelay() (fake time: ktime_ns()
 * advances 1 us a call, udelay() by its argument), which is how the core
 * waits for CSTS and polls admin completions; and from nvme_fake_irq(),
 * the "interrupt" block_host.c's blk_wait_interrupt() delivers, which runs
 * the controller and then calls the core's MSI-X handler for each
 * interrupt-driven CQ that got entries.
 *
 * The controller: NVMe 1.4, CAP.TO 1 s, 4 KiB pages, 1024-entry queues,
 * MDTS 128 KiB, PRPs only, one namespace of NVME_FAKE_BLOCKS 512-byte
 * blocks kept in RAM. It runs Identify, Set Features (queue count),
 * Create/Delete I/O SQ/CQ, Abort (never aborts), READ/WRITE (data moved
 * through the PRPs, lists followed) and FLUSH. CC.EN 1->0 resets it:
 * queues, doorbells and held commands are dropped and CSTS.RDY clears.
 *
 * Bus mastering (PCI Command register bit 2): the fake touches host memory
 * (fetches SQ entries, moves data, posts completions) only while
 * bus_master is set, as a PCI function may issue memory requests only
 * then. Attach sets it, as the PCI glue's pci_set_master() does;
 * dma_blocked counts what the fake would have done without it.
 *
 * Faults and observations a test sets or reads in struct nvme_fake:
 * rdy_stuck (CSTS.RDY stays 1 after CC.EN is cleared: the controller never
 * disables and keeps its commands), bme_stuck (bus mastering cannot be
 * turned off: the Command register keeps reading it set, as a function that
 * fell off the bus reads all ones), hold_io (I/O commands are fetched but
 * not completed: "in flight"; nvme_fake_complete_held() carries them out
 * later, even on a controller the host gave up on), on_enable (called
 * when the host sets CC.EN=1), en_while_rdy (times the host set CC.EN=1
 * while CSTS.RDY was still 1, which NVMe 1.4 3.1.6 forbids). Faults during
 * the attach itself come in struct nvme_fake_faults
 * (nvme_fake_attach_faulty()): the Nth setup allocation or admin command
 * fails, request_irq fails, the controller never becomes ready, or never
 * disables, or Set Features grants fewer I/O queues than asked. An
 * interrupt is delivered on the CPU its MSI-X entry was aimed at
 * (host_smp_cpu, tests/unit/smp_host.h).
 *
 * The rest of the environment: a frame allocator over aligned host memory
 * (physical address = virt_to_phys() of the host address, so phys_to_virt()
 * works unchanged), the bounce pool in host memory, a fake clock, timers
 * and deferred work a test runs by hand, and kernel_param() from a small
 * table (nvme.timeout=2, nvme.io_queue_depth=64 unless a test sets others).
 */
#ifndef PFNOS_NVME_FAKE_H
#define PFNOS_NVME_FAKE_H

#include "../../drivers/nvme/nvme_var.h"

#define NVME_FAKE_QUEUES	8		/* admin + 7 I/O */
#define NVME_FAKE_BLOCKS	8192		/* 4 MiB of 512-byte blocks */
#define NVME_FAKE_HELD		256
#define NVME_FAKE_MSIX		4

struct nvme_fake_sq {
	bool live;
	u64 dma;
	u16 entries, head, cqid;
};

struct nvme_fake_cq {
	bool live, ien, irq_pending;
	u64 dma;
	u16 entries, tail, vector;
	u8 phase;
};

/* An I/O command the fake holds (hold_io) and where its data lives. */
struct nvme_fake_cmd {
	u16 sqid;
	struct nvme_sqe sqe;
};

/* Faults during nvme_ctrl_attach(); all zero: none. */
struct nvme_fake_faults {
	unsigned fail_alloc;		/* the Nth kzalloc_boot()/frame allocation fails */
	unsigned fail_admin;		/* the Nth admin command: Internal Error */
	bool fail_irq;			/* request_irq: -ENOSPC */
	bool never_ready;		/* CSTS.RDY stays 0 after CC.EN=1 */
	bool rdy_stuck;			/* as struct nvme_fake's, from the start */
	unsigned max_queues;		/* I/O queues Set Features grants (0: as asked) */
};

struct nvme_fake {
	struct nvme_ctrl ctrl;		/* what the core sees */
	struct nvme_fake_faults faults;
	u8 *bar;			/* 16 KiB: registers, doorbells */
	u32 cc, csts, aqa;
	u64 asq, acq;
	u32 db[NVME_FAKE_QUEUES][2];	/* SQ tail, CQ head doorbells */
	struct nvme_fake_sq sq[NVME_FAKE_QUEUES];
	struct nvme_fake_cq cq[NVME_FAKE_QUEUES];
	u8 *disk;			/* NVME_FAKE_BLOCKS * 512 bytes */
	void (*irq_fn[NVME_FAKE_MSIX])(struct pt_regs *regs, void *arg);
	void *irq_arg[NVME_FAKE_MSIX];
	unsigned irq_cpu[NVME_FAKE_MSIX];	/* the CPU each entry targets */

	bool bus_master;		/* PCI Command.BME: may touch host memory */

	/* faults the test sets */
	bool rdy_stuck;
	bool bme_stuck;			/* bus_master cannot be cleared */
	bool hold_io;
	void (*on_enable)(struct nvme_fake *f);

	bool wedged;			/* told to disable with rdy_stuck set */

	/* what the fake saw */
	struct nvme_fake_cmd held[NVME_FAKE_HELD];
	unsigned nr_held;
	unsigned enables, disables, en_while_rdy;
	u64 io_cmds;			/* I/O commands fetched */
	u64 dma_blocked;		/* memory accesses refused: bus_master off */
	unsigned allocs, admin_cmds;	/* setup allocations, admin commands seen */
};

/* Bring a controller named name ("nvme0") up through nvme_ctrl_attach(). */
int nvme_fake_attach(struct nvme_fake *f, const char *name);
/* The same with faults (NULL: none). */
int nvme_fake_attach_faulty(struct nvme_fake *f, const char *name,
			    const struct nvme_fake_faults *faults);
/* Unregister its disks and give back everything attach and the fake took
 * (the core has no detach; this is the test's). */
void nvme_fake_detach(struct nvme_fake *f);
/* Fetch and run what the doorbells say; post completions. */
void nvme_fake_run(struct nvme_fake *f);
/* Carry out every held command and post its completion (hold_io cleared
 * first), whatever the host did meanwhile: what a controller that did not
 * disable may still do. Nothing reaches memory without bus_master. */
void nvme_fake_complete_held(struct nvme_fake *f);
/* The interrupt: run the controller, call the MSI-X handlers due. */
void nvme_fake_irq(void);

/* A bounce pool of bytes (a multiple of DMA_SEGMENT_SIZE) in host memory;
 * also resets the DMA core and turns its debug tracking on. */
void nvme_fake_pool_setup(size_t bytes);
void nvme_fake_pool_teardown(void);
/* Host memory as RAM frames (zeroed), freed by nvme_fake_free_all(). */
pfn_t nvme_fake_frames(unsigned order);
void nvme_fake_free_all(void);
/* Frames and kzalloc_boot() blocks allocated and not freed (leak checks). */
unsigned nvme_fake_frames_live(void);
bool nvme_fake_frame_live(const void *va);
unsigned nvme_fake_kzalloc_live(void);

/* Set kernel_param(key) for the next attach ("" or NULL: back to none). */
void nvme_fake_set_param(const char *key, const char *value);
void nvme_fake_reset_params(void);

/* Time and deferred work. */
extern u64 nvme_fake_now_ns;
/* Run the expired timers as from the tick (in an interrupt). */
void nvme_fake_run_timers(void);

#endif
