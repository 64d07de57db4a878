/*
 * dma_debug.c - the DMA mapping layer's debug mode (dma.debug=1, `dma
 * debug`; include/dma.h): a table of every live mapping and coherent
 * allocation, with its device, bus address, pfn, length, direction, kind
 * and caller, against which each unmap, free and sync is checked; misuse
 * is reported on the console (dma-debug: ...) and counted, and what is
 * left at the end can be listed as leaks (as Linux kernel/dma/debug.c).
 * Also the names the layer's log lines use (directions, callers).
 *
 * The mapping code (block/dma_mapping.c) calls dma_dbg_add(),
 * dma_dbg_remove() and dma_dbg_check_sync() with interrupts off; it owns
 * the counters and decides when tracking may start (dma_debug_enable():
 * never with mappings live). The table is fixed (DMA_DEBUG_ENTRIES
 * entries, hashed by bus address): a full table turns debug off with a
 * line saying so, nothing is allocated.
 *
 * Layer 1 of block/ (scripts/check-floors): calls no block file.
 *
 * Pure logic: the host unit tests (tests/unit/test_dma.c) build this file
 * as it is.
 */
#include "dma_internal.h"
#include "lib.h"
#include "panic.h"
#include "printk.h"

const char *dma_dir_name(unsigned dir)
{
	static const char *const names[] = {
		[DMA_BIDIRECTIONAL] = "bidirectional",
		[DMA_TO_DEVICE] = "to_device",
		[DMA_FROM_DEVICE] = "from_device",
		[DMA_NONE] = "none",
	};

	return dir < ARRAY_SIZE(names) ? names[dir] : "invalid";
}

void dma_fmt_caller(char *buf, size_t size, u64 caller)
{
	u64 off;
	const char *name = caller ? ksym_lookup(caller, &off) : NULL;

	if (name)
		snprintf(buf, size, "%s+0x%llx", name, (unsigned long long)off);
	else
		snprintf(buf, size, "0x%llx", (unsigned long long)caller);
}

/* ------------------------------------------------------------ debug table */

#define DMA_DEBUG_ENTRIES	4096
#define DMA_DEBUG_BUCKETS	1024

static const char *const dbg_type_name[] = {
	[DMA_DBG_SINGLE] = "dma_map_pfn",
	[DMA_DBG_SG] = "dma_map_sg",
	[DMA_DBG_COHERENT] = "dma_alloc_coherent",
};

struct dma_debug_entry {
	struct device *dev;
	dma_addr_t addr;
	pfn_t pfn;
	u64 offset;
	u64 caller;
	u32 len;
	u32 sg_nents;		/* the nents dma_map_sg() was given */
	u8 dir;
	u8 type;		/* enum dma_debug_type, 0: free */
	s32 next;		/* bucket chain or free list */
};

static struct dma_debug_entry dbg_entries[DMA_DEBUG_ENTRIES];
static s32 dbg_bucket[DMA_DEBUG_BUCKETS];
static s32 dbg_free;
static unsigned dbg_count;
static bool dbg_on;
/* Turned on with coherent allocations live (a driver's queues): a free of
 * an untracked one is not an error then. */
static bool dbg_coherent_partial;
static u64 dbg_errors;

static unsigned dbg_hash(dma_addr_t addr)
{
	return (unsigned)(((addr >> DMA_SLOT_SHIFT) ^ (addr >> 24)) % DMA_DEBUG_BUCKETS);
}

static void dbg_clear(void)
{
	for (unsigned b = 0; b < DMA_DEBUG_BUCKETS; b++)
		dbg_bucket[b] = -1;
	for (unsigned i = 0; i < DMA_DEBUG_ENTRIES; i++) {
		dbg_entries[i].type = 0;
		dbg_entries[i].next = i + 1 < DMA_DEBUG_ENTRIES ? (s32)i + 1 : -1;
	}
	dbg_free = 0;
	dbg_count = 0;
}

static void __printf(4, 5) dbg_report(const struct device *dev, u64 caller,
				      const struct dma_debug_entry *e,
				      const char *fmt, ...)
{
	char msg[160], sym[96], by[96];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	dma_fmt_caller(sym, sizeof(sym), caller);
	dbg_errors++;
	if (e) {
		dma_fmt_caller(by, sizeof(by), e->caller);
		pr_err("dma-debug: %s: %s (caller %s; mapped by %s)\n", dev_name(dev),
		       msg, sym, by);
	} else {
		pr_err("dma-debug: %s: %s (caller %s)\n", dev_name(dev), msg, sym);
	}
}

void dma_dbg_add(struct device *dev, dma_addr_t addr, pfn_t pfn, u64 offset,
		 size_t len, unsigned dir, unsigned type, u32 sg_nents, u64 caller)
{
	struct dma_debug_entry *e;
	unsigned b;

	if (!dbg_on)
		return;
	if (dbg_free < 0) {
		dbg_report(dev, caller, NULL,
			   "debug table full (%u mappings live): debug mode off",
			   DMA_DEBUG_ENTRIES);
		dbg_on = false;
		dbg_clear();
		return;
	}
	e = &dbg_entries[dbg_free];
	dbg_free = e->next;
	b = dbg_hash(addr);
	*e = (struct dma_debug_entry){
		.dev = dev, .addr = addr, .pfn = pfn, .offset = offset,
		.caller = caller, .len = (u32)len, .sg_nents = sg_nents,
		.dir = (u8)dir, .type = (u8)type, .next = dbg_bucket[b],
	};
	dbg_bucket[b] = (s32)(e - dbg_entries);
	dbg_count++;
}

/* The entry of (dev, addr), preferring one that matches exactly; *prevp
 * gets the chain link pointing at it. */
static s32 dbg_find(struct device *dev, dma_addr_t addr, size_t len,
		    unsigned dir, unsigned type, s32 **prevp)
{
	s32 *link = &dbg_bucket[dbg_hash(addr)], *best_link = NULL;
	s32 best = -1;

	for (; *link >= 0; link = &dbg_entries[*link].next) {
		struct dma_debug_entry *e = &dbg_entries[*link];

		if (e->dev != dev || e->addr != addr)
			continue;
		if (e->len == len && e->dir == dir && e->type == type) {
			best = *link;
			best_link = link;
			break;
		}
		if (best < 0) {
			best = *link;
			best_link = link;
		}
	}
	if (prevp)
		*prevp = best_link;
	return best;
}

/*
 * Check an unmap (or coherent free) against the table and drop the entry.
 * Returns false when debug is on and nothing matched (the release is bogus).
 */
bool dma_dbg_remove(struct device *dev, dma_addr_t addr, size_t len,
		    unsigned dir, unsigned type, u32 sg_nents, u64 caller)
{
	struct dma_debug_entry *e;
	const char *what = type == DMA_DBG_COHERENT ? "free" : "unmap";
	s32 *link, i;

	if (!dbg_on)
		return true;
	i = dbg_find(dev, addr, len, dir, type, &link);
	if (i < 0 && type == DMA_DBG_COHERENT && dbg_coherent_partial)
		return true;
	if (i < 0) {
		dbg_report(dev, caller, NULL,
			   "%s of bus 0x%llx len %zu %s that was never mapped", what,
			   (unsigned long long)addr, len, dma_dir_name(dir));
		return false;
	}
	e = &dbg_entries[i];
	if (e->type != type)
		dbg_report(dev, caller, e, "bus 0x%llx mapped with %s, released as %s",
			   (unsigned long long)addr, dbg_type_name[e->type],
			   dbg_type_name[type]);
	if (e->len != len)
		dbg_report(dev, caller, e, "%s of bus 0x%llx: length %zu, mapped %u", what,
			   (unsigned long long)addr, len, e->len);
	if (type != DMA_DBG_COHERENT && e->dir != dir)
		dbg_report(dev, caller, e, "%s of bus 0x%llx: direction %s, mapped %s", what,
			   (unsigned long long)addr, dma_dir_name(dir), dma_dir_name(e->dir));
	if (type == DMA_DBG_SG && e->type == DMA_DBG_SG && e->sg_nents != sg_nents)
		dbg_report(dev, caller, e, "dma_unmap_sg of bus 0x%llx with nents %u, mapped with %u",
			   (unsigned long long)addr, sg_nents, e->sg_nents);
	*link = e->next;
	e->type = 0;
	e->next = dbg_free;
	dbg_free = i;
	dbg_count--;
	return true;
}

/* Check a sync: [addr, addr+len) inside a live mapping of dev, matching
 * direction. */
void dma_dbg_check_sync(struct device *dev, dma_addr_t addr, size_t len,
			unsigned dir, u64 caller, const char *what)
{
	const struct dma_debug_entry *e = NULL;

	if (!dbg_on)
		return;
	for (unsigned i = 0; i < DMA_DEBUG_ENTRIES; i++) {
		const struct dma_debug_entry *c = &dbg_entries[i];

		if (c->type && c->type != DMA_DBG_COHERENT && c->dev == dev &&
		    addr >= c->addr && addr - c->addr < c->len) {
			e = c;
			break;
		}
	}
	if (!e) {
		dbg_report(dev, caller, NULL, "%s of bus 0x%llx len %zu that is not mapped",
			   what, (unsigned long long)addr, len);
		return;
	}
	if (len > e->len - (addr - e->addr))
		dbg_report(dev, caller, e, "%s of bus 0x%llx len %zu runs past the mapping (len %u)",
			   what, (unsigned long long)addr, len, e->len);
	if (e->dir != DMA_BIDIRECTIONAL && e->dir != dir)
		dbg_report(dev, caller, e, "%s of bus 0x%llx: direction %s, mapped %s", what,
			   (unsigned long long)addr, dma_dir_name(dir), dma_dir_name(e->dir));
}

void dma_dbg_start(bool coherent_partial)
{
	dbg_clear();
	dbg_on = true;
	dbg_coherent_partial = coherent_partial;
}

void dma_dbg_stop(void)
{
	dbg_on = false;
	dbg_clear();
}

unsigned dma_dbg_tracked(void)
{
	return dbg_count;
}

void dma_dbg_reset_all(void)
{
	dbg_on = false;
	dbg_clear();
	dbg_errors = 0;
}

bool dma_debug_enabled(void)
{
	return dbg_on;
}

u64 dma_debug_errors(void)
{
	return dbg_errors;
}

static int fmt_entry(char *buf, size_t size, const struct dma_debug_entry *e)
{
	char sym[96];

	dma_fmt_caller(sym, sizeof(sym), e->caller);
	return snprintf(buf, size, "%s bus 0x%llx pfn 0x%llx+0x%llx%s len %u %s %s by %s",
			dev_name(e->dev), (unsigned long long)e->addr,
			(unsigned long long)pfn_t_to_pfn(e->pfn),
			(unsigned long long)e->offset, pfn_t_is_pmem(e->pfn) ? " (pmem)" : "",
			e->len, e->type == DMA_DBG_COHERENT ? "coherent" : dma_dir_name(e->dir),
			dbg_type_name[e->type], sym);
}

unsigned dma_debug_for_each(void (*fn)(const char *line, void *arg), void *arg)
{
	unsigned n = 0;
	char line[256];

	for (unsigned i = 0; i < DMA_DEBUG_ENTRIES; i++) {
		if (!dbg_entries[i].type)
			continue;
		fmt_entry(line, sizeof(line), &dbg_entries[i]);
		n++;
		if (fn)
			fn(line, arg);
	}
	return n;
}

unsigned dma_debug_check_leaks(void)
{
	unsigned n = 0;
	char line[256];

	if (!dbg_on)
		return 0;
	for (unsigned i = 0; i < DMA_DEBUG_ENTRIES; i++) {
		const struct dma_debug_entry *e = &dbg_entries[i];

		if (!e->type || e->type == DMA_DBG_COHERENT)
			continue;
		fmt_entry(line, sizeof(line), e);
		pr_err("dma-debug: leak: %s\n", line);
		n++;
	}
	return n;
}

void dma_dbg_clear_live(void)
{
	if (dbg_on)
		dbg_clear();
}

