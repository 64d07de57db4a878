# libFuzzer target for the block commands' argument checks
# (shell/blkcmd_parse.c) and the bench job parser (bench/bench_parse.c);
# seeds in tests/fuzz/corpus/blockcmd/.
FUZZ_BINS += blockcmd
blockcmd_FUZZ_SRCS := tests/fuzz/fuzz_blockcmd.c tests/fuzz/fuzz_stubs.c \
	shell/blkcmd_parse.c bench/bench_parse.c lib/hist.c
