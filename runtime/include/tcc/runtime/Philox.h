//===- Philox.h - the counter-based generator behind tcc's random ops -*- C++ -*-===//
//
// Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
// 3", SC'11). A draw is a pure function of (key, counter), so every backend,
// every data-parallel rank and the evaluator produce the same random number
// for the same element without sharing state. Header-only and free of
// dependencies: the evaluator, the runtime and generated code's reference
// all use this one definition.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_PHILOX_H
#define TCC_RUNTIME_PHILOX_H

#include <array>
#include <cstdint>

namespace tcc {

using PhiloxBlock = std::array<uint32_t, 4>;
using PhiloxKey = std::array<uint32_t, 2>;

/// Ten rounds of Philox-4x32 on `counter` under `key`.
inline PhiloxBlock philox4x32(PhiloxBlock counter, PhiloxKey key) {
  constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = uint64_t(kMul0) * counter[0];
    uint64_t p1 = uint64_t(kMul1) * counter[2];
    counter = {uint32_t(p1 >> 32) ^ counter[1] ^ key[0], uint32_t(p1),
               uint32_t(p0 >> 32) ^ counter[3] ^ key[1], uint32_t(p0)};
    key[0] += kWeyl0;
    key[1] += kWeyl1;
  }
  return counter;
}

/// The uniform draw in [0, 1) of tcc's random ops for element `index` of
/// the op numbered `stream` under `seed`: the top 24 bits of the first
/// output word, exact in every float type tcc computes in.
inline double philoxUniform(uint64_t seed, uint64_t stream, uint64_t index) {
  PhiloxBlock block = philox4x32(
      {uint32_t(index), uint32_t(index >> 32), uint32_t(stream),
       uint32_t(stream >> 32)},
      {uint32_t(seed), uint32_t(seed >> 32)});
  return double(block[0] >> 8) * 0x1.0p-24;
}

} // namespace tcc

#endif // TCC_RUNTIME_PHILOX_H
