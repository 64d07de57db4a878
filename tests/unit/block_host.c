/*
 * block_host.c - the block layer's platform hooks for host unit tests
 * (see block_host.h), and the kernel's interrupt masking (irq.h) as the
 * block code sees it on the host; the kernel's hooks are in
 * block/blk_plat.c.
 */
#include <stdlib.h>
#include "block/blk.h"
#include "block_host.h"
#include "irq.h"
#include "ktest.h"
#include "scatterlist.h"

int host_blk_alloc_fail_after = -1;
int host_blk_allocs_live;
void (*host_blk_irq_handler)(void);
void (*host_blk_irq_pending)(void);
void (*host_blk_work)(void);
unsigned host_blk_waits;
unsigned host_blk_poll_relaxes;
unsigned host_blk_wakes;
unsigned host_blk_woken_cpu;
int host_blk_irq_depth;
int host_blk_in_irq;

void host_blk_raise_irq(void (*handler)(void))
{
	int saved = host_blk_irq_depth;

	/* the CPU clears IF on entry through an interrupt gate */
	host_blk_in_irq++;
	host_blk_irq_depth = 1;
	handler();
	if (host_blk_irq_depth != 1)
		ktest_fail(__FILE__, __LINE__, "interrupt handler left the mask unbalanced");
	host_blk_irq_depth = saved;
	host_blk_in_irq--;
}

unsigned long local_irq_save(void)
{
	return (unsigned long)host_blk_irq_depth++;
}

void local_irq_restore(unsigned long flags)
{
	host_blk_irq_depth--;
	if ((unsigned long)host_blk_irq_depth != flags)
		ktest_fail(__FILE__, __LINE__, "unbalanced local_irq_restore");
	/* interrupts back on: a pending one is taken here */
	if (!host_blk_irq_depth && !host_blk_in_irq && host_blk_irq_pending)
		host_blk_raise_irq(host_blk_irq_pending);
}

bool blk_irqs_were_enabled(unsigned long flags)
{
	return flags == 0;
}

u64 host_blk_cpu_ios[2];
u64 host_blk_cpu_io[NR_CPUS][2];

void blk_count_cpu_io(bool done)
{
	host_blk_cpu_ios[done]++;
	host_blk_cpu_io[smp_processor_id() % NR_CPUS][done]++;
}

bool blk_in_interrupt(void)
{
	return host_blk_in_irq > 0;
}

void blk_wait_interrupt(void)
{
	host_blk_waits++;
	if (host_blk_in_irq) {
		/* the LAPIC delivers nothing of this priority before the EOI */
		ktest_fail(__FILE__, __LINE__,
			   "halt inside an interrupt handler: the CPU would never wake");
		abort();
	}
	if (host_blk_irq_depth != 1) {
		ktest_fail(__FILE__, __LINE__, host_blk_irq_depth < 1 ?
			   "wait with interrupts enabled" :
			   "halt would enable interrupts inside the caller's interrupts-off section");
		abort();
	}
	if (!host_blk_irq_handler) {
		ktest_fail(__FILE__, __LINE__, "wait with no interrupt source");
		abort();
	}
	/* sti;hlt: the interrupt is taken with the waiter's mask lifted; then
	 * the work it deferred runs (blk_plat.c), before cli */
	host_blk_irq_depth = 0;
	host_blk_raise_irq(host_blk_irq_handler);
	if (host_blk_work)
		host_blk_work();
	host_blk_irq_depth = 1;
}

void blk_wake_cpu(unsigned cpu)
{
	host_blk_wakes++;
	host_blk_woken_cpu = cpu;
}

void blk_poll_relax(bool reaped)
{
	host_blk_poll_relaxes++;
	if (host_blk_in_irq || host_blk_irq_depth) {
		ktest_fail(__FILE__, __LINE__, "blk_poll_relax() %s",
			   host_blk_in_irq ? "in an interrupt handler" : "with interrupts off");
		abort();
	}
	if (host_blk_work)
		host_blk_work();
}

void *blk_init_alloc(size_t size)
{
	void *p;

	if (host_blk_alloc_fail_after == 0)
		return NULL;
	if (host_blk_alloc_fail_after > 0)
		host_blk_alloc_fail_after--;
	p = calloc(1, size);
	if (p)
		host_blk_allocs_live++;
	return p;
}

void blk_init_free(void *p, size_t size)
{
	if (p) {
		host_blk_allocs_live--;
		free(p);
	}
}

void host_blk_setup(unsigned nr_bios, unsigned nr_tables, unsigned nr_chunks)
{
	bio_pool_exit();
	sg_pool_exit();
	blk_flush_pool_exit();
	host_blk_alloc_fail_after = -1;
	host_blk_irq_handler = NULL;
	host_blk_irq_pending = NULL;
	host_blk_work = NULL;
	host_blk_waits = 0;
	host_blk_poll_relaxes = 0;
	host_blk_wakes = 0;
	host_blk_irq_depth = 0;
	host_blk_in_irq = 0;
	if (nr_bios && bio_pool_init(nr_bios, nr_tables))
		abort();
	if (nr_chunks && sg_pool_init(nr_chunks))
		abort();
	if (nr_bios && blk_flush_pool_init(HOST_BLK_FLUSH_SEQS))
		abort();
}

void host_blk_teardown(void)
{
	bio_pool_exit();
	sg_pool_exit();
	blk_flush_pool_exit();
}
