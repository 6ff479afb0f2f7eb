//===- CublasLt.cpp - the plan's matmuls on cuBLASLt ----------------------===//

#include "CublasLt.h"

#include <cublasLt.h>
#include <dlfcn.h>

#include <cstdlib>
#include <mutex>
#include <vector>

using namespace tcc::rt;
using namespace tcc::rt::cuda;

#define TCC_CUBLASLT_FUNCTIONS(X)                                              \
  X(cublasLtCreate)                                                            \
  X(cublasLtDestroy)                                                           \
  X(cublasLtGetVersion)                                                        \
  X(cublasLtGetStatusString)                                                   \
  X(cublasLtMatmulDescCreate)                                                  \
  X(cublasLtMatmulDescDestroy)                                                 \
  X(cublasLtMatmulDescSetAttribute)                                            \
  X(cublasLtMatrixLayoutCreate)                                                \
  X(cublasLtMatrixLayoutDestroy)                                               \
  X(cublasLtMatrixLayoutSetAttribute)                                          \
  X(cublasLtMatmulPreferenceCreate)                                            \
  X(cublasLtMatmulPreferenceDestroy)                                           \
  X(cublasLtMatmulPreferenceSetAttribute)                                      \
  X(cublasLtMatmulAlgoGetHeuristic)                                            \
  X(cublasLtMatmul)

struct CublasLt::Api {
#define TCC_CUBLASLT_MEMBER(name) decltype(&::name) name = nullptr;
  TCC_CUBLASLT_FUNCTIONS(TCC_CUBLASLT_MEMBER)
#undef TCC_CUBLASLT_MEMBER

  Status check(cublasStatus_t status, const char *call) const {
    if (status == CUBLAS_STATUS_SUCCESS)
      return Status::ok();
    const char *text = cublasLtGetStatusString ? cublasLtGetStatusString(status)
                                               : nullptr;
    return Status::error(std::string(call) + " failed: " +
                         (text ? text : "status " + std::to_string(status)));
  }
};

/// The descriptors and algorithm of one matmul shape.
struct CublasLt::Shape {
  const Api *api = nullptr;
  cublasLtMatmulDesc_t desc = nullptr;
  cublasLtMatrixLayout_t a = nullptr, b = nullptr, c = nullptr;
  cublasLtMatmulAlgo_t algo{};
  ~Shape() {
    if (desc)
      api->cublasLtMatmulDescDestroy(desc);
    for (cublasLtMatrixLayout_t layout : {a, b, c})
      if (layout)
        api->cublasLtMatrixLayoutDestroy(layout);
  }
};

namespace {

StatusOr<const CublasLt::Api *> loadApi() {
  static CublasLt::Api api;
  static std::once_flag once;
  static Status loaded = Status::ok();
  std::call_once(once, [] {
    std::vector<std::string> candidates{"libcublasLt.so.13", "libcublasLt.so.12"};
    if (const char *root = std::getenv("CUDA_ROOT"))
      candidates.push_back(std::string(root) + "/lib64/libcublasLt.so.13");
    candidates.push_back("/usr/local/cuda/lib64/libcublasLt.so.13");
    void *library = nullptr;
    for (const std::string &name : candidates)
      if ((library = dlopen(name.c_str(), RTLD_NOW | RTLD_LOCAL)))
        break;
    if (!library) {
      loaded = Status::error("cuBLASLt is not installed: libcublasLt.so.13 "
                             "cannot be loaded (set LD_LIBRARY_PATH or "
                             "CUDA_ROOT); matmuls of a cuda artifact need it");
      return;
    }
#define TCC_CUBLASLT_LOOKUP(name)                                              \
  api.name = reinterpret_cast<decltype(api.name)>(dlsym(library, #name));      \
  if (!api.name) {                                                             \
    loaded = Status::error("libcublasLt has no " #name);                       \
    return;                                                                    \
  }
    TCC_CUBLASLT_FUNCTIONS(TCC_CUBLASLT_LOOKUP)
#undef TCC_CUBLASLT_LOOKUP
  });
  if (!loaded)
    return loaded;
  return &api;
}

cudaDataType_t dataType(DType dtype) {
  switch (dtype) {
  case DType::F64:
    return CUDA_R_64F;
  case DType::F16:
    return CUDA_R_16F;
  case DType::BF16:
    return CUDA_R_16BF;
  default:
    return CUDA_R_32F;
  }
}

/// Whether an operand's batch shape is the whole batch (stride: a matrix)
/// or broadcast over all of it (stride 0); otherwise batches are issued
/// one by one.
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

} // namespace

StatusOr<std::unique_ptr<CublasLt>> CublasLt::create(const CudaApi &cuda) {
  StatusOr<const Api *> api = loadApi();
  if (!api.isOk())
    return api.status();
  std::unique_ptr<CublasLt> blas(new CublasLt);
  blas->cuda_ = &cuda;
  blas->api_ = *api;
  cublasLtHandle_t handle = nullptr;
  if (Status s = (*api)->check((*api)->cublasLtCreate(&handle), "cublasLtCreate");
      !s)
    return s;
  blas->handle_ = handle;
  // cuBLAS's recommendation for Hopper: 32 MiB.
  blas->workspaceBytes_ = size_t(32) << 20;
  if (Status s = cuda.check(cuda.cuMemAlloc(&blas->workspace_,
                                            blas->workspaceBytes_),
                            "cuMemAlloc (cuBLASLt workspace)");
      !s)
    return s;
  return blas;
}

CublasLt::~CublasLt() {
  shapes_.clear();
  if (handle_)
    api_->cublasLtDestroy(static_cast<cublasLtHandle_t>(handle_));
  if (workspace_)
    cuda_->cuMemFree(workspace_);
}

std::string CublasLt::version() const {
  size_t v = api_->cublasLtGetVersion();
  return "cuBLASLt " + std::to_string(v / 10000) + "." +
         std::to_string(v / 100 % 100) + "." + std::to_string(v % 100);
}

Status CublasLt::matmul(const MatmulCommand &mm, CUdeviceptr lhs,
                        CUdeviceptr rhs, CUdeviceptr out, CUstream stream) {
  int64_t element = static_cast<int64_t>(dtypeSize(mm.dtype));
  int64_t lhsMatrix = mm.m * mm.k * element, rhsMatrix = mm.k * mm.n * element,
          outMatrix = mm.m * mm.n * element;
  int64_t batches = 1;
  for (int64_t d : mm.batch)
    batches *= d;
  Batching lhsBatching = batchingOf(mm.lhsBatch, mm.batch);
  Batching rhsBatching = batchingOf(mm.rhsBatch, mm.batch);
  if (lhsBatching != Batching::Mixed && rhsBatching != Batching::Mixed)
    return matmulOnce(mm, batches,
                      lhsBatching == Batching::Full ? lhsMatrix / element : 0,
                      rhsBatching == Batching::Full ? rhsMatrix / element : 0,
                      lhs, rhs, out, stream);
  // Partial broadcasting: one call per batch index, operands located like
  // numpy's broadcasting does.
  std::vector<int64_t> index(mm.batch.size(), 0);
  for (int64_t b = 0; b < batches; ++b) {
    int64_t lhsOffset = 0, rhsOffset = 0;
    for (size_t d = 0; d < mm.batch.size(); ++d) {
      lhsOffset = lhsOffset * mm.lhsBatch[d] + (mm.lhsBatch[d] == 1 ? 0 : index[d]);
      rhsOffset = rhsOffset * mm.rhsBatch[d] + (mm.rhsBatch[d] == 1 ? 0 : index[d]);
    }
    if (Status s = matmulOnce(mm, 1, 0, 0, lhs + lhsOffset * lhsMatrix,
                              rhs + rhsOffset * rhsMatrix, out + b * outMatrix,
                              stream);
        !s)
      return s;
    for (size_t d = mm.batch.size(); d-- > 0;) {
      if (++index[d] < mm.batch[d])
        break;
      index[d] = 0;
    }
  }
  return Status::ok();
}

Status CublasLt::matmulOnce(const MatmulCommand &mm, int64_t batchCount,
                            int64_t lhsStride, int64_t rhsStride,
                            CUdeviceptr lhs, CUdeviceptr rhs, CUdeviceptr out,
                            CUstream stream) {
  const Api &api = *api_;
  std::string key = std::to_string(static_cast<int>(mm.dtype)) + ":" +
                    std::to_string(mm.m) + "x" + std::to_string(mm.n) + "x" +
                    std::to_string(mm.k) + ":" + (mm.transposeLhs ? "T" : "N") +
                    (mm.transposeRhs ? "T" : "N") + ":" +
                    std::to_string(batchCount) + ":" +
                    std::to_string(lhsStride) + ":" + std::to_string(rhsStride);
  auto found = shapes_.find(key);
  if (found == shapes_.end()) {
    auto shape = std::make_unique<Shape>();
    shape->api = api_;
    cudaDataType_t type = dataType(mm.dtype);
    bool f64 = mm.dtype == DType::F64;
    cublasComputeType_t compute = f64 ? CUBLAS_COMPUTE_64F : CUBLAS_COMPUTE_32F;
    cudaDataType_t scale = f64 ? CUDA_R_64F : CUDA_R_32F;
    if (Status s = api.check(api.cublasLtMatmulDescCreate(&shape->desc, compute,
                                                          scale),
                             "cublasLtMatmulDescCreate");
        !s)
      return s;
    // Column-major view of the row-major product: A is rhs, B is lhs.
    cublasOperation_t opA = mm.transposeRhs ? CUBLAS_OP_T : CUBLAS_OP_N;
    cublasOperation_t opB = mm.transposeLhs ? CUBLAS_OP_T : CUBLAS_OP_N;
    api.cublasLtMatmulDescSetAttribute(shape->desc, CUBLASLT_MATMUL_DESC_TRANSA,
                                       &opA, sizeof opA);
    api.cublasLtMatmulDescSetAttribute(shape->desc, CUBLASLT_MATMUL_DESC_TRANSB,
                                       &opB, sizeof opB);
    uint64_t aRows = mm.transposeRhs ? mm.k : mm.n;
    uint64_t aCols = mm.transposeRhs ? mm.n : mm.k;
    uint64_t bRows = mm.transposeLhs ? mm.m : mm.k;
    uint64_t bCols = mm.transposeLhs ? mm.k : mm.m;
    struct LayoutSpec {
      cublasLtMatrixLayout_t *layout;
      uint64_t rows, cols;
      int64_t stride;
    } specs[] = {{&shape->a, aRows, aCols, rhsStride},
                 {&shape->b, bRows, bCols, lhsStride},
                 {&shape->c, static_cast<uint64_t>(mm.n),
                  static_cast<uint64_t>(mm.m), mm.m * mm.n}};
    for (const LayoutSpec &spec : specs) {
      if (Status s = api.check(api.cublasLtMatrixLayoutCreate(
                                   spec.layout, type, spec.rows, spec.cols,
                                   static_cast<int64_t>(spec.rows)),
                               "cublasLtMatrixLayoutCreate");
          !s)
        return s;
      if (batchCount > 1) {
        int32_t count = static_cast<int32_t>(batchCount);
        api.cublasLtMatrixLayoutSetAttribute(
            *spec.layout, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count,
            sizeof count);
        int64_t stride = spec.stride;
        api.cublasLtMatrixLayoutSetAttribute(
            *spec.layout, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride,
            sizeof stride);
      }
    }
    cublasLtMatmulPreference_t preference = nullptr;
    if (Status s = api.check(api.cublasLtMatmulPreferenceCreate(&preference),
                             "cublasLtMatmulPreferenceCreate");
        !s)
      return s;
    size_t workspace = workspaceBytes_;
    api.cublasLtMatmulPreferenceSetAttribute(
        preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace,
        sizeof workspace);
    cublasLtMatmulHeuristicResult_t result{};
    int candidates = 0;
    cublasStatus_t heuristic = api.cublasLtMatmulAlgoGetHeuristic(
        static_cast<cublasLtHandle_t>(handle_), shape->desc, shape->a,
        shape->b, shape->c, shape->c, preference, 1, &result, &candidates);
    api.cublasLtMatmulPreferenceDestroy(preference);
    if (Status s = api.check(heuristic, "cublasLtMatmulAlgoGetHeuristic"); !s)
      return s;
    if (candidates == 0)
      return Status::error("cuBLASLt has no algorithm for a " +
                           std::string(dtypeName(mm.dtype)) + " " +
                           std::to_string(mm.m) + "x" + std::to_string(mm.n) +
                           "x" + std::to_string(mm.k) + " matmul");
    shape->algo = result.algo;
    found = shapes_.emplace(key, std::move(shape)).first;
  }
  const Shape &shape = *found->second;
  double alpha64 = 1, beta64 = 0;
  float alpha32 = 1, beta32 = 0;
  bool f64 = mm.dtype == DType::F64;
  const void *alpha = f64 ? static_cast<const void *>(&alpha64) : &alpha32;
  const void *beta = f64 ? static_cast<const void *>(&beta64) : &beta32;
  return api.check(
      api.cublasLtMatmul(static_cast<cublasLtHandle_t>(handle_), shape.desc,
                         alpha, reinterpret_cast<const void *>(rhs), shape.a,
                         reinterpret_cast<const void *>(lhs), shape.b, beta,
                         reinterpret_cast<const void *>(out), shape.c,
                         reinterpret_cast<void *>(out), shape.c, &shape.algo,
                         reinterpret_cast<void *>(workspace_), workspaceBytes_,
                         reinterpret_cast<cudaStream_t>(stream)),
      "cublasLtMatmul");
}
