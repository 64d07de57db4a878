# Host tests of the NVDIMM namespace code (drivers/nvdimm/): info blocks,
# the BTT, crash recovery at every durability point, bad input.
UNIT_BINS += nd
nd_SRCS := drivers/nvdimm/nd_info.c drivers/nvdimm/btt.c tests/unit/nd_host.c \
	tests/unit/test_nd.c
