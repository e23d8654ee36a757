// heap/layout.cpp - ties struct GwHeap to the GW_HEAP_* offsets the assembly uses.  Nothing
// here runs: if an offset in asm/gw_heap.h drifts from the C view, the build fails.
#include <cstddef>

#include "gw_heap.h"
#include "heap/quick_class.hpp"

#define GW_CHECK_OFFSET(field, define) \
    static_assert(offsetof(GwHeap, field) == (define), #field " != " #define)

GW_CHECK_OFFSET(cookie, GW_HEAP_COOKIE);
GW_CHECK_OFFSET(small_gate, GW_HEAP_SMALL_GATE);
GW_CHECK_OFFSET(live_headroom, GW_HEAP_HEADROOM);
GW_CHECK_OFFSET(peak_live_bytes, GW_HEAP_PEAK_LIVE);
GW_CHECK_OFFSET(footprint_bytes, GW_HEAP_FOOTPRINT);
GW_CHECK_OFFSET(peak_footprint_bytes, GW_HEAP_PEAK_FOOTPRINT);
GW_CHECK_OFFSET(alloc_count, GW_HEAP_ALLOC_COUNT);
GW_CHECK_OFFSET(free_count, GW_HEAP_FREE_COUNT);
GW_CHECK_OFFSET(last_status, GW_HEAP_STATUS);
GW_CHECK_OFFSET(memory_limit, GW_HEAP_LIMIT);
GW_CHECK_OFFSET(chunk_alloc, GW_HEAP_CHUNK_ALLOC);
GW_CHECK_OFFSET(chunk_free, GW_HEAP_CHUNK_FREE);
GW_CHECK_OFFSET(chunk_user, GW_HEAP_CHUNK_USER);
GW_CHECK_OFFSET(chunks, GW_HEAP_CHUNKS);
GW_CHECK_OFFSET(page_pool, GW_HEAP_PAGE_POOL);
GW_CHECK_OFFSET(empty_page_chunks, GW_HEAP_EMPTY_PAGE_CHUNKS);
GW_CHECK_OFFSET(empty_medium_chunks, GW_HEAP_EMPTY_MEDIUM_CHUNKS);
GW_CHECK_OFFSET(fl_bitmap, GW_HEAP_FL_BITMAP);
GW_CHECK_OFFSET(self_bytes, GW_HEAP_SELF_BYTES);
GW_CHECK_OFFSET(radix_nodes, GW_HEAP_RADIX_NODES);
GW_CHECK_OFFSET(page_chunk_count, GW_HEAP_PAGE_CHUNK_COUNT);
GW_CHECK_OFFSET(medium_chunk_count, GW_HEAP_MEDIUM_CHUNK_COUNT);
GW_CHECK_OFFSET(huge_count, GW_HEAP_HUGE_COUNT);
GW_CHECK_OFFSET(empty_page, GW_HEAP_EMPTY_PAGE);
GW_CHECK_OFFSET(cur, GW_HEAP_CUR);
GW_CHECK_OFFSET(avail, GW_HEAP_AVAIL);
GW_CHECK_OFFSET(sl_bitmap, GW_HEAP_SL_BITMAP);
GW_CHECK_OFFSET(bins, GW_HEAP_BINS);
GW_CHECK_OFFSET(radix, GW_HEAP_RADIX);
GW_CHECK_OFFSET(dormant_count, GW_HEAP_DORMANT_COUNT);
GW_CHECK_OFFSET(dormant, GW_HEAP_DORMANT);
GW_CHECK_OFFSET(lent, GW_HEAP_LENT);
GW_CHECK_OFFSET(rebare, GW_HEAP_REBARE);
GW_CHECK_OFFSET(empty_page_list, GW_HEAP_EMPTY_PAGE_LIST);
GW_CHECK_OFFSET(empty_medium_list, GW_HEAP_EMPTY_MEDIUM_LIST);
GW_CHECK_OFFSET(free_cache, GW_HEAP_FREE_CACHE);
static_assert(offsetof(GwHeap, free_cache[1].page) == GW_HEAP_FREE_PAGES + 16,
              "free's radix cache: {key, page} entries of 16 bytes");
GW_CHECK_OFFSET(chunk_decommit, GW_HEAP_CHUNK_DECOMMIT);
GW_CHECK_OFFSET(bare_pages, GW_HEAP_BARE_PAGES);
GW_CHECK_OFFSET(reserve_used_at, GW_HEAP_RESERVE_USED_AT);
GW_CHECK_OFFSET(fresh_chunk, GW_HEAP_FRESH_CHUNK);
GW_CHECK_OFFSET(huge_dormant_count, GW_HEAP_HUGE_DORMANT_COUNT);
GW_CHECK_OFFSET(huge_dormant, GW_HEAP_HUGE_DORMANT);
GW_CHECK_OFFSET(fail_after, GW_HEAP_FAIL);
GW_CHECK_OFFSET(radix_pages, GW_HEAP_RADIX_PAGES);
GW_CHECK_OFFSET(quick_count, GW_HEAP_QUICK_COUNT);
GW_CHECK_OFFSET(quick_bytes, GW_HEAP_QUICK_BYTES);
GW_CHECK_OFFSET(quick, GW_HEAP_QUICK);
GW_CHECK_OFFSET(kept_bare, GW_HEAP_KEPT_BARE);
GW_CHECK_OFFSET(releasing, GW_HEAP_RELEASING);
GW_CHECK_OFFSET(huge_kept_count, GW_HEAP_HUGE_KEPT_COUNT);
GW_CHECK_OFFSET(huge_kept, GW_HEAP_HUGE_KEPT);
GW_CHECK_OFFSET(radix_node_sum, GW_HEAP_RADIX_NODE_SUM);
GW_CHECK_OFFSET(footprint_ceiling, GW_HEAP_FOOTPRINT_CEILING);
static_assert(glimmer::heap::quick_round((GW_SMALL_MAX + 1 + GW_MEDIUM_HDR + 15) / 16 * 16) ==
                  GW_QUICK_MIN_BLOCK,
              "the smallest medium request's block rounds up to the first quick class");
static_assert(glimmer::heap::quick_index(GW_QUICK_MIN_BLOCK) == 0,
              "the first quick class is list 0");
static_assert(glimmer::heap::quick_index(GW_QUICK_MAX_BLOCK) == GW_QUICK_LISTS - 1,
              "the last quick class is the last list");
static_assert(GW_QUICK_MAX_BLOCK < GW_MEDIUM_MAX_BLOCK, "quick classes are medium block sizes");
static_assert(glimmer::heap::quick_round(GW_QUICK_MAX_BLOCK - 16) == GW_QUICK_MAX_BLOCK,
              "a block just under the last class rounds up to it, not past it");
static_assert(GW_FLAG_QUICK == GW_FLAG_BARE,
              "QUICK (in-use blocks) and BARE (free blocks) share a header bit");
static_assert(offsetof(GwHeapConfig, chunk_decommit) == 32, "init.S reads the config by offset");
static_assert(sizeof(GwHeap) == GW_HEAP_STRUCT_BYTES, "sizeof(GwHeap) != GW_HEAP_STRUCT_BYTES");
static_assert(GW_HEAP_STRUCT_BYTES <= GW_HEAP_ALLOC_BYTES, "heap record outgrew its allocation");
static_assert(GW_PG_BITMAP + GW_PAGE_BYTES / GW_ALIGN / 8 == GW_PG_HDR_BYTES, "page bitmap size");
static_assert(GW_CH_BYTES + GW_PAGES_PER_CHUNK * GW_PG_HDR_BYTES == GW_CHUNK_META_BYTES,
              "chunk metadata = chunk header + page headers");
static_assert(GW_CHUNK_META_BYTES <= 4096 && GW_CHUNK_META_BYTES % GW_ALIGN == 0,
              "chunk metadata fits one 4 KiB page and keeps slots aligned");
static_assert(GW_PG_SLOTS + 8 <= 64 && GW_PG_MAGIC + 4 <= 64 && GW_PG_STATE + 4 <= 64,
              "the fields of the free fast path share the header's first cache line");
static_assert(GW_PG_CHUNK + 8 <= GW_PG_BITMAP, "page header fields overlap the bitmap");
static_assert(GW_PG_CHUNK + 8 <= 136, "the heap's empty page holds every header field");
static_assert((1 << GW_PAGE_SHIFT) == GW_PAGE_BYTES, "page shift");
static_assert(GW_PAGES_PER_CHUNK * GW_PAGE_BYTES == GW_CHUNK_BYTES, "pages per chunk");
static_assert(GW_CHUNK_MIN_PAGES >= 1 && GW_CHUNK_MIN_PAGES <= GW_PAGES_PER_CHUNK,
              "a new chunk has 1 to GW_PAGES_PER_CHUNK pages");
static_assert(GW_CH_EMPTY_PREV + 8 <= GW_CH_BYTES, "chunk header fields fit its 64 bytes");
static_assert(GW_CH_KIND + 2 == GW_CH_USED && GW_CH_USED + 2 == GW_CH_SEAL &&
                  GW_CH_SEAL + 4 == GW_CH_END,
              "kind (u16), pages in use (u16) and the seal (u32) share the word before end");
static_assert(GW_CH_RAW == 0,
              "raw comes first: an overflow from the block before reaches it "
              "before any other field of the header, so the seal sees it");
static_assert(GW_SMALL_CLASSES * GW_ALIGN == GW_SMALL_MAX, "small classes");
static_assert(GW_SL_COUNT == (1 << GW_SL_SHIFT), "TLSF second level");
static_assert(GW_RADIX_NODE_COUNT * 8 == GW_RADIX_NODE_BYTES, "radix node size");
static_assert(GW_RADIX_NODE_BYTES / 4096 <= 12, "radix_pages[]: a bit per node page below 4 KiB");
static_assert(GW_RADIX_L1_SHIFT + 10 == GW_ADDRESS_BITS && (1 << 10) == GW_RADIX_L1_COUNT,
              "radix L1 covers the address space");
static_assert(GW_RADIX_L2_SHIFT + 11 == GW_RADIX_L1_SHIFT, "radix L2 bits");
static_assert(GW_RADIX_L3_SHIFT + 11 == GW_RADIX_L2_SHIFT, "radix L3 bits");
static_assert(GW_RADIX_L3_SHIFT == GW_PAGE_SHIFT, "radix windows are pages");
static_assert(GW_HUGE_HDR == GW_CH_BYTES && GW_CH_BYTES - GW_MEDIUM_HDR == 48,
              "huge header word sits at GW_CH_BYTES - 16");
