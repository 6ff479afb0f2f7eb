//===- CompileCommand.cpp - `tcc compile` ---------------------------------===//
//
// tcc compile MODEL.mlir -o MODEL.tccm: compiles a model for the CPU into
// an artifact (plan + kernels + metadata), or stops early and writes an
// intermediate form with --emit.
//
//===----------------------------------------------------------------------===//

#include "tcc/Driver/Commands.h"

#include "tcc/Autodiff/TensorParallelForward.h"
#include "tcc/Autodiff/TrainStep.h"
#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/JIT/CompilationCache.h"
#include "tcc/Driver/ExplainDistribution.h"
#include "tcc/Driver/ExposeValues.h"
#include "tcc/Driver/ModuleLoader.h"
#include "tcc/Target/CPU/CpuTarget.h"
#include "tcc/Target/CUDA/CudaTarget.h"
#include "tcc/runtime/Artifact.h"
#include "tcc/runtime/Json.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <set>

using namespace mlir;
using namespace mlir::tcc;
namespace cl = llvm::cl;

namespace {

constexpr llvm::StringLiteral kTool = "tcc compile";

llvm::raw_ostream &error() {
  return llvm::WithColor::error(llvm::errs(), kTool);
}
llvm::raw_ostream &note() { return llvm::WithColor::note(llvm::errs(), kTool); }

enum class Emit { Artifact, Mlir, Llvm, Plan, Ptx };
enum class Phase { Fuse, Kernels, LlvmDialect, Gpu };

/// Writes `text` to `path` ("-" is stdout), replacing it only when complete.
bool writeText(StringRef path, StringRef text) {
  std::string message;
  auto file = openOutputFile(path, &message);
  if (!file) {
    error() << message << "\n";
    return false;
  }
  file->os() << text;
  file->keep();
  return true;
}

/// Writes the cached artifact of `key` to `outputFile` when there is one;
/// returns the command's exit code then, nullopt on a miss.
std::optional<int> writeCached(const CompilationCache &cache,
                               const std::string &key, StringRef outputFile,
                               bool quiet) {
  std::optional<std::string> hit = cache.lookup(key);
  if (!hit)
    return std::nullopt;
  if (!writeText(outputFile, *hit))
    return 1;
  if (!quiet)
    note() << "reused the cached compilation " << key << " from "
           << cache.directory() << "\n";
  return 0;
}

/// `tcc compile --target=cuda`: the artifact, or the phase --emit names.
int compileCuda(LoadedModule &loaded, StringRef inputFile, StringRef outputFile,
                const CudaTargetOptions &options, Emit emit, Phase compileTo,
                bool noCache, bool quiet,
                ArrayRef<std::pair<std::string, std::string>> extraMetadata) {
  CudaStage stage = CudaStage::Ptx;
  if (emit == Emit::Mlir)
    stage = compileTo == Phase::Fuse      ? CudaStage::Fused
            : compileTo == Phase::Kernels ? CudaStage::Kernels
                                          : CudaStage::GpuDialect;
  CompilationCache cache = CompilationCache::fromEnvironment();
  std::string key;
  std::string settings = "cuda " + options.arch + " block " +
                         std::to_string(options.blockSize) +
                         (extraMetadata.empty() ? "" : extraMetadata[0].second);
  if (emit == Emit::Artifact && !noCache && cache.enabled()) {
    key = cache.key(loaded.module(), options.common, settings);
    if (std::optional<int> rc = writeCached(cache, key, outputFile, quiet))
      return *rc;
  }
  FailureOr<CudaCompilation> compiled =
      compileForCuda(loaded.module(), options, stage);
  if (failed(compiled))
    return 1;
  std::string text;
  llvm::raw_string_ostream os(text);
  switch (emit) {
  case Emit::Artifact: {
    FailureOr<std::string> artifact = packageCudaArtifact(
        *compiled, inputFile, loaded.module().getLoc(), extraMetadata);
    if (failed(artifact))
      return 1;
    if (!key.empty())
      cache.store(key, *artifact);
    if (!writeText(outputFile, *artifact))
      return 1;
    if (!quiet) {
      note() << compiled->plan.commands.size() << " commands, arena "
             << compiled->plan.arenaBytes << " bytes (planned peak), target "
             << compiled->arch << "\n";
      if (compiled->cubin.empty())
        note() << "no cubin: " << compiled->cubinSkipped << "\n";
    }
    return 0;
  }
  case Emit::Plan:
    os << rt::serializePlan(compiled->plan) << "\n";
    break;
  case Emit::Ptx:
    os << compiled->ptx;
    break;
  case Emit::Mlir:
    if (stage == CudaStage::Fused)
      compiled->fused->print(os);
    else
      compiled->kernels->print(os);
    os << "\n";
    break;
  case Emit::Llvm:
    break;
  }
  return writeText(outputFile, text) ? 0 : 1;
}

} // namespace

int mlir::tcc::compileMain(int argc, char **argv) {
  cl::OptionCategory category("tcc compile options");
  cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.mlir>"),
                                 cl::Required, cl::cat(category));
  cl::opt<std::string> outputFile("o", cl::desc("Output file ('-': stdout)"),
                                  cl::value_desc("file"), cl::cat(category));
  cl::opt<std::string> target("target", cl::desc("Target: cpu or cuda"),
                              cl::init("cpu"), cl::cat(category));
  cl::opt<std::string> entry("entry",
                             cl::desc("Function to compile (default: the "
                                      "module's only public function)"),
                             cl::cat(category));
  cl::opt<Emit> emit(
      "emit", cl::desc("What to write"), cl::init(Emit::Artifact),
      cl::values(clEnumValN(Emit::Artifact, "artifact", "a .tccm (default)"),
                 clEnumValN(Emit::Mlir, "mlir",
                            "the MLIR of the phase --compile-to names"),
                 clEnumValN(Emit::Llvm, "llvm", "the optimized LLVM IR"),
                 clEnumValN(Emit::Plan, "plan", "the execution plan (JSON)"),
                 clEnumValN(Emit::Ptx, "ptx", "the PTX of every kernel (cuda)")),
      cl::cat(category));
  cl::opt<Phase> compileTo(
      "compile-to", cl::desc("The phase whose MLIR --emit=mlir writes"),
      cl::init(Phase::Kernels),
      cl::values(
          clEnumValN(Phase::Fuse, "fuse", "after fusion (tcc.fusion groups)"),
          clEnumValN(Phase::Kernels, "kernels",
                     "tiled linalg kernels on tensors (default)"),
          clEnumValN(Phase::LlvmDialect, "llvm-dialect",
                     "bufferized and lowered to the LLVM dialect (cpu)"),
          clEnumValN(Phase::Gpu, "gpu",
                     "kernels mapped onto the grid as gpu.func (cuda)")),
      cl::cat(category));
  cl::opt<std::string> cpu("cpu", cl::desc("LLVM CPU name ('host': this one)"),
                           cl::init("host"), cl::cat(category));
  cl::opt<std::string> features(
      "cpu-features", cl::desc("LLVM target features (default: the host's)"),
      cl::cat(category));
  cl::opt<int64_t> tileElements(
      "tile-elements",
      cl::desc("About how many elements one tile of a kernel computes"),
      cl::init(CpuTargetOptions().tileElements), cl::cat(category));
  cl::opt<std::string> gpuArch("gpu-arch",
                              cl::desc("GPU architecture: sm_80 or sm_90"),
                              cl::init("sm_90"), cl::cat(category));
  cl::opt<std::string> cudaToolkit(
      "cuda-toolkit",
      cl::desc("CUDA toolkit folder whose ptxas makes cubins (default: "
               "$CUDA_ROOT, else /usr/local/cuda)"),
      cl::cat(category));
  cl::opt<bool> noBlas("no-blas",
                       cl::desc("Generate matmul loops instead of calling BLAS"),
                       cl::cat(category));
  cl::opt<cl::boolOrDefault> matmulEpilogues(
      "matmul-epilogues",
      cl::desc("Let the GEMM library add a matmul's bias and apply its "
               "ReLU/tanh-GELU (default: on for cuda, where cuBLASLt fuses "
               "them; off for cpu, whose epilogue kernels are threaded)"),
      cl::cat(category));
  cl::opt<bool> noCache("no-cache",
                        cl::desc("Neither read nor fill the compilation cache"),
                        cl::cat(category));
  cl::opt<bool> quiet("quiet", cl::desc("Print nothing but errors"),
                      cl::cat(category));
  // Training (docs/training.md).
  cl::opt<bool> train("train",
                      cl::desc("Compile a training step of the model's loss "
                               "(gradients and an optimizer update)"),
                      cl::cat(category));
  cl::opt<std::string> optimizer("optimizer", cl::desc("sgd or adamw"),
                                 cl::init("adamw"), cl::cat(category));
  cl::opt<double> lr("lr", cl::desc("Learning rate (tcc run --lr overrides)"),
                     cl::init(1e-3), cl::cat(category));
  cl::opt<double> momentum("momentum", cl::desc("SGD momentum"),
                           cl::init(0.0), cl::cat(category));
  cl::opt<double> dampening("dampening", cl::desc("SGD dampening"),
                            cl::init(0.0), cl::cat(category));
  cl::opt<bool> nesterov("nesterov", cl::desc("SGD Nesterov momentum"),
                         cl::cat(category));
  cl::opt<double> weightDecay(
      "weight-decay", cl::desc("Weight decay (default: 0 SGD, 0.01 AdamW)"),
      cl::init(-1.0), cl::cat(category));
  cl::opt<double> beta1("beta1", cl::desc("AdamW beta1"), cl::init(0.9),
                        cl::cat(category));
  cl::opt<double> beta2("beta2", cl::desc("AdamW beta2"), cl::init(0.999),
                        cl::cat(category));
  cl::opt<double> epsilon("eps", cl::desc("AdamW epsilon"), cl::init(1e-8),
                          cl::cat(category));
  cl::opt<std::string> precision(
      "precision",
      cl::desc("f32, or bf16 / f16: matmuls and convolutions in bf16 / f16 "
               "with f32 master weights; f16 with dynamic loss scaling"),
      cl::init("f32"), cl::cat(category));
  LossScaleOptions scaleDefaults;
  cl::opt<double> lossScaleInit("loss-scale-init",
                                cl::desc("f16: the initial loss scale"),
                                cl::init(scaleDefaults.initScale),
                                cl::cat(category));
  cl::opt<int64_t> lossScaleGrowthInterval(
      "loss-scale-growth-interval",
      cl::desc("f16: steps without overflow before the loss scale grows"),
      cl::init(scaleDefaults.growthInterval), cl::cat(category));
  cl::opt<double> lossScaleGrowthFactor(
      "loss-scale-growth-factor", cl::desc("f16: the loss scale's growth"),
      cl::init(scaleDefaults.growthFactor), cl::cat(category));
  cl::opt<double> lossScaleBackoffFactor(
      "loss-scale-backoff-factor",
      cl::desc("f16: the loss scale's factor after an overflow"),
      cl::init(scaleDefaults.backoffFactor), cl::cat(category));
  cl::opt<int64_t> accumulate(
      "accumulate",
      cl::desc("Microbatches per step (gradient accumulation); each step "
               "takes this many of the model's batches"),
      cl::init(1), cl::cat(category));
  cl::opt<std::string> remat(
      "remat",
      cl::desc("Recompute activations in the backward instead of keeping "
               "them: none, elementwise (elementwise and layout ops) or dots "
               "(all but matmuls and convolutions)"),
      cl::init("none"), cl::cat(category));
  cl::opt<std::string> mesh(
      "mesh",
      cl::desc("The device mesh, e.g. dp=4 (with --train, data "
               "parallelism: each device trains on its own batch of the "
               "model's size and gradients are averaged; run with mpirun -np "
               "4), tp=2 (Megatron's splits of MLPs, attention heads and the "
               "vocabulary; for training or inference) or dp=2,tp=2"),
      cl::cat(category));
  cl::opt<int> zero(
      "zero",
      cl::desc("With --mesh=dp=N: ZeRO's stage: 0 replicates everything "
               "(DDP), 1 shards the optimizer state over dp, 2 also the "
               "gradients, 3 also the parameters"),
      cl::init(0), cl::cat(category));
  cl::opt<bool> explain(
      "explain",
      cl::desc("With --mesh: print how the step is distributed (each "
               "tensor's sharding, every collective with its bytes and why, "
               "what each device holds)"),
      cl::init(false), cl::cat(category));
  cl::opt<double> bucketMb(
      "bucket-mb",
      cl::desc("With --mesh=dp=N: megabytes of gradients per all_reduce "
               "bucket, as DDP's bucket_cap_mb (0: one per gradient)"),
      cl::init(25.0), cl::cat(category));
  cl::opt<bool> checkNumerics(
      "check-numerics",
      cl::desc("Have tcc run stop at the first op of a step that produces a "
               "NaN or infinity, and name it (slower: every intermediate "
               "value is kept)"),
      cl::cat(category));
  cl::opt<double> clipGradNorm(
      "clip-grad-norm", cl::desc("Clip gradients to this global L2 norm"),
      cl::init(0.0), cl::cat(category));
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  cl::HideUnrelatedOptions(category);
  if (!cl::ParseCommandLineOptions(argc, argv,
                                   "tcc compile: compile a tcc model\n",
                                   &llvm::errs()))
    return 1;
  if (target != "cpu" && target != "cuda") {
    error() << "--target=" << target << " is not a target (cpu, cuda)\n";
    return 1;
  }
  bool cuda = target == "cuda";
  if (explain && mesh.empty()) {
    error() << "--explain describes a distributed program: give --mesh "
               "(--train --mesh=dp=N, or --mesh=tp=M) too\n";
    return 1;
  }
  int64_t dataParallel = 1, tensorParallel = 1;
  if (!mesh.empty()) {
    // dp=N, tp=M or dp=N,tp=M: each axis once.
    SmallVector<StringRef> axes;
    StringRef(mesh).split(axes, ',');
    std::set<std::string> seen;
    for (StringRef entry : axes) {
      auto [axis, size] = entry.split('=');
      axis = axis.trim();
      int64_t devices = 0;
      if ((axis != "dp" && axis != "tp") || !seen.insert(axis.str()).second ||
          size.trim().getAsInteger(10, devices) || devices < 1 ||
          devices > (1 << 20)) {
        error() << "--mesh=" << mesh
                << ": expected dp=N, tp=M or dp=N,tp=M (data parallelism "
                   "over N devices, tensor parallelism over M; each >= 1); "
                   "pipeline parallelism (pp) is not implemented yet\n";
        return 1;
      }
      (axis == "dp" ? dataParallel : tensorParallel) = devices;
    }
  }
  if (!train && dataParallel > 1) {
    error() << "--mesh=" << mesh
            << ": a forward-only program is split over tp only (its batch "
               "is not split over dp yet); dp=N partitions a training step: "
               "give --train\n";
    return 1;
  }
  if (cuda ? emit == Emit::Llvm || compileTo == Phase::LlvmDialect
           : emit == Emit::Ptx || compileTo == Phase::Gpu) {
    error() << "--emit/--compile-to: that phase does not exist for --target="
            << target << "\n";
    return 1;
  }
  if (outputFile.empty()) {
    error() << "no output file: give -o FILE (or -o - for stdout)\n";
    return 1;
  }
  if (outputFile != "-" && inputFile != "-" &&
      llvm::sys::fs::equivalent(inputFile, outputFile)) {
    error() << "refusing to overwrite the input '" << inputFile
            << "' with the output\n";
    return 1;
  }

  std::unique_ptr<MLIRContext> context = createTccContext();
  std::unique_ptr<LoadedModule> loaded = LoadedModule::load(inputFile, *context);
  if (!loaded)
    return 1;

  CpuTargetOptions options;
  options.entry = entry;
  // --train: the artifact computes train_step; its settings travel in a
  // "training" metadata section (and in the cache key).
  std::vector<std::pair<std::string, std::string>> extraMetadata;
  if (train) {
    TrainStepOptions trainOptions;
    std::optional<OptimizerOptions::Kind> kind = parseOptimizerKind(optimizer);
    if (!kind) {
      error() << "--optimizer=" << optimizer << ": expected sgd or adamw\n";
      return 1;
    }
    trainOptions.optimizer.kind = *kind;
    if (!(lr >= 0) || !(clipGradNorm >= 0)) {
      error() << "--lr and --clip-grad-norm must be non-negative\n";
      return 1;
    }
    trainOptions.optimizer.momentum = momentum;
    trainOptions.optimizer.dampening = dampening;
    trainOptions.optimizer.nesterov = nesterov;
    trainOptions.optimizer.weightDecay = weightDecay;
    trainOptions.optimizer.beta1 = beta1;
    trainOptions.optimizer.beta2 = beta2;
    trainOptions.optimizer.epsilon = epsilon;
    trainOptions.clipGradNorm = clipGradNorm;
    trainOptions.accumulate = accumulate;
    std::optional<TrainStepOptions::Precision> format =
        parsePrecision(precision);
    if (!format) {
      error() << "--precision=" << precision << ": expected "
              << kPrecisionNames << "\n";
      return 1;
    }
    trainOptions.precision = *format;
    std::optional<RematPolicy> policy = parseRematPolicy(remat);
    if (!policy) {
      error() << "--remat=" << remat << ": expected " << kRematPolicyNames
              << "\n";
      return 1;
    }
    trainOptions.remat = *policy;
    trainOptions.dataParallel = dataParallel;
    trainOptions.tensorParallel = tensorParallel;
    if (!(bucketMb >= 0) || bucketMb > 1e6) {
      error() << "--bucket-mb must be in [0, 1e6]\n";
      return 1;
    }
    trainOptions.bucketBytes = static_cast<int64_t>(bucketMb * (1 << 20));
    if (zero < 0 || zero > 3) {
      error() << "--zero=" << zero << ": ZeRO has stages 0, 1, 2 and 3\n";
      return 1;
    }
    if (zero > 0 && trainOptions.dataParallel < 2) {
      error() << "--zero=" << zero
              << " shards over data-parallel devices: give --mesh=dp=N with "
                 "N >= 2\n";
      return 1;
    }
    trainOptions.zeroStage = zero;
    trainOptions.explain = explain;
    trainOptions.lossScale.initScale = lossScaleInit;
    trainOptions.lossScale.growthInterval = lossScaleGrowthInterval;
    trainOptions.lossScale.growthFactor = lossScaleGrowthFactor;
    trainOptions.lossScale.backoffFactor = lossScaleBackoffFactor;
    FailureOr<func::FuncOp> forward = findEntryFunction(loaded->module(), entry);
    if (failed(forward) ||
        failed(buildTrainStep(*forward, trainOptions)))
      return 1;
    // The passes below assume valid IR (a broken step could send one
    // into a loop): a bug in the step's construction stops here, named.
    if (failed(mlir::verify(loaded->module()))) {
      error() << "internal error: the training step built from @"
              << forward->getName() << " does not verify (see above)\n";
      return 1;
    }
    if (explain) {
      FailureOr<func::FuncOp> step =
          findEntryFunction(loaded->module(), trainOptions.name);
      if (failed(step))
        return 1;
      // On stdout, unless the artifact goes there.
      raw_ostream &os = outputFile == "-" ? llvm::errs() : llvm::outs();
      explainDistribution(*step, os);
      os.flush();
      step->walk([](Operation *op) { op->removeAttr(attrs::kWhy); });
    }
    options.entry = trainOptions.name;
    if (checkNumerics) {
      FailureOr<func::FuncOp> step =
          findEntryFunction(loaded->module(), trainOptions.name);
      if (failed(step))
        return 1;
      // The runtime checks results named "check-numerics <i>: <op>" in
      // order (runtime/src/tools/TrainTool.cpp).
      exposeValues(*step, "check-numerics ", /*floatOnly=*/true,
                   /*labelInName=*/true);
    }
    rt::JsonValue settings = rt::JsonValue::object();
    settings.append("optimizer", rt::JsonValue::string(optimizer));
    auto exact = [](double value) {
      char text[32];
      std::snprintf(text, sizeof text, "%.17g", value);
      return rt::JsonValue::numberLiteral(text);
    };
    settings.append("lr", exact(lr));
    settings.append("forward", rt::JsonValue::string(forward->getName().str()));
    settings.append("precision", rt::JsonValue::string(precision));
    settings.append("accumulate", rt::JsonValue::integer(accumulate));
    settings.append("remat", rt::JsonValue::string(remat));
    settings.append("data_parallel",
                    rt::JsonValue::integer(trainOptions.dataParallel));
    settings.append("zero", rt::JsonValue::integer(zero));
    settings.append("tensor_parallel",
                    rt::JsonValue::integer(trainOptions.tensorParallel));
    if (*format == TrainStepOptions::Precision::F16) {
      rt::JsonValue scaling = rt::JsonValue::object();
      scaling.append("init_scale", exact(lossScaleInit));
      scaling.append("growth_interval",
                     rt::JsonValue::integer(lossScaleGrowthInterval));
      settings.append("loss_scale", std::move(scaling));
    }
    settings.append("check_numerics", rt::JsonValue::boolean(checkNumerics));
    extraMetadata.emplace_back("training", rt::serializeJson(settings));
  } else if (tensorParallel > 1) {
    // Inference over tp: the forward itself becomes the per-device program.
    FailureOr<func::FuncOp> forward = findEntryFunction(loaded->module(), entry);
    if (failed(forward) ||
        failed(splitForwardOverTensorParallel(*forward, tensorParallel)))
      return 1;
    if (failed(mlir::verify(loaded->module()))) {
      error() << "internal error: @" << forward->getName()
              << " split over tp does not verify (see above)\n";
      return 1;
    }
    if (explain) {
      raw_ostream &os = outputFile == "-" ? llvm::errs() : llvm::outs();
      explainDistribution(*forward, os);
      os.flush();
    }
    forward->walk([](Operation *op) { op->removeAttr(attrs::kWhy); });
  }
  options.cpu = cpu;
  options.features = features;
  options.useBlas = !noBlas;
  if (matmulEpilogues != cl::BOU_UNSET)
    options.matmulEpilogues = matmulEpilogues == cl::BOU_TRUE;
  if (tileElements < 1) {
    error() << "--tile-elements must be at least 1\n";
    return 1;
  }
  options.tileElements = tileElements;
  options.configurePassManager = [](PassManager &pm) {
    return applyPassManagerCLOptions(pm);
  };

  if (cuda) {
    CudaTargetOptions cudaOptions;
    cudaOptions.common = options;
    cudaOptions.arch = gpuArch;
    cudaOptions.toolkit = cudaToolkit;
    return compileCuda(*loaded, inputFile, outputFile, cudaOptions, emit,
                       compileTo, noCache, quiet, extraMetadata);
  }
  if (emit == Emit::Artifact) {
    CompilationCache cache = CompilationCache::fromEnvironment();
    std::string key;
    if (!noCache && cache.enabled()) {
      key = cache.key(loaded->module(), options,
                      extraMetadata.empty() ? "" : extraMetadata[0].second);
      if (std::optional<int> rc = writeCached(cache, key, outputFile, quiet))
        return *rc;
    }
    FailureOr<CpuCompilation> compiled =
        compileForCpu(loaded->module(), options, CpuStage::Object);
    if (failed(compiled))
      return 1;
    FailureOr<std::string> artifact = packageArtifact(
        *compiled, inputFile, loaded->module().getLoc(), extraMetadata);
    if (failed(artifact))
      return 1;
    if (!key.empty())
      cache.store(key, *artifact);
    if (!writeText(outputFile, *artifact))
      return 1;
    if (!quiet)
      note() << compiled->plan.commands.size() << " commands, arena "
             << compiled->plan.arenaBytes << " bytes (planned peak), target "
             << compiled->targetCpu << "\n";
    return 0;
  }

  CpuStage stage = CpuStage::Kernels;
  if (emit == Emit::Llvm)
    stage = CpuStage::LLVMIR;
  else if (emit == Emit::Mlir && compileTo == Phase::Fuse)
    stage = CpuStage::Fused;
  else if (emit == Emit::Mlir && compileTo == Phase::LlvmDialect)
    stage = CpuStage::LLVMDialect;
  FailureOr<CpuCompilation> compiled =
      compileForCpu(loaded->module(), options, stage);
  if (failed(compiled))
    return 1;
  std::string text;
  llvm::raw_string_ostream os(text);
  switch (emit) {
  case Emit::Plan:
    os << rt::serializePlan(compiled->plan) << "\n";
    break;
  case Emit::Llvm:
    os << compiled->llvmIR;
    break;
  case Emit::Mlir:
    if (stage == CpuStage::Fused)
      compiled->fused->print(os);
    else
      compiled->kernels->print(os);
    os << "\n";
    break;
  case Emit::Artifact:
  case Emit::Ptx:
    break;
  }
  return writeText(outputFile, text) ? 0 : 1;
}
