//===- Blas.cpp - matmul commands through oneDNN or OpenBLAS ---------------===//
//
// Neither library wins everywhere. Measured side by side on the matmul
// shapes of the examples and benchmarks on this project's 2-core Zen 4
// (benchmarks/RESULTS.md): oneDNN is ~2x faster on the MLP's 256x10x1024
// head (OpenBLAS splits n = 10 badly) and on small products, OpenBLAS ~30%
// faster on 256x1024x1024 with a transposed B, and both reach ~205 GFLOP/s
// at 2048^3. So each f32 shape is measured once with both, when an
// executable loads, and runs with the faster (as cuBLASLt's heuristics are
// queried once per shape). f64 GEMMs go to OpenBLAS (oneDNN has no dgemm).
// A command's epilogue (bias, ReLU, tanh-GELU: `tcc compile
// --matmul-epilogues`) is applied to each product's rows right after its
// GEMM, while they are in cache; by default the CPU backend leaves
// epilogues to the generated kernel after the GEMM, which is threaded and
// vectorized.
//
//===----------------------------------------------------------------------===//

#include "Blas.h"

#include <cblas.h>
#include <dnnl.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
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

/// TCC_GEMM=openblas|onednn, or nothing (measure).
std::optional<cpu::GemmLibrary> forcedLibrary() {
  const char *choice = std::getenv("TCC_GEMM");
  if (choice && std::strcmp(choice, "openblas") == 0)
    return cpu::GemmLibrary::OpenBlas;
  if (choice && std::strcmp(choice, "onednn") == 0)
    return cpu::GemmLibrary::OneDnn;
  return std::nullopt;
}

unsigned gThreads = 1;

} // namespace

void cpu::configureBlas(unsigned threads) {
  gThreads = threads;
  openblas_set_num_threads(static_cast<int>(threads));
  omp_set_num_threads(static_cast<int>(threads));
}

const char *cpu::gemmLibraryName(GemmLibrary library) {
  return library == GemmLibrary::OneDnn ? "oneDNN" : "OpenBLAS";
}

std::string cpu::gemmLibraryDescription(GemmLibrary library) {
  if (library == GemmLibrary::OpenBlas)
    return openblas_get_config(); // "OpenBLAS 0.3.21 DYNAMIC_ARCH ..."
  const dnnl_version_t *version = dnnl_version();
  return "oneDNN " + std::to_string(version->major) + "." +
         std::to_string(version->minor) + "." +
         std::to_string(version->patch);
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

/// out = act(out + bias) over one m x n product.
template <typename T>
void applyEpilogue(const MatmulCommand &mm, const T *bias, T *out) {
  for (int64_t i = 0; i < mm.m; ++i) {
    T *row = out + i * mm.n;
    if (bias)
      for (int64_t j = 0; j < mm.n; ++j)
        row[j] += bias[j];
    switch (mm.activation) {
    case MatmulActivation::None:
      break;
    case MatmulActivation::Relu:
      for (int64_t j = 0; j < mm.n; ++j)
        row[j] = row[j] > T(0) ? row[j] : T(0);
      break;
    case MatmulActivation::GeluTanh:
      for (int64_t j = 0; j < mm.n; ++j) {
        T x = row[j];
        T inner = T(0.7978845608028654) * (x + T(0.044715) * x * x * x);
        row[j] = T(0.5) * x * (T(1) + std::tanh(inner));
      }
      break;
    }
  }
}

template <typename T, typename Gemm>
void gemms(const MatmulCommand &mm, const T *lhs, const T *rhs, const T *bias,
           T *out, Gemm gemm) {
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
    } else {
      gemm(CblasRowMajor, ta, tb, m, n, k, T(1), lhs + lhsOffsets[b],
           std::max(lda, 1), rhs + rhsOffsets[b], std::max(ldb, 1), T(0), c,
           std::max(n, 1));
    }
    if (mm.hasEpilogue())
      applyEpilogue(mm, bias, c);
  }
}

} // namespace

void cpu::runMatmul(const MatmulCommand &mm, GemmLibrary library,
                    const void *lhs, const void *rhs, const void *bias,
                    void *out) {
  if (mm.m == 0 || mm.n == 0)
    return;
  if (mm.dtype == DType::F32 && library == GemmLibrary::OpenBlas)
    gemms(mm, static_cast<const float *>(lhs), static_cast<const float *>(rhs),
          static_cast<const float *>(bias), static_cast<float *>(out),
          cblas_sgemm);
  else if (mm.dtype == DType::F32)
    gemms(mm, static_cast<const float *>(lhs), static_cast<const float *>(rhs),
          static_cast<const float *>(bias), static_cast<float *>(out),
          onednnSgemm);
  else
    gemms(mm, static_cast<const double *>(lhs),
          static_cast<const double *>(rhs), static_cast<const double *>(bias),
          static_cast<double *>(out), cblas_dgemm);
}

namespace {

/// Best of three timed calls of one GEMM of `mm`'s shape on scratch data.
double secondsPerGemm(const MatmulCommand &mm, cpu::GemmLibrary library) {
  MatmulCommand one = mm;
  one.batch.assign(mm.batch.size(), 1);
  one.lhsBatch.assign(mm.batch.size(), 1);
  one.rhsBatch.assign(mm.batch.size(), 1);
  one.hasBias = false;
  one.activation = MatmulActivation::None;
  std::vector<float> a(size_t(mm.m * mm.k), 0.5f), b(size_t(mm.k * mm.n), 0.25f),
      c(size_t(mm.m * mm.n));
  double best = INFINITY;
  for (int i = 0; i < 4; ++i) {
    auto start = std::chrono::steady_clock::now();
    cpu::runMatmul(one, library, a.data(), b.data(), nullptr, c.data());
    double seconds = std::chrono::duration<double>(
                         std::chrono::steady_clock::now() - start)
                         .count();
    if (i > 0) // The first call warms caches and thread pools.
      best = std::min(best, seconds);
  }
  return best;
}

} // namespace

cpu::GemmLibrary
cpu::chooseGemmLibrary(const std::vector<const MatmulCommand *> &gemms) {
  if (std::optional<GemmLibrary> forced = forcedLibrary())
    return *forced;
  using Key = std::tuple<int64_t, int64_t, int64_t, bool, bool, unsigned>;
  static std::mutex mutex;
  static std::map<Key, std::pair<double, double>> measured;
  std::lock_guard<std::mutex> lock(mutex);
  double openblas = 0, onednn = 0;
  for (const MatmulCommand *mm : gemms) {
    if (mm->dtype != DType::F32 || mm->m == 0 || mm->n == 0 || mm->k == 0 ||
        2.0 * double(mm->m) * double(mm->n) * double(mm->k) > 4e9)
      continue;
    Key key{mm->m, mm->n, mm->k, mm->transposeLhs, mm->transposeRhs, gThreads};
    auto it = measured.find(key);
    if (it == measured.end())
      it = measured
               .emplace(key, std::make_pair(
                                 secondsPerGemm(*mm, GemmLibrary::OpenBlas),
                                 secondsPerGemm(*mm, GemmLibrary::OneDnn)))
               .first;
    int64_t batches = 1;
    for (int64_t b : mm->batch)
      batches *= b;
    openblas += it->second.first * double(batches);
    onednn += it->second.second * double(batches);
  }
  return openblas < onednn ? GemmLibrary::OpenBlas : GemmLibrary::OneDnn;
}
