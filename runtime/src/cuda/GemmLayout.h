//===- GemmLayout.h - a row-major matmul in cuBLASLt's terms ----*- C++ -*-===//
//
// cuBLASLt is column-major; a plan's MatmulCommand is row-major. A
// row-major M x N matrix is the same bytes as its column-major N x M
// transpose, so the command's product is computed as its transpose:
//
//   out^T (n x m) = op(rhs)^T (n x k) * op(lhs)^T (k x m)
//
// cuBLASLt's A is the command's rhs and its B the lhs, each described as
// the matrix its bytes hold in column-major order; a transposed operand of
// the command is an untransposed one for cuBLASLt and vice versa. The bias
// vector (n elements, one per column of the row-major product) is then one
// per row of cuBLASLt's D, which is what CUBLASLT_EPILOGUE_BIAS adds.
//
// This file computes that mapping without the CUDA headers, so that it is
// unit-tested on machines without a GPU (unittests/Runtime/GemmLayoutTest,
// against a direct row-major product with numpy's batch broadcasting).
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_SRC_CUDA_GEMMLAYOUT_H
#define TCC_RUNTIME_SRC_CUDA_GEMMLAYOUT_H

#include "tcc/runtime/Plan.h"

#include <cstdint>
#include <string>
#include <vector>

namespace tcc::rt::cuda {

/// A column-major matrix as cuBLASLt's cublasLtMatrixLayout describes it:
/// the stored rows and columns, the leading dimension and, for a strided
/// batch, the distance between matrices (all in elements; a stride of 0
/// broadcasts one matrix over the batch).
struct ColumnMajorLayout {
  uint64_t rows = 0, cols = 0;
  int64_t leadingDim = 0;
  int64_t batchStride = 0;
};

/// Element offsets of the operands of one cublasLtMatmul call.
struct GemmCall {
  int64_t lhsOffset = 0, rhsOffset = 0, outOffset = 0;
};

struct GemmLayout {
  /// cuBLASLt's op(A) and op(B).
  bool transposeA = false, transposeB = false;
  /// A: the command's rhs; B: its lhs; D (and C): the product.
  ColumnMajorLayout a, b, d;
  /// Matrices per call (a strided batch when above 1).
  int64_t batchCount = 1;
  /// One call when the whole batch is one strided batch (each operand is
  /// either the whole batch or broadcast over it); else one per batch
  /// index, at numpy's broadcast offsets.
  std::vector<GemmCall> calls;
  /// The epilogue, as cuBLASLt's CUBLASLT_EPILOGUE_{DEFAULT,BIAS,RELU,
  /// RELU_BIAS,GELU,GELU_BIAS} encode it. The bias is broadcast over the
  /// batch (CUBLASLT_MATMUL_DESC_BIAS_BATCH_STRIDE 0).
  bool bias = false;
  MatmulActivation activation = MatmulActivation::None;

  /// What identifies the descriptors and algorithm this layout needs, for
  /// caching them: equal keys, equal cuBLASLt calls but for the pointers.
  std::string cacheKey(DType dtype) const;
};

/// The cuBLASLt calls that compute `mm`.
GemmLayout layoutGemm(const MatmulCommand &mm);

} // namespace tcc::rt::cuda

#endif // TCC_RUNTIME_SRC_CUDA_GEMMLAYOUT_H
