//===- CudaTarget.cpp - the CUDA backend's driver -------------------------===//

#include "tcc/Target/CUDA/CudaTarget.h"

#include "CudaPipeline.h"

#include "tcc/Analysis/Replication.h"
#include "tcc/Target/CPU/CpuPipeline.h"
#include "tcc/Transforms/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::tcc;

FailureOr<CudaCompilation>
mlir::tcc::compileForCuda(ModuleOp module, const CudaTargetOptions &options,
                          CudaStage stage) {
  MLIRContext *context = module.getContext();
  cpu::prepareContext(context);
  context->loadDialect<gpu::GPUDialect, NVVM::NVVMDialect>();
  // gpu-module-to-binary translates the gpu module to LLVM IR.
  DialectRegistry translations;
  registerBuiltinDialectTranslation(translations);
  registerLLVMDialectTranslation(translations);
  registerGPUDialectTranslation(translations);
  registerNVVMDialectTranslation(translations);
  context->appendDialectRegistry(translations);
  if (options.arch != "sm_80" && options.arch != "sm_90")
    return module.emitError("--gpu-arch=")
           << options.arch << " is not supported (sm_80 or sm_90)";
  if (options.blockSize < 32 || options.blockSize > 1024 ||
      options.blockSize % 32 != 0)
    return module.emitError("the block size must be a multiple of 32 in "
                            "[32, 1024], got ")
           << options.blockSize;

  OwningOpRef<ModuleOp> program(cast<ModuleOp>(module->clone()));
  FailureOr<func::FuncOp> entry =
      cpu::findCompilableEntry(*program, options.common.entry, "CUDA");
  if (failed(entry))
    return failure();
  // A per-device program's collectives run on NCCL; like on the CPU, it
  // must return as replicated only what is the same on every device.
  if (failed(checkReplication(*entry)))
    return failure();

  CudaCompilation result;
  PassManager fuse(context);
  if (options.common.configurePassManager &&
      failed(options.common.configurePassManager(fuse)))
    return failure();
  if (options.common.fuse)
    fuse.addPass(createTccFuse());
  if (failed(fuse.run(*program)))
    return failure();
  if (stage == CudaStage::Fused) {
    result.fused = std::move(program);
    return result;
  }

  // Outlining and elementwise fusion are the CPU backend's; cuBLASLt takes
  // f16 and bf16 matmuls too, and applies bias/ReLU/GELU inside the GEMM.
  CpuTargetOptions outlining = options.common;
  outlining.libraryMatmulsInHalf = true;
  outlining.matmulEpilogues = options.common.matmulEpilogues.value_or(true);
  OwningOpRef<ModuleOp> kernels = ModuleOp::create(program->getLoc());
  FailureOr<rt::Plan> plan = cpu::outlineKernels(*entry, *kernels, outlining);
  if (failed(plan))
    return failure();
  result.plan = std::move(*plan);
  result.plan.target = "cuda";
  result.plan.cpu = options.arch;
  result.plan.cpuFeatures.clear();
  auto simplify = PassManager::on<ModuleOp>(context);
  if (options.common.configurePassManager &&
      failed(options.common.configurePassManager(simplify)))
    return failure();
  simplify.addNestedPass<func::FuncOp>(createCanonicalizerPass());
  if (failed(simplify.run(*kernels)) || failed(cpu::fuseElementwise(*kernels)))
    return failure();
  for (auto kernel : kernels->getOps<func::FuncOp>())
    if (failed(cuda::tileForGrid(kernel)))
      return failure();
  if (failed(verify(*kernels)))
    return failure();
  if (stage == CudaStage::Kernels) {
    result.kernels = std::move(kernels);
    return result;
  }

  if (failed(cuda::lowerKernelsToLoops(*kernels, options, result.plan)))
    return failure();
  OwningOpRef<ModuleOp> container = ModuleOp::create(program->getLoc());
  (*container)->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                        UnitAttr::get(context));
  OpBuilder builder = OpBuilder::atBlockEnd(container->getBody());
  auto gpuModule =
      gpu::GPUModuleOp::create(builder, program->getLoc(), "tcc_kernels");
  llvm::StringMap<rt::KernelCommand *> commands =
      cuda::kernelCommands(result.plan);
  for (auto kernel :
       llvm::make_early_inc_range(kernels->getOps<func::FuncOp>())) {
    rt::KernelCommand *command = commands.lookup(kernel.getName());
    if (!command)
      continue;
    if (failed(cuda::mapOntoGrid(kernel, gpuModule, options.blockSize,
                                 *command)))
      return failure();
    kernel.erase();
  }
  // What the kernels use move into the gpu module with them: constants
  // (memref.global) and helper functions (integer powers).
  for (Operation &op :
       llvm::make_early_inc_range(kernels->getBody()->getOperations()))
    op.moveBefore(&gpuModule.getBody()->front());
  if (failed(verify(*container)))
    return failure();
  if (stage == CudaStage::GpuDialect) {
    result.kernels = std::move(container);
    return result;
  }
  if (failed(cuda::emitPtx(*container, options, result)))
    return failure();
  return result;
}

FailureOr<std::string> mlir::tcc::packageCudaArtifact(
    const CudaCompilation &compiled, StringRef sourceName, Location loc,
    ArrayRef<std::pair<std::string, std::string>> extraMetadata) {
  std::vector<CodeSection> code{{rt::SectionKind::Ptx, "kernels", compiled.ptx}};
  if (!compiled.cubin.empty())
    code.push_back({rt::SectionKind::Cubin, compiled.arch, compiled.cubin});
  return writeArtifact(compiled.plan, sourceName,
                       {{"gpu_arch", compiled.arch}}, code, loc,
                       extraMetadata);
}
