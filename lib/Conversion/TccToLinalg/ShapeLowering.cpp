//===- ShapeLowering.cpp - broadcasts, layout changes and gather ----------===//
//
// Broadcasts and transposes are linalg maps whose input is read through a
// projected or permuted affine map, so they fuse into their consumers for
// free. Slices and concatenation use tensor's slice ops, reshapes collapse
// and expand (a copy when the kernel writes them to memory), and gather
// reads its table at a computed index.
//
//===----------------------------------------------------------------------===//

#include "LinalgBuilder.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::lowering;

namespace {

/// Whether the integer `index` lies outside [0, bound): what gather and
/// scatter_add report (and skip) for an index out of range.
Value outsideRange(OpBuilder &b, Location loc, Value index, int64_t bound) {
  Type type = index.getType();
  return arith::OrIOp::create(
      b, loc,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index,
                            intConstant(b, loc, type, 0)),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, index,
                            intConstant(b, loc, type, bound)));
}


/// Reads operand dimension i at result dimension resultDims[i], or at 0
/// where the operand's dimension is 1 and the result's is not.
AffineMap broadcastMap(MLIRContext *context, RankedTensorType operand,
                       RankedTensorType result, ArrayRef<int64_t> resultDims) {
  SmallVector<AffineExpr> exprs;
  for (auto [i, size] : llvm::enumerate(operand.getShape())) {
    int64_t d = resultDims[i];
    exprs.push_back(size == 1 && result.getDimSize(d) != 1
                        ? getAffineConstantExpr(0, context)
                        : getAffineDimExpr(d, context));
  }
  return AffineMap::get(result.getRank(), 0, exprs, context);
}

Value copyOf(LinalgBuilder &lb, Value operand, RankedTensorType resultType,
             AffineMap map) {
  return lb.map(resultType, operand, map,
                [](OpBuilder &, Location, ValueRange args) { return args[0]; });
}

} // namespace

void lowering::registerShapeLowerings(LoweringTable &table) {
  addLowering<BroadcastOp>(table, [](LinalgBuilder &lb, BroadcastOp op,
                                     ValueRange operands,
                                     SmallVectorImpl<Value> &results) -> LogicalResult {
    auto operand = tensorType(operands[0]);
    auto result = cast<RankedTensorType>(op.getType());
    SmallVector<int64_t> dims;
    for (int64_t i = 0; i < operand.getRank(); ++i)
      dims.push_back(result.getRank() - operand.getRank() + i);
    results.push_back(copyOf(lb, operands[0], result,
                             broadcastMap(lb.b.getContext(), operand, result,
                                          dims)));
    return success();
  });

  addLowering<BroadcastInDimOp>(table, [](LinalgBuilder &lb,
                                          BroadcastInDimOp op,
                                          ValueRange operands,
                                          SmallVectorImpl<Value> &results) -> LogicalResult {
    auto operand = tensorType(operands[0]);
    auto result = cast<RankedTensorType>(op.getType());
    results.push_back(copyOf(lb, operands[0], result,
                             broadcastMap(lb.b.getContext(), operand, result,
                                          op.getDims())));
    return success();
  });

  addLowering<TransposeOp>(table, [](LinalgBuilder &lb, TransposeOp op,
                                     ValueRange operands,
                                     SmallVectorImpl<Value> &results) -> LogicalResult {
    auto result = cast<RankedTensorType>(op.getType());
    ArrayRef<int64_t> permutation = op.getPermutation();
    // Result dimension i is operand dimension permutation[i].
    SmallVector<AffineExpr> exprs(permutation.size());
    for (auto [i, p] : llvm::enumerate(permutation))
      exprs[p] = lb.b.getAffineDimExpr(i);
    results.push_back(copyOf(
        lb, operands[0], result,
        AffineMap::get(result.getRank(), 0, exprs, lb.b.getContext())));
    return success();
  });

  addLowering<ReshapeOp>(table, [](LinalgBuilder &lb, ReshapeOp op,
                                   ValueRange operands,
                                   SmallVectorImpl<Value> &results) -> LogicalResult {
    auto operand = tensorType(operands[0]);
    auto result = cast<RankedTensorType>(op.getType());
    if (operand.getRank() >= 1 && result.getRank() >= 1) {
      // Through one dimension: a view, copied once where it is stored.
      auto flatType = RankedTensorType::get({operand.getNumElements()},
                                            operand.getElementType());
      SmallVector<ReassociationIndices> all(1);
      for (int64_t d = 0; d < operand.getRank(); ++d)
        all[0].push_back(d);
      Value flat = operand.getRank() == 1
                       ? operands[0]
                       : tensor::CollapseShapeOp::create(lb.b, lb.loc, flatType,
                                                         operands[0], all)
                             .getResult();
      if (result.getRank() == 1) {
        results.push_back(flat);
        return success();
      }
      SmallVector<ReassociationIndices> expand(1);
      for (int64_t d = 0; d < result.getRank(); ++d)
        expand[0].push_back(d);
      results.push_back(
          tensor::ExpandShapeOp::create(lb.b, lb.loc, result, flat, expand));
      return success();
    }
    // To or from a 0-d tensor (one element): read it at its index.
    Value source = operands[0];
    results.push_back(lb.map(result, {}, {}, [&](OpBuilder &b, Location loc,
                                                 ValueRange) {
      SmallVector<Value> zeros(operand.getRank(), indexConstant(b, loc, 0));
      return (Value)tensor::ExtractOp::create(b, loc, source, zeros);
    }));
    return success();
  });

  addLowering<SliceOp>(table, [](LinalgBuilder &lb, SliceOp op,
                                 ValueRange operands,
                                 SmallVectorImpl<Value> &results) -> LogicalResult {
    auto result = cast<RankedTensorType>(op.getType());
    results.push_back(tensor::ExtractSliceOp::create(
        lb.b, lb.loc, result, operands[0], ValueRange{}, ValueRange{},
        ValueRange{}, op.getStart(), result.getShape(), op.getStride()));
    return success();
  });

  addLowering<ConcatOp>(table, [](LinalgBuilder &lb, ConcatOp op,
                                  ValueRange operands,
                                  SmallVectorImpl<Value> &results) -> LogicalResult {
    auto result = cast<RankedTensorType>(op.getType());
    int64_t dim = op.getDim();
    Value into = lb.empty(result.getShape(), result.getElementType());
    SmallVector<int64_t> offsets(result.getRank(), 0);
    SmallVector<int64_t> strides(result.getRank(), 1);
    for (Value input : operands) {
      auto type = tensorType(input);
      into = tensor::InsertSliceOp::create(lb.b, lb.loc, input, into,
                                           ValueRange{}, ValueRange{},
                                           ValueRange{}, offsets,
                                           type.getShape(), strides);
      offsets[dim] += type.getDimSize(dim);
    }
    results.push_back(into);
    return success();
  });

  addLowering<GatherOp>(table, [](LinalgBuilder &lb, GatherOp op,
                                  ValueRange operands,
                                  SmallVectorImpl<Value> &results) -> LogicalResult {
    auto result = cast<RankedTensorType>(op.getType());
    auto tableType = tensorType(operands[0]);
    auto indicesType = tensorType(operands[1]);
    int64_t axis = op.getAxis();
    int64_t q = indicesType.getRank();
    int64_t axisSize = tableType.getDimSize(axis);
    // The indices are read at result dimensions [axis, axis + q).
    SmallVector<AffineExpr> exprs;
    for (int64_t d = 0; d < q; ++d)
      exprs.push_back(lb.b.getAffineDimExpr(axis + d));
    AffineMap indexMap =
        AffineMap::get(result.getRank(), 0, exprs, lb.b.getContext());
    Value tableValue = operands[0];
    results.push_back(lb.map(
        result, operands[1], indexMap,
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Type it = args[0].getType();
          Value index = args[0];
          Value outside = outsideRange(b, loc, index, axisSize);
          lb.reportIf(b, loc, outside, KernelError::IndexOutOfRange);
          Value safe = arith::SelectOp::create(b, loc, outside,
                                               intConstant(b, loc, it, 0), index);
          SmallVector<Value> at;
          for (int64_t d = 0; d < axis; ++d)
            at.push_back(linalg::IndexOp::create(b, loc, d));
          at.push_back(
              arith::IndexCastOp::create(b, loc, b.getIndexType(), safe));
          for (int64_t d = axis + 1; d < tableType.getRank(); ++d)
            at.push_back(linalg::IndexOp::create(b, loc, d - 1 + q));
          return (Value)tensor::ExtractOp::create(b, loc, tableValue, at);
        }));
    return success();
  });

  // linalg has no indirect write: a loop over the indices adds each row of
  // updates into the table row it names, in place once bufferized
  // (indices x columns work).
  addLowering<ScatterAddOp>(table, [](LinalgBuilder &lb, ScatterAddOp op,
                                      ValueRange operands,
                                      SmallVectorImpl<Value> &results)
                                       -> LogicalResult {
    auto result = cast<RankedTensorType>(op.getType());
    Type element = result.getElementType();
    int64_t rows = op.getRows(), columns = result.getDimSize(1);
    int64_t count = tensorType(operands[1]).getDimSize(0);
    Value updates = operands[0], indices = operands[1];
    Value zeros = lb.filled(result.getShape(), lb.b.getFloatAttr(element, 0.0));
    auto rowType = RankedTensorType::get({1, columns}, element);
    auto loop = scf::ForOp::create(
        lb.b, lb.loc, indexConstant(lb.b, lb.loc, 0),
        indexConstant(lb.b, lb.loc, count), indexConstant(lb.b, lb.loc, 1),
        ValueRange{zeros},
        [&](OpBuilder &b, Location loc, Value i, ValueRange carried) {
          Value index = tensor::ExtractOp::create(b, loc, indices, i);
          Type it = index.getType();
          Value outside = outsideRange(b, loc, index, rows);
          lb.reportIf(b, loc, outside, KernelError::IndexOutOfRange);
          Value row = arith::IndexCastOp::create(
              b, loc, b.getIndexType(),
              arith::SelectOp::create(b, loc, outside,
                                      intConstant(b, loc, it, 0), index));
          SmallVector<OpFoldResult> sizes{b.getIndexAttr(1),
                                          b.getIndexAttr(columns)};
          SmallVector<OpFoldResult> strides(2, b.getIndexAttr(1));
          SmallVector<OpFoldResult> at{row, b.getIndexAttr(0)};
          SmallVector<OpFoldResult> from{i, b.getIndexAttr(0)};
          Value target = tensor::ExtractSliceOp::create(
              b, loc, rowType, carried[0], at, sizes, strides);
          Value source = tensor::ExtractSliceOp::create(
              b, loc, rowType, updates, from, sizes, strides);
          // The sum is written into the table's row itself (its outs), so
          // no row-sized temporary exists; an index out of range adds
          // nothing.
          AffineMap identity = b.getMultiDimIdentityMap(2);
          auto add = linalg::GenericOp::create(
              b, loc, TypeRange{rowType}, ValueRange{source},
              ValueRange{target}, ArrayRef<AffineMap>{identity, identity},
              SmallVector<utils::IteratorType>(2,
                                               utils::IteratorType::parallel),
              [&](OpBuilder &nb, Location nl, ValueRange args) {
                Value sum = narrow(nb, nl,
                                   arith::AddFOp::create(
                                       nb, nl, widen(nb, nl, args[1]),
                                       widen(nb, nl, args[0])),
                                   element);
                linalg::YieldOp::create(
                    nb, nl,
                    Value(arith::SelectOp::create(nb, nl, outside, args[1],
                                                  sum)));
              });
          Value updated = tensor::InsertSliceOp::create(
              b, loc, add.getResult(0), carried[0], at, sizes, strides);
          scf::YieldOp::create(b, loc, updated);
        });
    results.push_back(loop.getResult(0));
    return success();
  });
}
