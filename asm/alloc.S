/* alloc.S - gw_heap_alloc, gw_heap_alloc_aligned and huge blocks.
 *
 * gw_heap_alloc(heap, size), by size:
 *   1. size <= GW_SMALL_MAX: class c = ceil(size / 16) (size 0 acts as 1).  Pop a slot from
 *      cur[c]'s free list, else bump-allocate the next never-used slot of that page, else
 *      gw_small_refill makes another page current and we retry.  Mark the slot's granule live
 *      in the page bitmap (that bit is what makes double frees O(1) to detect).
 *   2. size + 16 <= GW_MEDIUM_MAX_BLOCK: a block of that size parked on a quick list, else
 *      a TLSF block (gw_medium_take); user pointer = header + 16.
 *   3. larger: a huge chunk of its own (gw_huge_alloc), registered in the radix tree.
 * The fast path (1, slot on a list or bump space) is a leaf: no stack, no calls.
 * Statistics: live bytes grow by the usable bytes (live_headroom shrinks, or the peak grows),
 * alloc_count.
 */
#include "gw_heap.h"
#include "macros.h"
#include "snippets.h"

/* ACCOUNT_ALLOC heap, usable: live += usable (and the peak), alloc_count++.  Clobbers usable. */
.macro ACCOUNT_ALLOC heap, usable
	LIVE_GROWS \heap, \usable
	incq	GW_HEAP_ALLOC_COUNT(\heap)
.endm

/* SMALL_TAKEN peak: the slot rax of page rdx (slot bytes in r8) is handed out: the page's used
 * count, alloc_count, live bytes (to `peak` when past the peak, which must end in SLOT_LIVE),
 * then SLOT_LIVE.  Written out at both ends of the fast path (free list, bump) so neither
 * jumps to the other. */
.macro SMALL_TAKEN peak
	incl	GW_PG_USED(%rdx)
	incq	GW_HEAP_ALLOC_COUNT(%rdi)
	sub	%r8, GW_HEAP_HEADROOM(%rdi)	/* live grows */
	jb	\peak
	SLOT_LIVE
.endm

/* SLOT_LIVE: mark the slot rax live in the bitmap of page rdx and return it. */
.macro SLOT_LIVE
	SLOT_BIT %eax, %ecx, %r8d		/* cl = bit, r8 = bitmap word offset */
	mov	$1, %esi
	shl	%cl, %rsi
	or	%rsi, GW_PG_BITMAP(%rdx,%r8)
	ret
.endm

/* void* gw_heap_alloc(GwHeap* heap, size_t size)
 * in: rdi heap, rsi size.  out: rax block or 0 (heap->last_status says why).
 * Fast path (a slot on cur[c]'s free list): 28 instructions (bump space: 4 more), one page
 * header line, one bitmap word and the heap's counters (alloc_count, and live_headroom with a
 * borrow test for a new peak); clobbers rax rcx rdx rsi r8.
 * The first test, size < small_gate, is both the size test and the fail-after hook's: the gate
 * is GW_SMALL_MAX + 1, or 0 while the hook is armed (gw_heap_fail_after), which sends every
 * call to L(gate) where the hook counts.
 * Size 0 maps to class 0, whose cur[0] is always the empty page: it takes the refill path,
 * which retries it as class 1, so the fast path needs no test for it.
 * A NULL heap gives NULL (gw_heap_last_status(NULL) is GW_E_INVALID_ARGUMENT): the test comes
 * first and branches out of line, so the fast path pays one macro-fused test-and-jump. */
ENTRY(gw_heap_alloc)
	test	%rdi, %rdi
	jz	L(no_heap)			/* out of line: one fused test-and-branch here */
	cmp	GW_HEAP_SMALL_GATE(%rdi), %rsi
	jae	L(gate)
L(small):
	lea	15(%rsi), %ecx
	shr	$4, %ecx			/* class (0 for size 0) */
L(small_retry):
	mov	GW_HEAP_CUR(%rdi,%rcx,8), %rdx	/* page header */
	mov	GW_PG_FREE(%rdx), %rax
	test	%rax, %rax
	jz	L(bump)
	mov	(%rax), %rsi
	mov	%rsi, %r8			/* the next slot must be in rax's page and 16-byte */
	xor	%rax, %r8			/* aligned: a write past a live neighbour that */
	test	$GW_SLOT_NEXT_FAR, %r8		/* damaged it is caught here, not followed */
	jnz	L(small_next_far)		/* (NULL, the list's end, also goes there) */
	mov	%rsi, GW_PG_FREE(%rdx)
L(small_got):				/* rax slot, rdx page */
	mov	GW_PG_SIZE(%rdx), %r8
	SMALL_TAKEN L(small_peak)
L(small_peak):				/* past the peak: it grows by what the headroom lacks */
	PEAK_GROWS %rdi, %r8
	SLOT_LIVE
L(bump):
	mov	GW_PG_BUMP(%rdx), %rax
	mov	GW_PG_SIZE(%rdx), %r8
	lea	(%rax,%r8), %rsi
	cmp	GW_PG_END(%rdx), %rsi
	ja	L(refill)
	mov	%rsi, GW_PG_BUMP(%rdx)
	SMALL_TAKEN L(small_peak)
L(refill):
	test	%ecx, %ecx
	jz	L(size_zero)
	/* a class with no page to turn to serves its first GW_SMALL_LEND blocks from free medium
	 * space, if there is some: a class that is rarely used then holds no page of its own */
	cmp	$1, %ecx
	je	L(refill_page)
	cmpq	$0, GW_HEAP_AVAIL(%rdi,%rcx,8)
	jne	L(refill_page)
	cmpb	$GW_SMALL_LEND, GW_HEAP_LENT(%rdi,%rcx)
	jae	L(refill_page)
	PUSH_CFI(%rbx)
	PUSH_CFI(%r12)
	SUB_RSP(8)
	mov	%rdi, %rbx
	mov	%rcx, %r12
	lea	1(%rcx), %rsi
	shl	$4, %rsi			/* block bytes: header + 16 * class */
	call	gw_medium_take_fit
	test	%rax, %rax
	jz	L(lend_none)
	incb	GW_HEAP_LENT(%rbx,%r12)
	mov	GW_HDR_WORD_OFF(%rax), %rcx
	and	$GW_SIZE_MASK, %rcx
	sub	$GW_MEDIUM_HDR, %rcx
	ACCOUNT_ALLOC %rbx, %rcx
	add	$GW_MEDIUM_HDR, %rax
	ADD_RSP(8)
	POP_CFI(%r12)
	POP_CFI(%rbx)
	ret
	.cfi_adjust_cfa_offset 24
	.cfi_rel_offset %rbx, 16
	.cfi_rel_offset %r12, 8
L(lend_none):
	mov	%rbx, %rdi
	mov	%r12, %rcx
	ADD_RSP(8)
	POP_CFI(%r12)
	POP_CFI(%rbx)
L(refill_page):
	PUSH_CFI(%rdi)
	PUSH_CFI(%rcx)
	SUB_RSP(8)
	mov	%rcx, %rsi
	call	gw_small_refill
	ADD_RSP(8)
	POP_CFI(%rcx)
	POP_CFI(%rdi)
	test	%rax, %rax
	jnz	L(small_retry)
	ret					/* status set by the refill */
L(small_next_far):			/* rsi is the list's end (NULL) or damaged */
	test	%rsi, %rsi
	jnz	L(small_damaged)
	mov	%rsi, GW_PG_FREE(%rdx)
	jmp	L(small_got)
L(small_damaged):			/* the slot stays on the list: gw_heap_check reports it too */
	SET_STATUS %rdi, GW_E_CORRUPT
	xor	%eax, %eax
	ret
L(size_zero):				/* size 0 acts as 1 */
	mov	$1, %ecx
	jmp	L(small_retry)
L(gate):				/* not small, or the fail-after hook is armed (gate 0) */
	cmpq	$0, GW_HEAP_SMALL_GATE(%rdi)
	je	L(fail_tick)
	.globl	gw_alloc_nohook
	.hidden	gw_alloc_nohook
gw_alloc_nohook:			/* same, without the fail-after hook (realloc's moves) */
	cmp	$GW_SMALL_MAX, %rsi
	jbe	L(small)
	cmp	$(GW_MEDIUM_MAX_BLOCK - GW_MEDIUM_HDR), %rsi
	ja	L(huge)
	add	$(GW_MEDIUM_HDR + 15), %rsi
	and	$-16, %rsi			/* block bytes (>= 1056) */
	/* up to its quick class, and the first block parked on that class's list, if its header
	 * is whole: a leaf */
	QUICK_ROUND %rsi, %r9, %r10, L(medium_take)
	mov	GW_HEAP_QUICK(%rdi,%r9,8), %rax
	test	%rax, %rax
	jz	L(medium_take)
	CHECK_HDR %rdi, %rax, %rdx, %r8, L(medium_take)
	and	$~GW_FLAG_PREV_FREE, %rdx
	sub	$(GW_FLAG_IN_USE | GW_FLAG_QUICK), %rdx	/* its bytes, if the flags are right */
	mov	%rdx, %r8
	sub	%rsi, %r8
	cmp	%r10, %r8
	jae	L(medium_take)			/* not of this class */
	QUICK_POP %rdi, %r9, %rax, %rdx, %r8
	TOGGLE_FLAG %rax, GW_FLAG_QUICK
	sub	$GW_MEDIUM_HDR, %rdx		/* usable bytes */
	ACCOUNT_ALLOC %rdi, %rdx
	add	$GW_MEDIUM_HDR, %rax
	ret
L(medium_take):
	PUSH_CFI(%rbx)
	mov	%rdi, %rbx
	call	gw_medium_take
	test	%rax, %rax
	jz	1f
	mov	GW_HDR_WORD_OFF(%rax), %rcx
	and	$GW_SIZE_MASK, %rcx
	sub	$GW_MEDIUM_HDR, %rcx
	ACCOUNT_ALLOC %rbx, %rcx
	add	$GW_MEDIUM_HDR, %rax
1:	POP_CFI(%rbx)
	ret
L(huge):
	mov	$GW_ALIGN, %edx
	jmp	gw_huge_alloc
L(fail_tick):
	decq	GW_HEAP_FAIL(%rdi)
	jnz	gw_alloc_nohook
	movq	$(GW_SMALL_MAX + 1), GW_HEAP_SMALL_GATE(%rdi)	/* the hook fired: off again */
	SET_STATUS %rdi, GW_E_NOMEM
	xor	%eax, %eax
	ret
L(no_heap):				/* NULL heap: NULL (no record to keep a status in) */
	xor	%eax, %eax
	ret
END(gw_heap_alloc)

/* void* gw_huge_alloc(GwHeap* heap, size_t size, size_t align)
 * A chunk of its own: [chunk header, 64 bytes][user block] with the user pointer aligned to
 * align (a power of two >= 16, or 0: 16, for a block a realloc grows, which may take any kept
 * chunk that fits: GW_CHUNK_GROWING); the radix entry of the pointer's window names the header.
 * An aligned block's chunk is mapped with room to slide the pointer up to its alignment; with
 * the default source the room it did not need (whole 32 KiB windows before the header's and
 * after the block's) goes back at once, untouched, and counts in no peak, so the cost of the
 * call and what it holds do not grow with the alignment. */
HIDDEN_ENTRY(gw_huge_alloc)
	SAVE5				/* rbx heap, r12 user pointer, r13 align, r14 raw, r15 raw bytes */
	PUSH_CFI(%rbp)			/* size */
	SUB_RSP(24)			/* the peak footprint and ceiling before the chunk was mapped */
	mov	%rdi, %rbx
	mov	%rdx, %r13
	mov	%rsi, %rbp
	cmp	$1, %rbp
	adc	$0, %rbp			/* size 0 acts as 1 */
	mov	$GW_MAX_REQUEST, %rax
	cmp	%rax, %rsi
	ja	L(huge_nomem)
	cmp	%rax, %r13
	ja	L(huge_nomem)
	mov	GW_HEAP_PEAK_FOOTPRINT(%rbx), %rax
	mov	%rax, (%rsp)
	mov	GW_HEAP_FOOTPRINT_CEILING(%rbx), %rax
	mov	%rax, 8(%rsp)
	/* 1. bytes = round_up(64 + size, 4096).  An aligned block's pointer may sit anywhere in
	 *    its chunk, so its chunk must own whole radix windows: 32 KiB aligned and rounded,
	 *    with room for the alignment.  (An unaligned block's pointer is 64 bytes past its
	 *    chunk's start, and chunks are >= 128 KiB apart there, so its window is its own.) */
	lea	(GW_HUGE_HDR + 4095)(%rsi), %rsi
	xor	%edx, %edx
	test	%r13, %r13
	jnz	0f
	mov	$GW_ALIGN, %r13d
	mov	$GW_CHUNK_GROWING, %edx
	jmp	1f
0:	cmp	$GW_ALIGN, %r13
	jbe	1f
	lea	(GW_PAGE_BYTES - 4096)(%rsi,%r13), %rsi
	and	$-GW_PAGE_BYTES, %rsi
	mov	$1, %edx
1:	and	$-4096, %rsi
	call	gw_chunk_get
	test	%rax, %rax
	jz	L(huge_fail)
	mov	%rdx, %r14
	mov	%rcx, %r15
	/* 2. user pointer and header */
	lea	(GW_HUGE_HDR - 1)(%rax,%r13), %r12
	mov	%r13, %rax
	neg	%rax
	and	%rax, %r12			/* p = align_up(base + 64, align) */
	cmp	$GW_ALIGN, %r13
	jbe	2f
	cmpq	$0, GW_HEAP_CHUNK_ALLOC(%rbx)
	jne	2f
	/*    default source, aligned: [raw, the header's window) and [the block's last window's
	 *    end, raw end) go back (if munmap refuses, they stay, counted) */
	lea	-GW_HUGE_HDR(%r12), %rsi
	and	$-GW_PAGE_BYTES, %rsi		/* the first window kept */
	sub	%r14, %rsi			/* the lead */
	jz	21f
	mov	%r14, %rdi
	KERNEL_CALL munmap
	test	%rax, %rax
	jnz	21f
	add	%rsi, %r14
	sub	%rsi, %r15
	sub	%rsi, GW_HEAP_FOOTPRINT(%rbx)
21:	lea	(GW_PAGE_BYTES - 1)(%r12,%rbp), %rdi
	and	$-GW_PAGE_BYTES, %rdi		/* the end kept */
	lea	(%r14,%r15), %rsi
	sub	%rdi, %rsi			/* the tail */
	jbe	22f
	KERNEL_CALL munmap
	test	%rax, %rax
	jnz	22f
	sub	%rsi, %r15
	sub	%rsi, GW_HEAP_FOOTPRINT(%rbx)
22:	/*    the peak and the ceiling: as if only what is kept had been mapped */
	mov	(%rsp), %rax
	mov	%rax, GW_HEAP_PEAK_FOOTPRINT(%rbx)
	mov	8(%rsp), %rax
	mov	%rax, GW_HEAP_FOOTPRINT_CEILING(%rbx)
	mov	GW_HEAP_FOOTPRINT(%rbx), %rax
	PEAK_FOLLOWS %rbx, %rax, %rcx
2:	mov	%rbx, %rdi
	mov	%r12, %rsi
	call	gw_radix_slot
	test	%rax, %rax
	jz	L(huge_giveback)
	lea	-GW_HUGE_HDR(%r12), %rsi	/* chunk header */
	lea	GW_TAG_HUGE(%rsi), %rcx
	mov	%rcx, (%rax)
	mov	%r14, GW_CH_RAW(%rsi)
	mov	%r15, GW_CH_RAW_BYTES(%rsi)
	movw	$GW_KIND_HUGE, GW_CH_KIND(%rsi)
	lea	(GW_HUGE_HDR + 4095)(%rbp), %rcx
	shr	$12, %rcx			/* the pages asked for */
	xor	%eax, %eax
	cmp	$0xffff, %rcx
	cmova	%eax, %ecx
	mov	%cx, GW_CH_ASKED(%rsi)
	lea	(%r14,%r15), %rax
	mov	%rax, GW_CH_END(%rsi)
	CHUNK_SEAL %rbx, %rsi, %rax, %rcx
	mov	%eax, GW_CH_SEAL(%rsi)
	mov	%rbx, %rdi
	call	gw_chunk_link
	/* 3. block header: the whole rest of the chunk, in use, huge */
	lea	-GW_MEDIUM_HDR(%r12), %rsi
	mov	GW_CH_END - GW_HUGE_HDR + GW_MEDIUM_HDR(%rsi), %rcx
	sub	%rsi, %rcx
	mov	%rcx, %rdx
	or	$(GW_FLAG_IN_USE | GW_FLAG_HUGE), %rcx
	SET_HDR %rbx, %rsi, %rcx, %rax
	sub	$GW_MEDIUM_HDR, %rdx		/* usable */
	incq	GW_HEAP_HUGE_COUNT(%rbx)
	ACCOUNT_ALLOC %rbx, %rdx
	mov	%r12, %rax
L(huge_out):
	.cfi_remember_state
	ADD_RSP(24)
	POP_CFI(%rbp)
	RET5
	.cfi_restore_state
L(huge_giveback):
	mov	%rbx, %rdi
	mov	%r14, %rsi
	mov	%r15, %rdx
	call	gw_chunk_put
	jmp	L(huge_fail)
L(huge_nomem):
	SET_STATUS %rbx, GW_E_NOMEM
L(huge_fail):
	xor	%eax, %eax
	jmp	L(huge_out)
END(gw_huge_alloc)

/* void* gw_heap_alloc_aligned(GwHeap* heap, size_t size, size_t alignment)
 * NULL heap: NULL.  alignment: a power of two (else NULL, GW_E_INVALID_ARGUMENT).  Up to 16 is gw_heap_alloc.
 * Otherwise a medium block with room to slide the user pointer up to the alignment: the lead
 * becomes a free block of its own, the tail is trimmed.  Large sizes or alignments: huge. */
ENTRY(gw_heap_alloc_aligned)
	test	%rdi, %rdi
	jz	L(al_no_heap)
	test	%rdx, %rdx
	jz	L(al_bad)
	lea	-1(%rdx), %rax
	test	%rax, %rdx
	jnz	L(al_bad)
	cmp	$GW_ALIGN, %rdx
	jbe	gw_heap_alloc
	cmpq	$0, GW_HEAP_SMALL_GATE(%rdi)	/* 0: the fail-after hook is armed */
	jne	1f
	decq	GW_HEAP_FAIL(%rdi)
	jnz	1f
	movq	$(GW_SMALL_MAX + 1), GW_HEAP_SMALL_GATE(%rdi)	/* the hook fired: off again */
	SET_STATUS %rdi, GW_E_NOMEM
	xor	%eax, %eax
	ret
1:	cmp	$65536, %rdx
	ja	gw_huge_alloc
	cmp	$(GW_MEDIUM_MAX_BLOCK - GW_MEDIUM_HDR), %rsi
	ja	gw_huge_alloc
	SAVE3				/* rbx heap, r12 block bytes wanted, r13 alignment */
	mov	%rdi, %rbx
	mov	%rdx, %r13
	add	$(GW_MEDIUM_HDR + 15), %rsi
	and	$-16, %rsi
	mov	$GW_MEDIUM_MIN_BLOCK, %eax
	cmp	%rax, %rsi
	cmovb	%rax, %rsi
	mov	%rsi, %r12
	/* 1. a block with room for any lead: bytes + alignment + a minimum block */
	lea	GW_MEDIUM_MIN_BLOCK(%r12,%r13), %rsi
	call	gw_medium_take
	test	%rax, %rax
	jz	L(al_out)
	lea	GW_MEDIUM_HDR(%rax), %rcx	/* user pointer */
	lea	-1(%r13), %rdx
	test	%rdx, %rcx
	jz	3f
	/* 2. slide up: lead = align_up(u + MIN_BLOCK, align) - u becomes a free block */
	lea	GW_MEDIUM_MIN_BLOCK(%rcx,%rdx), %r8
	mov	%r13, %rdx
	neg	%rdx
	and	%rdx, %r8			/* new user pointer */
	sub	%rcx, %r8			/* lead */
	mov	GW_HDR_WORD_OFF(%rax), %r9
	and	$GW_SIZE_MASK, %r9		/* whole block */
	PUSH_CFI(%r14)
	SUB_RSP(8)
	lea	(%rax,%r8), %r14		/* new header */
	sub	%r8, %r9
	or	$(GW_FLAG_IN_USE | GW_FLAG_PREV_FREE), %r9
	SET_HDR %rbx, %r14, %r9, %rcx
	mov	%rax, %rsi			/* lead block: free, its previous in use */
	SET_HDR %rbx, %rsi, %r8, %rcx
	mov	%r8, -8(%rsi,%r8)
	mov	%rbx, %rdi
	call	gw_medium_insert
	mov	%r14, %rax
	ADD_RSP(8)
	POP_CFI(%r14)
3:	/* 3. trim the tail */
	PUSH_CFI(%rax)
	SUB_RSP(8)
	mov	%rbx, %rdi
	mov	%rax, %rsi
	mov	%r12, %rdx
	call	gw_medium_trim
	ADD_RSP(8)
	POP_CFI(%rax)
	mov	GW_HDR_WORD_OFF(%rax), %rcx
	and	$GW_SIZE_MASK, %rcx
	sub	$GW_MEDIUM_HDR, %rcx
	ACCOUNT_ALLOC %rbx, %rcx
	add	$GW_MEDIUM_HDR, %rax
L(al_out):
	RET3
L(al_bad):
	SET_STATUS %rdi, GW_E_INVALID_ARGUMENT
L(al_no_heap):				/* NULL heap: NULL */
	xor	%eax, %eax
	ret
END(gw_heap_alloc_aligned)

NO_EXEC_STACK
