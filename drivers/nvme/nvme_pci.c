/*
 * nvme_pci.c - NVMe over PCIe glue (after OpenBSD sys/dev/pci/nvme_pci.c):
 * find controllers by class code 01:08:02, turn on memory decoding and bus
 * mastering, map BAR0 (64-bit BARs anywhere, e.g. 0xe000000000 under OVMF),
 * enable MSI-X and hand the controller to the core with the interrupt
 * operations it needs, and the one that turns bus mastering off again for
 * a controller the core declares dead. The register accessors the core uses live here
 * too, with the bus. Also the public info calls of include/nvme.h.
 *
 * nvme_init() is the kernel's entry: kmain calls it once after pci_init(),
 * the APIC timer, dma_init() and blk_init().
 */
#include "blkdev_driver.h"
#include "errno.h"
#include "io.h"
#include "lib.h"
#include "mm.h"
#include "nvme_var.h"
#include "pci.h"
#include "printk.h"
#include "nvme.h"

/* ---- register access (3.1): BAR0 is memory-mapped, uncached ---- */

u32 nvme_read4(struct nvme_ctrl *ctrl, unsigned off)
{
	return readl(ctrl->regs + off);
}

u64 nvme_read8(struct nvme_ctrl *ctrl, unsigned off)
{
	u64 lo = nvme_read4(ctrl, off);

	return lo | ((u64)nvme_read4(ctrl, off + 4) << 32);
}

void nvme_write4(struct nvme_ctrl *ctrl, unsigned off, u32 v)
{
	writel(v, ctrl->regs + off);
}

void nvme_write8(struct nvme_ctrl *ctrl, unsigned off, u64 v)
{
	nvme_write4(ctrl, off, (u32)v);
	nvme_write4(ctrl, off + 4, (u32)(v >> 32));
}

static struct pci_dev *nvme_pdev(struct nvme_ctrl *ctrl)
{
	return ctrl->bus;
}

static int nvme_pci_request_irq(struct nvme_ctrl *ctrl, unsigned entry,
				unsigned cpu,
				void (*fn)(struct pt_regs *regs, void *arg),
				void *arg)
{
	int v = pci_msix_request_irq(nvme_pdev(ctrl), entry, cpu, fn, arg,
				     ctrl->name);

	return v < 0 ? v : 0;
}

static void nvme_pci_free_irq(struct nvme_ctrl *ctrl, unsigned entry)
{
	pci_msix_free_irq(nvme_pdev(ctrl), entry);
}

static unsigned nvme_pci_nr_irqs(struct nvme_ctrl *ctrl)
{
	struct pci_dev *d = nvme_pdev(ctrl);

	return d->msix_table ? d->msix_size : 0;
}

/* A dead controller: bus mastering off, MSI-X messages with it. */
static int nvme_pci_stop_dma(struct nvme_ctrl *ctrl)
{
	return pci_clear_master(nvme_pdev(ctrl));
}

static const struct nvme_bus_ops nvme_pci_ops = {
	.request_irq = nvme_pci_request_irq,
	.free_irq = nvme_pci_free_irq,
	.nr_irqs = nvme_pci_nr_irqs,
	.stop_dma = nvme_pci_stop_dma,
};

static int nvme_pci_probe(struct pci_dev *d, unsigned instance)
{
	struct nvme_ctrl *ctrl;
	void *regs;
	int err;

	ctrl = kzalloc_boot(sizeof(*ctrl));
	if (!ctrl)
		return -ENOMEM;
	snprintf(ctrl->name, sizeof(ctrl->name), "nvme%u", instance);
	snprintf(ctrl->bdf, sizeof(ctrl->bdf), "%02x:%02x.%u", d->bus, d->dev, d->fn);
	ctrl->instance = instance;
	ctrl->bus = d;
	ctrl->ops = &nvme_pci_ops;
	if (!d->bar[0].size || (d->bar[0].flags & PCI_BARF_IO)) {
		pr_err("%s: %s: BAR0 is not a memory BAR\n", ctrl->name, ctrl->bdf);
		err = -ENODEV;
		goto free;
	}
	pci_enable_device(d);
	regs = pci_iomap(d, 0);
	if (!regs) {
		pr_err("%s: %s: cannot map BAR0 at 0x%llx\n", ctrl->name, ctrl->bdf,
		       (unsigned long long)d->bar[0].addr);
		err = -ENOMEM;
		goto free;
	}
	ctrl->regs = regs;
	ctrl->regs_size = d->bar[0].size;
	pci_set_master(d);
	err = pci_msix_enable(d);
	if (err)
		pr_warn("%s: %s: MSI-X unavailable: -%s\n", ctrl->name, ctrl->bdf,
			errno_name(err));
	pr_info("%s: %s [%04x:%04x] BAR0 0x%llx (%llu KiB), %u MSI-X entries\n",
		ctrl->name, ctrl->bdf, d->vendor, d->device,
		(unsigned long long)d->bar[0].addr,
		(unsigned long long)(d->bar[0].size >> 10),
		nvme_pci_nr_irqs(ctrl));
	err = nvme_ctrl_attach(ctrl);
	if (err) {
		pr_err("%s: attach failed: -%s\n", ctrl->name, errno_name(err));
		goto disable_msix;
	}
	return 0;

disable_msix:
	pci_msix_disable(d);
free:
	kfree_boot(ctrl, sizeof(*ctrl));
	return err;
}

int nvme_pci_probe_all(void)
{
	struct pci_dev *d;
	unsigned n = 0;

	for (unsigned i = 0; (d = pci_find_class(NVME_PCI_CLASS, i)) != NULL; i++) {
		if (n >= NVME_MAX_CTRLS) {
			pr_warn("nvme: more than %u controllers, the rest ignored\n",
				NVME_MAX_CTRLS);
			break;
		}
		if (nvme_pci_probe(d, n) == 0)
			n++;
	}
	return (int)n;
}

int nvme_init(void)
{
	return nvme_pci_probe_all();
}

/* ---- include/nvme.h ---- */

unsigned nvme_count(void)
{
	return nvme_nr_ctrls;
}

static const char *nvme_state_name(enum nvme_ctrl_state s)
{
	switch (s) {
	case NVME_CTRL_LIVE: return "live";
	case NVME_CTRL_RESETTING: return "resetting";
	case NVME_CTRL_DEAD: return "dead";
	default: return "new";
	}
}

int nvme_get_info(unsigned idx, struct nvme_ctrl_info *out)
{
	struct nvme_ctrl *c;

	if (idx >= nvme_nr_ctrls)
		return -ENODEV;
	c = nvme_ctrls[idx];
	memset(out, 0, sizeof(*out));
	strlcpy(out->name, c->name, sizeof(out->name));
	strlcpy(out->bdf, c->bdf, sizeof(out->bdf));
	out->vid = c->id->vid;
	out->ssvid = c->id->ssvid;
	strlcpy(out->sn, c->sn, sizeof(out->sn));
	strlcpy(out->mn, c->mn, sizeof(out->mn));
	strlcpy(out->fr, c->fr, sizeof(out->fr));
	out->mdts = c->id->mdts;
	out->max_xfer = c->max_xfer;
	out->version = c->vs;
	out->ver_major = (unsigned)FIELD_GET(NVME_VS_MJR, c->vs);
	out->ver_minor = (unsigned)FIELD_GET(NVME_VS_MNR, c->vs);
	out->ver_tertiary = (unsigned)FIELD_GET(NVME_VS_TER, c->vs);
	out->cap = c->cap;
	out->doorbell_stride = 4U << FIELD_GET(NVME_CAP_DSTRD, c->cap);
	out->irq_queues = c->nr_irq_queues;
	out->poll_queues = c->nr_poll_queues;
	out->queue_entries = c->io_entries;
	out->sgls = c->id->sgls;
	out->sgl_supported = FIELD_GET(NVME_SGLS_SUPPORT, c->id->sgls) != 0;
	out->sgl_in_use = c->sgl;
	out->vwc = c->vwc;
	out->oncs = c->id->oncs;
	out->nn = c->id->nn;
	out->state = nvme_state_name(c->state);
	out->timeouts = c->timeouts;
	out->aborts = c->aborts;
	out->resets = c->resets;
	out->retries = c->retries;
	out->nr_ns = c->nr_ns;
	for (unsigned i = 0; i < c->nr_irq_queues + c->nr_poll_queues; i++) {
		out->io_commands += c->ioq[i].submitted;
		out->io_interrupts += c->ioq[i].interrupts;
	}
	return 0;
}

int nvme_get_ns_info(unsigned idx, unsigned n, struct nvme_ns_info *out)
{
	struct nvme_ns *ns;

	if (idx >= nvme_nr_ctrls || n >= nvme_ctrls[idx]->nr_ns)
		return -ENODEV;
	ns = &nvme_ctrls[idx]->ns[n];
	memset(out, 0, sizeof(*out));
	strlcpy(out->disk, ns->disk.disk_name, sizeof(out->disk));
	out->nsid = ns->nsid;
	out->lba_format = ns->geom.lba_format;
	out->lbs = ns->lbs;
	out->nsze = ns->geom.nsze;
	out->ncap = ns->geom.ncap;
	out->nuse = ns->geom.nuse;
	return 0;
}
