/*
 * cmd_nvme.c - the `nvme` shell command: `nvme id [ctrl]` prints each
 * controller's identity (PCI vendor, serial, model, firmware, MDTS, version,
 * queues, SGL support, write cache) and every namespace (NSID, LBA format
 * in use, size, capacity, block size), from what the driver read at attach
 * (include/nvme.h); `nvme stats [ctrl]` prints the timeout, abort, reset
 * and retry counts and the I/O commands submitted and interrupts taken.
 */
#include "errno.h"
#include "lib.h"
#include "nvme.h"
#include "printk.h"
#include "shell.h"

static void nvme_print_ctrl(unsigned i, const struct nvme_ctrl_info *c)
{
	kprintf("%s: %s, PCI %s\n", c->name, c->state, c->bdf);
	kprintf("  vid 0x%04x ssvid 0x%04x\n", c->vid, c->ssvid);
	kprintf("  sn \"%s\" mn \"%s\" fr \"%s\"\n", c->sn, c->mn, c->fr);
	kprintf("  version %u.%u.%u, mdts %u (%llu KiB per command used)\n",
		c->ver_major, c->ver_minor, c->ver_tertiary,
		c->mdts, (unsigned long long)(c->max_xfer >> 10));
	kprintf("  queues: %u interrupt + %u polled, %u entries each; doorbell stride %u\n",
		c->irq_queues, c->poll_queues, c->queue_entries,
		c->doorbell_stride);
	kprintf("  sgl %s (SGLS 0x%x)%s, volatile write cache %s, oncs 0x%x, namespaces %u\n",
		c->sgl_supported ? "supported" : "not supported", c->sgls,
		c->sgl_in_use ? ", in use" : "", c->vwc ? "present" : "absent",
		c->oncs, c->nn);
	for (unsigned n = 0; n < c->nr_ns; n++) {
		struct nvme_ns_info ns;

		if (nvme_get_ns_info(i, n, &ns))
			continue;
		kprintf("  %s: nsid %u, LBA format %u (%u-byte blocks), size %llu blocks (%llu MiB), capacity %llu, used %llu\n",
			ns.disk, ns.nsid, ns.lba_format, ns.lbs,
			(unsigned long long)ns.nsze,
			(unsigned long long)((ns.nsze * ns.lbs) >> 20),
			(unsigned long long)ns.ncap, (unsigned long long)ns.nuse);
	}
}

static int nvme_pick(int argc, char **argv, unsigned *first, unsigned *last)
{
	u64 v;

	*first = 0;
	*last = nvme_count();
	if (!nvme_count())
		return shell_error(-ENODEV, "no NVMe controller");
	if (argc < 3)
		return 0;
	if (str_starts_with(argv[2], "nvme"))
		argv[2] += 4;
	if (parse_u64(argv[2], &v) || v >= nvme_count())
		return shell_error(-ENODEV, "no NVMe controller '%s'", argv[2]);
	*first = (unsigned)v;
	*last = (unsigned)v + 1;
	return 0;
}

static int cmd_nvme(int argc, char **argv)
{
	struct nvme_ctrl_info c;
	unsigned first, last;
	int err;

	if (argc < 2 || (strcmp(argv[1], "id") && strcmp(argv[1], "stats")))
		return shell_error(-EINVAL, "usage: nvme id|stats [ctrl]");
	err = nvme_pick(argc, argv, &first, &last);
	if (err)
		return err;
	for (unsigned i = first; i < last; i++) {
		if (nvme_get_info(i, &c))
			continue;
		if (!strcmp(argv[1], "id"))
			nvme_print_ctrl(i, &c);
		else
			kprintf("%s: %s, timeouts %llu, aborts %llu, resets %llu, retries %llu, io commands %llu, interrupts %llu\n",
				c.name, c.state, (unsigned long long)c.timeouts,
				(unsigned long long)c.aborts,
				(unsigned long long)c.resets,
				(unsigned long long)c.retries,
				(unsigned long long)c.io_commands,
				(unsigned long long)c.io_interrupts);
	}
	return 0;
}
SHELL_COMMAND("nvme", cmd_nvme, "id|stats [ctrl]",
	      "NVMe controller and namespace identity, or error counters");
