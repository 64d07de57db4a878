# Host unit tests of the persistence checker's pure logic
# (tools/pmem-check/pmc.c): instruction classes from real encodings, the
# per-line model against the SDM's rules, calibration, symbols.
UNIT_BINS += pmemcheck
pmemcheck_SRCS := tools/pmem-check/pmc.c tests/unit/test_pmemcheck.c
