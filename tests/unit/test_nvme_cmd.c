/*
 * test_nvme_cmd.c - host tests of drivers/nvme/nvme_cmd.c: each command's
 * dwords checked against the NVMe 1.4 layout (opcode, 0's based counts,
 * FUA, queue flags, abort fields), Identify decoding (LBA formats, strings,
 * namespace lists, MDTS, CAP.TO), the command identifier layout (tag and
 * generation), the I/O queue plan (nvme_qplan.c) and malformed input.
 */
#include "errno.h"
#include "ktest.h"
#include "lib.h"
#include "drivers/nvme/nvme_var.h"

static u32 dw(const struct nvme_sqe *s, unsigned i)
{
	u32 v;

	memcpy(&v, (const u8 *)s + i * 4, 4);
	return v;
}

KTEST(nvme_cmd, read_write)
{
	struct nvme_sqe s;

	KT_ASSERT_EQ(nvme_cmd_rw(&s, false, 1, 0x123456789aULL, 8, false), 0);
	KT_EXPECT_EQ(dw(&s, 0) & 0xff, 0x02);
	KT_EXPECT_EQ(dw(&s, 1), 1);
	KT_EXPECT_EQ(dw(&s, 10), 0x3456789a);
	KT_EXPECT_EQ(dw(&s, 11), 0x12);
	KT_EXPECT_EQ(dw(&s, 12), 7);
	KT_ASSERT_EQ(nvme_cmd_rw(&s, true, 3, 0, 65536, true), 0);
	KT_EXPECT_EQ(dw(&s, 0) & 0xff, 0x01);
	KT_EXPECT_EQ(dw(&s, 12), 0xffff | (1u << 30));
	KT_EXPECT_EQ(nvme_cmd_rw(&s, true, 1, 0, 0, false), -EINVAL);
	KT_EXPECT_EQ(nvme_cmd_rw(&s, true, 1, 0, 65537, false), -EINVAL);
	KT_EXPECT_EQ(nvme_cmd_rw(&s, true, 0, 0, 1, false), -EINVAL);

	nvme_sqe_set_cid(&s, 0xbeef);
	KT_EXPECT_EQ(dw(&s, 0) >> 16, 0xbeef);
	KT_EXPECT_EQ(dw(&s, 0) & 0xff, 0x01);
	nvme_sqe_set_prps(&s, 0x1000, 0x2000);
	KT_EXPECT_EQ(s.dptr.prp.prp1, 0x1000);
	KT_EXPECT_EQ(s.dptr.prp.prp2, 0x2000);
	KT_EXPECT_EQ((dw(&s, 0) >> 14) & 3, 0);
	KT_EXPECT_EQ(offsetof(struct nvme_sqe, dptr), 24);
	KT_EXPECT_EQ(offsetof(struct nvme_sqe, cdw10), 40);
}

KTEST(nvme_cmd, sgl_pointer)
{
	struct nvme_sqe s;
	struct nvme_sgl_desc d = { .addr = 0xabc000, .length = 4096, .type = 0x30 };

	nvme_cmd_rw(&s, false, 1, 0, 8, false);
	nvme_sqe_set_cid(&s, 7);
	nvme_sqe_set_sgl(&s, &d);
	KT_EXPECT_EQ((dw(&s, 0) >> 14) & 3, 1);	/* PSDT 01b */
	KT_EXPECT_EQ(dw(&s, 0) >> 16, 7);
	KT_EXPECT_EQ(dw(&s, 6), 0xabc000);
	KT_EXPECT_EQ(dw(&s, 8), 4096);
	KT_EXPECT_EQ(dw(&s, 9) >> 24, 0x30);
}

KTEST(nvme_cmd, flush_zeroes_dsm)
{
	struct nvme_sqe s;
	struct nvme_dsm_range r[4];

	nvme_cmd_flush(&s, 2);
	KT_EXPECT_EQ(dw(&s, 0), 0);
	KT_EXPECT_EQ(dw(&s, 1), 2);
	KT_ASSERT_EQ(nvme_cmd_write_zeroes(&s, 1, 100, 16, true, false), 0);
	KT_EXPECT_EQ(dw(&s, 0) & 0xff, 0x08);
	KT_EXPECT_EQ(dw(&s, 10), 100);
	KT_EXPECT_EQ(dw(&s, 12), 15 | (1u << 25));
	/* FUA: CDW12 bit 30, alone and with DEAC */
	KT_ASSERT_EQ(nvme_cmd_write_zeroes(&s, 1, 0x100000000ULL, 65536, false, true), 0);
	KT_EXPECT_EQ(dw(&s, 10), 0);
	KT_EXPECT_EQ(dw(&s, 11), 1);
	KT_EXPECT_EQ(dw(&s, 12), 0xffff | (1u << 30));
	KT_ASSERT_EQ(nvme_cmd_write_zeroes(&s, 1, 7, 1, true, true), 0);
	KT_EXPECT_EQ(dw(&s, 12), (1u << 25) | (1u << 30));
	KT_EXPECT_EQ(nvme_cmd_write_zeroes(&s, 1, 100, 0, false, false), -EINVAL);

	KT_ASSERT_EQ(nvme_cmd_dsm_deallocate(&s, 1, r, 4, 1000, 50), 1);
	KT_EXPECT_EQ(dw(&s, 0) & 0xff, 0x09);
	KT_EXPECT_EQ(dw(&s, 10), 0);		/* one range, 0's based */
	KT_EXPECT_EQ(dw(&s, 11), 4);		/* AD */
	KT_EXPECT_EQ(r[0].slba, 1000);
	KT_EXPECT_EQ(r[0].nlb, 50);
	KT_EXPECT_EQ(r[0].cattr, 0);
	/* more than 2^32-1 blocks need two ranges */
	KT_ASSERT_EQ(nvme_cmd_dsm_deallocate(&s, 1, r, 4, 0, 0x100000005ULL), 2);
	KT_EXPECT_EQ(dw(&s, 10), 1);
	KT_EXPECT_EQ(r[0].nlb, 0xffffffffU);
	KT_EXPECT_EQ(r[1].slba, 0xffffffffULL);
	KT_EXPECT_EQ(r[1].nlb, 6);
	KT_EXPECT_EQ(nvme_cmd_dsm_deallocate(&s, 1, r, 1, 0, 0x100000005ULL), -EINVAL);
	KT_EXPECT_EQ(nvme_cmd_dsm_deallocate(&s, 1, r, 4, 0, 0), -EINVAL);
}

KTEST(nvme_cmd, admin)
{
	struct nvme_sqe s;

	nvme_cmd_identify(&s, NVME_CNS_NS_ACTIVE_LIST, 0);
	KT_EXPECT_EQ(dw(&s, 0) & 0xff, 0x06);
	KT_EXPECT_EQ(dw(&s, 10), 2);

	KT_ASSERT_EQ(nvme_cmd_set_num_queues(&s, 2, 3), 0);
	KT_EXPECT_EQ(dw(&s, 0) & 0xff, 0x09);
	KT_EXPECT_EQ(dw(&s, 10), 7);
	KT_EXPECT_EQ(dw(&s, 11), (2u << 16) | 1);
	KT_EXPECT_EQ(nvme_cmd_set_num_queues(&s, 0, 1), -EINVAL);

	KT_ASSERT_EQ(nvme_cmd_create_cq(&s, 1, 1024, 0x200000, 1), 0);
	KT_EXPECT_EQ(dw(&s, 0) & 0xff, 0x05);
	KT_EXPECT_EQ(s.dptr.prp.prp1, 0x200000);
	KT_EXPECT_EQ(dw(&s, 10), (1023u << 16) | 1);
	KT_EXPECT_EQ(dw(&s, 11), (1u << 16) | 3);	/* IV 1, IEN, PC */
	KT_ASSERT_EQ(nvme_cmd_create_cq(&s, 2, 64, 0x300000, -1), 0);
	KT_EXPECT_EQ(dw(&s, 11), 1);			/* polled: PC only */
	KT_EXPECT_EQ(nvme_cmd_create_cq(&s, 0, 64, 0x300000, -1), -EINVAL);
	KT_EXPECT_EQ(nvme_cmd_create_cq(&s, 1, 1, 0x300000, -1), -EINVAL);
	KT_EXPECT_EQ(nvme_cmd_create_cq(&s, 1, 64, 0x300800, -1), -EINVAL);

	KT_ASSERT_EQ(nvme_cmd_create_sq(&s, 2, 256, 0x400000, 2), 0);
	KT_EXPECT_EQ(dw(&s, 0) & 0xff, 0x01);
	KT_EXPECT_EQ(dw(&s, 10), (255u << 16) | 2);
	KT_EXPECT_EQ(dw(&s, 11), (2u << 16) | 1);
	KT_EXPECT_EQ(nvme_cmd_create_sq(&s, 2, 256, 0x400000, 0), -EINVAL);

	nvme_cmd_delete_queue(&s, true, 3);
	KT_EXPECT_EQ(dw(&s, 0) & 0xff, 0x00);
	KT_EXPECT_EQ(dw(&s, 10), 3);
	nvme_cmd_delete_queue(&s, false, 3);
	KT_EXPECT_EQ(dw(&s, 0) & 0xff, 0x04);

	nvme_cmd_abort(&s, 1, 0x2a);
	KT_EXPECT_EQ(dw(&s, 0) & 0xff, 0x08);
	KT_EXPECT_EQ(dw(&s, 10), (0x2au << 16) | 1);
}

KTEST(nvme_cmd, registers)
{
	/* CAP of QEMU 7.2: MQES 0x7ff, CQR, TO 15, DSTRD 0, CSS NVM */
	u64 cap = 0x7ff | BIT(16) | (15ULL << 24) | (1ULL << 37);

	KT_EXPECT_EQ(FIELD_GET(NVME_CAP_MQES, cap), 0x7ff);
	KT_EXPECT_EQ(nvme_cap_timeout_ms(cap), 7500);
	KT_EXPECT_EQ(nvme_cap_timeout_ms(0), 500);
	KT_EXPECT_EQ(nvme_sq_doorbell(0, 0), 0x1000);
	KT_EXPECT_EQ(nvme_cq_doorbell(0, 0), 0x1004);
	KT_EXPECT_EQ(nvme_sq_doorbell(1, 0), 0x1008);
	KT_EXPECT_EQ(nvme_cq_doorbell(1, 0), 0x100c);
	KT_EXPECT_EQ(nvme_sq_doorbell(2, 2), 0x1000 + 4 * 16);
	KT_EXPECT_EQ(nvme_cq_doorbell(2, 2), 0x1000 + 5 * 16);
	KT_EXPECT_EQ(nvme_mdts_bytes(0, cap), 0);
	KT_EXPECT_EQ(nvme_mdts_bytes(7, cap), 512 * 1024);
	KT_EXPECT_EQ(nvme_mdts_bytes(5, cap | (1ULL << 48)), 8192 * 32);
	KT_EXPECT_EQ(nvme_mdts_bytes(255, cap), 1ULL << 40);
}

KTEST(nvme_cmd, identify_strings)
{
	char out[21];
	static const char sn[20] = "pfnos0              ";
	static const char odd[8] = { 'a', 1, 'b', ' ', 0, ' ', ' ', ' ' };

	nvme_id_string(out, sizeof(out), sn, sizeof(sn));
	KT_EXPECT_STREQ(out, "pfnos0");
	nvme_id_string(out, sizeof(out), odd, sizeof(odd));
	KT_EXPECT_STREQ(out, "a?b");
	nvme_id_string(out, 3, sn, sizeof(sn));
	KT_EXPECT_STREQ(out, "pf");
	nvme_id_string(out, sizeof(out), "                    ", 20);
	KT_EXPECT_STREQ(out, "");
}

KTEST(nvme_cmd, namespace_decode)
{
	static struct nvme_id_ns id;
	struct nvme_ns_geom g;

	memset(&id, 0, sizeof(id));
	id.nsze = id.ncap = 2097152;
	id.nlbaf = 1;
	id.lbaf[0].lbads = 9;
	id.lbaf[1].lbads = 12;
	id.flbas = 1;
	KT_ASSERT_EQ(nvme_ns_decode(&id, &g), 0);
	KT_EXPECT_EQ(g.lba_shift, 12);
	KT_EXPECT_EQ(g.lba_format, 1);
	KT_EXPECT_EQ(g.nsze, 2097152);
	id.flbas = 0;
	KT_ASSERT_EQ(nvme_ns_decode(&id, &g), 0);
	KT_EXPECT_EQ(g.lba_shift, 9);
	id.flbas = 2;				/* beyond NLBAF */
	KT_EXPECT_EQ(nvme_ns_decode(&id, &g), -EINVAL);
	id.flbas = 0x0f;
	KT_EXPECT_EQ(nvme_ns_decode(&id, &g), -EINVAL);
	id.flbas = 0;
	id.lbaf[0].lbads = 16;			/* 64 KiB blocks */
	KT_EXPECT_EQ(nvme_ns_decode(&id, &g), -EOPNOTSUPP);
	id.lbaf[0].lbads = 8;
	KT_EXPECT_EQ(nvme_ns_decode(&id, &g), -EOPNOTSUPP);
	id.lbaf[0].lbads = 9;
	id.lbaf[0].ms = 8;
	KT_EXPECT_EQ(nvme_ns_decode(&id, &g), -EOPNOTSUPP);
	id.lbaf[0].ms = 0;
	id.nsze = 0;
	KT_EXPECT_EQ(nvme_ns_decode(&id, &g), -ENODEV);
	id.nsze = ~0ULL;
	KT_EXPECT_EQ(nvme_ns_decode(&id, &g), -EOVERFLOW);
}

KTEST(nvme_cmd, namespace_list)
{
	u32 out[8];
	static const u32 good[] = { 1, 2, 7, 0, 9 };
	static const u32 unsorted[] = { 3, 2, 5 };
	static const u32 bcast[] = { 1, 0xffffffff };

	KT_EXPECT_EQ(nvme_ns_list_decode(good, ARRAY_SIZE(good), out, 8), 3);
	KT_EXPECT_EQ(out[2], 7);
	KT_EXPECT_EQ(nvme_ns_list_decode(good, ARRAY_SIZE(good), out, 2), 2);
	KT_EXPECT_EQ(nvme_ns_list_decode(unsorted, ARRAY_SIZE(unsorted), out, 8), 1);
	KT_EXPECT_EQ(nvme_ns_list_decode(bcast, ARRAY_SIZE(bcast), out, 8), 1);
	KT_EXPECT_EQ(nvme_ns_list_decode(good, 0, out, 8), 0);
}

/* Command identifiers: tag in 11:0, generation in 15:12 (nvme_var.h). */
KTEST(nvme_cmd, cid_generation)
{
	static const struct { u32 tag; unsigned gen; u16 cid; } t[] = {
		{ 0, 0, 0x0000 }, { 0, 1, 0x1000 }, { 1, 0, 0x0001 },
		{ 4095, 15, 0xffff }, { 4095, 0, 0x0fff }, { 0x123, 0xa, 0xa123 },
	};
	unsigned gen = 14;

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		u16 cid = nvme_cid_make(t[i].tag, t[i].gen);

		KT_EXPECT_EQ(cid, t[i].cid);
		KT_EXPECT_EQ(nvme_cid_tag(cid), t[i].tag);
		KT_EXPECT_EQ(nvme_cid_gen(cid), t[i].gen);
	}
	/* the generation wraps in 4 bits and never touches the tag */
	gen = nvme_cid_next_gen(gen);
	KT_EXPECT_EQ(gen, 15);
	gen = nvme_cid_next_gen(gen);
	KT_EXPECT_EQ(gen, 0);
	KT_EXPECT_EQ(nvme_cid_tag(nvme_cid_make(4095, nvme_cid_next_gen(15))), 4095);
	/* two submissions of one tag differ; 16 apart they meet again */
	KT_EXPECT(nvme_cid_make(7, 3) != nvme_cid_make(7, nvme_cid_next_gen(3)));
	gen = 3;
	for (unsigned i = 0; i < 16; i++)
		gen = nvme_cid_next_gen(gen);
	KT_EXPECT_EQ(nvme_cid_make(7, gen), nvme_cid_make(7, 3));
	/* the largest queue (4096 entries) leaves tags below 4096 */
	KT_EXPECT_EQ(NVME_CID_TAG + 1, 4096);
}

/* drivers/nvme/nvme_qplan.c: queues per CPU within MSI-X and the grant. */
KTEST(nvme_cmd, queue_plan_per_cpu_within_limits)
{
	static const struct {
		unsigned cpus, msix;
		int poll;
		unsigned granted, irq, poll_out;
	} t[] = {
		/* one CPU: one interrupt queue and, by default, one polled */
		{ 1, 65, -1, 0, 1, 1 },
		{ 1, 65, -1, 2, 1, 1 },
		{ 1, 65, 0, 0, 1, 0 },
		/* a queue per CPU, and as many polled ones by default */
		{ 4, 65, -1, 0, 4, 4 },
		{ 4, 65, 2, 0, 4, 2 },
		/* nvme.poll_queues= is a count, capped per CPU slot */
		{ 2, 65, 100, 0, 2, NVME_MAX_POLL_QUEUES },
		/* more CPUs than the array: NR_CPUS queues at most */
		{ NR_CPUS + 4, 65, 0, 0, NR_CPUS, 0 },
		/* MSI-X: entry 0 is the admin queue's, so msix - 1 for I/O */
		{ 4, 3, -1, 0, 2, 2 },
		/* one entry: one queue, sharing it with the admin CQ */
		{ 4, 1, -1, 0, 1, 1 },
		/* the grant: interrupt queues first, polled from what is left */
		{ 4, 65, -1, 6, 4, 2 },
		{ 4, 65, -1, 4, 4, 0 },
		{ 4, 65, -1, 2, 2, 0 },
		{ 4, 65, 1, 1, 1, 0 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		struct nvme_queue_plan p = {
			.cpus = t[i].cpus, .msix = t[i].msix,
			.poll_wanted = t[i].poll, .granted = t[i].granted,
		};

		KT_ASSERT_EQ(nvme_plan_queues(&p), 0);
		if (p.irq != t[i].irq || p.poll != t[i].poll_out)
			ktest_log("row %u: %u+%u", i, p.irq, p.poll);
		KT_EXPECT_EQ(p.irq, t[i].irq);
		KT_EXPECT_EQ(p.poll, t[i].poll_out);
	}
	/* no MSI-X, no CPU: nothing to plan */
	KT_EXPECT_EQ(nvme_plan_queues(&(struct nvme_queue_plan){ .cpus = 2 }), -ENODEV);
	KT_EXPECT_EQ(nvme_plan_queues(&(struct nvme_queue_plan){ .msix = 8 }), -ENODEV);
	/* MSI-X entries: I/O queue i on entry i + 1, all on 0 with one entry */
	KT_EXPECT_EQ(nvme_irq_entry(0, 65), 1);
	KT_EXPECT_EQ(nvme_irq_entry(3, 5), 4);
	KT_EXPECT_EQ(nvme_irq_entry(0, 1), 0);
}
