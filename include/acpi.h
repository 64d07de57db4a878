/*
 * acpi.h - ACPI firmware tables: what was found, and the parsers that find it.
 *
 * drivers/acpi/ parses the RSDP, the XSDT (RSDT fallback) and the tables
 * pfnos uses: FADT (power-off, reset, PM timer), the DSDT's \_S5 package,
 * MADT (CPUs, IOAPICs, interrupt overrides), MCFG (PCI ECAM), HPET and NFIT
 * (persistent memory, handed to mm with memmap_add_region()).
 *
 * The parsers are pure: they read physical memory only through an
 * acpi_map_fn, so host tests and fuzzers run them on a fake memory. They copy
 * what they need into struct acpi_info and keep no pointer into firmware
 * memory. Malformed tables are rejected with a log line ("acpi: ..."), and a
 * rejected table contributes nothing.
 *
 * In the kernel, acpi_init() (drivers/acpi/acpi.c) runs once at boot, after
 * the boot information and the memory map, before the frame allocator and
 * paging; it fills acpi_info and registers the ACPI power-off and reset
 * methods with power_ops_register().
 */
#ifndef PFNOS_ACPI_H
#define PFNOS_ACPI_H

#include "boot.h"
#include "types.h"

#define ACPI_SDT_HEADER_LEN	36
#define ACPI_TABLE_MAX_LEN	(16u << 20)	/* anything longer is garbage */

#define ACPI_MAX_TABLES		32
#define ACPI_MAX_CPUS		64
#define ACPI_MAX_IOAPICS	8
#define ACPI_MAX_OVERRIDES	16
#define ACPI_MAX_NMIS		16
#define ACPI_MAX_MCFG		8
#define ACPI_MAX_SPA		16

/*
 * Returns a pointer through which len bytes of physical memory at phys can be
 * read, or NULL. The kernel passes memremap(phys, len, MAP_WB); host tests a
 * fake physical memory.
 */
typedef const void *(*acpi_map_fn)(u64 phys, size_t len);

/* Generic Address Structure (ACPI 6.4, 5.2.3.2), unpacked copy. */
#define ACPI_GAS_MEMORY		0
#define ACPI_GAS_IO		1
#define ACPI_GAS_PCI_CONFIG	2
struct acpi_gas {
	u8 space_id;
	u8 bit_width;
	u8 bit_offset;
	u8 access_size;
	u64 address;
};

struct acpi_rsdp_info {
	u64 phys;		/* 0 when only a copy was available */
	u8 revision;
	char oem_id[7];
	u32 rsdt;
	u64 xsdt;		/* 0 for revision < 2 */
};

/* One validated table (header copy), for the summary and the shell. */
struct acpi_table_info {
	char sig[5];
	char oem_id[7];
	char oem_table_id[9];
	u8 revision;
	u64 phys;
	u32 length;
};

/* FADT flags (ACPI 6.4, 5.2.9 Table 5.10) */
#define ACPI_FADT_TMR_VAL_EXT	BIT(8)	/* PM timer is 32 bits, else 24 */
#define ACPI_FADT_RESET_REG_SUP	BIT(10)
#define ACPI_FADT_HW_REDUCED	BIT(20)

struct acpi_fadt_info {
	bool present;
	u8 revision;
	u32 flags;
	u16 sci_irq;
	u16 iapc_boot_arch;
	u64 dsdt;			/* X_DSDT when non-zero, else DSDT */
	struct acpi_gas pm1a_cnt;	/* address 0: absent */
	struct acpi_gas pm1b_cnt;
	struct acpi_gas pm_timer;
	u8 pm_timer_bits;		/* 24 or 32; 0 without a PM timer */
	bool reset_supported;		/* RESET_REG_SUP and a usable register */
	struct acpi_gas reset_reg;
	u8 reset_value;
};

/* \_S5 sleep type values (ACPI 6.4, 7.4.2 "\_Sx (System States)"). */
struct acpi_s5 {
	bool valid;
	u8 slp_typa;
	u8 slp_typb;
	char found_in[5];		/* "DSDT" or "SSDT" */
};

/* MADT (ACPI 6.4, 5.2.12) */
#define ACPI_MADT_PCAT_COMPAT	BIT(0)
#define ACPI_LAPIC_DEFAULT	0xfee00000ULL

struct acpi_madt_cpu {
	u32 apic_id;
	u32 uid;		/* ACPI processor UID */
	bool x2apic;		/* from a type 9 entry */
	bool hotplug;	/* not enabled, may be hot-added (Online Capable,
				 * or any disabled entry before MADT revision 5):
				 * never started */
};
struct acpi_madt_ioapic {
	u8 id;
	u32 address;
	u32 gsi_base;
};
struct acpi_madt_override {
	u8 bus;
	u8 source;		/* ISA IRQ */
	u32 gsi;
	u16 flags;		/* MPS INTI flags: polarity bits 1:0, trigger 3:2 */
};
#define ACPI_NMI_SOURCE		0	/* type 3: an NMI on a GSI */
#define ACPI_NMI_LAPIC		1	/* type 4/0xA: LINT pin of a CPU */
struct acpi_madt_nmi {
	u8 kind;
	u16 flags;
	u32 gsi;		/* ACPI_NMI_SOURCE */
	u32 uid;		/* ACPI_NMI_LAPIC: 0xff / 0xffffffff = all CPUs */
	u8 lint;
};
struct acpi_madt_info {
	bool present;
	u64 lapic_addr;		/* with the type 5 override applied */
	u32 flags;
	u8 revision;		/* the table's: Online Capable exists from 5 */
	unsigned ncpus;
	unsigned ncpus_disabled;	/* present but not enabled (hot-pluggable too) */
	unsigned ncpus_hotplug;		/* of cpu[], those not enabled (hotplug) */
	struct acpi_madt_cpu cpu[ACPI_MAX_CPUS];
	unsigned nioapic;
	struct acpi_madt_ioapic ioapic[ACPI_MAX_IOAPICS];
	unsigned noverride;
	struct acpi_madt_override override[ACPI_MAX_OVERRIDES];
	unsigned nnmi;
	struct acpi_madt_nmi nmi[ACPI_MAX_NMIS];
	unsigned dropped;	/* entries beyond the fixed arrays, or unknown */
};

/* MCFG (PCI Firmware Spec 3.2, 4.1.2): one ECAM window per entry. */
struct acpi_mcfg_entry {
	u64 base;
	u16 segment;
	u8 start_bus;
	u8 end_bus;
};
struct acpi_mcfg_info {
	bool present;
	unsigned n;
	struct acpi_mcfg_entry e[ACPI_MAX_MCFG];
};

/* HPET (IA-PC HPET Specification 1.0a, 3.2.4) */
struct acpi_hpet_info {
	bool present;
	u64 base;
	u32 block_id;
	u8 number;
	u16 min_tick;
};

/* NFIT (ACPI 6.4, 5.2.25): System Physical Address Range structures. */
struct acpi_nfit_spa {
	u16 index;
	u16 flags;
	u64 base;
	u64 length;
	bool pmem;		/* Address Range Type GUID is persistent memory */
	u8 guid[16];		/* as stored in the table */
};
struct acpi_nfit_info {
	bool present;
	unsigned nspa;
	struct acpi_nfit_spa spa[ACPI_MAX_SPA];
	unsigned nother;	/* structures of other types */
};

struct acpi_info {
	bool valid;			/* a root table was parsed */
	struct acpi_rsdp_info rsdp;
	bool xsdt;			/* the root is the XSDT (else the RSDT) */
	u64 root_phys;
	unsigned ntables;
	struct acpi_table_info tables[ACPI_MAX_TABLES];
	unsigned rejected;		/* tables refused as malformed */
	struct acpi_fadt_info fadt;
	struct acpi_s5 s5;
	struct acpi_madt_info madt;
	struct acpi_mcfg_info mcfg;
	struct acpi_hpet_info hpet;
	struct acpi_nfit_info nfit;
};

/* ---- pure parsers (drivers/acpi/{tables,fadt,madt,nfit}.c) ---- */

/* Byte sum of len bytes; a valid ACPI structure sums to 0. */
u8 acpi_checksum(const void *p, size_t len);

/*
 * acpi_rsdp_validate - check an RSDP (ACPI 6.4, 5.2.5.3) in avail bytes at p:
 * signature, the 20-byte checksum and, for revision >= 2, the length and the
 * extended checksum. Fills *out (phys is left 0). Returns 0 or -EINVAL.
 */
int acpi_rsdp_validate(const void *p, size_t avail, struct acpi_rsdp_info *out);

/*
 * acpi_rsdp_scan - look for a valid RSDP on 16-byte boundaries in len bytes
 * at area, which is physical address phys (the BIOS areas of ACPI 6.4,
 * 5.2.5.1). Returns the RSDP's physical address, or 0.
 */
u64 acpi_rsdp_scan(const void *area, size_t len, u64 phys);

/*
 * acpi_table_map - map and validate the table at phys: header mapped, length
 * within [36, ACPI_TABLE_MAX_LEN], whole table mapped, checksum zero,
 * signature printable and equal to sig when sig is not NULL. Fills *ti.
 * Returns the table or NULL after logging why.
 */
const void *acpi_table_map(u64 phys, const char *sig, acpi_map_fn map,
			   struct acpi_table_info *ti);

/*
 * acpi_parse - walk everything from a validated RSDP: the root table, every
 * table it lists, the DSDT, and the tables pfnos understands. Registers every
 * NFIT persistent-memory range with memmap_add_region(). Logs a summary line
 * at info level. Returns 0, or -errno when no root table could be used.
 */
int acpi_parse(struct acpi_info *ai, const struct acpi_rsdp_info *rsdp,
	       acpi_map_fn map);

/* Parse one validated table (len bytes at tbl, header included); on error
 * *out is left empty. Return 0 or -EINVAL. */
int acpi_fadt_parse(struct acpi_fadt_info *out, const void *tbl, size_t len);
int acpi_madt_parse(struct acpi_madt_info *out, const void *tbl, size_t len);
int acpi_mcfg_parse(struct acpi_mcfg_info *out, const void *tbl, size_t len);
int acpi_hpet_parse(struct acpi_hpet_info *out, const void *tbl, size_t len);
int acpi_nfit_parse(struct acpi_nfit_info *out, const void *tbl, size_t len);

/*
 * acpi_aml_find_s5 - find Name(\_S5, Package(){SLP_TYPa, SLP_TYPb, ...}) in
 * len bytes of AML (a DSDT or SSDT body, without its header). A bounded byte
 * scanner, not an interpreter: a malformed package is passed over and the
 * scan goes on. Returns 0 for the first good one, -ENOENT when there is no
 * \_S5, or -EINVAL when every one found was malformed.
 */
int acpi_aml_find_s5(const void *aml, size_t len, struct acpi_s5 *out);

/* The persistent-memory Address Range Type GUID
 * 66F0D379-B4F3-4074-AC43-0D3318B78CDB in its in-memory byte order. */
extern const u8 acpi_nfit_guid_pmem[16];

/* ---- the kernel's view (drivers/acpi/acpi.c) ---- */

extern struct acpi_info acpi_info;

/*
 * acpi_init - find the RSDP (boot_info copy, PVH address, or the BIOS areas),
 * parse the tables, register NFIT ranges and the power methods.
 * Returns 0 or -errno (no ACPI: the machine still runs without it).
 * Context: boot, once, before paging_init().
 */
int acpi_init(const struct boot_info *bi);

/* For TSC calibration: the HPET's MMIO base (0 without one), the PM timer's
 * I/O port (0 without one or when it is not in I/O space) and width. */
u64 acpi_hpet_base(void);
u16 acpi_pm_timer_port(void);
unsigned acpi_pm_timer_bits(void);

#endif
