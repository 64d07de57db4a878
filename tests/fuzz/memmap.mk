# libFuzzer targets for the boot-info parsers (kernel/bootinfo.c) and the
# memory map (mm/memmap.c): sanitizer, regions, memmap=.
FUZZ_BINS += bootinfo memmap
bootinfo_FUZZ_SRCS := tests/fuzz/fuzz_bootinfo.c tests/fuzz/fuzz_check.c \
	tests/fuzz/fuzz_stubs.c kernel/bootinfo.c mm/memmap.c
memmap_FUZZ_SRCS := tests/fuzz/fuzz_memmap.c tests/fuzz/fuzz_check.c \
	tests/fuzz/fuzz_stubs.c mm/memmap.c
