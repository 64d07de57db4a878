; copy_routines.asm - bulk copy routines, measured at boot by kernel/copy.c.
;
; void copy_xxx(void *dst, const void *src, size_t len)   (rdi, rsi, rdx)
; Under TCG the cost of a copy follows the number of guest instructions, so
; wide moves win by far over rep movsb (shared/DESIGN.md). The *_nt variants
; use non-temporal stores: the caller fences (sfence) before the data counts
; as written. SSE/AVX routines need the state kernel/copy.c enables, and
; must never run in interrupt context (they would clobber the interrupted
; code's vector registers); copy.c guards that.

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

; tail: copy the remaining rdx (< block) bytes, 8 then 1 at a time
%macro TAIL 0
%%q:
	cmp rdx, 8
	jb %%b
	mov rax, [rsi]
	mov [rdi], rax
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

; head: copy bytes until rdi is aligned to %1 (or len runs out)
%macro HEAD 1
%%h:
	test rdi, %1 - 1
	jz %%done
	test rdx, rdx
	jz %%done
	mov al, [rsi]
	mov [rdi], al
	inc rsi
	inc rdi
	dec rdx
	jmp %%h
%%done:
%endmacro

copy_mov8x8:
	cmp rdx, 64
	jb .tail
.loop:
	mov rax, [rsi]
	mov rcx, [rsi + 8]
	mov r8, [rsi + 16]
	mov r9, [rsi + 24]
	mov r10, [rsi + 32]
	mov r11, [rsi + 40]
	mov [rdi], rax
	mov [rdi + 8], rcx
	mov [rdi + 16], r8
	mov [rdi + 24], r9
	mov [rdi + 32], r10
	mov [rdi + 40], r11
	mov rax, [rsi + 48]
	mov rcx, [rsi + 56]
	mov [rdi + 48], rax
	mov [rdi + 56], rcx
	add rsi, 64
	add rdi, 64
	sub rdx, 64
	cmp rdx, 64
	jae .loop
.tail:
	TAIL
	ret

copy_movnti8x8:
	HEAD 8
	cmp rdx, 64
	jb .tail
.loop:
	mov rax, [rsi]
	mov rcx, [rsi + 8]
	mov r8, [rsi + 16]
	mov r9, [rsi + 24]
	mov r10, [rsi + 32]
	mov r11, [rsi + 40]
	movnti [rdi], rax
	movnti [rdi + 8], rcx
	movnti [rdi + 16], r8
	movnti [rdi + 24], r9
	movnti [rdi + 32], r10
	movnti [rdi + 40], r11
	mov rax, [rsi + 48]
	mov rcx, [rsi + 56]
	movnti [rdi + 48], rax
	movnti [rdi + 56], rcx
	add rsi, 64
	add rdi, 64
	sub rdx, 64
	cmp rdx, 64
	jae .loop
.tail:
	TAIL
	ret

copy_sse:
	cmp rdx, 64
	jb .tail
.loop:
	movdqu xmm0, [rsi]
	movdqu xmm1, [rsi + 16]
	movdqu xmm2, [rsi + 32]
	movdqu xmm3, [rsi + 48]
	movdqu [rdi], xmm0
	movdqu [rdi + 16], xmm1
	movdqu [rdi + 32], xmm2
	movdqu [rdi + 48], xmm3
	add rsi, 64
	add rdi, 64
	sub rdx, 64
	cmp rdx, 64
	jae .loop
.tail:
	TAIL
	ret

copy_sse_nt:
	HEAD 16
	cmp rdx, 64
	jb .tail
.loop:
	movdqu xmm0, [rsi]
	movdqu xmm1, [rsi + 16]
	movdqu xmm2, [rsi + 32]
	movdqu xmm3, [rsi + 48]
	movntdq [rdi], xmm0
	movntdq [rdi + 16], xmm1
	movntdq [rdi + 32], xmm2
	movntdq [rdi + 48], xmm3
	add rsi, 64
	add rdi, 64
	sub rdx, 64
	cmp rdx, 64
	jae .loop
.tail:
	TAIL
	ret

copy_avx:
	cmp rdx, 128
	jb .tail
.loop:
	vmovdqu ymm0, [rsi]
	vmovdqu ymm1, [rsi + 32]
	vmovdqu ymm2, [rsi + 64]
	vmovdqu ymm3, [rsi + 96]
	vmovdqu [rdi], ymm0
	vmovdqu [rdi + 32], ymm1
	vmovdqu [rdi + 64], ymm2
	vmovdqu [rdi + 96], ymm3
	add rsi, 128
	add rdi, 128
	sub rdx, 128
	cmp rdx, 128
	jae .loop
	vzeroupper
.tail:
	TAIL
	ret

copy_avx_nt:
	HEAD 32
	cmp rdx, 128
	jb .tail
.loop:
	vmovdqu ymm0, [rsi]
	vmovdqu ymm1, [rsi + 32]
	vmovdqu ymm2, [rsi + 64]
	vmovdqu ymm3, [rsi + 96]
	vmovntdq [rdi], ymm0
	vmovntdq [rdi + 32], ymm1
	vmovntdq [rdi + 64], ymm2
	vmovntdq [rdi + 96], ymm3
	add rsi, 128
	add rdi, 128
	sub rdx, 128
	cmp rdx, 128
	jae .loop
	vzeroupper
.tail:
	TAIL
	ret
