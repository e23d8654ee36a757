/* medium.S - TLSF bins, splitting and boundary-tag coalescing for medium blocks.
 *
 * Two-level segregated fit: a free block of size s lives in bin (fl, sl) with fl = bsr(s) and
 * sl = the next GW_SL_SHIFT bits of s below the top bit.  fl_bitmap bit fl is set iff
 * sl_bitmap[fl] != 0; sl_bitmap[fl] bit sl is set iff bins[fl * 16 + sl] != NULL.  A request
 * first looks at the first block of its own bin (taken if it is long enough: the closest fit
 * there is, one load); else it is rounded up to the next bin boundary, so any block of the
 * first non-empty bin at or above it fits: two bit scans, no list walk (O(1) whatever the
 * number of free blocks).
 *
 * Boundary tags: every block starts with a header (word, check); a free block also holds its
 * list links at +16/+24 and its size in its last 8 bytes.  The block after a free block has
 * PREV_FREE set, so free() coalesces both ways in O(1).  No two free blocks are adjacent.
 *
 *   gw_medium_insert(heap, hdr)            leaf: hdr (free, header written) into its bin
 *   gw_medium_remove(heap, hdr)            leaf: hdr out of its bin
 *   gw_medium_take(heap, bytes) -> hdr     a block of exactly `bytes` (or up to 63 more), in use
 *   gw_medium_trim(heap, hdr, keep) -> n   shrink an in-use block to `keep`, n bytes given back
 *   gw_medium_free(heap, hdr, chunk) -> st park on a quick list, or coalesce, bin, maybe give
 *                                          the chunk back
 *   gw_medium_unpark(heap, hdr, chunk)     a block off a quick list: coalesce and bin it
 *   gw_medium_quick_flush(heap) -> n       every parked block coalesced (at most GW_QUICK_LIMIT)
 *   gw_medium_decommit(heap) -> 0/1       past the ceiling: a big free block goes BARE
 *
 * Quick lists (deferred coalescing, gw_heap.h): a freed block of GW_QUICK_MIN_BLOCK..
 * GW_QUICK_MAX_BLOCK bytes is parked on the list of its class, QUICK and still IN_USE for its
 * neighbours, so free reads no neighbour but the next header and touches no bin; gw_heap_alloc
 * pops it for the same size (the block freed last: in cache).  Parked blocks coalesce before
 * the heap grows (a new chunk, gw_medium_take; past the footprint ceiling, gw_reserve_drop and
 * a BARE block taken past it) and in gw_heap_trim.
 *
 * BARE free blocks (GW_FLAG_BARE) have their inner pages decommitted and not counted in the
 * footprint; whoever takes or absorbs one (take, remove, the merges of free) counts it again.
 */
#include "gw_heap.h"
#include "macros.h"
#include "snippets.h"
#include "bare.h"

/* SKIP_KEPT lo, hi: gw_bare_give_back's step over a kept range [lo, hi) (nothing if hi is 0):
 * decommits [r12, min(lo, r13)) if that is not empty, then r12 = max(r12, hi).  lo and hi are
 * callee-saved registers; rbx is the heap. */
.macro SKIP_KEPT lo, hi
	test	\hi, \hi
	jz	.Lskip_kept_done\@
	mov	\lo, %rdx
	cmp	%r13, %rdx
	cmova	%r13, %rdx
	sub	%r12, %rdx
	jle	.Lskip_kept_past\@
	mov	%rbx, %rdi
	mov	%r12, %rsi
	call	gw_bare_decommit
.Lskip_kept_past\@:
	cmp	\hi, %r12
	cmovb	\hi, %r12
.Lskip_kept_done\@:
.endm

/* ONLY_BLOCK heap, hdr, bytes, chunk, tmp, no: falls through, with its chunk header in `chunk`,
 * if the medium block at hdr of `bytes` bytes is its chunk's only block (the first, reaching
 * the sentinel: the chunk is wholly free or wholly this block); else jumps to `no`. */
.macro ONLY_BLOCK heap, hdr, bytes, chunk, tmp, no
	mov	\hdr, \tmp
	and	$(GW_PAGE_BYTES - 1), \tmp
	cmp	$GW_MEDIUM_FIRST_OFF, \tmp
	jne	\no				/* not where a chunk's first block sits in a window */
	RADIX_LOOKUP \heap, \hdr, \chunk, \tmp, \no
	and	$-8, \chunk
	lea	GW_MEDIUM_FIRST_OFF(\chunk), \tmp
	cmp	\hdr, \tmp
	jne	\no				/* not the first block */
	lea	GW_MEDIUM_HDR(\hdr,\bytes), \tmp
	cmp	GW_CH_END(\chunk), \tmp
	jne	\no				/* does not reach the sentinel */
.endm

/* void gw_medium_insert(GwHeap* heap, void* hdr).  Leaf; clobbers rax rcx rdx r8. */
HIDDEN_ENTRY(gw_medium_insert)
	mov	GW_HDR_WORD_OFF(%rsi), %rdx
	and	$GW_SIZE_MASK, %rdx
	BIN_INSERT %rdi, %rsi, %rdx, %r8, %rax
	ret
END(gw_medium_insert)

/* void gw_medium_remove(GwHeap* heap, void* hdr).  Leaf; clobbers rcx rdx r8 r9 r10.  A BARE
 * block counts again, without a peak, and the heap's rebare mark is set: its caller absorbs it
 * into an in-use block and then calls gw_medium_trim, which settles both. */
HIDDEN_ENTRY(gw_medium_remove)
	mov	GW_HDR_WORD_OFF(%rsi), %rdx
	test	$GW_FLAG_BARE, %dl
	jz	1f
	movb	$1, GW_HEAP_REBARE(%rdi)
	UNBARE_NO_PEAK %rdi, %rsi, %rdx, %rcx, %r8, %r9, 1
1:	and	$GW_SIZE_MASK, %rdx
	BIN_REMOVE %rdi, %rsi, %rdx, %r8, %r9, %r10
	ret
END(gw_medium_remove)

/* void* gw_medium_take(GwHeap* heap, size_t bytes)
 * bytes: block size incl. header, multiple of 16, GW_MEDIUM_MIN_BLOCK <= bytes (a new chunk is
 * made big enough for it: gw_medium_grow).
 * Returns the header of an in-use block of at least `bytes` (the tail is split off when
 * GW_MEDIUM_SPLIT_MIN or more), growing the heap by a medium chunk if no bin fits;
 * 0 with the status set if that fails (GW_E_CORRUPT: the block it would take has a damaged
 * header). */
HIDDEN_ENTRY(gw_medium_take)
	mov	$1, %r11d			/* may grow */
	jmp	L(search)
END(gw_medium_take)

/* void* gw_medium_take_fit(GwHeap* heap, size_t bytes): gw_medium_take from the free blocks
 * there are, or 0 (status untouched) where that would need a new chunk; GW_E_CORRUPT as above. */
HIDDEN_ENTRY(gw_medium_take_fit)
	xor	%r11d, %r11d
L(search):
	/* 1. the request's own bin (fl, sl of bytes): its first block fits when it is at least
	 *    bytes long (blocks freed at the size asked for again), with little or nothing to split */
	bsr	%rsi, %r8			/* fl */
	lea	-GW_SL_SHIFT(%r8), %ecx
	mov	%rsi, %rdx
	shr	%cl, %rdx
	and	$(GW_SL_COUNT - 1), %edx	/* sl */
	mov	%r8, %r10
	shl	$GW_SL_SHIFT, %r10
	add	%rdx, %r10			/* bin = fl * 16 + sl */
	mov	GW_HEAP_BINS(%rdi,%r10,8), %rax
	test	%rax, %rax
	jz	2f
	mov	GW_HDR_WORD_OFF(%rax), %r9
	and	$GW_SIZE_MASK, %r9
	cmp	%rsi, %r9
	jae	L(take_head)
2:	/* 2. else the first bin whose every block fits: the next one up, unless bytes is where its
	 *    own bin starts (the bin index carries into the next first level by itself) */
	mov	$-1, %r9
	shl	%cl, %r9
	not	%r9
	and	%rsi, %r9			/* bytes below its bin's start */
	cmp	$1, %r9
	sbb	$-1, %r10			/* + 1 unless that is 0 */
	mov	%r10, %r8
	shr	$GW_SL_SHIFT, %r8		/* fl */
	mov	%r10d, %edx
	and	$(GW_SL_COUNT - 1), %edx	/* sl */
	/* 3. a non-empty bin at or above (fl, sl) in this first level... */
	mov	%edx, %ecx
	mov	$-1, %r9
	shl	%cl, %r9
	and	GW_HEAP_SL_BITMAP(%rdi,%r8,8), %r9
	jnz	1f
	/* ...or the first non-empty first level above */
	lea	1(%r8), %ecx
	mov	$-1, %r9
	shl	%cl, %r9
	and	GW_HEAP_FL_BITMAP(%rdi), %r9
	jz	L(grow)
	bsf	%r9, %r8
	mov	GW_HEAP_SL_BITMAP(%rdi,%r8,8), %r9
1:	bsf	%r9, %rdx			/* sl */
	mov	%r8, %r10
	shl	$GW_SL_SHIFT, %r10
	add	%rdx, %r10			/* bin */
	mov	GW_HEAP_BINS(%rdi,%r10,8), %rax
L(take_head):				/* 4. take the first block (rax) of bin r10 = (r8, rdx) */
	/* a header damaged by a write past the block before it is reported, not followed: its
	 * list links come after it, so they are damaged too */
	CHECK_HDR %rdi, %rax, %r9, %rcx, L(take_damaged)
	test	$GW_FLAG_BARE, %r9b
	jnz	L(take_head_bare)
L(take_head_go):
	mov	GW_HDR_NEXT_OFF(%rax), %r9
	mov	%r9, GW_HEAP_BINS(%rdi,%r10,8)
	test	%r9, %r9
	jz	L(take_emptied)
	movq	$0, GW_HDR_PREV_OFF(%r9)
L(take_unlinked):
	mov	GW_HDR_WORD_OFF(%rax), %r10
	xor	%r11d, %r11d			/* r11: the split-off tail stays BARE */
	test	$GW_FLAG_BARE, %r10b
	jnz	L(take_bare)
	and	$GW_SIZE_MASK, %r10
L(take_sized):
	lea	(GW_MEDIUM_FIRST_OFF + GW_MEDIUM_HDR)(%r10), %edx
	test	$(GW_PAGE_BYTES - 1), %edx
	jz	L(take_whole)			/* the size a whole chunk's block has */
L(take_split):
	test	%r11d, %r11d
	jnz	L(take_count_back)
L(take_split_go):
	/* 5. split the tail off if it is worth a block */
	mov	%r10, %rdx
	sub	%rsi, %rdx			/* remainder */
	cmp	$GW_MEDIUM_SPLIT_MIN, %rdx
	jb	L(take_all)
	lea	(%rax,%rsi), %r8
	FOOTER	%rdi, %r8, %rdx, %r9		/* free, previous (ours) in use */
	cmp	$2, %r11d
	je	L(take_tail_bare)
L(take_tail_binned):
	BIN_INSERT %rdi, %r8, %rdx, %r10, %r9
	or	$GW_FLAG_IN_USE, %rsi
	SET_HDR %rdi, %rax, %rsi, %r9
	ret
L(take_all):
	lea	(%rax,%r10), %rcx		/* the next block no longer follows a free one */
	TOGGLE_FLAG %rcx, GW_FLAG_PREV_FREE
	or	$GW_FLAG_IN_USE, %r10
	SET_HDR %rdi, %rax, %r10, %r9
	ret
L(take_emptied):
	BIN_EMPTIED %rdi, %rdx, %r8, %r9
	jmp	L(take_unlinked)
L(take_bare):				/* counted again at the split (L(take_count_back)) */
	and	$GW_SIZE_MASK, %r10
	mov	$1, %r11d
	jmp	L(take_sized)
L(take_count_back):
	/* a BARE block counts again up to where its tail begins: a tail that holds
	 * GW_MEDIUM_BARE_MIN bytes of whole pages stays BARE (r11 = 2: a new chunk's block is
	 * used a block at a time), else all of it counts again.  Past the ceiling, gw_reserve_drop
	 * gives back what it can first (the block is out of its bin and its chunk off the reserve
	 * list by now). */
	MEDIUM_BARE_RANGE %rax, %r10, %rcx, %rdx	/* rcx start, rdx bytes */
	add	%rcx, %rdx			/* its end */
	lea	(32 + 4095)(%rax,%rsi), %r9
	and	$-4096, %r9			/* where the tail's BARE range would start */
	cmp	%rcx, %r9
	cmovb	%rcx, %r9
	mov	%rdx, %r8
	sub	%r9, %r8
	cmp	$GW_MEDIUM_BARE_MIN, %r8
	jl	61f
	mov	%r9, %rdx
	mov	$2, %r11d
61:	sub	%rcx, %rdx			/* the bytes that count again */
	mov	GW_HEAP_FOOTPRINT(%rdi), %rcx
	add	%rdx, %rcx
	cmp	GW_HEAP_FOOTPRINT_CEILING(%rdi), %rcx
	jbe	62f
	PUSH_CFI(%rdi)
	PUSH_CFI(%rax)
	PUSH_CFI(%rsi)
	PUSH_CFI(%r10)
	PUSH_CFI(%r11)
	PUSH_CFI(%rdx)
	SUB_RSP(8)
	mov	%rdx, %rsi
	xor	%edx, %edx			/* no flush: our block is out of its bin, still free */
	call	gw_reserve_drop
	ADD_RSP(8)
	POP_CFI(%rdx)
	POP_CFI(%r11)
	POP_CFI(%r10)
	POP_CFI(%rsi)
	POP_CFI(%rax)
	POP_CFI(%rdi)
62:	add	GW_HEAP_FOOTPRINT(%rdi), %rdx
	mov	%rdx, GW_HEAP_FOOTPRINT(%rdi)
	PEAK_FOLLOWS %rdi, %rdx, %rcx
	jmp	L(take_split_go)
L(take_tail_bare):
	TOGGLE_FLAG %r8, GW_FLAG_BARE
	jmp	L(take_tail_binned)
L(take_head_bare):
	/* counting a BARE block again may pass the footprint ceiling (its bytes up to the split,
	 * at most the request and a page): parked blocks coalesce first, then the search starts
	 * over (r11 = 3: may grow, no second flush if none could) */
	cmp	$1, %r11d
	jne	L(take_head_go)
	cmpq	$0, GW_HEAP_QUICK_COUNT(%rdi)
	je	L(take_head_go)
	lea	4096(%rsi), %r9
	add	GW_HEAP_FOOTPRINT(%rdi), %r9
	cmp	GW_HEAP_FOOTPRINT_CEILING(%rdi), %r9
	jbe	L(take_head_go)
	PUSH_CFI(%rdi)
	PUSH_CFI(%rsi)
	SUB_RSP(8)
	call	gw_medium_quick_flush
	ADD_RSP(8)
	POP_CFI(%rsi)
	POP_CFI(%rdi)
	mov	$1, %r11d
	test	%rax, %rax
	jnz	L(search)
	mov	$3, %r11d
	jmp	L(search)
L(take_damaged):			/* the block stays in its bin: gw_heap_check reports it too */
	SET_STATUS %rdi, GW_E_CORRUPT
	xor	%eax, %eax
	ret
L(take_whole):				/* is it its chunk's only block? */
	ONLY_BLOCK %rdi, %rax, %r10, %rdx, %rcx, L(take_split)
	decq	GW_HEAP_EMPTY_MEDIUM_CHUNKS(%rdi)	/* a wholly free chunk is in use again */
	LIST_UNLINK GW_HEAP_EMPTY_MEDIUM_LIST(%rdi), %rdx, GW_CH_EMPTY_NEXT, GW_CH_EMPTY_PREV, %r8, %r9
	RESERVE_USED %rdi, %rdx, %r8
	jmp	L(take_split)
L(grow):
	test	%r11d, %r11d
	jz	L(no_fit)
	cmpq	$0, GW_HEAP_QUICK_COUNT(%rdi)
	je	L(grow_chunk)
	/* parked blocks coalesce first: perhaps a bin fits then */
	PUSH_CFI(%rdi)
	PUSH_CFI(%rsi)
	PUSH_CFI(%r11)
	call	gw_medium_quick_flush
	POP_CFI(%r11)
	POP_CFI(%rsi)
	POP_CFI(%rdi)
	test	%rax, %rax
	jnz	L(search)
L(grow_chunk):
	PUSH_CFI(%rdi)
	PUSH_CFI(%rsi)
	PUSH_CFI(%r11)
	call	gw_medium_grow
	POP_CFI(%r11)
	POP_CFI(%rsi)
	POP_CFI(%rdi)
	test	%eax, %eax
	jz	L(search)
L(no_fit):
	xor	%eax, %eax
	ret
END(gw_medium_take_fit)

/* size_t gw_medium_trim(GwHeap* heap, void* hdr, size_t keep)
 * Shrinks the in-use block hdr to keep bytes (multiple of 16, >= GW_MEDIUM_MIN_BLOCK) if the
 * rest makes a block; the rest merges with a free successor.  Returns the bytes given back
 * (0 if the block stays as it is).  Never fails. */
HIDDEN_ENTRY(gw_medium_trim)
	SAVE5				/* rbx heap, r12 hdr, r13 keep, r14 remainder block, r15 bytes given back */
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
	cmpb	$0, GW_HEAP_REBARE(%rbx)
	je	3f
	/* a BARE block was absorbed (gw_medium_remove counted it again, without a peak): fine
	 * below the ceiling, past it the remainder goes BARE if it is big enough; then the peak
	 * is brought up to date */
	mov	GW_HEAP_FOOTPRINT(%rbx), %rax
	cmp	GW_HEAP_FOOTPRINT_CEILING(%rbx), %rax
	jbe	4f
	SMALL_PEAK %rbx, 4f
	mov	GW_HDR_WORD_OFF(%r14), %rax
	and	$GW_SIZE_MASK, %rax
	MEDIUM_BARE_RANGE %r14, %rax, %rsi, %rdx
	cmp	$GW_MEDIUM_BARE_MIN, %rdx
	jl	4f
	TOGGLE_FLAG %r14, GW_FLAG_BARE
	mov	%rbx, %rdi
	call	gw_bare_give_back
	jmp	4f
3:	mov	%r15, %rax
	jmp	L(trim_out)
L(trim_none):
	xor	%r15d, %r15d
	cmpb	$0, GW_HEAP_REBARE(%rbx)
	je	3b
4:	REBARE_SETTLED %rbx
	mov	GW_HEAP_FOOTPRINT(%rbx), %rax
	cmp	GW_HEAP_FOOTPRINT_CEILING(%rbx), %rax
	jbe	41f
	mov	%rbx, %rdi			/* still past the ceiling: what else can go back first */
	xor	%esi, %esi
	mov	$1, %edx
	call	gw_reserve_drop
	mov	GW_HEAP_FOOTPRINT(%rbx), %rax
41:	PEAK_FOLLOWS %rbx, %rax, %rcx
	jmp	3b
L(trim_out):
	RET5
END(gw_medium_trim)

/* MFREE_NEIGHBOURS corrupt: validates the neighbours of the in-use block rsi of r8 bytes in the
 * medium chunk rdx (rdi heap): the next header (at most the chunk's sentinel: rsi's size is
 * covered by its check word), and the previous block if rsi says it is free; jumps to
 * `corrupt` if one is damaged.  r10 = the next block; clobbers rax rcx r9 r11. */
.macro MFREE_NEIGHBOURS corrupt
	lea	(%rsi,%r8), %r10
	CHECK_HDR %rdi, %r10, %r11, %rax, \corrupt
	testq	$GW_FLAG_PREV_FREE, GW_HDR_WORD_OFF(%rsi)
	jz	.Lmfree_nb_ok\@
	mov	-8(%rsi), %r9			/* footer of the previous block */
	mov	%rsi, %rcx
	sub	%r9, %rcx			/* its header */
	test	$15, %r9b
	jnz	\corrupt
	cmp	$GW_MEDIUM_MIN_BLOCK, %r9
	jb	\corrupt
	lea	GW_MEDIUM_FIRST_OFF(%rdx), %rax
	cmp	%rax, %rcx
	jb	\corrupt
	CHECK_HDR %rdi, %rcx, %rax, %r11, \corrupt
	test	$GW_FLAG_IN_USE, %al
	jnz	\corrupt
	and	$GW_SIZE_MASK, %rax
	cmp	%rax, %r9
	jne	\corrupt
.Lmfree_nb_ok\@:
.endm

/* int gw_medium_free(GwHeap* heap, void* hdr, void* chunk)
 * hdr: an in-use block whose check word was verified.  A block of a quick size is parked on
 * its quick list while there is room (no neighbour is read).  Otherwise checks both neighbours
 * (GW_E_CORRUPT, status set, nothing changed, if a header is damaged), then coalesces both
 * ways, bins the result.  Either way accounts the free (live bytes, free count).  A wholly
 * free chunk goes back to the source beyond the reserve (GW_RESERVE_CHUNKS chunks of
 * GW_PAGES_PER_CHUNK pages, or as many bytes of smaller chunks).  A leaf but for that release.
 * Registers: rsi the block (moves back when merging), r8 its size so far, r10 the next block. */
HIDDEN_ENTRY(gw_medium_free)
	mov	GW_HDR_WORD_OFF(%rsi), %r8
	and	$GW_SIZE_MASK, %r8
	/* 0. park it on its quick list */
	QUICK_INDEX %r8, %rax, 1f
	cmpq	$GW_QUICK_LIMIT, GW_HEAP_QUICK_COUNT(%rdi)
	jae	1f
	mov	GW_HEAP_QUICK_BYTES(%rdi), %r9
	add	%r8, %r9
	mov	GW_HEAP_FOOTPRINT(%rdi), %rcx
	shr	$GW_QUICK_BYTES_SHIFT, %rcx
	cmp	%rcx, %r9
	ja	1f
	lea	(%rsi,%r8), %r10		/* the next header must be whole (an overflow from us) */
	CHECK_HDR %rdi, %r10, %r11, %rcx, L(corrupt)
	QUICK_PUSH %rdi, %rax, %rsi, %r8, %rcx
	TOGGLE_FLAG %rsi, GW_FLAG_QUICK
	sub	$GW_MEDIUM_HDR, %r8		/* usable bytes */
	add	%r8, GW_HEAP_HEADROOM(%rdi)	/* live shrinks */
	incq	GW_HEAP_FREE_COUNT(%rdi)
	xor	%eax, %eax
	ret
1:	/* 1. validate the neighbours */
	MFREE_NEIGHBOURS L(corrupt)
	lea	-GW_MEDIUM_HDR(%r8), %rax	/* usable bytes */
	add	%rax, GW_HEAP_HEADROOM(%rdi)	/* live shrinks */
	incq	GW_HEAP_FREE_COUNT(%rdi)
L(mfree_merge):
	/* 2. this header says free from now on, even if it ends up inside a merged block: a
	 *    second free of the same pointer then finds IN_USE clear (DOUBLE_FREE) */
	TOGGLE_FLAG %rsi, GW_FLAG_IN_USE
	/* 3. merge the next block if free */
	mov	GW_HDR_WORD_OFF(%r10), %r9
	test	$GW_FLAG_IN_USE, %r9b
	jnz	2f
	test	$GW_FLAG_BARE, %r9b
	jnz	L(mfree_next_bare)
L(mfree_next):
	and	$GW_SIZE_MASK, %r9
	add	%r9, %r8
	BIN_REMOVE %rdi, %r10, %r9, %r11, %rax, %rdx
	jmp	3f
2:	TOGGLE_FLAG %r10, GW_FLAG_PREV_FREE	/* the next block now follows a free one */
3:	/* 4. merge the previous block if free */
	testq	$GW_FLAG_PREV_FREE, GW_HDR_WORD_OFF(%rsi)
	jz	4f
	mov	-8(%rsi), %r9
	sub	%r9, %rsi
	add	%r9, %r8
	testq	$GW_FLAG_BARE, GW_HDR_WORD_OFF(%rsi)
	jnz	L(mfree_prev_bare)
L(mfree_prev):
	BIN_REMOVE %rdi, %rsi, %r9, %r11, %rax, %rdx
4:	/* 5. write the merged free block and bin it */
	FOOTER	%rdi, %rsi, %r8, %rax
	mov	%r8, %r9
	BIN_INSERT %rdi, %rsi, %r9, %r11, %rax
	cmpb	$0, GW_HEAP_REBARE(%rdi)
	jne	L(mfree_rebare)
L(mfree_whole_check):
	/* 6. a wholly free chunk (a block of such a size, first in its chunk, reaching its
	 *    sentinel): keep a few spares, give the others back */
	lea	(GW_MEDIUM_FIRST_OFF + GW_MEDIUM_HDR)(%r8), %eax
	test	$(GW_PAGE_BYTES - 1), %eax
	jz	L(mfree_whole)
	xor	%eax, %eax
	ret
L(mfree_whole):
	ONLY_BLOCK %rdi, %rsi, %r8, %rax, %rcx, 6f
	RESERVE_KEEP %rax, %rdi, GW_HEAP_EMPTY_MEDIUM_CHUNKS, %rcx, %rdx, 5f
	sub	$GW_MEDIUM_FIRST_OFF, %rsi	/* the chunk header */
	SUB_RSP(8)
	call	gw_chunk_retire
	ADD_RSP(8)
	xor	%eax, %eax
	ret
5:	incq	GW_HEAP_EMPTY_MEDIUM_CHUNKS(%rdi)
	sub	$GW_MEDIUM_FIRST_OFF, %rsi	/* the chunk header */
	LIST_PUSH GW_HEAP_EMPTY_MEDIUM_LIST(%rdi), %rsi, GW_CH_EMPTY_NEXT, GW_CH_EMPTY_PREV, %rcx
6:	xor	%eax, %eax
	ret
L(mfree_next_bare):			/* merging a BARE next block: count it again for now */
	movb	$1, GW_HEAP_REBARE(%rdi)
	UNBARE_NO_PEAK %rdi, %r10, %r9, %rax, %rdx, %r11, 1
	jmp	L(mfree_next)
L(mfree_prev_bare):			/* the same for the previous block */
	movb	$1, GW_HEAP_REBARE(%rdi)
	mov	GW_HDR_WORD_OFF(%rsi), %rcx
	UNBARE_NO_PEAK %rdi, %rsi, %rcx, %rax, %rdx, %r11, 1
	jmp	L(mfree_prev)
L(mfree_rebare):
	/* 7. the merged block (rsi, r8 bytes) holds what was BARE and now counts: fine below the
	 *    ceiling (no syscall; BARE space next to the blocks in use is freed into often), but
	 *    a free never passes it: past it, the merged block goes BARE as a whole (a small heap
	 *    raises its peak and ceiling instead: GW_DECOMMIT_MIN_PEAK); only its pages that were
	 *    not BARE before need a syscall (kept_bare) */
	mov	GW_HEAP_FOOTPRINT(%rdi), %rax
	cmp	GW_HEAP_FOOTPRINT_CEILING(%rdi), %rax
	jbe	9f
	cmpq	$GW_DECOMMIT_MIN_PEAK, GW_HEAP_PEAK_FOOTPRINT(%rdi)
	jb	9f
	TOGGLE_FLAG %rsi, GW_FLAG_BARE
	PUSH_CFI(%rdi)
	PUSH_CFI(%rsi)
	PUSH_CFI(%r8)
	MEDIUM_BARE_RANGE %rsi, %r8, %rax, %rdx
	mov	%rax, %rsi
	call	gw_bare_give_back
	POP_CFI(%r8)
	POP_CFI(%rsi)
	POP_CFI(%rdi)
	jmp	8f
9:	PEAK_FOLLOWS %rdi, %rax, %rdx		/* below the ceiling, or a small heap */
8:	REBARE_SETTLED %rdi
	jmp	L(mfree_whole_check)
L(corrupt):
	mov	$GW_E_CORRUPT, %eax
	mov	%rax, GW_HEAP_STATUS(%rdi)
	ret
END(gw_medium_free)

/* int gw_medium_unpark(GwHeap* heap, void* hdr, void* chunk)
 * hdr: a block just taken off its quick list, its QUICK flag cleared (accounted as free
 * already).  gw_medium_free's coalescing without the accounting: GW_OK, or GW_E_CORRUPT
 * (status set, nothing changed) if a neighbour's header is damaged. */
HIDDEN_ENTRY(gw_medium_unpark)
	mov	GW_HDR_WORD_OFF(%rsi), %r8
	and	$GW_SIZE_MASK, %r8
	MFREE_NEIGHBOURS L(corrupt)
	jmp	L(mfree_merge)
END(gw_medium_unpark)

/* size_t gw_medium_quick_flush(GwHeap* heap)
 * Every block parked on a quick list is coalesced and binned as gw_medium_free would have
 * (at most GW_QUICK_LIMIT of them: O(1)).  A parked block whose header, or a neighbour's, is damaged
 * stays parked, with the rest of its list (gw_heap_check reports it).  Returns the number of
 * blocks coalesced; the heap's last status is kept. */
HIDDEN_ENTRY(gw_medium_quick_flush)
	SAVE5				/* rbx heap, r12 list, r13 block, r14 coalesced, r15 status */
	mov	%rdi, %rbx
	xor	%r14d, %r14d
	cmpq	$0, GW_HEAP_QUICK_COUNT(%rbx)
	je	L(qf_out)
	mov	GW_HEAP_STATUS(%rbx), %r15
	xor	%r12d, %r12d
L(qf_list):
	mov	GW_HEAP_QUICK(%rbx,%r12,8), %r13
	test	%r13, %r13
	jz	L(qf_next_list)
	/* 1. its header: valid, in use, QUICK, of this list's sizes */
	CHECK_HDR %rbx, %r13, %rax, %rcx, L(qf_next_list)
	mov	%eax, %ecx
	and	$~GW_FLAG_PREV_FREE, %ecx
	and	$15, %ecx
	cmp	$(GW_FLAG_IN_USE | GW_FLAG_QUICK), %ecx
	jne	L(qf_next_list)
	and	$GW_SIZE_MASK, %rax
	QUICK_INDEX %rax, %rdx, L(qf_next_list)
	cmp	%r12, %rdx
	jne	L(qf_next_list)
	/* 2. off the list, then coalesced in its chunk */
	RADIX_LOOKUP %rbx, %r13, %rdx, %rax, L(qf_next_list)
	and	$-8, %rdx			/* the medium chunk */
	mov	GW_HDR_WORD_OFF(%r13), %rcx
	and	$GW_SIZE_MASK, %rcx
	QUICK_POP %rbx, %r12, %r13, %rcx, %rax
	TOGGLE_FLAG %r13, GW_FLAG_QUICK
	mov	%rbx, %rdi
	mov	%r13, %rsi
	call	gw_medium_unpark
	test	%eax, %eax
	jnz	L(qf_repark)
	inc	%r14
	jmp	L(qf_list)
L(qf_repark):				/* a damaged neighbour: back on the list, as it was */
	TOGGLE_FLAG %r13, GW_FLAG_QUICK
	mov	GW_HDR_WORD_OFF(%r13), %rcx
	and	$GW_SIZE_MASK, %rcx
	QUICK_PUSH %rbx, %r12, %r13, %rcx, %rax
L(qf_next_list):
	inc	%r12
	cmp	$GW_QUICK_LISTS, %r12
	jb	L(qf_list)
	mov	%r15, GW_HEAP_STATUS(%rbx)
L(qf_out):
	mov	%r14, %rax
	RET5
END(gw_medium_quick_flush)

/* void gw_bare_give_back(GwHeap* heap, void* start, size_t bytes)
 * [start, start + bytes), whole pages of a chunk the heap holds, leave the footprint and are
 * decommitted (gw_bare_decommit), except the pages of kept_bare's ranges: BARE blocks the call
 * under way absorbed, decommitted already and not written since.  So a block that grew in
 * place into a BARE neighbour leaves a BARE tail without a syscall, where it took one that
 * went over every page of the tail again (a Lua array grown a few slots at a time: one madvise
 * per growth).  At most three decommit calls, around the two kept ranges. */
HIDDEN_ENTRY(gw_bare_give_back)
	SAVE5				/* rbx heap, r12 next page to give back, r13 end, r14/r15 a kept range */
	mov	%rdi, %rbx
	sub	%rdx, GW_HEAP_FOOTPRINT(%rbx)
	mov	%rsi, %r12
	lea	(%rsi,%rdx), %r13
	mov	GW_HEAP_KEPT_BARE(%rbx), %r14
	mov	(GW_HEAP_KEPT_BARE + 8)(%rbx), %r15
	mov	(GW_HEAP_KEPT_BARE + 16)(%rbx), %rcx
	mov	(GW_HEAP_KEPT_BARE + 24)(%rbx), %rdx
	cmp	%r14, %rcx			/* the lower range first (an empty one is {0, 0}) */
	jae	1f
	xchg	%rcx, %r14
	xchg	%rdx, %r15
1:	PUSH_CFI(%rcx)				/* the upper range, for the second step */
	PUSH_CFI(%rdx)
	SKIP_KEPT %r14, %r15
	POP_CFI(%r15)
	POP_CFI(%r14)
	SKIP_KEPT %r14, %r15
	mov	%r13, %rdx
	sub	%r12, %rdx
	jle	2f
	mov	%rbx, %rdi
	mov	%r12, %rsi
	call	gw_bare_decommit
2:	RET5
END(gw_bare_give_back)

/* void gw_bare_decommit(GwHeap* heap, void* start, size_t bytes)
 * Decommits [start, start + bytes), whole pages of a chunk the heap holds: default source
 * madvise MADV_FREE (MADV_DONTNEED where that is missing), else config.chunk_decommit.  The
 * footprint is the caller's. */
HIDDEN_ENTRY(gw_bare_decommit)
	SUB_RSP(8)
	cmpq	$0, GW_HEAP_CHUNK_ALLOC(%rdi)
	jne	3f
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	mov	$MADV_FREE, %edx
	KERNEL_CALL madvise
	test	%rax, %rax
	jz	4f
	mov	$MADV_DONTNEED, %edx
	KERNEL_CALL madvise
	jmp	4f
3:	mov	%rdi, %rax
	mov	GW_HEAP_CHUNK_USER(%rax), %rdi
	call	*GW_HEAP_CHUNK_DECOMMIT(%rax)
4:	ADD_RSP(8)
	ret
END(gw_bare_decommit)

/* int gw_medium_decommit(GwHeap* heap)
 * Past the ceiling (gw_reserve_drop): the largest free medium block that is not BARE and
 * holds GW_MEDIUM_BARE_MIN bytes of whole pages or more becomes BARE: those pages go back
 * (default source: madvise MADV_FREE, or MADV_DONTNEED where that is missing; else
 * config.chunk_decommit) and leave the footprint.  Looks at the first block of each bin only,
 * from the largest bin down: at most GW_FL_COUNT * GW_SL_COUNT bins, whatever the number of
 * blocks.  Returns 1 if a block went BARE, 0 if none could.  Only for a heap whose source can
 * decommit and that has no memory_limit. */
HIDDEN_ENTRY(gw_medium_decommit)
	SUB_RSP(8)
	mov	GW_HEAP_FL_BITMAP(%rdi), %r8
1:	test	%r8, %r8
	jz	L(md_none)
	bsr	%r8, %r9			/* fl, from the top */
	btr	%r9, %r8
	cmp	$14, %r9			/* blocks below 16 KiB hold too few pages */
	jb	L(md_none)
	mov	GW_HEAP_SL_BITMAP(%rdi,%r9,8), %r10
2:	test	%r10, %r10
	jz	1b
	bsr	%r10, %rcx			/* sl, from the top */
	btr	%rcx, %r10
	mov	%r9, %rax
	shl	$GW_SL_SHIFT, %rax
	add	%rcx, %rax
	mov	GW_HEAP_BINS(%rdi,%rax,8), %rsi
	mov	GW_HDR_WORD_OFF(%rsi), %rdx
	test	$GW_FLAG_BARE, %dl
	jnz	2b
	and	$GW_SIZE_MASK, %rdx
	MEDIUM_BARE_RANGE %rsi, %rdx, %rax, %r11
	cmp	$GW_MEDIUM_BARE_MIN, %r11
	jl	2b
	TOGGLE_FLAG %rsi, GW_FLAG_BARE
	mov	%rax, %rsi
	mov	%r11, %rdx
	call	gw_bare_give_back
	mov	$1, %eax
	jmp	5f
L(md_none):
	xor	%eax, %eax
5:	ADD_RSP(8)
	ret
END(gw_medium_decommit)

NO_EXEC_STACK
