//===- HostArray.cpp - well-formedness of host arrays ---------------------===//

#include "tcc/runtime/HostArray.h"

#include <cstdint>
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
