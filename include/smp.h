/*
 * smp.h - which CPU am I, which CPUs run, and asking another CPU to do a
 * thing. The interface every floor uses for per-CPU data and cross-CPU calls.
 *
 * CPU numbers are dense logical ids: 0 for the boot CPU, then the other
 * CPUs of the platform's list (the MADT's, handed down through
 * apic_set_platform()) in its order; NR_CPUS bounds every per-CPU array.
 * smp_init() (kernel/smp.c) starts the application processors; until then
 * only CPU 0 is online. pfnos has no scheduler: code never moves to
 * another CPU, so smp_processor_id() is stable for as long as it runs.
 *
 * Per-CPU data: struct percpu, one per CPU, on its own cache lines; each
 * CPU's GS base points at its own (IA32_GS_BASE, Intel SDM vol. 3A,
 * 3.4.4.1), so smp_processor_id() and this_cpu_*() are one gs-relative
 * instruction. this_cpu_add() is a single read-modify-write instruction:
 * an interrupt on this CPU cannot split it (other CPUs never write another
 * CPU's counters). per_cpu(cpu) reaches any CPU's copy (for reading).
 *
 * Pure code built for the host (PFNOS_HOST) gets smp_processor_id() and
 * friends from its test's host side.
 */
#ifndef PFNOS_SMP_H
#define PFNOS_SMP_H

#include "compiler.h"
#include "types.h"

#define NR_CPUS		16

enum cpu_state {
	CPU_ABSENT,	/* no such CPU */
	CPU_OFFLINE,	/* present, not started (nosmp, maxcpus=) */
	CPU_STARTING,	/* INIT-SIPI-SIPI sent, not yet arrived */
	CPU_ONLINE,	/* running the kernel */
	CPU_FAILED,	/* did not arrive before the deadline: left out */
	CPU_HOTPLUG,	/* may be hot-added (MADT), never started: left alone */
};

struct smp_call;
struct smp_run;

/* One CPU's own data. The first fields are read by offset from assembly
 * and by the inline accessors below: keep them in place. */
struct percpu {
	struct percpu *self;		/* %gs:0 */
	u32 cpu;			/* %gs:8: smp_processor_id() */
	u32 irq_depth;			/* %gs:12: interrupt handlers running */
	/* counters for `cpus` (this CPU writes, anyone reads) */
	u64 timer_ticks;
	u64 irqs;			/* device and IPI interrupts handled */
	u64 ipis;			/* call-function IPIs handled */
	u64 ios_submitted;		/* bios that passed submit_bio()'s checks here */
	u64 ios_completed;		/* accounted bios completed here */
	/* cross-CPU calls queued for this CPU (kernel/smp.c) */
	struct smp_call *call_queue;
	struct smp_run *run_request;	/* smp_run_start(): run in the idle loop */
	/* this CPU's stacks, for backtraces and the guard-page check */
	u64 stack_lo, stack_hi;		/* the kernel stack */
	u64 ist_lo[2];			/* its IST1 and IST2 stacks' lowest bytes */
	u32 apic_id;
	u32 state;			/* enum cpu_state */
} __aligned(64);

extern struct percpu percpu[NR_CPUS];

#define PERCPU_OFF(field)	__builtin_offsetof(struct percpu, field)

#ifndef PFNOS_HOST
/* This CPU's logical id: one load from %gs:8. */
static inline unsigned smp_processor_id(void)
{
	u32 cpu;

	__asm__("movl %%gs:%c1, %0" : "=r"(cpu) : "i"(PERCPU_OFF(cpu)));
	return cpu;
}

static inline struct percpu *this_cpu_ptr(void)
{
	struct percpu *p;

	__asm__("movq %%gs:%c1, %0" : "=r"(p) : "i"(PERCPU_OFF(self)));
	return p;
}

/* field of this CPU's struct percpu: read, and add to it in one instruction. */
#define this_cpu_read(field) ({						\
	__typeof__(((struct percpu *)0)->field) v_;			\
	__asm__ volatile("mov %%gs:%c1, %0" : "=r"(v_)			\
			 : "i"(PERCPU_OFF(field)) : "memory");		\
	v_; })
#define this_cpu_add(field, val)					\
	__asm__ volatile("add %1, %%gs:%c0"				\
			 :: "i"(PERCPU_OFF(field)),			\
			    "r"((__typeof__(((struct percpu *)0)->field))(val)) \
			 : "memory", "cc")
#define this_cpu_inc(field)	this_cpu_add(field, 1)
#define this_cpu_dec(field)	this_cpu_add(field, -1)
#else
unsigned smp_processor_id(void);
#endif

static inline struct percpu *per_cpu(unsigned cpu)
{
	return &percpu[cpu];
}

/* CPUs started and running the kernel (the boot CPU included). */
unsigned num_online_cpus(void);
bool cpu_online(unsigned cpu);
/* The local APIC id of a logical CPU (MADT order), ~0U when unknown. */
u32 cpu_apic_id(unsigned cpu);
/* A CPU's state; CPU_ABSENT beyond the CPUs found. */
enum cpu_state cpu_state(unsigned cpu);
const char *cpu_state_name(enum cpu_state s);
/* Logical CPUs known (every state but absent). */
unsigned num_present_cpus(void);

#define for_each_online_cpu(cpu) \
	for ((cpu) = 0; (cpu) < NR_CPUS; (cpu)++) \
		if (!cpu_online(cpu)) {} else

typedef void (*smp_call_func_t)(void *arg);
/*
 * Run fn(arg) on CPU cpu (in its interrupt context, interrupts off); on this
 * CPU it is a plain call. wait: return only when fn has returned there.
 * 0, -EINVAL (no such CPU) or -ENODEV (not online).
 * A waiting caller serves calls queued for its own CPU meanwhile, so two
 * CPUs calling each other with interrupts off do not deadlock.
 */
int smp_call_function_single(unsigned cpu, smp_call_func_t fn, void *arg, bool wait);
/* Run fn(arg) on every other online CPU; wait as above. */
void smp_call_function(smp_call_func_t fn, void *arg, bool wait);

/*
 * smp_run_start - have another CPU run fn(arg) in thread context (its idle
 * loop: interrupts on, fn may wait for I/O), and return at once; r is the
 * caller's until smp_run_wait(r), which waits for fn to return there and
 * gives its value. 0, -EINVAL (no such CPU, or this one), -ENODEV (not
 * online) or -EBUSY (that CPU is running another, or it is CPU 0, which
 * runs the shell and has no idle loop). Context: thread.
 */
struct smp_run {
	int (*fn)(void *arg);
	void *arg;
	int ret;
	u32 done;		/* set (release) by the CPU that ran fn */
	unsigned cpu;
};
int smp_run_start(unsigned cpu, struct smp_run *r, int (*fn)(void *arg), void *arg);
int smp_run_wait(struct smp_run *r);

/*
 * smp_run_on - run fn(arg) on CPU cpu in its idle loop (thread context,
 * interrupts on: fn may wait for I/O) and wait for it, serving this CPU's
 * interrupts and deferred work meanwhile (smp_run_start() and
 * smp_run_wait()). Returns fn's value through *ret.
 * 0, -EINVAL (no such CPU), -ENODEV (not online) or -EBUSY (that CPU is
 * already running a request). On this CPU it is a plain call.
 * Context: thread, interrupts on.
 */
int smp_run_on(unsigned cpu, int (*fn)(void *arg), void *arg, int *ret);

/* Set GS base and CPU 0's per-CPU data: the first thing kmain() does. */
void smp_early_init(void);

/*
 * What the floors above core do for every application processor, handed
 * down by kmain() before smp_init() (the core floor cannot name mm).
 * stack_alloc: size bytes of stack with an unmapped guard page below
 * (and above), returns the lowest byte or NULL. ap_setup: this CPU's
 * memory and SIMD state (PAT, global pages, XCR0), run on the AP before it
 * goes online. ap_boot_cr3: page tables (below 4 GiB) that identity-map
 * the low 2 MiB and share the kernel's upper half, for the trampoline's
 * switch to long mode. trampoline_pa/va: a page below 1 MiB, RAM nobody
 * else uses, for the real-mode trampoline (pa 0: none, no APs).
 */
struct smp_platform_ops {
	void *(*stack_alloc)(size_t size);
	void (*ap_setup)(void);
	u64 (*ap_boot_cr3)(void);
	u64 trampoline_pa;
	void *trampoline_va;
};
void smp_set_platform_ops(const struct smp_platform_ops *ops);

/* Bring up the application processors (kernel/smp.c); once, at boot. */
void smp_init(void);

/*
 * Panic support. smp_panic_claim(): true for the first CPU to panic (and
 * for it again); a CPU that gets false must halt, the first one will stop
 * it. smp_stop_others(): stop every other online CPU (an NMI each, in
 * turn), each printing its registers and backtrace before halting for good.
 */
bool smp_panic_claim(void);
void smp_stop_others(void);
/* The NMI handler's part: true if this NMI was a stop request (it never
 * returns then). */
struct pt_regs;
bool smp_handle_stop_nmi(const struct pt_regs *regs);

/* ---- pure logic (kernel/smp_plan.c), host-tested ---- */

struct smp_plan_cpu {
	u32 apic_id;
	bool enabled;		/* MADT flags: Enabled */
	bool hotplug;		/* not enabled but may be hot-added (the MADT's
				 * Online Capable; any disabled entry before
				 * MADT revision 5) */
};

struct smp_plan {
	unsigned ncpus;			/* logical CPUs, the boot CPU as 0 */
	u32 apic_id[NR_CPUS];
	enum cpu_state state[NR_CPUS];	/* OFFLINE, STARTING (to start), HOTPLUG */
	unsigned dropped;		/* platform CPUs beyond NR_CPUS */
	unsigned max_cpus;		/* the limit in force (NR_CPUS when none) */
	char note[96];			/* a log line about maxcpus=, or "" */
};

/*
 * smp_plan_cpus - number the platform's CPUs and decide which to start.
 * @cpus, @n: the platform's list (MADT order); entries neither enabled nor
 *	hot-pluggable are ignored, duplicates of an APIC id too
 * @boot_apic_id: this CPU's APIC id: logical CPU 0 (added if missing)
 * @nosmp: the nosmp option
 * @maxcpus: the maxcpus= value ("" or NULL when absent)
 * As Linux: maxcpus=N starts at most N CPUs counting the boot CPU; 0
 * means none but the boot CPU, as nosmp. A value that is not a number is
 * ignored; one above the CPUs present starts all; each case leaves a note.
 */
void smp_plan_cpus(struct smp_plan *plan, const struct smp_plan_cpu *cpus, unsigned n,
		   u32 boot_apic_id, bool nosmp, const char *maxcpus);

#endif
