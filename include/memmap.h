/*
 * memmap.h - the sanitized physical memory map and its persistent regions.
 *
 * Filled at boot from the loader's maps (boot.h), from firmware parsers
 * (ACPI NFIT hands its ranges in with memmap_add_region()) and from the
 * memmap= option; read by the frame allocator, paging and the pmem driver.
 * mm/memmap.c is pure logic (no hardware access) and uses only static
 * arrays: it runs before any allocator exists.
 *
 * Boot order (kmain):
 *	memmap_init(&boot_info, phys_bits);	loader map -> sanitized map
 *	memmap_protect(kernel image, "kernel");	optional, guards memmap=
 *	acpi_parse(...);			NFIT -> memmap_add_region()
 *	memmap_apply_cmdline(vals, n);		memmap=nn!ss carve-outs
 *	memmap_finalize();			regions frozen, map logged
 *	allocator, paging: memmap_ranges(), memmap_region(), pfn_to_region()
 *
 * The sanitized map is a sorted list of non-overlapping ranges
 * {start, end (exclusive), e820 type, source}:
 * - Input is the EFI map when the loader gave one, else the e820 map. EFI
 *   types convert as LoaderCode/Data, BootServicesCode/Data, Conventional ->
 *   RAM; ACPIReclaim -> ACPI; ACPINVS -> NVS; Unusable -> unusable;
 *   PersistentMemory (14) -> PMEM; anything else -> reserved. Unknown e820
 *   types become reserved.
 * - Overlaps resolve as Linux's e820 sanitizing: the higher type number
 *   wins, so RAM never wins against anything. Neighbours of equal type and
 *   source merge, except persistent regions, which stay one range each.
 * - Entries are clipped to the CPU's physical address width; zero-length
 *   entries are dropped; an entry whose end overflows 64 bits is rejected
 *   with a log line.
 * - RAM ranges are page-trimmed (start rounded up, end rounded down), so
 *   every RAM range is whole frames; a sub-page remnant is left out.
 *
 * Sources: "e820", "efi" for ordinary ranges; "e820-7", "e820-12", "efi-14"
 * for persistent ranges from the loader's map; "nfit" (memmap_add_region
 * from ACPI); "memmap" (the memmap= option).
 *
 * Persistent regions: every type 7 (PMEM) and type 12 (PRAM) range is a
 * region {id, base, size, type, source}. Each is checked when it arrives:
 * page aligned, not empty, inside the physical address width, no overlap
 * with RAM, ACPI or NVS memory, and no overlap with an earlier region. A
 * bad one is logged and skipped; a skipped range from the loader's map is
 * kept out of RAM as reserved (RAM never wins), a refused
 * memmap_add_region() or memmap= range leaves the map unchanged.
 * A range added with memmap_add_region() that lies inside a region of the
 * same type from the loader's map (e820-7, efi-14, e820-12) refines it: the
 * loader's region is split around it and the piece takes the new source.
 * So an NFIT range identical to an e820-7 range is one region, "nfit".
 *
 * Numbering: persistent (type 7) regions first, ordered by source (nfit,
 * e820-7, efi-14) then by address; then legacy (type 12) regions, ordered
 * by source (e820-12, memmap) then by address. Region 0 is the first NVDIMM
 * when there is one. Ids are stable once memmap_finalize() has run.
 */
#ifndef PFNOS_MEMMAP_H
#define PFNOS_MEMMAP_H

#include "boot.h"
#include "pfn_t.h"
#include "types.h"

#define MEMMAP_MAX_REGIONS	32	/* persistent regions */
/* Sanitized map entries: the worst case of the change-point sweep. Each of
 * the BOOT_MMAP_MAX loader entries and MEMMAP_MAX_REGIONS regions adds two
 * change points, and n points bound n - 1 ranges (a RAM entry with 510
 * reserved entries inside it and 32 regions splitting one more gives 1086). */
#define MEMMAP_MAX_RANGES	(2 * (BOOT_MMAP_MAX + MEMMAP_MAX_REGIONS))
#define MEMMAP_MAX_PROTECT	8	/* ranges memmap= may not carve */
#define MEMMAP_SOURCE_LEN	12	/* "e820-12" and the NUL fit */
#define MEMMAP_LINE_MAX		80	/* a formatted `mem:` line with its NUL */

struct memmap_range {
	u64 start;
	u64 end;				/* exclusive */
	u32 type;				/* E820_* */
	u32 region;				/* region index + 1, 0: none */
	char source[MEMMAP_SOURCE_LEN];
};

struct memmap_region {
	unsigned id;
	u64 base;
	u64 size;
	u32 type;				/* E820_PMEM or E820_PRAM */
	char source[MEMMAP_SOURCE_LEN];
};

/**
 * memmap_init - build the sanitized map from the loader's memory maps.
 * @bi: the parsed boot information (its efi[] map is preferred, else e820[])
 * @phys_bits: the CPU's physical address width (CPUID 0x80000008 EAX[7:0]);
 *	outside 32..52 it is clamped with a warning
 *
 * Resets all state first, so it may be called again (tests do).
 * Returns: 0, or -ENODATA when the loader gave no usable map.
 */
int memmap_init(const struct boot_info *bi, unsigned phys_bits);

/**
 * memmap_add_region - register a persistent range found by a firmware parser.
 * @base: physical start, page aligned
 * @size: bytes, page aligned, not zero
 * @type: E820_PMEM or E820_PRAM
 * @source: short name for the `mem` lines ("nfit"); copied
 *
 * Returns: 0 (also when it refines or equals a loader-map region), -EINVAL
 * for a bad type, size or alignment, -ERANGE beyond the physical address
 * width, -EBUSY for an overlap with RAM/ACPI/NVS or another region or after
 * memmap_finalize(), -ENOSPC when the tables are full. Every error is logged.
 */
int memmap_add_region(u64 base, u64 size, u32 type, const char *source);

/**
 * memmap_protect - forbid memmap= from carving a range (the kernel image,
 * the boot information, ...).
 * @base: physical start
 * @size: bytes
 * @what: name used in the refusal message; not copied (a string literal)
 *
 * Returns: 0, or -ENOSPC after MEMMAP_MAX_PROTECT ranges.
 */
int memmap_protect(u64 base, u64 size, const char *what);

/**
 * memmap_parse_option - parse one memmap= item "nn[KMG]!ss[KMG]".
 * @s: the item (no commas)
 * @size: the size on success
 * @start: the start on success
 *
 * Sizes follow parse_size(): decimal or 0x hex, optional k/m/g suffix.
 * Returns: 0, -EINVAL for garbage, -EOPNOTSUPP for the other Linux forms
 * (nn@ss, nn$ss, nn#ss, exactmap), -ERANGE when a number or the end does
 * not fit in 64 bits. Pure: no log line, no state.
 */
int memmap_parse_option(const char *s, u64 *size, u64 *start);

/**
 * memmap_apply_option - apply one memmap= value (comma-separated items).
 * @val: the value after "memmap="
 *
 * Each nn!ss item carves [ss, ss+nn) out of RAM as a legacy persistent
 * region (type 12, source "memmap"). An item that does not parse, is not
 * page aligned, is not wholly RAM or touches a protected range is refused
 * with a log line ("memmap: 64M!3G is not wholly RAM, ignored").
 * Returns: 0 when every item was applied, else the first item's -errno.
 */
int memmap_apply_option(const char *val);

/**
 * memmap_apply_cmdline - apply every memmap= value, in order.
 * @vals: the values (cmdline_get_all(&boot_cmdline, "memmap", ...))
 * @n: how many
 *
 * Returns: how many items were applied.
 */
unsigned memmap_apply_cmdline(const char *const *vals, unsigned n);

/**
 * memmap_finalize - freeze the map and the region numbering, and log both.
 *
 * After this memmap_add_region() and memmap= refuse with -EBUSY.
 */
void memmap_finalize(void);

/* ---- queries: valid at any time, stable after memmap_finalize() ---- */

/* The sanitized map, sorted by address: *n entries. */
const struct memmap_range *memmap_ranges(unsigned *n);
/* The map range containing phys, or NULL (a hole). */
const struct memmap_range *memmap_lookup(phys_addr_t phys);
/* Bytes of RAM (page-trimmed) and of persistent regions (types 7 and 12). */
u64 memmap_ram_total(void);
u64 memmap_pmem_total(void);
/* The physical address width in use (after clamping). */
unsigned memmap_phys_bits(void);
unsigned memmap_nr_regions(void);
/* Region by id, or NULL. */
const struct memmap_region *memmap_region(unsigned id);
/* The region holding pfn, or NULL: a lookup over the few regions. */
const struct memmap_region *pfn_to_region(pfn_t pfn);
/* A pfn_t for phys with the flags its memory calls for: none for RAM,
 * PFN_DEV | PFN_PMEM inside a region, PFN_DEV for anything else. */
pfn_t memmap_phys_to_pfn_t(phys_addr_t phys);

/* "ram", "reserved", "acpi", "nvs", "unusable", "pmem", "pram", or
 * "type<N>" is never returned: unknown types are stored as reserved. */
const char *memmap_type_name(u32 type);

/*
 * memmap_format_range - the `mem` line of one range:
 *	"mem: 0x%016llx-0x%016llx <type> <source>"
 * e.g. "mem: 0x0000000100000000-0x0000000140000000 pmem nfit" (end
 * exclusive, type from memmap_type_name()). Returns snprintf's count.
 */
int memmap_format_range(char *buf, size_t size, const struct memmap_range *r);

/*
 * memmap_format_region - one line about a region:
 *	"region <id>: 0x%016llx-0x%016llx <type> <source> size=<bytes>"
 */
int memmap_format_region(char *buf, size_t size, const struct memmap_region *r);

/* Call line() with each range's `mem` line (no newline), in address order.
 * The shell adds its "mem: ram=... pmem=... mm_metadata=..." line after. */
void memmap_print(void (*line)(const char *s, void *arg), void *arg);

#endif
