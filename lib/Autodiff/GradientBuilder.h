//===- GradientBuilder.h - tcc ops for gradient formulas ---------*- C++ -*-===//
//
// The vector-Jacobian products are formulas over tensors; this builder
// writes them as tcc ops with the types worked out (broadcasts explicit,
// as the dialect wants), so that each VJP reads like its formula.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_LIB_AUTODIFF_GRADIENTBUILDER_H
#define TCC_LIB_AUTODIFF_GRADIENTBUILDER_H

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/IR/Builders.h"

namespace mlir::tcc::autodiff {

class GradientBuilder {
public:
  GradientBuilder(OpBuilder &builder, Location loc)
      : b(builder), loc(loc) {}

  static RankedTensorType typeOf(Value v) {
    return cast<RankedTensorType>(v.getType());
  }
  static ArrayRef<int64_t> shapeOf(Value v) { return typeOf(v).getShape(); }

  // Elementwise arithmetic on operands of one type.
  Value add(Value x, Value y) { return AddOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return SubOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return MulOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return DivOp::create(b, loc, x, y); }
  Value neg(Value x) { return NegOp::create(b, loc, x); }
  Value exp(Value x) { return ExpOp::create(b, loc, x); }
  Value log(Value x) { return LogOp::create(b, loc, x); }
  Value erf(Value x) { return ErfOp::create(b, loc, x); }
  Value tanh(Value x) { return TanhOp::create(b, loc, x); }
  Value sigmoid(Value x) { return SigmoidOp::create(b, loc, x); }
  Value pow(Value x, Value y) { return PowOp::create(b, loc, x, y); }
  /// x * c and x + c for a scalar c of x's element type.
  Value scale(Value x, double c) { return mul(x, splatLike(x, c)); }
  Value shift(Value x, double c) { return add(x, splatLike(x, c)); }

  /// A tensor of `shape` and `elementType` filled with `value`.
  Value splat(double value, ArrayRef<int64_t> shape, Type elementType);
  /// A tensor of `like`'s type filled with `value`.
  Value splatLike(Value like, double value) {
    return splat(value, shapeOf(like), typeOf(like).getElementType());
  }
  Value zerosLike(Value like) { return splatLike(like, 0.0); }
  /// `x` converted to `elementType` (tcc.cast), or `x` when it has it.
  Value convert(Value x, Type elementType);

  /// `x` of a broadcastable shape, broadcast to `shape` (NumPy rules).
  Value broadcastTo(Value x, ArrayRef<int64_t> shape);
  /// `x` with a new shape of the same element count.
  Value reshape(Value x, ArrayRef<int64_t> shape);
  Value transpose(Value x, ArrayRef<int64_t> permutation);
  /// Reduces over `dims` (tcc.reduce), keeping them as size 1 when
  /// `keepdims`; `x` itself when `dims` is empty.
  Value reduce(ReduceKind kind, Value x, ArrayRef<int64_t> dims,
               bool keepdims);
  /// Sum (or mean) over `dims`, keeping them as size 1 when `keepdims`.
  Value sum(Value x, ArrayRef<int64_t> dims, bool keepdims);
  Value mean(Value x, ArrayRef<int64_t> dims, bool keepdims);
  Value matmul(Value x, Value y, bool transposeX, bool transposeY);
  Value compare(CompareDirection direction, Value x, Value y);
  Value select(Value condition, Value onTrue, Value onFalse);

  /// `x` with `before` and `after` slices of `value` around it along `dim`
  /// (concatenated constant blocks).
  Value pad(Value x, int64_t dim, int64_t before, int64_t after,
            double value = 0.0);
  /// The adjoint of tcc.slice: a tensor of `shape`, zero but for `grad`'s
  /// elements at start[d] + k * stride[d].
  Value scatterSlice(Value grad, ArrayRef<int64_t> shape,
                     ArrayRef<int64_t> start, ArrayRef<int64_t> stride);
  Value slice(Value x, ArrayRef<int64_t> start, ArrayRef<int64_t> limit,
              ArrayRef<int64_t> stride);

  /// Sums a gradient of a broadcast result back to `shape`: over leading
  /// dimensions `shape` lacks and over its size-1 dimensions that were
  /// expanded. The adjoint of NumPy broadcasting.
  Value unbroadcast(Value gradient, ArrayRef<int64_t> shape);

  OpBuilder &b;
  Location loc;
};

} // namespace mlir::tcc::autodiff

#endif // TCC_LIB_AUTODIFF_GRADIENTBUILDER_H
