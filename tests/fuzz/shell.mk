# libFuzzer target for the shell's word splitter (shell/shell_parse.c) and
# line editor (shell/lineedit.c); seeds in tests/fuzz/corpus/shell/.
FUZZ_BINS += shell
shell_FUZZ_SRCS := tests/fuzz/fuzz_shell.c tests/fuzz/fuzz_stubs.c shell/shell_parse.c \
	shell/lineedit.c
