/*
 * pci.h - PCI configuration space, enumeration, BARs and MSI-X.
 *
 * pci_init() (drivers/pci/pci.c) enumerates every function once at boot:
 * through ECAM windows from ACPI's MCFG when there are any (q35), else the
 * legacy 0xCF8/0xCFC ports (the `pc` machine), following bridges through
 * their secondary bus numbers. Each function found gets a struct pci_dev in
 * a fixed registry (pci_find_device, pci_find_class, pci_for_each_device)
 * with its BARs already sized and its capabilities located. Drivers then
 * map BARs (pci_iomap), enable decoding and bus mastering, and route MSI-X
 * entries to vectors they allocate (pci_msix_*).
 *
 * The pure helpers at the bottom (drivers/pci/pci_lib.c) decode BARs, walk
 * capability lists through a config-space read callback and encode MSI-X
 * table entries; host unit tests run them on fake config spaces.
 *
 * Register layouts: PCI Local Bus Specification 3.0 (6.1 configuration
 * header, 6.2.5 base addresses, 6.7 capabilities list, 6.8.2 MSI-X) and the
 * PCI Express Base Specification (7.2.2 ECAM, 7.6 extended capabilities).
 */
#ifndef PFNOS_PCI_H
#define PFNOS_PCI_H

#include "compiler.h"
#include "io.h"
#include "types.h"

struct pt_regs;

/* ---- configuration header (PCI 3.0, 6.1) ---- */
#define PCI_VENDOR_ID		0x00	/* 16 */
#define PCI_DEVICE_ID		0x02	/* 16 */
#define PCI_COMMAND		0x04	/* 16 */
#define  PCI_COMMAND_IO		BIT(0)
#define  PCI_COMMAND_MEMORY	BIT(1)
#define  PCI_COMMAND_MASTER	BIT(2)
#define  PCI_COMMAND_INTX_DISABLE BIT(10)
#define PCI_STATUS		0x06	/* 16 */
#define  PCI_STATUS_CAP_LIST	BIT(4)
#define PCI_CLASS_REVISION	0x08	/* 32: class[31:8] revision[7:0] */
#define PCI_HEADER_TYPE		0x0e	/* 8 */
#define  PCI_HEADER_TYPE_MASK	0x7f
#define  PCI_HEADER_MULTIFUNC	BIT(7)
#define  PCI_HEADER_NORMAL	0
#define  PCI_HEADER_BRIDGE	1
#define  PCI_HEADER_CARDBUS	2
#define PCI_BAR0		0x10	/* 6 BARs (type 0), 2 (type 1) */
#define PCI_SUBSYSTEM_VENDOR_ID	0x2c
#define PCI_SUBSYSTEM_ID	0x2e
#define PCI_CAPABILITY_LIST	0x34	/* 8 */
#define PCI_INTERRUPT_LINE	0x3c	/* 8 */
#define PCI_INTERRUPT_PIN	0x3d	/* 8 */
/* type 1 (PCI-to-PCI Bridge Architecture Specification 1.2, 3.2) */
#define PCI_PRIMARY_BUS		0x18	/* 8 */
#define PCI_SECONDARY_BUS	0x19	/* 8 */
#define PCI_SUBORDINATE_BUS	0x1a	/* 8 */

/* BAR low dword (PCI 3.0, 6.2.5.1) */
#define PCI_BAR_SPACE_IO	BIT(0)
#define PCI_BAR_MEM_TYPE	GENMASK(2, 1)	/* 0: 32-bit, 1: below 1M, 2: 64-bit */
#define  PCI_BAR_MEM_TYPE_64	2
#define PCI_BAR_MEM_PREFETCH	BIT(3)
#define PCI_BAR_MEM_MASK	(~0xfULL)
#define PCI_BAR_IO_MASK		(~0x3ULL)

/* Capability IDs (PCI Code and ID Assignment Specification 1.11, 2) */
#define PCI_CAP_ID_PM		0x01
#define PCI_CAP_ID_AGP		0x02
#define PCI_CAP_ID_VPD		0x03
#define PCI_CAP_ID_SLOTID	0x04
#define PCI_CAP_ID_MSI		0x05
#define PCI_CAP_ID_HT		0x08
#define PCI_CAP_ID_VNDR		0x09
#define PCI_CAP_ID_DBG		0x0a
#define PCI_CAP_ID_HOTPLUG	0x0c
#define PCI_CAP_ID_SSVID	0x0d
#define PCI_CAP_ID_EXP		0x10	/* PCI Express */
#define PCI_CAP_ID_MSIX		0x11
#define PCI_CAP_ID_SATA		0x12
#define PCI_CAP_ID_AF		0x13
#define PCI_CAP_ID_EA		0x14
#define PCI_CAP_ID_MAX		0x15

/* Extended capabilities start at 0x100 (PCIe Base 7.6): id[15:0]
 * version[19:16] next[31:20] */
#define PCI_CFG_SPACE_SIZE	256
#define PCI_CFG_SPACE_EXP_SIZE	4096
#define PCI_EXT_CAP_ID(h)	((u16)FIELD_GET(GENMASK(15, 0), h))
#define PCI_EXT_CAP_NEXT(h)	((u16)FIELD_GET(GENMASK(31, 20), h))

/* MSI-X capability (PCI 3.0, 6.8.2) */
#define PCI_MSIX_FLAGS		0x02	/* 16: message control */
#define  PCI_MSIX_FLAGS_QSIZE	GENMASK(10, 0)	/* table size - 1 */
#define  PCI_MSIX_FLAGS_MASKALL	BIT(14)
#define  PCI_MSIX_FLAGS_ENABLE	BIT(15)
#define PCI_MSIX_TABLE		0x04	/* 32: BIR[2:0], offset[31:3] */
#define PCI_MSIX_PBA		0x08	/* 32: BIR[2:0], offset[31:3] */
#define  PCI_MSIX_BIR		GENMASK(2, 0)
#define  PCI_MSIX_OFFSET	GENMASK(31, 3)
#define PCI_MSI_FLAGS		0x02	/* MSI message control */
#define  PCI_MSI_FLAGS_ENABLE	BIT(0)

/* One MSI-X table entry (PCI 3.0, 6.8.2.6-9). */
struct pci_msix_entry {
	u32 addr_lo;
	u32 addr_hi;
	u32 data;
	u32 ctrl;
};
_Static_assert(sizeof(struct pci_msix_entry) == 16, "MSI-X table entry");
#define PCI_MSIX_ENTRY_CTRL_MASKBIT	BIT(0)

/* MSI address and data for x86 (Intel SDM vol. 3A, 11.11.1 and 11.11.2):
 * address 0xFEE00000 | destination APIC ID << 12, physical destination;
 * data = vector with fixed delivery, edge trigger. */
#define MSI_ADDR_BASE		0xfee00000u
#define MSI_ADDR_DEST_ID	GENMASK(19, 12)
#define MSI_DATA_VECTOR		GENMASK(7, 0)

/* ---- software state ---- */
#define PCI_MAX_DEVICES		128
#define PCI_NUM_BARS		6

#define PCI_BARF_IO		BIT(0)	/* I/O space, else memory */
#define PCI_BARF_64		BIT(1)	/* 64-bit memory BAR (uses two slots) */
#define PCI_BARF_PREFETCH	BIT(2)
#define PCI_BARF_UPPER		BIT(3)	/* the high half of the previous BAR */

struct pci_bar {
	u64 addr;		/* bus address as programmed; 0 when unassigned */
	u64 size;		/* 0: not implemented */
	unsigned flags;		/* PCI_BARF_* */
	void *va;		/* pci_iomap() mapping, NULL until asked */
};

struct pci_dev {
	u16 segment;
	u8 bus, dev, fn;
	u16 vendor, device;
	u32 class;		/* class code [23:16] subclass [15:8] prog-if [7:0] */
	u8 hdr_type;		/* PCI_HEADER_* without the multifunction bit */
	u8 irq_line, irq_pin;
	u8 secondary_bus;	/* bridges */
	unsigned nbars;		/* 6 for type 0, 2 for bridges, 0 otherwise */
	struct pci_bar bar[PCI_NUM_BARS];
	u8 msi_cap, msix_cap, pcie_cap, pm_cap;	/* offsets, 0 when absent */
	/* MSI-X: from the capability; the table is mapped by pci_msix_enable */
	u16 msix_size;
	u8 msix_table_bar, msix_pba_bar;
	u32 msix_table_off, msix_pba_off;
	struct pci_msix_entry __iomem *msix_table;
	u64 __iomem *msix_pba;
	u8 *msix_vectors;	/* vector per entry while allocated, 0 free */
	void __iomem *cfg;	/* ECAM mapping of this function, NULL: ports */
};

/* ---- kernel interface (drivers/pci/pci.c) ---- */

/**
 * pci_init - enumerate all PCI functions (ECAM from the MCFG, else the
 * legacy ports) and size their BARs.
 * Returns the number of functions found, or -errno when there is no way to
 * reach configuration space.
 * Context: boot, after mm_init() (ECAM is mapped with ioremap).
 */
int pci_init(void);
/* How configuration space is reached: "ecam", "ports" or "none". */
const char *pci_access_method(void);

u8 pci_read_config8(const struct pci_dev *d, unsigned off);
u16 pci_read_config16(const struct pci_dev *d, unsigned off);
u32 pci_read_config32(const struct pci_dev *d, unsigned off);
void pci_write_config8(const struct pci_dev *d, unsigned off, u8 v);
void pci_write_config16(const struct pci_dev *d, unsigned off, u16 v);
void pci_write_config32(const struct pci_dev *d, unsigned off, u32 v);
/* Bytes of configuration space this function has: 4096 with ECAM, else 256. */
unsigned pci_config_size(const struct pci_dev *d);

/* Registry lookups. index counts matches from 0; NULL when none left.
 * vendor or device 0xffff matches any. */
struct pci_dev *pci_find_device(u16 vendor, u16 device, unsigned index);
/* class is the 24-bit class code (0x010802: NVMe) */
struct pci_dev *pci_find_class(u32 class, unsigned index);
struct pci_dev *pci_get_bdf(u16 segment, u8 bus, u8 dev, u8 fn);
unsigned pci_device_count(void);
struct pci_dev *pci_device(unsigned i);
#define pci_for_each_device(d)						\
	for (unsigned _pi = 0; ((d) = pci_device(_pi)) != NULL; _pi++)

/**
 * pci_iomap - map a memory BAR uncached (ioremap); later calls return the
 * same mapping.
 * Returns the virtual address, or NULL (I/O BAR, unassigned, no memory).
 */
void *pci_iomap(struct pci_dev *d, unsigned bar);
/* Turn on memory (and I/O) decoding for the BARs the function has. */
void pci_enable_device(struct pci_dev *d);
void pci_set_master(struct pci_dev *d);
/*
 * pci_clear_master - stop the function from mastering the bus (Command
 * register bit 2: no memory or I/O requests of its own, MSI-X messages
 * included) and read the register back. Returns 0 when it reads back off,
 * -EIO when it still reads on (a function gone from the bus reads all
 * ones): then it may still reach memory.
 */
int pci_clear_master(struct pci_dev *d);
/* Find a capability by id; 0 when absent. Bounded and loop-safe. */
u8 pci_find_capability(const struct pci_dev *d, u8 id);
/* Find an extended capability (ECAM only); 0 when absent. */
u16 pci_find_ext_capability(const struct pci_dev *d, u16 id);

/**
 * pci_msix_enable - map the MSI-X table and PBA, mask every entry, turn off
 * INTx and MSI, and enable MSI-X with the function mask cleared.
 * Returns 0, -ENODEV without MSI-X, -ENOMEM or -EINVAL (table outside its BAR).
 */
int pci_msix_enable(struct pci_dev *d);
void pci_msix_disable(struct pci_dev *d);
/* Program entry to deliver vector to CPU cpu's local APIC (MSI address
 * destination ID; PCI 3.0 6.8.2, Intel SDM vol. 3A 10.11.1), left masked.
 * -ENODEV for a CPU that is not online. */
int pci_msix_set_vector(struct pci_dev *d, unsigned entry, u8 vector,
			unsigned cpu);
void pci_msix_mask(struct pci_dev *d, unsigned entry);
void pci_msix_unmask(struct pci_dev *d, unsigned entry);
/* The function mask (all entries at once). */
void pci_msix_mask_all(struct pci_dev *d, bool masked);
/* The entry's pending bit in the PBA. */
bool pci_msix_pending(const struct pci_dev *d, unsigned entry);

/**
 * pci_msix_request_irq - allocate a vector (irq_alloc_vector) with handler
 * fn(regs, arg), program MSI-X entry to deliver it to CPU cpu and unmask it.
 * Returns the vector, or -errno (-ENODEV: MSI-X not enabled or cpu not
 * online, -EINVAL: entry outside the table, -EBUSY: entry in use, -ENOSPC:
 * no vector).
 */
int pci_msix_request_irq(struct pci_dev *d, unsigned entry, unsigned cpu,
			 void (*fn)(struct pt_regs *regs, void *arg), void *arg,
			 const char *name);
/* Mask the entry and release its vector. */
void pci_msix_free_irq(struct pci_dev *d, unsigned entry);

/* ---- pure helpers (drivers/pci/pci_lib.c) ---- */

/* Reads the aligned dword at off (0..4095) of one function's config space. */
typedef u32 (*pci_cfg_read_fn)(const void *ctx, unsigned off);

#define PCI_MAX_CAPS		48	/* (256 - 64) / 4: a longer list loops */
struct pci_cap {
	u16 id;
	u16 off;
};

/**
 * pci_cap_walk - list the standard capabilities of a function, from
 * PCI_CAPABILITY_LIST when the status register says there is a list.
 * pci_ext_cap_walk does the same for the extended list at 0x100 (PCIe
 * configuration space only). A pointer into the header, past the end, or
 * back to an entry already seen ends the list with a log line; the walk
 * stops after PCI_MAX_CAPS (resp. 1024) entries in any case.
 * Returns the number of entries written to caps (at most max).
 */
unsigned pci_cap_walk(pci_cfg_read_fn rd, const void *ctx, struct pci_cap *caps,
		      unsigned max);
unsigned pci_ext_cap_walk(pci_cfg_read_fn rd, const void *ctx, struct pci_cap *caps,
			  unsigned max);
/* The offset of the first capability id, 0 when absent. */
u8 pci_cap_find(pci_cfg_read_fn rd, const void *ctx, u8 id);
u16 pci_ext_cap_find(pci_cfg_read_fn rd, const void *ctx, u16 id);

/**
 * pci_bar_decode - decode one BAR from its original value(s) and what reads
 * back after writing all-ones (PCI 3.0, 6.2.5.1). For a 64-bit memory BAR
 * the high dwords are orig_hi/mask_hi (the next slot); otherwise they are
 * ignored.
 * Returns the number of BAR slots used (1 or 2), or -EINVAL for a reserved
 * memory type (3).
 */
int pci_bar_decode(u32 orig_lo, u32 orig_hi, u32 mask_lo, u32 mask_hi,
		   struct pci_bar *out);
/* True when the low dword describes a 64-bit memory BAR. */
static inline bool pci_bar_is_64(u32 lo)
{
	return !(lo & PCI_BAR_SPACE_IO) &&
	       FIELD_GET(PCI_BAR_MEM_TYPE, lo) == PCI_BAR_MEM_TYPE_64;
}

struct pci_msix_info {
	u16 size;		/* entries */
	u8 table_bar, pba_bar;
	u32 table_off, pba_off;
};
/* Decode the MSI-X capability's message control, table and PBA dwords.
 * Returns 0, or -EINVAL when a BIR names no BAR (6, 7). */
int pci_msix_decode(u16 msgctl, u32 table, u32 pba, struct pci_msix_info *out);
/* Encode an entry delivering vector to apic_id (edge, fixed, physical).
 * Returns 0, or -ERANGE for an APIC ID above 255 or a vector below 16. */
int pci_msix_encode(struct pci_msix_entry *e, u32 apic_id, u8 vector, bool masked);

/* Names for lspci ("MSI-X", "PCIe", "mass storage/NVMe"); never NULL. */
const char *pci_cap_name(u8 id);
const char *pci_ext_cap_name(u16 id);
const char *pci_class_name(u32 class);

#endif
