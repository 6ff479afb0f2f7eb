//===- Reductions.cpp - evaluator kernels of reductions, softmax, losses --===//

#include "Arithmetic.h"
#include "Kernels.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "llvm/ADT/SmallBitVector.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::interp;

namespace {

/// A tensor seen as [outer, size, inner] around dimension `dim`.
struct RowView {
  RowView(ArrayRef<int64_t> shape, int64_t dim) : size(shape[dim]) {
    for (int64_t d = 0; d < dim; ++d)
      outer *= shape[d];
    for (int64_t d = dim + 1, e = shape.size(); d < e; ++d)
      inner *= shape[d];
  }
  int64_t index(int64_t o, int64_t j, int64_t i) const {
    return (o * size + j) * inner + i;
  }
  int64_t outer = 1, size, inner = 1;
};

LogicalResult reduceKernel(ReduceOp op, ArrayRef<const Tensor *> operands,
                           SmallVectorImpl<Tensor> &results,
                           KernelContext &context) {
  const Tensor &x = *operands[0];
  FailureOr<Tensor> result = context.allocate(op, op.getResult());
  if (failed(result))
    return failure();
  llvm::SmallBitVector reduced(x.rank());
  for (int64_t d : op.getDims())
    reduced.set(d);
  // Result strides in operand dimensions (0 for a reduced dimension).
  auto resultStrides = stridesOf(result->shape());
  SmallVector<int64_t> strideOf(x.rank(), 0);
  int64_t r = 0, count = 1;
  for (int64_t d = 0; d < x.rank(); ++d) {
    if (reduced.test(d)) {
      count *= x.shape()[d];
      if (op.getKeepdims())
        ++r;
      continue;
    }
    strideOf[d] = resultStrides[r++];
  }
  ReduceKind kind = op.getKind();
  int64_t n = result->numElements();
  if (x.isFloat()) {
    std::vector<CompensatedSum> sums(n);
    double init = kind == ReduceKind::max   ? -INFINITY
                  : kind == ReduceKind::min ? INFINITY
                                            : 1.0;
    std::vector<double> acc(n, init);
    forEachIndex(x.shape(), [&](ArrayRef<int64_t> index, int64_t i) {
      int64_t o = 0;
      for (int64_t d = 0; d < x.rank(); ++d)
        o += strideOf[d] * index[d];
      double v = x.getDouble(i);
      switch (kind) {
      case ReduceKind::sum:
      case ReduceKind::mean:
        sums[o].add(v);
        break;
      case ReduceKind::prod:
        acc[o] *= v;
        break;
      case ReduceKind::max:
        acc[o] = nanMax(acc[o], v);
        break;
      case ReduceKind::min:
        acc[o] = nanMin(acc[o], v);
        break;
      }
    });
    for (int64_t o = 0; o < n; ++o) {
      if (kind == ReduceKind::sum)
        acc[o] = sums[o].value();
      else if (kind == ReduceKind::mean)
        acc[o] = sums[o].value() / static_cast<double>(count);
      result->setDouble(o, acc[o]);
    }
  } else {
    if (count == 0 && (kind == ReduceKind::max || kind == ReduceKind::min))
      return op.emitOpError("max/min over an empty set of integers");
    int64_t init = kind == ReduceKind::max   ? INT64_MIN
                   : kind == ReduceKind::min ? INT64_MAX
                   : kind == ReduceKind::prod ? 1
                                             : 0;
    std::vector<uint64_t> acc(n, static_cast<uint64_t>(init));
    forEachIndex(x.shape(), [&](ArrayRef<int64_t> index, int64_t i) {
      int64_t o = 0;
      for (int64_t d = 0; d < x.rank(); ++d)
        o += strideOf[d] * index[d];
      int64_t v = x.getInt(i);
      int64_t a = static_cast<int64_t>(acc[o]);
      switch (kind) {
      case ReduceKind::sum:
      case ReduceKind::mean:
        acc[o] += static_cast<uint64_t>(v);
        break;
      case ReduceKind::prod:
        acc[o] *= static_cast<uint64_t>(v);
        break;
      case ReduceKind::max:
        acc[o] = static_cast<uint64_t>(std::max(a, v));
        break;
      case ReduceKind::min:
        acc[o] = static_cast<uint64_t>(std::min(a, v));
        break;
      }
    });
    for (int64_t o = 0; o < n; ++o)
      result->setInt(o, static_cast<int64_t>(acc[o]));
  }
  results.push_back(std::move(*result));
  return success();
}

/// Softmax (or log-softmax) of every row of `x` along `dim`.
template <typename OpTy>
LogicalResult softmaxKernel(OpTy op, ArrayRef<const Tensor *> operands,
                            SmallVectorImpl<Tensor> &results,
                            KernelContext &context, bool logarithm) {
  const Tensor &x = *operands[0];
  FailureOr<Tensor> result = context.allocate(op, op.getResult());
  if (failed(result))
    return failure();
  RowView rows(x.shape(), op.getDim());
  // With an empty dimension the rows hold nothing; outer * inner may still
  // be 2^40 iterations of nothing.
  if (x.numElements() == 0) {
    results.push_back(std::move(*result));
    return success();
  }
  for (int64_t o = 0; o < rows.outer; ++o) {
    for (int64_t i = 0; i < rows.inner; ++i) {
      double maximum = -INFINITY;
      for (int64_t j = 0; j < rows.size; ++j)
        maximum = std::max(maximum, x.getDouble(rows.index(o, j, i)));
      CompensatedSum sum;
      for (int64_t j = 0; j < rows.size; ++j)
        sum.add(std::exp(x.getDouble(rows.index(o, j, i)) - maximum));
      double logSum = std::log(sum.value());
      for (int64_t j = 0; j < rows.size; ++j) {
        double shifted = x.getDouble(rows.index(o, j, i)) - maximum;
        result->setDouble(rows.index(o, j, i),
                          logarithm ? shifted - logSum
                                    : std::exp(shifted) / sum.value());
      }
    }
  }
  results.push_back(std::move(*result));
  return success();
}

LogicalResult crossEntropyKernel(CrossEntropyOp op,
                                 ArrayRef<const Tensor *> operands,
                                 SmallVectorImpl<Tensor> &results,
                                 KernelContext &context) {
  const Tensor &logits = *operands[0], &labels = *operands[1];
  FailureOr<Tensor> result = context.allocate(op, op.getResult());
  if (failed(result))
    return failure();
  int64_t rows = logits.shape()[0], classes = logits.shape()[1];
  double smoothing = op.getLabelSmoothing().convertToDouble();
  std::optional<int64_t> ignore = op.getIgnoreIndex();
  CompensatedSum total;
  int64_t counted = 0;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t label = labels.getInt(r);
    if (ignore && label == *ignore)
      continue;
    if (label < 0 || label >= classes)
      return op.emitOpError("label ")
             << label << " of row " << r << " is out of range [0, " << classes
             << ")";
    double maximum = -INFINITY;
    for (int64_t c = 0; c < classes; ++c)
      maximum = std::max(maximum, logits.getDouble(r * classes + c));
    CompensatedSum sum, sumLogits;
    for (int64_t c = 0; c < classes; ++c) {
      sum.add(std::exp(logits.getDouble(r * classes + c) - maximum));
      sumLogits.add(logits.getDouble(r * classes + c));
    }
    double logSumExp = maximum + std::log(sum.value());
    double nll = logSumExp - logits.getDouble(r * classes + label);
    double uniform = logSumExp - sumLogits.value() / static_cast<double>(classes);
    // Only with smoothing: 0 * inf (a -inf logit) would make the loss NaN.
    total.add(smoothing > 0.0 ? (1.0 - smoothing) * nll + smoothing * uniform
                              : nll);
    ++counted;
  }
  // Like PyTorch, a batch whose labels are all ignored has a NaN mean.
  result->setDouble(0, total.value() / static_cast<double>(counted));
  results.push_back(std::move(*result));
  return success();
}

LogicalResult mseKernel(MseLossOp op, ArrayRef<const Tensor *> operands,
                        SmallVectorImpl<Tensor> &results,
                        KernelContext &context) {
  const Tensor &x = *operands[0], &y = *operands[1];
  FailureOr<Tensor> result = context.allocate(op, op.getResult());
  if (failed(result))
    return failure();
  CompensatedSum sum;
  for (int64_t i = 0, e = x.numElements(); i < e; ++i) {
    double d = x.getDouble(i) - y.getDouble(i);
    sum.add(d * d);
  }
  result->setDouble(0, sum.value() / static_cast<double>(x.numElements()));
  results.push_back(std::move(*result));
  return success();
}

} // namespace

void interp::registerReductionKernels(KernelTable &table) {
  addKernel<ReduceOp>(table, reduceKernel);
  addKernel<SoftmaxOp>(table, [](SoftmaxOp op, ArrayRef<const Tensor *> in,
                                 SmallVectorImpl<Tensor> &out,
                                 KernelContext &context) -> LogicalResult {
    return softmaxKernel(op, in, out, context, /*logarithm=*/false);
  });
  addKernel<LogSoftmaxOp>(table, [](LogSoftmaxOp op,
                                    ArrayRef<const Tensor *> in,
                                    SmallVectorImpl<Tensor> &out,
                                    KernelContext &context) -> LogicalResult {
    return softmaxKernel(op, in, out, context, /*logarithm=*/true);
  });
  addKernel<CrossEntropyOp>(table, crossEntropyKernel);
  addKernel<MseLossOp>(table, mseKernel);
}
