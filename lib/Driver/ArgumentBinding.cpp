//===- ArgumentBinding.cpp - tensors for an entry function's arguments ----===//

#include "tcc/Driver/ArgumentBinding.h"

#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/Dialect/Tcc/IR/Sharding.h"
#include "tcc/Support/Philox.h"
#include "tcc/runtime/Npy.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::interp;

namespace {

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

} // namespace

std::string mlir::tcc::describeTensor(DType dtype, ArrayRef<int64_t> shape) {
  std::string s = std::string(rt::dtypeName(dtype)) + "[";
  for (auto [i, d] : llvm::enumerate(shape))
    s += (i ? ", " : "") + std::to_string(d);
  return s + "]";
}

RankedTensorType mlir::tcc::globalArgumentType(func::FuncOp function,
                                               unsigned index) {
  auto type = cast<RankedTensorType>(function.getArgumentTypes()[index]);
  MeshOp mesh = functionMesh(function);
  auto sharding =
      function.getArgAttrOfType<ShardingAttr>(index, attrs::kSharding);
  if (!mesh || !sharding)
    return type;
  // The verifier checked that the global shape exists.
  return type.clone(
      *globalShape(type.getShape(), sharding, mesh, [](const Twine &) {}));
}

Tensor mlir::tcc::randomArgument(func::FuncOp function, unsigned index,
                                 uint64_t seed) {
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
  // Streams past 2^40 keep argument draws apart from the graph's own ops.
  uint64_t stream = (uint64_t(1) << 40) + index;
  int64_t bound = t.dtype() == DType::Bool ? 2 : integerBound(function, index);
  double scale = 1.0;
  if (argumentRole(function, index) == "parameter" && type.getRank() > 0) {
    // PyTorch's fan-in: every dimension but the first (the first alone for
    // a vector, such as a bias or a norm's weight).
    int64_t fanIn = 1;
    for (int64_t d : type.getRank() > 1 ? type.getShape().drop_front()
                                        : type.getShape())
      fanIn *= d;
    scale = 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(fanIn, 1)));
  }
  for (int64_t i = 0, e = t.numElements(); i < e; ++i) {
    double u1 = ::tcc::philoxUniform(seed, stream, 2 * i);
    double u2 = ::tcc::philoxUniform(seed, stream, 2 * i + 1);
    if (t.isFloat())
      t.setDouble(i, scale * std::sqrt(-2.0 * std::log1p(-u1)) *
                         std::cos(2.0 * M_PI * u2));
    else
      t.setInt(i, std::min<int64_t>(static_cast<int64_t>(u1 * bound),
                                    bound - 1));
  }
  t.roundToDType();
  return t;
}

FailureOr<BoundArguments>
mlir::tcc::bindArguments(func::FuncOp function, ArrayRef<std::string> specs,
                         uint64_t seed, int64_t maxBytes, bool quiet,
                         StringRef tool) {
  auto error = [&]() -> llvm::raw_ostream & {
    return llvm::WithColor::error(llvm::errs(), tool);
  };
  unsigned count = function.getNumArguments();
  // Arguments count against the budget as op results do (8 bytes an
  // element), before random values or a file's contents are allocated.
  for (unsigned i = 0; i < count; ++i) {
    int64_t elements = globalArgumentType(function, i).getNumElements();
    if (elements > maxBytes / 8)
      return function.emitError("argument '")
             << argumentName(function, i) << "' of " << elements
             << " elements needs " << elements / (1 << 17)
             << " MiB in the evaluator, more than its limit of "
             << maxBytes / (1 << 20) << " MiB (--max-memory)";
  }

  llvm::StringMap<unsigned> argumentIndex;
  for (unsigned i = 0; i < count; ++i)
    argumentIndex[argumentName(function, i)] = i;
  SmallVector<std::optional<Tensor>> bound(count);
  BoundArguments result;
  for (StringRef spec : specs) {
    auto [name, path] = spec.split('=');
    path.consume_front("@");
    if (name.empty() || path.empty()) {
      error() << "--input '" << spec << "': expected NAME=@FILE.npy\n";
      return failure();
    }
    auto it = argumentIndex.find(name);
    if (it == argumentIndex.end()) {
      error() << "--input '" << name << "': @" << function.getSymName()
              << " has no argument of that name; its arguments are:";
      for (unsigned i = 0; i < count; ++i)
        llvm::errs() << " " << argumentName(function, i);
      llvm::errs() << "\n";
      return failure();
    }
    unsigned index = it->second;
    if (bound[index]) {
      error() << "--input '" << name << "' is given twice\n";
      return failure();
    }
    rt::StatusOr<rt::HostArray> array = rt::readNpy(path.str());
    if (!array.isOk()) {
      error() << array.status().message() << "\n";
      return failure();
    }
    rt::StatusOr<Tensor> tensor = Tensor::fromHostArray(*array);
    if (!tensor.isOk()) {
      error() << path << ": " << tensor.status().message() << "\n";
      return failure();
    }
    RankedTensorType type = globalArgumentType(function, index);
    if (tensor->shape() != type.getShape() ||
        tensor->dtype() != dtypeOf(type.getElementType())) {
      error() << "--input '" << name << "': " << path << " holds "
              << describeTensor(tensor->dtype(), tensor->shape()) << ", but @"
              << function.getSymName() << " expects " << type << "\n";
      return failure();
    }
    bound[index] = std::move(*tensor);
    result.inputPaths.push_back(path.str());
  }
  for (unsigned i = 0; i < count; ++i) {
    if (!bound[i]) {
      bound[i] = randomArgument(function, i, seed);
      if (!quiet)
        llvm::WithColor::note(llvm::errs(), tool)
            << "no --input for '" << argumentName(function, i) << "' ("
            << describeTensor(bound[i]->dtype(), bound[i]->shape())
            << "): using random values (seed " << seed << ")\n";
    }
    result.values.push_back(std::move(*bound[i]));
  }
  return result;
}
