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
#include "tcc/Dialect/Tcc/IR/Sharding.h"
#include "tcc/Driver/ModuleLoader.h"
#include "tcc/Interpreter/Interpreter.h"
#include "tcc/Interpreter/ShardedValues.h"
#include "tcc/Support/Philox.h"
#include "tcc/runtime/Npy.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::interp;
namespace cl = llvm::cl;

namespace {

llvm::raw_ostream &error() { return llvm::WithColor::error(llvm::errs(), "tcc eval"); }
llvm::raw_ostream &note() { return llvm::WithColor::note(llvm::errs(), "tcc eval"); }

std::string describe(DType dtype, ArrayRef<int64_t> shape) {
  std::string s = std::string(rt::dtypeName(dtype)) + "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") + std::to_string(d);
  return s + "]";
}

/// The shape a user supplies for argument `index`: in a per-device function
/// the declared type is one device's shard, and the user gives the global
/// tensor that the argument's sharding splits.
RankedTensorType globalArgumentType(func::FuncOp function, unsigned index) {
  auto type = cast<RankedTensorType>(function.getArgumentTypes()[index]);
  MeshOp mesh = functionMesh(function);
  auto sharding =
      function.getArgAttrOfType<ShardingAttr>(index, attrs::kSharding);
  if (!mesh || !sharding)
    return type;
  SmallVector<int64_t> shape(type.getShape());
  for (auto [d, n] : llvm::enumerate(shardCounts(sharding, mesh)))
    shape[d] *= n;
  return type.clone(shape);
}

/// Exclusive upper bound for random values of integer argument `index`:
/// the size of the dimension it indexes when it feeds a gather or labels a
/// cross_entropy, so random programs stay in range.
int64_t integerBound(func::FuncOp function, unsigned index) {
  for (Operation *user : function.getArgument(index).getUsers()) {
    if (auto gather = dyn_cast<GatherOp>(user))
      if (gather.getIndices() == function.getArgument(index))
        return gather.getTable().getType().getShape()[gather.getAxis()];
    if (auto loss = dyn_cast<CrossEntropyOp>(user))
      return loss.getLogits().getType().getShape()[1];
  }
  return 10;
}

/// Deterministic random values for argument `index`: normal floats
/// (Box-Muller on Philox draws, identical on every platform; parameters
/// scaled by 1/sqrt(fan-in) as PyTorch's initializers do, so activations stay
/// near unit size), integers in [0, bound), and fair booleans; BatchNorm
/// running statistics get PyTorch's initial values.
Tensor randomArgument(func::FuncOp function, unsigned index, uint64_t seed) {
  RankedTensorType type = globalArgumentType(function, index);
  Tensor t(*dtypeOf(type.getElementType()), type.getShape());
  // BatchNorm statistics start as PyTorch's do: mean 0, variance 1.
  for (Operation *user : function.getArgument(index).getUsers()) {
    auto norm = dyn_cast<BatchNormOp>(user);
    if (norm && norm.getRunningMean() == function.getArgument(index))
      return t;
    if (norm && norm.getRunningVar() == function.getArgument(index)) {
      for (int64_t i = 0, e = t.numElements(); i < e; ++i)
        t.setDouble(i, 1.0);
      return t;
    }
  }
  uint64_t stream = (uint64_t(1) << 40) + index;
  int64_t bound = t.dtype() == DType::Bool ? 2 : integerBound(function, index);
  double scale = 1.0;
  if (argumentRole(function, index) == "parameter" && type.getRank() > 0) {
    int64_t fanIn = type.getRank() > 1 ? t.numElements() / type.getShape()[0]
                                       : type.getShape()[0];
    scale = 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(fanIn, 1)));
  }
  for (int64_t i = 0, e = t.numElements(); i < e; ++i) {
    double u1 = ::tcc::philoxUniform(seed, stream, 2 * i);
    double u2 = ::tcc::philoxUniform(seed, stream, 2 * i + 1);
    if (t.isFloat())
      t.setDouble(i, scale * std::sqrt(-2.0 * std::log1p(-u1)) *
                         std::cos(2.0 * M_PI * u2));
    else
      t.setInt(i, std::min<int64_t>(static_cast<int64_t>(u1 * bound), bound - 1));
  }
  t.roundToDType();
  return t;
}

void printTensor(llvm::raw_ostream &os, StringRef name, const Tensor &t,
                 unsigned limit) {
  os << name << ": " << describe(t.dtype(), t.shape()) << "\n  [";
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
  cl::opt<int64_t> maxMemory("max-memory",
                             cl::desc("Evaluator memory limit in MiB"),
                             cl::init(8192), cl::cat(category));
  cl::opt<unsigned> printLimit("print-limit",
                               cl::desc("Values printed per result"),
                               cl::init(8), cl::cat(category));
  cl::opt<unsigned> timeout(
      "collective-timeout",
      cl::desc("Seconds a simulated device waits for its peers at a "
               "collective or recv before the evaluation fails"),
      cl::init(20), cl::cat(category));
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
  if (failed(verifyUniqueNames(function)) || failed(checkSignature(function)))
    return 1;
  // `--entry` may name a declaration; it has no arguments to bind.
  if (function.isExternal()) {
    function.emitError("cannot evaluate a function without a body");
    return 1;
  }
  // Clamped so that the shift to bytes cannot overflow.
  int64_t maxBytes =
      std::clamp<int64_t>(maxMemory, 1,
                          std::numeric_limits<int64_t>::max() >> 20)
      << 20;
  // Arguments count against the budget as op results do (8 bytes an
  // element), before random values or a file's contents are allocated.
  for (unsigned i = 0, e = function.getNumArguments(); i < e; ++i) {
    int64_t count = globalArgumentType(function, i).getNumElements();
    if (count > maxBytes / 8) {
      function.emitError("argument '")
          << argumentName(function, i) << "' of " << count
          << " elements needs " << count / (1 << 17)
          << " MiB in the evaluator, more than its limit of "
          << maxBytes / (1 << 20) << " MiB (--max-memory)";
      return 1;
    }
  }

  // Bind the given files by argument name.
  llvm::StringMap<unsigned> argumentIndex;
  for (unsigned i = 0, e = function.getNumArguments(); i < e; ++i)
    argumentIndex[argumentName(function, i)] = i;
  SmallVector<std::optional<Tensor>> bound(function.getNumArguments());
  SmallVector<std::string> inputPaths;
  for (StringRef spec : inputs) {
    auto [name, path] = spec.split('=');
    path.consume_front("@");
    if (name.empty() || path.empty()) {
      error() << "--input '" << spec << "': expected NAME=@FILE.npy\n";
      return 1;
    }
    auto it = argumentIndex.find(name);
    if (it == argumentIndex.end()) {
      error() << "--input '" << name << "': @" << function.getSymName()
              << " has no argument of that name; its arguments are:";
      for (unsigned i = 0, e = function.getNumArguments(); i < e; ++i)
        llvm::errs() << " " << argumentName(function, i);
      llvm::errs() << "\n";
      return 1;
    }
    unsigned index = it->second;
    if (bound[index]) {
      error() << "--input '" << name << "' is given twice\n";
      return 1;
    }
    rt::StatusOr<rt::HostArray> array = rt::readNpy(path.str());
    if (!array.isOk()) {
      error() << array.status().message() << "\n";
      return 1;
    }
    rt::StatusOr<Tensor> tensor = Tensor::fromHostArray(*array);
    if (!tensor.isOk()) {
      error() << path << ": " << tensor.status().message() << "\n";
      return 1;
    }
    RankedTensorType type = globalArgumentType(function, index);
    std::optional<DType> expected = dtypeOf(type.getElementType());
    if (tensor->shape() != type.getShape() || tensor->dtype() != expected) {
      error() << "--input '" << name << "': " << path << " holds "
              << describe(tensor->dtype(), tensor->shape()) << ", but @"
              << function.getSymName() << " expects " << type << "\n";
      return 1;
    }
    bound[index] = std::move(*tensor);
    inputPaths.push_back(path.str());
  }
  SmallVector<Tensor> arguments;
  for (unsigned i = 0, e = function.getNumArguments(); i < e; ++i) {
    if (!bound[i]) {
      bound[i] = randomArgument(function, i, seed);
      if (!quiet)
        note() << "no --input for '" << argumentName(function, i) << "' ("
               << describe(bound[i]->dtype(), bound[i]->shape())
               << "): using random values (seed " << seed << ")\n";
    }
    arguments.push_back(std::move(*bound[i]));
  }

  EvalOptions options;
  options.computeInF64 = f64;
  options.maxBytes = maxBytes;
  options.collectiveTimeout = std::chrono::seconds(std::max(timeout.getValue(), 1u));
  SmallVector<Tensor> results;
  if (MeshOp mesh = functionMesh(function)) {
    int64_t devices = mesh.getNumDevices();
    SmallVector<SmallVector<Tensor>> perDevice(devices);
    for (int64_t rank = 0; rank < devices; ++rank) {
      SmallVector<int64_t> coordinates;
      int64_t r = rank;
      for (int64_t size : llvm::reverse(mesh.getAxisSizes())) {
        coordinates.insert(coordinates.begin(), r % size);
        r /= size;
      }
      for (unsigned i = 0; i < arguments.size(); ++i)
        perDevice[rank].push_back(shardOf(
            arguments[i],
            function.getArgAttrOfType<ShardingAttr>(i, attrs::kSharding), mesh,
            coordinates));
    }
    FailureOr<SmallVector<SmallVector<Tensor>>> out =
        evaluateSpmd(function, mesh, perDevice, options);
    if (failed(out))
      return 1;
    for (unsigned i = 0, e = function.getNumResults(); i < e; ++i) {
      SmallVector<Tensor> shards;
      for (auto &device : *out)
        shards.push_back(device[i]);
      results.push_back(assembleShards(
          shards, function.getResultAttrOfType<ShardingAttr>(i, attrs::kSharding),
          mesh));
    }
    if (!quiet)
      note() << "evaluated on the " << devices << " devices of mesh @"
             << mesh.getSymName() << "\n";
  } else {
    FailureOr<SmallVector<Tensor>> out = evaluate(function, arguments, options);
    if (failed(out))
      return 1;
    results = std::move(*out);
  }

  if (!outputDir.empty()) {
    if (std::error_code ec = llvm::sys::fs::create_directories(outputDir)) {
      error() << "cannot create '" << outputDir << "': " << ec.message() << "\n";
      return 1;
    }
  }
  for (auto [i, result] : llvm::enumerate(results)) {
    std::string name = resultName(function, i);
    if (!quiet)
      printTensor(llvm::outs(), name, result, printLimit);
    if (outputDir.empty())
      continue;
    llvm::SmallString<256> path(outputDir);
    llvm::sys::path::append(path, fileNameFor(name));
    for (const std::string &input : inputPaths) {
      if (llvm::sys::fs::equivalent(input, path)) {
        error() << "refusing to overwrite input file '" << input
                << "' with result '" << name << "'\n";
        return 1;
      }
    }
    rt::Status status = rt::writeNpy(std::string(path), result.toHostArray(f64));
    if (!status.isOk()) {
      error() << status.message() << "\n";
      return 1;
    }
  }
  return 0;
}
