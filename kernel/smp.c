/*
 * smp.c - CPU numbering and cross-CPU calls (include/smp.h).
 *
 * For now only the boot CPU runs: smp_init() starts nobody, CPU 0 is the
 * only one online, and a call or a run request to another CPU is refused. The multiprocessor
 * bring-up of the SMP issue replaces this.
 */
#include "errno.h"
#include "smp.h"

unsigned smp_processor_id(void)
{
	return 0;
}

unsigned num_online_cpus(void)
{
	return 1;
}

bool cpu_online(unsigned cpu)
{
	return cpu == 0;
}

u32 cpu_apic_id(unsigned cpu)
{
	return cpu == 0 ? 0 : ~0U;
}

int smp_call_function_single(unsigned cpu, smp_call_func_t fn, void *arg, bool wait)
{
	(void)wait;
	if (cpu >= NR_CPUS)
		return -EINVAL;
	if (!cpu_online(cpu))
		return -ENODEV;
	fn(arg);
	return 0;
}

void smp_call_function(smp_call_func_t fn, void *arg, bool wait)
{
	(void)fn;
	(void)arg;
	(void)wait;
}

int smp_run_start(unsigned cpu, struct smp_run *r, int (*fn)(void *arg), void *arg)
{
	(void)r;
	(void)fn;
	(void)arg;
	if (cpu >= NR_CPUS || cpu == smp_processor_id())
		return -EINVAL;
	return -ENODEV;		/* no other CPU runs yet */
}

int smp_run_wait(struct smp_run *r)
{
	return r->ret;
}

void smp_init(void)
{
}
