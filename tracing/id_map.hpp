// id_map.hpp - open-addressing map from 64-bit block IDs (or addresses) to dense 32-bit slots.
//
// Trace IDs are arbitrary 64-bit numbers, so readers and recorders map them to slots 0, 1, 2...
// Linear probing over a power-of-two table kept at most half full: find and insert are O(1) on
// average, with no allocation per entry. Entries are never removed (a trace never reuses an ID).
#pragma once

#include <cstdint>
#include <vector>

#include "page_vector.hpp"

namespace glimmer::traces {

class IdMap {
  public:
    static constexpr std::uint32_t kAbsent = 0xffffffffu;

    IdMap() : keys_(kInitial), values_(kInitial, kAbsent) {}

    // The slot of `key`, or kAbsent.
    std::uint32_t find(std::uint64_t key) const {
        for (std::size_t i = home(key);; i = (i + 1) & mask()) {
            if (values_[i] == kAbsent) return kAbsent;
            if (keys_[i] == key) return values_[i];
        }
    }

    // Maps `key` to `value`; the key must not be present yet (value != kAbsent).
    void insert(std::uint64_t key, std::uint32_t value) {
        if (2 * (count_ + 1) > keys_.size()) grow();
        place(key, value);
        ++count_;
    }

    // Changes the value of a present key (recorders: a block that moved keeps its ID).
    void assign(std::uint64_t key, std::uint32_t value) {
        for (std::size_t i = home(key);; i = (i + 1) & mask()) {
            if (keys_[i] == key && values_[i] != kAbsent) {
                values_[i] = value;
                return;
            }
        }
    }

    std::size_t size() const { return count_; }

  private:
    static constexpr std::size_t kInitial = 1024;

    std::size_t mask() const { return keys_.size() - 1; }
    std::size_t home(std::uint64_t key) const {
        key ^= key >> 33;  // murmur3's finaliser: sequential IDs spread over the table
        key *= 0xff51afd7ed558ccdULL;
        key ^= key >> 33;
        return static_cast<std::size_t>(key) & mask();
    }
    void place(std::uint64_t key, std::uint32_t value) {
        std::size_t i = home(key);
        while (values_[i] != kAbsent)
            i = (i + 1) & mask();
        keys_[i] = key;
        values_[i] = value;
    }
    void grow() {
        PageVector<std::uint64_t> keys(keys_.size() * 2);
        PageVector<std::uint32_t> values(values_.size() * 2, kAbsent);
        keys.swap(keys_);
        values.swap(values_);
        for (std::size_t i = 0; i < keys.size(); ++i) {
            if (values[i] != kAbsent) place(keys[i], values[i]);
        }
    }

    PageVector<std::uint64_t> keys_;
    PageVector<std::uint32_t> values_;
    std::size_t count_ = 0;
};

}  // namespace glimmer::traces
