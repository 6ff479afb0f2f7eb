//===- KnownValues.cpp - ONNX values computed at import time --------------===//

#include "KnownValues.h"

#include "llvm/ADT/SmallVector.h"

#include <algorithm>
#include <cstring>

namespace mlir::tcc::frontend::onnx_import {

namespace {

HostArray emptyLike(DType dtype, std::vector<int64_t> shape) {
  HostArray result;
  result.dtype = dtype;
  result.shape = std::move(shape);
  result.bytes.resize(std::max<int64_t>(result.numElements(), 0) *
                      ::tcc::rt::dtypeSize(dtype));
  return result;
}

/// Row-major strides of `shape`.
std::vector<int64_t> stridesOf(const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int64_t d = static_cast<int64_t>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

/// Offset in an array of `shape` (right-aligned in the result's rank) of
/// the result element with multi-index `index`; broadcast dims read 0.
int64_t broadcastOffset(const std::vector<int64_t> &index,
                        const std::vector<int64_t> &shape) {
  std::vector<int64_t> strides = stridesOf(shape);
  size_t lead = index.size() - shape.size();
  int64_t offset = 0;
  for (size_t d = 0; d < shape.size(); ++d)
    if (shape[d] != 1)
      offset += index[lead + d] * strides[d];
  return offset;
}

std::optional<std::vector<int64_t>>
broadcastShape(const std::vector<const HostArray *> &arrays) {
  size_t rank = 0;
  for (const HostArray *a : arrays)
    rank = std::max(rank, a->shape.size());
  std::vector<int64_t> shape(rank, 1);
  for (const HostArray *a : arrays)
    for (size_t d = 0; d < a->shape.size(); ++d) {
      int64_t &out = shape[rank - a->shape.size() + d];
      int64_t dim = a->shape[d];
      if (out == 1)
        out = dim;
      else if (dim != 1 && dim != out)
        return std::nullopt;
    }
  return shape;
}

/// Calls fn(resultIndex, flatIndex) for each element of `shape`.
template <typename Fn>
void forEachIndex(const std::vector<int64_t> &shape, Fn fn) {
  int64_t count = ::tcc::rt::checkedNumElements(shape).value_or(0);
  std::vector<int64_t> index(shape.size(), 0);
  for (int64_t flat = 0; flat < count; ++flat) {
    fn(index, flat);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
}

bool tooBig(const std::vector<int64_t> &shape) {
  std::optional<int64_t> n = ::tcc::rt::checkedNumElements(shape);
  return !n || *n > kMaxKnownElements;
}

void copyElement(const HostArray &from, int64_t i, HostArray &to, int64_t j) {
  size_t size = ::tcc::rt::dtypeSize(from.dtype);
  std::memcpy(to.bytes.data() + j * size, from.bytes.data() + i * size, size);
}

} // namespace

std::vector<int64_t> knownInts(const HostArray &array) {
  std::vector<int64_t> values(std::max<int64_t>(array.numElements(), 0));
  for (size_t i = 0; i < values.size(); ++i) {
    if (array.dtype == DType::I64)
      std::memcpy(&values[i], array.bytes.data() + 8 * i, 8);
    else
      values[i] = static_cast<int64_t>(::tcc::rt::getElement(array, i));
  }
  return values;
}

HostArray makeInts(const std::vector<int64_t> &values, bool scalar) {
  HostArray array = emptyLike(
      DType::I64, scalar ? std::vector<int64_t>{}
                         : std::vector<int64_t>{int64_t(values.size())});
  std::memcpy(array.bytes.data(), values.data(), 8 * values.size());
  return array;
}

DenseElementsAttr denseAttrOf(const HostArray &array, Type elementType) {
  auto type = RankedTensorType::get(array.shape, elementType);
  if (array.dtype == DType::Bool) {
    llvm::SmallVector<bool> values(array.bytes.begin(), array.bytes.end());
    return DenseElementsAttr::get(type, llvm::ArrayRef<bool>(values));
  }
  return DenseElementsAttr::getFromRawBuffer(
      type, llvm::ArrayRef<char>(
                reinterpret_cast<const char *>(array.bytes.data()),
                array.bytes.size()));
}

std::optional<HostArray>
broadcastKnown(const HostArray &a, const HostArray &b, DType resultType,
               const std::function<double(double, double)> &fn) {
  std::optional<std::vector<int64_t>> shape = broadcastShape({&a, &b});
  if (!shape || tooBig(*shape))
    return std::nullopt;
  HostArray result = emptyLike(resultType, *shape);
  forEachIndex(*shape, [&](const std::vector<int64_t> &index, int64_t flat) {
    ::tcc::rt::setElement(
        result, flat,
        fn(::tcc::rt::getElement(a, broadcastOffset(index, a.shape)),
           ::tcc::rt::getElement(b, broadcastOffset(index, b.shape))));
  });
  return result;
}

std::optional<HostArray> whereKnown(const HostArray &condition,
                                    const HostArray &onTrue,
                                    const HostArray &onFalse) {
  std::optional<std::vector<int64_t>> shape =
      broadcastShape({&condition, &onTrue, &onFalse});
  if (!shape || tooBig(*shape))
    return std::nullopt;
  HostArray result = emptyLike(onTrue.dtype, *shape);
  forEachIndex(*shape, [&](const std::vector<int64_t> &index, int64_t flat) {
    bool pick = ::tcc::rt::getElement(
                    condition, broadcastOffset(index, condition.shape)) != 0;
    const HostArray &from = pick ? onTrue : onFalse;
    copyElement(from, broadcastOffset(index, from.shape), result, flat);
  });
  return result;
}

HostArray castKnown(const HostArray &array, DType dtype) {
  if (array.dtype == dtype)
    return array;
  HostArray result = emptyLike(dtype, array.shape);
  for (int64_t i = 0; i < array.numElements(); ++i)
    ::tcc::rt::setElement(result, i, ::tcc::rt::getElement(array, i));
  return result;
}

std::optional<HostArray> gatherKnown(const HostArray &array,
                                     const std::vector<int64_t> &indices,
                                     const std::vector<int64_t> &indexShape,
                                     int64_t axis) {
  std::vector<int64_t> shape(array.shape.begin(), array.shape.begin() + axis);
  shape.insert(shape.end(), indexShape.begin(), indexShape.end());
  shape.insert(shape.end(), array.shape.begin() + axis + 1, array.shape.end());
  if (tooBig(shape))
    return std::nullopt;
  HostArray result = emptyLike(array.dtype, shape);
  std::vector<int64_t> strides = stridesOf(array.shape);
  size_t indexRank = indexShape.size();
  int64_t indexCount = static_cast<int64_t>(indices.size());
  forEachIndex(shape, [&](const std::vector<int64_t> &index, int64_t flat) {
    // Result index = [outer..., index dims..., inner...].
    int64_t which = 0;
    for (size_t d = 0; d < indexRank; ++d)
      which = which * indexShape[d] + index[axis + d];
    int64_t offset = 0;
    for (int64_t d = 0; d < axis; ++d)
      offset += index[d] * strides[d];
    offset += indices[std::min(which, indexCount - 1)] * strides[axis];
    for (size_t d = axis + 1; d < array.shape.size(); ++d)
      offset += index[d - 1 + indexRank] * strides[d];
    copyElement(array, offset, result, flat);
  });
  return result;
}

HostArray sliceKnown(const HostArray &array, const std::vector<int64_t> &start,
                     const std::vector<int64_t> &limit,
                     const std::vector<int64_t> &stride) {
  std::vector<int64_t> shape(array.shape.size());
  for (size_t d = 0; d < shape.size(); ++d)
    shape[d] = std::max<int64_t>(0, (limit[d] - start[d] + stride[d] - 1) /
                                        stride[d]);
  HostArray result = emptyLike(array.dtype, shape);
  std::vector<int64_t> strides = stridesOf(array.shape);
  forEachIndex(shape, [&](const std::vector<int64_t> &index, int64_t flat) {
    int64_t offset = 0;
    for (size_t d = 0; d < shape.size(); ++d)
      offset += (start[d] + index[d] * stride[d]) * strides[d];
    copyElement(array, offset, result, flat);
  });
  return result;
}

HostArray concatKnown(const std::vector<const HostArray *> &arrays,
                      int64_t axis) {
  std::vector<int64_t> shape = arrays.front()->shape;
  shape[axis] = 0;
  for (const HostArray *a : arrays)
    shape[axis] += a->shape[axis];
  HostArray result = emptyLike(arrays.front()->dtype, shape);
  std::vector<int64_t> strides = stridesOf(shape);
  int64_t base = 0;
  for (const HostArray *a : arrays) {
    forEachIndex(a->shape, [&](const std::vector<int64_t> &index, int64_t flat) {
      int64_t offset = 0;
      for (size_t d = 0; d < shape.size(); ++d)
        offset += (index[d] + (int64_t(d) == axis ? base : 0)) * strides[d];
      copyElement(*a, flat, result, offset);
    });
    base += a->shape[axis];
  }
  return result;
}

HostArray transposeKnown(const HostArray &array,
                         const std::vector<int64_t> &permutation) {
  std::vector<int64_t> shape(permutation.size());
  for (size_t d = 0; d < shape.size(); ++d)
    shape[d] = array.shape[permutation[d]];
  HostArray result = emptyLike(array.dtype, shape);
  std::vector<int64_t> strides = stridesOf(array.shape);
  forEachIndex(shape, [&](const std::vector<int64_t> &index, int64_t flat) {
    int64_t offset = 0;
    for (size_t d = 0; d < shape.size(); ++d)
      offset += index[d] * strides[permutation[d]];
    copyElement(array, offset, result, flat);
  });
  return result;
}

} // namespace mlir::tcc::frontend::onnx_import
