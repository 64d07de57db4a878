UNIT_BINS += smp
smp_SRCS := kernel/smp_plan.c tests/unit/test_smp_plan.c
