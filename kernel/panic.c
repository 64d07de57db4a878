/*
 * panic.c - panic() and backtraces.
 *
 * A panic on any CPU stops the others (smp_stop_others(): each prints its
 * registers and backtrace, in turn); a CPU that panics while another is
 * already panicking halts and is stopped the same way.
 *
 * A backtrace walks the frame-pointer chain (the kernel builds with
 * -fno-omit-frame-pointer; interrupt entry links a frame through the
 * interrupted rip) and names each return address from the kernel's symbol
 * table. The walk only follows frames inside known kernel stacks, so a
 * corrupt rbp ends it instead of faulting again.
 */
#include <stdarg.h>
#include "boot.h"
#include "cpu.h"
#include "exit.h"
#include "irq.h"
#include "lib.h"
#include "panic.h"
#include "printk.h"
#include "smp.h"

extern char boot_stack_guard[], boot_stack_bottom[], boot_stack_top[];

/* The boot stack's guard page, or the page below (or above) an AP's stacks. */
bool in_stack_guard(u64 p)
{
	if (p >= (u64)boot_stack_guard && p < (u64)boot_stack_bottom)
		return true;
	for (unsigned cpu = 1; cpu < NR_CPUS; cpu++) {
		const struct percpu *c = per_cpu(cpu);

		if (!c->stack_lo)
			continue;
		if ((p >= c->stack_lo - 4096 && p < c->stack_lo) ||
		    (p >= c->stack_hi && p < c->stack_hi + 4096))
			return true;
	}
	return false;
}

static bool stack_addr_ok(u64 p)
{
	if (in_stack_guard(p) || in_stack_guard(p + 15))
		return false;
	/* the boot stack, or the IST stacks in .bss */
	if (p >= (u64)boot_stack_guard && p + 16 <= (u64)boot_stack_top)
		return true;
	if (p >= (u64)__bss_start && p + 16 <= (u64)__bss_end)
		return true;
	for (unsigned cpu = 1; cpu < NR_CPUS; cpu++) {	/* an AP's stacks */
		const struct percpu *c = per_cpu(cpu);

		if (!c->stack_lo)
			continue;
		if (p >= c->stack_lo && p + 16 <= c->stack_hi)
			return true;
		for (unsigned i = 0; i < 2; i++)
			if (p >= c->ist_lo[i] && p + 16 <= c->ist_lo[i] + CPU_IST_STACK_SIZE)
				return true;
	}
	return false;
}

void dump_stack_from(u64 rbp)
{
	pr_emerg("Call trace:\n");
	for (int depth = 0; depth < 32; depth++) {
		u64 ret, off;
		const char *sym;

		if (!rbp || (rbp & 7) || !stack_addr_ok(rbp))
			break;
		ret = ((u64 *)rbp)[1];
		if (ret < (u64)__text_start || ret >= (u64)__text_end)
			break;	/* left the kernel: the boot code called kmain */
		sym = ksym_lookup(ret, &off);
		pr_emerg("  [<%016llx>] %s+0x%llx\n", (unsigned long long)ret,
			 sym ? sym : "?", (unsigned long long)off);
		rbp = ((u64 *)rbp)[0];
	}
}

void dump_stack(void)
{
	dump_stack_from((u64)__builtin_frame_address(0));
}

static int panicking;

static void __noreturn vpanic(bool trace, const char *fmt, va_list ap)
{
	char msg[256];

	local_irq_disable();
	if (!smp_panic_claim()) {
		/* another CPU panicked first: its NMI prints our state */
		for (;;)
			halt();
	}
	if (panicking++) {
		console_puts("\n*** nested panic, halting\n");
		qemu_debug_exit(EXIT_CODE_PANIC);
		for (;;)
			halt();
	}
	printk_panic_mode();
	vsnprintf(msg, sizeof(msg), fmt, ap);
	pr_emerg("\nKernel panic: %s\n", msg);
	if (trace)
		dump_stack();
	smp_stop_others();
	if (exit_test_mode()) {
		pr_emerg("panic: exiting QEMU with status 0x%x\n", EXIT_CODE_PANIC);
		qemu_debug_exit(EXIT_CODE_PANIC);
	}
	pr_emerg("panic: system halted\n");
	for (;;)
		halt();
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpanic(true, fmt, ap);
}

void panic_after_dump(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vpanic(false, fmt, ap);
}
