/*
 * host.c - main() for the host unit test binaries: runs the ktest tests
 * linked in (optionally filtered by argv[1]) and exits 1 if any failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include "ktest.h"

void ktest_print(const char *s)
{
	fputs(s, stdout);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	struct ktest_result r = ktest_run(argc > 1 ? argv[1] : NULL);

	return r.failed ? 1 : 0;
}
