//===- Blas.cpp - matmul commands through oneDNN or OpenBLAS ---------------===//
//
// f32 GEMMs go to oneDNN's sgemm by default: measured side by side on the
// matmul shapes of the examples and benchmarks on this project's 2-core
// Zen 4 (benchmarks/RESULTS.md), it is faster on 2048^3 (213 vs 181
// GFLOP/s), on the MLP's 256x1024x784 layer (179 vs 146) and 5x faster on
// its 256x10x1024 head, where OpenBLAS splits n = 10 badly; OpenBLAS wins
// only on 256x1024x1024 (140 vs 134) and on tiny products. f64 GEMMs go
// to OpenBLAS (oneDNN has no dgemm). TCC_GEMM=openblas selects OpenBLAS
// for f32 too, so both can be measured through the same plans. Epilogues
// run as generated kernels after the GEMM.
//
//===----------------------------------------------------------------------===//

#include "Blas.h"

#include <cblas.h>
#include <dnnl.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

// OpenBLAS's extensions, declared by its cblas.h, and OpenMP's thread
// count, which oneDNN (built on OpenMP) follows.
extern "C" {
void openblas_set_num_threads(int threads);
char *openblas_get_config(void);
void omp_set_num_threads(int threads);
}

using namespace tcc::rt;

namespace {

bool useOpenBlasForF32() {
  static const bool openblas = [] {
    const char *choice = std::getenv("TCC_GEMM");
    return choice && std::strcmp(choice, "openblas") == 0;
  }();
  return openblas;
}

} // namespace

void cpu::configureBlas(unsigned threads) {
  openblas_set_num_threads(static_cast<int>(threads));
  omp_set_num_threads(static_cast<int>(threads));
}

std::string cpu::blasDescription() {
  const dnnl_version_t *version = dnnl_version();
  return std::string(useOpenBlasForF32() ? "f32: OpenBLAS" : "f32: oneDNN ") +
         (useOpenBlasForF32() ? "" : std::to_string(version->major) + "." +
                                         std::to_string(version->minor)) +
         ", f64: OpenBLAS " + openblas_get_config();
}

namespace {

/// Element offsets of each batch of an operand broadcast over `batch`.
std::vector<int64_t> batchOffsets(const std::vector<int64_t> &batch,
                                  const std::vector<int64_t> &operand,
                                  int64_t matrixElements) {
  size_t rank = batch.size();
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = matrixElements;
  for (size_t d = rank; d-- > 0;) {
    strides[d] = operand[d] == 1 ? 0 : stride;
    stride *= operand[d];
  }
  int64_t count = 1;
  for (int64_t size : batch)
    count *= size;
  std::vector<int64_t> offsets;
  offsets.reserve(count);
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d)
      offset += index[d] * strides[d];
    offsets.push_back(offset);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < batch[d])
        break;
      index[d] = 0;
    }
  }
  return offsets;
}

/// oneDNN's sgemm with cblas_sgemm's signature (row-major only).
void onednnSgemm(CBLAS_ORDER, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m,
                 int n, int k, float alpha, const float *a, int lda,
                 const float *b, int ldb, float beta, float *c, int ldc) {
  // The arguments were validated by parsePlan; dnnl_sgemm fails only on
  // invalid ones.
  (void)dnnl_sgemm(ta == CblasTrans ? 'T' : 'N', tb == CblasTrans ? 'T' : 'N',
                   m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

template <typename T, typename Gemm>
void gemms(const MatmulCommand &mm, const T *lhs, const T *rhs, T *out,
           Gemm gemm) {
  int m = static_cast<int>(mm.m), n = static_cast<int>(mm.n),
      k = static_cast<int>(mm.k);
  std::vector<int64_t> lhsOffsets = batchOffsets(mm.batch, mm.lhsBatch, mm.m * mm.k);
  std::vector<int64_t> rhsOffsets = batchOffsets(mm.batch, mm.rhsBatch, mm.k * mm.n);
  CBLAS_TRANSPOSE ta = mm.transposeLhs ? CblasTrans : CblasNoTrans;
  CBLAS_TRANSPOSE tb = mm.transposeRhs ? CblasTrans : CblasNoTrans;
  int lda = mm.transposeLhs ? m : k;
  int ldb = mm.transposeRhs ? k : n;
  for (size_t b = 0; b < lhsOffsets.size(); ++b) {
    T *c = out + static_cast<int64_t>(b) * mm.m * mm.n;
    if (k == 0) {
      // BLAS leaves C alone when k = 0 with beta = 0 on some paths.
      std::fill(c, c + mm.m * mm.n, T(0));
      continue;
    }
    gemm(CblasRowMajor, ta, tb, m, n, k, T(1), lhs + lhsOffsets[b],
         std::max(lda, 1), rhs + rhsOffsets[b], std::max(ldb, 1), T(0), c,
         std::max(n, 1));
  }
}

} // namespace

void cpu::runMatmul(const MatmulCommand &mm, const void *lhs, const void *rhs,
                    void *out) {
  if (mm.m == 0 || mm.n == 0)
    return;
  if (mm.dtype == DType::F32 && useOpenBlasForF32())
    gemms(mm, static_cast<const float *>(lhs), static_cast<const float *>(rhs),
          static_cast<float *>(out), cblas_sgemm);
  else if (mm.dtype == DType::F32)
    gemms(mm, static_cast<const float *>(lhs), static_cast<const float *>(rhs),
          static_cast<float *>(out), onednnSgemm);
  else
    gemms(mm, static_cast<const double *>(lhs),
          static_cast<const double *>(rhs), static_cast<double *>(out),
          cblas_dgemm);
}
