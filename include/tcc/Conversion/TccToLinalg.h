//===- TccToLinalg.h - lowering tcc ops to linalg on tensors ----*- C++ -*-===//
//
// Every compute op of the tcc dialect has one lowering to linalg, tensor,
// arith and math ops on tensors, shared by the CPU and GPU backends: the
// backends tile and fuse the linalg ops of a kernel, bufferize them and
// lower them further. Lowerings are registered in one table keyed by op
// name, so that a test can enumerate the dialect's ops and fail for any op
// that has none.
//
// Runtime errors (an integer division by zero, an index or label outside
// its range, a float that does not fit an integer cast) cannot abort a
// kernel: the generated code clamps the offending value so that it stays
// memory-safe and, when a status buffer is given, stores the error's code
// in it for the runtime to report.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_CONVERSION_TCCTOLINALG_H
#define TCC_CONVERSION_TCCTOLINALG_H

#include "tcc/runtime/KernelStatus.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Operation.h"
#include "mlir/Pass/Pass.h"

#include <cstdint>
#include <memory>

namespace mlir::tcc {

/// The codes a kernel stores in its status buffer (a memref<1xi32>).
using KernelError = ::tcc::rt::KernelStatus;

/// Emits linalg-on-tensors IR computing `op` at the builder's insertion
/// point from `operands` (the lowered values of op's operands, of the same
/// types) and appends one value per result of `op` to `results`. `status`
/// is a memref<1xi32> or null. Fails with a diagnostic at `op` when the op
/// has no lowering or this instance cannot be lowered.
LogicalResult lowerToLinalg(OpBuilder &builder, Operation *op,
                            ValueRange operands, Value status,
                            SmallVectorImpl<Value> &results);

/// Whether ops named `name` have a lowering.
bool hasLinalgLowering(OperationName name);

/// Dialects the lowering creates ops of.
void registerLinalgLoweringDialects(DialectRegistry &registry);

} // namespace mlir::tcc

#endif // TCC_CONVERSION_TCCTOLINALG_H
