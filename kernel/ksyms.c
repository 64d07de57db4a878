/*
 * ksyms.c - the kernel's own symbol table, for backtraces.
 *
 * The Makefile's second link adds a .ksyms section generated from `nm -n`
 * of the first (scripts/gen-ksyms.sh): a u64 count, {addr, name offset}
 * pairs sorted by address, then the names.
 */
#include "lib.h"
#include "panic.h"

extern const u64 __ksyms_start[], __ksyms_end[];

const char *ksym_lookup(u64 addr, u64 *offset)
{
	const u64 *t = __ksyms_start;
	u64 n, lo = 0, hi;
	const char *names;

	*offset = 0;
	if (__ksyms_end - __ksyms_start < 1 || !(n = t[0]))
		return NULL;
	names = (const char *)&t[1 + 2 * n];
	if (addr < t[1])
		return NULL;
	hi = n;
	while (hi - lo > 1) {		/* last entry with entry.addr <= addr */
		u64 mid = (lo + hi) / 2;

		if (t[1 + 2 * mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*offset = addr - t[1 + 2 * lo];
	return names + t[2 + 2 * lo];
}
