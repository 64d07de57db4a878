# libFuzzer target for the shell's word splitter (kernel/shell_parse.c) and
# line editor (kernel/lineedit.c); seeds in tests/fuzz/corpus/shell/.
FUZZ_BINS += shell
shell_FUZZ_SRCS := tests/fuzz/fuzz_shell.c tests/fuzz/fuzz_stubs.c kernel/shell_parse.c \
	kernel/lineedit.c
