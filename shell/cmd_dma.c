/*
 * cmd_dma.c - the `dma` shell command: the bounce pool's use, mapping
 * counters and debug state (include/dma.h), the live mappings debug mode
 * tracks, and run-time switches for swiotlb=force and dma.debug.
 *
 *	dma			pool, counters, debug state
 *	dma list		live tracked mappings, one line each
 *	dma debug on|off	track mappings (refused while any are live)
 *	dma force on|off	bounce every mapping
 */
#include "dma.h"
#include "errno.h"
#include "lib.h"
#include "printk.h"
#include "shell.h"

static void print_mapping(const char *line, void *arg)
{
	kprintf("dma: live %s\n", line);
}

static int dma_switch(const char *what, const char *val, bool *on)
{
	if (parse_bool(val, on))
		return shell_error(-EINVAL, "dma %s: want on or off, not '%s'", what, val);
	return 0;
}

static int cmd_dma(int argc, char **argv)
{
	struct dma_stats st;
	bool on;
	int err;

	if (argc == 2 && !strcmp(argv[1], "list")) {
		unsigned n;

		if (!dma_debug_enabled())
			return shell_error(-EINVAL, "dma list: debug mode is off (dma debug on)");
		n = dma_debug_for_each(print_mapping, NULL);
		kprintf("dma: %u mapping(s) live\n", n);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "debug")) {
		if (dma_switch("debug", argv[2], &on))
			return -EINVAL;
		err = dma_debug_enable(on);
		if (err)
			return shell_error(err, "dma debug: mappings are live, they were never tracked");
		kprintf("dma: debug %s\n", on ? "on" : "off");
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "force")) {
		if (dma_switch("force", argv[2], &on))
			return -EINVAL;
		dma_set_force_bounce(on);
		kprintf("dma: force %s\n", on ? "on" : "off");
		return 0;
	}
	if (argc != 1)
		return shell_error(-EINVAL, "usage: dma [list | debug on|off | force on|off]");

	dma_get_stats(&st);
	if (st.slots)
		kprintf("dma: pool %llu KiB in %u chunk(s) within 0x%llx-0x%llx, %u slots of %u bytes, used %u, peak %u, force %s\n",
			(unsigned long long)(st.pool_bytes >> 10), st.pool_chunks,
			(unsigned long long)st.pool_lowest, (unsigned long long)st.pool_highest,
			st.slots, DMA_SLOT_SIZE, st.slots_used, st.slots_peak,
			st.force ? "on" : "off");
	else
		kprintf("dma: no bounce pool, force %s\n", st.force ? "on" : "off");
	if (st.slots_lost)
		kprintf("dma: %u slots kept out of the pool for good (left to a device that may still use them)\n",
			st.slots_lost);
	kprintf("dma: maps direct %llu bounced %llu errors %llu (pool full %llu); bounced bytes in %llu out %llu\n",
		(unsigned long long)st.maps_direct, (unsigned long long)st.maps_bounced,
		(unsigned long long)st.map_errors, (unsigned long long)st.pool_full,
		(unsigned long long)st.bytes_bounced_in, (unsigned long long)st.bytes_bounced_out);
	kprintf("dma: live %llu coherent %llu\n", (unsigned long long)st.live,
		(unsigned long long)st.coherent_live);
	kprintf("dma: pmem lines written back after device writes %llu\n",
		(unsigned long long)st.pmem_wb_lines);
	kprintf("dma: debug %s, %u tracked, %llu error(s)\n", st.debug ? "on" : "off",
		st.debug_tracked, (unsigned long long)st.debug_errors);
	return 0;
}
SHELL_COMMAND("dma", cmd_dma, "[list | debug on|off | force on|off]",
	      "DMA bounce pool use, mapping counters, debug tracking");
