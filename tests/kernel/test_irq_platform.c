/*
 * test_irq_platform.c - in-guest tests of the interrupt controllers'
 * platform description (`selftest irq`): the core (apic.c, ioapic.c)
 * takes the LAPIC address, IOAPICs and ISA overrides from what the
 * firmware parser handed down with apic_set_platform(), never from ACPI
 * itself. Checks that description against the MADT the parser found, and
 * that a description set later is the one ioapic_isa_to_gsi() follows.
 */
#include "acpi.h"
#include "apic.h"
#include "ktest.h"
#include "lib.h"

/* What the firmware parser found is what the core uses. */
KTEST(irq, platform_matches_the_madt)
{
	const struct apic_platform *p = apic_get_platform();
	const struct acpi_madt_info *m = &acpi_info.madt;
	unsigned isa = 0;

	if (!m->present) {
		KT_EXPECT_EQ(p->lapic_addr, APIC_DEFAULT_LAPIC);
		KT_EXPECT_EQ(p->nioapic, 1);
		KT_EXPECT_EQ(p->ioapic[0].address, APIC_DEFAULT_IOAPIC);
		KT_EXPECT_EQ(p->noverride, 0);
		return;
	}
	KT_EXPECT_EQ(p->lapic_addr, m->lapic_addr);
	KT_EXPECT_EQ(p->pcat_compat, !!(m->flags & ACPI_MADT_PCAT_COMPAT));
	KT_ASSERT_EQ(p->nioapic, min_t(unsigned, m->nioapic, APIC_MAX_IOAPICS));
	for (unsigned i = 0; i < p->nioapic; i++) {
		KT_EXPECT_EQ(p->ioapic[i].id, m->ioapic[i].id);
		KT_EXPECT_EQ(p->ioapic[i].address, m->ioapic[i].address);
		KT_EXPECT_EQ(p->ioapic[i].gsi_base, m->ioapic[i].gsi_base);
	}
	for (unsigned i = 0; i < m->noverride; i++) {
		const struct acpi_madt_override *o = &m->override[i];
		u16 flags;

		if (o->bus || o->source >= 16)
			continue;
		isa++;
		KT_EXPECT_EQ(ioapic_isa_to_gsi(o->source, &flags), o->gsi);
		KT_EXPECT_EQ(flags, o->flags & 0xf);
	}
	KT_EXPECT_EQ(p->noverride, isa);
}

/* A description set later replaces the MADT's for routing decisions:
 * the core reads nothing else. */
KTEST(irq, isa_routing_follows_the_platform_description)
{
	static struct apic_platform saved, p;
	static const struct {
		unsigned irq;
		u32 gsi;
		u16 flags;
	} t[] = {
		{ 5, 21, 0xf },		/* overridden: level, active low */
		{ 9, 9, 0xd },		/* same GSI, level, active high */
		{ 3, 3, 0 },		/* not overridden: identity, as the bus */
		{ 0, 0, 0 },		/* the MADT's IRQ 0 override is gone */
	};
	u16 flags;

	saved = *apic_get_platform();
	p = saved;
	p.noverride = 2;
	p.override[0] = (struct apic_isa_override){
		.isa_irq = 5, .gsi = 21,
		.polarity = APIC_POLARITY_LOW, .trigger = APIC_TRIGGER_LEVEL,
	};
	p.override[1] = (struct apic_isa_override){
		.isa_irq = 9, .gsi = 9,
		.polarity = APIC_POLARITY_HIGH, .trigger = APIC_TRIGGER_LEVEL,
	};
	apic_set_platform(&p);
	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		KT_EXPECT_EQ(ioapic_isa_to_gsi(t[i].irq, &flags), t[i].gsi);
		KT_EXPECT_EQ(flags, t[i].flags);
	}
	/* too many entries are dropped, not overrun */
	p.noverride = APIC_MAX_OVERRIDES + 5;
	p.nioapic = APIC_MAX_IOAPICS + 1;
	apic_set_platform(&p);
	KT_EXPECT_EQ(apic_get_platform()->noverride, APIC_MAX_OVERRIDES);
	KT_EXPECT_EQ(apic_get_platform()->nioapic, APIC_MAX_IOAPICS);
	apic_set_platform(&saved);
	KT_EXPECT_EQ(apic_get_platform()->noverride, saved.noverride);
}
