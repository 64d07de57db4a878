/*
 * cmd_smp.c - the `cpus` and `run-on` commands.
 *
 * cpus: one line per CPU the platform lists, an interface for tests:
 *	cpu<N> apic=<id> <online|offline|failed|hotplug> ticks=<n> irqs=<n>
 *	ipis=<n> ios_submitted=<n> ios_completed=<n>
 * (ticks: its LAPIC timer ticks; irqs: interrupts it handled, IPIs and
 * ticks included; ipis: call-function IPIs; ios_*: bios that passed
 * submit_bio()'s checks on it and bios completed on it.)
 *
 * run-on <cpu> <command...>: run the command on that CPU (smp_run_on(): in
 * its idle loop, interrupts on, so the command may wait for I/O) and wait
 * for it; its output appears as it runs and its status is run-on's. The
 * shell stays on CPU 0: run-on is refused elsewhere (CPU 0 would never
 * serve a request while it waits for this one).
 */
#include "errno.h"
#include "lib.h"
#include "printk.h"
#include "shell.h"
#include "smp.h"

static int cmd_cpus(int argc, char **argv)
{
	unsigned n = num_present_cpus();

	if (argc != 1)
		return shell_error(-EINVAL, "usage: cpus");
	for (unsigned cpu = 0; cpu < n; cpu++) {
		const struct percpu *p = per_cpu(cpu);

		kprintf("cpu%u apic=%u %s ticks=%llu irqs=%llu ipis=%llu ios_submitted=%llu ios_completed=%llu\n",
			cpu, cpu_apic_id(cpu), cpu_state_name(cpu_state(cpu)),
			(unsigned long long)READ_ONCE(p->timer_ticks),
			(unsigned long long)READ_ONCE(p->irqs),
			(unsigned long long)READ_ONCE(p->ipis),
			(unsigned long long)READ_ONCE(p->ios_submitted),
			(unsigned long long)READ_ONCE(p->ios_completed));
	}
	return 0;
}
SHELL_COMMAND("cpus", cmd_cpus, "", "one line per CPU: APIC id, state, counters");

static int run_line(void *arg)
{
	return shell_run_line(arg);
}

static int cmd_run_on(int argc, char **argv)
{
	char line[SHELL_MAX_LINE];
	size_t len = 0;
	u64 cpu;
	int err, ret = 0;

	if (argc < 3)
		return shell_error(-EINVAL, "usage: run-on <cpu> <command...>");
	if (parse_u64(argv[1], &cpu))
		return shell_error(-EINVAL, "run-on: '%s' is not a CPU number", argv[1]);
	if (cpu >= num_present_cpus())
		return shell_error(-EINVAL, "run-on: no cpu%llu (%u CPU(s) present)",
				   (unsigned long long)cpu, num_present_cpus());
	if (smp_processor_id() != 0)
		return shell_error(-EINVAL, "run-on: only from cpu0 (this is cpu%u)",
				   smp_processor_id());
	line[0] = '\0';
	for (int i = 2; i < argc; i++) {
		/* words go back together; quoting was removed by the split */
		len += snprintf(line + len, sizeof(line) - min_t(size_t, len, sizeof(line)),
				"%s%s", i > 2 ? " " : "", argv[i]);
		if (len >= sizeof(line))
			return shell_error(-E2BIG, "run-on: command too long");
	}
	err = smp_run_on((unsigned)cpu, run_line, line, &ret);
	if (err == -ENODEV)
		return shell_error(err, "run-on: cpu%llu is %s", (unsigned long long)cpu,
				   cpu_state_name(cpu_state((unsigned)cpu)));
	if (err)
		return shell_error(err, "run-on: cpu%llu: -%s", (unsigned long long)cpu,
				   errno_name(err));
	return ret;
}
SHELL_COMMAND("run-on", cmd_run_on, "<cpu> <command...>",
	      "run a command on another CPU and wait for it");
