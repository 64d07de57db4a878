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

struct pt_regs {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;	/* pushed by the CPU */
};

#define IRQ_VECTOR_FIRST	32
#define IRQ_VECTOR_SPURIOUS	0xff

typedef void (*irq_handler_t)(struct pt_regs *regs, void *arg);

void gdt_init(void);
void idt_init(void);
/* Claim a vector (32..254). Returns 0, -EBUSY or -EINVAL. */
int irq_register(unsigned vector, irq_handler_t fn, void *arg, const char *name);
void irq_unregister(unsigned vector);
/* Find a free vector at or above 48 and claim it; -ENOSPC when none. */
int irq_alloc_vector(irq_handler_t fn, void *arg, const char *name);
/* Set by the APIC driver: acknowledge the interrupt being handled. */
extern void (*irq_eoi)(void);
/* Nesting depth of interrupt handlers on this CPU (0 outside any). */
extern unsigned irq_depth;
static inline bool in_interrupt(void) { return irq_depth != 0; }

/* A fixup lets a test provoke an exception and survive it: when set and
 * the handler returns true, execution resumes at regs->rip as modified. */
typedef bool (*exception_fixup_t)(struct pt_regs *regs);
extern exception_fixup_t exception_fixup;

void dump_regs(const struct pt_regs *regs);
/* For `irqs`: false for a free vector, else its name and count. */
bool irq_get_info(unsigned vector, const char **name, u64 *count);
/* Spurious (0xff) interrupts seen. */
extern u64 irq_spurious_count;

#endif
