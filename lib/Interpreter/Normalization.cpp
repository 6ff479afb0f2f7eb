//===- Normalization.cpp - evaluator kernels of layer and batch norm ------===//

#include "Arithmetic.h"
#include "Kernels.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::interp;

namespace {

/// Mean and biased variance of `count` values given by `at(i)`, two-pass.
template <typename Fn>
std::pair<double, double> meanAndVariance(int64_t count, Fn at) {
  CompensatedSum sum;
  for (int64_t i = 0; i < count; ++i)
    sum.add(at(i));
  double mean = sum.value() / static_cast<double>(count);
  CompensatedSum squares;
  for (int64_t i = 0; i < count; ++i) {
    double d = at(i) - mean;
    squares.add(d * d);
  }
  return {mean, squares.value() / static_cast<double>(count)};
}

LogicalResult layerNormKernel(LayerNormOp op, ArrayRef<const Tensor *> operands,
                              SmallVectorImpl<Tensor> &results,
                              KernelContext &context) {
  const Tensor &x = *operands[0], &weight = *operands[1], &bias = *operands[2];
  FailureOr<Tensor> result = context.allocate(op, op.getResult());
  if (failed(result))
    return failure();
  int64_t size = weight.numElements();
  int64_t rows = size ? x.numElements() / size : 0;
  double epsilon = op.getEpsilon().convertToDouble();
  for (int64_t r = 0; r < rows; ++r) {
    auto [mean, variance] = meanAndVariance(
        size, [&](int64_t i) { return x.getDouble(r * size + i); });
    double inverse = 1.0 / std::sqrt(variance + epsilon);
    for (int64_t i = 0; i < size; ++i)
      result->setDouble(r * size + i,
                        (x.getDouble(r * size + i) - mean) * inverse *
                                weight.getDouble(i) +
                            bias.getDouble(i));
  }
  results.push_back(std::move(*result));
  return success();
}

LogicalResult batchNormKernel(BatchNormOp op, ArrayRef<const Tensor *> operands,
                              SmallVectorImpl<Tensor> &results,
                              KernelContext &context) {
  const Tensor &x = *operands[0], &weight = *operands[1], &bias = *operands[2],
               &runningMean = *operands[3], &runningVar = *operands[4];
  FailureOr<Tensor> output = context.allocate(op, op.getOutput());
  FailureOr<Tensor> newMean = context.allocate(op, op.getNewRunningMean());
  FailureOr<Tensor> newVar = context.allocate(op, op.getNewRunningVar());
  if (failed(output) || failed(newMean) || failed(newVar))
    return failure();
  int64_t batch = x.shape()[0], channels = x.shape()[1];
  int64_t spatial = 1;
  for (int64_t d : x.shape().drop_front(2))
    spatial *= d;
  int64_t count = batch * spatial;
  double epsilon = op.getEpsilon().convertToDouble();
  double momentum = op.getMomentum().convertToDouble();
  bool training = op.getTraining();
  if (training && count < 2)
    return op.emitOpError("training needs more than one value per channel, got ")
           << count;
  auto at = [&](int64_t c, int64_t i) {
    return ((i / spatial) * channels + c) * spatial + i % spatial;
  };
  for (int64_t c = 0; c < channels; ++c) {
    double mean = runningMean.getDouble(c), variance = runningVar.getDouble(c);
    if (training) {
      std::tie(mean, variance) = meanAndVariance(
          count, [&](int64_t i) { return x.getDouble(at(c, i)); });
      double unbiased = variance * count / static_cast<double>(count - 1);
      newMean->setDouble(c, (1 - momentum) * runningMean.getDouble(c) +
                                momentum * mean);
      newVar->setDouble(c, (1 - momentum) * runningVar.getDouble(c) +
                               momentum * unbiased);
    } else {
      newMean->setDouble(c, mean);
      newVar->setDouble(c, variance);
    }
    double inverse = 1.0 / std::sqrt(variance + epsilon);
    for (int64_t i = 0; i < count; ++i)
      output->setDouble(at(c, i), (x.getDouble(at(c, i)) - mean) * inverse *
                                          weight.getDouble(c) +
                                      bias.getDouble(c));
  }
  results.push_back(std::move(*output));
  results.push_back(std::move(*newMean));
  results.push_back(std::move(*newVar));
  return success();
}

} // namespace

void interp::registerNormalizationKernels(KernelTable &table) {
  addKernel<LayerNormOp>(table, layerNormKernel);
  addKernel<BatchNormOp>(table, batchNormKernel);
}
