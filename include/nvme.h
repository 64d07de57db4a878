/*
 * nvme.h - what the rest of the kernel may ask of the NVMe driver.
 *
 * nvme_init() finds every NVMe controller on PCI (class 01:08:02), brings
 * it up and registers each usable namespace as block device
 * nvme<controller>n<nsid>; I/O then goes through the block layer by name
 * (blk_find_disk("nvme0n1")). The info calls feed `nvme id` and tests.
 * Driver internals are in drivers/nvme/nvme_var.h.
 */
#ifndef PFNOS_NVME_H
#define PFNOS_NVME_H

#include "types.h"

/**
 * nvme_init - probe and attach every NVMe controller
 * Returns the number of controllers attached (0 when there are none).
 * Context: boot, after pci_init(), apic_init()/timer_init(), dma_init(),
 * blk_init(), with interrupts enabled or not.
 */
int nvme_init(void);

struct nvme_ctrl_info {
	char name[16];			/* "nvme0" */
	char bdf[16];
	u16 vid, ssvid;			/* Identify: PCI vendor, subsystem vendor */
	char sn[21], mn[41], fr[9];
	u8 mdts;			/* raw, 0: no limit */
	u64 max_xfer;			/* bytes per command the driver uses */
	u32 version;			/* VS register layout */
	unsigned ver_major, ver_minor, ver_tertiary;	/* VS decoded */
	u64 cap;
	unsigned doorbell_stride;	/* bytes (CAP.DSTRD decoded) */
	unsigned irq_queues, poll_queues, queue_entries;
	u32 sgls;			/* Identify SGLS */
	bool sgl_supported;		/* SGLS.SGLSS is not 0 */
	bool sgl_in_use;
	bool vwc;
	u16 oncs;
	u32 nn;
	const char *state;		/* "live", "resetting", "dead", "new" */
	u64 timeouts, aborts, resets, retries;
	u64 io_commands, io_interrupts;	/* submitted, MSI-X handled (I/O queues) */
	unsigned nr_ns;
};

struct nvme_ns_info {
	char disk[32];			/* "nvme0n1" */
	u32 nsid;
	unsigned lba_format;		/* FLBAS index */
	u32 lbs;			/* bytes */
	u64 nsze, ncap, nuse;		/* blocks */
};

unsigned nvme_count(void);
/* Returns 0, or -ENODEV when there is no controller ctrl (or namespace). */
int nvme_get_info(unsigned ctrl, struct nvme_ctrl_info *out);
int nvme_get_ns_info(unsigned ctrl, unsigned ns, struct nvme_ns_info *out);

#endif
