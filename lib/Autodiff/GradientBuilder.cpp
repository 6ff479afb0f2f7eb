//===- GradientBuilder.cpp - tcc ops for gradient formulas ----------------===//

#include "GradientBuilder.h"

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::autodiff;

Value GradientBuilder::splat(double value, ArrayRef<int64_t> shape,
                             Type element) {
  auto scalarType = RankedTensorType::get({}, element);
  Attribute scalar = isa<FloatType>(element)
                         ? Attribute(b.getFloatAttr(element, value))
                         : Attribute(b.getIntegerAttr(element, int64_t(value)));
  Value constant = ConstantOp::create(
      b, loc, DenseElementsAttr::get(scalarType, scalar));
  return broadcastTo(constant, shape);
}

Value GradientBuilder::convert(Value x, Type elementType) {
  if (typeOf(x).getElementType() == elementType)
    return x;
  return CastOp::create(b, loc,
                        RankedTensorType::get(shapeOf(x), elementType), x);
}

Value GradientBuilder::broadcastTo(Value x, ArrayRef<int64_t> shape) {
  if (shapeOf(x) == shape)
    return x;
  return BroadcastOp::create(
      b, loc, RankedTensorType::get(shape, typeOf(x).getElementType()), x);
}

Value GradientBuilder::reshape(Value x, ArrayRef<int64_t> shape) {
  if (shapeOf(x) == shape)
    return x;
  return ReshapeOp::create(
      b, loc, RankedTensorType::get(shape, typeOf(x).getElementType()), x);
}

Value GradientBuilder::transpose(Value x, ArrayRef<int64_t> permutation) {
  SmallVector<int64_t> shape;
  for (int64_t d : permutation)
    shape.push_back(shapeOf(x)[d]);
  return TransposeOp::create(
      b, loc, RankedTensorType::get(shape, typeOf(x).getElementType()), x,
      b.getDenseI64ArrayAttr(permutation));
}

static Value reduce(GradientBuilder &g, Value x, ArrayRef<int64_t> dims,
                    bool keepdims, ReduceKind kind) {
  if (dims.empty())
    return x;
  SmallVector<int64_t> shape;
  ArrayRef<int64_t> in = GradientBuilder::shapeOf(x);
  for (int64_t d = 0, e = in.size(); d < e; ++d) {
    bool reduced = llvm::is_contained(dims, d);
    if (!reduced)
      shape.push_back(in[d]);
    else if (keepdims)
      shape.push_back(1);
  }
  return ReduceOp::create(
      g.b, g.loc,
      RankedTensorType::get(shape, GradientBuilder::typeOf(x).getElementType()),
      x, ReduceKindAttr::get(g.b.getContext(), kind),
      g.b.getDenseI64ArrayAttr(dims), keepdims ? g.b.getUnitAttr() : UnitAttr());
}

Value GradientBuilder::sum(Value x, ArrayRef<int64_t> dims, bool keepdims) {
  return reduce(*this, x, dims, keepdims, ReduceKind::sum);
}

Value GradientBuilder::mean(Value x, ArrayRef<int64_t> dims, bool keepdims) {
  return reduce(*this, x, dims, keepdims, ReduceKind::mean);
}

Value GradientBuilder::matmul(Value x, Value y, bool transposeX,
                              bool transposeY) {
  return MatmulOp::create(b, loc, x, y,
                          transposeX ? b.getUnitAttr() : UnitAttr(),
                          transposeY ? b.getUnitAttr() : UnitAttr());
}

Value GradientBuilder::compare(CompareDirection direction, Value x, Value y) {
  return CompareOp::create(b, loc,
                           RankedTensorType::get(shapeOf(x), b.getI1Type()), x,
                           y, CompareDirectionAttr::get(b.getContext(), direction));
}

Value GradientBuilder::select(Value condition, Value onTrue, Value onFalse) {
  return SelectOp::create(b, loc, onTrue.getType(), condition, onTrue, onFalse);
}

Value GradientBuilder::unbroadcast(Value gradient, ArrayRef<int64_t> shape) {
  ArrayRef<int64_t> from = shapeOf(gradient);
  if (from == shape)
    return gradient;
  int64_t lead = static_cast<int64_t>(from.size() - shape.size());
  SmallVector<int64_t> dims;
  for (int64_t d = 0, e = from.size(); d < e; ++d)
    if (d < lead || (shape[d - lead] == 1 && from[d] != 1))
      dims.push_back(d);
  return reshape(sum(gradient, dims, /*keepdims=*/false), shape);
}
