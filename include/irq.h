/*
 * irq.h - interrupt and exception entry.
 *
 * kernel/isr.asm has one stub per vector; each saves the registers as a
 * struct pt_regs and calls irq_dispatch(). Vectors 0-31 are CPU exceptions
 * (a readable dump, then panic unless a fixup handler claims it); 32-255 go
 * to handlers registered with irq_register(), and an unexpected vector is
 * logged, not fatal. The local APIC's EOI is sent by the dispatcher through
 * the hook the APIC driver installs.
 */
#ifndef PFNOS_IRQ_H
#define PFNOS_IRQ_H

#include "types.h"
#ifndef PFNOS_HOST
#include "cpu.h"
#include "smp.h"
#endif

struct pt_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;	/* pushed by the CPU */
};

#define IRQ_VECTOR_FIRST	32
#define IRQ_VECTOR_SPURIOUS	0xff

typedef void (*irq_handler_t)(struct pt_regs *regs, void *arg);

/* The boot CPU's GDT, TSS and IST stacks; an AP's, with its IST stacks
 * (IST1 #DF, IST2 NMI and #MC). */
#define CPU_IST_STACK_SIZE	8192
void gdt_init(void);
void gdt_init_cpu(unsigned cpu, u64 ist1_top, u64 ist2_top);
void idt_init(void);
/* Load the IDT idt_init() built (an application processor). */
void idt_load(void);
/* Claim a vector (32..254). Returns 0, -EBUSY or -EINVAL. */
int irq_register(unsigned vector, irq_handler_t fn, void *arg, const char *name);
void irq_unregister(unsigned vector);
/* Find a free vector at or above 48 and claim it; -ENOSPC when none. */
int irq_alloc_vector(irq_handler_t fn, void *arg, const char *name);
/* Set by the APIC driver: acknowledge the interrupt being handled. */
extern void (*irq_eoi)(void);
#ifndef PFNOS_HOST
/* Interrupt handlers running on this CPU (percpu.irq_depth; 0 outside any). */
static inline bool in_interrupt(void) { return this_cpu_read(irq_depth) != 0; }
#endif

/* A fixup lets a test provoke an exception and survive it: when set and
 * the handler returns true, execution resumes at regs->rip as modified. */
typedef bool (*exception_fixup_t)(struct pt_regs *regs);
extern exception_fixup_t exception_fixup;

/*
 * Interrupt masking on this CPU: the one API for it, in every floor.
 * local_irq_save() disables interrupts and returns the previous state;
 * local_irq_restore(flags) enables them again only if they were enabled
 * then, so sections nest (restore in reverse order). In the kernel the
 * state is RFLAGS.IF (cli/sti; Intel SDM vol. 3A, 6.8.1). Pure code built
 * for the host (PFNOS_HOST: block/, the DMA core, drivers/nvme/nvme_*.c in
 * tests/unit/) gets them from the test's host side (tests/unit/block_host.c,
 * test_dma.c, test_nvme_prp.c), which checks the nesting.
 */
#ifdef PFNOS_HOST
unsigned long local_irq_save(void);
void local_irq_restore(unsigned long flags);
#else
static inline unsigned long local_irq_save(void)
{
	unsigned long f = read_rflags();

	local_irq_disable();
	return f;
}
static inline void local_irq_restore(unsigned long f)
{
	if (f & (1UL << 9))	/* RFLAGS.IF (SDM vol. 1, 3.4.3) */
		local_irq_enable();
}
#endif

void dump_regs(const struct pt_regs *regs);
/* For `irqs`: false for a free vector, else its name and count. */
bool irq_get_info(unsigned vector, const char **name, u64 *count);
/* Spurious (0xff) interrupts seen. */
extern u64 irq_spurious_count;

#endif
