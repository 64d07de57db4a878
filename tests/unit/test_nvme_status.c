/*
 * test_nvme_status.c - host tests of drivers/nvme/nvme_status.c: every
 * status the driver can meet maps to the intended -errno and a name, unknown
 * and vendor codes fall back to -EIO, and the CQE status half-word is split
 * into SCT and SC at the right bits (NVMe 1.4, 4.6.1).
 */
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "drivers/nvme/nvme_var.h"

KTEST(nvme_status, table)
{
	static const struct {
		unsigned sct, sc;
		int err;
		const char *name;
	} t[] = {
		{ 0, 0x00, 0, "success" },
		{ 0, 0x01, -EOPNOTSUPP, "invalid command opcode" },
		{ 0, 0x02, -EINVAL, "invalid field in command" },
		{ 0, 0x04, -EIO, "data transfer error" },
		{ 0, 0x06, -EIO, "internal error" },
		{ 0, 0x07, -ECANCELED, "aborted: abort requested" },
		{ 0, 0x08, -ECANCELED, "aborted: SQ deleted" },
		{ 0, 0x0b, -ENODEV, "invalid namespace or format" },
		{ 0, 0x13, -EINVAL, "PRP offset invalid" },
		{ 0, 0x20, -EPERM, "namespace is write protected" },
		{ 0, 0x80, -EIO, "LBA out of range" },
		{ 0, 0x81, -ENOSPC, "capacity exceeded" },
		{ 0, 0x82, -EAGAIN, "namespace not ready" },
		{ 1, 0x00, -EINVAL, "completion queue invalid" },
		{ 1, 0x01, -EINVAL, "invalid queue identifier" },
		{ 1, 0x02, -EINVAL, "invalid queue size" },
		{ 1, 0x03, -EBUSY, "abort command limit exceeded" },
		{ 1, 0x08, -EINVAL, "invalid interrupt vector" },
		{ 1, 0x82, -EPERM, "attempted write to read only range" },
		{ 2, 0x80, -EIO, "write fault" },
		{ 2, 0x81, -EIO, "unrecovered read error" },
		{ 2, 0x85, -EIO, "compare failure" },
		{ 2, 0x86, -EPERM, "access denied" },
		{ 2, 0x87, -ENODATA, "deallocated or unwritten logical block" },
		{ 3, 0x00, -EIO, "internal path error" },
		{ 3, 0x71, -ECANCELED, "command aborted by host" },
		/* unknown codes and types */
		{ 0, 0x7f, -EIO, "unknown generic status" },
		{ 1, 0x7f, -EIO, "unknown command specific status" },
		{ 2, 0x00, -EIO, "unknown media error" },
		{ 3, 0x42, -EIO, "unknown path error" },
		{ 7, 0x12, -EIO, "vendor specific" },
		{ 4, 0x00, -EIO, "reserved status code type" },
		{ 6, 0xff, -EIO, "reserved status code type" },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		KT_EXPECT_EQ(nvme_status_errno(t[i].sct, t[i].sc), t[i].err);
		KT_EXPECT_STREQ(nvme_status_name(t[i].sct, t[i].sc), t[i].name);
	}
}

/* Only success maps to 0, and every code of every type has a name. */
KTEST(nvme_status, exhaustive)
{
	for (unsigned sct = 0; sct < 8; sct++)
		for (unsigned sc = 0; sc < 256; sc++) {
			int err = nvme_status_errno(sct, sc);
			const char *name = nvme_status_name(sct, sc);

			KT_ASSERT(name && name[0]);
			if (sct == 0 && sc == 0)
				KT_EXPECT_EQ(err, 0);
			else
				KT_ASSERT(err < 0);
		}
}

/* The CQE status half-word: P bit 0, SC bits 8:1, SCT 11:9, CRD, M, DNR. */
KTEST(nvme_status, cqe_fields)
{
	static const struct { u16 status; int err; } t[] = {
		{ 0x0000, 0 },
		{ 0x0001, 0 },				/* phase only */
		{ 0x0100, -EIO },			/* SC 0x80: LBA range */
		{ 0x0101, -EIO },
		{ 0x8000 | 0x0100, -EIO },		/* DNR */
		{ 0x4000 | 0x0004, -EINVAL },		/* M, SC 0x02 */
		{ (1 << 9) | (0x02 << 1), -EINVAL },	/* SCT 1 SC 2 */
		{ (2 << 9) | (0x87 << 1) | 1, -ENODATA },
		{ (0 << 9) | (0x07 << 1), -ECANCELED },
		{ 0x3000 | (0x81 << 1), -ENOSPC },	/* CRD ignored */
	};

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++)
		KT_EXPECT_EQ(nvme_cqe_errno(t[i].status), t[i].err);
	KT_EXPECT_EQ(FIELD_GET(NVME_CQE_SC, 0x0100), 0x80);
	KT_EXPECT_EQ(FIELD_GET(NVME_CQE_SCT, (u16)(2 << 9)), 2);
	KT_EXPECT(FIELD_GET(NVME_CQE_DNR, 0x8000));
}
