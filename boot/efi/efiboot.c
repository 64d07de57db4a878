/*
 * efiboot.c - ELF and multiboot2 logic of the GNU-EFI loader, pure: header
 * checks, the "EFI amd64 entry address" search, the image span check
 * against the EFI memory map and the information block writer (efiboot.h). Built into BOOTX64.EFI and, for tests/unit, for the
 * host.
 */
#include "efiboot.h"
#include "errno.h"

#define EI_CLASS		4
#define EI_DATA			5
#define EI_VERSION		6
#define ELFCLASS64		2
#define ELFDATA2LSB		1
#define EV_CURRENT		1
#define ET_EXEC			2
#define EM_X86_64		62

#define MB2_HTAG_END		0
#define MB2_HTAG_EFI_AMD64	9

/* e820 types (ACPI 6.4, 15 "System Address Map Interfaces") */
#define E820_RAM		1
#define E820_RESERVED		2
#define E820_ACPI		3
#define E820_NVS		4
#define E820_UNUSABLE		5
#define E820_PMEM		7

/* EFI_MEMORY_TYPE (UEFI 2.9, 7.2) */
#define EFI_LOADER_CODE		1
#define EFI_LOADER_DATA		2
#define EFI_BS_CODE		3
#define EFI_BS_DATA		4
#define EFI_CONVENTIONAL	7
#define EFI_UNUSABLE		8
#define EFI_ACPI_RECLAIM	9
#define EFI_ACPI_NVS		10
#define EFI_PERSISTENT		14

struct mb2_header {
	uint32_t magic;
	uint32_t architecture;
	uint32_t header_length;
	uint32_t checksum;
} __attribute__((packed));

struct mb2_htag {
	uint16_t type;
	uint16_t flags;
	uint32_t size;
} __attribute__((packed));

struct mb2_mmap_entry {
	uint64_t addr;
	uint64_t len;
	uint32_t type;
	uint32_t zero;
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mb2 mmap entry");

#define PAGE_SIZE		4096ULL
#define ALIGN8(x)		(((x) + 7) & ~(size_t)7)

int efiboot_check_elf(const void *head, size_t head_len, uint64_t file_size,
		      unsigned max_phdrs, const char **why)
{
	struct efiboot_ehdr eh;

	*why = NULL;
	if (head_len < sizeof(eh) || file_size < sizeof(eh)) {
		*why = "shorter than an ELF header";
		return -EINVAL;
	}
	__builtin_memcpy(&eh, head, sizeof(eh));
	if (eh.e_ident[0] != 0x7f || eh.e_ident[1] != 'E' || eh.e_ident[2] != 'L' ||
	    eh.e_ident[3] != 'F')
		*why = "not an ELF file (bad magic)";
	else if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		*why = "not ELFCLASS64 (a 32-bit kernel?)";
	else if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		*why = "not little endian";
	else if (eh.e_ident[EI_VERSION] != EV_CURRENT || eh.e_version != EV_CURRENT)
		*why = "unknown ELF version";
	else if (eh.e_machine != EM_X86_64)
		*why = "not an x86_64 executable (e_machine)";
	else if (eh.e_type != ET_EXEC)
		*why = "not an executable (e_type is not ET_EXEC)";
	else if (eh.e_phnum == 0)
		*why = "no program headers";
	else if (eh.e_phnum > max_phdrs)
		*why = "too many program headers";
	else if (eh.e_phentsize < sizeof(struct efiboot_phdr))
		*why = "program header entries too small";
	else if (eh.e_phoff > file_size ||
		 (uint64_t)eh.e_phnum * eh.e_phentsize > file_size - eh.e_phoff)
		*why = "program headers run past the end of the file";
	return *why ? -EINVAL : 0;
}

/* Walk the tags of a header whose checksum is good. */
static int mb2_header_entry(const uint8_t *h, uint32_t hlen, uint32_t *entry,
			    const char **why)
{
	uint32_t t = sizeof(struct mb2_header);

	while (t + sizeof(struct mb2_htag) <= hlen) {
		struct mb2_htag tag;

		__builtin_memcpy(&tag, h + t, sizeof(tag));
		if (tag.size < sizeof(tag) || tag.size > hlen - t) {
			*why = "malformed multiboot2 header tag";
			return -EINVAL;
		}
		if (tag.type == MB2_HTAG_END)
			break;
		if (tag.type == MB2_HTAG_EFI_AMD64) {
			if (tag.size < 12) {
				*why = "short EFI amd64 entry address tag";
				return -EINVAL;
			}
			__builtin_memcpy(entry, h + t + 8, 4);
			return 0;
		}
		t += ALIGN8(tag.size);
	}
	*why = "multiboot2 header has no EFI amd64 entry address tag (type 9)";
	return -ENOENT;
}

int efiboot_find_entry(const void *head, size_t head_len, uint32_t *entry,
		       const char **why)
{
	const uint8_t *p = head;
	size_t limit = head_len < EFIBOOT_MB2_SEARCH ? head_len : EFIBOOT_MB2_SEARCH;

	*why = NULL;
	for (size_t off = 0; off + sizeof(struct mb2_header) <= limit; off += 8) {
		struct mb2_header h;

		__builtin_memcpy(&h, p + off, sizeof(h));
		if (h.magic != EFIBOOT_MB2_MAGIC ||
		    (uint32_t)(h.magic + h.architecture + h.header_length +
			       h.checksum) != 0)
			continue;
		if (h.header_length < sizeof(h) + sizeof(struct mb2_htag) ||
		    h.header_length > limit - off) {
			*why = "multiboot2 header length out of bounds";
			return -EINVAL;
		}
		return mb2_header_entry(p + off, h.header_length, entry, why);
	}
	*why = "no multiboot2 header in the first 32 KiB";
	return -ENOENT;
}

/*
 * Loader and boot-services memory is free once the kernel runs; what the
 * kernel must keep (its image, this block until copied) it reserves itself.
 */
uint32_t efiboot_e820_type(uint32_t efi_type)
{
	switch (efi_type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BS_CODE:
	case EFI_BS_DATA:
	case EFI_CONVENTIONAL:
		return E820_RAM;
	case EFI_ACPI_RECLAIM:
		return E820_ACPI;
	case EFI_ACPI_NVS:
		return E820_NVS;
	case EFI_UNUSABLE:
		return E820_UNUSABLE;
	case EFI_PERSISTENT:
		return E820_PMEM;
	default:
		return E820_RESERVED;
	}
}

static int claimed(const struct efiboot_range *claims, size_t nclaims, uint64_t start,
		   uint64_t end)
{
	for (size_t i = 0; i < nclaims; i++)
		if (start >= claims[i].start && end <= claims[i].end)
			return 1;
	return 0;
}

/* A descriptor's range, its end saturated at 2^64 - 1 instead of wrapping. */
static void desc_at(const uint8_t *m, struct efiboot_mem_desc *d, uint64_t *b, uint64_t *e)
{
	__builtin_memcpy(d, m, sizeof(*d));
	*b = d->phys_start;
	if (d->num_pages > (~0ULL - *b) / PAGE_SIZE)
		*e = ~0ULL;
	else
		*e = *b + d->num_pages * PAGE_SIZE;
}

int efiboot_span_check(const void *map, size_t map_size, size_t desc_size,
		       uint64_t start, uint64_t end, const struct efiboot_range *claims,
		       size_t nclaims, struct efiboot_span_fault *fault)
{
	const uint8_t *m = map;
	struct efiboot_mem_desc d;
	uint64_t b, e, pos;

	__builtin_memset(fault, 0, sizeof(*fault));
	if (desc_size < sizeof(d)) {
		fault->bad_desc_size = 1;
		return -EINVAL;
	}
	/* every descriptor inside the span must be memory we may overwrite */
	for (size_t off = 0; off + desc_size <= map_size; off += desc_size) {
		desc_at(m + off, &d, &b, &e);
		if (b < start)
			b = start;
		if (e > end)
			e = end;
		if (b >= e)
			continue;
		switch (d.type) {
		case EFI_CONVENTIONAL:
		case EFI_BS_CODE:
		case EFI_BS_DATA:
			continue;
		case EFI_LOADER_DATA:
			if (claimed(claims, nclaims, b, e))
				continue;
			break;
		default:
			break;
		}
		fault->start = b;
		fault->end = e;
		fault->type = d.type;
		return -EINVAL;
	}
	/* and every address of it in one: from start, jump to the furthest end
	 * of a descriptor holding pos, until end or a hole */
	for (pos = start; pos < end;) {
		uint64_t reach = pos, next = end;

		for (size_t off = 0; off + desc_size <= map_size; off += desc_size) {
			desc_at(m + off, &d, &b, &e);
			if (b <= pos && e > reach)
				reach = e;
			else if (b > pos && b < next)
				next = b;
		}
		if (reach == pos) {
			fault->hole = 1;
			fault->start = pos;
			fault->end = next;
			return -EINVAL;
		}
		pos = reach;
	}
	return 0;
}

size_t efiboot_mbi_size(size_t fixed, size_t map_max, size_t desc_size)
{
	size_t ndesc = map_max / desc_size;

	return fixed + 16 + ndesc * sizeof(struct mb2_mmap_entry) + 16 +
	       ALIGN8(map_max) + 8;
}

size_t efiboot_add_tag(uint8_t *mbi, size_t off, uint32_t type,
		       const void *payload, uint32_t len)
{
	uint32_t hdr[2] = { type, 8 + len };

	__builtin_memcpy(mbi + off, hdr, 8);
	if (len)
		__builtin_memcpy(mbi + off + 8, payload, len);
	return off + ALIGN8(8 + (size_t)len);
}

/* Write the sorted, merged e820 entries at e; returns how many. */
static size_t e820_from_efi(struct mb2_mmap_entry *e, const uint8_t *map,
			    size_t ndesc, size_t desc_size)
{
	size_t n = 0, w = 0;

	for (size_t i = 0; i < ndesc; i++) {
		struct efiboot_mem_desc d;
		struct mb2_mmap_entry cur;
		size_t j;

		__builtin_memcpy(&d, map + i * desc_size, sizeof(d));
		if (!d.num_pages || d.num_pages > (~0ULL >> 12))
			continue;
		cur.addr = d.phys_start;
		cur.len = d.num_pages * PAGE_SIZE;
		cur.type = efiboot_e820_type(d.type);
		cur.zero = 0;
		/* insertion sort by address: the EFI map need not be sorted */
		for (j = n; j > 0 && e[j - 1].addr > cur.addr; j--)
			e[j] = e[j - 1];
		e[j] = cur;
		n++;
	}
	if (!n)
		return 0;
	for (size_t r = 1; r < n; r++) {
		if (e[r].type == e[w].type && e[w].addr + e[w].len == e[r].addr)
			e[w].len += e[r].len;
		else
			e[++w] = e[r];
	}
	return w + 1;
}

size_t efiboot_finish(uint8_t *mbi, size_t off, const void *map, size_t map_size,
		      size_t desc_size, uint32_t desc_version)
{
	size_t ndesc, n;
	uint32_t hdr[4];

	if (desc_size < sizeof(struct efiboot_mem_desc))
		return 0;
	ndesc = map_size / desc_size;
	n = e820_from_efi((struct mb2_mmap_entry *)(mbi + off + 16), map, ndesc,
			  desc_size);
	hdr[0] = EFIBOOT_TAG_MMAP;
	hdr[1] = 16 + n * sizeof(struct mb2_mmap_entry);
	hdr[2] = sizeof(struct mb2_mmap_entry);	/* entry_size */
	hdr[3] = 0;				/* entry_version */
	__builtin_memcpy(mbi + off, hdr, 16);
	off += ALIGN8(hdr[1]);

	hdr[0] = EFIBOOT_TAG_EFI_MMAP;
	hdr[1] = 16 + ndesc * desc_size;
	hdr[2] = desc_size;
	hdr[3] = desc_version;
	__builtin_memcpy(mbi + off, hdr, 16);
	if (ndesc)
		__builtin_memcpy(mbi + off + 16, map, ndesc * desc_size);
	off += ALIGN8(hdr[1]);

	off = efiboot_add_tag(mbi, off, EFIBOOT_TAG_END, NULL, 0);
	hdr[0] = off;		/* total_size */
	hdr[1] = 0;		/* reserved */
	__builtin_memcpy(mbi, hdr, 8);
	return off;
}
