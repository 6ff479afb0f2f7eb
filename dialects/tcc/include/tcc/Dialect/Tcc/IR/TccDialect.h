//===- TccDialect.h - the tcc dialect ---------------------------*- C++ -*-===//

#ifndef TCC_DIALECT_TCC_IR_TCCDIALECT_H
#define TCC_DIALECT_TCC_IR_TCCDIALECT_H

#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "mlir/IR/Dialect.h"

namespace mlir::tcc {
/// Whether `type` has a static shape of at most 2^40 elements, the bound on
/// every tensor of the dialect (shape::kMaxElements).
bool hasBoundedSize(ShapedType type);
} // namespace mlir::tcc

#include "tcc/Dialect/Tcc/IR/TccOpsDialect.h.inc"

#endif // TCC_DIALECT_TCC_IR_TCCDIALECT_H
