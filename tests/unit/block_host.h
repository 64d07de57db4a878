/*
 * block_host.h - the host side of the block layer's platform hooks, for
 * the block unit tests (tests/unit/block_host.c): init memory from calloc
 * with failure injection, interrupt masking (local_irq_save/restore of
 * irq.h) that is checked for balance, a blk_wait_interrupt() that
 * "delivers an interrupt" by calling the test's handler (which completes
 * pending requests) and then runs the test's deferred work, and fails the
 * test when a real CPU would never wake (a halt inside an interrupt
 * handler, or one that would enable interrupts inside the caller's
 * interrupts-off section), a blk_wake_cpu() that counts, a blk_poll_relax() that runs the deferred work
 * between polls, and an optional "pending interrupt" taken each time
 * interrupts come back on.
 */
#ifndef PFNOS_BLOCK_HOST_H
#define PFNOS_BLOCK_HOST_H

#include "smp.h"
#include "types.h"

/* Fail the init allocation after this many more succeed (-1: never). */
extern int host_blk_alloc_fail_after;
/* Live init allocations (leak check). */
extern int host_blk_allocs_live;
/* Called by blk_wait_interrupt(); NULL makes a wait a test failure. */
extern void (*host_blk_irq_handler)(void);
/* When set, run as an interrupt each time local_irq_restore() turns
 * interrupts back on outside any handler. */
extern void (*host_blk_irq_pending)(void);
/* Deferred work (work.h), as the kernel runs it where it waits: after the
 * interrupt that ends a halt, with interrupts enabled. NULL: none queued. */
extern void (*host_blk_work)(void);
extern unsigned host_blk_waits;
/* blk_poll_relax() calls: one after each poll of a polled wait, which runs
 * host_blk_work too. */
extern unsigned host_blk_poll_relaxes;
/* blk_wake_cpu() calls (a completion on another CPU than its waiter's),
 * and the CPU the last one woke. */
extern unsigned host_blk_wakes;
extern unsigned host_blk_woken_cpu;
/* Interrupt-disable nesting depth (must be 0 between calls). */
extern int host_blk_irq_depth;
/* blk_count_cpu_io(): [0] submitted, [1] completed. */
extern u64 host_blk_cpu_ios[2];
/* The same per CPU (smp_processor_id(), tests/unit/smp_host.c). */
extern u64 host_blk_cpu_io[NR_CPUS][2];
/* Interrupt handlers running (blk_in_interrupt()). */
extern int host_blk_in_irq;

/* Run handler as an interrupt: in_interrupt, interrupts off. */
void host_blk_raise_irq(void (*handler)(void));

/* Flush sequences host_blk_setup() gives the pool when it makes bios
 * (tests may re-init it). */
#define HOST_BLK_FLUSH_SEQS	8

/* Fresh bio, sg and flush sequence pools (none for a size 0); resets the
 * hooks. */
void host_blk_setup(unsigned nr_bios, unsigned nr_tables, unsigned nr_chunks);
void host_blk_teardown(void);

#endif
