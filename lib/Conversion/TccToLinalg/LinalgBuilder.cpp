//===- LinalgBuilder.cpp - helpers for the tcc-to-linalg lowerings --------===//

#include "LinalgBuilder.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
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
    if (fromFloat.getWidth() > toFloat.getWidth())
      return arith::TruncFOp::create(b, loc, to, v);
    // f16 <-> bf16: through f32.
    return arith::TruncFOp::create(
        b, loc, to, arith::ExtFOp::create(b, loc, b.getF32Type(), v));
  }
  if (toFloat) {
    if (from.isInteger(1))
      return arith::UIToFPOp::create(b, loc, to, v);
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
  // A racy store of the same code from several threads is benign: any
  // nonzero code is reported.
  scf::IfOp::create(nested, nestedLoc, condition,
                    [&](OpBuilder &then, Location thenLoc) {
                      Value zero = indexConstant(then, thenLoc, 0);
                      memref::StoreOp::create(
                          then, thenLoc,
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
