/*
 * ktest.h - the one test framework for host unit tests and in-guest self
 * tests (after Unikraft lib/uktest).
 *
 * A test is registered with KTEST(suite, name) { ... } into the linker section
 * "ktest_set"; ktest_run() runs those whose "suite.name" contains a filter,
 * prints a KTAP line per test ("ok 3 mm.buddy_stress") and ends with
 * "N passed, N failed, N skipped". A test that cannot run here (its device
 * is missing) calls ktest_skip() and returns: "ok N name # SKIP reason",
 * counted as skipped, never as passed. Checks record a failure with file
 * and line and the KT_ASSERT family returns from the test at once.
 *
 * The environment provides ktest_print() (printk in the guest, stdout on the
 * host) and may provide ktest_after_each() to check for leaks (held kmap
 * slots, live DMA mappings).
 */
#ifndef PFNOS_KTEST_H
#define PFNOS_KTEST_H

#include "compiler.h"
#include "types.h"

struct ktest {
	const char *suite;
	const char *name;
	void (*fn)(void);
};

#define KTEST(suite_, name_)						\
	static void ktest_fn_##suite_##_##name_(void);			\
	static const struct ktest ktest_##suite_##_##name_		\
		__section("ktest_set") __used __aligned(8) = {		\
		.suite = #suite_, .name = #name_,			\
		.fn = ktest_fn_##suite_##_##name_,			\
	};								\
	static void ktest_fn_##suite_##_##name_(void)

void ktest_fail(const char *file, int line, const char *fmt, ...) __printf(3, 4);
void ktest_log(const char *fmt, ...) __printf(1, 2);
bool ktest_failed(void);
/* The test cannot run here (no device, no interrupts): KTAP "# SKIP". The
 * test should return right after; a failure recorded before or after wins.
 * The reason pointer is kept until the test's line is printed. */
void ktest_skip(const char *reason);

#define KT_EXPECT(cond)							\
	do { if (!(cond)) ktest_fail(__FILE__, __LINE__, "%s", #cond); } while (0)
#define KT_ASSERT(cond)							\
	do { if (!(cond)) { ktest_fail(__FILE__, __LINE__, "%s", #cond); return; } } while (0)
#define KT_EXPECT_EQ(a, b)						\
	do {								\
		unsigned long long _a = (unsigned long long)(a);	\
		unsigned long long _b = (unsigned long long)(b);	\
		if (_a != _b)						\
			ktest_fail(__FILE__, __LINE__, "%s == %s: 0x%llx != 0x%llx", \
				   #a, #b, _a, _b);			\
	} while (0)
#define KT_ASSERT_EQ(a, b)						\
	do {								\
		unsigned long long _a = (unsigned long long)(a);	\
		unsigned long long _b = (unsigned long long)(b);	\
		if (_a != _b) {						\
			ktest_fail(__FILE__, __LINE__, "%s == %s: 0x%llx != 0x%llx", \
				   #a, #b, _a, _b);			\
			return;						\
		}							\
	} while (0)
#define KT_EXPECT_STREQ(a, b)						\
	do {								\
		const char *_a = (a), *_b = (b);			\
		if (strcmp(_a, _b))					\
			ktest_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", \
				   #a, #b, _a, _b);			\
	} while (0)

/*
 * Seeds: the environment gives the run one seed (ktest_set_seed(): the
 * host from PFNOS_SEED or /dev/urandom, the guest from test.seed= or the
 * TSC); ktest_run() prints it ("# seed N (test.seed=N repeats it)"), and a
 * random test takes ktest_seed(), the run's seed mixed with its own
 * "suite.name": the same for a test whatever the filter or order, and
 * different between tests. Keep the variety, replay a failure exactly.
 */
void ktest_set_seed(u64 seed, const char *how);
u64 ktest_seed(void);

struct ktest_result {
	unsigned passed;
	unsigned failed;
	unsigned skipped;	/* not counted in passed */
};

/* Run every test whose "suite.name" contains filter (NULL or "" for all). */
struct ktest_result ktest_run(const char *filter);

/* Provided by the environment. */
void ktest_print(const char *s);
/* Optional (weak default does nothing): called after each test; may call
 * ktest_fail() for state the test left behind. */
void ktest_after_each(const struct ktest *t);

#endif
