//===- RandomInputs.h - deterministic values for unbound inputs -*- C++ -*-===//
//
// When a user runs a program without giving every input, `tcc eval` and
// `tcc run` fill the rest with the same deterministic values, so that the
// evaluator and a compiled artifact can be compared on them. The compiler
// decides per input what kind of value fits (RandomInit, recorded in the
// plan); both tools draw them with these functions.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_RANDOMINPUTS_H
#define TCC_RUNTIME_RANDOMINPUTS_H

#include "tcc/runtime/Philox.h"

#include <cmath>
#include <cstdint>

namespace tcc::rt {

/// What to draw for one input.
struct RandomInit {
  enum class Kind : uint8_t {
    /// scale * N(0, 1).
    Normal,
    /// Uniform integers in [0, bound); booleans use bound 2.
    Integer,
    /// All zeros or all ones (BatchNorm's initial running statistics).
    Zeros,
    Ones,
  };
  Kind kind = Kind::Normal;
  double scale = 1.0;
  int64_t bound = 10;
};

/// Input `index` draws from stream 2^40 + index, so that inputs never share
/// draws with each other or with the graph's own random ops.
inline uint64_t randomInputStream(unsigned index) {
  return (uint64_t(1) << 40) + index;
}

/// Element `i` of an input (Box-Muller on two Philox draws).
inline double randomNormal(uint64_t seed, uint64_t stream, int64_t i) {
  double u1 = philoxUniform(seed, stream, 2 * uint64_t(i));
  double u2 = philoxUniform(seed, stream, 2 * uint64_t(i) + 1);
  return std::sqrt(-2.0 * std::log1p(-u1)) * std::cos(2.0 * M_PI * u2);
}

inline int64_t randomInteger(uint64_t seed, uint64_t stream, int64_t i,
                             int64_t bound) {
  double u = philoxUniform(seed, stream, 2 * uint64_t(i));
  int64_t v = static_cast<int64_t>(u * static_cast<double>(bound));
  return v < bound - 1 ? v : bound - 1;
}

} // namespace tcc::rt

#endif // TCC_RUNTIME_RANDOMINPUTS_H
