/*
 * cpu.c - CPU feature detection and the kernel's own GDT and TSS.
 *
 * cpu_init() reads CPUID once (Intel SDM vol. 2A, CPUID) into cpu_features.
 * gdt_init() replaces the boot GDT with one holding a 64-bit TSS whose IST1
 * stack serves #DF and IST2 NMI and #MC, so a kernel stack overflow into
 * the guard page still produces a readable dump instead of a triple fault.
 * Every CPU has its own GDT and TSS (a TSS descriptor is marked busy when
 * loaded, so two CPUs cannot share one): gdt_init_cpu() sets up an
 * application processor's with the IST stacks kernel/smp.c gave it.
 */
#include "compiler.h"
#include "cpu.h"
#include "irq.h"
#include "lib.h"
#include "smp.h"

struct cpu_features cpu_features;

void cpu_init(void)
{
	struct cpu_features *f = &cpu_features;
	u32 a, b, c, d, max, maxext;

	cpuid(0, &max, &b, &c, &d);
	memcpy(f->vendor, &b, 4);
	memcpy(f->vendor + 4, &d, 4);
	memcpy(f->vendor + 8, &c, 4);
	f->vendor[12] = '\0';
	cpuid(1, &a, &b, &c, &d);
	f->clflush_size = ((b >> 8) & 0xff) * 8;
	f->x2apic = c & BIT(21);
	f->xsave = c & BIT(26);
	f->avx = c & BIT(28);
	f->hypervisor = c & BIT(31);
	if (max >= 7) {
		cpuid_count(7, 0, &a, &b, &c, &d);
		f->avx2 = b & BIT(5);
		f->erms = b & BIT(9);
		f->clflushopt = b & BIT(23);
		f->clwb = b & BIT(24);
	}
	cpuid(0x80000000, &maxext, &b, &c, &d);
	if (maxext >= 0x80000001) {
		cpuid(0x80000001, &a, &b, &c, &d);
		f->nx = d & BIT(20);
		f->pdpe1gb = d & BIT(26);
	}
	if (maxext >= 0x80000004) {
		u32 *p = (u32 *)f->brand;

		for (u32 i = 0; i < 3; i++)
			cpuid(0x80000002 + i, &p[i * 4], &p[i * 4 + 1], &p[i * 4 + 2],
			      &p[i * 4 + 3]);
		f->brand[48] = '\0';
	}
	if (maxext >= 0x80000007) {
		cpuid(0x80000007, &a, &b, &c, &d);
		f->invariant_tsc = d & BIT(8);
	}
	f->phys_bits = 36;
	f->virt_bits = 48;
	if (maxext >= 0x80000008) {
		cpuid(0x80000008, &a, &b, &c, &d);
		f->phys_bits = a & 0xff;
		f->virt_bits = (a >> 8) & 0xff;
	}
}

/* 64-bit TSS (Intel SDM vol. 3A, 8.7 "Task Management in 64-bit Mode") */
struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;
_Static_assert(sizeof(struct tss64) == 104, "TSS layout");

#define GDT_KERNEL_CS	0x08
#define GDT_KERNEL_DS	0x10
#define GDT_TSS		0x18

static struct tss64 tss[NR_CPUS] __aligned(64);
static u8 ist_stack[2][CPU_IST_STACK_SIZE] __aligned(16);	/* the boot CPU's */
static u64 gdt[NR_CPUS][5] __aligned(64);

void gdt_init(void)
{
	struct percpu *p = per_cpu(0);

	p->ist_lo[0] = (u64)ist_stack[0];
	p->ist_lo[1] = (u64)ist_stack[1];
	gdt_init_cpu(0, (u64)&ist_stack[0][sizeof(ist_stack[0])],
		     (u64)&ist_stack[1][sizeof(ist_stack[1])]);
}

void gdt_init_cpu(unsigned cpu, u64 ist1_top, u64 ist2_top)
{
	struct tss64 *t = &tss[cpu];
	u64 *g = gdt[cpu];
	u64 base = (u64)t, limit = sizeof(*t) - 1;
	struct {
		u16 limit;
		u64 base;
	} __packed ptr = { sizeof(gdt[cpu]) - 1, (u64)g };

	g[0] = 0;
	g[1] = 0x00AF9A000000FFFFULL;	/* 64-bit code */
	g[2] = 0x00CF92000000FFFFULL;	/* data */
	/* 16-byte TSS descriptor: type 9 (available 64-bit TSS), present */
	g[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
	       (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	g[4] = base >> 32;
	t->ist[0] = ist1_top;
	t->ist[1] = ist2_top;
	t->iomap_base = sizeof(*t);
	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"mov %2, %%ds\n\t"
		"mov %2, %%es\n\t"
		"mov %2, %%ss\n\t"
		"ltr %w3"
		:: "m"(ptr), "i"(GDT_KERNEL_CS), "r"((u64)GDT_KERNEL_DS), "r"(GDT_TSS)
		: "rax", "memory");
}
