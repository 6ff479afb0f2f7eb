//===- HostArray.cpp - well-formedness of host arrays ---------------------===//

#include "tcc/runtime/HostArray.h"

#include <cstdint>
#include <cstring>
#include <string>

using namespace tcc::rt;

Status tcc::rt::checkHostArray(const HostArray &array,
                               const std::string &shapeText) {
  size_t itemSize = dtypeSize(array.dtype);
  if (itemSize == 0)
    return Status::error("invalid dtype " +
                         std::to_string(unsigned(array.dtype)));
  int64_t count = array.numElements();
  if (count < 0)
    return Status::error("invalid shape " + shapeText +
                         " (negative dimension or more than 2^62 elements)");
  if (uint64_t(count) > SIZE_MAX / itemSize ||
      array.bytes.size() != size_t(count) * itemSize)
    return Status::error("array holds " + std::to_string(array.bytes.size()) +
                         " bytes but shape " + shapeText + " of " +
                         dtypeName(array.dtype) + " needs " +
                         std::to_string(count) + " x " +
                         std::to_string(itemSize) + " bytes");
  return Status::ok();
}

namespace {

template <typename T> T load(const HostArray &array, int64_t i) {
  T value;
  std::memcpy(&value, array.bytes.data() + i * sizeof(T), sizeof(T));
  return value;
}

template <typename T> void store(HostArray &array, int64_t i, T value) {
  std::memcpy(array.bytes.data() + i * sizeof(T), &value, sizeof(T));
}

} // namespace

double tcc::rt::getElement(const HostArray &array, int64_t i) {
  switch (array.dtype) {
  case DType::F64:
    return load<double>(array, i);
  case DType::F32:
    return load<float>(array, i);
  case DType::F16:
    return halfToFloat(load<uint16_t>(array, i));
  case DType::BF16:
    return bf16ToFloat(load<uint16_t>(array, i));
  case DType::I64:
    return static_cast<double>(load<int64_t>(array, i));
  case DType::I32:
    return load<int32_t>(array, i);
  case DType::I8:
    return load<int8_t>(array, i);
  case DType::U8:
  case DType::Bool:
    return load<uint8_t>(array, i);
  }
  return 0;
}

void tcc::rt::setElement(HostArray &array, int64_t i, double value) {
  switch (array.dtype) {
  case DType::F64:
    return store<double>(array, i, value);
  case DType::F32:
    return store<float>(array, i, static_cast<float>(value));
  case DType::F16:
    return store<uint16_t>(array, i, floatToHalf(static_cast<float>(value)));
  case DType::BF16:
    return store<uint16_t>(array, i, floatToBf16(static_cast<float>(value)));
  case DType::I64:
    return store<int64_t>(array, i, static_cast<int64_t>(value));
  case DType::I32:
    return store<int32_t>(array, i, static_cast<int32_t>(value));
  case DType::I8:
    return store<int8_t>(array, i, static_cast<int8_t>(value));
  case DType::U8:
    return store<uint8_t>(array, i, static_cast<uint8_t>(value));
  case DType::Bool:
    return store<uint8_t>(array, i, value != 0 ? 1 : 0);
  }
}
