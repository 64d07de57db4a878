/*
 * pmc.c - the persistence checker's pure logic (see pmc.h): the instruction
 * classifier, the per-line persistence model and the ELF symbol table.
 * Host C only; the QEMU glue is pmc_plugin.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PMEM_CHECK_HOST
#include "../../include/pmem_check.h"
#include "pmc.h"

/* ------------------------------------------------------------ decoding */

/*
 * Intel SDM vol. 2, chapter 2 (instruction format): legacy prefixes, REX,
 * VEX (C4/C5, always VEX in 64-bit mode), opcode, ModRM. Only what the
 * classes need is decoded; everything else is PMC_I_PLAIN.
 */
struct pmc_insn pmc_decode(const uint8_t *b, size_t n)
{
	struct pmc_insn r = { PMC_I_PLAIN, 0, 0 };
	bool lock = false, opsize = false, rep = false;
	unsigned map = 0, pp = 0, op;
	size_t i = 0;
	uint8_t modrm;

	for (; i < n && i < 15; i++) {
		uint8_t c = b[i];

		if (c == 0xf0)
			lock = true;
		else if (c == 0x66)
			opsize = true;
		else if (c == 0xf2 || c == 0xf3)
			rep = true;
		else if (c == 0x2e || c == 0x36 || c == 0x3e || c == 0x26 ||
			 c == 0x64 || c == 0x65 || c == 0x67)
			;
		else
			break;
	}
	if (lock)
		r.kind = PMC_I_FENCE;
	if (i < n && (b[i] & 0xf0) == 0x40)	/* REX */
		i++;
	if (i >= n)
		return r;
	if (b[i] == 0xc5 || b[i] == 0xc4) {	/* VEX */
		if (b[i] == 0xc5) {
			if (i + 2 >= n)
				return r;
			map = 1;
			pp = b[i + 1] & 3;
			i += 2;
		} else {
			if (i + 3 >= n)
				return r;
			map = b[i + 1] & 0x1f;
			pp = b[i + 2] & 3;
			i += 3;
		}
		if (map != 1 || i + 1 >= n)
			return r;
		op = b[i];
		modrm = b[i + 1];
		if ((op == 0xe7 && pp == 1) || op == 0x2b)	/* VMOVNTDQ, VMOVNTPS/PD */
			if ((modrm >> 6) != 3)
				r.kind = PMC_I_NT_STORE;
		if (op == 0xf7 && pp == 1 && (modrm >> 6) == 3)	/* VMASKMOVDQU */
			r.kind = PMC_I_NT_STORE;
		return r;
	}
	if (b[i] == 0x86 || b[i] == 0x87) {	/* XCHG r/m, r: locked with memory */
		if (i + 1 < n && (b[i + 1] >> 6) != 3)
			r.kind = PMC_I_FENCE;
		return r;
	}
	if (b[i] != 0x0f || i + 2 >= n)
		return r;
	op = b[i + 1];
	modrm = b[i + 2];
	switch (op) {
	case 0x1f:	/* NOP r/m: the marker is 0f 1f 84 00 disp32 */
		if (modrm == 0x84 && i + 7 < n && b[i + 3] == 0x00 && !lock) {
			uint32_t d = (uint32_t)b[i + 4] | (uint32_t)b[i + 5] << 8 |
				     (uint32_t)b[i + 6] << 16 | (uint32_t)b[i + 7] << 24;

			if ((d >> 16) == PMEM_CHECK_MAGIC) {
				r.kind = PMC_I_MARKER;
				r.mark_kind = (d >> 8) & 0xff;
				r.mark_arg = d & 0xff;
			}
		}
		break;
	case 0xae: {
		unsigned reg = (modrm >> 3) & 7;

		if ((modrm >> 6) == 3) {
			/* SFENCE (NP 0F AE F8..FF), MFENCE (NP 0F AE F0..F7) */
			if (!opsize && !rep && (reg == 7 || reg == 6))
				r.kind = PMC_I_FENCE;
		} else if (reg == 6 && opsize && !rep) {
			r.kind = PMC_I_CLWB;		/* 66 0F AE /6 */
		} else if (reg == 7 && !rep) {
			r.kind = opsize ? PMC_I_CLFLUSHOPT : PMC_I_CLFLUSH;
		}
		break;
	}
	case 0xc3:	/* MOVNTI m, r */
	case 0x2b:	/* MOVNTPS/MOVNTPD m, xmm */
	case 0xe7:	/* MOVNTQ m, mm / MOVNTDQ m, xmm */
		if ((modrm >> 6) != 3 && !rep)
			r.kind = PMC_I_NT_STORE;
		break;
	case 0xf7:	/* MASKMOVQ / MASKMOVDQU: store to [rdi] */
		if ((modrm >> 6) == 3 && !rep)
			r.kind = PMC_I_NT_STORE;
		break;
	}
	return r;
}

/* A memory operand in canonical form (SDM vol. 2, 2.1.5 and 2.2.1). */
struct memop {
	unsigned mod, rm, scale, index, base, rex_b, rex_x, seg;
	bool addr32;
	int32_t disp;
};

/*
 * The memory operand of the instruction in b[0..n) whose ModRM byte
 * follows opcode op (1 or 2 bytes: 0x8a, 0x0fb6, 0x0fae). False when the
 * bytes are not that instruction, the operand is a register, or it is
 * RIP-relative (the same encoding names different addresses at different
 * instructions).
 */
static bool memop_of(const uint8_t *b, size_t n, unsigned op, struct memop *o)
{
	size_t i = 0;
	unsigned rex = 0, m;

	memset(o, 0, sizeof(*o));
	for (; i < n; i++) {
		uint8_t c = b[i];

		if (c == 0x67)
			o->addr32 = true;
		else if (c == 0x2e || c == 0x36 || c == 0x3e || c == 0x26 ||
			 c == 0x64 || c == 0x65)
			o->seg = c;
		else if (c != 0x66 && c != 0xf2 && c != 0xf3)
			break;
	}
	if (i < n && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (op > 0xff) {
		if (i + 1 >= n || b[i] != 0x0f || b[i + 1] != (op & 0xff))
			return false;
		i += 2;
	} else {
		if (i >= n || b[i] != op)
			return false;
		i++;
	}
	if (i >= n)
		return false;
	m = b[i++];
	o->mod = m >> 6;
	o->rm = m & 7;
	o->rex_b = !!(rex & 1);
	o->rex_x = !!(rex & 2);
	if (o->mod == 3 || (o->mod == 0 && o->rm == 5))
		return false;
	if (o->rm == 4) {
		if (i >= n)
			return false;
		o->scale = b[i] >> 6;
		o->index = (b[i] >> 3) & 7;
		o->base = b[i] & 7;
		i++;
		if (o->mod == 0 && o->base == 5) {	/* no base: disp32 */
			if (i + 4 > n)
				return false;
			o->disp = (int32_t)((uint32_t)b[i] | (uint32_t)b[i + 1] << 8 |
					    (uint32_t)b[i + 2] << 16 | (uint32_t)b[i + 3] << 24);
			return true;
		}
	} else {
		o->rex_x = 0;		/* no index: REX.X means nothing */
	}
	if (o->mod == 1) {
		if (i >= n)
			return false;
		o->disp = (int8_t)b[i];
	} else if (o->mod == 2) {
		if (i + 4 > n)
			return false;
		o->disp = (int32_t)((uint32_t)b[i] | (uint32_t)b[i + 1] << 8 |
				    (uint32_t)b[i + 2] << 16 | (uint32_t)b[i + 3] << 24);
	}
	return true;
}

bool pmc_probe_matches(const uint8_t *p, size_t pn, const uint8_t *wb, size_t wn)
{
	struct memop a, b;

	if (!memop_of(wb, wn, 0x0fae, &b))
		return false;
	if (!memop_of(p, pn, 0x0fb6, &a) && !memop_of(p, pn, 0x8a, &a))
		return false;
	/* mod may differ only in how a zero displacement is encoded */
	return a.rm == b.rm && a.scale == b.scale && a.index == b.index &&
	       a.base == b.base && a.rex_b == b.rex_b && a.rex_x == b.rex_x &&
	       a.seg == b.seg && a.addr32 == b.addr32 && a.disp == b.disp &&
	       (a.mod == b.mod || (a.mod != 0 && b.mod != 0) ||
		(a.rm != 5 && !(a.rm == 4 && a.base == 5)));
}

/* ------------------------------------------------------------ the model */

struct pmc_line {
	uint64_t key;			/* line number + 1; 0: empty slot */
	uint16_t in_mine, in_fence;	/* per vCPU: on its lists */
	uint8_t st[PMC_MAX_VCPUS];	/* PMC_DIRTY | PMC_WB | PMC_NT */
	uint8_t owner[PMC_MAX_VCPUS];	/* whose fence completes PMC_WB */
	uint8_t lvl[PMC_MAX_VCPUS];	/* interrupt level of the last store */
	uint64_t pc[PMC_MAX_VCPUS];	/* the last store's instruction */
};

struct pmc_list {
	uint64_t *key;
	size_t n, cap;
};

struct pmc_vcpu {
	struct pmc_list mine;		/* lines this vCPU stored */
	struct pmc_list fence;		/* lines its next fence completes */
	unsigned depth;			/* interrupt nesting */
};

_Static_assert(PMC_MAX_VCPUS <= 16, "in_mine/in_fence are 16-bit masks");

static uint64_t hash_key(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

static int table_alloc(struct pmc *m, size_t cap)
{
	m->lines = calloc(cap, sizeof(*m->lines));
	if (!m->lines)
		return -1;
	m->cap = cap;
	m->used = 0;
	return 0;
}

int pmc_init(struct pmc *m)
{
	memset(m, 0, sizeof(*m));
	m->cal = -1;
	m->vcpu = calloc(PMC_MAX_VCPUS, sizeof(*m->vcpu));
	if (!m->vcpu || table_alloc(m, 1024)) {
		free(m->vcpu);
		return -1;
	}
	return 0;
}

void pmc_fini(struct pmc *m)
{
	for (unsigned c = 0; m->vcpu && c < PMC_MAX_VCPUS; c++) {
		free(m->vcpu[c].mine.key);
		free(m->vcpu[c].fence.key);
	}
	free(m->vcpu);
	free(m->lines);
	memset(m, 0, sizeof(*m));
}

static struct pmc_line *find(const struct pmc *m, uint64_t key)
{
	for (size_t i = hash_key(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (m->lines[i].key == key)
			return &m->lines[i];
		if (!m->lines[i].key)
			return NULL;
	}
}

static struct pmc_line *insert(struct pmc *m, uint64_t key)
{
	size_t i;

	if ((m->used + 1) * 2 > m->cap) {	/* keep the table at most half full */
		struct pmc_line *old = m->lines;
		size_t oldcap = m->cap;

		if (table_alloc(m, oldcap * 2)) {
			m->lines = old;		/* out of memory: abort loudly */
			fprintf(stderr, "pmem-check: out of memory\n");
			abort();
		}
		for (size_t j = 0; j < oldcap; j++) {
			if (!old[j].key)
				continue;
			for (i = hash_key(old[j].key) & (m->cap - 1); m->lines[i].key;
			     i = (i + 1) & (m->cap - 1))
				;
			m->lines[i] = old[j];
			m->used++;
		}
		free(old);
	}
	for (i = hash_key(key) & (m->cap - 1); m->lines[i].key; i = (i + 1) & (m->cap - 1))
		;
	memset(&m->lines[i], 0, sizeof(m->lines[i]));
	m->lines[i].key = key;
	m->used++;
	return &m->lines[i];
}

/* Linear probing deletion by backward shift (no tombstones). */
static void erase(struct pmc *m, struct pmc_line *l)
{
	size_t i = (size_t)(l - m->lines), j = i;

	for (;;) {
		size_t h;

		j = (j + 1) & (m->cap - 1);
		if (!m->lines[j].key)
			break;
		h = hash_key(m->lines[j].key) & (m->cap - 1);
		/* may the entry at j move to i? only if i lies on its probe path */
		if ((j > i && (h <= i || h > j)) || (j < i && (h <= i && h > j))) {
			m->lines[i] = m->lines[j];
			i = j;
		}
	}
	m->lines[i].key = 0;
	m->used--;
}

static bool line_clean(const struct pmc_line *l)
{
	for (unsigned c = 0; c < PMC_MAX_VCPUS; c++)
		if (l->st[c])
			return false;
	return true;
}

static void put_line(struct pmc *m, struct pmc_line *l)
{
	if (line_clean(l))
		erase(m, l);
}

static void list_add(struct pmc_list *li, uint64_t key)
{
	if (li->n == li->cap) {
		size_t cap = li->cap ? li->cap * 2 : 256;
		uint64_t *k = realloc(li->key, cap * sizeof(*k));

		if (!k) {
			fprintf(stderr, "pmem-check: out of memory\n");
			abort();
		}
		li->key = k;
		li->cap = cap;
	}
	li->key[li->n++] = key;
}

const struct pmc_region *pmc_region_of(const struct pmc *m, uint64_t off)
{
	for (unsigned r = 0; r < m->nr_regions; r++) {
		const struct pmc_region *g = &m->region[r];

		if (g->size && off >= g->off && off - g->off < g->size)
			return g;
	}
	return NULL;
}

uint64_t pmc_phys(const struct pmc *m, uint64_t off)
{
	const struct pmc_region *g = pmc_region_of(m, off);

	return g ? g->phys + (off - g->off) : ~0ULL;
}

void pmc_store(struct pmc *m, unsigned vcpu, uint64_t off, unsigned size,
	       bool nt, uint64_t pc)
{
	struct pmc_vcpu *v = &m->vcpu[vcpu];
	uint64_t first = off / PMC_LINE, last = (off + (size ? size : 1) - 1) / PMC_LINE;

	m->stores++;
	for (uint64_t ln = first; ln <= last; ln++) {
		uint64_t key = ln + 1;
		struct pmc_line *l;

		if (!pmc_region_of(m, ln * PMC_LINE) && ln != first)
			continue;
		l = find(m, key);
		if (!l)
			l = insert(m, key);
		/* name the store that left the worst state: the last plain one */
		if (!nt || !(l->st[vcpu] & PMC_DIRTY))
			l->pc[vcpu] = pc;
		l->st[vcpu] |= nt ? PMC_NT : PMC_DIRTY;
		l->lvl[vcpu] = (uint8_t)(v->depth < 255 ? v->depth : 255);
		if (!(l->in_mine & (1u << vcpu))) {
			l->in_mine |= (uint16_t)(1u << vcpu);
			list_add(&v->mine, key);
		}
		if (nt && !(l->in_fence & (1u << vcpu))) {
			l->in_fence |= (uint16_t)(1u << vcpu);
			list_add(&v->fence, key);
		}
	}
}

void pmc_writeback(struct pmc *m, unsigned vcpu, uint64_t off,
		   enum pmc_insn_kind how)
{
	struct pmc_line *l = find(m, off / PMC_LINE + 1);
	bool pending = false;

	if (!l)
		return;
	for (unsigned x = 0; x < PMC_MAX_VCPUS; x++) {
		if (how == PMC_I_CLFLUSH) {
			/* written back and invalidated, ordered with stores */
			l->st[x] &= (uint8_t)~(PMC_DIRTY | PMC_WB);
		} else if (l->st[x] & PMC_DIRTY) {
			l->st[x] = (uint8_t)((l->st[x] & ~PMC_DIRTY) | PMC_WB);
			l->owner[x] = (uint8_t)vcpu;
			pending = true;
		}
	}
	if (pending && !(l->in_fence & (1u << vcpu))) {
		l->in_fence |= (uint16_t)(1u << vcpu);
		list_add(&m->vcpu[vcpu].fence, l->key);
	}
	put_line(m, l);
}

void pmc_fence(struct pmc *m, unsigned vcpu)
{
	struct pmc_list *li = &m->vcpu[vcpu].fence;

	for (size_t i = 0; i < li->n; i++) {
		struct pmc_line *l = find(m, li->key[i]);

		if (!l || !(l->in_fence & (1u << vcpu)))
			continue;
		l->in_fence &= (uint16_t)~(1u << vcpu);
		for (unsigned x = 0; x < PMC_MAX_VCPUS; x++)
			if ((l->st[x] & PMC_WB) && l->owner[x] == vcpu)
				l->st[x] &= (uint8_t)~PMC_WB;
		l->st[vcpu] &= (uint8_t)~PMC_NT;
		put_line(m, l);
	}
	li->n = 0;
}

static unsigned worst(unsigned st)
{
	if (st & PMC_DIRTY)
		return PMC_DIRTY;
	return st & PMC_WB ? PMC_WB : PMC_NT;
}

/* Violations per (store instruction, point): every source shows, not only
 * the first PMC_MAX_REPORTS lines. */
static void count_site(struct pmc *m, uint64_t store_pc, uint64_t point_pc)
{
	unsigned s;

	for (s = 0; s < m->nr_sites; s++)
		if (m->site[s].pc == store_pc && m->site[s].point_pc == point_pc)
			break;
	if (s == m->nr_sites) {
		if (s == PMC_MAX_SITES) {
			m->sites_dropped++;
			return;
		}
		m->nr_sites++;
		m->site[s].pc = store_pc;
		m->site[s].point_pc = point_pc;
		m->site[s].count = 0;
	}
	m->site[s].count++;
}

void pmc_point(struct pmc *m, unsigned vcpu, uint64_t pc, unsigned id)
{
	struct pmc_vcpu *v = &m->vcpu[vcpu];
	struct pmc_list *li = &v->mine;
	size_t keep = 0;

	m->points++;
	for (size_t i = 0; i < li->n; i++) {
		struct pmc_line *l = find(m, li->key[i]);

		if (!l || !(l->in_mine & (1u << vcpu)))
			continue;			/* stale entry */
		if (!l->st[vcpu]) {
			l->in_mine &= (uint16_t)~(1u << vcpu);
			continue;
		}
		if (l->lvl[vcpu] != v->depth) {		/* another level's */
			li->key[keep++] = li->key[i];
			continue;
		}
		m->violations++;
		count_site(m, l->pc[vcpu], pc);
		if (m->nr_reports < PMC_MAX_REPORTS) {
			struct pmc_violation *r = &m->report[m->nr_reports++];

			r->off = (li->key[i] - 1) * PMC_LINE;
			r->phys = pmc_phys(m, r->off);
			r->state = worst(l->st[vcpu]);
			r->point_pc = pc;
			r->point_id = id;
			r->store_pc = l->pc[vcpu];
			r->vcpu = vcpu;
		}
		/* reported once: the store is lost, forget it */
		l->st[vcpu] = 0;
		l->in_mine &= (uint16_t)~(1u << vcpu);
		put_line(m, l);
	}
	li->n = keep;
}

void pmc_finish(struct pmc *m)
{
	for (size_t i = 0; i < m->cap; i++) {
		struct pmc_line *l = &m->lines[i];

		if (!l->key)
			continue;
		for (unsigned c = 0; c < PMC_MAX_VCPUS; c++) {
			if (!l->st[c])
				continue;
			m->violations++;
			count_site(m, l->pc[c], 0);
			if (m->nr_reports < PMC_MAX_REPORTS) {
				struct pmc_violation *r = &m->report[m->nr_reports++];

				r->off = (l->key - 1) * PMC_LINE;
				r->phys = pmc_phys(m, r->off);
				r->state = worst(l->st[c]);
				r->point_pc = 0;
				r->point_id = 0;
				r->store_pc = l->pc[c];
				r->vcpu = c;
			}
			l->st[c] = 0;
		}
	}
	/* everything reported: start clean (the lists' entries go stale) */
	memset(m->lines, 0, m->cap * sizeof(*m->lines));
	m->used = 0;
}

void pmc_irq_enter(struct pmc *m, unsigned vcpu)
{
	m->vcpu[vcpu].depth++;
}

void pmc_irq_exit(struct pmc *m, unsigned vcpu)
{
	struct pmc_vcpu *v = &m->vcpu[vcpu];

	if (!v->depth)
		return;
	/* what the handler left undone belongs to the interrupted level now */
	for (size_t i = 0; i < v->mine.n; i++) {
		struct pmc_line *l = find(m, v->mine.key[i]);

		if (l && l->st[vcpu] && l->lvl[vcpu] == v->depth)
			l->lvl[vcpu] = (uint8_t)(v->depth - 1);
	}
	v->depth--;
}

void pmc_calibrate(struct pmc *m, unsigned kind, unsigned arg, uint64_t off)
{
	struct pmc_region *g;

	if (kind == PMEM_CHECK_K_CAL_BASE) {
		unsigned r;

		for (r = 0; r < m->nr_regions; r++)
			if (m->region[r].off == off)
				break;
		if (r == m->nr_regions) {
			if (r == PMC_MAX_REGIONS) {
				m->errors++;
				return;
			}
			m->nr_regions++;
		}
		g = &m->region[r];
		/* a recalibration (reboot) starts over; size 0 hides it */
		g->off = off;
		g->size = 0;
		g->phys = 0;
		m->cal = (int)r;
		return;
	}
	if (m->cal < 0) {
		m->errors++;
		return;
	}
	g = &m->region[m->cal];
	if (kind == PMEM_CHECK_K_CAL_END) {
		if (off < g->off) {
			m->errors++;
			return;
		}
		g->size = (off / PMC_LINE + 1) * PMC_LINE - g->off;
	} else if (kind == PMEM_CHECK_K_CAL_BIT) {
		if (arg >= PMEM_CHECK_CAL_BITS || (off != g->off && off != g->off + PMC_LINE)) {
			m->errors++;
			return;
		}
		if (off != g->off)
			g->phys |= 1ULL << (arg + 6);
	}
}

size_t pmc_live_lines(const struct pmc *m)
{
	return m->used;
}

const char *pmc_state_name(unsigned state)
{
	switch (state) {
	case PMC_DIRTY:
		return "dirty";
	case PMC_WB:
		return "wb-pending";
	case PMC_NT:
		return "nt-pending";
	}
	return "?";
}

/* ------------------------------------------------------------ symbols */

/* ELF-64 Object File Format, version 1.5: file header, section headers,
 * symbol table entries; little-endian x86-64 only. */
static uint64_t rd(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static int sym_cmp(const void *a, const void *b)
{
	const struct pmc_sym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int pmc_syms_load(struct pmc_syms *s, const uint8_t *img, size_t len)
{
	uint64_t shoff, shentsize, shnum;

	memset(s, 0, sizeof(*s));
	if (len < 64 || memcmp(img, "\177ELF", 4) || img[4] != 2 || img[5] != 1)
		return -1;
	shoff = rd(img + 0x28, 8);
	shentsize = rd(img + 0x3a, 2);
	shnum = rd(img + 0x3c, 2);
	if (shentsize < 64 || shoff > len || shnum > (len - shoff) / shentsize)
		return -1;
	for (uint64_t i = 0; i < shnum; i++) {
		const uint8_t *sh = img + shoff + i * shentsize, *st;
		uint64_t off = rd(sh + 0x18, 8), size = rd(sh + 0x20, 8);
		uint64_t link = rd(sh + 0x28, 4), ent = rd(sh + 0x38, 8);
		uint64_t stroff, strsize, n;

		if (rd(sh + 4, 4) != 2 || ent < 24 || off > len || size > len - off ||
		    link >= shnum)		/* SHT_SYMTAB */
			continue;
		st = img + shoff + link * shentsize;
		stroff = rd(st + 0x18, 8);
		strsize = rd(st + 0x20, 8);
		if (!strsize || stroff > len || strsize > len - stroff)
			return -1;
		s->strtab = malloc(strsize + 1);
		n = size / ent;
		s->sym = calloc(n ? n : 1, sizeof(*s->sym));
		if (!s->strtab || !s->sym) {
			pmc_syms_free(s);
			return -1;
		}
		memcpy(s->strtab, img + stroff, strsize);
		s->strtab[strsize] = '\0';
		for (uint64_t k = 0; k < n; k++) {
			const uint8_t *e = img + off + k * ent;
			uint64_t name = rd(e, 4), value = rd(e + 8, 8);
			unsigned type = e[4] & 0xf, shndx = (unsigned)rd(e + 6, 2);

			if (type > 2 || !shndx || shndx >= 0xff00 || !value ||
			    name >= strsize || !s->strtab[name] ||
			    s->strtab[name] == '.')	/* NASM's local labels */
				continue;	/* NOTYPE, OBJECT, FUNC in a section */
			s->sym[s->n].addr = value;
			s->sym[s->n].size = rd(e + 16, 8);
			s->sym[s->n].name = s->strtab + name;
			s->n++;
		}
		qsort(s->sym, s->n, sizeof(*s->sym), sym_cmp);
		return 0;
	}
	return -1;
}

void pmc_syms_free(struct pmc_syms *s)
{
	free(s->sym);
	free(s->strtab);
	memset(s, 0, sizeof(*s));
}

const char *pmc_syms_name(const struct pmc_syms *s, uint64_t addr, char *buf,
			  size_t len)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {		/* the last symbol at or below addr */
		size_t mid = lo + (hi - lo) / 2;

		if (s->sym[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && addr - s->sym[lo - 1].addr < 0x10000 &&
	    (!s->sym[lo - 1].size || addr - s->sym[lo - 1].addr < s->sym[lo - 1].size)) {
		snprintf(buf, len, "%s+0x%llx", s->sym[lo - 1].name,
			 (unsigned long long)(addr - s->sym[lo - 1].addr));
		return buf;
	}
	snprintf(buf, len, "?");
	return buf;
}
