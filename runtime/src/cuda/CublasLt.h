//===- CublasLt.h - the plan's matmuls on cuBLASLt --------------*- C++ -*-===//
//
// libcublasLt is loaded at run time like the driver. A MatmulCommand (row
// major, numpy-broadcast batch) is computed as its transpose in cuBLASLt's
// column-major terms: D^T = op(rhs)^T op(lhs)^T. The algorithm for each
// shape is chosen once by cuBLASLt's heuristic and cached with its
// descriptors; one workspace, allocated at creation, serves every call.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_SRC_CUDA_CUBLASLT_H
#define TCC_RUNTIME_SRC_CUDA_CUBLASLT_H

#include "CudaApi.h"

#include "tcc/runtime/Plan.h"

#include <map>
#include <memory>
#include <string>

namespace tcc::rt::cuda {

class CublasLt {
public:
  /// Loads the library and allocates the workspace on the current context.
  static StatusOr<std::unique_ptr<CublasLt>> create(const CudaApi &api);
  ~CublasLt();

  /// Enqueues `command` on `stream` for operands at the given addresses.
  Status matmul(const MatmulCommand &command, CUdeviceptr lhs, CUdeviceptr rhs,
                CUdeviceptr out, CUstream stream);

  /// "cuBLASLt 13.0.2".
  std::string version() const;
  /// Bytes of device memory the workspace takes.
  size_t workspaceBytes() const { return workspaceBytes_; }

  struct Api;
  struct Shape;

private:
  CublasLt() = default;
  Status matmulOnce(const MatmulCommand &command, int64_t batchCount,
                    int64_t lhsStride, int64_t rhsStride, CUdeviceptr lhs,
                    CUdeviceptr rhs, CUdeviceptr out, CUstream stream);

  const CudaApi *cuda_ = nullptr;
  const Api *api_ = nullptr;
  void *handle_ = nullptr;
  CUdeviceptr workspace_ = 0;
  size_t workspaceBytes_ = 0;
  std::map<std::string, std::unique_ptr<Shape>> shapes_;
};

} // namespace tcc::rt::cuda

#endif // TCC_RUNTIME_SRC_CUDA_CUBLASLT_H
