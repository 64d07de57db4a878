/*
 * blkcmd.h - the pure argument checks of the block shell commands
 * (shell/blkcmd_parse.c; the commands are in shell/cmd_block.c).
 *
 * No hardware, no block layer: the host unit tests (tests/unit/blockcmd.mk)
 * build the file as it is. Every check that fails writes one message (no
 * "error: " prefix, no newline) into why and returns -errno; the command
 * prints it with shell_error().
 */
#ifndef PFNOS_BLKCMD_H
#define PFNOS_BLKCMD_H

#include "types.h"

#define BLKCMD_READ_MAX_BLOCKS	64	/* `read` hexdumps at most this */
#define BLKCMD_SEED_MAX		0xffff

/* A checked range of a device, in blocks and in bytes. */
struct blkcmd_range {
	u64 lba;
	u64 count;		/* blocks, >= 1 */
	u64 byte_off;		/* lba * lbs */
	u64 bytes;		/* count * lbs */
};

/*
 * blkcmd_check_range - check lba and count on device dev of nr_blocks
 * blocks of lbs bytes.
 * @max_count: 0, or the most blocks the command accepts
 *
 * Returns 0 with *r filled, -EINVAL for count 0 or above max_count, -ERANGE
 * when lba + count overflows or runs past the end of the device.
 */
int blkcmd_check_range(const char *dev, u64 lba, u64 count, u32 lbs,
		       u64 nr_blocks, u64 max_count, struct blkcmd_range *r,
		       char *why, size_t len);

/* 0, or -ERANGE above BLKCMD_SEED_MAX. */
int blkcmd_check_seed(u64 seed, char *why, size_t len);

/*
 * blkcmd_parse_opt - a "key=value" argument with a number (decimal or 0x).
 * Returns 1 with *val set, 0 when arg is not key=..., -EINVAL (with why)
 * when the value is not a number or -ERANGE when it does not fit.
 */
int blkcmd_parse_opt(const char *arg, const char *key, u64 *val, char *why,
		     size_t len);

/*
 * blkcmd_copy_len - bytes and destination blocks of a copy of count source
 * blocks of slbs bytes to a device with dlbs-byte blocks. Returns 0,
 * -EINVAL when the length is not a multiple of dlbs (or count is 0),
 * -ERANGE on overflow.
 */
int blkcmd_copy_len(u64 count, u32 slbs, u32 dlbs, u64 *bytes, u64 *dcount,
		    char *why, size_t len);

/*
 * blkcmd_verify_from - the byte offset the data of a verify was generated
 * for (from=, default the range's own byte offset), checked so that
 * the last byte offset, from + bytes - 1, fits in 64 bits. Returns 0 or -ERANGE.
 */
int blkcmd_verify_from(const struct blkcmd_range *r, bool have_from, u64 from,
		       u64 *out, char *why, size_t len);

/* The block and the offset inside it of byte index i of range r. */
void blkcmd_locate(const struct blkcmd_range *r, u32 lbs, u64 i, u64 *lba,
		   u32 *off);

/* Whether byte ranges [a, a + alen) and [b, b + blen) overlap. */
bool blkcmd_overlap(u64 a, u64 alen, u64 b, u64 blen);

#endif
