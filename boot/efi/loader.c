/*
 * loader.c - pfnos-efi, the GNU-EFI loader (BOOTX64.EFI) for pfnos.elf.
 *
 * Built by boot/efi/efi.mk into build/BOOTX64.EFI and put on a FAT image
 * (build/esp.img) as /EFI/BOOT/BOOTX64.EFI beside /pfnos.elf and
 * /pfnos.cmdline. It gives the kernel what GRUB would give it through
 * multiboot2, so the kernel has one boot-information parser
 * (kernel/bootinfo.c) for both loaders.
 *
 * What it does, in order:
 *  1. Opens the volume it was loaded from (LoadedImage->DeviceHandle, Simple
 *     File System) and reads /pfnos.elf and the optional /pfnos.cmdline (the
 *     kernel command line as plain bytes, trailing whitespace stripped;
 *     absent = empty). Extra arguments from the launcher come through QEMU's
 *     fw_cfg, which the kernel reads itself.
 *  2. Checks the ELF64 header (magic, class, little endian, x86_64, program
 *     headers inside the file) and loads every PT_LOAD segment at its
 *     physical address p_paddr with AllocatePages(AllocateAddress): p_filesz
 *     bytes copied, the rest up to p_memsz zeroed. Executable segments are
 *     EfiLoaderCode, the others EfiLoaderData (OVMF maps EfiLoaderData
 *     non-executable in its page tables, and the kernel's first instructions
 *     run on those tables). A range the firmware already uses is an error.
 *  3. Finds the multiboot2 header (Multiboot2 spec 3.1: 8-byte aligned in the
 *     first 32 KiB, magic 0xE85250D6, checksum) and its tag type 9 "EFI amd64
 *     entry address": the physical address of the kernel's efi64_entry.
 *  4. Builds the multiboot2 information (spec 3.6) in pages below 4 GiB,
 *     allocated before the final memory map: command line (1), boot loader
 *     name (2, "pfnos-efi"), EFI64 system table (12), ACPI new RSDP (15) or
 *     else old RSDP (14) copied from the configuration table, memory map (6,
 *     e820 types derived from the EFI map, sorted, adjacent equal entries
 *     merged), the raw EFI memory map (17), end tag.
 *  5. GetMemoryMap into a buffer allocated beforehand with slack, fills the
 *     two map tags without allocating, ExitBootServices(map key); on
 *     EFI_INVALID_PARAMETER (the map changed) it retries without console
 *     output or allocation.
 *  6. Enters the kernel as the multiboot2 spec describes for the EFI amd64
 *     entry (3.2 "EFI amd64 machine state"), except that boot services are
 *     gone: 64-bit mode on the firmware's identity-mapped page tables and
 *     GDT, interrupts off, EAX = 0x36d76289, EBX = physical address of the
 *     information, jump to the entry. The kernel loads its own GDT, page
 *     tables and stack there (boot/entry.asm).
 *
 * Progress and errors go to ConOut (OVMF mirrors it to the serial port), all
 * prefixed "pfnos-efi: ". On any error the loader returns to the firmware.
 */
#include <efi.h>

#define PFX			"pfnos-efi: "
#define KERNEL_PATH		L"\\pfnos.elf"
#define CMDLINE_PATH		L"\\pfnos.cmdline"
#define CMDLINE_LIMIT		4095		/* kernel's CMDLINE_MAX - 1 */
#define LOADER_NAME		"pfnos-efi"
#define PAGE_SIZE		4096ULL
#define PAGES(n)		(((n) + PAGE_SIZE - 1) / PAGE_SIZE)
#define MAX_SEGMENTS		16

/* ELF-64 Object File Format, version 1.5, and the System V x86-64 psABI */
#define EI_NIDENT		16
#define ELFCLASS64		2
#define ELFDATA2LSB		1
#define EV_CURRENT		1
#define ET_EXEC			2
#define EM_X86_64		62
#define PT_LOAD			1
#define PF_X			1

struct elf64_ehdr {
	UINT8 e_ident[EI_NIDENT];
	UINT16 e_type;
	UINT16 e_machine;
	UINT32 e_version;
	UINT64 e_entry;
	UINT64 e_phoff;
	UINT64 e_shoff;
	UINT32 e_flags;
	UINT16 e_ehsize;
	UINT16 e_phentsize;
	UINT16 e_phnum;
	UINT16 e_shentsize;
	UINT16 e_shnum;
	UINT16 e_shstrndx;
} __attribute__((packed));
_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header");

struct elf64_phdr {
	UINT32 p_type;
	UINT32 p_flags;
	UINT64 p_offset;
	UINT64 p_vaddr;
	UINT64 p_paddr;
	UINT64 p_filesz;
	UINT64 p_memsz;
	UINT64 p_align;
} __attribute__((packed));
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header");

/* Multiboot2 spec 3.1 "OS image format" */
#define MB2_HEADER_MAGIC	0xE85250D6u
#define MB2_SEARCH		32768
#define MB2_HTAG_END		0
#define MB2_HTAG_EFI_AMD64	9
#define MB2_BOOT_MAGIC		0x36d76289u

struct mb2_header {
	UINT32 magic;
	UINT32 architecture;
	UINT32 header_length;
	UINT32 checksum;
} __attribute__((packed));

struct mb2_htag {
	UINT16 type;
	UINT16 flags;
	UINT32 size;
} __attribute__((packed));

/* Multiboot2 spec 3.6 "Boot information format" */
#define MB2_TAG_END		0
#define MB2_TAG_CMDLINE		1
#define MB2_TAG_LOADER		2
#define MB2_TAG_MMAP		6
#define MB2_TAG_EFI64		12
#define MB2_TAG_ACPI_OLD	14
#define MB2_TAG_ACPI_NEW	15
#define MB2_TAG_EFI_MMAP	17

struct mb2_tag {
	UINT32 type;
	UINT32 size;
} __attribute__((packed));

struct mb2_mmap_entry {
	UINT64 addr;
	UINT64 len;
	UINT32 type;
	UINT32 zero;
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mb2 mmap entry");

/* e820 types (ACPI 6.4, 15 "System Address Map Interfaces") */
#define E820_RAM		1
#define E820_RESERVED		2
#define E820_ACPI		3
#define E820_NVS		4
#define E820_UNUSABLE		5
#define E820_PMEM		7

/*
 * Space for the tags other than the two memory maps: headers, a 4 KiB
 * command line, the loader name, an RSDP (36 bytes in ACPI 6.4, 5.2.5.3, but
 * taken from its Length field) and the end tag. Checked as tags are added.
 */
#define MBI_FIXED_SPACE		(2 * PAGE_SIZE)
#define MMAP_SLACK_DESCS	64

static EFI_SYSTEM_TABLE *st;
static EFI_BOOT_SERVICES *bs;

struct loader {
	EFI_HANDLE image;
	EFI_FILE_HANDLE root;
	UINT8 *elf;
	UINTN elf_size;
	char cmdline[CMDLINE_LIMIT + 1];
	UINT64 entry;
	struct {
		UINT64 start, end;		/* page-aligned physical range */
		BOOLEAN exec;
	} seg[MAX_SEGMENTS];
	UINTN nseg;
	const void *rsdp;
	UINT32 rsdp_len;
	UINT32 rsdp_tag;
	UINT8 *mbi;
	UINTN mbi_size;
	UINTN mbi_fixed;		/* bytes used by the tags built early */
	EFI_MEMORY_DESCRIPTOR *map;
	UINTN map_alloc;
	UINTN desc_size;
	UINT32 desc_version;
};

/* gcc may emit calls to these even in freestanding code. */
void *memset(void *s, int c, __SIZE_TYPE__ n)
{
	UINT8 *p = s;

	while (n--)
		*p++ = (UINT8)c;
	return s;
}

void *memcpy(void *d, const void *s, __SIZE_TYPE__ n)
{
	UINT8 *dp = d;
	const UINT8 *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

static int mem_equal(const void *a, const void *b, UINTN n)
{
	const UINT8 *x = a, *y = b;

	while (n--)
		if (*x++ != *y++)
			return 0;
	return 1;
}

/* ------------------------------------------------------------- console */

static void con_flush(CHAR16 *buf, UINTN *n)
{
	buf[*n] = 0;
	st->ConOut->OutputString(st->ConOut, buf);
	*n = 0;
}

static void con_putc(CHAR16 *buf, UINTN *n, char c)
{
	if (c == '\n') {
		buf[(*n)++] = L'\r';
		if (*n >= 126)
			con_flush(buf, n);
	}
	buf[(*n)++] = (CHAR16)(UINT8)c;
	if (*n >= 126)
		con_flush(buf, n);
}

static void con_num(CHAR16 *buf, UINTN *n, UINT64 v, unsigned base)
{
	char digits[24];
	int i = 0;

	do {
		digits[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (i)
		con_putc(buf, n, digits[--i]);
}

/*
 * A small printf for ConOut: %s (ASCII), %ls (UCS-2), %u, %x and %lu, %lx
 * (all taken as 64-bit when 'l' is given, 32-bit otherwise), %%.
 */
static void con_printf(const char *fmt, ...)
{
	CHAR16 buf[128];
	UINTN n = 0;
	__builtin_va_list ap;

	__builtin_va_start(ap, fmt);
	for (; *fmt; fmt++) {
		int lng = 0;

		if (*fmt != '%') {
			con_putc(buf, &n, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == 'l') {
			lng = 1;
			fmt++;
		}
		switch (*fmt) {
		case 's':
			if (lng) {
				const CHAR16 *s = __builtin_va_arg(ap, const CHAR16 *);

				while (*s)
					con_putc(buf, &n, (char)*s++);
			} else {
				const char *s = __builtin_va_arg(ap, const char *);

				while (*s)
					con_putc(buf, &n, *s++);
			}
			break;
		case 'u':
		case 'x':
			con_num(buf, &n, lng ? __builtin_va_arg(ap, UINT64) :
				__builtin_va_arg(ap, UINT32), *fmt == 'u' ? 10 : 16);
			break;
		case '%':
			con_putc(buf, &n, '%');
			break;
		default:
			con_putc(buf, &n, '?');
			if (!*fmt)
				fmt--;
			break;
		}
	}
	__builtin_va_end(ap);
	con_flush(buf, &n);
}

/* EFI_STATUS as the spec names it (UEFI 2.9, Appendix D). */
static const char *status_name(EFI_STATUS s)
{
	switch (s) {
	case EFI_SUCCESS: return "success";
	case EFI_LOAD_ERROR: return "load error";
	case EFI_INVALID_PARAMETER: return "invalid parameter";
	case EFI_UNSUPPORTED: return "unsupported";
	case EFI_BUFFER_TOO_SMALL: return "buffer too small";
	case EFI_NOT_READY: return "not ready";
	case EFI_DEVICE_ERROR: return "device error";
	case EFI_OUT_OF_RESOURCES: return "out of resources";
	case EFI_VOLUME_CORRUPTED: return "volume corrupted";
	case EFI_NOT_FOUND: return "not found";
	case EFI_ACCESS_DENIED: return "access denied";
	default: return "error";
	}
}

static EFI_STATUS fail(EFI_STATUS s, const char *what)
{
	con_printf(PFX "error: %s: %s (0x%lx)\n", what, status_name(s), (UINT64)s);
	return s;
}

/* ------------------------------------------------------------- files */

static EFI_STATUS open_volume(struct loader *ld)
{
	EFI_GUID li_guid = EFI_LOADED_IMAGE_PROTOCOL_GUID;
	EFI_GUID fs_guid = EFI_SIMPLE_FILE_SYSTEM_PROTOCOL_GUID;
	EFI_LOADED_IMAGE_PROTOCOL *li;
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
	EFI_STATUS s;

	s = bs->HandleProtocol(ld->image, &li_guid, (void **)&li);
	if (EFI_ERROR(s))
		return fail(s, "LoadedImage protocol");
	s = bs->HandleProtocol(li->DeviceHandle, &fs_guid, (void **)&fs);
	if (EFI_ERROR(s))
		return fail(s, "no file system on the loader's volume");
	s = fs->OpenVolume(fs, &ld->root);
	if (EFI_ERROR(s))
		return fail(s, "opening the loader's volume");
	return EFI_SUCCESS;
}

/*
 * Read the whole file at path into pool memory (*buf, *size). Returns
 * EFI_NOT_FOUND quietly, so optional files can be absent.
 */
static EFI_STATUS read_file(struct loader *ld, CHAR16 *path, UINT8 **buf,
			    UINTN *size)
{
	EFI_GUID info_guid = EFI_FILE_INFO_ID;
	EFI_FILE_HANDLE f;
	UINT8 info_buf[SIZE_OF_EFI_FILE_INFO + 256] __attribute__((aligned(8)));
	EFI_FILE_INFO *info = (EFI_FILE_INFO *)info_buf;
	UINTN info_size = sizeof(info_buf), done = 0;
	EFI_STATUS s;

	s = ld->root->Open(ld->root, &f, path, EFI_FILE_MODE_READ, 0);
	if (s == EFI_NOT_FOUND)
		return s;
	if (EFI_ERROR(s)) {
		con_printf(PFX "error: cannot open %ls\n", path);
		return fail(s, "Open");
	}
	s = f->GetInfo(f, &info_guid, &info_size, info);
	if (EFI_ERROR(s)) {
		fail(s, "GetInfo");
		goto close;
	}
	*size = info->FileSize;
	s = bs->AllocatePool(EfiLoaderData, *size ? *size : 1, (void **)buf);
	if (EFI_ERROR(s)) {
		con_printf(PFX "error: no memory for %ls (%lu bytes)\n", path,
			   (UINT64)*size);
		goto close;
	}
	while (done < *size) {
		UINTN chunk = *size - done;

		s = f->Read(f, &chunk, *buf + done);
		if (EFI_ERROR(s)) {
			con_printf(PFX "error: reading %ls at %lu\n", path, (UINT64)done);
			fail(s, "Read");
			goto free;
		}
		if (chunk == 0) {
			con_printf(PFX "error: %ls: short read, %lu of %lu bytes\n",
				   path, (UINT64)done, (UINT64)*size);
			s = EFI_LOAD_ERROR;
			goto free;
		}
		done += chunk;
	}
	f->Close(f);
	return EFI_SUCCESS;

free:
	bs->FreePool(*buf);
	*buf = NULL;
close:
	f->Close(f);
	return s;
}

static EFI_STATUS read_cmdline(struct loader *ld)
{
	UINT8 *buf;
	UINTN size, n;
	EFI_STATUS s;

	ld->cmdline[0] = '\0';
	s = read_file(ld, CMDLINE_PATH, &buf, &size);
	if (s == EFI_NOT_FOUND)
		return EFI_SUCCESS;
	if (EFI_ERROR(s))
		return s;
	n = size;
	while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t' ||
		     buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n > CMDLINE_LIMIT) {
		con_printf(PFX "error: pfnos.cmdline is %lu bytes, the limit is %u\n",
			   (UINT64)n, CMDLINE_LIMIT);
		bs->FreePool(buf);
		return EFI_BAD_BUFFER_SIZE;
	}
	for (UINTN i = 0; i < n; i++) {
		if (buf[i] == '\0' || buf[i] == '\n' || buf[i] == '\r') {
			con_printf(PFX "error: pfnos.cmdline: NUL or line break at byte %lu; "
				   "the command line is one line\n", (UINT64)i);
			bs->FreePool(buf);
			return EFI_INVALID_PARAMETER;
		}
	}
	memcpy(ld->cmdline, buf, n);
	ld->cmdline[n] = '\0';
	bs->FreePool(buf);
	return EFI_SUCCESS;
}

/* ------------------------------------------------------------- ELF */

static EFI_STATUS elf_error(const char *why)
{
	con_printf(PFX "error: pfnos.elf: %s\n", why);
	return EFI_LOAD_ERROR;
}

static EFI_STATUS check_elf(const struct loader *ld)
{
	const struct elf64_ehdr *eh = (const void *)ld->elf;

	if (ld->elf_size < sizeof(*eh))
		return elf_error("shorter than an ELF header");
	if (!mem_equal(eh->e_ident, "\177ELF", 4))
		return elf_error("not an ELF file (bad magic)");
	if (eh->e_ident[4] != ELFCLASS64)
		return elf_error("not ELFCLASS64 (a 32-bit kernel?)");
	if (eh->e_ident[5] != ELFDATA2LSB)
		return elf_error("not little endian");
	if (eh->e_ident[6] != EV_CURRENT || eh->e_version != EV_CURRENT)
		return elf_error("unknown ELF version");
	if (eh->e_machine != EM_X86_64)
		return elf_error("not an x86_64 executable (e_machine)");
	if (eh->e_type != ET_EXEC)
		return elf_error("not an executable (e_type is not ET_EXEC)");
	if (eh->e_phnum == 0)
		return elf_error("no program headers");
	if (eh->e_phentsize < sizeof(struct elf64_phdr))
		return elf_error("program header entries too small");
	if (eh->e_phoff > ld->elf_size ||
	    (UINT64)eh->e_phnum * eh->e_phentsize > ld->elf_size - eh->e_phoff)
		return elf_error("program headers run past the end of the file");
	return EFI_SUCCESS;
}

static const struct elf64_phdr *phdr(const struct loader *ld, UINTN i)
{
	const struct elf64_ehdr *eh = (const void *)ld->elf;

	return (const void *)(ld->elf + eh->e_phoff + i * eh->e_phentsize);
}

/* Print the EFI memory map entries that are not free in [start, end). */
static void show_users(UINT64 start, UINT64 end)
{
	UINTN size = 0, key, dsize;
	UINT32 dver;
	UINT8 *map;

	if (bs->GetMemoryMap(&size, NULL, &key, &dsize, &dver) != EFI_BUFFER_TOO_SMALL)
		return;
	size += 8 * dsize;
	if (EFI_ERROR(bs->AllocatePool(EfiLoaderData, size, (void **)&map)))
		return;
	if (!EFI_ERROR(bs->GetMemoryMap(&size, (void *)map, &key, &dsize, &dver))) {
		for (UINTN off = 0; off + dsize <= size; off += dsize) {
			const EFI_MEMORY_DESCRIPTOR *d = (const void *)(map + off);
			UINT64 b = d->PhysicalStart, e = b + d->NumberOfPages * PAGE_SIZE;

			if (b < end && e > start && d->Type != EfiConventionalMemory)
				con_printf(PFX "  0x%lx-0x%lx is EFI memory type %u\n",
					   b, e - 1, d->Type);
		}
	}
	bs->FreePool(map);
}

/* Allocate [start, end) (page aligned) at that exact physical address. */
static EFI_STATUS claim_range(struct loader *ld, UINT64 start, UINT64 end,
			      BOOLEAN exec)
{
	EFI_PHYSICAL_ADDRESS addr = start;
	EFI_STATUS s;

	for (UINTN i = 0; i < ld->nseg; i++) {
		/* a page shared with the previous segment is already ours */
		if (start >= ld->seg[i].start && start < ld->seg[i].end)
			start = ld->seg[i].end;
		if (end > ld->seg[i].start && end <= ld->seg[i].end)
			end = ld->seg[i].start;
	}
	if (start >= end)
		return EFI_SUCCESS;
	for (UINTN i = 0; i < ld->nseg; i++) {
		if (start < ld->seg[i].end && end > ld->seg[i].start)
			return elf_error("PT_LOAD segments overlap");
	}
	if (ld->nseg == MAX_SEGMENTS)
		return elf_error("too many PT_LOAD segments");
	addr = start;
	s = bs->AllocatePages(AllocateAddress, exec ? EfiLoaderCode : EfiLoaderData,
			      (end - start) / PAGE_SIZE, &addr);
	if (EFI_ERROR(s)) {
		con_printf(PFX "error: cannot allocate 0x%lx-0x%lx for the kernel: "
			   "the firmware uses part of it (%s)\n",
			   start, end - 1, status_name(s));
		show_users(start, end);
		return s;
	}
	ld->seg[ld->nseg].start = start;
	ld->seg[ld->nseg].end = end;
	ld->seg[ld->nseg].exec = exec;
	ld->nseg++;
	return EFI_SUCCESS;
}

static EFI_STATUS load_segments(struct loader *ld)
{
	const struct elf64_ehdr *eh = (const void *)ld->elf;
	EFI_STATUS s;
	UINTN loaded = 0;

	for (UINTN i = 0; i < eh->e_phnum; i++) {
		const struct elf64_phdr *ph = phdr(ld, i);
		UINT64 start, end;

		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		if (ph->p_filesz > ph->p_memsz)
			return elf_error("a PT_LOAD has p_filesz > p_memsz");
		if (ph->p_offset > ld->elf_size ||
		    ph->p_filesz > ld->elf_size - ph->p_offset)
			return elf_error("a PT_LOAD runs past the end of the file");
		if (ph->p_paddr + ph->p_memsz < ph->p_paddr ||
		    ph->p_paddr + ph->p_memsz > (1ULL << 46))
			return elf_error("a PT_LOAD has an impossible physical address");
		start = ph->p_paddr & ~(PAGE_SIZE - 1);
		end = (ph->p_paddr + ph->p_memsz + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		s = claim_range(ld, start, end, (ph->p_flags & PF_X) != 0);
		if (EFI_ERROR(s))
			return s;
		memcpy((void *)(UINTN)ph->p_paddr, ld->elf + ph->p_offset, ph->p_filesz);
		memset((void *)(UINTN)(ph->p_paddr + ph->p_filesz), 0,
		       ph->p_memsz - ph->p_filesz);
		loaded++;
	}
	if (!loaded)
		return elf_error("no PT_LOAD segments");
	return EFI_SUCCESS;
}

/*
 * Find the multiboot2 header and its "EFI amd64 entry address" tag; the
 * entry must lie in an executable segment that was loaded.
 */
static EFI_STATUS find_entry(struct loader *ld)
{
	UINTN limit = ld->elf_size < MB2_SEARCH ? ld->elf_size : MB2_SEARCH;

	for (UINTN off = 0; off + sizeof(struct mb2_header) <= limit; off += 8) {
		const struct mb2_header *h = (const void *)(ld->elf + off);
		UINTN t;

		if (h->magic != MB2_HEADER_MAGIC)
			continue;
		if ((UINT32)(h->magic + h->architecture + h->header_length +
			     h->checksum) != 0)
			continue;
		if (h->header_length < sizeof(*h) + sizeof(struct mb2_htag) ||
		    h->header_length > ld->elf_size - off)
			return elf_error("multiboot2 header length out of bounds");
		for (t = sizeof(*h); t + sizeof(struct mb2_htag) <= h->header_length;) {
			const struct mb2_htag *tag = (const void *)(ld->elf + off + t);

			if (tag->size < sizeof(*tag) || tag->size > h->header_length - t)
				return elf_error("malformed multiboot2 header tag");
			if (tag->type == MB2_HTAG_END)
				break;
			if (tag->type == MB2_HTAG_EFI_AMD64) {
				UINT32 entry;

				if (tag->size < 12)
					return elf_error("short EFI amd64 entry tag");
				memcpy(&entry, (const UINT8 *)tag + 8, 4);
				for (UINTN i = 0; i < ld->nseg; i++) {
					if (ld->seg[i].exec && entry >= ld->seg[i].start &&
					    entry < ld->seg[i].end) {
						ld->entry = entry;
						return EFI_SUCCESS;
					}
				}
				con_printf(PFX "error: pfnos.elf: EFI amd64 entry 0x%x "
					   "is not in a loaded executable segment\n", entry);
				return EFI_LOAD_ERROR;
			}
			t += (tag->size + 7) & ~7u;
		}
		return elf_error("multiboot2 header has no EFI amd64 entry "
				 "address tag (type 9)");
	}
	return elf_error("no multiboot2 header in the first 32 KiB");
}

/* ------------------------------------------------------------- boot information */

static void find_rsdp(struct loader *ld)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
	const UINT8 *v1 = NULL;

	for (UINTN i = 0; i < st->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *ct = &st->ConfigurationTable[i];

		if (mem_equal(&ct->VendorGuid, &acpi20, sizeof(EFI_GUID))) {
			const UINT8 *r = ct->VendorTable;
			UINT32 len;

			/* ACPI 6.4, 5.2.5.3: Length at offset 20, revision >= 2 */
			memcpy(&len, r + 20, 4);
			if (r[15] >= 2 && len >= 36 && len <= 1024) {
				ld->rsdp = r;
				ld->rsdp_len = len;
				ld->rsdp_tag = MB2_TAG_ACPI_NEW;
				return;
			}
		}
		if (mem_equal(&ct->VendorGuid, &acpi10, sizeof(EFI_GUID)))
			v1 = ct->VendorTable;
	}
	if (v1) {
		ld->rsdp = v1;
		ld->rsdp_len = 20;
		ld->rsdp_tag = MB2_TAG_ACPI_OLD;
	}
}

static UINT8 *mbi_add(struct loader *ld, UINTN *off, UINT32 type,
		      UINT32 payload)
{
	struct mb2_tag *t = (void *)(ld->mbi + *off);

	t->type = type;
	t->size = sizeof(*t) + payload;
	*off += (t->size + 7) & ~7u;
	return (UINT8 *)(t + 1);
}

/* The tags that do not depend on the final memory map. */
static void build_fixed_tags(struct loader *ld)
{
	UINTN off = 8, n;
	UINT64 systab = (UINTN)st;
	UINT8 *p;

	n = 0;
	while (ld->cmdline[n])
		n++;
	p = mbi_add(ld, &off, MB2_TAG_CMDLINE, n + 1);
	memcpy(p, ld->cmdline, n + 1);
	p = mbi_add(ld, &off, MB2_TAG_LOADER, sizeof(LOADER_NAME));
	memcpy(p, LOADER_NAME, sizeof(LOADER_NAME));
	p = mbi_add(ld, &off, MB2_TAG_EFI64, 8);
	memcpy(p, &systab, 8);
	if (ld->rsdp) {
		p = mbi_add(ld, &off, ld->rsdp_tag, ld->rsdp_len);
		memcpy(p, ld->rsdp, ld->rsdp_len);
	}
	ld->mbi_fixed = off;
}

static UINT32 e820_type(UINT32 efi_type)
{
	switch (efi_type) {
	case EfiLoaderCode:
	case EfiLoaderData:
	case EfiBootServicesCode:
	case EfiBootServicesData:
	case EfiConventionalMemory:
		return E820_RAM;
	case EfiACPIReclaimMemory:
		return E820_ACPI;
	case EfiACPIMemoryNVS:
		return E820_NVS;
	case EfiUnusableMemory:
		return E820_UNUSABLE;
	case 14:	/* EfiPersistentMemory (UEFI 2.5+) */
		return E820_PMEM;
	default:
		return E820_RESERVED;
	}
}

/*
 * Fill the memory map tags (6 and 17) and the end tag from the EFI map in
 * ld->map (map_size bytes). Runs between GetMemoryMap and ExitBootServices,
 * so it allocates nothing and prints nothing.
 */
static void build_mmap_tags(struct loader *ld, UINTN map_size)
{
	UINTN ndesc = map_size / ld->desc_size, off = ld->mbi_fixed, n = 0;
	struct mb2_mmap_entry *e = (void *)(ld->mbi + off + 16);
	UINT32 hdr[2];
	UINT8 *p;

	for (UINTN i = 0; i < ndesc; i++) {
		const EFI_MEMORY_DESCRIPTOR *d =
			(const void *)((UINT8 *)ld->map + i * ld->desc_size);
		struct mb2_mmap_entry cur = {
			.addr = d->PhysicalStart,
			.len = d->NumberOfPages * PAGE_SIZE,
			.type = e820_type(d->Type),
		};
		UINTN j;

		if (!d->NumberOfPages)
			continue;
		/* insertion sort by address: the EFI map need not be sorted */
		for (j = n; j > 0 && e[j - 1].addr > cur.addr; j--)
			e[j] = e[j - 1];
		e[j] = cur;
		n++;
	}
	if (n) {
		UINTN w = 0;

		for (UINTN r = 1; r < n; r++) {
			if (e[r].type == e[w].type && e[w].addr + e[w].len == e[r].addr)
				e[w].len += e[r].len;
			else
				e[++w] = e[r];
		}
		n = w + 1;
	}
	p = mbi_add(ld, &off, MB2_TAG_MMAP, 8 + n * sizeof(*e));
	hdr[0] = sizeof(*e);	/* entry_size */
	hdr[1] = 0;		/* entry_version */
	memcpy(p, hdr, 8);

	p = mbi_add(ld, &off, MB2_TAG_EFI_MMAP, 8 + ndesc * ld->desc_size);
	hdr[0] = ld->desc_size;
	hdr[1] = ld->desc_version;
	memcpy(p, hdr, 8);
	memcpy(p + 8, ld->map, ndesc * ld->desc_size);

	mbi_add(ld, &off, MB2_TAG_END, 0);
	hdr[0] = off;		/* total_size */
	hdr[1] = 0;		/* reserved */
	memcpy(ld->mbi, hdr, 8);
}

/*
 * Size the memory map, then allocate its buffer and the information block
 * (below 4 GiB, EBX is 32 bits) with room for the map growing by
 * MMAP_SLACK_DESCS descriptors, these allocations included.
 */
static EFI_STATUS alloc_boot_info(struct loader *ld)
{
	EFI_PHYSICAL_ADDRESS mbi = 0xFFFFFFFFu;
	UINTN size = 0, key, ndesc;
	EFI_STATUS s;

	s = bs->GetMemoryMap(&size, NULL, &key, &ld->desc_size, &ld->desc_version);
	if (s != EFI_BUFFER_TOO_SMALL)
		return fail(s, "GetMemoryMap (size)");
	if (ld->desc_size < sizeof(EFI_MEMORY_DESCRIPTOR))
		return fail(EFI_UNSUPPORTED, "EFI memory descriptors too small");
	ndesc = size / ld->desc_size + MMAP_SLACK_DESCS;
	ld->map_alloc = ndesc * ld->desc_size;
	s = bs->AllocatePool(EfiLoaderData, ld->map_alloc, (void **)&ld->map);
	if (EFI_ERROR(s))
		return fail(s, "allocating the memory map buffer");

	ld->mbi_size = MBI_FIXED_SPACE + 16 + ndesc * sizeof(struct mb2_mmap_entry) +
		       16 + ld->map_alloc + 8;
	s = bs->AllocatePages(AllocateMaxAddress, EfiLoaderData,
			      PAGES(ld->mbi_size), &mbi);
	if (EFI_ERROR(s))
		return fail(s, "allocating the boot information below 4 GiB");
	ld->mbi = (UINT8 *)(UINTN)mbi;
	ld->mbi_size = PAGES(ld->mbi_size) * PAGE_SIZE;
	memset(ld->mbi, 0, ld->mbi_size);
	return EFI_SUCCESS;
}

/* ------------------------------------------------------------- hand-off */

static __attribute__((noreturn)) void enter_kernel(UINT64 entry, UINT32 mbi)
{
	__asm__ volatile("cli\n\t"
			 "jmp *%2"
			 : : "a"(MB2_BOOT_MAGIC), "b"(mbi), "r"(entry) : "memory");
	__builtin_unreachable();
}

static __attribute__((noreturn)) void halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/*
 * Final memory map and ExitBootServices. Nothing may allocate or print
 * between GetMemoryMap and ExitBootServices; a stale key
 * (EFI_INVALID_PARAMETER) means the map changed, so take it again.
 */
static EFI_STATUS exit_boot_services(struct loader *ld)
{
	EFI_STATUS s;

	for (int tries = 0; tries < 8; tries++) {
		UINTN size = ld->map_alloc, key;

		s = bs->GetMemoryMap(&size, ld->map, &key, &ld->desc_size,
				     &ld->desc_version);
		if (EFI_ERROR(s)) {
			if (tries == 0)
				return fail(s, "GetMemoryMap");
			halt_forever();
		}
		build_mmap_tags(ld, size);
		s = bs->ExitBootServices(ld->image, key);
		if (s == EFI_SUCCESS)
			return s;
		if (s != EFI_INVALID_PARAMETER) {
			if (tries == 0)
				return fail(s, "ExitBootServices");
			halt_forever();
		}
	}
	/* boot services may be half gone: no console any more */
	halt_forever();
}

/* Give back what a failed boot took, so the firmware can try the next option. */
static void release(struct loader *ld)
{
	if (ld->mbi)
		bs->FreePages((UINTN)ld->mbi, ld->mbi_size / PAGE_SIZE);
	if (ld->map)
		bs->FreePool(ld->map);
	while (ld->nseg--)
		bs->FreePages(ld->seg[ld->nseg].start,
			      (ld->seg[ld->nseg].end - ld->seg[ld->nseg].start) /
			      PAGE_SIZE);
	if (ld->elf)
		bs->FreePool(ld->elf);
	if (ld->root)
		ld->root->Close(ld->root);
}

/* Called by gnu-efi's crt0 after self-relocation, with the SysV ABI. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	static struct loader ld;
	EFI_STATUS s;

	st = systab;
	bs = systab->BootServices;
	ld.image = image;
	bs->SetWatchdogTimer(0, 0, 0, NULL);

	s = open_volume(&ld);
	if (EFI_ERROR(s))
		goto out;
	s = read_file(&ld, KERNEL_PATH, &ld.elf, &ld.elf_size);
	if (s == EFI_NOT_FOUND)
		con_printf(PFX "error: %ls not found on the loader's volume\n",
			   KERNEL_PATH);
	if (EFI_ERROR(s))
		goto out;
	s = read_cmdline(&ld);
	if (EFI_ERROR(s))
		goto out;
	s = check_elf(&ld);
	if (EFI_ERROR(s))
		goto out;
	s = load_segments(&ld);
	if (EFI_ERROR(s))
		goto out;
	s = find_entry(&ld);
	if (EFI_ERROR(s))
		goto out;
	find_rsdp(&ld);
	s = alloc_boot_info(&ld);
	if (EFI_ERROR(s))
		goto out;
	build_fixed_tags(&ld);

	con_printf(PFX "loaded pfnos.elf (%lu bytes), entry 0x%lx, info at 0x%lx\n",
		   (UINT64)ld.elf_size, ld.entry, (UINT64)(UINTN)ld.mbi);
	con_printf(PFX "cmdline \"%s\"%s\n", ld.cmdline,
		   ld.rsdp ? "" : ", no ACPI RSDP found");

	s = exit_boot_services(&ld);
	if (EFI_ERROR(s))
		goto out;
	enter_kernel(ld.entry, (UINT32)(UINTN)ld.mbi);

out:
	release(&ld);
	con_printf(PFX "boot failed, returning to the firmware\n");
	return s;
}
