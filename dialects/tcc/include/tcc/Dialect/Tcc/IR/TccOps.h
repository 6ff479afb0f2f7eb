//===- TccOps.h - tcc dialect operations and attributes ---------*- C++ -*-===//

#ifndef TCC_DIALECT_TCC_IR_TCCOPS_H
#define TCC_DIALECT_TCC_IR_TCCOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "tcc/Dialect/Tcc/IR/TccDialect.h"

#include "tcc/Dialect/Tcc/IR/TccEnums.h.inc"
#include "tcc/Dialect/Tcc/IR/TccInterfaces.h.inc"

#define GET_ATTRDEF_CLASSES
#include "tcc/Dialect/Tcc/IR/TccAttrs.h.inc"

#define GET_OP_CLASSES
#include "tcc/Dialect/Tcc/IR/TccOps.h.inc"

namespace mlir::tcc {

/// Names of the discardable attributes of the graph contract
/// (docs/contract.md).
namespace attrs {
/// On a function: the mesh it runs on per device (a FlatSymbolRefAttr).
inline constexpr llvm::StringLiteral kMesh = "tcc.mesh";
/// On a function argument or result: its name (a StringAttr).
inline constexpr llvm::StringLiteral kName = "tcc.name";
/// On a function argument or result: its role (see contract.md).
inline constexpr llvm::StringLiteral kRole = "tcc.role";
/// On a function argument or result: its layout (a ShardingAttr).
inline constexpr llvm::StringLiteral kSharding = "tcc.sharding";
/// On a per-device function's argument or result: the shape of the tensor
/// the user holds, when the global tensor (the shard times the sharding) is
/// a row-major view of it, e.g. a fused qkv weight [3C, C] split per head
/// as [3, C, C] (a DenseI64ArrayAttr).
inline constexpr llvm::StringLiteral kUserShape = "tcc.user_shape";
/// On an op (a collective the compiler inserted): why it is there, for
/// `tcc compile --explain` (a StringAttr).
inline constexpr llvm::StringLiteral kWhy = "tcc.why";
/// On an op: autodiff takes its results as constants (a UnitAttr), where
/// their gradient cancels exactly: the maximum a log-sum-exp subtracts.
inline constexpr llvm::StringLiteral kNoGradient = "tcc.no_gradient";
} // namespace attrs

/// Looks up the mesh named by `meshRef` from `from`'s nearest symbol table.
MeshOp lookupMesh(Operation *from, FlatSymbolRefAttr meshRef,
                  SymbolTableCollection *symbolTables = nullptr);

} // namespace mlir::tcc

#endif // TCC_DIALECT_TCC_IR_TCCOPS_H
