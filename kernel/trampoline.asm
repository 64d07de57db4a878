; trampoline.asm - how an application processor gets from its startup IPI
; to C (kernel/smp.c).
;
; smp_trampoline_start..smp_trampoline_end is copied by smp_init() to a RAM
; page below 1 MiB, whose page number is the startup IPI's vector: the AP
; starts there in real mode at CS = page << 8, IP = 0 (Intel SDM vol. 3A,
; 8.4.4.1 "Typical BSP Initialization Sequence", 9.9 "Mode Switching").
; The code is position independent: it finds its base from CS, and the
; data block at its end (struct smp_tr_data in kernel/smp.c) holds what
; smp_init() filled in. It goes real mode -> 32-bit protected mode ->
; long mode on page tables that identity-map the low 2 MiB and share the
; kernel's upper half (mm's paging_ap_boot_tables()), then jumps to
; smp_ap_entry64 in the kernel's text, which switches to the kernel's own
; page tables, finds its stack by its APIC id in smp_boot_table and calls
; smp_ap_start(entry). The code uses no stack (far jumps through pointers
; in the copy). Every AP runs the same code at once: nothing here is
; written but the copy's own GDT and far pointers, the same values for all.

bits 16
section .rodata
align 16
global smp_trampoline_start
global smp_trampoline_end
smp_trampoline_start:
	cli
	cld
	mov ax, cs
	mov ds, ax
	movzx ebx, ax
	shl ebx, 4				; ebx = linear base of this copy
	lea eax, [ebx + (tr_gdt - smp_trampoline_start)]
	mov [tr_gdt_ptr - smp_trampoline_start + 2], eax
	lgdt [tr_gdt_ptr - smp_trampoline_start]
	mov eax, cr0
	or eax, 1				; CR0.PE
	mov cr0, eax
	lea eax, [ebx + (tr_pm32 - smp_trampoline_start)]
	mov [tr_far32 - smp_trampoline_start], eax
	jmp dword far [tr_far32 - smp_trampoline_start]

bits 32
tr_pm32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, 1 << 5				; CR4.PAE
	mov cr4, eax
	mov eax, [ebx + (tr_data - smp_trampoline_start)]	; boot_cr3
	mov cr3, eax
	mov ecx, 0xC0000080			; IA32_EFER
	rdmsr
	or eax, [ebx + (tr_data - smp_trampoline_start) + 4]	; LME, NXE as the BSP
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16) | 1	; PG, WP, PE
	mov cr0, eax
	lea eax, [ebx + (tr_lm64 - smp_trampoline_start)]
	mov [ebx + (tr_far64 - smp_trampoline_start)], eax
	jmp far [ebx + (tr_far64 - smp_trampoline_start)]

bits 64
tr_lm64:
	mov ebx, ebx				; upper half undefined after the switch
	mov rsi, [rbx + (tr_data - smp_trampoline_start) + 8]	; kernel_cr3
	mov rax, [rbx + (tr_data - smp_trampoline_start) + 16]	; entry
	jmp rax

align 8
tr_gdt:
	dq 0
	dq 0x00CF9A000000FFFF			; 0x08: 32-bit code
	dq 0x00CF92000000FFFF			; 0x10: data
	dq 0x00AF9A000000FFFF			; 0x18: 64-bit code
tr_gdt_end:
tr_gdt_ptr:
	dw tr_gdt_end - tr_gdt - 1
	dd 0					; filled in from CS above
tr_far32:					; far pointers (m16:32), no stack needed
	dd 0
	dw 0x08
tr_far64:
	dd 0
	dw 0x18
align 8
tr_data:					; struct smp_tr_data
	dd 0					; boot_cr3 (below 4 GiB)
	dd 0					; efer bits
	dq 0					; kernel_cr3
	dq 0					; entry
smp_trampoline_end:

; ------------------------------------------------------------ in the kernel
section .text
extern smp_boot_table
extern smp_ap_start
NR_CPUS		equ 16
ENTRY_SIZE	equ 16			; struct smp_boot_entry

global smp_ap_entry64
smp_ap_entry64:
	mov cr3, rsi
	; this CPU's APIC id: CPUID 0xB EDX (x2APIC id) when the leaf exists,
	; else CPUID 1 EBX[31:24] (SDM vol. 2A, CPUID)
	xor eax, eax
	cpuid
	cmp eax, 0xb
	jb .legacy
	mov eax, 0xb
	xor ecx, ecx
	cpuid
	test ebx, 0xffff			; leaf 0xB unsupported: EBX[15:0] = 0
	jz .legacy
	mov r8d, edx
	jmp .have
.legacy:
	mov eax, 1
	cpuid
	shr ebx, 24
	mov r8d, ebx
.have:
	lea rdi, [rel smp_boot_table]
	mov ecx, NR_CPUS
.find:
	cmp [rdi], r8d
	je .found
	add rdi, ENTRY_SIZE
	dec ecx
	jnz .find
.lost:						; not ours to run: park
	cli
	hlt
	jmp .lost
.found:
	mov rsp, [rdi + 8]
	xor ebp, ebp
	call smp_ap_start
	jmp .lost
