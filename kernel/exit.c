/*
 * exit.c - power off, reboot, and the exit-status contract with the QEMU
 * launcher (exit.h): isa-debug-exit codes 0x10 pass, 0x11 fail, 0x12 panic.
 */
#include "cmdline.h"
#include "cpu.h"
#include "exit.h"
#include "lib.h"
#include "printk.h"

static bool any_failed;
static const struct power_ops *power_ops;
static struct shutdown_hook *shutdown_hooks;

void exit_mark_failed(const char *what)
{
	if (!any_failed)
		pr_debug("exit: first failure: %s\n", what);
	any_failed = true;
}

bool exit_any_failed(void)
{
	return any_failed;
}

bool exit_test_mode(void)
{
	const char *v = cmdline_get(&boot_cmdline, "test.exit");

	return v && (!strcmp(v, "1") || !*v);
}

void qemu_debug_exit(u8 code)
{
	outb(DEBUG_EXIT_PORT, code);
}

void shutdown_hook_register(struct shutdown_hook *h)
{
	h->next = shutdown_hooks;
	shutdown_hooks = h;
}

void power_ops_register(const struct power_ops *ops)
{
	power_ops = ops;
}

static void run_shutdown_hooks(void)
{
	for (struct shutdown_hook *h = shutdown_hooks; h; h = h->next) {
		pr_debug("shutdown: %s\n", h->name);
		h->fn();
	}
}

void machine_poweroff(void)
{
	run_shutdown_hooks();
	if (exit_test_mode())
		qemu_debug_exit(any_failed ? EXIT_CODE_FAIL : EXIT_CODE_OK);
	if (power_ops && power_ops->poweroff)
		power_ops->poweroff();
	qemu_debug_exit(any_failed ? EXIT_CODE_FAIL : EXIT_CODE_OK);
	pr_emerg("poweroff: no method worked, halting\n");
	local_irq_disable();
	for (;;)
		halt();
}

void machine_reboot(void)
{
	run_shutdown_hooks();
	if (power_ops && power_ops->reset)
		power_ops->reset();
	/* 8042 keyboard controller: pulse the reset line */
	for (int i = 0; i < 1000 && (inb(0x64) & 0x02); i++)
		cpu_relax();
	outb(0x64, 0xFE);
	for (volatile int i = 0; i < 1000000; i++)
		;
	/* last resort: triple fault through an empty IDT */
	struct {
		u16 limit;
		u64 base;
	} __packed null_idt = { 0, 0 };
	__asm__ volatile("lidt %0; int3" :: "m"(null_idt));
	for (;;)
		halt();
}
