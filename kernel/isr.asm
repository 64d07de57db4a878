; isr.asm - interrupt and exception entry stubs.
;
; Each vector pushes a dummy error code when the CPU does not (Intel SDM vol.
; 3A, 6.13 "Error Code"), then its number, then jumps to the common path,
; which saves the general registers in struct pt_regs order (irq.h), calls
; irq_dispatch(regs) and returns with iretq. isr_table holds the 256 stub
; addresses for idt_init().

bits 64
%include "pmem_check.inc"

section .text

extern irq_dispatch

%macro ISR_NOERR 1
isr_%1:
	push 0
	push %1
	jmp isr_common
%endmacro

%macro ISR_ERR 1
isr_%1:
	push %1
	jmp isr_common
%endmacro

; vectors with a CPU error code: 8, 10-14, 17, 21, 29, 30
%assign v 0
%rep 256
%if v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
	ISR_ERR v
%else
	ISR_NOERR v
%endif
%assign v v + 1
%endrep

isr_common:
	PMEM_CHECK_MARK PMEM_CHECK_K_IRQ_ENTER, 0	; for the persistence checker
	cld
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	mov rdi, rsp
	mov rbp, [rsp + 17 * 8]	; interrupted rip: backtraces run through it
	push rbp
	mov rbp, [rsp + 9 * 8]	; the saved rbp
	push rbp
	mov rbp, rsp
	call irq_dispatch
	add rsp, 16
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16		; vector, error code
	PMEM_CHECK_MARK PMEM_CHECK_K_IRQ_EXIT, 0
	iretq

section .rodata
global isr_table
isr_table:
%assign v 0
%rep 256
	dq isr_ %+ v
%assign v v + 1
%endrep
