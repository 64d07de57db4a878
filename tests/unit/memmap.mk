# Host tests of the boot memory map (mm/memmap.c).
UNIT_BINS += memmap
memmap_SRCS := mm/memmap.c tests/unit/test_memmap.c
