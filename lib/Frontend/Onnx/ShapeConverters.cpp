//===- ShapeConverters.cpp - constants and shape ONNX ops -----------------===//
//
// Constants, Shape and the ops that move data without computing on it
// (Reshape, Transpose, Slice, Concat, Gather, Pad, ...), on the host when
// their inputs are known.
//
//===----------------------------------------------------------------------===//

#include "ConverterSupport.h"

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::frontend;
using namespace mlir::tcc::frontend::onnx_import;

namespace {

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

} // namespace

void onnx_import::addShapeConverters(llvm::StringMap<NodeConverter> &table) {
  table.insert({
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
  });
}
