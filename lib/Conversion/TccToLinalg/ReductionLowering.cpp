//===- ReductionLowering.cpp - reductions, normalizations and losses ------===//
//
// A row reduction is a linalg reduction into a filled accumulator, and the
// ops built on them (softmax, log_softmax, layer_norm, the losses) are a
// few reductions followed by one map that reads the reduced rows through
// projected maps. Tiling the final map over its rows and fusing the
// reductions into the tile (lib/Target/CPU) turns them into one pass over
// each row while it is in cache.
//
// Float reductions accumulate in f32 (f64 for f64) with reassociation
// allowed, so that they vectorize; integer reductions wrap like the
// evaluator's.
//
//===----------------------------------------------------------------------===//

#include "LinalgBuilder.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::lowering;

namespace {

Value maxOf(OpBuilder &b, Location loc, Value x, Value acc) {
  if (isa<FloatType>(x.getType()))
    return arith::MaximumFOp::create(b, loc, x, acc);
  return arith::MaxSIOp::create(b, loc, x, acc);
}

Value minOf(OpBuilder &b, Location loc, Value x, Value acc) {
  if (isa<FloatType>(x.getType()))
    return arith::MinimumFOp::create(b, loc, x, acc);
  return arith::MinSIOp::create(b, loc, x, acc);
}

Value mulOf(OpBuilder &b, Location loc, Value x, Value acc) {
  if (isa<FloatType>(x.getType()))
    return arith::MulFOp::create(b, loc, x, acc, reassociable(b));
  return arith::MulIOp::create(b, loc, x, acc);
}

TypedAttr scalarAttr(OpBuilder &b, Type type, double value) {
  if (isa<FloatType>(type))
    return b.getFloatAttr(type, value);
  return b.getIntegerAttr(type, static_cast<int64_t>(value));
}

/// The accumulator's start for `kind`: 0, 1, or the type's extreme.
TypedAttr identityOf(OpBuilder &b, Type type, ReduceKind kind) {
  bool isFloat = isa<FloatType>(type);
  unsigned width = type.getIntOrFloatBitWidth();
  switch (kind) {
  case ReduceKind::sum:
  case ReduceKind::mean:
    return scalarAttr(b, type, 0.0);
  case ReduceKind::prod:
    return scalarAttr(b, type, 1.0);
  case ReduceKind::max:
    if (isFloat)
      return b.getFloatAttr(type, -std::numeric_limits<double>::infinity());
    return b.getIntegerAttr(type, APInt::getSignedMinValue(width));
  case ReduceKind::min:
    if (isFloat)
      return b.getFloatAttr(type, std::numeric_limits<double>::infinity());
    return b.getIntegerAttr(type, APInt::getSignedMaxValue(width));
  }
  llvm_unreachable("unknown reduce kind");
}

using CombineFn = Value (*)(OpBuilder &, Location, Value, Value);

CombineFn combineOf(ReduceKind kind) {
  switch (kind) {
  case ReduceKind::sum:
  case ReduceKind::mean:
    return addOf;
  case ReduceKind::max:
    return maxOf;
  case ReduceKind::min:
    return minOf;
  case ReduceKind::prod:
    return mulOf;
  }
  llvm_unreachable("unknown reduce kind");
}

/// The row statistics of softmax-like ops over `dim`: the maximum, and the
/// sum of exp(x - max).
struct SoftmaxRows {
  Value max, sumExp;
};

SoftmaxRows softmaxRows(LinalgBuilder &lb, Value x, int64_t dim) {
  Type ct = computeType(tensorType(x).getElementType());
  unsigned rank = tensorType(x).getRank();
  Value max = lb.reduce(
      x, dim, lb.b.getFloatAttr(ct, -std::numeric_limits<double>::infinity()),
      maxOf, {}, {}, [](OpBuilder &b, Location loc, ValueRange args) {
        return widen(b, loc, args[0]);
      });
  Value sumExp = lb.reduce(
      x, dim, lb.b.getFloatAttr(ct, 0.0), addOf, max,
      lb.dropDims(rank, dim), [](OpBuilder &b, Location loc, ValueRange args) {
        return (Value)math::ExpOp::create(
            b, loc,
            arith::SubFOp::create(b, loc, widen(b, loc, args[0]), args[1]));
      });
  return {max, sumExp};
}

void addSoftmax(LoweringTable &table) {
  addLowering<SoftmaxOp>(table, [](LinalgBuilder &lb, SoftmaxOp op,
                                   ValueRange operands,
                                   SmallVectorImpl<Value> &results) -> LogicalResult {
    auto type = cast<RankedTensorType>(op.getType());
    int64_t dim = op.getDim();
    unsigned rank = type.getRank();
    Type ct = computeType(type.getElementType());
    AffineMap rowMap = lb.dropDims(rank, dim);
    Value x = operands[0];
    Value max = lb.reduce(
        x, dim, lb.b.getFloatAttr(ct, -std::numeric_limits<double>::infinity()),
        maxOf, {}, {}, [](OpBuilder &b, Location loc, ValueRange args) {
          return widen(b, loc, args[0]);
        });
    // exp(x - max) once per element: the sum and the final map both read
    // it (tiled, it is a block of rows in cache).
    auto expType = RankedTensorType::get(type.getShape(), ct);
    Value e = lb.map(expType, {x, max}, {lb.identity(rank), rowMap},
                     [](OpBuilder &b, Location loc, ValueRange args) {
                       return (Value)math::ExpOp::create(
                           b, loc,
                           arith::SubFOp::create(b, loc, widen(b, loc, args[0]),
                                                 args[1]));
                     });
    Value sum = lb.reduce(e, dim, lb.b.getFloatAttr(ct, 0.0), addOf);
    // 1 / sum once per row, so that each element multiplies.
    Value inverse = lb.mapSameShape(
        tensorType(sum), sum, [](OpBuilder &b, Location loc, ValueRange args) {
          return (Value)arith::DivFOp::create(
              b, loc, floatConstant(b, loc, args[0].getType(), 1.0), args[0]);
        });
    results.push_back(lb.map(
        type, {e, inverse}, {lb.identity(rank), rowMap},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return narrow(b, loc, arith::MulFOp::create(b, loc, args[0], args[1]),
                        type.getElementType());
        }));
    return success();
  });
}

void addLogSoftmax(LoweringTable &table) {
  addLowering<LogSoftmaxOp>(table, [](LinalgBuilder &lb, LogSoftmaxOp op,
                                      ValueRange operands,
                                      SmallVectorImpl<Value> &results) -> LogicalResult {
    auto type = cast<RankedTensorType>(op.getType());
    int64_t dim = op.getDim();
    unsigned rank = type.getRank();
    SoftmaxRows rows = softmaxRows(lb, operands[0], dim);
    AffineMap rowMap = lb.dropDims(rank, dim);
    // log(sum) once per row.
    Value logSum = lb.mapSameShape(
        tensorType(rows.sumExp), rows.sumExp,
        [](OpBuilder &b, Location loc, ValueRange args) {
          return (Value)math::LogOp::create(b, loc, args[0]);
        });
    results.push_back(lb.map(
        type, {operands[0], rows.max, logSum},
        {lb.identity(rank), rowMap, rowMap},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value shifted =
              arith::SubFOp::create(b, loc, widen(b, loc, args[0]), args[1]);
          return narrow(b, loc, arith::SubFOp::create(b, loc, shifted, args[2]),
                        type.getElementType());
        }));
    return success();
  });
}

} // namespace

void lowering::registerReductionLowerings(LoweringTable &table) {
  addLowering<ReduceOp>(table, [](LinalgBuilder &lb, ReduceOp op,
                                  ValueRange operands,
                                  SmallVectorImpl<Value> &results) -> LogicalResult {
    auto result = cast<RankedTensorType>(op.getType());
    auto operand = tensorType(operands[0]);
    SmallVector<int64_t> dims(op.getDims());
    llvm::sort(dims);
    if (dims.empty()) {
      results.push_back(operands[0]);
      return success();
    }
    ReduceKind kind = op.getKind();
    Type element = result.getElementType();
    Type acc = computeType(element);
    Value reduced = lb.reduce(operands[0], dims, identityOf(lb.b, acc, kind),
                              combineOf(kind));
    int64_t count = 1;
    for (int64_t d : dims)
      count *= operand.getDimSize(d);
    bool keepdims = op.getKeepdims();
    if (acc == element && kind != ReduceKind::mean && !keepdims) {
      results.push_back(reduced);
      return success();
    }
    // Rounds, divides (mean) and re-inserts the reduced dimensions.
    AffineMap read = keepdims ? lb.dropDims(result.getRank(), dims)
                              : lb.identity(result.getRank());
    results.push_back(lb.map(result, reduced, read,
                             [&](OpBuilder &b, Location loc, ValueRange args) {
                               Value v = args[0];
                               if (kind == ReduceKind::mean)
                                 v = arith::DivFOp::create(
                                     b, loc, v,
                                     floatConstant(b, loc, acc,
                                                   static_cast<double>(count)));
                               return narrow(b, loc, v, element);
                             }));
    return success();
  });

  addSoftmax(table);
  addLogSoftmax(table);

  addLowering<LayerNormOp>(table, [](LinalgBuilder &lb, LayerNormOp op,
                                     ValueRange operands,
                                     SmallVectorImpl<Value> &results) -> LogicalResult {
    auto type = cast<RankedTensorType>(op.getType());
    unsigned rank = type.getRank();
    unsigned normalized = tensorType(operands[1]).getRank();
    SmallVector<int64_t> dims;
    int64_t count = 1;
    for (unsigned d = rank - normalized; d < rank; ++d) {
      dims.push_back(d);
      count *= type.getDimSize(d);
    }
    Type ct = computeType(type.getElementType());
    Value x = operands[0];
    AffineMap rowMap = lb.dropDims(rank, dims);
    double inverseCount = 1.0 / static_cast<double>(count);
    double epsilon = op.getEpsilon().convertToDouble();
    Value sum = lb.reduce(x, dims, lb.b.getFloatAttr(ct, 0.0), addOf, {}, {},
                          [](OpBuilder &b, Location loc, ValueRange args) {
                            return widen(b, loc, args[0]);
                          });
    auto centered = [&](OpBuilder &b, Location loc, Value v, Value rowSum) {
      Value mean = arith::MulFOp::create(
          b, loc, rowSum, floatConstant(b, loc, ct, inverseCount));
      return (Value)arith::SubFOp::create(b, loc, widen(b, loc, v), mean);
    };
    // The biased variance of the centered values (two passes, as the
    // evaluator, so that large means do not cancel).
    Value squares = lb.reduce(
        x, dims, lb.b.getFloatAttr(ct, 0.0), addOf, sum, rowMap,
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value c = centered(b, loc, args[0], args[1]);
          return (Value)arith::MulFOp::create(b, loc, c, c);
        });
    // weight and bias are read at the normalized (trailing) loops.
    SmallVector<AffineExpr> trailing;
    for (int64_t d : dims)
      trailing.push_back(lb.b.getAffineDimExpr(d));
    AffineMap paramMap =
        AffineMap::get(rank, 0, trailing, lb.b.getContext());
    // 1 / sqrt(variance + epsilon) once per row; each element multiplies.
    Value inverseStd = lb.mapSameShape(
        tensorType(squares), squares,
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value variance = arith::MulFOp::create(
              b, loc, args[0], floatConstant(b, loc, ct, inverseCount));
          Value denominator = math::SqrtOp::create(
              b, loc,
              arith::AddFOp::create(b, loc, variance,
                                    floatConstant(b, loc, ct, epsilon)));
          return (Value)arith::DivFOp::create(
              b, loc, floatConstant(b, loc, ct, 1.0), denominator);
        });
    results.push_back(lb.map(
        type, {x, sum, inverseStd, operands[1], operands[2]},
        {lb.identity(rank), rowMap, rowMap, paramMap, paramMap},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Value c = centered(b, loc, args[0], args[1]);
          Value normalizedValue = arith::MulFOp::create(b, loc, c, args[2]);
          Value y = arith::AddFOp::create(
              b, loc,
              arith::MulFOp::create(b, loc, normalizedValue,
                                    widen(b, loc, args[3])),
              widen(b, loc, args[4]));
          return narrow(b, loc, y, type.getElementType());
        }));
    return success();
  });

  addLowering<CrossEntropyOp>(table, [](LinalgBuilder &lb, CrossEntropyOp op,
                                        ValueRange operands,
                                        SmallVectorImpl<Value> &results) -> LogicalResult {
    // The verifier guarantees logits [N, C] and labels [N].
    Value logits = operands[0], labels = operands[1];
    auto logitsType = tensorType(logits);
    auto result = cast<RankedTensorType>(op.getType());
    Type ct = computeType(logitsType.getElementType());
    int64_t rows = logitsType.getDimSize(0), classes = logitsType.getDimSize(1);
    double smoothing = op.getLabelSmoothing().convertToDouble();
    std::optional<int64_t> ignoreIndex = op.getIgnoreIndex();
    SoftmaxRows stats = softmaxRows(lb, logits, 1);
    Value rowSum = lb.reduce(logits, {1}, lb.b.getFloatAttr(ct, 0.0), addOf,
                             {}, {}, [](OpBuilder &b, Location loc,
                                        ValueRange args) {
                               return widen(b, loc, args[0]);
                             });
    auto rowType = RankedTensorType::get({rows}, ct);
    // Per row: [loss, 1] for a counted row, [0, 0] for an ignored one.
    auto rowLoss = [&](bool countOnly) {
      return lb.map(
          rowType, {labels, stats.max, stats.sumExp, rowSum},
          SmallVector<AffineMap>(4, lb.identity(1)),
          [&](OpBuilder &b, Location loc, ValueRange args) -> Value {
            Type it = args[0].getType();
            Value label = args[0];
            Value ignored = intConstant(b, loc, b.getI1Type(), 0);
            if (ignoreIndex)
              ignored = arith::CmpIOp::create(
                  b, loc, arith::CmpIPredicate::eq, label,
                  intConstant(b, loc, it, *ignoreIndex));
            Value zero = floatConstant(b, loc, ct, 0.0);
            if (countOnly)
              return arith::SelectOp::create(b, loc, ignored, zero,
                                             floatConstant(b, loc, ct, 1.0));
            Value outside = arith::OrIOp::create(
                b, loc,
                arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, label,
                                      intConstant(b, loc, it, 0)),
                arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, label,
                                      intConstant(b, loc, it, classes)));
            Value notIgnored = arith::XOrIOp::create(
                b, loc, ignored, intConstant(b, loc, b.getI1Type(), 1));
            lb.reportIf(b, loc, arith::AndIOp::create(b, loc, outside, notIgnored),
                        KernelError::LabelOutOfRange);
            Value safe = arith::SelectOp::create(
                b, loc, outside, intConstant(b, loc, it, 0), label);
            Value row = linalg::IndexOp::create(b, loc, 0);
            Value column =
                arith::IndexCastOp::create(b, loc, b.getIndexType(), safe);
            Value picked = widen(b, loc,
                                 tensor::ExtractOp::create(
                                     b, loc, logits, ValueRange{row, column}));
            // log-sum-exp of the row, then -log_softmax at the label and
            // its mean over the classes.
            Value lse = arith::AddFOp::create(
                b, loc, args[1], math::LogOp::create(b, loc, args[2]));
            Value nll = arith::SubFOp::create(b, loc, lse, picked);
            Value loss = nll;
            if (smoothing != 0.0) {
              Value meanLogit = arith::MulFOp::create(
                  b, loc, args[3],
                  floatConstant(b, loc, ct, 1.0 / static_cast<double>(classes)));
              Value smooth = arith::SubFOp::create(b, loc, lse, meanLogit);
              loss = arith::AddFOp::create(
                  b, loc,
                  arith::MulFOp::create(
                      b, loc, floatConstant(b, loc, ct, 1.0 - smoothing), nll),
                  arith::MulFOp::create(b, loc,
                                        floatConstant(b, loc, ct, smoothing),
                                        smooth));
            }
            return arith::SelectOp::create(b, loc, ignored, zero, loss);
          });
    };
    Value total = lb.reduce(rowLoss(false), {0}, lb.b.getFloatAttr(ct, 0.0),
                            addOf);
    Value count = lb.reduce(rowLoss(true), {0}, lb.b.getFloatAttr(ct, 0.0),
                            addOf);
    results.push_back(lb.mapSameShape(
        result, {total, count}, [&](OpBuilder &b, Location loc, ValueRange args) {
          return narrow(b, loc, arith::DivFOp::create(b, loc, args[0], args[1]),
                        result.getElementType());
        }));
    return success();
  });

  addLowering<MseLossOp>(table, [](LinalgBuilder &lb, MseLossOp op,
                                   ValueRange operands,
                                   SmallVectorImpl<Value> &results) -> LogicalResult {
    auto result = cast<RankedTensorType>(op.getType());
    auto type = tensorType(operands[0]);
    Type ct = computeType(type.getElementType());
    SmallVector<int64_t> all;
    for (int64_t d = 0; d < type.getRank(); ++d)
      all.push_back(d);
    Value sum = lb.reduce(
        operands[0], all, lb.b.getFloatAttr(ct, 0.0), addOf, operands[1], {},
        [](OpBuilder &b, Location loc, ValueRange args) {
          Value d = arith::SubFOp::create(b, loc, widen(b, loc, args[0]),
                                          widen(b, loc, args[1]));
          return (Value)arith::MulFOp::create(b, loc, d, d);
        });
    double inverse = 1.0 / static_cast<double>(type.getNumElements());
    results.push_back(lb.mapSameShape(
        result, sum, [&](OpBuilder &b, Location loc, ValueRange args) {
          return narrow(b, loc,
                        arith::MulFOp::create(b, loc, args[0],
                                              floatConstant(b, loc, ct, inverse)),
                        result.getElementType());
        }));
    return success();
  });
}
