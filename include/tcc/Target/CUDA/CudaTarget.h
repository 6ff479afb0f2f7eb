//===- CudaTarget.h - compiling tcc programs for NVIDIA GPUs ----*- C++ -*-===//
//
// The CUDA backend shares the CPU backend's front half: the entry function
// is fused (tcc-fuse) and outlined into kernels and matmul commands with
// one plan (tcc/runtime/Plan.h). Matmuls in f32, f16 and bf16 become
// cuBLASLt calls at run time. Each kernel is tiled so that one GPU thread
// computes one tile (an element for a map, a row for softmax or
// layer_norm), bufferized, mapped onto a one-dimensional grid and lowered
// through the gpu and nvvm dialects to PTX; with a CUDA toolkit present,
// ptxas also makes a cubin for the chosen architecture.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_TARGET_CUDA_CUDATARGET_H
#define TCC_TARGET_CUDA_CUDATARGET_H

#include "tcc/Target/CPU/CpuTarget.h"

#include <optional>
#include <string>

namespace mlir::tcc {

struct CudaTargetOptions {
  /// Entry, fusion and pass manager settings, as for the CPU backend.
  CpuTargetOptions common;
  /// The GPU architecture: sm_80 or sm_90.
  std::string arch = "sm_90";
  /// Threads per block of every kernel.
  int64_t blockSize = 256;
  /// Run ptxas to add a cubin (when it is found; PTX alone otherwise).
  bool cubin = true;
  /// The CUDA toolkit's folder; empty: $CUDA_ROOT, else /usr/local/cuda.
  std::string toolkit;
};

/// What `tcc compile --target=cuda --emit=...` can stop at.
enum class CudaStage { Fused, Kernels, GpuDialect, Ptx };

struct CudaCompilation {
  /// The program after tcc-fuse (Fused only).
  OwningOpRef<ModuleOp> fused;
  rt::Plan plan;
  /// The kernels: tiled linalg on tensors (Kernels), then the gpu dialect
  /// (GpuDialect).
  OwningOpRef<ModuleOp> kernels;
  /// The PTX of every kernel (Ptx).
  std::string ptx;
  /// ptxas's cubin of `ptx` for `arch`, when the toolkit was found.
  std::string cubin;
  std::string arch;
  /// Why there is no cubin, for the driver's note.
  std::string cubinSkipped;
};

/// Compiles `module` (not modified) up to `stage`; errors are diagnostics
/// at the ops they concern.
FailureOr<CudaCompilation> compileForCuda(ModuleOp module,
                                          const CudaTargetOptions &options,
                                          CudaStage stage = CudaStage::Ptx);

/// The artifact of a compilation that reached CudaStage::Ptx: plan, PTX,
/// cubin (if any) and metadata, like packageArtifact for the CPU.
FailureOr<std::string> packageCudaArtifact(
    const CudaCompilation &compiled, StringRef sourceName, Location loc,
    ArrayRef<std::pair<std::string, std::string>> extraMetadata = {});

/// The ptxas of the toolkit `options.toolkit` names (or $CUDA_ROOT, or
/// /usr/local/cuda, or PATH); nullopt when there is none.
std::optional<std::string> findPtxas(const CudaTargetOptions &options);

} // namespace mlir::tcc

#endif // TCC_TARGET_CUDA_CUDATARGET_H
