/* bare.h - .macros of BARE memory (decommitted, not counted in footprint_bytes), shared by
 * chunk.S (BARE pages) and medium.S (BARE free medium blocks).  See gw_heap.h. */
#ifndef GW_BARE_H
#define GW_BARE_H
#ifdef __ASSEMBLER__

#define MADV_DONTNEED 4
#define MADV_FREE 8
#define MADV_POPULATE_WRITE 23

/* CAN_DECOMMIT heap, no: jumps to `no` unless the heap's source can decommit pages (the
 * default source, or a custom one with chunk_decommit). */
.macro CAN_DECOMMIT heap, no
	cmpq	$0, GW_HEAP_CHUNK_ALLOC(\heap)
	je	.Lcan_decommit\@
	cmpq	$0, GW_HEAP_CHUNK_DECOMMIT(\heap)
	je	\no
.Lcan_decommit\@:
.endm

/* SMALL_PEAK heap, yes: jumps to `yes` if the heap's peak footprint is below
 * GW_DECOMMIT_MIN_PEAK (it makes nothing BARE to keep its peak down). */
.macro SMALL_PEAK heap, yes
	cmpq	$GW_DECOMMIT_MIN_PEAK, GW_HEAP_PEAK_FOOTPRINT(\heap)
	jb	\yes
.endm

/* BARE_RANGE pg, start, bytes: the bytes of page pg a BARE page does not hold, from the first
 * 4 KiB boundary at or after its first slot (page 0 keeps the chunk's metadata) to its end. */
.macro BARE_RANGE pg, start, bytes
	mov	GW_PG_SLOTS(\pg), \start
	add	$4095, \start
	and	$-4096, \start
	mov	GW_PG_END(\pg), \bytes
	sub	\start, \bytes
.endm

/* MEDIUM_BARE_RANGE hdr, size, start, bytes: what a BARE free block of `size` bytes at hdr does
 * not hold: its whole 4 KiB pages past the header and links (hdr + 32) and before the footer
 * (bytes may come out 0 or negative for a small block, which is never BARE). */
.macro MEDIUM_BARE_RANGE hdr, size, start, bytes
	lea	(32 + 4095)(\hdr), \start
	and	$-4096, \start
	lea	-8(\hdr,\size), \bytes
	and	$-4096, \bytes
	sub	\start, \bytes
.endm

/* UNBARE_NO_PEAK heap, hdr, word, t1, t2, t3, keep=0: if the free block hdr (header word
 * `word`) is BARE, its flag goes and its decommitted bytes count again, without a peak: for a
 * caller that makes it BARE again or gives it back before anything else happens.  keep=1: the
 * caller absorbs it and settles with REBARE_SETTLED; its range goes to kept_bare (KEEP_BARE). */
.macro UNBARE_NO_PEAK heap, hdr, word, t1, t2, t3, keep=0
	test	$GW_FLAG_BARE, \word
	jz	.Lunbare_np\@
	TOGGLE_FLAG \hdr, GW_FLAG_BARE
	mov	\word, \t3
	and	$GW_SIZE_MASK, \t3
	MEDIUM_BARE_RANGE \hdr, \t3, \t1, \t2
	add	\t2, GW_HEAP_FOOTPRINT(\heap)
.if \keep
	KEEP_BARE \heap, \t1, \t2, \t3
.endif
.Lunbare_np\@:
.endm

/* KEEP_BARE heap, start, bytes, tmp: [start, start + bytes), the decommitted pages of a BARE
 * block the call under way absorbs, go to the first free entry of kept_bare (gw_heap.h): a call
 * absorbs at most two (gw_medium_free: the blocks before and after the one it frees). */
.macro KEEP_BARE heap, start, bytes, tmp
	lea	(\start,\bytes), \tmp
	cmpq	$0, (GW_HEAP_KEPT_BARE + 8)(\heap)
	jne	.Lkeep_second\@
	mov	\start, GW_HEAP_KEPT_BARE(\heap)
	mov	\tmp, (GW_HEAP_KEPT_BARE + 8)(\heap)
	jmp	.Lkeep_done\@
.Lkeep_second\@:
	mov	\start, (GW_HEAP_KEPT_BARE + 16)(\heap)
	mov	\tmp, (GW_HEAP_KEPT_BARE + 24)(\heap)
.Lkeep_done\@:
.endm

/* REBARE_SETTLED heap: the call that absorbed BARE blocks is done with them: rebare and
 * kept_bare are clear again (written only when rebare was set: nothing to do otherwise). */
.macro REBARE_SETTLED heap
	movb	$0, GW_HEAP_REBARE(\heap)
	movq	$0, GW_HEAP_KEPT_BARE(\heap)
	movq	$0, (GW_HEAP_KEPT_BARE + 8)(\heap)
	movq	$0, (GW_HEAP_KEPT_BARE + 16)(\heap)
	movq	$0, (GW_HEAP_KEPT_BARE + 24)(\heap)
.endm

#endif /* __ASSEMBLER__ */
#endif /* GW_BARE_H */
