//===- Arithmetic.h - the evaluator's scalar arithmetic ---------*- C++ -*-===//
//
// One definition of the scalar rules every kernel shares: integers wrap in
// two's complement (as every backend's do; computed through uint64 so that
// the evaluator itself has no undefined behaviour), max and min propagate
// NaN (as torch.maximum and tcc.max), and sums are compensated.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_LIB_INTERPRETER_ARITHMETIC_H
#define TCC_LIB_INTERPRETER_ARITHMETIC_H

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace mlir::tcc::interp {

inline int64_t wrapAdd(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) +
                              static_cast<uint64_t>(b));
}
inline int64_t wrapSub(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) -
                              static_cast<uint64_t>(b));
}
inline int64_t wrapMul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) *
                              static_cast<uint64_t>(b));
}
inline int64_t wrapNeg(int64_t a) { return wrapSub(0, a); }

inline double nanMax(double a, double b) {
  return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
}
inline double nanMin(double a, double b) {
  return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
}

/// The reduction of a collective or a partial sharding, for floats and ints.
inline double combine(CollectiveKind kind, double a, double b) {
  switch (kind) {
  case CollectiveKind::max:
    return nanMax(a, b);
  case CollectiveKind::min:
    return nanMin(a, b);
  case CollectiveKind::sum:
  case CollectiveKind::avg:
    return a + b;
  }
  return a + b;
}
inline int64_t combine(CollectiveKind kind, int64_t a, int64_t b) {
  switch (kind) {
  case CollectiveKind::max:
    return std::max(a, b);
  case CollectiveKind::min:
    return std::min(a, b);
  case CollectiveKind::sum:
  case CollectiveKind::avg:
    return wrapAdd(a, b);
  }
  return wrapAdd(a, b);
}

/// Neumaier's compensated sum: the oracle's sums stay accurate to a few ulps
/// of f64 however long the reduction. Infinities and NaN pass through as
/// they do in a plain sum.
class CompensatedSum {
public:
  void add(double v) {
    double t = sum + v;
    if (!std::isfinite(t)) {
      // inf - inf in the compensation would turn an infinite sum into NaN.
      sum = t;
      compensation = 0.0;
      infinite = true;
      return;
    }
    if (std::fabs(sum) >= std::fabs(v))
      compensation += (sum - t) + v;
    else
      compensation += (v - t) + sum;
    sum = t;
  }
  double value() const { return infinite ? sum : sum + compensation; }

private:
  double sum = 0.0, compensation = 0.0;
  bool infinite = false;
};

} // namespace mlir::tcc::interp

#endif // TCC_LIB_INTERPRETER_ARITHMETIC_H
