# Host unit tests of the NVMe driver's pure parts: PRP/SGL building,
# command encoding and Identify decoding, status mapping.
UNIT_BINS += nvme
nvme_SRCS := drivers/nvme/nvme_prp.c drivers/nvme/nvme_cmd.c \
	drivers/nvme/nvme_status.c block/scatterlist.c \
	tests/unit/test_nvme_prp.c tests/unit/test_nvme_cmd.c \
	tests/unit/test_nvme_status.c tests/unit/host_spinlock.c
# The NVMe core itself (drivers/nvme/nvme.c) built for the host against a
# fake controller behind the register accessors (tests/unit/nvme_fake.c),
# with the real block layer and DMA core: bring-up, I/O, reset paths.
UNIT_BINS += nvme_core
nvme_core_SRCS := drivers/nvme/nvme.c drivers/nvme/nvme_prp.c \
	drivers/nvme/nvme_cmd.c drivers/nvme/nvme_status.c block/dma_pool.c \
	block/dma_debug.c block/dma_mapping.c \
	$(filter block/%.c,$(block_SRCS)) tests/unit/block_host.c tests/unit/host_spinlock.c \
	tests/unit/nvme_fake.c tests/unit/test_nvme_core.c
# GCC cannot tell ns->disk.disk_name from ctrl->name (one object) at -O1
$(BUILD)/unit/drivers/nvme/nvme.o: UCFLAGS += -Wno-restrict
