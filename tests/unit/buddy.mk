# Host unit tests of the frame allocator core.
UNIT_BINS += buddy
buddy_SRCS := mm/buddy.c tests/unit/test_buddy.c
