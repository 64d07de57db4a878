/*
 * cmd_frames.c - the `frames` shell command: frame allocator statistics.
 *
 * Output, one fact a line:
 *   frames: total=<pages> free=<pages> reserved=<pages> metadata=<bytes> ranges=<n>
 *   frames: allocs=<n> frees=<n> failures=<n>
 *   frames: zone <name> total=<pages> free=<pages>
 *   frames: zone <name> order <k> (<size>) free_blocks=<n>    (one per order)
 */
#include "errno.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"
#include "shell.h"

static void frames_print_size(char *buf, size_t len, unsigned order)
{
	u64 bytes = PAGE_SIZE << order;

	if (bytes >= (1ULL << 20))
		snprintf(buf, len, "%lluM", (unsigned long long)(bytes >> 20));
	else
		snprintf(buf, len, "%lluK", (unsigned long long)(bytes >> 10));
}

static int cmd_frames(int argc, char **argv)
{
	struct buddy_stats st;

	if (argc != 1)
		return shell_error(-EINVAL, "usage: frames");
	if (!frames_ready())
		return shell_error(-ENODEV, "frames: allocator not initialized");
	frames_get_stats(&st);
	kprintf("frames: total=%llu free=%llu reserved=%llu metadata=%zu ranges=%u\n",
		(unsigned long long)st.total_pages, (unsigned long long)st.free_pages,
		(unsigned long long)st.nr_reserved, st.metadata_bytes, st.nr_ranges);
	kprintf("frames: allocs=%llu frees=%llu failures=%llu\n",
		(unsigned long long)st.nr_allocs, (unsigned long long)st.nr_frees,
		(unsigned long long)st.nr_failures);
	for (unsigned z = 0; z < BUDDY_NR_ZONES; z++) {
		kprintf("frames: zone %s total=%llu free=%llu\n", st.zones[z].name,
			(unsigned long long)st.zones[z].total_pages,
			(unsigned long long)st.zones[z].free_pages);
		for (unsigned k = 0; k < PFN_MAX_ORDER; k++) {
			char size[16];

			frames_print_size(size, sizeof(size), k);
			kprintf("frames: zone %s order %u (%s) free_blocks=%llu\n",
				st.zones[z].name, k, size,
				(unsigned long long)st.zones[z].nr_free[k]);
		}
	}
	return 0;
}
SHELL_COMMAND("frames", cmd_frames, "", "frame allocator statistics");
