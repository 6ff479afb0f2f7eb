//===- EvalCommand.cpp - `tcc eval`: run a model in the evaluator ---------===//
//
// Binds .npy files to the entry function's arguments by name (random values
// with a fixed seed for the rest, and it says so), evaluates, and prints or
// writes one .npy per result. A per-device function (`tcc.mesh`) runs on a
// simulated mesh: global inputs are split by the arguments' shardings and
// results joined by the results' shardings.
//
//===----------------------------------------------------------------------===//

#include "tcc/Driver/Commands.h"

#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/Driver/ArgumentBinding.h"
#include "tcc/Driver/ModuleLoader.h"
#include "tcc/Interpreter/Interpreter.h"
#include "tcc/Interpreter/ShardedValues.h"
#include "tcc/runtime/Npy.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::interp;
namespace cl = llvm::cl;

namespace {

constexpr llvm::StringLiteral kTool = "tcc eval";

llvm::raw_ostream &error() { return llvm::WithColor::error(llvm::errs(), kTool); }
llvm::raw_ostream &note() { return llvm::WithColor::note(llvm::errs(), kTool); }

/// The evaluator's budget in bytes: `mebibytes`, clamped to what this
/// machine has, so that an absurd flag cannot turn a refused allocation into
/// an aborted one.
int64_t memoryBudget(int64_t mebibytes) {
  int64_t physical = static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) *
                     static_cast<int64_t>(sysconf(_SC_PAGESIZE));
  int64_t cap = physical > 0 ? physical >> 20
                             : std::numeric_limits<int64_t>::max() >> 20;
  return std::clamp<int64_t>(mebibytes, 1, cap) << 20;
}

/// `name` made safe as a file name ("fc1.weight" stays, "a/b" -> "a_b").
std::string fileNameFor(StringRef name) {
  std::string s;
  for (char c : name)
    s += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
          c == '_')
             ? c
             : '_';
  return s + ".npy";
}

/// Where each result goes under `dir`, checked before anything is computed:
/// the folder exists (or is created), no two results share a file, and no
/// result overwrites an input.
FailureOr<SmallVector<std::string>>
planOutputs(func::FuncOp function, StringRef dir,
            ArrayRef<std::string> inputPaths) {
  if (std::error_code ec = llvm::sys::fs::create_directories(dir)) {
    error() << "cannot create '" << dir << "': " << ec.message() << "\n";
    return failure();
  }
  if (!llvm::sys::fs::is_directory(dir)) {
    error() << "--output-dir '" << dir << "' is not a directory\n";
    return failure();
  }
  SmallVector<std::string> paths;
  llvm::StringMap<std::string> owner;
  for (unsigned i = 0, e = function.getNumResults(); i < e; ++i) {
    std::string name = resultName(function, i);
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, fileNameFor(name));
    auto [it, inserted] = owner.try_emplace(path, name);
    if (!inserted) {
      error() << "results '" << it->second << "' and '" << name
              << "' would both be written to " << path
              << "; rename one (tcc.name)\n";
      return failure();
    }
    for (const std::string &input : inputPaths) {
      if (llvm::sys::fs::equivalent(input, path)) {
        error() << "refusing to overwrite input file '" << input
                << "' with result '" << name << "'\n";
        return failure();
      }
    }
    paths.push_back(std::string(path));
  }
  return paths;
}

/// Runs a per-device function on every device of its mesh: global arguments
/// are split by their shardings, results joined by theirs.
FailureOr<SmallVector<Tensor>> evaluateOnMesh(func::FuncOp function,
                                              MeshOp mesh,
                                              ArrayRef<Tensor> arguments,
                                              const EvalOptions &options) {
  int64_t devices = mesh.getNumDevices();
  SmallVector<SmallVector<Tensor>> perDevice(devices);
  for (int64_t rank = 0; rank < devices; ++rank) {
    SmallVector<int64_t> coordinates = mesh.getCoordinates(rank);
    for (auto [i, argument] : llvm::enumerate(arguments))
      perDevice[rank].push_back(shardOf(
          argument,
          function.getArgAttrOfType<ShardingAttr>(i, attrs::kSharding), mesh,
          coordinates));
  }
  FailureOr<SmallVector<SmallVector<Tensor>>> out =
      evaluateSpmd(function, mesh, perDevice, options);
  if (failed(out))
    return failure();
  SmallVector<Tensor> results;
  for (unsigned i = 0, e = function.getNumResults(); i < e; ++i) {
    SmallVector<Tensor> shards;
    for (auto &device : *out)
      shards.push_back(device[i]);
    Tensor whole = assembleShards(
        shards, function.getResultAttrOfType<ShardingAttr>(i, attrs::kSharding),
        mesh);
    // In the user's shape where the global tensor is a view of it.
    if (auto view = function.getResultAttrOfType<DenseI64ArrayAttr>(
            i, attrs::kUserShape))
      whole = whole.reshaped(view.asArrayRef());
    results.push_back(std::move(whole));
  }
  return results;
}

void printTensor(llvm::raw_ostream &os, StringRef name, const Tensor &t,
                 unsigned limit) {
  os << name << ": " << describeTensor(t.dtype(), t.shape()) << "\n  [";
  int64_t n = t.numElements();
  for (int64_t i = 0; i < std::min<int64_t>(n, limit); ++i) {
    if (i)
      os << ", ";
    if (t.isFloat())
      os << llvm::format("%.6g", t.getDouble(i));
    else
      os << t.getInt(i);
  }
  if (n > limit)
    os << ", ... (" << n << " elements)";
  os << "]\n";
  if (t.isFloat() && n > 1) {
    double lo = INFINITY, hi = -INFINITY, sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      lo = std::min(lo, t.getDouble(i));
      hi = std::max(hi, t.getDouble(i));
      sum += t.getDouble(i);
    }
    os << llvm::format("  min %.6g  max %.6g  mean %.6g\n", lo, hi, sum / n);
  }
}

} // namespace

int mlir::tcc::evalMain(int argc, char **argv) {
  cl::OptionCategory category("tcc eval options");
  cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.mlir>"),
                                 cl::Required, cl::cat(category));
  cl::opt<std::string> entry("entry",
                             cl::desc("Function to evaluate (default: the "
                                      "module's only public function)"),
                             cl::cat(category));
  cl::list<std::string> inputs(
      "input", cl::desc("Bind an argument: NAME=@FILE.npy (repeatable)"),
      cl::value_desc("NAME=@FILE.npy"), cl::cat(category));
  cl::opt<std::string> outputDir(
      "output-dir", cl::desc("Write one .npy per result into this folder"),
      cl::cat(category));
  cl::opt<bool> f64("f64",
                    cl::desc("Compute in f64 instead of the graph's dtypes "
                             "(results are written as f64)"),
                    cl::cat(category));
  cl::opt<uint64_t> seed("seed",
                         cl::desc("Seed of the random values for arguments "
                                  "given no --input"),
                         cl::init(0), cl::cat(category));
  cl::opt<int64_t> maxMemory(
      "max-memory",
      cl::desc("Evaluator memory limit in MiB (at most the machine's memory)"),
      cl::init(8192), cl::cat(category));
  cl::opt<unsigned> timeout(
      "collective-timeout",
      cl::desc("Seconds a simulated device waits for its peers at a "
               "collective or recv before the evaluation fails"),
      cl::init(20), cl::cat(category));
  cl::opt<unsigned> printLimit("print-limit",
                               cl::desc("Values printed per result"),
                               cl::init(8), cl::cat(category));
  cl::opt<bool> quiet("quiet", cl::desc("Print nothing but errors"),
                      cl::cat(category));
  cl::HideUnrelatedOptions(category);
  if (!cl::ParseCommandLineOptions(argc, argv,
                                   "tcc eval: run a tcc model in the "
                                   "reference evaluator\n",
                                   &llvm::errs()))
    return 1;

  std::unique_ptr<MLIRContext> context = createTccContext();
  std::unique_ptr<LoadedModule> loaded = LoadedModule::load(inputFile, *context);
  if (!loaded)
    return 1;
  FailureOr<func::FuncOp> found = findEntryFunction(loaded->module(), entry);
  if (failed(found))
    return 1;
  func::FuncOp function = *found;
  if (failed(verifyUniqueNames(function)) ||
      failed(verifyRandomStreams(function)) || failed(checkSignature(function)))
    return 1;
  // `--entry` may name a declaration; it has no arguments to bind.
  if (function.isExternal()) {
    function.emitError("cannot evaluate a function without a body");
    return 1;
  }

  EvalOptions options;
  options.computeInF64 = f64;
  options.maxBytes = memoryBudget(maxMemory);
  options.collectiveTimeout =
      std::chrono::seconds(std::max(timeout.getValue(), 1u));

  FailureOr<BoundArguments> arguments = bindArguments(
      function, inputs, seed, options.maxBytes, quiet, kTool);
  if (failed(arguments))
    return 1;
  SmallVector<std::string> outputPaths;
  if (!outputDir.empty()) {
    FailureOr<SmallVector<std::string>> planned =
        planOutputs(function, outputDir, arguments->inputPaths);
    if (failed(planned))
      return 1;
    outputPaths = std::move(*planned);
  }

  FailureOr<SmallVector<Tensor>> results = failure();
  if (MeshOp mesh = functionMesh(function)) {
    results = evaluateOnMesh(function, mesh, arguments->values, options);
    if (succeeded(results) && !quiet)
      note() << "evaluated on the " << mesh.getNumDevices()
             << " devices of mesh @" << mesh.getSymName() << "\n";
  } else {
    results = evaluate(function, arguments->values, options);
  }
  if (failed(results))
    return 1;

  for (auto [i, result] : llvm::enumerate(*results)) {
    if (!quiet)
      printTensor(llvm::outs(), resultName(function, i), result, printLimit);
    if (outputPaths.empty())
      continue;
    rt::Status status = rt::writeNpy(outputPaths[i], result.toHostArray(f64));
    if (!status.isOk()) {
      error() << status.message() << "\n";
      return 1;
    }
  }
  return 0;
}
