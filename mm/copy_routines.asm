; copy_routines.asm - bulk copy routines, measured at boot by mm/copy.c.
;
; void copy_xxx(void *dst, const void *src, size_t len)   (rdi, rsi, rdx)
; Under TCG the cost of a copy follows the number of guest instructions, so
; wide moves win by far over rep movsb.
;
; The *_nt variants store every whole aligned 8-byte word of the destination
; with a non-temporal store (movnti, movntdq, vmovntdq); only the bytes of a
; partial word at either end (before dst is 8-aligned, after the last whole
; word: at most 7 each) go through the cache with plain stores. So the
; caller (mm/persist.c) writes back at most the first and the last line, and
; fences (sfence) before the data counts as durable.
;
; SSE/AVX routines need the state mm/copy.c enables, and must never run in
; interrupt context (they would clobber the interrupted code's vector
; registers); copy.c guards that.

bits 64
section .text

global copy_rep_movsb, copy_rep_movsq, copy_mov8x8, copy_movnti8x8
global copy_sse, copy_sse_nt, copy_avx, copy_avx_nt

copy_rep_movsb:
	mov rcx, rdx
	rep movsb
	ret

copy_rep_movsq:
	mov rcx, rdx
	shr rcx, 3
	rep movsq
	mov rcx, rdx
	and rcx, 7
	rep movsb
	ret

; tail: the remaining rdx (< block) bytes: whole 8-byte words with the store
; %1 (mov, or movnti for the non-temporal routines), then at most 7 bytes
; with plain byte stores
%macro TAIL 1
%%q:
	cmp rdx, 8
	jb %%b
	mov rax, [rsi]
	%1 [rdi], rax
	add rsi, 8
	add rdi, 8
	sub rdx, 8
	jmp %%q
%%b:
	test rdx, rdx
	jz %%done
	mov al, [rsi]
	mov [rdi], al
	inc rsi
	inc rdi
	dec rdx
	jmp %%b
%%done:
%endmacro

; non-temporal head: plain bytes until rdi is 8-aligned, then movnti words
; until it is aligned to %1 (the vector store's alignment), or len runs out
%macro HEAD_NT 1
%%b:
	test rdi, 7
	jz %%w
	test rdx, rdx
	jz %%done
	mov al, [rsi]
	mov [rdi], al
	inc rsi
	inc rdi
	dec rdx
	jmp %%b
%%w:
%if %1 > 8
	test rdi, %1 - 1
	jz %%done
	cmp rdx, 8
	jb %%done
	mov rax, [rsi]
	movnti [rdi], rax
	add rsi, 8
	add rdi, 8
	sub rdx, 8
	jmp %%w
%endif
%%done:
%endmacro

; The loops: 64 bytes per iteration through general registers, 64 through
; xmm, 128 through ymm; %1 is the store instruction (plain or non-temporal),
; %2 the 8-byte store of the tail (mov or movnti).
%macro LOOP_GPR64 2
	cmp rdx, 64
	jb %%tail
%%loop:
	mov rax, [rsi]
	mov rcx, [rsi + 8]
	mov r8, [rsi + 16]
	mov r9, [rsi + 24]
	mov r10, [rsi + 32]
	mov r11, [rsi + 40]
	%1 [rdi], rax
	%1 [rdi + 8], rcx
	%1 [rdi + 16], r8
	%1 [rdi + 24], r9
	%1 [rdi + 32], r10
	%1 [rdi + 40], r11
	mov rax, [rsi + 48]
	mov rcx, [rsi + 56]
	%1 [rdi + 48], rax
	%1 [rdi + 56], rcx
	add rsi, 64
	add rdi, 64
	sub rdx, 64
	cmp rdx, 64
	jae %%loop
%%tail:
	TAIL %2
	ret
%endmacro

%macro LOOP_XMM64 2
	cmp rdx, 64
	jb %%tail
%%loop:
	movdqu xmm0, [rsi]
	movdqu xmm1, [rsi + 16]
	movdqu xmm2, [rsi + 32]
	movdqu xmm3, [rsi + 48]
	%1 [rdi], xmm0
	%1 [rdi + 16], xmm1
	%1 [rdi + 32], xmm2
	%1 [rdi + 48], xmm3
	add rsi, 64
	add rdi, 64
	sub rdx, 64
	cmp rdx, 64
	jae %%loop
%%tail:
	TAIL %2
	ret
%endmacro

%macro LOOP_YMM128 2
	cmp rdx, 128
	jb %%tail
%%loop:
	vmovdqu ymm0, [rsi]
	vmovdqu ymm1, [rsi + 32]
	vmovdqu ymm2, [rsi + 64]
	vmovdqu ymm3, [rsi + 96]
	%1 [rdi], ymm0
	%1 [rdi + 32], ymm1
	%1 [rdi + 64], ymm2
	%1 [rdi + 96], ymm3
	add rsi, 128
	add rdi, 128
	sub rdx, 128
	cmp rdx, 128
	jae %%loop
	vzeroupper
%%tail:
	TAIL %2
	ret
%endmacro

copy_mov8x8:
	LOOP_GPR64 mov, mov

copy_movnti8x8:
	HEAD_NT 8
	LOOP_GPR64 movnti, movnti

copy_sse:
	LOOP_XMM64 movdqu, mov

copy_sse_nt:
	HEAD_NT 16
	LOOP_XMM64 movntdq, movnti

copy_avx:
	LOOP_YMM128 vmovdqu, mov

copy_avx_nt:
	HEAD_NT 32
	LOOP_YMM128 vmovntdq, movnti
