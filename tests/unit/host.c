/*
 * host.c - the host side of unit tests: main() runs the ktest tests linked in
 * (optionally filtered by argv[1]) and exits 1 if any failed.
 *
 * The run's seed (ktest_seed()) is PFNOS_SEED (decimal or 0x hex) when set,
 * so `make test SEED=n` replays a run, else 32 bits from /dev/urandom.
 *
 * It also stands in for the kernel services pure code may call: printk and
 * kprintf print to stdout and keep the last lines for host_log_contains();
 * panic() longjmps back into host_catch_panic() when one is active (so
 * tests can check that a BUG fires) and aborts otherwise.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include "ktest.h"
#include "lib.h"
#include "panic.h"
#include "printk.h"
#include "unit.h"

void ktest_print(const char *s)
{
	fputs(s, stdout);
	fflush(stdout);
}

#define HOST_LOG_LINES 64
static char host_log[HOST_LOG_LINES][256];
static unsigned host_log_next;
int console_loglevel = LOGLEVEL_DEBUG;

void vprintk(int level, const char *fmt, va_list ap)
{
	char *line = host_log[host_log_next++ % HOST_LOG_LINES];

	vsnprintf(line, sizeof(host_log[0]), fmt, ap);
	if (getenv("UNIT_VERBOSE"))
		printf("<%d>%s", level, line);
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
	char *line = host_log[host_log_next++ % HOST_LOG_LINES];

	return vsnprintf(line, sizeof(host_log[0]), fmt, ap);
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

bool host_log_contains(const char *needle)
{
	for (unsigned i = 0; i < HOST_LOG_LINES; i++)
		if (strstr(host_log[i], needle))
			return true;
	return false;
}

void host_log_clear(void)
{
	memset(host_log, 0, sizeof(host_log));
	host_log_next = 0;
}

static jmp_buf *panic_jmp;
static char panic_msg[256];

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(panic_msg, sizeof(panic_msg), fmt, ap);
	va_end(ap);
	if (panic_jmp)
		longjmp(*panic_jmp, 1);
	fprintf(stderr, "panic: %s\n", panic_msg);
	abort();
}

bool host_catch_panic(void (*fn)(void *arg), void *arg)
{
	jmp_buf jb, *saved = panic_jmp;

	panic_jmp = &jb;
	if (setjmp(jb)) {
		panic_jmp = saved;
		return true;
	}
	fn(arg);
	panic_jmp = saved;
	return false;
}

const char *host_panic_message(void)
{
	return panic_msg;
}

static u64 host_seed(void)
{
	const char *s = getenv("PFNOS_SEED");
	u64 seed = 0;
	FILE *f;

	if (s && *s) {
		if (parse_u64(s, &seed)) {
			fprintf(stderr, "PFNOS_SEED=%s is not a number\n", s);
			exit(2);
		}
		return seed;
	}
	f = fopen("/dev/urandom", "rb");
	if (!f || fread(&seed, sizeof(seed), 1, f) != 1) {
		fprintf(stderr, "cannot read /dev/urandom for a seed\n");
		exit(2);
	}
	fclose(f);
	return seed & 0xffffffffULL;
}

int main(int argc, char **argv)
{
	struct ktest_result r;

	ktest_set_seed(host_seed(), "PFNOS_SEED");
	r = ktest_run(argc > 1 ? argv[1] : NULL);
	return r.failed ? 1 : 0;
}
