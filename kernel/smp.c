/*
 * smp.c - starting the application processors, per-CPU data, cross-CPU
 * calls and stopping the other CPUs on a panic (include/smp.h).
 *
 * Bring-up (smp_init(), once, on the boot CPU after the APIC, the tick and
 * memory are up): smp_plan_cpus() numbers the platform's CPUs; each one to
 * start gets a kernel stack and two IST stacks, each with unmapped guard
 * pages (the platform ops' stack_alloc), and an entry in smp_boot_table
 * (APIC id -> stack). The trampoline (kernel/trampoline.asm) is copied to
 * the low page the platform ops name; then, for all APs together, the
 * Intel SDM's MP initialization protocol (vol. 3A, 8.4.4.1): INIT, 10 ms,
 * a startup IPI, 200 us, a second startup IPI to those not yet arrived;
 * then up to smp.timeout_ms (default 500) for each to check in. As Linux
 * (cpu_init_udelay), the 10 ms after INIT is skipped on processors that
 * need none (Intel family 6, AMD family 0xF and later); smp.init_udelay=
 * sets it in microseconds. An AP
 * arrives in smp_ap_start() on its own stack and sets up its GS base, GDT
 * and TSS, IDT, local APIC and tick, and the platform's per-CPU state
 * (PAT, global pages, SIMD), then turns its state from STARTING to ONLINE
 * with a compare-and-swap. The boot CPU turns a latecomer's STARTING into
 * FAILED the same way, so a CPU is either online in time or never: a late
 * AP finds FAILED and parks with interrupts off.
 *
 * An online AP runs smp_idle(): it halts with interrupts on, serves
 * call-function IPIs (APIC_CALL_VECTOR) in interrupt context and
 * smp_run_start() requests (smp_run_on()) in thread context.
 *
 * Cross-CPU calls: every CPU has a lock-free list of struct smp_call
 * (percpu.call_queue); a caller pushes with a compare-and-swap and sends
 * the IPI; the handler takes the whole list with an exchange and runs it
 * in the order queued. A waiting call lives on the caller's stack and
 * ends when the target stores done (release); a call that does not wait
 * uses the caller's slot for that target (async_calls), reused once done.
 *
 * Panic: smp_stop_others() sends an NMI to each other online CPU in turn
 * and waits (bounded) for it to print its registers and backtrace, so
 * the dumps do not interleave; each then halts with interrupts off.
 */
#include "apic.h"
#include "boot.h"
#include "cmdline.h"
#include "cpu.h"
#include "errno.h"
#include "irq.h"
#include "lib.h"
#include "panic.h"
#include "printk.h"
#include "smp.h"
#include "time.h"
#include "work.h"

#define SMP_STACK_SIZE		(32 * 1024)	/* as the boot stack */
#define SMP_TIMEOUT_MS		500

struct percpu percpu[NR_CPUS];

/* Read by smp_ap_entry64 (kernel/trampoline.asm): 16 bytes, in this order. */
struct smp_boot_entry {
	u32 apic_id;		/* ~0U: unused */
	u32 cpu;
	u64 stack_top;
};
_Static_assert(sizeof(struct smp_boot_entry) == 16, "trampoline.asm ENTRY_SIZE");
struct smp_boot_entry smp_boot_table[NR_CPUS];

/* The data block at the end of the trampoline (trampoline.asm tr_data). */
struct smp_tr_data {
	u32 boot_cr3;
	u32 efer;
	u64 kernel_cr3;
	u64 entry;
} __packed;

extern const char smp_trampoline_start[], smp_trampoline_end[];
void smp_ap_entry64(void);

struct smp_call {
	struct smp_call *next;
	smp_call_func_t fn;
	void *arg;
	int ret;
	u32 done;		/* set (release) by the target when finished */
	bool wait;
};

static struct smp_platform_ops platform_ops;
static unsigned nr_present = 1, nr_online = 1;
static struct smp_call async_calls[NR_CPUS][NR_CPUS];	/* [caller][target] */
static u64 bringup_us, init_wait_us;

static u32 stop_cpu = ~0U;	/* the panicking CPU */
static u32 stop_done;		/* CPUs that printed their state */

void smp_early_init(void)
{
	struct percpu *p = &percpu[0];
	u32 a, b, c, d;

	cpuid(1, &a, &b, &c, &d);	/* the initial APIC id, EBX[31:24], until smp_init() */
	p->self = p;
	p->cpu = 0;
	p->state = CPU_ONLINE;
	p->apic_id = b >> 24;
	for (unsigned i = 0; i < NR_CPUS; i++)
		smp_boot_table[i].apic_id = ~0U;
	wrmsr(MSR_GS_BASE, (u64)p);
}

void smp_set_platform_ops(const struct smp_platform_ops *ops)
{
	platform_ops = *ops;
}

unsigned num_online_cpus(void)
{
	return READ_ONCE(nr_online);
}

unsigned num_present_cpus(void)
{
	return nr_present;
}

enum cpu_state cpu_state(unsigned cpu)
{
	if (cpu >= NR_CPUS || cpu >= nr_present)
		return CPU_ABSENT;
	return (enum cpu_state)__atomic_load_n(&percpu[cpu].state, __ATOMIC_ACQUIRE);
}

bool cpu_online(unsigned cpu)
{
	return cpu_state(cpu) == CPU_ONLINE;
}

u32 cpu_apic_id(unsigned cpu)
{
	if (cpu >= NR_CPUS || cpu >= nr_present)
		return ~0U;
	return percpu[cpu].apic_id;
}

const char *cpu_state_name(enum cpu_state s)
{
	switch (s) {
	case CPU_OFFLINE:	return "offline";
	case CPU_STARTING:	return "starting";
	case CPU_ONLINE:	return "online";
	case CPU_FAILED:	return "failed";
	case CPU_HOTPLUG:	return "hotplug";
	default:		return "absent";
	}
}

/* ---- cross-CPU calls ---- */

static void smp_enqueue(unsigned cpu, struct smp_call *c)
{
	struct smp_call **head = &percpu[cpu].call_queue;
	struct smp_call *old = __atomic_load_n(head, __ATOMIC_RELAXED);

	do {
		c->next = old;
	} while (!__atomic_compare_exchange_n(head, &old, c, true, __ATOMIC_RELEASE,
					      __ATOMIC_RELAXED));
	apic_send_ipi(percpu[cpu].apic_id, APIC_CALL_VECTOR);
}

/* Run the calls queued for this CPU, oldest first. Interrupts off. */
static void smp_serve_calls(void)
{
	struct smp_call *list, *prev = NULL;

	list = __atomic_exchange_n(&this_cpu_ptr()->call_queue, NULL, __ATOMIC_ACQUIRE);
	while (list) {			/* the list is newest first: reverse it */
		struct smp_call *next = list->next;

		list->next = prev;
		prev = list;
		list = next;
	}
	while (prev) {
		struct smp_call *c = prev;
		smp_call_func_t fn = c->fn;
		void *arg = c->arg;

		prev = c->next;
		if (c->wait) {
			fn(arg);
			__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
		} else {
			__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);	/* slot free */
			fn(arg);
		}
	}
}

static void smp_call_irq(struct pt_regs *regs, void *arg)
{
	this_cpu_inc(ipis);
	smp_serve_calls();
}

/* Wait for done; with interrupts off, serve this CPU's own calls meanwhile
 * (as its IPI handler would), so two CPUs waiting on each other progress. */
static void smp_wait_done(const u32 *done)
{
	while (!__atomic_load_n(done, __ATOMIC_ACQUIRE)) {
		if (!irqs_enabled() && READ_ONCE(this_cpu_ptr()->call_queue)) {
			this_cpu_inc(irq_depth);
			smp_serve_calls();
			this_cpu_dec(irq_depth);
		}
		cpu_relax();
	}
}

static int smp_call_check(unsigned cpu)
{
	if (cpu >= NR_CPUS || cpu >= nr_present)
		return -EINVAL;
	if (!cpu_online(cpu))
		return -ENODEV;
	return 0;
}

static void smp_call_post(unsigned cpu, smp_call_func_t fn, void *arg, bool wait,
			  struct smp_call *on_stack)
{
	struct smp_call *c = on_stack;
	unsigned long flags = local_irq_save();

	if (!wait) {
		c = &async_calls[smp_processor_id()][cpu];
		while (c->fn && !__atomic_load_n(&c->done, __ATOMIC_ACQUIRE)) {
			local_irq_restore(flags);	/* the slot's last call is queued */
			smp_wait_done(&c->done);
			flags = local_irq_save();
		}
	}
	c->fn = fn;
	c->arg = arg;
	c->wait = wait;
	__atomic_store_n(&c->done, 0, __ATOMIC_RELAXED);
	smp_enqueue(cpu, c);
	local_irq_restore(flags);
}

int smp_call_function_single(unsigned cpu, smp_call_func_t fn, void *arg, bool wait)
{
	struct smp_call c = { 0 };
	int err = smp_call_check(cpu);

	if (err)
		return err;
	if (cpu == smp_processor_id()) {
		unsigned long flags = local_irq_save();

		fn(arg);
		local_irq_restore(flags);
		return 0;
	}
	smp_call_post(cpu, fn, arg, wait, &c);
	if (wait)
		smp_wait_done(&c.done);
	return 0;
}

void smp_call_function(smp_call_func_t fn, void *arg, bool wait)
{
	struct smp_call c[NR_CPUS];
	unsigned self = smp_processor_id(), cpu;

	memset(c, 0, sizeof(c));
	for_each_online_cpu(cpu)
		if (cpu != self)
			smp_call_post(cpu, fn, arg, wait, &c[cpu]);
	if (!wait)
		return;
	for_each_online_cpu(cpu)
		if (cpu != self && c[cpu].fn)
			smp_wait_done(&c[cpu].done);
}

int smp_run_start(unsigned cpu, struct smp_run *r, int (*fn)(void *arg), void *arg)
{
	struct smp_run *none = NULL;
	int err = smp_call_check(cpu);

	if (err)
		return err;
	if (cpu == smp_processor_id())
		return -EINVAL;
	if (cpu == 0)
		return -EBUSY;	/* the boot CPU runs the shell, never the idle loop */
	r->fn = fn;
	r->arg = arg;
	r->ret = 0;
	r->cpu = cpu;
	__atomic_store_n(&r->done, 0, __ATOMIC_RELAXED);
	if (!__atomic_compare_exchange_n(&percpu[cpu].run_request, &none, r, false,
					 __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		return -EBUSY;
	apic_send_ipi(percpu[cpu].apic_id, APIC_CALL_VECTOR);	/* wake its halt */
	return 0;
}

int smp_run_wait(struct smp_run *r)
{
	while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
		work_run_pending();
		cpu_relax();
	}
	return r->ret;
}

int smp_run_on(unsigned cpu, int (*fn)(void *arg), void *arg, int *ret)
{
	struct smp_run r;
	int err;

	if (cpu < NR_CPUS && cpu == smp_processor_id()) {
		*ret = fn(arg);
		return 0;
	}
	err = smp_run_start(cpu, &r, fn, arg);
	if (err)
		return err;
	*ret = smp_run_wait(&r);
	return 0;
}

/* ---- application processors ---- */

static void __noreturn smp_idle(void)
{
	struct percpu *me = this_cpu_ptr();

	for (;;) {
		struct smp_run *r;

		local_irq_disable();
		r = __atomic_load_n(&me->run_request, __ATOMIC_ACQUIRE);
		if (!r) {
			safe_halt();	/* sti; hlt: an IPI after the check wakes it */
			continue;
		}
		local_irq_enable();
		r->ret = r->fn(r->arg);
		__atomic_store_n(&me->run_request, NULL, __ATOMIC_RELEASE);
		__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
	}
}

static void __noreturn smp_park(void)
{
	for (;;) {
		local_irq_disable();
		halt();
	}
}

/* Fault injection for the deadline test: smp.stall=<cpu> keeps that CPU
 * from checking in until the boot CPU has given up on it. */
static u32 stall_cpu = ~0U;

void __noreturn smp_ap_start(const struct smp_boot_entry *e);
void __noreturn smp_ap_start(const struct smp_boot_entry *e)
{
	unsigned cpu = e->cpu;
	struct percpu *p = &percpu[cpu];
	u32 starting = CPU_STARTING;

	wrmsr(MSR_GS_BASE, (u64)p);
	gdt_init_cpu(cpu, p->ist_lo[0] + CPU_IST_STACK_SIZE, p->ist_lo[1] + CPU_IST_STACK_SIZE);
	idt_load();
	if (platform_ops.ap_setup)
		platform_ops.ap_setup();
	apic_init_ap();
	if (cpu == READ_ONCE(stall_cpu))
		while (__atomic_load_n(&p->state, __ATOMIC_ACQUIRE) == CPU_STARTING)
			cpu_relax();
	if (!__atomic_compare_exchange_n(&p->state, &starting, CPU_ONLINE, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		smp_park();	/* too late: the boot CPU reported us failed */
	__atomic_add_fetch(&nr_online, 1, __ATOMIC_RELEASE);
	local_irq_enable();
	smp_idle();
}

/* Stacks for one AP: a kernel stack and two IST stacks, each guarded. */
static int smp_alloc_stacks(struct percpu *p)
{
	u8 *stack, *ist1, *ist2;

	if (!platform_ops.stack_alloc)
		return -ENOMEM;
	stack = platform_ops.stack_alloc(SMP_STACK_SIZE);
	ist1 = platform_ops.stack_alloc(CPU_IST_STACK_SIZE);
	ist2 = platform_ops.stack_alloc(CPU_IST_STACK_SIZE);
	if (!stack || !ist1 || !ist2)
		return -ENOMEM;		/* setup-time memory: nothing to give back */
	p->stack_lo = (u64)stack;
	p->stack_hi = (u64)stack + SMP_STACK_SIZE;
	p->ist_lo[0] = (u64)ist1;
	p->ist_lo[1] = (u64)ist2;
	return 0;
}

static void smp_apply_plan(const struct smp_plan *plan)
{
	nr_present = plan->ncpus;
	for (unsigned i = 0; i < plan->ncpus; i++) {
		struct percpu *p = &percpu[i];

		p->self = p;
		p->cpu = i;
		p->apic_id = plan->apic_id[i];
		__atomic_store_n(&p->state, plan->state[i], __ATOMIC_RELEASE);
	}
}

static unsigned smp_still_starting(void)
{
	unsigned n = 0;

	for (unsigned i = 1; i < nr_present; i++)
		n += cpu_state(i) == CPU_STARTING;
	return n;
}

/* Linux's smp_quirk_init_udelay(): modern CPUs need no wait after INIT. */
static u64 smp_init_udelay(void)
{
	u32 a, b, c, d, family;

	if (kernel_param("smp.init_udelay"))
		return kernel_param_u64("smp.init_udelay", 10000);
	cpuid(1, &a, &b, &c, &d);
	family = (a >> 8) & 0xf;
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	if ((!strcmp(cpu_features.vendor, "GenuineIntel") && family == 6) ||
	    (!strcmp(cpu_features.vendor, "AuthenticAMD") && family >= 0xf))
		return 0;
	return 10000;
}

static void smp_start_aps(unsigned nstart)
{
	struct smp_tr_data *d;
	u64 start_pa = platform_ops.trampoline_pa, t0 = rdtsc(), deadline;
	u64 timeout_ms = kernel_param_u64("smp.timeout_ms", SMP_TIMEOUT_MS);
	size_t len = smp_trampoline_end - smp_trampoline_start;
	unsigned k = 0;

	for (unsigned i = 1; i < nr_present; i++) {
		struct percpu *p = &percpu[i];

		if (p->state != CPU_STARTING)
			continue;
		if (smp_alloc_stacks(p)) {
			pr_err("smp: cpu%u: no memory for its stacks: left out\n", i);
			p->state = CPU_FAILED;
			continue;
		}
		smp_boot_table[k].apic_id = p->apic_id;
		smp_boot_table[k].cpu = i;
		smp_boot_table[k].stack_top = p->stack_hi;
		k++;
	}
	memcpy(platform_ops.trampoline_va, smp_trampoline_start, len);
	d = (struct smp_tr_data *)((u8 *)platform_ops.trampoline_va + len - sizeof(*d));
	d->boot_cr3 = (u32)platform_ops.ap_boot_cr3();
	d->efer = (u32)(rdmsr(MSR_EFER) & EFER_NXE) | BIT(8);	/* LME */
	d->kernel_cr3 = read_cr3();
	d->entry = (u64)smp_ap_entry64;
	mfence();

	for (unsigned i = 1; i < nr_present; i++)
		if (percpu[i].state == CPU_STARTING)
			apic_send_init(percpu[i].apic_id);
	init_wait_us = smp_init_udelay();
	udelay(init_wait_us);
	for (unsigned i = 1; i < nr_present; i++)
		if (percpu[i].state == CPU_STARTING)
			apic_send_startup(percpu[i].apic_id, start_pa);
	udelay(200);
	for (unsigned i = 1; i < nr_present; i++)
		if (cpu_state(i) == CPU_STARTING)
			apic_send_startup(percpu[i].apic_id, start_pa);

	deadline = t0 + ns_to_tsc(timeout_ms * 1000000ULL);
	while (smp_still_starting() && rdtsc() < deadline)
		cpu_relax();
	for (unsigned i = 1; i < nr_present; i++) {
		u32 starting = CPU_STARTING;

		if (__atomic_compare_exchange_n(&percpu[i].state, &starting, CPU_FAILED,
						false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			pr_err("smp: cpu%u (APIC id %u) did not start within %llu ms: failed, left out\n",
			       i, percpu[i].apic_id, (unsigned long long)timeout_ms);
	}
	bringup_us = tsc_to_ns(rdtsc() - t0) / 1000;
	(void)nstart;
}

void smp_init(void)
{
	const struct apic_platform *plat = apic_get_platform();
	struct smp_plan_cpu list[APIC_MAX_CPUS];
	static struct smp_plan plan;
	unsigned nstart = 0, nhot = 0, noff = 0, nfail = 0;
	u32 boot_id = apic_ready() ? apic_this_id() : 0;

	for (unsigned i = 0; i < plat->ncpu && i < APIC_MAX_CPUS; i++) {
		list[i].apic_id = plat->cpu[i].apic_id;
		list[i].enabled = plat->cpu[i].enabled;
		list[i].hotplug = plat->cpu[i].hotplug;
	}
	smp_plan_cpus(&plan, list, min_t(unsigned, plat->ncpu, APIC_MAX_CPUS), boot_id,
		      kernel_param("nosmp") != NULL, kernel_param("maxcpus"));
	if (plan.note[0])
		pr_warn("smp: %s\n", plan.note);
	if (plan.dropped)
		pr_warn("smp: %u CPU(s) beyond NR_CPUS=%u left out\n", plan.dropped, NR_CPUS);
	for (unsigned i = 1; i < plan.ncpus; i++)
		nstart += plan.state[i] == CPU_STARTING;
	if (nstart && (!apic_ready() || !platform_ops.trampoline_pa)) {
		pr_err("smp: %s: running on the boot CPU only\n",
		       !apic_ready() ? "no local APIC" : "no free page below 1 MiB for the trampoline");
		for (unsigned i = 1; i < plan.ncpus; i++)
			if (plan.state[i] == CPU_STARTING)
				plan.state[i] = CPU_OFFLINE;
		nstart = 0;
	}
	stall_cpu = (u32)kernel_param_u64("smp.stall", ~0U);
	smp_apply_plan(&plan);
	if (nstart) {
		if (irq_register(APIC_CALL_VECTOR, smp_call_irq, NULL, "ipi-call")) {
			pr_err("smp: vector 0x%x taken: running on the boot CPU only\n",
			       APIC_CALL_VECTOR);
			return;
		}
		smp_start_aps(nstart);
	}
	for (unsigned i = 1; i < nr_present; i++) {
		nhot += cpu_state(i) == CPU_HOTPLUG;
		noff += cpu_state(i) == CPU_OFFLINE;
		nfail += cpu_state(i) == CPU_FAILED;
	}
	pr_info("smp: %u of %u CPU(s) online (%u offline, %u failed, %u hotplug), %s, bring-up %llu us (INIT wait %llu us)\n",
		num_online_cpus(), nr_present, noff, nfail, nhot,
		apic_x2apic_mode() ? "x2APIC" : "xAPIC", (unsigned long long)bringup_us,
		(unsigned long long)init_wait_us);
}

/* ---- panic ---- */

bool smp_handle_stop_nmi(const struct pt_regs *regs)
{
	unsigned cpu = smp_processor_id();

	if (READ_ONCE(stop_cpu) == ~0U || READ_ONCE(stop_cpu) == cpu)
		return false;
	pr_emerg("\n*** cpu%u stopped by cpu%u's panic\n", cpu, stop_cpu);
	dump_regs(regs);
	dump_stack_from(regs->rbp);
	__atomic_add_fetch(&stop_done, 1, __ATOMIC_RELEASE);
	smp_park();
}

bool smp_panic_claim(void)
{
	u32 self = smp_processor_id(), none = ~0U;

	return __atomic_compare_exchange_n(&stop_cpu, &none, self, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE) || none == self;
}

void smp_stop_others(void)
{
	unsigned self = smp_processor_id(), want = 0;

	if (!smp_panic_claim())
		return;		/* another CPU is stopping everyone, us included */
	for (unsigned cpu = 0; cpu < nr_present; cpu++) {
		u64 t0 = rdtsc(), wait = ns_to_tsc(200000000ULL);

		if (cpu == self || !cpu_online(cpu))
			continue;
		want++;
		apic_send_nmi(percpu[cpu].apic_id);
		while (__atomic_load_n(&stop_done, __ATOMIC_ACQUIRE) < want &&
		       rdtsc() - t0 < wait)
			cpu_relax();
		if (__atomic_load_n(&stop_done, __ATOMIC_ACQUIRE) < want) {
			pr_emerg("cpu%u did not answer the stop NMI\n", cpu);
			want--;
		}
	}
}
