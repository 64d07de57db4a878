/*
 * cmd_mm.c - shell commands for physical memory: mem, pfn, kmap, kmap-fill,
 * kmap-verify. The last three reach memory only through
 * kmap_atomic_pfn_t(), a page at a time, and the data pattern's byte offset
 * B is the offset inside the persistent region.
 */
#include "blkcmd.h"
#include "blkdev.h"
#include "copy.h"
#include "cpu.h"
#include "errno.h"
#include "lib.h"
#include "memmap.h"
#include "mm.h"
#include "persist.h"
#include "pmem.h"
#include "printk.h"
#include "shell.h"

static void print_line(const char *s, void *arg)
{
	kprintf("%s\n", s);
}

static int cmd_mem(int argc, char **argv)
{
	if (argc != 1)
		return shell_error(-EINVAL, "usage: mem");
	memmap_print(print_line, NULL);
	kprintf("mem: ram=%llu pmem=%llu mm_metadata=%llu\n",
		(unsigned long long)memmap_ram_total(),
		(unsigned long long)memmap_pmem_total(),
		(unsigned long long)mm_metadata_bytes());
	for (unsigned i = 0; i < pmem_ns_count(); i++) {
		struct pmem_ns ns;

		if (pmem_ns_get(i, &ns))
			continue;
		if (ns.info.mode == ND_MODE_FSDAX || ns.info.mode == ND_MODE_DEVDAX)
			kprintf("mem: pmem%u namespace %s map=%s linux_struct_page_reserve=%llu pfnos_uses=0 data_offset=%llu data=%llu\n",
				ns.region, nd_mode_name(ns.info.mode),
				ns.info.pfn_mode == 2 ? "dev" : "mem",
				(unsigned long long)pmem_ns_struct_page_reserve(&ns.info),
				(unsigned long long)ns.info.data_start,
				(unsigned long long)ns.size);
		else
			kprintf("mem: pmem%u namespace %s device=%s size=%llu\n", ns.region,
				nd_mode_name(ns.info.mode), ns.disk ? ns.disk->disk_name : "none",
				(unsigned long long)ns.size);
	}
	return 0;
}
SHELL_COMMAND("mem", cmd_mem, "", "the sanitized memory map, regions and metadata use");

static int cmd_pfn(int argc, char **argv)
{
	const struct memmap_range *r;
	const struct memmap_region *reg;
	u64 phys;
	pfn_t pfn;

	if (argc != 2)
		return shell_error(-EINVAL, "usage: pfn <phys>");
	if (shell_arg_u64("address", argv[1], &phys))
		return -EINVAL;
	if (memmap_phys_bits() < 64 && phys >> memmap_phys_bits())
		return shell_error(-EINVAL, "0x%llx is beyond the %u-bit physical address width",
				   (unsigned long long)phys, memmap_phys_bits());
	pfn = memmap_phys_to_pfn_t(phys);
	r = memmap_lookup(phys);
	reg = pfn_to_region(pfn);
	kprintf("pfn: 0x%llx phys 0x%llx %s%s%s%s\n",
		(unsigned long long)pfn_t_to_pfn(pfn), (unsigned long long)phys,
		r ? memmap_type_name(r->type) : "hole",
		pfn_t_is_ram(pfn) ? " flags=none (direct map)" : "",
		pfn_t_flags(pfn) & PFN_DEV ? " flags=DEV" : "",
		pfn_t_is_pmem(pfn) ? "|PMEM" : "");
	if (reg)
		kprintf("pfn: region %u (%s) offset 0x%llx of 0x%llx\n", reg->id, reg->source,
			(unsigned long long)(phys - reg->base), (unsigned long long)reg->size);
	return 0;
}
SHELL_COMMAND("pfn", cmd_pfn, "<phys>", "which region a frame belongs to, and its pfn_t flags");

/* The range must lie in one persistent region (kmap-fill/-verify) or, for a
 * read-only dump, in RAM, ACPI or NVS memory as well. */
static int check_range(u64 phys, u64 len, bool pmem_only,
		       const struct memmap_region **regp)
{
	const struct memmap_region *reg = pfn_to_region(memmap_phys_to_pfn_t(phys));
	const struct memmap_range *r = memmap_lookup(phys);

	*regp = reg;
	if (!len)
		return shell_error(-EINVAL, "length must not be 0");
	if (phys + len < phys)
		return shell_error(-EINVAL, "range overflows");
	if (reg) {
		if (phys + len > reg->base + reg->size)
			return shell_error(-EINVAL,
				"range 0x%llx+0x%llx runs past the end of region %u (0x%llx)",
				(unsigned long long)phys, (unsigned long long)len, reg->id,
				(unsigned long long)(reg->base + reg->size));
		return 0;
	}
	if (pmem_only)
		return shell_error(-EINVAL, "0x%llx is not in a persistent memory region (see mem)",
				   (unsigned long long)phys);
	if (!r || (r->type != E820_RAM && r->type != E820_ACPI && r->type != E820_NVS))
		return shell_error(-EINVAL, "0x%llx is not RAM, ACPI or persistent memory",
				   (unsigned long long)phys);
	if (phys + len > r->end)
		return shell_error(-EINVAL, "range runs past the end of its memory range");
	return 0;
}

static int cmd_kmap(int argc, char **argv)
{
	const struct memmap_region *reg;
	u64 phys, len = 256;
	u8 buf[256];

	if (argc < 2 || argc > 3)
		return shell_error(-EINVAL, "usage: kmap <phys> [len]");
	if (shell_arg_u64("address", argv[1], &phys) ||
	    (argc == 3 && shell_arg_size("length", argv[2], &len)))
		return -EINVAL;
	if (len > 64 * 1024)
		return shell_error(-EINVAL, "length %llu too large (max 64k)",
				   (unsigned long long)len);
	if (check_range(phys, len, false, &reg))
		return -EINVAL;
	for (u64 done = 0; done < len;) {
		u64 pa = phys + done, off = pa & (PAGE_SIZE - 1);
		size_t n = min_t(u64, min_t(u64, len - done, PAGE_SIZE - off), sizeof(buf));
		u8 *va = kmap_atomic_pfn_t(memmap_phys_to_pfn_t(pa));

		memcpy(buf, va + off, n);
		kunmap_atomic_pfn_t(va);
		hexdump(pa, buf, n, print_line, NULL);
		done += n;
	}
	return 0;
}
SHELL_COMMAND("kmap", cmd_kmap, "<phys> [len]", "hexdump memory through a temporary mapping");

static int kmap_pattern(int argc, char **argv, bool fill)
{
	const struct memmap_region *reg;
	u64 phys, len, seed;

	if (argc != 4)
		return shell_error(-EINVAL, "usage: %s <phys> <len> <seed>", argv[0]);
	if (shell_arg_u64("address", argv[1], &phys) ||
	    shell_arg_size("length", argv[2], &len) || shell_arg_u64("seed", argv[3], &seed))
		return -EINVAL;
	if (seed > 0xffff)
		return shell_error(-EINVAL, "seed %llu out of range (0..65535)",
				   (unsigned long long)seed);
	if (check_range(phys, len, true, &reg))
		return -EINVAL;
	for (u64 done = 0; done < len;) {
		u64 pa = phys + done, off = pa & (PAGE_SIZE - 1);
		size_t n = min_t(u64, len - done, PAGE_SIZE - off);
		u8 *va = kmap_atomic_pfn_t(memmap_phys_to_pfn_t(pa));
		u64 b = pa - reg->base;

		if (fill) {
			pattern_fill(va + off, b, n, (u16)seed);
			persist_wb_range(va + off, n, PERSIST_WB_AUTO);
			kunmap_atomic_pfn_t(va);
		} else {
			size_t bad = pattern_check(va + off, b, n, (u16)seed);
			u8 got = bad < n ? va[off + bad] : 0;

			kunmap_atomic_pfn_t(va);
			if (bad < n) {
				u8 want;

				pattern_fill(&want, b + bad, 1, (u16)seed);
				kprintf("kmap-verify FAILED at 0x%llx (region offset 0x%llx): expected 0x%02x got 0x%02x\n",
					(unsigned long long)(pa + bad),
					(unsigned long long)(b + bad), want, got);
				return -EIO;
			}
		}
		done += n;
		if ((done & ((1 << 20) - 1)) == 0 && shell_interrupted())
			return -EINTR;
	}
	if (fill) {
		persist_fence();
		pmem_check_point(PMEM_POINT_KMAP_FILL);
	}
	kprintf("%s ok 0x%llx %llu\n", argv[0], (unsigned long long)phys,
		(unsigned long long)len);
	return 0;
}

static int cmd_kmap_fill(int argc, char **argv)
{
	return kmap_pattern(argc, argv, true);
}
SHELL_COMMAND("kmap-fill", cmd_kmap_fill, "<phys> <len> <seed>",
	      "write the data pattern into persistent memory through kmap");

static int cmd_kmap_verify(int argc, char **argv)
{
	return kmap_pattern(argc, argv, false);
}
SHELL_COMMAND("kmap-verify", cmd_kmap_verify, "<phys> <len> <seed>",
	      "check the data pattern in persistent memory through kmap");

/*
 * The persistence checker's permanent known-bad case (test only): one
 * store into the line at <phys> in persistent memory with no write-back and
 * no fence, then a durability point. Under --pmem-check exactly one
 * violation names that line; without the checker nothing shows it. With
 * claim=0 no point follows: the checker must still report the store when
 * the run ends (a store nothing ever claimed is lost all the same).
 */
static int cmd_pmem_unflushed(int argc, char **argv)
{
	const struct memmap_region *reg;
	u64 phys, claim = 1;
	char why[96];
	u8 *va;

	if (argc < 2 || argc > 3)
		return shell_error(-EINVAL, "usage: pmem-unflushed <phys> [claim=0|1]");
	if (shell_arg_u64("address", argv[1], &phys))
		return -EINVAL;
	if (argc == 3) {
		int err = blkcmd_parse_opt(argv[2], "claim", &claim, why, sizeof(why));

		if (err <= 0 || claim > 1)
			return shell_error(-EINVAL, "%s (claim=0|1)",
					   err < 0 ? why : "bad argument");
	}
	phys = ALIGN_DOWN(phys, 64);
	if (check_range(phys, 64, true, &reg))
		return -EINVAL;
	va = kmap_atomic_pfn_t(memmap_phys_to_pfn_t(phys));
	WRITE_ONCE(va[phys & (PAGE_SIZE - 1)], (u8)(va[phys & (PAGE_SIZE - 1)] ^ 0xff));
	kunmap_atomic_pfn_t(va);
	if (claim)
		pmem_check_point(PMEM_POINT_DECLARED);
	kprintf("pmem-unflushed: stored line 0x%llx without write-back%s\n",
		(unsigned long long)phys, claim ? "" : ", never claimed");
	return 0;
}
SHELL_COMMAND("pmem-unflushed", cmd_pmem_unflushed, "<phys> [claim=0|1]",
	      "test only: store into a pmem line without write-back, then claim durability");

static int cmd_copy_routines(int argc, char **argv)
{
	unsigned n;
	const struct copy_routine *r = copy_routines(&n);

	for (unsigned i = 0; i < n; i++)
		kprintf("copy: %-10s %s %6llu MB/s%s%s\n", r[i].name,
			r[i].usable ? "usable  " : "unusable",
			(unsigned long long)r[i].mbps,
			&r[i] == copy_best() ? " (copies)" : "",
			&r[i] == copy_best_nt() ? " (non-temporal)" : "");
	kprintf("copy: %s + cache write-back %6llu MB/s\n", copy_best()->name,
		(unsigned long long)copy_wb_mbps());
	return 0;
}
SHELL_COMMAND("copy-routines", cmd_copy_routines, "",
	      "copy routines measured at boot and the ones in use");
