//===- Sharding.h - checks and arithmetic on #tcc.sharding ------*- C++ -*-===//

#ifndef TCC_DIALECT_TCC_IR_SHARDING_H
#define TCC_DIALECT_TCC_IR_SHARDING_H

#include "tcc/Dialect/Tcc/IR/ShapeInference.h"
#include "tcc/Dialect/Tcc/IR/TccOps.h"

namespace mlir::tcc {

/// Checks `sharding` against the tensor type it describes and the mesh it
/// names: one entry per dimension, known axes, and split axes that divide
/// their dimension.
LogicalResult verifySharding(ShardingAttr sharding, RankedTensorType type,
                             MeshOp mesh, shape::ErrorFn error);

/// Number of shards of each dimension of a tensor laid out by `sharding`.
SmallVector<int64_t> shardCounts(ShardingAttr sharding, MeshOp mesh);

} // namespace mlir::tcc

#endif // TCC_DIALECT_TCC_IR_SHARDING_H
