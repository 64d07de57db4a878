/*
 * fuzz_memmap.c - libFuzzer target for mm/memmap.c: the sanitizer, region
 * registration and the memmap= parser.
 *
 * Input:
 *	byte 0		physical address width, 32 + byte % 21
 *	byte 1		bit 0: the entries are an EFI map; bit 1: compact entries;
 *			bit 2: wide counts (a full map of BOOT_MMAP_MAX entries)
 *	byte 2		number of loader entries E (wide: bytes 2-3, u16, at most
 *			BOOT_MMAP_MAX)
 *	byte 3		number of memmap_add_region() calls R (wide: byte 4)
 *	E entries	compact: u32 page, u32 pages, u8 type (9 bytes)
 *			else: u64 addr, u64 len, u32 type (20 bytes)
 *	R regions	u32 page, u32 pages, u8 type (even: 7, odd: 12) (9 bytes)
 *	the rest	memmap= values, NUL separated
 * The memory map invariants are checked after every input.
 */
#include "boot.h"
#include "lib.h"
#include "memmap.h"

void fuzz_check_memmap(void);
int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static u64 get(const u8 *p, unsigned n)
{
	u64 v = 0;

	memcpy(&v, p, n);
	return v;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct boot_info bi;
	static char opts[4096];
	const u8 *p = data, *end = data + size;
	unsigned bits, nent, nreg, esize;
	bool efi, compact;

	if (size < 4)
		return 0;
	bits = 32 + p[0] % 21;
	efi = p[1] & 1;
	compact = p[1] & 2;
	if (p[1] & 4) {
		if (size < 5)
			return 0;
		nent = (unsigned)get(p + 2, 2);
		if (nent > BOOT_MMAP_MAX)
			nent = BOOT_MMAP_MAX;
		nreg = p[4];
		p += 5;
	} else {
		nent = p[2];
		nreg = p[3];
		p += 4;
	}
	esize = compact ? 9 : 20;

	memset(&bi, 0, sizeof(bi));
	for (unsigned i = 0; i < nent && end - p >= esize; i++, p += esize) {
		struct boot_mmap_entry *e = efi ? &bi.efi[bi.nefi++] : &bi.e820[bi.ne820++];

		if (compact) {
			e->addr = get(p, 4) << PAGE_SHIFT;
			e->len = get(p + 4, 4) << PAGE_SHIFT;
			e->type = p[8] % 20;
		} else {
			e->addr = get(p, 8);
			e->len = get(p + 8, 8);
			e->type = (u32)get(p + 16, 4);
		}
	}
	memmap_init(&bi, bits);
	memmap_protect(0x1000000, 0x400000, "kernel image");
	for (unsigned i = 0; i < nreg && end - p >= 9; i++, p += 9)
		memmap_add_region(get(p, 4) << PAGE_SHIFT, get(p + 4, 4) << PAGE_SHIFT,
				  p[8] & 1 ? E820_PRAM : E820_PMEM, "nfit");

	/* memmap= values: NUL separated, the last one ends at the input's end */
	size_t n = (size_t)(end - p) < sizeof(opts) - 1 ? (size_t)(end - p) : sizeof(opts) - 1;
	const char *vals[16];
	unsigned nvals = 0;

	memcpy(opts, p, n);
	opts[n] = '\0';
	for (size_t off = 0; n && off <= n && nvals < ARRAY_SIZE(vals);) {
		vals[nvals++] = opts + off;
		off += strlen(opts + off) + 1;
	}
	memmap_apply_cmdline(vals, nvals);
	memmap_finalize();
	fuzz_check_memmap();
	return 0;
}
