# libFuzzer targets for the ACPI parsers, one per family; seeds in
# tests/fuzz/corpus/acpi_{tables,madt,nfit}/.
ACPI_FUZZ_COMMON := drivers/acpi/tables.c drivers/acpi/fadt.c drivers/acpi/madt.c \
	drivers/acpi/nfit.c tests/fuzz/fuzz_acpi_stubs.c tests/fuzz/fuzz_stubs.c
FUZZ_BINS += acpi_tables acpi_madt acpi_nfit
acpi_tables_FUZZ_SRCS := $(ACPI_FUZZ_COMMON) tests/fuzz/fuzz_acpi_tables.c
acpi_madt_FUZZ_SRCS := $(ACPI_FUZZ_COMMON) tests/fuzz/fuzz_acpi_madt.c
acpi_nfit_FUZZ_SRCS := $(ACPI_FUZZ_COMMON) tests/fuzz/fuzz_acpi_nfit.c
# The RSDP scan of the BIOS areas and the RSDP check against a reference;
# seeds in tests/fuzz/corpus/acpi_rsdp/.
FUZZ_BINS += acpi_rsdp
acpi_rsdp_FUZZ_SRCS := $(ACPI_FUZZ_COMMON) tests/fuzz/fuzz_acpi_rsdp.c
