//===- ForwardOps.h - the forward part of a training step -------*- C++ -*-===//
//
// A training step's block holds the forward, the backward and the update.
// The forward is everything the loss depends on; what reads it from outside
// that set (gradients, recomputations, updates) is the backward's side.
// Rematerialization and ZeRO-3's parameter gathers both cut at that line.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_LIB_AUTODIFF_FORWARDOPS_H
#define TCC_LIB_AUTODIFF_FORWARDOPS_H

#include "mlir/IR/Block.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallVector.h"

namespace mlir::tcc::autodiff {

/// The ops of `body` that `loss` depends on.
inline llvm::DenseSet<Operation *> forwardOps(Block &body, Value loss) {
  llvm::DenseSet<Operation *> forward;
  SmallVector<Operation *> worklist;
  if (Operation *def = loss.getDefiningOp())
    worklist.push_back(def);
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    if (op->getBlock() != &body || !forward.insert(op).second)
      continue;
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp())
        worklist.push_back(def);
  }
  return forward;
}

} // namespace mlir::tcc::autodiff

#endif // TCC_LIB_AUTODIFF_FORWARDOPS_H
