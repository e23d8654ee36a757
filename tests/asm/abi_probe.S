/* abi_probe.S - calls a heap entry point with known values in every callee-saved register and
 * reports which ones came back changed; and a chunk-source trampoline that records whether
 * the heap called it with a 16-byte aligned stack.  Used by abi_test.cpp. */
#include "macros.h"

#define P_RBX 0x1111111111111111
#define P_RBP 0x2222222222222222
#define P_R12 0x3333333333333333
#define P_R13 0x4444444444444444
#define P_R14 0x5555555555555555
#define P_R15 0x6666666666666666

/* unsigned gw_abi_call(void* fn, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t* result)
 * Returns a bit mask of the callee-saved registers fn changed (bit 0 rbx .. bit 5 r15, bit 6
 * rsp), and stores fn's rax in *result. */
ENTRY(gw_abi_call)
	PUSH_CFI(%rbp)
	PUSH_CFI(%rbx)
	PUSH_CFI(%r12)
	PUSH_CFI(%r13)
	PUSH_CFI(%r14)
	PUSH_CFI(%r15)
	PUSH_CFI(%r8)			/* result pointer; rsp is now 16-byte aligned */
	mov	%rdi, %r11
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	mov	%rcx, %rdx
	movabs	$P_RBX, %rbx
	movabs	$P_RBP, %rbp
	movabs	$P_R12, %r12
	movabs	$P_R13, %r13
	movabs	$P_R14, %r14
	movabs	$P_R15, %r15
	mov	%rsp, %r10
	PUSH_CFI(%r10)			/* rsp before the call, kept on the stack */
	PUSH_CFI(%r10)
	call	*%r11
	xor	%ecx, %ecx
	movabs	$P_RBX, %rdx
	cmp	%rdx, %rbx
	je	1f
	or	$1, %ecx
1:	movabs	$P_RBP, %rdx
	cmp	%rdx, %rbp
	je	2f
	or	$2, %ecx
2:	movabs	$P_R12, %rdx
	cmp	%rdx, %r12
	je	3f
	or	$4, %ecx
3:	movabs	$P_R13, %rdx
	cmp	%rdx, %r13
	je	4f
	or	$8, %ecx
4:	movabs	$P_R14, %rdx
	cmp	%rdx, %r14
	je	5f
	or	$16, %ecx
5:	movabs	$P_R15, %rdx
	cmp	%rdx, %r15
	je	6f
	or	$32, %ecx
6:	POP_CFI(%r10)
	POP_CFI(%r10)
	cmp	%rsp, %r10			/* back where it was before the pushes */
	je	7f
	or	$64, %ecx
7:	POP_CFI(%r8)
	mov	%rax, (%r8)
	mov	%ecx, %eax
	POP_CFI(%r15)
	POP_CFI(%r14)
	POP_CFI(%r13)
	POP_CFI(%r12)
	POP_CFI(%rbx)
	POP_CFI(%rbp)
	ret
END(gw_abi_call)

/* struct AbiSource { uint64_t misaligned; uint64_t calls; void* real_alloc; void* real_free;
 *                    void* real_user; }
 * void* gw_abi_chunk_alloc(struct AbiSource* s, size_t bytes)
 * void  gw_abi_chunk_free(struct AbiSource* s, void* chunk, size_t bytes)
 * Count a call whose stack was not 16-byte aligned at the call, then forward. */
ENTRY(gw_abi_chunk_alloc)
	incq	8(%rdi)
	lea	8(%rsp), %rax
	test	$15, %al
	jz	1f
	incq	0(%rdi)
1:	mov	16(%rdi), %rax
	mov	32(%rdi), %rdi
	jmp	*%rax
END(gw_abi_chunk_alloc)

ENTRY(gw_abi_chunk_free)
	incq	8(%rdi)
	lea	8(%rsp), %rax
	test	$15, %al
	jz	1f
	incq	0(%rdi)
1:	mov	24(%rdi), %rax
	mov	32(%rdi), %rdi
	jmp	*%rax
END(gw_abi_chunk_free)

NO_EXEC_STACK
