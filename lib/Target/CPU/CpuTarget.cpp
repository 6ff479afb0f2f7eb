//===- CpuTarget.cpp - the CPU backend's driver ---------------------------===//

#include "tcc/Target/CPU/CpuTarget.h"

#include "tcc/Analysis/Replication.h"
#include "tcc/Target/CPU/CpuPipeline.h"

#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include <mutex>

using namespace mlir;
using namespace mlir::tcc;

void cpu::prepareContext(MLIRContext *context) {
  static std::once_flag passes;
  std::call_once(passes, [] { registerAllPasses(); });
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  context->appendDialectRegistry(registry);
  // The ops the backends create directly (passes load their own).
  context->loadDialect<arith::ArithDialect, bufferization::BufferizationDialect,
                       func::FuncDialect, linalg::LinalgDialect,
                       math::MathDialect, memref::MemRefDialect,
                       scf::SCFDialect, tensor::TensorDialect>();
}

FailureOr<func::FuncOp> cpu::findCompilableEntry(ModuleOp program,
                                                 StringRef name,
                                                 StringRef backend) {
  FailureOr<func::FuncOp> entry = findEntryFunction(program, name);
  if (failed(entry))
    return failure();
  for (auto [i, type] : llvm::enumerate(entry->getArgumentTypes()))
    if (!isa<RankedTensorType>(type))
      return entry->emitOpError("argument ")
             << i << " has type " << type << "; the " << backend
             << " backend takes tensors";
  for (auto [i, type] : llvm::enumerate(entry->getResultTypes()))
    if (!isa<RankedTensorType>(type))
      return entry->emitOpError("result ")
             << i << " has type " << type << "; the " << backend
             << " backend returns tensors";
  // Sharding hints ask for a layout over devices, which tcc-train-step
  // has chosen (a per-device program) or there is none (one device): each
  // hint is its operand.
  for (AnnotateOp hint :
       llvm::make_early_inc_range(entry->getBody().getOps<AnnotateOp>())) {
    hint.replaceAllUsesWith(hint.getOperand());
    hint.erase();
  }
  // What no result depends on is not computed (a traced model's unused
  // values would each be a kernel). Backwards, so that what fed an erased
  // op is seen after it.
  Operation *op = entry->getBody().front().getTerminator()->getPrevNode();
  while (op) {
    Operation *before = op->getPrevNode();
    if (isOpTriviallyDead(op))
      op->erase();
    op = before;
  }
  return entry;
}

FailureOr<CpuCompilation> mlir::tcc::compileForCpu(
    ModuleOp module, const CpuTargetOptions &options, CpuStage stage) {
  cpu::prepareContext(module.getContext());
  OwningOpRef<ModuleOp> program(cast<ModuleOp>(module->clone()));
  FailureOr<func::FuncOp> entry =
      cpu::findCompilableEntry(*program, options.entry, "CPU");
  if (failed(entry))
    return failure();
  // A per-device program must return as replicated only what is the same
  // on every device (a missing all_reduce is a wrong answer, not a crash).
  if (failed(checkReplication(*entry)))
    return failure();

  CpuCompilation result;
  PassManager fuse(program->getContext());
  if (options.configurePassManager &&
      failed(options.configurePassManager(fuse)))
    return failure();
  if (options.fuse)
    fuse.addPass(createTccFuse());
  if (failed(fuse.run(*program)))
    return failure();
  if (stage == CpuStage::Fused) {
    result.fused = std::move(program);
    return result;
  }

  result.kernels = ModuleOp::create(program->getLoc());
  FailureOr<rt::Plan> plan =
      cpu::outlineKernels(*entry, *result.kernels, options);
  if (failed(plan))
    return failure();
  result.plan = std::move(*plan);
  // Elementwise producers with one use merge into their consumers first,
  // so that every kernel, tiled or not, is as few loop nests as possible.
  auto simplify = PassManager::on<ModuleOp>(program->getContext());
  if (options.configurePassManager &&
      failed(options.configurePassManager(simplify)))
    return failure();
  simplify.addNestedPass<func::FuncOp>(createCanonicalizerPass());
  if (failed(simplify.run(*result.kernels)))
    return failure();
  if (failed(cpu::fuseElementwise(*result.kernels)))
    return failure();
  for (auto kernel : result.kernels->getOps<func::FuncOp>())
    if (failed(cpu::tileKernel(kernel, options)))
      return failure();
  for (rt::Command &command : result.plan.commands) {
    if (command.kind != rt::Command::Kind::Kernel)
      continue;
    auto kernel =
        result.kernels->lookupSymbol<func::FuncOp>(command.kernel.symbol);
    command.kernel.tiles =
        kernel->getAttrOfType<IntegerAttr>(cpu::kTilesAttr).getInt();
  }
  if (failed(verify(*result.kernels)))
    return failure();
  if (stage == CpuStage::Kernels)
    return result;
  if (failed(cpu::lowerKernelsToLLVMDialect(*result.kernels, options)))
    return failure();
  if (stage == CpuStage::LLVMDialect)
    return result;
  if (failed(cpu::emitKernelObject(*result.kernels, options,
                                   stage == CpuStage::LLVMIR, result)))
    return failure();
  result.plan.cpu = result.targetCpu;
  result.plan.cpuFeatures = result.targetFeatures;
  return result;
}
