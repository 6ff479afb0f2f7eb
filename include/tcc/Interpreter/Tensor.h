//===- Tensor.h - host tensors of the reference evaluator -------*- C++ -*-===//
//
// The evaluator favours obviousness over speed: float elements are held as
// double and integers as int64, whatever the declared dtype. After each op
// the result is rounded to its dtype (f32, f16, bf16, i32) unless the
// evaluation runs in f64, so "graph dtype" results match what a device
// computing in that dtype would produce, up to the order of accumulation.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_INTERPRETER_TENSOR_H
#define TCC_INTERPRETER_TENSOR_H

#include "tcc/Support/DType.h"
#include "tcc/runtime/DType.h"
#include "tcc/runtime/HostArray.h"
#include "tcc/runtime/Status.h"

#include "mlir/IR/Types.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace mlir::tcc::interp {

namespace rt = ::tcc::rt;

using rt::DType;

// dtypeOf (tcc/Support/DType.h) maps MLIR element types to DType.

/// `value` correctly rounded (to nearest, ties to even) to the float dtype
/// `dtype`, as a double. long double holds every int64 and double exactly,
/// so a cast rounds once, from its exact source.
double roundExactly(long double value, DType dtype);

/// Row-major strides of `shape`.
llvm::SmallVector<int64_t, 6> stridesOf(llvm::ArrayRef<int64_t> shape);

class Tensor {
public:
  Tensor() = default;
  /// A zero-filled tensor. Callers check the size budget first.
  Tensor(DType dtype, llvm::ArrayRef<int64_t> shape);

  DType dtype() const { return dtype_; }
  llvm::ArrayRef<int64_t> shape() const { return shape_; }
  int64_t rank() const { return static_cast<int64_t>(shape_.size()); }
  int64_t numElements() const { return numElements_; }
  bool isFloat() const { return rt::isFloat(dtype_); }

  /// Element `i` in row-major order, as a double (any dtype).
  double getDouble(int64_t i) const {
    return isFloat() ? floats_[i] : static_cast<double>(ints_[i]);
  }
  /// Element `i` as an integer (integer and bool dtypes).
  int64_t getInt(int64_t i) const { return ints_[i]; }
  void setDouble(int64_t i, double v) { floats_[i] = v; }
  void setInt(int64_t i, int64_t v) { ints_[i] = v; }
  /// Copies element `srcIndex` of `src` (same dtype) into element `i`.
  void copyElement(int64_t i, const Tensor &src, int64_t srcIndex) {
    if (isFloat())
      floats_[i] = src.floats_[srcIndex];
    else
      ints_[i] = src.ints_[srcIndex];
  }

  std::vector<double> &floats() { return floats_; }
  const std::vector<double> &floats() const { return floats_; }
  std::vector<int64_t> &ints() { return ints_; }
  const std::vector<int64_t> &ints() const { return ints_; }

  /// Rounds every element to what its dtype can hold: f32/f16/bf16 round to
  /// nearest even, i32 wraps, bool becomes 0 or 1.
  void roundToDType();

  /// The same elements with another shape of equal element count.
  Tensor reshaped(llvm::ArrayRef<int64_t> shape) const;

  /// Conversions to and from the file formats' arrays. `toHostArray` writes
  /// bf16 as f32 (NumPy has no bf16) and, with `asF64`, floats as f64.
  static rt::StatusOr<Tensor> fromHostArray(const rt::HostArray &array);
  rt::HostArray toHostArray(bool asF64 = false) const;

private:
  DType dtype_ = DType::F32;
  llvm::SmallVector<int64_t, 6> shape_;
  int64_t numElements_ = 0;
  std::vector<double> floats_;
  std::vector<int64_t> ints_;
};

} // namespace mlir::tcc::interp

#endif // TCC_INTERPRETER_TENSOR_H
