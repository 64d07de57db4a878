/*
 * printk.h - kernel log and console output.
 *
 * printk() formats a line into the log ring (which `dmesg` prints) and, when
 * its level is at or below `loglevel=` (default 6, info), onto every
 * registered console. kprintf() is plain console output for the shell and
 * tests: not logged, never filtered. Consoles (the serial port) register with
 * console_register(); input comes back through console_getc().
 */
#ifndef PFNOS_PRINTK_H
#define PFNOS_PRINTK_H

#include <stdarg.h>
#include "compiler.h"
#include "types.h"

#define LOGLEVEL_EMERG		0
#define LOGLEVEL_ALERT		1
#define LOGLEVEL_CRIT		2
#define LOGLEVEL_ERR		3
#define LOGLEVEL_WARNING	4
#define LOGLEVEL_NOTICE		5
#define LOGLEVEL_INFO		6
#define LOGLEVEL_DEBUG		7

void printk(int level, const char *fmt, ...) __printf(2, 3);
void vprintk(int level, const char *fmt, va_list ap);
#define pr_emerg(...)	printk(LOGLEVEL_EMERG, __VA_ARGS__)
#define pr_err(...)	printk(LOGLEVEL_ERR, __VA_ARGS__)
#define pr_warn(...)	printk(LOGLEVEL_WARNING, __VA_ARGS__)
#define pr_notice(...)	printk(LOGLEVEL_NOTICE, __VA_ARGS__)
#define pr_info(...)	printk(LOGLEVEL_INFO, __VA_ARGS__)
#define pr_debug(...)	printk(LOGLEVEL_DEBUG, __VA_ARGS__)

int kprintf(const char *fmt, ...) __printf(1, 2);
int vkprintf(const char *fmt, va_list ap);
void console_write(const char *s, size_t len);
void console_puts(const char *s);

struct console {
	const char *name;
	void (*write)(const char *s, size_t len);
	int (*getc)(void);		/* -1 when nothing is waiting */
	struct console *next;
};
void console_register(struct console *c);
int console_getc(void);			/* -1 when nothing is waiting */

extern int console_loglevel;
/* Walk the log ring, oldest first, one call per line. */
void dmesg_for_each(void (*fn)(const char *line, void *arg), void *arg);
/* While panicking, bypass any console lock. */
void printk_panic_mode(void);

#endif
