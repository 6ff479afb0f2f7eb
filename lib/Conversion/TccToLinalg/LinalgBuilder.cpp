//===- LinalgBuilder.cpp - helpers for the tcc-to-linalg lowerings --------===//

#include "LinalgBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::lowering;

Type lowering::computeType(Type elementType) {
  if (elementType.isF16() || elementType.isBF16())
    return Float32Type::get(elementType.getContext());
  return elementType;
}

Value lowering::widen(OpBuilder &b, Location loc, Value v) {
  Type t = v.getType();
  if (t.isF16() || t.isBF16())
    return arith::ExtFOp::create(b, loc, Float32Type::get(t.getContext()), v);
  return v;
}

Value lowering::narrow(OpBuilder &b, Location loc, Value v, Type elementType) {
  if (v.getType() == elementType)
    return v;
  return arith::TruncFOp::create(b, loc, elementType, v);
}

arith::FastMathFlagsAttr lowering::reassociable(OpBuilder &b) {
  return arith::FastMathFlagsAttr::get(b.getContext(),
                                       arith::FastMathFlags::reassoc);
}

Value lowering::addOf(OpBuilder &b, Location loc, Value x, Value acc) {
  if (isa<FloatType>(x.getType()))
    return arith::AddFOp::create(b, loc, x, acc, reassociable(b));
  return arith::AddIOp::create(b, loc, x, acc);
}

Value lowering::floatConstant(OpBuilder &b, Location loc, Type type,
                              double value) {
  return arith::ConstantOp::create(b, loc, b.getFloatAttr(type, value));
}

Value lowering::intConstant(OpBuilder &b, Location loc, Type type,
                            int64_t value) {
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}

Value lowering::indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

namespace {

bool isNarrowFloat(Type t) { return t.isF16() || t.isBF16(); }

/// f64 -> f32 rounded to odd: truncated toward zero, with the last bit set
/// when anything was cut off. Rounding that to a format with at least two
/// fewer mantissa bits (f16, bf16) gives the correctly rounded result, which
/// rounding f64 -> f32 -> f16 to nearest twice does not.
Value roundToOddF32(OpBuilder &b, Location loc, Value d) {
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  Value nearest = arith::TruncFOp::create(b, loc, f32, d);
  Value back = arith::ExtFOp::create(b, loc, b.getF64Type(), nearest);
  // |nearest| > |d|: step one ulp toward zero (the bit pattern minus one,
  // which also turns an overflow to inf into the largest finite value).
  Value grew = arith::CmpFOp::create(
      b, loc, arith::CmpFPredicate::OGT, math::AbsFOp::create(b, loc, back),
      math::AbsFOp::create(b, loc, d));
  Value bits = arith::BitcastOp::create(b, loc, i32, nearest);
  Value one = intConstant(b, loc, i32, 1);
  Value truncated = arith::SelectOp::create(
      b, loc, grew, arith::SubIOp::create(b, loc, bits, one), bits);
  Value truncatedF32 = arith::BitcastOp::create(b, loc, f32, truncated);
  Value truncatedValue =
      arith::ExtFOp::create(b, loc, b.getF64Type(), truncatedF32);
  Value inexact = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE,
                                        truncatedValue, d);
  Value odd = arith::OrIOp::create(
      b, loc, truncated, arith::ExtUIOp::create(b, loc, i32, inexact));
  return arith::BitcastOp::create(b, loc, f32, odd);
}

/// A 64-bit integer as f32 rounded to odd (see roundToOddF32): the bits
/// below the top 24 are folded into a sticky bit before converting.
Value integerToOddF32(OpBuilder &b, Location loc, Value x) {
  Type i64 = b.getI64Type(), f32 = b.getF32Type();
  if (x.getType() != i64)
    x = arith::ExtSIOp::create(b, loc, i64, x);
  Value zero = intConstant(b, loc, i64, 0);
  Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, zero);
  // |INT64_MIN| stays 2^63 as an unsigned value.
  Value magnitude = arith::SelectOp::create(
      b, loc, negative, arith::SubIOp::create(b, loc, zero, x), x);
  Value bits = arith::SubIOp::create(
      b, loc, intConstant(b, loc, i64, 64),
      math::CountLeadingZerosOp::create(b, loc, magnitude));
  Value shift = arith::MaxSIOp::create(
      b, loc, arith::SubIOp::create(b, loc, bits, intConstant(b, loc, i64, 24)),
      zero);
  Value kept = arith::ShRUIOp::create(b, loc, magnitude, shift);
  Value lost = arith::SubIOp::create(
      b, loc, magnitude, arith::ShLIOp::create(b, loc, kept, shift));
  Value sticky = arith::ExtUIOp::create(
      b, loc, i64,
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, lost, zero));
  Value folded = arith::OrIOp::create(b, loc, kept, sticky);
  // folded < 2^25 converts exactly; scaling by 2^shift is exact too.
  Value value = arith::UIToFPOp::create(b, loc, f32, folded);
  Value scale = arith::BitcastOp::create(
      b, loc, f32,
      arith::TruncIOp::create(
          b, loc, b.getI32Type(),
          arith::ShLIOp::create(
              b, loc,
              arith::AddIOp::create(b, loc, shift, intConstant(b, loc, i64, 127)),
              intConstant(b, loc, i64, 23))));
  Value scaled = arith::MulFOp::create(b, loc, value, scale);
  return arith::SelectOp::create(b, loc, negative,
                                 arith::NegFOp::create(b, loc, scaled), scaled);
}

} // namespace

Value lowering::convertScalar(OpBuilder &b, Location loc, Value v, Type to,
                              const LinalgBuilder *reporter) {
  Type from = v.getType();
  if (from == to)
    return v;
  auto fromFloat = dyn_cast<FloatType>(from);
  auto toFloat = dyn_cast<FloatType>(to);
  if (to.isInteger(1)) {
    if (fromFloat)
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v,
                                   floatConstant(b, loc, from, 0.0));
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v,
                                 intConstant(b, loc, from, 0));
  }
  if (fromFloat && toFloat) {
    if (fromFloat.getWidth() < toFloat.getWidth())
      return arith::ExtFOp::create(b, loc, to, v);
    if (from.isF64() && isNarrowFloat(to))
      return arith::TruncFOp::create(b, loc, to, roundToOddF32(b, loc, v));
    if (fromFloat.getWidth() > toFloat.getWidth())
      return arith::TruncFOp::create(b, loc, to, v);
    // f16 <-> bf16: through f32.
    return arith::TruncFOp::create(
        b, loc, to, arith::ExtFOp::create(b, loc, b.getF32Type(), v));
  }
  if (toFloat) {
    if (from.isInteger(1))
      return arith::UIToFPOp::create(b, loc, to, v);
    if (isNarrowFloat(to))
      return arith::TruncFOp::create(b, loc, to, integerToOddF32(b, loc, v));
    return arith::SIToFPOp::create(b, loc, to, v);
  }
  if (fromFloat) {
    // Truncation toward zero; a value outside the integer's range (or NaN)
    // is an error, and becomes 0 so that the result is defined.
    unsigned width = to.getIntOrFloatBitWidth();
    Value wide = widen(b, loc, v);
    Type wideType = wide.getType();
    double limit = std::ldexp(1.0, width - 1);
    Value inRange = arith::AndIOp::create(
        b, loc,
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGE, wide,
                              floatConstant(b, loc, wideType, -limit)),
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, wide,
                              floatConstant(b, loc, wideType, limit)));
    if (reporter)
      reporter->reportIf(
          b, loc,
          arith::XOrIOp::create(b, loc, inRange,
                                intConstant(b, loc, b.getI1Type(), 1)),
          KernelError::CastOutOfRange);
    Value safe = arith::SelectOp::create(b, loc, inRange, wide,
                                         floatConstant(b, loc, wideType, 0.0));
    return arith::FPToSIOp::create(b, loc, to, safe);
  }
  // Integer to integer.
  unsigned fromWidth = from.getIntOrFloatBitWidth();
  unsigned toWidth = to.getIntOrFloatBitWidth();
  if (fromWidth < toWidth)
    return from.isInteger(1) ? (Value)arith::ExtUIOp::create(b, loc, to, v)
                             : (Value)arith::ExtSIOp::create(b, loc, to, v);
  return arith::TruncIOp::create(b, loc, to, v);
}

Value LinalgBuilder::empty(ArrayRef<int64_t> shape, Type elementType) {
  return tensor::EmptyOp::create(b, loc, shape, elementType);
}

Value LinalgBuilder::filled(ArrayRef<int64_t> shape, TypedAttr value) {
  Value scalar = arith::ConstantOp::create(b, loc, value);
  return linalg::FillOp::create(b, loc, scalar, empty(shape, value.getType()))
      .getResult(0);
}

AffineMap LinalgBuilder::identity(unsigned rank) const {
  return AffineMap::getMultiDimIdentityMap(rank, b.getContext());
}

AffineMap LinalgBuilder::dropDims(unsigned rank, ArrayRef<int64_t> dims) const {
  SmallVector<AffineExpr> exprs;
  for (unsigned d = 0; d < rank; ++d)
    if (!llvm::is_contained(dims, static_cast<int64_t>(d)))
      exprs.push_back(b.getAffineDimExpr(d));
  return AffineMap::get(rank, 0, exprs, b.getContext());
}

Value LinalgBuilder::map(RankedTensorType resultType, ValueRange inputs,
                         ArrayRef<AffineMap> maps, BodyFn body) {
  unsigned rank = resultType.getRank();
  SmallVector<AffineMap> indexing(maps);
  indexing.push_back(identity(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  Value init = empty(resultType.getShape(), resultType.getElementType());
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, inputs, ValueRange{init}, indexing,
      iterators, [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = body(nested, nestedLoc, args.drop_back());
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return generic.getResult(0);
}

Value LinalgBuilder::mapSameShape(RankedTensorType resultType,
                                  ValueRange inputs, BodyFn body) {
  SmallVector<AffineMap> maps(inputs.size(), identity(resultType.getRank()));
  return map(resultType, inputs, maps, body);
}

Value LinalgBuilder::reduce(
    Value input, ArrayRef<int64_t> dims, TypedAttr init,
    llvm::function_ref<Value(OpBuilder &, Location, Value, Value)> combine,
    ValueRange extraInputs, ArrayRef<AffineMap> extraMaps, BodyFn prologue) {
  RankedTensorType inputType = tensorType(input);
  unsigned rank = inputType.getRank();
  Type accType = init.getType();
  SmallVector<int64_t> kept;
  for (unsigned d = 0; d < rank; ++d)
    if (!llvm::is_contained(dims, static_cast<int64_t>(d)))
      kept.push_back(inputType.getDimSize(d));
  Value acc = filled(kept, init);
  SmallVector<Value> inputs{input};
  llvm::append_range(inputs, extraInputs);
  SmallVector<AffineMap> maps{identity(rank)};
  if (extraMaps.empty())
    maps.append(extraInputs.size(), identity(rank));
  else
    llvm::append_range(maps, extraMaps);
  maps.push_back(dropDims(rank, dims));
  SmallVector<utils::IteratorType> iterators;
  for (unsigned d = 0; d < rank; ++d)
    iterators.push_back(llvm::is_contained(dims, static_cast<int64_t>(d))
                            ? utils::IteratorType::reduction
                            : utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{acc.getType()}, inputs, ValueRange{acc}, maps,
      iterators, [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value element = prologue ? prologue(nested, nestedLoc, args.drop_back())
                                 : args.front();
        element = convertScalar(nested, nestedLoc, element, accType);
        linalg::YieldOp::create(
            nested, nestedLoc,
            combine(nested, nestedLoc, element, args.back()));
      });
  return generic.getResult(0);
}

void LinalgBuilder::reportIf(OpBuilder &nested, Location nestedLoc,
                             Value condition, KernelError code) const {
  if (!status)
    return;
  // Tiles of one kernel run on several threads: the code is stored
  // atomically, and any nonzero code is reported.
  scf::IfOp::create(
      nested, nestedLoc, condition, [&](OpBuilder &then, Location thenLoc) {
        Value zero = indexConstant(then, thenLoc, 0);
        memref::AtomicRMWOp::create(
            then, thenLoc, arith::AtomicRMWKind::assign,
            intConstant(then, thenLoc, then.getI32Type(),
                        static_cast<int32_t>(code)),
            status, ValueRange{zero});
        scf::YieldOp::create(then, thenLoc);
      });
}

Value LinalgBuilder::cast(Value v, RankedTensorType to) {
  if (v.getType() == to)
    return v;
  return mapSameShape(to, v, [&](OpBuilder &nb, Location nl, ValueRange a) {
    return convertScalar(nb, nl, a[0], to.getElementType(), this);
  });
}
