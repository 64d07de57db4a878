/*
 * fuzz_efiboot.c - libFuzzer target for the pure half of the GNU-EFI loader
 * (boot/efi/efiboot.c), with what it writes read back by the kernel's
 * parser (kernel/bootinfo.c).
 *
 * Input: byte 0 descriptor size (40, 48 or 56 bytes, or every tenth input
 * one below 40), byte 1 the number of descriptors D (at most 64), bytes
 * 2-3 the span's first page, byte 4 its pages (1-64), byte 5 the number of
 * claims C (at most 4); C claims (u16 first page, u8 pages); D descriptors
 * (u8 EFI type, u16 first page, u16 pages, 0xffff: more pages than 64 bits
 * hold); the rest is the head of a kernel file. Checked:
 * - efiboot_span_check() against a page-by-page reference: every page of
 *   the span in some descriptor, every descriptor inside it free or
 *   boot-services memory or claimed loader data; the same fault (the first
 *   offending descriptor, else the first uncovered page); descriptor sizes
 *   below 40 refused;
 * - efiboot_finish() into a block of exactly efiboot_mbi_size() bytes
 *   (ASan sees overruns), parsed back by bootinfo_parse_mb2(): the raw map
 *   comes back descriptor for descriptor, the e820 map is sorted and holds
 *   as many bytes as the descriptors that fit in 64 bits; small descriptor
 *   sizes are refused;
 * - efiboot_check_elf() and efiboot_find_entry() on the head: what they
 *   accept meets every condition efiboot.h states, and each refusal has a
 *   reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include "../../boot/efi/efiboot.h"
#include "boot.h"
#include "errno.h"
#include "lib.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

#define MAX_DESC	64
#define HUGE_PAGES	((~0ULL >> 12) + 1)

struct fdesc {
	u32 type;
	u64 start, pages;
};

static void fail(const char *what)
{
	fprintf(stderr, "efiboot: %s\n", what);
	abort();
}

static u64 end_of(const struct fdesc *d)
{
	u64 len = d->pages > (~0ULL - d->start) / 4096 ? ~0ULL - d->start : d->pages * 4096;

	return d->start + len;
}

static bool allowed(const struct fdesc *d, u64 b, u64 e, const struct efiboot_range *c,
		    unsigned nc)
{
	if (d->type == EFI_CONVENTIONAL_MEMORY || d->type == EFI_BOOT_SERVICES_CODE ||
	    d->type == EFI_BOOT_SERVICES_DATA)
		return true;
	if (d->type != EFI_LOADER_DATA)
		return false;
	for (unsigned i = 0; i < nc; i++)
		if (b >= c[i].start && e <= c[i].end)
			return true;
	return false;
}

static void check_span(const u8 *map, size_t map_size, size_t dsize, const struct fdesc *d,
		       unsigned nd, u64 start, u64 end, const struct efiboot_range *c,
		       unsigned nc)
{
	struct efiboot_span_fault f;
	int ret = efiboot_span_check(map, map_size, dsize, start, end, c, nc, &f);

	if (dsize < sizeof(struct efiboot_mem_desc)) {
		if (ret != -EINVAL || !f.bad_desc_size)
			fail("a descriptor size below 40 taken");
		return;
	}
	for (unsigned i = 0; i < nd; i++) {
		u64 b = d[i].start > start ? d[i].start : start;
		u64 e = end_of(&d[i]) < end ? end_of(&d[i]) : end;

		if (b >= e || allowed(&d[i], b, e, c, nc))
			continue;
		if (ret != -EINVAL || f.hole || f.type != d[i].type || f.start != b || f.end != e)
			fail("the first descriptor in the way not named");
		return;
	}
	for (u64 page = start; page < end; page += 4096) {
		bool in = false;

		for (unsigned i = 0; i < nd && !in; i++)
			in = d[i].start <= page && end_of(&d[i]) > page;
		if (in)
			continue;
		if (ret != -EINVAL || !f.hole || f.start != page)
			fail("the first page in no descriptor not named");
		return;
	}
	if (ret)
		fail("a usable span refused");
}

static void check_finish(const u8 *map, size_t map_size, size_t dsize, const struct fdesc *d,
			 unsigned nd)
{
	static struct boot_info bi;
	size_t room = efiboot_mbi_size(64, map_size, dsize ? dsize : 1), total, off;
	u8 *mbi = calloc(1, room);
	u64 want = 0, got = 0;
	unsigned huge = 0;

	off = efiboot_add_tag(mbi, 8, EFIBOOT_TAG_LOADER, "fuzz", 5);
	total = efiboot_finish(mbi, off, map, map_size, dsize, 1);
	if (dsize < sizeof(struct efiboot_mem_desc)) {
		if (total)
			fail("efiboot_finish took descriptors below 40 bytes");
		free(mbi);
		return;
	}
	if (!total || total > room || total % 8)
		fail("the information block does not fit its reserved size");
	if (bootinfo_parse_mb2(&bi, mbi, total))
		fail("the kernel cannot parse the information block");
	for (unsigned i = 0; i < nd; i++) {
		if (d[i].pages >= HUGE_PAGES) {
			huge++;
			continue;
		}
		want += d[i].pages * 4096;
	}
	if (bi.nefi != nd - huge || bi.warnings != huge)
		fail("the raw EFI map does not come back");
	for (unsigned i = 0, k = 0; i < nd; i++) {
		if (d[i].pages >= HUGE_PAGES)
			continue;
		if (bi.efi[k].addr != d[i].start || bi.efi[k].len != d[i].pages * 4096 ||
		    bi.efi[k].type != d[i].type)
			fail("a raw EFI descriptor changed");
		k++;
	}
	for (unsigned i = 0; i < bi.ne820; i++) {
		if (i && bi.e820[i].addr < bi.e820[i - 1].addr)
			fail("the e820 map is not sorted");
		if (!bi.e820[i].len)
			fail("an empty e820 entry");
		got += bi.e820[i].len;
	}
	if (got != want)
		fail("the e820 map lost or gained bytes");
	free(mbi);
}

static void check_head(const u8 *head, size_t len, u64 file_size)
{
	struct efiboot_ehdr eh;
	const char *why = NULL;
	u32 entry;
	int ret = efiboot_check_elf(head, len, file_size, 64, &why);

	if (ret) {
		if (ret != -EINVAL || !why)
			fail("an ELF refusal without a reason");
	} else {
		memcpy(&eh, head, sizeof(eh));
		if (len < 64 || memcmp(eh.e_ident, "\x7f" "ELF", 4) || eh.e_ident[4] != 2 ||
		    eh.e_ident[5] != 1 || eh.e_ident[6] != 1 || eh.e_version != 1 ||
		    eh.e_machine != 62 || eh.e_type != 2 || !eh.e_phnum || eh.e_phnum > 64 ||
		    eh.e_phentsize < sizeof(struct efiboot_phdr) || eh.e_phoff > file_size ||
		    (u64)eh.e_phnum * eh.e_phentsize > file_size - eh.e_phoff)
			fail("a bad ELF header accepted");
	}
	why = NULL;
	ret = efiboot_find_entry(head, len, &entry, &why);
	if (ret && (!why || (ret != -EINVAL && ret != -ENOENT)))
		fail("an entry-tag refusal without a reason");
	if (!ret) {
		bool found = false;

		/* a 9-tag holding entry in a header with a good checksum */
		for (size_t off = 0; off + 16 <= len && off + 16 <= EFIBOOT_MB2_SEARCH && !found;
		     off += 8) {
			u32 h[4];

			memcpy(h, head + off, 16);
			if (h[0] != EFIBOOT_MB2_MAGIC || (u32)(h[0] + h[1] + h[2] + h[3]))
				continue;
			for (size_t t = off + 16; t + 12 <= off + h[2] && t + 12 <= len; t += 8) {
				u16 type;
				u32 v;

				memcpy(&type, head + t, 2);
				memcpy(&v, head + t + 8, 4);
				if (type == 9 && v == entry)
					found = true;
			}
			break;
		}
		if (!found)
			fail("an entry address not in a good header's type 9 tag");
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static const size_t sizes[] = { 40, 48, 56 };
	struct efiboot_range claims[4];
	struct fdesc d[MAX_DESC];
	const u8 *p = data, *end = data + size;
	unsigned nd, nc;
	size_t dsize;
	u64 start, pages;
	u8 *map;

	if (size < 6)
		return 0;
	dsize = p[0] % 10 == 9 ? p[0] % 40 : sizes[p[0] % 3];
	nd = p[1] % (MAX_DESC + 1);
	start = (u64)(p[2] | p[3] << 8) * 4096;
	pages = 1 + p[4] % 64;
	nc = p[5] % 5;
	p += 6;
	if ((size_t)(end - p) < nc * 3u + nd * 5u)
		return 0;
	for (unsigned i = 0; i < nc; i++, p += 3) {
		claims[i].start = (u64)(p[0] | p[1] << 8) * 4096;
		claims[i].end = claims[i].start + (u64)p[2] * 4096;
	}
	map = malloc(nd * dsize ? nd * dsize : 1);	/* exact size: ASan sees over-reads */
	for (unsigned i = 0; i < nd; i++, p += 5) {
		struct efiboot_mem_desc md = { 0 };
		u16 n;

		memcpy(&n, p + 3, 2);
		d[i].type = p[0] % 16;
		d[i].start = (u64)(p[1] | p[2] << 8) * 4096;
		d[i].pages = n == 0xffff ? HUGE_PAGES : n;
		md.type = d[i].type;
		md.phys_start = d[i].start;
		md.num_pages = d[i].pages;
		md.attribute = 0xf;
		memset(map + i * dsize, 0xa5, dsize);
		memcpy(map + i * dsize, &md, dsize < sizeof(md) ? dsize : sizeof(md));
	}
	check_span(map, nd * dsize, dsize, d, nd, start, start + pages * 4096, claims, nc);
	check_finish(map, nd * dsize, dsize, d, nd);
	free(map);
	check_head(p, (size_t)(end - p), (u64)(end - p) + (data[0] & 0x80 ? 0 : 4096));
	return 0;
}
