/*
 * cmd_acpi.c - the `acpi` shell command: the ACPI tables found at boot
 * (signature, address, length, OEM ids) and what pfnos took from them.
 *
 * Reads only acpi_info (include/acpi.h), filled by acpi_init() at boot.
 */
#include "acpi.h"
#include "errno.h"
#include "printk.h"
#include "shell.h"

static void show_details(const struct acpi_info *ai)
{
	const struct acpi_madt_info *m = &ai->madt;

	if (m->present) {
		kprintf("cpus: %u enabled, %u disabled (%u hot-pluggable), local APIC 0x%llx\n",
			m->ncpus - m->ncpus_hotplug, m->ncpus_disabled, m->ncpus_hotplug,
			(unsigned long long)m->lapic_addr);
		for (unsigned i = 0; i < m->nioapic; i++)
			kprintf("ioapic: id %u at 0x%x gsi %u\n", m->ioapic[i].id,
				m->ioapic[i].address, m->ioapic[i].gsi_base);
		for (unsigned i = 0; i < m->noverride; i++)
			kprintf("override: irq %u -> gsi %u flags 0x%x\n",
				m->override[i].source, m->override[i].gsi,
				m->override[i].flags);
	}
	for (unsigned i = 0; i < ai->mcfg.n; i++)
		kprintf("ecam: segment %u buses %u-%u at 0x%llx\n", ai->mcfg.e[i].segment,
			ai->mcfg.e[i].start_bus, ai->mcfg.e[i].end_bus,
			(unsigned long long)ai->mcfg.e[i].base);
	if (ai->hpet.present)
		kprintf("hpet: 0x%llx\n", (unsigned long long)ai->hpet.base);
	if (ai->fadt.pm_timer.address)
		kprintf("pm timer: 0x%llx, %u bits\n",
			(unsigned long long)ai->fadt.pm_timer.address,
			ai->fadt.pm_timer_bits);
	if (ai->s5.valid)
		kprintf("s5: SLP_TYPa %u SLP_TYPb %u, PM1a_CNT 0x%llx\n", ai->s5.slp_typa,
			ai->s5.slp_typb, (unsigned long long)ai->fadt.pm1a_cnt.address);
	if (ai->fadt.reset_supported)
		kprintf("reset: space %u address 0x%llx value 0x%x\n",
			ai->fadt.reset_reg.space_id,
			(unsigned long long)ai->fadt.reset_reg.address, ai->fadt.reset_value);
	for (unsigned i = 0; i < ai->nfit.nspa; i++)
		kprintf("nfit: spa %u 0x%llx-0x%llx %s\n", ai->nfit.spa[i].index,
			(unsigned long long)ai->nfit.spa[i].base,
			(unsigned long long)(ai->nfit.spa[i].base + ai->nfit.spa[i].length),
			ai->nfit.spa[i].pmem ? "pmem" : "other");
}

static int cmd_acpi(int argc, char **argv)
{
	const struct acpi_info *ai = &acpi_info;

	if (argc > 1)
		return shell_error(-EINVAL, "acpi takes no arguments");
	if (!ai->valid)
		return shell_error(-ENODEV, "no ACPI tables");
	if (ai->rsdp.phys)
		kprintf("RSDP rev %u OEM %s at 0x%llx", ai->rsdp.revision, ai->rsdp.oem_id,
			(unsigned long long)ai->rsdp.phys);
	else
		kprintf("RSDP rev %u OEM %s (the loader's copy)", ai->rsdp.revision,
			ai->rsdp.oem_id);
	kprintf(", root %s at 0x%llx\n", ai->xsdt ? "XSDT" : "RSDT",
		(unsigned long long)ai->root_phys);
	for (unsigned i = 0; i < ai->ntables; i++) {
		const struct acpi_table_info *t = &ai->tables[i];

		kprintf("%s 0x%016llx %6u rev %u %-6s %s\n", t->sig,
			(unsigned long long)t->phys, t->length, t->revision, t->oem_id,
			t->oem_table_id);
	}
	if (ai->rejected)
		kprintf("%u malformed table(s) rejected (see dmesg)\n", ai->rejected);
	show_details(ai);
	return 0;
}
SHELL_COMMAND("acpi", cmd_acpi, "", "list the ACPI tables and what pfnos found in them");
