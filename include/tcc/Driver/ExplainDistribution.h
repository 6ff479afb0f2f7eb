//===- ExplainDistribution.h - what a per-device program does ----*- C++ -*-===//
//
// `tcc compile --train --mesh=... --explain` prints how the step was
// distributed: each argument's per-device shape and sharding, every
// collective in program order with the bytes a device sends for it and why
// it is there (the `tcc.why` labels buildTrainStep attaches), and what each
// device holds.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_DRIVER_EXPLAINDISTRIBUTION_H
#define TCC_DRIVER_EXPLAINDISTRIBUTION_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::tcc {

/// Prints the report of `step` (a function with a tcc.mesh) to `os`.
void explainDistribution(func::FuncOp step, raw_ostream &os);

} // namespace mlir::tcc

#endif // TCC_DRIVER_EXPLAINDISTRIBUTION_H
