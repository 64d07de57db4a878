/*
 * idt.c - the interrupt descriptor table and the C side of interrupt entry.
 *
 * All 256 gates point at kernel/isr.asm's stubs; #DF, NMI and #MC run on IST
 * stacks (kernel/cpu.c). irq_dispatch() sends exceptions to a readable dump
 * and panic (vector name, error code, CR2 for page faults, registers and a
 * backtrace with symbols), and device vectors to registered handlers.
 */
#include "cpu.h"
#include "errno.h"
#include "irq.h"
#include "lib.h"
#include "panic.h"
#include "printk.h"
#include "smp.h"
#include "spinlock.h"

struct idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_hi;
	u32 zero;
} __packed;
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

static struct idt_gate idt[256] __aligned(16);
extern const u64 isr_table[256];

struct irq_slot {
	irq_handler_t fn;
	void *arg;
	const char *name;
	u64 count;
};
static struct irq_slot irq_slots[256];

void (*irq_eoi)(void);
exception_fixup_t exception_fixup;
static u64 unexpected_irqs;
u64 irq_spurious_count;

static const char *const exception_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint",
	"#OF overflow", "#BR bound range", "#UD invalid opcode",
	"#NM device not available", "#DF double fault", "coprocessor overrun",
	"#TS invalid TSS", "#NP segment not present", "#SS stack fault",
	"#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check",
	"#XM SIMD error", "#VE virtualization", "#CP control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25",
	"reserved 26", "reserved 27", "#HV hypervisor injection",
	"#VC VMM communication", "#SX security", "reserved 31",
};

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		u64 addr = isr_table[v];
		struct idt_gate *g = &idt[v];

		g->offset_lo = addr & 0xffff;
		g->selector = 0x08;
		g->ist = (v == 8) ? 1 : (v == 2 || v == 18) ? 2 : 0;
		g->type_attr = 0x8E;	/* present, DPL 0, 64-bit interrupt gate */
		g->offset_mid = (addr >> 16) & 0xffff;
		g->offset_hi = addr >> 32;
		g->zero = 0;
	}
	idt_load();
}

void idt_load(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed ptr = { sizeof(idt) - 1, (u64)idt };
	__asm__ volatile("lidt %0" :: "m"(ptr));
}

/*
 * irq_table_lock guards claiming and freeing a vector; irq_dispatch() reads
 * a slot without it (fn is published last, with WRITE_ONCE). A leaf lock.
 */
static DEFINE_SPINLOCK(irq_table_lock);

static int __irq_register(unsigned vector, irq_handler_t fn, void *arg, const char *name)
{
	if (irq_slots[vector].fn)
		return -EBUSY;
	irq_slots[vector].arg = arg;
	irq_slots[vector].name = name;
	irq_slots[vector].count = 0;
	WRITE_ONCE(irq_slots[vector].fn, fn);
	return 0;
}

int irq_register(unsigned vector, irq_handler_t fn, void *arg, const char *name)
{
	unsigned long flags;
	int err;

	if (vector < IRQ_VECTOR_FIRST || vector > 254 || !fn)
		return -EINVAL;
	flags = spin_lock_irqsave(&irq_table_lock);
	err = __irq_register(vector, fn, arg, name);
	spin_unlock_irqrestore(&irq_table_lock, flags);
	return err;
}

void irq_unregister(unsigned vector)
{
	unsigned long flags;

	if (vector >= 256)
		return;
	flags = spin_lock_irqsave(&irq_table_lock);
	WRITE_ONCE(irq_slots[vector].fn, NULL);
	spin_unlock_irqrestore(&irq_table_lock, flags);
}

int irq_alloc_vector(irq_handler_t fn, void *arg, const char *name)
{
	unsigned long flags;
	int ret = -ENOSPC;

	if (!fn)
		return -EINVAL;
	flags = spin_lock_irqsave(&irq_table_lock);
	for (unsigned v = 48; v < 0xf0; v++) {
		if (__irq_register(v, fn, arg, name) == 0) {
			ret = (int)v;
			break;
		}
	}
	spin_unlock_irqrestore(&irq_table_lock, flags);
	return ret;
}

bool irq_get_info(unsigned vector, const char **name, u64 *count)
{
	if (vector >= 256 || !irq_slots[vector].fn)
		return false;
	*name = irq_slots[vector].name;
	*count = irq_slots[vector].count;
	return true;
}

void dump_regs(const struct pt_regs *r)
{
	pr_emerg("RIP: %016llx CS: %04llx RFLAGS: %08llx\n",
		 (unsigned long long)r->rip, (unsigned long long)r->cs,
		 (unsigned long long)r->rflags);
	pr_emerg("RSP: %016llx SS: %04llx\n", (unsigned long long)r->rsp,
		 (unsigned long long)r->ss);
	pr_emerg("RAX: %016llx RBX: %016llx RCX: %016llx\n",
		 (unsigned long long)r->rax, (unsigned long long)r->rbx,
		 (unsigned long long)r->rcx);
	pr_emerg("RDX: %016llx RSI: %016llx RDI: %016llx\n",
		 (unsigned long long)r->rdx, (unsigned long long)r->rsi,
		 (unsigned long long)r->rdi);
	pr_emerg("RBP: %016llx R8:  %016llx R9:  %016llx\n",
		 (unsigned long long)r->rbp, (unsigned long long)r->r8,
		 (unsigned long long)r->r9);
	pr_emerg("R10: %016llx R11: %016llx R12: %016llx\n",
		 (unsigned long long)r->r10, (unsigned long long)r->r11,
		 (unsigned long long)r->r12);
	pr_emerg("R13: %016llx R14: %016llx R15: %016llx\n",
		 (unsigned long long)r->r13, (unsigned long long)r->r14,
		 (unsigned long long)r->r15);
	pr_emerg("CR0: %016llx CR3: %016llx CR4: %016llx\n",
		 (unsigned long long)read_cr0(), (unsigned long long)read_cr3(),
		 (unsigned long long)read_cr4());
}

static void exception(struct pt_regs *r)
{
	u64 off;
	const char *sym;

	if (r->vector == 2 && smp_handle_stop_nmi(r))
		return;
	if (exception_fixup && exception_fixup(r))
		return;
	printk_panic_mode();
	pr_emerg("\n*** exception %llu: %s, error code 0x%llx\n",
		 (unsigned long long)r->vector, exception_names[r->vector],
		 (unsigned long long)r->error_code);
	if (r->vector == 14) {
		u64 ec = r->error_code;

		pr_emerg("page fault at address %016llx: %s %s, %s mode%s%s\n",
			 (unsigned long long)read_cr2(),
			 ec & 1 ? "protection violation on" : "not-present page on",
			 ec & 16 ? "instruction fetch" : ec & 2 ? "write" : "read",
			 ec & 4 ? "user" : "kernel", ec & 8 ? ", reserved bit set" : "",
			 ec & 32 ? ", protection key" : "");
	}
	if ((r->vector == 8 || r->vector == 14) &&
	    (in_stack_guard(r->rsp) || (r->vector == 14 && in_stack_guard(read_cr2()))))
		pr_emerg("kernel stack overflow: RSP %016llx reached the guard page\n",
			 (unsigned long long)r->rsp);
	sym = ksym_lookup(r->rip, &off);
	pr_emerg("at %s+0x%llx\n", sym ? sym : "?", (unsigned long long)off);
	dump_regs(r);
	dump_stack_from(r->rbp);
	panic_after_dump("unhandled exception %llu (%s)", (unsigned long long)r->vector,
	      exception_names[r->vector]);
}

void irq_dispatch(struct pt_regs *r)
{
	struct irq_slot *s;
	irq_handler_t fn;

	if (r->vector < 32) {
		exception(r);
		return;
	}
	this_cpu_inc(irq_depth);
	this_cpu_inc(irqs);
	s = &irq_slots[r->vector];
	fn = READ_ONCE(s->fn);
	if (fn) {
		__atomic_fetch_add(&s->count, 1, __ATOMIC_RELAXED);	/* any CPU */
		fn(r, s->arg);
	} else if (r->vector == IRQ_VECTOR_SPURIOUS) {
		/* no EOI for a spurious interrupt (Intel SDM vol. 3A, 11.9) */
		if (irq_spurious_count++ < 16)
			pr_warn("irq: spurious interrupt (vector 0xff)\n");
	} else if (unexpected_irqs++ < 16) {
		pr_warn("irq: unexpected vector %llu\n", (unsigned long long)r->vector);
	}
	if (r->vector != IRQ_VECTOR_SPURIOUS && irq_eoi)
		irq_eoi();
	this_cpu_dec(irq_depth);
}
