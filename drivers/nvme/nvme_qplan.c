/*
 * nvme_qplan.c - how many I/O queues of each kind a controller gets, and
 * which MSI-X entry each interrupt-driven one uses; pure (the host unit
 * tests run it, tests/unit/test_nvme_cmd.c).
 *
 * One interrupt-driven SQ/CQ pair per online CPU, as far as two limits
 * allow: the MSI-X entries (entry 0 is the admin CQ's: AQA/ACQ name no
 * vector, the controller uses vector 0; a function with one entry shares
 * it) and what Set Features Number of Queues grants (NVMe base spec 1.4
 * 5.21.1.7, 2.0 5.27.1.7: the controller may allocate fewer than asked). Polled
 * pairs come after them: nvme.poll_queues= of them, one per interrupt
 * queue by default, and only from what the grant leaves. Where there are
 * fewer queues than CPUs the block layer's map lets CPUs share them
 * (blk_mq_map_cpus()).
 */
#include "errno.h"
#include "lib.h"
#include "nvme_var.h"

int nvme_plan_queues(struct nvme_queue_plan *p)
{
	unsigned irq;

	if (!p->msix || !p->cpus)
		return -ENODEV;
	irq = min_t(unsigned, p->cpus, NVME_MAX_CPUS);
	irq = min_t(unsigned, irq, p->msix > 1 ? p->msix - 1 : 1);
	p->irq = irq;
	p->poll = p->poll_wanted < 0 ? irq : (unsigned)p->poll_wanted;
	p->poll = min_t(unsigned, p->poll, NVME_MAX_POLL_QUEUES);
	if (p->granted) {
		p->irq = min_t(unsigned, p->irq, p->granted);
		p->poll = min_t(unsigned, p->poll, p->granted - p->irq);
	}
	return 0;
}

unsigned nvme_irq_entry(unsigned queue, unsigned msix)
{
	return msix > 1 ? queue + 1 : 0;
}
