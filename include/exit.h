/*
 * exit.h - the machine's exit status contract (boot issue).
 *
 *   poweroff, nothing failed (or test.exit unset)   ACPI S5 or 0x10 -> launcher 0
 *   a self test or run= command failed, test.exit=1  0x11           -> 1
 *   panic or unhandled exception                     0x12           -> 2
 *
 * QEMU's isa-debug-exit at port 0xf4 exits with (value << 1) | 1, so the
 * launcher maps 0x21 -> 0, 0x23 -> 1, 0x25 -> 2.
 */
#ifndef PFNOS_EXIT_H
#define PFNOS_EXIT_H

#include "compiler.h"
#include "types.h"

#define DEBUG_EXIT_PORT		0xf4
#define EXIT_CODE_OK		0x10
#define EXIT_CODE_FAIL		0x11
#define EXIT_CODE_PANIC		0x12

/* Record that something failed since boot (a self test, a run= command). */
void exit_mark_failed(const char *what);
bool exit_any_failed(void);
bool exit_test_mode(void);		/* test.exit=1 */

/* Leave QEMU through isa-debug-exit (returns if the device is absent). */
void qemu_debug_exit(u8 code);

/* Power off / reboot: runs the shutdown hooks (NVMe CC.SHN, ...), then the
 * registered platform method (ACPI S5), then isa-debug-exit. */
void machine_poweroff(void) __noreturn;
void machine_reboot(void) __noreturn;

struct shutdown_hook {
	const char *name;
	void (*fn)(void);
	struct shutdown_hook *next;
};
void shutdown_hook_register(struct shutdown_hook *h);

/* ACPI (drivers/) registers the platform's power-off and reset methods. */
struct power_ops {
	void (*poweroff)(void);		/* returns only on failure */
	void (*reset)(void);
};
void power_ops_register(const struct power_ops *ops);

#endif
