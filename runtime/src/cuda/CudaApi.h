//===- CudaApi.h - the CUDA driver API, loaded at run time ------*- C++ -*-===//
//
// The runtime never links libcuda: it dlopens libcuda.so.1 on first use, so
// that one tcc-run binary works on machines with and without a GPU and
// says clearly which one it is on. Types come from the toolkit's cuda.h;
// functions are looked up under the versioned names cuda.h maps them to
// (cuMemAlloc -> cuMemAlloc_v2), so the calls have the ABI the header
// declares.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_RUNTIME_SRC_CUDA_CUDAAPI_H
#define TCC_RUNTIME_SRC_CUDA_CUDAAPI_H

#include "tcc/runtime/Status.h"

#include <cuda.h>

#include <string>

namespace tcc::rt::cuda {

// X(name): every driver function the runtime calls.
#define TCC_CUDA_FUNCTIONS(X)                                                  \
  X(cuInit)                                                                    \
  X(cuDeviceGetCount)                                                          \
  X(cuDeviceGet)                                                               \
  X(cuDeviceGetName)                                                           \
  X(cuDeviceGetAttribute)                                                      \
  X(cuDevicePrimaryCtxRetain)                                                  \
  X(cuCtxSetCurrent)                                                           \
  X(cuModuleLoadDataEx)                                                        \
  X(cuModuleUnload)                                                            \
  X(cuModuleGetFunction)                                                       \
  X(cuLaunchKernel)                                                            \
  X(cuMemAlloc)                                                                \
  X(cuMemFree)                                                                 \
  X(cuMemcpyHtoDAsync)                                                         \
  X(cuMemcpyDtoHAsync)                                                         \
  X(cuMemcpyDtoDAsync)                                                         \
  X(cuMemcpy2DAsync)                                                           \
  X(cuMemsetD8Async)                                                           \
  X(cuStreamCreate)                                                            \
  X(cuStreamDestroy)                                                           \
  X(cuStreamSynchronize)                                                       \
  X(cuStreamQuery)                                                             \
  X(cuStreamBeginCapture)                                                      \
  X(cuStreamEndCapture)                                                        \
  X(cuGraphInstantiate)                                                        \
  X(cuGraphLaunch)                                                             \
  X(cuGraphExecDestroy)                                                        \
  X(cuGraphDestroy)                                                            \
  X(cuEventCreate)                                                             \
  X(cuEventRecord)                                                             \
  X(cuEventSynchronize)                                                        \
  X(cuEventQuery)                                                              \
  X(cuEventElapsedTime)                                                        \
  X(cuEventDestroy)                                                            \
  X(cuGetErrorName)                                                            \
  X(cuGetErrorString)

struct CudaApi {
#define TCC_CUDA_MEMBER(name) decltype(&::name) name = nullptr;
  TCC_CUDA_FUNCTIONS(TCC_CUDA_MEMBER)
#undef TCC_CUDA_MEMBER

  /// The process's driver API, loaded and initialized (cuInit) once; an
  /// error says whether the driver library or a device is missing.
  static StatusOr<const CudaApi *> get();

  /// OK, or an error naming the call and the driver's message.
  Status check(CUresult result, const char *call) const;

  /// The primary context of `device`, retained once for the whole process:
  /// executables come and go (a batch of artifacts, a JIT cache) without
  /// paying for a context each.
  StatusOr<CUcontext> primaryContext(CUdevice device) const;
};

} // namespace tcc::rt::cuda

#endif // TCC_RUNTIME_SRC_CUDA_CUDAAPI_H
