/*
 * smp.h - which CPU am I, which CPUs run, and asking another CPU to do a
 * thing. The interface every floor uses for per-CPU data and cross-CPU calls.
 *
 * CPU numbers are dense logical ids, 0 for the boot CPU, in MADT order
 * among the CPUs started; NR_CPUS bounds every per-CPU array. Until the
 * application processors are started (smp_init(), kernel/smp.c) only CPU 0
 * is online and smp_processor_id() is 0. Pure code built for the host
 * (PFNOS_HOST) gets these from its test's host side.
 */
#ifndef PFNOS_SMP_H
#define PFNOS_SMP_H

#include "types.h"

#define NR_CPUS		16

/* This CPU's logical id; stable while interrupts are off or a spinlock is held. */
unsigned smp_processor_id(void);
/* CPUs started and running the kernel (the boot CPU included). */
unsigned num_online_cpus(void);
bool cpu_online(unsigned cpu);
/* The local APIC id of a logical CPU (MADT order), ~0U when unknown. */
u32 cpu_apic_id(unsigned cpu);

#define for_each_online_cpu(cpu) \
	for ((cpu) = 0; (cpu) < NR_CPUS; (cpu)++) \
		if (!cpu_online(cpu)) {} else

typedef void (*smp_call_func_t)(void *arg);
/*
 * Run fn(arg) on CPU cpu (in its interrupt context, interrupts off); on this
 * CPU it is a plain call. wait: return only when fn has returned there.
 * 0, -EINVAL (no such CPU) or -ENODEV (not online).
 */
int smp_call_function_single(unsigned cpu, smp_call_func_t fn, void *arg, bool wait);
/* Run fn(arg) on every other online CPU; wait as above. */
void smp_call_function(smp_call_func_t fn, void *arg, bool wait);

/*
 * smp_run_start - have another CPU run fn(arg) in thread context (its idle
 * loop: interrupts on, fn may wait for I/O), and return at once; r is the
 * caller's until smp_run_wait(r), which waits for fn to return there and
 * gives its value. 0, -EINVAL (no such CPU, or this one), -ENODEV (not
 * online) or -EBUSY (that CPU is running another). Context: thread.
 */
struct smp_run {
	int (*fn)(void *arg);
	void *arg;
	int ret;
	u32 done;		/* set (release) by the CPU that ran fn */
	unsigned cpu;
};
int smp_run_start(unsigned cpu, struct smp_run *r, int (*fn)(void *arg), void *arg);
int smp_run_wait(struct smp_run *r);

/* Bring up the application processors (kernel/smp.c); once, at boot. */
void smp_init(void);

#endif
