/*
 * cpu.h - x86_64 instructions the kernel needs, as inline functions:
 * port I/O, control registers, MSRs, CPUID, TSC, interrupts, cache flushes.
 * (Intel SDM vol. 2 for the instructions, vol. 3A for the registers.)
 */
#ifndef PFNOS_CPU_H
#define PFNOS_CPU_H

#include "types.h"

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(u16 port, u16 v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(u16 port, u32 v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u16 inw(u16 port) { u16 v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline u32 inl(u16 port) { u32 v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline void cpuid_count(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
static inline void cpuid(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	cpuid_count(leaf, 0, a, b, c, d);
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}
static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" :: "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

#define MSR_EFER	0xC0000080
#define EFER_NXE	(1ULL << 11)
#define MSR_PAT		0x277
#define MSR_APIC_BASE	0x1B
#define MSR_GS_BASE	0xC0000101

static inline u64 read_cr0(void) { u64 v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline u64 read_cr2(void) { u64 v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline u64 read_cr3(void) { u64 v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline u64 read_cr4(void) { u64 v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr0(u64 v) { __asm__ volatile("mov %0, %%cr0" :: "r"(v) : "memory"); }
static inline void write_cr3(u64 v) { __asm__ volatile("mov %0, %%cr3" :: "r"(v) : "memory"); }
static inline void write_cr4(u64 v) { __asm__ volatile("mov %0, %%cr4" :: "r"(v) : "memory"); }
static inline void invlpg(const void *va) { __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory"); }

static inline u64 read_rflags(void) { u64 f; __asm__ volatile("pushfq; popq %0" : "=r"(f)); return f; }
static inline void local_irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void local_irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
static inline bool irqs_enabled(void) { return (read_rflags() >> 9) & 1; }
static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void halt(void) { __asm__ volatile("hlt" ::: "memory"); }
/* Enable interrupts and halt in one step: no wakeup lost between them. */
static inline void safe_halt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

static inline void sfence(void) { __asm__ volatile("sfence" ::: "memory"); }
static inline void mfence(void) { __asm__ volatile("mfence" ::: "memory"); }
static inline void clflush(const void *p) { __asm__ volatile("clflush (%0)" :: "r"(p) : "memory"); }
static inline void clflushopt(const void *p) { __asm__ volatile(".byte 0x66; clflush (%0)" :: "r"(p) : "memory"); }
static inline void clwb(const void *p) { __asm__ volatile(".byte 0x66, 0x0f, 0xae, 0x30" :: "a"(p) : "memory"); }

/* CPU features found at boot by cpu_init() (kernel/cpu.c). */
struct cpu_features {
	bool nx, pdpe1gb, clflushopt, clwb, xsave, avx, avx2, erms, invariant_tsc;
	bool x2apic, hypervisor;
	u8 phys_bits, virt_bits;
	u32 clflush_size;
	char vendor[13];
	char brand[49];
};
extern struct cpu_features cpu_features;
void cpu_init(void);

#endif
