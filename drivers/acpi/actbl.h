/*
 * actbl.h - ACPI table layouts as firmware writes them (packed, little
 * endian), for the parsers in drivers/acpi/. Hardware definitions only: the
 * software view is include/acpi.h.
 *
 * Section numbers are ACPI Specification 6.4 unless noted. Tables are read
 * through memcpy into these structs, never by casting firmware pointers, so
 * alignment never matters.
 */
#ifndef PFNOS_ACTBL_H
#define PFNOS_ACTBL_H

#include "compiler.h"
#include "types.h"

/* 5.2.5.3 Root System Description Pointer */
#define ACPI_RSDP_SIG		"RSD PTR "
#define ACPI_RSDP_V1_LEN	20
#define ACPI_RSDP_V2_LEN	36
struct acpi_rsdp {
	char signature[8];
	u8 checksum;		/* over the first 20 bytes */
	char oem_id[6];
	u8 revision;		/* 0: ACPI 1.0; 2: ACPI 2.0+ */
	u32 rsdt_address;
	u32 length;		/* revision >= 2 from here on */
	u64 xsdt_address;
	u8 extended_checksum;	/* over length bytes */
	u8 reserved[3];
} __packed;
_Static_assert(sizeof(struct acpi_rsdp) == ACPI_RSDP_V2_LEN, "RSDP size");

/* 5.2.6 System Description Table Header */
struct acpi_sdt_header {
	char signature[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
} __packed;
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header size");

/* 5.2.3.2 Generic Address Structure */
struct acpi_gas_raw {
	u8 space_id;
	u8 bit_width;
	u8 bit_offset;
	u8 access_size;
	u64 address;
} __packed;
_Static_assert(sizeof(struct acpi_gas_raw) == 12, "GAS size");

/* 5.2.9 Fixed ACPI Description Table (Table 5.9): the fields pfnos reads,
 * as byte offsets (the table grew over revisions; a field exists only when
 * the table's length covers it). */
#define FADT_DSDT		40	/* u32 */
#define FADT_SCI_INT		46	/* u16 */
#define FADT_PM1A_CNT_BLK	64	/* u32, I/O port */
#define FADT_PM1B_CNT_BLK	68	/* u32 */
#define FADT_PM_TMR_BLK		76	/* u32 */
#define FADT_PM1_CNT_LEN	89	/* u8 */
#define FADT_PM_TMR_LEN		91	/* u8 */
#define FADT_IAPC_BOOT_ARCH	109	/* u16 */
#define FADT_FLAGS		112	/* u32 */
#define FADT_V1_LEN		116	/* ACPI 1.0 FADT ends here */
#define FADT_RESET_REG		116	/* GAS */
#define FADT_RESET_VALUE	128	/* u8 */
#define FADT_X_DSDT		140	/* u64 */
#define FADT_X_PM1A_CNT_BLK	172	/* GAS */
#define FADT_X_PM1B_CNT_BLK	184	/* GAS */
#define FADT_X_PM_TMR_BLK	208	/* GAS */

/* 4.8.3.2.1 PM1 Control Registers */
#define ACPI_PM1_SLP_TYP	GENMASK(12, 10)
#define ACPI_PM1_SLP_EN		BIT(13)

/* 5.2.12 Multiple APIC Description Table */
struct acpi_madt {
	struct acpi_sdt_header hdr;
	u32 lapic_address;
	u32 flags;
} __packed;
_Static_assert(sizeof(struct acpi_madt) == 44, "MADT size");

struct acpi_madt_entry {
	u8 type;
	u8 length;
} __packed;

#define MADT_LAPIC		0	/* 5.2.12.2 */
#define MADT_IOAPIC		1	/* 5.2.12.3 */
#define MADT_INT_OVERRIDE	2	/* 5.2.12.5 */
#define MADT_NMI_SOURCE		3	/* 5.2.12.6 */
#define MADT_LAPIC_NMI		4	/* 5.2.12.7 */
#define MADT_LAPIC_OVERRIDE	5	/* 5.2.12.8 */
#define MADT_X2APIC		9	/* 5.2.12.12 */
#define MADT_X2APIC_NMI		10	/* 5.2.12.13 */

#define MADT_CPU_ENABLED	BIT(0)
#define MADT_CPU_ONLINE_CAPABLE	BIT(1)	/* MADT revision 5 and later */

struct acpi_madt_lapic {
	u8 type, length;
	u8 uid;
	u8 apic_id;
	u32 flags;
} __packed;
_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "MADT LAPIC size");

struct acpi_madt_ioapic_raw {
	u8 type, length;
	u8 id;
	u8 reserved;
	u32 address;
	u32 gsi_base;
} __packed;
_Static_assert(sizeof(struct acpi_madt_ioapic_raw) == 12, "MADT IOAPIC size");

struct acpi_madt_int_override {
	u8 type, length;
	u8 bus;
	u8 source;
	u32 gsi;
	u16 flags;
} __packed;
_Static_assert(sizeof(struct acpi_madt_int_override) == 10, "MADT ISO size");

struct acpi_madt_nmi_source {
	u8 type, length;
	u16 flags;
	u32 gsi;
} __packed;
_Static_assert(sizeof(struct acpi_madt_nmi_source) == 8, "MADT NMI size");

struct acpi_madt_lapic_nmi {
	u8 type, length;
	u8 uid;
	u16 flags;
	u8 lint;
} __packed;
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "MADT LAPIC NMI size");

struct acpi_madt_lapic_override {
	u8 type, length;
	u16 reserved;
	u64 address;
} __packed;
_Static_assert(sizeof(struct acpi_madt_lapic_override) == 12, "MADT override size");

struct acpi_madt_x2apic {
	u8 type, length;
	u16 reserved;
	u32 x2apic_id;
	u32 flags;
	u32 uid;
} __packed;
_Static_assert(sizeof(struct acpi_madt_x2apic) == 16, "MADT x2APIC size");

struct acpi_madt_x2apic_nmi {
	u8 type, length;
	u16 flags;
	u32 uid;
	u8 lint;
	u8 reserved[3];
} __packed;
_Static_assert(sizeof(struct acpi_madt_x2apic_nmi) == 12, "MADT x2APIC NMI size");

/* PCI Firmware Specification 3.2, 4.1.2 MCFG */
#define MCFG_ENTRIES		44	/* header + 8 reserved bytes */
struct acpi_mcfg_alloc {
	u64 base;
	u16 segment;
	u8 start_bus;
	u8 end_bus;
	u32 reserved;
} __packed;
_Static_assert(sizeof(struct acpi_mcfg_alloc) == 16, "MCFG entry size");

/* IA-PC HPET Specification 1.0a, 3.2.4 */
struct acpi_hpet {
	struct acpi_sdt_header hdr;
	u32 block_id;
	struct acpi_gas_raw base;
	u8 number;
	u16 min_tick;
	u8 page_protection;
} __packed;
_Static_assert(sizeof(struct acpi_hpet) == 56, "HPET size");

/* 5.2.25 NVDIMM Firmware Interface Table */
#define NFIT_STRUCTS		40	/* header + 4 reserved bytes */
struct acpi_nfit_struct {
	u16 type;
	u16 length;
} __packed;

#define NFIT_SPA		0	/* 5.2.25.2 */
#define NFIT_REGION_MAPPING	1
#define NFIT_INTERLEAVE		2
#define NFIT_SMBIOS		3
#define NFIT_CONTROL_REGION	4
#define NFIT_BLOCK_WINDOW	5
#define NFIT_FLUSH_HINT		6
#define NFIT_CAPABILITIES	7

struct acpi_nfit_spa_raw {
	u16 type;
	u16 length;
	u16 index;
	u16 flags;
	u32 reserved;
	u32 proximity_domain;
	u8 range_type_guid[16];
	u64 base;
	u64 length_bytes;
	u64 mapping_attributes;
} __packed;
_Static_assert(sizeof(struct acpi_nfit_spa_raw) == 56, "NFIT SPA size");

/* 20.2 AML grammar: the opcodes the \_S5 scanner knows. */
#define AML_ZERO_OP		0x00
#define AML_ONE_OP		0x01
#define AML_NAME_OP		0x08
#define AML_BYTE_PREFIX		0x0a
#define AML_WORD_PREFIX		0x0b
#define AML_DWORD_PREFIX	0x0c
#define AML_QWORD_PREFIX	0x0e
#define AML_PACKAGE_OP		0x12
#define AML_ROOT_CHAR		'\\'
#define AML_PARENT_CHAR		'^'
#define AML_ONES_OP		0xff

#endif
