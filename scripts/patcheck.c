/*
 * patcheck.c - host tool: check a backing file against the data pattern.
 *
 *   patcheck FILE OFFSET LENGTH SEED [BASE]
 *   patcheck --write FILE OFFSET LENGTH SEED [BASE]
 *
 * The LENGTH bytes of FILE at file offset OFFSET must equal the pattern of
 * SEED (lib/pattern.c) for region offsets BASE .. BASE+LENGTH-1, where BASE
 * defaults to OFFSET: file byte OFFSET+i is pattern byte BASE+i. Use BASE
 * when the region does not start at file offset 0 (a partition, a namespace
 * inside a larger file). Numbers are decimal or 0x hex; OFFSET, LENGTH and
 * BASE take a k/m/g/t suffix (powers of 1024). SEED is 0..65535.
 *
 * Prints "patcheck ok FILE OFFSET LENGTH" and exits 0, or
 * "patcheck FAILED at file offset N (expected 0x.., got 0x..)" and exits 1;
 * exits 2 on a usage or I/O error (including a file shorter than the range).
 *
 * --write stores the pattern there instead (the same numbers), then fsync()s
 * FILE, and prints "patcheck wrote FILE OFFSET LENGTH" (exit 0; 2 on an
 * error). It is how the Linux guest (scripts/linux-qemu) writes the pattern
 * through a block device such as /dev/pmem0s.
 * Built by the Makefile as $(BUILD)/patcheck; scripts/bench/linux-initramfs.sh
 * builds it static for the Linux guest's initramfs.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib.h"

#define CHUNK	(4u << 20)

/* parse_num results (include/errno.h is the kernel's and shadows libc's). */
enum { NUM_OK, NUM_BAD, NUM_RANGE };

static void usage(void)
{
	fprintf(stderr,
		"usage: patcheck [--write] FILE OFFSET LENGTH SEED [BASE]\n"
		"  checks that FILE bytes [OFFSET, OFFSET+LENGTH) hold the data\n"
		"  pattern of SEED (0..65535) for region offsets starting at BASE\n"
		"  (default OFFSET); numbers decimal or 0x, sizes with k/m/g/t;\n"
		"  --write stores that pattern there instead and fsyncs FILE\n");
}

/*
 * Parse decimal or 0x hex with an optional k/m/g/t suffix (when sizes is
 * set). Rejects empty strings, signs, junk and overflow.
 */
static int parse_num(const char *s, bool sizes, u64 *out)
{
	unsigned base = 10, shift = 0;
	u64 v = 0;
	const char *p = s;
	int digits = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (; *p; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return NUM_RANGE;
		v = v * base + d;
		digits++;
	}
	if (!digits)
		return NUM_BAD;
	if (*p && sizes) {
		switch (*p) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		case 't': case 'T': shift = 40; break;
		default: return NUM_BAD;
		}
		p++;
	}
	if (*p)
		return NUM_BAD;
	if (shift && v > (UINT64_MAX >> shift))
		return NUM_RANGE;
	*out = v << shift;
	return NUM_OK;
}

static int arg(const char *what, const char *s, bool sizes, u64 *out)
{
	int err = parse_num(s, sizes, out);

	if (err)
		fprintf(stderr, "patcheck: bad %s '%s': %s\n", what, s,
			err == NUM_RANGE ? "out of range" : "not a number");
	return err;
}

/*
 * Write the pattern of SEED for region offsets BASE.. into FILE at OFFSET,
 * CHUNK bytes at a time, then fsync: on a block device the data has reached
 * the driver (and, for pmem, its durability point) when this returns 0.
 */
static int write_file(const char *file, u64 off, u64 len, u16 seed, u64 base)
{
	u64 done = 0;
	u8 *buf;
	int fd;

	fd = open(file, O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "patcheck: %s: %m\n", file);
		return 2;
	}
	buf = malloc(CHUNK);
	if (!buf) {
		fprintf(stderr, "patcheck: out of memory\n");
		close(fd);
		return 2;
	}
	while (done < len) {
		size_t want = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
		size_t have = 0;

		pattern_fill(buf, base + done, want, seed);
		while (have < want) {
			ssize_t n = pwrite(fd, buf + have, want - have,
					   (off_t)(off + done + have));

			if (n <= 0) {
				if (n < 0)
					fprintf(stderr, "patcheck: %s: write at %" PRIu64 ": %m\n",
						file, off + done + have);
				else
					fprintf(stderr, "patcheck: %s: no space at %" PRIu64 "\n",
						file, off + done + have);
				free(buf);
				close(fd);
				return 2;
			}
			have += (size_t)n;
		}
		done += want;
	}
	free(buf);
	if (fsync(fd) < 0 || close(fd) < 0) {
		fprintf(stderr, "patcheck: %s: fsync: %m\n", file);
		return 2;
	}
	printf("patcheck wrote %s %" PRIu64 " %" PRIu64 "\n", file, off, len);
	return 0;
}

int main(int argc, char **argv)
{
	u64 off, len, seed, base, done = 0;
	const char *file;
	bool write = false;
	struct stat st;
	u8 *buf;
	int fd;

	if (argc > 1 && !strcmp(argv[1], "--write")) {
		write = true;
		argc--;
		argv++;
	}
	if (argc < 5 || argc > 6) {
		usage();
		return 2;
	}
	file = argv[1];
	if (arg("OFFSET", argv[2], true, &off) || arg("LENGTH", argv[3], true, &len) ||
	    arg("SEED", argv[4], false, &seed))
		return 2;
	if (seed > 0xffff) {
		fprintf(stderr, "patcheck: bad SEED '%s': must be 0..65535\n", argv[4]);
		return 2;
	}
	base = off;
	if (argc == 6 && arg("BASE", argv[5], true, &base))
		return 2;
	if (off + len < off || base + len < base) {
		fprintf(stderr, "patcheck: range overflows 64 bits\n");
		return 2;
	}
	if (write)
		return write_file(file, off, len, (u16)seed, base);

	fd = open(file, O_RDONLY);
	if (fd < 0) {
		fprintf(stderr, "patcheck: %s: %m\n", file);
		return 2;
	}
	if (fstat(fd, &st) < 0) {
		fprintf(stderr, "patcheck: %s: %m\n", file);
		close(fd);
		return 2;
	}
	if (S_ISREG(st.st_mode) && (u64)st.st_size < off + len) {
		fprintf(stderr, "patcheck: %s is %lld bytes, range ends at %" PRIu64 "\n",
			file, (long long)st.st_size, off + len);
		close(fd);
		return 2;
	}
	posix_fadvise(fd, (off_t)off, (off_t)len, POSIX_FADV_SEQUENTIAL);

	buf = malloc(CHUNK);
	if (!buf) {
		fprintf(stderr, "patcheck: out of memory\n");
		close(fd);
		return 2;
	}
	while (done < len) {
		size_t want = len - done < CHUNK ? (size_t)(len - done) : CHUNK;
		size_t have = 0, bad;

		while (have < want) {
			ssize_t n = pread(fd, buf + have, want - have,
					  (off_t)(off + done + have));

			if (n < 0) {
				fprintf(stderr, "patcheck: %s: read at %" PRIu64 ": %m\n",
					file, off + done + have);
				free(buf);
				close(fd);
				return 2;
			}
			if (n == 0) {
				fprintf(stderr, "patcheck: %s: end of file at %" PRIu64 "\n",
					file, off + done + have);
				free(buf);
				close(fd);
				return 2;
			}
			have += (size_t)n;
		}
		bad = pattern_check(buf, base + done, want, (u16)seed);
		if (bad < want) {
			u64 b = base + done + bad;
			u8 exp = (u8)(pattern_word((u16)seed, b) >> ((b & 7) * 8));

			printf("patcheck FAILED at file offset %" PRIu64
			       " (expected 0x%02x, got 0x%02x)\n",
			       off + done + bad, exp, buf[bad]);
			free(buf);
			close(fd);
			return 1;
		}
		done += want;
	}
	free(buf);
	close(fd);
	printf("patcheck ok %s %" PRIu64 " %" PRIu64 "\n", file, off, len);
	return 0;
}
