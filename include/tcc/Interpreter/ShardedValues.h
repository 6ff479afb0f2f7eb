//===- ShardedValues.h - split and join tensors by #tcc.sharding -*- C++ -*-===//
//
// How a global tensor maps to the shards of an SPMD program's devices: the
// evaluator's bridge between a single-device run (the reference) and a
// per-device run of the same computation.
//
//===----------------------------------------------------------------------===//

#ifndef TCC_INTERPRETER_SHARDEDVALUES_H
#define TCC_INTERPRETER_SHARDEDVALUES_H

#include "tcc/Interpreter/Tensor.h"

#include "tcc/Dialect/Tcc/IR/TccOps.h"

namespace mlir::tcc::interp {

/// The shard of `global` that the device at `coordinates` holds under
/// `sharding` (null: replicated). A partial-sum axis holds the whole value
/// on coordinate 0 and zeros elsewhere; avg, max and min partials hold copies.
Tensor shardOf(const Tensor &global, ShardingAttr sharding, MeshOp mesh,
               ArrayRef<int64_t> coordinates);

/// The global tensor that the devices' shards `perDevice` (indexed by rank)
/// represent under `sharding`: split dimensions are joined, partial axes
/// reduced, replicated axes read from coordinate 0.
Tensor assembleShards(ArrayRef<Tensor> perDevice, ShardingAttr sharding,
                      MeshOp mesh);

} // namespace mlir::tcc::interp

#endif // TCC_INTERPRETER_SHARDEDVALUES_H
