/*
 * madt.c - parsers for the MADT (CPUs, IOAPICs, interrupt source overrides,
 * NMIs, local APIC address), the MCFG (PCI ECAM windows) and the HPET table.
 *
 * Pure code over bytes already validated by acpi_table_map(); each parser
 * fills a local copy and commits it only when the whole table is sound, so a
 * malformed table contributes nothing. ACPI 6.4 5.2.12 (MADT), PCI Firmware
 * Specification 3.2 4.1.2 (MCFG), IA-PC HPET Specification 1.0a 3.2.4.
 */
#include "acpi.h"
#include "actbl.h"
#include "errno.h"
#include "lib.h"
#include "printk.h"

/* The table's own length, checked against what the caller could read. */
static int table_len(const void *tbl, size_t len, size_t min_len,
		     const char *sig, u32 *out)
{
	struct acpi_sdt_header h;

	if (len < sizeof(h)) {
		pr_warn("acpi: %s of %zu bytes has no header\n", sig, len);
		return -EINVAL;
	}
	memcpy(&h, tbl, sizeof(h));
	if (h.length > len || h.length < min_len) {
		pr_warn("acpi: %s length %u invalid (%zu readable, %zu minimum)\n",
			sig, h.length, len, min_len);
		return -EINVAL;
	}
	*out = h.length;
	return 0;
}

static bool have_cpu(const struct acpi_madt_info *m, u32 apic_id)
{
	for (unsigned i = 0; i < m->ncpus; i++)
		if (m->cpu[i].apic_id == apic_id)
			return true;
	return false;
}

static void add_cpu(struct acpi_madt_info *m, u32 apic_id, u32 uid, u32 flags,
		    bool x2apic)
{
	/* Not enabled: hot-pluggable when Online Capable, or, before MADT
	 * revision 5 (where that flag did not exist), always (ACPI 6.3,
	 * 5.2.12.2; as Linux's acpi_is_processor_usable()). */
	bool hotplug = !(flags & MADT_CPU_ENABLED) &&
		       ((flags & MADT_CPU_ONLINE_CAPABLE) || m->revision < 5);

	if (!(flags & MADT_CPU_ENABLED)) {
		m->ncpus_disabled++;
		if (!hotplug)
			return;
	}
	if (have_cpu(m, apic_id))
		return;
	if (m->ncpus >= ACPI_MAX_CPUS) {
		m->dropped++;
		return;
	}
	m->cpu[m->ncpus].apic_id = apic_id;
	m->cpu[m->ncpus].uid = uid;
	m->cpu[m->ncpus].x2apic = x2apic;
	m->cpu[m->ncpus].hotplug = hotplug;
	m->ncpus_hotplug += hotplug;
	m->ncpus++;
}

static void add_nmi(struct acpi_madt_info *m, const struct acpi_madt_nmi *n)
{
	if (m->nnmi >= ACPI_MAX_NMIS) {
		m->dropped++;
		return;
	}
	m->nmi[m->nnmi++] = *n;
}

/* Minimum length of each entry type pfnos reads. */
static const u8 madt_min_len[] = {
	[MADT_LAPIC] = sizeof(struct acpi_madt_lapic),
	[MADT_IOAPIC] = sizeof(struct acpi_madt_ioapic_raw),
	[MADT_INT_OVERRIDE] = sizeof(struct acpi_madt_int_override),
	[MADT_NMI_SOURCE] = sizeof(struct acpi_madt_nmi_source),
	[MADT_LAPIC_NMI] = sizeof(struct acpi_madt_lapic_nmi),
	[MADT_LAPIC_OVERRIDE] = sizeof(struct acpi_madt_lapic_override),
	[MADT_X2APIC] = sizeof(struct acpi_madt_x2apic),
	[MADT_X2APIC_NMI] = sizeof(struct acpi_madt_x2apic_nmi),
};

static void madt_entry(struct acpi_madt_info *m, const u8 *e, u8 type)
{
	struct acpi_madt_nmi nmi = { 0 };

	switch (type) {
	case MADT_LAPIC: {
		struct acpi_madt_lapic l;

		memcpy(&l, e, sizeof(l));
		add_cpu(m, l.apic_id, l.uid, l.flags, false);
		break;
	}
	case MADT_X2APIC: {
		struct acpi_madt_x2apic x;

		memcpy(&x, e, sizeof(x));
		add_cpu(m, x.x2apic_id, x.uid, x.flags, true);
		break;
	}
	case MADT_IOAPIC: {
		struct acpi_madt_ioapic_raw io;

		memcpy(&io, e, sizeof(io));
		if (m->nioapic >= ACPI_MAX_IOAPICS) {
			m->dropped++;
			break;
		}
		m->ioapic[m->nioapic].id = io.id;
		m->ioapic[m->nioapic].address = io.address;
		m->ioapic[m->nioapic].gsi_base = io.gsi_base;
		m->nioapic++;
		break;
	}
	case MADT_INT_OVERRIDE: {
		struct acpi_madt_int_override o;

		memcpy(&o, e, sizeof(o));
		if (m->noverride >= ACPI_MAX_OVERRIDES) {
			m->dropped++;
			break;
		}
		m->override[m->noverride].bus = o.bus;
		m->override[m->noverride].source = o.source;
		m->override[m->noverride].gsi = o.gsi;
		m->override[m->noverride].flags = o.flags;
		m->noverride++;
		break;
	}
	case MADT_NMI_SOURCE: {
		struct acpi_madt_nmi_source s;

		memcpy(&s, e, sizeof(s));
		nmi.kind = ACPI_NMI_SOURCE;
		nmi.flags = s.flags;
		nmi.gsi = s.gsi;
		add_nmi(m, &nmi);
		break;
	}
	case MADT_LAPIC_NMI: {
		struct acpi_madt_lapic_nmi l;

		memcpy(&l, e, sizeof(l));
		nmi.kind = ACPI_NMI_LAPIC;
		nmi.flags = l.flags;
		nmi.uid = l.uid == 0xff ? 0xffffffff : l.uid;
		nmi.lint = l.lint;
		add_nmi(m, &nmi);
		break;
	}
	case MADT_X2APIC_NMI: {
		struct acpi_madt_x2apic_nmi x;

		memcpy(&x, e, sizeof(x));
		nmi.kind = ACPI_NMI_LAPIC;
		nmi.flags = x.flags;
		nmi.uid = x.uid;
		nmi.lint = x.lint;
		add_nmi(m, &nmi);
		break;
	}
	case MADT_LAPIC_OVERRIDE: {
		struct acpi_madt_lapic_override o;

		memcpy(&o, e, sizeof(o));
		m->lapic_addr = o.address;
		break;
	}
	}
}

int acpi_madt_parse(struct acpi_madt_info *out, const void *tbl, size_t len)
{
	struct acpi_madt_info m;
	struct acpi_madt hdr;
	const u8 *t = tbl;
	u32 tlen, off;

	memset(out, 0, sizeof(*out));
	if (table_len(tbl, len, sizeof(hdr), "MADT", &tlen))
		return -EINVAL;
	memset(&m, 0, sizeof(m));
	memcpy(&hdr, t, sizeof(hdr));
	m.lapic_addr = hdr.lapic_address;
	m.flags = hdr.flags;
	m.revision = hdr.hdr.revision;
	for (off = sizeof(hdr); off < tlen;) {
		struct acpi_madt_entry e;

		if (tlen - off < sizeof(e)) {
			pr_warn("acpi: MADT truncated entry at offset %u\n", off);
			return -EINVAL;
		}
		memcpy(&e, t + off, sizeof(e));
		if (e.length < sizeof(e) || e.length > tlen - off) {
			pr_warn("acpi: MADT entry type %u at offset %u has length %u\n",
				e.type, off, e.length);
			return -EINVAL;
		}
		if (e.type < ARRAY_SIZE(madt_min_len) && madt_min_len[e.type]) {
			if (e.length < madt_min_len[e.type]) {
				pr_warn("acpi: MADT entry type %u at offset %u too short (%u)\n",
					e.type, off, e.length);
				return -EINVAL;
			}
			madt_entry(&m, t + off, e.type);
		} else {
			pr_debug("acpi: MADT entry type %u ignored\n", e.type);
		}
		off += e.length;
	}
	if (!m.lapic_addr) {
		pr_warn("acpi: MADT has no local APIC address\n");
		return -EINVAL;
	}
	if (m.dropped)
		pr_warn("acpi: MADT: %u entries beyond pfnos's limits dropped\n", m.dropped);
	m.present = true;
	*out = m;
	return 0;
}

int acpi_mcfg_parse(struct acpi_mcfg_info *out, const void *tbl, size_t len)
{
	struct acpi_mcfg_info m;
	const u8 *t = tbl;
	u32 tlen, off;

	memset(out, 0, sizeof(*out));
	memset(&m, 0, sizeof(m));
	if (table_len(tbl, len, MCFG_ENTRIES, "MCFG", &tlen))
		return -EINVAL;
	if ((tlen - MCFG_ENTRIES) % sizeof(struct acpi_mcfg_alloc)) {
		pr_warn("acpi: MCFG length %u is not a whole number of entries\n", tlen);
		return -EINVAL;
	}
	for (off = MCFG_ENTRIES; off < tlen; off += sizeof(struct acpi_mcfg_alloc)) {
		struct acpi_mcfg_alloc a;

		memcpy(&a, t + off, sizeof(a));
		if (a.start_bus > a.end_bus || !a.base ||
		    !IS_ALIGNED(a.base, 1ULL << 20)) {
			pr_warn("acpi: MCFG entry base 0x%llx buses %u-%u invalid, skipped\n",
				(unsigned long long)a.base, a.start_bus, a.end_bus);
			continue;
		}
		if (m.n >= ACPI_MAX_MCFG) {
			pr_warn("acpi: MCFG: more than %u entries, rest dropped\n",
				ACPI_MAX_MCFG);
			break;
		}
		m.e[m.n].base = a.base;
		m.e[m.n].segment = a.segment;
		m.e[m.n].start_bus = a.start_bus;
		m.e[m.n].end_bus = a.end_bus;
		m.n++;
	}
	m.present = true;
	*out = m;
	return 0;
}

int acpi_hpet_parse(struct acpi_hpet_info *out, const void *tbl, size_t len)
{
	struct acpi_hpet h;
	u32 tlen;

	memset(out, 0, sizeof(*out));
	if (table_len(tbl, len, sizeof(h), "HPET", &tlen))
		return -EINVAL;
	memcpy(&h, tbl, sizeof(h));
	if (h.base.space_id != ACPI_GAS_MEMORY || !h.base.address ||
	    !IS_ALIGNED(h.base.address, 1024)) {
		pr_warn("acpi: HPET base space %u address 0x%llx invalid\n",
			h.base.space_id, (unsigned long long)h.base.address);
		return -EINVAL;
	}
	out->present = true;
	out->base = h.base.address;
	out->block_id = h.block_id;
	out->number = h.number;
	out->min_tick = h.min_tick;
	return 0;
}
