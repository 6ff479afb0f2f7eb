//===- CublasLt.h - the plan's matmuls on cuBLASLt --------------*- C++ -*-===//
//
// libcublasLt is loaded at run time like the driver. A MatmulCommand (row
// major, numpy-broadcast batch, an optional bias/ReLU/GELU epilogue) is
// computed as its transpose in cuBLASLt's column-major terms (GemmLayout.h).
// The algorithm for each shape and epilogue is chosen once by cuBLASLt's
// heuristic and cached with its descriptors; one workspace, allocated at
// creation, serves every call.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_SRC_CUDA_CUBLASLT_H
#define TCC_RUNTIME_SRC_CUDA_CUBLASLT_H

#include "CudaApi.h"
#include "GemmLayout.h"

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

  /// Enqueues `command` on `stream` for operands at the given addresses
  /// (`bias` is read only when the command has one).
  Status matmul(const MatmulCommand &command, CUdeviceptr lhs, CUdeviceptr rhs,
                CUdeviceptr bias, CUdeviceptr out, CUstream stream);

  /// "cuBLASLt 13.0.2".
  std::string version() const;
  /// Bytes of device memory the workspace takes.
  size_t workspaceBytes() const { return workspaceBytes_; }

  struct Api;
  struct Shape;

private:
  CublasLt() = default;
  /// The cached descriptors and algorithm of `layout`, made on first use.
  StatusOr<const Shape *> shapeFor(const MatmulCommand &command,
                                   const GemmLayout &layout, CUdeviceptr bias);

  const CudaApi *cuda_ = nullptr;
  const Api *api_ = nullptr;
  void *handle_ = nullptr;
  CUdeviceptr workspace_ = 0;
  size_t workspaceBytes_ = 0;
  std::map<std::string, std::unique_ptr<Shape>> shapes_;
};

} // namespace tcc::rt::cuda

#endif // TCC_RUNTIME_SRC_CUDA_CUBLASLT_H
