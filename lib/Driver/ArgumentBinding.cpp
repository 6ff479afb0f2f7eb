//===- ArgumentBinding.cpp - tensors for an entry function's arguments ----===//

#include "tcc/Driver/ArgumentBinding.h"

#include "tcc/Analysis/RandomInputs.h"
#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/Dialect/Tcc/IR/Sharding.h"
#include "tcc/runtime/Npy.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tcc;
using namespace mlir::tcc::interp;

std::string mlir::tcc::describeTensor(DType dtype, ArrayRef<int64_t> shape) {
  return rt::describeTensor(dtype, shape.vec());
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
  rt::RandomInit init = randomInitFor(function, index, type);
  uint64_t stream = rt::randomInputStream(index);
  for (int64_t i = 0, e = t.numElements(); i < e; ++i) {
    switch (init.kind) {
    case rt::RandomInit::Kind::Zeros:
      break;
    case rt::RandomInit::Kind::Ones:
      t.setDouble(i, 1.0);
      break;
    case rt::RandomInit::Kind::Integer:
      t.setInt(i, rt::randomInteger(seed, stream, i, init.bound));
      break;
    case rt::RandomInit::Kind::Normal:
      t.setDouble(i, init.scale * rt::randomNormal(seed, stream, i));
      break;
    }
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
    // The user's tensor: the global one, or the tensor it views.
    RankedTensorType type = globalArgumentType(function, index);
    RankedTensorType user = type;
    if (auto view = function.getArgAttrOfType<DenseI64ArrayAttr>(
            index, attrs::kUserShape))
      user = type.clone(view.asArrayRef());
    if (tensor->shape() != user.getShape() ||
        tensor->dtype() != dtypeOf(type.getElementType())) {
      error() << "--input '" << name << "': " << path << " holds "
              << describeTensor(tensor->dtype(), tensor->shape()) << ", but @"
              << function.getSymName() << " expects " << user << "\n";
      return failure();
    }
    bound[index] = tensor->reshaped(type.getShape());
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
