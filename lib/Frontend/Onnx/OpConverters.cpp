//===- OpConverters.cpp - one converter per ONNX op -----------------------===//
//
// Each converter reads its node through NodeImporter and records tcc ops
// through the Graph API, which checks shapes and broadcasts like NumPy (as
// ONNX does). Ops whose inputs are all known at import time are computed on
// the host instead where ONNX exporters use them for shape arithmetic.
// Semantics follow the ONNX operator specification for opsets 13-17.
//
//===----------------------------------------------------------------------===//

#include "KnownValues.h"
#include "NodeImporter.h"

#include "tcc/Support/DType.h"

#include "llvm/ADT/StringSwitch.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::frontend;
using namespace mlir::tcc::frontend::onnx_import;

namespace {

std::string shapeText(ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

/// A tensor of `shape` filled with `value`.
Tensor splat(NodeImporter &n, Type element, double value,
             ArrayRef<int64_t> shape) {
  OpBuilder &b = n.graph().builder();
  Attribute scalar = isa<FloatType>(element)
                         ? Attribute(b.getFloatAttr(element, value))
                         : Attribute(b.getIntegerAttr(element, int64_t(value)));
  Tensor t = n.graph().constant(
      DenseElementsAttr::get(RankedTensorType::get({}, element), scalar));
  return t.broadcastTo(shape, SourceLoc());
}

/// Sets output 0 and reports whether the graph accepted the op.
LogicalResult result(NodeImporter &n, Tensor value, int output = 0) {
  if (!value.valid())
    return failure();
  n.setOutput(output, value);
  return success();
}

//===----------------------------------------------------------------------===//
// Elementwise
//===----------------------------------------------------------------------===//

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

//===----------------------------------------------------------------------===//
// Constants and shapes
//===----------------------------------------------------------------------===//

LogicalResult convertConstant(NodeImporter &n) {
  const onnx::AttributeProto *value = n.attribute("value");
  if (value && value->has_t()) {
    ::tcc::rt::StatusOr<HostArray> array =
        decodeTensor(value->t(), n.model().model, "the value");
    if (!array)
      return n.fail(array.status().message());
    n.setKnownOutput(0, std::move(*array));
    return success();
  }
  if (const onnx::AttributeProto *a = n.attribute("value_int")) {
    n.setKnownOutput(0, makeInts({a->i()}, /*scalar=*/true));
    return success();
  }
  if (const onnx::AttributeProto *a = n.attribute("value_ints")) {
    n.setKnownOutput(0, makeInts({a->ints().begin(), a->ints().end()}));
    return success();
  }
  if (const onnx::AttributeProto *a = n.attribute("value_float")) {
    HostArray array{DType::F32, {}, std::vector<uint8_t>(4)};
    ::tcc::rt::setElement(array, 0, a->f());
    n.setKnownOutput(0, std::move(array));
    return success();
  }
  if (const onnx::AttributeProto *a = n.attribute("value_floats")) {
    HostArray array{DType::F32, {int64_t(a->floats_size())},
                    std::vector<uint8_t>(4 * a->floats_size())};
    for (int i = 0; i < a->floats_size(); ++i)
      ::tcc::rt::setElement(array, i, a->floats(i));
    n.setKnownOutput(0, std::move(array));
    return success();
  }
  return n.fail("only tensor, int(s) and float(s) constants are supported");
}

LogicalResult convertConstantOfShape(NodeImporter &n) {
  std::optional<std::vector<int64_t>> shape = n.requireInts(0, "shape");
  if (!shape)
    return failure();
  HostArray fill{DType::F32, {}, std::vector<uint8_t>(4, 0)};
  if (const onnx::AttributeProto *value = n.attribute("value")) {
    ::tcc::rt::StatusOr<HostArray> array =
        decodeTensor(value->t(), n.model().model, "the value");
    if (!array)
      return n.fail(array.status().message());
    if (array->numElements() != 1)
      return n.fail("the value must hold one element");
    fill = std::move(*array);
  }
  HostArray zero{fill.dtype, {}, fill.bytes};
  std::optional<HostArray> filled = broadcastKnown(
      zero, HostArray{DType::Bool, *shape,
                      std::vector<uint8_t>(::tcc::rt::checkedNumElements(*shape)
                                               .value_or(0))},
      fill.dtype, [](double v, double) { return v; });
  if (filled) {
    n.setKnownOutput(0, std::move(*filled));
    return success();
  }
  // Too large to keep on the host: a splat broadcast in the graph.
  Tensor scalar = n.graph().constant(denseAttrOf(
      zero, elementTypeOf(zero.dtype, n.graph().builder().getContext())));
  return result(n, scalar.broadcastTo(*shape, SourceLoc()));
}

LogicalResult convertShape(NodeImporter &n) {
  std::optional<std::vector<int64_t>> shape = n.shapeOf(0);
  if (!shape)
    return n.fail("the input's shape is unknown");
  int64_t rank = shape->size();
  int64_t start = n.intAttr("start", 0), end = n.intAttr("end", rank);
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  n.setKnownOutput(0, makeInts(std::vector<int64_t>(
                          shape->begin() + start,
                          shape->begin() + std::max(start, end))));
  return success();
}

LogicalResult convertRange(NodeImporter &n) {
  const HostArray *start = n.requireKnown(0, "start");
  const HostArray *limit = n.requireKnown(1, "limit");
  const HostArray *delta = n.requireKnown(2, "delta");
  if (!start || !limit || !delta)
    return failure();
  double s = ::tcc::rt::getElement(*start, 0);
  double l = ::tcc::rt::getElement(*limit, 0);
  double d = ::tcc::rt::getElement(*delta, 0);
  if (d == 0)
    return n.fail("delta is 0");
  int64_t count = std::max<int64_t>(0, std::ceil((l - s) / d));
  if (count > kMaxKnownElements)
    return n.fail("the range has " + Twine(count) + " elements, too many");
  HostArray array{start->dtype, {count},
                  std::vector<uint8_t>(count * ::tcc::rt::dtypeSize(start->dtype))};
  for (int64_t i = 0; i < count; ++i)
    ::tcc::rt::setElement(array, i, s + i * d);
  n.setKnownOutput(0, std::move(array));
  return success();
}

/// Output shape of Reshape: 0 copies the input's dimension (unless
/// allowzero), -1 is inferred.
std::optional<std::vector<int64_t>>
reshapeTarget(NodeImporter &n, const std::vector<int64_t> &input,
              std::vector<int64_t> target, bool allowZero) {
  const std::vector<int64_t> given = target; // for messages
  int64_t inferred = -1, known = 1;
  for (size_t d = 0; d < target.size(); ++d) {
    if (target[d] == 0 && !allowZero) {
      if (d >= input.size()) {
        n.error("shape " + shapeText(given) + " copies dimension " + Twine(d) +
               " of a rank-" + Twine(input.size()) + " input");
        return std::nullopt;
      }
      target[d] = input[d];
    }
    if (target[d] == -1) {
      if (inferred >= 0) {
        n.error("shape " + shapeText(given) + " has two -1 dimensions");
        return std::nullopt;
      }
      inferred = d;
    } else if (target[d] < 0) {
      n.error("shape " + shapeText(given) + " has a negative dimension");
      return std::nullopt;
    } else {
      known *= target[d];
    }
  }
  int64_t total = ::tcc::rt::checkedNumElements(input).value_or(-1);
  if (inferred >= 0) {
    if (known == 0 || total % known != 0) {
      n.error("cannot reshape " + shapeText(input) + " to " + shapeText(given));
      return std::nullopt;
    }
    target[inferred] = total / known;
  }
  return target;
}

LogicalResult reshapeTo(NodeImporter &n, const std::vector<int64_t> &shape) {
  if (const HostArray *value = n.known(0)) {
    if (::tcc::rt::checkedNumElements(shape) != value->numElements())
      return n.fail("cannot reshape " + shapeText(value->shape) + " to " +
                    shapeText(shape));
    HostArray reshaped = *value;
    reshaped.shape = shape;
    n.setKnownOutput(0, std::move(reshaped));
    return success();
  }
  Tensor x = n.input(0);
  return result(n, x.valid() ? x.reshape(shape, SourceLoc()) : Tensor());
}

LogicalResult convertReshape(NodeImporter &n) {
  std::optional<std::vector<int64_t>> input = n.shapeOf(0);
  std::optional<std::vector<int64_t>> target = n.requireInts(1, "shape");
  if (!input || !target)
    return failure();
  std::optional<std::vector<int64_t>> shape =
      reshapeTarget(n, *input, *target, n.intAttr("allowzero", 0) != 0);
  return shape ? reshapeTo(n, *shape) : failure();
}

LogicalResult convertFlatten(NodeImporter &n) {
  std::optional<std::vector<int64_t>> input = n.shapeOf(0);
  if (!input)
    return n.fail("the input's shape is unknown");
  int64_t rank = input->size();
  int64_t axis = n.intAttr("axis", 1);
  if (axis < -rank || axis > rank)
    return n.fail("axis " + Twine(axis) + " is outside [" + Twine(-rank) +
                  ", " + Twine(rank) + "]");
  if (axis < 0)
    axis += rank;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d)
    (d < axis ? outer : inner) *= (*input)[d];
  return reshapeTo(n, {outer, inner});
}

/// Axes of Squeeze/Unsqueeze: an input from opset 13.
std::optional<std::vector<int64_t>> axesOf(NodeImporter &n, int input) {
  if (n.hasInput(input))
    return n.requireInts(input, "axes");
  if (std::optional<std::vector<int64_t>> attr = n.intsAttr("axes"))
    return attr;
  return std::vector<int64_t>{};
}

LogicalResult convertSqueeze(NodeImporter &n) {
  std::optional<std::vector<int64_t>> input = n.shapeOf(0);
  std::optional<std::vector<int64_t>> axes = axesOf(n, 1);
  if (!input || !axes)
    return failure();
  int64_t rank = input->size();
  std::vector<bool> drop(rank, false);
  if (axes->empty())
    for (int64_t d = 0; d < rank; ++d)
      drop[d] = (*input)[d] == 1;
  for (int64_t axis : *axes) {
    std::optional<int64_t> d = n.normalizeAxis(axis, rank, "axis");
    if (!d)
      return failure();
    if ((*input)[*d] != 1)
      return n.fail("cannot squeeze dimension " + Twine(*d) + " of " +
                    shapeText(*input) + ": it is not 1");
    drop[*d] = true;
  }
  std::vector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d)
    if (!drop[d])
      shape.push_back((*input)[d]);
  return reshapeTo(n, shape);
}

LogicalResult convertUnsqueeze(NodeImporter &n) {
  std::optional<std::vector<int64_t>> input = n.shapeOf(0);
  std::optional<std::vector<int64_t>> axes = axesOf(n, 1);
  if (!input || !axes)
    return failure();
  int64_t rank = input->size() + axes->size();
  std::vector<bool> inserted(rank, false);
  for (int64_t axis : *axes) {
    std::optional<int64_t> d = n.normalizeAxis(axis, rank, "axis");
    if (!d)
      return failure();
    if (inserted[*d])
      return n.fail("axis " + Twine(axis) + " is given twice");
    inserted[*d] = true;
  }
  std::vector<int64_t> shape;
  size_t next = 0;
  for (int64_t d = 0; d < rank; ++d)
    shape.push_back(inserted[d] ? 1 : (*input)[next++]);
  return reshapeTo(n, shape);
}

LogicalResult convertExpand(NodeImporter &n) {
  std::optional<std::vector<int64_t>> target = n.requireInts(1, "shape");
  Tensor x = n.input(0);
  if (!target || !x.valid())
    return failure();
  // Expand broadcasts both ways: the result is the common shape.
  std::vector<int64_t> shape(std::max<size_t>(target->size(), x.rank()), 1);
  auto merge = [&](ArrayRef<int64_t> from) {
    for (size_t d = 0; d < from.size(); ++d) {
      int64_t &out = shape[shape.size() - from.size() + d];
      if (out == 1)
        out = from[d];
      else if (from[d] != 1 && from[d] != out)
        return false;
    }
    return true;
  };
  if (!merge(x.shape()) || !merge(*target))
    return n.fail("cannot expand " + shapeText(x.shape()) + " to " +
                  shapeText(*target));
  return result(n, x.broadcastTo(shape, SourceLoc()));
}

LogicalResult convertTranspose(NodeImporter &n) {
  std::optional<std::vector<int64_t>> input = n.shapeOf(0);
  if (!input)
    return n.fail("the input's shape is unknown");
  std::vector<int64_t> permutation(input->size());
  std::iota(permutation.rbegin(), permutation.rend(), 0);
  if (std::optional<std::vector<int64_t>> perm = n.intsAttr("perm"))
    permutation = *perm;
  if (const HostArray *value = n.known(0)) {
    std::vector<int64_t> sorted = permutation;
    std::sort(sorted.begin(), sorted.end());
    for (size_t d = 0; d < sorted.size(); ++d)
      if (sorted[d] != int64_t(d) || sorted.size() != input->size())
        return n.fail("perm is not a permutation of the input's dimensions");
    n.setKnownOutput(0, transposeKnown(*value, permutation));
    return success();
  }
  Tensor x = n.input(0);
  return result(n, x.valid() ? x.transpose(permutation, SourceLoc()) : Tensor());
}

LogicalResult convertConcat(NodeImporter &n) {
  std::optional<std::vector<int64_t>> first = n.shapeOf(0);
  if (!first)
    return n.fail("the first input's shape is unknown");
  std::optional<int64_t> axis =
      n.normalizeAxis(n.intAttr("axis", 0), first->size(), "axis");
  if (!axis)
    return failure();
  if (n.allInputsKnown()) {
    std::vector<const HostArray *> arrays;
    bool matching = true;
    for (int i = 0; i < n.numInputs(); ++i) {
      arrays.push_back(n.known(i));
      matching &= arrays.back()->dtype == arrays.front()->dtype &&
                  arrays.back()->shape.size() == first->size();
      for (size_t d = 0; matching && d < first->size(); ++d)
        matching &= int64_t(d) == *axis || arrays.back()->shape[d] == (*first)[d];
    }
    if (matching) {
      n.setKnownOutput(0, concatKnown(arrays, *axis));
      return success();
    }
  }
  SmallVector<Tensor> inputs;
  for (int i = 0; i < n.numInputs(); ++i) {
    inputs.push_back(n.input(i));
    if (!inputs.back().valid())
      return failure();
  }
  return result(n, concat(inputs, *axis, SourceLoc()));
}

/// Slice of input 0 by per-dimension start/limit/stride, on the host when
/// the input is known.
LogicalResult sliceInto(NodeImporter &n, int output,
                        const std::vector<int64_t> &start,
                        const std::vector<int64_t> &limit,
                        const std::vector<int64_t> &stride) {
  if (const HostArray *value = n.known(0)) {
    n.setKnownOutput(output, sliceKnown(*value, start, limit, stride));
    return success();
  }
  Tensor x = n.input(0);
  return result(n, x.valid() ? x.slice(start, limit, stride, SourceLoc())
                             : Tensor(),
                output);
}

LogicalResult convertSlice(NodeImporter &n) {
  std::optional<std::vector<int64_t>> input = n.shapeOf(0);
  std::optional<std::vector<int64_t>> starts = n.requireInts(1, "starts");
  std::optional<std::vector<int64_t>> ends = n.requireInts(2, "ends");
  if (!input || !starts || !ends)
    return failure();
  int64_t rank = input->size();
  std::vector<int64_t> axes(starts->size()), steps(starts->size(), 1);
  std::iota(axes.begin(), axes.end(), 0);
  if (n.hasInput(3)) {
    std::optional<std::vector<int64_t>> given = n.requireInts(3, "axes");
    if (!given)
      return failure();
    axes = *given;
  }
  if (n.hasInput(4)) {
    std::optional<std::vector<int64_t>> given = n.requireInts(4, "steps");
    if (!given)
      return failure();
    steps = *given;
  }
  if (ends->size() != starts->size() || axes.size() != starts->size() ||
      steps.size() != starts->size())
    return n.fail("starts, ends, axes and steps differ in length");
  std::vector<int64_t> start(rank, 0), limit(*input), stride(rank, 1);
  for (size_t i = 0; i < axes.size(); ++i) {
    std::optional<int64_t> d = n.normalizeAxis(axes[i], rank, "axis");
    if (!d)
      return failure();
    int64_t dim = (*input)[*d];
    if (steps[i] <= 0)
      return n.fail("step " + Twine(steps[i]) +
                    " is not supported: tcc slices with positive steps");
    // ONNX clamps starts and ends into [0, dim] after adding dim to
    // negatives; INT64_MAX means "to the end".
    auto clampIndex = [&](int64_t v) {
      if (v < 0)
        v = v < -dim ? 0 : v + dim;
      return std::min(v, dim);
    };
    start[*d] = clampIndex((*starts)[i]);
    limit[*d] = std::max(start[*d], clampIndex((*ends)[i]));
    stride[*d] = steps[i];
  }
  return sliceInto(n, 0, start, limit, stride);
}

LogicalResult convertSplit(NodeImporter &n) {
  std::optional<std::vector<int64_t>> input = n.shapeOf(0);
  if (!input)
    return n.fail("the input's shape is unknown");
  int64_t rank = input->size();
  std::optional<int64_t> axis =
      n.normalizeAxis(n.intAttr("axis", 0), rank, "axis");
  if (!axis)
    return failure();
  int64_t dim = (*input)[*axis];
  int64_t parts = n.numOutputs();
  std::vector<int64_t> sizes;
  if (n.hasInput(1)) {
    std::optional<std::vector<int64_t>> given = n.requireInts(1, "split");
    if (!given)
      return failure();
    sizes = *given;
  } else if (std::optional<std::vector<int64_t>> attr = n.intsAttr("split")) {
    sizes = *attr;
  } else {
    if (dim % parts != 0)
      return n.fail("cannot split dimension " + Twine(*axis) + " of " +
                    shapeText(*input) + " into " + Twine(parts) +
                    " equal parts");
    sizes.assign(parts, dim / parts);
  }
  if (int64_t(sizes.size()) != parts ||
      std::accumulate(sizes.begin(), sizes.end(), int64_t(0)) != dim ||
      llvm::any_of(sizes, [](int64_t s) { return s < 0; }))
    return n.fail("split sizes " + shapeText(sizes) + " do not cover dimension " +
                  Twine(*axis) + " of " + shapeText(*input) + " in " +
                  Twine(parts) + " outputs");
  int64_t offset = 0;
  for (int64_t i = 0; i < parts; ++i) {
    std::vector<int64_t> start(rank, 0), limit(*input), stride(rank, 1);
    start[*axis] = offset;
    limit[*axis] = offset + sizes[i];
    offset += sizes[i];
    if (failed(sliceInto(n, i, start, limit, stride)))
      return failure();
  }
  return success();
}

LogicalResult convertPad(NodeImporter &n) {
  std::string mode = n.stringAttr("mode", "constant");
  if (mode != "constant")
    return n.fail("mode '" + mode + "' is not supported (only 'constant')");
  Tensor x = n.input(0);
  std::optional<std::vector<int64_t>> pads = n.requireInts(1, "pads");
  if (!x.valid() || !pads)
    return failure();
  int64_t rank = x.rank();
  if (static_cast<int64_t>(pads->size()) != 2 * rank)
    return n.fail("pads " + shapeText(*pads) + " must have 2 x rank = " +
                  Twine(2 * rank) + " entries");
  double fill = 0.0;
  if (n.hasInput(2)) {
    const HostArray *value = n.requireKnown(2, "constant_value");
    if (!value)
      return failure();
    fill = ::tcc::rt::getElement(*value, 0);
  }
  // Per dimension: negative pads crop, positive ones concatenate blocks of
  // the fill value on either side.
  for (int64_t d = 0; d < rank && x.valid(); ++d) {
    int64_t before = (*pads)[d], after = (*pads)[d + rank];
    if (before < 0 || after < 0) {
      SmallVector<int64_t> start(rank, 0), limit(x.shape());
      start[d] = std::max<int64_t>(0, -before);
      limit[d] = std::max(start[d], x.shape()[d] - std::max<int64_t>(0, -after));
      x = x.slice(start, limit, {}, SourceLoc());
    }
    SmallVector<Tensor> pieces;
    for (int64_t width : {before, int64_t(-1), after}) {
      if (width == -1) {
        pieces.push_back(x);
        continue;
      }
      if (width <= 0)
        continue;
      SmallVector<int64_t> shape(x.shape());
      shape[d] = width;
      pieces.push_back(splat(n, x.elementType(), fill, shape));
    }
    if (pieces.size() > 1)
      x = concat(pieces, d, SourceLoc());
  }
  return result(n, x);
}

LogicalResult convertGather(NodeImporter &n) {
  std::optional<std::vector<int64_t>> input = n.shapeOf(0);
  if (!input)
    return n.fail("the input's shape is unknown");
  std::optional<int64_t> axis =
      n.normalizeAxis(n.intAttr("axis", 0), input->size(), "axis");
  if (!axis)
    return failure();
  int64_t dim = (*input)[*axis];
  if (const HostArray *indices = n.known(1)) {
    // Known indices: negative ones count from the end, checked here.
    std::vector<int64_t> values = knownInts(*indices);
    for (int64_t &v : values) {
      if (v < -dim || v >= dim)
        return n.fail("index " + Twine(v) + " is outside dimension " +
                      Twine(*axis) + " of " + shapeText(*input));
      if (v < 0)
        v += dim;
    }
    if (const HostArray *data = n.known(0))
      if (std::optional<HostArray> folded =
              gatherKnown(*data, values, indices->shape, *axis)) {
        n.setKnownOutput(0, std::move(*folded));
        return success();
      }
    HostArray normalized = makeInts(values);
    normalized.shape = indices->shape;
    Tensor x = n.input(0);
    Tensor index = n.graph().constant(denseAttrOf(
        normalized, n.graph().builder().getI64Type()));
    return result(n, x.valid() ? x.gather(index, *axis, SourceLoc()) : Tensor());
  }
  Tensor x = n.input(0), index = n.input(1);
  if (!x.valid() || !index.valid())
    return failure();
  return result(n, x.gather(index, *axis, SourceLoc()));
}

//===----------------------------------------------------------------------===//
// Reductions and normalizations
//===----------------------------------------------------------------------===//

LogicalResult convertReduce(NodeImporter &n) {
  StringRef op = n.node().op_type();
  Tensor x = n.input(0);
  if (!x.valid())
    return failure();
  std::vector<int64_t> axes;
  // ReduceSum takes its axes as an input from opset 13; the others until
  // opset 18 as an attribute.
  if (n.hasInput(1)) {
    std::optional<std::vector<int64_t>> given = n.requireInts(1, "axes");
    if (!given)
      return failure();
    axes = *given;
  } else if (std::optional<std::vector<int64_t>> attr = n.intsAttr("axes")) {
    axes = *attr;
  }
  if (axes.empty()) {
    if (n.intAttr("noop_with_empty_axes", 0))
      return result(n, x);
    axes.resize(x.rank());
    std::iota(axes.begin(), axes.end(), 0);
  }
  for (int64_t &axis : axes) {
    std::optional<int64_t> d = n.normalizeAxis(axis, x.rank(), "axis");
    if (!d)
      return failure();
    axis = *d;
  }
  std::sort(axes.begin(), axes.end());
  bool keepdims = n.intAttr("keepdims", 1) != 0;
  Tensor y = op == "ReduceSum"    ? x.sum(axes, keepdims, SourceLoc())
             : op == "ReduceMean" ? x.mean(axes, keepdims, SourceLoc())
             : op == "ReduceMax"  ? x.max(axes, keepdims, SourceLoc())
             : op == "ReduceMin"  ? x.min(axes, keepdims, SourceLoc())
                                  : x.prod(axes, keepdims, SourceLoc());
  return result(n, y);
}

LogicalResult convertGlobalPool(NodeImporter &n) {
  Tensor x = n.input(0);
  if (!x.valid())
    return failure();
  if (x.rank() < 3)
    return n.fail("the input must be [N, C, spatial...], got " +
                  shapeText(x.shape()));
  std::vector<int64_t> axes(x.rank() - 2);
  std::iota(axes.begin(), axes.end(), 2);
  bool average = n.node().op_type() == "GlobalAveragePool";
  return result(n, average ? x.mean(axes, true, SourceLoc())
                           : x.max(axes, true, SourceLoc()));
}

template <bool Log> LogicalResult convertSoftmax(NodeImporter &n) {
  Tensor x = n.input(0);
  if (!x.valid())
    return failure();
  std::optional<int64_t> axis =
      n.normalizeAxis(n.intAttr("axis", -1), x.rank(), "axis");
  if (!axis)
    return failure();
  return result(n, Log ? x.logSoftmax(*axis, SourceLoc())
                       : x.softmax(*axis, SourceLoc()));
}

LogicalResult convertLayerNormalization(NodeImporter &n) {
  Tensor x = n.input(0), scale = n.input(1);
  if (!x.valid() || !scale.valid())
    return failure();
  for (int i = 1; i < n.numOutputs(); ++i)
    if (!n.node().output(i).empty())
      return n.fail("the Mean and InvStdDev outputs are not supported");
  std::optional<int64_t> axis =
      n.normalizeAxis(n.intAttr("axis", -1), x.rank(), "axis");
  if (!axis)
    return failure();
  ArrayRef<int64_t> normalized = x.shape().drop_front(*axis);
  // tcc.layer_norm takes weight and bias of the normalized shape.
  Tensor weight = scale.broadcastTo(normalized, SourceLoc());
  Tensor bias = n.hasInput(2)
                    ? n.input(2).broadcastTo(normalized, SourceLoc())
                    : n.graph().constantLike(weight, 0.0, SourceLoc());
  return result(n, layerNorm(x, weight, bias, n.floatAttr("epsilon", 1e-5),
                             SourceLoc()));
}

LogicalResult convertBatchNormalization(NodeImporter &n) {
  if (n.intAttr("training_mode", 0) != 0)
    return n.fail("training-mode BatchNormalization is not supported; "
                  "export the model in eval mode");
  Tensor x = n.input(0), scale = n.input(1), bias = n.input(2),
         mean = n.input(3), var = n.input(4);
  if (!x.valid() || !scale.valid() || !bias.valid() || !mean.valid() ||
      !var.valid())
    return failure();
  BatchNormResult y = batchNorm(x, scale, bias, mean, var, /*training=*/false,
                                0.1, n.floatAttr("epsilon", 1e-5), SourceLoc());
  return result(n, y.output);
}

//===----------------------------------------------------------------------===//
// Contractions and windows
//===----------------------------------------------------------------------===//

LogicalResult convertMatMul(NodeImporter &n) {
  Tensor a = n.input(0), b = n.input(1);
  if (!a.valid() || !b.valid())
    return failure();
  // numpy.matmul: a 1-D operand gains a dimension that the result drops.
  bool vectorLhs = a.rank() == 1, vectorRhs = b.rank() == 1;
  if (vectorLhs)
    a = a.reshape({1, a.shape()[0]}, SourceLoc());
  if (vectorRhs)
    b = b.reshape({b.shape()[0], 1}, SourceLoc());
  Tensor y = a.matmul(b, false, false, SourceLoc());
  if (y.valid() && (vectorLhs || vectorRhs)) {
    SmallVector<int64_t> shape(y.shape());
    if (vectorRhs)
      shape.pop_back();
    if (vectorLhs)
      shape.erase(shape.end() - (vectorRhs ? 1 : 2));
    y = y.reshape(shape, SourceLoc());
  }
  return result(n, y);
}

LogicalResult convertGemm(NodeImporter &n) {
  Tensor a = n.input(0), b = n.input(1);
  if (!a.valid() || !b.valid())
    return failure();
  if (a.rank() != 2 || b.rank() != 2)
    return n.fail("A and B must be matrices, got " + shapeText(a.shape()) +
                  " and " + shapeText(b.shape()));
  double alpha = n.floatAttr("alpha", 1.0), beta = n.floatAttr("beta", 1.0);
  Tensor y = a.matmul(b, n.intAttr("transA", 0) != 0,
                      n.intAttr("transB", 0) != 0, SourceLoc());
  if (alpha != 1.0)
    y = y.mul(alpha, SourceLoc());
  if (n.hasInput(2) && beta != 0.0) {
    Tensor c = n.input(2);
    if (beta != 1.0)
      c = c.mul(beta, SourceLoc());
    y = y.add(c, SourceLoc());
  }
  return result(n, y);
}

/// Spatial attributes shared by Conv and the pools, checked for 2-D.
struct Window {
  SmallVector<int64_t, 2> kernel, stride{1, 1}, dilation{1, 1};
  /// tcc order: [top, bottom, left, right].
  SmallVector<int64_t, 4> padding{0, 0, 0, 0};
};

std::optional<Window> windowOf(NodeImporter &n, ArrayRef<int64_t> input,
                               std::optional<std::vector<int64_t>> kernel) {
  if (input.size() != 4) {
    n.error("only 2-D windows over [N, C, H, W] inputs are supported, got " +
           shapeText(input));
    return std::nullopt;
  }
  Window w;
  if (!kernel || kernel->size() != 2) {
    n.error("kernel_shape must have 2 entries");
    return std::nullopt;
  }
  w.kernel.assign(kernel->begin(), kernel->end());
  if (auto strides = n.intsAttr("strides"); strides && !strides->empty())
    w.stride.assign(strides->begin(), strides->end());
  if (auto dilations = n.intsAttr("dilations"); dilations && !dilations->empty())
    w.dilation.assign(dilations->begin(), dilations->end());
  if (w.stride.size() != 2 || w.dilation.size() != 2) {
    n.error("strides and dilations must have 2 entries");
    return std::nullopt;
  }
  std::string autoPad = n.stringAttr("auto_pad", "NOTSET");
  if (autoPad == "NOTSET") {
    if (auto pads = n.intsAttr("pads"); pads && !pads->empty()) {
      if (pads->size() != 4) {
        n.error("pads must have 4 entries, got " + shapeText(*pads));
        return std::nullopt;
      }
      // ONNX: [h_begin, w_begin, h_end, w_end].
      w.padding = {(*pads)[0], (*pads)[2], (*pads)[1], (*pads)[3]};
    }
  } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    for (int d = 0; d < 2; ++d) {
      int64_t in = input[2 + d];
      int64_t out = (in + w.stride[d] - 1) / w.stride[d];
      int64_t extent = (w.kernel[d] - 1) * w.dilation[d] + 1;
      int64_t total =
          std::max<int64_t>(0, (out - 1) * w.stride[d] + extent - in);
      int64_t small = total / 2, large = total - small;
      w.padding[2 * d] = autoPad == "SAME_UPPER" ? small : large;
      w.padding[2 * d + 1] = autoPad == "SAME_UPPER" ? large : small;
    }
  } else if (autoPad != "VALID") {
    n.error("unknown auto_pad '" + autoPad + "'");
    return std::nullopt;
  }
  return w;
}

LogicalResult convertConv(NodeImporter &n) {
  Tensor x = n.input(0), weight = n.input(1);
  if (!x.valid() || !weight.valid())
    return failure();
  std::optional<std::vector<int64_t>> kernel = n.intsAttr("kernel_shape");
  if (!kernel && weight.rank() >= 2)
    kernel = std::vector<int64_t>(weight.shape().begin() + 2,
                                  weight.shape().end());
  std::optional<Window> w = windowOf(n, x.shape(), kernel);
  if (!w)
    return failure();
  Conv2dOptions options;
  options.stride = w->stride;
  options.padding = w->padding;
  options.dilation = w->dilation;
  options.groups = n.intAttr("group", 1);
  Tensor bias = n.hasInput(2) ? n.input(2) : Tensor();
  if (n.hasInput(2) && !bias.valid())
    return failure();
  return result(n, conv2d(x, weight, bias, options, SourceLoc()));
}

LogicalResult convertPool(NodeImporter &n) {
  Tensor x = n.input(0);
  if (!x.valid())
    return failure();
  if (n.numOutputs() > 1 && !n.node().output(1).empty())
    return n.fail("the Indices output of MaxPool is not supported");
  std::optional<Window> w = windowOf(n, x.shape(), n.intsAttr("kernel_shape"));
  if (!w)
    return failure();
  if (n.intAttr("ceil_mode", 0) != 0)
    return n.fail("ceil_mode=1 is not supported");
  if (w->dilation[0] != 1 || w->dilation[1] != 1)
    return n.fail("dilated pooling is not supported");
  if (n.node().op_type() == "MaxPool")
    return result(n, maxPool2d(x, w->kernel, w->stride, w->padding, SourceLoc()));
  return result(n, avgPool2d(x, w->kernel, w->stride, w->padding,
                             n.intAttr("count_include_pad", 0) != 0,
                             SourceLoc()));
}

} // namespace

const llvm::StringMap<NodeConverter> &onnx_import::nodeConverters() {
  static const llvm::StringMap<NodeConverter> converters = {
      // Elementwise.
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
      // Constants and shapes.
      {"Constant", convertConstant},
      {"ConstantOfShape", convertConstantOfShape},
      {"Shape", convertShape},
      {"Range", convertRange},
      {"Reshape", convertReshape},
      {"Flatten", convertFlatten},
      {"Squeeze", convertSqueeze},
      {"Unsqueeze", convertUnsqueeze},
      {"Expand", convertExpand},
      {"Transpose", convertTranspose},
      {"Concat", convertConcat},
      {"Slice", convertSlice},
      {"Split", convertSplit},
      {"Gather", convertGather},
      {"Pad", convertPad},
      // Reductions and normalizations.
      {"ReduceSum", convertReduce},
      {"ReduceMean", convertReduce},
      {"ReduceMax", convertReduce},
      {"ReduceMin", convertReduce},
      {"ReduceProd", convertReduce},
      {"GlobalAveragePool", convertGlobalPool},
      {"GlobalMaxPool", convertGlobalPool},
      {"Softmax", convertSoftmax<false>},
      {"LogSoftmax", convertSoftmax<true>},
      {"LayerNormalization", convertLayerNormalization},
      {"BatchNormalization", convertBatchNormalization},
      // Contractions and windows.
      {"MatMul", convertMatMul},
      {"Gemm", convertGemm},
      {"Conv", convertConv},
      {"MaxPool", convertPool},
      {"AveragePool", convertPool},
  };
  return converters;
}
