/*
 * blkcmd_parse.c - the pure argument checks of the block shell commands
 * (read, write, verify, zero, copy): ranges against a device, seeds,
 * key=value options, copy lengths across block sizes, and where a
 * mismatch lies. See shell/blkcmd.h; host-tested by tests/unit/test_blockcmd.c.
 */
#include "blkcmd.h"
#include "errno.h"
#include "lib.h"

int blkcmd_check_range(const char *dev, u64 lba, u64 count, u32 lbs,
		       u64 nr_blocks, u64 max_count, struct blkcmd_range *r,
		       char *why, size_t len)
{
	if (!count) {
		snprintf(why, len, "count must not be 0");
		return -EINVAL;
	}
	if (max_count && count > max_count) {
		snprintf(why, len, "count %llu too large (max %llu blocks)",
			 (unsigned long long)count, (unsigned long long)max_count);
		return -EINVAL;
	}
	if (lba + count < lba) {
		snprintf(why, len, "lba %llu + count %llu overflows",
			 (unsigned long long)lba, (unsigned long long)count);
		return -ERANGE;
	}
	if (lba >= nr_blocks || count > nr_blocks - lba) {
		snprintf(why, len,
			 "lba %llu + count %llu runs past the end of %s (%llu blocks)",
			 (unsigned long long)lba, (unsigned long long)count, dev,
			 (unsigned long long)nr_blocks);
		return -ERANGE;
	}
	/* nr_blocks * lbs is the device size, which fits: so do these */
	r->lba = lba;
	r->count = count;
	r->byte_off = lba * lbs;
	r->bytes = count * lbs;
	return 0;
}

int blkcmd_check_seed(u64 seed, char *why, size_t len)
{
	if (seed > BLKCMD_SEED_MAX) {
		snprintf(why, len, "seed %llu out of range (0..%u)",
			 (unsigned long long)seed, BLKCMD_SEED_MAX);
		return -ERANGE;
	}
	return 0;
}

int blkcmd_parse_opt(const char *arg, const char *key, u64 *val, char *why,
		     size_t len)
{
	size_t k = strlen(key);
	int err;

	if (strncmp(arg, key, k) || arg[k] != '=')
		return 0;
	err = parse_u64(arg + k + 1, val);
	if (err == -ERANGE)
		snprintf(why, len, "%s '%s' is out of range", key, arg + k + 1);
	else if (err)
		snprintf(why, len, "%s '%s' is not a number", key, arg + k + 1);
	return err ? err : 1;
}

int blkcmd_copy_len(u64 count, u32 slbs, u32 dlbs, u64 *bytes, u64 *dcount,
		    char *why, size_t len)
{
	if (!count) {
		snprintf(why, len, "count must not be 0");
		return -EINVAL;
	}
	if (count > ~0ULL / slbs) {
		snprintf(why, len, "count %llu overflows", (unsigned long long)count);
		return -ERANGE;
	}
	*bytes = count * slbs;
	if (*bytes % dlbs) {
		snprintf(why, len,
			 "%llu bytes is not a multiple of both block sizes (%u and %u)",
			 (unsigned long long)*bytes, slbs, dlbs);
		return -EINVAL;
	}
	*dcount = *bytes / dlbs;
	return 0;
}

int blkcmd_verify_from(const struct blkcmd_range *r, bool have_from, u64 from,
		       u64 *out, char *why, size_t len)
{
	if (!have_from) {
		*out = r->byte_off;
		return 0;
	}
	if (from > ~0ULL - (r->bytes - 1)) {	/* the last byte must fit */
		snprintf(why, len, "from=%llu + %llu bytes overflows",
			 (unsigned long long)from, (unsigned long long)r->bytes);
		return -ERANGE;
	}
	*out = from;
	return 0;
}

void blkcmd_locate(const struct blkcmd_range *r, u32 lbs, u64 i, u64 *lba,
		   u32 *off)
{
	*lba = r->lba + i / lbs;
	*off = (u32)(i % lbs);
}

/* By distances, not ends: an end of 2^64 does not fit in 64 bits. */
bool blkcmd_overlap(u64 a, u64 alen, u64 b, u64 blen)
{
	if (!alen || !blen)
		return false;
	return a >= b ? a - b < blen : b - a < alen;
}
