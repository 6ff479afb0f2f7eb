//===- ShapeInference.h - the shape library of the tcc dialect --*- C++ -*-===//
//
// Shape rules of every tcc op, as plain functions over int64 shapes. The op
// verifiers, the inferred result types, the builders, the evaluator and the
// C++ frontends all call these, so a rule is written once. Each function
// reports a violated rule through `error` and returns failure; messages are
// lowercase sentences without the op name (the caller's diagnostic names it).
//
//===----------------------------------------------------------------------===//

#ifndef TCC_DIALECT_TCC_IR_SHAPEINFERENCE_H
#define TCC_DIALECT_TCC_IR_SHAPEINFERENCE_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/LogicalResult.h"

#include <optional>

namespace mlir::tcc::shape {

using Shape = llvm::SmallVector<int64_t, 6>;
using ErrorFn = llvm::function_ref<void(const llvm::Twine &)>;

/// Largest element count tcc accepts for one tensor (2^40): beyond it no
/// device could hold the tensor, and products of dims stay far from overflow.
inline constexpr int64_t kMaxElements = int64_t(1) << 40;

/// Element count of `shape`, or failure when it exceeds kMaxElements.
FailureOr<int64_t> numElements(ArrayRef<int64_t> shape, ErrorFn error);

/// Checks that `dim` indexes a tensor of rank `rank`; `what` names it.
LogicalResult checkDim(int64_t dim, int64_t rank, llvm::StringRef what,
                       ErrorFn error);

/// NumPy broadcasting of two shapes.
FailureOr<Shape> broadcastShapes(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs,
                                 ErrorFn error);
/// Whether `from` broadcasts to exactly `to` by NumPy's rules.
LogicalResult checkBroadcastTo(ArrayRef<int64_t> from, ArrayRef<int64_t> to,
                               ErrorFn error);
/// broadcast_in_dim: operand dim i maps to result dim dims[i].
LogicalResult checkBroadcastInDim(ArrayRef<int64_t> operand,
                                  ArrayRef<int64_t> result,
                                  ArrayRef<int64_t> dims, ErrorFn error);
LogicalResult checkReshape(ArrayRef<int64_t> operand, ArrayRef<int64_t> result,
                           ErrorFn error);
FailureOr<Shape> transposeShape(ArrayRef<int64_t> operand,
                                ArrayRef<int64_t> permutation, ErrorFn error);
FailureOr<Shape> sliceShape(ArrayRef<int64_t> operand, ArrayRef<int64_t> start,
                            ArrayRef<int64_t> limit, ArrayRef<int64_t> stride,
                            ErrorFn error);
FailureOr<Shape> concatShape(ArrayRef<ArrayRef<int64_t>> inputs, int64_t dim,
                             ErrorFn error);
FailureOr<Shape> gatherShape(ArrayRef<int64_t> table, ArrayRef<int64_t> indices,
                             int64_t axis, ErrorFn error);
/// The table `tcc.scatter_add` builds: [rows, updates[1]], from updates
/// [N, C] and indices [N].
FailureOr<Shape> scatterAddShape(ArrayRef<int64_t> updates,
                                 ArrayRef<int64_t> indices, int64_t rows,
                                 ErrorFn error);
FailureOr<Shape> reduceShape(ArrayRef<int64_t> operand, ArrayRef<int64_t> dims,
                             bool keepdims, ErrorFn error);
FailureOr<Shape> matmulShape(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs,
                             bool transposeLhs, bool transposeRhs,
                             ErrorFn error);
LogicalResult checkLayerNorm(ArrayRef<int64_t> input, ArrayRef<int64_t> weight,
                             ArrayRef<int64_t> bias, ErrorFn error);
/// Checks batch_norm operands; the per-channel shape is [input[1]].
LogicalResult checkBatchNorm(ArrayRef<int64_t> input, ArrayRef<int64_t> weight,
                             ArrayRef<int64_t> bias, ArrayRef<int64_t> mean,
                             ArrayRef<int64_t> var, ErrorFn error);

struct Conv2dParams {
  ArrayRef<int64_t> stride;   // [h, w]
  ArrayRef<int64_t> padding;  // [top, bottom, left, right]
  ArrayRef<int64_t> dilation; // [h, w]
  int64_t groups = 1;
};
FailureOr<Shape> conv2dShape(ArrayRef<int64_t> input, ArrayRef<int64_t> weight,
                             std::optional<ArrayRef<int64_t>> bias,
                             const Conv2dParams &params, ErrorFn error);

struct Pool2dParams {
  ArrayRef<int64_t> kernel;   // [h, w]
  ArrayRef<int64_t> stride;   // [h, w]
  ArrayRef<int64_t> padding;  // [top, bottom, left, right]
  ArrayRef<int64_t> dilation; // [h, w]
  bool ceilMode = false;
};
FailureOr<Shape> pool2dShape(ArrayRef<int64_t> input,
                             const Pool2dParams &params, ErrorFn error);
/// PyTorch's pooling output size along one dimension.
int64_t pooledSize(int64_t in, int64_t kernel, int64_t stride, int64_t padLo,
                   int64_t padHi, int64_t dilation, bool ceilMode);

LogicalResult checkCrossEntropy(ArrayRef<int64_t> logits,
                                ArrayRef<int64_t> labels, ErrorFn error);
LogicalResult checkSameShape(ArrayRef<int64_t> lhs, ArrayRef<int64_t> rhs,
                             llvm::StringRef what, ErrorFn error);

/// Collectives over a group of `groupSize` devices.
FailureOr<Shape> allGatherShape(ArrayRef<int64_t> operand, int64_t dim,
                                int64_t groupSize, ErrorFn error);
FailureOr<Shape> reduceScatterShape(ArrayRef<int64_t> operand, int64_t dim,
                                    int64_t groupSize, ErrorFn error);
FailureOr<Shape> allToAllShape(ArrayRef<int64_t> operand, int64_t splitDim,
                               int64_t concatDim, int64_t groupSize,
                               ErrorFn error);

/// The shape of one device's shard of a tensor whose dimension d is split
/// over axes of total size splits[d].
FailureOr<Shape> shardShape(ArrayRef<int64_t> global, ArrayRef<int64_t> splits,
                            ErrorFn error);

} // namespace mlir::tcc::shape

#endif // TCC_DIALECT_TCC_IR_SHAPEINFERENCE_H
