/*
 * smp_host.c - include/smp.h for host unit tests (see smp_host.h): one
 * thread plays every CPU, so a test moves the code from one CPU to another
 * by setting host_smp_cpu, and a cross-CPU call runs the function at once
 * as that CPU. The spinlocks are tests/unit/host_spinlock.c's.
 */
#include "errno.h"
#include "irq.h"
#include "ktest.h"
#include "smp.h"
#include "smp_host.h"

unsigned host_smp_cpu;
u64 host_smp_online = 1;
unsigned host_smp_calls;

void host_smp_reset(void)
{
	host_smp_cpu = 0;
	host_smp_online = 1;
	host_smp_calls = 0;
}

unsigned smp_processor_id(void)
{
	return host_smp_cpu;
}

unsigned num_online_cpus(void)
{
	return (unsigned)__builtin_popcountll(host_smp_online);
}

bool cpu_online(unsigned cpu)
{
	return cpu < NR_CPUS && (host_smp_online & BIT(cpu));
}

u32 cpu_apic_id(unsigned cpu)
{
	return cpu_online(cpu) ? cpu * 2 : ~0U;	/* not the logical id */
}

int smp_call_function_single(unsigned cpu, smp_call_func_t fn, void *arg, bool wait)
{
	unsigned self = host_smp_cpu;

	(void)wait;
	if (cpu >= NR_CPUS)
		return -EINVAL;
	if (!cpu_online(cpu))
		return -ENODEV;
	if (cpu != self)
		host_smp_calls++;
	host_smp_cpu = cpu;
	fn(arg);
	host_smp_cpu = self;
	return 0;
}

void smp_call_function(smp_call_func_t fn, void *arg, bool wait)
{
	for (unsigned cpu = 0; cpu < NR_CPUS; cpu++)
		if (cpu != host_smp_cpu && cpu_online(cpu))
			smp_call_function_single(cpu, fn, arg, wait);
}

void smp_init(void)
{
}
