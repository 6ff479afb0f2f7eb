//===- NNLowering.cpp - matmul, convolution, pooling and batch_norm -------===//
//
// These are the reference lowerings, correct for every case the verifier
// accepts. The CPU backend sends f32/f64 matmuls to a BLAS library instead
// (lib/Target/CPU); the loops here cover the rest and every op inside a
// fused kernel.
//
//===----------------------------------------------------------------------===//

#include "LinalgBuilder.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <limits>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::lowering;

namespace {

/// out = sum over the reduction loops of body(inputs...), with `loops`
/// iterators (the output indexed by `outMap`), accumulated in the compute
/// type and rounded to `resultType` by a final map.
Value contract(LinalgBuilder &lb, RankedTensorType resultType,
               ValueRange inputs, ArrayRef<AffineMap> inputMaps,
               AffineMap outMap, ArrayRef<utils::IteratorType> loops,
               BodyFn product) {
  Type ct = computeType(resultType.getElementType());
  Value acc = lb.filled(resultType.getShape(), lb.b.getFloatAttr(ct, 0.0));
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(outMap);
  auto generic = linalg::GenericOp::create(
      lb.b, lb.loc, TypeRange{acc.getType()}, inputs, ValueRange{acc}, maps,
      loops, [&](OpBuilder &b, Location loc, ValueRange args) {
        Value p = product(b, loc, args.drop_back());
        linalg::YieldOp::create(
            b, loc,
            ValueRange{addOf(b, loc, p, args.back())});
      });
  Value sum = generic.getResult(0);
  if (ct == resultType.getElementType())
    return sum;
  return lb.cast(sum, resultType);
}

Value multiplyWidened(OpBuilder &b, Location loc, ValueRange args) {
  return arith::MulFOp::create(b, loc, widen(b, loc, args[0]),
                               widen(b, loc, args[1]));
}

/// The window of a pooling op as loop bounds: an empty tensor whose shape
/// gives the reduction loops their extent.
Value windowOf(LinalgBuilder &lb, ArrayRef<int64_t> kernel) {
  return lb.empty(kernel, lb.b.getI1Type());
}

/// Input row (or column) read by output position `o` and window offset `k`.
Value windowIndex(OpBuilder &b, Location loc, Value o, Value k, int64_t stride,
                  int64_t dilation, int64_t padBefore) {
  Value start = arith::MulIOp::create(b, loc, o, indexConstant(b, loc, stride));
  Value offset =
      arith::MulIOp::create(b, loc, k, indexConstant(b, loc, dilation));
  return arith::SubIOp::create(b, loc,
                               arith::AddIOp::create(b, loc, start, offset),
                               indexConstant(b, loc, padBefore));
}

Value inRange(OpBuilder &b, Location loc, Value i, int64_t size) {
  // An unsigned comparison also rejects negative indices.
  return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, i,
                               indexConstant(b, loc, size));
}

Value maximumOf(OpBuilder &b, Location loc, Value x, Value acc) {
  return arith::MaximumFOp::create(b, loc, x, acc);
}

/// out[n, c, oh, ow] = combine over the window at (oh, ow) of the input
/// elements, where a window position in the padding contributes `init`
/// (which also starts the accumulator); computed in the compute type.
Value poolWindows(LinalgBuilder &lb, Value x, RankedTensorType result,
                  ArrayRef<int64_t> kernel, ArrayRef<int64_t> stride,
                  ArrayRef<int64_t> dilation, ArrayRef<int64_t> padding,
                  double init,
                  Value (*combine)(OpBuilder &, Location, Value, Value)) {
  auto input = tensorType(x);
  Type ct = computeType(result.getElementType());
  MLIRContext *context = lb.b.getContext();
  Value acc = lb.filled(result.getShape(), lb.b.getFloatAttr(ct, init));
  auto d = [&](unsigned i) { return getAffineDimExpr(i, context); };
  SmallVector<AffineMap> maps{
      AffineMap::get(6, 0, {d(4), d(5)}, context),
      AffineMap::get(6, 0, {d(0), d(1), d(2), d(3)}, context)};
  SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
  iterators.append(2, utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      lb.b, lb.loc, TypeRange{acc.getType()}, windowOf(lb, kernel),
      ValueRange{acc}, maps, iterators,
      [&](OpBuilder &b, Location loc, ValueRange args) {
        Value h = windowIndex(b, loc, linalg::IndexOp::create(b, loc, 2),
                              linalg::IndexOp::create(b, loc, 4), stride[0],
                              dilation[0], padding[0]);
        Value w = windowIndex(b, loc, linalg::IndexOp::create(b, loc, 3),
                              linalg::IndexOp::create(b, loc, 5), stride[1],
                              dilation[1], padding[2]);
        Value inside =
            arith::AndIOp::create(b, loc, inRange(b, loc, h, input.getDimSize(2)),
                                  inRange(b, loc, w, input.getDimSize(3)));
        // Read a valid position even in the padding, then discard it.
        Value zero = indexConstant(b, loc, 0);
        Value v = widen(
            b, loc,
            tensor::ExtractOp::create(
                b, loc, x,
                ValueRange{linalg::IndexOp::create(b, loc, 0),
                           linalg::IndexOp::create(b, loc, 1),
                           arith::SelectOp::create(b, loc, inside, h, zero),
                           arith::SelectOp::create(b, loc, inside, w, zero)}));
        Value term = arith::SelectOp::create(b, loc, inside, v,
                                             floatConstant(b, loc, ct, init));
        linalg::YieldOp::create(b, loc,
                                ValueRange{combine(b, loc, term, args[1])});
      });
  return generic.getResult(0);
}

} // namespace

void lowering::registerNNLowerings(LoweringTable &table) {
  addLowering<MatmulOp>(table, [](LinalgBuilder &lb, MatmulOp op,
                                  ValueRange operands,
                                  SmallVectorImpl<Value> &results) -> LogicalResult {
    auto result = cast<RankedTensorType>(op.getType());
    auto lhs = tensorType(operands[0]), rhs = tensorType(operands[1]);
    MLIRContext *context = lb.b.getContext();
    int64_t batch = result.getRank() - 2;
    // Loops: batch..., m, n, k.
    unsigned loops = batch + 3;
    AffineExpr m = getAffineDimExpr(batch, context);
    AffineExpr n = getAffineDimExpr(batch + 1, context);
    AffineExpr k = getAffineDimExpr(batch + 2, context);
    auto operandMap = [&](RankedTensorType type, AffineExpr row,
                          AffineExpr column) {
      SmallVector<AffineExpr> exprs;
      int64_t operandBatch = type.getRank() - 2;
      for (int64_t d = 0; d < operandBatch; ++d) {
        int64_t loop = batch - operandBatch + d;
        exprs.push_back(type.getDimSize(d) == 1 && result.getDimSize(loop) != 1
                            ? getAffineConstantExpr(0, context)
                            : getAffineDimExpr(loop, context));
      }
      exprs.push_back(row);
      exprs.push_back(column);
      return AffineMap::get(loops, 0, exprs, context);
    };
    AffineMap lhsMap = op.getTransposeLhs() ? operandMap(lhs, k, m)
                                            : operandMap(lhs, m, k);
    AffineMap rhsMap = op.getTransposeRhs() ? operandMap(rhs, n, k)
                                            : operandMap(rhs, k, n);
    SmallVector<AffineExpr> outExprs;
    for (int64_t d = 0; d < batch + 2; ++d)
      outExprs.push_back(getAffineDimExpr(d, context));
    SmallVector<utils::IteratorType> iterators(loops - 1,
                                               utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    results.push_back(contract(lb, result, operands, {lhsMap, rhsMap},
                               AffineMap::get(loops, 0, outExprs, context),
                               iterators, multiplyWidened));
    return success();
  });

  addLowering<Conv2dOp>(table, [](LinalgBuilder &lb, Conv2dOp op,
                                  ValueRange operands,
                                  SmallVectorImpl<Value> &results) -> LogicalResult {
    auto result = cast<RankedTensorType>(op.getType());
    auto input = tensorType(operands[0]);
    auto weight = tensorType(operands[1]);
    ArrayRef<int64_t> stride = op.getStride(), padding = op.getPadding(),
                      dilation = op.getDilation();
    MLIRContext *context = lb.b.getContext();
    // Zero padding first, so that the convolution itself is affine.
    Value padded = operands[0];
    if (llvm::any_of(padding, [](int64_t p) { return p != 0; })) {
      SmallVector<int64_t> low{0, 0, padding[0], padding[2]};
      SmallVector<int64_t> high{0, 0, padding[1], padding[3]};
      SmallVector<int64_t> shape(input.getShape());
      shape[2] += padding[0] + padding[1];
      shape[3] += padding[2] + padding[3];
      auto paddedType = RankedTensorType::get(shape, input.getElementType());
      Value zero = floatConstant(lb.b, lb.loc, input.getElementType(), 0.0);
      padded = tensor::PadOp::create(
          lb.b, lb.loc, paddedType, operands[0],
          getAsIndexOpFoldResult(context, low),
          getAsIndexOpFoldResult(context, high), zero);
    }
    // Loops: n, o, oh, ow, c (within the group), kh, kw.
    int64_t outPerGroup = result.getDimSize(1) / op.getGroups();
    int64_t inPerGroup = weight.getDimSize(1);
    auto d = [&](unsigned i) { return getAffineDimExpr(i, context); };
    AffineMap inputMap = AffineMap::get(
        7, 0,
        {d(0), d(1).floorDiv(outPerGroup) * inPerGroup + d(4),
         d(2) * stride[0] + d(5) * dilation[0],
         d(3) * stride[1] + d(6) * dilation[1]},
        context);
    AffineMap weightMap = AffineMap::get(7, 0, {d(1), d(4), d(5), d(6)}, context);
    AffineMap outMap = AffineMap::get(7, 0, {d(0), d(1), d(2), d(3)}, context);
    SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
    iterators.append(3, utils::IteratorType::reduction);
    Type ct = computeType(result.getElementType());
    auto accType = RankedTensorType::get(result.getShape(), ct);
    Value sum = contract(lb, accType, {padded, operands[1]},
                         {inputMap, weightMap}, outMap, iterators,
                         multiplyWidened);
    if (op.getBias()) {
      AffineMap channel = AffineMap::get(4, 0, {d(1)}, context);
      results.push_back(lb.map(
          result, {sum, operands[2]}, {lb.identity(4), channel},
          [&](OpBuilder &b, Location loc, ValueRange args) {
            return narrow(b, loc,
                          arith::AddFOp::create(b, loc, args[0],
                                                widen(b, loc, args[1])),
                          result.getElementType());
          }));
      return success();
    }
    results.push_back(lb.cast(sum, result));
    return success();
  });

  addLowering<MaxPool2dOp>(table, [](LinalgBuilder &lb, MaxPool2dOp op,
                                     ValueRange operands,
                                     SmallVectorImpl<Value> &results) -> LogicalResult {
    auto result = cast<RankedTensorType>(op.getType());
    Value max = poolWindows(lb, operands[0], result, op.getKernelSize(),
                            op.getStride(), op.getDilation(), op.getPadding(),
                            -std::numeric_limits<double>::infinity(),
                            maximumOf);
    results.push_back(lb.cast(max, result));
    return success();
  });

  addLowering<AvgPool2dOp>(table, [](LinalgBuilder &lb, AvgPool2dOp op,
                                     ValueRange operands,
                                     SmallVectorImpl<Value> &results) -> LogicalResult {
    auto result = cast<RankedTensorType>(op.getType());
    auto input = tensorType(operands[0]);
    ArrayRef<int64_t> kernel = op.getKernelSize(), stride = op.getStride(),
                      padding = op.getPadding();
    bool countPadding = op.getCountIncludePad();
    Type ct = computeType(result.getElementType());
    SmallVector<int64_t, 2> unitDilation{1, 1};
    Value sum = poolWindows(lb, operands[0], result, kernel, stride,
                            unitDilation, padding, 0.0, addOf);
    // The divisor depends on the window's position only (PyTorch's rule):
    // the window clipped to the padded input, or to the input itself
    // without count_include_pad.
    int64_t height = input.getDimSize(2), width = input.getDimSize(3);
    results.push_back(lb.mapSameShape(
        result, sum,
        [&](OpBuilder &b, Location loc, ValueRange args) {
          auto extent = [&](unsigned dim, int64_t k, int64_t s, int64_t before,
                            int64_t after, int64_t size) {
            Type i64 = b.getI64Type();
            Value o = arith::IndexCastOp::create(
                b, loc, i64, linalg::IndexOp::create(b, loc, dim));
            Value start = arith::SubIOp::create(
                b, loc, arith::MulIOp::create(b, loc, o, intConstant(b, loc, i64, s)),
                intConstant(b, loc, i64, before));
            Value end = arith::MinSIOp::create(
                b, loc, arith::AddIOp::create(b, loc, start, intConstant(b, loc, i64, k)),
                intConstant(b, loc, i64, size + after));
            if (!countPadding) {
              start = arith::MaxSIOp::create(b, loc, start,
                                             intConstant(b, loc, i64, 0));
              end = arith::MinSIOp::create(b, loc, end,
                                           intConstant(b, loc, i64, size));
            }
            return (Value)arith::SubIOp::create(b, loc, end, start);
          };
          Value count = arith::MulIOp::create(
              b, loc, extent(2, kernel[0], stride[0], padding[0], padding[1], height),
              extent(3, kernel[1], stride[1], padding[2], padding[3], width));
          Value divisor = arith::SIToFPOp::create(b, loc, ct, count);
          return narrow(b, loc, arith::DivFOp::create(b, loc, args[0], divisor),
                        result.getElementType());
        }));
    return success();
  });

  addLowering<BatchNormOp>(table, [](LinalgBuilder &lb, BatchNormOp op,
                                     ValueRange operands,
                                     SmallVectorImpl<Value> &results) -> LogicalResult {
    auto type = cast<RankedTensorType>(op.getOutput().getType());
    auto statType = cast<RankedTensorType>(op.getNewRunningMean().getType());
    unsigned rank = type.getRank();
    Type ct = computeType(type.getElementType());
    MLIRContext *context = lb.b.getContext();
    double epsilon = op.getEpsilon().convertToDouble();
    double momentum = op.getMomentum().convertToDouble();
    SmallVector<int64_t> dims;
    int64_t count = 1;
    for (unsigned d = 0; d < rank; ++d)
      if (d != 1) {
        dims.push_back(d);
        count *= type.getDimSize(d);
      }
    AffineMap channel =
        AffineMap::get(rank, 0, {getAffineDimExpr(1, context)}, context);
    Value x = operands[0];
    auto statCt = RankedTensorType::get(statType.getShape(), ct);
    Value mean, variance;
    if (op.getTraining()) {
      double inverse = 1.0 / static_cast<double>(count);
      Value sum = lb.reduce(x, dims, lb.b.getFloatAttr(ct, 0.0), addOf, {}, {},
                            [](OpBuilder &b, Location loc, ValueRange a) {
                              return widen(b, loc, a[0]);
                            });
      mean = lb.mapSameShape(statCt, sum, [&](OpBuilder &b, Location loc,
                                              ValueRange a) {
        return (Value)arith::MulFOp::create(b, loc, a[0],
                                            floatConstant(b, loc, ct, inverse));
      });
      Value squares = lb.reduce(
          x, dims, lb.b.getFloatAttr(ct, 0.0), addOf, mean, channel,
          [](OpBuilder &b, Location loc, ValueRange a) {
            Value c = arith::SubFOp::create(b, loc, widen(b, loc, a[0]), a[1]);
            return (Value)arith::MulFOp::create(b, loc, c, c);
          });
      variance = lb.mapSameShape(statCt, squares, [&](OpBuilder &b, Location loc,
                                                      ValueRange a) {
        return (Value)arith::MulFOp::create(b, loc, a[0],
                                            floatConstant(b, loc, ct, inverse));
      });
      // Running statistics take the unbiased variance.
      double unbias = count > 1 ? static_cast<double>(count) / (count - 1)
                                : std::numeric_limits<double>::quiet_NaN();
      auto update = [&](Value running, Value batch, double scale) {
        return lb.mapSameShape(
            statType, {running, batch},
            [&](OpBuilder &b, Location loc, ValueRange a) {
              Value old = arith::MulFOp::create(
                  b, loc, widen(b, loc, a[0]),
                  floatConstant(b, loc, ct, 1.0 - momentum));
              Value fresh = arith::MulFOp::create(
                  b, loc, a[1], floatConstant(b, loc, ct, momentum * scale));
              return narrow(b, loc, arith::AddFOp::create(b, loc, old, fresh),
                            statType.getElementType());
            });
      };
      Value newMean = update(operands[3], mean, 1.0);
      Value newVar = update(operands[4], variance, unbias);
      Value y = lb.map(
          type, {x, mean, variance, operands[1], operands[2]},
          {lb.identity(rank), channel, channel, channel, channel},
          [&](OpBuilder &b, Location loc, ValueRange a) {
            Value c = arith::SubFOp::create(b, loc, widen(b, loc, a[0]), a[1]);
            Value denominator = math::SqrtOp::create(
                b, loc,
                arith::AddFOp::create(b, loc, a[2],
                                      floatConstant(b, loc, ct, epsilon)));
            Value n = arith::DivFOp::create(b, loc, c, denominator);
            Value out = arith::AddFOp::create(
                b, loc, arith::MulFOp::create(b, loc, n, widen(b, loc, a[3])),
                widen(b, loc, a[4]));
            return narrow(b, loc, out, type.getElementType());
          });
      results.append({y, newMean, newVar});
      return success();
    }
    Value y = lb.map(
        type, {x, operands[3], operands[4], operands[1], operands[2]},
        {lb.identity(rank), channel, channel, channel, channel},
        [&](OpBuilder &b, Location loc, ValueRange a) {
          Value c = arith::SubFOp::create(b, loc, widen(b, loc, a[0]),
                                          widen(b, loc, a[1]));
          Value denominator = math::SqrtOp::create(
              b, loc,
              arith::AddFOp::create(b, loc, widen(b, loc, a[2]),
                                    floatConstant(b, loc, ct, epsilon)));
          Value n = arith::DivFOp::create(b, loc, c, denominator);
          Value out = arith::AddFOp::create(
              b, loc, arith::MulFOp::create(b, loc, n, widen(b, loc, a[3])),
              widen(b, loc, a[4]));
          return narrow(b, loc, out, type.getElementType());
        });
    results.append({y, operands[3], operands[4]});
    return success();
  });
}
