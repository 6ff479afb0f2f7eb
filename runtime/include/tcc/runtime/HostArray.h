//===- HostArray.h - A dense array in host memory ---------------*- C++ -*-===//
//
// The exchange type between file formats (.npy, checkpoints), the reference
// interpreter and the device drivers: plain owned bytes with a dtype and a
// shape, so that none of them depends on another's array class.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_HOSTARRAY_H
#define TCC_RUNTIME_HOSTARRAY_H

#include "tcc/runtime/DType.h"
#include "tcc/runtime/Status.h"

#include <cstdint>
#include <vector>

namespace tcc::rt {

/// A dense array in row-major (C) order with little-endian elements.
///
/// A well-formed array has bytes.size() == numElements() *
/// dtypeSize(dtype); producers (parseNpy, ...) guarantee it and consumers
/// (writeNpy, ...) check it, since the fields are public.
struct HostArray {
  DType dtype = DType::F32;
  /// Empty for a scalar (one element).
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;

  /// Number of elements, or -1 when the shape is invalid (a negative dim or
  /// more than 2^62 elements, see checkedNumElements).
  int64_t numElements() const { return checkedNumElements(shape).value_or(-1); }
};

/// Checks that `array` is well-formed: a known dtype, a valid shape, and
/// exactly numElements() * dtypeSize(dtype) bytes. `shapeText` is the shape
/// as the caller's format writes it ("(2, 3)" for .npy, "[2, 3]" for
/// safetensors), used in the messages.
Status checkHostArray(const HostArray &array, const std::string &shapeText);

/// Element `i` as a double (exact for every dtype but i64 beyond 2^53).
double getElement(const HostArray &array, int64_t i);
/// Stores `value` as element `i`, rounded to the dtype (round to nearest
/// even for floats, truncation toward zero for integers, != 0 for bool).
void setElement(HostArray &array, int64_t i, double value);

} // namespace tcc::rt

#endif // TCC_RUNTIME_HOSTARRAY_H
