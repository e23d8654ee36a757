/* size_class.S - small size classes and their pages.
 *
 * Class c (1..GW_SMALL_CLASSES) serves requests of 16*(c-1)+1 .. 16*c bytes from 32 KiB pages
 * of headerless 16*c-byte slots.  Each class allocates from one current page (cur[c]) until it
 * has neither a free slot nor bump space, then takes a page with free slots from its avail list,
 * else a page from the heap's page pool, else (after borrowing, below) a BARE page counted
 * again, else a new page chunk.  So consecutive
 * allocations of a class sit side by side in one page, and freed slots are reused page by page.
 *
 * Page states and lists (GW_PAGE_*): FREE pages are in the pool; the CUR page is cur[c] and on
 * no list; AVAIL pages (some free slot, not current) are on avail[c]; FULL pages are on no list.
 *   FREE -> CUR (refill), CUR -> FULL (refill), FULL -> AVAIL (a free), AVAIL -> CUR (refill),
 *   AVAIL -> FREE (its last live slot freed).  A CUR page is never given back.
 *   BARE pages (decommitted, on the bare list: chunk.S) -> FREE when a refill takes one;
 *   FREE -> BARE before the heap would grow past its peak (gw_reserve_drop).
 * Every class starts on the heap's empty_page, a page header with no slots and no bump space.
 */
#include "gw_heap.h"
#include "macros.h"
#include "snippets.h"

/* size_t gw_heap_size_class(size_t size): class of a request, 0 if it is not small. */
ENTRY(gw_heap_size_class)
	xor	%eax, %eax
	cmp	$GW_SMALL_MAX, %rdi
	ja	1f
	cmp	$1, %rdi
	adc	$0, %rdi			/* size 0 acts as 1 */
	lea	15(%rdi), %rax
	shr	$4, %rax
1:	ret
END(gw_heap_size_class)

/* size_t gw_heap_class_size(size_t cls): slot bytes of a class, 0 if there is no such class. */
ENTRY(gw_heap_class_size)
	xor	%eax, %eax
	lea	-1(%rdi), %rcx
	cmp	$(GW_SMALL_CLASSES - 1), %rcx
	ja	1f
	mov	%rdi, %rax
	shl	$4, %rax
1:	ret
END(gw_heap_class_size)

/* void* gw_small_refill(GwHeap* heap, size_t cls)
 * cur[cls] has no slot left: make another page current.  Returns the new current page header
 * (which has a free slot or bump space), or 0 with the status set (cur[cls] = empty_page). */
HIDDEN_ENTRY(gw_small_refill)
	SAVE3				/* rbx heap, r12 cls */
	mov	%rdi, %rbx
	mov	%rsi, %r12
	/* 1. the exhausted current page becomes FULL (unless it is the empty page), or, if its
	 *    end stops short of the page's (a page taken from BARE), counts its next 4 KiB */
	mov	GW_HEAP_CUR(%rbx,%r12,8), %rax
	lea	GW_HEAP_EMPTY_PAGE(%rbx), %rcx
	cmp	%rcx, %rax
	je	1f
	mov	GW_PG_BASE(%rax), %rdx
	add	$GW_PAGE_BYTES, %rdx
	cmp	%rdx, GW_PG_END(%rax)
	jb	L(extend)
	movl	$GW_PAGE_FULL, GW_PG_STATE(%rax)
	orl	$GW_PG_USED_FULL, GW_PG_USED(%rax)	/* free's decl; jle sees it (free.S) */
	mov	%rcx, GW_HEAP_CUR(%rbx,%r12,8)
1:	/* 2. a page of this class with free slots? */
	mov	%r12, %rcx
	mov	GW_HEAP_AVAIL(%rbx,%rcx,8), %rax
	test	%rax, %rax
	jnz	L(take_avail)
	/* 3. a page from the pool */
	mov	GW_HEAP_PAGE_POOL(%rbx), %rax
	test	%rax, %rax
	jnz	3f
	/* 4. no page to spare: borrow a page with free slots of one of the next GW_BORROW_CLASSES
	 *    larger classes before growing the heap.  Its slots keep their size (free and the
	 *    accounting read it from the page); it serves this class until it is exhausted. */
	lea	1(%r12), %rcx
	lea	(GW_BORROW_CLASSES + 1)(%r12), %rdx
	cmp	$(GW_SMALL_CLASSES + 1), %rdx
	jbe	21f
	mov	$(GW_SMALL_CLASSES + 1), %edx
21:	cmp	%rdx, %rcx
	jae	22f
	mov	GW_HEAP_AVAIL(%rbx,%rcx,8), %rax
	test	%rax, %rax
	jnz	L(take_avail)
	inc	%rcx
	jmp	21b
22:	/* 5. a page another class holds as its current page with no live slot in it: an empty
	 *    current page is kept for speed, but not at the price of growing the heap (it stays
	 *    in use in its chunk; that class takes another page when it next allocates) */
	lea	GW_HEAP_EMPTY_PAGE(%rbx), %rdx
	mov	$1, %ecx
23:	mov	GW_HEAP_CUR(%rbx,%rcx,8), %rax
	cmp	%rdx, %rax
	je	24f
	cmpl	$0, GW_PG_USED(%rax)
	jne	24f
	mov	%rdx, GW_HEAP_CUR(%rbx,%rcx,8)
	jmp	L(shape)
24:	inc	%ecx
	cmp	$GW_SMALL_CLASSES, %ecx
	jbe	23b
	/* 6. a BARE page, counted again (it grows the footprint by a page, not a chunk) */
	mov	GW_HEAP_BARE_PAGES(%rbx), %rsi
	test	%rsi, %rsi
	jz	25f
	mov	%rbx, %rdi
	call	gw_page_commit			/* in use in its chunk already */
	test	%rax, %rax
	jz	L(refill_fail)
	jmp	L(shape)
25:	/* 7. grow the pool by a page chunk */
	mov	%rbx, %rdi
	call	gw_pages_grow
	test	%eax, %eax
	jnz	L(refill_fail)
	mov	GW_HEAP_PAGE_POOL(%rbx), %rax
3:	LIST_UNLINK GW_HEAP_PAGE_POOL(%rbx), %rax, GW_PG_NEXT, GW_PG_PREV, %rcx, %rdx
4:	mov	GW_PG_CHUNK(%rax), %rcx
	cmpw	$0, GW_CH_USED(%rcx)
	jne	5f
	decq	GW_HEAP_EMPTY_PAGE_CHUNKS(%rbx)	/* its chunk is no longer wholly free */
	LIST_UNLINK GW_HEAP_EMPTY_PAGE_LIST(%rbx), %rcx, GW_CH_EMPTY_NEXT, GW_CH_EMPTY_PREV, %rdx, %r8
	RESERVE_USED %rbx, %rcx, %rdx
5:	incw	GW_CH_USED(%rcx)
L(shape):				/* rax: shape the page for this class (its bitmap is all zero) */
	mov	%r12, %rcx
	shl	$4, %rcx
	mov	%rcx, GW_PG_SIZE(%rax)
	movq	$0, GW_PG_FREE(%rax)
	mov	GW_PG_SLOTS(%rax), %rdx
	mov	%rdx, GW_PG_BUMP(%rax)
	movl	$0, GW_PG_USED(%rax)
	movl	%r12d, GW_PG_CLASS(%rax)
	movl	$GW_PAGE_CUR, GW_PG_STATE(%rax)
	mov	%rax, %r13
	xor	%edx, %edx			/* magic = floor(2^32 / size) + 1 */
	mov	$1, %eax
	shl	$32, %rax
	div	%rcx
	inc	%eax
	mov	%eax, GW_PG_MAGIC(%r13)
	mov	%r13, GW_HEAP_CUR(%rbx,%r12,8)
	mov	%r13, %rax
	jmp	L(refill_out)
L(take_avail):				/* rax: the first page of avail[rcx] becomes current */
	mov	GW_PG_NEXT(%rax), %rdx
	mov	%rdx, GW_HEAP_AVAIL(%rbx,%rcx,8)
	test	%rdx, %rdx
	jz	11f
	movq	$0, GW_PG_PREV(%rdx)
11:	movl	$GW_PAGE_CUR, GW_PG_STATE(%rax)
	mov	%rax, GW_HEAP_CUR(%rbx,%r12,8)
L(refill_out):
	RET3
L(extend):				/* the current page's next 4 KiB (chunk.S) */
	mov	%rbx, %rdi
	mov	%rax, %rsi
	call	gw_page_extend
	jmp	L(refill_out)
L(refill_fail):
	xor	%eax, %eax
	jmp	L(refill_out)
END(gw_small_refill)

/* void gw_small_page_event(GwHeap* heap, void* page)
 * Called by free when a non-current page was FULL (it gets a free slot: onto avail; free has
 * cleared GW_PG_USED_FULL already) or lost its last live slot (it leaves avail for the pool; a wholly free page chunk beyond the reserve goes
 * back to the source). */
HIDDEN_ENTRY(gw_small_page_event)
	SAVE3
	mov	%rdi, %rbx
	mov	%rsi, %r12
	mov	GW_PG_CLASS(%r12), %r13d
	cmpl	$GW_PAGE_FULL, GW_PG_STATE(%r12)
	jne	1f
	/* 1. FULL -> AVAIL: push on avail[cls] */
	movl	$GW_PAGE_AVAIL, GW_PG_STATE(%r12)
	lea	GW_HEAP_AVAIL(%rbx,%r13,8), %rdx
	LIST_PUSH (%rdx), %r12, GW_PG_NEXT, GW_PG_PREV, %rax
1:	cmpl	$0, GW_PG_USED(%r12)
	jne	L(event_out)
	/* 2. AVAIL and empty: unlink from avail[cls], push on the pool */
	lea	GW_HEAP_AVAIL(%rbx,%r13,8), %rdx
	LIST_UNLINK (%rdx), %r12, GW_PG_NEXT, GW_PG_PREV, %rax, %rcx
	movl	$GW_PAGE_FREE, GW_PG_STATE(%r12)
	LIST_PUSH GW_HEAP_PAGE_POOL(%rbx), %r12, GW_PG_NEXT, GW_PG_PREV, %rax
	/* 3. its chunk wholly free? kept as a spare or given back (RESERVE_KEEP) */
	mov	GW_PG_CHUNK(%r12), %rsi
	decw	GW_CH_USED(%rsi)
	jnz	L(event_out)
	RESERVE_KEEP %rsi, %rbx, GW_HEAP_EMPTY_PAGE_CHUNKS, %rax, %rcx, 6f
	mov	%rbx, %rdi
	call	gw_chunk_retire
	jmp	L(event_out)
6:	incq	GW_HEAP_EMPTY_PAGE_CHUNKS(%rbx)
	LIST_PUSH GW_HEAP_EMPTY_PAGE_LIST(%rbx), %rsi, GW_CH_EMPTY_NEXT, GW_CH_EMPTY_PREV, %rax
L(event_out):
	RET3
END(gw_small_page_event)

NO_EXEC_STACK
