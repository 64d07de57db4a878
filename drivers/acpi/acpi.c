/*
 * acpi.c - the kernel side of ACPI: find the RSDP, run the pure parsers over
 * memremap()ed firmware memory, and drive the hardware for power-off (S5)
 * and reset.
 *
 * kmain calls acpi_init(&boot_info) once, after the boot information and
 * memory map are parsed and before the frame allocator and paging; results
 * stay in acpi_info (include/acpi.h), and the MADT's interrupt controllers
 * are handed down to the core with apic_set_platform() (include/apic.h):
 * core code never reads ACPI tables. The power methods registered with
 * power_ops_register() run from machine_poweroff()/machine_reboot().
 * All port and MMIO access of the ACPI code lives in this file.
 */
#include "acpi.h"
#include "actbl.h"
#include "apic.h"
#include "cmdline.h"
#include "cpu.h"
#include "errno.h"
#include "exit.h"
#include "io.h"
#include "lib.h"
#include "mm.h"
#include "printk.h"

struct acpi_info acpi_info;

/* PCI configuration mechanism #1 (PCI Local Bus 3.0, 3.2.2.3.2) */
#define PCI_CONF_ADDR		0xcf8
#define PCI_CONF_DATA		0xcfc

/* 5.2.5.1: the EBDA segment is at 0x40e; the RSDP is in its first KiB or in
 * the BIOS read-only area 0xe0000-0xfffff. */
#define BDA_EBDA_SEG		0x40e
#define BIOS_AREA_START		0xe0000
#define BIOS_AREA_LEN		0x20000

static const void *acpi_map(u64 phys, size_t len)
{
	if (!len || phys + len < phys)
		return NULL;
	return memremap(phys, len, MAP_WB);
}

static int rsdp_at(u64 phys, struct acpi_rsdp_info *r)
{
	const struct acpi_rsdp *p = acpi_map(phys, ACPI_RSDP_V1_LEN);
	size_t len = ACPI_RSDP_V1_LEN;

	if (!p)
		return -EFAULT;
	if (p->revision >= 2) {
		len = min_t(u32, READ_ONCE(p->length), PAGE_SIZE);
		len = max_t(size_t, len, ACPI_RSDP_V2_LEN);
		p = acpi_map(phys, len);
		if (!p)
			return -EFAULT;
	}
	if (acpi_rsdp_validate(p, len, r))
		return -EINVAL;
	r->phys = phys;
	return 0;
}

/* acpi.rsdp=<phys> names the RSDP (Linux's acpi_rsdp=); then the loader's
 * copy, PVH's address, the EBDA and the BIOS area are searched in turn. */
static int find_rsdp(const struct boot_info *bi, struct acpi_rsdp_info *r)
{
	const char *opt = kernel_param("acpi.rsdp");
	const u16 *ebda_seg;
	u64 phys;

	if (opt) {
		if (parse_u64(opt, &phys))
			pr_warn("acpi: acpi.rsdp=%s is not an address, ignored\n", opt);
		else if (rsdp_at(phys, r))
			pr_warn("acpi: acpi.rsdp=%s: no valid RSDP there, searching\n", opt);
		else {
			pr_info("acpi: RSDP at 0x%llx (acpi.rsdp=)\n", (unsigned long long)phys);
			return 0;
		}
	}
	if (bi->rsdp_len) {
		if (!acpi_rsdp_validate(bi->rsdp, bi->rsdp_len, r)) {
			pr_debug("acpi: RSDP from the loader\n");
			return 0;
		}
		pr_warn("acpi: the loader's RSDP copy is invalid\n");
	}
	if (bi->rsdp_phys) {
		if (!rsdp_at(bi->rsdp_phys, r)) {
			pr_debug("acpi: RSDP at 0x%llx (PVH)\n",
				 (unsigned long long)bi->rsdp_phys);
			return 0;
		}
		pr_warn("acpi: no valid RSDP at 0x%llx\n", (unsigned long long)bi->rsdp_phys);
	}
	ebda_seg = acpi_map(BDA_EBDA_SEG, sizeof(*ebda_seg));
	if (ebda_seg) {
		u64 ebda = (u64)READ_ONCE(*ebda_seg) << 4;

		if (ebda >= 0x80000 && ebda < 0xa0000) {
			phys = acpi_rsdp_scan(acpi_map(ebda, 1024), 1024, ebda);
			if (phys && !rsdp_at(phys, r))
				return 0;
		}
	}
	phys = acpi_rsdp_scan(acpi_map(BIOS_AREA_START, BIOS_AREA_LEN), BIOS_AREA_LEN,
			      BIOS_AREA_START);
	if (phys && !rsdp_at(phys, r)) {
		pr_debug("acpi: RSDP at 0x%llx (BIOS area)\n", (unsigned long long)phys);
		return 0;
	}
	return -ENODEV;
}

static u16 pm1_read(const struct acpi_gas *g)
{
	void __iomem *reg;

	if (g->space_id == ACPI_GAS_IO)
		return inw(g->address);
	reg = ioremap(g->address, sizeof(u16));
	return reg ? readw(reg) : 0;
}

static void pm1_write(const struct acpi_gas *g, u16 val)
{
	void __iomem *reg;

	if (g->space_id == ACPI_GAS_IO) {
		outw(g->address, val);
		return;
	}
	reg = ioremap(g->address, sizeof(u16));
	if (reg)
		writew(val, reg);
}

static void spin(unsigned long n)
{
	while (n--)
		cpu_relax();
}

/* Enter S5 (ACPI 6.4, 7.4.2 and 16.1.7): SLP_TYP from \_S5 into the PM1
 * control registers, then SLP_EN. Returns only when the machine is still on. */
static void acpi_poweroff(void)
{
	const struct acpi_fadt_info *f = &acpi_info.fadt;
	const struct acpi_s5 *s5 = &acpi_info.s5;
	u16 a = 0, b = 0;

	if (!s5->valid || !f->pm1a_cnt.address)
		return;
	a = pm1_read(&f->pm1a_cnt) & ~(ACPI_PM1_SLP_TYP | ACPI_PM1_SLP_EN);
	a |= FIELD_PREP(ACPI_PM1_SLP_TYP, s5->slp_typa);
	if (f->pm1b_cnt.address) {
		b = pm1_read(&f->pm1b_cnt) & ~(ACPI_PM1_SLP_TYP | ACPI_PM1_SLP_EN);
		b |= FIELD_PREP(ACPI_PM1_SLP_TYP, s5->slp_typb);
	}
	__asm__ volatile("wbinvd" ::: "memory");
	pm1_write(&f->pm1a_cnt, a);
	if (f->pm1b_cnt.address)
		pm1_write(&f->pm1b_cnt, b);
	pm1_write(&f->pm1a_cnt, a | ACPI_PM1_SLP_EN);
	if (f->pm1b_cnt.address)
		pm1_write(&f->pm1b_cnt, b | ACPI_PM1_SLP_EN);
	spin(10000000);
	pr_err("acpi: S5 power-off did not take effect\n");
}

static void reset_reg_write(const struct acpi_gas *g, u8 val)
{
	void __iomem *reg;
	u64 a = g->address;

	switch (g->space_id) {
	case ACPI_GAS_IO:
		outb(a, val);
		break;
	case ACPI_GAS_MEMORY:
		reg = ioremap(a, 1);
		if (reg)
			writeb(val, reg);
		break;
	case ACPI_GAS_PCI_CONFIG:
		/* 5.2.3.2: bus 0, device in bits 47:32, function 31:16,
		 * register offset 15:0 */
		outl(PCI_CONF_ADDR, BIT(31) | ((a >> 32) & 0x1f) << 11 |
		     ((a >> 16) & 0x7) << 8 | (a & 0xfc));
		outb(PCI_CONF_DATA + (a & 3), val);
		break;
	}
}

/* FADT reset register (4.8.3.6). When it is absent or does nothing,
 * machine_reboot() goes on to the 8042 reset pulse and a triple fault. */
static void acpi_reset(void)
{
	const struct acpi_fadt_info *f = &acpi_info.fadt;

	if (!f->reset_supported)
		return;
	reset_reg_write(&f->reset_reg, f->reset_value);
	spin(1000000);
	pr_err("acpi: reset register did not reset the machine\n");
}

/* The MADT's CPUs, LAPIC address, IOAPICs and ISA overrides, as the core's
 * platform description (ACPI 6.4, 5.2.12). */
static void acpi_hand_down_madt(const struct acpi_madt_info *m)
{
	static struct apic_platform p;

	memset(&p, 0, sizeof(p));
	p.lapic_addr = m->lapic_addr ? m->lapic_addr : APIC_DEFAULT_LAPIC;
	p.pcat_compat = m->flags & ACPI_MADT_PCAT_COMPAT;
	for (unsigned i = 0; i < m->ncpus && p.ncpu < APIC_MAX_CPUS; i++) {
		p.cpu[p.ncpu].apic_id = m->cpu[i].apic_id;
		p.cpu[p.ncpu].enabled = !m->cpu[i].hotplug;
		p.cpu[p.ncpu].hotplug = m->cpu[i].hotplug;
		p.ncpu++;
	}
	for (unsigned i = 0; i < m->nioapic && p.nioapic < APIC_MAX_IOAPICS; i++) {
		p.ioapic[p.nioapic].id = m->ioapic[i].id;
		p.ioapic[p.nioapic].address = m->ioapic[i].address;
		p.ioapic[p.nioapic].gsi_base = m->ioapic[i].gsi_base;
		p.nioapic++;
	}
	for (unsigned i = 0; i < m->noverride && p.noverride < APIC_MAX_OVERRIDES; i++) {
		const struct acpi_madt_override *o = &m->override[i];
		struct apic_isa_override *d = &p.override[p.noverride];

		if (o->bus != 0 || o->source >= 16)	/* only ISA has overrides */
			continue;
		d->isa_irq = o->source;
		d->gsi = o->gsi;
		d->polarity = (enum apic_polarity)(o->flags & 3);
		d->trigger = (enum apic_trigger)((o->flags >> 2) & 3);
		p.noverride++;
	}
	apic_set_platform(&p);
}

static const struct power_ops acpi_power_ops = {
	.poweroff = acpi_poweroff,
	.reset = acpi_reset,
};

int acpi_init(const struct boot_info *bi)
{
	struct acpi_rsdp_info rsdp;
	int ret;

	power_ops_register(&acpi_power_ops);
	ret = find_rsdp(bi, &rsdp);
	if (ret) {
		pr_warn("acpi: no RSDP found, running without ACPI\n");
		return ret;
	}
	ret = acpi_parse(&acpi_info, &rsdp, acpi_map);
	if (ret) {
		pr_warn("acpi: no usable root table: -%s\n", errno_name(ret));
		return ret;
	}
	if (acpi_info.madt.present)
		acpi_hand_down_madt(&acpi_info.madt);
	return 0;
}

u64 acpi_hpet_base(void)
{
	return acpi_info.hpet.present ? acpi_info.hpet.base : 0;
}

u16 acpi_pm_timer_port(void)
{
	const struct acpi_gas *g = &acpi_info.fadt.pm_timer;

	return g->space_id == ACPI_GAS_IO ? (u16)g->address : 0;
}

unsigned acpi_pm_timer_bits(void)
{
	return acpi_pm_timer_port() ? acpi_info.fadt.pm_timer_bits : 0;
}
