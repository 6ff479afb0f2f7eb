//===- ContractionConverters.cpp - contractions and windows ---------------===//
//
// MatMul, Gemm, Conv and the 2-D pools, with the window attributes they
// share.
//
//===----------------------------------------------------------------------===//

#include "ConverterSupport.h"

#include <algorithm>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::frontend;
using namespace mlir::tcc::frontend::onnx_import;

namespace {

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

void onnx_import::addContractionConverters(llvm::StringMap<NodeConverter> &table) {
  table.insert({
      {"MatMul", convertMatMul},
      {"Gemm", convertGemm},
      {"Conv", convertConv},
      {"MaxPool", convertPool},
      {"AveragePool", convertPool},
  });
}
