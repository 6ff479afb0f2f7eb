//===- CpuPipeline.h - the CPU backend's phases -----------------*- C++ -*-===//
//
// compileForCpu (CpuTarget.cpp) runs these in order. The CUDA backend
// (lib/Target/CUDA) reuses outlining, elementwise fusion, tile-and-fuse and
// the erf approximation: kernels and plans are target-independent until
// they are mapped onto threads.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_TARGET_CPU_CPUPIPELINE_H
#define TCC_TARGET_CPU_CPUPIPELINE_H

#include "tcc/Dialect/Tcc/IR/TccOps.h"
#include "tcc/Target/CPU/CpuTarget.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::tcc::cpu {

/// Attribute on each kernel function: how many tiles its range covers.
inline constexpr char kTilesAttr[] = "tcc_tiles";

/// Makes the dialects, interface models (bufferization, tiling, translation
/// to LLVM IR) and named passes that the backends use available in
/// `context`.
void prepareContext(MLIRContext *context);

/// The function `name` of `program` (or its only public one) if `backend`
/// ("CPU", "CUDA", for messages) can compile it: tensors in and out. Its
/// sharding hints (tcc.annotate) are removed, as a compiled program has
/// its layout, and so are ops no result depends on.
FailureOr<func::FuncOp> findCompilableEntry(ModuleOp program, StringRef name,
                                            StringRef backend);

/// Splits the fused entry function into kernels (functions on memrefs with
/// a linalg-on-tensors body: inputs, outputs, a status memref<1xi32>, and
/// the tile range begin, end) and BLAS calls, and plans their buffers.
/// Kernels are named tcc_kernel_<i>; `kernels` receives them.
FailureOr<rt::Plan> outlineKernels(func::FuncOp entry, ModuleOp kernels,
                                   const CpuTargetOptions &options);

/// The ops after a library matmul that the library applies to the product
/// itself (rt::MatmulCommand's epilogue; LibraryEpilogue.cpp).
struct LibraryEpilogue {
  /// The ops the library computes, none of them needed by the group's other
  /// ops or outputs but through `result`.
  SmallVector<Operation *> absorbed;
  /// The group input of n elements added to every row; null if none.
  Value bias;
  rt::MatmulActivation activation = rt::MatmulActivation::None;
  /// What the library writes: the product, or the last absorbed op's result.
  Value result;
};

/// The longest chain bias-add, then ReLU or tanh-GELU, after `matmul` in a
/// group of `ops` reading `inputs` and yielding `outputs`.
LibraryEpilogue matchLibraryEpilogue(MatmulOp matmul, ArrayRef<Operation *> ops,
                                     ArrayRef<Value> inputs,
                                     ArrayRef<Value> outputs);

/// Merges elementwise producers with one use into their consumers (MLIR's
/// elementwise fusion), except a computation on fewer elements than its
/// consumer (a per-row reciprocal, read through a broadcasting map), which
/// would then be repeated per element. Pure broadcasts merge.
LogicalResult fuseElementwise(ModuleOp kernels);

/// Tiles the kernel's last computation over its outermost parallel loop
/// and fuses its producers into the tile, so that a kernel makes one pass
/// over its rows; the loop covers tiles [begin, end). Sets kTilesAttr (1
/// when the kernel is not split).
LogicalResult tileKernel(func::FuncOp kernel, const CpuTargetOptions &options);

/// The op computing the kernel's last stored value: the tiling root.
linalg::LinalgOp findTilingRoot(func::FuncOp kernel);

/// Tiles the kernel's root with `tileSizes` (one per root loop; 0 leaves a
/// loop whole) and fuses into the tile every producer whose tile is a strict
/// slice of its result, also for a producer read by several fused ops.
/// Returns the tile loops, outermost first, when the whole kernel went into
/// them (only fills may stay outside, unless `fuseFills`: then fills of
/// accumulators are computed per tile too, as a GPU thread per tile needs);
/// else failure, with the kernel in an unspecified state: work on a clone.
FailureOr<SmallVector<scf::ForOp>>
tileAndFuseKernel(func::FuncOp kernel, ArrayRef<int64_t> tileSizes,
                  bool fuseFills);

/// A select-free rational approximation of f32 erf, preferred over MLIR's
/// (ErfApproximation.cpp).
void populateErfApproximation(RewritePatternSet &patterns);

/// memref.copy -> linalg.copy, so that copies become loops (CopyToLoops.cpp).
void populateCopyToLoopsPatterns(RewritePatternSet &patterns);

/// Bufferizes the kernels and lowers them to the LLVM dialect.
LogicalResult lowerKernelsToLLVMDialect(ModuleOp kernels,
                                        const CpuTargetOptions &options);

/// Translates to LLVM IR, adds the entry points the runtime calls
/// (void tcc_kernel_<i>(void **args, int64_t begin, int64_t end)),
/// optimizes for the target and, unless `stopAtIR`, emits an object file
/// and links it into a shared object with lld.
LogicalResult emitKernelObject(ModuleOp kernels, const CpuTargetOptions &options,
                               bool stopAtIR, CpuCompilation &result);

} // namespace mlir::tcc::cpu

#endif // TCC_TARGET_CPU_CPUPIPELINE_H
