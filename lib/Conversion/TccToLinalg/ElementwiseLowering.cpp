//===- ElementwiseLowering.cpp - constants, random and elementwise ops ----===//
//
// Each elementwise op becomes one linalg.generic whose body is the scalar
// arithmetic of the evaluator (lib/Interpreter/Elementwise.cpp): the two
// must agree element for element up to rounding.
//
//===----------------------------------------------------------------------===//

#include "LinalgBuilder.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::lowering;

namespace {

using ScalarFn = Value (*)(OpBuilder &, Location, Value);

Value sigmoidOf(OpBuilder &b, Location loc, Value x) {
  Type t = x.getType();
  Value one = floatConstant(b, loc, t, 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one, arith::AddFOp::create(b, loc, one, e));
}

/// A float unary op computed in the compute type; `intFn` for integer
/// element types (null where the op takes floats only).
template <typename OpTy>
void addUnary(LoweringTable &table, ScalarFn floatFn, ScalarFn intFn = nullptr) {
  addLowering<OpTy>(table, [floatFn, intFn](LinalgBuilder &lb, OpTy op,
                                            ValueRange operands,
                                            SmallVectorImpl<Value> &results) -> LogicalResult {
    auto type = cast<RankedTensorType>(op.getType());
    Type element = type.getElementType();
    results.push_back(lb.mapSameShape(
        type, operands, [&](OpBuilder &b, Location loc, ValueRange args) {
          if (isa<FloatType>(element))
            return narrow(b, loc, floatFn(b, loc, widen(b, loc, args[0])),
                          element);
          return intFn(b, loc, args[0]);
        }));
    return success();
  });
}

Value floatBinary(OpBuilder &b, Location loc, Operation *op, Value x, Value y) {
  if (isa<AddOp>(op))
    return arith::AddFOp::create(b, loc, x, y);
  if (isa<SubOp>(op))
    return arith::SubFOp::create(b, loc, x, y);
  if (isa<MulOp>(op))
    return arith::MulFOp::create(b, loc, x, y);
  if (isa<DivOp>(op))
    return arith::DivFOp::create(b, loc, x, y);
  if (isa<MaxOp>(op))
    return arith::MaximumFOp::create(b, loc, x, y);
  if (isa<MinOp>(op))
    return arith::MinimumFOp::create(b, loc, x, y);
  return math::PowFOp::create(b, loc, x, y);
}

Value intBinary(const LinalgBuilder &lb, OpBuilder &b, Location loc,
                Operation *op, Value x, Value y) {
  Type t = x.getType();
  if (isa<AddOp>(op))
    return arith::AddIOp::create(b, loc, x, y);
  if (isa<SubOp>(op))
    return arith::SubIOp::create(b, loc, x, y);
  if (isa<MulOp>(op))
    return arith::MulIOp::create(b, loc, x, y);
  if (isa<MaxOp>(op))
    return arith::MaxSIOp::create(b, loc, x, y);
  if (isa<MinOp>(op))
    return arith::MinSIOp::create(b, loc, x, y);
  Value zero = intConstant(b, loc, t, 0);
  if (isa<DivOp>(op)) {
    // x / 0 is an error (0 as the result); x / -1 wraps like -x instead of
    // overflowing the hardware division.
    Value isZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, y, zero);
    lb.reportIf(b, loc, isZero, KernelError::IntegerDivisionByZero);
    Value minusOne = intConstant(b, loc, t, -1);
    Value isMinusOne =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, y, minusOne);
    Value special = arith::OrIOp::create(b, loc, isZero, isMinusOne);
    Value safeDivisor =
        arith::SelectOp::create(b, loc, special, intConstant(b, loc, t, 1), y);
    Value quotient = arith::DivSIOp::create(b, loc, x, safeDivisor);
    Value negated = arith::SubIOp::create(b, loc, zero, x);
    return arith::SelectOp::create(
        b, loc, isZero, zero,
        arith::SelectOp::create(b, loc, isMinusOne, negated, quotient));
  }
  // Integer pow: a negative exponent is an error (0 as the result).
  Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, y, zero);
  lb.reportIf(b, loc, negative, KernelError::NegativeIntegerExponent);
  Value power = math::IPowIOp::create(b, loc, x, y);
  return arith::SelectOp::create(b, loc, negative, zero, power);
}

template <typename OpTy>
void addBinary(LoweringTable &table) {
  addLowering<OpTy>(table, [](LinalgBuilder &lb, OpTy op, ValueRange operands,
                              SmallVectorImpl<Value> &results) -> LogicalResult {
    auto type = cast<RankedTensorType>(op.getType());
    Type element = type.getElementType();
    Operation *raw = op.getOperation();
    results.push_back(lb.mapSameShape(
        type, operands, [&](OpBuilder &b, Location loc, ValueRange args) {
          if (!isa<FloatType>(element))
            return intBinary(lb, b, loc, raw, args[0], args[1]);
          return narrow(b, loc,
                        floatBinary(b, loc, raw, widen(b, loc, args[0]),
                                    widen(b, loc, args[1])),
                        element);
        }));
    return success();
  });
}

arith::CmpFPredicate floatPredicate(CompareDirection direction) {
  switch (direction) {
  case CompareDirection::eq:
    return arith::CmpFPredicate::OEQ;
  case CompareDirection::ne:
    return arith::CmpFPredicate::UNE; // NaN != NaN, as in C++.
  case CompareDirection::lt:
    return arith::CmpFPredicate::OLT;
  case CompareDirection::le:
    return arith::CmpFPredicate::OLE;
  case CompareDirection::gt:
    return arith::CmpFPredicate::OGT;
  case CompareDirection::ge:
    return arith::CmpFPredicate::OGE;
  }
  llvm_unreachable("unknown direction");
}

arith::CmpIPredicate intPredicate(CompareDirection direction, bool isBool) {
  switch (direction) {
  case CompareDirection::eq:
    return arith::CmpIPredicate::eq;
  case CompareDirection::ne:
    return arith::CmpIPredicate::ne;
  case CompareDirection::lt:
    return isBool ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt;
  case CompareDirection::le:
    return isBool ? arith::CmpIPredicate::ule : arith::CmpIPredicate::sle;
  case CompareDirection::gt:
    return isBool ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt;
  case CompareDirection::ge:
    return isBool ? arith::CmpIPredicate::uge : arith::CmpIPredicate::sge;
  }
  llvm_unreachable("unknown direction");
}

/// Philox-4x32-10 of (index, stream) under key seed, in arith ops: the same
/// function as tcc/runtime/Philox.h, one block per element.
Value philoxUniform(OpBuilder &b, Location loc, Value seed, uint64_t stream,
                    Value index) {
  Type i32 = b.getI32Type(), i64 = b.getI64Type();
  auto low = [&](Value v) { return arith::TruncIOp::create(b, loc, i32, v); };
  auto high = [&](Value v) {
    return low(arith::ShRUIOp::create(b, loc, v, intConstant(b, loc, i64, 32)));
  };
  Value c0 = low(index), c1 = high(index);
  Value c2 = intConstant(b, loc, i32, static_cast<int32_t>(stream));
  Value c3 = intConstant(b, loc, i32, static_cast<int32_t>(stream >> 32));
  Value k0 = low(seed), k1 = high(seed);
  Value mul0 = intConstant(b, loc, i32, static_cast<int32_t>(0xD2511F53u));
  Value mul1 = intConstant(b, loc, i32, static_cast<int32_t>(0xCD9E8D57u));
  Value weyl0 = intConstant(b, loc, i32, static_cast<int32_t>(0x9E3779B9u));
  Value weyl1 = intConstant(b, loc, i32, static_cast<int32_t>(0xBB67AE85u));
  for (int round = 0; round < 10; ++round) {
    auto p0 = arith::MulUIExtendedOp::create(b, loc, mul0, c0);
    auto p1 = arith::MulUIExtendedOp::create(b, loc, mul1, c2);
    Value n0 = arith::XOrIOp::create(
        b, loc, arith::XOrIOp::create(b, loc, p1.getHigh(), c1), k0);
    Value n2 = arith::XOrIOp::create(
        b, loc, arith::XOrIOp::create(b, loc, p0.getHigh(), c3), k1);
    c0 = n0;
    c1 = p1.getLow();
    c2 = n2;
    c3 = p0.getLow();
    k0 = arith::AddIOp::create(b, loc, k0, weyl0);
    k1 = arith::AddIOp::create(b, loc, k1, weyl1);
  }
  // The top 24 bits, scaled to [0, 1): exact in f32 and f64.
  Value bits = arith::ShRUIOp::create(b, loc, c0, intConstant(b, loc, i32, 8));
  Value asDouble = arith::UIToFPOp::create(b, loc, b.getF64Type(), bits);
  return arith::MulFOp::create(b, loc, asDouble,
                               floatConstant(b, loc, b.getF64Type(), 0x1.0p-24));
}

} // namespace

void lowering::registerElementwiseLowerings(LoweringTable &table) {
  addLowering<ConstantOp>(table, [](LinalgBuilder &lb, ConstantOp op,
                                    ValueRange, SmallVectorImpl<Value> &results) -> LogicalResult {
    auto dense = dyn_cast<DenseElementsAttr>(op.getValue());
    if (!dense)
      return op.emitOpError("has a ")
             << op.getValue() << " value; the compiler takes dense elements";
    results.push_back(arith::ConstantOp::create(lb.b, lb.loc, dense));
    return success();
  });

  addLowering<IotaOp>(table, [](LinalgBuilder &lb, IotaOp op, ValueRange,
                                SmallVectorImpl<Value> &results) -> LogicalResult {
    auto type = cast<RankedTensorType>(op.getType());
    int64_t dim = op.getDim();
    results.push_back(lb.map(type, {}, {}, [&](OpBuilder &b, Location loc,
                                               ValueRange) {
      Value i = linalg::IndexOp::create(b, loc, dim);
      Value i64 = arith::IndexCastOp::create(b, loc, b.getI64Type(), i);
      return convertScalar(b, loc, i64, type.getElementType());
    }));
    return success();
  });

  addLowering<DropoutOp>(table, [](LinalgBuilder &lb, DropoutOp op,
                                   ValueRange operands,
                                   SmallVectorImpl<Value> &results) -> LogicalResult {
    if (op.getShardingAttr())
      return op.emitOpError(
          "with a sharding draws the mask by global element index, which "
          "needs the device's mesh coordinates; the compiled backends do "
          "not take per-device programs yet");
    auto type = cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    double rate = op.getRate().convertToDouble();
    uint64_t stream = static_cast<uint64_t>(op.getStream());
    SmallVector<int64_t> strides(rank, 1);
    for (int64_t d = rank - 2; d >= 0; --d)
      strides[d] = strides[d + 1] * type.getDimSize(d + 1);
    AffineMap scalarMap = AffineMap::get(rank, 0, {}, lb.b.getContext());
    results.push_back(lb.map(
        type, operands, {lb.identity(rank), scalarMap},
        [&](OpBuilder &b, Location loc, ValueRange args) {
          Type i64 = b.getI64Type();
          Value linear = intConstant(b, loc, i64, 0);
          for (int64_t d = 0; d < rank; ++d) {
            Value i = arith::IndexCastOp::create(
                b, loc, i64, linalg::IndexOp::create(b, loc, d));
            linear = arith::AddIOp::create(
                b, loc, linear,
                arith::MulIOp::create(b, loc, i,
                                      intConstant(b, loc, i64, strides[d])));
          }
          Value u = philoxUniform(b, loc, args[1], stream, linear);
          Type f64 = b.getF64Type();
          Value keep = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE,
                                             u, floatConstant(b, loc, f64, rate));
          // Scaled in f64 and rounded once, as the evaluator does.
          Value scaled = arith::MulFOp::create(
              b, loc, convertScalar(b, loc, args[0], f64),
              floatConstant(b, loc, f64, 1.0 / (1.0 - rate)));
          Value kept = convertScalar(b, loc, scaled, type.getElementType());
          return (Value)arith::SelectOp::create(
              b, loc, keep, kept,
              floatConstant(b, loc, type.getElementType(), 0.0));
        }));
    return success();
  });

  addUnary<NegOp>(
      table,
      [](OpBuilder &b, Location loc, Value x) -> Value {
        return arith::NegFOp::create(b, loc, x);
      },
      [](OpBuilder &b, Location loc, Value x) -> Value {
        return arith::SubIOp::create(b, loc, intConstant(b, loc, x.getType(), 0),
                                     x);
      });
  addUnary<AbsOp>(
      table,
      [](OpBuilder &b, Location loc, Value x) -> Value {
        return math::AbsFOp::create(b, loc, x);
      },
      [](OpBuilder &b, Location loc, Value x) -> Value {
        return math::AbsIOp::create(b, loc, x);
      });
  addUnary<ExpOp>(table, [](OpBuilder &b, Location loc, Value x) -> Value {
    return math::ExpOp::create(b, loc, x);
  });
  addUnary<LogOp>(table, [](OpBuilder &b, Location loc, Value x) -> Value {
    return math::LogOp::create(b, loc, x);
  });
  addUnary<SqrtOp>(table, [](OpBuilder &b, Location loc, Value x) -> Value {
    return math::SqrtOp::create(b, loc, x);
  });
  addUnary<RsqrtOp>(table, [](OpBuilder &b, Location loc, Value x) -> Value {
    return arith::DivFOp::create(b, loc, floatConstant(b, loc, x.getType(), 1.0),
                                 math::SqrtOp::create(b, loc, x));
  });
  addUnary<TanhOp>(table, [](OpBuilder &b, Location loc, Value x) -> Value {
    return math::TanhOp::create(b, loc, x);
  });
  addUnary<ErfOp>(table, [](OpBuilder &b, Location loc, Value x) -> Value {
    return math::ErfOp::create(b, loc, x);
  });
  addUnary<SigmoidOp>(table, sigmoidOf);
  addUnary<ReluOp>(
      table,
      [](OpBuilder &b, Location loc, Value x) -> Value {
        // x < 0 ? 0 : x keeps NaN and -0, as the evaluator does.
        Value zero = floatConstant(b, loc, x.getType(), 0.0);
        Value negative =
            arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x, zero);
        return arith::SelectOp::create(b, loc, negative, zero, x);
      },
      [](OpBuilder &b, Location loc, Value x) -> Value {
        return arith::MaxSIOp::create(b, loc, x,
                                      intConstant(b, loc, x.getType(), 0));
      });
  addUnary<SiluOp>(table, [](OpBuilder &b, Location loc, Value x) -> Value {
    return arith::MulFOp::create(b, loc, x, sigmoidOf(b, loc, x));
  });

  addLowering<GeluOp>(table, [](LinalgBuilder &lb, GeluOp op,
                                ValueRange operands,
                                SmallVectorImpl<Value> &results) -> LogicalResult {
    auto type = cast<RankedTensorType>(op.getType());
    bool tanhApprox = op.getApproximate() == GeluApproximation::tanh;
    results.push_back(lb.mapSameShape(
        type, operands, [&](OpBuilder &b, Location loc, ValueRange args) {
          Value x = widen(b, loc, args[0]);
          Type t = x.getType();
          auto c = [&](double v) { return floatConstant(b, loc, t, v); };
          Value inner;
          if (tanhApprox) {
            Value x3 = arith::MulFOp::create(
                b, loc, x, arith::MulFOp::create(b, loc, x, x));
            Value poly = arith::AddFOp::create(
                b, loc, x, arith::MulFOp::create(b, loc, c(0.044715), x3));
            inner = math::TanhOp::create(
                b, loc,
                arith::MulFOp::create(b, loc, c(std::sqrt(2.0 / M_PI)), poly));
          } else {
            inner = math::ErfOp::create(
                b, loc, arith::MulFOp::create(b, loc, x, c(M_SQRT1_2)));
          }
          Value half = arith::MulFOp::create(b, loc, c(0.5), x);
          Value y = arith::MulFOp::create(
              b, loc, half, arith::AddFOp::create(b, loc, c(1.0), inner));
          return narrow(b, loc, y, type.getElementType());
        }));
    return success();
  });

  addBinary<AddOp>(table);
  addBinary<SubOp>(table);
  addBinary<MulOp>(table);
  addBinary<DivOp>(table);
  addBinary<MaxOp>(table);
  addBinary<MinOp>(table);
  addBinary<PowOp>(table);

  addLowering<CompareOp>(table, [](LinalgBuilder &lb, CompareOp op,
                                   ValueRange operands,
                                   SmallVectorImpl<Value> &results) -> LogicalResult {
    auto type = cast<RankedTensorType>(op.getType());
    CompareDirection direction = op.getDirection();
    results.push_back(lb.mapSameShape(
        type, operands, [&](OpBuilder &b, Location loc, ValueRange args) {
          Type t = args[0].getType();
          if (isa<FloatType>(t))
            return (Value)arith::CmpFOp::create(b, loc, floatPredicate(direction),
                                                widen(b, loc, args[0]),
                                                widen(b, loc, args[1]));
          return (Value)arith::CmpIOp::create(
              b, loc, intPredicate(direction, t.isInteger(1)), args[0], args[1]);
        }));
    return success();
  });

  addLowering<SelectOp>(table, [](LinalgBuilder &lb, SelectOp op,
                                  ValueRange operands,
                                  SmallVectorImpl<Value> &results) -> LogicalResult {
    auto type = cast<RankedTensorType>(op.getType());
    results.push_back(lb.mapSameShape(
        type, operands, [&](OpBuilder &b, Location loc, ValueRange args) {
          return (Value)arith::SelectOp::create(b, loc, args[0], args[1],
                                                args[2]);
        }));
    return success();
  });

  addLowering<CastOp>(table, [](LinalgBuilder &lb, CastOp op,
                                ValueRange operands,
                                SmallVectorImpl<Value> &results) -> LogicalResult {
    results.push_back(
        lb.cast(operands[0], cast<RankedTensorType>(op.getType())));
    return success();
  });
}
