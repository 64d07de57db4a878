/*
 * ktest.c - the runner behind ktest.h, shared by host and guest builds.
 *
 * Output is KTAP: "KTAP version 1", "1..N", then "ok N suite.name",
 * "not ok N suite.name" with "# file:line: message" lines for failures, or
 * "ok N suite.name # SKIP reason", and a final plain
 * "N passed, N failed, N skipped" (passed + failed + skipped = N).
 */
#include <stdarg.h>
#include "ktest.h"
#include "lib.h"

extern const struct ktest __start_ktest_set[], __stop_ktest_set[];

static bool cur_failed;
static const char *cur_skip;
static const struct ktest *cur_test;
static u64 run_seed;
static const char *seed_how = "the seed";

void ktest_log(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	memcpy(buf, "# ", 2);
	va_start(ap, fmt);
	n = vsnprintf(buf + 2, sizeof(buf) - 3, fmt, ap);
	va_end(ap);
	n += 2;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n] = '\n';
	buf[n + 1] = '\0';
	ktest_print(buf);
}

void ktest_fail(const char *file, int line, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cur_failed = true;
	ktest_log("%s:%d: %s", file, line, msg);
}

void ktest_skip(const char *reason)
{
	cur_skip = reason;
}

bool ktest_failed(void)
{
	return cur_failed;
}

void ktest_set_seed(u64 seed, const char *how)
{
	run_seed = seed;
	seed_how = how;
}

/* FNV-1a over "suite.name", then splitmix64 with the run's seed. */
u64 ktest_seed(void)
{
	u64 h = 0xcbf29ce484222325ULL;
	const char *parts[3] = { cur_test ? cur_test->suite : "", ".",
				 cur_test ? cur_test->name : "" };

	for (unsigned i = 0; i < 3; i++)
		for (const char *p = parts[i]; *p; p++)
			h = (h ^ (u8)*p) * 0x100000001b3ULL;
	return splitmix64(run_seed ^ h);
}

__weak void ktest_after_each(const struct ktest *t)
{
	(void)t;
}

static bool ktest_match(const struct ktest *t, const char *filter)
{
	char full[128];

	if (!filter || !*filter)
		return true;
	snprintf(full, sizeof(full), "%s.%s", t->suite, t->name);
	return strstr(full, filter) != NULL;
}

struct ktest_result ktest_run(const char *filter)
{
	struct ktest_result r = { 0, 0, 0 };
	const struct ktest *t;
	unsigned total = 0, n = 0;
	char line[160];

	for (t = __start_ktest_set; t < __stop_ktest_set; t++)
		total += ktest_match(t, filter);
	ktest_print("KTAP version 1\n");
	snprintf(line, sizeof(line), "1..%u\n", total);
	ktest_print(line);
	snprintf(line, sizeof(line), "# seed %llu (%s=%llu repeats it)\n",
		 (unsigned long long)run_seed, seed_how, (unsigned long long)run_seed);
	ktest_print(line);
	for (t = __start_ktest_set; t < __stop_ktest_set; t++) {
		if (!ktest_match(t, filter))
			continue;
		cur_failed = false;
		cur_skip = NULL;
		cur_test = t;
		t->fn();
		ktest_after_each(t);
		cur_test = NULL;
		n++;
		if (cur_skip && !cur_failed) {
			snprintf(line, sizeof(line), "ok %u %s.%s # SKIP %s\n", n, t->suite,
				 t->name, cur_skip);
			r.skipped++;
		} else {
			snprintf(line, sizeof(line), "%sok %u %s.%s\n",
				 cur_failed ? "not " : "", n, t->suite, t->name);
			if (cur_failed)
				r.failed++;
			else
				r.passed++;
		}
		ktest_print(line);
	}
	snprintf(line, sizeof(line), "%u passed, %u failed, %u skipped\n", r.passed,
		 r.failed, r.skipped);
	ktest_print(line);
	return r;
}
