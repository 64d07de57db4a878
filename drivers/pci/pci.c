/*
 * pci.c - PCI configuration access, enumeration, BAR mapping and MSI-X.
 *
 * pci_init() picks the access method once: ECAM when ACPI's MCFG lists
 * windows (each bus's 1 MiB mapped with ioremap when the scan first reaches
 * it), else configuration mechanism #1 through ports 0xCF8/0xCFC. The scan
 * starts at each window's first bus (bus 0 for the ports) and follows every
 * bridge's secondary bus; a bus is never scanned twice, so a bad bridge
 * cannot loop. For each slot only function 0's vendor ID is read unless
 * the header says multifunction, which keeps enumeration fast under TCG.
 *
 * Every function found is recorded in a fixed registry with its BARs sized
 * (decoding off while all-ones are written, the originals restored) and its
 * capabilities located. Drivers then call pci_iomap(), pci_enable_device(),
 * pci_set_master() and the pci_msix_*() functions; pci_clear_master() when
 * a device must be kept from memory for good.
 *
 * References: PCI Local Bus 3.0 (3.2.2.3.2 mechanism #1, 6.2.5 BARs, 6.8.2
 * MSI-X), PCI Express Base 4.0 7.2.2 (ECAM: bus << 20 | dev << 15 | fn << 12).
 */
#include "acpi.h"
#include "apic.h"
#include "cpu.h"
#include "errno.h"
#include "io.h"
#include "irq.h"
#include "lib.h"
#include "mm.h"
#include "pci.h"
#include "printk.h"
#include "spinlock.h"

#define PCI_CONF_ADDR	0xcf8
#define PCI_CONF_DATA	0xcfc
#define PCI_CONF_ENABLE	BIT(31)

#define ECAM_BUS_SIZE	(1ULL << 20)

enum pci_access { PCI_ACCESS_NONE, PCI_ACCESS_ECAM, PCI_ACCESS_PORTS };

struct ecam_window {
	u64 base;
	u16 segment;
	u8 start_bus, end_bus;
	void __iomem *bus_va[256];
};

static enum pci_access access;
static struct ecam_window ecam[ACPI_MAX_MCFG];
static unsigned necam;
static struct pci_dev devices[PCI_MAX_DEVICES];
static unsigned ndevices;
static unsigned dropped;

const char *pci_access_method(void)
{
	return access == PCI_ACCESS_ECAM ? "ecam" :
	       access == PCI_ACCESS_PORTS ? "ports" : "none";
}

/* ---- configuration space ---- */

static u32 port_addr(const struct pci_dev *d, unsigned off)
{
	return PCI_CONF_ENABLE | (u32)d->bus << 16 | (u32)d->dev << 11 |
	       (u32)d->fn << 8 | (off & 0xfc);
}

unsigned pci_config_size(const struct pci_dev *d)
{
	return d->cfg ? PCI_CFG_SPACE_EXP_SIZE : PCI_CFG_SPACE_SIZE;
}

/*
 * Configuration mechanism #1 is two ports, address then data: one access
 * at a time on the whole machine, under pci_config_lock (_irqsave: a
 * handler may read config space). ECAM accesses need no lock. A leaf.
 */
static DEFINE_SPINLOCK(pci_config_lock);

u32 pci_read_config32(const struct pci_dev *d, unsigned off)
{
	unsigned long flags;
	u32 v;

	off &= ~3u;
	if (off >= pci_config_size(d))
		return 0xffffffff;
	if (d->cfg)
		return readl(d->cfg + off);
	flags = spin_lock_irqsave(&pci_config_lock);
	outl(PCI_CONF_ADDR, port_addr(d, off));
	v = inl(PCI_CONF_DATA);
	spin_unlock_irqrestore(&pci_config_lock, flags);
	return v;
}

u16 pci_read_config16(const struct pci_dev *d, unsigned off)
{
	unsigned long flags;
	u16 v;

	off &= ~1u;
	if (off >= pci_config_size(d))
		return 0xffff;
	if (d->cfg)
		return readw(d->cfg + off);
	flags = spin_lock_irqsave(&pci_config_lock);
	outl(PCI_CONF_ADDR, port_addr(d, off));
	v = inw(PCI_CONF_DATA + (off & 2));
	spin_unlock_irqrestore(&pci_config_lock, flags);
	return v;
}

u8 pci_read_config8(const struct pci_dev *d, unsigned off)
{
	unsigned long flags;
	u8 v;

	if (off >= pci_config_size(d))
		return 0xff;
	if (d->cfg)
		return readb(d->cfg + off);
	flags = spin_lock_irqsave(&pci_config_lock);
	outl(PCI_CONF_ADDR, port_addr(d, off));
	v = inb(PCI_CONF_DATA + (off & 3));
	spin_unlock_irqrestore(&pci_config_lock, flags);
	return v;
}

void pci_write_config32(const struct pci_dev *d, unsigned off, u32 v)
{
	unsigned long flags;

	off &= ~3u;
	if (off >= pci_config_size(d))
		return;
	if (d->cfg) {
		writel(v, d->cfg + off);
		return;
	}
	flags = spin_lock_irqsave(&pci_config_lock);
	outl(PCI_CONF_ADDR, port_addr(d, off));
	outl(PCI_CONF_DATA, v);
	spin_unlock_irqrestore(&pci_config_lock, flags);
}

void pci_write_config16(const struct pci_dev *d, unsigned off, u16 v)
{
	unsigned long flags;

	off &= ~1u;
	if (off >= pci_config_size(d))
		return;
	if (d->cfg) {
		writew(v, d->cfg + off);
		return;
	}
	flags = spin_lock_irqsave(&pci_config_lock);
	outl(PCI_CONF_ADDR, port_addr(d, off));
	outw(PCI_CONF_DATA + (off & 2), v);
	spin_unlock_irqrestore(&pci_config_lock, flags);
}

void pci_write_config8(const struct pci_dev *d, unsigned off, u8 v)
{
	unsigned long flags;

	if (off >= pci_config_size(d))
		return;
	if (d->cfg) {
		writeb(v, d->cfg + off);
		return;
	}
	flags = spin_lock_irqsave(&pci_config_lock);
	outl(PCI_CONF_ADDR, port_addr(d, off));
	outb(PCI_CONF_DATA + (off & 3), v);
	spin_unlock_irqrestore(&pci_config_lock, flags);
}

static u32 dev_cfg_read(const void *ctx, unsigned off)
{
	return pci_read_config32(ctx, off);
}

u8 pci_find_capability(const struct pci_dev *d, u8 id)
{
	return pci_cap_find(dev_cfg_read, d, id);
}

u16 pci_find_ext_capability(const struct pci_dev *d, u16 id)
{
	if (pci_config_size(d) <= PCI_CFG_SPACE_SIZE)
		return 0;
	return pci_ext_cap_find(dev_cfg_read, d, id);
}

/* ---- enumeration ---- */

/* The ECAM mapping of one bus; NULL when outside the window or unmappable. */
static void __iomem *ecam_bus(struct ecam_window *w, unsigned bus)
{
	if (bus < w->start_bus || bus > w->end_bus)
		return NULL;
	if (!w->bus_va[bus]) {
		w->bus_va[bus] = ioremap(w->base + ((u64)(bus - w->start_bus) << 20),
					 ECAM_BUS_SIZE);
		if (!w->bus_va[bus])
			pr_err("pci: cannot map ECAM for bus %u\n", bus);
	}
	return w->bus_va[bus];
}

/* A probe handle for (bus, dev, fn); false when configuration space for it
 * cannot be reached. */
static bool probe_init(struct pci_dev *p, struct ecam_window *w, unsigned bus,
		       unsigned dev, unsigned fn)
{
	memset(p, 0, sizeof(*p));
	p->segment = w ? w->segment : 0;
	p->bus = (u8)bus;
	p->dev = (u8)dev;
	p->fn = (u8)fn;
	if (w) {
		void __iomem *b = ecam_bus(w, bus);

		if (!b)
			return false;
		p->cfg = b + ((u64)dev << 15 | (u64)fn << 12);
	}
	return true;
}

static void size_bars(struct pci_dev *d)
{
	u16 cmd = pci_read_config16(d, PCI_COMMAND);

	pci_write_config16(d, PCI_COMMAND,
			   cmd & ~(u16)(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
	for (unsigned i = 0; i < d->nbars;) {
		unsigned off = PCI_BAR0 + 4 * i;
		u32 lo = pci_read_config32(d, off), hi = 0, mlo, mhi = 0;
		int n;

		pci_write_config32(d, off, 0xffffffff);
		mlo = pci_read_config32(d, off);
		pci_write_config32(d, off, lo);
		if (pci_bar_is_64(lo)) {
			if (i + 1 >= d->nbars) {
				pr_warn("pci %02x:%02x.%u: 64-bit BAR%u in the last slot\n",
					d->bus, d->dev, d->fn, i);
				break;
			}
			hi = pci_read_config32(d, off + 4);
			pci_write_config32(d, off + 4, 0xffffffff);
			mhi = pci_read_config32(d, off + 4);
			pci_write_config32(d, off + 4, hi);
		}
		n = pci_bar_decode(lo, hi, mlo, mhi, &d->bar[i]);
		if (n < 0) {
			pr_warn("pci %02x:%02x.%u: BAR%u has a reserved type (0x%x)\n",
				d->bus, d->dev, d->fn, i, lo);
			memset(&d->bar[i], 0, sizeof(d->bar[i]));
			n = 1;
		}
		if (n == 2)
			d->bar[i + 1].flags = PCI_BARF_UPPER;
		i += (unsigned)n;
	}
	pci_write_config16(d, PCI_COMMAND, cmd);
}

static void find_caps(struct pci_dev *d)
{
	d->msi_cap = pci_find_capability(d, PCI_CAP_ID_MSI);
	d->pcie_cap = pci_find_capability(d, PCI_CAP_ID_EXP);
	d->pm_cap = pci_find_capability(d, PCI_CAP_ID_PM);
	d->msix_cap = pci_find_capability(d, PCI_CAP_ID_MSIX);
	if (d->msix_cap) {
		struct pci_msix_info mi;

		if (pci_msix_decode(pci_read_config16(d, d->msix_cap + PCI_MSIX_FLAGS),
				    pci_read_config32(d, d->msix_cap + PCI_MSIX_TABLE),
				    pci_read_config32(d, d->msix_cap + PCI_MSIX_PBA), &mi)) {
			pr_warn("pci %02x:%02x.%u: MSI-X names a BAR that does not exist\n",
				d->bus, d->dev, d->fn);
			d->msix_cap = 0;
			return;
		}
		d->msix_size = mi.size;
		d->msix_table_bar = mi.table_bar;
		d->msix_table_off = mi.table_off;
		d->msix_pba_bar = mi.pba_bar;
		d->msix_pba_off = mi.pba_off;
	}
}

static struct pci_dev *add_function(const struct pci_dev *probe, u32 id)
{
	struct pci_dev *d;
	u32 cr;

	if (ndevices >= PCI_MAX_DEVICES) {
		dropped++;
		return NULL;
	}
	d = &devices[ndevices++];
	*d = *probe;
	d->vendor = (u16)id;
	d->device = (u16)(id >> 16);
	cr = pci_read_config32(d, PCI_CLASS_REVISION);
	d->class = cr >> 8;
	d->hdr_type = pci_read_config8(d, PCI_HEADER_TYPE) & PCI_HEADER_TYPE_MASK;
	d->irq_line = pci_read_config8(d, PCI_INTERRUPT_LINE);
	d->irq_pin = pci_read_config8(d, PCI_INTERRUPT_PIN);
	switch (d->hdr_type) {
	case PCI_HEADER_NORMAL:
		d->nbars = 6;
		break;
	case PCI_HEADER_BRIDGE:
		d->nbars = 2;
		d->secondary_bus = pci_read_config8(d, PCI_SECONDARY_BUS);
		break;
	default:
		d->nbars = 0;
		break;
	}
	size_bars(d);
	find_caps(d);
	return d;
}

static void scan_bus(struct ecam_window *w, unsigned bus, u64 *seen);

static void scan_function(struct ecam_window *w, unsigned bus, unsigned dev,
			  unsigned fn, u64 *seen, bool *multi)
{
	struct pci_dev probe, *d;
	u32 id;

	if (!probe_init(&probe, w, bus, dev, fn))
		return;
	id = pci_read_config32(&probe, PCI_VENDOR_ID);
	if ((id & 0xffff) == 0xffff || (id & 0xffff) == 0)
		return;
	if (fn == 0)
		*multi = pci_read_config8(&probe, PCI_HEADER_TYPE) & PCI_HEADER_MULTIFUNC;
	d = add_function(&probe, id);
	if (d && d->hdr_type == PCI_HEADER_BRIDGE && d->secondary_bus > bus)
		scan_bus(w, d->secondary_bus, seen);
}

static void scan_bus(struct ecam_window *w, unsigned bus, u64 *seen)
{
	if (seen[bus / 64] & BIT(bus % 64))
		return;
	seen[bus / 64] |= BIT(bus % 64);
	for (unsigned dev = 0; dev < 32; dev++) {
		bool multi = false;

		scan_function(w, bus, dev, 0, seen, &multi);
		for (unsigned fn = 1; multi && fn < 8; fn++)
			scan_function(w, bus, dev, fn, seen, &multi);
	}
}

/* Mechanism #1 answers when the address register keeps what is written
 * (Linux pci_check_type1 does the same test). */
static bool ports_present(void)
{
	unsigned long flags = spin_lock_irqsave(&pci_config_lock);
	u32 old = inl(PCI_CONF_ADDR);
	bool ok;

	outl(PCI_CONF_ADDR, PCI_CONF_ENABLE);
	ok = inl(PCI_CONF_ADDR) == PCI_CONF_ENABLE;
	outl(PCI_CONF_ADDR, old);
	spin_unlock_irqrestore(&pci_config_lock, flags);
	return ok;
}

int pci_init(void)
{
	const struct acpi_mcfg_info *mc = &acpi_info.mcfg;
	u64 seen[4];

	if (access != PCI_ACCESS_NONE)
		return (int)ndevices;	/* already enumerated */
	for (unsigned i = 0; mc->present && i < mc->n && necam < ACPI_MAX_MCFG; i++) {
		if (mc->e[i].end_bus < mc->e[i].start_bus)
			continue;
		ecam[necam].base = mc->e[i].base;
		ecam[necam].segment = mc->e[i].segment;
		ecam[necam].start_bus = mc->e[i].start_bus;
		ecam[necam].end_bus = mc->e[i].end_bus;
		necam++;
	}
	if (necam) {
		access = PCI_ACCESS_ECAM;
		for (unsigned i = 0; i < necam; i++) {
			memset(seen, 0, sizeof(seen));
			scan_bus(&ecam[i], ecam[i].start_bus, seen);
		}
	} else if (ports_present()) {
		access = PCI_ACCESS_PORTS;
		memset(seen, 0, sizeof(seen));
		scan_bus(NULL, 0, seen);
	} else {
		pr_err("pci: no ECAM window and no configuration ports\n");
		return -ENODEV;
	}
	if (dropped)
		pr_warn("pci: registry full, %u functions ignored\n", dropped);
	pr_info("pci: %u functions via %s\n", ndevices, pci_access_method());
	return (int)ndevices;
}

/* ---- registry ---- */

unsigned pci_device_count(void)
{
	return ndevices;
}

struct pci_dev *pci_device(unsigned i)
{
	return i < ndevices ? &devices[i] : NULL;
}

struct pci_dev *pci_find_device(u16 vendor, u16 device, unsigned index)
{
	for (unsigned i = 0; i < ndevices; i++) {
		struct pci_dev *d = &devices[i];

		if ((vendor == 0xffff || d->vendor == vendor) &&
		    (device == 0xffff || d->device == device) && index-- == 0)
			return d;
	}
	return NULL;
}

struct pci_dev *pci_find_class(u32 class, unsigned index)
{
	for (unsigned i = 0; i < ndevices; i++)
		if (devices[i].class == class && index-- == 0)
			return &devices[i];
	return NULL;
}

struct pci_dev *pci_get_bdf(u16 segment, u8 bus, u8 dev, u8 fn)
{
	for (unsigned i = 0; i < ndevices; i++) {
		struct pci_dev *d = &devices[i];

		if (d->segment == segment && d->bus == bus && d->dev == dev && d->fn == fn)
			return d;
	}
	return NULL;
}

/* ---- BARs and command register ---- */

void *pci_iomap(struct pci_dev *d, unsigned bar)
{
	struct pci_bar *b;

	if (bar >= d->nbars)
		return NULL;
	b = &d->bar[bar];
	if (b->va)
		return b->va;
	if (b->flags & (PCI_BARF_IO | PCI_BARF_UPPER) || !b->size || !b->addr) {
		pr_err("pci %02x:%02x.%u: BAR%u is not an assigned memory BAR\n",
		       d->bus, d->dev, d->fn, bar);
		return NULL;
	}
	b->va = ioremap(b->addr, b->size);
	if (!b->va)
		pr_err("pci %02x:%02x.%u: cannot map BAR%u (0x%llx, %llu bytes)\n",
		       d->bus, d->dev, d->fn, bar, (unsigned long long)b->addr,
		       (unsigned long long)b->size);
	return b->va;
}

void pci_enable_device(struct pci_dev *d)
{
	u16 cmd = pci_read_config16(d, PCI_COMMAND), want = 0;

	for (unsigned i = 0; i < d->nbars; i++) {
		if (!d->bar[i].size)
			continue;
		want |= d->bar[i].flags & PCI_BARF_IO ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;
	}
	if ((cmd & want) != want)
		pci_write_config16(d, PCI_COMMAND, cmd | want);
}

void pci_set_master(struct pci_dev *d)
{
	u16 cmd = pci_read_config16(d, PCI_COMMAND);

	if (!(cmd & PCI_COMMAND_MASTER))
		pci_write_config16(d, PCI_COMMAND, cmd | PCI_COMMAND_MASTER);
}

/*
 * Bus Master Enable clear: the function may issue no memory or I/O requests
 * (PCI 3.0 6.2.2; PCIe Base 4.0 7.5.1.1.3). The read back is a non-posted
 * configuration read: when it returns the bit clear, the write took effect
 * before the read reached the function, and its completion cannot have
 * passed a memory write the function posted before (PCIe Base 4.0 2.4.1).
 * So nothing of the function's is still on its way to memory, and nothing
 * more will come. A read that still shows the bit (or all ones) proves
 * nothing, and the caller must assume the function can still write.
 */
int pci_clear_master(struct pci_dev *d)
{
	u16 cmd = pci_read_config16(d, PCI_COMMAND);

	if (cmd & PCI_COMMAND_MASTER)
		pci_write_config16(d, PCI_COMMAND, cmd & ~(u16)PCI_COMMAND_MASTER);
	cmd = pci_read_config16(d, PCI_COMMAND);
	return cmd & PCI_COMMAND_MASTER ? -EIO : 0;
}

/* ---- MSI-X ---- */

static void msix_ctl(struct pci_dev *d, u16 set, u16 clear)
{
	unsigned off = d->msix_cap + PCI_MSIX_FLAGS;
	u16 ctl = pci_read_config16(d, off);

	pci_write_config16(d, off, (ctl | set) & ~clear);
}

/* Map the part of a BAR holding len bytes at off; NULL when it does not fit. */
static void __iomem *msix_map(struct pci_dev *d, unsigned bar, u32 off, u64 len)
{
	void __iomem *base;

	if (bar >= d->nbars || d->bar[bar].size < len ||
	    off > d->bar[bar].size - len)
		return NULL;
	base = pci_iomap(d, bar);
	return base ? base + off : NULL;
}

int pci_msix_enable(struct pci_dev *d)
{
	u16 cmd;

	if (!d->msix_cap)
		return -ENODEV;
	if (d->msix_table)
		return 0;
	d->msix_table = msix_map(d, d->msix_table_bar, d->msix_table_off,
				 (u64)d->msix_size * sizeof(struct pci_msix_entry));
	d->msix_pba = msix_map(d, d->msix_pba_bar, d->msix_pba_off,
			       DIV_ROUND_UP(d->msix_size, 64) * 8);
	if (!d->msix_table || !d->msix_pba) {
		pr_err("pci %02x:%02x.%u: MSI-X table or PBA outside its BAR\n",
		       d->bus, d->dev, d->fn);
		d->msix_table = NULL;
		d->msix_pba = NULL;
		return -EINVAL;
	}
	if (!d->msix_vectors) {
		d->msix_vectors = page_alloc_zeroed();	/* 2048 entries fit */
		if (!d->msix_vectors) {
			d->msix_table = NULL;
			d->msix_pba = NULL;
			return -ENOMEM;
		}
	}
	pci_enable_device(d);
	if (d->msi_cap) {
		u16 mc = pci_read_config16(d, d->msi_cap + PCI_MSI_FLAGS);

		pci_write_config16(d, d->msi_cap + PCI_MSI_FLAGS,
				   mc & ~(u16)PCI_MSI_FLAGS_ENABLE);
	}
	/* Enable with the function masked, mask each entry, then unmask the
	 * function: no entry fires with stale contents (PCI 3.0, 6.8.2.3). */
	msix_ctl(d, PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL, 0);
	for (unsigned i = 0; i < d->msix_size; i++)
		writel(PCI_MSIX_ENTRY_CTRL_MASKBIT, &d->msix_table[i].ctrl);
	cmd = pci_read_config16(d, PCI_COMMAND);
	pci_write_config16(d, PCI_COMMAND, cmd | PCI_COMMAND_INTX_DISABLE);
	msix_ctl(d, 0, PCI_MSIX_FLAGS_MASKALL);
	return 0;
}

void pci_msix_disable(struct pci_dev *d)
{
	if (!d->msix_table)
		return;
	for (unsigned i = 0; i < d->msix_size; i++)
		pci_msix_free_irq(d, i);
	msix_ctl(d, PCI_MSIX_FLAGS_MASKALL, PCI_MSIX_FLAGS_ENABLE);
	d->msix_table = NULL;
	d->msix_pba = NULL;
}

int pci_msix_set_vector(struct pci_dev *d, unsigned entry, u8 vector)
{
	struct pci_msix_entry e;
	struct pci_msix_entry __iomem *t;
	int err;

	if (!d->msix_table)
		return -ENODEV;
	if (entry >= d->msix_size)
		return -EINVAL;
	err = pci_msix_encode(&e, apic_id(), vector, true);
	if (err)
		return err;
	t = &d->msix_table[entry];
	writel(readl(&t->ctrl) | PCI_MSIX_ENTRY_CTRL_MASKBIT, &t->ctrl);
	writel(e.addr_lo, &t->addr_lo);
	writel(e.addr_hi, &t->addr_hi);
	writel(e.data, &t->data);
	readl(&t->ctrl);	/* flush the posted writes */
	return 0;
}

void pci_msix_mask(struct pci_dev *d, unsigned entry)
{
	if (d->msix_table && entry < d->msix_size) {
		u32 __iomem *ctrl = &d->msix_table[entry].ctrl;

		writel(readl(ctrl) | PCI_MSIX_ENTRY_CTRL_MASKBIT, ctrl);
		readl(ctrl);	/* flush the posted write */
	}
}

void pci_msix_unmask(struct pci_dev *d, unsigned entry)
{
	if (d->msix_table && entry < d->msix_size) {
		u32 __iomem *ctrl = &d->msix_table[entry].ctrl;

		writel(readl(ctrl) & ~(u32)PCI_MSIX_ENTRY_CTRL_MASKBIT, ctrl);
		readl(ctrl);	/* flush the posted write */
	}
}

void pci_msix_mask_all(struct pci_dev *d, bool masked)
{
	if (d->msix_cap)
		msix_ctl(d, masked ? PCI_MSIX_FLAGS_MASKALL : 0,
			 masked ? 0 : PCI_MSIX_FLAGS_MASKALL);
}

bool pci_msix_pending(const struct pci_dev *d, unsigned entry)
{
	if (!d->msix_pba || entry >= d->msix_size)
		return false;
	return (readq(&d->msix_pba[entry / 64]) >> (entry % 64)) & 1;
}

int pci_msix_request_irq(struct pci_dev *d, unsigned entry,
			 void (*fn)(struct pt_regs *regs, void *arg), void *arg,
			 const char *name)
{
	int vec, err;

	if (!d->msix_table)
		return -ENODEV;
	if (entry >= d->msix_size)
		return -EINVAL;
	if (d->msix_vectors[entry])
		return -EBUSY;
	vec = irq_alloc_vector(fn, arg, name);
	if (vec < 0)
		return vec;
	err = pci_msix_set_vector(d, entry, (u8)vec);
	if (err) {
		irq_unregister((unsigned)vec);
		return err;
	}
	d->msix_vectors[entry] = (u8)vec;
	pci_msix_unmask(d, entry);
	return vec;
}

void pci_msix_free_irq(struct pci_dev *d, unsigned entry)
{
	if (!d->msix_table || entry >= d->msix_size || !d->msix_vectors[entry])
		return;
	pci_msix_mask(d, entry);
	irq_unregister(d->msix_vectors[entry]);
	d->msix_vectors[entry] = 0;
}
