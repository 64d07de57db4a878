# Host unit tests of the lock.debug checker's pure core (kernel/lockdep.c):
# classes, the learned order graph, held stacks, interrupt usage.
UNIT_BINS += lockdep
lockdep_SRCS := kernel/lockdep.c tests/unit/test_lockdep.c
