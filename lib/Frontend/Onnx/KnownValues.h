//===- KnownValues.h - ONNX values computed at import time -------*- C++ -*-===//
//
// ONNX exporters compute shapes inside the graph (Shape -> Gather ->
// Unsqueeze -> Concat -> Reshape). tcc compiles static shapes, so the
// importer evaluates such chains on the host when their inputs are known,
// with these small routines over HostArrays. They are for shapes, axes and
// masks, not for bulk data: each refuses arrays over kMaxKnownElements.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_LIB_FRONTEND_ONNX_KNOWNVALUES_H
#define TCC_LIB_FRONTEND_ONNX_KNOWNVALUES_H

#include "tcc/runtime/HostArray.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace mlir::tcc::frontend::onnx_import {

using ::tcc::rt::DType;
using ::tcc::rt::HostArray;

/// Largest array folded on the host; bigger results are built as ops.
constexpr int64_t kMaxKnownElements = int64_t(1) << 20;

/// The elements of an integer (or bool) array.
std::vector<int64_t> knownInts(const HostArray &array);
/// A 1-D i64 array (or 0-d when `scalar`).
HostArray makeInts(const std::vector<int64_t> &values, bool scalar = false);
/// `array` as a constant attribute of `elementType`.
DenseElementsAttr denseAttrOf(const HostArray &array, Type elementType);

/// Elementwise `fn` of two arrays broadcast NumPy-style; the result has
/// `resultType`. nullopt when the shapes do not broadcast or it is too big.
std::optional<HostArray>
broadcastKnown(const HostArray &a, const HostArray &b, DType resultType,
               const std::function<double(double, double)> &fn);
/// `condition ? onTrue : onFalse`, broadcast.
std::optional<HostArray> whereKnown(const HostArray &condition,
                                    const HostArray &onTrue,
                                    const HostArray &onFalse);
/// Every element converted to `dtype` (setElement's rounding).
HostArray castKnown(const HostArray &array, DType dtype);
/// np.take(array, indices, axis) with indices already in range.
std::optional<HostArray> gatherKnown(const HostArray &array,
                                     const std::vector<int64_t> &indices,
                                     const std::vector<int64_t> &indexShape,
                                     int64_t axis);
/// array[start:limit:stride] per dimension (strides positive).
HostArray sliceKnown(const HostArray &array, const std::vector<int64_t> &start,
                     const std::vector<int64_t> &limit,
                     const std::vector<int64_t> &stride);
/// Concatenation along `axis` of arrays of one dtype and matching shapes.
HostArray concatKnown(const std::vector<const HostArray *> &arrays,
                      int64_t axis);
/// The array with its dimensions permuted (result dim i = dim perm[i]).
HostArray transposeKnown(const HostArray &array,
                         const std::vector<int64_t> &permutation);

} // namespace mlir::tcc::frontend::onnx_import

#endif // TCC_LIB_FRONTEND_ONNX_KNOWNVALUES_H
