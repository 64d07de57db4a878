/*
 * nfit.c - the NVDIMM Firmware Interface Table (ACPI 6.4, 5.2.25): the
 * System Physical Address Range structures, and which of them are
 * persistent memory.
 *
 * Pure code over bytes already validated by acpi_table_map(). The table is a
 * run of structures {u16 type, u16 length, ...}; a zero, truncated or
 * overrunning length rejects the whole table. acpi_parse() hands every
 * persistent-memory range to mm with memmap_add_region(E820_PMEM, "nfit");
 * that is the only way QEMU's NVDIMM becomes visible (it is not in e820).
 */
#include "acpi.h"
#include "actbl.h"
#include "errno.h"
#include "lib.h"
#include "printk.h"

/*
 * Persistent Memory Region GUID 66F0D379-B4F3-4074-AC43-0D3318B78CDB
 * (5.2.25.2, Table 5.149). GUIDs are stored with their first three fields
 * little endian and the last two as bytes (UEFI 2.9, Appendix A).
 */
const u8 acpi_nfit_guid_pmem[16] = {
	0x79, 0xd3, 0xf0, 0x66, 0xf3, 0xb4, 0x74, 0x40,
	0xac, 0x43, 0x0d, 0x33, 0x18, 0xb7, 0x8c, 0xdb,
};

static const char *const nfit_type_name[] = {
	[NFIT_SPA] = "SPA range",
	[NFIT_REGION_MAPPING] = "region mapping",
	[NFIT_INTERLEAVE] = "interleave",
	[NFIT_SMBIOS] = "SMBIOS info",
	[NFIT_CONTROL_REGION] = "control region",
	[NFIT_BLOCK_WINDOW] = "block data window",
	[NFIT_FLUSH_HINT] = "flush hint",
	[NFIT_CAPABILITIES] = "platform capabilities",
};

static void nfit_spa(struct acpi_nfit_info *n, const u8 *s, u32 off)
{
	struct acpi_nfit_spa_raw r;
	struct acpi_nfit_spa *spa;

	memcpy(&r, s, sizeof(r));
	if (!r.length_bytes || r.base + r.length_bytes < r.base) {
		pr_warn("acpi: NFIT SPA %u at offset %u: range 0x%llx+0x%llx invalid, skipped\n",
			r.index, off, (unsigned long long)r.base,
			(unsigned long long)r.length_bytes);
		return;
	}
	if (n->nspa >= ACPI_MAX_SPA) {
		pr_warn("acpi: NFIT: more than %u SPA ranges, 0x%llx dropped\n",
			ACPI_MAX_SPA, (unsigned long long)r.base);
		return;
	}
	spa = &n->spa[n->nspa++];
	spa->index = r.index;
	spa->flags = r.flags;
	spa->base = r.base;
	spa->length = r.length_bytes;
	memcpy(spa->guid, r.range_type_guid, sizeof(spa->guid));
	spa->pmem = !memcmp(r.range_type_guid, acpi_nfit_guid_pmem, 16);
	pr_debug("acpi: NFIT SPA %u 0x%llx-0x%llx %s\n", r.index,
		 (unsigned long long)r.base,
		 (unsigned long long)(r.base + r.length_bytes),
		 spa->pmem ? "persistent memory" : "other range type");
}

int acpi_nfit_parse(struct acpi_nfit_info *out, const void *tbl, size_t len)
{
	struct acpi_nfit_info n;
	struct acpi_sdt_header h;
	const u8 *t = tbl;
	u32 tlen, off;

	memset(out, 0, sizeof(*out));
	memset(&n, 0, sizeof(n));
	if (len < NFIT_STRUCTS) {
		pr_warn("acpi: NFIT of %zu bytes is too short\n", len);
		return -EINVAL;
	}
	memcpy(&h, t, sizeof(h));
	tlen = h.length;
	if (tlen < NFIT_STRUCTS || tlen > len) {
		pr_warn("acpi: NFIT length %u invalid (%zu readable)\n", tlen, len);
		return -EINVAL;
	}
	for (off = NFIT_STRUCTS; off < tlen;) {
		struct acpi_nfit_struct s;

		if (tlen - off < sizeof(s)) {
			pr_warn("acpi: NFIT truncated structure at offset %u\n", off);
			return -EINVAL;
		}
		memcpy(&s, t + off, sizeof(s));
		if (s.length < sizeof(s) || s.length > tlen - off) {
			pr_warn("acpi: NFIT structure type %u at offset %u has length %u\n",
				s.type, off, s.length);
			return -EINVAL;
		}
		if (s.type == NFIT_SPA) {
			if (s.length < sizeof(struct acpi_nfit_spa_raw)) {
				pr_warn("acpi: NFIT SPA at offset %u truncated (%u bytes)\n",
					off, s.length);
				return -EINVAL;
			}
			nfit_spa(&n, t + off, off);
		} else {
			n.nother++;
			pr_debug("acpi: NFIT %s structure (type %u, %u bytes)\n",
				 s.type < ARRAY_SIZE(nfit_type_name) ? nfit_type_name[s.type]
								   : "unknown",
				 s.type, s.length);
		}
		off += s.length;
	}
	n.present = true;
	*out = n;
	return 0;
}
