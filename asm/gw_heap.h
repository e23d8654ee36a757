/* gw_heap.h - the one contract between the assembly heap and everything else.
 *
 * Read by `as` (through the C preprocessor of .S files: only the #defines) and by C and C++
 * (the prototypes and structs below, under #ifndef __ASSEMBLER__). heap/layout.cpp
 * static_asserts every offset here against the C view, so nothing is kept in sync by hand.
 *
 * Memory picture (see asm/README.md for the long form)
 * ----------------------------------------------------
 * Every byte comes from the chunk source in one of three kinds of chunk:
 *
 *   page chunk   (n pages of GW_PAGE_BYTES, 32 KiB aligned, GW_CHUNK_MIN_PAGES <= n <=
 *                GW_PAGES_PER_CHUNK: 128 KiB, then 1/32 of the heap's peak footprint).
 *                Each page serves ONE small size class (16..GW_SMALL_MAX in 16-byte steps) with
 *                HEADERLESS slots.  All metadata sits in the first GW_CH_BYTES + n *
 *                GW_PG_HDR_BYTES bytes of the chunk (at most GW_CHUNK_META_BYTES, within one
 *                4 KiB page: TLB-friendly): the chunk header (GW_CH_*), then page i's header
 *                (GW_PG_*) at chunk + GW_CH_BYTES + i * GW_PG_HDR_BYTES, holding the
 *                page's free list, bump pointer and an in-use bitmap (one bit per 16-byte
 *                granule of the page).  Page 0's slots start after the metadata.
 *                Invariants: used = popcount(bitmap) = (bump - slots) / size - length(free
 *                list); a live bit marks a slot start below bump; state FREE <=> the page is in
 *                the pool and used = 0; CUR <=> it is cur[class]; AVAIL <=> it is on
 *                avail[class] and has a free slot; chunk used = pages not FREE.
 *   medium chunk (n pages like a page chunk, or more when a block needs it, 32 KiB aligned):
 *                a chunk header, then blocks with boundary tags, then an end sentinel (size 0,
 *                in use) ending at GW_CH_END.  A free block is its chunk's only block (the chunk
 *                is empty) iff it starts at chunk + GW_MEDIUM_FIRST_OFF and its size is the
 *                chunk's bytes - GW_MEDIUM_FIRST_OFF - GW_MEDIUM_HDR.  TLSF bins (GW_FL x GW_SL lists,
 *                two-level bitmaps) hold the free blocks.
 *   huge chunk   (requests above GW_MEDIUM_MAX_BLOCK - 16): one block; the chunk header is
 *                the 64 bytes just before the user pointer.
 * footprint_bytes = GW_HEAP_ALLOC_BYTES + the radix node bytes that count (gw_radix_slot)
 * + the raw bytes of every chunk - the decommitted bytes of every BARE page (GW_PAGE_BARE: a free page whose
 * memory from the first 4 KiB boundary at or after its first slot to its end was given back)
 * and of every BARE free medium block (GW_FLAG_BARE: its whole 4 KiB pages past its links and
 * before its footer were given back), and the part past GW_PG_END of a current page taken from
 * BARE (it counts 4 KiB at a time as its slots are handed out).  Only a source that can
 * decommit has BARE memory: the default one (madvise) or a custom one with
 * config.chunk_decommit; BARE medium blocks and short current pages only in a heap without
 * memory_limit (counting one again when it is taken, merged or extended cannot fail).
 * Chunks the default (mmap) source got back are MADV_FREE'd "dormant" address ranges the heap
 * may reuse first; they are not part of the footprint.
 *
 * Medium (and huge) block header, 16 bytes just before the user pointer:
 *   +0  word    size | flags    size = whole block incl. header, multiple of 16
 *                               bit 0 IN_USE, bit 1 PREV_FREE (block before is free), bit 2 HUGE,
 *                               bit 3 BARE (free blocks only: see footprint_bytes above),
 *                               or QUICK (IN_USE blocks only: freed, on a quick list, below)
 *   +8  check   cookie ^ header address ^ word: catches overflow damage and foreign pointers
 * A free medium block also holds: +16 next free, +24 prev free (its TLSF list), and its size in
 * its last 8 bytes (the footer read by the next block to coalesce backwards).
 * Invariants: no two adjacent medium blocks are both free; a block's PREV_FREE bit equals the
 * IN_USE bit of the block before it, negated; every free block is in exactly the bin its size
 * maps to; bin (fl, sl) non-empty <=> bit sl of sl_bitmap[fl] <=> (and bit fl of fl_bitmap).
 *
 * Which chunk owns an address: a per-heap 3-level radix tree over 32 KiB windows
 * (bits 37..46 -> L1 in the heap, 26..36 -> L2 node, 15..25 -> L3 node).  An L3 entry is
 * (header address | tag): the page header for a small page, the chunk header for a medium chunk,
 * the huge header for the window holding a huge block's user pointer.  Nothing else is ever read
 * to decide whether a pointer is ours, so stack, malloc and foreign-heap pointers are rejected
 * without touching memory the heap does not own.
 */
#ifndef GW_HEAP_H
#define GW_HEAP_H

/* ---- status codes (gw_heap_free's result, gw_heap_last_status) ---- */
#define GW_OK 0
#define GW_E_NOMEM 1            /* the chunk source had no memory */
#define GW_E_LIMIT 2            /* config.memory_limit would be exceeded */
#define GW_E_DOUBLE_FREE 3      /* the block is already free */
#define GW_E_INVALID_POINTER 4  /* not a block this heap handed out (interior, foreign, ...) */
#define GW_E_CORRUPT 5          /* a header or the heap's structure is damaged */
#define GW_E_INVALID_ARGUMENT 6 /* bad alignment, NULL heap, wrong size for a sized free */
#define GW_STATUS_COUNT 7

/* ---- geometry ---- */
#define GW_ALIGN 16
#define GW_SMALL_MAX 1024      /* largest request served from a small class */
#define GW_SMALL_CLASSES 64    /* classes 1..64, class c holds blocks of 16*c bytes */
#define GW_BORROW_CLASSES 2  /* a class with no page to spare may use a free slot of the next 2 */
#define GW_SMALL_LEND 32     /* a class's first 32 blocks may be medium blocks (rare classes) */
#define GW_PAGE_SHIFT 15
#define GW_PAGE_BYTES 32768    /* one small page = one radix window */
#define GW_CHUNK_BYTES 262144  /* the largest page chunk and dormant chunk */
#define GW_RELEASE_BATCH_BYTES (2 << 20) /* dormant chunks given back in one madvise at most */
#define GW_RESERVE_CHUNKS 4    /* wholly free chunks kept per kind: 4 of 8 pages, or as many */
                               /* pages in smaller chunks (dropped before the footprint ceiling) */
/* More wholly free chunks than that are kept too while the reserve is in use: once a spare chunk
 * has gone back into use, until the heap has done peak footprint >> GW_RESERVE_IDLE_SHIFT
 * operations (allocs + frees) since a spare last did; then the next chunk to empty, and every
 * spare beyond the small reserve, go back (gw_heap_trim does that at once).  A heap that only
 * shrinks gives them back at once.  Dropped before the footprint would pass its ceiling too. */
#define GW_RESERVE_IDLE_SHIFT 3
#define GW_PAGES_PER_CHUNK 8   /* most pages of a page chunk */
/* A new page chunk has peak footprint >> GW_CHUNK_GROWTH_SHIFT bytes in whole pages, at least
 * GW_CHUNK_MIN_PAGES and at most GW_PAGES_PER_CHUNK; a new medium chunk the same with the
 * GW_MEDIUM_* pair, or what its first block needs if that is more.  (Chunks of 1 or 2 pages
 * would cut the footprint of 1-2 MiB heaps further but cost 8-11% replay time: asm/README.md.) */
#define GW_CHUNK_MIN_PAGES 4
#define GW_CHUNK_GROWTH_SHIFT 5
#define GW_MEDIUM_MIN_PAGES 4
#define GW_MEDIUM_GROWTH_SHIFT 5
#define GW_CHUNK_META_BYTES 3136 /* chunk header + 8 page headers: most metadata of a chunk */
#define GW_MEDIUM_HDR 16       /* header bytes of a medium / huge block */
#define GW_MEDIUM_MIN_BLOCK 48 /* header + two links + footer, rounded to 16 */
#define GW_MEDIUM_SPLIT_MIN 64 /* a tail smaller than this is not split off */
#define GW_MEDIUM_FIRST_OFF 64 /* first block header inside a medium chunk */
#define GW_MEDIUM_MAX_BLOCK 131072 /* larger blocks are huge chunks of their own */
#define GW_HUGE_HDR 64         /* huge: chunk header bytes before the user pointer */
#define GW_MAX_REQUEST 0x0000400000000000 /* 64 TiB: larger requests fail with NOMEM */
#define GW_FL_COUNT 64 /* TLSF first level = bit index of the size */
#define GW_SL_SHIFT 4  /* 16 second-level lists per first level */
#define GW_SL_COUNT 16

/* ---- block header words ---- */
#define GW_HDR_WORD_OFF 0
#define GW_HDR_CHECK_OFF 8
#define GW_HDR_NEXT_OFF 16 /* free medium blocks only */
#define GW_HDR_PREV_OFF 24
#define GW_FLAG_IN_USE 1
#define GW_FLAG_PREV_FREE 2
#define GW_FLAG_HUGE 4
#define GW_FLAG_BARE 8 /* a free medium block whose inner pages are decommitted (not counted) */
#define GW_FLAG_QUICK 8 /* the same bit on an IN_USE medium block: freed, parked on a quick list */
/* a free medium block goes BARE only for this many bytes or more */
#define GW_MEDIUM_BARE_MIN 16384
/* A heap whose peak footprint is below this decommits nothing to keep its peak down (no BARE
 * pages or medium blocks are made: gw_reserve_drop, gw_medium_free, gw_medium_trim): there the
 * syscalls and page faults of giving back and taking again cost more than the few KiB saved.  */
#define GW_DECOMMIT_MIN_PEAK (1 << 20)
#define GW_SIZE_MASK (~15)

/* ---- quick lists: deferred coalescing of medium blocks ----
 * A medium request of up to GW_QUICK_MAX_BLOCK bytes with its header is rounded up to a quick
 * class: 2^GW_QUICK_CLASS_BITS classes per power of two (1152, 1280, ..., 1920, 2048, 2304, ...,
 * 65536), so a block is at most 1/8 bigger than it needs to be, and blocks freed at one size
 * serve the requests of all the sizes near it.  free parks a medium block of
 * GW_QUICK_MIN_BLOCK..GW_QUICK_MAX_BLOCK bytes on the quick list of the largest class it holds
 * (list i: blocks of class i's bytes up to class i+1's; LIFO, linked at +16) instead of
 * coalescing it, while fewer than GW_QUICK_LIMIT blocks and at most footprint
 * >> GW_QUICK_BYTES_SHIFT bytes are parked (parked space stays a small share of any heap).
 * Its header gets QUICK; IN_USE stays set, so its neighbours treat it as in use and parking
 * reads no neighbour but the next header (overflow damage is still seen by free).  A second
 * free of it is a double free.  gw_heap_alloc of that class pops the first block of the
 * list (a recently freed block: cache-warm): an alloc and a free touch one block and the
 * heap's list head, where a TLSF split and merge touch the neighbours, the bins' blocks and
 * the footers, each a cache miss on a big heap.  Before a medium chunk is made
 * (gw_medium_take), before the footprint ceiling (gw_reserve_drop) and in gw_heap_trim, every
 * parked block is coalesced as free would have done (gw_medium_quick_flush: at most
 * GW_QUICK_LIMIT blocks).  Parked blocks are not live bytes; they stay in the footprint like
 * the blocks in use.
 * Class of a block of b bytes (QUICK_INDEX, QUICK_ROUND): with s = bsr(b) - GW_QUICK_CLASS_BITS,
 * index = (s << GW_QUICK_CLASS_BITS) + (b >> s) - GW_QUICK_INDEX_BIAS. */
#define GW_QUICK_MIN_BLOCK 1152  /* the smallest class: the smallest medium request's 1056 */
                                 /* bytes (1025 + header) round up to it */
#define GW_QUICK_MAX_BLOCK 65536 /* the largest class; bigger blocks are TLSF's alone */
#define GW_QUICK_CLASS_BITS 3    /* 8 classes per power of two */
#define GW_QUICK_INDEX_BIAS 65   /* (7 << 3) + (1152 >> 7): GW_QUICK_MIN_BLOCK is class 0 */
#define GW_QUICK_LISTS 48        /* (13 << 3) + (65536 >> 13) - 65 + 1 */
#define GW_QUICK_LIMIT 512      /* blocks parked at most: the bound of a flush */
#define GW_QUICK_BYTES_SHIFT 5  /* and at most footprint / 32 bytes of them */

/* ---- radix tree ---- */
#define GW_RADIX_L1_SHIFT 37
#define GW_RADIX_L1_COUNT 1024
#define GW_RADIX_L2_SHIFT 26
#define GW_RADIX_L3_SHIFT 15
#define GW_RADIX_NODE_COUNT 2048 /* entries of an L2 or L3 node */
#define GW_RADIX_NODE_BYTES 16384
#define GW_RADIX_TRACKED 16 /* default-source nodes whose pages count one by one (gw_radix_slot) */
#define GW_ADDRESS_BITS 47
#define GW_TAG_MASK 7
#define GW_TAG_SMALL 1      /* entry = page header | 1 */
#define GW_TAG_MEDIUM 2     /* entry = chunk header | 2 */
#define GW_TAG_HUGE 3       /* entry = huge chunk header | 3 */
#define GW_TAG_HUGE_FREED 4 /* tombstone of a freed huge block: double frees stay detectable */

/* ---- chunk header (start of page and medium chunks; 64 bytes before a huge block) ---- */
#define GW_CH_RAW 0        /* pointer given back to chunk_free */
#define GW_CH_RAW_BYTES 8  /* byte count given back to chunk_free */
#define GW_CH_NEXT 16      /* every chunk of the heap is on one list */
#define GW_CH_PREV 24
#define GW_CH_KIND 32      /* u16: GW_KIND_* */
#define GW_CH_USED 34      /* u16: page chunk: pages in use */
#define GW_CH_ASKED 34     /* u16: huge chunk: the pages its block's last request needed (0: more
                            * than 65535), so that realloc can tell a buffer growing inside a
                            * bigger chunk from a shrink (gw_huge_shrink) */
#define GW_CH_SEAL 36      /* u32: CHUNK_SEAL of raw, raw bytes, end, kind and the address: a
                            * chunk header is trusted (given to chunk_free, unlinked, followed)
                            * only with it; an overflow from the block before damages raw first */
#define GW_CH_END 40       /* end of the usable region (page and medium chunks) */
#define GW_CH_EMPTY_NEXT 48 /* list of the wholly free page (or medium) chunks kept in reserve */
#define GW_CH_EMPTY_PREV 56
#define GW_CH_BYTES 64
#define GW_KIND_PAGES 1
#define GW_KIND_MEDIUM 2
#define GW_KIND_HUGE 3

/* ---- small page header (page i of a chunk: chunk + GW_CH_BYTES + i * GW_PG_HDR_BYTES) ---- */
#define GW_PG_FREE 0    /* free slot list (next pointer in the slot's first word) */
/* A free slot's next pointer XOR the slot's own address has none of these bits set: the same
 * page, 16-byte aligned.  gw_heap_alloc tests it before it follows the pointer, so a write past
 * a live block into a free neighbour is reported (GW_E_CORRUPT), not followed into a crash. */
#define GW_SLOT_NEXT_FAR (-GW_PAGE_BYTES | 15)
#define GW_PG_BUMP 8    /* first never-used slot */
#define GW_PG_END 16    /* page end: bump + size <= end while slots remain (a CUR page's may
                          stop short at a 4 KiB boundary: gw_page_commit, gw_page_extend) */
#define GW_PG_SIZE 24   /* slot bytes = 16 * class */
#define GW_PG_USED 32   /* u32: live slots, | GW_PG_USED_FULL while the page is FULL */
#define GW_PG_CLASS 36  /* u32 */
#define GW_PG_STATE 40  /* u32: GW_PAGE_* */
#define GW_PG_MAGIC 44  /* u32: floor(2^32 / size) + 1, exact division of offsets < 2^16 */
#define GW_PG_SLOTS 48  /* first slot address */
#define GW_PG_BASE 56   /* page start (32 KiB aligned): granule g = (ptr - base) / 16 */
/* (everything free and alloc read is above, in the header's first cache line) */
#define GW_PG_NEXT 64   /* page pool list or class avail list */
#define GW_PG_PREV 72
#define GW_PG_CHUNK 80  /* owning chunk header */
#define GW_PG_BITMAP 128 /* 256 bytes: bit g set <=> the slot starting at granule g is live */
#define GW_PG_HDR_BYTES 384
#define GW_PAGE_FREE 0  /* in the heap's page pool */
#define GW_PAGE_CUR 1   /* the class's current page */
#define GW_PAGE_AVAIL 2 /* on the class's list of pages with free slots */
#define GW_PAGE_FULL 3  /* no free slot, on no list */
#define GW_PAGE_BARE 4  /* on the heap's bare list: its slot bytes are decommitted (not counted) */
/* the sign bit of a FULL page's used count: free's one `decl; jle` then catches both rare cases
 * (the page empties, or it was FULL); it is cleared before gw_small_page_event runs */
#define GW_PG_USED_FULL 0x80000000

/* ---- struct GwHeap (offsets; heap/layout.cpp checks them) ---- */
#define GW_HEAP_COOKIE 0
#define GW_HEAP_SMALL_GATE 8 /* GW_SMALL_MAX + 1, or 0 while the fail-after hook is armed */
#define GW_HEAP_HEADROOM 16 /* peak_live_bytes - live_bytes: alloc subtracts, free adds */
#define GW_HEAP_PEAK_LIVE 24
#define GW_HEAP_FOOTPRINT 32
#define GW_HEAP_PEAK_FOOTPRINT 40
#define GW_HEAP_ALLOC_COUNT 48
#define GW_HEAP_FREE_COUNT 56
#define GW_HEAP_STATUS 64
#define GW_HEAP_LIMIT 72
#define GW_HEAP_CHUNK_ALLOC 80
#define GW_HEAP_CHUNK_FREE 88
#define GW_HEAP_CHUNK_USER 96
#define GW_HEAP_CHUNKS 104          /* list of every chunk (GW_CH_NEXT) */
#define GW_HEAP_PAGE_POOL 112       /* free pages (GW_PG_NEXT / GW_PG_PREV) */
#define GW_HEAP_EMPTY_PAGE_CHUNKS 120
#define GW_HEAP_EMPTY_MEDIUM_CHUNKS 128
#define GW_HEAP_FL_BITMAP 136
#define GW_HEAP_SELF_BYTES 144      /* bytes of this struct's own allocation */
#define GW_HEAP_RADIX_NODES 152     /* count of L2 + L3 nodes */
#define GW_HEAP_PAGE_CHUNK_COUNT 160
#define GW_HEAP_MEDIUM_CHUNK_COUNT 168
#define GW_HEAP_HUGE_COUNT 176
#define GW_HEAP_EMPTY_PAGE 184      /* a page header with no slots: every class starts here */
/* From cur[] on, each field follows the one before, so the arrays take the lengths their
 * constants give them (heap/layout.cpp checks every offset against the C struct). */
#define GW_HEAP_CUR 320             /* [GW_SMALL_CLASSES + 1] current page per class */
/* [GW_SMALL_CLASSES + 1] pages with free slots per class */
#define GW_HEAP_AVAIL (GW_HEAP_CUR + 8 * (GW_SMALL_CLASSES + 1))
#define GW_HEAP_SL_BITMAP (GW_HEAP_AVAIL + 8 * (GW_SMALL_CLASSES + 1)) /* [GW_FL_COUNT] u64 */
/* [GW_FL_COUNT * GW_SL_COUNT] free block lists */
#define GW_HEAP_BINS (GW_HEAP_SL_BITMAP + 8 * GW_FL_COUNT)
/* [GW_RADIX_L1_COUNT] L2 node pointers */
#define GW_HEAP_RADIX (GW_HEAP_BINS + 8 * GW_FL_COUNT * GW_SL_COUNT)
/* default source: chunks given back with MADV_FREE */
#define GW_HEAP_DORMANT_COUNT (GW_HEAP_RADIX + 8 * GW_RADIX_L1_COUNT)
/* [GW_DORMANT_MAX] address | pages: reused first */
#define GW_HEAP_DORMANT (GW_HEAP_DORMANT_COUNT + 8)
/* [GW_SMALL_CLASSES + 1] u8: small blocks served as medium */
#define GW_HEAP_LENT (GW_HEAP_DORMANT + 8 * GW_DORMANT_MAX)
/* u8: a BARE block was absorbed, to settle (0 between calls) */
#define GW_HEAP_REBARE (GW_HEAP_LENT + GW_SMALL_CLASSES + 1)
/* the empty_page_chunks chunks (GW_CH_EMPTY_NEXT) */
#define GW_HEAP_EMPTY_PAGE_LIST ((GW_HEAP_REBARE + 8) & ~7)
#define GW_HEAP_EMPTY_MEDIUM_LIST (GW_HEAP_EMPTY_PAGE_LIST + 8) /* the empty_medium_chunks chunks */
/* [GW_FREE_CACHE_SETS] {key, page}: free's radix cache */
#define GW_HEAP_FREE_CACHE (GW_HEAP_EMPTY_MEDIUM_LIST + 8)
/* a set's key (small window) and page header, one 16-byte entry (one cache line, not two):
 * index register = 2 * set, scale 8 (GW_FREE_CACHE_INDEX) */
#define GW_HEAP_FREE_KEYS GW_HEAP_FREE_CACHE
#define GW_HEAP_FREE_PAGES (GW_HEAP_FREE_CACHE + 8)
/* config.chunk_decommit */
#define GW_HEAP_CHUNK_DECOMMIT (GW_HEAP_FREE_CACHE + 16 * GW_FREE_CACHE_SETS)
/* pages whose slot bytes are decommitted (GW_PG_NEXT / _PREV) */
#define GW_HEAP_BARE_PAGES (GW_HEAP_CHUNK_DECOMMIT + 8)
/* alloc_count + free_count when a spare went back into use */
#define GW_HEAP_RESERVE_USED_AT (GW_HEAP_BARE_PAGES + 8)
/* the newest chunk, until its first use */
#define GW_HEAP_FRESH_CHUNK (GW_HEAP_RESERVE_USED_AT + 8)
/* default source: big chunks given back with MADV_FREE */
#define GW_HEAP_HUGE_DORMANT_COUNT (GW_HEAP_FRESH_CHUNK + 8)
/* [GW_HUGE_DORMANT_MAX] {address, bytes} */
#define GW_HEAP_HUGE_DORMANT (GW_HEAP_HUGE_DORMANT_COUNT + 8)
/* fail-after countdown, 0 = off */
#define GW_HEAP_FAIL (GW_HEAP_HUGE_DORMANT + 16 * GW_HUGE_DORMANT_MAX)
/* [GW_RADIX_TRACKED] node | bit per 4 KiB page counted */
#define GW_HEAP_RADIX_PAGES (GW_HEAP_FAIL + 8)
/* blocks on the quick lists */
#define GW_HEAP_QUICK_COUNT (GW_HEAP_RADIX_PAGES + 8 * GW_RADIX_TRACKED)
#define GW_HEAP_QUICK_BYTES (GW_HEAP_QUICK_COUNT + 8) /* and their bytes */
/* [GW_QUICK_LISTS] quick list heads, by block size */
#define GW_HEAP_QUICK (GW_HEAP_QUICK_BYTES + 8)
/* [2] {start, end}: decommitted pages of BARE blocks absorbed by the call under way (KEEP_BARE) */
#define GW_HEAP_KEPT_BARE (GW_HEAP_QUICK + 8 * GW_QUICK_LISTS)
/* {start, end}: chunks given back (gw_chunk_put) whose MADV_FREE is still to come ({0, 0}) */
#define GW_HEAP_RELEASING (GW_HEAP_KEPT_BARE + 32)
/* huge chunks freed and kept whole, still in the footprint (gw_huge_keep) */
#define GW_HEAP_HUGE_KEPT_COUNT (GW_HEAP_RELEASING + 16)
/* [GW_HUGE_KEPT_MAX] {address, bytes}, the oldest first */
#define GW_HEAP_HUGE_KEPT (GW_HEAP_HUGE_KEPT_COUNT + 8)
/* the sum of every radix node's address times GW_NODE_SUM_FACTOR (gw_radix_slot):
 * gw_heap_destroy gives the L3 nodes back only if the L2 entries it found them through add up
 * to it (an overflow into an L2 node must not make it hand garbage to the source; a product,
 * not a XOR, so that two entries overwritten with the same bytes do not cancel out) */
#define GW_HEAP_RADIX_NODE_SUM (GW_HEAP_HUGE_KEPT + 16 * GW_HUGE_KEPT_MAX)
/* the footprint past which reserves go back and free memory goes BARE (PEAK_FOLLOWS) */
#define GW_HEAP_FOOTPRINT_CEILING (GW_HEAP_RADIX_NODE_SUM + 8)
#define GW_HEAP_STRUCT_BYTES (GW_HEAP_FOOTPRINT_CEILING + 8)
#define GW_NODE_SUM_FACTOR 0x9e3779b97f4a7c15 /* odd: a bijection mod 2^64 */
#define GW_FREE_CACHE_SETS 256      /* direct mapped by window number: (ptr >> 15) % 256 */
#define GW_FREE_KEY_NONE 32         /* matches no key free looks up (bits 4..14 of keys are 0) */
#define GW_DORMANT_MAX 128
/* Chunks of the default source that are not dormant-shaped (a huge block's, or bigger than
 * GW_CHUNK_BYTES) and hold GW_HUGE_DORMANT_MIN_BYTES to GW_HUGE_DORMANT_MAX_BYTES are given
 * back with MADV_FREE too, the last GW_HUGE_DORMANT_MAX of them remembered: a huge request
 * takes one that fits with at most a quarter to spare (unmapped: only the bytes asked for
 * count), without an mmap and a fault per page.
 * (Kept chunks, below, take the first run of garbage texts a collector frees; so 8, at most
 * 256 MiB of address space whose pages the kernel takes back when it needs them.)  The most
 * is glibc's: its mmap threshold rises with every block it frees up to 32 MiB, and blocks
 * below it are reused from its heap; a 9 MiB block made, written and freed over and over
 * mapped and faulted in every page again here when the most was 8 MiB (18x glibc's time in
 * one run of ours, 900x in an outside tester's bench). */
#define GW_HUGE_DORMANT_MAX 8
#define GW_HUGE_DORMANT_MIN_BYTES 131072
#define GW_HUGE_DORMANT_MAX_BYTES 33554432
/* A huge block's chunk of the default source, of up to GW_HUGE_DORMANT_MAX_BYTES, is kept whole
 * when freed, while the kept chunks hold at most 3/4 of the peak footprint (or up to
 * GW_HUGE_KEPT_FLOOR) and number at most GW_HUGE_KEPT_MAX (the oldest go back to make room):
 * still in footprint_bytes, but taken back
 * by the next huge request of its size (up to a quarter smaller) without a syscall or a page
 * fault.  A program that makes and drops texts of 130 KB over and over paid a madvise per
 * text (228x Lua's time); a collection frees several at once.  They go back (MADV_FREE, then
 * huge dormant) before the footprint would pass its ceiling (gw_reserve_drop, first of all),
 * and in gw_heap_trim.  Past GW_HUGE_KEPT_FLOOR bytes, a huge block
 * that makes most of its heap's peak is not kept. */
#define GW_HUGE_KEPT_MAX 256 /* 16 rarely held one that fits a random size (asm/README.md) */
/* gw_chunk_get's flag for the chunk of a huge block that a realloc grows: it may take a kept
 * chunk of any size that fits (one with room to grow by half first), not only one up to a
 * quarter bigger.  A buffer grown by doubling to 4 MiB and freed, over and over, found its
 * 4 MiB chunk kept but too big for the 128 KiB step, so every round mapped and faulted in its
 * pages again; now the 128 KiB step takes it and the steps after grow in place. */
#define GW_CHUNK_GROWING 4
/* Kept huge chunks of up to this many bytes in all are kept whatever the peak: in a small heap
 * a block of 200 KB made and freed over and over is most of the peak, and giving it back each
 * time (madvise, then a page fault per page on the next one) cost 100-260x glibc's time,
 * which keeps it (its mmap threshold rises). A heap idle after such a block holds it until
 * gw_heap_trim or until the footprint would pass its ceiling. */
#define GW_HUGE_KEPT_FLOOR 33554432
/* The footprint ceiling (footprint_ceiling) is 1/2^GW_PEAK_SLACK_SHIFT above the footprint the
 * heap last reached with nothing left to give back.  The ceiling, not the peak, is where the
 * reserves go back: a strict peak made a program that needs a medium chunk and a kept huge
 * chunk at different moments (a buffer grown by realloc to 4 MiB, over and over) give back one
 * to make room for the other, every time, with a page fault per page to get it again.  The
 * slack is counted from a footprint that holds no reserve, so it does not compound: the peak
 * footprint stays within the slack of what the program needed at once. */
#define GW_PEAK_SLACK_SHIFT 4
#define GW_HEAP_ALLOC_BYTES 28672 /* what gw_heap_create takes from the chunk source */

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct GwHeap GwHeap;

typedef struct GwHeapConfig {
    /* Most bytes held from the chunk source at once; 0 = no limit.  The heap itself holds
     * GW_HEAP_ALLOC_BYTES and its first radix nodes (2 x 16 KiB) from the start, so a limit
     * leaves room for the first small block (up to GW_SMALL_MAX bytes) from about 80 KiB, for
     * the first medium one (up to 128 KiB) from about 200 KiB, and for a huge one when its
     * own size fits on top of what the heap holds; below that they fail with GW_E_LIMIT. */
    size_t memory_limit;
    /* Where memory comes from; NULL = anonymous mmap.  Must return 16-byte aligned memory (or
     * NULL); 32 KiB aligned memory avoids a 32 KiB over-request per 256 KiB chunk. */
    void* (*chunk_alloc)(void* user, size_t bytes);
    void (*chunk_free)(void* user, void* chunk, size_t bytes);
    void* chunk_user;
    /* Optional, custom sources only: the heap does not need [addr, addr + bytes) (whole 4 KiB
     * pages inside a chunk it holds) until it writes there again; those bytes leave
     * footprint_bytes until then.  NULL: every byte of a custom source's chunks stays counted.
     * The default source decommits with madvise. */
    void (*chunk_decommit)(void* user, void* addr, size_t bytes);
} GwHeapConfig;

typedef struct GwHeapStats {
    size_t live_bytes, peak_live_bytes;           /* usable bytes of live blocks */
    size_t footprint_bytes, peak_footprint_bytes; /* bytes held from the chunk source */
    size_t alloc_count, free_count;
} GwHeapStats;

/* The heap's state, laid out as the GW_HEAP_* offsets say.  Opaque to users: read it only
 * through the functions below. */
struct GwHeap {
    uint64_t cookie;
    /* gw_heap_alloc's first test, size < small_gate, is its small path: GW_SMALL_MAX + 1, or
     * 0 while fail_after is armed, so that one compare also sends every call to the hook (in
     * the record's first cache line, with the counters every alloc and free update) */
    uint64_t small_gate;
    /* live bytes = peak_live_bytes - live_headroom: an alloc subtracts its bytes from the
     * headroom (a borrow raises the peak), a free adds them back (gw_heap_stats adds up) */
    size_t live_headroom, peak_live_bytes, footprint_bytes, peak_footprint_bytes;
    size_t alloc_count, free_count;
    int64_t last_status;
    size_t memory_limit;
    void* (*chunk_alloc)(void* user, size_t bytes);
    void (*chunk_free)(void* user, void* chunk, size_t bytes);
    void* chunk_user;
    void* chunks;
    void* page_pool;
    size_t empty_page_chunks, empty_medium_chunks;
    uint64_t fl_bitmap;
    size_t self_bytes, radix_nodes, page_chunk_count, medium_chunk_count, huge_count;
    unsigned char empty_page[136];
    void* cur[GW_SMALL_CLASSES + 1];
    void* avail[GW_SMALL_CLASSES + 1];
    uint64_t sl_bitmap[GW_FL_COUNT];
    void* bins[GW_FL_COUNT * GW_SL_COUNT];
    uintptr_t* radix[GW_RADIX_L1_COUNT];
    size_t dormant_count;
    void* dormant[GW_DORMANT_MAX];
    /* per class: blocks served from free medium space before the class had a page to itself
     * (counts up to GW_SMALL_LEND, never down) */
    unsigned char lent[GW_SMALL_CLASSES + 1];
    /* set while a call absorbs a BARE free block (gw_medium_free's merges, gw_medium_remove
     * before gw_medium_trim): the result goes BARE again where it can (0 between calls) */
    unsigned char rebare;
    /* the wholly free chunks kept in reserve, linked through GW_CH_EMPTY_NEXT / _PREV: given
     * back before the heap would grow past its footprint ceiling */
    void* empty_page_list;
    void* empty_medium_list;
    /* gw_heap_free's direct-mapped cache of radix lookups: set (ptr >> 15) % GW_FREE_CACHE_SETS
     * holds a small page's window start and page header, or GW_FREE_KEY_NONE.  Emptied whenever
     * a radix entry is cleared. */
    struct {
        uintptr_t key;
        void* page;
    } free_cache[GW_FREE_CACHE_SETS];
    void (*chunk_decommit)(void* user, void* addr, size_t bytes);
    /* BARE pages: free pages of page chunks whose slot bytes (from the first 4 KiB boundary at
     * or after the page's first slot to its end) are decommitted and not in footprint_bytes:
     * the pages of a new page chunk past its first, and pool pages given back before the heap
     * would grow past its footprint ceiling.  A refill takes one (and counts it again) first. */
    void* bare_pages;
    /* alloc_count + free_count when a wholly free chunk kept in reserve last went back into
     * use (0: never): spares beyond GW_RESERVE_CHUNKS stay while that is recent
     * (GW_RESERVE_IDLE_SHIFT) */
    uint64_t reserve_used_at;
    /* the chunk gw_pages_grow or gw_medium_grow made last, until its first use: a new chunk
     * sits on the spare list for a moment, but taking it is no spare going back into use */
    void* fresh_chunk;
    /* huge (and other big) chunks given back with MADV_FREE, reused by huge requests */
    size_t huge_dormant_count;
    struct {
        void* address;
        size_t bytes;
    } huge_dormant[GW_HUGE_DORMANT_MAX];
    /* gw_heap_fail_after's countdown: the n-th allocation from then fails (0 = off) */
    uint64_t fail_after;
    /* a radix node from the default source counts in the footprint a 4 KiB page at a time, as
     * the heap first writes a slot there; radix_pages[] holds the first GW_RADIX_TRACKED such
     * nodes, each | a bit per page counted (later ones, and a custom source's, count whole) */
    uintptr_t radix_pages[GW_RADIX_TRACKED];
    /* freed medium blocks parked for reuse at their class (GW_FLAG_QUICK): list i holds blocks
     * of class i's bytes up to class i+1's, linked at GW_HDR_NEXT_OFF */
    size_t quick_count, quick_bytes;
    void* quick[GW_QUICK_LISTS];
    /* while rebare is set: the BARE ranges of the blocks that call absorbed ({0, 0}: none).
     * Their pages were decommitted and nothing has written them since, so when the result goes
     * BARE again, gw_bare_give_back decommits only the pages outside them (often none: a block
     * that grows in place into a BARE neighbour leaves a tail that is BARE already). */
    struct {
        uintptr_t start, end;
    } kept_bare[2];
    /* default source: dormant chunks given back next to each other (a heap emptied at the end
     * of a program gives back its chunks in address order) go to the kernel as one range, one
     * madvise(MADV_FREE) of up to GW_RELEASE_BATCH_BYTES, not one per chunk (each call flushes
     * the TLB).  The range goes before any chunk is taken (gw_chunk_get) and in gw_heap_trim.
     * {0, 0}: none waiting. */
    struct {
        uintptr_t start, end;
    } releasing;
    /* huge chunks freed and kept whole (GW_HUGE_KEPT_MAX), the oldest first: still counted in
     * footprint_bytes, given back before the footprint ceiling and by gw_heap_trim */
    size_t huge_kept_count;
    struct {
        void* address;
        size_t bytes;
    } huge_kept[GW_HUGE_KEPT_MAX];
    uintptr_t radix_node_sum; /* sum of every radix node's address * GW_NODE_SUM_FACTOR */
    /* the footprint past which the heap gives back its reserves (kept huge chunks, spare
     * chunks) and makes free memory BARE before it grows: a footprint the heap reached with
     * nothing left to give back, plus 1/2^GW_PEAK_SLACK_SHIFT of it (PEAK_FOLLOWS) */
    size_t footprint_ceiling;
};

/* ---- the C API: every function is assembly unless marked (C++) ----
 * A NULL heap is never a crash: functions that return a block give NULL, gw_heap_free and
 * gw_heap_free_sized return GW_E_INVALID_ARGUMENT, gw_heap_usable_size and gw_heap_trim 0,
 * gw_heap_last_status and gw_heap_check GW_E_INVALID_ARGUMENT, gw_heap_stats writes zeros,
 * gw_heap_destroy, gw_heap_fail_after and gw_heap_walk do nothing.  (No status is stored:
 * there is no record to keep it in.) */
GwHeap* gw_heap_create(const GwHeapConfig* config); /* NULL config = defaults; NULL on failure */
void gw_heap_destroy(GwHeap* heap);                  /* gives every byte back; NULL is a no-op */
void* gw_heap_alloc(GwHeap* heap, size_t size);      /* 16-byte aligned; size 0 acts as 1 */
void* gw_heap_alloc_aligned(GwHeap* heap, size_t size, size_t alignment); /* power of two */
/* NULL ptr = alloc.  On failure returns NULL, the old block stays valid and unchanged.  A shrink
 * never fails.  A pointer the heap did not hand out gives NULL and a status, nothing changes.
 * Size 0 acts as 1, as in gw_heap_alloc: the block shrinks and stays live (it is not freed,
 * unlike glibc's realloc(p, 0)). */
void* gw_heap_realloc(GwHeap* heap, void* ptr, size_t size);
int gw_heap_free(GwHeap* heap, void* ptr); /* GW_OK (also for NULL ptr) or the misuse detected */
/* Free with the size the block was requested with (0 to its usable size; 0 acts as 1):
 * same checks as gw_heap_free, plus GW_E_INVALID_ARGUMENT if size exceeds the usable size. */
int gw_heap_free_sized(GwHeap* heap, void* ptr, size_t size);
/* Usable bytes of a live block; 0 for NULL, a free block or a pointer that is not ours. */
size_t gw_heap_usable_size(const GwHeap* heap, const void* ptr);
void gw_heap_stats(const GwHeap* heap, GwHeapStats* out); /* NULL out: nothing is written */
/* Gives back every wholly free chunk the heap keeps in reserve; returns the bytes the footprint
 * fell by.  (The heap does this by itself for the spares beyond a small reserve once they have
 * gone unused for a while: GW_RESERVE_IDLE_SHIFT.) */
size_t gw_heap_trim(GwHeap* heap);
/* Why the most recent call that failed did (GW_OK if none has), as errno: a call that succeeds
 * leaves it as it was, so read it right after the NULL or status it explains.
 * GW_E_INVALID_ARGUMENT for a NULL heap, so that a NULL from gw_heap_alloc(NULL, n) reads as
 * that too. */
int gw_heap_last_status(const GwHeap* heap);
/* Test hook: the n-th next call that needs a new block (alloc, alloc_aligned, a realloc that
 * grows and cannot stay in place) fails with GW_E_NOMEM; n = 0 disarms.  Shrinks and in-place
 * growth never count (a shrink never fails).  Costs one compare on the fast path. */
void gw_heap_fail_after(GwHeap* heap, uint64_t n);

/* Size classes (exported for tests): class of a request (0 if not small), bytes of a class. */
size_t gw_heap_size_class(size_t size);
size_t gw_heap_class_size(size_t cls);

/* (C++, in heap/) walk every structure; GW_OK or the first fault (GW_E_CORRUPT). */
int gw_heap_check(const GwHeap* heap);
/* (C++) visit every live block: ptr and usable size, in no particular order.  Returning
 * non-zero from the visitor stops the walk. */
typedef int (*GwHeapVisitor)(void* user, void* ptr, size_t usable);
void gw_heap_walk(const GwHeap* heap, GwHeapVisitor visit, void* user);
/* (C++) "GW_E_DOUBLE_FREE" and a sentence for each status; "GW_E_UNKNOWN" otherwise. */
const char* gw_heap_status_name(int status);
const char* gw_heap_status_message(int status);

#ifdef __cplusplus
}
#endif
#endif /* __ASSEMBLER__ */
#endif /* GW_HEAP_H */
