/*
 * fuzz_acpi_nfit.c - libFuzzer target for the NFIT parser
 * (drivers/acpi/nfit.c). The input is one table; unless its last byte is
 * 0xff the header's length field is set to the input size. Every SPA range
 * the parser returns must be non-empty and not wrap. Seeds:
 * tests/fuzz/corpus/acpi_nfit/.
 */
#include <stdlib.h>
#include "acpi.h"
#include "lib.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct acpi_nfit_info n;
	u8 *t = malloc(size ? size : 1);

	memcpy(t, data, size);
	if (size >= ACPI_SDT_HEADER_LEN && t[size - 1] != 0xff) {
		u32 len = size;

		memcpy(t + 4, &len, 4);
	}
	if (!acpi_nfit_parse(&n, t, size)) {
		if (n.nspa > ACPI_MAX_SPA)
			abort();
		for (unsigned i = 0; i < n.nspa; i++)
			if (!n.spa[i].length || n.spa[i].base + n.spa[i].length < n.spa[i].base)
				abort();
	} else if (n.present || n.nspa) {
		abort();
	}
	free(t);
	return 0;
}
