; persist_wb.asm - the instructions that make stores to persistent memory
; durable, shaped so the persistence checker (tools/pmem-check) can see them:
;
; void persist_wb_clwb(u64 start, u64 end, u64 stride)        (rdi, rsi, rdx)
; void persist_wb_clflushopt(u64 start, u64 end, u64 stride)
; void persist_wb_clflush(u64 start, u64 end, u64 stride)
;	write back every line from start (line-aligned) below end. Each
;	write-back is preceded by a one-byte load of the same line: under TCG
;	write-backs have no memory access, so that load is how the checker
;	learns the line (include/pmem_check.h). On hardware it hits the line
;	just stored. The loop head is a jump target, so the load and the
;	write-back always start one translation block together.
;	Ordering (Intel SDM vol. 2, CLWB, CLFLUSHOPT): the write-backs of
;	clwb and clflushopt are complete only after a later SFENCE (or MFENCE,
;	or a locked instruction); clflush is ordered with stores itself.
;
; void persist_cal_region(const u8 *first, const u8 *last, u64 phys)
;	calibration for the checker: loads the region's first byte, the first
;	byte of its last line, and for each bit b of (phys >> 6) the first
;	byte of line 0 or line 1 (first + 64 * bit), each right after its
;	marker. Called once per persistent region at boot (mm/persist.c).

bits 64
section .text
%include "pmem_check.inc"

global persist_wb_clwb, persist_wb_clflushopt, persist_wb_clflush
global persist_cal_region

%macro WB_LOOP 1
	cmp rdi, rsi
	jae %%done
	jmp %%loop
	align 16
%%loop:
	movzx eax, byte [rdi]	; the checker's address probe
	%1 [rdi]
	add rdi, rdx
	cmp rdi, rsi
	jb %%loop
%%done:
	ret
%endmacro

persist_wb_clwb:
	WB_LOOP clwb

persist_wb_clflushopt:
	WB_LOOP clflushopt

persist_wb_clflush:
	WB_LOOP clflush

; A marker and the load it announces, starting a translation block together.
%macro CAL_LOAD 3
	jmp %%go
	align 16
%%go:
	PMEM_CHECK_MARK %1, %2
	movzx eax, byte [%3]
%endmacro

persist_cal_region:
	CAL_LOAD PMEM_CHECK_K_CAL_BASE, 0, rdi
	CAL_LOAD PMEM_CHECK_K_CAL_END, 0, rsi
	shr rdx, 6
%assign b 0
%rep PMEM_CHECK_CAL_BITS
	mov rcx, rdx
	shr rcx, b
	and ecx, 1
	shl ecx, 6
	add rcx, rdi
	CAL_LOAD PMEM_CHECK_K_CAL_BIT, b, rcx
%assign b b + 1
%endrep
	ret
