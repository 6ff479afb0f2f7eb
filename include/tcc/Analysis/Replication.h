//===- Replication.h - which values differ between devices ------*- C++ -*-===//
//
// In a per-device program (a function with `tcc.mesh`) every device runs
// the same ops on its own data. A value may differ between the devices
// along a mesh axis (it *varies* along it) when it depends on a shard split
// over that axis, on a partial sum over it, or on a collective that leaves
// each device of the group its own slice; an all_reduce, all_gather or
// collective_broadcast over the axis makes it the same again.
//
// checkReplication is the static check of a partitioned program (JAX's
// shard_map replication check): a result declared replicated along an axis
// (its tcc.sharding neither splits a dimension over it nor holds partial
// sums over it) must not vary along it. A gradient that was never averaged
// over dp, a loss not reduced, a ZeRO shard returned as if whole: each is
// an error naming the result, the axis, and the argument or op the
// difference comes from (a result of role `probe`, exposed for inspection,
// is each device's own and not checked). It also checks that no collective runs inside a
// pipeline stage over the stage's own axis (the devices outside the stage
// would never join it).
//
//===----------------------------------------------------------------------===//

#ifndef TCC_ANALYSIS_REPLICATION_H
#define TCC_ANALYSIS_REPLICATION_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir::tcc {

/// The mesh axes of a collective over a device group (all_reduce,
/// all_gather, reduce_scatter, all_slice, all_to_all,
/// collective_broadcast), or null for any other op.
ArrayAttr collectiveAxes(Operation *op);

/// Checks `function` (a no-op unless it has a tcc.mesh); emits an error per
/// problem found and fails if there was one.
LogicalResult checkReplication(func::FuncOp function);

/// For each value of `function`, the mesh axes it may differ along between
/// the devices (bit i: axis i of the function's mesh; values not listed
/// differ along none). Empty for a function without a tcc.mesh.
llvm::DenseMap<Value, uint64_t> varyingAxes(func::FuncOp function);

} // namespace mlir::tcc

#endif // TCC_ANALYSIS_REPLICATION_H
