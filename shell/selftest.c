/*
 * selftest.c - the in-guest side of ktest: the `selftest [filter]` command,
 * output through the console, leak checks after each test, the run's seed
 * (test.seed=, else the TSC), and the test.exit contract (exit.h) at the
 * end of a run.
 */
#include "cmdline.h"
#include "cpu.h"
#include "dma.h"
#include "errno.h"
#include "exit.h"
#include "ktest.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "shell.h"

void ktest_print(const char *s)
{
	console_puts(s);
}

static u64 dma_live_baseline;

/* State a test must not leave behind: held kmap slots, live streaming DMA
 * mappings (tracked by DMA debug mode, and counted even without it). */
void ktest_after_each(const struct ktest *t)
{
	unsigned held = kmap_slots_in_use();
	unsigned live = dma_debug_check_leaks();
	struct dma_stats st;

	if (live) {
		ktest_fail(__FILE__, __LINE__,
			   "BUG: %u DMA mapping(s) still live (see the dma-debug leak lines)", live);
		dma_debug_reset();
	}
	dma_get_stats(&st);
	if (st.live > dma_live_baseline)
		ktest_fail(__FILE__, __LINE__, "BUG: %llu more streaming DMA mapping(s) live than before",
			   (unsigned long long)(st.live - dma_live_baseline));
	dma_live_baseline = st.live;

	if (held) {
		ktest_fail(__FILE__, __LINE__, "BUG: %u kmap slot(s) still held, last at 0x%llx",
			   held, (unsigned long long)kmap_held_address(held - 1));
		kmap_release_all();
	}
}

static int cmd_selftest(int argc, char **argv)
{
	struct ktest_result r;

	if (argc > 2)
		return shell_error(-EINVAL, "usage: selftest [filter]");
	{
		bool was = dma_debug_enabled();
		struct dma_stats st;

		dma_debug_enable(true);	/* so the leak check has something to check */
		dma_get_stats(&st);
		dma_live_baseline = st.live;
		ktest_set_seed(kernel_param_u64("test.seed", rdtsc() & 0xffffffffULL),
			       "test.seed");
		r = ktest_run(argc == 2 ? argv[1] : NULL);
		if (!was)
			dma_debug_enable(false);
	}
	if (r.failed)
		exit_mark_failed("selftest");
	if (exit_test_mode())
		qemu_debug_exit(exit_any_failed() ? EXIT_CODE_FAIL : EXIT_CODE_OK);
	return r.failed ? -1 : 0;
}
SHELL_COMMAND("selftest", cmd_selftest, "[filter]",
	      "run the in-kernel self tests whose suite.name contains filter");

/* Fails when asked to, so the harness can check the failure path; without
 * selftest.inject_failure=1 it has nothing to test and says so (# SKIP). */
KTEST(selftest, injected_failure)
{
	const char *v = kernel_param("selftest.inject_failure");

	if (!v || !strcmp(v, "0")) {
		ktest_skip("not asked for (selftest.inject_failure=1)");
		return;
	}
	ktest_fail(__FILE__, __LINE__, "failure injected by selftest.inject_failure");
}
