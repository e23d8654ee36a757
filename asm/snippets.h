/* snippets.h - .macro snippets that several .S files of the heap share (the hot paths inline
 * them; cold work is a .hidden function instead).  Included after gw_heap.h and macros.h.
 *
 *   SLOT_BIT       a small slot's bit in its page's in-use bitmap
 *   LIST_PUSH      push onto a doubly linked list whose head is a memory word (pages, chunks)
 *   LIST_UNLINK    take a node off such a list
 *   FOOTER         write a free medium block's header and footer
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

#endif /* __ASSEMBLER__ */
#endif /* GW_SNIPPETS_H */
