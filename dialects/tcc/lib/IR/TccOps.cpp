//===- TccOps.cpp - verifiers and inferred types of the compute ops -------===//
//
// Shape checks are calls into the shape library, which this file adapts to
// op operands and attributes; only checks of scalar attributes (rates,
// smoothing, mean on integers) are written here.
//
//===----------------------------------------------------------------------===//

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "tcc/Dialect/Tcc/IR/ShapeInference.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace mlir::tcc;

namespace {

/// Reports shape-library errors at `loc` as errors of op `opName`; silent
/// when there is no location (a builder probing whether types can be
/// inferred).
struct LocatedError {
  std::optional<Location> loc;
  StringRef opName;
  void operator()(const Twine &message) const {
    if (loc)
      emitError(*loc) << "'" << opName << "' op " << message;
  }
};

RankedTensorType tensorTypeOf(Value v) {
  return dyn_cast_if_present<RankedTensorType>(v ? v.getType() : Type());
}

LogicalResult checkSameElementType(Value lhs, Value rhs, StringRef lhsName,
                                   StringRef rhsName, const LocatedError &error) {
  Type l = getElementTypeOrSelf(lhs.getType());
  Type r = getElementTypeOrSelf(rhs.getType());
  if (l == r)
    return success();
  std::string ls, rs;
  llvm::raw_string_ostream(ls) << l;
  llvm::raw_string_ostream(rs) << r;
  error(Twine(lhsName) + " element type " + ls + " differs from " + rhsName +
        " element type " + rs);
  return failure();
}

/// Pushes `shape` with the element type of `like` onto `results`.
LogicalResult inferred(FailureOr<shape::Shape> shape, Value like,
                       SmallVectorImpl<Type> &results) {
  if (failed(shape))
    return failure();
  results.push_back(
      RankedTensorType::get(*shape, getElementTypeOrSelf(like.getType())));
  return success();
}

} // namespace

//===----------------------------------------------------------------------===//
// Constants and generators
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &results) {
  auto type = dyn_cast_if_present<RankedTensorType>(
      adaptor.getValue() ? adaptor.getValue().getType() : Type());
  if (!type) {
    LocatedError{loc, getOperationName()}("value must be a ranked tensor");
    return failure();
  }
  results.push_back(type);
  return success();
}

LogicalResult IotaOp::verify() {
  auto type = getType();
  return shape::checkDim(getDim(), type.getRank(), "dim",
                         LocatedError{getLoc(), getOperationName()});
}

LogicalResult DropoutOp::verify() {
  double rate = getRate().convertToDouble();
  if (!(rate >= 0.0 && rate < 1.0))
    return emitOpError("rate must be in [0, 1), got ") << rate;
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

LogicalResult CompareOp::inferReturnTypes(MLIRContext *ctx,
                                          std::optional<Location>,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  auto type = tensorTypeOf(adaptor.getLhs());
  if (!type)
    return failure();
  results.push_back(type.clone(IntegerType::get(ctx, 1)));
  return success();
}

//===----------------------------------------------------------------------===//
// Data movement
//===----------------------------------------------------------------------===//

LogicalResult BroadcastOp::verify() {
  if (getOperand().getType().getElementType() != getType().getElementType())
    return emitOpError("result element type must match the operand's");
  return shape::checkBroadcastTo(getOperand().getType().getShape(),
                                 getType().getShape(),
                                 LocatedError{getLoc(), getOperationName()});
}

LogicalResult BroadcastInDimOp::verify() {
  if (getOperand().getType().getElementType() != getType().getElementType())
    return emitOpError("result element type must match the operand's");
  return shape::checkBroadcastInDim(getOperand().getType().getShape(),
                                    getType().getShape(), getDims(),
                                    LocatedError{getLoc(), getOperationName()});
}

LogicalResult ReshapeOp::verify() {
  if (getOperand().getType().getElementType() != getType().getElementType())
    return emitOpError("result element type must match the operand's");
  return shape::checkReshape(getOperand().getType().getShape(),
                             getType().getShape(),
                             LocatedError{getLoc(), getOperationName()});
}

LogicalResult TransposeOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  auto type = tensorTypeOf(adaptor.getOperand());
  if (!type)
    return failure();
  return inferred(shape::transposeShape(type.getShape(),
                                        adaptor.getPermutation(),
                                        LocatedError{loc, getOperationName()}),
                  adaptor.getOperand(), results);
}

LogicalResult SliceOp::inferReturnTypes(MLIRContext *,
                                        std::optional<Location> loc,
                                        Adaptor adaptor,
                                        SmallVectorImpl<Type> &results) {
  auto type = tensorTypeOf(adaptor.getOperand());
  if (!type)
    return failure();
  return inferred(shape::sliceShape(type.getShape(), adaptor.getStart(),
                                    adaptor.getLimit(), adaptor.getStride(),
                                    LocatedError{loc, getOperationName()}),
                  adaptor.getOperand(), results);
}

LogicalResult ConcatOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  LocatedError error{loc, getOperationName()};
  SmallVector<ArrayRef<int64_t>> shapes;
  for (Value input : adaptor.getInputs()) {
    auto type = tensorTypeOf(input);
    if (!type)
      return failure();
    if (failed(checkSameElementType(adaptor.getInputs().front(), input,
                                    "input 0", "input", error)))
      return failure();
    shapes.push_back(type.getShape());
  }
  if (shapes.empty()) {
    error("needs at least one input");
    return failure();
  }
  return inferred(shape::concatShape(shapes, adaptor.getDim(), error),
                  adaptor.getInputs().front(), results);
}

LogicalResult GatherOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  auto table = tensorTypeOf(adaptor.getTable());
  auto indices = tensorTypeOf(adaptor.getIndices());
  if (!table || !indices)
    return failure();
  return inferred(shape::gatherShape(table.getShape(), indices.getShape(),
                                     adaptor.getAxis(),
                                     LocatedError{loc, getOperationName()}),
                  adaptor.getTable(), results);
}

LogicalResult ScatterAddOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &results) {
  auto updates = tensorTypeOf(adaptor.getUpdates());
  auto indices = tensorTypeOf(adaptor.getIndices());
  if (!updates || !indices)
    return failure();
  return inferred(shape::scatterAddShape(updates.getShape(),
                                         indices.getShape(), adaptor.getRows(),
                                         LocatedError{loc, getOperationName()}),
                  adaptor.getUpdates(), results);
}

LogicalResult ReduceOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  LocatedError error{loc, getOperationName()};
  auto type = tensorTypeOf(adaptor.getOperand());
  if (!type)
    return failure();
  if (adaptor.getKind() == ReduceKind::mean &&
      !isa<FloatType>(type.getElementType())) {
    error("mean needs a float operand");
    return failure();
  }
  return inferred(shape::reduceShape(type.getShape(), adaptor.getDims(),
                                     adaptor.getKeepdims(), error),
                  adaptor.getOperand(), results);
}

//===----------------------------------------------------------------------===//
// Contractions, normalization, losses
//===----------------------------------------------------------------------===//

LogicalResult MatmulOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  LocatedError error{loc, getOperationName()};
  auto lhs = tensorTypeOf(adaptor.getLhs());
  auto rhs = tensorTypeOf(adaptor.getRhs());
  if (!lhs || !rhs || failed(checkSameElementType(adaptor.getLhs(),
                                                  adaptor.getRhs(), "lhs",
                                                  "rhs", error)))
    return failure();
  return inferred(shape::matmulShape(lhs.getShape(), rhs.getShape(),
                                     adaptor.getTransposeLhs(),
                                     adaptor.getTransposeRhs(), error),
                  adaptor.getLhs(), results);
}

LogicalResult SoftmaxOp::verify() {
  return shape::checkDim(getDim(), getType().getRank(), "dim",
                         LocatedError{getLoc(), getOperationName()});
}

LogicalResult LogSoftmaxOp::verify() {
  return shape::checkDim(getDim(), getType().getRank(), "dim",
                         LocatedError{getLoc(), getOperationName()});
}

LogicalResult LayerNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  LocatedError error{loc, getOperationName()};
  auto input = tensorTypeOf(adaptor.getInput());
  auto weight = tensorTypeOf(adaptor.getWeight());
  auto bias = tensorTypeOf(adaptor.getBias());
  if (!input || !weight || !bias)
    return failure();
  if (failed(checkSameElementType(adaptor.getInput(), adaptor.getWeight(),
                                  "input", "weight", error)) ||
      failed(checkSameElementType(adaptor.getInput(), adaptor.getBias(),
                                  "input", "bias", error)) ||
      failed(shape::checkLayerNorm(input.getShape(), weight.getShape(),
                                   bias.getShape(), error)))
    return failure();
  results.push_back(input);
  return success();
}

LogicalResult BatchNormOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  LocatedError error{loc, getOperationName()};
  Value operands[] = {adaptor.getInput(), adaptor.getWeight(),
                      adaptor.getBias(), adaptor.getRunningMean(),
                      adaptor.getRunningVar()};
  StringRef names[] = {"input", "weight", "bias", "running_mean",
                       "running_var"};
  for (auto [value, name] : llvm::zip(operands, names)) {
    if (!tensorTypeOf(value))
      return failure();
    if (failed(checkSameElementType(operands[0], value, "input", name, error)))
      return failure();
  }
  auto shapeOf = [&](int i) { return tensorTypeOf(operands[i]).getShape(); };
  if (failed(shape::checkBatchNorm(shapeOf(0), shapeOf(1), shapeOf(2),
                                   shapeOf(3), shapeOf(4), error)))
    return failure();
  results.push_back(operands[0].getType());
  results.push_back(operands[3].getType());
  results.push_back(operands[4].getType());
  return success();
}

LogicalResult Conv2dOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &results) {
  LocatedError error{loc, getOperationName()};
  auto input = tensorTypeOf(adaptor.getInput());
  auto weight = tensorTypeOf(adaptor.getWeight());
  if (!input || !weight ||
      failed(checkSameElementType(adaptor.getInput(), adaptor.getWeight(),
                                  "input", "weight", error)))
    return failure();
  std::optional<ArrayRef<int64_t>> biasShape;
  if (Value bias = adaptor.getBias()) {
    if (!tensorTypeOf(bias) || failed(checkSameElementType(
                                   adaptor.getInput(), bias, "input", "bias",
                                   error)))
      return failure();
    biasShape = tensorTypeOf(bias).getShape();
  }
  shape::Conv2dParams params{adaptor.getStride(), adaptor.getPadding(),
                             adaptor.getDilation(),
                             static_cast<int64_t>(adaptor.getGroups())};
  return inferred(shape::conv2dShape(input.getShape(), weight.getShape(),
                                     biasShape, params, error),
                  adaptor.getInput(), results);
}

namespace {
template <typename Adaptor>
LogicalResult inferPool(std::optional<Location> loc, StringRef opName,
                        Adaptor adaptor, ArrayRef<int64_t> dilation,
                        SmallVectorImpl<Type> &results) {
  auto input = tensorTypeOf(adaptor.getInput());
  if (!input)
    return failure();
  shape::Pool2dParams params{adaptor.getKernelSize(), adaptor.getStride(),
                             adaptor.getPadding(), dilation,
                             adaptor.getCeilMode()};
  return inferred(
      shape::pool2dShape(input.getShape(), params, LocatedError{loc, opName}),
      adaptor.getInput(), results);
}
} // namespace

LogicalResult MaxPool2dOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  return inferPool(loc, getOperationName(), adaptor, adaptor.getDilation(),
                   results);
}

LogicalResult AvgPool2dOp::inferReturnTypes(MLIRContext *,
                                            std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &results) {
  static constexpr int64_t kNoDilation[] = {1, 1};
  return inferPool(loc, getOperationName(), adaptor, kNoDilation, results);
}

LogicalResult CrossEntropyOp::inferReturnTypes(MLIRContext *,
                                               std::optional<Location> loc,
                                               Adaptor adaptor,
                                               SmallVectorImpl<Type> &results) {
  LocatedError error{loc, getOperationName()};
  auto logits = tensorTypeOf(adaptor.getLogits());
  auto labels = tensorTypeOf(adaptor.getLabels());
  if (!logits || !labels ||
      failed(shape::checkCrossEntropy(logits.getShape(), labels.getShape(),
                                      error)))
    return failure();
  double smoothing = adaptor.getLabelSmoothing().convertToDouble();
  if (!(smoothing >= 0.0 && smoothing <= 1.0)) {
    error("label_smoothing must be in [0, 1], got " + std::to_string(smoothing));
    return failure();
  }
  results.push_back(RankedTensorType::get({}, logits.getElementType()));
  return success();
}

LogicalResult MseLossOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &results) {
  LocatedError error{loc, getOperationName()};
  auto input = tensorTypeOf(adaptor.getInput());
  auto target = tensorTypeOf(adaptor.getTarget());
  if (!input || !target ||
      failed(checkSameElementType(adaptor.getInput(), adaptor.getTarget(),
                                  "input", "target", error)) ||
      failed(shape::checkSameShape(input.getShape(), target.getShape(),
                                   "target", error)))
    return failure();
  results.push_back(RankedTensorType::get({}, input.getElementType()));
  return success();
}
