//===- GpuCodegen.cpp - kernels to loops, gpu.func to PTX and cubin -------===//
//
// Before mapping: the tiled kernels are bufferized in place (outputs are
// the runtime's buffers), their temporaries become per-thread stack
// buffers (a tile's temporaries are tile-sized: a row at most), and their
// linalg ops become loops. Transcendentals are expanded into the same
// polynomial approximations as on the CPU, so both backends round alike
// and no libdevice is needed.
//
// The math ops left (fma, floor, sqrt, f64 transcendentals) become calls
// of libdevice, which gpu-module-to-binary links from the toolkit and LLVM
// inlines (__nv_fmaf is one fma.rn.f32).
//
// After mapping: the gpu module goes through MLIR's NVVM lowering (integer
// abs and the like become LLVM intrinsics after it) with
// bare-pointer kernel arguments (one pointer per buffer: the runtime knows
// every shape from the plan) and gpu-module-to-binary to PTX text; ptxas,
// when the toolkit is found, assembles it for the chosen architecture.
//
//===----------------------------------------------------------------------===//

#include "CudaPipeline.h"

#include "tcc/Target/CPU/CpuPipeline.h"

#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::cuda;

namespace {

constexpr const char *kBufferizePipeline =
    "func.func(canonicalize,cse),eliminate-empty-tensors,"
    "one-shot-bufferize{buffer-alignment=16},func.func(canonicalize),"
    "convert-bufferization-to-memref";

// Parallel loops stay scf.parallel, so that mapping can tell a row's maps
// (which a warp splits) from its reductions. Integer powers become helper
// functions (moved into the gpu module with the kernels).
constexpr const char *kLoopsPipeline =
    "convert-linalg-to-parallel-loops,lower-affine,func.func(canonicalize,cse),"
    "convert-math-to-funcs";

LogicalResult runPipeline(ModuleOp module, StringRef pipeline,
                          const CudaTargetOptions &options) {
  auto pm = PassManager::on<ModuleOp>(module.getContext());
  if (options.common.configurePassManager &&
      failed(options.common.configurePassManager(pm)))
    return failure();
  std::string errors;
  llvm::raw_string_ostream os(errors);
  if (failed(parsePassPipeline(pipeline, pm, os)))
    return module.emitError("internal pipeline does not parse: ") << errors;
  return pm.run(module);
}

/// Temporaries of a kernel: those inside its tile loops (a tile's rows)
/// become stack buffers of the thread; those outside them (destinations
/// that the tiles fill slice by slice, or everything in a kernel that runs
/// on one thread) become scratch buffers in global memory, passed as
/// arguments. Kernels run one at a time, so every kernel's scratch shares
/// one region at the end of the arena.
LogicalResult placeTemporaries(func::FuncOp kernel, rt::Plan &plan,
                               rt::KernelCommand &command,
                               int64_t scratchBase, int64_t &scratchBytes) {
  constexpr int64_t kAlignment = 256;
  int64_t scratchUsed = 0;
  SmallVector<memref::AllocOp> allocs;
  kernel.walk([&](memref::AllocOp alloc) { allocs.push_back(alloc); });
  Block &body = kernel.getBody().front();
  for (memref::AllocOp alloc : allocs) {
    MemRefType type = alloc.getType();
    if (!type.hasStaticShape())
      return alloc.emitError("internal: a CUDA kernel needs a temporary of "
                             "dynamic size");
    int64_t bytes = type.getNumElements() *
                    std::max<int64_t>(type.getElementTypeBitWidth() / 8, 1);
    OpBuilder builder(alloc);
    Value replacement;
    if (alloc->getBlock() == &body) {
      // A new argument before the status word and the tile range.
      unsigned index = kernel.getNumArguments() - 3;
      if (failed(kernel.insertArgument(index, type, {}, alloc.getLoc())))
        return failure();
      replacement = kernel.getArgument(index);
      rt::ArenaBuffer buffer;
      buffer.offset = scratchBase + scratchUsed;
      buffer.bytes = bytes;
      scratchUsed += (bytes + kAlignment - 1) / kAlignment * kAlignment;
      command.args.insert(command.args.end(),
                          {rt::BufferRef::Kind::Buffer,
                           static_cast<int64_t>(plan.buffers.size())});
      plan.buffers.push_back(buffer);
    } else {
      replacement = memref::AllocaOp::create(builder, alloc.getLoc(), type,
                                             alloc.getAlignmentAttr());
    }
    alloc.replaceAllUsesWith(replacement);
    alloc.erase();
  }
  kernel.walk([](memref::DeallocOp dealloc) { dealloc.erase(); });
  scratchBytes = std::max(scratchBytes, scratchUsed);
  return success();
}

std::string toolkitRoot(const CudaTargetOptions &options) {
  if (!options.toolkit.empty())
    return options.toolkit;
  if (const char *root = std::getenv("CUDA_ROOT"); root && *root)
    return root;
  return "/usr/local/cuda";
}

} // namespace

std::optional<std::string>
mlir::tcc::findPtxas(const CudaTargetOptions &options) {
  llvm::SmallString<256> path(toolkitRoot(options));
  llvm::sys::path::append(path, "bin", "ptxas");
  if (llvm::sys::fs::can_execute(path))
    return std::string(path);
  if (llvm::ErrorOr<std::string> found = llvm::sys::findProgramByName("ptxas"))
    return *found;
  return std::nullopt;
}

LogicalResult cuda::lowerKernelsToLoops(ModuleOp kernels,
                                        const CudaTargetOptions &options,
                                        rt::Plan &plan) {
  if (failed(runPipeline(kernels, kBufferizePipeline, options)))
    return failure();
  llvm::StringMap<rt::KernelCommand *> commands = kernelCommands(plan);
  int64_t scratchBase = (plan.arenaBytes + 255) / 256 * 256;
  int64_t scratchBytes = 0;
  for (auto kernel : kernels.getOps<func::FuncOp>())
    if (rt::KernelCommand *command = commands.lookup(kernel.getName()))
      if (failed(placeTemporaries(kernel, plan, *command, scratchBase,
                                  scratchBytes)))
        return failure();
  if (scratchBytes > 0)
    plan.arenaBytes = scratchBase + scratchBytes;
  RewritePatternSet patterns(kernels.getContext());
  cpu::populateErfApproximation(patterns);
  populateMathPolynomialApproximationPatterns(patterns);
  arith::populateExpandBFloat16Patterns(patterns);
  cpu::populateCopyToLoopsPatterns(patterns);
  if (failed(applyPatternsGreedily(kernels, std::move(patterns))))
    return kernels.emitError("internal: math approximation did not converge");
  return runPipeline(kernels, kLoopsPipeline, options);
}

LogicalResult cuda::emitPtx(ModuleOp container,
                            const CudaTargetOptions &options,
                            CudaCompilation &result) {
  llvm::SmallString<256> libdevice(toolkitRoot(options));
  llvm::sys::path::append(libdevice, "nvvm", "libdevice", "libdevice.10.bc");
  if (!llvm::sys::fs::exists(libdevice))
    return container.emitError("the CUDA backend needs the CUDA toolkit's "
                               "libdevice, not found at ")
           << libdevice << " (give the toolkit's folder with --cuda-toolkit "
           << "or CUDA_ROOT)";
  // 32-bit index arithmetic (the GPU's native width) when every buffer a
  // kernel sees has fewer than 2^31 elements, 64-bit otherwise.
  int64_t largest = 0;
  container.walk([&](gpu::GPUFuncOp function) {
    for (Type type : function.getArgumentTypes())
      if (auto memref = dyn_cast<MemRefType>(type))
        largest = std::max(largest, memref.getNumElements());
  });
  unsigned indexBits = largest < (int64_t(1) << 31) ? 32 : 64;
  // PTX ISA 8.0 (CUDA 12.0) covers sm_80 and sm_90; LLVM's default, 6.0,
  // predates both.
  std::string pipeline =
      "nvvm-attach-target{chip=" + options.arch +
      " features=+ptx80 O=3},"
      "gpu.module(lower-affine,convert-scf-to-cf,expand-strided-metadata,"
      "lower-affine,convert-gpu-to-nvvm{use-bare-ptr-memref-call-conv=1 "
      "index-bitwidth=" + std::to_string(indexBits) + "},"
      "convert-math-to-llvm,canonicalize,cse,reconcile-unrealized-casts),"
      "gpu-module-to-binary{format=isa toolkit=" + toolkitRoot(options) + "}";
  if (failed(runPipeline(container, pipeline, options)))
    return failure();
  for (auto binary : container.getOps<gpu::BinaryOp>())
    for (Attribute object : binary.getObjects())
      result.ptx += cast<gpu::ObjectAttr>(object).getObject().getValue().str();
  if (result.ptx.empty())
    return container.emitError("internal: no PTX came out of the NVVM lowering");
  result.arch = options.arch;
  if (!options.cubin) {
    result.cubinSkipped = "not requested";
    return success();
  }
  std::optional<std::string> ptxas = findPtxas(options);
  if (!ptxas) {
    result.cubinSkipped = "no ptxas under " + toolkitRoot(options) +
                          " or on PATH (the driver will JIT the PTX)";
    return success();
  }
  llvm::SmallString<128> ptxPath, cubinPath, logPath;
  if (llvm::sys::fs::createTemporaryFile("tcc-kernels", "ptx", ptxPath) ||
      llvm::sys::fs::createTemporaryFile("tcc-kernels", "cubin", cubinPath) ||
      llvm::sys::fs::createTemporaryFile("tcc-ptxas", "log", logPath))
    return container.emitError("cannot create temporary files for ptxas "
                               "(is TMPDIR writable?)");
  auto cleanup = llvm::make_scope_exit([&] {
    llvm::sys::fs::remove(ptxPath);
    llvm::sys::fs::remove(cubinPath);
    llvm::sys::fs::remove(logPath);
  });
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(ptxPath, ec);
    if (ec)
      return container.emitError("cannot write ") << ptxPath << ": "
                                                  << ec.message();
    os << result.ptx;
  }
  std::string arch = "-arch=" + options.arch;
  llvm::SmallVector<llvm::StringRef> args{*ptxas, arch, "-O3", ptxPath, "-o",
                                          cubinPath};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath, logPath};
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(*ptxas, args, std::nullopt, redirects, 0,
                                     0, &message);
  if (rc != 0) {
    std::string log;
    if (auto buffer = llvm::MemoryBuffer::getFile(logPath))
      log = (*buffer)->getBuffer().str();
    return container.emitError("ptxas (")
           << *ptxas << ") rejected the generated PTX for " << options.arch
           << ": " << (message.empty() ? log : message);
  }
  auto cubin = llvm::MemoryBuffer::getFile(cubinPath, /*IsText=*/false);
  if (!cubin)
    return container.emitError("cannot read ptxas's output ") << cubinPath;
  result.cubin = (*cubin)->getBuffer().str();
  return success();
}
