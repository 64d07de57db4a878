/*
 * fuzz_acpi_stubs.c - what the ACPI fuzz targets link against instead of the
 * kernel: printk/kprintf (formatted into a scratch buffer, so format strings
 * are exercised, then dropped), panic (abort: a parser must never panic on
 * input) and a memmap_add_region() that checks the ranges NFIT hands in.
 */
#include <stdio.h>
#include <stdlib.h>
#include "lib.h"
#include "memmap.h"
#include "panic.h"
#include "printk.h"

int console_loglevel = LOGLEVEL_DEBUG;

void vprintk(int level, const char *fmt, va_list ap)
{
	char line[256];

	vsnprintf(line, sizeof(line), fmt, ap);
}

void printk(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}

int kprintf(const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
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

int memmap_add_region(u64 base, u64 size, u32 type, const char *source)
{
	/* acpi_parse() promises a non-empty, non-wrapping persistent range */
	if (!size || base + size < base || type != E820_PMEM || strcmp(source, "nfit"))
		abort();
	return 0;
}
