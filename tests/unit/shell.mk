UNIT_BINS += shell
shell_SRCS := kernel/cmdline.c kernel/shell_parse.c kernel/lineedit.c tests/unit/test_shell.c
