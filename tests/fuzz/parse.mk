# libFuzzer target for the number parser (lib/parse.c) against a reference;
# seeds in tests/fuzz/corpus/parse/.
FUZZ_BINS += parse
parse_FUZZ_SRCS := tests/fuzz/fuzz_parse.c tests/fuzz/fuzz_stubs.c
