/* realloc.S - gw_heap_realloc: shrink in place, grow in place into a free neighbour, else move.
 *
 * void* gw_heap_realloc(GwHeap* heap, void* ptr, size_t size)
 *   0. a live small block whose window free's radix cache knows, staying small: a leaf-like
 *      fast path (no saved registers, no gw_block_info, no memcpy call); same rules as below.
 *   1. heap NULL: NULL (ptr is not touched).  ptr NULL: gw_heap_alloc.  ptr not a live block of this heap: NULL, status says why,
 *      nothing changes.  size 0 acts as 1.
 *   2. shrink (size <= usable): medium blocks give their tail back (gw_medium_trim); a huge
 *      block that stays huge gives its tail pages back (gw_huge_shrink: default source); small
 *      and other huge blocks move to a smaller block when size is at most half the usable size
 *      and that allocation succeeds, else stay.  A shrink never fails.
 *   3. grow a medium block in place when the next block is free and big enough, or parked on
 *      a quick list as the first block there (gw_medium_free's last parked block of its size);
 *      a huge block (default source) takes a kept chunk that fits (a copy: no syscall, no
 *      fault), else moves its pages with mremap (gw_huge_remap: no copy, and the old and new
 *      memory are never held at once), after the fail-after hook.
 *   4. otherwise allocate (counts for the fail-after hook), copy, free the old block.  If the
 *      allocation fails the old block is untouched.  A huge new block may take a kept chunk of
 *      any size that fits (GW_CHUNK_GROWING): the buffer grows on in place.
 */
#include "gw_heap.h"
#include "macros.h"
#include "snippets.h"

ENTRY(gw_heap_realloc)
	test	%rdi, %rdi
	jz	L(no_heap)			/* out of line, at the end */
	/* 0. small -> small, fast: ptr in a window free's radix cache knows, its bitmap bit set (a
	 *    live slot start, as in free.S); a size that still fits returns ptr unless it is a
	 *    shrink to half or less; a grow up to GW_SMALL_MAX allocates (through the hook),
	 *    copies the old slot in 16-byte steps and gives it back as free does (SLOT_RELEASE).
	 *    Anything else: the general path below, which also tells every misuse apart (a cache
	 *    miss, a clear bit, NULL). */
	FREE_CACHE_INDEX %rsi, %rax, %r10	/* rax key, r10 = 2 * set */
	cmp	GW_HEAP_FREE_KEYS(%rdi,%r10,8), %rax
	jne	L(general)
	mov	GW_HEAP_FREE_PAGES(%rdi,%r10,8), %r9
	SLOT_BIT %esi, %ecx, %r8d
	mov	GW_PG_BITMAP(%r9,%r8), %rax
	bt	%rcx, %rax
	jnc	L(general)
	mov	GW_PG_SIZE(%r9), %rcx		/* usable bytes now */
	cmp	%rcx, %rdx
	ja	L(small_grow)
	mov	%rcx, %rax
	shr	$1, %rax
	cmp	%rax, %rdx
	ja	L(small_same)			/* more than half still used: stays */
	cmp	$GW_ALIGN, %rcx
	ja	L(general)			/* a shrink that moves to a smaller class */
L(small_same):
	mov	%rsi, %rax
	ret
L(small_grow):				/* rdi heap, rsi ptr, rdx size, rcx usable now */
	cmp	$GW_SMALL_MAX, %rdx
	ja	L(general)
	PUSH_CFI(%rdi)
	PUSH_CFI(%rsi)
	PUSH_CFI(%r9)
	mov	%rdx, %rsi
	call	gw_heap_alloc
	POP_CFI(%r9)
	POP_CFI(%rsi)
	POP_CFI(%rdi)
	test	%rax, %rax
	jz	L(small_out)			/* the old block stays; the status says why */
	mov	GW_PG_SIZE(%r9), %rcx		/* (its page keeps its class: a slot is live) */
	xor	%edx, %edx
1:	movdqa	(%rsi,%rdx), %xmm0		/* slots are 16-byte aligned, 16*c bytes long */
	movdqa	%xmm0, (%rax,%rdx)
	add	$16, %rdx
	cmp	%rcx, %rdx
	jb	1b
	/* the old slot goes back as free would give it (its bitmap word read again: the new
	 * slot may share it) */
	SLOT_BIT %esi, %ecx, %r8d
	mov	GW_PG_BITMAP(%r9,%r8), %rdx
	btr	%rcx, %rdx
	mov	%rdx, GW_PG_BITMAP(%r9,%r8)
	SLOT_RELEASE %rdi, %r9, %rsi, %rdx, L(small_release_slow)
L(small_out):
	ret
L(small_release_slow):
	SLOT_RELEASE_SLOW %r9, L(small_out), L(small_event)
L(small_event):
	PUSH_CFI(%rax)
	mov	%r9, %rsi
	call	gw_small_page_event
	POP_CFI(%rax)
	ret
L(general):
	test	%rsi, %rsi
	jnz	1f
	mov	%rdx, %rsi
	jmp	gw_heap_alloc
1:	SAVE5				/* rbx heap, r12 ptr, r13 new size, r14 usable now, r15 header / new block */
	mov	%rdi, %rbx
	mov	%rsi, %r12
	mov	%rdx, %r13
	call	gw_block_info
	test	%edx, %edx
	jnz	L(bad)
	mov	%rax, %r14
	mov	%r8, %r15
	cmp	$1, %r13
	adc	$0, %r13			/* size 0 acts as 1 */
	cmp	%r14, %r13
	ja	L(grow)
	/* 2. shrink */
	cmp	$GW_TAG_MEDIUM, %ecx
	jne	L(shrink_move)
	lea	(GW_MEDIUM_HDR + 15)(%r13), %rdx
	and	$-16, %rdx
	mov	$GW_MEDIUM_MIN_BLOCK, %eax
	cmp	%rax, %rdx
	cmovb	%rax, %rdx
	mov	%rbx, %rdi
	mov	%r15, %rsi
	call	gw_medium_trim
	add	%rax, GW_HEAP_HEADROOM(%rbx)	/* live shrinks */
	jmp	L(same)
L(shrink_move):
	cmp	$GW_TAG_HUGE, %ecx
	jne	1f
	mov	%rbx, %rdi
	lea	-(GW_HUGE_HDR - GW_MEDIUM_HDR)(%r15), %rsi	/* chunk header */
	mov	%r13, %rdx
	call	gw_huge_shrink			/* accounts what it gives back */
	test	%rax, %rax
	jns	L(same)
1:	cmp	$GW_ALIGN, %r14			/* the smallest class has nowhere smaller to go */
	jbe	L(same)
	mov	%r14, %rax
	shr	$1, %rax
	cmp	%rax, %r13
	ja	L(same)
	mov	GW_HEAP_STATUS(%rbx), %r15	/* a failed attempt must not change the status */
	mov	%rbx, %rdi
	mov	%r13, %rsi
	call	gw_alloc_nohook
	test	%rax, %rax
	jnz	L(copy_n)
	mov	%r15, GW_HEAP_STATUS(%rbx)
L(same):
	mov	%r12, %rax
	jmp	L(out)
L(grow):
	cmp	$GW_TAG_HUGE, %ecx
	je	L(huge_grow)
	/* 3. medium: the next block free (or parked on a quick list, first on it) and big enough? */
	cmp	$GW_TAG_MEDIUM, %ecx
	jne	L(move)
	mov	$(GW_MEDIUM_MAX_BLOCK - GW_MEDIUM_HDR), %eax
	cmp	%rax, %r13
	ja	L(move)
	lea	GW_MEDIUM_HDR(%r15,%r14), %rsi	/* next */
	CHECK_HDR %rbx, %rsi, %r8, %rdx, L(move)
	mov	%r8, %rcx
	and	$GW_SIZE_MASK, %rcx
	lea	GW_MEDIUM_HDR(%r14,%rcx), %rax	/* merged bytes */
	lea	(GW_MEDIUM_HDR + 15)(%r13), %rdx
	and	$-16, %rdx			/* needed bytes */
	cmp	%rdx, %rax
	jb	L(move)
	test	$GW_FLAG_IN_USE, %r8b
	jnz	L(grow_quick)
	mov	%rax, %r12			/* from here on: r12 merged, r13 needed */
	mov	%rdx, %r13
	mov	%rbx, %rdi
	call	gw_medium_remove		/* rsi = next */
	lea	(%r15,%r12), %rsi		/* after the merged block: no longer after a free one */
	TOGGLE_FLAG %rsi, GW_FLAG_PREV_FREE
L(grow_merged):
	mov	GW_HDR_WORD_OFF(%r15), %rcx
	and	$GW_FLAG_PREV_FREE, %ecx
	or	$GW_FLAG_IN_USE, %rcx
	or	%r12, %rcx
	SET_HDR %rbx, %r15, %rcx, %rax
	mov	%rbx, %rdi
	mov	%r15, %rsi
	mov	%r13, %rdx
	call	gw_medium_trim
	sub	%rax, %r12			/* final bytes */
	sub	%r14, %r12
	sub	$GW_MEDIUM_HDR, %r12		/* growth of the usable size */
	LIVE_GROWS %rbx, %r12
	lea	GW_MEDIUM_HDR(%r15), %rax
	jmp	L(out)
L(grow_quick):
	/* a parked next block is taken off its quick list when it is the list's first (the one
	 * freed last: O(1)); its header stays QUICK inside our block, so a free of its old pointer
	 * is still a double free.  Nothing to toggle: it was in use for the block after it. */
	test	$GW_FLAG_QUICK, %r8b
	jz	L(move)
	mov	%rcx, %r10			/* QUICK_INDEX takes rcx */
	QUICK_INDEX %r10, %r9, L(move)
	cmp	%rsi, GW_HEAP_QUICK(%rbx,%r9,8)
	jne	L(move)
	mov	%rax, %r12			/* r12 merged, r13 needed */
	mov	%rdx, %r13
	QUICK_POP %rbx, %r9, %rsi, %r10, %rax
	jmp	L(grow_merged)
L(move):
	/* 4. allocate, copy the old usable bytes, free.  A huge new block may take a kept chunk
	 *    of any size that fits (GW_CHUNK_GROWING), unless the fail-after hook is armed (gate
	 *    0: gw_heap_alloc counts the call). */
	mov	%rbx, %rdi
	mov	%r13, %rsi
	cmp	$(GW_MEDIUM_MAX_BLOCK - GW_MEDIUM_HDR), %r13
	jbe	1f
	cmpq	$0, GW_HEAP_SMALL_GATE(%rbx)
	je	1f
L(move_growing):
	xor	%edx, %edx
	call	gw_huge_alloc
	jmp	L(moved)
1:	call	gw_heap_alloc
L(moved):
	test	%rax, %rax
	jz	L(out)
	mov	%r14, %r13			/* copy everything the old block held */
L(copy_n):				/* rax new block, r13 bytes to copy */
	mov	%rax, %r15
	mov	%rax, %rdi
	mov	%r12, %rsi
	mov	%r13, %rdx
	call	memcpy@PLT
	mov	%rbx, %rdi
	mov	%r12, %rsi
	call	gw_heap_free
	mov	%r15, %rax
L(out):
	RET5
L(huge_grow):
	/* 3. huge: its pages move (the fail-after hook counts this as a new block); where that
	 *    cannot be (custom source, aligned block) or fails, 4. without the hook */
	cmpq	$0, GW_HEAP_FAIL(%rbx)
	je	1f
	decq	GW_HEAP_FAIL(%rbx)
	jnz	1f
	movq	$(GW_SMALL_MAX + 1), GW_HEAP_SMALL_GATE(%rbx)	/* the hook fired: off again */
	SET_STATUS %rbx, GW_E_NOMEM
	xor	%eax, %eax
	jmp	L(out)
1:	/*    a kept chunk with room to grow by half more is taken rather than new pages: a copy,
	 *    no syscall, no fault, and the steps after grow in place (one just big enough would
	 *    be left again at the next step, a copy each time) */
	mov	%rbx, %rdi
	lea	(GW_HUGE_HDR + 4095)(%r13), %rsi
	and	$-4096, %rsi
	mov	%rsi, %rax
	shr	$1, %rax
	add	%rax, %rsi
	call	gw_huge_kept_fits
	mov	%rbx, %rdi
	mov	%r13, %rsi
	test	%eax, %eax
	jnz	L(move_growing)
	mov	GW_HEAP_STATUS(%rbx), %r15	/* a failed attempt must not change the status */
	lea	-GW_HUGE_HDR(%r12), %rsi
	mov	%r13, %rdx
	call	gw_huge_remap
	test	%rax, %rax
	jnz	L(out)
	mov	%r15, GW_HEAP_STATUS(%rbx)
	mov	%rbx, %rdi
	mov	%r13, %rsi
	call	gw_alloc_nohook
	jmp	L(moved)
L(bad):
	mov	%edx, %edx
	mov	%rdx, GW_HEAP_STATUS(%rbx)
	xor	%eax, %eax
	jmp	L(out)
L(no_heap):				/* NULL heap: NULL, ptr untouched */
	xor	%eax, %eax
	ret
END(gw_heap_realloc)

NO_EXEC_STACK
