//===- CpuTarget.h - compiling tcc programs for the host CPU ----*- C++ -*-===//
//
// The CPU backend: the entry function is fused (tcc-fuse), each fusion
// group and each remaining op becomes one kernel (or a BLAS call plus an
// epilogue kernel for a matmul group), the kernels are lowered through
// linalg, tiled over their rows, bufferized and compiled by LLVM for the
// host into one shared object that lld links, and the order of kernels,
// library calls and buffers becomes the runtime's plan (tcc/runtime/Plan.h).
//
//===----------------------------------------------------------------------===//

#ifndef TCC_TARGET_CPU_CPUTARGET_H
#define TCC_TARGET_CPU_CPUTARGET_H

#include "tcc/runtime/Artifact.h"
#include "tcc/runtime/Plan.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <functional>
#include <optional>
#include <string>

namespace mlir {
class PassManager;
} // namespace mlir

namespace mlir::tcc {

namespace rt = ::tcc::rt;

struct CpuTargetOptions {
  /// The function to compile (empty: the module's only public function).
  std::string entry;
  /// LLVM CPU name and feature string; "host" is this machine's.
  std::string cpu = "host";
  std::string features;
  /// LLVM optimization level, 0-3.
  unsigned optLevel = 3;
  /// About how many elements one tile of a kernel computes: big enough to
  /// amortize a call, small enough that a row's temporaries stay in cache.
  int64_t tileElements = 16384;
  /// Matmuls in f32/f64 go to the BLAS library (else: generated loops).
  bool useBlas = true;
  /// f16 and bf16 matmuls go to the library too (cuBLASLt has them,
  /// OpenBLAS does not).
  bool libraryMatmulsInHalf = false;
  /// The library applies a library matmul's bias add and ReLU/tanh-GELU
  /// (rt::MatmulCommand's epilogue) instead of the kernel after it. Unset:
  /// the backend's choice (on for cuda, where cuBLASLt fuses them into the
  /// GEMM; off for cpu, whose generated epilogue kernels are threaded and
  /// vectorized).
  std::optional<bool> matmulEpilogues;
  /// Group ops into fused kernels (tcc-fuse); without, each op is a kernel
  /// (`tcc verify` compares op by op this way).
  bool fuse = true;
  /// Called on every pass manager the backend runs (for MLIR's
  /// --mlir-print-ir-after-all, --mlir-timing, ...).
  std::function<LogicalResult(PassManager &)> configurePassManager;
};

/// What `tcc compile --emit=...` can stop at.
enum class CpuStage { Fused, Kernels, LLVMDialect, LLVMIR, Object };

struct CpuCompilation {
  /// The program after tcc-fuse (Fused only).
  OwningOpRef<ModuleOp> fused;
  rt::Plan plan;
  /// The kernels as MLIR: tiled linalg on tensors (Kernels), then the LLVM
  /// dialect (LLVMDialect).
  OwningOpRef<ModuleOp> kernels;
  /// LLVM IR text, after optimization (LLVMIR and later).
  std::string llvmIR;
  /// The linked shared object (Object).
  std::string sharedObject;
  /// Target description for the artifact's metadata.
  std::string targetCpu, targetFeatures;
};

/// Compiles `module` (not modified) up to `stage`. Errors are emitted as
/// diagnostics at the ops they concern.
FailureOr<CpuCompilation> compileForCpu(ModuleOp module,
                                        const CpuTargetOptions &options,
                                        CpuStage stage = CpuStage::Object);

/// The artifact (.tccm) of a compilation that reached CpuStage::Object:
/// the plan, the kernels' shared object and metadata (producer, source,
/// target CPU and features, planned arena bytes), plus one metadata section
/// per `extraMetadata` entry (name, JSON text). Errors go to `loc`.
FailureOr<std::string> packageArtifact(
    const CpuCompilation &compiled, StringRef sourceName, Location loc,
    ArrayRef<std::pair<std::string, std::string>> extraMetadata = {});

/// A section of compiled code in an artifact (HostObject, Ptx, Cubin).
struct CodeSection {
  rt::SectionKind kind;
  std::string name;
  std::string_view bytes;
};

/// The artifact both backends write: the plan, the code sections, a
/// metadata section (producer, source, the plan's target, then
/// `targetMetadata`, then arena_bytes) and one metadata section per
/// `extraMetadata` entry (name, JSON text). Errors go to `loc`.
FailureOr<std::string> writeArtifact(
    const rt::Plan &plan, StringRef sourceName,
    ArrayRef<std::pair<std::string, std::string>> targetMetadata,
    ArrayRef<CodeSection> code, Location loc,
    ArrayRef<std::pair<std::string, std::string>> extraMetadata);

/// "tcc 0.1.0".
const char *compilerVersion();

/// What a command computes, for errors, traces and reports:
/// "tcc.fusion contraction at model.mlir:12:8" (a fused location's first
/// place: the group's first op).
std::string commandLabel(Operation *op);

} // namespace mlir::tcc

#endif // TCC_TARGET_CPU_CPUTARGET_H
