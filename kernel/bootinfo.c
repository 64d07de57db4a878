/*
 * bootinfo.c - pure parsers for the multiboot2 information and the PVH start
 * info, filling struct boot_info (boot.h).
 *
 * Multiboot2 spec 3.6 "Boot information format": a u32 total size, a u32
 * reserved, then 8-byte aligned tags {u32 type, u32 size}, ending with type 0.
 * PVH: Xen public/arch-x86/hvm/start_info.h, version 0 and 1.
 * No hardware access: tests/unit/test_bootinfo.c feeds these synthetic and
 * malformed input, tests/fuzz/fuzz_bootinfo.c random input. Offsets are
 * computed in 64 bits so that no size near 4 GiB can wrap a loop.
 */
#include "boot.h"
#include "errno.h"
#include "lib.h"

#define MB2_TAG_END		0
#define MB2_TAG_CMDLINE		1
#define MB2_TAG_LOADER		2
#define MB2_TAG_MMAP		6
#define MB2_TAG_EFI64		12
#define MB2_TAG_ACPI_OLD	14
#define MB2_TAG_ACPI_NEW	15
#define MB2_TAG_EFI_MMAP	17

struct mb2_tag {
	u32 type;
	u32 size;
};

struct mb2_mmap_entry {
	u64 addr;
	u64 len;
	u32 type;
	u32 zero;
} __packed;
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "multiboot2 3.6.8");

struct efi_memory_desc {
	u32 type;
	u32 pad;
	u64 phys_start;
	u64 virt_start;
	u64 num_pages;
	u64 attribute;
} __packed;
_Static_assert(sizeof(struct efi_memory_desc) == 40, "UEFI 2.9 7.2 EFI_MEMORY_DESCRIPTOR");

static void copy_str(char *dst, size_t dstsz, const char *src, size_t srcmax)
{
	size_t n = strnlen(src, srcmax);

	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static void parse_mmap_tag(struct boot_info *bi, const u8 *tag, u32 size)
{
	u32 esize;
	u64 off;

	if (size < 16) {
		bi->warnings++;
		return;
	}
	memcpy(&esize, tag + 8, 4);
	if (esize < sizeof(struct mb2_mmap_entry) || esize > 4096) {
		bi->warnings++;
		return;
	}
	for (off = 16; off + esize <= size; off += esize) {
		struct mb2_mmap_entry e;

		memcpy(&e, tag + off, sizeof(e));
		if (bi->ne820 >= BOOT_MMAP_MAX) {
			bi->warnings++;
			return;
		}
		bi->e820[bi->ne820].addr = e.addr;
		bi->e820[bi->ne820].len = e.len;
		bi->e820[bi->ne820].type = e.type;
		bi->ne820++;
	}
}

static void parse_efi_mmap_tag(struct boot_info *bi, const u8 *tag, u32 size)
{
	u32 dsize;
	u64 off;

	if (size < 16) {
		bi->warnings++;
		return;
	}
	memcpy(&dsize, tag + 8, 4);
	if (dsize < sizeof(struct efi_memory_desc) || dsize > 4096) {
		bi->warnings++;
		return;
	}
	for (off = 16; off + dsize <= size; off += dsize) {
		struct efi_memory_desc d;

		memcpy(&d, tag + off, sizeof(d));
		if (bi->nefi >= BOOT_MMAP_MAX) {
			bi->warnings++;
			return;
		}
		if (d.num_pages > (~0ULL >> 12)) {
			bi->warnings++;
			continue;
		}
		bi->efi[bi->nefi].addr = d.phys_start;
		bi->efi[bi->nefi].len = d.num_pages << 12;
		bi->efi[bi->nefi].type = d.type;
		bi->nefi++;
	}
}

int bootinfo_parse_mb2(struct boot_info *bi, const void *mbi, size_t max)
{
	const u8 *base = mbi;
	u32 total;
	u64 off;

	memset(bi, 0, sizeof(*bi));
	bi->proto = BOOT_PROTO_MB2;
	if (max < 8)
		return -EINVAL;
	memcpy(&total, base, 4);
	/* the fixed part and at least the end tag */
	if (total < 16 || total > max)
		return -EINVAL;
	for (off = 8; off + sizeof(struct mb2_tag) <= total;) {
		struct mb2_tag tag;
		const u8 *p = base + off;

		memcpy(&tag, p, sizeof(tag));
		if (tag.type == MB2_TAG_END)
			return 0;
		if (tag.size < 8 || tag.size > total - off) {
			bi->warnings++;
			return -EINVAL;
		}
		switch (tag.type) {
		case MB2_TAG_CMDLINE:
			copy_str(bi->cmdline, sizeof(bi->cmdline), (const char *)p + 8,
				 tag.size - 8);
			break;
		case MB2_TAG_LOADER:
			copy_str(bi->loader, sizeof(bi->loader), (const char *)p + 8,
				 tag.size - 8);
			break;
		case MB2_TAG_MMAP:
			parse_mmap_tag(bi, p, tag.size);
			break;
		case MB2_TAG_EFI_MMAP:
			parse_efi_mmap_tag(bi, p, tag.size);
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW: {
			u32 n = tag.size - 8;

			/* the newer RSDP wins over the old one */
			if (tag.type == MB2_TAG_ACPI_OLD && bi->rsdp_len > 20)
				break;
			if (n > sizeof(bi->rsdp))
				n = sizeof(bi->rsdp);
			/* ACPI 6.4, 5.2.5.3: a revision 0 RSDP is 20 bytes */
			if (tag.type == MB2_TAG_ACPI_OLD && n > 20)
				n = 20;
			if (n < 20) {
				bi->warnings++;
				break;
			}
			memcpy(bi->rsdp, p + 8, n);
			bi->rsdp_len = n;
			break;
		}
		case MB2_TAG_EFI64:
			if (tag.size >= 16)
				memcpy(&bi->efi_systab, p + 8, 8);
			break;
		default:
			break;
		}
		off += ALIGN_UP((u64)tag.size, 8);
	}
	/* no end tag inside total_size */
	bi->warnings++;
	return 0;
}

/* The version 0 part is the first 40 bytes; version 1 adds the memmap. */
#define HVM_START_INFO_V0_SIZE	40

struct hvm_start_info {
	u32 magic;
	u32 version;
	u32 flags;
	u32 nr_modules;
	u64 modlist_paddr;
	u64 cmdline_paddr;
	u64 rsdp_paddr;
	u64 memmap_paddr;	/* version 1 */
	u32 memmap_entries;
	u32 reserved;
} __packed;
_Static_assert(sizeof(struct hvm_start_info) == 56, "start_info.h version 1");

struct hvm_memmap_entry {
	u64 addr;
	u64 size;
	u32 type;
	u32 reserved;
} __packed;
_Static_assert(sizeof(struct hvm_memmap_entry) == 24, "start_info.h hvm_memmap_table_entry");

int bootinfo_parse_pvh(struct boot_info *bi, const void *start_info,
		       const void *(*map)(u64 phys, size_t len))
{
	struct hvm_start_info si;

	memset(bi, 0, sizeof(*bi));
	bi->proto = BOOT_PROTO_PVH;
	strlcpy(bi->loader, "PVH", sizeof(bi->loader));
	memset(&si, 0, sizeof(si));
	memcpy(&si, start_info, HVM_START_INFO_V0_SIZE);
	if (si.magic != PVH_START_MAGIC)
		return -EINVAL;
	if (si.version >= 1)
		memcpy(&si, start_info, sizeof(si));
	if (si.cmdline_paddr) {
		const char *s = map(si.cmdline_paddr, CMDLINE_MAX);

		if (s)
			copy_str(bi->cmdline, sizeof(bi->cmdline), s, CMDLINE_MAX);
		else
			bi->warnings++;
	}
	bi->rsdp_phys = si.rsdp_paddr;
	if (si.version >= 1 && si.memmap_paddr && si.memmap_entries) {
		u32 n = si.memmap_entries;
		const struct hvm_memmap_entry *e;

		if (n > BOOT_MMAP_MAX) {
			bi->warnings++;
			n = BOOT_MMAP_MAX;
		}
		e = map(si.memmap_paddr, n * sizeof(*e));
		if (!e) {
			bi->warnings++;
			return 0;
		}
		for (u32 i = 0; i < n; i++) {
			struct hvm_memmap_entry me;

			memcpy(&me, &e[i], sizeof(me));
			bi->e820[i].addr = me.addr;
			bi->e820[i].len = me.size;
			bi->e820[i].type = me.type;
		}
		bi->ne820 = n;
	}
	return 0;
}
