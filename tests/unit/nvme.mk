# Host unit tests of the NVMe driver's pure parts: PRP/SGL building,
# command encoding and Identify decoding, status mapping.
UNIT_BINS += nvme
nvme_SRCS := drivers/nvme/nvme_prp.c drivers/nvme/nvme_cmd.c \
	drivers/nvme/nvme_status.c block/scatterlist.c \
	tests/unit/test_nvme_prp.c tests/unit/test_nvme_cmd.c \
	tests/unit/test_nvme_status.c
