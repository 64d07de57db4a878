/*
 * apic.c - the local APICs, inter-processor interrupts, the periodic tick
 * and one-shot timers.
 *
 * apic_set_platform() keeps the platform description the firmware parser
 * hands down (the PC defaults until then), for this file and ioapic.c.
 *
 * apic_init() enables the local APIC in x2APIC mode (MSRs 0x800+) when CPUID
 * offers it, else in xAPIC mode through an uncached mapping of the
 * platform's LAPIC address, and installs apic_eoi() as the dispatcher's
 * irq_eoi hook. apic_init_ap() does the same on an application processor
 * (the mode the boot CPU chose), apic_send_ipi() and friends send INIT,
 * startup, NMI and fixed IPIs (SDM 11.6.1; in x2APIC mode the ICR is one
 * MSR write, 11.12.9).
 * timer_init() calibrates the LAPIC timer against the TSC (2 ms windows
 * with a bounded error) and starts it in periodic mode on
 * APIC_TIMER_VECTOR. The tick handler advances jiffies and runs expired
 * timers, which are kept in a list sorted by deadline; timer_add/timer_del
 * touch the list with interrupts off. Every CPU ticks (its own LAPIC
 * timer, the boot CPU's calibration) and counts its ticks; only CPU 0
 * advances jiffies and runs the timers.
 *
 * Registers: Intel SDM vol. 3A, 11.4 (IA32_APIC_BASE), 11.5.1 (LVT), 11.5.4
 * (timer), 11.6.1 (ICR), 11.9 (spurious), 11.12 (x2APIC MSR map).
 */
#include "apic.h"
#include "cmdline.h"
#include "cpu.h"
#include "errno.h"
#include "io.h"
#include "irq.h"
#include "lib.h"
#include "printk.h"
#include "smp.h"
#include "spinlock.h"
#include "time.h"
#include "timer.h"

/* xAPIC register offsets; the x2APIC MSR is 0x800 + (offset >> 4). */
#define APIC_ID		0x020
#define APIC_VERSION	0x030
#define APIC_TPR	0x080
#define APIC_EOI	0x0b0
#define APIC_SVR	0x0f0
#define  APIC_SVR_ENABLE	BIT(8)
#define APIC_ESR	0x280
#define APIC_ICR_LO	0x300
#define APIC_ICR_HI	0x310
#define  APIC_ICR_PENDING	BIT(12)	/* delivery status (xAPIC only) */
#define  APIC_ICR_FIXED		FIELD_PREP(GENMASK(10, 8), 0)
#define  APIC_ICR_NMI		FIELD_PREP(GENMASK(10, 8), 4)
#define  APIC_ICR_INIT		FIELD_PREP(GENMASK(10, 8), 5)
#define  APIC_ICR_STARTUP	FIELD_PREP(GENMASK(10, 8), 6)
#define  APIC_ICR_ASSERT	BIT(14)
#define  APIC_ICR_LEVEL		BIT(15)
#define  APIC_ICR_SELF		FIELD_PREP(GENMASK(19, 18), 1)
#define APIC_LVT_TIMER	0x320
#define  APIC_LVT_MASKED	BIT(16)
#define  APIC_TIMER_PERIODIC	FIELD_PREP(GENMASK(18, 17), 1)
#define APIC_LVT_LINT0	0x350
#define APIC_LVT_LINT1	0x360
#define APIC_LVT_ERROR	0x370
#define APIC_TMICT	0x380	/* timer initial count */
#define APIC_TMCCT	0x390	/* timer current count */
#define APIC_TDCR	0x3e0	/* timer divide configuration */
#define  APIC_TDCR_DIV16	0x3

#define MSR_X2APIC_BASE		0x800
#define MSR_X2APIC_SELF_IPI	0x83f
#define MSR_X2APIC_ICR		0x830
#define APIC_BASE_EXTD		BIT(10)
#define APIC_BASE_EN		BIT(11)
#define APIC_BASE_ADDR		GENMASK(51, 12)

#define CPUID1_EDX_APIC		BIT(9)

#define APIC_CAL_MAX_PPM	500	/* timer calibration error bound */

static struct apic_platform platform = {
	.lapic_addr = APIC_DEFAULT_LAPIC,
	.pcat_compat = true,
	.nioapic = 1,
	.ioapic = { { .id = 0, .address = APIC_DEFAULT_IOAPIC, .gsi_base = 0 } },
};

static void __iomem *lapic;	/* xAPIC mapping */
static bool x2apic;
static bool ready;
static u32 boot_apic_id;
static u64 lapic_hz;
static bool ticking;
static u64 apic_errors;
static u32 timer_count;		/* initial count of the periodic tick */

volatile u64 jiffies;
unsigned timer_hz;
/* timer_lock (interrupts off) guards the list and each timer's link and
 * pending flag; callbacks run without it. A callback may still be running
 * on another CPU when timer_del() returns. */
static struct timer *timer_list;
static DEFINE_SPINLOCK(timer_lock);

void apic_set_platform(const struct apic_platform *p)
{
	platform = *p;
	if (platform.nioapic > APIC_MAX_IOAPICS) {
		pr_warn("apic: %u IOAPICs described, using the first %u\n",
			platform.nioapic, APIC_MAX_IOAPICS);
		platform.nioapic = APIC_MAX_IOAPICS;
	}
	if (platform.noverride > APIC_MAX_OVERRIDES) {
		pr_warn("apic: %u ISA overrides described, using the first %u\n",
			platform.noverride, APIC_MAX_OVERRIDES);
		platform.noverride = APIC_MAX_OVERRIDES;
	}
	if (!platform.lapic_addr)
		platform.lapic_addr = APIC_DEFAULT_LAPIC;
}

const struct apic_platform *apic_get_platform(void)
{
	return &platform;
}

u32 apic_read(unsigned reg)
{
	if (x2apic)
		return (u32)rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return readl(lapic + reg);
}

static void apic_write(unsigned reg, u32 v)
{
	if (x2apic)
		wrmsr(MSR_X2APIC_BASE + (reg >> 4), v);
	else
		writel(v, lapic + reg);
}

bool apic_ready(void)
{
	return ready;
}

bool apic_x2apic_mode(void)
{
	return x2apic;
}

u32 apic_id(void)
{
	return boot_apic_id;
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void apic_send_self_ipi(u8 vector)
{
	unsigned spins = 0;

	if (!ready)
		return;
	if (x2apic) {
		wrmsr(MSR_X2APIC_SELF_IPI, vector);
		return;
	}
	apic_write(APIC_ICR_HI, 0);
	apic_write(APIC_ICR_LO, vector | APIC_ICR_ASSERT | APIC_ICR_SELF);
	while ((apic_read(APIC_ICR_LO) & APIC_ICR_PENDING) && ++spins < 1000000)
		cpu_relax();
}

/* Write the ICR: low word icr_lo to the CPU with APIC id dest. */
static void apic_icr_write(u32 dest, u32 icr_lo)
{
	unsigned long flags;
	unsigned spins = 0;

	if (x2apic) {
		/* a WRMSR to an x2APIC register is not serializing and may
		 * pass earlier stores (SDM vol. 3A, 11.12.3): MFENCE; LFENCE
		 * first, so the target sees what the IPI announces (the call
		 * queued, the run request, the panic claim) */
		__asm__ volatile("mfence; lfence" ::: "memory");
		wrmsr(MSR_X2APIC_ICR, ((u64)dest << 32) | icr_lo);
		return;
	}
	flags = local_irq_save();	/* ICR_HI then ICR_LO, not split */
	while ((apic_read(APIC_ICR_LO) & APIC_ICR_PENDING) && ++spins < 1000000)
		cpu_relax();
	apic_write(APIC_ICR_HI, dest << 24);
	apic_write(APIC_ICR_LO, icr_lo);
	local_irq_restore(flags);
}

void apic_send_ipi(u32 apic_id, u8 vector)
{
	apic_icr_write(apic_id, APIC_ICR_FIXED | APIC_ICR_ASSERT | vector);
}

void apic_send_nmi(u32 apic_id)
{
	apic_icr_write(apic_id, APIC_ICR_NMI | APIC_ICR_ASSERT);
}

void apic_send_init(u32 apic_id)
{
	/* level-triggered assert, then de-assert (SDM 8.4.4.1; ignored by
	 * CPUs after the Pentium); x2APIC mode has no INIT level de-assert
	 * (SDM 11.12.9), so it is sent in xAPIC mode only */
	apic_icr_write(apic_id, APIC_ICR_INIT | APIC_ICR_LEVEL | APIC_ICR_ASSERT);
	if (!x2apic)
		apic_icr_write(apic_id, APIC_ICR_INIT | APIC_ICR_LEVEL);
}

void apic_send_startup(u32 apic_id, u64 start_pa)
{
	apic_icr_write(apic_id, APIC_ICR_STARTUP | (u32)(start_pa >> 12));
}

u32 apic_this_id(void)
{
	return x2apic ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24;
}

static void apic_error_irq(struct pt_regs *regs, void *arg)
{
	u32 esr;

	apic_write(APIC_ESR, 0);	/* latch, then read (SDM 11.5.3) */
	esr = apic_read(APIC_ESR);
	if (apic_errors++ < 8)
		pr_warn("apic: error interrupt, ESR 0x%x\n", esr);
}

int apic_init(void)
{
	u32 a, b, c, d;
	u64 base;

	cpuid(1, &a, &b, &c, &d);
	if (!(d & CPUID1_EDX_APIC)) {
		pr_err("apic: no local APIC\n");
		return -ENODEV;
	}
	base = rdmsr(MSR_APIC_BASE);
	if (cpu_features.x2apic && kernel_param_bool("apic.x2apic", true)) {
		/* xAPIC enable first, then EXTD (SDM 11.12.5: no direct jump) */
		if (!(base & APIC_BASE_EN))
			wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
		x2apic = true;
	} else {
		phys_addr_t pa = platform.lapic_addr;

		if ((base & APIC_BASE_ADDR) != pa)
			pr_warn("apic: IA32_APIC_BASE says 0x%llx, the platform 0x%llx; using the platform's\n",
				(unsigned long long)(base & APIC_BASE_ADDR),
				(unsigned long long)pa);

		if (base & APIC_BASE_EXTD) {
			pr_err("apic: firmware left x2APIC mode on; keeping it\n");
			x2apic = true;
		} else {
			if (!(base & APIC_BASE_EN))
				wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
			lapic = apic_mmio_map(pa, SZ_4K);
			if (!lapic) {
				pr_err("apic: cannot map the local APIC at 0x%llx\n",
				       (unsigned long long)pa);
				return -ENOMEM;
			}
		}
	}
	boot_apic_id = x2apic ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24;

	apic_write(APIC_TPR, 0);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_TIMER_VECTOR);
	apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);	/* 8259 ExtINT: unused */
	if (irq_register(APIC_ERROR_VECTOR, apic_error_irq, NULL, "apic-error") == 0)
		apic_write(APIC_LVT_ERROR, APIC_ERROR_VECTOR);
	apic_write(APIC_ESR, 0);
	apic_write(APIC_ESR, 0);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | IRQ_VECTOR_SPURIOUS);
	irq_eoi = apic_eoi;
	ready = true;
	pr_info("apic: %s, id %u, version 0x%x\n", x2apic ? "x2APIC" : "xAPIC",
		boot_apic_id, apic_read(APIC_VERSION) & 0xff);
	return 0;
}

/* ---- the tick and timers ---- */

static void timer_run_expired(void)
{
	u64 now = ktime_ns();

	unsigned long flags = spin_lock_irqsave(&timer_lock);

	while (timer_list && timer_list->deadline_ns <= now) {
		struct timer *t = timer_list;

		timer_list = t->next;
		t->next = NULL;
		t->pending = false;
		/* without the lock: the callback may timer_add(t) again */
		spin_unlock_irqrestore(&timer_lock, flags);
		t->fn(t, t->arg);
		flags = spin_lock_irqsave(&timer_lock);
	}
	spin_unlock_irqrestore(&timer_lock, flags);
}

static void timer_tick(struct pt_regs *regs, void *arg)
{
	this_cpu_inc(timer_ticks);
	if (smp_processor_id() != 0)
		return;
	jiffies++;
	timer_run_expired();
}

static void timer_unlink(struct timer *t)
{
	for (struct timer **pp = &timer_list; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->next = NULL;
	t->pending = false;
}

void timer_add(struct timer *t, u64 deadline_ns,
	       void (*fn)(struct timer *t, void *arg), void *arg)
{
	unsigned long flags = spin_lock_irqsave(&timer_lock);
	struct timer **pp = &timer_list;

	if (t->pending)
		timer_unlink(t);
	t->deadline_ns = deadline_ns;
	t->fn = fn;
	t->arg = arg;
	while (*pp && (*pp)->deadline_ns <= deadline_ns)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	t->pending = true;
	spin_unlock_irqrestore(&timer_lock, flags);
}

bool timer_del(struct timer *t)
{
	unsigned long flags = spin_lock_irqsave(&timer_lock);
	bool was = t->pending;

	if (was)
		timer_unlink(t);
	spin_unlock_irqrestore(&timer_lock, flags);
	return was;
}

bool timer_ticking(void)
{
	return ticking;
}

u64 timer_lapic_hz(void)
{
	return lapic_hz;
}

/*
 * LAPIC timer clocks per second, against the TSC (calibrated by then), the
 * timer one-shot and masked: the current count is read at both ends of a
 * window, each read bracketed by TSC reads, so the error is bounded by how
 * long the two reads took (a host preempting us in between costs nothing).
 * Up to three windows of 2 ms, until the bound is under APIC_CAL_MAX_PPM;
 * else the best one (the timer only paces the tick). A short window runs
 * first, untimed: under a JIT (QEMU's TCG) the first run of this code is
 * slow.
 */
static u64 calibrate(void)
{
	static const u8 window_ms[] = { 2, 2, 2 };
	u64 best_hz = 0, best_ppm = ~0ULL;

	apic_write(APIC_TDCR, APIC_TDCR_DIV16);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_TIMER_VECTOR);
	for (int i = -1; i < (int)ARRAY_SIZE(window_ms); i++) {
		u64 wait = ns_to_tsc(i < 0 ? 10000 : window_ms[i] * 1000000ULL);
		u64 s0, s1, e0, e1, tsc, err, ppm, ns;
		u32 start, left;

		apic_write(APIC_TMICT, 0xffffffff);
		s0 = rdtsc();
		start = apic_read(APIC_TMCCT);
		s1 = rdtsc();
		while (rdtsc() - s1 < wait)
			cpu_relax();
		e0 = rdtsc();
		left = apic_read(APIC_TMCCT);
		e1 = rdtsc();
		apic_write(APIC_TMICT, 0);
		if (i < 0 || left == 0 || left >= start)	/* warm-up, or ran out */
			continue;
		tsc = ((e0 + e1) - (s0 + s1)) / 2;
		err = ((e1 - e0) + (s1 - s0)) / 2;
		ns = tsc_to_ns(tsc);
		if (!tsc || !ns)
			continue;
		ppm = err * 1000000 / tsc;
		if (ppm < best_ppm) {
			best_ppm = ppm;
			best_hz = (u64)(start - left) * 1000000000ULL / ns;
		}
		if (ppm <= APIC_CAL_MAX_PPM)
			break;
	}
	return best_hz;
}

int timer_init(void)
{
	u64 hz = kernel_param_u64("timer.hz", 100);
	u64 count;

	if (!ready)
		return -ENODEV;
	if (hz < 10 || hz > 1000) {
		pr_warn("timer: timer.hz=%llu out of range 10..1000, using 100\n",
			(unsigned long long)hz);
		hz = 100;
	}
	lapic_hz = calibrate();
	if (!lapic_hz) {
		pr_err("timer: LAPIC timer calibration failed\n");
		return -ENODEV;
	}
	count = lapic_hz / hz;
	if (!count || count > 0xffffffffULL) {
		pr_err("timer: LAPIC timer at %llu Hz cannot tick at %llu Hz\n",
		       (unsigned long long)lapic_hz, (unsigned long long)hz);
		return -ERANGE;
	}
	if (irq_register(APIC_TIMER_VECTOR, timer_tick, NULL, "timer"))
		return -EBUSY;
	timer_hz = (unsigned)hz;
	apic_write(APIC_TDCR, APIC_TDCR_DIV16);
	apic_write(APIC_LVT_TIMER, APIC_TIMER_PERIODIC | APIC_TIMER_VECTOR);
	apic_write(APIC_TMICT, (u32)count);
	timer_count = (u32)count;
	ticking = true;
	pr_info("timer: LAPIC timer %llu kHz, tick %u Hz\n",
		(unsigned long long)(lapic_hz / 1000), timer_hz);
	return 0;
}

int apic_init_ap(void)
{
	u64 base = rdmsr(MSR_APIC_BASE);

	if (!ready)
		return -ENODEV;
	if (x2apic) {
		if (!(base & APIC_BASE_EN))
			wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
	} else if (!(base & APIC_BASE_EN)) {
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
	}
	apic_write(APIC_TPR, 0);
	apic_write(APIC_LVT_TIMER, APIC_LVT_MASKED | APIC_TIMER_VECTOR);
	apic_write(APIC_LVT_LINT0, APIC_LVT_MASKED);
	apic_write(APIC_LVT_LINT1, APIC_LVT_MASKED);	/* NMIs reach the boot CPU */
	apic_write(APIC_LVT_ERROR, APIC_ERROR_VECTOR);
	apic_write(APIC_ESR, 0);
	apic_write(APIC_ESR, 0);
	apic_write(APIC_SVR, APIC_SVR_ENABLE | IRQ_VECTOR_SPURIOUS);
	if (ticking) {
		apic_write(APIC_TDCR, APIC_TDCR_DIV16);
		apic_write(APIC_LVT_TIMER, APIC_TIMER_PERIODIC | APIC_TIMER_VECTOR);
		apic_write(APIC_TMICT, timer_count);
	}
	return 0;
}

static apic_mmio_map_fn mmio_map;

void apic_set_mmio_map(apic_mmio_map_fn map)
{
	mmio_map = map;
}

void *apic_mmio_map(phys_addr_t pa, size_t len)
{
	return mmio_map ? mmio_map(pa, len) : NULL;
}
