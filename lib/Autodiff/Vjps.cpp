//===- Vjps.cpp - the vector-Jacobian product of each tcc op --------------===//
//
// One function per op: `vjp(op, g, dy, dx)` appends the gradient of each
// operand (a null Value for none) given the gradients `dy` of its results.
// The formulas are PyTorch's derivatives (tools/autograd/derivatives.yaml),
// written with tcc ops; where PyTorch makes a choice (ties of max/min split
// the gradient evenly, as it does), the same choice is made so that
// training matches it step for step.
//
//===----------------------------------------------------------------------===//

#include "tcc/Autodiff/Autodiff.h"

#include "GradientBuilder.h"

#include "mlir/IR/DialectRegistry.h"

#include <cmath>
#include <limits>
#include <numeric>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::autodiff;

namespace {

using Grads = SmallVectorImpl<Value>;

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

LogicalResult vjp(AddOp, GradientBuilder &, ValueRange dy, Grads &dx) {
  dx.append({dy[0], dy[0]});
  return success();
}

LogicalResult vjp(SubOp, GradientBuilder &g, ValueRange dy, Grads &dx) {
  dx.append({dy[0], g.neg(dy[0])});
  return success();
}

LogicalResult vjp(MulOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  dx.append({g.mul(dy[0], op.getRhs()), g.mul(dy[0], op.getLhs())});
  return success();
}

LogicalResult vjp(DivOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  // d(a/b) = da / b - db * (a/b) / b.
  Value da = g.div(dy[0], op.getRhs());
  dx.append({da, g.neg(g.mul(da, op.getResult()))});
  return success();
}

/// max/min: the gradient goes to the operand that was chosen, half to each
/// on ties (torch.maximum / torch.minimum).
template <typename OpTy>
LogicalResult extremumVjp(OpTy op, GradientBuilder &g, ValueRange dy,
                          Grads &dx, CompareDirection pickLhs) {
  Value a = op.getLhs(), b = op.getRhs();
  Value zero = g.zerosLike(dy[0]);
  Value half = g.scale(dy[0], 0.5);
  Value tie = g.compare(CompareDirection::eq, a, b);
  Value lhsWins = g.compare(pickLhs, a, b);
  Value rhsWins = g.compare(pickLhs, b, a);
  dx.push_back(g.select(tie, half, g.select(lhsWins, dy[0], zero)));
  dx.push_back(g.select(tie, half, g.select(rhsWins, dy[0], zero)));
  return success();
}

LogicalResult vjp(MaxOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  return extremumVjp(op, g, dy, dx, CompareDirection::gt);
}

LogicalResult vjp(MinOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  return extremumVjp(op, g, dy, dx, CompareDirection::lt);
}

LogicalResult vjp(PowOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  Value a = op.getLhs(), b = op.getRhs(), y = op.getResult();
  if (!isa<FloatType>(g.typeOf(a).getElementType())) {
    dx.append({Value(), Value()});
    return success();
  }
  // d/da = b * a^(b-1); d/db = a^b * log(a), taken as 0 where a <= 0
  // (PyTorch gives 0 at a == 0 and NaN below).
  Value da = g.mul(dy[0], g.mul(b, g.pow(a, g.shift(b, -1.0))));
  Value positive = g.compare(CompareDirection::gt, a, g.zerosLike(a));
  Value safeA = g.select(positive, a, g.splatLike(a, 1.0));
  Value db = g.select(positive, g.mul(dy[0], g.mul(y, g.log(safeA))),
                      g.zerosLike(a));
  dx.append({da, db});
  return success();
}

LogicalResult vjp(NegOp, GradientBuilder &g, ValueRange dy, Grads &dx) {
  dx.push_back(g.neg(dy[0]));
  return success();
}

LogicalResult vjp(AbsOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  Value x = op.getOperand();
  if (!isa<FloatType>(g.typeOf(x).getElementType())) {
    dx.push_back(Value());
    return success();
  }
  Value zero = g.zerosLike(x);
  Value sign = g.select(g.compare(CompareDirection::gt, x, zero),
                        g.splatLike(x, 1.0),
                        g.select(g.compare(CompareDirection::lt, x, zero),
                                 g.splatLike(x, -1.0), zero));
  dx.push_back(g.mul(dy[0], sign));
  return success();
}

LogicalResult vjp(ExpOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  dx.push_back(g.mul(dy[0], op.getResult()));
  return success();
}

LogicalResult vjp(LogOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  dx.push_back(g.div(dy[0], op.getOperand()));
  return success();
}

LogicalResult vjp(SqrtOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  dx.push_back(g.div(g.scale(dy[0], 0.5), op.getResult()));
  return success();
}

LogicalResult vjp(RsqrtOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  Value y = op.getResult();
  dx.push_back(g.mul(g.scale(dy[0], -0.5), g.mul(y, g.mul(y, y))));
  return success();
}

LogicalResult vjp(TanhOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  Value y = op.getResult();
  dx.push_back(g.mul(dy[0], g.sub(g.splatLike(y, 1.0), g.mul(y, y))));
  return success();
}

LogicalResult vjp(SigmoidOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  Value y = op.getResult();
  dx.push_back(g.mul(dy[0], g.mul(y, g.sub(g.splatLike(y, 1.0), y))));
  return success();
}

LogicalResult vjp(ReluOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  Value x = op.getOperand();
  if (!isa<FloatType>(g.typeOf(x).getElementType())) {
    dx.push_back(Value());
    return success();
  }
  Value positive = g.compare(CompareDirection::gt, x, g.zerosLike(x));
  dx.push_back(g.select(positive, dy[0], g.zerosLike(x)));
  return success();
}

LogicalResult vjp(SiluOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  // d/dx x s(x) = s (1 + x (1 - s)).
  Value x = op.getOperand();
  Value s = g.sigmoid(x);
  Value one = g.splatLike(x, 1.0);
  dx.push_back(g.mul(dy[0], g.mul(s, g.add(one, g.mul(x, g.sub(one, s))))));
  return success();
}

LogicalResult vjp(ErfOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  Value x = op.getOperand();
  Value density = g.exp(g.neg(g.mul(x, x)));
  dx.push_back(g.mul(dy[0], g.scale(density, 2.0 / std::sqrt(M_PI))));
  return success();
}

LogicalResult vjp(GeluOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  Value x = op.getOperand();
  Value one = g.splatLike(x, 1.0);
  if (op.getApproximate() == GeluApproximation::tanh) {
    // y = x/2 (1 + t), t = tanh(k (x + 0.044715 x^3)), k = sqrt(2/pi):
    // dy/dx = (1 + t)/2 + x/2 (1 - t^2) k (1 + 3 * 0.044715 x^2).
    const double k = std::sqrt(2.0 / M_PI), c = 0.044715;
    Value x2 = g.mul(x, x);
    Value inner = g.scale(g.mul(x, g.add(one, g.scale(x2, c))), k);
    Value t = g.tanh(inner);
    Value dInner = g.scale(g.add(one, g.scale(x2, 3 * c)), k);
    Value left = g.scale(g.add(one, t), 0.5);
    Value right = g.mul(g.scale(x, 0.5),
                        g.mul(g.sub(one, g.mul(t, t)), dInner));
    dx.push_back(g.mul(dy[0], g.add(left, right)));
    return success();
  }
  // y = x Phi(x): dy/dx = Phi(x) + x phi(x).
  Value cdf = g.scale(g.add(one, g.erf(g.scale(x, M_SQRT1_2))), 0.5);
  Value pdf = g.scale(g.exp(g.scale(g.mul(x, x), -0.5)),
                      1.0 / std::sqrt(2.0 * M_PI));
  dx.push_back(g.mul(dy[0], g.add(cdf, g.mul(x, pdf))));
  return success();
}

LogicalResult vjp(CastOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  Type from = g.typeOf(op.getOperand()).getElementType();
  dx.push_back(isa<FloatType>(from) ? g.convert(dy[0], from) : Value());
  return success();
}

LogicalResult vjp(SelectOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  Value zero = g.zerosLike(dy[0]);
  dx.push_back(Value());
  dx.push_back(g.select(op.getCondition(), dy[0], zero));
  dx.push_back(g.select(op.getCondition(), zero, dy[0]));
  return success();
}

LogicalResult vjp(DropoutOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  // The same seed and stream draw the same mask: the backward scales the
  // gradient by the forward's mask / (1 - rate) without storing it.
  dx.push_back(DropoutOp::create(g.b, g.loc, dy[0].getType(), dy[0],
                                 op.getSeed(), op.getRateAttr(),
                                 op.getStreamAttr(), op.getShardingAttr()));
  dx.push_back(Value());
  return success();
}

LogicalResult vjp(AnnotateOp, GradientBuilder &, ValueRange dy, Grads &dx) {
  dx.push_back(dy[0]);
  return success();
}

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

LogicalResult vjp(BroadcastOp op, GradientBuilder &g, ValueRange dy,
                  Grads &dx) {
  dx.push_back(g.unbroadcast(dy[0], g.shapeOf(op.getOperand())));
  return success();
}

LogicalResult vjp(BroadcastInDimOp op, GradientBuilder &g, ValueRange dy,
                  Grads &dx) {
  // Sum over the result dimensions the operand does not map to and over
  // its expanded size-1 dimensions. `dims` increases, so what remains is
  // the operand's dimensions in order.
  ArrayRef<int64_t> dims = op.getDims();
  ArrayRef<int64_t> operand = g.shapeOf(op.getOperand());
  ArrayRef<int64_t> result = g.shapeOf(op.getResult());
  SmallVector<int64_t> reduced;
  for (int64_t d = 0, e = result.size(); d < e; ++d) {
    auto it = llvm::find(dims, d);
    if (it == dims.end() || (operand[it - dims.begin()] == 1 && result[d] != 1))
      reduced.push_back(d);
  }
  dx.push_back(g.reshape(g.sum(dy[0], reduced, /*keepdims=*/false), operand));
  return success();
}

LogicalResult vjp(ReshapeOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  dx.push_back(g.reshape(dy[0], g.shapeOf(op.getOperand())));
  return success();
}

LogicalResult vjp(TransposeOp op, GradientBuilder &g, ValueRange dy,
                  Grads &dx) {
  ArrayRef<int64_t> permutation = op.getPermutation();
  SmallVector<int64_t> inverse(permutation.size());
  for (size_t i = 0; i < permutation.size(); ++i)
    inverse[permutation[i]] = i;
  dx.push_back(g.transpose(dy[0], inverse));
  return success();
}

LogicalResult vjp(SliceOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  dx.push_back(g.scatterSlice(dy[0], g.shapeOf(op.getOperand()),
                              op.getStart(), op.getStride()));
  return success();
}

LogicalResult vjp(ConcatOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  int64_t dim = op.getDim();
  int64_t offset = 0;
  ArrayRef<int64_t> full = g.shapeOf(dy[0]);
  for (Value input : op.getInputs()) {
    SmallVector<int64_t> start(full.size(), 0), limit(full),
        stride(full.size(), 1);
    start[dim] = offset;
    limit[dim] = offset + g.shapeOf(input)[dim];
    offset = limit[dim];
    dx.push_back(g.slice(dy[0], start, limit, stride));
  }
  return success();
}

LogicalResult vjp(GatherOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  // Scatter-add of the gradient rows into the table: dy [outer...,
  // indices..., inner...] as [indexCount, outer * inner] rows, added at
  // their indices into [rows, outer * inner], moved back to the table's
  // layout. (Only a gather along a middle axis needs the transposes.)
  Value table = op.getTable(), indices = op.getIndices();
  ArrayRef<int64_t> tableShape = g.shapeOf(table);
  int64_t axis = op.getAxis();
  int64_t rank = tableShape.size();
  int64_t indexCount = g.typeOf(indices).getNumElements();
  int64_t rows = tableShape[axis];
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= tableShape[d];
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= tableShape[d];
  Value grad = g.reshape(dy[0], {outer, indexCount, inner});
  if (outer != 1)
    grad = g.transpose(grad, {1, 0, 2});
  grad = g.reshape(grad, {indexCount, outer * inner});
  Value flatIndices = g.reshape(indices, {indexCount});
  Value scattered = ScatterAddOp::create(g.b, g.loc, grad, flatIndices,
                                         g.b.getI64IntegerAttr(rows));
  scattered = g.reshape(scattered, {rows, outer, inner});
  if (outer != 1)
    scattered = g.transpose(scattered, {1, 0, 2});
  dx.push_back(g.reshape(scattered, tableShape));
  dx.push_back(Value());
  return success();
}

LogicalResult vjp(ScatterAddOp op, GradientBuilder &g, ValueRange dy,
                  Grads &dx) {
  // Each update row went to one table row: its gradient is that row of dy.
  dx.push_back(GatherOp::create(g.b, g.loc, dy[0], op.getIndices(),
                                g.b.getI64IntegerAttr(0)));
  dx.push_back(Value());
  return success();
}

//===----------------------------------------------------------------------===//
// Reductions and normalizations
//===----------------------------------------------------------------------===//

/// `grad` of a reduction's result, broadcast back to the operand's shape.
Value expandReduced(GradientBuilder &g, Value grad, ReduceOp op) {
  ArrayRef<int64_t> operand = g.shapeOf(op.getOperand());
  SmallVector<int64_t> kept(operand);
  for (int64_t d : op.getDims())
    kept[d] = 1;
  return g.broadcastTo(g.reshape(grad, kept), operand);
}

LogicalResult vjp(ReduceOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  Value x = op.getOperand();
  if (!isa<FloatType>(g.typeOf(x).getElementType())) {
    dx.push_back(Value());
    return success();
  }
  Value grad = expandReduced(g, dy[0], op);
  int64_t count = 1;
  for (int64_t d : op.getDims())
    count *= g.shapeOf(x)[d];
  switch (op.getKind()) {
  case ReduceKind::sum:
    dx.push_back(grad);
    return success();
  case ReduceKind::mean:
    dx.push_back(g.scale(grad, 1.0 / count));
    return success();
  case ReduceKind::max:
  case ReduceKind::min: {
    // Split evenly among the elements that attain the extremum (amax).
    Value y = expandReduced(g, op.getResult(), op);
    Value hit = g.convert(g.compare(CompareDirection::eq, x, y),
                       g.typeOf(x).getElementType());
    Value hits = g.broadcastTo(g.sum(hit, op.getDims(), true), g.shapeOf(x));
    dx.push_back(g.div(g.mul(grad, hit), hits));
    return success();
  }
  case ReduceKind::prod:
    // d prod / dx_i = prod / x_i: exact away from zeros.
    dx.push_back(g.div(g.mul(grad, expandReduced(g, op.getResult(), op)), x));
    return success();
  }
  llvm_unreachable("every reduction kind is handled above");
}

LogicalResult vjp(SoftmaxOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  Value y = op.getResult();
  int64_t dim = op.getDim();
  Value dot = g.broadcastTo(g.sum(g.mul(dy[0], y), {dim}, true), g.shapeOf(y));
  dx.push_back(g.mul(y, g.sub(dy[0], dot)));
  return success();
}

LogicalResult vjp(LogSoftmaxOp op, GradientBuilder &g, ValueRange dy,
                  Grads &dx) {
  Value y = op.getResult();
  int64_t dim = op.getDim();
  Value total = g.broadcastTo(g.sum(dy[0], {dim}, true), g.shapeOf(y));
  dx.push_back(g.sub(dy[0], g.mul(g.exp(y), total)));
  return success();
}

/// Gradients of (x - mean) * rstd * w + b normalized over `dims`, where
/// mean/rstd are statistics of x (training) and `affineDims` are the
/// dimensions w and b broadcast over.
struct Normalized {
  Value xhat, rstd;
};

Normalized normalize(GradientBuilder &g, Value x, ArrayRef<int64_t> dims,
                     double epsilon) {
  ArrayRef<int64_t> shape = g.shapeOf(x);
  Value mean = g.broadcastTo(g.mean(x, dims, true), shape);
  Value centered = g.sub(x, mean);
  Value var = g.mean(g.mul(centered, centered), dims, true);
  Value rstd = g.broadcastTo(RsqrtOp::create(g.b, g.loc, g.shift(var, epsilon)),
                             shape);
  return {g.mul(centered, rstd), rstd};
}

/// dx of xhat = (x - mean(x)) * rstd(x) given dxhat, over `dims`:
/// rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)).
Value normalizedInputGradient(GradientBuilder &g, Normalized n, Value dxhat,
                              ArrayRef<int64_t> dims) {
  ArrayRef<int64_t> shape = g.shapeOf(dxhat);
  Value meanGrad = g.broadcastTo(g.mean(dxhat, dims, true), shape);
  Value meanProj =
      g.broadcastTo(g.mean(g.mul(dxhat, n.xhat), dims, true), shape);
  return g.mul(n.rstd, g.sub(g.sub(dxhat, meanGrad), g.mul(n.xhat, meanProj)));
}

LogicalResult vjp(LayerNormOp op, GradientBuilder &g, ValueRange dy,
                  Grads &dx) {
  Value x = op.getInput(), w = op.getWeight();
  ArrayRef<int64_t> shape = g.shapeOf(x);
  int64_t rank = shape.size(), normalizedRank = g.typeOf(w).getRank();
  SmallVector<int64_t> dims, leading;
  for (int64_t d = 0; d < rank; ++d)
    (d >= rank - normalizedRank ? dims : leading).push_back(d);
  Normalized n = normalize(g, x, dims, op.getEpsilon().convertToDouble());
  Value dxhat = g.mul(dy[0], g.broadcastTo(w, shape));
  dx.push_back(normalizedInputGradient(g, n, dxhat, dims));
  dx.push_back(g.sum(g.mul(dy[0], n.xhat), leading, false));
  dx.push_back(g.sum(dy[0], leading, false));
  return success();
}

LogicalResult vjp(BatchNormOp op, GradientBuilder &g, ValueRange dy,
                  Grads &dx) {
  Value x = op.getInput(), w = op.getWeight();
  ArrayRef<int64_t> shape = g.shapeOf(x);
  int64_t rank = shape.size();
  SmallVector<int64_t> dims; // every dimension but the channels
  for (int64_t d = 0; d < rank; ++d)
    if (d != 1)
      dims.push_back(d);
  auto perChannel = [&](Value v) {
    SmallVector<int64_t> kept(rank, 1);
    kept[1] = shape[1];
    return g.broadcastTo(g.reshape(v, kept), shape);
  };
  Value grad = dy[0];
  if (!grad) {
    dx.append(5, Value()); // only the running statistics are used
    return success();
  }
  double epsilon = op.getEpsilon().convertToDouble();
  Value dxhat = g.mul(grad, perChannel(w));
  Normalized n;
  if (op.getTraining()) {
    n = normalize(g, x, dims, epsilon);
    dx.push_back(normalizedInputGradient(g, n, dxhat, dims));
  } else {
    // Running statistics are constants of the forward.
    Value var = op.getRunningVar();
    n.rstd = perChannel(RsqrtOp::create(g.b, g.loc, g.shift(var, epsilon)));
    n.xhat = g.mul(g.sub(x, perChannel(op.getRunningMean())), n.rstd);
    dx.push_back(g.mul(dxhat, n.rstd));
  }
  dx.push_back(g.sum(g.mul(grad, n.xhat), dims, false));
  dx.push_back(g.sum(grad, dims, false));
  dx.append({Value(), Value()});
  return success();
}

//===----------------------------------------------------------------------===//
// Contractions and losses
//===----------------------------------------------------------------------===//

LogicalResult vjp(MatmulOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  // y = A' B' with A' = a or a^T, B' = b or b^T (last two dimensions).
  Value a = op.getLhs(), b = op.getRhs(), grad = dy[0];
  bool ta = op.getTransposeLhs(), tb = op.getTransposeRhs();
  // dA' = g B'^T, dB' = A'^T g; transposed back where the operand was.
  Value da = ta ? g.matmul(b, grad, tb, true) : g.matmul(grad, b, false, !tb);
  Value db = tb ? g.matmul(grad, a, true, ta) : g.matmul(a, grad, !ta, false);
  // Batch dimensions broadcast in the forward sum back.
  dx.push_back(g.unbroadcast(da, g.shapeOf(a)));
  dx.push_back(g.unbroadcast(db, g.shapeOf(b)));
  return success();
}

LogicalResult vjp(CrossEntropyOp op, GradientBuilder &g, ValueRange dy,
                  Grads &dx) {
  // dlogits = (softmax(logits) - target) * dy / count, target = (1 - s)
  // onehot(label) + s / C, over the rows not ignored.
  Value logits = op.getLogits(), labels = op.getLabels();
  ArrayRef<int64_t> shape = g.shapeOf(logits);
  int64_t rows = shape[0], classes = shape[1];
  Type element = g.typeOf(logits).getElementType();
  Type labelType = g.typeOf(labels).getElementType();
  double smoothing = op.getLabelSmoothing().convertToDouble();
  Value probabilities = SoftmaxOp::create(g.b, g.loc, logits.getType(), logits,
                                          g.b.getI64IntegerAttr(1));
  Value wideLabels = g.broadcastTo(g.reshape(labels, {rows, 1}), shape);
  Value classIndex = IotaOp::create(
      g.b, g.loc, RankedTensorType::get(shape, labelType),
      g.b.getI64IntegerAttr(1));
  Value oneHot =
      g.convert(g.compare(CompareDirection::eq, wideLabels, classIndex), element);
  Value target = g.shift(g.scale(oneHot, 1.0 - smoothing), smoothing / classes);
  Value rowGrad = g.sub(probabilities, target);
  // Rows whose label is ignore_index count for nothing.
  Value kept = g.splatLike(probabilities, 1.0);
  Value count = g.splatLike(dy[0], static_cast<double>(rows));
  if (std::optional<int64_t> ignore = op.getIgnoreIndex()) {
    Value ignored = g.compare(CompareDirection::ne, labels,
                              g.splatLike(labels, static_cast<double>(*ignore)));
    Value keptRows = g.convert(ignored, element);
    count = g.sum(keptRows, {0}, false);
    kept = g.broadcastTo(g.reshape(keptRows, {rows, 1}), shape);
  }
  Value scale = g.broadcastTo(g.div(dy[0], count), shape);
  dx.push_back(g.mul(g.mul(rowGrad, kept), scale));
  dx.push_back(Value());
  return success();
}

LogicalResult vjp(MseLossOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  Value a = op.getInput(), b = op.getTarget();
  int64_t count = g.typeOf(a).getNumElements();
  Value scale = g.broadcastTo(g.scale(dy[0], 2.0 / count), g.shapeOf(a));
  Value da = g.mul(g.sub(a, b), scale);
  dx.append({da, g.neg(da)});
  return success();
}

//===----------------------------------------------------------------------===//
// Convolution and pooling
//===----------------------------------------------------------------------===//

/// `w` [O, C/g, kh, kw] as the weight of the transposed convolution:
/// spatially flipped, input and output channels swapped within each group.
Value transposedWeight(GradientBuilder &g, Value w, int64_t groups) {
  ArrayRef<int64_t> shape = g.shapeOf(w);
  int64_t o = shape[0], cg = shape[1], kh = shape[2], kw = shape[3];
  for (int64_t axis : {2, 3}) {
    int64_t size = shape[axis];
    SmallVector<int64_t> reversed(size);
    for (int64_t i = 0; i < size; ++i)
      reversed[i] = size - 1 - i;
    auto indexType = RankedTensorType::get({size}, g.b.getI64Type());
    Value indices = ConstantOp::create(
        g.b, g.loc, DenseElementsAttr::get(indexType, ArrayRef(reversed)));
    SmallVector<int64_t> gathered(g.shapeOf(w));
    w = GatherOp::create(
        g.b, g.loc,
        RankedTensorType::get(gathered, g.typeOf(w).getElementType()), w,
        indices, g.b.getI64IntegerAttr(axis));
  }
  Value grouped = g.reshape(w, {groups, o / groups, cg, kh, kw});
  return g.reshape(g.transpose(grouped, {0, 2, 1, 3, 4}),
                   {groups * cg, o / groups, kh, kw});
}

Value conv(GradientBuilder &g, Value x, Value w, ArrayRef<int64_t> stride,
           ArrayRef<int64_t> dilation, int64_t groups) {
  ArrayRef<int64_t> in = g.shapeOf(x), k = g.shapeOf(w);
  SmallVector<int64_t> out = {in[0], k[0], 0, 0};
  for (int d = 0; d < 2; ++d)
    out[2 + d] = (in[2 + d] - dilation[d] * (k[2 + d] - 1) - 1) / stride[d] + 1;
  return Conv2dOp::create(
      g.b, g.loc, RankedTensorType::get(out, g.typeOf(x).getElementType()), x,
      w, Value(), g.b.getDenseI64ArrayAttr(stride),
      g.b.getDenseI64ArrayAttr({0, 0, 0, 0}), g.b.getDenseI64ArrayAttr(dilation),
      g.b.getI64IntegerAttr(groups));
}

LogicalResult vjp(Conv2dOp op, GradientBuilder &g, ValueRange dy, Grads &dx) {
  Value x = op.getInput(), w = op.getWeight(), grad = dy[0];
  ArrayRef<int64_t> xs = g.shapeOf(x), ws = g.shapeOf(w), ys = g.shapeOf(grad);
  ArrayRef<int64_t> stride = op.getStride(), dilation = op.getDilation();
  ArrayRef<int64_t> padding = op.getPadding(); // [top, bottom, left, right]
  int64_t groups = op.getGroups();

  // dx: the transposed convolution. Spread dy by the stride, pad it by
  // what the kernel reaches beyond it (negative: crop), and convolve with
  // the flipped, channel-swapped weight.
  Value spread = g.scatterSlice(
      grad, {ys[0], ys[1], (ys[2] - 1) * stride[0] + 1, (ys[3] - 1) * stride[1] + 1},
      {0, 0, 0, 0}, {1, 1, stride[0], stride[1]});
  for (int d = 0; d < 2; ++d) {
    int64_t reach = dilation[d] * (ws[2 + d] - 1);
    int64_t before = reach - padding[2 * d];
    int64_t uncovered = xs[2 + d] + padding[2 * d] + padding[2 * d + 1] -
                        reach - 1 - (ys[2 + d] - 1) * stride[d];
    int64_t after = reach - padding[2 * d + 1] + uncovered;
    spread = g.pad(spread, 2 + d, before, after);
    if (before < 0 || after < 0) {
      SmallVector<int64_t> start(4, 0), limit(g.shapeOf(spread)), step(4, 1);
      start[2 + d] = std::max<int64_t>(0, -before);
      limit[2 + d] -= std::max<int64_t>(0, -after);
      spread = g.slice(spread, start, limit, step);
    }
  }
  dx.push_back(conv(g, spread, transposedWeight(g, w, groups), {1, 1},
                    dilation, groups));

  // dw: per group, a convolution of the padded input with dy, batch and
  // channels exchanged: dw[o, c, i, j] = sum x[n, c, i d + y s, j d + x s]
  // dy[n, o, y, x].
  Value padded = x;
  for (int d = 0; d < 2; ++d)
    padded = g.pad(padded, 2 + d, padding[2 * d], padding[2 * d + 1]);
  int64_t cg = ws[1], og = ws[0] / groups;
  SmallVector<Value> parts;
  for (int64_t k = 0; k < groups; ++k) {
    ArrayRef<int64_t> ps = g.shapeOf(padded);
    Value xk = groups == 1 ? padded
                           : g.slice(padded, {0, k * cg, 0, 0},
                                     {ps[0], (k + 1) * cg, ps[2], ps[3]},
                                     {1, 1, 1, 1});
    Value gk = groups == 1 ? grad
                           : g.slice(grad, {0, k * og, 0, 0},
                                     {ys[0], (k + 1) * og, ys[2], ys[3]},
                                     {1, 1, 1, 1});
    Value full = conv(g, g.transpose(xk, {1, 0, 2, 3}),
                      g.transpose(gk, {1, 0, 2, 3}), dilation, stride, 1);
    Value kernel = g.slice(full, {0, 0, 0, 0}, {cg, og, ws[2], ws[3]},
                           {1, 1, 1, 1});
    parts.push_back(g.transpose(kernel, {1, 0, 2, 3}));
  }
  dx.push_back(parts.size() == 1
                   ? parts.front()
                   : ConcatOp::create(g.b, g.loc, w.getType(), parts,
                                      g.b.getI64IntegerAttr(0)).getResult());
  if (op.getBias())
    dx.push_back(g.sum(grad, {0, 2, 3}, false));
  return success();
}

/// The windows of a pooling op, as slices of the padded input: one
/// strided slice per kernel offset, in row-major offset order.
template <typename PoolOp>
FailureOr<SmallVector<SmallVector<int64_t, 4>>>
windowOffsets(PoolOp op, ArrayRef<int64_t> dilation) {
  if (op.getCeilMode())
    return op.emitOpError("with ceil_mode has no gradient yet");
  SmallVector<SmallVector<int64_t, 4>> offsets;
  ArrayRef<int64_t> kernel = op.getKernelSize();
  for (int64_t i = 0; i < kernel[0]; ++i)
    for (int64_t j = 0; j < kernel[1]; ++j)
      offsets.push_back({0, 0, i * dilation[0], j * dilation[1]});
  return offsets;
}

/// Sums `contribution(offset)` scattered back to each window position of
/// the padded input, then crops the padding.
template <typename PoolOp, typename Contribution>
Value scatterWindows(PoolOp op, GradientBuilder &g,
                     ArrayRef<SmallVector<int64_t, 4>> offsets,
                     Contribution contribution) {
  ArrayRef<int64_t> xs = g.shapeOf(op.getInput());
  ArrayRef<int64_t> padding = op.getPadding(), stride = op.getStride();
  SmallVector<int64_t> paddedShape = {xs[0], xs[1],
                                      xs[2] + padding[0] + padding[1],
                                      xs[3] + padding[2] + padding[3]};
  Value total;
  for (size_t k = 0; k < offsets.size(); ++k) {
    Value part = g.scatterSlice(contribution(k), paddedShape, offsets[k],
                                {1, 1, stride[0], stride[1]});
    total = total ? g.add(total, part) : part;
  }
  return g.slice(total, {0, 0, padding[0], padding[2]},
                 {xs[0], xs[1], padding[0] + xs[2], padding[2] + xs[3]},
                 {1, 1, 1, 1});
}

/// The window of offset `k` of the padded input: [N, C, Ho, Wo].
template <typename PoolOp>
Value window(PoolOp op, GradientBuilder &g, Value padded,
             ArrayRef<int64_t> offset) {
  ArrayRef<int64_t> ys = g.shapeOf(op.getResult());
  ArrayRef<int64_t> stride = op.getStride();
  return g.slice(padded, offset,
                 {ys[0], ys[1], offset[2] + (ys[2] - 1) * stride[0] + 1,
                  offset[3] + (ys[3] - 1) * stride[1] + 1},
                 {1, 1, stride[0], stride[1]});
}

template <typename PoolOp>
Value padInput(PoolOp op, GradientBuilder &g, Value x, double value) {
  ArrayRef<int64_t> padding = op.getPadding();
  x = g.pad(x, 2, padding[0], padding[1], value);
  return g.pad(x, 3, padding[2], padding[3], value);
}

LogicalResult vjp(MaxPool2dOp op, GradientBuilder &g, ValueRange dy,
                  Grads &dx) {
  // The gradient goes to the first maximum of each window in row-major
  // order, as PyTorch's max_pool2d backward (its argmax) does.
  FailureOr<SmallVector<SmallVector<int64_t, 4>>> offsets =
      windowOffsets(op, op.getDilation());
  if (failed(offsets))
    return failure();
  Value padded = padInput(op, g, op.getInput(),
                          -std::numeric_limits<double>::infinity());
  Value y = op.getResult();
  Value zero = g.zerosLike(dy[0]);
  auto boolType = RankedTensorType::get(g.shapeOf(y), g.b.getI1Type());
  auto flag = [&](bool value) -> Value {
    Value scalar = ConstantOp::create(
        g.b, g.loc,
        DenseElementsAttr::get(RankedTensorType::get({}, g.b.getI1Type()),
                               value));
    return g.broadcastTo(scalar, boolType.getShape());
  };
  Value taken = flag(false), no = flag(false), yes = flag(true);
  dx.push_back(scatterWindows(op, g, *offsets, [&](size_t k) {
    Value equal = g.compare(CompareDirection::eq,
                            window(op, g, padded, (*offsets)[k]), y);
    Value first = g.select(taken, no, equal);
    taken = g.select(equal, yes, taken);
    return g.select(first, dy[0], zero);
  }));
  return success();
}

LogicalResult vjp(AvgPool2dOp op, GradientBuilder &g, ValueRange dy,
                  Grads &dx) {
  SmallVector<int64_t, 2> noDilation = {1, 1};
  FailureOr<SmallVector<SmallVector<int64_t, 4>>> offsets =
      windowOffsets(op, noDilation);
  if (failed(offsets))
    return failure();
  // The divisor of each window: kh * kw, or its elements inside the input.
  Value divisor;
  if (op.getCountIncludePad()) {
    divisor = g.splatLike(dy[0], static_cast<double>(offsets->size()));
  } else {
    Value inside = padInput(op, g, g.splatLike(op.getInput(), 1.0), 0.0);
    for (const SmallVector<int64_t, 4> &offset : *offsets) {
      Value count = window(op, g, inside, offset);
      divisor = divisor ? g.add(divisor, count) : count;
    }
  }
  Value share = g.div(dy[0], divisor);
  dx.push_back(scatterWindows(op, g, *offsets, [&](size_t) { return share; }));
  return success();
}

/// In a per-device program the loss, and so the result's adjoint, is the
/// same on every device: y = sum_r x_r gives each x_r the adjoint of y;
/// y = mean_r x_r, 1/n of it; y = max_r x_r (or min) splits it evenly
/// among the devices whose x_r attains y, as tcc.reduce's max does among
/// elements: the number of those is one more all_reduce.
LogicalResult vjp(AllReduceOp op, GradientBuilder &g, ValueRange dy,
                  Grads &dx) {
  switch (op.getKind()) {
  case CollectiveKind::sum:
    dx.push_back(dy[0]);
    return success();
  case CollectiveKind::avg: {
    MeshOp mesh = lookupMesh(op, op.getMeshAttr());
    int64_t n = 1;
    for (StringRef axis : op.getAxes().getAsValueRange<StringAttr>())
      n *= mesh.getAxisSize(axis).value_or(1);
    dx.push_back(g.scale(dy[0], 1.0 / double(n)));
    return success();
  }
  case CollectiveKind::max:
  case CollectiveKind::min: {
    // Integers carry no gradient (they are never active).
    Value x = op.getOperand();
    Value hit = g.convert(g.compare(CompareDirection::eq, x, op.getResult()),
                          g.typeOf(x).getElementType());
    Value hits = AllReduceOp::create(
        g.b, g.loc, hit.getType(), hit,
        CollectiveKindAttr::get(g.b.getContext(), CollectiveKind::sum),
        op.getMeshAttr(), op.getAxes());
    hits.getDefiningOp()->setAttr(
        attrs::kWhy, g.b.getStringAttr("counts the devices that hold the " +
                                       stringifyCollectiveKind(op.getKind()) +
                                       " the gradient of an all_reduce goes to"));
    dx.push_back(g.div(g.mul(dy[0], hit), hits));
    return success();
  }
  }
  llvm_unreachable("every collective kind is handled above");
}

/// y = concat_r x_r is held whole by every device of the group, and so is
/// its adjoint (the loss is the same on every device): x_r's adjoint is
/// the device's own slice of it.
LogicalResult vjp(AllGatherOp op, GradientBuilder &g, ValueRange dy,
                  Grads &dx) {
  dx.push_back(AllSliceOp::create(g.b, g.loc, op.getOperand().getType(),
                                  dy[0], op.getMeshAttr(), op.getAxes(),
                                  op.getDimAttr()));
  return success();
}

/// The interface model of one op type, forwarding to its vjp() above.
template <typename OpTy>
struct VjpModel
    : public DifferentiableOp::ExternalModel<VjpModel<OpTy>, OpTy> {
  LogicalResult buildVjp(Operation *op, OpBuilder &builder,
                         ValueRange resultGradients,
                         SmallVectorImpl<Value> &operandGradients) const {
    GradientBuilder g(builder, op->getLoc());
    return vjp(cast<OpTy>(op), g, resultGradients, operandGradients);
  }
};

template <typename... OpTys> void attach(MLIRContext *context) {
  (OpTys::template attachInterface<VjpModel<OpTys>>(*context), ...);
}

} // namespace

void mlir::tcc::registerDifferentiableOpModels(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *context, TccDialect *) {
    attach<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, PowOp, NegOp, AbsOp,
           ExpOp, LogOp, SqrtOp, RsqrtOp, TanhOp, SigmoidOp, ReluOp, SiluOp,
           ErfOp, GeluOp, CastOp, SelectOp, DropoutOp, AnnotateOp,
           BroadcastOp, BroadcastInDimOp, ReshapeOp, TransposeOp, SliceOp,
           ConcatOp, GatherOp, ScatterAddOp, ReduceOp, SoftmaxOp, LogSoftmaxOp, LayerNormOp,
           BatchNormOp, MatmulOp, CrossEntropyOp, MseLossOp, Conv2dOp,
           MaxPool2dOp, AvgPool2dOp, AllReduceOp, AllGatherOp>(context);
  });
}
