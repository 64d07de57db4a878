/*
 * panic.h - stopping on a broken kernel invariant.
 *
 * panic() prints the message, the registers and a backtrace with symbol
 * names, then halts (or, with test.exit=1 on the command line, exits QEMU
 * with status 0x12 through isa-debug-exit). BUG_ON() is for cheap invariant
 * checks; device and input failures are error codes, never panics.
 */
#ifndef PFNOS_PANIC_H
#define PFNOS_PANIC_H

#include "compiler.h"
#include "printk.h"
#include "types.h"

void panic(const char *fmt, ...) __noreturn __printf(1, 2);
/* The same, for callers that already printed registers and a backtrace. */
void panic_after_dump(const char *fmt, ...) __noreturn __printf(1, 2);

#define BUG() panic("BUG at %s:%d", __FILE__, __LINE__)
#define BUG_ON(cond)							\
	do {								\
		if (unlikely(cond))					\
			panic("BUG at %s:%d: %s", __FILE__, __LINE__, #cond); \
	} while (0)
#define WARN_ON(cond) ({						\
	bool _c = !!(cond);						\
	if (unlikely(_c))						\
		pr_warn("WARNING at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	_c; })

/* Print a backtrace from the given frame pointer (0: the caller's). */
void dump_stack_from(u64 rbp);
void dump_stack(void);
/* True for an address in the boot stack's unmapped guard page. */
bool in_stack_guard(u64 addr);
/* Symbol lookup in the kernel's own table (kernel/ksyms.c). */
const char *ksym_lookup(u64 addr, u64 *offset);

#endif
