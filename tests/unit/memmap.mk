# Host tests of the boot memory map (mm/memmap.c) and of the boot-info
# parsers (kernel/bootinfo.c) that feed it.
UNIT_BINS += memmap bootinfo
memmap_SRCS := mm/memmap.c tests/unit/test_memmap.c
bootinfo_SRCS := kernel/bootinfo.c mm/memmap.c tests/unit/test_bootinfo.c
