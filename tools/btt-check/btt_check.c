/*
 * btt_check.c - build/btt-check: an NVDIMM backing file read from the host
 * with pfnos's own namespace code (drivers/nvdimm/), never written.
 *
 *   btt-check IMAGE                      probe; for a BTT, the checks of
 *                                        `ns check` (ndctl check-namespace);
 *                                        last line "btt-check: ok" or
 *                                        "btt-check: N errors", exit 0 / 1
 *   btt-check IMAGE stamps FIRST COUNT [raw]
 *                                        one line per block "<lba> <version>"
 *                                        of the blocks `stamp` wrote, read
 *                                        through the BTT (as the next boot's
 *                                        recovery would see them: flog
 *                                        recovery applied in memory) or, with
 *                                        raw, from the raw region (512-byte
 *                                        blocks); "<lba> torn" for a block
 *                                        that is not wholly one version
 *
 * The crash tests (tests/integration/test_nd.py) run it after every kill.
 * Exit 2: the image cannot be read or holds no BTT where one is needed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "nd.h"
#include "tests/unit/nd_host.h"

static struct btt btt;

static void report(void *arg, const char *line)
{
	printf("btt-check: %s\n", line);
}

/* "<lba> <version>" (0: never written, all zeroes) or "<lba> torn". */
static void print_stamp(unsigned long long lba, const unsigned char *b, unsigned n)
{
	unsigned w[2], want[2];
	int zero = 1;

	for (unsigned o = 0; o < n; o++)
		zero &= !b[o];
	if (zero) {
		printf("%llu 0\n", lba);
		return;
	}
	memcpy(want, b, 8);
	for (unsigned o = 0; o < n; o += 8) {
		memcpy(w, b + o, 8);
		if (w[0] != (unsigned)lba || w[0] != want[0] || w[1] != want[1] || !w[1]) {
			printf("%llu torn\n", lba);
			return;
		}
	}
	printf("%llu %u\n", lba, want[1]);
}

int main(int argc, char **argv)
{
	static unsigned char sect[4096];
	struct nd_ns_info info;
	struct nd_host h;
	struct stat st;
	void *map;
	int fd;

	if (argc != 2 && argc != 5 && argc != 6) {
		fprintf(stderr, "usage: btt-check IMAGE [stamps FIRST COUNT [raw]]\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		perror(argv[1]);
		return 2;
	}
	map = mmap(NULL, st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	nd_host_wrap(&h, map, st.st_size, true);
	if (nd_probe(&h.media, &info)) {
		fprintf(stderr, "btt-check: cannot read %s\n", argv[1]);
		return 2;
	}
	if (argc >= 5) {
		unsigned long long first = strtoull(argv[3], NULL, 0);
		unsigned long long count = strtoull(argv[4], NULL, 0);

		if (strcmp(argv[2], "stamps")) {
			fprintf(stderr, "btt-check: unknown mode %s\n", argv[2]);
			return 2;
		}
		if (argc == 6) {
			for (unsigned long long l = first; l < first + count; l++) {
				if ((l + 1) * 512 > (unsigned long long)st.st_size)
					return 2;
				print_stamp(l, (const unsigned char *)map + l * 512, 512);
			}
			return 0;
		}
		if (btt_init(&btt, &h.media, true)) {
			fprintf(stderr, "btt-check: %s\n", btt.why);
			return 2;
		}
		for (unsigned long long l = first; l < first + count; l++) {
			int err = btt_read(&btt, l, sect);

			if (err) {
				printf("%llu error %d\n", l, err);
				continue;
			}
			print_stamp(l, sect, btt.sector_size);
		}
		return 0;
	}
	printf("btt-check: %s: %s namespace%s%s\n", argv[1], nd_mode_name(info.mode),
	       info.mode == ND_MODE_BAD ? ": " : "", info.mode == ND_MODE_BAD ? info.why : "");
	if (info.mode == ND_MODE_SECTOR) {
		static struct btt scratch;
		size_t n = btt_check_bitmap_bytes(&h.media);
		unsigned char *bm = calloc(1, n + 1);
		long r = btt_check(&scratch, &h.media, bm, n, report, NULL);

		if (r) {
			printf("btt-check: %ld errors\n", r < 0 ? 1 : r);
			return 1;
		}
	}
	if (h.writes) {
		printf("btt-check: %llu writes attempted on a read-only image\n",
		       (unsigned long long)h.writes);
		return 1;
	}
	printf("btt-check: ok\n");
	return info.mode == ND_MODE_BAD;
}
