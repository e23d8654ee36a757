// stats.hpp - what a trace asks of a heap: sizes, tags, resizes, peak live, block lifetimes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "trace.hpp"

namespace glimmer::traces {

// Byte totals of a trace, exact: each size is 64-bit, so two blocks of 2^63 bytes already pass
// 2^64 (a saturated or wrapped 64-bit figure printed 18446744073709551615).
using ByteTotal = unsigned __int128;

struct Bucket {
    std::string label;
    std::uint64_t count = 0;
    ByteTotal bytes = 0;  // the blocks' sizes at allocation
};

// Every table counts each block once, with its size at allocation (what resizes add is
// bytes_grown), so that the byte shares of all three are of one total, bytes_allocated.
struct TraceStats {
    std::uint64_t events = 0, allocs = 0, resizes = 0, grows = 0, frees = 0;
    ByteTotal peak_live = 0;
    // Bytes asked for: by allocations (new blocks), and added by resizes that grow a block
    // (new size - old size). Their sum is never below the peak live bytes, as the allocations'
    // alone can be (a block allocated small and grown by resizes).
    ByteTotal bytes_allocated = 0, bytes_grown = 0;
    std::size_t live_at_end = 0;
    std::vector<Bucket> sizes;      // allocations per size class (16-byte steps to 256)
    std::vector<Bucket> tags;       // allocations per TAG
    std::vector<Bucket> lifetimes;  // blocks by lifetime, measured in events
};

TraceStats compute_stats(const Trace& trace);
std::string format_stats(const Trace& trace, const TraceStats& stats);

// "12.34 MiB": how every report of glimmer-trace writes a byte count.
std::string mib(ByteTotal bytes);
// The exact decimal digits of a byte total.
std::string decimal(ByteTotal bytes);
// The size class a histogram puts SIZE in: 16-byte steps to 256, then four per power of two.
// Written "LOW < size <= HIGH", both bounds in one unit, the largest that divides both:
// "896 < size <= 1024", "56K < size <= 64K", "14E < size <= 16E".
std::string size_class_label(std::uint64_t size);
// What a trace's TAGs name (shared/TRACE-FORMAT.md): from Lua, the object type Lua passes to
// its allocator; from glimmer, the runtime's object kind (runtime::ObjectKind).
enum class TagMeaning { LuaType, GlimmerKind };

// GlimmerKind for a trace whose "# source:" comment names glimmer ("source: glimmer ..."),
// as `glimmer --trace-out` writes it; LuaType otherwise.
TagMeaning tag_meaning(const Trace& trace);

// "untagged" for no TAG; for Lua's tags "string", "table", ...; for glimmer's the names
// runtime::kind_name gives ("String", "List", ...); "tag N" for a tag it does not know.
std::string tag_name(std::uint16_t tag, TagMeaning meaning = TagMeaning::LuaType);

}  // namespace glimmer::traces
