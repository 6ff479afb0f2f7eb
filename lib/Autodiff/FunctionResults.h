//===- FunctionResults.h - replacing what a function returns -----*- C++ -*-===//
//
// Autodiff and the training step both rebuild a function's results (the
// forward's, then gradients; or the loss, then the new state).
//
//===----------------------------------------------------------------------===//

#ifndef TCC_LIB_AUTODIFF_FUNCTIONRESULTS_H
#define TCC_LIB_AUTODIFF_FUNCTIONRESULTS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"

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

} // namespace mlir::tcc::autodiff

#endif // TCC_LIB_AUTODIFF_FUNCTIONRESULTS_H
