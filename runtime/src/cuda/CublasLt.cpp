//===- CublasLt.cpp - the plan's matmuls on cuBLASLt ----------------------===//

#include "CublasLt.h"
#include "GemmLayout.h"

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

cublasLtEpilogue_t epilogueOf(const GemmLayout &layout) {
  switch (layout.activation) {
  case MatmulActivation::None:
    return layout.bias ? CUBLASLT_EPILOGUE_BIAS : CUBLASLT_EPILOGUE_DEFAULT;
  case MatmulActivation::Relu:
    return layout.bias ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_RELU;
  case MatmulActivation::GeluTanh:
    return layout.bias ? CUBLASLT_EPILOGUE_GELU_BIAS : CUBLASLT_EPILOGUE_GELU;
  }
  return CUBLASLT_EPILOGUE_DEFAULT;
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
                        CUdeviceptr rhs, CUdeviceptr bias, CUdeviceptr out,
                        CUstream stream) {
  if (mm.m == 0 || mm.n == 0)
    return Status::ok();
  GemmLayout layout = layoutGemm(mm);
  StatusOr<const Shape *> shape = shapeFor(mm, layout, bias);
  if (!shape.isOk())
    return shape.status();
  const Api &api = *api_;
  const Shape &found = **shape;
  if (layout.bias)
    // The descriptor is shared by every command of this shape; the bias
    // pointer is this command's (captured with the call into a CUDA graph).
    api.cublasLtMatmulDescSetAttribute(found.desc,
                                       CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias,
                                       sizeof bias);
  double alpha64 = 1, beta64 = 0;
  float alpha32 = 1, beta32 = 0;
  bool f64 = mm.dtype == DType::F64;
  const void *alpha = f64 ? static_cast<const void *>(&alpha64) : &alpha32;
  const void *beta = f64 ? static_cast<const void *>(&beta64) : &beta32;
  auto at = [&](CUdeviceptr base, int64_t offset) {
    return reinterpret_cast<void *>(
        base + static_cast<CUdeviceptr>(offset) * dtypeSize(mm.dtype));
  };
  for (const GemmCall &call : layout.calls)
    if (Status s = api.check(
            api.cublasLtMatmul(static_cast<cublasLtHandle_t>(handle_),
                               found.desc, alpha, at(rhs, call.rhsOffset),
                               found.a, at(lhs, call.lhsOffset), found.b, beta,
                               at(out, call.outOffset), found.c,
                               at(out, call.outOffset), found.c, &found.algo,
                               reinterpret_cast<void *>(workspace_),
                               workspaceBytes_,
                               reinterpret_cast<cudaStream_t>(stream)),
            "cublasLtMatmul");
        !s)
      return s;
  return Status::ok();
}

StatusOr<const CublasLt::Shape *>
CublasLt::shapeFor(const MatmulCommand &mm, const GemmLayout &layout,
                   CUdeviceptr bias) {
  std::string key = layout.cacheKey(mm.dtype);
  if (auto found = shapes_.find(key); found != shapes_.end())
    return found->second.get();
  const Api &api = *api_;
  auto shape = std::make_unique<Shape>();
  shape->api = api_;
  cudaDataType_t type = dataType(mm.dtype);
  bool f64 = mm.dtype == DType::F64;
  cublasComputeType_t compute = f64 ? CUBLAS_COMPUTE_64F : CUBLAS_COMPUTE_32F;
  cudaDataType_t scale = f64 ? CUDA_R_64F : CUDA_R_32F;
  if (Status s = api.check(
          api.cublasLtMatmulDescCreate(&shape->desc, compute, scale),
          "cublasLtMatmulDescCreate");
      !s)
    return s;
  cublasOperation_t opA = layout.transposeA ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasOperation_t opB = layout.transposeB ? CUBLAS_OP_T : CUBLAS_OP_N;
  api.cublasLtMatmulDescSetAttribute(shape->desc, CUBLASLT_MATMUL_DESC_TRANSA,
                                     &opA, sizeof opA);
  api.cublasLtMatmulDescSetAttribute(shape->desc, CUBLASLT_MATMUL_DESC_TRANSB,
                                     &opB, sizeof opB);
  cublasLtEpilogue_t epilogue = epilogueOf(layout);
  api.cublasLtMatmulDescSetAttribute(shape->desc, CUBLASLT_MATMUL_DESC_EPILOGUE,
                                     &epilogue, sizeof epilogue);
  if (layout.bias)
    // The heuristic reads the pointer's alignment; the first command's
    // stands for all (the runtime's buffers are all 256-byte aligned).
    api.cublasLtMatmulDescSetAttribute(shape->desc,
                                       CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias,
                                       sizeof bias);
  struct LayoutSpec {
    cublasLtMatrixLayout_t *handle;
    const ColumnMajorLayout &matrix;
  } specs[] = {{&shape->a, layout.a}, {&shape->b, layout.b},
               {&shape->c, layout.d}};
  for (const LayoutSpec &spec : specs) {
    if (Status s = api.check(api.cublasLtMatrixLayoutCreate(
                                 spec.handle, type, spec.matrix.rows,
                                 spec.matrix.cols, spec.matrix.leadingDim),
                             "cublasLtMatrixLayoutCreate");
        !s)
      return s;
    if (layout.batchCount > 1) {
      int32_t count = static_cast<int32_t>(layout.batchCount);
      api.cublasLtMatrixLayoutSetAttribute(
          *spec.handle, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &count,
          sizeof count);
      int64_t stride = spec.matrix.batchStride;
      api.cublasLtMatrixLayoutSetAttribute(
          *spec.handle, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &stride,
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
      static_cast<cublasLtHandle_t>(handle_), shape->desc, shape->a, shape->b,
      shape->c, shape->c, preference, 1, &result, &candidates);
  api.cublasLtMatmulPreferenceDestroy(preference);
  if (Status s = api.check(heuristic, "cublasLtMatmulAlgoGetHeuristic"); !s)
    return s;
  if (candidates == 0)
    return Status::error(
        "cuBLASLt has no algorithm for a " + std::string(dtypeName(mm.dtype)) +
        " " + std::to_string(mm.m) + "x" + std::to_string(mm.n) + "x" +
        std::to_string(mm.k) + " matmul with epilogue " +
        (layout.bias ? "bias+" : "") + matmulActivationName(layout.activation));
  shape->algo = result.algo;
  return shapes_.emplace(key, std::move(shape)).first->second.get();
}
