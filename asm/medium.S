/* medium.S - TLSF bins, splitting and boundary-tag coalescing for medium blocks.
 *
 * Two-level segregated fit: a free block of size s lives in bin (fl, sl) with fl = bsr(s) and
 * sl = the next GW_SL_SHIFT bits of s below the top bit.  fl_bitmap bit fl is set iff
 * sl_bitmap[fl] != 0; sl_bitmap[fl] bit sl is set iff bins[fl * 16 + sl] != NULL.  A request
 * is rounded up to the next bin boundary first, so any block of the first non-empty bin at or
 * above it fits: two bit scans, no list walk (O(1) whatever the number of free blocks).
 *
 * Boundary tags: every block starts with a header (word, check); a free block also holds its
 * list links at +16/+24 and its size in its last 8 bytes.  The block after a free block has
 * PREV_FREE set, so free() coalesces both ways in O(1).  No two free blocks are adjacent.
 *
 *   gw_medium_insert(heap, hdr)            leaf: hdr (free, header written) into its bin
 *   gw_medium_remove(heap, hdr)            leaf: hdr out of its bin
 *   gw_medium_take(heap, bytes) -> hdr     a block of exactly `bytes` (or up to 63 more), in use
 *   gw_medium_trim(heap, hdr, keep) -> n   shrink an in-use block to `keep`, n bytes given back
 *   gw_medium_free(heap, hdr, chunk) -> st coalesce, bin, maybe give the chunk back
 */
#include "gw_heap.h"
#include "macros.h"

/* BIN_INDEX size, fl, idx: fl = bsr(size), idx = fl * 16 + sl.  Clobbers %rcx. */
.macro BIN_INDEX size, fl, idx
	bsr	\size, \fl
	mov	\size, \idx
	lea	-GW_SL_SHIFT(\fl), %rcx
	shr	%cl, \idx
	and	$(GW_SL_COUNT - 1), \idx
	mov	\fl, %rcx
	shl	$GW_SL_SHIFT, %rcx
	add	%rcx, \idx
.endm

/* void gw_medium_insert(GwHeap* heap, void* hdr).  Leaf; clobbers rax rcx rdx r8 r9. */
HIDDEN_ENTRY(gw_medium_insert)
	mov	GW_HDR_WORD_OFF(%rsi), %rax
	and	$GW_SIZE_MASK, %rax
	BIN_INDEX %rax, %r8, %rdx
	lea	GW_HEAP_BINS(%rdi,%rdx,8), %r9
	mov	(%r9), %rax
	mov	%rax, GW_HDR_NEXT_OFF(%rsi)
	movq	$0, GW_HDR_PREV_OFF(%rsi)
	test	%rax, %rax
	jz	1f
	mov	%rsi, GW_HDR_PREV_OFF(%rax)
1:	mov	%rsi, (%r9)
	and	$(GW_SL_COUNT - 1), %edx	/* sl */
	mov	%edx, %ecx
	mov	$1, %eax
	shl	%cl, %rax
	or	%rax, GW_HEAP_SL_BITMAP(%rdi,%r8,8)
	mov	%r8d, %ecx
	mov	$1, %eax
	shl	%cl, %rax
	or	%rax, GW_HEAP_FL_BITMAP(%rdi)
	ret
END(gw_medium_insert)

/* void gw_medium_remove(GwHeap* heap, void* hdr).  Leaf; clobbers rax rcx rdx r8 r9 r10. */
HIDDEN_ENTRY(gw_medium_remove)
	mov	GW_HDR_WORD_OFF(%rsi), %rax
	and	$GW_SIZE_MASK, %rax
	BIN_INDEX %rax, %r8, %rdx
	mov	GW_HDR_NEXT_OFF(%rsi), %r9
	mov	GW_HDR_PREV_OFF(%rsi), %r10
	test	%r9, %r9
	jz	1f
	mov	%r10, GW_HDR_PREV_OFF(%r9)
1:	test	%r10, %r10
	jz	2f
	mov	%r9, GW_HDR_NEXT_OFF(%r10)
	ret
2:	mov	%r9, GW_HEAP_BINS(%rdi,%rdx,8)
	test	%r9, %r9
	jnz	3f
	/* the bin became empty: clear its bits */
	and	$(GW_SL_COUNT - 1), %edx
	mov	%edx, %ecx
	mov	$1, %eax
	shl	%cl, %rax
	not	%rax
	and	GW_HEAP_SL_BITMAP(%rdi,%r8,8), %rax
	mov	%rax, GW_HEAP_SL_BITMAP(%rdi,%r8,8)
	test	%rax, %rax
	jnz	3f
	mov	%r8d, %ecx
	mov	$1, %eax
	shl	%cl, %rax
	not	%rax
	and	%rax, GW_HEAP_FL_BITMAP(%rdi)
3:	ret
END(gw_medium_remove)

/* void* gw_medium_take(GwHeap* heap, size_t bytes)
 * bytes: block size incl. header, multiple of 16, GW_MEDIUM_MIN_BLOCK <= bytes <= 3/4 of a chunk.
 * Returns the header of an in-use block of at least `bytes` (the tail is split off when
 * GW_MEDIUM_SPLIT_MIN or more), growing the heap by a medium chunk if no bin fits;
 * 0 with the status set if that fails. */
HIDDEN_ENTRY(gw_medium_take)
	PUSH_CFI(%rbx)			/* heap */
	PUSH_CFI(%r12)			/* bytes */
	PUSH_CFI(%r13)			/* block */
	mov	%rdi, %rbx
	mov	%rsi, %r12
L(search):
	/* 1. round up to the next bin boundary, map to (fl, sl) */
	bsr	%r12, %rcx
	sub	$GW_SL_SHIFT, %ecx
	mov	$1, %edx
	shl	%cl, %rdx
	lea	-1(%r12,%rdx), %rdx		/* rounded size */
	bsr	%rdx, %r8			/* fl */
	lea	-GW_SL_SHIFT(%r8), %rcx
	shr	%cl, %rdx
	and	$(GW_SL_COUNT - 1), %edx	/* sl */
	/* 2. a non-empty bin at or above (fl, sl) in this first level... */
	mov	%edx, %ecx
	mov	$-1, %r9
	shl	%cl, %r9
	and	GW_HEAP_SL_BITMAP(%rbx,%r8,8), %r9
	jnz	1f
	/* ...or the first non-empty first level above */
	lea	1(%r8), %ecx
	mov	$-1, %r9
	shl	%cl, %r9
	and	GW_HEAP_FL_BITMAP(%rbx), %r9
	jz	L(grow)
	bsf	%r9, %r8
	mov	GW_HEAP_SL_BITMAP(%rbx,%r8,8), %r9
1:	bsf	%r9, %rdx
	shl	$GW_SL_SHIFT, %r8
	add	%rdx, %r8
	mov	GW_HEAP_BINS(%rbx,%r8,8), %r13
	/* 3. take it out of its bin */
	mov	%rbx, %rdi
	mov	%r13, %rsi
	call	gw_medium_remove
	mov	GW_HDR_WORD_OFF(%r13), %rax
	and	$GW_SIZE_MASK, %rax
	cmp	$(GW_CHUNK_BYTES - GW_MEDIUM_FIRST_OFF - GW_MEDIUM_HDR), %rax
	jne	2f
	decq	GW_HEAP_EMPTY_MEDIUM_CHUNKS(%rbx)	/* a wholly free chunk is in use again */
2:	/* 4. split the tail off if it is worth a block */
	mov	%rax, %rdx
	sub	%r12, %rdx			/* remainder */
	cmp	$GW_MEDIUM_SPLIT_MIN, %rdx
	jb	3f
	lea	(%r13,%r12), %rsi
	SET_HDR %rbx, %rsi, %rdx, %rax		/* free, previous (ours) in use */
	mov	%rdx, -8(%rsi,%rdx)
	mov	%rbx, %rdi
	call	gw_medium_insert
	mov	%r12, %rcx
	or	$GW_FLAG_IN_USE, %rcx
	SET_HDR %rbx, %r13, %rcx, %rax
	jmp	4f
3:	lea	(%r13,%rax), %rsi		/* the next block no longer follows a free one */
	TOGGLE_FLAG %rsi, GW_FLAG_PREV_FREE
	or	$GW_FLAG_IN_USE, %rax
	SET_HDR %rbx, %r13, %rax, %rcx
4:	mov	%r13, %rax
L(take_out):
	POP_CFI(%r13)
	POP_CFI(%r12)
	POP_CFI(%rbx)
	ret
	.cfi_adjust_cfa_offset 24
	.cfi_rel_offset %rbx, 16
	.cfi_rel_offset %r12, 8
	.cfi_rel_offset %r13, 0
L(grow):
	mov	%rbx, %rdi
	call	gw_medium_grow
	test	%eax, %eax
	jz	L(search)
	xor	%eax, %eax
	jmp	L(take_out)
END(gw_medium_take)

/* size_t gw_medium_trim(GwHeap* heap, void* hdr, size_t keep)
 * Shrinks the in-use block hdr to keep bytes (multiple of 16, >= GW_MEDIUM_MIN_BLOCK) if the
 * rest makes a block; the rest merges with a free successor.  Returns the bytes given back
 * (0 if the block stays as it is).  Never fails. */
HIDDEN_ENTRY(gw_medium_trim)
	PUSH_CFI(%rbx)			/* heap */
	PUSH_CFI(%r12)			/* hdr */
	PUSH_CFI(%r13)			/* keep */
	PUSH_CFI(%r14)			/* remainder block */
	PUSH_CFI(%r15)			/* bytes given back */
	mov	%rdi, %rbx
	mov	%rsi, %r12
	mov	%rdx, %r13
	mov	GW_HDR_WORD_OFF(%r12), %rax
	and	$GW_SIZE_MASK, %rax
	mov	%rax, %r15
	sub	%r13, %r15
	cmp	$GW_MEDIUM_SPLIT_MIN, %r15
	jb	L(trim_none)
	lea	(%r12,%r13), %r14		/* remainder */
	lea	(%r12,%rax), %rsi		/* next */
	mov	%r15, %rdx			/* remainder size */
	testq	$GW_FLAG_IN_USE, GW_HDR_WORD_OFF(%rsi)
	jnz	1f
	/* next is free: absorb it (the block after it already has PREV_FREE) */
	mov	GW_HDR_WORD_OFF(%rsi), %rax
	and	$GW_SIZE_MASK, %rax
	add	%rax, %rdx
	PUSH_CFI(%rdx)
	SUB_RSP(8)
	mov	%rbx, %rdi
	call	gw_medium_remove
	ADD_RSP(8)
	POP_CFI(%rdx)
	jmp	2f
1:	TOGGLE_FLAG %rsi, GW_FLAG_PREV_FREE
2:	SET_HDR %rbx, %r14, %rdx, %rax
	mov	%rdx, -8(%r14,%rdx)
	mov	%rbx, %rdi
	mov	%r14, %rsi
	call	gw_medium_insert
	mov	GW_HDR_WORD_OFF(%r12), %rcx
	and	$15, %ecx			/* keep our flags */
	or	%r13, %rcx
	SET_HDR %rbx, %r12, %rcx, %rax
	mov	%r15, %rax
	jmp	L(trim_out)
L(trim_none):
	xor	%eax, %eax
L(trim_out):
	POP_CFI(%r15)
	POP_CFI(%r14)
	POP_CFI(%r13)
	POP_CFI(%r12)
	POP_CFI(%rbx)
	ret
END(gw_medium_trim)

/* int gw_medium_free(GwHeap* heap, void* hdr, void* chunk)
 * hdr: a block whose check word was verified and which is in use.  Checks both neighbours
 * (GW_E_CORRUPT, nothing changed, if a header is damaged), then coalesces both ways and bins
 * the result.  A wholly free chunk goes back to the source beyond GW_RESERVE_CHUNKS spares. */
HIDDEN_ENTRY(gw_medium_free)
	PUSH_CFI(%rbx)			/* heap */
	PUSH_CFI(%r12)			/* block (moves back when merging) */
	PUSH_CFI(%r13)			/* chunk */
	PUSH_CFI(%r14)			/* merged size */
	PUSH_CFI(%r15)			/* next block */
	mov	%rdi, %rbx
	mov	%rsi, %r12
	mov	%rdx, %r13
	mov	GW_HDR_WORD_OFF(%r12), %r14
	and	$GW_SIZE_MASK, %r14
	/* 1. validate: next header, and the previous block if it claims to be free */
	lea	(%r12,%r14), %r15
	mov	GW_CH_END(%r13), %rax
	sub	$GW_MEDIUM_HDR, %rax
	cmp	%rax, %r15
	ja	L(corrupt)
	CHECK_HDR %rbx, %r15, %rcx, %rax, L(corrupt)
	testq	$GW_FLAG_PREV_FREE, GW_HDR_WORD_OFF(%r12)
	jz	1f
	mov	-8(%r12), %rdx			/* footer of the previous block */
	mov	%r12, %rsi
	sub	%rdx, %rsi			/* its header */
	test	$15, %dl
	jnz	L(corrupt)
	cmp	$GW_MEDIUM_MIN_BLOCK, %rdx
	jb	L(corrupt)
	lea	GW_MEDIUM_FIRST_OFF(%r13), %rax
	cmp	%rax, %rsi
	jb	L(corrupt)
	CHECK_HDR %rbx, %rsi, %rcx, %rax, L(corrupt)
	test	$GW_FLAG_IN_USE, %cl
	jnz	L(corrupt)
	and	$GW_SIZE_MASK, %rcx
	cmp	%rcx, %rdx
	jne	L(corrupt)
1:	/* 2. this header says free from now on, even if it ends up inside a merged block: a
	 *    second free of the same pointer then finds IN_USE clear (DOUBLE_FREE) */
	TOGGLE_FLAG %r12, GW_FLAG_IN_USE
	/* merge the next block if free */
	testq	$GW_FLAG_IN_USE, GW_HDR_WORD_OFF(%r15)
	jnz	2f
	mov	%rbx, %rdi
	mov	%r15, %rsi
	call	gw_medium_remove
	mov	GW_HDR_WORD_OFF(%r15), %rax
	and	$GW_SIZE_MASK, %rax
	add	%rax, %r14
	jmp	3f
2:	TOGGLE_FLAG %r15, GW_FLAG_PREV_FREE	/* the next block now follows a free one */
3:	/* 3. merge the previous block if free */
	testq	$GW_FLAG_PREV_FREE, GW_HDR_WORD_OFF(%r12)
	jz	4f
	mov	-8(%r12), %rax
	sub	%rax, %r12
	add	%rax, %r14
	mov	%rbx, %rdi
	mov	%r12, %rsi
	call	gw_medium_remove
4:	/* 4. write the merged free block and bin it */
	SET_HDR %rbx, %r12, %r14, %rax
	mov	%r14, -8(%r12,%r14)
	mov	%rbx, %rdi
	mov	%r12, %rsi
	call	gw_medium_insert
	/* 5. a wholly free chunk: keep a few spares, give the others back */
	cmp	$(GW_CHUNK_BYTES - GW_MEDIUM_FIRST_OFF - GW_MEDIUM_HDR), %r14
	jne	6f
	cmpq	$GW_RESERVE_CHUNKS, GW_HEAP_EMPTY_MEDIUM_CHUNKS(%rbx)
	jb	5f
	mov	%rbx, %rdi
	mov	%r13, %rsi
	call	gw_chunk_release
	jmp	6f
5:	incq	GW_HEAP_EMPTY_MEDIUM_CHUNKS(%rbx)
6:	xor	%eax, %eax
L(mfree_out):
	POP_CFI(%r15)
	POP_CFI(%r14)
	POP_CFI(%r13)
	POP_CFI(%r12)
	POP_CFI(%rbx)
	ret
	.cfi_adjust_cfa_offset 40
	.cfi_rel_offset %rbx, 32
	.cfi_rel_offset %r12, 24
	.cfi_rel_offset %r13, 16
	.cfi_rel_offset %r14, 8
	.cfi_rel_offset %r15, 0
L(corrupt):
	mov	$GW_E_CORRUPT, %eax
	jmp	L(mfree_out)
END(gw_medium_free)

NO_EXEC_STACK
