//===- Sharding.h - checks and arithmetic on #tcc.sharding ------*- C++ -*-===//

#ifndef TCC_DIALECT_TCC_IR_SHARDING_H
#define TCC_DIALECT_TCC_IR_SHARDING_H

#include "tcc/Dialect/Tcc/IR/ShapeInference.h"
#include "tcc/Dialect/Tcc/IR/TccOps.h"

namespace mlir::tcc {

/// Checks `sharding` against the tensor type it describes and the mesh it
/// names: one entry per dimension, known axes, and split axes that divide
/// their dimension. With `isShard`, `type` is one device's shard (the types
/// of per-device functions) and the global tensor must stay within bounds.
LogicalResult verifySharding(ShardingAttr sharding, RankedTensorType type,
                             MeshOp mesh, shape::ErrorFn error,
                             bool isShard = false);

/// Number of shards of each dimension of a tensor laid out by `sharding`.
SmallVector<int64_t> shardCounts(ShardingAttr sharding, MeshOp mesh);

/// The global shape of which `local` is one device's shard under
/// `sharding`; failure when `local` is not static or the global tensor
/// would exceed the dialect's 2^40 elements.
FailureOr<shape::Shape> globalShape(ArrayRef<int64_t> local,
                                    ShardingAttr sharding, MeshOp mesh,
                                    shape::ErrorFn error);

/// The index, along each dimension, of the shard that the device at
/// `coordinates` holds under `sharding`.
SmallVector<int64_t> shardIndex(ShardingAttr sharding, MeshOp mesh,
                                ArrayRef<int64_t> coordinates);

/// Inside a per-device function (`tcc.mesh = @m`), every mesh reference must
/// be @m: the evaluator and the runtime run the function on that mesh only.
/// Checks `meshRef` against the function enclosing `op` (or `op` itself).
LogicalResult verifyFunctionMesh(Operation *op, FlatSymbolRefAttr meshRef,
                                 shape::ErrorFn error);

} // namespace mlir::tcc

#endif // TCC_DIALECT_TCC_IR_SHARDING_H
