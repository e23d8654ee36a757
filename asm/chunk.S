/* chunk.S - memory from and back to the chunk source; the radix tree; page and medium chunks.
 *
 * Every byte the heap holds passes through gw_chunk_get / gw_chunk_put, which keep
 * footprint_bytes exact and refuse (GW_E_LIMIT) before memory_limit would be exceeded.  The
 * default source (config.chunk_alloc == NULL) is anonymous mmap (KERNEL_CALL); a 32 KiB aligned
 * request is mapped at its size, and if that came unaligned, over-maps by 28 KiB and unmaps
 * the slack, so the footprint stays exact.  A
 * custom source that returns an unaligned chunk is asked once more for 32 KiB extra.
 *
 * Invariants kept here:
 *   footprint_bytes = heap record + radix nodes + sum of every chunk's raw bytes
 *   every window of a page / medium chunk has its radix entry while the chunk is held
 *   a page chunk's pages are each in the page pool (state FREE) or assigned to one class
 */
#include "gw_heap.h"
#include "macros.h"
#include "snippets.h"
#include "bare.h"

#define PROT_RW 3
#define MAP_PRIVATE_ANON 0x22

/* LIMIT_CHECK heap, bytes, tmp, fail: jump to fail if footprint + bytes > memory_limit. */
.macro LIMIT_CHECK heap, bytes, tmp, tmp2, fail
	mov	GW_HEAP_LIMIT(\heap), \tmp2
	test	\tmp2, \tmp2
	jz	1f
	mov	GW_HEAP_FOOTPRINT(\heap), \tmp
	add	\bytes, \tmp
	jc	\fail
	cmp	\tmp2, \tmp
	ja	\fail
1:
.endm

/* COUNTED heap, bytes, flag, out: the bytes of a chunk request that count in the footprint at
 * once: all of them, but if the source can decommit only the first page of a page chunk (flag
 * 2: its other pages start BARE, gw_pages_grow), and, without a memory_limit, only the first
 * and last 4 KiB of a medium chunk (flag 3: its one free block starts BARE, gw_medium_grow). */
.macro COUNTED heap, bytes, flag, out
	mov	\bytes, \out
	cmp	$2, \flag
	jb	.Lcounted\@
	CAN_DECOMMIT \heap, .Lcounted\@
	mov	$GW_PAGE_BYTES, \out
	cmp	$2, \flag
	je	.Lcounted\@
	mov	\bytes, \out
	cmpq	$0, GW_HEAP_LIMIT(\heap)
	jne	.Lcounted\@
	mov	$8192, \out
.Lcounted\@:
.endm

/* void* gw_chunk_get(GwHeap* heap, size_t bytes, int align32k)
 * align32k: 0 none, 1 a 32 KiB aligned region, 2 the same for a page chunk, 3 for a medium
 * chunk: only what COUNTED says counts (limit, footprint, peak), and the default source faults
 * in only the first 32 KiB (flag 2) or 4 KiB (flag 3) at once; GW_CHUNK_GROWING (4): none,
 * for a huge block a realloc grows, which may take a kept chunk of any size that fits.
 * Every way in.  A request that would take the footprint past its ceiling (footprint_ceiling:
 * the peak the heap needed and a slack, PEAK_FOLLOWS) first gives back wholly free chunks kept
 * in reserve (gw_reserve_drop): the reserve saves chunk source calls while the heap breathes
 * below its ceiling, but never takes the peak past it.
 * in: rdi heap, rsi bytes (multiple of 4096), edx non-zero for a 32 KiB aligned region
 * out: rax region start (0 on failure, status set), rdx raw pointer, rcx raw bytes
 * clobbers: caller-saved registers */
HIDDEN_ENTRY(gw_chunk_get)
	SAVE5				/* rbx heap, r12 bytes wanted, r13 align flag, then aligned base, r14 raw pointer, r15 raw bytes */
	mov	%rdi, %rbx
	mov	%rsi, %r12
	mov	%edx, %r13d
	/* 0. a huge request: a kept chunk of bytes to bytes * 5/4, the newest first, is taken
	 *    whole (it is in the footprint already: no limit check, no peak, no syscall).  Flag 4,
	 *    a block a realloc grows: of any size, one with room to grow by half first (a chunk
	 *    just big enough would be left at the next step, a copy each time) */
	mov	%r12, %rdx
	shr	$2, %rdx
	add	%r12, %rdx			/* the most bytes worth taking */
	mov	%rdx, %r14			/* the same for a dormant one (step 1) */
	mov	%r12, %r8			/* the fewest */
	cmp	$GW_CHUNK_GROWING, %r13d
	jne	9f
	mov	$-1, %rdx
	lea	4096(%r12,%r12), %r14		/* growing: room for its next doubling, whole */
	xor	%r13d, %r13d			/* unaligned from here on */
	shr	$1, %r8
	add	%r12, %r8			/* first pass: room to grow by half */
9:	test	%r13d, %r13d
	jnz	L(not_kept)
10:	mov	GW_HEAP_HUGE_KEPT_COUNT(%rbx), %rsi
8:	test	%rsi, %rsi
	jz	11f
	dec	%rsi
	mov	%rsi, %rcx
	shl	$4, %rcx
	mov	(GW_HEAP_HUGE_KEPT + 8)(%rbx,%rcx), %r15
	cmp	%r8, %r15
	jb	8b
	cmp	%rdx, %r15
	ja	8b
	mov	GW_HEAP_HUGE_KEPT(%rbx,%rcx), %r14
	mov	%rbx, %rdi
	call	gw_huge_kept_remove
	mov	%r14, %rax
	mov	%r14, %rdx
	mov	%r15, %rcx
	jmp	L(out)
11:	cmp	%r12, %r8			/* growing, after its first pass: any that fits */
	mov	%r12, %r8
	jne	10b
L(not_kept):
	/*    growing past the footprint ceiling: give back reserve chunks first */
	COUNTED %rbx, %r12, %r13d, %rsi
	mov	%rbx, %rdi
	mov	$1, %edx
	call	gw_reserve_drop
	cmpq	$0, GW_HEAP_CHUNK_ALLOC(%rbx)
	jne	L(custom)
	mov	%rbx, %rdi			/* chunks given back go before any is taken again */
	call	gw_release_flush

	/* 1. default source: a dormant chunk of this size if one is wanted and there (the newest
	 *    first: a bounded scan of at most GW_DORMANT_MAX entries, cheaper than one syscall),
	 *    else mmap (over-mapping when alignment is wanted) */
	COUNTED %rbx, %r12, %r13d, %rdx
	LIMIT_CHECK %rbx, %rdx, %rax, %rcx, L(limit)
	test	%r13d, %r13d
	jz	L(huge_dormant)
	cmp	$GW_CHUNK_BYTES, %r12
	ja	L(map)
	mov	%r12, %rdx
	shr	$GW_PAGE_SHIFT, %rdx		/* the pages wanted: an entry's low bits */
	mov	GW_HEAP_DORMANT_COUNT(%rbx), %rax
6:	test	%rax, %rax
	jz	L(map)
	dec	%rax
	mov	GW_HEAP_DORMANT(%rbx,%rax,8), %r14
	mov	%r14, %rcx
	and	$(GW_PAGE_BYTES - 1), %ecx
	cmp	%rdx, %rcx
	jne	6b
	xor	%r14, %rcx			/* the address */
	mov	GW_HEAP_DORMANT_COUNT(%rbx), %rdx
	dec	%rdx				/* the last entry fills the hole */
	mov	%rdx, GW_HEAP_DORMANT_COUNT(%rbx)
	mov	GW_HEAP_DORMANT(%rbx,%rdx,8), %rdx
	mov	%rdx, GW_HEAP_DORMANT(%rbx,%rax,8)
	mov	%rcx, %r14
	mov	%r12, %r15
	mov	%r14, %rdi			/* metadata area zero, as from a fresh mmap */
	mov	$(4096 / 8), %ecx
	xor	%eax, %eax
	rep stosq
	jmp	L(exact)
L(huge_dormant):			/* unaligned: a huge dormant chunk of bytes to bytes * 5/4, cut to
					 * bytes; growing: to 2 * bytes + 4096, whole (r14, step 0) */
	mov	%r14, %rdx			/* the most bytes worth taking */
	mov	GW_HEAP_HUGE_DORMANT_COUNT(%rbx), %rax
7:	test	%rax, %rax
	jz	L(map)
	dec	%rax
	mov	%rax, %rcx
	shl	$4, %rcx
	mov	(GW_HEAP_HUGE_DORMANT + 8)(%rbx,%rcx), %r15
	cmp	%r12, %r15
	jb	7b
	cmp	%rdx, %r15
	ja	7b
	LIMIT_CHECK %rbx, %r15, %rsi, %rdi, L(map)	/* with its spare part, if that cannot be cut */
	mov	GW_HEAP_HUGE_DORMANT(%rbx,%rcx), %r14
	mov	GW_HEAP_HUGE_DORMANT_COUNT(%rbx), %rdx
	dec	%rdx				/* the last entry fills the hole */
	mov	%rdx, GW_HEAP_HUGE_DORMANT_COUNT(%rbx)
	shl	$4, %rdx
	mov	GW_HEAP_HUGE_DORMANT(%rbx,%rdx), %rsi
	mov	%rsi, GW_HEAP_HUGE_DORMANT(%rbx,%rcx)
	mov	(GW_HEAP_HUGE_DORMANT + 8)(%rbx,%rdx), %rsi
	mov	%rsi, (GW_HEAP_HUGE_DORMANT + 8)(%rbx,%rcx)
	/*    the pages past bytes go back, so that only what was asked for counts (if munmap
	 *    refuses, the whole range is used and counted); a growing block keeps them to grow
	 *    into (only a growing block takes a chunk past bytes * 5/4) */
	cmp	%r12, %r15
	je	L(exact)
	mov	%r12, %rax
	shr	$2, %rax
	add	%r12, %rax
	cmp	%rax, %r15
	ja	L(exact)
	lea	(%r14,%r12), %rdi
	mov	%r15, %rsi
	sub	%r12, %rsi
	KERNEL_CALL munmap
	test	%rax, %rax
	jnz	L(exact)
	mov	%r12, %r15
	jmp	L(exact)
L(map):
	mov	%r12, %r15			/* the exact size first, aligned or not */
1:	mov	$MAP_PRIVATE_ANON, %r10d
	xor	%edi, %edi
	mov	%r15, %rsi
	mov	$PROT_RW, %edx
	mov	$-1, %r8
	xor	%r9d, %r9d
	KERNEL_CALL mmap
	cmp	$-4096, %rax
	ja	L(nomem)			/* -errno */
	mov	%rax, %r14
	test	%r13d, %r13d
	jz	L(exact)
	/*    Aligned wanted.  The kernel places mappings top down, next to the last one: after
	 *    32 KiB aligned chunks a new one mostly comes aligned too, in one syscall.  Else it
	 *    goes back and the over-map below (three syscalls) aligns it. */
	cmp	%r12, %r15
	jne	9f				/* over-mapped already */
	test	$(GW_PAGE_BYTES - 1), %eax
	jz	9f
	mov	%r14, %rdi
	KERNEL_CALL munmap
	add	$(GW_PAGE_BYTES - 4096), %r15
	jmp	1b
9:	pushq	%r13				/* the align flag, for step 3 */
	.cfi_adjust_cfa_offset 8
	/* 2. trim the over-map to [base, base + bytes) */
	lea	(GW_PAGE_BYTES - 1)(%r14), %r13
	and	$-GW_PAGE_BYTES, %r13		/* base */
	mov	%r13, %rsi
	sub	%r14, %rsi			/* head slack */
	jz	2f
	mov	%r14, %rdi
	KERNEL_CALL munmap
2:	lea	(%r13,%r12), %rdi		/* end of what we keep */
	lea	(%r14,%r15), %rsi
	sub	%rdi, %rsi			/* tail slack */
	jz	3f
	KERNEL_CALL munmap
3:	/* 3. fault in at once what is used first: a medium chunk's header page (flag 3), a page
	 *    chunk's first page (flag 2: the others are BARE until a refill takes them,
	 *    gw_page_commit).  Not the slack, and not an aligned huge block's chunk (flag 1): huge
	 *    blocks stay lazy, and most of its room for the alignment goes back unused
	 *    (gw_huge_alloc).  A kernel without MADV_POPULATE_WRITE faults lazily. */
	popq	%r8				/* the flag (KERNEL_CALL keeps r8) */
	.cfi_adjust_cfa_offset -8
	cmp	$2, %r8d
	jb	32f				/* flag 1: an aligned huge block, lazy too */
	mov	%r13, %rdi
	mov	$GW_PAGE_BYTES, %esi
	je	31f
	mov	$4096, %esi			/* flag 3: the medium chunk's header page */
31:	mov	$MADV_POPULATE_WRITE, %edx
	KERNEL_CALL madvise
32:	mov	%r13, %r14
	mov	%r12, %r15
	mov	%r8, %r13			/* the flag again */
L(exact):
	mov	%r14, %rax
L(account):				/* rax base, r14 raw, r15 raw bytes, r13d the flag */
	COUNTED %rbx, %r12, %r13d, %rdx	/* the BARE pages of a page chunk do not count */
	sub	%r12, %rdx
	add	%r15, %rdx
	FOOTPRINT_GROWS %rbx, %rdx, %rcx, %rsi
	mov	%r14, %rdx
	mov	%r15, %rcx
L(out):
	RET5

	.cfi_adjust_cfa_offset 40
	.cfi_rel_offset %rbx, 32
	.cfi_rel_offset %r12, 24
	.cfi_rel_offset %r13, 16
	.cfi_rel_offset %r14, 8
	.cfi_rel_offset %r15, 0
L(custom):
	/* 3. custom source: ask for bytes; if an aligned region was wanted and the answer is not
	 *    aligned, give it back and ask for bytes + 32 KiB */
	mov	%r12, %r15
	COUNTED %rbx, %r12, %r13d, %rdx
	LIMIT_CHECK %rbx, %rdx, %rax, %rcx, L(limit)
	mov	GW_HEAP_CHUNK_USER(%rbx), %rdi
	mov	%r15, %rsi
	call	*GW_HEAP_CHUNK_ALLOC(%rbx)
	test	%rax, %rax
	jz	L(nomem)
	mov	%rax, %r14
	test	$15, %al
	jnz	L(custom_bad)
	test	%r13d, %r13d
	jz	L(exact)
	test	$(GW_PAGE_BYTES - 1), %eax
	jz	L(exact)
	mov	GW_HEAP_CHUNK_USER(%rbx), %rdi
	mov	%r14, %rsi
	mov	%r15, %rdx
	call	*GW_HEAP_CHUNK_FREE(%rbx)
	lea	GW_PAGE_BYTES(%r12), %r15
	COUNTED %rbx, %r12, %r13d, %rdx
	add	$GW_PAGE_BYTES, %rdx
	LIMIT_CHECK %rbx, %rdx, %rax, %rcx, L(limit)
	mov	GW_HEAP_CHUNK_USER(%rbx), %rdi
	mov	%r15, %rsi
	call	*GW_HEAP_CHUNK_ALLOC(%rbx)
	test	%rax, %rax
	jz	L(nomem)
	mov	%rax, %r14
	test	$15, %al
	jnz	L(custom_bad)
	lea	(GW_PAGE_BYTES - 1)(%r14), %rax
	and	$-GW_PAGE_BYTES, %rax
	jmp	L(account)
L(custom_bad):				/* not even 16-byte aligned: unusable */
	mov	GW_HEAP_CHUNK_USER(%rbx), %rdi
	mov	%r14, %rsi
	mov	%r15, %rdx
	call	*GW_HEAP_CHUNK_FREE(%rbx)
L(nomem):
	SET_STATUS %rbx, GW_E_NOMEM
	xor	%eax, %eax
	jmp	L(out)
L(limit):
	SET_STATUS %rbx, GW_E_LIMIT
	xor	%eax, %eax
	jmp	L(out)
END(gw_chunk_get)

/* void gw_chunk_put(GwHeap* heap, void* raw, size_t raw_bytes)
 * Gives a chunk back to the source and takes it off the footprint.  Default source: a 32 KiB
 * aligned chunk of whole pages, at most GW_CHUNK_BYTES, is given back with madvise(MADV_FREE)
 * (the kernel takes its pages when it needs them) and remembered as address | pages, up to
 * GW_DORMANT_MAX, so that the next chunk request of that size reuses the address range without
 * a fault if the pages are still there.  Its madvise waits in heap->releasing while the chunks
 * given back next border on it (gw_release_flush).  Other chunks of GW_HUGE_DORMANT_MIN_BYTES to
 * GW_HUGE_DORMANT_MAX_BYTES go to gw_huge_dormant_put; anything else is unmapped, and so is
 * every chunk once gw_heap_destroy has closed the dormant lists (a count of GW_DORMANT_MAX + 1). */
HIDDEN_ENTRY(gw_chunk_put)
	sub	%rdx, GW_HEAP_FOOTPRINT(%rdi)
	mov	GW_HEAP_CHUNK_FREE(%rdi), %rax
	cmpq	$0, GW_HEAP_CHUNK_ALLOC(%rdi)
	jne	1f
	cmp	$GW_CHUNK_BYTES, %rdx
	ja	2f
	mov	%esi, %eax
	or	%edx, %eax
	test	$(GW_PAGE_BYTES - 1), %eax
	jnz	2f
	mov	GW_HEAP_DORMANT_COUNT(%rdi), %r9
	cmp	$GW_DORMANT_MAX, %r9
	jae	2f
	mov	%rdx, %rax
	shr	$GW_PAGE_SHIFT, %rax
	or	%rsi, %rax			/* address | pages */
	mov	%rax, GW_HEAP_DORMANT(%rdi,%r9,8)
	inc	%r9
	mov	%r9, GW_HEAP_DORMANT_COUNT(%rdi)
	/*    its MADV_FREE joins the range waiting when it borders on it, else that range goes
	 *    first; a range of GW_RELEASE_BATCH_BYTES or more goes at once */
	lea	(%rsi,%rdx), %rax		/* the chunk's end */
	cmp	(GW_HEAP_RELEASING + 8)(%rdi), %rsi
	je	5f
	cmp	GW_HEAP_RELEASING(%rdi), %rax
	je	6f
	PUSH_CFI(%rsi)
	PUSH_CFI(%rax)
	PUSH_CFI(%rdi)
	call	gw_release_flush
	POP_CFI(%rdi)
	POP_CFI(%rax)
	POP_CFI(%rsi)
	mov	%rsi, GW_HEAP_RELEASING(%rdi)
5:	mov	%rax, (GW_HEAP_RELEASING + 8)(%rdi)
	jmp	7f
6:	mov	%rsi, GW_HEAP_RELEASING(%rdi)
7:	mov	(GW_HEAP_RELEASING + 8)(%rdi), %rax
	sub	GW_HEAP_RELEASING(%rdi), %rax
	cmp	$GW_RELEASE_BATCH_BYTES, %rax
	jae	gw_release_flush
	ret
2:	cmpq	$GW_DORMANT_MAX, GW_HEAP_DORMANT_COUNT(%rdi)
	ja	4f				/* closed by gw_heap_destroy: every chunk is unmapped */
	cmp	$GW_HUGE_DORMANT_MIN_BYTES, %rdx
	jb	4f
	cmp	$GW_HUGE_DORMANT_MAX_BYTES, %rdx
	jbe	gw_huge_dormant_put
4:	mov	%rsi, %rdi
	mov	%rdx, %rsi
	KERNEL_CALL munmap
	ret
1:	SUB_RSP(8)
	mov	GW_HEAP_CHUNK_USER(%rdi), %rdi
	call	*%rax
	ADD_RSP(8)
	ret
END(gw_chunk_put)

/* void gw_release_flush(GwHeap* heap)
 * The dormant chunks gw_chunk_put gave back and left waiting (heap->releasing) go to the
 * kernel: madvise(MADV_FREE) over their range, or MADV_DONTNEED where there is no MADV_FREE
 * (the range stays mapped and dormant either way).  Clobbers rax rcx rdx rsi r11. */
HIDDEN_ENTRY(gw_release_flush)
	mov	GW_HEAP_RELEASING(%rdi), %rax
	mov	(GW_HEAP_RELEASING + 8)(%rdi), %rsi
	movq	$0, GW_HEAP_RELEASING(%rdi)
	movq	$0, (GW_HEAP_RELEASING + 8)(%rdi)
	sub	%rax, %rsi
	jz	1f
	PUSH_CFI(%rdi)
	mov	%rax, %rdi
	mov	$MADV_FREE, %edx
	KERNEL_CALL madvise
	test	%rax, %rax
	jz	2f
	mov	$MADV_DONTNEED, %edx
	KERNEL_CALL madvise
2:	POP_CFI(%rdi)
1:	ret
END(gw_release_flush)

/* size_t gw_dormant_fit(GwHeap* heap, size_t pages, size_t least)
 * The pages a new page or medium chunk of `pages` should ask for: `pages` if a dormant chunk of
 * that size is there or none of least to pages - 1 pages is, else the most pages of a dormant
 * chunk in that range.  A heap that grew past 8 MiB once, emptied and is built again asks for
 * 8-page chunks while its dormant ones (from when it was small) hold 4-7: without this, those
 * stay unused and every page is mapped and faulted in anew.  A bounded scan, as in
 * gw_chunk_get.  Leaf. */
HIDDEN_ENTRY(gw_dormant_fit)
	mov	%rsi, %rax
	xor	%r8d, %r8d			/* the most pages below `pages` seen */
	mov	GW_HEAP_DORMANT_COUNT(%rdi), %rcx
1:	test	%rcx, %rcx
	jz	2f
	dec	%rcx
	mov	GW_HEAP_DORMANT(%rdi,%rcx,8), %r9
	and	$(GW_PAGE_BYTES - 1), %r9d
	cmp	%rsi, %r9
	je	3f				/* an exact fit: gw_chunk_get takes it */
	ja	1b
	cmp	%rdx, %r9
	jb	1b
	cmp	%r8, %r9
	cmova	%r9, %r8
	jmp	1b
2:	test	%r8, %r8
	cmovnz	%r8, %rax
3:	ret
END(gw_dormant_fit)

/* void gw_huge_dormant_put(GwHeap* heap, void* raw, size_t bytes)
 * A big chunk of the default source (taken off the footprint already) goes back with
 * madvise(MADV_FREE) and is remembered in huge_dormant[]: a program that frees a huge block and
 * asks for one a little bigger, over and over (a text built by appends), then reuses the
 * address range instead of mapping and faulting in every page each time.  When the list is
 * full its first entry is unmapped and replaced. */
HIDDEN_ENTRY(gw_huge_dormant_put)
	SAVE3				/* rbx heap, r12 raw, r13 bytes */
	mov	%rdi, %rbx
	mov	%rsi, %r12
	mov	%rdx, %r13
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	mov	$MADV_FREE, %edx
	KERNEL_CALL madvise
	test	%rax, %rax
	jnz	L(hd_unmap)			/* no MADV_FREE here: unmap instead */
	mov	GW_HEAP_HUGE_DORMANT_COUNT(%rbx), %rax
	cmp	$GW_HUGE_DORMANT_MAX, %rax
	jb	1f
	mov	GW_HEAP_HUGE_DORMANT(%rbx), %rdi
	mov	(GW_HEAP_HUGE_DORMANT + 8)(%rbx), %rsi
	KERNEL_CALL munmap
	xor	%eax, %eax			/* entry 0 is replaced */
	jmp	2f
1:	incq	GW_HEAP_HUGE_DORMANT_COUNT(%rbx)
2:	shl	$4, %rax
	mov	%r12, GW_HEAP_HUGE_DORMANT(%rbx,%rax)
	mov	%r13, (GW_HEAP_HUGE_DORMANT + 8)(%rbx,%rax)
	RET3
L(hd_unmap):
	mov	%r12, %rdi
	mov	%r13, %rsi
	KERNEL_CALL munmap
	RET3
END(gw_huge_dormant_put)

/* void gw_huge_keep(GwHeap* heap, void* raw, size_t bytes)
 * The chunk of a huge block just freed (off the chunk list already).  With the default source,
 * a chunk of at most GW_HUGE_DORMANT_MAX_BYTES is kept whole, still counted, for the next huge
 * request of its size (gw_chunk_get, step 0), while the kept chunks with it hold at most 3/4 of
 * the peak footprint or GW_HUGE_KEPT_FLOOR bytes, whichever is more, and number at most
 * GW_HUGE_KEPT_MAX: the oldest go back to make room.  Any
 * other chunk goes back at once (gw_chunk_put).  See GW_HUGE_KEPT_MAX in gw_heap.h. */
HIDDEN_ENTRY(gw_huge_keep)
	cmpq	$0, GW_HEAP_CHUNK_ALLOC(%rdi)
	jne	gw_chunk_put
	cmpq	$GW_DORMANT_MAX, GW_HEAP_DORMANT_COUNT(%rdi)
	ja	gw_chunk_put			/* closed by gw_heap_destroy */
	cmp	$GW_HUGE_DORMANT_MAX_BYTES, %rdx
	ja	gw_chunk_put
	SAVE3				/* rbx heap, r12 raw, r13 bytes */
	mov	%rdi, %rbx
	mov	%rsi, %r12
	mov	%rdx, %r13
1:	mov	GW_HEAP_HUGE_KEPT_COUNT(%rbx), %rcx
	mov	%r13, %rax			/* the kept bytes with this chunk */
	mov	%rcx, %rdx
2:	test	%rdx, %rdx
	jz	3f
	dec	%rdx
	mov	%rdx, %rsi
	shl	$4, %rsi
	add	(GW_HEAP_HUGE_KEPT + 8)(%rbx,%rsi), %rax
	jmp	2b
3:	cmp	$GW_HUGE_KEPT_FLOOR, %rax	/* a small heap may keep this much anyway */
	jbe	7f
	shl	$2, %rax
	mov	GW_HEAP_PEAK_FOOTPRINT(%rbx), %rdx
	lea	(%rdx,%rdx,2), %rdx
	cmp	%rdx, %rax			/* 4 kept > 3 peak: no room */
	ja	4f
7:	cmp	$GW_HUGE_KEPT_MAX, %rcx
	jb	5f
4:	test	%rcx, %rcx			/* no room: the oldest goes back, if there is one */
	jz	6f
	mov	%rbx, %rdi
	call	gw_huge_kept_drop
	jmp	1b
5:	lea	1(%rcx), %rax
	mov	%rax, GW_HEAP_HUGE_KEPT_COUNT(%rbx)
	shl	$4, %rcx
	mov	%r12, GW_HEAP_HUGE_KEPT(%rbx,%rcx)
	mov	%r13, (GW_HEAP_HUGE_KEPT + 8)(%rbx,%rcx)
	RET3
6:	mov	%rbx, %rdi
	mov	%r12, %rsi
	mov	%r13, %rdx
	call	gw_chunk_put
	RET3
END(gw_huge_keep)

/* int gw_huge_kept_fits(const GwHeap* heap, size_t bytes): non-zero when a kept huge chunk
 * holds bytes or more (gw_chunk_get with GW_CHUNK_GROWING takes such a chunk first when bytes
 * is half as much again as its request).  Clobbers rcx rdx. */
HIDDEN_ENTRY(gw_huge_kept_fits)
	mov	GW_HEAP_HUGE_KEPT_COUNT(%rdi), %rcx
	xor	%eax, %eax
1:	test	%rcx, %rcx
	jz	2f
	dec	%rcx
	mov	%rcx, %rdx
	shl	$4, %rdx
	cmp	%rsi, (GW_HEAP_HUGE_KEPT + 8)(%rdi,%rdx)
	jb	1b
	mov	$1, %eax
2:	ret
END(gw_huge_kept_fits)

/* void gw_huge_kept_remove(GwHeap* heap, size_t index)
 * Entry `index` leaves huge_kept[] (the later ones move down: the list stays oldest first).
 * Leaf; clobbers rax rcx rsi. */
HIDDEN_ENTRY(gw_huge_kept_remove)
	mov	GW_HEAP_HUGE_KEPT_COUNT(%rdi), %rcx
	dec	%rcx
	mov	%rcx, GW_HEAP_HUGE_KEPT_COUNT(%rdi)
	shl	$4, %rsi
	shl	$4, %rcx
1:	cmp	%rcx, %rsi
	jae	2f
	mov	(GW_HEAP_HUGE_KEPT + 16)(%rdi,%rsi), %rax
	mov	%rax, GW_HEAP_HUGE_KEPT(%rdi,%rsi)
	mov	(GW_HEAP_HUGE_KEPT + 24)(%rdi,%rsi), %rax
	mov	%rax, (GW_HEAP_HUGE_KEPT + 8)(%rdi,%rsi)
	add	$16, %rsi
	jmp	1b
2:	ret
END(gw_huge_kept_remove)

/* void gw_huge_kept_drop(GwHeap* heap)
 * The oldest kept huge chunk (there is one) goes back: off the footprint, then huge dormant
 * (gw_chunk_put).  Clobbers caller-saved registers. */
HIDDEN_ENTRY(gw_huge_kept_drop)
	mov	GW_HEAP_HUGE_KEPT(%rdi), %r8
	mov	(GW_HEAP_HUGE_KEPT + 8)(%rdi), %r9
	xor	%esi, %esi
	call	gw_huge_kept_remove		/* keeps rdi r8 r9 */
	mov	%r8, %rsi
	mov	%r9, %rdx
	jmp	gw_chunk_put
END(gw_huge_kept_drop)

/* void gw_huge_dormant_clear(GwHeap* heap): every kept and every dormant huge chunk is
 * unmapped (the kept ones leave the footprint). */
HIDDEN_ENTRY(gw_huge_dormant_clear)
	PUSH_CFI(%rbx)
	mov	%rdi, %rbx
3:	mov	GW_HEAP_HUGE_KEPT_COUNT(%rbx), %rax
	test	%rax, %rax
	jz	1f
	dec	%rax
	mov	%rax, GW_HEAP_HUGE_KEPT_COUNT(%rbx)
	shl	$4, %rax
	mov	GW_HEAP_HUGE_KEPT(%rbx,%rax), %rdi
	mov	(GW_HEAP_HUGE_KEPT + 8)(%rbx,%rax), %rsi
	sub	%rsi, GW_HEAP_FOOTPRINT(%rbx)
	KERNEL_CALL munmap
	jmp	3b
1:	mov	GW_HEAP_HUGE_DORMANT_COUNT(%rbx), %rax
	test	%rax, %rax
	jz	2f
	dec	%rax
	mov	%rax, GW_HEAP_HUGE_DORMANT_COUNT(%rbx)
	shl	$4, %rax
	mov	GW_HEAP_HUGE_DORMANT(%rbx,%rax), %rdi
	mov	(GW_HEAP_HUGE_DORMANT + 8)(%rbx,%rax), %rsi
	KERNEL_CALL munmap
	jmp	1b
2:	POP_CFI(%rbx)
	ret
END(gw_huge_dormant_clear)

/* size_t gw_huge_shrink(GwHeap* heap, void* ch, size_t size)
 * Shrinks the live huge block of chunk header ch in place to hold size bytes (at most its
 * usable size) while size is still a huge request: the whole 4 KiB pages past
 * round_up(64 + size, 4096) go back with munmap and leave the footprint and the live bytes.
 * Unless size needs as many pages as the block's last request (GW_CH_ASKED) or more: then it
 * is a buffer growing inside a chunk bigger than it asked for (a kept one, gw_chunk_get), and
 * it stays whole, asking for this many now.
 * Only for the default source (a custom one takes back whole chunks only) and an unaligned
 * block (ch is its raw chunk; an aligned block's chunk owns whole radix windows).
 * Returns the bytes given back (0: none, or munmap refused and nothing changed), or -1 when
 * this does not apply (the caller moves the block or keeps it).  Leaf. */
HIDDEN_ENTRY(gw_huge_shrink)
	mov	$-1, %rax
	cmpq	$0, GW_HEAP_CHUNK_ALLOC(%rdi)
	jne	1f
	cmp	GW_CH_RAW(%rsi), %rsi
	jne	1f
	cmp	$(GW_MEDIUM_MAX_BLOCK - GW_MEDIUM_HDR), %rdx
	jbe	1f
	mov	%rdi, %r8			/* KERNEL_CALL keeps r8 r9 rdx */
	mov	%rsi, %r9
	lea	(GW_HUGE_HDR + 4095)(%rdx), %rdx
	and	$-4096, %rdx			/* bytes kept */
	mov	%rdx, %rcx
	shr	$12, %rcx			/* pages asked for now */
	movzwl	GW_CH_ASKED(%r9), %eax
	cmp	$0xffff, %rcx
	jbe	4f
	xor	%ecx, %ecx			/* more than a u16 holds: none kept */
4:	cmp	%rax, %rcx
	jb	3f
	test	%eax, %eax
	jz	3f
	mov	%cx, GW_CH_ASKED(%r9)		/* growing: stays whole */
	jmp	2f
3:	mov	%cx, GW_CH_ASKED(%r9)		/* a shrink: the block holds what it asks for */
	mov	GW_CH_RAW_BYTES(%r9), %rsi
	sub	%rdx, %rsi			/* bytes given back */
	jz	2f
	lea	(%r9,%rdx), %rdi
	KERNEL_CALL munmap
	test	%rax, %rax
	jnz	2f
	mov	%rdx, GW_CH_RAW_BYTES(%r9)
	lea	(%r9,%rdx), %rax
	mov	%rax, GW_CH_END(%r9)
	CHUNK_SEAL %r8, %r9, %rax, %r10
	mov	%eax, GW_CH_SEAL(%r9)
	sub	%rsi, GW_HEAP_FOOTPRINT(%r8)
	add	%rsi, GW_HEAP_HEADROOM(%r8)	/* live shrinks */
	lea	-(GW_HUGE_HDR - GW_MEDIUM_HDR)(%rdx), %rcx
	or	$(GW_FLAG_IN_USE | GW_FLAG_HUGE), %rcx
	lea	(GW_HUGE_HDR - GW_MEDIUM_HDR)(%r9), %rdi
	SET_HDR %r8, %rdi, %rcx, %rax
	mov	%rsi, %rax
1:	ret
2:	xor	%eax, %eax
	ret
END(gw_huge_shrink)

#define SYS_MREMAP 25
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#define PROT_NONE 0
#define MAP_NORESERVE 0x4000

/* void* gw_huge_remap(GwHeap* heap, void* ch, size_t size)
 * Grows the live huge block of chunk header ch to hold size bytes without a copy and without
 * holding old and new memory at once: its pages move with mremap(MREMAP_MAYMOVE |
 * MREMAP_FIXED) onto a range reserved first, so the footprint grows by the difference only.
 *   1. only the default source and an unaligned block (ch is its raw chunk); else 0, status
 *      unchanged (the caller allocates, copies and frees)
 *   2. bytes = round_up(64 + size, 4096); as gw_chunk_get: growing past the ceiling gives back
 *      reserve chunks first, then memory_limit for the growth; reserve bytes of address space
 *      (PROT_NONE, never touched: no memory)
 *   3. the radix slot of the new pointer's window (a node may be needed, and fail)
 *   4. memory_limit again (for the node)
 *   5. the move, onto the reserved range (the chunk is off the chunk list meanwhile)
 *   6. chunk header, block header (its check word names the new address), the new window's
 *      entry and a tombstone in the old one (freeing the old pointer is a double free, as after
 *      a copy); footprint, peak and live bytes grow by the difference
 * Returns the new user pointer, or 0 with the status set and the old block as it was.  If the
 * move itself fails (the kernel is out of memory), the kernel may have unmapped the reserved
 * range already and another thread may have mapped there since, so the range is left alone:
 * at worst it stays reserved, untouched address space.
 * A ThreadSanitizer build (GW_KERNEL_CALLS_VIA_LIBC) always returns 0 at step 1: TSan does not
 * intercept mremap and would keep the old range's shadow state. */
HIDDEN_ENTRY(gw_huge_remap)
#ifdef GW_KERNEL_CALLS_VIA_LIBC
	xor	%eax, %eax
	ret
#else
	cmpq	$0, GW_HEAP_CHUNK_ALLOC(%rdi)
	jne	1f
	cmp	GW_CH_RAW(%rsi), %rsi
	jne	1f
	mov	$GW_MAX_REQUEST, %rax
	cmp	%rax, %rdx
	jbe	2f
1:	xor	%eax, %eax
	ret
2:	SAVE5				/* rbx heap, r12 ch, r13 bytes, r14 reserved range, r15 growth */
	PUSH_CFI(%rbp)			/* the new window's radix slot */
	SUB_RSP(8)
	mov	%rdi, %rbx
	mov	%rsi, %r12
	lea	(GW_HUGE_HDR + 4095)(%rdx), %r13
	and	$-4096, %r13
	mov	%r13, %r15
	sub	GW_CH_RAW_BYTES(%r12), %r15
	/* 2. as gw_chunk_get: growing past the ceiling gives back reserve chunks first; the limit
	 *    (checked again at 4: a radix node may have been added) */
	mov	%rbx, %rdi
	mov	%r15, %rsi
	call	gw_reserve_drop
	LIMIT_CHECK %rbx, %r15, %rax, %rcx, L(rm_limit_early)
	/*    the range to move onto */
	xor	%edi, %edi
	mov	%r13, %rsi
	mov	$PROT_NONE, %edx
	mov	$(MAP_PRIVATE_ANON | MAP_NORESERVE), %r10d
	mov	$-1, %r8
	xor	%r9d, %r9d
	KERNEL_CALL mmap
	cmp	$-4096, %rax
	ja	L(rm_nomem)
	mov	%rax, %r14
	/* 3. its radix slot */
	mov	%rbx, %rdi
	lea	GW_HUGE_HDR(%r14), %rsi
	call	gw_radix_slot
	test	%rax, %rax
	jz	L(rm_unreserve)			/* status set */
	mov	%rax, %rbp
	/* 4. the limit again */
	LIMIT_CHECK %rbx, %r15, %rax, %rcx, L(rm_limit)
	/* 5. the move */
	mov	%rbx, %rdi
	mov	%r12, %rsi
	call	gw_chunk_unlink
	mov	%r12, %rdi
	mov	GW_CH_RAW_BYTES(%r12), %rsi
	mov	%r13, %rdx
	mov	$(MREMAP_MAYMOVE | MREMAP_FIXED), %r10d
	mov	%r14, %r8
	mov	$SYS_MREMAP, %eax
	syscall
	cmp	$-4096, %rax
	ja	L(rm_failed)
	/* 6. the chunk at its new place */
	mov	%rbx, %rdi
	lea	GW_HUGE_HDR(%r12), %rsi
	call	gw_radix_slot			/* the old window's: its nodes exist */
	lea	GW_TAG_HUGE_FREED(%r12), %rcx
	mov	%rcx, (%rax)
	lea	GW_TAG_HUGE(%r14), %rcx
	mov	%rcx, (%rbp)
	mov	%r14, GW_CH_RAW(%r14)
	mov	%r13, GW_CH_RAW_BYTES(%r14)
	mov	%r13, %rcx
	shr	$12, %rcx			/* the pages asked for (0: more than a u16 holds) */
	xor	%eax, %eax
	cmp	$0xffff, %rcx
	cmova	%eax, %ecx
	mov	%cx, GW_CH_ASKED(%r14)
	lea	(%r14,%r13), %rax
	mov	%rax, GW_CH_END(%r14)
	CHUNK_SEAL %rbx, %r14, %rax, %rcx
	mov	%eax, GW_CH_SEAL(%r14)
	mov	%rbx, %rdi
	mov	%r14, %rsi
	call	gw_chunk_link
	lea	(GW_HUGE_HDR - GW_MEDIUM_HDR)(%r14), %rsi
	lea	-(GW_HUGE_HDR - GW_MEDIUM_HDR)(%r13), %rcx
	or	$(GW_FLAG_IN_USE | GW_FLAG_HUGE), %rcx
	SET_HDR %rbx, %rsi, %rcx, %rax
	FOOTPRINT_GROWS %rbx, %r15, %rax, %rcx
	LIVE_GROWS %rbx, %r15
	lea	GW_HUGE_HDR(%r14), %rax
L(rm_out):
	.cfi_remember_state
	ADD_RSP(8)
	POP_CFI(%rbp)
	RET5
	.cfi_restore_state
L(rm_limit):
	SET_STATUS %rbx, GW_E_LIMIT
L(rm_unreserve):
	mov	%r14, %rdi
	mov	%r13, %rsi
	KERNEL_CALL munmap
	xor	%eax, %eax
	jmp	L(rm_out)
L(rm_limit_early):
	SET_STATUS %rbx, GW_E_LIMIT
	xor	%eax, %eax
	jmp	L(rm_out)
L(rm_failed):				/* the old block is as it was: back on the list */
	mov	%rbx, %rdi
	mov	%r12, %rsi
	call	gw_chunk_link
L(rm_nomem):
	SET_STATUS %rbx, GW_E_NOMEM
	xor	%eax, %eax
	jmp	L(rm_out)
#endif
END(gw_huge_remap)

/* NODE_PAGE node, slot, limit: the 4 KiB page of radix node `node` that holds `slot` counts in
 * the footprint from now on (gw_radix_slot): at once if it did already or the node is not in
 * radix_pages[] (it counts whole); else jumps to `limit` if counting it would pass
 * memory_limit.  rbx is the heap.  Clobbers rcx rdx r8 r9. */
.macro NODE_PAGE node, slot, limit
	mov	\slot, %rcx
	sub	\node, %rcx
	shr	$12, %ecx			/* the page of the node: 0..3 */
	mov	$1, %edx
	shl	%cl, %edx
	xor	%ecx, %ecx
.Lnode_page_find\@:
	mov	GW_HEAP_RADIX_PAGES(%rbx,%rcx,8), %r8
	mov	%r8, %r9
	and	$-4096, %r9
	cmp	\node, %r9
	je	.Lnode_page_found\@
	inc	%ecx
	cmp	$GW_RADIX_TRACKED, %ecx
	jb	.Lnode_page_find\@
	jmp	.Lnode_page_counts\@		/* not tracked: it counts whole */
.Lnode_page_found\@:
	test	%edx, %r8d
	jnz	.Lnode_page_counts\@
	LIMIT_CHECK %rbx, $4096, %r8, %r9, \limit
	or	%rdx, GW_HEAP_RADIX_PAGES(%rbx,%rcx,8)
	FOOTPRINT_GROWS %rbx, $4096, %r8, %r9
.Lnode_page_counts\@:
.endm

/* uintptr_t* gw_radix_slot(GwHeap* heap, uintptr_t addr)
 * The L3 slot for addr's window, creating missing nodes; 0 (status set) if a node cannot be
 * had, a node page would pass memory_limit, or addr is outside the 47-bit space.  The caller
 * writes the slot.
 *
 * Radix nodes of the default source come straight from mmap and count in the footprint a
 * 4 KiB page at a time, as their slots are first handed out for writing (the kernel gives a
 * page only once it is written, and a heap of a few MiB writes one page of each node).  The
 * heap remembers which pages of them count in radix_pages[] (node | a bit per page), for the
 * first GW_RADIX_TRACKED nodes; a node beyond those, or one from a custom source, counts
 * whole (heap::verify adds them up from the tree). */
HIDDEN_ENTRY(gw_radix_slot)
	SAVE3				/* rbx heap, r12 addr, r13 the slot being filled in */
	mov	%rdi, %rbx
	mov	%rsi, %r12
	mov	%r12, %rax
	shr	$GW_RADIX_L1_SHIFT, %rax
	cmp	$GW_RADIX_L1_COUNT, %rax
	jae	L(slot_far)
	lea	GW_HEAP_RADIX(%rbx,%rax,8), %r13
	mov	(%r13), %rax
	test	%rax, %rax
	jnz	1f
	xor	%esi, %esi			/* (the L1 array is in the heap record) */
	call	L(new_node)
	test	%rax, %rax
	jz	L(slot_out)
	mov	%rax, (%r13)
1:	mov	%r12, %rcx
	shr	$GW_RADIX_L2_SHIFT, %rcx
	and	$(GW_RADIX_NODE_COUNT - 1), %ecx
	lea	(%rax,%rcx,8), %r13
	mov	%rax, %rsi			/* the L2 node: its page that will hold r13 counts */
	mov	(%r13), %rax
	test	%rax, %rax
	jnz	2f
	call	L(new_node)
	test	%rax, %rax
	jz	L(slot_out)
	mov	%rax, (%r13)
2:	mov	%r12, %rcx
	shr	$GW_RADIX_L3_SHIFT, %rcx
	and	$(GW_RADIX_NODE_COUNT - 1), %ecx
	lea	(%rax,%rcx,8), %r13
	NODE_PAGE %rax, %r13, L(slot_limit)
	mov	%r13, %rax
L(slot_out):
	RET3
L(slot_far):
	SET_STATUS %rbx, GW_E_NOMEM
	xor	%eax, %eax
	jmp	L(slot_out)
L(slot_limit):
	SET_STATUS %rbx, GW_E_LIMIT
	xor	%eax, %eax
	jmp	L(slot_out)

/* local: rax = a new zeroed radix node, or 0 (status set).  rsi: for an L3 node, the L2 node
 * whose slot r13 will point to it (that slot's page counts first); 0 for an L2 node (its
 * entry is in the heap record).  A default-source node takes a free radix_pages[] entry when
 * there is one and comes from mmap uncounted (its pages count as they are written:
 * NODE_PAGE); else it comes from gw_chunk_get and counts whole.  Called with rsp aligned
 * minus 8 (one return address). */
L(new_node):
	.cfi_adjust_cfa_offset 8
	SUB_RSP(8)
	test	%rsi, %rsi
	jz	L(node_new)
	NODE_PAGE %rsi, %r13, 7f
L(node_new):
	cmpq	$0, GW_HEAP_CHUNK_ALLOC(%rbx)
	jne	L(node_whole)
	xor	%ecx, %ecx			/* a free radix_pages[] entry? */
2:	cmpq	$0, GW_HEAP_RADIX_PAGES(%rbx,%rcx,8)
	je	3f
	inc	%ecx
	cmp	$GW_RADIX_TRACKED, %ecx
	jb	2b
	jmp	L(node_whole)
3:	mov	%rcx, (%rsp)			/* the free entry, in the frame's pad (KERNEL_CALL takes rcx) */
	xor	%edi, %edi
	mov	$GW_RADIX_NODE_BYTES, %esi
	mov	$PROT_RW, %edx
	mov	$MAP_PRIVATE_ANON, %r10d
	mov	$-1, %r8
	xor	%r9d, %r9d
	KERNEL_CALL mmap
	cmp	$-4096, %rax
	ja	8f
	mov	(%rsp), %rcx
	mov	%rax, GW_HEAP_RADIX_PAGES(%rbx,%rcx,8)
	incq	GW_HEAP_RADIX_NODES(%rbx)
	movabs	$GW_NODE_SUM_FACTOR, %rcx
	imul	%rax, %rcx
	add	%rcx, GW_HEAP_RADIX_NODE_SUM(%rbx)
	jmp	9f
7:	SET_STATUS %rbx, GW_E_LIMIT
	xor	%eax, %eax
	jmp	9f
8:	SET_STATUS %rbx, GW_E_NOMEM
	xor	%eax, %eax
	jmp	9f
L(node_whole):
	mov	%rbx, %rdi
	mov	$GW_RADIX_NODE_BYTES, %esi
	xor	%edx, %edx
	call	gw_chunk_get
	test	%rax, %rax
	jz	9f
	incq	GW_HEAP_RADIX_NODES(%rbx)
	movabs	$GW_NODE_SUM_FACTOR, %rcx
	imul	%rax, %rcx
	add	%rcx, GW_HEAP_RADIX_NODE_SUM(%rbx)
	cmpq	$0, GW_HEAP_CHUNK_ALLOC(%rbx)
	je	9f				/* mmap memory is already zero */
	mov	%rax, %rdx
	mov	%rax, %rdi
	mov	$(GW_RADIX_NODE_BYTES / 8), %ecx
	xor	%eax, %eax
	rep stosq
	mov	%rdx, %rax
9:	ADD_RSP(8)
	ret
	.cfi_adjust_cfa_offset -8
END(gw_radix_slot)

/* int gw_radix_fill(GwHeap* heap, uintptr_t start, size_t windows, uintptr_t entry, size_t step)
 * Window i of [start, ...) gets entry + i * step.  GW_OK, or the status of the node allocation
 * that failed (the windows set so far are cleared again). */
HIDDEN_ENTRY(gw_radix_fill)
	SAVE5				/* rbx heap, r12 start, r13 windows left, r14 entry, r15 step */
	PUSH_CFI(%rbp)			/* windows done */
	SUB_RSP(8)
	mov	%rdi, %rbx
	mov	%rsi, %r12
	mov	%rdx, %r13
	mov	%rcx, %r14
	mov	%r8, %r15
	xor	%ebp, %ebp
1:	test	%r13, %r13
	jz	2f
	mov	%rbx, %rdi
	mov	%rbp, %rsi
	shl	$GW_PAGE_SHIFT, %rsi
	add	%r12, %rsi
	call	gw_radix_slot
	test	%rax, %rax
	jz	3f
	mov	%r14, (%rax)
	add	%r15, %r14
	inc	%rbp
	dec	%r13
	jmp	1b
2:	xor	%eax, %eax
	jmp	4f
3:	mov	%rbx, %rdi
	mov	%r12, %rsi
	mov	%rbp, %rdx
	call	gw_radix_clear
	mov	GW_HEAP_STATUS(%rbx), %eax
4:	ADD_RSP(8)
	POP_CFI(%rbp)
	RET5
END(gw_radix_fill)

/* void gw_radix_clear(GwHeap* heap, uintptr_t start, size_t windows)
 * Zeroes the entries of windows whose nodes exist, and empties free's radix cache.  Leaf. */
HIDDEN_ENTRY(gw_radix_clear)
	FREE_CACHE_EMPTY %rdi, %rax
1:	test	%rdx, %rdx
	jz	2f
	RADIX_LOOKUP %rdi, %rsi, %rax, %rcx, 3f
	mov	%rsi, %rcx
	shr	$GW_RADIX_L2_SHIFT, %rcx
	and	$(GW_RADIX_NODE_COUNT - 1), %ecx
	mov	%rsi, %rax
	shr	$GW_RADIX_L1_SHIFT, %rax
	mov	GW_HEAP_RADIX(%rdi,%rax,8), %rax
	mov	(%rax,%rcx,8), %rax
	mov	%rsi, %rcx
	shr	$GW_RADIX_L3_SHIFT, %rcx
	and	$(GW_RADIX_NODE_COUNT - 1), %ecx
	cmpq	$0, (%rax,%rcx,8)
	je	3f				/* never written: its node page may not count */
	movq	$0, (%rax,%rcx,8)
3:	add	$GW_PAGE_BYTES, %rsi
	dec	%rdx
	jmp	1b
2:	ret
END(gw_radix_clear)

/* LINK_CHUNK heap, ch, tmp: push chunk header ch on the heap's chunk list. */
.macro LINK_CHUNK heap, ch, tmp
	mov	GW_HEAP_CHUNKS(\heap), \tmp
	mov	\tmp, GW_CH_NEXT(\ch)
	movq	$0, GW_CH_PREV(\ch)
	test	\tmp, \tmp
	jz	9f
	mov	\ch, GW_CH_PREV(\tmp)
9:	mov	\ch, GW_HEAP_CHUNKS(\heap)
.endm

/* void gw_chunk_link(GwHeap* heap, void* ch) - exported to huge allocation.  Leaf. */
HIDDEN_ENTRY(gw_chunk_link)
	LINK_CHUNK %rdi, %rsi, %rax
	ret
END(gw_chunk_link)

/* void gw_chunk_unlink(GwHeap* heap, void* ch) - off the heap's chunk list.  Leaf. */
HIDDEN_ENTRY(gw_chunk_unlink)
	mov	GW_CH_NEXT(%rsi), %rax
	mov	GW_CH_PREV(%rsi), %rcx
	test	%rax, %rax
	jz	1f
	mov	%rcx, GW_CH_PREV(%rax)
1:	test	%rcx, %rcx
	jz	2f
	mov	%rax, GW_CH_NEXT(%rcx)
	ret
2:	mov	%rax, GW_HEAP_CHUNKS(%rdi)
	ret
END(gw_chunk_unlink)

/* CHUNK_PAGES heap, out, shift, min: the pages a new page or medium chunk gets, growing with
 * the heap: peak footprint >> shift in whole pages, at least min and at most
 * GW_PAGES_PER_CHUNK.  So a heap grows in steps of 128 KiB, or about 1/32 of its size when
 * that is more, and holds about one such step of unused pages per kind; from 8 MiB on every
 * chunk is GW_CHUNK_BYTES.  The peak, not the current footprint: a heap that was big once and is
 * rebuilt takes big chunks again (fewer chunk source calls). */
.macro CHUNK_PAGES heap, out, shift, min
	mov	GW_HEAP_PEAK_FOOTPRINT(\heap), \out
	shr	$(\shift + GW_PAGE_SHIFT), \out
	cmp	$GW_PAGES_PER_CHUNK, \out
	jbe	1f
	mov	$GW_PAGES_PER_CHUNK, \out
1:	cmp	$\min, \out
	jae	2f
	mov	$\min, \out
2:
.endm

/* int gw_chunk_claim(GwHeap* heap, void* ch)
 * For a walk of the chunk list that gives every chunk back (gw_heap_destroy):
 *   0  ch is no chunk of this heap: the radix entry of the window of ch + 64 (page 0's header,
 *      a medium chunk's first block, a huge chunk's block) does not name it.  Nothing is read
 *      through ch: the link that led here may be one an overflow wrote.
 *   1  ch is a chunk with an intact header: its seal (GW_CH_SEAL) holds, so raw and raw bytes
 *      are what the source handed out.
 *   2  ch is a chunk (its memory is there to read) whose header is damaged: not to be given
 *      back, but its next link may still be followed (the next call checks where it leads).
 * For 1 and 2 the entry is cleared, so a damaged link back to a chunk met already gets 0.
 * Leaf. */
HIDDEN_ENTRY(gw_chunk_claim)
	lea	GW_CH_BYTES(%rsi), %rdx
	mov	%rdx, %rax
	shr	$GW_RADIX_L1_SHIFT, %rax
	cmp	$GW_RADIX_L1_COUNT, %rax
	jae	L(claim_no)
	mov	GW_HEAP_RADIX(%rdi,%rax,8), %rax
	test	%rax, %rax
	jz	L(claim_no)
	mov	%rdx, %rcx
	shr	$GW_RADIX_L2_SHIFT, %rcx
	and	$(GW_RADIX_NODE_COUNT - 1), %ecx
	mov	(%rax,%rcx,8), %rax
	test	%rax, %rax
	jz	L(claim_no)
	shr	$GW_RADIX_L3_SHIFT, %rdx
	and	$(GW_RADIX_NODE_COUNT - 1), %edx
	lea	(%rax,%rdx,8), %r8		/* the entry's slot */
	mov	(%r8), %rax
	mov	%eax, %ecx
	and	$GW_TAG_MASK, %ecx
	and	$-8, %rax			/* the header it names */
	cmp	$GW_TAG_SMALL, %ecx
	jne	1f
	sub	$GW_CH_BYTES, %rax		/* page 0's header: its chunk */
	jmp	2f
1:	cmp	$GW_TAG_MEDIUM, %ecx
	je	2f
	cmp	$GW_TAG_HUGE, %ecx
	jne	L(claim_no)
2:	cmp	%rsi, %rax
	jne	L(claim_no)
	movq	$0, (%r8)
	CHUNK_SEAL %rdi, %rsi, %rax, %rcx
	cmp	GW_CH_SEAL(%rsi), %eax
	mov	$1, %eax
	mov	$2, %ecx
	cmovne	%ecx, %eax
	ret
L(claim_no):
	xor	%eax, %eax
	ret
END(gw_chunk_claim)

/* void* gw_chunk_new(GwHeap* heap, int kind, size_t entry_off, size_t step, size_t bytes)
 * A page or medium chunk of `bytes` (a multiple of GW_PAGE_BYTES, at most GW_CHUNK_BYTES for a
 * page chunk), 32 KiB aligned, from the source: window i of it gets the radix entry
 * chunk + entry_off + i * step, its header is written (kind, no page used, end = chunk + bytes)
 * and it joins the heap's chunk list.  Returns the chunk, or 0 with the status set (the memory
 * goes back if the radix tree could not grow). */
HIDDEN_ENTRY(gw_chunk_new)
	SAVE5				/* rbx heap, r12 the chunk, r13 entry offset, then raw, r14 step, then raw bytes, r15 kind */
	PUSH_CFI(%rbp)			/* bytes */
	SUB_RSP(8)
	mov	%rdi, %rbx
	mov	%esi, %r15d
	mov	%rdx, %r13
	mov	%rcx, %r14
	mov	%r8, %rbp
	mov	%r8, %rsi
	mov	$2, %edx			/* a page chunk (COUNTED) */
	cmp	$GW_KIND_PAGES, %r15d
	je	11f
	mov	$3, %edx			/* a medium chunk */
11:	call	gw_chunk_get
	test	%rax, %rax
	jz	L(new_out)
	mov	%rax, %r12
	/* 1. radix: window i -> chunk + entry_off + i * step */
	lea	(%r12,%r13), %r9
	mov	%r14, %r8
	mov	%rdx, %r13
	mov	%rcx, %r14
	mov	%r9, %rcx
	mov	%rbx, %rdi
	mov	%r12, %rsi
	mov	%rbp, %rdx
	shr	$GW_PAGE_SHIFT, %rdx		/* windows */
	call	gw_radix_fill
	test	%eax, %eax
	jnz	L(new_giveback)
	/* 2. the chunk header; onto the chunk list */
	mov	%r13, GW_CH_RAW(%r12)
	mov	%r14, GW_CH_RAW_BYTES(%r12)
	movw	%r15w, GW_CH_KIND(%r12)
	movw	$0, GW_CH_USED(%r12)
	lea	(%r12,%rbp), %rax
	mov	%rax, GW_CH_END(%r12)
	CHUNK_SEAL %rbx, %r12, %rax, %rcx
	mov	%eax, GW_CH_SEAL(%r12)
	LINK_CHUNK %rbx, %r12, %rax
	mov	%r12, %rax
L(new_out):
	ADD_RSP(8)
	POP_CFI(%rbp)
	RET5
	.cfi_adjust_cfa_offset 16
	.cfi_rel_offset %rbp, 8
L(new_giveback):			/* the status says why */
	mov	$2, %edx			/* gw_chunk_put takes off the raw bytes: count */
	cmp	$GW_KIND_PAGES, %r15d		/* what gw_chunk_get left uncounted first */
	je	12f
	mov	$3, %edx
12:	COUNTED %rbx, %rbp, %edx, %rax
	sub	%rbp, %rax
	sub	%rax, GW_HEAP_FOOTPRINT(%rbx)
	mov	%rbx, %rdi
	mov	%r13, %rsi
	mov	%r14, %rdx
	call	gw_chunk_put
	xor	%eax, %eax
	jmp	L(new_out)
END(gw_chunk_new)

/* int gw_pages_grow(GwHeap* heap)
 * A new page chunk of CHUNK_PAGES pages: page 0 (its slots start after the chunk header and
 * the page headers) goes to the page pool, state FREE; the others too if the source cannot
 * decommit, else they start BARE on the bare list, not counted in the footprint (the default
 * source never faulted them in; a custom one is told with chunk_decommit), so the heap grows
 * by a page at a time in footprint while it asks the source for few, large chunks.  Every
 * bitmap is empty.  GW_OK or the status of the failure. */
HIDDEN_ENTRY(gw_pages_grow)
	SAVE5				/* rbx heap, r12 chunk, r14 may decommit, r15 page index */
	mov	%rdi, %rbx
	xor	%r14d, %r14d
	CAN_DECOMMIT %rbx, 1f
	mov	$1, %r14d
1:	CHUNK_PAGES %rbx, %rsi, GW_CHUNK_GROWTH_SHIFT, GW_CHUNK_MIN_PAGES
	mov	%rbx, %rdi
	mov	$GW_CHUNK_MIN_PAGES, %edx
	call	gw_dormant_fit
	mov	%rax, %r15
	mov	%r15, %r8
	shl	$GW_PAGE_SHIFT, %r8		/* bytes */
	mov	$GW_KIND_PAGES, %esi
	mov	$(GW_CH_BYTES + GW_TAG_SMALL), %edx	/* window i -> page header i | SMALL */
	mov	$GW_PG_HDR_BYTES, %ecx
	call	gw_chunk_new
	test	%rax, %rax
	jz	L(pg_fail)
	mov	%rax, %r12
	incq	GW_HEAP_PAGE_CHUNK_COUNT(%rbx)
	incq	GW_HEAP_EMPTY_PAGE_CHUNKS(%rbx)
	LIST_PUSH GW_HEAP_EMPTY_PAGE_LIST(%rbx), %r12, GW_CH_EMPTY_NEXT, GW_CH_EMPTY_PREV, %rax
	mov	%r12, GW_HEAP_FRESH_CHUNK(%rbx)
	/* page headers, pushed on their list from the last page down so page 0 comes first */
	imul	$GW_PG_HDR_BYTES, %r15, %r8
	add	$GW_CH_BYTES, %r8		/* metadata bytes: page 0's first slot */
	dec	%r15
5:	mov	%r15, %rdx
	shl	$GW_PAGE_SHIFT, %rdx
	add	%r12, %rdx			/* page base */
	imul	$GW_PG_HDR_BYTES, %r15, %rsi
	lea	GW_CH_BYTES(%r12,%rsi), %rsi	/* page header, in page 0's first 4 KiB */
	mov	%rdx, GW_PG_BASE(%rsi)
	mov	%rdx, %rax			/* slots: page 0 starts past the metadata */
	test	%r15, %r15
	jnz	51f
	add	%r8, %rax
51:	mov	%rax, GW_PG_SLOTS(%rsi)
	mov	%rax, GW_PG_BUMP(%rsi)
	lea	GW_PAGE_BYTES(%rdx), %rax
	mov	%rax, GW_PG_END(%rsi)
	movq	$0, GW_PG_FREE(%rsi)
	movq	$GW_ALIGN, GW_PG_SIZE(%rsi)
	movl	$0, GW_PG_USED(%rsi)
	movl	$1, GW_PG_CLASS(%rsi)
	movl	$0x10000001, GW_PG_MAGIC(%rsi)
	mov	%r12, GW_PG_CHUNK(%rsi)
	cmpq	$0, GW_HEAP_CHUNK_ALLOC(%rbx)
	je	6f				/* mmap memory is already zero */
	lea	GW_PG_BITMAP(%rsi), %rdi
	mov	$((GW_PG_HDR_BYTES - GW_PG_BITMAP) / 8), %ecx
	xor	%eax, %eax
	rep stosq
6:	test	%r15, %r15
	jz	7f
	test	%r14d, %r14d
	jz	7f
	movl	$GW_PAGE_BARE, GW_PG_STATE(%rsi)	/* never counted (gw_chunk_get) */
	LIST_PUSH GW_HEAP_BARE_PAGES(%rbx), %rsi, GW_PG_NEXT, GW_PG_PREV, %rax
	jmp	71f
7:	movl	$GW_PAGE_FREE, GW_PG_STATE(%rsi)
	LIST_PUSH GW_HEAP_PAGE_POOL(%rbx), %rsi, GW_PG_NEXT, GW_PG_PREV, %rax
71:	dec	%r15
	jns	5b
	/* a custom source hears which pages are not needed yet */
	cmpq	$0, GW_HEAP_CHUNK_ALLOC(%rbx)
	je	72f
	test	%r14d, %r14d
	jz	72f
	mov	GW_CH_END(%r12), %rdx
	lea	GW_PAGE_BYTES(%r12), %rsi
	sub	%rsi, %rdx
	jz	72f
	mov	GW_HEAP_CHUNK_USER(%rbx), %rdi
	call	*GW_HEAP_CHUNK_DECOMMIT(%rbx)
72:	xor	%eax, %eax
L(pg_out):
	RET5
L(pg_fail):
	mov	GW_HEAP_STATUS(%rbx), %eax
	jmp	L(pg_out)
END(gw_pages_grow)

/* A BARE page taken into use counts PAGE_COMMIT_STEP bytes of its slot memory at a time
 * (only without a memory_limit): a class's current page holds up to 32 KiB of slots not handed
 * out yet, and those need not count before they are used. */
#define PAGE_COMMIT_STEP 4096

/* void* gw_page_commit(GwHeap* heap, void* pg)
 * The BARE page pg leaves the bare list and counts again: it becomes a used page of its chunk
 * (state FREE: the caller shapes it for its class); past the ceiling it gives back what
 * gw_reserve_drop can first, and only then is memory_limit checked (a heap that emptied its
 * medium chunks at the limit gives them back for pages); the default source faults its bytes in at
 * once when they are more than one 4 KiB page (a fault costs about what a syscall does, and
 * without memory_limit only the first PAGE_COMMIT_STEP counts now, below).  Returns pg, or 0
 * with GW_E_LIMIT set (nothing changed). */
HIDDEN_ENTRY(gw_page_commit)
	SAVE3				/* rbx heap, r12 pg, r13 the bytes that count now */
	mov	%rdi, %rbx
	mov	%rsi, %r12
	BARE_RANGE %r12, %rax, %r13
	/* 0. without a memory_limit only the first PAGE_COMMIT_STEP bytes of that count now: the
	 *    page's end stops there and moves up a step at a time (gw_page_extend) */
	cmpq	$0, GW_HEAP_LIMIT(%rbx)
	jne	0f
	add	$PAGE_COMMIT_STEP, %rax
	mov	%rax, GW_PG_END(%r12)
	mov	$PAGE_COMMIT_STEP, %r13d
0:	/* 1. off the bare list, in use in its chunk (no longer a spare if it was one, so that the
	 *    reserve given back at 2 cannot take it along) */
	LIST_UNLINK GW_HEAP_BARE_PAGES(%rbx), %r12, GW_PG_NEXT, GW_PG_PREV, %rax, %rcx
	movl	$GW_PAGE_FREE, GW_PG_STATE(%r12)
	mov	GW_PG_CHUNK(%r12), %rcx
	cmpw	$0, GW_CH_USED(%rcx)
	jne	2f
	decq	GW_HEAP_EMPTY_PAGE_CHUNKS(%rbx)
	LIST_UNLINK GW_HEAP_EMPTY_PAGE_LIST(%rbx), %rcx, GW_CH_EMPTY_NEXT, GW_CH_EMPTY_PREV, %rdx, %r8
2:	incw	GW_CH_USED(%rcx)
	/* 2. counted again; past the ceiling, what the reserve and free memory can give back first */
	mov	GW_HEAP_FOOTPRINT(%rbx), %rax
	add	%r13, %rax
	cmp	GW_HEAP_FOOTPRINT_CEILING(%rbx), %rax
	jbe	3f
	mov	%rbx, %rdi
	mov	%r13, %rsi
	mov	$1, %edx
	call	gw_reserve_drop
3:	LIMIT_CHECK %rbx, %r13, %rax, %rcx, L(commit_undo)
	FOOTPRINT_GROWS %rbx, %r13, %rax, %rcx
	cmpq	$0, GW_HEAP_CHUNK_ALLOC(%rbx)
	jne	5f
	BARE_RANGE %r12, %rdi, %rsi
	mov	$MADV_POPULATE_WRITE, %edx
	KERNEL_CALL madvise
5:	mov	%r12, %rax
L(commit_out):
	RET3
L(commit_undo):				/* over the limit: back to BARE as it was (a spare again if */
	movl	$GW_PAGE_BARE, GW_PG_STATE(%r12)	/* its chunk has no other page in use) */
	LIST_PUSH GW_HEAP_BARE_PAGES(%rbx), %r12, GW_PG_NEXT, GW_PG_PREV, %rax
	mov	GW_PG_CHUNK(%r12), %rcx
	decw	GW_CH_USED(%rcx)
	jnz	L(commit_limit)
	incq	GW_HEAP_EMPTY_PAGE_CHUNKS(%rbx)
	LIST_PUSH GW_HEAP_EMPTY_PAGE_LIST(%rbx), %rcx, GW_CH_EMPTY_NEXT, GW_CH_EMPTY_PREV, %rax
L(commit_limit):
	SET_STATUS %rbx, GW_E_LIMIT
	xor	%eax, %eax
	jmp	L(commit_out)
END(gw_page_commit)

/* void* gw_page_extend(GwHeap* heap, void* pg)
 * The current page pg has no slot left below its end, and its end stops short of the page's
 * (gw_page_commit counted only its first step): its next PAGE_COMMIT_STEP bytes count and the
 * end moves up.  Past the ceiling it first gives back what gw_reserve_drop can (as
 * gw_page_commit).  The default source faults the step in with one madvise, as gw_page_commit
 * does: its slots are handed out next, and a page's first touch costs more than the call (4x
 * on a virtual machine, see asm/README.md).
 * Only in a heap without memory_limit: it cannot fail.  Returns pg. */
HIDDEN_ENTRY(gw_page_extend)
	PUSH_CFI(%rbx)
	PUSH_CFI(%r12)
	SUB_RSP(8)
	mov	%rdi, %rbx
	mov	%rsi, %r12
	mov	GW_HEAP_FOOTPRINT(%rbx), %rax
	add	$PAGE_COMMIT_STEP, %rax
	cmp	GW_HEAP_FOOTPRINT_CEILING(%rbx), %rax
	jbe	1f
	mov	$PAGE_COMMIT_STEP, %esi
	call	gw_reserve_drop
1:	FOOTPRINT_GROWS %rbx, $PAGE_COMMIT_STEP, %rax, %rcx
	mov	GW_PG_END(%r12), %rdi		/* the step's start */
	addq	$PAGE_COMMIT_STEP, GW_PG_END(%r12)
	cmpq	$0, GW_HEAP_CHUNK_ALLOC(%rbx)
	jne	2f
	mov	$PAGE_COMMIT_STEP, %esi
	mov	$MADV_POPULATE_WRITE, %edx
	KERNEL_CALL madvise
2:	mov	%r12, %rax
	ADD_RSP(8)
	POP_CFI(%r12)
	POP_CFI(%rbx)
	ret
END(gw_page_extend)

/* void gw_page_decommit(GwHeap* heap, void* pg)
 * The FREE page pg leaves the pool and becomes BARE: its bytes go back (default source:
 * madvise MADV_FREE, or MADV_DONTNEED where that is missing; else config.chunk_decommit) and
 * leave the footprint.  Only for a heap whose source can decommit (CAN_DECOMMIT). */
HIDDEN_ENTRY(gw_page_decommit)
	SUB_RSP(8)
	LIST_UNLINK GW_HEAP_PAGE_POOL(%rdi), %rsi, GW_PG_NEXT, GW_PG_PREV, %rax, %rcx
	movl	$GW_PAGE_BARE, GW_PG_STATE(%rsi)
	LIST_PUSH GW_HEAP_BARE_PAGES(%rdi), %rsi, GW_PG_NEXT, GW_PG_PREV, %rax
	BARE_RANGE %rsi, %rax, %rdx
	mov	%rax, %rsi
	call	gw_bare_give_back
	ADD_RSP(8)
	ret
END(gw_page_decommit)

/* int gw_medium_grow(GwHeap* heap, size_t bytes)
 * A new medium chunk of CHUNK_PAGES pages, or more when a block of `bytes` (rounded up to its
 * TLSF bin boundary, at most bytes / 16 more) needs it: one free block spanning it, then the
 * end sentinel.  The block starts BARE where BARE medium blocks may be (only its first and
 * last 4 KiB count), so the footprint grows by what the blocks taken from it use.  GW_OK or the status of the failure. */
HIDDEN_ENTRY(gw_medium_grow)
	PUSH_CFI(%rbx)
	PUSH_CFI(%r12)
	SUB_RSP(8)
	mov	%rdi, %rbx
	/* 1. chunk bytes = max(CHUNK_PAGES pages, bytes + bytes / 16 + header and sentinel) */
	mov	%rsi, %r8
	shr	$GW_SL_SHIFT, %r8
	lea	(GW_MEDIUM_FIRST_OFF + GW_MEDIUM_HDR + GW_PAGE_BYTES - 1)(%rsi,%r8), %r8
	and	$-GW_PAGE_BYTES, %r8
	shr	$GW_PAGE_SHIFT, %r8		/* the pages the block needs */
	mov	%r8, %r12			/* (kept for a retry under the limit) */
	CHUNK_PAGES %rbx, %rsi, GW_MEDIUM_GROWTH_SHIFT, GW_MEDIUM_MIN_PAGES
	mov	%r8, %rdx
	cmp	%rsi, %r8
	cmova	%r8, %rsi			/* the pages wanted */
	cmp	$GW_MEDIUM_MIN_PAGES, %rdx
	jae	5f
	mov	$GW_MEDIUM_MIN_PAGES, %edx	/* the fewest worth taking */
5:	mov	%rbx, %rdi
	call	gw_dormant_fit
6:	mov	%rax, (%rsp)			/* the pages asked for */
	mov	%rax, %r8
	shl	$GW_PAGE_SHIFT, %r8
	mov	%rbx, %rdi
	mov	$GW_KIND_MEDIUM, %esi
	mov	$GW_TAG_MEDIUM, %edx		/* every window -> chunk | MEDIUM */
	xor	%ecx, %ecx
	call	gw_chunk_new
	test	%rax, %rax
	jz	L(mg_refused)
	mov	%rax, %r12
	incq	GW_HEAP_MEDIUM_CHUNK_COUNT(%rbx)
	incq	GW_HEAP_EMPTY_MEDIUM_CHUNKS(%rbx)
	LIST_PUSH GW_HEAP_EMPTY_MEDIUM_LIST(%rbx), %r12, GW_CH_EMPTY_NEXT, GW_CH_EMPTY_PREV, %rax
	mov	%r12, GW_HEAP_FRESH_CHUNK(%rbx)
	/* 2. the end sentinel: size 0, in use, its predecessor free */
	mov	GW_CH_END(%r12), %rsi
	sub	$GW_MEDIUM_HDR, %rsi
	mov	$(GW_FLAG_IN_USE | GW_FLAG_PREV_FREE), %ecx
	SET_HDR %rbx, %rsi, %rcx, %rax
	/* 3. the one free block, with its footer */
	lea	GW_MEDIUM_FIRST_OFF(%r12), %rcx
	sub	%rcx, %rsi
	mov	%rsi, %rcx			/* its size */
	lea	GW_MEDIUM_FIRST_OFF(%r12), %rsi
	FOOTER	%rbx, %rsi, %rcx, %rax
	/*    BARE (never counted: gw_chunk_get) if the source can decommit and there is no limit */
	CAN_DECOMMIT %rbx, 4f
	cmpq	$0, GW_HEAP_LIMIT(%rbx)
	jne	4f
	TOGGLE_FLAG %rsi, GW_FLAG_BARE
4:	mov	%rbx, %rdi
	call	gw_medium_insert
	xor	%eax, %eax
L(mg_out):
	ADD_RSP(8)
	POP_CFI(%r12)
	POP_CFI(%rbx)
	ret
	.cfi_adjust_cfa_offset 24
	.cfi_rel_offset %rbx, 16
	.cfi_rel_offset %r12, 8
L(mg_refused):
	/* memory_limit refused more pages than the block needs (under a limit a medium chunk counts
	 * whole): the fewest that hold it, so a heap capped at 1 MiB does not fail a 10 KB request
	 * with 120 KiB of its limit unused */
	cmpl	$GW_E_LIMIT, GW_HEAP_STATUS(%rbx)
	jne	L(mg_fail)
	cmp	%r12, (%rsp)
	jbe	L(mg_fail)
	mov	%r12, %rax
	jmp	6b
L(mg_fail):
	mov	GW_HEAP_STATUS(%rbx), %eax
	jmp	L(mg_out)
END(gw_medium_grow)

/* void gw_chunk_release(GwHeap* heap, void* ch)
 * Gives back a wholly free page or medium chunk: its pages leave the pool or the bare list (or its one free
 * block leaves the bins), its windows leave the radix tree, then the memory goes back. */
HIDDEN_ENTRY(gw_chunk_release)
	SAVE3
	mov	%rdi, %rbx
	mov	%rsi, %r12
	cmpw	$GW_KIND_PAGES, GW_CH_KIND(%r12)
	jne	3f
	/* pages: unlink each from the pool */
	mov	GW_CH_END(%r12), %r13
	sub	%r12, %r13
	shr	$GW_PAGE_SHIFT, %r13		/* pages */
1:	dec	%r13
	imul	$GW_PG_HDR_BYTES, %r13, %rsi
	lea	GW_CH_BYTES(%r12,%rsi), %rsi
	cmpl	$GW_PAGE_BARE, GW_PG_STATE(%rsi)
	je	2f
	LIST_UNLINK GW_HEAP_PAGE_POOL(%rbx), %rsi, GW_PG_NEXT, GW_PG_PREV, %rax, %rcx
	jmp	21f
2:	/* a BARE page: counted again here, so that gw_chunk_put takes off the chunk's raw bytes */
	LIST_UNLINK GW_HEAP_BARE_PAGES(%rbx), %rsi, GW_PG_NEXT, GW_PG_PREV, %rax, %rcx
	BARE_RANGE %rsi, %rax, %rcx
	add	%rcx, GW_HEAP_FOOTPRINT(%rbx)
21:	test	%r13, %r13
	jnz	1b
	decq	GW_HEAP_PAGE_CHUNK_COUNT(%rbx)
	jmp	4f
3:	/* medium: its one free block leaves the bins (counted again first if BARE, so that
	 *    gw_chunk_put takes off the raw bytes; no peak: the bytes go back at once) */
	lea	GW_MEDIUM_FIRST_OFF(%r12), %rsi
	mov	GW_HDR_WORD_OFF(%rsi), %rdx
	UNBARE_NO_PEAK %rbx, %rsi, %rdx, %rax, %rcx, %r8
	mov	%rbx, %rdi
	call	gw_medium_remove
	decq	GW_HEAP_MEDIUM_CHUNK_COUNT(%rbx)
	/*    its two headers die: a source may hand this memory out again unwiped, and a later
	 *    chunk of this heap (same cookie) over it would take a pointer just past either one
	 *    for a block of its own, in the middle of its free space */
	lea	GW_MEDIUM_FIRST_OFF(%r12), %rsi
	notq	GW_HDR_CHECK_OFF(%rsi)
	mov	GW_CH_END(%r12), %rsi
	notq	(GW_HDR_CHECK_OFF - GW_MEDIUM_HDR)(%rsi)
4:	mov	%rbx, %rdi
	mov	%r12, %rsi
	mov	GW_CH_END(%r12), %rdx
	sub	%r12, %rdx
	shr	$GW_PAGE_SHIFT, %rdx		/* windows */
	call	gw_radix_clear
	mov	%rbx, %rdi
	mov	%r12, %rsi
	call	gw_chunk_unlink
	mov	%rbx, %rdi
	mov	GW_CH_RAW(%r12), %rsi
	mov	GW_CH_RAW_BYTES(%r12), %rdx
	call	gw_chunk_put
	RET3
END(gw_chunk_release)

/* void gw_reserve_drop(GwHeap* heap, size_t bytes, int flush)
 * Before the heap takes `bytes` more: if that would take the footprint past its ceiling
 * (footprint_ceiling: the peak it needed and a slack, PEAK_FOLLOWS in snippets.h), first
 * (flush != 0: no medium block is half taken) the medium blocks parked on quick lists coalesce
 * (gw_medium_quick_flush), then while it still would, gives
 * back a wholly free page or medium chunk kept in reserve (there are at most
 * GW_RESERVE_CHUNKS * GW_PAGES_PER_CHUNK pages of each kind), then decommits free pages of the
 * page pool (gw_page_decommit: they become BARE), then big free medium blocks
 * (gw_medium_decommit), if the source can.  So neither the reserve nor the free memory of
 * partly used chunks takes the peak past the ceiling, and what fits under it stays.  Each step
 * gives back 16 KiB or more, so there are at most about bytes / 16 KiB of them (each one
 * syscall), and only a call that would pass the ceiling takes any. */
HIDDEN_ENTRY(gw_reserve_drop)
	PUSH_CFI(%rbx)
	PUSH_CFI(%r12)
	SUB_RSP(8)
	mov	%rdi, %rbx
	mov	%rsi, %r12
	test	%edx, %edx
	jz	1f
	cmpq	$0, GW_HEAP_QUICK_COUNT(%rbx)
	je	1f
	mov	GW_HEAP_FOOTPRINT(%rbx), %rax
	add	%r12, %rax
	cmp	GW_HEAP_FOOTPRINT_CEILING(%rbx), %rax
	jbe	4f
	call	gw_medium_quick_flush
1:	mov	GW_HEAP_FOOTPRINT(%rbx), %rax
	add	%r12, %rax
	cmp	GW_HEAP_FOOTPRINT_CEILING(%rbx), %rax
	jbe	4f
	/* kept huge chunks first, one call each */
	cmpq	$0, GW_HEAP_HUGE_KEPT_COUNT(%rbx)
	je	11f
12:	mov	%rbx, %rdi
	call	gw_huge_kept_drop
	jmp	1b
11:	mov	GW_HEAP_EMPTY_PAGE_LIST(%rbx), %rsi
	test	%rsi, %rsi
	jz	2f
	mov	GW_CH_EMPTY_NEXT(%rsi), %rax
	mov	%rax, GW_HEAP_EMPTY_PAGE_LIST(%rbx)
	decq	GW_HEAP_EMPTY_PAGE_CHUNKS(%rbx)
	jmp	3f
2:	mov	GW_HEAP_EMPTY_MEDIUM_LIST(%rbx), %rsi
	test	%rsi, %rsi
	jz	5f
	mov	GW_CH_EMPTY_NEXT(%rsi), %rax
	mov	%rax, GW_HEAP_EMPTY_MEDIUM_LIST(%rbx)
	decq	GW_HEAP_EMPTY_MEDIUM_CHUNKS(%rbx)
3:	test	%rax, %rax
	jz	31f
	movq	$0, GW_CH_EMPTY_PREV(%rax)
31:	mov	%rbx, %rdi
	call	gw_chunk_release
	jmp	1b
5:	/* then, if the source can take them back and the heap is not small (or the request
	 *    would pass memory_limit: a heap capped under 1 MiB must not fail a request while
	 *    free pages still count), free pages of chunks still in use... */
	CAN_DECOMMIT %rbx, 4f
	mov	GW_HEAP_LIMIT(%rbx), %rax
	test	%rax, %rax
	jz	51f
	mov	GW_HEAP_FOOTPRINT(%rbx), %rcx
	add	%r12, %rcx
	cmp	%rax, %rcx
	ja	52f
51:	SMALL_PEAK %rbx, 4f
52:
	mov	GW_HEAP_PAGE_POOL(%rbx), %rsi
	test	%rsi, %rsi
	jz	6f
	mov	%rbx, %rdi
	call	gw_page_decommit
	jmp	1b
6:	/* ...and the inner pages of big free medium blocks (not under a memory_limit) */
	cmpq	$0, GW_HEAP_LIMIT(%rbx)
	jne	4f
	mov	%rbx, %rdi
	call	gw_medium_decommit
	test	%eax, %eax
	jnz	1b
4:	ADD_RSP(8)
	POP_CFI(%r12)
	POP_CFI(%rbx)
	ret
END(gw_reserve_drop)

/* TRIM_LIST heap, list, count, keep, next: gives back the first chunk of the reserve list at
 * heap field `list` (its count at `count`) while the list holds more than `keep` pages of
 * chunks of that size; then goes on at `next`.  rbx heap, r12 keep; clobbers caller-saved. */
.macro TRIM_LIST list, count, next
1:	mov	\list(%rbx), %rsi
	test	%rsi, %rsi
	jz	\next
	mov	GW_CH_END(%rsi), %rax
	sub	%rsi, %rax
	shr	$GW_PAGE_SHIFT, %rax
	imul	\count(%rbx), %rax		/* pages held as spares of this size */
	cmp	%r12, %rax
	jbe	\next
	mov	GW_CH_EMPTY_NEXT(%rsi), %rax
	mov	%rax, \list(%rbx)
	test	%rax, %rax
	jz	2f
	movq	$0, GW_CH_EMPTY_PREV(%rax)
2:	decq	\count(%rbx)
	mov	%rbx, %rdi
	call	gw_chunk_release
	jmp	1b
.endm

/* void gw_reserve_trim(GwHeap* heap, size_t keep_pages)
 * Gives back wholly free chunks kept in reserve, the newest first, until each kind holds at
 * most keep_pages pages of them (reckoned as RESERVE_KEEP does: spares * the first one's
 * pages). */
HIDDEN_ENTRY(gw_reserve_trim)
	SAVE3				/* rbx heap, r12 pages kept */
	mov	%rdi, %rbx
	mov	%rsi, %r12
	TRIM_LIST GW_HEAP_EMPTY_PAGE_LIST, GW_HEAP_EMPTY_PAGE_CHUNKS, 3f
3:	TRIM_LIST GW_HEAP_EMPTY_MEDIUM_LIST, GW_HEAP_EMPTY_MEDIUM_CHUNKS, 4f
4:	RET3
END(gw_reserve_trim)

/* void gw_chunk_retire(GwHeap* heap, void* ch)
 * The wholly free chunk ch goes back (RESERVE_KEEP said so: the reserve has gone unused), and
 * so does every spare beyond the small reserve. */
HIDDEN_ENTRY(gw_chunk_retire)
	PUSH_CFI(%rbx)
	mov	%rdi, %rbx
	call	gw_chunk_release
	mov	%rbx, %rdi
	mov	$(GW_RESERVE_CHUNKS * GW_PAGES_PER_CHUNK), %esi
	call	gw_reserve_trim
	POP_CFI(%rbx)
	ret
END(gw_chunk_retire)

/* size_t gw_heap_trim(GwHeap* heap): every spare chunk goes back; the footprint's fall.  The
 * huge dormant chunks (not in the footprint: given back with MADV_FREE) are unmapped too.
 * NULL heap: 0. */
ENTRY(gw_heap_trim)
	test	%rdi, %rdi
	jz	L(trim_no_heap)
	PUSH_CFI(%rbx)
	PUSH_CFI(%r12)
	SUB_RSP(8)
	mov	%rdi, %rbx
	mov	GW_HEAP_FOOTPRINT(%rdi), %r12
	call	gw_medium_quick_flush		/* parked medium blocks coalesce: spares may appear */
	mov	%rbx, %rdi
	call	gw_huge_dormant_clear
	mov	%rbx, %rdi
	xor	%esi, %esi
	call	gw_reserve_trim
	mov	%rbx, %rdi
	call	gw_release_flush
	mov	%r12, %rax
	sub	GW_HEAP_FOOTPRINT(%rbx), %rax
	ADD_RSP(8)
	POP_CFI(%r12)
	POP_CFI(%rbx)
	ret
L(trim_no_heap):
	xor	%eax, %eax
	ret
END(gw_heap_trim)

NO_EXEC_STACK
