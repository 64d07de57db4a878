/*
 * blk_plat.c - the kernel's side of the block layer's platform hooks
 * (include/blkdev_driver.h; the host unit tests have their own,
 * tests/unit/block_host.c): whether this context may halt (interrupts on,
 * no handler running), halting until an interrupt, waking another CPU out
 * of that halt (an IPI through smp_call_function_single()), what a polled
 * wait does between two polls, the per-CPU I/O counters, and init-time
 * memory (mm's kzalloc_boot()). Interrupt masking is the kernel's own
 * local_irq_save()/local_irq_restore() (irq.h).
 *
 * Every CPU halts in a wait for an interrupt: a completion that runs on
 * another CPU than its waiter's wakes it (blk_wake_cpu(), from
 * submit_bio_wait()'s callback), and a wait on a queue whose interrupts go
 * to another CPU does not halt (blk_wait_once()).
 *
 * Layer 0 of block/ (scripts/check-floors): the hooks call no block file,
 * so every layer above may call them.
 */
#include "blkdev_driver.h"
#include "cpu.h"
#include "irq.h"
#include "mm.h"
#include "smp.h"
#include "work.h"

bool blk_irqs_were_enabled(unsigned long flags)
{
	return flags & BIT(9);	/* RFLAGS.IF (SDM vol. 1, 3.4.3) */
}

bool blk_in_interrupt(void)
{
	return in_interrupt();
}

void blk_wait_interrupt(void)
{
	safe_halt();		/* sti; hlt: the wakeup cannot be lost */
	work_run_pending();	/* what the interrupt deferred (work.h) */
	local_irq_disable();
}

/* The interrupt is all it takes: the woken CPU's halt ends on it. */
static void blk_wake_fn(void *arg)
{
	(void)arg;
}

void blk_wake_cpu(unsigned cpu)
{
	smp_call_function_single(cpu, blk_wake_fn, NULL, false);
}

void blk_poll_relax(bool reaped)
{
	work_run_pending();	/* what interrupts deferred (work.h) */
	if (!reaped)
		cpu_relax();	/* pause: a spin-wait, never a halt */
}

void blk_count_cpu_io(bool done)
{
	if (done)
		this_cpu_inc(ios_completed);
	else
		this_cpu_inc(ios_submitted);
}

void *blk_init_alloc(size_t size)
{
	return kzalloc_boot(size);
}

void blk_init_free(void *p, size_t size)
{
	kfree_boot(p, size);
}
