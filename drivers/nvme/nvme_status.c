/*
 * nvme_status.c - NVMe completion status (status code type, status code)
 * to -errno, and a readable name for log lines.
 *
 * Pure: a table per status code type (NVMe 1.4, 4.6.1.2, Figures 128-133).
 * The core logs failures as
 *	"nvme0: READ failed: SCT 0 SC 0x80 (LBA out of range) -> -EIO"
 * Anything not listed maps to -EIO with a generic name; vendor specific
 * codes (SCT 7) likewise.
 */
#include "errno.h"
#include "nvme_var.h"

struct nvme_status_entry {
	u8 sc;
	s16 err;
	const char *name;
};

static const struct nvme_status_entry nvme_generic_status[] = {
	{ NVME_SC_SUCCESS, 0, "success" },
	{ NVME_SC_INVALID_OPCODE, -EOPNOTSUPP, "invalid command opcode" },
	{ NVME_SC_INVALID_FIELD, -EINVAL, "invalid field in command" },
	{ NVME_SC_CMDID_CONFLICT, -EIO, "command ID conflict" },
	{ NVME_SC_DATA_XFER_ERROR, -EIO, "data transfer error" },
	{ NVME_SC_POWER_LOSS, -EIO, "aborted: power loss notification" },
	{ NVME_SC_INTERNAL, -EIO, "internal error" },
	{ NVME_SC_ABORT_REQ, -ECANCELED, "aborted: abort requested" },
	{ NVME_SC_ABORT_SQ_DELETED, -ECANCELED, "aborted: SQ deleted" },
	{ NVME_SC_FUSED_FAIL, -EIO, "aborted: failed fused command" },
	{ NVME_SC_FUSED_MISSING, -EIO, "aborted: missing fused command" },
	{ NVME_SC_INVALID_NS, -ENODEV, "invalid namespace or format" },
	{ NVME_SC_CMD_SEQ_ERROR, -EIO, "command sequence error" },
	{ NVME_SC_SGL_INVALID_LAST, -EINVAL, "invalid SGL segment descriptor" },
	{ NVME_SC_SGL_INVALID_COUNT, -EINVAL, "invalid number of SGL descriptors" },
	{ NVME_SC_SGL_INVALID_DATA, -EINVAL, "data SGL length invalid" },
	{ NVME_SC_SGL_INVALID_METADATA, -EINVAL, "metadata SGL length invalid" },
	{ NVME_SC_SGL_INVALID_TYPE, -EINVAL, "SGL descriptor type invalid" },
	{ NVME_SC_CMB_INVALID_USE, -EINVAL, "invalid use of controller memory buffer" },
	{ NVME_SC_PRP_INVALID_OFFSET, -EINVAL, "PRP offset invalid" },
	{ NVME_SC_ATOMIC_WU_EXCEEDED, -EIO, "atomic write unit exceeded" },
	{ NVME_SC_OP_DENIED, -EPERM, "operation denied" },
	{ NVME_SC_SGL_INVALID_OFFSET, -EINVAL, "SGL offset invalid" },
	{ NVME_SC_HOSTID_FORMAT, -EINVAL, "host identifier inconsistent format" },
	{ NVME_SC_KA_EXPIRED, -EIO, "keep alive timer expired" },
	{ NVME_SC_KA_INVALID, -EINVAL, "keep alive timeout invalid" },
	{ NVME_SC_ABORT_PREEMPT, -ECANCELED, "aborted: preempt and abort" },
	{ NVME_SC_SANITIZE_FAILED, -EIO, "sanitize failed" },
	{ NVME_SC_SANITIZE_IN_PROGRESS, -EBUSY, "sanitize in progress" },
	{ NVME_SC_SGL_INVALID_GRANULARITY, -EINVAL, "SGL data block granularity invalid" },
	{ NVME_SC_CMD_NOT_SUP_CMB_QUEUE, -EOPNOTSUPP, "command not supported for queue in CMB" },
	{ NVME_SC_NS_WRITE_PROTECTED, -EPERM, "namespace is write protected" },
	{ NVME_SC_CMD_INTERRUPTED, -EAGAIN, "command interrupted" },
	{ NVME_SC_TRANSIENT_TR_ERR, -EAGAIN, "transient transport error" },
	{ NVME_SC_LBA_RANGE, -EIO, "LBA out of range" },
	{ NVME_SC_CAP_EXCEEDED, -ENOSPC, "capacity exceeded" },
	{ NVME_SC_NS_NOT_READY, -EAGAIN, "namespace not ready" },
	{ NVME_SC_RESERVATION_CONFLICT, -EPERM, "reservation conflict" },
	{ NVME_SC_FORMAT_IN_PROGRESS, -EBUSY, "format in progress" },
};

static const struct nvme_status_entry nvme_cmd_specific_status[] = {
	{ NVME_SC_CQ_INVALID, -EINVAL, "completion queue invalid" },
	{ NVME_SC_QID_INVALID, -EINVAL, "invalid queue identifier" },
	{ NVME_SC_QUEUE_SIZE, -EINVAL, "invalid queue size" },
	{ NVME_SC_ABORT_LIMIT, -EBUSY, "abort command limit exceeded" },
	{ NVME_SC_AER_LIMIT, -EBUSY, "asynchronous event request limit exceeded" },
	{ NVME_SC_FW_SLOT, -EINVAL, "invalid firmware slot" },
	{ NVME_SC_FW_IMAGE, -EINVAL, "invalid firmware image" },
	{ NVME_SC_INVALID_VECTOR, -EINVAL, "invalid interrupt vector" },
	{ NVME_SC_INVALID_LOG_PAGE, -EINVAL, "invalid log page" },
	{ NVME_SC_INVALID_FORMAT, -EINVAL, "invalid format" },
	{ NVME_SC_INVALID_QUEUE_DELETION, -EINVAL, "invalid queue deletion" },
	{ NVME_SC_FEATURE_NOT_SAVEABLE, -EINVAL, "feature identifier not saveable" },
	{ NVME_SC_FEATURE_NOT_CHANGEABLE, -EINVAL, "feature not changeable" },
	{ NVME_SC_FEATURE_NOT_PER_NS, -EINVAL, "feature not namespace specific" },
	{ NVME_SC_CONFLICTING_ATTRS, -EINVAL, "conflicting attributes" },
	{ NVME_SC_INVALID_PI, -EINVAL, "invalid protection information" },
	{ NVME_SC_READ_ONLY, -EPERM, "attempted write to read only range" },
};

static const struct nvme_status_entry nvme_media_status[] = {
	{ NVME_SC_WRITE_FAULT, -EIO, "write fault" },
	{ NVME_SC_READ_ERROR, -EIO, "unrecovered read error" },
	{ NVME_SC_GUARD_CHECK, -EIO, "end-to-end guard check error" },
	{ NVME_SC_APPTAG_CHECK, -EIO, "end-to-end application tag check error" },
	{ NVME_SC_REFTAG_CHECK, -EIO, "end-to-end reference tag check error" },
	{ NVME_SC_COMPARE_FAILED, -EIO, "compare failure" },
	{ NVME_SC_ACCESS_DENIED, -EPERM, "access denied" },
	{ NVME_SC_UNWRITTEN_BLOCK, -ENODATA, "deallocated or unwritten logical block" },
};

static const struct nvme_status_entry nvme_path_status[] = {
	{ NVME_SC_INTERNAL_PATH_ERROR, -EIO, "internal path error" },
	{ NVME_SC_ANA_PERSISTENT_LOSS, -EIO, "asymmetric access persistent loss" },
	{ NVME_SC_ANA_INACCESSIBLE, -EIO, "asymmetric access inaccessible" },
	{ NVME_SC_ANA_TRANSITION, -EAGAIN, "asymmetric access transition" },
	{ NVME_SC_CTRL_PATH_ERROR, -EIO, "controller pathing error" },
	{ NVME_SC_HOST_PATH_ERROR, -EIO, "host pathing error" },
	{ NVME_SC_HOST_ABORTED_CMD, -ECANCELED, "command aborted by host" },
};

static const struct nvme_status_entry *nvme_status_find(unsigned sct,
							unsigned sc)
{
	const struct nvme_status_entry *t;
	size_t n;

	switch (sct) {
	case NVME_SCT_GENERIC:
		t = nvme_generic_status;
		n = ARRAY_SIZE(nvme_generic_status);
		break;
	case NVME_SCT_CMD_SPECIFIC:
		t = nvme_cmd_specific_status;
		n = ARRAY_SIZE(nvme_cmd_specific_status);
		break;
	case NVME_SCT_MEDIA:
		t = nvme_media_status;
		n = ARRAY_SIZE(nvme_media_status);
		break;
	case NVME_SCT_PATH:
		t = nvme_path_status;
		n = ARRAY_SIZE(nvme_path_status);
		break;
	default:
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		if (t[i].sc == sc)
			return &t[i];
	return NULL;
}

int nvme_status_errno(unsigned sct, unsigned sc)
{
	const struct nvme_status_entry *e = nvme_status_find(sct, sc);

	if (e)
		return e->err;
	return -EIO;
}

const char *nvme_status_name(unsigned sct, unsigned sc)
{
	const struct nvme_status_entry *e = nvme_status_find(sct, sc);

	if (e)
		return e->name;
	switch (sct) {
	case NVME_SCT_GENERIC:
		return "unknown generic status";
	case NVME_SCT_CMD_SPECIFIC:
		return "unknown command specific status";
	case NVME_SCT_MEDIA:
		return "unknown media error";
	case NVME_SCT_PATH:
		return "unknown path error";
	case NVME_SCT_VENDOR:
		return "vendor specific";
	default:
		return "reserved status code type";
	}
}

int nvme_cqe_errno(u16 status)
{
	return nvme_status_errno((unsigned)FIELD_GET(NVME_CQE_SCT, status),
				 (unsigned)FIELD_GET(NVME_CQE_SC, status));
}
