/*
 * pmc_plugin.c - the persistence checker as a QEMU TCG plugin (plugin API
 * version 1, QEMU 7.2). `scripts/pfnos-qemu --pmem-check` builds and loads
 * it; the model is pmc.c, the markers include/pmem_check.h.
 *
 *   -plugin pmem-check.so,elf=<pfnos.elf>,out=<report file>[,expect=<n>]
 *
 * expect=: the machine has n NVDIMMs, so at least n regions must be
 * calibrated; fewer is an error (nothing was checked there).
 *
 * At translation each instruction is classified from its bytes:
 *   - stores of every instruction reach pmc_store() (non-temporal ones
 *     flagged), through a store callback that returns at once unless the
 *     store lands in a calibrated persistent region;
 *   - a write-back (CLWB/CLFLUSHOPT/CLFLUSH) has no memory access under
 *     TCG, so the load just before it in the same block names the line
 *     (pfnos's write-back loops in mm/persist_wb.asm keep the pair together)
 *     when it addresses the very same operand (pmc_probe_matches); a
 *     write-back without such a load (first in its block, or after anything
 *     else) is counted as an error, never silently trusted;
 *   - fences and locked instructions, durability points and interrupt
 *     entry/exit markers get execution callbacks;
 *   - the load after a calibration marker tells where a region lies in
 *     QEMU's RAM-block offsets (qemu_plugin_hwaddr_phys_addr() returns
 *     those, not guest-physical addresses) and its guest-physical base.
 * Device DMA is invisible to plugins; so is everything before calibration.
 *
 * At exit every line still not clean is a violation too (no point ever
 * claimed it: lost at power-off all the same). Then it writes to out= (or
 * stderr):
 *   pmem-check: <S> stores to persistent memory, <P> durability points, <V> violations
 *   pmem-check: violation: line 0x<phys> <dirty|wb-pending|nt-pending> at <point> (stored by 0x<pc> <symbol+offset>)
 *     (<point> is <kind>:<symbol+offset> of the marker, or "exit")
 *   pmem-check: <N> violations stored by 0x<pc> <symbol+offset> at <point>
 *                                    (per site, when more than 20)
 *   pmem-check: error: <what>       (the checker could not check something)
 * Callbacks run on vCPU threads (several with multi-threaded TCG): one
 * mutex guards the model.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <qemu-plugin.h>

#define PMEM_CHECK_HOST
#include "../../include/pmem_check.h"
#include "pmc.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

/* What a callback needs of its instruction; interned by content, so a
 * retranslated block reuses it. A memory callback serves every role of its
 * instruction (see tb_trans). */
struct insn_info {
	uint64_t vaddr;
	bool exec;		/* an execution callback: kind, arg below */
	bool nt;		/* its stores are non-temporal */
	unsigned probe;		/* its load names the line of a following
				 * write-back of this pmc_insn_kind, or 0 */
	unsigned cal;		/* its load follows this calibration marker kind */
	unsigned kind, arg;	/* exec: pmc_insn_kind; marker kind << 8 | arg */
	struct insn_info *next;
};

#define INFO_BUCKETS	65536
#define MAX_ERRORS	20

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct pmc model;
static struct pmc_syms syms;
static struct insn_info *info_hash[INFO_BUCKETS];
static volatile unsigned have_regions;	/* read without the lock: a hint */
static char *out_path;
static unsigned expect_regions;
static char errors[MAX_ERRORS][160];
static unsigned nr_errors;

static const char *const point_names[PMEM_POINT_NR] = {
	[PMEM_POINT_BIO] = "bio",
	[PMEM_POINT_FLUSH] = "flush",
	[PMEM_POINT_DMA_BOUNCE] = "dma-bounce",
	[PMEM_POINT_DMA_DEVICE] = "dma-device",
	[PMEM_POINT_KMAP_FILL] = "kmap-fill",
	[PMEM_POINT_DECLARED] = "declared",
	[PMEM_POINT_BTT_DATA] = "btt-data",
	[PMEM_POINT_BTT_FLOG] = "btt-flog",
	[PMEM_POINT_BTT_MAP] = "btt-map",
	[PMEM_POINT_ND_META] = "nd-meta",
};

static bool info_eq(const struct insn_info *a, const struct insn_info *b)
{
	return a->vaddr == b->vaddr && a->exec == b->exec && a->nt == b->nt &&
	       a->probe == b->probe && a->cal == b->cal && a->kind == b->kind &&
	       a->arg == b->arg;
}

static struct insn_info *intern(const struct insn_info *want)
{
	size_t h = (size_t)((want->vaddr * 0x9e3779b97f4a7c15ULL) >> 48);
	struct insn_info *i;

	h &= INFO_BUCKETS - 1;
	pthread_mutex_lock(&lock);
	for (i = info_hash[h]; i; i = i->next)
		if (info_eq(i, want))
			break;
	if (!i) {
		i = malloc(sizeof(*i));
		if (!i)
			abort();
		*i = *want;
		i->next = info_hash[h];
		info_hash[h] = i;
	}
	pthread_mutex_unlock(&lock);
	return i;
}

static void error_locked(const char *what, uint64_t pc)
{
	char sym[128];

	model.errors++;
	if (nr_errors < MAX_ERRORS)
		snprintf(errors[nr_errors++], sizeof(errors[0]), "%s at 0x%llx %s", what,
			 (unsigned long long)pc, pmc_syms_name(&syms, pc, sym, sizeof(sym)));
}

static unsigned vcpu_slot(unsigned vcpu)
{
	return vcpu < PMC_MAX_VCPUS ? vcpu : PMC_MAX_VCPUS - 1;
}

/* RAM-block offset of an access, or false for I/O or no translation. */
static bool access_off(qemu_plugin_meminfo_t mi, uint64_t vaddr, uint64_t *off)
{
	struct qemu_plugin_hwaddr *hw = qemu_plugin_get_hwaddr(mi, vaddr);

	if (!hw || qemu_plugin_hwaddr_is_io(hw))
		return false;
	*off = qemu_plugin_hwaddr_phys_addr(hw);
	return true;
}

/*
 * Every memory access of an instrumented instruction. QEMU 7.2 filters
 * callbacks by access type wrongly (its inline path tests cb->rw against
 * rw + 1, so a read-only callback never sees a load; its helper path stops
 * at the first callback of the other type), so each instruction gets one
 * callback for loads and stores and the type is checked here.
 */
static void on_mem(unsigned vcpu, qemu_plugin_meminfo_t mi, uint64_t vaddr,
		   void *udata)
{
	struct insn_info *i = udata;
	bool store = qemu_plugin_mem_is_store(mi);
	uint64_t off;

	if (i->cal && !store) {
		pthread_mutex_lock(&lock);
		if (!access_off(mi, vaddr, &off))
			error_locked("calibration load not to RAM", i->vaddr);
		else
			pmc_calibrate(&model, i->cal, i->arg, off);
		have_regions = model.nr_regions;
		pthread_mutex_unlock(&lock);
		return;
	}
	if (!have_regions || (!store && !i->probe) || !access_off(mi, vaddr, &off))
		return;
	pthread_mutex_lock(&lock);
	if (pmc_region_of(&model, off)) {
		if (store)
			pmc_store(&model, vcpu_slot(vcpu), off,
				  1u << qemu_plugin_mem_size_shift(mi), i->nt, i->vaddr);
		else
			pmc_writeback(&model, vcpu_slot(vcpu), off,
				      (enum pmc_insn_kind)i->probe);
	}
	pthread_mutex_unlock(&lock);
}

static void on_exec(unsigned vcpu, void *udata)
{
	struct insn_info *i = udata;
	unsigned c = vcpu_slot(vcpu);

	pthread_mutex_lock(&lock);
	switch (i->kind) {
	case PMC_I_FENCE:
		if (have_regions)
			pmc_fence(&model, c);
		break;
	case PMC_I_CLWB:
	case PMC_I_CLFLUSHOPT:
	case PMC_I_CLFLUSH:
		if (have_regions)
			error_locked("write-back without a load of the same operand just before it",
				     i->vaddr);
		break;
	case PMC_I_MARKER:
		switch (i->arg >> 8) {
		case PMEM_CHECK_K_POINT:
			if (have_regions)
				pmc_point(&model, c, i->vaddr, i->arg & 0xff);
			break;
		case PMEM_CHECK_K_IRQ_ENTER:
			pmc_irq_enter(&model, c);
			break;
		case PMEM_CHECK_K_IRQ_EXIT:
			pmc_irq_exit(&model, c);
			break;
		default:	/* a calibration marker ending its block */
			error_locked("calibration marker without a load after it", i->vaddr);
			break;
		}
		break;
	}
	pthread_mutex_unlock(&lock);
}

#define TB_MAX_INSNS	512	/* TCG_MAX_INSNS */

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	struct insn_info mem[TB_MAX_INSNS], ex[TB_MAX_INSNS];

	if (n > TB_MAX_INSNS)
		n = TB_MAX_INSNS;
	memset(mem, 0, n * sizeof(mem[0]));
	memset(ex, 0, n * sizeof(ex[0]));
	/* first the roles, then one callback of each kind per instruction */
	for (size_t k = 0; k < n; k++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, k);
		struct pmc_insn c = pmc_decode(qemu_plugin_insn_data(insn),
					       qemu_plugin_insn_size(insn));

		mem[k].vaddr = ex[k].vaddr = qemu_plugin_insn_vaddr(insn);
		switch (c.kind) {
		case PMC_I_CLWB:
		case PMC_I_CLFLUSHOPT:
		case PMC_I_CLFLUSH: {
			struct qemu_plugin_insn *pi = k ? qemu_plugin_tb_get_insn(tb, k - 1) : NULL;

			/* the load just before must address the very same operand */
			if (pi && pmc_probe_matches(qemu_plugin_insn_data(pi),
						    qemu_plugin_insn_size(pi),
						    qemu_plugin_insn_data(insn),
						    qemu_plugin_insn_size(insn)))
				mem[k - 1].probe = c.kind;
			else
				ex[k] = (struct insn_info){ .vaddr = mem[k].vaddr,
					.exec = true, .kind = c.kind };
			break;
		}
		case PMC_I_MARKER:
			if (c.mark_kind == PMEM_CHECK_K_CAL_BASE ||
			    c.mark_kind == PMEM_CHECK_K_CAL_END ||
			    c.mark_kind == PMEM_CHECK_K_CAL_BIT) {
				if (k + 1 < n) {
					mem[k + 1].cal = c.mark_kind;
					mem[k + 1].arg = c.mark_arg;
					break;
				}
			}
			ex[k].exec = true;
			ex[k].kind = PMC_I_MARKER;
			ex[k].arg = c.mark_kind << 8 | c.mark_arg;
			break;
		case PMC_I_FENCE:
			ex[k].exec = true;
			ex[k].kind = PMC_I_FENCE;
			break;
		case PMC_I_NT_STORE:
			mem[k].nt = true;
			break;
		default:
			break;
		}
	}
	for (size_t k = 0; k < n; k++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, k);

		if (ex[k].exec)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_exec,
				QEMU_PLUGIN_CB_NO_REGS, intern(&ex[k]));
		qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS,
						 QEMU_PLUGIN_MEM_RW, intern(&mem[k]));
	}
}

static void report(qemu_plugin_id_t id, void *p)
{
	FILE *f = out_path ? fopen(out_path, "w") : NULL;
	char a[128], b[128];

	if (!f)
		f = stderr;
	pthread_mutex_lock(&lock);
	pmc_finish(&model);	/* what no point claimed is lost at power-off */
	fprintf(f, "pmem-check: %llu stores to persistent memory, %llu durability points, %llu violations\n",
		(unsigned long long)model.stores, (unsigned long long)model.points,
		(unsigned long long)model.violations);
	for (unsigned r = 0; r < model.nr_reports; r++) {
		const struct pmc_violation *v = &model.report[r];
		const char *pn = v->point_id < PMEM_POINT_NR && point_names[v->point_id] ?
				 point_names[v->point_id] : "point";

		if (!v->point_id)	/* never claimed: lost at the end of the run */
			snprintf(a, sizeof(a), "exit");
		else
			snprintf(a, sizeof(a), "%s:%s", pn,
				 pmc_syms_name(&syms, v->point_pc, b, sizeof(b)));
		fprintf(f, "pmem-check: violation: line 0x%llx %s at %s (stored by 0x%llx %s)\n",
			(unsigned long long)v->phys, pmc_state_name(v->state), a,
			(unsigned long long)v->store_pc,
			pmc_syms_name(&syms, v->store_pc, b, sizeof(b)));
	}
	for (unsigned s = 0; s < model.nr_sites && model.violations > model.nr_reports; s++)
		fprintf(f, "pmem-check: %llu violations stored by 0x%llx %s at %s\n",
			(unsigned long long)model.site[s].count,
			(unsigned long long)model.site[s].pc,
			pmc_syms_name(&syms, model.site[s].pc, a, sizeof(a)),
			model.site[s].point_pc ?
			pmc_syms_name(&syms, model.site[s].point_pc, b, sizeof(b)) : "exit");
	for (unsigned r = 0; r < model.nr_regions; r++)
		fprintf(f, "pmem-check: region 0x%llx-0x%llx (QEMU RAM offset 0x%llx)\n",
			(unsigned long long)model.region[r].phys,
			(unsigned long long)(model.region[r].phys + model.region[r].size),
			(unsigned long long)model.region[r].off);
	{
		unsigned cal = 0;

		for (unsigned r = 0; r < model.nr_regions; r++)
			cal += model.region[r].size != 0;
		if (cal < expect_regions)
			fprintf(f, "pmem-check: error: %u NVDIMMs but %u regions calibrated: not all persistent memory was checked\n",
				expect_regions, cal);
		else if (!cal)
			fprintf(f, "pmem-check: warning: no persistent region was calibrated; nothing was checked\n");
	}
	if (model.sites_dropped)
		fprintf(f, "pmem-check: %llu more violations from store sites not listed\n",
			(unsigned long long)model.sites_dropped);
	for (unsigned e = 0; e < nr_errors; e++)
		fprintf(f, "pmem-check: error: %s\n", errors[e]);
	if (model.errors > nr_errors)
		fprintf(f, "pmem-check: error: %llu more errors\n",
			(unsigned long long)(model.errors - nr_errors));
	pthread_mutex_unlock(&lock);
	if (f != stderr)
		fclose(f);
}

static int load_syms(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *img;
	int err = -1;

	if (!f)
		return -1;
	if (fstat(fileno(f), &st) == 0 && st.st_size > 0 &&
	    (img = malloc((size_t)st.st_size))) {
		if (fread(img, 1, (size_t)st.st_size, f) == (size_t)st.st_size)
			err = pmc_syms_load(&syms, img, (size_t)st.st_size);
		free(img);
	}
	fclose(f);
	return err;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	if (strcmp(info->target_name, "x86_64")) {
		fprintf(stderr, "pmem-check: x86_64 only, not %s\n", info->target_name);
		return -1;
	}
	if (!info->system_emulation) {
		fprintf(stderr, "pmem-check: system emulation only\n");
		return -1;
	}
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "elf=", 4)) {
			if (load_syms(argv[i] + 4)) {
				fprintf(stderr, "pmem-check: cannot read symbols from %s\n",
					argv[i] + 4);
				return -1;
			}
		} else if (!strncmp(argv[i], "out=", 4)) {
			out_path = strdup(argv[i] + 4);
		} else if (!strncmp(argv[i], "expect=", 7)) {
			char *end;

			expect_regions = (unsigned)strtoul(argv[i] + 7, &end, 10);
			if (*end || end == argv[i] + 7) {
				fprintf(stderr, "pmem-check: bad %s\n", argv[i]);
				return -1;
			}
		} else {
			fprintf(stderr, "pmem-check: unknown argument '%s' (elf=, out=, expect=)\n",
				argv[i]);
			return -1;
		}
	}
	if (pmc_init(&model)) {
		fprintf(stderr, "pmem-check: out of memory\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, report, NULL);
	return 0;
}
