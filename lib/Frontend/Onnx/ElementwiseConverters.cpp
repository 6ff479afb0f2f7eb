//===- ElementwiseConverters.cpp - elementwise ONNX ops -------------------===//
//
// Arithmetic, comparisons, activations, Where, Clip and Cast; known
// inputs are computed on the host where exporters do shape arithmetic.
//
//===----------------------------------------------------------------------===//

#include "ConverterSupport.h"

#include "llvm/ADT/StringSwitch.h"

#include <algorithm>
#include <cmath>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::frontend;
using namespace mlir::tcc::frontend::onnx_import;

namespace {

template <Tensor (Tensor::*Method)(SourceLoc) const>
LogicalResult unaryOp(NodeImporter &n) {
  Tensor x = n.input(0);
  return result(n, x.valid() ? (x.*Method)(SourceLoc()) : Tensor());
}

LogicalResult convertIdentity(NodeImporter &n) {
  if (const HostArray *value = n.known(0)) {
    n.setKnownOutput(0, *value);
    return success();
  }
  return result(n, n.input(0));
}

LogicalResult convertDropout(NodeImporter &n) {
  // Inference: the identity. A training-mode dropout would need tcc's own
  // random streams; refuse rather than silently drop nothing.
  if (n.hasInput(2)) {
    const HostArray *training = n.requireKnown(2, "training_mode");
    if (!training)
      return failure();
    if (knownInts(*training).front() != 0)
      return n.fail("training-mode Dropout is not supported; export the "
                    "model in eval mode");
  }
  if (n.numOutputs() > 1 && !n.node().output(1).empty())
    return n.fail("the mask output of Dropout is not supported");
  return convertIdentity(n);
}

LogicalResult convertReciprocal(NodeImporter &n) {
  Tensor x = n.input(0);
  if (!x.valid())
    return failure();
  return result(n, n.graph().constantLike(x, 1.0, SourceLoc()).div(x, SourceLoc()));
}

/// The arithmetic of a binary op on known values.
double applyBinary(StringRef op, double a, double b, bool integer) {
  if (op == "Add")
    return a + b;
  if (op == "Sub")
    return a - b;
  if (op == "Mul")
    return a * b;
  if (op == "Div")
    return integer ? (b == 0 ? 0 : std::trunc(a / b)) : a / b;
  if (op == "Pow")
    return std::pow(a, b);
  if (op == "Equal")
    return a == b;
  if (op == "Less")
    return a < b;
  if (op == "LessOrEqual")
    return a <= b;
  if (op == "Greater")
    return a > b;
  if (op == "GreaterOrEqual")
    return a >= b;
  if (op == "Max")
    return std::max(a, b);
  return std::min(a, b);
}

std::optional<CompareDirection> comparisonOf(StringRef op) {
  return llvm::StringSwitch<std::optional<CompareDirection>>(op)
      .Case("Equal", CompareDirection::eq)
      .Case("Less", CompareDirection::lt)
      .Case("LessOrEqual", CompareDirection::le)
      .Case("Greater", CompareDirection::gt)
      .Case("GreaterOrEqual", CompareDirection::ge)
      .Default(std::nullopt);
}

LogicalResult convertBinary(NodeImporter &n) {
  StringRef op = n.node().op_type();
  std::optional<CompareDirection> comparison = comparisonOf(op);
  if (n.allInputsKnown()) {
    const HostArray &a = *n.known(0), &b = *n.known(1);
    bool integer = !::tcc::rt::isFloat(a.dtype);
    std::optional<HostArray> folded = broadcastKnown(
        a, b, comparison ? DType::Bool : a.dtype,
        [&](double x, double y) { return applyBinary(op, x, y, integer); });
    if (folded) {
      n.setKnownOutput(0, std::move(*folded));
      return success();
    }
  }
  Tensor a = n.input(0), b = n.input(1);
  if (!a.valid() || !b.valid())
    return failure();
  if (op == "Pow" && b.elementType() != a.elementType())
    b = b.cast(a.elementType(), SourceLoc()); // ONNX allows a mixed exponent
  if (comparison)
    return result(n, a.compare(*comparison, b, SourceLoc()));
  Tensor (Tensor::*method)(const Tensor &, SourceLoc) const =
      llvm::StringSwitch<Tensor (Tensor::*)(const Tensor &, SourceLoc) const>(op)
          .Case("Add", &Tensor::add)
          .Case("Sub", &Tensor::sub)
          .Case("Mul", &Tensor::mul)
          .Case("Div", &Tensor::div)
          .Case("Pow", &Tensor::pow)
          .Default(nullptr);
  return result(n, (a.*method)(b, SourceLoc()));
}

/// Max, Min and Sum take any number of inputs.
LogicalResult convertVariadic(NodeImporter &n) {
  StringRef op = n.node().op_type();
  Tensor acc = n.input(0);
  for (int i = 1; i < n.numInputs() && acc.valid(); ++i) {
    Tensor next = n.input(i);
    if (!next.valid())
      return failure();
    acc = op == "Sum"   ? acc.add(next, SourceLoc())
          : op == "Max" ? acc.maximum(next, SourceLoc())
                        : acc.minimum(next, SourceLoc());
  }
  return result(n, acc);
}

LogicalResult convertWhere(NodeImporter &n) {
  if (n.allInputsKnown())
    if (std::optional<HostArray> folded =
            whereKnown(*n.known(0), *n.known(1), *n.known(2))) {
      n.setKnownOutput(0, std::move(*folded));
      return success();
    }
  Tensor c = n.input(0), a = n.input(1), b = n.input(2);
  if (!c.valid() || !a.valid() || !b.valid())
    return failure();
  return result(n, where(c, a, b, SourceLoc()));
}

LogicalResult convertClip(NodeImporter &n) {
  Tensor x = n.input(0);
  if (!x.valid())
    return failure();
  for (int i : {1, 2}) {
    if (!n.hasInput(i))
      continue;
    Tensor bound = n.input(i);
    if (!bound.valid())
      return failure();
    x = i == 1 ? x.maximum(bound, SourceLoc()) : x.minimum(bound, SourceLoc());
  }
  return result(n, x);
}

LogicalResult convertCast(NodeImporter &n) {
  int64_t to = n.intAttr("to", 0);
  std::optional<DType> dtype = dtypeOfOnnx(static_cast<int32_t>(to));
  Type element = dtype ? elementTypeOf(*dtype, n.graph().builder().getContext())
                       : Type();
  if (!element)
    return n.fail("cannot cast to " + onnxTypeName(static_cast<int32_t>(to)) +
                  ", which tcc does not compute with");
  if (const HostArray *value = n.known(0)) {
    n.setKnownOutput(0, castKnown(*value, *dtype));
    return success();
  }
  Tensor x = n.input(0);
  return result(n, x.valid() ? x.cast(element, SourceLoc()) : Tensor());
}

} // namespace

void onnx_import::addElementwiseConverters(llvm::StringMap<NodeConverter> &table) {
  table.insert({
      {"Relu", unaryOp<&Tensor::relu>},
      {"Sigmoid", unaryOp<&Tensor::sigmoid>},
      {"Tanh", unaryOp<&Tensor::tanh>},
      {"Exp", unaryOp<&Tensor::exp>},
      {"Log", unaryOp<&Tensor::log>},
      {"Sqrt", unaryOp<&Tensor::sqrt>},
      {"Erf", unaryOp<&Tensor::erf>},
      {"Abs", unaryOp<&Tensor::abs>},
      {"Neg", unaryOp<&Tensor::neg>},
      {"Reciprocal", convertReciprocal},
      {"Identity", convertIdentity},
      {"Dropout", convertDropout},
      {"Add", convertBinary},
      {"Sub", convertBinary},
      {"Mul", convertBinary},
      {"Div", convertBinary},
      {"Pow", convertBinary},
      {"Equal", convertBinary},
      {"Less", convertBinary},
      {"LessOrEqual", convertBinary},
      {"Greater", convertBinary},
      {"GreaterOrEqual", convertBinary},
      {"Max", convertVariadic},
      {"Min", convertVariadic},
      {"Sum", convertVariadic},
      {"Where", convertWhere},
      {"Clip", convertClip},
      {"Cast", convertCast},
  });
}
