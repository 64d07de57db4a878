UNIT_BINS += lib
lib_SRCS := tests/unit/test_lib.c
