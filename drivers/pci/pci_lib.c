/*
 * pci_lib.c - the pure half of PCI: BAR decoding and sizing arithmetic,
 * capability-list walks over a config-space read callback, MSI-X capability
 * decoding and table-entry encoding, and names for lspci.
 *
 * Nothing here touches hardware: drivers/pci/pci.c passes a callback that
 * reads real configuration space, tests/unit/test_pci.c one that reads a
 * fake. Malformed lists (pointers into the header, loops) end the walk with
 * a log line rather than hanging the boot.
 */
#include "errno.h"
#include "lib.h"
#include "pci.h"
#include "printk.h"

static u8 cfg_read8(pci_cfg_read_fn rd, const void *ctx, unsigned off)
{
	return (u8)(rd(ctx, off & ~3u) >> ((off & 3) * 8));
}

static u16 cfg_read16(pci_cfg_read_fn rd, const void *ctx, unsigned off)
{
	return (u16)(rd(ctx, off & ~3u) >> ((off & 2) * 8));
}

unsigned pci_cap_walk(pci_cfg_read_fn rd, const void *ctx, struct pci_cap *caps,
		      unsigned max)
{
	u64 seen = 0;		/* one bit per dword of the 256-byte space */
	unsigned n = 0, steps = 0;
	u8 ptr;

	if (!(cfg_read16(rd, ctx, PCI_STATUS) & PCI_STATUS_CAP_LIST))
		return 0;
	ptr = cfg_read8(rd, ctx, PCI_CAPABILITY_LIST) & 0xfc;
	while (ptr) {
		u32 dw;

		if (ptr < 0x40) {
			pr_warn("pci: capability pointer 0x%x points into the header\n", ptr);
			break;
		}
		if (seen & BIT(ptr >> 2)) {
			pr_warn("pci: capability list loops at 0x%x\n", ptr);
			break;
		}
		if (++steps > PCI_MAX_CAPS)
			break;
		seen |= BIT(ptr >> 2);
		dw = rd(ctx, ptr);
		if (n < max) {
			caps[n].id = (u8)dw;
			caps[n].off = ptr;
		}
		n++;
		ptr = (u8)(dw >> 8) & 0xfc;
	}
	return min(n, max);
}

unsigned pci_ext_cap_walk(pci_cfg_read_fn rd, const void *ctx, struct pci_cap *caps,
			  unsigned max)
{
	u64 seen[PCI_CFG_SPACE_EXP_SIZE / 4 / 64] = { 0 };
	unsigned n = 0, off = PCI_CFG_SPACE_SIZE;

	for (unsigned steps = 0; off && steps < PCI_CFG_SPACE_EXP_SIZE / 4; steps++) {
		u32 hdr;

		if (off < PCI_CFG_SPACE_SIZE || off >= PCI_CFG_SPACE_EXP_SIZE) {
			pr_warn("pci: extended capability pointer 0x%x out of range\n", off);
			break;
		}
		if (seen[off / 4 / 64] & BIT((off / 4) % 64)) {
			pr_warn("pci: extended capability list loops at 0x%x\n", off);
			break;
		}
		seen[off / 4 / 64] |= BIT((off / 4) % 64);
		hdr = rd(ctx, off);
		if (hdr == 0 || hdr == 0xffffffff)
			break;		/* no extended capabilities */
		if (PCI_EXT_CAP_ID(hdr)) {
			if (n < max) {
				caps[n].id = PCI_EXT_CAP_ID(hdr);
				caps[n].off = (u16)off;
			}
			n++;
		}
		off = PCI_EXT_CAP_NEXT(hdr) & ~3u;
	}
	return min(n, max);
}

u8 pci_cap_find(pci_cfg_read_fn rd, const void *ctx, u8 id)
{
	struct pci_cap caps[PCI_MAX_CAPS];
	unsigned n = pci_cap_walk(rd, ctx, caps, ARRAY_SIZE(caps));

	for (unsigned i = 0; i < n; i++)
		if (caps[i].id == id)
			return (u8)caps[i].off;
	return 0;
}

u16 pci_ext_cap_find(pci_cfg_read_fn rd, const void *ctx, u16 id)
{
	struct pci_cap caps[64];
	unsigned n = pci_ext_cap_walk(rd, ctx, caps, ARRAY_SIZE(caps));

	for (unsigned i = 0; i < n; i++)
		if (caps[i].id == id)
			return caps[i].off;
	return 0;
}

/*
 * A BAR's size is the lowest address bit that stays writable after all-ones
 * are written (PCI 3.0, 6.2.5.1): the bits below it are hardwired to zero.
 * The lowest set bit also copes with devices that leave stray high bits
 * clear (Linux pci_size() does the same).
 */
static u64 bar_size(u64 mask)
{
	return mask & (~mask + 1);
}

int pci_bar_decode(u32 orig_lo, u32 orig_hi, u32 mask_lo, u32 mask_hi,
		   struct pci_bar *out)
{
	u64 mask;

	memset(out, 0, sizeof(*out));
	if (orig_lo & PCI_BAR_SPACE_IO) {
		mask = mask_lo & PCI_BAR_IO_MASK & 0xffffffffULL;
		if (mask && !(mask & 0xffff0000))
			mask |= 0xffff0000;	/* a 16-bit I/O decoder */
		out->flags = PCI_BARF_IO;
		out->addr = orig_lo & PCI_BAR_IO_MASK & 0xffffffffULL;
		out->size = bar_size(mask);
		return 1;
	}
	switch (FIELD_GET(PCI_BAR_MEM_TYPE, orig_lo)) {
	case 0:
	case 1:		/* "below 1 MiB", obsolete: decoded as 32-bit */
		mask = mask_lo & PCI_BAR_MEM_MASK & 0xffffffffULL;
		if (mask)
			mask |= 0xffffffff00000000ULL;
		out->addr = orig_lo & PCI_BAR_MEM_MASK & 0xffffffffULL;
		break;
	case PCI_BAR_MEM_TYPE_64:
		mask = (((u64)mask_hi << 32) | mask_lo) & PCI_BAR_MEM_MASK;
		out->addr = (((u64)orig_hi << 32) | orig_lo) & PCI_BAR_MEM_MASK;
		out->flags |= PCI_BARF_64;
		break;
	default:
		return -EINVAL;
	}
	if (orig_lo & PCI_BAR_MEM_PREFETCH)
		out->flags |= PCI_BARF_PREFETCH;
	out->size = bar_size(mask);
	return out->flags & PCI_BARF_64 ? 2 : 1;
}

int pci_msix_decode(u16 msgctl, u32 table, u32 pba, struct pci_msix_info *out)
{
	memset(out, 0, sizeof(*out));
	out->size = (u16)FIELD_GET(PCI_MSIX_FLAGS_QSIZE, msgctl) + 1;
	out->table_bar = (u8)FIELD_GET(PCI_MSIX_BIR, table);
	out->pba_bar = (u8)FIELD_GET(PCI_MSIX_BIR, pba);
	out->table_off = table & PCI_MSIX_OFFSET;
	out->pba_off = pba & PCI_MSIX_OFFSET;
	if (out->table_bar >= PCI_NUM_BARS || out->pba_bar >= PCI_NUM_BARS)
		return -EINVAL;
	return 0;
}

int pci_msix_encode(struct pci_msix_entry *e, u32 apic_id, u8 vector, bool masked)
{
	if (apic_id > 0xff || vector < 16)
		return -ERANGE;
	e->addr_lo = MSI_ADDR_BASE | (u32)FIELD_PREP(MSI_ADDR_DEST_ID, apic_id);
	e->addr_hi = 0;
	e->data = (u32)FIELD_PREP(MSI_DATA_VECTOR, vector);
	e->ctrl = masked ? PCI_MSIX_ENTRY_CTRL_MASKBIT : 0;
	return 0;
}

static const char *const cap_names[PCI_CAP_ID_MAX] = {
	[PCI_CAP_ID_PM] = "PM", [PCI_CAP_ID_AGP] = "AGP", [PCI_CAP_ID_VPD] = "VPD",
	[PCI_CAP_ID_SLOTID] = "SlotID", [PCI_CAP_ID_MSI] = "MSI",
	[PCI_CAP_ID_HT] = "HT", [PCI_CAP_ID_VNDR] = "Vendor",
	[PCI_CAP_ID_DBG] = "Debug", [PCI_CAP_ID_HOTPLUG] = "HotPlug",
	[PCI_CAP_ID_SSVID] = "SSVID", [PCI_CAP_ID_EXP] = "PCIe",
	[PCI_CAP_ID_MSIX] = "MSI-X", [PCI_CAP_ID_SATA] = "SATA",
	[PCI_CAP_ID_AF] = "AF", [PCI_CAP_ID_EA] = "EA",
};

const char *pci_cap_name(u8 id)
{
	return id < PCI_CAP_ID_MAX && cap_names[id] ? cap_names[id] : "?";
}

/* PCIe Base 7.6 extended capability IDs, the common ones. */
const char *pci_ext_cap_name(u16 id)
{
	switch (id) {
	case 0x01: return "AER";
	case 0x02: return "VC";
	case 0x03: return "DSN";
	case 0x04: return "PowerBudget";
	case 0x0b: return "VendorExt";
	case 0x0d: return "ACS";
	case 0x0e: return "ARI";
	case 0x10: return "SR-IOV";
	case 0x15: return "ResizableBAR";
	case 0x17: return "TPH";
	case 0x18: return "LTR";
	case 0x19: return "SecondaryPCIe";
	case 0x1e: return "L1SS";
	case 0x25: return "DLF";
	default: return "?";
	}
}

static const struct {
	u32 class, mask;
	const char *name;
} class_names[] = {
	{ 0x010802, 0xffffff, "NVMe controller" },
	{ 0x010601, 0xffffff, "AHCI controller" },
	{ 0x010100, 0xffff00, "IDE controller" },
	{ 0x010000, 0xffff00, "SCSI controller" },
	{ 0x010000, 0xff0000, "mass storage" },
	{ 0x020000, 0xffff00, "Ethernet controller" },
	{ 0x020000, 0xff0000, "network controller" },
	{ 0x030000, 0xffff00, "VGA controller" },
	{ 0x030000, 0xff0000, "display controller" },
	{ 0x040000, 0xff0000, "multimedia" },
	{ 0x050000, 0xff0000, "memory controller" },
	{ 0x060000, 0xffff00, "host bridge" },
	{ 0x060100, 0xffff00, "ISA bridge" },
	{ 0x060400, 0xffff00, "PCI bridge" },
	{ 0x060000, 0xff0000, "bridge" },
	{ 0x070000, 0xffff00, "serial controller" },
	{ 0x080000, 0xff0000, "system peripheral" },
	{ 0x0c0300, 0xffff00, "USB controller" },
	{ 0x0c0500, 0xffff00, "SMBus controller" },
	{ 0x0c0000, 0xff0000, "serial bus controller" },
};

const char *pci_class_name(u32 class)
{
	for (unsigned i = 0; i < ARRAY_SIZE(class_names); i++)
		if ((class & class_names[i].mask) == class_names[i].class)
			return class_names[i].name;
	return "unknown class";
}
