/*
 * test_irq.c - in-guest tests of interrupts, timers and PCI (`selftest irq`).
 *
 * The tick advances with time; one-shot timers fire once, after their
 * deadline, in deadline order, and a cancelled one never fires; a LAPIC
 * self-IPI is delivered (and held while interrupts are off); ISA IRQ 0 from
 * the PIT reaches a vector through the IOAPIC and the MADT's override, and
 * stops when masked; PCI enumeration finds the host bridge and, when QEMU
 * has one, the NVMe controller 1b36:0010 with a usable MSI-X table, whose
 * bus mastering goes off and reads back off (and on again), while a
 * function that is not there cannot be said to be off (# SKIP without a
 * controller).
 * They need kmain's interrupt setup (apic_init, ioapic_init, timer_init,
 * pci_init, interrupts enabled) and fail saying so when it is missing.
 */
#include "apic.h"
#include "cpu.h"
#include "errno.h"
#include "irq.h"
#include "ktest.h"
#include "lib.h"
#include "pci.h"
#include "smp.h"
#include "time.h"
#include "timer.h"

#define MS	1000000ULL

static bool irqs_ready(void)
{
	if (!apic_ready() || !timer_ticking() || !irqs_enabled()) {
		ktest_fail(__FILE__, __LINE__,
			   "interrupts not set up (apic %d, tick %d, IF %d)",
			   apic_ready(), timer_ticking(), irqs_enabled());
		return false;
	}
	return true;
}

/* Halt until cond holds or timeout_ns passes; true when it held. */
#define WAIT_FOR(cond, timeout_ns) ({					\
	u64 _end = ktime_ns() + (timeout_ns);				\
	while (!(cond) && ktime_ns() < _end)				\
		halt();							\
	(bool)(cond);							\
})

KTEST(irq, tick_advances)
{
	u64 j0, j1, t0, t1, want;

	if (!irqs_ready()) {
		ktest_skip("interrupts are not set up");
		return;
	}
	KT_ASSERT(timer_hz >= 10);
	j0 = jiffies;
	t0 = ktime_ns();
	mdelay(200);
	j1 = jiffies;
	t1 = ktime_ns();
	want = (t1 - t0) * timer_hz / 1000000000ULL;
	/* The tick runs, and never faster than time allows. How far it falls
	 * behind depends on the host (TCG coalesces late ticks): not checked. */
	if (j1 == j0 || j1 - j0 > want + 2)
		ktest_fail(__FILE__, __LINE__, "%llu ticks in %llu ms at %u Hz (want ~%llu)",
			   (unsigned long long)(j1 - j0),
			   (unsigned long long)((t1 - t0) / MS), timer_hz,
			   (unsigned long long)want);
}

static struct timer t_once, t_order[3], t_cancel;
static volatile unsigned once_count, cancel_count;
static u64 once_at;
static unsigned order_seen[3], order_n;

static void once_fn(struct timer *t, void *arg)
{
	once_count++;
	once_at = ktime_ns();
}

KTEST(irq, oneshot_timer_fires_once_after_deadline)
{
	u64 deadline;

	if (!irqs_ready()) {
		ktest_skip("interrupts are not set up");
		return;
	}
	once_count = 0;
	deadline = ktime_ns() + 30 * MS;
	timer_add(&t_once, deadline, once_fn, NULL);
	KT_EXPECT(t_once.pending);
	KT_EXPECT_EQ(once_count, 0);
	if (!WAIT_FOR(once_count > 0, 1000 * MS)) {
		timer_del(&t_once);
		ktest_fail(__FILE__, __LINE__, "timer did not fire within 1 s");
		return;
	}
	KT_EXPECT(once_at >= deadline);	/* never early; lateness is the host's */
	KT_EXPECT(!t_once.pending);
	mdelay(60);
	KT_EXPECT_EQ(once_count, 1);
	KT_EXPECT(!timer_del(&t_once));
}

static void order_fn(struct timer *t, void *arg)
{
	if (order_n < 3)
		order_seen[order_n] = (unsigned)(uintptr_t)arg;
	order_n++;
}

static void cancel_fn(struct timer *t, void *arg)
{
	cancel_count++;
}

KTEST(irq, timers_in_deadline_order_and_cancel)
{
	static const unsigned delay_ms[3] = { 50, 20, 35 };
	u64 now;

	if (!irqs_ready()) {
		ktest_skip("interrupts are not set up");
		return;
	}
	order_n = 0;
	cancel_count = 0;
	now = ktime_ns();
	for (unsigned i = 0; i < 3; i++)
		timer_add(&t_order[i], now + delay_ms[i] * MS, order_fn, (void *)(uintptr_t)i);
	timer_add(&t_cancel, now + 10000 * MS, cancel_fn, NULL);	/* far: no host stall reaches it */
	/* re-adding moves a pending timer rather than queueing it twice */
	timer_add(&t_order[0], now + 45 * MS, order_fn, (void *)(uintptr_t)0);
	KT_EXPECT(timer_del(&t_cancel));
	KT_EXPECT(!timer_del(&t_cancel));
	WAIT_FOR(order_n >= 3, 1000 * MS);
	mdelay(30);
	for (unsigned i = 0; i < 3; i++)
		timer_del(&t_order[i]);
	KT_ASSERT_EQ(order_n, 3);
	KT_EXPECT_EQ(order_seen[0], 1);
	KT_EXPECT_EQ(order_seen[1], 2);
	KT_EXPECT_EQ(order_seen[2], 0);
	KT_EXPECT_EQ(cancel_count, 0);
}

static volatile unsigned ipi_count;
static volatile u64 ipi_vector_seen;

static void ipi_fn(struct pt_regs *regs, void *arg)
{
	ipi_count++;
	ipi_vector_seen = regs->vector;
}

KTEST(irq, self_ipi_delivered)
{
	unsigned long flags;
	int vec;

	if (!irqs_ready()) {
		ktest_skip("interrupts are not set up");
		return;
	}
	vec = irq_alloc_vector(ipi_fn, NULL, "test-ipi");
	KT_ASSERT(vec >= 48);
	ipi_count = 0;
	apic_send_self_ipi((u8)vec);
	WAIT_FOR(ipi_count >= 1, 100 * MS);
	KT_EXPECT_EQ(ipi_count, 1);
	KT_EXPECT_EQ(ipi_vector_seen, vec);

	/* held in the IRR while interrupts are off, delivered on sti */
	flags = local_irq_save();
	apic_send_self_ipi((u8)vec);
	udelay(1000);
	KT_EXPECT_EQ(ipi_count, 1);
	local_irq_restore(flags);
	WAIT_FOR(ipi_count >= 2, 100 * MS);
	KT_EXPECT_EQ(ipi_count, 2);

	for (unsigned i = 0; i < 5; i++) {
		apic_send_self_ipi((u8)vec);
		WAIT_FOR(ipi_count >= 3 + i, 100 * MS);
	}
	KT_EXPECT_EQ(ipi_count, 7);
	irq_unregister((unsigned)vec);
}

static volatile unsigned pit_count;

static void pit_fn(struct pt_regs *regs, void *arg)
{
	pit_count++;
}

/* Intel 8254: channel 0 rate generator at ~1 kHz, then stopped by a
 * control word without a count (mode 0 waits for one). */
#define PIT_CH0		0x40
#define PIT_CMD		0x43

KTEST(irq, isa_irq0_through_ioapic_override)
{
	u16 flags;
	u32 gsi;
	int vec, ret;
	unsigned after_mask;

	if (!irqs_ready()) {
		ktest_skip("interrupts are not set up");
		return;
	}
	KT_ASSERT(ioapic_count() >= 1);
	gsi = ioapic_isa_to_gsi(0, &flags);
	vec = irq_alloc_vector(pit_fn, NULL, "test-pit");
	KT_ASSERT(vec >= 48);
	pit_count = 0;
	ret = ioapic_route_isa(0, (u8)vec);
	KT_EXPECT_EQ(ret, (int)gsi);
	KT_EXPECT_EQ(ioapic_read_entry(gsi) & 0x1ffff, (u64)vec);	/* unmasked, edge, fixed */
	outb(PIT_CMD, 0x34);
	outb(PIT_CH0, 1193 & 0xff);
	outb(PIT_CH0, 1193 >> 8);
	WAIT_FOR(pit_count >= 20, 1000 * MS);
	ioapic_mask_gsi(gsi, true);
	outb(PIT_CMD, 0x30);
	KT_EXPECT(ioapic_read_entry(gsi) & BIT(16));
	KT_EXPECT(pit_count >= 20);
	after_mask = pit_count;
	mdelay(20);
	KT_EXPECT_EQ(pit_count, after_mask);
	irq_unregister((unsigned)vec);
	/* an unknown GSI is refused */
	KT_EXPECT(ioapic_route_gsi(100000, (u8)vec, false, false) < 0);
	KT_EXPECT(ioapic_mask_gsi(100000, true) < 0);
}

KTEST(irq, pci_host_bridge_enumerated)
{
	struct pci_dev *hb = pci_get_bdf(0, 0, 0, 0), *d;
	unsigned n = 0;

	KT_ASSERT(pci_device_count() > 0);
	KT_ASSERT(hb != NULL);
	KT_EXPECT_EQ(hb->class >> 8, 0x0600);
	KT_EXPECT_EQ(pci_read_config16(hb, PCI_VENDOR_ID), hb->vendor);
	KT_EXPECT_EQ(pci_read_config32(hb, PCI_VENDOR_ID) >> 16, hb->device);
	KT_EXPECT_EQ(pci_read_config8(hb, PCI_VENDOR_ID + 1), hb->vendor >> 8);
	KT_EXPECT(pci_find_device(hb->vendor, hb->device, 0) == hb);
	KT_EXPECT(pci_find_device(0xffff, 0xffff, 0) == pci_device(0));
	KT_EXPECT(pci_find_device(0xffff, 0xffff, pci_device_count()) == NULL);
	pci_for_each_device(d) {
		KT_EXPECT(d->vendor != 0xffff && d->vendor != 0);
		KT_EXPECT(pci_get_bdf(d->segment, d->bus, d->dev, d->fn) == d);
		n++;
	}
	KT_EXPECT_EQ(n, pci_device_count());
}

static volatile unsigned msix_test_count;

static void msix_test_fn(struct pt_regs *regs, void *arg)
{
	msix_test_count++;
}

KTEST(irq, pci_nvme_msix)
{
	struct pci_dev *d = pci_find_device(0x1b36, 0x0010, 0);
	volatile struct pci_msix_entry *e;
	bool enabled_here;
	unsigned entry, cpu, last = 0;
	int vec;

	if (!d) {
		ktest_skip("no QEMU NVMe controller (1b36:0010)");
		return;
	}
	KT_EXPECT_EQ(d->class, 0x010802);
	KT_EXPECT(pci_find_class(0x010802, 0) != NULL);
	KT_ASSERT(d->msix_cap != 0);
	KT_EXPECT_EQ(pci_find_capability(d, PCI_CAP_ID_MSIX), d->msix_cap);
	KT_ASSERT(d->msix_size >= 1);
	KT_ASSERT(!(d->bar[0].flags & PCI_BARF_IO));
	KT_EXPECT(d->bar[0].flags & PCI_BARF_64);
	KT_EXPECT(d->bar[0].size >= 0x2000);
	KT_EXPECT(d->bar[0].addr != 0);
	KT_EXPECT(pci_iomap(d, 0) != NULL);
	KT_EXPECT(pci_iomap(d, 0) == pci_iomap(d, 0));
	KT_EXPECT(pci_iomap(d, 1) == NULL);	/* the upper half of BAR0 */

	/* program the last entry: a driver that owns the device uses the first */
	enabled_here = d->msix_table == NULL;
	KT_ASSERT_EQ(pci_msix_enable(d), 0);
	entry = d->msix_size - 1;
	KT_ASSERT(d->msix_vectors[entry] == 0);
	/* aimed at the last online CPU: its APIC id in the address */
	for_each_online_cpu(cpu)
		last = cpu;
	KT_EXPECT_EQ(pci_msix_request_irq(d, entry, NR_CPUS, msix_test_fn, NULL, "x"),
		     -ENODEV);
	vec = pci_msix_request_irq(d, entry, last, msix_test_fn, NULL, "test-msix");
	KT_ASSERT(vec >= 48);
	KT_EXPECT(pci_read_config16(d, d->msix_cap + PCI_MSIX_FLAGS) & PCI_MSIX_FLAGS_ENABLE);
	KT_EXPECT(!(pci_read_config16(d, d->msix_cap + PCI_MSIX_FLAGS) &
		    PCI_MSIX_FLAGS_MASKALL));
	e = &d->msix_table[entry];
	KT_EXPECT_EQ(e->addr_lo, MSI_ADDR_BASE | cpu_apic_id(last) << 12);
	KT_EXPECT_EQ(e->addr_hi, 0);
	KT_EXPECT_EQ(e->data, (u32)vec);
	KT_EXPECT_EQ(e->ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT, 0);
	KT_EXPECT_EQ(pci_msix_request_irq(d, entry, 0, msix_test_fn, NULL, "x"), -EBUSY);
	KT_EXPECT_EQ(pci_msix_request_irq(d, d->msix_size, 0, msix_test_fn, NULL, "x"),
		     -EINVAL);
	pci_msix_mask(d, entry);
	KT_EXPECT_EQ(e->ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT, 1);
	pci_msix_unmask(d, entry);
	KT_EXPECT_EQ(e->ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT, 0);
	KT_EXPECT(!pci_msix_pending(d, entry));
	pci_msix_free_irq(d, entry);
	KT_EXPECT_EQ(e->ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT, 1);
	KT_EXPECT_EQ(d->msix_vectors[entry], 0);
	/* the vector went back to the allocator */
	KT_EXPECT_EQ(irq_register((unsigned)vec, msix_test_fn, NULL, "again"), 0);
	irq_unregister((unsigned)vec);
	KT_EXPECT_EQ(msix_test_count, 0);	/* nothing made the device signal */
	if (enabled_here) {
		pci_msix_disable(d);
		KT_EXPECT(!(pci_read_config16(d, d->msix_cap + PCI_MSIX_FLAGS) &
			    PCI_MSIX_FLAGS_ENABLE));
	}
}

/*
 * pci_clear_master() on the NVMe controller (idle between tests; interrupts
 * off meanwhile, so its timer does not run): 0, and the Command register
 * reads the bit clear and nothing else changed; pci_set_master() puts it
 * back. A function that is not there reads all ones: -EIO.
 */
KTEST(irq, pci_clear_master_reads_back)
{
	struct pci_dev absent = { .bus = 0xfe, .dev = 31, .fn = 7 };
	struct pci_dev *d = pci_find_class(0x010802, 0);
	unsigned long flags;
	u16 cmd, off;

	KT_EXPECT_EQ(pci_read_config16(&absent, PCI_VENDOR_ID), 0xffff);
	KT_EXPECT_EQ(pci_clear_master(&absent), -EIO);
	if (!d) {	/* the absent function was checked; the rest needs one */
		ktest_skip("no NVMe controller");
		return;
	}
	cmd = pci_read_config16(d, PCI_COMMAND);
	KT_ASSERT(cmd & PCI_COMMAND_MASTER);	/* the driver's pci_set_master() */
	flags = local_irq_save();
	KT_EXPECT_EQ(pci_clear_master(d), 0);
	off = pci_read_config16(d, PCI_COMMAND);
	pci_set_master(d);
	local_irq_restore(flags);
	KT_EXPECT_EQ(off, cmd & ~(u16)PCI_COMMAND_MASTER);
	KT_EXPECT_EQ(pci_read_config16(d, PCI_COMMAND), cmd);
}
