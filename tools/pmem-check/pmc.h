/*
 * pmc.h - the persistence checker's pure logic, free of QEMU so that
 * tests/unit/test_pmemcheck.c runs it on the host under sanitizers:
 *
 *   pmc_decode()  classifies one x86-64 instruction from its bytes: plain
 *                 instruction, write-back (CLWB, CLFLUSHOPT, CLFLUSH), fence
 *                 (SFENCE, MFENCE, LOCK-prefixed, XCHG with memory),
 *                 non-temporal store (MOVNTI, MOVNTDQ, MOVNTPS/PD, MOVNTQ,
 *                 MASKMOVDQU/MASKMOVQ, their VEX forms), or a pfnos marker
 *                 (include/pmem_check.h).
 *   struct pmc    the model: per 64-byte line of persistent memory and per
 *                 vCPU, what that vCPU's stores left undone (Intel SDM
 *                 vol. 2 CLWB/CLFLUSHOPT/CLFLUSH/MOVNTI/SFENCE/MFENCE,
 *                 vol. 3A 9.2 memory ordering):
 *                   plain store             -> DIRTY
 *                   CLWB/CLFLUSHOPT by c    -> every vCPU's DIRTY becomes
 *                                              WB pending on c's next fence
 *                   CLFLUSH                 -> written back (clean)
 *                   non-temporal store by c -> NT pending on c's next fence
 *                   SFENCE/MFENCE/locked by c -> c's pending complete
 *                 A durability point on vCPU c at interrupt level L reports
 *                 every line c stored at level L that is not clean, then
 *                 forgets it (each lost store is reported once). Lines a
 *                 handler left are handed to the interrupted level when it
 *                 returns.
 *   pmc_syms      an ELF64 symbol table, to name guest addresses.
 *
 * Lines are keyed by QEMU's RAM-block offset (what the plugin API gives);
 * regions learnt by calibration translate them to guest-physical addresses.
 */
#ifndef PFNOS_PMC_H
#define PFNOS_PMC_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define PMC_LINE		64
#define PMC_MAX_VCPUS		16
#define PMC_MAX_REGIONS		32
#define PMC_MAX_REPORTS		20
#define PMC_MAX_SITES		32

/* ---- instruction classes ---- */
enum pmc_insn_kind {
	PMC_I_PLAIN,		/* anything else: its stores are plain stores */
	PMC_I_CLWB,
	PMC_I_CLFLUSHOPT,
	PMC_I_CLFLUSH,
	PMC_I_FENCE,		/* SFENCE, MFENCE, LOCK prefix, XCHG m */
	PMC_I_NT_STORE,		/* its stores are non-temporal */
	PMC_I_MARKER,		/* pfnos marker: kind and arg in pmc_insn */
};

struct pmc_insn {
	enum pmc_insn_kind kind;
	unsigned mark_kind, mark_arg;	/* PMC_I_MARKER */
};

/* Classify the instruction in b[0..n). Unknown or truncated bytes are
 * PMC_I_PLAIN (their stores, if any, count as plain stores). */
struct pmc_insn pmc_decode(const uint8_t *b, size_t n);

/* Does the instruction p (movzx r, byte [m] or mov r8, [m]) load from the
 * very memory operand of the write-back wb? (RIP-relative never matches.) */
bool pmc_probe_matches(const uint8_t *p, size_t pn, const uint8_t *wb, size_t wn);

/* ---- the model ---- */
enum {
	PMC_DIRTY = 1,		/* stored, not written back */
	PMC_WB = 2,		/* write-back issued, not yet fenced */
	PMC_NT = 4,		/* non-temporal store not yet fenced */
};

struct pmc_region {
	uint64_t off;		/* RAM-block offset of the first byte */
	uint64_t size;		/* 0 until CAL_END */
	uint64_t phys;		/* guest-physical base, from CAL_BIT loads */
};

struct pmc_violation {
	uint64_t off;		/* RAM-block offset of the line */
	uint64_t phys;		/* its guest-physical address, ~0 if unknown */
	unsigned state;		/* PMC_DIRTY / PMC_WB / PMC_NT (the worst) */
	uint64_t point_pc;	/* the durability point's marker */
	unsigned point_id;	/* its enum pmem_check_point */
	uint64_t store_pc;	/* the last store to the line */
	unsigned vcpu;
};

struct pmc_line;
struct pmc_vcpu;

struct pmc {
	struct pmc_line *lines;		/* open-addressed table */
	size_t cap, used;
	struct pmc_vcpu *vcpu;		/* PMC_MAX_VCPUS */
	struct pmc_region region[PMC_MAX_REGIONS];
	unsigned nr_regions;
	int cal;			/* region being calibrated, -1 none */
	uint64_t stores, points, violations, errors;
	struct pmc_violation report[PMC_MAX_REPORTS];
	unsigned nr_reports;
	struct { uint64_t pc, point_pc, count; } site[PMC_MAX_SITES];	/* per store site */
	unsigned nr_sites;
	uint64_t sites_dropped;		/* violations of sites past PMC_MAX_SITES */
};

int pmc_init(struct pmc *m);
void pmc_fini(struct pmc *m);

/* The region holding RAM-block offset off, or NULL. */
const struct pmc_region *pmc_region_of(const struct pmc *m, uint64_t off);
/* Guest-physical address of off (~0 if unknown). */
uint64_t pmc_phys(const struct pmc *m, uint64_t off);

/* Events; vcpu < PMC_MAX_VCPUS, off a RAM-block offset. */
void pmc_store(struct pmc *m, unsigned vcpu, uint64_t off, unsigned size,
	       bool nt, uint64_t pc);
void pmc_writeback(struct pmc *m, unsigned vcpu, uint64_t off,
		   enum pmc_insn_kind how);
void pmc_fence(struct pmc *m, unsigned vcpu);
void pmc_point(struct pmc *m, unsigned vcpu, uint64_t pc, unsigned id);
/* The run ended: every line still not clean is a violation (point id 0). */
void pmc_finish(struct pmc *m);
void pmc_irq_enter(struct pmc *m, unsigned vcpu);
void pmc_irq_exit(struct pmc *m, unsigned vcpu);
/* Calibration: a load of off after a CAL marker (kind, arg). */
void pmc_calibrate(struct pmc *m, unsigned kind, unsigned arg, uint64_t off);
/* Lines not clean for any vCPU (for tests). */
size_t pmc_live_lines(const struct pmc *m);
const char *pmc_state_name(unsigned state);

/* ---- symbols ---- */
struct pmc_sym {
	uint64_t addr, size;
	const char *name;
};

struct pmc_syms {
	struct pmc_sym *sym;
	size_t n;
	char *strtab;
};

/* Read the function and object symbols of an ELF64 file image. */
int pmc_syms_load(struct pmc_syms *s, const uint8_t *img, size_t len);
void pmc_syms_free(struct pmc_syms *s);
/* "name+0xoff" for addr into buf, or the bare hex address. */
const char *pmc_syms_name(const struct pmc_syms *s, uint64_t addr, char *buf,
			  size_t len);

#endif
