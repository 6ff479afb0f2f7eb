//===- Contract.h - the graph contract of tcc programs ----------*- C++ -*-===//
//
// What docs/contract.md says a model looks like, as functions: which
// function is the entry, and the names and roles of its arguments and
// results. Frontends produce this; tools and passes read it through here.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_DIALECT_TCC_IR_CONTRACT_H
#define TCC_DIALECT_TCC_IR_CONTRACT_H

#include "tcc/Dialect/Tcc/IR/TccOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

#include <string>

namespace mlir::tcc {

/// The function named `name`, or, when `name` is empty, the module's only
/// public function. Reports at the module when there is none or several.
FailureOr<func::FuncOp> findEntryFunction(ModuleOp module, StringRef name);

/// `tcc.name` of argument `index`, or `arg<index>`.
std::string argumentName(func::FuncOp function, unsigned index);
/// `tcc.name` of result `index`, or `result<index>`.
std::string resultName(func::FuncOp function, unsigned index);
/// `tcc.role` of argument `index`, or "input".
StringRef argumentRole(func::FuncOp function, unsigned index);

/// Checks that argument names are unique, and result names too.
LogicalResult verifyUniqueNames(func::FuncOp function);

/// Checks that the random ops of `function` have distinct streams: two
/// dropouts sharing one would draw the same mask.
LogicalResult verifyRandomStreams(func::FuncOp function);

/// The mesh a per-device function runs on (its `tcc.mesh`), or null.
MeshOp functionMesh(func::FuncOp function);

} // namespace mlir::tcc

#endif // TCC_DIALECT_TCC_IR_CONTRACT_H
