/* query.S - read-only questions about blocks and the heap, and the fail-after test hook.
 *
 *   gw_block_info(heap, ptr)   the one classification of a pointer, shared by realloc and
 *                              usable_size: what it is, its header, its usable bytes, or why not
 *   gw_heap_usable_size, gw_heap_stats, gw_heap_last_status, gw_heap_fail_after
 */
#include "gw_heap.h"
#include "macros.h"
#include "snippets.h"

/* gw_block_info(const GwHeap* heap, const void* ptr)   (hidden; custom multi-value return)
 * out: edx status (GW_OK for a live block, else DOUBLE_FREE / INVALID_POINTER / CORRUPT),
 *      rax usable bytes (0 unless OK), ecx radix tag, r8 header (page header for small, block
 *      header for medium and huge), r9 medium chunk header.
 * Reads free's radix cache (never writes it: the heap is const here) before the radix tree,
 * and a small slot's bitmap bit before anything else: a set bit alone proves a live slot start
 * (see free.S), the exact division runs only when it is clear.
 * Leaf; reads only heap-owned memory; clobbers rax rcx rdx r8 r9 r10. */
HIDDEN_ENTRY(gw_block_info)
	FREE_CACHE_INDEX %rsi, %rax, %r10	/* rax key, r10 = 2 * set */
	cmp	GW_HEAP_FREE_KEYS(%rdi,%r10,8), %rax
	jne	L(bi_lookup)
	mov	GW_HEAP_FREE_PAGES(%rdi,%r10,8), %r8
L(bi_small):				/* r8 = page header of ptr's window */
	mov	$GW_TAG_SMALL, %ecx
	mov	%esi, %eax
	and	$(GW_PAGE_BYTES - 1), %eax
	shr	$4, %eax			/* granule */
	mov	%eax, %r10d
	shr	$6, %r10d
	mov	GW_PG_BITMAP(%r8,%r10,8), %rdx
	bt	%rax, %rdx
	jnc	L(bi_not_live)
	mov	GW_PG_SIZE(%r8), %rax
	xor	%edx, %edx
	ret
L(bi_not_live):				/* freed slot start, or no slot start at all */
	mov	%rsi, %rax
	sub	GW_PG_SLOTS(%r8), %rax
	jb	L(bi_invalid)
	mov	GW_PG_MAGIC(%r8), %edx
	imul	%rax, %rdx
	shr	$32, %rdx
	imul	GW_PG_SIZE(%r8), %rdx
	cmp	%rax, %rdx
	jne	L(bi_invalid)
	cmp	GW_PG_BUMP(%r8), %rsi
	jae	L(bi_invalid)
	jmp	L(bi_double)
L(bi_lookup):
	test	$15, %sil
	jnz	L(bi_invalid)
	test	%rsi, %rsi
	jz	L(bi_invalid)
	RADIX_LOOKUP %rdi, %rsi, %r9, %rax, L(bi_invalid)
	mov	%r9d, %ecx
	and	$GW_TAG_MASK, %ecx
	and	$-8, %r9
	mov	%r9, %r8
	cmp	$GW_TAG_SMALL, %ecx
	je	L(bi_small)
	cmp	$GW_TAG_MEDIUM, %ecx
	jne	L(bi_not_medium)
	lea	(GW_MEDIUM_FIRST_OFF + GW_MEDIUM_HDR)(%r9), %rax
	cmp	%rax, %rsi
	jb	L(bi_invalid)
	/* (no look at the chunk's end: its windows end there, and ptr is in one of them) */
	lea	-GW_MEDIUM_HDR(%rsi), %r8
	CHECK_HDR %rdi, %r8, %rax, %rdx, L(bi_invalid)
	test	$GW_FLAG_IN_USE, %al
	jz	L(bi_double)
	test	$GW_FLAG_HUGE, %al
	jnz	L(bi_invalid)
	test	$GW_FLAG_QUICK, %al
	jnz	L(bi_double)			/* parked on a quick list */
	and	$GW_SIZE_MASK, %rax
	sub	$GW_MEDIUM_HDR, %rax
	xor	%edx, %edx
	ret
L(bi_not_medium):
	lea	GW_HUGE_HDR(%r9), %rax
	cmp	%rax, %rsi
	jne	L(bi_invalid)
	cmp	$GW_TAG_HUGE_FREED, %ecx
	je	L(bi_double)
	cmp	$GW_TAG_HUGE, %ecx
	jne	L(bi_invalid)
	CHUNK_SEAL %rdi, %r9, %rax, %rdx	/* the chunk header (see free.S) */
	cmp	GW_CH_SEAL(%r9), %eax
	jne	L(bi_corrupt)
	lea	-GW_MEDIUM_HDR(%rsi), %r8
	CHECK_HDR %rdi, %r8, %rax, %rdx, L(bi_corrupt)
	and	$GW_SIZE_MASK, %rax
	sub	$GW_MEDIUM_HDR, %rax
	xor	%edx, %edx
	ret
L(bi_corrupt):
	mov	$GW_E_CORRUPT, %edx
	xor	%eax, %eax
	ret
L(bi_invalid):
	mov	$GW_E_INVALID_POINTER, %edx
	xor	%eax, %eax
	ret
L(bi_double):
	mov	$GW_E_DOUBLE_FREE, %edx
	xor	%eax, %eax
	ret
END(gw_block_info)

/* size_t gw_heap_usable_size(const GwHeap* heap, const void* ptr): 0 unless ptr is live (and
 * 0 for a NULL heap). */
ENTRY(gw_heap_usable_size)
	test	%rdi, %rdi
	jnz	gw_block_info			/* rax is 0 unless the block is live */
	xor	%eax, %eax
	ret
END(gw_heap_usable_size)

/* void gw_heap_stats(const GwHeap* heap, GwHeapStats* out)
 * NULL out: nothing.  NULL heap: *out all zero. */
ENTRY(gw_heap_stats)
	test	%rsi, %rsi
	jz	L(stats_out)
	test	%rdi, %rdi
	jz	L(stats_zero)
	mov	GW_HEAP_PEAK_LIVE(%rdi), %rax
	mov	%rax, 8(%rsi)
	sub	GW_HEAP_HEADROOM(%rdi), %rax	/* live = peak - headroom */
	mov	%rax, 0(%rsi)
	mov	GW_HEAP_FOOTPRINT(%rdi), %rax
	mov	%rax, 16(%rsi)
	mov	GW_HEAP_PEAK_FOOTPRINT(%rdi), %rax
	mov	%rax, 24(%rsi)
	mov	GW_HEAP_ALLOC_COUNT(%rdi), %rax
	mov	%rax, 32(%rsi)
	mov	GW_HEAP_FREE_COUNT(%rdi), %rax
	mov	%rax, 40(%rsi)
L(stats_out):
	ret
L(stats_zero):
	pxor	%xmm0, %xmm0
	movups	%xmm0, 0(%rsi)
	movups	%xmm0, 16(%rsi)
	movups	%xmm0, 32(%rsi)
	ret
END(gw_heap_stats)

/* int gw_heap_last_status(const GwHeap* heap): GW_E_INVALID_ARGUMENT for a NULL heap */
ENTRY(gw_heap_last_status)
	test	%rdi, %rdi
	jz	1f
	mov	GW_HEAP_STATUS(%rdi), %eax
	ret
1:	mov	$GW_E_INVALID_ARGUMENT, %eax
	ret
END(gw_heap_last_status)

/* void gw_heap_fail_after(GwHeap* heap, uint64_t n)
 * The n-th allocation from now fails (0: none).  While armed, small_gate is 0, so that
 * gw_heap_alloc's one size test sends every call past the hook (alloc.S).  NULL heap: nothing. */
ENTRY(gw_heap_fail_after)
	test	%rdi, %rdi
	jz	1f
	mov	%rsi, GW_HEAP_FAIL(%rdi)
	xor	%eax, %eax
	mov	$(GW_SMALL_MAX + 1), %ecx
	test	%rsi, %rsi
	cmovz	%rcx, %rax
	mov	%rax, GW_HEAP_SMALL_GATE(%rdi)
1:	ret
END(gw_heap_fail_after)

NO_EXEC_STACK
