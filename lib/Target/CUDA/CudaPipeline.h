//===- CudaPipeline.h - the CUDA backend's phases ---------------*- C++ -*-===//
//
// Internal to lib/Target/CUDA: compileForCuda (CudaTarget.cpp) runs these
// in order, after the phases it shares with the CPU backend.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_LIB_TARGET_CUDA_CUDAPIPELINE_H
#define TCC_LIB_TARGET_CUDA_CUDAPIPELINE_H

#include "tcc/Target/CUDA/CudaTarget.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::tcc::cuda {

/// Attributes tileForGrid sets on each kernel: how many tile loops map onto
/// the grid, and how many threads (tiles) they make.
inline constexpr char kGridLoopsAttr[] = "tcc_grid_loops";
inline constexpr char kGridThreadsAttr[] = "tcc_grid_threads";

/// The plan's kernel commands by kernel symbol.
inline llvm::StringMap<rt::KernelCommand *> kernelCommands(rt::Plan &plan) {
  llvm::StringMap<rt::KernelCommand *> commands;
  for (rt::Command &command : plan.commands)
    if (command.kind == rt::Command::Kind::Kernel)
      commands[command.kernel.symbol] = &command.kernel;
  return commands;
}

/// Tiles a kernel (linalg on tensors) so that one tile is one thread's work
/// (GridMapping.cpp).
LogicalResult tileForGrid(func::FuncOp kernel);

/// Bufferizes the kernels, turns their temporaries into per-thread stack
/// buffers (inside the tile loops) or scratch buffers of the plan's arena
/// (outside them), and lowers their linalg ops to loops (GpuCodegen.cpp).
LogicalResult lowerKernelsToLoops(ModuleOp kernels,
                                  const CudaTargetOptions &options,
                                  rt::Plan &plan);

/// Moves a bufferized kernel into `target` as a gpu.func whose threads each
/// run one tile, and records its launch shape in `command`.
LogicalResult mapOntoGrid(func::FuncOp kernel, gpu::GPUModuleOp target,
                          int64_t blockSize, rt::KernelCommand &command);

/// Whether the work of one tile (the body of the innermost tile loop) is a
/// row of maps and reductions that a warp can split, each lane taking every
/// 32nd element (WarpRows.cpp).
bool canSplitRowOverWarp(Block &row);

/// Splits such a row between the lanes of a warp: `lane` is the thread's
/// index in its warp. Does nothing when canSplitRowOverWarp is false.
void splitRowOverWarp(Block &row, Value lane);

/// Lowers the gpu module of `container` to NVVM and PTX for options.arch
/// and, when ptxas is found, assembles a cubin (GpuCodegen.cpp).
LogicalResult emitPtx(ModuleOp container, const CudaTargetOptions &options,
                      CudaCompilation &result);

} // namespace mlir::tcc::cuda

#endif // TCC_LIB_TARGET_CUDA_CUDAPIPELINE_H
