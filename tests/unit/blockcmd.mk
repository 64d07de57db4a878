UNIT_BINS += blockcmd
blockcmd_SRCS := kernel/blkcmd_parse.c tests/unit/test_blockcmd.c
