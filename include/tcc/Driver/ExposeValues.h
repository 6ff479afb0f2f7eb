//===- ExposeValues.h - intermediate values as program results ---*- C++ -*-===//
//
// Debugging a compiled program needs its intermediate values: `tcc verify`
// compares each with the evaluator, `tcc compile --train --check-numerics`
// has the runtime look for the first NaN or infinity. Both make the values
// extra results of the function.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_DRIVER_EXPOSEVALUES_H
#define TCC_DRIVER_EXPOSEVALUES_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

#include <string>
#include <vector>

namespace mlir::tcc {

/// Appends the results of `function`'s top-level ops (only the float ones
/// with `floatOnly`) to its results, in program order, each named
/// `namePrefix` + its index and, with `labelInName`, ": " + what computes
/// it ("tcc.log at model.py:12:5"), with role `probe` (in a per-device
/// program, each device's own value). Returns what computes each, in order.
std::vector<std::string> exposeValues(func::FuncOp function,
                                      StringRef namePrefix, bool floatOnly,
                                      bool labelInName);

} // namespace mlir::tcc

#endif // TCC_DRIVER_EXPOSEVALUES_H
