/*
 * nvme_reg.h - NVM Express hardware definitions: controller registers,
 * submission and completion queue entries, the PRP and SGL data pointers,
 * admin and NVM command opcodes and fields, Identify data structures and
 * status codes.
 *
 * Hardware only: this header includes nothing but types and the bit-field
 * helpers, and every value comes from the NVM Express Base Specification,
 * revision 1.4 (cited by section below). Device-visible structures are
 * packed and size-checked; registers are described with GENMASK fields and
 * read through FIELD_GET, never C bitfields. All multi-byte fields are
 * little endian (1.4, 1.5.1), which is the CPU's order on x86.
 *
 * Software state lives in nvme_var.h; the driver is nvme.c (core) and
 * nvme_pci.c (PCI glue).
 */
#ifndef PFNOS_NVME_REG_H
#define PFNOS_NVME_REG_H

#include "compiler.h"
#include "types.h"

/* PCI class code of an NVMe controller: mass storage, NVM, NVMe (PCI Code
 * and ID Assignment 1.11, 1.2; NVMe over PCIe 1.4, 2.1.5). */
#define NVME_PCI_CLASS		0x010802

/* ---- controller registers (1.4, 3.1; offsets into BAR0) ---- */
#define NVME_REG_CAP		0x00	/* 64: Controller Capabilities */
#define NVME_REG_VS		0x08	/* 32: Version */
#define NVME_REG_INTMS		0x0c	/* 32: Interrupt Mask Set */
#define NVME_REG_INTMC		0x10	/* 32: Interrupt Mask Clear */
#define NVME_REG_CC		0x14	/* 32: Controller Configuration */
#define NVME_REG_CSTS		0x1c	/* 32: Controller Status */
#define NVME_REG_NSSR		0x20	/* 32: NVM Subsystem Reset */
#define NVME_REG_AQA		0x24	/* 32: Admin Queue Attributes */
#define NVME_REG_ASQ		0x28	/* 64: Admin SQ Base Address */
#define NVME_REG_ACQ		0x30	/* 64: Admin CQ Base Address */
#define NVME_REG_DBS		0x1000	/* doorbells (3.1.24, 3.1.25) */

/* 3.1.1 CAP */
#define NVME_CAP_MQES		GENMASK(15, 0)	/* max queue entries, 0's based */
#define NVME_CAP_CQR		BIT(16)		/* contiguous queues required */
#define NVME_CAP_AMS		GENMASK(18, 17)
#define NVME_CAP_TO		GENMASK(31, 24)	/* ready timeout, 500 ms units */
#define NVME_CAP_DSTRD		GENMASK(35, 32)	/* doorbell stride 2^(2+DSTRD) */
#define NVME_CAP_NSSRS		BIT(36)
#define NVME_CAP_CSS		GENMASK(44, 37)	/* command sets supported */
#define  NVME_CAP_CSS_NVM	BIT(0)		/* ... bit 0 of the field */
#define NVME_CAP_BPS		BIT(45)
#define NVME_CAP_MPSMIN		GENMASK(51, 48)	/* 2^(12+MPSMIN) */
#define NVME_CAP_MPSMAX		GENMASK(55, 52)
#define NVME_CAP_PMRS		BIT(56)
#define NVME_CAP_CMBS		BIT(57)
#define NVME_CAP_TO_MS		500

/* 3.1.2 VS */
#define NVME_VS_MJR		GENMASK(31, 16)
#define NVME_VS_MNR		GENMASK(15, 8)
#define NVME_VS_TER		GENMASK(7, 0)

/* 3.1.5 CC */
#define NVME_CC_EN		BIT(0)
#define NVME_CC_CSS		GENMASK(6, 4)	/* 0: NVM command set */
#define  NVME_CC_CSS_NVM	0
#define NVME_CC_MPS		GENMASK(10, 7)	/* page size 2^(12+MPS) */
#define NVME_CC_AMS		GENMASK(13, 11)	/* 0: round robin */
#define NVME_CC_SHN		GENMASK(15, 14)	/* shutdown notification */
#define  NVME_CC_SHN_NONE	0
#define  NVME_CC_SHN_NORMAL	1
#define  NVME_CC_SHN_ABRUPT	2
#define NVME_CC_IOSQES		GENMASK(19, 16)	/* log2 SQ entry size (6) */
#define NVME_CC_IOCQES		GENMASK(23, 20)	/* log2 CQ entry size (4) */

/* 3.1.6 CSTS */
#define NVME_CSTS_RDY		BIT(0)
#define NVME_CSTS_CFS		BIT(1)		/* controller fatal status */
#define NVME_CSTS_SHST		GENMASK(3, 2)	/* shutdown status */
#define  NVME_CSTS_SHST_NORMAL	0
#define  NVME_CSTS_SHST_OCCURRING 1
#define  NVME_CSTS_SHST_CMPLT	2
#define NVME_CSTS_NSSRO		BIT(4)
#define NVME_CSTS_PP		BIT(5)

/* 3.1.8 AQA: both sizes 0's based, at most 4096 entries */
#define NVME_AQA_ASQS		GENMASK(11, 0)
#define NVME_AQA_ACQS		GENMASK(27, 16)
#define NVME_AQ_MAX_ENTRIES	4096

/*
 * 3.1.24/3.1.25: the tail doorbell of SQ y is at 0x1000 + (2y) * (4 <<
 * DSTRD), the head doorbell of CQ y at 0x1000 + (2y + 1) * (4 << DSTRD).
 */
static inline u64 nvme_sq_doorbell(unsigned qid, unsigned dstrd)
{
	return NVME_REG_DBS + (2ULL * qid) * (4ULL << dstrd);
}
static inline u64 nvme_cq_doorbell(unsigned qid, unsigned dstrd)
{
	return NVME_REG_DBS + (2ULL * qid + 1) * (4ULL << dstrd);
}

/* The host memory page size this driver programs: CC.MPS = 0 (4 KiB). */
#define NVME_PAGE_SHIFT		12
#define NVME_PAGE_SIZE		(1U << NVME_PAGE_SHIFT)

/* ---- data pointers (1.4, 4.3 PRP, 4.4 SGL) ---- */
/*
 * A PRP entry is a 64-bit address: page base plus an offset that must be
 * dword aligned (bits 1:0 zero). Only PRP1 (and a PRP2 that points at a
 * list) may carry an offset; every other entry points at a page start. A
 * PRP list fills one memory page with 8-byte entries; when more entries are
 * needed, the last entry of a full list page points to the next list page.
 */
#define NVME_PRP_ENTRY_SIZE	8U
#define NVME_PRPS_PER_PAGE	(NVME_PAGE_SIZE / NVME_PRP_ENTRY_SIZE)	/* 512 */

/* 4.4.1: an SGL descriptor is 16 bytes; the identifier (byte 15) holds the
 * type in bits 7:4 and the subtype in bits 3:0. */
struct nvme_sgl_desc {
	u64 addr;
	u32 length;
	u8 rsvd[3];
	u8 type;
} __packed;
_Static_assert(sizeof(struct nvme_sgl_desc) == 16, "SGL descriptor");
#define NVME_SGL_TYPE		GENMASK(7, 4)
#define NVME_SGL_SUBTYPE	GENMASK(3, 0)
#define NVME_SGL_TYPE_DATA	0x0	/* Data Block */
#define NVME_SGL_TYPE_BITBUCKET	0x1
#define NVME_SGL_TYPE_SEGMENT	0x2	/* points to a segment, more follow */
#define NVME_SGL_TYPE_LAST_SEG	0x3	/* points to the last segment */
#define NVME_SGL_SUBTYPE_ADDR	0x0	/* Address */
#define NVME_SGL_DESCS_PER_PAGE	(NVME_PAGE_SIZE / sizeof(struct nvme_sgl_desc))

/* ---- submission queue entry (1.4, 4.2) ---- */
struct nvme_sqe {
	u32 cdw0;		/* OPC, FUSE, PSDT, CID */
	u32 nsid;
	u32 cdw2;
	u32 cdw3;
	u64 mptr;		/* metadata pointer */
	union {
		struct {
			u64 prp1;
			u64 prp2;
		} __packed prp;
		struct nvme_sgl_desc sgl;	/* SGL Entry 1 */
	} __packed dptr;
	u32 cdw10;
	u32 cdw11;
	u32 cdw12;
	u32 cdw13;
	u32 cdw14;
	u32 cdw15;
} __packed;
_Static_assert(sizeof(struct nvme_sqe) == 64, "submission queue entry");
#define NVME_SQE_SHIFT		6	/* CC.IOSQES */

/* 4.2 Figure 105: command dword 0 */
#define NVME_CDW0_OPC		GENMASK(7, 0)
#define NVME_CDW0_FUSE		GENMASK(9, 8)
#define NVME_CDW0_PSDT		GENMASK(15, 14)
#define  NVME_PSDT_PRP		0
#define  NVME_PSDT_SGL_MPTR_CONTIG 1	/* SGL for data, MPTR a buffer */
#define  NVME_PSDT_SGL_MPTR_SGL	2	/* SGL for data, MPTR an SGL */
#define NVME_CDW0_CID		GENMASK(31, 16)

/* ---- completion queue entry (1.4, 4.6) ---- */
struct nvme_cqe {
	u32 dw0;		/* command specific */
	u32 dw1;
	u16 sqhd;		/* SQ head pointer */
	u16 sqid;
	u16 cid;
	u16 status;		/* phase tag and status field */
} __packed;
_Static_assert(sizeof(struct nvme_cqe) == 16, "completion queue entry");
#define NVME_CQE_SHIFT		4	/* CC.IOCQES */

/* 4.6.1 status half of dword 3 (bits 31:16 of DW3, bit 0 here = P) */
#define NVME_CQE_PHASE		BIT(0)
#define NVME_CQE_SC		GENMASK(8, 1)	/* status code */
#define NVME_CQE_SCT		GENMASK(11, 9)	/* status code type */
#define NVME_CQE_CRD		GENMASK(13, 12)	/* command retry delay */
#define NVME_CQE_M		BIT(14)		/* more (error log) */
#define NVME_CQE_DNR		BIT(15)		/* do not retry */

/* 4.6.1.2: status code types */
#define NVME_SCT_GENERIC	0x0
#define NVME_SCT_CMD_SPECIFIC	0x1
#define NVME_SCT_MEDIA		0x2	/* media and data integrity errors */
#define NVME_SCT_PATH		0x3
#define NVME_SCT_VENDOR		0x7

/* 4.6.1.2.1 generic command status (Figure 128 and 129 for NVM) */
#define NVME_SC_SUCCESS			0x00
#define NVME_SC_INVALID_OPCODE		0x01
#define NVME_SC_INVALID_FIELD		0x02
#define NVME_SC_CMDID_CONFLICT		0x03
#define NVME_SC_DATA_XFER_ERROR		0x04
#define NVME_SC_POWER_LOSS		0x05
#define NVME_SC_INTERNAL		0x06
#define NVME_SC_ABORT_REQ		0x07
#define NVME_SC_ABORT_SQ_DELETED	0x08
#define NVME_SC_FUSED_FAIL		0x09
#define NVME_SC_FUSED_MISSING		0x0a
#define NVME_SC_INVALID_NS		0x0b
#define NVME_SC_CMD_SEQ_ERROR		0x0c
#define NVME_SC_SGL_INVALID_LAST	0x0d
#define NVME_SC_SGL_INVALID_COUNT	0x0e
#define NVME_SC_SGL_INVALID_DATA	0x0f
#define NVME_SC_SGL_INVALID_METADATA	0x10
#define NVME_SC_SGL_INVALID_TYPE	0x11
#define NVME_SC_CMB_INVALID_USE		0x12
#define NVME_SC_PRP_INVALID_OFFSET	0x13
#define NVME_SC_ATOMIC_WU_EXCEEDED	0x14
#define NVME_SC_OP_DENIED		0x15
#define NVME_SC_SGL_INVALID_OFFSET	0x16
#define NVME_SC_HOSTID_FORMAT		0x18
#define NVME_SC_KA_EXPIRED		0x19
#define NVME_SC_KA_INVALID		0x1a
#define NVME_SC_ABORT_PREEMPT		0x1b
#define NVME_SC_SANITIZE_FAILED		0x1c
#define NVME_SC_SANITIZE_IN_PROGRESS	0x1d
#define NVME_SC_SGL_INVALID_GRANULARITY	0x1e
#define NVME_SC_CMD_NOT_SUP_CMB_QUEUE	0x1f
#define NVME_SC_NS_WRITE_PROTECTED	0x20
#define NVME_SC_CMD_INTERRUPTED		0x21
#define NVME_SC_TRANSIENT_TR_ERR	0x22
#define NVME_SC_LBA_RANGE		0x80
#define NVME_SC_CAP_EXCEEDED		0x81
#define NVME_SC_NS_NOT_READY		0x82
#define NVME_SC_RESERVATION_CONFLICT	0x83
#define NVME_SC_FORMAT_IN_PROGRESS	0x84

/* 4.6.1.2.2 command specific status (Figure 130 and 131 for NVM) */
#define NVME_SC_CQ_INVALID		0x00
#define NVME_SC_QID_INVALID		0x01
#define NVME_SC_QUEUE_SIZE		0x02
#define NVME_SC_ABORT_LIMIT		0x03
#define NVME_SC_AER_LIMIT		0x05
#define NVME_SC_FW_SLOT			0x06
#define NVME_SC_FW_IMAGE		0x07
#define NVME_SC_INVALID_VECTOR		0x08
#define NVME_SC_INVALID_LOG_PAGE	0x09
#define NVME_SC_INVALID_FORMAT		0x0a
#define NVME_SC_INVALID_QUEUE_DELETION	0x0c
#define NVME_SC_FEATURE_NOT_SAVEABLE	0x0d
#define NVME_SC_FEATURE_NOT_CHANGEABLE	0x0e
#define NVME_SC_FEATURE_NOT_PER_NS	0x0f
#define NVME_SC_CONFLICTING_ATTRS	0x80
#define NVME_SC_INVALID_PI		0x81
#define NVME_SC_READ_ONLY		0x82

/* 4.6.1.2.3 media and data integrity errors (Figure 132) */
#define NVME_SC_WRITE_FAULT		0x80
#define NVME_SC_READ_ERROR		0x81
#define NVME_SC_GUARD_CHECK		0x82
#define NVME_SC_APPTAG_CHECK		0x83
#define NVME_SC_REFTAG_CHECK		0x84
#define NVME_SC_COMPARE_FAILED		0x85
#define NVME_SC_ACCESS_DENIED		0x86
#define NVME_SC_UNWRITTEN_BLOCK		0x87

/* 4.6.1.2.4 path related status (Figure 133) */
#define NVME_SC_INTERNAL_PATH_ERROR	0x00
#define NVME_SC_ANA_PERSISTENT_LOSS	0x01
#define NVME_SC_ANA_INACCESSIBLE	0x02
#define NVME_SC_ANA_TRANSITION		0x03
#define NVME_SC_CTRL_PATH_ERROR		0x60
#define NVME_SC_HOST_PATH_ERROR		0x70
#define NVME_SC_HOST_ABORTED_CMD	0x71

/* ---- admin commands (1.4, 5, Figure 139) ---- */
#define NVME_ADMIN_DELETE_SQ	0x00
#define NVME_ADMIN_CREATE_SQ	0x01
#define NVME_ADMIN_GET_LOG_PAGE	0x02
#define NVME_ADMIN_DELETE_CQ	0x04
#define NVME_ADMIN_CREATE_CQ	0x05
#define NVME_ADMIN_IDENTIFY	0x06
#define NVME_ADMIN_ABORT	0x08
#define NVME_ADMIN_SET_FEATURES	0x09
#define NVME_ADMIN_GET_FEATURES	0x0a
#define NVME_ADMIN_ASYNC_EVENT	0x0c

/* 5.1 Abort: CDW10 */
#define NVME_ABORT_SQID		GENMASK(15, 0)
#define NVME_ABORT_CID		GENMASK(31, 16)
/* completion DW0 bit 0: 0 the command was aborted, 1 it was not */
#define NVME_ABORT_NOT_ABORTED	BIT(0)

/* 5.3/5.4 Create I/O CQ/SQ, 5.6/5.7 Delete: CDW10 */
#define NVME_QUEUE_QID		GENMASK(15, 0)
#define NVME_QUEUE_QSIZE	GENMASK(31, 16)	/* 0's based */
/* Create I/O CQ CDW11 */
#define NVME_CQ_PC		BIT(0)		/* physically contiguous */
#define NVME_CQ_IEN		BIT(1)		/* interrupts enabled */
#define NVME_CQ_IV		GENMASK(31, 16)	/* interrupt vector (MSI-X entry) */
/* Create I/O SQ CDW11 */
#define NVME_SQ_PC		BIT(0)
#define NVME_SQ_QPRIO		GENMASK(2, 1)
#define NVME_SQ_CQID		GENMASK(31, 16)

/* 5.15 Identify: CDW10 */
#define NVME_IDENTIFY_CNS	GENMASK(7, 0)
#define NVME_IDENTIFY_CNTID	GENMASK(31, 16)
#define NVME_CNS_NS		0x00	/* Identify Namespace (NSID) */
#define NVME_CNS_CTRL		0x01	/* Identify Controller */
#define NVME_CNS_NS_ACTIVE_LIST	0x02	/* active NSIDs above NSID */
#define NVME_IDENTIFY_DATA_SIZE	4096
#define NVME_NS_LIST_ENTRIES	1024

/* 5.21 Set Features: CDW10 */
#define NVME_FEAT_FID		GENMASK(7, 0)
#define NVME_FEAT_SV		BIT(31)
#define NVME_FEAT_NUM_QUEUES	0x07	/* 5.21.1.7 */
/* Number of Queues CDW11 and completion DW0: both counts 0's based */
#define NVME_NUMQ_NSQ		GENMASK(15, 0)
#define NVME_NUMQ_NCQ		GENMASK(31, 16)

/* ---- NVM command set (1.4, 6, Figure 346) ---- */
#define NVME_CMD_FLUSH		0x00
#define NVME_CMD_WRITE		0x01
#define NVME_CMD_READ		0x02
#define NVME_CMD_WRITE_UNCOR	0x04
#define NVME_CMD_COMPARE	0x05
#define NVME_CMD_WRITE_ZEROES	0x08
#define NVME_CMD_DSM		0x09

/* 6.9 Read / 6.15 Write: CDW10-11 SLBA, CDW12: */
#define NVME_RW_NLB		GENMASK(15, 0)	/* 0's based */
#define NVME_RW_PRINFO		GENMASK(29, 26)
#define NVME_RW_FUA		BIT(30)
#define NVME_RW_LR		BIT(31)
#define NVME_MAX_NLB		65536U
/* 6.16 Write Zeroes CDW12 adds: */
#define NVME_WZ_DEAC		BIT(25)		/* deallocate */

/* 6.7 Dataset Management: CDW10 NR (0's based ranges), CDW11 attributes */
#define NVME_DSM_NR		GENMASK(7, 0)
#define NVME_DSM_IDR		BIT(0)
#define NVME_DSM_IDW		BIT(1)
#define NVME_DSM_AD		BIT(2)		/* deallocate */
struct nvme_dsm_range {
	u32 cattr;		/* context attributes */
	u32 nlb;		/* length in logical blocks (not 0's based) */
	u64 slba;
} __packed;
_Static_assert(sizeof(struct nvme_dsm_range) == 16, "DSM range");
#define NVME_DSM_MAX_RANGES	256

/* ---- Identify Controller data structure (1.4, 5.15.2.2, Figure 251) ---- */
struct nvme_id_ctrl {
	u16 vid;		/* 0 PCI vendor ID */
	u16 ssvid;		/* 2 */
	char sn[20];		/* 4 serial number, ASCII, space padded */
	char mn[40];		/* 24 model number */
	char fr[8];		/* 64 firmware revision */
	u8 rab;			/* 72 */
	u8 ieee[3];		/* 73 */
	u8 cmic;		/* 76 */
	u8 mdts;		/* 77 max data transfer 2^n * MPSMIN, 0: none */
	u16 cntlid;		/* 78 */
	u32 ver;		/* 80 version, VS layout */
	u32 rtd3r;		/* 84 */
	u32 rtd3e;		/* 88 */
	u32 oaes;		/* 92 */
	u32 ctratt;		/* 96 */
	u8 rsvd100[156];	/* 100 ... 255 */
	u16 oacs;		/* 256 optional admin commands */
	u8 acl;			/* 258 abort command limit, 0's based */
	u8 aerl;		/* 259 */
	u8 frmw;		/* 260 */
	u8 lpa;			/* 261 */
	u8 elpe;		/* 262 */
	u8 npss;		/* 263 */
	u8 avscc;		/* 264 */
	u8 apsta;		/* 265 */
	u16 wctemp;		/* 266 */
	u16 cctemp;		/* 268 */
	u8 rsvd270[242];	/* 270 ... 511 */
	u8 sqes;		/* 512 SQ entry size: max[7:4] required[3:0] */
	u8 cqes;		/* 513 */
	u16 maxcmd;		/* 514 */
	u32 nn;			/* 516 number of namespaces */
	u16 oncs;		/* 520 optional NVM commands */
	u16 fuses;		/* 522 */
	u8 fna;			/* 524 */
	u8 vwc;			/* 525 volatile write cache */
	u16 awun;		/* 526 */
	u16 awupf;		/* 528 */
	u8 nvscc;		/* 530 */
	u8 nwpc;		/* 531 */
	u16 acwu;		/* 532 */
	u16 rsvd534;		/* 534 */
	u32 sgls;		/* 536 SGL support */
	u32 mnan;		/* 540 */
	u8 rsvd544[224];	/* 544 ... 767 */
	char subnqn[256];	/* 768 */
	u8 rsvd1024[1024];	/* 1024 ... 2047 (fabrics, reserved) */
	u8 psd[1024];		/* 2048 power state descriptors */
	u8 vs[1024];		/* 3072 vendor specific */
} __packed;
_Static_assert(sizeof(struct nvme_id_ctrl) == 4096, "Identify Controller");
_Static_assert(offsetof(struct nvme_id_ctrl, mdts) == 77, "MDTS offset");
_Static_assert(offsetof(struct nvme_id_ctrl, oacs) == 256, "OACS offset");
_Static_assert(offsetof(struct nvme_id_ctrl, sqes) == 512, "SQES offset");
_Static_assert(offsetof(struct nvme_id_ctrl, sgls) == 536, "SGLS offset");
_Static_assert(offsetof(struct nvme_id_ctrl, subnqn) == 768, "SUBNQN offset");

/* ONCS bits */
#define NVME_ONCS_COMPARE	BIT(0)
#define NVME_ONCS_WRITE_UNCOR	BIT(1)
#define NVME_ONCS_DSM		BIT(2)
#define NVME_ONCS_WRITE_ZEROES	BIT(3)
#define NVME_ONCS_SAVE_FEAT	BIT(4)
#define NVME_ONCS_RESERVATIONS	BIT(5)
#define NVME_ONCS_TIMESTAMP	BIT(6)
#define NVME_ONCS_VERIFY	BIT(7)
/* VWC bit 0: a volatile write cache is present */
#define NVME_VWC_PRESENT	BIT(0)
/* SGLS bits 1:0: 0 none, 1 supported, 2 supported with dword alignment */
#define NVME_SGLS_SUPPORT	GENMASK(1, 0)
#define  NVME_SGLS_NONE		0
#define  NVME_SGLS_ANY_ALIGN	1
#define  NVME_SGLS_DWORD_ALIGN	2
#define NVME_SGLS_KEYED		BIT(2)
#define NVME_SGLS_BITBUCKET	BIT(16)

/* ---- Identify Namespace data structure (1.4, 6.1.5, Figure 245) ---- */
struct nvme_lbaf {
	u16 ms;			/* metadata bytes per LBA */
	u8 lbads;		/* LBA data size 2^n, n >= 9 */
	u8 rp;			/* relative performance, bits 1:0 */
} __packed;
_Static_assert(sizeof(struct nvme_lbaf) == 4, "LBA format");

struct nvme_id_ns {
	u64 nsze;		/* 0 size in logical blocks */
	u64 ncap;		/* 8 capacity */
	u64 nuse;		/* 16 utilization */
	u8 nsfeat;		/* 24 */
	u8 nlbaf;		/* 25 number of LBA formats, 0's based */
	u8 flbas;		/* 26 formatted LBA size: index in 3:0 */
	u8 mc;			/* 27 */
	u8 dpc;			/* 28 */
	u8 dps;			/* 29 */
	u8 nmic;		/* 30 */
	u8 rescap;		/* 31 */
	u8 fpi;			/* 32 */
	u8 dlfeat;		/* 33 */
	u16 nawun;		/* 34 */
	u16 nawupf;		/* 36 */
	u16 nacwu;		/* 38 */
	u16 nabsn;		/* 40 */
	u16 nabo;		/* 42 */
	u16 nabspf;		/* 44 */
	u16 noiob;		/* 46 */
	u8 nvmcap[16];		/* 48 */
	u16 npwg;		/* 64 */
	u16 npwa;		/* 66 */
	u16 npdg;		/* 68 */
	u16 npda;		/* 70 */
	u16 nows;		/* 72 */
	u8 rsvd74[18];		/* 74 */
	u32 anagrpid;		/* 92 */
	u8 rsvd96[3];		/* 96 */
	u8 nsattr;		/* 99 */
	u16 nvmsetid;		/* 100 */
	u16 endgid;		/* 102 */
	u8 nguid[16];		/* 104 */
	u8 eui64[8];		/* 120 */
	struct nvme_lbaf lbaf[16];	/* 128 */
	u8 rsvd192[192];	/* 192 */
	u8 vs[3712];		/* 384 */
} __packed;
_Static_assert(sizeof(struct nvme_id_ns) == 4096, "Identify Namespace");
_Static_assert(offsetof(struct nvme_id_ns, lbaf) == 128, "LBAF offset");
#define NVME_NS_FLBAS_LBA_MASK	GENMASK(3, 0)
#define NVME_NS_FLBAS_META_EXT	BIT(4)
#define NVME_NS_NSFEAT_THIN	BIT(0)

#endif
