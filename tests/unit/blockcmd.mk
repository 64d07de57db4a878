UNIT_BINS += blockcmd
blockcmd_SRCS := shell/blkcmd_parse.c tests/unit/test_blockcmd.c
