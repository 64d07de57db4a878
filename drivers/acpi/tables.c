/*
 * tables.c - the ACPI table walk: RSDP validation and the BIOS-area scan,
 * table mapping with length/checksum/signature checks, and acpi_parse(),
 * which walks the XSDT (or RSDT) and hands each table to its parser.
 *
 * Pure code: physical memory is reached only through the acpi_map_fn the
 * caller passes (memremap in the kernel, a fake memory in tests/unit and
 * tests/fuzz). Nothing here keeps a pointer into firmware memory after
 * acpi_parse() returns. ACPI 6.4 sections 5.2.5 to 5.2.8.
 */
#include "acpi.h"
#include "actbl.h"
#include "errno.h"
#include "lib.h"
#include "memmap.h"
#include "printk.h"

#define ACPI_MAX_SSDT	8

u8 acpi_checksum(const void *p, size_t len)
{
	const u8 *b = p;
	u8 sum = 0;

	while (len--)
		sum += *b++;
	return sum;
}

/* Copy an n-byte firmware id: it ends at a NUL, trailing blanks are cut,
 * other non-printable bytes show as '?'. */
static void copy_id(char *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && src[i]; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	while (i > 0 && dst[i - 1] == ' ')
		i--;
	dst[i] = '\0';
}

int acpi_rsdp_validate(const void *p, size_t avail, struct acpi_rsdp_info *out)
{
	struct acpi_rsdp r;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	if (!p || avail < ACPI_RSDP_V1_LEN)
		return -EINVAL;
	memcpy(&r, p, min_t(size_t, avail, sizeof(r)));
	if (memcmp(r.signature, ACPI_RSDP_SIG, 8))
		return -EINVAL;
	if (acpi_checksum(p, ACPI_RSDP_V1_LEN)) {
		pr_warn("acpi: RSDP checksum error\n");
		return -EINVAL;
	}
	if (r.revision >= 2) {
		if (avail < ACPI_RSDP_V2_LEN || r.length < ACPI_RSDP_V2_LEN ||
		    r.length > avail) {
			pr_warn("acpi: RSDP rev %u length %u invalid (%zu bytes readable)\n",
				r.revision, r.length, avail);
			return -EINVAL;
		}
		if (acpi_checksum(p, r.length)) {
			pr_warn("acpi: RSDP extended checksum error\n");
			return -EINVAL;
		}
		out->xsdt = r.xsdt_address;
	}
	out->revision = r.revision;
	out->rsdt = r.rsdt_address;
	copy_id(out->oem_id, r.oem_id, sizeof(r.oem_id));
	return 0;
}

u64 acpi_rsdp_scan(const void *area, size_t len, u64 phys)
{
	const u8 *a = area;
	struct acpi_rsdp_info info;
	size_t off;

	if (!area)
		return 0;
	for (off = 0; off + ACPI_RSDP_V1_LEN <= len; off += 16) {
		if (memcmp(a + off, ACPI_RSDP_SIG, 8))
			continue;
		if (!acpi_rsdp_validate(a + off, len - off, &info))
			return phys + off;
	}
	return 0;
}

const void *acpi_table_map(u64 phys, const char *sig, acpi_map_fn map,
			   struct acpi_table_info *ti)
{
	struct acpi_sdt_header h;
	const void *p;
	char name[5];

	memset(ti, 0, sizeof(*ti));
	p = map(phys, sizeof(h));
	if (!p) {
		pr_warn("acpi: %s at 0x%llx cannot be mapped\n", sig ? sig : "table",
			(unsigned long long)phys);
		return NULL;
	}
	memcpy(&h, p, sizeof(h));
	copy_id(name, h.signature, 4);
	if (strlen(name) != 4 || strchr(name, '?')) {
		pr_warn("acpi: table at 0x%llx has no valid signature\n",
			(unsigned long long)phys);
		return NULL;
	}
	if (sig && memcmp(h.signature, sig, 4)) {
		pr_warn("acpi: table at 0x%llx is %s, expected %s\n",
			(unsigned long long)phys, name, sig);
		return NULL;
	}
	if (h.length < ACPI_SDT_HEADER_LEN || h.length > ACPI_TABLE_MAX_LEN) {
		pr_warn("acpi: %s at 0x%llx: length %u out of range\n", name,
			(unsigned long long)phys, h.length);
		return NULL;
	}
	p = map(phys, h.length);
	if (!p) {
		pr_warn("acpi: %s at 0x%llx: length %u overruns mapped memory\n", name,
			(unsigned long long)phys, h.length);
		return NULL;
	}
	if (acpi_checksum(p, h.length)) {
		pr_warn("acpi: %s at 0x%llx: checksum error\n", name,
			(unsigned long long)phys);
		return NULL;
	}
	memcpy(ti->sig, name, sizeof(name));
	copy_id(ti->oem_id, h.oem_id, sizeof(h.oem_id));
	copy_id(ti->oem_table_id, h.oem_table_id, sizeof(h.oem_table_id));
	ti->revision = h.revision;
	ti->phys = phys;
	ti->length = h.length;
	return p;
}

static void add_table(struct acpi_info *ai, const struct acpi_table_info *ti)
{
	if (ai->ntables >= ACPI_MAX_TABLES) {
		pr_debug("acpi: table list full, %s at 0x%llx not listed\n", ti->sig,
			 (unsigned long long)ti->phys);
		return;
	}
	ai->tables[ai->ntables++] = *ti;
}

/* Map the root table: the XSDT when the RSDP has one, else (or when the XSDT
 * is unusable) the RSDT. Returns it, with the entry size and count. */
static const u8 *map_root(struct acpi_info *ai, acpi_map_fn map,
			  unsigned *esize, unsigned *count)
{
	struct acpi_table_info ti;
	const u8 *t;

	if (ai->rsdp.revision >= 2 && ai->rsdp.xsdt) {
		t = acpi_table_map(ai->rsdp.xsdt, "XSDT", map, &ti);
		if (t && (ti.length - ACPI_SDT_HEADER_LEN) % 8) {
			pr_warn("acpi: XSDT length %u is not a whole number of entries\n",
				ti.length);
			t = NULL;
		}
		if (t) {
			ai->xsdt = true;
			ai->root_phys = ti.phys;
			*esize = 8;
			*count = (ti.length - ACPI_SDT_HEADER_LEN) / 8;
			return t;
		}
		ai->rejected++;
		if (!ai->rsdp.rsdt)
			return NULL;
		pr_warn("acpi: XSDT unusable, falling back to the RSDT\n");
	}
	if (!ai->rsdp.rsdt) {
		pr_warn("acpi: RSDP has no root table\n");
		return NULL;
	}
	t = acpi_table_map(ai->rsdp.rsdt, "RSDT", map, &ti);
	if (t && (ti.length - ACPI_SDT_HEADER_LEN) % 4) {
		pr_warn("acpi: RSDT length %u is not a whole number of entries\n",
			ti.length);
		t = NULL;
	}
	if (!t) {
		ai->rejected++;
		return NULL;
	}
	ai->root_phys = ti.phys;
	*esize = 4;
	*count = (ti.length - ACPI_SDT_HEADER_LEN) / 4;
	return t;
}

/* Parse one table into its slot of ai, the first of each kind only. */
static void dispatch(struct acpi_info *ai, const void *tbl,
		     const struct acpi_table_info *ti)
{
	int ret = 0;

	if (!strcmp(ti->sig, "FACP")) {
		if (ai->fadt.present)
			goto dup;
		ret = acpi_fadt_parse(&ai->fadt, tbl, ti->length);
	} else if (!strcmp(ti->sig, "APIC")) {
		if (ai->madt.present)
			goto dup;
		ret = acpi_madt_parse(&ai->madt, tbl, ti->length);
	} else if (!strcmp(ti->sig, "MCFG")) {
		if (ai->mcfg.present)
			goto dup;
		ret = acpi_mcfg_parse(&ai->mcfg, tbl, ti->length);
	} else if (!strcmp(ti->sig, "HPET")) {
		if (ai->hpet.present)
			goto dup;
		ret = acpi_hpet_parse(&ai->hpet, tbl, ti->length);
	} else if (!strcmp(ti->sig, "NFIT")) {
		if (ai->nfit.present)
			goto dup;
		ret = acpi_nfit_parse(&ai->nfit, tbl, ti->length);
	}
	if (ret) {
		pr_warn("acpi: %s at 0x%llx rejected: -%s\n", ti->sig,
			(unsigned long long)ti->phys, errno_name(ret));
		ai->rejected++;
	}
	return;
dup:
	pr_debug("acpi: second %s at 0x%llx ignored\n", ti->sig,
		 (unsigned long long)ti->phys);
}

/* Look for \_S5 in one AML table; 0 when found. */
static int s5_from(struct acpi_info *ai, u64 phys, const char *sig,
		   acpi_map_fn map, bool list)
{
	struct acpi_table_info ti;
	const u8 *t = acpi_table_map(phys, sig, map, &ti);
	int ret;

	if (!t) {
		ai->rejected++;
		return -EINVAL;
	}
	if (list)
		add_table(ai, &ti);
	ret = acpi_aml_find_s5(t + ACPI_SDT_HEADER_LEN,
			       ti.length - ACPI_SDT_HEADER_LEN, &ai->s5);
	if (!ret)
		memcpy(ai->s5.found_in, sig, 5);
	else if (ret != -ENOENT)
		pr_warn("acpi: %s at 0x%llx: malformed \\_S5 package\n", sig,
			(unsigned long long)phys);
	return ret;
}

static void register_nfit(struct acpi_info *ai)
{
	for (unsigned i = 0; i < ai->nfit.nspa; i++) {
		const struct acpi_nfit_spa *s = &ai->nfit.spa[i];
		int ret;

		if (!s->pmem)
			continue;
		ret = memmap_add_region(s->base, s->length, E820_PMEM, "nfit");
		if (ret)
			pr_warn("acpi: NFIT range 0x%llx-0x%llx refused: -%s\n",
				(unsigned long long)s->base,
				(unsigned long long)(s->base + s->length),
				errno_name(ret));
		else
			pr_info("acpi: NFIT pmem 0x%llx-0x%llx\n",
				(unsigned long long)s->base,
				(unsigned long long)(s->base + s->length));
	}
}

static void log_summary(const struct acpi_info *ai)
{
	char line[64 + 5 * ACPI_MAX_TABLES];
	int n;

	n = snprintf(line, sizeof(line), "acpi: RSDP rev %u OEM %s, %s, tables",
		     ai->rsdp.revision, ai->rsdp.oem_id, ai->xsdt ? "XSDT" : "RSDT");
	for (unsigned i = 0; i < ai->ntables && n < (int)sizeof(line); i++)
		n += snprintf(line + n, sizeof(line) - n, " %s", ai->tables[i].sig);
	pr_info("%s\n", line);
	if (ai->rejected)
		pr_warn("acpi: %u malformed table(s) rejected\n", ai->rejected);
	if (ai->madt.present)
		pr_info("acpi: MADT %u CPU(s), %u IOAPIC(s), %u override(s), LAPIC 0x%llx\n",
			ai->madt.ncpus, ai->madt.nioapic, ai->madt.noverride,
			(unsigned long long)ai->madt.lapic_addr);
	for (unsigned i = 0; i < ai->mcfg.n; i++)
		pr_info("acpi: ECAM segment %u buses %u-%u at 0x%llx\n",
			ai->mcfg.e[i].segment, ai->mcfg.e[i].start_bus,
			ai->mcfg.e[i].end_bus, (unsigned long long)ai->mcfg.e[i].base);
	if (ai->s5.valid)
		pr_info("acpi: S5 SLP_TYPa %u SLP_TYPb %u (%s)\n", ai->s5.slp_typa,
			ai->s5.slp_typb, ai->s5.found_in);
	else if (ai->fadt.present)
		pr_warn("acpi: no usable \\_S5, ACPI power-off unavailable\n");
}

int acpi_parse(struct acpi_info *ai, const struct acpi_rsdp_info *rsdp,
	       acpi_map_fn map)
{
	u64 ssdt[ACPI_MAX_SSDT];
	unsigned nssdt = 0, esize, count;
	const u8 *root;

	memset(ai, 0, sizeof(*ai));
	ai->rsdp = *rsdp;
	root = map_root(ai, map, &esize, &count);
	if (!root)
		return -EINVAL;
	ai->valid = true;
	for (unsigned i = 0; i < count; i++) {
		struct acpi_table_info ti;
		const void *tbl;
		u64 pa = 0;

		memcpy(&pa, root + ACPI_SDT_HEADER_LEN + i * esize, esize);
		if (!pa) {
			pr_warn("acpi: %s entry %u is null\n", ai->xsdt ? "XSDT" : "RSDT", i);
			continue;
		}
		tbl = acpi_table_map(pa, NULL, map, &ti);
		if (!tbl) {
			ai->rejected++;
			continue;
		}
		add_table(ai, &ti);
		if (!strcmp(ti.sig, "SSDT") && nssdt < ACPI_MAX_SSDT)
			ssdt[nssdt++] = pa;
		dispatch(ai, tbl, &ti);
	}
	if (ai->fadt.present && ai->fadt.dsdt) {
		int ret = s5_from(ai, ai->fadt.dsdt, "DSDT", map, true);

		for (unsigned i = 0; ret && i < nssdt; i++)
			ret = s5_from(ai, ssdt[i], "SSDT", map, false);
	}
	register_nfit(ai);
	log_summary(ai);
	return 0;
}
