/*
 * fuzz_bootinfo.c - libFuzzer target for kernel/bootinfo.c, feeding what it
 * parses on into mm/memmap.c.
 *
 * Input: byte 0 picks the parser (bit 0: PVH, else multiboot2) and the
 * physical address width (32 + (byte >> 1) % 21 bits); the rest is the
 * multiboot2 information block, or the PVH start info followed by the memory
 * it points to (physical address p is byte p of the rest). The memory map
 * invariants are checked after every input.
 */
#include <stdlib.h>
#include "boot.h"
#include "lib.h"
#include "memmap.h"

void fuzz_check_memmap(void);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static const u8 *pvh_mem;
static size_t pvh_len;

static const void *pvh_map(u64 phys, size_t len)
{
	if (phys > pvh_len || len > pvh_len - phys)
		return NULL;
	return pvh_mem + phys;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct boot_info bi;
	u8 *copy;
	int err;

	if (size < 1)
		return 0;
	/* an exact-size copy: ASan sees any read past the end */
	copy = malloc(size - 1 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	if (data[0] & 1) {
		if (size - 1 < 56) {
			free(copy);
			return 0;
		}
		pvh_mem = copy;
		pvh_len = size - 1;
		err = bootinfo_parse_pvh(&bi, copy, pvh_map);
	} else {
		err = bootinfo_parse_mb2(&bi, copy, size - 1);
	}
	free(copy);
	if (bi.ne820 > BOOT_MMAP_MAX || bi.nefi > BOOT_MMAP_MAX ||
	    bi.rsdp_len > sizeof(bi.rsdp) || strnlen(bi.cmdline, CMDLINE_MAX) == CMDLINE_MAX ||
	    strnlen(bi.loader, sizeof(bi.loader)) == sizeof(bi.loader))
		abort();
	if (err)
		return 0;
	memmap_init(&bi, 32 + (data[0] >> 1) % 21);
	memmap_finalize();
	fuzz_check_memmap();
	return 0;
}
