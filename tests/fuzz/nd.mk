# libFuzzer target for the NVDIMM namespace parsers (drivers/nvdimm/):
# info blocks, BTT discovery, flog and map, recovery, check.
FUZZ_BINS += nd
nd_FUZZ_SRCS := tests/fuzz/fuzz_nd.c drivers/nvdimm/nd_info.c drivers/nvdimm/btt.c \
	tests/unit/nd_host.c
