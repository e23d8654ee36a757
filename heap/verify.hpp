// heap/verify.hpp - an independent C++ walker over the layout of asm/gw_heap.h.  It checks every
// invariant written there (headers' check words, boundary tags, bins and bitmaps, page lists,
// radix entries, statistics) and returns a report instead of aborting.  gw_heap_check is
// verify(heap).status.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "gw_heap.h"

namespace glimmer::heap {

class Heap;

struct VerifyReport {
    int status = GW_OK;               // GW_OK or GW_E_CORRUPT
    std::vector<std::string> faults;  // one line per broken invariant (capped)
    std::size_t live_blocks = 0, live_bytes = 0;
    std::size_t free_medium_blocks = 0, free_medium_bytes = 0;
    std::size_t quick_blocks = 0;  // freed medium blocks parked on the quick lists
    std::size_t quick_bytes = 0;   // their whole blocks, headers included
    std::size_t page_chunks = 0, medium_chunks = 0, huge_chunks = 0;
    std::size_t pages_in_use = 0, pages_free = 0;  // pages_free counts the BARE ones too
    std::size_t pages_bare = 0, bare_bytes = 0;    // decommitted pages and their bytes
    std::size_t medium_bare_bytes = 0;             // the part of bare_bytes in free medium blocks
    std::size_t free_page_bytes = 0;  // slot bytes of wholly free pages that still count
    std::size_t used_page_bytes = 0;  // slot bytes of the other pages, up to their counted end
    std::size_t chunk_bytes = 0;  // bytes held in chunks (footprint minus heap record and radix)
    std::size_t radix_bytes = 0;  // radix node bytes in the footprint (gw_radix_slot: by page)

    bool ok() const noexcept { return status == GW_OK; }
    std::string to_string() const;
};

VerifyReport verify(const GwHeap* heap);
VerifyReport verify(const Heap& heap);

// The small-page header (GW_PG_* layout) of the page holding p, or nullptr if p is not in one of
// the heap's small pages.  For tests and tools that inspect or damage a page on purpose.
const void* page_header_of(const GwHeap* heap, const void* p);

}  // namespace glimmer::heap
