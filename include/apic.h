/*
 * apic.h - the local APIC, the IOAPICs, the periodic tick and timers.
 *
 * kernel/apic.c drives the boot CPU's local APIC (x2APIC through MSRs when
 * CPUID offers it, else xAPIC through an uncached mapping of the MADT's
 * address), installs its EOI as irq_eoi, and runs the LAPIC timer as a
 * periodic tick (timer.hz=, default 100) calibrated against the TSC. Each
 * tick advances `jiffies` and runs the timers whose deadline has passed.
 *
 * kernel/ioapic.c masks the legacy 8259s and programs the IOAPICs listed in
 * the MADT: ISA IRQs map to GSIs through the interrupt source overrides,
 * with their polarity and trigger mode.
 *
 * Boot order (after mm_init, interrupts still off):
 *	apic_init(); ioapic_init(); timer_init(); ... local_irq_enable();
 * Register layouts: Intel SDM vol. 3A, chapter 11 (APIC); Intel 82093AA
 * IOAPIC datasheet, 3.2.
 */
#ifndef PFNOS_APIC_H
#define PFNOS_APIC_H

#include "types.h"

/* Fixed vectors; irq_alloc_vector() hands out 48..0xef. */
#define APIC_TIMER_VECTOR	0xf0
#define APIC_ERROR_VECTOR	0xfe

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
/* Raw register access by xAPIC offset (0x20 ID, 0x80 TPR, ...), for tests
 * and the `irqs` command. */
u32 apic_read(unsigned reg);

/* ---- tick and timers (kernel/apic.c) ---- */

extern volatile u64 jiffies;	/* ticks since timer_init */
extern unsigned timer_hz;	/* ticks per second, 0 before timer_init */

struct timer {
	u64 deadline_ns;		/* ktime_ns() at or after which fn runs */
	void (*fn)(struct timer *t, void *arg);
	void *arg;
	struct timer *next;
	bool pending;
};

/**
 * timer_init - calibrate the LAPIC timer against the TSC and start the
 * periodic tick at timer.hz= (default 100, 10..1000).
 * Returns 0, or -ENODEV when the local APIC is not running.
 * Context: boot, after apic_init().
 */
int timer_init(void);
/* The tick is running: an interrupt will come within 1/timer_hz seconds. */
bool timer_ticking(void);
/* LAPIC timer counts per second (after the divider), for the log. */
u64 timer_lapic_hz(void);

/**
 * timer_add - run fn(t, arg) once from the tick at the first tick at or
 * after deadline_ns (ktime_ns() scale). Re-adding a pending timer moves it.
 * The callback runs in interrupt context and may re-add its timer.
 */
void timer_add(struct timer *t, u64 deadline_ns,
	       void (*fn)(struct timer *t, void *arg), void *arg);
/* Cancel; returns true when the timer was pending. */
bool timer_del(struct timer *t);

/* ---- IOAPIC (kernel/ioapic.c) ---- */

/**
 * ioapic_init - remap and mask the 8259 PICs, find the IOAPICs in the MADT
 * and mask every redirection entry.
 * Returns the number of IOAPICs, or -ENODEV when the MADT lists none.
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
