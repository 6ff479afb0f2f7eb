//===- TestArrays.h - host arrays for the runtime's format tests -*- C++ -*-===//

#ifndef TCC_UNITTESTS_RUNTIME_TESTARRAYS_H
#define TCC_UNITTESTS_RUNTIME_TESTARRAYS_H

#include "tcc/runtime/HostArray.h"

#include <cstring>
#include <vector>

namespace tcc::rt::test {

/// Deterministic contents; Bool elements stay 0/1 as the readers produce.
inline HostArray patterned(DType dtype, std::vector<int64_t> shape) {
  HostArray array{dtype, std::move(shape), {}};
  array.bytes.resize(size_t(array.numElements()) * dtypeSize(dtype));
  for (size_t i = 0; i < array.bytes.size(); ++i)
    array.bytes[i] = dtype == DType::Bool ? i % 3 == 0 : uint8_t(i * 37 + 11);
  return array;
}

/// The elements of `array` as T.
template <typename T> std::vector<T> valuesOf(const HostArray &array) {
  std::vector<T> values(array.bytes.size() / sizeof(T));
  std::memcpy(values.data(), array.bytes.data(), array.bytes.size());
  return values;
}

} // namespace tcc::rt::test

#endif // TCC_UNITTESTS_RUNTIME_TESTARRAYS_H
