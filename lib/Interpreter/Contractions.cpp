//===- Contractions.cpp - evaluator kernels of matmul, conv, pooling ------===//

#include "Arithmetic.h"
#include "Kernels.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::interp;

namespace {

/// Offset of the matrix of `operand` that batch index `batch` (of the
/// broadcast batch shape) selects, by NumPy's broadcasting rules.
int64_t batchOffset(const Tensor &operand, ArrayRef<int64_t> batch) {
  int64_t rank = operand.rank();
  auto strides = stridesOf(operand.shape());
  int64_t offset = 0;
  int64_t skip = static_cast<int64_t>(batch.size()) - (rank - 2);
  for (int64_t d = 0; d < rank - 2; ++d)
    if (operand.shape()[d] != 1)
      offset += strides[d] * batch[skip + d];
  return offset;
}

LogicalResult matmulKernel(MatmulOp op, ArrayRef<const Tensor *> operands,
                           SmallVectorImpl<Tensor> &results,
                           KernelContext &context) {
  const Tensor &lhs = *operands[0], &rhs = *operands[1];
  FailureOr<Tensor> result = context.allocate(op, op.getResult());
  if (failed(result))
    return failure();
  ArrayRef<int64_t> shape = result->shape();
  int64_t m = shape[shape.size() - 2], n = shape.back();
  int64_t lr = lhs.rank(), rr = rhs.rank();
  int64_t k = op.getTransposeLhs() ? lhs.shape()[lr - 2] : lhs.shape()[lr - 1];
  // Element (i, j) of each operand's matrix, after its optional transpose.
  int64_t lhsRow = op.getTransposeLhs() ? 1 : lhs.shape()[lr - 1];
  int64_t lhsCol = op.getTransposeLhs() ? lhs.shape()[lr - 1] : 1;
  int64_t rhsRow = op.getTransposeRhs() ? 1 : rhs.shape()[rr - 1];
  int64_t rhsCol = op.getTransposeRhs() ? rhs.shape()[rr - 1] : 1;
  ArrayRef<int64_t> batchShape = shape.drop_back(2);
  int64_t matrix = 0;
  forEachIndex(batchShape, [&](ArrayRef<int64_t> batch, int64_t) {
    int64_t lo = batchOffset(lhs, batch), ro = batchOffset(rhs, batch);
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        double sum = 0.0;
        for (int64_t p = 0; p < k; ++p)
          sum += lhs.getDouble(lo + i * lhsRow + p * lhsCol) *
                 rhs.getDouble(ro + p * rhsRow + j * rhsCol);
        result->setDouble(matrix + i * n + j, sum);
      }
    }
    matrix += m * n;
  });
  results.push_back(std::move(*result));
  return success();
}

LogicalResult conv2dKernel(Conv2dOp op, ArrayRef<const Tensor *> operands,
                           SmallVectorImpl<Tensor> &results,
                           KernelContext &context) {
  const Tensor &x = *operands[0], &w = *operands[1];
  const Tensor *bias = operands.size() > 2 ? operands[2] : nullptr;
  FailureOr<Tensor> result = context.allocate(op, op.getResult());
  if (failed(result))
    return failure();
  int64_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2],
          W = x.shape()[3];
  int64_t O = w.shape()[0], CG = w.shape()[1], KH = w.shape()[2],
          KW = w.shape()[3];
  int64_t OH = result->shape()[2], OW = result->shape()[3];
  int64_t groups = op.getGroups(), OG = O / groups;
  ArrayRef<int64_t> stride = op.getStride(), pad = op.getPadding(),
                    dil = op.getDilation();
  for (int64_t b = 0; b < N; ++b)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double sum = bias ? bias->getDouble(o) : 0.0;
          int64_t g = o / OG;
          for (int64_t cg = 0; cg < CG; ++cg) {
            int64_t c = g * CG + cg;
            for (int64_t kh = 0; kh < KH; ++kh) {
              int64_t h = oh * stride[0] - pad[0] + kh * dil[0];
              if (h < 0 || h >= H)
                continue;
              for (int64_t kw = 0; kw < KW; ++kw) {
                int64_t v = ow * stride[1] - pad[2] + kw * dil[1];
                if (v < 0 || v >= W)
                  continue;
                sum += x.getDouble(((b * C + c) * H + h) * W + v) *
                       w.getDouble(((o * CG + cg) * KH + kh) * KW + kw);
              }
            }
          }
          result->setDouble(((b * O + o) * OH + oh) * OW + ow, sum);
        }
  results.push_back(std::move(*result));
  return success();
}

/// Max or average pooling with PyTorch's window and divisor rules.
template <typename OpTy>
LogicalResult poolKernel(OpTy op, const Tensor &x,
                         SmallVectorImpl<Tensor> &results,
                         KernelContext &context, bool isMax,
                         ArrayRef<int64_t> dil, bool countIncludePad) {
  FailureOr<Tensor> result = context.allocate(op, op.getResult());
  if (failed(result))
    return failure();
  int64_t NC = x.shape()[0] * x.shape()[1], H = x.shape()[2],
          W = x.shape()[3];
  int64_t OH = result->shape()[2], OW = result->shape()[3];
  ArrayRef<int64_t> k = op.getKernelSize(), s = op.getStride(),
                    pad = op.getPadding();
  for (int64_t p = 0; p < NC; ++p)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        int64_t h0 = oh * s[0] - pad[0], w0 = ow * s[1] - pad[2];
        double acc = isMax ? -INFINITY : 0.0;
        int64_t counted = 0;
        for (int64_t kh = 0; kh < k[0]; ++kh) {
          int64_t h = h0 + kh * dil[0];
          if (h < 0 || h >= H)
            continue;
          for (int64_t kw = 0; kw < k[1]; ++kw) {
            int64_t w = w0 + kw * dil[1];
            if (w < 0 || w >= W)
              continue;
            double v = x.getDouble((p * H + h) * W + w);
            if (isMax)
              acc = nanMax(acc, v);
            else
              acc += v;
            ++counted;
          }
        }
        if (!isMax) {
          // PyTorch clips the window to the padded input for the divisor.
          int64_t hEnd = std::min(h0 + k[0], H + pad[1]);
          int64_t wEnd = std::min(w0 + k[1], W + pad[3]);
          int64_t padded = (hEnd - h0) * (wEnd - w0);
          acc /= static_cast<double>(countIncludePad ? padded : counted);
        }
        result->setDouble((p * OH + oh) * OW + ow, acc);
      }
  results.push_back(std::move(*result));
  return success();
}

} // namespace

void interp::registerContractionKernels(KernelTable &table) {
  addKernel<MatmulOp>(table, matmulKernel);
  addKernel<Conv2dOp>(table, conv2dKernel);
  addKernel<MaxPool2dOp>(table, [](MaxPool2dOp op,
                                   ArrayRef<const Tensor *> operands,
                                   SmallVectorImpl<Tensor> &results,
                                   KernelContext &context) -> LogicalResult {
    return poolKernel(op, *operands[0], results, context, /*isMax=*/true,
                      op.getDilation(), /*countIncludePad=*/false);
  });
  addKernel<AvgPool2dOp>(table, [](AvgPool2dOp op,
                                   ArrayRef<const Tensor *> operands,
                                   SmallVectorImpl<Tensor> &results,
                                   KernelContext &context) -> LogicalResult {
    static constexpr int64_t kNoDilation[] = {1, 1};
    return poolKernel(op, *operands[0], results, context, /*isMax=*/false,
                      kNoDilation, op.getCountIncludePad());
  });
}
