// A small, portable PRNG. std::uniform_*_distribution is implementation-defined (libstdc++ and
// libc++ map the same engine output to different values), so a seed would not give the same PNG
// everywhere; splitmix64 plus our own mapping to ranges does.
#ifndef ASSETFLOW_WORDCLOUD_RNG_HPP
#define ASSETFLOW_WORDCLOUD_RNG_HPP

#include <cstdint>

namespace wordcloud {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1) with 53 bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n) for n > 0 (Lemire's multiply-shift; the tiny bias is irrelevant here).
  uint32_t below(uint32_t n) {
    return static_cast<uint32_t>(((next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }

 private:
  uint64_t state_;
};

}  // namespace wordcloud

#endif
