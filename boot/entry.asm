; entry.asm - the first instructions of pfnos, for every boot path.
;
; Three ways in, one 64-bit path out to kmain(magic, info):
;  - mb2_entry32: multiboot2 (GRUB2 under SeaBIOS or OVMF). 32-bit protected
;    mode, paging off, EAX = 0x36d76289, EBX = physical address of the
;    multiboot2 information (Multiboot2 spec 3.3, "I386 machine state").
;  - pvh_entry32: PVH direct boot (qemu -kernel), found through the Xen ELF
;    note XEN_ELFNOTE_PHYS32_ENTRY. 32-bit protected mode, paging off, EBX =
;    physical address of struct hvm_start_info (Xen arch-x86/hvm/start_info.h).
;  - efi64_entry: the GNU-EFI loader (boot/efi/loader.c), named by the
;    multiboot2 "EFI amd64 entry address" tag. Long mode on the firmware's
;    identity map, boot services already exited, interrupts off, EAX = magic,
;    EBX = multiboot2 information below 4 GiB. (GRUB uses that tag only with
;    the "EFI boot services" tag, which pfnos does not set, so GRUB keeps to
;    the 32-bit entry.)
;
; Early page tables identity-map the low 4 GiB and map the first 1 GiB again
; at KERNEL_VMA (-2 GiB, for -mcmodel=kernel). mm/paging.c replaces them.

bits 32

KERNEL_VMA	equ 0xffffffff80000000
MB2_MAGIC	equ 0xE85250D6
MB2_BOOT_MAGIC	equ 0x36d76289
PVH_MAGIC	equ 0x336ec578		; hvm_start_info.magic
COM1		equ 0x3f8

; ---------------------------------------------------------------- headers
section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_MAGIC
	dd 0				; architecture: i386 protected mode
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + 0 + (mb2_header_end - mb2_header))
	; information request (type 1, optional): command line, memory map,
	; EFI memory map, ACPI RSDPs, EFI64 system table
	align 8
	dw 1, 1
	dd 8 + 4 * 6
	dd 1, 6, 17, 14, 15, 12
	align 8
	dw 3, 0				; entry address (type 3)
	dd 12
	dd mb2_entry32
	align 8
	dw 9, 1				; EFI amd64 entry address (type 9), optional
	dd 12
	dd efi64_entry
	align 8
	dw 0, 0				; end tag
	dd 8
mb2_header_end:

section .note.pvh note alloc noexec nowrite align=4
	dd 4				; n_namesz
	dd 8				; n_descsz
	dd 18				; XEN_ELFNOTE_PHYS32_ENTRY
	db "Xen", 0
	dq pvh_entry32

; ------------------------------------------------------------ 32-bit code
section .boot.text progbits alloc exec nowrite align=16

global mb2_entry32
mb2_entry32:
	cli
	cld
	mov esi, eax			; boot magic
	mov edi, ebx			; boot information
	jmp common32

global pvh_entry32
pvh_entry32:
	cli
	cld
	mov esi, PVH_MAGIC
	mov edi, ebx

common32:
	mov esp, early_stack32_top
	; Long mode needs CPUID leaf 0x80000001 EDX.LM (Intel SDM vol. 2A, CPUID)
	pushfd
	pop eax
	mov ecx, eax
	xor eax, 1 << 21		; can EFLAGS.ID toggle: CPUID present
	push eax
	popfd
	pushfd
	pop eax
	cmp eax, ecx
	je no_long_mode
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz no_long_mode
	mov ebp, edx			; bit 20: NX

	lgdt [gdt64_ptr]
	mov eax, cr4
	or eax, (1 << 5)		; CR4.PAE
	mov cr4, eax
	mov eax, early_pml4
	mov cr3, eax
	mov ecx, 0xC0000080		; IA32_EFER
	rdmsr
	or eax, (1 << 8)		; LME
	test ebp, 1 << 20
	jz .no_nx
	or eax, (1 << 11)		; NXE
.no_nx:
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16) | 1	; PG, WP, PE
	mov cr0, eax
	jmp 0x08:long_mode32_done

no_long_mode:
	; 8N1 at 115200 on COM1, then the message, then stop.
	mov dx, COM1 + 3
	mov al, 0x80
	out dx, al
	mov dx, COM1
	mov al, 1
	out dx, al
	mov dx, COM1 + 1
	xor al, al
	out dx, al
	mov dx, COM1 + 3
	mov al, 3
	out dx, al
	mov esi, no_lm_msg
.next:
	lodsb
	test al, al
	jz .halt
	mov ah, al
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov dx, COM1
	mov al, ah
	out dx, al
	jmp .next
.halt:
	hlt
	jmp .halt

no_lm_msg:
	db "pfnos: this CPU does not support long mode (x86_64); cannot boot", 13, 10, 0

; ------------------------------------------------------------ 64-bit code
bits 64

; The GNU-EFI loader's way in: long mode already, firmware page tables.
global efi64_entry
efi64_entry:
	cli
	cld
	mov esi, eax
	mov edi, ebx
	lgdt [rel gdt64_ptr]
	mov ecx, 0xC0000080
	rdmsr
	or eax, (1 << 11)		; NXE: every x86_64 CPU OVMF runs on has NX
	wrmsr
	mov rax, early_pml4
	mov cr3, rax
	; reload CS with our 64-bit code segment
	lea rax, [rel long_mode32_done]
	push 0x08
	push rax
	retfq

long_mode32_done:
	mov esi, esi			; zero-extend: upper halves are undefined
	mov edi, edi			; after the switch from 32-bit code
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	; Zero .bss (GRUB, QEMU and the EFI loader all do, but the cost is small
	; and it keeps the contract with C simple).
	mov r8, rdi
	mov rdi, __bss_start
	mov rcx, __bss_end
	sub rcx, rdi
	shr rcx, 3
	xor eax, eax
	rep stosq
	mov rdi, r8
	mov rsp, boot_stack_top
	xor ebp, ebp
	; kmain(u32 magic (rdi? no: esi), u64 info)
	mov rax, rsi
	mov rsi, rdi
	mov rdi, rax
	mov rax, kmain
	call rax
.hang:
	cli
	hlt
	jmp .hang

extern kmain
extern __bss_start
extern __bss_end

; ------------------------------------------------------------ early data
section .boot.data progbits alloc noexec write align=4096

; Page map level 4: entry 0 identity-maps the low 512 GiB slot, entry 511
; the top slot holding KERNEL_VMA. (Intel SDM vol. 3A, 4.5 "4-level paging")
global early_pml4
early_pml4:
	dq early_pdpt_low + 3		; present, writable
	times 510 dq 0
	dq early_pdpt_high + 3

; First four PDPT entries cover 0-4 GiB through four page directories.
early_pdpt_low:
	dq early_pd + 0x0000 + 3
	dq early_pd + 0x1000 + 3
	dq early_pd + 0x2000 + 3
	dq early_pd + 0x3000 + 3
	times 508 dq 0

; KERNEL_VMA = PML4 511, PDPT 510: maps the first GiB again.
early_pdpt_high:
	times 510 dq 0
	dq early_pd + 3
	dq 0

; 2048 2 MiB pages: PS (bit 7), writable, present.
early_pd:
%assign i 0
%rep 2048
	dq (i << 21) | 0x83
%assign i i + 1
%endrep

align 16
gdt64:
	dq 0
	dq 0x00AF9A000000FFFF		; 0x08: 64-bit code, DPL 0
	dq 0x00CF92000000FFFF		; 0x10: data
gdt64_end:
gdt64_ptr:
	dw gdt64_end - gdt64 - 1
	dq gdt64

align 16
	times 1024 db 0
early_stack32_top:

; ------------------------------------------------------------ boot stack
; 32 KiB kernel stack with an unmapped guard page below it (mm/paging.c
; leaves boot_stack_guard out of the kernel mapping).
section .bss nobits alloc noexec write align=4096
global boot_stack_guard
global boot_stack_bottom
global boot_stack_top
boot_stack_guard:
	resb 4096
boot_stack_bottom:
	resb 32768
boot_stack_top:
