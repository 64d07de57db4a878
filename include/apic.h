/*
 * apic.h - the local APIC and the IOAPICs.
 *
 * kernel/apic.c drives the boot CPU's local APIC (x2APIC through MSRs when
 * CPUID offers it, else xAPIC through an uncached mapping of the platform's
 * LAPIC address) and installs its EOI as irq_eoi. It also runs the LAPIC
 * timer as the periodic tick; that API, timers included, is timer.h.
 *
 * kernel/ioapic.c masks the legacy 8259s and programs the platform's
 * IOAPICs: ISA IRQs map to GSIs through the interrupt source overrides,
 * with their polarity and trigger mode.
 *
 * The platform description (struct apic_platform) comes from below: this
 * core code names no firmware. The firmware parser (ACPI's MADT, in
 * drivers/acpi/acpi.c) hands it down with apic_set_platform() before
 * apic_init(); without one the PC defaults hold (LAPIC 0xfee00000, one
 * IOAPIC at 0xfec00000 from GSI 0, no overrides, 8259s present).
 *
 * Boot order (interrupts still off):
 *	acpi_init() -> apic_set_platform(); ... apic_init(); ioapic_init();
 *	timer_init(); ... local_irq_enable();
 * Register layouts: Intel SDM vol. 3A, chapter 11 (APIC); Intel 82093AA
 * IOAPIC datasheet, 3.2.
 */
#ifndef PFNOS_APIC_H
#define PFNOS_APIC_H

#include "types.h"

/* Fixed vectors; irq_alloc_vector() hands out 48..0xef. */
#define APIC_TIMER_VECTOR	0xf0
#define APIC_ERROR_VECTOR	0xfe
#define APIC_CALL_VECTOR	0xf1	/* smp_call_function*(), smp_run_on() */

/* ---- the platform description (kernel/apic.c) ---- */

#define APIC_DEFAULT_LAPIC	0xfee00000ULL	/* SDM vol. 3A, 11.4.1 */
#define APIC_DEFAULT_IOAPIC	0xfec00000U	/* 82093AA datasheet, 3.0 */
#define APIC_MAX_IOAPICS	8
#define APIC_MAX_OVERRIDES	16

/* Polarity and trigger of an ISA IRQ's line, in the MPS INTI encoding the
 * ACPI MADT uses (ACPI 6.4, 5.2.12.5, Table 5.26): BUS means "as the ISA
 * bus does", active high and edge triggered. */
enum apic_polarity {
	APIC_POLARITY_BUS = 0,
	APIC_POLARITY_HIGH = 1,
	APIC_POLARITY_LOW = 3,
};
enum apic_trigger {
	APIC_TRIGGER_BUS = 0,
	APIC_TRIGGER_EDGE = 1,
	APIC_TRIGGER_LEVEL = 3,
};

struct apic_ioapic_desc {
	u8 id;
	u32 address;		/* MMIO base */
	u32 gsi_base;		/* GSI of its pin 0 */
};

/* An ISA IRQ that is not identity-mapped, or not edge/high. */
struct apic_isa_override {
	u8 isa_irq;
	u32 gsi;
	enum apic_polarity polarity;
	enum apic_trigger trigger;
};

/* A processor's local APIC from the platform's list (MADT entries 0 and
 * 9): started when enabled, listed (never started) when it may only be
 * hot-added: Online Capable, or any disabled entry before MADT revision 5
 * (ACPI 6.4, 5.2.12.2). */
#define APIC_MAX_CPUS	64
struct apic_cpu_desc {
	u32 apic_id;
	bool enabled;
	bool hotplug;
};

struct apic_platform {
	u64 lapic_addr;
	unsigned ncpu;
	struct apic_cpu_desc cpu[APIC_MAX_CPUS];
	bool pcat_compat;	/* 8259s present: remap and mask them */
	unsigned nioapic;
	struct apic_ioapic_desc ioapic[APIC_MAX_IOAPICS];
	unsigned noverride;
	struct apic_isa_override override[APIC_MAX_OVERRIDES];
};

/**
 * apic_set_platform - replace the platform description (copied; entries
 * beyond the fixed arrays are dropped with a log line).
 * Context: boot, before apic_init() and ioapic_init().
 */
void apic_set_platform(const struct apic_platform *p);
/* The description in use: the one set, or the PC defaults. */
const struct apic_platform *apic_get_platform(void);

/*
 * How the APIC code maps register windows (uncached). The core floor cannot
 * name mm, so kmain hands mm's ioremap() down before apic_init().
 */
typedef void *(*apic_mmio_map_fn)(phys_addr_t pa, size_t len);
void apic_set_mmio_map(apic_mmio_map_fn map);
void *apic_mmio_map(phys_addr_t pa, size_t len);

/* ---- local APIC (kernel/apic.c) ---- */

/**
 * apic_init - enable the local APIC (x2APIC mode when CPUID offers it and
 * apic.x2apic= is not 0), spurious vector 0xff, mask LINT0 and the timer,
 * and install the EOI as irq_eoi.
 * Returns 0, or -ENODEV (no APIC) / -ENOMEM (mapping failed).
 * Context: boot, after mm_init(), interrupts disabled.
 */
int apic_init(void);
bool apic_ready(void);
bool apic_x2apic_mode(void);
/* The boot CPU's APIC ID (the MSI destination). */
u32 apic_id(void);
void apic_eoi(void);
/* Deliver vector to this CPU (ICR destination shorthand "self"). */
void apic_send_self_ipi(u8 vector);
/* The APIC id of the CPU running this (read from its LAPIC). */
u32 apic_this_id(void);
/**
 * apic_init_ap - enable this application processor's local APIC in the
 * boot CPU's mode and start its tick at the boot CPU's calibration.
 * Returns 0 or -ENODEV (the boot CPU has no APIC in use).
 * Context: an AP coming up, interrupts disabled.
 */
int apic_init_ap(void);
/* IPIs to the CPU with APIC id apic_id (SDM vol. 3A, 11.6.1): a fixed
 * vector, an NMI, INIT (assert and de-assert), a startup IPI whose vector
 * is the page start_pa (below 1 MiB, page aligned) the CPU starts at. */
void apic_send_ipi(u32 apic_id, u8 vector);
void apic_send_nmi(u32 apic_id);
void apic_send_init(u32 apic_id);
void apic_send_startup(u32 apic_id, u64 start_pa);
/* Raw register access by xAPIC offset (0x20 ID, 0x80 TPR, ...), for tests
 * and the `irqs` command. */
u32 apic_read(unsigned reg);

/* ---- IOAPIC (kernel/ioapic.c) ---- */

/**
 * ioapic_init - remap and mask the 8259 PICs, map the platform's IOAPICs
 * and mask every redirection entry.
 * Returns the number of IOAPICs, or -ENODEV when none answers.
 * Context: boot, after apic_init().
 */
int ioapic_init(void);
/* The GSI and MPS INTI flags for an ISA IRQ (identity and edge/high unless
 * an interrupt source override says otherwise). */
u32 ioapic_isa_to_gsi(unsigned isa_irq, u16 *flags);
/* Program the GSI's redirection entry: vector to the boot CPU, fixed,
 * physical; left masked. Returns 0 or -EINVAL (no IOAPIC has that GSI). */
int ioapic_route_gsi(u32 gsi, u8 vector, bool level, bool active_low);
/* Route an ISA IRQ through the overrides and unmask it; returns the GSI or
 * -errno. */
int ioapic_route_isa(unsigned isa_irq, u8 vector);
int ioapic_mask_gsi(u32 gsi, bool masked);
/* The raw 64-bit redirection entry of gsi (tests); 0 when none. */
u64 ioapic_read_entry(u32 gsi);
unsigned ioapic_count(void);

#endif
