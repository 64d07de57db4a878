/*
 * fuzz_stubs.c - the kernel services pure code calls, for libFuzzer builds
 * (tests/unit/host.c has its own main()): printk and kprintf format into a
 * scratch buffer so the format paths run, and panic() aborts, which the
 * fuzzer reports as a crash with the message.
 */
#include <stdio.h>
#include <stdlib.h>
#include "lib.h"
#include "panic.h"
#include "printk.h"

int console_loglevel = LOGLEVEL_DEBUG;

void vprintk(int level, const char *fmt, va_list ap)
{
	char line[512];

	vsnprintf(line, sizeof(line), fmt, ap);
}

void printk(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}

int vkprintf(const char *fmt, va_list ap)
{
	char line[512];

	return vsnprintf(line, sizeof(line), fmt, ap);
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vkprintf(fmt, ap);
	va_end(ap);
	return n;
}

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "panic: %s\n", msg);
	abort();
}
