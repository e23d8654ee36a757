/* macros.h - shared assembler macros for the heap's .S files (preprocessed GNU as, AT&T).
 * ENTRY/END frame every exported function with CFI; HIDDEN_ENTRY for file-private helpers
 * shared across files; L() names local labels; PUSH_CFI/POP_CFI keep the unwinder in step. */
#ifndef GW_MACROS_H
#define GW_MACROS_H

#define L(name) .L##name

#define ENTRY(name)            \
	.text;                 \
	.globl name;           \
	.type name, @function; \
	.p2align 4;            \
name:                          \
	.cfi_startproc

#define HIDDEN_ENTRY(name) \
	.hidden name;      \
	ENTRY(name)

#define END(name)      \
	.cfi_endproc;  \
	.size name, .- name

#define PUSH_CFI(reg)                  \
	pushq reg;                     \
	.cfi_adjust_cfa_offset 8;      \
	.cfi_rel_offset reg, 0

#define POP_CFI(reg)                   \
	popq reg;                      \
	.cfi_adjust_cfa_offset -8;     \
	.cfi_restore reg

/* rsp adjustments that the unwinder must know about */
#define SUB_RSP(n)                     \
	subq $(n), %rsp;               \
	.cfi_adjust_cfa_offset (n)
#define ADD_RSP(n)                     \
	addq $(n), %rsp;               \
	.cfi_adjust_cfa_offset -(n)

/* Every .S ends with this: the heap needs no executable stack. */
#define NO_EXEC_STACK .section .note.GNU-stack, "", @progbits

#ifdef __ASSEMBLER__
/* KERNEL_CALL fn: the kernel's fn (mmap, munmap or madvise) with its arguments in rdi rsi rdx
 * r10 r8 r9; the result, or -errno, in rax; rcx and r11 are lost, every other register kept.
 * The raw syscall is the heap's normal way: no libc, no errno, no PLT.  A ThreadSanitizer
 * build (GW_KERNEL_CALLS_VIA_LIBC) calls libc's fn instead, because TSan intercepts it and so
 * learns that the range is new: memory that one heap unmaps and another heap maps again,
 * on another thread, would otherwise keep the first thread's shadow state and look like a
 * race.  libc answers -1 on failure, which the callers' tests for -4096..-1 or nonzero read
 * as failure too. */
.equ GW_SYS_mmap, 9
.equ GW_SYS_munmap, 11
.equ GW_SYS_madvise, 28
.macro KERNEL_CALL fn
#ifdef GW_KERNEL_CALLS_VIA_LIBC
	PUSH_CFI(%rdi)
	PUSH_CFI(%rsi)
	PUSH_CFI(%rdx)
	PUSH_CFI(%r8)
	PUSH_CFI(%r9)
	PUSH_CFI(%r10)
	PUSH_CFI(%rbx)
	mov	%rsp, %rbx			/* the call site's stack alignment is not known here */
	.cfi_def_cfa_register %rbx
	and	$-16, %rsp
	mov	%r10, %rcx
	call	\fn@PLT
	mov	%rbx, %rsp
	.cfi_def_cfa_register %rsp
	POP_CFI(%rbx)
	POP_CFI(%r10)
	POP_CFI(%r9)
	POP_CFI(%r8)
	POP_CFI(%rdx)
	POP_CFI(%rsi)
	POP_CFI(%rdi)
#else
	mov	$GW_SYS_\fn, %eax
	syscall
#endif
.endm

/* RADIX_LOOKUP heap, ptr, out, tmp, fail
 * out = the radix entry (header | tag) of the 32 KiB window holding ptr; jumps to fail when
 * the address is outside the 47-bit space or no node covers it.  out may be 0 (no entry).
 * Reads only the heap's own radix nodes, never the memory ptr points to. */
.macro RADIX_LOOKUP heap, ptr, out, tmp, fail
	mov	\ptr, \tmp
	shr	$GW_RADIX_L1_SHIFT, \tmp
	cmp	$GW_RADIX_L1_COUNT, \tmp
	jae	\fail
	mov	GW_HEAP_RADIX(\heap,\tmp,8), \out
	test	\out, \out
	jz	\fail
	mov	\ptr, \tmp
	shr	$GW_RADIX_L2_SHIFT, \tmp
	and	$(GW_RADIX_NODE_COUNT - 1), \tmp
	mov	(\out,\tmp,8), \out
	test	\out, \out
	jz	\fail
	mov	\ptr, \tmp
	shr	$GW_RADIX_L3_SHIFT, \tmp
	and	$(GW_RADIX_NODE_COUNT - 1), \tmp
	mov	(\out,\tmp,8), \out
.endm

/* SET_HDR heap, hdr, word, tmp: write a medium/huge header (word and its check word). */
.macro SET_HDR heap, hdr, word, tmp
	mov	\word, GW_HDR_WORD_OFF(\hdr)
	mov	GW_HEAP_COOKIE(\heap), \tmp
	xor	\hdr, \tmp
	xor	\word, \tmp
	mov	\tmp, GW_HDR_CHECK_OFF(\hdr)
.endm

/* CHECK_HDR heap, hdr, word, tmp, bad: word = header word; jump to bad if its check fails. */
.macro CHECK_HDR heap, hdr, word, tmp, bad
	mov	GW_HDR_WORD_OFF(\hdr), \word
	mov	GW_HEAP_COOKIE(\heap), \tmp
	xor	\hdr, \tmp
	xor	\word, \tmp
	cmp	GW_HDR_CHECK_OFF(\hdr), \tmp
	jne	\bad
.endm

/* CHUNK_SEAL heap, ch, out, tmp: out = the 32-bit seal of chunk header ch (zero-extended): a
 * hash keyed by the heap's cookie of the header's address, raw, raw bytes, end and kind, the
 * fields that say what memory the chunk is.  Written whenever one of them changes, compared
 * before any of them is trusted (GW_CH_SEAL). */
.macro CHUNK_SEAL heap, ch, out, tmp
	mov	GW_HEAP_COOKIE(\heap), \out
	xor	\ch, \out
	xor	GW_CH_RAW(\ch), \out
	movzwq	GW_CH_KIND(\ch), \tmp
	xor	\tmp, \out
	movabs	$0x9e3779b97f4a7c15, \tmp
	imul	\tmp, \out
	xor	GW_CH_RAW_BYTES(\ch), \out
	imul	\tmp, \out
	xor	GW_CH_END(\ch), \out
	imul	\tmp, \out
	shr	$32, \out
.endm

/* TOGGLE_FLAG hdr, flag: flip a flag bit in a header, keeping its check word valid. */
.macro TOGGLE_FLAG hdr, flag
	xorq	$\flag, GW_HDR_WORD_OFF(\hdr)
	xorq	$\flag, GW_HDR_CHECK_OFF(\hdr)
.endm

/* SET_STATUS heap, code */
.macro SET_STATUS heap, code
	movq	$\code, GW_HEAP_STATUS(\heap)
.endm
#endif

#endif /* GW_MACROS_H */
