/*
 * work.c - deferred work (include/work.h): a FIFO of struct work filled by
 * work_queue() from any context and drained by work_run_pending() where
 * the kernel waits (the block layer's blk_wait_once(), halting or polling,
 * which every I/O wait uses; the shell's idle loop; the NVMe poll
 * operation). The list is protected by disabling interrupts, which holds
 * on one CPU only: work is queued by interrupt handlers, which run on CPU 0
 * (devices target it), and work_run_pending() runs it on CPU 0 alone (an
 * application processor's call returns 0) until the list takes a lock.
 */
#include "compiler.h"
#include "cpu.h"
#include "irq.h"
#include "smp.h"
#include "work.h"

static struct work *work_head, *work_tail;
static bool work_running;

bool work_queue(struct work *w)
{
	unsigned long flags = local_irq_save();
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
	local_irq_restore(flags);
	return queued;
}

bool work_pending(void)
{
	return READ_ONCE(work_head) != NULL;
}

unsigned work_run_pending(void)
{
	unsigned n = 0;
	struct work *w;

	if (!work_head || in_interrupt() || !irqs_enabled() || work_running ||
	    smp_processor_id() != 0)
		return 0;
	work_running = true;
	for (;;) {
		local_irq_disable();
		w = work_head;
		if (w) {
			work_head = w->next;
			if (!work_head)
				work_tail = NULL;
			w->next = NULL;
			w->queued = false;
		}
		local_irq_enable();
		if (!w)
			break;
		w->fn(w);
		n++;
	}
	work_running = false;
	return n;
}
