/*
 * work.c - deferred work (include/work.h): a FIFO of struct work filled by
 * work_queue() from any context and drained by work_run_pending() where
 * the kernel waits (the block layer's blk_wait_once(), halting or polling,
 * which every I/O wait uses; the shell's idle loop; the NVMe poll
 * operation). work_lock (interrupts off) guards the list, each work's
 * queued flag and work_running: one CPU at a time runs deferred work, so a
 * work never runs on two CPUs at once and, as before, work that waits does
 * not run more work under itself. Work functions run without the lock.
 * A leaf lock.
 */
#include "compiler.h"
#include "cpu.h"
#include "irq.h"
#include "smp.h"
#include "spinlock.h"
#include "work.h"

static struct work *work_head, *work_tail;
static bool work_running;
static DEFINE_SPINLOCK(work_lock);

bool work_queue(struct work *w)
{
	unsigned long flags = spin_lock_irqsave(&work_lock);
	bool queued = !w->queued;

	if (queued) {
		w->queued = true;
		w->next = NULL;
		if (work_tail)
			work_tail->next = w;
		else
			work_head = w;
		work_tail = w;
	}
	spin_unlock_irqrestore(&work_lock, flags);
	return queued;
}

bool work_pending(void)
{
	return READ_ONCE(work_head) != NULL;
}

unsigned work_run_pending(void)
{
	unsigned long flags;
	unsigned n = 0;
	struct work *w;

	if (!READ_ONCE(work_head) || in_interrupt() || !irqs_enabled())
		return 0;
	flags = spin_lock_irqsave(&work_lock);
	if (work_running) {
		spin_unlock_irqrestore(&work_lock, flags);
		return 0;
	}
	work_running = true;
	for (;;) {
		w = work_head;
		if (w) {
			work_head = w->next;
			if (!work_head)
				work_tail = NULL;
			w->next = NULL;
			w->queued = false;
		} else {
			work_running = false;
		}
		spin_unlock_irqrestore(&work_lock, flags);
		if (!w)
			break;
		w->fn(w);
		n++;
		flags = spin_lock_irqsave(&work_lock);
	}
	return n;
}
