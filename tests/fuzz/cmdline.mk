# libFuzzer target for the kernel command line (kernel/cmdline.c) and the
# typed parameter lookups (kernel/params.c); seeds in tests/fuzz/corpus/cmdline/.
FUZZ_BINS += cmdline
cmdline_FUZZ_SRCS := tests/fuzz/fuzz_cmdline.c tests/fuzz/fuzz_stubs.c kernel/cmdline.c \
	kernel/params.c
