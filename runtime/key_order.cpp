// key_order.cpp — a map's entries in the order of their keys, for map_keys and map_values.
//
// Maps are hash tables, but LANGUAGE.md §6 has scripts see their keys sorted. A program that
// walks a large map again and again (`for each k in map_keys(m)` in every round of a loop
// that updates values in place) sorted all its keys at every walk: 20,000 keys 40 times took
// 2.3x Lua's time for the whole program, two thirds of it in the sort. The sort depends only
// on which keys the map holds, and a map never loses a key (the language has no deletion) and
// moves its entries only when it grows for a new one, so an order stays right while the
// map's count is the one it was sorted at. The orders of the last few large maps are kept.
#include <algorithm>
#include <cstring>

#include "runtime/runtime.hpp"

namespace glimmer::runtime {

namespace {

// Below this many keys a sort costs little more than copying a kept order would.
constexpr std::uint32_t kKeptOrderMin = 64;

// A key's first eight bytes as a big-endian number, zero-padded: two keys with different
// prefixes are in the order of their prefixes, as byte order would have them.
std::uint64_t key_prefix(const String* key) {
    static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "x86-64: bytes load little-endian");
    std::uint64_t p = 0;
    std::memcpy(&p, key->chars(), std::min<std::size_t>(key->length, sizeof p));
    return __builtin_bswap64(p);
}

// m's slots into out[0, m->count), sorted by key. Sorting on the prefixes first keeps memcmp
// out of most comparisons.
void sort_slots(const Map* m, std::uint32_t* out, std::pmr::memory_resource* scratch) {
    struct Keyed {
        std::uint64_t prefix;
        std::uint32_t slot;
    };
    std::pmr::vector<Keyed> keyed(scratch);
    keyed.reserve(m->count);
    for (std::uint32_t i = 0; i < m->capacity; ++i) {
        if (m->entries[i].key) keyed.push_back({key_prefix(m->entries[i].key), i});
    }
    std::sort(keyed.begin(), keyed.end(), [m](const Keyed& x, const Keyed& y) {
        if (x.prefix != y.prefix) return x.prefix < y.prefix;
        return m->entries[x.slot].key->view() < m->entries[y.slot].key->view();
    });
    for (std::size_t i = 0; i < keyed.size(); ++i)
        out[i] = keyed[i].slot;
}

}  // namespace

std::span<const std::uint32_t> Runtime::key_order(Map* m) {
    const std::uint32_t n = m->count;
    if (m->aux != 0 && key_orders_[m->aux - 1].count == n) {
        return {key_orders_[m->aux - 1].slots, n};
    }
    if (n < kKeptOrderMin) {
        key_order_scratch_.resize(n);
        sort_slots(m, key_order_scratch_.data(), resource());
        return key_order_scratch_;
    }
    // Sorted into a block of its own first: an allocation that fails leaves every entry as it
    // was.
    auto* slots =
        static_cast<std::uint32_t*>(allocate(ObjectKind::Buffer, n * sizeof(std::uint32_t)));
    try {
        sort_slots(m, slots, resource());
    } catch (...) {
        release(slots, n * sizeof(std::uint32_t));
        throw;
    }
    if (m->aux == 0) {
        const std::uint32_t at = key_order_victim_;
        key_order_victim_ = (at + 1) % kKeyOrders;
        if (key_orders_[at].map) forget_key_order(key_orders_[at].map);
        key_orders_[at].map = m;
        m->aux = at + 1;
    }
    KeyOrder& kept = key_orders_[m->aux - 1];
    release(kept.slots, kept.count * sizeof *kept.slots);
    kept.slots = slots;
    kept.count = n;
    return {const_cast<const std::uint32_t*>(slots), n};
}

// When m is freed, or its entry goes to another map.
void Runtime::forget_key_order(Map* m) noexcept {
    KeyOrder& kept = key_orders_[m->aux - 1];
    release(kept.slots, kept.count * sizeof *kept.slots);
    kept = KeyOrder{};
    m->aux = 0;
}

}  // namespace glimmer::runtime
