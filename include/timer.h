/*
 * timer.h - the periodic tick and one-shot timers.
 *
 * The tick is the boot CPU's LAPIC timer in periodic mode (kernel/apic.c,
 * which implements this header): timer_init() calibrates it against the TSC
 * and starts it at timer.hz= (default 100). Each tick advances `jiffies` and
 * runs, in interrupt context, the timers whose deadline has passed.
 * Deadlines are on the ktime_ns() scale (time.h).
 *
 * Users: drivers with command timeouts (NVMe), completion delays (null_blk),
 * waiters that halt until the next interrupt (the shell), tests.
 * Boot order: apic_init() (apic.h), then timer_init(), then interrupts on.
 */
#ifndef PFNOS_TIMER_H
#define PFNOS_TIMER_H

#include "types.h"

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

#endif
