/*
 * fuzz_acpi_madt.c - libFuzzer target for the MADT, MCFG and HPET parsers
 * (drivers/acpi/madt.c). The input is one table; unless its last byte is
 * 0xff the header's length field is set to the input size so mutations reach
 * the entries instead of dying on the length check. Seeds:
 * tests/fuzz/corpus/acpi_madt/.
 */
#include <stdlib.h>
#include "acpi.h"
#include "lib.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct acpi_madt_info madt;
	struct acpi_mcfg_info mcfg;
	struct acpi_hpet_info hpet;
	u8 *t = malloc(size ? size : 1);

	memcpy(t, data, size);
	if (size >= ACPI_SDT_HEADER_LEN && t[size - 1] != 0xff) {
		u32 len = size;

		memcpy(t + 4, &len, 4);
	}
	if (!acpi_madt_parse(&madt, t, size)) {
		if (!madt.present || madt.ncpus > ACPI_MAX_CPUS ||
		    madt.nioapic > ACPI_MAX_IOAPICS || madt.noverride > ACPI_MAX_OVERRIDES ||
		    madt.nnmi > ACPI_MAX_NMIS)
			abort();
	} else if (madt.present || madt.ncpus) {
		abort();
	}
	if (!acpi_mcfg_parse(&mcfg, t, size)) {
		for (unsigned i = 0; i < mcfg.n; i++)
			if (mcfg.e[i].start_bus > mcfg.e[i].end_bus)
				abort();
	}
	acpi_hpet_parse(&hpet, t, size);
	free(t);
	return 0;
}
