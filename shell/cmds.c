/*
 * cmds.c - the shell's basic commands: help, version, echo, uptime,
 * cmdline, dmesg, poweroff, reboot, crash.
 */
#include "cmdline.h"
#include "cpu.h"
#include "errno.h"
#include "exit.h"
#include "lib.h"
#include "panic.h"
#include "printk.h"
#include "shell.h"
#include "time.h"
#include "version.h"

static int cmd_help(int argc, char **argv)
{
	const struct shell_cmd *b = shell_cmds_begin(), *e = shell_cmds_end();
	const char *last = "";

	if (argc > 2)
		return shell_error(-EINVAL, "usage: help [command]");
	if (argc == 2) {
		const struct shell_cmd *c = shell_find(argv[1]);

		if (!c)
			return shell_error(-ENOENT, "unknown command '%s'", argv[1]);
		kprintf("%s %s\n  %s\n", c->name, c->usage, c->help);
		return 0;
	}
	/* alphabetical: pick the next name after the last printed each time */
	for (;;) {
		const struct shell_cmd *next = NULL;
		char left[128];

		for (const struct shell_cmd *c = b; c < e; c++)
			if (strcmp(c->name, last) > 0 &&
			    (!next || strcmp(c->name, next->name) < 0))
				next = c;
		if (!next)
			break;
		if (snprintf(left, sizeof(left), "%s %s", next->name, next->usage) > 40)
			kprintf("  %s\n  %-40s %s\n", left, "", next->help);
		else
			kprintf("  %-40s %s\n", left, next->help);
		last = next->name;
	}
	return 0;
}
SHELL_COMMAND("help", cmd_help, "[command]", "list commands, or show one command's usage");

static int cmd_version(int argc, char **argv)
{
	kprintf("pfnos %s, built %s with gcc %s\n", pfnos_version, pfnos_build_date,
		__VERSION__);
	return 0;
}
SHELL_COMMAND("version", cmd_version, "", "print the kernel version");

static int cmd_echo(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		kprintf("%s%s", argv[i], i + 1 < argc ? " " : "");
	kprintf("\n");
	return 0;
}
SHELL_COMMAND("echo", cmd_echo, "[word...]", "print the words");

static int cmd_uptime(int argc, char **argv)
{
	u64 ns = ktime_ns();

	kprintf("uptime: %llu.%06llu s (tsc %llu kHz from %s)\n",
		(unsigned long long)(ns / 1000000000ULL),
		(unsigned long long)(ns / 1000 % 1000000),
		(unsigned long long)tsc_khz, tsc_calibration_source);
	return 0;
}
SHELL_COMMAND("uptime", cmd_uptime, "", "time since kernel entry");

static int cmd_cmdline(int argc, char **argv)
{
	kprintf("cmdline: %s\n", boot_cmdline.raw);
	for (unsigned i = 0; i < boot_cmdline.nparams; i++) {
		const struct cmdline_param *p = &boot_cmdline.params[i];

		if (p->val)
			kprintf("  %s=%s\n", p->key, p->val);
		else
			kprintf("  %s\n", p->key);
	}
	return 0;
}
SHELL_COMMAND("cmdline", cmd_cmdline, "", "show the kernel command line, parsed");

static int cmd_sleep(int argc, char **argv)
{
	u64 ms, end;

	if (argc != 2)
		return shell_error(-EINVAL, "usage: sleep <milliseconds>");
	if (shell_arg_u64("milliseconds", argv[1], &ms))
		return -EINVAL;
	if (ms > 3600 * 1000)
		return shell_error(-EINVAL, "at most 3600000 ms");
	end = ktime_ns() + ms * 1000000;
	while (ktime_ns() < end) {
		if (shell_interrupted())
			return -EINTR;
		cpu_relax();
	}
	return 0;
}
SHELL_COMMAND("sleep", cmd_sleep, "<milliseconds>", "wait (Ctrl-C interrupts)");

static void dmesg_line(const char *line, void *arg)
{
	kprintf("%s\n", line);
}

static int cmd_dmesg(int argc, char **argv)
{
	dmesg_for_each(dmesg_line, NULL);
	return 0;
}
SHELL_COMMAND("dmesg", cmd_dmesg, "", "print the kernel log");

static int cmd_poweroff(int argc, char **argv)
{
	kprintf("poweroff: powering off\n");
	machine_poweroff();
}
SHELL_COMMAND("poweroff", cmd_poweroff, "", "power off (ACPI S5; exit status in test mode)");

static int cmd_reboot(int argc, char **argv)
{
	kprintf("reboot: restarting\n");
	machine_reboot();
}
SHELL_COMMAND("reboot", cmd_reboot, "", "reset the machine");

static volatile int crash_depth_limit = 1 << 30;

static int __noinline crash_recurse(int depth)
{
	volatile char pad[512];

	pad[0] = (char)depth;
	if (depth >= crash_depth_limit)
		return pad[0];
	return crash_recurse(depth + 1) + pad[0];
}

static int cmd_crash(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "";

	if (!strcmp(how, "panic"))
		panic("crash command");
	if (!strcmp(how, "pagefault")) {
		int *volatile p = (int *)0x10;	/* an address the compiler cannot see */

		return READ_ONCE(*p);
	}
	if (!strcmp(how, "ud"))
		__asm__ volatile("ud2");
	if (!strcmp(how, "stack"))
		crash_recurse(0);
	if (!strcmp(how, "bug"))
		BUG_ON(argc > 1);
	return shell_error(-EINVAL, "usage: crash panic|pagefault|ud|stack|bug");
}
SHELL_COMMAND("crash", cmd_crash, "panic|pagefault|ud|stack|bug",
	      "provoke a kernel failure (tests the dump and exit status 2)");
