//===- LLVMCodegen.cpp - kernels to a shared object -----------------------===//
//
// Bufferizes the tiled kernels in place (their outputs are the memrefs the
// runtime passes), lowers them to loops and to the LLVM dialect, and from
// there to one optimized object file for the target CPU, which lld links
// into the shared object that travels in the artifact.
//
// The loops are scalar in MLIR; LLVM's loop vectorizer turns them into
// AVX2/AVX-512 code for the target CPU (reductions may reassociate: the
// lowering marks their adds). Transcendentals are expanded into polynomial
// approximations first, so that they vectorize too instead of calling libm
// per element.
//
//===----------------------------------------------------------------------===//

#include "tcc/Target/CPU/CpuPipeline.h"

#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

#include <cstdlib>
#include <mutex>

#ifndef TCC_LLD_PATH
#define TCC_LLD_PATH "ld.lld"
#endif

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::cpu;

namespace {

/// The phases after tiling, as textual pipelines on the kernel module, so
/// that each step can be reproduced with
/// `tcc-opt --pass-pipeline='builtin.module(...)'`.
constexpr const char *kBufferizePipeline =
    "func.func(canonicalize,cse),eliminate-empty-tensors,"
    "one-shot-bufferize{buffer-alignment=64},"
    "func.func(canonicalize,buffer-hoisting,buffer-loop-hoisting,"
    "promote-buffers-to-stack{max-alloc-size-in-bytes=65536}),"
    "buffer-deallocation-pipeline,convert-bufferization-to-memref";

constexpr const char *kLowerToLLVMPipeline =
    "convert-linalg-to-loops,lower-affine,"
    "func.func(canonicalize,cse),convert-math-to-funcs,convert-scf-to-cf,"
    "expand-strided-metadata,lower-affine,finalize-memref-to-llvm,"
    "convert-math-to-llvm,convert-math-to-libm,convert-arith-to-llvm,"
    "convert-index-to-llvm,convert-func-to-llvm{use-bare-ptr-memref-call-conv},"
    "convert-cf-to-llvm,reconcile-unrealized-casts,canonicalize";

LogicalResult runPipeline(ModuleOp module, StringRef pipeline,
                          const CpuTargetOptions &options) {
  auto pm = PassManager::on<ModuleOp>(module.getContext());
  if (options.configurePassManager && failed(options.configurePassManager(pm)))
    return failure();
  std::string errors;
  llvm::raw_string_ostream os(errors);
  if (failed(parsePassPipeline(pipeline, pm, os)))
    return module.emitError("internal pipeline does not parse: ") << errors;
  return pm.run(module);
}

/// A kernel must write its outputs where the runtime passed them: a copy
/// into an output would mean a temporary the size of the whole output, and
/// with several tiles in flight, a race.
LogicalResult checkInPlace(func::FuncOp kernel) {
  WalkResult result = kernel.walk([&](memref::CopyOp copy) {
    Value target = copy.getTarget();
    while (auto view = target.getDefiningOp<memref::SubViewOp>())
      target = view.getSource();
    auto arg = dyn_cast<BlockArgument>(target);
    if (!arg || arg.getOwner()->getParentOp() != kernel)
      return WalkResult::advance();
    auto tiles = kernel->getAttrOfType<IntegerAttr>(kTilesAttr);
    if (tiles && tiles.getInt() > 1) {
      kernel.emitError("internal: kernel ")
          << kernel.getName()
          << " does not write its output in place; it cannot be split "
             "between threads";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

std::unique_ptr<llvm::TargetMachine>
createTargetMachine(const CpuTargetOptions &options, std::string &cpu,
                    std::string &features, std::string &error) {
  static std::once_flag initialized;
  std::call_once(initialized, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  cpu = options.cpu;
  features = options.features;
  if (cpu == "host") {
    cpu = llvm::sys::getHostCPUName().str();
    if (features.empty()) {
      std::string list;
      for (const auto &feature : llvm::sys::getHostCPUFeatures())
        list += (list.empty() ? "" : ",") +
                std::string(feature.second ? "+" : "-") +
                feature.first().str();
      features = list;
    }
  }
  llvm::TargetOptions targetOptions;
  return std::unique_ptr<llvm::TargetMachine>(target->createTargetMachine(
      triple, cpu, features, targetOptions, llvm::Reloc::PIC_, std::nullopt,
      llvm::CodeGenOptLevel::Aggressive));
}

/// void tcc_kernel_<i>(void **args, int64_t begin, int64_t end) calls the
/// lowered kernel (renamed <name>.body and inlined) with args[0..n) as its
/// memrefs (bare pointers: static shapes, identity layouts).
LogicalResult addEntryPoints(llvm::Module &module, ModuleOp kernels) {
  llvm::LLVMContext &context = module.getContext();
  llvm::Type *ptr = llvm::PointerType::getUnqual(context);
  llvm::Type *i64 = llvm::Type::getInt64Ty(context);
  for (auto kernel : kernels.getOps<LLVM::LLVMFuncOp>()) {
    if (kernel.isExternal() || !kernel.getSymName().starts_with("tcc_kernel_"))
      continue;
    llvm::Function *body = module.getFunction(kernel.getSymName());
    if (!body)
      return kernels.emitError("internal: kernel ")
             << kernel.getSymName() << " is missing from the LLVM module";
    std::string name = body->getName().str();
    body->setName(name + ".body");
    body->setLinkage(llvm::GlobalValue::InternalLinkage);
    body->addFnAttr(llvm::Attribute::AlwaysInline);
    auto *type = llvm::FunctionType::get(llvm::Type::getVoidTy(context),
                                         {ptr, i64, i64}, false);
    auto *entry = llvm::Function::Create(
        type, llvm::GlobalValue::ExternalLinkage, name, module);
    entry->setVisibility(llvm::GlobalValue::DefaultVisibility);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(context, "entry", entry));
    llvm::Value *args = entry->getArg(0);
    SmallVector<llvm::Value *> callArgs;
    unsigned pointers = body->arg_size() - 2;
    for (unsigned i = 0; i < pointers; ++i) {
      llvm::Value *slot = b.CreateConstInBoundsGEP1_64(ptr, args, i);
      callArgs.push_back(b.CreateLoad(ptr, slot));
    }
    callArgs.push_back(entry->getArg(1));
    callArgs.push_back(entry->getArg(2));
    b.CreateCall(body, callArgs);
    b.CreateRetVoid();
  }
  return success();
}

/// Links `object` into a shared object with lld, in a private temporary
/// directory.
FailureOr<std::string> linkSharedObject(ModuleOp kernels,
                                        const std::string &object) {
  SmallString<128> dir;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("tcc-link", dir))
    return kernels.emitError("cannot create a temporary directory: ")
           << ec.message();
  SmallString<128> objectPath(dir), libraryPath(dir);
  llvm::sys::path::append(objectPath, "kernels.o");
  llvm::sys::path::append(libraryPath, "kernels.so");
  auto cleanup = llvm::make_scope_exit([&] {
    llvm::sys::fs::remove(objectPath);
    llvm::sys::fs::remove(libraryPath);
    llvm::sys::fs::remove(dir);
  });
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(objectPath, ec);
    if (ec)
      return kernels.emitError("cannot write ") << objectPath << ": "
                                                << ec.message();
    os << object;
  }
  std::string lld = TCC_LLD_PATH;
  if (const char *overridden = std::getenv("TCC_LLD"))
    lld = overridden;
  if (!llvm::sys::path::is_absolute(lld)) {
    auto found = llvm::sys::findProgramByName(lld);
    if (!found)
      return kernels.emitError("cannot find the linker '")
             << lld << "' (set TCC_LLD to ld.lld's path)";
    lld = *found;
  }
  std::string message;
  SmallVector<StringRef> argv{lld, "-shared", "--as-needed", "-O1",
                              "-o", libraryPath, objectPath};
  int rc = llvm::sys::ExecuteAndWait(lld, argv, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0)
    return kernels.emitError("linking the kernels with ")
           << lld << " failed" << (message.empty() ? "" : ": ") << message;
  auto buffer = llvm::MemoryBuffer::getFile(libraryPath);
  if (!buffer)
    return kernels.emitError("cannot read the linked kernels: ")
           << buffer.getError().message();
  return (*buffer)->getBuffer().str();
}

} // namespace

LogicalResult cpu::lowerKernelsToLLVMDialect(ModuleOp kernels,
                                            const CpuTargetOptions &options) {
  if (failed(runPipeline(kernels, kBufferizePipeline, options)))
    return failure();
  for (auto kernel : kernels.getOps<func::FuncOp>())
    if (failed(checkInPlace(kernel)))
      return failure();
  RewritePatternSet patterns(kernels.getContext());
  populateErfApproximation(patterns);
  populateMathPolynomialApproximationPatterns(patterns);
  // bf16 conversions in integer ops: exact for subnormals, which x86's
  // vcvtneps2bf16 flushes to zero.
  arith::populateExpandBFloat16Patterns(patterns);
  populateCopyToLoopsPatterns(patterns);
  if (failed(applyPatternsGreedily(kernels, std::move(patterns))))
    return kernels.emitError("internal: math approximation did not converge");
  return runPipeline(kernels, kLowerToLLVMPipeline, options);
}

LogicalResult cpu::emitKernelObject(ModuleOp kernels,
                                    const CpuTargetOptions &options,
                                    bool stopAtIR, CpuCompilation &result) {
  std::string error;
  std::unique_ptr<llvm::TargetMachine> machine = createTargetMachine(
      options, result.targetCpu, result.targetFeatures, error);
  if (!machine)
    return kernels.emitError("cannot target this CPU: ") << error;

  DialectRegistry registry;
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  kernels.getContext()->appendDialectRegistry(registry);
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> module =
      translateModuleToLLVMIR(kernels, llvmContext, "tcc_kernels");
  if (!module)
    return kernels.emitError("internal: translation to LLVM IR failed");
  module->setDataLayout(machine->createDataLayout());
  module->setTargetTriple(machine->getTargetTriple());
  if (failed(addEntryPoints(*module, kernels)))
    return failure();
  auto optimize =
      makeOptimizingTransformer(options.optLevel, 0, machine.get());
  if (llvm::Error err = optimize(module.get())) {
    std::string text = llvm::toString(std::move(err));
    return kernels.emitError("LLVM optimization failed: ") << text;
  }
  if (llvm::verifyModule(*module, &llvm::errs()))
    return kernels.emitError("internal: the optimized kernels do not verify");
  {
    llvm::raw_string_ostream os(result.llvmIR);
    module->print(os, nullptr);
  }
  if (stopAtIR)
    return success();

  SmallString<0> object;
  {
    llvm::raw_svector_ostream os(object);
    llvm::legacy::PassManager codegen;
    if (machine->addPassesToEmitFile(codegen, os, nullptr,
                                     llvm::CodeGenFileType::ObjectFile))
      return kernels.emitError("this target cannot emit object files");
    codegen.run(*module);
  }
  FailureOr<std::string> library =
      linkSharedObject(kernels, std::string(object.str()));
  if (failed(library))
    return failure();
  result.sharedObject = std::move(*library);
  return success();
}
