//===- RandomInputs.cpp - what random values fit an argument --------------===//

#include "tcc/Analysis/RandomInputs.h"

#include "tcc/Dialect/Tcc/IR/Contract.h"
#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tcc;
using ::tcc::rt::RandomInit;

namespace {

/// Exclusive upper bound for an integer argument: the size of the
/// dimension it indexes when it feeds a gather or labels a cross_entropy.
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

RandomInit mlir::tcc::randomInitFor(func::FuncOp function, unsigned index,
                                    RankedTensorType type) {
  BlockArgument argument = function.getArgument(index);
  RandomInit init;
  // BatchNorm statistics start as PyTorch's do: mean 0, variance 1.
  for (Operation *user : argument.getUsers()) {
    auto norm = dyn_cast<BatchNormOp>(user);
    if (norm && norm.getRunningMean() == argument) {
      init.kind = RandomInit::Kind::Zeros;
      return init;
    }
    if (norm && norm.getRunningVar() == argument) {
      init.kind = RandomInit::Kind::Ones;
      return init;
    }
  }
  Type element = type.getElementType();
  if (!isa<FloatType>(element)) {
    init.kind = RandomInit::Kind::Integer;
    init.bound = element.isInteger(1) ? 2 : integerBound(function, index);
    return init;
  }
  if (argumentRole(function, index) == "parameter" && type.getRank() > 0) {
    // PyTorch's fan-in: every dimension but the first (the first alone for
    // a vector, such as a bias or a norm's weight), of the global shape.
    int64_t fanIn = 1;
    for (int64_t d : type.getRank() > 1 ? type.getShape().drop_front()
                                        : type.getShape())
      fanIn *= d;
    init.scale = 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(fanIn, 1)));
  }
  return init;
}
