//===- GemmLayout.cpp - a row-major matmul in cuBLASLt's terms ------------===//

#include "GemmLayout.h"

using namespace tcc::rt;
using namespace tcc::rt::cuda;

namespace {

/// Whether an operand's batch shape is the whole batch (a strided batch of
/// matrices) or broadcast over all of it (stride 0); otherwise the batch
/// is issued one call per index.
enum class Batching { Full, Broadcast, Mixed };

Batching batchingOf(const std::vector<int64_t> &operand,
                    const std::vector<int64_t> &batch) {
  if (operand == batch)
    return Batching::Full;
  for (int64_t d : operand)
    if (d != 1)
      return Batching::Mixed;
  return Batching::Broadcast;
}

/// The offset, in matrices, of batch `index` in an operand whose batch
/// shape `operand` is broadcast to `batch` (numpy's rules: a 1 repeats).
int64_t broadcastOffset(const std::vector<int64_t> &index,
                        const std::vector<int64_t> &operand) {
  int64_t offset = 0;
  for (size_t d = 0; d < index.size(); ++d)
    offset = offset * operand[d] + (operand[d] == 1 ? 0 : index[d]);
  return offset;
}

} // namespace

GemmLayout cuda::layoutGemm(const MatmulCommand &mm) {
  GemmLayout layout;
  layout.transposeA = mm.transposeRhs;
  layout.transposeB = mm.transposeLhs;
  uint64_t m = static_cast<uint64_t>(mm.m), n = static_cast<uint64_t>(mm.n),
           k = static_cast<uint64_t>(mm.k);
  // Each operand's bytes read column-major: a row-major R x C matrix is a
  // column-major C x R one.
  layout.a.rows = mm.transposeRhs ? k : n;
  layout.a.cols = mm.transposeRhs ? n : k;
  layout.b.rows = mm.transposeLhs ? m : k;
  layout.b.cols = mm.transposeLhs ? k : m;
  layout.d.rows = n;
  layout.d.cols = m;
  for (ColumnMajorLayout *matrix : {&layout.a, &layout.b, &layout.d})
    matrix->leadingDim = static_cast<int64_t>(matrix->rows);
  layout.bias = mm.hasBias;
  layout.activation = mm.activation;

  int64_t lhsMatrix = mm.m * mm.k, rhsMatrix = mm.k * mm.n,
          outMatrix = mm.m * mm.n;
  int64_t batches = 1;
  for (int64_t size : mm.batch)
    batches *= size;
  Batching lhs = batchingOf(mm.lhsBatch, mm.batch);
  Batching rhs = batchingOf(mm.rhsBatch, mm.batch);
  if (lhs != Batching::Mixed && rhs != Batching::Mixed) {
    layout.batchCount = batches;
    layout.a.batchStride = rhs == Batching::Full ? rhsMatrix : 0;
    layout.b.batchStride = lhs == Batching::Full ? lhsMatrix : 0;
    layout.d.batchStride = outMatrix;
    layout.calls.push_back({});
    return layout;
  }
  // Partial broadcasting: one call per batch index.
  std::vector<int64_t> index(mm.batch.size(), 0);
  for (int64_t b = 0; b < batches; ++b) {
    layout.calls.push_back({broadcastOffset(index, mm.lhsBatch) * lhsMatrix,
                            broadcastOffset(index, mm.rhsBatch) * rhsMatrix,
                            b * outMatrix});
    for (size_t d = mm.batch.size(); d-- > 0;) {
      if (++index[d] < mm.batch[d])
        break;
      index[d] = 0;
    }
  }
  return layout;
}

std::string GemmLayout::cacheKey(DType dtype) const {
  std::string key = std::string(dtypeName(dtype)) + (transposeA ? ":T" : ":N") +
                    (transposeB ? "T" : "N");
  for (const ColumnMajorLayout *matrix : {&a, &b, &d})
    key += ":" + std::to_string(matrix->rows) + "x" +
           std::to_string(matrix->cols) + "/" +
           std::to_string(matrix->leadingDim) + "/" +
           std::to_string(matrix->batchStride);
  key += ":" + std::to_string(batchCount) + (bias ? ":bias:" : ":") +
         matmulActivationName(activation);
  return key;
}
