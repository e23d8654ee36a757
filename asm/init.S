/* init.S - gw_heap_create and gw_heap_destroy.
 *
 * create: 1. read the config (NULL = defaults; chunk_alloc and chunk_free both set or both NULL;
 *            chunk_decommit is optional)
 *         2. take GW_HEAP_ALLOC_BYTES for the GwHeap record from the chunk source (it counts in
 *            the footprint and against the limit), zero it unless it came from mmap
 *         3. a per-heap cookie (rdtsc and the record's address, mixed) for header check words
 *         4. every small class starts on the empty page; free's radix cache is empty
 * destroy: dormant chunks, every chunk (page, medium, huge), the huge dormant chunks those may
 *          have become, every radix node, then the record
 *          itself go back.
 */
#include "gw_heap.h"
#include "macros.h"
#include "snippets.h"

/* GwHeap* gw_heap_create(const GwHeapConfig* config) */
ENTRY(gw_heap_create)
	SAVE5				/* rbx chunk_user, r12 heap, r13 memory_limit, r14 chunk_alloc, r15 chunk_free */
	SUB_RSP(16)			/* (rsp): chunk_decommit */
	xor	%ebx, %ebx
	xor	%r13d, %r13d
	xor	%r14d, %r14d
	xor	%r15d, %r15d
	movq	$0, (%rsp)
	test	%rdi, %rdi
	jz	1f
	mov	0(%rdi), %r13
	mov	8(%rdi), %r14
	mov	16(%rdi), %r15
	mov	24(%rdi), %rbx
	mov	32(%rdi), %rax
	mov	%rax, (%rsp)
1:	/* 1. both hooks or neither; a limit below the record itself cannot work */
	xor	%eax, %eax
	test	%r14, %r14
	setz	%al
	xor	%ecx, %ecx
	test	%r15, %r15
	setz	%cl
	cmp	%eax, %ecx
	jne	L(create_fail)
	test	%r13, %r13
	jz	2f
	cmp	$GW_HEAP_ALLOC_BYTES, %r13
	jb	L(create_fail)
2:	/* 2. the record */
	test	%r14, %r14
	jnz	3f
	xor	%edi, %edi
	mov	$GW_HEAP_ALLOC_BYTES, %esi
	mov	$3, %edx
	/* MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE: the record's pages are all written soon, and
	 *    the kernel fills them in one call for less than a page fault each (in a VM a fault
	 *    costs tens of microseconds; create + destroy of an empty heap: 310 -> 291 us) */
	mov	$0x8022, %r10d
	mov	$-1, %r8
	xor	%r9d, %r9d
	KERNEL_CALL mmap
	cmp	$-4096, %rax
	ja	L(create_fail)
	mov	%rax, %r12
	jmp	4f
3:	mov	%rbx, %rdi
	mov	$GW_HEAP_ALLOC_BYTES, %esi
	call	*%r14
	test	%rax, %rax
	jz	L(create_fail)
	mov	%rax, %r12
	test	$15, %al
	jnz	L(create_misaligned)
	mov	%r12, %rdi
	mov	$(GW_HEAP_ALLOC_BYTES / 8), %ecx
	xor	%eax, %eax
	rep stosq
4:	mov	%r13, GW_HEAP_LIMIT(%r12)
	mov	%r14, GW_HEAP_CHUNK_ALLOC(%r12)
	mov	%r15, GW_HEAP_CHUNK_FREE(%r12)
	mov	%rbx, GW_HEAP_CHUNK_USER(%r12)
	mov	(%rsp), %rax
	mov	%rax, GW_HEAP_CHUNK_DECOMMIT(%r12)
	mov	$GW_HEAP_ALLOC_BYTES, %eax
	mov	%rax, GW_HEAP_SELF_BYTES(%r12)
	mov	%rax, GW_HEAP_FOOTPRINT(%r12)
	mov	%rax, GW_HEAP_PEAK_FOOTPRINT(%r12)
	mov	%rax, GW_HEAP_FOOTPRINT_CEILING(%r12)
	/* 3. cookie: splitmix64 of (tsc ^ address) */
	rdtsc
	shl	$32, %rdx
	or	%rdx, %rax
	xor	%r12, %rax
	mov	$0x9e3779b97f4a7c15, %rcx
	add	%rcx, %rax
	mov	%rax, %rdx
	shr	$30, %rdx
	xor	%rdx, %rax
	mov	$0xbf58476d1ce4e5b9, %rcx
	imul	%rcx, %rax
	mov	%rax, %rdx
	shr	$27, %rdx
	xor	%rdx, %rax
	mov	$0x94d049bb133111eb, %rcx
	imul	%rcx, %rax
	mov	%rax, %rdx
	shr	$31, %rdx
	xor	%rdx, %rax
	mov	%rax, GW_HEAP_COOKIE(%r12)
	/* 4. the empty page: no free slot, no bump space; every class starts there */
	lea	GW_HEAP_EMPTY_PAGE(%r12), %rax
	movq	$GW_ALIGN, GW_PG_SIZE(%rax)
	xor	%ecx, %ecx
5:	mov	%rax, GW_HEAP_CUR(%r12,%rcx,8)
	inc	%ecx
	cmp	$GW_SMALL_CLASSES, %ecx
	jbe	5b
	FREE_CACHE_EMPTY %r12, %rcx		/* free's radix cache knows no window yet */
	movq	$(GW_SMALL_MAX + 1), GW_HEAP_SMALL_GATE(%r12)	/* the fail-after hook is off */
	mov	%r12, %rax
L(create_out):
	.cfi_remember_state
	ADD_RSP(16)
	RET5
	.cfi_restore_state
L(create_misaligned):
	mov	%rbx, %rdi
	mov	%r12, %rsi
	mov	$GW_HEAP_ALLOC_BYTES, %edx
	call	*%r15
L(create_fail):
	xor	%eax, %eax
	jmp	L(create_out)
END(gw_heap_create)

/* void gw_heap_destroy(GwHeap* heap) */
ENTRY(gw_heap_destroy)
	test	%rdi, %rdi
	jnz	1f
	ret					/* NULL: nothing to do */
1:	SAVE5				/* rbx heap, r12 chunk / L2 index, r13 next chunk / L2 node, r14 L3 index, r15 node sum check */
	mov	%rdi, %rbx
	/* 0. dormant chunks are unmapped, huge dormant ones too, and the lists are closed: every
	 *    chunk put below is unmapped at once (not given back with madvise first) */
	mov	GW_HEAP_DORMANT_COUNT(%rbx), %r12
9:	test	%r12, %r12
	jz	10f
	dec	%r12
	mov	GW_HEAP_DORMANT(%rbx,%r12,8), %rdi
	mov	%edi, %esi
	and	$(GW_PAGE_BYTES - 1), %esi
	xor	%rsi, %rdi			/* entry = address | pages */
	shl	$GW_PAGE_SHIFT, %esi
	KERNEL_CALL munmap
	jmp	9b
10:	mov	%rbx, %rdi
	call	gw_huge_dormant_clear
	movq	$(GW_DORMANT_MAX + 1), GW_HEAP_DORMANT_COUNT(%rbx)
	/* 1. whether the radix tree can be followed: the addresses found in the L2 nodes add up
	 *    to the record's sum (else an overflow damaged an L2 node, and an entry may point
	 *    anywhere: neither the chunks, which are known by their entries, nor the L3 nodes are
	 *    given back; they leak) */
	xor	%r15d, %r15d
	movabs	$GW_NODE_SUM_FACTOR, %rcx
	xor	%r12d, %r12d
12:	mov	GW_HEAP_RADIX(%rbx,%r12,8), %r13
	mov	%r13, %rax
	imul	%rcx, %rax
	add	%rax, %r15
	test	%r13, %r13
	jz	14f
	xor	%r14d, %r14d
13:	mov	(%r13,%r14,8), %rax
	imul	%rcx, %rax
	add	%rax, %r15
	inc	%r14d
	cmp	$GW_RADIX_NODE_COUNT, %r14d
	jb	13b
14:	inc	%r12d
	cmp	$GW_RADIX_L1_COUNT, %r12d
	jb	12b
	sub	GW_HEAP_RADIX_NODE_SUM(%rbx), %r15	/* 0: sound */
	/* 2. every chunk, as far as the list can be trusted (gw_chunk_claim): a chunk whose
	 *    header an overflow damaged is not given back (it leaks), and a link that leads to no
	 *    chunk of the heap ends the walk, so the source is never handed an address or a size
	 *    it did not hand out */
	test	%r15, %r15
	jnz	2f
	mov	GW_HEAP_CHUNKS(%rbx), %r12
1:	test	%r12, %r12
	jz	2f
	mov	%rbx, %rdi
	mov	%r12, %rsi
	call	gw_chunk_claim
	test	%eax, %eax
	jz	2f
	mov	GW_CH_NEXT(%r12), %r13
	cmp	$1, %eax
	je	11f
	mov	%r13, %r12			/* damaged: left where it is */
	jmp	1b
11:	mov	%rbx, %rdi
	mov	GW_CH_RAW(%r12), %rsi
	mov	GW_CH_RAW_BYTES(%r12), %rdx
	call	gw_chunk_put
	mov	%r13, %r12
	jmp	1b
2:	movq	$0, GW_HEAP_CHUNKS(%rbx)
	/* 3. every radix node; the L3 nodes only if the tree is sound (step 1) */
	xor	%r12d, %r12d
3:	mov	GW_HEAP_RADIX(%rbx,%r12,8), %r13
	test	%r13, %r13
	jz	6f
	xor	%r14d, %r14d
	test	%r15, %r15
	jnz	51f
4:	mov	(%r13,%r14,8), %rsi
	test	%rsi, %rsi
	jz	5f
	mov	%rbx, %rdi
	mov	$GW_RADIX_NODE_BYTES, %edx
	call	gw_chunk_put
5:	inc	%r14d
	cmp	$GW_RADIX_NODE_COUNT, %r14d
	jb	4b
51:	mov	%rbx, %rdi
	mov	%r13, %rsi
	mov	$GW_RADIX_NODE_BYTES, %edx
	call	gw_chunk_put
6:	inc	%r12d
	cmp	$GW_RADIX_L1_COUNT, %r12d
	jb	3b
	/* 4. the record itself */
	mov	GW_HEAP_SELF_BYTES(%rbx), %rdx
	mov	GW_HEAP_CHUNK_FREE(%rbx), %rax
	cmpq	$0, GW_HEAP_CHUNK_ALLOC(%rbx)
	jne	7f
	mov	%rbx, %rdi
	mov	%rdx, %rsi
	KERNEL_CALL munmap
	jmp	8f
7:	mov	%rbx, %rsi
	mov	GW_HEAP_CHUNK_USER(%rbx), %rdi
	call	*%rax
8:	RET5
END(gw_heap_destroy)

NO_EXEC_STACK
