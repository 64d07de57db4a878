UNIT_BINS += shell
shell_SRCS := kernel/cmdline.c shell/shell_parse.c shell/lineedit.c tests/unit/test_shell.c
