//===- GradientBuilder.cpp - tcc ops for gradient formulas ----------------===//

#include "GradientBuilder.h"

#include <algorithm>

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

Value GradientBuilder::reduce(ReduceKind kind, Value x,
                              ArrayRef<int64_t> dims, bool keepdims) {
  if (dims.empty())
    return x;
  SmallVector<int64_t> shape;
  ArrayRef<int64_t> in = shapeOf(x);
  for (int64_t d = 0, e = in.size(); d < e; ++d) {
    bool reduced = llvm::is_contained(dims, d);
    if (!reduced)
      shape.push_back(in[d]);
    else if (keepdims)
      shape.push_back(1);
  }
  return ReduceOp::create(
      b, loc, RankedTensorType::get(shape, typeOf(x).getElementType()), x,
      ReduceKindAttr::get(b.getContext(), kind), b.getDenseI64ArrayAttr(dims),
      keepdims ? b.getUnitAttr() : UnitAttr());
}

Value GradientBuilder::sum(Value x, ArrayRef<int64_t> dims, bool keepdims) {
  return reduce(ReduceKind::sum, x, dims, keepdims);
}

Value GradientBuilder::mean(Value x, ArrayRef<int64_t> dims, bool keepdims) {
  return reduce(ReduceKind::mean, x, dims, keepdims);
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

Value GradientBuilder::pad(Value x, int64_t dim, int64_t before, int64_t after,
                           double value) {
  if (before <= 0 && after <= 0)
    return x;
  SmallVector<Value> pieces;
  auto block = [&](int64_t width) {
    SmallVector<int64_t> shape(shapeOf(x));
    shape[dim] = width;
    return splat(value, shape, typeOf(x).getElementType());
  };
  if (before > 0)
    pieces.push_back(block(before));
  pieces.push_back(x);
  if (after > 0)
    pieces.push_back(block(after));
  SmallVector<int64_t> shape(shapeOf(x));
  shape[dim] += std::max<int64_t>(before, 0) + std::max<int64_t>(after, 0);
  return ConcatOp::create(
      b, loc, RankedTensorType::get(shape, typeOf(x).getElementType()), pieces,
      b.getI64IntegerAttr(dim));
}

Value GradientBuilder::slice(Value x, ArrayRef<int64_t> start,
                             ArrayRef<int64_t> limit,
                             ArrayRef<int64_t> stride) {
  return SliceOp::create(b, loc, x, start, limit, stride);
}

Value GradientBuilder::scatterSlice(Value grad, ArrayRef<int64_t> shape,
                                    ArrayRef<int64_t> start,
                                    ArrayRef<int64_t> stride) {
  // Along each dimension: spread the taken elements `stride` apart with
  // zeros between ([.., k, ..] -> [.., k, 1, ..] ++ zeros [.., k, s-1, ..]
  // -> [.., k * s, ..], cut after the last one), then pad to the full size.
  for (int64_t d = 0, e = shape.size(); d < e; ++d) {
    int64_t taken = shapeOf(grad)[d];
    int64_t extent = taken;
    if (stride[d] > 1 && taken > 0) {
      SmallVector<int64_t> split(shapeOf(grad));
      split.insert(split.begin() + d + 1, 1);
      Value spread = pad(reshape(grad, split), d + 1, 0, stride[d] - 1);
      SmallVector<int64_t> merged(shapeOf(grad));
      merged[d] = taken * stride[d];
      grad = reshape(spread, merged);
      extent = (taken - 1) * stride[d] + 1;
      SmallVector<int64_t> zeros(merged.size(), 0), limit(merged),
          ones(merged.size(), 1);
      limit[d] = extent;
      grad = slice(grad, zeros, limit, ones);
    }
    grad = pad(grad, d, start[d], shape[d] - start[d] - extent);
  }
  return grad;
}
