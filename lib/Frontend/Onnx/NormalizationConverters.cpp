//===- NormalizationConverters.cpp - reductions and normalizations --------===//
//
// Reduce*, global pooling, Softmax, LayerNormalization and
// BatchNormalization.
//
//===----------------------------------------------------------------------===//

#include "ConverterSupport.h"

#include <algorithm>
#include <numeric>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::frontend;
using namespace mlir::tcc::frontend::onnx_import;

namespace {

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

} // namespace

void onnx_import::addNormalizationConverters(llvm::StringMap<NodeConverter> &table) {
  table.insert({
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
  });
}
