//===- DataMovement.cpp - evaluator kernels of constants and layout ops ---===//

#include "Kernels.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/IR/BuiltinAttributes.h"

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::interp;

namespace {

LogicalResult constantKernel(ConstantOp op, ArrayRef<const Tensor *>,
                             SmallVectorImpl<Tensor> &results,
                             KernelContext &context) {
  auto dense = dyn_cast<DenseElementsAttr>(op.getValue());
  if (!dense)
    return op.emitOpError("the evaluator supports dense constants only, got ")
           << op.getValue();
  FailureOr<Tensor> result = context.allocate(op, op.getResult());
  if (failed(result))
    return failure();
  int64_t n = result->numElements();
  bool splat = dense.isSplat();
  if (result->isFloat()) {
    auto values = dense.getValues<APFloat>();
    for (int64_t i = 0; i < n; ++i)
      result->setDouble(i, values[splat ? 0 : i].convertToDouble());
  } else {
    bool isBool = result->dtype() == DType::Bool;
    auto values = dense.getValues<APInt>();
    for (int64_t i = 0; i < n; ++i) {
      const APInt &v = values[splat ? 0 : i];
      result->setInt(i, isBool ? v.getZExtValue() : v.getSExtValue());
    }
  }
  results.push_back(std::move(*result));
  return success();
}

LogicalResult iotaKernel(IotaOp op, ArrayRef<const Tensor *>,
                         SmallVectorImpl<Tensor> &results,
                         KernelContext &context) {
  FailureOr<Tensor> result = context.allocate(op, op.getResult());
  if (failed(result))
    return failure();
  int64_t dim = op.getDim();
  forEachIndex(result->shape(), [&](ArrayRef<int64_t> index, int64_t i) {
    if (result->isFloat())
      result->setDouble(i, static_cast<double>(index[dim]));
    else
      result->setInt(i, index[dim]);
  });
  results.push_back(std::move(*result));
  return success();
}

/// Fills a result of `op`'s type with `source[sourceIndex(resultIndex)]`.
LogicalResult gatherInto(Operation *op, const Tensor &source,
                         SmallVectorImpl<Tensor> &results,
                         KernelContext &context,
                         llvm::function_ref<int64_t(ArrayRef<int64_t>)> map) {
  FailureOr<Tensor> result = context.allocate(op, op->getResult(0));
  if (failed(result))
    return failure();
  forEachIndex(result->shape(), [&](ArrayRef<int64_t> index, int64_t i) {
    result->copyElement(i, source, map(index));
  });
  results.push_back(std::move(*result));
  return success();
}

/// Maps a result index to the operand of a broadcast in which result
/// dimension dims[i] comes from operand dimension i.
int64_t broadcastSource(const Tensor &operand, ArrayRef<int64_t> dims,
                        ArrayRef<int64_t> index) {
  auto strides = stridesOf(operand.shape());
  int64_t linear = 0;
  for (auto [i, d] : llvm::enumerate(dims))
    if (operand.shape()[i] != 1)
      linear += strides[i] * index[d];
  return linear;
}

} // namespace

void interp::registerDataMovementKernels(KernelTable &table) {
  addKernel<ConstantOp>(table, constantKernel);
  addKernel<IotaOp>(table, iotaKernel);

  addKernel<BroadcastOp>(table, [](BroadcastOp op,
                                   ArrayRef<const Tensor *> operands,
                                   SmallVectorImpl<Tensor> &results,
                                   KernelContext &context) -> LogicalResult {
    const Tensor &x = *operands[0];
    int64_t offset = op.getType().getRank() - x.rank();
    SmallVector<int64_t> dims;
    for (int64_t i = 0; i < x.rank(); ++i)
      dims.push_back(offset + i);
    return gatherInto(op, x, results, context, [&](ArrayRef<int64_t> index) {
      return broadcastSource(x, dims, index);
    });
  });

  addKernel<BroadcastInDimOp>(table, [](BroadcastInDimOp op,
                                        ArrayRef<const Tensor *> operands,
                                        SmallVectorImpl<Tensor> &results,
                                        KernelContext &context) -> LogicalResult {
    const Tensor &x = *operands[0];
    return gatherInto(op, x, results, context, [&](ArrayRef<int64_t> index) {
      return broadcastSource(x, op.getDims(), index);
    });
  });

  addKernel<ReshapeOp>(table, [](ReshapeOp op,
                                 ArrayRef<const Tensor *> operands,
                                 SmallVectorImpl<Tensor> &results,
                                 KernelContext &context) -> LogicalResult {
    if (failed(context.checkBudget(op, op.getType().getShape())))
      return failure();
    results.push_back(operands[0]->reshaped(op.getType().getShape()));
    return success();
  });

  addKernel<TransposeOp>(table, [](TransposeOp op,
                                   ArrayRef<const Tensor *> operands,
                                   SmallVectorImpl<Tensor> &results,
                                   KernelContext &context) -> LogicalResult {
    const Tensor &x = *operands[0];
    auto strides = stridesOf(x.shape());
    ArrayRef<int64_t> perm = op.getPermutation();
    return gatherInto(op, x, results, context, [&](ArrayRef<int64_t> index) {
      int64_t linear = 0;
      for (auto [i, p] : llvm::enumerate(perm))
        linear += strides[p] * index[i];
      return linear;
    });
  });

  addKernel<SliceOp>(table, [](SliceOp op, ArrayRef<const Tensor *> operands,
                               SmallVectorImpl<Tensor> &results,
                               KernelContext &context) -> LogicalResult {
    const Tensor &x = *operands[0];
    auto strides = stridesOf(x.shape());
    return gatherInto(op, x, results, context, [&](ArrayRef<int64_t> index) {
      int64_t linear = 0;
      for (auto [d, i] : llvm::enumerate(index))
        linear += strides[d] * (op.getStart()[d] + i * op.getStride()[d]);
      return linear;
    });
  });

  addKernel<ConcatOp>(table, [](ConcatOp op, ArrayRef<const Tensor *> operands,
                                SmallVectorImpl<Tensor> &results,
                                KernelContext &context) -> LogicalResult {
    FailureOr<Tensor> result = context.allocate(op, op.getResult());
    if (failed(result))
      return failure();
    if (result->numElements() == 0) {
      results.push_back(std::move(*result));
      return success();
    }
    int64_t dim = op.getDim();
    // Which input holds each position along `dim`, and where in it (at most
    // one entry per result element, so within the budget).
    SmallVector<std::pair<unsigned, int64_t>> owner;
    for (auto [k, input] : llvm::enumerate(operands))
      for (int64_t j = 0; j < input->shape()[dim]; ++j)
        owner.push_back({static_cast<unsigned>(k), j});
    SmallVector<SmallVector<int64_t, 6>> strides;
    for (const Tensor *input : operands)
      strides.push_back(stridesOf(input->shape()));
    forEachIndex(result->shape(), [&](ArrayRef<int64_t> index, int64_t i) {
      auto [k, j] = owner[index[dim]];
      int64_t linear = 0;
      for (auto [d, v] : llvm::enumerate(index))
        linear += strides[k][d] * (static_cast<int64_t>(d) == dim ? j : v);
      result->copyElement(i, *operands[k], linear);
    });
    results.push_back(std::move(*result));
    return success();
  });

  addKernel<GatherOp>(table, [](GatherOp op, ArrayRef<const Tensor *> operands,
                                SmallVectorImpl<Tensor> &results,
                                KernelContext &context) -> LogicalResult {
    const Tensor &table = *operands[0], &indices = *operands[1];
    int64_t axis = op.getAxis();
    int64_t bound = table.shape()[axis];
    for (int64_t i = 0, e = indices.numElements(); i < e; ++i)
      if (indices.getInt(i) < 0 || indices.getInt(i) >= bound)
        return op.emitOpError("index ")
               << indices.getInt(i) << " at position " << i
               << " of the indices is out of range [0, " << bound << ")";
    auto tableStrides = stridesOf(table.shape());
    auto indexStrides = stridesOf(indices.shape());
    int64_t indexRank = indices.rank();
    return gatherInto(op, table, results, context, [&](ArrayRef<int64_t> index) {
      int64_t linear = 0;
      for (int64_t d = 0; d < axis; ++d)
        linear += tableStrides[d] * index[d];
      int64_t position = 0;
      for (int64_t d = 0; d < indexRank; ++d)
        position += indexStrides[d] * index[axis + d];
      linear += tableStrides[axis] * indices.getInt(position);
      for (int64_t d = axis + 1; d < table.rank(); ++d)
        linear += tableStrides[d] * index[indexRank + d - 1];
      return linear;
    });
  });

  addKernel<ScatterAddOp>(table, [](ScatterAddOp op,
                                    ArrayRef<const Tensor *> operands,
                                    SmallVectorImpl<Tensor> &results,
                                    KernelContext &context) -> LogicalResult {
    const Tensor &updates = *operands[0], &indices = *operands[1];
    int64_t rows = op.getRows(), columns = updates.shape()[1];
    FailureOr<Tensor> result = context.allocate(op, op.getResult());
    if (failed(result))
      return failure();
    // In index order, each sum rounded to the element type: what a
    // sequential loop over the indices computes.
    for (int64_t i = 0, e = indices.numElements(); i < e; ++i) {
      int64_t row = indices.getInt(i);
      if (row < 0 || row >= rows)
        return op.emitOpError("index ")
               << row << " at position " << i
               << " of the indices is out of range [0, " << rows << ")";
      for (int64_t c = 0; c < columns; ++c) {
        int64_t at = row * columns + c;
        result->setDouble(at, roundExactly(static_cast<long double>(
                                               result->getDouble(at)) +
                                               updates.getDouble(i * columns + c),
                                           result->dtype()));
      }
    }
    results.push_back(std::move(*result));
    return success();
  });
}
