/*
 * smp_host.h - the CPUs as host unit tests see them (tests/unit/smp_host.c
 * implements include/smp.h for the host): a test says which CPU the code
 * "runs on" and which CPUs are online.
 */
#ifndef PFNOS_SMP_HOST_H
#define PFNOS_SMP_HOST_H

#include "types.h"

/* smp_processor_id() (default 0). */
extern unsigned host_smp_cpu;
/* Bit c set: CPU c is online (default: CPU 0 only). */
extern u64 host_smp_online;
/* smp_call_function_single() calls made to other CPUs. */
extern unsigned host_smp_calls;

/* Back to one CPU, CPU 0. */
void host_smp_reset(void);

#endif
