/* free.S - gw_heap_free and gw_heap_free_sized: validate, then give the block back.
 *
 * Validation reads only memory the heap owns, and changes nothing until it has passed:
 *   0. NULL heap -> GW_E_INVALID_ARGUMENT (not stored: there is no record).
 *   1. NULL -> GW_OK.  Not 16-byte aligned, outside the 47-bit space or in a window the radix
 *      tree does not know -> GW_E_INVALID_POINTER (stack, malloc, foreign-heap pointers).
 *   2. small (page window): the pointer must be a slot start (exact division of its offset
 *      from the first slot by the slot size, through a reciprocal), else INVALID; its bitmap
 *      bit clear -> GW_E_DOUBLE_FREE, or INVALID if the slot was never handed out (>= bump).
 *   3. medium (chunk window): the header before it must carry a valid check word (else
 *      INVALID: interior pointer or damaged header); IN_USE clear or QUICK set ->
 *      DOUBLE_FREE; the neighbours' headers are checked by gw_medium_free (CORRUPT) unless it
 *      parks the block on a quick list.
 *   4. huge: the pointer must be the one its window's entry names; a tombstone entry left by
 *      an earlier free of that pointer -> DOUBLE_FREE.
 * Every error is also stored as the heap's last status.
 */
#include "gw_heap.h"
#include "macros.h"
#include "snippets.h"

/* FREE_BODY sized: the whole of gw_heap_free (sized = 0) or gw_heap_free_sized (sized = 1,
 * size in rdx; size 0 needs no special case, it never exceeds a usable size).
 * In: rdi heap, rsi ptr.  Out: eax status.  r9 holds the radix entry, then the header.
 *
 * Before the radix tree, free asks the heap's radix cache (free_cache, {key, page}): set
 * (ptr >> 15) % GW_FREE_CACHE_SETS remembers the last small-page window looked up there (its
 * start) and its page header.  The cache is emptied whenever a radix entry is cleared
 * (gw_radix_clear), so it never names memory the tree does not.  The key keeps ptr's low 4
 * bits, so a misaligned pointer never matches.
 * Small fast path on a hit: 27 instructions (29 sized) and no walk.
 * A set bitmap bit proves by itself that ptr is the start of a live slot (bits are set only at
 * slot starts), so the exact division that tells an interior pointer from a double free runs
 * only when the bit is clear.  The page's state needs a look only when its used count reaches
 * zero or it was FULL (both rare): a FULL page carries GW_PG_USED_FULL, the sign bit, in its
 * used count, so one `decl; jle` catches both. */
.macro FREE_BODY sized
	test	%rdi, %rdi
	jz	.Lno_heap\sized		/* out of line, at the end */
	FREE_CACHE_INDEX %rsi, %rax, %r10	/* rax key, r10 = 2 * set */
	cmp	GW_HEAP_FREE_KEYS(%rdi,%r10,8), %rax
	jne	.Llookup\sized
	mov	GW_HEAP_FREE_PAGES(%rdi,%r10,8), %r9
.Lsmall\sized:				/* r9 = page header of ptr's window */
	SLOT_BIT %esi, %ecx, %r8d
	mov	GW_PG_BITMAP(%r9,%r8), %rax
	btr	%rcx, %rax			/* CF = was live */
	jnc	.Lnot_live\sized
.if \sized
	cmp	GW_PG_SIZE(%r9), %rdx
	ja	.Lbadsize\sized
.endif
	mov	%rax, GW_PG_BITMAP(%r9,%r8)
	SLOT_RELEASE %rdi, %r9, %rsi, %rax, .Lsmall_slow\sized
.Lok\sized:
	xor	%eax, %eax
	ret
.Lsmall_slow\sized:
	SLOT_RELEASE_SLOW %r9, .Lok\sized, .Lsmall_event\sized
.Lsmall_event\sized:			/* FULL -> AVAIL, or no longer in use at all */
	SUB_RSP(8)
	mov	%r9, %rsi
	call	gw_small_page_event
	ADD_RSP(8)
	xor	%eax, %eax
	ret
.Llookup\sized:
	test	$15, %sil
	jnz	.Linvalid\sized
	RADIX_LOOKUP %rdi, %rsi, %r9, %rax, .Lmiss\sized	/* NULL misses too: window 0 */
	test	%r9, %r9
	jz	.Lmiss\sized
	sub	$GW_TAG_SMALL, %r9
	test	$GW_TAG_MASK, %r9b
	jnz	.Lnot_small\sized
	mov	%rsi, %rax			/* remember this page in set r10 */
	and	$-GW_PAGE_BYTES, %rax
	mov	%rax, GW_HEAP_FREE_KEYS(%rdi,%r10,8)
	mov	%r9, GW_HEAP_FREE_PAGES(%rdi,%r10,8)
	jmp	.Lsmall\sized
.Lnot_live\sized:			/* a slot start below bump: freed already; else invalid */
	mov	%rsi, %rax
	sub	GW_PG_SLOTS(%r9), %rax		/* below the slots: huge, fails the division */
	mov	GW_PG_MAGIC(%r9), %ecx
	imul	%rax, %rcx
	shr	$32, %rcx			/* slot index */
	imul	GW_PG_SIZE(%r9), %rcx
	cmp	%rax, %rcx
	jne	.Linvalid\sized		/* interior pointer */
	cmp	GW_PG_BUMP(%r9), %rsi
	jb	.Ldouble\sized
	jmp	.Linvalid\sized
.Lmiss\sized:
	test	%rsi, %rsi
	jz	.Lok\sized			/* free(NULL) */
	jmp	.Linvalid\sized
.Lnot_small\sized:
	mov	%r9d, %eax
	add	$GW_TAG_SMALL, %eax
	and	$GW_TAG_MASK, %eax		/* tag */
	and	$-8, %r9			/* header */
	cmp	$GW_TAG_MEDIUM, %eax
	jne	.Lnot_medium\sized
	/* medium: r9 = chunk header (medium windows are not cached: on large fragmented heaps the
	 * cache misses, and its upkeep cost more than the hits saved on interpreter traces) */
	lea	(GW_MEDIUM_FIRST_OFF + GW_MEDIUM_HDR)(%r9), %rax
	cmp	%rax, %rsi
	jb	.Linvalid\sized
	/* (no look at the chunk's end: its windows end there, and ptr is in one of them) */
	lea	-GW_MEDIUM_HDR(%rsi), %r8
	CHECK_HDR %rdi, %r8, %rcx, %rax, .Linvalid\sized
	test	$GW_FLAG_IN_USE, %cl
	jz	.Ldouble\sized
	test	$GW_FLAG_HUGE, %cl
	jnz	.Linvalid\sized
	test	$GW_FLAG_QUICK, %cl
	jnz	.Ldouble\sized		/* parked on a quick list: freed already */
.if \sized
	and	$GW_SIZE_MASK, %rcx
	sub	$GW_MEDIUM_HDR, %rcx		/* usable */
	cmp	%rcx, %rdx
	ja	.Lbadsize\sized
.endif
	mov	%r8, %rsi
	mov	%r9, %rdx
	jmp	gw_medium_free			/* accounts the free, or sets the status */
.Lnot_medium\sized:
	lea	GW_HUGE_HDR(%r9), %rcx
	cmp	%rcx, %rsi
	jne	.Linvalid\sized		/* not the pointer this window's entry names */
	cmp	$GW_TAG_HUGE_FREED, %eax
	je	.Ldouble\sized
	cmp	$GW_TAG_HUGE, %eax
	jne	.Linvalid\sized
	lea	-GW_MEDIUM_HDR(%rsi), %r8
	CHECK_HDR %rdi, %r8, %rcx, %rax, .Lcorrupt\sized
.if \sized
	and	$GW_SIZE_MASK, %rcx
	sub	$GW_MEDIUM_HDR, %rcx
	cmp	%rcx, %rdx
	ja	.Lbadsize\sized
.endif
	CHUNK_SEAL %rdi, %r9, %rax, %r10	/* its chunk header too: an overflow from the */
	cmp	GW_CH_SEAL(%r9), %eax		/* block before reaches raw first */
	jne	.Lcorrupt\sized
	mov	%r9, %rsi
	jmp	gw_huge_free
.Linvalid\sized:
	mov	$GW_E_INVALID_POINTER, %eax
	jmp	.Lfail\sized
.Ldouble\sized:
	mov	$GW_E_DOUBLE_FREE, %eax
	jmp	.Lfail\sized
.Lcorrupt\sized:
	mov	$GW_E_CORRUPT, %eax
	jmp	.Lfail\sized
.if \sized
.Lbadsize\sized:
	mov	$GW_E_INVALID_ARGUMENT, %eax
.endif
.Lfail\sized:
	mov	%rax, GW_HEAP_STATUS(%rdi)
	ret
.Lno_heap\sized:			/* NULL heap (whatever ptr is): nothing to store it in */
	mov	$GW_E_INVALID_ARGUMENT, %eax
	ret
.endm

/* int gw_heap_free(GwHeap* heap, void* ptr) */
ENTRY(gw_heap_free)
	FREE_BODY 0
END(gw_heap_free)

/* int gw_heap_free_sized(GwHeap* heap, void* ptr, size_t size) */
ENTRY(gw_heap_free_sized)
	FREE_BODY 1
END(gw_heap_free_sized)

/* int gw_huge_free(GwHeap* heap, void* ch)
 * ch: the (validated) chunk header of a live huge block.  Leaves a tombstone in the radix
 * entry so that a second free of the same pointer is reported as a double free. */
HIDDEN_ENTRY(gw_huge_free)
	PUSH_CFI(%rbx)
	PUSH_CFI(%r12)
	SUB_RSP(8)
	mov	%rdi, %rbx
	mov	%rsi, %r12
	mov	(GW_HUGE_HDR - GW_MEDIUM_HDR)(%r12), %rax	/* block word */
	and	$GW_SIZE_MASK, %rax
	sub	$GW_MEDIUM_HDR, %rax
	add	%rax, GW_HEAP_HEADROOM(%rbx)	/* live shrinks */
	incq	GW_HEAP_FREE_COUNT(%rbx)
	decq	GW_HEAP_HUGE_COUNT(%rbx)
	/* the window's entry becomes a tombstone (its nodes exist: we looked it up) */
	lea	GW_HUGE_HDR(%r12), %rsi
	mov	%rsi, %rax
	shr	$GW_RADIX_L1_SHIFT, %rax
	mov	GW_HEAP_RADIX(%rbx,%rax,8), %rax
	mov	%rsi, %rcx
	shr	$GW_RADIX_L2_SHIFT, %rcx
	and	$(GW_RADIX_NODE_COUNT - 1), %ecx
	mov	(%rax,%rcx,8), %rax
	mov	%rsi, %rcx
	shr	$GW_RADIX_L3_SHIFT, %rcx
	and	$(GW_RADIX_NODE_COUNT - 1), %ecx
	lea	GW_TAG_HUGE_FREED(%r12), %rdx
	mov	%rdx, (%rax,%rcx,8)
	mov	%rbx, %rdi
	mov	%r12, %rsi
	call	gw_chunk_unlink
	mov	%rbx, %rdi
	mov	GW_CH_RAW(%r12), %rsi
	mov	GW_CH_RAW_BYTES(%r12), %rdx
	call	gw_huge_keep			/* kept whole for the next huge request, or given back */
	xor	%eax, %eax
	ADD_RSP(8)
	POP_CFI(%r12)
	POP_CFI(%rbx)
	ret
END(gw_huge_free)

NO_EXEC_STACK
