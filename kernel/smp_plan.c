/*
 * smp_plan.c - which CPUs to number and start (include/smp.h,
 * smp_plan_cpus()): pure logic over the platform's CPU list and the nosmp
 * and maxcpus= options, so tests/unit/test_smp_plan.c runs it on the host.
 *
 * The boot CPU is logical CPU 0 whatever its place in the list; the others
 * follow in list order. A CPU whose MADT flags say Enabled is started
 * unless nosmp or maxcpus= says otherwise (then it is offline); one that
 * may only be hot-added (the firmware parser decides: Online Capable, or
 * any disabled entry before MADT revision 5; ACPI 6.4, 5.2.12.2 Table
 * 5.23, "Local APIC Flags") is listed as hotplug and never started; any
 * other is not there. maxcpus= as Linux reads it: the number of CPUs to run,
 * counting the boot CPU, 0 meaning the boot CPU alone.
 */
#include "errno.h"
#include "lib.h"
#include "smp.h"

static bool plan_has(const struct smp_plan *plan, u32 apic_id)
{
	for (unsigned i = 0; i < plan->ncpus; i++)
		if (plan->apic_id[i] == apic_id)
			return true;
	return false;
}

static void plan_add(struct smp_plan *plan, u32 apic_id, enum cpu_state s)
{
	if (plan_has(plan, apic_id))
		return;
	if (plan->ncpus >= NR_CPUS) {
		plan->dropped++;
		return;
	}
	plan->apic_id[plan->ncpus] = apic_id;
	plan->state[plan->ncpus] = s;
	plan->ncpus++;
}

void smp_plan_cpus(struct smp_plan *plan, const struct smp_plan_cpu *cpus, unsigned n,
		   u32 boot_apic_id, bool nosmp, const char *maxcpus)
{
	unsigned enabled = 0, limit = NR_CPUS, started = 1;
	u64 v;

	memset(plan, 0, sizeof(*plan));
	plan_add(plan, boot_apic_id, CPU_ONLINE);
	for (unsigned i = 0; i < n; i++) {
		if (cpus[i].enabled) {
			enabled += cpus[i].apic_id != boot_apic_id;
			plan_add(plan, cpus[i].apic_id, CPU_STARTING);
		} else if (cpus[i].hotplug) {
			plan_add(plan, cpus[i].apic_id, CPU_HOTPLUG);
		}
	}
	if (maxcpus && *maxcpus) {
		if (parse_u64(maxcpus, &v)) {
			snprintf(plan->note, sizeof(plan->note),
				 "maxcpus=%.32s is not a number: ignored", maxcpus);
		} else if (v == 0) {
			limit = 1;
			snprintf(plan->note, sizeof(plan->note),
				 "maxcpus=0: the boot CPU only, as nosmp");
		} else if (v > enabled + 1) {
			snprintf(plan->note, sizeof(plan->note),
				 "maxcpus=%llu but %u CPU(s) present: starting all",
				 (unsigned long long)v, enabled + 1);
		} else {
			limit = (unsigned)v;
		}
	}
	if (nosmp)
		limit = 1;
	plan->max_cpus = limit;
	for (unsigned i = 1; i < plan->ncpus; i++) {
		if (plan->state[i] != CPU_STARTING)
			continue;
		if (started < limit)
			started++;
		else
			plan->state[i] = CPU_OFFLINE;
	}
}
