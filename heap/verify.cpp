// heap/verify.cpp - the independent walker behind heap::verify, gw_heap_check and gw_heap_walk.
// It re-derives every invariant written in asm/gw_heap.h from the raw layout; it never trusts
// a pointer before checking that it lies inside a chunk the heap lists.
#include "heap/verify.hpp"

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "heap/heap.hpp"
#include "heap/quick_class.hpp"

namespace glimmer::heap {

namespace {

using Addr = std::uintptr_t;
constexpr std::size_t kMaxFaults = 32;
constexpr std::size_t kMaxChunks = std::size_t{1} << 24;  // guards a looping chunk list

template <class T>
T load(Addr a) {
    T v;
    std::memcpy(&v, reinterpret_cast<const void*>(a), sizeof v);
    return v;
}

std::string hex(Addr a) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(a));
    return buf;
}

class Walker {
  public:
    Walker(const GwHeap* heap, GwHeapVisitor visit, void* user)
        : h_(heap), base_(reinterpret_cast<Addr>(heap)), visit_(visit), user_(user) {}

    VerifyReport run() {
        if (!h_) {
            fault("heap is NULL");
            return report_;
        }
        if (!radix_sum_matches()) return report_;  // no entry of it may be followed
        walk_chunks();
        if (stopped_) return report_;
        check_bins();
        check_quick();
        check_classes();
        check_pool();
        count_radix_nodes();
        check_stats();
        check_free_cache();
        check_rebare();
        return report_;
    }

  private:
    void fault(const std::string& what) {
        report_.status = GW_E_CORRUPT;
        if (report_.faults.size() < kMaxFaults) report_.faults.push_back(what);
    }

    Addr radix_entry(Addr p) const {
        if ((p >> GW_ADDRESS_BITS) != 0) return 0;
        const auto* l2 = h_->radix[p >> GW_RADIX_L1_SHIFT];
        if (!l2) return 0;
        const auto* l3 = reinterpret_cast<const uintptr_t*>(
            l2[(p >> GW_RADIX_L2_SHIFT) & (GW_RADIX_NODE_COUNT - 1)]);
        if (!l3) return 0;
        return l3[(p >> GW_RADIX_L3_SHIFT) & (GW_RADIX_NODE_COUNT - 1)];
    }

    // CHUNK_SEAL (asm/macros.h): the hash of what memory a chunk header says the chunk is.
    std::uint32_t chunk_seal(Addr ch) const {
        constexpr std::uint64_t k = 0x9e3779b97f4a7c15ULL;
        std::uint64_t h = h_->cookie ^ ch ^ load<std::uint64_t>(ch + GW_CH_RAW) ^
                          load<std::uint16_t>(ch + GW_CH_KIND);
        h = (h * k) ^ load<std::uint64_t>(ch + GW_CH_RAW_BYTES);
        h = (h * k) ^ load<std::uint64_t>(ch + GW_CH_END);
        return static_cast<std::uint32_t>((h * k) >> 32);
    }

    // Whether the radix tree names ch as a chunk (the entry of the window of ch + 64: page 0's
    // header, a medium chunk, a huge block), before anything is read through ch: a link in a
    // header an overflow damaged can point anywhere.
    bool tree_names_chunk(Addr ch) const {
        const Addr entry = radix_entry(ch + GW_CH_BYTES);
        switch (entry & GW_TAG_MASK) {
            case GW_TAG_SMALL:
                return entry == (ch + GW_CH_BYTES + GW_TAG_SMALL);
            case GW_TAG_MEDIUM:
            case GW_TAG_HUGE:
                return (entry & ~Addr{GW_TAG_MASK}) == ch;
            default:
                return false;
        }
    }

    bool header_ok(Addr hdr) const {
        const auto word = load<std::uint64_t>(hdr + GW_HDR_WORD_OFF);
        return (h_->cookie ^ hdr ^ word) == load<std::uint64_t>(hdr + GW_HDR_CHECK_OFF);
    }

    bool emit(Addr p, std::size_t usable) {
        ++report_.live_blocks;
        report_.live_bytes += usable;
        if (visit_ && visit_(user_, reinterpret_cast<void*>(p), usable) != 0) stopped_ = true;
        return !stopped_;
    }

    void walk_chunks() {
        std::size_t n = 0;
        Addr prev = 0;
        for (Addr ch = reinterpret_cast<Addr>(h_->chunks); ch; ch = load<Addr>(ch + GW_CH_NEXT)) {
            if (++n > kMaxChunks) return fault("chunk list does not end");
            if (!tree_names_chunk(ch)) {
                return fault("chunk list: " + hex(ch) + (prev ? " after " + hex(prev) : "") +
                             " is no chunk of this heap (a damaged link)");
            }
            if (load<std::uint32_t>(ch + GW_CH_SEAL) != chunk_seal(ch)) {
                return fault("chunk " + hex(ch) +
                             ": header damaged (its seal does not match raw, raw bytes, end "
                             "and kind; an overflow from the block before?)");
            }
            if (load<Addr>(ch + GW_CH_PREV) != prev) fault("chunk " + hex(ch) + ": bad prev link");
            prev = ch;
            chunk_bytes_ += load<std::size_t>(ch + GW_CH_RAW_BYTES);
            switch (load<std::uint16_t>(ch + GW_CH_KIND)) {
                case GW_KIND_PAGES:
                    page_chunk(ch);
                    break;
                case GW_KIND_MEDIUM:
                    medium_chunk(ch);
                    break;
                case GW_KIND_HUGE:
                    huge_chunk(ch);
                    break;
                default:
                    fault("chunk " + hex(ch) + ": unknown kind");
                    break;
            }
            if (stopped_) return;
        }
        chunk_bytes_ -= report_.bare_bytes;
        // Huge chunks freed and kept whole for the next huge request still count.
        if (h_->huge_kept_count > GW_HUGE_KEPT_MAX) return fault("huge_kept_count out of range");
        for (std::size_t i = 0; i < h_->huge_kept_count; ++i)
            chunk_bytes_ += h_->huge_kept[i].bytes;
        report_.chunk_bytes = chunk_bytes_;
    }

    // Bytes of a page or medium chunk from its end field, or 0 (a fault) when that cannot be.
    Addr chunk_span(Addr ch, const char* what) {
        const Addr span = load<Addr>(ch + GW_CH_END) - ch;
        if (span < GW_PAGE_BYTES || span % GW_PAGE_BYTES != 0 ||
            span > load<std::size_t>(ch + GW_CH_RAW_BYTES)) {
            fault(std::string(what) + " " + hex(ch) + ": bad end");
            return 0;
        }
        return span;
    }

    void page_chunk(Addr ch) {
        ++report_.page_chunks;
        const Addr span = chunk_span(ch, "page chunk");
        if (span == 0) return;
        const unsigned pages = span / GW_PAGE_BYTES;
        if (pages < GW_CHUNK_MIN_PAGES || pages > GW_PAGES_PER_CHUNK) {
            return fault("page chunk " + hex(ch) + ": page count out of range");
        }
        std::uint32_t used_pages = 0;
        for (unsigned i = 0; i < pages; ++i) {
            const Addr page = ch + Addr{i} * GW_PAGE_BYTES;
            const Addr pg = ch + GW_CH_BYTES + Addr{i} * GW_PG_HDR_BYTES;
            const Addr first_slot =
                i == 0 ? page + GW_CH_BYTES + Addr{pages} * GW_PG_HDR_BYTES : page;
            pages_.insert(pg);
            if (radix_entry(page) != (pg | GW_TAG_SMALL)) {
                fault("page " + hex(page) + ": radix entry does not name it");
            }
            // a current page's end may stop short, at a 4 KiB boundary past its first slot:
            // the rest is not counted yet (gw_page_commit, gw_page_extend)
            const auto state = load<std::uint32_t>(pg + GW_PG_STATE);
            const Addr end = load<Addr>(pg + GW_PG_END);
            const bool end_ok =
                end == page + GW_PAGE_BYTES || (state == GW_PAGE_CUR && end % 4096 == 0 &&
                                                end > first_slot && end < page + GW_PAGE_BYTES);
            if (load<Addr>(pg + GW_PG_CHUNK) != ch || load<Addr>(pg + GW_PG_BASE) != page ||
                load<Addr>(pg + GW_PG_SLOTS) != first_slot || !end_ok) {
                fault("page " + hex(page) + ": header fields damaged");
                continue;
            }
            report_.bare_bytes += page + GW_PAGE_BYTES - end;
            if (state == GW_PAGE_BARE) {
                // decommitted from the first 4 KiB boundary at or after its first slot
                const Addr bare_start = (first_slot + 4095) & ~Addr{4095};
                ++report_.pages_bare;
                report_.bare_bytes += page + GW_PAGE_BYTES - bare_start;
                report_.free_page_bytes += bare_start - first_slot;  // what still counts
                bare_.insert(pg);
                page_blocks(pg, GW_PAGE_FREE);
                if (stopped_) return;
                continue;
            }
            if (state == GW_PAGE_FREE) {
                report_.free_page_bytes += page + GW_PAGE_BYTES - first_slot;
            } else {
                ++used_pages;
                report_.used_page_bytes += end - first_slot;
            }
            if (state > GW_PAGE_FULL) {
                fault("page " + hex(page) + ": bad state");
                continue;
            }
            page_blocks(pg, state);
            if (stopped_) return;
        }
        if (load<std::uint16_t>(ch + GW_CH_USED) != used_pages) {
            fault("page chunk " + hex(ch) + ": used-page count is wrong");
        }
        if (used_pages == 0) empty_chunks_.emplace(ch, GW_KIND_PAGES);
        report_.pages_in_use += used_pages;
        report_.pages_free += pages - used_pages;
    }

    void page_blocks(Addr pg, std::uint32_t state) {
        const Addr page = load<Addr>(pg + GW_PG_BASE);
        const Addr slots = load<Addr>(pg + GW_PG_SLOTS);
        const auto size = load<std::size_t>(pg + GW_PG_SIZE);
        const auto cls = load<std::uint32_t>(pg + GW_PG_CLASS);
        const auto used_word = load<std::uint32_t>(pg + GW_PG_USED);
        const auto used = used_word & ~std::uint32_t{GW_PG_USED_FULL};
        const Addr bump = load<Addr>(pg + GW_PG_BUMP);
        // a fault names the page; the name is formatted only then (gw_heap_check runs often)
        const auto where = [&](const char* problem) {
            return "page " + hex(page) + ": " + problem;
        };
        if (cls < 1 || cls > GW_SMALL_CLASSES || size != std::size_t{cls} * GW_ALIGN) {
            return fault(where("class and slot size disagree"));
        }
        const auto magic = load<std::uint32_t>(pg + GW_PG_MAGIC);
        if (magic != static_cast<std::uint32_t>((std::uint64_t{1} << 32) / size + 1)) {
            fault(where("division magic is wrong"));
        }
        if (bump < slots || bump > page + GW_PAGE_BYTES || (bump - slots) % size != 0) {
            return fault(where("bump pointer out of range"));
        }
        if ((state == GW_PAGE_FULL) != ((used_word & GW_PG_USED_FULL) != 0)) {
            fault(where("FULL mark in the used count disagrees with the state"));
        }
        std::uint32_t live = 0;
        std::uint64_t bitmap[GW_PAGE_BYTES / GW_ALIGN / 64];
        std::memcpy(bitmap, reinterpret_cast<const void*>(pg + GW_PG_BITMAP), sizeof bitmap);
        for (unsigned w = 0; w < std::size(bitmap); ++w)
            live += std::popcount(bitmap[w]);
        if (state == GW_PAGE_FREE) {
            if (used != 0 || live != 0) fault(where("free page holds live slots"));
            return;
        }
        if (live != used) fault(where("bitmap and used count disagree"));
        // every live bit marks a slot start below bump
        for (Addr p = slots; p < bump; p += size) {
            const unsigned g = (p - page) / GW_ALIGN;
            if (bitmap[g / 64] >> (g % 64) & 1) {
                if (!emit(p, size)) return;
                bitmap[g / 64] &= ~(std::uint64_t{1} << (g % 64));
            }
        }
        for (auto w : bitmap) {
            if (w) {
                fault(where("bitmap bit set off a slot start or past bump"));
                break;
            }
        }
        // free list: distinct slots below bump, none live; with the live ones they fill bump
        std::size_t free_slots = 0;
        const std::size_t handed = (bump - slots) / size;
        for (Addr f = load<Addr>(pg + GW_PG_FREE); f; f = load<Addr>(f)) {
            if (f < slots || f >= bump || (f - slots) % size != 0) {
                return fault(where("free list leaves the page or misses a slot start"));
            }
            const unsigned g = (f - page) / GW_ALIGN;
            const auto* bm = reinterpret_cast<const std::uint64_t*>(pg + GW_PG_BITMAP);
            if (load<std::uint64_t>(reinterpret_cast<Addr>(bm + g / 64)) >> (g % 64) & 1) {
                return fault(where("a live slot is on the free list"));
            }
            if (++free_slots > handed) return fault(where("free list loops"));
        }
        if (free_slots + used != handed) fault(where("free + live slots != slots handed out"));
        const bool exhausted = free_slots == 0 && bump + size > page + GW_PAGE_BYTES;
        if (state == GW_PAGE_FULL && !exhausted) fault(where("FULL page has room"));
        if (state == GW_PAGE_AVAIL && exhausted) fault(where("AVAIL page has no room"));
        if (state == GW_PAGE_AVAIL && used == 0) fault(where("AVAIL page is empty"));
    }

    void medium_chunk(Addr ch) {
        ++report_.medium_chunks;
        const Addr span = chunk_span(ch, "medium chunk");
        if (span == 0) return;
        const Addr end = ch + span;
        const Addr whole = span - GW_MEDIUM_FIRST_OFF - GW_MEDIUM_HDR;
        for (Addr w = ch; w < end; w += GW_PAGE_BYTES) {
            if (radix_entry(w) != (ch | GW_TAG_MEDIUM)) {
                fault("medium chunk " + hex(ch) + ": radix entry of " + hex(w) + " is wrong");
                break;
            }
        }
        bool prev_free = false;
        Addr b = ch + GW_MEDIUM_FIRST_OFF;
        const Addr sentinel = end - GW_MEDIUM_HDR;
        while (b < sentinel) {
            const auto where = [&](const char* problem) {
                return "medium block " + hex(b) + ": " + problem;
            };
            if (!header_ok(b)) return fault(where("check word does not match (damaged header)"));
            const auto word = load<std::uint64_t>(b);
            const Addr size = word & GW_SIZE_MASK;
            if (size < GW_MEDIUM_MIN_BLOCK || b + size > sentinel) {
                return fault(where("size out of range"));
            }
            if (((word & GW_FLAG_PREV_FREE) != 0) != prev_free) fault(where("PREV_FREE is wrong"));
            if (word & GW_FLAG_HUGE) fault(where("HUGE flag in a medium chunk"));
            const bool in_use = word & GW_FLAG_IN_USE;
            if (in_use && (word & GW_FLAG_QUICK)) {
                // freed and parked on its quick list (check_quick): neither live nor binned
                quick_blocks_.emplace(b, size);
                ++report_.quick_blocks;
                report_.quick_bytes += size;
                prev_free = false;
                b += size;
                continue;
            }
            if (word & GW_FLAG_BARE) {
                // decommitted: its whole 4 KiB pages past the links and before the footer
                const Addr start = (b + 32 + 4095) & ~Addr{4095};
                const Addr stop = (b + size - 8) & ~Addr{4095};
                if (in_use || stop < start + GW_MEDIUM_BARE_MIN || h_->memory_limit != 0) {
                    fault(where("BARE flag on a block that cannot be bare"));
                } else {
                    report_.bare_bytes += stop - start;
                    report_.medium_bare_bytes += stop - start;
                }
            }
            if (in_use) {
                if (!emit(b + GW_MEDIUM_HDR, size - GW_MEDIUM_HDR)) return;
            } else {
                if (prev_free) fault(where("two adjacent free blocks"));
                if (load<Addr>(b + size - 8) != size) fault(where("footer does not match"));
                free_blocks_.emplace(b, size);
                ++report_.free_medium_blocks;
                report_.free_medium_bytes += size;
                if (size == whole) empty_chunks_.emplace(ch, GW_KIND_MEDIUM);
            }
            prev_free = !in_use;
            b += size;
        }
        if (b != sentinel) return fault("medium chunk " + hex(ch) + ": blocks overrun the end");
        if (!header_ok(sentinel) ||
            (load<std::uint64_t>(sentinel) & ~std::uint64_t{GW_FLAG_PREV_FREE}) != GW_FLAG_IN_USE) {
            return fault("medium chunk " + hex(ch) + ": end sentinel damaged");
        }
        if (((load<std::uint64_t>(sentinel) & GW_FLAG_PREV_FREE) != 0) != prev_free) {
            fault("medium chunk " + hex(ch) + ": sentinel PREV_FREE is wrong");
        }
    }

    void huge_chunk(Addr ch) {
        ++report_.huge_chunks;
        const Addr p = ch + GW_HUGE_HDR;
        const Addr hdr = p - GW_MEDIUM_HDR;
        const auto where = [&](const char* problem) {
            return "huge block " + hex(p) + ": " + problem;
        };
        if (radix_entry(p) != (ch | GW_TAG_HUGE)) fault(where("radix entry does not name it"));
        if (!header_ok(hdr)) return fault(where("check word does not match (damaged header)"));
        const auto word = load<std::uint64_t>(hdr);
        if ((word & 15) != (GW_FLAG_IN_USE | GW_FLAG_HUGE)) fault(where("flags are wrong"));
        const Addr end = load<Addr>(ch + GW_CH_END);
        if (hdr + (word & GW_SIZE_MASK) != end) fault(where("size does not reach the chunk end"));
        emit(p, (word & GW_SIZE_MASK) - GW_MEDIUM_HDR);
    }

    void check_bins() {
        std::size_t binned = 0;
        for (unsigned fl = 0; fl < GW_FL_COUNT; ++fl) {
            const bool fl_bit = h_->fl_bitmap >> fl & 1;
            if (fl_bit != (h_->sl_bitmap[fl] != 0)) fault("fl_bitmap bit " + std::to_string(fl));
            for (unsigned sl = 0; sl < GW_SL_COUNT; ++sl) {
                const Addr head = reinterpret_cast<Addr>(h_->bins[fl * GW_SL_COUNT + sl]);
                const bool sl_bit = h_->sl_bitmap[fl] >> sl & 1;
                if (sl_bit != (head != 0)) {
                    fault("sl_bitmap bit (" + std::to_string(fl) + "," + std::to_string(sl) + ")");
                }
                Addr prev = 0;
                for (Addr b = head; b; b = load<Addr>(b + GW_HDR_NEXT_OFF)) {
                    auto it = free_blocks_.find(b);
                    if (it == free_blocks_.end())
                        return fault("bin holds " + hex(b) + ", not a free block");
                    const Addr size = it->second;
                    const unsigned bfl = std::bit_width(size) - 1;
                    const unsigned bsl = (size >> (bfl - GW_SL_SHIFT)) & (GW_SL_COUNT - 1);
                    if (bfl != fl || bsl != sl)
                        fault("free block " + hex(b) + " is in the wrong bin");
                    if (load<Addr>(b + GW_HDR_PREV_OFF) != prev) fault("bin link " + hex(b));
                    prev = b;
                    if (++binned > free_blocks_.size()) return fault("a bin list loops");
                }
            }
        }
        if (binned != free_blocks_.size()) fault("a free medium block is in no bin");
    }

    // Every QUICK block is on the quick list of its size exactly once, and the lists hold
    // nothing else; quick_count counts them.
    void check_quick() {
        std::size_t listed = 0;
        for (unsigned i = 0; i < GW_QUICK_LISTS; ++i) {
            for (Addr b = reinterpret_cast<Addr>(h_->quick[i]); b;
                 b = load<Addr>(b + GW_HDR_NEXT_OFF)) {
                auto it = quick_blocks_.find(b);
                if (it == quick_blocks_.end()) {
                    return fault("quick list " + std::to_string(i) + " holds " + hex(b) +
                                 ", not a QUICK block");
                }
                if (quick_index(it->second) != i) {
                    fault("QUICK block " + hex(b) + " is on the quick list of another class");
                }
                if (++listed > quick_blocks_.size()) return fault("a quick list loops");
            }
        }
        if (listed != quick_blocks_.size()) fault("a QUICK block is on no quick list");
        if (h_->quick_count != quick_blocks_.size()) {
            fault("quick_count is " + std::to_string(h_->quick_count) + ", " +
                  std::to_string(quick_blocks_.size()) + " blocks are QUICK");
        }
        if (h_->quick_count > GW_QUICK_LIMIT) fault("more QUICK blocks than GW_QUICK_LIMIT");
        std::size_t bytes = 0;
        for (const auto& [b, size] : quick_blocks_)
            bytes += size;
        if (h_->quick_bytes != bytes) {
            fault("quick_bytes is " + std::to_string(h_->quick_bytes) + ", QUICK blocks hold " +
                  std::to_string(bytes));
        }
    }

    void check_classes() {
        const Addr empty = base_ + GW_HEAP_EMPTY_PAGE;
        for (unsigned c = 0; c <= GW_SMALL_CLASSES; ++c) {
            const Addr cur = reinterpret_cast<Addr>(h_->cur[c]);
            if (cur != empty) {
                // a class may serve from a page of a slightly larger class (borrowed by
                // gw_small_refill when no page was to spare)
                const auto cls = load<std::uint32_t>(cur + GW_PG_CLASS);
                if (c == 0 || !pages_.count(cur) || cls < c || cls > c + GW_BORROW_CLASSES ||
                    load<std::uint32_t>(cur + GW_PG_STATE) != GW_PAGE_CUR) {
                    fault("class " + std::to_string(c) + ": current page is wrong");
                }
            }
            std::size_t n = 0;
            Addr prev = 0;
            for (Addr pg = reinterpret_cast<Addr>(h_->avail[c]); pg;
                 pg = load<Addr>(pg + GW_PG_NEXT)) {
                if (!pages_.count(pg) || load<std::uint32_t>(pg + GW_PG_CLASS) != c ||
                    load<std::uint32_t>(pg + GW_PG_STATE) != GW_PAGE_AVAIL ||
                    load<Addr>(pg + GW_PG_PREV) != prev) {
                    fault("class " + std::to_string(c) + ": avail list is wrong");
                    break;
                }
                prev = pg;
                if (++n > pages_.size()) return fault("an avail list loops");
            }
        }
    }

    void check_pool() {
        std::size_t n = 0;
        Addr prev = 0;
        for (Addr pg = reinterpret_cast<Addr>(h_->page_pool); pg;
             pg = load<Addr>(pg + GW_PG_NEXT)) {
            if (!pages_.count(pg) || load<std::uint32_t>(pg + GW_PG_STATE) != GW_PAGE_FREE ||
                load<Addr>(pg + GW_PG_PREV) != prev) {
                return fault("page pool holds a page that is not free: " + hex(pg));
            }
            prev = pg;
            if (++n > pages_.size()) return fault("the page pool loops");
        }
        if (n != report_.pages_free - report_.pages_bare) fault("page pool size != free pages");
        n = 0;
        prev = 0;
        for (Addr pg = reinterpret_cast<Addr>(h_->bare_pages); pg;
             pg = load<Addr>(pg + GW_PG_NEXT)) {
            if (!bare_.count(pg) || load<Addr>(pg + GW_PG_PREV) != prev) {
                return fault("the bare list holds a page that is not bare: " + hex(pg));
            }
            prev = pg;
            if (++n > pages_.size()) return fault("the bare list loops");
        }
        if (n != report_.pages_bare) fault("bare list size != bare pages");
    }

    // free's radix cache may only say what the radix tree says: a small page's window (the
    // key, in its own set) and that page's header
    // Absorbing a BARE block marks the heap (rebare, kept_bare) for the rest of that call only.
    void check_rebare() {
        bool clear = h_->rebare == 0;
        for (const auto& kept : h_->kept_bare)
            clear = clear && kept.start == 0 && kept.end == 0;
        if (!clear) fault("rebare mark or kept BARE range left set between calls");
    }

    void check_free_cache() {
        for (unsigned set = 0; set < GW_FREE_CACHE_SETS; ++set) {
            const Addr window = h_->free_cache[set].key;
            if (window == GW_FREE_KEY_NONE) continue;
            const auto header = reinterpret_cast<Addr>(h_->free_cache[set].page);
            if (window % GW_PAGE_BYTES != 0 ||
                (window >> GW_PAGE_SHIFT) % GW_FREE_CACHE_SETS != set ||
                radix_entry(window) != (header | GW_TAG_SMALL)) {
                fault("free's radix cache, set " + std::to_string(set) + ": " + hex(window) +
                      " -> " + hex(header) + " is not what the radix tree says");
            }
        }
    }

    // The nodes' addresses add up to the record's sum (gw_radix_slot): checked first, before any
    // L2 entry is followed (every radix lookup of the walk does), since an overflow into an L2
    // node would make it point anywhere.
    bool radix_sum_matches() {
        std::uintptr_t sum = 0;
        for (const std::uintptr_t* l2 : h_->radix) {
            if (!l2) continue;
            sum += reinterpret_cast<Addr>(l2) * GW_NODE_SUM_FACTOR;
            for (std::size_t i = 0; i < GW_RADIX_NODE_COUNT; ++i)
                sum += l2[i] * GW_NODE_SUM_FACTOR;
        }
        if (sum == h_->radix_node_sum) return true;
        fault(
            "radix tree: the L2 nodes' entries do not add up to the record's sum (an L2 node "
            "damaged?)");
        return false;
    }

    // What the radix nodes count in the footprint (report_.radix_bytes): a node in radix_pages[]
    // a 4 KiB page for each bit of its mask (and every entry written in it lies in such a page),
    // any other node whole.
    void count_radix_nodes() {
        std::size_t nodes = 0, bytes = 0;
        std::size_t tracked_seen = 0;
        auto count = [&](const std::uintptr_t* node) {
            ++nodes;
            const Addr base = reinterpret_cast<Addr>(node);
            for (const std::uintptr_t entry : h_->radix_pages) {
                if (entry == 0 || (entry & ~Addr{4095}) != base) continue;
                ++tracked_seen;
                const unsigned mask = static_cast<unsigned>(entry & 4095);
                bytes += static_cast<std::size_t>(std::popcount(mask)) * 4096;
                for (std::size_t i = 0; i < GW_RADIX_NODE_COUNT; ++i) {
                    if (node[i] != 0 && (mask & (1u << (i * 8 / 4096))) == 0) {
                        fault("radix node " + hex(base) + ": entry " + std::to_string(i) +
                              " lies in a page that does not count");
                        break;
                    }
                }
                return;
            }
            bytes += GW_RADIX_NODE_BYTES;
        };
        for (const std::uintptr_t* l2 : h_->radix) {
            if (!l2) continue;
            count(l2);
            for (std::size_t i = 0; i < GW_RADIX_NODE_COUNT; ++i) {
                if (l2[i] != 0) count(reinterpret_cast<const std::uintptr_t*>(l2[i]));
            }
        }
        std::size_t tracked = 0;
        for (const std::uintptr_t entry : h_->radix_pages)
            tracked += entry != 0 ? 1 : 0;
        if (nodes != h_->radix_nodes) fault("radix_nodes disagrees with the radix tree");
        if (tracked_seen != tracked) fault("radix_pages[] names a node the tree does not hold");
        report_.radix_bytes = bytes;
    }

    void check_stats() {
        if (h_->live_headroom > h_->peak_live_bytes) fault("live_headroom exceeds peak_live_bytes");
        const std::size_t live = h_->peak_live_bytes - h_->live_headroom;
        if (live != report_.live_bytes) {
            fault("live_bytes is " + std::to_string(live) + ", blocks hold " +
                  std::to_string(report_.live_bytes));
        }
        if (h_->alloc_count - h_->free_count != report_.live_blocks) {
            fault("alloc_count - free_count != live blocks");
        }
        const std::size_t expect = h_->self_bytes + report_.radix_bytes + chunk_bytes_;
        if (h_->footprint_bytes != expect) fault("footprint_bytes != what the chunks add up to");
        if (h_->peak_footprint_bytes < h_->footprint_bytes) {
            fault("a peak is below its current value");
        }
        if (h_->footprint_ceiling < h_->peak_footprint_bytes) {
            fault("the footprint ceiling is below the peak footprint");
        }
        if (h_->page_chunk_count != report_.page_chunks ||
            h_->medium_chunk_count != report_.medium_chunks ||
            h_->huge_count != report_.huge_chunks) {
            fault("chunk counts disagree with the chunk list");
        }
        check_empty_list(h_->empty_page_list, GW_KIND_PAGES, h_->empty_page_chunks, "page");
        check_empty_list(h_->empty_medium_list, GW_KIND_MEDIUM, h_->empty_medium_chunks, "medium");
    }

    // The reserve list of one kind holds exactly the wholly free chunks of that kind, as many
    // as the heap's count says.
    void check_empty_list(const void* head, std::uint32_t kind, std::size_t count,
                          const char* what) {
        std::size_t n = 0, expect = 0;
        for (const auto& [ch, k] : empty_chunks_)
            expect += k == kind;
        Addr prev = 0;
        for (Addr ch = reinterpret_cast<Addr>(head); ch; ch = load<Addr>(ch + GW_CH_EMPTY_NEXT)) {
            auto it = empty_chunks_.find(ch);
            if (it == empty_chunks_.end() || it->second != kind) {
                return fault(std::string("empty ") + what + " chunk list holds " + hex(ch) +
                             ", not a wholly free " + what + " chunk");
            }
            if (load<Addr>(ch + GW_CH_EMPTY_PREV) != prev) {
                return fault(std::string("empty ") + what + " chunk list: bad prev link");
            }
            prev = ch;
            if (++n > expect) return fault(std::string("empty ") + what + " chunk list loops");
        }
        if (n != expect || count != expect) {
            fault(std::string("empty ") + what + " chunk count disagrees with the chunks");
        }
    }

    const GwHeap* h_;
    Addr base_;
    GwHeapVisitor visit_;
    void* user_;
    bool stopped_ = false;
    VerifyReport report_;
    std::size_t chunk_bytes_ = 0;
    std::unordered_map<Addr, std::uint32_t> empty_chunks_;  // wholly free chunk -> kind
    std::unordered_set<Addr> pages_;
    std::unordered_set<Addr> bare_;  // headers of the BARE pages
    std::unordered_map<Addr, Addr> free_blocks_;
    std::unordered_map<Addr, Addr> quick_blocks_;  // QUICK block -> size
};

}  // namespace

std::string VerifyReport::to_string() const {
    std::string s = ok() ? "heap ok" : "heap CORRUPT";
    s += ": " + std::to_string(live_blocks) + " live blocks (" + std::to_string(live_bytes) +
         " bytes), " + std::to_string(free_medium_blocks) + " free medium blocks, " +
         std::to_string(quick_blocks) + " quick blocks, " + std::to_string(page_chunks) +
         " page / " + std::to_string(medium_chunks) + " medium / " + std::to_string(huge_chunks) +
         " huge chunks";
    for (const auto& f : faults)
        s += "\n  " + f;
    return s;
}

VerifyReport verify(const GwHeap* heap) {
    return Walker(heap, nullptr, nullptr).run();
}

VerifyReport verify(const Heap& heap) {
    return verify(heap.raw());
}

const void* page_header_of(const GwHeap* heap, const void* p) {
    const auto a = reinterpret_cast<Addr>(p);
    if (!heap || (a >> GW_ADDRESS_BITS) != 0) return nullptr;
    const auto* l2 = heap->radix[a >> GW_RADIX_L1_SHIFT];
    if (!l2) return nullptr;
    const auto* l3 = reinterpret_cast<const uintptr_t*>(
        l2[(a >> GW_RADIX_L2_SHIFT) & (GW_RADIX_NODE_COUNT - 1)]);
    if (!l3) return nullptr;
    const Addr entry = l3[(a >> GW_RADIX_L3_SHIFT) & (GW_RADIX_NODE_COUNT - 1)];
    if ((entry & GW_TAG_MASK) != GW_TAG_SMALL) return nullptr;
    return reinterpret_cast<const void*>(entry & ~Addr{GW_TAG_MASK});
}

}  // namespace glimmer::heap

extern "C" int gw_heap_check(const GwHeap* heap) {
    if (!heap) return GW_E_INVALID_ARGUMENT;
    try {
        return glimmer::heap::verify(heap).status;
    } catch (...) {  // allocation failure inside the walker: report, never throw across C
        return GW_E_NOMEM;
    }
}

extern "C" void gw_heap_walk(const GwHeap* heap, GwHeapVisitor visit, void* user) {
    if (!heap || !visit) return;
    try {
        glimmer::heap::Walker(heap, visit, user).run();
    } catch (...) {
    }
}
