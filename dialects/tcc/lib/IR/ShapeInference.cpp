//===- ShapeInference.cpp - shape rules of the tcc ops --------------------===//

#include "tcc/Dialect/Tcc/IR/ShapeInference.h"

#include "tcc/Dialect/Tcc/IR/TccDialect.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallBitVector.h"

#include <string>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::shape;
using llvm::Twine;

namespace {

/// Shape arithmetic on attribute values happens in 128 bits: dimensions are
/// below 2^40 but strides, paddings and dilations are whatever the input
/// says, and their products must not wrap into plausible sizes.
using Wide = __int128;

std::string str(ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += ", ";
    s += std::to_string(d);
  }
  return s + "]";
}

/// Checks that `values` has `n` entries, each at least `minimum`.
LogicalResult checkParams(ArrayRef<int64_t> values, size_t n, int64_t minimum,
                          StringRef what, ErrorFn error) {
  if (values.size() != n) {
    error(Twine(what) + " must have " + Twine(n) + " values, got " +
          str(values));
    return failure();
  }
  for (int64_t v : values) {
    if (v < minimum) {
      error(Twine(what) + " values must be >= " + Twine(minimum) + ", got " +
            str(values));
      return failure();
    }
    // Like dimensions, window parameters stay below 2^40, so index
    // arithmetic on them (here and in every backend) cannot overflow.
    if (v > kMaxElements) {
      error(Twine(what) + " values must be at most 2^40, got " + str(values));
      return failure();
    }
  }
  return success();
}

} // namespace

FailureOr<int64_t> shape::numElements(ArrayRef<int64_t> shape, ErrorFn error) {
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) {
      error("dimension sizes must be non-negative, got " + str(shape));
      return failure();
    }
    if (d != 0 && count > kMaxElements / d) {
      error("shape " + str(shape) + " has more than 2^40 elements");
      return failure();
    }
    count *= d;
  }
  if (count > kMaxElements) {
    error("shape " + str(shape) + " has more than 2^40 elements");
    return failure();
  }
  return count;
}

LogicalResult shape::checkDim(int64_t dim, int64_t rank, StringRef what,
                              ErrorFn error) {
  if (dim < 0 || dim >= rank) {
    error(Twine(what) + " " + Twine(dim) + " is out of range for rank " +
          Twine(rank));
    return failure();
  }
  return success();
}

FailureOr<Shape> shape::broadcastShapes(ArrayRef<int64_t> lhs,
                                        ArrayRef<int64_t> rhs, ErrorFn error) {
  size_t rank = std::max(lhs.size(), rhs.size());
  Shape result(rank, 1);
  for (size_t i = 0; i < rank; ++i) {
    int64_t l = i < lhs.size() ? lhs[lhs.size() - 1 - i] : 1;
    int64_t r = i < rhs.size() ? rhs[rhs.size() - 1 - i] : 1;
    if (l != r && l != 1 && r != 1) {
      error("shapes " + str(lhs) + " and " + str(rhs) +
            " are not broadcast-compatible");
      return failure();
    }
    result[rank - 1 - i] = l == 1 ? r : l;
  }
  return result;
}

LogicalResult shape::checkBroadcastTo(ArrayRef<int64_t> from,
                                      ArrayRef<int64_t> to, ErrorFn error) {
  if (from.size() > to.size()) {
    error("cannot broadcast shape " + str(from) + " to lower rank " + str(to));
    return failure();
  }
  size_t offset = to.size() - from.size();
  for (auto [i, d] : llvm::enumerate(from)) {
    if (d != 1 && d != to[offset + i]) {
      error("cannot broadcast shape " + str(from) + " to " + str(to) +
            ": dimension " + Twine(i) + " is " + Twine(d) +
            ", expected 1 or " + Twine(to[offset + i]));
      return failure();
    }
  }
  return success();
}

LogicalResult shape::checkBroadcastInDim(ArrayRef<int64_t> operand,
                                         ArrayRef<int64_t> result,
                                         ArrayRef<int64_t> dims,
                                         ErrorFn error) {
  if (dims.size() != operand.size()) {
    error("dims " + str(dims) + " must have one entry per operand dimension (" +
          Twine(operand.size()) + ")");
    return failure();
  }
  for (auto [i, d] : llvm::enumerate(dims)) {
    if (d < 0 || d >= static_cast<int64_t>(result.size())) {
      error("dims " + str(dims) + " has entry " + Twine(d) +
            " out of range for result rank " + Twine(result.size()));
      return failure();
    }
    if (i > 0 && d <= dims[i - 1]) {
      error("dims " + str(dims) + " must be strictly increasing");
      return failure();
    }
    if (operand[i] != 1 && operand[i] != result[d]) {
      error("operand dimension " + Twine(i) + " of size " + Twine(operand[i]) +
            " cannot broadcast to result dimension " + Twine(d) + " of size " +
            Twine(result[d]));
      return failure();
    }
  }
  return success();
}

LogicalResult shape::checkReshape(ArrayRef<int64_t> operand,
                                  ArrayRef<int64_t> result, ErrorFn error) {
  FailureOr<int64_t> in = numElements(operand, error);
  FailureOr<int64_t> out = numElements(result, error);
  if (failed(in) || failed(out))
    return failure();
  if (*in != *out) {
    error("cannot reshape " + str(operand) + " (" + Twine(*in) +
          " elements) to " + str(result) + " (" + Twine(*out) + " elements)");
    return failure();
  }
  return success();
}

FailureOr<Shape> shape::transposeShape(ArrayRef<int64_t> operand,
                                       ArrayRef<int64_t> permutation,
                                       ErrorFn error) {
  if (permutation.size() != operand.size()) {
    error("permutation " + str(permutation) + " must have " +
          Twine(operand.size()) + " entries, one per operand dimension");
    return failure();
  }
  llvm::SmallBitVector seen(operand.size());
  Shape result;
  for (int64_t p : permutation) {
    if (p < 0 || p >= static_cast<int64_t>(operand.size()) || seen.test(p)) {
      error("permutation " + str(permutation) + " is not a permutation of 0.." +
            Twine(operand.size() ? operand.size() - 1 : 0));
      return failure();
    }
    seen.set(p);
    result.push_back(operand[p]);
  }
  return result;
}

FailureOr<Shape> shape::sliceShape(ArrayRef<int64_t> operand,
                                   ArrayRef<int64_t> start,
                                   ArrayRef<int64_t> limit,
                                   ArrayRef<int64_t> stride, ErrorFn error) {
  size_t rank = operand.size();
  if (start.size() != rank || limit.size() != rank || stride.size() != rank) {
    error("start, limit and stride must have " + Twine(rank) +
          " entries each, got " + str(start) + ", " + str(limit) + ", " +
          str(stride));
    return failure();
  }
  Shape result;
  for (size_t d = 0; d < rank; ++d) {
    if (stride[d] < 1) {
      error("stride " + str(stride) + " must be >= 1 in every dimension");
      return failure();
    }
    if (start[d] < 0 || start[d] > limit[d] || limit[d] > operand[d]) {
      error("dimension " + Twine(d) + " needs 0 <= start <= limit <= " +
            Twine(operand[d]) + ", got start " + Twine(start[d]) +
            " and limit " + Twine(limit[d]));
      return failure();
    }
    result.push_back(limit[d] > start[d]
                         ? (limit[d] - start[d] - 1) / stride[d] + 1
                         : 0);
  }
  return result;
}

FailureOr<Shape> shape::concatShape(ArrayRef<ArrayRef<int64_t>> inputs,
                                    int64_t dim, ErrorFn error) {
  if (inputs.empty()) {
    error("needs at least one input");
    return failure();
  }
  int64_t rank = inputs.front().size();
  if (failed(checkDim(dim, rank, "dim", error)))
    return failure();
  Shape result(inputs.front());
  for (auto [i, in] : llvm::enumerate(inputs.drop_front())) {
    bool compatible = static_cast<int64_t>(in.size()) == rank;
    for (int64_t d = 0; compatible && d < rank; ++d)
      compatible = d == dim || in[d] == result[d];
    if (!compatible) {
      error("input " + Twine(i + 1) + " has shape " + str(in) +
            ", which differs from input 0 " + str(inputs.front()) +
            " outside dimension " + Twine(dim));
      return failure();
    }
    result[dim] += in[dim];
  }
  return result;
}

FailureOr<Shape> shape::gatherShape(ArrayRef<int64_t> table,
                                    ArrayRef<int64_t> indices, int64_t axis,
                                    ErrorFn error) {
  if (failed(checkDim(axis, table.size(), "axis", error)))
    return failure();
  Shape result(table.begin(), table.begin() + axis);
  result.append(indices.begin(), indices.end());
  result.append(table.begin() + axis + 1, table.end());
  return result;
}

FailureOr<Shape> shape::scatterAddShape(ArrayRef<int64_t> updates,
                                        ArrayRef<int64_t> indices,
                                        int64_t rows, ErrorFn error) {
  if (updates.size() != 2 || indices.size() != 1) {
    error("takes updates of rank 2 and indices of rank 1, got " +
          str(updates) + " and " + str(indices));
    return failure();
  }
  if (updates[0] != indices[0]) {
    error("has " + Twine(indices[0]) + " indices for " + Twine(updates[0]) +
          " rows of updates");
    return failure();
  }
  if (rows < 0) {
    error("needs a non-negative row count, got " + Twine(rows));
    return failure();
  }
  return Shape{rows, updates[1]};
}

FailureOr<Shape> shape::reduceShape(ArrayRef<int64_t> operand,
                                    ArrayRef<int64_t> dims, bool keepdims,
                                    ErrorFn error) {
  llvm::SmallBitVector reduced(operand.size());
  for (int64_t d : dims) {
    if (failed(checkDim(d, operand.size(), "reduced dimension", error)))
      return failure();
    if (reduced.test(d)) {
      error("reduced dimension " + Twine(d) + " is listed twice in " +
            str(dims));
      return failure();
    }
    reduced.set(d);
  }
  Shape result;
  for (auto [d, size] : llvm::enumerate(operand)) {
    if (!reduced.test(d))
      result.push_back(size);
    else if (keepdims)
      result.push_back(1);
  }
  return result;
}

FailureOr<Shape> shape::matmulShape(ArrayRef<int64_t> lhs,
                                    ArrayRef<int64_t> rhs, bool transposeLhs,
                                    bool transposeRhs, ErrorFn error) {
  if (lhs.size() < 2 || rhs.size() < 2) {
    error("operands must have rank >= 2, got " + str(lhs) + " and " +
          str(rhs));
    return failure();
  }
  size_t lr = lhs.size(), rr = rhs.size();
  int64_t m = transposeLhs ? lhs[lr - 1] : lhs[lr - 2];
  int64_t kl = transposeLhs ? lhs[lr - 2] : lhs[lr - 1];
  int64_t kr = transposeRhs ? rhs[rr - 1] : rhs[rr - 2];
  int64_t n = transposeRhs ? rhs[rr - 2] : rhs[rr - 1];
  if (kl != kr) {
    error("contraction dimensions differ: lhs " + str(lhs) + " has " +
          Twine(kl) + ", rhs " + str(rhs) + " has " + Twine(kr));
    return failure();
  }
  FailureOr<Shape> batch =
      broadcastShapes(lhs.drop_back(2), rhs.drop_back(2), error);
  if (failed(batch))
    return failure();
  batch->push_back(m);
  batch->push_back(n);
  return batch;
}

LogicalResult shape::checkSameShape(ArrayRef<int64_t> lhs,
                                    ArrayRef<int64_t> rhs, StringRef what,
                                    ErrorFn error) {
  if (lhs != rhs) {
    error(Twine(what) + " shape " + str(rhs) + " must be " + str(lhs));
    return failure();
  }
  return success();
}

LogicalResult shape::checkLayerNorm(ArrayRef<int64_t> input,
                                    ArrayRef<int64_t> weight,
                                    ArrayRef<int64_t> bias, ErrorFn error) {
  if (weight.empty() || weight.size() > input.size() ||
      input.take_back(weight.size()) != weight) {
    error("weight shape " + str(weight) +
          " must be a non-empty suffix of the input shape " + str(input));
    return failure();
  }
  return checkSameShape(weight, bias, "bias", error);
}

LogicalResult shape::checkBatchNorm(ArrayRef<int64_t> input,
                                    ArrayRef<int64_t> weight,
                                    ArrayRef<int64_t> bias,
                                    ArrayRef<int64_t> mean,
                                    ArrayRef<int64_t> var, ErrorFn error) {
  if (input.size() < 2) {
    error("input must have rank >= 2 ([N, C, ...]), got " + str(input));
    return failure();
  }
  int64_t channels[] = {input[1]};
  if (failed(checkSameShape(channels, weight, "weight", error)) ||
      failed(checkSameShape(channels, bias, "bias", error)) ||
      failed(checkSameShape(channels, mean, "running_mean", error)) ||
      failed(checkSameShape(channels, var, "running_var", error)))
    return failure();
  return success();
}

int64_t shape::pooledSize(int64_t in, int64_t kernel, int64_t stride,
                          int64_t padLo, int64_t padHi, int64_t dilation,
                          bool ceilMode) {
  Wide span = Wide(in) + padLo + padHi - Wide(dilation) * (kernel - 1) - 1;
  if (span < 0)
    return 0;
  Wide out = (span + (ceilMode ? stride - 1 : 0)) / stride + 1;
  // A window must start inside the input or the leading padding.
  if (ceilMode && (out - 1) * stride >= Wide(in) + padLo)
    --out;
  return static_cast<int64_t>(out);
}

FailureOr<Shape> shape::conv2dShape(ArrayRef<int64_t> input,
                                    ArrayRef<int64_t> weight,
                                    std::optional<ArrayRef<int64_t>> bias,
                                    const Conv2dParams &p, ErrorFn error) {
  if (input.size() != 4 || weight.size() != 4) {
    error("input and weight must have rank 4 (NCHW, OIHW), got " + str(input) +
          " and " + str(weight));
    return failure();
  }
  if (failed(checkParams(p.stride, 2, 1, "stride", error)) ||
      failed(checkParams(p.padding, 4, 0, "padding", error)) ||
      failed(checkParams(p.dilation, 2, 1, "dilation", error)))
    return failure();
  if (p.groups < 1 || input[1] % p.groups != 0 || weight[0] % p.groups != 0) {
    error("groups " + Twine(p.groups) + " must be >= 1 and divide the " +
          Twine(input[1]) + " input and " + Twine(weight[0]) +
          " output channels");
    return failure();
  }
  if (Wide(weight[1]) * p.groups != input[1]) {
    error("weight " + str(weight) + " has " + Twine(weight[1]) +
          " input channels per group; " + Twine(p.groups) +
          " groups do not match the " + Twine(input[1]) +
          " channels of input " + str(input));
    return failure();
  }
  if (bias) {
    int64_t outChannels[] = {weight[0]};
    if (failed(checkSameShape(outChannels, *bias, "bias", error)))
      return failure();
  }
  Shape result = {input[0], weight[0]};
  for (int i = 0; i < 2; ++i) {
    Wide span = Wide(input[2 + i]) + p.padding[2 * i] + p.padding[2 * i + 1] -
                Wide(p.dilation[i]) * (weight[2 + i] - 1) - 1;
    if (span < 0) {
      error("kernel " + str(weight.take_back(2)) + " with dilation " +
            str(p.dilation) + " is larger than the padded input " +
            str(input.take_back(2)));
      return failure();
    }
    Wide out = span / p.stride[i] + 1;
    if (out > kMaxElements) {
      error("padding " + str(p.padding) + " makes an output dimension of " +
            "more than 2^40 elements");
      return failure();
    }
    result.push_back(static_cast<int64_t>(out));
  }
  return result;
}

FailureOr<Shape> shape::pool2dShape(ArrayRef<int64_t> input,
                                    const Pool2dParams &p, ErrorFn error) {
  if (input.size() != 4) {
    error("input must have rank 4 (NCHW), got " + str(input));
    return failure();
  }
  if (failed(checkParams(p.kernel, 2, 1, "kernel_size", error)) ||
      failed(checkParams(p.stride, 2, 1, "stride", error)) ||
      failed(checkParams(p.padding, 4, 0, "padding", error)) ||
      failed(checkParams(p.dilation, 2, 1, "dilation", error)))
    return failure();
  Shape result = {input[0], input[1]};
  for (int i = 0; i < 2; ++i) {
    // PyTorch rejects padding over half the kernel: such windows could lie
    // entirely in the padding.
    if (p.padding[2 * i] > p.kernel[i] / 2 ||
        p.padding[2 * i + 1] > p.kernel[i] / 2) {
      error("padding " + str(p.padding) + " must be at most half of kernel_size " +
            str(p.kernel));
      return failure();
    }
    int64_t out =
        pooledSize(input[2 + i], p.kernel[i], p.stride[i], p.padding[2 * i],
                   p.padding[2 * i + 1], p.dilation[i], p.ceilMode);
    if (out < 1) {
      error("kernel_size " + str(p.kernel) + " is larger than the padded input " +
            str(input.take_back(2)));
      return failure();
    }
    result.push_back(out);
  }
  return result;
}

LogicalResult shape::checkCrossEntropy(ArrayRef<int64_t> logits,
                                       ArrayRef<int64_t> labels,
                                       ErrorFn error) {
  if (logits.size() != 2) {
    error("logits must have rank 2 ([N, C]), got " + str(logits));
    return failure();
  }
  if (labels.size() != 1 || labels[0] != logits[0]) {
    error("labels shape " + str(labels) + " must be [" + Twine(logits[0]) +
          "], one label per row of logits");
    return failure();
  }
  return success();
}

FailureOr<Shape> shape::allGatherShape(ArrayRef<int64_t> operand, int64_t dim,
                                       int64_t groupSize, ErrorFn error) {
  if (failed(checkDim(dim, operand.size(), "dim", error)))
    return failure();
  Shape result(operand);
  result[dim] *= groupSize;
  return result;
}

FailureOr<Shape> shape::reduceScatterShape(ArrayRef<int64_t> operand,
                                           int64_t dim, int64_t groupSize,
                                           ErrorFn error) {
  if (failed(checkDim(dim, operand.size(), "dim", error)))
    return failure();
  if (operand[dim] % groupSize != 0) {
    error("dimension " + Twine(dim) + " of size " + Twine(operand[dim]) +
          " does not divide among " + Twine(groupSize) + " devices");
    return failure();
  }
  Shape result(operand);
  result[dim] /= groupSize;
  return result;
}

FailureOr<Shape> shape::allToAllShape(ArrayRef<int64_t> operand,
                                      int64_t splitDim, int64_t concatDim,
                                      int64_t groupSize, ErrorFn error) {
  FailureOr<Shape> split =
      reduceScatterShape(operand, splitDim, groupSize, error);
  if (failed(split) ||
      failed(checkDim(concatDim, operand.size(), "concat_dim", error)))
    return failure();
  (*split)[concatDim] *= groupSize;
  return split;
}

FailureOr<Shape> shape::shardShape(ArrayRef<int64_t> global,
                                   ArrayRef<int64_t> splits, ErrorFn error) {
  Shape local(global);
  for (auto [d, n] : llvm::enumerate(splits)) {
    if (n < 1 || global[d] % n != 0) {
      error("dimension " + Twine(d) + " of size " + Twine(global[d]) +
            " does not divide among " + Twine(n) + " devices");
      return failure();
    }
    local[d] /= n;
  }
  return local;
}

bool mlir::tcc::hasBoundedSize(ShapedType type) {
  if (!type.hasStaticShape())
    return false;
  // A zero dimension makes the product small; each dimension is bounded too,
  // so strides computed from the shape never overflow.
  if (llvm::any_of(type.getShape(),
                   [](int64_t d) { return d > kMaxElements; }))
    return false;
  return succeeded(shape::numElements(type.getShape(), [](const Twine &) {}));
}
