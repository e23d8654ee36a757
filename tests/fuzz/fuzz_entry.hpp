// fuzz_entry.hpp — what every fuzz target shares.
//
// Each fuzz_<name>.cpp defines GLIMMER_FUZZ_ENTRY(data, size). Under libFuzzer (GLIMMER_FUZZ) it
// is LLVMFuzzerTestOneInput; the corpus replay test (a normal Boost.Test build) compiles every
// target into one executable, each under its own name (fuzz_<name>_entry), and replays the
// committed corpora and regression inputs through them.
//
// A broken promise (wrong content, a heap check that fails, an exception that is not the clean
// error the input deserves) is reported with FUZZ_REQUIRE: a message on stderr, then abort(),
// which libFuzzer records as a crash with its input and the replay test reports as a failure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#ifndef GLIMMER_FUZZ_ENTRY
#define GLIMMER_FUZZ_ENTRY LLVMFuzzerTestOneInput
#endif

extern "C" int GLIMMER_FUZZ_ENTRY(const std::uint8_t* data, std::size_t size);

#define FUZZ_REQUIRE(cond, ...)                                                                \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            std::fprintf(stderr, "%s:%d: fuzz check failed: %s: ", __FILE__, __LINE__, #cond); \
            std::fprintf(stderr, __VA_ARGS__);                                                 \
            std::fputc('\n', stderr);                                                          \
            std::abort();                                                                      \
        }                                                                                      \
    } while (0)

namespace glimmer::fuzz {

// Reads the input front to back; past the end every read gives 0.
class ByteReader {
  public:
    ByteReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    bool done() const { return pos_ >= size_; }
    std::uint8_t u8() { return pos_ < size_ ? data_[pos_++] : 0; }
    std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | (u8() << 8)); }
    std::uint32_t u32() { return static_cast<std::uint32_t>(u16() | (std::uint32_t{u16()} << 16)); }

  private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t pos_ = 0;
};

}  // namespace glimmer::fuzz
