/*
 * test_pmemcheck.c - host tests of tools/pmem-check/pmc.c: instruction
 * classes decoded from the bytes assemblers emit, the persistence model
 * event by event (Intel SDM rules as pmc.h states them), calibration,
 * interrupt levels, many lines at once, and ELF symbol lookup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ktest.h"
#include "tools/pmem-check/pmc.h"
#define PMEM_CHECK_HOST
#include "pmem_check.h"

#define DEC(...) ({ static const uint8_t b_[] = { __VA_ARGS__ }; pmc_decode(b_, sizeof(b_)); })

KTEST(pmemcheck, decode_classes)
{
	KT_EXPECT_EQ(DEC(0x66, 0x0f, 0xae, 0x37).kind, PMC_I_CLWB);		/* clwb [rdi] */
	KT_EXPECT_EQ(DEC(0x66, 0x41, 0x0f, 0xae, 0x30).kind, PMC_I_CLWB);	/* clwb [r8] */
	KT_EXPECT_EQ(DEC(0x66, 0x0f, 0xae, 0x3f).kind, PMC_I_CLFLUSHOPT);	/* clflushopt [rdi] */
	KT_EXPECT_EQ(DEC(0x0f, 0xae, 0x3f).kind, PMC_I_CLFLUSH);		/* clflush [rdi] */
	KT_EXPECT_EQ(DEC(0x0f, 0xae, 0x37).kind, PMC_I_PLAIN);		/* xsaveopt [rdi] */
	KT_EXPECT_EQ(DEC(0x0f, 0xae, 0xf8).kind, PMC_I_FENCE);		/* sfence */
	KT_EXPECT_EQ(DEC(0x0f, 0xae, 0xf0).kind, PMC_I_FENCE);		/* mfence */
	KT_EXPECT_EQ(DEC(0x0f, 0xae, 0xe8).kind, PMC_I_PLAIN);		/* lfence orders no stores */
	KT_EXPECT_EQ(DEC(0xf0, 0x48, 0x83, 0x00, 0x01).kind, PMC_I_FENCE);	/* lock add qword [rax], 1 */
	KT_EXPECT_EQ(DEC(0xf0, 0x0f, 0xb1, 0x0f).kind, PMC_I_FENCE);	/* lock cmpxchg [rdi], ecx */
	KT_EXPECT_EQ(DEC(0x48, 0x87, 0x07).kind, PMC_I_FENCE);		/* xchg [rdi], rax */
	KT_EXPECT_EQ(DEC(0x48, 0x87, 0xc8).kind, PMC_I_PLAIN);		/* xchg rax, rcx */
	KT_EXPECT_EQ(DEC(0x48, 0x0f, 0xc3, 0x07).kind, PMC_I_NT_STORE);	/* movnti [rdi], rax */
	KT_EXPECT_EQ(DEC(0x66, 0x0f, 0xe7, 0x07).kind, PMC_I_NT_STORE);	/* movntdq [rdi], xmm0 */
	KT_EXPECT_EQ(DEC(0xc5, 0xfd, 0xe7, 0x07).kind, PMC_I_NT_STORE);	/* vmovntdq [rdi], ymm0 */
	KT_EXPECT_EQ(DEC(0xc4, 0xc1, 0x7d, 0xe7, 0x00).kind, PMC_I_NT_STORE);	/* vmovntdq [r8], ymm0 */
	KT_EXPECT_EQ(DEC(0x0f, 0x2b, 0x07).kind, PMC_I_NT_STORE);		/* movntps [rdi], xmm0 */
	KT_EXPECT_EQ(DEC(0x66, 0x0f, 0xf7, 0xc1).kind, PMC_I_NT_STORE);	/* maskmovdqu xmm0, xmm1 */
	KT_EXPECT_EQ(DEC(0x66, 0x0f, 0xe7, 0xc1).kind, PMC_I_PLAIN);	/* no register form */
	KT_EXPECT_EQ(DEC(0x48, 0x89, 0x07).kind, PMC_I_PLAIN);		/* mov [rdi], rax */
	KT_EXPECT_EQ(DEC(0xf3, 0x48, 0xa5).kind, PMC_I_PLAIN);		/* rep movsq */
	KT_EXPECT_EQ(DEC(0x0f, 0x1f, 0x84, 0x00, 0, 0, 0, 0).kind, PMC_I_PLAIN);	/* an ordinary nop */
	KT_EXPECT_EQ(DEC(0x66, 0x0f).kind, PMC_I_PLAIN);			/* truncated */
	KT_EXPECT_EQ(pmc_decode(NULL, 0).kind, PMC_I_PLAIN);
}

KTEST(pmemcheck, decode_markers)
{
	struct pmc_insn m = DEC(0x0f, 0x1f, 0x84, 0x00, 0x03, 0x01, 0x4d, 0x50);

	KT_EXPECT_EQ(m.kind, PMC_I_MARKER);
	KT_EXPECT_EQ(m.mark_kind, PMEM_CHECK_K_POINT);
	KT_EXPECT_EQ(m.mark_arg, 3);
	m = DEC(0x0f, 0x1f, 0x84, 0x00, 0x2d, 0x04, 0x4d, 0x50);
	KT_EXPECT_EQ(m.mark_kind, PMEM_CHECK_K_CAL_BIT);
	KT_EXPECT_EQ(m.mark_arg, 45);
	/* a different displacement high half is an ordinary nop */
	KT_EXPECT_EQ(DEC(0x0f, 0x1f, 0x84, 0x00, 0x03, 0x01, 0x4d, 0x51).kind, PMC_I_PLAIN);
	KT_EXPECT_EQ(PMEM_CHECK_DISP(PMEM_CHECK_K_IRQ_EXIT, 0), 0x504d0600);
}

/* include/pmem_check.inc must say what include/pmem_check.h says. */
KTEST(pmemcheck, nasm_constants_match)
{
	static const struct { const char *name; unsigned val; } want[] = {
		{ "PMEM_CHECK_MAGIC", PMEM_CHECK_MAGIC },
		{ "PMEM_CHECK_K_POINT", PMEM_CHECK_K_POINT },
		{ "PMEM_CHECK_K_CAL_BASE", PMEM_CHECK_K_CAL_BASE },
		{ "PMEM_CHECK_K_CAL_END", PMEM_CHECK_K_CAL_END },
		{ "PMEM_CHECK_K_CAL_BIT", PMEM_CHECK_K_CAL_BIT },
		{ "PMEM_CHECK_K_IRQ_ENTER", PMEM_CHECK_K_IRQ_ENTER },
		{ "PMEM_CHECK_K_IRQ_EXIT", PMEM_CHECK_K_IRQ_EXIT },
		{ "PMEM_CHECK_CAL_BITS", PMEM_CHECK_CAL_BITS },
	};
	FILE *f = fopen("include/pmem_check.inc", "r");
	char line[256], name[64];
	unsigned found = 0, val;

	KT_ASSERT(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%%define %63s %i", name, (int *)&val) != 2)
			continue;
		for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			if (strcmp(name, want[i].name))
				continue;
			KT_EXPECT_EQ(val, want[i].val);
			found++;
		}
	}
	fclose(f);
	KT_EXPECT_EQ(found, sizeof(want) / sizeof(want[0]));
}

/* A model with one 1 MiB region at RAM-block offset 0x40000000, guest
 * physical 0x100000000, calibrated the way mm/persist_wb.asm does it. */
#define R_OFF	0x40000000ULL
#define R_PHYS	0x100000000ULL
#define R_SIZE	0x100000ULL

static void model_init(struct pmc *m)
{
	KT_ASSERT(pmc_init(m) == 0);
	pmc_calibrate(m, PMEM_CHECK_K_CAL_BASE, 0, R_OFF);
	pmc_calibrate(m, PMEM_CHECK_K_CAL_END, 0, R_OFF + R_SIZE - 64);
	for (unsigned b = 0; b < PMEM_CHECK_CAL_BITS; b++)
		pmc_calibrate(m, PMEM_CHECK_K_CAL_BIT, b,
			      R_OFF + (((R_PHYS >> 6) >> b) & 1) * 64);
}

KTEST(pmemcheck, calibration)
{
	struct pmc m;

	model_init(&m);
	KT_EXPECT_EQ(m.nr_regions, 1);
	KT_EXPECT_EQ(m.region[0].size, R_SIZE);
	KT_EXPECT_EQ(m.region[0].phys, R_PHYS);
	KT_EXPECT(pmc_region_of(&m, R_OFF) != NULL);
	KT_EXPECT(pmc_region_of(&m, R_OFF + R_SIZE - 1) != NULL);
	KT_EXPECT(pmc_region_of(&m, R_OFF + R_SIZE) == NULL);
	KT_EXPECT(pmc_region_of(&m, R_OFF - 1) == NULL);
	KT_EXPECT_EQ(pmc_phys(&m, R_OFF + 0x1234), R_PHYS + 0x1234);
	/* a bit load that is neither line 0 nor line 1 is an error */
	pmc_calibrate(&m, PMEM_CHECK_K_CAL_BIT, 0, R_OFF + 128);
	KT_EXPECT_EQ(m.errors, 1);
	/* the same region again (a reboot) reuses its slot */
	pmc_calibrate(&m, PMEM_CHECK_K_CAL_BASE, 0, R_OFF);
	KT_EXPECT_EQ(m.nr_regions, 1);
	pmc_fini(&m);
}

static unsigned violations_after(void (*fn)(struct pmc *), unsigned *state)
{
	struct pmc m;
	unsigned v;

	model_init(&m);
	fn(&m);
	v = (unsigned)m.violations;
	*state = m.nr_reports ? m.report[0].state : 0;
	pmc_fini(&m);
	return v;
}

static void s_dirty(struct pmc *m)
{
	pmc_store(m, 0, R_OFF + 64, 8, false, 0x1000);
	pmc_point(m, 0, 0x2000, 1);
}

static void s_clwb_nofence(struct pmc *m)
{
	pmc_store(m, 0, R_OFF + 64, 8, false, 0x1000);
	pmc_writeback(m, 0, R_OFF + 64 + 3, PMC_I_CLWB);
	pmc_point(m, 0, 0x2000, 1);
}

static void s_clwb_fence(struct pmc *m)
{
	pmc_store(m, 0, R_OFF + 64, 8, false, 0x1000);
	pmc_writeback(m, 0, R_OFF + 64, PMC_I_CLWB);
	pmc_fence(m, 0);
	pmc_point(m, 0, 0x2000, 1);
}

static void s_clflushopt_fence(struct pmc *m)
{
	pmc_store(m, 0, R_OFF + 64, 8, false, 0x1000);
	pmc_writeback(m, 0, R_OFF + 64, PMC_I_CLFLUSHOPT);
	pmc_fence(m, 0);
	pmc_point(m, 0, 0x2000, 1);
}

static void s_clflush(struct pmc *m)
{
	pmc_store(m, 0, R_OFF + 64, 8, false, 0x1000);
	pmc_writeback(m, 0, R_OFF + 64, PMC_I_CLFLUSH);
	pmc_point(m, 0, 0x2000, 1);
}

static void s_nt_nofence(struct pmc *m)
{
	pmc_store(m, 0, R_OFF + 64, 8, true, 0x1000);
	pmc_point(m, 0, 0x2000, 1);
}

static void s_nt_fence(struct pmc *m)
{
	pmc_store(m, 0, R_OFF + 64, 8, true, 0x1000);
	pmc_fence(m, 0);
	pmc_point(m, 0, 0x2000, 1);
}

/* a write-back before the store does not cover it */
static void s_wb_before_store(struct pmc *m)
{
	pmc_writeback(m, 0, R_OFF + 64, PMC_I_CLWB);
	pmc_store(m, 0, R_OFF + 64, 8, false, 0x1000);
	pmc_fence(m, 0);
	pmc_point(m, 0, 0x2000, 1);
}

/* the write-back of another line does not cover it */
static void s_wb_other_line(struct pmc *m)
{
	pmc_store(m, 0, R_OFF + 64, 8, false, 0x1000);
	pmc_writeback(m, 0, R_OFF + 128, PMC_I_CLWB);
	pmc_fence(m, 0);
	pmc_point(m, 0, 0x2000, 1);
}

/* a plain store after the head of the line went non-temporal: still dirty */
static void s_nt_then_plain(struct pmc *m)
{
	pmc_store(m, 0, R_OFF + 64, 8, true, 0x1000);
	pmc_store(m, 0, R_OFF + 72, 8, false, 0x1004);
	pmc_fence(m, 0);
	pmc_point(m, 0, 0x2000, 1);
}

/* a store across a line boundary dirties both lines */
static void s_straddle(struct pmc *m)
{
	pmc_store(m, 0, R_OFF + 60, 8, false, 0x1000);
	pmc_writeback(m, 0, R_OFF + 0, PMC_I_CLWB);
	pmc_fence(m, 0);
	pmc_point(m, 0, 0x2000, 1);
}

KTEST(pmemcheck, sdm_rules)
{
	unsigned st;

	KT_EXPECT_EQ(violations_after(s_dirty, &st), 1);
	KT_EXPECT_EQ(st, PMC_DIRTY);
	KT_EXPECT_EQ(violations_after(s_clwb_nofence, &st), 1);
	KT_EXPECT_EQ(st, PMC_WB);
	KT_EXPECT_EQ(violations_after(s_clwb_fence, &st), 0);
	KT_EXPECT_EQ(violations_after(s_clflushopt_fence, &st), 0);
	KT_EXPECT_EQ(violations_after(s_clflush, &st), 0);
	KT_EXPECT_EQ(violations_after(s_nt_nofence, &st), 1);
	KT_EXPECT_EQ(st, PMC_NT);
	KT_EXPECT_EQ(violations_after(s_nt_fence, &st), 0);
	KT_EXPECT_EQ(violations_after(s_wb_before_store, &st), 1);
	KT_EXPECT_EQ(st, PMC_DIRTY);
	KT_EXPECT_EQ(violations_after(s_wb_other_line, &st), 1);
	KT_EXPECT_EQ(violations_after(s_nt_then_plain, &st), 1);
	KT_EXPECT_EQ(st, PMC_DIRTY);
	KT_EXPECT_EQ(violations_after(s_straddle, &st), 1);
	KT_EXPECT_EQ(st, PMC_DIRTY);
}

KTEST(pmemcheck, report_names_line_and_store)
{
	struct pmc m;

	model_init(&m);
	pmc_store(&m, 0, R_OFF + 0x1c0 + 5, 1, false, 0xffffffff81000010ULL);
	pmc_store(&m, 0, R_OFF + 0x1c0 + 8, 8, true, 0xffffffff81000020ULL);
	pmc_point(&m, 0, 0xffffffff81000030ULL, PMEM_POINT_BIO);
	KT_ASSERT_EQ(m.nr_reports, 1);
	KT_EXPECT_EQ(m.report[0].phys, R_PHYS + 0x1c0);
	KT_EXPECT_EQ(m.report[0].store_pc, 0xffffffff81000010ULL);	/* the plain one */
	KT_EXPECT_EQ(m.report[0].point_pc, 0xffffffff81000030ULL);
	KT_EXPECT_EQ(m.report[0].point_id, PMEM_POINT_BIO);
	KT_EXPECT_STREQ(pmc_state_name(m.report[0].state), "dirty");
	/* reported once: the next point is clean */
	pmc_point(&m, 0, 0xffffffff81000030ULL, PMEM_POINT_BIO);
	KT_EXPECT_EQ(m.violations, 1);
	KT_EXPECT_EQ(m.points, 2);
	KT_EXPECT_EQ(m.stores, 2);
	pmc_fini(&m);
}

KTEST(pmemcheck, per_vcpu)
{
	struct pmc m;

	model_init(&m);
	/* CPU 1 stores, CPU 0 writes the line back: CPU 0's fence completes it */
	pmc_store(&m, 1, R_OFF + 256, 8, false, 1);
	pmc_writeback(&m, 0, R_OFF + 256, PMC_I_CLWB);
	pmc_fence(&m, 1);
	pmc_point(&m, 0, 2, 1);		/* CPU 0 stored nothing */
	KT_EXPECT_EQ(m.violations, 0);
	pmc_point(&m, 1, 2, 1);		/* CPU 1's line waits for CPU 0's fence */
	KT_EXPECT_EQ(m.violations, 1);
	KT_EXPECT_EQ(m.report[0].state, PMC_WB);
	KT_EXPECT_EQ(m.report[0].vcpu, 1);
	/* the same done right */
	pmc_store(&m, 1, R_OFF + 512, 8, false, 1);
	pmc_writeback(&m, 0, R_OFF + 512, PMC_I_CLWB);
	pmc_fence(&m, 0);
	pmc_point(&m, 1, 2, 1);
	KT_EXPECT_EQ(m.violations, 1);
	/* CPU 0's non-temporal stores are not completed by CPU 1's fence */
	pmc_store(&m, 0, R_OFF + 1024, 8, true, 1);
	pmc_fence(&m, 1);
	pmc_point(&m, 0, 2, 1);
	KT_EXPECT_EQ(m.violations, 2);
	KT_EXPECT_EQ(pmc_live_lines(&m), 0);
	pmc_fini(&m);
}

KTEST(pmemcheck, interrupt_levels)
{
	struct pmc m;

	model_init(&m);
	/* process level stores, not yet written back when an interrupt comes */
	pmc_store(&m, 0, R_OFF + 64, 8, false, 1);
	pmc_irq_enter(&m, 0);
	/* the handler's own durable store and its point: not the process's line */
	pmc_store(&m, 0, R_OFF + 4096, 8, false, 2);
	pmc_writeback(&m, 0, R_OFF + 4096, PMC_I_CLWB);
	pmc_fence(&m, 0);
	pmc_point(&m, 0, 3, PMEM_POINT_DMA_BOUNCE);
	KT_EXPECT_EQ(m.violations, 0);
	/* the handler leaves a line dirty and returns: the process level owns it */
	pmc_store(&m, 0, R_OFF + 8192, 8, false, 4);
	pmc_irq_exit(&m, 0);
	pmc_writeback(&m, 0, R_OFF + 64, PMC_I_CLWB);
	pmc_fence(&m, 0);
	pmc_point(&m, 0, 5, PMEM_POINT_BIO);
	KT_ASSERT_EQ(m.violations, 1);
	KT_EXPECT_EQ(m.report[0].phys, R_PHYS + 8192);
	pmc_irq_exit(&m, 0);		/* unbalanced exit is ignored */
	pmc_fini(&m);
}

KTEST(pmemcheck, many_lines)
{
	struct pmc m;
	const unsigned n = 16384;	/* a 1 MiB bio's worth */

	model_init(&m);
	for (unsigned i = 0; i < n; i++)
		pmc_store(&m, 0, R_OFF + (uint64_t)i * 64, 64, false, 1);
	KT_EXPECT_EQ(pmc_live_lines(&m), n);
	for (unsigned i = 0; i < n; i += 2)
		pmc_writeback(&m, 0, R_OFF + (uint64_t)i * 64, PMC_I_CLWB);
	pmc_fence(&m, 0);
	KT_EXPECT_EQ(pmc_live_lines(&m), n / 2);
	for (unsigned i = 1; i < n; i += 2)
		pmc_writeback(&m, 0, R_OFF + (uint64_t)i * 64, PMC_I_CLFLUSH);
	KT_EXPECT_EQ(pmc_live_lines(&m), 0);
	pmc_point(&m, 0, 2, 1);
	KT_EXPECT_EQ(m.violations, 0);
	/* again, every line lost */
	for (unsigned i = 0; i < n; i++)
		pmc_store(&m, 0, R_OFF + (uint64_t)i * 64, 8, false, 1);
	pmc_point(&m, 0, 2, 1);
	KT_EXPECT_EQ(m.violations, n);
	KT_EXPECT_EQ(m.nr_reports, PMC_MAX_REPORTS);
	KT_EXPECT_EQ(pmc_live_lines(&m), 0);
	pmc_fini(&m);
}

/* A minimal ELF64 image: null, .symtab, .strtab sections; three symbols. */
static size_t build_elf(uint8_t *img, size_t cap)
{
	static const char str[] = "\0alpha\0beta\0.Llocal\0";
	const size_t shoff = 64, syms = shoff + 3 * 64, strs = syms + 4 * 24;
	struct { uint32_t name; uint8_t info, other; uint16_t shndx; uint64_t value, size; }
		__attribute__((packed)) sym[4] = {
		{ 0, 0, 0, 0, 0, 0 },
		{ 1, 0x12, 0, 1, 0xffffffff81001000ULL, 0x40 },		/* alpha: FUNC */
		{ 7, 0x10, 0, 1, 0xffffffff81002000ULL, 0 },		/* beta: NOTYPE */
		{ 12, 0x10, 0, 1, 0xffffffff81001010ULL, 0 },		/* .Llocal */
	};
	uint8_t *sh;

	memset(img, 0, cap);
	memcpy(img, "\177ELF\2\1\1", 7);
	memcpy(img + 0x28, &shoff, 8);
	img[0x3a] = 64;
	img[0x3c] = 3;
	sh = img + shoff + 64;			/* section 1: .symtab */
	sh[4] = 2;
	memcpy(sh + 0x18, &syms, 8);
	*(uint64_t *)(sh + 0x20) = sizeof(sym);
	sh[0x28] = 2;
	sh[0x38] = 24;
	sh = img + shoff + 128;			/* section 2: .strtab */
	sh[4] = 3;
	memcpy(sh + 0x18, &strs, 8);
	*(uint64_t *)(sh + 0x20) = sizeof(str);
	memcpy(img + syms, sym, sizeof(sym));
	memcpy(img + strs, str, sizeof(str));
	return strs + sizeof(str);
}

KTEST(pmemcheck, elf_symbols)
{
	uint8_t img[1024];
	size_t len = build_elf(img, sizeof(img));
	struct pmc_syms s;
	char buf[64];

	KT_ASSERT(pmc_syms_load(&s, img, len) == 0);
	KT_EXPECT_EQ(s.n, 2);		/* .Llocal left out */
	KT_EXPECT_STREQ(pmc_syms_name(&s, 0xffffffff81001014ULL, buf, sizeof(buf)), "alpha+0x14");
	KT_EXPECT_STREQ(pmc_syms_name(&s, 0xffffffff81001040ULL, buf, sizeof(buf)), "?");
	KT_EXPECT_STREQ(pmc_syms_name(&s, 0xffffffff81002123ULL, buf, sizeof(buf)), "beta+0x123");
	KT_EXPECT_STREQ(pmc_syms_name(&s, 0xffffffff80000000ULL, buf, sizeof(buf)), "?");
	pmc_syms_free(&s);
	/* truncated or foreign images are refused, not read past their end */
	KT_EXPECT(pmc_syms_load(&s, img, 63) != 0);
	KT_EXPECT(pmc_syms_load(&s, img, len - 40) != 0);
	img[4] = 1;			/* ELFCLASS32 */
	KT_EXPECT(pmc_syms_load(&s, img, len) != 0);
}

/* Stores nothing ever claimed are lost all the same: pmc_finish() reports
 * every line still not clean when the run ends, once. */
KTEST(pmemcheck, unclaimed_at_exit)
{
	struct pmc m;

	model_init(&m);
	pmc_store(&m, 0, R_OFF + 640, 8, false, 0x1000);	/* never written back */
	pmc_store(&m, 1, R_OFF + 704, 8, true, 0x1004);	/* nt, never fenced */
	pmc_store(&m, 0, R_OFF + 768, 8, false, 0x1008);	/* durable */
	pmc_writeback(&m, 0, R_OFF + 768, PMC_I_CLWB);
	pmc_fence(&m, 0);
	KT_EXPECT_EQ(m.violations, 0);
	pmc_finish(&m);
	KT_ASSERT_EQ(m.violations, 2);
	KT_ASSERT_EQ(m.nr_reports, 2);
	for (unsigned r = 0; r < 2; r++) {
		KT_EXPECT_EQ(m.report[r].point_id, 0);		/* "at exit" */
		KT_EXPECT(m.report[r].phys == R_PHYS + 640 || m.report[r].phys == R_PHYS + 704);
		KT_EXPECT_EQ(m.report[r].state,
			     m.report[r].phys == R_PHYS + 640 ? PMC_DIRTY : PMC_NT);
	}
	pmc_finish(&m);
	KT_EXPECT_EQ(m.violations, 2);
	KT_EXPECT_EQ(pmc_live_lines(&m), 0);
	pmc_fini(&m);
}

/*
 * The load before a write-back names its line only if it addresses the
 * same operand: same base, index, scale, displacement, REX.B/X, address
 * size and segment. Anything else is a checker error, never trusted.
 */
KTEST(pmemcheck, probe_must_match_the_write_back)
{
	static const uint8_t clwb_rdi[] = { 0x66, 0x0f, 0xae, 0x37 };
	static const uint8_t clwb_r8[] = { 0x66, 0x41, 0x0f, 0xae, 0x30 };
	static const uint8_t clflush_rdi[] = { 0x0f, 0xae, 0x3f };
	static const uint8_t clwb_sib[] = { 0x66, 0x0f, 0xae, 0x74, 0x8f, 0x10 };	/* [rdi+rcx*4+16] */
	static const struct {
		uint8_t b[8];
		size_t n;
		const uint8_t *wb;
		size_t wn;
		bool match;
	} t[] = {
		{ { 0x0f, 0xb6, 0x07 }, 3, clwb_rdi, 4, true },		/* movzx eax, byte [rdi] */
		{ { 0x0f, 0xb6, 0x07 }, 3, clflush_rdi, 3, true },
		{ { 0x8a, 0x07 }, 2, clwb_rdi, 4, true },			/* mov al, [rdi] */
		{ { 0x0f, 0xb6, 0x47, 0x40 }, 4, clwb_rdi, 4, false },	/* [rdi+64]: next line */
		{ { 0x0f, 0xb6, 0x06 }, 3, clwb_rdi, 4, false },		/* [rsi] */
		{ { 0x48, 0x89, 0xf8 }, 3, clwb_rdi, 4, false },		/* mov rax, rdi: no load */
		{ { 0x0f, 0xb6, 0xc7 }, 3, clwb_rdi, 4, false },		/* movzx eax, bh */
		{ { 0x41, 0x0f, 0xb6, 0x00 }, 4, clwb_r8, 5, true },	/* movzx eax, byte [r8] */
		{ { 0x0f, 0xb6, 0x00 }, 3, clwb_r8, 5, false },		/* [rax] vs [r8] */
		{ { 0x67, 0x0f, 0xb6, 0x07 }, 4, clwb_rdi, 4, false },	/* [edi] */
		{ { 0x65, 0x0f, 0xb6, 0x07 }, 4, clwb_rdi, 4, false },	/* gs:[rdi] */
		{ { 0x0f, 0xb6, 0x44, 0x8f, 0x10 }, 5, clwb_sib, 6, true },
		{ { 0x0f, 0xb6, 0x44, 0x4f, 0x10 }, 5, clwb_sib, 6, false },	/* scale 2 */
		{ { 0x0f, 0xb6, 0x05, 0, 0, 0, 0 }, 7, clwb_rdi, 4, false },	/* rip-relative */
	};

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (pmc_probe_matches(t[i].b, t[i].n, t[i].wb, t[i].wn) != t[i].match)
			ktest_fail(__FILE__, __LINE__, "case %u: match %d expected", i, t[i].match);
}
