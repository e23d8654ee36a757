/* snippets.h - .macro snippets that several .S files of the heap share (the hot paths inline
 * them; cold work is a .hidden function instead).  Included after gw_heap.h and macros.h.
 *
 *   SLOT_BIT       a small slot's bit in its page's in-use bitmap
 *   LIST_PUSH      push onto a doubly linked list whose head is a memory word (pages, chunks)
 *   LIST_UNLINK    take a node off such a list
 *   FOOTER         write a free medium block's header and footer
 *   BIN_INSERT     put a free medium block into its TLSF bin (bitmaps set if the bin was empty)
 *   BIN_REMOVE     take a free medium block out of its bin (bitmaps cleared if it empties)
 *   SLOT_RELEASE   a live small slot goes back to its page (free, realloc's small moves);
 *                  SLOT_RELEASE_SLOW its rare case (the page empties, or was FULL)
 *   LIVE_GROWS     live bytes grow (the headroom below the peak shrinks, else the peak grows)
 *   PEAK_GROWS     the second half of that, for a fast path that did the subtraction itself
 *   RESERVE_KEEP   whether a wholly free chunk stays in reserve; RESERVE_USED: a spare is used
 *   FREE_CACHE_INDEX   the key and entry of a pointer in gw_heap_free's radix cache
 *   FREE_CACHE_EMPTY   forget every window in gw_heap_free's radix cache
 *   SAVE3/RET3, SAVE5/RET5   push rbx r12 (r13) ... with CFI; pop them and return.  RET keeps the
 *                  unwinder's view of the saved registers for the code that follows it.
 */
#ifndef GW_SNIPPETS_H
#define GW_SNIPPETS_H
#ifdef __ASSEMBLER__

/* SLOT_BIT ptr32, bit32, word32: for the 16-byte aligned slot address whose low 32 bits are in
 * ptr32, bit32 = its granule (the shift count: cl-based shifts and bt* take it mod 64) and
 * word32 = the byte offset of its 64-bit word in GW_PG_BITMAP.  bit32 and word32 are written. */
.macro SLOT_BIT ptr32, bit32, word32
	mov	\ptr32, \bit32
	shr	$4, \bit32
	mov	\ptr32, \word32
	and	$(GW_PAGE_BYTES - 1024), \word32
	shr	$7, \word32
.endm

/* LIST_PUSH head, node, next, prev, tmp: node becomes the first of the list whose head word is
 * the memory operand `head`; next/prev are the link offsets inside a node. */
.macro LIST_PUSH head, node, next, prev, tmp
	mov	\head, \tmp
	mov	\tmp, \next(\node)
	movq	$0, \prev(\node)
	test	\tmp, \tmp
	jz	9f
	mov	\node, \prev(\tmp)
9:	mov	\node, \head
.endm

/* LIST_UNLINK head, node, next, prev, t1, t2: node leaves the list whose head word is `head`. */
.macro LIST_UNLINK head, node, next, prev, t1, t2
	mov	\next(\node), \t1
	mov	\prev(\node), \t2
	test	\t1, \t1
	jz	8f
	mov	\t2, \prev(\t1)
8:	test	\t2, \t2
	jz	9f
	mov	\t1, \next(\t2)
	jmp	10f
9:	mov	\t1, \head
10:
.endm

/* FOOTER heap, hdr, size, tmp: hdr becomes a free block of size bytes (flags 0: free, its
 * predecessor in use), with the footer that backward coalescing reads. */
.macro FOOTER heap, hdr, size, tmp
	SET_HDR	\heap, \hdr, \size, \tmp
	mov	\size, -8(\hdr,\size)
.endm

/* QUICK_INDEX bytes, list, no: list = the quick list of a medium block of `bytes` bytes (the
 * largest class it holds), or a jump to `no` when no quick list holds that size.  `bytes` is
 * kept; clobbers rcx (neither `bytes` nor `list` may be rcx). */
.macro QUICK_INDEX bytes, list, no
	lea	-GW_QUICK_MIN_BLOCK(\bytes), \list
	cmp	$(GW_QUICK_MAX_BLOCK - GW_QUICK_MIN_BLOCK), \list
	ja	\no
	bsr	\bytes, %rcx
	sub	$GW_QUICK_CLASS_BITS, %ecx
	mov	\bytes, \list
	shr	%cl, \list			/* 2^CLASS_BITS .. 2^(CLASS_BITS + 1) - 1 */
	shl	$GW_QUICK_CLASS_BITS, %rcx
	lea	-GW_QUICK_INDEX_BIAS(\list,%rcx), \list
.endm

/* QUICK_ROUND bytes, list, step, no: the block size of a medium request (a multiple of 16, at
 * least 1056) rounded up to its quick class, with the class's list in `list` and its step
 * (the bytes from it to the next class) in `step`; above GW_QUICK_MAX_BLOCK, a jump to `no`
 * with `bytes` as it was.  Clobbers rcx (no operand may be rcx). */
.macro QUICK_ROUND bytes, list, step, no
	bsr	\bytes, %rcx
	sub	$GW_QUICK_CLASS_BITS, %ecx
	mov	$-1, \step
	shl	%cl, \step			/* -(2^s) */
	lea	-1(\bytes), \list
	sub	\step, \list
	and	\step, \list			/* bytes rounded up to a multiple of 2^s */
	cmp	$GW_QUICK_MAX_BLOCK, \list
	ja	\no
	mov	\list, \bytes
	bsr	\bytes, %rcx			/* one more than before at a power of two */
	sub	$GW_QUICK_CLASS_BITS, %ecx
	mov	$1, \step
	shl	%cl, \step
	shr	%cl, \list
	shl	$GW_QUICK_CLASS_BITS, %rcx
	lea	-GW_QUICK_INDEX_BIAS(\list,%rcx), \list
.endm

/* QUICK_PUSH heap, list, hdr, bytes, tmp: the block hdr of `bytes` bytes goes first on quick
 * list `list` and into the counts (its QUICK flag is the caller's). */
.macro QUICK_PUSH heap, list, hdr, bytes, tmp
	mov	GW_HEAP_QUICK(\heap,\list,8), \tmp
	mov	\tmp, GW_HDR_NEXT_OFF(\hdr)
	mov	\hdr, GW_HEAP_QUICK(\heap,\list,8)
	incq	GW_HEAP_QUICK_COUNT(\heap)
	add	\bytes, GW_HEAP_QUICK_BYTES(\heap)
.endm

/* QUICK_POP heap, list, hdr, bytes, tmp: hdr, the first block of quick list `list` (`bytes`
 * bytes), leaves it and the counts (its QUICK flag is the caller's). */
.macro QUICK_POP heap, list, hdr, bytes, tmp
	mov	GW_HDR_NEXT_OFF(\hdr), \tmp
	mov	\tmp, GW_HEAP_QUICK(\heap,\list,8)
	decq	GW_HEAP_QUICK_COUNT(\heap)
	sub	\bytes, GW_HEAP_QUICK_BYTES(\heap)
.endm

/* BIN_INSERT heap, hdr, size, fl, tmp: the free block hdr of size bytes (its header written)
 * becomes the first of bin (fl, sl): fl = bsr(size), sl = the next GW_SL_SHIFT bits.
 * Clobbers size (left = sl), fl, tmp and rcx. */
.macro BIN_INSERT heap, hdr, size, fl, tmp
	bsr	\size, \fl
	lea	-GW_SL_SHIFT(\fl), %ecx
	shr	%cl, \size
	and	$(GW_SL_COUNT - 1), \size		/* sl */
	mov	\fl, %rcx
	shl	$GW_SL_SHIFT, %rcx
	add	\size, %rcx				/* bin */
	mov	GW_HEAP_BINS(\heap,%rcx,8), \tmp
	mov	\hdr, GW_HEAP_BINS(\heap,%rcx,8)
	mov	\tmp, GW_HDR_NEXT_OFF(\hdr)
	movq	$0, GW_HDR_PREV_OFF(\hdr)
	test	\tmp, \tmp
	jz	.Lbin_ins_first\@
	mov	\hdr, GW_HDR_PREV_OFF(\tmp)
	jmp	.Lbin_ins_done\@
.Lbin_ins_first\@:			/* the bin was empty: set its bits */
	mov	GW_HEAP_SL_BITMAP(\heap,\fl,8), \tmp
	bts	\size, \tmp
	mov	\tmp, GW_HEAP_SL_BITMAP(\heap,\fl,8)
	mov	GW_HEAP_FL_BITMAP(\heap), \tmp
	bts	\fl, \tmp
	mov	\tmp, GW_HEAP_FL_BITMAP(\heap)
.Lbin_ins_done\@:
.endm

/* BIN_REMOVE heap, hdr, size, fl, next, prev: the free block hdr of size bytes leaves its bin.
 * Clobbers size (left = sl), fl, next, prev and rcx. */
.macro BIN_REMOVE heap, hdr, size, fl, next, prev
	bsr	\size, \fl
	lea	-GW_SL_SHIFT(\fl), %ecx
	shr	%cl, \size
	and	$(GW_SL_COUNT - 1), \size		/* sl */
	mov	GW_HDR_NEXT_OFF(\hdr), \next
	mov	GW_HDR_PREV_OFF(\hdr), \prev
	test	\next, \next
	jz	.Lbin_rm_last\@
	mov	\prev, GW_HDR_PREV_OFF(\next)
.Lbin_rm_last\@:
	test	\prev, \prev
	jz	.Lbin_rm_head\@
	mov	\next, GW_HDR_NEXT_OFF(\prev)
	jmp	.Lbin_rm_done\@
.Lbin_rm_head\@:
	mov	\fl, %rcx
	shl	$GW_SL_SHIFT, %rcx
	add	\size, %rcx				/* bin */
	mov	\next, GW_HEAP_BINS(\heap,%rcx,8)
	test	\next, \next
	jnz	.Lbin_rm_done\@
	BIN_EMPTIED \heap, \size, \fl, \next
.Lbin_rm_done\@:
.endm

/* BIN_EMPTIED heap, sl, fl, tmp: bin (fl, sl) has become empty: clear its bit, and fl's bit if
 * that was the last non-empty bin of the first level.  Clobbers tmp. */
.macro BIN_EMPTIED heap, sl, fl, tmp
	mov	GW_HEAP_SL_BITMAP(\heap,\fl,8), \tmp
	btr	\sl, \tmp
	mov	\tmp, GW_HEAP_SL_BITMAP(\heap,\fl,8)
	test	\tmp, \tmp
	jnz	.Lbin_emptied_done\@
	mov	GW_HEAP_FL_BITMAP(\heap), \tmp
	btr	\fl, \tmp
	mov	\tmp, GW_HEAP_FL_BITMAP(\heap)
.Lbin_emptied_done\@:
.endm

/* SLOT_RELEASE heap, page, ptr, tmp, slow: the live small slot ptr of `page` (its bitmap bit
 * cleared already) goes back: pushed on the page's free list (LIFO), live bytes shrink (the
 * headroom grows), free_count, and the page's used count drops; jumps to `slow` when that
 * leaves it <= 0 (flags of the decl kept: SF = the page was FULL, else it is empty now: see
 * SLOT_RELEASE_SLOW).  Clobbers tmp. */
.macro SLOT_RELEASE heap, page, ptr, tmp, slow
	mov	GW_PG_FREE(\page), \tmp
	mov	\tmp, (\ptr)
	mov	\ptr, GW_PG_FREE(\page)
	mov	GW_PG_SIZE(\page), \tmp
	add	\tmp, GW_HEAP_HEADROOM(\heap)	/* live shrinks */
	incq	GW_HEAP_FREE_COUNT(\heap)
	decl	GW_PG_USED(\page)		/* <= 0: now empty, or a FULL page (GW_PG_USED_FULL) */
	jle	\slow
.endm

/* SLOT_RELEASE_SLOW page, done, event: SLOT_RELEASE's rare case, with its flags: a FULL page
 * loses its mark and goes to `event` (gw_small_page_event: FULL -> AVAIL); an empty page goes
 * to `done` if it is current (kept, even empty), else to `event`. */
.macro SLOT_RELEASE_SLOW page, done, event
	js	.Lslot_full\@
	cmpl	$GW_PAGE_CUR, GW_PG_STATE(\page)
	je	\done
	jmp	\event
.Lslot_full\@:
	andl	$(GW_PG_USED_FULL - 1), GW_PG_USED(\page)
	jmp	\event
.endm

/* LIVE_GROWS heap, bytes: live bytes grow by `bytes` (a register, clobbered).  The heap keeps
 * live_headroom = peak_live_bytes - live_bytes, so this is one subtraction unless the peak
 * moves. */
.macro LIVE_GROWS heap, bytes
	sub	\bytes, GW_HEAP_HEADROOM(\heap)
	jae	.Llive_grows\@
	PEAK_GROWS \heap, \bytes
.Llive_grows\@:
.endm

/* PEAK_FOLLOWS heap, fp, tmp: the footprint is now fp (a register): the peak follows it, and
 * the ceiling too when fp passes it, to fp and its slack (GW_PEAK_SLACK_SHIFT), but not past
 * memory_limit (the reserves must go back before the limit refuses a request).  Past the
 * ceiling the heap has given back what it could (gw_reserve_drop), so fp holds no reserve and
 * the slack does not compound.  The ceiling is never below the peak.  Clobbers tmp. */
.macro PEAK_FOLLOWS heap, fp, tmp
	cmp	GW_HEAP_PEAK_FOOTPRINT(\heap), \fp
	jbe	.Lpeak_follows\@
	mov	\fp, GW_HEAP_PEAK_FOOTPRINT(\heap)
	cmp	GW_HEAP_FOOTPRINT_CEILING(\heap), \fp
	jbe	.Lpeak_follows\@
	mov	\fp, \tmp
	shr	$GW_PEAK_SLACK_SHIFT, \tmp
	add	\fp, \tmp
	cmpq	$0, GW_HEAP_LIMIT(\heap)
	je	.Lceiling\@
	cmp	GW_HEAP_LIMIT(\heap), \tmp
	jbe	.Lceiling\@
	mov	GW_HEAP_LIMIT(\heap), \tmp
	cmp	\fp, \tmp			/* (a limit is never below the footprint) */
	cmovb	\fp, \tmp
.Lceiling\@:
	mov	\tmp, GW_HEAP_FOOTPRINT_CEILING(\heap)
.Lpeak_follows\@:
.endm

/* FOOTPRINT_GROWS heap, bytes, tmp, tmp2: footprint_bytes grows by `bytes` (a register or an
 * immediate) and the peak footprint follows it (PEAK_FOLLOWS).  Clobbers tmp, tmp2. */
.macro FOOTPRINT_GROWS heap, bytes, tmp, tmp2
	mov	GW_HEAP_FOOTPRINT(\heap), \tmp
	add	\bytes, \tmp
	mov	\tmp, GW_HEAP_FOOTPRINT(\heap)
	PEAK_FOLLOWS \heap, \tmp, \tmp2
.endm

/* PEAK_GROWS heap, tmp: the headroom went below zero (borrow): the peak rises by as much and
 * the headroom is 0 again.  The headroom holds 2^64 - shortfall, so peak - headroom (mod 2^64)
 * is the new peak.  Clobbers tmp. */
.macro PEAK_GROWS heap, tmp
	mov	GW_HEAP_HEADROOM(\heap), \tmp
	sub	\tmp, GW_HEAP_PEAK_LIVE(\heap)
	movq	$0, GW_HEAP_HEADROOM(\heap)
.endm

/* RESERVE_KEEP chunk, heap, spares, pages, tmp, keep: jumps to `keep` if the wholly free `chunk`
 * stays in reserve, else falls through (it goes back: gw_chunk_retire).  It stays while the
 * small reserve has room, (spares + 1) * the chunk's pages <= GW_RESERVE_CHUNKS *
 * GW_PAGES_PER_CHUNK (as many bytes of small chunks as of big ones), or while the reserve is in
 * use: a spare has gone back into use, fewer than peak footprint >> GW_RESERVE_IDLE_SHIFT
 * operations ago (a heap that empties and refills its chunks keeps them; one that only shrank,
 * or stopped refilling, gives them back).  `spares` is the heap field that counts the kind's
 * spares.  `pages` and `tmp` are clobbered; `chunk` and `heap` are kept. */
.macro RESERVE_KEEP chunk, heap, spares, pages, tmp, keep
	mov	GW_CH_END(\chunk), \pages
	sub	\chunk, \pages
	shr	$GW_PAGE_SHIFT, \pages
	mov	\spares(\heap), \tmp
	inc	\tmp
	imul	\tmp, \pages
	cmp	$(GW_RESERVE_CHUNKS * GW_PAGES_PER_CHUNK), \pages
	jbe	\keep
	cmpq	$0, GW_HEAP_RESERVE_USED_AT(\heap)
	je	.Lreserve_unused\@		/* no spare was ever used again */
	mov	GW_HEAP_ALLOC_COUNT(\heap), \tmp
	add	GW_HEAP_FREE_COUNT(\heap), \tmp
	sub	GW_HEAP_RESERVE_USED_AT(\heap), \tmp	/* operations since the reserve was used */
	mov	GW_HEAP_PEAK_FOOTPRINT(\heap), \pages
	shr	$GW_RESERVE_IDLE_SHIFT, \pages
	cmp	\pages, \tmp
	jbe	\keep
.Lreserve_unused\@:
.endm

/* RESERVE_USED heap, chunk, tmp: the wholly free `chunk` goes back into use now; unless it is
 * the chunk the heap just made (fresh_chunk), that is a spare used again (RESERVE_KEEP's clock). */
.macro RESERVE_USED heap, chunk, tmp
	cmp	\chunk, GW_HEAP_FRESH_CHUNK(\heap)
	movq	$0, GW_HEAP_FRESH_CHUNK(\heap)	/* (mov keeps the flags) */
	je	.Lreserve_fresh\@
	mov	GW_HEAP_ALLOC_COUNT(\heap), \tmp
	add	GW_HEAP_FREE_COUNT(\heap), \tmp
	mov	\tmp, GW_HEAP_RESERVE_USED_AT(\heap)
.Lreserve_fresh\@:
.endm

/* FREE_CACHE_INDEX ptr, key, idx: free's radix cache for ptr: key = ptr & ~0x7ff0 (window and
 * low 4 bits: a misaligned pointer matches no set), idx = 2 * set, set = (ptr >> 15) % 64, so
 * that GW_HEAP_FREE_KEYS(heap,idx,8) and GW_HEAP_FREE_PAGES(heap,idx,8) are the set's entry. */
.macro FREE_CACHE_INDEX ptr, key, idx
	mov	\ptr, \key
	and	$-(GW_PAGE_BYTES - 15), \key
	mov	\ptr, \idx
	shr	$(GW_PAGE_SHIFT - 1), \idx
	and	$(2 * (GW_FREE_CACHE_SETS - 1)), \idx
.endm

/* FREE_CACHE_EMPTY heap, idx: every set of free's radix cache says "no window".  idx is a
 * 64-bit scratch register. */
.macro FREE_CACHE_EMPTY heap, idx
	xor	\idx, \idx
.Lfree_cache_empty\@:
	movq	$GW_FREE_KEY_NONE, GW_HEAP_FREE_KEYS(\heap,\idx,8)
	add	$2, \idx
	cmp	$(2 * GW_FREE_CACHE_SETS), \idx
	jb	.Lfree_cache_empty\@
.endm

.macro SAVE3
	PUSH_CFI(%rbx)
	PUSH_CFI(%r12)
	PUSH_CFI(%r13)
.endm

.macro RET3
	.cfi_remember_state
	POP_CFI(%r13)
	POP_CFI(%r12)
	POP_CFI(%rbx)
	ret
	.cfi_restore_state
.endm

.macro SAVE5
	SAVE3
	PUSH_CFI(%r14)
	PUSH_CFI(%r15)
.endm

.macro RET5
	.cfi_remember_state
	POP_CFI(%r15)
	POP_CFI(%r14)
	POP_CFI(%r13)
	POP_CFI(%r12)
	POP_CFI(%rbx)
	ret
	.cfi_restore_state
.endm

#endif /* __ASSEMBLER__ */
#endif /* GW_SNIPPETS_H */
