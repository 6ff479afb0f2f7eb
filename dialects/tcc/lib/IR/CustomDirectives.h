//===- CustomDirectives.h - custom<...> directives of the tcc ops -*- C++ -*-===//
//
// Declared here so that the generated op definitions (TccOps.cpp.inc, in
// TccDialect.cpp) can call them; defined beside the ops that use them.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_DIALECT_TCC_LIB_IR_CUSTOMDIRECTIVES_H
#define TCC_DIALECT_TCC_LIB_IR_CUSTOMDIRECTIVES_H

#include "mlir/IR/OpImplementation.h"

namespace mlir::tcc {

/// `(dp = 4, tp = 2)` for tcc.mesh.
ParseResult parseMeshAxes(OpAsmParser &parser, ArrayAttr &names,
                          DenseI64ArrayAttr &sizes);
void printMeshAxes(OpAsmPrinter &printer, Operation *op, ArrayAttr names,
                   DenseI64ArrayAttr sizes);

} // namespace mlir::tcc

#endif // TCC_DIALECT_TCC_LIB_IR_CUSTOMDIRECTIVES_H
