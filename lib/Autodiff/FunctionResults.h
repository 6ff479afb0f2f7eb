//===- FunctionResults.h - replacing what a function returns -----*- C++ -*-===//
//
// Autodiff and the training step both rebuild a function's results (the
// forward's, then gradients; or the loss, then the new state), and drop
// what computed results no longer returned.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_LIB_AUTODIFF_FUNCTIONRESULTS_H
#define TCC_LIB_AUTODIFF_FUNCTIONRESULTS_H

#include "tcc/Analysis/Replication.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::tcc::autodiff {

/// Makes `function` return `results`, one attribute dictionary each in
/// `attrs`, in place of its return `ret` (erased); updates its type.
inline void setResults(func::FuncOp function, func::ReturnOp ret,
                       ValueRange results, ArrayRef<Attribute> attrs) {
  OpBuilder b(ret);
  func::ReturnOp::create(b, ret.getLoc(), results);
  ret.erase();
  function.setType(b.getFunctionType(function.getArgumentTypes(),
                                     ValueRange(results).getTypes()));
  function.setAllResultAttrs(attrs);
}

/// Erases the ops of `function` that compute only values it does not
/// return, collectives included: every device runs the same program and
/// erases the same ones, so their sequences still match.
inline void eraseUnreturned(func::FuncOp function) {
  // Backwards, so that what fed an erased op is seen after it.
  Operation *op = function.getBody().front().getTerminator()->getPrevNode();
  while (op) {
    Operation *before = op->getPrevNode();
    if (op->use_empty() && (isOpTriviallyDead(op) || collectiveAxes(op)))
      op->erase();
    op = before;
  }
}

} // namespace mlir::tcc::autodiff

#endif // TCC_LIB_AUTODIFF_FUNCTIONRESULTS_H
