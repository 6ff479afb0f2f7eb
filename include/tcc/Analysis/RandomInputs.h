//===- RandomInputs.h - what random values fit an argument ------*- C++ -*-===//
//
// Deterministic stand-ins for inputs a user did not give: they must be
// valid for the graph (an index below its table's size, a label below the
// class count, BatchNorm statistics as PyTorch initializes them) and
// plausible (parameters scaled by 1/sqrt(fan-in)). The evaluator draws them
// directly; the compiler records them in the plan so that the runtime
// draws the same values (tcc/runtime/RandomInputs.h).
//
//===----------------------------------------------------------------------===//

#ifndef TCC_ANALYSIS_RANDOMINPUTS_H
#define TCC_ANALYSIS_RANDOMINPUTS_H

#include "tcc/runtime/RandomInputs.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::tcc {

/// The values for argument `index` of `function`, whose tensor (for a
/// per-device function, the global tensor) has type `type`.
::tcc::rt::RandomInit randomInitFor(func::FuncOp function, unsigned index,
                                    RankedTensorType type);

} // namespace mlir::tcc

#endif // TCC_ANALYSIS_RANDOMINPUTS_H
