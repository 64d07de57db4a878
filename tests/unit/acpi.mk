# Host unit tests of the ACPI parsers (RSDP, root tables, FADT/_S5, MADT,
# MCFG, HPET, NFIT) on synthetic tables in a fake physical memory.
UNIT_BINS += acpi
acpi_SRCS := drivers/acpi/tables.c drivers/acpi/fadt.c drivers/acpi/madt.c \
	drivers/acpi/nfit.c tests/unit/test_acpi.c
