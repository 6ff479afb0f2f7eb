//===- VerifyCommand.cpp - `tcc verify` -----------------------------------===//
//
// tcc verify MODEL.mlir: compiles the model for the CPU and compares every
// fused group's results with the evaluator on the same inputs; when a
// group disagrees, compiles the model again one op per kernel and names
// the first op that disagrees. The tool for bisecting a wrong result.
//
// Every value a group (or op) produces is made a result of the program, so
// that the compiled run and the evaluator expose the same intermediate
// values; the evaluator runs the fused program in place (tcc.fusion means
// its body), so both sides see identical groups.
//
// Tolerance per tensor, ||got - want|| / max(||want||, 1e-6): 1e-5 for f32,
// 1e-12 for f64, 1e-2 for f16 and bf16 (a few units in their last place),
// exact for integers and booleans; NaN and inf must match in place.
//
//===----------------------------------------------------------------------===//

#include "tcc/Driver/Commands.h"

#include "tcc/Driver/ArgumentBinding.h"
#include "tcc/Driver/ExposeValues.h"
#include "tcc/Driver/ModuleLoader.h"
#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/Interpreter/Interpreter.h"
#include "tcc/Interpreter/Tensor.h"
#include "tcc/Target/CPU/CpuTarget.h"
#include "tcc/Transforms/Passes.h"
#include "tcc/runtime/Artifact.h"
#include "tcc/runtime/Executable.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::interp;
namespace cl = llvm::cl;

namespace {

constexpr llvm::StringLiteral kTool = "tcc verify";

llvm::raw_ostream &error() {
  return llvm::WithColor::error(llvm::errs(), kTool);
}

/// The relative error of `got` against `want` (0 when they match, inf when
/// NaN/inf positions or integer values differ).
double relativeError(const ::tcc::rt::HostArray &got,
                     const ::tcc::rt::HostArray &want) {
  int64_t n = want.numElements();
  if (got.numElements() != n)
    return INFINITY;
  bool isFloat = ::tcc::rt::isFloat(want.dtype);
  double diff = 0, norm = 0;
  for (int64_t i = 0; i < n; ++i) {
    double g = ::tcc::rt::getElement(got, i), w = ::tcc::rt::getElement(want, i);
    if (!isFloat) {
      if (g != w)
        return INFINITY;
      continue;
    }
    if (!std::isfinite(w) || !std::isfinite(g)) {
      bool same = (std::isnan(g) && std::isnan(w)) || g == w;
      if (!same)
        return INFINITY;
      continue;
    }
    diff += (g - w) * (g - w);
    norm += w * w;
  }
  return std::sqrt(diff) / std::max(std::sqrt(norm), 1e-6);
}

double toleranceFor(::tcc::rt::DType dtype) {
  switch (dtype) {
  case ::tcc::rt::DType::F64:
    return 1e-12;
  case ::tcc::rt::DType::F32:
    return 1e-5;
  case ::tcc::rt::DType::F16:
  case ::tcc::rt::DType::BF16:
    return 1e-2;
  default:
    return 0;
  }
}

struct Comparison {
  /// Index of the first probe that disagrees, or -1.
  int64_t first = -1;
  double error = 0, worst = 0;
};

/// Compiles `module` (fused or not), runs it and the evaluator on
/// `arguments`, and compares the probes in program order.
FailureOr<Comparison> compare(ModuleOp module, StringRef entryName,
                              ArrayRef<Tensor> arguments, bool fuse,
                              std::vector<std::string> &probes, unsigned &original) {
  OwningOpRef<ModuleOp> program(cast<ModuleOp>(module->clone()));
  FailureOr<func::FuncOp> entry = findEntryFunction(*program, entryName);
  if (failed(entry))
    return failure();
  if (fuse) {
    PassManager pm(program->getContext());
    pm.addPass(createTccFuse());
    if (failed(pm.run(*program)))
      return failure();
    entry = findEntryFunction(*program, entryName);
  }
  original = entry->getNumResults();
  probes = exposeValues(*entry, "probe.", /*floatOnly=*/false,
                        /*labelInName=*/false);

  CpuTargetOptions options;
  options.entry = entryName.str();
  options.fuse = fuse;
  FailureOr<CpuCompilation> compiled = compileForCpu(*program, options);
  if (failed(compiled))
    return failure();
  FailureOr<std::string> bytes =
      packageArtifact(*compiled, "<verify>", program->getLoc());
  if (failed(bytes))
    return failure();
  auto artifact = ::tcc::rt::parseArtifact(
      reinterpret_cast<const uint8_t *>(bytes->data()), bytes->size(),
      "<verify>");
  if (!artifact.isOk()) {
    error() << artifact.status().message() << "\n";
    return failure();
  }
  auto executable = ::tcc::rt::Executable::load(*artifact);
  if (!executable.isOk()) {
    error() << executable.status().message() << "\n";
    return failure();
  }
  std::vector<::tcc::rt::HostArray> inputs;
  for (const Tensor &t : arguments)
    inputs.push_back(t.toHostArray());
  std::vector<const ::tcc::rt::HostArray *> bound;
  for (const auto &a : inputs)
    bound.push_back(&a);
  std::vector<::tcc::rt::HostArray> got;
  ::tcc::rt::Status ran = (*executable)->run(bound, got);
  if (!ran) {
    error() << "the compiled program failed: " << ran.message() << "\n";
    return failure();
  }
  FailureOr<SmallVector<Tensor>> want = evaluate(*entry, arguments);
  if (failed(want))
    return failure();

  Comparison result;
  for (size_t p = 0; p < probes.size(); ++p) {
    ::tcc::rt::HostArray expected = (*want)[original + p].toHostArray();
    // bf16 values come back from the evaluator as f32 (.npy has no bf16).
    double err = relativeError(got[original + p], expected);
    result.worst = std::max(result.worst, err);
    if (err > toleranceFor(got[original + p].dtype)) {
      result.first = static_cast<int64_t>(p);
      result.error = err;
      return result;
    }
  }
  return result;
}

} // namespace

int mlir::tcc::verifyMain(int argc, char **argv) {
  cl::OptionCategory category("tcc verify options");
  cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.mlir>"),
                                 cl::Required, cl::cat(category));
  cl::opt<std::string> entry("entry", cl::desc("Function to verify"),
                             cl::cat(category));
  cl::list<std::string> inputs(
      "input", cl::desc("Bind an argument: NAME=@FILE.npy (repeatable)"),
      cl::value_desc("NAME=@FILE.npy"), cl::cat(category));
  cl::opt<uint64_t> seed("seed", cl::desc("Seed of the random arguments"),
                         cl::init(0), cl::cat(category));
  cl::HideUnrelatedOptions(category);
  if (!cl::ParseCommandLineOptions(
          argc, argv,
          "tcc verify: compare the compiled CPU program with the evaluator, "
          "group by group\n",
          &llvm::errs()))
    return 1;

  std::unique_ptr<MLIRContext> context = createTccContext();
  std::unique_ptr<LoadedModule> loaded = LoadedModule::load(inputFile, *context);
  if (!loaded)
    return 1;
  FailureOr<func::FuncOp> function = findEntryFunction(loaded->module(), entry);
  if (failed(function) || failed(verifyUniqueNames(*function)) ||
      failed(checkSignature(*function)))
    return 1;
  FailureOr<BoundArguments> arguments = bindArguments(
      *function, inputs, seed, int64_t(8) << 30, /*quiet=*/true, kTool);
  if (failed(arguments))
    return 1;

  std::vector<std::string> probes;
  unsigned original = 0;
  FailureOr<Comparison> groups =
      compare(loaded->module(), entry, arguments->values, /*fuse=*/true,
              probes, original);
  if (failed(groups))
    return 1;
  if (groups->first < 0) {
    llvm::outs() << "tcc verify: all " << probes.size()
                 << " values of the fused groups agree with the evaluator "
                 << llvm::format("(largest relative error %.3g)", groups->worst)
                 << "\n";
    return 0;
  }
  llvm::outs() << "tcc verify: first disagreeing group: "
               << probes[groups->first]
               << llvm::format(": relative error %.3g", groups->error) << "\n";

  // One op per kernel: the first op that disagrees.
  std::vector<std::string> opProbes;
  FailureOr<Comparison> ops = compare(loaded->module(), entry,
                                      arguments->values, /*fuse=*/false,
                                      opProbes, original);
  if (failed(ops))
    return 1;
  if (ops->first >= 0)
    llvm::outs() << "tcc verify: first disagreeing op: "
                 << opProbes[ops->first]
                 << llvm::format(": relative error %.3g", ops->error) << "\n";
  else
    llvm::outs() << "tcc verify: compiled one op per kernel, every op agrees: "
                    "the group disagrees only when fused\n";
  return 1;
}
