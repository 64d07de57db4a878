/*
 * memmap.c - the sanitized boot memory map and the persistent regions.
 *
 * Pure logic, host-tested (tests/unit/test_memmap.c) and fuzzed
 * (tests/fuzz/fuzz_memmap.c); the interface and its rules are in memmap.h.
 *
 * Inside, two inputs are kept and the map is rebuilt from them after every
 * change (a few hundred entries, a handful of changes at boot):
 * - inputs[]: the loader's ordinary ranges (RAM, reserved, ACPI, NVS,
 *   unusable), converted to e820 types and clipped, plus loader persistent
 *   ranges that failed their checks, as reserved;
 * - slots[]: the persistent regions that passed their checks, kept sorted
 *   in numbering order.
 * The rebuild is the change-point sweep of Linux's e820__update_table():
 * every entry contributes a start and an end point; between two consecutive
 * points the entry with the highest type wins (RAM lowest), ties going to a
 * region, then to the earlier entry. Equal neighbours merge, then RAM is
 * trimmed to whole pages.
 */
#include "errno.h"
#include "lib.h"
#include "memmap.h"
#include "panic.h"
#include "printk.h"

#define MEMMAP_MAX_INPUTS	BOOT_MMAP_MAX
#define MEMMAP_MAX_ENTRIES	(MEMMAP_MAX_INPUTS + MEMMAP_MAX_REGIONS)
/* Every change point pair can start a range: the map never runs out. */
_Static_assert(MEMMAP_MAX_RANGES >= 2 * MEMMAP_MAX_ENTRIES - 1,
	       "the sanitized map must hold the sweep's worst case");
#define MEMMAP_MIN_PHYS_BITS	32
#define MEMMAP_MAX_PHYS_BITS	52

struct region_slot {
	struct memmap_region r;
	bool loader;			/* from the loader's map: may be refined */
};

struct change_point {
	u64 addr;
	u16 entry;
	bool end;
};

static struct memmap_range inputs[MEMMAP_MAX_INPUTS];
static unsigned nr_inputs;
static struct region_slot slots[MEMMAP_MAX_REGIONS];
static unsigned nr_slots;
static struct memmap_range map[MEMMAP_MAX_RANGES];
static unsigned nr_map;
static struct {
	u64 start;
	u64 end;
	const char *what;
} protected[MEMMAP_MAX_PROTECT];
static unsigned nr_protected;
static unsigned phys_bits = MEMMAP_MAX_PHYS_BITS;
static u64 phys_limit = 1ULL << MEMMAP_MAX_PHYS_BITS;
static bool finalized;

/* Scratch for the rebuild: all entries, their change points, the active set. */
static struct memmap_range all[MEMMAP_MAX_ENTRIES];
static struct change_point points[2 * MEMMAP_MAX_ENTRIES];
static u16 active[MEMMAP_MAX_ENTRIES];

const char *memmap_type_name(u32 type)
{
	switch (type) {
	case E820_RAM:		return "ram";
	case E820_RESERVED:	return "reserved";
	case E820_ACPI:		return "acpi";
	case E820_NVS:		return "nvs";
	case E820_UNUSABLE:	return "unusable";
	case E820_PMEM:		return "pmem";
	case E820_PRAM:		return "pram";
	default:		return "reserved";
	}
}

static bool is_persistent(u32 type)
{
	return type == E820_PMEM || type == E820_PRAM;
}

/* Memory the kernel uses or must keep: a region may not overlap it. */
static bool is_kernel_memory(u32 type)
{
	return type == E820_RAM || type == E820_ACPI || type == E820_NVS;
}

static u32 e820_normalize(u32 type)
{
	switch (type) {
	case E820_RAM:
	case E820_RESERVED:
	case E820_ACPI:
	case E820_NVS:
	case E820_UNUSABLE:
	case E820_PMEM:
	case E820_PRAM:
		return type;
	default:
		return E820_RESERVED;
	}
}

/* UEFI 2.9, 7.2 EFI_MEMORY_TYPE to e820 (as Linux's do_add_efi_memmap). */
static u32 efi_to_e820(u32 efi_type)
{
	switch (efi_type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_CONVENTIONAL_MEMORY:
		return E820_RAM;
	case EFI_ACPI_RECLAIM_MEMORY:
		return E820_ACPI;
	case EFI_ACPI_MEMORY_NVS:
		return E820_NVS;
	case EFI_UNUSABLE_MEMORY:
		return E820_UNUSABLE;
	case EFI_PERSISTENT_MEMORY:
		return E820_PMEM;
	default:
		return E820_RESERVED;
	}
}

/* Numbering rank of a region's source inside its class (memmap.h). */
static unsigned source_rank(u32 type, const char *source)
{
	static const char *const pmem_order[] = { "nfit", "e820-7", "efi-14" };
	static const char *const pram_order[] = { "e820-12", "memmap" };
	const char *const *order = type == E820_PMEM ? pmem_order : pram_order;
	unsigned n = type == E820_PMEM ? ARRAY_SIZE(pmem_order) : ARRAY_SIZE(pram_order);

	for (unsigned i = 0; i < n; i++)
		if (!strcmp(source, order[i]))
			return i;
	return n;
}

/* True when region a is numbered before region b. */
static bool region_before(const struct memmap_region *a, const struct memmap_region *b)
{
	unsigned ca = a->type == E820_PMEM ? 0 : 1, cb = b->type == E820_PMEM ? 0 : 1;
	unsigned ra, rb;

	if (ca != cb)
		return ca < cb;
	ra = source_rank(a->type, a->source);
	rb = source_rank(b->type, b->source);
	if (ra != rb)
		return ra < rb;
	return a->base < b->base;
}

static void set_source(char *dst, const char *src)
{
	strlcpy(dst, src ? src : "?", MEMMAP_SOURCE_LEN);
}

static void range_str(char *buf, size_t size, u64 start, u64 end)
{
	snprintf(buf, size, "[0x%llx-0x%llx)", (unsigned long long)start,
		 (unsigned long long)end);
}

/* ------------------------------------------------------------ the sweep */

static void points_sift(struct change_point *p, unsigned root, unsigned n)
{
	for (;;) {
		unsigned child = 2 * root + 1;
		struct change_point t;

		if (child >= n)
			return;
		if (child + 1 < n && p[child + 1].addr > p[child].addr)
			child++;
		if (p[root].addr >= p[child].addr)
			return;
		t = p[root];
		p[root] = p[child];
		p[child] = t;
		root = child;
	}
}

static void points_sort(struct change_point *p, unsigned n)
{
	for (unsigned i = n / 2; i-- > 0;)
		points_sift(p, i, n);
	for (unsigned i = n; i-- > 1;) {
		struct change_point t = p[0];

		p[0] = p[i];
		p[i] = t;
		points_sift(p, 0, i);
	}
}

static unsigned type_rank(u32 type)
{
	return type == E820_RAM ? 0 : type;
}

/* Does entry a win over entry b where both cover an address? */
static bool entry_wins(unsigned a, unsigned b)
{
	if (type_rank(all[a].type) != type_rank(all[b].type))
		return type_rank(all[a].type) > type_rank(all[b].type);
	if (!all[a].region != !all[b].region)
		return all[a].region != 0;
	return a < b;
}

static bool same_kind(const struct memmap_range *a, const struct memmap_range *b)
{
	return a->type == b->type && a->region == b->region &&
	       !strcmp(a->source, b->source);
}

static void map_emit(u64 start, u64 end, const struct memmap_range *e)
{
	struct memmap_range *last = nr_map ? &map[nr_map - 1] : NULL;

	if (last && last->end == start && same_kind(last, e)) {
		last->end = end;
		return;
	}
	BUG_ON(nr_map >= MEMMAP_MAX_RANGES);	/* sized for the worst case */
	map[nr_map] = *e;
	map[nr_map].start = start;
	map[nr_map].end = end;
	nr_map++;
}

static void map_rebuild(void)
{
	unsigned n = 0, np = 0, nactive = 0, w;

	for (unsigned i = 0; i < nr_inputs; i++) {
		all[n] = inputs[i];
		all[n++].region = 0;
	}
	for (unsigned i = 0; i < nr_slots; i++, n++) {
		all[n].start = slots[i].r.base;
		all[n].end = slots[i].r.base + slots[i].r.size;
		all[n].type = slots[i].r.type;
		all[n].region = i + 1;
		set_source(all[n].source, slots[i].r.source);
	}
	for (unsigned i = 0; i < n; i++) {
		if (all[i].start >= all[i].end)
			continue;
		points[np++] = (struct change_point){ all[i].start, (u16)i, false };
		points[np++] = (struct change_point){ all[i].end, (u16)i, true };
	}
	points_sort(points, np);

	nr_map = 0;
	for (unsigned i = 0; i < np;) {
		u64 addr = points[i].addr;

		for (; i < np && points[i].addr == addr; i++) {
			if (!points[i].end) {
				active[nactive++] = points[i].entry;
				continue;
			}
			for (unsigned k = 0; k < nactive; k++) {
				if (active[k] == points[i].entry) {
					active[k] = active[--nactive];
					break;
				}
			}
		}
		if (i == np || !nactive)
			continue;
		w = active[0];
		for (unsigned k = 1; k < nactive; k++)
			if (entry_wins(active[k], w))
				w = active[k];
		map_emit(addr, points[i].addr, &all[w]);
	}

	/* RAM in whole frames only, for the allocator. */
	w = 0;
	for (unsigned i = 0; i < nr_map; i++) {
		struct memmap_range r = map[i];

		if (r.type == E820_RAM) {
			r.start = ALIGN_UP(r.start, PAGE_SIZE);
			r.end = ALIGN_DOWN(r.end, PAGE_SIZE);
			if (r.start >= r.end || r.start < map[i].start)
				continue;
		}
		map[w++] = r;
	}
	nr_map = w;
}

/* ------------------------------------------------------------ regions */

static void slots_renumber(void)
{
	for (unsigned i = 0; i < nr_slots; i++)
		slots[i].r.id = i;
}

static void slot_remove(unsigned idx)
{
	memmove(&slots[idx], &slots[idx + 1], (nr_slots - idx - 1) * sizeof(slots[0]));
	nr_slots--;
	slots_renumber();
}

/* Insert in numbering order; the caller checked there is room. */
static void slot_insert(u64 base, u64 size, u32 type, const char *source, bool loader)
{
	struct region_slot s = { .r = { .base = base, .size = size, .type = type },
				 .loader = loader };
	unsigned pos = 0;

	set_source(s.r.source, source);
	while (pos < nr_slots && region_before(&slots[pos].r, &s.r))
		pos++;
	memmove(&slots[pos + 1], &slots[pos], (nr_slots - pos) * sizeof(slots[0]));
	slots[pos] = s;
	nr_slots++;
	slots_renumber();
}

static bool overlaps(u64 a0, u64 a1, u64 b0, u64 b1)
{
	return a0 < b1 && b0 < a1;
}

/*
 * Check a persistent range [base, end) before it becomes a region. Logs why
 * it is refused. *dup is set when it equals a region of the same type (no new
 * region needed), *refine to the index of a loader region it lies inside.
 * carve: a memmap= range, which must be RAM instead of avoiding it.
 */
static int region_check(u64 base, u64 end, u32 type, const char *source,
			bool carve, bool may_refine, int *refine, bool *dup)
{
	char r[48];

	*refine = -1;
	*dup = false;
	range_str(r, sizeof(r), base, end);
	if (!IS_ALIGNED(base, PAGE_SIZE) || !IS_ALIGNED(end, PAGE_SIZE)) {
		pr_warn("memmap: %s region %s is not page aligned, skipped\n", source, r);
		return -EINVAL;
	}
	if (end > phys_limit) {
		pr_warn("memmap: %s region %s is beyond the %u-bit physical address width, skipped\n",
			source, r, phys_bits);
		return -ERANGE;
	}
	if (!carve) {
		for (unsigned i = 0; i < nr_inputs; i++) {
			const struct memmap_range *in = &inputs[i];

			if (is_kernel_memory(in->type) &&
			    overlaps(base, end, in->start, in->end)) {
				pr_warn("memmap: %s region %s overlaps %s memory, skipped\n",
					source, r, memmap_type_name(in->type));
				return -EBUSY;
			}
		}
	}
	for (unsigned i = 0; i < nr_slots; i++) {
		const struct memmap_region *o = &slots[i].r;
		u64 oend = o->base + o->size;

		if (!overlaps(base, end, o->base, oend))
			continue;
		if (o->type == type && o->base == base && oend == end &&
		    (!may_refine || !slots[i].loader)) {
			*dup = true;
			return 0;
		}
		if (may_refine && slots[i].loader && o->type == type &&
		    o->base <= base && end <= oend) {
			*refine = (int)i;
			return 0;
		}
		pr_warn("memmap: %s region %s overlaps region %u (%s), skipped\n",
			source, r, o->id, o->source);
		return -EBUSY;
	}
	return 0;
}

/* Replace loader region idx by its pieces around [base, end) and the new one. */
static void region_refine(unsigned idx, u64 base, u64 end, const char *source)
{
	struct region_slot old = slots[idx];
	u64 oend = old.r.base + old.r.size;

	slot_remove(idx);
	if (old.r.base < base)
		slot_insert(old.r.base, base - old.r.base, old.r.type, old.r.source, true);
	slot_insert(base, end - base, old.r.type, source, false);
	if (end < oend)
		slot_insert(end, oend - end, old.r.type, old.r.source, true);
}

/* ------------------------------------------------------------ init */

static void state_reset(unsigned bits)
{
	nr_inputs = 0;
	nr_slots = 0;
	nr_map = 0;
	nr_protected = 0;
	finalized = false;
	if (bits < MEMMAP_MIN_PHYS_BITS || bits > MEMMAP_MAX_PHYS_BITS) {
		unsigned b = bits < MEMMAP_MIN_PHYS_BITS ? MEMMAP_MIN_PHYS_BITS :
							  MEMMAP_MAX_PHYS_BITS;

		pr_warn("memmap: physical address width %u bits is implausible, using %u\n",
			bits, b);
		bits = b;
	}
	phys_bits = bits;
	phys_limit = 1ULL << bits;
}

/*
 * Check one loader entry. Returns false for an entry to drop. *end is set
 * to its clipped end (the unclipped end is addr + len).
 */
static bool loader_entry_ok(const char *map_name, const struct boot_mmap_entry *e,
			    u64 *end)
{
	char r[48];

	if (!e->len)
		return false;
	if (e->addr + e->len < e->addr) {
		pr_warn("memmap: %s entry 0x%llx+0x%llx wraps around 64 bits, ignored\n",
			map_name, (unsigned long long)e->addr, (unsigned long long)e->len);
		return false;
	}
	*end = e->addr + e->len;
	range_str(r, sizeof(r), e->addr, *end);
	if (e->addr >= phys_limit) {
		pr_warn("memmap: %s entry %s is beyond the %u-bit physical address width, ignored\n",
			map_name, r, phys_bits);
		return false;
	}
	if (*end > phys_limit) {
		pr_warn("memmap: %s entry %s clipped to the %u-bit physical address width\n",
			map_name, r, phys_bits);
		*end = phys_limit;
	}
	return true;
}

static void input_add(u64 start, u64 end, u32 type, const char *source)
{
	if (nr_inputs >= MEMMAP_MAX_INPUTS) {
		pr_err("memmap: more than %u map entries, 0x%llx dropped\n",
		       MEMMAP_MAX_INPUTS, (unsigned long long)start);
		return;
	}
	inputs[nr_inputs].start = start;
	inputs[nr_inputs].end = end;
	inputs[nr_inputs].type = type;
	inputs[nr_inputs].region = 0;
	set_source(inputs[nr_inputs].source, source);
	nr_inputs++;
}

static void loader_region(u64 base, u64 end, u64 clipped_end, u32 type,
			  const char *source)
{
	int refine;
	bool dup;
	int err = region_check(base, end, type, source, false, false, &refine, &dup);

	if (!err && dup)
		return;
	if (!err && nr_slots >= MEMMAP_MAX_REGIONS) {
		pr_err("memmap: more than %u regions, %s at 0x%llx skipped\n",
		       MEMMAP_MAX_REGIONS, source, (unsigned long long)base);
		err = -ENOSPC;
	}
	if (err) {
		input_add(base, clipped_end, E820_RESERVED, source);
		return;
	}
	slot_insert(base, end - base, type, source, true);
}

int memmap_init(const struct boot_info *bi, unsigned bits)
{
	const struct boot_mmap_entry *ents;
	unsigned n;
	bool efi = bi->nefi > 0;
	const char *map_name = efi ? "efi" : "e820";

	state_reset(bits);
	ents = efi ? bi->efi : bi->e820;
	n = efi ? bi->nefi : bi->ne820;
	if (n > BOOT_MMAP_MAX)
		n = BOOT_MMAP_MAX;
	if (!n) {
		pr_err("memmap: the loader gave no memory map\n");
		return -ENODATA;
	}
	pr_info("memmap: using the %s map, %u entries, %u-bit physical addresses\n",
		efi ? "EFI" : "e820", n, phys_bits);

	/* Ordinary ranges first: persistent ones are checked against them. */
	for (int pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < n; i++) {
			u32 type = efi ? efi_to_e820(ents[i].type) : e820_normalize(ents[i].type);
			const char *source = map_name;
			u64 end;

			if (is_persistent(type) != (pass == 1))
				continue;
			if (!loader_entry_ok(map_name, &ents[i], &end))
				continue;
			if (pass == 0) {
				input_add(ents[i].addr, end, type, source);
				continue;
			}
			if (efi)
				source = "efi-14";
			else
				source = type == E820_PMEM ? "e820-7" : "e820-12";
			loader_region(ents[i].addr, ents[i].addr + ents[i].len, end,
				      type, source);
		}
	}
	map_rebuild();
	return 0;
}

/* ------------------------------------------------------------ additions */

static int region_add(u64 base, u64 size, u32 type, const char *source, bool carve)
{
	char r[48];
	int refine, err;
	bool dup;

	range_str(r, sizeof(r), base, base + size);
	if (finalized) {
		pr_err("memmap: %s region %s added after the map was final, ignored\n",
		       source, r);
		return -EBUSY;
	}
	err = region_check(base, base + size, type, source, carve, !carve, &refine, &dup);
	if (err)
		return err;
	if (dup)
		return 0;
	if (nr_slots + (refine >= 0 ? 2 : 1) > MEMMAP_MAX_REGIONS) {
		pr_err("memmap: more than %u regions, %s region %s skipped\n",
		       MEMMAP_MAX_REGIONS, source, r);
		return -ENOSPC;
	}
	if (refine >= 0)
		region_refine((unsigned)refine, base, base + size, source);
	else
		slot_insert(base, size, type, source, false);
	map_rebuild();
	return 0;
}

int memmap_add_region(u64 base, u64 size, u32 type, const char *source)
{
	if (!source || !*source)
		source = "?";
	if (!is_persistent(type)) {
		pr_err("memmap: %s region at 0x%llx has type %u, not 7 or 12, ignored\n",
		       source, (unsigned long long)base, type);
		return -EINVAL;
	}
	if (!size || base + size < base) {
		pr_err("memmap: %s region 0x%llx+0x%llx is empty or wraps around, ignored\n",
		       source, (unsigned long long)base, (unsigned long long)size);
		return -EINVAL;
	}
	return region_add(base, size, type, source, false);
}

int memmap_protect(u64 base, u64 size, const char *what)
{
	if (nr_protected >= MEMMAP_MAX_PROTECT) {
		pr_err("memmap: too many protected ranges, %s not recorded\n", what);
		return -ENOSPC;
	}
	protected[nr_protected].start = base;
	protected[nr_protected].end = base + size < base ? ~0ULL : base + size;
	protected[nr_protected].what = what;
	nr_protected++;
	return 0;
}

/* ------------------------------------------------------------ memmap= */

/* Copy [s, e) into buf as a C string; false when it does not fit. */
static bool copy_part(char *buf, size_t size, const char *s, const char *e)
{
	size_t n = (size_t)(e - s);

	if (n >= size)
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return true;
}

int memmap_parse_option(const char *s, u64 *size, u64 *start)
{
	char a[32], b[32];
	const char *sep;
	u64 sz, st;
	int err;

	if (!s || !*s)
		return -EINVAL;
	if (!strcmp(s, "exactmap"))
		return -EOPNOTSUPP;
	for (sep = s; *sep && !strchr("!@$#", *sep); sep++)
		;
	if (!copy_part(a, sizeof(a), s, sep))
		return -EINVAL;
	err = parse_size(a, &sz);
	if (err)
		return err;
	if (!*sep)
		return -EOPNOTSUPP;	/* memmap=nn: Linux's mem= limit */
	if (*sep != '!')
		return -EOPNOTSUPP;
	if (!copy_part(b, sizeof(b), sep + 1, sep + 1 + strlen(sep + 1)))
		return -EINVAL;
	err = parse_size(b, &st);
	if (err)
		return err;
	if (!sz)
		return -EINVAL;
	if (st + sz < st)
		return -ERANGE;
	*size = sz;
	*start = st;
	return 0;
}

static bool wholly_ram(u64 start, u64 end)
{
	u64 pos = start;

	for (unsigned i = 0; i < nr_map && pos < end; i++) {
		if (map[i].end <= pos)
			continue;
		if (map[i].start > pos || map[i].type != E820_RAM)
			return false;
		pos = map[i].end;
	}
	return pos >= end;
}

static int memmap_apply_item(const char *item)
{
	u64 size, start, end;
	int err = memmap_parse_option(item, &size, &start);

	if (err == -EOPNOTSUPP) {
		pr_err("memmap: %s: only nn[KMG]!ss[KMG] is supported, ignored\n", item);
		return err;
	}
	if (err == -ERANGE) {
		pr_err("memmap: %s does not fit in 64 bits, ignored\n", item);
		return err;
	}
	if (err) {
		pr_err("memmap: '%s' is not nn[KMG]!ss[KMG] with nn > 0, ignored\n", item);
		return err;
	}
	end = start + size;
	if (finalized) {
		pr_err("memmap: %s comes after the map was final, ignored\n", item);
		return -EBUSY;
	}
	if (!IS_ALIGNED(start, PAGE_SIZE) || !IS_ALIGNED(size, PAGE_SIZE)) {
		pr_err("memmap: %s is not page aligned, ignored\n", item);
		return -EINVAL;
	}
	for (unsigned i = 0; i < nr_protected; i++) {
		if (overlaps(start, end, protected[i].start, protected[i].end)) {
			pr_err("memmap: %s overlaps the %s, ignored\n", item,
			       protected[i].what);
			return -EBUSY;
		}
	}
	if (!wholly_ram(start, end)) {
		pr_err("memmap: %s is not wholly RAM, ignored\n", item);
		return -EINVAL;
	}
	err = region_add(start, size, E820_PRAM, "memmap", true);
	if (err)
		return err;
	pr_info("memmap: %s: [0x%llx-0x%llx) is persistent (pram)\n", item,
		(unsigned long long)start, (unsigned long long)end);
	return 0;
}

int memmap_apply_option(const char *val)
{
	char item[64];
	const char *p = val, *comma;
	int first = 0;

	if (!val || !*val) {
		pr_err("memmap: empty value, ignored\n");
		return -EINVAL;
	}
	for (;; p = comma + 1) {
		int err;

		comma = strchr(p, ',');
		if (!comma)
			comma = p + strlen(p);
		if (!copy_part(item, sizeof(item), p, comma)) {
			pr_err("memmap: item of %u characters is too long, ignored\n",
			       (unsigned)(comma - p));
			err = -EINVAL;
		} else {
			err = memmap_apply_item(item);
		}
		if (err && !first)
			first = err;
		if (!*comma)
			break;
	}
	return first;
}

unsigned memmap_apply_cmdline(const char *const *vals, unsigned n)
{
	unsigned before = nr_slots;

	for (unsigned i = 0; i < n; i++)
		memmap_apply_option(vals[i]);
	return nr_slots - before;
}

/* ------------------------------------------------------------ queries */

static void log_line(const char *s, void *arg)
{
	pr_info("%s\n", s);
}

void memmap_finalize(void)
{
	char line[MEMMAP_LINE_MAX + 32];

	finalized = true;
	memmap_print(log_line, NULL);
	for (unsigned i = 0; i < nr_slots; i++) {
		memmap_format_region(line, sizeof(line), &slots[i].r);
		pr_info("memmap: %s\n", line);
	}
	pr_info("memmap: ram=%llu pmem=%llu bytes, %u regions\n",
		(unsigned long long)memmap_ram_total(),
		(unsigned long long)memmap_pmem_total(), nr_slots);
}

const struct memmap_range *memmap_ranges(unsigned *n)
{
	*n = nr_map;
	return map;
}

const struct memmap_range *memmap_lookup(phys_addr_t phys)
{
	unsigned lo = 0, hi = nr_map;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (phys < map[mid].start)
			hi = mid;
		else if (phys >= map[mid].end)
			lo = mid + 1;
		else
			return &map[mid];
	}
	return NULL;
}

u64 memmap_ram_total(void)
{
	u64 sum = 0;

	for (unsigned i = 0; i < nr_map; i++)
		if (map[i].type == E820_RAM)
			sum += map[i].end - map[i].start;
	return sum;
}

u64 memmap_pmem_total(void)
{
	u64 sum = 0;

	for (unsigned i = 0; i < nr_slots; i++)
		sum += slots[i].r.size;
	return sum;
}

unsigned memmap_phys_bits(void)
{
	return phys_bits;
}

unsigned memmap_nr_regions(void)
{
	return nr_slots;
}

const struct memmap_region *memmap_region(unsigned id)
{
	return id < nr_slots ? &slots[id].r : NULL;
}

const struct memmap_region *pfn_to_region(pfn_t pfn)
{
	u64 phys = pfn_t_to_phys(pfn);

	for (unsigned i = 0; i < nr_slots; i++) {
		const struct memmap_region *r = &slots[i].r;

		if (phys >= r->base && phys - r->base < r->size)
			return r;
	}
	return NULL;
}

pfn_t memmap_phys_to_pfn_t(phys_addr_t phys)
{
	const struct memmap_range *r;

	if (pfn_to_region(phys_to_pfn_t(phys, 0)))
		return phys_to_pfn_t(phys, PFN_DEV | PFN_PMEM);
	r = memmap_lookup(phys);
	if (r && r->type == E820_RAM)
		return phys_to_pfn_t(phys, 0);
	return phys_to_pfn_t(phys, PFN_DEV);
}

int memmap_format_range(char *buf, size_t size, const struct memmap_range *r)
{
	return snprintf(buf, size, "mem: 0x%016llx-0x%016llx %s %s",
			(unsigned long long)r->start, (unsigned long long)r->end,
			memmap_type_name(r->type), r->source);
}

int memmap_format_region(char *buf, size_t size, const struct memmap_region *r)
{
	return snprintf(buf, size, "region %u: 0x%016llx-0x%016llx %s %s size=%llu",
			r->id, (unsigned long long)r->base,
			(unsigned long long)(r->base + r->size),
			memmap_type_name(r->type), r->source, (unsigned long long)r->size);
}

void memmap_print(void (*line)(const char *s, void *arg), void *arg)
{
	char buf[MEMMAP_LINE_MAX];

	for (unsigned i = 0; i < nr_map; i++) {
		memmap_format_range(buf, sizeof(buf), &map[i]);
		line(buf, arg);
	}
}
